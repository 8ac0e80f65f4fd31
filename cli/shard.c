/* `yibao shard POLICY CLAIMS... -n N -o DIR`: the claims split into
 * DIR/part-0.jsonl … part-(N-1).jsonl by the routing of `run --jobs`
 * (io/batch_jobs.c): every claim that can meet a state entry lands in the
 * same part, in input order, so the parts can be settled anywhere (Dask,
 * Slurm array tasks, Spark partitions) and their settlements and reports
 * merged (`yibao merge-reports`, contrib/dask/).  A policy whose claims
 * are routed by family groups (compiler/routing.c) has its inputs read
 * twice, the groups first (standard input is spooled to a temporary file
 * for that).  A policy whose states cannot be split puts every claim in
 * part 0 (and says why). */
#include "shard.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "report.h"
#include "report_merge.h"
#include "report_read.h"
#include "route_key.h"
#include "route_plan.h"

/* Every line of in, learnt (parts NULL: the groups' pre-pass) or written
 * to its part. */
static bool shard_file(yb_router *r, FILE *in, FILE **parts, int n, const char *name)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    long lineno = 0;
    bool ok = true;
    while (ok && (len = getline(&line, &cap, in)) >= 0) {
        lineno++;
        size_t body = (size_t)len - (len > 0 && line[len - 1] == '\n');
        if (!parts) {
            if (!yb_router_learn(r, line, body, lineno)) {
                fprintf(stderr, "yibao: out of memory\n");
                ok = false;
            }
            continue;
        }
        int k = yb_router_route(r, line, body, lineno);
        if (fwrite(line, 1, body, parts[k]) != body || fputc('\n', parts[k]) == EOF) ok = false;
    }
    if (ok && ferror(in)) {
        fprintf(stderr, "yibao: cannot read %s: %s\n", name, strerror(errno));
        ok = false;
    }
    free(line);
    return ok;
}

/* Standard input copied to a temporary file, read from its start. */
static FILE *spool(FILE *in)
{
    FILE *t = tmpfile();
    char buf[1 << 16];
    size_t n;
    while (t && (n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, t) != n) {
            fclose(t);
            return NULL;
        }
    if (t && (ferror(in) || fflush(t) != 0 || fseek(t, 0, SEEK_SET) != 0)) {
        fclose(t);
        return NULL;
    }
    return t;
}

/* Every input through shard_file (the groups' pre-pass when parts is NULL). */
static bool each_input(yb_router *r, const char *const *inputs, int ninputs, FILE **parts, int n, FILE *std_in)
{
    bool ok = true;
    for (int i = 0; ok && i < (ninputs ? ninputs : 1); i++) {
        const char *path = ninputs ? inputs[i] : "-";
        bool std = strcmp(path, "-") == 0;
        FILE *in = std ? std_in : fopen(path, "rb");
        if (!in) {
            fprintf(stderr, "yibao: cannot open %s: %s\n", path, strerror(errno));
            return false;
        }
        ok = shard_file(r, in, parts, n, std ? "<stdin>" : path);
        if (!std) fclose(in);
    }
    return ok;
}

int yb_cmd_shard(const yb_program *p, int n, const char *dir, const char *const *inputs, int ninputs)
{
    FILE *parts[64];
    if (n < 1 || n > 64) return 2;
    bool oom = false;
    yb_router *r = yb_router_new(p, n, &oom);
    if (oom) {
        fprintf(stderr, "yibao: out of memory\n");
        return 1;
    }
    if (!r && n > 1)
        fprintf(stderr, "yibao: the policy's claims cannot be split (%s): every claim goes to part 0\n",
                p->route_plan && p->route_plan->why[0] ? p->route_plan->why : "the policy has no routing plan");
    bool ok = true;
    FILE *std_in = stdin;
    bool spooled = false;
    if (yb_router_grouped(r)) {
        for (int i = 0; i < ninputs; i++) spooled |= strcmp(inputs[i], "-") == 0;
        if (spooled || !ninputs) {
            spooled = true;
            if (!(std_in = spool(stdin))) {
                fprintf(stderr, "yibao: cannot keep standard input in a temporary file: %s\n", strerror(errno));
                yb_router_free(r);
                return 1;
            }
        }
        ok = each_input(r, inputs, ninputs, NULL, n, std_in);
        yb_router_seal(r);
    }
    int opened = 0;
    char names[64][4096];
    for (; ok && opened < n; opened++) {
        snprintf(names[opened], sizeof names[opened], "%s/part-%d.jsonl", dir, opened);
        if (!(parts[opened] = fopen(names[opened], "wb"))) {
            fprintf(stderr, "yibao: cannot write %s: %s\n", names[opened], strerror(errno));
            ok = false;
            break;
        }
    }
    if (ok && spooled && fseek(std_in, 0, SEEK_SET) != 0) ok = false;
    if (ok && !each_input(r, inputs, ninputs, parts, n, std_in)) ok = false;
    for (int k = 0; k < opened; k++)
        if (!yb_cli_finish(parts[k], names[k])) ok = false;
    if (spooled) fclose(std_in);
    yb_router_free(r);
    return ok ? 0 : 1;
}

int yb_cmd_merge_reports(const yb_program *p, const char *const *inputs, int ninputs, FILE *out, const char *outname)
{
    if (!p->route_plan) {
        fprintf(stderr, "yibao: the policy has no routing plan: its reports cannot be merged\n");
        return 1;
    }
    if (p->route_field <= 0 && ninputs > 1) {
        fprintf(stderr, "yibao: the policy's reports cannot be merged from parts: %s\n", p->route_plan->why);
        return 1;
    }
    yb_vm *vm = yb_vm_new(p);
    if (!vm) {
        fprintf(stderr, "yibao: out of memory\n");
        return 1;
    }
    bool ok = true;
    char err[600];
    for (int i = 0; ok && i < (ninputs ? ninputs : 1); i++) {
        const char *path = ninputs ? inputs[i] : "-";
        bool std = strcmp(path, "-") == 0;
        FILE *in = std ? stdin : fopen(path, "rb");
        if (!in) {
            fprintf(stderr, "yibao: cannot open %s: %s\n", path, strerror(errno));
            ok = false;
            break;
        }
        char *line = NULL;
        size_t cap = 0;
        ssize_t len;
        long lineno = 0;
        while (ok && (len = getline(&line, &cap, in)) >= 0) {
            lineno++;
            if (!yb_report_read_line(vm, line, (size_t)len, err, sizeof err)) {
                fprintf(stderr, "%s:%ld: error: %s\n", std ? "<stdin>" : path, lineno, err);
                ok = false;
            }
        }
        if (ok && ferror(in)) {
            fprintf(stderr, "yibao: cannot read %s: %s\n", path, strerror(errno));
            ok = false;
        }
        free(line);
        if (!std) fclose(in);
    }
    if (ok && !yb_report_derive_all(vm, err, sizeof err)) {
        fprintf(stderr, "yibao: %s\n", err);
        ok = false;
    }
    if (ok && !yb_write_reports(vm, out)) ok = false;
    if (out != stdout ? !yb_cli_finish(out, outname) : fflush(stdout) != 0 || ferror(stdout)) ok = false;
    yb_vm_free(vm);
    return ok ? 0 : 1;
}
