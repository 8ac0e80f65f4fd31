/* LOOPK, the item-loop superinstruction: its shape (parse, for the compiler,
 * the verifier and the VM alike), the compiler's marking, and the run. */
#include <stdlib.h>
#include <string.h>

#include "loopk.h"
#include "vm.h"

static int target(yb_instr i, int pc) { return pc + 1 + YB_I_J(i); }

/* A guard at pc: a compare-and-jump, or TEQ/TNE then JMPF/JMPT on its result.
 * Returns the instructions it takes (0: not a guard); *to is where it jumps. */
static int parse_guard(const yb_program *p, int pc, int end, yb_loopk_guard *g, int *to)
{
    yb_instr i = p->code[pc];
    unsigned op = YB_I_OP(i);
    g->op = (uint8_t)op;
    g->a = (uint16_t)YB_I_A(i);
    g->b = (uint16_t)YB_I_B(i);
    g->c = (uint16_t)YB_I_C(i);
    switch (op) {
    case YB_OP_JNE: case YB_OP_JEQ: case YB_OP_JLT: case YB_OP_JLE: case YB_OP_JMPF: case YB_OP_JMPT:
        *to = target(i, pc);
        return 1;
    case YB_OP_TEQ: case YB_OP_TNE: {
        if (pc + 1 >= end) return 0;
        yb_instr j = p->code[pc + 1];
        if ((YB_I_OP(j) != YB_OP_JMPF && YB_I_OP(j) != YB_OP_JMPT) || YB_I_A(j) != YB_I_A(i)) return 0;
        g->jop = (uint8_t)YB_I_OP(j);
        *to = target(j, pc + 1);
        return 2;
    }
    default: return 0;
    }
}

/* An element field of the loop's list read by the loop's index (LDE, LDEC, PRESE). */
static int elem_slot(const yb_program *p, yb_instr i, const yb_loopk *k)
{
    unsigned f = YB_I_C(i);
    if (YB_I_B(i) != k->index || (int)f >= p->schema.nfields || p->elem_list[f] != k->list) return -1;
    return p->elem_slot[f];
}

/* A price limit from pc (`if given(F) then min(A, F) else A`, loopk.h).
 * Returns the pc after it, or -1. */
static int parse_cap(const yb_program *p, int pc, int end, const yb_loopk *k, yb_loopk_clause *c)
{
    if (pc + 5 >= end || YB_I_OP(p->code[pc]) != YB_OP_PRESE || YB_I_OP(p->code[pc + 1]) != YB_OP_JMPF) return -1;
    yb_instr pr = p->code[pc], jf = p->code[pc + 1];
    c->cap_p = (uint16_t)YB_I_A(pr);
    c->cap_fslot = elem_slot(p, pr, k);
    if (c->cap_fslot < 0 || YB_I_A(jf) != c->cap_p) return -1;
    int at = pc + 2;
    c->cap_load_a = YB_I_OP(p->code[at]) == YB_OP_LDE;
    if (c->cap_load_a) {
        c->cap_a = (uint16_t)YB_I_A(p->code[at]);
        c->cap_aslot = elem_slot(p, p->code[at], k);
        if (c->cap_aslot < 0) return -1;
        at++;
    }
    if (at + 3 >= end) return -1;
    yb_instr ld = p->code[at], mn = p->code[at + 1], jmp = p->code[at + 2], el = p->code[at + 3];
    /* LDEC of the field PRESE tested: it is given, so LDEC cannot fail */
    if (YB_I_OP(ld) != YB_OP_LDEC || YB_I_C(ld) != YB_I_C(pr) || elem_slot(p, ld, k) != c->cap_fslot) return -1;
    c->cap_m = (uint16_t)YB_I_A(ld);
    if ((YB_I_OP(mn) != YB_OP_MIN && YB_I_OP(mn) != YB_OP_MAX) || YB_I_C(mn) != c->cap_m) return -1;
    if (c->cap_load_a ? YB_I_B(mn) != c->cap_a : false) return -1;
    if (!c->cap_load_a) c->cap_a = (uint16_t)YB_I_B(mn);
    c->cap_op = (uint8_t)YB_I_OP(mn);
    c->x = (uint16_t)YB_I_A(mn);
    if (YB_I_OP(jmp) != YB_OP_JMP || target(jmp, at + 2) != at + 4 || target(jf, pc + 1) != at + 3) return -1;
    if (YB_I_A(el) != c->x) return -1;
    if (YB_I_OP(el) == YB_OP_LDE) {
        c->cap_else_load = true;
        c->cap_a2slot = elem_slot(p, el, k);
        if (c->cap_a2slot < 0) return -1;
    } else if (YB_I_OP(el) == YB_OP_MOV) {
        c->cap_else_load = false;
        c->cap_a2 = (uint16_t)YB_I_B(el);
    } else {
        return -1;
    }
    c->cap = true;
    return at + 4;
}

