/* `yibao shard POLICY CLAIMS... -n N -o DIR`: the claims split into
 * DIR/part-0.jsonl … part-(N-1).jsonl by the routing of `run --jobs`
 * (io/batch_jobs.c): every claim that can meet a state entry lands in the
 * same part, in input order, so the parts can be settled anywhere (Dask,
 * Slurm array tasks, Spark partitions) and their settlements and reports
 * merged (contrib/dask/).  A policy whose states cannot be split puts every
 * claim in part 0 (and says so). */
#include "shard.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch_jobs.h"
#include "output.h"

static bool shard_file(const yb_program *p, FILE *in, FILE **parts, int n, const char *name)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    long lineno = 0;
    while ((len = getline(&line, &cap, in)) >= 0) {
        lineno++;
        size_t body = (size_t)len - (len > 0 && line[len - 1] == '\n');
        int k = yb_route_line(p, line, body, lineno, n);
        if (fwrite(line, 1, body, parts[k]) != body || fputc('\n', parts[k]) == EOF) {
            free(line);
            return false;
        }
    }
    bool ok = !ferror(in);
    if (!ok) fprintf(stderr, "yibao: cannot read %s: %s\n", name, strerror(errno));
    free(line);
    return ok;
}

int yb_cmd_shard(const yb_program *p, int n, const char *dir, const char *const *inputs, int ninputs)
{
    FILE *parts[64];
    if (n < 1 || n > 64) return 2;
    if (p->route_field <= 0 && n > 1)
        fprintf(stderr, "yibao: the policy's states cannot be split by a claim field: every claim goes to part 0\n");
    int opened = 0;
    bool ok = true;
    char names[64][4096];
    for (; opened < n; opened++) {
        snprintf(names[opened], sizeof names[opened], "%s/part-%d.jsonl", dir, opened);
        if (!(parts[opened] = fopen(names[opened], "wb"))) {
            fprintf(stderr, "yibao: cannot write %s: %s\n", names[opened], strerror(errno));
            ok = false;
            break;
        }
    }
    for (int i = 0; ok && i < (ninputs ? ninputs : 1); i++) {
        const char *path = ninputs ? inputs[i] : "-";
        bool std = strcmp(path, "-") == 0;
        FILE *in = std ? stdin : fopen(path, "rb");
        if (!in) {
            fprintf(stderr, "yibao: cannot open %s: %s\n", path, strerror(errno));
            ok = false;
            break;
        }
        ok = shard_file(p, in, parts, n, path);
        if (!std) fclose(in);
    }
    for (int k = 0; k < opened; k++)
        if (!yb_cli_finish(parts[k], names[k])) ok = false;
    return ok ? 0 : 1;
}
