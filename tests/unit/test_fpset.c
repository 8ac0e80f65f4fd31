/* The fingerprint set (vm/fpset.h): exact answers whatever the filter says,
 * fingerprints spilled to its temporary file and merged there, and the
 * filter's false-positive rate at the sizes its header documents. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fpset.h"

/* splitmix64: distinct, uniform fingerprints (never 0: | 1 keeps them odd) */
static uint64_t next_fp(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return (z ^ (z >> 31)) | 1;
}

typedef struct walk {
    uint64_t last, sum;
    size_t n;
    bool ordered;
} walk;

static bool walk_fp(void *ctx, uint64_t fp, uint32_t tag)
{
    walk *w = ctx;
    if (w->n && fp <= w->last) w->ordered = false;
    if (tag != (uint32_t)(fp % 1000) + 1) w->ordered = false;
    w->last = fp;
    w->sum += fp;
    w->n++;
    return true;
}

/* The walk gives every fingerprint once (n of them, summing to sum), ascending. */
static void assert_walk_gives_all(yb_fpset *s, size_t n, uint64_t sum)
{
    walk w = {0, 0, 0, true};
    assert_true(yb_fpset_each(s, walk_fp, &w));
    assert_int_equal(w.n, n);
    assert_true(w.ordered);
    assert_true(w.sum == sum);
}

/* More fingerprints than the recent table holds: runs on disk, merged as they
   come; every one found with its tag, none of another seed found, and the
   walk gives them all, ascending. */
static void spilled_fingerprints_stay_exact(void **state)
{
    (void)state;
    const size_t n = 2 * YB_FPSET_RECENT + 12345; /* two spills (merged into one) and a part in memory */
    yb_fpset *s = yb_fpset_new(true);
    assert_non_null(s);
    uint64_t x = 42, sum = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t fp = next_fp(&x);
        sum += fp;
        assert_true(yb_fpset_put(s, fp, (uint32_t)(fp % 1000) + 1));
    }
    assert_int_equal(yb_fpset_count(s), n);
    x = 42;
    for (size_t i = 0; i < n; i++) {
        uint64_t fp = next_fp(&x);
        uint32_t tag = 0;
        if (i % 97) continue; /* a sample: each lookup from disk is a read */
        assert_int_equal(yb_fpset_find(s, fp, &tag), 1);
        assert_int_equal(tag, (uint32_t)(fp % 1000) + 1);
    }
    uint64_t y = 4242;
    for (int i = 0; i < 20000; i++) {
        uint32_t tag;
        assert_int_equal(yb_fpset_find(s, next_fp(&y), &tag), 0);
    }
    assert_walk_gives_all(s, n, sum);
    yb_fpset_free(s);
}

/* The walk of a table still in memory (no run on disk), which goes by slot
   order (a slot's home is a fingerprint's top bits): fingerprints whose home
   is the last slot wrap to the table's start, before the ones homed at slot
   0, and a cluster's entries sit in the order they came, not ascending; the
   walk still gives every one once, ascending. */
static void walk_in_memory_sorts_clusters_and_the_wrap(void **state)
{
    (void)state;
    yb_fpset *s = yb_fpset_new(true);
    assert_non_null(s);
    uint64_t fps[40], sum = 0;
    size_t n = 0;
    for (uint64_t k = 0; k < 6; k++) fps[n++] = UINT64_MAX - 1000 * k; /* the last slot, then the start */
    for (uint64_t k = 1; k <= 6; k++) fps[n++] = 1000 * (7 - k) + 1; /* slot 0, descending */
    uint64_t x = 7;
    while (n < 40) fps[n++] = next_fp(&x);
    for (size_t i = 0; i < n; i++) {
        sum += fps[i];
        assert_true(yb_fpset_put(s, fps[i], (uint32_t)(fps[i] % 1000) + 1));
    }
    assert_walk_gives_all(s, n, sum);
    yb_fpset_free(s);
}

static int backing_calls;

/* A backing that holds exactly one fingerprint. */
static int one_fp_backing(void *ctx, uint64_t fp, uint32_t *tag, char *err, size_t errlen)
{
    backing_calls++;
    if (fp != *(const uint64_t *)ctx) return 0;
    *tag = 7;
    return 1;
}

