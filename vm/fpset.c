/* The fingerprint set of fpset.h: filter, recent table, runs on disk.
 *
 * The recent table is open addressing over an array of fingerprints (and a
 * parallel array of tags once two tags differ: a batch's own set has one tag,
 * so a put costs one cache line), a power of two of slots at most 3/4 full, doubling up to
 * RECENT_CAP slots (6 MiB) and never past: at YB_FPSET_RECENT fingerprints it
 * is sorted and written out as a run.  A run on disk is 12-byte entries
 * (fingerprint, tag; little-endian) in ascending order; in memory it keeps
 * the first fingerprint of every block of BLOCK entries, 1/384 of its size.
 * Two runs are merged while the older is no bigger than the newer (a binary
 * counter), so each fingerprint is rewritten about log2(n / RECENT) times and
 * a lookup reads at most that many blocks.  The merged runs' space in the
 * file is not reused (the file is gone when the set is freed).
 *
 * The front filter: the 8 MiB filter is read at a random block for every
 * lookup, a miss of every cache on claims of real size (perf: 96 % of the
 * lookup's time, 6-7 % of a run of the standard policy).  While the set is
 * its own (no backing, no filter pages or fingerprints from a durable
 * ledger) it also keeps a small filter of every fingerprint put, 8 to 16
 * bits a fingerprint (3 bits in one 64-bit word), grown with the table
 * (rebuilt from it while no run is on disk; dropped at the first growth
 * after a spill).  It fits the second-level cache while the table does not,
 * so a new fingerprint is told absent with no miss, and the lines its put
 * writes are fetched while the claim goes on.
 *
 * Deferred puts: while a durable ledger's fold answers first and every
 * fingerprint of the batch is in the table (defers), a put sets its bits in
 * the fold only, not in the big filter: a lookup the fold cannot answer asks
 * the table before the big filter, so the big filter need only hold the
 * ledger's fingerprints.  Its block is then neither written nor fetched per
 * claim (perf, 200,000 small claims: the prefetch of the big block stalled
 * ~5 ms, the writes ~3 ms an index).  The table's fingerprints go into the
 * big filter when that stops (a spill, the fold made again),
 * when the caller takes the filter (yb_fpset_filter: a checkpoint), and at
 * yb_fpset_forget (the batch is then the ledger's); a batch that ends
 * without any of these (one `yibao run`) never writes them there.
 *
 * Lazy big filter (yb_fpset_lazy): a durable ledger's 8 MiB filter is not
 * decoded into memory at all while the fold answers: the fold is made from
 * the stored pages one at a time, a lookup the fold cannot answer decodes
 * the one page it needs, and whatever would be written into the big filter
 * (the ledger's fingerprints of the runs after its checkpoint, the batch's
 * own once they leave the table) goes to a small filter of its own, the
 * delta.  The whole filter is made (fill) only when the caller takes it
 * (yb_fpset_filter: a checkpoint).  A 200,000-claim batch no longer zeroes
 * and writes 16 MiB for its two indexes (and huge pages, whose first touch
 * took 20-80 ms in some runs on this machine). */
#include "fpset.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "siphash.h"
#include "table_alloc.h"

#define RECENT_CAP ((size_t)1 << 19)
#define BLOCK 256
#define ENTRY 12
#define NBLOCKS (YB_FILTER_BYTES / 64)
#define FILTER_K 5

typedef struct run {
    uint64_t off; /* first entry, in entries from the start of the file */
    size_t n;
    uint64_t *index; /* the first fingerprint of each block */
} run;

struct yb_fpset {
    /* recent */
    size_t count, cap, nrecent;
    uint64_t *fps; /* 0: empty slot */
    uint32_t *tags; /* NULL while every tag is tag0 */
    uint32_t tag0;
    bool tagged;    /* tag0 is set */
    /* runs */
    int fd;
    uint64_t end; /* entries written to the file */
    run *runs;
    int nruns, runcap;
    /* filter */
    uint64_t *filter;
    uint8_t *dirty; /* a bit per page */
    uint64_t *front; /* the front filter (see the top), or NULL */
    size_t front_words;
    uint64_t *fold; /* the big filter folded (yb_fpset_fold), or NULL */
    size_t fold_blocks;
    bool deferred; /* puts not yet in the big filter (see the top) */
    /* lazy (see the top): the big filter's pages are a durable ledger's,
       read through page() when asked; writes go to delta meanwhile */
    bool lazy;
    yb_fpset_page_fn page;
    yb_fpset_fill_fn fill;
    void *page_ctx;
    uint64_t *delta;
    size_t delta_blocks;
    size_t scratch_page; /* the page in scratch, or SIZE_MAX */
    uint64_t *scratch;   /* YB_FILTER_PAGE bytes */
    yb_fpset_backing_fn backing;
    void *backing_ctx;
    char err[300];
};

/* ---------------------------------------------------------------- filter */

static size_t filter_block(uint64_t fp) { return (size_t)(fp >> 47); }

