/* The VM: settles one claim at a time with a loaded, verified program.
 * A yb_vm holds everything that changes (registers, running totals, the
 * current claim's reasons and alerts), so many VMs and programs can live in
 * one process.  Settling a claim allocates nothing, except when a running
 * total meets a key it has not seen before. */
#ifndef YB_VM_H
#define YB_VM_H

#include <stdbool.h>
#include <stdint.h>

#include "claim.h"
#include "fpset.h"
#include "ledger.h"
#include "program.h"
#include "yb_limits.h"

#define YB_MAX_REASONS 256
#define YB_MAX_ALERTS 256

typedef enum { YB_RUN_SETTLED = 0, YB_RUN_RECORD_ERROR = 1 } yb_run_status;

typedef struct yb_run_error {
    char field[160];   /* the claim field at fault, or "" */
    char message[1024]; /* what was expected, what was found, and the policy line */
} yb_run_error;

/* One instruction as the interpreter runs it (decoded from yb_instr once). */
typedef struct yb_dinstr {
    const void *h;        /* the handler (computed-goto dispatch) */
    uint16_t a, b, c;
    uint8_t d, op;
    int32_t k;            /* b and c as one 32-bit operand: constant index or immediate */
    int32_t t;            /* a jump's target, relative to the jump */
} yb_dinstr;

/* A durable ledger behind the running totals (store/ledger_store.h): asked
 * for a key's totals the first time a claim meets it in this run.  Returns 1
 * with values[0..nfields) filled (the key is opened), 0 when it has no such
 * key, -1 on an error (message in err, the claim becomes a record error). */
typedef int (*yb_vm_load_fn)(void *ctx, int state, const unsigned char *key, uint32_t keylen, int64_t *values,
                             char *err, size_t errlen);

/* What a coverage run counts (io/coverage.c owns the arrays): handed to a VM
 * with yb_vm_count_into, NULL otherwise.  The parameter-reading instructions
 * test it (one predicted branch each: callgrind counts +0.04 % of a normal
 * run's instructions, bench/README.md) and count only when it is set. */
typedef struct yb_vm_counts {
    uint64_t *cells;  /* reads per epoch e and frame cell c, at e * frame_size + c */
    uint64_t **bands; /* per band set, per band: lookups that found it, tiered amounts that reached it */
} yb_vm_counts;

