/* bench_native: the example policy in plain C, timed.
 *
 *   bench_native CLAIMS.tsv [--repeat R] [--out FILE] [--stats]
 *   bench_native --selftest
 *
 * Loads the TSV written by `gen_claims --format tsv` into memory (untimed),
 * then times only the per-claim logic (np_settle over every claim, with a
 * fresh ledger each pass) with CLOCK_MONOTONIC, R passes (default 5), and
 * prints the best pass:
 *
 *   native: N claims in X s = Y claims/s
 *
 * --out FILE writes the settlements of the last pass as JSON Lines in the
 * shape of docs/claim-schema.md; --stats prints what the corpus exercised.
 * --selftest checks docs/domain.md section 11 examples 1 and 3 and the edge cases
 * of the example policy, and exits non-zero on any mismatch.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "native_policy.h"

static void die(const char *what)
{
    fprintf(stderr, "bench_native: %s\n", what);
    exit(1);
}

/* ------------------------------------------------------------ TSV loader */
typedef struct {
    char *text;            /* the whole file; fields are NUL-terminated in place */
    np_claim *claims;
    const char **claim_ids;
    np_item *items;
    size_t n, nitems;
    long bad_lines;
} corpus;

/* The next field of the current line, NUL-terminated in place.  `g_eol` says
 * whether the field ended its line. */
static int g_eol;

static char *field(char **p, char *end, long line)
{
    char *s = *p;
    char *q = s;
    if (g_eol) {
        fprintf(stderr, "bench_native: line %ld: too few fields\n", line);
        exit(1);
    }
    while (q < end && *q != '\t' && *q != '\n') q++;
    if (q == s) {
        fprintf(stderr, "bench_native: line %ld: empty field\n", line);
        exit(1);
    }
    g_eol = q >= end || *q == '\n';
    *q = 0;
    *p = q + 1;
    return s;
}

/* integer field; "-" gives dflt */
static int64_t num(char **p, char *end, long line, int64_t dflt)
{
    char *s = field(p, end, line);
    if (s[0] == '-' && s[1] == 0) return dflt;
    char *e;
    errno = 0;
    long long v = strtoll(s, &e, 10);
    if (*e || errno) {
        fprintf(stderr, "bench_native: line %ld: not an integer: %s\n", line, s);
        exit(1);
    }
    return v;
}

static int lookup(const char *s, const char *const *names, int n, long line)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(s, names[i])) return i;
    fprintf(stderr, "bench_native: line %ld: unknown value: %s\n", line, s);
    exit(1);
}

static const char *const SCHEMES[] = {"employee", "resident"};
static const char *const STATUSES[] = {"in_service", "retired", "flexible", "pool_only",
                                       "resident", "student", "newborn"};
static const char *const KINDS[] = {"inpatient", "outpatient", "pharmacy",
                                    "chronic", "maternity", "prenatal"};
static const char *const CLASSES[] = {"A", "B", "C"};

