/* Claim readers (io/claim_reader.c, io/csv_reader.c) against a schema built
 * by hand to mirror docs/claim-schema.md.  Expected values are written out by hand.
 *
 * Micro-benchmark (not a test; run on an optimised build, see the report in
 * the commit): YB_READER_BENCH=<records> ./test_claim_reader
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>

#include "claim_reader.h"
#include "date.h"
#include "yb_limits.h"
#include "money.h"
#include "value.h"

/* ------------------------------------------------------------------------ */
/* The schema of docs/claim-schema.md                                             */

enum { E_SCHEME, E_STATUS, E_SEX, E_ASSIST, E_KIND, E_LEVEL, E_CLASS, E_RELATION, E_COUNT };

typedef struct fdef {
    const char *name;
    int kind, flags, enum_id;
    int64_t dflt;
    const struct fdef *child;
    int nchild, min_items;
    const char *elem_name;
} fdef;

#define REQ YB_F_REQUIRED
#define DEF YB_F_DEFAULT
#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const fdef member_f[] = {
    {"status", YB_T_ENUM, REQ, E_STATUS, 0, NULL, 0, 0, NULL},
    {"sex", YB_T_ENUM, 0, E_SEX, 0, NULL, 0, 0, NULL},
    {"birth_date", YB_T_DATE, 0, 0, 0, NULL, 0, 0, NULL},
    {"enrolled_on", YB_T_DATE, REQ, 0, 0, NULL, 0, 0, NULL},
    {"in_window", YB_T_BOOL, DEF, 0, 1, NULL, 0, 0, NULL},
    {"continuous_years", YB_T_INT, DEF, 0, 0, NULL, 0, 0, NULL},
    {"gap_years", YB_T_INT, DEF, 0, 0, NULL, 0, 0, NULL},
    {"backpaid_years", YB_T_INT, DEF, 0, 0, NULL, 0, 0, NULL},
    {"zero_reimbursement_years", YB_T_INT, DEF, 0, 0, NULL, 0, 0, NULL},
    {"parent_insured", YB_T_BOOL, 0, 0, 0, NULL, 0, 0, NULL},
    {"assistance", YB_T_ENUM, DEF, E_ASSIST, 0, NULL, 0, 0, NULL},
    {"account_balance", YB_T_MONEY, 0, 0, 0, NULL, 0, 0, NULL},
};
static const fdef visit_f[] = {
    {"kind", YB_T_ENUM, REQ, E_KIND, 0, NULL, 0, 0, NULL},
    {"date", YB_T_DATE, REQ, 0, 0, NULL, 0, 0, NULL},
    {"discharged_on", YB_T_DATE, 0, 0, 0, NULL, 0, 0, NULL},
    {"institution_id", YB_T_TEXT, 0, 0, 0, NULL, 0, 0, NULL},
    {"community_id", YB_T_TEXT, 0, 0, 0, NULL, 0, 0, NULL},
    {"level", YB_T_ENUM, REQ, E_LEVEL, 0, NULL, 0, 0, NULL},
    {"designated", YB_T_BOOL, DEF, 0, 1, NULL, 0, 0, NULL},
    {"prescription", YB_T_BOOL, DEF, 0, 1, NULL, 0, 0, NULL},
    {"disease", YB_T_TEXT, 0, 0, 0, NULL, 0, 0, NULL},
    {"gestation_weeks", YB_T_INT, 0, 0, 0, NULL, 0, 0, NULL},
};
static const fdef item_f[] = {
    {"code", YB_T_TEXT, REQ, 0, 0, NULL, 0, 0, NULL},
    {"class", YB_T_ENUM, REQ, E_CLASS, 0, NULL, 0, 0, NULL},
    {"amount", YB_T_MONEY, REQ, 0, 0, NULL, 0, 0, NULL},
    {"limit", YB_T_MONEY, 0, 0, 0, NULL, 0, 0, NULL},
    {"qty", YB_T_INT, 0, 0, 0, NULL, 0, 0, NULL},
    {"capitated", YB_T_BOOL, DEF, 0, 0, NULL, 0, 0, NULL},
};
static const fdef payer_f[] = {
    {"member_id", YB_T_TEXT, REQ, 0, 0, NULL, 0, 0, NULL},
    {"relation", YB_T_ENUM, 0, E_RELATION, 0, NULL, 0, 0, NULL},
    {"balance", YB_T_MONEY, 0, 0, 0, NULL, 0, 0, NULL},
};
static const fdef ytd_f[] = {
    {"admissions", YB_T_INT, DEF, 0, 0, NULL, 0, 0, NULL},
    {"basic_paid", YB_T_MONEY, DEF, 0, 0, NULL, 0, 0, NULL},
    {"large_paid", YB_T_MONEY, DEF, 0, 0, NULL, 0, 0, NULL},
    {"critical_burden", YB_T_MONEY, DEF, 0, 0, NULL, 0, 0, NULL},
    {"critical_paid", YB_T_MONEY, DEF, 0, 0, NULL, 0, 0, NULL},
    {"assistance_paid", YB_T_MONEY, DEF, 0, 0, NULL, 0, 0, NULL},
    {"outpatient_deductible_met", YB_T_MONEY, DEF, 0, 0, NULL, 0, 0, NULL},
    {"outpatient_paid", YB_T_MONEY, DEF, 0, 0, NULL, 0, 0, NULL},
    {"chronic_paid", YB_T_MONEY, DEF, 0, 0, NULL, 0, 0, NULL},
    {"prenatal_paid", YB_T_MONEY, DEF, 0, 0, NULL, 0, 0, NULL},
};
static const fdef root_f[] = {
    {"claim_id", YB_T_TEXT, REQ, 0, 0, NULL, 0, 0, NULL},
    {"member_id", YB_T_TEXT, REQ, 0, 0, NULL, 0, 0, NULL},
    {"scheme", YB_T_ENUM, REQ, E_SCHEME, 0, NULL, 0, 0, NULL},
    {"member", YB_T_RECORD, REQ, 0, 0, member_f, N(member_f), 0, NULL},
    {"visit", YB_T_RECORD, REQ, 0, 0, visit_f, N(visit_f), 0, NULL},
    {"items", YB_T_LIST, REQ, 0, 0, item_f, N(item_f), 1, "item"},
    {"account_payer", YB_T_RECORD, 0, 0, 0, payer_f, N(payer_f), 0, NULL},
    {"ytd", YB_T_RECORD, 0, 0, 0, ytd_f, N(ytd_f), 0, NULL},
};

static const char *const scheme_n[] = {"employee", "resident"};
static const char *const status_n[] = {"in_service", "retired", "flexible", "pool_only", "resident", "student", "newborn"};
static const char *const sex_n[] = {"F", "M"};
static const char *const assist_n[] = {"none", "extreme_poverty", "low_income", "at_risk"};
static const char *const kind_n[] = {"inpatient", "outpatient", "pharmacy", "chronic", "maternity", "prenatal"};
static const char *const level_n[] = {"primary", "first", "second", "municipal", "provincial"};
static const char *const class_n[] = {"A", "B", "C"};
static const char *const relation_n[] = {"self", "spouse", "parent", "child", "sibling", "grandparent", "grandchild", "other"};

static char *dup(const char *s)
{
    char *d = malloc(strlen(s) + 1);
    assert_non_null(d);
    strcpy(d, s);
    return d;
}

static int32_t build(yb_schema *s, const fdef *d, int n, int32_t *slotc)
{
    int32_t base = s->nfields;
    s->nfields += n;
    for (int i = 0; i < n; i++) {
        yb_field *f = &s->fields[base + i];
        f->name = dup(d[i].name);
        f->kind = (uint8_t)d[i].kind;
        f->flags = (uint8_t)d[i].flags;
        f->enum_id = (uint16_t)d[i].enum_id;
        f->dflt = d[i].dflt;
        if (d[i].kind == YB_T_RECORD) {
            f->slot = (*slotc)++;
            f->count = d[i].nchild;
            f->first = build(s, d[i].child, d[i].nchild, slotc);
            f = &s->fields[base + i];
        } else if (d[i].kind == YB_T_LIST) {
            int32_t li = s->nlists++, esl = 0;
            f->slot = li;
            f->min_items = d[i].min_items;
            f->elem_name = dup(d[i].elem_name);
            f->count = d[i].nchild;
            f->first = build(s, d[i].child, d[i].nchild, &esl);
            s->lists[li].field = base + i;
            s->lists[li].elem_nslots = esl;
        } else {
            f->slot = (*slotc)++;
        }
    }
    return base;
}

static void add_enum(yb_schema *s, int id, const char *name, const char *const *names, int n, int with_codes)
{
    yb_enum_desc *e = &s->enums[id];
    e->name = dup(name);
    e->n = n;
    e->names = calloc((size_t)n, sizeof *e->names);
    for (int k = 0; k < n; k++) e->names[k] = dup(names[k]);
    if (with_codes) {
        e->codes = calloc((size_t)n, sizeof *e->codes);
        for (int k = 0; k < n; k++) e->codes[k] = k;
    }
}

static yb_schema *std_schema(void)
{
    yb_schema *s = calloc(1, sizeof *s);
    s->fields = calloc(128, sizeof *s->fields);
    s->lists = calloc(4, sizeof *s->lists);
    s->enums = calloc(E_COUNT, sizeof *s->enums);
    s->nenums = E_COUNT;
    int32_t slots = 0;
    s->root_count = N(root_f);
    s->root_first = build(s, root_f, N(root_f), &slots);
    s->nslots = slots;
    add_enum(s, E_SCHEME, "scheme", scheme_n, 2, 0);
    add_enum(s, E_STATUS, "status", status_n, 7, 0);
    add_enum(s, E_SEX, "sex", sex_n, 2, 0);
    add_enum(s, E_ASSIST, "assistance", assist_n, 4, 0);
    add_enum(s, E_KIND, "visit_kind", kind_n, 6, 0);
    add_enum(s, E_LEVEL, "level", level_n, 5, 1);
    add_enum(s, E_CLASS, "class", class_n, 3, 0);
    add_enum(s, E_RELATION, "relation", relation_n, 8, 0);
    return s;
}

static void free_schema(yb_schema *s)
{
    yb_schema_free(s);
    assert_int_equal(s->nfields, 0);
    free(s);
}

/* The field at a dotted path ("member.enrolled_on", "items.amount"). */
static const yb_field *fld(const yb_schema *s, const char *path)
{
    int32_t first = s->root_first, count = s->root_count;
    const yb_field *f = NULL;
    char buf[128];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *tok = strtok(buf, "."); tok; tok = strtok(NULL, ".")) {
        f = NULL;
        for (int32_t i = first; i < first + count; i++)
            if (strcmp(s->fields[i].name, tok) == 0) f = &s->fields[i];
        assert_non_null(f);
        first = f->first;
        count = f->count;
    }
    return f;
}

static int has(const yb_claim *c, const char *path) { return c->present[fld(c->schema, path)->slot]; }

static int64_t get(const yb_claim *c, const char *path)
{
    const yb_field *f = fld(c->schema, path);
    assert_true(c->present[f->slot]);
    return c->slots[f->slot];
}

static int ihas(const yb_claim *c, int e, const char *name)
{
    char path[64];
    snprintf(path, sizeof path, "items.%s", name);
    const yb_field *f = fld(c->schema, path);
    assert_true(e < c->lists[0].count);
    return c->lists[0].present[e * c->schema->lists[0].elem_nslots + f->slot];
}

static int64_t iget(const yb_claim *c, int e, const char *name)
{
    char path[64];
    snprintf(path, sizeof path, "items.%s", name);
    const yb_field *f = fld(c->schema, path);
    assert_true(e < c->lists[0].count);
    size_t k = (size_t)e * (size_t)c->schema->lists[0].elem_nslots + (size_t)f->slot;
    assert_true(c->lists[0].present[k]);
    return c->lists[0].slots[k];
}

static void check_text(const yb_claim *c, int64_t v, const char *want, size_t n)
{
    assert_false(yb_text_in_pool(v));
    assert_int_equal(yb_text_length(v), n);
    assert_true((uint64_t)yb_text_offset(v) + n <= c->text_len);
    assert_memory_equal(c->text + yb_text_offset(v), want, n);
}
#define TEXT_IS(c, v, lit) check_text((c), (v), (lit), sizeof(lit) - 1)

/* A stream over the given bytes. */
static FILE *stream(const char *data, size_t n)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    if (n) assert_int_equal(fwrite(data, 1, n, f), n);
    rewind(f);
    return f;
}

typedef struct rd {
    yb_schema *s;
    yb_claim *c;
    FILE *f;
    yb_reader *r;
    yb_record_error err;
} rd;

static void rd_open(rd *t, const char *data, size_t n, yb_format fmt)
{
    t->s = std_schema();
    t->c = yb_claim_new(t->s);
    assert_non_null(t->c);
    t->f = stream(data, n);
    t->r = yb_reader_open(t->s, t->f, "test", fmt);
    assert_non_null(t->r);
}

static void rd_close(rd *t)
{
    yb_reader_close(t->r);
    fclose(t->f);
    yb_claim_free(t->c);
    free_schema(t->s);
}

static int next(rd *t)
{
    memset(&t->err, 0x55, sizeof t->err); /* the reader must set what it reports */
    return yb_reader_next(t->r, t->c, &t->err);
}

static void expect_error(rd *t, long line, const char *field, const char *message)
{
    int k = next(t);
    if (k != -1) fail_msg("line %ld: expected an error (%s: %s), got %d", line, field, message, k);
    assert_int_equal(t->err.line, line);
    assert_string_equal(t->err.field, field);
    assert_string_equal(t->err.message, message);
}

/* ------------------------------------------------------------------------ */
/* The example claim                                                         */

