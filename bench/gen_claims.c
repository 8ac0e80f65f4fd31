/* gen_claims: a deterministic corpus of valid claims for the benchmark.
 *
 *   gen_claims N [--seed S] [--members M] [--format jsonl|tsv] [--realistic]
 *
 * --realistic: claims of real size (1-60 items, ~15 on average, ~1.4 KB a line,
 * long catalogue codes, Chinese item names; see real_counts and real_code).
 * Without it the corpus is exactly the historical one (3.6 items, ~670 bytes).
 *
 * Writes N claims to stdout, either as JSON Lines in the shape of
 * docs/claim-schema.md, or as the flat TSV the native C and Lua baselines load
 * (layout below).  Both formats are printed from the same generated claim, so
 * for the same N, seed and members they hold identical claims.
 *
 * Everything is drawn from splitmix64 with integer arithmetic only (no libm),
 * so the corpus is byte-identical on every platform.  A member's fixed
 * attributes are a pure function of (seed, member index); a claim's draws
 * come from one stream in claim order.  Memory use does not depend on N.
 *
 * The mix (see gen_member / gen_claim): about 70 % resident-scheme members;
 * kinds mostly outpatient / pharmacy / inpatient with some chronic,
 * prenatal and maternity; levels 0-4; 1-8 items of classes A/B/C, some with a
 * price limit; a few percent late enrolment, gap years, non-designated
 * institutions, missing prescriptions, early prenatal checks; about 6 % of
 * claims carry a `ytd` block (some near the basic and large-amount caps);
 * about 3 % of inpatient claims are large (50,000-400,000 yuan).
 * Claims run through 2025 in date order (2025-01-01 .. 2025-12-31), each
 * drawing its member at random, so members are interleaved.
 *
 * TSV layout: one line per claim, fields separated by one TAB, no header,
 * no empty fields.  "-" means absent.  Dates are YYYYMMDD integers, money is
 * integer fen, booleans are 1/0 with the schema defaults already applied.
 *
 *   1 claim_id        2 member_id      3 scheme           4 status
 *   5 sex             6 birth_date     7 enrolled_on      8 in_window
 *   9 continuous_years                10 gap_years       11 backpaid_years
 *  12 zero_reimbursement_years        13 parent_insured (1/0, 0 when absent)
 *  14 assistance     15 account_balance (fen or -)
 *  16 kind           17 date          18 discharged_on (or -)
 *  19 institution_id 20 community_id  21 level           22 designated
 *  23 prescription   24 disease (or -)                   25 gestation_weeks (or -)
 *  26 ytd_admissions 27 ytd_basic_paid 28 ytd_large_paid  (0 when no ytd block)
 *  29 n_items, then per item 5 fields:
 *     code, class (A/B/C), amount (fen), limit (fen or -), qty (or -)
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- PRNG */
typedef struct { uint64_t s; } rng;

static uint64_t next64(rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}
/* uniform in [0, n) (n > 0); the bias of 64-bit modulo is irrelevant here */
static int64_t below(rng *r, int64_t n) { return (int64_t)(next64(r) % (uint64_t)n); }
static int64_t between(rng *r, int64_t lo, int64_t hi) { return lo + below(r, hi - lo + 1); }
/* true with probability per_mille / 1000 */
static int chance(rng *r, int per_mille) { return below(r, 1000) < per_mille; }
/* skewed toward lo: lo + (hi - lo) * u^3, u uniform in [0,1) */
static int64_t skewed(rng *r, int64_t lo, int64_t hi)
{
    int64_t u = below(r, 1000000);
    __int128 f = (__int128)u * u * u; /* < 1e18 */
    return lo + (int64_t)((__int128)(hi - lo) * f / ((__int128)1000000 * 1000000 * 1000000));
}

/* ---------------------------------------------------------------- dates */
static int64_t days_from_civil(int y, int m, int d)
{
    int64_t yy = y - (m <= 2);
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}
/* days since 1970-01-01 -> YYYYMMDD */
static int32_t ymd_of(int64_t z)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    y += (m <= 2);
    return (int32_t)(y * 10000 + m * 100 + d);
}
static int64_t D(int y, int m, int d) { return days_from_civil(y, m, d); }

