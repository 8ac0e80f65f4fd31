/* Open addressing over two parallel arrays (fingerprints, tags), a power of
 * two of slots at most 3/4 full: 12 bytes a slot. */
#include "fpset.h"

#include <stdlib.h>
#include <string.h>

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
    s->fps = calloc(s->cap, sizeof *s->fps);
    s->tags = calloc(s->cap, sizeof *s->tags);
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

/* The fingerprints are already uniform hashes: their low bits pick the slot. */
static size_t find(const uint64_t *fps, size_t cap, uint64_t fp)
{
    size_t i = (size_t)fp & (cap - 1);
    while (fps[i] && fps[i] != fp) i = (i + 1) & (cap - 1);
    return i;
}

uint32_t yb_fpset_get(const yb_fpset *s, uint64_t fp)
{
    size_t i = find(s->fps, s->cap, fp);
    return s->fps[i] ? s->tags[i] : 0;
}

static bool grow(yb_fpset *s)
{
    size_t cap = s->cap * 2;
    uint64_t *fps = calloc(cap, sizeof *fps);
    uint32_t *tags = calloc(cap, sizeof *tags);
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

static uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

uint64_t yb_fingerprint(const uint64_t key[2], const void *data, size_t n)
{
    const unsigned char *p = data;
    uint64_t h = key[0] ^ ((uint64_t)n * 0x9e3779b97f4a7c15ULL);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = mix(h ^ w ^ key[1]);
    }
    uint64_t w = 0;
    memcpy(&w, p + i, n - i);
    h = mix(h ^ w ^ key[1] ^ 0xa5);
    h = mix(h + key[0]);
    return h ? h : 1;
}
