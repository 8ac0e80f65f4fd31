/* libyibao: settle medical-insurance claims with a compiled yibao policy,
 * inside a host program.  See docs/embedding.md and `man 3 yibao`.
 *
 *   yibao_env       the host's context: every handle lives in one env, and
 *                   the trusted signing keys are set on it.  No state outside it.
 *   yibao_policy    a loaded, verified policy (immutable; shared by batches)
 *   yibao_batch     one stream of claims settled in order with its running
 *                   totals, and the last settlement made
 *
 * Handles are small values with a generation count, not pointers: a freed,
 * never-made or wrong-kind handle is reported as YIBAO_E_HANDLE, never
 * followed.  Every call returns a yibao_status and, when `err` is not NULL,
 * fills it with the code and a message; no call aborts or crashes on misuse.
 *
 * Threads: every call is safe to make from any thread.  A policy may be
 * shared by batches in many threads; a batch settles one claim at a time (a
 * call on a batch another thread is inside of returns YIBAO_E_BUSY).  Strings
 * and settlements a call hands back stay valid until the next call on the
 * same batch (or until the policy is freed, for policy strings).
 * yibao_env_free must be the last call on an env, made by one thread.
 */
#ifndef YIBAO_H
#define YIBAO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define YIBAO_VERSION_MAJOR 0
#define YIBAO_VERSION_MINOR 3
#define YIBAO_VERSION_STRING "0.3.0"

typedef enum yibao_status {
    YIBAO_OK = 0,
    YIBAO_E_ARGUMENT = 1,  /* a NULL or out-of-range argument */
    YIBAO_E_HANDLE = 2,    /* not a live handle of this env: never made, freed, or of another kind */
    YIBAO_E_ORDER = 3,     /* out of order: reading a settlement before one was made, ... */
    YIBAO_E_BUSY = 4,      /* another thread is inside a call on this batch */
    YIBAO_E_IO = 5,        /* a file could not be read or written */
    YIBAO_E_POLICY = 6,    /* the policy does not compile, load or verify */
    YIBAO_E_SIGNATURE = 7, /* unsigned, wrongly signed, or signed by a key that is not trusted */
    YIBAO_E_RECORD = 8,    /* the claim is not valid for this policy (or a rule refused it) */
    YIBAO_E_SCHEMA = 9,    /* running totals or a claim made for a policy of another shape */
    YIBAO_E_NOMEM = 10,
    YIBAO_E_NATIVE = 11,    /* a native function of the policy cannot be bound (library, symbol) */
    YIBAO_E_DUPLICATE = 12, /* a ledger batch: the claim id was settled already (when, by which policy); not counted */
    YIBAO_E_LEDGER = 13     /* a ledger batch: the ledger failed or stayed locked; the claim was not settled */
} yibao_status;

typedef struct yibao_error {
    yibao_status code;
    long line;         /* YIBAO_E_RECORD: the line within the text given (1 for one claim) */
    char field[160];   /* YIBAO_E_RECORD: the claim field at fault ("member.enrolled_on"), or "" */
    char message[512]; /* what went wrong, as the yibao command says it */
} yibao_error;

typedef struct yibao_env yibao_env;
typedef struct yibao_policy { uint64_t id; } yibao_policy;
typedef struct yibao_batch { uint64_t id; } yibao_batch;

/* The text of a status code ("bad handle"); never NULL. */
const char *yibao_status_text(yibao_status s);

/* ---- the env ---- */
yibao_env *yibao_env_new(void); /* NULL when out of memory */
/* Frees every policy and batch still open in it. */
void yibao_env_free(yibao_env *env);
/* Trust a public key file (from `yibao keygen`), or every *.pub in a
 * directory.  Once any key is trusted, policies load only when signed by
 * one of them; source policies (.yb) are then refused. */
yibao_status yibao_env_trust_key(yibao_env *env, const char *path, yibao_error *err);
yibao_status yibao_env_trust_dir(yibao_env *env, const char *dir, yibao_error *err);

/* Native functions (`extern fn NAME(…) -> T from "LIB"`, spec.md section 4.19):
 * the shared object at `path` provides library `library` for every policy
 * loaded into this env afterwards (a later call for the same library
 * replaces the path).  A policy is bound when it loads: each library it names
 * is opened (dlopen), each function found (dlsym) and its libffi call
 * prepared; a library not given here, a file that cannot be opened or a
 * missing function fails the load with YIBAO_E_NATIVE, naming the library and
 * the function.  A .ybc names libraries, never paths: nothing else makes a
 * policy call native code.  Native functions must be thread-safe and pure
 * (the same result for the same arguments): a policy shared by batches in
 * many threads calls them from each.  How each kind crosses to C: docs/embedding.md. */
yibao_status yibao_env_native(yibao_env *env, const char *library, const char *path, yibao_error *err);

