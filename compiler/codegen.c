/* Code generation: the checked tree becomes register bytecode.
 *
 * Named values (outputs, state fields, defines, lets, explained values) get
 * registers of their own for the whole claim, so --explain can read them after
 * the run; everything else uses temporaries recycled per kind.  Every
 * register has one kind for its whole life: the verifier relies on it. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct gen {
    yb_compiler *c;
    yb_program *p;
    int cap_code;
    int *free_regs[YB_T__COUNT];
    int nfree[YB_T__COUNT], capfree[YB_T__COUNT];
    yb_loc loc;
    int loop_list[16], loop_index[16], nloops;
    int cur_block, cur_rule;
    bool ok;
    /* constant registers: set once per VM, before any claim */
    yb_instr *init;
    int ninit, capinit;
    int64_t *cvals;
    uint8_t *ckinds;
    int *cregs, nconst, capconst;
    /* claim fields read into registers once per claim, at its start */
    yb_instr *pro;
    int npro, cappro;
    int *field_reg; /* per schema field: its register, or -1 */
    int *elem_reg;  /* per element field: its register in the loop being generated, or -1 */
    int *state_keys; /* per state: the first register of keys worked out early, or -1 */
    bool *made;      /* per symbol: a define whose value is in its register by now (gen_known_keys) */
    int *writes;     /* per symbol (outputs, state fields): how many statements write it */
    int *left;       /* per symbol: how many of those are still to be generated */
    int nwrites;
    int *sym_reg;    /* per symbol of the checker: its register (regalloc.c) */
    int label;       /* the last pc a jump lands on, so far (no MOVN merges across it) */
} gen;

typedef struct jlist {
    int at[256];
    int n;
} jlist;

/* ---------------------------------------------------------------- emission */

/* Superinstructions (vm/opcodes.def, after NATIVE) are made outside item
 * loops only: LOOPK reads a loop body instruction by instruction. */
static bool fusing(const gen *g) { return !g->c->plain && g->nloops == 0; }

/* A MOV that carries on from the MOV (or MOVN) just emitted, next register
 * from next register, joins it: one MOVN for the run (the opening values of a
 * state, say).  Not where a jump lands between the two. */
static bool merge_mov(gen *g, yb_instr i)
{
    yb_program *p = g->p;
    int last = p->ncode - 1;
    if (!fusing(g) || last < 0 || g->label >= p->ncode) return false;
    yb_instr prev = p->code[last];
    unsigned n = YB_I_OP(prev) == YB_OP_MOV ? 1 : YB_I_OP(prev) == YB_OP_MOVN ? YB_I_D(prev) : 0;
    if (n == 0 || n == 255 || YB_I_A(prev) + n != YB_I_A(i) || YB_I_B(prev) + n != YB_I_B(i)) return false;
    p->code[last] = yb_mk(YB_OP_MOVN, YB_I_A(prev), YB_I_B(prev), 0, n + 1);
    return true;
}

static int emit(gen *g, yb_instr i)
{
    yb_program *p = g->p;
    if (YB_I_OP(i) == YB_OP_MOV && merge_mov(g, i)) return p->ncode - 1;
    if (p->ncode == g->cap_code) {
        g->cap_code = g->cap_code ? g->cap_code * 2 : 256;
        p->code = realloc(p->code, (size_t)g->cap_code * sizeof *p->code);
        p->lines = realloc(p->lines, (size_t)g->cap_code * sizeof *p->lines);
        p->line_files = realloc(p->line_files, (size_t)g->cap_code * sizeof *p->line_files);
    }
    p->code[p->ncode] = i;
    p->lines[p->ncode] = (uint32_t)(g->loc.line > 0 ? g->loc.line : 0);
    p->line_files[p->ncode] = (uint16_t)(g->loc.file > 0 ? g->loc.file : 0);
    return p->ncode++;
}

static int op3(gen *g, unsigned op, int a, int b, int c) { return emit(g, yb_mk(op, (unsigned)a, (unsigned)b, (unsigned)c, 0)); }
static int op4(gen *g, unsigned op, int a, int b, int c, int d) { return emit(g, yb_mk(op, (unsigned)a, (unsigned)b, (unsigned)c, (unsigned)d)); }
static int jump(gen *g, unsigned op, int a, int b) { return emit(g, yb_mk_j(op, (unsigned)a, (unsigned)b, 0)); }

static void patch(gen *g, int at, int target)
{
    int32_t off = target - (at + 1);
    if (off > YB_MAX_JUMP || off < -YB_MAX_JUMP) {
        yb_error(g->c->diag, g->loc, "the policy is too large: a jump spans more than %d instructions", YB_MAX_JUMP);
        g->ok = false;
        return;
    }
    if (target > g->label) g->label = target;
    yb_instr i = g->p->code[at];
    i &= ~((yb_instr)0xffffff << 40);
    i |= (yb_instr)((uint64_t)(uint32_t)off & 0xffffff) << 40;
    g->p->code[at] = i;
}
static int here(gen *g) { return g->p->ncode; }

/* ---------------------------------------------------------------- registers */

static int tmp(gen *g, uint8_t kind)
{
    if (g->nfree[kind]) return g->free_regs[kind][--g->nfree[kind]];
    return yb_reg_new(g->c, kind);
}

static void release(gen *g, int reg)
{
    uint8_t kind = g->p->reg_kinds[reg];
    if (g->nfree[kind] == g->capfree[kind]) {
        g->capfree[kind] = g->capfree[kind] ? g->capfree[kind] * 2 : 16;
        g->free_regs[kind] = realloc(g->free_regs[kind], (size_t)g->capfree[kind] * sizeof(int));
    }
    g->free_regs[kind][g->nfree[kind]++] = reg;
}

static uint8_t kind_of(const yb_expr *e) { return e->type.kind; }

/* The register of a value the checker named (an output, state field, define or let). */
static bool names_value(const yb_expr *e)
{
    return e->sym_kind == SYM_LOCAL || e->sym_kind == SYM_DEFINE || e->sym_kind == SYM_OUTPUT || e->sym_kind == SYM_STATE_FIELD;
}
static int reg_of(gen *g, int sym) { return g->sym_reg[sym]; }

/* ---------------------------------------------------------------- expressions */

static void gen_into(gen *g, yb_expr *e, int dst);

typedef struct reg_use {
    gen *g;
    int reg;
    bool found;
} reg_use;
static void find_reg_use(void *ctx, yb_expr *e);

static int const_reg(gen *g, int64_t v, uint8_t kind);

static void load_const(gen *g, int64_t v, int dst)
{
    emit(g, yb_mk(YB_OP_MOV, (unsigned)dst, (unsigned)const_reg(g, v, g->p->reg_kinds[dst]), 0, 0));
}

static void push_instr(yb_instr **buf, int *n, int *cap, yb_instr i)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        *buf = realloc(*buf, (size_t)*cap * sizeof **buf);
    }
    (*buf)[(*n)++] = i;
}

/* The register that holds constant v of this kind for the whole run. */
static int const_reg(gen *g, int64_t v, uint8_t kind)
{
    for (int i = 0; i < g->nconst; i++)
        if (g->cvals[i] == v && g->ckinds[i] == kind) return g->cregs[i];
    if (g->nconst == g->capconst) {
        g->capconst = g->capconst ? g->capconst * 2 : 32;
        g->cvals = realloc(g->cvals, (size_t)g->capconst * sizeof *g->cvals);
        g->ckinds = realloc(g->ckinds, (size_t)g->capconst);
        g->cregs = realloc(g->cregs, (size_t)g->capconst * sizeof *g->cregs);
    }
    int r = yb_reg_new(g->c, kind);
    g->cvals[g->nconst] = v;
    g->ckinds[g->nconst] = kind;
    g->cregs[g->nconst++] = r;
    if (v >= INT32_MIN && v <= INT32_MAX && kind != YB_T_TEXT)
        push_instr(&g->init, &g->ninit, &g->capinit, yb_mk_k(YB_OP_LOADI, (unsigned)r, (uint32_t)(int32_t)v));
    else
        push_instr(&g->init, &g->ninit, &g->capinit, yb_mk_k(YB_OP_LOADK, (unsigned)r, (uint32_t)yb_const_add(g->c, v, kind)));
    return r;
}

