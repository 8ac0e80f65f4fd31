/* The ledger's table keeps each entry inline in its slot (flags, hash, values,
 * and the key itself when it is short), so finding a member's running totals
 * costs one cache miss, not a walk from a slot to a separately allocated
 * entry.  Keys longer than INLINE_KEY bytes live in a side arena.
 *
 * Keys come from the claims (member ids), so a hostile sender could choose
 * them: with an unkeyed hash, ids crafted to collide made every lookup walk
 * all the entries before it (100,000 such claims took 24 s instead of 0.1).
 * The hash is therefore SipHash-1-3 under a random key drawn per ledger:
 * without the key no one can aim at a slot, and with a hash that spreads
 * keys uniformly, linear probing at most 3/4 full keeps probes short (a few
 * slots on average, tens at worst over millions of keys; yb_ledger_max_probe
 * shows it).  Nothing written depends on the key: lookups find the same
 * entries whatever it is, and reports sort the entries by key. */
#include "ledger.h"
#include "siphash.h"
#include "table_alloc.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define INLINE_KEY 40

typedef struct chunk {
    struct chunk *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
} chunk;

struct yb_ledger {
    int nvalues;
    size_t stride;     /* bytes per slot */
    size_t count, cap; /* slots: a power of two, at most 3/4 full */
    size_t max_probe;  /* the longest walk from a key's home slot to its entry */
    uint64_t key[2];   /* the hash key, random per ledger */
    unsigned char *slots;
    chunk *long_keys;
};

/* The slot table, zeroed (huge pages when large: table_alloc.h). */
static unsigned char *alloc_slots(size_t cap, size_t stride) { return yb_table_alloc(cap, stride); }

static uint64_t hash_bytes(const yb_ledger *l, const void *p, uint32_t n)
{
    return yb_siphash13(l->key, p, n) | 1; /* 0 marks an empty slot */
}

static yb_ledger_entry *at(const yb_ledger *l, size_t i) { return (yb_ledger_entry *)(l->slots + i * l->stride); }

static const unsigned char *key_of(const yb_ledger *l, const yb_ledger_entry *e)
{
    const unsigned char *k = (const unsigned char *)(e->values + l->nvalues);
    if (e->keylen <= INLINE_KEY) return k;
    const unsigned char *p;
    memcpy(&p, k, sizeof p);
    return p;
}

yb_ledger *yb_ledger_new(int nvalues)
{
    yb_ledger *l = calloc(1, sizeof *l);
    if (!l) return NULL;
    l->nvalues = nvalues;
    l->stride = (sizeof(yb_ledger_entry) + (size_t)nvalues * 8 + INLINE_KEY + 7) & ~(size_t)7;
    l->cap = 1024;
    yb_siphash_random_key(l->key);
    l->slots = alloc_slots(l->cap, l->stride);
    if (!l->slots) {
        free(l);
        return NULL;
    }
    return l;
}

void yb_ledger_free(yb_ledger *l)
{
    if (!l) return;
    chunk *c = l->long_keys;
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
    size_t cap = l->cap * 2, max_probe = 0;
    unsigned char *slots = alloc_slots(cap, l->stride);
    if (!slots) return false;
    for (size_t i = 0; i < l->cap; i++) {
        yb_ledger_entry *e = at(l, i);
        if (!e->hash) continue;
        size_t j = e->hash & (cap - 1), probe = 0;
        while (((yb_ledger_entry *)(slots + j * l->stride))->hash) j = (j + 1) & (cap - 1), probe++;
        if (probe > max_probe) max_probe = probe;
        memcpy(slots + j * l->stride, e, l->stride);
    }
    free(l->slots);
    l->slots = slots;
    l->cap = cap;
    l->max_probe = max_probe;
    return true;
}

static unsigned char *keep_long_key(yb_ledger *l, const void *key, uint32_t n)
{
    if (!l->long_keys || l->long_keys->cap - l->long_keys->used < n) {
        size_t cap = n > (1 << 20) ? n : (1 << 20);
        chunk *c = malloc(sizeof *c + cap);
        if (!c) return NULL;
        c->next = l->long_keys;
        c->used = 0;
        c->cap = cap;
        l->long_keys = c;
    }
    unsigned char *p = l->long_keys->data + l->long_keys->used;
    l->long_keys->used += n;
    memcpy(p, key, n);
    return p;
}

void yb_ledger_prefetch(const yb_ledger *l, const void *key, uint32_t keylen)
{
    uint64_t h = hash_bytes(l, key, keylen);
    const unsigned char *slot = l->slots + (h & (l->cap - 1)) * l->stride;
    __builtin_prefetch(slot);
    __builtin_prefetch(slot + 64);
}

yb_ledger_entry *yb_ledger_get(yb_ledger *l, const void *key, uint32_t keylen)
{
    uint64_t h = hash_bytes(l, key, keylen);
    size_t mask = l->cap - 1, i = h & mask, probe = 0;
    for (yb_ledger_entry *e; (e = at(l, i))->hash; i = (i + 1) & mask, probe++)
        if (e->hash == h && e->keylen == keylen && memcmp(key_of(l, e), key, keylen) == 0) return e;
    if ((l->count + 1) * 4 > l->cap * 3) {
        if (!grow(l)) return NULL;
        mask = l->cap - 1;
        i = h & mask;
        probe = 0;
        while (at(l, i)->hash) i = (i + 1) & mask, probe++;
    }
    if (probe > l->max_probe) l->max_probe = probe;
    yb_ledger_entry *e = at(l, i);
    unsigned char *k = (unsigned char *)(e->values + l->nvalues);
    if (keylen <= INLINE_KEY) {
        memcpy(k, key, keylen);
    } else {
        unsigned char *p = keep_long_key(l, key, keylen);
        if (!p) return NULL;
        memcpy(k, &p, sizeof p);
    }
    e->hash = h;
    e->keylen = keylen;
    e->flags = 0;
    l->count++;
    return e;
}

size_t yb_ledger_count(const yb_ledger *l) { return l->count; }

size_t yb_ledger_max_probe(const yb_ledger *l) { return l->max_probe; }

yb_ledger_entry **yb_ledger_entries(const yb_ledger *l)
{
    yb_ledger_entry **out = malloc((l->count ? l->count : 1) * sizeof *out);
    if (!out) return NULL;
    size_t n = 0;
    for (size_t i = 0; i < l->cap; i++)
        if (at(l, i)->hash) out[n++] = at(l, i);
    return out;
}

yb_ledger_entry *yb_ledger_next(const yb_ledger *l, size_t *pos)
{
    for (; *pos < l->cap; ++*pos)
        if (at(l, *pos)->hash) return at(l, (*pos)++);
    return NULL;
}

const unsigned char *yb_ledger_key(const yb_ledger *l, const yb_ledger_entry *e) { return key_of(l, e); }