/* ---- signing (no env needed) ---- */
/* A new Ed25519 key pair: the secret key file (mode 0600) and the public one.
 * NAME (letters, digits, . - _) is the signer's name hosts see. */
yibao_status yibao_keygen(const char *name, const char *secret_path, const char *public_path, yibao_error *err);
/* Sign a .ybc with a secret key file: written to out_path, or in place when
 * NULL (a new file renamed over the old, so a watching server never reads half).
 * The policy must load and verify; an earlier signature is replaced. */
yibao_status yibao_sign_file(const char *policy, const char *key_path, const char *out_path, yibao_error *err);

/* ---- policies ---- */
/* A .ybc file (signed or not), or a .yb source compiled now.  Always verified. */
yibao_status yibao_policy_load_file(yibao_env *env, const char *path, yibao_policy *out, yibao_error *err);
/* The bytes of a .ybc file (signed or not).  The bytes are copied. */
yibao_status yibao_policy_load_mem(yibao_env *env, const void *data, size_t len, yibao_policy *out, yibao_error *err);
/* The handle dies now; the policy itself lives until its last batch closes. */
yibao_status yibao_policy_free(yibao_env *env, yibao_policy p);

typedef struct yibao_policy_info {
    const char *name, *version;
    const char *hash;   /* SHA-256 of the .ybc image (without signature), 64 hex digits */
    const char *signer; /* the trusted key's name that verified it, or "" when unsigned */
    int64_t loaded_at;  /* seconds since 1970 (UTC) */
    int noutputs;       /* settlement fields */
} yibao_policy_info;
yibao_status yibao_policy_get_info(yibao_env *env, yibao_policy p, yibao_policy_info *out, yibao_error *err);

/* ---- batches ---- */
enum {
    YIBAO_BATCH_EXPLAIN = 1, /* explanations computed; the settlement JSON carries "explain" */
    YIBAO_BATCH_STAMP = 2,   /* the settlement JSON names the policy: "policy":{"name","version","hash","signer"} */
    YIBAO_BATCH_MIGRATE = 4  /* yibao_batch_open_ledger: the ledger takes the policy's state declarations */
};
yibao_status yibao_batch_open(yibao_env *env, yibao_policy p, unsigned flags, yibao_batch *out, yibao_error *err);
/* A batch whose running totals live in a durable ledger (`yibao run
 * --ledger`): an SQLite file (created when absent) or "postgresql://...".
 * The policy's state declarations are checked at open: a difference is
 * YIBAO_E_SCHEMA with the differences, unless YIBAO_BATCH_MIGRATE.  Each
 * claim settled on it is one transaction of the ledger, committed before the
 * call returns: its members' totals read from the ledger (never from an
 * earlier call's memory, so a monthly batch writing the same ledger between
 * two calls is seen), its changes, its claim id and its duplicate-check
 * records.  A claim id the ledger settled already is YIBAO_E_DUPLICATE
 * ("claim X: already settled on DATE, by policy NAME VERSION (batch N)") and
 * changes nothing; a ledger that fails, or stays locked by another writer for
 * more than 10 s (SQLite's busy timeout), is YIBAO_E_LEDGER and the claim is
 * not settled.  yibao_totals_export/import refuse such a batch (YIBAO_E_ARGUMENT):
 * the ledger is its totals (`yibao ledger export` reads them). */
yibao_status yibao_batch_open_ledger(yibao_env *env, yibao_policy p, unsigned flags, const char *ledger,
                                     yibao_batch *out, yibao_error *err);
yibao_status yibao_batch_close(yibao_env *env, yibao_batch b);

/* Settle one claim, a JSON object on one line (claim-schema.md); a trailing
 * newline is allowed.  YIBAO_E_RECORD: the claim was not settled and the
 * running totals are unchanged (err says why, as `yibao run` does). */
yibao_status yibao_settle_json(yibao_env *env, yibao_batch b, const char *json, size_t len, yibao_error *err);

/* ---- a claim given field by field ----
 * Instead of a JSON line, set the claim's fields one by one, then settle it.
 * Paths name the policy's input fields as in error messages: "scheme",
 * "member.birth_date", "items[2].amount"; an element of a list is added
 * first with yibao_claim_append (index 0, 1, ...).  A path or kind that does
 * not fit the policy's input is refused at once (YIBAO_E_ARGUMENT, err says
 * which segment); a field set twice keeps the last value.  At settle time the
 * claim is checked exactly as the same claim given as JSON (required fields,
 * ranges, enum members, defaults: YIBAO_E_RECORD with the field's path), and
 * the fields set are cleared, settled or not.
 *   yibao_claim_set       money (fen), date (days since 1970-01-01), int,
 *                         bool (0/1), enum (member index)
 *   yibao_claim_set_text  text; an enum by member name or text code; money
 *                         ("8000.00") and dates ("2025-06-10") in their JSON text */
