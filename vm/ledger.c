/* The ledger keeps its entries as rows in an arena and finds them through a
 * small index.
 *
 * Rows: a 4-byte header (flags, width, key length), the values, then the key
 * bytes, packed one after the other in chunks of at most 2 MiB that are never
 * moved, copied or zeroed: a member-year's row of ten totals and its 29-byte
 * key takes 76 bytes, written once when the key is first met.  Values are
 * kept in 4 bytes while every value of the row fits in 32 bits (a year's
 * totals in fen do, below 21 million yuan); the first value that does not
 * moves the row to a new one with 8-byte values (its old place is marked dead
 * and skipped, its key bytes kept), so every value stays exact.
 *
 * Shared keys: a ledger keyed by a prefix of another's keys may keep, for a
 * new key, a 4-byte reference to the other's row instead of the key bytes,
 * when the other's last lookup was a key that starts with the same bytes
 * (yb_ledger_share_keys).  The standard policy's account (keyed by payer,
 * most often the member) is opened just after the member-year's totals
 * (keyed by member and year): its row is 16 bytes instead of 36.  The rows
 * of a ledger are an arena with a reference count, so a donor's rows stay
 * while a sharing ledger needs them, whichever is freed first.
 *
 * Index: open addressing with linear probing over 8-byte slots, each the
 * row's place and 32 bits of its key's hash (so a probe rarely touches a row
 * that is not the one sought).  A slot's home is its hash scaled to the
 * capacity (hash × capacity / 2^32), from the 32 bits the slot keeps:
 * growing the index (by half, at most 3/4 full, so 1/2 to 3/4 full: 10.7 to
 * 16 bytes a key) reads only the old slots, never a row, and writes the new
 * ones in order.  That is 8 bytes a slot where the old table moved and zeroed 136, and the pages
 * the kernel zeroes for the arena are touched once, as rows are added.  From
 * 1 MiB an index is mapped (zero pages until written) and, while it grows,
 * the old table is given back behind the reader, so the two are never
 * resident together.
 *
 * Keys come from the claims (member ids), so a hostile sender could choose
 * them: with an unkeyed hash, ids crafted to collide made every lookup walk
 * all the entries before it (100,000 such claims took 24 s instead of 0.1).
 * The hash is therefore SipHash-1-3 under a random key drawn per ledger:
 * without the key no one can aim at a slot, and with a hash that spreads
 * keys uniformly, linear probing at most 3/4 full keeps probes short (a few
 * slots on average, tens at worst over millions of keys; yb_ledger_max_probe
 * shows it).  Nothing written depends on the key: lookups find the same
 * entries whatever it is, entries are walked in the order they were made,
 * and reports sort them by key. */
#define _DEFAULT_SOURCE /* madvise */
#include "ledger.h"
#include "siphash.h"
#include "table_alloc.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define UNIT 4u                                /* rows start on 4-byte boundaries; a place counts units */
#define CHUNK_SHIFT 19u                        /* units per chunk of address space: 2 MiB */
#define CHUNK_UNITS (1u << CHUNK_SHIFT)
#define MAX_CHUNKS (1u << (32u - CHUNK_SHIFT)) /* 8192 chunks: 16 GiB of rows per ledger */
#define FIRST_CHUNK (16u << 10)                /* bytes: small ledgers (reports) stay small */
#define HUGE_PAGE ((size_t)2 << 20)
/* yb_ledger_entry.wide, a set of bits */
#define WIDE 1u   /* the values take 8 bytes each */
#define DEAD 2u   /* the row moved (to widen): skipped, but its key bytes stay */
#define SHARED 4u /* the key is a reference to the donor's row (4 bytes), not its bytes */

typedef struct chunk {
    unsigned char *rows;
    uint32_t used, cap; /* units */
} chunk;

/* A ledger's rows.  They outlive the ledger while another ledger shares
   their keys (yb_ledger_share_keys): each holds a reference. */
typedef struct arena {
    int nvalues;
    int refs;
    chunk *chunks;     /* grown as needed: a small ledger (a report) stays small */
    uint32_t nchunks, chunks_cap;
    size_t bytes;      /* chunks allocated, in bytes */
    uint32_t last;     /* the place of the row the ledger's last yb_ledger_get gave */
    bool has_last;
} arena;

struct yb_ledger {
    int nvalues;
    size_t cap;        /* the index's slots, at most 3/4 full */
    size_t count;
    size_t max_probe;  /* the longest walk from a key's home slot to its entry */
    uint64_t key[2];   /* the hash key, random per ledger */
    uint64_t *slots;   /* tag << 32 | place; 0 when empty */
    arena *a;          /* the rows */
    arena *donor;      /* the rows whose keys new rows may share, or NULL */
};

