/* The JSON Lines claim reader, and what both readers share (claim_reader.h).
 *
 * Specialised to the declared input shape: each line is parsed in place in
 * the input buffer (a NUL sentinel replaces its newline, so the scanners stop
 * at the end without bound checks); values go straight into the claim's
 * slots; nothing is allocated per record once the buffers have grown to fit.
 *
 * Two parsers: a fast path for the common line -- compact JSON, every value
 * as expected -- read straight from the buffer (see "The fast path" below),
 * and the general parser, which reads every other line and words every
 * error.  The fast path gives up on anything unusual, and the line is then
 * read again by the general parser from the start.
 *
 * Keys: each object's keys are predicted from the order seen on earlier lines
 * (producers write keys in one order), and a prediction is confirmed by one
 * masked 16-byte compare of `name":`.  A miss falls back to a small hash table
 * per object built at open.  Absent children are found with a 64-bit mask of
 * the children given, so only those that need a default or an error are seen.
 *
 * Safety: every scanner stops at a NUL byte, and every NUL is checked against
 * the line's end before anything reads past it.  Word-at-a-time loads may
 * look at most 32 bytes past a NUL: the buffer keeps YBR_PAD zero bytes after
 * its data, so they stay inside it and read defined bytes.  Nesting is
 * capped at YBR_MAX_DEPTH; numbers are checked for overflow.
 */
#include "reader_internal.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "money.h"

/* ------------------------------------------------------------------------ */
/* Input buffer                                                              */

size_t ybr_fill(yb_reader *r)
{
    if (r->eof) return 0;
    if (r->beg > 0) {
        memmove(r->buf, r->buf + r->beg, r->end - r->beg);
        r->end -= r->beg;
        r->scan -= r->beg;
        r->beg = 0;
    }
    if (r->end == r->cap) {
        size_t cap = r->cap * 2;
        if (cap < r->cap || cap > SIZE_MAX - YBR_PAD) { r->eof = r->read_error = 1; return 0; }
        char *b = realloc(r->buf, cap + YBR_PAD);
        if (!b) { r->eof = r->read_error = 1; return 0; }
        r->buf = b;
        r->cap = cap;
    }
    size_t want = r->cap - r->end;
    size_t got = fread(r->buf + r->end, 1, want, r->f);
    r->end += got;
    memset(r->buf + r->end, 0, YBR_PAD); /* the scanners may look up to 32 bytes past a line's end */
    if (got < want) {
        r->eof = 1;
        if (ferror(r->f)) r->read_error = 1;
    }
    return got;
}

int ybr_scratch(yb_reader *r, size_t n)
{
    if (n <= r->scratch_cap) return 0;
    size_t cap = r->scratch_cap ? r->scratch_cap : 256;
    while (cap < n) {
        if (cap > SIZE_MAX / 2) return -1;
        cap *= 2;
    }
    char *p = realloc(r->scratch, cap);
    if (!p) return -1;
    r->scratch = p;
    r->scratch_cap = cap;
    return 0;
}

/* The next physical line: [*ls, *le) with *le == NUL (the newline replaced).
 * 0 at the end of input. */
static int next_line(yb_reader *r, char **ls, char **le)
{
    for (;;) {
        char *b = r->buf;
        char *nl = r->scan < r->end ? memchr(b + r->scan, '\n', r->end - r->scan) : NULL;
        if (nl) {
            *ls = b + r->beg;
            *le = nl;
            *nl = 0;
            r->beg = r->scan = (size_t)(nl - b) + 1;
            return 1;
        }
        r->scan = r->end;
        if (r->eof) {
            if (r->beg < r->end) {
                *ls = b + r->beg;
                *le = b + r->end;
                **le = 0; /* buf has room past cap */
                r->beg = r->scan = r->end;
                return 1;
            }
            return 0;
        }
        ybr_fill(r);
    }
}

/* ------------------------------------------------------------------------ */
/* Schema tables                                                             */

static size_t utf8_check(const char *p, size_t n);

static int visit(yb_reader *r, int32_t cont, int32_t first, int32_t count, int32_t li, int depth,
                 uint32_t *total, uint8_t *list_used)
{
    const yb_schema *s = r->s;
    if (depth > YBR_SCHEMA_DEPTH) return -1;
    if (first < 0 || count < 0 || (int64_t)first + count > s->nfields || count > (1 << 24)) return -1;
    uint32_t size = 4;
    while (size < 2u * (uint32_t)count) size *= 2;
    r->hoff[cont + 1] = *total;
    r->hmask[cont + 1] = size - 1;
    if (*total > UINT32_MAX - size) return -1;
    *total += size;
    int32_t nslots = li < 0 ? s->nslots : s->lists[li].elem_nslots;
    for (int32_t i = first; i < first + count; i++) {
        const yb_field *f = &s->fields[i];
        if (r->parent[i] != -2 || !f->name) return -1; /* shared by two records, or a cycle */
        r->parent[i] = cont;
        if (count <= 64) {
            uint64_t bit = 1ULL << (i - first);
            if ((f->flags & YB_F_REQUIRED) || f->kind == YB_T_RECORD ||
                ((f->flags & YB_F_DEFAULT) && f->kind != YB_T_LIST))
                r->act_mask[cont + 1] |= bit;
            if (f->kind == YB_T_LIST) r->list_mask[cont + 1] |= bit;
        }
        size_t n = strlen(f->name);
        if (n > 4096) return -1;
        r->nlen[i] = (uint32_t)n;
        r->hintable[i] = utf8_check(f->name, n) == n && !memchr(f->name, '"', n) && !memchr(f->name, '\\', n);
        for (size_t k = 0; k < n; k++)
            if ((unsigned char)f->name[k] < 0x20) r->hintable[i] = 0;
        if (r->hintable[i] && n + 2 <= 16) {
            unsigned char t[16] = {0}, m[16] = {0};
            memcpy(t, f->name, n);
            t[n] = '"';
            t[n + 1] = ':';
            memset(m, 0xFF, n + 2);
            memcpy(r->tok[i].w, t, 16);
            memcpy(r->tok[i].m, m, 16);
            r->tok[i].len = (uint32_t)n + 2;
        }
        switch (f->kind) {
        case YB_T_ENUM: {
            if (f->enum_id >= s->nenums || !s->enums) return -1;
            const yb_enum_desc *e = &s->enums[f->enum_id];
            if (e->n < 0 || (e->n > 0 && !e->names)) return -1;
            for (int32_t k = 0; k < e->n; k++)
                if (!e->names[k]) return -1;
        }
            /* fall through */
        case YB_T_BOOL:
        case YB_T_INT:
        case YB_T_MONEY:
        case YB_T_DATE:
        case YB_T_TEXT:
            if (f->slot < 0 || f->slot >= nslots) return -1;
            break;
        case YB_T_RECORD:
            if (f->slot < 0 || f->slot >= nslots) return -1;
            if (visit(r, i, f->first, f->count, li, depth + 1, total, list_used) < 0) return -1;
            break;
        case YB_T_LIST:
            if (li >= 0) return -1; /* lists inside list elements: not supported */
            if (f->slot < 0 || f->slot >= s->nlists || list_used[f->slot]) return -1;
            if (s->lists[f->slot].elem_nslots < 0 || f->min_items < 0) return -1;
            list_used[f->slot] = 1;
            if (visit(r, i, f->first, f->count, f->slot, depth + 1, total, list_used) < 0) return -1;
            break;
        default:
            return -1; /* rate, duration and the output kinds are not read from claims */
        }
    }
    return 0;
}

static int fill_table(yb_reader *r, int32_t cont, int32_t first, int32_t count)
{
    ybr_slot *t = r->htab + r->hoff[cont + 1];
    uint32_t m = r->hmask[cont + 1];
    for (int32_t i = first; i < first + count; i++) {
        const char *name = r->s->fields[i].name;
        uint32_t h = ybr_hash(name, r->nlen[i]);
        uint32_t k = h & m;
        while (t[k].field >= 0) {
            int32_t o = t[k].field;
            if (r->nlen[o] == r->nlen[i] && memcmp(r->s->fields[o].name, name, r->nlen[i]) == 0)
                return -1; /* two children with one name */
            k = (k + 1) & m;
        }
        t[k].hash = h;
        t[k].field = i;
    }
    return 0;
}

static int prepare_fast(yb_reader *r);
static void close_fast(yb_reader *r);