/* fp's bits in a block of 512 (the big filter's, or the fold's) */
static bool block_has(const unsigned char *b, uint64_t fp)
{
    for (int i = 0; i < FILTER_K; i++) {
        unsigned bit = (unsigned)(fp >> (9 * i)) & 511;
        if (!(b[bit >> 3] & (1u << (bit & 7)))) return false;
    }
    return true;
}

bool yb_filter_has(const unsigned char *bits, uint64_t fp) { return block_has(bits + filter_block(fp) * 64, fp); }

static bool lazy_has(yb_fpset *s, uint64_t fp);

bool yb_fpset_filter_has(yb_fpset *s, uint64_t fp)
{
    if (s->lazy) return lazy_has(s, fp);
    return !s->filter || yb_filter_has((const unsigned char *)s->filter, fp);
}

/* ---------------------------------------------------------------- the front filter */

#define FRONT_MIN_WORDS ((size_t)1 << 10)

/* The word of fp (bits 20 up: apart from the table's home, its top bits) and
   its three bits in it (bits 0-17). */
static uint64_t *front_word(const yb_fpset *s, uint64_t fp) { return &s->front[(fp >> 20) & (s->front_words - 1)]; }

static uint64_t front_bits(uint64_t fp) { return (1ull << (fp & 63)) | (1ull << ((fp >> 6) & 63)) | (1ull << ((fp >> 12) & 63)); }

static bool front_has(const yb_fpset *s, uint64_t fp)
{
    uint64_t m = front_bits(fp);
    return (*front_word(s, fp) & m) == m;
}

static void front_add(yb_fpset *s, uint64_t fp)
{
    if (s->front) *front_word(s, fp) |= front_bits(fp);
}

/* Something other than the set's own puts may be behind the big filter:
   from now on only it is asked. */
static void front_drop(yb_fpset *s)
{
    free(s->front);
    s->front = NULL;
}

/* Room for one more fingerprint at 16 bits each: rebuilt twice the size from
   the table while every fingerprint is in it, dropped otherwise (or when
   there is no memory for it: the big filter answers alone, as before). */
static void front_room(yb_fpset *s)
{
    if (!s->front || (s->count + 1) * 16 <= s->front_words * 64) return;
    size_t words = s->front_words * 2;
    uint64_t *f = s->nruns ? NULL : yb_table_alloc_written(words, sizeof *f);
    front_drop(s);
    if (!f) return;
    s->front = f;
    s->front_words = words;
    for (size_t i = 0; i < s->cap; i++)
        if (s->fps[i]) front_add(s, s->fps[i]);
}

/* ---------------------------------------------------------------- the fold */

/* A durable ledger's fingerprints are in the big filter and nowhere in
   memory, so the front filter cannot stand in for it; its fold can: block j
   of the fold is the OR of every big block whose number is j modulo the
   fold's blocks, so fp's bits in the big filter are in fp's fold block too,
   and a fold that lacks them says "absent" exactly when the big filter would.
   yb_fpset_fold makes it once the ledger has filled the big filter: the
   smallest fold of 256 KiB to 2 MiB with at most a third of its bits set (a
   "maybe" for under 1 % of new fingerprints: the big filter is then read), or
   none (a filter too full); puts keep it up to date.  It stays in the
   second-level cache, or near it, where the big filter's blocks are a miss
   of every cache (perf: 14 ms of a 200,000-claim batch with a ledger). */

static void apply_deferred(yb_fpset *s);

#define FOLD_MIN_BLOCKS ((size_t)1 << 12)
#define FOLD_MAX_BLOCKS ((size_t)1 << 15)

static unsigned char *fold_block(const yb_fpset *s, uint64_t fp)
{
    return (unsigned char *)s->fold + (filter_block(fp) & (s->fold_blocks - 1)) * 64;
}

static void fold_drop(yb_fpset *s)
{
    free(s->fold);
    s->fold = NULL;
    s->fold_blocks = 0;
}

/* The bits set in f's first n words (a multiple of 8), estimated from every
   eighth word (a popcount is a library call here: counting them all cost
   more than the fold saves). */
static size_t bits_set(const uint64_t *f, size_t n)
{
    size_t set = 0;
    for (size_t w = 0; w < n; w += 8) set += (size_t)__builtin_popcountll(f[w]);
    return set * 8;
}

/* The fold's blocks: the fewest from FOLD_MIN_BLOCKS up with at most a third
   of their bits set, from the big filter's density d (sampled: every 64th
   word): OR-ing r blocks leaves a bit clear with chance (1 - d)^r, which
   must stay >= 2/3 (fixed point, 2^-32).  Picked before the fold is made, so
   only the fold's own size is allocated and written (folding 2 MiB down
   faulted in 2 MiB an index). */
static size_t fold_blocks_for(uint64_t set, uint64_t of)
{
    uint64_t clear = ((of - (set < of ? set : of)) << 32) / of, two_thirds = ((uint64_t)2 << 32) / 3;
    for (size_t nb = FOLD_MIN_BLOCKS; nb <= FOLD_MAX_BLOCKS; nb *= 2) {
        uint64_t p = (uint64_t)1 << 32; /* (1 - d)^(NBLOCKS / nb) */
        for (size_t r = NBLOCKS / nb; r && p >= two_thirds; r--) p = (p * clear) >> 32;
        if (p >= two_thirds) return nb;
    }
    return FOLD_MAX_BLOCKS; /* checked below: too full, no fold */
}

