/* The routing of a claim line for `yibao run --jobs`, `yibao shard` and the
 * Dask driver (route_key.c): which worker (or part) settles it, so that every
 * claim that can meet a state entry meets it on the same worker. */
#ifndef YB_ROUTE_KEY_H
#define YB_ROUTE_KEY_H

#include <stdbool.h>
#include <stddef.h>

#include "program.h"
#include "route_groups.h"

typedef struct yb_router yb_router;

/* The router of p among n workers (n >= 1); NULL when p cannot be split
 * (route_field 0: everything goes to worker 0) or out of memory (*oom set). */
yb_router *yb_router_new(const yb_program *p, int n, bool *oom);
void yb_router_free(yb_router *r);
/* Does r route by groups of ids (vm/route_plan.h ids)?  Then every line
 * of the batch goes through yb_router_learn (or yb_router_learn_text) before
 * any is routed, and yb_router_seal after the last. */
bool yb_router_grouped(const yb_router *r);
/* One line (lineno in its file: a byte order mark on line 1 is skipped) of
 * the pre-pass: the ids it gives joined into one group.  false: out of memory. */
bool yb_router_learn(yb_router *r, const char *line, size_t len, long lineno);
/* Every line of text (whole lines; the last may lack its newline; its first
 * is line 1 of its input when input_start) learnt into g, which threads may
 * each have one of (r only read); only the lines that can link two ids are
 * looked at.  false: out of memory. */
bool yb_router_learn_text(const yb_router *r, yb_groups *g, const char *text, size_t len, bool input_start);
/* The links learnt into g (yb_router_learn_text) made in r's groups too. */
bool yb_router_absorb(yb_router *r, const yb_groups *g);
void yb_router_seal(yb_router *r);
/* The worker (0 .. n-1) of one line; reads only (threads may route at once).
 * A line that gives no id (a record error: it touches no state) goes to 0. */
int yb_router_route(const yb_router *r, const char *line, size_t len, long lineno);
/* For tests: the pre-pass's scan with the processor's widest vectors (on:
 * AVX2 where it has it, the default) or with the 16-byte steps any x86-64
 * or other target has; returns whether the wide one is used. */
bool yb_router_simd(yb_router *r, bool on);
/* "member_id", or "member_id grouped with account_payer.member_id" (the
 * fields, for -v), and the ids linked and the groups joined ("(12 ids, 3
 * groups joined)"). */
void yb_router_describe(const yb_router *r, char *buf, size_t n);

#endif