static int prepare(yb_reader *r)
{
    const yb_schema *s = r->s;
    int32_t nf = s->nfields;
    if (nf < 0 || (nf > 0 && !s->fields) || s->nslots < 0 || s->nlists < 0 || s->nenums < 0) return -1;
    if (s->nlists > 0 && !s->lists) return -1;
    if (s->root_first < 0 || s->root_count < 0 || (int64_t)s->root_first + s->root_count > nf) return -1;
    size_t n1 = (size_t)nf + 1;
    r->parent = malloc(n1 * sizeof *r->parent);
    r->nlen = calloc(n1, sizeof *r->nlen);
    r->seen = calloc(n1, sizeof *r->seen);
    r->given = calloc(n1, sizeof *r->given);
    r->hint_next = malloc(n1 * sizeof *r->hint_next);
    r->hint_first = malloc(n1 * sizeof *r->hint_first);
    r->hintable = calloc(n1, 1);
    r->tok = calloc(n1, sizeof *r->tok);
    r->act_mask = calloc(n1, sizeof *r->act_mask);
    r->list_mask = calloc(n1, sizeof *r->list_mask);
    r->hoff = calloc(n1, sizeof *r->hoff);
    r->hmask = calloc(n1, sizeof *r->hmask);
    uint8_t *list_used = calloc((size_t)s->nlists + 1, 1);
    if (!r->parent || !r->nlen || !r->seen || !r->given || !r->hoff || !r->hmask || !list_used || !r->hint_next ||
        !r->hint_first || !r->hintable || !r->tok || !r->act_mask || !r->list_mask) {
        free(list_used);
        return -1;
    }
    for (int32_t i = 0; i < nf; i++) r->parent[i] = -2;
    for (size_t i = 0; i < n1; i++) r->hint_next[i] = r->hint_first[i] = -1;
    uint32_t total = 0;
    int rc = visit(r, -1, s->root_first, s->root_count, -1, 0, &total, list_used);
    free(list_used);
    if (rc < 0) return -1;
    if (s->nenums > 0) {
        if (!s->enums) return -1;
        r->enum_len = calloc((size_t)s->nenums, sizeof *r->enum_len);
        r->enum_tok = calloc((size_t)s->nenums, sizeof *r->enum_tok);
        if (!r->enum_len || !r->enum_tok) return -1;
        for (int32_t id = 0; id < s->nenums; id++) {
            const yb_enum_desc *e = &s->enums[id];
            if (e->n < 0 || (e->n > 0 && !e->names)) return -1;
            r->enum_len[id] = calloc((size_t)e->n + 1, sizeof **r->enum_len);
            if (!r->enum_len[id]) return -1;
            r->enum_tok[id] = calloc((size_t)e->n + 1, sizeof **r->enum_tok);
            if (!r->enum_tok[id]) return -1;
            for (int32_t k = 0; k < e->n; k++) {
                if (!e->names[k]) return -1;
                size_t n = strlen(e->names[k]);
                r->enum_len[id][k] = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
                if (n + 1 <= 16 && !memchr(e->names[k], '"', n) && !memchr(e->names[k], '\\', n)) {
                    unsigned char t[16] = {0}, m[16] = {0};
                    memcpy(t, e->names[k], n);
                    t[n] = '"';
                    memset(m, 0xFF, n + 1);
                    memcpy(r->enum_tok[id][k].w, t, 16);
                    memcpy(r->enum_tok[id][k].m, m, 16);
                    r->enum_tok[id][k].len = (uint32_t)n + 1;
                }
            }
        }
    }
    r->htab = malloc((size_t)total * sizeof *r->htab);
    if (!r->htab) return -1;
    for (uint32_t i = 0; i < total; i++) {
        r->htab[i].field = -1;
        r->htab[i].hash = 0;
    }
    if (fill_table(r, -1, s->root_first, s->root_count) < 0) return -1;
    for (int32_t i = 0; i < nf; i++) {
        if (r->parent[i] == -2) continue; /* not reachable from the root */
        const yb_field *f = &s->fields[i];
        if ((f->kind == YB_T_RECORD || f->kind == YB_T_LIST) && fill_table(r, i, f->first, f->count) < 0)
            return -1;
    }
    if (prepare_fast(r) < 0) return -1;
    r->stamp = 1;
    return 0;
}

/* a == b over n bytes (both readable for n bytes).  Keys are short: whole
 * words with overlapping loads, no call to memcmp, few branches. */
static inline uint64_t load8(const char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}
static inline uint32_t load4(const char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}
static inline int same_bytes(const char *a, const char *b, size_t n)
{
    if (n >= 8) {
        for (size_t i = 0; i + 8 < n; i += 8)
            if (load8(a + i) != load8(b + i)) return 0;
        return load8(a + n - 8) == load8(b + n - 8);
    }
    if (n >= 4) return ((load4(a) ^ load4(b)) | (load4(a + n - 4) ^ load4(b + n - 4))) == 0;
    if (n == 0) return 1;
    return ((a[0] ^ b[0]) | (a[n / 2] ^ b[n / 2]) | (a[n - 1] ^ b[n - 1])) == 0;
}

static inline int32_t lookup(const yb_reader *r, int32_t cont, const char *k, size_t n, uint32_t h)
{
    const ybr_slot *t = r->htab + r->hoff[cont + 1];
    uint32_t m = r->hmask[cont + 1];
    for (uint32_t i = h & m;; i = (i + 1) & m) {
        int32_t fi = t[i].field;
        if (fi < 0) return -1;
        if (t[i].hash == h && r->nlen[fi] == n && same_bytes(r->s->fields[fi].name, k, n)) return fi;
    }
}

/* ------------------------------------------------------------------------ */
/* Errors                                                                    */

void ybr_err_init(yb_record_error *err, long line)
{
    err->line = line;
    err->field[0] = 0;
    err->message[0] = 0;
}

static void append(char *buf, size_t n, size_t *len, const char *fmt, ...)
{
    if (*len >= n) return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(buf + *len, n - *len, fmt, ap);
    va_end(ap);
    if (k < 0) return;
    *len += (size_t)k;
    if (*len >= n) *len = n - 1;
}

void ybr_path(const yb_reader *r, int32_t fi, int32_t elem, char *buf, size_t n)
{
    int32_t chain[YBR_SCHEMA_DEPTH + 4];
    int k = 0;
    for (int32_t f = fi; f >= 0 && k < (int)(sizeof chain / sizeof chain[0]); f = r->parent[f]) chain[k++] = f;
    size_t len = 0;
    buf[0] = 0;
    for (int j = k - 1; j >= 0; j--) {
        const yb_field *f = &r->s->fields[chain[j]];
        append(buf, n, &len, "%s%s", j == k - 1 ? "" : ".", f->name);
        if (j > 0 && f->kind == YB_T_LIST) append(buf, n, &len, "[%ld]", (long)elem);
    }
}

