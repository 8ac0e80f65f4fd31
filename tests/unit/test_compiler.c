/* The compiler and the VM together: diagnostics an analyst sees, types that
 * catch domain mistakes, and small policies settling claims in-process. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "claim_reader.h"
#include "route_plan.h"
#include "compiler.h"
#include "suggest.h"
#include "yb_limits.h"
#include "vm.h"

/* Compile; return the program (or NULL) and the diagnostics text. */
static yb_program *compile(const char *src, char **diag_text)
{
    size_t len;
    FILE *mem = open_memstream(diag_text, &len);
    yb_diag d;
    yb_diag_init(&d, mem);
    yb_program *p = yb_compile_string("test.yb", src, &d);
    yb_diag_free(&d);
    fclose(mem);
    return p;
}

static void expect_error(const char *src, const char *needle)
{
    char *text = NULL;
    yb_program *p = compile(src, &text);
    if (p || !strstr(text, needle)) fail_msg("expected an error containing [%s], got:\n%s", needle, text);
    free(text);
}

#define HEADER                                                                                  \
    "policy \"t\" version \"1\" effective 2024-01-01\n"                                        \
    "enum class { A, B, C }\n"                                                                  \
    "enum level { primary = 0, first = 1 }\n"                                                   \
    "record item { code: text  class: class  amount: money  limit: money optional }\n"          \
    "input claim { claim_id: text  member_id: text  date: date  level: level\n"                 \
    "  items: list of item, at least 1 }\n"                                                     \
    "output settlement { claim_id: text = claim_id  status  fund: money  copay: money  reasons alerts }\n" \
    "dated by date\n"

/* Settle one JSON line; returns the run status and copies the output registers. */
static int settle(yb_vm *vm, const char *line, int64_t *outs)
{
    FILE *in = fmemopen((void *)line, strlen(line), "r");
    yb_reader *r = yb_reader_open(&vm->p->schema, in, "mem", YB_FMT_JSONL);
    yb_claim *c = yb_claim_new(&vm->p->schema);
    yb_record_error err;
    int rc = yb_reader_next(r, c, &err);
    if (rc != 1) fail_msg("reader: %s: %s", err.field, err.message);
    rc = yb_vm_run(vm, c);
    for (int i = 0; i < vm->p->nouts; i++) outs[i] = vm->regs[i];
    yb_claim_free(c);
    yb_reader_close(r);
    fclose(in);
    return rc;
}

static void type_errors_name_the_mistake(void **state)
{
    (void)state;
    expect_error(HEADER "define x = 100.00 + 85%\n", "cannot add money and rate");
    expect_error(HEADER "define x = 100.00 + 85%\n", "multiplying");
    expect_error(HEADER "define x = 3 / 2\n", "whole numbers do not divide exactly");
    expect_error(HEADER "define x = date + 3\n", "say the unit");
    expect_error(HEADER "define x = 100.00 * 2.00\n", "cannot multiply money by money");
    expect_error(HEADER "rule r when level = second\n  set fund = 1.00\n", "not a value of level");
    expect_error(HEADER "rule r\n  set fund = 85%\n", "money expected");
    expect_error(HEADER "rule r\n  set claim_id = \"x\"\n", "changes outputs and state fields only");
    expect_error(HEADER "rule r when 1.00\n  set fund = 1.00\n", "`when` needs a condition");
}

static void typos_get_suggestions(void **state)
{
    (void)state;
    expect_error(HEADER "param deductible: money\n  from 2024-01-01: 200.00\n"
                        "rule r\n  set fund = deductable\n",
                 "did you mean `deductible`?");
    expect_error(HEADER "rule r\n  set fund = sum of amonut in items\n", "did you mean `amount`?");
    expect_error(HEADER "reasons WAITING_PERIOD\nrule r\n  reason WAITING_PERIDO\n", "did you mean `WAITING_PERIOD`?");
    expect_error(HEADER "define x: mony = 1\n", "expected `in`, `of` or `=` here, found `:`");
    expect_error(HEADER "param p: mony\n  from 2024-01-01: 1.00\n", "did you mean `money`?");
}

/* Chinese names are measured in characters: one wrong character is one typo
 * (three bytes), so a misspelt 分娩零自付 finds its rule and a two-character
 * name gets no suggestion three characters away. */