/* A filter that says "maybe" for everything (every bit set): a false
   positive on every lookup, and still no fingerprint is taken for one the
   set or its backing does not hold. */
static void forced_false_positives_are_confirmed(void **state)
{
    (void)state;
    yb_fpset *s = yb_fpset_new(true);
    assert_non_null(s);
    uint64_t held = 0x123456789abcdefULL, x = 9;
    yb_fpset_set_backing(s, one_fp_backing, &held);
    memset(yb_fpset_filter(s), 0xff, YB_FILTER_BYTES);
    for (int i = 0; i < 1000; i++) assert_true(yb_fpset_put(s, next_fp(&x), 3));
    uint64_t y = 99;
    uint32_t tag = 0;
    backing_calls = 0;
    for (int i = 0; i < 5000; i++) {
        uint64_t fp = next_fp(&y);
        assert_true(yb_fpset_filter_has(s, fp)); /* the filter is wrong about each */
        assert_int_equal(yb_fpset_find(s, fp, &tag), 0);
    }
    assert_int_equal(backing_calls, 5000);
    assert_int_equal(yb_fpset_find(s, held, &tag), 1);
    assert_int_equal(tag, 7);
    x = 9;
    assert_int_equal(yb_fpset_find(s, next_fp(&x), &tag), 1);
    assert_int_equal(tag, 3);
    yb_fpset_free(s);
}

/* The rates fpset.h documents, within a factor of about two: 10^-5 at most
   at 1 M fingerprints, 3-6 % at 10 M. */
static void filter_false_positive_rate(void **state)
{
    (void)state;
    yb_fpset *s = yb_fpset_new(true);
    assert_non_null(s);
    uint64_t x = 1, y = 777;
    size_t n = 0, fp = 0, tries = 400000;
    for (; n < 1000000; n++) yb_fpset_filter_add(s, next_fp(&x));
    for (size_t i = 0; i < tries; i++) fp += yb_fpset_filter_has(s, next_fp(&y));
    assert_true(fp <= 4); /* 10^-5 of 400,000 */
    for (; n < 10000000; n++) yb_fpset_filter_add(s, next_fp(&x));
    fp = 0;
    for (size_t i = 0; i < tries; i++) fp += yb_fpset_filter_has(s, next_fp(&y));
    assert_true(fp >= tries * 3 / 100 && fp <= tries * 6 / 100);
    yb_fpset_free(s);
}

/* Page bookkeeping for a ledger that stores the filter by page. */
static void puts_mark_their_pages_dirty(void **state)
{
    (void)state;
    yb_fpset *s = yb_fpset_new(true);
    assert_non_null(s);
    uint64_t fp = (uint64_t)5 << 47 | 0x1234; /* block 5: page 0 */
    assert_true(yb_fpset_put(s, fp, 1));
    assert_true(yb_fpset_page_dirty(s, 0));
    assert_false(yb_fpset_page_dirty(s, 1));
    yb_fpset_pages_mark(s, false);
    assert_false(yb_fpset_page_dirty(s, 0));
    assert_true(yb_filter_has(yb_fpset_filter(s), fp));
    assert_true(yb_fpset_keep(s, fp + 2, 1)); /* kept, not filtered */
    assert_false(yb_fpset_page_dirty(s, 0));
    yb_fpset_free(s);
}

/* The front filter (fpset.c), on while the set is its own: fingerprints put
   through its growths are all found, absent ones are not (its false positives
   go to the table), and past a spill a fingerprint on disk is still found
   while it answers first; a fingerprint the backing holds (yb_fpset_filter_add)
   turns it off, and the big filter answers alone. */
