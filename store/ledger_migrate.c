/* An explicit migration (`yibao run … --migrate`): the ledger takes the
 * policy's state declarations.  A state keeps its keys; its fields are matched
 * by name: a field the policy adds starts at 0 in every entry, a field it
 * drops is dropped, a field whose kind changed is refused (money and int
 * values do not convert).  A state whose keys changed is refused too (export,
 * change the keys, import).  A state the policy no longer declares is
 * retired: kept, shown and exported, no longer checked or written. */
#include "ledger_internal.h"

#include <stdlib.h>
#include <string.h>

#define RETIRED "retired "

/* The fields part of a declaration: after "; fields". */
static const char *fields_of(const char *decl)
{
    const char *f = strstr(decl, "; fields");
    return f ? f + 8 : "";
}

/* Field i of a fields part: name and kind, as "name:kind" bounds. */
static int split_fields(const char *f, const char **start, size_t *len, int max)
{
    int n = 0;
    while (*f && n < max) {
        while (*f == ' ') f++;
        if (!*f) break;
        start[n] = f;
        while (*f && *f != ' ') f++;
        len[n] = (size_t)(f - start[n]);
        n++;
    }
    return n;
}

static size_t name_len(const char *field, size_t len)
{
    const char *c = memchr(field, ':', len);
    return c ? (size_t)(c - field) : len;
}

typedef struct row {
    unsigned char *key;
    size_t keylen;
    int64_t *vals;
} row;

typedef struct rows {
    row *v;
    size_t n, cap;
    int nold;
    bool bad, oom;
} rows;

static bool collect(void *ctx, const yb_cell *cols, int ncols)
{
    rows *r = ctx;
    if (ncols < 2 || cols[1].n != (size_t)r->nold * 8) {
        r->bad = true;
        return false;
    }
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 256;
        row *v = realloc(r->v, cap * sizeof *v);
        if (!v) goto oom;
        r->v = v;
        r->cap = cap;
    }
    row *w = &r->v[r->n];
    w->key = malloc(cols[0].n ? cols[0].n : 1);
    w->vals = malloc((size_t)(r->nold ? r->nold : 1) * 8);
    if (!w->key || !w->vals) {
        free(w->key);
        free(w->vals);
        goto oom;
    }
    memcpy(w->key, cols[0].p, cols[0].n);
    w->keylen = cols[0].n;
    yb_store_unpack(cols[1].p, r->nold, w->vals);
    r->n++;
    return true;
oom:
    r->oom = true;
    return false;
}

/* Every entry of the state, its values rearranged: map[i] = old field of new field i, or -1. */
static bool rewrite_entries(yb_store *st, int64_t id, int nold, const int *map, int nnew, char *err, size_t errlen)
{
    rows r = {.nold = nold};
    yb_cell sid = yb_cell_i(id);
    bool ok = st->b->ops->exec(st->b, "SELECT key, vals FROM yb_entry WHERE state = $1", &sid, 1, collect, &r, err,
                               errlen);
    if (r.bad) snprintf(err, errlen, "an entry of state %lld does not have %d values: run `yibao ledger check`",
                        (long long)id, nold);
    if (r.oom) snprintf(err, errlen, "out of memory");
    ok = ok && !r.bad && !r.oom;
    unsigned char *buf = malloc((size_t)(nnew ? nnew : 1) * 8);
    int64_t *vals = malloc((size_t)(nnew ? nnew : 1) * 8);
    if (!buf || !vals) ok = false;
    for (size_t i = 0; ok && i < r.n; i++) {
        for (int f = 0; f < nnew; f++) vals[f] = map[f] >= 0 ? r.v[i].vals[map[f]] : 0;
        yb_store_pack(vals, nnew, buf);
        yb_cell v[3] = {yb_cell_b(buf, (size_t)nnew * 8), sid, yb_cell_b(r.v[i].key, r.v[i].keylen)};
        ok = st->b->ops->exec(st->b, "UPDATE yb_entry SET vals = $1 WHERE state = $2 AND key = $3", v, 3, NULL, NULL,
                              err, errlen);
    }
    for (size_t i = 0; i < r.n; i++) {
        free(r.v[i].key);
        free(r.v[i].vals);
    }
    free(r.v);
    free(buf);
    free(vals);
    return ok;
}

