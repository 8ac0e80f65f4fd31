/* Shared by cli/serve.c (options, the policy in force, hot swap, signals)
 * and cli/serve_http.c (requests, responses, metrics). */
#ifndef YB_SERVE_INTERNAL_H
#define YB_SERVE_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "yibao.h"

#define SRV_NBUCKETS 11

typedef struct srv {
    yibao_env *env;
    /* one lock: claims are settled one at a time through one batch (one set
       of running totals), and a swap happens between two claims */
    pthread_mutex_t mu;
    yibao_policy pol;
    yibao_batch batch;
    yibao_policy_info info;
    char file[4096];  /* the .ybc in force */
    char loaded_at[32];
    size_t max_body;
    const char *ledger; /* --ledger: where the running totals live, or NULL (in memory) */
    char ledger_shown[300]; /* the same without a password, for /policy, /metrics and the log */
    bool migrate;       /* --migrate: the first policy's declarations go into the ledger */
    /* metrics (under mu) */
    long long requests, bad_requests, claims, claim_errors, claims_duplicate, ledger_errors, swaps, swaps_refused;
    long long lat_bucket[SRV_NBUCKETS + 1]; /* per request; the last: +Inf */
    long long lat_count, lat_sum_ns;
} srv;

struct MHD_Daemon;
/* Start listening on addr:port (port 0: any); NULL when it cannot. */
struct MHD_Daemon *srv_http_start(srv *s, const char *addr, unsigned port, unsigned threads, unsigned *bound_port);
void srv_http_stop(struct MHD_Daemon *d);

#endif
