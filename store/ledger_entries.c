/* A batch's running totals against the ledger's buckets (ledger_buckets.c):
 * the VM asks for a key the first time it meets it (yb_entries_load); the
 * key's bucket is read once and kept, so the other keys of that bucket cost
 * no question; once a batch has read an eighth of a state's buckets one by
 * one (SQLite; a 64th for a server), it reads the rest in one scan.  At
 * commit (yb_entries_write) each bucket holding a changed key is merged with
 * the changed entries and written back whole. */
#include "ledger_internal.h"

#include <stdlib.h>
#include <string.h>

static void cache_free(yb_bkt_cache *c)
{
    if (c->blob)
        for (int64_t b = 0; b < c->nb; b++) free(c->blob[b]);
    if (c->index)
        for (int64_t b = 0; b < c->nb; b++) free(c->index[b]);
    free(c->blob);
    free(c->index);
    free(c->len);
    free(c->count);
    free(c->loaded);
    free(c->changed);
    memset(c, 0, sizeof *c);
}

void yb_entries_free(yb_store *st)
{
    if (!st->bc) return;
    for (int s = 0; s < st->p->nstates; s++) cache_free(&st->bc[s]);
    free(st->bc);
    st->bc = NULL;
}

/* Room for nb buckets, none read. */
static bool cache_size(yb_bkt_cache *c, int64_t nb)
{
    cache_free(c);
    c->nb = nb;
    size_t n = nb ? (size_t)nb : 1;
    c->blob = calloc(n, sizeof *c->blob);
    c->len = calloc(n, sizeof *c->len);
    c->count = calloc(n, sizeof *c->count);
    c->loaded = calloc(n, 1);
    c->changed = calloc(n, 1);
    c->index = calloc(n, sizeof *c->index);
    return c->blob && c->len && c->count && c->loaded && c->changed && c->index;
}

bool yb_entries_reset(yb_store *st)
{
    yb_entries_free(st);
    int ns = st->p->nstates ? st->p->nstates : 1;
    if (!(st->bc = calloc((size_t)ns, sizeof *st->bc))) return false;
    return true;
}

/* The state's bucket count, read when the batch first needs it. */
static bool cache_open(yb_store *st, int s, char *err, size_t errlen)
{
    yb_bkt_cache *c = &st->bc[s];
    if (c->blob) return true;
    int64_t nb = 0;
    yb_cell id = yb_cell_i(st->state_ids[s]);
    if (!yb_store_query_int(st, "SELECT buckets FROM yb_state WHERE id = $1", &id, 1, &nb, err, errlen)) return false;
    if (nb < 0 || (nb & (nb - 1))) {
        snprintf(err, errlen, "state %lld has %lld buckets, not a power of two: run `yibao ledger check`",
                 (long long)st->state_ids[s], (long long)nb);
        return false;
    }
    if (cache_size(c, nb)) return true;
    snprintf(err, errlen, "out of memory");
    return false;
}

typedef struct all_ctx {
    yb_bkt_cache *c;
    bool oom, bad;
} all_ctx;

static bool all_row(void *ctx, const yb_cell *cols, int ncols)
{
    all_ctx *x = ctx;
    int64_t b = yb_cell_int(&cols[0]);
    if (b < 0 || b >= x->c->nb || cols[1].n > UINT32_MAX) {
        x->bad = true;
        return false;
    }
    if (x->c->loaded[b]) return true; /* read before, maybe rewritten since: memory is newer */
    unsigned char *p = malloc(cols[1].n ? cols[1].n : 1);
    if (!p) {
        x->oom = true;
        return false;
    }
    memcpy(p, cols[1].p, cols[1].n);
    x->c->blob[b] = p;
    x->c->len[b] = (uint32_t)cols[1].n;
    x->c->loaded[b] = 1;
    return true;
}

/* Every bucket of state s not read yet, in one scan. */
static bool fetch_all(yb_store *st, int s, char *err, size_t errlen)
{
    yb_bkt_cache *c = &st->bc[s];
    all_ctx x = {c, false, false};
    yb_cell id = yb_cell_i(st->state_ids[s]);
    err[0] = 0;
    bool ok = st->b->ops->exec_raw(st->b, "SELECT bucket, data FROM yb_bucket WHERE state = $1", &id, 1, all_row, &x, err,
                               errlen);
    if (x.oom) snprintf(err, errlen, "out of memory for the running totals");
    else if (x.bad) snprintf(err, errlen, "state %lld has a bucket beyond its count: run `yibao ledger check`",
                             (long long)st->state_ids[s]);
    if (!ok || x.oom || x.bad) return false;
    memset(c->loaded, 1, (size_t)c->nb);
    c->all = true;
    return true;
}

