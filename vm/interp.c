/* The interpreter: one claim through the bytecode.
 *
 * The verifier has proven operand kinds, register bounds, constant, table and
 * field indices and the shape of every loop, so the loop below checks only
 * what depends on the data: overflow, parameters not in force, absent
 * optional fields, and indices that come from registers. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm.h"

#include "decimal.h"
#include "native.h"
#include "json_text.h"
#include "loopk.h"
#include "siphash.h"

yb_vm *yb_vm_new(const yb_program *p)
{
    yb_vm *vm = calloc(1, sizeof *vm);
    if (!vm) return NULL;
    vm->p = p;
    vm->regs = calloc((size_t)(p->nregs ? p->nregs : 1), sizeof *vm->regs);
    int ns = p->nstates ? p->nstates : 1;
    vm->ledgers = calloc((size_t)ns, sizeof *vm->ledgers);
    vm->entry = calloc((size_t)ns, sizeof *vm->entry);
    vm->fresh = calloc((size_t)ns, 1);
    vm->opened = calloc((size_t)ns, 1);
    vm->opened_list = calloc((size_t)ns, sizeof *vm->opened_list);
    vm->recsets = calloc((size_t)ns, sizeof *vm->recsets);
    vm->recfp = calloc((size_t)ns, sizeof *vm->recfp);
    vm->noentry = calloc(1, sizeof(yb_ledger_entry) + sizeof(int64_t));
    vm->pref_claim = calloc((size_t)ns, sizeof *vm->pref_claim);
    vm->pref_hash = calloc((size_t)ns, sizeof *vm->pref_hash);
    vm->pref_n = calloc((size_t)ns, 1);
    vm->pref_at = calloc((size_t)ns, sizeof *vm->pref_at);
    int nkeys = 0;
    for (int i = 0; vm->pref_at && i < p->nstates; i++) {
        vm->pref_at[i] = nkeys;
        nkeys += p->states[i].nkeys;
    }
    vm->pref_vals = calloc((size_t)(nkeys ? nkeys : 1), sizeof *vm->pref_vals);
    vm->rec_tag = 1;
    vm->prefetch_min_keys = 1024;
    vm->year_date = 0; /* 1970-01-01 */
    vm->year = 1970;
    yb_siphash_random_key(vm->fpkey);

    vm->fired = calloc((size_t)(p->nblocks ? p->nblocks : 1), sizeof *vm->fired);
    vm->dvals = calloc((size_t)(p->nderived ? p->nderived : 1), sizeof *vm->dvals);
    vm->dcap = calloc((size_t)(p->nderived ? p->nderived : 1), sizeof *vm->dcap);
    bool ok = vm->dvals && vm->dcap && vm->regs && vm->ledgers && vm->entry && vm->fresh && vm->opened && vm->opened_list && vm->fired;
    ok = ok && vm->recsets && vm->recfp && vm->noentry && yb_vm_messages_init(vm);
    ok = ok && vm->pref_claim && vm->pref_hash && vm->pref_n && vm->pref_at && vm->pref_vals;
    for (int i = 0; ok && i < p->nstates; i++) {
        ok = (vm->ledgers[i] = yb_ledger_new(p->states[i].nfields)) != NULL;
        if (ok && p->states[i].nfields == 0 && !p->states[i].report) ok = (vm->recsets[i] = yb_fpset_new(true)) != NULL;
    }
    if (!ok) {
        yb_vm_free(vm);
        return NULL;
    }
    yb_vm_share_keys(vm);
    /* the constant registers: set once, never written by the claim code */
    for (int pc = 0; pc < p->entry; pc++) {
        yb_instr i = p->code[pc];
        if (YB_I_OP(i) == YB_OP_LOADI) vm->regs[YB_I_A(i)] = YB_I_IMM(i);
        else if (YB_I_OP(i) == YB_OP_LOADK) vm->regs[YB_I_A(i)] = p->consts[YB_I_K(i)];
    }
    return vm;
}

/* A state keyed by a prefix of another state's keys (the account by payer,
   the totals by member and year) may keep a reference to the other's key
   bytes instead of a copy, when the two are opened on the same value:
   20 bytes a member-year in the standard policy (see yb_ledger_share_keys). */
void yb_vm_share_keys(yb_vm *vm)
{
    const yb_program *p = vm->p;
    for (int s = 0; s < p->nstates; s++) {
        const yb_state_desc *a = &p->states[s];
        for (int d = 0; !vm->recsets[s] && d < p->nstates; d++) {
            const yb_state_desc *b = &p->states[d];
            if (vm->recsets[d] || b->nkeys <= a->nkeys || memcmp(a->key_kinds, b->key_kinds, (size_t)a->nkeys) != 0) continue;
            yb_ledger_share_keys(vm->ledgers[s], vm->ledgers[d]);
            break;
        }
    }
}

void yb_vm_free(yb_vm *vm)
{
    if (!vm) return;
    for (int i = 0; i < vm->p->nstates; i++) {
        if (vm->ledgers) yb_ledger_free(vm->ledgers[i]);
        if (vm->recsets) yb_fpset_free(vm->recsets[i]);
    }
    free(vm->recsets);
    free(vm->recfp);
    free(vm->noentry);
    free(vm->pref_claim);
    free(vm->pref_hash);
    free(vm->pref_n);
    free(vm->pref_at);
    free(vm->pref_vals);
    free(vm->ledgers);
    free(vm->entry);
    free(vm->fresh);
    free(vm->opened);
    free(vm->opened_list);

    free(vm->fired);
    for (int i = 0; vm->dvals && i < vm->p->nderived; i++) free(vm->dvals[i]);
    free(vm->dvals);
    free(vm->dcap);
    free(vm->regs);
    free(vm->dcode);
    free(vm->loopk);
    free(vm->xbuf);
    free(vm->atext);
    free(vm);
}

void yb_vm_text(const yb_vm *vm, int64_t v, const char **p, uint32_t *n)
{
    uint32_t off = yb_text_offset(v), len = yb_text_length(v);
    if (yb_text_in_pool(v)) {
        if ((uint64_t)off + len <= vm->p->pool_len) {
            *p = vm->p->pool + off;
            *n = len;
            return;
        }
    } else if (vm->claim && (uint64_t)off + len <= vm->claim->text_len) {
        *p = vm->claim->text + off;
        *n = len;
        return;
    }
    /* a register not written for this claim: read as empty, never out of bounds */
    *p = "";
    *n = 0;
}