static void load(const char *path, corpus *k)
{
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(1); }
    if (fseek(f, 0, SEEK_END) != 0) die("cannot seek");
    long size = ftell(f);
    if (size < 0) die("cannot tell");
    rewind(f);
    k->text = malloc((size_t)size + 1);
    if (!k->text) die("out of memory");
    if (fread(k->text, 1, (size_t)size, f) != (size_t)size) die("short read");
    fclose(f);
    k->text[size] = '\n';
    char *p = k->text, *end = k->text + size;

    size_t ccap = 1024, icap = 4096;
    k->claims = malloc(ccap * sizeof *k->claims);
    k->claim_ids = malloc(ccap * sizeof *k->claim_ids);
    k->items = malloc(icap * sizeof *k->items);
    size_t *first = malloc(ccap * sizeof *first);
    if (!k->claims || !k->claim_ids || !k->items || !first) die("out of memory");
    k->n = k->nitems = 0;
    long line = 0;
    while (p < end) {
        line++;
        if (*p == '\n') { p++; continue; }
        if (k->n == ccap) {
            ccap *= 2;
            k->claims = realloc(k->claims, ccap * sizeof *k->claims);
            k->claim_ids = realloc(k->claim_ids, ccap * sizeof *k->claim_ids);
            first = realloc(first, ccap * sizeof *first);
            if (!k->claims || !k->claim_ids || !first) die("out of memory");
        }
        np_claim *c = &k->claims[k->n];
        memset(c, 0, sizeof *c);
        g_eol = 0;
        k->claim_ids[k->n] = field(&p, end, line);                      /* 1 claim_id */
        c->member_id = field(&p, end, line);                            /* 2 member_id */
        c->member_len = (uint32_t)strlen(c->member_id);
        c->scheme = (uint8_t)lookup(field(&p, end, line), SCHEMES, 2, line);   /* 3 */
        c->status = (uint8_t)lookup(field(&p, end, line), STATUSES, 7, line);  /* 4 */
        field(&p, end, line);                                           /* 5 sex */
        c->birth_date = (int32_t)num(&p, end, line, 0);                 /* 6 */
        c->enrolled_on = (int32_t)num(&p, end, line, 0);                /* 7 */
        c->in_window = (uint8_t)num(&p, end, line, 1);                  /* 8 */
        num(&p, end, line, 0);                                          /* 9 continuous_years */
        c->gap_years = (int16_t)num(&p, end, line, 0);                  /* 10 */
        c->backpaid_years = (int16_t)num(&p, end, line, 0);             /* 11 */
        num(&p, end, line, 0);                                          /* 12 zero_reimbursement_years */
        c->parent_insured = (uint8_t)num(&p, end, line, 0);             /* 13 */
        field(&p, end, line);                                           /* 14 assistance */
        num(&p, end, line, -1);                                         /* 15 account_balance */
        c->kind = (uint8_t)lookup(field(&p, end, line), KINDS, 6, line);/* 16 */
        c->date = (int32_t)num(&p, end, line, 0);                       /* 17 */
        num(&p, end, line, 0);                                          /* 18 discharged_on */
        field(&p, end, line);                                           /* 19 institution_id */
        field(&p, end, line);                                           /* 20 community_id */
        c->level = (uint8_t)num(&p, end, line, 0);                      /* 21 */
        c->designated = (uint8_t)num(&p, end, line, 1);                 /* 22 */
        c->prescription = (uint8_t)num(&p, end, line, 1);               /* 23 */
        field(&p, end, line);                                           /* 24 disease */
        c->gestation_weeks = (int16_t)num(&p, end, line, -1);           /* 25 */
        c->ytd_admissions = num(&p, end, line, 0);                      /* 26 */
        c->ytd_basic_paid = num(&p, end, line, 0);                      /* 27 */
        c->ytd_large_paid = num(&p, end, line, 0);                      /* 28 */
        int64_t ni = num(&p, end, line, 0);                             /* 29 n_items */
        if (ni < 1 || ni > 1000) die("bad item count");
        first[k->n] = k->nitems;
        c->nitems = (uint32_t)ni;
        for (int64_t i = 0; i < ni; i++) {
            if (k->nitems == icap) {
                icap *= 2;
                k->items = realloc(k->items, icap * sizeof *k->items);
                if (!k->items) die("out of memory");
            }
            np_item *it = &k->items[k->nitems++];
            field(&p, end, line);                                       /* code */
            it->cls = (uint8_t)lookup(field(&p, end, line), CLASSES, 3, line);
            it->amount = num(&p, end, line, 0);
            it->limit = num(&p, end, line, -1);
            num(&p, end, line, -1);                                     /* qty */
        }
        if (!g_eol) {
            fprintf(stderr, "bench_native: line %ld: extra fields\n", line);
            exit(1);
        }
        k->n++;
    }
    for (size_t i = 0; i < k->n; i++) k->claims[i].items = k->items + first[i];
    free(first);
}

/* ------------------------------------------------------------ output */
static void put_money(FILE *f, const char *key, int64_t v)
{
    const char *sign = v < 0 ? "-" : "";
    uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    fprintf(f, ",\"%s\":\"%s%llu.%02llu\"", key, sign, (unsigned long long)(a / 100),
            (unsigned long long)(a % 100));
}

