/* The HTTP side of `yibao serve` (libmicrohttpd): each request's body is
 * gathered, then settled claim by claim through the service's one batch,
 * under its lock, so a policy swap falls between two claims.
 *   POST /settle   one claim -> one settlement; JSON Lines -> JSON Lines
 *                  (with --ledger each claim is committed before its answer
 *                  is written: 409 a claim settled already, 503 a ledger
 *                  failed or locked too long; in JSON Lines, error lines in place)
 *   POST /explain  one claim -> {"settlement":…,"explain":[…]}
 *   GET /policy, GET /health, GET /metrics (Prometheus text) */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "serve_internal.h"

typedef struct sbuf {
    char *p;
    size_t n, cap;
    bool bad; /* out of memory */
} sbuf;

static void put(sbuf *b, const char *d, size_t n)
{
    if (b->bad) return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = (b->n + n + 1) * 2;
        char *p = realloc(b->p, cap);
        if (!p) { b->bad = true; return; }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, d, n);
    b->n += n;
    b->p[b->n] = 0;
}

static void putf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(sbuf *b, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0) put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static void put_json_string(sbuf *b, const char *s)
{
    put(b, "\"", 1);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') putf(b, "\\%c", c);
        else if (c < 0x20) putf(b, "\\u%04x", c);
        else put(b, (const char *)&c, 1);
    }
    put(b, "\"", 1);
}

/* ---- one request ---- */

typedef struct req {
    sbuf body;
    bool too_big;
} req;

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* Upper bounds of the latency buckets, in microseconds and as Prometheus writes them. */
static const long long bucket_us[SRV_NBUCKETS] = {50, 100, 250, 500, 1000, 2500, 5000, 10000, 50000, 100000, 1000000};
static const char *const bucket_le[SRV_NBUCKETS] = {"0.00005", "0.0001", "0.00025", "0.0005", "0.001", "0.0025",
                                                    "0.005",   "0.01",   "0.05",    "0.1",    "1"};

static void observe(srv *s, int64_t ns, bool bad)
{
    pthread_mutex_lock(&s->mu);
    s->requests++;
    s->bad_requests += bad;
    int k = 0;
    while (k < SRV_NBUCKETS && ns > bucket_us[k] * 1000) k++;
    s->lat_bucket[k]++;
    s->lat_count++;
    s->lat_sum_ns += ns;
    pthread_mutex_unlock(&s->mu);
}

/* The batch command's wording of a bad record: request:LINE: error: [FIELD: ]MESSAGE */
static void error_text(sbuf *b, long line, const yibao_error *e)
{
    char t[1024];
    if (e->field[0]) snprintf(t, sizeof t, "request:%ld: error: %s: %s", line, e->field, e->message);
    else snprintf(t, sizeof t, "request:%ld: error: %s", line, e->message);
    putf(b, "{\"line\":%ld,\"error\":", line);
    put_json_string(b, t);
    put(b, "}", 1);
}

/* Settle one line under the lock; its settlement (or error object) appended to out. */
static bool settle_line(srv *s, const char *line, size_t n, long lineno, bool explain, sbuf *out, yibao_error *e)
{
    pthread_mutex_lock(&s->mu);
    bool ok = yibao_settle_json(s->env, s->batch, line, n, e) == YIBAO_OK;
    s->claims += ok;
    s->claim_errors += !ok;
    s->claims_duplicate += !ok && e->code == YIBAO_E_DUPLICATE;
    s->ledger_errors += !ok && e->code == YIBAO_E_LEDGER;
    if (ok) {
        const char *json, *x;
        size_t len, xlen;
        yibao_settlement_json(s->env, s->batch, &json, &len, NULL);
        if (explain && yibao_settlement_explain(s->env, s->batch, &x, &xlen, NULL) == YIBAO_OK) {
            put(out, "{\"settlement\":", 14);
            put(out, json, len - 1);
            put(out, ",\"explain\":", 11);
            put(out, x, xlen);
            put(out, "}\n", 2);
        } else {
            put(out, json, len);
        }
    }
    pthread_mutex_unlock(&s->mu);
    if (!ok) {
        error_text(out, lineno, e);
        put(out, "\n", 1);
    }
    return ok;
}

/* A one-claim request refused: the claim (422), the ledger's memory of it
 * (409), the ledger itself (503: try again), else the request (400). */
static int status_of(yibao_status code)
{
    switch (code) {
    case YIBAO_E_RECORD: return MHD_HTTP_UNPROCESSABLE_CONTENT;
    case YIBAO_E_DUPLICATE: return MHD_HTTP_CONFLICT;
    case YIBAO_E_LEDGER:
    case YIBAO_E_SCHEMA: return MHD_HTTP_SERVICE_UNAVAILABLE;
    default: return MHD_HTTP_BAD_REQUEST;
    }
}