static bool fetch(yb_store *st, int s, int64_t b, char *err, size_t errlen)
{
    yb_bkt_cache *c = &st->bc[s];
    if (c->loaded[b]) return true;
    if (++c->fetched * st->b->ops->preload_ratio >= c->nb && c->nb >= 64) return fetch_all(st, s, err, errlen);
    unsigned char *p = NULL;
    size_t n = 0;
    int rc = st->b->ops->bucket_get(st->b, st->state_ids[s], b, &p, &n, err, errlen);
    if (rc < 0) return false;
    if (n > UINT32_MAX) {
        free(p);
        snprintf(err, errlen, "a bucket of state %lld is too big", (long long)st->state_ids[s]);
        return false;
    }
    c->blob[b] = p;
    c->len[b] = (uint32_t)n;
    c->loaded[b] = 1;
    return true;
}

int yb_entries_load(void *ctx, int s, const unsigned char *key, uint32_t keylen, int64_t *values, char *err,
                    size_t errlen)
{
    yb_store *st = ctx;
    char msg[300];
    msg[0] = 0; /* not "= """: zeroing 300 bytes for each key asked cost 2 % of the ledger's work */
    if (st->broken) {
        snprintf(err, errlen, "%s: the ledger failed earlier in this batch", st->where);
        return -1;
    }
    if (!st->state_ids[s] || st->complete[s]) return 0;
    yb_bkt_cache *c = &st->bc[s];
    if (!cache_open(st, s, msg, sizeof msg)) goto fail;
    if (!c->nb) return 0;
    int64_t b = yb_bkt_of(st->fpkey, key, keylen, c->nb);
    if (!fetch(st, s, b, msg, sizeof msg)) goto fail;
    if (!c->blob[b]) return 0;
    bool bad = false;
    if (!c->index[b] && !(c->index[b] = yb_bkt_index(c->blob[b], c->len[b], &bad)) && !bad) goto fail;
    yb_bkt_entry e;
    int nf = st->p->states[s].nfields, rc = bad ? -1 : yb_bkt_find(c->blob[b], c->len[b], c->index[b], key, keylen, &e);
    if (rc == 0) return 0;
    if (rc > 0 && e.valslen == (uint32_t)nf * 8) {
        yb_store_unpack(e.vals, nf, values);
        return 1;
    }
    if (rc > 0) {
        snprintf(msg, sizeof msg, "an entry of state %lld has %u bytes of values, not %d: run `yibao ledger check`",
                 (long long)st->state_ids[s], e.valslen, nf * 8);
        goto fail;
    }
    snprintf(msg, sizeof msg, "bucket %lld of state %lld is damaged: run `yibao ledger check`", (long long)b,
             (long long)st->state_ids[s]);
fail:
    st->broken = true;
    snprintf(err, errlen, "%s: %s", st->where, msg[0] ? msg : "out of memory");
    return -1;
}

/* ---------------------------------------------------------------- commit */

typedef struct dirty {
    int64_t bucket;
    uint64_t word; /* by_bucket: the key's yb_bkt_word past its bucket's shared prefix */
    yb_bkt_entry e; /* vals: packed into the commit's arena */
} dirty;

static int dirty_cmp(const void *pa, const void *pb)
{
    const dirty *a = pa, *b = pb;
    if (a->bucket != b->bucket) return a->bucket < b->bucket ? -1 : 1;
    return yb_bkt_key_cmp(&a->e, &b->e);
}

/* Bucket b's entries merged with the changed ones d[0 .. n) (both in key
   order): its new blob, kept in the cache and marked for writing. */
static bool merge_bucket(yb_store *st, int s, int64_t b, const dirty *d, size_t n, yb_bkt_buf *out,
                         char *err, size_t errlen)
{
    yb_bkt_cache *c = &st->bc[s];
    out->n = 0;
    out->count = 0;
    size_t pos = 0, i = 0;
    yb_bkt_entry old;
    int rc = c->blob[b] ? yb_bkt_next(c->blob[b], c->len[b], &pos, &old) : 0;
    bool ok = true;
    while (ok && (rc > 0 || i < n)) {
        int cmp = rc <= 0 ? 1 : i >= n ? -1 : yb_bkt_key_cmp(&old, &d[i].e);
        if (cmp < 0) {
            ok = yb_bkt_buf_add(out, &old);
        } else {
            yb_bkt_entry e = d[i++].e;
            if (cmp == 0) e.opened = old.opened; /* the policy that opened the key stays */
            ok = yb_bkt_buf_add(out, &e);
        }
        if (ok && cmp <= 0) rc = yb_bkt_next(c->blob[b], c->len[b], &pos, &old);
    }
    if (!ok) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    if (rc < 0) {
        snprintf(err, errlen, "bucket %lld of state %lld is damaged: run `yibao ledger check`", (long long)b,
                 (long long)st->state_ids[s]);
        return false;
    }
    unsigned char *p = malloc(out->n ? out->n : 1);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    memcpy(p, out->p, out->n);
    free(c->blob[b]);
    free(c->index[b]); /* its entries moved */
    c->index[b] = NULL;
    c->blob[b] = p;
    c->len[b] = (uint32_t)out->n;
    c->count[b] = (uint32_t)out->count;
    c->loaded[b] = c->changed[b] = 1;
    return true;
}

