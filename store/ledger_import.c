/* `yibao ledger import LEDGER FILE`: a ledger exported as JSON Lines
 * (ledger_tools.c) into a new ledger, in one transaction: the result exports
 * to the same lines.  Values are read back exactly from their text ("12.34",
 * "87%", "2025-01-01"), keys from the state's declaration. */
#include "ledger_decl.h"
#include "ledger_internal.h"
#include "ledger_tools.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "money.h"

/* ---------------------------------------------------------------- a small JSON reader */

typedef enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } jkind;

typedef struct jval {
    jkind kind;
    char *s;          /* J_STR: the decoded bytes; J_NUM: the token */
    size_t n;         /* its length; J_ARR/J_OBJ: members */
    bool b;
    struct jval *items; /* J_ARR: n values; J_OBJ: 2n (name, value) */
} jval;

typedef struct jparser {
    const char *p, *end;
    int depth;
} jparser;

static void jfree(jval *v)
{
    if (v->kind == J_ARR || v->kind == J_OBJ) {
        size_t n = v->kind == J_OBJ ? 2 * v->n : v->n;
        for (size_t i = 0; i < n; i++) jfree(&v->items[i]);
        free(v->items);
    }
    free(v->s);
    memset(v, 0, sizeof *v);
}

static void skip_ws(jparser *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\r' || *j->p == '\n')) j->p++;
}

static int hex4(const char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v = v * 16 + (c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1000);
    }
    return v < 0 ? -1 : v;
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) { o[0] = (char)cp; return 1; }
    if (cp < 0x800) { o[0] = (char)(0xc0 | cp >> 6); o[1] = (char)(0x80 | (cp & 0x3f)); return 2; }
    if (cp < 0x10000) { o[0] = (char)(0xe0 | cp >> 12); o[1] = (char)(0x80 | ((cp >> 6) & 0x3f)); o[2] = (char)(0x80 | (cp & 0x3f)); return 3; }
    o[0] = (char)(0xf0 | cp >> 18); o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3f)); o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

static bool jstring(jparser *j, jval *v)
{
    j->p++; /* the quote */
    char *o = malloc((size_t)(j->end - j->p) + 1);
    if (!o) return false;
    size_t n = 0;
    while (j->p < j->end && *j->p != '"') {
        char c = *j->p++;
        if ((unsigned char)c < 0x20) goto bad;
        if (c != '\\') { o[n++] = c; continue; }
        if (j->p >= j->end) goto bad;
        c = *j->p++;
        const char *esc = strchr("\"\\/bfnrt", c);
        if (esc && c) { o[n++] = "\"\\/\b\f\n\r\t"[esc - "\"\\/bfnrt"]; continue; }
        if (c != 'u' || j->end - j->p < 4) goto bad;
        int cp = hex4(j->p);
        j->p += 4;
        if (cp < 0) goto bad;
        if (cp >= 0xd800 && cp < 0xdc00 && j->end - j->p >= 6 && j->p[0] == '\\' && j->p[1] == 'u') {
            int lo = hex4(j->p + 2);
            if (lo >= 0xdc00 && lo < 0xe000) {
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                j->p += 6;
            }
        }
        n += put_utf8(o + n, (unsigned)cp); /* an escape is 6 bytes, its UTF-8 at most 4 */
    }
    if (j->p >= j->end) goto bad;
    j->p++;
    o[n] = 0;
    v->kind = J_STR;
    v->s = o;
    v->n = n;
    return true;
bad:
    free(o);
    return false;
}

static bool jvalue(jparser *j, jval *v);

static bool jlist(jparser *j, jval *v, bool obj)
{
    v->kind = obj ? J_OBJ : J_ARR;
    j->p++;
    size_t cap = 0, per = obj ? 2 : 1;
    skip_ws(j);
    if (j->p < j->end && *j->p == (obj ? '}' : ']')) {
        j->p++;
        return true;
    }
    for (;;) {
        if ((v->n + 1) * per > cap) {
            cap = cap ? cap * 2 : 16;
            jval *it = realloc(v->items, cap * sizeof *it);
            if (!it) return false;
            v->items = it;
        }
        jval *slot = &v->items[v->n * per];
        memset(slot, 0, per * sizeof *slot);
        v->n++;
        skip_ws(j);
        if (obj) {
            if (j->p >= j->end || *j->p != '"' || !jstring(j, slot)) return false;
            skip_ws(j);
            if (j->p >= j->end || *j->p++ != ':') return false;
            slot++;
        }
        if (!jvalue(j, slot)) return false;
        skip_ws(j);
        if (j->p < j->end && *j->p == ',') { j->p++; continue; }
        if (j->p < j->end && *j->p == (obj ? '}' : ']')) { j->p++; return true; }
        return false;
    }
}