static bool field_always_present(gen *g, int field);

/* The register that holds a claim field for the whole claim (read once, at its start). */
static int field_reg(gen *g, int field)
{
    if (g->field_reg[field] >= 0) return g->field_reg[field];
    const yb_field *f = &g->p->schema.fields[field];
    int r = yb_reg_new(g->c, f->kind == YB_T_RECORD ? YB_T_BOOL : f->kind);
    g->field_reg[field] = r;
    yb_program *p = g->p;
    p->loads = yb_grow(p->loads, p->nloads, sizeof *p->loads);
    p->loads[p->nloads++] = (yb_field_load){r, field, f->slot};
    return r;
}

/* A register already holding e's value (no code), or -1. */
static int resident(gen *g, const yb_expr *e)
{
    if (e->constant && e->type.kind != YB_T_TEXT) return const_reg(g, e->ival, e->type.kind);
    if (e->kind == E_TEXT) return const_reg(g, yb_text_const(g->c, e->name, e->text_len), YB_T_TEXT);
    if ((e->kind == E_NAME || e->kind == E_FIELD) && e->sym_kind == SYM_INPUT_FIELD && field_always_present(g, e->sym_index))
        return field_reg(g, e->sym_index);
    if ((e->kind == E_NAME || e->kind == E_FIELD) && e->sym_kind == SYM_ELEM_FIELD && g->elem_reg[e->sym_index] >= 0)
        return g->elem_reg[e->sym_index];
    if (e->constant) return -1;
    if ((e->kind == E_NAME || e->kind == E_FIELD) && names_value(e)) return reg_of(g, e->sym_index);
    /* given(record) of the claim: its slot always holds whether it was given */
    if (e->kind == E_CALL && e->sym_kind != SYM_NATIVE && strcmp(e->name, "given") == 0 &&
        ((yb_expr *)e->args.items[0])->sym_kind == SYM_INPUT_RECORD)
        return field_reg(g, ((yb_expr *)e->args.items[0])->sym_index);
    return -1;
}

/* Evaluate e into some register; *owned says whether the caller releases it. */
static int value(gen *g, yb_expr *e, bool *owned)
{
    int r = resident(g, e);
    if (r >= 0) {
        *owned = false;
        return r;
    }
    r = tmp(g, kind_of(e));
    gen_into(g, e, r);
    *owned = true;
    return r;
}
#define DONE(r, o) do { if (o) release(g, r); } while (0)

/* Which list a field's elements belong to, or -1 for a claim field. */
static int elem_list_of(gen *g, int field)
{
    int li = -1;
    const yb_schema *s = &g->p->schema;
    for (int l = 0; l < s->nlists; l++) {
        const yb_field *lf = &s->fields[s->lists[l].field];
        bool in = field >= lf->first && field < lf->first + lf->count;
        for (int k = lf->first; !in && k < lf->first + lf->count; k++) {
            const yb_field *r = &s->fields[k];
            in = r->kind == YB_T_RECORD && field >= r->first && field < r->first + r->count;
        }
        if (in) li = l;
    }
    return li;
}

static int loop_index_for(gen *g, int field)
{
    int li = elem_list_of(g, field);
    for (int k = g->nloops - 1; k >= 0; k--)
        if (g->loop_list[k] == li) return g->loop_index[k];
    return -1;
}

static bool field_present_under(gen *g, int field, int guard);

/* A claim field that holds a value in every claim (no record guards it). */
static bool field_always_present(gen *g, int field) { return field_present_under(g, field, -1); }

/* The cell of a two-key parameter: k1 * n2 + k2 (one key: the enum itself, gen_symbol). */
static void gen_key_index(gen *g, yb_vec *keys, int dst_idx)
{
    yb_expr *k1 = keys->items[0], *k2 = keys->items[1];
    bool o1, o2;
    int r1 = value(g, k1, &o1), r2 = value(g, k2, &o2);
    int n2 = ((yb_decl *)g->c->enums.items[k2->type.enum_id])->members.n;
    op4(g, YB_OP_KEYIDX, dst_idx, r1, r2, n2);
    DONE(r1, o1);
    DONE(r2, o2);
}

static void gen_symbol(gen *g, yb_expr *e, int dst)
{
    switch (e->sym_kind) {
    case SYM_LOCAL:
    case SYM_DEFINE:
    case SYM_OUTPUT:
    case SYM_STATE_FIELD:
        if (reg_of(g, e->sym_index) != dst) op3(g, YB_OP_MOV, dst, reg_of(g, e->sym_index), 0);
        return;
    case SYM_PARAM:
        op3(g, YB_OP_PARAM, dst, e->sym_index, 0);
        return;
    case SYM_PARAM_CELL: {
        if (e->args.n == 1) { /* the enum indexes the cell where it already is */
            bool o;
            int k = value(g, e->args.items[0], &o);
            op3(g, YB_OP_PARAMX, dst, e->sym_index, k);
            DONE(k, o);
            return;
        }
        uint8_t ik = YB_T_INT;
        int idx = tmp(g, ik);
        gen_key_index(g, &e->args, idx);
        op3(g, YB_OP_PARAMX, dst, e->sym_index, idx);
        release(g, idx);
        return;
    }
    case SYM_RANGE_CELL: {
        bool o;
        int k = value(g, e->args.items[0], &o);
        op3(g, YB_OP_RANGE, dst, e->sym_index, k);
        DONE(k, o);
        return;
    }
    case SYM_INPUT_FIELD: {
        const yb_field *f = &g->p->schema.fields[e->sym_index];
        op3(g, field_always_present(g, e->sym_index) ? YB_OP_LDF : YB_OP_LDFC, dst, f->slot, e->sym_index);
        return;
    }
    case SYM_ELEM_DERIVED: {
        int li = g->p->derived[e->sym_index].list, ir = -1;
        for (int k = g->nloops - 1; k >= 0 && ir < 0; k--)
            if (g->loop_list[k] == li) ir = g->loop_index[k];
        op3(g, YB_OP_DGET, dst, ir, e->sym_index);
        return;
    }
    case SYM_ELEM_FIELD: {
        int ir = loop_index_for(g, e->sym_index);
        op3(g, field_always_present(g, e->sym_index) ? YB_OP_LDE : YB_OP_LDEC, dst, ir, e->sym_index);
        return;
    }
    default:
        yb_error(g->c->diag, e->loc, "internal: cannot generate code for this name");
        g->ok = false;
    }
}

static void gen_compare(gen *g, yb_expr *e, int dst)
{
    const yb_compare_rule *cr = yb_compare_find(e->op);
    bool oa, ob;
    int ra = value(g, e->a, &oa), rb = value(g, e->b, &ob);
    unsigned op = e->a->type.kind == YB_T_TEXT ? cr->text : cr->opcode;
    if (cr->swap) op3(g, op, dst, rb, ra);
    else op3(g, op, dst, ra, rb);
    DONE(ra, oa);
    DONE(rb, ob);
}

static void gen_arith(gen *g, yb_expr *e, int dst)
{
    const yb_arith_rule *ar = yb_arith_find(e->op, e->a->type.kind, e->b->type.kind);
    bool oa, ob;
    int ra = value(g, e->a, &oa), rb = value(g, e->b, &ob);
    int x = ar->swap ? rb : ra, y = ar->swap ? ra : rb;
    op4(g, ar->opcode, dst, x, y, ar->rounds ? (int)e->ival : 0);
    DONE(ra, oa);
    DONE(rb, ob);
}

/* ---------------------------------------------------------------- conditions as jumps */

static void jl_add(gen *g, jlist *l, int at)
{
    if (l->n == 256) {
        yb_error(g->c->diag, g->loc, "this condition is too long; split it with `define`");
        g->ok = false;
        return;
    }
    l->at[l->n++] = at;
}

static void jl_patch(gen *g, jlist *l, int target)
{
    for (int i = 0; i < l->n; i++) patch(g, l->at[i], target);
    l->n = 0;
}