/* ---------------------------------------------------------------- model */
enum { MAX_ITEMS = 60 };
enum { EMPLOYEE, RESIDENT };
static const char *const SCHEME[] = {"employee", "resident"};
enum { IN_SERVICE, RETIRED, FLEXIBLE, POOL_ONLY, ST_RESIDENT, STUDENT, NEWBORN };
static const char *const STATUS[] = {"in_service", "retired", "flexible", "pool_only",
                                     "resident", "student", "newborn"};
enum { INPATIENT, OUTPATIENT, PHARMACY, CHRONIC, MATERNITY, PRENATAL };
static const char *const KIND[] = {"inpatient", "outpatient", "pharmacy",
                                   "chronic", "maternity", "prenatal"};
static const char *const ASSIST[] = {"none", "extreme_poverty", "low_income", "at_risk"};
static const char *const DISEASE[] = {"I10", "E11", "N18.5", "J44", "C34", "I63", "F20", "M05"};

typedef struct {
    char id[24];
    int scheme, status, sex; /* sex: 'F' / 'M' */
    int32_t birth, enrolled; /* YYYYMMDD */
    int in_window, continuous, gap, backpaid, zero_years;
    int parent_insured;      /* -1: absent */
    int assistance;
    int64_t account;         /* fen; -1: absent */
    int community;
    int fertile;             /* may have prenatal / maternity visits */
} member;

typedef struct {
    char code[32];
    const char *name;      /* NULL: absent (realistic corpus only) */
    char cls;
    int64_t amount, limit; /* fen; limit -1: absent */
    int qty;               /* -1: absent */
} item;

typedef struct {
    uint64_t n;
    const member *m;
    int kind, level, designated, prescription; /* prescription -1: absent (true) */
    int32_t date, discharged;                   /* discharged 0: absent */
    int gestation;                              /* -1: absent */
    const char *disease;                        /* NULL: absent */
    char institution[16];
    int has_ytd;
    int64_t ytd_adm, ytd_basic, ytd_large;
    int nitems;
    item items[MAX_ITEMS];
} claim;

static uint64_t g_seed;
/* --realistic: claims of the size bureaus really see (see gen_items_real) */
static int g_real;
/* --distinct: claim i belongs to member i (every member distinct) */
static int g_distinct;
/* --cycle: claim i belongs to member i mod M (every member met once in the
   first M claims: 1 M and 10 M claims of 1 M members hold the same members) */
static int g_cycle;

