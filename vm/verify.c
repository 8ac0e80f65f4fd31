/* The verifier: every program passes it before it runs, whether the compiler
 * just made it or it came from a .ybc file of unknown origin.  It proves what
 * lets the interpreter run without checks: operand kinds and register
 * bounds, constant/parameter/field/state indices, jump targets, and that
 * every loop is a bounded walk over a claim list, so every run terminates. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loopk.h"
#include "program.h"
#include "route_plan.h"


#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return false; } while (0)


static bool verify_schema(const yb_program *p, char *err, size_t errlen)
{
    const yb_schema *s = &p->schema;
    if (s->nfields < 0 || s->nslots < 0 || s->nlists < 0 || s->nenums < 0) FAIL("bad schema counts");
    if (!yb_span_fits(s->root_first, s->root_count, s->nfields)) FAIL("bad schema root");
    for (int i = 0; i < s->nenums; i++) {
        if (!s->enums[i].name || s->enums[i].n < 1 || s->enums[i].n > 255) FAIL("enum %d is malformed", i);
        for (int m = 0; m < s->enums[i].n; m++)
            if (!s->enums[i].names[m]) FAIL("enum %d has an unnamed member", i);
        for (int k = 0; k < s->enums[i].ntexts; k++)
            if (!s->enums[i].texts || !s->enums[i].texts[k] || !s->enums[i].texts_member ||
                s->enums[i].texts_member[k] < 0 || s->enums[i].texts_member[k] >= s->enums[i].n)
                FAIL("enum %d has a malformed text code", i);
    }
    for (int i = 0; i < s->nfields; i++) {
        const yb_field *f = &s->fields[i];
        if (!f->name) FAIL("field %d has no name", i);
        if (f->kind == YB_T_RECORD || f->kind == YB_T_LIST) {
            if (f->first <= i || !yb_span_fits(f->first, f->count, s->nfields)) FAIL("field %d has bad children", i);
        } else if (!yb_kind_value(f->kind) || f->kind == YB_T_DURATION || f->kind == YB_T_RATE) {
            FAIL("field %d has kind %d", i, f->kind);
        }
        if (f->kind == YB_T_ENUM && f->enum_id >= s->nenums) FAIL("field %d names enum %d", i, f->enum_id);
        if (f->kind == YB_T_LIST && (f->slot < 0 || f->slot >= s->nlists || s->lists[f->slot].field != i))
            FAIL("list field %d is malformed", i);
        if (f->kind == YB_T_LIST && !f->elem_name) FAIL("list field %d has no element name", i);
        if (f->kind == YB_T_ENUM && (f->flags & YB_F_DEFAULT) && (f->dflt < 0 || f->dflt >= s->enums[f->enum_id].n))
            FAIL("field %d has a default outside its enum", i);
        if (f->kind == YB_T_DATE && (f->flags & YB_F_DEFAULT) && !yb_date_in_range(f->dflt))
            FAIL("field %d has a default date outside 0001-01-01..9999-12-31", i);
        if (f->kind == YB_T_TEXT && (f->flags & YB_F_DEFAULT) &&
            (!yb_text_in_pool(f->dflt) || (uint64_t)yb_text_offset(f->dflt) + yb_text_length(f->dflt) > p->pool_len))
            FAIL("field %d has a default text outside the pool", i);
        if (f->kind != YB_T_LIST) {
            int limit = p->elem_list[i] >= 0 ? s->lists[p->elem_list[i]].elem_nslots : s->nslots;
            if (f->slot < 0 || f->slot >= limit) FAIL("field %d has slot %d outside %d", i, f->slot, limit);
        }
    }
    for (int li = 0; li < s->nlists; li++)
        if (s->lists[li].elem_nslots < 0 || s->lists[li].elem_nslots > 4096) FAIL("list %d is malformed", li);
    if (s->nslots > 65535) FAIL("too many slots");
    return true;
}

/* Text with values: each piece has text, a register or none, an enum that exists. */
static bool pieces_ok(const yb_program *p, const yb_text_piece *pc, int n)
{
    if (n < 0 || (n > 0 && !pc)) return false;
    for (int k = 0; k < n; k++) {
        if (!pc[k].text || pc[k].reg < -1 || pc[k].reg >= p->nregs) return false;
        if (pc[k].reg >= 0 && p->reg_kinds[pc[k].reg] == YB_T_ENUM && pc[k].enum_id >= p->schema.nenums) return false;
    }
    return true;
}

