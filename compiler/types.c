/* Types: every expression and statement gets its type and the symbol it
 * names, with a message that says what was expected. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "yb_limits.h"

/* `1.0` or `0.85` written where a rate is meant: a money literal (yuan); say how a rate is written. */
static void rate_hint(yb_compiler *c, const yb_expr *e, uint8_t want)
{
    if (want != YB_T_RATE || !e || e->kind != E_MONEY) return;
    char r[40];
    yb_rate_format(e->ival * 10000, r); /* 0.85 (85 fen) reads 85% */
    yb_note(c->diag, YB_NOLOC, "a number with a decimal point is money (yuan); a rate is written with %%: `%s`", r);
}


const char *yb_type_name(yb_compiler *c, yb_type t, char *buf, size_t n)
{
    if (t.kind == YB_T_ENUM && t.enum_id >= 0 && t.enum_id < c->enums.n) {
        yb_decl *d = c->enums.items[t.enum_id];
        snprintf(buf, n, "%s", d->name);
    } else {
        snprintf(buf, n, "%s", yb_kind_name((yb_kind)t.kind));
    }
    return buf;
}

/* A literal (or folded constant) of the wanted type: defaults, table cells. */
bool yb_const_value(yb_compiler *c, yb_expr *e, yb_type want, int64_t *out)
{
    char tnbuf[2][64];
    if (want.kind == YB_T_ENUM && e->kind == E_NAME) {
        int m = yb_member_index(c, want.enum_id, e->name);
        if (m < 0) {
            ERR(e->loc, "`%s` is not a value of %s", e->name, TN(want, 0));
            yb_suggest_name(c, e->name, e->loc, want.enum_id);
            return false;
        }
        *out = m;
        return true;
    }
    if (!yb_check_expr(c, e, &want)) return false;
    yb_fold(c, e);
    if (want.kind == YB_T_TEXT && e->kind == E_TEXT) {
        *out = yb_text_const(c, e->name, e->text_len);
        return true;
    }
    if (!e->constant) {
        ERR(e->loc, "a constant was expected here (a literal such as 200.00, 85%%, 2025-01-01, 3 months)");
        return false;
    }
    if (want.kind == YB_T_MONEY && e->type.kind == YB_T_INT) {
        if (e->ival > YB_MONEY_MAX / 100 || e->ival < -(YB_MONEY_MAX / 100)) {
            ERR(e->loc, "money is at most 10000000000000.00 yuan");
            return false;
        }
        *out = e->ival * 100;
        return true;
    }
    if (!yb_same_type(e->type, want)) {
        ERR(e->loc, "%s expected here, found %s", TN(want, 0), TN(e->type, 1));
        rate_hint(c, e, want.kind);
        return false;
    }
    if (want.kind == YB_T_TEXT) *out = yb_text_const(c, e->name, e->text_len);
    else *out = e->ival;
    return true;
}

static bool is_value(yb_compiler *c, yb_expr *e)
{
    char tnbuf[1][64];
    switch (e->sym_kind) {
    case SYM_STATE: ERR(e->loc, "`%s` is a state: name one of its fields (`%s.field`)", e->name, e->name); return false;
    case SYM_TABLE: ERR(e->loc, "a table needs its keys: `%s[…].column`", e->name ? e->name : "table"); return false;
    case SYM_TABLE_ROW: ERR(e->loc, "name a column of this table row (`….column`)"); return false;
    case SYM_PARAM_KEYED: ERR(e->loc, "`%s` has a value per key: write `%s[key]`", e->name, e->name); return false;
    case SYM_PARAM_RANGE: ERR(e->loc, "`%s` has a value per range: write `%s[amount]`", e->name, e->name); return false;
    case SYM_INPUT_RECORD:
    case SYM_ELEM_RECORD: ERR(e->loc, "this is a record: name one of its fields"); return false;
    case SYM_INPUT_LIST: ERR(e->loc, "this is a list: use `sum of … in`, `count of`, `any of` or `all of`"); return false;
    case SYM_ENUM_TYPE: ERR(e->loc, "`%s` is a type, not a value", e->name); return false;
    default: break;
    }
    if (e->type.kind == YB_T_BANDS) {
        ERR(e->loc, "%s are used by `tiered … over … by %s`", TN(e->type, 0), e->name ? e->name : "bands");
        return false;
    }
    return true;
}

