/* Calendar dates as days since 1970-01-01 (proleptic Gregorian), and
 * durations as (months, days) so that "+ 1 month" can clamp to a month's end
 * (2025-01-31 + 1 month = 2025-02-28, docs/domain.md section 3).
 */
#ifndef YB_DATE_H
#define YB_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef int64_t yb_date;     /* days since 1970-01-01 */

/* The calendar a date may name: 0001-01-01 .. 9999-12-31 (spec.md, section 11).
 * Claims are read, and programs verified, so that every date stays inside.
 * -719162 = -(1969 * 365 + 477 leap days); 2932896 = 8030 * 365 + 1947 - 1. */
#define YB_DATE_MIN ((yb_date)-719162)
#define YB_DATE_MAX ((yb_date)2932896)
static inline bool yb_date_in_range(yb_date d) { return d >= YB_DATE_MIN && d <= YB_DATE_MAX; }
typedef int64_t yb_duration; /* months in the high 32 bits, days in the low 32 (both signed) */

static inline yb_duration yb_duration_make(int32_t months, int32_t days)
{
    return (yb_duration)(((uint64_t)(uint32_t)months << 32) | (uint32_t)days);
}
static inline int32_t yb_duration_months(yb_duration d) { return (int32_t)(uint32_t)((uint64_t)d >> 32); }
static inline int32_t yb_duration_days(yb_duration d) { return (int32_t)(uint32_t)((uint64_t)d & 0xffffffffu); }

/* Every function below is defined for any argument.  A date outside
 * YB_DATE_MIN..YB_DATE_MAX reads as the nearest end of the range (to_ymd,
 * format, year): such a date is a bug elsewhere, and must not become an
 * overflow or a malformed string here. */
yb_date yb_date_from_ymd(int y, int m, int d);
void yb_date_to_ymd(yb_date days, int *y, int *m, int *d);
int yb_days_in_month(int y, int m); /* 0 when m is not 1..12 */
bool yb_date_valid(int y, int m, int d);

/* date + duration: months first (clamped to the month's end), then days.
 * Returns false if the date or the result is outside the range. */
bool yb_date_add(yb_date date, yb_duration dur, yb_date *out);

/* Parse "YYYY-MM-DD" exactly (a real calendar day); false otherwise. */
bool yb_date_parse(const char *s, size_t n, yb_date *out);

/* Format as "YYYY-MM-DD"; buf needs 11 bytes.  Returns 10, always. */
int yb_date_format(yb_date d, char *buf);

int yb_date_year(yb_date d);
/* Whole years from `birth` to `on`: one more on each birthday, so 29 February
 * counts from 1 March in other years; floor, so negative before `birth`. */
int64_t yb_date_age(yb_date birth, yb_date on);

#endif