void ybr_show_text(char *buf, size_t n, const char *p, size_t len, int quote)
{
    size_t o = 0, lim = 60;
    if (n < 8) { if (n) buf[0] = 0; return; }
    if (quote) buf[o++] = '"';
    size_t i = 0;
    while (i < len && o + 8 < n) {
        if (i >= lim) {
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
        unsigned char ch = (unsigned char)p[i];
        if (ch >= 0x20 && ch < 0x7f) {
            buf[o++] = (char)ch;
            i++;
            continue;
        }
        if (ch >= 0x80) { /* copy a whole valid UTF-8 sequence, else '?' */
            size_t L = ch >= 0xF0 ? 4 : ch >= 0xE0 ? 3 : ch >= 0xC2 ? 2 : 0;
            int ok = L > 0 && i + L <= len && o + L + 8 < n;
            for (size_t j = 1; ok && j < L; j++)
                if (((unsigned char)p[i + j] & 0xC0) != 0x80) ok = 0;
            if (ok) {
                memcpy(buf + o, p + i, L);
                o += L;
                i += L;
                continue;
            }
        }
        buf[o++] = '?';
        i++;
    }
    if (quote) buf[o++] = '"';
    buf[o] = 0;
}

void ybr_expected(const yb_reader *r, const yb_field *f, char *buf, size_t n)
{
    switch (f->kind) {
    case YB_T_TEXT: snprintf(buf, n, "a string"); return;
    case YB_T_MONEY: snprintf(buf, n, "money with at most two decimals"); return;
    case YB_T_INT: snprintf(buf, n, "a non-negative integer"); return;
    case YB_T_BOOL: snprintf(buf, n, "true or false"); return;
    case YB_T_DATE: snprintf(buf, n, "a date YYYY-MM-DD"); return;
    case YB_T_RECORD: snprintf(buf, n, "a JSON object"); return;
    case YB_T_LIST: snprintf(buf, n, "a JSON array"); return;
    case YB_T_ENUM: {
        const yb_enum_desc *e = &r->s->enums[f->enum_id];
        size_t len = 0;
        buf[0] = 0;
        append(buf, n, &len, "one of ");
        for (int32_t k = 0; k < e->n; k++) {
            if (len + strlen(e->names[k]) + 8 >= n) { append(buf, n, &len, "..."); break; }
            append(buf, n, &len, "%s%s", k ? ", " : "", e->names[k]);
        }
        if (e->codes) {
            append(buf, n, &len, " (or the code ");
            for (int32_t k = 0; k < e->n; k++) {
                if (len + 32 >= n) { append(buf, n, &len, "..."); break; }
                append(buf, n, &len, "%s%lld", k ? ", " : "", (long long)e->codes[k]);
            }
            append(buf, n, &len, ")");
        }
        return;
    }
    default: snprintf(buf, n, "a %s", yb_kind_name((yb_kind)f->kind)); return;
    }
}

int ybr_field_error(const yb_reader *r, yb_record_error *err, int32_t fi, int32_t elem,
                    const char *expected, const char *found)
{
    size_t len = 0;
    ybr_path(r, fi, elem, err->field, sizeof err->field);
    err->message[0] = 0;
    if (found) append(err->message, sizeof err->message, &len, "%s was expected, found %s", expected, found);
    else append(err->message, sizeof err->message, &len, "%s", expected);
    return -1;
}

/* [0-9]+(\.[0-9]{1,2})? : money's shape, whatever its size */
static int money_shaped(const char *p, size_t n)
{
    size_t i = 0;
    while (i < n && p[i] >= '0' && p[i] <= '9') i++;
    if (i == 0) return 0;
    if (i == n) return 1;
    if (p[i] != '.' || n - i - 1 < 1 || n - i - 1 > 2) return 0;
    for (i++; i < n; i++)
        if (p[i] < '0' || p[i] > '9') return 0;
    return 1;
}

/* A value of the wrong type or form for field fi: [p, p+n) as it was found. */
static int value_error(const yb_reader *r, yb_record_error *err, int32_t fi, int32_t elem, const char *p,
                       size_t n, int quote)
{
    const yb_field *f = &r->s->fields[fi];
    char exp[200], found[96];
    ybr_expected(r, f, exp, sizeof exp);
    if (f->kind == YB_T_MONEY && money_shaped(p, n))
        snprintf(exp, sizeof exp, "money of at most 10000000000000.00");
    if (f->kind == YB_T_INT && !quote && n > 0) {
        size_t i = 0;
        while (i < n && p[i] >= '0' && p[i] <= '9') i++;
        if (i == n) snprintf(exp, sizeof exp, "a non-negative integer of at most 9223372036854775807");
    }
    ybr_show_text(found, sizeof found, p, n, quote);
    return ybr_field_error(r, err, fi, elem, exp, found);
}

/* ------------------------------------------------------------------------ */
/* Values from text (JSON strings and CSV cells)                             */

int ybr_parse_int(const char *p, size_t n, int neg_ok, int64_t *out)
{
    size_t i = 0;
    int neg = 0;
    if (neg_ok && n > 0 && p[0] == '-') { neg = 1; i = 1; }
    if (i == n) return -1;
    uint64_t v = 0;
    for (; i < n; i++) {
        unsigned d = (unsigned)(unsigned char)p[i] - '0';
        if (d > 9) return -1;
        if (v > (UINT64_C(9223372036854775807) - d) / 10) return -1;
        v = v * 10 + d;
    }
    *out = neg ? -(int64_t)v : (int64_t)v;
    return 0;
}

int32_t ybr_enum_code(const yb_enum_desc *e, int64_t code)
{
    if (!e->codes) return -1;
    for (int32_t k = 0; k < e->n; k++)
        if (e->codes[k] == code) return k;
    return -1;
}

static int32_t enum_name(const yb_reader *r, int32_t id, const char *p, size_t n)
{
    const yb_enum_desc *e = &r->s->enums[id];
    const uint32_t *len = r->enum_len[id];
    for (int32_t k = 0; k < e->n; k++)
        if (len[k] == n && same_bytes(e->names[k], p, n)) return k;
    return -1;
}

/* Length of the valid UTF-8 sequence at s (s[0] >= 0x80), or 0.  Reads stop at
 * the first byte that is not a continuation byte, so a NUL sentinel is safe. */
static inline int utf8_seq(const unsigned char *s)
{
    unsigned c = s[0];
    if (c < 0xC2) return 0;
    if (c < 0xE0) return (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c < 0xF0) {
        if ((s[1] & 0xC0) != 0x80) return 0;
        if (c == 0xE0 && s[1] < 0xA0) return 0; /* overlong */
        if (c == 0xED && s[1] >= 0xA0) return 0; /* surrogates */
        return (s[2] & 0xC0) == 0x80 ? 3 : 0;
    }
    if (c < 0xF5) {
        if ((s[1] & 0xC0) != 0x80) return 0;
        if (c == 0xF0 && s[1] < 0x90) return 0;
        if (c == 0xF4 && s[1] >= 0x90) return 0;
        if ((s[2] & 0xC0) != 0x80) return 0;
        return (s[3] & 0xC0) == 0x80 ? 4 : 0;
    }
    return 0;
}

/* Offset of the first byte of [p, p+n) that is not valid UTF-8, or n. */
static size_t utf8_check(const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t i = 0;
    while (i < n) {
        if (s[i] < 0x80) { i++; continue; }
        unsigned c = s[i];
        size_t L = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        if (i + L > n) return i;
        if (utf8_seq(s + i) != (int)L) return i;
        i += L;
    }
    return n;
}

int ybr_from_text(yb_reader *r, yb_claim *c, yb_record_error *err, int32_t fi, int32_t elem,
                  const char *p, size_t n, int csv, int64_t *out)
{
    const yb_field *f = &r->s->fields[fi];
    switch (f->kind) {
    case YB_T_TEXT: {
        if (csv) {
            size_t bad = utf8_check(p, n);
            if (bad < n) {
                char found[64];
                snprintf(found, sizeof found, "byte 0x%02X at offset %zu of the cell", (unsigned char)p[bad], bad);
                return ybr_field_error(r, err, fi, elem, "valid UTF-8", found);
            }
        }
        int64_t v = yb_claim_add_text(c, p, n);
        if (v < 0) return ybr_field_error(r, err, fi, elem, "the claim's text exceeds 2 GiB (out of memory)", NULL);
        *out = v;
        return 0;
    }
    case YB_T_MONEY:
        if (yb_money_parse(p, n, out)) return 0;
        break;
    case YB_T_DATE:
        if (yb_date_parse(p, n, out)) return 0;
        break;
    case YB_T_ENUM: {
        const yb_enum_desc *e = &r->s->enums[f->enum_id];
        int32_t k = enum_name(r, f->enum_id, p, n);
        int64_t code;
        if (k < 0 && csv && e->codes && ybr_parse_int(p, n, 1, &code) == 0) k = ybr_enum_code(e, code);
        if (k >= 0) {
            *out = k;
            return 0;
        }
        break;
    }
    case YB_T_INT:
        if (csv && ybr_parse_int(p, n, 0, out) == 0) return 0;
        break;
    case YB_T_BOOL:
        if (csv && n == 4 && memcmp(p, "true", 4) == 0) { *out = 1; return 0; }
        if (csv && n == 5 && memcmp(p, "false", 5) == 0) { *out = 0; return 0; }
        break;
    default:
        break;
    }
    return value_error(r, err, fi, elem, p, n, 1);
}

/* ------------------------------------------------------------------------ */
/* Defaults and required fields                                              */

static void absent_record(yb_reader *r, int32_t fi, int64_t *slots, uint8_t *present)
{
    const yb_field *rec = &r->s->fields[fi];
    slots[rec->slot] = 0;
    present[rec->slot] = 1;
    for (int32_t i = rec->first; i < rec->first + rec->count; i++) {
        const yb_field *f = &r->s->fields[i];
        if (f->kind == YB_T_RECORD) {
            absent_record(r, i, slots, present);
        } else if (f->kind != YB_T_LIST && (f->flags & YB_F_DEFAULT)) {
            slots[f->slot] = f->dflt;
            present[f->slot] = 1;
        }
    }
}

/* Child i of an object was not given (absent or null) -- or, for a list, was
 * given: apply the rules.  0, or -1 with err filled. */
static int settle_child(yb_reader *r, yb_claim *c, yb_record_error *err, int32_t i, int given, int64_t *slots,
                        uint8_t *present, int32_t elem)
{
    const yb_field *f = &r->s->fields[i];
    if (given) { /* only lists come here given */
        int32_t got = c->lists[f->slot].count;
        if (got < f->min_items) {
            char exp[64], found[32];
            snprintf(exp, sizeof exp, "at least %ld element%s", (long)f->min_items, f->min_items == 1 ? "" : "s");
            snprintf(found, sizeof found, "%ld", (long)got);
            return ybr_field_error(r, err, i, elem, exp, found);
        }
        return 0;
    }
    if (f->flags & YB_F_REQUIRED) return ybr_field_error(r, err, i, elem, "required field missing", NULL);
    if (f->kind == YB_T_RECORD) {
        absent_record(r, i, slots, present);
    } else if (f->kind != YB_T_LIST && (f->flags & YB_F_DEFAULT)) {
        slots[f->slot] = f->dflt;
        present[f->slot] = 1;
    }
    return 0;
}

int ybr_finalize(yb_reader *r, yb_claim *c, yb_record_error *err, int32_t first, int32_t count,
                 int64_t *slots, uint8_t *present, uint64_t stamp, int32_t elem, int recurse)
{
    const yb_field *fields = r->s->fields;
    for (int32_t i = first; i < first + count; i++) {
        const yb_field *f = &fields[i];
        int given = r->given[i] == stamp;
        if (given && recurse && f->kind == YB_T_RECORD) {
            if (ybr_finalize(r, c, err, f->first, f->count, slots, present, stamp, elem, 1) < 0) return -1;
            continue;
        }
        if (given && f->kind != YB_T_LIST) continue;
        if (settle_child(r, c, err, i, given, slots, present, elem) < 0) return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* JSON                                                                      */

/* String bytes: 0 plain, 1 quote, 2 backslash, 3 control, 4 non-ASCII */
#define X16(v) v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v
static const uint8_t str_class[256] = {
    X16(3), X16(3),
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    X16(0), X16(0),
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0,
    X16(0), X16(0),
    X16(4), X16(4), X16(4), X16(4), X16(4), X16(4), X16(4), X16(4),
};
#undef X16

/* The first byte at or after p that is not plain string text (a quote, a
 * backslash, a control byte -- the NUL sentinel among them -- or non-ASCII).
 * Eight bytes at a time where the byte order allows: the loads may look up to
 * 7 bytes past the sentinel, which the input buffer always holds (ybr_fill). */
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
static inline const char *plain_run(const char *p)
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
static inline const char *plain_run(const char *p)
{
    while (str_class[(unsigned char)*p] == 0) p++;
    return p;
}
#endif

typedef struct jp {
    yb_reader *r;
    yb_claim *c;
    yb_record_error *err;
    const char *ls, *le; /* the line; *le == NUL */
    int inbuf;           /* fast path only: reading straight from the buffer, the line's end unknown */
} jp;

static inline const char *ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') p++;
    return p;
}

/* A syntax error at p: field "", "EXPECTED was expected, found X at column N". */
static const char *syntax_err(jp *P, const char *p, const char *expected)
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

static const char *depth_err(jp *P, const char *p)
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
static const char *check_escape(jp *P, const char *p)
{
    switch (p[1]) {
    case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
        return p + 2;
    case 'u': {
        unsigned u, u2;
        int k = hex4(p + 2, &u);
        if (k < 4) return syntax_err(P, p + 2 + k, "a hex digit of \\uXXXX");
        if (u >= 0xDC00 && u <= 0xDFFF) return syntax_err(P, p, "a high surrogate before this low surrogate");
        if (u < 0xD800 || u > 0xDBFF) return p + 6;
        if (p[6] != '\\' || p[7] != 'u') return syntax_err(P, p + 6, "a low surrogate \\uDC00-\\uDFFF");
        k = hex4(p + 8, &u2);
        if (k < 4) return syntax_err(P, p + 8 + k, "a hex digit of \\uXXXX");
        if (u2 < 0xDC00 || u2 > 0xDFFF) return syntax_err(P, p + 6, "a low surrogate \\uDC00-\\uDFFF");
        return p + 12;
    }
    default:
        return syntax_err(P, p + 1, "an escape \\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX");
    }
}

/* p just after an opening quote: returns a pointer to the closing quote,
 * *esc set when the string holds escapes; NULL on a bad string. */
static const char *scan_str_slow(jp *P, const char *p, int *esc)
{
    *esc = 0;
    for (;;) {
        p = plain_run(p);
        uint8_t k = str_class[(unsigned char)*p];
        if (k == 1) return p;
        if (k == 2) {
            p = check_escape(P, p);
            if (!p) return NULL;
            *esc = 1;
            continue;
        }
        if (k == 4) {
            int L = utf8_seq((const unsigned char *)p);
            if (!L) return syntax_err(P, p, "valid UTF-8");
            p += L;
            continue;
        }
        if (p >= P->le) return syntax_err(P, p, "a closing '\"'");
        return syntax_err(P, p, "an escape (\\u00XX) for a control character");
    }
}

static inline const char *scan_str(jp *P, const char *p, int *esc)
{
    p = plain_run(p);
    if (*p == '"') {
        *esc = 0;
        return p;
    }
    return scan_str_slow(P, p, esc);
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
static size_t unescape(const char *s, size_t n, char *d)
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
static const char *scan_num(const char *p, int *plain, const char **bad)
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

static const char *skip_value(jp *P, const char *p, int depth)
{
    if (depth > YBR_MAX_DEPTH) return depth_err(P, p);
    int esc, plain;
    const char *bad;
    switch (*p) {
    case '"':
        p = scan_str(P, p + 1, &esc);
        return p ? p + 1 : NULL;
    case '{':
        p = ws(p + 1);
        if (*p == '}') return p + 1;
        for (;;) {
            if (*p != '"') return syntax_err(P, p, "a key string");
            p = scan_str(P, p + 1, &esc);
            if (!p) return NULL;
            p = ws(p + 1);
            if (*p != ':') return syntax_err(P, p, "':'");
            p = skip_value(P, ws(p + 1), depth + 1);
            if (!p) return NULL;
            p = ws(p);
            if (*p == ',') { p = ws(p + 1); continue; }
            if (*p == '}') return p + 1;
            return syntax_err(P, p, "',' or '}'");
        }
    case '[':
        p = ws(p + 1);
        if (*p == ']') return p + 1;
        for (;;) {
            p = skip_value(P, p, depth + 1);
            if (!p) return NULL;
            p = ws(p);
            if (*p == ',') { p = ws(p + 1); continue; }
            if (*p == ']') return p + 1;
            return syntax_err(P, p, "',' or ']'");
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
        p = scan_num(p, &plain, &bad);
        return p ? p : syntax_err(P, bad, "a digit");
    default:
        break;
    }
    return syntax_err(P, p, "a JSON value");
}

/* A value of the wrong JSON type for field fi at p (or a syntax error). */
static const char *type_err(jp *P, const char *p, int32_t fi, int32_t elem, const char *expected_override)
{
    yb_reader *r = P->r;
    const char *q;
    int esc, plain;
    const char *bad;
    char exp[200];
    if (expected_override) snprintf(exp, sizeof exp, "%s", expected_override);
    else ybr_expected(r, &r->s->fields[fi], exp, sizeof exp);
    switch (*p) {
    case '"':
        q = scan_str(P, p + 1, &esc);
        if (!q) return NULL;
        if (expected_override) {
            char found[96];
            ybr_show_text(found, sizeof found, p + 1, (size_t)(q - p - 1), 1);
            ybr_field_error(r, P->err, fi, elem, exp, found);
            return NULL;
        }
        value_error(r, P->err, fi, elem, p + 1, (size_t)(q - p - 1), 1);
        return NULL;
    case '{':
        ybr_field_error(r, P->err, fi, elem, exp, "an object");
        return NULL;
    case '[':
        ybr_field_error(r, P->err, fi, elem, exp, "an array");
        return NULL;
    case 't':
        if (p[1] == 'r' && p[2] == 'u' && p[3] == 'e') {
            ybr_field_error(r, P->err, fi, elem, exp, "true");
            return NULL;
        }
        break;
    case 'f':
        if (p[1] == 'a' && p[2] == 'l' && p[3] == 's' && p[4] == 'e') {
            ybr_field_error(r, P->err, fi, elem, exp, "false");
            return NULL;
        }
        break;
    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
        q = scan_num(p, &plain, &bad);
        if (!q) return syntax_err(P, bad, "a digit");
        if (expected_override) {
            char found[96];
            ybr_show_text(found, sizeof found, p, (size_t)(q - p), 0);
            ybr_field_error(r, P->err, fi, elem, exp, found);
            return NULL;
        }
        value_error(r, P->err, fi, elem, p, (size_t)(q - p), 0);
        return NULL;
    default:
        break;
    }
    return syntax_err(P, p, exp);
}

static const char *parse_object(jp *P, const char *p, int32_t cont, int64_t *slots, uint8_t *present,
                                int32_t elem, int depth);

static const char *oom(jp *P, int32_t fi, int32_t elem)
{
    ybr_field_error(P->r, P->err, fi, elem, "out of memory", NULL);
    return NULL;
}

static const char *parse_list(jp *P, const char *p, int32_t fi, int depth)
{
    yb_reader *r = P->r;
    const yb_field *f = &r->s->fields[fi];
    int32_t li = f->slot;
    size_t ns = (size_t)r->s->lists[li].elem_nslots;
    yb_list_data *L = &P->c->lists[li];
    if (depth + 2 > YBR_MAX_DEPTH) return depth_err(P, p); /* the array, then its objects */
    p = ws(p + 1);
    if (*p == ']') return p + 1;
    for (;;) {
        if (*p != '{') {
            if (*p == 0 || *p == ']' || *p == '}' || *p == ',' || *p == ':') return syntax_err(P, p, "a JSON object");
            if (!type_err(P, p, fi, L->count, "a JSON object") && P->err->field[0]) {
                /* the path names the element: items[2] */
                size_t n = strlen(P->err->field);
                snprintf(P->err->field + n, sizeof P->err->field - n, "[%ld]", (long)L->count);
            }
            return NULL;
        }
        int32_t e = yb_claim_add_element(P->c, li);
        if (e < 0) return oom(P, fi, -1);
        p = parse_object(P, p, fi, L->slots + (size_t)e * ns, L->present + (size_t)e * ns, e, depth + 2);
        if (!p) return NULL;
        p = ws(p);
        if (*p == ',') { p = ws(p + 1); continue; }
        if (*p == ']') return p + 1;
        return syntax_err(P, p, "',' or ']'");
    }
}

/* yb_date_parse, inlined for the hot path: YYYY-MM-DD, a real calendar day. */
static inline int fast_date(const char *s, size_t n, int64_t *out)
{
    if (n != 10 || s[4] != '-' || s[7] != '-') return 0;
    unsigned d[8];
    static const uint8_t at[8] = {0, 1, 2, 3, 5, 6, 8, 9};
    for (int i = 0; i < 8; i++) {
        d[i] = (unsigned)(unsigned char)s[at[i]] - '0';
        if (d[i] > 9) return 0;
    }
    int y = (int)(d[0] * 1000 + d[1] * 100 + d[2] * 10 + d[3]), m = (int)(d[4] * 10 + d[5]),
        day = (int)(d[6] * 10 + d[7]);
    if (y < 1 || m < 1 || m > 12 || day < 1 || day > yb_days_in_month(y, m)) return 0;
    *out = yb_date_from_ymd(y, m, day);
    return 1;
}

/* A value for field fi at p (not whitespace). */
static inline const char *parse_value(jp *P, const char *p, int32_t fi, int64_t *slots, uint8_t *present,
                                      int32_t elem, int depth, uint64_t stamp)
{
    yb_reader *r = P->r;
    const yb_field *f = &r->s->fields[fi];
    unsigned char ch = (unsigned char)*p;
    int64_t v;
    if (ch == '"') {
        if (f->kind > YB_T_ENUM) return type_err(P, p, fi, elem, NULL);
        const char *s = p + 1;
        int esc;
        const char *q = scan_str(P, s, &esc);
        if (!q) return NULL;
        size_t n = (size_t)(q - s);
        if (esc) {
            if (ybr_scratch(r, n + 1) < 0) return oom(P, fi, elem);
            n = unescape(s, n, r->scratch);
            s = r->scratch;
        }
        switch (f->kind) {
        case YB_T_TEXT:
            v = yb_claim_add_text(P->c, s, n);
            if (v < 0) return oom(P, fi, elem);
            break;
        case YB_T_DATE:
            if (!fast_date(s, n, &v)) goto bad_string;
            break;
        case YB_T_MONEY:
            if (!yb_money_parse(s, n, &v)) goto bad_string;
            break;
        case YB_T_ENUM: {
            int32_t k = -1;
            if (!esc) { /* s is in the line, its closing quote at s[n] */
                const ybr_tok *t = r->enum_tok[f->enum_id];
                uint64_t a0 = load8(s), a1 = load8(s + 8);
                for (int32_t m = 0, nm = r->s->enums[f->enum_id].n; m < nm; m++)
                    if (t[m].len && (((a0 ^ t[m].w[0]) & t[m].m[0]) | ((a1 ^ t[m].w[1]) & t[m].m[1])) == 0) {
                        k = m;
                        break;
                    }
            }
            if (k < 0) k = enum_name(r, f->enum_id, s, n);
            if (k < 0) goto bad_string;
            v = k;
            break;
        }
        default:
        bad_string:
            value_error(r, P->err, fi, elem, s, n, 1);
            return NULL;
        }
        p = q + 1;
    } else if ((ch >= '0' && ch <= '9') || ch == '-') {
        int plain;
        const char *bad;
        const char *q = scan_num(p, &plain, &bad);
        if (!q) return syntax_err(P, bad, "a digit");
        size_t n = (size_t)(q - p);
        switch (f->kind) {
        case YB_T_MONEY:
            if (!yb_money_parse(p, n, &v)) goto bad_number;
            break;
        case YB_T_INT:
            if (!plain || ybr_parse_int(p, n, 0, &v) < 0) goto bad_number;
            break;
        case YB_T_ENUM: {
            int64_t code;
            const yb_enum_desc *e = &r->s->enums[f->enum_id];
            if (!plain || !e->codes || ybr_parse_int(p, n, 1, &code) < 0) goto bad_number;
            int32_t k = ybr_enum_code(e, code);
            if (k < 0) goto bad_number;
            v = k;
            break;
        }
        default:
            return type_err(P, p, fi, elem, NULL);
        }
        p = q;
        goto store;
    bad_number:
        value_error(r, P->err, fi, elem, p, n, 0);
        return NULL;
    } else if (ch == 'n') {
        if (p[1] == 'u' && p[2] == 'l' && p[3] == 'l') return p + 4; /* null: absent */
        return syntax_err(P, p, "a JSON value");
    } else if (ch == '{' && f->kind == YB_T_RECORD) {
        if (depth + 1 > YBR_MAX_DEPTH) return depth_err(P, p);
        p = parse_object(P, p, fi, slots, present, elem, depth + 1);
        if (!p) return NULL;
        v = 1;
    } else if (ch == '[' && f->kind == YB_T_LIST) {
        p = parse_list(P, p, fi, depth);
        if (!p) return NULL;
        r->given[fi] = stamp;
        return p;
    } else if ((ch == 't' || ch == 'f') && f->kind == YB_T_BOOL) {
        if (ch == 't' && p[1] == 'r' && p[2] == 'u' && p[3] == 'e') { v = 1; p += 4; }
        else if (ch == 'f' && p[1] == 'a' && p[2] == 'l' && p[3] == 's' && p[4] == 'e') { v = 0; p += 5; }
        else return syntax_err(P, p, "a JSON value");
    } else {
        return type_err(P, p, fi, elem, NULL);
    }
store:
    r->given[fi] = stamp;
    slots[f->slot] = v;
    present[f->slot] = 1; /* last: a byte store may alias anything */
    return p;
}

/* p at '{': the object for container `cont` (-1: the root). */
/* p just after a key's opening quote: find the key's field in container cont
 * (*fi = -1: unknown); returns what follows the closing quote. */
static const char *key_slow(jp *P, const char *p, int32_t cont, int32_t elem, int32_t *fi)
{
    yb_reader *r = P->r;
    const char *k = p;
    p = plain_run(p);
    size_t klen;
    if (*p == '"') {
        klen = (size_t)(p - k);
        p++;
    } else { /* escapes or non-ASCII: check, unescape */
        int esc;
        const char *q = scan_str(P, k, &esc);
        if (!q) return NULL;
        klen = (size_t)(q - k);
        if (esc) {
            if (ybr_scratch(r, klen + 1) < 0) return oom(P, -1, elem);
            klen = unescape(k, klen, r->scratch);
            k = r->scratch;
        }
        p = q + 1;
    }
    *fi = lookup(r, cont, k, klen, ybr_hash(k, klen));
    return p;
}

static const char *parse_object(jp *P, const char *p, int32_t cont, int64_t *slots, uint8_t *present,
                                int32_t elem, int depth)
{
    yb_reader *r = P->r;
    const uint64_t stamp = ++r->stamp;
    /* the tables in locals: stores through `present` (bytes) may alias any
       memory, so fields of r would be loaded again after each of them */
    const yb_field *const fields = r->s->fields;
    const ybr_tok *const tok = r->tok;
    int32_t *const hint_next = r->hint_next;
    uint64_t *const seen = r->seen, *const given = r->given;
    const uint32_t *const nlen = r->nlen;
    const char *const le = P->le;
    int32_t first, count;
    if (cont < 0) { first = r->s->root_first; count = r->s->root_count; }
    else { first = r->s->fields[cont].first; count = r->s->fields[cont].count; }
    uint64_t gmask = 0; /* children given, when count <= 64 */
    p = ws(p + 1);
    if (*p != '}') {
        int32_t prev = -1; /* the last known key of this object */
        for (;;) {
            if (*p != '"') return syntax_err(P, p, "a key string");
            p++;
            int32_t fi = prev < 0 ? r->hint_first[cont + 1] : hint_next[prev];
            const ybr_tok *t;
            size_t nl;
            if (fi >= 0 && (t = &tok[fi])->len &&
                (((load8(p) ^ t->w[0]) & t->m[0]) | ((load8(p + 8) ^ t->w[1]) & t->m[1])) == 0) {
                /* the predicted key and its colon, compact: `name":`.  A line
                   ending early cannot match: its NUL sentinel is compared too. */
                p += t->len;
            } else {
                if (fi >= 0 && (size_t)(le - p) > (nl = nlen[fi]) && p[nl] == '"' && same_bytes(fields[fi].name, p, nl)) {
                    p += nl + 1; /* the predicted key, longer or spaced */
                } else {
                    p = key_slow(P, p, cont, elem, &fi);
                    if (!p) return NULL;
                    if (fi >= 0 && r->hintable[fi]) {
                        if (prev < 0) r->hint_first[cont + 1] = fi;
                        else hint_next[prev] = fi;
                    }
                }
                p = ws(p);
                if (*p != ':') return syntax_err(P, p, "':'");
                p++;
            }
            p = ws(p);
            if (fi < 0) {
                p = skip_value(P, p, depth + 1);
            } else {
                if (seen[fi] == stamp) {
                    char found[96];
                    ybr_show_text(found, sizeof found - 10, r->s->fields[fi].name, r->nlen[fi], 1);
                    memmove(found + 9, found, strlen(found) + 1);
                    memcpy(found, "a second ", 9);
                    ybr_field_error(r, P->err, fi, elem, "each key once", found);
                    return NULL;
                }
                seen[fi] = stamp;
                prev = fi;
                p = parse_value(P, p, fi, slots, present, elem, depth, stamp);
                gmask |= (uint64_t)(given[fi] == stamp) << ((uint32_t)(fi - first) & 63);
            }
            if (!p) return NULL;
            p = ws(p);
            if (*p == ',') { p = ws(p + 1); continue; }
            if (*p == '}') break;
            return syntax_err(P, p, "',' or '}'");
        }
    }
    p++;
    if (count > 64) {
        if (ybr_finalize(r, P->c, P->err, first, count, slots, present, stamp, elem, 0) < 0) return NULL;
        return p;
    }
    /* only the children that need something, in declared order */
    uint64_t todo = (r->act_mask[cont + 1] & ~gmask) | (r->list_mask[cont + 1] & gmask);
    while (todo) {
        int k = __builtin_ctzll(todo);
        todo &= todo - 1;
        const yb_field *f = &fields[first + k];
        if (!(gmask >> k & 1) && !(f->flags & YB_F_REQUIRED) && f->kind != YB_T_RECORD) {
            slots[f->slot] = f->dflt; /* the common case: an absent field with a default */
            present[f->slot] = 1;
            continue;
        }
        if (settle_child(r, P->c, P->err, first + k, (int)(gmask >> k & 1), slots, present, elem) < 0) return NULL;
    }
    return p;
}

/* ------------------------------------------------------------------------ */
/* The fast path                                                             */
/*
 * Most lines are compact JSON (at most one space after a ':' or a ',') whose
 * values are all as the schema expects.  fast_object reads such a line with
 * little bookkeeping: the claim starts as an image with every absent field
 * already settled (defaults, absent records); the keys met are bits of a
 * 64-bit mask; each key is predicted from the one before it and confirmed by
 * two 16-byte compares of `"name":`; each kind of value has a straight-line
 * reader.  Anything else -- other whitespace, an escape, a wrong or missing
 * value, a duplicate key, a container of more than 64 children -- makes it
 * give up (NULL) before it reports anything, and yb_reader_next reads the
 * line again from a reset claim with the general parser above, which decides
 * (and words) every error.  So the fast path only accepts what the general
 * parser accepts, and leaves the claim as the general parser would.
 *
 * Its loads stay within 32 bytes of a byte already looked at (never past a
 * NUL), so inside the YBR_PAD zero bytes that follow the buffered data.
 */

#if defined(__SSE2__) && !defined(YB_NO_SIMD)
#include <emmintrin.h>
#define YBR_SSE2 1
#endif
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && !defined(YB_NO_SIMD)
#define YBR_SWAR 1
#endif
#ifdef __GNUC__
#define YBR_COLD __attribute__((noinline, cold)) /* off the hot loop, and out of its registers */
#define YBR_NOINLINE __attribute__((noinline))
#else
#define YBR_COLD
#define YBR_NOINLINE
#endif

/* --- tables, built at open --- */

/* What absent_record does, for every child: the claim before a line. */
static void image(const yb_reader *r, int32_t first, int32_t count, int64_t *slots, uint8_t *present)
{
    for (int32_t i = first; i < first + count; i++) {
        const yb_field *f = &r->s->fields[i];
        if (f->kind == YB_T_RECORD) {
            slots[f->slot] = 0;
            present[f->slot] = 1;
            image(r, f->first, f->count, slots, present);
        } else if (f->kind != YB_T_LIST && (f->flags & YB_F_DEFAULT)) {
            slots[f->slot] = f->dflt;
            present[f->slot] = 1;
        }
    }
}

/* Mark the slots of fields [first, first+count) (and of their records) in
 * used; -1 when one is used twice.  List children have their own arrays. */
static int claim_slots(const yb_reader *r, int32_t first, int32_t count, uint8_t *used, uint8_t **elem_used)
{
    for (int32_t i = first; i < first + count; i++) {
        const yb_field *f = &r->s->fields[i];
        if (f->kind == YB_T_LIST) {
            if (claim_slots(r, f->first, f->count, elem_used[f->slot], elem_used) < 0) return -1;
            continue;
        }
        if (used[f->slot]++) return -1;
        if (f->kind == YB_T_RECORD && claim_slots(r, f->first, f->count, used, elem_used) < 0) return -1;
    }
    return 0;
}

/* Two fields sharing a slot: the order of stores would matter, and the fast
 * path stores defaults first.  Such a schema is read the general way only. */
static int slots_shared(const yb_reader *r)
{
    const yb_schema *s = r->s;
    uint8_t *used = calloc((size_t)s->nslots + 1, 1);
    uint8_t **elem_used = calloc((size_t)s->nlists + 1, sizeof *elem_used);
    int rc = used && elem_used ? 0 : -1;
    for (int32_t li = 0; rc == 0 && li < s->nlists; li++)
        if (!(elem_used[li] = calloc((size_t)s->lists[li].elem_nslots + 1, 1))) rc = -1;
    if (rc == 0) rc = claim_slots(r, s->root_first, s->root_count, used, elem_used) < 0;
    for (int32_t li = 0; elem_used && li < s->nlists; li++) free(elem_used[li]);
    free(elem_used);
    free(used);
    return rc;
}

/* Matched as raw bytes inside a JSON string: valid UTF-8, no quote,
 * backslash or control byte. */
static int plain_name(const char *p, size_t n)
{
    if (utf8_check(p, n) != n) return 0;
    for (size_t k = 0; k < n; k++)
        if ((unsigned char)p[k] < 0x20 || p[k] == '"' || p[k] == '\\') return 0;
    return 1;
}

/* An enum name's hash, from its length n and its first and last bytes. */
static inline uint32_t enum_hash(const char *s, size_t n, uint32_t mult)
{
    uint32_t v = (uint32_t)n | (uint32_t)(unsigned char)s[0] << 8 | (uint32_t)(unsigned char)s[n - 1] << 16;
    return (v * mult) >> 26;
}

static int prepare_enum(ybr_fenum *fe, const yb_enum_desc *e, const uint32_t *len)
{
    fe->tok = calloc((size_t)e->n + 1, sizeof *fe->tok);
    if (!fe->tok) return -1;
    if (e->n > 255) return 0; /* members are found the slow way (the tables hold member + 1 in a byte) */
    for (int32_t m = 0; e->codes && m < e->n; m++) /* the first member with a code, as ybr_enum_code */
        if (e->codes[m] >= 0 && e->codes[m] < 64 && !fe->code[e->codes[m]]) fe->code[e->codes[m]] = (uint8_t)(m + 1);
    int32_t hashable = 0;
    for (int32_t m = 0; m < e->n; m++) {
        size_t n = len[m];
        if (n + 1 <= sizeof fe->tok[m].w && plain_name(e->names[m], n)) {
            memcpy(fe->tok[m].w, e->names[m], n);
            fe->tok[m].w[n] = '"';
            fe->tok[m].len = (uint32_t)n + 1;
            fe->tok[m].bits = (1u << (n + 1)) - 1;
            hashable += n > 0;
        }
    }
    /* a multiplier under which the members' hashes do not collide */
    if (hashable == 0 || hashable > 32) return 0;
    uint32_t mult = 0x9E3779B1u;
    for (int tries = 0; tries < 200; tries++, mult += 0x6A09E668u) {
        memset(fe->at, 0, sizeof fe->at);
        int ok = 1;
        for (int32_t m = 0; m < e->n && ok; m++) {
            if (fe->tok[m].len < 2) continue;
            uint32_t h = enum_hash(e->names[m], len[m], mult | 1);
            if (fe->at[h]) ok = 0;
            fe->at[h] = (uint8_t)(m + 1);
        }
        if (ok) {
            fe->mult = mult | 1;
            return 0;
        }
    }
    memset(fe->at, 0, sizeof fe->at);
    return 0;
}

static int prepare_fast(yb_reader *r)
{
    const yb_schema *s = r->s;
    int32_t nf = s->nfields, nl = s->nlists;
    int shared = slots_shared(r);
    if (shared < 0) return -1;
    if (shared) return 0;

    r->fkey = calloc((size_t)nf + 1, sizeof *r->fkey);
    r->cinfo = calloc((size_t)nf + 1, sizeof *r->cinfo);
    r->fenum = calloc((size_t)s->nenums + 1, sizeof *r->fenum);
    r->years = calloc(256, sizeof *r->years);
    r->img_slots = calloc((size_t)s->nslots + 1, sizeof *r->img_slots);
    r->img_present = calloc((size_t)s->nslots + 1, 1);
    r->elem_img_slots = calloc((size_t)nl + 1, sizeof *r->elem_img_slots);
    r->elem_img_present = calloc((size_t)nl + 1, sizeof *r->elem_img_present);
    if (!r->fkey || !r->cinfo || !r->fenum || !r->years || !r->img_slots || !r->img_present ||
        !r->elem_img_slots || !r->elem_img_present)
        return -1;
    ybr_fkey *dummy = &r->fkey[nf];
    dummy->w[0] = '"'; /* a key string holding NUL bytes: never valid */
    dummy->bits = 0xFFFFFFFFu;
    dummy->len = 32;
    dummy->kind = YB_T_VOID;
    dummy->next = dummy;

    image(r, s->root_first, s->root_count, r->img_slots, r->img_present);
    for (int32_t li = 0; li < nl; li++) {
        size_t ns = (size_t)s->lists[li].elem_nslots;
        r->elem_img_slots[li] = calloc(ns + 8, sizeof **r->elem_img_slots); /* padded: see fast_list */
        r->elem_img_present[li] = calloc(ns + 8, 1);
        if (!r->elem_img_slots[li] || !r->elem_img_present[li]) return -1;
    }
    /* containers: the root, records and lists */
    for (int32_t i = -1; i < nf; i++) {
        int32_t first = s->root_first, count = s->root_count;
        if (i >= 0) {
            const yb_field *f = &s->fields[i];
            if (r->parent[i] == -2 || (f->kind != YB_T_RECORD && f->kind != YB_T_LIST)) continue;
            first = f->first;
            count = f->count;
            if (f->kind == YB_T_LIST) image(r, first, count, r->elem_img_slots[f->slot], r->elem_img_present[f->slot]);
        }
        ybr_cinfo *ci = &r->cinfo[i + 1];
        ci->first = first;
        ci->count = count;
        ci->hint = dummy;
        for (int32_t k = 0; k < count && count <= 64; k++) {
            const yb_field *f = &s->fields[first + k];
            if (f->flags & YB_F_REQUIRED) ci->req |= 1ULL << k;
            if (f->kind == YB_T_LIST) ci->lists |= 1ULL << k;
        }
    }
    /* fields */
    for (int32_t i = 0; i < nf; i++) {
        if (r->parent[i] == -2) continue;
        const yb_field *f = &s->fields[i];
        ybr_fkey *k = &r->fkey[i];
        const ybr_cinfo *ci = &r->cinfo[r->parent[i] + 1];
        k->kind = f->kind;
        k->slot = f->slot;
        k->aux = f->kind == YB_T_ENUM ? f->enum_id : f->kind == YB_T_LIST ? f->min_items : 0;
        k->bit = 1ULL << ((uint32_t)(i - ci->first) & 63);
        k->next = dummy;
        if (f->kind == YB_T_RECORD || f->kind == YB_T_LIST) k->sub = &r->cinfo[i + 1];
        size_t n = r->nlen[i];
        if (r->hintable[i] && n + 3 <= sizeof k->w) {
            k->w[0] = '"';
            memcpy(k->w + 1, f->name, n);
            k->w[n + 1] = '"';
            k->w[n + 2] = ':';
            k->len = (uint32_t)n + 3;
            k->bits = (uint32_t)((1ULL << k->len) - 1);
        }
    }
    /* first guesses: keys in declared order */
    for (int32_t i = 0; i < nf; i++) {
        if (r->parent[i] == -2) continue;
        ybr_cinfo *ci = &r->cinfo[r->parent[i] + 1];
        if (i == ci->first && r->fkey[i].bits) ci->hint = &r->fkey[i];
        if (i + 1 < ci->first + ci->count && r->fkey[i + 1].bits) r->fkey[i].next = &r->fkey[i + 1];
    }
    for (int32_t id = 0; id < s->nenums; id++)
        if (prepare_enum(&r->fenum[id], &s->enums[id], r->enum_len[id]) < 0) return -1;
    for (int y = 1900; y < 1900 + 256; y++) {
        r->years[y - 1900].jan1 = (int32_t)yb_date_from_ymd(y, 1, 1);
        r->years[y - 1900].leap = yb_days_in_month(y, 2) == 29;
    }
    return 0;
}

static void close_fast(yb_reader *r)
{
    if (r->fenum)
        for (int32_t id = 0; id < r->s->nenums; id++) free(r->fenum[id].tok);
    free(r->fenum);
    free(r->fkey);
    free(r->cinfo);
    free(r->years);
    free(r->img_slots);
    free(r->img_present);
    for (int32_t li = 0; li < r->s->nlists; li++) {
        if (r->elem_img_slots) free(r->elem_img_slots[li]);
        if (r->elem_img_present) free(r->elem_img_present[li]);
    }
    free(r->elem_img_slots);
    free(r->elem_img_present);
}

/* --- scanners and value readers --- */

/* The first byte at or after p that is not plain string text. */
static inline const char *str_stop(const char *p)
{
#ifdef YBR_SSE2
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'), space = _mm_set1_epi8(0x20);
    for (;;) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
        /* signed: control bytes and non-ASCII (>= 0x80) are both below ' ' */
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bslash)),
                                 _mm_cmplt_epi8(x, space));
        unsigned k = (unsigned)_mm_movemask_epi8(m);
        if (k) return p + __builtin_ctz(k);
        p += 16;
    }
#else
    return plain_run(p);
#endif
}

