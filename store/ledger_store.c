/* The durable ledger over either database (store_backend.h): what a batch
 * checks at its start, what it asks while it runs, what it writes at its end.
 *
 * Tables (ledger_schema.c): yb_meta (format, fingerprint key), yb_policy (each
 * policy that ran a batch: name, version, hash), yb_state (each state's
 * declaration), yb_batch (each batch: when, which policy, how many claims),
 * yb_bucket (each state's entries, packed by hash bucket, ledger_buckets.c:
 * per key its values, the policy that opened it and the one that last
 * changed it, and that batch); the fingerprints of the claim
 * ids settled and of the records of states without fields: yb_fps, yb_run,
 * yb_filter (ledger_fps.c). */
#include "ledger_store.h"
#include "ledger_internal.h"
#include "siphash.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---------------------------------------------------------------- small queries */

static bool one_int_row(void *ctx, const yb_cell *cols, int ncols)
{
    int64_t *out = ctx;
    if (ncols > 0 && cols[0].kind == YB_CELL_TEXT) *out = yb_cell_int(&cols[0]);
    return true;
}

bool yb_store_query_int(yb_store *st, const char *sql, const yb_cell *params, int n, int64_t *out, char *err,
                        size_t errlen)
{
    *out = 0;
    return st->b->ops->exec(st->b, sql, params, n, one_int_row, out, err, errlen);
}

int64_t yb_cell_int(const yb_cell *c)
{
    if (c->kind == YB_CELL_INT) return c->i;
    if (c->kind != YB_CELL_TEXT) return 0;
    char buf[32];
    size_t n = c->n < sizeof buf - 1 ? c->n : sizeof buf - 1;
    memcpy(buf, c->p, n);
    buf[n] = 0;
    return strtoll(buf, NULL, 10);
}

yb_cell yb_cell_i(int64_t v) { return (yb_cell){YB_CELL_INT, v, NULL, 0}; }
yb_cell yb_cell_t(const char *s) { return (yb_cell){YB_CELL_TEXT, 0, s, strlen(s)}; }
yb_cell yb_cell_b(const void *p, size_t n) { return (yb_cell){YB_CELL_BLOB, 0, p, n}; }

void yb_store_pack(const int64_t *vals, int n, unsigned char *out)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (n > 0) memcpy(out, vals, (size_t)n * 8); /* the stored order is the machine's: a copy */
#else
    for (int i = 0; i < n; i++)
        for (int b = 0; b < 8; b++) out[i * 8 + b] = (unsigned char)((uint64_t)vals[i] >> (8 * b));
#endif
}

void yb_store_unpack(const unsigned char *in, int n, int64_t *vals)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (n > 0) memcpy(vals, in, (size_t)n * 8);
#else
    for (int i = 0; i < n; i++) {
        uint64_t v = 0;
        for (int b = 0; b < 8; b++) v |= (uint64_t)in[i * 8 + b] << (8 * b);
        vals[i] = (int64_t)v;
    }
#endif
}

static void hex64(uint64_t v, char out[17]) { snprintf(out, 17, "%016" PRIx64, v); }

/* ---------------------------------------------------------------- open */

bool yb_store_on_server(const char *where)
{
    return strncmp(where, "postgresql://", 13) == 0 || strncmp(where, "postgres://", 11) == 0 ||
           strstr(where, "dbname=") != NULL || strncmp(where, "host=", 5) == 0;
}

static bool read_meta_row(void *ctx, const yb_cell *cols, int ncols)
{
    yb_store *st = ctx;
    if (ncols < 2 || cols[0].kind != YB_CELL_TEXT || cols[1].kind != YB_CELL_TEXT) return true;
    char v[80];
    size_t n = cols[1].n < sizeof v - 1 ? cols[1].n : sizeof v - 1;
    memcpy(v, cols[1].p, n);
    v[n] = 0;
    if (cols[0].n == 6 && memcmp(cols[0].p, "format", 6) == 0) {
        st->format_ok = strcmp(v, YB_LEDGER_FORMAT) == 0;
        st->format_old = strcmp(v, "yibao-ledger 1") == 0 ? 1 : strcmp(v, "yibao-ledger 2") == 0 ? 2 : 0;
    }
    if (cols[0].n == 6 && memcmp(cols[0].p, "fp_key", 6) == 0 && strlen(v) == 32) {
        char a[17], b[17];
        memcpy(a, v, 16);
        memcpy(b, v + 16, 16);
        a[16] = b[16] = 0;
        st->fpkey[0] = strtoull(a, NULL, 16);
        st->fpkey[1] = strtoull(b, NULL, 16);
        st->fpkey_ok = true;
    }
    return true;
}

