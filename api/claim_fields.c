/* A claim given field by field (yibao_claim_set, _set_text, _append), for a
 * host that holds its claims in its own structures rather than as JSON.
 *
 * The values are kept per schema field (and per list element), checked
 * against the policy's input shape as they are set, and at settle time
 * written out as the claim's JSON line and read by the same reader as
 * `yibao run`: so a claim set field by field is checked by exactly the rules
 * (required fields, ranges, enum members, defaults) and gets exactly the
 * error text of the same claim given as JSON.  Every buffer is kept and
 * reused from one claim to the next. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "date.h"
#include "decimal.h"
#include "json_text.h"
#include "money.h"

struct api_val {
    uint8_t set;     /* given for the claim being built */
    uint8_t is_text; /* text at [off, off + len) of the text buffer, else value */
    int64_t value;
    uint32_t off, len;
};

/* ------------------------------------------------------------------------ */
/* Room                                                                      */

static bool grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap) return true;
    size_t n = *cap ? *cap : 8;
    while (n < need) n *= 2;
    void *q = realloc(*p, n * size);
    if (!q) return false;
    memset((char *)q + *cap * size, 0, (n - *cap) * size);
    *p = q;
    *cap = n;
    return true;
}

static bool builder_ready(api_builder *cb, const yb_schema *s)
{
    size_t n = (size_t)s->nfields, nl = (size_t)s->nlists;
    if (!cb->top && !(cb->top = calloc(n ? n : 1, sizeof *cb->top))) return false;
    if (!cb->elems && nl) {
        cb->elems = calloc(nl, sizeof *cb->elems);
        cb->count = calloc(nl, sizeof *cb->count);
        cb->cap = calloc(nl, sizeof *cb->cap);
        if (!cb->elems || !cb->count || !cb->cap) return false;
    }
    return true;
}

void api_builder_clear(api_builder *cb, const yb_schema *s)
{
    if (cb->top) memset(cb->top, 0, (size_t)s->nfields * sizeof *cb->top);
    for (int32_t l = 0; cb->count && l < s->nlists; l++) {
        if (cb->elems[l]) memset(cb->elems[l], 0, (size_t)cb->count[l] * (size_t)s->nfields * sizeof **cb->elems);
        cb->count[l] = 0;
    }
    cb->tlen = 0;
    cb->any = false;
}

void api_builder_free(api_builder *cb, const yb_schema *s)
{
    for (int32_t l = 0; cb->elems && l < s->nlists; l++) free(cb->elems[l]);
    free(cb->elems);
    free(cb->count);
    free(cb->cap);
    free(cb->top);
    free(cb->text);
    free(cb->json);
    memset(cb, 0, sizeof *cb);
}

/* ------------------------------------------------------------------------ */
/* Paths: "scheme", "member.birth_date", "items[2].amount"                   */

typedef struct place {
    int32_t field; /* the schema field the path names */
    api_val *vals; /* the value array it lives in (top level or a list element) */
} place;

static int32_t child_named(const yb_schema *s, int32_t first, int32_t count, const char *name, size_t n)
{
    for (int32_t i = first; i < first + count; i++)
        if (strlen(s->fields[i].name) == n && memcmp(s->fields[i].name, name, n) == 0) return i;
    return -1;
}