static void write_settlement(FILE *f, const char *claim_id, const char *member_id, const np_settlement *s)
{
    fprintf(f, "{\"claim_id\":\"%s\",\"member_id\":\"%s\",\"status\":\"settled\"", claim_id, member_id);
    put_money(f, "total", s->total);
    put_money(f, "fund", s->fund);
    put_money(f, "copay", s->copay);
    put_money(f, "selfpay", s->selfpay);
    put_money(f, "basic", s->basic);
    put_money(f, "large", s->large);
    put_money(f, "critical", 0);
    put_money(f, "assistance", 0);
    put_money(f, "account", 0);
    put_money(f, "cash", s->cash);
    fputs(",\"reasons\":[", f);
    int k = 0;
    for (int b = 0; b < NP_NREASONS; b++)
        if (s->reasons & (1u << b)) fprintf(f, "%s\"%s\"", k++ ? "," : "", np_reason_names[b]);
    fputs("],\"alerts\":[]}\n", f);
}

/* ------------------------------------------------------------ self-test */
typedef struct {
    const char *name;
    np_claim c;
    np_item items[4];
    int error;
    int64_t fund, copay, selfpay, basic, large;
    unsigned reasons;
} tcase;

#define EMP(st) .scheme = NP_EMPLOYEE, .status = (st)
#define RES(st) .scheme = NP_RESIDENT, .status = (st)
#define VISIT(k, lv, d) .kind = (k), .level = (lv), .date = (d), .designated = 1, .prescription = 1, \
                        .in_window = 1, .gestation_weeks = -1
#define A(x) {(x), -1, NP_CLASS_A}
#define Bc(x) {(x), -1, NP_CLASS_B}
#define BL(x, l) {(x), (l), NP_CLASS_B}
#define C(x) {(x), -1, NP_CLASS_C}
#define ITEMS(...) .items = {__VA_ARGS__}

/* Cases run in order against one ledger; member ids keep them apart where needed.
 * A case overrides the VISIT defaults (designated, prescription, in_window) by
 * naming the field again, which is deliberate. */
