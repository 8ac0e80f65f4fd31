/* The durable ledger's fingerprint indexes: the claim ids it settled (index
 * state 0) and the records of each state without fields (the duplicate
 * check), kept on disk so that a batch's memory does not grow with the
 * ledger's history.
 *
 * Tables:
 * - yb_fps (state, run, hi, fps): runs of fingerprints in ascending order, in
 *   parts of PART 12-byte entries (fingerprint, then the batch that added it,
 *   little-endian); hi is the part's last fingerprint with its top bit
 *   flipped, so that the database's signed order is the fingerprints' order
 *   and "the part holding fp" is one indexed lookup per run.
 * - yb_run (state, run, n): the runs of each index.  A batch writes its new
 *   fingerprints as one run at commit; once an index has RUNS_FREE runs, the
 *   new run takes in the newest runs no bigger than it (a binary counter):
 *   an index of n fingerprints written by batches of b has at most
 *   RUNS_FREE + log2(n / b) runs, and each fingerprint is rewritten about
 *   log2(n / b) times in all.
 * - yb_filter (state, page, bits, sum): each index's Bloom filter (fpset.h)
 *   as a checkpoint, by 4 KiB page (or the gaps between its set bits, a
 *   byte each mostly, when shorter) with a checksum; page -1 holds how many
 *   fingerprints the filter covers, its size and the last run it includes
 *   (a header of 16 bytes, written before the checkpoints: every run).  A
 *   batch reads the filter, the run list and the runs after the checkpoint
 *   when it starts, and at commit writes its run only; the filter is written
 *   again (every page) only when the runs after the checkpoint hold more
 *   than CKPT_BYTES of fingerprints (and the batch is not most of them, up
 *   to four times that: ckpt_due), or when the batch's run takes in runs
 *   the checkpoint includes: opening stays O(filter), whatever the history,
 *   and a batch does not rewrite 8 MiB a filter.  A filter that fails its
 *   checksums, or covers another number of fingerprints than its runs hold,
 *   is rebuilt from the runs (a note says so), never trusted.
 *
 * During the batch the fpset keeps the batch's own fingerprints (memory, then
 * its temporary file); a filter positive it cannot confirm is looked up in
 * the ledger's runs here. */
#include "ledger_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* RUNS_FREE: an index may have this many runs before a batch merges its
   run with the newest ones (a lookup reads a part of each run).  PART: 640
   entries (7,680 bytes) a row: a database's cost is per row more than per
   byte (a 200,000-claim batch writes 313 rows an index, not 782), and a row
   stays under PostgreSQL's 8,160-byte bound for rows kept whole.  Parts of
   any length are read (ledgers written with 256). */
enum { PART = 640, ENTRY = 12, RUNS_FREE = 8 };

/* The runs after a filter's checkpoint hold more than this many bytes of
   fingerprints (174,762 of them) only after a batch that is most of them
   (ckpt_due), and never more than four times as many (the filter's size):
   a batch's start reads them, so opening stays O(filter); a checkpoint
   writes the filter's 8 MiB. */
#define CKPT_BYTES (YB_FILTER_BYTES / 4)

static const char part_sql[] = "SELECT fps FROM yb_fps WHERE state = $1 AND run = $2 AND hi >= $3 ORDER BY hi LIMIT 1";

static int64_t signed_order(uint64_t fp) { return (int64_t)(fp ^ ((uint64_t)1 << 63)); }

static uint64_t get_le(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int b = 0; b < n; b++) v |= (uint64_t)p[b] << (8 * b);
    return v;
}

/* A little-endian 64-bit word: one load on a little-endian machine. */
static uint64_t load64(const unsigned char *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
#else
    return get_le(p, 8);
#endif
}

static void put_le(unsigned char *p, uint64_t v, int n)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (n == 8 || n == 4) { /* one store: a run's 12-byte entries are written by the hundred thousand */
        uint32_t w = (uint32_t)v;
        memcpy(p, n == 8 ? (const void *)&v : (const void *)&w, (size_t)n);
        return;
    }
#endif
    for (int b = 0; b < n; b++) p[b] = (unsigned char)(v >> (8 * b));
}

/* FNV-1a over 64-bit little-endian words (the tail padded with zeros), with a
   shift folded in: a checksum against damage, not an adversary. */
uint64_t yb_fps_checksum(const void *p, size_t n)
{
    const unsigned char *b = p;
    uint64_t h = 0xcbf29ce484222325u ^ n;
    size_t whole = n & ~(size_t)7;
    for (size_t i = 0; i < whole; i += 8) {
        h = (h ^ load64(b + i)) * 0x100000001b3u;
        h ^= h >> 29;
    }
    for (size_t i = whole; i < n; i += 8) {
        unsigned char w[8] = {0};
        memcpy(w, b + i, n - i < 8 ? n - i : 8);
        h = (h ^ get_le(w, 8)) * 0x100000001b3u;
        h ^= h >> 29;
    }
    return h;
}