/* The instruction at `at`, the only one that computed temporary t, and a jump
 * on t (JMPT when `when`, else JMPF) as one superinstruction in its place:
 * given(field), held, `new`, text comparisons.  Its pc, or -1 (no such pair). */
static int fuse_jump(gen *g, int at, int t, bool when)
{
    yb_instr i = g->p->code[at];
    unsigned op = YB_I_OP(i);
    if (!fusing(g) || YB_I_A(i) != (unsigned)t) return -1;
    switch (op) {
    case YB_OP_PRESF: i = yb_mk_j(when ? YB_OP_JGIVEN : YB_OP_JABSENT, YB_I_B(i), YB_I_C(i), 0); break;
    case YB_OP_HELD: i = yb_mk_j(when ? YB_OP_JHELD : YB_OP_JNHELD, 0, 0, 0); break;
    case YB_OP_STNEW: i = yb_mk_j(when ? YB_OP_JNEW : YB_OP_JOLD, 0, YB_I_B(i), 0); break;
    case YB_OP_TEQ:
    case YB_OP_TNE: i = yb_mk_j((op == YB_OP_TEQ) == when ? YB_OP_JTEQ : YB_OP_JTNE, YB_I_B(i), YB_I_C(i), 0); break;
    default: return -1;
    }
    g->p->code[at] = i;
    return at;
}

/* `x in [A, B, …]` over members 0 to 15 of an enum: the set, bit v for member
 * v, for one JIN or JNIN instead of a compare and jump per member; -1 if not. */
static int enum_set(gen *g, const yb_expr *e)
{
    if (!fusing(g) || e->a->type.kind != YB_T_ENUM || e->args.n < 2) return -1;
    int set = 0;
    for (int i = 0; i < e->args.n; i++) {
        const yb_expr *v = e->args.items[i];
        if (!v->constant || v->ival < 0 || v->ival > 15) return -1;
        set |= 1 << v->ival;
    }
    return set;
}

/* Jump (adding the jump to `out`) when e is `when`; fall through otherwise.
 * Comparisons become one fused compare-and-jump; and/or/not cost nothing. */
static void gen_jump_if(gen *g, yb_expr *e, bool when, jlist *out)
{
    yb_loc saved = g->loc;
    if (e->loc.line > 0) g->loc = e->loc;
    if (e->constant) {
        if ((e->ival != 0) == when) jl_add(g, out, jump(g, YB_OP_JMP, 0, 0));
    } else if (e->kind == E_UNARY && e->op == OP_NOT) {
        gen_jump_if(g, e->a, !when, out);
    } else if (e->kind == E_BINARY && (e->op == OP_AND || e->op == OP_OR)) {
        bool and = e->op == OP_AND;
        if (and != when) { /* and/false, or/true: either side decides */
            gen_jump_if(g, e->a, when, out);
            gen_jump_if(g, e->b, when, out);
        } else {
            jlist skip = {.n = 0};
            gen_jump_if(g, e->a, !when, &skip);
            gen_jump_if(g, e->b, when, out);
            jl_patch(g, &skip, here(g));
        }
    } else if (e->kind == E_BINARY && yb_compare_find(e->op) && e->a->type.kind != YB_T_TEXT) {
        bool oa, ob;
        int ra = value(g, e->a, &oa), rb = value(g, e->b, &ob);
        /* jumping when the comparison is false is jumping on its negation */
        const yb_compare_rule *cr = yb_compare_find(when ? (yb_op)e->op : yb_compare_find(e->op)->negation);
        unsigned op = cr->jump;
        int x = cr->swap ? rb : ra, y = cr->swap ? ra : rb;
        jl_add(g, out, jump(g, op, x, y));
        DONE(ra, oa);
        DONE(rb, ob);
    } else if (e->kind == E_IN && e->a->type.kind != YB_T_TEXT) {
        bool o;
        int x = value(g, e->a, &o);
        bool member = e->op ? !when : when; /* jump when x is among the values? */
        int set = enum_set(g, e);
        if (set >= 0) {
            jl_add(g, out, jump(g, member ? YB_OP_JIN : YB_OP_JNIN, x, set));
            DONE(x, o);
            g->loc = saved;
            return;
        }
        jlist found = {.n = 0};
        for (int i = 0; i < e->args.n; i++) {
            bool oi;
            int v = value(g, e->args.items[i], &oi);
            if (member) jl_add(g, out, jump(g, YB_OP_JEQ, x, v));
            else if (i < e->args.n - 1) jl_add(g, &found, jump(g, YB_OP_JEQ, x, v));
            else jl_add(g, out, jump(g, YB_OP_JNE, x, v));
            DONE(v, oi);
        }
        jl_patch(g, &found, here(g));
        DONE(x, o);
    } else {
        bool o;
        int before = here(g);
        int t = value(g, e, &o);
        int fused = o && here(g) == before + 1 ? fuse_jump(g, before, t, when) : -1;
        jl_add(g, out, fused >= 0 ? fused : jump(g, when ? YB_OP_JMPT : YB_OP_JMPF, t, 0));
        DONE(t, o);
    }
    g->loc = saved;
}

/* ---------------------------------------------------------------- loops over a claim list */

static void each_child(yb_expr *e, void (*fn)(void *, yb_expr *), void *ctx)
{
    if (e->a) fn(ctx, e->a);
    if (e->b) fn(ctx, e->b);
    if (e->c && e->kind != E_TIERED) fn(ctx, e->c);
    else if (e->c) fn(ctx, e->c);
    for (int i = 0; i < e->args.n; i++) fn(ctx, e->args.items[i]);
}

typedef struct field_set {
    gen *g;
    int list;
    int fields[32];
    int n;
} field_set;

/* The always-present element fields an aggregate reads: each is loaded once
 * per element at the top of the loop body, however often it is used. */
static void collect_elem_fields(void *ctx, yb_expr *e)
{
    field_set *fs = ctx;
    if (e->kind == E_AGG) return; /* a nested loop reads its own elements */
    if ((e->kind == E_NAME || e->kind == E_FIELD) && e->sym_kind == SYM_ELEM_FIELD &&
        elem_list_of(fs->g, e->sym_index) == fs->list && field_always_present(fs->g, e->sym_index)) {
        for (int i = 0; i < fs->n; i++)
            if (fs->fields[i] == e->sym_index) return;
        if (fs->n < 32) fs->fields[fs->n++] = e->sym_index;
        return;
    }
    each_child(e, collect_elem_fields, ctx);
}

/* One loop over a list computing n aggregates at once (fused when a policy
 * sums several things over the same items). */
static void gen_loop(gen *g, yb_expr **aggs, const int *dsts, int n)
{
    int li = g->p->schema.fields[aggs[0]->b->sym_index].slot;
    int i = tmp(g, YB_T_INT);
    for (int k = 0; k < n; k++) load_const(g, aggs[k]->op == AGG_ALL ? 1 : 0, dsts[k]);
    field_set fs = {.g = g, .list = li, .n = 0};
    for (int k = 0; k < n; k++) {
        if (aggs[k]->a) collect_elem_fields(&fs, aggs[k]->a);
        if (aggs[k]->c) collect_elem_fields(&fs, aggs[k]->c);
    }
    int regs[32], saved[32];
    for (int f = 0; f < fs.n; f++) {
        regs[f] = tmp(g, g->p->schema.fields[fs.fields[f]].kind);
        saved[f] = g->elem_reg[fs.fields[f]];
    }
    int loopb = jump(g, YB_OP_LOOPB, i, li);
    int body = here(g);
    for (int f = 0; f < fs.n; f++) {
        op3(g, YB_OP_LDE, regs[f], i, fs.fields[f]);
        g->elem_reg[fs.fields[f]] = regs[f];
    }
    if (g->nloops == 16) { yb_error(g->c->diag, aggs[0]->loc, "aggregates nested too deep"); g->ok = false; return; }
    g->loop_list[g->nloops] = li;
    g->loop_index[g->nloops++] = i;
    int exit_jump = -1;
    yb_loc outer = g->loc;
    for (int k = 0; k < n; k++) {
        yb_expr *e = aggs[k];
        jlist skip = {.n = 0};
        if (e->loc.line > 0) g->loc = e->loc; /* an overflow names the sum's own line */
        if (e->c) gen_jump_if(g, e->c, e->op == AGG_ALL, &skip);
        switch (e->op) {
        case AGG_SUM: {
            bool o;
            int v = value(g, e->a, &o);
            op3(g, YB_OP_ADD, dsts[k], dsts[k], v);
            DONE(v, o);
            break;
        }
        case AGG_COUNT: op3(g, YB_OP_ADD, dsts[k], dsts[k], const_reg(g, 1, YB_T_INT)); break;
        case AGG_ANY: load_const(g, 1, dsts[k]); exit_jump = jump(g, YB_OP_JMP, 0, 0); break;
        case AGG_ALL: load_const(g, 0, dsts[k]); exit_jump = jump(g, YB_OP_JMP, 0, 0); break;
        }
        jl_patch(g, &skip, here(g));
    }
    g->loc = outer;
    g->nloops--;
    int loopn = jump(g, YB_OP_LOOPN, i, li);
    patch(g, loopn, body);
    patch(g, loopb, here(g));
    if (exit_jump >= 0) patch(g, exit_jump, here(g));
    for (int f = fs.n - 1; f >= 0; f--) {
        g->elem_reg[fs.fields[f]] = saved[f];
        release(g, regs[f]);
    }
    release(g, i);
}

