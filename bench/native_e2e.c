/* native_e2e: the example policy in plain C, end to end: JSON Lines in,
 * settlements (JSON Lines) out, the way a careful C programmer would write it
 * without a JSON library: the whole input read in 1 MiB blocks, each line
 * scanned once by a small hand-written JSON reader that keeps only the fields
 * the policy needs (unknown fields skipped, strings kept as spans of the
 * buffer), np_settle from native_policy.c, and a hand-written formatter into
 * a 1 MiB output buffer.
 *
 *   native_e2e CLAIMS.jsonl [OUT]     (OUT default: stdout)
 *
 * Prints "native e2e: N claims in X s = Y claims/s" to stderr.  The timing
 * covers everything from open to the last write.  This is the end-to-end
 * baseline `yibao run` is compared with in bench/run.sh.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "native_policy.h"

enum { MAX_ITEMS = 1000, BLOCK = 1 << 20 };

static void die_line(long line, const char *what)
{
    fprintf(stderr, "native_e2e: line %ld: %s\n", line, what);
    exit(1);
}

/* ------------------------------------------------------------ the scanner */
typedef struct {
    const char *p, *end;
    long line;
} scan;

typedef struct { const char *s; size_t n; } span;

static void ws(scan *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r')) c->p++;
}

static void expect(scan *c, char ch)
{
    ws(c);
    if (c->p >= c->end || *c->p != ch) die_line(c->line, "malformed JSON");
    c->p++;
}

static int peek_is(scan *c, char ch)
{
    ws(c);
    return c->p < c->end && *c->p == ch;
}

/* a string's raw text between the quotes (escapes left as they are: no field
 * the policy reads contains one, and an escaped quote is still skipped) */
static span str(scan *c)
{
    expect(c, '"');
    span s = {c->p, 0};
    for (;;) { /* memchr to the next quote; an odd run of backslashes before it escapes it */
        const char *q = c->p < c->end ? memchr(c->p, '"', (size_t)(c->end - c->p)) : NULL;
        if (!q) die_line(c->line, "unterminated string");
        const char *b = q;
        while (b > s.s && b[-1] == '\\') b--;
        c->p = q;
        if ((q - b) % 2 == 0) break;
        c->p++;
    }
    s.n = (size_t)(c->p - s.s);
    c->p++;
    return s;
}

static int64_t integer(scan *c)
{
    ws(c);
    int neg = c->p < c->end && *c->p == '-';
    c->p += neg;
    if (c->p >= c->end || *c->p < '0' || *c->p > '9') die_line(c->line, "expected an integer");
    int64_t v = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        if (v > (INT64_MAX - 9) / 10) die_line(c->line, "integer too large");
        v = v * 10 + (*c->p++ - '0');
    }
    return neg ? -v : v;
}

static int boolean(scan *c)
{
    ws(c);
    if ((size_t)(c->end - c->p) >= 4 && !memcmp(c->p, "true", 4)) { c->p += 4; return 1; }
    if ((size_t)(c->end - c->p) >= 5 && !memcmp(c->p, "false", 5)) { c->p += 5; return 0; }
    die_line(c->line, "expected true or false");
    return 0;
}

/* "123.45" -> 12345 fen (at most two decimals) */
static int64_t money(scan *c)
{
    span s = str(c);
    int64_t v = 0, frac = 0;
    size_t i = 0;
    int digits = 0;
    if (s.n == 0) die_line(c->line, "empty money");
    for (; i < s.n && s.s[i] != '.'; i++) {
        if (s.s[i] < '0' || s.s[i] > '9' || v > INT64_MAX / 1000) die_line(c->line, "bad money");
        v = v * 10 + (s.s[i] - '0');
    }
    if (i < s.n) {
        for (i++; i < s.n; i++, digits++) {
            if (s.s[i] < '0' || s.s[i] > '9' || digits == 2) die_line(c->line, "bad money");
            frac = frac * 10 + (s.s[i] - '0');
        }
    }
    if (digits == 1) frac *= 10;
    return v * 100 + frac;
}

