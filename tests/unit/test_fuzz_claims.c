/* Odd claims never crash the VM: the corpus, with digits changed, numbers
 * made huge, dates and enums bent and fields dropped, is settled by the
 * standard policy under ASan/UBSan (a fixed seed: repeatable).  Every record
 * either settles with the invariants holding or is reported as an error. */
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

static uint64_t next(uint64_t *s)
{
    *s += 0x9e3779b97f4a7c15ULL;
    uint64_t z = *s;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int find_out(const yb_program *p, const char *name)
{
    for (int i = 0; i < p->nouts; i++)
        if (strcmp(p->outs[i].name, name) == 0) return i;
    return -1;
}

static void odd_claims_settle_or_fail_cleanly(void **state)
{
    (void)state;
    yb_diag d;
    yb_diag_init(&d, stderr);
    yb_program *p = yb_compile_file("stdlib-policies/hunan.yb", &d);
    yb_diag_free(&d);
    assert_non_null(p);
    FILE *f = fopen("examples/corpus.jsonl", "rb");
    assert_non_null(f);
    char **lines = NULL;
    size_t n = 0, cap = 0;
    char buf[65536];
    while (fgets(buf, sizeof buf, f)) {
        if (n == cap) lines = realloc(lines, (cap = cap ? cap * 2 : 512) * sizeof *lines);
        lines[n++] = strdup(buf);
    }
    fclose(f);
    /* one text with every mutated line, read as a batch */
    size_t tcap = 1 << 24, tlen = 0;
    char *text = malloc(tcap);
    uint64_t seed = 77;
    const char *swaps[] = {"99999999999", "9999999999999.99", "0", "0.01", "\"2024-02-29\"", "\"1900-01-01\"",
                           "\"9999-12-31\"", "\"newborn\"", "\"retired\"", "\"C\"", "true", "null", "4", "-1"};
    for (int r = 0; r < 6000; r++) {
        const char *src = lines[next(&seed) % n];
        size_t len = strlen(src);
        char line[70000];
        memcpy(line, src, len + 1);
        int edits = 1 + (int)(next(&seed) % 3);
        for (int e = 0; e < edits; e++) {
            size_t at = next(&seed) % (len ? len : 1);
            if (next(&seed) % 2) { /* change a digit */
                while (at < len && (line[at] < '0' || line[at] > '9')) at++;
                if (at < len) line[at] = (char)('0' + next(&seed) % 10);
            } else { /* replace the value after a colon with another one */
                char *colon = strchr(line + at, ':');
                if (!colon) continue;
                char *end = colon + 1;
                if (*end == '{' || *end == '[') continue;
                while (*end && *end != ',' && *end != '}') end++;
                const char *w = swaps[next(&seed) % (sizeof swaps / sizeof swaps[0])];
                size_t wl = strlen(w), rest = strlen(end);
                if ((size_t)(colon + 1 - line) + wl + rest + 1 > sizeof line) continue;
                memmove(colon + 1 + wl, end, rest + 1);
                memcpy(colon + 1, w, wl);
                len = strlen(line);
            }
        }
        len = strlen(line);
        if (tlen + len + 2 > tcap) break;
        memcpy(text + tlen, line, len);
        tlen += len;
        if (len && line[len - 1] != '\n') text[tlen++] = '\n';
    }
    FILE *in = fmemopen(text, tlen, "r");
    yb_reader *r = yb_reader_open(&p->schema, in, "mutated", YB_FMT_JSONL);
    yb_claim *c = yb_claim_new(&p->schema);
    yb_vm *vm = yb_vm_new(p);
    yb_record_error err;
    int rc, settled = 0, bad = 0;
    int total = find_out(p, "total"), fund = find_out(p, "fund"), copay = find_out(p, "copay"), selfpay = find_out(p, "selfpay");
    while ((rc = yb_reader_next(r, c, &err)) != 0) {
        if (rc < 0 || yb_vm_run(vm, c) != YB_RUN_SETTLED) {
            bad++;
            continue;
        }
        settled++;
        /* the split always conserves, whatever the claim */
        if (vm->regs[total] != vm->regs[fund] + vm->regs[copay] + vm->regs[selfpay])
            fail_msg("line %ld: total != fund + copay + selfpay", c->line);
    }
    print_message("odd claims: %d settled, %d reported as errors\n", settled, bad);
    assert_true(settled > 100);
    yb_vm_free(vm);
    yb_claim_free(c);
    yb_reader_close(r);
    fclose(in);
    free(text);
    for (size_t i = 0; i < n; i++) free(lines[i]);
    free(lines);
    yb_program_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(odd_claims_settle_or_fail_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
