/* Fuzz target: the policy compiler on arbitrary source bytes.
 *
 * The source is compiled from memory as if it were a file in
 * stdlib-policies/ (YB_FUZZ_ROOT is the repository, set by the Makefile), so
 * an `import "vocabulary.yb"` finds the standard modules and a seed such as
 * hunan.yb compiles whole.  Nothing is settled.  A program that compiles must
 * also survive what a bureau does with it: disassembly, and a round trip
 * through the .ybc format whose reader verifies it again. */
#include "fuzz_common.h"

#ifndef YB_FUZZ_ROOT
#define YB_FUZZ_ROOT "."
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = 0; /* yb_compile_string takes a C string: the source ends at a NUL */
    yb_program *p = fz_compile(YB_FUZZ_ROOT "/stdlib-policies/fuzz-input.yb", text);
    free(text);
    if (!p) return 0;
    yb_disasm(p, fz_sink());
    unsigned char *ybc = NULL;
    size_t len = 0;
    char err[512];
    if (!yb_ybc_write_mem(p, &ybc, &len)) abort();
    yb_program *back = yb_ybc_read(ybc, len, err, sizeof err);
    if (!back) {
        fprintf(stderr, "a compiled program does not load back from .ybc: %s\n", err);
        abort();
    }
    yb_program_free(back);
    free(ybc);
    yb_program_free(p);
    return 0;
}