/* An int literal stands for yuan where money is expected: `max(x, 0)`. */
void yb_coerce_literal(yb_expr *e, yb_type to)
{
    /* `200` or `-5` written where money is expected; within the money range only */
    bool lit = e->kind == E_INT || (e->kind == E_UNARY && e->op == OP_NEG && e->a->kind == E_INT);
    if (lit && e->kind == E_UNARY && to.kind == YB_T_MONEY) {
        e->ival = -e->a->ival;
        e->constant = true;
    }
    if (to.kind == YB_T_MONEY && lit && e->type.kind == YB_T_INT && e->constant && e->ival <= YB_MONEY_MAX / 100 &&
        e->ival >= -(YB_MONEY_MAX / 100)) {
        e->kind = E_MONEY;
        e->ival *= 100;
        e->type = T_MONEY;
    }
}

bool yb_check_value(yb_compiler *c, yb_expr *e, const yb_type *want)
{
    return yb_check_expr(c, e, want) && is_value(c, e);
}

/* Check two operands that must agree: the second may take its enum context
 * from the first, or the other way round. */
static bool check_pair(yb_compiler *c, yb_expr *a, yb_expr *b)
{
    if (a->kind == E_NAME && !yb_local_find(c, a->name) && !yb_global_find(c, a->name) && yb_enum_find(c, a->name) < 0 &&
        b->kind != E_NAME) {
        if (!yb_check_value(c, b, NULL)) return false;
        return yb_check_value(c, a, &b->type);
    }
    if (!yb_check_value(c, a, NULL)) return false;
    return yb_check_value(c, b, &a->type);
}

/* The type of `a op b` from the operators' rules (arith.def); a pair the
 * rules do not list gets a message that says what was meant. */
static bool binary_type(yb_compiler *c, yb_expr *e)
{
    char tnbuf[2][64];
    yb_expr *a = e->a, *b = e->b;
    if (e->op != OP_MUL && e->op != OP_DIV) { /* in a product a whole number is a multiplier, not yuan */
        yb_coerce_literal(a, b->type);
        yb_coerce_literal(b, a->type);
    }
    yb_type ta = a->type, tb = b->type;
    uint8_t ka = ta.kind, kb = tb.kind;
    const yb_arith_rule *ar = yb_arith_find(e->op, ka, kb);
    if (ar) {
        e->type = (yb_type){ar->result, -1};
        return true;
    }
    const yb_compare_rule *cr = yb_compare_find(e->op);
    if (cr) {
        if (yb_same_type(ta, tb) && (cr->ordered ? yb_is_ordered(ta) : ka != YB_T_BANDS)) {
            e->type = T_BOOL;
            return true;
        }
        ERR(e->loc, cr->ordered ? "cannot order %s and %s" : "cannot compare %s with %s", TN(ta, 0), TN(tb, 1));
        rate_hint(c, b, ka);
        rate_hint(c, a, kb);
        return false;
    }
    switch (e->op) {
    case OP_ADD:
    case OP_SUB:
        if (e->op == OP_ADD && ka == YB_T_DURATION && kb == YB_T_DATE) {
            ERR(e->loc, "write the date first: `date + duration`");
            return false;
        }
        ERR(e->loc, "cannot %s %s and %s", e->op == OP_ADD ? "add" : "subtract", TN(ta, 0), TN(tb, 1));
        if ((ka == YB_T_MONEY && kb == YB_T_RATE) || (ka == YB_T_RATE && kb == YB_T_MONEY))
            yb_note(c->diag, YB_NOLOC, "a rate applies to money by multiplying: `amount * 85%%`");
        if (ka == YB_T_DATE && kb == YB_T_INT)
            yb_note(c->diag, YB_NOLOC, "say the unit: `date + 10 days` or `date + 3 months`");
        return false;
    case OP_MUL:
        if (ka == YB_T_MONEY && kb == YB_T_MONEY) ERR(e->loc, "cannot multiply money by money");
        else ERR(e->loc, "cannot multiply %s by %s", TN(ta, 0), TN(tb, 1));
        if (ka == YB_T_MONEY) rate_hint(c, b, YB_T_RATE);
        return false;
    case OP_DIV:
        if (ka == YB_T_INT && kb == YB_T_INT) ERR(e->loc, "whole numbers do not divide exactly: divide money, or use a rate");
        else ERR(e->loc, "cannot divide %s by %s", TN(ta, 0), TN(tb, 1));
        return false;
    case OP_AND:
    case OP_OR:
        if (ka == YB_T_BOOL && kb == YB_T_BOOL) { e->type = T_BOOL; return true; }
        ERR(e->loc, "`%s` joins conditions (bool), found %s and %s", e->op == OP_AND ? "and" : "or", TN(ta, 0), TN(tb, 1));
        return false;
    }
    return false;
}

