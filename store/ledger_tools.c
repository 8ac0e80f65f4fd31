/* `yibao ledger show | export | check`: the ledger read without a policy
 * (each state's declaration is in the ledger). */
#include "ledger_tools.h"
#include "ledger_decl.h"
#include "ledger_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

/* ---------------------------------------------------------------- the states and policies, by id */

typedef struct tool_state {
    int64_t id;
    char *name;
    yb_decl decl;
    bool decl_ok;
    int64_t buckets; /* ledger check: its bucket count */
} tool_state;

typedef struct tool_policy {
    int64_t id;
    char *name, *version, *hash;
} tool_policy;

typedef struct tool_ctx {
    yb_store *st;
    FILE *out, *errs;
    tool_state *states;
    int nstates, cap;
    tool_policy *policies;
    int npolicies, pcap;
    bool json, first, oom;
    long problems, rows, records;
    int64_t last_id;
    const char *member;
} tool_ctx;

static char *cell_dup(const yb_cell *c)
{
    char *s = malloc(c->n + 1);
    if (s) {
        memcpy(s, c->p, c->n);
        s[c->n] = 0;
    }
    return s;
}

static bool state_row(void *vctx, const yb_cell *cols, int ncols)
{
    tool_ctx *t = vctx;
    if (t->nstates == t->cap) {
        int cap = t->cap ? t->cap * 2 : 16;
        tool_state *v = realloc(t->states, (size_t)cap * sizeof *v);
        if (!v) goto oom;
        t->states = v;
        t->cap = cap;
    }
    tool_state *s = &t->states[t->nstates];
    s->id = yb_cell_int(&cols[0]);
    s->name = cell_dup(&cols[1]);
    char *decl = cell_dup(&cols[2]);
    if (!s->name || !decl) {
        free(s->name);
        free(decl);
        goto oom;
    }
    s->decl_ok = yb_decl_parse(decl, &s->decl);
    free(decl);
    t->nstates++;
    return true;
oom:
    t->oom = true;
    return false;
}

static bool load_states(tool_ctx *t, char *err, size_t errlen)
{
    bool ok = t->st->b->ops->exec(t->st->b, "SELECT id, name, decl FROM yb_state ORDER BY id", NULL, 0, state_row, t,
                                  err, errlen);
    if (t->oom) snprintf(err, errlen, "out of memory");
    return ok && !t->oom;
}

static bool policy_row(void *vctx, const yb_cell *cols, int ncols)
{
    tool_ctx *t = vctx;
    if (t->npolicies == t->pcap) {
        int cap = t->pcap ? t->pcap * 2 : 16;
        tool_policy *v = realloc(t->policies, (size_t)cap * sizeof *v);
        if (!v) goto oom;
        t->policies = v;
        t->pcap = cap;
    }
    tool_policy *p = &t->policies[t->npolicies];
    p->id = yb_cell_int(&cols[0]);
    p->name = cell_dup(&cols[1]);
    p->version = cell_dup(&cols[2]);
    p->hash = cell_dup(&cols[3]);
    t->npolicies++;
    if (!p->name || !p->version || !p->hash) goto oom;
    return true;
oom:
    t->oom = true;
    return false;
}

static bool load_policies(tool_ctx *t, char *err, size_t errlen)
{
    bool ok = t->st->b->ops->exec(t->st->b, "SELECT id, name, version, hash FROM yb_policy ORDER BY id", NULL, 0,
                                  policy_row, t, err, errlen);
    if (t->oom) snprintf(err, errlen, "out of memory");
    return ok && !t->oom;
}

static const tool_policy *policy_by_id(const tool_ctx *t, int64_t id)
{
    for (int i = 0; i < t->npolicies; i++)
        if (t->policies[i].id == id) return &t->policies[i];
    return NULL;
}

static tool_state *state_by_id(tool_ctx *t, int64_t id)
{
    for (int i = 0; i < t->nstates; i++)
        if (t->states[i].id == id) return &t->states[i];
    return NULL;
}

static void free_tool(tool_ctx *t)
{
    for (int i = 0; i < t->nstates; i++) {
        free(t->states[i].name);
        yb_decl_free(&t->states[i].decl);
    }
    free(t->states);
    for (int i = 0; i < t->npolicies; i++) {
        free(t->policies[i].name);
        free(t->policies[i].version);
        free(t->policies[i].hash);
    }
    free(t->policies);
}

