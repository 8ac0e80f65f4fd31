/* Money and rate parsing and formatting: exact, from text, never through binary floating point. */
#include "money.h"

#include "decimal.h"

#include <stdio.h>
#include <string.h>

bool yb_money_parse(const char *s, size_t n, yb_money *out)
{
    size_t i = 0;
    int64_t yuan = 0;
    if (n == 0 || s[0] < '0' || s[0] > '9') return false;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
        if (yuan > YB_MONEY_MAX / 100) return false; /* stop long before overflow */
        yuan = yuan * 10 + (s[i] - '0');
        i++;
    }
    int64_t fen = 0;
    if (i < n) {
        if (s[i] != '.') return false;
        i++;
        size_t digits = n - i;
        if (digits < 1 || digits > 2) return false;
        for (size_t k = 0; k < digits; k++) {
            if (s[i + k] < '0' || s[i + k] > '9') return false;
            fen = fen * 10 + (s[i + k] - '0');
        }
        if (digits == 1) fen *= 10;
    }
    if (yuan > YB_MONEY_MAX / 100) return false;
    int64_t v = yuan * 100 + fen;
    if (v > YB_MONEY_MAX) return false;
    *out = v;
    return true;
}

bool yb_rate_parse_percent(const char *s, size_t n, yb_rate *out)
{
    /* percent with up to 4 decimals = parts per million exactly */
    size_t i = 0;
    int64_t whole = 0;
    if (n == 0 || s[0] < '0' || s[0] > '9') return false;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
        if (whole > 1000000000LL) return false;
        whole = whole * 10 + (s[i] - '0');
        i++;
    }
    int64_t frac = 0;
    int digits = 0;
    if (i < n) {
        if (s[i] != '.') return false;
        i++;
        if (i == n) return false;
        for (; i < n; i++) {
            if (s[i] < '0' || s[i] > '9') return false;
            if (digits == 4) {
                if (s[i] != '0') return false; /* not exact in ppm */
                continue;
            }
            frac = frac * 10 + (s[i] - '0');
            digits++;
        }
    }
    while (digits < 4) { frac *= 10; digits++; }
    *out = whole * 10000 + frac;
    return true;
}

int yb_money_format(yb_money m, char *buf)
{
    size_t o = yb_money_text(buf, m);
    buf[o] = 0;
    return (int)o;
}

int yb_rate_format(yb_rate r, char *buf)
{
    uint64_t a = r < 0 ? (uint64_t)0 - (uint64_t)r : (uint64_t)r;
    uint64_t whole = a / 10000, frac = a % 10000;
    int len = 0;
    if (r < 0) buf[len++] = '-';
    len += (int)yb_decimal_u64(buf + len, whole);
    if (frac) { /* four decimals of a percent, trailing zeros dropped */
        buf[len++] = '.';
        yb_decimal_2(buf + len, (unsigned)(frac / 100));
        yb_decimal_2(buf + len + 2, (unsigned)(frac % 100));
        int k = 4;
        while (buf[len + k - 1] == '0') k--;
        len += k;
    }
    buf[len++] = '%';
    buf[len] = 0;
    return len;
}
