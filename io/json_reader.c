/* The JSON Lines claim reader (claim-schema.md, "Claims: JSON Lines").
 *
 * Specialised to the declared input shape: each line is parsed in place in
 * the input buffer (a NUL sentinel replaces its newline, so the scanners stop
 * at the end without bound checks); values go straight into the claim's
 * slots; nothing is allocated per record once the buffers have grown to fit.
 *
 * Two parsers: a fast path for the common line -- compact JSON, every value
 * as expected -- read straight from the buffer (json_fastpath.c), and the
 * general parser here, which reads every other line and words every error.
 * The fast path gives up on anything unusual, and the line is then read
 * again by the general parser from the start.
 *
 * Keys: each object's keys are predicted from the order seen on earlier lines
 * (producers write keys in one order), and a prediction is confirmed by one
 * masked 16-byte compare of `name":`.  A miss falls back to a small hash table
 * per object built at open.  Absent children are found with a 64-bit mask of
 * the children given, so only those that need a default or an error are seen.
 */
#include "json_internal.h"

#include <stdio.h>

#include "date.h"
#include "money.h"
#include "reader_formats.h"

/* A value of the wrong JSON type for field fi at p (or a syntax error). */
static const char *type_err(ybj_parse *P, const char *p, int32_t fi, int32_t elem, const char *expected_override)
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
        q = ybj_scan_str(P, p + 1, &esc);
        if (!q) return NULL;
        if (expected_override) {
            char found[96];
            ybr_show_text(found, sizeof found, p + 1, (size_t)(q - p - 1), 1);
            ybr_field_error(r, P->err, fi, elem, exp, found);
            return NULL;
        }
        ybr_value_error(r, P->err, fi, elem, p + 1, (size_t)(q - p - 1), 1);
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
        q = ybj_scan_num(p, &plain, &bad);
        if (!q) return ybj_syntax_err(P, bad, "a digit");
        if (expected_override) {
            char found[96];
            ybr_show_text(found, sizeof found, p, (size_t)(q - p), 0);
            ybr_field_error(r, P->err, fi, elem, exp, found);
            return NULL;
        }
        ybr_value_error(r, P->err, fi, elem, p, (size_t)(q - p), 0);
        return NULL;
    default:
        break;
    }
    return ybj_syntax_err(P, p, exp);
}

static const char *parse_object(ybj_parse *P, const char *p, int32_t cont, int64_t *slots, uint8_t *present,
                                int32_t elem, int depth);

static const char *ybj_oom(ybj_parse *P, int32_t fi, int32_t elem)
{
    ybr_field_error(P->r, P->err, fi, elem, "out of memory", NULL);
    return NULL;
}

