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
/* Hand vm the counts of its policy, before it settles a claim (so its table
 * rows, parameter versions and band segments are counted); false when out of
 * memory. */
bool yb_coverage_attach(yb_coverage *c, yb_vm *vm);
/* Count what the claim vm has just settled used (of vm->p; policies are told
 * apart by their source file). */
void yb_coverage_claim(yb_coverage *c, const yb_vm *vm);
/* Per policy: a summary line, the rules and branches no claim ran, a summary
 * of table rows, parameter versions and band segments, and each of them no
 * claim matched, used or reached, with source lines.  json: one JSON object
 * per policy instead.  false on a write error. */
bool yb_coverage_write(yb_coverage *c, FILE *out, bool json);

#endif
