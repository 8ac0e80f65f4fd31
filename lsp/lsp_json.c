/* JSON for the language server (lsp_json.h). */
#include "lsp_json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_internal.h"
#include "json_text.h"

/* ---- reading: text already checked by ybj_skip_value */

static const char *build(const char *p, const char *le, lj *v);

static char *string_at(const char *p, const char *le, const char **end, size_t *len)
{
    int esc;
    ybj_parse P = {0};
    yb_record_error err;
    P.err = &err;
    P.le = le;
    const char *q = ybj_scan_str(&P, p + 1, &esc); /* valid: it was checked */
    size_t n = (size_t)(q - (p + 1));
    char *s = malloc(n + 1);
    if (!s) abort();
    *len = esc ? ybj_unescape(p + 1, n, s) : (memcpy(s, p + 1, n), n);
    s[*len] = 0;
    *end = q + 1;
    return s;
}

static void *grow(void *items, int n, size_t size)
{
    if (n & (n - 1)) return items; /* room below the next power of two */
    void *q = realloc(items, (size_t)(n ? 2 * n : 1) * size);
    if (!q) abort();
    return q;
}

static const char *build(const char *p, const char *le, lj *v)
{
    memset(v, 0, sizeof *v);
    p = ybj_ws(p);
    switch (*p) {
    case '"':
        v->kind = LJ_STRING;
        v->text = string_at(p, le, &p, &v->len);
        return p;
    case '{':
    case '[': {
        bool obj = *p == '{';
        v->kind = obj ? LJ_OBJECT : LJ_ARRAY;
        p = ybj_ws(p + 1);
        while (*p != (obj ? '}' : ']')) {
            v->items = grow(v->items, v->count, sizeof *v->items);
            if (obj) {
                size_t kl;
                v->keys = grow(v->keys, v->count, sizeof *v->keys);
                v->keys[v->count] = string_at(p, le, &p, &kl);
                p = ybj_ws(p) + 1; /* ':' */
            }
            p = ybj_ws(build(p, le, &v->items[v->count++]));
            if (*p == ',') p = ybj_ws(p + 1);
        }
        return p + 1;
    }
    case 't': v->kind = LJ_TRUE; return p + 4;
    case 'f': v->kind = LJ_FALSE; return p + 5;
    case 'n': v->kind = LJ_NULL; return p + 4;
    default: {
        int plain;
        const char *bad, *e = ybj_scan_num(p, &plain, &bad);
        v->kind = LJ_NUMBER;
        v->len = (size_t)(e - p);
        v->text = strndup(p, v->len);
        if (!v->text) abort();
        return e;
    }
    }
}

lj *lj_parse(const char *text, size_t n, char *err, size_t errlen)
{
    yb_record_error re = {0};
    ybj_parse P = {0};
    P.err = &re;
    P.ls = text;
    P.le = text + n;
    const char *p = ybj_ws(text);
    const char *e = p < P.le ? ybj_skip_value(&P, p, 0) : ybj_syntax_err(&P, p, "a JSON value");
    if (e && ybj_ws(e) != P.le) e = ybj_syntax_err(&P, ybj_ws(e), "the end of the message");
    if (!e) {
        snprintf(err, errlen, "%s", re.message);
        return NULL;
    }
    lj *v = malloc(sizeof *v);
    if (!v) abort();
    build(p, P.le, v);
    return v;
}

static void lj_clear(lj *v)
{
    free(v->text);
    for (int i = 0; i < v->count; i++) {
        lj_clear(&v->items[i]);
        if (v->keys) free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
}

void lj_free(lj *v)
{
    if (!v) return;
    lj_clear(v);
    free(v);
}

const lj *lj_get(const lj *obj, const char *key)
{
    if (!obj || obj->kind != LJ_OBJECT) return NULL;
    for (int i = 0; i < obj->count; i++)
        if (strcmp(obj->keys[i], key) == 0) return &obj->items[i];
    return NULL;
}

const lj *lj_path(const lj *v, const char *a, const char *b)
{
    v = lj_get(v, a);
    return b ? lj_get(v, b) : v;
}

const char *lj_str(const lj *v) { return v && v->kind == LJ_STRING ? v->text : NULL; }

bool lj_int(const lj *v, int64_t *out)
{
    if (!v || v->kind != LJ_NUMBER || strpbrk(v->text, ".eE") || v->len > 18) return false;
    *out = strtoll(v->text, NULL, 10);
    return true;
}

/* ---- writing */

void lb_put(lbuf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        while (b->n + n + 1 > b->cap) b->cap = b->cap ? 2 * b->cap : 4096;
        b->p = realloc(b->p, b->cap);
        if (!b->p) abort();
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

void lb_puts(lbuf *b, const char *s) { lb_put(b, s, strlen(s)); }

void lb_printf(lbuf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof tmp) {
        lb_put(b, tmp, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) abort();
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    lb_put(b, big, (size_t)n);
    free(big);
}

static void lb_sink(void *ctx, const char *p, size_t n) { lb_put(ctx, p, n); }

/* A JSON string of s[0..n): what is not UTF-8 (a policy's bytes may be anything in a
 * comment) becomes U+FFFD, so every message the client reads is valid JSON text. */
void lb_str(lbuf *b, const char *s, size_t n)
{
    lb_put(b, "\"", 1);
    size_t i = 0, run = 0;
    while (i < n) {
        if ((unsigned char)s[i] < 0x80) {
            i++;
            continue;
        }
        int len = ybr_utf8_seq((const unsigned char *)s + i);
        if (len && i + (size_t)len <= n) {
            i += (size_t)len;
            continue;
        }
        yb_json_text(s + run, i - run, lb_sink, b);
        lb_puts(b, "\xEF\xBF\xBD");
        run = ++i;
    }
    yb_json_text(s + run, n - run, lb_sink, b);
    lb_put(b, "\"", 1);
}

void lb_cstr(lbuf *b, const char *s)
{
    if (s) lb_str(b, s, strlen(s));
    else lb_puts(b, "null");
}

void lb_value(lbuf *b, const lj *v)
{
    if (!v) { lb_puts(b, "null"); return; }
    switch (v->kind) {
    case LJ_NULL: lb_puts(b, "null"); break;
    case LJ_FALSE: lb_puts(b, "false"); break;
    case LJ_TRUE: lb_puts(b, "true"); break;
    case LJ_NUMBER: lb_put(b, v->text, v->len); break;
    case LJ_STRING: lb_str(b, v->text, v->len); break;
    case LJ_ARRAY:
    case LJ_OBJECT:
        lb_puts(b, v->kind == LJ_ARRAY ? "[" : "{");
        for (int i = 0; i < v->count; i++) {
            if (i) lb_puts(b, ",");
            if (v->kind == LJ_OBJECT) {
                lb_cstr(b, v->keys[i]);
                lb_puts(b, ":");
            }
            lb_value(b, &v->items[i]);
        }
        lb_puts(b, v->kind == LJ_ARRAY ? "]" : "}");
        break;
    }
}

void lb_free(lbuf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}