static void gen_member(uint64_t idx, member *m)
{
    rng r = {g_seed * 0xD1B54A32D192ED03ULL ^ (idx + 1) * 0x8CB92BA72F3D8DD7ULL};
    next64(&r);
    m->scheme = chance(&r, 700) ? RESIDENT : EMPLOYEE;
    int64_t b;
    if (m->scheme == RESIDENT) {
        int64_t p = below(&r, 1000);
        m->status = p < 720 ? ST_RESIDENT : p < 940 ? STUDENT : NEWBORN;
    } else {
        int64_t p = below(&r, 1000);
        m->status = p < 640 ? IN_SERVICE : p < 900 ? RETIRED : p < 970 ? FLEXIBLE : POOL_ONLY;
    }
    m->sex = chance(&r, 500) ? 'F' : 'M';
    switch (m->status) {
    case NEWBORN: b = between(&r, D(2024, 1, 1), D(2024, 12, 31)); break;
    case STUDENT: b = between(&r, D(2002, 1, 1), D(2019, 12, 31)); break;
    case ST_RESIDENT: b = between(&r, D(1940, 1, 1), D(2010, 12, 31)); break;
    case RETIRED: b = between(&r, D(1940, 1, 1), D(1965, 12, 31)); break;
    case IN_SERVICE: b = between(&r, D(1965, 1, 1), D(2003, 12, 31)); break;
    default: b = between(&r, D(1965, 1, 1), D(2000, 12, 31)); break;
    }
    m->birth = ymd_of(b);
    int by = m->birth / 10000;
    m->fertile = m->sex == 'F' && by >= 1980 && by <= 2005 && m->status != STUDENT;

    /* enrolment: mostly long before 2025; a few percent late (in 2025) */
    int64_t e;
    int late = chance(&r, 30);
    m->in_window = 1;
    m->gap = 0;
    m->backpaid = 0;
    if (m->status == NEWBORN) {
        e = b + below(&r, 91);
    } else if (late) {
        e = between(&r, D(2025, 1, 1), D(2025, 10, 31));
        if (m->scheme == RESIDENT) m->in_window = !chance(&r, 900);
    } else {
        int64_t lo = b + 18 * 365;
        if (m->status == STUDENT) lo = b + 365;
        if (lo < D(1998, 1, 1)) lo = D(1998, 1, 1);
        if (lo > D(2024, 12, 31)) lo = D(2024, 1, 1);
        e = between(&r, lo, D(2024, 12, 31));
        if (m->scheme == RESIDENT && chance(&r, 40)) { /* re-enrolled recently, outside the window */
            e = between(&r, D(2024, 7, 1), D(2025, 6, 30));
            m->in_window = 0;
        }
    }
    if (m->scheme == RESIDENT && m->status != NEWBORN && chance(&r, 40)) { /* a break in enrolment */
        m->gap = (int)between(&r, 1, 5);
        m->backpaid = (int)below(&r, m->gap + 1);
        if (e < D(2024, 6, 1)) e = between(&r, D(2024, 6, 1), D(2025, 8, 31));
    }
    m->enrolled = ymd_of(e);
    int ey = m->enrolled / 10000;
    m->continuous = m->gap > 0 ? 1 : (2025 - ey + 1 > 1 ? 2025 - ey + 1 : 1);
    m->zero_years = chance(&r, 100) ? (int)between(&r, 1, 3) : 0;
    m->parent_insured = m->status == NEWBORN ? !chance(&r, 100) : -1;
    {
        int64_t p = below(&r, 1000);
        m->assistance = p < 920 ? 0 : p < 940 ? 1 : p < 980 ? 2 : 3;
    }
    m->account = (m->status == IN_SERVICE || m->status == RETIRED) ? between(&r, 0, 2000000) : -1;
    m->community = (int)below(&r, 40) + 1;

    /* member id: an 18-character resident-ID-like string, unique per index
     * (area 43xxxx from the index, birth date, sequence, ISO 7064 check) */
    char *s = m->id;
    unsigned area = (unsigned)(43 + idx / 10000000u) % 100u;
    snprintf(s, 18, "%02u%04u%08d%03u", area, (unsigned)((idx / 1000u) % 10000u), (int)m->birth,
             (unsigned)(idx % 1000u));
    static const int W[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    int sum = 0;
    for (int i = 0; i < 17; i++) sum += (s[i] - '0') * W[i];
    s[17] = "10X98765432"[sum % 11];
    s[18] = 0;
}

/* Realistic item codes: the national catalogue's 20-27 character codes
 * (drug codes like XA01BCF001A001010100001 on 40 %, service codes like
 * 001201000010000),
 * and a Chinese name on a fifth of the items (unknown fields, ignored
 * by the readers, but they are bytes a reader has to scan). */
static const char *const NAMES[] = {
    "阿莫西林胶囊", "注射用头孢曲松钠", "氯化钠注射液", "葡萄糖注射液", "血常规检查",
    "肝功能检测", "胸部CT平扫", "静脉输液", "一级护理", "床位费", "心电图检查",
    "阿托伐他汀钙片", "二甲双胍缓释片", "住院诊查费", "彩色多普勒超声检查",
};
static void real_code(rng *r, item *it)
{
    if (chance(r, 400))
        snprintf(it->code, sizeof it->code, "X%c%02dB%cF%03dA%03d%03d%03d%04d", it->cls,
                 (int)below(r, 100), 'A' + (int)below(r, 26), (int)below(r, 1000),
                 (int)below(r, 1000), (int)below(r, 1000), (int)below(r, 1000),
                 (int)below(r, 10000));
    else
        snprintf(it->code, sizeof it->code, "%03d%03d%03d%06d", (int)below(r, 1000),
                 (int)below(r, 1000), (int)below(r, 1000), (int)below(r, 1000000));
    it->name = chance(r, 200) ? NAMES[below(r, (int64_t)(sizeof NAMES / sizeof *NAMES))] : NULL;
}

static void gen_items(rng *r, claim *c, int64_t total)
{
    int n = c->nitems, w[MAX_ITEMS], wsum = 0;
    for (int i = 0; i < n; i++) { w[i] = 1 + (int)below(r, 100); wsum += w[i]; }
    int64_t left = total;
    for (int i = 0; i < n; i++) {
        item *it = &c->items[i];
        int64_t a = i == n - 1 ? left : total * w[i] / wsum;
        if (a < 100) a = 100 + below(r, 900); /* every line at least 1 yuan */
        left -= a;
        if (left < 0) left = 0;
        it->amount = a;
        int64_t p = below(r, 1000);
        if (c->kind == PHARMACY) it->cls = p < 450 ? 'A' : p < 880 ? 'B' : 'C';
        else it->cls = p < 550 ? 'A' : p < 880 ? 'B' : 'C';
        it->name = NULL;
        if (g_real) real_code(r, it);
        else snprintf(it->code, sizeof it->code, "X%c%04d", it->cls, (int)below(r, 10000));
        it->limit = chance(r, 150) ? a * between(r, 60, 140) / 100 : -1;
        it->qty = (c->kind == PHARMACY || chance(r, 200)) ? (int)between(r, 1, 10) : -1;
    }
}

/* Realistic item counts (1 to 60, about 15 a claim on average): an inpatient
 * stay lists every day's drugs, tests and nursing (20-60 lines) and carries
 * most of the money; outpatient and pharmacy visits list a handful. */
static void real_counts(rng *r, claim *c, int64_t *total)
{
    switch (c->kind) {
    case OUTPATIENT: c->nitems = (int)between(r, 1, 16); break;
    case PHARMACY: c->nitems = (int)between(r, 1, 12); break;
    case CHRONIC: c->nitems = (int)between(r, 1, 9); break;
    case PRENATAL: c->nitems = (int)between(r, 1, 7); break;
    case MATERNITY: c->nitems = (int)between(r, 12, 40); break;
    default:
        c->nitems = (int)between(r, 20, 60);
        if (*total < 20000 * 100) *total = *total * 2 + 500000; /* a stay costs thousands */
        break;
    }
}

static void gen_claim(rng *r, uint64_t i, uint64_t N, uint64_t members, claim *c, member *m)
{
    c->n = i;
    gen_member(g_distinct ? i : g_cycle ? i % members : (uint64_t)below(r, (int64_t)members), m);
    c->m = m;
    /* dates: 2025-01-01 .. 2025-12-31 in claim order */
    int64_t day = D(2025, 1, 1) + (int64_t)((__int128)i * 365 / N);
    c->date = ymd_of(day);

    int64_t p = below(r, 1000);
    c->kind = p < 360 ? OUTPATIENT : p < 600 ? PHARMACY : p < 820 ? INPATIENT
            : p < 900 ? CHRONIC : p < 950 ? PRENATAL : MATERNITY;
    if ((c->kind == PRENATAL || c->kind == MATERNITY) && !m->fertile) c->kind = OUTPATIENT;

    p = below(r, 1000);
    if (c->kind == INPATIENT || c->kind == MATERNITY)
        c->level = p < 80 ? 0 : p < 250 ? 1 : p < 600 ? 2 : p < 850 ? 3 : 4;
    else
        c->level = p < 400 ? 0 : p < 650 ? 1 : p < 850 ? 2 : p < 950 ? 3 : 4;
    c->designated = !chance(r, 20);
    c->prescription = (c->kind == OUTPATIENT || c->kind == PHARMACY) ? !chance(r, 30) : -1;
    c->disease = c->kind == CHRONIC ? DISEASE[below(r, 8)] : NULL;
    c->gestation = c->kind == PRENATAL ? (int)(chance(r, 100) ? between(r, 6, 11) : between(r, 12, 40)) : -1;
    c->discharged = 0;
    if (c->kind == INPATIENT) c->discharged = ymd_of(day + between(r, 1, 20));
    if (c->kind == MATERNITY) c->discharged = ymd_of(day + between(r, 2, 6));
    snprintf(c->institution, sizeof c->institution, "H43%d%03d", c->level, (int)below(r, 400));

    int64_t total;
    switch (c->kind) {
    case OUTPATIENT: c->nitems = (int)between(r, 1, 5); total = skewed(r, 2000, 80000); break;
    case PHARMACY: c->nitems = (int)between(r, 1, 6); total = skewed(r, 2000, 60000); break;
    case CHRONIC: c->nitems = (int)between(r, 1, 4); total = skewed(r, 10000, 300000); break;
    case PRENATAL: c->nitems = (int)between(r, 1, 4); total = skewed(r, 10000, 150000); break;
    case MATERNITY: c->nitems = (int)between(r, 3, 7); total = between(r, 300000, 2000000); break;
    default:
        c->nitems = (int)between(r, 3, 8);
        total = chance(r, 30) ? between(r, 5000000, 40000000) : skewed(r, 200000, 5000000);
        break;
    }
    if (g_real) real_counts(r, c, &total);
    gen_items(r, c, total);

    c->has_ytd = chance(r, 60);
    c->ytd_adm = c->ytd_basic = c->ytd_large = 0;
    if (c->has_ytd) {
        c->ytd_adm = chance(r, 500) ? 0 : between(r, 1, 3);
        p = below(r, 1000);
        c->ytd_basic = p < 400 ? 0 : p < 700 ? between(r, 0, 10000000) : between(r, 14000000, 15000000);
        if (m->scheme == EMPLOYEE) {
            p = below(r, 1000);
            c->ytd_large = p < 800 ? 0 : p < 900 ? between(r, 0, 50000000) : between(r, 48000000, 50000000);
        }
    }
}

/* ---------------------------------------------------------------- output */
static char *ob, *op, *oend;
static void flush_out(void)
{
    if (op > ob && fwrite(ob, 1, (size_t)(op - ob), stdout) != (size_t)(op - ob)) {
        perror("gen_claims: write");
        exit(1);
    }
    op = ob;
}
static inline void put(const char *s, size_t n) { memcpy(op, s, n); op += n; }
static inline void puts0(const char *s) { put(s, strlen(s)); }
#define PUTL(lit) put(lit, sizeof(lit) - 1)
static inline void putc1(char ch) { *op++ = ch; }
static void putu(uint64_t v)
{
    char t[24];
    int n = 0;
    do { t[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (n) *op++ = t[--n];
}
static void puti(int64_t v)
{
    if (v < 0) { *op++ = '-'; putu((uint64_t)-v); } else putu((uint64_t)v);
}
static void put_money(int64_t f) /* "123.45" */
{
    putu((uint64_t)(f / 100));
    *op++ = '.';
    *op++ = (char)('0' + f % 100 / 10);
    *op++ = (char)('0' + f % 10);
}
static void put_date(int32_t ymd) /* "YYYY-MM-DD" */
{
    char t[10] = {(char)('0' + ymd / 10000000), (char)('0' + ymd / 1000000 % 10),
                  (char)('0' + ymd / 100000 % 10), (char)('0' + ymd / 10000 % 10), '-',
                  (char)('0' + ymd / 1000 % 10), (char)('0' + ymd / 100 % 10), '-',
                  (char)('0' + ymd / 10 % 10), (char)('0' + ymd % 10)};
    put(t, 10);
}
static void put_claim_id(uint64_t n)
{
    /* "C-2025-" and the 1-based claim number, at least 9 digits */
    char t[24];
    int k = 0;
    n += 1;
    do { t[k++] = (char)('0' + n % 10); n /= 10; } while (n || k < 9);
    PUTL("C-2025-");
    while (k) *op++ = t[--k];
}
static const char *B(int v) { return v ? "true" : "false"; }

static void write_jsonl(const claim *c)
{
    const member *m = c->m;
    PUTL("{\"claim_id\":\"");
    put_claim_id(c->n);
    PUTL("\",\"member_id\":\"");
    puts0(m->id);
    PUTL("\",\"scheme\":\"");
    puts0(SCHEME[m->scheme]);
    PUTL("\",\"member\":{\"status\":\"");
    puts0(STATUS[m->status]);
    PUTL("\",\"sex\":\"");
    putc1((char)m->sex);
    PUTL("\",\"birth_date\":\"");
    put_date(m->birth);
    PUTL("\",\"enrolled_on\":\"");
    put_date(m->enrolled);
    PUTL("\",\"in_window\":");
    puts0(B(m->in_window));
    PUTL(",\"continuous_years\":");
    puti(m->continuous);
    PUTL(",\"gap_years\":");
    puti(m->gap);
    PUTL(",\"backpaid_years\":");
    puti(m->backpaid);
    PUTL(",\"zero_reimbursement_years\":");
    puti(m->zero_years);
    if (m->parent_insured >= 0) {
        PUTL(",\"parent_insured\":");
        puts0(B(m->parent_insured));
    }
    PUTL(",\"assistance\":\"");
    puts0(ASSIST[m->assistance]);
    putc1('"');
    if (m->account >= 0) {
        PUTL(",\"account_balance\":\"");
        put_money(m->account);
        putc1('"');
    }
    PUTL("},\"visit\":{\"kind\":\"");
    puts0(KIND[c->kind]);
    PUTL("\",\"date\":\"");
    put_date(c->date);
    putc1('"');
    if (c->discharged) {
        PUTL(",\"discharged_on\":\"");
        put_date(c->discharged);
        putc1('"');
    }
    PUTL(",\"institution_id\":\"");
    puts0(c->institution);
    PUTL("\",\"community_id\":\"YGT-");
    putc1((char)('0' + m->community / 10));
    putc1((char)('0' + m->community % 10));
    PUTL("\",\"level\":");
    puti(c->level);
    PUTL(",\"designated\":");
    puts0(B(c->designated));
    if (c->prescription >= 0) {
        PUTL(",\"prescription\":");
        puts0(B(c->prescription));
    }
    if (c->disease) {
        PUTL(",\"disease\":\"");
        puts0(c->disease);
        putc1('"');
    }
    if (c->gestation >= 0) {
        PUTL(",\"gestation_weeks\":");
        puti(c->gestation);
    }
    PUTL("},\"items\":[");
    for (int i = 0; i < c->nitems; i++) {
        const item *it = &c->items[i];
        if (i) putc1(',');
        PUTL("{\"code\":\"");
        puts0(it->code);
        PUTL("\",\"class\":\"");
        putc1(it->cls);
        if (it->name) {
            PUTL("\",\"name\":\"");
            puts0(it->name);
        }
        PUTL("\",\"amount\":\"");
        put_money(it->amount);
        putc1('"');
        if (it->limit >= 0) {
            PUTL(",\"limit\":\"");
            put_money(it->limit);
            putc1('"');
        }
        if (it->qty >= 0) {
            PUTL(",\"qty\":");
            puti(it->qty);
        }
        putc1('}');
    }
    putc1(']');
    if (c->has_ytd) {
        PUTL(",\"ytd\":{\"admissions\":");
        puti(c->ytd_adm);
        PUTL(",\"basic_paid\":\"");
        put_money(c->ytd_basic);
        PUTL("\",\"large_paid\":\"");
        put_money(c->ytd_large);
        PUTL("\"}");
    }
    PUTL("}\n");
}

static void write_tsv(const claim *c)
{
    const member *m = c->m;
#define T putc1('\t')
    put_claim_id(c->n); T;
    puts0(m->id); T;
    puts0(SCHEME[m->scheme]); T;
    puts0(STATUS[m->status]); T;
    putc1((char)m->sex); T;
    puti(m->birth); T;
    puti(m->enrolled); T;
    puti(m->in_window); T;
    puti(m->continuous); T;
    puti(m->gap); T;
    puti(m->backpaid); T;
    puti(m->zero_years); T;
    puti(m->parent_insured > 0); T;
    puts0(ASSIST[m->assistance]); T;
    if (m->account >= 0) puti(m->account); else putc1('-');
    T;
    puts0(KIND[c->kind]); T;
    puti(c->date); T;
    if (c->discharged) puti(c->discharged); else putc1('-');
    T;
    puts0(c->institution); T;
    PUTL("YGT-");
    putc1((char)('0' + m->community / 10));
    putc1((char)('0' + m->community % 10));
    T;
    puti(c->level); T;
    puti(c->designated); T;
    puti(c->prescription != 0); T; /* absent -> true */
    if (c->disease) puts0(c->disease); else putc1('-');
    T;
    if (c->gestation >= 0) puti(c->gestation); else putc1('-');
    T;
    puti(c->ytd_adm); T;
    puti(c->ytd_basic); T;
    puti(c->ytd_large); T;
    puti(c->nitems);
    for (int i = 0; i < c->nitems; i++) {
        const item *it = &c->items[i];
        T; puts0(it->code);
        T; putc1(it->cls);
        T; puti(it->amount);
        T; if (it->limit >= 0) puti(it->limit); else putc1('-');
        T; if (it->qty >= 0) puti(it->qty); else putc1('-');
    }
    putc1('\n');
#undef T
}

static void usage(void)
{
    fprintf(stderr, "usage: gen_claims N [--seed S] [--members M] [--format jsonl|tsv] [--realistic] [--distinct] [--cycle]\n");
    exit(2);
}

static uint64_t parse_u64(const char *s)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || s[0] == '-') usage();
    return (uint64_t)v;
}

int main(int argc, char **argv)
{
    if (argc < 2) usage();
    uint64_t N = parse_u64(argv[1]), seed = 2025, members = 0;
    int tsv = 0;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--seed") && i + 1 < argc) seed = parse_u64(argv[++i]);
        else if (!strcmp(argv[i], "--members") && i + 1 < argc) members = parse_u64(argv[++i]);
        else if (!strcmp(argv[i], "--realistic")) g_real = 1;
        else if (!strcmp(argv[i], "--distinct")) g_distinct = 1;
        else if (!strcmp(argv[i], "--cycle")) g_cycle = 1;
        else if (!strcmp(argv[i], "--format") && i + 1 < argc) {
            const char *f = argv[++i];
            if (!strcmp(f, "tsv")) tsv = 1;
            else if (!strcmp(f, "jsonl")) tsv = 0;
            else usage();
        } else usage();
    }
    if (!members) members = N / 8 ? N / 8 : 1;
    if (members > 500000000u) {
        fprintf(stderr, "gen_claims: at most 500000000 members\n");
        return 2;
    }
    g_seed = seed;
    enum { OUTCAP = 1 << 20 };
    ob = op = malloc(OUTCAP + 8192);
    if (!ob) return 1;
    oend = ob + OUTCAP;
    rng r = {seed ^ 0x5DEECE66DULL};
    claim c;
    member m;
    for (uint64_t i = 0; i < N; i++) {
        gen_claim(&r, i, N, members, &c, &m);
        if (tsv) write_tsv(&c); else write_jsonl(&c);
        if (op >= oend) flush_out();
    }
    flush_out();
    if (fflush(stdout) != 0) { perror("gen_claims: write"); return 1; }
    free(ob);
    return 0;
}
