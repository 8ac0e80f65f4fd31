/* Exact money, rates and dates: the arithmetic every settlement rests on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "money.h"

static void money_parse_exact(void **state)
{
    (void)state;
    yb_money m;
    assert_true(yb_money_parse("123", 3, &m)); assert_int_equal(m, 12300);
    assert_true(yb_money_parse("123.4", 5, &m)); assert_int_equal(m, 12340);
    assert_true(yb_money_parse("0.05", 4, &m)); assert_int_equal(m, 5);
    assert_true(yb_money_parse("10000000000000.00", 17, &m)); assert_int_equal(m, 1000000000000000LL);
    assert_false(yb_money_parse("10000000000000.01", 17, &m));
    assert_false(yb_money_parse("12.345", 6, &m));
    assert_false(yb_money_parse("1e3", 3, &m));
    assert_false(yb_money_parse("-5", 2, &m));
    assert_false(yb_money_parse("5.", 2, &m));
    assert_false(yb_money_parse(".5", 2, &m));
    assert_false(yb_money_parse("", 0, &m));
    assert_false(yb_money_parse("99999999999999999999999", 23, &m));
}

static void rounding_half_away_from_zero(void **state)
{
    (void)state;
    yb_money m;
    /* 27,900.00 x 87% = 24,273.00 exactly (docs/domain.md §11 example 1) */
    assert_true(yb_money_mul_rate(2790000, 870000, YB_ROUND_HALF_AWAY, &m)); assert_int_equal(m, 2427300);
    /* 0.05 x 50% = 0.025 -> 0.03 (half away from zero), -0.025 -> -0.03 */
    assert_true(yb_money_mul_rate(5, 500000, YB_ROUND_HALF_AWAY, &m)); assert_int_equal(m, 3);
    assert_true(yb_money_mul_rate(-5, 500000, YB_ROUND_HALF_AWAY, &m)); assert_int_equal(m, -3);
    /* 0.01 x 49% = 0.0049 -> 0.00 */
    assert_true(yb_money_mul_rate(1, 490000, YB_ROUND_HALF_AWAY, &m)); assert_int_equal(m, 0);
    /* ceil(room / ratio): 100.00 / 87% = 114.942... -> 114.95 up, 114.94 down */
    assert_true(yb_money_div_rate(10000, 870000, YB_ROUND_UP, &m)); assert_int_equal(m, 11495);
    assert_true(yb_money_div_rate(10000, 870000, YB_ROUND_DOWN, &m)); assert_int_equal(m, 11494);
    assert_false(yb_money_div_rate(10000, 0, YB_ROUND_UP, &m));
    /* 14,000 x 60% + 36,230 x 65% = 8,400.00 + 23,549.50 (example 2) */
    assert_true(yb_money_mul_rate(3623000, 650000, YB_ROUND_HALF_AWAY, &m)); assert_int_equal(m, 2354950);
    /* overflow is reported, never wrapped */
    assert_false(yb_money_mul_rate(INT64_MAX, 2000000, YB_ROUND_HALF_AWAY, &m));
    yb_rate r;
    assert_true(yb_money_ratio(2427300, 3200000, YB_ROUND_HALF_AWAY, &r)); assert_int_equal(r, 758531); /* 75.8531% */
}

static void rate_literals(void **state)
{
    (void)state;
    yb_rate r;
    char buf[40];
    assert_true(yb_rate_parse_percent("85", 2, &r)); assert_int_equal(r, 850000);
    assert_true(yb_rate_parse_percent("2.5", 3, &r)); assert_int_equal(r, 25000);
    assert_true(yb_rate_parse_percent("33.3333", 7, &r)); assert_int_equal(r, 333333);
    assert_true(yb_rate_parse_percent("12.50000", 8, &r)); assert_int_equal(r, 125000);
    assert_false(yb_rate_parse_percent("33.33333", 8, &r)); /* not exact in parts per million */
    yb_rate_format(25000, buf); assert_string_equal(buf, "2.5%");
    yb_rate_format(870000, buf); assert_string_equal(buf, "87%");
    /* four decimals of a percent at most, trailing zeros dropped, the sign kept */
    yb_rate_format(333333, buf); assert_string_equal(buf, "33.3333%");
    yb_rate_format(10, buf); assert_string_equal(buf, "0.001%");
    yb_rate_format(875000, buf); assert_string_equal(buf, "87.5%");
    yb_rate_format(-50000, buf); assert_string_equal(buf, "-5%");
    yb_rate_format(-1, buf); assert_string_equal(buf, "-0.0001%");
    assert_int_equal(yb_rate_format(0, buf), 2); assert_string_equal(buf, "0%");
    yb_money_format(-5, buf); assert_string_equal(buf, "-0.05");
    yb_money_format(2427300, buf); assert_string_equal(buf, "24273.00");
}

