#include "ledger_decl.h"

#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "money.h"
#include "report.h"
#include "value.h"

/* A kind by its printed name (base/kinds.def): the value kinds a state or
 * report key can hold (a duration is never one). */
static int kind_of(const char *s, size_t n)
{
    for (unsigned k = 0; k < YB_T__COUNT; k++) {
        const char *name = yb_kind_name((yb_kind)k);
        if (yb_kind_value(k) && k != YB_T_DURATION && strlen(name) == n && memcmp(name, s, n) == 0) return (int)k;
    }
    return -1;
}

static char *dup_n(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (!p) return NULL;
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

/* "enum(a,b,c)" after the word: its members. */
static bool parse_enum(const char *s, size_t n, yb_decl_enum *e)
{
    if (n < 2 || s[0] != '(' || s[n - 1] != ')') return false;
    const char *p = s + 1, *end = s + n - 1;
    int count = 1;
    for (const char *q = p; q < end; q++) count += *q == ',';
    e->names = calloc((size_t)count, sizeof *e->names);
    if (!e->names) return false;
    while (p <= end) {
        const char *c = memchr(p, ',', (size_t)(end - p));
        if (!c) c = end;
        if (!(e->names[e->n++] = dup_n(p, (size_t)(c - p)))) return false;
        p = c + 1;
    }
    return true;
}

bool yb_decl_parse(const char *text, yb_decl *d)
{
    memset(d, 0, sizeof *d);
    if (strncmp(text, "retired ", 8) == 0) {
        d->retired = true;
        text += 8;
    }
    if (strncmp(text, "keys", 4) != 0) return false;
    const char *p = text + 4;
    const char *fields = strstr(p, "; fields");
    if (!fields) return false;
    while (p < fields) {
        while (*p == ' ') p++;
        if (p >= fields) break;
        const char *w = p;
        while (p < fields && *p != ' ') p++;
        const char *paren = memchr(w, '(', (size_t)(p - w));
        size_t wn = paren ? (size_t)(paren - w) : (size_t)(p - w);
        int k = kind_of(w, wn);
        if (k < 0 || d->nkeys == YB_DECL_MAX) return false;
        d->key_kinds[d->nkeys] = (uint8_t)k;
        if (k == YB_T_ENUM && (!paren || !parse_enum(paren, (size_t)(p - paren), &d->key_enums[d->nkeys]))) return false;
        d->nkeys++;
    }
    p = fields + 8;
    while (*p) {
        while (*p == ' ') p++;
        if (!*p) break;
        const char *w = p;
        while (*p && *p != ' ') p++;
        const char *colon = memchr(w, ':', (size_t)(p - w));
        if (!colon || d->nfields == 1024) return false;
        int k = kind_of(colon + 1, (size_t)(p - colon - 1));
        if (k < 0 || !(d->field_names[d->nfields] = dup_n(w, (size_t)(colon - w)))) return false;
        d->field_kinds[d->nfields++] = (uint8_t)k;
    }
    return d->nkeys > 0;
}

void yb_decl_free(yb_decl *d)
{
    for (int k = 0; k < d->nkeys; k++) {
        for (int m = 0; m < d->key_enums[k].n; m++) free(d->key_enums[k].names[m]);
        free(d->key_enums[k].names);
    }
    for (int f = 0; f < d->nfields; f++) free(d->field_names[f]);
    memset(d, 0, sizeof *d);
}

void yb_decl_value_text(uint8_t kind, int64_t v, char *buf, size_t n)
{
    char t[40];
    switch (kind) {
    case YB_T_MONEY: yb_money_format(v, t); break;
    case YB_T_RATE: yb_rate_format(v, t); break;
    case YB_T_DATE: yb_date_format(v, t); break;
    case YB_T_BOOL: snprintf(t, sizeof t, "%s", v ? "true" : "false"); break;
    default: snprintf(t, sizeof t, "%lld", (long long)v); break;
    }
    snprintf(buf, n, "%s", t);
}

void yb_decl_value_json(uint8_t kind, int64_t v, FILE *out)
{
    char t[40];
    yb_decl_value_text(kind, v, t, sizeof t);
    if (kind == YB_T_INT || kind == YB_T_BOOL) fputs(t, out);
    else fprintf(out, "\"%s\"", t);
}

bool yb_decl_key_ok(const yb_decl *d, const unsigned char *key, size_t n)
{
    size_t at = 0;
    for (int k = 0; k < d->nkeys; k++) {
        if (d->key_kinds[k] == YB_T_TEXT) {
            uint32_t len;
            if (n - at < 4) return false;
            memcpy(&len, key + at, 4);
            if (n - at - 4 < len) return false;
            at += 4 + len;
        } else {
            if (n - at < 8) return false;
            at += 8;
        }
    }
    return at == n;
}

bool yb_decl_key_json(const yb_decl *d, const unsigned char *key, size_t n, FILE *out)
{
    if (!yb_decl_key_ok(d, key, n)) return false;
    size_t at = 0;
    fputc('[', out);
    for (int k = 0; k < d->nkeys; k++) {
        if (k) fputc(',', out);
        if (d->key_kinds[k] == YB_T_TEXT) {
            uint32_t len;
            memcpy(&len, key + at, 4);
            yb_put_json_text(out, (const char *)key + at + 4, len);
            at += 4 + len;
            continue;
        }
        int64_t v;
        memcpy(&v, key + at, 8);
        at += 8;
        const yb_decl_enum *e = &d->key_enums[k];
        if (d->key_kinds[k] == YB_T_ENUM && v >= 0 && v < e->n) yb_put_json_text(out, e->names[v], strlen(e->names[v]));
        else yb_decl_value_json(d->key_kinds[k], v, out);
    }
    fputc(']', out);
    return true;
}
