/* Malformed policy sources never crash the compiler: the example policy,
 * truncated, with bytes flipped, deleted, duplicated and lines swapped, is
 * compiled thousands of times under ASan/UBSan (a fixed seed: repeatable).
 * Whatever compiles must also verify and survive a round trip to .ybc. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = 0;
    fclose(f);
    *len = (size_t)n;
    return s;
}

static uint64_t next(uint64_t *s)
{
    *s += 0x9e3779b97f4a7c15ULL;
    uint64_t z = *s;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int compile_text(const char *text, int *ok)
{
    FILE *sink = fopen("/dev/null", "w");
    yb_diag d;
    yb_diag_init(&d, sink);
    yb_program *p = yb_compile_string("fuzz.yb", text, &d);
    int errors = d.errors;
    if (p) {
        unsigned char *bytes;
        size_t n;
        char err[256];
        yb_ybc_write_mem(p, &bytes, &n);
        yb_program *q = yb_ybc_read(bytes, n, err, sizeof err);
        if (!q) fail_msg("a program that compiled did not load back: %s", err);
        yb_program_free(q);
        free(bytes);
        yb_program_free(p);
        (*ok)++;
    }
    yb_diag_free(&d);
    fclose(sink);
    return errors;
}

/* The standard policy as one text: hunan.yb with every import replaced by the
 * module it names (modules import nothing themselves). */
static char *standard_policy_text(size_t *len)
{
    size_t n;
    char *entry = read_file("stdlib-policies/hunan.yb", &n);
    size_t cap = 1 << 20, used = 0;
    char *out = malloc(cap);
    for (char *line = strtok(entry, "\n"); line; line = strtok(NULL, "\n")) {
        char path[256];
        if (sscanf(line, "import \"%200[^\"]\"", path) == 1) {
            char full[300];
            snprintf(full, sizeof full, "stdlib-policies/%s", path);
            size_t m;
            char *mod = read_file(full, &m);
            assert_true(used + m + 2 < cap);
            memcpy(out + used, mod, m);
            used += m;
            out[used++] = '\n';
            free(mod);
        } else {
            size_t m = strlen(line);
            assert_true(used + m + 2 < cap);
            memcpy(out + used, line, m);
            used += m;
            out[used++] = '\n';
        }
    }
    out[used] = 0;
    free(entry);
    *len = used;
    return out;
}

static void mutate_and_compile(char *src, size_t len, uint64_t seed, int rounds, const char *what)
{
    char *buf = malloc(len * 2 + 64);
    int compiled = 0;
    const char *tokens[] = {"(", ")", "{", "}", "[", "]", ",", ":", "=", "+", "*", "/", "-", "%", "\"", "#", "\n",
                            "rule ", "when ", "sum of ", " in ", "define ", "if ", "then ", "else ", "end ", "tiered ",
                            "state ", "param ", "from 2024-01-01:", " 3 months", " 85%", " 1.5 ", " items", " year of ",
                            "起付线", "\xff", "\xe4\xb8", "0", "99999999999999999999"};
    for (int round = 0; round < rounds; round++) {
        memcpy(buf, src, len + 1);
        size_t n = len;
        int edits = 1 + (int)(next(&seed) % 4);
        for (int e = 0; e < edits; e++) {
            size_t at = n ? next(&seed) % n : 0;
            switch (next(&seed) % 5) {
            case 0: /* truncate */
                n = at;
                break;
            case 1: /* flip a byte */
                if (n) buf[at] = (char)(buf[at] ^ (1 << (next(&seed) % 8)));
                break;
            case 2: { /* delete a run */
                size_t k = 1 + next(&seed) % 40;
                if (at + k > n) k = n - at;
                memmove(buf + at, buf + at + k, n - at - k);
                n -= k;
                break;
            }
            case 3: { /* insert a token */
                const char *t = tokens[next(&seed) % (sizeof tokens / sizeof tokens[0])];
                size_t k = strlen(t);
                if (n + k < len * 2) {
                    memmove(buf + at + k, buf + at, n - at);
                    memcpy(buf + at, t, k);
                    n += k;
                }
                break;
            }
            default: { /* duplicate a run */
                size_t k = 1 + next(&seed) % 80;
                if (at + k > n) k = n - at;
                if (n + k < len * 2) {
                    memmove(buf + at + k, buf + at, n - at);
                    n += k;
                }
                break;
            }
            }
        }
        buf[n] = 0;
        /* an embedded NUL ends the text early: the compiler sees a shorter file, as it should */
        compile_text(buf, &compiled);
    }
    print_message("%s: %d of %d mutated sources still compiled\n", what, compiled, rounds);
    free(buf);
}

static void mutated_policies_never_crash(void **state)
{
    (void)state;
    size_t len;
    char *src = read_file("examples/hunan-basic.yb", &len);
    mutate_and_compile(src, len, 2025, 2500, "example policy");
    free(src);
}

static void the_standard_policy_compiles_whole_and_mutated(void **state)
{
    (void)state;
    size_t len;
    char *src = standard_policy_text(&len);
    int ok = 0;
    assert_int_equal(compile_text(src, &ok), 0); /* whole, it compiles without errors */
    assert_int_equal(ok, 1);
    mutate_and_compile(src, len, 7, 1500, "standard policy");
    free(src);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mutated_policies_never_crash),
        cmocka_unit_test(the_standard_policy_compiles_whole_and_mutated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