/* A new ledger: the tables, the format, and a fingerprint key of its own. */
static bool create_ledger(yb_store *st, char *err, size_t errlen)
{
    yb_backend *b = st->b;
    uint64_t key[2];
    yb_siphash_random_key(key);
    char hex[33], h0[17], h1[17];
    hex64(key[0], h0);
    hex64(key[1], h1);
    snprintf(hex, sizeof hex, "%s%s", h0, h1);
    yb_cell kv[2] = {yb_cell_t("fp_key"), yb_cell_t(hex)};
    yb_cell fv[2] = {yb_cell_t("format"), yb_cell_t(YB_LEDGER_FORMAT)};
    static const char ins[] = "INSERT INTO yb_meta(k, v) VALUES ($1, $2)";
    if (!b->ops->exec(b, "BEGIN", NULL, 0, NULL, NULL, err, errlen)) return false;
    if (b->ops->exec(b, b->ops->create_sql, NULL, 0, NULL, NULL, err, errlen) &&
        b->ops->exec(b, ins, fv, 2, NULL, NULL, err, errlen) && b->ops->exec(b, ins, kv, 2, NULL, NULL, err, errlen) &&
        b->ops->exec(b, "COMMIT", NULL, 0, NULL, NULL, err, errlen))
        return true;
    b->ops->exec(b, "ROLLBACK", NULL, 0, NULL, NULL, NULL, 0);
    return false;
}

yb_store *yb_store_open(const char *where, bool create, char *err, size_t errlen)
{
    return yb_store_open_as(where, create, NULL, err, errlen);
}

yb_store *yb_store_open_as(const char *where, bool create, bool *needs_create, char *err, size_t errlen)
{
    char msg[400] = "";
    if (!create && !yb_store_on_server(where) && access(where, F_OK) != 0) {
        snprintf(err, errlen, "%s: no such ledger", where);
        return NULL;
    }
    yb_backend *b = yb_store_on_server(where) ? yb_pg_open(where, msg, sizeof msg) : yb_sqlite_open(where, msg, sizeof msg);
    yb_store *st = b ? calloc(1, sizeof *st) : NULL;
    if (!st) {
        snprintf(err, errlen, "%s: %s", where, b ? "out of memory" : msg);
        if (b) b->ops->close(b);
        return NULL;
    }
    st->b = b;
    snprintf(st->where, sizeof st->where, "%s", where);
    bool ours = false, empty = false;
    bool ok = b->ops->has_ledger(b, &ours, &empty, msg, sizeof msg);
    if (ok && !ours && !empty) {
        snprintf(msg, sizeof msg, "not a yibao ledger (it holds tables of something else); left as it is");
        ok = false;
    }
    if (ok && empty && !create) {
        snprintf(msg, sizeof msg, "an empty database, not a ledger yet");
        ok = false;
        if (needs_create) *needs_create = true;
    }
    if (ok && empty) ok = create_ledger(st, msg, sizeof msg);
    if (ok) ok = b->ops->exec(b, "SELECT k, v FROM yb_meta", NULL, 0, read_meta_row, st, msg, sizeof msg);
    if (ok && st->format_old == 1 && st->fpkey_ok && create) { /* a run upgrades it; the tools only read */
        ok = yb_fps_upgrade_v1(st, msg, sizeof msg);
        if (ok) fprintf(stderr, "yibao: note: %s: upgraded from format 1 to format 2 (the duplicate index on disk)\n", where);
        if (ok) st->format_old = 2;
    }
    if (ok && st->format_old == 2 && st->fpkey_ok && create) {
        ok = yb_bkt_upgrade_v2(st, msg, sizeof msg);
        if (ok) fprintf(stderr, "yibao: note: %s: upgraded from format 2 to format 3 (the entries by bucket)\n", where);
        st->format_ok = ok;
        if (ok) st->format_old = 0;
    }
    if (ok && st->format_old && !st->format_ok && needs_create) *needs_create = !create;
    if (ok && st->format_old && !st->format_ok) {
        snprintf(msg, sizeof msg, "a ledger of format \"yibao-ledger %d\": the next `yibao run` on it upgrades it to \"%s\"",
                 st->format_old, YB_LEDGER_FORMAT);
        ok = false;
    }
    if (ok && (!st->format_ok || !st->fpkey_ok)) {
        snprintf(msg, sizeof msg, "not a yibao ledger of format \"%s\" (its yb_meta table says otherwise); left as it is",
                 YB_LEDGER_FORMAT);
        ok = false;
    }
    if (ok && b->ops->ready) ok = b->ops->ready(b, msg, sizeof msg);
    if (!ok) {
        snprintf(err, errlen, "%s: %s", where, msg);
        yb_store_close(st);
        return NULL;
    }
    return st;
}

