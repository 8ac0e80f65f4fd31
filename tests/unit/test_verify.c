/* The verifier refuses code that could loop forever, read outside its
 * registers, mix kinds or jump anywhere but forward within the program. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "program.h"

static const char *src =
    "policy \"t\"\n"
    "enum class { A, B, C }\n"
    "record item { class: class  amount: money }\n"
    "input claim { claim_id: text  items: list of item }\n"
    "output settlement { claim_id: text = claim_id  status  fund: money  reasons alerts }\n"
    "rule r\n  set fund = sum of amount in items where class = A\n";

static yb_program *compile(void)
{
    yb_diag d;
    yb_diag_init(&d, stderr);
    yb_program *p = yb_compile_string("t.yb", src, &d);
    yb_diag_free(&d);
    assert_non_null(p);
    return p;
}

static int find_op(const yb_program *p, unsigned op)
{
    for (int i = 0; i < p->ncode; i++)
        if (YB_I_OP(p->code[i]) == op) return i;
    fail_msg("no %s in the code", yb_op_names[op]);
    return -1;
}

/* The start of the test policy's loop: the compiler makes it a LOOPK (vm/loopk.h). */
static int find_loop(const yb_program *p)
{
    for (int i = 0; i < p->ncode; i++)
        if (YB_I_OP(p->code[i]) == YB_OP_LOOPB || YB_I_OP(p->code[i]) == YB_OP_LOOPK) return i;
    fail_msg("no loop in the code");
    return -1;
}

static void expect_refused(yb_program *p, const char *needle)
{
    char err[256] = "";
    if (yb_verify(p, err, sizeof err)) fail_msg("accepted; expected: %s", needle);
    if (!strstr(err, needle)) fail_msg("refused with [%s]; expected [%s]", err, needle);
}

static void the_compiled_code_verifies(void **state)
{
    (void)state;
    yb_program *p = compile();
    char err[256];
    assert_true(yb_verify(p, err, sizeof err));
    yb_program_free(p);
}

static void backward_jumps_other_than_loop_ends_are_refused(void **state)
{
    (void)state;
    yb_program *p = compile();
    int at = find_op(p, YB_OP_JNE);
    p->code[at] = yb_mk_j(YB_OP_JNE, YB_I_A(p->code[at]), YB_I_B(p->code[at]), -2); /* jump back: a loop that never ends */
    expect_refused(p, "only LOOPN jumps backward");
    yb_program_free(p);
}

static void writing_the_loop_index_is_refused(void **state)
{
    (void)state;
    yb_program *p = compile();
    int lb = find_loop(p);
    unsigned index = YB_I_A(p->code[lb]);
    /* reset the index inside the body: the loop would never end */
    p->code[lb + 1] = yb_mk_k(YB_OP_LOADI, index, 0);
    expect_refused(p, "loop index is written inside the loop");
    yb_program_free(p);
}

static void jumping_into_a_loop_is_refused(void **state)
{
    (void)state;
    yb_program *p = compile();
    int lb = find_loop(p);
    int ln = find_op(p, YB_OP_LOOPN);
    assert_true(ln > lb + 2);
    /* a jump from before the loop into its middle skips the index reset */
    p->code[lb - 1] = yb_mk_j(YB_OP_JMP, 0, 0, (lb + 2) - lb);
    expect_refused(p, "jumps into a loop");
    yb_program_free(p);
}

static void a_loopk_must_have_the_item_loop_shape(void **state)
{
    (void)state;
    yb_program *p = compile();
    int lb = find_loop(p);
    assert_int_equal(YB_I_OP(p->code[lb]), YB_OP_LOOPK);
    /* the sum's ADD made a SUB: still valid code, but not a shape the VM runs in one go */
    int at = find_op(p, YB_OP_ADD);
    p->code[at] = (p->code[at] & ~(yb_instr)0xff) | YB_OP_SUB;
    expect_refused(p, "LOOPK's body does not have the item-loop shape");
    /* as a plain LOOPB the same code passes */
    p->code[lb] = (p->code[lb] & ~(yb_instr)0xff) | YB_OP_LOOPB;
    char err[256];
    assert_true(yb_verify(p, err, sizeof err));
    yb_program_free(p);
}

