/* Settlement writers (io/settlement_writer.c): the exact bytes they write.
 * Expected outputs are written out by hand. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "json_text.h"
#include "money.h"
#include "settlement_writer.h"

/* Text values are offsets into this pool (ctx). */
static void text_fn(void *ctx, int64_t v, const char **p, uint32_t *n)
{
    *p = (const char *)ctx + yb_text_offset(v);
    *n = yb_text_length(v);
}

static char *level_names[] = {"primary", "first", "second", "municipal", "provincial"};
static const yb_enum_desc enums[] = {{"level", 5, level_names, NULL, 0, NULL, NULL}};

static const yb_out_field fields[] = {
    {"claim_id", YB_T_TEXT, 0},     {"member_id", YB_T_TEXT, 0},     {"status", YB_T_STATUS, 0},
    {"total", YB_T_MONEY, 0},       {"fund", YB_T_MONEY, 0},         {"ratio", YB_T_RATE, 0},
    {"admissions", YB_T_INT, 0},    {"first_admission", YB_T_BOOL, 0}, {"settled_on", YB_T_DATE, 0},
    {"level", YB_T_ENUM, 0},        {"reasons", YB_T_REASONS, 0},    {"alerts", YB_T_ALERTS, 0},
};
#define NF ((int)(sizeof fields / sizeof fields[0]))

static const char pool[] = "C-1M \"q\"\\\n\x01\xe5\xbc\xa0,x";
/* claim_id "C-1" at 0; member_id `M "q"\<LF><SOH>张,x` at 3 */

static const char *const reasons1[] = {"WAITING_PERIOD", "NOT_DESIGNATED"};
/* plain: the rule is known to need no escape, the first message is not (its
   quotes are escaped all the same), the second message is */
static const yb_alert alerts1[] = {
    {"DUPLICATE_CLAIM", 15, 1, "same \"member\"", 13, 1},
    {"OUT_OF_CATALOG_SHARE", 20, 0, "x", 1, 3},
};

static void settlements(yb_settlement *a, yb_settlement *b, int64_t *va, int64_t *vb)
{
    int64_t v1[NF] = {
        yb_text_make(0, 3, false), yb_text_make(3, 13, false), 0, 800000, -5, 850000, 2, 1,
        yb_date_from_ymd(2025, 5, 9), 2, 0, 0,
    };
    int64_t v2[NF] = {
        yb_text_make(0, 3, false), yb_text_make(0, 0, false), 0, 0, 0, 25000, -7, 0,
        yb_date_from_ymd(1, 1, 1), 7 /* out of range: printed as its index */, 0, 0,
    };
    memcpy(va, v1, sizeof v1);
    memcpy(vb, v2, sizeof v2);
    memset(a, 0, sizeof *a);
    memset(b, 0, sizeof *b);
    a->values = va;
    a->reasons = reasons1;
    a->nreasons = 2;
    a->alerts = alerts1;
    a->nalerts = 2;
    a->explain = "[{\"rule\":\"x\",\"line\":3}]";
    a->explain_len = strlen(a->explain);
    a->text = text_fn;
    a->text_ctx = (void *)pool;
    b->values = vb;
    b->held = true;
    b->text = text_fn;
    b->text_ctx = (void *)pool;
}

/* The n settlements s written with the fields f (nf of them), as one string. */
static char *run_fields(yb_format fmt, const yb_out_field *f, int nf, const yb_settlement *s, int n, size_t *len)
{
    char *out = NULL;
    FILE *fp = open_memstream(&out, len);
    assert_non_null(fp);
    yb_writer *w = yb_writer_open(fp, fmt, f, nf, enums);
    assert_non_null(w);
    for (int i = 0; i < n; i++) assert_true(yb_writer_put(w, &s[i]));
    assert_true(yb_writer_close(w));
    fclose(fp);
    return out;
}

static char *run(yb_format fmt, const yb_settlement *s, int n, size_t *len)
{
    return run_fields(fmt, fields, NF, s, n, len);
}

static void test_jsonl_exact(void **state)
{
    (void)state;
    yb_settlement s[2];
    int64_t va[NF], vb[NF];
    settlements(&s[0], &s[1], va, vb);
    size_t len;
    char *out = run(YB_FMT_JSONL, s, 2, &len);
    static const char want[] =
        "{\"claim_id\":\"C-1\",\"member_id\":\"M \\\"q\\\"\\\\\\n\\u0001\xe5\xbc\xa0,x\",\"status\":\"settled\","
        "\"total\":\"8000.00\",\"fund\":\"-0.05\",\"ratio\":\"85%\",\"admissions\":2,\"first_admission\":true,"
        "\"settled_on\":\"2025-05-09\",\"level\":\"second\",\"reasons\":[\"WAITING_PERIOD\",\"NOT_DESIGNATED\"],"
        "\"alerts\":[{\"rule\":\"DUPLICATE_CLAIM\",\"severity\":\"block\",\"message\":\"same \\\"member\\\"\"},"
        "{\"rule\":\"OUT_OF_CATALOG_SHARE\",\"severity\":\"warn\",\"message\":\"x\"}],"
        "\"explain\":[{\"rule\":\"x\",\"line\":3}]}\n"
        "{\"claim_id\":\"C-1\",\"member_id\":\"\",\"status\":\"held\",\"total\":\"0.00\",\"fund\":\"0.00\","
        "\"ratio\":\"2.5%\",\"admissions\":-7,\"first_admission\":false,\"settled_on\":\"0001-01-01\",\"level\":7,"
        "\"reasons\":[],\"alerts\":[]}\n";
    assert_int_equal(len, sizeof want - 1);
    assert_memory_equal(out, want, len);
    free(out);
}

