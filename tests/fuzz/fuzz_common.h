/* What the fuzz targets share: a sink for output, compiling a policy from
 * memory, and settling a claims text the way `yibao run` does (reader ->
 * VM -> settlement writer, then the batch reports), with the settlement
 * invariants of docs/claim-schema.md checked on every settled claim when the
 * policy has those outputs.  A broken invariant or an internal compiler error
 * aborts, so libFuzzer reports it like a crash.
 *
 * Only public headers: the library's files move, its interfaces stay. */
#ifndef YB_FUZZ_COMMON_H
#define YB_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claim_reader.h"
#include "compiler.h"
#include "report.h"
#include "settlement_writer.h"
#include "vm.h"

/* Output nobody reads; writing it still runs every formatting path. */
static inline FILE *fz_sink(void)
{
    static FILE *sink; /* opened once per process, never written to by two targets */
    if (!sink) sink = fopen("/dev/null", "w");
    if (!sink) abort();
    return sink;
}

/* A diagnostic whose message starts "internal:" ("FILE:L:C: error: internal: …").
 * Source lines are echoed under a diagnostic (indented) and an unreadable
 * import's name is quoted in backticks, so the words alone prove nothing: the
 * message must start a line or follow its location, with no quote before it. */
static inline int fz_internal_error(const char *log)
{
    for (const char *line = log; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) : strlen(line);
        for (const char *at = line; *line != ' ' && (at = strstr(at, "error: internal: ")) && at < line + n; at++) {
            if (memchr(line, '`', (size_t)(at - line))) break;
            if (at == line || (at - line >= 2 && at[-2] == ':' && at[-1] == ' ')) return 1;
        }
        line = end ? end + 1 : NULL;
    }
    return 0;
}

/* Compile `text` as if it were the file `name`; NULL on any diagnostic.  A
 * diagnostic that starts "internal:" is the compiler contradicting itself
 * (e.g. code that does not verify): that aborts. */
static inline yb_program *fz_compile(const char *name, const char *text)
{
    char *log = NULL;
    size_t loglen = 0;
    FILE *out = open_memstream(&log, &loglen);
    if (!out) abort();
    yb_diag d;
    yb_diag_init(&d, out);
    yb_program *p = yb_compile_string(name, text, &d);
    yb_diag_free(&d);
    fclose(out);
    if (log && fz_internal_error(log)) {
        fprintf(stderr, "the compiler reported an internal error:\n%s\n", log);
        abort();
    }
    free(log);
    return p;
}

static inline int fz_out(const yb_program *p, const char *name)
{
    for (int i = 0; i < p->nouts; i++)
        if (strcmp(p->outs[i].name, name) == 0) return i;
    return -1;
}

/* The settlement invariants (docs/claim-schema.md; tests/invariants.awk checks
 * the same on printed output).  Returns NULL when they hold. */
static inline const char *fz_broken_invariant(const yb_program *p, const yb_vm *vm)
{
    static const char *const names[] = {"total", "fund", "copay", "selfpay", "basic",
                                        "large", "critical", "assistance", "account", "cash"};
    int64_t v[10];
    for (int k = 0; k < 10; k++) {
        int o = fz_out(p, names[k]);
        if (o < 0) return NULL; /* not a policy of the claim schema: nothing to hold it to */
        v[k] = vm->regs[o];
        if (v[k] < 0) return names[k];
    }
    /* every value is in [0, INT64_MAX]: the sums below are done in unsigned 64 bits, exactly */
    uint64_t total = (uint64_t)v[0], fund = (uint64_t)v[1], copay = (uint64_t)v[2], selfpay = (uint64_t)v[3];
    if (total != fund + copay + selfpay) return "total = fund + copay + selfpay";
    if (fund != (uint64_t)v[4] + (uint64_t)v[5] + (uint64_t)v[6] + (uint64_t)v[7])
        return "fund = basic + large + critical + assistance";
    if (copay + selfpay != (uint64_t)v[8] + (uint64_t)v[9]) return "copay + selfpay = account + cash";
    if (v[8] > v[2]) return "account <= copay";
    if (vm->held && fund != 0) return "a held claim has fund 0";
    return NULL;
}

