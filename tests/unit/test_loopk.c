/* LOOPK (vm/loopk.h) runs an item loop as one instruction.  These tests hold
 * it to the loop it replaces: each claim is settled by the program as compiled
 * (with LOOPK) and by the same program with every LOOPK turned back into
 * LOOPB, and the two VMs must agree on the status, the error message and
 * every register afterwards (sums, the loop temporaries, the index). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claim_reader.h"
#include "compiler.h"
#include "loopk.h"
#include "vm.h"

static const char *src =
    "policy \"t\" version \"1\" effective 2024-01-01\n"
    "enum class { A, B, C }\n"
    "record item { code: text  class: class  amount: money  limit: money optional  flag: bool }\n"
    "input claim { claim_id: text  items: list of item }\n"
    "output settlement { claim_id: text = claim_id  status  fund: money  copay: money  reasons alerts }\n"
    "define big of item = amount * 5000\n"
    "define wl of item = if given(limit) then min(amount, limit) else amount\n"
    "define total = sum of amount in items\n"
    "define a_part = sum of wl in items where class = A\n"
    "define b_part = sum of wl in items where class = B\n"
    "define n_c = count of items where class = C\n"
    "define cheap = sum of amount in items where amount < 10.00\n"
    "define dear = sum of amount in items where 10.00 <= amount\n"
    "define flagged = sum of amount in items where flag\n"
    "define bigsum = sum of big in items where class = A\n"
    "define sep = 1\n" /* a define between sums ends the fused loop */
    "define a_flagged = sum of amount in items where class = A and flag\n" /* two guards: the general run */
    "define sep2 = 2\n"
    /* two price limits sharing their registers: the fast plan, each register from its last writer */
    "define capped_a = sum of (if given(limit) then max(amount, limit) else amount) in items where class = A\n"
    "define capped_b = sum of (if given(limit) then min(amount, limit) else amount) in items where 5.00 <= amount\n"
    "define blank = any of items where code = \"\"\n"
    "define all_x = all of items where code = \"X\"\n"
    "rule r when blank\n  set copay = total\n"
    "rule s when all_x\n  set copay = 1.00\n"
    "rule t\n  set fund = (sep + sep2) * 0.00 + capped_a + a_part + b_part + cheap + dear + flagged + bigsum + a_flagged + capped_b + n_c * 1.00\n";

static yb_program *compile(void)
{
    yb_diag d;
    yb_diag_init(&d, stderr);
    yb_program *p = yb_compile_string("t.yb", src, &d);
    yb_diag_free(&d);
    assert_non_null(p);
    return p;
}

static int run(yb_vm *vm, const char *line)
{
    FILE *in = fmemopen((void *)line, strlen(line), "r");
    yb_reader *r = yb_reader_open(&vm->p->schema, in, "mem", YB_FMT_JSONL);
    yb_claim *c = yb_claim_new(&vm->p->schema);
    yb_record_error err;
    if (yb_reader_next(r, c, &err) != 1) fail_msg("reader: %s: %s", err.field, err.message);
    int rc = yb_vm_run(vm, c);
    yb_claim_free(c);
    yb_reader_close(r);
    fclose(in);
    return rc;
}

static const char *claims[] = {
    "{\"claim_id\":\"empty\",\"items\":[]}",
    "{\"claim_id\":\"one\",\"items\":[{\"code\":\"X\",\"class\":\"A\",\"amount\":\"12.00\",\"limit\":\"8.00\",\"flag\":true}]}",
    "{\"claim_id\":\"mixed\",\"items\":["
    "{\"code\":\"X\",\"class\":\"A\",\"amount\":\"120.00\",\"limit\":\"100.00\",\"flag\":false},"
    "{\"code\":\"Y\",\"class\":\"B\",\"amount\":\"8.50\",\"flag\":true},"
    "{\"code\":\"Z\",\"class\":\"C\",\"amount\":\"30.00\",\"limit\":\"1.00\",\"flag\":true},"
    "{\"code\":\"X\",\"class\":\"B\",\"amount\":\"9.99\",\"limit\":\"5.00\",\"flag\":false}]}",
    /* any: the loop is left at the second element */
    "{\"claim_id\":\"blank\",\"items\":["
    "{\"code\":\"X\",\"class\":\"C\",\"amount\":\"1.00\",\"flag\":false},"
    "{\"code\":\"\",\"class\":\"A\",\"amount\":\"2.00\",\"flag\":true},"
    "{\"code\":\"\",\"class\":\"B\",\"amount\":\"3.00\",\"flag\":true}]}",
    /* the last element passes no clause; F given on some elements only */
    "{\"claim_id\":\"tail\",\"items\":["
    "{\"code\":\"X\",\"class\":\"A\",\"amount\":\"50.00\",\"limit\":\"70.00\",\"flag\":false},"
    "{\"code\":\"X\",\"class\":\"B\",\"amount\":\"40.00\",\"flag\":false},"
    "{\"code\":\"X\",\"class\":\"A\",\"amount\":\"60.00\",\"flag\":true},"
    "{\"code\":\"X\",\"class\":\"B\",\"amount\":\"45.00\",\"limit\":\"30.00\",\"flag\":false},"
    "{\"code\":\"X\",\"class\":\"C\",\"amount\":\"9.00\",\"limit\":\"1.00\",\"flag\":true}]}",
    /* bigsum overflows at the second class-A element (2 x 5000 x 10^15 fen) */
    "{\"claim_id\":\"overflow\",\"items\":["
    "{\"code\":\"X\",\"class\":\"A\",\"amount\":\"10000000000000.00\",\"flag\":false},"
    "{\"code\":\"X\",\"class\":\"B\",\"amount\":\"10000000000000.00\",\"flag\":false},"
    "{\"code\":\"X\",\"class\":\"A\",\"amount\":\"10000000000000.00\",\"flag\":false}]}",
};

