/* Private to the JSON Lines reader (json_scan.c, json_reader.c,
 * json_fastpath.c): the parse state of one line, the lexical scanners both
 * parsers use, and the fast path's entry points.  Layering: json_reader.c
 * (the general parser) -> json_fastpath.c -> json_scan.c -> the reader core.
 */
#ifndef YB_JSON_INTERNAL_H
#define YB_JSON_INTERNAL_H

#include <string.h>

#include "reader_internal.h"

typedef struct ybj_parse {
    yb_reader *r;
    yb_claim *c;
    yb_record_error *err;
    const char *ls, *le; /* the line; *le == NUL */
    int inbuf;           /* fast path only: reading straight from the buffer, the line's end unknown */
} ybj_parse;

/* json_scan.c: the lexical level (strings, numbers, skipped values) */
extern const uint8_t ybj_str_class[256]; /* 0 plain, 1 quote, 2 backslash, 3 control, 4 non-ASCII */
/* A syntax error at p: field "", "EXPECTED was expected, found X at column N"; returns NULL. */
const char *ybj_syntax_err(ybj_parse *P, const char *p, const char *expected);
/* Nesting deeper than YBR_MAX_DEPTH at p; returns NULL. */
const char *ybj_depth_err(ybj_parse *P, const char *p);
/* p just after an opening quote: returns a pointer to the closing quote,
 * *esc set when the string holds escapes; NULL on a bad string. */
const char *ybj_scan_str_slow(ybj_parse *P, const char *p, int *esc);
/* Unescape a checked string body into d (at most n bytes out); returns the length. */
size_t ybj_unescape(const char *s, size_t n, char *d);
/* A JSON number at p; returns its end, or NULL with *bad at the offending byte.
 * *plain: an integer (no fraction, no exponent). */
const char *ybj_scan_num(const char *p, int *plain, const char **bad);
/* Any JSON value at p (checked, not stored); returns its end or NULL. */
const char *ybj_skip_value(ybj_parse *P, const char *p, int depth);

/* The first byte at or after p that is not plain string text (a quote, a
 * backslash, a control byte -- the NUL sentinel among them -- or non-ASCII).
 * Eight bytes at a time where the byte order allows: the loads may look up to
 * 7 bytes past the sentinel, which the input buffer always holds (ybr_fill). */
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
static inline const char *ybj_plain_run(const char *p)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    for (;;) {
        uint64_t v;
        memcpy(&v, p, 8);
        uint64_t q = v ^ (ones * '"'), b = v ^ (ones * '\\');
        uint64_t m = (v | ((v - ones * 0x20) & ~v) | ((q - ones) & ~q) | ((b - ones) & ~b)) & highs;
        if (m) return p + (__builtin_ctzll(m) >> 3);
        p += 8;
    }
}
#else
static inline const char *ybj_plain_run(const char *p)
{
    while (ybj_str_class[(unsigned char)*p] == 0) p++;
    return p;
}
#endif

static inline const char *ybj_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') p++;
    return p;
}

static inline const char *ybj_scan_str(ybj_parse *P, const char *p, int *esc)
{
    p = ybj_plain_run(p);
    if (*p == '"') {
        *esc = 0;
        return p;
    }
    return ybj_scan_str_slow(P, p, esc);
}

/* json_fastpath.c: the common line, straight from the buffer */
/* Build the fast path's tables (r->fkey NULL: the schema is read the general way only). */
int ybj_fast_open(yb_reader *r);
void ybj_fast_close(yb_reader *r);
/* The claim as it stands before a line is read on the fast path. */
void ybj_fast_reset(const yb_reader *r, yb_claim *c);
/* p at '{': the object of container ci, as the general parser would read it
 * (with a claim reset by ybj_fast_reset); NULL: leave it to the general parser. */
const char *ybj_fast_object(ybj_parse *P, const char *p, ybr_cinfo *ci, int64_t *slots, uint8_t *present, int depth);

#endif
