/* Order hazards, found on the typed steps: steps run once, top to bottom, so
 *  - a step that changes an output after another step read it leaves that
 *    reader with a stale value (the settlement no longer adds up);
 *  - `held` is an output of this kind: a `block` after a step that read `held`
 *    comes too late for it;
 *  - a `block` or `reject` after a rule that paid (changed a money output)
 *    holds or refuses a claim whose payment was already worked out.
 * Each is an error that says where the rule must go (a stage, stages.c). */
#include <stdint.h>
#include <string.h>

#include "internal.h"

typedef struct reader {
    yb_vec steps; /* the steps that read it, in order (step index + 1) */
} reader;

typedef struct order {
    yb_compiler *c;
    reader *first;   /* per output, and [nouts] for `held` */
    int nouts;
    int payer;       /* the first step that changed a money output, or -1 */
    const char *paid; /* what it changed */
    int step;
    bool ok;
} order;

static void note_reads(order *o, yb_expr *e)
{
    if (!e) return;
    int slot = -1;
    if ((e->kind == E_NAME || e->kind == E_FIELD) && e->sym_kind == SYM_OUTPUT && e->sym_index < o->nouts) slot = e->sym_index;
    if (e->kind == E_HELD) slot = o->nouts;
    if (slot >= 0) {
        yb_vec *v = &o->first[slot].steps;
        if (!v->n || (intptr_t)v->items[v->n - 1] != o->step + 1) yb_vec_push(o->c->arena, v, (void *)(intptr_t)(o->step + 1));
    }
    note_reads(o, e->a);
    note_reads(o, e->b);
    note_reads(o, e->c);
    for (int i = 0; i < e->args.n; i++) note_reads(o, e->args.items[i]);
}

static const char *step_kind(yb_decl *d)
{
    switch (d->kind) {
    case D_RULE: return "rule";
    case D_DEFINE: return "define";
    case D_STATE: return d->report ? "report" : "state";
    default: return "step";
    }
}

/* A placement that runs before step `i`, as the analyst would write it. */
static void hint_before(yb_compiler *c, int i, yb_decl *w, const char *why)
{
    yb_decl *r = c->steps.items[i];
    int m = yb_stage_of(c, i);
    bool steps_between = false;
    for (int k = m + 1; m >= 0 && k < i; k++) {
        yb_decl_kind kd = ((yb_decl *)c->steps.items[k])->kind;
        steps_between |= kd == D_RULE || kd == D_DEFINE || kd == D_STATE;
    }
    int prev = m > 0 ? yb_stage_of(c, m - 1) : -1;
    const char *kind = step_kind(w);
    if (m >= 0 && prev >= 0 && !steps_between)
        yb_note(c->diag, YB_NOLOC, "%s: place it in the stage before: `%s %s in %s`", why, kind, w->name,
                ((yb_decl *)c->steps.items[prev])->name);
    else if (m >= 0 && r->kind == D_RULE)
        yb_note(c->diag, YB_NOLOC, "%s: place it before that rule: `%s %s in %s before %s`", why, kind, w->name,
                ((yb_decl *)c->steps.items[m])->name, r->name);
    else
        yb_note(c->diag, r->loc, "%s: move it above %s `%s`", why, step_kind(r), r->name);
}

static const char *file_line(yb_compiler *c, yb_loc loc, char *buf, size_t n)
{
    const char *f = loc.file >= 0 && loc.file < c->diag->nfiles ? c->diag->files[loc.file].name : "?";
    snprintf(buf, n, "%s:%d", f, loc.line);
    return buf;
}

static void conjuncts(const yb_expr *e, const yb_expr **out, int *n)
{
    if (!e || *n >= 32) return;
    if (e->kind == E_BINARY && e->op == OP_AND) {
        conjuncts(e->a, out, n);
        conjuncts(e->b, out, n);
    } else {
        out[(*n)++] = e;
    }
}

/* What one conjunct of a `when` asks of one value (its subject):
 *  - SET: an enum among members (`x = m`, `x in [..]`, `!=`, `not in`: a bit set);
 *  - RANGE: an ordered value in [lo, hi] (`x < 10` is [min, 9]: every ordered
 *    kind is a whole number of fen, ppm or days), or a bool in [1, 1] / [0, 0]
 *    (`gated`, `not gated`, `b = false`); the bound is a constant (bound NULL)
 *    or, for both sides of `x < p` / `x >= p`, the same expression p, with
 *    lo and hi counted from it;
 *  - HOLE: an ordered value other than one value (`x != 5`). */