/* The closing quote of a string whose first special byte is q (not a
 * quote); NULL for escapes, control bytes and bad UTF-8. */
YBR_COLD static const char *str_rest(jp *P, const char *q)
{
    int esc;
    if ((unsigned char)*q < 0x80) return NULL;
    q = scan_str(P, q, &esc);
    return q && !esc ? q : NULL;
}

/* p starts with the key of k? */
static inline int key_is(const char *p, const ybr_fkey *k)
{
#ifdef YBR_SSE2
    unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)p),
                                                            _mm_load_si128((const __m128i *)(const void *)k->w)));
    if (k->len > 16)
        m |= (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + 16)),
                                                        _mm_load_si128((const __m128i *)(const void *)(k->w + 16))))
             << 16;
    return (~m & k->bits) == 0;
#else
    return same_bytes((const char *)k->w, p, k->len);
#endif
}

/* The member whose name is the string at s (after its opening quote), when
 * the name is plain and its hash finds it; else -1.  *end: past the quote. */
static inline int32_t enum_fast(const ybr_fenum *fe, const char *s, const char **end)
{
#ifdef YBR_SSE2
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)s);
    unsigned qm = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')));
    if (!qm) return -1;
    unsigned n = (unsigned)__builtin_ctz(qm);
#else
    unsigned n = 0;
    while (n < 16 && s[n] != '"') n++;
    if (n == 16) return -1;