/* "YYYY-MM-DD" -> YYYYMMDD */
static int32_t date(scan *c)
{
    span s = str(c);
    const char *d = s.s;
    if (s.n != 10 || d[4] != '-' || d[7] != '-') die_line(c->line, "bad date");
    int32_t v = 0;
    for (int i = 0; i < 10; i++) {
        if (i == 4 || i == 7) continue;
        if (d[i] < '0' || d[i] > '9') die_line(c->line, "bad date");
        v = v * 10 + (d[i] - '0');
    }
    return v;
}

static void skip(scan *c);

static void skip_container(scan *c, char open, char close)
{
    expect(c, open);
    if (peek_is(c, close)) { c->p++; return; }
    for (;;) {
        if (open == '{') { str(c); expect(c, ':'); }
        skip(c);
        ws(c);
        if (c->p < c->end && *c->p == ',') { c->p++; continue; }
        expect(c, close);
        return;
    }
}

static void skip(scan *c)
{
    ws(c);
    if (c->p >= c->end) die_line(c->line, "truncated JSON");
    switch (*c->p) {
    case '"': str(c); return;
    case '{': skip_container(c, '{', '}'); return;
    case '[': skip_container(c, '[', ']'); return;
    default:
        while (c->p < c->end && *c->p != ',' && *c->p != '}' && *c->p != ']') c->p++;
        return;
    }
}

static int is(span k, const char *lit) { return k.n == strlen(lit) && !memcmp(k.s, lit, k.n); }

static int lookup(span s, const char *const *names, int n, long line)
{
    for (int i = 0; i < n; i++) if (is(s, names[i])) return i;
    die_line(line, "unknown enum value");
    return 0;
}

static const char *const SCHEMES[] = {"employee", "resident"};
static const char *const STATUSES[] = {"in_service", "retired", "flexible", "pool_only",
                                       "resident", "student", "newborn"};
static const char *const KINDS[] = {"inpatient", "outpatient", "pharmacy",
                                    "chronic", "maternity", "prenatal"};
static const char *const CLASSES[] = {"A", "B", "C"};

/* the next "key": of an object (the opening brace on the first call); 0 at its end */
static int next_key(scan *c, int *first, span *k)
{
    if (*first) {
        *first = 0;
        expect(c, '{');
        if (peek_is(c, '}')) { c->p++; return 0; }
    } else {
        if (peek_is(c, '}')) { c->p++; return 0; }
        expect(c, ',');
    }
    *k = str(c);
    expect(c, ':');
    return 1;
}
#define EACH_KEY(c, k) span k; for (int first_ = 1; next_key(c, &first_, &k);)

static void member_obj(scan *c, np_claim *m)
{
    EACH_KEY(c, k) {
        if (is(k, "status")) m->status = (uint8_t)lookup(str(c), STATUSES, 7, c->line);
        else if (is(k, "birth_date")) m->birth_date = date(c);
        else if (is(k, "enrolled_on")) m->enrolled_on = date(c);
        else if (is(k, "in_window")) m->in_window = (uint8_t)boolean(c);
        else if (is(k, "gap_years")) m->gap_years = (int16_t)integer(c);
        else if (is(k, "backpaid_years")) m->backpaid_years = (int16_t)integer(c);
        else if (is(k, "parent_insured")) m->parent_insured = (uint8_t)boolean(c);
        else skip(c);
    }
}

static void visit_obj(scan *c, np_claim *m)
{
    EACH_KEY(c, k) {
        if (is(k, "kind")) m->kind = (uint8_t)lookup(str(c), KINDS, 6, c->line);
        else if (is(k, "date")) m->date = date(c);
        else if (is(k, "level")) m->level = (uint8_t)integer(c);
        else if (is(k, "designated")) m->designated = (uint8_t)boolean(c);
        else if (is(k, "prescription")) m->prescription = (uint8_t)boolean(c);
        else if (is(k, "gestation_weeks")) m->gestation_weeks = (int16_t)integer(c);
        else skip(c);
    }
}