static bool verify_natives(const yb_program *p, char *err, size_t errlen)
{
    for (int i = 0; i < p->nnatives; i++) {
        const yb_native_desc *d = &p->natives[i];
        if (!yb_native_word_ok(d->name, false)) FAIL("native function %d has a malformed name", i);
        if (!yb_native_word_ok(d->library, true)) FAIL("native function `%s` names a malformed library", d->name);
        if (!yb_native_kind_ok(d->result, false)) FAIL("native function `%s` returns kind %d", d->name, d->result);
        if (d->nparams < 1 || d->nparams > YB_NATIVE_MAX_PARAMS) FAIL("native function `%s` has %d parameters", d->name, d->nparams);
        for (int k = 0; k < d->nparams; k++)
            if (!yb_native_kind_ok(d->params[k], true)) FAIL("native function `%s` parameter %d has kind %d", d->name, k + 1, d->params[k]);
        for (int j = 0; j < i; j++)
            if (strcmp(p->natives[j].name, d->name) == 0) FAIL("native function `%s` is declared twice", d->name);
    }
    return true;
}

static bool verify_tables(const yb_program *p, char *err, size_t errlen)
{
    if (!verify_natives(p, err, errlen)) return false;
    if (p->nregs < 0 || p->nregs > YB_MAX_REGS) FAIL("bad register count");
    for (int r = 0; r < p->nregs; r++)
        if (!yb_kind_value(p->reg_kinds[r])) FAIL("register %d has kind %d", r, p->reg_kinds[r]);
    if (p->nouts > p->nregs) FAIL("outputs exceed registers");
    for (int i = 0; i < p->nouts; i++) {
        uint8_t k = p->outs[i].kind;
        if (!p->outs[i].name) FAIL("output %d has no name", i);
        if (k == YB_T_STATUS || k == YB_T_REASONS || k == YB_T_ALERTS) continue;
        if (k != p->reg_kinds[i]) FAIL("output %d does not match register %d", i, i);
        if (k == YB_T_ENUM && p->outs[i].enum_id >= p->schema.nenums) FAIL("output %d names enum %d", i, p->outs[i].enum_id);
    }
    for (int i = 0; i < p->nconsts; i++) {
        if (!yb_kind_value(p->const_kinds[i])) FAIL("constant %d has kind %d", i, p->const_kinds[i]);
        if (p->const_kinds[i] == YB_T_DATE && !yb_date_in_range(p->consts[i]))
            FAIL("date constant %d is outside 0001-01-01..9999-12-31", i);
        if (p->const_kinds[i] == YB_T_TEXT) {
            int64_t v = p->consts[i];
            if (!yb_text_in_pool(v) || (uint64_t)yb_text_offset(v) + yb_text_length(v) > p->pool_len)
                FAIL("text constant %d lies outside the string pool", i);
        }
    }
    for (int i = 0; i < p->nparams; i++) {
        const yb_param *pp = &p->params[i];
        if (!pp->name || pp->nversions < 1) FAIL("parameter %d is malformed", i);
        if (pp->kind != YB_T_BANDS && !yb_kind_value(pp->kind)) FAIL("parameter %d has kind %d", i, pp->kind);
        if (pp->range_key && ((!yb_kind_ordered(pp->range_key) && pp->range_key != YB_T_TEXT) || pp->size != 1 || pp->kind == YB_T_BANDS ||
                              (pp->kind == YB_T_TEXT && pp->range_key != YB_T_TEXT)))
            FAIL("parameter %d is malformed", i);
        /* the band sets of text-keyed parameters hold pool texts (keys, and values if text) */
        for (int v = 0; pp->range_key == YB_T_TEXT && v < pp->nversions; v++) {
            int64_t bsi = pp->versions[v].cells[0];
            if (bsi < 0 || bsi >= p->nbandsets) FAIL("parameter %d names band set %lld", i, (long long)bsi);
            const yb_band_set *bs = &p->bandsets[bsi];
            for (int b = 0; b < bs->n; b++) {
                int64_t k = bs->bands[b].from, x = bs->bands[b].rate;
                if (!yb_text_in_pool(k) || (uint64_t)yb_text_offset(k) + yb_text_length(k) > p->pool_len) FAIL("parameter %d has a key outside the pool", i);
                if (pp->kind == YB_T_TEXT && (!yb_text_in_pool(x) || (uint64_t)yb_text_offset(x) + yb_text_length(x) > p->pool_len))
                    FAIL("parameter %d has a text outside the pool", i);
            }
        }
        for (int v = 0; v < pp->nversions; v++) {
            if (v && pp->versions[v].from <= pp->versions[v - 1].from) FAIL("parameter %d versions out of order", i);
            if (!yb_date_in_range(pp->versions[v].from)) FAIL("parameter %d has an effective date outside 0001-01-01..9999-12-31", i);
            for (int c = 0; c < pp->size; c++) {
                int64_t x = pp->versions[v].cells[c];
                if ((pp->kind == YB_T_BANDS || pp->range_key) && (x < 0 || x >= p->nbandsets)) FAIL("parameter %d names band set %lld", i, (long long)x);
                if (pp->kind == YB_T_TEXT && !pp->range_key &&
                    (!yb_text_in_pool(x) || (uint64_t)yb_text_offset(x) + yb_text_length(x) > p->pool_len))
                    FAIL("parameter %d holds text outside the pool", i);
                if (pp->kind == YB_T_DATE && !pp->range_key && !yb_date_in_range(x))
                    FAIL("parameter %d holds a date outside 0001-01-01..9999-12-31", i);
                /* keyed by ranges or text: the values are the rates of the band set */
                for (int b = 0; pp->kind == YB_T_DATE && pp->range_key && b < p->bandsets[x].n; b++)
                    if (!yb_date_in_range(p->bandsets[x].bands[b].rate))
                        FAIL("parameter %d holds a date outside 0001-01-01..9999-12-31", i);
            }
        }
    }
    for (int i = 0; i < p->nbandsets; i++)
        for (int b = 0; b < p->bandsets[i].n; b++)
            if (p->bandsets[i].bands[b].from >= p->bandsets[i].bands[b].to) FAIL("band set %d is malformed", i);
    for (int i = 0; i < p->nstates; i++) {
        const yb_state_desc *sd = &p->states[i];
        if (sd->nkeys < 1 || sd->nkeys > 64 || !yb_span_fits(sd->first_reg, sd->nfields, p->nregs))
            FAIL("state %d is malformed", i);
        for (int k = 0; k < sd->nkeys; k++) {
            if (!yb_kind_value(sd->key_kinds[k]) || sd->key_kinds[k] == YB_T_DURATION) FAIL("state %d key %d has kind %d", i, k, sd->key_kinds[k]);
            if (sd->key_kinds[k] == YB_T_ENUM && sd->key_enums[k] >= p->schema.nenums) FAIL("state %d key %d names enum %d", i, k, sd->key_enums[k]);
        }
        if (sd->report > 1) FAIL("state %d is malformed", i);
        for (int f = 0; f < sd->nfields; f++) {
            uint8_t k = p->reg_kinds[sd->first_reg + f];
            if (!(yb_kind_numeric(k) || k == YB_T_BOOL || k == YB_T_DATE)) FAIL("state %d field %d has kind %d", i, f, k);
            if (!sd->field_names[f]) FAIL("state %d field %d has no name", i, f);
        }
    }
    for (int i = 0; i < p->nrejects; i++) {
        if (p->rejects[i].field < -1 || p->rejects[i].field >= p->schema.nfields || !p->rejects[i].path || !p->rejects[i].message ||
            !pieces_ok(p, p->rejects[i].pieces, p->rejects[i].npieces))
            FAIL("reject %d is malformed", i);
    }
    for (int i = 0; i < p->ninvariants; i++) {
        const yb_invariant_desc *v = &p->invariants[i];
        if (!v->text || !pieces_ok(p, v->pieces, v->npieces)) FAIL("invariant %d is malformed", i);
    }
    for (int i = 0; i < p->nalerts; i++)
        if (!p->alerts[i].id || !p->alerts[i].message || p->alerts[i].severity > 1 ||
            !pieces_ok(p, p->alerts[i].pieces, p->alerts[i].npieces))
            FAIL("alert %d is malformed", i);
    for (int i = 0; i < p->nblocks; i++)
        if (!p->blocks[i].name || p->blocks[i].branch > 2 || p->blocks[i].file < 0 || p->blocks[i].file >= (p->nfiles ? p->nfiles : 1) ||
            p->blocks[i].rule < -1 || p->blocks[i].rule >= p->nblocks) /* rule: -1, or the block an explanation names */
            FAIL("block %d is malformed", i);
    for (int i = 0; i < p->nexplain; i++) {
        const yb_explain_value *e = &p->explain[i];
        if (e->block < 0 || e->block >= p->nblocks || e->reg < 0 || e->reg >= p->nregs || e->kind != p->reg_kinds[e->reg] || !e->label)
            FAIL("explanation %d is malformed", i);
        if (e->kind == YB_T_ENUM && e->enum_id >= p->schema.nenums) FAIL("explanation %d names enum %d", i, e->enum_id);
    }
    for (int i = 0; i < p->nreasons; i++)
        if (!p->reasons[i]) FAIL("reason %d has no name", i);
    for (int i = 0; i < p->nderived; i++) {
        const yb_derived *d = &p->derived[i];
        if (!d->name || d->list < 0 || d->list >= p->schema.nlists || !yb_kind_value(d->kind) ||
            (d->kind == YB_T_ENUM && d->enum_id >= p->schema.nenums))
            FAIL("derived value %d is malformed", i);
    }
    for (int i = 0; i < p->nloads; i++) {
        const yb_field_load *l = &p->loads[i];
        if (l->field < 0 || l->field >= p->schema.nfields || l->reg < 0 || l->reg >= p->nregs) FAIL("field load %d is malformed", i);
        const yb_field *f = &p->schema.fields[l->field];
        /* only fields that always hold a value: required all the way up, or defaulted */
        if (p->elem_list[l->field] >= 0 || f->kind == YB_T_LIST || f->slot != l->slot ||
            p->reg_kinds[l->reg] != (f->kind == YB_T_RECORD ? YB_T_BOOL : f->kind))
            FAIL("field load %d does not match its field", i);
    }
    for (int i = 0; i < p->ncode; i++)
        if (p->line_files[i] >= (p->nfiles ? p->nfiles : 1)) FAIL("instruction %d names source file %d", i, p->line_files[i]);
    return true;
}