static const char *const builtin_fns[] = {"given", "min", "max", "clamp", "abs", "round_up", "round_down", "age"};

bool yb_builtin_fn(const char *name)
{
    for (size_t i = 0; i < sizeof builtin_fns / sizeof builtin_fns[0]; i++)
        if (strcmp(builtin_fns[i], name) == 0) return true;
    return false;
}

static bool check_call(yb_compiler *c, yb_expr *e, const yb_type *want)
{
    char tnbuf[2][64];
    const char *f = e->name;
    int native = yb_native_find(c, f);
    if (native >= 0) return yb_check_native_call(c, e, native);
    int n = e->args.n;
    yb_expr **args = (yb_expr **)e->args.items;
    if (strcmp(f, "given") == 0) {
        if (n != 1) { ERR(e->loc, "given(field) takes one input field"); return false; }
        if (!yb_check_expr(c, args[0], NULL)) return false;
        int k = args[0]->sym_kind;
        if (k != SYM_INPUT_FIELD && k != SYM_INPUT_RECORD && k != SYM_ELEM_FIELD && k != SYM_ELEM_RECORD && k != SYM_INPUT_LIST &&
            k != SYM_RANGE_CELL) {
            ERR(args[0]->loc, "given(…) asks whether a claim field was given, or whether a parameter keyed by text or "
                              "ranges has a value for a key; this is neither");
            return false;
        }
        e->type = T_BOOL;
        return true;
    }
    if (strcmp(f, "round_up") == 0 || strcmp(f, "round_down") == 0) {
        if (n != 1) { ERR(e->loc, "%s(…) takes one product or quotient", f); return false; }
        if (!yb_check_value(c, args[0], want)) return false;
        yb_expr *x = args[0];
        if (x->kind != E_BINARY || (x->op != OP_MUL && x->op != OP_DIV) || x->type.kind == YB_T_INT) {
            ERR(x->loc, "%s(…) rounds a product or quotient of money or rates (`%s(room / ratio)`)", f, f);
            return false;
        }
        x->ival = f[6] == 'u' ? YB_ROUND_UP : YB_ROUND_DOWN;
        e->type = x->type;
        return true;
    }
    bool is_min = strcmp(f, "min") == 0, is_max = strcmp(f, "max") == 0, is_clamp = strcmp(f, "clamp") == 0,
         is_abs = strcmp(f, "abs") == 0;
    if (is_min || is_max || is_clamp) {
        if ((is_clamp && n != 3) || n < 2) {
            ERR(e->loc, is_clamp ? "clamp(value, low, high) takes three values" : "%s(…) takes two or more values", f);
            return false;
        }
        yb_type t = T_VOID;
        for (int i = 0; i < n; i++)
            if (!yb_check_value(c, args[i], want)) return false;
        for (int i = 0; i < n; i++) {
            bool whole = args[i]->type.kind == YB_T_INT && (args[i]->kind == E_INT ||
                         (args[i]->kind == E_UNARY && args[i]->op == OP_NEG && args[i]->a->kind == E_INT));
            if (!whole) t = args[i]->type; /* a bare whole number takes the others' kind */
        }
        if (t.kind == YB_T_VOID) t = args[0]->type;
        for (int i = 0; i < n; i++) {
            yb_coerce_literal(args[i], t);
            if (!yb_same_type(args[i]->type, t) || !yb_is_ordered(t)) {
                ERR(args[i]->loc, "%s(…) compares values of one kind: %s and %s", f, TN(t, 0), TN(args[i]->type, 1));
                return false;
            }
        }
        e->type = t;
        return true;
    }
    if (is_abs) {
        if (n != 1 || !yb_check_value(c, args[0], want)) return false;
        if (!yb_is_num(args[0]->type)) { ERR(e->loc, "abs(…) takes a number"); return false; }
        e->type = args[0]->type;
        return true;
    }
    if (strcmp(f, "age") == 0) {
        if (n != 2) { ERR(e->loc, "age(birth_date, on_date) takes two dates"); return false; }
        for (int i = 0; i < 2; i++) {
            if (!yb_check_value(c, args[i], NULL)) return false;
            if (args[i]->type.kind != YB_T_DATE) {
                ERR(args[i]->loc, "age(birth_date, on_date) takes two dates, found %s", TN(args[i]->type, 0));
                return false;
            }
        }
        e->type = T_INT;
        return true;
    }
    ERR(e->loc, "unknown function `%s`", f);
    const char *cands[sizeof builtin_fns / sizeof builtin_fns[0] + 32];
    size_t nc = 0;
    for (; nc < sizeof builtin_fns / sizeof builtin_fns[0]; nc++) cands[nc] = builtin_fns[nc];
    for (int i = 0; i < c->natives.n && nc < sizeof cands / sizeof cands[0]; i++) cands[nc++] = ((yb_decl *)c->natives.items[i])->name;
    const char *s = yb_suggest(f, cands, nc);
    if (s) yb_note(c->diag, YB_NOLOC, "did you mean `%s`?", s);
    return false;
}