static void chinese_names_are_measured_in_characters(void **state)
{
    (void)state;
    assert_int_equal(yb_edit_distance("住院", "往院"), 1);
    assert_int_equal(yb_edit_distance("分娩零自付", "分娩零自负"), 1);
    assert_int_equal(yb_edit_distance("分娩", "娩分"), 1);          /* a swapped pair */
    assert_int_equal(yb_edit_distance("门诊慢特病", "门珍慢特症"), 2); /* 6 bytes apart */
    assert_int_equal(yb_edit_distance("住院a", "住院"), 1);
    assert_int_equal(yb_edit_distance("", "分娩"), 2);
    const char *rules[] = {"住院", "门诊慢特病", "分娩", "分娩零自付"};
    /* 5 characters: up to 2 edits (by bytes it was 6 > 3: no suggestion) */
    assert_string_equal(yb_suggest("门珍慢特症", rules, 4), "门诊慢特病");
    assert_string_equal(yb_suggest("分免", rules, 4), "分娩");
    /* 2 characters: 1 edit at most; 住所 is 1 from 住院, 门诊 is 2 from all */
    assert_string_equal(yb_suggest("住所", rules, 4), "住院");
    assert_null(yb_suggest("门诊", rules, 4));
    /* 65 characters get no suggestion (yb_edit_distance's limit) */
    char longname[65 * 3 + 1] = "";
    for (int i = 0; i < 65; i++) strcat(longname, "院");
    assert_int_equal(yb_edit_distance(longname, "院"), (size_t)-1);
    /* through the compiler: a rule placed after a misspelt rule name */
    expect_error(HEADER "stage pay\nrule 分娩零自付 in pay\n  set fund = 1.00\n"
                        "rule r in pay after 分娩零自负\n  set copay = 1.00\n",
                 "did you mean `分娩零自付`?");
}

/* A value in a message is read where the message is: a later rule that
 * changes it is an order hazard (spec.md 4.18, 5.1). */
static void message_values_are_reads(void **state)
{
    (void)state;
    /* a value in a message is a read: a later rule that changes it is an order hazard */
    expect_error(HEADER "rule a\n  warn W \"paid {fund}\"\nrule b\n  set fund = 1.00\n",
                 "rule `b` changes `fund` after rule `a`");
}

static void syntax_errors_say_what_was_expected(void **state)
{
    (void)state;
    char *text = NULL;
    yb_program *p = compile(HEADER "rule r\n  set fund 1.00\n", &text);
    assert_null(p);
    /* the location, the source line, a caret under the spot, what was expected */
    assert_non_null(strstr(text, "test.yb:10:12: error: expected `=` here, found `1.00` (an amount such as 200.00)"));
    assert_non_null(strstr(text, "   10 |   set fund 1.00"));
    assert_non_null(strstr(text, "      |            ^~~~"));
    free(text);
    expect_error(HEADER "define x = 12.345\n", "money has at most two decimals");
    expect_error(HEADER "define x = 2025-02-30\n", "not a calendar date");
    expect_error(HEADER "define x = \"open\n", "not closed");
}

static void tables_must_be_complete(void **state)
{
    (void)state;
    expect_error(HEADER "table t by level { d: money }\n  from 2024-01-01:\n    primary 200.00\n",
                 "gives no row for `first`");
    expect_error(HEADER "table t by level { d: money }\n  from 2024-01-01:\n    primary 200.00\n    primary 100.00\n    first 1.00\n",
                 "given twice");
    expect_error(HEADER "param p: money\n  from 2025-01-01: 1.00\n  from 2024-01-01: 2.00\n", "date order");
}

static void warnings_for_dead_code(void **state)
{
    (void)state;
    char *text = NULL;
    yb_program *p = compile(HEADER "param unused_cap: money\n  from 2024-01-01: 1.00\n"
                                   "rule never when 1 > 2\n  set fund = 1.00\n",
                            &text);
    assert_non_null(p);
    assert_non_null(strstr(text, "warning: parameter `unused_cap` is never used"));
    assert_non_null(strstr(text, "warning: rule `never` can never fire"));
    free(text);
    yb_program_free(p);
}