#define ITEMS "\"items\":[{\"code\":\"XA01\",\"class\":\"A\",\"amount\":\"1500.00\"},{\"code\":\"XB07\",\"class\":\"B\",\"amount\":\"6500.00\",\"limit\":\"7000.00\"}]"
static const char BASE[] =
    "{\"claim_id\":\"C-2025-000017\",\"member_id\":\"430102199001011234\",\"scheme\":\"resident\","
    "\"member\":{\"status\":\"resident\",\"sex\":\"F\",\"birth_date\":\"1990-01-01\",\"enrolled_on\":\"2025-03-10\","
    "\"in_window\":false,\"continuous_years\":1,\"gap_years\":0,\"backpaid_years\":0,"
    "\"zero_reimbursement_years\":0,\"assistance\":\"none\"},"
    "\"visit\":{\"kind\":\"inpatient\",\"date\":\"2025-05-02\",\"discharged_on\":\"2025-05-09\","
    "\"institution_id\":\"H430102\",\"community_id\":\"YGT-01\",\"level\":2,\"designated\":true},"
    ITEMS "}";

/* BASE with the first `from` replaced by `to` (malloc'd). */
static char *with(const char *from, const char *to)
{
    const char *at = strstr(BASE, from);
    if (!at) fail_msg("'%s' is not in BASE", from);
    size_t a = (size_t)(at - BASE), fl = strlen(from), tl = strlen(to), bl = strlen(BASE);
    char *s = malloc(bl - fl + tl + 1);
    memcpy(s, BASE, a);
    memcpy(s + a, to, tl);
    memcpy(s + a + tl, at + fl, bl - a - fl + 1);
    return s;
}

static void check_base(const yb_claim *c)
{
    TEXT_IS(c, get(c, "claim_id"), "C-2025-000017");
    TEXT_IS(c, get(c, "member_id"), "430102199001011234");
    assert_int_equal(get(c, "scheme"), 1);
    assert_int_equal(get(c, "member"), 1);
    assert_int_equal(get(c, "member.status"), 4);
    assert_int_equal(get(c, "member.sex"), 0);
    assert_int_equal(get(c, "member.birth_date"), yb_date_from_ymd(1990, 1, 1));
    assert_int_equal(get(c, "member.enrolled_on"), yb_date_from_ymd(2025, 3, 10));
    assert_int_equal(get(c, "member.in_window"), 0);
    assert_int_equal(get(c, "member.continuous_years"), 1);
    assert_int_equal(get(c, "member.gap_years"), 0);
    assert_int_equal(get(c, "member.backpaid_years"), 0);
    assert_int_equal(get(c, "member.zero_reimbursement_years"), 0);
    assert_false(has(c, "member.parent_insured"));
    assert_int_equal(get(c, "member.assistance"), 0);
    assert_false(has(c, "member.account_balance"));
    assert_int_equal(get(c, "visit"), 1);
    assert_int_equal(get(c, "visit.kind"), 0);
    assert_int_equal(get(c, "visit.date"), yb_date_from_ymd(2025, 5, 2));
    assert_int_equal(get(c, "visit.discharged_on"), yb_date_from_ymd(2025, 5, 9));
    TEXT_IS(c, get(c, "visit.institution_id"), "H430102");
    TEXT_IS(c, get(c, "visit.community_id"), "YGT-01");
    assert_int_equal(get(c, "visit.level"), 2);
    assert_int_equal(get(c, "visit.designated"), 1);
    assert_int_equal(get(c, "visit.prescription"), 1); /* default */
    assert_false(has(c, "visit.disease"));
    assert_false(has(c, "visit.gestation_weeks"));
    assert_int_equal(c->lists[0].count, 2);
    TEXT_IS(c, iget(c, 0, "code"), "XA01");
    assert_int_equal(iget(c, 0, "class"), 0);
    assert_int_equal(iget(c, 0, "amount"), 150000);
    assert_false(ihas(c, 0, "limit"));
    assert_false(ihas(c, 0, "qty"));
    assert_int_equal(iget(c, 0, "capitated"), 0);
    TEXT_IS(c, iget(c, 1, "code"), "XB07");
    assert_int_equal(iget(c, 1, "class"), 1);
    assert_int_equal(iget(c, 1, "amount"), 650000);
    assert_int_equal(iget(c, 1, "limit"), 700000);
    /* absent optional records: given = 0, their defaults still applied */
    assert_int_equal(get(c, "account_payer"), 0);
    assert_false(has(c, "account_payer.member_id"));
    assert_false(has(c, "account_payer.relation"));
    assert_false(has(c, "account_payer.balance"));
    assert_int_equal(get(c, "ytd"), 0);
    assert_int_equal(get(c, "ytd.admissions"), 0);
    assert_int_equal(get(c, "ytd.basic_paid"), 0);
    assert_int_equal(get(c, "ytd.prenatal_paid"), 0);
}

#define DATA_DIR "tests/data/reader/"

static void test_example_file(void **state)
{
    (void)state;
    yb_schema *s = std_schema();
    yb_claim *c = yb_claim_new(s);
    FILE *f = fopen(DATA_DIR "example.jsonl", "rb");
    if (!f) fail_msg("cannot open " DATA_DIR "example.jsonl (run from the repository root)");
    yb_reader *r = yb_reader_open(s, f, DATA_DIR "example.jsonl", YB_FMT_JSONL);
    yb_record_error err;
    assert_int_equal(yb_reader_next(r, c, &err), 1);
    assert_int_equal(c->line, 1);
    check_base(c);
    assert_int_equal(yb_reader_next(r, c, &err), 0);
    assert_int_equal(yb_reader_next(r, c, &err), 0);
    assert_int_equal(yb_reader_records(r), 1);
    yb_reader_close(r);
    fclose(f);
    yb_claim_free(c);
    free_schema(s);
}

static void test_base_line(void **state)
{
    (void)state;
    rd t;
    rd_open(&t, BASE, strlen(BASE), YB_FMT_JSONL); /* no newline at the end */
    assert_int_equal(next(&t), 1);
    check_base(t.c);
    assert_int_equal(next(&t), 0);
    rd_close(&t);
}

/* ------------------------------------------------------------------------ */
/* Errors: each bad record is followed by a good one, which must still read  */

typedef struct ecase {
    const char *from, *to, *field, *message;
} ecase;

static const ecase ecases[] = {
    {"\"enrolled_on\":\"2025-03-10\"", "\"enrolled_on\":\"2025-02-30\"", "member.enrolled_on",
     "a date YYYY-MM-DD was expected, found \"2025-02-30\""},
    {",\"enrolled_on\":\"2025-03-10\"", "", "member.enrolled_on", "required field missing"},
    {"\"enrolled_on\":\"2025-03-10\"", "\"enrolled_on\":null", "member.enrolled_on", "required field missing"},
    {"\"date\":\"2025-05-02\"", "\"date\":\"2025-5-2\"", "visit.date", "a date YYYY-MM-DD was expected, found \"2025-5-2\""},
    {"\"date\":\"2025-05-02\"", "\"date\":20250502", "visit.date", "a date YYYY-MM-DD was expected, found 20250502"},
    {"\"scheme\":\"resident\"", "\"scheme\":\"worker\"", "scheme", "one of employee, resident was expected, found \"worker\""},
    {"\"amount\":\"6500.00\"", "\"amount\":\"12.345\"", "items[1].amount",
     "money with at most two decimals was expected, found \"12.345\""},
    {"\"amount\":\"6500.00\"", "\"amount\":\"1e3\"", "items[1].amount", "money with at most two decimals was expected, found \"1e3\""},
    {"\"amount\":\"6500.00\"", "\"amount\":\"-5\"", "items[1].amount", "money with at most two decimals was expected, found \"-5\""},
    {"\"amount\":\"6500.00\"", "\"amount\":1.5e2", "items[1].amount", "money with at most two decimals was expected, found 1.5e2"},
    {"\"amount\":\"6500.00\"", "\"amount\":-5", "items[1].amount", "money with at most two decimals was expected, found -5"},
    {"\"amount\":\"6500.00\"", "\"amount\":\" 5\"", "items[1].amount", "money with at most two decimals was expected, found \" 5\""},
    {"\"amount\":\"6500.00\"", "\"amount\":\"10000000000000.01\"", "items[1].amount",
     "money of at most 10000000000000.00 was expected, found \"10000000000000.01\""},
    {"\"amount\":\"6500.00\"", "\"amount\":true", "items[1].amount", "money with at most two decimals was expected, found true"},
    /* counts (every int input): JSON integers from 0 to 2147483647 (docs/domain.md 12.18) */
    {"\"continuous_years\":1", "\"continuous_years\":3.0", "member.continuous_years",
     "an integer from 0 to 2147483647 was expected, found 3.0"},
    {"\"continuous_years\":1", "\"continuous_years\":\"3\"", "member.continuous_years",
     "an integer from 0 to 2147483647 was expected, found \"3\""},
    {"\"continuous_years\":1", "\"continuous_years\":-1", "member.continuous_years",
     "an integer from 0 to 2147483647 was expected, found -1"},
    {"\"continuous_years\":1", "\"continuous_years\":2147483648", "member.continuous_years",
     "an integer from 0 to 2147483647 was expected, found 2147483648"},
    {"\"continuous_years\":1", "\"continuous_years\":9223372036854775807", "member.continuous_years",
     "an integer from 0 to 2147483647 was expected, found 9223372036854775807"},
    {"\"continuous_years\":1", "\"continuous_years\":99999999999999999999", "member.continuous_years",
     "an integer from 0 to 2147483647 was expected, found 99999999999999999999"},
    {"\"level\":2", "\"level\":7", "visit.level",
     "one of primary, first, second, municipal, provincial (or the code 0, 1, 2, 3, 4) was expected, found 7"},
    {"\"level\":2", "\"level\":\"2\"", "visit.level",
     "one of primary, first, second, municipal, provincial (or the code 0, 1, 2, 3, 4) was expected, found \"2\""},
    {"\"level\":2", "\"level\":2.0", "visit.level",
     "one of primary, first, second, municipal, provincial (or the code 0, 1, 2, 3, 4) was expected, found 2.0"},
    {"\"level\":2,", "", "visit.level", "required field missing"},
    {"\"sex\":\"F\"", "\"sex\":\"F\",\"status\":\"retired\"", "member.status",
     "each key once was expected, found a second \"status\""},
    {"\"in_window\":false", "\"in_window\":\"false\"", "member.in_window", "true or false was expected, found \"false\""},
    {"\"in_window\":false", "\"in_window\":0", "member.in_window", "true or false was expected, found 0"},
    {"\"claim_id\":\"C-2025-000017\"", "\"claim_id\":17", "claim_id", "a string was expected, found 17"},
    {"\"claim_id\":\"C-2025-000017\"", "\"claim_id\":null", "claim_id", "required field missing"},
    {"\"claim_id\":\"C-2025-000017\"", "\"claim_id\":{\"a\":1}", "claim_id", "a string was expected, found an object"},
    {"\"scheme\":\"resident\"", "\"scheme\":\"resident\",\"ytd\":[1]", "ytd", "a JSON object was expected, found an array"},
    {"\"scheme\":\"resident\"", "\"scheme\":\"resident\",\"account_payer\":{\"relation\":\"spouse\"}",
     "account_payer.member_id", "required field missing"},
    {"\"scheme\":\"resident\"", "\"scheme\":\"resident\",\"account_payer\":{\"member_id\":\"M\",\"relation\":\"cousin\"}",
     "account_payer.relation",
     "one of self, spouse, parent, child, sibling, grandparent, grandchild, other was expected, found \"cousin\""},
    {"\"scheme\":\"resident\"", "\"scheme\":\"resident\",\"ytd\":{\"admissions\":1,\"admissions\":2}", "ytd.admissions",
     "each key once was expected, found a second \"admissions\""},
    {"{\"code\":\"XA01\",\"class\":\"A\",\"amount\":\"1500.00\"}", "5", "items[0]", "a JSON object was expected, found 5"},
    {"\"class\":\"A\"", "\"class\":\"D\"", "items[0].class", "one of A, B, C was expected, found \"D\""},
    {"\"code\":\"XA01\",", "", "items[0].code", "required field missing"},
    {ITEMS, "\"items\":[]", "items", "at least 1 element was expected, found 0"},
    {ITEMS, "\"items\":{}", "items", "a JSON array was expected, found an object"},
    {ITEMS, "\"items\":null", "items", "required field missing"},
    {"," ITEMS, "", "items", "required field missing"},
    {"\"member\":{", "\"member\":\"x\",\"m2\":{", "member", "a JSON object was expected, found \"x\""},
    {"\"member\":{", "\"member\":null,\"m2\":{", "member", "required field missing"},
    /* syntax errors: no field, a column */
    {"\"scheme\":\"resident\"", "\"scheme\":\"resident\",}", "", "a key string was expected, found '}' at column 82"},
    {"\"scheme\":\"resident\"", "\"scheme\" \"resident\"", "", "':' was expected, found '\"' at column 71"},
    {"\"scheme\":\"resident\"", "\"scheme\":\"resident\",\"x\":1.}", "", "a digit was expected, found '}' at column 88"},
    {"\"scheme\":\"resident\"", "\"scheme\":\"resident\",\"x\":01}", "", "',' or '}' was expected, found '1' at column 87"},
    {"\"scheme\":\"resident\"", "\"scheme\":\"resident\",\"x\":tru}", "", "a JSON value was expected, found 't' at column 86"},
    {"\"scheme\":\"resident\"", "\"scheme\":\"re\\qsident\"", "", "an escape \\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX was expected, found 'q' at column 75"},
    {"\"scheme\":\"resident\"", "\"scheme\":\"\\udc00\"", "", "a high surrogate before this low surrogate was expected, found '\\' at column 72"},
    {"\"scheme\":\"resident\"", "\"scheme\":\"\\ud800x\"", "", "a low surrogate \\uDC00-\\uDFFF was expected, found 'x' at column 78"},
    {"\"scheme\":\"resident\"", "\"scheme\":\"\\u12g4\"", "", "a hex digit of \\uXXXX was expected, found 'g' at column 76"},
    {"\"claim_id\":\"C-2025-000017\"", "\"claim_id\":\"C\xff\"", "", "valid UTF-8 was expected, found byte 0xFF at column 15"},
    {"\"claim_id\":\"C-2025-000017\"", "\"claim_id\":\"C\xc0\xaf\"", "", "valid UTF-8 was expected, found byte 0xC0 at column 15"},
    {"\"claim_id\":\"C-2025-000017\"", "\"claim_id\":\"C\xed\xa0\x80\"", "", "valid UTF-8 was expected, found byte 0xED at column 15"},
    {"\"claim_id\":\"C-2025-000017\"", "\"claim_id\":\"C\tD\"", "", "an escape (\\u00XX) for a control character was expected, found byte 0x09 at column 15"},
    /* a field the schema does not have is skipped, but the line is UTF-8 throughout (spec.md
       Appendix B): a bad byte in its value or its name is an error too (张 is 3 bytes) */
    {"\"claim_id\":\"C-2025-000017\"", "\"claim_id\":\"C-2025-000017\",\"name\":\"\xe5\xbc\xa0\xff\"", "",
     "valid UTF-8 was expected, found byte 0xFF at column 40"},
    {"\"claim_id\":\"C-2025-000017\"", "\"claim_id\":\"C-2025-000017\",\"na\xffme\":1", "",
     "valid UTF-8 was expected, found byte 0xFF at column 32"},
    {"\"claim_id\":\"C-2025-000017\"", "\"claim_id\":\"C-2025-000017\" x", "", "',' or '}' was expected, found 'x' at column 29"},
};

