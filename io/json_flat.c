/* A JSON object as names and normal-form values (json_flat.h). */
#define _GNU_SOURCE 1 /* open_memstream */
#include "json_flat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct scan {
    const char *s;
    FILE *out; /* the normal form of the value being read */
} scan;

static void skip_ws(scan *c)
{
    while (*c->s == ' ' || *c->s == '\t' || *c->s == '\n' || *c->s == '\r') c->s++;
}

/* A string's body (escapes read), to out; false when it is not a string. */
static bool string_body(scan *c, FILE *out)
{
    if (*c->s != '"') return false;
    for (c->s++; *c->s && *c->s != '"'; c->s++) {
        if (*c->s != '\\') {
            fputc(*c->s, out);
            continue;
        }
        c->s++;
        switch (*c->s) {
        case 'n': fputc('\n', out); break;
        case 't': fputc('\t', out); break;
        case 'r': fputc('\r', out); break;
        case 'b': fputc('\b', out); break;
        case 'f': fputc('\f', out); break;
        case 'u': {
            unsigned v = 0;
            for (int k = 1; k <= 4; k++) {
                char h = c->s[k];
                if (!h) return false;
                v = v * 16 + (unsigned)(h <= '9' ? h - '0' : (h | 32) - 'a' + 10);
            }
            c->s += 4;
            fputc((int)(v & 0x7f), out); /* the writers escape control bytes only */
            break;
        }
        case 0: return false;
        default: fputc(*c->s, out);
        }
    }
    if (*c->s != '"') return false;
    c->s++;
    return true;
}

static char *string_value(scan *c)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&buf, &n);
    if (!m) return NULL;
    bool ok = string_body(c, m);
    fclose(m);
    if (!ok) {
        free(buf);
        return NULL;
    }
    return buf;
}

static bool value(scan *c, FILE *out);

/* An object: as the value of its "rule" when it has one, else as written. */
static bool object(scan *c, FILE *out)
{
    const char *start = c->s;
    yb_json_flat f = {0};
    const char *rest = c->s;
    int depth = 0;
    bool quoted = false;
    for (; *rest; rest++) { /* the object's end */
        if (quoted) {
            if (*rest == '\\' && rest[1]) rest++;
            else if (*rest == '"') quoted = false;
        } else if (*rest == '"') quoted = true;
        else if (*rest == '{') depth++;
        else if (*rest == '}' && --depth == 0) break;
    }
    if (!*rest) return false;
    size_t len = (size_t)(rest - start) + 1;
    char *text = strndup(start, len);
    if (!text) return false;
    bool ok = yb_json_flat_parse(text, &f);
    const char *rule = ok ? yb_json_flat_get(&f, "rule") : NULL;
    if (rule) fputs(rule, out);
    else fwrite(start, 1, len, out);
    yb_json_flat_free(&f);
    free(text);
    c->s = rest + 1;
    return ok;
}

static bool value(scan *c, FILE *out)
{
    skip_ws(c);
    if (*c->s == '"') return string_body(c, out);
    if (*c->s == '{') return object(c, out);
    if (*c->s == '[') {
        c->s++;
        fputc('[', out);
        skip_ws(c);
        for (int k = 0; *c->s != ']'; k++) {
            if (k) {
                if (*c->s != ',') return false;
                c->s++;
                fputs(", ", out);
            }
            if (!value(c, out)) return false;
            skip_ws(c);
        }
        c->s++;
        fputc(']', out);
        return true;
    }
    const char *start = c->s;
    while (*c->s && !strchr(",]} \t\r\n", *c->s)) c->s++;
    if (c->s == start) return false;
    fwrite(start, 1, (size_t)(c->s - start), out);
    return true;
}

static bool add(yb_json_flat *f, char *key, char *val)
{
    char **k = realloc(f->keys, (size_t)(f->n + 1) * sizeof *k), **v = k ? realloc(f->values, (size_t)(f->n + 1) * sizeof *v) : NULL;
    if (k) f->keys = k;
    if (v) f->values = v;
    if (!k || !v) return false;
    f->keys[f->n] = key;
    f->values[f->n++] = val;
    return true;
}

bool yb_json_flat_parse(const char *text, yb_json_flat *f)
{
    memset(f, 0, sizeof *f);
    scan c = {text, NULL};
    skip_ws(&c);
    if (*c.s++ != '{') return false;
    skip_ws(&c);
    for (int k = 0; *c.s != '}'; k++) {
        if (k) {
            if (*c.s != ',') return false;
            c.s++;
            skip_ws(&c);
        }
        char *key = string_value(&c);
        if (!key) return false;
        skip_ws(&c);
        char *val = NULL;
        size_t n = 0;
        FILE *m = *c.s == ':' ? open_memstream(&val, &n) : NULL;
        c.s++;
        bool ok = m && value(&c, m);
        if (m) fclose(m);
        if (!ok || !add(f, key, val)) {
            free(key);
            free(val);
            return false;
        }
        skip_ws(&c);
        if (!*c.s) return false;
    }
    return true;
}

const char *yb_json_flat_get(const yb_json_flat *f, const char *key)
{
    for (int i = 0; i < f->n; i++)
        if (strcmp(f->keys[i], key) == 0) return f->values[i];
    return NULL;
}

void yb_json_flat_free(yb_json_flat *f)
{
    for (int i = 0; i < f->n; i++) {
        free(f->keys[i]);
        free(f->values[i]);
    }
    free(f->keys);
    free(f->values);
    memset(f, 0, sizeof *f);
}

bool yb_json_flat_money(const char *s, yb_money *out)
{
    bool neg = *s == '-';
    size_t n = strlen(s + neg);
    if (!yb_money_parse(s + neg, n, out)) return false;
    if (neg) *out = -*out;
    return true;
}
