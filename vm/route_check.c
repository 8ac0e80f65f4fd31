/* The routing a program carries, checked (route_plan.h yb_route_plan_check).
 *
 * A .ybc file's plan decides which worker settles a claim and how the
 * workers' reports merge (io/route_key.c, io/report_merge.c): every index in
 * it is used without a further check, so each is checked here against the
 * program.  What the compiler guarantees (compiler/routing.c) is what is
 * asked: a node's operands are nodes made before it (so an expression is
 * acyclic and its evaluation ends), a `set` writes a derived field of a
 * report, a field read is one of that report's fields. */
#include <stdio.h>
#include <stdlib.h>

#include "money.h"
#include "program.h"
#include "route_plan.h"

#define FAIL(...) do { snprintf(err, errlen, "routing plan: " __VA_ARGS__); return false; } while (0)

/* The instructions a recomputed operation may be: arith.def's. */
static bool arith_opcode(unsigned op)
{
    static const uint8_t ops[] = {
#define ARITH(o, l, r, res, opcode, swap, rounds) YB_OP_##opcode,
#define COMPARE(o, ordered, opcode, jump, text, swap, neg) YB_OP_##opcode,
#include "arith.def"
    };
    for (size_t i = 0; i < sizeof ops; i++)
        if (ops[i] == op) return true;
    return false;
}

static bool check_ids(const yb_program *p, const yb_route_plan *rp, char *err, size_t errlen)
{
    const yb_schema *s = &p->schema;
    if (rp->nids < 0 || rp->nids > YB_RP_MAX_IDS) FAIL("%d grouped fields (at most %d)", rp->nids, YB_RP_MAX_IDS);
    for (int i = 0; i < rp->nids; i++)
        if (rp->ids[i] < 0 || rp->ids[i] >= s->nfields || s->fields[rp->ids[i]].kind != YB_T_TEXT)
            FAIL("grouped field %d is not a text field of the claim", rp->ids[i]);
    int f = p->route_field - 1;
    if (p->route_field == 0) {
        if (rp->nids) FAIL("grouped fields but no route field");
        return true;
    }
    /* a field inside a record is routed by its path (io/route_key.c) */
    if (!rp->nids || f != rp->ids[0]) FAIL("the route field %d is not the first grouped field", p->route_field);
    return true;
}

/* Each node's operands made before it; need[n]: 1 + the highest entry field
 * node n reads (0: none). */
static bool check_nodes(const yb_route_plan *rp, int32_t *need, char *err, size_t errlen)
{
    if (rp->nnodes < 0 || rp->nnodes > YB_RP_MAX_NODES) FAIL("%d nodes (at most %d)", rp->nnodes, YB_RP_MAX_NODES);
    for (int n = 0; n < rp->nnodes; n++) {
        const yb_rp_node *x = &rp->nodes[n];
        if (x->kind >= YB_RPN__COUNT) FAIL("node %d: unknown kind %u", n, x->kind);
        need[n] = 0;
        if (x->kind == YB_RPN_CONST) continue;
        if (x->kind == YB_RPN_FIELD) {
            if (x->a < 0 || x->a >= 0x7fff) FAIL("node %d: field %d", n, x->a);
            need[n] = x->a + 1;
            continue;
        }
        if (x->kind == YB_RPN_BIN && (!arith_opcode(x->opcode) || x->mode > YB_ROUND_DOWN))
            FAIL("node %d: opcode %u with rounding %u is no operation of arith.def", n, x->opcode, x->mode);
        int nops = x->kind == YB_RPN_NOT || x->kind == YB_RPN_NEG ? 1 : x->kind == YB_RPN_IF ? 3 : 2;
        const int32_t ops[3] = {x->a, x->b, x->c};
        for (int k = 0; k < nops; k++) {
            if (ops[k] < 0 || ops[k] >= n) FAIL("node %d reads node %d (not one made before it)", n, ops[k]);
            if (need[ops[k]] > need[n]) need[n] = need[ops[k]];
        }
    }
    return true;
}

static bool check_sets(const yb_program *p, const yb_route_plan *rp, const int32_t *need, char *err, size_t errlen)
{
    if (rp->nsets < 0 || rp->nsets > YB_RP_MAX_SETS) FAIL("%d sets (at most %d)", rp->nsets, YB_RP_MAX_SETS);
    for (int i = 0; i < rp->nsets; i++) {
        const yb_rp_set *st = &rp->sets[i];
        if (st->state < 0 || st->state >= p->nstates || !p->states[st->state].report) FAIL("set %d: state %d is no report", i, st->state);
        const yb_state_desc *sd = &p->states[st->state];
        if (st->field < 0 || st->field >= sd->nfields || rp->reg_class[sd->first_reg + st->field] != YB_RP_DERIVED)
            FAIL("set %d: field %d is no derived field of report `%s`", i, st->field, sd->name);
        if (st->cond < -1 || st->cond >= rp->nnodes || st->value < 0 || st->value >= rp->nnodes)
            FAIL("set %d: its condition %d or value %d is no node", i, st->cond, st->value);
        if ((st->cond >= 0 && need[st->cond] > sd->nfields) || need[st->value] > sd->nfields)
            FAIL("set %d reads a field report `%s` does not have", i, sd->name);
    }
    return true;
}

bool yb_route_plan_check(const yb_program *p, char *err, size_t errlen)
{
    const yb_route_plan *rp = p->route_plan;
    if (!rp) {
        if (p->route_field) FAIL("a route field with no plan");
        return true;
    }
    if (rp->nregs != p->nregs) FAIL("%d register classes for %d registers", rp->nregs, p->nregs);
    for (int r = 0; r < rp->nregs; r++)
        if (rp->reg_class[r] > YB_RP_FIXED) FAIL("register %d: unknown class %u", r, rp->reg_class[r]);
    if (!check_ids(p, rp, err, errlen)) return false;
    int32_t *need = malloc(((size_t)(rp->nnodes > 0 ? rp->nnodes : 0) + 1) * sizeof *need);
    if (!need) FAIL("out of memory");
    bool ok = check_nodes(rp, need, err, errlen) && check_sets(p, rp, need, err, errlen);
    free(need);
    return ok;
}
