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
 *           [DGET x i derived   the value: a derived value of the element, or a price
 *            | cap]             limit, `if given(F) then min(A, F) else A`:
 *                                 PRESE p i F; JMPF p -> else; [LDE a i A]; LDEC m i F;
 *                                 MIN|MAX x a m; JMP -> end; else: LDE x i A | MOV x a
 *           then ADD acc acc x                                 (a sum or a count)
 *             or DSET x i derived                              (`define … of item`)
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
    uint16_t x;       /* DGET's register (or the cap's result) */
    bool leave;       /* MOV dst src, then leave the loop */
    int32_t dset;     /* DSET x i dset: the action stores x as this derived value (else -1) */
    bool cap;         /* the value is a price limit (the cap_ fields) */
    uint8_t cap_op;   /* MIN or MAX */
    bool cap_load_a;  /* the then branch loads a (LDE a i A) */
    bool cap_else_load; /* the else branch is LDE x i A (else MOV x a2) */
    uint16_t cap_p, cap_a, cap_m, cap_a2;
    int32_t cap_fslot, cap_aslot, cap_a2slot;
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
    int32_t aslot, a2slot; /* a price limit's A (then, else): its field, or -1: the register */
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
    bool capset; /* the whole body is one price limit stored as a derived value (yb_loopk_plan) */
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
 * done (or left by an any/all), YB_LOOPK_OVERFLOW, YB_LOOPK_OUTSIDE or
 * YB_LOOPK_NOMEM with *pc the failing ADD, DGET or DSET (and *idx the element). */
enum { YB_LOOPK_OVERFLOW = 1, YB_LOOPK_OUTSIDE = 2, YB_LOOPK_NOMEM = 3 };
struct yb_vm;
/* Room for derived value v of element idx (DSET grows the array by doubling). */
bool yb_loopk_derived_room(struct yb_vm *vm, int v, int64_t idx);
int yb_loopk_run(struct yb_vm *vm, const yb_loopk *k, int *pc, int64_t *idx);

#endif
