/* Names and types.  Every expression gets its type and the symbol it names;
 * the input block becomes the reader's schema, parameters and tables become
 * dated cells, and mistakes an analyst makes get a message that says what
 * was expected (and the likely name on a typo). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "parser.tab.h"

#define A (c->arena)
#define ERR(loc, ...) yb_error(c->diag, (loc), __VA_ARGS__)

static const yb_type T_VOID = {YB_T_VOID, -1}, T_BOOL = {YB_T_BOOL, -1}, T_INT = {YB_T_INT, -1},
                     T_MONEY = {YB_T_MONEY, -1}, T_RATE = {YB_T_RATE, -1}, T_DATE = {YB_T_DATE, -1},
                     T_DUR = {YB_T_DURATION, -1}, T_TEXT = {YB_T_TEXT, -1};

static bool same_type(yb_type a, yb_type b)
{
    return a.kind == b.kind && (a.kind != YB_T_ENUM || a.enum_id == b.enum_id);
}

static bool is_num(yb_type t) { return t.kind == YB_T_INT || t.kind == YB_T_MONEY || t.kind == YB_T_RATE; }
static bool is_ordered(yb_type t) { return is_num(t) || t.kind == YB_T_DATE || t.kind == YB_T_ENUM; }

const char *yb_type_name(yb_compiler *c, yb_type t, char *buf, size_t n)
{
    static const char *const names[] = {"nothing", "bool", "int", "money", "rate", "date", "duration", "text",
                                        "enum", "record", "list", "bands"};
    if (t.kind == YB_T_ENUM && t.enum_id >= 0 && t.enum_id < c->enums.n) {
        yb_decl *d = c->enums.items[t.enum_id];
        snprintf(buf, n, "%s", d->name);
    } else if (t.kind < sizeof names / sizeof names[0]) {
        snprintf(buf, n, "%s", names[t.kind]);
    } else {
        snprintf(buf, n, "?");
    }
    return buf;
}
#define TN(t, i) yb_type_name(c, (t), tnbuf[i], sizeof tnbuf[i])

int yb_reg_new(yb_compiler *c, uint8_t kind)
{
    yb_program *p = c->prog;
    if (p->nregs >= YB_MAX_REGS) {
        ERR(YB_NOLOC, "the policy needs more than %d registers; split large rules", YB_MAX_REGS);
        return 0;
    }
    if (p->nregs == c->cap_regs) {
        c->cap_regs = c->cap_regs ? c->cap_regs * 2 : 256;
        p->reg_kinds = realloc(p->reg_kinds, (size_t)c->cap_regs);
    }
    p->reg_kinds[p->nregs] = kind;
    return p->nregs++;
}

int yb_const_add(yb_compiler *c, int64_t v, uint8_t kind)
{
    yb_program *p = c->prog;
    for (int i = 0; i < p->nconsts; i++)
        if (p->consts[i] == v && p->const_kinds[i] == kind) return i;
    if ((p->nconsts & (p->nconsts - 1)) == 0) {
        int cap = p->nconsts ? p->nconsts * 2 : 16;
        p->consts = realloc(p->consts, (size_t)cap * sizeof *p->consts);
        p->const_kinds = realloc(p->const_kinds, (size_t)cap);
    }
    p->consts[p->nconsts] = v;
    p->const_kinds[p->nconsts] = kind;
    return p->nconsts++;
}

static uint64_t text_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

/* A text constant in the pool; an identical one is stored once (a hash of
 * the texts already there keeps this fast for policies with many keys). */
int64_t yb_text_const(yb_compiler *c, const char *s, size_t n)
{
    yb_program *p = c->prog;
    if ((c->pool_count + 1) * 2 > c->pool_cap) {
        size_t cap = c->pool_cap ? c->pool_cap * 2 : 256;
        int64_t *idx = calloc(cap, sizeof *idx);
        for (size_t i = 0; i < c->pool_cap; i++) {
            int64_t v = c->pool_index[i];
            if (!v) continue;
            size_t j = text_hash(p->pool + yb_text_offset(v), yb_text_length(v)) & (cap - 1);
            while (idx[j]) j = (j + 1) & (cap - 1);
            idx[j] = v;
        }
        free(c->pool_index);
        c->pool_index = idx;
        c->pool_cap = cap;
    }
    size_t j = text_hash(s, n) & (c->pool_cap - 1);
    for (int64_t v; (v = c->pool_index[j]) != 0; j = (j + 1) & (c->pool_cap - 1))
        if (yb_text_length(v) == n && memcmp(p->pool + yb_text_offset(v), s, n) == 0) return v;
    p->pool = realloc(p->pool, p->pool_len + n + 1);
    memcpy(p->pool + p->pool_len, s, n);
    int64_t v = yb_text_make(p->pool_len, (uint32_t)n, true); /* the pool bit makes it non-zero */
    p->pool_len += (uint32_t)n;
    c->pool_index[j] = v;
    c->pool_count++;
    return v;
}

static char *xstrdup(const char *s) { return s ? strdup(s) : NULL; }

/* ---------------------------------------------------------------- names */

yb_global *yb_global_find(yb_compiler *c, const char *name)
{
    for (int i = 0; i < c->nglobals; i++)
        if (strcmp(c->globals[i].name, name) == 0) return &c->globals[i];
    return NULL;
}

static yb_global *global_add(yb_compiler *c, const char *name, yb_sym_kind kind, int index, yb_type t,
                             yb_decl *d, yb_loc loc)
{
    yb_global *old = yb_global_find(c, name);
    if (old) {
        ERR(loc, "`%s` is declared twice", name);
        yb_note(c->diag, old->loc, "the first declaration of `%s` is here", name);
        return NULL;
    }
    if (c->nglobals == c->capglobals) {
        c->capglobals = c->capglobals ? c->capglobals * 2 : 64;
        c->globals = realloc(c->globals, (size_t)c->capglobals * sizeof *c->globals);
    }
    yb_global *g = &c->globals[c->nglobals++];
    *g = (yb_global){name, kind, index, t, d, 0, loc};
    return g;
}

static int enum_find(yb_compiler *c, const char *name)
{
    for (int i = 0; i < c->enums.n; i++)
        if (strcmp(((yb_decl *)c->enums.items[i])->name, name) == 0) return i;
    return -1;
}

static int enum_member(yb_compiler *c, int id, const char *name)
{
    yb_decl *d = c->enums.items[id];
    for (int i = 0; i < d->members.n; i++)
        if (strcmp(((yb_enum_member *)d->members.items[i])->name, name) == 0) return i;
    return -1;
}

static yb_decl *record_find(yb_compiler *c, const char *name)
{
    for (int i = 0; i < c->records.n; i++)
        if (strcmp(((yb_decl *)c->records.items[i])->name, name) == 0) return c->records.items[i];
    return NULL;
}

/* Every name that could have been meant, for "did you mean". */
static void suggest_name(yb_compiler *c, const char *name, yb_loc loc, int want_enum)
{
    int cap = c->nglobals + c->nlocals + 64, n = 0;
    const char **cands = malloc((size_t)cap * sizeof *cands);
    for (int i = 0; i < c->nglobals; i++) cands[n++] = c->globals[i].name;
    for (int i = 0; i < c->nlocals; i++) cands[n++] = c->locals[i].name;
    for (int k = 0; k < c->nelem; k++) {
        const yb_schema *s = &c->prog->schema;
        const yb_field *lf = &s->fields[s->lists[c->elem_list_stack[k]].field];
        for (int f = lf->first; f < lf->first + lf->count; f++) {
            if (n == cap) cands = realloc(cands, (size_t)(cap *= 2) * sizeof *cands);
            cands[n++] = s->fields[f].name;
        }
    }
    if (want_enum >= 0) {
        yb_decl *d = c->enums.items[want_enum];
        for (int i = 0; i < d->members.n && n < cap; i++) cands[n++] = ((yb_enum_member *)d->members.items[i])->name;
    }
    const char *s = yb_suggest(name, cands, (size_t)n);
    if (s) yb_note(c->diag, YB_NOLOC, "did you mean `%s`?", s);
    free(cands);
    (void)loc;
}

static int schema_child(yb_compiler *c, int field, const char *name)
{
    const yb_field *f = &c->prog->schema.fields[field];
    for (int i = f->first; i < f->first + f->count; i++)
        if (strcmp(c->prog->schema.fields[i].name, name) == 0) return i;
    return -1;
}

static void suggest_child(yb_compiler *c, int field, const char *name)
{
    const yb_field *f = &c->prog->schema.fields[field];
    const char *cands[256];
    int n = 0;
    for (int i = f->first; i < f->first + f->count && n < 256; i++) cands[n++] = c->prog->schema.fields[i].name;
    const char *s = yb_suggest(name, cands, (size_t)n);
    if (s) yb_note(c->diag, YB_NOLOC, "did you mean `%s`?", s);
    else if (n) {
        char list[512];
        int len = 0;
        for (int i = 0; i < n && len < 400; i++) len += snprintf(list + len, sizeof list - (size_t)len, "%s%s", i ? ", " : "", cands[i]);
        yb_note(c->diag, YB_NOLOC, "its fields are: %s", list);
    }
}

/* ---------------------------------------------------------------- types as written */

static bool scalar_type(yb_compiler *c, const char *name, yb_type *out)
{
    static const struct { const char *n; uint8_t k; } base[] = {
        {"bool", YB_T_BOOL}, {"int", YB_T_INT}, {"money", YB_T_MONEY}, {"rate", YB_T_RATE},
        {"date", YB_T_DATE}, {"duration", YB_T_DURATION}, {"text", YB_T_TEXT}, {"bands", YB_T_BANDS}};
    for (size_t i = 0; i < sizeof base / sizeof base[0]; i++)
        if (strcmp(base[i].n, name) == 0) {
            *out = (yb_type){base[i].k, -1};
            return true;
        }
    int e = enum_find(c, name);
    if (e >= 0) {
        *out = (yb_type){YB_T_ENUM, (int16_t)e};
        return true;
    }
    return false;
}