static bool check_field_access(yb_compiler *c, yb_expr *e)
{
    char tnbuf[1][64];
    yb_expr *a = e->a;
    /* `level.primary`: a member of an enum named in full */
    if (a->kind == E_NAME && yb_enum_find(c, a->name) >= 0 && !yb_local_find(c, a->name)) {
        int en = yb_enum_find(c, a->name);
        yb_global *g = yb_global_find(c, a->name);
        int m = yb_member_index(c, en, e->name);
        if (m >= 0 && (!g || g->kind != SYM_INPUT_RECORD)) {
            yb_set_sym(e, SYM_ENUM_MEMBER, m, (yb_type){YB_T_ENUM, (int16_t)en});
            e->constant = true;
            e->ival = m;
            return true;
        }
        if (!g || g->kind != SYM_INPUT_RECORD) {
            ERR(e->loc, "`%s` is not a value of %s", e->name, a->name);
            yb_suggest_name(c, e->name, e->loc, en);
            return false;
        }
    }
    if (!yb_check_expr(c, a, NULL)) return false;
    switch (a->sym_kind) {
    case SYM_INPUT_RECORD:
    case SYM_ELEM_RECORD: {
        int fi = yb_schema_child(c, a->sym_index, e->name);
        const yb_field *af = &c->prog->schema.fields[a->sym_index];
        if (fi < 0 && a->sym_kind == SYM_ELEM_RECORD && af->kind == YB_T_LIST) {
            int dk = yb_derived_find(c, af->slot, e->name);
            if (dk >= 0) return yb_use_derived(c, e, dk, false);
        }
        if (fi < 0) {
            ERR(e->loc, "no field `%s` in `%s`", e->name, c->prog->schema.fields[a->sym_index].name);
            yb_suggest_child(c, a->sym_index, e->name);
            return false;
        }
        const yb_field *f = &c->prog->schema.fields[fi];
        int li;
        bool elem = a->sym_kind == SYM_ELEM_RECORD || yb_is_elem_field(c, fi, &li);
        yb_sym_kind k = f->kind == YB_T_RECORD ? (elem ? SYM_ELEM_RECORD : SYM_INPUT_RECORD)
                        : f->kind == YB_T_LIST ? SYM_INPUT_LIST
                        : elem ? SYM_ELEM_FIELD : SYM_INPUT_FIELD;
        yb_set_sym(e, k, fi, yb_field_type(c, fi));
        return true;
    }
    case SYM_STATE: {
        yb_decl *d = NULL;
        yb_global *sg = a->kind == E_NAME ? yb_global_find(c, a->name) : NULL; /* a state is named */
        if (sg && sg->kind == SYM_STATE) d = sg->decl;
        yb_state_desc *sd = &c->prog->states[a->sym_index];
        for (int i = 0; i < sd->nfields; i++)
            if (strcmp(sd->field_names[i], e->name) == 0) {
                int sym = c->state_syms[a->sym_index] + i;
                yb_set_sym(e, SYM_STATE_FIELD, sym, (yb_type){c->sym_kinds[sym], -1});
                yb_fielddecl *fd = d->fields.items[i];
                yb_scalar_type(c, fd->type->name, &e->type);
                return true;
            }
        ERR(e->loc, "state `%s` has no field `%s`", sd->name, e->name);
        const char *s = yb_suggest(e->name, (const char *const *)sd->field_names, (size_t)sd->nfields);
        if (s) yb_note(c->diag, YB_NOLOC, "did you mean `%s`?", s);
        return false;
    }
    case SYM_TABLE_ROW: {
        yb_table_info *t = &c->tables[a->sym_index];
        for (int i = 0; i < t->ncols; i++) {
            yb_fielddecl *fd = t->decl->fields.items[i];
            if (strcmp(fd->name, e->name) == 0) {
                yb_param *p = &c->prog->params[t->first_param + i];
                e->sym_kind = SYM_PARAM_CELL;
                e->sym_index = t->first_param + i;
                e->type = (yb_type){p->kind, (int16_t)(p->kind == YB_T_ENUM ? p->enum_id : -1)};
                e->args = a->args; /* the keys */
                c->param_used[t->first_param + i] = 1;
                return true;
            }
        }
        ERR(e->loc, "table `%s` has no column `%s`", t->decl->name, e->name);
        const char *cands[64];
        int n = 0;
        for (int i = 0; i < t->ncols && n < 64; i++) cands[n++] = ((yb_fielddecl *)t->decl->fields.items[i])->name;
        const char *s = yb_suggest(e->name, cands, (size_t)n);
        if (s) yb_note(c->diag, YB_NOLOC, "did you mean `%s`?", s);
        return false;
    }
    default:
        if (a->type.kind != YB_T_VOID)
            ERR(e->loc, "`.%s`: %s has no fields", e->name, TN(a->type, 0));
        else
            ERR(e->loc, "`.%s` cannot follow this", e->name);
        return false;
    }
}