/* Where path leads, or an error (YIBAO_E_ARGUMENT) saying which segment is wrong. */
static yibao_status resolve(api_builder *cb, const yb_schema *s, const char *path, place *out, yibao_error *err)
{
    int32_t first = s->root_first, count = s->root_count, f = -1;
    api_val *vals = cb->top;
    bool in_elem = false;
    const char *p = path;
    for (;;) {
        size_t n = strcspn(p, ".[");
        if (n == 0) return api_fail(err, YIBAO_E_ARGUMENT, "field path \"%s\": an empty name", path);
        f = child_named(s, first, count, p, n);
        if (f < 0) return api_fail(err, YIBAO_E_ARGUMENT, "field path \"%s\": the policy's input has no field \"%.*s\" there", path, (int)n, p);
        const yb_field *fd = &s->fields[f];
        p += n;
        if (fd->kind == YB_T_LIST) {
            char *end;
            long e = *p == '[' ? strtol(p + 1, &end, 10) : -1;
            if (*p != '[' || end == p + 1 || *end != ']')
                return api_fail(err, YIBAO_E_ARGUMENT, "field path \"%s\": %s is a list: name an element, %s[0]", path, fd->name, fd->name);
            if (in_elem) return api_fail(err, YIBAO_E_ARGUMENT, "field path \"%s\": a list inside a list element cannot be set field by field; give the claim as JSON", path);
            int32_t l = fd->slot;
            if (e < 0 || e >= cb->count[l])
                return api_fail(err, YIBAO_E_ARGUMENT, "field path \"%s\": %s has %d elements (yibao_claim_append adds one)", path, fd->name, cb->count[l]);
            vals = cb->elems[l] + (size_t)e * (size_t)s->nfields;
            in_elem = true;
            p = end + 1;
        }
        if (fd->kind != YB_T_LIST && fd->kind != YB_T_RECORD) break;
        if (*p != '.') return api_fail(err, YIBAO_E_ARGUMENT, "field path \"%s\": %s is %s: name one of its fields after a dot", path, fd->name, fd->kind == YB_T_LIST ? "a list of records" : "a record");
        p++;
        first = fd->first;
        count = fd->count;
    }
    if (*p) return api_fail(err, YIBAO_E_ARGUMENT, "field path \"%s\": %s is not a record, nothing can follow it", path, s->fields[f].name);
    out->field = f;
    out->vals = vals;
    return YIBAO_OK;
}

/* ------------------------------------------------------------------------ */
/* Setting                                                                   */

static const char *kind_name(uint8_t k)
{
    switch (k) {
    case YB_T_MONEY: return "money";
    case YB_T_DATE: return "a date";
    case YB_T_INT: return "an integer";
    case YB_T_BOOL: return "a bool";
    case YB_T_TEXT: return "text";
    case YB_T_ENUM: return "an enum";
    default: return "a record or list";
    }
}

yibao_status api_builder_set(api_builder *cb, const yb_schema *s, const char *path, int64_t v, yibao_error *err)
{
    place pl;
    if (!builder_ready(cb, s)) return api_fail(err, YIBAO_E_NOMEM, "out of memory");
    yibao_status st = resolve(cb, s, path, &pl, err);
    if (st) return st;
    const yb_field *fd = &s->fields[pl.field];
    if (fd->kind == YB_T_TEXT) return api_fail(err, YIBAO_E_ARGUMENT, "%s is text: set it with yibao_claim_set_text", path);
    if (fd->kind == YB_T_BOOL && v != 0 && v != 1) return api_fail(err, YIBAO_E_ARGUMENT, "%s is a bool: 0 or 1, not %lld", path, (long long)v);
    if (fd->kind == YB_T_ENUM && (fd->enum_id >= s->nenums || v < 0 || v >= s->enums[fd->enum_id].n))
        return api_fail(err, YIBAO_E_ARGUMENT, "%s is an enum: a member index from 0 (or its name through yibao_claim_set_text), not %lld", path, (long long)v);
    pl.vals[pl.field] = (api_val){1, 0, v, 0, 0};
    cb->any = true;
    return api_ok(err);
}

yibao_status api_builder_set_text(api_builder *cb, const yb_schema *s, const char *path, const char *t, size_t n,
                                  yibao_error *err)
{
    place pl;
    if (!builder_ready(cb, s)) return api_fail(err, YIBAO_E_NOMEM, "out of memory");
    yibao_status st = resolve(cb, s, path, &pl, err);
    if (st) return st;
    uint8_t k = s->fields[pl.field].kind;
    if (k != YB_T_TEXT && k != YB_T_ENUM && k != YB_T_MONEY && k != YB_T_DATE)
        return api_fail(err, YIBAO_E_ARGUMENT, "%s is %s: set it with yibao_claim_set", path, kind_name(k));
    if (n > UINT32_MAX - cb->tlen) return api_fail(err, YIBAO_E_ARGUMENT, "%s: the text is too long", path);
    if (!grow((void **)&cb->text, &cb->tcap, cb->tlen + n + 1, 1)) return api_fail(err, YIBAO_E_NOMEM, "out of memory");
    memcpy(cb->text + cb->tlen, t, n);
    pl.vals[pl.field] = (api_val){1, 1, 0, (uint32_t)cb->tlen, (uint32_t)n};
    cb->tlen += n;
    cb->any = true;
    return api_ok(err);
}

