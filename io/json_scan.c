/* The JSON lexical level, shared by the general parser (json_reader.c) and
 * the fast path (json_fastpath.c): strings (checked UTF-8 and escapes, then
 * unescaped), numbers, values skipped whole, and the syntax errors they word.
 *
 * Safety: every scanner stops at a NUL byte, and every NUL is checked against
 * the line's end before anything reads past it.  Nesting is capped at
 * YBR_MAX_DEPTH.
 */
#include "json_internal.h"

#include <stdio.h>

/* String bytes: 0 plain, 1 quote, 2 backslash, 3 control, 4 non-ASCII */
#define X16(v) v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v
const uint8_t ybj_str_class[256] = {
    X16(3), X16(3),
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    X16(0), X16(0),
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0,
    X16(0), X16(0),
    X16(4), X16(4), X16(4), X16(4), X16(4), X16(4), X16(4), X16(4),
};
#undef X16

/* A syntax error at p: field "", "EXPECTED was expected, found X at column N". */
const char *ybj_syntax_err(ybj_parse *P, const char *p, const char *expected)
{
    char found[48];
    long col = (long)(p - P->ls) + 1;
    if (p >= P->le)
        snprintf(found, sizeof found, "end of line at column %ld", (long)(P->le - P->ls) + 1);
    else {
        unsigned char ch = (unsigned char)*p;
        if (ch > 0x20 && ch < 0x7f)
            snprintf(found, sizeof found, "'%c' at column %ld", ch, col);
        else if (ch == ' ')
            snprintf(found, sizeof found, "a space at column %ld", col);
        else
            snprintf(found, sizeof found, "byte 0x%02X at column %ld", ch, col);
    }
    P->err->field[0] = 0;
    snprintf(P->err->message, sizeof P->err->message, "%s was expected, found %s", expected, found);
    return NULL;
}

const char *ybj_depth_err(ybj_parse *P, const char *p)
{
    P->err->field[0] = 0;
    snprintf(P->err->message, sizeof P->err->message, "at most %d levels of nesting were expected, found more at column %ld",
             YBR_MAX_DEPTH, (long)(p - P->ls) + 1);
    return NULL;
}

static inline int hexval(unsigned char ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

/* Four hex digits at p; returns the number of valid ones seen (4 = ok). */
static int hex4(const char *p, unsigned *u)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval((unsigned char)p[i]);
        if (h < 0) return i;
        v = v << 4 | (unsigned)h;
    }
    *u = v;
    return 4;
}

/* p at a backslash inside a string: check the escape, return what follows. */
static const char *check_escape(ybj_parse *P, const char *p)
{
    switch (p[1]) {
    case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
        return p + 2;
    case 'u': {
        unsigned u, u2;
        int k = hex4(p + 2, &u);
        if (k < 4) return ybj_syntax_err(P, p + 2 + k, "a hex digit of \\uXXXX");
        if (u >= 0xDC00 && u <= 0xDFFF) return ybj_syntax_err(P, p, "a high surrogate before this low surrogate");
        if (u < 0xD800 || u > 0xDBFF) return p + 6;
        if (p[6] != '\\' || p[7] != 'u') return ybj_syntax_err(P, p + 6, "a low surrogate \\uDC00-\\uDFFF");
        k = hex4(p + 8, &u2);
        if (k < 4) return ybj_syntax_err(P, p + 8 + k, "a hex digit of \\uXXXX");
        if (u2 < 0xDC00 || u2 > 0xDFFF) return ybj_syntax_err(P, p + 6, "a low surrogate \\uDC00-\\uDFFF");
        return p + 12;
    }
    default:
        return ybj_syntax_err(P, p + 1, "an escape \\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX");
    }
}

/* p just after an opening quote: returns a pointer to the closing quote,
 * *esc set when the string holds escapes; NULL on a bad string. */
const char *ybj_scan_str_slow(ybj_parse *P, const char *p, int *esc)
{
    *esc = 0;
    for (;;) {
        p = ybj_plain_run(p);
        uint8_t k = ybj_str_class[(unsigned char)*p];
        if (k == 1) return p;
        if (k == 2) {
            p = check_escape(P, p);
            if (!p) return NULL;
            *esc = 1;
            continue;
        }
        if (k == 4) {
            int L = ybr_utf8_seq((const unsigned char *)p);
            if (!L) return ybj_syntax_err(P, p, "valid UTF-8");
            p += L;
            continue;
        }
        if (p >= P->le) return ybj_syntax_err(P, p, "a closing '\"'");
        return ybj_syntax_err(P, p, "an escape (\\u00XX) for a control character");
    }
}

