/* Routing for `yibao run --jobs N` (io/batch_jobs.c), `yibao shard` and
 * `yibao merge-reports`: can the batch be split among workers, each with its
 * own running totals, and still settle every claim as one worker would?
 *
 * Kept states.  Every kept state (not a report) must have a key that is a
 * text field of the claim, directly or through defines and `if … then … else
 * …` choosing among such fields (`payer_id = if given(account_payer) then
 * account_payer.member_id else member_id`).  One field for every state: claims
 * are routed by its value (route_field).  Two to four (route_plan ids): the
 * values a claim gives of them name one group (a family: the member and the
 * payer whose account the member draws on), the groups are worked out before
 * settling (io/route_groups.c) and claims routed by their group, so every
 * entry a claim can meet stays on one worker.
 *
 * Reports.  Each worker's entries are merged at the end, field by field
 * (route_plan reg_class): a field only added to or subtracted from is added
 * up; a field with a default and never written keeps the value of the entry
 * opened first in input order; a field only `set` is recomputed over the
 * merged entry, which is exact when
 *   - the value read only the entry's added and fixed fields (and constants),
 *   - every `set` and every `add` of the report is in one rule, whose `when`
 *     is the report's own, with no rule between the report and it and no
 *     `block` after the report (so every claim that opens the entry runs
 *     them, and is kept),
 *   - each `set` comes after every `add`, at the top of the rule or under
 *     `if` conditions that once true stay true (a field only ever added
 *     non-negative amounts, compared `>` or `>=` with a constant):
 * then the last claim that changed the entry set those fields from its
 * final totals, as the recomputation does.  Anything else: one worker, and
 * route_plan why says why. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "route_plan.h"

typedef struct plan {
    yb_compiler *c;
    yb_route_plan *rp;
    int *writes, *sets, *subs; /* per register: statements that write it; that set it; that subtract */
    uint8_t *add_nonneg;       /* per register: every add adds a value never negative */
    int *out_writes;           /* per output: statements that write it */
    const int *out_final;      /* out_writes once every rule is counted (NULL before) */
} plan;

static bool refuse(plan *P, const char *fmt, const char *a, const char *b)
{
    if (!P->rp->why[0]) snprintf(P->rp->why, sizeof P->rp->why, fmt, a, b);
    return false;
}

/* ------------------------------------------------------------------ keys */

/* Adds to ids[] the claim text fields e always has the value of one of;
 * false when e can be anything else. */
static bool selector(yb_compiler *c, const yb_expr *e, int depth, int32_t *ids, int32_t *n)
{
    if (!e || depth > 64) return false;
    const yb_schema *s = &c->prog->schema;
    if ((e->kind == E_NAME || e->kind == E_FIELD) && e->sym_kind == SYM_INPUT_FIELD) {
        int f = e->sym_index;
        if (s->fields[f].kind != YB_T_TEXT) return false;
        for (int i = 0; i < *n; i++)
            if (ids[i] == f) return true;
        if (*n == YB_RP_MAX_IDS) return false;
        ids[(*n)++] = f;
        return true;
    }
    if (e->kind == E_NAME && e->sym_kind == SYM_DEFINE) {
        yb_global *g = yb_global_find(c, e->name);
        return g && g->decl && g->decl->kind == D_DEFINE && !g->decl->of_record && selector(c, g->decl->value, depth + 1, ids, n);
    }
    if (e->kind == E_IF) return selector(c, e->a, depth + 1, ids, n) && selector(c, e->b, depth + 1, ids, n);
    return false;
}

