/* Coverage: which rules, `if` branches, table rows, parameter versions and
 * band segments a set of claims exercised, and which of them none did, with
 * their source lines (`yibao test --coverage`, `yibao coverage`). */
#ifndef YB_COVERAGE_H
#define YB_COVERAGE_H

#include <stdbool.h>
#include <stdio.h>

#include "vm.h"

typedef struct yb_coverage yb_coverage;

yb_coverage *yb_coverage_new(void);
void yb_coverage_free(yb_coverage *c);
/* Count what the claim vm has just settled used (of vm->p; policies are told
 * apart by their source file). */
void yb_coverage_claim(yb_coverage *c, const yb_vm *vm);
/* What no claim used, per policy, with source lines; then a summary line per
 * policy.  json: one JSON object per policy instead.  false on a write error. */
bool yb_coverage_write(const yb_coverage *c, FILE *out, bool json);

#endif
