/* Running totals out of a batch and into another (a restart, or a newer
 * policy version taking over).  The bytes, little-endian:
 *   "YBTOTAL1"  u32 nstates, then per state:
 *     str name, u32 nkeys, u8 key kind per key, u32 nfields, str per field,
 *     u64 nentries, then per entry: u32 keylen, key bytes, i64 per field
 *   then "YBFP", the fingerprint key (2 u64), and per state without fields
 *     (the duplicate index, vm/fpset.h: fingerprints, not entries):
 *     str name, u64 n, n u64 fingerprints
 *   str = u32 length + bytes.
 * States and fields are matched by name on import; everything is checked
 * before the batch's totals are replaced, so a refused import changes nothing. */
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"

typedef struct wbuf {
    unsigned char *p;
    size_t n, cap;
    bool bad;
} wbuf;

static void put(wbuf *w, const void *d, size_t n)
{
    if (w->bad) return;
    if (w->n + n > w->cap) {
        size_t cap = (w->n + n) * 2 + 256;
        unsigned char *p = realloc(w->p, cap);
        if (!p) { w->bad = true; return; }
        w->p = p;
        w->cap = cap;
    }
    memcpy(w->p + w->n, d, n);
    w->n += n;
}
static void put_u(wbuf *w, uint64_t v, int bytes)
{
    unsigned char b[8];
    for (int i = 0; i < bytes; i++) b[i] = (unsigned char)(v >> (8 * i));
    put(w, b, (size_t)bytes);
}
static void put_str(wbuf *w, const char *s)
{
    put_u(w, strlen(s), 4);
    put(w, s, strlen(s));
}

static bool put_fp(void *ctx, uint64_t fp, uint32_t tag)
{
    (void)tag;
    put_u(ctx, fp, 8);
    return true;
}

static bool export_all(const yb_vm *vm, wbuf *w)
{
    const yb_program *p = vm->p;
    put(w, "YBTOTAL1", 8);
    put_u(w, (uint64_t)p->nstates, 4);
    for (int s = 0; s < p->nstates; s++) {
        const yb_state_desc *sd = &p->states[s];
        put_str(w, sd->name);
        put_u(w, (uint64_t)sd->nkeys, 4);
        put(w, sd->key_kinds, (size_t)sd->nkeys);
        put_u(w, (uint64_t)sd->nfields, 4);
        for (int f = 0; f < sd->nfields; f++) put_str(w, sd->field_names[f]);
        size_t n = vm->recsets[s] ? 0 : yb_ledger_count(vm->ledgers[s]);
        yb_ledger_entry **es = n ? yb_ledger_entries(vm->ledgers[s]) : NULL;
        if (n && !es) return false;
        put_u(w, n, 8);
        for (size_t i = 0; i < n; i++) {
            put_u(w, es[i]->keylen, 4);
            put(w, yb_ledger_key(vm->ledgers[s], es[i]), es[i]->keylen);
            for (int f = 0; f < sd->nfields; f++) put_u(w, (uint64_t)yb_ledger_value(vm->ledgers[s], es[i], f), 8);
        }
        free(es);
    }
    put(w, "YBFP", 4);
    put_u(w, vm->fpkey[0], 8);
    put_u(w, vm->fpkey[1], 8);
    for (int s = 0; s < p->nstates; s++) {
        if (!vm->recsets[s]) continue;
        put_str(w, p->states[s].name);
        put_u(w, yb_fpset_count(vm->recsets[s]), 8);
        if (!yb_fpset_each(vm->recsets[s], put_fp, w)) return false;
    }
    return !w->bad;
}

yibao_status yibao_totals_export(yibao_env *env, yibao_batch h, void **data, size_t *len, yibao_error *err)
{
    if (!data || !len) return api_fail(err, YIBAO_E_ARGUMENT, "yibao_totals_export: data and len are required");
    *data = NULL;
    *len = 0;
    api_batch *b;
    yibao_status st = api_batch_enter(env, h, &b, err);
    if (st) return st;
    if ((st = api_ledger_refuse_totals(b, "yibao_totals_export", err)) != YIBAO_OK) {
        api_batch_leave(env, h);
        return st;
    }
    wbuf w = {0};
    bool ok = export_all(b->vm, &w);
    api_batch_leave(env, h);
    if (!ok) {
        free(w.p);
        return api_fail(err, YIBAO_E_NOMEM, "out of memory");
    }
    *data = w.p;
    *len = w.n;
    return api_ok(err);
}

/* ---- import ---- */

typedef struct rbuf {
    const unsigned char *p;
    size_t n, at;
    bool bad;
} rbuf;

