#ifndef YB_EXPLAIN_TEXT_H
#define YB_EXPLAIN_TEXT_H
#include <stdio.h>

#include "batch.h"
#include "program.h"
/* Settle the claims and write each settlement with its explanation as text.
 * Returns the exit status (1: a bad record, an unreadable input, or a write error). */
int yb_explain_text(const yb_program *p, const char *const *inputs, int ninputs, const yb_batch_opts *o, FILE *out);
#endif
