/* Symbols: the checker numbers the values a policy names (outputs, state
 * fields, defines, lets) in the order it meets them, and keeps each one's
 * kind.  Registers are codegen's business (regalloc.c): it gives every
 * symbol one register when it emits code. */
#include "internal.h"

int yb_sym_new(yb_compiler *c, uint8_t kind)
{
    if (yb_reg_limit(c, c->nsyms)) return 0; /* every symbol takes a register */
    c->sym_kinds = yb_grow(c->sym_kinds, c->nsyms, sizeof *c->sym_kinds);
    c->sym_kinds[c->nsyms] = kind;
    return c->nsyms++;
}
