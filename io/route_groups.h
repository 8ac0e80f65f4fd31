/* Groups of claim ids (route_groups.c): a union-find over a hash table of
 * the ids met, so that `yibao run --jobs`, `yibao shard` and the Dask driver
 * route every claim of a family (a member and the payer whose account the
 * member draws on, compiler/routing.c) to one worker.  Memory grows with the
 * distinct ids, never with the claims: about 28 bytes an id plus its bytes. */
#ifndef YB_ROUTE_GROUPS_H
#define YB_ROUTE_GROUPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct yb_groups yb_groups;

yb_groups *yb_groups_new(void);
void yb_groups_free(yb_groups *g);
/* The node of id (added, alone in its group, when new); -1 when out of memory. */
long yb_groups_add(yb_groups *g, const char *id, size_t len);
/* The node of id, or -1 when it was never added. */
long yb_groups_find(const yb_groups *g, const char *id, size_t len);
/* The groups of nodes a and b made one. */
void yb_groups_union(yb_groups *g, long a, long b);
/* Every node pointed straight at its group's root: after this (and until
 * the next add or union) yb_groups_root_hash reads only, so threads may
 * route at once. */
void yb_groups_seal(yb_groups *g);
/* The hash of the id at the root of a's group (the same for every id of
 * the group; yb_route_hash of the root's bytes).  Needs yb_groups_seal. */
uint64_t yb_groups_root_hash(const yb_groups *g, long a);
/* Distinct ids, and groups of more than one id. */
size_t yb_groups_count(const yb_groups *g);
size_t yb_groups_joined(const yb_groups *g);

/* The hash claims are routed by (FNV-1a, never 0). */
uint64_t yb_route_hash(const char *p, size_t n);

#endif
