/* Registers and the constant pool: every register has one kind for its whole
 * life (the verifier relies on it); constants and texts are stored once. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

bool yb_reg_limit(yb_compiler *c, int n)
{
    if (n < YB_MAX_REGS) return false;
    if (!c->regs_full) ERR(YB_NOLOC, "the policy needs more than %d registers (named values, lets and temporaries); split large rules or drop unused defines", YB_MAX_REGS);
    c->regs_full = true; /* said once */
    return true;
}

int yb_reg_new(yb_compiler *c, uint8_t kind)
{
    yb_program *p = c->prog;
    if (yb_reg_limit(c, p->nregs)) return 0;
    if (p->nregs == c->cap_regs) {
        c->cap_regs = c->cap_regs ? c->cap_regs * 2 : 256;
        p->reg_kinds = realloc(p->reg_kinds, (size_t)c->cap_regs);
    }
    p->reg_kinds[p->nregs] = kind;
    return p->nregs++;
}

/* The checker's symbols get their registers first, one each in symbol order,
 * before any temporary: the outputs (symbols 0..nouts-1) and the fields of a
 * state stay consecutive, which ZERO and the state descriptors rely on.
 * map[nsyms] is the register after them (where a state without fields starts). */
int *yb_regs_for_symbols(yb_compiler *c)
{
    int *map = malloc((size_t)(c->nsyms + 1) * sizeof *map);
    if (!map) abort();
    for (int i = 0; i < c->nsyms; i++) map[i] = yb_reg_new(c, c->sym_kinds[i]);
    map[c->nsyms] = c->prog->nregs;
    return map;
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
            size_t j = yb_hash_bytes(p->pool + yb_text_offset(v), yb_text_length(v)) & (cap - 1);
            while (idx[j]) j = (j + 1) & (cap - 1);
            idx[j] = v;
        }
        free(c->pool_index);
        c->pool_index = idx;
        c->pool_cap = cap;
    }
    size_t j = yb_hash_bytes(s, n) & (c->pool_cap - 1);
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