void yb_store_close(yb_store *st)
{
    if (!st) return;
    if (st->in_batch) yb_store_rollback(st);
    yb_fps_end(st);
    free(st->state_ids);
    free(st->on_disk);
    free(st->complete);
    free(st->added);
    yb_entries_free(st);
    st->b->ops->close(st->b);
    free(st);
}

/* ---------------------------------------------------------------- a batch */

/* The claim's id: the top-level text field `claim_id`, if the input has one. */
static int32_t claim_id_slot(const yb_schema *s)
{
    for (int i = s->root_first; i < s->root_first + s->root_count; i++)
        if (s->fields[i].kind == YB_T_TEXT && strcmp(s->fields[i].name, "claim_id") == 0) return s->fields[i].slot;
    return -1;
}

static void now_text(char *buf, size_t n)
{
    time_t t = time(NULL);
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(buf, n, "%Y-%m-%d %H:%M:%S UTC", &tm)) snprintf(buf, n, "?");
}

/* The batch's own row in yb_batch (its claims counted at commit). */
static bool insert_batch_row(yb_store *st, char *msg, size_t msglen)
{
    char at[40];
    now_text(at, sizeof at);
    yb_cell bv[4] = {yb_cell_i(st->batch_id), yb_cell_t(at), yb_cell_i(st->policy_id), yb_cell_t("run")};
    return st->b->ops->exec(st->b, "INSERT INTO yb_batch(id, at, policy, kind, claims) VALUES ($1, $2, $3, $4, 0)", bv,
                            4, NULL, NULL, msg, msglen);
}