static void gen_agg(gen *g, yb_expr *e, int dst) { gen_loop(g, &e, &dst, 1); }

/* `define NAME of item = …`: one loop over the list, storing each element's value. */
static void gen_derived(gen *g, yb_decl *d)
{
    int k = 0;
    while (k < g->c->derived.n && g->c->derived.items[k] != d) k++;
    int li = g->p->derived[k].list;
    int i = tmp(g, YB_T_INT);
    int loopb = jump(g, YB_OP_LOOPB, i, li);
    int body = here(g);
    if (g->nloops == 16) { yb_error(g->c->diag, d->loc, "aggregates nested too deep"); g->ok = false; return; }
    g->loop_list[g->nloops] = li;
    g->loop_index[g->nloops++] = i;
    bool o;
    int v = value(g, d->value, &o);
    op3(g, YB_OP_DSET, v, i, k);
    DONE(v, o);
    g->nloops--;
    int loopn = jump(g, YB_OP_LOOPN, i, li);
    patch(g, loopn, body);
    patch(g, loopb, here(g));
    release(g, i);
}

/* Does e read register u->reg (an output, state field, define or let)? */
static void find_reg_use(void *ctx, yb_expr *e)
{
    reg_use *u = ctx;
    if ((e->kind == E_NAME || e->kind == E_FIELD) && names_value(e) && reg_of(u->g, e->sym_index) == u->reg) u->found = true;
    each_child(e, find_reg_use, ctx);
}

/* Can aggregate e join a fused loop whose members so far write regs[0..n)? */
static bool fusable(gen *g, yb_expr *first, yb_expr *e, const int *regs, int n)
{
    if (!e || e->kind != E_AGG || e->constant || (e->op != AGG_SUM && e->op != AGG_COUNT)) return false;
    if (first && e->b->sym_index != first->b->sym_index) return false;
    for (int k = 0; k < n; k++) {
        reg_use u = {g, regs[k], false};
        find_reg_use(&u, e);
        if (u.found) return false;
    }
    return true;
}

/* A native function (`extern fn`): its arguments go to consecutive registers
 * of their own, as NATIVE reads them (c .. c+n-1), then back to the temporaries. */
static void gen_native(gen *g, yb_expr *e, int dst)
{
    int first = g->p->nregs;
    for (int k = 0; k < e->args.n; k++) yb_reg_new(g->c, kind_of(e->args.items[k]));
    for (int k = 0; k < e->args.n; k++) gen_into(g, e->args.items[k], first + k);
    op3(g, YB_OP_NATIVE, dst, e->sym_index, first);
    for (int k = 0; k < e->args.n; k++) release(g, first + k);
}

static void gen_call(gen *g, yb_expr *e, int dst)
{
    yb_expr **args = (yb_expr **)e->args.items;
    const char *f = e->name;
    if (e->sym_kind == SYM_NATIVE) {
        gen_native(g, e, dst);
        return;
    }
    if (strcmp(f, "given") == 0) {
        yb_expr *x = args[0];
        if (x->sym_kind == SYM_RANGE_CELL) {
            /* a key read from a claim field that was not given has no value: false */
            yb_expr *key = x->args.items[0];
            int absent = -1;
            if ((key->kind == E_NAME || key->kind == E_FIELD) && key->sym_kind == SYM_INPUT_FIELD &&
                !field_always_present(g, key->sym_index)) {
                const yb_field *kf = &g->p->schema.fields[key->sym_index];
                op3(g, YB_OP_PRESF, dst, kf->slot, key->sym_index);
                absent = jump(g, YB_OP_JMPF, dst, 0);
            }
            bool o;
            int k = value(g, key, &o);
            op3(g, YB_OP_RANGEHAS, dst, x->sym_index, k);
            DONE(k, o);
            if (absent >= 0) patch(g, absent, here(g));
            return;
        }
        const yb_field *fl = &g->p->schema.fields[x->sym_index];
        if (x->sym_kind == SYM_INPUT_RECORD || x->sym_kind == SYM_ELEM_RECORD) {
            if (x->sym_kind == SYM_ELEM_RECORD && x->kind == E_NAME) { load_const(g, 1, dst); return; }
            op3(g, x->sym_kind == SYM_INPUT_RECORD ? YB_OP_LDF : YB_OP_LDE, dst,
                x->sym_kind == SYM_INPUT_RECORD ? fl->slot : loop_index_for(g, x->sym_index), x->sym_index);
        } else if (x->sym_kind == SYM_INPUT_LIST) {
            int n = tmp(g, YB_T_INT), z = tmp(g, YB_T_INT);
            op3(g, YB_OP_LISTLEN, n, fl->slot, 0);
            load_const(g, 0, z);
            op3(g, YB_OP_LT, dst, z, n);
            release(g, n);
            release(g, z);
        } else if (x->sym_kind == SYM_INPUT_FIELD) {
            op3(g, YB_OP_PRESF, dst, fl->slot, x->sym_index);
        } else {
            op3(g, YB_OP_PRESE, dst, loop_index_for(g, x->sym_index), x->sym_index);
        }
        return;
    }
    if (strcmp(f, "round_up") == 0 || strcmp(f, "round_down") == 0) {
        gen_into(g, args[0], dst);
        return;
    }
    if (strcmp(f, "abs") == 0) {
        bool o;
        int v = value(g, args[0], &o);
        int t = tmp(g, kind_of(e));
        op3(g, YB_OP_NEG, t, v, 0);
        op3(g, YB_OP_MAX, dst, v, t);
        release(g, t);
        DONE(v, o);
        return;
    }
    if (strcmp(f, "age") == 0) {
        bool o1, o2;
        int b = value(g, args[0], &o1), on = value(g, args[1], &o2);
        op3(g, YB_OP_AGE, dst, b, on);
        DONE(b, o1);
        DONE(on, o2);
        return;
    }
    if (strcmp(f, "clamp") == 0) {
        bool o1, o2, o3;
        int x = value(g, args[0], &o1), lo = value(g, args[1], &o2), hi = value(g, args[2], &o3);
        int t = tmp(g, kind_of(e));
        op3(g, YB_OP_MIN, t, x, hi);
        op3(g, YB_OP_MAX, dst, t, lo);
        release(g, t);
        DONE(x, o1);
        DONE(lo, o2);
        DONE(hi, o3);
        return;
    }
    /* min/max fold left: the first value is read where it lives, no copy */
    unsigned op = strcmp(f, "min") == 0 ? YB_OP_MIN : YB_OP_MAX;
    bool o0;
    int first = value(g, args[0], &o0), acc = first;
    int t = e->args.n > 2 ? tmp(g, kind_of(e)) : -1;
    for (int i = 1; i < e->args.n; i++) {
        bool o;
        int v = value(g, args[i], &o);
        int out = i == e->args.n - 1 ? dst : t;
        op3(g, op, out, acc, v);
        DONE(v, o);
        acc = out;
    }
    if (t >= 0) release(g, t);
    DONE(first, o0);
}

