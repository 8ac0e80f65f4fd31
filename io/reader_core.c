/* The claim readers' core (reader_internal.h), beneath both formats: the
 * tables built from the schema at open, the wording of record errors, values
 * from text (JSON strings and CSV cells), and defaults and required fields.
 * It knows nothing of JSON or CSV syntax.
 */
#include "reader_internal.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "yb_limits.h"
#include "money.h"
#include "suggest.h"

/* ------------------------------------------------------------------------ */
/* Schema tables                                                             */

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
        if (n > YB_MAX_FIELD_NAME) {
            /* the compiler refuses such a name; a .ybc made elsewhere may hold one */
            char shown[80];
            ybr_show_text(shown, sizeof shown, f->name, n, 1);
            snprintf(r->why, sizeof r->why, "the input field %s has a name of %zu bytes; at most %d are read", shown, n,
                     YB_MAX_FIELD_NAME);
            return -1;
        }
        r->nlen[i] = (uint32_t)n;
        r->hintable[i] = ybr_utf8_check(f->name, n) == n && !memchr(f->name, '"', n) && !memchr(f->name, '\\', n);
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
            if (r->nlen[o] == r->nlen[i] && memcmp(r->s->fields[o].name, name, r->nlen[i]) == 0) {
                char shown[80];
                ybr_show_text(shown, sizeof shown, name, r->nlen[i], 1);
                snprintf(r->why, sizeof r->why, "two input fields of one record are named %s", shown);
                return -1;
            }
            k = (k + 1) & m;
        }
        t[k].hash = h;
        t[k].field = i;
    }
    return 0;
}

/* An allocation failed: said so (a structural refusal leaves why empty). */
static int oom(yb_reader *r)
{
    snprintf(r->why, sizeof r->why, "out of memory");
    return -1;
}

int ybr_core_open(yb_reader *r)
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
        return oom(r);
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
        if (!r->enum_len || !r->enum_tok) return oom(r);
        for (int32_t id = 0; id < s->nenums; id++) {
            const yb_enum_desc *e = &s->enums[id];
            if (e->n < 0 || (e->n > 0 && !e->names)) return -1;
            r->enum_len[id] = calloc((size_t)e->n + 1, sizeof **r->enum_len);
            if (!r->enum_len[id]) return oom(r);
            r->enum_tok[id] = calloc((size_t)e->n + 1, sizeof **r->enum_tok);
            if (!r->enum_tok[id]) return oom(r);
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
    if (!r->htab) return oom(r);
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
    r->stamp = 1;
    return 0;
}