/* A bucket's few dozen changed keys into order: a binary insertion that
   compares the 8 bytes after the prefix they all share, as integers, and
   whole keys only on a tie. */
static void sort_bucket(dirty *v, size_t m)
{
    if (m < 2) return;
    uint32_t skip = v[0].e.keylen;
    for (size_t i = 1; i < m; i++) {
        uint32_t c = yb_bkt_common(v[0].e.key, v[0].e.keylen, v[i].e.key, v[i].e.keylen);
        if (c < skip) skip = c;
    }
    for (size_t i = 0; i < m; i++) v[i].word = yb_bkt_word(v[i].e.key, v[i].e.keylen, skip);
    for (size_t i = 1; i < m; i++) {
        dirty x = v[i];
        size_t lo = 0, hi = i;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            int c = v[mid].word != x.word ? (v[mid].word > x.word ? 1 : -1) : yb_bkt_key_cmp(&v[mid].e, &x.e);
            if (c > 0) hi = mid;
            else lo = mid + 1;
        }
        memmove(v + lo + 1, v + lo, (i - lo) * sizeof *v);
        v[lo] = x;
    }
}

/* d[0 .. n) in order of bucket, then key: a counting sort by bucket (a
   batch's changed keys spread over the state's nb buckets, a few each),
   then each bucket's few by key.  qsort of the whole was a fifth of a
   commit's instructions.  A new array (d is the caller's); NULL when out of memory. */
static dirty *by_bucket(const dirty *d, size_t n, int64_t nb)
{
    size_t nbk = nb > 0 ? (size_t)nb : 1;
    size_t *start = calloc(nbk + 1, sizeof *start);
    dirty *out = malloc(n * sizeof *out);
    if (!start || !out) {
        free(start);
        free(out);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) start[d[i].bucket + 1]++;
    for (size_t b = 0; b < nbk; b++) start[b + 1] += start[b];
    for (size_t i = 0; i < n; i++) out[start[d[i].bucket]++] = d[i];
    /* start[b] is now the end of bucket b */
    for (size_t b = 0, from = 0; b < nbk; from = start[b++]) {
        size_t m = start[b] - from;
        if (m > 64) qsort(out + from, m, sizeof *out, dirty_cmp);
        else sort_bucket(out + from, m);
    }
    free(start);
    return out;
}

/* The changed entries of state s, by bucket and key; *added: how many are new. */
static dirty *collect(yb_store *st, int s, int64_t nb, unsigned char **arena, size_t *n, int64_t *added)
{
    const yb_ledger *l = st->vm->ledgers[s];
    int nf = st->p->states[s].nfields;
    size_t count = yb_ledger_count(l), pos = 0, k = 0;
    dirty *d = malloc((count ? count : 1) * sizeof *d);
    unsigned char *vals = malloc((count ? count : 1) * (size_t)(nf ? nf : 1) * 8);
    int64_t *tmp = malloc((size_t)(nf ? nf : 1) * sizeof *tmp);
    if (!d || !vals || !tmp) {
        free(d);
        free(vals);
        free(tmp);
        return NULL;
    }
    *added = 0;
    for (yb_ledger_entry *e; (e = yb_ledger_next(l, &pos));) {
        if (!(e->flags & YB_ENTRY_DIRTY)) continue;
        unsigned char *v = vals + k * (size_t)nf * 8;
        yb_ledger_values(l, e, tmp);
        yb_store_pack(tmp, nf, v);
        const unsigned char *key = yb_ledger_key(l, e);
        d[k] = (dirty){nb ? yb_bkt_of(st->fpkey, key, e->keylen, nb) : 0, 0,
                       {key, v, e->keylen, (uint32_t)nf * 8, st->policy_id, st->policy_id, st->batch_id}};
        *added += !(e->flags & YB_ENTRY_STORED);
        k++;
    }
    free(tmp);
    dirty *sorted = k ? by_bucket(d, k, nb) : d;
    if (sorted != d) free(d);
    if (!sorted) {
        free(vals);
        return NULL;
    }
    *arena = vals;
    *n = k;
    return sorted;
}