#endif
    if (n == 0) return -1;
    unsigned k = fe->at[enum_hash(s, n, fe->mult)];
    if (!k || fe->tok[k - 1].len != n + 1) return -1;
    const ybr_etok *t = &fe->tok[k - 1];
#ifdef YBR_SSE2
    if ((~(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_load_si128((const __m128i *)(const void *)t->w))) & t->bits) != 0)
        return -1;
#else
    if (!same_bytes((const char *)t->w, s, n)) return -1;
#endif
    *end = s + n + 1;
    return (int32_t)k - 1;
}

#ifdef YBR_SWAR
/* k (1..8) decimal digits, as bytes minus '0' in the low k bytes of t (the
 * first digit lowest), to their value. */
static inline uint64_t swar_digits(uint64_t t, unsigned k)
{
    t <<= 8 * (8 - k); /* leading zeros */
    t = (t * 10) + (t >> 8);
    t = (((t & 0x000000FF000000FFULL) * (100 + (1000000ULL << 32))) +
         (((t >> 16) & 0x000000FF000000FFULL) * (1 + (10000ULL << 32)))) >> 32;
    return t;
}
/* The high bit of each byte of t (bytes minus '0') that is not a digit. */
static inline uint64_t swar_nondigits(uint64_t t)
{
    return ((((t & 0x7F7F7F7F7F7F7F7FULL) + 0x7676767676767676ULL) | t) & 0x8080808080808080ULL);
}
#endif

