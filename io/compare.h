#ifndef YB_COMPARE_H
#define YB_COMPARE_H
#include <stdio.h>

#include "batch.h"
#include "program.h"
/* Settle every claim with both policies; write the claims whose settlement
 * changed and a summary of money totals.  Returns the exit status. */
int yb_compare(const yb_program *old_p, const yb_program *new_p, const char *const *inputs, int ninputs,
               const yb_batch_opts *o, FILE *out);
#endif