typedef enum { LIT_SET, LIT_RANGE, LIT_HOLE } lit_kind;

typedef struct lit {
    lit_kind kind;
    const yb_expr *subj, *bound;
    uint64_t set;
    int64_t lo, hi;
} lit;

static bool is_const(const yb_expr *e)
{
    return e->constant && (e->kind <= E_BOOL || e->sym_kind == SYM_ENUM_MEMBER || e->kind == E_UNARY || e->kind == E_BINARY);
}

static bool is_ordered(uint8_t k)
{
    return k == YB_T_INT || k == YB_T_MONEY || k == YB_T_RATE || k == YB_T_DATE || k == YB_T_BOOL;
}

/* The op that holds when `op` does not. */
static int negate_op(int op)
{
    switch (op) {
    case OP_EQ: return OP_NE;
    case OP_NE: return OP_EQ;
    case OP_LT: return OP_GE;
    case OP_GE: return OP_LT;
    case OP_LE: return OP_GT;
    default: return OP_LE; /* OP_GT */
    }
}

/* `c OP x` as `x OP' c`. */
static int mirror_op(int op)
{
    switch (op) {
    case OP_LT: return OP_GT;
    case OP_GT: return OP_LT;
    case OP_LE: return OP_GE;
    case OP_GE: return OP_LE;
    default: return op;
    }
}

/* `subj OP v` as a RANGE or HOLE; false when it is none (v at the edge of int64). */
static bool compare_lit(int op, int64_t v, bool is_bool, lit *l)
{
    l->kind = LIT_RANGE;
    l->lo = INT64_MIN;
    l->hi = INT64_MAX;
    if (is_bool && op == OP_NE) {
        op = OP_EQ;
        v = !v;
    }
    switch (op) {
    case OP_EQ: l->lo = l->hi = v; return true;
    case OP_NE: l->kind = LIT_HOLE; l->lo = l->hi = v; return true;
    case OP_LT: l->hi = v - 1; return v != INT64_MIN;
    case OP_LE: l->hi = v; return true;
    case OP_GT: l->lo = v + 1; return v != INT64_MAX;
    case OP_GE: l->lo = v; return true;
    }
    return false;
}

/* A comparison `a OP b` (negated if neg) as a literal on its non-constant side. */
static bool comparison_lit(const yb_expr *e, bool neg, lit *l)
{
    const yb_expr *x = e->a, *k = e->b;
    int op = neg ? negate_op(e->op) : e->op;
    if (is_const(x) && !is_const(k)) {
        x = e->b;
        k = e->a;
        op = mirror_op(op);
    }
    if (x->type.kind != k->type.kind) return false;
    l->subj = x;
    l->bound = NULL;
    if (x->type.kind == YB_T_ENUM && k->sym_kind == SYM_ENUM_MEMBER && k->sym_index < 64 && (op == OP_EQ || op == OP_NE)) {
        l->kind = LIT_SET;
        l->set = 1ull << k->sym_index;
        if (op == OP_NE) l->set = ~l->set;
        return true;
    }
    if (!is_ordered(x->type.kind)) return false;
    if (is_const(k)) return compare_lit(op, k->ival, x->type.kind == YB_T_BOOL, l);
    l->bound = k; /* `x < p` against `x >= p`: counted from p */
    return compare_lit(op, 0, x->type.kind == YB_T_BOOL, l);
}