static uint32_t tag_of(const yb_ledger *l, const void *p, uint32_t n)
{
    uint32_t t = (uint32_t)(yb_siphash13(l->key, p, n) >> 32);
    return t ? t : 1; /* 0 marks an empty slot */
}

/* A tag's home: its place in [0, cap) scaled from [0, 2^32), so homes keep
   the tags' order whatever the capacity (grow() relies on it). */
static size_t home(uint32_t tag, size_t cap) { return (size_t)(((uint64_t)tag * cap) >> 32); }

static size_t next_slot(size_t i, size_t cap) { return i + 1 == cap ? 0 : i + 1; }

static yb_ledger_entry *arena_row(const arena *a, uint32_t place)
{
    return (yb_ledger_entry *)(a->chunks[place >> CHUNK_SHIFT].rows + (size_t)(place & (CHUNK_UNITS - 1)) * UNIT);
}

static yb_ledger_entry *row_at(const yb_ledger *l, uint32_t place) { return arena_row(l->a, place); }

static void arena_release(arena *a)
{
    if (!a || --a->refs > 0) return;
    for (uint32_t c = 0; a->chunks && c < a->nchunks; c++) free(a->chunks[c].rows);
    free(a->chunks);
    free(a);
}

static size_t value_size(const yb_ledger_entry *e) { return e->wide & WIDE ? 8 : 4; }

/* the bytes a row keeps for its key: a reference (a place in the donor) or the key */
static uint32_t stored_key(bool shared, uint32_t keylen) { return shared ? 4 : keylen; }

static uint32_t row_units(const yb_ledger *l, size_t vsize, uint32_t stored)
{
    return (uint32_t)((sizeof(yb_ledger_entry) + vsize * (size_t)l->nvalues + stored + UNIT - 1) / UNIT);
}

static uint32_t units_of(const yb_ledger *l, const yb_ledger_entry *e)
{
    return row_units(l, value_size(e), stored_key(e->wide & SHARED, e->keylen));
}

/* where a row of a keeps its key (or the reference to it) */
static unsigned char *stored_at(const arena *a, const yb_ledger_entry *e)
{
    return (unsigned char *)e->data + value_size(e) * (size_t)a->nvalues;
}

static const unsigned char *key_of(const yb_ledger *l, const yb_ledger_entry *e)
{
    const unsigned char *k = stored_at(l->a, e);
    if (!(e->wide & SHARED)) return k;
    uint32_t place;
    memcpy(&place, k, 4);
    return stored_at(l->donor, arena_row(l->donor, place)); /* never SHARED itself: see share_place */
}

/* Index tables from 1 MiB up are mapped, not allocated: their pages are
   zero until written, so a new table becomes resident only as grow() fills
   it, and the old one is given back as grow() reads it; the two are never
   resident together (when they were, the last growth held the old table
   and the new at once: about 20 bytes a member-year at the peak). */
#define MAP_MIN ((size_t)1 << 20)
#define GIVE_BACK ((size_t)256 << 10) /* bytes of the old table given back at a time */
#define MIN_CAP ((size_t)1024)
#define CAP_STEP ((size_t)512)        /* capacities are whole 4 KiB pages of slots */
#define MAX_CAP ((size_t)1 << 32)

static size_t index_bytes(size_t cap) { return sizeof(uint64_t) * cap; }

static uint64_t *index_alloc(size_t cap)
{
    size_t bytes = index_bytes(cap);
    if (bytes < MAP_MIN) return yb_table_alloc_written(bytes / sizeof(uint64_t), sizeof(uint64_t));
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
#ifdef MADV_HUGEPAGE
    madvise(p, bytes, MADV_HUGEPAGE); /* a hint: without it the index still works */
#endif
    return p;
}

static void index_free(uint64_t *slots, size_t cap)
{
    if (!slots) return;
    if (index_bytes(cap) < MAP_MIN) free(slots);
    else munmap(slots, index_bytes(cap));
}

yb_ledger *yb_ledger_new(int nvalues)
{
    /* two of the widest rows fit in a chunk (yb_ledger_get keeps room for a move) */
    if (nvalues < 0 || (size_t)nvalues > (HUGE_PAGE / 2 - YB_LEDGER_MAX_KEY - UNIT) / 8) return NULL;
    yb_ledger *l = calloc(1, sizeof *l);
    if (!l) return NULL;
    l->nvalues = nvalues;
    l->cap = MIN_CAP;
    yb_siphash_random_key(l->key);
    l->slots = index_alloc(l->cap);
    l->a = calloc(1, sizeof *l->a);
    if (!l->slots || !l->a) {
        yb_ledger_free(l);
        return NULL;
    }
    l->a->nvalues = nvalues;
    l->a->refs = 1;
    return l;
}