static bool check_keys(yb_compiler *c, yb_vec *args, int nkeys, const int *key_enum, yb_loc loc, const char *what)
{
    char tnbuf[2][64];
    if (args->n != nkeys) {
        ERR(loc, "`%s` takes %d key%s, found %d", what, nkeys, nkeys == 1 ? "" : "s", args->n);
        return false;
    }
    for (int i = 0; i < nkeys; i++) {
        yb_type want = {YB_T_ENUM, (int16_t)key_enum[i]};
        yb_expr *k = args->items[i];
        if (!yb_check_value(c, k, &want)) return false;
        if (!yb_same_type(k->type, want)) {
            ERR(k->loc, "key %d of `%s` is %s, found %s", i + 1, what, TN(want, 0), TN(k->type, 1));
            return false;
        }
    }
    return true;
}

static bool check_expr_inner(yb_compiler *c, yb_expr *e, const yb_type *want);

/* Nesting is bounded here for every pass (YB_MAX_NESTING, internal.h). */
bool yb_check_expr(yb_compiler *c, yb_expr *e, const yb_type *want)
{
    if (c->depth >= YB_MAX_NESTING) {
        if (c->depth == YB_MAX_NESTING) {
            ERR(e->loc, "this expression is nested more than %d deep; split it with `define`", YB_MAX_NESTING);
            c->depth++; /* report it once */
        }
        return false;
    }
    c->depth++;
    bool ok = check_expr_inner(c, e, want);
    c->depth--;
    return ok;
}