static void front_filter_answers_exactly(void **state)
{
    (void)state;
    yb_fpset *s = yb_fpset_new(true);
    assert_non_null(s);
    const size_t n = YB_FPSET_RECENT + 5000; /* one spill; the front stays on to 2^19 */
    uint64_t x = 5;
    uint32_t tag = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t fp = next_fp(&x);
        assert_true(yb_fpset_room(s));
        if (i % 1009 == 0) assert_int_equal(yb_fpset_find(s, fp, &tag), 0);
        assert_true(yb_fpset_put(s, fp, (uint32_t)(fp % 1000) + 1));
        if (i % 1013 == 0) {
            assert_int_equal(yb_fpset_find(s, fp, &tag), 1);
            assert_int_equal(tag, (uint32_t)(fp % 1000) + 1);
        }
    }
    x = 5;
    for (size_t i = 0; i < n; i++) {
        uint64_t fp = next_fp(&x);
        if (i % 89) continue; /* a sample: the first YB_FPSET_RECENT are on disk */
        assert_int_equal(yb_fpset_find(s, fp, &tag), 1);
        assert_int_equal(tag, (uint32_t)(fp % 1000) + 1);
    }
    uint64_t y = 5555;
    for (int i = 0; i < 100000; i++) assert_int_equal(yb_fpset_find(s, next_fp(&y), &tag), 0);
    yb_fpset_free(s);

    s = yb_fpset_new(true);
    assert_non_null(s);
    uint64_t held = 0xfedcba987654321ULL;
    assert_int_equal(yb_fpset_find(s, held, &tag), 0);
    yb_fpset_set_backing(s, one_fp_backing, &held);
    yb_fpset_filter_add(s, held);
    assert_int_equal(yb_fpset_find(s, held, &tag), 1);
    assert_int_equal(tag, 7);
    yb_fpset_free(s);
}

/* A backing holding a sorted array of fingerprints (a durable ledger's runs). */
typedef struct sorted_fps {
    uint64_t *v;
    size_t n;
} sorted_fps;

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static int sorted_backing(void *ctx, uint64_t fp, uint32_t *tag, char *err, size_t errlen)
{
    const sorted_fps *h = ctx;
    backing_calls++;
    if (!bsearch(&fp, h->v, h->n, sizeof *h->v, cmp_u64)) return 0;
    *tag = 9;
    return 1;
}

/* The fold (fpset.c): a ledger's 300,000 fingerprints in the big filter
   (yb_fpset_filter_add), folded: each is still found (the fold never says
   absent where the big filter would not), the batch's puts after the fold
   are found, new fingerprints are absent with the backing almost never
   asked; a page written through yb_fpset_filter after the fold drops it, so
   a fingerprint that page brings is found; a filter too full is not folded. */
static void fold_answers_as_the_filter(void **state)
{
    (void)state;
    yb_fpset *s = yb_fpset_new(true);
    assert_non_null(s);
    sorted_fps held = {calloc(300001, sizeof(uint64_t)), 300000};
    assert_non_null(held.v);
    uint64_t x = 11, y = 12, z = 13;
    for (size_t i = 0; i < held.n; i++) held.v[i] = next_fp(&x);
    qsort(held.v, held.n, sizeof *held.v, cmp_u64);
    yb_fpset_set_backing(s, sorted_backing, &held);
    for (size_t i = 0; i < held.n; i++) yb_fpset_filter_add(s, held.v[i]);
    yb_fpset_fold(s);
    uint32_t tag = 0;
    for (size_t i = 0; i < held.n; i += 7) {
        assert_int_equal(yb_fpset_find(s, held.v[i], &tag), 1);
        assert_int_equal(tag, 9);
    }
    for (int i = 0; i < 100000; i++) {
        assert_true(yb_fpset_room(s));
        assert_true(yb_fpset_put(s, next_fp(&y), 4));
    }
    y = 12;
    for (int i = 0; i < 100000; i++) {
        assert_int_equal(yb_fpset_find(s, next_fp(&y), &tag), 1);
        assert_int_equal(tag, 4);
    }
    backing_calls = 0;
    for (int i = 0; i < 200000; i++) assert_int_equal(yb_fpset_find(s, next_fp(&z), &tag), 0);
    assert_true(backing_calls <= 20); /* the big filter's false positives, 10^-5 at 400,000 */
    /* a page written after the fold: every bit of page 0 (blocks 0-63) set, and a held fingerprint in block 3 */
    uint64_t late = (uint64_t)3 << 47 | 0x5a5a5;
    held.v[held.n++] = late;
    qsort(held.v, held.n, sizeof *held.v, cmp_u64);
    memset(yb_fpset_filter(s), 0xff, YB_FILTER_PAGE);
    assert_int_equal(yb_fpset_find(s, late, &tag), 1);
    /* too full to fold: every bit set; answers stay exact */
    memset(yb_fpset_filter(s), 0xff, YB_FILTER_BYTES);
    yb_fpset_fold(s);
    backing_calls = 0;
    for (int i = 0; i < 1000; i++) assert_int_equal(yb_fpset_find(s, next_fp(&z), &tag), 0);
    assert_int_equal(backing_calls, 1000);
    assert_int_equal(yb_fpset_find(s, held.v[5], &tag), 1);
    free(held.v);
    yb_fpset_free(s);
}