static yb_store *open_existing(const char *where, FILE *errs)
{
    char err[1024];
    yb_store *st = yb_store_open(where, false, err, sizeof err);
    if (!st) fprintf(errs, "yibao: %s\n", err);
    return st;
}

/* Opens the ledger and reads its states and policies; false (message printed) on failure. */
static bool tool_start(tool_ctx *t, const char *where)
{
    char err[1024];
    if (!(t->st = open_existing(where, t->errs))) return false;
    if (load_states(t, err, sizeof err) && load_policies(t, err, sizeof err)) return true;
    fprintf(t->errs, "yibao: %s: %s\n", where, err);
    return false;
}

static int tool_end(tool_ctx *t, int rc)
{
    free_tool(t);
    yb_store_close(t->st);
    if (rc == 0 && (ferror(t->out) || fflush(t->out) != 0)) rc = 1; /* the caller names the output */
    return rc;
}


/* ---------------------------------------------------------------- show */

static void put_policy_json(const tool_ctx *t, int64_t id)
{
    const tool_policy *p = policy_by_id(t, id);
    if (!p) {
        fprintf(t->out, "null");
        return;
    }
    fputs("{\"name\":", t->out);
    yb_put_json_text(t->out, p->name, strlen(p->name));
    fputs(",\"version\":", t->out);
    yb_put_json_text(t->out, p->version, strlen(p->version));
    fprintf(t->out, ",\"hash\":\"%s\"}", p->hash);
}

static void put_policy_text(const tool_ctx *t, int64_t id)
{
    const tool_policy *p = policy_by_id(t, id);
    if (p) fprintf(t->out, "%s %s", p->name, p->version);
    else fprintf(t->out, "policy #%lld", (long long)id);
}

/* Key parts after the member (the first key), for people: "[2025]". */
static void put_rest_of_key(const tool_state *s, const unsigned char *key, size_t n, FILE *out)
{
    size_t at = 0;
    bool any = false;
    for (int k = 0; k < s->decl.nkeys; k++) {
        char buf[64];
        uint32_t len = 0;
        int64_t v = 0;
        if (s->decl.key_kinds[k] == YB_T_TEXT) memcpy(&len, key + at, 4);
        else memcpy(&v, key + at, 8);
        if (k > 0) {
            fputs(any ? ", " : " [", out);
            any = true;
            if (s->decl.key_kinds[k] == YB_T_TEXT) fprintf(out, "%.*s", (int)len, (const char *)key + at + 4);
            else if (s->decl.key_kinds[k] == YB_T_ENUM && v >= 0 && v < s->decl.key_enums[k].n)
                fputs(s->decl.key_enums[k].names[v], out);
            else {
                yb_decl_value_text(s->decl.key_kinds[k], v, buf, sizeof buf);
                fputs(buf, out);
            }
        }
        at += s->decl.key_kinds[k] == YB_T_TEXT ? 4 + len : 8;
    }
    if (any) fputc(']', out);
    (void)n;
}

static bool show_row(void *vctx, const yb_cell *cols, int ncols)
{
    tool_ctx *t = vctx;
    tool_state *s = state_by_id(t, yb_cell_int(&cols[0]));
    if (!s || !s->decl_ok || !yb_decl_key_ok(&s->decl, cols[1].p, cols[1].n) ||
        cols[2].n != (size_t)s->decl.nfields * 8) {
        t->problems++;
        return true;
    }
    /* keys that start with the member's length and bytes: the first key is exactly it */
    uint32_t len;
    memcpy(&len, cols[1].p, 4);
    if (len != strlen(t->member)) return true;
    int64_t vals[1024];
    yb_store_unpack(cols[2].p, s->decl.nfields, vals);
    int64_t opened = yb_cell_int(&cols[3]), changed = yb_cell_int(&cols[4]), batch = yb_cell_int(&cols[5]);
    t->rows++;
    if (t->json) {
        fputs(t->first ? "" : ",", t->out);
        t->first = false;
        fputs("{\"state\":", t->out);
        yb_put_json_text(t->out, s->name, strlen(s->name));
        fputs(",\"key\":", t->out);
        yb_decl_key_json(&s->decl, cols[1].p, cols[1].n, t->out);
        fputs(",\"values\":{", t->out);
        for (int f = 0; f < s->decl.nfields; f++) {
            fprintf(t->out, "%s\"%s\":", f ? "," : "", s->decl.field_names[f]);
            yb_decl_value_json(s->decl.field_kinds[f], vals[f], t->out);
        }
        fputs("},\"opened_by\":", t->out);
        put_policy_json(t, opened);
        fputs(",\"changed_by\":", t->out);
        put_policy_json(t, changed);
        fprintf(t->out, ",\"batch\":%lld}", (long long)batch);
        return true;
    }
    fprintf(t->out, "  %s", s->name);
    put_rest_of_key(s, cols[1].p, cols[1].n, t->out);
    fputs(":", t->out);
    for (int f = 0; f < s->decl.nfields; f++) {
        char buf[64];
        yb_decl_value_text(s->decl.field_kinds[f], vals[f], buf, sizeof buf);
        fprintf(t->out, "%s %s %s", f ? "," : "", s->decl.field_names[f], buf);
    }
    fputs("\n    opened by ", t->out);
    put_policy_text(t, opened);
    fputs(", last changed by ", t->out);
    put_policy_text(t, changed);
    fprintf(t->out, " in batch %lld\n", (long long)batch);
    return true;
}