static size_t fold_size(const yb_fpset *s)
{
    size_t set = 0, sampled = 0;
    for (size_t w = 0; w < NBLOCKS * 8; w += 64, sampled += 64) set += (size_t)__builtin_popcountll(s->filter[w]);
    return fold_blocks_for(set, sampled);
}

void yb_fpset_fold(yb_fpset *s)
{
    if (s->lazy) return; /* made from the pages already */
    apply_deferred(s); /* the new fold is made from the big filter */
    fold_drop(s);
    size_t nb = s->filter ? fold_size(s) : 0, words = nb * 8;
    uint64_t *f = nb ? malloc(nb * 64) : NULL;
    if (!f) return; /* no filter, or no memory: the big filter answers alone */
    memcpy(f, s->filter, nb * 64);
    for (size_t j = words; j < NBLOCKS * 8; j += words)
        for (size_t w = 0; w < words; w += 8) { /* a block at a time (words is whole blocks): half the instructions */
            uint64_t *t = f + w;
            const uint64_t *r = s->filter + j + w;
            t[0] |= r[0], t[1] |= r[1], t[2] |= r[2], t[3] |= r[3];
            t[4] |= r[4], t[5] |= r[5], t[6] |= r[6], t[7] |= r[7];
        }
    if (bits_set(f, words) * 3 > words * 64) {
        free(f);
        return;
    }
    s->fold = f;
    s->fold_blocks = nb;
}

/* ---------------------------------------------------------------- the big filter */

/* fp's bits into a block of 512 (the big filter's, or the fold's): bit n is
   bit n % 8 of byte n / 8, which on a little-endian host is bit n % 64 of
   64-bit word n / 64: one OR a bit (a put was 120 instructions a byte at a
   time, ~40 this way). */
static void block_set(uint64_t *b, uint64_t fp)
{
    _Static_assert(FILTER_K == 5, "block_set sets five bits");
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define YB_SET_BIT(i) (b[((fp >> (9 * (i))) & 511) >> 6] |= (uint64_t)1 << ((fp >> (9 * (i))) & 63))
#else
#define YB_SET_BIT(i) (((unsigned char *)b)[((fp >> (9 * (i))) & 511) >> 3] |= (unsigned char)(1u << ((fp >> (9 * (i))) & 7)))
#endif
    YB_SET_BIT(0), YB_SET_BIT(1), YB_SET_BIT(2), YB_SET_BIT(3), YB_SET_BIT(4); /* unrolled: no loop to count */
#undef YB_SET_BIT
}

/* fp's bits into the big filter (big) and the fold (when there is one). */
static void filter_bits(yb_fpset *s, uint64_t fp, bool big)
{
    if (!s->filter) return;
    size_t blk = filter_block(fp);
    if (big && s->lazy) {
        block_set(s->delta + (blk & (s->delta_blocks - 1)) * 8, fp);
    } else if (big) {
        block_set(s->filter + blk * 8, fp);
        size_t page = blk * 64 / YB_FILTER_PAGE;
        s->dirty[page >> 3] |= (uint8_t)(1u << (page & 7));
    }
    if (s->fold) block_set(s->fold + (blk & (s->fold_blocks - 1)) * 8, fp);
}

/* Whether puts go to the fold only (see the top): a fold answers first and
   no run is on disk (a run's lookup needs the big filter to hold the batch's
   fingerprints, or it would read for every "maybe" of the fold).  The big
   filter then holds what the table does not: the backing's, if any. */
static bool defers(const yb_fpset *s) { return s->fold && !s->nruns; }

/* The deferred puts into the big filter: every fingerprint of the table
   (one kept rather than put is the backing's, in the big filter already:
   setting its bits again changes nothing). */
static void apply_deferred(yb_fpset *s)
{
    if (!s->deferred) return;
    s->deferred = false;
    for (size_t i = 0; i < s->cap; i++)
        if (s->fps[i]) filter_bits(s, s->fps[i], true);
}

/* A fingerprint the backing holds: the front filter would not know it. */
void yb_fpset_filter_add(yb_fpset *s, uint64_t fp)
{
    front_drop(s);
    filter_bits(s, fp, true);
}

static bool unlazy(yb_fpset *s);

unsigned char *yb_fpset_filter(yb_fpset *s)
{
    if (!unlazy(s)) return NULL;
    apply_deferred(s); /* the caller reads it whole (a checkpoint) */
    front_drop(s); /* the caller may write pages into it */
    fold_drop(s);
    return (unsigned char *)s->filter;
}

bool yb_fpset_page_dirty(const yb_fpset *s, size_t page) { return s->dirty && (s->dirty[page >> 3] >> (page & 7)) & 1; }

