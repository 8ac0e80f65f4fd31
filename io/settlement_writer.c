/* Settlement writers: JSON Lines and CSV (settlement_writer.h).
 *
 * Output goes into one large block that is written with fwrite when full;
 * numbers, money and dates are formatted by hand (no printf per value).
 */
#include "settlement_writer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "decimal.h"
#include "json_text.h"
#include "money.h"

#define OUT_BLOCK (256u * 1024)
#define OUT_SLACK 16 /* bytes past the block's end that word copies may touch */

/* How put_json writes a field: bits, tested in turn (see put_json). */
enum { W_MONEY = 1, W_QUOTED = 2, W_BARE = 4, W_TEXT = 8, W_STATUS = 16, W_REASONS = 32, W_ALERTS = 64, W_OTHER = 128 };

static uint8_t op_of(yb_kind k)
{
    switch (k) {
    case YB_T_MONEY: return W_MONEY;
    case YB_T_RATE:
    case YB_T_DATE:
    case YB_T_DURATION: return W_QUOTED;
    case YB_T_INT:
    case YB_T_BOOL: return W_BARE;
    case YB_T_TEXT: return W_TEXT;
    case YB_T_STATUS: return W_STATUS;
    case YB_T_REASONS: return W_REASONS;
    case YB_T_ALERTS: return W_ALERTS;
    default: return W_OTHER; /* enum, or a kind of no value */
    }
}

struct yb_writer {
    FILE *f;
    yb_format fmt;
    int n;
    uint8_t *kind;
    uint8_t *op; /* JSON: how put_json writes each field (W_*) */
    uint16_t *enum_id;
    int64_t *zeros;       /* the values of a settlement without any */
    size_t line_room;     /* JSON: bytes that hold every key and fixed-width value of a line */
    char **key; /* JSON: "name": with its quotes and colon */
    size_t *keylen;
    const yb_enum_desc *enums;
    char *buf;
    size_t len, cap;
    char *tmp; /* a joined CSV cell */
    size_t tmpcap;
    const yb_out_field *fields; /* CSV: the header's names */
    bool header_due;            /* CSV: the header is written before the first row (or at flush) */
    bool stamp_cols;            /* CSV: the four policy_* columns follow the fields */
    bool failed;
    int err; /* errno of the first failure (ENOMEM when out of memory, EIO when none was set) */
};

/* ------------------------------------------------------------------------ */
/* The block                                                                 */

static void fail(yb_writer *w, int err)
{
    if (!w->failed) w->err = err;
    w->failed = true;
}

static void flush(yb_writer *w)
{
    if (!w->f) return; /* in memory: the bytes stay until yb_writer_clear */
    if (w->len && !w->failed) {
        errno = 0;
        if (fwrite(w->buf, 1, w->len, w->f) != w->len) fail(w, errno ? errno : EIO);
    }
    w->len = 0;
}

/* Room for n more bytes; false when out of memory. */
static bool room_slow(yb_writer *w, size_t n)
{
    flush(w);
    if (w->cap - w->len >= n) return true;
    size_t want = w->len + n; /* in memory the block grows: doubled, so a put costs O(1) */
    if (want < n || want > SIZE_MAX / 2 - OUT_SLACK) {
        fail(w, ENOMEM);
        return false;
    }
    if (!w->f && want < 2 * w->cap) want = 2 * w->cap;
    char *b = realloc(w->buf, want + OUT_SLACK);
    if (!b) {
        fail(w, ENOMEM);
        return false;
    }
    w->buf = b;
    w->cap = want;
    return true;
}

static inline bool room(yb_writer *w, size_t n)
{
    return w->cap - w->len >= n || room_slow(w, n);
}

static void put(yb_writer *w, const char *p, size_t n)
{
    if (!room(w, n)) return;
    memcpy(w->buf + w->len, p, n);
    w->len += n;
}

static inline void putc1(yb_writer *w, char ch)
{
    if (!room(w, 1)) return;
    w->buf[w->len++] = ch;
}

static void puts0(yb_writer *w, const char *s) { put(w, s, strlen(s)); }

/* A precomputed key, into room made before: its allocation is padded to
 * whole words (16 bytes at least), and the block has OUT_SLACK bytes past
 * cap, so it is copied in words without a call -- 16 bytes whatever its length up to 16, so that the
 * copy does not branch on it. */
