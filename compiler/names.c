/* Names: the policy's global names, the locals of a rule, the fields of the
 * list elements in scope, enum members and types by name, and "did you mean"
 * on a typo. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Global names are found through an open-addressing hash of their indexes
 * (+1, 0 = empty): a policy of tens of thousands of `define`s looks each
 * name up in constant time, not by a scan of all before it. */
static size_t *global_slot(yb_compiler *c, const char *name)
{
    size_t mask = c->global_cap - 1, j = yb_hash_bytes(name, strlen(name)) & mask;
    while (c->global_index[j] && strcmp(c->globals[c->global_index[j] - 1].name, name) != 0) j = (j + 1) & mask;
    return &c->global_index[j];
}

yb_global *yb_global_find(yb_compiler *c, const char *name)
{
    if (!c->global_cap) return NULL;
    size_t at = *global_slot(c, name);
    return at ? &c->globals[at - 1] : NULL;
}

/* Keeps the hash at most half full. */
static void global_grow(yb_compiler *c)
{
    free(c->global_index);
    c->global_cap = c->global_cap ? c->global_cap * 2 : 128;
    c->global_index = calloc(c->global_cap, sizeof *c->global_index);
    if (!c->global_index) abort();
    for (int i = 0; i < c->nglobals; i++) *global_slot(c, c->globals[i].name) = (size_t)i + 1;
}

yb_global *yb_global_add(yb_compiler *c, const char *name, yb_sym_kind kind, int index, yb_type t, yb_decl *d,
                         yb_loc loc)
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
        if (!c->globals) abort();
    }
    if ((size_t)(c->nglobals + 1) * 2 > c->global_cap) global_grow(c);
    yb_global *g = &c->globals[c->nglobals++];
    *g = (yb_global){name, kind, index, t, d, 0, loc};
    *global_slot(c, name) = (size_t)c->nglobals;
    return g;
}

int yb_enum_find(yb_compiler *c, const char *name)
{
    for (int i = 0; i < c->enums.n; i++)
        if (strcmp(((yb_decl *)c->enums.items[i])->name, name) == 0) return i;
    return -1;
}

int yb_member_index(yb_compiler *c, int id, const char *name)
{
    yb_decl *d = c->enums.items[id];
    for (int i = 0; i < d->members.n; i++)
        if (strcmp(((yb_enum_member *)d->members.items[i])->name, name) == 0) return i;
    return -1;
}

yb_decl *yb_record_find(yb_compiler *c, const char *name)
{
    for (int i = 0; i < c->records.n; i++)
        if (strcmp(((yb_decl *)c->records.items[i])->name, name) == 0) return c->records.items[i];
    return NULL;
}

/* Every name that could have been meant, for "did you mean". */
void yb_suggest_name(yb_compiler *c, const char *name, yb_loc loc, int want_enum)
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

int yb_schema_child(yb_compiler *c, int field, const char *name)
{
    const yb_field *f = &c->prog->schema.fields[field];
    for (int i = f->first; i < f->first + f->count; i++)
        if (strcmp(c->prog->schema.fields[i].name, name) == 0) return i;
    return -1;
}