int yb_ledger_show(const char *where, const char *member, bool json, FILE *out, FILE *errs)
{
    tool_ctx t = {.out = out, .errs = errs, .json = json, .first = true, .member = member};
    if (!tool_start(&t, where)) return tool_end(&t, 1);
    /* every key whose first part is the member: its length, then its bytes */
    size_t n = strlen(member);
    uint32_t len = (uint32_t)n;
    unsigned char *lo = malloc(n + 4);
    if (!lo) {
        fprintf(errs, "yibao: out of memory\n");
        return tool_end(&t, 1);
    }
    memcpy(lo, &len, 4);
    memcpy(lo + 4, member, n);
    if (json) {
        fputs("{\"member\":", out);
        yb_put_json_text(out, member, n);
        fputs(",\"entries\":[", out);
    } else {
        fprintf(out, "member %s\n", member);
    }
    char err[600];
    bool bad = false; /* every bucket read: a key's bucket is its hash's, not its member's */
    bool ok = yb_bkt_each(t.st, true, lo, n + 4, show_row, &t, &bad, err, sizeof err);
    t.problems += bad;
    free(lo);
    if (json) fputs("]}\n", out);
    else if (!t.rows) fputs("  no running totals in this ledger\n", out);
    if (!ok) fprintf(errs, "yibao: %s: %s\n", where, err);
    if (t.problems) fprintf(errs, "yibao: %s: %ld entries do not fit their state: run `yibao ledger check`\n", where, t.problems);
    return tool_end(&t, ok && !t.problems ? 0 : 1);
}

/* ---------------------------------------------------------------- export */

static bool export_policy(void *vctx, const yb_cell *cols, int ncols)
{
    tool_ctx *t = vctx;
    fprintf(t->out, "{\"policy\":%lld,\"name\":", (long long)yb_cell_int(&cols[0]));
    yb_put_json_text(t->out, cols[1].p, cols[1].n);
    fputs(",\"version\":", t->out);
    yb_put_json_text(t->out, cols[2].p, cols[2].n);
    fputs(",\"hash\":", t->out);
    yb_put_json_text(t->out, cols[3].p, cols[3].n);
    fputs("}\n", t->out);
    return true;
}

static bool export_state(void *vctx, const yb_cell *cols, int ncols)
{
    tool_ctx *t = vctx;
    fprintf(t->out, "{\"state\":%lld,\"name\":", (long long)yb_cell_int(&cols[0]));
    yb_put_json_text(t->out, cols[1].p, cols[1].n);
    fputs(",\"decl\":", t->out);
    yb_put_json_text(t->out, cols[2].p, cols[2].n);
    fprintf(t->out, ",\"nfields\":%lld,\"policy\":%lld}\n", (long long)yb_cell_int(&cols[3]),
            (long long)yb_cell_int(&cols[4]));
    return true;
}

static bool export_batch(void *vctx, const yb_cell *cols, int ncols)
{
    tool_ctx *t = vctx;
    fprintf(t->out, "{\"batch\":%lld,\"at\":", (long long)yb_cell_int(&cols[0]));
    yb_put_json_text(t->out, cols[1].p, cols[1].n);
    fprintf(t->out, ",\"policy\":%lld,\"kind\":", (long long)yb_cell_int(&cols[2]));
    yb_put_json_text(t->out, cols[3].p, cols[3].n);
    fprintf(t->out, ",\"claims\":%lld}\n", (long long)yb_cell_int(&cols[4]));
    return true;
}