/* A ledger's set (big filter, fold, backing) whose batch puts went to the
   fold and the table only (fpset.c, deferred puts): a ledger of 1,000
   fingerprints and a batch of 1,000.  Each put is found from the table, the
   backing never asked; once the set is told the batch is the ledger's
   (yb_fpset_forget, the backing now holding them too), each is found through
   the big filter and the backing (a big filter that lacked them would say
   absent: 0); a caller taking the filter (a checkpoint) finds them in it;
   and a batch past the table's bound spills, its first fingerprints found
   on disk through the big filter. */
static void deferred_puts_reach_the_filter(void **state)
{
    (void)state;
    sorted_fps held = {calloc(2000, sizeof(uint64_t)), 1000};
    assert_non_null(held.v);
    uint64_t x = 21, y = 22;
    uint32_t tag = 0;
    for (size_t i = 0; i < held.n; i++) held.v[i] = next_fp(&x);
    qsort(held.v, held.n, sizeof *held.v, cmp_u64);
    for (int round = 0; round < 2; round++) {
        yb_fpset *s = yb_fpset_new(true);
        assert_non_null(s);
        yb_fpset_set_backing(s, sorted_backing, &held);
        for (size_t i = 0; i < held.n; i++) yb_fpset_filter_add(s, held.v[i]);
        yb_fpset_fold(s);
        y = 22;
        for (int i = 0; i < 1000; i++) {
            assert_true(yb_fpset_room(s));
            assert_true(yb_fpset_put(s, next_fp(&y), 4));
        }
        backing_calls = 0;
        y = 22;
        for (int i = 0; i < 1000; i++) {
            assert_int_equal(yb_fpset_find(s, next_fp(&y), &tag), 1);
            assert_int_equal(tag, 4);
        }
        assert_int_equal(backing_calls, 0);
        y = 22;
        if (round == 0) { /* committed: the backing holds the batch */
            for (int i = 0; i < 1000; i++) held.v[held.n + (size_t)i] = next_fp(&y);
            sorted_fps both = {held.v, held.n + 1000};
            qsort(both.v, both.n, sizeof *both.v, cmp_u64);
            yb_fpset_set_backing(s, sorted_backing, &both);
            yb_fpset_forget(s);
            y = 22;
            for (int i = 0; i < 1000; i++) {
                assert_int_equal(yb_fpset_find(s, next_fp(&y), &tag), 1);
                assert_int_equal(tag, 9);
            }
            assert_int_equal(backing_calls, 1000);
            /* the ledger's own 1,000 again */
            x = 21;
            for (size_t i = 0; i < held.n; i++) held.v[i] = next_fp(&x);
            qsort(held.v, held.n, sizeof *held.v, cmp_u64);
        } else { /* a checkpoint takes the filter */
            const unsigned char *bits = yb_fpset_filter(s);
            for (int i = 0; i < 1000; i++) assert_true(yb_filter_has(bits, next_fp(&y)));
        }
        yb_fpset_free(s);
    }
    /* past the table's bound: a spill */
    yb_fpset *s = yb_fpset_new(true);
    assert_non_null(s);
    yb_fpset_set_backing(s, sorted_backing, &held);
    for (size_t i = 0; i < held.n; i++) yb_fpset_filter_add(s, held.v[i]);
    yb_fpset_fold(s);
    const size_t n = YB_FPSET_RECENT + 1000;
    y = 23;
    for (size_t i = 0; i < n; i++) {
        assert_true(yb_fpset_room(s));
        assert_true(yb_fpset_put(s, next_fp(&y), 5));
    }
    y = 23;
    for (size_t i = 0; i < n; i++) {
        uint64_t fp = next_fp(&y);
        if (i % 97) continue;
        assert_int_equal(yb_fpset_find(s, fp, &tag), 1);
        assert_int_equal(tag, 5);
    }
    yb_fpset_free(s);
    free(held.v);
}