static bool check_expr_inner(yb_compiler *c, yb_expr *e, const yb_type *want)
{
    char tnbuf[2][64];
    switch (e->kind) {
    case E_INT: e->type = T_INT; e->constant = true; return true;
    case E_MONEY: e->type = T_MONEY; e->constant = true; return true;
    case E_RATE: e->type = T_RATE; e->constant = true; return true;
    case E_DATE: e->type = T_DATE; e->constant = true; return true;
    case E_BOOL: e->type = T_BOOL; e->constant = true; return true;
    case E_TEXT: e->type = T_TEXT; return true;
    case E_DURATION_LIT:
        if (e->ival < 0) { ERR(e->loc, "duration too long"); return false; }
        e->type = T_DUR; e->constant = true; return true;
    case E_HELD: e->type = T_BOOL; return true;
    case E_NAME: return yb_resolve_name(c, e, want, false);
    case E_FIELD: return check_field_access(c, e);
    case E_INDEX: {
        if (!yb_check_expr(c, e->a, NULL)) return false;
        if (e->a->sym_kind == SYM_PARAM_KEYED) {
            yb_param *p = &c->prog->params[e->a->sym_index];
            yb_global *g = yb_global_find(c, e->a->name); /* a keyed parameter is named */
            int key_enum[2], nk = g->decl->keys.n;
            for (int i = 0; i < nk && i < 2; i++) key_enum[i] = yb_enum_find(c, ((yb_expr *)g->decl->keys.items[i])->name);
            if (!check_keys(c, &e->args, nk, key_enum, e->loc, p->name)) return false;
            e->sym_kind = SYM_PARAM_CELL;
            e->sym_index = e->a->sym_index;
            e->type = (yb_type){p->kind, (int16_t)(p->kind == YB_T_ENUM ? p->enum_id : -1)};
            return true;
        }
        if (e->a->sym_kind == SYM_PARAM_RANGE) {
            yb_param *p = &c->prog->params[e->a->sym_index];
            if (e->args.n != 1) { ERR(e->loc, "`%s` takes one value to find its range", p->name); return false; }
            yb_expr *k = e->args.items[0];
            yb_type key = {p->range_key, -1};
            if (!yb_check_value(c, k, &key)) return false;
            yb_coerce_literal(k, key);
            if (!yb_same_type(k->type, key)) {
                if (key.kind == YB_T_TEXT) ERR(k->loc, "`%s` is keyed by text, found %s", p->name, TN(k->type, 1));
                else ERR(k->loc, "`%s` is keyed by ranges of %s, found %s", p->name, TN(key, 0), TN(k->type, 1));
                return false;
            }
            e->sym_kind = SYM_RANGE_CELL;
            e->sym_index = e->a->sym_index;
            e->type = (yb_type){p->kind, (int16_t)(p->kind == YB_T_ENUM ? p->enum_id : -1)};
            return true;
        }
        if (e->a->sym_kind == SYM_TABLE) {
            yb_table_info *t = &c->tables[e->a->sym_index];
            if (!check_keys(c, &e->args, t->nkeys, t->key_enum, e->loc, t->decl->name)) return false;
            e->sym_kind = SYM_TABLE_ROW;
            e->sym_index = e->a->sym_index;
            return true;
        }
        ERR(e->loc, "only tables and keyed parameters take `[keys]`");
        return false;
    }
    case E_UNARY:
        if (e->op == OP_NOT) {
            if (!yb_check_value(c, e->a, NULL)) return false;
            if (e->a->type.kind != YB_T_BOOL) { ERR(e->loc, "`not` needs a condition, found %s", TN(e->a->type, 0)); return false; }
            e->type = T_BOOL;
            return true;
        }
        if (!yb_check_value(c, e->a, want)) return false;
        if (!yb_is_num(e->a->type) && e->a->type.kind != YB_T_DURATION) { ERR(e->loc, "cannot negate %s", TN(e->a->type, 0)); return false; }
        e->type = e->a->type;
        return true;
    case E_BINARY:
        if (e->op == OP_AND || e->op == OP_OR) {
            if (!yb_check_value(c, e->a, NULL) || !yb_check_value(c, e->b, NULL)) return false;
        } else if (!check_pair(c, e->a, e->b)) {
            return false;
        }
        return binary_type(c, e);
    case E_IN: {
        if (!yb_check_value(c, e->a, NULL)) return false;
        for (int i = 0; i < e->args.n; i++) {
            yb_expr *x = e->args.items[i];
            if (!yb_check_value(c, x, &e->a->type)) return false;
            yb_coerce_literal(x, e->a->type);
            if (!yb_same_type(x->type, e->a->type)) {
                ERR(x->loc, "the list holds %s, found %s", TN(e->a->type, 0), TN(x->type, 1));
                return false;
            }
        }
        e->type = T_BOOL;
        return true;
    }
    case E_CALL: return check_call(c, e, want);
    case E_IF:
        if (!yb_check_value(c, e->c, NULL)) return false;
        if (e->c->type.kind != YB_T_BOOL) { ERR(e->c->loc, "`if` needs a condition, found %s", TN(e->c->type, 0)); return false; }
        if (!yb_check_value(c, e->a, want) || !yb_check_value(c, e->b, want ? want : &e->a->type)) return false;
        yb_coerce_literal(e->a, e->b->type);
        yb_coerce_literal(e->b, e->a->type);
        if (!yb_same_type(e->a->type, e->b->type)) {
            ERR(e->loc, "both branches must give one kind: %s and %s", TN(e->a->type, 0), TN(e->b->type, 1));
            return false;
        }
        e->type = e->a->type;
        return true;
    case E_DURATION:
        if (!yb_check_value(c, e->a, NULL)) return false;
        if (e->a->type.kind != YB_T_INT) { ERR(e->loc, "a duration counts whole months, days or years, found %s", TN(e->a->type, 0)); return false; }
        e->type = T_DUR;
        return true;
    case E_PART:
        if (!yb_check_value(c, e->a, NULL)) return false;
        if (e->a->type.kind != YB_T_DATE) { ERR(e->loc, "`year of`, `month of` and `day of` take a date, found %s", TN(e->a->type, 0)); return false; }
        e->type = T_INT;
        return true;
    case E_AGG: {
        if (!yb_check_expr(c, e->b, NULL)) return false;
        if (e->b->sym_kind != SYM_INPUT_LIST) {
            ERR(e->b->loc, "`of … in` runs over a list of the claim (such as `items`)");
            return false;
        }
        if (c->nelem == 16) { ERR(e->loc, "aggregates nested too deep"); return false; }
        c->elem_list_stack[c->nelem++] = c->prog->schema.fields[e->b->sym_index].slot;
        bool ok = true;
        if (e->c) {
            ok = yb_check_value(c, e->c, NULL);
            if (ok && e->c->type.kind != YB_T_BOOL) { ERR(e->c->loc, "`where` needs a condition, found %s", TN(e->c->type, 0)); ok = false; }
        }
        if (ok && e->a) {
            ok = yb_check_value(c, e->a, want);
            if (ok && !yb_is_num(e->a->type)) { ERR(e->a->loc, "`sum of` adds numbers, found %s", TN(e->a->type, 0)); ok = false; }
        }
        c->nelem--;
        if (!ok) return false;
        e->type = e->op == AGG_SUM ? e->a->type : e->op == AGG_COUNT ? T_INT : T_BOOL;
        return true;
    }
    case E_TIERED: {
        if (!yb_check_value(c, e->a, NULL) || !yb_check_value(c, e->b, NULL)) return false;
        if (!yb_check_expr(c, e->c, NULL)) return false;
        if (e->c->sym_kind != SYM_PARAM || e->c->type.kind != YB_T_BANDS) {
            ERR(e->c->loc, "`tiered … by` needs a parameter of type bands");
            return false;
        }
        yb_coerce_literal(e->a, T_MONEY);
        yb_coerce_literal(e->b, T_MONEY);
        if (e->a->type.kind != YB_T_MONEY || e->b->type.kind != YB_T_MONEY) {
            ERR(e->loc, "`tiered amount over running_total by bands` takes money, found %s and %s", TN(e->a->type, 0), TN(e->b->type, 1));
            return false;
        }
        e->type = T_MONEY;
        return true;
    }
    case E_ISNEW:
        if (!yb_check_expr(c, e->a, NULL)) return false;
        if (e->a->sym_kind != SYM_STATE) { ERR(e->loc, "`is new` asks about a state"); return false; }
        e->type = T_BOOL;
        return true;
    }
    return false;
}

