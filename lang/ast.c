#include "ast.h"

#include <stdlib.h>
#include <string.h>

/* A bump arena: the whole tree is freed at once when compilation ends. */
typedef struct chunk {
    struct chunk *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
} chunk;

struct yb_arena {
    chunk *head;
};

yb_arena *yb_arena_new(void)
{
    yb_arena *a = calloc(1, sizeof *a);
    if (!a) abort();
    return a;
}

void yb_arena_free(yb_arena *a)
{
    if (!a) return;
    chunk *c = a->head;
    while (c) {
        chunk *n = c->next;
        free(c);
        c = n;
    }
    free(a);
}

void *yb_arena_alloc(yb_arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (!a->head || a->head->cap - a->head->used < n) {
        size_t cap = n > 65536 ? n : 65536;
        chunk *c = malloc(sizeof *c + cap);
        if (!c) abort();
        c->next = a->head;
        c->used = 0;
        c->cap = cap;
        a->head = c;
    }
    void *p = a->head->data + a->head->used;
    a->head->used += n;
    memset(p, 0, n);
    return p;
}

char *yb_arena_strndup(yb_arena *a, const char *s, size_t n)
{
    char *p = yb_arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

void yb_vec_push(yb_arena *a, yb_vec *v, void *item)
{
    if (v->n == v->cap) {
        int cap = v->cap ? v->cap * 2 : 4;
        void **items = yb_arena_alloc(a, (size_t)cap * sizeof *items);
        if (v->n) memcpy(items, v->items, (size_t)v->n * sizeof *items);
        v->items = items;
        v->cap = cap;
    }
    v->items[v->n++] = item;
}

yb_expr *yb_expr_new(yb_arena *a, yb_expr_kind k, yb_loc loc)
{
    yb_expr *e = yb_arena_alloc(a, sizeof *e);
    e->kind = k;
    e->loc = loc;
    e->reg = -1;
    return e;
}

yb_stmt *yb_stmt_new(yb_arena *a, yb_stmt_kind k, yb_loc loc)
{
    yb_stmt *s = yb_arena_alloc(a, sizeof *s);
    s->kind = k;
    s->loc = loc;
    return s;
}

yb_decl *yb_decl_new(yb_arena *a, yb_decl_kind k, yb_loc loc)
{
    yb_decl *d = yb_arena_alloc(a, sizeof *d);
    d->kind = k;
    d->loc = loc;
    return d;
}

yb_vec yb_vec1(yb_arena *a, void *item)
{
    yb_vec v = {0};
    yb_vec_push(a, &v, item);
    return v;
}

/* ---------------------------------------------------------------- expressions */

yb_expr *yb_lit(yb_arena *a, yb_expr_kind k, int64_t v, yb_loc loc)
{
    yb_expr *e = yb_expr_new(a, k, loc);
    e->ival = v;
    return e;
}

yb_expr *yb_text_lit(yb_arena *a, const char *s, size_t n, yb_loc loc)
{
    yb_expr *e = yb_expr_new(a, E_TEXT, loc);
    e->name = s;
    e->text_len = n;
    return e;
}

/* A duration literal packed as months:days; one too long to pack is -1,
 * refused by the checker ("duration too long"). */
yb_expr *yb_duration_lit(yb_arena *a, int64_t n, yb_unit unit, yb_loc loc)
{
    int64_t v;
    switch (unit) {
    case UNIT_MONTHS: v = n > 120000 ? -1 : (int64_t)((uint64_t)n << 32); break;
    case UNIT_YEARS: v = n > 10000 ? -1 : (int64_t)((uint64_t)(n * 12) << 32); break;
    default: v = n > 3660000 ? -1 : n; break;
    }
    return yb_lit(a, E_DURATION_LIT, v, loc);
}

yb_expr *yb_name(yb_arena *a, const char *name, yb_loc loc)
{
    yb_expr *e = yb_expr_new(a, E_NAME, loc);
    e->name = name;
    return e;
}

yb_expr *yb_unary(yb_arena *a, yb_op op, yb_expr *x, yb_loc loc)
{
    yb_expr *e = yb_expr_new(a, E_UNARY, loc);
    e->op = op;
    e->a = x;
    return e;
}

yb_expr *yb_binary(yb_arena *a, yb_op op, yb_expr *x, yb_expr *y, yb_loc loc)
{
    yb_expr *e = yb_expr_new(a, E_BINARY, loc);
    e->op = op;
    e->a = x;
    e->b = y;
    return e;
}

yb_expr *yb_if_expr(yb_arena *a, yb_expr *cond, yb_expr *then, yb_expr *otherwise, yb_loc loc)
{
    yb_expr *e = yb_expr_new(a, E_IF, loc);
    e->c = cond;
    e->a = then;
    e->b = otherwise;
    return e;
}

yb_expr *yb_in(yb_arena *a, yb_expr *x, yb_vec values, bool negate, yb_loc loc)
{
    yb_expr *e = yb_expr_new(a, E_IN, loc);
    e->a = x;
    e->args = values;
    e->op = negate;
    return e;
}

yb_expr *yb_is_new(yb_arena *a, yb_expr *state, bool negate, yb_loc loc)
{
    yb_expr *e = yb_expr_new(a, E_ISNEW, loc);
    e->a = state;
    return negate ? yb_unary(a, OP_NOT, e, loc) : e;
}

yb_expr *yb_agg(yb_arena *a, yb_agg_kind k, yb_expr *value, yb_expr *list, yb_expr *where, yb_loc loc)
{
    yb_expr *e = yb_expr_new(a, E_AGG, loc);
    e->op = k;
    e->a = value;
    e->b = list;
    e->c = where;
    return e;
}

yb_expr *yb_date_part(yb_arena *a, yb_part part, yb_expr *date, yb_loc loc)
{
    yb_expr *e = yb_expr_new(a, E_PART, loc);
    e->op = part;
    e->a = date;
    return e;
}

yb_expr *yb_duration_expr(yb_arena *a, yb_expr *count, yb_unit unit, yb_loc loc)
{
    yb_expr *e = yb_expr_new(a, E_DURATION, loc);
    e->op = unit;
    e->a = count;
    return e;
}

yb_expr *yb_tiered(yb_arena *a, yb_expr *amount, yb_expr *base, yb_expr *bands, yb_loc loc)
{
    yb_expr *e = yb_expr_new(a, E_TIERED, loc);
    e->a = amount;
    e->b = base;
    e->c = bands;
    return e;
}

yb_expr *yb_member(yb_arena *a, yb_expr *x, const char *name, yb_loc loc)
{
    yb_expr *e = yb_expr_new(a, E_FIELD, loc);
    e->a = x;
    e->name = name;
    return e;
}

yb_expr *yb_index(yb_arena *a, yb_expr *x, yb_vec keys, yb_loc loc)
{
    yb_expr *e = yb_expr_new(a, E_INDEX, loc);
    e->a = x;
    e->args = keys;
    return e;
}

yb_expr *yb_call(yb_arena *a, const char *fn, yb_vec args, yb_loc loc)
{
    yb_expr *e = yb_expr_new(a, E_CALL, loc);
    e->name = fn;
    e->args = args;
    return e;
}

yb_expr *yb_held(yb_arena *a, yb_loc loc) { return yb_expr_new(a, E_HELD, loc); }

/* ---------------------------------------------------------------- types and fields */

static yb_typex *typex_new(yb_arena *a, yb_typex_kind k, const char *name, yb_loc loc)
{
    yb_typex *t = yb_arena_alloc(a, sizeof *t);
    t->kind = k;
    t->name = name;
    t->loc = loc;
    return t;
}

yb_typex *yb_type_named(yb_arena *a, const char *name, yb_loc loc) { return typex_new(a, TY_NAMED, name, loc); }

yb_typex *yb_type_list(yb_arena *a, const char *record, int64_t min_items, yb_loc loc)
{
    yb_typex *t = typex_new(a, TY_LIST, record, loc);
    t->min_items = (int)(min_items > 1000000 ? 1000000 : min_items);
    return t;
}

yb_typex *yb_type_record(yb_arena *a, yb_vec fields, yb_loc loc)
{
    yb_typex *t = typex_new(a, TY_RECORD, NULL, loc);
    t->fields = fields;
    return t;
}

yb_fielddecl *yb_field_new(yb_arena *a, const char *name, yb_loc loc, yb_typex *type, bool optional, yb_expr *dflt)
{
    yb_fielddecl *f = yb_arena_alloc(a, sizeof *f);
    f->name = name;
    f->loc = loc;
    f->type = type;
    f->optional = optional;
    f->dflt = dflt;
    return f;
}

yb_enum_member *yb_enum_value(yb_arena *a, const char *name, yb_loc loc, bool has_code, int64_t code)
{
    yb_enum_member *m = yb_arena_alloc(a, sizeof *m);
    m->name = name;
    m->loc = loc;
    m->has_code = has_code;
    m->code = code;
    return m;
}

/* ---------------------------------------------------------------- dated versions */

yb_entry *yb_entry_value(yb_arena *a, yb_expr *value)
{
    yb_entry *en = yb_arena_alloc(a, sizeof *en);
    en->value = value;
    return en;
}

yb_entry *yb_entry_band(yb_arena *a, yb_expr *from, yb_expr *to, yb_expr *value, yb_loc loc)
{
    yb_band_decl *b = yb_arena_alloc(a, sizeof *b);
    b->loc = loc;
    b->from = from;
    b->to = to;
    b->rate = value;
    yb_entry *en = yb_arena_alloc(a, sizeof *en);
    en->band = b;
    return en;
}

/* Group the flat entries: key names then values make a row (a name after a
 * value starts the next row); bands stand alone.  The checker regroups rows
 * by the declaration's shape when a column holds enum values. */
yb_version *yb_version_new(yb_arena *a, yb_expr *date, yb_vec entries, yb_loc loc)
{
    yb_version *v = yb_arena_alloc(a, sizeof *v);
    v->loc = loc;
    v->date = date;
    yb_row *row = NULL;
    bool in_values = false;
    for (int i = 0; i < entries.n; i++) {
        yb_entry *en = entries.items[i];
        if (en->band) {
            yb_vec_push(a, &v->bands, en->band);
            continue;
        }
        yb_expr *e = en->value;
        bool is_key = e->kind == E_NAME;
        if (!row || (is_key && in_values)) {
            row = yb_arena_alloc(a, sizeof *row);
            row->loc = e->loc;
            yb_vec_push(a, &v->rows, row);
            in_values = false;
        }
        if (is_key) {
            yb_vec_push(a, &row->keys, e);
        } else {
            yb_vec_push(a, &row->values, e);
            in_values = true;
        }
    }
    return v;
}

/* ---------------------------------------------------------------- declarations */

static yb_decl *named_decl(yb_arena *a, yb_decl_kind k, const char *name, yb_loc loc)
{
    yb_decl *d = yb_decl_new(a, k, loc);
    d->name = name;
    return d;
}

yb_decl *yb_policy_decl(yb_arena *a, const char *name, size_t n, yb_loc loc)
{
    yb_decl *d = yb_decl_new(a, D_POLICY, loc);
    d->text = name;
    d->text_len = n;
    return d;
}

yb_decl *yb_policy_version(yb_arena *a, yb_decl *policy, const char *version)
{
    (void)a;
    policy->version_text = version;
    return policy;
}

yb_decl *yb_policy_effective(yb_arena *a, yb_decl *policy, yb_expr *date)
{
    (void)a;
    policy->date = date;
    return policy;
}

yb_decl *yb_import_decl(yb_arena *a, const char *path, size_t n, yb_loc loc)
{
    yb_decl *d = yb_decl_new(a, D_IMPORT, loc);
    d->text = path;
    d->text_len = n;
    return d;
}

yb_decl *yb_enum_decl(yb_arena *a, const char *name, yb_vec members, yb_loc loc)
{
    yb_decl *d = named_decl(a, D_ENUM, name, loc);
    d->members = members;
    return d;
}

yb_decl *yb_reasons_decl(yb_arena *a, yb_vec codes, yb_loc loc)
{
    yb_decl *d = yb_decl_new(a, D_REASONS, loc);
    d->members = codes;
    return d;
}

yb_decl *yb_fields_decl(yb_arena *a, yb_decl_kind k, const char *name, yb_vec fields, yb_loc loc)
{
    yb_decl *d = named_decl(a, k, name, loc);
    d->fields = fields;
    return d;
}

yb_decl *yb_param_decl(yb_arena *a, const char *name, yb_typex *type, yb_vec keys, yb_vec versions, yb_loc loc)
{
    yb_decl *d = named_decl(a, D_PARAM, name, loc);
    d->type = type;
    d->keys = keys;
    d->versions = versions;
    return d;
}

yb_decl *yb_range_param_decl(yb_arena *a, yb_diag *diag, const char *name, yb_typex *type, const char *range_word,
                             yb_loc range_loc, const char *key_type, yb_vec versions, yb_loc loc)
{
    if (strcmp(range_word, "range") != 0)
        yb_error(diag, range_loc, "expected `range` here (`by range of int`), found `%s`", range_word);
    yb_decl *d = yb_param_decl(a, name, type, (yb_vec){0}, versions, loc);
    d->range_of = key_type;
    d->range_loc = range_loc;
    return d;
}

yb_decl *yb_table_decl(yb_arena *a, const char *name, yb_vec keys, yb_vec columns, yb_vec versions, yb_loc loc)
{
    yb_decl *d = named_decl(a, D_TABLE, name, loc);
    d->keys = keys;
    d->fields = columns;
    d->versions = versions;
    return d;
}

yb_decl *yb_amend_decl(yb_arena *a, yb_decl_kind what, const char *name, yb_vec versions, yb_loc loc)
{
    yb_decl *d = named_decl(a, D_AMEND, name, loc);
    d->amends = what;
    d->versions = versions;
    return d;
}

yb_decl *yb_state_decl(yb_arena *a, const char *name, yb_vec keys, yb_expr *when, yb_vec fields, bool report, yb_loc loc)
{
    yb_decl *d = named_decl(a, D_STATE, name, loc);
    d->keys = keys;
    d->value = when;
    d->fields = fields;
    d->report = report;
    return d;
}

yb_decl *yb_define_decl(yb_arena *a, const char *name, const char *of_record, yb_expr *value, yb_loc loc)
{
    yb_decl *d = named_decl(a, D_DEFINE, name, loc);
    d->of_record = of_record;
    d->value = value;
    return d;
}

yb_decl *yb_dated_decl(yb_arena *a, yb_expr *date, yb_loc loc)
{
    yb_decl *d = yb_decl_new(a, D_DATED, loc);
    d->value = date;
    return d;
}

yb_change *yb_change_new(yb_arena *a, yb_change_kind k, const char *column, yb_loc column_loc, yb_expr *value, yb_vec keys,
                         yb_expr *where, yb_loc loc)
{
    yb_change *ch = yb_arena_alloc(a, sizeof *ch);
    *ch = (yb_change){k, loc, column, column_loc, value, keys, where};
    return ch;
}

yb_version *yb_version_changes(yb_arena *a, yb_expr *date, yb_vec changes, yb_loc loc)
{
    yb_version *v = yb_arena_alloc(a, sizeof *v);
    v->loc = loc;
    v->date = date;
    v->changes = changes;
    return v;
}

yb_decl *yb_stage_decl(yb_arena *a, const char *name, const char *desc, size_t n, yb_loc loc)
{
    yb_decl *d = named_decl(a, D_STAGE, name, loc);
    d->text = desc;
    d->text_len = n;
    return d;
}

yb_decl *yb_invariant_decl(yb_arena *a, const char *desc, size_t n, yb_expr *e, yb_expr *when, yb_loc loc)
{
    yb_decl *d = yb_decl_new(a, D_INVARIANT, loc);
    d->text = desc;
    d->text_len = n;
    d->value = e;
    d->cond = when;
    return d;
}

yb_decl *yb_invariant_all(yb_arena *a, yb_diag *diag, const char *desc, size_t n, const char *type, const char *word,
                          yb_loc word_loc, yb_expr *value, yb_loc loc)
{
    if (strcmp(word, "outputs") != 0)
        yb_error(diag, word_loc, "expected `outputs` here, found `%s` (`invariant all money outputs >= 0`)", word);
    yb_decl *d = yb_invariant_decl(a, desc, n, value, NULL, loc);
    d->all_of_type = type;
    return d;
}

yb_decl *yb_extern_decl(yb_arena *a, yb_diag *diag, const char *fn_word, yb_loc fn_loc, const char *name, yb_vec params,
                        yb_typex *result, const char *lib, size_t lib_len, yb_loc loc)
{
    if (strcmp(fn_word, "fn") != 0)
        yb_error(diag, fn_loc, "expected `fn` here (`extern fn NAME(…) -> TYPE from \"LIBRARY\"`), found `%s`", fn_word);
    yb_decl *d = named_decl(a, D_EXTERN, name, loc);
    d->fields = params;
    d->type = result;
    d->text = lib;
    d->text_len = lib_len;
    return d;
}

yb_decl *yb_place(yb_arena *a, yb_diag *diag, yb_decl *d, const char *stage, yb_loc stage_loc, const char *rel,
                  yb_loc rel_loc, const char *anchor, yb_loc anchor_loc)
{
    (void)a;
    if (!d || !stage) return d;
    d->stage = stage;
    d->stage_loc = stage_loc;
    if (rel) {
        if (strcmp(rel, "before") == 0) d->stage_rel = -1;
        else if (strcmp(rel, "after") == 0) d->stage_rel = 1;
        else yb_error(diag, rel_loc, "expected `before` or `after` here, found `%s` (`in pay after 分娩`)", rel);
        d->anchor = anchor;
        d->anchor_loc = anchor_loc;
    }
    return d;
}

yb_decl *yb_rule_decl(yb_arena *a, const char *name, const char *desc, size_t desc_len, yb_expr *when, yb_vec body,
                      yb_loc loc)
{
    yb_decl *d = named_decl(a, D_RULE, name, loc);
    d->text = desc;
    d->text_len = desc_len;
    d->value = when;
    d->body = body;
    return d;
}

/* ---------------------------------------------------------------- statements */

yb_stmt *yb_let(yb_arena *a, const char *name, yb_expr *value, yb_loc loc)
{
    yb_stmt *s = yb_stmt_new(a, S_LET, loc);
    s->name = name;
    s->value = value;
    return s;
}

yb_stmt *yb_assign(yb_arena *a, yb_stmt_kind k, yb_expr *target, yb_expr *value, yb_loc loc)
{
    yb_stmt *s = yb_stmt_new(a, k, loc);
    s->target = target;
    s->value = value;
    return s;
}

yb_stmt *yb_reason(yb_arena *a, const char *code, yb_loc loc)
{
    yb_stmt *s = yb_stmt_new(a, S_REASON, loc);
    s->name = code;
    return s;
}

yb_stmt *yb_alert_stmt(yb_arena *a, yb_stmt_kind k, const char *id, const char *msg, size_t n, yb_loc loc)
{
    yb_stmt *s = yb_stmt_new(a, k, loc);
    s->name = id;
    s->message = msg;
    s->message_len = n;
    return s;
}

yb_stmt *yb_reject(yb_arena *a, yb_expr *field, const char *msg, size_t n, yb_loc loc)
{
    yb_stmt *s = yb_stmt_new(a, S_REJECT, loc);
    s->target = field;
    s->message = msg;
    s->message_len = n;
    return s;
}

yb_stmt *yb_if_stmt(yb_arena *a, yb_expr *cond, yb_vec then_body, yb_vec else_body, yb_loc loc)
{
    yb_stmt *s = yb_stmt_new(a, S_IF, loc);
    s->value = cond;
    s->then_body = then_body;
    s->else_body = else_body;
    return s;
}