/* A filter page as stored: the gaps between its set bits, 7 bits a byte
   (high bit: more bytes follow; a batch's fingerprints leave gaps of tens of
   bits, one byte each), when that is shorter than the page; else the page's
   4 KiB as they are.  out holds YB_FILTER_PAGE bytes; the stored length is
   returned. */
static size_t page_encode(const unsigned char *page, unsigned char *out)
{
    size_t n = 0;
    unsigned last = 0;
    for (size_t i = 0; i < YB_FILTER_PAGE / 8; i++) {
        for (uint64_t bits = load64(page + 8 * i); bits; bits &= bits - 1) {
            unsigned bit = (unsigned)(i * 64) + (unsigned)__builtin_ctzll(bits), gap = bit - last;
            last = bit + 1;
            for (; gap >= 0x80; gap >>= 7) {
                if (n + 3 >= YB_FILTER_PAGE) goto raw;
                out[n++] = (unsigned char)(gap | 0x80);
            }
            if (n + 3 >= YB_FILTER_PAGE) goto raw;
            out[n++] = (unsigned char)gap;
        }
    }
    return n;
raw:
    memcpy(out, page, YB_FILTER_PAGE);
    return YB_FILTER_PAGE;
}

/* The stored form back into a page (zeroed: it is all zeros already, as a
   batch's new filter is: no 16 MiB of memset at each start); false when it
   is neither form. */
static bool page_decode(const unsigned char *in, size_t n, unsigned char *page, bool zeroed)
{
    if (n == YB_FILTER_PAGE) {
        memcpy(page, in, n);
        return true;
    }
    if (n > YB_FILTER_PAGE) return false;
    if (!zeroed) memset(page, 0, YB_FILTER_PAGE);
    unsigned long bit = 0;
    for (size_t i = 0; i < n;) {
        if (!(in[i] & 0x80)) { /* a gap of one byte: most of them */
            bit += in[i++];
            if (bit >= YB_FILTER_PAGE * 8) return false;
            page[bit >> 3] |= (unsigned char)(1u << (bit & 7));
            bit++;
            continue;
        }
        unsigned long gap = 0;
        int shift = 0;
        do {
            if (i == n || shift > 21) return false;
            gap |= (unsigned long)(in[i] & 0x7f) << shift;
            shift += 7;
        } while (in[i++] & 0x80);
        bit += gap;
        if (bit >= YB_FILTER_PAGE * 8) return false;
        page[bit >> 3] |= (unsigned char)(1u << (bit & 7));
        bit++;
    }
    return true;
}

bool yb_fps_page_decode(const unsigned char *in, size_t n, unsigned char *page) { return page_decode(in, n, page, false); }

/* ---------------------------------------------------------------- lookups */

typedef struct find_ctx {
    uint64_t fp;
    uint32_t tag;
    int found; /* 1, 0, -1: a part that is not whole entries */
} find_ctx;

static bool find_row(void *vctx, const yb_cell *cols, int ncols)
{
    find_ctx *f = vctx;
    if (ncols < 1 || cols[0].n % ENTRY) {
        f->found = -1;
        return true;
    }
    const unsigned char *p = cols[0].p;
    size_t a = 0, b = cols[0].n / ENTRY;
    while (a < b) {
        size_t mid = (a + b) / 2;
        uint64_t x = get_le(p + mid * ENTRY, 8);
        if (x == f->fp) {
            f->tag = (uint32_t)get_le(p + mid * ENTRY + 8, 4);
            f->found = 1;
            return true;
        }
        if (x < f->fp) a = mid + 1;
        else b = mid;
    }
    return true;
}