static bool assignable(yb_compiler *c, yb_expr *t, const char *verb)
{
    if (!yb_check_expr(c, t, NULL)) return false;
    if (t->sym_kind == SYM_OUTPUT || t->sym_kind == SYM_STATE_FIELD) return true;
    ERR(t->loc, "`%s` changes outputs and state fields only; this is not one", verb);
    return false;
}


static bool check_stmt_inner(yb_compiler *c, yb_stmt *s);

/* The values in a message's braces (lang/message.c): any value the rule
 * could compute here, of a kind the settlement writes as text. */
static bool check_message(yb_compiler *c, yb_stmt *s)
{
    char tnbuf[1][64];
    bool ok = true;
    size_t fixed = 0;
    for (int i = 0; i < s->parts.n; i++) {
        yb_msg_part *m = s->parts.items[i];
        fixed += m->len;
        if (!m->value) continue;
        if (!yb_check_value(c, m->value, NULL)) {
            ok = false;
            continue;
        }
        yb_fold(c, m->value);
        uint8_t k = m->value->type.kind;
        if (k == YB_T_VOID || k == YB_T_RECORD || k == YB_T_LIST || k == YB_T_BANDS) {
            ERR(m->value->loc, "a message writes values such as amounts, rates, dates, counts and names; this is %s",
                TN(m->value->type, 0));
            ok = false;
        }
    }
    if (fixed > YB_MAX_MESSAGE_BYTES - 64) {
        ERR(s->loc, "a message with values is at most %d bytes once written; its text alone is %zu", YB_MAX_MESSAGE_BYTES, fixed);
        ok = false;
    }
    return ok;
}

