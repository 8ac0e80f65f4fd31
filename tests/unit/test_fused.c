/* The superinstructions (vm/opcodes.def, after NATIVE) do the work of the
 * sequences they replace.  One policy uses every one of them; it is compiled
 * as usual and with yb_compile_plain (no superinstructions: PRESF + JMPF,
 * HELD + JMPT, STNEW + JMPF, TEQ + JMPF, MOV after MOV, one compare and jump
 * per invariant, one per member of `in [..]`; no keys known before their state
 * opens: codegen.c gen_known_keys), and both programs settle the same claims, one after the
 * other on one VM each (so the running totals are new, then not).  They must
 * agree on the status, the error message, the reasons, the alerts, every
 * output, every running total and every value --explain shows. */
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
#include "vm.h"

static const char *src =
    "policy \"fused\" version \"1\" effective 2024-01-01\n"
    "enum kind { plain, odd, broken }\n"
    "reasons GIVEN, ABSENT, HELD_TOO, NOT_HELD, FIRST, AGAIN, NAMED, OTHER, PAYER, AMONG, NONE_OF\n"
    "record payer { member_id: text }\n"
    "input claim { claim_id: text  member_id: text  kind: kind  amount: money  note: text optional\n"
    "  payer: payer optional  a0: money  b0: money  c0: int }\n"
    "output settlement { claim_id: text = claim_id  status  fund: money  copay: money  extra: money\n"
    "  reasons alerts }\n"
    /* three opening values from claim fields read one after the other: one MOVN */
    "state totals per member_id { a: money = a0  b: money = b0  n: int = c0 }\n"
    /* a key known before its state opens: a define not made yet, read where given() holds */
    "define payer_key = if given(payer) then payer.member_id else member_id\n"
    "state by_payer per payer_key { paid: money }\n"
    "rule blocked when kind = odd\n  block ODD \"odd on purpose\"\n"
    "rule g when given(note)\n  reason GIVEN\n"                   /* JABSENT */
    "rule ng when not given(note)\n  reason ABSENT\n"             /* JGIVEN */
    "rule h when held\n  reason HELD_TOO\n"                       /* JNHELD */
    "rule nh when not held\n  reason NOT_HELD\n"                  /* JHELD */
    "rule first when totals is new\n  reason FIRST\n"             /* JOLD */
    "rule again when totals is not new\n  reason AGAIN\n"         /* JNEW */
    "rule named when member_id = \"M1\"\n  reason NAMED\n"        /* JTNE */
    "rule other when member_id != \"M1\"\n  reason OTHER\n"       /* JTEQ */
    "rule payer when given(payer)\n  reason PAYER\n"              /* the record's slot, read once */
    "rule among when kind in [plain, broken]\n  reason AMONG\n"   /* JNIN */
    "rule none_of when kind not in [odd, broken]\n  reason NONE_OF\n" /* JIN */
    "rule pay when not held\n"
    "  set fund = if kind = broken then 0.00 - amount else amount * 80%\n"
    "  set copay = amount - fund\n"
    "  set extra = totals.a + totals.b + by_payer.paid\n"
    "  add fund to totals.a\n"
    "  add fund to by_payer.paid\n"
    "  add 1 to totals.n\n"
    "invariant all money outputs >= 0\n"                         /* JNONNEG, then one by one */
    "invariant copay <= amount\n";

static const char *claims[] = {
    "{\"claim_id\":\"c1\",\"member_id\":\"M1\",\"kind\":\"plain\",\"amount\":\"100.00\",\"a0\":\"1.00\",\"b0\":\"2.00\",\"c0\":3}",
    "{\"claim_id\":\"c2\",\"member_id\":\"M1\",\"kind\":\"plain\",\"amount\":\"50.00\",\"note\":\"x\",\"a0\":\"9.00\",\"b0\":\"9.00\",\"c0\":9}",
    "{\"claim_id\":\"c3\",\"member_id\":\"M2\",\"kind\":\"odd\",\"amount\":\"70.00\",\"note\":\"\",\"payer\":{\"member_id\":\"M1\"},"
    "\"a0\":\"0.50\",\"b0\":\"0.25\",\"c0\":0}",
    /* fund below 0: the invariant is broken, and its message names the output */
    "{\"claim_id\":\"c4\",\"member_id\":\"M3\",\"kind\":\"broken\",\"amount\":\"10.00\",\"a0\":\"0.00\",\"b0\":\"0.00\",\"c0\":0}",
    "{\"claim_id\":\"c5\",\"member_id\":\"M2\",\"kind\":\"plain\",\"amount\":\"0.00\",\"payer\":{\"member_id\":\"M2\"},"
    "\"a0\":\"0.00\",\"b0\":\"0.00\",\"c0\":0}",
};

static yb_program *compile(bool plain)
{
    yb_diag d;
    yb_diag_init(&d, stderr);
    yb_program *p = plain ? yb_compile_plain("fused.yb", src, &d) : yb_compile_string("fused.yb", src, &d);
    yb_diag_free(&d);
    assert_non_null(p);
    return p;
}

