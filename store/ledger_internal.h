/* Inside the durable ledger: the store's state, shared by its files. */
#ifndef YB_LEDGER_INTERNAL_H
#define YB_LEDGER_INTERNAL_H

#include "fpset.h"
#include "ledger_store.h"
#include "store_backend.h"

#define YB_LEDGER_FORMAT "yibao-ledger 3"

typedef struct yb_store yb_store;

/* The buckets of one state a batch has read (ledger_entries.c). */
typedef struct yb_bkt_cache {
    int64_t nb;            /* the state's buckets on disk (a power of two, or 0) */
    unsigned char **blob;  /* per bucket: its bytes once read (NULL: absent or not read) */
    uint32_t *len;
    uint32_t *count;       /* per bucket rewritten: its entries */
    uint8_t *loaded;       /* per bucket: read (or known absent), or rewritten by this commit */
    uint8_t *changed;      /* per bucket: to be written at commit */
    struct yb_bkt_idx **index; /* per bucket: its lookup index (yb_bkt_index), made on the first lookup */
    int64_t fetched;       /* buckets read one by one */
    bool all;              /* every bucket read */
} yb_bkt_cache;

/* One fingerprint index of the ledger (ledger_fps.c): the claim ids
   (state 0) or the records of a state without fields. */
typedef struct yb_fp_index {
    yb_store *st;
    int64_t state;
    char name[64];       /* for messages: "claim id" or the state's name */
    yb_fpset *set;       /* the batch's fingerprints, and the filter of all */
    int64_t *runs, *sizes; /* the ledger's runs, oldest first */
    int nruns, cap;
    bool has_header, filter_bad, rebuilt;
    bool header_old;      /* a header of before the checkpoints (every run): the next commit writes one */
    int64_t filter_count; /* fingerprints the stored filter covers */
    int64_t ckpt_run;     /* the last run the stored filter (a checkpoint) includes */
    int64_t loaded;       /* fingerprints added to the filter from runs as the batch began */
    /* the stored filter's pages as read (ledger_fps.c: read lazily by the set) */
    unsigned char *pages;
    size_t pages_len, pages_cap;
    uint32_t *page_off, *page_len; /* YB_FILTER_PAGES each; a length of 0: no row (all zeros) */
} yb_fp_index;

/* A claim id read ahead (yb_store_ahead) and its fingerprint: its admission
   finds it here by its bytes, not hashed again. */
typedef struct yb_ahead_memo {
    uint64_t fp;
    uint32_t len; /* 0: empty (an empty id is hashed at admission) */
    char id[60];
} yb_ahead_memo;

struct yb_store {
    yb_backend *b;
    char where[256];
    uint64_t fpkey[2]; /* this ledger's fingerprint key (yb_meta) */
    bool format_ok, fpkey_ok;
    int format_old;    /* 1 or 2: a ledger of an older format (upgraded by a run) */
    /* the batch */
    bool in_batch, broken;
    bool migrated; /* the batch changed the ledger's state declarations */
    yb_vm *vm;
    const yb_program *p;
    int64_t policy_id, batch_id;
    int64_t *state_ids;   /* per state of the policy: its id in the ledger, 0 for a report */
    int64_t *on_disk;     /* per state: its entries in the ledger when the batch began */
    uint8_t *complete;    /* per state: every entry of the ledger is in memory: nothing to ask */
    int64_t *added;       /* per state: entries this batch added (at commit) */
    yb_bkt_cache *bc;     /* per state: its buckets read in this batch */
    int32_t claim_slot;
    int64_t ckpt_fps;     /* a filter is written again once its runs after the checkpoint hold more */
    yb_fp_index *fpi;     /* the claim ids, then each state without fields */
    int nfpi;
    yb_fpset *claims;     /* fpi[0].set: claim id fingerprint -> the batch that settled it */
    yb_ahead_memo ahead[2]; /* the claims read ahead: the next one, and the one after it */
    int ahead_next;
    bool admitted;        /* yb_store_admit let a claim through: its fingerprint */
    uint64_t admitted_fp;
    long nsettled;
    int64_t msg_batch;    /* the batch msg_text describes */
    /* a service's batches (yb_store_next): the filters kept from one to the next */
    bool session;         /* batches begun by yb_store_next: a commit keeps the indexes */
    bool kept;            /* the indexes of the last batch, committed, are in memory */
    int64_t kept_batch;   /* and that batch's id: another writer's batch after it makes them stale */
    char msg_text[300];
};

int64_t yb_cell_int(const yb_cell *c);
yb_cell yb_cell_i(int64_t v);
yb_cell yb_cell_t(const char *s);
yb_cell yb_cell_b(const void *p, size_t n);
bool yb_store_query_int(yb_store *st, const char *sql, const yb_cell *params, int n, int64_t *out, char *err,
                        size_t errlen);

/* ledger_policy.c: the policy's row (found by hash, or added). */
bool yb_store_policy(yb_store *st, const yb_program *p, int64_t *id, char *err, size_t errlen);
/* The policy's states against the ledger's: fills st->state_ids, st->on_disk and st->complete;
   refuses a difference unless migrate (then the ledger takes the policy's declarations). */
bool yb_store_check_states(yb_store *st, const yb_program *p, bool migrate, char *err, size_t errlen);
/* A state's declaration as the ledger keeps it: "keys text int; fields a:int b:money". */
char *yb_ledger_decl_of(const yb_program *p, int s);

/* ledger_migrate.c: state s of the policy takes ledger state id (0: a new
   state, added) with declaration old; *out its id. */
bool yb_store_migrate_state(yb_store *st, const yb_program *p, int s, int64_t id, const char *old, const char *decl,
                            int64_t *out, char *err, size_t errlen);
