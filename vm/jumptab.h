/* The computed-goto dispatch table, one label per opcode, in opcode order. */
static const void *const dispatch_table[YB_OP__COUNT] = {
#define OP(name, a, b, c, d, doc) &&L_##name,
#include "opcodes.def"
#undef OP
};

/* The joined handlers of vm/pairs.def, for decode (see join_pairs). */
static const yb_pair pair_table[] = {
#define PAIR(A, X) {YB_OP_##A, YB_OP_##X, &&P_##A##_##X},
#include "pairs.def"
#undef PAIR
};
