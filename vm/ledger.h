/* The ledger: running totals kept across a batch, one entry per key (a
 * member and a year, an account holder, …).  Memory grows with the number of
 * keys, never with the number of claims. */
#ifndef YB_LEDGER_H
#define YB_LEDGER_H

#include <stddef.h>
#include <stdint.h>

enum {
    YB_ENTRY_OPENED = 1, /* a claim (or a durable ledger) has given the key its totals */
    YB_ENTRY_LOADED = 2, /* the durable ledger was asked for this key (found or not) */
    YB_ENTRY_DIRTY = 4,  /* changed since it was loaded: written back at commit */
    YB_ENTRY_STORED = 8, /* the durable ledger had it when the batch began */
};

typedef struct yb_ledger_entry {
    uint32_t flags;
    uint32_t keylen;
    uint64_t hash;
    int64_t values[]; /* nvalues, then the key bytes */
} yb_ledger_entry;

typedef struct yb_ledger yb_ledger;

yb_ledger *yb_ledger_new(int nvalues);
void yb_ledger_free(yb_ledger *l);
/* The entry for key, created zeroed (flags 0) when absent; NULL when out of
 * memory.  The pointer is good until the next yb_ledger_get on this ledger. */
yb_ledger_entry *yb_ledger_get(yb_ledger *l, const void *key, uint32_t keylen);
size_t yb_ledger_count(const yb_ledger *l);
/* The most slots any lookup of a present key walks past before its entry (0
 * when every entry sits in its home slot): small unless keys collide. */
size_t yb_ledger_max_probe(const yb_ledger *l);
/* A hint to the CPU to start loading the key's slot: work done between this
 * and yb_ledger_get() hides the cache miss. */
void yb_ledger_prefetch(const yb_ledger *l, const void *key, uint32_t keylen);
/* Every entry (for reports): a new array of yb_ledger_count() pointers, or NULL. */
yb_ledger_entry **yb_ledger_entries(const yb_ledger *l);
/* Walks every entry: start with *pos = 0; NULL when done. */
yb_ledger_entry *yb_ledger_next(const yb_ledger *l, size_t *pos);
/* The key bytes of an entry. */
const unsigned char *yb_ledger_key(const yb_ledger *l, const yb_ledger_entry *e);

#endif