/* Every kept state keyed by claim text fields: their union into rp->ids. */
static bool plan_keys(plan *P)
{
    yb_compiler *c = P->c;
    yb_route_plan *rp = P->rp;
    bool any = false;
    for (int i = 0; i < c->steps.n; i++) {
        const yb_decl *d = c->steps.items[i];
        if (d->kind != D_STATE || d->report) continue;
        any = true;
        bool found = false;
        for (int k = 0; k < d->keys.n && !found; k++) {
            int32_t ids[YB_RP_MAX_IDS], n = 0;
            if (!selector(c, d->keys.items[k], 0, ids, &n)) continue;
            int32_t save = rp->nids;
            found = true;
            for (int j = 0; j < n && found; j++) {
                bool have = false;
                for (int m = 0; m < rp->nids; m++) have |= rp->ids[m] == ids[j];
                if (have) continue;
                if (rp->nids == YB_RP_MAX_IDS) found = false;
                else rp->ids[rp->nids++] = ids[j];
            }
            if (!found) rp->nids = save;
        }
        if (!found) return refuse(P, "state `%s` has no key that is a claim's text field (or a choice among at most %s)", d->name, "four");
    }
    if (!any) return refuse(P, "the policy keeps no state%s%s", "", "");
    /* top-level fields first: route_field is one (`member_id` before `account_payer.member_id`) */
    const yb_schema *s = &c->prog->schema;
    for (int i = 1; i < rp->nids; i++)
        for (int j = i; j > 0; j--) {
            int a = rp->ids[j - 1], b = rp->ids[j];
            bool ra = a >= s->root_first && a < s->root_first + s->root_count, rb = b >= s->root_first && b < s->root_first + s->root_count;
            if (ra || !rb) break;
            rp->ids[j - 1] = b;
            rp->ids[j] = a;
        }
    return true;
}

/* ------------------------------------------------------------- reports */

/* The state a state-field register belongs to, or -1. */
static int state_of_reg(const yb_program *p, int reg)
{
    for (int s = 0; s < p->nstates; s++)
        if (reg >= p->states[s].first_reg && reg < p->states[s].first_reg + p->states[s].nfields) return s;
    return -1;
}

static bool is_report_field(const yb_program *p, const yb_expr *e)
{
    if (!e || (e->kind != E_NAME && e->kind != E_FIELD) || e->sym_kind != SYM_STATE_FIELD) return false;
    int s = state_of_reg(p, e->sym_index);
    return s < 0 || p->states[s].report;
}

/* false when e reads a report (a field of one, or whether its entry is new) */
static bool reads_no_report(yb_compiler *c, const yb_expr *e, int depth)
{
    if (!e) return true;
    if (depth > YB_MAX_NESTING) return false;
    const yb_program *p = c->prog;
    if (is_report_field(p, e)) return false;
    if (e->kind == E_ISNEW && e->a && (e->a->sym_index < 0 || e->a->sym_index >= p->nstates || p->states[e->a->sym_index].report))
        return false;
    if (e->kind == E_ISNEW) return true; /* e->a names the state, not a value read */
    if (!reads_no_report(c, e->a, depth + 1) || !reads_no_report(c, e->b, depth + 1) || !reads_no_report(c, e->c, depth + 1))
        return false;
    for (int i = 0; i < e->args.n; i++)
        if (!reads_no_report(c, e->args.items[i], depth + 1)) return false;
    return true;
}

/* Does body hold only `set`s of report fields (an `if` that guards them)? */
static bool only_report_sets(const yb_program *p, const yb_vec *body)
{
    for (int i = 0; i < body->n; i++) {
        const yb_stmt *st = body->items[i];
        if (st->kind != S_SET || !is_report_field(p, st->target)) return false;
    }
    return body->n > 0;
}

static bool never_negative(plan *P, const yb_expr *e, int depth);

/* Counts the writes of every register and output, and checks that no
 * statement reads a report except a `set` of a report field and the
 * condition of an `if` guarding only such sets: those are built (and
 * checked) by plan_report. */