static inline void put_key(yb_writer *w, const char *k, size_t n)
{
    char *o = w->buf + w->len;
    uint64_t x, y;
    memcpy(&x, k, 8);
    memcpy(&y, k + 8, 8);
    memcpy(o, &x, 8);
    memcpy(o + 8, &y, 8);
    for (size_t i = 16; i < n; i += 8) {
        memcpy(&x, k + i, 8);
        memcpy(o + i, &x, 8);
    }
    w->len += n;
}

/* ------------------------------------------------------------------------ */
/* Values                                                                    */

static size_t fmt_date(char *d, int64_t v)
{
    int y, m, day;
    if (!yb_date_in_range(v)) return (size_t)yb_date_format(v, d); /* the nearest end: never reached */
    yb_date_to_ymd(v, &y, &m, &day);
    d[0] = (char)('0' + y / 1000);
    d[1] = (char)('0' + y / 100 % 10);
    d[2] = (char)('0' + y / 10 % 10);
    d[3] = (char)('0' + y % 10);
    d[4] = '-';
    d[5] = (char)('0' + m / 10);
    d[6] = (char)('0' + m % 10);
    d[7] = '-';
    d[8] = (char)('0' + day / 10);
    d[9] = (char)('0' + day % 10);
    return 10;
}

/* ISO 8601: P3M, P10D, P1M15D, P0D; a negative part gets its sign. */
static size_t fmt_duration(char *d, int64_t v)
{
    int32_t mo = yb_duration_months(v), dy = yb_duration_days(v);
    size_t o = 0;
    d[o++] = 'P';
    if (mo) {
        o += yb_decimal_i64(d + o, mo);
        d[o++] = 'M';
    }
    if (dy || !mo) {
        o += yb_decimal_i64(d + o, dy);
        d[o++] = 'D';
    }
    return o;
}

static void put_sink(void *w, const char *p, size_t n) { put(w, p, n); }

static void json_str_as(yb_writer *w, const char *p, size_t n, bool plain);

/* A JSON string: quoted, escaped as everywhere (json_text.h).  Most need no
 * escape: copied whole. */
static void json_str(yb_writer *w, const char *p, size_t n)
{
    json_str_as(w, p, n, yb_json_plain_len(p, n) == n);
}

/* The same, told whether the text needs an escape (plain: none). */
static void json_str_as(yb_writer *w, const char *p, size_t n, bool plain)
{
    if (!room(w, n + 2)) return;
    char *o = w->buf + w->len;
    *o = '"';
    if (plain) {
        memcpy(o + 1, p, n);
        o[n + 1] = '"';
        w->len += n + 2;
        return;
    }
    w->len++;
    yb_json_text(p, n, put_sink, w);
    putc1(w, '"');
}

/* A CSV cell: quoted when it holds , " CR or LF (or begins/ends with a space). */
static void csv_cell(yb_writer *w, const char *p, size_t n)
{
    bool q = n > 0 && (p[0] == ' ' || p[n - 1] == ' ');
    for (size_t i = 0; i < n && !q; i++)
        if (p[i] == ',' || p[i] == '"' || p[i] == '\r' || p[i] == '\n') q = true;
    if (!q) {
        put(w, p, n);
        return;
    }
    putc1(w, '"');
    size_t i = 0;
    while (i < n) {
        const char *qq = memchr(p + i, '"', n - i);
        size_t j = qq ? (size_t)(qq - p) + 1 : n;
        put(w, p + i, j - i);
        if (qq) putc1(w, '"');
        i = j;
    }
    putc1(w, '"');
}

static void text_of(const yb_settlement *s, int64_t v, const char **p, uint32_t *n)
{
    *p = "";
    *n = 0;
    if (s->text) s->text(s->text_ctx, v, p, n);
    if (!*p) *n = 0, *p = "";
}

static const char *enum_member(const yb_writer *w, int i, int64_t v)
{
    if (!w->enums) return NULL;
    const yb_enum_desc *e = &w->enums[w->enum_id[i]];
    if (v < 0 || v >= e->n || !e->names) return NULL;
    return e->names[v];
}

/* A scalar's text, unquoted, into d (64 bytes); returns its length, or -1
 * when the kind is text/enum/list-like (handled by the caller). */