/* Money at s: [0-9]{1,7}(\.[0-9]{1,2})?, then (quoted) a closing quote or
 * (a JSON number) no more of a number -- always within YB_MONEY_MAX.
 * Returns its end (past the quote), or NULL when it is not of that shape. */
static inline const char *fast_money(const char *s, int quoted, int64_t *out)
{
    uint64_t yuan;
    unsigned k;
#ifdef YBR_SWAR
    uint64_t t, nd;
    memcpy(&t, s, 8);
    t ^= 0x3030303030303030ULL;
    nd = swar_nondigits(t);
    if (!nd) return NULL; /* 8 digits or more */
    k = (unsigned)__builtin_ctzll(nd) >> 3;
    if (k == 0) return NULL;
    yuan = swar_digits(t, k);
#else
    yuan = 0;
    for (k = 0; k < 8 && (unsigned)(unsigned char)s[k] - '0' <= 9; k++) yuan = yuan * 10 + (unsigned)(s[k] - '0');
    if (k == 0 || k == 8) return NULL;
#endif
    if (!quoted && s[0] == '0' && k > 1) return NULL; /* a leading zero: not JSON */
    const char *q = s + k;
    uint64_t fen = 0;
    if (*q == '.') {
        unsigned d1 = (unsigned)(unsigned char)q[1] - '0', d2 = (unsigned)(unsigned char)q[2] - '0';
        if (d1 > 9) return NULL;
        if (d2 <= 9) {
            fen = d1 * 10 + d2;
            q += 3;
        } else {
            fen = d1 * 10;
            q += 2;
        }
    }
    if (quoted) {
        if (*q != '"') return NULL;
        q++;
    } else if ((unsigned)(unsigned char)*q - '0' <= 9 || *q == '.' || *q == 'e' || *q == 'E') {
        return NULL;
    }
    *out = (int64_t)(yuan * 100 + fen);
    return q;
}