static bool jvalue(jparser *j, jval *v)
{
    skip_ws(j);
    if (j->p >= j->end || ++j->depth > 16) return false;
    bool ok;
    char c = *j->p;
    if (c == '"') ok = jstring(j, v);
    else if (c == '[' || c == '{') ok = jlist(j, v, c == '{');
    else if ((size_t)(j->end - j->p) >= 4 && memcmp(j->p, "true", 4) == 0) { v->kind = J_BOOL; v->b = true; j->p += 4; ok = true; }
    else if ((size_t)(j->end - j->p) >= 5 && memcmp(j->p, "false", 5) == 0) { v->kind = J_BOOL; j->p += 5; ok = true; }
    else if ((size_t)(j->end - j->p) >= 4 && memcmp(j->p, "null", 4) == 0) { v->kind = J_NULL; j->p += 4; ok = true; }
    else {
        const char *s = j->p;
        while (j->p < j->end && strchr("+-0123456789.eE", *j->p) && *j->p) j->p++;
        ok = j->p > s && (v->s = malloc((size_t)(j->p - s) + 1)) != NULL;
        if (ok) {
            memcpy(v->s, s, (size_t)(j->p - s));
            v->s[j->p - s] = 0;
            v->n = (size_t)(j->p - s);
            v->kind = J_NUM;
        }
    }
    j->depth--;
    return ok;
}

static const jval *jget(const jval *o, const char *name)
{
    for (size_t i = 0; o->kind == J_OBJ && i < o->n; i++)
        if (strcmp(o->items[2 * i].s, name) == 0) return &o->items[2 * i + 1];
    return NULL;
}

/* ---------------------------------------------------------------- one line into the ledger */

typedef struct imp_state {
    int64_t id;
    yb_decl decl;
    yb_bkt_item *items; /* its entries, into buckets once every line is in */
    size_t n, cap;
} imp_state;

typedef struct importer {
    yb_store *st;
    imp_state *states;
    int nstates, cap;
    char err[600];
} importer;

static bool num(const jval *o, const char *name, int64_t *out)
{
    const jval *v = jget(o, name);
    if (!v || v->kind != J_NUM) return false;
    errno = 0;
    char *end;
    long long x = strtoll(v->s, &end, 10);
    if (errno || *end) return false;
    *out = x;
    return true;
}

static const char *str(const jval *o, const char *name)
{
    const jval *v = jget(o, name);
    return v && v->kind == J_STR && strlen(v->s) == v->n ? v->s : NULL;
}

/* A value in its text form, back to the int64 it stands for. */
static bool parse_value(uint8_t kind, const jval *v, int64_t *out)
{
    if (kind == YB_T_BOOL) {
        if (v->kind != J_BOOL) return false;
        *out = v->b;
        return true;
    }
    if (kind == YB_T_INT) {
        if (v->kind != J_NUM) return false;
        errno = 0;
        char *end;
        *out = strtoll(v->s, &end, 10);
        return !errno && !*end;
    }
    if (v->kind != J_STR || !v->n) return false;
    bool neg = v->s[0] == '-';
    const char *s = v->s + neg;
    size_t n = v->n - neg;
    bool ok;
    if (kind == YB_T_MONEY) ok = yb_money_parse(s, n, out);
    else if (kind == YB_T_RATE) ok = n > 1 && s[n - 1] == '%' && yb_rate_parse_percent(s, n - 1, out);
    else if (kind == YB_T_DATE) ok = !neg && yb_date_parse(s, n, out);
    else ok = false;
    if (ok && neg) *out = -*out;
    return ok;
}

static bool key_bytes(const yb_decl *d, const jval *key, unsigned char **out, size_t *len)
{
    if (!key || key->kind != J_ARR || key->n != (size_t)d->nkeys) return false;
    size_t cap = 0;
    for (size_t k = 0; k < key->n; k++) cap += key->items[k].kind == J_STR ? key->items[k].n + 8 : 8;
    unsigned char *b = malloc(cap + 1);
    if (!b) return false;
    size_t at = 0;
    for (int k = 0; k < d->nkeys; k++) {
        const jval *v = &key->items[k];
        int64_t x = 0;
        bool ok = true;
        if (d->key_kinds[k] == YB_T_TEXT) {
            uint32_t n = (uint32_t)v->n;
            ok = v->kind == J_STR;
            if (ok) {
                memcpy(b + at, &n, 4);
                memcpy(b + at + 4, v->s, v->n);
                at += 4 + v->n;
            }
            if (!ok) goto bad;
            continue;
        }
        if (d->key_kinds[k] == YB_T_ENUM) {
            ok = false;
            for (int m = 0; v->kind == J_STR && m < d->key_enums[k].n; m++)
                if (strcmp(d->key_enums[k].names[m], v->s) == 0) {
                    x = m;
                    ok = true;
                }
        } else {
            ok = parse_value(d->key_kinds[k], v, &x);
        }
        if (!ok) goto bad;
        memcpy(b + at, &x, 8);
        at += 8;
    }
    *out = b;
    *len = at;
    return true;
bad:
    free(b);
    return false;
}

