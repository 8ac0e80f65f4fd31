/* The operators' rules, built from arith.def. */
#include <stddef.h>

#include "arith.h"
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