static void settles_with_dated_parameters_and_running_totals(void **state)
{
    (void)state;
    char *text = NULL;
    yb_program *p = compile(HEADER
                            "param ratio: rate by level\n"
                            "  from 2024-01-01: primary 80% first 70%\n"
                            "  from 2025-01-01: primary 90% first 75%\n"
                            "state totals per claim_id { paid: money }\n"
                            "define in_scope = sum of (if given(limit) then min(amount, limit) else amount) in items where class != C\n"
                            "rule pay\n"
                            "  set fund = in_scope * ratio[level]\n"
                            "  add fund to totals.paid\n"
                            "rule split\n"
                            "  set copay = (sum of amount in items) - fund\n",
                            &text);
    if (!p) fail_msg("%s", text);
    free(text);
    yb_vm *vm = yb_vm_new(p);
    int64_t o[16];
    /* 2024, level first (70%): A 100.00 + B 50.00 within limit 40.00 = 140.00 in scope -> 98.00 */
    assert_int_equal(settle(vm, "{\"claim_id\":\"1\",\"member_id\":\"m\",\"date\":\"2024-06-01\",\"level\":1,"
                                "\"items\":[{\"code\":\"a\",\"class\":\"A\",\"amount\":\"100\"},"
                                "{\"code\":\"b\",\"class\":\"B\",\"amount\":\"50\",\"limit\":\"40\"},"
                                "{\"code\":\"c\",\"class\":\"C\",\"amount\":\"7.5\"}]}", o),
                     YB_RUN_SETTLED);
    assert_int_equal(o[2], 9800);          /* fund 98.00 */
    assert_int_equal(o[3], 15750 - 9800);  /* copay = 157.50 - 98.00 */
    /* 2025: the new value (75%) is in force: 140.00 x 75% = 105.00 */
    assert_int_equal(settle(vm, "{\"claim_id\":\"2\",\"member_id\":\"m\",\"date\":\"2025-01-01\",\"level\":\"first\","
                                "\"items\":[{\"code\":\"a\",\"class\":\"A\",\"amount\":\"140\"}]}", o),
                     YB_RUN_SETTLED);
    assert_int_equal(o[2], 10500);
    /* before the first version: a record error that names the parameter */
    assert_int_equal(settle(vm, "{\"claim_id\":\"3\",\"member_id\":\"m\",\"date\":\"2023-12-31\",\"level\":0,"
                                "\"items\":[{\"code\":\"a\",\"class\":\"A\",\"amount\":\"1\"}]}", o),
                     YB_RUN_RECORD_ERROR);
    assert_non_null(strstr(vm->err.message, "no value of `ratio` is in force on 2023-12-31"));
    yb_vm_free(vm);
    yb_program_free(p);
}

static void absent_optional_field_is_a_record_error(void **state)
{
    (void)state;
    char *text = NULL;
    yb_program *p = compile(HEADER "rule r\n  set fund = sum of limit in items\n", &text);
    if (!p) fail_msg("%s", text);
    free(text);
    yb_vm *vm = yb_vm_new(p);
    int64_t o[16];
    assert_int_equal(settle(vm, "{\"claim_id\":\"1\",\"member_id\":\"m\",\"date\":\"2024-06-01\",\"level\":1,"
                                "\"items\":[{\"code\":\"a\",\"class\":\"A\",\"amount\":\"100\",\"limit\":\"1\"},"
                                "{\"code\":\"b\",\"class\":\"B\",\"amount\":\"50\"}]}", o),
                     YB_RUN_RECORD_ERROR);
    assert_string_equal(vm->err.field, "items[1].limit");
    yb_vm_free(vm);
    yb_program_free(p);
}

static void many_policies_in_one_process(void **state)
{
    (void)state;
    /* no global state: two programs and their VMs side by side */
    char *t1 = NULL, *t2 = NULL;
    yb_program *p1 = compile(HEADER "rule r\n  set fund = 1.00\n", &t1);
    yb_program *p2 = compile(HEADER "rule r\n  set fund = 2.00\n", &t2);
    assert_non_null(p1);
    assert_non_null(p2);
    yb_vm *v1 = yb_vm_new(p1), *v2 = yb_vm_new(p2);
    int64_t o[16];
    const char *claim = "{\"claim_id\":\"1\",\"member_id\":\"m\",\"date\":\"2024-06-01\",\"level\":1,"
                        "\"items\":[{\"code\":\"a\",\"class\":\"A\",\"amount\":\"100\"}]}";
    settle(v1, claim, o);
    assert_int_equal(o[2], 100);
    settle(v2, claim, o);
    assert_int_equal(o[2], 200);
    yb_vm_free(v1);
    yb_vm_free(v2);
    yb_program_free(p1);
    yb_program_free(p2);
    free(t1);
    free(t2);
}

static int64_t settle_one(const char *src, const char *claim, int out)
{
    char *text = NULL;
    yb_program *p = compile(src, &text);
    if (!p) fail_msg("%s", text);
    free(text);
    yb_vm *vm = yb_vm_new(p);
    int64_t o[32];
    if (settle(vm, claim, o) != YB_RUN_SETTLED) fail_msg("record error: %s: %s", vm->err.field, vm->err.message);
    yb_vm_free(vm);
    yb_program_free(p);
    return o[out];
}

#define CLAIM1 "{\"claim_id\":\"1\",\"member_id\":\"m\",\"date\":\"2024-06-01\",\"level\":1," \
               "\"items\":[{\"code\":\"a\",\"class\":\"A\",\"amount\":\"66.66\"},{\"code\":\"b\",\"class\":\"C\",\"amount\":\"1\"}]}"

static void whole_numbers_multiply_and_divide_money(void **state)
{
    (void)state;
    /* 66.66 * 2 = 133.32; 66.66 / 4 = 16.665 -> 16.67 (half away from zero); 200 + 0.01 is money */
    assert_int_equal(settle_one(HEADER "rule r\n  set fund = (sum of amount in items where class = A) * 2\n", CLAIM1, 2), 13332);
    assert_int_equal(settle_one(HEADER "rule r\n  set fund = (sum of amount in items where class = A) / 4\n", CLAIM1, 2), 1667);
    assert_int_equal(settle_one(HEADER "rule r\n  set fund = 200 + 0.01\n", CLAIM1, 2), 20001);
    assert_int_equal(settle_one(HEADER "rule r\n  set fund = -5 + 0.01\n", CLAIM1, 2), -499);
    expect_error(HEADER "rule r\n  set fund = 100000000000000000 + 0.01\n", "cannot add int and money");
}