void yb_fpset_pages_mark(yb_fpset *s, bool dirty)
{
    front_drop(s);
    if (s->dirty) memset(s->dirty, dirty ? 0xff : 0, YB_FILTER_PAGES / 8);
}

static size_t home(uint64_t fp, size_t cap);

/* The filter block a lookup reads, and the slot a put of a new fingerprint writes. */
void yb_fpset_prefetch(const yb_fpset *s, uint64_t fp)
{
    if (s->front) __builtin_prefetch(front_word(s, fp));
    if (s->filter && !defers(s) && !s->lazy) __builtin_prefetch((const unsigned char *)s->filter + filter_block(fp) * 64);
    if (s->fold) __builtin_prefetch(fold_block(s, fp));
    __builtin_prefetch(&s->fps[home(fp, s->cap)]);
}



/* ---------------------------------------------------------------- life */

yb_fpset *yb_fpset_new(bool filter)
{
    yb_fpset *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->fd = -1;
    s->cap = 1024;
    s->fps = calloc(s->cap, sizeof *s->fps);
    bool ok = s->fps != NULL;
    if (ok && filter) {
        /* zeroed pages come from the kernel as they are touched */
        s->filter = yb_table_alloc(YB_FILTER_BYTES / 8, 8);
        s->dirty = calloc(YB_FILTER_PAGES / 8, 1);
        s->front_words = FRONT_MIN_WORDS;
        s->front = calloc(s->front_words, sizeof *s->front);
        ok = s->filter && s->dirty && s->front;
    }
    if (!ok) {
        yb_fpset_free(s);
        return NULL;
    }
    return s;
}

void yb_fpset_free(yb_fpset *s)
{
    if (!s) return;
    for (int i = 0; i < s->nruns; i++) free(s->runs[i].index);
    free(s->runs);
    if (s->fd >= 0) close(s->fd);
    free(s->fps);
    free(s->tags);
    free(s->filter);
    free(s->dirty);
    free(s->front);
    free(s->fold);
    free(s->delta);
    free(s->scratch);
    free(s);
}

static void lazy_end(yb_fpset *s);

void yb_fpset_set_backing(yb_fpset *s, yb_fpset_backing_fn fn, void *ctx)
{
    if (!fn) lazy_end(s);
    s->backing = fn;
    s->backing_ctx = ctx;
    front_drop(s);
}

const char *yb_fpset_error(const yb_fpset *s) { return s->err; }

void yb_fpset_forget(yb_fpset *s)
{
    apply_deferred(s); /* they are the backing's now, behind the big filter */
    front_drop(s);
    for (int i = 0; i < s->nruns; i++) free(s->runs[i].index);
    s->nruns = 0;
    s->end = 0; /* the temporary file is written over from its start */
    memset(s->fps, 0, s->cap * sizeof *s->fps);
    s->nrecent = 0;
    s->count = 0;
    if (s->dirty) memset(s->dirty, 0, YB_FILTER_PAGES / 8);
}

size_t yb_fpset_count(const yb_fpset *s) { return s->count; }

/* ---------------------------------------------------------------- recent */

/* The fingerprints are uniform hashes: their high bits pick the slot. */
static size_t home(uint64_t fp, size_t cap) { return (size_t)(((unsigned __int128)fp * cap) >> 64); }

static size_t find_slot(const uint64_t *fps, size_t cap, uint64_t fp)
{
    size_t i = home(fp, cap);
    while (fps[i] && fps[i] != fp) i = (i + 1) & (cap - 1);
    return i;
}

static uint32_t tag_at(const yb_fpset *s, size_t i) { return s->tags ? s->tags[i] : s->tag0; }

static bool oom(yb_fpset *s)
{
    snprintf(s->err, sizeof s->err, "out of memory for the fingerprints");
    return false;
}

static bool grow(yb_fpset *s)
{
    size_t cap = s->cap * 2;
    uint64_t *fps = yb_table_alloc_written(cap, sizeof *fps);
    uint32_t *tags = s->tags ? yb_table_alloc_written(cap, sizeof *tags) : NULL;
    if (!fps || (s->tags && !tags)) {
        free(fps);
        free(tags);
        return oom(s);
    }
    for (size_t i = 0; i < s->cap; i++) {
        if (!s->fps[i]) continue;
        size_t j = find_slot(fps, cap, s->fps[i]);
        fps[j] = s->fps[i];
        if (tags) tags[j] = s->tags[i];
    }
    free(s->fps);
    free(s->tags);
    s->fps = fps;
    s->tags = tags;
    s->cap = cap;
    return true;
}

void yb_fpset_reserve(yb_fpset *s, size_t n)
{
    size_t cap = s->cap;
    while ((n + 1) * 4 > cap * 3 && cap < RECENT_CAP) cap *= 2;
    if (cap == s->cap || s->nrecent || s->tags) return;
    uint64_t *fps = yb_table_alloc(cap, sizeof *fps);
    if (!fps) return; /* a hint: the table grows as before */
    free(s->fps);
    s->fps = fps;
    s->cap = cap;
}