/* One clause from pc: guards, then the action.  Returns the pc after it, or -1. */
static int parse_clause(const yb_program *p, int pc, int end, const yb_loopk *k, yb_loopk_clause *c)
{
    int tos[YB_LOOPK_MAX_GUARDS];
    memset(c, 0, sizeof *c);
    c->derived = -1;
    c->leave = false;
    c->dset = -1;
    c->cap = false;
    for (;;) {
        if (pc >= end) return -1;
        if (c->nguards == YB_LOOPK_MAX_GUARDS) break;
        int n = parse_guard(p, pc, end, &c->guards[c->nguards], &tos[c->nguards]);
        if (!n) break;
        c->nguards++;
        pc += n;
    }
    yb_instr i = p->code[pc];
    bool valued = false; /* x holds the clause's value (DGET or a cap) */
    if (YB_I_OP(i) == YB_OP_PRESE) {
        pc = parse_cap(p, pc, end, k, c);
        if (pc < 0) return -1;
        i = p->code[pc];
        valued = true;
    } else if (YB_I_OP(i) == YB_OP_DGET) {
        unsigned v = YB_I_C(i);
        if (YB_I_B(i) != k->index || (int)v >= p->nderived || p->derived[v].list != k->list || pc + 1 >= end) return -1;
        c->derived = (int32_t)v;
        c->x = (uint16_t)YB_I_A(i);
        c->dget_pc = pc;
        i = p->code[++pc];
        valued = true;
    }
    if (valued && pc >= end) return -1;
    if (valued && !(YB_I_OP(i) == YB_OP_ADD && YB_I_C(i) == c->x) && !(YB_I_OP(i) == YB_OP_DSET && YB_I_A(i) == c->x))
        return -1;
    if (YB_I_OP(i) == YB_OP_DSET) {
        unsigned v = YB_I_C(i);
        if (YB_I_B(i) != k->index || (int)v >= p->nderived || p->derived[v].list != k->list) return -1;
        c->dset = (int32_t)v;
        c->val = (uint16_t)YB_I_A(i);
        c->act_pc = pc++;
    } else if (YB_I_OP(i) == YB_OP_ADD) {
        if (YB_I_A(i) != YB_I_B(i)) return -1;
        c->acc = (uint16_t)YB_I_A(i);
        c->val = (uint16_t)YB_I_C(i);
        c->act_pc = pc++;
    } else if (YB_I_OP(i) == YB_OP_MOV && !valued && pc + 1 < end) {
        yb_instr j = p->code[pc + 1];
        if (YB_I_OP(j) != YB_OP_JMP || target(j, pc + 1) != end + 1) return -1;
        c->leave = true;
        c->acc = (uint16_t)YB_I_A(i);
        c->val = (uint16_t)YB_I_B(i);
        c->act_pc = pc;
        pc += 2;
    } else {
        return -1;
    }
    for (int g = 0; g < c->nguards; g++)
        if (tos[g] != pc) return -1; /* a guard skips its own clause, nothing else */
    return pc;
}