static void test_errors_then_good(void **state)
{
    (void)state;
    size_t cap = 1 << 16, len = 0;
    char *all = malloc(cap);
    for (size_t i = 0; i < sizeof ecases / sizeof ecases[0]; i++) {
        char *bad = with(ecases[i].from, ecases[i].to);
        size_t need = strlen(bad) + strlen(BASE) + 2;
        if (len + need > cap) all = realloc(all, cap = 2 * (len + need));
        len += (size_t)sprintf(all + len, "%s\n%s\n", bad, BASE);
        free(bad);
    }
    rd t;
    rd_open(&t, all, len, YB_FMT_JSONL);
    for (size_t i = 0; i < sizeof ecases / sizeof ecases[0]; i++) {
        int k = next(&t);
        if (k != -1 || strcmp(t.err.field, ecases[i].field) != 0 || strcmp(t.err.message, ecases[i].message) != 0)
            fail_msg("case %zu (%s -> %s): got %d, field '%s', message '%s'", i, ecases[i].from, ecases[i].to, k,
                     t.err.field, t.err.message);
        assert_int_equal(t.err.line, (long)(2 * i + 1));
        assert_int_equal(next(&t), 1);
        assert_int_equal(t.c->line, (long)(2 * i + 2));
        check_base(t.c);
    }
    assert_int_equal(next(&t), 0);
    assert_int_equal(yb_reader_records(t.r), (long)(2 * (sizeof ecases / sizeof ecases[0])));
    rd_close(&t);
    free(all);
}

static void test_syntax_errors(void **state)
{
    (void)state;
    /* the example message of the brief */
    static const char in[] =
        "{\"x\":1,\"member\":\n"
        "[1,2]\n"
        "{\"claim_id\":\"abc\n"
        "   {  \n"
        "\"just a string\"\n"
        "{\"claim_id\":\"a\0b\"}\n"
        "}\n";
    rd t;
    rd_open(&t, in, sizeof in - 1, YB_FMT_JSONL);
    expect_error(&t, 1, "", "a JSON object was expected, found end of line at column 17");
    expect_error(&t, 2, "", "a JSON object was expected, found '[' at column 1");
    expect_error(&t, 3, "", "a closing '\"' was expected, found end of line at column 17");
    expect_error(&t, 4, "", "a key string was expected, found end of line at column 7");
    expect_error(&t, 5, "", "a JSON object was expected, found '\"' at column 1");
    expect_error(&t, 6, "", "an escape (\\u00XX) for a control character was expected, found byte 0x00 at column 15");
    expect_error(&t, 7, "", "a JSON object was expected, found '}' at column 1");
    assert_int_equal(next(&t), 0);
    assert_int_equal(yb_reader_records(t.r), 7);
    rd_close(&t);
}

static void test_deep_nesting(void **state)
{
    (void)state;
    /* an unknown key holding 100 nested arrays, then 63 (allowed) */
    char *line = with("\"scheme\":\"resident\"", "\"scheme\":\"resident\",\"deep\":XXXX");
    size_t n = strlen(line);
    char *deep = malloc(n + 400), *ok = malloc(n + 400);
    char *at = strstr(line, "XXXX");
    size_t a = (size_t)(at - line);
    memcpy(deep, line, a);
    memcpy(ok, line, a);
    size_t o = a;
    for (int i = 0; i < 100; i++) deep[o++] = '[';
    for (int i = 0; i < 100; i++) deep[o++] = ']';
    strcpy(deep + o, at + 4);
    o = a;
    for (int i = 0; i < 62; i++) ok[o++] = '[';
    for (int i = 0; i < 62; i++) ok[o++] = ']';
    strcpy(ok + o, at + 4);
    size_t tot = strlen(deep) + strlen(ok) + 3;
    char *in = malloc(tot);
    snprintf(in, tot, "%s\n%s\n", deep, ok);
    rd t;
    rd_open(&t, in, strlen(in), YB_FMT_JSONL);
    char msg[128];
    snprintf(msg, sizeof msg, "at most 64 levels of nesting were expected, found more at column %zu", a + 63 + 1);
    expect_error(&t, 1, "", msg);
    assert_int_equal(next(&t), 1);
    check_base(t.c);
    assert_int_equal(next(&t), 0);
    rd_close(&t);
    free(line);
    free(deep);
    free(ok);
    free(in);
}

/* ------------------------------------------------------------------------ */
/* Good variants                                                             */

static void test_good_variants(void **state)
{
    (void)state;
    char *a = with("\"amount\":\"1500.00\"", "\"amount\":12.5,\"qty\":3,\"capitated\":true,\"unknown\":{\"deep\":[1,{\"x\":null},[\"a\\\"b\"],-1.5e-3,true,false]}");
    char *b = with("\"level\":2", "\"level\":\"provincial\",\"extra\":[]");
    char *c = with("\"claim_id\":\"C-2025-000017\"", "\"\\u0063laim_id\":\"\\u00e9\\ud83d\\ude00\\n\\\"\\\\\\/\\t\"");
    char *d = with("\"amount\":\"6500.00\"", "\"amount\":\"10000000000000.00\"");
    char *e = with("\"scheme\":\"resident\"",
                   "\"scheme\" : \"employee\" , \"account_payer\" : { \"member_id\" : \"M-9\" , \"relation\" : \"other\" , \"balance\" : 0.5 } ,"
                   " \"ytd\" : { \"admissions\" : 2, \"basic_paid\" : \"100.1\" }, \"sex\":\"\xe5\xa5\xb3\"");
    char *f = with("\"sex\":\"F\"", "\"sex\":null,\"account_balance\":7");
    char in[8192];
    snprintf(in, sizeof in, "%s\n%s\n%s\n%s\n%s\n%s\n", a, b, c, d, e, f);
    rd t;
    rd_open(&t, in, strlen(in), YB_FMT_JSONL);

    assert_int_equal(next(&t), 1);
    assert_int_equal(iget(t.c, 0, "amount"), 1250);
    assert_int_equal(iget(t.c, 0, "qty"), 3);
    assert_int_equal(iget(t.c, 0, "capitated"), 1);
    assert_int_equal(iget(t.c, 1, "capitated"), 0);

    assert_int_equal(next(&t), 1);
    assert_int_equal(get(t.c, "visit.level"), 4);

    assert_int_equal(next(&t), 1);
    TEXT_IS(t.c, get(t.c, "claim_id"), "\xc3\xa9\xf0\x9f\x98\x80\n\"\\/\t");

    assert_int_equal(next(&t), 1);
    assert_int_equal(iget(t.c, 1, "amount"), 1000000000000000LL);

    assert_int_equal(next(&t), 1);
    assert_int_equal(get(t.c, "scheme"), 0);
    assert_int_equal(get(t.c, "account_payer"), 1);
    TEXT_IS(t.c, get(t.c, "account_payer.member_id"), "M-9");
    assert_int_equal(get(t.c, "account_payer.relation"), 7);
    assert_int_equal(get(t.c, "account_payer.balance"), 50);
    assert_int_equal(get(t.c, "ytd"), 1);
    assert_int_equal(get(t.c, "ytd.admissions"), 2);
    assert_int_equal(get(t.c, "ytd.basic_paid"), 10010);
    assert_int_equal(get(t.c, "ytd.large_paid"), 0);
    assert_int_equal(get(t.c, "member.sex"), 0); /* the unknown root key "sex" is skipped */

    assert_int_equal(next(&t), 1);
    assert_false(has(t.c, "member.sex"));
    assert_int_equal(get(t.c, "member.account_balance"), 700);

    assert_int_equal(next(&t), 0);
    rd_close(&t);
    free(a);
    free(b);
    free(c);
    free(d);
    free(e);
    free(f);
}

/* Keys in another order, keys that look like known ones, escaped and spaced
 * keys: the reader predicts the next key from the last line, and must never
 * take a prediction for a match it is not. */
static void test_key_order(void **state)
{
    (void)state;
    char *rev = with("\"member\":{\"status\":\"resident\",\"sex\":\"F\",\"birth_date\":\"1990-01-01\",\"enrolled_on\":\"2025-03-10\","
                     "\"in_window\":false,\"continuous_years\":1,\"gap_years\":0,\"backpaid_years\":0,"
                     "\"zero_reimbursement_years\":0,\"assistance\":\"none\"}",
                     "\"member\":{\"assistance\":\"none\",\"zero_reimbursement_years\":0,\"backpaid_years\":0,\"gap_years\":0,"
                     "\"continuous_years\":1,\"in_window\":false,\"enrolled_on\":\"2025-03-10\",\"birth_date\":\"1990-01-01\","
                     "\"sex\":\"F\",\"status\":\"resident\"}");
    char *look = with("\"date\":\"2025-05-02\"",
                      "\"date_extra\":\"2020-01-01\",\"dat\":1,\"\\u0064ate\" : \"2025-05-02\",\"discharged_on_x\":null");
    char *spaced = with("\"kind\":\"inpatient\",\"date\":\"2025-05-02\"", "\"kind\"\t:\"inpatient\" ,\r\"date\" :\"2025-05-02\"");
    char *dup = with("\"gap_years\":0", "\"gap_years\":0,\"gap_years\":0");
    char in[16384];
    snprintf(in, sizeof in, "%s\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n", BASE, rev, BASE, look, BASE, spaced, dup, rev);
    rd t;
    rd_open(&t, in, strlen(in), YB_FMT_JSONL);
    for (int i = 0; i < 6; i++) {
        if (next(&t) != 1) fail_msg("line %d: %s: %s", i + 1, t.err.field, t.err.message);
        check_base(t.c);
    }
    expect_error(&t, 7, "member.gap_years", "each key once was expected, found a second \"gap_years\"");
    assert_int_equal(next(&t), 1);
    check_base(t.c);
    assert_int_equal(next(&t), 0);
    rd_close(&t);
    free(rev);
    free(look);
    free(spaced);
    free(dup);
}