static bool remap(yb_store *st, const yb_program *p, int s, int64_t id, const char *old, const char *decl, char *err,
                  size_t errlen)
{
    size_t ko = (size_t)(fields_of(old) - old), kn = (size_t)(fields_of(decl) - decl);
    if (ko != kn || memcmp(old, decl, ko) != 0) {
        snprintf(err, errlen, "state %s: its keys changed (`%.*s` in the ledger, `%.*s` in the policy): a migration "
                 "keeps keys; export the ledger, change the keys, import it", p->states[s].name, (int)ko, old, (int)kn,
                 decl);
        return false;
    }
    enum { MAXF = 1024 };
    const char *os[MAXF], *ns[MAXF];
    size_t ol[MAXF], nl[MAXF];
    int no = split_fields(fields_of(old), os, ol, MAXF), nn = split_fields(fields_of(decl), ns, nl, MAXF);
    int *map = malloc((size_t)(nn ? nn : 1) * sizeof *map);
    if (!map) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    bool ok = true;
    for (int f = 0; f < nn && ok; f++) {
        map[f] = -1;
        size_t nlen = name_len(ns[f], nl[f]);
        for (int g = 0; g < no; g++) {
            if (name_len(os[g], ol[g]) != nlen || memcmp(os[g], ns[f], nlen) != 0) continue;
            if (ol[g] != nl[f] || memcmp(os[g], ns[f], nl[f]) != 0) {
                snprintf(err, errlen, "state %s: field `%.*s` changed its kind (`%.*s` in the ledger): a migration does "
                         "not convert values", p->states[s].name, (int)nlen, ns[f], (int)ol[g], os[g]);
                ok = false;
            }
            map[f] = g;
        }
    }
    ok = ok && rewrite_entries(st, id, no, map, nn, err, errlen);
    free(map);
    yb_cell v[4] = {yb_cell_t(decl), yb_cell_i(p->states[s].nfields), yb_cell_i(st->policy_id), yb_cell_i(id)};
    return ok && st->b->ops->exec(st->b, "UPDATE yb_state SET decl = $1, nfields = $2, policy = $3 WHERE id = $4", v, 4,
                                  NULL, NULL, err, errlen);
}

bool yb_store_migrate_state(yb_store *st, const yb_program *p, int s, int64_t id, const char *old, const char *decl,
                            int64_t *out, char *err, size_t errlen)
{
    if (!id) {
        if (!yb_store_query_int(st, "SELECT COALESCE(MAX(id), 0) + 1 FROM yb_state", NULL, 0, out, err, errlen))
            return false;
        yb_cell v[5] = {yb_cell_i(*out), yb_cell_t(p->states[s].name), yb_cell_t(decl),
                        yb_cell_i(p->states[s].nfields), yb_cell_i(st->policy_id)};
        return st->b->ops->exec(st->b,
                                "INSERT INTO yb_state(id, name, decl, nfields, policy) VALUES ($1, $2, $3, $4, $5)", v,
                                5, NULL, NULL, err, errlen);
    }
    *out = id;
    const char *was = strncmp(old, RETIRED, strlen(RETIRED)) == 0 ? old + strlen(RETIRED) : old;
    return remap(st, p, s, id, was, decl, err, errlen);
}

bool yb_store_retire_state(yb_store *st, int64_t id, const char *decl, char *err, size_t errlen)
{
    if (strncmp(decl, RETIRED, strlen(RETIRED)) == 0) return true;
    size_t n = strlen(RETIRED) + strlen(decl) + 1;
    char *d = malloc(n);
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    snprintf(d, n, "%s%s", RETIRED, decl);
    yb_cell v[2] = {yb_cell_t(d), yb_cell_i(id)};
    bool ok = st->b->ops->exec(st->b, "UPDATE yb_state SET decl = $1 WHERE id = $2", v, 2, NULL, NULL, err, errlen);
    free(d);
    return ok;
}

bool yb_state_retired(const char *decl) { return strncmp(decl, RETIRED, strlen(RETIRED)) == 0; }