void yb_ledger_free(yb_ledger *l)
{
    if (!l) return;
    arena_release(l->a);
    arena_release(l->donor);
    index_free(l->slots, l->cap);
    free(l);
}

/* A new chunk with room for at least `units`: small ones first, then 2 MiB
   ones on huge pages (rows are met in no order, like the index's slots). */
static bool open_chunk(yb_ledger *ledger, uint32_t units)
{
    arena *l = ledger->a;
    if (l->nchunks == MAX_CHUNKS) return false;
    if (l->nchunks == l->chunks_cap) {
        uint32_t cap = l->chunks_cap ? l->chunks_cap * 2 : 8;
        chunk *c = realloc(l->chunks, cap * sizeof *c);
        if (!c) return false;
        l->chunks = c;
        l->chunks_cap = cap;
    }
    size_t bytes = l->nchunks < 7 ? (size_t)FIRST_CHUNK << l->nchunks : HUGE_PAGE;
    if (bytes < (size_t)units * UNIT) bytes = (size_t)units * UNIT;
    unsigned char *p;
    if (bytes == HUGE_PAGE) {
        p = aligned_alloc(HUGE_PAGE, bytes);
#ifdef MADV_HUGEPAGE
        if (p) madvise(p, bytes, MADV_HUGEPAGE); /* a hint: without it the rows still work */
#endif
    } else {
        p = malloc(bytes);
    }
    if (!p) return false;
    l->chunks[l->nchunks++] = (chunk){p, 0, (uint32_t)(bytes / UNIT)};
    l->bytes += bytes;
    return true;
}

static uint32_t room(const yb_ledger *ledger)
{
    const arena *l = ledger->a;
    const chunk *c = l->nchunks ? &l->chunks[l->nchunks - 1] : NULL;
    return c ? c->cap - c->used : 0;
}

/* `units` from the last chunk, which has room; its place. */
static uint32_t take(yb_ledger *ledger, uint32_t units)
{
    arena *l = ledger->a;
    chunk *c = &l->chunks[l->nchunks - 1];
    uint32_t place = (l->nchunks - 1) << CHUNK_SHIFT | c->used;
    c->used += units;
    return place;
}

/* Makes sure the last chunk has `units` free, opening another if not. */
static bool ensure_room(yb_ledger *l, uint32_t units) { return room(l) >= units || open_chunk(l, units); }

/* Grows the index by half.  Slots are read in order and land near 1.5 times
   their place (homes keep the tags' order), so both tables are walked front
   to back: the new one's pages are touched in order, the old one's handed
   back behind the reader.  (Growing by half rather than doubling: the index
   is 1/2 to 3/4 full instead of 3/8 to 3/4, for two grow passes a key
   instead of one.) */
static bool grow(yb_ledger *l)
{
    if (l->cap > MAX_CAP / 3 * 2) return false;
    size_t cap = (l->cap + l->cap / 2 + CAP_STEP - 1) / CAP_STEP * CAP_STEP, max_probe = 0;
    uint64_t *slots = index_alloc(cap);
    if (!slots) return false;
    bool mapped = index_bytes(l->cap) >= MAP_MIN;
    size_t step = GIVE_BACK / sizeof *slots;
    for (size_t i = 0, old = l->cap; i < old; i++) {
        uint64_t s = l->slots[i];
        if (mapped && i % step == step - 1) madvise(l->slots + i + 1 - step, GIVE_BACK, MADV_DONTNEED);
        if (!s) continue;
        size_t j = home((uint32_t)(s >> 32), cap), probe = 0;
        while (slots[j]) j = next_slot(j, cap), probe++;
        if (probe > max_probe) max_probe = probe;
        slots[j] = s;
    }
    index_free(l->slots, l->cap);
    l->slots = slots;
    l->cap = cap;
    l->max_probe = max_probe;
    return true;
}

uint32_t yb_ledger_prefetch(const yb_ledger *l, const void *key, uint32_t keylen)
{
    uint32_t tag = tag_of(l, key, keylen);
    __builtin_prefetch(&l->slots[home(tag, l->cap)]);
    return tag;
}

