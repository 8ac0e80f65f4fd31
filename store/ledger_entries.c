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
    yb_bkt_entry e; /* vals: packed into the bucket's buffer (bucket_entries) */
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

/* A bucket's few dozen changed keys into order: a binary insertion of
   (word, place) pairs, the word being the 8 bytes after the prefix they all
   share, as an integer, and whole keys compared only on a tie; then v is
   permuted through tmp (both m long).  Moving 16-byte pairs, not the 64-byte
   entries: the entries' moves were a tenth of a commit's instructions. */
typedef struct sort_pair {
    uint64_t word;
    size_t at;
} sort_pair;

static void sort_bucket(dirty *v, size_t m, sort_pair *p, dirty *tmp)
{
    if (m < 2) return;
    uint32_t skip = v[0].e.keylen;
    for (size_t i = 1; i < m; i++) {
        uint32_t c = yb_bkt_common(v[0].e.key, v[0].e.keylen, v[i].e.key, v[i].e.keylen);
        if (c < skip) skip = c;
    }
    for (size_t i = 0; i < m; i++) {
        sort_pair x = {yb_bkt_word(v[i].e.key, v[i].e.keylen, skip), i};
        size_t lo = 0, hi = i;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            int c = p[mid].word != x.word ? (p[mid].word > x.word ? 1 : -1) : yb_bkt_key_cmp(&v[p[mid].at].e, &v[i].e);
            if (c > 0) hi = mid;
            else lo = mid + 1;
        }
        memmove(p + lo + 1, p + lo, (i - lo) * sizeof *p);
        p[lo] = x;
    }
    for (size_t i = 0; i < m; i++) tmp[i] = v[p[i].at];
    memcpy(v, tmp, m * sizeof *v);
}

/* The changed entries of a state, grouped by bucket: bucket b's are
   order[start[b] .. start[b + 1]) (a counting sort: a batch's changed keys
   spread over the state's buckets, a few dozen each).  Pointers only: the
   entries are made a bucket at a time as it is merged (a whole state's
   entries, values and a sorted copy were 10 MB of new memory at each
   commit of a 200,000-claim batch, faulted in page by page). */
typedef struct changed {
    yb_ledger_entry **order;
    size_t *start; /* nb + 1 */
    size_t n, nb;
} changed;

static void changed_free(changed *c)
{
    free(c->order);
    free(c->start);
}

/* The changed entries of state s by bucket; *added: how many are new. */
static bool collect(yb_store *st, int s, int64_t nb, changed *c, int64_t *added)
{
    const yb_ledger *l = st->vm->ledgers[s];
    size_t count = yb_ledger_count(l), pos = 0, k = 0, nbk = nb > 0 ? (size_t)nb : 1;
    yb_ledger_entry **ents = malloc((count ? count : 1) * sizeof *ents);
    int64_t *bkt = malloc((count ? count : 1) * sizeof *bkt);
    *c = (changed){malloc((count ? count : 1) * sizeof *c->order), calloc(nbk + 1, sizeof *c->start), 0, nbk};
    bool ok = ents && bkt && c->order && c->start;
    *added = 0;
    for (yb_ledger_entry *e; ok && (e = yb_ledger_next(l, &pos));) {
        if (!(e->flags & YB_ENTRY_DIRTY)) continue;
        int64_t b = nb ? yb_bkt_of(st->fpkey, yb_ledger_key(l, e), e->keylen, nb) : 0;
        ents[k] = e;
        bkt[k++] = b;
        c->start[b + 1]++;
        *added += !(e->flags & YB_ENTRY_STORED);
    }
    for (size_t b = 0; ok && b < nbk; b++) c->start[b + 1] += c->start[b];
    for (size_t i = 0; ok && i < k; i++) c->order[c->start[bkt[i]]++] = ents[i];
    if (ok) { /* start[b] is now the end of bucket b: back one */
        memmove(c->start + 1, c->start, nbk * sizeof *c->start);
        c->start[0] = 0;
    }
    c->n = k;
    free(ents);
    free(bkt);
    if (!ok) changed_free(c);
    return ok;
}

/* Bucket b's changed entries, as a merge takes them (values packed into
   vals), in key order; the buffers grow to the biggest bucket's. */
typedef struct bucket_buf {
    dirty *v, *tmp;
    sort_pair *pairs;
    unsigned char *vals;
    int64_t *tmpvals;
    size_t cap;
} bucket_buf;

static void bucket_buf_free(bucket_buf *w)
{
    free(w->v);
    free(w->tmp);
    free(w->pairs);
    free(w->vals);
    free(w->tmpvals);
}

static bool bucket_entries(yb_store *st, int s, const changed *c, size_t b, bucket_buf *w)
{
    const yb_ledger *l = st->vm->ledgers[s];
    int nf = st->p->states[s].nfields;
    size_t m = c->start[b + 1] - c->start[b], width = (size_t)(nf ? nf : 1) * 8;
    if (m > w->cap) {
        size_t cap = m > 2 * w->cap ? m : 2 * w->cap;
        bucket_buf_free(w);
        *w = (bucket_buf){malloc(cap * sizeof *w->v), malloc(cap * sizeof *w->tmp), malloc(cap * sizeof *w->pairs),
                          malloc(cap * width), malloc((size_t)(nf ? nf : 1) * sizeof *w->tmpvals), cap};
        if (!w->v || !w->tmp || !w->pairs || !w->vals || !w->tmpvals) {
            bucket_buf_free(w);
            memset(w, 0, sizeof *w);
            return false;
        }
    }
    for (size_t i = 0; i < m; i++) {
        const yb_ledger_entry *e = c->order[c->start[b] + i];
        unsigned char *v = w->vals + i * width;
        yb_ledger_values(l, e, w->tmpvals);
        yb_store_pack(w->tmpvals, nf, v);
        w->v[i] = (dirty){(int64_t)b,
                          {yb_ledger_key(l, e), v, e->keylen, (uint32_t)nf * 8, st->policy_id, st->policy_id, st->batch_id}};
    }
    if (m > 64) qsort(w->v, m, sizeof *w->v, dirty_cmp);
    else sort_bucket(w->v, m, w->pairs, w->tmp);
    return true;
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
    changed ch;
    int64_t added = 0;
    if (!collect(st, s, c->nb, &ch, &added)) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    st->added[s] = added;
    int64_t nb = c->nb;
    bool ok = true;
    if (!nb && ch.n && !cache_size(c, 1)) { /* a state's first entries: one bucket now, dealt out below */
        snprintf(err, errlen, "out of memory");
        ok = false;
    }
    yb_bkt_buf buf = {0};
    bucket_buf w = {0};
    for (size_t b = 0; ok && b < ch.nb; b++) {
        size_t m = ch.start[b + 1] - ch.start[b];
        if (!m) continue;
        if (!bucket_entries(st, s, &ch, b, &w)) {
            snprintf(err, errlen, "out of memory");
            ok = false;
            break;
        }
        ok = fetch(st, s, (int64_t)b, err, errlen) && merge_bucket(st, s, (int64_t)b, w.v, m, &buf, err, errlen);
    }
    free(buf.p);
    bucket_buf_free(&w);
    changed_free(&ch);
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