/* Settle every claim with both programs; they must agree on the status, the
 * message and every register. */
static void agree(yb_program *fast, yb_program *plain, const char *what)
{
    char err[256];
    if (!yb_verify(fast, err, sizeof err) || !yb_verify(plain, err, sizeof err)) fail_msg("%s: %s", what, err);
    yb_vm *a = yb_vm_new(fast), *b = yb_vm_new(plain);
    for (size_t i = 0; i < sizeof claims / sizeof *claims; i++) {
        int ra = run(a, claims[i]), rb = run(b, claims[i]);
        assert_int_equal(ra, rb);
        assert_string_equal(a->err.message, b->err.message);
        if (ra == YB_RUN_SETTLED)
            for (int r = 0; r < fast->nregs; r++)
                if (a->regs[r] != b->regs[r])
                    fail_msg("%s, claim %zu: register %d: %lld, the loop leaves %lld", what, i, r, (long long)a->regs[r], (long long)b->regs[r]);
    }
    yb_vm_free(a);
    yb_vm_free(b);
}

static void unmark(yb_program *p)
{
    for (int pc = 0; pc < p->ncode; pc++)
        if (YB_I_OP(p->code[pc]) == YB_OP_LOOPK) p->code[pc] = (p->code[pc] & ~(yb_instr)0xff) | YB_OP_LOOPB;
}

/* Right after each loop (its exit made a HALT, so no later code reuses its
 * temporaries) the registers are the plain loop's. */
static void each_loop_leaves_its_registers(void **state)
{
    (void)state;
    for (int j = 0;; j++) {
        yb_program *fast = compile(), *plain = compile();
        int pc = 0, seen = 0;
        for (; pc < fast->ncode; pc++)
            if (YB_I_OP(fast->code[pc]) == YB_OP_LOOPK && seen++ == j) break;
        if (pc == fast->ncode) {
            yb_program_free(fast);
            yb_program_free(plain);
            assert_int_equal(j, 6);
            return;
        }
        int exit = pc + YB_I_J(fast->code[pc]) + 1;
        unmark(plain);
        fast->code[exit] = plain->code[exit] = yb_mk(YB_OP_HALT, 0, 0, 0, 0);
        char what[64];
        snprintf(what, sizeof what, "loop %d (instruction %d)", j, pc);
        agree(fast, plain, what);
        yb_program_free(fast);
        yb_program_free(plain);
    }
}

static void loopk_leaves_what_the_loop_leaves(void **state)
{
    (void)state;
    yb_program *fast = compile(), *plain = compile();
    int nk = 0;
    for (int pc = 0; pc < plain->ncode; pc++)
        if (YB_I_OP(plain->code[pc]) == YB_OP_LOOPK) {
            plain->code[pc] = (plain->code[pc] & ~(yb_instr)0xff) | YB_OP_LOOPB;
            nk++;
        }
    /* the loop of `wl` (a price limit); the eight sums and counts share one loop;
       then the two-guard sum, the two price-limited sums, any, all (the loop of
       `big` does not have the shape: a multiplication) */
    assert_int_equal(nk, 6);
    char err[256];
    assert_true(yb_verify(plain, err, sizeof err));
    yb_vm *a = yb_vm_new(fast), *b = yb_vm_new(plain);
    /* the fused loop, the price-limited sums, any and all have the fast plan;
       the two guards not; `wl` runs as one tight pass */
    int plans = 0, fastplans = 0;
    for (int pc = 0; pc < fast->ncode; pc++) {
        yb_loopk k;
        if (YB_I_OP(fast->code[pc]) != YB_OP_LOOPK || !yb_loopk_parse(fast, pc, &k)) continue;
        yb_loopk_plan(&k);
        plans++;
        fastplans += k.fast;
    }
    assert_int_equal(plans, 6);
    assert_int_equal(fastplans, 4);
    for (size_t i = 0; i < sizeof claims / sizeof *claims; i++) {
        int ra = run(a, claims[i]), rb = run(b, claims[i]);
        assert_int_equal(ra, rb);
        assert_string_equal(a->err.message, b->err.message);
        if (ra == YB_RUN_SETTLED)
            for (int r = 0; r < fast->nregs; r++)
                if (a->regs[r] != b->regs[r]) fail_msg("claim %zu: register %d: %lld, the loop leaves %lld", i, r, (long long)a->regs[r], (long long)b->regs[r]);
    }
    assert_int_equal(run(a, claims[5]), YB_RUN_RECORD_ERROR);
    assert_non_null(strstr(a->err.message, "arithmetic overflow"));
    yb_vm_free(a);
    yb_vm_free(b);
    yb_program_free(fast);
    yb_program_free(plain);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(loopk_leaves_what_the_loop_leaves),
        cmocka_unit_test(each_loop_leaves_its_registers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