static void where(const yb_vm *vm, int pc, char *buf, size_t n)
{
    const yb_program *p = vm->p;
    if (pc >= 0 && pc < p->ncode && p->lines[pc]) {
        const char *file = p->line_files[pc] < p->nfiles ? p->files[p->line_files[pc]] : p->source;
        snprintf(buf, n, " (policy %s:%u)", file, p->lines[pc]);
    } else {
        buf[0] = 0;
    }
}

/* cold: the paths that call it are laid out away from the handlers' hot code */
static void fail(yb_vm *vm, int pc, const char *field, const char *fmt, ...) __attribute__((format(printf, 4, 5), cold));
static void fail(yb_vm *vm, int pc, const char *field, const char *fmt, ...)
{
    snprintf(vm->err.field, sizeof vm->err.field, "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(vm->err.message, sizeof vm->err.message, fmt, ap);
    va_end(ap);
    if (n < 0) n = 0;
    if ((size_t)n < sizeof vm->err.message) where(vm, pc, vm->err.message + n, sizeof vm->err.message - (size_t)n);
}

/* As snprintf(buf, n, "%s", s) for len bytes of s, without its cost (messages
 * with values format several values a claim). */
static int copy_out(char *buf, size_t n, const char *s, size_t len)
{
    if (n) {
        size_t k = len < n ? len : n - 1;
        memcpy(buf, s, k);
        buf[k] = 0;
    }
    return (int)len;
}

int yb_format_value(const yb_program *p, uint8_t kind, uint16_t enum_id, int64_t v, char *buf, size_t n)
{
    char t[40];
    switch (kind) {
    case YB_T_MONEY: return copy_out(buf, n, t, (size_t)yb_money_format(v, t));
    case YB_T_RATE: return copy_out(buf, n, t, (size_t)yb_rate_format(v, t));
    case YB_T_DATE: return copy_out(buf, n, t, (size_t)yb_date_format(v, t));
    case YB_T_BOOL: return v ? copy_out(buf, n, "true", 4) : copy_out(buf, n, "false", 5);
    case YB_T_INT: return copy_out(buf, n, t, yb_decimal_i64(t, v));
    case YB_T_DURATION: {
        int m = yb_duration_months(v), d = yb_duration_days(v);
        if (m && d) return snprintf(buf, n, "%d months %d days", m, d);
        if (d) return snprintf(buf, n, "%d days", d);
        return snprintf(buf, n, "%d months", m);
    }
    case YB_T_ENUM:
        if (enum_id < p->schema.nenums && v >= 0 && v < p->schema.enums[enum_id].n)
            return copy_out(buf, n, p->schema.enums[enum_id].names[v], strlen(p->schema.enums[enum_id].names[v]));
        return snprintf(buf, n, "#%lld", (long long)v);
    default: return snprintf(buf, n, "%lld", (long long)v);
    }
}

/* ---------------------------------------------------------------- running totals */

/* The key bytes of state s from registers first..: into vm->keybuf; returns the length, or -1. */
static long state_key(yb_vm *vm, int s, int first, int nkeys, int pc)
{
    const yb_state_desc *sd = &vm->p->states[s];
    size_t len = 0;
    for (int k = 0; k < nkeys; k++) {
        int64_t v = vm->regs[first + k];
        if (sd->key_kinds[k] == YB_T_TEXT) {
            const char *tp;
            uint32_t tn;
            yb_vm_text(vm, v, &tp, &tn);
            if (len + 4 + tn > sizeof vm->keybuf) {
                fail(vm, pc, NULL, "the key of state `%s` is longer than %zu bytes", sd->name, sizeof vm->keybuf);
                return -1;
            }
            memcpy(vm->keybuf + len, &tn, 4);
            memcpy(vm->keybuf + len + 4, tp, tn);
            len += 4 + tn;
        } else {
            if (len + 8 > sizeof vm->keybuf) {
                fail(vm, pc, NULL, "the key of state `%s` is too long", sd->name);
                return -1;
            }
            memcpy(vm->keybuf + len, &v, 8);
            len += 8;
        }
    }
    return (long)len;
}

static void state_prefetch(yb_vm *vm, int s, int first, int nkeys, int pc)
{
    vm->pref_claim[s] = 0; /* nothing kept from an earlier claim (claim_no wraps) */
    if (!vm->recsets[s] && yb_ledger_count(vm->ledgers[s]) < vm->prefetch_min_keys) return;
    long len = state_key(vm, s, first, nkeys, pc);
    if (len < 0) return; /* STOPEN will report it */
    uint64_t h;
    if (vm->recsets[s]) {
        h = yb_fingerprint(vm->fpkey, vm->keybuf, (size_t)len);
        yb_fpset_prefetch(vm->recsets[s], h);
    } else {
        h = yb_ledger_prefetch(vm->ledgers[s], vm->keybuf, (uint32_t)len);
    }
    if (nkeys > vm->p->states[s].nkeys) return;
    memcpy(vm->pref_vals + vm->pref_at[s], vm->regs + first, (size_t)nkeys * sizeof(int64_t));
    vm->pref_n[s] = (uint8_t)nkeys;
    vm->pref_hash[s] = h;
    vm->pref_claim[s] = vm->claim_no;
    if (!vm->recsets[s] && s < 64) vm->pref_rows |= (uint64_t)1 << s;
}

/* The rows of the states whose slots STPREF fetched (vm.h, pref_rows). */
static void prefetch_rows(yb_vm *vm)
{
    for (uint64_t m = vm->pref_rows; m; m &= m - 1) {
        int s = __builtin_ctzll(m);
        yb_ledger_prefetch_row(vm->ledgers[s], (uint32_t)vm->pref_hash[s]);
    }
    vm->pref_rows = 0;
}

/* STPREF hashed these very key values in this claim (a text key's value
   names the same bytes all through a claim): its hash stands. */
static bool prefetched(yb_vm *vm, int s, int first, int nkeys)
{
    bool same = vm->claim_no != 0 && vm->pref_claim[s] == vm->claim_no && vm->pref_n[s] == nkeys &&
                memcmp(vm->pref_vals + vm->pref_at[s], vm->regs + first, (size_t)nkeys * sizeof(int64_t)) == 0;
    vm->pref_claim[s] = 0;
    if (s < 64) vm->pref_rows &= ~((uint64_t)1 << s); /* opened now: its row comes anyway */
    return same;
}

/* A key this run has not met: the durable ledger may have its totals (read
   into the state's registers, which state_open fills next anyway). */
static bool load_entry(yb_vm *vm, int s, yb_ledger_entry **e, uint32_t keylen, int pc)
{
    char msg[400];
    int64_t *regs = vm->regs + vm->p->states[s].first_reg;
    int rc = vm->load(vm->load_ctx, s, vm->keybuf, keylen, regs, msg, sizeof msg);
    if (rc < 0) {
        fail(vm, pc, NULL, "ledger: %s", msg);
        return false;
    }
    if (rc > 0) *e = yb_ledger_set(vm->ledgers[s], *e, regs); /* the entry the last get gave: cannot fail */
    (*e)->flags |= YB_ENTRY_LOADED | (rc > 0 ? YB_ENTRY_OPENED | YB_ENTRY_STORED : 0);
    return true;
}

/* A state with no fields: was its key met before?  Room for one more
   fingerprint is made now, so that keeping it at the end cannot fail. */
static bool record_open(yb_vm *vm, int s, long len, bool known, int pc)
{
    yb_fpset *set = vm->recsets[s];
    if (!yb_fpset_room(set)) {
        fail(vm, pc, NULL, "the records of `%s`: %s", vm->p->states[s].name, yb_fpset_error(set));
        return false;
    }
    if (!vm->opened[s]) {
        vm->opened[s] = 1;
        vm->opened_list[vm->nopened++] = s;
    }
    vm->recfp[s] = known ? vm->pref_hash[s] : yb_fingerprint(vm->fpkey, vm->keybuf, (size_t)len);
    vm->entry[s] = vm->noentry;
    uint32_t tag;
    int rc = yb_fpset_find(set, vm->recfp[s], &tag);
    if (rc < 0) {
        fail(vm, pc, NULL, "ledger: %s", yb_fpset_error(set));
        return false;
    }
    vm->fresh[s] = rc == 0;
    return true;
}

static bool state_open(yb_vm *vm, int s, int first, int nkeys, int pc)
{
    const yb_state_desc *sd = &vm->p->states[s];
    long len = state_key(vm, s, first, nkeys, pc);
    if (len < 0) return false;
    bool known = prefetched(vm, s, first, nkeys);
    if (vm->recsets[s]) return record_open(vm, s, len, known, pc);
    yb_ledger_entry *e = known ? yb_ledger_get_tagged(vm->ledgers[s], vm->keybuf, (uint32_t)len, (uint32_t)vm->pref_hash[s])
                               : yb_ledger_get(vm->ledgers[s], vm->keybuf, (uint32_t)len);
    if (!e) {
        fail(vm, pc, NULL, "out of memory for the running totals of `%s`", sd->name);
        return false;
    }
    if (!vm->opened[s]) {
        vm->opened[s] = 1;
        vm->opened_list[vm->nopened++] = s;
    }
    if (!(e->flags & (YB_ENTRY_OPENED | YB_ENTRY_LOADED)) && vm->load && !load_entry(vm, s, &e, (uint32_t)len, pc))
        return false;
    vm->entry[s] = e;
    vm->fresh[s] = !(e->flags & YB_ENTRY_OPENED);
    int64_t *regs = vm->regs + sd->first_reg;
    if (vm->fresh[s]) memset(regs, 0, (size_t)sd->nfields * sizeof *regs);
    else yb_ledger_values(vm->ledgers[s], e, regs);
    return true;
}

/* The claim is done: keep what it did to the running totals, or drop it. */
static void commit(yb_vm *vm, bool keep)
{
    for (int i = 0; i < vm->nopened; i++) {
        int s = vm->opened_list[i];
        yb_ledger_entry *e = vm->entry[s];
        const yb_state_desc *sd = &vm->p->states[s];
        if (vm->recsets[s]) {
            /* room was made when it was opened: this cannot fail */
            if (keep && vm->fresh[s]) yb_fpset_put(vm->recsets[s], vm->recfp[s], vm->rec_tag);
        } else if (keep) {
            /* a held claim opens its totals (from ytd) but adds nothing */
            if (vm->fresh[s]) e->flags |= YB_ENTRY_OPENED | YB_ENTRY_DIRTY;
            if (!vm->held) e->flags |= YB_ENTRY_DIRTY;
            /* e is the entry the last get on this ledger gave: setting it cannot fail */
            if (!vm->held) (void)yb_ledger_set(vm->ledgers[s], e, vm->regs + sd->first_reg);
        }
        vm->opened[s] = 0;
        vm->entry[s] = NULL;
    }
    vm->nopened = 0;
}

/* ---------------------------------------------------------------- the loop */

/* The band holding text key x (keys sorted by length, then bytes), or -1. */
static int find_text_key(const yb_vm *vm, const yb_band_set *bs, int64_t x)
{
    const char *tx;
    uint32_t nx;
    yb_vm_text(vm, x, &tx, &nx);
    int lo = 0, hi = bs->n - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        const char *tk;
        uint32_t nk;
        yb_vm_text(vm, bs->bands[mid].from, &tk, &nk);
        int c = nk != nx ? (nk < nx ? -1 : 1) : memcmp(tk, tx, nx);
        if (c == 0) return mid;
        if (c < 0) lo = mid + 1;
        else hi = mid - 1;
    }
    return -1;
}