static void kinds_and_bounds_are_checked(void **state)
{
    (void)state;
    yb_program *p = compile();
    int at = find_op(p, YB_OP_ADD);
    yb_instr saved = p->code[at];
    p->code[at] = yb_mk(YB_OP_ADD, YB_I_A(saved), YB_I_B(saved), 60000, 0);
    expect_refused(p, "out of range");
    p->code[at] = saved;
    /* money + text */
    int text_reg = -1;
    for (int r = 0; r < p->nregs; r++)
        if (p->reg_kinds[r] == YB_T_TEXT) text_reg = r;
    p->code[at] = yb_mk(YB_OP_ADD, YB_I_A(saved), YB_I_B(saved), (unsigned)text_reg, 0);
    expect_refused(p, "not a number");
    p->code[at] = saved;
    /* a number cannot become text (that would forge a pointer) */
    p->code[at] = yb_mk_k(YB_OP_LOADI, (unsigned)text_reg, 12345);
    expect_refused(p, "text cannot be made from a number");
    p->code[at] = saved;
    /* the constant section holds constant loads only */
    yb_instr first = p->code[0];
    p->code[0] = yb_mk(YB_OP_ADD, YB_I_A(saved), YB_I_B(saved), YB_I_C(saved), 0);
    expect_refused(p, "constant section");
    p->code[0] = first;
    /* the last instruction must be HALT */
    p->code[p->ncode - 1] = yb_mk(YB_OP_NOP, 0, 0, 0, 0);
    expect_refused(p, "HALT");
    yb_program_free(p);
}

static void jumps_outside_the_code_are_refused(void **state)
{
    (void)state;
    yb_program *p = compile();
    int at = find_op(p, YB_OP_JNE);
    p->code[at] = yb_mk_j(YB_OP_JNE, YB_I_A(p->code[at]), YB_I_B(p->code[at]), 100000);
    expect_refused(p, "outside the code");
    yb_program_free(p);
}


/* ---- dates: 0001-01-01 .. 9999-12-31 everywhere a program holds one ---- */

static const char *date_src =
    "policy \"d\"\n"
    "input claim { claim_id: text  seen: date = 2024-01-01  visit_date: date }\n"
    "output settlement { claim_id: text = claim_id  status  due: date  reasons alerts }\n"
    "dated by visit_date\n"
    "param deadline: date\n  from 2024-01-01: 2025-06-30\n"
    "param until: date by range of int\n  from 2024-01-01: 0 to 10 at 2025-01-31  above 10 at 2026-01-31\n"
    "rule r\n"
    "  set due = if visit_date >= 2025-01-01 then deadline else seen\n"
    "  set due = if visit_date >= 2025-03-01 then until[3] else due\n";

static int find_param(const yb_program *p, const char *name)
{
    for (int i = 0; i < p->nparams; i++)
        if (strcmp(p->params[i].name, name) == 0) return i;
    fail_msg("no parameter %s", name);
    return -1;
}

/* Found by fuzz_ybc: a block naming a rule outside the block table was
 * accepted, and a broken invariant's message then read past the table. */
static void a_block_naming_a_rule_outside_the_table_is_refused(void **state)
{
    (void)state;
    yb_program *p = compile();
    assert_true(p->nblocks > 0);
    p->blocks[0].rule = p->nblocks;
    expect_refused(p, "block 0 is malformed");
    p->blocks[0].rule = -2;
    expect_refused(p, "block 0 is malformed");
    p->blocks[0].rule = -1;
    char err[256];
    assert_true(yb_verify(p, err, sizeof err));
    yb_program_free(p);
}