static bool blank(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r') return false;
    return true;
}

/* POST /settle and /explain.  One claim: 200, or 4xx with the error object.
 * Several lines: 200 with one line out per claim in, errors in place. */
static int settle_body(srv *s, const sbuf *body, bool explain, sbuf *out, int *nerrors)
{
    long claims = 0;
    for (size_t at = 0; at < body->n;) {
        const char *nl = memchr(body->p + at, '\n', body->n - at);
        size_t end = nl ? (size_t)(nl - body->p) : body->n;
        claims += !blank(body->p + at, end - at);
        at = end + 1;
    }
    *nerrors = 0;
    if (claims == 0) {
        putf(out, "%s", "{\"line\":0,\"error\":\"request: error: the body holds no claim (one JSON object per line)\"}\n");
        return MHD_HTTP_BAD_REQUEST;
    }
    if (explain && claims > 1) {
        putf(out, "%s", "{\"line\":0,\"error\":\"request: error: /explain takes one claim\"}\n");
        return MHD_HTTP_BAD_REQUEST;
    }
    yibao_error e;
    long lineno = 0;
    for (size_t at = 0; at < body->n;) {
        const char *nl = memchr(body->p + at, '\n', body->n - at);
        size_t end = nl ? (size_t)(nl - body->p) : body->n;
        lineno++;
        if (!blank(body->p + at, end - at) && !settle_line(s, body->p + at, end - at, lineno, explain, out, &e)) {
            (*nerrors)++;
            if (claims == 1) return status_of(e.code);
        }
        at = end + 1;
    }
    return MHD_HTTP_OK;
}

static void policy_json(srv *s, sbuf *out)
{
    pthread_mutex_lock(&s->mu);
    put(out, "{\"name\":", 8);
    put_json_string(out, s->info.name);
    put(out, ",\"version\":", 11);
    put_json_string(out, s->info.version);
    put(out, ",\"hash\":", 8);
    put_json_string(out, s->info.hash);
    put(out, ",\"signer\":", 10);
    put_json_string(out, s->info.signer);
    put(out, ",\"loaded_at\":", 13);
    put_json_string(out, s->loaded_at);
    put(out, ",\"file\":", 8);
    put_json_string(out, s->file);
    put(out, ",\"totals\":", 10);
    put_json_string(out, s->ledger ? "ledger" : "memory");
    if (s->ledger) {
        put(out, ",\"ledger\":", 10);
        put_json_string(out, s->ledger_shown);
    }
    putf(out, ",\"swaps\":%lld}\n", s->swaps);
    pthread_mutex_unlock(&s->mu);
}

static void metrics(srv *s, sbuf *out)
{
    pthread_mutex_lock(&s->mu);
    putf(out, "# HELP yibao_claims_total Claims settled.\n# TYPE yibao_claims_total counter\nyibao_claims_total %lld\n", s->claims);
    putf(out, "# HELP yibao_claim_errors_total Claims refused (bad records).\n# TYPE yibao_claim_errors_total counter\n"
              "yibao_claim_errors_total %lld\n", s->claim_errors);
    putf(out, "# HELP yibao_claims_duplicate_total Claims refused as settled already (ledger).\n"
              "# TYPE yibao_claims_duplicate_total counter\nyibao_claims_duplicate_total %lld\n", s->claims_duplicate);
    putf(out, "# HELP yibao_ledger_errors_total Claims not settled because the ledger failed or stayed locked.\n"
              "# TYPE yibao_ledger_errors_total counter\nyibao_ledger_errors_total %lld\n", s->ledger_errors);
    putf(out, "# HELP yibao_totals_info Where the running totals live.\n# TYPE yibao_totals_info gauge\n"
              "yibao_totals_info{where=\"%s\"} 1\n", s->ledger ? "ledger" : "memory");
    putf(out, "# HELP yibao_requests_total HTTP requests answered.\n# TYPE yibao_requests_total counter\n"
              "yibao_requests_total %lld\n", s->requests);
    putf(out, "# HELP yibao_bad_requests_total Requests answered 4xx.\n# TYPE yibao_bad_requests_total counter\n"
              "yibao_bad_requests_total %lld\n", s->bad_requests);
    putf(out, "# HELP yibao_policy_swaps_total Policies swapped in.\n# TYPE yibao_policy_swaps_total counter\n"
              "yibao_policy_swaps_total %lld\n", s->swaps);
    putf(out, "# HELP yibao_policy_swaps_refused_total Policy files refused (the last good one stayed).\n"
              "# TYPE yibao_policy_swaps_refused_total counter\nyibao_policy_swaps_refused_total %lld\n", s->swaps_refused);
    putf(out, "# HELP yibao_request_seconds Time to answer a settle or explain request.\n"
              "# TYPE yibao_request_seconds histogram\n");
    long long cum = 0;
    for (int k = 0; k < SRV_NBUCKETS; k++) {
        cum += s->lat_bucket[k];
        putf(out, "yibao_request_seconds_bucket{le=\"%s\"} %lld\n", bucket_le[k], cum);
    }
    cum += s->lat_bucket[SRV_NBUCKETS];
    putf(out, "yibao_request_seconds_bucket{le=\"+Inf\"} %lld\n", cum);
    /* seconds from integer nanoseconds: no floating point anywhere */
    putf(out, "yibao_request_seconds_sum %lld.%09lld\nyibao_request_seconds_count %lld\n", s->lat_sum_ns / 1000000000,
         s->lat_sum_ns % 1000000000, s->lat_count);
    pthread_mutex_unlock(&s->mu);
}