static bool scan_stmts(plan *P, const yb_decl *rule, const yb_vec *body)
{
    yb_compiler *c = P->c;
    const yb_program *p = c->prog;
    for (int i = 0; i < body->n; i++) {
        const yb_stmt *st = body->items[i];
        bool rset = st->kind == S_SET && is_report_field(p, st->target);
        bool guard = st->kind == S_IF && !st->else_body.n && only_report_sets(p, &st->then_body);
        if (!rset && !guard && !reads_no_report(c, st->value, 0))
            return refuse(P, "rule `%s` reads a report outside a `set` of one%s", rule->name, "");
        for (int k = 0; k < st->parts.n; k++)
            if (!reads_no_report(c, ((const yb_msg_part *)st->parts.items[k])->value, 0))
                return refuse(P, "rule `%s` reads a report in a message%s", rule->name, "");
        if ((st->kind == S_SET || st->kind == S_ADD || st->kind == S_SUBTRACT) && st->target) {
            int r = st->target->sym_index;
            if (st->target->sym_kind == SYM_STATE_FIELD && r >= 0 && r < p->nregs) {
                P->writes[r]++;
                if (st->kind == S_SET) P->sets[r]++;
                if (st->kind == S_SUBTRACT) P->subs[r]++;
                if (st->kind == S_ADD && !never_negative(P, st->value, 0)) P->add_nonneg[r] = 0;
            } else if (st->target->sym_kind == SYM_OUTPUT && r >= 0 && r < p->nouts) {
                P->out_writes[r]++;
            }
        }
        if (!scan_stmts(P, rule, &st->then_body) || !scan_stmts(P, rule, &st->else_body)) return false;
    }
    return true;
}

/* Is e never negative?  Claim money and counts are not (spec.md: money is
 * non-negative, ints 0 .. 2^31 - 1), nor sums, products and quotients of
 * such values, nor an output never written whose value is one.  (Only
 * outputs' defaults are known here: an output a rule writes is refused.) */
static bool never_negative(plan *P, const yb_expr *e, int depth)
{
    yb_compiler *c = P->c;
    const yb_program *p = c->prog;
    if (!e || depth > 64) return false;
    if (e->constant) return e->ival >= 0 && (e->type.kind == YB_T_INT || e->type.kind == YB_T_MONEY || e->type.kind == YB_T_RATE);
    switch (e->kind) {
    case E_NAME:
    case E_FIELD:
        if (e->sym_kind == SYM_INPUT_FIELD || e->sym_kind == SYM_ELEM_FIELD)
            return e->type.kind == YB_T_MONEY || e->type.kind == YB_T_INT;
        if (e->sym_kind == SYM_OUTPUT) {
            /* outputs are counted by scan_stmts, which calls this before it has
               seen every rule: plan_all scans again once they are all known */
            if (!P->out_final || e->sym_index < 0 || e->sym_index >= p->nouts || P->out_final[e->sym_index] || !c->output)
                return false;
            const yb_fielddecl *fd = c->output->fields.items[e->sym_index];
            return !fd->special && never_negative(P, fd->dflt, depth + 1);
        }
        if (e->sym_kind == SYM_DEFINE) {
            yb_global *g = yb_global_find(c, e->name);
            return g && g->decl && g->decl->kind == D_DEFINE && !g->decl->of_record && never_negative(P, g->decl->value, depth + 1);
        }
        return false;
    case E_AGG:
        return e->op == AGG_COUNT || (e->op == AGG_SUM && never_negative(P, e->a, depth + 1));
    case E_BINARY:
        return (e->op == OP_ADD || e->op == OP_MUL || e->op == OP_DIV) && never_negative(P, e->a, depth + 1) &&
               never_negative(P, e->b, depth + 1);
    case E_IF:
        return never_negative(P, e->a, depth + 1) && never_negative(P, e->b, depth + 1);
    case E_CALL:
        if (strcmp(e->name, "min") && strcmp(e->name, "max") && strcmp(e->name, "round_up") && strcmp(e->name, "round_down"))
            return false;
        for (int i = 0; i < e->args.n; i++)
            if (!never_negative(P, e->args.items[i], depth + 1)) return false;
        return e->args.n > 0;
    default: return false;
    }
}

