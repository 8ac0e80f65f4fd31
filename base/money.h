/* Exact money and rate arithmetic.
 *
 * Money is int64 fen (1 yuan = 100 fen).  Rates are int64 parts per million
 * (85% = 850000, 2.5% = 25000), so every percentage with up to four decimals
 * is exact.  Every operation that can overflow reports it instead of wrapping;
 * products go through a 128-bit intermediate and are rounded once, at the
 * step where they are made (docs/domain.md section 3).
 */
#ifndef YB_MONEY_H
#define YB_MONEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decimal.h"

typedef int64_t yb_money; /* fen */
typedef int64_t yb_rate;  /* parts per million */

#define YB_RATE_ONE 1000000LL          /* 100% */
#define YB_MONEY_MAX 1000000000000000LL /* 10^13 yuan, in fen */

typedef enum { YB_ROUND_HALF_AWAY = 0, YB_ROUND_UP = 1, YB_ROUND_DOWN = 2 } yb_rounding;

/* q = n / d rounded as asked; d != 0.  UP and DOWN are toward +inf / -inf. */
static inline __int128 yb_div_round(__int128 n, __int128 d, yb_rounding mode)
{
    if (d < 0) { n = -n; d = -d; }
    __int128 q = n / d, r = n % d; /* C truncates toward zero */
    if (r == 0) return q;
    switch (mode) {
    case YB_ROUND_UP:   return n > 0 ? q + 1 : q;
    case YB_ROUND_DOWN: return n < 0 ? q - 1 : q;
    default: {
        __int128 ar = r < 0 ? -r : r;
        if (2 * ar >= d) return n < 0 ? q - 1 : q + 1;
        return q;
    }
    }
}

static inline bool yb_fits64(__int128 v) { return v >= INT64_MIN && v <= INT64_MAX; }

/* money * rate -> money.  Returns false on overflow. */
static inline bool yb_money_mul_rate(yb_money m, yb_rate r, yb_rounding mode, yb_money *out)
{
    __int128 q = yb_div_round((__int128)m * r, YB_RATE_ONE, mode);
    if (!yb_fits64(q)) return false;
    *out = (yb_money)q;
    return true;
}

/* money / rate -> money (e.g. the eligible amount a remaining cap covers). */
static inline bool yb_money_div_rate(yb_money m, yb_rate r, yb_rounding mode, yb_money *out)
{
    if (r == 0) return false;
    __int128 q = yb_div_round((__int128)m * YB_RATE_ONE, r, mode);
    if (!yb_fits64(q)) return false;
    *out = (yb_money)q;
    return true;
}

/* money / money -> rate (a share such as fund / total). */
static inline bool yb_money_ratio(yb_money a, yb_money b, yb_rounding mode, yb_rate *out)
{
    if (b == 0) return false;
    __int128 q = yb_div_round((__int128)a * YB_RATE_ONE, b, mode);
    if (!yb_fits64(q)) return false;
    *out = (yb_rate)q;
    return true;
}

/* rate * rate -> rate */
static inline bool yb_rate_mul(yb_rate a, yb_rate b, yb_rounding mode, yb_rate *out)
{
    __int128 q = yb_div_round((__int128)a * b, YB_RATE_ONE, mode);
    if (!yb_fits64(q)) return false;
    *out = (yb_rate)q;
    return true;
}

/* x / n for money or int with the given rounding. */
static inline bool yb_div_int(int64_t x, int64_t n, yb_rounding mode, int64_t *out)
{
    if (n == 0) return false;
    __int128 q = yb_div_round(x, n, mode);
    if (!yb_fits64(q)) return false;
    *out = (int64_t)q;
    return true;
}

/* Parse money text "123", "123.4", "123.45" exactly (no sign, no exponent).
 * Returns false if the text is not of that form or exceeds YB_MONEY_MAX. */
bool yb_money_parse(const char *s, size_t n, yb_money *out);

/* Parse a rate literal's number part ("85", "2.5", "33.3333"), in percent.
 * Returns false if it is not exact in parts per million or is out of range. */
bool yb_rate_parse_percent(const char *s, size_t n, yb_rate *out);

/* Format money as "-123.45"; buf needs 24 bytes.  Returns the length. */
int yb_money_format(yb_money m, char *buf);
/* The same without the NUL, inline (the settlement writer's money): the
 * bytes after the text, within the 24, may be overwritten. */
static inline size_t yb_money_text(char *d, yb_money m)
{
    uint64_t a = m < 0 ? (uint64_t)0 - (uint64_t)m : (uint64_t)m;
    d[0] = '-';
    size_t sign = m < 0;
    return sign + yb_decimal_cents(d + sign, a); /* at most 21 bytes after the sign */
}

/* Format a rate as a percentage "85%", "2.5%"; buf needs 32 bytes. */
int yb_rate_format(yb_rate r, char *buf);

#endif