static void long_membership_lists_and_fused_sums(void **state)
{
    (void)state;
    /* a value 70th in a list is found when the test is a value, not only a condition */
    char src[8192];
    int n = snprintf(src, sizeof src, "%s", HEADER "define found = 70 in [");
    for (int i = 1; i <= 80; i++) n += snprintf(src + n, sizeof src - (size_t)n, "%s%d", i > 1 ? ", " : "", i);
    snprintf(src + n, sizeof src - (size_t)n, "]\nrule r when found\n  set fund = 1.00\n");
    assert_int_equal(settle_one(src, CLAIM1, 2), 100);
    /* an output summed from another output's sum is not fused into its loop:
       x = 66.66 + 1.00 = 67.66; y = x summed once per item = 135.32 */
    const char *dep = "policy \"t\"\nenum class { A, B, C }\n"
                      "record item { code: text  class: class  amount: money }\n"
                      "input claim { claim_id: text  member_id: text  date: date  level: int  items: list of item }\n"
                      "output s { x: money = sum of amount in items  y: money = sum of x in items  status reasons alerts }\n";
    assert_int_equal(settle_one(dep, CLAIM1, 0), 6766);
    assert_int_equal(settle_one(dep, CLAIM1, 1), 13532);
}

static void parameters_of_enums_text_and_ranges(void **state)
{
    (void)state;
    const char *src = HEADER "enum tier { low, high }\n"
                             "param tier_of: tier by level\n  from 2024-01-01: primary low first high\n"
                             "param share: rate by range of money\n  from 2024-01-01:\n    0 to 100 at 50%\n    above 100 at 80%\n"
                             "rule r when tier_of[level] = high\n"
                             "  set fund = (sum of amount in items) * share[sum of amount in items]\n";
    /* level first -> high; total 67.66 lies in [0, 100): 67.66 x 50% = 33.83 */
    assert_int_equal(settle_one(src, CLAIM1, 2), 3383);
    expect_error(HEADER "param p: rate by range of int\n  from 2024-01-01:\n    0 to 18 at 90%\n    10 to 60 at 70%\n", "must not overlap");
}

static void duplicates_and_shadowing_are_refused(void **state)
{
    (void)state;
    expect_error(HEADER "rule r\n  set fund = 1.00\nrule r\n  set fund = 2.00\n", "rule `r` is declared twice");
    expect_error(HEADER "enum e { a = 1, b = 1 }\n", "codes must differ");
    expect_error(HEADER "reasons X, X\n", "declared twice");
    expect_error(HEADER "rule r\n  let amount = 1.00\n  set fund = amount\n", "already a name");
    expect_error(HEADER "define x = level.primery\n", "did you mean `primary`?");
    expect_error(HEADER "param ratio: rate\n  from 2024-01-01: 80%\namend param ratoi\n  from 2025-01-01: 85%\n",
                 "did you mean `ratio`?");
    expect_error(HEADER "state s per claim_id when 1.00 { n: int }\n", "`when` needs a condition");
    expect_error(HEADER "define w of itme = amount\n", "did you mean `item`?");
    expect_error(HEADER "define amount of item = 1.00\n", "already a field of `item`");
    expect_error(HEADER "define s = sum of w in items\ndefine w of item = amount\n", "used before it is worked out");
}

static void review_fixes(void **state)
{
    (void)state;
    /* max with a negative whole number on the right; clamp likewise: 66.66 + 1.00 = 67.66 */
    assert_int_equal(settle_one(HEADER "rule r\n  set fund = max(sum of amount in items, -5)\n", CLAIM1, 2), 6766);
    assert_int_equal(settle_one(HEADER "rule r\n  set fund = clamp(sum of amount in items, -5, 10)\n", CLAIM1, 2), 1000);
    /* a text-valued parameter keyed by text, and an enum-valued parameter keyed by ranges */
    const char *src = HEADER "enum tier { low, high }\n"
                             "param name_of: text by text\n  from 2024-01-01: \"1\" \"first claim\"\n"
                             "param tier_by: tier by range of money\n  from 2024-01-01:\n    0 to 50 at low\n    above 50 at high\n"
                             "rule r when tier_by[sum of amount in items] = high and name_of[claim_id] = \"first claim\"\n"
                             "  set fund = 1.00\n";
    assert_int_equal(settle_one(src, CLAIM1, 2), 100);
    /* a text input field with a default */
    const char *dflt = "policy \"t\"\nenum class { A, B, C }\n"
                       "record item { code: text  class: class  amount: money }\n"
                       "input claim { claim_id: text  note: text = \"none\"  date: date  level: int  items: list of item }\n"
                       "output s { status  fund: money  reasons alerts }\n"
                       "rule r when note = \"none\"\n  set fund = 2.00\n";
    assert_int_equal(settle_one(dflt, CLAIM1, 1), 200);
}

