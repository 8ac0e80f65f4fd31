/* Private to api/: the env's handle table and the objects behind handles. */
#ifndef YB_API_INTERNAL_H
#define YB_API_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

#include "claim_reader.h"
#include "native.h"
#include "settlement_writer.h"
#include "vm.h"
#include "yibao.h"

enum { API_POLICY = 1, API_BATCH = 2 };

/* A loaded policy: immutable once made, freed when its handle and every batch using it are gone. */
typedef struct api_policy {
    yb_program *prog;
    char hash[65];
    char signer[128];
    int64_t loaded_at;
    yb_stamp *stamp; /* what --stamp writes: {"name":…,"version":…,"hash":…,"signer":…} (one block) */
    int refs; /* the live handle + open batches (under the env's lock) */
} api_policy;

/* A claim given field by field (api/claim_fields.c): values per schema
 * field at the top level, and per element of each list. */
#define YB_API_MAX_ELEMENTS 100000 /* elements of one list, as the readers allow */
typedef struct api_val api_val;
typedef struct api_builder {
    api_val *top;    /* [schema.nfields] */
    api_val **elems; /* [schema.nlists]: count[l] x schema.nfields values */
    int32_t *count;  /* elements appended, per list */
    size_t *cap;     /* values room, per list */
    char *text;      /* the texts set */
    size_t tlen, tcap;
    char *json; /* the claim written out at settle time */
    size_t jlen, jcap;
    bool any; /* something was set since the last settle */
} api_builder;

typedef struct api_batch {
    api_policy *pol;
    unsigned flags;
    yb_vm *vm;
    yb_claim *claim;
    yb_reader *reader;
    /* the settlement JSON: the writer writes to a memory stream */
    FILE *mem;
    char *membuf;
    size_t memsize;
    yb_writer *w;
    char *json; /* the last settlement line (stamped when asked) */
    size_t json_len, json_cap;
    bool have; /* a settlement is ready to read */
    bool explained;
    const char *reasons[YB_MAX_REASONS];
    api_builder cb; /* the claim being set field by field */
    struct yb_store *store; /* a ledger batch (api/ledger_batch.c), or NULL: totals in memory */
} api_batch;

/* Settle one JSON line on a batch the caller has entered (api/batch.c). */
yibao_status api_settle_line(api_batch *b, const char *json, size_t len, yibao_error *err);

/* A ledger batch (api/ledger_batch.c): the claim read into b->claim is
 * admitted (its transaction begun, its id checked), then, settled or not,
 * finished (committed when settled, else rolled back; the VM's totals forgotten). */
yibao_status api_ledger_admit(api_batch *b, yibao_error *err);
yibao_status api_ledger_finish(api_batch *b, bool settled, yibao_error *err);
void api_ledger_close(api_batch *b);
/* YIBAO_E_ARGUMENT when b keeps its totals in a ledger (export/import refused). */
yibao_status api_ledger_refuse_totals(const api_batch *b, const char *call, yibao_error *err);

/* The field-by-field claim (api/claim_fields.c); s is the batch policy's schema. */
yibao_status api_builder_set(api_builder *cb, const yb_schema *s, const char *path, int64_t v, yibao_error *err);
yibao_status api_builder_set_text(api_builder *cb, const yb_schema *s, const char *path, const char *t, size_t n,
                                  yibao_error *err);
yibao_status api_builder_append(api_builder *cb, const yb_schema *s, const char *list, int *index, yibao_error *err);
/* The claim as one JSON line (valid until the next call); false when out of memory. */
bool api_builder_json(api_builder *cb, const yb_schema *s, const char **json, size_t *len);
void api_builder_clear(api_builder *cb, const yb_schema *s);
void api_builder_free(api_builder *cb, const yb_schema *s);

typedef struct api_slot {
    uint32_t gen;
    uint8_t kind; /* 0 free */
    uint8_t busy; /* a batch: a thread is inside a call on it */
    void *obj;
} api_slot;

typedef struct api_key {
    unsigned char pk[32];
    char name[128];
} api_key;

struct yibao_env {
    pthread_mutex_t mu;
    api_slot *slots;
    uint32_t nslots, cap;
    api_key *keys;
    int nkeys;
    yb_native_libs natives; /* yibao_env_native: library name -> shared object */
};

/* Set err (may be NULL) and return code. */
yibao_status api_fail(yibao_error *err, yibao_status code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
yibao_status api_ok(yibao_error *err);

/* The handle table (api/handles.c). */
uint64_t api_put(yibao_env *env, int kind, void *obj); /* 0 when out of memory; call under the lock */
/* The object behind a live handle of this kind, or NULL (call under the lock). */
api_slot *api_get(yibao_env *env, uint64_t id, int kind);
void api_drop(api_slot *s);
/* A batch for one call: marked busy until api_batch_leave. */
yibao_status api_batch_enter(yibao_env *env, yibao_batch b, api_batch **out, yibao_error *err);
void api_batch_leave(yibao_env *env, yibao_batch b);
void api_policy_unref(api_policy *p); /* under the lock */

/* Signatures (api/signature.c). */
#define API_SIG_MAGIC "YBSIG1\0\0"
#define API_SIG_TRAILER (8 + 32 + 64)
/* The length of the .ybc image at the start of data, or 0 when it is not one. */
size_t api_ybc_image_len(const unsigned char *data, size_t len);
/* Check the bytes after the image against the env's trusted keys; signer filled. */
yibao_status api_check_signature(yibao_env *env, const unsigned char *data, size_t len, size_t image_len,
                                 char *signer, size_t signer_len, yibao_error *err);
void api_sha256_hex(const unsigned char *data, size_t len, char hex[65]);

/* Policies (api/policy.c): the checked policy behind bytes (signature, .ybc
 * reader, verifier, and its native functions bound to `natives` unless that
 * is NULL), not yet given a handle; err's message names no file. */
api_policy *api_policy_from_bytes(yibao_env *env, const unsigned char *data, size_t len, const yb_native_libs *natives,
                                  yibao_error *err);
/* A source policy compiled to .ybc bytes (the diagnostics are the message). */
yibao_status api_compile_source(const char *path, unsigned char **image, size_t *len, yibao_error *err);
/* The stamp of a policy (api/stamp.c), one block to free(); NULL when out of memory. */
yb_stamp *api_stamp_new(const char *name, const char *version, const char *hash, const char *signer);

#endif
