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

typedef struct rows {
    yb_bkt_item *v;     /* the state's entries, values rearranged (into arena blocks) */
    size_t n, cap;
    int nold, nnew;
    const int *map;
    bool bad, oom;
} rows;

/* One bucket of the state: each entry with its values rearranged, in a block of its own. */
static bool collect(void *ctx, const yb_cell *cols, int ncols)
{
    rows *r = ctx;
    size_t pos = 0;
    yb_bkt_entry e;
    int rc;
    while ((rc = yb_bkt_next(cols[0].p, cols[0].n, &pos, &e)) > 0) {
        if (e.valslen != (uint32_t)r->nold * 8) break;
        if (r->n == r->cap) {
            size_t cap = r->cap ? r->cap * 2 : 256;
            yb_bkt_item *v = realloc(r->v, cap * sizeof *v);
            if (!v) return r->oom = true, false;
            r->v = v;
            r->cap = cap;
        }
        unsigned char *p = malloc(e.keylen + (size_t)r->nnew * 8 + 1);
        if (!p) return r->oom = true, false;
        memcpy(p, e.key, e.keylen);
        for (int f = 0; f < r->nnew; f++) {
            int64_t v = 0;
            if (r->map[f] >= 0) yb_store_unpack(e.vals + 8 * (size_t)r->map[f], 1, &v);
            yb_store_pack(&v, 1, p + e.keylen + 8 * (size_t)f);
        }
        e.key = p;
        e.vals = p + e.keylen;
        e.valslen = (uint32_t)r->nnew * 8;
        r->v[r->n++] = (yb_bkt_item){0, e};
    }
    if (rc == 0) return true;
    r->bad = true;
    return false;
}

/* Every entry of the state, its values rearranged: map[i] = old field of new field i, or -1. */
static bool rewrite_entries(yb_store *st, int64_t id, int nold, const int *map, int nnew, char *err, size_t errlen)
{
    rows r = {.nold = nold, .nnew = nnew, .map = map};
    yb_cell sid = yb_cell_i(id);
    int64_t nb = 0;
    bool ok = yb_store_query_int(st, "SELECT buckets FROM yb_state WHERE id = $1", &sid, 1, &nb, err, errlen) &&
              st->b->ops->exec(st->b, "SELECT data FROM yb_bucket WHERE state = $1", &sid, 1, collect, &r, err, errlen);
    if (r.bad) snprintf(err, errlen, "an entry of state %lld does not have %d values: run `yibao ledger check`",
                        (long long)id, nold);
    if (r.oom) snprintf(err, errlen, "out of memory");
    ok = ok && !r.bad && !r.oom;
    ok = ok && (!r.n || (yb_bkt_write_all(st, id, r.v, r.n, nb, err, errlen) && st->b->ops->bucket_flush(st->b, err, errlen)));
    for (size_t i = 0; i < r.n; i++) free((void *)r.v[i].e.key);
    free(r.v);
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
