/* Civil-calendar conversions (days from 1970-01-01), after the well-known
 * era-based algorithm: exact for the whole proleptic Gregorian calendar. */
#include "date.h"
#include "decimal.h"

#include <stdio.h>

/* Any int arguments: worked out in 64 bits, where no int can overflow it. */
yb_date yb_date_from_ymd(int y, int m, int d)
{
    int64_t yy = (int64_t)y - (m <= 2);
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400;
    int64_t doy = (153 * ((int64_t)m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static yb_date clamp(yb_date z) { return z < YB_DATE_MIN ? YB_DATE_MIN : z > YB_DATE_MAX ? YB_DATE_MAX : z; }

void yb_date_to_ymd(yb_date z, int *y, int *m, int *d)
{
    z = clamp(z) + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t dd = doy - (153 * mp + 2) / 5 + 1;
    int64_t mm = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yy + (mm <= 2));
    *m = (int)mm;
    *d = (int)dd;
}

static bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int yb_days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12) return 0;
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

bool yb_date_valid(int y, int m, int d)
{
    return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= yb_days_in_month(y, m);
}

bool yb_date_add(yb_date date, yb_duration dur, yb_date *out)
{
    if (!yb_date_in_range(date)) return false;
    int y, m, d;
    yb_date_to_ymd(date, &y, &m, &d);
    int64_t months = (int64_t)y * 12 + (m - 1) + yb_duration_months(dur);
    if (months < 12 || months >= 10000LL * 12) return false;
    y = (int)(months / 12);
    m = (int)(months % 12) + 1;
    int dim = yb_days_in_month(y, m);
    if (d > dim) d = dim;
    yb_date r = yb_date_from_ymd(y, m, d) + yb_duration_days(dur);
    if (!yb_date_in_range(r)) return false;
    *out = r;
    return true;
}

static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

bool yb_date_parse(const char *s, size_t n, yb_date *out)
{
    if (n != 10 || s[4] != '-' || s[7] != '-') return false;
    int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
    if (y < 0 || m < 0 || d < 0 || !yb_date_valid(y, m, d)) return false;
    *out = yb_date_from_ymd(y, m, d);
    return true;
}

int yb_date_format(yb_date dt, char *buf)
{
    int y, m, d;
    yb_date_to_ymd(dt, &y, &m, &d); /* 1 <= y <= 9999: always ten characters */
    yb_decimal_2(buf, (unsigned)(y / 100 % 100));
    yb_decimal_2(buf + 2, (unsigned)(y % 100));
    buf[4] = '-';
    yb_decimal_2(buf + 5, (unsigned)m);
    buf[7] = '-';
    yb_decimal_2(buf + 8, (unsigned)d);
    buf[10] = 0;
    return 10;
}

int yb_date_year(yb_date dt)
{
    /* an estimate from the mean Gregorian year, corrected by at most one */
    dt = clamp(dt);
    int64_t y = 1970 + (dt * 400) / 146097 - (dt < 0);
    if (yb_date_from_ymd((int)y + 1, 1, 1) <= dt) y++;
    else if (yb_date_from_ymd((int)y, 1, 1) > dt) y--;
    return (int)y;
}

int64_t yb_date_age(yb_date birth, yb_date on)
{
    int by, bm, bd, oy, om, od;
    yb_date_to_ymd(birth, &by, &bm, &bd);
    yb_date_to_ymd(on, &oy, &om, &od);
    /* the birthday of this year not reached yet: compare (month, day) */
    return (int64_t)(oy - by) - (om < bm || (om == bm && od < bd) ? 1 : 0);
}