static long scalar(const yb_writer *w, int i, int64_t v, char *d)
{
    switch (w->kind[i]) {
    case YB_T_MONEY: return yb_money_format(v, d);
    case YB_T_INT: return (long)yb_decimal_i64(d, v);
    case YB_T_DATE: return (long)fmt_date(d, v);
    case YB_T_RATE: return (long)yb_rate_format(v, d);
    case YB_T_DURATION: return (long)fmt_duration(d, v);
    case YB_T_BOOL:
        memcpy(d, v ? "true" : "false", v ? 4 : 5);
        return v ? 4 : 5;
    default: return -1;
    }
}

/* ------------------------------------------------------------------------ */
/* JSON Lines                                                                */

static void json_text_field(yb_writer *w, const yb_settlement *s, int64_t v)
{
    const char *p;
    uint32_t n;
    text_of(s, v, &p, &n);
    json_str(w, p, n);
}

static void json_reasons(yb_writer *w, const yb_settlement *s)
{
    putc1(w, '[');
    for (int k = 0; k < s->nreasons; k++) {
        if (k) putc1(w, ',');
        const char *p = s->reasons[k] ? s->reasons[k] : "";
        json_str(w, p, strlen(p));
    }
    putc1(w, ']');
}

static void json_alerts(yb_writer *w, const yb_settlement *s)
{
    putc1(w, '[');
    for (int k = 0; k < s->nalerts; k++) {
        const yb_alert *a = &s->alerts[k];
        puts0(w, k ? ",{\"rule\":" : "{\"rule\":");
        json_str_as(w, a->rule ? a->rule : "", a->rule ? a->rule_len : 0, (a->plain & 1) || !a->rule);
        puts0(w, a->severity ? ",\"severity\":\"block\",\"message\":" : ",\"severity\":\"warn\",\"message\":");
        json_str_as(w, a->message ? a->message : "", a->message ? a->message_len : 0, (a->plain & 2) || !a->message);
        putc1(w, '}');
    }
    putc1(w, ']');
}

/* An enum's name (its number when it has none), or null for a kind of no value. */
static void json_other(yb_writer *w, int i, int64_t v)
{
    char d[64];
    if (w->kind[i] != YB_T_ENUM) {
        put(w, "null", 4);
        return;
    }
    const char *m = enum_member(w, i, v);
    if (m) json_str(w, m, strlen(m));
    else put(w, d, yb_decimal_i64(d, v));
}

/* One line.  Room for every key and fixed-width value of the line is made
 * once at its start and again after each value of variable width, so that
 * money, numbers and dates -- most of a line -- are written without a check
 * each; the kinds are told apart by bit tests (conditional branches, which
 * the same order of kinds on every line makes predictable, rather than one
 * indirect jump whose target changes with the kind). */
static void put_json(yb_writer *w, const yb_settlement *s)
{
    if (!room(w, w->line_room)) return;
    const int64_t *vals = s->values ? s->values : w->zeros;
    if (w->n == 0) w->buf[w->len++] = '{';
    for (int i = 0; i < w->n; i++) {
        int64_t v = vals[i];
        unsigned op = w->op[i];
        put_key(w, w->key[i], w->keylen[i]); /* with the '{' or ',' before it, and a quote before a quoted value */
        char *o = w->buf + w->len;
        if (op & W_MONEY) {
            size_t n = yb_money_text(o, v);
            o[n] = '"';
            w->len += n + 1;
        } else if (op & W_QUOTED) { /* rate, date, duration: at most 40 bytes */
            size_t n = (size_t)scalar(w, i, v, o);
            o[n] = '"';
            w->len += n + 1;
        } else if (op & W_BARE) { /* int, bool */
            w->len += (size_t)scalar(w, i, v, o);
        } else {
            /* of variable width: room again after it */
            if (op & W_TEXT) json_text_field(w, s, v);
            else if (op & W_STATUS) put(w, s->held ? "\"held\"" : "\"settled\"", s->held ? 6 : 9);
            else if (op & W_REASONS) json_reasons(w, s);
            else if (op & W_ALERTS) json_alerts(w, s);
            else json_other(w, i, v);
            if (!room(w, w->line_room)) return;
        }
    }
    if (s->explain) {
        puts0(w, ",\"explain\":");
        put(w, s->explain, s->explain_len);
    }
    if (s->stamp) {
        puts0(w, ",\"policy\":");
        put(w, s->stamp->json, s->stamp->json_len);
    }
    put(w, "}\n", 2);
}

/* ------------------------------------------------------------------------ */
/* CSV                                                                       */