typedef struct yb_vm {
    const yb_program *p;
    int64_t *regs;
    yb_dinstr *dcode;
    bool unpaired;           /* set before the first claim: decode joins no pairs (tests) */
    int npaired;             /* instructions decode gave a joined handler (vm/pairs.def) */
    struct yb_loopk *loopk;  /* the LOOPK loops, decoded with the code (vm/loopk.h) */
    int64_t **dvals;         /* per derived value: one per element of the current claim's list */
    int32_t *dcap;
    const int64_t *frame;   /* parameter cells in force for this claim */
    const uint8_t *defined; /* which parameters are in force */
    yb_date frame_date;
    const yb_claim *claim;
    /* running totals */
    yb_ledger **ledgers;     /* one per state */
    yb_ledger_entry **entry; /* this claim's entry per state, or NULL */
    uint8_t *fresh;          /* the entry was opened by this claim */
    uint8_t *opened;
    int32_t *opened_list;
    int nopened;
    unsigned char keybuf[4096];
    /* What STPREF hashed, per state: its key registers' values in claim
       pref_claim[s] (pref_n[s] of them, at pref_vals + pref_at[s]) and the
       hash (the ledger's tag, or the record's fingerprint): STOPEN of the
       same values in the same claim hashes the key bytes no second time. */
    /* A state with fewer keys than this keeps its index in the cache: STPREF
       leaves it alone (no hashing for a hint; a report's few rows, say).
       1024; tests set 0 (every STPREF hashes, and STOPEN reuses its hash). */
    uint32_t prefetch_min_keys;
    uint32_t *pref_claim;
    /* States (the first 64) whose index slot STPREF fetched in this claim and
       whose row is still to be fetched: at the end of the next item loop the
       slot is in the cache, so the row is fetched then (yb_ledger_prefetch_row)
       and its miss overlaps the work up to STOPEN as the slot's did. */
    uint64_t pref_rows;
    uint64_t *pref_hash;
    uint8_t *pref_n;
    int32_t *pref_at;
    int64_t *pref_vals;
    yb_vm_load_fn load; /* NULL: totals start empty and last this run only */
    void *load_ctx;
    /* A state with no fields (`state seen per … { }`) only says whether its key
       was met before: it keeps a 64-bit fingerprint per key (fpset.h), not an
       entry: a fixed filter in memory, the fingerprints on disk. */
    yb_fpset **recsets;      /* per state: its fingerprints, or NULL (a state with fields, or a report) */
    uint64_t *recfp;         /* per state: this claim's fingerprint */
    uint64_t fpkey[2];       /* the fingerprints' key (random; a durable ledger's own) */
    uint32_t rec_tag;        /* kept with each new fingerprint (a durable ledger's batch) */
    yb_ledger_entry *noentry; /* what vm->entry names for such a state */
    /* this claim's outcome */
    bool held;
    int nreasons, nalerts;
    uint16_t reasons[YB_MAX_REASONS];
    uint16_t alerts[YB_MAX_ALERTS];
    /* alert k's text when its message has values (message.c): in atext's
       slot k, alen[k] bytes; atext is NULL when no message has values */
    char *atext;
    uint16_t alen[YB_MAX_ALERTS];
    uint32_t *fired; /* per block: the claim number that last ran it */
    yb_vm_counts *counts; /* coverage counts, or NULL (the normal run) */
    uint32_t claim_no;
    int64_t year_date, year; /* the last date DPART took the year of, and that year */
    yb_run_error err;
    /* --explain output, built only when asked */
    char *xbuf;
    size_t xlen, xcap;
} yb_vm;

yb_vm *yb_vm_new(const yb_program *p);
void yb_vm_free(yb_vm *vm);
/* Lets each state's ledger share key bytes with a state keyed by more (call
 * again after replacing vm->ledgers). */
void yb_vm_share_keys(yb_vm *vm);
/* Settle one claim.  On YB_RUN_RECORD_ERROR, vm->err says why and nothing
 * the claim did to the running totals is kept. */
yb_run_status yb_vm_run(yb_vm *vm, const yb_claim *claim);
/* The bytes of a text value of the current claim or the program's pool. */
void yb_vm_text(const yb_vm *vm, int64_t text, const char **p, uint32_t *n);
/* Count this VM's parameter reads into c from its next claim on (NULL: stop). */
void yb_vm_count_into(yb_vm *vm, yb_vm_counts *c);
/* Count the parameter read ip is about to make (vm/counts.c). */
void yb_vm_count(yb_vm *vm, const yb_dinstr *ip);
/* The band of a parameter keyed by ranges or text that holds x, or -1. */
int yb_vm_find_band(const yb_vm *vm, const yb_param *pp, const yb_band_set *bs, int64_t x);
/* Render this claim's explanation as a JSON array into vm->xbuf. */
void yb_vm_explain(yb_vm *vm);
/* The message of the claim's alert k (0 .. nalerts-1): its text as written,
 * or written with its values when it has some (valid until the next claim;
 * NUL-terminated). */
void yb_vm_alert_message(const yb_vm *vm, int k, const char **s, uint32_t *n);
/* Text with values from the VM's registers into buf (cap bytes with the
 * NUL; a longer text is cut at a whole character, ending in "…"); its length. */
size_t yb_vm_write_pieces(const yb_vm *vm, const yb_text_piece *pc, int n, char *buf, size_t cap);
/* message.c, for interp.c: the buffer of alert texts (false: out of memory);
 * alert k's text written from the registers now. */
bool yb_vm_messages_init(yb_vm *vm);
void yb_vm_alert_text(yb_vm *vm, int k);

/* Format one value for people ("24273.00", "87%", "2025-06-10", enum names). */
int yb_format_value(const yb_program *p, uint8_t kind, uint16_t enum_id, int64_t v, char *buf, size_t n);

#endif