bool yb_store_begin(yb_store *st, yb_vm *vm, bool migrate, char *err, size_t errlen)
{
    yb_backend *b = st->b;
    const yb_program *p = vm->p;
    char msg[1200] = "";
    st->vm = vm;
    st->p = p;
    st->claim_slot = claim_id_slot(&p->schema);
    if (st->claim_slot < 0) {
        snprintf(err, errlen, "%s: the policy's input has no text field `claim_id`: a ledger needs claim ids to "
                 "settle each claim once", st->where);
        return false;
    }
    int ns = p->nstates ? p->nstates : 1;
    free(st->state_ids);
    free(st->on_disk);
    free(st->complete);
    free(st->added);
    st->added = calloc((size_t)ns, sizeof *st->added);
    st->state_ids = calloc((size_t)ns, sizeof *st->state_ids);
    st->on_disk = calloc((size_t)ns, sizeof *st->on_disk);
    st->complete = calloc((size_t)ns, sizeof *st->complete);
    st->admitted = false;
    st->nsettled = 0;
    st->broken = false;
    st->migrated = false;
    if (!st->state_ids || !st->on_disk || !st->complete || !st->added || !yb_entries_reset(st)) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    if (!b->ops->exec(b, b->ops->begin_sql, NULL, 0, NULL, NULL, msg, sizeof msg)) goto fail;
    st->in_batch = true;
    if (!yb_store_policy(st, p, &st->policy_id, msg, sizeof msg)) goto fail;
    if (!yb_store_check_states(st, p, migrate, msg, sizeof msg)) goto fail;
    if (!yb_store_query_int(st, "SELECT COALESCE(MAX(id), 0) + 1 FROM yb_batch", NULL, 0, &st->batch_id, msg,
                            sizeof msg))
        goto fail;
    if (!insert_batch_row(st, msg, sizeof msg)) goto fail;
    /* the claim ids and the records of states with no fields: fingerprints
       under the ledger's key, each with its batch; their filters now, the
       rest on disk (ledger_fps.c) */
    vm->fpkey[0] = st->fpkey[0];
    vm->fpkey[1] = st->fpkey[1];
    vm->rec_tag = (uint32_t)st->batch_id;
    if (!yb_fps_begin(st, vm, msg, sizeof msg)) goto fail;
    vm->load = yb_entries_load;
    vm->load_ctx = st;
    return true;
fail:
    snprintf(err, errlen, "%s: %s", st->where, msg[0] ? msg : "out of memory");
    yb_store_rollback(st);
    return false;
}

/* The next batch of a session on the indexes kept from the last one: false
 * with *stale when another writer committed since (then nothing is begun). */
static bool resume(yb_store *st, yb_vm *vm, bool *stale, char *msg, size_t msglen)
{
    yb_backend *b = st->b;
    int64_t last = 0;
    if (!b->ops->exec(b, b->ops->begin_sql, NULL, 0, NULL, NULL, msg, msglen)) return false;
    st->in_batch = true;
    if (!yb_store_query_int(st, "SELECT COALESCE(MAX(id), 0) FROM yb_batch", NULL, 0, &last, msg, msglen)) return false;
    if (last != st->kept_batch) {
        *stale = true;
        return false;
    }
    for (int s = 0; s < st->p->nstates; s++) { /* what the last batch added is on disk now; the VM holds none of it */
        st->on_disk[s] += st->added[s];
        st->added[s] = 0;
        st->complete[s] = st->on_disk[s] == 0;
    }
    st->admitted = st->broken = st->migrated = false;
    st->nsettled = 0;
    st->batch_id = last + 1;
    if (!yb_entries_reset(st)) {
        snprintf(msg, msglen, "out of memory");
        return false;
    }
    if (!insert_batch_row(st, msg, msglen) || !yb_fps_resume(st, msg, msglen)) return false;
    vm->rec_tag = (uint32_t)st->batch_id;
    vm->load = yb_entries_load;
    vm->load_ctx = st;
    return true;
}

bool yb_store_next(yb_store *st, yb_vm *vm, char *err, size_t errlen)
{
    char msg[600] = "";
    bool stale = false;
    if (st->kept && st->vm == vm) {
        st->kept = false;
        if (resume(st, vm, &stale, msg, sizeof msg)) return true;
        yb_store_rollback(st); /* drops the indexes: begun afresh below, or the error reported */
        if (!stale) {
            snprintf(err, errlen, "%s: %s", st->where, msg);
            return false;
        }
    }
    st->session = true;
    return yb_store_begin(st, vm, false, err, errlen);
}

static bool claim_id(yb_store *st, const yb_claim *c, const char **p, uint32_t *n)
{
    if (!c->present[st->claim_slot]) return false;
    int64_t v = c->slots[st->claim_slot];
    uint32_t off = yb_text_offset(v), len = yb_text_length(v);
    if ((uint64_t)off + len > c->text_len) return false;
    *p = c->text + off;
    *n = len;
    return true;
}

static bool claim_fp(yb_store *st, const yb_claim *c, uint64_t *fp)
{
    const char *p;
    uint32_t n;
    if (!claim_id(st, c, &p, &n)) return false;
    *fp = yb_fingerprint(st->fpkey, p, n);
    return true;
}