/* The band of a parameter keyed by ranges or text that holds x, or -1. */
static int find_band(const yb_vm *vm, const yb_param *pp, const yb_band_set *bs, int64_t x)
{
    if (pp->range_key == YB_T_TEXT) return find_text_key(vm, bs, x);
    for (int b = 0; b < bs->n; b++)
        if (x >= bs->bands[b].from && x < bs->bands[b].to) return b;
    return -1;
}

int yb_vm_find_band(const yb_vm *vm, const yb_param *pp, const yb_band_set *bs, int64_t x)
{
    return find_band(vm, pp, bs, x);
}

static bool select_epoch(yb_vm *vm, yb_date d)
{
    const yb_program *p = vm->p;
    int lo = 0, hi = p->nepochs - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (p->epoch_from[mid] <= d) lo = mid;
        else hi = mid - 1;
    }
    vm->frame = p->epoch_cells[lo];
    vm->defined = p->epoch_defined[lo];
    vm->frame_date = d;
    return true;
}

static __attribute__((cold)) void reject_record(yb_vm *vm, int pc, int x)
{
    const yb_reject_desc *r = &vm->p->rejects[x];
    char found[200] = "";
    if (r->field >= 0 && vm->p->elem_list[r->field] < 0) {
        const yb_field *f = &vm->p->schema.fields[r->field];
        if (f->kind != YB_T_RECORD && f->kind != YB_T_LIST && vm->claim->present[f->slot]) {
            int64_t v = vm->claim->slots[f->slot];
            if (f->kind == YB_T_TEXT) {
                const char *tp;
                uint32_t tn;
                yb_vm_text(vm, v, &tp, &tn);
                snprintf(found, sizeof found, ", found \"%.*s\"", (int)(tn > 120 ? 120 : tn), tp);
            } else {
                char t[64];
                yb_format_value(vm->p, f->kind, f->enum_id, v, t, sizeof t);
                snprintf(found, sizeof found, ", found %s", t);
            }
        }
    }
    char text[YB_MAX_MESSAGE_BYTES + 1];
    if (r->npieces) yb_vm_write_pieces(vm, r->pieces, r->npieces, text, sizeof text);
    fail(vm, pc, r->path, "%s%s", r->npieces ? text : r->message, found);
}

