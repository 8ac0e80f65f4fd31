/* Fuzz target: the language server (lsp/) on arbitrary bytes as its standard
 * input: framing, JSON, dispatch, documents opened and edited (each compiled,
 * with its cross-reference index, compiler/xref.c) and every query on them.
 * Whatever arrives, the server answers or refuses and never crashes; the
 * seeds (tests/fuzz/corpus/fuzz_lsp/) are whole editor sessions. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "lsp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!size) return 0; /* fmemopen of nothing is an error */
    FILE *in = fmemopen((void *)data, size, "r");
    FILE *out = fopen("/dev/null", "w");
    if (!in || !out) abort();
    lsp_serve(in, out);
    fclose(in);
    fclose(out);
    return 0;
}