static void ytd_obj(scan *c, np_claim *m)
{
    EACH_KEY(c, k) {
        if (is(k, "admissions")) m->ytd_admissions = integer(c);
        else if (is(k, "basic_paid")) m->ytd_basic_paid = money(c);
        else if (is(k, "large_paid")) m->ytd_large_paid = money(c);
        else skip(c);
    }
}

static void items_arr(scan *c, np_claim *m, np_item *items)
{
    expect(c, '[');
    m->nitems = 0;
    if (peek_is(c, ']')) { c->p++; return; }
    for (;;) {
        if (m->nitems == MAX_ITEMS) die_line(c->line, "too many items");
        np_item *it = &items[m->nitems++];
        it->limit = -1;
        it->amount = 0;
        it->cls = NP_CLASS_A;
        EACH_KEY(c, k) {
            if (is(k, "class")) it->cls = (uint8_t)lookup(str(c), CLASSES, 3, c->line);
            else if (is(k, "amount")) it->amount = money(c);
            else if (is(k, "limit")) it->limit = money(c);
            else skip(c);
        }
        ws(c);
        if (c->p < c->end && *c->p == ',') { c->p++; continue; }
        expect(c, ']');
        return;
    }
}

/* one claim line -> m (member id and claim id as spans of the line) */
static void claim_line(scan *c, np_claim *m, np_item *items, span *claim_id)
{
    memset(m, 0, sizeof *m);
    m->in_window = m->designated = m->prescription = 1; /* the schema's defaults */
    m->gestation_weeks = -1;
    m->items = items;
    claim_id->s = NULL;
    EACH_KEY(c, k) {
        if (is(k, "claim_id")) *claim_id = str(c);
        else if (is(k, "member_id")) {
            span s = str(c);
            m->member_id = s.s;
            m->member_len = (uint32_t)s.n;
        } else if (is(k, "scheme")) m->scheme = (uint8_t)lookup(str(c), SCHEMES, 2, c->line);
        else if (is(k, "member")) member_obj(c, m);
        else if (is(k, "visit")) visit_obj(c, m);
        else if (is(k, "items")) items_arr(c, m, items);
        else if (is(k, "ytd")) ytd_obj(c, m);
        else skip(c);
    }
    if (!claim_id->s || !m->member_id || m->nitems == 0) die_line(c->line, "missing field");
    /* the ledger keeps ids over 24 bytes by pointer; this reader reuses its buffer */
    if (m->member_len > NP_KEY_INLINE) die_line(c->line, "member_id over 24 bytes");
}

/* ------------------------------------------------------------ output */
typedef struct {
    FILE *f;
    char *buf, *p, *end;
} out;

static void out_flush(out *o)
{
    size_t n = (size_t)(o->p - o->buf);
    if (n && fwrite(o->buf, 1, n, o->f) != n) { perror("native_e2e: write"); exit(1); }
    o->p = o->buf;
}
static void put(out *o, const char *s, size_t n) { memcpy(o->p, s, n); o->p += n; }
#define PUTL(o, lit) put(o, lit, sizeof(lit) - 1)

static void put_money(out *o, const char *key, size_t klen, int64_t v)
{
    char t[32];
    int n = 0;
    uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    t[n++] = (char)('0' + a % 10);
    t[n++] = (char)('0' + a / 10 % 10);
    t[n++] = '.';
    a /= 100;
    do { t[n++] = (char)('0' + a % 10); a /= 10; } while (a);
    if (v < 0) t[n++] = '-';
    PUTL(o, ",\"");
    put(o, key, klen);
    PUTL(o, "\":\"");
    while (n) *o->p++ = t[--n];
    *o->p++ = '"';
}
#define MONEY(o, k, v) put_money(o, k, sizeof(k) - 1, v)