/* The same expression, node for node (a report's `when` and its rule's). */
static bool same_expr(const yb_expr *a, const yb_expr *b, int depth)
{
    if (!a || !b) return a == b;
    if (depth > YB_MAX_NESTING || a->kind != b->kind || a->op != b->op || a->ival != b->ival || a->sym_kind != b->sym_kind ||
        a->sym_index != b->sym_index || a->constant != b->constant || a->text_len != b->text_len || a->args.n != b->args.n)
        return false;
    if ((a->name == NULL) != (b->name == NULL)) return false;
    if (a->name && (a->kind == E_TEXT ? memcmp(a->name, b->name, a->text_len) != 0 : strcmp(a->name, b->name) != 0)) return false;
    if (!same_expr(a->a, b->a, depth + 1) || !same_expr(a->b, b->b, depth + 1) || !same_expr(a->c, b->c, depth + 1)) return false;
    for (int i = 0; i < a->args.n; i++)
        if (!same_expr(a->args.items[i], b->args.items[i], depth + 1)) return false;
    return true;
}

static int node(plan *P, yb_rp_node n)
{
    yb_route_plan *rp = P->rp;
    if (rp->nnodes == YB_RP_MAX_NODES) return -1;
    rp->nodes[rp->nnodes] = n;
    return rp->nnodes++;
}

/* e as nodes reading only report s's added and fixed fields; -1 if it reads anything else. */
static int build(plan *P, int s, const yb_expr *e, int depth)
{
    const yb_program *p = P->c->prog;
    const yb_state_desc *sd = &p->states[s];
    if (!e || depth > 64 || e->type.kind == YB_T_TEXT) return -1;
    if (e->constant) return node(P, (yb_rp_node){.kind = YB_RPN_CONST, .k = e->ival});
    switch (e->kind) {
    case E_NAME:
    case E_FIELD: {
        int r = e->sym_index;
        if (e->sym_kind != SYM_STATE_FIELD || r < sd->first_reg || r >= sd->first_reg + sd->nfields ||
            P->rp->reg_class[r] == YB_RP_DERIVED)
            return -1;
        return node(P, (yb_rp_node){.kind = YB_RPN_FIELD, .a = r - sd->first_reg});
    }
    case E_UNARY: {
        int a = build(P, s, e->a, depth + 1);
        if (a < 0 || (e->op == OP_NEG && e->type.kind == YB_T_DURATION)) return -1;
        return node(P, (yb_rp_node){.kind = e->op == OP_NOT ? YB_RPN_NOT : YB_RPN_NEG, .a = a});
    }
    case E_BINARY: {
        int a = build(P, s, e->a, depth + 1), b = build(P, s, e->b, depth + 1);
        if (a < 0 || b < 0 || e->a->type.kind == YB_T_TEXT) return -1;
        if (e->op == OP_AND || e->op == OP_OR)
            return node(P, (yb_rp_node){.kind = e->op == OP_AND ? YB_RPN_AND : YB_RPN_OR, .a = a, .b = b});
        const yb_arith_rule *ar = yb_arith_find(e->op, e->a->type.kind, e->b->type.kind);
        const yb_compare_rule *cr = ar ? NULL : yb_compare_find(e->op);
        if (!ar && !cr) return -1;
        bool swap = ar ? ar->swap : cr->swap;
        return node(P, (yb_rp_node){.kind = YB_RPN_BIN, .opcode = ar ? ar->opcode : cr->opcode,
                                    .mode = (uint8_t)(ar ? e->ival : 0), .a = swap ? b : a, .b = swap ? a : b});
    }
    case E_IF: {
        int cnd = build(P, s, e->c, depth + 1), a = build(P, s, e->a, depth + 1), b = build(P, s, e->b, depth + 1);
        return cnd < 0 || a < 0 || b < 0 ? -1 : node(P, (yb_rp_node){.kind = YB_RPN_IF, .a = a, .b = b, .c = cnd});
    }
    case E_CALL: {
        if (e->sym_kind == SYM_NATIVE || e->args.n < 1) return -1;
        if (!strcmp(e->name, "round_up") || !strcmp(e->name, "round_down")) /* the rounding is the inner operation's */
            return build(P, s, e->args.items[0], depth + 1);
        if (!strcmp(e->name, "abs")) {
            int a = build(P, s, e->args.items[0], depth + 1);
            int n = a < 0 ? -1 : node(P, (yb_rp_node){.kind = YB_RPN_NEG, .a = a});
            return n < 0 ? -1 : node(P, (yb_rp_node){.kind = YB_RPN_MAX, .a = a, .b = n});
        }
        bool mn = !strcmp(e->name, "min");
        if (!mn && strcmp(e->name, "max")) return -1;
        int acc = build(P, s, e->args.items[0], depth + 1);
        for (int i = 1; i < e->args.n && acc >= 0; i++) {
            int v = build(P, s, e->args.items[i], depth + 1);
            acc = v < 0 ? -1 : node(P, (yb_rp_node){.kind = mn ? YB_RPN_MIN : YB_RPN_MAX, .a = acc, .b = v});
        }
        return acc;
    }
    default: return -1;
    }
}