static void test_csv_exact(void **state)
{
    (void)state;
    yb_settlement s[2];
    int64_t va[NF], vb[NF];
    settlements(&s[0], &s[1], va, vb);
    size_t len;
    char *out = run(YB_FMT_CSV, s, 2, &len);
    static const char want[] =
        "claim_id,member_id,status,total,fund,ratio,admissions,first_admission,settled_on,level,reasons,alerts\n"
        "C-1,\"M \"\"q\"\"\\\n\x01\xe5\xbc\xa0,x\",settled,8000.00,-0.05,85%,2,true,2025-05-09,second,"
        "WAITING_PERIOD;NOT_DESIGNATED,DUPLICATE_CLAIM:block;OUT_OF_CATALOG_SHARE:warn\n"
        "C-1,,held,0.00,0.00,2.5%,-7,false,0001-01-01,7,,\n";
    assert_int_equal(len, sizeof want - 1);
    assert_memory_equal(out, want, len);
    free(out);

    /* no settlements: the header alone */
    out = run(YB_FMT_CSV, s, 0, &len);
    assert_int_equal(len, 102);
    assert_memory_equal(out, want, 102);
    free(out);
    out = run(YB_FMT_JSONL, s, 0, &len);
    assert_int_equal(len, 0);
    free(out);
}

/* Money, ints and dates are formatted by hand: they must agree with money.c / date.c. */
static void test_numbers(void **state)
{
    (void)state;
    static const int64_t money[] = {0, 1, 9, 10, 99, 100, 101, 110, 123456789, -1, -99, -100, -12345,
                                    YB_MONEY_MAX, -YB_MONEY_MAX, INT64_MAX, INT64_MIN};
    static const int64_t ints[] = {0, 7, -7, 1000000007, INT64_MAX, INT64_MIN};
    static const int dates[][3] = {{1970, 1, 1}, {2024, 2, 29}, {1, 1, 1}, {9999, 12, 31}, {1969, 12, 31}, {2000, 10, 5}};
    yb_out_field f[3] = {{"m", YB_T_MONEY, 0}, {"i", YB_T_INT, 0}, {"d", YB_T_DATE, 0}};
    for (size_t k = 0; k < sizeof money / sizeof money[0]; k++) {
        int64_t v[3] = {money[k], ints[k % 6], yb_date_from_ymd(dates[k % 6][0], dates[k % 6][1], dates[k % 6][2])};
        yb_settlement s;
        memset(&s, 0, sizeof s);
        s.values = v;
        size_t len;
        char *out = run_fields(YB_FMT_JSONL, f, 3, &s, 1, &len);
        char m[32], d[16], want[128];
        yb_money_format(money[k], m);
        yb_date_format(v[2], d);
        snprintf(want, sizeof want, "{\"m\":\"%s\",\"i\":%lld,\"d\":\"%s\"}\n", m, (long long)ints[k % 6], d);
        assert_string_equal(out, want);
        free(out);
    }
}

static void test_duration_and_escapes(void **state)
{
    (void)state;
    yb_out_field f[5] = {{"w", YB_T_DURATION, 0}, {"x", YB_T_DURATION, 0}, {"y", YB_T_DURATION, 0},
                         {"z", YB_T_DURATION, 0}, {"odd \"key\"\t", YB_T_BOOL, 0}};
    int64_t v[5] = {yb_duration_make(3, 0), yb_duration_make(0, 10), yb_duration_make(1, -15), yb_duration_make(0, 0), 0};
    yb_settlement s;
    memset(&s, 0, sizeof s);
    s.values = v;
    char *out = NULL;
    size_t len;
    FILE *fp = open_memstream(&out, &len);
    yb_writer *w = yb_writer_open(fp, YB_FMT_JSONL, f, 5, NULL);
    assert_true(yb_writer_put(w, &s));
    assert_true(yb_writer_close(w));
    fclose(fp);
    assert_string_equal(out, "{\"w\":\"P3M\",\"x\":\"P10D\",\"y\":\"P1M-15D\",\"z\":\"P0D\",\"odd \\\"key\\\"\\t\":false}\n");
    free(out);
    /* an enum field needs the enum table */
    yb_out_field e[1] = {{"level", YB_T_ENUM, 0}};
    assert_null(yb_writer_open(stdout, YB_FMT_JSONL, e, 1, NULL));
}

/* yb_json_plain_len: the first byte that needs an escape, at every place
 * around the 8-byte words it is looked for in; bytes that need none (space,
 * DEL, UTF-8 bytes) beside it. */
