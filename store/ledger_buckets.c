/* The entries of a state, packed into buckets (ledger format 3): a key lives
 * in bucket yb_fingerprint(ledger key, key) mod the state's bucket count (a
 * power of two, yb_state.buckets), and a bucket is one row of yb_bucket
 * whose blob holds its entries in key order, each
 *
 *     varint key length, key bytes, varint values length, values (8 bytes
 *     each, little-endian), varint opened_by, varint changed_by, varint batch
 *
 * A batch rewrites the few thousand buckets its changed keys fall in instead
 * of upserting every key (one B-tree operation per 64-128 entries, not per entry),
 * and its first touch of a bucket answers every key in it.  A state's bucket
 * count doubles when it averages more than YB_BKT_MAX entries a bucket (its
 * entries are then dealt out again, in the same commit). */
#include "ledger_internal.h"

#include <stdlib.h>
#include <string.h>

int64_t yb_bkt_count_for(int64_t nb, int64_t entries)
{
    if (entries <= nb * YB_BKT_MAX) return nb;
    int64_t n = nb ? nb : 1;
    while (n * YB_BKT_MAX / 2 < entries) n *= 2;
    return n;
}

int64_t yb_bkt_of(const uint64_t key[2], const void *k, size_t n, int64_t nb)
{
    return (int64_t)(yb_fingerprint(key, k, n) & (uint64_t)(nb - 1));
}

