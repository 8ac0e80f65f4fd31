#ifndef YB_CLI_COMPARE_H
#define YB_CLI_COMPARE_H
#include <stdio.h>

#include "program.h"
/* Settle every claim with both policies; write the claims whose settlement
 * changed and a summary of money totals.  Returns the exit status. */
int yb_compare(const yb_program *old_p, const yb_program *new_p, const char *const *inputs, int ninputs, FILE *out,
               FILE *errs);
#endif