static void test_dates(void **state)
{
    (void)state;
    static const struct { const char *text; int y, m, d; } cases[] = {
        {"2024-02-29", 2024, 2, 29}, {"2000-02-29", 2000, 2, 29}, {"0001-01-01", 1, 1, 1}, {"9999-12-31", 9999, 12, 31},
        {"2025-02-29", 0, 0, 0},     {"1900-02-29", 0, 0, 0},     {"0000-01-01", 0, 0, 0}, {"2025-04-31", 0, 0, 0},
        {"2025-13-01", 0, 0, 0},     {"2025-00-10", 0, 0, 0},     {"2025-01-00", 0, 0, 0}, {"2025-1a-01", 0, 0, 0},
        {"2025/01/01", 0, 0, 0},     {"2025-01-011", 0, 0, 0},    {"", 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char to[64];
        snprintf(to, sizeof to, "\"birth_date\":\"%s\"", cases[i].text);
        char *line = with("\"birth_date\":\"1990-01-01\"", to);
        rd t;
        rd_open(&t, line, strlen(line), YB_FMT_JSONL);
        if (cases[i].y) {
            assert_int_equal(next(&t), 1);
            assert_int_equal(get(t.c, "member.birth_date"), yb_date_from_ymd(cases[i].y, cases[i].m, cases[i].d));
        } else {
            char msg[96];
            snprintf(msg, sizeof msg, "a date YYYY-MM-DD was expected, found \"%s\"", cases[i].text);
            expect_error(&t, 1, "member.birth_date", msg);
        }
        rd_close(&t);
        free(line);
    }
}

static void test_blank_lines_and_crlf(void **state)
{
    (void)state;
    size_t n = strlen(BASE);
    char *in = malloc(4 * n + 64);
    size_t o = 0;
    o += (size_t)sprintf(in + o, "\n   \t \r\n%s\r\n\r\n", BASE); /* lines 1-2 blank, 3 claim, 4 blank */
    o += (size_t)sprintf(in + o, "  %s  \n", BASE);              /* line 5 */
    o += (size_t)sprintf(in + o, "\xEF\xBB\xBF%s\n", BASE);       /* line 6: a BOM is only skipped on line 1 */
    o += (size_t)sprintf(in + o, "%s\r", BASE);                  /* line 7, at EOF, CR stripped */
    rd t;
    rd_open(&t, in, o, YB_FMT_JSONL);
    assert_int_equal(next(&t), 1);
    assert_int_equal(t.c->line, 3);
    check_base(t.c);
    assert_int_equal(next(&t), 1);
    assert_int_equal(t.c->line, 5);
    expect_error(&t, 6, "", "a JSON object was expected, found byte 0xEF at column 1");
    assert_int_equal(next(&t), 1);
    assert_int_equal(t.c->line, 7);
    check_base(t.c);
    assert_int_equal(next(&t), 0);
    assert_int_equal(yb_reader_records(t.r), 4);
    rd_close(&t);

    /* a BOM on line 1 is skipped */
    o = (size_t)sprintf(in, "\xEF\xBB\xBF%s\n", BASE);
    rd_open(&t, in, o, YB_FMT_JSONL);
    assert_int_equal(next(&t), 1);
    check_base(t.c);
    rd_close(&t);

    /* empty input, and input of blank lines only */
    rd_open(&t, "", 0, YB_FMT_JSONL);
    assert_int_equal(next(&t), 0);
    assert_int_equal(yb_reader_records(t.r), 0);
    rd_close(&t);
    rd_open(&t, "\n \n\r\n\t", 6, YB_FMT_JSONL);
    assert_int_equal(next(&t), 0);
    assert_int_equal(yb_reader_records(t.r), 0);
    rd_close(&t);
    free(in);
}

/* Lines far longer than the input block: 20,000 items (about 1.4 MB). */
static void test_long_lines(void **state)
{
    (void)state;
    enum { NITEMS = 20000 };
    size_t cap = (size_t)NITEMS * 100 + 4096, o = 0;
    char *in = malloc(3 * cap);
    for (int rep = 0; rep < 2; rep++) {
        const char *head = strstr(BASE, "\"items\":[");
        size_t hl = (size_t)(head - BASE) + 9;
        memcpy(in + o, BASE, hl);
        o += hl;
        for (int i = 0; i < NITEMS; i++)
            o += (size_t)sprintf(in + o, "%s{\"code\":\"C%05d\",\"class\":\"C\",\"amount\":\"%d.%02d\",\"note\":\"padding-padding\"}",
                                 i ? "," : "", i, i, i % 100);
        o += (size_t)sprintf(in + o, "]}%s", rep == 0 ? "\n" : "");
        if (rep == 0) o += (size_t)sprintf(in + o, "%s\n", BASE);
    }
    rd t;
    rd_open(&t, in, o, YB_FMT_JSONL);
    for (int rep = 0; rep < 2; rep++) {
        assert_int_equal(next(&t), 1);
        assert_int_equal(t.c->lists[0].count, NITEMS);
        TEXT_IS(t.c, iget(t.c, NITEMS - 1, "code"), "C19999");
        assert_int_equal(iget(t.c, NITEMS - 1, "amount"), 1999999);
        assert_int_equal(iget(t.c, 12345, "amount"), 1234545);
        assert_int_equal(iget(t.c, 12345, "class"), 2);
        if (rep == 0) {
            assert_int_equal(next(&t), 1);
            check_base(t.c);
        }
    }
    assert_int_equal(next(&t), 0);
    assert_int_equal(yb_reader_records(t.r), 3);
    rd_close(&t);
    free(in);
}

/* ------------------------------------------------------------------------ */
/* CSV                                                                       */

#define CSV_HEADER                                                                                               \
    "claim_id,member_id,scheme,member_status,member_sex,member_enrolled_on,member_in_window,visit_kind,"         \
    "visit_date,visit_level,visit_institution_id,item_code,item_class,item_amount,item_limit,"                   \
    "account_payer_member_id,account_payer_relation,ytd_admissions,note"

static void test_csv(void **state)
{
    (void)state;
    static const char in[] =
        CSV_HEADER "\n"
        "C-1,M-1,employee,in_service,M,2024-01-01,,outpatient,2025-01-05,0,\"H,1\",X1,A,10.00,,,,,whatever\n"
        "C-1,M-1,employee,in_service,M,2024-01-01,,outpatient,2025-01-05,0,\"H,1\",\"X\"\"2\",C,5,8.5,,,,\r\n"
        "\r\n"
        "\"C-2\",M-2,resident,resident,F,2023-06-30,false,inpatient,2025-02-01,second,\"H\n2\",X3,B,0.01,,M-1,spouse,2,\"a \"\"b\"\"\"\r\n"
        "C-3,M-3,resident,newborn,,2025-01-01,true,maternity,2025-03-01,4,,,,,,,,,\n";
    rd t;
    rd_open(&t, in, sizeof in - 1, YB_FMT_CSV);

    assert_int_equal(next(&t), 1);
    yb_claim *c = t.c;
    assert_int_equal(c->line, 2);
    TEXT_IS(c, get(c, "claim_id"), "C-1");
    TEXT_IS(c, get(c, "member_id"), "M-1");
    assert_int_equal(get(c, "scheme"), 0);
    assert_int_equal(get(c, "member"), 1);
    assert_int_equal(get(c, "member.status"), 0);
    assert_int_equal(get(c, "member.sex"), 1);
    assert_int_equal(get(c, "member.enrolled_on"), yb_date_from_ymd(2024, 1, 1));
    assert_int_equal(get(c, "member.in_window"), 1); /* empty cell: default */
    assert_int_equal(get(c, "member.continuous_years"), 0);
    assert_false(has(c, "member.birth_date"));
    assert_int_equal(get(c, "visit.kind"), 1);
    assert_int_equal(get(c, "visit.date"), yb_date_from_ymd(2025, 1, 5));
    assert_int_equal(get(c, "visit.level"), 0);
    TEXT_IS(c, get(c, "visit.institution_id"), "H,1");
    assert_int_equal(get(c, "visit.designated"), 1);
    assert_int_equal(c->lists[0].count, 2);
    TEXT_IS(c, iget(c, 0, "code"), "X1");
    assert_int_equal(iget(c, 0, "class"), 0);
    assert_int_equal(iget(c, 0, "amount"), 1000);
    assert_false(ihas(c, 0, "limit"));
    assert_int_equal(iget(c, 0, "capitated"), 0);
    TEXT_IS(c, iget(c, 1, "code"), "X\"2");
    assert_int_equal(iget(c, 1, "class"), 2);
    assert_int_equal(iget(c, 1, "amount"), 500);
    assert_int_equal(iget(c, 1, "limit"), 850);
    assert_int_equal(get(c, "account_payer"), 0);
    assert_false(has(c, "account_payer.member_id"));
    assert_int_equal(get(c, "ytd"), 0);
    assert_int_equal(get(c, "ytd.admissions"), 0);

    assert_int_equal(next(&t), 1);
    assert_int_equal(c->line, 5);
    TEXT_IS(c, get(c, "claim_id"), "C-2");
    assert_int_equal(get(c, "scheme"), 1);
    assert_int_equal(get(c, "member.status"), 4);
    assert_int_equal(get(c, "member.sex"), 0);
    assert_int_equal(get(c, "member.in_window"), 0);
    assert_int_equal(get(c, "visit.level"), 2);
    TEXT_IS(c, get(c, "visit.institution_id"), "H\n2");
    assert_int_equal(c->lists[0].count, 1);
    assert_int_equal(iget(c, 0, "amount"), 1);
    assert_int_equal(get(c, "account_payer"), 1);
    TEXT_IS(c, get(c, "account_payer.member_id"), "M-1");
    assert_int_equal(get(c, "account_payer.relation"), 1);
    assert_false(has(c, "account_payer.balance"));
    assert_int_equal(get(c, "ytd"), 1);
    assert_int_equal(get(c, "ytd.admissions"), 2);
    assert_int_equal(get(c, "ytd.basic_paid"), 0);

    /* a claim whose only row has no item: items required -> error on its line */
    expect_error(&t, 7, "items", "required field missing");
    assert_int_equal(next(&t), 0);
    assert_int_equal(yb_reader_records(t.r), 3);
    rd_close(&t);
}

static void test_csv_errors(void **state)
{
    (void)state;
    rd t;
    /* no known column */
    rd_open(&t, "a,b,c\n1,2,3\n", 12, YB_FMT_CSV);
    expect_error(&t, 1, "", "a header naming the claim's columns (claim_id, ...) was expected, found none of them");
    assert_int_equal(next(&t), 0);
    assert_int_equal(next(&t), 0);
    assert_int_equal(yb_reader_records(t.r), 1);
    rd_close(&t);
    /* a duplicated column */
    rd_open(&t, "\n\nclaim_id,x,claim_id\n1,2,3\n", 27, YB_FMT_CSV);
    expect_error(&t, 3, "", "each column once was expected, found \"claim_id\" in columns 1 and 3");
    assert_int_equal(next(&t), 0);
    rd_close(&t);
    /* empty input */
    rd_open(&t, "", 0, YB_FMT_CSV);
    assert_int_equal(next(&t), 0);
    rd_close(&t);

    static const char in[] =
        CSV_HEADER "\n"
        /* claim A (lines 2-3): a bad amount on its second row */
        "A,M,employee,in_service,M,2024-01-01,,outpatient,2025-01-05,0,,X1,A,1.00,,,,,\n"
        "A,M,employee,in_service,M,2024-01-01,,outpatient,2025-01-05,0,,X2,A,1.001,,,,,\n"
        /* claim B (lines 4-6): a short row in the middle; the rest of B is consumed */
        "B,M,employee,in_service,M,2024-01-01,,outpatient,2025-01-05,0,,X1,A,1.00,,,,,\n"
        "B,M,employee\n"
        "B,M,employee,in_service,M,2024-01-01,,outpatient,2025-01-05,0,,X1,A,1.00,,,,,\n"
        /* claim C (line 7): good */
        "C,M,employee,in_service,M,2024-01-01,,outpatient,2025-01-05,1,,X1,A,2.00,,,,,\n"
        /* claim D (line 8): a stray quote */
        "D,M,employee,in_service,M,2024-01-01,,outpatient,2025-01-05,0,H\"1,X1,A,1.00,,,,,\n"
        /* claim E (line 9): junk after a closing quote */
        "E,M,employee,in_service,M,2024-01-01,,outpatient,2025-01-05,0,\"H\"x,X1,A,1.00,,,,,\n"
        /* claim F (line 10): bad enum, bad bool, bad int: the first one is reported */
        "F,M,employee,worker,M,2024-01-01,yes,outpatient,2025-01-05,0,,X1,A,1.00,,,,-1,\n"
        /* claim G (line 11): a bad level code, the account payer without member_id */
        "G,M,employee,in_service,M,2024-01-01,,outpatient,2025-01-05,9,,X1,A,1.00,,,,,\n"
        "H,M,employee,in_service,M,2024-01-01,,outpatient,2025-01-05,0,,X1,A,1.00,,,spouse,,\n"
        /* claim I (line 13): good, then an unterminated quote (line 14) */
        "I,M,employee,in_service,M,2024-01-01,,outpatient,2025-01-05,3,,X1,A,1.00,,,,,\n"
        "J,M,employee,in_service,M,2024-01-01,,outpatient,2025-01-05,0,\"H,X1,A,1.00,,,,,\n"
        "K,M,employee\n";
    rd_open(&t, in, sizeof in - 1, YB_FMT_CSV);
    expect_error(&t, 2, "items[1].amount", "money with at most two decimals was expected, found \"1.001\"");
    expect_error(&t, 4, "", "19 cells (as in the header) were expected, found 3 on line 5");
    assert_int_equal(next(&t), 1);
    assert_int_equal(t.c->line, 7);
    TEXT_IS(t.c, get(t.c, "claim_id"), "C");
    assert_int_equal(get(t.c, "visit.level"), 1);
    assert_int_equal(iget(t.c, 0, "amount"), 200);
    expect_error(&t, 8, "", "a cell without '\"' (or one quoted whole) was expected, found '\"' inside an unquoted cell on line 8");
    expect_error(&t, 9, "", "',' or the end of the row after a closing '\"' was expected, found 'x' on line 9");
    expect_error(&t, 10, "member.status",
                 "one of in_service, retired, flexible, pool_only, resident, student, newborn was expected, found \"worker\"");
    expect_error(&t, 11, "visit.level",
                 "one of primary, first, second, municipal, provincial (or the code 0, 1, 2, 3, 4) was expected, found \"9\"");
    expect_error(&t, 12, "account_payer.member_id", "required field missing");
    assert_int_equal(next(&t), 1);
    assert_int_equal(t.c->line, 13);
    assert_int_equal(get(t.c, "visit.level"), 3);
    /* J's quote never closes: J is an error, and reading resumes on the next line (K) */
    expect_error(&t, 14, "", "a closing '\"' was expected, found the end of the input (the quote opened on line 14); reading resumes on line 15");
    expect_error(&t, 15, "", "19 cells (as in the header) were expected, found 3 on line 15");
    assert_int_equal(next(&t), 0);
    assert_int_equal(yb_reader_records(t.r), 11);
    rd_close(&t);
}

/* Robustness #6: the claim's own columns of its second and later rows were
 * never read; now they must agree with its first row (same text). */
static void test_csv_claim_columns_agree(void **state)
{
    (void)state;
    static const char in[] =
        CSV_HEADER "\n"
        /* claim A (lines 2-3): another member_id on its second row */
        "A,M-1,employee,in_service,M,2024-01-01,,outpatient,2025-01-05,0,,X1,A,1.00,,,,,\n"
        "A,M-2,employee,in_service,M,2024-01-01,,outpatient,2025-01-05,0,,X2,A,2.00,,,,,\n"
        /* claim B (lines 4-5): an invalid visit_date on its second row */
        "B,M-1,employee,in_service,M,2024-01-01,,outpatient,2025-01-05,0,,X1,A,1.00,,,,,\n"
        "B,M-1,employee,in_service,M,2024-01-01,,outpatient,2025-13-45,0,,X2,A,2.00,,,,,\n"
        /* claim C (lines 6-8): a cell left empty on its third row */
        "C,M-1,employee,in_service,M,2024-01-01,true,outpatient,2025-01-05,0,,X1,A,1.00,,,,,\n"
        "C,M-1,employee,in_service,M,2024-01-01,true,outpatient,2025-01-05,0,,X2,A,2.00,,,,,\n"
        "C,M-1,employee,in_service,M,2024-01-01,,outpatient,2025-01-05,0,,X3,A,3.00,,,,,\n"
        /* claim D (lines 9-10): rows that agree, quoted or not; a column not in
           the schema (note) may differ */
        "D,M-1,employee,in_service,M,2024-01-01,,outpatient,2025-01-05,0,\"H,1\",X1,A,1.00,,,,,a\n"
        "D,\"M-1\",employee,in_service,M,2024-01-01,,outpatient,2025-01-05,0,\"H,1\",X2,A,2.00,,,,,b\n";
    rd t;
    rd_open(&t, in, sizeof in - 1, YB_FMT_CSV);
    expect_error(&t, 2, "member_id",
                 "the first row's member_id, \"M-1\" (line 2), on every row of the claim was expected, found \"M-2\" on line 3");
    expect_error(&t, 4, "visit.date",
                 "the first row's visit_date, \"2025-01-05\" (line 4), on every row of the claim was expected, found \"2025-13-45\" on line 5");
    expect_error(&t, 6, "member.in_window",
                 "the first row's member_in_window, \"true\" (line 6), on every row of the claim was expected, found \"\" on line 8");
    assert_int_equal(next(&t), 1);
    assert_int_equal(t.c->line, 9);
    assert_int_equal(t.c->lists[0].count, 2);
    TEXT_IS(t.c, get(t.c, "visit.institution_id"), "H,1");
    assert_int_equal(next(&t), 0);
    assert_int_equal(yb_reader_records(t.r), 4);
    rd_close(&t);
}

/* Robustness #11: consecutive rows with an empty claim_id compared their keys
 * with memcmp(p, NULL, 0).  An empty key names no claim: each such row is a
 * claim of its own (claim_id is then missing). */
static void test_csv_empty_key(void **state)
{
    (void)state;
    static const char in[] =
        CSV_HEADER "\n"
        ",M-1,employee,in_service,M,2024-01-01,,outpatient,2025-01-05,0,,X1,A,1.00,,,,,\n"
        ",M-1,employee,in_service,M,2024-01-01,,outpatient,2025-01-05,0,,X2,A,2.00,,,,,\n"
        "\"\",M-1,employee,in_service,M,2024-01-01,,outpatient,2025-01-05,0,,X2,A,2.00,,,,,\n";
    rd t;
    rd_open(&t, in, sizeof in - 1, YB_FMT_CSV);
    expect_error(&t, 2, "claim_id", "required field missing");
    expect_error(&t, 3, "claim_id", "required field missing");
    expect_error(&t, 4, "claim_id", "required field missing");
    assert_int_equal(next(&t), 0);
    rd_close(&t);
}

/* Robustness #8: a record may not buffer without bound (--max-record), and a
 * quoted CSV cell may not run past it: each is an error of its own, and the
 * rest of the input is still read. */
static void test_max_record(void **state)
{
    (void)state;
    static const char row[] = "A,M,employee,in_service,M,2024-01-01,,outpatient,2025-01-05,0,,X1,A,1.00,,,,,\n";
    enum { NROWS = 4000 }; /* more than the first block read (256 KiB) after the open quote */
    size_t cap = (NROWS + 10) * sizeof row + 4096, n = 0;
    char *in = malloc(cap);
    assert_non_null(in);
    n += (size_t)snprintf(in + n, cap - n, "%s\n%s", CSV_HEADER, row);
    /* line 3: a quote opened and not closed within 1000 bytes */
    n += (size_t)snprintf(in + n, cap - n, "B,M,employee,in_service,M,2024-01-01,,outpatient,2025-01-05,0,\"H,X1,A,1.00,,,,,\n");
    for (int k = 0; k < NROWS; k++) n += (size_t)snprintf(in + n, cap - n, "%s", row);
    /* line 4004: a plain row of about 2000 bytes */
    n += (size_t)snprintf(in + n, cap - n, "C,M,employee,in_service,M,2024-01-01,,outpatient,2025-01-05,0,");
    for (int k = 0; k < 2000; k++) in[n++] = 'h';
    n += (size_t)snprintf(in + n, cap - n, ",X1,A,1.00,,,,,\nD%s", row + 1);
    /* line 4006: a quote that the end of the input finds open */
    n += (size_t)snprintf(in + n, cap - n, "E,M,employee,in_service,M,2024-01-01,,outpatient,2025-01-05,0,\"H,X1,A,1.00,,,,,\n");
    yb_schema *s = std_schema();
    yb_claim *c = yb_claim_new(s);
    FILE *f = stream(in, n);
    yb_reader_opts o = {.max_record = 1000, .strict = false};
    yb_reader *r = yb_reader_open_opts(s, f, "t", YB_FMT_CSV, &o, NULL, 0);
    yb_record_error err;
    assert_int_equal(yb_reader_next(r, c, &err), 1);
    assert_int_equal(c->line, 2);
    assert_int_equal(yb_reader_next(r, c, &err), -1);
    assert_int_equal(err.line, 3);
    assert_string_equal(err.message, "a closing '\"' within 1000 bytes (--max-record) was expected, found none "
                                     "(the quote opened on line 3); reading resumes on line 4");
    /* lines 4-4003, which the open quote had taken in: rows of claim A again, one claim */
    assert_int_equal(yb_reader_next(r, c, &err), 1);
    assert_int_equal(c->line, 4);
    assert_int_equal(c->lists[0].count, NROWS);
    assert_int_equal(yb_reader_next(r, c, &err), -1);
    assert_int_equal(err.line, 4004);
    assert_string_equal(err.message, "a row of at most 1000 bytes (--max-record) was expected, found a longer one; "
                                     "reading resumes on the next line");
    assert_int_equal(yb_reader_next(r, c, &err), 1);
    assert_int_equal(c->line, 4005);
    assert_int_equal(yb_reader_next(r, c, &err), -1);
    assert_int_equal(err.line, 4006);
    assert_string_equal(err.message, "a closing '\"' was expected, found the end of the input (the quote opened on line "
                                     "4006); reading resumes on line 4007");
    assert_int_equal(yb_reader_next(r, c, &err), 0);
    assert_int_equal(yb_reader_records(r), 6);
    yb_reader_close(r);
    fclose(f);

    /* JSON Lines: a line of 300 KiB (past the first block) between two claims */
    n = (size_t)snprintf(in, cap, "%s\n{\"note\":\"", BASE);
    while (n < 300 * 1024) in[n++] = 'x';
    n += (size_t)snprintf(in + n, cap - n, "\"}\n%s\n", BASE);
    f = stream(in, n);
    r = yb_reader_open_opts(s, f, "t", YB_FMT_JSONL, &o, NULL, 0);
    assert_int_equal(yb_reader_next(r, c, &err), 1);
    assert_int_equal(yb_reader_next(r, c, &err), -1);
    assert_int_equal(err.line, 2);
    assert_string_equal(err.message, "a record of at most 1000 bytes (--max-record) was expected, found a longer one; "
                                     "reading resumes on the next line");
    assert_int_equal(yb_reader_next(r, c, &err), 1);
    assert_int_equal(c->line, 3);
    check_base(c);
    assert_int_equal(yb_reader_next(r, c, &err), 0);
    yb_reader_close(r);
    fclose(f);
    yb_claim_free(c);
    free_schema(s);
    free(in);
}

/* Robustness: counts (every int input, the input language having no other
 * kind of count) are integers from 0 to 2,147,483,647 in JSON and in CSV. */
static void test_counts(void **state)
{
    (void)state;
    char *good = with("\"continuous_years\":1", "\"continuous_years\":2147483647");
    char *bad = with("\"continuous_years\":1", "\"continuous_years\":2147483648");
    char in[4096];
    size_t n = (size_t)snprintf(in, sizeof in, "%s\n%s\n", good, bad);
    rd t;
    rd_open(&t, in, n, YB_FMT_JSONL);
    assert_int_equal(next(&t), 1);
    assert_int_equal(get(t.c, "member.continuous_years"), 2147483647);
    expect_error(&t, 2, "member.continuous_years", "an integer from 0 to 2147483647 was expected, found 2147483648");
    assert_int_equal(next(&t), 0);
    rd_close(&t);
    free(good);
    free(bad);

    static const char csv[] =
        CSV_HEADER "\n"
        "A,M,employee,in_service,M,2024-01-01,,outpatient,2025-01-05,0,,X1,A,1.00,,,,2147483647,\n"
        "B,M,employee,in_service,M,2024-01-01,,outpatient,2025-01-05,0,,X1,A,1.00,,,,2147483648,\n";
    rd_open(&t, csv, sizeof csv - 1, YB_FMT_CSV);
    assert_int_equal(next(&t), 1);
    assert_int_equal(get(t.c, "ytd.admissions"), 2147483647);
    expect_error(&t, 3, "ytd.admissions", "an integer from 0 to 2147483647 was expected, found \"2147483648\"");
    assert_int_equal(next(&t), 0);
    rd_close(&t);
}

/* Robustness #12: unknown keys and columns are ignored, so a typo (`limt`)
 * silently drops a price limit.  Under --strict each is an error, with the
 * name most likely meant. */
static void test_strict(void **state)
{
    (void)state;
    char *typo = with("\"limit\":\"7000.00\"", "\"limt\":\"7000.00\"");
    char *extra = with("\"scheme\":\"resident\"", "\"scheme\":\"resident\",\"note\":{\"a\":[1]}");
    char in[8192];
    size_t n = (size_t)snprintf(in, sizeof in, "%s\n%s\n%s\n", typo, extra, BASE);
    for (int strict = 0; strict <= 1; strict++) {
        yb_schema *s = std_schema();
        yb_claim *c = yb_claim_new(s);
        FILE *f = stream(in, n);
        yb_reader_opts o = {.max_record = 0, .strict = strict};
        yb_reader *r = yb_reader_open_opts(s, f, "t", YB_FMT_JSONL, &o, NULL, 0);
        yb_record_error err;
        if (!strict) { /* the limit is silently lost: what --strict is for */
            assert_int_equal(yb_reader_next(r, c, &err), 1);
            assert_false(ihas(c, 1, "limit"));
            assert_int_equal(yb_reader_next(r, c, &err), 1);
        } else {
            assert_int_equal(yb_reader_next(r, c, &err), -1);
            assert_int_equal(err.line, 1);
            assert_string_equal(err.field, "items[1].limt");
            assert_string_equal(err.message, "not a field of this policy's claims (an error under --strict); did you mean `limit`?");
            assert_int_equal(yb_reader_next(r, c, &err), -1);
            assert_int_equal(err.line, 2);
            assert_string_equal(err.field, "note");
            assert_string_equal(err.message, "not a field of this policy's claims (an error under --strict)");
        }
        assert_int_equal(yb_reader_next(r, c, &err), 1); /* the good line, on the fast path or not */
        check_base(c);
        assert_int_equal(yb_reader_next(r, c, &err), 0);
        yb_reader_close(r);
        fclose(f);
        yb_claim_free(c);
        free_schema(s);
    }
    free(typo);
    free(extra);

    /* CSV: an unknown column is an error of the header (every row would have it) */
    static const char *const csv[] = {
        CSV_HEADER "\nA,M,employee,in_service,M,2024-01-01,,outpatient,2025-01-05,0,,X1,A,1.00,,,,,\n",
        "claim_id,member_id,item_amount,item_limt\nA,M,1.00,2.00\n",
    };
    static const char *const want[] = {
        "column 19, \"note\", is not a column of this policy's claims (an error under --strict)",
        "column 4, \"item_limt\", is not a column of this policy's claims (an error under --strict); did you mean `item_limit`?",
    };
    for (int k = 0; k < 2; k++) {
        yb_schema *s = std_schema();
        yb_claim *c = yb_claim_new(s);
        FILE *f = stream(csv[k], strlen(csv[k]));
        yb_reader_opts o = {.max_record = 0, .strict = true};
        yb_reader *r = yb_reader_open_opts(s, f, "t", YB_FMT_CSV, &o, NULL, 0);
        yb_record_error err;
        assert_int_equal(yb_reader_next(r, c, &err), -1);
        assert_int_equal(err.line, 1);
        assert_string_equal(err.message, want[k]);
        assert_int_equal(yb_reader_next(r, c, &err), 0);
        yb_reader_close(r);
        fclose(f);
        yb_claim_free(c);
        free_schema(s);
    }
}

static void test_csv_file(void **state)
{
    (void)state;
    yb_schema *s = std_schema();
    yb_claim *c = yb_claim_new(s);
    FILE *f = fopen(DATA_DIR "claims.csv", "rb");
    if (!f) fail_msg("cannot open " DATA_DIR "claims.csv (run from the repository root)");
    yb_reader *r = yb_reader_open(s, f, "claims.csv", YB_FMT_CSV);
    yb_record_error err;
    assert_int_equal(yb_reader_next(r, c, &err), 1);
    TEXT_IS(c, get(c, "claim_id"), "C-2025-000017");
    assert_int_equal(get(c, "member.enrolled_on"), yb_date_from_ymd(2025, 3, 10));
    assert_int_equal(get(c, "member.in_window"), 0);
    assert_int_equal(get(c, "visit.level"), 2);
    assert_int_equal(c->lists[0].count, 2);
    assert_int_equal(iget(c, 1, "amount"), 650000);
    assert_int_equal(iget(c, 1, "limit"), 700000);
    assert_int_equal(yb_reader_next(r, c, &err), 1);
    TEXT_IS(c, get(c, "claim_id"), "C-2025-000018");
    assert_int_equal(c->lists[0].count, 1);
    assert_int_equal(get(c, "ytd.admissions"), 1);
    assert_int_equal(yb_reader_next(r, c, &err), 0);
    yb_reader_close(r);
    fclose(f);
    yb_claim_free(c);
    free_schema(s);
}

/* ------------------------------------------------------------------------ */
/* Never crash: truncations at every byte, random flips, garbage             */

static uint32_t rnd(uint64_t *st)
{
    *st ^= *st << 13;
    *st ^= *st >> 7;
    *st ^= *st << 17;
    return (uint32_t)(*st >> 11);
}

/* Read everything; returns the number of good records. */
static long drain(rd *t, long *bad)
{
    long good = 0;
    *bad = 0;
    for (int guard = 0; guard < 1000000; guard++) {
        int k = next(t);
        if (k == 0) return good;
        if (k == 1) good++;
        else {
            assert_int_equal(k, -1);
            assert_true(memchr(t->err.field, 0, sizeof t->err.field) != NULL);
            assert_true(memchr(t->err.message, 0, sizeof t->err.message) != NULL);
            assert_true(t->err.message[0] != 0);
            (*bad)++;
        }
    }
    fail_msg("the reader does not end");
    return -1;
}

static void test_fuzz_jsonl(void **state)
{
    (void)state;
    size_t n = strlen(BASE);
    /* every proper prefix is a bad record, in one stream ... */
    char *in = malloc(n * (n + 1) + 16);
    size_t o = 0;
    for (size_t k = 1; k < n; k++) {
        memcpy(in + o, BASE, k);
        o += k;
        in[o++] = '\n';
    }
    memcpy(in + o, BASE, n);
    o += n;
    rd t;
    rd_open(&t, in, o, YB_FMT_JSONL);
    for (size_t k = 1; k < n; k++) {
        int r = next(&t);
        if (r != -1) fail_msg("the prefix of %zu bytes was not an error", k);
        assert_int_equal(t.err.line, (long)k);
    }
    assert_int_equal(next(&t), 1);
    check_base(t.c);
    assert_int_equal(next(&t), 0);
    rd_close(&t);
    /* ... and on its own, ending the input without a newline */
    for (size_t k = 1; k < n; k += 7) {
        long bad;
        rd_open(&t, BASE, k, YB_FMT_JSONL);
        assert_int_equal(drain(&t, &bad), 0);
        assert_int_equal(bad, 1);
        rd_close(&t);
    }
    /* random byte changes (any byte value, newlines included) */
    uint64_t rng = 0x9E3779B97F4A7C15ULL;
    o = 0;
    char *many = malloc(4000 * (n + 1) + 300 * 301);
    for (int v = 0; v < 4000; v++) {
        memcpy(many + o, BASE, n);
        int flips = 1 + (int)(rnd(&rng) % 4);
        for (int k = 0; k < flips; k++) many[o + rnd(&rng) % n] = (char)(rnd(&rng) & 0xFF);
        o += n;
        many[o++] = '\n';
    }
    /* pure garbage lines */
    for (int v = 0; v < 300; v++) {
        int len = (int)(rnd(&rng) % 300);
        for (int k = 0; k < len; k++) {
            char ch = (char)(rnd(&rng) & 0xFF);
            many[o++] = ch == '\n' ? '{' : ch;
        }
        many[o++] = '\n';
    }
    rd_open(&t, many, o, YB_FMT_JSONL);
    long bad, good = drain(&t, &bad);
    assert_int_equal(good + bad, yb_reader_records(t.r));
    assert_true(good > 0 && bad > 0);
    rd_close(&t);
    free(in);
    free(many);
}

static void test_fuzz_csv(void **state)
{
    (void)state;
    static const char doc[] =
        CSV_HEADER "\r\n"
        "C-1,M-1,employee,in_service,M,2024-01-01,,outpatient,2025-01-05,0,\"H,1\",X1,A,10.00,,,,,whatever\r\n"
        "C-1,M-1,employee,in_service,M,2024-01-01,,outpatient,2025-01-05,0,\"H,1\",\"X\"\"2\",C,5,8.5,,,,\r\n"
        "\"C-2\",M-2,resident,resident,F,2023-06-30,false,inpatient,2025-02-01,second,\"H\n2\",X3,B,0.01,,M-1,spouse,2,\r\n";
    size_t n = sizeof doc - 1;
    rd t;
    for (size_t k = 0; k <= n; k++) {
        long bad;
        rd_open(&t, doc, k, YB_FMT_CSV);
        long good = drain(&t, &bad);
        assert_int_equal(good + bad, yb_reader_records(t.r));
        if (k == n) {
            assert_int_equal(good, 2);
            assert_int_equal(bad, 0);
        }
        rd_close(&t);
    }
    uint64_t rng = 12345;
    char *buf = malloc(n);
    for (int v = 0; v < 1500; v++) {
        memcpy(buf, doc, n);
        int flips = 1 + (int)(rnd(&rng) % 4);
        for (int k = 0; k < flips; k++) {
            uint32_t at = rnd(&rng) % (uint32_t)n;
            uint32_t what = rnd(&rng) % 8;
            buf[at] = what == 0 ? '"' : what == 1 ? ',' : what == 2 ? '\n' : (char)(rnd(&rng) & 0xFF);
        }
        long bad;
        rd_open(&t, buf, n, YB_FMT_CSV);
        long good = drain(&t, &bad);
        assert_int_equal(good + bad, yb_reader_records(t.r));
        rd_close(&t);
    }
    free(buf);
}

/* ------------------------------------------------------------------------ */
/* Schemas the readers refuse, the claim's own API, kind names               */

static void test_bad_schemas(void **state)
{
    (void)state;
    FILE *f = stream("{}\n", 3);
    yb_schema *s = std_schema();
    /* a list inside a list element */
    const yb_field *items = fld(s, "items");
    s->fields[items->first].kind = YB_T_LIST;
    s->fields[items->first].slot = 0;
    assert_null(yb_reader_open(s, f, "x", YB_FMT_JSONL));
    s->fields[items->first].kind = YB_T_TEXT;
    assert_non_null(items);
    /* durations are not read from claims */
    s->fields[s->root_first].kind = YB_T_DURATION;
    assert_null(yb_reader_open(s, f, "x", YB_FMT_JSONL));
    s->fields[s->root_first].kind = YB_T_TEXT;
    /* a slot out of range: refused as malformed, not as out of memory (found by fuzz_ybc: the
       CLI said "out of memory" for an edited .ybc whose shape verifies but cannot be read) */
    int32_t keep = s->nslots;
    s->nslots = 3;
    char bad_why[256];
    for (int fmt = YB_FMT_JSONL; fmt <= YB_FMT_CSV; fmt++) {
        assert_null(yb_reader_open_opts(s, f, "x", (yb_format)fmt, NULL, bad_why, sizeof bad_why));
        assert_string_equal(bad_why, "its fields, lists or enums are malformed");
    }
    s->nslots = keep;
    /* a record whose children include itself */
    yb_field *member = (yb_field *)fld(s, "member");
    int32_t first = member->first;
    member->first = s->root_first;
    assert_null(yb_reader_open(s, f, "x", YB_FMT_JSONL));
    member->first = first;
    /* an enum id out of range */
    s->fields[s->root_first + 2].enum_id = 99;
    assert_null(yb_reader_open(s, f, "x", YB_FMT_JSONL));
    s->fields[s->root_first + 2].enum_id = E_SCHEME;
    /* a field name over YB_MAX_FIELD_NAME bytes: refused, and said why; at the limit: read */
    char *keep_name = s->fields[s->root_first].name;
    char *long_name = malloc(YB_MAX_FIELD_NAME + 2);
    assert_non_null(long_name);
    memset(long_name, 'k', YB_MAX_FIELD_NAME + 1);
    long_name[YB_MAX_FIELD_NAME + 1] = 0;
    s->fields[s->root_first].name = long_name;
    char why[256];
    for (int fmt = YB_FMT_JSONL; fmt <= YB_FMT_CSV; fmt++) {
        assert_null(yb_reader_open_opts(s, f, "x", (yb_format)fmt, NULL, why, sizeof why));
        assert_string_equal(why, "the input field \"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk...\" "
                                 "has a name of 4097 bytes; at most 4096 are read");
    }
    long_name[YB_MAX_FIELD_NAME] = 0;
    yb_reader *r = yb_reader_open_opts(s, f, "x", YB_FMT_CSV, NULL, why, sizeof why);
    assert_non_null(r);
    yb_reader_close(r);
    s->fields[s->root_first].name = keep_name;
    free(long_name);
    /* two fields of one record with one name */
    char *keep2 = s->fields[s->root_first + 1].name;
    s->fields[s->root_first + 1].name = keep_name;
    assert_null(yb_reader_open_opts(s, f, "x", YB_FMT_JSONL, NULL, why, sizeof why));
    assert_string_equal(why, "two input fields of one record are named \"claim_id\"");
    s->fields[s->root_first + 1].name = keep2;
    /* and back to good */
    r = yb_reader_open(s, f, "x", YB_FMT_JSONL);
    assert_non_null(r);
    yb_reader_close(r);
    fclose(f);
    free_schema(s);
}

static void test_claim_api(void **state)
{
    (void)state;
    yb_schema *s = std_schema();
    yb_claim *c = yb_claim_new(s);
    int64_t a = yb_claim_add_text(c, "abc", 3);
    int64_t b = yb_claim_add_text(c, "", 0);
    assert_int_equal(yb_text_offset(a), 0);
    assert_int_equal(yb_text_length(a), 3);
    assert_int_equal(yb_text_offset(b), 3);
    assert_int_equal(yb_text_length(b), 0);
    char big[10000];
    memset(big, 'z', sizeof big);
    int64_t z = yb_claim_add_text(c, big, sizeof big);
    assert_int_equal(yb_text_offset(z), 3);
    TEXT_IS(c, a, "abc");
    for (int i = 0; i < 100; i++) assert_int_equal(yb_claim_add_element(c, 0), i);
    assert_int_equal(c->lists[0].count, 100);
    assert_int_equal(yb_claim_add_element(c, 1), -1);
    assert_int_equal(yb_claim_add_element(c, -1), -1);
    c->slots[0] = 5;
    c->present[0] = 1;
    yb_claim_reset(c);
    assert_int_equal(c->lists[0].count, 0);
    assert_int_equal(c->text_len, 0);
    assert_int_equal(c->present[0], 0);
    assert_int_equal(yb_claim_add_element(c, 0), 0);
    assert_int_equal(c->lists[0].present[0], 0);
    yb_claim_free(c);
    free_schema(s);
    assert_string_equal(yb_kind_name(YB_T_MONEY), "money");
    assert_string_equal(yb_kind_name(YB_T_ALERTS), "alerts");
    assert_string_equal(yb_kind_name(YB_T_RECORD), "record");
}

/* ------------------------------------------------------------------------ */
/* The fast path (compact JSON) against the general parser                  */

/* The same claims: every present slot, every list element, the text arena. */
static void same_claims(const yb_claim *a, const yb_claim *b, long line)
{
    const yb_schema *s = a->schema;
    if (a->line != b->line) fail_msg("line %ld: claim lines %ld and %ld", line, a->line, b->line);
    for (int32_t i = 0; i < s->nslots; i++) {
        if (a->present[i] != b->present[i] || (a->present[i] && a->slots[i] != b->slots[i]))
            fail_msg("line %ld: slot %d differs (%d:%lld, %d:%lld)", line, (int)i, a->present[i], (long long)a->slots[i],
                     b->present[i], (long long)b->slots[i]);
    }
    for (int32_t l = 0; l < s->nlists; l++) {
        const yb_list_data *la = &a->lists[l], *lb = &b->lists[l];
        if (la->count != lb->count) fail_msg("line %ld: list %d has %d and %d elements", line, (int)l, la->count, lb->count);
        size_t n = (size_t)la->count * (size_t)s->lists[l].elem_nslots;
        for (size_t k = 0; k < n; k++)
            if (la->present[k] != lb->present[k] || (la->present[k] && la->slots[k] != lb->slots[k]))
                fail_msg("line %ld: list %d, value %zu differs", line, (int)l, k);
    }
    if (a->text_len != b->text_len || (a->text_len && memcmp(a->text, b->text, a->text_len) != 0))
        fail_msg("line %ld: the text arenas differ", line);
}

/* A message with its column numbers left out (they move with the tab). */
static void no_columns(const char *m, char *out, size_t n)
{
    size_t o = 0;
    for (const char *p = m; *p && o + 1 < n; p++) {
        out[o++] = *p;
        if (strncmp(p, "column ", 7) == 0 && o + 8 < n) {
            memcpy(out + o, "olumn N", 7);
            o += 7;
            p += 7;
            while (*p >= '0' && *p <= '9') p++;
            p--;
        }
    }
    out[o] = 0;
}

/* Each line as it is (compact: the fast path, as far as it goes) and with a
 * tab after its first '{' (which only the general parser reads): the same
 * results, errors and all. */
static void agree(const char *const *lines, size_t nlines)
{
    size_t total = 0;
    for (size_t i = 0; i < nlines; i++) total += strlen(lines[i]) + 2;
    char *a = malloc(total + 1), *b = malloc(total + 1);
    size_t na = 0, nb = 0;
    for (size_t i = 0; i < nlines; i++) {
        size_t n = strlen(lines[i]);
        const char *brace = memchr(lines[i], '{', n);
        size_t at = brace ? (size_t)(brace - lines[i]) + 1 : 0;
        memcpy(a + na, lines[i], n);
        na += n;
        a[na++] = '\n';
        memcpy(b + nb, lines[i], at);
        nb += at;
        if (brace) b[nb++] = '\t';
        memcpy(b + nb, lines[i] + at, n - at);
        nb += n - at;
        b[nb++] = '\n';
    }
    rd ta, tb;
    rd_open(&ta, a, na, YB_FMT_JSONL);
    rd_open(&tb, b, nb, YB_FMT_JSONL);
    for (long rec = 1;; rec++) {
        int ka = next(&ta), kb = next(&tb);
        if (ka != kb) fail_msg("record %ld: %d (%s: %s) and %d (%s: %s)", rec, ka, ta.err.field, ta.err.message, kb, tb.err.field, tb.err.message);
        if (ka == 0) break;
        if (ka == 1) {
            same_claims(ta.c, tb.c, ta.c->line);
            continue;
        }
        char ma[sizeof ta.err.message], mb[sizeof tb.err.message];
        no_columns(ta.err.message, ma, sizeof ma);
        no_columns(tb.err.message, mb, sizeof mb);
        assert_int_equal(ta.err.line, tb.err.line);
        assert_string_equal(ta.err.field, tb.err.field);
        assert_string_equal(ma, mb);
    }
    assert_int_equal(yb_reader_records(ta.r), yb_reader_records(tb.r));
    rd_close(&ta);
    rd_close(&tb);
    free(a);
    free(b);
}

static void test_fast_path_agrees(void **state)
{
    (void)state;
    /* values and layouts the fast path reads itself, or leaves to the general parser */
    static const char *const edits[][2] = {
        {"\"amount\":\"1500.00\"", "\"amount\":\"0\""},
        {"\"amount\":\"1500.00\"", "\"amount\":\"7.5\""},
        {"\"amount\":\"1500.00\"", "\"amount\":\"007.05\""},
        {"\"amount\":\"1500.00\"", "\"amount\":\"1234567.89\""},
        {"\"amount\":\"1500.00\"", "\"amount\":\"12345678.90\""},
        {"\"amount\":\"1500.00\"", "\"amount\":\"10000000000000.00\""},
        {"\"amount\":\"1500.00\"", "\"amount\":\"10000000000000.01\""},
        {"\"amount\":\"1500.00\"", "\"amount\":\"1.234\""},
        {"\"amount\":\"1500.00\"", "\"amount\":\"1.\""},
        {"\"amount\":\"1500.00\"", "\"amount\":\".5\""},
        {"\"amount\":\"1500.00\"", "\"amount\":\"\""},
        {"\"amount\":\"1500.00\"", "\"amount\":\"1e3\""},
        {"\"amount\":\"1500.00\"", "\"amount\":12.25"},
        {"\"amount\":\"1500.00\"", "\"amount\":0"},
        {"\"amount\":\"1500.00\"", "\"amount\":0.5"},
        {"\"amount\":\"1500.00\"", "\"amount\":012"},
        {"\"amount\":\"1500.00\"", "\"amount\":1.5e2"},
        {"\"amount\":\"1500.00\"", "\"amount\":1.255"},
        {"\"amount\":\"1500.00\"", "\"amount\":12345678"},
        {"\"amount\":\"1500.00\"", "\"amount\":-1"},
        {"\"amount\":\"1500.00\"", "\"amount\":null"},
        {"\"amount\":\"1500.00\"", "\"amount\":\"\\u0031\""},
        {"\"continuous_years\":1", "\"continuous_years\":0"},
        {"\"continuous_years\":1", "\"continuous_years\":01"},
        {"\"continuous_years\":1", "\"continuous_years\":123456789012345678"},
        {"\"continuous_years\":1", "\"continuous_years\":1234567890123456789"},
        {"\"continuous_years\":1", "\"continuous_years\":9223372036854775807"},
        {"\"continuous_years\":1", "\"continuous_years\":9223372036854775808"},
        {"\"continuous_years\":1", "\"continuous_years\":1.0"},
        {"\"continuous_years\":1", "\"continuous_years\":1e1"},
        {"\"continuous_years\":1", "\"continuous_years\":-1"},
        {"\"continuous_years\":1", "\"continuous_years\":\"1\""},
        {"\"continuous_years\":1", "\"continuous_years\":null"},
        {"\"level\":2", "\"level\":0"},
        {"\"level\":2", "\"level\":4"},
        {"\"level\":2", "\"level\":5"},
        {"\"level\":2", "\"level\":-1"},
        {"\"level\":2", "\"level\":-0"},
        {"\"level\":2", "\"level\":02"},
        {"\"level\":2", "\"level\":2.0"},
        {"\"level\":2", "\"level\":\"second\""},
        {"\"level\":2", "\"level\":\"secon\""},
        {"\"level\":2", "\"level\":\"seconds\""},
        {"\"scheme\":\"resident\"", "\"scheme\":\"employee\""},
        {"\"scheme\":\"resident\"", "\"scheme\":\"resident \""},
        {"\"scheme\":\"resident\"", "\"scheme\":\"\\u0072esident\""},
        {"\"scheme\":\"resident\"", "\"scheme\":1"},
        {"\"scheme\":\"resident\"", "\"scheme\":\"\""},
        {"\"sex\":\"F\"", "\"sex\":\"M\""},
        {"\"sex\":\"F\"", "\"sex\":\"FM\""},
        {"\"sex\":\"F\"", "\"sex\":null"},
        {"\"assistance\":\"none\"", "\"assistance\":\"extreme_poverty\""},
        {"\"class\":\"A\"", "\"class\":\"C\""},
        {"\"class\":\"A\"", "\"class\":\"D\""},
        {"\"in_window\":false", "\"in_window\":true"},
        {"\"in_window\":false", "\"in_window\":tru"},
        {"\"in_window\":false", "\"in_window\":falsey"},
        {"\"in_window\":false", "\"in_window\":null"},
        {"\"birth_date\":\"1990-01-01\"", "\"birth_date\":\"2024-02-29\""},
        {"\"birth_date\":\"1990-01-01\"", "\"birth_date\":\"2025-02-29\""},
        {"\"birth_date\":\"1990-01-01\"", "\"birth_date\":\"1899-12-31\""},
        {"\"birth_date\":\"1990-01-01\"", "\"birth_date\":\"2156-02-29\""},
        {"\"birth_date\":\"1990-01-01\"", "\"birth_date\":\"1990-1-01\""},
        {"\"birth_date\":\"1990-01-01\"", "\"birth_date\":\"1990-01-01 \""},
        {"\"birth_date\":\"1990-01-01\"", "\"birth_date\":19900101"},
        {"\"claim_id\":\"C-2025-000017\"", "\"claim_id\":\"\""},
        {"\"claim_id\":\"C-2025-000017\"", "\"claim_id\":\"a much longer claim identifier, of more than 32 bytes\""},
        {"\"claim_id\":\"C-2025-000017\"", "\"claim_id\":\"\xe4\xb8\xad\xe6\x96\x87\xe5\x90\x8d\""},
        {"\"claim_id\":\"C-2025-000017\"", "\"claim_id\":\"bad \xc3\x28 utf-8\""},
        {"\"claim_id\":\"C-2025-000017\"", "\"claim_id\":\"tab\there\""},
        {"\"claim_id\":\"C-2025-000017\"", "\"claim_id\":\"esc\\\"aped\\n\""},
        {"\"claim_id\":\"C-2025-000017\"", "\"claim_id\":17"},
        {"\"claim_id\":\"C-2025-000017\"", "\"claim_id\":null"},
        {"\"member\":{", "\"member\":null,\"x\":{"},
        {"\"member\":{", "\"member\":[],\"x\":{"},
        {"\"visit\":{", "\"ytd\":null,\"account_payer\":null,\"visit\":{"},
        {"\"visit\":{", "\"ytd\":{},\"account_payer\":{\"member_id\":\"P\",\"relation\":\"child\"},\"visit\":{"},
        {"\"visit\":{", "\"ytd\":{\"basic_paid\":\"5\",\"basic_paid\":\"6\"},\"visit\":{"},
        {"\"items\":[", "\"items\":null,\"x\":["},
        {"\"items\":[", "\"items\":[],\"x\":["},
        {"\"items\":[{", "\"items\":[{},{"},
        {"\"items\":[{", "\"items\":[ {"},
        {"\"items\":[{", "\"items\":[1,{"},
        {"},{\"code\":\"XB07\"", "}, {\"code\":\"XB07\""},
        {"\"scheme\":\"resident\",", "\"scheme\":\"resident\",\"unknown\":{\"a\":[1,{\"b\":null},\"x\\\"y\"]},"},
        {"\"scheme\":\"resident\",", "\"scheme\":\"resident\",\"unknown\": [ 1 ,2 ] ,"},
        /* keys that are no field: plain scalars are skipped on the fast path, straight from the buffer */
        {"\"scheme\":\"resident\",", "\"scheme\":\"resident\",\"name\":\"\xe8\x91\xa1\xe8\x90\x84\xe7\xb3\x96 10%\","},
        {"\"scheme\":\"resident\",", "\"scheme\":\"resident\",\"name\":\"\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xf0\x9f\x98\x80\xc3\xa9\","},
        {"\"scheme\":\"resident\",", "\"scheme\":\"resident\",\"name\":\"\xe0\x9f\xbf\","},
        {"\"scheme\":\"resident\",", "\"scheme\":\"resident\",\"name\":\"\xed\xa0\x80\","},
        {"\"scheme\":\"resident\",", "\"scheme\":\"resident\",\"name\":\"\xe4\xb8\","},
        {"\"scheme\":\"resident\",", "\"scheme\":\"resident\",\"name\":\"\xe4\xb8\xad\t\","},
        {"\"scheme\":\"resident\",", "\"scheme\":\"resident\",\"name\":\"a\\\"b\","},
        {"\"scheme\":\"resident\",", "\"scheme\":\"resident\",\"name\":-1.5e3,"},
        {"\"scheme\":\"resident\",", "\"scheme\":\"resident\",\"name\":1.,"},
        {"\"scheme\":\"resident\",", "\"scheme\":\"resident\",\"name\":0,\"n2\":true,\"n3\":false,\"n4\":null,"},
        {"\"scheme\":\"resident\",", "\"scheme\":\"resident\",\"name\":nul,"},
        {"\"scheme\":\"resident\",", "\"scheme\":\"resident\",\"name\": \"x\","},
        /* runs of Chinese text, checked five characters at a time, and what breaks them */
        {"\"scheme\":\"resident\",", "\"scheme\":\"resident\",\"name\":\"\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xadx\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\","},
        {"\"claim_id\":\"C-2025-000017\"", "\"claim_id\":\"\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xadx\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\""},
        {"\"scheme\":\"resident\",", "\"scheme\":\"resident\",\"name\":\"\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\x41\xad\","},
        {"\"claim_id\":\"C-2025-000017\"", "\"claim_id\":\"\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\x41\xad\""},
        {"\"scheme\":\"resident\",", "\"scheme\":\"resident\",\"name\":\"\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xed\xa0\x80\","},
        {"\"claim_id\":\"C-2025-000017\"", "\"claim_id\":\"\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xed\xa0\x80\""},
        {"\"scheme\":\"resident\",", "\"scheme\":\"resident\",\"name\":\"\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\","},
        {"\"claim_id\":\"C-2025-000017\"", "\"claim_id\":\"\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\""},
        {"\"scheme\":\"resident\",", "\"scheme\":\"resident\",\"name\":\"\xe4\xb8\xad\xe4\xb8\xad\xe0\xa0\x80\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\","},
        {"\"claim_id\":\"C-2025-000017\"", "\"claim_id\":\"\xe4\xb8\xad\xe4\xb8\xad\xe0\xa0\x80\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\""},
        {"\"scheme\":\"resident\",", "\"scheme\":\"resident\",\"name\":\"\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe0\x9f\xbf\","},
        {"\"claim_id\":\"C-2025-000017\"", "\"claim_id\":\"\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe0\x9f\xbf\""},
        {"\"scheme\":\"resident\",", "\"scheme\":\"resident\",\"name\":\"\xe4\xb8\xad\xed\xa0\x80\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\","},
        {"\"scheme\":\"resident\",", "\"scheme\":\"resident\",\"name\":\"\xe4\xb8\xad\xed\x9f\xbf\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\","},
        {"\"scheme\":\"resident\",", "\"scheme\":\"resident\",\"name\":\"\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\x80\",\"x\":\"\xe4\xb8\xad\","},
        /* the key that is no field met last time is remembered: ones like it are still told apart */
        {"\"scheme\":\"resident\",", "\"scheme\":\"resident\",\"name\":1,\"name\":2,"},
        {"\"scheme\":\"resident\",", "\"scheme\":\"resident\",\"nam\":1,\"names\":2,\"name\":3,\"scheme\":\"employee\","},
        {"\"scheme\":\"resident\",", "\"scheme\":\"resident\",\"name\" :1,\"name\":\"\\u0041\","},
        {"\"scheme\":\"resident\",", "\"scheme\":\"resident\",\"a key that is no field, longer than 32 bytes\":1,\"a key that is no field, longer than 32 bytes\":2,"},
        {"\"claim_id\":\"C-2025-000017\"", "\"claim_id\":\"\xe0\xa0\x80\xed\x9f\xbf\xef\xbf\xbf\xe4\xb8\xadx\""},
        {"\"claim_id\":\"C-2025-000017\"", "\"claim_id\":\"\xe0\x80\x80\""},
        {"\"claim_id\":\"C-2025-000017\"", "\"claim_id\":\"\xe4\xb8\xad\xed\xbf\xbf\""},
        {"\"claim_id\":\"C-2025-000017\"", "\"claim_id\":\"\xe4\xc0\xad\""},
        {"\"scheme\":\"resident\",", "\"scheme\":\"resident\", "},
        {"\"scheme\":\"resident\",", "\"scheme\": \"resident\","},
        {"\"scheme\":\"resident\",", "\"scheme\":  \"resident\","},
        {"\"scheme\":\"resident\",", "\"scheme\" :\"resident\","},
        {"\"scheme\":\"resident\",", "\"scheme\":\"resident\"\t,"},
        {"\"scheme\":\"resident\",", "\"scheme\":\"resident\",\"scheme\":\"resident\","},
        {"\"scheme\":\"resident\",", "\"scheme\":\"resident\",\"claim_id\":\"again\","},
        {"\"scheme\":\"resident\",", "\"sch\\u0065me\":\"resident\","},
        {"\"designated\":true}", "\"designated\":true }"},
        {"\"designated\":true}", "\"designated\":true,}"},
        {"]}", "]} "},
        {"]}", "]}\r"},
        {"]}", "]}x"},
        {"]}", "]"},
        {"\"gap_years\":0,", "\"gap_years\":0,\n"},
    };
    enum { NEDIT = sizeof edits / sizeof edits[0], NFUZZ = 3000 };
    const char *lines[NEDIT + NFUZZ + 8];
    char *owned[NEDIT + NFUZZ + 8];
    size_t n = 0, no = 0;
    lines[n++] = BASE;
    for (size_t i = 0; i < NEDIT; i++) lines[n++] = owned[no++] = with(edits[i][0], edits[i][1]);
    /* in the style of Python's json.dumps: ", " and ": " */
    {
        size_t bl = strlen(BASE);
        char *py = malloc(2 * bl + 1);
        size_t o = 0;
        int in_str = 0;
        for (size_t i = 0; i < bl; i++) {
            py[o++] = BASE[i];
            if (BASE[i] == '"' && (i == 0 || BASE[i - 1] != '\\')) in_str = !in_str;
            if (!in_str && (BASE[i] == ',' || BASE[i] == ':')) py[o++] = ' ';
        }
        py[o] = 0;
        lines[n++] = owned[no++] = py;
    }
    /* random changes to a few of the lines above */
    uint64_t rng = 0x2545F4914F6CDD1DULL;
    size_t base_n = n;
    for (int v = 0; v < NFUZZ; v++) {
        const char *from = lines[rnd(&rng) % base_n];
        size_t len = strlen(from);
        char *m = malloc(len + 16);
        memcpy(m, from, len + 1);
        int changes = 1 + (int)(rnd(&rng) % 3);
        for (int k = 0; k < changes; k++) {
            static const char pick[] = " \t\"\\,:{}[]0123456789.-enulltrufas\x01\x80\xc3\xff";
            size_t at = rnd(&rng) % len;
            char ch = (rnd(&rng) & 1) ? pick[rnd(&rng) % (sizeof pick - 1)] : (char)(rnd(&rng) & 0xFF);
            if (ch == '\n' || ch == 0) ch = ' ';
            m[at] = ch;
        }
        lines[n++] = owned[no++] = m;
    }
    agree(lines, n);
    for (size_t i = 0; i < no; i++) free(owned[i]);
}

/* Lines fed from memory have no newline (yb_reader_feed, as `run --jobs`
 * feeds them): read as the same bytes read from a file, record by record. */
static void test_fed_lines(void **state)
{
    (void)state;
    char *cjk = with("\"scheme\":\"resident\",", "\"scheme\":\"resident\",\"name\":\"\xe8\x91\xa1\xe8\x90\x84\",");
    char *two = malloc(2 * strlen(BASE) + 2), *trailing = malloc(strlen(BASE) + 4), *after = malloc(strlen(BASE) + 4);
    sprintf(two, "%s\n%s", BASE, BASE);
    sprintf(trailing, "%s \t\r", BASE);
    sprintf(after, "%s x", BASE);
    const char *feeds[] = {BASE, cjk, two, trailing, after, "", "{", "{\"claim_id\":\"C\"}", BASE};
    yb_schema *s = std_schema();
    yb_claim *cm = yb_claim_new(s);
    yb_reader *m = yb_reader_open_mem(s, "test");
    assert_non_null(m);
    for (size_t k = 0; k < sizeof feeds / sizeof feeds[0]; k++) {
        rd t;
        rd_open(&t, feeds[k], strlen(feeds[k]), YB_FMT_JSONL);
        assert_int_equal(yb_reader_feed(m, feeds[k], strlen(feeds[k])), 0);
        for (;;) {
            yb_record_error em;
            int kf = next(&t), km = yb_reader_next(m, cm, &em);
            if (kf != km) fail_msg("feed %zu: %d (%s) and %d (%s)", k, kf, t.err.message, km, em.message);
            if (kf == 0) break;
            if (kf == 1) {
                same_claims(t.c, cm, t.c->line);
                assert_int_equal(t.c->line, cm->line);
                continue;
            }
            assert_int_equal(t.err.line, em.line);
            assert_string_equal(t.err.field, em.field);
            assert_string_equal(t.err.message, em.message);
        }
        rd_close(&t);
    }
    yb_reader_close(m);
    yb_claim_free(cm);
    free_schema(s);
    free(cjk);
    free(two);
    free(trailing);
    free(after);
}

/* A line read where it is, read-only (yb_reader_read_line_ro, as `run
 * --jobs` reads the lines of a mapped file): in a page the test makes
 * read-only, so a write would fault.  A compact line gives the claim
 * read_line gives from a writable copy; a line only the general parser reads
 * (a tab after its '{', an escape, bad JSON) is declined with 2. */
static void test_read_line_ro(void **state)
{
    (void)state;
    char *cjk = with("\"scheme\":\"resident\",", "\"scheme\":\"resident\",\"name\":\"\xe8\x91\xa1\xe8\x90\x84\",");
    char *tab = with("{", "{\t"), *esc = with("\"scheme\":\"resident\"", "\"scheme\":\"re\\u0073ident\"");
    const char *lines[] = {BASE, cjk, tab, esc, "{", BASE};
    const int fast[] = {1, 1, 0, 0, 0, 1};
    const long page = 1 << 16; /* a multiple of the page size of every machine we run on */
    yb_schema *s = std_schema();
    yb_claim *cr = yb_claim_new(s), *cw = yb_claim_new(s);
    yb_reader *ro = yb_reader_open_mem(s, "test"), *rw = yb_reader_open_mem(s, "test");
    assert_true(ro && rw && cr && cw);
    for (size_t k = 0; k < sizeof lines / sizeof lines[0]; k++) {
        size_t n = strlen(lines[k]) + 1, size = ((n + 64) / (size_t)page + 1) * (size_t)page;
        char *b = aligned_alloc((size_t)page, size), *w = malloc(n + 64);
        assert_true(b && w);
        memset(b, 'x', size);
        memcpy(b, lines[k], n - 1);
        b[n - 1] = '\n';
        memcpy(w, b, n);
        memset(w + n, 0, 64);
        assert_int_equal(mprotect(b, size, PROT_READ), 0);
        yb_record_error er, ew;
        int kr = yb_reader_read_line_ro(ro, b, n, cr, &er);
        int kw = yb_reader_read_line(rw, w, n, cw, &ew);
        assert_int_equal(kr, fast[k] ? 1 : 2);
        if (fast[k]) {
            assert_int_equal(kw, 1);
            same_claims(cr, cw, (long)k);
        }
        assert_int_equal(mprotect(b, size, PROT_READ | PROT_WRITE), 0);
        free(b);
        free(w);
    }
    yb_reader_close(ro);
    yb_reader_close(rw);
    yb_claim_free(cr);
    yb_claim_free(cw);
    free_schema(s);
    free(cjk);
    free(tab);
    free(esc);
}

/* Dates on the fast path against yb_date_parse: every month and day (0 to 32)
 * of years around the ends of its year table and of the calendar. */
static void test_fast_dates(void **state)
{
    (void)state;
    static const int years[] = {0, 1, 4, 100, 400, 1582, 1899, 1900, 1901, 1904, 1969, 1970, 1999, 2000,
                                2023, 2024, 2100, 2154, 2155, 2156, 2400, 9999};
    size_t n = strlen(BASE), cap = sizeof years / sizeof years[0] * 14 * 33 * (n + 2) + 1;
    char *in = malloc(cap);
    size_t o = 0;
    const char *at = strstr(BASE, "\"enrolled_on\":\"2025-03-10\"") + 15;
    for (size_t yi = 0; yi < sizeof years / sizeof years[0]; yi++)
        for (int m = 0; m <= 13; m++)
            for (int d = 0; d <= 32; d++) {
                char text[48];
                snprintf(text, sizeof text, "%04d-%02d-%02d", years[yi], m, d);
                memcpy(in + o, BASE, n);
                memcpy(in + o + (at - BASE), text, 10);
                o += n;
                in[o++] = '\n';
            }
    rd t;
    rd_open(&t, in, o, YB_FMT_JSONL);
    for (size_t yi = 0; yi < sizeof years / sizeof years[0]; yi++)
        for (int m = 0; m <= 13; m++)
            for (int d = 0; d <= 32; d++) {
                char text[48];
                snprintf(text, sizeof text, "%04d-%02d-%02d", years[yi], m, d);
                yb_date want;
                int k = next(&t);
                if (yb_date_parse(text, 10, &want)) {
                    if (k != 1) fail_msg("%s: %s", text, t.err.message);
                    assert_int_equal(get(t.c, "member.enrolled_on"), want);
                } else {
                    if (k != -1) fail_msg("%s was read", text);
                    assert_string_equal(t.err.field, "member.enrolled_on");
                }
            }
    assert_int_equal(next(&t), 0);
    rd_close(&t);
    free(in);
}

/* Money on the fast path against yb_money_parse (quoted: any digits). */
static void test_fast_money(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "0", "1", "9", "10", "0.0", "0.00", "0.1", "0.01", "0.10", "00", "000.00", "1.5", "12.34", "123.4", "1234567",
        "1234567.8", "1234567.89", "9999999.99", "12345678", "12345678.9", "99999999.99", "123456789012.34",
        "9999999999999.99", "10000000000000", "10000000000000.00", "10000000000000.01", "99999999999999",
        "1.234", "1.", ".1", "", "-1", "+1", "1e2", "1,5", " 1", "1 ", "1.5.", "1..5", "0x10", "١",
    };
    size_t n = strlen(BASE), nt = sizeof texts / sizeof texts[0];
    char *in = malloc(nt * (n + 40));
    size_t o = 0;
    for (size_t i = 0; i < nt; i++) {
        char to[64];
        snprintf(to, sizeof to, "\"amount\":\"%s\"", texts[i]);
        char *line = with("\"amount\":\"1500.00\"", to);
        o += (size_t)sprintf(in + o, "%s\n", line);
        free(line);
    }
    rd t;
    rd_open(&t, in, o, YB_FMT_JSONL);
    for (size_t i = 0; i < nt; i++) {
        yb_money want;
        int k = next(&t);
        if (yb_money_parse(texts[i], strlen(texts[i]), &want)) {
            if (k != 1) fail_msg("\"%s\": %s", texts[i], t.err.message);
            assert_int_equal(iget(t.c, 0, "amount"), want);
        } else {
            if (k != -1) fail_msg("\"%s\" was read", texts[i]);
            assert_string_equal(t.err.field, "items[0].amount");
        }
    }
    assert_int_equal(next(&t), 0);
    rd_close(&t);
    free(in);
}

