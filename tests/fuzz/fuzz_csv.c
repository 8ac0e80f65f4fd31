/* Fuzz target: the CSV claim reader on arbitrary input, under the standard
 * policy (stdlib-policies/hunan.yb, compiled once at start).  Every claim the
 * reader accepts is settled without explanations (fuzz_jsonl covers those),
 * written out as settlements and summed into the batch reports; each
 * settlement must keep the invariants of docs/claim-schema.md. */
#include "fuzz_common.h"

#ifndef YB_FUZZ_ROOT
#define YB_FUZZ_ROOT "."
#endif

static yb_program *policy; /* compiled once; read-only afterwards */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    yb_diag d;
    yb_diag_init(&d, stderr);
    policy = yb_compile_file(YB_FUZZ_ROOT "/stdlib-policies/hunan.yb", &d);
    yb_diag_free(&d);
    if (!policy) abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_settle(policy, data, size, YB_FMT_CSV, 0, 1);
    return 0;
}