static void dates_outside_the_calendar_are_refused(void **state)
{
    (void)state;
    yb_diag d;
    yb_diag_init(&d, stderr);
    yb_program *p = yb_compile_string("d.yb", date_src, &d);
    yb_diag_free(&d);
    assert_non_null(p);
    char err[256];
    assert_true(yb_verify(p, err, sizeof err));
    /* INT64_MAX overflowed the year (a wrong year, silently); day -4,000,000 is
       the year -8982, eleven characters where the writer has room for ten */
    const int64_t bad[] = {INT64_MAX, INT64_MIN, YB_DATE_MAX + 1, YB_DATE_MIN - 1, -4000000};
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        int64_t x = bad[k];
        /* a parameter's value */
        yb_param *dl = &p->params[find_param(p, "deadline")];
        int64_t saved = dl->versions[0].cells[0];
        dl->versions[0].cells[0] = x;
        expect_refused(p, "holds a date outside 0001-01-01..9999-12-31");
        dl->versions[0].cells[0] = saved;
        /* a value of a parameter keyed by ranges (held in its band set) */
        yb_band *band = &p->bandsets[p->params[find_param(p, "until")].versions[0].cells[0]].bands[1];
        saved = band->rate;
        band->rate = x;
        expect_refused(p, "holds a date outside");
        band->rate = saved;
        /* an effective date */
        saved = dl->versions[0].from;
        dl->versions[0].from = x;
        expect_refused(p, "effective date outside");
        dl->versions[0].from = saved;
        /* the policy's own effective date */
        saved = p->effective;
        p->effective = x;
        expect_refused(p, "effective date is outside");
        p->effective = saved;
        /* an input field's default */
        for (int f = 0; f < p->schema.nfields; f++)
            if (strcmp(p->schema.fields[f].name, "seen") == 0) {
                saved = p->schema.fields[f].dflt;
                p->schema.fields[f].dflt = x;
                expect_refused(p, "default date outside");
                p->schema.fields[f].dflt = saved;
            }
        /* a date loaded as a constant (LOADK) */
        int at = find_op(p, YB_OP_LOADI);
        yb_instr li = p->code[at];
        assert_int_equal(p->reg_kinds[YB_I_A(li)], YB_T_DATE);
        int k2 = p->nconsts;
        p->consts = realloc(p->consts, (size_t)(k2 + 1) * sizeof *p->consts);
        p->const_kinds = realloc(p->const_kinds, (size_t)(k2 + 1));
        p->consts[k2] = x;
        p->const_kinds[k2] = YB_T_DATE;
        p->nconsts = k2 + 1;
        p->code[at] = yb_mk_k(YB_OP_LOADK, YB_I_A(li), (uint32_t)k2);
        expect_refused(p, "date constant");
        p->consts[k2] = YB_DATE_MAX; /* 9999-12-31 itself is a date */
        assert_true(yb_verify(p, err, sizeof err));
        p->code[at] = li;
        p->nconsts = k2;
        /* a date loaded as an immediate (LOADI holds 32 bits) */
        if (x >= INT32_MIN && x <= INT32_MAX) {
            p->code[at] = yb_mk_k(YB_OP_LOADI, YB_I_A(li), (uint32_t)(int32_t)x);
            expect_refused(p, "a date outside");
            p->code[at] = li;
        }
    }
    assert_true(yb_verify(p, err, sizeof err));
    yb_program_free(p);
}

/* A message with values (.ybc RULE section): each piece's register must
 * exist and an enum register must name an enum that exists. */
static void message_pieces_are_checked(void **state)
{
    (void)state;
    yb_diag d;
    yb_diag_init(&d, stderr);
    yb_program *p = yb_compile_string("t.yb",
        "policy \"t\"\nenum class { A, B }\ninput claim { claim_id: text  class: class }\n"
        "output settlement { claim_id: text = claim_id  status  reasons alerts }\n"
        "rule r\n  warn W \"{class} for {claim_id}\"\n  reject class \"not {class}\"\n", &d);
    yb_diag_free(&d);
    assert_non_null(p);
    assert_int_equal(p->alerts[0].npieces, 3);
    char err[256];
    assert_true(yb_verify(p, err, sizeof err));
    int reg = p->alerts[0].pieces[0].reg;
    p->alerts[0].pieces[0].reg = p->nregs;
    expect_refused(p, "alert 0 is malformed");
    p->alerts[0].pieces[0].reg = reg;
    p->alerts[0].pieces[0].enum_id = (uint16_t)p->schema.nenums;
    expect_refused(p, "alert 0 is malformed");
    p->alerts[0].pieces[0].enum_id = 0;
    free(p->rejects[0].pieces[1].text);
    p->rejects[0].pieces[1].text = NULL;
    expect_refused(p, "reject 0 is malformed");
    p->rejects[0].pieces[1].text = strdup("");
    assert_true(yb_verify(p, err, sizeof err));
    yb_program_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dates_outside_the_calendar_are_refused),
        cmocka_unit_test(a_block_naming_a_rule_outside_the_table_is_refused),
        cmocka_unit_test(the_compiled_code_verifies),
        cmocka_unit_test(backward_jumps_other_than_loop_ends_are_refused),
        cmocka_unit_test(writing_the_loop_index_is_refused),
        cmocka_unit_test(jumping_into_a_loop_is_refused),
        cmocka_unit_test(a_loopk_must_have_the_item_loop_shape),
        cmocka_unit_test(kinds_and_bounds_are_checked),
        cmocka_unit_test(jumps_outside_the_code_are_refused),
        cmocka_unit_test(message_pieces_are_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
