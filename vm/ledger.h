/* The ledger: running totals kept across a batch, one entry per key (a
 * member and a year, an account holder, …).  Memory grows with the number of
 * keys, never with the number of claims: 76 bytes for a member-year's ten
 * totals and its key, 16 for an account sharing the member's key bytes, plus
 * 11-16 bytes of index a key (ledger.c says how). */
#ifndef YB_LEDGER_H
#define YB_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    YB_ENTRY_OPENED = 1, /* a claim (or a durable ledger) has given the key its totals */
    YB_ENTRY_LOADED = 2, /* the durable ledger was asked for this key (found or not) */
    YB_ENTRY_DIRTY = 4,  /* changed since it was loaded: written back at commit */
    YB_ENTRY_STORED = 8, /* the durable ledger had it when the batch began */
};

/* The longest key a ledger keeps (a state key is at most 4 KiB: vm.h's keybuf). */
#define YB_LEDGER_MAX_KEY 65535u

/* An entry: its flags and key length are public; its values are read and
 * written with yb_ledger_values / yb_ledger_value / yb_ledger_set (they are
 * kept packed, so there is no int64_t array to point at). */
typedef struct yb_ledger_entry {
    uint8_t flags;
    uint8_t wide; /* private: how the row is kept (8-byte values, moved, key shared) */
    uint16_t keylen;
    unsigned char data[]; /* private: the values, then the key bytes (or a reference to them) */
} yb_ledger_entry;

typedef struct yb_ledger yb_ledger;

yb_ledger *yb_ledger_new(int nvalues);
void yb_ledger_free(yb_ledger *l);
/* The entry for key, created with every value 0 and flags 0 when absent; NULL
 * when out of memory or the key is longer than YB_LEDGER_MAX_KEY.  The pointer
 * is good until the next yb_ledger_get or yb_ledger_set on this ledger. */
yb_ledger_entry *yb_ledger_get(yb_ledger *l, const void *key, uint32_t keylen);
/* yb_ledger_get, with the key's tag as yb_ledger_prefetch gave it for these
 * very key bytes (the key is hashed once). */
yb_ledger_entry *yb_ledger_get_tagged(yb_ledger *l, const void *key, uint32_t keylen, uint32_t tag);
/* Every value of e into out[0 .. nvalues). */
void yb_ledger_values(const yb_ledger *l, const yb_ledger_entry *e, int64_t *out);
/* Value f of e. */
int64_t yb_ledger_value(const yb_ledger *l, const yb_ledger_entry *e, int f);
/* Sets every value of e from in[0 .. nvalues); returns the entry, which moves
 * when a value first needs more than 32 bits (use the pointer returned).
 * Setting the entry the last yb_ledger_get returned cannot fail (room for the
 * move is kept); another may (NULL: out of memory, e unchanged). */
yb_ledger_entry *yb_ledger_set(yb_ledger *l, yb_ledger_entry *e, const int64_t *in);
/* Sets value f of e alone; the same as yb_ledger_set otherwise. */
yb_ledger_entry *yb_ledger_set_value(yb_ledger *l, yb_ledger_entry *e, int f, int64_t v);
/* Lets l keep, for a new key, a 4-byte reference to the same bytes at the
 * start of the key of the row donor's last yb_ledger_get gave, instead of a
 * copy: the account keyed by payer (most often the member) then shares the
 * member id of the member-year's totals met just before.  yb_ledger_key of
 * such an entry points into donor's rows, so donor must outlive l's use. */
void yb_ledger_share_keys(yb_ledger *l, const yb_ledger *donor);
size_t yb_ledger_count(const yb_ledger *l);
/* The most slots any lookup of a present key walks past before its entry (0
 * when every entry sits in its home slot): small unless keys collide. */
size_t yb_ledger_max_probe(const yb_ledger *l);
/* Bytes the ledger holds (index and entries), for the benchmark's figures. */
size_t yb_ledger_bytes(const yb_ledger *l);
/* A hint to the CPU to start loading the key's slot: work done between this
 * and yb_ledger_get() hides the cache miss.  Returns the key's tag, for
 * yb_ledger_get_tagged. */
uint32_t yb_ledger_prefetch(const yb_ledger *l, const void *key, uint32_t keylen);
/* The second step, once the slot yb_ledger_prefetch fetched has come: a hint
 * to load the row of the first slot from the tag's home with that tag (the
 * row yb_ledger_get_tagged will compare and read, unless the key is new). */
void yb_ledger_prefetch_row(const yb_ledger *l, uint32_t tag);
/* Every entry (for reports): a new array of yb_ledger_count() pointers, or NULL. */
yb_ledger_entry **yb_ledger_entries(const yb_ledger *l);
/* Walks every entry in the order the keys were first met: start with *pos = 0;
 * NULL when done.  A walk ended goes on from *pos to the keys met since. */
yb_ledger_entry *yb_ledger_next(const yb_ledger *l, size_t *pos);
/* The key bytes of an entry. */
const unsigned char *yb_ledger_key(const yb_ledger *l, const yb_ledger_entry *e);

#endif