void yb_suggest_child(yb_compiler *c, int field, const char *name)
{
    const yb_field *f = &c->prog->schema.fields[field];
    const char *cands[256] = {0};
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

bool yb_scalar_type(yb_compiler *c, const char *name, yb_type *out)
{
    for (unsigned k = 0; k < YB_T__COUNT; k++)
        if (yb_kind_written(k) && strcmp(yb_kind_name((yb_kind)k), name) == 0) {
            *out = (yb_type){(uint8_t)k, -1};
            return true;
        }
    int e = yb_enum_find(c, name);
    if (e >= 0) {
        *out = (yb_type){YB_T_ENUM, (int16_t)e};
        return true;
    }
    return false;
}

void yb_unknown_type(yb_compiler *c, yb_typex *t)
{
    ERR(t->loc, "unknown type `%s`", t->name);
    const char *cands[128];
    int n = 0;
    for (unsigned k = 0; k < YB_T__COUNT; k++)
        if (yb_kind_written(k)) cands[n++] = yb_kind_name((yb_kind)k);
    for (int i = 0; i < c->enums.n && n < 120; i++) cands[n++] = ((yb_decl *)c->enums.items[i])->name;
    for (int i = 0; i < c->records.n && n < 127; i++) cands[n++] = ((yb_decl *)c->records.items[i])->name;
    const char *s = yb_suggest(t->name, cands, (size_t)n);
    if (s) yb_note(c->diag, YB_NOLOC, "did you mean `%s`?", s);
}

yb_local *yb_local_find(yb_compiler *c, const char *name)
{
    for (int i = c->nlocals - 1; i >= 0; i--)
        if (strcmp(c->locals[i].name, name) == 0) return &c->locals[i];
    return NULL;
}

yb_type yb_field_type(yb_compiler *c, int fi)
{
    const yb_field *f = &c->prog->schema.fields[fi];
    if (f->kind == YB_T_ENUM) return (yb_type){YB_T_ENUM, (int16_t)f->enum_id};
    return (yb_type){f->kind, (int16_t)fi};
}

bool yb_is_elem_field(yb_compiler *c, int fi, int *list)
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
int yb_derived_find(yb_compiler *c, int li, const char *name)
{
    for (int k = 0; k < c->derived.n; k++) {
        yb_decl *d = c->derived.items[k];
        if (c->prog->derived[k].list == li && strcmp(d->name, name) == 0) return k;
    }
    return -1;
}

bool yb_use_derived(yb_compiler *c, yb_expr *e, int k, bool quiet)
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
    yb_set_sym(e, SYM_ELEM_DERIVED, k, (yb_type){dv->kind, (int16_t)(dv->kind == YB_T_ENUM ? dv->enum_id : -1)});
    return true;
}

bool yb_resolve_name(yb_compiler *c, yb_expr *e, const yb_type *want, bool quiet)
{
    yb_local *l = yb_local_find(c, e->name);
    if (l) {
        yb_set_sym(e, l->kind, l->index, l->type);
        return true;
    }
    /* fields of the list elements being aggregated */
    for (int k = c->nelem - 1; k >= 0; k--) {
        const yb_schema *s = &c->prog->schema;
        const yb_field *lf = &s->fields[s->lists[c->elem_list_stack[k]].field];
        if (strcmp(lf->elem_name, e->name) == 0) {
            yb_set_sym(e, SYM_ELEM_RECORD, s->lists[c->elem_list_stack[k]].field, (yb_type){YB_T_RECORD, -1});
            return true;
        }
        int fi = yb_schema_child(c, s->lists[c->elem_list_stack[k]].field, e->name);
        if (fi >= 0) {
            yb_sym_kind kind = s->fields[fi].kind == YB_T_RECORD ? SYM_ELEM_RECORD : SYM_ELEM_FIELD;
            yb_set_sym(e, kind, fi, yb_field_type(c, fi));
            return true;
        }
        int dk = yb_derived_find(c, c->elem_list_stack[k], e->name);
        if (dk >= 0) return yb_use_derived(c, e, dk, quiet);
    }
    if (want && want->kind == YB_T_ENUM) {
        int m = yb_member_index(c, want->enum_id, e->name);
        if (m >= 0) {
            yb_set_sym(e, SYM_ENUM_MEMBER, m, *want);
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
        yb_set_sym(e, g->kind, g->index, g->type);
        return true;
    }
    int en = yb_enum_find(c, e->name);
    if (en >= 0) {
        yb_set_sym(e, SYM_ENUM_TYPE, en, T_VOID);
        return true;
    }
    if (!quiet) {
        if (want && want->kind == YB_T_ENUM) {
            char tnbuf[1][64];
            ERR(e->loc, "unknown name `%s` (not a value of %s either)", e->name, TN(*want, 0));
            yb_suggest_name(c, e->name, e->loc, want->enum_id);
        } else {
            ERR(e->loc, "unknown name `%s`", e->name);
            yb_suggest_name(c, e->name, e->loc, -1);
        }
    }
    return false;
}