#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Winitializer-overrides"
#elif defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
#endif
static tcase CASES[] = {
    {"domain 11 example 1: retired employee, level 3, first admission",
     {.member_id = "M1", EMP(NP_RETIRED), VISIT(NP_INPATIENT, 3, 20250502), .enrolled_on = 20000101},
     ITEMS(A(2000000), Bc(1000000), C(200000)), 0, 2427300, 572700, 200000, 2427300, 0, 0},
    {"domain 11 example 3: late enrolment, admitted 2025-05-02 (waiting period)",
     {.member_id = "M3", RES(NP_ST_RESIDENT), VISIT(NP_INPATIENT, 2, 20250502), .enrolled_on = 20250310, .in_window = 0},
     ITEMS(A(150000), BL(650000, 700000)), 0, 0, 800000, 0, 0, 0, NP_R_WAITING_PERIOD},
    {"domain 11 example 3: the same claim admitted 2025-07-01",
     {.member_id = "M3", RES(NP_ST_RESIDENT), VISIT(NP_INPATIENT, 2, 20250701), .enrolled_on = 20250310, .in_window = 0},
     ITEMS(A(150000), BL(650000, 700000)), 0, 524000, 276000, 0, 524000, 0, 0},
    {"waiting period: 2025-06-09 still waiting",
     {.member_id = "W1", RES(NP_ST_RESIDENT), VISIT(NP_OUTPATIENT, 0, 20250609), .enrolled_on = 20250310, .in_window = 0},
     ITEMS(A(10000)), 0, 0, 10000, 0, 0, 0, NP_R_WAITING_PERIOD},
    {"waiting period: 2025-06-10 is the first covered day",
     {.member_id = "W1", RES(NP_ST_RESIDENT), VISIT(NP_MATERNITY, 0, 20250610), .enrolled_on = 20250310, .in_window = 0},
     ITEMS(A(10000)), 0, 10000, 0, 0, 10000, 0, 0},
    {"waiting period: 2024-11-30 + 3 months clamps to 2025-02-28 (02-27 waits)",
     {.member_id = "W2", RES(NP_STUDENT), VISIT(NP_MATERNITY, 0, 20250227), .enrolled_on = 20241130, .in_window = 0},
     ITEMS(A(10000)), 0, 0, 10000, 0, 0, 0, NP_R_WAITING_PERIOD},
    {"waiting period: 2025-02-28 covered",
     {.member_id = "W2", RES(NP_STUDENT), VISIT(NP_MATERNITY, 0, 20250228), .enrolled_on = 20241130, .in_window = 0},
     ITEMS(A(10000)), 0, 10000, 0, 0, 10000, 0, 0},
    {"waiting period: gap 3, backpaid 0 -> 5 months (2025-06-14 waits)",
     {.member_id = "W3", RES(NP_ST_RESIDENT), VISIT(NP_MATERNITY, 0, 20250614), .enrolled_on = 20250115, .gap_years = 3},
     ITEMS(A(10000)), 0, 0, 10000, 0, 0, 0, NP_R_WAITING_PERIOD},
    {"waiting period: gap 3, backpaid 1 -> 4 months (2025-05-15 covered)",
     {.member_id = "W4", RES(NP_ST_RESIDENT), VISIT(NP_MATERNITY, 0, 20250515), .enrolled_on = 20250115, .gap_years = 3, .backpaid_years = 1},
     ITEMS(A(10000)), 0, 10000, 0, 0, 10000, 0, 0},
    {"waiting period: none for visits before 2025",
     {.member_id = "W5", RES(NP_ST_RESIDENT), VISIT(NP_MATERNITY, 0, 20241215), .enrolled_on = 20241201, .in_window = 0},
     ITEMS(A(10000)), 0, 10000, 0, 0, 10000, 0, 0},
    {"waiting period: none for employees",
     {.member_id = "W6", EMP(NP_FLEXIBLE), VISIT(NP_MATERNITY, 0, 20250301), .enrolled_on = 20250201, .in_window = 0},
     ITEMS(A(10000)), 0, 10000, 0, 0, 10000, 0, 0},
    {"NOT_COVERED alone (no WAITING_PERIOD), and NOT_DESIGNATED beside it",
     {.member_id = "G1", RES(NP_ST_RESIDENT), VISIT(NP_INPATIENT, 2, 20250501), .enrolled_on = 20250801, .in_window = 0, .designated = 0},
     ITEMS(A(100000), C(5000)), 0, 0, 100000, 5000, 0, 0, NP_R_NOT_COVERED | NP_R_NOT_DESIGNATED},
    {"NO_PRESCRIPTION (pharmacy)",
     {.member_id = "G2", EMP(NP_IN_SERVICE), VISIT(NP_PHARMACY, 0, 20250501), .enrolled_on = 20100101, .prescription = 0},
     ITEMS(A(3000)), 0, 0, 3000, 0, 0, 0, NP_R_NO_PRESCRIPTION},
    {"prescription ignored on inpatient visits",
     {.member_id = "G2b", EMP(NP_IN_SERVICE), VISIT(NP_INPATIENT, 0, 20250501), .enrolled_on = 20100101, .prescription = 0},
     ITEMS(A(120000)), 0, 93000, 27000, 0, 93000, 0, 0},
    {"PRENATAL_TOO_EARLY: week 11 in 2025",
     {.member_id = "G3", RES(NP_ST_RESIDENT), VISIT(NP_PRENATAL, 0, 20250501), .enrolled_on = 20100101, .gestation_weeks = 11},
     ITEMS(A(20000)), 0, 0, 20000, 0, 0, 0, NP_R_PRENATAL_TOO_EARLY},
    {"prenatal week 12 in 2025: no gate, fund 0 in the example policy",
     {.member_id = "G3", RES(NP_ST_RESIDENT), VISIT(NP_PRENATAL, 0, 20250502), .enrolled_on = 20100101, .gestation_weeks = 12},
     ITEMS(A(20000)), 0, 0, 20000, 0, 0, 0, 0},
    {"PRENATAL_TOO_EARLY: week 19 in 2024",
     {.member_id = "G3", RES(NP_ST_RESIDENT), VISIT(NP_PRENATAL, 0, 20240502), .enrolled_on = 20100101, .gestation_weeks = 19},
     ITEMS(A(20000)), 0, 0, 20000, 0, 0, 0, NP_R_PRENATAL_TOO_EARLY},
    {"newborn of insured parent born 2026-01-05: covered from birth",
     {.member_id = "N1", RES(NP_NEWBORN), VISIT(NP_MATERNITY, 0, 20260201), .enrolled_on = 20260301, .birth_date = 20260105, .parent_insured = 1, .in_window = 0},
     ITEMS(A(10000)), 0, 10000, 0, 0, 10000, 0, 0},
    {"newborn without insured parent: covered from enrolment",
     {.member_id = "N2", RES(NP_NEWBORN), VISIT(NP_MATERNITY, 0, 20260201), .enrolled_on = 20260301, .birth_date = 20260105, .parent_insured = 0},
     ITEMS(A(10000)), 0, 0, 10000, 0, 0, 0, NP_R_NOT_COVERED},
    {"newborn of insured parent born 2025-12-31: covered from enrolment",
     {.member_id = "N3", RES(NP_NEWBORN), VISIT(NP_MATERNITY, 0, 20260102), .enrolled_on = 20260110, .birth_date = 20251231, .parent_insured = 1},
     ITEMS(A(10000)), 0, 0, 10000, 0, 0, 0, NP_R_NOT_COVERED},
    {"first admission, employee level 2",
     {.member_id = "H1", EMP(NP_IN_SERVICE), VISIT(NP_INPATIENT, 2, 20250301), .enrolled_on = 20100101},
     ITEMS(A(1000000)), 0, 828000, 172000, 0, 828000, 0, 0},
    {"second admission the same year: deductible halved",
     {.member_id = "H1", EMP(NP_IN_SERVICE), VISIT(NP_INPATIENT, 2, 20250401), .enrolled_on = 20100101},
     ITEMS(A(500000)), 0, 414000, 86000, 0, 414000, 0, 0},
    {"first admission of the next year: a new key, full deductible",
     {.member_id = "H1", EMP(NP_IN_SERVICE), VISIT(NP_INPATIENT, 2, 20260101), .enrolled_on = 20100101},
     ITEMS(A(500000)), 0, 378000, 122000, 0, 378000, 0, 0},
    {"ytd on the first claim of a key opens the totals (outpatient, fund 0)",
     {.member_id = "H2", EMP(NP_IN_SERVICE), VISIT(NP_OUTPATIENT, 0, 20250301), .enrolled_on = 20100101, .ytd_admissions = 2},
     ITEMS(A(1000)), 0, 0, 1000, 0, 0, 0, 0},
    {"... so the member's next admission has its deductible halved",
     {.member_id = "H2", EMP(NP_IN_SERVICE), VISIT(NP_INPATIENT, 2, 20250302), .enrolled_on = 20100101},
     ITEMS(A(500000)), 0, 414000, 86000, 0, 414000, 0, 0},
    {"gated first claim still opens the totals from its ytd",
     {.member_id = "H3", EMP(NP_IN_SERVICE), VISIT(NP_INPATIENT, 2, 20250301), .enrolled_on = 20100101, .designated = 0, .ytd_basic_paid = 14990000},
     ITEMS(A(500000)), 0, 0, 500000, 0, 0, 0, NP_R_NOT_DESIGNATED},
    {"... and ytd on later claims of the key is ignored",
     {.member_id = "H3", EMP(NP_IN_SERVICE), VISIT(NP_INPATIENT, 2, 20250302), .enrolled_on = 20100101, .ytd_admissions = 5},
     ITEMS(A(180000)), 0, 89999, 90001, 0, 10000, 79999, 0},
    {"employee crosses the basic cap: covered = ceil(room / ratio), large 90 % of the rest",
     {.member_id = "E1", EMP(NP_IN_SERVICE), VISIT(NP_INPATIENT, 2, 20250301), .enrolled_on = 20100101, .ytd_basic_paid = 14900000},
     ITEMS(A(1080000)), 0, 899999, 180001, 0, 100000, 799999, 0},
    {"employee with no basic room left: all eligible to large, within the large cap",
     {.member_id = "E2", EMP(NP_RETIRED), VISIT(NP_INPATIENT, 2, 20250301), .enrolled_on = 20100101, .ytd_basic_paid = 15000000, .ytd_large_paid = 49950000},
     ITEMS(A(1080000)), 0, 50000, 1030000, 0, 0, 50000, 0},
    {"big employee admission: 400,000 yuan at level 4",
     {.member_id = "E3", EMP(NP_IN_SERVICE), VISIT(NP_INPATIENT, 4, 20250301), .enrolled_on = 20100101},
     /* eligible 39,850,000; x = 31,880,000 > 15,000,000; covered ceil(15e6/0.8) = 18,750,000;
        large = round(21,100,000 x 0.9) = 18,990,000 */
     ITEMS(A(40000000)), 0, 33990000, 6010000, 0, 15000000, 18990000, 0},
    {"resident basic cap",
     {.member_id = "R1", RES(NP_STUDENT), VISIT(NP_INPATIENT, 0, 20250301), .enrolled_on = 20100101, .ytd_basic_paid = 14990000},
     ITEMS(A(1020000)), 0, 10000, 1010000, 0, 10000, 0, 0},
    {"price limits: A over its limit, C limit ignored, B first share rounded half away",
     /* A within 100,000 (copay 20,000); B 5 fen: first share round(0.5) = 1; C 3,000 selfpay */
     {.member_id = "P1", RES(NP_ST_RESIDENT), VISIT(NP_MATERNITY, 1, 20250301), .enrolled_on = 20100101},
     ITEMS({120000, 100000, NP_CLASS_A}, Bc(5), {3000, 1000, NP_CLASS_C}), 0, 100004, 20001, 3000, 100004, 0, 0},
    {"record error: employee with status student",
     {.member_id = "X1", EMP(NP_STUDENT), VISIT(NP_OUTPATIENT, 0, 20250301), .enrolled_on = 20100101},
     ITEMS(A(1000)), NP_E_STATUS_SCHEME, 0, 0, 0, 0, 0, 0},
    {"record error: visit before 2024-01-01",
     {.member_id = "X2", EMP(NP_RETIRED), VISIT(NP_OUTPATIENT, 0, 20231231), .enrolled_on = 20100101},
     ITEMS(A(1000)), NP_E_DATE, 0, 0, 0, 0, 0, 0},
};
#if defined(__clang__)
#pragma clang diagnostic pop
#elif defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