/* A ledger's stored filter for the lazy tests: its pages (a filter made by
   another set), the fingerprints stored after it, and how often each
   callback ran. */
typedef struct stored {
    unsigned char *filter;
    const uint64_t *later;
    size_t nlater, page_calls, fill_calls;
    yb_fpset *set;
    size_t bad_page; /* a page that cannot be read, or SIZE_MAX */
} stored;

static bool stored_page(void *ctx, size_t page, unsigned char *out, bool or)
{
    stored *st = ctx;
    st->page_calls++;
    if (page == st->bad_page) return false;
    const unsigned char *in = st->filter + page * YB_FILTER_PAGE;
    for (size_t i = 0; i < YB_FILTER_PAGE; i++) out[i] = or ? out[i] | in[i] : in[i];
    return true;
}

static bool stored_fill(void *ctx, unsigned char *filter)
{
    stored *st = ctx;
    st->fill_calls++;
    memcpy(filter, st->filter, YB_FILTER_BYTES);
    for (size_t i = 0; i < st->nlater; i++) yb_fpset_filter_add(st->set, st->later[i]);
    return true;
}

/* The lazy big filter (fpset.c): 3,000 fingerprints in a stored filter, 1,000
   stored after it (yb_fpset_filter_add), a batch of 1,000 puts.  The fold is
   made from the pages (each read once); then every ledger fingerprint is
   found through the backing, the batch's from the table, 20,000 new ones are
   absent with few pages read and the backing asked at most a few times; the
   whole filter is made once, when taken (fill), and holds them all.  After
   yb_fpset_forget the batch's are still found, and past a spill too.  A
   page that cannot be read: -1; a filter too full to fold: 0. */