/* A JSON integer at p: [0-9]{1,18} (or -?[0-9]{1,18} when neg_ok), no
 * fraction or exponent after.  Returns its end, or NULL. */
static inline const char *fast_int(const char *p, int neg_ok, int64_t *out)
{
    int neg = 0;
    if (*p == '-' && neg_ok) {
        neg = 1;
        p++;
    }
    const char *q = p;
    uint64_t v = (unsigned)(unsigned char)*q - '0';
    if (v > 9) return NULL;
    q++;
    if (v == 0) {
        if ((unsigned)(unsigned char)*q - '0' <= 9) return NULL; /* a leading zero: not JSON */
    } else {
        unsigned d;
        while ((d = (unsigned)(unsigned char)*q - '0') <= 9) {
            v = v * 10 + d;
            if (++q - p > 18) return NULL;
        }
    }
    if (*q == '.' || *q == 'e' || *q == 'E') return NULL;
    *out = neg ? -(int64_t)v : (int64_t)v;
    return q;
}

/* yb_date_parse for s[0..9] (YYYY-MM-DD, a real calendar day). */
static inline int fast_date10(const yb_reader *r, const char *s, int64_t *out)
{
    unsigned y, m, d;
#ifdef YBR_SWAR
    uint64_t a, b; /* bytes 0-7 (YYYY-MM-) and 2-9 (YY-MM-DD), minus '0' */
    memcpy(&a, s, 8);
    memcpy(&b, s + 2, 8);
    if ((a & 0xFF0000FF00000000ULL) != 0x2D00002D00000000ULL) return 0; /* the dashes */
    a = (a ^ 0x3030303030303030ULL) & 0x00000000FFFFFFFFULL;
    b = (b ^ 0x3030303030303030ULL) & 0xFFFF00FFFF000000ULL;
    if (swar_nondigits(a) | swar_nondigits(b)) return 0;
    a = (a * 10 + (a >> 8)) & 0x0000000000FF00FFULL; /* YY, YY */
    b = b * 10 + (b >> 8);                           /* MM at byte 3, DD at byte 6 */
    y = (unsigned)(a & 0xFF) * 100 + (unsigned)(a >> 16);
    m = (unsigned)(b >> 24 & 0xFF);
    d = (unsigned)(b >> 48 & 0xFF);
#else
    if (s[4] != '-' || s[7] != '-') return 0;
    static const uint8_t at[8] = {0, 1, 2, 3, 5, 6, 8, 9};
    unsigned v[8];
    for (int i = 0; i < 8; i++)
        if ((v[i] = (unsigned)(unsigned char)s[at[i]] - '0') > 9) return 0;
    y = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3];
    m = v[4] * 10 + v[5];
    d = v[6] * 10 + v[7];
#endif
    /* days before each month, in a common and in a leap year */
    static const uint16_t before[2][13] = {{0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334},
                                           {0, 0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335}};
    if (m - 1 > 11 || d - 1 > 30) return 0;
    if (y - 1900 < 256) {
        const ybr_year *yr = &r->years[y - 1900];
        const uint16_t *days = before[yr->leap];
        if (d > (unsigned)(m == 12 ? 31 : days[m + 1] - days[m])) return 0;
        *out = (int64_t)yr->jan1 + days[m] + d - 1;
        return 1;
    }
    if (y < 1 || d > (unsigned)yb_days_in_month((int)y, (int)m)) return 0;
    *out = yb_date_from_ymd((int)y, (int)m, (int)d);
    return 1;
}

/* --- objects --- */

static const char *fast_object(jp *P, const char *p, ybr_cinfo *ci, int64_t *slots, uint8_t *present, int depth);

/* A key not predicted (*fk), at p, in the object of ci whose last key was
 * prev (NULL: none yet): its field (NULL: not in the schema), which becomes
 * the guess after prev.  Returns what follows the colon, or NULL when the key
 * is not plain text or no colon follows. */
YBR_COLD static const char *fast_key(jp *P, const char *p, ybr_cinfo *ci, ybr_fkey *prev, ybr_fkey **fk)
{
    yb_reader *r = P->r;
    if (*p == ' ') { /* ", " */
        p++;
        if (key_is(p, *fk)) return p + (*fk)->len;
    }
    if (*p != '"') return NULL;
    p++;
    const char *q = str_stop(p);
    if (*q != '"' && !(q = str_rest(P, q))) return NULL;
    if (q[1] != ':') return NULL;
    size_t n = (size_t)(q - p);
    int32_t fi = lookup(r, (int32_t)(ci - r->cinfo) - 1, p, n, ybr_hash(p, n));
    *fk = fi < 0 ? NULL : &r->fkey[fi];
    if (fi >= 0 && r->fkey[fi].bits) *(prev ? &prev->next : &ci->hint) = &r->fkey[fi];
    return q + 2;
}

/* p at '[': the elements of list field fk. */
YBR_NOINLINE static const char *fast_list(jp *P, const char *p, const ybr_fkey *fk, int depth)
{
    yb_reader *r = P->r;
    yb_claim *c = P->c;
    int32_t li = fk->slot;
    size_t ns = (size_t)r->s->lists[li].elem_nslots;
    if (depth + 2 > YBR_MAX_DEPTH) return NULL;
    p++;
    if (*p == ']') return p + 1;
    for (;;) {
        if (*p != '{') return NULL;
        yb_list_data *L = &c->lists[li];
        int32_t e;
        if (L->count < L->cap) e = L->count++;
        else if ((e = yb_claim_add_element(c, li)) < 0) return NULL;
        size_t at = (size_t)e * ns;
        int64_t *es = L->slots + at;
        uint8_t *ep = L->present + at;
        if (ns <= 8 && at + 8 <= (size_t)L->cap * ns) {
            /* a few slots, and room for 8 (the image is padded): no calls */
            memcpy(es, r->elem_img_slots[li], 8 * sizeof *es);
            memcpy(ep, r->elem_img_present[li], 8);
        } else {
            memcpy(es, r->elem_img_slots[li], ns * sizeof *es);
            memcpy(ep, r->elem_img_present[li], ns);
        }
        p = fast_object(P, p, fk->sub, es, ep, depth + 2);
        if (!p) return NULL;
        if (*p == ',') {
            p++;
            p += *p == ' ';
            continue;
        }
        if (*p == ']') return p + 1;
        return NULL;
    }
}

/* A text value at p (its opening quote) into the claim's arena. */
static inline const char *fast_text(jp *P, const char *p, int64_t *v)
{
    const char *s = p + 1, *q = str_stop(s);
    if (*q != '"' && !(q = str_rest(P, q))) return NULL;
    size_t n = (size_t)(q - s);
    yb_claim *c = P->c;
    uint32_t off = c->text_len;
    if ((uint64_t)off + n + 32 <= c->text_cap) {
        /* whole 16-byte blocks: the reads stay within the line and its padding */
        char *d = c->text + off;
        memcpy(d, s, 16);
        memcpy(d + 16, s + 16, 16);
        for (size_t i = 32; i < n; i += 16) memcpy(d + i, s + i, 16);
        c->text_len = off + (uint32_t)n;
        *v = yb_text_make(off, (uint32_t)n, false);
    } else if ((*v = yb_claim_add_text(c, s, n)) < 0) {
        return NULL;
    }
    return q + 1;
}

/* An enum's name not found by its hash (or a code): the members in turn. */
YBR_COLD static const char *fast_enum_slow(jp *P, const char *p, const ybr_fkey *fk, int64_t *v)
{
    yb_reader *r = P->r;
    const yb_enum_desc *e = &r->s->enums[fk->aux];
    int32_t k;
    if (*p == '"') {
        const char *s = p + 1, *q = str_stop(s);
        if (*q != '"' && !(q = str_rest(P, q))) return NULL;
        if ((k = enum_name(r, fk->aux, s, (size_t)(q - s))) < 0) return NULL;
        *v = k;
        return q + 1;
    }
    int64_t code;
    if (!e->codes || !(p = fast_int(p, 1, &code))) return NULL;
    if ((k = ybr_enum_code(e, code)) < 0) return NULL;
    *v = k;
    return p;
}