static imp_state *imp_state_by_id(importer *im, int64_t id)
{
    for (int i = 0; i < im->nstates; i++)
        if (im->states[i].id == id) return &im->states[i];
    return NULL;
}

static bool import_entry(importer *im, const jval *o)
{
    int64_t sid, opened, changed, batch;
    if (!num(o, "entry", &sid) || !num(o, "opened_by", &opened) || !num(o, "changed_by", &changed) ||
        !num(o, "batch", &batch)) {
        snprintf(im->err, sizeof im->err, "an entry needs entry, key, values, opened_by, changed_by and batch");
        return false;
    }
    imp_state *s = imp_state_by_id(im, sid);
    if (!s) {
        snprintf(im->err, sizeof im->err, "an entry of state %lld, declared on no line before it", (long long)sid);
        return false;
    }
    unsigned char *key;
    size_t keylen;
    if (!key_bytes(&s->decl, jget(o, "key"), &key, &keylen)) {
        snprintf(im->err, sizeof im->err, "the key does not fit state %lld's keys", (long long)sid);
        return false;
    }
    const jval *vals = jget(o, "values");
    int64_t v[1024];
    for (int f = 0; f < s->decl.nfields; f++) {
        const jval *x = vals ? jget(vals, s->decl.field_names[f]) : NULL;
        if (!x || !parse_value(s->decl.field_kinds[f], x, &v[f])) {
            snprintf(im->err, sizeof im->err, "field %s: missing, or not a value of its kind", s->decl.field_names[f]);
            free(key);
            return false;
        }
    }
    size_t nv = (size_t)s->decl.nfields * 8;
    unsigned char *p = s->n == s->cap ? NULL : malloc(keylen + nv + 1);
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        yb_bkt_item *items = realloc(s->items, cap * sizeof *items);
        if (items) {
            s->items = items;
            s->cap = cap;
            p = malloc(keylen + nv + 1);
        }
    }
    if (!p) {
        free(key);
        return false;
    }
    memcpy(p, key, keylen);
    yb_store_pack(v, s->decl.nfields, p + keylen);
    free(key);
    s->items[s->n++] = (yb_bkt_item){0, {p, p + keylen, (uint32_t)keylen, (uint32_t)nv, opened, changed, batch}};
    return true;
}

/* Each state's entries into its buckets (under the imported fingerprint key). */
static bool write_states(importer *im)
{
    yb_store *st = im->st;
    bool ok = true;
    for (int i = 0; ok && i < im->nstates; i++) {
        imp_state *s = &im->states[i];
        int64_t nb = yb_bkt_count_for(0, (int64_t)s->n);
        yb_cell v[3] = {yb_cell_i(nb), yb_cell_i((int64_t)s->n), yb_cell_i(s->id)};
        ok = yb_bkt_write_all(st, s->id, s->items, s->n, nb, im->err, sizeof im->err) &&
             st->b->ops->bucket_flush(st->b, im->err, sizeof im->err) &&
             st->b->ops->exec(st->b, "UPDATE yb_state SET buckets = $1, entries = $2 WHERE id = $3", v, 3, NULL, NULL,
                              im->err, sizeof im->err);
    }
    return ok;
}

/* {"fps":STATE,"run":R,"entries":"…"}: a part of a fingerprint run, 24 hex
   digits an entry (the fingerprint, then its batch); the run list and the
   filters are worked out from the parts once every line is in. */