bool yb_loopk_parse(const yb_program *p, int pc, yb_loopk *out)
{
    yb_loopk k;
    if (pc < 0 || pc >= p->ncode || !p->elem_list) return false;
    yb_instr lb = p->code[pc];
    if (YB_I_OP(lb) != YB_OP_LOOPB && YB_I_OP(lb) != YB_OP_LOOPK) return false;
    int end = pc + YB_I_J(lb);
    if (end <= pc || end >= p->ncode) return false;
    yb_instr ln = p->code[end];
    if (YB_I_OP(ln) != YB_OP_LOOPN || YB_I_A(ln) != YB_I_A(lb) || YB_I_B(ln) != YB_I_B(lb) || target(ln, end) != pc + 1)
        return false;
    k.index = (uint16_t)YB_I_A(lb);
    k.list = (int32_t)YB_I_B(lb);
    if (k.list >= p->schema.nlists) return false;
    k.stride = p->schema.lists[k.list].elem_nslots;
    k.nloads = 0;
    int at = pc + 1;
    for (; at < end && YB_I_OP(p->code[at]) == YB_OP_LDE && k.nloads < YB_LOOPK_MAX_LOADS; at++) {
        yb_instr i = p->code[at];
        unsigned f = YB_I_C(i);
        if (YB_I_B(i) != k.index || (int)f >= p->schema.nfields || p->elem_list[f] != k.list) return false;
        k.load_reg[k.nloads] = (uint16_t)YB_I_A(i);
        k.load_slot[k.nloads++] = p->elem_slot[f];
    }
    k.nclauses = 0;
    while (at < end) {
        if (k.nclauses == YB_LOOPK_MAX_CLAUSES) return false;
        at = parse_clause(p, at, end, &k, &k.clauses[k.nclauses++]);
        if (at < 0) return false;
    }
    if (k.nclauses == 0) return false;
    if (out) *out = k;
    return true;
}

void yb_loopk_mark(yb_program *p)
{
    for (int pc = 0; pc < p->ncode; pc++) {
        yb_instr i = p->code[pc];
        if (YB_I_OP(i) == YB_OP_LOOPB && yb_loopk_parse(p, pc, NULL))
            p->code[pc] = (i & ~(yb_instr)0xff) | YB_OP_LOOPK;
    }
}

/* ---------------------------------------------------------------- the fast plan */

typedef struct reg_writes { int n; uint16_t reg[YB_LOOPK_MAX_LOADS + 3 * YB_LOOPK_MAX_CLAUSES * (YB_LOOPK_MAX_GUARDS + 2)]; } reg_writes;

static int times_written(const reg_writes *w, unsigned r)
{
    int n = 0;
    for (int i = 0; i < w->n; i++) n += w->reg[i] == r;
    return n;
}

/* The load that fills register r (written by nothing else), or -1. */
static int load_of(const yb_loopk *k, const reg_writes *w, unsigned r)
{
    for (int f = 0; f < k->nloads; f++)
        if (k->load_reg[f] == r) return times_written(w, r) == 1 ? f : -1;
    return -1;
}

