/* The operators' rules (arith.def) as tables the passes look up. */
#ifndef YB_ARITH_H
#define YB_ARITH_H

#include <stdbool.h>
#include <stdint.h>

#include "ast.h"
#include "money.h"

typedef struct yb_arith_rule {
    yb_op op;
    uint8_t left, right, result; /* yb_kind */
    uint8_t opcode;              /* yb_opcode */
    bool swap, rounds;
} yb_arith_rule;

typedef struct yb_compare_rule {
    yb_op op;
    bool ordered;
    uint8_t opcode, jump, text; /* yb_opcode */
    bool swap;
    yb_op negation;
} yb_compare_rule;

/* The rule for `left op right`, or NULL: the checker refuses the pair. */
const yb_arith_rule *yb_arith_find(yb_op op, uint8_t left, uint8_t right);
/* The rule of a comparison operator, or NULL if op is not one. */
const yb_compare_rule *yb_compare_find(yb_op op);
/* What instruction `opcode` (an arithmetic or comparison opcode of arith.def)
 * computes from a and b: the same exact arithmetic as the VM, false on
 * overflow, division by zero or a date out of range.  The constant folder
 * (fold.c) and the report merge (io/report_merge.c) compute with it. */
bool yb_arith_apply(unsigned opcode, int64_t a, int64_t b, yb_rounding mode, int64_t *out);

#endif
