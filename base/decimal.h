/* Decimal digits by hand (two at a time from a table, no printf): the hot
 * formatting of settlements and the money text everywhere use it. */
#ifndef YB_DECIMAL_H
#define YB_DECIMAL_H

#include <stddef.h>
#include <stdint.h>

/* The decimal digits of v into d (no NUL); returns their count (1..20). */
size_t yb_decimal_u64(char *d, uint64_t v);
/* The same, into d with room for 20 bytes: the bytes after the digits may be
 * overwritten (no division loop and no branch on the count below 10^8). */
size_t yb_decimal_u64_wide(char *d, uint64_t v);
/* v hundredths as "123.45" (v / 100, a point, two digits) into d with room
 * for 24 bytes, which may be overwritten after the text; returns its length
 * (4..21).  Below 10^8 without a branch on the length. */
size_t yb_decimal_cents(char *d, uint64_t v);
/* The same with a '-' for a negative v (1..20 bytes). */
size_t yb_decimal_i64(char *d, int64_t v);
/* Two digits 00..99 of v (v < 100) into d. */
void yb_decimal_2(char *d, unsigned v);

#endif