static void gen_into(gen *g, yb_expr *e, int dst)
{
    yb_loc saved = g->loc;
    if (e->loc.line > 0) g->loc = e->loc;
    int res = resident(g, e);
    if (res >= 0) {
        if (res != dst) op3(g, YB_OP_MOV, dst, res, 0);
        g->loc = saved;
        return;
    }
    switch (e->kind) {
    case E_NAME:
    case E_FIELD:
    case E_INDEX:
        gen_symbol(g, e, dst);
        break;
    case E_UNARY: {
        bool o;
        int v = value(g, e->a, &o);
        op3(g, e->op == OP_NOT ? YB_OP_NOT : YB_OP_NEG, dst, v, 0);
        DONE(v, o);
        break;
    }
    case E_BINARY:
        if (e->op == OP_AND || e->op == OP_OR) {
            /* as jumps: each part costs one compare-and-jump, and dst is set once */
            jlist yes = {.n = 0};
            reg_use self = {g, dst, false};
            find_reg_use(&self, e);
            if (!self.found) { /* assume true; the jumps that prove it skip the correction */
                load_const(g, 1, dst);
                gen_jump_if(g, e, true, &yes);
                load_const(g, 0, dst);
                jl_patch(g, &yes, here(g));
            } else {
                gen_jump_if(g, e, true, &yes);
                load_const(g, 0, dst);
                int j_end = jump(g, YB_OP_JMP, 0, 0);
                jl_patch(g, &yes, here(g));
                load_const(g, 1, dst);
                patch(g, j_end, here(g));
            }
        } else if (yb_compare_find(e->op)) {
            gen_compare(g, e, dst);
        } else {
            gen_arith(g, e, dst);
        }
        break;
    case E_IN: {
        /* dst = x in [...]: true as soon as one value matches */
        bool o;
        int x = value(g, e->a, &o);
        bool text = e->a->type.kind == YB_T_TEXT;
        jlist found = {.n = 0};
        int t = text ? tmp(g, YB_T_BOOL) : -1;
        for (int i = 0; i < e->args.n; i++) {
            bool oi;
            int v = value(g, e->args.items[i], &oi);
            if (text) {
                op3(g, YB_OP_TEQ, t, x, v);
                jl_add(g, &found, jump(g, YB_OP_JMPT, t, 0));
            } else {
                jl_add(g, &found, jump(g, YB_OP_JEQ, x, v));
            }
            DONE(v, oi);
        }
        if (t >= 0) release(g, t);
        load_const(g, e->op ? 1 : 0, dst);
        int j_end = jump(g, YB_OP_JMP, 0, 0);
        jl_patch(g, &found, here(g));
        load_const(g, e->op ? 0 : 1, dst);
        patch(g, j_end, here(g));
        DONE(x, o);
        break;
    }
    case E_CALL: gen_call(g, e, dst); break;
    case E_IF: {
        jlist j_else = {.n = 0};
        gen_jump_if(g, e->c, false, &j_else);
        gen_into(g, e->a, dst);
        int j_end = jump(g, YB_OP_JMP, 0, 0);
        jl_patch(g, &j_else, here(g));
        gen_into(g, e->b, dst);
        patch(g, j_end, here(g));
        break;
    }
    case E_DURATION: {
        bool o;
        int v = value(g, e->a, &o);
        op4(g, YB_OP_MKDUR, dst, v, 0, e->op == UNIT_MONTHS ? 0 : e->op == UNIT_DAYS ? 1 : 2);
        DONE(v, o);
        break;
    }
    case E_PART: {
        bool o;
        int v = value(g, e->a, &o);
        op4(g, YB_OP_DPART, dst, v, 0, e->op);
        DONE(v, o);
        break;
    }
    case E_AGG: gen_agg(g, e, dst); break;
    case E_TIERED: {
        if (e->c->sym_index > 255) {
            yb_error(g->c->diag, e->loc, "at most 256 parameters may precede a bands parameter; declare bands first");
            g->ok = false;
            break;
        }
        bool oa, ob;
        int ra = value(g, e->a, &oa), rb = value(g, e->b, &ob);
        op4(g, YB_OP_TIERED, dst, ra, rb, e->c->sym_index);
        DONE(ra, oa);
        DONE(rb, ob);
        break;
    }
    case E_HELD: op3(g, YB_OP_HELD, dst, 0, 0); break;
    case E_ISNEW: op3(g, YB_OP_STNEW, dst, e->a->sym_index, 0); break;
    default:
        yb_error(g->c->diag, e->loc, "internal: no code for this expression");
        g->ok = false;
    }
    g->loc = saved;
}

/* ---------------------------------------------------------------- rules */

static int new_block(gen *g, yb_decl *rule, const char *label, yb_loc loc)
{
    yb_program *p = g->p;
    p->blocks = yb_grow(p->blocks, p->nblocks, sizeof *p->blocks);
    yb_block_desc *b = &p->blocks[p->nblocks];
    b->name = strdup(rule ? rule->name : label);
    b->branch = rule && label ? (strcmp(label, "then") == 0 ? 1 : 2) : 0;
    b->text = rule && rule->text && !b->branch ? strndup(rule->text, rule->text_len) : NULL;
    b->rule = g->cur_rule;
    b->line = loc.line;
    b->file = loc.file > 0 ? loc.file : 0;
    return p->nblocks++;
}

static void explain_value(gen *g, const char *label, int reg, yb_type t, yb_loc loc)
{
    yb_program *p = g->p;
    p->explain = yb_grow(p->explain, p->nexplain, sizeof *p->explain);
    p->explain[p->nexplain++] = (yb_explain_value){g->cur_block, strdup(label), reg, t.kind,
                                                   (uint16_t)(t.kind == YB_T_ENUM ? t.enum_id : 0), loc.line};
}

static const char *target_name(yb_expr *t, char *buf, size_t n)
{
    if (t->kind == E_FIELD && t->a->kind == E_NAME) snprintf(buf, n, "%s.%s", t->a->name, t->name);
    else snprintf(buf, n, "%s", t->name ? t->name : "?");
    return buf;
}

static void gen_stmts(gen *g, yb_decl *rule, yb_vec *body);

/* A message's values (lang/message.c), each into a register that holds it
 * until the instruction that writes the message (ALERT, REJECT) has run;
 * the pieces for its description, NULL when it has none. */
static yb_text_piece *gen_message(gen *g, yb_stmt *s, bool **owned)
{
    int n = s->parts.n;
    if (!n) return NULL;
    yb_text_piece *pc = calloc((size_t)n, sizeof *pc);
    *owned = calloc((size_t)n, sizeof **owned);
    if (!pc || !*owned) abort();
    for (int i = 0; i < n; i++) {
        yb_msg_part *m = s->parts.items[i];
        pc[i].text = strndup(m->text, m->len);
        pc[i].reg = -1;
        if (!m->value) continue;
        g->loc = m->value->loc;
        pc[i].reg = value(g, m->value, &(*owned)[i]);
        pc[i].enum_id = (uint16_t)(m->value->type.kind == YB_T_ENUM ? m->value->type.enum_id : 0);
    }
    return pc;
}

/* The registers gen_message took, given back once the message is written. */
static void message_done(gen *g, const yb_text_piece *pc, bool *owned, int n)
{
    for (int i = 0; i < n; i++)
        if (owned[i]) release(g, pc[i].reg);
    free(owned);
}

static void count_writes(gen *g, yb_vec *body)
{
    for (int i = 0; i < body->n; i++) {
        yb_stmt *s = body->items[i];
        if ((s->kind == S_SET || s->kind == S_ADD || s->kind == S_SUBTRACT) && s->target->sym_index < g->nwrites)
            g->writes[s->target->sym_index]++;
        if (s->kind == S_IF) {
            count_writes(g, &s->then_body);
            count_writes(g, &s->else_body);
        }
    }
}

/* An output that no statement still to be generated writes: its register
   keeps its value to the end of the claim. */