static bool export_entry(void *vctx, const yb_cell *cols, int ncols)
{
    tool_ctx *t = vctx;
    tool_state *s = state_by_id(t, yb_cell_int(&cols[0]));
    if (!s || !s->decl_ok || cols[2].n != (size_t)s->decl.nfields * 8 || !yb_decl_key_ok(&s->decl, cols[1].p, cols[1].n)) {
        t->problems++;
        return true;
    }
    int64_t vals[1024];
    yb_store_unpack(cols[2].p, s->decl.nfields, vals);
    fprintf(t->out, "{\"entry\":%lld,\"key\":", (long long)s->id);
    yb_decl_key_json(&s->decl, cols[1].p, cols[1].n, t->out);
    fputs(",\"values\":{", t->out);
    for (int f = 0; f < s->decl.nfields; f++) {
        fprintf(t->out, "%s\"%s\":", f ? "," : "", s->decl.field_names[f]);
        yb_decl_value_json(s->decl.field_kinds[f], vals[f], t->out);
    }
    fprintf(t->out, "},\"opened_by\":%lld,\"changed_by\":%lld,\"batch\":%lld}\n", (long long)yb_cell_int(&cols[3]),
            (long long)yb_cell_int(&cols[4]), (long long)yb_cell_int(&cols[5]));
    return true;
}

/* {"fps":STATE,"run":R,"entries":"…"}: a part of a fingerprint run (ledger_fps.c),
   24 hex digits an entry: the fingerprint, then the batch that added it. */
static bool export_fps(void *vctx, const yb_cell *cols, int ncols)
{
    tool_ctx *t = vctx;
    fprintf(t->out, "{\"fps\":%lld,\"run\":%lld,\"entries\":\"", (long long)yb_cell_int(&cols[0]),
            (long long)yb_cell_int(&cols[1]));
    const unsigned char *p = cols[2].p;
    for (size_t i = 0; i + 12 <= cols[2].n; i += 12) {
        uint64_t fp = 0;
        uint32_t tag = 0;
        for (int k = 0; k < 8; k++) fp |= (uint64_t)p[i + k] << (8 * k);
        for (int k = 0; k < 4; k++) tag |= (uint32_t)p[i + 8 + k] << (8 * k);
        fprintf(t->out, "%016" PRIx64 "%08" PRIx32, fp, tag);
    }
    fputs("\"}\n", t->out);
    return true;
}

int yb_ledger_export(const char *where, FILE *out, FILE *errs)
{
    tool_ctx t = {.out = out, .errs = errs};
    if (!tool_start(&t, where)) return tool_end(&t, 1);
    yb_backend *b = t.st->b;
    char err[600];
    bool bad = false;
    fprintf(out, "{\"yibao_ledger\":\"%s\",\"fp_key\":\"%016" PRIx64 "%016" PRIx64 "\"}\n", YB_LEDGER_FORMAT,
            t.st->fpkey[0], t.st->fpkey[1]);
    bool ok =
        b->ops->exec(b, "SELECT id, name, version, hash FROM yb_policy ORDER BY id", NULL, 0, export_policy, &t, err,
                     sizeof err) &&
        b->ops->exec(b, "SELECT id, name, decl, nfields, policy FROM yb_state ORDER BY id", NULL, 0, export_state, &t,
                     err, sizeof err) &&
        b->ops->exec(b, "SELECT id, at, policy, kind, claims FROM yb_batch ORDER BY id", NULL, 0, export_batch, &t, err,
                     sizeof err) &&
        yb_bkt_each(t.st, true, NULL, 0, export_entry, &t, &bad, err, sizeof err) &&
        b->ops->exec(b, "SELECT state, run, fps FROM yb_fps ORDER BY state, run, hi", NULL, 0, export_fps, &t, err,
                     sizeof err);
    if (!ok) fprintf(errs, "yibao: %s: %s\n", where, err);
    t.problems += bad;
    if (t.problems) fprintf(errs, "yibao: %s: %ld entries do not fit their state and were left out: run `yibao ledger check`\n", where, t.problems);
    return tool_end(&t, ok && !t.problems ? 0 : 1);
}

