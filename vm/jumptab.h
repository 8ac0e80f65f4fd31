/* The computed-goto dispatch table, one label per opcode, in opcode order. */
static const void *const dispatch_table[YB_OP__COUNT] = {
#define OP(name, a, b, c, d, doc) &&L_##name,
#include "opcodes.def"
#undef OP
};