static bool final_output(const gen *g, const yb_expr *e)
{
    return g->left && e->kind == E_NAME && e->sym_index >= 0 && e->sym_index < g->nwrites && g->left[e->sym_index] == 0;
}

static void gen_stmt(gen *g, yb_decl *rule, yb_stmt *s)
{
    yb_program *p = g->p;
    char name[256];
    g->loc = s->loc;
    switch (s->kind) {
    case S_LET:
        gen_into(g, s->value, reg_of(g, s->sym_index));
        explain_value(g, s->name, reg_of(g, s->sym_index), s->value->type, s->loc);
        break;
    case S_SET:
    case S_ADD:
    case S_SUBTRACT: {
        int ts = s->target->sym_index, t = reg_of(g, ts);
        char label[300];
        snprintf(label, sizeof label, "%s %s", s->kind == S_SET ? "set" : s->kind == S_ADD ? "add to" : "subtract from",
                 target_name(s->target, name, sizeof name));
        /* a target that only this statement sets keeps its value to the end of the
           claim: the value goes straight into it, and --explain reads it there */
        reg_use self = {g, t, false};
        find_reg_use(&self, s->value);
        if (s->kind == S_SET && ts < g->nwrites && g->writes[ts] == 1 && !self.found && resident(g, s->value) < 0) {
            gen_into(g, s->value, t);
            explain_value(g, label, t, s->value->type, s->loc);
            break;
        }
        /* the value keeps a register of its own for --explain; a constant, a claim
           field, a let or a define already has one that nothing overwrites, and
           so has an output no statement still to come writes (the code runs in
           the order it is generated: a MOV a claim fewer for `add total to …`) */
        int v = resident(g, s->value);
        bool immutable = v >= 0 && (s->value->constant || s->value->kind == E_TEXT || s->value->sym_kind == SYM_LOCAL ||
                                    s->value->sym_kind == SYM_DEFINE || s->value->sym_kind == SYM_INPUT_FIELD ||
                                    (s->value->sym_kind == SYM_OUTPUT && final_output(g, s->value)));
        if (!immutable) {
            v = yb_reg_new(g->c, kind_of(s->value));
            gen_into(g, s->value, v);
        }
        g->loc = s->loc;
        if (s->kind == S_SET) op3(g, YB_OP_MOV, t, v, 0);
        else op3(g, s->kind == S_ADD ? YB_OP_ADD : YB_OP_SUB, t, t, v);
        explain_value(g, label, v, s->value->type, s->loc);
        break;
    }
    case S_REASON: op3(g, YB_OP_REASON, s->sym_index, 0, 0); break;
    case S_WARN:
    case S_BLOCK: {
        bool *owned = NULL;
        yb_text_piece *pc = gen_message(g, s, &owned);
        p->alerts = yb_grow(p->alerts, p->nalerts, sizeof *p->alerts);
        p->alerts[p->nalerts] = (yb_alert_desc){strdup(s->name), s->kind == S_BLOCK, strndup(s->message, s->message_len),
                                                s->parts.n, pc};
        g->loc = s->loc;
        op3(g, YB_OP_ALERT, p->nalerts++, 0, 0);
        message_done(g, pc, owned, s->parts.n);
        break;
    }
    case S_REJECT: {
        char path[256];
        yb_field_path(&g->p->schema, NULL, s->target->sym_index, -1, path, sizeof path);
        bool *owned = NULL;
        yb_text_piece *pc = gen_message(g, s, &owned);
        p->rejects = yb_grow(p->rejects, p->nrejects, sizeof *p->rejects);
        p->rejects[p->nrejects] = (yb_reject_desc){s->target->sym_index, strdup(path), strndup(s->message, s->message_len),
                                                  s->parts.n, pc};
        g->loc = s->loc;
        op3(g, YB_OP_REJECT, p->nrejects++, 0, 0);
        message_done(g, pc, owned, s->parts.n);
        break;
    }
    case S_IF: {
        jlist j_else = {.n = 0};
        gen_jump_if(g, s->value, false, &j_else);
        int outer = g->cur_block;
        g->cur_block = new_block(g, rule, "then", s->loc);
        op3(g, YB_OP_FIRE, g->cur_block, 0, 0);
        gen_stmts(g, rule, &s->then_body);
        int j_end = jump(g, YB_OP_JMP, 0, 0);
        jl_patch(g, &j_else, here(g));
        if (s->else_body.n) {
            g->cur_block = new_block(g, rule, "else", s->loc);
            op3(g, YB_OP_FIRE, g->cur_block, 0, 0);
            gen_stmts(g, rule, &s->else_body);
        }
        patch(g, j_end, here(g));
        g->cur_block = outer;
        break;
    }
    }
    /* after the statement: its own value may read what it writes */
    if ((s->kind == S_SET || s->kind == S_ADD || s->kind == S_SUBTRACT) && g->left && s->target->sym_index < g->nwrites)
        g->left[s->target->sym_index]--;
}

static void gen_stmts(gen *g, yb_decl *rule, yb_vec *body)
{
    for (int i = 0; i < body->n; i++) gen_stmt(g, rule, body->items[i]);
}

typedef struct purity {
    gen *g;
    bool pure;
    int guard;       /* a claim field or record that `given` has just tested, or -1 */
    bool known;      /* defines made by now, and outputs no statement writes, count as known */
    bool inline_ok;  /* a define not made yet may be worked out from its value (a key itself) */
} purity;

/* An output no statement writes and the VM does not fill: its `= value` (or
   0) stands from the outputs' values on. */
static bool output_final(gen *g, int sym)
{
    if (sym >= g->p->nouts || sym >= g->nwrites || g->writes[sym]) return false;
    const yb_fielddecl *fd = g->c->output->fields.items[sym];
    return !fd->special;
}

static yb_decl *define_decl(gen *g, int sym);

/* A claim field present whenever the record `guard` (or the field itself) is
 * given; guard -1: in every claim. */
static bool field_present_under(gen *g, int field, int guard)
{
    if (field == guard) return true;
    const yb_schema *s = &g->p->schema;
    const yb_field *f = &s->fields[field];
    if (f->flags & YB_F_DEFAULT) return true;
    if (!(f->flags & YB_F_REQUIRED)) return false;
    for (int i = 0; i < s->nfields; i++) {
        const yb_field *p = &s->fields[i];
        if (p->kind == YB_T_RECORD && field >= p->first && field < p->first + p->count)
            return field_present_under(g, i, guard);
    }
    return true;
}

/* A key is "early" when it depends only on claim fields that always hold a
 * value (and constants): it can be worked out at the start of the claim. */
static void check_early(void *ctx, yb_expr *e)
{
    purity *pu = ctx;
    if (e->constant || e->kind == E_TEXT) return;
    bool inl = pu->inline_ok;
    pu->inline_ok = false;
    switch (e->kind) {
    case E_NAME:
    case E_FIELD:
        if (e->sym_kind == SYM_INPUT_FIELD &&
            (field_always_present(pu->g, e->sym_index) || (pu->guard >= 0 && field_present_under(pu->g, e->sym_index, pu->guard))))
            return;
        if (pu->known && e->sym_kind == SYM_DEFINE && pu->g->made[e->sym_index]) return;
        if (pu->known && e->sym_kind == SYM_OUTPUT && output_final(pu->g, e->sym_index)) return;
        if (inl && e->sym_kind == SYM_DEFINE && define_decl(pu->g, e->sym_index)) {
            check_early(pu, define_decl(pu->g, e->sym_index)->value); /* its own names must be known */
            return;
        }
        pu->pure = false;
        return;
    case E_IF: {
        /* if given(X) then … X … else …: X is read only where it is given */
        yb_expr *cond = e->c;
        int outer = pu->guard;
        check_early(pu, cond);
        if (cond->kind == E_CALL && cond->sym_kind != SYM_NATIVE && strcmp(cond->name, "given") == 0 && cond->args.n == 1) {
            yb_expr *x = cond->args.items[0];
            if (x->sym_kind == SYM_INPUT_FIELD || x->sym_kind == SYM_INPUT_RECORD) pu->guard = x->sym_index;
        }
        check_early(pu, e->a);
        pu->guard = outer;
        check_early(pu, e->b);
        return;
    }
    case E_CALL:
        if (strcmp(e->name, "given") == 0) return;
        if (e->sym_kind == SYM_NATIVE) { pu->pure = false; return; } /* called where written, not early */
        break;
    case E_UNARY: case E_BINARY: case E_DURATION:
        /* arithmetic may overflow: worked out earlier than written, it could fail
           where the state is never opened (a stage that stops the claim) */
        if (pu->known) pu->pure = false;
        break;
    case E_PART: case E_IN:
        break;
    default:
        pu->pure = false;
        return;
    }
    each_child(e, check_early, ctx);
}

