/* Fuzz target: the policy compiler on arbitrary source bytes.
 *
 * The source is compiled from memory as if it were a file in
 * stdlib-policies/ (YB_FUZZ_ROOT is the repository, set by the Makefile), so
 * an `import "vocabulary.yb"` finds the standard modules and a seed such as
 * hunan.yb compiles whole.  Nothing is settled.  A program that compiles must
 * also survive what a bureau does with it: disassembly, and a round trip
 * through the .ybc format whose reader verifies it again; and its
 * cross-reference index is built whether it compiles or not. */
#include "fuzz_common.h"
#include "xref.h"

#ifndef YB_FUZZ_ROOT
#define YB_FUZZ_ROOT "."
#endif

/* The cross-reference index of the same text (the language server's, `yibao doc`'s),
 * compiled or not: every use names a declaration, every position answers. */
static void fz_xref(const char *name, const char *text)
{
    yb_diag d;
    yb_diag_init(&d, fz_sink());
    yb_xref *x = yb_xref_build(&d, name, text);
    for (int i = 0; i < x->nuses; i++)
        if (x->uses[i].decl < 0 || x->uses[i].decl >= x->ndecls || x->uses[i].in >= x->ndecls) abort();
    for (int i = 0; i < x->ndecls; i++)
        if (x->decls[i].parent >= x->ndecls || x->decls[i].loc.file >= d.nfiles) abort();
    for (int line = 1; line <= 24; line++)
        for (int col = 1; col <= 48; col++) yb_xref_at(x, 0, line, col, NULL);
    yb_xref_free(x);
    yb_diag_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = 0; /* yb_compile_string takes a C string: the source ends at a NUL */
    yb_program *p = fz_compile(YB_FUZZ_ROOT "/stdlib-policies/fuzz-input.yb", text);
    fz_xref(YB_FUZZ_ROOT "/stdlib-policies/fuzz-input.yb", text);
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
