#ifndef YB_EXPLAIN_TEXT_H
#define YB_EXPLAIN_TEXT_H
#include <stdio.h>

#include "batch.h"
#include "program.h"
#include "vm.h"
/* Settle the claims and write each settlement with its explanation as text.
 * Returns the exit status (1: a bad record, an unreadable input, or a write error). */
int yb_explain_text(const yb_program *p, const char *const *inputs, int ninputs, const yb_batch_opts *o, FILE *out);
/* The rules the claim vm has just settled fired, in order, each with the
 * values it worked out and its source line (as `yibao explain` shows them). */
void yb_explain_text_rules(FILE *out, const yb_vm *vm);
#endif