/* A tag other than tag0: from now on the table keeps one per slot. */
static bool split_tags(yb_fpset *s)
{
    s->tags = yb_table_alloc_written(s->cap, sizeof *s->tags);
    if (!s->tags) return oom(s);
    for (size_t i = 0; i < s->cap; i++) s->tags[i] = s->tag0;
    return true;
}

/* ---------------------------------------------------------------- runs on disk */

typedef struct entry {
    uint64_t fp;
    uint32_t tag;
} entry;

static void put_entry(unsigned char *p, uint64_t fp, uint32_t tag)
{
    for (int b = 0; b < 8; b++) p[b] = (unsigned char)(fp >> (8 * b));
    for (int b = 0; b < 4; b++) p[8 + b] = (unsigned char)(tag >> (8 * b));
}

static entry get_entry(const unsigned char *p)
{
    entry e = {0, 0};
    for (int b = 0; b < 8; b++) e.fp |= (uint64_t)p[b] << (8 * b);
    for (int b = 0; b < 4; b++) e.tag |= (uint32_t)p[8 + b] << (8 * b);
    return e;
}

static bool io_fail(yb_fpset *s, const char *what)
{
    snprintf(s->err, sizeof s->err, "the duplicate index's temporary file: %s: %s", what, strerror(errno ? errno : EIO));
    return false;
}

static bool open_file(yb_fpset *s)
{
    if (s->fd >= 0) return true;
    const char *dir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/yibao-fps-XXXXXX", dir && *dir ? dir : "/tmp");
    s->fd = mkstemp(path);
    if (s->fd < 0) return io_fail(s, "cannot create it");
    unlink(path); /* gone when closed, whatever ends the process */
    return true;
}

static bool read_at(yb_fpset *s, uint64_t entry_no, size_t n, unsigned char *buf)
{
    size_t want = n * ENTRY, got = 0;
    while (got < want) {
        ssize_t r = pread(s->fd, buf + got, want - got, (off_t)(entry_no * ENTRY + got));
        if (r <= 0) {
            if (r < 0 && errno == EINTR) continue;
            if (r == 0) errno = EIO;
            return io_fail(s, "cannot read it");
        }
        got += (size_t)r;
    }
    return true;
}

/* A run being written: entries buffered, the sparse index built as they come. */
typedef struct writer {
    yb_fpset *s;
    run r;
    size_t icap, nbuf;
    unsigned char buf[BLOCK * 16 * ENTRY];
} writer;

static bool writer_flush(writer *w)
{
    size_t want = w->nbuf * ENTRY, done = 0;
    while (done < want) {
        ssize_t r = pwrite(w->s->fd, w->buf + done, want - done, (off_t)((w->r.off + w->r.n - w->nbuf) * ENTRY + done));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return io_fail(w->s, "cannot write it");
        done += (size_t)r;
    }
    w->nbuf = 0;
    return true;
}

static bool writer_add(writer *w, uint64_t fp, uint32_t tag)
{
    if (w->r.n % BLOCK == 0) {
        if (w->r.n / BLOCK == w->icap) {
            size_t cap = w->icap ? w->icap * 2 : 64;
            uint64_t *v = realloc(w->r.index, cap * sizeof *v);
            if (!v) {
                snprintf(w->s->err, sizeof w->s->err, "out of memory for the fingerprints");
                return false;
            }
            w->r.index = v;
            w->icap = cap;
        }
        w->r.index[w->r.n / BLOCK] = fp;
    }
    put_entry(w->buf + w->nbuf * ENTRY, fp, tag);
    w->nbuf++;
    w->r.n++;
    return w->nbuf < sizeof w->buf / ENTRY || writer_flush(w);
}

static bool add_run(yb_fpset *s, run r)
{
    if (s->nruns == s->runcap) {
        int cap = s->runcap ? s->runcap * 2 : 8;
        run *v = realloc(s->runs, (size_t)cap * sizeof *v);
        if (!v) {
            snprintf(s->err, sizeof s->err, "out of memory for the fingerprints");
            return false;
        }
        s->runs = v;
        s->runcap = cap;
    }
    s->runs[s->nruns++] = r;
    return true;
}

/* A cursor over a run, reading a block at a time. */
typedef struct cursor {
    const run *r;
    size_t at, nbuf, pos;
    unsigned char buf[BLOCK * ENTRY];
} cursor;

/* The cursor's current entry; false at the end (or on an error: *bad). */
static bool cursor_get(yb_fpset *s, cursor *c, entry *e, bool *bad)
{
    if (c->pos == c->nbuf) {
        if (c->at == c->r->n) return false;
        size_t k = c->r->n - c->at < BLOCK ? c->r->n - c->at : BLOCK;
        if (!read_at(s, c->r->off + c->at, k, c->buf)) {
            *bad = true;
            return false;
        }
        c->at += k;
        c->nbuf = k;
        c->pos = 0;
    }
    *e = get_entry(c->buf + c->pos * ENTRY);
    return true;
}