static void deep_nesting_is_an_error_not_a_crash(void **state)
{
    (void)state;
    /* 100,000 terms in a row, and 20,000 parentheses: both refused with a message */
    size_t cap = 1 << 20;
    char *src = malloc(cap);
    int n = snprintf(src, cap, "%s", HEADER "define y = 1");
    for (int i = 0; i < 100000; i++) n += snprintf(src + n, cap - (size_t)n, " + 1");
    snprintf(src + n, cap - (size_t)n, "\nrule r when y > 0\n  set fund = 1.00\n");
    char *text = NULL;
    assert_null(compile(src, &text));
    assert_non_null(strstr(text, "nested more than 1000 deep"));
    assert_null(strstr(text, "cannot order")); /* no cascade from the failed define */
    assert_non_null(strstr(text, "…"));         /* the long line is shown as a window */
    free(text);
    n = snprintf(src, cap, "%s", HEADER "define x = ");
    for (int i = 0; i < 20000; i++) src[n++] = '(';
    src[n++] = '1';
    for (int i = 0; i < 20000; i++) src[n++] = ')';
    src[n] = 0;
    text = NULL;
    assert_null(compile(src, &text));
    assert_non_null(strstr(text, "nested too deeply"));
    free(text);
    free(src);
}

static void text_keys_are_found_among_many(void **state)
{
    (void)state;
    /* 300 keys written in no particular order; every one is found, and one that is not listed is not */
    char src[32768];
    int n = snprintf(src, sizeof src, "%s", HEADER "param pay: money by text\n  from 2024-01-01:");
    for (int i = 0; i < 300; i++) {
        int k = (i * 7919) % 300;
        n += snprintf(src + n, sizeof src - (size_t)n, " \"K%d\" %d.00", k, k);
    }
    snprintf(src + n, sizeof src - (size_t)n, "\nrule r when given(pay[claim_id])\n  set fund = pay[claim_id]\n");
    for (int k = 0; k < 300; k += 37) {
        char claim[256];
        snprintf(claim, sizeof claim,
                 "{\"claim_id\":\"K%d\",\"member_id\":\"m\",\"date\":\"2024-06-01\",\"level\":1,"
                 "\"items\":[{\"code\":\"a\",\"class\":\"A\",\"amount\":\"1\"}]}", k);
        assert_int_equal(settle_one(src, claim, 2), (int64_t)k * 100);
    }
    assert_int_equal(settle_one(src, CLAIM1, 2), 0); /* claim_id "1" is not a key */
}

static void a_block_is_never_hidden_by_a_warn_of_the_same_id(void **state)
{
    (void)state;
    char *text = NULL;
    yb_program *p = compile(HEADER "rule w\n  warn X \"watch\"\nrule b\n  block X \"stop\"\n", &text);
    if (!p) fail_msg("%s", text);
    free(text);
    yb_vm *vm = yb_vm_new(p);
    int64_t o[16];
    assert_int_equal(settle(vm, CLAIM1, o), YB_RUN_SETTLED);
    assert_true(vm->held);
    assert_int_equal(vm->nalerts, 1);
    assert_int_equal(p->alerts[vm->alerts[0]].severity, 1);
    assert_string_equal(p->alerts[vm->alerts[0]].message, "stop");
    yb_vm_free(vm);
    yb_program_free(p);
}

/* Robustness: 20,000 chained defines (each names the one before) compile in
 * a fraction of a second: global names are hashed.  A scan of every earlier
 * name per lookup made 70,000 of them take 90 s to be refused.  Past the
 * register limit the policy is refused with a message, not slowly. */
/* `add OUTPUT to …` reads the output's own register when no statement still
 * to come writes it (no copy), and a copy when one does (the statement
 * itself included): --explain shows the value added either way. */
