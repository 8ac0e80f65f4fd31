/* Declared invariants: `invariant fund = basic + large` (optionally `when
 * COND`), `invariant all money outputs >= 0`.  Each is a condition over the
 * finished settlement.  The compiler proves what it can — an identity
 * `X = E` where X's only change is an unconditional `set X = E` after which
 * nothing E reads changes — and the VM checks the rest after every claim
 * (INVARIANT, vm/interp.c): a settlement that breaks one is never written.
 * Here: checking, proving, and the text of the message the VM prints. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---------------------------------------------------------------- proving */

bool yb_same_expr(const yb_expr *a, const yb_expr *b)
{
    if (!a || !b) return a == b;
    if (a->kind != b->kind || a->op != b->op || a->sym_kind != b->sym_kind || a->sym_index != b->sym_index ||
        a->args.n != b->args.n || a->constant != b->constant || a->type.kind != b->type.kind)
        return false;
    if ((a->constant || a->kind <= E_DURATION_LIT) && a->ival != b->ival) return false;
    if ((a->name || b->name) && (!a->name || !b->name || strcmp(a->name, b->name) != 0)) return false;
    if (a->kind == E_TEXT && (a->text_len != b->text_len || memcmp(a->name, b->name, a->text_len) != 0)) return false;
    for (int i = 0; i < a->args.n; i++)
        if (!yb_same_expr(a->args.items[i], b->args.items[i])) return false;
    return yb_same_expr(a->a, b->a) && yb_same_expr(a->b, b->b) && yb_same_expr(a->c, b->c);
}

/* The outputs an expression reads (a bit per output; `held` is bit nouts);
 * false when it reads something the proof does not follow (a state field). */
static bool reads_of(const yb_expr *e, uint8_t *set, int nouts)
{
    if (!e) return true;
    if ((e->kind == E_NAME || e->kind == E_FIELD) && e->sym_kind == SYM_OUTPUT && e->sym_index < nouts) set[e->sym_index] = 1;
    if (e->kind == E_HELD) set[nouts] = 1;
    if (e->sym_kind == SYM_STATE_FIELD || e->kind == E_ISNEW) return false;
    bool ok = reads_of(e->a, set, nouts) && reads_of(e->b, set, nouts) && reads_of(e->c, set, nouts);
    for (int i = 0; i < e->args.n && ok; i++) ok = reads_of(e->args.items[i], set, nouts);
    return ok;
}

typedef struct proof {
    int out;             /* the output of `X = E` */
    const yb_expr *rhs;  /* E */
    const uint8_t *reads;
    int nouts;
    int sets;            /* statements that change X */
    bool found;          /* the one `set X = E` has been met */
    bool broken;         /* something E reads changes after it */
} proof;

static void follow(proof *pf, yb_decl *rule, yb_vec *body, bool top)
{
    for (int i = 0; i < body->n; i++) {
        yb_stmt *s = body->items[i];
        if (s->kind == S_IF) {
            follow(pf, rule, &s->then_body, false);
            follow(pf, rule, &s->else_body, false);
            continue;
        }
        if (s->kind == S_BLOCK && pf->found && pf->reads[pf->nouts]) pf->broken = true;
        if (s->kind != S_SET && s->kind != S_ADD && s->kind != S_SUBTRACT) continue;
        if (s->target->sym_kind != SYM_OUTPUT) continue;
        int x = s->target->sym_index;
        if (x == pf->out) {
            pf->sets++;
            if (s->kind == S_SET && top && !rule->value && yb_same_expr(s->value, pf->rhs)) pf->found = true;
            else pf->broken = true;
        } else if (pf->found && x < pf->nouts && pf->reads[x]) {
            pf->broken = true;
        }
    }
}

static bool prove(yb_compiler *c, yb_expr *e)
{
    if (e->kind != E_BINARY || e->op != OP_EQ || e->a->kind != E_NAME || e->a->sym_kind != SYM_OUTPUT) return false;
    int nouts = c->prog->nouts;
    uint8_t *reads = yb_arena_alloc(A, (size_t)nouts + 1);
    if (!reads_of(e->b, reads, nouts) || reads[e->a->sym_index]) return false;
    proof pf = {e->a->sym_index, e->b, reads, nouts, 0, false, false};
    for (int i = 0; i < c->steps.n; i++) {
        yb_decl *d = c->steps.items[i];
        if (d->kind == D_RULE) follow(&pf, d, &d->body, true);
    }
    return pf.found && pf.sets == 1 && !pf.broken;
}

/* ---------------------------------------------------------------- checking */

static char *as_written(yb_compiler *c, const yb_expr *e, const yb_expr *cond);

