/* Groups of claim ids: union-find over a hash table of the ids linked.
 *
 * The table is open addressing over entries of 16 bytes (an id's hash and
 * its parent's hash; hash 0 marks an empty entry: yb_route_hash is never 0),
 * at most half full.  A parent is named by its hash, not by its place, so
 * the table can grow without renumbering.  A union hangs the root with the
 * larger hash under the other: every group's root is its least hash, the
 * same whatever the order of the links (yb_groups_absorb merges the groups
 * that threads learnt apart).  Finds halve their path; yb_groups_seal then
 * points every id at its root, after which routing reads one entry a claim
 * (one cache line: the table holds the linked ids only, not every member). */
#include "route_groups.h"

#include <stdlib.h>

typedef struct gent {
    uint64_t hash;   /* 0: empty */
    uint64_t parent; /* the parent's hash; its own at a root */
} gent;

struct yb_groups {
    gent *t;
    size_t nslots; /* a power of two */
    size_t n, joined;
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
    if (!(g->t = calloc(g->nslots, sizeof *g->t))) {
        free(g);
        return NULL;
    }
    return g;
}

void yb_groups_free(yb_groups *g)
{
    if (!g) return;
    free(g->t);
    free(g);
}

/* FNV-1a's low bits depend on the low bits of its state only: the slot is
 * taken from the high bits of the hash times a large odd constant. */
static size_t home(uint64_t h, size_t nslots) { return (size_t)((h * 0x9E3779B97F4A7C15ULL) >> 32) & (nslots - 1); }

/* The entry of h, or the empty one where it would go. */
static gent *entry(const yb_groups *g, uint64_t h)
{
    size_t mask = g->nslots - 1;
    for (size_t i = home(h, g->nslots);; i = (i + 1) & mask)
        if (g->t[i].hash == h || g->t[i].hash == 0) return &g->t[i];
}

static bool grow(yb_groups *g)
{
    yb_groups bigger = {calloc(2 * g->nslots, sizeof *g->t), 2 * g->nslots, g->n, g->joined};
    if (!bigger.t) return false;
    for (size_t i = 0; i < g->nslots; i++)
        if (g->t[i].hash) *entry(&bigger, g->t[i].hash) = g->t[i];
    free(g->t);
    *g = bigger;
    return true;
}

static bool add(yb_groups *g, uint64_t h)
{
    if (entry(g, h)->hash) return true;
    if ((g->n + 1) * 2 > g->nslots && !grow(g)) return false;
    *entry(g, h) = (gent){h, h};
    g->n++;
    return true;
}

static uint64_t root(yb_groups *g, uint64_t h)
{
    for (;;) {
        gent *e = entry(g, h);
        if (e->parent == h) return h;
        e->parent = entry(g, e->parent)->parent; /* path halving */
        h = e->parent;
    }
}

bool yb_groups_link(yb_groups *g, uint64_t a, uint64_t b)
{
    if (!add(g, a) || !add(g, b)) return false;
    uint64_t ra = root(g, a), rb = root(g, b);
    if (ra == rb) return true;
    if (ra < rb) entry(g, rb)->parent = ra;
    else entry(g, ra)->parent = rb;
    g->joined++;
    return true;
}

bool yb_groups_absorb(yb_groups *into, const yb_groups *from)
{
    /* an id linked to its parent, for every id: the same groups */
    for (size_t i = 0; i < from->nslots; i++)
        if (from->t[i].hash && !yb_groups_link(into, from->t[i].hash, from->t[i].parent)) return false;
    return true;
}

void yb_groups_seal(yb_groups *g)
{
    for (size_t i = 0; i < g->nslots; i++)
        if (g->t[i].hash) g->t[i].parent = root(g, g->t[i].hash);
}

uint64_t yb_groups_root(const yb_groups *g, uint64_t h)
{
    const gent *e = entry(g, h);
    return e->hash ? e->parent : h;
}

size_t yb_groups_count(const yb_groups *g) { return g->n; }

size_t yb_groups_joined(const yb_groups *g) { return g->joined; }