/* Money text: below 10^8 fen the 8 digits at once with the point put in,
 * below 10^8 yuan the yuan 8 digits at once, the rest one pair at a time; both into exactly the 24 bytes money.h asks for (ASan
 * sees a write past them). */
static void money_format_every_width(void **state)
{
    (void)state;
    static const struct {
        int64_t fen;
        const char *text;
    } cases[] = {
        {0, "0.00"},
        {1, "0.01"},
        {100, "1.00"},
        {10, "0.10"},
        {1000000, "10000.00"},             /* zeros inside */
        {99999999, "999999.99"},           /* the largest below 10^8 fen: 8 digits at once, point put in */
        {100000000, "1000000.00"},         /* 10^8 fen: the yuan apart */
        {-99999999, "-999999.99"},
        {1234567, "12345.67"},
        {1000000001, "10000000.01"},
        {9999999999, "99999999.99"},       /* the largest yuan below 10^8 */
        {10000000000, "100000000.00"},     /* 10^8 yuan: the pair loop */
        {-10000000001, "-100000000.01"},
        {-99999999999, "-999999999.99"},
        {INT64_MAX, "92233720368547758.07"},
        {INT64_MIN, "-92233720368547758.08"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char *buf = malloc(24);
        assert_int_equal(yb_money_format(cases[k].fen, buf), (int)strlen(cases[k].text));
        assert_string_equal(buf, cases[k].text);
        free(buf);
    }
    /* every count of yuan digits 1-8, with and without a sign: 1, 12, 123, ... yuan and 0.45 */
    char want[32], *buf = malloc(24);
    int64_t yuan = 0;
    for (int d = 1; d <= 8; d++) {
        yuan = yuan * 10 + d;
        snprintf(want, sizeof want, "%lld.45", (long long)yuan);
        assert_int_equal(yb_money_format(yuan * 100 + 45, buf), d + 3);
        assert_string_equal(buf, want);
        assert_int_equal(yb_money_format(-(yuan * 100 + 45), buf), d + 4);
        assert_string_equal(buf + 1, want);
        assert_int_equal(buf[0], '-');
    }
    free(buf);
}

static void dates_and_month_end_clamping(void **state)
{
    (void)state;
    yb_date d, r;
    char buf[16];
    assert_true(yb_date_parse("2025-01-31", 10, &d));
    assert_true(yb_date_add(d, yb_duration_make(1, 0), &r));
    yb_date_format(r, buf); assert_string_equal(buf, "2025-02-28"); /* docs/domain.md §3 */
    assert_true(yb_date_parse("2024-01-31", 10, &d));
    assert_true(yb_date_add(d, yb_duration_make(1, 0), &r));
    yb_date_format(r, buf); assert_string_equal(buf, "2024-02-29"); /* leap year */
    assert_true(yb_date_parse("2025-03-10", 10, &d));
    assert_true(yb_date_add(d, yb_duration_make(3, 0), &r));
    yb_date_format(r, buf); assert_string_equal(buf, "2025-06-10"); /* §12.4 */
    assert_true(yb_date_add(d, yb_duration_make(0, 10), &r));
    yb_date_format(r, buf); assert_string_equal(buf, "2025-03-20");
    assert_true(yb_date_add(d, yb_duration_make(-3, 0), &r));
    yb_date_format(r, buf); assert_string_equal(buf, "2024-12-10");
    assert_false(yb_date_parse("2025-02-29", 10, &d));
    assert_false(yb_date_parse("2025-13-01", 10, &d));
    assert_false(yb_date_parse("2025-1-01", 9, &d));
    assert_false(yb_date_parse("2025/01/01", 10, &d));
    assert_true(yb_date_parse("1970-01-01", 10, &d)); assert_int_equal(d, 0);
    assert_true(yb_date_parse("2000-03-01", 10, &d)); assert_int_equal(d, 11017);
    assert_int_equal(yb_date_year(d), 2000);
    /* round trip over every day of four centuries */
    for (yb_date x = yb_date_from_ymd(1, 1, 1); x < yb_date_from_ymd(2400, 1, 1); x++) {
        int y, m, dd;
        yb_date_to_ymd(x, &y, &m, &dd);
        if (yb_date_from_ymd(y, m, dd) != x || !yb_date_valid(y, m, dd)) fail_msg("day %lld", (long long)x);
        if (yb_date_year(x) != y) fail_msg("year of day %lld: %d, expected %d", (long long)x, yb_date_year(x), y);
    }
    assert_false(yb_date_add(yb_date_from_ymd(9999, 12, 1), yb_duration_make(1, 0), &r));
}


/* The range, worked by hand: 1969 years of 365 days and 477 leap days
 * (492 fourth years - 19 centuries + 4 fourth centuries) back to 0001-01-01;
 * 8030 years of 365 days and 1947 leap days (2424 up to 9999 - 477) to
 * 10000-01-01, less one day. */
static void the_date_range(void **state)
{
    (void)state;
    assert_int_equal(YB_DATE_MIN, -719162);
    assert_int_equal(YB_DATE_MAX, 2932896);
    assert_int_equal(yb_date_from_ymd(1, 1, 1), YB_DATE_MIN);
    assert_int_equal(yb_date_from_ymd(9999, 12, 31), YB_DATE_MAX);
    assert_true(yb_date_in_range(YB_DATE_MIN) && yb_date_in_range(YB_DATE_MAX) && yb_date_in_range(0));
    assert_false(yb_date_in_range(YB_DATE_MIN - 1) || yb_date_in_range(YB_DATE_MAX + 1));
}

/* Any int64 is safe (no overflow under UBSan); outside the range a date reads
 * as the nearest end, and always formats as ten characters. */
static void dates_outside_the_range_are_safe(void **state)
{
    (void)state;
    const int64_t low[] = {INT64_MIN, INT64_MIN + 1, -4000000, YB_DATE_MIN - 1};
    const int64_t high[] = {INT64_MAX, INT64_MAX - 719468, 100000000, YB_DATE_MAX + 1};
    char buf[16];
    for (int k = 0; k < 4; k++) {
        int y, m, d;
        yb_date_to_ymd(low[k], &y, &m, &d);
        assert_true(y == 1 && m == 1 && d == 1);
        assert_int_equal(yb_date_year(low[k]), 1);
        memset(buf, 'x', sizeof buf);
        assert_int_equal(yb_date_format(low[k], buf), 10);
        assert_string_equal(buf, "0001-01-01");
        yb_date_to_ymd(high[k], &y, &m, &d);
        assert_true(y == 9999 && m == 12 && d == 31);
        assert_int_equal(yb_date_year(high[k]), 9999);
        assert_int_equal(yb_date_format(high[k], buf), 10);
        assert_string_equal(buf, "9999-12-31");
        yb_date r = 12345;
        assert_false(yb_date_add(low[k], yb_duration_make(1, 0), &r));
        assert_false(yb_date_add(high[k], yb_duration_make(-1, 0), &r));
        assert_int_equal(r, 12345);
    }
    /* the ends themselves, and the step past them */
    assert_int_equal(yb_date_format(YB_DATE_MIN, buf), 10); assert_string_equal(buf, "0001-01-01");
    assert_int_equal(yb_date_format(YB_DATE_MAX, buf), 10); assert_string_equal(buf, "9999-12-31");
    yb_date r;
    assert_false(yb_date_add(YB_DATE_MAX, yb_duration_make(0, 1), &r));
    assert_false(yb_date_add(YB_DATE_MIN, yb_duration_make(0, -1), &r));
    assert_true(yb_date_add(YB_DATE_MAX, yb_duration_make(0, -1), &r)); assert_int_equal(r, YB_DATE_MAX - 1);
    /* extreme ymd arguments: no overflow, and no month outside 1..12 read */
    (void)yb_date_from_ymd(INT32_MAX, INT32_MAX, INT32_MAX);
    (void)yb_date_from_ymd(INT32_MIN, INT32_MIN, INT32_MIN);
    assert_int_equal(yb_days_in_month(2025, 0), 0);
    assert_int_equal(yb_days_in_month(2025, 13), 0);
    assert_int_equal(yb_days_in_month(2024, 2), 29);
    assert_false(yb_date_valid(2025, 13, 1));
    assert_false(yb_date_valid(0, 1, 1));
    assert_false(yb_date_valid(10000, 1, 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(money_parse_exact),
        cmocka_unit_test(rounding_half_away_from_zero),
        cmocka_unit_test(rate_literals),
        cmocka_unit_test(money_format_every_width),
        cmocka_unit_test(dates_and_month_end_clamping),
        cmocka_unit_test(the_date_range),
        cmocka_unit_test(dates_outside_the_range_are_safe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