static bool check_one(yb_compiler *c, yb_decl *d, yb_expr *e, yb_expr *cond)
{
    char tnbuf[1][64];
    char *text = d->all_of_type ? NULL : as_written(c, e, cond); /* before the checker coerces `0` to 0.00 */
    if (!yb_check_value(c, e, NULL)) return false;
    yb_fold(c, e);
    if (e->type.kind != YB_T_BOOL) {
        ERR(e->loc, "an invariant is a condition over the settlement, found %s", TN(e->type, 0));
        return false;
    }
    if (cond) {
        if (!yb_check_value(c, cond, NULL)) return false;
        yb_fold(c, cond);
        if (cond->type.kind != YB_T_BOOL) {
            ERR(cond->loc, "`when` needs a condition, found %s", TN(cond->type, 0));
            return false;
        }
    }
    yb_invariant *inv = yb_arena_alloc(A, sizeof *inv);
    inv->decl = d;
    inv->e = e;
    inv->cond = cond;
    inv->text = text;
    inv->proved = prove(c, e) && !cond;
    yb_vec_push(A, &c->invariants, inv);
    return true;
}

/* `all money outputs >= 0`: one invariant per output of that type. */
static bool check_all(yb_compiler *c, yb_decl *d)
{
    yb_type t;
    if (!yb_scalar_type(c, d->all_of_type, &t)) {
        ERR(d->loc, "unknown type `%s`", d->all_of_type);
        return false;
    }
    if (d->value->kind > E_DURATION_LIT && !(d->value->kind == E_UNARY && d->value->a->kind <= E_DURATION_LIT)) {
        ERR(d->value->loc, "`all %s outputs >=` takes a constant", d->all_of_type);
        return false;
    }
    bool ok = true;
    yb_program *p = c->prog;
    for (int i = 0; i < p->nouts; i++) {
        yb_fielddecl *fd = c->output->fields.items[i];
        if (fd->special || p->outs[i].kind != t.kind || (t.kind == YB_T_ENUM && p->outs[i].enum_id != t.enum_id)) continue;
        yb_expr *v = yb_arena_alloc(A, sizeof *v);
        *v = *d->value; /* each comparison owns its copy: the checker annotates in place */
        if (v->kind == E_UNARY) {
            v->a = yb_arena_alloc(A, sizeof *v->a);
            *v->a = *d->value->a;
        }
        yb_expr *e = yb_binary(A, OP_GE, yb_name(A, fd->name, d->loc), v, d->loc);
        ok &= check_one(c, d, e, NULL);
    }
    return ok;
}

bool yb_check_invariants(yb_compiler *c)
{
    bool ok = true;
    c->cur_order = c->steps.n; /* after every step: every define is worked out */
    for (int i = 0; i < c->steps.n; i++) {
        yb_decl *d = c->steps.items[i];
        if (d->kind != D_INVARIANT) continue;
        c->nlocals = 0;
        ok &= d->all_of_type ? check_all(c, d) : check_one(c, d, d->value, d->cond);
    }
    return ok;
}

/* ---------------------------------------------------------------- the message */

typedef struct pieces {
    yb_compiler *c;
    char buf[1024];
    size_t n;
    yb_text_piece *items;
    int count;
    bool values;
    const int *sym_reg; /* the registers of the symbols, for the values shown */
} pieces;

static void put(pieces *pc, const char *s)
{
    size_t k = strlen(s);
    if (pc->n + k >= sizeof pc->buf) k = sizeof pc->buf - 1 - pc->n;
    memcpy(pc->buf + pc->n, s, k);
    pc->n += k;
    pc->buf[pc->n] = 0;
}

static void flush(pieces *pc, int reg, uint16_t enum_id)
{
    pc->items = realloc(pc->items, (size_t)(pc->count + 1) * sizeof *pc->items);
    pc->items[pc->count++] = (yb_text_piece){strndup(pc->buf, pc->n), reg, enum_id};
    pc->n = 0;
    pc->buf[0] = 0;
}

static int prec(int op)
{
    switch (op) {
    case OP_OR: return 1;
    case OP_AND: return 2;
    case OP_ADD: case OP_SUB: return 4;
    case OP_MUL: case OP_DIV: return 5;
    default: return 3;
    }
}

static const char *op_text(int op)
{
    static const char *const t[] = {[OP_ADD] = " + ", [OP_SUB] = " - ", [OP_MUL] = " * ", [OP_DIV] = " / ", [OP_EQ] = " = ",
                                    [OP_NE] = " != ", [OP_LT] = " < ", [OP_LE] = " <= ", [OP_GT] = " > ", [OP_GE] = " >= ",
                                    [OP_AND] = " and ", [OP_OR] = " or "};
    return op > 0 && op <= OP_OR ? t[op] : " ? ";
}

