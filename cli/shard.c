/* `yibao shard POLICY CLAIMS... -n N -o DIR`: the claims split into
 * DIR/part-0.jsonl … part-(N-1).jsonl by the routing of `run --jobs`
 * (io/batch_jobs.c): every claim that can meet a state entry lands in the
 * same part, in input order, so the parts can be settled anywhere (Dask,
 * Slurm array tasks, Spark partitions) and their settlements and reports
 * merged (`yibao merge-reports`, contrib/dask/).  Beside each part,
 * DIR/part-K.pos says where each of its lines was in the inputs
 * (io/report_pos.h): `run PART --positions part-K.pos` writes where each
 * report entry was opened, so that merge-reports keeps the fixed fields of
 * the entry opened first.  A policy whose claims are routed by family
 * groups (compiler/routing.c) has its inputs read twice, the groups first
 * (standard input is spooled to a temporary file for that).  A policy whose
 * states cannot be split puts every claim in part 0 (and says why). */
#include "shard.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "report.h"
#include "report_merge.h"
#include "report_pos.h"
#include "report_read.h"
#include "route_key.h"
#include "route_plan.h"

/* A line of input i (without its newline), numbered from 1; false stops. */
typedef bool (*line_fn)(void *ctx, int i, const char *line, size_t len, long lineno);

/* fn on every line of every input ("-", or none at all: std_in); false when
 * an input cannot be opened or read (reported), or fn stopped. */
static bool each_line(const char *const *inputs, int ninputs, FILE *std_in, line_fn fn, void *ctx)
{
    bool ok = true;
    char *line = NULL;
    size_t cap = 0;
    for (int i = 0; ok && i < (ninputs ? ninputs : 1); i++) {
        const char *path = ninputs ? inputs[i] : "-";
        bool std = strcmp(path, "-") == 0;
        FILE *in = std ? std_in : fopen(path, "rb");
        if (!in) {
            fprintf(stderr, "yibao: cannot open %s: %s\n", path, strerror(errno));
            ok = false;
            break;
        }
        ssize_t len;
        long lineno = 0;
        while (ok && (len = getline(&line, &cap, in)) >= 0)
            ok = fn(ctx, i, line, (size_t)len - (len > 0 && line[len - 1] == '\n'), ++lineno);
        if (ok && ferror(in)) {
            fprintf(stderr, "yibao: cannot read %s: %s\n", std ? "<stdin>" : path, strerror(errno));
            ok = false;
        }
        if (!std) fclose(in);
    }
    free(line);
    return ok;
}

/* The groups' pre-pass: a line learnt. */
static bool learn_line(void *ctx, int i, const char *line, size_t len, long lineno)
{
    if (yb_router_learn(ctx, line, len, lineno)) return true;
    fprintf(stderr, "yibao: out of memory\n");
    return false;
}

typedef struct shard_out {
    yb_router *r;
    FILE **parts, **pos;
    uint64_t bytes[64]; /* each part's, for its positions' closing line */
    long lines[64];
} shard_out;

/* A line written to its part, and where it was to the part's positions. */
static bool route_line(void *ctx, int i, const char *line, size_t len, long lineno)
{
    shard_out *o = ctx;
    int k = yb_router_route(o->r, line, len, lineno);
    o->bytes[k] += len + 1;
    o->lines[k]++;
    return fwrite(line, 1, len, o->parts[k]) == len && fputc('\n', o->parts[k]) != EOF && yb_pos_put(o->pos[k], i, lineno);
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

/* DIR/part-K.jsonl (pos: DIR/part-K.pos) for output k of 2 per part. */
static void part_name(char *buf, size_t n, const char *dir, int k)
{
    snprintf(buf, n, "%s/part-%d.%s", dir, k / 2, k % 2 ? "pos" : "jsonl");
}

/* The parts' files out[2k] (claims) and out[2k + 1] (positions), opened;
 * false (reported) if one cannot be. */
static bool open_parts(FILE **out, int n, const char *dir, int *opened)
{
    char name[4200];
    for (*opened = 0; *opened < 2 * n; ++*opened) {
        part_name(name, sizeof name, dir, *opened);
        if (!(out[*opened] = fopen(name, "wb"))) {
            fprintf(stderr, "yibao: cannot write %s: %s\n", name, strerror(errno));
            return false;
        }
    }
    return true;
}

/* Each file of open_parts finished; false (reported) on a write error. */
static bool close_parts(FILE **out, int opened, const char *dir)
{
    char name[4200];
    bool ok = true;
    for (int k = 0; k < opened; k++) {
        part_name(name, sizeof name, dir, k);
        if (!yb_cli_finish(out[k], name)) ok = false;
    }
    return ok;
}

int yb_cmd_shard(const yb_program *p, int n, const char *dir, const char *const *inputs, int ninputs)
{
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
        ok = each_line(inputs, ninputs, std_in, learn_line, r);
        yb_router_seal(r);
    }
    FILE *out[128], *parts[64], *pos[64];
    int opened = 0;
    if (ok) ok = open_parts(out, n, dir, &opened);
    for (int k = 0; ok && k < n; k++) {
        parts[k] = out[2 * k];
        pos[k] = out[2 * k + 1];
    }
    if (ok && spooled && fseek(std_in, 0, SEEK_SET) != 0) ok = false;
    shard_out so = {.r = r, .parts = parts, .pos = pos};
    if (ok && !each_line(inputs, ninputs, std_in, route_line, &so)) ok = false;
    for (int k = 0; ok && k < n; k++) ok = yb_pos_end(pos[k], so.bytes[k], so.lines[k]);
    if (!close_parts(out, opened, dir)) ok = false;
    if (spooled) fclose(std_in);
    yb_router_free(r);
    return ok ? 0 : 1;
}