/* The last rule of this claim that changed output `o` (explanation labels
 * name every change: "set basic", "add to basic"); -1 if none did.  The
 * entries are in code order, which is the order they ran in. */
static int last_setter(const yb_vm *vm, int o)
{
    const yb_program *p = vm->p;
    const char *name = p->outs[o].name;
    for (int k = p->nexplain - 1; k >= 0; k--) {
        const yb_explain_value *ev = &p->explain[k];
        if (vm->fired[ev->block] != vm->claim_no) continue;
        const char *l = ev->label;
        const char *rest = strncmp(l, "set ", 4) == 0 ? l + 4 : strncmp(l, "add to ", 7) == 0 ? l + 7
                           : strncmp(l, "subtract from ", 14) == 0 ? l + 14 : NULL;
        if (rest && strcmp(rest, name) == 0) return p->blocks[ev->block].rule >= 0 ? p->blocks[ev->block].rule : ev->block;
    }
    return -1;
}

/* `invariant … broken: fund 7800.00 ≠ basic 8000.00 + …; fund set by 结算 (split.yb:6), …` */
static __attribute__((cold)) void invariant_broken(yb_vm *vm, int pc, int x)
{
    const yb_program *p = vm->p;
    const yb_invariant_desc *v = &p->invariants[x];
    char msg[sizeof vm->err.message - 200], val[64]; /* room left for " (policy FILE:LINE)" */
    size_t n = 0;
#define PUTF(...) do { int w_ = snprintf(msg + n, sizeof msg - n, __VA_ARGS__); if (w_ > 0) n += (size_t)w_; if (n >= sizeof msg) n = sizeof msg - 1; } while (0)
    PUTF("invariant `%s` broken: ", v->text);
    for (int k = 0; k < v->npieces; k++) {
        PUTF("%s", v->pieces[k].text);
        int r = v->pieces[k].reg;
        if (r < 0) continue;
        if (p->reg_kinds[r] == YB_T_TEXT) {
            const char *tp;
            uint32_t tn;
            yb_vm_text(vm, vm->regs[r], &tp, &tn);
            PUTF("\"%.*s\"", (int)(tn > 60 ? 60 : tn), tp);
        } else {
            yb_format_value(p, p->reg_kinds[r], v->pieces[k].enum_id, vm->regs[r], val, sizeof val);
            PUTF("%s", val);
        }
    }
    const char *sep = "; ";
    for (int k = 0; k < v->npieces; k++) {
        int r = v->pieces[k].reg;
        if (r < 0 || r >= p->nouts) continue;
        bool seen = false;
        for (int j = 0; j < k; j++) seen |= v->pieces[j].reg == r;
        if (seen) continue;
        int b = last_setter(vm, r);
        if (b < 0) {
            PUTF("%s%s keeps its initial value", sep, p->outs[r].name);
        } else {
            const yb_block_desc *bd = &p->blocks[b];
            const char *file = bd->file < p->nfiles ? p->files[bd->file] : p->source;
            PUTF("%s%s set by %s (%s:%d)", sep, p->outs[r].name, bd->name, file, bd->line);
        }
        sep = ", ";
    }
#undef PUTF
    fail(vm, pc, NULL, "%s", msg);
}

/* A parameter read on a date before its first value takes effect. */
static __attribute__((cold)) void not_in_force(yb_vm *vm, int pc, unsigned pi)
{
    const yb_param *pp = &vm->p->params[pi];
    char d[16], first[16];
    yb_date_format(vm->frame_date, d);
    yb_date_format(pp->versions[0].from, first);
    fail(vm, pc, NULL, "no value of `%s` is in force on %s; the first takes effect %s", pp->name, d, first);
}

static __attribute__((cold)) void absent_field(yb_vm *vm, int pc, int field)
{
    char path[160];
    yb_field_path(&vm->p->schema, NULL, field, -1, path, sizeof path);
    fail(vm, pc, path, "required here, but not given");
}

static bool text_equal(const yb_vm *vm, int64_t x, int64_t y)
{
    const char *px, *py;
    uint32_t nx, ny;
    yb_vm_text(vm, x, &px, &nx);
    yb_vm_text(vm, y, &py, &ny);
    return nx == ny && memcmp(px, py, nx) == 0;
}

/* Each LOOPK's loop, parsed once; the instruction's k names it.  (One the
 * parser would refuse cannot have passed the verifier; it would run as LOOPB.) */
static bool decode_loopk(yb_vm *vm, const void *const *table)
{
    const yb_program *p = vm->p;
    int n = 0;
    for (int pc = 0; pc < p->ncode; pc++) n += YB_I_OP(p->code[pc]) == YB_OP_LOOPK;
    if (!n) return true;
    vm->loopk = malloc((size_t)n * sizeof *vm->loopk);
    if (!vm->loopk) {
        snprintf(vm->err.message, sizeof vm->err.message, "out of memory");
        vm->err.field[0] = 0;
        return false;
    }
    n = 0;
    for (int pc = 0; pc < p->ncode; pc++) {
        yb_dinstr *d = &vm->dcode[pc];
        if (d->op != YB_OP_LOOPK) continue;
        if (yb_loopk_parse(p, pc, &vm->loopk[n])) {
            yb_loopk_plan(&vm->loopk[n]);
            d->k = n++;
        } else {
            d->op = YB_OP_LOOPB;
            d->h = table ? table[YB_OP_LOOPB] : NULL;
        }
    }
    return true;
}

/* A pair of vm/pairs.def: the handler of an A followed by an X. */
typedef struct yb_pair {
    uint8_t a, x;
    const void *h;
} yb_pair;