static bool batch_row(void *ctx, const yb_cell *cols, int ncols)
{
    char *out = ctx;
    if (ncols < 3) return true;
    snprintf(out, 300, "%.*s, by policy %.*s %.*s", (int)cols[0].n, (const char *)cols[0].p, (int)cols[1].n,
             (const char *)cols[1].p, (int)cols[2].n, (const char *)cols[2].p);
    return true;
}

/* The claim id's fingerprint, from the read-ahead's memo when it holds this very id. */
static bool admit_fp(yb_store *st, const yb_claim *c, uint64_t *fp)
{
    const char *p;
    uint32_t n;
    if (!claim_id(st, c, &p, &n)) return false;
    for (int i = 0; i < 2; i++) {
        const yb_ahead_memo *m = &st->ahead[i];
        if (m->len == n && n <= sizeof m->id && memcmp(m->id, p, n) == 0) {
            *fp = m->fp;
            return true;
        }
    }
    *fp = yb_fingerprint(st->fpkey, p, n);
    return true;
}

void yb_store_ahead(yb_store *st, const yb_claim *c)
{
    const char *p;
    uint32_t n;
    if (!st->claims || !claim_id(st, c, &p, &n) || n > sizeof st->ahead[0].id) return;
    yb_ahead_memo *m = &st->ahead[st->ahead_next];
    st->ahead_next ^= 1;
    m->fp = yb_fingerprint(st->fpkey, p, n);
    m->len = n;
    memcpy(m->id, p, n);
    yb_fpset_prefetch(st->claims, m->fp);
}

int yb_store_admit(yb_store *st, const yb_claim *c, char *msg, size_t msglen)
{
    if (st->broken) {
        snprintf(msg, msglen, "%s: the ledger failed; the batch stops here and nothing of it is kept", st->where);
        return -1;
    }
    uint64_t fp;
    st->admitted = false;
    if (!admit_fp(st, c, &fp)) return 0; /* no id: the reader reports the record */
    uint32_t batch = 0;
    int found = yb_fpset_find(st->claims, fp, &batch);
    if (found < 0) {
        snprintf(msg, msglen, "%s: %s", st->where, yb_fpset_error(st->claims));
        st->broken = true;
        return -1;
    }
    if (!found) {
        st->admitted = true; /* yb_store_settled comes next, for this claim */
        st->admitted_fp = fp;
        return 0;
    }
    const char *id = "";
    uint32_t idlen = 0;
    claim_id(st, c, &id, &idlen);
    int shown = idlen > 200 ? 200 : (int)idlen;
    if ((int64_t)batch == st->batch_id) {
        snprintf(msg, msglen, "claim %.*s: already settled earlier in this batch; not counted twice", shown, id);
        return 1;
    }
    if ((int64_t)batch != st->msg_batch) {
        char err[300];
        yb_cell id = yb_cell_i(batch);
        strcpy(st->msg_text, "in an earlier batch");
        if (!st->b->ops->exec(st->b,
                              "SELECT b.at, p.name, p.version FROM yb_batch b JOIN yb_policy p ON p.id = b.policy "
                              "WHERE b.id = $1",
                              &id, 1, batch_row, st->msg_text, err, sizeof err)) {
            snprintf(msg, msglen, "%s: %s", st->where, err);
            st->broken = true;
            return -1;
        }
        st->msg_batch = batch;
    }
    snprintf(msg, msglen, "claim %.*s: already settled on %s (batch %" PRIu32 "); not counted twice", shown, id,
             st->msg_text, batch);
    return 1;
}

bool yb_store_settled(yb_store *st, const yb_claim *c, char *msg, size_t msglen)
{
    uint64_t fp = st->admitted_fp;
    st->nsettled++;
    if (!st->admitted && !claim_fp(st, c, &fp)) return true;
    st->admitted = false;
    /* tagged with the batch: "already settled earlier in this batch" */
    if (yb_fpset_put(st->claims, fp, (uint32_t)st->batch_id)) return true;
    st->broken = true;
    snprintf(msg, msglen, "the claim ids of the batch: %s", yb_fpset_error(st->claims));
    return false;
}

