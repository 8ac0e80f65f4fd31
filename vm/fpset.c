/* Open addressing over two parallel arrays (fingerprints, tags), a power of
 * two of slots at most 3/4 full: 12 bytes a slot, 16 to 32 bytes a
 * fingerprint.  Most lookups are of fingerprints not there (a new claim, a
 * record not seen before): linear probing at 3/4 walks 8.5 slots on average
 * to say so, but eight fingerprints share a cache line, so that is one or two
 * lines; half full would walk 2.5 slots for a third more memory. */
#include "fpset.h"

#include <stdlib.h>
#include <string.h>

#include "siphash.h"
#include "table_alloc.h"

struct yb_fpset {
    size_t count, cap;
    uint64_t *fps; /* 0: empty slot */
    uint32_t *tags;
};

yb_fpset *yb_fpset_new(void)
{
    yb_fpset *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->cap = 1024;
    s->fps = yb_table_alloc(s->cap, sizeof *s->fps);
    s->tags = yb_table_alloc(s->cap, sizeof *s->tags);
    if (!s->fps || !s->tags) {
        yb_fpset_free(s);
        return NULL;
    }
    return s;
}

void yb_fpset_free(yb_fpset *s)
{
    if (!s) return;
    free(s->fps);
    free(s->tags);
    free(s);
}

/* The fingerprints are already uniform hashes: their high bits pick the
   slot, so fingerprints in order fill the table from left to right (a
   durable ledger keeps them sorted: loading them streams through memory). */
static size_t home(uint64_t fp, size_t cap) { return (size_t)(((unsigned __int128)fp * cap) >> 64); }

static size_t find(const uint64_t *fps, size_t cap, uint64_t fp)
{
    size_t i = home(fp, cap);
    while (fps[i] && fps[i] != fp) i = (i + 1) & (cap - 1);
    return i;
}

uint32_t yb_fpset_get(const yb_fpset *s, uint64_t fp)
{
    size_t i = find(s->fps, s->cap, fp);
    return s->fps[i] ? s->tags[i] : 0;
}

void yb_fpset_prefetch(const yb_fpset *s, uint64_t fp) { __builtin_prefetch(&s->fps[home(fp, s->cap)]); }

static bool grow(yb_fpset *s)
{
    size_t cap = s->cap * 2;
    uint64_t *fps = yb_table_alloc(cap, sizeof *fps);
    uint32_t *tags = yb_table_alloc(cap, sizeof *tags);
    if (!fps || !tags) {
        free(fps);
        free(tags);
        return false;
    }
    for (size_t i = 0; i < s->cap; i++) {
        if (!s->fps[i]) continue;
        size_t j = find(fps, cap, s->fps[i]);
        fps[j] = s->fps[i];
        tags[j] = s->tags[i];
    }
    free(s->fps);
    free(s->tags);
    s->fps = fps;
    s->tags = tags;
    s->cap = cap;
    return true;
}

bool yb_fpset_put(yb_fpset *s, uint64_t fp, uint32_t tag)
{
    size_t i = find(s->fps, s->cap, fp);
    if (!s->fps[i]) {
        if ((s->count + 1) * 4 > s->cap * 3) {
            if (!grow(s)) return false;
            i = find(s->fps, s->cap, fp);
        }
        s->fps[i] = fp;
        s->count++;
    }
    s->tags[i] = tag;
    return true;
}

size_t yb_fpset_count(const yb_fpset *s) { return s->count; }

bool yb_fpset_reserve(yb_fpset *s, size_t n)
{
    while (n * 4 > s->cap * 3)
        if (!grow(s)) return false;
    return true;
}

bool yb_fpset_next(const yb_fpset *s, size_t *pos, uint64_t *fp, uint32_t *tag)
{
    for (; *pos < s->cap; ++*pos) {
        if (!s->fps[*pos]) continue;
        *fp = s->fps[*pos];
        *tag = s->tags[*pos];
        ++*pos;
        return true;
    }
    return false;
}

uint64_t yb_fingerprint(const uint64_t key[2], const void *data, size_t n)
{
    uint64_t h = yb_siphash13(key, data, n);
    return h ? h : 1;
}