/* The broken side of a comparison: `=` reads `≠`, `<=` reads `>`… */
static const char *negated(int op)
{
    static const char *const t[] = {[OP_EQ] = " ≠ ", [OP_NE] = " = ", [OP_LT] = " ≥ ", [OP_LE] = " > ", [OP_GT] = " ≤ ", [OP_GE] = " < "};
    return op >= OP_EQ && op <= OP_GE ? t[op] : NULL;
}

static void render(pieces *pc, const yb_expr *e, int outer);

static void render_literal(pieces *pc, const yb_expr *e)
{
    char b[64];
    int kind = e->kind == E_MONEY ? YB_T_MONEY : e->kind == E_RATE ? YB_T_RATE : e->kind == E_DATE ? YB_T_DATE
             : e->kind == E_BOOL ? YB_T_BOOL : e->kind == E_INT ? YB_T_INT : e->type.kind;
    switch (kind) {
    case YB_T_MONEY: yb_money_format(e->ival, b); break;
    case YB_T_RATE: yb_rate_format(e->ival, b); break;
    case YB_T_DATE: yb_date_format((yb_date)e->ival, b); break;
    case YB_T_BOOL: snprintf(b, sizeof b, "%s", e->ival ? "true" : "false"); break;
    default: snprintf(b, sizeof b, "%lld", (long long)e->ival); break;
    }
    put(pc, b);
}

static void render_name(pieces *pc, const yb_expr *e)
{
    yb_compiler *c = pc->c;
    if (e->kind == E_FIELD) {
        render(pc, e->a, 9);
        put(pc, ".");
    }
    put(pc, e->name);
    int sym = -1;
    if (e->sym_kind == SYM_OUTPUT || e->sym_kind == SYM_STATE_FIELD) sym = e->sym_index;
    if (e->sym_kind == SYM_DEFINE) {
        yb_global *g = yb_global_find(c, e->name);
        if (g) sym = g->index;
    }
    if (pc->values && sym >= 0) {
        put(pc, " ");
        flush(pc, pc->sym_reg[sym], (uint16_t)(e->type.kind == YB_T_ENUM ? e->type.enum_id : 0));
    }
}

static void render(pieces *pc, const yb_expr *e, int outer)
{
    switch (e->kind) {
    case E_NAME:
    case E_FIELD:
        if (e->constant && e->sym_kind != SYM_OUTPUT) render_literal(pc, e);
        else render_name(pc, e);
        return;
    case E_HELD: put(pc, "held"); return;
    case E_TEXT: put(pc, "\""); put(pc, e->name); put(pc, "\""); return;
    case E_UNARY:
        put(pc, e->op == OP_NOT ? "not " : "-");
        render(pc, e->a, 6);
        return;
    case E_BINARY: {
        int p = prec(e->op);
        if (p < outer) put(pc, "(");
        render(pc, e->a, p);
        put(pc, op_text(e->op));
        render(pc, e->b, p + 1);
        if (p < outer) put(pc, ")");
        return;
    }
    case E_CALL:
        put(pc, e->name);
        put(pc, "(");
        for (int i = 0; i < e->args.n; i++) {
            if (i) put(pc, ", ");
            render(pc, e->args.items[i], 0);
        }
        put(pc, ")");
        return;
    default:
        if (e->kind <= E_DURATION_LIT || e->constant) render_literal(pc, e);
        else put(pc, "…");
        return;
    }
}

static char *as_written(yb_compiler *c, const yb_expr *e, const yb_expr *cond)
{
    pieces pc = {.c = c};
    render(&pc, e, 0);
    if (cond) {
        put(&pc, " when ");
        render(&pc, cond, 0);
    }
    return yb_arena_strndup(A, pc.buf, pc.n);
}

void yb_invariant_describe(yb_compiler *c, yb_invariant *inv, const int *sym_reg, yb_invariant_desc *out)
{
    pieces pc = {.c = c, .values = true, .sym_reg = sym_reg};
    if (inv->decl->all_of_type) {
        put(&pc, "all ");
        put(&pc, inv->decl->all_of_type);
        put(&pc, " outputs >= ");
        render(&pc, inv->decl->value, 0); /* as written: `0`, not `0.00` */
        out->text = strndup(pc.buf, pc.n);
        pc.n = 0;
    } else {
        out->text = strdup(inv->text);
    }
    const yb_expr *e = inv->e;
    const char *neg = e->kind == E_BINARY ? negated(e->op) : NULL;
    if (neg) {
        render(&pc, e->a, 4);
        put(&pc, neg);
        render(&pc, e->b, 4);
    } else {
        put(&pc, "false: ");
        render(&pc, e, 0);
    }
    flush(&pc, -1, 0);
    out->pieces = pc.items;
    out->npieces = pc.count;
}