/* Registers for a state's keys, one after another: the first. */
static int key_regs(yb_compiler *c, yb_decl *d)
{
    int first = -1;
    for (int k = 0; k < d->keys.n; k++) {
        int r = yb_reg_new(c, kind_of(d->keys.items[k]));
        if (k == 0) first = r;
    }
    return first;
}

/* Keys of states that can be known early are worked out right after the
 * claim starts, with a prefetch of their running totals, so the memory
 * fetch overlaps the work before the state opens. */
static void gen_early_keys(gen *g, yb_compiler *c)
{
    for (int i = 0; i < c->steps.n; i++) {
        yb_decl *d = c->steps.items[i];
        if (d->kind != D_STATE || d->keys.n > 64) continue;
        purity pu = {g, true, -1, false, false};
        for (int k = 0; k < d->keys.n; k++) check_early(&pu, d->keys.items[k]);
        if (!pu.pure) continue;
        g->loc = d->loc;
        int first = key_regs(c, d);
        for (int k = 0; k < d->keys.n; k++) gen_into(g, d->keys.items[k], first + k);
        op3(g, YB_OP_STPREF, d->index, first, d->keys.n);
        g->state_keys[d->index] = first;
    }
}

/* The define named sym (not one of each element), or NULL. */
static yb_decl *define_decl(gen *g, int sym)
{
    for (int i = 0; i < g->c->steps.n; i++) {
        yb_decl *d = g->c->steps.items[i];
        if (d->kind == D_DEFINE && !d->of_record && yb_global_find(g->c, d->name)->index == sym) return d;
    }
    return NULL;
}

/* Keys that become known before their state opens (after gen_early_keys's,
 * which read claim fields alone): keys that read defines made by now,
 * outputs no statement writes (their `= value` is made first), claim fields
 * always given or tested by `if given(…)`, and a define not made yet when the
 * key is that define (worked out here from its value, which reads only such
 * names; its own step makes it again, the same value).  Called after the
 * outputs' values and after each define, for the states still to open (steps
 * after `from`) that keep running totals (not a report's few keys, not a
 * state without fields, whose lookup is the front filter's, fpset.c): their
 * keys are worked out there with a STPREF, so the row's fetch overlaps the
 * work before the state opens.  The standard policy's family account
 * (`payer_id`) is fetched from the claim's start instead of where it opens
 * (bench/README.md: 1-1.4 % less CPU on `m10`).  yb_compile_plain leaves them
 * where they open (tests/unit/test_fused.c holds the two alike). */
static void gen_known_keys(gen *g, yb_compiler *c, int from)
{
    for (int i = from; i < c->steps.n; i++) {
        yb_decl *d = c->steps.items[i];
        if (d->kind != D_STATE || d->report || !d->fields.n || d->keys.n > 64 || g->state_keys[d->index] >= 0) continue;
        purity pu = {g, true, -1, true, false};
        for (int k = 0; k < d->keys.n && pu.pure; k++) {
            pu.inline_ok = true;
            check_early(&pu, d->keys.items[k]);
        }
        if (!pu.pure) continue;
        g->loc = d->loc;
        int first = key_regs(c, d);
        for (int k = 0; k < d->keys.n; k++) {
            yb_expr *e = d->keys.items[k];
            if (e->kind == E_NAME && e->sym_kind == SYM_DEFINE && !g->made[e->sym_index]) e = define_decl(g, e->sym_index)->value;
            gen_into(g, e, first + k);
        }
        op3(g, YB_OP_STPREF, d->index, first, d->keys.n);
        g->state_keys[d->index] = first;
    }
}

static void gen_state_open(gen *g, yb_decl *d)
{
    yb_state_desc *sd = &g->p->states[d->index];
    g->loc = d->loc;
    /* `when`: where it does not hold, the entry is not opened; its fields read 0
       and what the claim adds to them is dropped.  It is tested before the keys
       are worked out, so a key may read a field that only the condition
       promises (`per visit.community_id when given(visit.community_id)`). */
    jlist closed = {.n = 0};
    if (d->value) gen_jump_if(g, d->value, false, &closed);
    /* keys go into fresh consecutive registers (or were worked out early) */
    int first = g->state_keys[d->index];
    if (first < 0) {
        for (int i = 0; i < d->keys.n; i++) {
            int r = yb_reg_new(g->c, kind_of(d->keys.items[i]));
            if (i == 0) first = r;
        }
        for (int i = 0; i < d->keys.n; i++) gen_into(g, d->keys.items[i], first + i);
    }
    g->loc = d->loc;
    op3(g, YB_OP_STOPEN, d->index, first, d->keys.n);
    int skip;
    if (fusing(g)) {
        skip = jump(g, YB_OP_JOLD, 0, d->index);
    } else {
        int t = tmp(g, YB_T_BOOL);
        op3(g, YB_OP_STNEW, t, d->index, 0);
        skip = jump(g, YB_OP_JMPF, t, 0);
        release(g, t);
    }
    for (int i = 0; i < d->fields.n; i++) {
        yb_fielddecl *fd = d->fields.items[i];
        if (fd->dflt) gen_into(g, fd->dflt, sd->first_reg + i);
    }
    op3(g, YB_OP_STINIT, d->index, 0, 0);
    patch(g, skip, here(g));
    if (d->value) {
        int over = jump(g, YB_OP_JMP, 0, 0);
        jl_patch(g, &closed, here(g));
        if (d->fields.n) op3(g, YB_OP_ZERO, sd->first_reg, d->fields.n, 0);
        patch(g, over, here(g));
    }
}

/* After every step: each invariant the compiler could not prove is tested,
 * and a settlement that breaks one becomes a record error (INVARIANT). */
/* The register of an invariant `X >= 0` (no `when`), X in a register of
 * its own (an output, say); -1 for any other invariant. */
static int nonneg_reg(gen *g, const yb_invariant *inv)
{
    const yb_expr *e = inv->e;
    if (inv->proved || inv->cond || e->kind != E_BINARY || !yb_kind_numeric(e->a->type.kind)) return -1;
    const yb_expr *x = e->op == OP_GE ? e->a : e->op == OP_LE ? e->b : NULL, *zero = e->op == OP_GE ? e->b : e->a;
    if (!x || !zero->constant || zero->ival != 0 || x->constant) return -1;
    return resident(g, x);
}

/* Consecutive invariants `X >= 0` over consecutive registers (`all money
 * outputs >= 0`) are tested first with one JNONNEG that jumps past all of
 * them; only a claim that breaks one runs them one by one, for its message. */
static void gen_nonneg_guard(gen *g, yb_compiler *c, int i, int *guard, int *until)
{
    *guard = -1;
    int first = nonneg_reg(g, c->invariants.items[i]), n = 1, j = i + 1;
    if (!fusing(g) || first < 0) return;
    for (; j < c->invariants.n && n < 65535; j++) {
        yb_invariant *inv = c->invariants.items[j];
        if (inv->proved) continue;
        if (nonneg_reg(g, inv) != first + n) break;
        n++;
    }
    if (n < 2) return;
    g->loc = ((yb_invariant *)c->invariants.items[i])->e->loc;
    *guard = jump(g, YB_OP_JNONNEG, first, n);
    *until = j;
}