/* A condition that once true stays true as claims add to report s: an added
 * field only ever given non-negative amounts compared > or >= with a
 * constant (or several such, joined by `and`). */
static bool upward(plan *P, int s, const yb_expr *e, int depth)
{
    if (!e || depth > 64) return false;
    if (e->kind == E_BINARY && e->op == OP_AND) return upward(P, s, e->a, depth + 1) && upward(P, s, e->b, depth + 1);
    if (e->kind != E_BINARY) return false;
    const yb_expr *f = e->op == OP_GT || e->op == OP_GE ? e->a : e->op == OP_LT || e->op == OP_LE ? e->b : NULL;
    const yb_expr *k = f == e->a ? e->b : e->a;
    if (!f || !k || !k->constant) return false;
    const yb_state_desc *sd = &P->c->prog->states[s];
    int r = f->sym_index;
    return (f->kind == E_NAME || f->kind == E_FIELD) && f->sym_kind == SYM_STATE_FIELD && r >= sd->first_reg &&
           r < sd->first_reg + sd->nfields && P->rp->reg_class[r] == YB_RP_ADDED && !P->subs[r] && P->add_nonneg[r];
}

static bool writes_report(const yb_program *p, const yb_vec *body, int s)
{
    for (int i = 0; i < body->n; i++) {
        const yb_stmt *st = body->items[i];
        if ((st->kind == S_SET || st->kind == S_ADD || st->kind == S_SUBTRACT) && st->target &&
            st->target->sym_kind == SYM_STATE_FIELD && state_of_reg(p, st->target->sym_index) == s)
            return true;
        if (writes_report(p, &st->then_body, s) || writes_report(p, &st->else_body, s)) return true;
    }
    return false;
}

/* The derive rule's body: adds of report s before every set, sets at the top
 * or under upward conditions (cond: the node of the conditions around; in:
 * inside an `if` on anything else, where no set may be). */