void yb_loopk_plan(yb_loopk *k)
{
    reg_writes w = {.n = 0};
    w.reg[w.n++] = k->index;
    for (int f = 0; f < k->nloads; f++) w.reg[w.n++] = k->load_reg[f];
    for (int ci = 0; ci < k->nclauses; ci++) {
        const yb_loopk_clause *c = &k->clauses[ci];
        for (int g = 0; g < c->nguards; g++)
            if (c->guards[g].op == YB_OP_TEQ || c->guards[g].op == YB_OP_TNE) w.reg[w.n++] = c->guards[g].a;
        if (c->dset < 0) w.reg[w.n++] = c->acc;
        if (c->derived >= 0) w.reg[w.n++] = c->x;
    }
    /* the price limits' registers: each has one role (presence, A, F, value)
       in every clause that writes it, and nothing else writes it */
    uint16_t caps[4 * YB_LOOPK_MAX_CLAUSES];
    uint8_t roles[4 * YB_LOOPK_MAX_CLAUSES];
    int ncaps = 0;
    bool caps_ok = true;
    for (int ci = 0; ci < k->nclauses && caps_ok; ci++) {
        const yb_loopk_clause *c = &k->clauses[ci];
        if (!c->cap) continue;
        uint16_t r4[4] = {c->cap_p, c->cap_m, c->x, c->cap_a};
        int nr = c->cap_load_a ? 4 : 3;
        for (int a = 0; a < nr && caps_ok; a++) {
            if (times_written(&w, r4[a])) caps_ok = false;
            for (int b = 0; b < a; b++) caps_ok &= r4[a] != r4[b];
            bool seen = false;
            for (int j = 0; j < ncaps; j++)
                if (caps[j] == r4[a]) {
                    seen = true;
                    caps_ok &= roles[j] == a;
                }
            if (!seen) {
                caps[ncaps] = r4[a];
                roles[ncaps++] = (uint8_t)a;
            }
        }
    }
    reg_writes wb = w; /* without the price limits' registers */
    for (int j = 0; j < ncaps; j++) w.reg[w.n++] = caps[j];
    k->fast = false;
    /* `define … of item = if given(F) then min(A, F) else A`: its registers
       are distinct, and an A in a register is not one of them */
    const yb_loopk_clause *c0 = &k->clauses[0];
    k->capset = k->nloads == 0 && k->nclauses == 1 && c0->cap && c0->dset >= 0 && c0->nguards == 0 &&
                c0->cap_p != c0->cap_m && c0->cap_p != c0->x && c0->cap_m != c0->x &&
                (c0->cap_load_a ? c0->cap_a != c0->cap_p && c0->cap_a != c0->cap_m && c0->cap_a != c0->x
                                : c0->cap_a != c0->cap_p && c0->cap_a != c0->cap_m && c0->cap_a != c0->x) &&
                (c0->cap_else_load || (c0->cap_a2 != c0->cap_p && c0->cap_a2 != c0->cap_m && c0->cap_a2 != c0->x &&
                                       (c0->cap_load_a ? c0->cap_a2 != c0->cap_a : true))) &&
                c0->cap_p != k->index && c0->cap_m != k->index && c0->x != k->index && c0->cap_a != k->index;
    for (int ci = 0; ci < k->nclauses; ci++) {
        const yb_loopk_clause *c = &k->clauses[ci];
        yb_loopk_fast *f = &k->fc[ci];
        memset(f, 0, sizeof *f);
        /* a sum or a destination is written by its clause alone; a DGET's
           register only by DGETs (each writes it as the loop would) */
        if (c->dset >= 0 || (c->cap && !caps_ok)) return; /* the general run */
        if (times_written(&w, c->acc) != 1 || (c->leave && k->nclauses != 1)) return;
        if (c->derived >= 0) {
            int dgets = 0;
            for (int cj = 0; cj < k->nclauses; cj++) dgets += k->clauses[cj].derived >= 0 && k->clauses[cj].x == c->x;
            if (times_written(&w, c->x) != dgets) return;
        }
        if (c->nguards > 1) return;
        if (c->nguards == 1) {
            const yb_loopk_guard *g = &c->guards[0];
            f->gop = g->op;
            f->gjop = g->jop;
            unsigned fa = g->a, fb = g->b;
            if (g->op == YB_OP_TEQ || g->op == YB_OP_TNE) {
                fa = g->b;
                fb = g->c;
                if (times_written(&w, g->a) != 1) return;
            }
            int la = load_of(k, &w, fa), lb = load_of(k, &w, fb);
            if (g->op == YB_OP_JMPF || g->op == YB_OP_JMPT) {
                if (la < 0) return;
                f->gfield_left = true;
                f->gslot = k->load_slot[la];
            } else if (la >= 0 && !times_written(&w, fb)) {
                f->gfield_left = true;
                f->gslot = k->load_slot[la];
                f->gother = (uint16_t)fb;
            } else if (lb >= 0 && !times_written(&w, fa)) {
                f->gslot = k->load_slot[lb];
                f->gother = (uint16_t)fa;
            } else {
                return;
            }
        }
        f->vslot = -1;
        f->aslot = f->a2slot = -1;
        if (c->cap) {
            /* A and the else value: a field loaded at the top, or a register the body does not write */
            if (c->cap_load_a) {
                f->aslot = c->cap_aslot;
            } else {
                int la = load_of(k, &wb, c->cap_a);
                if (la >= 0) f->aslot = k->load_slot[la];
                else if (times_written(&w, c->cap_a)) return;
            }
            if (c->cap_else_load) {
                f->a2slot = c->cap_a2slot;
            } else {
                int la = load_of(k, &wb, c->cap_a2);
                if (la >= 0) f->a2slot = k->load_slot[la];
                else if (times_written(&w, c->cap_a2)) return;
            }
        } else if (c->derived < 0) {
            int lv = load_of(k, &w, c->val);
            if (lv >= 0) f->vslot = k->load_slot[lv];
            else if (times_written(&w, c->val)) return;
        }
    }
    k->fast = true;
}

/* ---------------------------------------------------------------- the run */

static bool text_eq(const yb_vm *vm, int64_t x, int64_t y)
{
    const char *px, *py;
    uint32_t nx, ny;
    yb_vm_text(vm, x, &px, &nx);
    yb_vm_text(vm, y, &py, &ny);
    return nx == ny && memcmp(px, py, nx) == 0;
}