static size_t put_utf8(char *d, unsigned u)
{
    if (u < 0x80) { d[0] = (char)u; return 1; }
    if (u < 0x800) { d[0] = (char)(0xC0 | u >> 6); d[1] = (char)(0x80 | (u & 0x3F)); return 2; }
    if (u < 0x10000) {
        d[0] = (char)(0xE0 | u >> 12);
        d[1] = (char)(0x80 | ((u >> 6) & 0x3F));
        d[2] = (char)(0x80 | (u & 0x3F));
        return 3;
    }
    d[0] = (char)(0xF0 | u >> 18);
    d[1] = (char)(0x80 | ((u >> 12) & 0x3F));
    d[2] = (char)(0x80 | ((u >> 6) & 0x3F));
    d[3] = (char)(0x80 | (u & 0x3F));
    return 4;
}

/* Unescape a checked string body into d (at most n bytes out); returns the length. */
size_t ybj_unescape(const char *s, size_t n, char *d)
{
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        if (s[i] != '\\') { d[o++] = s[i++]; continue; }
        char e = s[i + 1];
        i += 2;
        switch (e) {
        case 'b': d[o++] = '\b'; break;
        case 'f': d[o++] = '\f'; break;
        case 'n': d[o++] = '\n'; break;
        case 'r': d[o++] = '\r'; break;
        case 't': d[o++] = '\t'; break;
        case 'u': {
            unsigned u = 0, u2 = 0;
            hex4(s + i, &u);
            i += 4;
            if (u >= 0xD800 && u <= 0xDBFF) {
                hex4(s + i + 2, &u2);
                i += 6;
                u = 0x10000 + ((u - 0xD800) << 10) + (u2 - 0xDC00);
            }
            o += put_utf8(d + o, u);
            break;
        }
        default: d[o++] = e; break; /* " \ / */
        }
    }
    return o;
}

/* A JSON number at p; returns its end, or NULL with *bad at the offending byte.
 * *plain: an integer (no fraction, no exponent). */
const char *ybj_scan_num(const char *p, int *plain, const char **bad)
{
    const char *q = p;
    *plain = 1;
    if (*q == '-') q++;
    if (*q == '0') q++;
    else if (*q >= '1' && *q <= '9') { while (*q >= '0' && *q <= '9') q++; }
    else { *bad = q; return NULL; }
    if (*q == '.') {
        q++;
        *plain = 0;
        if (!(*q >= '0' && *q <= '9')) { *bad = q; return NULL; }
        while (*q >= '0' && *q <= '9') q++;
    }
    if (*q == 'e' || *q == 'E') {
        q++;
        *plain = 0;
        if (*q == '+' || *q == '-') q++;
        if (!(*q >= '0' && *q <= '9')) { *bad = q; return NULL; }
        while (*q >= '0' && *q <= '9') q++;
    }
    return q;
}

const char *ybj_skip_value(ybj_parse *P, const char *p, int depth)
{
    if (depth > YBR_MAX_DEPTH) return ybj_depth_err(P, p);
    int esc, plain;
    const char *bad;
    switch (*p) {
    case '"':
        p = ybj_scan_str(P, p + 1, &esc);
        return p ? p + 1 : NULL;
    case '{':
        p = ybj_ws(p + 1);
        if (*p == '}') return p + 1;
        for (;;) {
            if (*p != '"') return ybj_syntax_err(P, p, "a key string");
            p = ybj_scan_str(P, p + 1, &esc);
            if (!p) return NULL;
            p = ybj_ws(p + 1);
            if (*p != ':') return ybj_syntax_err(P, p, "':'");
            p = ybj_skip_value(P, ybj_ws(p + 1), depth + 1);
            if (!p) return NULL;
            p = ybj_ws(p);
            if (*p == ',') { p = ybj_ws(p + 1); continue; }
            if (*p == '}') return p + 1;
            return ybj_syntax_err(P, p, "',' or '}'");
        }
    case '[':
        p = ybj_ws(p + 1);
        if (*p == ']') return p + 1;
        for (;;) {
            p = ybj_skip_value(P, p, depth + 1);
            if (!p) return NULL;
            p = ybj_ws(p);
            if (*p == ',') { p = ybj_ws(p + 1); continue; }
            if (*p == ']') return p + 1;
            return ybj_syntax_err(P, p, "',' or ']'");
        }
    case 't':
        if (p[1] == 'r' && p[2] == 'u' && p[3] == 'e') return p + 4;
        break;
    case 'f':
        if (p[1] == 'a' && p[2] == 'l' && p[3] == 's' && p[4] == 'e') return p + 5;
        break;
    case 'n':
        if (p[1] == 'u' && p[2] == 'l' && p[3] == 'l') return p + 4;
        break;
    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
        p = ybj_scan_num(p, &plain, &bad);
        return p ? p : ybj_syntax_err(P, bad, "a digit");
    default:
        break;
    }
    return ybj_syntax_err(P, p, "a JSON value");
}