yibao_status yibao_claim_set(yibao_env *env, yibao_batch b, const char *path, int64_t value, yibao_error *err);
yibao_status yibao_claim_set_text(yibao_env *env, yibao_batch b, const char *path, const char *text, size_t len,
                                  yibao_error *err);
/* Adds an element to a top-level list ("items"); *index (may be NULL) gets its index. */
yibao_status yibao_claim_append(yibao_env *env, yibao_batch b, const char *list, int *index, yibao_error *err);
/* Settles the claim set so far (YIBAO_E_ORDER when nothing was set). */
yibao_status yibao_settle_claim(yibao_env *env, yibao_batch b, yibao_error *err);
/* Drops the fields set so far. */
yibao_status yibao_claim_clear(yibao_env *env, yibao_batch b, yibao_error *err);
/* The claim set so far as the JSON line it is settled as (valid until the next call on the batch). */
yibao_status yibao_claim_json(yibao_env *env, yibao_batch b, const char **json, size_t *len, yibao_error *err);

/* ---- the last settlement of a batch ---- */
/* The settlement as one JSON line (with its newline), exactly as `yibao run` writes it. */
yibao_status yibao_settlement_json(yibao_env *env, yibao_batch b, const char **json, size_t *len, yibao_error *err);

typedef enum yibao_kind {
    YIBAO_MONEY = 1, /* value: fen (1 yuan = 100 fen) */
    YIBAO_RATE,      /* value: parts per million (85% = 850000) */
    YIBAO_DATE,      /* value: days since 1970-01-01 */
    YIBAO_INT,
    YIBAO_BOOL,      /* value: 0 or 1 */
    YIBAO_TEXT,      /* text, text_len */
    YIBAO_ENUM,      /* value: member index; text: member name */
    YIBAO_STATUS,    /* text: "settled" or "held" */
    YIBAO_REASONS,   /* value: how many (yibao_settlement_reason) */
    YIBAO_ALERTS,    /* value: how many (yibao_settlement_alert) */
    YIBAO_DURATION   /* value: months << 32 | days */
} yibao_kind;

typedef struct yibao_field {
    const char *name;
    yibao_kind kind;
    int64_t value;
    const char *text; /* TEXT, ENUM, STATUS; else NULL */
    size_t text_len;
    char display[64]; /* the value as people read it: "24273.00", "85%", "2025-06-10" */
} yibao_field;

yibao_status yibao_settlement_field_count(yibao_env *env, yibao_batch b, int *n, yibao_error *err);
yibao_status yibao_settlement_field(yibao_env *env, yibao_batch b, int i, yibao_field *out, yibao_error *err);
yibao_status yibao_settlement_field_by_name(yibao_env *env, yibao_batch b, const char *name, yibao_field *out,
                                            yibao_error *err);
/* held: 1 when the claim is held for review, 0 when settled. */
yibao_status yibao_settlement_held(yibao_env *env, yibao_batch b, int *held, yibao_error *err);
yibao_status yibao_settlement_reason_count(yibao_env *env, yibao_batch b, int *n, yibao_error *err);
yibao_status yibao_settlement_reason(yibao_env *env, yibao_batch b, int i, const char **text, yibao_error *err);

/* An alert of the settlement.  message is NUL-terminated, with the claim's
 * values written into it when the policy's message has `{value}`s (spec.md
 * 5.1; at most 1024 bytes); it is valid until the batch settles its next
 * claim (copy it to keep it). */
typedef struct yibao_alert {
    const char *rule;
    int blocking; /* 1: block, 0: warn */
    const char *message;
} yibao_alert;
yibao_status yibao_settlement_alert_count(yibao_env *env, yibao_batch b, int *n, yibao_error *err);
yibao_status yibao_settlement_alert(yibao_env *env, yibao_batch b, int i, yibao_alert *out, yibao_error *err);
/* The rules that fired and the values they worked out, as a JSON array
 * (the "explain" value of `yibao run --explain`).  Works with or without
 * YIBAO_BATCH_EXPLAIN. */
yibao_status yibao_settlement_explain(yibao_env *env, yibao_batch b, const char **json, size_t *len, yibao_error *err);

/* ---- running totals ---- */
/* Every running total of the batch as bytes (free them with yibao_free).
 * Import replaces the batch's totals with exported ones; the states are
 * matched by name, and totals for a state or field the policy does not have
 * are refused (YIBAO_E_SCHEMA), so a newer policy version can take over. */
yibao_status yibao_totals_export(yibao_env *env, yibao_batch b, void **data, size_t *len, yibao_error *err);
yibao_status yibao_totals_import(yibao_env *env, yibao_batch b, const void *data, size_t len, yibao_error *err);
void yibao_free(void *p);

#ifdef __cplusplus
}
#endif
#endif