static bool walk_derive(plan *P, int s, const yb_vec *body, int cond, bool *seen_set, bool in)
{
    const yb_program *p = P->c->prog;
    const yb_state_desc *sd = &p->states[s];
    for (int i = 0; i < body->n; i++) {
        const yb_stmt *st = body->items[i];
        bool mine = st->target && st->target->sym_kind == SYM_STATE_FIELD && state_of_reg(p, st->target->sym_index) == s;
        if (mine && (st->kind == S_ADD || st->kind == S_SUBTRACT) && *seen_set)
            return refuse(P, "report `%s` is added to after one of its fields is set%s", sd->name, "");
        if (mine && st->kind == S_SET) {
            if (in) return refuse(P, "a `set` of report `%s` is under a condition on the claim%s", sd->name, "");
            *seen_set = true;
            int v = build(P, s, st->value, 0);
            if (v < 0) return refuse(P, "a `set` of report `%s` reads more than the entry's added and fixed fields%s", sd->name, "");
            if (P->rp->nsets == YB_RP_MAX_SETS) return refuse(P, "report `%s`: too many `set`s%s", sd->name, "");
            P->rp->sets[P->rp->nsets++] = (yb_rp_set){s, st->target->sym_index - sd->first_reg, cond, v};
        }
        if (st->kind != S_IF) continue;
        if (writes_report(p, &st->then_body, s) && only_report_sets(p, &st->then_body)) {
            if (!upward(P, s, st->value, 0))
                return refuse(P, "a `set` of report `%s` is under a condition that may turn false again%s", sd->name, "");
            int g = build(P, s, st->value, 0);
            if (g >= 0 && cond >= 0) g = node(P, (yb_rp_node){.kind = YB_RPN_AND, .a = cond, .b = g});
            if (g < 0) return refuse(P, "report `%s`: too many nodes%s", sd->name, "");
            if (!walk_derive(P, s, &st->then_body, g, seen_set, in)) return false;
        } else if (!walk_derive(P, s, &st->then_body, cond, seen_set, true) ||
                   !walk_derive(P, s, &st->else_body, cond, seen_set, true)) {
            return false;
        }
    }
    return true;
}

static bool has_block(const yb_vec *body)
{
    for (int i = 0; i < body->n; i++) {
        const yb_stmt *st = body->items[i];
        if (st->kind == S_BLOCK || has_block(&st->then_body) || has_block(&st->else_body)) return true;
    }
    return false;
}

/* Report d (step at): each field classed; its `set`s made recomputable. */
static bool plan_report(plan *P, const yb_decl *d, int at)
{
    yb_compiler *c = P->c;
    const yb_program *p = c->prog;
    const yb_state_desc *sd = &p->states[d->index];
    bool derived = false;
    for (int f = 0; f < d->fields.n; f++) {
        const yb_fielddecl *fd = d->fields.items[f];
        int r = sd->first_reg + f;
        if (fd->dflt && !reads_no_report(c, fd->dflt, 0))
            return refuse(P, "the default of a field of report `%s` reads a report%s", d->name, "");
        if (P->sets[r] && P->sets[r] != P->writes[r])
            return refuse(P, "field `%s` of report `%s` is both set and added to", fd->name, d->name);
        if (fd->dflt && P->writes[r]) return refuse(P, "field `%s` of report `%s` has a default and is written", fd->name, d->name);
        P->rp->reg_class[r] = fd->dflt ? YB_RP_FIXED : P->sets[r] ? YB_RP_DERIVED : YB_RP_ADDED;
        derived |= P->sets[r] > 0;
    }
    if (!derived) return true;
    /* the one rule that writes the report, right after it */
    const yb_decl *rule = NULL;
    for (int i = at + 1; i < c->steps.n; i++) {
        const yb_decl *r = c->steps.items[i];
        if (r->kind != D_RULE) continue;
        if (!rule && writes_report(p, &r->body, d->index)) rule = r;
        else if (rule && writes_report(p, &r->body, d->index))
            return refuse(P, "report `%s` is written by more than one rule (`%s`)", d->name, r->name);
        else if (!rule) return refuse(P, "rule `%s` runs between report `%s` and the rule that sets it", r->name, d->name);
        if (has_block(&r->body)) return refuse(P, "rule `%s` may hold a claim after report `%s` opened", r->name, d->name);
    }
    if (!rule) return refuse(P, "report `%s` is set outside its rule%s", d->name, "");
    if (!same_expr(rule->value, d->value, 0))
        return refuse(P, "the `when` of rule `%s` is not the `when` of report `%s`", rule->name, d->name);
    bool seen = false;
    return walk_derive(P, d->index, &rule->body, -1, &seen, false);
}

