/* libnativekinds: native functions that hand back what they were given, so the
 * tests (tests/golden/native_kinds) see every kind cross to C and back exactly
 * as vm/native.c documents: money, rate and int as int64_t, date as int32_t
 * (days since 1970-01-01), bool as int, text as a pointer and a length; and
 * results the VM must refuse (a date outside the calendar, money beyond range). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

int64_t echo_money(int64_t fen) { return fen; }
int64_t echo_rate(int64_t ppm) { return ppm; }
int32_t next_day(int32_t day) { return day + 1; }
int flip(int b) { return !b; }
int64_t text_bytes(const char *p, size_t n) { return p ? (int64_t)n : -1; }
int is_generic(const char *p, size_t n) { return n >= 2 && memcmp(p, "G-", 2) == 0; }

/* every kind at once, in an order that mixes 32- and 64-bit arguments:
   fen + ppm + day + int + bool + the text's length */
int64_t mix(int64_t fen, int64_t ppm, int32_t day, int64_t i, int b, const char *p, size_t n)
{
    (void)p;
    return fen + ppm + day + i + b + (int64_t)n;
}

int32_t past_the_calendar(int32_t day) { return day + 5000000; } /* beyond 9999-12-31 */
int64_t too_much(int64_t fen) { return fen > 0 ? INT64_MAX : fen; }