/* Does the guard jump (skip its clause)?  TEQ/TNE also write their result. */
static bool guard_jumps(yb_vm *vm, int64_t *R, const yb_loopk_guard *g)
{
    switch (g->op) {
    case YB_OP_JNE: return R[g->a] != R[g->b];
    case YB_OP_JEQ: return R[g->a] == R[g->b];
    case YB_OP_JLT: return R[g->a] < R[g->b];
    case YB_OP_JLE: return R[g->a] <= R[g->b];
    case YB_OP_JMPF: return !R[g->a];
    case YB_OP_JMPT: return R[g->a] != 0;
    default: { /* TEQ, TNE */
        bool eq = text_eq(vm, R[g->b], R[g->c]);
        R[g->a] = g->op == YB_OP_TEQ ? eq : !eq;
        return g->jop == YB_OP_JMPF ? !R[g->a] : R[g->a] != 0;
    }
    }
}

/* Text guards: the claim text of an element field against a text the loop does not change. */
static bool text_is(const yb_vm *vm, int64_t x, const char *t, uint32_t tn)
{
    /* a claim text in bounds, as yb_vm_text would find it, without the call */
    uint32_t off = yb_text_offset(x), len = yb_text_length(x);
    if (!yb_text_in_pool(x) && (uint64_t)off + len <= vm->claim->text_len)
        return len == tn && memcmp(vm->claim->text + off, t, tn) == 0;
    const char *px;
    uint32_t nx;
    yb_vm_text(vm, x, &px, &nx);
    return nx == tn && memcmp(px, t, tn) == 0;
}

/* One clause over every element (the fast plan, vm/loopk.h): its sum in
 * *acc, the last element that passed its guard in *last (-1: none), the
 * last TEQ/TNE result in *res.  Returns the element it failed at (*err says
 * how), or n. */
typedef struct clause_out { int64_t acc, res; int32_t last, last_given; int err; } clause_out;

/* A price limit's value at element idx (the fast plan's operands). */
static int64_t cap_value(const yb_loopk_clause *c, const yb_loopk_fast *f, const int64_t *R, const int64_t *row, bool given)
{
    if (!given) return f->a2slot >= 0 ? row[f->a2slot] : R[c->cap_a2];
    int64_t a = f->aslot >= 0 ? row[f->aslot] : R[c->cap_a], m = row[c->cap_fslot];
    return c->cap_op == YB_OP_MIN ? (a < m ? a : m) : (a > m ? a : m);
}