void yb_ledger_prefetch_row(const yb_ledger *l, uint32_t tag)
{
    for (size_t i = home(tag, l->cap), n = 0; l->slots[i] && n < 8; i = next_slot(i, l->cap), n++)
        if ((uint32_t)(l->slots[i] >> 32) == tag) {
            __builtin_prefetch(row_at(l, (uint32_t)l->slots[i]));
            return;
        }
}

/* The slot holding key (tag is its hash's), or where it would go. */
static size_t find(const yb_ledger *l, uint32_t tag, const void *key, uint32_t keylen, size_t *probe)
{
    size_t i = home(tag, l->cap);
    *probe = 0;
    for (uint64_t s; (s = l->slots[i]) != 0; i = next_slot(i, l->cap), ++*probe) {
        if ((uint32_t)(s >> 32) != tag) continue;
        const yb_ledger_entry *e = row_at(l, (uint32_t)s);
        if (e->keylen == keylen && memcmp(key_of(l, e), key, keylen) == 0) break;
    }
    return i;
}

void yb_ledger_share_keys(yb_ledger *l, const yb_ledger *donor)
{
    if (donor == l || l->donor) return;
    l->donor = donor->a;
    l->donor->refs++;
}

/* The donor's last row, when its key starts with key: a new row may keep
   the reference instead of the bytes.  A shared row is never a donor's
   (its bytes are elsewhere), so a reference is followed once at most. */
static bool share_place(const yb_ledger *l, const void *key, uint32_t keylen, uint32_t *place)
{
    const arena *d = l->donor;
    if (!d || !d->has_last || keylen <= 4) return false;
    const yb_ledger_entry *e = arena_row(d, d->last);
    if (e->wide & SHARED || e->keylen < keylen || memcmp(stored_at(d, e), key, keylen) != 0) return false;
    *place = d->last;
    return true;
}

static yb_ledger_entry *gave(yb_ledger *l, uint32_t place)
{
    l->a->last = place;
    l->a->has_last = true;
    return row_at(l, place);
}

yb_ledger_entry *yb_ledger_get(yb_ledger *l, const void *key, uint32_t keylen)
{
    return yb_ledger_get_tagged(l, key, keylen, tag_of(l, key, keylen));
}

yb_ledger_entry *yb_ledger_get_tagged(yb_ledger *l, const void *key, uint32_t keylen, uint32_t tag)
{
    if (keylen > YB_LEDGER_MAX_KEY) return NULL;
    size_t probe, i = find(l, tag, key, keylen, &probe);
    uint32_t wide_units = row_units(l, 8, keylen);
    if (l->slots[i]) {
        yb_ledger_entry *e = row_at(l, (uint32_t)l->slots[i]);
        /* the room yb_ledger_set may need to widen it */
        return e->wide & WIDE || room(l) >= wide_units || open_chunk(l, wide_units) ? gave(l, (uint32_t)l->slots[i]) : NULL;
    }
    uint32_t ref;
    bool shared = share_place(l, key, keylen, &ref);
    uint32_t units = row_units(l, 4, stored_key(shared, keylen));
    if (!ensure_room(l, units + wide_units)) return NULL;
    if ((l->count + 1) * 4 > 3 * l->cap) {
        if (!grow(l)) return NULL;
        i = find(l, tag, key, keylen, &probe);
    }
    if (probe > l->max_probe) l->max_probe = probe;
    uint32_t place = take(l, units);
    yb_ledger_entry *e = row_at(l, place);
    e->flags = 0;
    e->wide = shared ? SHARED : 0;
    e->keylen = (uint16_t)keylen;
    memset(e->data, 0, 4 * (size_t)l->nvalues);
    if (shared) memcpy(stored_at(l->a, e), &ref, 4);
    else memcpy(stored_at(l->a, e), key, keylen);
    l->slots[i] = (uint64_t)tag << 32 | place;
    l->count++;
    return gave(l, place);
}

void yb_ledger_values(const yb_ledger *l, const yb_ledger_entry *e, int64_t *out)
{
    if (e->wide & WIDE) {
        memcpy(out, e->data, 8 * (size_t)l->nvalues);
        return;
    }
    for (int f = 0; f < l->nvalues; f++) {
        int32_t v;
        memcpy(&v, e->data + 4 * (size_t)f, 4);
        out[f] = v;
    }
}

int64_t yb_ledger_value(const yb_ledger *l, const yb_ledger_entry *e, int f)
{
    (void)l;
    if (e->wide & WIDE) {
        int64_t v;
        memcpy(&v, e->data + 8 * (size_t)f, 8);
        return v;
    }
    int32_t v;
    memcpy(&v, e->data + 4 * (size_t)f, 4);
    return v;
}

