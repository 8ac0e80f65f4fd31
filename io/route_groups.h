/* Groups of claim ids (route_groups.c): a union-find over a hash table of
 * the ids that are linked to another id, so that `yibao run --jobs`,
 * `yibao shard` and the Dask driver route every claim of a family (a member
 * and the payer whose account the member draws on, compiler/routing.c) to
 * one worker.  An id is known by its hash (yb_route_hash): two ids with one
 * hash are one id, which only puts them on one worker (safe).  A group's
 * root is its least hash, so the groups depend only on the set of links,
 * never on the order they were learnt in: threads may learn parts of a batch
 * into groups of their own and merge them (yb_groups_absorb).  Memory grows
 * with the ids linked, never with the claims: at most 32 bytes an id. */
#ifndef YB_ROUTE_GROUPS_H
#define YB_ROUTE_GROUPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct yb_groups yb_groups;

yb_groups *yb_groups_new(void);
void yb_groups_free(yb_groups *g);
/* The groups of the ids of hashes a and b made one (each added, alone in
 * its group, when new); false when out of memory. */
bool yb_groups_link(yb_groups *g, uint64_t a, uint64_t b);
/* Every link of from made in into too; false when out of memory. */
bool yb_groups_absorb(yb_groups *into, const yb_groups *from);
/* Every id pointed straight at its group's root: after this (and until the
 * next link) yb_groups_root reads only, so threads may route at once. */
void yb_groups_seal(yb_groups *g);
/* The root of the group of the id of hash h (the least hash in it; h itself
 * when h was never linked).  Needs yb_groups_seal. */
uint64_t yb_groups_root(const yb_groups *g, uint64_t h);
/* Distinct ids linked, and links that joined two groups (ids minus groups,
 * whatever the order of the links). */
size_t yb_groups_count(const yb_groups *g);
size_t yb_groups_joined(const yb_groups *g);

/* The hash claims are routed by (FNV-1a, never 0). */
uint64_t yb_route_hash(const char *p, size_t n);

#endif