/* The backing of an index's fpset: fp in one of the ledger's runs? */
static int index_lookup(void *ctx, uint64_t fp, uint32_t *tag, char *err, size_t errlen)
{
    yb_fp_index *x = ctx;
    yb_backend *b = x->st->b;
    for (int r = x->nruns - 1; r >= 0; r--) {
        find_ctx f = {fp, 0, 0};
        yb_cell v[3] = {yb_cell_i(x->state), yb_cell_i(x->runs[r]), yb_cell_i(signed_order(fp))};
        if (!b->ops->exec_raw(b, part_sql, v, 3, find_row, &f, err, errlen)) return -1;
        if (f.found < 0) {
            snprintf(err, errlen, "a part of the %s index is damaged: run `yibao ledger check`", x->name);
            return -1;
        }
        if (f.found) {
            *tag = f.tag;
            return 1;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- batch start */

static yb_fp_index *index_of(yb_store *st, int64_t state)
{
    for (int i = 0; i < st->nfpi; i++)
        if (st->fpi[i].state == state) return &st->fpi[i];
    return NULL;
}

static bool run_row(void *vctx, const yb_cell *cols, int ncols)
{
    yb_store *st = vctx;
    yb_fp_index *x = index_of(st, yb_cell_int(&cols[0]));
    if (!x) return true; /* a state this policy does not keep: its runs stay as they are */
    if (x->nruns == x->cap) {
        int cap = x->cap ? x->cap * 2 : 8;
        int64_t *r = realloc(x->runs, (size_t)cap * sizeof *r), *n = r ? realloc(x->sizes, (size_t)cap * sizeof *n) : NULL;
        if (r) x->runs = r;
        if (!n) return false;
        x->sizes = n;
        x->cap = cap;
    }
    x->runs[x->nruns] = yb_cell_int(&cols[1]);
    x->sizes[x->nruns++] = yb_cell_int(&cols[2]);
    return true;
}

/* A stored page kept as it is (decoded when the set asks: stored_page). */
static bool keep_page(yb_fp_index *x, size_t page, const void *bits, size_t n)
{
    if (!x->page_off && (!(x->page_off = calloc(YB_FILTER_PAGES, sizeof *x->page_off)) ||
                         !(x->page_len = calloc(YB_FILTER_PAGES, sizeof *x->page_len))))
        return false;
    if (x->pages_len + n > x->pages_cap) {
        size_t cap = x->pages_cap ? x->pages_cap * 2 : (size_t)1 << 20;
        while (cap < x->pages_len + n) cap *= 2;
        unsigned char *v = realloc(x->pages, cap);
        if (!v) return false;
        x->pages = v;
        x->pages_cap = cap;
    }
    memcpy(x->pages + x->pages_len, bits, n);
    x->page_off[page] = (uint32_t)x->pages_len;
    x->page_len[page] = (uint32_t)n;
    x->pages_len += n;
    return true;
}

static bool filter_row(void *vctx, const yb_cell *cols, int ncols)
{
    yb_store *st = vctx;
    yb_fp_index *x = index_of(st, yb_cell_int(&cols[0]));
    if (!x) return true;
    int64_t page = yb_cell_int(&cols[1]);
    const yb_cell *bits = &cols[2];
    bool sum_ok = bits->kind == YB_CELL_BLOB && (uint64_t)yb_cell_int(&cols[3]) == yb_fps_checksum(bits->p, bits->n);
    if (page == -1 && sum_ok && (bits->n == 16 || bits->n == 24)) {
        x->has_header = true;
        x->filter_count = (int64_t)get_le(bits->p, 8);
        x->ckpt_run = bits->n == 24 ? (int64_t)get_le((const unsigned char *)bits->p + 16, 8) : INT64_MAX;
        if (get_le((const unsigned char *)bits->p + 8, 8) != YB_FILTER_BYTES) x->filter_bad = true;
    } else if (!(page >= 0 && (size_t)page < YB_FILTER_PAGES && sum_ok && bits->n <= YB_FILTER_PAGE)) {
        x->filter_bad = true;
    } else if (bits->n && !keep_page(x, (size_t)page, bits->p, bits->n)) { /* empty: a page of zeros */
        return false;
    }
    return true;
}

/* The set's lazy reader of a stored page (yb_fpset_page_fn): a gap-coded
   page only sets bits, so ORing it is decoding it without the memset. */
static bool stored_page(void *ctx, size_t page, unsigned char *out, bool or)
{
    const yb_fp_index *x = ctx;
    size_t n = x->page_len ? x->page_len[page] : 0;
    const unsigned char *in = n ? x->pages + x->page_off[page] : NULL;
    if (!or || n < YB_FILTER_PAGE) {
        if (!n && !or) memset(out, 0, YB_FILTER_PAGE);
        return !n || page_decode(in, n, out, or);
    }
    for (size_t i = 0; i < n; i++) out[i] |= in[i]; /* a raw page */
    return true;
}

/* Every stored page into the (zeroed) filter; false when one cannot be decoded. */
static bool decode_pages(const yb_fp_index *x, unsigned char *filter)
{
    for (size_t p = 0; x->page_len && p < YB_FILTER_PAGES; p++)
        if (x->page_len[p] &&
            !page_decode(x->pages + x->page_off[p], x->page_len[p], filter + p * YB_FILTER_PAGE, true))
            return false;
    return true;
}

static bool add_runs(yb_store *st, yb_fp_index *x, int64_t after, char *err, size_t errlen);

/* The set's filling of its whole filter (yb_fpset_fill_fn): the stored pages,
   then the runs after the checkpoint (as the batch's start added them to the
   set's delta). */
static bool stored_fill(void *ctx, unsigned char *filter)
{
    yb_fp_index *x = ctx;
    char err[300] = "";
    return decode_pages(x, filter) && add_runs(x->st, x, x->ckpt_run, err, sizeof err);
}

static void pages_free(yb_fp_index *x)
{
    free(x->pages);
    free(x->page_off);
    free(x->page_len);
    x->pages = NULL;
    x->page_off = x->page_len = NULL;
    x->pages_len = x->pages_cap = 0;
}

static bool rebuild_row(void *vctx, const yb_cell *cols, int ncols)
{
    yb_fp_index *x = vctx;
    if (cols[0].n % ENTRY) return true; /* counted short: the index is rebuilt, check reports the part */
    for (size_t i = 0; i < cols[0].n; i += ENTRY) {
        yb_fpset_filter_add(x->set, get_le((const unsigned char *)cols[0].p + i, 8));
        x->loaded++;
    }
    return true;
}

/* The fingerprints of the index's runs after run `after` into its filter (x->loaded counts them). */
static bool add_runs(yb_store *st, yb_fp_index *x, int64_t after, char *err, size_t errlen)
{
    x->loaded = 0;
    yb_cell v[2] = {yb_cell_i(x->state), yb_cell_i(after)};
    return st->b->ops->exec_raw(st->b, "SELECT fps FROM yb_fps WHERE state = $1 AND run > $2", v, 2, rebuild_row, x,
                                err, errlen);
}

static int64_t last_run(const yb_fp_index *x) { return x->nruns ? x->runs[x->nruns - 1] : 0; }

/* The index's filter from its runs; every page is written at commit. */
static bool rebuild_filter(yb_store *st, yb_fp_index *x, char *err, size_t errlen)
{
    unsigned char *f = yb_fpset_filter(x->set);
    if (!f) {
        snprintf(err, errlen, "the %s index: %s", x->name, yb_fpset_error(x->set));
        return false;
    }
    memset(f, 0, YB_FILTER_BYTES);
    if (!add_runs(st, x, INT64_MIN, err, errlen)) return false;
    x->filter_count = x->loaded;
    x->ckpt_run = last_run(x);
    yb_fpset_pages_mark(x->set, true);
    x->rebuilt = true;
    return true;
}

/* The fingerprints of the runs up to `upto` (all: INT64_MAX). */
static int64_t runs_upto(const yb_fp_index *x, int64_t upto)
{
    int64_t n = 0;
    for (int r = 0; r < x->nruns; r++)
        if (x->runs[r] <= upto) n += x->sizes[r];
    return n;
}

static int64_t runs_total(const yb_fp_index *x) { return runs_upto(x, INT64_MAX); }

/* The checkpoint filter, and the runs after it: false when they do not agree
   (the filter is then rebuilt). */
static bool load_after_checkpoint(yb_store *st, yb_fp_index *x, bool *agree, char *err, size_t errlen)
{
    *agree = false;
    if (x->filter_bad || !x->has_header) {
        *agree = !x->filter_bad && runs_total(x) == 0;
        return true;
    }
    if (x->ckpt_run == INT64_MAX) { /* a header of before the checkpoints: every run */
        x->ckpt_run = last_run(x);
        x->header_old = true;
    }
    if (x->filter_count != runs_upto(x, x->ckpt_run)) return true;
    if (!add_runs(st, x, x->ckpt_run, err, errlen)) return false;
    *agree = x->loaded == runs_total(x) - x->filter_count;
    return true;
}

static bool add_index(yb_store *st, int64_t state, yb_fpset *set, const char *name)
{
    yb_fp_index *x = &st->fpi[st->nfpi++];
    memset(x, 0, sizeof *x);
    x->st = st;
    x->state = state;
    x->set = set;
    snprintf(x->name, sizeof x->name, "%s", name);
    if (!set) return false;
    yb_fpset_set_backing(set, index_lookup, x);
    return true;
}

void yb_fps_end(yb_store *st)
{
    for (int i = 0; i < st->nfpi; i++) {
        free(st->fpi[i].runs);
        free(st->fpi[i].sizes);
        if (st->fpi[i].state == 0) yb_fpset_free(st->fpi[i].set);
        else if (st->fpi[i].set) yb_fpset_set_backing(st->fpi[i].set, NULL, NULL); /* the VM's: it outlives the batch */
        pages_free(&st->fpi[i]); /* after: a lazy set no longer reads them */
    }
    free(st->fpi);
    st->fpi = NULL;
    st->nfpi = 0;
    st->claims = NULL;
}

/* Each index's table made as big as the last batch's claims call for (a
   batch is like the one before, most often): a 200,000-claim batch's table
   doubled from 1,024 slots faulted in about 8 MiB of memory an index, twice
   its final size, and rehashed each step. */
static bool reserve(yb_store *st, char *err, size_t errlen)
{
    yb_cell v = yb_cell_i(st->batch_id);
    int64_t last = 0;
    if (!yb_store_query_int(st, "SELECT COALESCE((SELECT claims FROM yb_batch WHERE id < $1 ORDER BY id DESC LIMIT 1), 0)",
                            &v, 1, &last, err, errlen))
        return false;
    for (int i = 0; last > 0 && i < st->nfpi; i++) yb_fpset_reserve(st->fpi[i].set, (size_t)last);
    return true;
}

bool yb_fps_begin(yb_store *st, yb_vm *vm, char *err, size_t errlen)
{
    yb_fps_end(st);
    /* YB_LEDGER_CKPT_FPS: a lower bound, for the tests (a checkpoint after a few claims) */
    const char *knob = getenv("YB_LEDGER_CKPT_FPS");
    st->ckpt_fps = knob && atoll(knob) > 0 ? atoll(knob) : (int64_t)(CKPT_BYTES / ENTRY);
    const yb_program *p = st->p;
    st->fpi = calloc((size_t)p->nstates + 1, sizeof *st->fpi);
    bool ok = st->fpi && add_index(st, 0, yb_fpset_new(true), "claim id");
    st->claims = ok ? st->fpi[0].set : NULL;
    for (int s = 0; ok && s < p->nstates; s++) {
        if (!vm->recsets[s] || !st->state_ids[s]) continue;
        yb_fpset_free(vm->recsets[s]); /* a fresh set for the batch: the ledger's filter, nothing of before */
        vm->recsets[s] = yb_fpset_new(true);
        ok = add_index(st, st->state_ids[s], vm->recsets[s], p->states[s].name);
    }
    if (!ok) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    if (!st->b->ops->exec(st->b, "SELECT state, run, n FROM yb_run ORDER BY state, run", NULL, 0, run_row, st, err,
                          errlen) ||
        !st->b->ops->exec_raw(st->b, "SELECT state, page, bits, sum FROM yb_filter", NULL, 0, filter_row, st, err, errlen))
        return false;
    for (int i = 0; i < st->nfpi; i++) {
        yb_fp_index *x = &st->fpi[i];
        int64_t total = runs_total(x);
        bool agree;
        if (!x->filter_bad && x->has_header) { /* the stored filter read lazily, or decoded whole */
            int64_t later = total - x->filter_count;
            /* the fold's size from the fingerprints' bits (5 each, at most: counting the pages' cost 1.4 ms) */
            uint64_t bits = x->filter_count > 0 ? 5 * (uint64_t)x->filter_count : 0;
            int rc = yb_fpset_lazy(x->set, stored_page, stored_fill, x, bits, later > 0 ? (size_t)later : 0);
            x->filter_bad = rc < 0 || (rc == 0 && !decode_pages(x, yb_fpset_filter(x->set)));
        }
        if (!load_after_checkpoint(st, x, &agree, err, errlen)) return false;
        if (agree) continue;
        if (!rebuild_filter(st, x, err, errlen)) return false;
        fprintf(stderr, "yibao: note: %s: the filter of the %s index was damaged or missing; rebuilt from its %" PRId64
                        " fingerprints\n", st->where, x->name, x->filter_count);
        if (x->filter_count != total) {
            snprintf(err, errlen, "the %s index holds %" PRId64 " fingerprints, its runs say %" PRId64
                     ": run `yibao ledger check`", x->name, x->filter_count, total);
            return false;
        }
    }
    for (int i = 0; i < st->nfpi; i++) yb_fpset_fold(st->fpi[i].set);
    /* the filters' pages are read once: SQLite's cache gives their memory back
       now, and the buckets and pages the batch reads next reuse it instead of
       new pages the kernel zeroes (590 of the 6,060 page faults of a
       200,000-claim batch of small claims) */
    if (st->b->ops->release) st->b->ops->release(st->b);
    return reserve(st, err, errlen);
}

/* ---------------------------------------------------------------- commit */

typedef struct run_writer {
    yb_store *st;
    int64_t state, run, n;
    size_t used;
    unsigned char buf[PART * ENTRY];
    char *err;
    size_t errlen;
} run_writer;

static bool writer_flush(run_writer *w)
{
    if (!w->used) return true;
    yb_cell v[4] = {yb_cell_i(w->state), yb_cell_i(w->run),
                    yb_cell_i(signed_order(get_le(w->buf + (w->used - 1) * ENTRY, 8))), yb_cell_b(w->buf, w->used * ENTRY)};
    w->used = 0;
    return w->st->b->ops->exec(w->st->b, "INSERT INTO yb_fps(state, run, hi, fps) VALUES ($1, $2, $3, $4)", v, 4, NULL,
                               NULL, w->err, w->errlen);
}

static bool writer_add(void *ctx, uint64_t fp, uint32_t tag)
{
    run_writer *w = ctx;
    put_le(w->buf + w->used * ENTRY, fp, 8);
    put_le(w->buf + w->used * ENTRY + 8, tag, 4);
    w->used++;
    w->n++;
    return w->used < PART || writer_flush(w);
}

/* The set's fingerprints, ascending, as run `run` of index `state` (its parts only). */
static bool write_set(yb_store *st, int64_t state, int64_t run, yb_fpset *set, int64_t *n, char *err, size_t errlen)
{
    run_writer *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    *w = (run_writer){st, state, run, 0, 0, {0}, err, errlen};
    bool ok = yb_fpset_each(set, writer_add, w) && writer_flush(w);
    if (!ok && !err[0]) snprintf(err, errlen, "%s", yb_fpset_error(set));
    *n = w->n;
    free(w);
    return ok;
}

typedef struct keep_ctx {
    yb_fpset *set;
    bool bad;
} keep_ctx;

static bool keep_row(void *vctx, const yb_cell *cols, int ncols)
{
    keep_ctx *k = vctx;
    if (cols[0].n % ENTRY) k->bad = true;
    for (size_t i = 0; !k->bad && i + ENTRY <= cols[0].n; i += ENTRY) {
        const unsigned char *e = (const unsigned char *)cols[0].p + i;
        if (!yb_fpset_keep(k->set, get_le(e, 8), (uint32_t)get_le(e + 8, 4))) return false;
    }
    return true;
}

/* The batch's fingerprints, with the newest runs no bigger than what they
   join, become one new run. */
static bool write_run(yb_store *st, yb_fp_index *x, int64_t *run_out, bool *took_ckpt, char *err, size_t errlen)
{
    yb_backend *b = st->b;
    int64_t total = (int64_t)yb_fpset_count(x->set);
    int merge = 0;
    while (x->nruns - merge >= RUNS_FREE && x->sizes[x->nruns - 1 - merge] <= total)
        total += x->sizes[x->nruns - 1 - merge++];
    *took_ckpt = merge && x->runs[x->nruns - merge] <= x->ckpt_run;
    for (int r = x->nruns - merge; r < x->nruns; r++) {
        keep_ctx k = {x->set, false};
        yb_cell v[2] = {yb_cell_i(x->state), yb_cell_i(x->runs[r])};
        if (!b->ops->exec_raw(b, "SELECT fps FROM yb_fps WHERE state = $1 AND run = $2", v, 2, keep_row, &k, err, errlen) ||
            k.bad) {
            if (k.bad) snprintf(err, errlen, "a part of the %s index is damaged: run `yibao ledger check`", x->name);
            else if (!err[0]) snprintf(err, errlen, "%s", yb_fpset_error(x->set));
            return false;
        }
        if (!b->ops->exec(b, "DELETE FROM yb_fps WHERE state = $1 AND run = $2", v, 2, NULL, NULL, err, errlen) ||
            !b->ops->exec(b, "DELETE FROM yb_run WHERE state = $1 AND run = $2", v, 2, NULL, NULL, err, errlen))
            return false;
    }
    int64_t run = last_run(x) + 1, n = 0;
    *run_out = run;
    yb_cell v[3] = {yb_cell_i(x->state), yb_cell_i(run), yb_cell_i(0)};
    bool ok = write_set(st, x->state, run, x->set, &n, err, errlen);
    v[2] = yb_cell_i(n);
    return ok && b->ops->exec(b, "INSERT INTO yb_run(state, run, n) VALUES ($1, $2, $3)", v, 3, NULL, NULL, err, errlen);
}

static const char filter_put_sql[] =
    "INSERT INTO yb_filter(state, page, bits, sum) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT (state, page) DO UPDATE SET bits = excluded.bits, sum = excluded.sum";

static bool put_page(yb_store *st, int64_t state, int64_t page, const void *bits, size_t n, char *err, size_t errlen)
{
    yb_cell v[4] = {yb_cell_i(state), yb_cell_i(page), yb_cell_b(bits, n), yb_cell_i((int64_t)yb_fps_checksum(bits, n))};
    return st->b->ops->exec(st->b, filter_put_sql, v, 4, NULL, NULL, err, errlen);
}

/* The pages marked changed, and the header: the filter covers `count`
   fingerprints, every one of the runs up to `upto`. */
static bool write_filter(yb_store *st, yb_fp_index *x, int64_t count, int64_t upto, char *err, size_t errlen)
{
    const unsigned char *bits = yb_fpset_filter(x->set);
    unsigned char buf[YB_FILTER_PAGE];
    if (!bits) {
        snprintf(err, errlen, "the %s index: %s", x->name, yb_fpset_error(x->set));
        return false;
    }
    for (size_t pg = 0; pg < YB_FILTER_PAGES; pg++) {
        if (!yb_fpset_page_dirty(x->set, pg)) continue;
        size_t n = page_encode(bits + pg * YB_FILTER_PAGE, buf);
        if (!n) continue; /* empty: a page without a row is all zeros (a rebuilt filter's rows were deleted first) */
        if (!put_page(st, x->state, (int64_t)pg, buf, n, err, errlen)) return false;
    }
    unsigned char head[24];
    put_le(head, (uint64_t)count, 8);
    put_le(head + 8, YB_FILTER_BYTES, 8);
    put_le(head + 16, (uint64_t)upto, 8);
    return put_page(st, x->state, -1, head, sizeof head, err, errlen);
}

/* Whether the runs after the checkpoint, `after` fingerprints of which this
   batch added `added`, call for a new one: past the bound, unless this batch
   is most of them (a batch of b fingerprints leaves the next opening at most
   2b to read, in proportion to its own work, and does not write 8 MiB a
   filter for it: a 200,000-claim batch's checkpoints were half of its
   ledger's cost), and always past four times the bound (a full filter's
   worth of fingerprints: opening stays O(filter)). */
static bool ckpt_due(const yb_store *st, int64_t after, int64_t added)
{
    return after > st->ckpt_fps && (after > 4 * st->ckpt_fps || 2 * added <= after);
}

/* The batch's run; the filter too when it was rebuilt or never written, when the run took in
   runs of the checkpoint (whose count would no longer match), or when the
   runs after the checkpoint call for it (ckpt_due).  A checkpoint writes every page:
   a service's batches forget which pages changed since the last one. */
bool yb_fps_commit(yb_store *st, char *err, size_t errlen)
{
    for (int i = 0; i < st->nfpi; i++) {
        yb_fp_index *x = &st->fpi[i];
        int64_t added = (int64_t)yb_fpset_count(x->set), run = last_run(x), total = runs_total(x) + added;
        bool took_ckpt = false;
        if (!added && !x->rebuilt) continue;
        if (added && !write_run(st, x, &run, &took_ckpt, err, errlen)) return false;
        int64_t after = total - runs_upto(x, x->ckpt_run);
        if (x->has_header && !x->header_old && !x->rebuilt && !took_ckpt && !ckpt_due(st, after, added)) continue;
        yb_cell v = yb_cell_i(x->state);
        if (x->rebuilt && !st->b->ops->exec(st->b, "DELETE FROM yb_filter WHERE state = $1", &v, 1, NULL, NULL, err, errlen))
            return false;
        yb_fpset_pages_mark(x->set, true);
        if (!write_filter(st, x, total, run, err, errlen)) return false;
        x->ckpt_run = run;
        x->filter_count = total;
        x->has_header = true;
        x->header_old = false;
    }
    return true;
}

bool yb_fps_resume(yb_store *st, char *err, size_t errlen)
{
    for (int i = 0; i < st->nfpi; i++) {
        yb_fpset_forget(st->fpi[i].set);
        st->fpi[i].nruns = 0;
        st->fpi[i].rebuilt = false;
    }
    return st->b->ops->exec(st->b, "SELECT state, run, n FROM yb_run ORDER BY state, run", NULL, 0, run_row, st, err,
                            errlen);
}

bool yb_fps_rebuilt(const yb_store *st)
{
    for (int i = 0; i < st->nfpi; i++)
        if (st->fpi[i].rebuilt) return true;
    return false;
}

/* ---------------------------------------------------------------- import */

/* After an import: the run list from the parts, and every filter. */
bool yb_fps_rebuild_all(yb_store *st, char *err, size_t errlen)
{
    yb_backend *b = st->b;
    if (!b->ops->exec(b, "DELETE FROM yb_run; DELETE FROM yb_filter", NULL, 0, NULL, NULL, err, errlen) ||
        !b->ops->exec(b, "INSERT INTO yb_run(state, run, n) SELECT state, run, SUM(LENGTH(fps)) / 12 FROM yb_fps "
                         "GROUP BY state, run",
                      NULL, 0, NULL, NULL, err, errlen))
        return false;
    int64_t nstates = 0;
    if (!yb_store_query_int(st, "SELECT COUNT(DISTINCT state) FROM yb_run", NULL, 0, &nstates, err, errlen)) return false;
    yb_fp_index *saved = st->fpi;
    int nsaved = st->nfpi;
    st->fpi = calloc((size_t)nstates + 1, sizeof *st->fpi);
    st->nfpi = 0;
    bool ok = st->fpi != NULL;
    if (!ok) snprintf(err, errlen, "out of memory");
    /* one index at a time: a filter each */
    for (int64_t k = 0; ok && k < nstates; k++) {
        int64_t state = 0;
        yb_cell v = yb_cell_i(k);
        ok = yb_store_query_int(st, "SELECT DISTINCT state FROM yb_run ORDER BY state LIMIT 1 OFFSET $1", &v, 1, &state,
                                err, errlen);
        yb_fpset *set = ok ? yb_fpset_new(true) : NULL;
        if (ok && !set) snprintf(err, errlen, "out of memory");
        st->nfpi = 0;
        int64_t last = 0;
        yb_cell w = yb_cell_i(state);
        ok = ok && add_index(st, state, set, "imported") && rebuild_filter(st, &st->fpi[0], err, errlen) &&
             yb_store_query_int(st, "SELECT MAX(run) FROM yb_run WHERE state = $1", &w, 1, &last, err, errlen) &&
             write_filter(st, &st->fpi[0], st->fpi[0].filter_count, last, err, errlen);
        yb_fpset_free(set);
    }
    free(st->fpi);
    st->fpi = saved;
    st->nfpi = nsaved;
    return ok;
}

/* ---------------------------------------------------------------- format 1 */

/* A row of format 1's yb_claims (batch, fps) or yb_records (batch, fps): 8-byte fingerprints. */
static bool v1_row(void *vctx, const yb_cell *cols, int ncols)
{
    yb_fpset *set = vctx;
    uint32_t batch = (uint32_t)yb_cell_int(&cols[0]);
    if (cols[1].n % 8) return true; /* a damaged part: what it holds cannot be trusted */
    for (size_t i = 0; i < cols[1].n; i += 8)
        if (!yb_fpset_keep(set, get_le((const unsigned char *)cols[1].p + i, 8), batch)) return false;
    return true;
}

/* One index of a format-1 ledger (the rows `sql` selects) as run 1. */
static bool v1_index(yb_store *st, int64_t state, const char *sql, char *err, size_t errlen)
{
    yb_fpset *set = yb_fpset_new(false);
    yb_cell v = yb_cell_i(state);
    int64_t n = 0;
    bool ok = set && st->b->ops->exec(st->b, sql, &v, state ? 1 : 0, v1_row, set, err, errlen) &&
              write_set(st, state, 1, set, &n, err, errlen);
    if (!set) snprintf(err, errlen, "out of memory");
    else if (!ok && !err[0]) snprintf(err, errlen, "%s", yb_fpset_error(set));
    yb_fpset_free(set);
    return ok;
}

typedef struct id_list {
    int64_t v[256];
    int n;
} id_list;

static bool id_row(void *vctx, const yb_cell *cols, int ncols)
{
    id_list *l = vctx;
    if (l->n < 256) l->v[l->n++] = yb_cell_int(&cols[0]);
    return true;
}

/* A ledger of format 1 kept the fingerprints of each batch in one row
   (yb_claims, yb_records): they become runs, with filters, in one
   transaction; the ledger is then of format 2. */
bool yb_fps_upgrade_v1(yb_store *st, char *err, size_t errlen)
{
    yb_backend *b = st->b;
    id_list states = {.n = 0};
    bool ok = b->ops->exec(b, b->ops->begin_sql, NULL, 0, NULL, NULL, err, errlen);
    if (!ok) return false;
    ok = b->ops->exec(b, b->ops->fps_sql, NULL, 0, NULL, NULL, err, errlen) &&
         v1_index(st, 0, "SELECT batch, fps FROM yb_claims", err, errlen) &&
         b->ops->exec(b, "SELECT DISTINCT state FROM yb_records", NULL, 0, id_row, &states, err, errlen);
    for (int i = 0; ok && i < states.n; i++)
        ok = v1_index(st, states.v[i], "SELECT batch, fps FROM yb_records WHERE state = $1", err, errlen);
    ok = ok && b->ops->exec(b, "DROP TABLE yb_claims; DROP TABLE yb_records", NULL, 0, NULL, NULL, err, errlen) &&
         yb_fps_rebuild_all(st, err, errlen) &&
         b->ops->exec(b, "UPDATE yb_meta SET v = 'yibao-ledger 2' WHERE k = 'format'", NULL, 0, NULL, NULL, err,
                      errlen) &&
         b->ops->exec(b, "COMMIT", NULL, 0, NULL, NULL, err, errlen);
    if (!ok) b->ops->exec(b, "ROLLBACK", NULL, 0, NULL, NULL, NULL, 0);
    return ok;
}