/* A conjunct (negated if neg) as a literal; false when it is none of them. */
static bool lit_of(const yb_expr *e, bool neg, lit *l)
{
    if (e->kind == E_UNARY && e->op == OP_NOT) return lit_of(e->a, !neg, l);
    if (e->kind == E_BINARY && e->op >= OP_EQ && e->op <= OP_GE && comparison_lit(e, neg, l)) return true;
    if (e->kind == E_IN && e->a->type.kind == YB_T_ENUM) {
        l->kind = LIT_SET;
        l->subj = e->a;
        l->bound = NULL;
        l->set = 0;
        for (int i = 0; i < e->args.n; i++) {
            const yb_expr *m = e->args.items[i];
            if (m->sym_kind != SYM_ENUM_MEMBER || m->sym_index >= 64) return false;
            l->set |= 1ull << m->sym_index;
        }
        if (e->op != neg) l->set = ~l->set; /* `not in`, or a negated `in` */
        return true;
    }
    if (e->type.kind != YB_T_BOOL || (e->kind == E_BINARY && (e->op == OP_AND || e->op == OP_OR))) return false;
    /* any other condition: itself true, or false under `not` */
    *l = (lit){.kind = LIT_RANGE, .subj = e, .lo = !neg, .hi = !neg};
    return true;
}

static bool same_place(const lit *a, const lit *b)
{
    return yb_same_expr(a->subj, b->subj) && yb_same_expr(a->bound, b->bound);
}

/* No value satisfies both a and b (one subject, one bound). */
static bool disjoint(const lit *a, const lit *b)
{
    if (a->kind == LIT_SET || b->kind == LIT_SET) return a->kind == b->kind && !(a->set & b->set);
    if (a->kind == LIT_HOLE && b->kind == LIT_HOLE) return false;
    if (a->kind == LIT_HOLE || b->kind == LIT_HOLE) {
        const lit *r = a->kind == LIT_RANGE ? a : b, *h = a->kind == LIT_HOLE ? a : b;
        return r->lo == r->hi && r->lo == h->lo;
    }
    return a->hi < b->lo || b->hi < a->lo;
}

/* The literals of a `when`, those on one subject and bound narrowed to one
 * (`x >= 10 and x < 20` is [10, 19]; `x in [a, b] and x != b` is {a}). */
static int lits_of(const yb_expr *when, lit *out)
{
    const yb_expr *cs[32];
    int nc = 0, n = 0;
    conjuncts(when, cs, &nc);
    for (int i = 0; i < nc; i++) {
        lit l;
        if (!lit_of(cs[i], false, &l)) continue;
        int k = 0;
        while (k < n && !(same_place(&out[k], &l) && out[k].kind == l.kind && l.kind != LIT_HOLE)) k++;
        if (k == n) out[n++] = l;
        else if (l.kind == LIT_SET) out[k].set &= l.set;
        else {
            if (l.lo > out[k].lo) out[k].lo = l.lo;
            if (l.hi < out[k].hi) out[k].hi = l.hi;
        }
    }
    return n;
}

/* Two rules that can never both fire on one claim: their `when`s ask one
 * value for things no value is -- enum members that no other allows
 * (`visit.kind = inpatient` / `visit.kind in [outpatient, pharmacy]`),
 * disjoint ranges (`n < 10` / `n >= 10`, dates before / on or after a day),
 * a condition and its negation (`gated` / `not gated`).  A conjunct pair is
 * enough: `a and b` excludes `not b and c`. */
static bool exclusive(const yb_decl *x, const yb_decl *y)
{
    if (x->kind != D_RULE || y->kind != D_RULE || !x->value || !y->value) return false;
    lit lx[32], ly[32];
    int nx = lits_of(x->value, lx), ny = lits_of(y->value, ly);
    for (int i = 0; i < nx; i++)
        for (int j = 0; j < ny; j++)
            if (same_place(&lx[i], &ly[j]) && disjoint(&lx[i], &ly[j])) return true;
    return false;
}

/* The first step before this one that read `slot` and could fire with it, or -1. */
static int stale_reader(order *o, yb_decl *w, int slot)
{
    yb_vec *v = &o->first[slot].steps;
    for (int k = 0; k < v->n; k++) {
        int st = (int)(intptr_t)v->items[k] - 1;
        if (st != o->step && !exclusive(o->c->steps.items[st], w)) return st;
    }
    return -1;
}

static void check_write(order *o, yb_decl *w, yb_stmt *s, int slot, const char *what)
{
    yb_compiler *c = o->c;
    int r = stale_reader(o, w, slot);
    if (r < 0) return;
    yb_decl *rd = c->steps.items[r];
    char at[300];
    ERR(s->loc, "rule `%s` changes `%s` after %s `%s` (%s) read it: that step worked with a stale `%s`", w->name, what,
        step_kind(rd), rd->name, file_line(c, rd->loc, at, sizeof at), what);
    hint_before(c, r, w, "a step that changes an output must come before every step that reads it");
    o->ok = false;
}