/* The header row, once: the fields' names, then the stamp columns when asked. */
static void put_csv_header(yb_writer *w)
{
    static const char *const stamp_cols[4] = {"policy_name", "policy_version", "policy_hash", "policy_signer"};
    w->header_due = false;
    for (int i = 0; i < w->n; i++) {
        if (i) putc1(w, ',');
        const char *name = w->fields[i].name ? w->fields[i].name : "";
        csv_cell(w, name, strlen(name));
    }
    for (int k = 0; w->stamp_cols && k < 4; k++) {
        if (w->n || k) putc1(w, ',');
        puts0(w, stamp_cols[k]);
    }
    putc1(w, '\n');
}

/* The four stamp cells of a row (empty without a stamp). */
static void put_csv_stamp(yb_writer *w, const yb_stamp *st)
{
    const char *v[4] = {"", "", "", ""};
    if (st) v[0] = st->name, v[1] = st->version, v[2] = st->hash, v[3] = st->signer;
    for (int k = 0; k < 4; k++) {
        if (w->n || k) putc1(w, ',');
        csv_cell(w, v[k], strlen(v[k]));
    }
}

static void put_csv(yb_writer *w, const yb_settlement *s)
{
    char d[64];
    if (w->header_due) put_csv_header(w);
    for (int i = 0; i < w->n; i++) {
        if (i) putc1(w, ',');
        int64_t v = s->values ? s->values[i] : 0;
        switch (w->kind[i]) {
        case YB_T_TEXT: {
            const char *p;
            uint32_t n;
            text_of(s, v, &p, &n);
            csv_cell(w, p, n);
            break;
        }
        case YB_T_ENUM: {
            const char *m = enum_member(w, i, v);
            if (m) csv_cell(w, m, strlen(m));
            else put(w, d, yb_decimal_i64(d, v));
            break;
        }
        case YB_T_STATUS: puts0(w, s->held ? "held" : "settled"); break;
        case YB_T_REASONS:
        case YB_T_ALERTS: {
            /* build the joined cell in the block's tail, then quote it if needed */
            size_t need = 0;
            int cnt = w->kind[i] == YB_T_REASONS ? s->nreasons : s->nalerts;
            for (int k = 0; k < cnt; k++) {
                if (w->kind[i] == YB_T_REASONS) need += (s->reasons[k] ? strlen(s->reasons[k]) : 0) + 1;
                else need += (s->alerts[k].rule ? s->alerts[k].rule_len : 0) + 7;
            }
            if (need + 1 > w->tmpcap) {
                char *t = realloc(w->tmp, need + 1);
                if (!t) {
                    fail(w, ENOMEM);
                    return;
                }
                w->tmp = t;
                w->tmpcap = need + 1;
            }
            char *tmp = w->tmp;
            size_t o = 0;
            for (int k = 0; k < cnt; k++) {
                if (k) tmp[o++] = ';';
                if (w->kind[i] == YB_T_REASONS) {
                    const char *p = s->reasons[k] ? s->reasons[k] : "";
                    size_t n = strlen(p);
                    memcpy(tmp + o, p, n);
                    o += n;
                } else {
                    const yb_alert *a = &s->alerts[k];
                    if (a->rule) memcpy(tmp + o, a->rule, a->rule_len), o += a->rule_len;
                    const char *sev = a->severity ? ":block" : ":warn";
                    memcpy(tmp + o, sev, strlen(sev));
                    o += strlen(sev);
                }
            }
            csv_cell(w, tmp, o);
            break;
        }
        default: {
            long n = scalar(w, i, v, d);
            if (n >= 0) put(w, d, (size_t)n);
            break;
        }
        }
    }
    if (w->stamp_cols) put_csv_stamp(w, s->stamp);
    putc1(w, '\n');
}

/* ------------------------------------------------------------------------ */
/* The writer                                                                */

static yb_writer *writer_open(FILE *f, yb_format fmt, const yb_out_field *fields, int nfields,
                              const yb_enum_desc *enums);

yb_writer *yb_writer_open(FILE *f, yb_format fmt, const yb_out_field *fields, int nfields,
                          const yb_enum_desc *enums)
{
    return f ? writer_open(f, fmt, fields, nfields, enums) : NULL;
}

yb_writer *yb_writer_open_mem(yb_format fmt, const yb_out_field *fields, int nfields, const yb_enum_desc *enums)
{
    return writer_open(NULL, fmt, fields, nfields, enums);
}