static bool import_fps(importer *im, const jval *o)
{
    int64_t state, run;
    const char *hex = str(o, "entries");
    size_t n = hex ? strlen(hex) / 24 : 0;
    if (!num(o, "fps", &state) || !num(o, "run", &run) || !hex || !n || strlen(hex) % 24) {
        snprintf(im->err, sizeof im->err, "fps lines need fps, run and entries (24 hex digits each)");
        return false;
    }
    unsigned char *b = malloc(n * 12);
    if (!b) return false;
    uint64_t fp = 0, last = 0;
    for (size_t i = 0; i < n; i++) {
        char h[17], t[9], *e1, *e2;
        memcpy(h, hex + 24 * i, 16);
        memcpy(t, hex + 24 * i + 16, 8);
        h[16] = t[8] = 0;
        fp = strtoull(h, &e1, 16);
        uint64_t tag = strtoull(t, &e2, 16);
        if (*e1 || *e2 || !fp || (i && fp <= last)) {
            free(b);
            snprintf(im->err, sizeof im->err, "fps: not hexadecimal, or not in ascending order");
            return false;
        }
        last = fp;
        for (int k = 0; k < 8; k++) b[12 * i + k] = (unsigned char)(fp >> (8 * k));
        for (int k = 0; k < 4; k++) b[12 * i + 8 + k] = (unsigned char)(tag >> (8 * k));
    }
    yb_cell c[4] = {yb_cell_i(state), yb_cell_i(run), yb_cell_i((int64_t)(fp ^ ((uint64_t)1 << 63))), yb_cell_b(b, n * 12)};
    bool ok = im->st->b->ops->exec(im->st->b, "INSERT INTO yb_fps(state, run, hi, fps) VALUES ($1, $2, $3, $4)", c, 4,
                                   NULL, NULL, im->err, sizeof im->err);
    free(b);
    return ok;
}

static bool import_state(importer *im, const jval *o)
{
    int64_t id, nfields, policy;
    const char *name = str(o, "name"), *decl = str(o, "decl");
    if (!num(o, "state", &id) || !num(o, "nfields", &nfields) || !num(o, "policy", &policy) || !name || !decl) {
        snprintf(im->err, sizeof im->err, "a state needs state, name, decl, nfields and policy");
        return false;
    }
    if (im->nstates == im->cap) {
        int cap = im->cap ? im->cap * 2 : 16;
        imp_state *v = realloc(im->states, (size_t)cap * sizeof *v);
        if (!v) return false;
        im->states = v;
        im->cap = cap;
    }
    imp_state *s = &im->states[im->nstates];
    *s = (imp_state){0};
    if (!yb_decl_parse(decl, &s->decl) || s->decl.nfields != nfields) {
        yb_decl_free(&s->decl);
        snprintf(im->err, sizeof im->err, "state %s: a declaration the ledger cannot read", name);
        return false;
    }
    s->id = id;
    im->nstates++;
    yb_cell c[5] = {yb_cell_i(id), yb_cell_t(name), yb_cell_t(decl), yb_cell_i(nfields), yb_cell_i(policy)};
    return im->st->b->ops->exec(im->st->b,
                                "INSERT INTO yb_state(id, name, decl, nfields, policy) VALUES ($1, $2, $3, $4, $5)", c,
                                5, NULL, NULL, im->err, sizeof im->err);
}

static bool import_line(importer *im, const jval *o)
{
    yb_backend *b = im->st->b;
    int64_t id, policy, claims;
    if (jget(o, "yibao_ledger")) {
        const char *fmt = str(o, "yibao_ledger"), *key = str(o, "fp_key");
        /* the lines of an export are the same since format 2 */
        if (!fmt || (strcmp(fmt, YB_LEDGER_FORMAT) != 0 && strcmp(fmt, "yibao-ledger 2") != 0) || !key ||
            strlen(key) != 32 || strspn(key, "0123456789abcdef") != 32) {
            snprintf(im->err, sizeof im->err, "not an export of a ledger of format \"%s\"", YB_LEDGER_FORMAT);
            return false;
        }
        char half[17];
        for (int h = 0; h < 2; h++) { /* the buckets are the key's: computed under it */
            memcpy(half, key + 16 * h, 16);
            half[16] = 0;
            im->st->fpkey[h] = strtoull(half, NULL, 16);
        }
        yb_cell c = yb_cell_t(key);
        return b->ops->exec(b, "UPDATE yb_meta SET v = $1 WHERE k = 'fp_key'", &c, 1, NULL, NULL, im->err, sizeof im->err);
    }
    if (jget(o, "policy") && jget(o, "hash")) {
        const char *name = str(o, "name"), *version = str(o, "version"), *hash = str(o, "hash");
        if (!num(o, "policy", &id) || !name || !version || !hash) {
            snprintf(im->err, sizeof im->err, "a policy needs policy, name, version and hash");
            return false;
        }
        yb_cell c[4] = {yb_cell_i(id), yb_cell_t(name), yb_cell_t(version), yb_cell_t(hash)};
        return b->ops->exec(b, "INSERT INTO yb_policy(id, name, version, hash) VALUES ($1, $2, $3, $4)", c, 4, NULL,
                            NULL, im->err, sizeof im->err);
    }
    if (jget(o, "state") && jget(o, "decl")) return import_state(im, o);
    if (jget(o, "batch") && jget(o, "at")) {
        const char *at = str(o, "at"), *kind = str(o, "kind");
        if (!num(o, "batch", &id) || !num(o, "policy", &policy) || !num(o, "claims", &claims) || !at || !kind) {
            snprintf(im->err, sizeof im->err, "a batch needs batch, at, policy, kind and claims");
            return false;
        }
        yb_cell c[5] = {yb_cell_i(id), yb_cell_t(at), yb_cell_i(policy), yb_cell_t(kind), yb_cell_i(claims)};
        return b->ops->exec(b, "INSERT INTO yb_batch(id, at, policy, kind, claims) VALUES ($1, $2, $3, $4, $5)", c, 5,
                            NULL, NULL, im->err, sizeof im->err);
    }
    if (jget(o, "entry")) return import_entry(im, o);
    if (jget(o, "fps")) return import_fps(im, o);
    snprintf(im->err, sizeof im->err, "a line of no kind the ledger knows");
    return false;
}