static void unknown_type(yb_compiler *c, yb_typex *t)
{
    ERR(t->loc, "unknown type `%s`", t->name);
    const char *cands[128] = {"bool", "int", "money", "rate", "date", "duration", "text", "bands"};
    int n = 8;
    for (int i = 0; i < c->enums.n && n < 120; i++) cands[n++] = ((yb_decl *)c->enums.items[i])->name;
    for (int i = 0; i < c->records.n && n < 127; i++) cands[n++] = ((yb_decl *)c->records.items[i])->name;
    const char *s = yb_suggest(t->name, cands, (size_t)n);
    if (s) yb_note(c->diag, YB_NOLOC, "did you mean `%s`?", s);
}

/* ---------------------------------------------------------------- constant expressions */

static bool check_expr(yb_compiler *c, yb_expr *e, const yb_type *want);

/* A literal (or folded constant) of the wanted type: defaults, table cells. */
static bool const_value(yb_compiler *c, yb_expr *e, yb_type want, int64_t *out)
{
    char tnbuf[2][64];
    if (want.kind == YB_T_ENUM && e->kind == E_NAME) {
        int m = enum_member(c, want.enum_id, e->name);
        if (m < 0) {
            ERR(e->loc, "`%s` is not a value of %s", e->name, TN(want, 0));
            suggest_name(c, e->name, e->loc, want.enum_id);
            return false;
        }
        *out = m;
        return true;
    }
    if (!check_expr(c, e, &want)) return false;
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
    if (!same_type(e->type, want)) {
        ERR(e->loc, "%s expected here, found %s", TN(want, 0), TN(e->type, 1));
        return false;
    }
    if (want.kind == YB_T_TEXT) *out = yb_text_const(c, e->name, e->text_len);
    else *out = e->ival;
    return true;
}

/* ---------------------------------------------------------------- the input schema */

static int schema_add(yb_compiler *c, int n)
{
    yb_schema *s = &c->prog->schema;
    if (s->nfields + n > c->cap_fields) {
        while (s->nfields + n > c->cap_fields) c->cap_fields = c->cap_fields ? c->cap_fields * 2 : 64;
        s->fields = realloc(s->fields, (size_t)c->cap_fields * sizeof *s->fields);
    }
    int first = s->nfields;
    memset(&s->fields[first], 0, (size_t)n * sizeof *s->fields);
    s->nfields += n;
    return first;
}

/* Lay out the fields of a record: children [first, first+n), slots from *slot. */
static bool layout_fields(yb_compiler *c, yb_vec *fields, int first, int *slot, bool in_element, int depth);

static bool layout_field(yb_compiler *c, yb_fielddecl *fd, int idx, int *slot, bool in_element, int depth)
{
    char tnbuf[1][64];
    yb_schema *s = &c->prog->schema;
    yb_field *f = &s->fields[idx];
    f->name = strdup(fd->name);
    if (!fd->type) {
        ERR(fd->loc, "`%s` needs a type (`%s: money`)", fd->name, fd->name);
        return false;
    }
    yb_typex *t = fd->type;
    yb_vec *sub = NULL;
    if (t->kind == TY_RECORD) sub = &t->fields;
    else if (t->kind == TY_NAMED && record_find(c, t->name)) sub = &record_find(c, t->name)->fields;
    if (depth > 8) {
        ERR(fd->loc, "records nested more than 8 deep");
        return false;
    }
    if (sub) {
        f = &s->fields[idx];
        f->kind = YB_T_RECORD;
        f->flags = fd->optional ? 0 : YB_F_REQUIRED;
        f->slot = (*slot)++;
        int first = schema_add(c, sub->n);
        f = &s->fields[idx];
        f->first = first;
        f->count = sub->n;
        return layout_fields(c, sub, first, slot, in_element, depth + 1);
    }
    if (t->kind == TY_LIST) {
        yb_decl *rec = record_find(c, t->name);
        if (in_element) {
            ERR(t->loc, "a list inside a list element is not supported");
            return false;
        }
        if (!rec) {
            ERR(t->loc, "a list holds records: `%s` is not a record declared with `record %s { … }`", t->name, t->name);
            return false;
        }
        int li = s->nlists++;
        s->lists = realloc(s->lists, (size_t)s->nlists * sizeof *s->lists);
        f->kind = YB_T_LIST;
        f->flags = fd->optional ? 0 : YB_F_REQUIRED;
        f->slot = li;
        f->min_items = t->min_items;
        f->elem_name = strdup(rec->name);
        int first = schema_add(c, rec->fields.n);
        f = &s->fields[idx];
        f->first = first;
        f->count = rec->fields.n;
        int eslot = 0;
        bool ok = layout_fields(c, &rec->fields, first, &eslot, true, depth + 1);
        s->lists[li].field = idx;
        s->lists[li].elem_nslots = eslot;
        return ok;
    }
    yb_type ty;
    if (!scalar_type(c, t->name, &ty)) {
        unknown_type(c, t);
        return false;
    }
    if (ty.kind == YB_T_BANDS || ty.kind == YB_T_DURATION || ty.kind == YB_T_RATE) {
        ERR(t->loc, "input fields cannot be %s; claims carry money, int, bool, date, text and enums", TN(ty, 0));
        return false;
    }
    f->kind = ty.kind;
    f->enum_id = (uint16_t)(ty.kind == YB_T_ENUM ? ty.enum_id : 0);
    f->slot = (*slot)++;
    if (fd->dflt) {
        int64_t v;
        if (!const_value(c, fd->dflt, ty, &v)) return false;
        f = &s->fields[idx];
        f->flags = YB_F_DEFAULT;
        f->dflt = v;
    } else if (!fd->optional) {
        f->flags = YB_F_REQUIRED;
    }
    return true;
}

static bool layout_fields(yb_compiler *c, yb_vec *fields, int first, int *slot, bool in_element, int depth)
{
    bool ok = true;
    for (int i = 0; i < fields->n; i++) {
        yb_fielddecl *fd = fields->items[i];
        for (int j = 0; j < i; j++)
            if (strcmp(((yb_fielddecl *)fields->items[j])->name, fd->name) == 0) {
                ERR(fd->loc, "field `%s` is declared twice in this record", fd->name);
                ok = false;
            }
        ok &= layout_field(c, fd, first + i, slot, in_element, depth);
    }
    return ok;
}

static bool build_schema(yb_compiler *c)
{
    yb_schema *s = &c->prog->schema;
    /* the schema carries every enum, so readers can name allowed values */
    s->nenums = c->enums.n;
    s->enums = calloc((size_t)(s->nenums ? s->nenums : 1), sizeof *s->enums);
    for (int i = 0; i < c->enums.n; i++) {
        yb_decl *d = c->enums.items[i];
        yb_enum_desc *ed = &s->enums[i];
        ed->name = strdup(d->name);
        ed->n = d->members.n;
        ed->names = calloc((size_t)ed->n, sizeof *ed->names);
        bool codes = false;
        for (int m = 0; m < ed->n; m++) {
            yb_enum_member *em = d->members.items[m];
            ed->names[m] = strdup(em->name);
            codes |= em->has_code;
        }
        if (codes) {
            ed->codes = calloc((size_t)ed->n, sizeof *ed->codes);
            for (int m = 0; m < ed->n; m++) {
                yb_enum_member *em = d->members.items[m];
                if (!em->has_code) ERR(em->loc, "give every member of `%s` a code, or none", d->name);
                ed->codes[m] = em->code;
            }
        }
    }
    if (!c->input) {
        yb_loc at = {.file = c->steps.n ? ((yb_decl *)c->steps.items[0])->loc.file : -1};
        ERR(at, "the policy declares no `input` block: say what a claim looks like (`input claim { claim_id: text … }`)");
        return false;
    }
    s->root_count = c->input->fields.n;
    s->root_first = schema_add(c, s->root_count);
    int slot = 0;
    bool ok = layout_fields(c, &c->input->fields, s->root_first, &slot, false, 0);
    s->nslots = slot;
    /* root fields are names of their own */
    for (int i = 0; i < s->root_count && ok; i++) {
        yb_field *f = &s->fields[s->root_first + i];
        yb_sym_kind k = f->kind == YB_T_RECORD ? SYM_INPUT_RECORD : f->kind == YB_T_LIST ? SYM_INPUT_LIST : SYM_INPUT_FIELD;
        yb_type t = {f->kind, (int16_t)(f->kind == YB_T_ENUM ? f->enum_id : s->root_first + i)};
        global_add(c, f->name, k, s->root_first + i, t, c->input, ((yb_fielddecl *)c->input->fields.items[i])->loc);
    }
    return ok;
}

/* ---------------------------------------------------------------- expressions */

static yb_local *local_find(yb_compiler *c, const char *name)
{
    for (int i = c->nlocals - 1; i >= 0; i--)
        if (strcmp(c->locals[i].name, name) == 0) return &c->locals[i];
    return NULL;
}

static void set_sym(yb_expr *e, yb_sym_kind k, int index, yb_type t)
{
    e->sym_kind = k;
    e->sym_index = index;
    e->type = t;
}

static yb_type field_type(yb_compiler *c, int fi)
{
    const yb_field *f = &c->prog->schema.fields[fi];
    if (f->kind == YB_T_ENUM) return (yb_type){YB_T_ENUM, (int16_t)f->enum_id};
    return (yb_type){f->kind, (int16_t)fi};
}

static bool is_elem_field(yb_compiler *c, int fi, int *list)
{
    const yb_schema *s = &c->prog->schema;
    for (int li = 0; li < s->nlists; li++) {
        const yb_field *lf = &s->fields[s->lists[li].field];
        /* element fields (and fields of records inside elements) follow the list's own children */
        if (fi >= lf->first && fi < lf->first + lf->count) { *list = li; return true; }
        for (int k = lf->first; k < lf->first + lf->count; k++) {
            const yb_field *r = &s->fields[k];
            if (r->kind == YB_T_RECORD && fi >= r->first && fi < r->first + r->count) { *list = li; return true; }
        }
    }
    return false;
}

/* A derived element value of list li named `name`, or -1. */
static int derived_find(yb_compiler *c, int li, const char *name)
{
    for (int k = 0; k < c->derived.n; k++) {
        yb_decl *d = c->derived.items[k];
        if (c->prog->derived[k].list == li && strcmp(d->name, name) == 0) return k;
    }
    return -1;
}

