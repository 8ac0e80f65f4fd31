/* A set of 64-bit fingerprints, each with a 32-bit tag, whose memory does not
 * grow with the number of fingerprints: what a run must remember per claim
 * (claim ids settled, records seen) for batches of any size.
 *
 * - A blocked Bloom filter of a fixed YB_FILTER_BYTES answers "not there" for
 *   almost every new fingerprint from one cache line.
 * - The fingerprints themselves are kept in a small table in memory until it
 *   holds YB_FPSET_RECENT of them, then written out, sorted, to a temporary
 *   file (unlinked at once) as a run; runs of equal size are merged, so a
 *   set of n fingerprints has at most log2(n / YB_FPSET_RECENT) + 1 runs.
 * - While the set is its own (no backing, no filter from a durable ledger), a
 *   small front filter of its puts (8-16 bits each, grown with the table)
 *   answers first: it stays in the second-level cache where the 8 MiB filter
 *   misses every cache (fpset.c says more).
 * - A filter positive is always confirmed exactly: in the table, then in each
 *   run (one 3 KiB read found through a sparse index of every 256th
 *   fingerprint), then through the backing (the durable ledger's runs).  A
 *   false positive of the filter costs those reads, never a wrong answer.
 *
 * Filter: 2^17 blocks of 512 bits, 5 bits a fingerprint in one block.  The
 * false-positive rate for n fingerprints (measured, tests/unit/test_fpset.c)
 * is 4·10^-6 at 1 M, 5·10^-4 at 3 M, 0.4 % at 5 M, 4.5 % at 10 M, 29 % at
 * 20 M and 56 % at 30 M: past ~10 M fingerprints an index's lookups go to
 * disk more and more often (correct, slower).  Two different inputs share a
 * fingerprint with odds of about n^2 / 2^65 (10^-5 for 20 million): that, not
 * the filter, is the
 * only way a new record can be taken for a seen one. */
#ifndef YB_FPSET_H
#define YB_FPSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define YB_FILTER_BYTES ((size_t)8 << 20)
#define YB_FILTER_PAGE ((size_t)4096) /* the unit a durable ledger stores */
#define YB_FILTER_PAGES (YB_FILTER_BYTES / YB_FILTER_PAGE)
#define YB_FPSET_RECENT ((size_t)3 << 17) /* fingerprints kept in memory before a spill */

typedef struct yb_fpset yb_fpset;

/* Asked when the set's own fingerprints do not hold fp: 1 with *tag, 0
   absent, -1 an error (in err). */
typedef int (*yb_fpset_backing_fn)(void *ctx, uint64_t fp, uint32_t *tag, char *err, size_t errlen);
/* Called per fingerprint in ascending order; false stops the walk. */
typedef bool (*yb_fpset_each_fn)(void *ctx, uint64_t fp, uint32_t tag);

/* With filter false the set has no filter (every lookup is exact at once):
   for sets only ever walked, like a merge's. */
yb_fpset *yb_fpset_new(bool filter);
void yb_fpset_free(yb_fpset *s);
void yb_fpset_set_backing(yb_fpset *s, yb_fpset_backing_fn fn, void *ctx);
/* 1 with the tag kept with fp, 0 when fp is absent, -1 on an error (yb_fpset_error). */
int yb_fpset_find(yb_fpset *s, uint64_t fp, uint32_t *tag);
/* Makes room so that the next put cannot fail (may write a run); false on an error. */
bool yb_fpset_room(yb_fpset *s);
/* A hint that about n fingerprints will be put: the empty table is made that
   big at once (up to its bound), not doubled (and faulted in) step by step. */
void yb_fpset_reserve(yb_fpset *s, size_t n);
/* Adds fp, which must be absent; false on an error. */
bool yb_fpset_put(yb_fpset *s, uint64_t fp, uint32_t tag);
/* Adds fp to the fingerprints but not to the filter (it has it already). */
bool yb_fpset_keep(yb_fpset *s, uint64_t fp, uint32_t tag);
/* Forgets every fingerprint put, keeping the filter (pages marked clean):
   a durable ledger's next batch, once they are in the ledger behind the backing. */
void yb_fpset_forget(yb_fpset *s);
/* The fingerprints put into this set (not the backing's). */
size_t yb_fpset_count(const yb_fpset *s);
/* Every fingerprint put, in ascending order; false on an error or when fn said stop. */
bool yb_fpset_each(yb_fpset *s, yb_fpset_each_fn fn, void *ctx);
/* A hint to the CPU to load the lines a lookup of fp reads (and a put of it writes). */
void yb_fpset_prefetch(const yb_fpset *s, uint64_t fp);
const char *yb_fpset_error(const yb_fpset *s);

/* The filter, for a durable ledger that keeps it (NULL without one, or when
   a lazy filter's pages cannot be read: yb_fpset_error): pages of
   YB_FILTER_PAGE bytes, each marked dirty when a put changes it. */
unsigned char *yb_fpset_filter(yb_fpset *s);
bool yb_fpset_filter_has(yb_fpset *s, uint64_t fp);
/* Once a durable ledger has filled the filter (yb_fpset_filter, filter_add):
   a small fold of it is made and asked first (fpset.c); any later write
   through yb_fpset_filter drops it until the next fold. */
void yb_fpset_fold(yb_fpset *s);
/* Adds fp to the filter only (a fingerprint the backing holds). */
void yb_fpset_filter_add(yb_fpset *s, uint64_t fp);
bool yb_fpset_page_dirty(const yb_fpset *s, size_t page);
/* Marks every page clean (false) or dirty (true). */
void yb_fpset_pages_mark(yb_fpset *s, bool dirty);
/* A durable ledger's stored filter, read lazily (fpset.c): page(ctx, p, out,
   or) writes page p's YB_FILTER_PAGE bytes into out, or ORs them into out
   when or is true (false: it cannot be read); fill(ctx,
   filter) writes the whole filter into the zeroed one given, with the
   ledger's fingerprints stored after it (through yb_fpset_filter_add). */
typedef bool (*yb_fpset_page_fn)(void *ctx, size_t page, unsigned char *out, bool or);
typedef bool (*yb_fpset_fill_fn)(void *ctx, unsigned char *filter);
/* On a new set: the big filter stays unread; the fold is made from the
   pages (bits: the bits they set; added: about how many fingerprints
   yb_fpset_filter_add will add), a lookup the fold cannot answer reads the
   one page it needs, and yb_fpset_filter fills the whole filter first.
   1: so; 0: not (no memory, or too full to fold: the caller fills the filter
   and folds it as before); -1: a page could not be read. */
int yb_fpset_lazy(yb_fpset *s, yb_fpset_page_fn page, yb_fpset_fill_fn fill, void *ctx, uint64_t bits, size_t added);
/* Filter arithmetic on a bare filter (yibao ledger check): is fp set in bits? */
bool yb_filter_has(const unsigned char *bits, uint64_t fp);

/* The fingerprint of some bytes: SipHash-1-3 under a 128-bit key (never 0). */
uint64_t yb_fingerprint(const uint64_t key[2], const void *data, size_t n);

#endif
