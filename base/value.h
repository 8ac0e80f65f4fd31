/* Value kinds shared by the compiler, the bytecode and the VM.
 *
 * Every runtime value is one int64 register; its kind is proven by the
 * compiler and re-proven by the verifier, so the VM carries no tags.
 *   bool      0 or 1
 *   int       int64
 *   money     int64 fen                      (money.h)
 *   rate      int64 parts per million        (money.h)
 *   date      int64 days since 1970-01-01    (date.h)
 *   duration  months:32 | days:32            (date.h)
 *   enum      the member's index (0..n-1)
 *   text      a reference to bytes: offset | length << 32 | pool bit << 63
 *             (pool bit set: the policy's constant pool; clear: the claim's text arena)
 */
#ifndef YB_VALUE_H
#define YB_VALUE_H

#include <stdbool.h>
#include <stdint.h>

typedef enum {
#define KIND(name, printed, written, value, numeric, ordered) YB_T_##name,
#include "kinds.def"
#undef KIND
    YB_T__COUNT
} yb_kind;

#define YB_TEXT_POOL_BIT (1ULL << 63)

static inline int64_t yb_text_make(uint32_t offset, uint32_t length, bool in_pool)
{
    uint64_t v = (uint64_t)offset | ((uint64_t)(length & 0x7fffffffu) << 32);
    if (in_pool) v |= YB_TEXT_POOL_BIT;
    return (int64_t)v;
}
static inline uint32_t yb_text_offset(int64_t v) { return (uint32_t)((uint64_t)v & 0xffffffffu); }
static inline uint32_t yb_text_length(int64_t v) { return (uint32_t)(((uint64_t)v >> 32) & 0x7fffffffu); }
static inline bool yb_text_in_pool(int64_t v) { return ((uint64_t)v & YB_TEXT_POOL_BIT) != 0; }

/* The kind's properties (kinds.def); false (and "?") for a number that is no kind. */
const char *yb_kind_name(yb_kind k);
bool yb_kind_written(unsigned k);
bool yb_kind_value(unsigned k);
bool yb_kind_numeric(unsigned k);
bool yb_kind_ordered(unsigned k);

#endif