static bool new_ledger(yb_store *st, char *err, size_t errlen)
{
    int64_t n = 0;
    if (!yb_store_query_int(st, "SELECT (SELECT COUNT(*) FROM yb_policy) + (SELECT COUNT(*) FROM yb_batch)", NULL, 0,
                            &n, err, errlen))
        return false;
    if (n) snprintf(err, errlen, "import goes into a new ledger; this one holds batches already");
    return n == 0;
}

int yb_ledger_import(const char *where, const char *file, FILE *errs)
{
    FILE *in = strcmp(file, "-") == 0 ? stdin : fopen(file, "rb");
    if (!in) {
        fprintf(errs, "yibao: %s: cannot open: %s\n", file, strerror(errno));
        return 1;
    }
    importer im = {0};
    im.st = yb_store_open(where, true, im.err, sizeof im.err);
    bool ok = im.st != NULL, begun = false;
    if (!ok) fprintf(errs, "yibao: %s\n", im.err);
    if (ok && !(ok = new_ledger(im.st, im.err, sizeof im.err))) fprintf(errs, "yibao: %s: %s\n", where, im.err);
    if (ok && !(ok = begun = im.st->b->ops->exec(im.st->b, im.st->b->ops->begin_sql, NULL, 0, NULL, NULL, im.err,
                                                   sizeof im.err)))
        fprintf(errs, "yibao: %s: %s\n", where, im.err);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long lineno = 0;
    while (ok && (n = getline(&line, &cap, in)) > 0) {
        lineno++;
        jparser j = {line, line + n, 0};
        jval v = {0};
        im.err[0] = 0;
        ok = jvalue(&j, &v) && v.kind == J_OBJ;
        skip_ws(&j);
        if (ok && j.p != j.end) ok = false;
        if (!ok && !im.err[0]) snprintf(im.err, sizeof im.err, "not a JSON object");
        ok = ok && import_line(&im, &v);
        if (!ok) fprintf(errs, "%s:%ld: error: %s\n", file, lineno, im.err[0] ? im.err : "out of memory");
        jfree(&v);
    }
    free(line);
    if (ok && ferror(in)) {
        fprintf(errs, "%s: error: cannot read\n", file);
        ok = false;
    }
    if (ok && !(ok = write_states(&im))) fprintf(errs, "yibao: %s: %s\n", where, im.err[0] ? im.err : "out of memory");
    if (ok && !(ok = yb_fps_rebuild_all(im.st, im.err, sizeof im.err))) fprintf(errs, "yibao: %s: %s\n", where, im.err);
    if (ok && !(ok = im.st->b->ops->exec(im.st->b, "COMMIT", NULL, 0, NULL, NULL, im.err, sizeof im.err)))
        fprintf(errs, "yibao: %s: %s\n", where, im.err);
    if (!ok && begun) {
        im.st->b->ops->exec(im.st->b, "ROLLBACK", NULL, 0, NULL, NULL, NULL, 0);
        fprintf(errs, "yibao: %s: nothing imported\n", where);
    }
    if (in != stdin) fclose(in);
    for (int i = 0; i < im.nstates; i++) {
        yb_decl_free(&im.states[i].decl);
        for (size_t k = 0; k < im.states[i].n; k++) free((void *)im.states[i].items[k].e.key);
        free(im.states[i].items);
    }
    free(im.states);
    yb_store_close(im.st);
    if (ok) fprintf(errs, "imported %ld lines into %s\n", lineno, where);
    return ok ? 0 : 1;
}
