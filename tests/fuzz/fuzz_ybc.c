/* Fuzz target: the .ybc loader and the verifier.
 *
 * A .ybc file carries an FNV-1a checksum of its body (vm/ybc.c), so nearly
 * every mutation would stop at the checksum.  When the input starts like a
 * .ybc file (its first byte is the signature's 0x89), the header is made
 * right first — signature, version, body length and checksum — and the
 * mutated body goes on to the section readers and the verifier.  Inputs that
 * start otherwise test the header checks themselves.
 *
 * Whatever loads has passed the verifier, so the VM must run it safely: it
 * settles the fixed claims of tests/fuzz/ybc-claims.jsonl (a record its input
 * shape does not accept is just a record error), with explanations, and it
 * is disassembled and written back out. */
#include "fuzz_common.h"

#ifndef YB_FUZZ_ROOT
#define YB_FUZZ_ROOT "."
#endif

static const unsigned char SIGNATURE[8] = {0x89, 'Y', 'B', 'C', '\r', '\n', 0x1a, '\n'};

static uint64_t fnv1a(const unsigned char *p, size_t n) /* the format's checksum (vm/ybc.c) */
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

static void put_le(unsigned char *at, uint64_t v, int n)
{
    for (int i = 0; i < n; i++) at[i] = (unsigned char)(v >> (8 * i));
}

typedef struct claims_text {
    unsigned char *p;
    size_t n;
} claims_text;

static claims_text fixed_claims(void)
{
    claims_text t = {NULL, 0};
    FILE *f = fopen(YB_FUZZ_ROOT "/tests/fuzz/ybc-claims.jsonl", "rb");
    if (!f) abort();
    size_t cap = 1 << 16;
    t.p = malloc(cap);
    if (!t.p) abort();
    t.n = fread(t.p, 1, cap, f);
    fclose(f);
    return t;
}

static claims_text claims; /* read once at start: the same claims for every input */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    claims = fixed_claims();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *file = malloc(size ? size : 1);
    if (!file) return 0;
    memcpy(file, data, size);
    if (size >= 32 && file[0] == SIGNATURE[0]) {
        memcpy(file, SIGNATURE, 8);
        put_le(file + 8, YBC_VERSION, 4);
        put_le(file + 16, size - 32, 8);
        put_le(file + 24, fnv1a(file + 32, size - 32), 8);
    }
    char err[512];
    yb_program *p = yb_ybc_read(file, size, err, sizeof err);
    free(file);
    if (!p) return 0;
    fz_settle(p, claims.p, claims.n, YB_FMT_JSONL, 1, 0);
    yb_disasm(p, fz_sink());
    unsigned char *again = NULL;
    size_t len = 0;
    if (!yb_ybc_write_mem(p, &again, &len)) abort();
    yb_program *back = yb_ybc_read(again, len, err, sizeof err);
    if (!back) {
        fprintf(stderr, "a loaded program does not load back after writing: %s\n", err);
        abort();
    }
    yb_program_free(back);
    free(again);
    yb_program_free(p);
    return 0;
}