/* One register operand against its shape; `group` collects N/O/Q kinds. */
static bool check_reg(const yb_program *p, char shape, unsigned r, int *group, char *err, size_t errlen, int pc)
{
    if ((int)r >= p->nregs) FAIL("instruction %d: register %u out of range", pc, r);
    uint8_t k = p->reg_kinds[r];
    switch (shape) {
    case 'B': if (k != YB_T_BOOL) FAIL("instruction %d: register %u is not bool", pc, r); return true;
    case 'I': if (k != YB_T_INT) FAIL("instruction %d: register %u is not int", pc, r); return true;
    case 'M': if (k != YB_T_MONEY) FAIL("instruction %d: register %u is not money", pc, r); return true;
    case 'R': if (k != YB_T_RATE) FAIL("instruction %d: register %u is not a rate", pc, r); return true;
    case 'D': if (k != YB_T_DATE) FAIL("instruction %d: register %u is not a date", pc, r); return true;
    case 'U': if (k != YB_T_DURATION) FAIL("instruction %d: register %u is not a duration", pc, r); return true;
    case 'T': if (k != YB_T_TEXT) FAIL("instruction %d: register %u is not text", pc, r); return true;
    case 'E': if (k != YB_T_ENUM) FAIL("instruction %d: register %u is not an enum", pc, r); return true;
    case 'N': if (!yb_kind_numeric(k)) FAIL("instruction %d: register %u is not a number", pc, r); break;
    case 'O': if (!yb_kind_ordered(k)) FAIL("instruction %d: register %u is not ordered", pc, r); break;
    case 'Q': break;
    default: return true;
    }
    if (*group >= 0 && *group != k) FAIL("instruction %d: operands of different kinds", pc);
    *group = k;
    return true;
}