static int32_t run_clause(yb_vm *vm, const yb_loopk *k, int ci, const yb_list_data *l, clause_out *o)
{
    const yb_loopk_clause *c = &k->clauses[ci];
    const yb_loopk_fast *f = &k->fc[ci];
    const int64_t *R = vm->regs;
    const int32_t n = l->count;
    const size_t stride = (size_t)k->stride;
    const int64_t *slots = l->slots;
    const int32_t gslot = f->gslot, vslot = f->vslot;
    const int64_t other = R[f->gother], val = R[c->val];
    const int64_t *dv = c->derived >= 0 ? vm->dvals[c->derived] : NULL;
    const int32_t dcap = c->derived >= 0 ? vm->dcap[c->derived] : 0;
    const char *tp = "";
    uint32_t tn = 0;
    if (f->gop == YB_OP_TEQ || f->gop == YB_OP_TNE) yb_vm_text(vm, other, &tp, &tn);
    int64_t acc = R[c->acc];
    int32_t idx;
    o->last = o->last_given = -1;
    o->err = 0;
    /* SKIP: does the guard skip element row (x its field)? */
#define CLAUSE_LOOP(SKIP)                                                                        \
    for (idx = 0; idx < n; idx++) {                                                              \
        const int64_t *row = slots + (size_t)idx * stride;                                       \
        int64_t x = row[gslot];                                                                  \
        (void)x;                                                                                 \
        if (SKIP) continue;                                                                      \
        int64_t v;                                                                               \
        if (vslot >= 0) v = row[vslot];                                                          \
        else if (c->cap) {                                                                       \
            bool given_ = l->present[(size_t)idx * stride + (size_t)c->cap_fslot] != 0;          \
            v = cap_value(c, f, R, row, given_);                                                 \
            if (given_) o->last_given = idx;                                                     \
        } else if (dv || c->derived >= 0) {                                                      \
            if (idx >= dcap) { o->err = YB_LOOPK_OUTSIDE; break; }                               \
            v = dv[idx];                                                                         \
        } else v = val;                                                                          \
        o->last = idx;                                                                           \
        if (c->leave) { acc = v; break; }                                                        \
        if (__builtin_add_overflow(acc, v, &acc)) { o->err = YB_LOOPK_OVERFLOW; break; }         \
    }
    /* `sum of X in items where F = V` (or !=): whether an element passes is the
       data's to decide, so each is added, as 0 when it does not pass, rather
       than skipped by a branch the CPU mispredicts half the time */
    if ((f->gop == YB_OP_JNE || f->gop == YB_OP_JEQ) && !c->cap && !c->leave && (c->derived < 0 || dcap >= n)) {
        const bool skip_equal = f->gop == YB_OP_JEQ;
        const int64_t *src = vslot >= 0 ? slots + vslot : c->derived >= 0 ? dv : &val;
        const size_t step = vslot >= 0 ? stride : c->derived >= 0 ? 1 : 0;
        const int64_t *gx = slots + gslot;
        int32_t last = -1;
        for (idx = 0; idx < n; idx++, gx += stride, src += step) {
            const bool take = (*gx == other) != skip_equal;
            const int64_t v = *src & -(int64_t)take;
            last = take ? idx : last;
            if (__builtin_add_overflow(acc, v, &acc)) { o->err = YB_LOOPK_OVERFLOW; break; }
        }
        o->last = last;
        o->acc = acc;
        return idx;
    }
    bool left = f->gfield_left;
    switch (f->gop) {
    case 0: CLAUSE_LOOP(false) break;
    case YB_OP_JNE: CLAUSE_LOOP(x != other) break;
    case YB_OP_JEQ: CLAUSE_LOOP(x == other) break;
    case YB_OP_JLT: CLAUSE_LOOP(left ? x < other : other < x) break;
    case YB_OP_JLE: CLAUSE_LOOP(left ? x <= other : other <= x) break;
    case YB_OP_JMPF: CLAUSE_LOOP(!x) break;
    case YB_OP_JMPT: CLAUSE_LOOP(x != 0) break;
    default: { /* TEQ, TNE then JMPF/JMPT on the result */
        bool teq = f->gop == YB_OP_TEQ, onf = f->gjop == YB_OP_JMPF;
        CLAUSE_LOOP((o->res = text_is(vm, x, tp, tn) == teq, onf ? !o->res : o->res))
        break;
    }
    }
#undef CLAUSE_LOOP
    o->acc = acc;
    return idx;
}

/* Is clause cj's write at element lj later than clause ci's at li (element
 * first, then clause order)? */
static bool later(int32_t lj, int cj, int32_t li, int ci) { return lj > li || (lj == li && cj > ci); }

/* Is clause ci the last writer of register r in role `role` (0 presence,
 * 1 F, 2 value, 3 A), element first, then clause order?  Presence and value
 * are written on every run of the limit, F and A when F is given. */
static bool last_writer(const yb_loopk *k, const clause_out *out, int ci, int role)
{
    const yb_loopk_clause *c = &k->clauses[ci];
    uint16_t r = role == 0 ? c->cap_p : role == 1 ? c->cap_m : role == 2 ? c->x : c->cap_a;
    bool given = role == 1 || role == 3;
    int32_t li = given ? out[ci].last_given : out[ci].last;
    if (li < 0) return false;
    for (int cj = 0; cj < k->nclauses; cj++) {
        const yb_loopk_clause *d = &k->clauses[cj];
        if (cj == ci || !d->cap || (role == 3 && !d->cap_load_a)) continue;
        uint16_t rd = role == 0 ? d->cap_p : role == 1 ? d->cap_m : role == 2 ? d->x : d->cap_a;
        if (rd == r && later(given ? out[cj].last_given : out[cj].last, cj, li, ci)) return false;
    }
    return true;
}