yibao_status api_builder_append(api_builder *cb, const yb_schema *s, const char *list, int *index, yibao_error *err)
{
    if (!builder_ready(cb, s)) return api_fail(err, YIBAO_E_NOMEM, "out of memory");
    int32_t f = child_named(s, s->root_first, s->root_count, list, strlen(list));
    if (f < 0 || s->fields[f].kind != YB_T_LIST)
        return api_fail(err, YIBAO_E_ARGUMENT, "\"%s\" is not a list of the policy's input (lists are appended to at the top level)", list);
    int32_t l = s->fields[f].slot;
    if (cb->count[l] >= YB_API_MAX_ELEMENTS)
        return api_fail(err, YIBAO_E_ARGUMENT, "%s: at most %d elements", list, YB_API_MAX_ELEMENTS);
    size_t need = ((size_t)cb->count[l] + 1) * (size_t)s->nfields, cap = cb->cap[l];
    if (!grow((void **)&cb->elems[l], &cap, need, sizeof **cb->elems)) return api_fail(err, YIBAO_E_NOMEM, "out of memory");
    cb->cap[l] = cap;
    if (index) *index = cb->count[l];
    cb->count[l]++;
    cb->any = true;
    return api_ok(err);
}

/* ------------------------------------------------------------------------ */
/* The claim as a JSON line                                                  */

static bool put(api_builder *cb, const char *p, size_t n)
{
    if (!grow((void **)&cb->json, &cb->jcap, cb->jlen + n + 1, 1)) return false;
    memcpy(cb->json + cb->jlen, p, n);
    cb->jlen += n;
    cb->json[cb->jlen] = 0;
    return true;
}

static bool put_s(api_builder *cb, const char *p) { return put(cb, p, strlen(p)); }

static bool put_string(api_builder *cb, const char *p, size_t n)
{
    if (!grow((void **)&cb->json, &cb->jcap, cb->jlen + yb_json_text_len(p, n) + 3, 1)) return false;
    char *d = cb->json + cb->jlen;
    *d++ = '"';
    d = yb_json_text_at(d, p, n);
    *d++ = '"';
    *d = 0;
    cb->jlen = (size_t)(d - cb->json);
    return true;
}

static bool put_value(api_builder *cb, const yb_schema *s, const yb_field *fd, const api_val *v)
{
    char d[32];
    if (v->is_text) return put_string(cb, cb->text + v->off, v->len);
    switch (fd->kind) {
    case YB_T_MONEY: return put(cb, d, (size_t)yb_money_format(v->value, d));
    case YB_T_DATE:
        if (v->value < YB_DATE_MIN || v->value > YB_DATE_MAX) return put(cb, d, yb_decimal_i64(d, v->value));
        return put_string(cb, d, (size_t)yb_date_format(v->value, d));
    case YB_T_BOOL: return put_s(cb, v->value ? "true" : "false");
    case YB_T_ENUM: {
        const char *m = s->enums[fd->enum_id].names[v->value];
        return put_string(cb, m, strlen(m));
    }
    default: return put(cb, d, yb_decimal_i64(d, v->value));
    }
}

static bool put_object(api_builder *cb, const yb_schema *s, int32_t first, int32_t count, const api_val *vals);

/* "name": and the field's value; a record none of whose fields was set, or an empty list, is left out. */
static bool put_member(api_builder *cb, const yb_schema *s, int32_t f, const api_val *vals, bool *comma)
{
    const yb_field *fd = &s->fields[f];
    size_t mark = cb->jlen;
    bool ok = (!*comma || put(cb, ",", 1)) && put_string(cb, fd->name, strlen(fd->name)) && put(cb, ":", 1);
    size_t body = cb->jlen;
    if (fd->kind == YB_T_RECORD) {
        ok = ok && put_object(cb, s, fd->first, fd->count, vals);
        if (ok && cb->jlen == body + 2) cb->jlen = mark; /* {} : not given */
    } else if (fd->kind == YB_T_LIST) {
        int32_t l = fd->slot;
        if (!cb->count || cb->count[l] == 0) {
            cb->jlen = mark;
        } else {
            ok = ok && put(cb, "[", 1);
            for (int32_t e = 0; ok && e < cb->count[l]; e++)
                ok = (e == 0 || put(cb, ",", 1)) && put_object(cb, s, fd->first, fd->count, cb->elems[l] + (size_t)e * (size_t)s->nfields);
            ok = ok && put(cb, "]", 1);
        }
    } else if (vals[f].set) {
        ok = ok && put_value(cb, s, fd, &vals[f]);
    } else {
        cb->jlen = mark;
    }
    if (cb->json) cb->json[cb->jlen] = 0;
    if (cb->jlen > mark) *comma = true;
    return ok;
}