/* A `block` must come before every step that reads `held` and before the
 * first rule that pays; a `reject` before the first rule that pays. */
static void check_hold(order *o, yb_decl *w, yb_stmt *s)
{
    yb_compiler *c = o->c;
    int payer = o->payer >= 0 && o->payer != o->step ? o->payer : -1;
    int reader = s->kind == S_BLOCK ? stale_reader(o, w, o->nouts) : -1;
    if (payer < 0 && reader < 0) return;
    const char *what = s->kind == S_BLOCK ? "block" : "reject";
    char at[300];
    if (payer >= 0) {
        yb_decl *pd = c->steps.items[payer];
        ERR(s->loc, "`%s` in rule `%s` comes after rule `%s` (%s) paid `%s`: %s", what, w->name, pd->name,
            file_line(c, pd->loc, at, sizeof at), o->paid,
            s->kind == S_BLOCK ? "a held claim would keep what was paid" : "a claim must be refused before anything is paid");
    } else {
        yb_decl *rd = c->steps.items[reader];
        ERR(s->loc, "`block` in rule `%s` comes after %s `%s` (%s) read `held`: that step saw the claim as not held", w->name,
            step_kind(rd), rd->name, file_line(c, rd->loc, at, sizeof at));
    }
    int first = payer < 0 || (reader >= 0 && reader < payer) ? reader : payer;
    hint_before(c, first, w, s->kind == S_BLOCK ? "a `block` must come before the rules that pay and every step that reads `held`"
                                                : "a `reject` must come before the first rule that pays");
    o->ok = false;
}

static void walk(order *o, yb_decl *w, yb_vec *body, bool *pays)
{
    yb_compiler *c = o->c;
    for (int i = 0; i < body->n; i++) {
        yb_stmt *s = body->items[i];
        switch (s->kind) {
        case S_SET:
        case S_ADD:
        case S_SUBTRACT:
            if (s->target->sym_kind == SYM_OUTPUT && s->target->sym_index < o->nouts) {
                int x = s->target->sym_index;
                check_write(o, w, s, x, c->prog->outs[x].name);
                if (c->prog->outs[x].kind == YB_T_MONEY && !*pays) {
                    *pays = true;
                    if (!o->paid) o->paid = c->prog->outs[x].name;
                }
            }
            break;
        case S_BLOCK:
        case S_REJECT:
            check_hold(o, w, s);
            break;
        case S_IF:
            walk(o, w, &s->then_body, pays);
            walk(o, w, &s->else_body, pays);
            break;
        default:
            break;
        }
    }
}

static void read_stmts(order *o, yb_vec *body)
{
    for (int i = 0; i < body->n; i++) {
        yb_stmt *s = body->items[i];
        if (s->kind != S_REJECT) note_reads(o, s->value);
        for (int k = 0; k < s->parts.n; k++) note_reads(o, ((yb_msg_part *)s->parts.items[k])->value);
        if (s->kind == S_IF) {
            read_stmts(o, &s->then_body);
            read_stmts(o, &s->else_body);
        }
    }
}

bool yb_check_order(yb_compiler *c)
{
    order o = {.c = c, .nouts = c->prog->nouts, .payer = -1, .ok = true};
    o.first = yb_arena_alloc(A, (size_t)(o.nouts + 1) * sizeof *o.first);
    for (int i = 0; i < c->steps.n; i++) {
        yb_decl *d = c->steps.items[i];
        o.step = i;
        if (d->kind == D_RULE) {
            bool pays = false;
            walk(&o, d, &d->body, &pays);
            if (pays && o.payer < 0) o.payer = i;
            note_reads(&o, d->value);
            read_stmts(&o, &d->body);
        } else if (d->kind == D_DEFINE) {
            note_reads(&o, d->value);
        } else if (d->kind == D_STATE) {
            note_reads(&o, d->value);
            for (int k = 0; k < d->keys.n; k++) note_reads(&o, d->keys.items[k]);
            for (int k = 0; k < d->fields.n; k++) note_reads(&o, ((yb_fielddecl *)d->fields.items[k])->dflt);
        }
    }
    return o.ok;
}