/* The last two runs become one. */
static bool merge_last_two(yb_fpset *s)
{
    writer *w = calloc(1, sizeof *w);
    cursor *c = calloc(2, sizeof *c);
    bool ok = w && c, bad = false;
    if (!ok) snprintf(s->err, sizeof s->err, "out of memory for the fingerprints");
    if (ok) {
        w->s = s;
        w->r.off = s->end;
        c[0].r = &s->runs[s->nruns - 2];
        c[1].r = &s->runs[s->nruns - 1];
        entry a, b;
        bool ha = cursor_get(s, &c[0], &a, &bad), hb = cursor_get(s, &c[1], &b, &bad);
        while (ok && !bad && (ha || hb)) {
            bool take_a = ha && (!hb || a.fp < b.fp);
            ok = take_a ? writer_add(w, a.fp, a.tag) : writer_add(w, b.fp, b.tag);
            if (take_a) c[0].pos++, ha = cursor_get(s, &c[0], &a, &bad);
            else c[1].pos++, hb = cursor_get(s, &c[1], &b, &bad);
        }
        ok = ok && !bad && writer_flush(w);
    }
    if (ok) {
        free(s->runs[s->nruns - 2].index);
        free(s->runs[s->nruns - 1].index);
        s->nruns -= 2;
        s->end += w->r.n;
        s->runs[s->nruns++] = w->r;
    } else if (w) {
        free(w->r.index);
    }
    free(w);
    free(c);
    return ok;
}

/* The recent table's entries, in ascending order, to fn (false: fn said
   stop, or an error in s->err).  A slot's home is the fingerprint's top bits
   (home), so the table in slot order is sorted but within a cluster (slots
   between two empty ones), where a collision may have pushed an entry past a
   bigger one: an entry's probe never crosses an empty slot, so every entry
   homed before an empty slot sits before it.  Each cluster is sorted in a
   small buffer and handed on; the cluster at the table's start begins with
   the end's, wrapped (homed after their slot): those go with the last
   cluster.  No copy of the table: a durable ledger walks its batch's
   fingerprints at every commit (a sorted copy and a radix sort's scratch
   faulted in 6.4 MB an index for a 200,000-claim batch). */
typedef struct walk {
    entry *b;
    size_t n, cap;
    uint64_t last;
    yb_fpset_each_fn fn;
    void *ctx;
} walk;

static bool walk_add(yb_fpset *s, walk *w, size_t i)
{
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 64;
        entry *v = realloc(w->b, cap * sizeof *v);
        if (!v) return oom(s);
        w->b = v;
        w->cap = cap;
    }
    entry x = {s->fps[i], tag_at(s, i)};
    size_t j = w->n++;
    for (; j > 0 && w->b[j - 1].fp > x.fp; j--) w->b[j] = w->b[j - 1];
    w->b[j] = x;
    return true;
}

static bool walk_emit(yb_fpset *s, walk *w, entry e)
{
    if (e.fp <= w->last) { /* cannot happen (see above); never a run out of order */
        snprintf(s->err, sizeof s->err, "the fingerprints' table walked out of order");
        return false;
    }
    w->last = e.fp;
    return w->fn(w->ctx, e.fp, e.tag);
}

static bool walk_flush(yb_fpset *s, walk *w)
{
    for (size_t i = 0; i < w->n; i++)
        if (!walk_emit(s, w, w->b[i])) return false;
    w->n = 0;
    return true;
}

static bool recent_walk(yb_fpset *s, yb_fpset_each_fn fn, void *ctx)
{
    walk w = {.fn = fn, .ctx = ctx};
    size_t start = 0; /* the first empty slot (the table is at most 3/4 full) */
    while (start < s->cap && s->fps[start]) start++;
    bool ok = true;
    for (size_t i = 0; ok && i < start; i++)
        if (home(s->fps[i], s->cap) <= i) ok = walk_add(s, &w, i);
    ok = ok && walk_flush(s, &w);
    for (size_t i = start; ok && i < s->cap; i++) {
        if (!s->fps[i]) ok = !w.n || walk_flush(s, &w);
        else if (!w.n && i + 1 < s->cap && !s->fps[i + 1]) ok = walk_emit(s, &w, (entry){s->fps[i], tag_at(s, i)}); /* alone */
        else ok = walk_add(s, &w, i);
    }
    for (size_t i = 0; ok && i < start; i++) /* the wrapped ones */
        if (home(s->fps[i], s->cap) > i) ok = walk_add(s, &w, i);
    ok = ok && walk_flush(s, &w);
    free(w.b);
    return ok;
}

static bool writer_each(void *w, uint64_t fp, uint32_t tag) { return writer_add(w, fp, tag); }

/* The recent table goes to disk as a run; runs are merged as a binary counter. */
static bool spill(yb_fpset *s)
{
    if (!s->nrecent) return true;
    apply_deferred(s); /* a run's fingerprints are found through the big filter */
    if (!open_file(s)) return false;
    writer *w = calloc(1, sizeof *w);
    if (!w) return oom(s);
    w->s = s;
    w->r.off = s->end;
    bool ok = recent_walk(s, writer_each, w) && writer_flush(w) && add_run(s, w->r);
    if (ok) s->end += w->r.n;
    else free(w->r.index);
    free(w);
    if (!ok) return false;
    memset(s->fps, 0, s->cap * sizeof *s->fps);
    s->nrecent = 0;
    while (s->nruns >= 2 && s->runs[s->nruns - 2].n <= s->runs[s->nruns - 1].n)
        if (!merge_last_two(s)) return false;
    return true;
}

