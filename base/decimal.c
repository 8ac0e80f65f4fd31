/* Decimal digits by hand (decimal.h). */
#include "decimal.h"

#include <string.h>

static const char digit_pairs[201] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                                     "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                                     "8081828384858687888990919293949596979899";

size_t yb_decimal_u64(char *d, uint64_t v)
{
    size_t n = 1;
    for (uint64_t t = v; t >= 10; t /= 10) n++;
    char *o = d + n;
    while (v >= 100) {
        unsigned k = (unsigned)(v % 100) * 2;
        v /= 100;
        *--o = digit_pairs[k + 1];
        *--o = digit_pairs[k];
    }
    if (v >= 10) {
        *--o = digit_pairs[v * 2 + 1];
        *--o = digit_pairs[v * 2];
    } else {
        *--o = (char)('0' + v);
    }
    return n;
}

#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* The 8 decimal digits of v < 10^8 as byte values 0-9, the first digit in
 * the lowest byte: two halves of 4 digits side by side in 32-bit lanes, then
 * 2 and 1 digits per lane, by multiplying with reciprocals (exact below
 * 10^4 and 10^2). */
static inline uint64_t digits8(uint64_t v)
{
    uint64_t x = v / 10000 | (v % 10000) << 32;
    uint64_t hi = (x * 10486) >> 20 & 0x0000007F0000007FULL; /* / 100 in each lane */
    x = hi | (x - 100 * hi) << 16;
    uint64_t t = (x * 103) >> 10 & 0x000F000F000F000FULL; /* / 10 in each 16-bit lane */
    return t | (x - 10 * t) << 8;
}

size_t yb_decimal_u64_wide(char *d, uint64_t v)
{
    if (v >= 100000000) return yb_decimal_u64(d, v);
    uint64_t x = digits8(v);
    unsigned lead = (unsigned)__builtin_ctzll(x | 1ULL << 56) >> 3; /* zero digits before the first (0 keeps one) */
    x = (x + 0x3030303030303030ULL) >> (8 * lead);
    memcpy(d, &x, 8);
    return 8 - lead;
}

size_t yb_decimal_cents(char *d, uint64_t v)
{
    if (v >= 100000000) {
        size_t n = yb_decimal_u64_wide(d, v / 100);
        d[n] = '.';
        yb_decimal_2(d + n + 1, (unsigned)(v % 100));
        return n + 3;
    }
    /* the 8 digits of v: the first six (the yuan) less the zeros before the
       first that is not (at most 5: one is kept), the point, the last two
       -- no branch on the length, no division loop */
    uint64_t raw = digits8(v);
    unsigned lead = (unsigned)__builtin_ctzll(raw | 1ULL << 40) >> 3;
    uint64_t x = raw + 0x3030303030303030ULL;
    uint64_t yuan = (x & 0x0000FFFFFFFFFFFFULL) >> (8 * lead);
    uint16_t fen = (uint16_t)(x >> 48);
    size_t n = 6 - lead;
    memcpy(d, &yuan, 8);
    d[n] = '.';
    memcpy(d + n + 1, &fen, 2);
    return n + 3;
}
#else
size_t yb_decimal_u64_wide(char *d, uint64_t v) { return yb_decimal_u64(d, v); }

size_t yb_decimal_cents(char *d, uint64_t v)
{
    size_t n = yb_decimal_u64(d, v / 100);
    d[n] = '.';
    yb_decimal_2(d + n + 1, (unsigned)(v % 100));
    return n + 3;
}
#endif

size_t yb_decimal_i64(char *d, int64_t v)
{
    if (v >= 0) return yb_decimal_u64(d, (uint64_t)v);
    d[0] = '-';
    return 1 + yb_decimal_u64(d + 1, (uint64_t)0 - (uint64_t)v);
}

void yb_decimal_2(char *d, unsigned v)
{
    d[0] = digit_pairs[v * 2];
    d[1] = digit_pairs[v * 2 + 1];
}