/* ------------------------------------------------------------- the plan */

static bool plan_all(plan *P)
{
    yb_compiler *c = P->c;
    for (int i = 0; i < c->steps.n; i++) {
        const yb_decl *d = c->steps.items[i];
        if (d->kind == D_RULE && !scan_stmts(P, d, &d->body)) return false;
    }
    /* the adds' signs again, now that every output's writes are counted */
    yb_program *p = c->prog;
    memset(P->writes, 0, (size_t)(p->nregs + 1) * sizeof *P->writes);
    memset(P->sets, 0, (size_t)(p->nregs + 1) * sizeof *P->sets);
    memset(P->subs, 0, (size_t)(p->nregs + 1) * sizeof *P->subs);
    memset(P->add_nonneg, 1, (size_t)p->nregs + 1);
    int *final = P->out_writes;
    P->out_final = final;
    P->out_writes = calloc((size_t)p->nouts + 1, sizeof *P->out_writes);
    if (!P->out_writes) abort();
    for (int i = 0; i < c->steps.n; i++) {
        const yb_decl *d = c->steps.items[i];
        if (d->kind == D_RULE) scan_stmts(P, d, &d->body);
    }
    free(P->out_writes);
    P->out_writes = final;
    for (int i = 0; i < c->steps.n; i++) {
        const yb_decl *d = c->steps.items[i];
        if (!reads_no_report(c, d->value, 0) || !reads_no_report(c, d->cond, 0))
            return refuse(P, "`%s` reads a report in its condition or value%s", d->name ? d->name : "a declaration", "");
        for (int k = 0; d->kind == D_STATE && k < d->keys.n; k++)
            if (!reads_no_report(c, d->keys.items[k], 0)) return refuse(P, "a key of `%s` reads a report%s", d->name, "");
        if (d->kind == D_OUTPUT || (d->kind == D_STATE && !d->report))
            for (int f = 0; f < d->fields.n; f++)
                if (!reads_no_report(c, ((const yb_fielddecl *)d->fields.items[f])->dflt, 0))
                    return refuse(P, "a default of `%s` reads a report%s", d->name ? d->name : "output", "");
        if (d->kind == D_STATE && d->report && !plan_report(P, d, i)) return false;
    }
    for (int i = 0; i < c->invariants.n; i++) {
        const yb_invariant *v = c->invariants.items[i];
        if (!reads_no_report(c, v->e, 0) || !reads_no_report(c, v->cond, 0))
            return refuse(P, "an invariant reads a report%s%s", "", "");
    }
    return plan_keys(P);
}

void yb_plan_routing(yb_compiler *c)
{
    yb_program *p = c->prog;
    p->route_field = 0;
    yb_route_plan *rp = calloc(1, sizeof *rp + (size_t)(p->nregs ? p->nregs : 1));
    plan P = {c, rp, calloc((size_t)p->nregs + 1, sizeof(int)), calloc((size_t)p->nregs + 1, sizeof(int)),
              calloc((size_t)p->nregs + 1, sizeof(int)), malloc((size_t)p->nregs + 1),
              calloc((size_t)p->nouts + 1, sizeof(int)), NULL};
    if (!rp || !P.writes || !P.sets || !P.subs || !P.add_nonneg || !P.out_writes) abort();
    memset(P.add_nonneg, 1, (size_t)p->nregs + 1);
    rp->nregs = p->nregs;
    if (plan_all(&P)) p->route_field = rp->ids[0] + 1;
    else rp->nids = rp->nsets = rp->nnodes = 0;
    free(P.writes);
    free(P.sets);
    free(P.subs);
    free(P.add_nonneg);
    free(P.out_writes);
    free(p->route_plan);
    p->route_plan = rp;
}