static void gen_invariants(gen *g, yb_compiler *c)
{
    yb_program *p = g->p;
    int guard = -1, until = 0;
    for (int i = 0; i < c->invariants.n; i++) {
        yb_invariant *inv = c->invariants.items[i];
        if (guard >= 0 && i == until) {
            patch(g, guard, here(g));
            guard = -1;
        }
        if (inv->proved) {
            p->nproved++;
            continue;
        }
        if (guard < 0) gen_nonneg_guard(g, c, i, &guard, &until);
        g->loc = inv->e->loc;
        jlist holds = {.n = 0};
        if (inv->cond) gen_jump_if(g, inv->cond, false, &holds);
        gen_jump_if(g, inv->e, true, &holds);
        p->invariants = realloc(p->invariants, (size_t)(p->ninvariants + 1) * sizeof *p->invariants);
        yb_invariant_describe(c, inv, g->sym_reg, &p->invariants[p->ninvariants]);
        g->loc = inv->e->loc;
        op3(g, YB_OP_INVARIANT, p->ninvariants++, 0, 0);
        jl_patch(g, &holds, here(g));
    }
    if (guard >= 0) patch(g, guard, here(g));
}

bool yb_codegen(yb_compiler *c)
{
    gen G = {.c = c, .p = c->prog, .ok = true, .cur_rule = -1};
    gen *g = &G;
    yb_program *p = c->prog;
    g->field_reg = malloc((size_t)(p->schema.nfields ? p->schema.nfields : 1) * sizeof *g->field_reg);
    g->elem_reg = malloc((size_t)(p->schema.nfields ? p->schema.nfields : 1) * sizeof *g->elem_reg);
    for (int i = 0; i < p->schema.nfields; i++) g->field_reg[i] = g->elem_reg[i] = -1;
    g->state_keys = malloc((size_t)(p->nstates ? p->nstates : 1) * sizeof *g->state_keys);
    for (int i = 0; i < p->nstates; i++) g->state_keys[i] = -1;
    g->made = calloc((size_t)(c->nsyms ? c->nsyms : 1), sizeof *g->made);
    /* the checker's symbols take the first registers; outputs are symbols 0..nouts-1 */
    g->sym_reg = yb_regs_for_symbols(c);
    for (int i = 0; i < p->nstates; i++) p->states[i].first_reg = g->sym_reg[c->state_syms[i]];
    g->nwrites = c->nsyms;
    g->writes = calloc((size_t)(c->nsyms ? c->nsyms : 1), sizeof *g->writes);
    g->left = malloc((size_t)(c->nsyms ? c->nsyms : 1) * sizeof *g->left);
    for (int i = 0; i < c->steps.n; i++) {
        yb_decl *d = c->steps.items[i];
        if (d->kind == D_RULE) count_writes(g, &d->body);
    }
    if (g->left) memcpy(g->left, g->writes, (size_t)c->nsyms * sizeof *g->left);
    /* block 0: the policy's definitions, always run */
    g->cur_block = new_block(g, NULL, "definitions", ((yb_loc){.file = 0}));
    op3(g, YB_OP_FIRE, 0, 0, 0);
    if (c->dated) {
        g->loc = c->dated->loc;
        int r = tmp(g, YB_T_DATE);
        gen_into(g, c->dated->value, r);
        op3(g, YB_OP_EPOCH, r, 0, 0);
        release(g, r);
    }
    gen_early_keys(g, c);
    /* outputs start at zero (an empty text for text), then take their `= value` */
    if (p->nouts) op3(g, YB_OP_ZERO, reg_of(g, 0), p->nouts, 0);
    for (int i = 0; i < p->nouts; i++) {
        yb_fielddecl *fd = c->output->fields.items[i];
        if (fd->special || !fd->dflt) continue;
        g->loc = fd->loc;
        /* sums over the same list, one after another, share one loop */
        yb_expr *aggs[16];
        int regs[16], n = 0;
        for (int j = i; j < p->nouts && n < 16; j++) {
            yb_fielddecl *fj = c->output->fields.items[j];
            if (fj->special || !fj->dflt) continue; /* no code: the sums on either side share the loop */
            if (!fusable(g, n ? aggs[0] : NULL, fj->dflt, regs, n)) break;
            aggs[n] = fj->dflt;
            regs[n++] = reg_of(g, j);
            i = j;
        }
        if (n > 0) gen_loop(g, aggs, regs, n);
        else gen_into(g, fd->dflt, reg_of(g, i));
    }
    if (g->made && g->writes && !c->plain) gen_known_keys(g, c, 0);
    for (int i = 0; i < c->steps.n; i++) {
        yb_decl *d = c->steps.items[i];
        switch (d->kind) {
        case D_DEFINE: {
            g->cur_block = 0;
            g->loc = d->loc;
            if (d->of_record) {
                gen_derived(g, d);
                break;
            }
            /* consecutive sums over the same list share one loop */
            yb_expr *aggs[16];
            int regs[16], n = 0, last = i;
            for (int j = i; j < c->steps.n && n < 16; j++) {
                yb_decl *dj = c->steps.items[j];
                if (dj->kind != D_DEFINE || !fusable(g, n ? aggs[0] : NULL, dj->value, regs, n)) break;
                aggs[n] = dj->value;
                regs[n++] = reg_of(g, yb_global_find(c, dj->name)->index);
                last = j;
            }
            if (n > 0) gen_loop(g, aggs, regs, n);
            else gen_into(g, d->value, reg_of(g, yb_global_find(c, d->name)->index));
            for (int j = i; j <= last; j++) {
                yb_decl *dj = c->steps.items[j];
                yb_global *gl = yb_global_find(c, dj->name);
                explain_value(g, dj->name, reg_of(g, gl->index), gl->type, dj->loc);
                if (g->made) g->made[gl->index] = true;
            }
            i = last;
            if (g->made && g->writes && !c->plain) gen_known_keys(g, c, i + 1);
            break;
        }
        case D_STATE: gen_state_open(g, d); break;
        case D_RULE: {
            g->cur_rule = d->index = p->nblocks;
            g->cur_block = new_block(g, d, NULL, d->loc);
            g->loc = d->loc;
            jlist skip = {.n = 0};
            if (d->value) {
                if (d->value->constant && !d->value->ival)
                    yb_warning(c->diag, d->value->loc, "rule `%s` can never fire: its condition is always false", d->name);
                gen_jump_if(g, d->value, false, &skip);
            }
            op3(g, YB_OP_FIRE, g->cur_block, 0, 0);
            gen_stmts(g, d, &d->body);
            jl_patch(g, &skip, here(g));
            break;
        }
        default: break;
        }
    }
    gen_invariants(g, c);
    g->loc = ((yb_loc){.file = 0});
    op3(g, YB_OP_HALT, 0, 0, 0);
    /* lay out: constants (once per VM), HALT, then per claim the field reads and the
       body; jumps are relative, so the body moves without fixing them */
    int head = g->ninit + 1 + g->npro, n = head + p->ncode;
    yb_instr *code = malloc((size_t)n * sizeof *code);
    uint32_t *lines = calloc((size_t)n, sizeof *lines);
    uint16_t *files = calloc((size_t)n, sizeof *files);
    if (g->ninit) memcpy(code, g->init, (size_t)g->ninit * sizeof *code);
    code[g->ninit] = yb_mk(YB_OP_HALT, 0, 0, 0, 0);
    if (g->npro) memcpy(code + g->ninit + 1, g->pro, (size_t)g->npro * sizeof *code);
    memcpy(code + head, p->code, (size_t)p->ncode * sizeof *code);
    memcpy(lines + head, p->lines, (size_t)p->ncode * sizeof *lines);
    memcpy(files + head, p->line_files, (size_t)p->ncode * sizeof *files);
    free(p->code);
    free(p->lines);
    free(p->line_files);
    p->code = code;
    p->lines = lines;
    p->line_files = files;
    p->ncode = n;
    p->entry = g->ninit + 1;
    for (int k = 0; k < YB_T__COUNT; k++) free(g->free_regs[k]);
    free(g->init);
    free(g->pro);
    free(g->cvals);
    free(g->ckinds);
    free(g->cregs);
    free(g->field_reg);
    free(g->elem_reg);
    free(g->state_keys);
    free(g->made);
    free(g->writes);
    free(g->left);
    free(g->sym_reg);
    return g->ok;
}