static bool use_derived(yb_compiler *c, yb_expr *e, int k, bool quiet)
{
    yb_decl *d = c->derived.items[k];
    if (d->index >= c->cur_order && c->cur_order >= 0) {
        if (!quiet) {
            ERR(e->loc, "`%s` is used before it is worked out: its definition comes later", d->name);
            yb_note(c->diag, d->loc, "`%s` is defined here; move it above this use", d->name);
        }
        return false;
    }
    d->used = true;
    const yb_derived *dv = &c->prog->derived[k];
    set_sym(e, SYM_ELEM_DERIVED, k, (yb_type){dv->kind, (int16_t)(dv->kind == YB_T_ENUM ? dv->enum_id : -1)});
    return true;
}

static bool resolve_name(yb_compiler *c, yb_expr *e, const yb_type *want, bool quiet)
{
    yb_local *l = local_find(c, e->name);
    if (l) {
        set_sym(e, l->kind, l->index, l->type);
        return true;
    }
    /* fields of the list elements being aggregated */
    for (int k = c->nelem - 1; k >= 0; k--) {
        const yb_schema *s = &c->prog->schema;
        const yb_field *lf = &s->fields[s->lists[c->elem_list_stack[k]].field];
        if (strcmp(lf->elem_name, e->name) == 0) {
            set_sym(e, SYM_ELEM_RECORD, s->lists[c->elem_list_stack[k]].field, (yb_type){YB_T_RECORD, -1});
            return true;
        }
        int fi = schema_child(c, s->lists[c->elem_list_stack[k]].field, e->name);
        if (fi >= 0) {
            yb_sym_kind kind = s->fields[fi].kind == YB_T_RECORD ? SYM_ELEM_RECORD : SYM_ELEM_FIELD;
            set_sym(e, kind, fi, field_type(c, fi));
            return true;
        }
        int dk = derived_find(c, c->elem_list_stack[k], e->name);
        if (dk >= 0) return use_derived(c, e, dk, quiet);
    }
    if (want && want->kind == YB_T_ENUM) {
        int m = enum_member(c, want->enum_id, e->name);
        if (m >= 0) {
            set_sym(e, SYM_ENUM_MEMBER, m, *want);
            e->constant = true;
            e->ival = m;
            return true;
        }
    }
    yb_global *g = yb_global_find(c, e->name);
    if (g) {
        if ((g->kind == SYM_DEFINE || g->kind == SYM_STATE || g->kind == SYM_STATE_FIELD) && g->order >= c->cur_order) {
            if (!quiet) {
                ERR(e->loc, "`%s` is used before it is worked out: its declaration comes later", e->name);
                yb_note(c->diag, g->decl->loc, "`%s` is declared here; move it above this use", e->name);
            }
            return false;
        }
        if (g->kind == SYM_DEFINE && g->index == -2)
            return false; /* its definition failed and was reported: say nothing more */
        if (g->kind == SYM_PARAM || g->kind == SYM_PARAM_KEYED || g->kind == SYM_PARAM_RANGE) c->param_used[g->index] = 1;
        if (g->kind == SYM_TABLE) c->tables[g->index].decl->used = true;
        if (g->decl && (g->kind == SYM_DEFINE)) g->decl->used = true;
        set_sym(e, g->kind, g->index, g->type);
        return true;
    }
    int en = enum_find(c, e->name);
    if (en >= 0) {
        set_sym(e, SYM_ENUM_TYPE, en, T_VOID);
        return true;
    }
    if (!quiet) {
        if (want && want->kind == YB_T_ENUM) {
            char tnbuf[1][64];
            ERR(e->loc, "unknown name `%s` (not a value of %s either)", e->name, TN(*want, 0));
            suggest_name(c, e->name, e->loc, want->enum_id);
        } else {
            ERR(e->loc, "unknown name `%s`", e->name);
            suggest_name(c, e->name, e->loc, -1);
        }
    }
    return false;
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
static void coerce_literal(yb_expr *e, yb_type to)
{
    /* `200` or `-5` written where money is expected; within the money range only */
    bool lit = e->kind == E_INT || (e->kind == E_UNARY && e->op == '-' && e->a->kind == E_INT);
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

static bool check_value(yb_compiler *c, yb_expr *e, const yb_type *want)
{
    return check_expr(c, e, want) && is_value(c, e);
}

/* Check two operands that must agree: the second may take its enum context
 * from the first, or the other way round. */
static bool check_pair(yb_compiler *c, yb_expr *a, yb_expr *b)
{
    if (a->kind == E_NAME && !local_find(c, a->name) && !yb_global_find(c, a->name) && enum_find(c, a->name) < 0 &&
        b->kind != E_NAME) {
        if (!check_value(c, b, NULL)) return false;
        return check_value(c, a, &b->type);
    }
    if (!check_value(c, a, NULL)) return false;
    return check_value(c, b, &a->type);
}

static bool binary_type(yb_compiler *c, yb_expr *e)
{
    char tnbuf[2][64];
    yb_expr *a = e->a, *b = e->b;
    if (e->op != '*' && e->op != '/') { /* in a product a whole number is a multiplier, not yuan */
        coerce_literal(a, b->type);
        coerce_literal(b, a->type);
    }
    yb_type ta = a->type, tb = b->type;
    uint8_t ka = ta.kind, kb = tb.kind;
    switch (e->op) {
    case '+':
    case '-':
        if (is_num(ta) && same_type(ta, tb)) { e->type = ta; return true; }
        if (ka == YB_T_DATE && kb == YB_T_DURATION) { e->type = T_DATE; return true; }
        if (e->op == '+' && ka == YB_T_DURATION && kb == YB_T_DURATION) { e->type = T_DUR; return true; }
        if (e->op == '-' && ka == YB_T_DATE && kb == YB_T_DATE) { e->type = T_INT; return true; }
        if (e->op == '+' && ka == YB_T_DURATION && kb == YB_T_DATE) {
            ERR(e->loc, "write the date first: `date + duration`");
            return false;
        }
        ERR(e->loc, "cannot %s %s and %s", e->op == '+' ? "add" : "subtract", TN(ta, 0), TN(tb, 1));
        if ((ka == YB_T_MONEY && kb == YB_T_RATE) || (ka == YB_T_RATE && kb == YB_T_MONEY))
            yb_note(c->diag, YB_NOLOC, "a rate applies to money by multiplying: `amount * 85%%`");
        if (ka == YB_T_DATE && kb == YB_T_INT)
            yb_note(c->diag, YB_NOLOC, "say the unit: `date + 10 days` or `date + 3 months`");
        return false;
    case '*':
        if ((ka == YB_T_MONEY && kb == YB_T_RATE) || (ka == YB_T_RATE && kb == YB_T_MONEY)) { e->type = T_MONEY; return true; }
        if ((ka == YB_T_MONEY && kb == YB_T_INT) || (ka == YB_T_INT && kb == YB_T_MONEY)) { e->type = T_MONEY; return true; }
        if ((ka == YB_T_RATE && kb == YB_T_INT) || (ka == YB_T_INT && kb == YB_T_RATE)) { e->type = T_RATE; return true; }
        if (ka == YB_T_RATE && kb == YB_T_RATE) { e->type = T_RATE; return true; }
        if (ka == YB_T_INT && kb == YB_T_INT) { e->type = T_INT; return true; }
        if (ka == YB_T_MONEY && kb == YB_T_MONEY) {
            ERR(e->loc, "cannot multiply money by money");
            return false;
        }
        ERR(e->loc, "cannot multiply %s by %s", TN(ta, 0), TN(tb, 1));
        return false;
    case '/':
        if (ka == YB_T_MONEY && kb == YB_T_RATE) { e->type = T_MONEY; return true; }
        if (ka == YB_T_MONEY && kb == YB_T_MONEY) { e->type = T_RATE; return true; }
        if ((ka == YB_T_MONEY || ka == YB_T_RATE) && kb == YB_T_INT) { e->type = ta; return true; }
        if (ka == YB_T_INT && kb == YB_T_INT) {
            ERR(e->loc, "whole numbers do not divide exactly: divide money, or use a rate");
            return false;
        }
        ERR(e->loc, "cannot divide %s by %s", TN(ta, 0), TN(tb, 1));
        return false;
    case '=':
    case NE:
        if (same_type(ta, tb) && ka != YB_T_BANDS) { e->type = T_BOOL; return true; }
        ERR(e->loc, "cannot compare %s with %s", TN(ta, 0), TN(tb, 1));
        return false;
    case '<': case LE: case '>': case GE:
        if (same_type(ta, tb) && (is_ordered(ta))) { e->type = T_BOOL; return true; }
        ERR(e->loc, "cannot order %s and %s", TN(ta, 0), TN(tb, 1));
        return false;
    case '&':
    case '|':
        if (ka == YB_T_BOOL && kb == YB_T_BOOL) { e->type = T_BOOL; return true; }
        ERR(e->loc, "`%s` joins conditions (bool), found %s and %s", e->op == '&' ? "and" : "or", TN(ta, 0), TN(tb, 1));
        return false;
    }
    return false;
}

static bool check_call(yb_compiler *c, yb_expr *e, const yb_type *want)
{
    char tnbuf[2][64];
    const char *f = e->name;
    int n = e->args.n;
    yb_expr **args = (yb_expr **)e->args.items;
    if (strcmp(f, "given") == 0) {
        if (n != 1) { ERR(e->loc, "given(field) takes one input field"); return false; }
        if (!check_expr(c, args[0], NULL)) return false;
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
        if (!check_value(c, args[0], want)) return false;
        yb_expr *x = args[0];
        if (x->kind != E_BINARY || (x->op != '*' && x->op != '/') || x->type.kind == YB_T_INT) {
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
            if (!check_value(c, args[i], want)) return false;
        for (int i = 0; i < n; i++) {
            bool whole = args[i]->type.kind == YB_T_INT && (args[i]->kind == E_INT ||
                         (args[i]->kind == E_UNARY && args[i]->op == '-' && args[i]->a->kind == E_INT));
            if (!whole) t = args[i]->type; /* a bare whole number takes the others' kind */
        }
        if (t.kind == YB_T_VOID) t = args[0]->type;
        for (int i = 0; i < n; i++) {
            coerce_literal(args[i], t);
            if (!same_type(args[i]->type, t) || !is_ordered(t)) {
                ERR(args[i]->loc, "%s(…) compares values of one kind: %s and %s", f, TN(t, 0), TN(args[i]->type, 1));
                return false;
            }
        }
        e->type = t;
        return true;
    }
    if (is_abs) {
        if (n != 1 || !check_value(c, args[0], want)) return false;
        if (!is_num(args[0]->type)) { ERR(e->loc, "abs(…) takes a number"); return false; }
        e->type = args[0]->type;
        return true;
    }
    static const char *const fns[] = {"given", "min", "max", "clamp", "abs", "round_up", "round_down"};
    ERR(e->loc, "unknown function `%s`", f);
    const char *s = yb_suggest(f, fns, sizeof fns / sizeof fns[0]);
    if (s) yb_note(c->diag, YB_NOLOC, "did you mean `%s`?", s);
    return false;
}

static bool check_field_access(yb_compiler *c, yb_expr *e)
{
    char tnbuf[1][64];
    yb_expr *a = e->a;
    /* `level.primary`: a member of an enum named in full */
    if (a->kind == E_NAME && enum_find(c, a->name) >= 0 && !local_find(c, a->name)) {
        int en = enum_find(c, a->name);
        yb_global *g = yb_global_find(c, a->name);
        int m = enum_member(c, en, e->name);
        if (m >= 0 && (!g || g->kind != SYM_INPUT_RECORD)) {
            set_sym(e, SYM_ENUM_MEMBER, m, (yb_type){YB_T_ENUM, (int16_t)en});
            e->constant = true;
            e->ival = m;
            return true;
        }
        if (!g || g->kind != SYM_INPUT_RECORD) {
            ERR(e->loc, "`%s` is not a value of %s", e->name, a->name);
            suggest_name(c, e->name, e->loc, en);
            return false;
        }
    }
    if (!check_expr(c, a, NULL)) return false;
    switch (a->sym_kind) {
    case SYM_INPUT_RECORD:
    case SYM_ELEM_RECORD: {
        int fi = schema_child(c, a->sym_index, e->name);
        const yb_field *af = &c->prog->schema.fields[a->sym_index];
        if (fi < 0 && a->sym_kind == SYM_ELEM_RECORD && af->kind == YB_T_LIST) {
            int dk = derived_find(c, af->slot, e->name);
            if (dk >= 0) return use_derived(c, e, dk, false);
        }
        if (fi < 0) {
            ERR(e->loc, "no field `%s` in `%s`", e->name, c->prog->schema.fields[a->sym_index].name);
            suggest_child(c, a->sym_index, e->name);
            return false;
        }
        const yb_field *f = &c->prog->schema.fields[fi];
        int li;
        bool elem = a->sym_kind == SYM_ELEM_RECORD || is_elem_field(c, fi, &li);
        yb_sym_kind k = f->kind == YB_T_RECORD ? (elem ? SYM_ELEM_RECORD : SYM_INPUT_RECORD)
                        : f->kind == YB_T_LIST ? SYM_INPUT_LIST
                        : elem ? SYM_ELEM_FIELD : SYM_INPUT_FIELD;
        set_sym(e, k, fi, field_type(c, fi));
        return true;
    }
    case SYM_STATE: {
        yb_decl *d = NULL;
        for (int i = 0; i < c->nglobals; i++)
            if (c->globals[i].kind == SYM_STATE && c->globals[i].index == a->sym_index) d = c->globals[i].decl;
        yb_state_desc *sd = &c->prog->states[a->sym_index];
        for (int i = 0; i < sd->nfields; i++)
            if (strcmp(sd->field_names[i], e->name) == 0) {
                int reg = sd->first_reg + i;
                set_sym(e, SYM_STATE_FIELD, reg, (yb_type){c->prog->reg_kinds[reg], -1});
                yb_fielddecl *fd = d->fields.items[i];
                scalar_type(c, fd->type->name, &e->type);
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
        if (!check_value(c, k, &want)) return false;
        if (!same_type(k->type, want)) {
            ERR(k->loc, "key %d of `%s` is %s, found %s", i + 1, what, TN(want, 0), TN(k->type, 1));
            return false;
        }
    }
    return true;
}

static bool check_expr_inner(yb_compiler *c, yb_expr *e, const yb_type *want);

/* Every pass over an expression recurses, so nesting is bounded here, once,
 * for all of them: a deeper expression is an error, never a stack overflow. */
#define YB_MAX_NESTING 1000
static bool check_expr(yb_compiler *c, yb_expr *e, const yb_type *want)
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
    case E_NAME: return resolve_name(c, e, want, false);
    case E_FIELD: return check_field_access(c, e);
    case E_INDEX: {
        if (!check_expr(c, e->a, NULL)) return false;
        if (e->a->sym_kind == SYM_PARAM_KEYED) {
            yb_param *p = &c->prog->params[e->a->sym_index];
            yb_global *g = NULL;
            for (int i = 0; i < c->nglobals; i++)
                if (c->globals[i].kind == SYM_PARAM_KEYED && c->globals[i].index == e->a->sym_index) g = &c->globals[i];
            int key_enum[2], nk = g->decl->keys.n;
            for (int i = 0; i < nk && i < 2; i++) key_enum[i] = enum_find(c, ((yb_expr *)g->decl->keys.items[i])->name);
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
            if (!check_value(c, k, &key)) return false;
            coerce_literal(k, key);
            if (!same_type(k->type, key)) {
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
        if (e->op == '!') {
            if (!check_value(c, e->a, NULL)) return false;
            if (e->a->type.kind != YB_T_BOOL) { ERR(e->loc, "`not` needs a condition, found %s", TN(e->a->type, 0)); return false; }
            e->type = T_BOOL;
            return true;
        }
        if (!check_value(c, e->a, want)) return false;
        if (!is_num(e->a->type) && e->a->type.kind != YB_T_DURATION) { ERR(e->loc, "cannot negate %s", TN(e->a->type, 0)); return false; }
        e->type = e->a->type;
        return true;
    case E_BINARY:
        if (e->op == '&' || e->op == '|') {
            if (!check_value(c, e->a, NULL) || !check_value(c, e->b, NULL)) return false;
        } else if (!check_pair(c, e->a, e->b)) {
            return false;
        }
        return binary_type(c, e);
    case E_IN: {
        if (!check_value(c, e->a, NULL)) return false;
        for (int i = 0; i < e->args.n; i++) {
            yb_expr *x = e->args.items[i];
            if (!check_value(c, x, &e->a->type)) return false;
            coerce_literal(x, e->a->type);
            if (!same_type(x->type, e->a->type)) {
                ERR(x->loc, "the list holds %s, found %s", TN(e->a->type, 0), TN(x->type, 1));
                return false;
            }
        }
        e->type = T_BOOL;
        return true;
    }
    case E_CALL: return check_call(c, e, want);
    case E_IF:
        if (!check_value(c, e->c, NULL)) return false;
        if (e->c->type.kind != YB_T_BOOL) { ERR(e->c->loc, "`if` needs a condition, found %s", TN(e->c->type, 0)); return false; }
        if (!check_value(c, e->a, want) || !check_value(c, e->b, want ? want : &e->a->type)) return false;
        coerce_literal(e->a, e->b->type);
        coerce_literal(e->b, e->a->type);
        if (!same_type(e->a->type, e->b->type)) {
            ERR(e->loc, "both branches must give one kind: %s and %s", TN(e->a->type, 0), TN(e->b->type, 1));
            return false;
        }
        e->type = e->a->type;
        return true;
    case E_DURATION:
        if (!check_value(c, e->a, NULL)) return false;
        if (e->a->type.kind != YB_T_INT) { ERR(e->loc, "a duration counts whole months, days or years, found %s", TN(e->a->type, 0)); return false; }
        e->type = T_DUR;
        return true;
    case E_PART:
        if (!check_value(c, e->a, NULL)) return false;
        if (e->a->type.kind != YB_T_DATE) { ERR(e->loc, "`year of`, `month of` and `day of` take a date, found %s", TN(e->a->type, 0)); return false; }
        e->type = T_INT;
        return true;
    case E_AGG: {
        if (!check_expr(c, e->b, NULL)) return false;
        if (e->b->sym_kind != SYM_INPUT_LIST) {
            ERR(e->b->loc, "`of … in` runs over a list of the claim (such as `items`)");
            return false;
        }
        if (c->nelem == 16) { ERR(e->loc, "aggregates nested too deep"); return false; }
        c->elem_list_stack[c->nelem++] = c->prog->schema.fields[e->b->sym_index].slot;
        bool ok = true;
        if (e->c) {
            ok = check_value(c, e->c, NULL);
            if (ok && e->c->type.kind != YB_T_BOOL) { ERR(e->c->loc, "`where` needs a condition, found %s", TN(e->c->type, 0)); ok = false; }
        }
        if (ok && e->a) {
            ok = check_value(c, e->a, want);
            if (ok && !is_num(e->a->type)) { ERR(e->a->loc, "`sum of` adds numbers, found %s", TN(e->a->type, 0)); ok = false; }
        }
        c->nelem--;
        if (!ok) return false;
        e->type = e->op == AGG_SUM ? e->a->type : e->op == AGG_COUNT ? T_INT : T_BOOL;
        return true;
    }
    case E_TIERED: {
        if (!check_value(c, e->a, NULL) || !check_value(c, e->b, NULL)) return false;
        if (!check_expr(c, e->c, NULL)) return false;
        if (e->c->sym_kind != SYM_PARAM || e->c->type.kind != YB_T_BANDS) {
            ERR(e->c->loc, "`tiered … by` needs a parameter of type bands");
            return false;
        }
        coerce_literal(e->a, T_MONEY);
        coerce_literal(e->b, T_MONEY);
        if (e->a->type.kind != YB_T_MONEY || e->b->type.kind != YB_T_MONEY) {
            ERR(e->loc, "`tiered amount over running_total by bands` takes money, found %s and %s", TN(e->a->type, 0), TN(e->b->type, 1));
            return false;
        }
        e->type = T_MONEY;
        return true;
    }
    case E_ISNEW:
        if (!check_expr(c, e->a, NULL)) return false;
        if (e->a->sym_kind != SYM_STATE) { ERR(e->loc, "`is new` asks about a state"); return false; }
        e->type = T_BOOL;
        return true;
    }
    return false;
}

/* ---------------------------------------------------------------- statements */

static bool assignable(yb_compiler *c, yb_expr *t, const char *verb)
{
    if (!check_expr(c, t, NULL)) return false;
    if (t->sym_kind == SYM_OUTPUT || t->sym_kind == SYM_STATE_FIELD) return true;
    ERR(t->loc, "`%s` changes outputs and state fields only; this is not one", verb);
    return false;
}

static bool check_stmts(yb_compiler *c, yb_vec *body);

static bool check_stmt_inner(yb_compiler *c, yb_stmt *s);

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
        if (!check_value(c, s->value, NULL)) return false;
        bool taken = local_find(c, s->name) || yb_global_find(c, s->name);
        const yb_schema *sc = &c->prog->schema;
        for (int l = 0; l < sc->nlists && !taken; l++) {
            const yb_field *lf = &sc->fields[sc->lists[l].field];
            taken = strcmp(lf->elem_name, s->name) == 0 || schema_child(c, sc->lists[l].field, s->name) >= 0;
        }
        if (taken) {
            ERR(s->loc, "`%s` is already a name here (a claim field, list element field or declaration); choose another", s->name);
            return false;
        }
        if (c->nlocals == 256) { ERR(s->loc, "too many `let`s in one rule"); return false; }
        int reg = yb_reg_new(c, s->value->type.kind);
        s->reg = reg;
        c->locals[c->nlocals++] = (yb_local){s->name, SYM_LOCAL, reg, s->value->type};
        return true;
    }
    case S_SET:
    case S_ADD:
    case S_SUBTRACT: {
        const char *verb = s->kind == S_SET ? "set" : s->kind == S_ADD ? "add" : "subtract";
        if (!assignable(c, s->target, verb)) return false;
        if (!check_value(c, s->value, &s->target->type)) return false;
        coerce_literal(s->value, s->target->type);
        if (s->kind != S_SET && !is_num(s->target->type)) {
            ERR(s->loc, "`%s` works on numbers; `%s` is %s", verb, s->target->name ? s->target->name : "this", TN(s->target->type, 0));
            return false;
        }
        if (!same_type(s->value->type, s->target->type)) {
            ERR(s->value->loc, "%s expected (the type of the target), found %s", TN(s->target->type, 0), TN(s->value->type, 1));
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
        return true;
    case S_REJECT:
        if (!check_expr(c, s->target, NULL)) return false;
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
        if (!check_value(c, s->value, NULL)) return false;
        if (s->value->type.kind != YB_T_BOOL) { ERR(s->value->loc, "`if` needs a condition, found %s", TN(s->value->type, 0)); return false; }
        int mark = c->nlocals;
        c->depth++;
        bool ok = check_stmts(c, &s->then_body);
        c->nlocals = mark;
        ok &= check_stmts(c, &s->else_body);
        c->nlocals = mark;
        c->depth--;
        return ok;
    }
    }
    return false;
}

static bool check_stmts(yb_compiler *c, yb_vec *body)
{
    bool ok = true;
    for (int i = 0; i < body->n; i++) ok &= check_stmt(c, body->items[i]);
    return ok;
}

/* ---------------------------------------------------------------- parameters and tables */

static bool key_enums(yb_compiler *c, yb_decl *d, int *key_enum, int *size)
{
    *size = 1;
    if (d->keys.n > 2) {
        ERR(d->loc, "`%s` has %d keys; at most two are supported", d->name, d->keys.n);
        return false;
    }
    for (int i = 0; i < d->keys.n; i++) {
        yb_expr *k = d->keys.items[i];
        key_enum[i] = enum_find(c, k->name);
        if (key_enum[i] < 0) {
            ERR(k->loc, "keys are enums; `%s` is not an enum", k->name);
            return false;
        }
        *size *= ((yb_decl *)c->enums.items[key_enum[i]])->members.n;
    }
    return true;
}

/* The bands of one version: `FROM to TO at VALUE`, `above FROM at VALUE`.
 * For tiered bands the bounds are money and the values rates; a parameter
 * keyed by ranges has bounds of its key type and values of its own type. */
static int band_set_add(yb_compiler *c, yb_version *v, yb_type bound, yb_type val, bool tiered)
{
    yb_program *p = c->prog;
    p->bandsets = realloc(p->bandsets, (size_t)(p->nbandsets + 1) * sizeof *p->bandsets);
    yb_band_set *bs = &p->bandsets[p->nbandsets];
    bs->n = v->bands.n;
    bs->bands = calloc((size_t)(bs->n ? bs->n : 1), sizeof *bs->bands);
    bool ok = v->bands.n > 0;
    if (!ok) ERR(v->loc, tiered ? "give the bands: `16000.00 to 30000.00 at 60%%` … `above 150000.00 at 85%%`"
                                : "give the ranges: `0 to 18 at 90%%` … `above 60 at 80%%`");
    for (int i = 0; i < v->bands.n && ok; i++) {
        yb_band_decl *b = v->bands.items[i];
        int64_t from, to = INT64_MAX, rate;
        ok = const_value(c, b->from, bound, &from) && (!b->to || const_value(c, b->to, bound, &to)) &&
             const_value(c, b->rate, val, &rate);
        if (!ok) break;
        if (from >= to) { ERR(b->loc, "a range runs from a lower to a higher bound"); ok = false; }
        if (i > 0 && from < bs->bands[i - 1].to) { ERR(b->loc, "ranges must not overlap and must be in ascending order"); ok = false; }
        if (i > 0 && bs->bands[i - 1].to == INT64_MAX) { ERR(b->loc, "nothing can follow an `above` range"); ok = false; }
        if (tiered && (rate < 0 || rate > YB_RATE_ONE)) { ERR(b->rate->loc, "a band's rate is between 0%% and 100%%"); ok = false; }
        bs->bands[i] = (yb_band){from, to, rate};
    }
    if (!ok) {
        free(bs->bands);
        return -1;
    }
    return p->nbandsets++;
}

/* Fill one version's cells from its rows: every key combination once. */
static bool fill_version(yb_compiler *c, yb_decl *d, yb_version *v, int nkeys, const int *key_enum, int ncols,
                         yb_type *col_types, int first_param, int vi)
{
    yb_program *p = c->prog;
    int size = p->params[first_param].size;
    uint8_t *seen = calloc((size_t)size, 1);
    bool ok = true;
    /* an amendment gives only the rows it changes: the others keep the values
       of the version in force before it */
    if (v->amended && vi > 0) {
        for (int col = 0; col < ncols; col++)
            memcpy(p->params[first_param + col].versions[vi].cells, p->params[first_param + col].versions[vi - 1].cells,
                   (size_t)size * sizeof(int64_t));
        memset(seen, 2, (size_t)size);
    }
    /* The parser grouped entries as names-then-literals; a column of enum values
       makes names values too, so regroup the entries by the shape the
       declaration gives: nkeys names, then ncols values, row after row. */
    yb_vec tokens = {0};
    for (int r = 0; r < v->rows.n; r++) {
        yb_row *row = v->rows.items[r];
        for (int k = 0; k < row->keys.n; k++) yb_vec_push(A, &tokens, row->keys.items[k]);
        for (int k = 0; k < row->values.n; k++) yb_vec_push(A, &tokens, row->values.items[k]);
    }
    int width = nkeys + ncols;
    if (tokens.n == 0 || tokens.n % width != 0) {
        yb_loc at = tokens.n ? ((yb_expr *)tokens.items[tokens.n - (tokens.n % width ? tokens.n % width : width)])->loc : v->loc;
        if (nkeys == 0)
            ERR(at, "`%s` has one value per date; found %d", d->name, tokens.n);
        else
            ERR(at, "each row of `%s` gives %d key%s then %d value%s; the entries from this date do not divide into such rows",
                d->name, nkeys, nkeys == 1 ? "" : "s", ncols, ncols == 1 ? "" : "s");
        free(seen);
        return false;
    }
    for (int r = 0; r < tokens.n / width; r++) {
        yb_row rowbuf = {0}, *row = &rowbuf;
        row->loc = ((yb_expr *)tokens.items[r * width])->loc;
        for (int k = 0; k < nkeys; k++) yb_vec_push(A, &row->keys, tokens.items[r * width + k]);
        for (int k = 0; k < ncols; k++) yb_vec_push(A, &row->values, tokens.items[r * width + nkeys + k]);
        bool names_ok = true;
        for (int k = 0; k < nkeys; k++)
            if (((yb_expr *)row->keys.items[k])->kind != E_NAME) {
                ERR(((yb_expr *)row->keys.items[k])->loc, "a key (a member of %s) was expected here",
                    ((yb_decl *)c->enums.items[key_enum[k]])->name);
                names_ok = false;
            }
        if (!names_ok) { ok = false; continue; }
        int idx = 0;
        bool row_ok = true;
        for (int k = 0; k < nkeys; k++) {
            yb_expr *ke = row->keys.items[k];
            yb_decl *ed = c->enums.items[key_enum[k]];
            int m = enum_member(c, key_enum[k], ke->name);
            if (m < 0) {
                ERR(ke->loc, "`%s` is not a value of %s", ke->name, ed->name);
                suggest_name(c, ke->name, ke->loc, key_enum[k]);
                row_ok = false;
                break;
            }
            idx = idx * ed->members.n + m;
        }
        if (!row_ok) { ok = false; continue; }
        if (seen[idx] == 1) {
            ERR(row->loc, "this row's keys are given twice in the version from this date");
            ok = false;
            continue;
        }
        seen[idx] = 1;
        for (int col = 0; col < ncols; col++) {
            int64_t v64;
            if (!const_value(c, row->values.items[col], col_types[col], &v64)) { ok = false; continue; }
            p->params[first_param + col].versions[vi].cells[idx] = v64;
        }
    }
    for (int i = 0; i < size && ok; i++)
        if (!seen[i]) {
            const char *names[2] = {"", ""};
            int rest = i;
            for (int k = nkeys - 1; k >= 0; k--) {
                yb_decl *ed = c->enums.items[key_enum[k]];
                names[k] = ((yb_enum_member *)ed->members.items[rest % ed->members.n])->name;
                rest /= ed->members.n;
            }
            char keys[256];
            snprintf(keys, sizeof keys, "%s%s%s", names[0], nkeys > 1 ? " " : "", nkeys > 1 ? names[1] : "");
            ERR(v->loc, nkeys ? "the version from this date gives no row for `%s`" : "the version from this date gives no value%s", keys);
            ok = false;
        }
    free(seen);
    return ok;
}

/* A parameter whose one cell per version is a band set looked up by a key
 * (a range holding it, or an exact text). */
static int new_lookup_param(yb_compiler *c, yb_decl *d, yb_type val, uint8_t key_kind)
{
    yb_program *p = c->prog;
    int pi = p->nparams++;
    p->params = realloc(p->params, (size_t)p->nparams * sizeof *p->params);
    c->param_used = realloc(c->param_used, (size_t)p->nparams);
    c->param_used[pi] = 0;
    yb_param *pp = &p->params[pi];
    memset(pp, 0, sizeof *pp);
    pp->name = strdup(d->name);
    pp->kind = val.kind;
    pp->range_key = key_kind;
    pp->enum_id = (uint16_t)(val.kind == YB_T_ENUM ? val.enum_id : 0);
    pp->size = 1;
    pp->nversions = d->versions.n;
    pp->versions = calloc((size_t)d->versions.n, sizeof *pp->versions);
    return pi;
}

/* `param NAME: TYPE by range of KEY`: one band set per version; a value
 * looks up the range that holds it. */
static bool declare_range_param(yb_compiler *c, yb_decl *d)
{
    char tnbuf[1][64];
    yb_type key, val;
    if (!scalar_type(c, d->range_of, &key) || !(key.kind == YB_T_INT || key.kind == YB_T_MONEY || key.kind == YB_T_RATE || key.kind == YB_T_DATE)) {
        ERR(d->range_loc, "ranges are of int, money, rate or date, not `%s`", d->range_of);
        return false;
    }
    if (!d->type || d->type->kind != TY_NAMED || !scalar_type(c, d->type->name, &val) || val.kind == YB_T_BANDS || val.kind == YB_T_TEXT) {
        if (d->type && d->type->kind == TY_NAMED && !scalar_type(c, d->type->name, &val)) unknown_type(c, d->type);
        else ERR(d->loc, "a parameter keyed by ranges holds a number, a date, a duration, a bool or an enum, not %s", d->type ? TN(val, 0) : "this");
        return false;
    }
    int pi = new_lookup_param(c, d, val, key.kind);
    yb_param *pp;
    bool ok = true;
    for (int vi = 0; vi < d->versions.n; vi++) {
        yb_version *v = d->versions.items[vi];
        pp = &c->prog->params[pi];
        pp->versions[vi].from = v->date->ival;
        pp->versions[vi].cells = calloc(1, sizeof(int64_t));
        if (vi > 0 && v->date->ival <= pp->versions[vi - 1].from) { ERR(v->loc, "versions go in date order, each later than the one before"); ok = false; }
        if (v->rows.n) { ERR(v->loc, "ranges are written `FROM to TO at VALUE` or `above FROM at VALUE`"); ok = false; continue; }
        int bs = band_set_add(c, v, key, val, false);
        if (bs < 0) { ok = false; continue; }
        c->prog->params[pi].versions[vi].cells[0] = bs;
    }
    yb_global *g = global_add(c, d->name, SYM_PARAM_RANGE, pi, val, d, d->loc);
    (void)g;
    return ok;
}

/* Text keys in (length, bytes) order, so a lookup halves its way to the key. */
static int compare_text_keys(const yb_program *p, int64_t a, int64_t b)
{
    uint32_t la = yb_text_length(a), lb = yb_text_length(b);
    if (la != lb) return la < lb ? -1 : 1;
    return memcmp(p->pool + yb_text_offset(a), p->pool + yb_text_offset(b), la);
}

static void sort_text_keys(const yb_program *p, yb_band_set *bs)
{
    for (int i = 1; i < bs->n; i++) { /* insertion sort: a version lists tens to thousands of keys, once */
        yb_band x = bs->bands[i];
        int j = i - 1;
        while (j >= 0 && compare_text_keys(p, bs->bands[j].from, x.from) > 0) {
            bs->bands[j + 1] = bs->bands[j];
            j--;
        }
        bs->bands[j + 1] = x;
    }
}

/* `param budget: money by text` with rows `"YGT-01" 1200000.00`: a value per
 * text key (a medical community, an institution), looked up exactly. */
static bool declare_text_param(yb_compiler *c, yb_decl *d)
{
    char tnbuf[1][64];
    yb_type val;
    if (!d->type || d->type->kind != TY_NAMED || !scalar_type(c, d->type->name, &val) || val.kind == YB_T_BANDS) {
        if (d->type && d->type->kind == TY_NAMED && !scalar_type(c, d->type->name, &val)) unknown_type(c, d->type);
        else ERR(d->loc, "a parameter keyed by text holds a single value, not %s", d->type ? TN(val, 0) : "this");
        return false;
    }
    int pi = new_lookup_param(c, d, val, YB_T_TEXT);
    bool ok = true;
    for (int vi = 0; vi < d->versions.n; vi++) {
        yb_version *v = d->versions.items[vi];
        c->prog->params[pi].versions[vi].from = v->date->ival;
        c->prog->params[pi].versions[vi].cells = calloc(1, sizeof(int64_t));
        if (vi > 0 && v->date->ival <= c->prog->params[pi].versions[vi - 1].from) { ERR(v->loc, "versions go in date order, each later than the one before"); ok = false; }
        yb_vec tokens = {0};
        for (int r = 0; r < v->rows.n; r++) {
            yb_row *row = v->rows.items[r];
            for (int k = 0; k < row->keys.n; k++) yb_vec_push(A, &tokens, row->keys.items[k]);
            for (int k = 0; k < row->values.n; k++) yb_vec_push(A, &tokens, row->values.items[k]);
        }
        if (v->bands.n || tokens.n == 0 || tokens.n % 2) {
            ERR(v->loc, "rows of `%s` are a text key and a value: `\"YGT-01\" 1200000.00`", d->name);
            ok = false;
            continue;
        }
        yb_program *pr = c->prog;
        pr->bandsets = realloc(pr->bandsets, (size_t)(pr->nbandsets + 1) * sizeof *pr->bandsets);
        yb_band_set *bs = &pr->bandsets[pr->nbandsets];
        bs->n = tokens.n / 2;
        bs->bands = calloc((size_t)bs->n, sizeof *bs->bands);
        bool vok = true;
        for (int r = 0; r < bs->n; r++) {
            yb_expr *key = tokens.items[2 * r], *value = tokens.items[2 * r + 1];
            int64_t kv, vv;
            if (key->kind != E_TEXT) { ERR(key->loc, "a text key in quotes was expected here"); vok = false; continue; }
            for (int o = 0; o < r; o++) {
                yb_expr *ok2 = tokens.items[2 * o];
                if (ok2->text_len == key->text_len && memcmp(ok2->name, key->name, key->text_len) == 0) {
                    ERR(key->loc, "the key \"%s\" is given twice in the version from this date", key->name);
                    vok = false;
                }
            }
            if (!const_value(c, key, T_TEXT, &kv) || !const_value(c, value, val, &vv)) { vok = false; continue; }
            bs->bands[r] = (yb_band){kv, INT64_MAX, vv};
        }
        if (!vok) { free(bs->bands); ok = false; continue; }
        sort_text_keys(c->prog, bs);
        c->prog->params[pi].versions[vi].cells[0] = c->prog->nbandsets++;
    }
    global_add(c, d->name, SYM_PARAM_RANGE, pi, val, d, d->loc);
    return ok;
}

static bool declare_params(yb_compiler *c, yb_decl *d)
{
    if (d->kind == D_PARAM && d->keys.n == 1 && strcmp(((yb_expr *)d->keys.items[0])->name, "text") == 0)
        return declare_text_param(c, d);
    char tnbuf[1][64];
    yb_program *p = c->prog;
    int key_enum[2] = {-1, -1}, size;
    if (!key_enums(c, d, key_enum, &size)) return false;
    if (d->range_of) return declare_range_param(c, d);
    bool is_table = d->kind == D_TABLE;
    int ncols = is_table ? d->fields.n : 1;
    if (ncols == 0) { ERR(d->loc, "table `%s` has no columns", d->name); return false; }
    yb_type col_types[64];
    if (ncols > 64) { ERR(d->loc, "at most 64 columns"); return false; }
    for (int i = 0; i < ncols; i++) {
        yb_typex *tx = is_table ? ((yb_fielddecl *)d->fields.items[i])->type : d->type;
        if (!tx || tx->kind != TY_NAMED) { ERR(is_table ? ((yb_fielddecl *)d->fields.items[i])->loc : d->loc, "a parameter holds a single value type"); return false; }
        if (!scalar_type(c, tx->name, &col_types[i])) { unknown_type(c, tx); return false; }
        if (col_types[i].kind == YB_T_BANDS && (is_table || d->keys.n)) {
            ERR(tx->loc, "bands parameters are not keyed"); return false;
        }
    }
    int first = p->nparams;
    p->nparams += ncols;
    p->params = realloc(p->params, (size_t)p->nparams * sizeof *p->params);
    c->param_used = realloc(c->param_used, (size_t)p->nparams);
    for (int i = 0; i < ncols; i++) {
        yb_param *pp = &p->params[first + i];
        memset(pp, 0, sizeof *pp);
        char name[256];
        if (is_table) snprintf(name, sizeof name, "%s.%s", d->name, ((yb_fielddecl *)d->fields.items[i])->name);
        else snprintf(name, sizeof name, "%s", d->name);
        pp->name = strdup(name);
        pp->kind = col_types[i].kind;
        pp->enum_id = (uint16_t)(col_types[i].kind == YB_T_ENUM ? col_types[i].enum_id : 0);
        pp->size = size;
        pp->nversions = d->versions.n;
        pp->versions = calloc((size_t)d->versions.n, sizeof *pp->versions);
        c->param_used[first + i] = 0;
    }
    bool ok = true;
    for (int vi = 0; vi < d->versions.n; vi++) {
        yb_version *v = d->versions.items[vi];
        yb_date date = v->date->ival;
        if (vi > 0 && date <= p->params[first].versions[vi - 1].from) {
            ERR(v->loc, "versions go in date order, each later than the one before");
            ok = false;
        }
        for (int i = 0; i < ncols; i++) {
            p->params[first + i].versions[vi].from = date;
            p->params[first + i].versions[vi].cells = calloc((size_t)size, sizeof(int64_t));
        }
        if (col_types[0].kind == YB_T_BANDS) {
            if (v->rows.n) { ERR(v->loc, "bands are written `FROM to TO at RATE`"); ok = false; continue; }
            int bs = band_set_add(c, v, T_MONEY, T_RATE, true);
            if (bs < 0) { ok = false; continue; }
            p->params[first].versions[vi].cells[0] = bs;
        } else {
            if (v->bands.n) { ERR(v->loc, "bands belong to a parameter of type bands, not %s", TN(col_types[0], 0)); ok = false; continue; }
            ok &= fill_version(c, d, v, d->keys.n, key_enum, ncols, col_types, first, vi);
        }
    }
    if (is_table) {
        c->tables = realloc(c->tables, (size_t)(c->ntables + 1) * sizeof *c->tables);
        yb_table_info *t = &c->tables[c->ntables];
        *t = (yb_table_info){d, d->keys.n, {key_enum[0], key_enum[1]}, first, ncols};
        global_add(c, d->name, SYM_TABLE, c->ntables++, T_VOID, d, d->loc);
    } else {
        global_add(c, d->name, d->keys.n ? SYM_PARAM_KEYED : SYM_PARAM, first, col_types[0], d, d->loc);
    }
    return ok;
}

/* ---------------------------------------------------------------- the whole policy */

static bool declare_outputs(yb_compiler *c)
{
    yb_program *p = c->prog;
    if (!c->output) {
        ERR(YB_NOLOC, "the policy declares no `output` block: say what a settlement holds");
        return false;
    }
    p->nouts = c->output->fields.n;
    p->outs = calloc((size_t)p->nouts, sizeof *p->outs);
    bool ok = true;
    for (int i = 0; i < p->nouts; i++) {
        yb_fielddecl *fd = c->output->fields.items[i];
        yb_out_field *o = &p->outs[i];
        o->name = strdup(fd->name);
        if (!fd->type) {
            if (strcmp(fd->name, "status") == 0) o->kind = YB_T_STATUS;
            else if (strcmp(fd->name, "reasons") == 0) o->kind = YB_T_REASONS;
            else if (strcmp(fd->name, "alerts") == 0) o->kind = YB_T_ALERTS;
            else {
                ERR(fd->loc, "output `%s` needs a type (`%s: money`); only status, reasons and alerts stand alone", fd->name, fd->name);
                ok = false;
            }
            fd->special = o->kind;
            yb_reg_new(c, YB_T_INT); /* placeholder register keeps output i in register i */
            continue;
        }
        yb_type t;
        if (fd->type->kind != TY_NAMED || !scalar_type(c, fd->type->name, &t) || t.kind == YB_T_BANDS) {
            if (fd->type->kind == TY_NAMED && !scalar_type(c, fd->type->name, &t)) unknown_type(c, fd->type);
            else ERR(fd->loc, "an output holds one value (money, rate, int, bool, date, text or an enum)");
            ok = false;
            yb_reg_new(c, YB_T_INT);
            continue;
        }
        o->kind = t.kind;
        o->enum_id = (uint16_t)(t.kind == YB_T_ENUM ? t.enum_id : 0);
        int reg = yb_reg_new(c, t.kind);
        yb_global *same = yb_global_find(c, fd->name);
        /* an output named like a claim field echoes it: the name keeps meaning the input */
        if (same && (same->kind == SYM_INPUT_FIELD || same->kind == SYM_INPUT_RECORD || same->kind == SYM_INPUT_LIST)) {
            if (!fd->dflt) {
                ERR(fd->loc, "output `%s` has the name of a claim field: give its value (`%s: %s = %s`)", fd->name, fd->name,
                    fd->type->name, fd->name);
                ok = false;
            }
            continue;
        }
        global_add(c, fd->name, SYM_OUTPUT, reg, t, c->output, fd->loc);
    }
    return ok;
}

static bool declare_state(yb_compiler *c, yb_decl *d, int order)
{
    yb_program *p = c->prog;
    int si = p->nstates++;
    p->states = realloc(p->states, (size_t)p->nstates * sizeof *p->states);
    yb_state_desc *sd = &p->states[si];
    memset(sd, 0, sizeof *sd);
    sd->name = strdup(d->name);
    sd->nkeys = d->keys.n;
    sd->key_kinds = calloc((size_t)(d->keys.n ? d->keys.n : 1), 1);
    sd->key_enums = calloc((size_t)(d->keys.n ? d->keys.n : 1), sizeof *sd->key_enums);
    sd->report = d->report;
    sd->nfields = d->fields.n;
    sd->field_names = calloc((size_t)(d->fields.n ? d->fields.n : 1), sizeof *sd->field_names);
    sd->first_reg = p->nregs;
    bool ok = true;
    for (int i = 0; i < d->fields.n; i++) {
        yb_fielddecl *fd = d->fields.items[i];
        sd->field_names[i] = strdup(fd->name);
        yb_type t = T_INT;
        if (!fd->type || fd->type->kind != TY_NAMED || !scalar_type(c, fd->type->name, &t) ||
            !(is_num(t) || t.kind == YB_T_BOOL || t.kind == YB_T_DATE)) {
            if (fd->type && fd->type->kind == TY_NAMED && !scalar_type(c, fd->type->name, &t)) unknown_type(c, fd->type);
            else ERR(fd->loc, "a state field holds money, int, rate, bool or date");
            ok = false;
            t = T_INT;
        }
        p = c->prog;
        yb_reg_new(c, t.kind);
    }
    if (d->keys.n > 64) { ERR(d->loc, "`%s` has %d keys; at most 64", d->name, d->keys.n); ok = false; }
    if (!d->keys.n) { ERR(d->loc, "say what the %s is kept per: `%s %s per member_id, year of visit.date { … }`", d->report ? "report" : "state", d->report ? "report" : "state", d->name); ok = false; }
    yb_global *g = global_add(c, d->name, SYM_STATE, si, T_VOID, d, d->loc);
    if (g) g->order = order;
    d->index = si;
    return ok;
}

static bool check_state_step(yb_compiler *c, yb_decl *d)
{
    char tnbuf[1][64];
    yb_state_desc *sd = &c->prog->states[d->index];
    bool ok = true;
    if (d->value) { /* `when`: kept only for the claims where it holds */
        if (!check_value(c, d->value, NULL)) ok = false;
        else if (d->value->type.kind != YB_T_BOOL) {
            ERR(d->value->loc, "`when` needs a condition, found %s", TN(d->value->type, 0));
            ok = false;
        } else {
            yb_fold(c, d->value);
        }
    }
    for (int i = 0; i < d->keys.n; i++) {
        yb_expr *k = d->keys.items[i];
        if (!check_value(c, k, NULL)) { ok = false; continue; }
        yb_fold(c, k);
        uint8_t kk = k->type.kind;
        if (kk == YB_T_ENUM) sd->key_enums[i] = (uint16_t)k->type.enum_id;
        if (kk == YB_T_DURATION) { ERR(k->loc, "a state key is text, a number, a date or an enum; found %s", TN(k->type, 0)); ok = false; }
        sd->key_kinds[i] = kk;
    }
    for (int i = 0; i < d->fields.n; i++) {
        yb_fielddecl *fd = d->fields.items[i];
        if (!fd->dflt) continue;
        yb_type t = {c->prog->reg_kinds[sd->first_reg + i], -1};
        if (!check_value(c, fd->dflt, &t)) { ok = false; continue; }
        yb_fold(c, fd->dflt);
        coerce_literal(fd->dflt, t);
        if (!same_type(fd->dflt->type, t)) {
            char tb[64];
            ERR(fd->dflt->loc, "%s expected, found %s", TN(t, 0), yb_type_name(c, fd->dflt->type, tb, sizeof tb));
            ok = false;
        }
    }
    return ok;
}

static void warn_unused(yb_compiler *c)
{
    for (int k = 0; k < c->derived.n; k++) {
        yb_decl *d = c->derived.items[k];
        if (!d->used) yb_warning(c->diag, d->loc, "`%s` is defined but never used", d->name);
    }
    for (int i = 0; i < c->nglobals; i++) {
        yb_global *g = &c->globals[i];
        if (g->kind == SYM_PARAM || g->kind == SYM_PARAM_KEYED || g->kind == SYM_PARAM_RANGE) {
            if (!c->param_used[g->index]) yb_warning(c->diag, g->decl->loc, "parameter `%s` is never used", g->name);
        } else if (g->kind == SYM_TABLE) {
            if (!g->decl->used) yb_warning(c->diag, g->decl->loc, "table `%s` is never used", g->name);
        } else if (g->kind == SYM_DEFINE) {
            if (!g->decl->used) yb_warning(c->diag, g->decl->loc, "`%s` is defined but never used", g->name);
        }
    }
}

/* `amend param X from DATE: …` (a local variant of a standard policy) adds
 * versions to a parameter or table declared elsewhere, replacing a version
 * of the same date; the merged versions are then checked as one declaration. */
static bool apply_amendments(yb_compiler *c)
{
    bool ok = true;
    for (int i = 0; i < c->steps.n; i++) {
        yb_decl *a = c->steps.items[i];
        if (a->kind != D_AMEND) continue;
        bool table = strcmp(a->text, "table") == 0;
        yb_decl *target = NULL;
        const char *cands[512];
        int n = 0;
        for (int k = 0; k < c->steps.n; k++) {
            yb_decl *d = c->steps.items[k];
            if (d->kind != (table ? D_TABLE : D_PARAM)) continue;
            if (strcmp(d->name, a->name) == 0) target = d;
            if (n < 512) cands[n++] = d->name;
        }
        if (!target) {
            ERR(a->loc, "no %s `%s` to amend", a->text, a->name);
            const char *sg = yb_suggest(a->name, cands, (size_t)n);
            if (sg) yb_note(c->diag, YB_NOLOC, "did you mean `%s`?", sg);
            ok = false;
            continue;
        }
        for (int v = 0; v < a->versions.n; v++) {
            yb_version *nv = a->versions.items[v];
            nv->amended = true;
            int at = 0;
            while (at < target->versions.n && ((yb_version *)target->versions.items[at])->date->ival < nv->date->ival) at++;
            if (at < target->versions.n && ((yb_version *)target->versions.items[at])->date->ival == nv->date->ival) {
                nv->amended = false; /* replacing a version: it gives every row itself */
                target->versions.items[at] = nv;
                continue;
            }
            yb_vec_push(A, &target->versions, NULL);
            memmove(&target->versions.items[at + 1], &target->versions.items[at],
                    (size_t)(target->versions.n - 1 - at) * sizeof(void *));
            target->versions.items[at] = nv;
        }
    }
    return ok;
}

/* `define within_limit of item = …`: a value of every element of the list
 * whose elements are `item`, worked out at this step, read like a field of
 * the element in aggregates (`sum of within_limit in items`). */
static bool declare_derived(yb_compiler *c, yb_decl *d, int order)
{
    const yb_schema *s = &c->prog->schema;
    int li = -1;
    const char *cands[64];
    int n = 0;
    for (int l = 0; l < s->nlists; l++) {
        const yb_field *lf = &s->fields[s->lists[l].field];
        if (strcmp(lf->elem_name, d->of_record) == 0) {
            if (li >= 0) {
                ERR(d->loc, "two lists hold `%s` records: a value `of %s` would be ambiguous", d->of_record, d->of_record);
                return false;
            }
            li = l;
        }
        if (n < 64) cands[n++] = lf->elem_name;
    }
    if (li < 0) {
        ERR(d->loc, "no list of the claim holds `%s` records", d->of_record);
        const char *sg = yb_suggest(d->of_record, cands, (size_t)n);
        if (sg) yb_note(c->diag, YB_NOLOC, "did you mean `%s`?", sg);
        return false;
    }
    if (schema_child(c, s->lists[li].field, d->name) >= 0 || derived_find(c, li, d->name) >= 0) {
        ERR(d->loc, "`%s` is already a field of `%s`", d->name, d->of_record);
        return false;
    }
    yb_program *p = c->prog;
    p->derived = realloc(p->derived, (size_t)(p->nderived + 1) * sizeof *p->derived);
    p->derived[p->nderived] = (yb_derived){strdup(d->name), li, YB_T_INT, 0};
    p->nderived++;
    yb_vec_push(A, &c->derived, d);
    d->index = order; /* its step, for "used before it is worked out" */
    return true;
}

bool yb_check(yb_compiler *c)
{
    bool ok = true;
    yb_program *p = c->prog;
    /* pass 1: types and shapes, wherever they stand */
    for (int i = 0; i < c->steps.n; i++) {
        yb_decl *d = c->steps.items[i];
        switch (d->kind) {
        case D_POLICY:
            if (c->policy) { ERR(d->loc, "a policy has one `policy` header"); ok = false; }
            c->policy = d;
            break;
        case D_ENUM:
            if (enum_find(c, d->name) >= 0 || record_find(c, d->name)) { ERR(d->loc, "type `%s` is declared twice", d->name); ok = false; break; }
            for (int m = 0; m < d->members.n; m++)
                for (int k = 0; k < m; k++)
                    if (strcmp(((yb_enum_member *)d->members.items[m])->name, ((yb_enum_member *)d->members.items[k])->name) == 0) {
                        ERR(((yb_enum_member *)d->members.items[m])->loc, "`%s` is listed twice", ((yb_enum_member *)d->members.items[m])->name);
                        ok = false;
                    }
            if (d->members.n > 255) { ERR(d->loc, "an enum has at most 255 members"); ok = false; }
            for (int m = 0; m < d->members.n; m++)
                for (int k = 0; k < m; k++) {
                    yb_enum_member *x = d->members.items[m], *y = d->members.items[k];
                    if (x->has_code && y->has_code && x->code == y->code) {
                        ERR(x->loc, "`%s` has the code %lld of `%s`; codes must differ", x->name, (long long)x->code, y->name);
                        ok = false;
                    }
                }
            yb_vec_push(A, &c->enums, d);
            break;
        case D_RECORD:
            if (enum_find(c, d->name) >= 0 || record_find(c, d->name)) { ERR(d->loc, "type `%s` is declared twice", d->name); ok = false; break; }
            yb_vec_push(A, &c->records, d);
            break;
        case D_REASONS:
            for (int m = 0; m < d->members.n; m++) {
                yb_enum_member *r = d->members.items[m];
                if (r->has_code) { ERR(r->loc, "reason codes take no number"); ok = false; }
                for (int k = 0; k < c->reasons.n; k++)
                    if (strcmp(((yb_enum_member *)c->reasons.items[k])->name, r->name) == 0) {
                        ERR(r->loc, "reason `%s` is declared twice", r->name);
                        ok = false;
                    }
                yb_vec_push(A, &c->reasons, r);
            }
            break;
        case D_RULE:
            for (int k = 0; k < i; k++) {
                yb_decl *o = c->steps.items[k];
                if (o->kind == D_RULE && strcmp(o->name, d->name) == 0) {
                    ERR(d->loc, "rule `%s` is declared twice; explanations name rules, so names must differ", d->name);
                    yb_note(c->diag, o->loc, "the first rule `%s` is here", d->name);
                    ok = false;
                }
            }
            break;
        case D_INPUT:
            if (c->input) { ERR(d->loc, "a policy has one `input` block"); ok = false; }
            c->input = d;
            break;
        case D_OUTPUT:
            if (c->output) { ERR(d->loc, "a policy has one `output` block"); ok = false; }
            c->output = d;
            break;
        case D_DATED:
            if (c->dated) { ERR(d->loc, "a policy is `dated by` one date"); ok = false; }
            c->dated = d;
            break;
        default:
            break;
        }
    }
    if (!ok) return false;
    ok &= apply_amendments(c);
    ok &= build_schema(c);
    ok &= declare_outputs(c);
    if (!ok) return false;
    /* pass 2: parameters, states and defines get their names */
    for (int i = 0; i < c->steps.n; i++) {
        yb_decl *d = c->steps.items[i];
        if (d->kind == D_PARAM || d->kind == D_TABLE) ok &= declare_params(c, d);
        else if (d->kind == D_STATE) ok &= declare_state(c, d, i);
        else if (d->kind == D_DEFINE && d->of_record) {
            ok &= declare_derived(c, d, i);
        } else if (d->kind == D_DEFINE) {
            yb_global *g = global_add(c, d->name, SYM_DEFINE, -1, T_VOID, d, d->loc);
            if (g) g->order = i;
            else ok = false;
        }
    }
    p = c->prog;
    p->nreasons = c->reasons.n;
    p->reasons = calloc((size_t)(p->nreasons ? p->nreasons : 1), sizeof *p->reasons);
    for (int i = 0; i < c->reasons.n; i++) p->reasons[i] = xstrdup(((yb_enum_member *)c->reasons.items[i])->name);
    if (!ok) return false;
    /* pass 3: every expression, in step order */
    c->cur_order = -1;
    if (c->dated) {
        ok &= check_value(c, c->dated->value, NULL);
        if (ok && c->dated->value->type.kind != YB_T_DATE) {
            ERR(c->dated->value->loc, "`dated by` takes the claim's service date");
            ok = false;
        }
    }
    for (int i = 0; i < c->output->fields.n; i++) {
        yb_fielddecl *fd = c->output->fields.items[i];
        if (!fd->dflt || fd->special) continue;
        yb_type t = {p->outs[i].kind, (int16_t)(p->outs[i].kind == YB_T_ENUM ? p->outs[i].enum_id : -1)};
        if (!check_value(c, fd->dflt, &t)) { ok = false; continue; }
        yb_fold(c, fd->dflt);
        coerce_literal(fd->dflt, t);
        if (!same_type(fd->dflt->type, t)) {
            char tnbuf[2][64];
            ERR(fd->dflt->loc, "output `%s` is %s, found %s", fd->name, TN(t, 0), TN(fd->dflt->type, 1));
            ok = false;
        }
    }
    for (int i = 0; i < c->steps.n; i++) {
        yb_decl *d = c->steps.items[i];
        c->cur_order = i;
        c->nlocals = 0;
        switch (d->kind) {
        case D_DEFINE: {
            if (d->of_record) {
                int k = 0;
                while (k < c->derived.n && c->derived.items[k] != d) k++;
                yb_derived *dv = &c->prog->derived[k];
                c->elem_list_stack[c->nelem++] = dv->list;
                bool vok = check_value(c, d->value, NULL);
                c->nelem--;
                if (!vok) { ok = false; break; }
                yb_fold(c, d->value);
                dv->kind = d->value->type.kind;
                dv->enum_id = (uint16_t)(dv->kind == YB_T_ENUM ? d->value->type.enum_id : 0);
                break;
            }
            yb_global *g = yb_global_find(c, d->name);
            if (!check_value(c, d->value, NULL)) {
                g->index = -2; /* failed: later uses stay quiet */
                ok = false;
                break;
            }
            yb_fold(c, d->value);
            g->type = d->value->type;
            g->index = yb_reg_new(c, d->value->type.kind);
            break;
        }
        case D_STATE:
            ok &= check_state_step(c, d);
            break;
        case D_RULE:
            if (d->value) {
                if (!check_value(c, d->value, NULL)) { ok = false; break; }
                yb_fold(c, d->value);
                if (d->value->type.kind != YB_T_BOOL) {
                    char tnbuf[1][64];
                    ERR(d->value->loc, "`when` needs a condition, found %s", TN(d->value->type, 0));
                    ok = false;
                    break;
                }
            }
            ok &= check_stmts(c, &d->body);
            break;
        default:
            break;
        }
    }
    if (!ok) return false;
    bool any_param = false;
    for (int i = 0; i < p->nparams; i++) any_param |= c->param_used[i];
    if (any_param && !c->dated) {
        ERR(YB_NOLOC, "the policy uses dated parameters but does not say which date picks them: add `dated by visit.date`");
        return false;
    }
    warn_unused(c);
    return true;
}
