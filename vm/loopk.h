/* LOOPK: an item loop run as one instruction (a superinstruction).
 *
 * The compiler's aggregate loops (`sum of … in items where …`, `count of`,
 * `any of`/`all of`, several fused into one loop) have a regular body:
 *
 *   LOOPB  i list -> exit
 *   LDE    r i field            the element fields the loop reads, loaded once each
 *   ...
 *   clause: guards              JNE/JEQ/JLT/JLE a b, JMPF/JMPT a, or TEQ/TNE t x y then
 *                               JMPF/JMPT t: each jumps to the clause's end
 *           [DGET x i derived]  then ADD acc acc x            (a sum or a count)
 *        or MOV dst src then JMP -> exit                       (any / all: leave the loop)
 *   ...
 *   LOOPN  i list -> body
 *
 * yb_loopk_mark turns such a LOOPB into LOOPK; the body stays in place and is
 * verified instruction by instruction as before, and yb_loopk_parse (the one
 * description of the shape, used by the marker, the verifier and the VM)
 * checks that it still has this shape.  The VM then walks the elements in C:
 * the same register writes in the same order, so registers, errors and their
 * policy lines are exactly what the loop would leave. */
#ifndef YB_LOOPK_H
#define YB_LOOPK_H

#include <stdbool.h>
#include <stdint.h>

#include "program.h"

#define YB_LOOPK_MAX_LOADS 32
#define YB_LOOPK_MAX_CLAUSES 16
#define YB_LOOPK_MAX_GUARDS 8

typedef struct yb_loopk_guard {
    uint8_t op;      /* JNE JEQ JLT JLE JMPF JMPT, or TEQ/TNE (then jop is JMPF/JMPT) */
    uint8_t jop;
    uint16_t a, b, c; /* the compare's registers (TEQ: a = result, b c = texts) */
} yb_loopk_guard;

typedef struct yb_loopk_clause {
    int32_t nguards;
    yb_loopk_guard guards[YB_LOOPK_MAX_GUARDS];
    int32_t derived;  /* DGET's derived value, or -1 */
    uint16_t x;       /* DGET's register */
    bool leave;       /* MOV dst src, then leave the loop */
    uint16_t acc, val; /* ADD acc acc val (leave: dst, src) */
    int32_t dget_pc, act_pc; /* for error messages */
} yb_loopk_clause;

/* The fast plan (VM only, yb_loopk_plan): every clause has at most one guard
 * that compares an element field with a register the body does not write (or
 * tests a bool field), its value is an element field, such a register or a
 * derived value, and every register the body writes is written by one
 * instruction only.  Then the fields are read straight from the element and the
 * sums kept in locals; the registers get the values the loop would leave. */
typedef struct yb_loopk_fast {
    uint8_t gop;        /* 0: no guard; else the guard's op (TEQ/TNE: gjop says how it jumps) */
    uint8_t gjop;
    bool gfield_left;   /* the field is the compare's first operand */
    int32_t gslot;      /* the guard's field */
    uint16_t gother;    /* the guard's register */
    int32_t vslot;      /* the value's field, or -1: register val (or the derived value) */
} yb_loopk_fast;

typedef struct yb_loopk {
    uint16_t index;   /* the loop's index register */
    int32_t list, stride;
    int32_t nloads;
    uint16_t load_reg[YB_LOOPK_MAX_LOADS];
    int32_t load_slot[YB_LOOPK_MAX_LOADS];
    int32_t nclauses;
    yb_loopk_clause clauses[YB_LOOPK_MAX_CLAUSES];
    bool fast;
    yb_loopk_fast fc[YB_LOOPK_MAX_CLAUSES];
} yb_loopk;

/* Does the loop starting at pc (a LOOPB or a LOOPK) have LOOPK's shape?
 * Needs the program's side tables (yb_program_prepare).  k may be NULL. */
bool yb_loopk_parse(const yb_program *p, int pc, yb_loopk *k);
/* Work out the fast plan of a parsed loop (k->fast says if it has one). */
void yb_loopk_plan(yb_loopk *k);
/* Turn every LOOPB of that shape into LOOPK (the compiler's last step). */
void yb_loopk_mark(yb_program *p);

/* Run one LOOPK over the VM's current claim.  Returns 0 when the loop is
 * done (or left by an any/all), YB_LOOPK_OVERFLOW or YB_LOOPK_OUTSIDE with
 * *pc the failing ADD or DGET (and *idx the element). */
enum { YB_LOOPK_OVERFLOW = 1, YB_LOOPK_OUTSIDE = 2 };
struct yb_vm;
int yb_loopk_run(struct yb_vm *vm, const yb_loopk *k, int *pc, int64_t *idx);

#endif
