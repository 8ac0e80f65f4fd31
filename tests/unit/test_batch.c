/* The batch loop (io/batch.c) and the commands on it (run, explain, bench,
 * compare): a policy whose input shape no reader can read, bad inputs, and
 * what each command says of them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "bench.h"
#include "compare.h"
#include "compiler.h"
#include "explain_text.h"
#include "yb_limits.h"
#include "vm.h"

#define CLAIMS "tests/golden/bad_records/claims.jsonl"

static yb_program *compile_example(void)
{
    yb_diag d;
    yb_diag_init(&d, stderr);
    yb_program *p = yb_compile_file("examples/hunan-basic.yb", &d);
    yb_diag_free(&d);
    assert_non_null(p);
    return p;
}

/* Give the policy's first input field a name of n bytes. */
static void long_name(yb_program *p, size_t n)
{
    yb_field *f = &p->schema.fields[p->schema.root_first];
    free(f->name);
    f->name = malloc(n + 1);
    assert_non_null(f->name);
    memset(f->name, 'x', n);
    f->name[n] = 0;
}

/* What was written to f, as a string (malloc'd). */
static char *text_of(FILE *f)
{
    long n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    char *s = calloc((size_t)n + 1, 1);
    assert_non_null(s);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    return s;
}

static const char refusal[] = CLAIMS ": error: no claim can be read with this policy's input shape: the input field "
                              "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...\" has a name of 4097 bytes; "
                              "at most 4096 are read\n";

/* Robustness #2: a field name over YB_MAX_FIELD_NAME.  Every command reports
 * it once, clearly, and fails (today: bench crashed, explain said 0 settled
 * and exited 0, run said "Invalid argument"). */
static void test_reader_refused(void **state)
{
    (void)state;
    yb_program *p = compile_example(), *q = compile_example();
    long_name(p, YB_MAX_FIELD_NAME + 1);
    const char *inputs[] = {CLAIMS};

    FILE *errs = tmpfile(), *out = tmpfile();
    yb_run_opts ro = {.batch = {.in_format = -1, .errors = errs}, .out_format = YB_FMT_JSONL, .out = out};
    yb_vm *vm = yb_vm_new(p);
    yb_run_stats st;
    assert_false(yb_batch_run(vm, inputs, 1, &ro, &st));
    assert_int_equal(st.batch.done, 0);
    char *s = text_of(errs);
    assert_string_equal(s, refusal);
    free(s);
    yb_vm_free(vm);
    fclose(errs);

    yb_batch_opts o = {.in_format = -1, .errors = errs = tmpfile()};
    assert_int_equal(yb_explain_text(p, inputs, 1, &o, out), 1);
    s = text_of(errs);
    assert_non_null(strstr(s, refusal));
    assert_non_null(strstr(s, "0 settled, 0 errors\n"));
    free(s);
    fclose(errs);

    o.errors = errs = tmpfile();
    assert_int_equal(yb_bench_vm(p, CLAIMS, 1, &o), 1);
    s = text_of(errs);
    assert_non_null(strstr(s, refusal));
    free(s);
    fclose(errs);

    /* compare: whichever side cannot read, with its label */
    o.errors = errs = tmpfile();
    assert_int_equal(yb_compare(q, p, inputs, 1, &o, out), 1);
    s = text_of(errs);
    assert_non_null(strstr(s, CLAIMS ": error: new policy: no claim can be read with this policy's input shape: the input field"));
    free(s);
    fclose(errs);

    /* exactly YB_MAX_FIELD_NAME bytes is read (the field is then missing from
       every claim: each is a bad record, none a refusal) */
    long_name(p, YB_MAX_FIELD_NAME);
    o.errors = errs = tmpfile();
    assert_int_equal(yb_explain_text(p, inputs, 1, &o, out), 1);
    s = text_of(errs);
    assert_null(strstr(s, "input shape"));
    assert_non_null(strstr(s, "0 settled, 11 errors\n"));
    free(s);
    fclose(errs);

    fclose(out);
    yb_program_free(p);
    yb_program_free(q);
}

/* The progress line's wording and its time left, worked by hand. */
static void test_progress_line(void **state)
{
    (void)state;
    char buf[256] = "";
    FILE *f = fmemopen(buf, sizeof buf, "w");
    assert_non_null(f);
    /* 30,000 claims in 2 s: 15,000 claims/s; 25 of 100 bytes in 2 s: 75 left take 2 x 75 / 25 = 6 s */
    yb_batch_progress_line(f, 30000, 2.0, 25, 100, false);
    fclose(f);
    assert_string_equal(buf, "\r30000 claims, 15000 claims/s, 6 s left      ");
    f = fmemopen(buf, sizeof buf, "w");
    assert_non_null(f);
    /* the size unknown (standard input): no time left; the last line ends with a newline */
    yb_batch_progress_line(f, 30000, 2.0, 0, 0, false);
    yb_batch_progress_line(f, 40000, 2.5, 100, 100, true);
    fclose(f);
    assert_string_equal(buf, "\r30000 claims, 15000 claims/s   \r40000 claims, 16000 claims/s            \n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reader_refused),
        cmocka_unit_test(test_progress_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