static const char *parse_list(ybj_parse *P, const char *p, int32_t fi, int depth)
{
    yb_reader *r = P->r;
    const yb_field *f = &r->s->fields[fi];
    int32_t li = f->slot;
    size_t ns = (size_t)r->s->lists[li].elem_nslots;
    yb_list_data *L = &P->c->lists[li];
    if (depth + 2 > YBR_MAX_DEPTH) return ybj_depth_err(P, p); /* the array, then its objects */
    p = ybj_ws(p + 1);
    if (*p == ']') return p + 1;
    for (;;) {
        if (*p != '{') {
            if (*p == 0 || *p == ']' || *p == '}' || *p == ',' || *p == ':') return ybj_syntax_err(P, p, "a JSON object");
            if (!type_err(P, p, fi, L->count, "a JSON object") && P->err->field[0]) {
                /* the path names the element: items[2] */
                size_t n = strlen(P->err->field);
                snprintf(P->err->field + n, sizeof P->err->field - n, "[%ld]", (long)L->count);
            }
            return NULL;
        }
        int32_t e = yb_claim_add_element(P->c, li);
        if (e < 0) return ybj_oom(P, fi, -1);
        p = parse_object(P, p, fi, L->slots + (size_t)e * ns, L->present + (size_t)e * ns, e, depth + 2);
        if (!p) return NULL;
        p = ybj_ws(p);
        if (*p == ',') { p = ybj_ws(p + 1); continue; }
        if (*p == ']') return p + 1;
        return ybj_syntax_err(P, p, "',' or ']'");
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
static inline const char *parse_value(ybj_parse *P, const char *p, int32_t fi, int64_t *slots, uint8_t *present,
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
        const char *q = ybj_scan_str(P, s, &esc);
        if (!q) return NULL;
        size_t n = (size_t)(q - s);
        if (esc) {
            if (ybr_scratch(r, n + 1) < 0) return ybj_oom(P, fi, elem);
            n = ybj_unescape(s, n, r->scratch);
            s = r->scratch;
        }
        switch (f->kind) {
        case YB_T_TEXT:
            v = yb_claim_add_text(P->c, s, n);
            if (v < 0) return ybj_oom(P, fi, elem);
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
                uint64_t a0 = ybr_load8(s), a1 = ybr_load8(s + 8);
                for (int32_t m = 0, nm = r->s->enums[f->enum_id].n; m < nm; m++)
                    if (t[m].len && (((a0 ^ t[m].w[0]) & t[m].m[0]) | ((a1 ^ t[m].w[1]) & t[m].m[1])) == 0) {
                        k = m;
                        break;
                    }
            }
            if (k < 0) k = ybr_enum_name(r, f->enum_id, s, n);
            if (k < 0) goto bad_string;
            v = k;
            break;
        }
        default:
        bad_string:
            ybr_value_error(r, P->err, fi, elem, s, n, 1);
            return NULL;
        }
        p = q + 1;
    } else if ((ch >= '0' && ch <= '9') || ch == '-') {
        int plain;
        const char *bad;
        const char *q = ybj_scan_num(p, &plain, &bad);
        if (!q) return ybj_syntax_err(P, bad, "a digit");
        size_t n = (size_t)(q - p);
        switch (f->kind) {
        case YB_T_MONEY:
            if (!yb_money_parse(p, n, &v)) goto bad_number;
            break;
        case YB_T_INT:
            if (!plain || ybr_parse_int(p, n, 0, &v) < 0 || v > YBR_MAX_COUNT) goto bad_number;
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
        ybr_value_error(r, P->err, fi, elem, p, n, 0);
        return NULL;
    } else if (ch == 'n') {
        if (p[1] == 'u' && p[2] == 'l' && p[3] == 'l') return p + 4; /* null: absent */
        return ybj_syntax_err(P, p, "a JSON value");
    } else if (ch == '{' && f->kind == YB_T_RECORD) {
        if (depth + 1 > YBR_MAX_DEPTH) return ybj_depth_err(P, p);
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
        else return ybj_syntax_err(P, p, "a JSON value");
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
static const char *key_slow(ybj_parse *P, const char *p, int32_t cont, int32_t elem, int32_t *fi)
{
    yb_reader *r = P->r;
    const char *k = p;
    p = ybj_plain_run(p);
    size_t klen;
    if (*p == '"') {
        klen = (size_t)(p - k);
        p++;
    } else { /* escapes or non-ASCII: check, ybj_unescape */
        int esc;
        const char *q = ybj_scan_str(P, k, &esc);
        if (!q) return NULL;
        klen = (size_t)(q - k);
        if (esc) {
            if (ybr_scratch(r, klen + 1) < 0) return ybj_oom(P, -1, elem);
            klen = ybj_unescape(k, klen, r->scratch);
            k = r->scratch;
        }
        p = q + 1;
    }
    *fi = ybr_lookup(r, cont, k, klen, ybr_hash(k, klen));
    return p;
}

static const char *parse_object(ybj_parse *P, const char *p, int32_t cont, int64_t *slots, uint8_t *present,
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
    p = ybj_ws(p + 1);
    if (*p != '}') {
        int32_t prev = -1; /* the last known key of this object */
        for (;;) {
            if (*p != '"') return ybj_syntax_err(P, p, "a key string");
            p++;
            int32_t fi = prev < 0 ? r->hint_first[cont + 1] : hint_next[prev];
            const ybr_tok *t;
            size_t nl;
            if (fi >= 0 && (t = &tok[fi])->len &&
                (((ybr_load8(p) ^ t->w[0]) & t->m[0]) | ((ybr_load8(p + 8) ^ t->w[1]) & t->m[1])) == 0) {
                /* the predicted key and its colon, compact: `name":`.  A line
                   ending early cannot match: its NUL sentinel is compared too. */
                p += t->len;
            } else {
                if (fi >= 0 && (size_t)(le - p) > (nl = nlen[fi]) && p[nl] == '"' && ybr_same_bytes(fields[fi].name, p, nl)) {
                    p += nl + 1; /* the predicted key, longer or spaced */
                } else {
                    const char *key = p;
                    p = key_slow(P, p, cont, elem, &fi);
                    if (!p) return NULL;
                    if (fi < 0 && r->strict) { /* the key as written, between its quotes */
                        ybr_unknown_field(r, P->err, cont, elem, key, (size_t)(p - 1 - key));
                        return NULL;
                    }
                    if (fi >= 0 && r->hintable[fi]) {
                        if (prev < 0) r->hint_first[cont + 1] = fi;
                        else hint_next[prev] = fi;
                    }
                }
                p = ybj_ws(p);
                if (*p != ':') return ybj_syntax_err(P, p, "':'");
                p++;
            }
            p = ybj_ws(p);
            if (fi < 0) {
                p = ybj_skip_value(P, p, depth + 1);
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
            p = ybj_ws(p);
            if (*p == ',') { p = ybj_ws(p + 1); continue; }
            if (*p == '}') break;
            return ybj_syntax_err(P, p, "',' or '}'");
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
        if (ybr_settle_child(r, P->c, P->err, first + k, (int)(gmask >> k & 1), slots, present, elem) < 0) return NULL;
    }
    return p;
}

/* ------------------------------------------------------------------------ */
/* The record loop                                                           */

int ybr_json_open(yb_reader *r) { return ybj_fast_open(r); }
void ybr_json_close(yb_reader *r) { ybj_fast_close(r); }

/* The fast path alone: 1 when it read the next line into c, 0 when it gave
 * up (the line is then read again by the general parser, from its start).
 * It never writes into the buffer (yb_reader_read_line_ro). */
int ybr_json_fast(yb_reader *r, yb_claim *c, yb_record_error *err)
{
    if (r->fkey && c->schema == r->s && r->beg < r->end && r->buf[r->beg] == '{') {
        /* the fast path straight from the buffer: it stops at every control
           byte, so it reads no further than the line's newline (or the NUL
           after the data: the last line of an input that has ended -- a
           line fed from memory has no newline -- or else the line is looked
           for first) */
        const char *ls = r->buf + r->beg;
        ybj_parse P = {r, c, err, ls, r->buf + r->end, 1};
        ybj_fast_reset(r, c);
        const char *q = ybj_fast_object(&P, ls, r->cinfo, c->slots, c->present, 1);
        if (q) {
            while (*q == ' ' || *q == '\t' || *q == '\r') q++;
            size_t at = (size_t)(q - r->buf);
            if ((*q == '\n' || (at == r->end && r->eof)) && (size_t)(q - ls) <= r->max_record) {
                r->beg = at + (*q == '\n');
                if (r->scan < r->beg) r->scan = r->beg;
                r->records++;
                c->line = ++r->line;
                ybr_err_init(err, r->line);
                return 1;
            }
        }
    }
    return 0;
}

int ybr_json_next(yb_reader *r, yb_claim *c, yb_record_error *err)
{
    if (ybr_json_fast(r, c, err)) return 1;
    char *ls, *le;
    const char *p;
    for (;;) {
        int k = ybr_next_line(r, &ls, &le);
        if (k == YBR_END) return ybr_read_error(r, err);
        if (k != YBR_LINE) return ybr_record_too_long(r, err, k);
        r->line++;
        if (r->line == 1 && le - ls >= 3 && memcmp(ls, "\xEF\xBB\xBF", 3) == 0) ls += 3; /* BOM */
        if (le > ls && le[-1] == '\r') *--le = 0;
        p = ybj_ws(ls);
        if (p < le) break; /* not blank */
    }
    r->records++;
    ybr_err_init(err, r->line);
    ybj_parse P = {r, c, err, ls, le, 0};
    if (*p == '{' && r->fkey && c->schema == r->s) {
        ybj_fast_reset(r, c);
        c->line = r->line;
        const char *q = ybj_fast_object(&P, p, r->cinfo, c->slots, c->present, 1);
        if (q && ybj_ws(q) == le) return 1;
        ybr_err_init(err, r->line); /* the general parser decides, from the start */
    }
    yb_claim_reset(c);
    c->line = r->line;
    if (*p != '{') {
        ybj_syntax_err(&P, p, "a JSON object");
        return -1;
    }
    p = parse_object(&P, p, -1, c->slots, c->present, -1, 1);
    if (!p) return -1;
    p = ybj_ws(p);
    if (p < le) {
        ybj_syntax_err(&P, p, "the end of the line after the claim's object");
        return -1;
    }
    return 1;
}