/* The changed entries (ledger_entries.c), then each state's count. */
static bool write_entries(yb_store *st, char *err, size_t errlen)
{
    yb_backend *b = st->b;
    bool ok = yb_entries_write(st, err, errlen);
    for (int s = 0; ok && s < st->p->nstates; s++) {
        yb_cell c[2] = {yb_cell_i(st->added[s]), yb_cell_i(st->state_ids[s])};
        if (st->added[s])
            ok = b->ops->exec(b, "UPDATE yb_state SET entries = entries + $1 WHERE id = $2", c, 2, NULL, NULL, err, errlen);
    }
    return ok;
}

/* The batch is in the ledger: the VM settles from memory only from now on. */
static bool batch_done(yb_store *st)
{
    st->in_batch = false;
    st->vm->load = NULL;
    if (st->session) { /* the indexes stay for the next batch (yb_store_next) */
        st->kept = true;
        st->kept_batch = st->batch_id;
    } else {
        yb_fps_end(st);
    }
    return true;
}

bool yb_store_commit_unknown(const yb_store *st) { return st->b->commit_unknown; }

bool yb_store_commit(yb_store *st, char *err, size_t errlen)
{
    char msg[600] = "";
    yb_backend *b = st->b;
    bool ok = st->in_batch && !st->broken;
    if (!ok) snprintf(msg, sizeof msg, "the batch failed; nothing of it is kept");
    if (ok && !st->nsettled && !st->migrated) { /* nothing to keep: not even a batch of its own */
        if (!yb_fps_rebuilt(st)) {
            yb_store_rollback(st);
            return true;
        }
        /* but a filter rebuilt from its runs is kept, so the next batch need not rebuild it */
        yb_cell id = yb_cell_i(st->batch_id);
        ok = b->ops->exec(b, "DELETE FROM yb_batch WHERE id = $1", &id, 1, NULL, NULL, msg, sizeof msg) &&
             yb_fps_commit(st, msg, sizeof msg) && b->ops->exec(b, "COMMIT", NULL, 0, NULL, NULL, msg, sizeof msg);
        if (ok) return batch_done(st);
    }
    yb_cell v[2] = {yb_cell_i(st->nsettled), yb_cell_i(st->batch_id)};
    ok = ok && write_entries(st, msg, sizeof msg) && yb_fps_commit(st, msg, sizeof msg) &&
         b->ops->exec(b, "UPDATE yb_batch SET claims = $1 WHERE id = $2", v, 2, NULL, NULL, msg, sizeof msg) &&
         b->ops->exec(b, "COMMIT", NULL, 0, NULL, NULL, msg, sizeof msg);
    if (!ok) { /* whatever failed (a server gone during the COPY says only that), the batch is rolled back */
        snprintf(err, errlen, "%s: %s%s", st->where, msg, strstr(msg, "nothing of") ? "" : "; nothing of this batch is kept");
        yb_store_rollback(st);
        return false;
    }
    return batch_done(st);
}

void yb_store_abandon(yb_store *st)
{
    if (!st->session || !st->in_batch || st->nsettled || st->broken || yb_fps_rebuilt(st)) {
        yb_store_rollback(st);
        return;
    }
    st->b->ops->exec(st->b, "ROLLBACK", NULL, 0, NULL, NULL, NULL, 0);
    st->in_batch = false;
    st->vm->load = NULL;
    st->kept = true; /* the indexes are those of the ledger's last batch, before this one */
    st->kept_batch = st->batch_id - 1;
    for (int s = 0; s < st->p->nstates; s++) st->added[s] = 0;
}

void yb_store_rollback(yb_store *st)
{
    if (st->in_batch) st->b->ops->exec(st->b, "ROLLBACK", NULL, 0, NULL, NULL, NULL, 0);
    st->in_batch = false;
    st->kept = false;
    if (st->vm) st->vm->load = NULL;
    yb_fps_end(st);
}