static uint64_t get_u(rbuf *r, int bytes)
{
    if (r->bad || r->n - r->at < (size_t)bytes) { r->bad = true; return 0; }
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; i--) v = v << 8 | r->p[r->at + (size_t)i];
    r->at += (size_t)bytes;
    return v;
}
static const unsigned char *get(rbuf *r, size_t n)
{
    if (r->bad || r->n - r->at < n) { r->bad = true; return NULL; }
    r->at += n;
    return r->p + r->at - n;
}
static int find_field(rbuf *r, const yb_state_desc *sd)
{
    size_t n = (size_t)get_u(r, 4);
    const unsigned char *s = get(r, n);
    for (int f = 0; s && f < sd->nfields; f++)
        if (strlen(sd->field_names[f]) == n && memcmp(sd->field_names[f], s, n) == 0) return f;
    return -1;
}

/* A key's bytes hold exactly its parts: texts (u32 length + bytes), else 8 bytes each. */
static bool key_ok(const unsigned char *k, uint32_t n, const yb_state_desc *sd)
{
    uint32_t at = 0;
    for (int i = 0; i < sd->nkeys; i++) {
        uint32_t part = 8;
        if (sd->key_kinds[i] == YB_T_TEXT) {
            if (n - at < 4) return false;
            memcpy(&part, k + at, 4);
            at += 4;
        }
        if (n - at < part) return false;
        at += part;
    }
    return at == n;
}

/* One state's entries into a new ledger for state s of p; the failure is in err. */
static yibao_status import_state(rbuf *r, const yb_program *p, yb_ledger **ledgers, yibao_error *err)
{
    size_t n = (size_t)get_u(r, 4);
    const unsigned char *name = get(r, n);
    int s = 0;
    while (name && s < p->nstates && !(strlen(p->states[s].name) == n && memcmp(p->states[s].name, name, n) == 0)) s++;
    if (r->bad) return api_fail(err, YIBAO_E_SCHEMA, "the totals are truncated or damaged");
    if (s == p->nstates) return api_fail(err, YIBAO_E_SCHEMA, "the totals hold state `%.*s`, which this policy does not declare", (int)n, name);
    if (ledgers[s]) return api_fail(err, YIBAO_E_SCHEMA, "the totals hold state `%s` twice", p->states[s].name);
    const yb_state_desc *sd = &p->states[s];
    uint32_t nkeys = (uint32_t)get_u(r, 4);
    const unsigned char *kinds = get(r, nkeys);
    if (!kinds || nkeys != (uint32_t)sd->nkeys || memcmp(kinds, sd->key_kinds, nkeys) != 0)
        return api_fail(err, YIBAO_E_SCHEMA, "state `%s` is keyed differently in the totals and in this policy", sd->name);
    uint32_t nf = (uint32_t)get_u(r, 4);
    if (nf > 4096) r->bad = true;
    int map[4096];
    for (uint32_t f = 0; f < nf && !r->bad; f++)
        if ((map[f] = find_field(r, sd)) < 0 && !r->bad)
            return api_fail(err, YIBAO_E_SCHEMA, "state `%s` in the totals has a field this policy does not declare", sd->name);
    uint64_t ne = get_u(r, 8);
    if (r->bad) return api_fail(err, YIBAO_E_SCHEMA, "the totals are truncated or damaged");
    if (!(ledgers[s] = yb_ledger_new(sd->nfields))) return api_fail(err, YIBAO_E_NOMEM, "out of memory");
    for (uint64_t i = 0; i < ne; i++) {
        uint32_t kl = (uint32_t)get_u(r, 4);
        const unsigned char *key = get(r, kl);
        if (!key || (size_t)nf * 8 > r->n - r->at) return api_fail(err, YIBAO_E_SCHEMA, "the totals are truncated or damaged");
        if (!key_ok(key, kl, sd)) return api_fail(err, YIBAO_E_SCHEMA, "a key of state `%s` in the totals is damaged", sd->name);
        yb_ledger_entry *e = yb_ledger_get(ledgers[s], key, kl);
        if (!e) return api_fail(err, YIBAO_E_NOMEM, "out of memory");
        e->flags |= YB_ENTRY_OPENED;
        /* the entry just got: setting it cannot fail */
        for (uint32_t f = 0; f < nf; f++) e = yb_ledger_set_value(ledgers[s], e, map[f], (int64_t)get_u(r, 8));
    }
    return YIBAO_OK;
}