static bool check_stmt(yb_compiler *c, yb_stmt *s)
{
    if (!check_stmt_inner(c, s)) return false;
    yb_fold(c, s->value);
    return true;
}

static bool check_stmt_inner(yb_compiler *c, yb_stmt *s)
{
    char tnbuf[2][64];
    switch (s->kind) {
    case S_LET: {
        if (!yb_check_value(c, s->value, NULL)) return false;
        bool taken = yb_local_find(c, s->name) || yb_global_find(c, s->name);
        const yb_schema *sc = &c->prog->schema;
        for (int l = 0; l < sc->nlists && !taken; l++) {
            const yb_field *lf = &sc->fields[sc->lists[l].field];
            taken = strcmp(lf->elem_name, s->name) == 0 || yb_schema_child(c, sc->lists[l].field, s->name) >= 0;
        }
        if (taken) {
            ERR(s->loc, "`%s` is already a name here (a claim field, list element field or declaration); choose another", s->name);
            return false;
        }
        if (c->nlocals == 256) { ERR(s->loc, "too many `let`s in one rule"); return false; }
        int sym = yb_sym_new(c, s->value->type.kind);
        s->sym_index = sym;
        c->locals[c->nlocals++] = (yb_local){s->name, SYM_LOCAL, sym, s->value->type};
        return true;
    }
    case S_SET:
    case S_ADD:
    case S_SUBTRACT: {
        const char *verb = s->kind == S_SET ? "set" : s->kind == S_ADD ? "add" : "subtract";
        if (!assignable(c, s->target, verb)) return false;
        if (!yb_check_value(c, s->value, &s->target->type)) return false;
        yb_coerce_literal(s->value, s->target->type);
        if (s->kind != S_SET && !yb_is_num(s->target->type)) {
            ERR(s->loc, "`%s` works on numbers; `%s` is %s", verb, s->target->name ? s->target->name : "this", TN(s->target->type, 0));
            return false;
        }
        if (!yb_same_type(s->value->type, s->target->type)) {
            ERR(s->value->loc, "%s expected (the type of the target), found %s", TN(s->target->type, 0), TN(s->value->type, 1));
            rate_hint(c, s->value, s->target->type.kind);
            return false;
        }
        return true;
    }
    case S_REASON:
        for (int i = 0; i < c->reasons.n; i++)
            if (strcmp(((yb_enum_member *)c->reasons.items[i])->name, s->name) == 0) {
                s->sym_index = i;
                return true;
            }
        ERR(s->loc, "unknown reason code `%s`: declare it in a `reasons` list", s->name);
        {
            const char *cands[256];
            int n = 0;
            for (int i = 0; i < c->reasons.n && n < 256; i++) cands[n++] = ((yb_enum_member *)c->reasons.items[i])->name;
            const char *sg = yb_suggest(s->name, cands, (size_t)n);
            if (sg) yb_note(c->diag, YB_NOLOC, "did you mean `%s`?", sg);
        }
        return false;
    case S_WARN:
    case S_BLOCK:
        return check_message(c, s);
    case S_REJECT:
        if (!check_message(c, s)) return false;
        if (!yb_check_expr(c, s->target, NULL)) return false;
        if (s->target->sym_kind != SYM_INPUT_FIELD && s->target->sym_kind != SYM_INPUT_RECORD &&
            s->target->sym_kind != SYM_INPUT_LIST) {
            ERR(s->target->loc, "`reject` names the claim field that is wrong (such as `member.status`)");
            return false;
        }
        return true;
    case S_IF: {
        if (c->depth >= YB_MAX_NESTING) { /* every pass recurses into nested ifs too */
            ERR(s->loc, "`if` statements nested more than %d deep; split the rule", YB_MAX_NESTING);
            return false;
        }
        if (!yb_check_value(c, s->value, NULL)) return false;
        if (s->value->type.kind != YB_T_BOOL) { ERR(s->value->loc, "`if` needs a condition, found %s", TN(s->value->type, 0)); return false; }
        int mark = c->nlocals;
        c->depth++;
        bool ok = yb_check_stmts(c, &s->then_body);
        c->nlocals = mark;
        ok &= yb_check_stmts(c, &s->else_body);
        c->nlocals = mark;
        c->depth--;
        return ok;
    }
    }
    return false;
}

bool yb_check_stmts(yb_compiler *c, yb_vec *body)
{
    bool ok = true;
    for (int i = 0; i < body->n; i++) ok &= check_stmt(c, body->items[i]);
    return ok;
}
