/* Decimal digits by hand (decimal.h). */
#include "decimal.h"

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