static void test_plain_len(void **state)
{
    (void)state;
    static const char special[] = {'"', '\\', '\n', 0x01, 0x1f, 0};
    static const char plain[] = {' ', 0x7f, (char)0x80, (char)0xe4, (char)0xff, '!', '#', '[', ']', 'a'};
    char s[40];
    for (size_t n = 0; n <= 24; n++)
        for (size_t pl = 0; pl < sizeof plain; pl++) {
            memset(s, plain[pl], sizeof s);
            assert_int_equal(yb_json_plain_len(s, n), n); /* nothing to escape */
            for (size_t at = 0; at < n; at++)
                for (size_t sp = 0; sp < sizeof special; sp++) {
                    s[at] = special[sp];
                    assert_int_equal(yb_json_plain_len(s, n), at);
                    if (at + 1 < n) {
                        s[at + 1] = special[(sp + 1) % sizeof special]; /* a second one after it */
                        assert_int_equal(yb_json_plain_len(s, n), at);
                        s[at + 1] = plain[pl];
                    }
                    s[at] = plain[pl];
                }
        }
}

/* Text values: copied whole when nothing needs an escape, escaped as
 * everywhere else when something does (here past the first 8 bytes). */
static void test_text_values(void **state)
{
    (void)state;
    static const char arena[] = "C-2025-000000001" "\xe8\x91\xa1\xe8\x90\x84 10%" "0123456789\"\\\n\x01x";
    yb_out_field f[3] = {{"claim_id", YB_T_TEXT, 0}, {"name", YB_T_TEXT, 0}, {"odd", YB_T_TEXT, 0}};
    int64_t v[3] = {yb_text_make(0, 16, false), yb_text_make(16, 10, false), yb_text_make(26, 15, false)};
    yb_settlement s;
    memset(&s, 0, sizeof s);
    s.values = v;
    s.text = text_fn;
    s.text_ctx = (void *)arena;
    size_t len;
    char *out = run_fields(YB_FMT_JSONL, f, 3, &s, 1, &len);
    assert_string_equal(out, "{\"claim_id\":\"C-2025-000000001\",\"name\":\"\xe8\x91\xa1\xe8\x90\x84 10%\","
                             "\"odd\":\"0123456789\\\"\\\\\\n\\u0001x\"}\n");
    free(out);
}

/* Output far larger than the 256 KiB block, and one value larger than it. */
static void test_large_output(void **state)
{
    (void)state;
    size_t big = 600 * 1024;
    char *text = malloc(big);
    for (size_t i = 0; i < big; i++) text[i] = (char)('a' + i % 26);
    yb_out_field f[2] = {{"t", YB_T_TEXT, 0}, {"n", YB_T_INT, 0}};
    int64_t v[2] = {yb_text_make(0, 1000, false), 0};
    yb_settlement s;
    memset(&s, 0, sizeof s);
    s.values = v;
    s.text = text_fn;
    s.text_ctx = text;
    char *out = NULL;
    size_t len;
    FILE *fp = open_memstream(&out, &len);
    yb_writer *w = yb_writer_open(fp, YB_FMT_JSONL, f, 2, NULL);
    for (int i = 0; i < 5000; i++) {
        v[1] = i;
        assert_true(yb_writer_put(w, &s));
    }
    v[0] = yb_text_make(0, (uint32_t)big, false);
    v[1] = -1;
    assert_true(yb_writer_put(w, &s));
    assert_true(yb_writer_close(w));
    fclose(fp);
    /* {"t":"<1000>","n":<i>}\n */
    size_t want = 0;
    for (int i = 0; i < 5000; i++) want += 6 + 1000 + 6 + (size_t)snprintf(NULL, 0, "%d", i) + 2;
    size_t last = 6 + big + 6 + 2 + 2;
    assert_int_equal(len, want + last);
    assert_memory_equal(out + want, "{\"t\":\"abcdef", 12);
    assert_memory_equal(out + len - 10, "\",\"n\":-1}\n", 10);
    assert_memory_equal(out + want - 12, "\",\"n\":4999}\n", 12);
    free(out);
    free(text);
}

static void test_write_error(void **state)
{
    (void)state;
    FILE *fp = tmpfile();
    assert_non_null(fp);
    FILE *ro = fopen("/dev/null", "r"); /* writes fail */
    assert_non_null(ro);
    yb_out_field f[1] = {{"n", YB_T_INT, 0}};
    int64_t v[1] = {1};
    yb_settlement s;
    memset(&s, 0, sizeof s);
    s.values = v;
    yb_writer *w = yb_writer_open(ro, YB_FMT_JSONL, f, 1, NULL);
    assert_non_null(w);
    bool ok = true;
    for (int i = 0; i < 100000 && ok; i++) ok = yb_writer_put(w, &s); /* fails once the block is written */
    assert_false(ok);
    assert_false(yb_writer_close(w));
    fclose(ro);
    fclose(fp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jsonl_exact),
        cmocka_unit_test(test_csv_exact),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_duration_and_escapes),
        cmocka_unit_test(test_plain_len),
        cmocka_unit_test(test_text_values),
        cmocka_unit_test(test_large_output),
        cmocka_unit_test(test_write_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