/* The price limit of clause ci leaves its registers as the loop would. */
static void cap_registers(yb_vm *vm, const yb_loopk *k, const yb_list_data *l, const clause_out *out, int ci)
{
    int64_t *R = vm->regs;
    const yb_loopk_clause *c = &k->clauses[ci];
    const size_t stride = (size_t)k->stride;
    if (out[ci].last >= 0) {
        int32_t e = out[ci].last;
        const int64_t *row = l->slots + (size_t)e * stride;
        bool given = l->present[(size_t)e * stride + (size_t)c->cap_fslot] != 0;
        int64_t v = cap_value(c, &k->fc[ci], R, row, given);
        if (last_writer(k, out, ci, 0)) R[c->cap_p] = given;
        if (last_writer(k, out, ci, 2)) R[c->x] = v;
    }
    if (out[ci].last_given >= 0) {
        const int64_t *row = l->slots + (size_t)out[ci].last_given * stride;
        if (last_writer(k, out, ci, 1)) R[c->cap_m] = row[c->cap_fslot];
        if (c->cap_load_a && last_writer(k, out, ci, 3)) R[c->cap_a] = row[c->cap_aslot];
    }
}

/* The fast plan: clause by clause instead of element by element.  The sums
 * are the same; the first failure is the smallest (element, clause), as the
 * loop would meet it; the registers get what the loop would leave (a DGET's
 * register: the last (element, clause) that wrote it). */
static int run_fast(yb_vm *vm, const yb_loopk *k, int *pc, int64_t *idx_out)
{
    int64_t *R = vm->regs;
    const yb_list_data *l = &vm->claim->lists[k->list];
    const int32_t n = l->count, nc = k->nclauses;
    clause_out out[YB_LOOPK_MAX_CLAUSES];
    int32_t fail_at = n, fail_ci = -1, end = n;
    for (int ci = 0; ci < nc; ci++) {
        int32_t at = run_clause(vm, k, ci, l, &out[ci]);
        if (out[ci].err && at < fail_at) {
            fail_at = at;
            fail_ci = ci;
        }
        if (k->clauses[ci].leave && at < n) end = at; /* left the loop at this element */
    }
    if (fail_ci >= 0) {
        const yb_loopk_clause *c = &k->clauses[fail_ci];
        *pc = out[fail_ci].err == YB_LOOPK_OUTSIDE ? c->dget_pc : c->act_pc;
        *idx_out = fail_at;
        return out[fail_ci].err;
    }
    int32_t last_el = end < n ? end : n - 1; /* the element the loop ended on */
    for (int ci = 0; ci < nc; ci++) {
        const yb_loopk_clause *c = &k->clauses[ci];
        R[c->acc] = out[ci].acc;
        if ((k->fc[ci].gop == YB_OP_TEQ || k->fc[ci].gop == YB_OP_TNE) && n > 0) R[c->guards[0].a] = out[ci].res;
        if (c->cap) cap_registers(vm, k, l, out, ci);
        if (c->derived < 0 || out[ci].last < 0) continue;
        /* the last writer of this DGET register: a later element, or the same one and a later clause */
        bool latest = true;
        for (int cj = 0; cj < nc; cj++)
            if (cj != ci && k->clauses[cj].derived >= 0 && k->clauses[cj].x == c->x &&
                (out[cj].last > out[ci].last || (out[cj].last == out[ci].last && cj > ci)))
                latest = false;
        if (latest) R[c->x] = vm->dvals[c->derived][out[ci].last];
    }
    if (n > 0) {
        const int64_t *row = l->slots + (size_t)last_el * (size_t)k->stride;
        for (int f = 0; f < k->nloads; f++) R[k->load_reg[f]] = row[k->load_slot[f]];
    }
    R[k->index] = end;
    return 0;
}

/* A price limit on one element, register by register as its instructions write them. */
static void run_cap(int64_t *R, const yb_loopk_clause *c, const int64_t *row, const uint8_t *present)
{
    R[c->cap_p] = present[c->cap_fslot];
    if (R[c->cap_p]) {
        if (c->cap_load_a) R[c->cap_a] = row[c->cap_aslot];
        R[c->cap_m] = row[c->cap_fslot];
        int64_t a = R[c->cap_a], m = R[c->cap_m];
        R[c->x] = c->cap_op == YB_OP_MIN ? (a < m ? a : m) : (a > m ? a : m);
    } else {
        R[c->x] = c->cap_else_load ? row[c->cap_a2slot] : R[c->cap_a2];
    }
}

bool yb_loopk_derived_room(yb_vm *vm, int v, int64_t idx)
{
    if (idx < vm->dcap[v]) return true;
    /* only when a claim has more elements than any before */
    int32_t cap = vm->dcap[v] ? vm->dcap[v] : 16;
    while (cap <= idx) cap *= 2;
    int64_t *nv = realloc(vm->dvals[v], (size_t)cap * sizeof *nv);
    if (!nv) return false;
    vm->dvals[v] = nv;
    vm->dcap[v] = cap;
    return true;
}

