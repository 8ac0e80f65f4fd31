/* A set of 64-bit fingerprints, each with a small tag: what a run must
 * remember per claim (claim ids settled, records seen) in 12 bytes a record
 * instead of a whole ledger entry with its key.  Two different inputs share a
 * fingerprint with odds of about n^2 / 2^65 (n records: 10^-5 for 20 million). */
#ifndef YB_FPSET_H
#define YB_FPSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct yb_fpset yb_fpset;

yb_fpset *yb_fpset_new(void);
void yb_fpset_free(yb_fpset *s);
/* The tag kept with fp, or 0 when fp is absent (tags are 1 or more). */
uint32_t yb_fpset_get(const yb_fpset *s, uint64_t fp);
/* A hint to the CPU to start loading fp's slot (yb_ledger_prefetch's twin). */
void yb_fpset_prefetch(const yb_fpset *s, uint64_t fp);
/* Adds fp (or changes its tag); false when out of memory. */
bool yb_fpset_put(yb_fpset *s, uint64_t fp, uint32_t tag);
size_t yb_fpset_count(const yb_fpset *s);
/* Room for n fingerprints in all, so that adding up to n cannot fail. */
bool yb_fpset_reserve(yb_fpset *s, size_t n);
/* Walks every fingerprint: start with *pos = 0; false when done. */
bool yb_fpset_next(const yb_fpset *s, size_t *pos, uint64_t *fp, uint32_t *tag);

/* The fingerprint of some bytes: SipHash-1-3 under a 128-bit key (never 0). */
uint64_t yb_fingerprint(const uint64_t key[2], const void *data, size_t n);

#endif