/* Each instruction followed by the second of one of its pairs takes the
 * pair's handler (vm/pairs.def says why).  After decode_loopk: a LOOPK that
 * runs as LOOPB pairs as LOOPB. */
static void join_pairs(yb_vm *vm, const yb_pair *pairs, int npairs)
{
    yb_dinstr *d = vm->dcode;
    vm->npaired = 0;
    for (int pc = 0; pc + 1 < vm->p->ncode; pc++)
        for (int k = 0; k < npairs; k++)
            if (pairs[k].a == d[pc].op && pairs[k].x == d[pc + 1].op) {
                d[pc].h = pairs[k].h;
                vm->npaired++;
                break;
            }
}

/* The code, decoded once per VM: operands unpacked, jump targets made
 * absolute, and (with computed goto) each instruction's handler address in
 * place, so dispatch is one indirect jump through the instruction itself. */
static bool decode(yb_vm *vm, const void *const *table, const yb_pair *pairs, int npairs)
{
    const yb_program *p = vm->p;
    yb_dinstr *d = calloc((size_t)p->ncode, sizeof *d);
    if (!d) {
        snprintf(vm->err.message, sizeof vm->err.message, "out of memory");
        vm->err.field[0] = 0;
        return false;
    }
    for (int pc = 0; pc < p->ncode; pc++) {
        yb_instr i = p->code[pc];
        d[pc].op = (uint8_t)YB_I_OP(i);
        d[pc].h = table ? table[YB_I_OP(i)] : NULL;
        d[pc].a = (uint16_t)YB_I_A(i);
        d[pc].b = (uint16_t)YB_I_B(i);
        d[pc].c = (uint16_t)YB_I_C(i);
        d[pc].d = (uint8_t)YB_I_D(i);
        d[pc].k = YB_I_IMM(i);
        d[pc].t = 1 + YB_I_J(i); /* relative: the loop below keeps no base pointer live */
    }
    vm->dcode = d;
    if (decode_loopk(vm, table)) {
        if (pairs && !vm->unpaired) join_pairs(vm, pairs, npairs);
        return true;
    }
    free(d);
    vm->dcode = NULL;
    return false;
}