const char *yb_writer_held(const yb_writer *w, size_t *n)
{
    *n = w->len;
    return w->buf;
}

void yb_writer_clear(yb_writer *w) { w->len = 0; }

static yb_writer *writer_open(FILE *f, yb_format fmt, const yb_out_field *fields, int nfields,
                              const yb_enum_desc *enums)
{
    if (nfields < 0 || (nfields > 0 && !fields) || (fmt != YB_FMT_JSONL && fmt != YB_FMT_CSV)) return NULL;
    yb_writer *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    w->f = f;
    w->fmt = fmt;
    w->n = nfields;
    w->enums = enums;
    size_t n1 = (size_t)nfields + 1;
    w->kind = calloc(n1, sizeof *w->kind);
    w->op = calloc(n1, sizeof *w->op);
    w->zeros = calloc(n1, sizeof *w->zeros);
    w->enum_id = calloc(n1, sizeof *w->enum_id);
    w->key = calloc(n1, sizeof *w->key);
    w->keylen = calloc(n1, sizeof *w->keylen);
    w->cap = OUT_BLOCK;
    w->buf = malloc(w->cap + OUT_SLACK);
    if (!w->kind || !w->op || !w->zeros || !w->enum_id || !w->key || !w->keylen || !w->buf) goto fail;
    w->line_room = 64;
    for (int i = 0; i < nfields; i++) {
        const char *name = fields[i].name ? fields[i].name : "";
        w->kind[i] = fields[i].kind;
        w->op[i] = op_of(fields[i].kind);
        w->enum_id[i] = fields[i].enum_id;
        if (fields[i].kind == YB_T_ENUM && !enums) goto fail;
        /* the JSON key, escaped once, after the '{' or ',' before it: {"name": or ,"name":
           and the opening quote of a quoted value (padded for put_key: 16 bytes at least,
           and 8 past the end) */
        size_t nl = strlen(name);
        if (nl > (SIZE_MAX / 2 - 5 - 16 - 64) / 6) goto fail;
        char *k = w->key[i] = calloc(6 * nl + 5 + 16, 1);
        if (!k) goto fail;
        k[0] = i ? ',' : '{';
        k[1] = '"';
        char *e = yb_json_text_at(k + 2, name, nl);
        *e++ = '"';
        *e++ = ':';
        if (w->op[i] & (W_MONEY | W_QUOTED)) *e++ = '"';
        w->keylen[i] = (size_t)(e - k);
        if (w->line_room > SIZE_MAX / 2 - w->keylen[i] - 64) goto fail;
        w->line_room += w->keylen[i] + 64; /* a value of fixed width: 64 bytes at most */
    }
    w->fields = fields;
    w->header_due = fmt == YB_FMT_CSV;
    return w;
fail:
    if (w->key)
        for (int i = 0; i < nfields; i++) free(w->key[i]);
    free(w->key);
    free(w->keylen);
    free(w->kind);
    free(w->op);
    free(w->zeros);
    free(w->enum_id);
    free(w->buf);
    free(w);
    return NULL;
}

void yb_writer_stamp_columns(yb_writer *w) { w->stamp_cols = true; }

bool yb_writer_put(yb_writer *w, const yb_settlement *s)
{
    if (w->failed) return false;
    if (w->fmt == YB_FMT_CSV) put_csv(w, s);
    else put_json(w, s);
    return !w->failed;
}

bool yb_writer_flush(yb_writer *w)
{
    if (w->header_due) put_csv_header(w);
    flush(w);
    errno = 0;
    if (!w->failed && w->f && fflush(w->f) != 0) fail(w, errno ? errno : EIO);
    if (w->failed) errno = w->err;
    return !w->failed;
}

bool yb_writer_close(yb_writer *w)
{
    if (!w) return false;
    if (w->header_due) put_csv_header(w);
    flush(w);
    errno = 0;
    if (!w->failed && w->f && fflush(w->f) != 0) fail(w, errno ? errno : EIO);
    bool ok = !w->failed;
    int err = w->err;
    for (int i = 0; i < w->n; i++) free(w->key[i]);
    free(w->key);
    free(w->keylen);
    free(w->kind);
    free(w->op);
    free(w->zeros);
    free(w->enum_id);
    free(w->buf);
    free(w->tmp);
    free(w);
    if (!ok) errno = err;
    return ok;
}