static inline void fz_text_of(void *ctx, int64_t v, const char **s, uint32_t *n) { yb_vm_text(ctx, v, s, n); }

/* Settle every claim of `data` under `p` with a fresh VM (no running totals
 * carried from one fuzz input to the next), write the settlements and the
 * reports to the sink.  Returns the number of claims settled. */
static inline long fz_settle(const yb_program *p, const uint8_t *data, size_t size, yb_format fmt, int explain,
                      int check_invariants)
{
    if (size == 0) return 0; /* fmemopen refuses an empty buffer; an empty input holds no claim */
    FILE *in = fmemopen((void *)data, size, "rb");
    yb_vm *vm = yb_vm_new(p);
    yb_claim *c = yb_claim_new(&p->schema);
    yb_writer *w = yb_writer_open(fz_sink(), fmt, p->outs, p->nouts, p->schema.enums);
    char why[256] = "";
    yb_reader *r = in ? yb_reader_open_opts(&p->schema, in, "fuzz", fmt, NULL, why, sizeof why) : NULL;
    if (!in || !vm || !c || !w) abort();
    if (!r) { /* an input shape the readers refuse (the CLI says so and stops): nothing to settle */
        /* under ASan an allocation does not fail quietly, so "out of memory" here is a wrong reason */
        if (strstr(why, "out of memory")) {
            fprintf(stderr, "the reader refused the input shape saying: %s\n", why);
            abort();
        }
        yb_writer_close(w);
        fclose(in);
        yb_claim_free(c);
        yb_vm_free(vm);
        return 0;
    }
    const char *reasons[YB_MAX_REASONS];
    yb_alert alerts[YB_MAX_ALERTS];
    yb_record_error err;
    long settled = 0;
    int rc;
    while ((rc = yb_reader_next(r, c, &err)) != 0) {
        if (rc < 0 || yb_vm_run(vm, c) != YB_RUN_SETTLED) continue;
        settled++;
        const char *why = check_invariants ? fz_broken_invariant(p, vm) : NULL;
        if (why) {
            fprintf(stderr, "settlement invariant broken on the claim at line %ld: %s\n", c->line, why);
            abort();
        }
        for (int k = 0; k < vm->nreasons; k++) reasons[k] = p->reasons[vm->reasons[k]];
        for (int k = 0; k < vm->nalerts; k++) {
            const yb_alert_desc *a = &p->alerts[vm->alerts[k]];
            alerts[k] = (yb_alert){a->id, (uint32_t)strlen(a->id), a->severity, a->message, (uint32_t)strlen(a->message), 0};
        }
        yb_settlement s = {vm->regs, vm->held, reasons, vm->nreasons, alerts, vm->nalerts, NULL, 0, fz_text_of, vm, NULL};
        if (explain) {
            yb_vm_explain(vm);
            s.explain = vm->xbuf;
            s.explain_len = vm->xlen;
        }
        if (!yb_writer_put(w, &s)) abort();
    }
    if (!yb_writer_close(w) || !yb_write_reports(vm, fz_sink())) abort();
    yb_reader_close(r);
    fclose(in);
    yb_claim_free(c);
    yb_vm_free(vm);
    return settled;
}


/* A claim-reader target: the standard policy compiled once at start, then every
 * input read in FORMAT and settled (with explanations when EXPLAIN). */
#ifndef YB_FUZZ_ROOT
#define YB_FUZZ_ROOT "."
#endif
#define FZ_READER_TARGET(FORMAT, EXPLAIN)                                              \
    static yb_program *policy; /* compiled once; read-only afterwards */             \
    int LLVMFuzzerInitialize(int *argc, char ***argv)                                \
    {                                                                                 \
        (void)argc;                                                                   \
        (void)argv;                                                                   \
        yb_diag d;                                                                    \
        yb_diag_init(&d, stderr);                                                     \
        policy = yb_compile_file(YB_FUZZ_ROOT "/stdlib-policies/hunan.yb", &d);       \
        yb_diag_free(&d);                                                             \
        if (!policy) abort();                                                         \
        return 0;                                                                     \
    }                                                                                 \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)                     \
    {                                                                                 \
        fz_settle(policy, data, size, FORMAT, EXPLAIN, 1);                            \
        return 0;                                                                     \
    }

#endif
