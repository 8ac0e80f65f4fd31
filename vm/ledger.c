/* Open-addressing hash table of entries; entries live in large chunks so that
 * a new key costs no malloc of its own and pointers to entries stay valid. */
#include "ledger.h"

#include <stdbool.h>

#include <stdlib.h>
#include <string.h>

typedef struct chunk {
    struct chunk *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
} chunk;

struct yb_ledger {
    int nvalues;
    size_t count, cap; /* slots: a power of two */
    yb_ledger_entry **slots;
    chunk *chunks;
};

static uint64_t hash_bytes(const unsigned char *p, uint32_t n)
{
    /* FNV-1a, then a final mix so that low bits spread */
    uint64_t h = 1469598103934665603ULL;
    for (uint32_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211ULL;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

yb_ledger *yb_ledger_new(int nvalues)
{
    yb_ledger *l = calloc(1, sizeof *l);
    if (!l) return NULL;
    l->nvalues = nvalues;
    l->cap = 1024;
    l->slots = calloc(l->cap, sizeof *l->slots);
    if (!l->slots) { free(l); return NULL; }
    return l;
}

void yb_ledger_free(yb_ledger *l)
{
    if (!l) return;
    chunk *c = l->chunks;
    while (c) {
        chunk *n = c->next;
        free(c);
        c = n;
    }
    free(l->slots);
    free(l);
}

static bool grow(yb_ledger *l)
{
    size_t cap = l->cap * 2;
    yb_ledger_entry **slots = calloc(cap, sizeof *slots);
    if (!slots) return false;
    for (size_t i = 0; i < l->cap; i++) {
        yb_ledger_entry *e = l->slots[i];
        if (!e) continue;
        size_t j = e->hash & (cap - 1);
        while (slots[j]) j = (j + 1) & (cap - 1);
        slots[j] = e;
    }
    free(l->slots);
    l->slots = slots;
    l->cap = cap;
    return true;
}

static yb_ledger_entry *alloc_entry(yb_ledger *l, size_t size)
{
    size = (size + 15) & ~(size_t)15;
    if (!l->chunks || l->chunks->cap - l->chunks->used < size) {
        size_t cap = size > (1 << 20) ? size : (1 << 20);
        chunk *c = malloc(sizeof *c + cap);
        if (!c) return NULL;
        c->next = l->chunks;
        c->used = 0;
        c->cap = cap;
        l->chunks = c;
    }
    yb_ledger_entry *e = (yb_ledger_entry *)(l->chunks->data + l->chunks->used);
    l->chunks->used += size;
    memset(e, 0, size);
    return e;
}

yb_ledger_entry *yb_ledger_get(yb_ledger *l, const void *key, uint32_t keylen)
{
    uint64_t h = hash_bytes(key, keylen);
    size_t mask = l->cap - 1, i = h & mask;
    size_t vbytes = (size_t)l->nvalues * sizeof(int64_t);
    for (yb_ledger_entry *e; (e = l->slots[i]) != NULL; i = (i + 1) & mask)
        if (e->hash == h && e->keylen == keylen && memcmp((unsigned char *)e->values + vbytes, key, keylen) == 0)
            return e;
    if ((l->count + 1) * 4 > l->cap * 3) {
        if (!grow(l)) return NULL;
        mask = l->cap - 1;
        i = h & mask;
        while (l->slots[i]) i = (i + 1) & mask;
    }
    yb_ledger_entry *e = alloc_entry(l, sizeof *e + vbytes + keylen);
    if (!e) return NULL;
    e->hash = h;
    e->keylen = keylen;
    memcpy((unsigned char *)e->values + vbytes, key, keylen);
    l->slots[i] = e;
    l->count++;
    return e;
}

size_t yb_ledger_count(const yb_ledger *l) { return l->count; }
