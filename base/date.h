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
typedef int64_t yb_duration; /* months in the high 32 bits, days in the low 32 (both signed) */

static inline yb_duration yb_duration_make(int32_t months, int32_t days)
{
    return (yb_duration)(((uint64_t)(uint32_t)months << 32) | (uint32_t)days);
}
static inline int32_t yb_duration_months(yb_duration d) { return (int32_t)(uint32_t)((uint64_t)d >> 32); }
static inline int32_t yb_duration_days(yb_duration d) { return (int32_t)(uint32_t)((uint64_t)d & 0xffffffffu); }

yb_date yb_date_from_ymd(int y, int m, int d);
void yb_date_to_ymd(yb_date days, int *y, int *m, int *d);
int yb_days_in_month(int y, int m);
bool yb_date_valid(int y, int m, int d);

/* date + duration: months first (clamped to the month's end), then days.
 * Returns false if the result leaves the years 1..9999. */
bool yb_date_add(yb_date date, yb_duration dur, yb_date *out);

/* Parse "YYYY-MM-DD" exactly (a real calendar day); false otherwise. */
bool yb_date_parse(const char *s, size_t n, yb_date *out);

/* Format as "YYYY-MM-DD"; buf needs 11 bytes.  Returns 10. */
int yb_date_format(yb_date d, char *buf);

int yb_date_year(yb_date d);

#endif