/* The fingerprints of the states without fields, into new sets (fps[s]). */
static yibao_status import_fps(rbuf *r, yb_vm *vm, yb_fpset **fps, uint64_t key[2], yibao_error *err)
{
    const yb_program *p = vm->p;
    key[0] = get_u(r, 8);
    key[1] = get_u(r, 8);
    while (!r->bad && r->at < r->n) {
        size_t n = (size_t)get_u(r, 4);
        const unsigned char *name = get(r, n);
        int s = 0;
        while (name && s < p->nstates && !(strlen(p->states[s].name) == n && memcmp(p->states[s].name, name, n) == 0)) s++;
        uint64_t count = get_u(r, 8);
        if (r->bad || count > (r->n - r->at) / 8) return api_fail(err, YIBAO_E_SCHEMA, "the totals are truncated or damaged");
        if (s == p->nstates || !vm->recsets[s] || fps[s])
            return api_fail(err, YIBAO_E_SCHEMA, "the totals hold records of `%.*s`, which this policy does not keep as records", (int)n, name);
        if (!(fps[s] = yb_fpset_new(true))) return api_fail(err, YIBAO_E_NOMEM, "out of memory");
        for (uint64_t i = 0; i < count; i++) {
            uint64_t fp = get_u(r, 8);
            if (!fp) return api_fail(err, YIBAO_E_SCHEMA, "a record fingerprint in the totals is damaged");
            if (!yb_fpset_put(fps[s], fp, 1)) return api_fail(err, YIBAO_E_NOMEM, "%s", yb_fpset_error(fps[s]));
        }
    }
    return r->bad ? api_fail(err, YIBAO_E_SCHEMA, "the totals are truncated or damaged") : YIBAO_OK;
}

static yibao_status import_all(yb_vm *vm, const void *data, size_t len, yibao_error *err)
{
    const yb_program *p = vm->p;
    rbuf r = {data, len, 0, false};
    const unsigned char *magic = get(&r, 8);
    if (!magic || memcmp(magic, "YBTOTAL1", 8) != 0)
        return api_fail(err, YIBAO_E_SCHEMA, "not running totals exported by yibao (no YBTOTAL1 header)");
    uint32_t ns = (uint32_t)get_u(&r, 4);
    yb_ledger **ledgers = calloc((size_t)p->nstates + 1, sizeof *ledgers);
    if (!ledgers) return api_fail(err, YIBAO_E_NOMEM, "out of memory");
    yb_fpset **fps = calloc((size_t)p->nstates + 1, sizeof *fps);
    uint64_t key[2] = {vm->fpkey[0], vm->fpkey[1]};
    yibao_status st = fps ? YIBAO_OK : api_fail(err, YIBAO_E_NOMEM, "out of memory");
    for (uint32_t i = 0; i < ns && st == YIBAO_OK; i++) st = import_state(&r, p, ledgers, err);
    if (st == YIBAO_OK && r.n - r.at >= 4 && memcmp(r.p + r.at, "YBFP", 4) == 0) {
        r.at += 4;
        st = import_fps(&r, vm, fps, key, err);
    }
    if (st == YIBAO_OK && r.at != r.n) st = api_fail(err, YIBAO_E_SCHEMA, "the totals have %zu bytes too many", r.n - r.at);
    for (int s = 0; st == YIBAO_OK && s < p->nstates; s++)
        if (vm->recsets[s] && !fps[s] && !(fps[s] = yb_fpset_new(true))) st = api_fail(err, YIBAO_E_NOMEM, "out of memory");
    for (int s = 0; fps && s < p->nstates; s++) {
        if (st == YIBAO_OK && vm->recsets[s]) {
            yb_fpset_free(vm->recsets[s]);
            vm->recsets[s] = fps[s];
        } else {
            yb_fpset_free(fps[s]);
        }
    }
    if (st == YIBAO_OK) {
        vm->fpkey[0] = key[0];
        vm->fpkey[1] = key[1];
    }
    free(fps);
    for (int s = 0; st == YIBAO_OK && s < p->nstates; s++)
        if (!ledgers[s] && !(ledgers[s] = yb_ledger_new(p->states[s].nfields))) st = api_fail(err, YIBAO_E_NOMEM, "out of memory");
    for (int s = 0; s < p->nstates; s++) {
        if (st == YIBAO_OK) {
            yb_ledger_free(vm->ledgers[s]);
            vm->ledgers[s] = ledgers[s];
        } else {
            yb_ledger_free(ledgers[s]);
        }
    }
    if (st == YIBAO_OK) yb_vm_share_keys(vm);
    free(ledgers);
    return st ? st : api_ok(err);
}

yibao_status yibao_totals_import(yibao_env *env, yibao_batch h, const void *data, size_t len, yibao_error *err)
{
    if (!data && len) return api_fail(err, YIBAO_E_ARGUMENT, "yibao_totals_import: data is NULL");
    api_batch *b;
    yibao_status st = api_batch_enter(env, h, &b, err);
    if (st) return st;
    st = api_ledger_refuse_totals(b, "yibao_totals_import", err);
    if (!st) st = import_all(b->vm, data ? data : "", len, err);
    api_batch_leave(env, h);
    return st;
}