static int selftest(void)
{
    np_ledger l;
    if (np_ledger_init(&l, 4) != 0) die("out of memory");
    int fails = 0, n = (int)(sizeof CASES / sizeof CASES[0]);
    if (np_add_months(20250131, 1) != 20250228 || np_add_months(20240131, 1) != 20240229 ||
        np_add_months(20241130, 3) != 20250228 || np_add_months(20251015, 3) != 20260115) {
        printf("FAIL: np_add_months\n");
        fails++;
    }
    for (int i = 0; i < n; i++) {
        tcase *t = &CASES[i];
        t->c.member_len = (uint32_t)strlen(t->c.member_id);
        t->c.items = t->items;
        t->c.nitems = 0;
        while (t->c.nitems < 4 && (t->items[t->c.nitems].amount || t->items[t->c.nitems].cls)) t->c.nitems++;
        np_settlement s;
        memset(&s, 0, sizeof s);
        int rc = np_settle(&l, &t->c, &s);
        int ok = rc == t->error;
        if (ok && rc == NP_OK)
            ok = s.fund == t->fund && s.copay == t->copay && s.selfpay == t->selfpay &&
                 s.basic == t->basic && s.large == t->large && s.reasons == t->reasons &&
                 s.total == s.fund + s.copay + s.selfpay && s.cash == s.copay + s.selfpay;
        if (!ok) {
            fails++;
            printf("FAIL: %s\n  got  error %d fund %lld copay %lld selfpay %lld basic %lld large %lld reasons %u\n"
                   "  want error %d fund %lld copay %lld selfpay %lld basic %lld large %lld reasons %u\n",
                   t->name, rc, (long long)s.fund, (long long)s.copay, (long long)s.selfpay,
                   (long long)s.basic, (long long)s.large, s.reasons, t->error, (long long)t->fund,
                   (long long)t->copay, (long long)t->selfpay, (long long)t->basic,
                   (long long)t->large, t->reasons);
        }
    }
    np_ledger_free(&l);
    if (fails) {
        printf("native selftest: %d of %d cases FAILED\n", fails, n + 1);
        return 1;
    }
    printf("native selftest: %d cases passed (domain.md 11 examples 1 and 3 exact)\n", n + 1);
    return 0;
}