static int count_op(const yb_program *p, unsigned op)
{
    int n = 0;
    for (int pc = 0; pc < p->ncode; pc++) n += YB_I_OP(p->code[pc]) == op;
    return n;
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

/* Register ra of a and rb of b (temporaries and constants may be numbered
 * differently in the two programs; outputs and running totals are not). */
static void same_value(const yb_vm *a, int ra, const yb_vm *b, int rb, size_t claim, const char *what)
{
    if (a->regs[ra] != b->regs[rb])
        fail_msg("claim %zu: %s: %lld fused, %lld plain", claim, what, (long long)a->regs[ra], (long long)b->regs[rb]);
}

static void each_superinstruction_is_made(void **state)
{
    (void)state;
    yb_program *fused = compile(false), *plain = compile(true);
    const unsigned ops[] = {YB_OP_JGIVEN, YB_OP_JABSENT, YB_OP_JHELD, YB_OP_JNHELD, YB_OP_JNEW,
                            YB_OP_JOLD,   YB_OP_JTEQ,    YB_OP_JTNE,  YB_OP_MOVN,  YB_OP_JNONNEG,
                            YB_OP_JIN,    YB_OP_JNIN};
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++) {
        if (count_op(fused, ops[i]) < 1) fail_msg("no %s in the compiled policy", yb_op_names[ops[i]]);
        assert_int_equal(count_op(plain, ops[i]), 0);
    }
    /* by_payer's key is worked out with a prefetch at the claim's start (totals' too, in both) */
    assert_int_equal(count_op(fused, YB_OP_STPREF), count_op(plain, YB_OP_STPREF) + 1);
    /* every superinstruction stands for at least two instructions */
    assert_true(fused->ncode < plain->ncode - 10);
    yb_program_free(fused);
    yb_program_free(plain);
}

static void fused_settles_as_plain(void **state)
{
    (void)state;
    yb_program *fused = compile(false), *plain = compile(true);
    char err[256];
    assert_true(yb_verify(fused, err, sizeof err));
    assert_true(yb_verify(plain, err, sizeof err));
    yb_vm *a = yb_vm_new(fused), *b = yb_vm_new(plain);
    int errors = 0;
    for (size_t i = 0; i < sizeof claims / sizeof *claims; i++) {
        int ra = run(a, claims[i]), rb = run(b, claims[i]);
        assert_int_equal(ra, rb);
        errors += ra == YB_RUN_RECORD_ERROR;
        assert_string_equal(a->err.message, b->err.message);
        assert_int_equal(a->held, b->held);
        assert_int_equal(a->nreasons, b->nreasons);
        assert_memory_equal(a->reasons, b->reasons, (size_t)a->nreasons * sizeof *a->reasons);
        assert_int_equal(a->nalerts, b->nalerts);
        assert_memory_equal(a->alerts, b->alerts, (size_t)a->nalerts * sizeof *a->alerts);
        if (ra != YB_RUN_SETTLED) continue;
        for (int r = 0; r < fused->nouts; r++) same_value(a, r, b, r, i, fused->outs[r].name);
        for (int s = 0; s < fused->nstates; s++) {
            int fr = fused->states[s].first_reg, pr = plain->states[s].first_reg;
            for (int f = 0; f < fused->states[s].nfields; f++) same_value(a, fr + f, b, pr + f, i, "a running total");
        }
        assert_int_equal(fused->nexplain, plain->nexplain);
        for (int k = 0; k < fused->nexplain; k++) same_value(a, fused->explain[k].reg, b, plain->explain[k].reg, i, fused->explain[k].label);
    }
    /* c4 breaks `all money outputs >= 0` at fund */
    assert_int_equal(errors, 1);
    assert_int_equal(run(a, claims[3]), YB_RUN_RECORD_ERROR);
    assert_non_null(strstr(a->err.message, "fund"));
    yb_vm_free(a);
    yb_vm_free(b);
    yb_program_free(fused);
    yb_program_free(plain);
}

/* The verifier holds each one to its operands, like any instruction. */
static void verifier_checks_superinstructions(void **state)
{
    (void)state;
    char err[256];
    yb_program *p = compile(false);
    for (int pc = p->entry; pc < p->ncode; pc++) {
        yb_instr i = p->code[pc], bad;
        unsigned op = YB_I_OP(i);
        if (op == YB_OP_JGIVEN || op == YB_OP_JABSENT) bad = yb_mk_j(op, YB_I_A(i) + 1, YB_I_B(i), YB_I_J(i)); /* slot of another field */
        else if (op == YB_OP_JNEW || op == YB_OP_JOLD) bad = yb_mk_j(op, 0, (unsigned)p->nstates, YB_I_J(i));
        else if (op == YB_OP_MOVN) bad = yb_mk(op, YB_I_A(i), YB_I_B(i), 0, (unsigned)p->nregs);
        else if (op == YB_OP_JNONNEG) bad = yb_mk_j(op, YB_I_A(i), (unsigned)p->nregs, YB_I_J(i));
        else if (op == YB_OP_JTEQ || op == YB_OP_JTNE) bad = yb_mk_j(op, YB_I_A(i), YB_I_B(i), -1); /* a jump backward */
        else if (op == YB_OP_JIN || op == YB_OP_JNIN) bad = yb_mk_j(op, 0, YB_I_B(i), YB_I_J(i)); /* r0: claim_id, text */
        else continue;
        p->code[pc] = bad;
        if (yb_verify(p, err, sizeof err)) fail_msg("instruction %d (%s) passed the verifier broken", pc, yb_op_names[op]);
        p->code[pc] = i;
    }
    assert_true(yb_verify(p, err, sizeof err));
    yb_program_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(each_superinstruction_is_made),
        cmocka_unit_test(fused_settles_as_plain),
        cmocka_unit_test(verifier_checks_superinstructions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
