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
    "define capped_b = sum of (if given(limit) then min(amount, limit) else amount) in items where class = B\n"
    "define blank = any of items where code = \"\"\n"
    "define all_x = all of items where code = \"X\"\n"
    "rule r when blank\n  set copay = total\n"
    "rule s when all_x\n  set copay = 1.00\n"
    "rule t\n  set fund = sep * 0.00 + a_part + b_part + cheap + dear + flagged + bigsum + a_flagged + capped_b + n_c * 1.00\n";

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
    "{\"claim_id\":\"one\",\"items\":[{\"code\":\"X\",\"class\":\"A\",\"amount\":\"12.00\",\"flag\":true}]}",
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
    /* bigsum overflows at the second class-A element (2 x 5000 x 10^15 fen) */
    "{\"claim_id\":\"overflow\",\"items\":["
    "{\"code\":\"X\",\"class\":\"A\",\"amount\":\"10000000000000.00\",\"flag\":false},"
    "{\"code\":\"X\",\"class\":\"B\",\"amount\":\"10000000000000.00\",\"flag\":false},"
    "{\"code\":\"X\",\"class\":\"A\",\"amount\":\"10000000000000.00\",\"flag\":false}]}",
};

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
       then the two-guard sum with the price-limited sum, any, all (the loop of
       `big` does not have the shape: a multiplication) */
    assert_int_equal(nk, 5);
    char err[256];
    assert_true(yb_verify(plain, err, sizeof err));
    yb_vm *a = yb_vm_new(fast), *b = yb_vm_new(plain);
    /* the fused loop, any and all have the fast plan; the price limits and the two guards not */
    int plans = 0, fastplans = 0;
    for (int pc = 0; pc < fast->ncode; pc++) {
        yb_loopk k;
        if (YB_I_OP(fast->code[pc]) != YB_OP_LOOPK || !yb_loopk_parse(fast, pc, &k)) continue;
        yb_loopk_plan(&k);
        plans++;
        fastplans += k.fast;
    }
    assert_int_equal(plans, 5);
    assert_int_equal(fastplans, 3);
    for (size_t i = 0; i < sizeof claims / sizeof *claims; i++) {
        int ra = run(a, claims[i]), rb = run(b, claims[i]);
        assert_int_equal(ra, rb);
        assert_string_equal(a->err.message, b->err.message);
        if (ra == YB_RUN_SETTLED)
            for (int r = 0; r < fast->nregs; r++)
                if (a->regs[r] != b->regs[r]) fail_msg("claim %zu: register %d: %lld, the loop leaves %lld", i, r, (long long)a->regs[r], (long long)b->regs[r]);
    }
    assert_int_equal(run(a, claims[4]), YB_RUN_RECORD_ERROR);
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
