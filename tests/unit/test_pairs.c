/* The joined handlers of vm/pairs.def do the work of the two instructions
 * they join.  The standard policy and the example settle every claim of
 * examples/corpus.jsonl (and a few variants of its first claim, some of them
 * records in error) on a VM that joins pairs and
 * on one that does not (vm->unpaired), one claim after the other on one VM
 * each, so the running totals are new, then not.  The first VM also hashes
 * each prefetched key once (STPREF's hash serves STOPEN), the second twice.  They must agree on the
 * status, the error message (which names the policy line of the instruction
 * at fault: the second of a pair names its own), the reasons, the alerts,
 * and every register. */
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

static yb_program *compile(const char *path)
{
    yb_diag d;
    yb_diag_init(&d, stderr);
    yb_program *p = yb_compile_file(path, &d);
    yb_diag_free(&d);
    assert_non_null(p);
    return p;
}

static int run(yb_vm *vm, const char *line, size_t n)
{
    FILE *in = fmemopen((void *)line, n, "r");
    yb_reader *r = yb_reader_open(&vm->p->schema, in, "mem", YB_FMT_JSONL);
    yb_claim *c = yb_claim_new(&vm->p->schema);
    yb_record_error err;
    int rc = yb_reader_next(r, c, &err) == 1 ? (int)yb_vm_run(vm, c) : -1;
    yb_claim_free(c);
    yb_reader_close(r);
    fclose(in);
    return rc;
}

static void same_outcome(const yb_vm *a, const yb_vm *b, int ra, int rb, int line)
{
    if (ra != rb) fail_msg("line %d: status %d joined, %d plain", line, ra, rb);
    if (ra == YB_RUN_RECORD_ERROR) {
        assert_string_equal(a->err.message, b->err.message);
        assert_string_equal(a->err.field, b->err.field);
        return;
    }
    assert_int_equal(a->held, b->held);
    assert_int_equal(a->nreasons, b->nreasons);
    assert_memory_equal(a->reasons, b->reasons, (size_t)a->nreasons * sizeof *a->reasons);
    assert_int_equal(a->nalerts, b->nalerts);
    assert_memory_equal(a->alerts, b->alerts, (size_t)a->nalerts * sizeof *a->alerts);
    for (int r = 0; r < a->p->nregs; r++)
        if (a->regs[r] != b->regs[r])
            fail_msg("line %d: r%d: %lld joined, %lld plain", line, r, (long long)a->regs[r], (long long)b->regs[r]);
}

/* The first line with `from` replaced by `to` (into buf). */
static const char *variant(const char *line, const char *from, const char *to, char *buf, size_t n)
{
    const char *at = strstr(line, from);
    assert_non_null(at);
    snprintf(buf, n, "%.*s%s%s", (int)(at - line), line, to, at + strlen(from));
    return buf;
}

static int settle_all(const char *policy, int *joined)
{
    yb_program *p = compile(policy);
    yb_vm *a = yb_vm_new(p), *b = yb_vm_new(p);
    assert_non_null(a);
    assert_non_null(b);
    b->unpaired = true;
    /* a prefetches every state's key and opens it with the prefetch's hash
       (vm.h, prefetch_min_keys); b prefetches none of these small ledgers */
    a->prefetch_min_keys = 0;
    FILE *f = fopen("examples/corpus.jsonl", "r");
    assert_non_null(f);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int lines = 0;
    while ((n = getline(&line, &cap, f)) > 0) {
        lines++;
        same_outcome(a, b, run(a, line, (size_t)n), run(b, line, (size_t)n), lines);
    }
    /* records in error: a visit before the policy takes effect, a level that
       is no level, a claim again (its member's totals are not new) */
    const char *changes[][2] = {{"\"date\":\"2025-01-01\"", "\"date\":\"1990-01-01\""},
                                {"\"level\":0", "\"level\":9"},
                                {"\"claim_id\":\"HN2025000001\"", "\"claim_id\":\"HN2025000001\""}};
    rewind(f);
    assert_true(getline(&line, &cap, f) > 0);
    char buf[8192];
    for (size_t i = 0; i < sizeof changes / sizeof *changes; i++) {
        const char *v = variant(line, changes[i][0], changes[i][1], buf, sizeof buf);
        same_outcome(a, b, run(a, v, strlen(v)), run(b, v, strlen(v)), -(int)i - 1);
    }
    free(line);
    fclose(f);
    *joined = a->npaired;
    assert_int_equal(b->npaired, 0);
    yb_vm_free(a);
    yb_vm_free(b);
    yb_program_free(p);
    return lines;
}

static void standard_policy_joined_as_plain(void **state)
{
    (void)state;
    int joined;
    assert_true(settle_all("stdlib-policies/hunan.yb", &joined) > 300);
#if defined(__GNUC__) && !defined(YB_SWITCH_DISPATCH)
    /* most of its instructions open a pair */
    assert_true(joined > 150);
#endif
}

static void example_joined_as_plain(void **state)
{
    (void)state;
    int joined;
    assert_true(settle_all("examples/hunan-basic.yb", &joined) > 300);
#if defined(__GNUC__) && !defined(YB_SWITCH_DISPATCH)
    assert_true(joined > 20);
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(standard_policy_joined_as_plain),
        cmocka_unit_test(example_joined_as_plain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