static bool is_reg_shape(char s) { return strchr("BIMRDUTENOQX", s) != NULL; }

/* Does instruction i write register r? */
static bool writes(yb_instr i, int r, const yb_program *p)
{
    unsigned op = YB_I_OP(i);
    if (op == YB_OP_STOPEN) {
        const yb_state_desc *sd = &p->states[YB_I_A(i)];
        return r >= sd->first_reg && r < sd->first_reg + sd->nfields;
    }
    if (op == YB_OP_JMPF || op == YB_OP_JMPT || op == YB_OP_EPOCH || op == YB_OP_JTEQ || op == YB_OP_JTNE || op == YB_OP_JNONNEG ||
        op == YB_OP_JIN || op == YB_OP_JNIN)
        return false;
    if (op == YB_OP_MOVN) return r >= (int)YB_I_A(i) && r < (int)(YB_I_A(i) + YB_I_D(i));
    return is_reg_shape(yb_op_shapes[op][0]) && (int)YB_I_A(i) == r;
}

bool yb_verify(const yb_program *p, char *err, size_t errlen)
{
    if (p->ncode < 1) FAIL("no code");
    if (!yb_date_in_range(p->effective)) FAIL("the policy's effective date is outside 0001-01-01..9999-12-31");
    if (YB_I_OP(p->code[p->ncode - 1]) != YB_OP_HALT) FAIL("the code does not end with HALT");
    if (!verify_schema(p, err, errlen) || !verify_tables(p, err, errlen)) return false;
    /* the constant section: only constant loads, closed by HALT */
    if (p->entry < 1 || p->entry >= p->ncode) FAIL("the claim code's entry %d is outside the code", p->entry);
    for (int pc = 0; pc < p->entry - 1; pc++) {
        unsigned op = YB_I_OP(p->code[pc]);
        if (op != YB_OP_LOADI && op != YB_OP_LOADK) FAIL("instruction %d: the constant section holds only constant loads", pc);
    }
    if (YB_I_OP(p->code[p->entry - 1]) != YB_OP_HALT) FAIL("the constant section does not end with HALT");
    const yb_schema *s = &p->schema;
    for (int pc = 0; pc < p->ncode; pc++) {
        yb_instr i = p->code[pc];
        unsigned op = YB_I_OP(i);
        if (op >= YB_OP__COUNT) FAIL("instruction %d: unknown opcode %u", pc, op);
        const char *sh = yb_op_shapes[op];
        unsigned a = YB_I_A(i), b = YB_I_B(i), c = YB_I_C(i), d = YB_I_D(i);
        int group = -1;
        if (is_reg_shape(sh[0]) && sh[0] != 'X' && !check_reg(p, sh[0], a, &group, err, errlen, pc)) return false;
        if (is_reg_shape(sh[1]) && sh[1] != 'X' && !check_reg(p, sh[1], b, &group, err, errlen, pc)) return false;
        if (is_reg_shape(sh[2]) && sh[2] != 'X' && !check_reg(p, sh[2], c, &group, err, errlen, pc)) return false;
        if (sh[0] == 'X' && (int)a >= p->nregs) FAIL("instruction %d: register %u out of range", pc, a);
        uint8_t ka = (int)a < p->nregs ? p->reg_kinds[a] : 0;
        if (sh[3] == 'n' && d > 2 && op != YB_OP_KEYIDX) FAIL("instruction %d: operand d = %u", pc, d);
        if (sh[2] == 'j' || sh[1] == 'j') {
            int64_t t = (int64_t)pc + 1 + YB_I_J(i);
            if (t < p->entry || t >= p->ncode || pc < p->entry) FAIL("instruction %d: jump to %lld is outside the code", pc, (long long)t);
            if (op == YB_OP_LOOPN ? t > pc : t <= pc) FAIL("instruction %d: only LOOPN jumps backward", pc);
        }
        switch (op) {
        case YB_OP_LOADK:
            if (YB_I_K(i) >= (uint32_t)p->nconsts) FAIL("instruction %d: constant %u out of range", pc, YB_I_K(i));
            if (p->const_kinds[YB_I_K(i)] != ka) FAIL("instruction %d: constant kind differs from register", pc);
            break;
        case YB_OP_LOADI:
            if (ka == YB_T_TEXT) FAIL("instruction %d: text cannot be made from a number", pc);
            if (ka == YB_T_DATE && !yb_date_in_range(YB_I_IMM(i))) FAIL("instruction %d: a date outside 0001-01-01..9999-12-31", pc);
            break;
        case YB_OP_ZERO:
            if ((int)(a + b) > p->nregs) FAIL("instruction %d: registers out of range", pc);
            break;
        case YB_OP_JEQ:
        case YB_OP_JNE:
            if (p->reg_kinds[a] == YB_T_TEXT) FAIL("instruction %d: text compares with TEQ", pc);
            break;
        case YB_OP_EQ:
        case YB_OP_NE:
            if (p->reg_kinds[b] == YB_T_TEXT) FAIL("instruction %d: text compares with TEQ", pc);
            break;
        case YB_OP_MULI:
        case YB_OP_DIVI:
            if (p->reg_kinds[a] == YB_T_INT && op == YB_OP_DIVI) FAIL("instruction %d: ints do not divide", pc);
            break;
        case YB_OP_JGIVEN:
        case YB_OP_JABSENT: {
            const yb_field *f = (int)b < s->nfields ? &s->fields[b] : NULL;
            if (!f || p->elem_list[b] >= 0 || f->kind == YB_T_LIST || (int)a != f->slot) FAIL("instruction %d: field %u is not a claim field at slot %u", pc, b, a);
            break;
        }
        case YB_OP_JNEW:
        case YB_OP_JOLD:
            if ((int)b >= p->nstates) FAIL("instruction %d: state %u out of range", pc, b);
            break;
        case YB_OP_MOVN:
            if (d < 1 || (int)(a + d) > p->nregs || (int)(b + d) > p->nregs) FAIL("instruction %d: registers out of range", pc);
            for (unsigned k = 0; k < d; k++)
                if (p->reg_kinds[a + k] != p->reg_kinds[b + k]) FAIL("instruction %d: operands of different kinds", pc);
            break;
        case YB_OP_JNONNEG:
            if (b < 1 || (int)(a + b) > p->nregs) FAIL("instruction %d: registers out of range", pc);
            for (unsigned k = 0; k < b; k++)
                if (!yb_kind_numeric(p->reg_kinds[a + k])) FAIL("instruction %d: register %u is not a number", pc, a + k);
            break;
        case YB_OP_LDF:
        case YB_OP_LDFC:
        case YB_OP_PRESF: {
            if ((int)c >= s->nfields) FAIL("instruction %d: field %u out of range", pc, c);
            const yb_field *f = &s->fields[c];
            if (p->elem_list[c] >= 0 || f->kind == YB_T_LIST || (int)b != f->slot) FAIL("instruction %d: field %u is not a claim field at slot %u", pc, c, b);
            uint8_t want = op == YB_OP_PRESF || f->kind == YB_T_RECORD ? YB_T_BOOL : f->kind;
            if (ka != want) FAIL("instruction %d: field %u's kind differs from the register's", pc, c);
            break;
        }
        case YB_OP_LDE:
        case YB_OP_LDEC:
        case YB_OP_PRESE: {
            if ((int)c >= s->nfields || p->elem_list[c] < 0) FAIL("instruction %d: field %u is not a list element field", pc, c);
            const yb_field *f = &s->fields[c];
            uint8_t want = op == YB_OP_PRESE || f->kind == YB_T_RECORD ? YB_T_BOOL : f->kind;
            if (ka != want) FAIL("instruction %d: field %u's kind differs from the register's", pc, c);
            break;
        }
        case YB_OP_DSET:
        case YB_OP_DGET:
            if ((int)c >= p->nderived) FAIL("instruction %d: derived value %u out of range", pc, c);
            if (ka != p->derived[c].kind) FAIL("instruction %d: derived value %u's kind differs from the register's", pc, c);
            break;
        case YB_OP_LISTLEN:
        case YB_OP_LOOPB:
        case YB_OP_LOOPK:
        case YB_OP_LOOPN:
            if ((int)b >= s->nlists) FAIL("instruction %d: list %u out of range", pc, b);
            break;
        case YB_OP_PARAM:
        case YB_OP_PARAMX:
            if ((int)b >= p->nparams) FAIL("instruction %d: parameter %u out of range", pc, b);
            if (p->params[b].kind != ka) FAIL("instruction %d: parameter kind differs from the register's", pc);
            if (p->params[b].range_key) FAIL("instruction %d: parameter %u is keyed by ranges", pc, b);
            if (op == YB_OP_PARAMX && (int)c >= p->nregs) FAIL("instruction %d: register out of range", pc);
            if (op == YB_OP_PARAMX && p->reg_kinds[c] != YB_T_INT && p->reg_kinds[c] != YB_T_ENUM)
                FAIL("instruction %d: a parameter index is an int or an enum", pc);
            break;
        case YB_OP_RANGEHAS:
            if ((int)b >= p->nparams || !p->params[b].range_key) FAIL("instruction %d: parameter %u is not keyed by ranges or text", pc, b);
            if ((int)c >= p->nregs || p->reg_kinds[c] != p->params[b].range_key) FAIL("instruction %d: kinds differ from the parameter's", pc);
            break;
        case YB_OP_RANGE:
            if ((int)b >= p->nparams || !p->params[b].range_key) FAIL("instruction %d: parameter %u is not keyed by ranges", pc, b);
            if (p->params[b].kind != ka || (int)c >= p->nregs || p->reg_kinds[c] != p->params[b].range_key)
                FAIL("instruction %d: kinds differ from the parameter's", pc);
            break;
        case YB_OP_KEYIDX:
            if (d == 0) FAIL("instruction %d: KEYIDX needs a key size", pc);
            break;
        case YB_OP_TIERED:
            if ((int)d >= p->nparams || p->params[d].kind != YB_T_BANDS || p->params[d].range_key) FAIL("instruction %d: parameter %u is not bands", pc, d);
            break;
        case YB_OP_STPREF:
        case YB_OP_STOPEN: {
            if ((int)a >= p->nstates) FAIL("instruction %d: state %u out of range", pc, a);
            const yb_state_desc *sd = &p->states[a];
            if ((int)c != sd->nkeys || (int)(b + c) > p->nregs) FAIL("instruction %d: state keys out of range", pc);
            for (unsigned k = 0; k < c; k++)
                if (p->reg_kinds[b + k] != sd->key_kinds[k]) FAIL("instruction %d: state key %u has the wrong kind", pc, k);
            break;
        }
        case YB_OP_STNEW:
            if ((int)b >= p->nstates) FAIL("instruction %d: state %u out of range", pc, b);
            break;
        case YB_OP_STINIT:
            if ((int)a >= p->nstates) FAIL("instruction %d: state %u out of range", pc, a);
            break;
        case YB_OP_NATIVE: {
            if ((int)b >= p->nnatives) FAIL("instruction %d: native function %u out of range", pc, b);
            const yb_native_desc *nd = &p->natives[b];
            if (ka != nd->result) FAIL("instruction %d: native function `%s` returns %s, the register is %s", pc, nd->name,
                                       yb_kind_name((yb_kind)nd->result), yb_kind_name((yb_kind)ka));
            if ((int64_t)c + nd->nparams > p->nregs) FAIL("instruction %d: the arguments of `%s` lie outside the registers", pc, nd->name);
            for (int k = 0; k < nd->nparams; k++)
                if (p->reg_kinds[c + (unsigned)k] != nd->params[k])
                    FAIL("instruction %d: argument %d of `%s` is %s, its signature says %s", pc, k + 1, nd->name,
                         yb_kind_name((yb_kind)p->reg_kinds[c + (unsigned)k]), yb_kind_name((yb_kind)nd->params[k]));
            break;
        }
        case YB_OP_FIRE: if ((int)a >= p->nblocks) FAIL("instruction %d: block %u out of range", pc, a); break;
        case YB_OP_REASON: if ((int)a >= p->nreasons) FAIL("instruction %d: reason %u out of range", pc, a); break;
        case YB_OP_ALERT: if ((int)a >= p->nalerts) FAIL("instruction %d: alert %u out of range", pc, a); break;
        case YB_OP_REJECT: if ((int)a >= p->nrejects) FAIL("instruction %d: reject %u out of range", pc, a); break;
        case YB_OP_INVARIANT: if ((int)a >= p->ninvariants) FAIL("instruction %d: invariant %u out of range", pc, a); break;
        default: break;
        }
    }
    /* states must be opened before they are used: STINIT and STNEW follow STOPEN
       of the same state on every path; the simplest sufficient rule is that each
       state is opened once, outside loops, before any other use of it */
    int *opened_at = malloc((size_t)(p->nstates ? p->nstates : 1) * sizeof *opened_at);
    for (int k = 0; k < p->nstates; k++) opened_at[k] = -1;
    bool ok = true;
    for (int pc = 0; pc < p->ncode && ok; pc++) {
        yb_instr i = p->code[pc];
        unsigned op = YB_I_OP(i);
        if (op == YB_OP_STOPEN) {
            if (opened_at[YB_I_A(i)] >= 0) { snprintf(err, errlen, "instruction %d: state opened twice", pc); ok = false; }
            opened_at[YB_I_A(i)] = pc;
        }
        bool asks_new = op == YB_OP_STNEW || op == YB_OP_JNEW || op == YB_OP_JOLD;
        if ((asks_new && opened_at[YB_I_B(i)] < 0) || (op == YB_OP_STINIT && opened_at[YB_I_A(i)] < 0)) {
            snprintf(err, errlen, "instruction %d: state used before it is opened", pc);
            ok = false;
        }
        /* a forward jump may skip the opening of a state only if nothing after
           its target asks whether the state is new or sets its opening values */
        if ((yb_op_shapes[op][2] == 'j') && YB_I_J(i) > 0) {
            int t = pc + 1 + YB_I_J(i);
            for (int k = pc + 1; k < t && ok; k++) {
                if (YB_I_OP(p->code[k]) != YB_OP_STOPEN) continue;
                unsigned st = YB_I_A(p->code[k]);
                for (int u = t; u < p->ncode && ok; u++) {
                    unsigned uo = YB_I_OP(p->code[u]);
                    bool uses_new = uo == YB_OP_STNEW || uo == YB_OP_JNEW || uo == YB_OP_JOLD;
                    if ((uses_new && YB_I_B(p->code[u]) == st) || (uo == YB_OP_STINIT && YB_I_A(p->code[u]) == st)) {
                        snprintf(err, errlen, "instruction %d: a jump skips the opening of a state used later", pc);
                        ok = false;
                    }
                }
            }
        }
    }
    free(opened_at);
    if (!ok) return false;
    /* loops: LOOPN at n jumps back to body b; b-1 is the LOOPB of the same
       index and list whose exit is n+1; nothing in the body writes the index,
       opens a state, or is entered by a jump from outside */
    for (int pc = 0; pc < p->ncode; pc++) {
        yb_instr i = p->code[pc];
        if (YB_I_OP(i) != YB_OP_LOOPN) continue;
        int body = pc + 1 + YB_I_J(i);
        if (body < 1) FAIL("instruction %d: loop without a start", pc);
        yb_instr lb = p->code[body - 1];
        if ((YB_I_OP(lb) != YB_OP_LOOPB && YB_I_OP(lb) != YB_OP_LOOPK) || YB_I_A(lb) != YB_I_A(i) || YB_I_B(lb) != YB_I_B(i) || body + YB_I_J(lb) != pc + 1)
            FAIL("instruction %d: loop end does not match its start", pc);
        for (int k = body; k < pc; k++) {
            if (writes(p->code[k], (int)YB_I_A(i), p)) FAIL("instruction %d: the loop index is written inside the loop", k);
            if (YB_I_OP(p->code[k]) == YB_OP_STOPEN) FAIL("instruction %d: a state is opened inside a loop", k);
        }
        for (int k = 0; k < p->ncode; k++) {
            unsigned op = YB_I_OP(p->code[k]);
            if (yb_op_shapes[op][2] != 'j' || k == pc || k == body - 1) continue;
            int t = k + 1 + YB_I_J(p->code[k]);
            bool inside = k >= body && k < pc;
            if (!inside && t >= body && t <= pc) FAIL("instruction %d: jumps into a loop", k);
        }
    }
    /* LOOPB without a matching LOOPN would leave its index unchecked: find each one a
       partner; a LOOPK's body must have the shape the VM runs in one go (vm/loopk.h) */
    for (int pc = 0; pc < p->ncode; pc++) {
        yb_instr i = p->code[pc];
        if (YB_I_OP(i) == YB_OP_LOOPK && !yb_loopk_parse(p, pc, NULL)) FAIL("instruction %d: LOOPK's body does not have the item-loop shape", pc);
        if (YB_I_OP(i) != YB_OP_LOOPB && YB_I_OP(i) != YB_OP_LOOPK) continue;
        int end = pc + YB_I_J(i); /* the LOOPN */
        if (end <= pc || end >= p->ncode || YB_I_OP(p->code[end]) != YB_OP_LOOPN || end + 1 + YB_I_J(p->code[end]) != pc + 1)
            FAIL("instruction %d: loop start without its end", pc);
    }
    return yb_route_plan_check(p, err, errlen);
}