typedef struct merge_in {
    yb_vm *vm;
    yb_report_opens *opens;
    const char *const *names; /* the inputs, for messages */
    long *lines;              /* lines[i]: how many input i has */
} merge_in;

/* A report line merged; an error is reported with its file and line. */
static bool merge_line(void *ctx, int i, const char *line, size_t len, long lineno)
{
    merge_in *m = ctx;
    char err[600];
    m->lines[i] = lineno;
    if (yb_report_read_line(m->vm, m->opens, line, len, err, sizeof err)) return true;
    fprintf(stderr, "%s:%ld: error: %s\n", strcmp(m->names[i], "-") ? m->names[i] : "<stdin>", lineno, err);
    return false;
}

static uint64_t opened_at(void *ctx, int s, const void *key, uint32_t keylen)
{
    return yb_report_opened_at(ctx, s, key, keylen);
}

int yb_cmd_merge_reports(const yb_program *p, const char *const *inputs, int ninputs, FILE *out, const char *outname,
                         bool keep_opened)
{
    if (!p->route_plan) {
        fprintf(stderr, "yibao: the policy has no routing plan: its reports cannot be merged\n");
        return 1;
    }
    yb_vm *vm = yb_vm_new(p);
    yb_report_opens *opens = yb_report_opens_new(p);
    bool ok = vm && opens;
    if (!ok) fprintf(stderr, "yibao: out of memory\n");
    char err[600];
    static const char *const std_only[] = {"-"};
    long *lines = calloc((size_t)(ninputs ? ninputs : 1), sizeof *lines);
    if (ok && !lines) fprintf(stderr, "yibao: out of memory\n");
    ok = ok && lines && each_line(inputs, ninputs, stdin, merge_line, &(merge_in){vm, opens, ninputs ? inputs : std_only, lines});
    /* a policy that cannot be split sends every claim to part 0: the
       reports of the other parts are empty, and only they may be given */
    for (int i = 0, full = -1; ok && p->route_field <= 0 && i < ninputs; i++) {
        if (lines[i] && full >= 0) {
            fprintf(stderr, "yibao: the policy's reports cannot be merged from parts (%s and %s both have lines): %s\n",
                    inputs[full], inputs[i], p->route_plan->why);
            ok = false;
        }
        if (lines[i]) full = i;
    }
    free(lines);
    if (ok && !yb_report_derive_all(vm, err, sizeof err)) {
        fprintf(stderr, "yibao: %s\n", err);
        ok = false;
    }
    if (ok && !yb_write_reports_at(vm, out, keep_opened ? opened_at : NULL, opens)) ok = false;
    if (out != stdout ? !yb_cli_finish(out, outname) : fflush(stdout) != 0 || ferror(stdout)) ok = false;
    yb_report_opens_free(opens);
    yb_vm_free(vm);
    return ok ? 0 : 1;
}

bool yb_cli_part_reports(yb_vm *vm, FILE *out, yb_report_opens *opens, const char *positions, const char *part)
{
    if (!opens) return yb_write_reports(vm, out);
    char err[600];
    yb_pos_map *m = yb_pos_map_load(opens, positions, part, err, sizeof err);
    if (!m) {
        fprintf(stderr, "yibao: %s\n", err);
        return false;
    }
    bool ok = yb_write_reports_at(vm, out, yb_pos_map_at, m);
    yb_pos_map_free(m);
    return ok;
}
