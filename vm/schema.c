/* Freeing a flattened input shape, and naming its fields (schema.h). */
#include "schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void yb_schema_free(yb_schema *s)
{
    if (!s) return;
    for (int32_t i = 0; i < s->nfields && s->fields; i++) {
        free(s->fields[i].name);
        free(s->fields[i].elem_name);
    }
    free(s->fields);
    free(s->lists);
    for (int32_t i = 0; i < s->nenums && s->enums; i++) {
        yb_enum_desc *e = &s->enums[i];
        for (int32_t k = 0; k < e->n && e->names; k++) free(e->names[k]);
        free(e->names);
        free(e->codes);
        for (int32_t k = 0; k < e->ntexts && e->texts; k++) free(e->texts[k]);
        free(e->texts);
        free(e->texts_member);
        free(e->name);
    }
    free(s->enums);
    /* The struct itself belongs to the caller (it may be embedded); leave it empty. */
    memset(s, 0, sizeof *s);
}

/* The record or list that holds field f, or -1. */
static int32_t parent_of(const yb_schema *s, int32_t f)
{
    for (int32_t i = 0; i < s->nfields; i++)
        if ((s->fields[i].kind == YB_T_RECORD || s->fields[i].kind == YB_T_LIST) && f >= s->fields[i].first &&
            (int64_t)f < (int64_t)s->fields[i].first + s->fields[i].count) /* counts come from .ybc files */
            return i;
    return -1;
}

void yb_field_path(const yb_schema *s, const int32_t *parent, int32_t field, long elem, char *buf, size_t n)
{
    int32_t chain[64]; /* records nest at most 8 deep in a policy, 32 for a reader */
    int k = 0;
    for (int32_t f = field; f >= 0 && k < (int)(sizeof chain / sizeof chain[0]); f = parent ? parent[f] : parent_of(s, f))
        chain[k++] = f;
    size_t len = 0;
    if (n) buf[0] = 0;
    for (int j = k - 1; j >= 0 && len + 1 < n; j--) { /* snprintf truncates; len past n ends the loop */
        const yb_field *f = &s->fields[chain[j]];
        bool index = j > 0 && f->kind == YB_T_LIST && elem >= 0;
        int w = index ? snprintf(buf + len, n - len, "%s%s[%ld]", j == k - 1 ? "" : ".", f->name, elem)
                      : snprintf(buf + len, n - len, "%s%s", j == k - 1 ? "" : ".", f->name);
        if (w < 0) break;
        len += (size_t)w;
    }
}