static bool put_object(api_builder *cb, const yb_schema *s, int32_t first, int32_t count, const api_val *vals)
{
    bool comma = false, ok = put(cb, "{", 1);
    for (int32_t f = first; ok && f < first + count; f++) ok = put_member(cb, s, f, vals, &comma);
    return ok && put(cb, "}", 1);
}

bool api_builder_json(api_builder *cb, const yb_schema *s, const char **json, size_t *len)
{
    cb->jlen = 0;
    if (!builder_ready(cb, s) || !put_object(cb, s, s->root_first, s->root_count, cb->top) || !put(cb, "\n", 1)) return false;
    *json = cb->json;
    *len = cb->jlen;
    return true;
}

/* ------------------------------------------------------------------------ */
/* The calls                                                                 */

#define ON_BATCH(call)                             \
    api_batch *b;                                  \
    yibao_status st = api_batch_enter(env, h, &b, err); \
    if (st) return st;                             \
    st = (call);                                   \
    api_batch_leave(env, h);                       \
    return st;

yibao_status yibao_claim_set(yibao_env *env, yibao_batch h, const char *path, int64_t value, yibao_error *err)
{
    if (!path) return api_fail(err, YIBAO_E_ARGUMENT, "yibao_claim_set: the field path is NULL");
    ON_BATCH(api_builder_set(&b->cb, &b->vm->p->schema, path, value, err))
}

yibao_status yibao_claim_set_text(yibao_env *env, yibao_batch h, const char *path, const char *text, size_t len,
                                  yibao_error *err)
{
    if (!path || !text) return api_fail(err, YIBAO_E_ARGUMENT, "yibao_claim_set_text: the field path or the text is NULL");
    ON_BATCH(api_builder_set_text(&b->cb, &b->vm->p->schema, path, text, len, err))
}

yibao_status yibao_claim_append(yibao_env *env, yibao_batch h, const char *list, int *index, yibao_error *err)
{
    if (!list) return api_fail(err, YIBAO_E_ARGUMENT, "yibao_claim_append: the list name is NULL");
    ON_BATCH(api_builder_append(&b->cb, &b->vm->p->schema, list, index, err))
}

yibao_status yibao_claim_clear(yibao_env *env, yibao_batch h, yibao_error *err)
{
    ON_BATCH((api_builder_clear(&b->cb, &b->vm->p->schema), api_ok(err)))
}

static yibao_status settle_built(api_batch *b, yibao_error *err)
{
    const yb_schema *s = &b->vm->p->schema;
    if (!b->cb.any) {
        b->have = false;
        return api_fail(err, YIBAO_E_ORDER, "no claim to settle: set its fields first (yibao_claim_set, _set_text, _append)");
    }
    const char *json;
    size_t len;
    yibao_status st = api_builder_json(&b->cb, s, &json, &len) ? api_settle_line(b, json, len, err)
                                                              : api_fail(err, YIBAO_E_NOMEM, "out of memory");
    api_builder_clear(&b->cb, s);
    return st;
}

yibao_status yibao_settle_claim(yibao_env *env, yibao_batch h, yibao_error *err) { ON_BATCH(settle_built(b, err)) }

yibao_status yibao_claim_json(yibao_env *env, yibao_batch h, const char **json, size_t *len, yibao_error *err)
{
    if (!json || !len) return api_fail(err, YIBAO_E_ARGUMENT, "yibao_claim_json: an output pointer is NULL");
    ON_BATCH(api_builder_json(&b->cb, &b->vm->p->schema, json, len) ? api_ok(err)
                                                                    : api_fail(err, YIBAO_E_NOMEM, "out of memory"))
}