static size_t put_varint(unsigned char *o, uint64_t v)
{
    size_t k = 0;
    while (v >= 0x80) {
        o[k++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    o[k++] = (unsigned char)v;
    return k;
}

static bool get_varint(const unsigned char *p, size_t n, size_t *pos, uint64_t *v)
{
    uint64_t x = 0;
    for (int shift = 0; shift < 64 && *pos < n; shift += 7) {
        unsigned char c = p[(*pos)++];
        x |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *v = x;
            return true;
        }
    }
    return false;
}

int yb_bkt_next(const unsigned char *blob, size_t n, size_t *pos, yb_bkt_entry *e)
{
    if (*pos >= n) return 0;
    uint64_t kl, vl, o, c, b;
    if (!get_varint(blob, n, pos, &kl) || kl > n - *pos) return -1;
    e->key = blob + *pos;
    e->keylen = (uint32_t)kl;
    *pos += kl;
    if (!get_varint(blob, n, pos, &vl) || vl > n - *pos || vl % 8) return -1;
    e->vals = blob + *pos;
    e->valslen = (uint32_t)vl;
    *pos += vl;
    if (!get_varint(blob, n, pos, &o) || !get_varint(blob, n, pos, &c) || !get_varint(blob, n, pos, &b)) return -1;
    e->opened = (int64_t)o;
    e->changed = (int64_t)c;
    e->batch = (int64_t)b;
    return 1;
}

/* Past one varint (false when the blob ends inside it). */
static bool skip_varint(const unsigned char *p, size_t n, size_t *pos)
{
    while (*pos < n)
        if (!(p[(*pos)++] & 0x80)) return true;
    return false;
}

uint64_t yb_bkt_word(const unsigned char *key, uint32_t n, uint32_t skip)
{
    uint64_t w = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (skip <= n && n - skip >= 8) { /* one load */
        memcpy(&w, key + skip, 8);
        return __builtin_bswap64(w);
    }
#endif
    for (uint32_t i = 0; i < 8; i++) w = w << 8 | (skip < n && i < n - skip ? key[skip + i] : 0);
    return w;
}

uint32_t yb_bkt_common(const unsigned char *a, uint32_t na, const unsigned char *b, uint32_t nb)
{
    uint32_t n = na < nb ? na : nb, i = 0;
    while (i < n && a[i] == b[i]) i++;
    return i;
}

/* The key of the entry at pos (its start). */
static const unsigned char *key_at(const unsigned char *blob, size_t n, size_t pos, uint32_t *len)
{
    uint64_t kl = 0;
    get_varint(blob, n, &pos, &kl); /* read once already, whole: yb_bkt_index checked it */
    *len = (uint32_t)kl;
    return blob + pos;
}

yb_bkt_idx *yb_bkt_index(const unsigned char *blob, size_t n, bool *bad)
{
    uint32_t cap = 32, k = 0, *off = malloc(cap * sizeof *off);
    size_t pos = 0;
    *bad = false;
    while (off && pos < n) {
        if (k == cap) {
            uint32_t *v = cap < UINT32_MAX / 4 ? realloc(off, (size_t)(cap *= 2) * sizeof *v) : NULL;
            if (!v) break;
            off = v;
        }
        off[k++] = (uint32_t)pos;
        uint64_t kl, vl;
        if (!get_varint(blob, n, &pos, &kl) || kl > n - pos) break;
        pos += kl;
        if (!get_varint(blob, n, &pos, &vl) || vl > n - pos) break;
        pos += vl;
        if (!skip_varint(blob, n, &pos) || !skip_varint(blob, n, &pos) || !skip_varint(blob, n, &pos)) break;
    }
    if (off && pos < n) *bad = true; /* damaged (or out of memory: bad stays false) */
    yb_bkt_idx *x = off && pos >= n ? malloc(sizeof *x + (size_t)k * (sizeof *x->off + sizeof *x->word)) : NULL;
    if (!x) {
        free(off);
        return NULL;
    }
    x->n = k;
    x->word = (uint64_t *)(x + 1);
    x->off = (uint32_t *)(x->word + k);
    memcpy(x->off, off, (size_t)k * sizeof *off);
    free(off);
    x->skip = 0;
    x->first = k ? x->off[0] : 0;
    if (k) { /* the keys are in order: what the first and last share, all share */
        uint32_t la, lb;
        const unsigned char *a = key_at(blob, n, x->off[0], &la), *b = key_at(blob, n, x->off[k - 1], &lb);
        x->skip = yb_bkt_common(a, la, b, lb);
    }
    for (uint32_t i = 0; i < k; i++) {
        uint32_t len;
        const unsigned char *key = key_at(blob, n, x->off[i], &len);
        x->word[i] = yb_bkt_word(key, len, x->skip);
    }
    return x;
}

int yb_bkt_find(const unsigned char *blob, size_t n, const yb_bkt_idx *x, const void *key, uint32_t keylen,
                yb_bkt_entry *e)
{
    if (!x->n) return 0;
    uint32_t flen;
    const unsigned char *first = key_at(blob, n, x->first, &flen);
    if (keylen < x->skip || (x->skip && memcmp(first, key, x->skip) != 0)) return 0; /* not the bucket's prefix */
    uint64_t w = yb_bkt_word(key, keylen, x->skip);
    uint32_t a = 0, b = x->n;
    while (a < b) { /* the words keep the keys' order (ties: the whole keys decide) */
        uint32_t mid = a + (b - a) / 2;
        if (x->word[mid] < w) {
            a = mid + 1;
            continue;
        }
        if (x->word[mid] > w) {
            b = mid;
            continue;
        }
        uint32_t len;
        const unsigned char *k = key_at(blob, n, x->off[mid], &len);
        size_t m = len < keylen ? len : keylen;
        int c = m ? memcmp(k, key, m) : 0;
        if (!c) c = (len > keylen) - (len < keylen);
        if (c == 0) {
            size_t pos = x->off[mid];
            return yb_bkt_next(blob, n, &pos, e) > 0 ? 1 : -1;
        }
        if (c < 0) a = mid + 1;
        else b = mid;
    }
    return 0;
}

int yb_bkt_key_cmp(const yb_bkt_entry *a, const yb_bkt_entry *b)
{
    uint32_t n = a->keylen < b->keylen ? a->keylen : b->keylen;
    int c = n ? memcmp(a->key, b->key, n) : 0;
    return c ? c : (a->keylen > b->keylen) - (a->keylen < b->keylen);
}

bool yb_bkt_buf_add(yb_bkt_buf *b, const yb_bkt_entry *e)
{
    size_t need = 40 + (size_t)e->keylen + e->valslen;
    if (b->n + need > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 1024;
        while (cap < b->n + need) cap *= 2;
        unsigned char *p = realloc(b->p, cap);
        if (!p) return false;
        b->p = p;
        b->cap = cap;
    }
    unsigned char *o = b->p + b->n;
    size_t k = put_varint(o, e->keylen);
    memcpy(o + k, e->key, e->keylen);
    k += e->keylen;
    k += put_varint(o + k, e->valslen);
    memcpy(o + k, e->vals, e->valslen);
    k += e->valslen;
    k += put_varint(o + k, (uint64_t)e->opened);
    k += put_varint(o + k, (uint64_t)e->changed);
    k += put_varint(o + k, (uint64_t)e->batch);
    b->n += k;
    b->count++;
    return true;
}

static int item_cmp(const void *pa, const void *pb)
{
    const yb_bkt_item *a = pa, *b = pb;
    if (a->bucket != b->bucket) return a->bucket < b->bucket ? -1 : 1;
    return yb_bkt_key_cmp(&a->e, &b->e);
}

bool yb_bkt_write_all(yb_store *st, int64_t state, yb_bkt_item *items, size_t n, int64_t nb, char *err, size_t errlen)
{
    for (size_t i = 0; i < n; i++) items[i].bucket = yb_bkt_of(st->fpkey, items[i].e.key, items[i].e.keylen, nb);
    if (n) qsort(items, n, sizeof *items, item_cmp);
    yb_bkt_buf buf = {0};
    bool ok = true;
    for (size_t i = 0; ok && i < n;) {
        size_t j = i;
        buf.n = 0;
        buf.count = 0;
        for (; ok && j < n && items[j].bucket == items[i].bucket; j++) {
            if (j > i && yb_bkt_key_cmp(&items[j - 1].e, &items[j].e) == 0) {
                snprintf(err, errlen, "state %lld has a key twice", (long long)state);
                free(buf.p);
                return false;
            }
            ok = yb_bkt_buf_add(&buf, &items[j].e);
        }
        if (!ok) snprintf(err, errlen, "out of memory");
        ok = ok && st->b->ops->bucket_put(st->b, state, items[i].bucket, buf.count, buf.p, buf.n, err, errlen);
        i = j;
    }
    free(buf.p);
    return ok;
}

/* ---------------------------------------------------------------- reading every entry (the tools) */

typedef struct scan_ctx {
    yb_row_fn fn;
    void *ctx;
    const unsigned char *prefix;
    size_t prefix_len;
    bool sorted, bad;
    int64_t state;
    yb_bkt_item *items; /* sorted: the state's entries so far */
    unsigned char **blobs;
    size_t n, cap, nblobs, blobcap;
} scan_ctx;

static bool emit(scan_ctx *x, int64_t state, const yb_bkt_entry *e)
{
    yb_cell cols[6] = {yb_cell_i(state), yb_cell_b(e->key, e->keylen), yb_cell_b(e->vals, e->valslen),
                       yb_cell_i(e->opened), yb_cell_i(e->changed), yb_cell_i(e->batch)};
    return x->fn(x->ctx, cols, 6);
}

static int scan_item_cmp(const void *pa, const void *pb)
{
    return yb_bkt_key_cmp(&((const yb_bkt_item *)pa)->e, &((const yb_bkt_item *)pb)->e);
}

/* The state's entries gathered so far, in key order. */
static bool flush_state(scan_ctx *x)
{
    bool ok = true;
    if (x->n) qsort(x->items, x->n, sizeof *x->items, scan_item_cmp);
    for (size_t i = 0; ok && i < x->n; i++) ok = emit(x, x->state, &x->items[i].e);
    for (size_t i = 0; i < x->nblobs; i++) free(x->blobs[i]);
    x->n = x->nblobs = 0;
    return ok;
}

static bool hold_blob(scan_ctx *x, unsigned char *blob)
{
    if (x->nblobs == x->blobcap) {
        size_t cap = x->blobcap ? x->blobcap * 2 : 64;
        unsigned char **v = realloc(x->blobs, cap * sizeof *v);
        if (!v) return false;
        x->blobs = v;
        x->blobcap = cap;
    }
    x->blobs[x->nblobs++] = blob;
    return true;
}

static bool keep(scan_ctx *x, const yb_bkt_entry *e)
{
    if (x->n == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 1024;
        yb_bkt_item *v = realloc(x->items, cap * sizeof *v);
        if (!v) return false;
        x->items = v;
        x->cap = cap;
    }
    x->items[x->n++] = (yb_bkt_item){0, *e};
    return true;
}

static bool scan_row(void *vctx, const yb_cell *cols, int ncols)
{
    scan_ctx *x = vctx;
    int64_t state = yb_cell_int(&cols[0]);
    if (x->sorted && state != x->state && !flush_state(x)) return false;
    x->state = state;
    const unsigned char *p = cols[1].p;
    unsigned char *copy = NULL;
    if (x->sorted) { /* the row's bytes last only for this call */
        if (!(copy = malloc(cols[1].n ? cols[1].n : 1))) return false;
        memcpy(copy, p, cols[1].n);
        p = copy;
    }
    size_t pos = 0;
    yb_bkt_entry e;
    int rc;
    bool ok = true, held = false;
    while (ok && (rc = yb_bkt_next(p, cols[1].n, &pos, &e)) > 0) {
        if (x->prefix_len && (e.keylen < x->prefix_len || memcmp(e.key, x->prefix, x->prefix_len) != 0)) continue;
        if (!x->sorted) {
            ok = emit(x, state, &e);
            continue;
        }
        if (!held) ok = held = hold_blob(x, copy);
        ok = ok && keep(x, &e);
    }
    if (copy && !held) free(copy);
    if (ok && rc < 0) x->bad = true;
    return ok;
}

bool yb_bkt_each(yb_store *st, bool sorted, const void *prefix, size_t prefix_len, yb_row_fn fn, void *ctx,
                 bool *bad, char *err, size_t errlen)
{
    scan_ctx x = {fn, ctx, prefix, prefix_len, sorted, false, -1, NULL, NULL, 0, 0, 0, 0};
    err[0] = 0;
    bool ok = st->b->ops->exec_raw(st->b, "SELECT state, data FROM yb_bucket ORDER BY state, bucket", NULL, 0, scan_row, &x,
                               err, errlen);
    if (ok && sorted) ok = flush_state(&x);
    if (!ok && !err[0]) snprintf(err, errlen, "out of memory");
    for (size_t i = 0; i < x.nblobs; i++) free(x.blobs[i]);
    free(x.blobs);
    free(x.items);
    *bad = x.bad;
    return ok;
}

/* ---------------------------------------------------------------- format 2 to 3 */

typedef struct v2_ctx {
    yb_bkt_item *items;
    unsigned char **copies;
    size_t n, cap;
    bool oom;
} v2_ctx;

static bool v2_row(void *vctx, const yb_cell *cols, int ncols)
{
    v2_ctx *x = vctx;
    if (x->n == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 1024;
        yb_bkt_item *v = realloc(x->items, cap * sizeof *v);
        unsigned char **c = v ? realloc(x->copies, cap * sizeof *c) : NULL;
        if (v) x->items = v;
        if (!c) return x->oom = true, false;
        x->copies = c;
        x->cap = cap;
    }
    unsigned char *p = malloc(cols[0].n + cols[1].n + 1);
    if (!p) return x->oom = true, false;
    memcpy(p, cols[0].p, cols[0].n);
    memcpy(p + cols[0].n, cols[1].p, cols[1].n);
    x->copies[x->n] = p;
    x->items[x->n++] = (yb_bkt_item){0, {p, p + cols[0].n, (uint32_t)cols[0].n, (uint32_t)cols[1].n,
                                         yb_cell_int(&cols[2]), yb_cell_int(&cols[3]), yb_cell_int(&cols[4])}};
    return true;
}

static void v2_clear(v2_ctx *x)
{
    for (size_t i = 0; i < x->n; i++) free(x->copies[i]);
    x->n = 0;
}

static bool id_row(void *vctx, const yb_cell *cols, int ncols)
{
    yb_bkt_buf *ids = vctx; /* int64 ids, as bytes */
    int64_t id = yb_cell_int(&cols[0]);
    if (ids->n + sizeof id > ids->cap) {
        size_t cap = ids->cap ? ids->cap * 2 : 256;
        unsigned char *p = realloc(ids->p, cap);
        if (!p) return false;
        ids->p = p;
        ids->cap = cap;
    }
    memcpy(ids->p + ids->n, &id, sizeof id);
    ids->n += sizeof id;
    return true;
}

/* One state's entries of yb_entry into its buckets. */
static bool v2_state(yb_store *st, int64_t id, v2_ctx *x, char *err, size_t errlen)
{
    yb_cell sid = yb_cell_i(id);
    bool ok = st->b->ops->exec(st->b, "SELECT key, vals, opened_by, changed_by, batch FROM yb_entry WHERE state = $1",
                               &sid, 1, v2_row, x, err, errlen);
    if (x->oom) snprintf(err, errlen, "out of memory");
    int64_t nb = yb_bkt_count_for(0, (int64_t)x->n);
    yb_cell v[3] = {yb_cell_i(nb), yb_cell_i((int64_t)x->n), sid};
    ok = ok && !x->oom && yb_bkt_write_all(st, id, x->items, x->n, nb, err, errlen) &&
         st->b->ops->bucket_flush(st->b, err, errlen) &&
         st->b->ops->exec(st->b, "UPDATE yb_state SET buckets = $1, entries = $2 WHERE id = $3", v, 3, NULL, NULL, err,
                          errlen);
    v2_clear(x);
    return ok;
}

bool yb_bkt_upgrade_v2(yb_store *st, char *err, size_t errlen)
{
    yb_backend *b = st->b;
    yb_bkt_buf ids = {0};
    v2_ctx x = {0};
    bool ok = b->ops->exec(b, b->ops->begin_sql, NULL, 0, NULL, NULL, err, errlen);
    if (!ok) return false;
    ok = b->ops->exec(b, "ALTER TABLE yb_state ADD COLUMN buckets BIGINT NOT NULL DEFAULT 0", NULL, 0, NULL, NULL, err,
                      errlen) &&
         b->ops->exec(b, b->ops->bucket_sql, NULL, 0, NULL, NULL, err, errlen) &&
         b->ops->exec(b, "SELECT id FROM yb_state ORDER BY id", NULL, 0, id_row, &ids, err, errlen);
    for (size_t i = 0; ok && i + 8 <= ids.n; i += 8) {
        int64_t id;
        memcpy(&id, ids.p + i, 8);
        ok = v2_state(st, id, &x, err, errlen);
    }
    ok = ok && b->ops->exec(b, "DROP TABLE yb_entry", NULL, 0, NULL, NULL, err, errlen) &&
         b->ops->exec(b, "UPDATE yb_meta SET v = '" YB_LEDGER_FORMAT "' WHERE k = 'format'", NULL, 0, NULL, NULL, err,
                      errlen) &&
         b->ops->exec(b, "COMMIT", NULL, 0, NULL, NULL, err, errlen);
    if (!ok) b->ops->exec(b, "ROLLBACK", NULL, 0, NULL, NULL, NULL, 0);
    v2_clear(&x);
    free(x.items);
    free(x.copies);
    free(ids.p);
    return ok;
}
