/* Routing for `yibao run --jobs N` (io/batch_jobs.c): can the batch be split
 * among workers, each with its own running totals, and still settle every
 * claim as one worker would?
 *
 * It can when every kept state (not a report) has a key that is one top-level
 * text field of the claim (`member_id`), directly or through defines and
 * `if … then … else …` that only ever choose that field: then claims with the
 * same value of that field share a worker, and so does every entry they read
 * or write.  Keys choosing among two fields (`payer_id`: the family account's
 * payer or the member) would need relatives grouped first: not split (yet).
 * Reports are merged at the end by adding each worker's entries, which is
 * exact only when report fields are only added to or subtracted from: no
 * `set`, no default, never read.  Anything else: one worker. */
#include <string.h>

#include "internal.h"

/* The top-level text field e always has the value of, or -1. */
static int selector(yb_compiler *c, const yb_expr *e, int depth)
{
    if (!e || depth > 64) return -1;
    const yb_schema *s = &c->prog->schema;
    if ((e->kind == E_NAME || e->kind == E_FIELD) && e->sym_kind == SYM_INPUT_FIELD) {
        int f = e->sym_index;
        bool root = f >= s->root_first && f < s->root_first + s->root_count;
        return root && s->fields[f].kind == YB_T_TEXT ? f : -1;
    }
    if (e->kind == E_NAME && e->sym_kind == SYM_DEFINE) {
        yb_global *g = yb_global_find(c, e->name);
        return g && g->decl && g->decl->kind == D_DEFINE && !g->decl->of_record ? selector(c, g->decl->value, depth + 1) : -1;
    }
    if (e->kind == E_IF) {
        int a = selector(c, e->a, depth + 1), b = selector(c, e->b, depth + 1);
        return a >= 0 && a == b ? a : -1;
    }
    return -1;
}

/* The state a state-field register belongs to, or -1. */
static int state_of_reg(const yb_program *p, int reg)
{
    for (int s = 0; s < p->nstates; s++)
        if (reg >= p->states[s].first_reg && reg < p->states[s].first_reg + p->states[s].nfields) return s;
    return -1;
}

/* false when e reads a report (a field of one, or whether its entry is new) */
static bool reads_no_report(yb_compiler *c, const yb_expr *e, int depth)
{
    if (!e) return true;
    if (depth > YB_MAX_NESTING) return false;
    const yb_program *p = c->prog;
    if ((e->kind == E_NAME || e->kind == E_FIELD) && e->sym_kind == SYM_STATE_FIELD) {
        int s = state_of_reg(p, e->sym_index);
        if (s < 0 || p->states[s].report) return false;
    }
    if (e->kind == E_ISNEW && e->a && (e->a->sym_index < 0 || e->a->sym_index >= p->nstates || p->states[e->a->sym_index].report))
        return false;
    if (e->kind == E_ISNEW) return true; /* e->a names the state, not a value read */
    if (!reads_no_report(c, e->a, depth + 1) || !reads_no_report(c, e->b, depth + 1) || !reads_no_report(c, e->c, depth + 1))
        return false;
    for (int i = 0; i < e->args.n; i++)
        if (!reads_no_report(c, e->args.items[i], depth + 1)) return false;
    return true;
}

static bool stmts_add_only(yb_compiler *c, const yb_vec *body)
{
    for (int i = 0; i < body->n; i++) {
        const yb_stmt *st = body->items[i];
        if (!reads_no_report(c, st->value, 0)) return false;
        for (int k = 0; k < st->parts.n; k++)
            if (!reads_no_report(c, ((const yb_msg_part *)st->parts.items[k])->value, 0)) return false;
        if (st->kind == S_SET && st->target && st->target->sym_kind == SYM_STATE_FIELD) {
            int s = state_of_reg(c->prog, st->target->sym_index);
            if (s < 0 || c->prog->states[s].report) return false;
        }
        if (st->target && st->kind != S_SET && st->kind != S_ADD && st->kind != S_SUBTRACT &&
            !reads_no_report(c, st->target, 0))
            return false;
        if (!stmts_add_only(c, &st->then_body) || !stmts_add_only(c, &st->else_body)) return false;
    }
    return true;
}

static bool decl_add_only(yb_compiler *c, const yb_decl *d)
{
    if (!reads_no_report(c, d->value, 0) || !reads_no_report(c, d->cond, 0)) return false;
    for (int i = 0; d->kind == D_STATE && i < d->keys.n; i++)
        if (!reads_no_report(c, d->keys.items[i], 0)) return false;
    if (d->kind == D_STATE || d->kind == D_OUTPUT)
        for (int i = 0; i < d->fields.n; i++) {
            const yb_fielddecl *fd = d->fields.items[i];
            if (d->kind == D_STATE && d->report && fd->dflt) return false; /* added up once per worker */
            if (!reads_no_report(c, fd->dflt, 0)) return false;
        }
    return d->kind != D_RULE || stmts_add_only(c, &d->body);
}

void yb_plan_routing(yb_compiler *c)
{
    yb_program *p = c->prog;
    int field = -1;
    bool split = true, add_only = true, any_state = false;
    for (int i = 0; i < c->steps.n; i++) {
        const yb_decl *d = c->steps.items[i];
        if (!decl_add_only(c, d)) add_only = false;
        if (d->kind != D_STATE || d->report) continue;
        any_state = true;
        int f = -1;
        for (int k = 0; k < d->keys.n && f < 0; k++) f = selector(c, d->keys.items[k], 0);
        if (f < 0 || (field >= 0 && f != field)) split = false;
        field = f;
    }
    for (int i = 0; i < c->invariants.n; i++) {
        const yb_invariant *v = c->invariants.items[i];
        if (!reads_no_report(c, v->e, 0) || !reads_no_report(c, v->cond, 0)) add_only = false;
    }
    p->route_field = split && any_state && add_only ? field + 1 : 0;
}