static void settlement(out *o, span id, const np_claim *m, const np_settlement *s)
{
    PUTL(o, "{\"claim_id\":\"");
    put(o, id.s, id.n);
    PUTL(o, "\",\"member_id\":\"");
    put(o, m->member_id, m->member_len);
    PUTL(o, "\",\"status\":\"settled\"");
    MONEY(o, "total", s->total);
    MONEY(o, "fund", s->fund);
    MONEY(o, "copay", s->copay);
    MONEY(o, "selfpay", s->selfpay);
    MONEY(o, "basic", s->basic);
    MONEY(o, "large", s->large);
    MONEY(o, "critical", 0);
    MONEY(o, "assistance", 0);
    MONEY(o, "account", 0);
    MONEY(o, "cash", s->cash);
    PUTL(o, ",\"reasons\":[");
    int k = 0;
    for (int b = 0; b < NP_NREASONS; b++)
        if (s->reasons & (1u << b)) {
            if (k++) *o->p++ = ',';
            *o->p++ = '"';
            put(o, np_reason_names[b], strlen(np_reason_names[b]));
            *o->p++ = '"';
        }
    PUTL(o, "],\"alerts\":[]}\n");
    if (o->p > o->end) out_flush(o);
}

/* ------------------------------------------------------------ main */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: native_e2e CLAIMS.jsonl [OUT]\n");
        return 2;
    }
    double t0 = now();
    FILE *in = fopen(argv[1], "rb");
    if (!in) { perror(argv[1]); return 1; }
    out o = {argc == 3 ? fopen(argv[2], "wb") : stdout, NULL, NULL, NULL};
    if (!o.f) { perror(argv[2]); return 1; }
    size_t cap = 2 * BLOCK;
    char *buf = malloc(cap);
    o.buf = o.p = malloc(BLOCK + 4096);
    np_item *items = malloc(MAX_ITEMS * sizeof *items);
    if (!buf || !o.buf || !items) { fprintf(stderr, "native_e2e: out of memory\n"); return 1; }
    o.end = o.buf + BLOCK;
    np_ledger l;
    if (np_ledger_init(&l, 1024) != 0) { fprintf(stderr, "native_e2e: out of memory\n"); return 1; }

    size_t have = 0, claims = 0, errors = 0;
    long line = 0;
    for (int eof = 0; !eof;) {
        if (cap - have < BLOCK) {
            cap *= 2;
            buf = realloc(buf, cap);
            if (!buf) { fprintf(stderr, "native_e2e: out of memory\n"); return 1; }
        }
        size_t got = fread(buf + have, 1, BLOCK, in);
        if (got < BLOCK) {
            if (ferror(in)) { perror(argv[1]); return 1; }
            eof = 1;
        }
        have += got;
        char *p = buf, *end = buf + have;
        for (;;) {
            char *nl = memchr(p, '\n', (size_t)(end - p));
            if (!nl) {
                if (!eof || p == end) break;
                nl = end; /* last line without a newline */
            }
            line++;
            if (nl > p) {
                scan c = {p, nl, line};
                np_claim m;
                np_settlement s;
                span id;
                claim_line(&c, &m, items, &id);
                int rc = np_settle(&l, &m, &s);
                if (rc < 0) { fprintf(stderr, "native_e2e: out of memory\n"); return 1; }
                if (rc) errors++;
                else settlement(&o, id, &m, &s);
                claims++;
            }
            p = nl + (nl < end);
            if (p >= end) break;
        }
        have = (size_t)(end - p);
        memmove(buf, p, have);
    }
    out_flush(&o);
    if (fflush(o.f) != 0 || (o.f != stdout && fclose(o.f) != 0)) { perror("native_e2e: write"); return 1; }
    fclose(in);
    double dt = now() - t0;
    fprintf(stderr, "native e2e: %zu claims in %.3f s = %.0f claims/s (%zu record errors)\n", claims,
            dt, dt > 0 ? (double)claims / dt : 0.0, errors);
    np_ledger_free(&l);
    free(items);
    free(buf);
    free(o.buf);
    return 0;
}