static enum MHD_Result reply(struct MHD_Connection *c, int status, sbuf *out, const char *type, int nerrors)
{
    if (out->bad) {
        free(out->p);
        out->p = NULL;
        out->n = 0;
        status = MHD_HTTP_INTERNAL_SERVER_ERROR;
    }
    struct MHD_Response *r = MHD_create_response_from_buffer(out->n, out->p ? out->p : (void *)"", out->p ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!r) {
        free(out->p);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    if (nerrors >= 0) {
        char n[32];
        snprintf(n, sizeof n, "%d", nerrors);
        MHD_add_response_header(r, "X-Yibao-Errors", n);
    }
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    srv *s = cls;
    req *r = *con_cls;
    if (!r) {
        if (!(r = calloc(1, sizeof *r))) return MHD_NO;
        *con_cls = r;
        return MHD_YES;
    }
    if (*upload_size) {
        if (r->body.n + *upload_size > s->max_body) r->too_big = true;
        else put(&r->body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    sbuf out = {0};
    bool post = strcmp(method, "POST") == 0, get = strcmp(method, "GET") == 0;
    const char *json = "application/json", *lines = "application/x-ndjson";
    if (post && (strcmp(url, "/settle") == 0 || strcmp(url, "/explain") == 0)) {
        int64_t t0 = now_ns();
        if (r->too_big || r->body.bad) {
            putf(&out, "{\"line\":0,\"error\":\"request: error: the body is larger than %zu bytes (--max-body)\"}\n", s->max_body);
            observe(s, now_ns() - t0, true);
            return reply(c, MHD_HTTP_CONTENT_TOO_LARGE, &out, json, -1);
        }
        int nerr;
        int status = settle_body(s, &r->body, strcmp(url, "/explain") == 0, &out, &nerr);
        observe(s, now_ns() - t0, status >= 400);
        return reply(c, status, &out, status == MHD_HTTP_OK ? lines : json, nerr);
    }
    if (get && strcmp(url, "/policy") == 0) {
        policy_json(s, &out);
        return reply(c, MHD_HTTP_OK, &out, json, -1);
    }
    if (get && strcmp(url, "/health") == 0) {
        pthread_mutex_lock(&s->mu);
        putf(&out, "{\"status\":\"ok\",\"policy\":\"%s\"}\n", s->info.hash);
        pthread_mutex_unlock(&s->mu);
        return reply(c, MHD_HTTP_OK, &out, json, -1);
    }
    if (get && strcmp(url, "/metrics") == 0) {
        metrics(s, &out);
        return reply(c, MHD_HTTP_OK, &out, "text/plain; version=0.0.4", -1);
    }
    bool known = strcmp(url, "/settle") == 0 || strcmp(url, "/explain") == 0 || strcmp(url, "/policy") == 0 ||
                 strcmp(url, "/health") == 0 || strcmp(url, "/metrics") == 0;
    putf(&out, "{\"error\":\"%s\"}\n", known ? "method not allowed here" : "no such resource (POST /settle, POST /explain, GET /policy, /health, /metrics)");
    pthread_mutex_lock(&s->mu);
    s->requests++;
    s->bad_requests++;
    pthread_mutex_unlock(&s->mu);
    return reply(c, known ? MHD_HTTP_METHOD_NOT_ALLOWED : MHD_HTTP_NOT_FOUND, &out, json, -1);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    req *r = *con_cls;
    if (r) {
        free(r->body.p);
        free(r);
    }
    *con_cls = NULL;
}

struct MHD_Daemon *srv_http_start(srv *s, const char *addr, unsigned port, unsigned threads, unsigned *bound_port)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) return NULL;
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, (uint16_t)port, NULL, NULL, handle, s, MHD_OPTION_SOCK_ADDR, &sa,
        MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_NOTIFY_COMPLETED, completed, s,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60, MHD_OPTION_END);
    if (!d) return NULL;
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    *bound_port = info ? info->port : port;
    return d;
}

void srv_http_stop(struct MHD_Daemon *d) { MHD_stop_daemon(d); }