/* A derived price limit (k->capset): one tight pass; the registers are left
 * as the loop leaves them (the presence, A and F of the last element that
 * had F, the value of the last element). */
static int run_capset(yb_vm *vm, const yb_loopk *k, int *pc)
{
    int64_t *R = vm->regs;
    const yb_loopk_clause *c = &k->clauses[0];
    const yb_list_data *l = &vm->claim->lists[k->list];
    const int32_t n = l->count;
    R[k->index] = 0;
    if (n <= 0) return 0;
    /* the array grows as the loop's DSETs would grow it, to the same size */
    if (!yb_loopk_derived_room(vm, c->dset, n - 1)) {
        *pc = c->act_pc;
        return YB_LOOPK_NOMEM;
    }
    int64_t *dv = vm->dvals[c->dset];
    const size_t stride = (size_t)k->stride;
    const int32_t fs = c->cap_fslot, as = c->cap_aslot, a2s = c->cap_a2slot;
    const bool load_a = c->cap_load_a, else_load = c->cap_else_load, is_min = c->cap_op == YB_OP_MIN;
    const int64_t a_reg = load_a ? 0 : R[c->cap_a], a2_reg = else_load ? 0 : R[c->cap_a2];
    int32_t last_given = -1;
    int64_t x = 0;
    for (int32_t idx = 0; idx < n; idx++) {
        const int64_t *row = l->slots + (size_t)idx * stride;
        if (l->present[(size_t)idx * stride + (size_t)fs]) {
            int64_t a = load_a ? row[as] : a_reg, m = row[fs];
            x = is_min ? (a < m ? a : m) : (a > m ? a : m);
            last_given = idx;
        } else {
            x = else_load ? row[a2s] : a2_reg;
        }
        dv[idx] = x;
    }
    if (last_given >= 0) {
        const int64_t *row = l->slots + (size_t)last_given * stride;
        if (load_a) R[c->cap_a] = row[as];
        R[c->cap_m] = row[fs];
    }
    R[c->cap_p] = l->present[(size_t)(n - 1) * stride + (size_t)fs];
    R[c->x] = x;
    R[k->index] = n;
    return 0;
}

int yb_loopk_run(yb_vm *vm, const yb_loopk *k, int *pc, int64_t *idx_out)
{
    if (k->fast) return run_fast(vm, k, pc, idx_out);
    if (k->capset) return run_capset(vm, k, pc);
    int64_t *R = vm->regs;
    const yb_list_data *l = &vm->claim->lists[k->list];
    int32_t n = l->count;
    R[k->index] = 0;
    for (int32_t idx = 0; idx < n; idx++) {
        R[k->index] = idx;
        const int64_t *row = l->slots + (size_t)idx * (size_t)k->stride;
        for (int f = 0; f < k->nloads; f++) R[k->load_reg[f]] = row[k->load_slot[f]];
        for (int ci = 0; ci < k->nclauses; ci++) {
            const yb_loopk_clause *c = &k->clauses[ci];
            bool skip = false;
            for (int g = 0; g < c->nguards && !skip; g++) skip = guard_jumps(vm, R, &c->guards[g]);
            if (skip) continue;
            if (c->derived >= 0) {
                if (idx >= vm->dcap[c->derived]) {
                    *pc = c->dget_pc;
                    *idx_out = idx;
                    return YB_LOOPK_OUTSIDE;
                }
                R[c->x] = vm->dvals[c->derived][idx];
            } else if (c->cap) {
                run_cap(R, c, row, l->present + (size_t)idx * (size_t)k->stride);
            }
            if (c->dset >= 0) {
                if (!yb_loopk_derived_room(vm, c->dset, idx)) {
                    *pc = c->act_pc;
                    return YB_LOOPK_NOMEM;
                }
                vm->dvals[c->dset][idx] = R[c->val];
                continue;
            }
            if (c->leave) {
                R[c->acc] = R[c->val];
                return 0; /* the index stays at this element, as the JMP out leaves it */
            }
            if (__builtin_add_overflow(R[c->acc], R[c->val], &R[c->acc])) {
                *pc = c->act_pc;
                return YB_LOOPK_OVERFLOW;
            }
        }
    }
    if (n > 0) R[k->index] = n; /* LOOPN's last increment */
    return 0;
}