/* fp in run r: 1 (tag), 0, -1. */
static int run_find(yb_fpset *s, const run *r, uint64_t fp, uint32_t *tag)
{
    size_t nb = (r->n + BLOCK - 1) / BLOCK, lo = 0, hi = nb;
    if (!nb || fp < r->index[0]) return 0;
    while (hi - lo > 1) { /* the last block whose first fingerprint is <= fp */
        size_t mid = (lo + hi) / 2;
        if (r->index[mid] <= fp) lo = mid;
        else hi = mid;
    }
    unsigned char buf[BLOCK * ENTRY];
    size_t k = r->n - lo * BLOCK < BLOCK ? r->n - lo * BLOCK : BLOCK;
    if (!read_at(s, r->off + lo * BLOCK, k, buf)) return -1;
    size_t a = 0, b = k;
    while (a < b) {
        size_t mid = (a + b) / 2;
        entry e = get_entry(buf + mid * ENTRY);
        if (e.fp == fp) {
            *tag = e.tag;
            return 1;
        }
        if (e.fp < fp) a = mid + 1;
        else b = mid;
    }
    return 0;
}

/* ---------------------------------------------------------------- the lazy big filter */

/* Is fp in the delta, or in its stored page (decoded into scratch, kept for
   the next lookup of the same page)?  A page that cannot be read is a
   "maybe": the backing answers exactly. */
static bool lazy_has(yb_fpset *s, uint64_t fp)
{
    size_t blk = filter_block(fp), page = blk * 64 / YB_FILTER_PAGE;
    if (block_has((const unsigned char *)(s->delta + (blk & (s->delta_blocks - 1)) * 8), fp)) return true;
    if (!s->page) return false; /* the backing is gone: what it held is absent now, as with a big filter */
    if (s->scratch_page != page) {
        s->scratch_page = SIZE_MAX;
        if (!s->page(s->page_ctx, page, (unsigned char *)s->scratch, false)) return true;
        s->scratch_page = page;
    }
    return block_has((const unsigned char *)s->scratch + blk * 64 % YB_FILTER_PAGE, fp);
}

/* The set's own fingerprints (the table's, the runs' on disk) into the big filter. */
static bool own_into_filter(yb_fpset *s)
{
    for (size_t i = 0; i < s->cap; i++)
        if (s->fps[i]) filter_bits(s, s->fps[i], true);
    s->deferred = false;
    cursor *c = s->nruns ? calloc(1, sizeof *c) : NULL;
    if (s->nruns && !c) return oom(s);
    bool bad = false;
    for (int r = 0; r < s->nruns && !bad; r++) {
        memset(c, 0, sizeof *c);
        c->r = &s->runs[r];
        for (entry e; cursor_get(s, c, &e, &bad); c->pos++) filter_bits(s, e.fp, true);
    }
    free(c);
    return !bad;
}

static void lazy_free(yb_fpset *s)
{
    s->lazy = false;
    free(s->delta);
    free(s->scratch);
    s->delta = s->scratch = NULL;
    s->page = NULL;
    s->fill = NULL;
}

/* The whole big filter, made now: the stored pages and what came after them
   (fill), then the set's own fingerprints. */
static bool unlazy(yb_fpset *s)
{
    if (!s->lazy) return true;
    yb_fpset_fill_fn fill = s->fill;
    void *ctx = s->page_ctx;
    lazy_free(s); /* first: fill adds the ledger's later fingerprints through yb_fpset_filter_add */
    if (fill && !fill(ctx, (unsigned char *)s->filter)) {
        snprintf(s->err, sizeof s->err, "the filter's stored pages cannot be read");
        return false;
    }
    return own_into_filter(s);
}

/* The backing goes (the batch ended): its pages are no longer read; the
   delta stays (the set's own fingerprints, and what the backing held is
   absent from now on, as it is behind a big filter without a backing). */
static void lazy_end(yb_fpset *s)
{
    s->page = NULL;
    s->fill = NULL;
    s->scratch_page = SIZE_MAX;
}