/* ------------------------------------------------------------------------ */
/* Micro-benchmark (YB_READER_BENCH=<records>)                               */

static void bench(long records)
{
    yb_schema *s = std_schema();
    yb_claim *c = yb_claim_new(s);
    char line[2048];
    /* a typical ~600-byte line (~40 fields): the example, plus ytd and a third item */
    int n = snprintf(line, sizeof line, "%s", BASE);
    n--; /* drop the closing brace */
    n += snprintf(line + n, sizeof line - (size_t)n,
                  ",\"ytd\":{\"admissions\":1,\"basic_paid\":\"12000.00\"}}");
    char *items_end = strstr(line, "\"7000.00\"}]");
    memmove(items_end + 9 + 45, items_end + 9, strlen(items_end + 9) + 1);
    memcpy(items_end + 9, "},{\"code\":\"XC99\",\"class\":\"C\",\"amount\":\"88.00\"", 45);
    n = (int)strlen(line);
    FILE *f = tmpfile();
    for (long i = 0; i < records; i++) {
        fwrite(line, 1, (size_t)n, f);
        fputc('\n', f);
    }
    rewind(f);
    yb_reader *r = yb_reader_open(s, f, "bench", YB_FMT_JSONL);
    yb_record_error err;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    long good = 0;
    int k;
    while ((k = yb_reader_next(r, c, &err)) != 0) {
        if (k < 0) {
            fprintf(stderr, "bench: %ld: %s: %s\n", err.line, err.field, err.message);
            break;
        }
        good++;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long long ns = (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
    printf("bench: %ld records of %d bytes in %lld ms: %lld records/s, %lld MB/s\n", good, n, ns / 1000000,
           ns ? (long long)good * 1000000000LL / ns : 0, ns ? (long long)good * n * 1000LL / ns : 0);
    yb_reader_close(r);
    fclose(f);
    yb_claim_free(c);
    free_schema(s);
}

int main(void)
{
    const char *b = getenv("YB_READER_BENCH");
    if (b && atol(b) > 0) {
        bench(atol(b));
        return 0;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_example_file),
        cmocka_unit_test(test_base_line),
        cmocka_unit_test(test_errors_then_good),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_good_variants),
        cmocka_unit_test(test_key_order),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_blank_lines_and_crlf),
        cmocka_unit_test(test_long_lines),
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_csv_errors),
        cmocka_unit_test(test_csv_claim_columns_agree),
        cmocka_unit_test(test_csv_empty_key),
        cmocka_unit_test(test_max_record),
        cmocka_unit_test(test_counts),
        cmocka_unit_test(test_strict),
        cmocka_unit_test(test_csv_file),
        cmocka_unit_test(test_fuzz_jsonl),
        cmocka_unit_test(test_fast_path_agrees),
        cmocka_unit_test(test_fed_lines),
        cmocka_unit_test(test_read_line_ro),
        cmocka_unit_test(test_fast_dates),
        cmocka_unit_test(test_fast_money),
        cmocka_unit_test(test_fuzz_csv),
        cmocka_unit_test(test_bad_schemas),
        cmocka_unit_test(test_claim_api),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