yb_run_status yb_vm_run(yb_vm *vm, const yb_claim *claim)
{
    const yb_program *p = vm->p;
    int64_t *R = vm->regs;
#if defined(__GNUC__) && !defined(YB_SWITCH_DISPATCH)
#include "jumptab.h"
    if (!vm->dcode && !decode(vm, dispatch_table, pair_table, (int)(sizeof pair_table / sizeof pair_table[0])))
        return YB_RUN_RECORD_ERROR;
#else
    if (!vm->dcode && !decode(vm, NULL, NULL, 0)) return YB_RUN_RECORD_ERROR;
#endif
    vm->claim = claim;
    vm->held = false;
    vm->nreasons = vm->nalerts = 0;
    vm->claim_no++;
    vm->pref_rows = 0;
    vm->frame = p->epoch_cells[0];
    vm->defined = p->epoch_defined[0];
    for (int k = 0; k < p->nloads; k++) R[p->loads[k].reg] = claim->slots[p->loads[k].slot];
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(YB_SWITCH_DISPATCH)
    /* GCC otherwise keeps ip on the stack (a load and a store per instruction) */
    register const yb_dinstr *ip __asm__("r15") = vm->dcode + p->entry;
#else
    const yb_dinstr *ip = vm->dcode + p->entry;
#endif

#if defined(__GNUC__) && !defined(YB_SWITCH_DISPATCH)
#define CASE(name) L_##name:
#define DISPATCH() goto *ip->h
#define NEXT do { ip++; DISPATCH(); } while (0)
#define JUMP() do { ip += ip->t; DISPATCH(); } while (0)
    DISPATCH();
#else
#define CASE(name) case YB_OP_##name:
/* no do-while here: `continue` must reach the dispatch loop */
#define NEXT { ip++; continue; }
#define JUMP() { ip += ip->t; continue; }
    for (;;) {
        switch (ip->op) {
#endif
    /* short names for operands */
#define RA R[ip->a]
#define RB R[ip->b]
#define RC R[ip->c]
#define PC ((int)(ip - vm->dcode))
/* a parameter read of a VM with coverage counts (yb_vm_count_into) is counted */
#define COUNTED() do { if (__builtin_expect(vm->counts != NULL, 0)) yb_vm_count(vm, ip); } while (0)
#define OVERFLOW() do { fail(vm, PC, NULL, "arithmetic overflow (amounts too large)"); goto error; } while (0)

/* The bodies of the instructions that may open a pair (vm/pairs.def): one copy
 * each, used by the instruction's own handler and by its pairs' handlers. */
#define BODY_MOV RA = RB;
#define BODY_ADD if (__builtin_add_overflow(RB, RC, &RA)) OVERFLOW();
#define BODY_SUB if (__builtin_sub_overflow(RB, RC, &RA)) OVERFLOW();
#define BODY_MULI if (__builtin_mul_overflow(RB, RC, &RA)) OVERFLOW();
#define BODY_ZERO memset(&RA, 0, (size_t)ip->b * sizeof(int64_t));
#define BODY_MULR if (!yb_money_mul_rate(RB, RC, (yb_rounding)ip->d, &RA)) OVERFLOW();
#define BODY_MIN RA = RB < RC ? RB : RC;
#define BODY_MAX RA = RB > RC ? RB : RC;
#define BODY_LT RA = RB < RC;
#define BODY_JMPF if (!RA) JUMP();
#define BODY_JMPT if (RA) JUMP();
#define BODY_JEQ if (RA == RB) JUMP();
#define BODY_JNE if (RA != RB) JUMP();
#define BODY_JLT if (RA < RB) JUMP();
#define BODY_JLE if (RA <= RB) JUMP();
#define BODY_EPOCH select_epoch(vm, RA);
#define BODY_KEYIDX RA = RB * (int64_t)ip->d + RC;
#define BODY_STPREF state_prefetch(vm, (int)ip->a, (int)ip->b, (int)ip->c, PC);
#define BODY_STOPEN if (!state_open(vm, (int)ip->a, (int)ip->b, (int)ip->c, PC)) goto error;
/* the opening values stand even if this claim is later held; cannot fail */
#define BODY_STINIT vm->entry[ip->a] = yb_ledger_set(vm->ledgers[ip->a], vm->entry[ip->a], R + p->states[ip->a].first_reg);
#define BODY_FIRE vm->fired[ip->a] = vm->claim_no;
#define BODY_JABSENT if (!claim->present[ip->a]) JUMP();
#define BODY_JHELD if (vm->held) JUMP();
#define BODY_JOLD if (!vm->fresh[ip->b]) JUMP();
#define BODY_MOVN for (unsigned k = 0; k < ip->d; k++) R[ip->a + k] = R[ip->b + k];
#define BODY_JIN if ((uint64_t)RA < 16 && (ip->b >> RA & 1)) JUMP();
#define BODY_JNIN if (!((uint64_t)RA < 16 && (ip->b >> RA & 1))) JUMP();
#define BODY_LDFC                                                                                 \
    if (!claim->present[ip->b]) { absent_field(vm, PC, (int)ip->c); goto error; }               \
    RA = claim->slots[ip->b];
/* the same date's year, asked for several keys of a claim: worked out once */
#define BODY_DPART                                                                                \
    if (ip->d == 0) {                                                                             \
        if (RB != vm->year_date) {                                                                \
            vm->year_date = RB;                                                                   \
            vm->year = yb_date_year(RB);                                                          \
        }                                                                                         \
        RA = vm->year;                                                                            \
    } else {                                                                                      \
        int y_, m_, d_;                                                                           \
        yb_date_to_ymd(RB, &y_, &m_, &d_);                                                        \
        RA = ip->d == 1 ? m_ : d_;                                                                \
    }
/* PARAM (keyed 0) and PARAMX (keyed 1: the cell is RC, checked) */
#define BODY_PARAM_KEYED(keyed)                                                                   \
    {                                                                                             \
        COUNTED();                                                                                \
        unsigned pi_ = ip->b;                                                                     \
        if (!vm->defined[pi_]) { not_in_force(vm, PC, pi_); goto error; }                         \
        int64_t idx_ = keyed ? RC : 0;                                                            \
        if (keyed && (idx_ < 0 || idx_ >= p->params[pi_].size)) {                                 \
            fail(vm, PC, NULL, "key %lld is outside parameter `%s`", (long long)idx_, p->params[pi_].name); \
            goto error;                                                                           \
        }                                                                                         \
        RA = vm->frame[p->param_base[pi_] + idx_];                                                \
    }
#define BODY_PARAM BODY_PARAM_KEYED(0)
#define BODY_PARAMX BODY_PARAM_KEYED(1)

    CASE(NOP) NEXT;
    CASE(HALT) goto done;
    CASE(LOADK) RA = p->consts[(uint32_t)ip->k]; NEXT;
    CASE(LOADI) RA = ip->k; NEXT;
    CASE(MOV) BODY_MOV NEXT;
    CASE(ZERO) BODY_ZERO NEXT;
    CASE(ADD) BODY_ADD NEXT;
    CASE(SUB) BODY_SUB NEXT;
    CASE(MULI) BODY_MULI NEXT;
    CASE(NEG) if (RB == INT64_MIN) OVERFLOW(); RA = -RB; NEXT;
    CASE(MULR) BODY_MULR NEXT;
    CASE(DIVR)
        if (!yb_money_div_rate(RB, RC, (yb_rounding)ip->d, &RA)) {
            fail(vm, PC, NULL, RC == 0 ? "division by a rate of 0%%" : "arithmetic overflow");
            goto error;
        }
        NEXT;
    CASE(RATIO)
        if (!yb_money_ratio(RB, RC, (yb_rounding)ip->d, &RA)) {
            fail(vm, PC, NULL, RC == 0 ? "division by zero money" : "arithmetic overflow");
            goto error;
        }
        NEXT;
    CASE(MULRR) if (!yb_rate_mul(RB, RC, (yb_rounding)ip->d, &RA)) OVERFLOW(); NEXT;
    CASE(DIVI)
        if (!yb_div_int(RB, RC, (yb_rounding)ip->d, &RA)) {
            fail(vm, PC, NULL, RC == 0 ? "division by zero" : "arithmetic overflow");
            goto error;
        }
        NEXT;
    CASE(MIN) BODY_MIN NEXT;
    CASE(MAX) BODY_MAX NEXT;
    CASE(EQ) RA = RB == RC; NEXT;
    CASE(NE) RA = RB != RC; NEXT;
    CASE(LT) BODY_LT NEXT;
    CASE(LE) RA = RB <= RC; NEXT;
    CASE(TEQ) RA = text_equal(vm, RB, RC); NEXT;
    CASE(TNE) RA = !text_equal(vm, RB, RC); NEXT;
    CASE(NOT) RA = !RB; NEXT;
    CASE(JMP) JUMP(); NEXT;
    CASE(JMPF) BODY_JMPF NEXT;
    CASE(JMPT) BODY_JMPT NEXT;
    CASE(JEQ) BODY_JEQ NEXT;
    CASE(JNE) BODY_JNE NEXT;
    CASE(JLT) BODY_JLT NEXT;
    CASE(JLE) BODY_JLE NEXT;
    CASE(DADD)
    CASE(DSUB) {
        yb_duration d = RC;
        if (ip->op == YB_OP_DSUB) d = yb_duration_make(-yb_duration_months(d), -yb_duration_days(d));
        if (!yb_date_add(RB, d, &RA)) {
            fail(vm, PC, NULL, "date arithmetic leaves the calendar (years 1 to 9999)");
            goto error;
        }
        NEXT;
    }
    CASE(DDIFF) RA = RB - RC; NEXT;
    CASE(AGE) RA = yb_date_age(RB, RC); NEXT;
    CASE(DPART) BODY_DPART NEXT;
    CASE(MKDUR) {
        int64_t n = RB;
        unsigned unit = ip->d;
        if (n < -120000 || n > 120000) {
            fail(vm, PC, NULL, "duration of %lld %s is out of range", (long long)n, unit == 1 ? "days" : unit == 2 ? "years" : "months");
            goto error;
        }
        RA = unit == 1 ? yb_duration_make(0, (int32_t)n) : yb_duration_make((int32_t)(unit == 2 ? n * 12 : n), 0);
        NEXT;
    }
    CASE(DURADD)
        RA = yb_duration_make(yb_duration_months(RB) + yb_duration_months(RC), yb_duration_days(RB) + yb_duration_days(RC));
        NEXT;
    CASE(EPOCH) BODY_EPOCH NEXT;
    CASE(LDF) RA = claim->slots[ip->b]; NEXT;
    CASE(LDFC) BODY_LDFC NEXT;
    CASE(PRESF) RA = claim->present[ip->b]; NEXT;
    CASE(LISTLEN) RA = claim->lists[ip->b].count; NEXT;
    /* element fields: the index comes from a register, so it is checked */
#define ELEM_AT(f, idx, l)                                                                        \
    const yb_list_data *l = &claim->lists[p->elem_list[f]];                                      \
    int64_t idx = RB;                                                                             \
    if ((uint64_t)idx >= (uint64_t)l->count) {                                                   \
        fail(vm, PC, NULL, "list element %lld read outside its loop", (long long)idx);         \
        goto error;                                                                               \
    }                                                                                             \
    size_t at = (size_t)idx * (size_t)p->elem_stride[f] + (size_t)p->elem_slot[f];
    CASE(LDE) {
        ELEM_AT(ip->c, idx, l)
        RA = l->slots[at];
        NEXT;
    }
    CASE(PRESE) {
        ELEM_AT(ip->c, idx, l)
        RA = l->present[at];
        NEXT;
    }
    CASE(LDEC) {
        int f = (int)ip->c;
        ELEM_AT(f, idx, l)
        if (!l->present[at]) {
            char path[200];
            yb_field_path(&p->schema, NULL, f, (long)idx, path, sizeof path);
            fail(vm, PC, path, "required here, but not given");
            goto error;
        }
        RA = l->slots[at];
        NEXT;
    }
    /* derived element values: the element index comes from a register */
    CASE(DSET) {
        int64_t idx = RB;
        const yb_derived *dv = &p->derived[ip->c];
        if (idx < 0 || idx >= claim->lists[dv->list].count) {
            fail(vm, PC, NULL, "list element %lld written outside its loop", (long long)idx);
            goto error;
        }
        if (!yb_loopk_derived_room(vm, (int)ip->c, idx)) {
            fail(vm, PC, NULL, "out of memory");
            goto error;
        }
        vm->dvals[ip->c][idx] = RA;
        NEXT;
    }
    CASE(DGET) {
        int64_t idx = RB;
        if (idx < 0 || idx >= vm->dcap[ip->c] || idx >= claim->lists[p->derived[ip->c].list].count) {
            fail(vm, PC, NULL, "list element %lld read outside its loop", (long long)idx);
            goto error;
        }
        RA = vm->dvals[ip->c][idx];
        NEXT;
    }
    CASE(LOOPB)
        RA = 0;
        if (claim->lists[ip->b].count <= 0) JUMP();
        NEXT;
    CASE(LOOPN)
        if (++RA < claim->lists[ip->b].count) JUMP();
        NEXT;
    CASE(LOOPK) {
        int at = PC;
        int64_t idx = 0;
        int rc = yb_loopk_run(vm, &vm->loopk[ip->k], &at, &idx);
        if (rc == YB_LOOPK_OVERFLOW) {
            fail(vm, at, NULL, "arithmetic overflow (amounts too large)");
            goto error;
        }
        if (rc == YB_LOOPK_OUTSIDE) {
            fail(vm, at, NULL, "list element %lld read outside its loop", (long long)idx);
            goto error;
        }
        if (rc == YB_LOOPK_NOMEM) {
            fail(vm, at, NULL, "out of memory");
            goto error;
        }
        if (vm->pref_rows) prefetch_rows(vm);
        JUMP();
    }
    CASE(PARAM) BODY_PARAM NEXT;
    CASE(PARAMX) BODY_PARAMX NEXT;
    CASE(RANGEHAS) {
        COUNTED();
        RA = vm->defined[ip->b] &&
             find_band(vm, &p->params[ip->b], &p->bandsets[vm->frame[p->param_base[ip->b]]], RC) >= 0;
        NEXT;
    }
    CASE(KEYIDX) BODY_KEYIDX NEXT;
    CASE(RANGE) {
        COUNTED();
        unsigned pi = ip->b;
        const yb_param *pp = &p->params[pi];
        char v[64];
        if (!vm->defined[pi]) {
            not_in_force(vm, PC, pi);
            goto error;
        }
        const yb_band_set *bs = &p->bandsets[vm->frame[p->param_base[pi]]];
        int64_t x = RC;
        int b = find_band(vm, pp, bs, x);
        if (b < 0 && pp->range_key == YB_T_TEXT) {
            const char *tx;
            uint32_t nx;
            yb_vm_text(vm, x, &tx, &nx);
            fail(vm, PC, NULL, "`%s` has no value for \"%.*s\"", pp->name, (int)(nx > 80 ? 80 : nx), tx);
            goto error;
        }
        if (b < 0) {
            yb_format_value(p, pp->range_key, 0, x, v, sizeof v);
            fail(vm, PC, NULL, "no range of `%s` holds %s", pp->name, v);
            goto error;
        }
        RA = bs->bands[b].rate;
        NEXT;
    }
    CASE(TIERED) {
        COUNTED();
        unsigned pi = ip->d;
        if (!vm->defined[pi]) {
            char d[16];
            yb_date_format(vm->frame_date, d);
            fail(vm, PC, NULL, "no bands of `%s` are in force on %s", p->params[pi].name, d);
            goto error;
        }
        const yb_band_set *bs = &p->bandsets[vm->frame[p->param_base[pi]]];
        int64_t before = RC, after, sum = 0;
        if (__builtin_add_overflow(before, RB, &after)) OVERFLOW();
        for (int b = 0; b < bs->n; b++) {
            int64_t in_band = yb_band_part(&bs->bands[b], before, after);
            if (!in_band) continue;
            yb_money part;
            if (!yb_money_mul_rate(in_band, bs->bands[b].rate, YB_ROUND_HALF_AWAY, &part) ||
                __builtin_add_overflow(sum, part, &sum))
                OVERFLOW();
        }
        RA = sum;
        NEXT;
    }
    CASE(STPREF) BODY_STPREF NEXT;
    CASE(STOPEN) BODY_STOPEN NEXT;
    CASE(STNEW) RA = vm->fresh[ip->b]; NEXT;
    CASE(STINIT) BODY_STINIT NEXT;
    CASE(FIRE) BODY_FIRE NEXT;
    CASE(REASON) {
        uint16_t r = (uint16_t)ip->a;
        bool dup = false;
        for (int k = 0; k < vm->nreasons; k++) dup |= vm->reasons[k] == r;
        if (!dup && vm->nreasons == YB_MAX_REASONS) {
            fail(vm, PC, NULL, "more than %d different reasons on one claim", YB_MAX_REASONS);
            goto error;
        }
        if (!dup) vm->reasons[vm->nreasons++] = r;
        NEXT;
    }
    CASE(ALERT) {
        uint16_t a = (uint16_t)ip->a;
        if (p->alerts[a].severity) vm->held = true;
        /* one alert per id; a block raised after a warn of the same id replaces it */
        bool dup = false;
        for (int k = 0; k < vm->nalerts && !dup; k++)
            if (strcmp(p->alerts[vm->alerts[k]].id, p->alerts[a].id) == 0) {
                dup = true;
                if (p->alerts[a].severity > p->alerts[vm->alerts[k]].severity) {
                    vm->alerts[k] = a;
                    if (p->alerts[a].npieces) yb_vm_alert_text(vm, k);
                }
            }
        if (!dup && vm->nalerts == YB_MAX_ALERTS) {
            fail(vm, PC, NULL, "more than %d different alerts on one claim", YB_MAX_ALERTS);
            goto error;
        }
        if (!dup) {
            vm->alerts[vm->nalerts] = a;
            if (p->alerts[a].npieces) yb_vm_alert_text(vm, vm->nalerts);
            vm->nalerts++;
        }
        NEXT;
    }
    CASE(HELD) RA = vm->held; NEXT;
    CASE(REJECT) reject_record(vm, PC, (int)ip->a); goto error;
    CASE(INVARIANT) invariant_broken(vm, PC, (int)ip->a); goto error;
    CASE(NATIVE) {
        char why[256]; /* written only when the call fails */
        if (!yb_native_call(vm, ip->b, R + ip->c, &RA, why, sizeof why)) { fail(vm, PC, NULL, "%s", why); goto error; }
        NEXT;
    }

    /* superinstructions: each is the pair or run named in opcodes.def, one dispatch */
    CASE(JGIVEN) if (claim->present[ip->a]) JUMP(); NEXT;
    CASE(JABSENT) BODY_JABSENT NEXT;
    CASE(JHELD) BODY_JHELD NEXT;
    CASE(JNHELD) if (!vm->held) JUMP(); NEXT;
    CASE(JNEW) if (vm->fresh[ip->b]) JUMP(); NEXT;
    CASE(JOLD) BODY_JOLD NEXT;
    CASE(JTEQ) if (text_equal(vm, RA, RB)) JUMP(); NEXT;
    CASE(JTNE) if (!text_equal(vm, RA, RB)) JUMP(); NEXT;
    CASE(MOVN) BODY_MOVN NEXT;
    CASE(JIN) BODY_JIN NEXT;
    CASE(JNIN) BODY_JNIN NEXT;
    CASE(JNONNEG) {
        int64_t low = 0;
        for (unsigned k = 0; k < ip->b; k++) low |= R[ip->a + k]; /* the sign bit of any negative one */
        if (low >= 0) JUMP();
        NEXT;
    }

#if defined(__GNUC__) && !defined(YB_SWITCH_DISPATCH)
    /* the joined handlers of vm/pairs.def: A's work, then straight into X's
       handler with ip on X (so X's errors name X's line) */
#define PAIR(A, X) P_##A##_##X: BODY_##A ip++; goto L_##X;
#include "pairs.def"
#undef PAIR
#endif

#if !(defined(__GNUC__) && !defined(YB_SWITCH_DISPATCH))
        default: fail(vm, PC, NULL, "bad opcode"); goto error;
        }
    }
#endif

done:
    commit(vm, true);
    return YB_RUN_SETTLED;
error:
    commit(vm, false);
    return YB_RUN_RECORD_ERROR;
}