int yb_fpset_lazy(yb_fpset *s, yb_fpset_page_fn page, yb_fpset_fill_fn fill, void *ctx, uint64_t bits, size_t added)
{
    if (!s->filter || s->lazy || s->count || s->nruns) return 0;
    /* the fold's size for the stored bits and the added fingerprints' (5 each, at most) */
    size_t nb = fold_blocks_for(bits + 5 * (uint64_t)added, (uint64_t)YB_FILTER_BYTES * 8), fold_words = nb * 8;
    size_t db = 64; /* the delta: 16 bits a fingerprint added (more come: the false positives go to the backing) */
    while (db < NBLOCKS && db * 512 < (uint64_t)added * 16) db *= 2;
    uint64_t *f = calloc(fold_words, sizeof *f), *d = calloc(db * 8, sizeof *d), *sc = malloc(YB_FILTER_PAGE);
    int rc = f && d && sc ? 1 : 0; /* no memory: not lazy, the caller reads the filter as before */
    for (size_t p = 0; rc == 1 && p < YB_FILTER_PAGES; p++) /* a page's blocks are contiguous in the fold: ORed there */
        if (!page(ctx, p, (unsigned char *)(f + p * (YB_FILTER_PAGE / 8) % fold_words), true)) rc = -1;
    if (rc == 1 && bits_set(f, fold_words) * 3 > fold_words * 64) rc = 0; /* too full to fold */
    if (rc != 1) {
        free(f);
        free(d);
        free(sc);
        return rc;
    }
    front_drop(s);
    fold_drop(s);
    s->fold = f;
    s->fold_blocks = nb;
    s->delta = d;
    s->delta_blocks = db;
    s->scratch = sc;
    s->scratch_page = SIZE_MAX;
    s->page = page;
    s->fill = fill;
    s->page_ctx = ctx;
    s->lazy = true;
    return 1;
}

/* ---------------------------------------------------------------- the set */

int yb_fpset_find(yb_fpset *s, uint64_t fp, uint32_t *tag)
{
    if (s->front) {
        if (!front_has(s, fp)) {
            /* a put of it often follows: the lines it writes.  (Written here,
               not in a function of their own: GCC takes a function of prefetches
               alone for one with no effect and drops the call.  A read prefetch:
               GCC drops a write prefetch unless the target has PREFETCHW, and a
               line no other core holds comes in writable.) */
            __builtin_prefetch((const unsigned char *)s->filter + filter_block(fp) * 64);
            __builtin_prefetch(&s->fps[home(fp, s->cap)]);
            return 0;
        }
    } else if (s->fold && !block_has(fold_block(s, fp), fp)) {
        if (!defers(s) && !s->lazy) __builtin_prefetch((const unsigned char *)s->filter + filter_block(fp) * 64); /* as above */
        __builtin_prefetch(&s->fps[home(fp, s->cap)]);
        return 0;
    } else if (!defers(s) && !yb_fpset_filter_has(s, fp)) {
        __builtin_prefetch(&s->fps[home(fp, s->cap)]); /* a put of it often follows */
        return 0;
    }
    size_t i = find_slot(s->fps, s->cap, fp);
    if (s->fps[i]) {
        *tag = tag_at(s, i);
        return 1;
    }
    if ((s->front || defers(s)) && !yb_fpset_filter_has(s, fp)) return 0; /* before a read of the runs or the backing */
    for (int r = s->nruns - 1; r >= 0; r--) {
        int rc = run_find(s, &s->runs[r], fp, tag);
        if (rc) return rc;
    }
    return s->backing ? s->backing(s->backing_ctx, fp, tag, s->err, sizeof s->err) : 0;
}

bool yb_fpset_room(yb_fpset *s)
{
    front_room(s);
    if ((s->nrecent + 1) * 4 <= s->cap * 3) return true;
    if (s->nrecent + 1 > YB_FPSET_RECENT || s->cap >= RECENT_CAP) return spill(s);
    return grow(s);
}

bool yb_fpset_put(yb_fpset *s, uint64_t fp, uint32_t tag)
{
    if (!yb_fpset_keep(s, fp, tag)) return false;
    bool defer = defers(s); /* after keep: a spill may have ended it */
    filter_bits(s, fp, !defer);
    s->deferred |= defer;
    return true;
}

bool yb_fpset_keep(yb_fpset *s, uint64_t fp, uint32_t tag)
{
    if (!yb_fpset_room(s)) return false;
    if (!s->tagged) s->tag0 = tag, s->tagged = true;
    if (tag != s->tag0 && !s->tags && !split_tags(s)) return false;
    size_t i = find_slot(s->fps, s->cap, fp);
    if (!s->fps[i]) {
        s->fps[i] = fp;
        s->nrecent++;
        s->count++;
        front_add(s, fp);
    }
    if (s->tags) s->tags[i] = tag;
    return true;
}

bool yb_fpset_each(yb_fpset *s, yb_fpset_each_fn fn, void *ctx)
{
    if (!s->nruns) return recent_walk(s, fn, ctx); /* all in memory: no file */
    if (!spill(s)) return false;
    while (s->nruns > 1)
        if (!merge_last_two(s)) return false;
    cursor *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(s->err, sizeof s->err, "out of memory for the fingerprints");
        return false;
    }
    c->r = &s->runs[0];
    entry e;
    bool bad = false, ok = true;
    while (ok && cursor_get(s, c, &e, &bad)) {
        ok = fn(ctx, e.fp, e.tag);
        c->pos++;
    }
    free(c);
    return ok && !bad;
}

uint64_t yb_fingerprint(const uint64_t key[2], const void *data, size_t n)
{
    uint64_t h = yb_siphash13(key, data, n);
    return h ? h : 1;
}