/* ---------------------------------------------------------------- check */

typedef struct check_ctx {
    tool_ctx *t;
    int64_t *batch_ids, *batch_claims, *batch_seen;
    int nbatches, cap;
    struct fps_check *fc;
    bool oom;
} check_ctx;

static void problem(tool_ctx *t, const char *fmt, long long a, long long b)
{
    if (t->problems++ < 50) {
        fputs("problem: ", t->out);
        fprintf(t->out, fmt, a, b);
        fputc('\n', t->out);
    }
}

static int batch_index(const check_ctx *c, int64_t id)
{
    for (int i = 0; i < c->nbatches; i++)
        if (c->batch_ids[i] == id) return i;
    return -1;
}

static bool check_batch(void *vctx, const yb_cell *cols, int ncols)
{
    check_ctx *c = vctx;
    if (c->nbatches == c->cap) {
        int cap = c->cap ? c->cap * 2 : 64;
        int64_t *a = realloc(c->batch_ids, (size_t)cap * 8), *b = a ? realloc(c->batch_claims, (size_t)cap * 8) : NULL,
                *s = b ? realloc(c->batch_seen, (size_t)cap * 8) : NULL;
        if (a) c->batch_ids = a;
        if (b) c->batch_claims = b;
        if (!s) {
            c->oom = true;
            return false;
        }
        c->batch_seen = s;
        c->cap = cap;
    }
    int64_t id = yb_cell_int(&cols[0]), policy = yb_cell_int(&cols[1]);
    c->batch_ids[c->nbatches] = id;
    c->batch_claims[c->nbatches] = yb_cell_int(&cols[2]);
    c->batch_seen[c->nbatches++] = 0;
    if (!policy_by_id(c->t, policy)) problem(c->t, "batch %lld names policy %lld, which the ledger does not have", id, policy);
    return true;
}

static bool check_entry(void *vctx, const yb_cell *cols, int ncols)
{
    check_ctx *c = vctx;
    tool_ctx *t = c->t;
    int64_t sid = yb_cell_int(&cols[0]);
    tool_state *s = state_by_id(t, sid);
    t->rows++;
    if (!s) {
        problem(t, "an entry of state %lld, which the ledger does not declare%.0lld", sid, 0);
        return true;
    }
    if (s->decl_ok && !yb_decl_key_ok(&s->decl, cols[1].p, cols[1].n))
        problem(t, "an entry of state %lld has a key of %lld bytes that does not fit the state's keys", sid, (long long)cols[1].n);
    if (s->decl_ok && cols[2].n != (size_t)s->decl.nfields * 8)
        problem(t, "an entry of state %lld has %lld bytes of values, not 8 per field", sid, (long long)cols[2].n);
    for (int k = 3; k <= 4; k++)
        if (!policy_by_id(t, yb_cell_int(&cols[k])))
            problem(t, "an entry of state %lld names policy %lld, which the ledger does not have", sid, yb_cell_int(&cols[k]));
    if (batch_index(c, yb_cell_int(&cols[5])) < 0)
        problem(t, "an entry of state %lld names batch %lld, which the ledger does not have", sid, yb_cell_int(&cols[5]));
    return true;
}

static bool check_buckets_of(void *vctx, const yb_cell *cols, int ncols)
{
    tool_ctx *t = vctx;
    tool_state *s = state_by_id(t, yb_cell_int(&cols[0]));
    if (s) s->buckets = yb_cell_int(&cols[1]);
    return true;
}

/* A bucket of entries (ledger_buckets.c): readable to its end, its keys in
   order and each in the bucket its hash names, as many as it says. */