/* ---------------------------------------------------------------- --explain */

static void xput(yb_vm *vm, const char *s, size_t n)
{
    if (vm->xlen + n + 1 > vm->xcap) {
        size_t cap = vm->xcap ? vm->xcap * 2 : 4096;
        while (cap < vm->xlen + n + 1) cap *= 2;
        char *nb = realloc(vm->xbuf, cap);
        if (!nb) return;
        vm->xbuf = nb;
        vm->xcap = cap;
    }
    memcpy(vm->xbuf + vm->xlen, s, n);
    vm->xlen += n;
    vm->xbuf[vm->xlen] = 0;
}
static void xs(yb_vm *vm, const char *s) { xput(vm, s, strlen(s)); }

static void xsink(void *vm, const char *s, size_t n) { xput(vm, s, n); }

static void xjson(yb_vm *vm, const char *s, size_t n)
{
    xs(vm, "\"");
    yb_json_text(s, n, xsink, vm);
    xs(vm, "\"");
}

void yb_vm_explain(yb_vm *vm)
{
    const yb_program *p = vm->p;
    vm->xlen = 0;
    xs(vm, "[");
    bool first = true;
    for (int b = 0; b < p->nblocks; b++) {
        if (vm->fired[b] != vm->claim_no) continue;
        const yb_block_desc *bd = &p->blocks[b];
        char buf[256];
        xs(vm, first ? "{\"rule\":" : ",{\"rule\":");
        first = false;
        xjson(vm, bd->name, strlen(bd->name));
        if (bd->line > 0) {
            const char *file = bd->file < p->nfiles ? p->files[bd->file] : p->source;
            snprintf(buf, sizeof buf, "%s:%d", file, bd->line);
            xs(vm, ",\"source\":");
            xjson(vm, buf, strlen(buf));
        }
        if (bd->branch) xs(vm, bd->branch == 1 ? ",\"branch\":\"if\"" : ",\"branch\":\"else\"");
        if (bd->text) {
            xs(vm, ",\"why\":");
            xjson(vm, bd->text, strlen(bd->text));
        }
        xs(vm, ",\"values\":{");
        bool vfirst = true;
        for (int k = 0; k < p->nexplain; k++) {
            const yb_explain_value *ev = &p->explain[k];
            if (ev->block != b) continue;
            if (!vfirst) xs(vm, ",");
            vfirst = false;
            xjson(vm, ev->label, strlen(ev->label));
            xs(vm, ":");
            int64_t v = vm->regs[ev->reg];
            if (ev->kind == YB_T_TEXT) {
                const char *tp;
                uint32_t tn;
                yb_vm_text(vm, v, &tp, &tn);
                xjson(vm, tp, tn);
            } else if (ev->kind == YB_T_INT || ev->kind == YB_T_BOOL) {
                yb_format_value(p, ev->kind, ev->enum_id, v, buf, sizeof buf);
                xs(vm, buf);
            } else {
                yb_format_value(p, ev->kind, ev->enum_id, v, buf, sizeof buf);
                xjson(vm, buf, strlen(buf));
            }
        }
        xs(vm, "}}");
    }
    xs(vm, "]");
}
