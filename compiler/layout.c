/* Layout: the input block becomes the readers' schema (fields, slots, lists,
 * enums), the output block the settlement's fields. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "yb_limits.h"

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
    size_t name_len = strlen(fd->name);
    if (name_len > YB_MAX_FIELD_NAME) { /* a claim reader would refuse every claim */
        ERR(fd->loc, "the input field name `%.32s…` is %zu bytes; a claim's field names are at most %d bytes",
            fd->name, name_len, YB_MAX_FIELD_NAME);
        return false;
    }
    if (!fd->type) {
        ERR(fd->loc, "`%s` needs a type (`%s: money`)", fd->name, fd->name);
        return false;
    }
    yb_typex *t = fd->type;
    yb_vec *sub = NULL;
    if (t->kind == TY_RECORD) sub = &t->fields;
    else if (t->kind == TY_NAMED && yb_record_find(c, t->name)) sub = &yb_record_find(c, t->name)->fields;
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
        yb_decl *rec = yb_record_find(c, t->name);
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
    if (!yb_scalar_type(c, t->name, &ty)) {
        yb_unknown_type(c, t);
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
        if (!yb_const_value(c, fd->dflt, ty, &v)) return false;
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

bool yb_layout_input(yb_compiler *c)
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
        /* text codes: each names one member, and no text is a member's name or another code */
        for (int m = 0; m < ed->n; m++) {
            yb_enum_member *em = d->members.items[m];
            for (int k = 0; k < em->texts.n; k++) {
                yb_expr *t = em->texts.items[k];
                bool clash = memchr(t->name, 0, t->text_len) != NULL || t->text_len == 0;
                for (int o = 0; o < ed->n && !clash; o++) clash = strcmp(ed->names[o], t->name) == 0 && o != m;
                for (int o = 0; o < ed->ntexts && !clash; o++) clash = strcmp(ed->texts[o], t->name) == 0;
                if (clash) {
                    ERR(t->loc, "the text code \"%s\" of `%s` is empty, or already names a member of `%s`", t->name, em->name, d->name);
                    continue;
                }
                ed->texts = realloc(ed->texts, (size_t)(ed->ntexts + 1) * sizeof *ed->texts);
                ed->texts_member = realloc(ed->texts_member, (size_t)(ed->ntexts + 1) * sizeof *ed->texts_member);
                ed->texts[ed->ntexts] = strndup(t->name, t->text_len);
                ed->texts_member[ed->ntexts++] = m;
            }
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
        yb_global_add(c, f->name, k, s->root_first + i, t, c->input, ((yb_fielddecl *)c->input->fields.items[i])->loc);
    }
    return ok;
}

bool yb_layout_outputs(yb_compiler *c)
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
            yb_sym_new(c, YB_T_INT); /* placeholder: output i stays symbol i */
            continue;
        }
        yb_type t;
        if (fd->type->kind != TY_NAMED || !yb_scalar_type(c, fd->type->name, &t) || t.kind == YB_T_BANDS) {
            if (fd->type->kind == TY_NAMED && !yb_scalar_type(c, fd->type->name, &t)) yb_unknown_type(c, fd->type);
            else ERR(fd->loc, "an output holds one value (money, rate, int, bool, date, text or an enum)");
            ok = false;
            yb_sym_new(c, YB_T_INT);
            continue;
        }
        o->kind = t.kind;
        o->enum_id = (uint16_t)(t.kind == YB_T_ENUM ? t.enum_id : 0);
        int sym = yb_sym_new(c, t.kind);
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
        yb_global_add(c, fd->name, SYM_OUTPUT, sym, t, c->output, fd->loc);
    }
    return ok;
}