static bool check_bucket(void *vctx, const yb_cell *cols, int ncols)
{
    check_ctx *c = vctx;
    tool_ctx *t = c->t;
    int64_t sid = yb_cell_int(&cols[0]), b = yb_cell_int(&cols[1]), said = yb_cell_int(&cols[2]), n = 0;
    tool_state *s = state_by_id(t, sid);
    int64_t nb = s ? s->buckets : 0;
    if (s && (b < 0 || b >= nb))
        problem(t, "state %lld has bucket %lld, beyond its bucket count", sid, b);
    size_t pos = 0;
    yb_bkt_entry e, prev = {0};
    int rc;
    bool misplaced = false, unordered = false;
    while ((rc = yb_bkt_next(cols[3].p, cols[3].n, &pos, &e)) > 0) {
        yb_cell row[6] = {yb_cell_i(sid), yb_cell_b(e.key, e.keylen), yb_cell_b(e.vals, e.valslen),
                          yb_cell_i(e.opened), yb_cell_i(e.changed), yb_cell_i(e.batch)};
        check_entry(c, row, 6);
        if (n++ && yb_bkt_key_cmp(&prev, &e) >= 0) unordered = true;
        if (nb > 0 && !(nb & (nb - 1)) && yb_bkt_of(t->st->fpkey, e.key, e.keylen, nb) != b) misplaced = true;
        prev = e;
    }
    if (rc < 0) problem(t, "bucket %lld of state %lld is damaged (its entries after the damage are lost)", b, sid);
    if (unordered) problem(t, "bucket %lld of state %lld has its keys out of order (or one twice)", b, sid);
    if (misplaced) problem(t, "bucket %lld of state %lld holds a key of another bucket (a batch would not find it)", b, sid);
    if (n != said) problem(t, "bucket %lld of state %lld says it holds another number of entries", b, sid);
    return true;
}

/* The fingerprint indexes (ledger_fps.c): each part in order within its run,
   each fingerprint once per index, each run as long as yb_run says, each
   batch's claim ids as many as it settled, and each filter whole (its
   checksums) and holding every fingerprint (else a duplicate goes unseen). */
typedef struct fp_filter {
    int64_t state, count; /* count: what its header says, -1 none */
    int64_t upto;         /* the last run the filter (a checkpoint) includes */
    unsigned char *bits;
    bool bad_page;
    int64_t held, missing;
} fp_filter;

typedef struct fps_check {
    int64_t state, run, nrun, count;
    uint64_t last;
    yb_fpset *seen;
    fp_filter *filters;
    int nfilters;
    int64_t *runs; /* (state, run, n) triples from yb_run */
    int nruns, rcap;
} fps_check;

static fp_filter *filter_for(check_ctx *c, int64_t state, bool add)
{
    fps_check *f = c->fc;
    for (int i = 0; i < f->nfilters; i++)
        if (f->filters[i].state == state) return &f->filters[i];
    if (!add) return NULL;
    fp_filter *v = realloc(f->filters, (size_t)(f->nfilters + 1) * sizeof *v);
    unsigned char *bits = v ? calloc(1, YB_FILTER_BYTES) : NULL;
    if (v) f->filters = v;
    if (!bits) return NULL;
    f->filters[f->nfilters] = (fp_filter){state, -1, INT64_MAX, bits, false, 0, 0};
    return &f->filters[f->nfilters++];
}

static bool check_filter_row(void *vctx, const yb_cell *cols, int ncols)
{
    check_ctx *c = vctx;
    int64_t state = yb_cell_int(&cols[0]), page = yb_cell_int(&cols[1]);
    fp_filter *ff = filter_for(c, state, true);
    if (!ff) {
        c->oom = true;
        return false;
    }
    const yb_cell *b = &cols[2];
    bool sum_ok = (uint64_t)yb_cell_int(&cols[3]) == yb_fps_checksum(b->p, b->n);
    if (page == -1 && sum_ok && (b->n == 16 || b->n == 24)) {
        int64_t v[3] = {0, 0, INT64_MAX}; /* 16 bytes: a filter of before the checkpoints, of every run */
        yb_store_unpack(b->p, (int)(b->n / 8), v);
        ff->count = v[0];
        ff->upto = v[2];
        if ((uint64_t)v[1] != YB_FILTER_BYTES) ff->bad_page = true;
    } else if (!(page >= 0 && (size_t)page < YB_FILTER_PAGES && sum_ok &&
                 yb_fps_page_decode(b->p, b->n, ff->bits + page * YB_FILTER_PAGE))) {
        if (!ff->bad_page)
            problem(c->t, "the filter of fingerprint index %lld is damaged (page %lld fails its checksum or size): the "
                          "next batch rebuilds it", state, page);
        ff->bad_page = true;
    }
    return true;
}

