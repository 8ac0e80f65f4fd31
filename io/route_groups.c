/* Groups of claim ids: union-find over a hash table of the ids met.
 *
 * Each distinct id is a node (24 bytes, its bytes in one growing buffer, a
 * 4-byte slot of an open-addressing table at most half full).  A union hangs
 * the root with the larger index under the other, so a node's parent is
 * never after it and every group's root is the id met first: the routing
 * depends on the input alone.  Finds halve their path; yb_groups_seal then
 * points every node at its root in one pass in index order (a parent is
 * sealed before its children), after which routing only reads. */
#include "route_groups.h"

#include <stdlib.h>
#include <string.h>

typedef struct gnode {
    uint64_t hash;
    uint64_t off; /* in bytes */
    uint32_t len;
    uint32_t parent;
} gnode;

struct yb_groups {
    gnode *nodes;
    size_t n, cap;
    char *bytes;
    size_t blen, bcap;
    uint32_t *slots; /* node + 1; 0: empty */
    size_t nslots;   /* a power of two */
    size_t joined;
};

uint64_t yb_route_hash(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
    return (h >> 1) + 1; /* never 0; the low bits still vary */
}

yb_groups *yb_groups_new(void)
{
    yb_groups *g = calloc(1, sizeof *g);
    if (!g) return NULL;
    g->nslots = 1024;
    g->slots = calloc(g->nslots, sizeof *g->slots);
    if (!g->slots) {
        free(g);
        return NULL;
    }
    return g;
}

void yb_groups_free(yb_groups *g)
{
    if (!g) return;
    free(g->nodes);
    free(g->bytes);
    free(g->slots);
    free(g);
}

static size_t slot_of(const yb_groups *g, uint64_t h, const char *id, size_t len)
{
    size_t mask = g->nslots - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        uint32_t s = g->slots[i];
        if (!s) return i;
        const gnode *n = &g->nodes[s - 1];
        if (n->hash == h && n->len == len && memcmp(g->bytes + n->off, id, len) == 0) return i;
    }
}

static bool grow_slots(yb_groups *g)
{
    size_t ns = g->nslots * 2;
    uint32_t *s = calloc(ns, sizeof *s);
    if (!s) return false;
    for (size_t i = 0; i < g->nslots; i++) {
        uint32_t v = g->slots[i];
        if (!v) continue;
        size_t j = (size_t)g->nodes[v - 1].hash & (ns - 1);
        while (s[j]) j = (j + 1) & (ns - 1);
        s[j] = v;
    }
    free(g->slots);
    g->slots = s;
    g->nslots = ns;
    return true;
}

static bool reserve(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap) return true;
    size_t c = *cap ? *cap : 1024;
    while (c < need) c *= 2;
    void *q = realloc(*p, c * size);
    if (!q) return false;
    *p = q;
    *cap = c;
    return true;
}

long yb_groups_find(const yb_groups *g, const char *id, size_t len)
{
    uint32_t s = g->slots[slot_of(g, yb_route_hash(id, len), id, len)];
    return s ? (long)s - 1 : -1;
}

long yb_groups_add(yb_groups *g, const char *id, size_t len)
{
    uint64_t h = yb_route_hash(id, len);
    size_t at = slot_of(g, h, id, len);
    if (g->slots[at]) return (long)g->slots[at] - 1;
    if (g->n >= UINT32_MAX - 1 || len > UINT32_MAX) return -1;
    if ((g->n + 1) * 2 > g->nslots) {
        if (!grow_slots(g)) return -1;
        at = slot_of(g, h, id, len);
    }
    if (!reserve((void **)&g->nodes, &g->cap, g->n + 1, sizeof *g->nodes) ||
        !reserve((void **)&g->bytes, &g->bcap, g->blen + len + 1, 1))
        return -1;
    memcpy(g->bytes + g->blen, id, len);
    g->nodes[g->n] = (gnode){h, g->blen, (uint32_t)len, (uint32_t)g->n};
    g->blen += len;
    g->slots[at] = (uint32_t)(g->n + 1);
    return (long)g->n++;
}

static uint32_t root(yb_groups *g, uint32_t a)
{
    while (g->nodes[a].parent != a) {
        g->nodes[a].parent = g->nodes[g->nodes[a].parent].parent; /* path halving */
        a = g->nodes[a].parent;
    }
    return a;
}

void yb_groups_union(yb_groups *g, long a, long b)
{
    if (a < 0 || b < 0) return;
    uint32_t ra = root(g, (uint32_t)a), rb = root(g, (uint32_t)b);
    if (ra == rb) return;
    if (ra < rb) g->nodes[rb].parent = ra;
    else g->nodes[ra].parent = rb;
    g->joined++;
}

void yb_groups_seal(yb_groups *g)
{
    for (size_t i = 0; i < g->n; i++) g->nodes[i].parent = g->nodes[g->nodes[i].parent].parent;
}

uint64_t yb_groups_root_hash(const yb_groups *g, long a)
{
    return g->nodes[g->nodes[a].parent].hash;
}

size_t yb_groups_count(const yb_groups *g) { return g->n; }

size_t yb_groups_joined(const yb_groups *g) { return g->joined; }