/* Every entry of the state dealt out again into nb buckets (the old ones deleted). */
static bool regrow(yb_store *st, int s, int64_t nb, char *err, size_t errlen)
{
    yb_bkt_cache *c = &st->bc[s];
    size_t n = 0, cap = 1024;
    yb_bkt_item *items = malloc(cap * sizeof *items);
    bool ok = items != NULL;
    for (int64_t b = 0; ok && b < c->nb; b++) {
        size_t pos = 0;
        yb_bkt_entry e;
        int rc;
        while (ok && c->blob[b] && (rc = yb_bkt_next(c->blob[b], c->len[b], &pos, &e)) > 0) {
            if (n == cap) {
                yb_bkt_item *v = realloc(items, (cap *= 2) * sizeof *v);
                if (!(ok = v != NULL)) break;
                items = v;
            }
            items[n++] = (yb_bkt_item){0, e};
        }
    }
    if (!ok) snprintf(err, errlen, "out of memory");
    yb_cell id = yb_cell_i(st->state_ids[s]);
    yb_cell v[2] = {yb_cell_i(nb), id};
    ok = ok && st->b->ops->exec(st->b, "DELETE FROM yb_bucket WHERE state = $1", &id, 1, NULL, NULL, err, errlen) &&
         st->b->ops->exec(st->b, "UPDATE yb_state SET buckets = $1 WHERE id = $2", v, 2, NULL, NULL, err, errlen) &&
         yb_bkt_write_all(st, st->state_ids[s], items, n, nb, err, errlen) &&
         st->b->ops->bucket_flush(st->b, err, errlen);
    free(items);
    cache_free(c); /* its buckets are others now */
    return ok;
}

/* State s's changed entries into its cached buckets; *grow: the count it needs now. */
static bool merge_state(yb_store *st, int s, int64_t *grow, char *err, size_t errlen)
{
    yb_bkt_cache *c = &st->bc[s];
    *grow = 0;
    if (!cache_open(st, s, err, errlen)) return false;
    unsigned char *arena = NULL;
    size_t n = 0;
    int64_t added = 0;
    dirty *d = collect(st, s, c->nb, &arena, &n, &added);
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    st->added[s] = added;
    int64_t nb = c->nb;
    bool ok = true;
    if (!nb && n && !cache_size(c, 1)) { /* a state's first entries: one bucket now, dealt out below */
        snprintf(err, errlen, "out of memory");
        ok = false;
    }
    yb_bkt_buf buf = {0};
    for (size_t i = 0; ok && i < n;) {
        size_t j = i;
        while (j < n && d[j].bucket == d[i].bucket) j++;
        ok = fetch(st, s, d[i].bucket, err, errlen) && merge_bucket(st, s, d[i].bucket, d + i, j - i, &buf, err, errlen);
        i = j;
    }
    free(buf.p);
    free(d);
    free(arena);
    int64_t want = yb_bkt_count_for(nb, st->on_disk[s] + added);
    if (ok && want != nb) *grow = want;
    if (ok && *grow && !c->all) ok = fetch_all(st, s, err, errlen);
    return ok;
}

bool yb_entries_write(yb_store *st, char *err, size_t errlen)
{
    yb_backend *b = st->b;
    int ns = st->p->nstates;
    int64_t *grow = calloc((size_t)(ns ? ns : 1), sizeof *grow);
    bool ok = grow != NULL;
    if (!ok) snprintf(err, errlen, "out of memory");
    for (int s = 0; ok && s < ns; s++)
        if (st->state_ids[s] && !st->vm->recsets[s]) ok = merge_state(st, s, &grow[s], err, errlen);
    /* the states that keep their buckets: every rewritten bucket in one stream */
    for (int s = 0; ok && s < ns; s++) {
        yb_bkt_cache *c = st->bc ? &st->bc[s] : NULL;
        if (!st->state_ids[s] || st->vm->recsets[s] || grow[s] || !c || !c->blob) continue;
        for (int64_t k = 0; ok && k < c->nb; k++)
            if (c->changed[k]) {
                ok = b->ops->bucket_put(b, st->state_ids[s], k, c->count[k], c->blob[k], c->len[k], err, errlen);
                c->changed[k] = 0;
            }
    }
    ok = ok && b->ops->bucket_flush(b, err, errlen);
    for (int s = 0; ok && s < ns; s++) /* a state grown: its buckets all written afresh */
        if (grow[s]) ok = regrow(st, s, grow[s], err, errlen);
    free(grow);
    return ok;
}