/* e's row again with 8-byte values; the index points at the new one. */
static yb_ledger_entry *widen(yb_ledger *l, yb_ledger_entry *e)
{
    uint32_t stored = stored_key(e->wide & SHARED, e->keylen), units = row_units(l, 8, stored);
    if (!ensure_room(l, units)) return NULL;
    const unsigned char *key = key_of(l, e);
    size_t i = home(tag_of(l, key, e->keylen), l->cap);
    while (row_at(l, (uint32_t)l->slots[i]) != e) i = next_slot(i, l->cap);
    uint32_t place = take(l, units);
    yb_ledger_entry *w = row_at(l, place);
    *w = *e;
    w->wide = (uint8_t)(e->wide | WIDE);
    for (int f = 0; f < l->nvalues; f++) {
        int64_t v = yb_ledger_value(l, e, f);
        memcpy(w->data + 8 * (size_t)f, &v, 8); /* rows are 4-byte aligned only */
    }
    memcpy(stored_at(l->a, w), stored_at(l->a, e), stored); /* the key, or the reference to it */
    e->wide |= DEAD; /* its key bytes stay where they are: a sharing ledger may point at them */
    l->slots[i] = (l->slots[i] & ~(uint64_t)UINT32_MAX) | place;
    if (l->a->has_last && row_at(l, l->a->last) == e) l->a->last = place;
    return w;
}

yb_ledger_entry *yb_ledger_set(yb_ledger *l, yb_ledger_entry *e, const int64_t *in)
{
    if (!(e->wide & WIDE)) {
        uint64_t misfit = 0; /* checked before anything is written: a failed move leaves e as it was */
        for (int f = 0; f < l->nvalues; f++) misfit |= (uint64_t)(in[f] ^ (int32_t)in[f]);
        if (misfit && !(e = widen(l, e))) return NULL;
    }
    if (e->wide & WIDE) {
        memcpy(e->data, in, 8 * (size_t)l->nvalues);
        return e;
    }
    for (int f = 0; f < l->nvalues; f++) {
        int32_t v = (int32_t)in[f];
        memcpy(e->data + 4 * (size_t)f, &v, 4);
    }
    return e;
}

yb_ledger_entry *yb_ledger_set_value(yb_ledger *l, yb_ledger_entry *e, int f, int64_t v)
{
    if (!(e->wide & WIDE) && v != (int32_t)v && !(e = widen(l, e))) return NULL;
    if (e->wide & WIDE) {
        memcpy(e->data + 8 * (size_t)f, &v, 8);
    } else {
        int32_t n = (int32_t)v;
        memcpy(e->data + 4 * (size_t)f, &n, 4);
    }
    return e;
}

size_t yb_ledger_count(const yb_ledger *l) { return l->count; }

size_t yb_ledger_max_probe(const yb_ledger *l) { return l->max_probe; }

size_t yb_ledger_bytes(const yb_ledger *l) { return l->a->bytes + index_bytes(l->cap); }

/* *pos: a place (the chunk, then the unit within it). */
yb_ledger_entry *yb_ledger_next(const yb_ledger *ledger, size_t *pos)
{
    const arena *l = ledger->a;
    for (;;) {
        size_t c = *pos >> CHUNK_SHIFT, u = *pos & (CHUNK_UNITS - 1);
        if (c >= l->nchunks) return NULL;
        if (u >= l->chunks[c].used) {
            /* at the end of the last chunk the walk stays put: rows added
               later are appended there, and a walk that goes on from *pos
               (report_merge.c, after each claim) must meet them */
            if (c + 1 >= l->nchunks) return NULL;
            *pos = (c + 1) << CHUNK_SHIFT;
            continue;
        }
        yb_ledger_entry *e = (yb_ledger_entry *)(l->chunks[c].rows + (size_t)u * UNIT);
        *pos += units_of(ledger, e);
        if (!(e->wide & DEAD)) return e;
    }
}

yb_ledger_entry **yb_ledger_entries(const yb_ledger *l)
{
    yb_ledger_entry **out = malloc((l->count ? l->count : 1) * sizeof *out);
    if (!out) return NULL;
    size_t n = 0, pos = 0;
    for (yb_ledger_entry *e; (e = yb_ledger_next(l, &pos));) out[n++] = e;
    return out;
}

const unsigned char *yb_ledger_key(const yb_ledger *l, const yb_ledger_entry *e) { return key_of(l, e); }