/* Money not of the common shape: the exact rules of yb_money_parse. */
YBR_COLD static const char *fast_money_slow(jp *P, const char *p, int64_t *v)
{
    if (*p != '"') return NULL; /* a JSON number: the general parser */
    const char *s = p + 1, *q = str_stop(s);
    if (*q != '"' && !(q = str_rest(P, q))) return NULL;
    if (!yb_money_parse(s, (size_t)(q - s), v)) return NULL;
    return q + 1;
}

/* p at '{': the object of container ci, as parse_object would read it (with
 * a claim that started from the image); NULL: leave it to parse_object. */
static const char *fast_object(jp *P, const char *p, ybr_cinfo *ci, int64_t *slots, uint8_t *present, int depth)
{
    uint64_t seen = 0, nulls = 0; /* keys met; those with null */
    if (ci->count > 64) return NULL;
    p++;
    if (*p != '}') {
        ybr_fkey *prev = NULL, *fk = ci->hint;
        for (;;) {
            if (key_is(p, fk)) {
                p += fk->len;
            } else {
                p = fast_key(P, p, ci, prev, &fk);
                if (!p) return NULL;
                if (!fk) { /* not in the schema: skipped (in a line of known end) */
                    if (P->inbuf) return NULL;
                    p += *p == ' ';
                    p = skip_value(P, p, depth + 1);
                    if (!p) return NULL;
                    fk = prev ? prev->next : ci->hint; /* still the guess for the next key */
                    goto separator;
                }
            }
            if (seen & fk->bit) return NULL; /* a second time */
            seen |= fk->bit;
            prev = fk;
            int64_t v;
        again:
            switch (fk->kind) {
            case YB_T_TEXT:
                if (*p != '"') goto other;
                if (!(p = fast_text(P, p, &v))) return NULL;
                break;
            case YB_T_DATE:
                if (*p != '"') goto other;
                if (p[11] != '"' || !fast_date10(P->r, p + 1, &v)) return NULL;
                p += 12;
                break;
            case YB_T_MONEY: {
                const char *q;
                if (*p == '"') q = fast_money(p + 1, 1, &v);
                else if ((unsigned)(unsigned char)*p - '0' <= 9) q = fast_money(p, 0, &v);
                else goto other;
                if (!q && !(q = fast_money_slow(P, p, &v))) return NULL;
                p = q;
                break;
            }
            case YB_T_INT:
                if ((unsigned)(unsigned char)*p - '0' > 9) goto other;
                if (!(p = fast_int(p, 0, &v))) return NULL;
                break;
            case YB_T_BOOL:
                if (*p == 't' && p[1] == 'r' && p[2] == 'u' && p[3] == 'e') {
                    v = 1;
                    p += 4;
                } else if (*p == 'f' && p[1] == 'a' && p[2] == 'l' && p[3] == 's' && p[4] == 'e') {
                    v = 0;
                    p += 5;
                } else {
                    goto other;
                }
                break;
            case YB_T_ENUM: {
                const ybr_fenum *fe = &P->r->fenum[fk->aux];
                const char *q = NULL;
                if (*p == '"') {
                    int32_t k = enum_fast(fe, p + 1, &q);
                    if (k >= 0) v = k;
                    else q = NULL;
                } else if (*p == '-' || (unsigned)(unsigned char)*p - '0' <= 9) { /* a code */
                    int64_t code;
                    if ((q = fast_int(p, 1, &code)) && (uint64_t)code < 64 && fe->code[code]) v = fe->code[code] - 1;
                    else q = NULL;
                } else {
                    goto other;
                }
                if (!q && !(q = fast_enum_slow(P, p, fk, &v))) return NULL;
                p = q;
                break;
            }
            case YB_T_RECORD:
                if (*p != '{') goto other;
                if (depth + 1 > YBR_MAX_DEPTH) return NULL;
                if (!(p = fast_object(P, p, fk->sub, slots, present, depth + 1))) return NULL;
                v = 1;
                break;
            case YB_T_LIST:
                if (*p != '[') goto other;
                if (!(p = fast_list(P, p, fk, depth))) return NULL;
                goto next;
            default: /* the dummy key */
                return NULL;
            other:
                if (*p == ' ' && p[-1] == ':') { /* ": " */
                    p++;
                    goto again;
                }
                if (*p == 'n' && p[1] == 'u' && p[2] == 'l' && p[3] == 'l') { /* null: absent */
                    nulls |= fk->bit;
                    p += 4;
                    goto next;
                }
                return NULL;
            }
            slots[fk->slot] = v;
            present[fk->slot] = 1;
        next:
            fk = fk->next;
        separator:
            if (*p == ',') {
                p++;
                continue;
            }
            if (*p == '}') break;
            return NULL;
        }
    }
    /* absent children: settled in the image already, unless required */
    uint64_t given = seen & ~nulls;
    if (ci->req & ~given) return NULL;
    for (uint64_t lists = ci->lists & given; lists; lists &= lists - 1) {
        const yb_field *f = &P->r->s->fields[ci->first + __builtin_ctzll(lists)];
        if (P->c->lists[f->slot].count < f->min_items) return NULL;
    }
    return p + 1;
}

/* The claim as it stands before a line is read on the fast path. */
static void fast_reset(const yb_reader *r, yb_claim *c)
{
    const yb_schema *s = r->s;
    memcpy(c->slots, r->img_slots, (size_t)s->nslots * sizeof *c->slots);
    memcpy(c->present, r->img_present, (size_t)s->nslots);
    for (int32_t i = 0; i < s->nlists; i++) c->lists[i].count = 0;
    c->text_len = 0;
}

/* ------------------------------------------------------------------------ */
/* The reader                                                                */

yb_reader *yb_reader_open(const yb_schema *s, FILE *f, const char *filename, yb_format fmt)
{
    if (!s || !f || (fmt != YB_FMT_JSONL && fmt != YB_FMT_CSV)) return NULL;
    yb_reader *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->s = s;
    r->f = f;
    r->filename = filename ? filename : "";
    r->fmt = fmt;
    r->cap = YBR_BLOCK;
    r->buf = calloc(r->cap + YBR_PAD, 1);
    if (!r->buf || prepare(r) < 0 || (fmt == YB_FMT_CSV && ybr_csv_open(r) < 0)) {
        yb_reader_close(r);
        return NULL;
    }
    return r;
}

void yb_reader_close(yb_reader *r)
{
    if (!r) return;
    if (r->csv) ybr_csv_close(r);
    free(r->buf);
    free(r->parent);
    free(r->nlen);
    free(r->seen);
    free(r->given);
    free(r->htab);
    free(r->hoff);
    free(r->hmask);
    free(r->hint_next);
    free(r->hint_first);
    free(r->hintable);
    free(r->tok);
    if (r->enum_len)
        for (int32_t id = 0; id < r->s->nenums; id++) free(r->enum_len[id]);
    free(r->enum_len);
    if (r->enum_tok)
        for (int32_t id = 0; id < r->s->nenums; id++) free(r->enum_tok[id]);
    free(r->enum_tok);
    free(r->act_mask);
    free(r->list_mask);
    close_fast(r);
    free(r->scratch);
    free(r);
}

long yb_reader_records(const yb_reader *r) { return r->records; }

int ybr_read_error(yb_reader *r, yb_record_error *err)
{
    if (!r->read_error || r->read_error_told) return 0;
    r->read_error_told = 1;
    r->records++;
    ybr_err_init(err, r->line + 1);
    snprintf(err->message, sizeof err->message, "the input could not be read further (read error or out of memory)");
    return -1;
}

int yb_reader_next(yb_reader *r, yb_claim *c, yb_record_error *err)
{
    if (c->schema != r->s &&
        (c->schema->nslots != r->s->nslots || c->schema->nlists != r->s->nlists)) {
        ybr_err_init(err, r->line);
        snprintf(err->message, sizeof err->message, "the claim was made for another input shape");
        return -1;
    }
    if (r->fmt == YB_FMT_CSV) return ybr_csv_next(r, c, err);
    if (r->fkey && c->schema == r->s && r->beg < r->end && r->buf[r->beg] == '{') {
        /* the fast path straight from the buffer: it stops at every control
           byte, so it reads no further than the line's newline (or the NUL
           after the data, and then the line is looked for first) */
        const char *ls = r->buf + r->beg;
        jp P = {r, c, err, ls, r->buf + r->end, 1};
        fast_reset(r, c);
        const char *q = fast_object(&P, ls, r->cinfo, c->slots, c->present, 1);
        if (q) {
            while (*q == ' ' || *q == '\t' || *q == '\r') q++;
            if (*q == '\n') {
                r->beg = (size_t)(q - r->buf) + 1;
                if (r->scan < r->beg) r->scan = r->beg;
                r->records++;
                c->line = ++r->line;
                ybr_err_init(err, r->line);
                return 1;
            }
        }
    }
    char *ls, *le;
    const char *p;
    for (;;) {
        if (!next_line(r, &ls, &le)) return ybr_read_error(r, err);
        r->line++;
        if (r->line == 1 && le - ls >= 3 && memcmp(ls, "\xEF\xBB\xBF", 3) == 0) ls += 3; /* BOM */
        if (le > ls && le[-1] == '\r') *--le = 0;
        p = ws(ls);
        if (p < le) break; /* not blank */
    }
    r->records++;
    ybr_err_init(err, r->line);
    jp P = {r, c, err, ls, le, 0};
    if (*p == '{' && r->fkey && c->schema == r->s) {
        fast_reset(r, c);
        c->line = r->line;
        const char *q = fast_object(&P, p, r->cinfo, c->slots, c->present, 1);
        if (q && ws(q) == le) return 1;
        ybr_err_init(err, r->line); /* the general parser decides, from the start */
    }
    yb_claim_reset(c);
    c->line = r->line;
    if (*p != '{') {
        syntax_err(&P, p, "a JSON object");
        return -1;
    }
    p = parse_object(&P, p, -1, c->slots, c->present, -1, 1);
    if (!p) return -1;
    p = ws(p);
    if (p < le) {
        syntax_err(&P, p, "the end of the line after the claim's object");
        return -1;
    }
    return 1;
}
