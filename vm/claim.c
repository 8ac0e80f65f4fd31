/* The claim record a reader fills: fixed slots, per-list element arrays and a
 * text arena, all reused from one record to the next (claim.h). */
#include "claim.h"

#include <stdlib.h>
#include <string.h>

#define TEXT_MAX 0x7fffffffu /* text offsets and lengths fit in 31 bits */

yb_claim *yb_claim_new(const yb_schema *s)
{
    yb_claim *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->schema = s;
    size_t ns = s->nslots > 0 ? (size_t)s->nslots : 1;
    c->slots = calloc(ns, sizeof *c->slots);
    c->present = calloc(ns, 1);
    if (s->nlists > 0) c->lists = calloc((size_t)s->nlists, sizeof *c->lists);
    c->text_cap = 4096;
    c->text = malloc(c->text_cap);
    if (!c->slots || !c->present || (s->nlists > 0 && !c->lists) || !c->text) {
        yb_claim_free(c);
        return NULL;
    }
    return c;
}

void yb_claim_free(yb_claim *c)
{
    if (!c) return;
    if (c->lists) {
        for (int32_t i = 0; i < c->schema->nlists; i++) {
            free(c->lists[i].slots);
            free(c->lists[i].present);
        }
        free(c->lists);
    }
    free(c->slots);
    free(c->present);
    free(c->text);
    free(c);
}

void yb_claim_reset(yb_claim *c)
{
    const yb_schema *s = c->schema;
    if (s->nslots > 0) {
        memset(c->slots, 0, (size_t)s->nslots * sizeof *c->slots);
        memset(c->present, 0, (size_t)s->nslots);
    }
    for (int32_t i = 0; i < s->nlists; i++) c->lists[i].count = 0;
    c->text_len = 0;
    c->line = 0;
}

int64_t yb_claim_add_text(yb_claim *c, const char *p, size_t n)
{
    if (n > TEXT_MAX || (size_t)c->text_len + n > TEXT_MAX) return -1;
    uint32_t need = c->text_len + (uint32_t)n;
    if (need > c->text_cap) {
        uint64_t cap = c->text_cap ? c->text_cap : 4096;
        while (cap < need) cap *= 2;
        if (cap > (uint64_t)TEXT_MAX + 1) cap = (uint64_t)TEXT_MAX + 1;
        char *t = realloc(c->text, (size_t)cap);
        if (!t) return -1;
        c->text = t;
        c->text_cap = (uint32_t)cap;
    }
    uint32_t off = c->text_len;
    if (n) memcpy(c->text + off, p, n);
    c->text_len = need;
    return yb_text_make(off, (uint32_t)n, false);
}

int32_t yb_claim_add_element(yb_claim *c, int32_t li)
{
    const yb_schema *s = c->schema;
    if (li < 0 || li >= s->nlists) return -1;
    yb_list_data *L = &c->lists[li];
    size_t ns = s->lists[li].elem_nslots > 0 ? (size_t)s->lists[li].elem_nslots : 0;
    if (L->count == L->cap) {
        if (L->cap >= INT32_MAX / 2) return -1;
        int32_t cap = L->cap ? L->cap * 2 : 16;
        size_t bytes = (size_t)cap * (ns ? ns : 1);
        if (bytes / (size_t)cap != (ns ? ns : 1) || bytes > SIZE_MAX / sizeof(int64_t)) return -1;
        int64_t *sl = realloc(L->slots, bytes * sizeof *sl);
        if (!sl) return -1;
        L->slots = sl;
        uint8_t *pr = realloc(L->present, bytes);
        if (!pr) return -1;
        L->present = pr;
        L->cap = cap;
    }
    int32_t e = L->count++;
    if (ns) {
        memset(L->slots + (size_t)e * ns, 0, ns * sizeof *L->slots);
        memset(L->present + (size_t)e * ns, 0, ns);
    }
    return e;
}
