/* The operators' rules, built from arith.def. */
#include <stddef.h>

#include "arith.h"
#include "money.h"
#include "program.h"

static const yb_arith_rule arith_rules[] = {
#define ARITH(op, l, r, res, opc, swap, rounds) {OP_##op, YB_T_##l, YB_T_##r, YB_T_##res, YB_OP_##opc, swap, rounds},
#include "arith.def"
};

static const yb_compare_rule compare_rules[] = {
#define COMPARE(op, ordered, opc, jump, text, swap, neg) {OP_##op, ordered, YB_OP_##opc, YB_OP_##jump, YB_OP_##text, swap, OP_##neg},
#include "arith.def"
};

const yb_arith_rule *yb_arith_find(yb_op op, uint8_t left, uint8_t right)
{
    for (size_t i = 0; i < sizeof arith_rules / sizeof arith_rules[0]; i++) {
        const yb_arith_rule *r = &arith_rules[i];
        if (r->op == op && r->left == left && r->right == right) return r;
    }
    return NULL;
}

const yb_compare_rule *yb_compare_find(yb_op op)
{
    for (size_t i = 0; i < sizeof compare_rules / sizeof compare_rules[0]; i++)
        if (compare_rules[i].op == op) return &compare_rules[i];
    return NULL;
}

bool yb_arith_apply(unsigned opcode, int64_t a, int64_t b, yb_rounding mode, int64_t *out)
{
    switch (opcode) {
    case YB_OP_ADD: return !__builtin_add_overflow(a, b, out);
    case YB_OP_SUB: return !__builtin_sub_overflow(a, b, out);
    case YB_OP_MULI: return !__builtin_mul_overflow(a, b, out);
    case YB_OP_MULR: return yb_money_mul_rate(a, b, mode, out);
    case YB_OP_MULRR: return yb_rate_mul(a, b, mode, out);
    case YB_OP_DIVR: return yb_money_div_rate(a, b, mode, out);
    case YB_OP_RATIO: return yb_money_ratio(a, b, mode, out);
    case YB_OP_DIVI: return yb_div_int(a, b, mode, out);
    case YB_OP_DADD: return yb_date_add(a, b, out);
    case YB_OP_DSUB: return yb_date_add(a, yb_duration_make(-yb_duration_months(b), -yb_duration_days(b)), out);
    case YB_OP_DDIFF: *out = a - b; return true;
    case YB_OP_DURADD:
        *out = yb_duration_make(yb_duration_months(a) + yb_duration_months(b), yb_duration_days(a) + yb_duration_days(b));
        return true;
    case YB_OP_EQ: *out = a == b; return true;
    case YB_OP_NE: *out = a != b; return true;
    case YB_OP_LT: *out = a < b; return true;
    case YB_OP_LE: *out = a <= b; return true;
    }
    return false;
}
