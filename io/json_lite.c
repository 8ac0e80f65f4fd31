/* A few JSON reading steps over raw bytes (json_lite.h): for the routing of
 * claim lines (route_key.c) and reading batch reports back
 * (report_read.c).  Strings are decoded as the claim reader decodes them. */
#include "json_lite.h"

#include <stdbool.h>
#include <string.h>

const char *yb_jl_ws(const char *p, const char *e)
{
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) p++;
    return p;
}

static int hexval(char ch)
{
    return ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
}

static long hex4(const char *p, const char *e)
{
    if (e - p < 4) return -1;
    long v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(p[i]);
        if (h < 0) return -1;
        v = v * 16 + h;
    }
    return v;
}

/* A JSON string at p (at its quote), decoded into out (up to cap bytes; the
 * length is counted past cap); returns the position after it, or NULL when
 * malformed. */
const char *yb_jl_string(const char *p, const char *e, char *out, size_t cap, size_t *len)
{
    size_t n = 0;
#define OUT(ch) do { if (n < cap) out[n] = (char)(ch); n++; } while (0)
    if (p >= e || *p != '"') return NULL;
    for (p++; p < e && *p != '"'; p++) {
        if (*p != '\\') { OUT(*p); continue; }
        if (++p >= e) return NULL;
        switch (*p) {
        case '"': case '\\': case '/': OUT(*p); break;
        case 'b': OUT('\b'); break;
        case 'f': OUT('\f'); break;
        case 'n': OUT('\n'); break;
        case 'r': OUT('\r'); break;
        case 't': OUT('\t'); break;
        case 'u': {
            long u = hex4(p + 1, e);
            if (u < 0 || (u >= 0xDC00 && u <= 0xDFFF)) return NULL;
            p += 4;
            if (u >= 0xD800 && u <= 0xDBFF) {
                if (e - p < 7 || p[1] != '\\' || p[2] != 'u') return NULL;
                long u2 = hex4(p + 3, e);
                if (u2 < 0xDC00 || u2 > 0xDFFF) return NULL;
                u = 0x10000 + ((u - 0xD800) << 10) + (u2 - 0xDC00);
                p += 6;
            }
            if (u < 0x80) OUT(u);
            else if (u < 0x800) { OUT(0xC0 | (u >> 6)); OUT(0x80 | (u & 63)); }
            else if (u < 0x10000) { OUT(0xE0 | (u >> 12)); OUT(0x80 | ((u >> 6) & 63)); OUT(0x80 | (u & 63)); }
            else { OUT(0xF0 | (u >> 18)); OUT(0x80 | ((u >> 12) & 63)); OUT(0x80 | ((u >> 6) & 63)); OUT(0x80 | (u & 63)); }
            break;
        }
        default: return NULL;
        }
    }
#undef OUT
    *len = n;
    return p < e ? p + 1 : NULL;
}

/* Past one JSON value (strings honoured, brackets counted); NULL when malformed. */
/* The bytes that end a number or a literal. */
static const bool is_stop[256] = {[' '] = 1, ['\t'] = 1, ['\r'] = 1, ['\n'] = 1, [','] = 1, [':'] = 1,
                                  ['{'] = 1, ['}'] = 1, ['['] = 1, [']'] = 1, ['"'] = 1};

const char *yb_jl_skip(const char *p, const char *e)
{
    int depth = 0;
    do {
        p = yb_jl_ws(p, e);
        if (p >= e) return NULL;
        if (*p == '"') {
            /* the closing quote is the next one not escaped: found with memchr
               (a claim's item list is mostly strings: the routing pre-pass
               skips it whole on every line) */
            for (p++;;) {
                const char *q = memchr(p, '"', (size_t)(e - p));
                if (!q) return NULL;
                const char *b = q;
                while (b > p && b[-1] == '\\') b--;
                p = q + 1;
                if ((q - b) % 2 == 0) break;
            }
        } else if (*p == '{' || *p == '[') {
            depth++;
            p++;
        } else if (*p == '}' || *p == ']') {
            if (--depth < 0) return NULL;
            p++;
        } else if (*p == ',' || *p == ':') {
            if (!depth) return NULL;
            p++;
        } else {
            while (p < e && !is_stop[(unsigned char)*p]) p++;
        }
    } while (depth > 0);
    return p;
}