static void outputs_added_after_their_last_write_are_not_copied(void **state)
{
    (void)state;
    char *text = NULL;
    yb_program *p = compile(HEADER
                            "state totals per claim_id { early: money  late: money }\n"
                            "rule pay\n"
                            "  set fund = 10.00\n"
                            "  set copay = 2.00\n"
                            "  add fund to totals.early\n" /* fund is written again below: copied */
                            "  add 5.00 to fund\n"
                            "  add fund to totals.late\n"  /* fund's last write is behind: its register */
                            "  add copay to copay\n",      /* reads what it writes: copied */
                            &text);
    if (!p) fail_msg("%s", text);
    free(text);
    int movs_fund = 0, movs_copay = 0;
    for (int pc = p->entry; pc < p->ncode; pc++) {
        if (YB_I_OP(p->code[pc]) != YB_OP_MOV) continue;
        movs_fund += YB_I_B(p->code[pc]) == 2;
        movs_copay += YB_I_B(p->code[pc]) == 3;
    }
    assert_int_equal(movs_fund, 1);  /* for totals.early; none for totals.late */
    assert_int_equal(movs_copay, 1); /* for `add copay to copay` */
    yb_vm *vm = yb_vm_new(p);
    int64_t o[16];
    assert_int_equal(settle(vm, "{\"claim_id\":\"1\",\"member_id\":\"m\",\"date\":\"2024-06-01\",\"level\":1,"
                                "\"items\":[{\"code\":\"a\",\"class\":\"A\",\"amount\":\"1\"}]}", o),
                     YB_RUN_SETTLED);
    assert_int_equal(o[2], 1500); /* fund: 10.00 + 5.00 */
    assert_int_equal(o[3], 400);  /* copay: 2.00 + 2.00 */
    /* what --explain shows for each: the value added */
    const char *label[] = {"add to totals.early", "add to totals.late", "add to copay"};
    const int64_t want[] = {1000, 1500, 200};
    for (int i = 0; i < 3; i++) {
        int found = 0;
        for (int e = 0; e < p->nexplain; e++)
            if (strcmp(p->explain[e].label, label[i]) == 0) {
                assert_int_equal(vm->regs[p->explain[e].reg], want[i]);
                found++;
            }
        assert_int_equal(found, 1);
    }
    yb_vm_free(vm);
    yb_program_free(p);
}

static void many_defines_compile_fast(void **state)
{
    (void)state;
    size_t cap = 1 << 21;
    char *src = malloc(cap);
    int n = snprintf(src, cap, "%s", HEADER "define d1 = 1\n");
    for (int i = 2; i <= 20000; i++) n += snprintf(src + n, cap - (size_t)n, "define d%d = d%d + 1\n", i, i - 1);
    snprintf(src + n, cap - (size_t)n, "rule r\n  set fund = d20000 * 1.00\n");
    char *text = NULL;
    yb_program *p = compile(src, &text);
    if (!p) fail_msg("%s", text);
    free(text);
    yb_vm *vm = yb_vm_new(p);
    int64_t o[16];
    assert_int_equal(settle(vm, "{\"claim_id\":\"1\",\"member_id\":\"m\",\"date\":\"2024-06-01\",\"level\":1,"
                                "\"items\":[{\"code\":\"a\",\"class\":\"A\",\"amount\":\"1\"}]}", o),
                     YB_RUN_SETTLED);
    assert_int_equal(o[2], 2000000); /* d20000 = 20000; x 1.00 = 20000.00 = 2,000,000 fen */
    yb_vm_free(vm);
    yb_program_free(p);
    /* 70,000: more registers than a policy may have, refused with a message */
    n = snprintf(src, cap, "%s", HEADER "define d1 = 1\n");
    for (int i = 2; i <= 70000; i++) n += snprintf(src + n, cap - (size_t)n, "define d%d = d%d + 1\n", i, i - 1);
    snprintf(src + n, cap - (size_t)n, "rule r\n  set fund = d70000 * 1.00\n");
    expect_error(src, "the policy needs more than 65535 registers");
    free(src);
}

/* Robustness #7: a source must be a regular file of at most
 * YB_MAX_SOURCE_BYTES; a pipe or an oversized file is refused, not read
 * until memory runs out (directories and devices: golden import_directory,
 * import_device). */