/* ------------------------------------------------------------ stats */
static void stats(const corpus *k, const np_settlement *s)
{
    size_t kinds[6] = {0}, reasons[NP_NREASONS] = {0}, flags[5] = {0}, errors = 0, gated = 0,
           paid = 0, scheme[2] = {0};
    int64_t total = 0, fund = 0;
    for (size_t i = 0; i < k->n; i++) {
        if (s[i].error) { errors++; continue; }
        kinds[k->claims[i].kind]++;
        scheme[k->claims[i].scheme]++;
        for (int b = 0; b < NP_NREASONS; b++) reasons[b] += (s[i].reasons >> b) & 1;
        for (int b = 0; b < 5; b++) flags[b] += (s[i].flags >> b) & 1;
        gated += s[i].reasons != 0;
        paid += s[i].fund > 0;
        total += s[i].total;
        fund += s[i].fund;
    }
    printf("stats: %zu claims, %zu record errors; employee %zu, resident %zu\n", k->n, errors,
           scheme[0], scheme[1]);
    printf("stats: kinds:");
    for (int i = 0; i < 6; i++) printf(" %s %zu", KINDS[i], kinds[i]);
    printf("\nstats: gated %zu:", gated);
    for (int b = 0; b < NP_NREASONS; b++) printf(" %s %zu", np_reason_names[b], reasons[b]);
    printf("\nstats: fund > 0: %zu; deductible halved %zu; basic cap reached %zu; large paid %zu;"
           " large cap reached %zu; totals opened from ytd %zu\n",
           paid, flags[0], flags[1], flags[2], flags[3], flags[4]);
    printf("stats: items %zu (%.2f per claim); total %lld.%02lld yuan, fund %lld.%02lld yuan\n",
           k->nitems, k->n ? (double)k->nitems / (double)k->n : 0.0, (long long)(total / 100),
           (long long)(total % 100), (long long)(fund / 100), (long long)(fund % 100));
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
    const char *in = NULL, *out = NULL;
    int repeat = 5, want_stats = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--selftest")) return selftest();
        else if (!strcmp(argv[i], "--out") && i + 1 < argc) out = argv[++i];
        else if (!strcmp(argv[i], "--repeat") && i + 1 < argc) repeat = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--stats")) want_stats = 1;
        else if (argv[i][0] != '-' && !in) in = argv[i];
        else {
            fprintf(stderr, "usage: bench_native CLAIMS.tsv [--repeat R] [--out FILE] [--stats]\n"
                            "       bench_native --selftest\n");
            return 2;
        }
    }
    if (!in || repeat < 1) {
        fprintf(stderr, "usage: bench_native CLAIMS.tsv [--repeat R] [--out FILE] [--stats]\n");
        return 2;
    }
    corpus k;
    load(in, &k);
    np_settlement *res = malloc((k.n ? k.n : 1) * sizeof *res);
    if (!res) die("out of memory");
    memset(res, 0, (k.n ? k.n : 1) * sizeof *res); /* touch the pages before timing */

    double best = 1e300;
    size_t errors = 0;
    for (int pass = 0; pass < repeat; pass++) {
        np_ledger l;
        if (np_ledger_init(&l, 1024) != 0) die("out of memory");
        errors = 0;
        double t0 = now();
        for (size_t i = 0; i < k.n; i++) {
            int rc = np_settle(&l, &k.claims[i], &res[i]);
            if (rc < 0) die("out of memory");
            errors += rc != 0;
        }
        double dt = now() - t0;
        if (dt < best) best = dt;
        np_ledger_free(&l);
    }
    printf("native: %zu claims in %.3f s = %.0f claims/s\n", k.n, best,
           best > 0 ? (double)k.n / best : 0.0);
    if (errors) printf("native: %zu record errors (no settlement)\n", errors);
    if (want_stats) stats(&k, res);
    if (out) {
        FILE *f = fopen(out, "w");
        if (!f) { perror(out); return 1; }
        static char buf[1 << 20];
        setvbuf(f, buf, _IOFBF, sizeof buf);
        for (size_t i = 0; i < k.n; i++)
            if (!res[i].error) write_settlement(f, k.claim_ids[i], k.claims[i].member_id, &res[i]);
        if (fclose(f) != 0) { perror(out); return 1; }
    }
    free(res);
    free(k.claims);
    free(k.claim_ids);
    free(k.items);
    free(k.text);
    return 0;
}
