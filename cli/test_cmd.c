/* `yibao test FILE… [--coverage] [-v]` and `yibao coverage POLICY CLAIMS…`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "commands.h"
#include "compiler.h"
#include "coverage.h"
#include "testfile.h"
#include "vm.h"

static int usage(const char *msg, const char *arg)
{
    fprintf(stderr, "yibao: ");
    fprintf(stderr, msg, arg);
    fputs("\nusage: yibao test TESTFILE... [--coverage] [--json] [-v] [--native LIB=PATH]...\n"
          "       yibao coverage POLICY.yb|POLICY.ybc CLAIMS...|- [--json] [--native LIB=PATH]...\n",
          stderr);
    return 2;
}

int yb_cmd_test(int argc, char **argv)
{
    yb_native_libs libs = {0};
    yb_test_opts o = {stdout, stderr, false, NULL, &libs};
    bool coverage = false, json = false;
    int nfiles = 0, k;
    for (int i = 0; i < argc; i++) {
        if ((k = yb_native_option("test", argc, argv, &i, &libs)) != 0) {
            if (k < 0) { yb_native_libs_free(&libs); return 2; }
            argv[i - 1] = argv[i] = ""; /* not test files */
        } else if (strcmp(argv[i], "-v") == 0) o.verbose = true;
        else if (strcmp(argv[i], "--coverage") == 0) coverage = true;
        else if (strcmp(argv[i], "--json") == 0) json = true;
        else if (argv[i][0] == '-') { yb_native_libs_free(&libs); return usage("unknown option %s", argv[i]); }
        else if (argv[i][0]) nfiles++;
    }
    if (!nfiles || (json && !coverage)) yb_native_libs_free(&libs);
    if (!nfiles) return usage("test needs a test file%s", "");
    if (json && !coverage) return usage("--json is for --coverage%s", "");
    yb_coverage *cov = coverage ? yb_coverage_new() : NULL;
    if (coverage && !cov) { yb_native_libs_free(&libs); return 1; }
    o.cov = cov;
    yb_test_totals t = {0, 0};
    for (int i = 0; i < argc; i++)
        if (argv[i][0] != '-' && argv[i][0]) yb_test_file(argv[i], &o, &t);
    yb_native_libs_free(&libs);
    printf("%ld passed, %ld failed\n", t.passed, t.failed);
    bool ok = true;
    if (cov) {
        ok = yb_coverage_write(cov, stdout, json);
        yb_coverage_free(cov);
    }
    if (fflush(stdout) != 0) ok = false;
    return ok && t.failed == 0 ? 0 : 1;
}

typedef struct cov_ctx {
    yb_vm *vm;
    yb_coverage *cov;
    FILE *errs;
} cov_ctx;

static yb_batch_step cover_one(void *ctx, yb_claim *const *claims, const char *file, long line)
{
    cov_ctx *x = ctx;
    yb_coverage_attach(x->cov, x->vm);
    bool ok = yb_batch_settle(x->vm, claims[0], file, line, NULL, x->errs);
    yb_coverage_claim(x->cov, x->vm); /* a rule that rejects a claim is exercised too */
    return ok ? YB_BATCH_DONE : YB_BATCH_BAD;
}

int yb_cmd_coverage(int argc, char **argv)
{
    bool json = false;
    const char *policy = NULL;
    const char **inputs = calloc((size_t)argc + 1, sizeof *inputs);
    int ninputs = 0, k;
    yb_native_libs libs = {0};
    if (!inputs) return 1;
    for (int i = 0; i < argc; i++) {
        if ((k = yb_native_option("coverage", argc, argv, &i, &libs)) != 0) {
            if (k < 0) { yb_native_libs_free(&libs); free(inputs); return 2; }
        } else if (strcmp(argv[i], "--json") == 0) json = true;
        else if (argv[i][0] == '-' && argv[i][1]) { yb_native_libs_free(&libs); free(inputs); return usage("unknown option %s", argv[i]); }
        else if (!policy) policy = argv[i];
        else inputs[ninputs++] = argv[i];
    }
    yb_program *p = policy ? yb_load_policy(policy, false, &libs) : NULL;
    yb_native_libs_free(&libs);
    if (!policy) { free(inputs); return usage("coverage needs a policy and claims%s", ""); }
    cov_ctx x = {p ? yb_vm_new(p) : NULL, yb_coverage_new(), stderr};
    int rc = 1;
    if (x.vm && x.cov) {
        yb_batch_side side = {&p->schema, NULL};
        yb_batch_opts o = {.in_format = -1, .errors = stderr};
        yb_batch_stats st;
        bool ok = yb_batch_each(&side, 1, inputs, ninputs, &o, cover_one, &x, &st);
        if (!yb_coverage_write(x.cov, stdout, json) || fflush(stdout) != 0) ok = false;
        fprintf(stderr, "%ld settled, %ld errors\n", st.done, st.errors);
        rc = ok && st.errors == 0 ? 0 : 1;
    }
    yb_coverage_free(x.cov);
    yb_vm_free(x.vm);
    yb_program_free(p);
    free(inputs);
    return rc;
}