static void sources_are_regular_files_of_bounded_size(void **state)
{
    (void)state;
    char dir[] = "/tmp/yb_sourcesXXXXXX", fifo[64], big[64], src[160];
    assert_non_null(mkdtemp(dir));
    snprintf(fifo, sizeof fifo, "%s/fifo.yb", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    snprintf(src, sizeof src, "import \"%s\"\n", fifo);
    expect_error(src, "is not a regular file (a device, pipe or socket), expected a policy file");
    /* one byte over the limit (a sparse file: nothing is written) */
    snprintf(big, sizeof big, "%s/big.yb", dir);
    FILE *f = fopen(big, "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(truncate(big, YB_MAX_SOURCE_BYTES + 1), 0);
    snprintf(src, sizeof src, "import \"%s\"\n", big);
    expect_error(src, "is larger than 16 MiB, the most a policy file may hold");
    /* exactly at the limit it is read: its zero bytes are then not UTF-8 text */
    assert_int_equal(truncate(big, YB_MAX_SOURCE_BYTES), 0);
    expect_error(src, "this file is not valid UTF-8 text (byte 0x00)");
    unlink(big);
    unlink(fifo);
    rmdir(dir);
}

/* Robustness #2: an input field name the claim readers would refuse
 * (over YB_MAX_FIELD_NAME bytes) is refused by the compiler, with the limit;
 * at the limit it compiles. */
static void input_field_names_are_bounded(void **state)
{
    (void)state;
    size_t cap = 2 * YB_MAX_FIELD_NAME + 512; /* the name is written twice */
    char *src = malloc(cap), *name = malloc(YB_MAX_FIELD_NAME + 2);
    for (int len = YB_MAX_FIELD_NAME; len <= YB_MAX_FIELD_NAME + 1; len++) {
        memset(name, 'f', (size_t)len);
        name[len] = 0;
        snprintf(src, cap,
                 "policy \"t\" version \"1\" effective 2024-01-01\n"
                 "input claim { claim_id: text  date: date  %s: int optional }\n"
                 "output settlement { claim_id: text = claim_id  status  fund: money  reasons alerts }\n"
                 "dated by date\n"
                 "rule r when given(%s)\n  set fund = 1.00\n", name, name);
        char *text = NULL;
        yb_program *p = compile(src, &text);
        if (len == YB_MAX_FIELD_NAME) {
            if (!p) fail_msg("%s", text);
            yb_program_free(p);
        } else {
            assert_null(p);
            assert_non_null(strstr(text, "` is 4097 bytes; a claim's field names are at most 4096 bytes"));
        }
        free(text);
    }
    free(name);
    free(src);
}

/* Date constants stay within 0001-01-01 .. 9999-12-31 (YB_DATE_MIN ..
 * YB_DATE_MAX): a literal outside is not a date, and folded date arithmetic
 * that leaves the range says so. */
static void date_constants_stay_in_range(void **state)
{
    (void)state;
    expect_error(HEADER "define x = 9999-12-31 + 1 days\nrule r when x > date\n  set fund = 1.00\n",
                 "this date falls outside 0001-01-01 to 9999-12-31");
    expect_error(HEADER "define x = 0001-01-01 - 1 months\nrule r when x < date\n  set fund = 1.00\n",
                 "this date falls outside 0001-01-01 to 9999-12-31");
    expect_error(HEADER "define x = 0000-12-31\nrule r when x < date\n  set fund = 1.00\n", "not a calendar date");
    char *text = NULL;
    yb_program *p = compile(HEADER "define x = 9999-12-30 + 1 days\ndefine y = 0001-01-02 - 1 days\n"
                                   "rule r when x > date and y < date\n  set fund = 1.00\n", &text);
    if (!p) fail_msg("%s", text);
    free(text);
    yb_program_free(p);
}

/* --jobs (compiler/routing.c): 1 split by member_id, 2 by another field, 3
 * by groups of ids, 0 one worker (and then why contains `why`, if given). */
static int route_why(const char *src, const char *why)
{
    char *text = NULL;
    yb_program *p = compile(src, &text);
    if (!p) fail_msg("%s", text);
    free(text);
    int f = p->route_field > 0 ? p->route_field : 0;
    int r = !f ? 0 : p->route_plan->nids > 1 ? 3 : strcmp(p->schema.fields[f - 1].name, "member_id") == 0 ? 1 : 2;
    if (!f && why && !strstr(p->route_plan->why, why)) fail_msg("why: %s", p->route_plan->why);
    yb_program_free(p);
    return r;
}

static int route_of(const char *src) { return route_why(src, NULL); }

static void batches_split_by_the_field_every_state_keys_on(void **state)
{
    (void)state;
    /* keyed on member_id (through a define and an if choosing it both ways): split by member_id */
    assert_int_equal(route_of(HEADER "define who = if level = primary then member_id else member_id\n"
                                     "state t per who, year of date { n: int }\n"
                                     "state u per date, member_id { n: int }\n"
                                     "rule r\n  add 1 to t.n\n  add 1 to u.n\n"), 1);
    /* a report only added to merges by adding: still split */
    assert_int_equal(route_of(HEADER "state t per member_id { n: int }\n"
                                     "report k per level { claims: int  fund: money }\n"
                                     "rule r\n  add 1 to t.n\n  add 1 to k.claims\n  add fund to k.fund\n"), 1);
    /* a key choosing between two fields (a family account's payer): split by groups */
    assert_int_equal(route_of(HEADER "define payer = if level = primary then claim_id else member_id\n"
                                     "state t per payer { n: int }\nrule r\n  add 1 to t.n\n"), 3);
    /* two states on different fields: groups of both */
    assert_int_equal(route_of(HEADER "state t per member_id { n: int }\nstate u per claim_id { n: int }\n"
                                     "rule r\n  add 1 to t.n\n  add 1 to u.n\n"), 3);
    /* a state not keyed on a claim's text field at all: one worker */
    assert_int_equal(route_why(HEADER "state t per year of date { n: int }\nrule r\n  add 1 to t.n\n", "state `t` has no key"), 0);
    /* a field set from the entry's added fields after they are added: recomputed after the merge */
    assert_int_equal(route_of(HEADER "state t per member_id { n: int }\nreport k per level { n: int  m: int }\n"
                                     "rule r\n  add 1 to t.n\n  add 1 to k.n\n  set k.m = k.n * 2\n"), 1);
    /* ... under a condition that stays true once true (k.n only grows) */
    assert_int_equal(route_of(HEADER "state t per member_id { n: int }\nreport k per level { n: int  m: int }\n"
                                     "rule r\n  add 1 to t.n\n  add 1 to k.n\n  if k.n > 1 then\n    set k.m = k.n\n  end\n"), 1);
    /* a fixed field (a default, never written): kept from the entry opened first */
    assert_int_equal(route_of(HEADER "state t per member_id { n: int }\nreport k per level { n: int  m: int = 5 }\n"
                                     "rule r\n  add 1 to t.n\n  add 1 to k.n\n"), 1);
    /* refused: a set before an add, a condition that may turn false, an amount that may be
       negative under the condition, a report read elsewhere, a default added to, another
       `when`, a rule between the report and its set */
    assert_int_equal(route_why(HEADER "state t per member_id { n: int }\nreport k per level { n: int  m: int }\n"
                                      "rule r\n  add 1 to t.n\n  set k.m = k.n\n  add 1 to k.n\n", "added to after"), 0);
    assert_int_equal(route_why(HEADER "state t per member_id { n: int }\nreport k per level { n: int  m: int }\n"
                                      "rule r\n  add 1 to t.n\n  add 1 to k.n\n  if k.n < 3 then\n    set k.m = k.n\n  end\n",
                               "may turn false"), 0);
    assert_int_equal(route_why(HEADER "state t per member_id { n: int }\nreport k per level { n: money  m: int }\n"
                                      "rule r\n  add 1 to t.n\n  set fund = 1.00\n  add fund to k.n\n"
                                      "  if k.n > 0 then\n    set k.m = 1\n  end\n", "may turn false"), 0);
    assert_int_equal(route_why(HEADER "state t per member_id { n: int }\nreport k per level { n: int }\n"
                                      "rule r\n  add 1 to t.n\n  add 1 to k.n\n  set fund = k.n * 1.00\n", "reads a report"), 0);
    assert_int_equal(route_why(HEADER "state t per member_id { n: int }\nreport k per level { n: int  m: int }\n"
                                      "rule r\n  add 1 to t.n\n  add 1 to k.n\n  if level = primary then\n"
                                      "    add 0 to k.n\n    set k.m = k.n\n  end\n", "under a condition on the claim"), 0);
    assert_int_equal(route_why(HEADER "state t per member_id { n: int }\nreport k per level { n: int = 5 }\n"
                                      "rule r\n  add 1 to t.n\n  add 1 to k.n\n", "has a default and is written"), 0);
    assert_int_equal(route_why(HEADER "state t per member_id { n: int }\nreport k per level when level = primary { n: int  m: int }\n"
                                      "rule r\n  add 1 to t.n\n  add 1 to k.n\n  set k.m = k.n\n", "is not the `when`"), 0);
    assert_int_equal(route_why(HEADER "state t per member_id { n: int }\nreport k per level { n: int  m: int }\n"
                                      "rule q\n  add 1 to t.n\nrule r\n  add 1 to k.n\n  set k.m = k.n\n", "runs between"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(type_errors_name_the_mistake),
        cmocka_unit_test(batches_split_by_the_field_every_state_keys_on),
        cmocka_unit_test(typos_get_suggestions),
        cmocka_unit_test(chinese_names_are_measured_in_characters),
        cmocka_unit_test(message_values_are_reads),
        cmocka_unit_test(syntax_errors_say_what_was_expected),
        cmocka_unit_test(tables_must_be_complete),
        cmocka_unit_test(warnings_for_dead_code),
        cmocka_unit_test(settles_with_dated_parameters_and_running_totals),
        cmocka_unit_test(absent_optional_field_is_a_record_error),
        cmocka_unit_test(many_policies_in_one_process),
        cmocka_unit_test(whole_numbers_multiply_and_divide_money),
        cmocka_unit_test(long_membership_lists_and_fused_sums),
        cmocka_unit_test(parameters_of_enums_text_and_ranges),
        cmocka_unit_test(duplicates_and_shadowing_are_refused),
        cmocka_unit_test(review_fixes),
        cmocka_unit_test(a_block_is_never_hidden_by_a_warn_of_the_same_id),
        cmocka_unit_test(text_keys_are_found_among_many),
        cmocka_unit_test(deep_nesting_is_an_error_not_a_crash),
        cmocka_unit_test(outputs_added_after_their_last_write_are_not_copied),
        cmocka_unit_test(many_defines_compile_fast),
        cmocka_unit_test(sources_are_regular_files_of_bounded_size),
        cmocka_unit_test(input_field_names_are_bounded),
        cmocka_unit_test(date_constants_stay_in_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
