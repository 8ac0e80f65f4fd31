#ifndef YB_CLI_EXPLAIN_H
#define YB_CLI_EXPLAIN_H
#include <stdio.h>

#include "program.h"
/* Settle the claims and write each settlement with its explanation as text. */
int yb_explain_text(const yb_program *p, const char *const *inputs, int ninputs, FILE *out, FILE *errs);
#endif