bool yb_store_retire_state(yb_store *st, int64_t id, const char *decl, char *err, size_t errlen);
bool yb_state_retired(const char *decl);

/* ledger_buckets.c: a state's entries packed into buckets (format 3). */
/* Entries a bucket holds on average before the state's bucket count grows
   twofold.  A batch rewrites whole buckets and SQLite's cost is mostly per
   row: 128 rather than 32 makes a batch touching most members write a quarter
   of the rows (9 % fewer instructions); a one-claim batch rewrites a few
   buckets of 4-16 KiB. */
enum { YB_BKT_MAX = 128 };
typedef struct yb_bkt_entry {
    const unsigned char *key, *vals;
    uint32_t keylen, valslen;
    int64_t opened, changed, batch;
} yb_bkt_entry;
typedef struct yb_bkt_item {
    int64_t bucket;
    yb_bkt_entry e;
} yb_bkt_item;
typedef struct yb_bkt_buf {
    unsigned char *p;
    size_t n, cap;
    int64_t count;
} yb_bkt_buf;
/* The bucket count a state of nb buckets needs for entries (nb, or doubled until they fit). */
int64_t yb_bkt_count_for(int64_t nb, int64_t entries);
int64_t yb_bkt_of(const uint64_t key[2], const void *k, size_t n, int64_t nb);
/* The entry at *pos of a blob: 1 (and *pos past it), 0 at the end, -1 damaged. */
int yb_bkt_next(const unsigned char *blob, size_t n, size_t *pos, yb_bkt_entry *e);
int yb_bkt_key_cmp(const yb_bkt_entry *a, const yb_bkt_entry *b);
/* A blob's entries for lookups (yb_bkt_index, one malloc): where each starts,
   and each key's 8 bytes after the prefix all the keys share (skip bytes),
   big-endian, zero-padded: in the keys' order, so a binary search compares
   integers and reads a key only on a tie. */
typedef struct yb_bkt_idx {
    uint32_t n, skip, first; /* entries; the shared prefix's length; where the first entry starts */
    uint32_t *off;
    uint64_t *word;
} yb_bkt_idx;
/* NULL when out of memory, or damaged (*bad). */
yb_bkt_idx *yb_bkt_index(const unsigned char *blob, size_t n, bool *bad);
/* The entry of key in a blob (its keys in order) through its index: 1 found, 0 absent, -1 damaged. */
int yb_bkt_find(const unsigned char *blob, size_t n, const yb_bkt_idx *x, const void *key, uint32_t keylen,
                yb_bkt_entry *e);
/* A key's 8 bytes from skip on, big-endian, zeros past its end: keys sharing
   their first skip bytes are in the order of these words (ties aside). */
uint64_t yb_bkt_word(const unsigned char *key, uint32_t n, uint32_t skip);
/* How many first bytes two keys share. */
uint32_t yb_bkt_common(const unsigned char *a, uint32_t na, const unsigned char *b, uint32_t nb);
bool yb_bkt_buf_add(yb_bkt_buf *b, const yb_bkt_entry *e);
/* Every entry of items into nb buckets of state (sorted here; the state's old buckets deleted by the caller). */
bool yb_bkt_write_all(yb_store *st, int64_t state, yb_bkt_item *items, size_t n, int64_t nb, char *err, size_t errlen);
/* Every entry of the ledger as a row (state, key, vals, opened_by, changed_by,
   batch), by state; with sorted, in key order within a state (a state's
   entries held in memory); with a prefix, only keys that start with it.
   *bad: a bucket was damaged (its entries after the damage left out). */
bool yb_bkt_each(yb_store *st, bool sorted, const void *prefix, size_t prefix_len, yb_row_fn fn, void *ctx,
                 bool *bad, char *err, size_t errlen);
/* A ledger of format 2 (one row per entry) to format 3, in one transaction. */
bool yb_bkt_upgrade_v2(yb_store *st, char *err, size_t errlen);

/* ledger_entries.c: the batch's entries: read by bucket on first touch, written back by bucket. */
int yb_entries_load(void *ctx, int s, const unsigned char *key, uint32_t keylen, int64_t *values, char *err,
                    size_t errlen);
bool yb_entries_write(yb_store *st, char *err, size_t errlen);
/* Forgets the buckets read (a new batch); false when out of memory. */
bool yb_entries_reset(yb_store *st);
void yb_entries_free(yb_store *st);

/* ledger_fps.c: the fingerprint indexes of a batch (claim ids, records). */
bool yb_fps_begin(yb_store *st, yb_vm *vm, char *err, size_t errlen);
bool yb_fps_commit(yb_store *st, char *err, size_t errlen);
/* After a commit, for the next batch of a session: each index forgets the
   batch's own fingerprints (in the ledger now) and rereads its run list; the filters stay. */
bool yb_fps_resume(yb_store *st, char *err, size_t errlen);
void yb_fps_end(yb_store *st);
/* Whether a filter was rebuilt in this batch (kept even by a batch that settles nothing). */
bool yb_fps_rebuilt(const yb_store *st);
bool yb_fps_rebuild_all(yb_store *st, char *err, size_t errlen);
uint64_t yb_fps_checksum(const void *p, size_t n);
/* A stored filter page (4 KiB, or the gaps between its set bits) into page; false when damaged. */
bool yb_fps_page_decode(const unsigned char *in, size_t n, unsigned char *page);
/* A ledger of format 1 (fingerprints per batch, no filter) to format 2, in one transaction. */
bool yb_fps_upgrade_v1(yb_store *st, char *err, size_t errlen);

#endif