static bool check_run_row(void *vctx, const yb_cell *cols, int ncols)
{
    fps_check *f = ((check_ctx *)vctx)->fc;
    if (f->nruns == f->rcap) {
        int cap = f->rcap ? f->rcap * 2 : 16;
        int64_t *v = realloc(f->runs, (size_t)cap * 3 * sizeof *v);
        if (!v) return false;
        f->runs = v;
        f->rcap = cap;
    }
    for (int k = 0; k < 3; k++) f->runs[f->nruns * 3 + k] = yb_cell_int(&cols[k]);
    f->nruns++;
    return true;
}

/* The end of a run: its length against yb_run's. */
static void end_run(check_ctx *c)
{
    fps_check *f = c->fc;
    if (!f->nrun) return;
    int64_t said = -1;
    for (int i = 0; i < f->nruns; i++)
        if (f->runs[3 * i] == f->state && f->runs[3 * i + 1] == f->run) said = f->runs[3 * i + 2];
    if (said != f->nrun) problem(c->t, "run %lld of fingerprint index %lld is not as long as the ledger's list of runs says", f->run, f->state);
    f->nrun = 0;
}

static bool check_fp(check_ctx *c, int64_t state, uint64_t fp, uint32_t tag)
{
    fps_check *f = c->fc;
    tool_ctx *t = c->t;
    if (fp <= f->last && f->nrun > 1) problem(t, "run %lld of fingerprint index %lld is not in ascending order", f->run, state);
    f->last = fp;
    int bi = batch_index(c, tag);
    if (bi < 0) problem(t, "a fingerprint of index %lld names batch %lld, which the ledger does not have", state, (long long)tag);
    else if (state == 0) c->batch_seen[bi]++;
    if (state == 0) f->count++;
    else t->records++;
    fp_filter *ff = filter_for(c, state, false);
    /* the runs after the checkpoint are added to the filter as a batch begins */
    if (ff && !ff->bad_page && f->run <= ff->upto) ff->held++, ff->missing += !yb_filter_has(ff->bits, fp);
    uint32_t other;
    int rc = yb_fpset_find(f->seen, fp, &other);
    if (rc > 0) problem(t, "a fingerprint of index %lld is there twice (batches %lld and another)", state, (long long)tag);
    return rc >= 0 && (rc > 0 || yb_fpset_put(f->seen, fp, tag));
}

static bool check_fps_row(void *vctx, const yb_cell *cols, int ncols)
{
    check_ctx *c = vctx;
    fps_check *f = c->fc;
    int64_t state = yb_cell_int(&cols[0]), run = yb_cell_int(&cols[1]);
    const yb_cell *b = &cols[2];
    if (state != f->state || run != f->run) {
        end_run(c);
        if (state != f->state) {
            const tool_state *s = state_by_id(c->t, state);
            if (state && (!s || (s->decl_ok && s->decl.nfields != 0)))
                problem(c->t, "fingerprints of index %lld, which is neither the claim ids nor a state without fields%.0lld", state, 0);
            yb_fpset_free(f->seen);
            if (!(f->seen = yb_fpset_new(true))) return c->oom = true, false;
        }
        f->state = state;
        f->run = run;
        f->last = 0;
    }
    if (b->kind != YB_CELL_BLOB || b->n % 12 || !b->n) {
        problem(c->t, "a part of run %lld of fingerprint index %lld is not whole 12-byte entries", run, state);
        return true;
    }
    const unsigned char *p = b->p;
    for (size_t i = 0; i < b->n; i += 12) {
        int64_t fp;
        yb_store_unpack(p + i, 1, &fp);
        uint32_t tag = (uint32_t)p[i + 8] | (uint32_t)p[i + 9] << 8 | (uint32_t)p[i + 10] << 16 | (uint32_t)p[i + 11] << 24;
        f->nrun++;
        if (!check_fp(c, state, (uint64_t)fp, tag)) return c->oom = true, false;
    }
    return true;
}

/* After the parts: each filter against what its index holds. */
static void check_filters(check_ctx *c)
{
    fps_check *f = c->fc;
    end_run(c);
    for (int i = 0; i < f->nruns; i++) {
        int64_t state = f->runs[3 * i];
        fp_filter *ff = filter_for(c, state, false);
        if (!ff) problem(c->t, "fingerprint index %lld has no filter%.0lld: the next batch rebuilds it", state, 0);
    }
    for (int i = 0; i < f->nfilters; i++) {
        fp_filter *ff = &f->filters[i];
        if (ff->bad_page) continue;
        if (ff->count < 0) problem(c->t, "the filter of fingerprint index %lld has no header%.0lld: the next batch rebuilds it", ff->state, 0);
        else if (ff->count != ff->held)
            problem(c->t, "the filter of fingerprint index %lld covers %lld fingerprints, another number than its runs hold: "
                          "the next batch rebuilds it", ff->state, ff->count);
        if (ff->missing)
            problem(c->t, "the filter of fingerprint index %lld lacks %lld of its fingerprints (damaged, checksums "
                          "and all): delete its yb_filter rows and the next batch rebuilds it", ff->state, ff->missing);
    }
}