void ybr_core_close(yb_reader *r)
{
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
    free(r->scratch);
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
    yb_field_path(r->s, r->parent, fi, elem, buf, n);
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
    case YB_T_INT: snprintf(buf, n, "an integer from 0 to %ld", (long)YBR_MAX_COUNT); return;
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
        if (e->ntexts) {
            append(buf, n, &len, " (or the text code ");
            for (int32_t k = 0; k < e->ntexts; k++) {
                if (len + strlen(e->texts[k]) + 8 >= n) { append(buf, n, &len, "..."); break; }
                append(buf, n, &len, "%s\"%s\"", k ? ", " : "", e->texts[k]);
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

int ybr_unknown_field(const yb_reader *r, yb_record_error *err, int32_t cont, int32_t elem, const char *key, size_t n)
{
    size_t len = 0;
    err->field[0] = 0;
    if (cont >= 0) {
        ybr_path(r, cont, elem, err->field, sizeof err->field);
        len = strlen(err->field);
        if (r->s->fields[cont].kind == YB_T_LIST) append(err->field, sizeof err->field, &len, "[%ld]", (long)elem);
        append(err->field, sizeof err->field, &len, ".");
    }
    char shown[96];
    ybr_show_text(shown, sizeof shown, key, n, 0);
    append(err->field, sizeof err->field, &len, "%s", shown);
    /* the likeliest of the object's own fields */
    const yb_schema *s = r->s;
    int32_t first = cont < 0 ? s->root_first : s->fields[cont].first, count = cont < 0 ? s->root_count : s->fields[cont].count;
    const char *cands[64];
    char name[72];
    const char *guess = NULL;
    if (n < sizeof name) {
        memcpy(name, key, n);
        name[n] = 0;
        for (int32_t at = 0; at < count && !guess; at += 64) {
            size_t k = 0;
            for (int32_t i = at; i < count && k < 64; i++) cands[k++] = s->fields[first + i].name;
            guess = yb_suggest(name, cands, k);
        }
    }
    len = 0;
    err->message[0] = 0;
    append(err->message, sizeof err->message, &len, "not a field of this policy's claims (an error under --strict)");
    if (guess) append(err->message, sizeof err->message, &len, "; did you mean `%s`?", guess);
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
int ybr_value_error(const yb_reader *r, yb_record_error *err, int32_t fi, int32_t elem, const char *p,
                       size_t n, int quote)
{
    const yb_field *f = &r->s->fields[fi];
    char exp[200], found[96];
    ybr_expected(r, f, exp, sizeof exp);
    if (f->kind == YB_T_MONEY && money_shaped(p, n))
        snprintf(exp, sizeof exp, "money of at most 10000000000000.00");
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

int32_t ybr_enum_name(const yb_reader *r, int32_t id, const char *p, size_t n)
{
    const yb_enum_desc *e = &r->s->enums[id];
    const uint32_t *len = r->enum_len[id];
    for (int32_t k = 0; k < e->n; k++)
        if (len[k] == n && ybr_same_bytes(e->names[k], p, n)) return k;
    /* the text codes the policy declared ("21" for municipal) */
    for (int32_t k = 0; k < e->ntexts; k++)
        if (strlen(e->texts[k]) == n && memcmp(e->texts[k], p, n) == 0) return e->texts_member[k];
    return -1;
}

/* Offset of the first byte of [p, p+n) that is not valid UTF-8, or n. */
size_t ybr_utf8_check(const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t i = 0;
    while (i < n) {
        if (s[i] < 0x80) { i++; continue; }
        unsigned c = s[i];
        size_t L = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        if (i + L > n) return i;
        if (ybr_utf8_seq(s + i) != (int)L) return i;
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
            size_t bad = ybr_utf8_check(p, n);
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
        int32_t k = ybr_enum_name(r, f->enum_id, p, n);
        int64_t code;
        if (k < 0 && csv && e->codes && ybr_parse_int(p, n, 1, &code) == 0) k = ybr_enum_code(e, code);
        if (k >= 0) {
            *out = k;
            return 0;
        }
        break;
    }
    case YB_T_INT:
        if (csv && ybr_parse_int(p, n, 0, out) == 0 && *out <= YBR_MAX_COUNT) return 0;
        break;
    case YB_T_BOOL:
        if (csv && n == 4 && memcmp(p, "true", 4) == 0) { *out = 1; return 0; }
        if (csv && n == 5 && memcmp(p, "false", 5) == 0) { *out = 0; return 0; }
        break;
    default:
        break;
    }
    return ybr_value_error(r, err, fi, elem, p, n, 1);
}

/* ------------------------------------------------------------------------ */
/* Defaults and required fields                                              */

void ybr_absent_record(yb_reader *r, int32_t fi, int64_t *slots, uint8_t *present)
{
    const yb_field *rec = &r->s->fields[fi];
    slots[rec->slot] = 0;
    present[rec->slot] = 1;
    for (int32_t i = rec->first; i < rec->first + rec->count; i++) {
        const yb_field *f = &r->s->fields[i];
        if (f->kind == YB_T_RECORD) {
            ybr_absent_record(r, i, slots, present);
        } else if (f->kind != YB_T_LIST && (f->flags & YB_F_DEFAULT)) {
            slots[f->slot] = f->dflt;
            present[f->slot] = 1;
        }
    }
}

/* Child i of an object was not given (absent or null) -- or, for a list, was
 * given: apply the rules.  0, or -1 with err filled. */
int ybr_settle_child(yb_reader *r, yb_claim *c, yb_record_error *err, int32_t i, int given, int64_t *slots,
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
        ybr_absent_record(r, i, slots, present);
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
        if (ybr_settle_child(r, c, err, i, given, slots, present, elem) < 0) return -1;
    }
    return 0;
}