static void lazy_filter_reads_pages_as_asked(void **state)
{
    (void)state;
    sorted_fps held = {calloc(4000 + YB_FPSET_RECENT + 2000, sizeof(uint64_t)), 4000};
    assert_non_null(held.v);
    uint64_t x = 31, y = 32, z = 33;
    uint32_t tag = 0;
    for (size_t i = 0; i < held.n; i++) held.v[i] = next_fp(&x);
    yb_fpset *ref = yb_fpset_new(true);
    assert_non_null(ref);
    for (size_t i = 0; i < 3000; i++) yb_fpset_filter_add(ref, held.v[i]);
    stored st = {yb_fpset_filter(ref), held.v + 3000, 1000, 0, 0, NULL, SIZE_MAX};
    qsort(held.v, held.n, sizeof *held.v, cmp_u64); /* the backing's copy; st.later is read before this */
    x = 31;
    for (size_t i = 0; i < 3000; i++) next_fp(&x);
    uint64_t later[1000];
    for (size_t i = 0; i < 1000; i++) later[i] = next_fp(&x);
    st.later = later;
    for (int round = 0; round < 3; round++) {
        yb_fpset *s = yb_fpset_new(true);
        assert_non_null(s);
        st.set = s;
        st.page_calls = st.fill_calls = 0;
        yb_fpset_set_backing(s, sorted_backing, &held);
        assert_int_equal(yb_fpset_lazy(s, stored_page, stored_fill, &st, 3000 * 5, 1000), 1);
        assert_int_equal(st.page_calls, YB_FILTER_PAGES); /* the fold: each page once */
        for (size_t i = 0; i < 1000; i++) yb_fpset_filter_add(s, later[i]);
        y = 32;
        for (int i = 0; i < 1000; i++) {
            assert_true(yb_fpset_room(s));
            assert_true(yb_fpset_put(s, next_fp(&y), 4));
        }
        backing_calls = 0;
        for (size_t i = 0; i < held.n; i++) {
            assert_int_equal(yb_fpset_find(s, held.v[i], &tag), 1);
            assert_int_equal(tag, 9);
        }
        assert_int_equal(backing_calls, (int)held.n);
        y = 32;
        backing_calls = 0;
        for (int i = 0; i < 1000; i++) {
            assert_int_equal(yb_fpset_find(s, next_fp(&y), &tag), 1);
            assert_int_equal(tag, 4);
        }
        assert_int_equal(backing_calls, 0);
        size_t pages_before = st.page_calls;
        z = 33;
        for (int i = 0; i < 20000; i++) assert_int_equal(yb_fpset_find(s, next_fp(&z), &tag), 0);
        assert_true(st.page_calls - pages_before <= 4000 && backing_calls <= 5); /* the ledger's pages, read as needed */
        assert_int_equal(st.fill_calls, 0);
        if (round == 0) { /* a checkpoint takes the filter: made once, holding every fingerprint */
            const unsigned char *bits = yb_fpset_filter(s);
            assert_non_null(bits);
            assert_int_equal(st.fill_calls, 1);
            for (size_t i = 0; i < held.n; i++) assert_true(yb_filter_has(bits, held.v[i]));
            y = 32;
            for (int i = 0; i < 1000; i++) assert_true(yb_filter_has(bits, next_fp(&y)));
            assert_non_null(yb_fpset_filter(s));
            assert_int_equal(st.fill_calls, 1);
        } else if (round == 1) { /* committed: the backing holds the batch, the set forgets it */
            y = 32;
            for (int i = 0; i < 1000; i++) held.v[held.n + (size_t)i] = next_fp(&y);
            sorted_fps both = {held.v, held.n + 1000};
            qsort(both.v, both.n, sizeof *both.v, cmp_u64);
            yb_fpset_set_backing(s, sorted_backing, &both);
            yb_fpset_forget(s);
            y = 32;
            for (int i = 0; i < 1000; i++) assert_int_equal(yb_fpset_find(s, next_fp(&y), &tag), 1);
            assert_int_equal(st.fill_calls, 0);
            /* the ledger's own 4,000 again */
            x = 31;
            for (size_t i = 0; i < held.n; i++) held.v[i] = next_fp(&x);
            qsort(held.v, held.n, sizeof *held.v, cmp_u64);
        } else { /* past the table's bound: a spill, found on disk through the delta */
            const size_t n = YB_FPSET_RECENT + 1000;
            y = 34;
            for (size_t i = 0; i < n; i++) {
                assert_true(yb_fpset_room(s));
                assert_true(yb_fpset_put(s, next_fp(&y), 5));
            }
            y = 34;
            for (size_t i = 0; i < n; i++) {
                uint64_t fp = next_fp(&y);
                if (i % 97) continue;
                assert_int_equal(yb_fpset_find(s, fp, &tag), 1);
                assert_int_equal(tag, 5);
            }
            assert_int_equal(st.fill_calls, 0);
        }
        yb_fpset_free(s);
    }
    yb_fpset *s = yb_fpset_new(true);
    assert_non_null(s);
    st.bad_page = 5;
    assert_int_equal(yb_fpset_lazy(s, stored_page, stored_fill, &st, 3000 * 5, 0), -1);
    st.bad_page = SIZE_MAX;
    memset(st.filter, 0xff, YB_FILTER_BYTES); /* every bit set: too full to fold */
    assert_int_equal(yb_fpset_lazy(s, stored_page, stored_fill, &st, (uint64_t)YB_FILTER_BYTES * 8, 0), 0);
    assert_int_equal(yb_fpset_find(s, next_fp(&z), &tag), 0); /* not lazy: its own (empty) big filter answers */
    yb_fpset_free(s);
    yb_fpset_free(ref);
    free(held.v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spilled_fingerprints_stay_exact),
        cmocka_unit_test(walk_in_memory_sorts_clusters_and_the_wrap),
        cmocka_unit_test(forced_false_positives_are_confirmed),
        cmocka_unit_test(filter_false_positive_rate),
        cmocka_unit_test(puts_mark_their_pages_dirty),
        cmocka_unit_test(front_filter_answers_exactly),
        cmocka_unit_test(fold_answers_as_the_filter),
        cmocka_unit_test(deferred_puts_reach_the_filter),
        cmocka_unit_test(lazy_filter_reads_pages_as_asked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