static void fps_check_free(fps_check *f)
{
    yb_fpset_free(f->seen);
    for (int i = 0; i < f->nfilters; i++) free(f->filters[i].bits);
    free(f->filters);
    free(f->runs);
}

static bool check_counts(void *vctx, const yb_cell *cols, int ncols)
{
    check_ctx *c = vctx;
    int64_t id = yb_cell_int(&cols[0]), said = yb_cell_int(&cols[1]), has = yb_cell_int(&cols[2]);
    if (said != has) problem(c->t, "state %lld says it has %lld entries; the ledger holds another number", id, said);
    return true;
}

int yb_ledger_check(const char *where, FILE *out, FILE *errs)
{
    tool_ctx t = {.out = out, .errs = errs};
    if (!tool_start(&t, where)) return tool_end(&t, 1);
    fps_check fc = {.state = -1};
    check_ctx c = {.t = &t, .fc = &fc};
    yb_backend *b = t.st->b;
    char err[600] = "";
    bool ok = true;
    if (ok && b->ops->integrity) ok = b->ops->integrity(b, err, sizeof err);
    if (!ok && err[0]) {
        fprintf(out, "problem: %s\n", err);
        t.problems++;
        ok = true; /* the rows may still be read */
    }
    for (int i = 0; i < t.nstates; i++)
        if (!t.states[i].decl_ok) problem(&t, "state %lld has a declaration the ledger cannot read%.0lld", t.states[i].id, 0);
    ok = ok &&
         b->ops->exec(b, "SELECT id, policy, claims FROM yb_batch ORDER BY id", NULL, 0, check_batch, &c, err, sizeof err) &&
         b->ops->exec(b, "SELECT id, buckets FROM yb_state", NULL, 0, check_buckets_of, &t, err, sizeof err) &&
         b->ops->exec(b, "SELECT state, bucket, n, data FROM yb_bucket", NULL, 0, check_bucket, &c, err, sizeof err) &&
         b->ops->exec(b, "SELECT state, run, n FROM yb_run", NULL, 0, check_run_row, &c, err, sizeof err) &&
         b->ops->exec(b, "SELECT state, page, bits, sum FROM yb_filter", NULL, 0, check_filter_row, &c, err, sizeof err) &&
         b->ops->exec(b, "SELECT state, run, fps FROM yb_fps ORDER BY state, run, hi", NULL, 0, check_fps_row, &c, err,
                      sizeof err) &&
         b->ops->exec(b, "SELECT s.id, s.entries, (SELECT COALESCE(SUM(n), 0) FROM yb_bucket e WHERE e.state = s.id) FROM yb_state s",
                      NULL, 0, check_counts, &c, err, sizeof err);
    if (ok && !c.oom) check_filters(&c);
    for (int i = 0; ok && i < c.nbatches; i++)
        if (c.batch_seen[i] != c.batch_claims[i])
            problem(&t, "batch %lld says it settled %lld claims; the ledger holds a different number of their ids",
                    c.batch_ids[i], c.batch_claims[i]);
    if (c.oom) fprintf(errs, "yibao: out of memory\n");
    else if (!ok) fprintf(out, "problem: %s\n", err);
    if (ok && !c.oom && !t.problems)
        fprintf(out, "ok: %s: %d policies, %d states, %d batches, %ld entries, %ld records, %zu claim ids\n", where,
                t.npolicies, t.nstates, c.nbatches, t.rows, t.records, (size_t)fc.count);
    else if (t.problems)
        fprintf(out, "%s: %ld problem%s\n", where, t.problems, t.problems == 1 ? "" : "s");
    free(c.batch_ids);
    free(c.batch_claims);
    free(c.batch_seen);
    fps_check_free(&fc);
    return tool_end(&t, ok && !c.oom && !t.problems ? 0 : 1);
}
