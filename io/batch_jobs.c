/* `yibao run --jobs N`: the batch settled by N threads, each with its own VM
 * and running totals, with exactly the output of one.
 *
 * The compiler says (compiler/routing.c) which claim text fields the kept
 * states' keys hold.  The input is read in chunks of lines; each line goes to
 * the worker route_key.c names (the hash of that field's value, or of the
 * line's family group, worked out by a pre-pass over every input first), so
 * every claim that can meet a state entry meets it on the same worker, in
 * input order.  Workers parse and settle their lines of a chunk in parallel
 * into their own buffers; then the chunk's settlements and error messages are
 * written in input order with their original line numbers.  Reports are
 * merged into the first worker's VM as routing.c classed their fields
 * (report_merge.c; each worker notes where its entries were opened).
 *
 * Anything this cannot split exactly (no route field, CSV in or out, a durable
 * ledger gate, one job, an input that is not a regular file or holds a NUL
 * byte or an overlong line) goes to yb_batch_run: one worker, never a guess.
 *
 * On a terminal (o->batch.progress) the progress line of yb_batch_run is kept
 * up to date after each chunk: the claims the workers read, the time left
 * from the bytes of every input. */
/* madvise (MADV_DONTNEED: give the pages of a mapped input back) */
#define _DEFAULT_SOURCE
#include "batch_jobs.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report_merge.h"
#include "route_key.h"
#include "route_plan.h"
#include "settlement_writer.h"

enum { CHUNK_BYTES = 8 << 20, MAX_JOBS = 64 };

int yb_jobs_default(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > MAX_JOBS ? MAX_JOBS : (int)n;
}

/* ------------------------------------------------------------------------ */
/* the workers                                                               */

typedef struct line_ref {
    size_t off, len; /* in the chunk */
    long line;       /* in its file */
    int worker;
    uint8_t settled; /* a settlement line was written */
    uint32_t errlen; /* bytes of error messages */
} line_ref;

typedef struct worker {
    yb_vm *vm;
    bool own_vm;
    yb_reader *r;
    yb_claim *claim;
    const yb_run_opts *o;
    const char *name;     /* the input's name in messages */
    const char *chunk;
    line_ref *lines;
    size_t nlines;
    int id;
    /* this chunk's output */
    char *out, *err;
    size_t outlen, errlen;
    FILE *outf, *errf;
    long errmark;     /* bytes of errf accounted to lines */
    char *scratch;    /* a line after a newline (see feed_line) */
    size_t scratch_cap;
    bool failed; /* out of memory or a write error */
    yb_report_opens *opens; /* where this worker's report entries were opened (report_merge.h) */
    int input;              /* the input being read: its index */
    long records, done, errors, held;
    const char *reasons[YB_MAX_REASONS];
    yb_alert alerts[YB_MAX_ALERTS];
} worker;

/* The bytes of error messages written for l since the last ones. */
static void err_written(worker *w, line_ref *l)
{
    long at = ftell(w->errf);
    if (at < 0) { w->failed = true; return; }
    l->errlen += (uint32_t)(at - w->errmark);
    w->errmark = at;
}

static void text_of(void *ctx, int64_t v, const char **p, uint32_t *n) { yb_vm_text(ctx, v, p, n); }

/* One claim settled by w's VM, its settlement written to wr. */
static bool settle_one(worker *w, yb_writer *wr, line_ref *l)
{
    yb_vm *vm = w->vm;
    if (!yb_batch_settle(vm, w->claim, w->name, l->line, NULL, w->errf)) {
        w->errors++;
        err_written(w, l);
        return true;
    }
    w->held += vm->held;
    yb_batch_outcome(vm, w->reasons, w->alerts);
    yb_settlement s = {vm->regs, vm->held, w->reasons, vm->nreasons, w->alerts, vm->nalerts, NULL, 0, text_of, vm, NULL};
    if (w->o->explain) {
        yb_vm_explain(vm);
        s.explain = vm->xbuf;
        s.explain_len = vm->xlen;
    }
    if (w->o->stamp) {
        s.stamp = w->o->stamp;
    }
    if (!yb_writer_put(wr, &s)) return false;
    w->done++;
    l->settled = 1;
    return true;
}

/* The reader reads a line fed to it as its line 1, where a byte order mark
 * is skipped; anywhere else in a file a mark is an error.  Such a line is
 * fed after an empty line, as the file reader would see it. */
static bool feed_line(worker *w, const line_ref *l)
{
    const char *s = w->chunk + l->off;
    if (l->line == 1 || l->len < 3 || memcmp(s, "\xEF\xBB\xBF", 3) != 0) return yb_reader_feed(w->r, s, l->len) == 0;
    if (w->scratch_cap < l->len + 1) {
        char *b = realloc(w->scratch, l->len + 1);
        if (!b) return false;
        w->scratch = b;
        w->scratch_cap = l->len + 1;
    }
    w->scratch[0] = '\n';
    memcpy(w->scratch + 1, s, l->len);
    return yb_reader_feed(w->r, w->scratch, l->len + 1) == 0;
}

static void *work(void *arg)
{
    worker *w = arg;
    const yb_program *p = w->vm->p;
    w->outf = open_memstream(&w->out, &w->outlen);
    w->errf = open_memstream(&w->err, &w->errlen);
    yb_writer *wr = w->outf ? yb_writer_open(w->outf, YB_FMT_JSONL, p->outs, p->nouts, p->schema.enums) : NULL;
    if (!w->outf || !w->errf || !wr) {
        w->failed = true;
        yb_writer_close(wr);
        return NULL;
    }
    for (size_t i = 0; i < w->nlines && !w->failed; i++) {
        line_ref *l = &w->lines[i];
        if (l->worker != w->id) continue;
        if (!feed_line(w, l)) { w->failed = true; break; }
        yb_record_error err;
        int rc;
        while ((rc = yb_reader_next(w->r, w->claim, &err)) != 0) {
            w->records++;
            if (rc > 0) {
                if (!settle_one(w, wr, l)) w->failed = true;
                if (!yb_report_opens_note(w->opens, w->vm, yb_report_pos(w->input, l->line))) w->failed = true;
            } else {
                yb_batch_error(w->errf, w->name, l->line, NULL, err.field, err.message);
                err_written(w, l);
                w->errors++;
            }
        }
    }
    if (!yb_writer_close(wr)) w->failed = true;
    if (fflush(w->errf) != 0) w->failed = true;
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* the batch                                                                 */

typedef struct jobs {
    worker *w;
    int n;
    const yb_run_opts *o;
    yb_router *router;
    int input; /* the input being read: its index */
    yb_run_stats *st;
    struct timespec t0;          /* for the progress line */
    double bytes_before, bytes_all; /* of the inputs before this one; of all */
} jobs;

/* The progress line after a chunk (pos: bytes done of this input), at most
 * once a second, and once more at the end (last). */
static void progress(jobs *J, size_t pos, bool last)
{
    FILE *f = J->o->batch.progress;
    if (!f) return;
    long records = 0;
    for (int k = 0; k < J->n; k++) records += J->w[k].records;
    double s = yb_batch_seconds_since(&J->t0);
    if (!records || (!last && s < 1)) return;
    yb_batch_progress_line(f, records, s, J->bytes_before + (double)pos, J->bytes_all, last);
}

/* Settle one chunk's lines on the workers, then write what they wrote in
 * input order.  false: a worker failed (reported) or the output failed. */
static bool run_chunk(jobs *J, const char *chunk, line_ref *lines, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        lines[i].worker = yb_router_route(J->router, chunk + lines[i].off, lines[i].len, lines[i].line);
    pthread_t t[MAX_JOBS];
    bool started[MAX_JOBS] = {false};
    for (int k = 0; k < J->n; k++) {
        worker *w = &J->w[k];
        w->chunk = chunk;
        w->lines = lines;
        w->nlines = n;
        w->name = name;
        w->input = J->input;
        w->out = w->err = NULL;
        w->outlen = w->errlen = 0;
        w->errmark = 0;
        started[k] = k > 0 && pthread_create(&t[k], NULL, work, w) == 0;
        if (k > 0 && !started[k]) work(w); /* no thread: do it here */
    }
    work(&J->w[0]);
    bool ok = true;
    for (int k = 0; k < J->n; k++) {
        if (started[k]) pthread_join(t[k], NULL);
        if (J->w[k].failed) ok = false;
    }
    FILE *errs = J->o->batch.errors;
    size_t opos[MAX_JOBS] = {0}, epos[MAX_JOBS] = {0};
    for (int k = 0; k < J->n; k++) {
        if (J->w[k].outf) fclose(J->w[k].outf);
        if (J->w[k].errf) fclose(J->w[k].errf);
        J->w[k].outf = J->w[k].errf = NULL;
    }
    if (!ok && errs) fprintf(errs, "error: out of memory\n");
    for (size_t i = 0; ok && i < n; i++) {
        worker *w = &J->w[lines[i].worker];
        int k = lines[i].worker;
        if (lines[i].errlen && errs) fwrite(w->err + epos[k], 1, lines[i].errlen, errs);
        epos[k] += lines[i].errlen;
        if (lines[i].settled) {
            const char *s = w->out + opos[k], *nl = memchr(s, '\n', w->outlen - opos[k]);
            size_t len = nl ? (size_t)(nl - s) + 1 : w->outlen - opos[k];
            if (fwrite(s, 1, len, J->o->out) != len) ok = false;
            opos[k] += len;
        }
    }
    for (int k = 0; k < J->n; k++) {
        free(J->w[k].out);
        free(J->w[k].err);
        J->w[k].out = J->w[k].err = NULL;
    }
    return ok;
}

/* The pages of a mapped input below done given back (whole pages past
 * *dropped, once at least half a chunk is done with), so a
 * read-only mapping read once stays small however big the file. */
static void give_back(const char *data, size_t done, size_t *dropped)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    done = done / page * page;
    if (done <= *dropped || done - *dropped < CHUNK_BYTES / 2) return;
    madvise((char *)data + *dropped, done - *dropped, MADV_DONTNEED);
    *dropped = done;
}

/* Every line of one input (mapped), chunk by chunk; the pages done with are
 * given back, so the mapping does not stay resident. */
static bool run_input(jobs *J, const char *data, size_t size, const char *name)
{
    size_t lcap = 1 << 16, pos = 0, dropped = 0;
    line_ref *lines = malloc(lcap * sizeof *lines);
    long line = 0;
    if (!lines) {
        if (J->o->batch.errors) fprintf(J->o->batch.errors, "error: out of memory\n");
        return false;
    }
    bool ok = true;
    while (ok && pos < size) {
        size_t start = pos, n = 0;
        while (pos < size && pos - start < CHUNK_BYTES && n < lcap) {
            const char *nl = memchr(data + pos, '\n', size - pos);
            size_t end = nl ? (size_t)(nl - data) : size;
            line++;
            if (end > pos) lines[n++] = (line_ref){pos - start, end - pos, line, 0, 0, 0};
            pos = nl ? end + 1 : size;
        }
        if (n && !run_chunk(J, data + start, lines, n, name)) ok = false;
        progress(J, pos, false);
        give_back(data, pos, &dropped);
    }
    free(lines);
    return ok;
}

/* A mapped input the workers can split exactly as the file reader reads it:
 * a regular file with no NUL byte (the reader may stop at one, depending on
 * where its buffer ends) and no line over the record limit. */
typedef struct mapped {
    const char *data;
    size_t size;
    int fd;
    bool not_file; /* a pipe or a terminal: it cannot be read twice */
} mapped;

static bool map_input(const char *path, size_t max_record, mapped *m)
{
    m->data = NULL;
    m->size = 0;
    m->fd = strcmp(path, "-") == 0 ? dup(0) : open(path, O_RDONLY);
    struct stat sb;
    if (m->fd < 0 || fstat(m->fd, &sb) != 0) return false;
    if ((m->not_file = !S_ISREG(sb.st_mode))) return false;
    m->size = (size_t)sb.st_size;
    if (m->size == 0) return true;
    void *d = mmap(NULL, m->size, PROT_READ, MAP_PRIVATE, m->fd, 0);
    if (d == MAP_FAILED) return false;
    m->data = d;
    madvise(d, m->size, MADV_SEQUENTIAL);
    /* checked line by line, the pages read given back as it goes: a check
     * of the whole file at once kept the whole file resident (732 MiB at
     * the peak for 500,000 claims) */
    size_t dropped = 0;
    for (size_t pos = 0; pos < m->size;) {
        const char *nl = memchr(m->data + pos, '\n', m->size - pos);
        size_t end = nl ? (size_t)(nl - m->data) : m->size;
        if (end - pos > max_record || memchr(m->data + pos, 0, end - pos)) return false;
        pos = end + 1;
        give_back(m->data, pos, &dropped);
    }
    give_back(m->data, m->size, &dropped);
    return true;
}

static void unmap_input(mapped *m)
{
    if (m->data) munmap((void *)m->data, m->size);
    if (m->fd >= 0) close(m->fd);
    m->data = NULL;
    m->fd = -1;
}

/* Every worker's report entries merged into worker 0's (report_merge.h). */
static bool merge_reports(jobs *J)
{
    yb_vm *vms[MAX_JOBS];
    yb_report_opens *opens[MAX_JOBS];
    for (int k = 0; k < J->n; k++) {
        vms[k] = J->w[k].vm;
        opens[k] = J->w[k].opens;
    }
    char err[300];
    if (yb_report_merge(vms, opens, J->n, err, sizeof err)) return true;
    if (J->o->batch.errors) fprintf(J->o->batch.errors, "error: %s\n", err);
    return false;
}

/* The pre-pass of a batch routed by groups (route_key.h): every line's ids
 * joined, the pages read given back as it goes. */
static bool learn_input(yb_router *r, const char *data, size_t size)
{
    size_t dropped = 0;
    long line = 0;
    for (size_t pos = 0; pos < size;) {
        const char *nl = memchr(data + pos, '\n', size - pos);
        size_t end = nl ? (size_t)(nl - data) : size;
        if (!yb_router_learn(r, data + pos, end - pos, ++line)) return false;
        pos = end + 1;
        give_back(data, pos, &dropped);
    }
    return true;
}

/* NULL when the batch can be split; else why not (for -v). */
static const char *unsplittable(const yb_vm *vm, const char *const *inputs, int ninputs, const yb_run_opts *o)
{
    const yb_program *p = vm->p;
    if (p->route_field <= 0) return p->route_plan && p->route_plan->why[0] ? p->route_plan->why : "a compiled policy (.ybc) keeps no routing: compile from source to split";
    if (o->admit || o->settled) return "a durable ledger settles claims one at a time";
    if (o->out_format != YB_FMT_JSONL) return "CSV output";
    if (o->batch.in_format == YB_FMT_CSV) return "CSV input";
    /* the memory reader has the default options (claim_reader.h) */
    if (o->batch.reader.strict || (o->batch.reader.max_record && o->batch.reader.max_record != YB_DEFAULT_MAX_RECORD))
        return "--strict or --max-record";
    for (int i = 0; i < ninputs; i++)
        if (o->batch.in_format < 0 && strcmp(inputs[i], "-") != 0 && yb_format_of(inputs[i]) == YB_FMT_CSV) return "CSV input";
    return NULL;
}

/* The batch on one worker; -v (o->jobs_log) says why. */
static bool one_worker(yb_vm *vm, int njobs, const char *why, const char *const *inputs, int ninputs, const yb_run_opts *o,
                       yb_run_stats *st)
{
    if (o->jobs_log && njobs > 1) fprintf(o->jobs_log, "yibao: --jobs %d: one worker: %s\n", njobs, why);
    return yb_batch_run(vm, inputs, ninputs, o, st);
}

bool yb_batch_run_jobs(yb_vm *vm, int njobs, const char *const *inputs, int ninputs, const yb_run_opts *o,
                       yb_run_stats *st)
{
    if (njobs > MAX_JOBS) njobs = MAX_JOBS;
    if (njobs < 2) return yb_batch_run(vm, inputs, ninputs, o, st);
    const char *why = unsplittable(vm, inputs, ninputs, o);
    if (why) return one_worker(vm, njobs, why, inputs, ninputs, o, st);
    static const char *const stdin_only[] = {"-"};
    const char *const *in = ninputs > 0 ? inputs : stdin_only;
    int nin = ninputs > 0 ? ninputs : 1;
    const yb_program *p = vm->p;
    bool oom = false;
    yb_router *router = yb_router_new(p, njobs, &oom);
    if (!router) return one_worker(vm, njobs, oom ? "out of memory" : "a routing field nested too deep", inputs, ninputs, o, st);
    /* every input mapped and checked first: one that cannot be split, and the whole batch is read as one worker would */
    mapped *maps = calloc((size_t)nin, sizeof *maps);
    bool can = maps != NULL;
    for (int i = 0; can && i < nin; i++) maps[i].fd = -1;
    for (int i = 0; can && i < nin; i++) can = map_input(in[i], YB_DEFAULT_MAX_RECORD, &maps[i]);
    for (int i = 0; can && yb_router_grouped(router) && i < nin; i++) can = learn_input(router, maps[i].data, maps[i].size);
    if (!can) {
        bool pipe = false;
        for (int i = 0; maps && i < nin; i++) pipe |= maps[i].not_file;
        for (int i = 0; maps && i < nin; i++) unmap_input(&maps[i]);
        free(maps);
        bool grouped = yb_router_grouped(router);
        yb_router_free(router);
        /* a family's claims are grouped by reading the input twice: a pipe cannot be */
        if (grouped && pipe && o->jobs_given && !o->jobs_log)
            fprintf(o->batch.errors ? o->batch.errors : stderr, "yibao: --jobs %d: one worker: claims are grouped by family before they are split, which needs a file, not a pipe\n", njobs);
        return one_worker(vm, njobs, pipe && grouped ? "claims are grouped by family before they are split, which needs a file, not a pipe"
                                                     : "an input is not a regular file, holds a NUL byte or a line over the record limit",
                          inputs, ninputs, o, st);
    }
    yb_router_seal(router);
    if (o->jobs_log) {
        char how[600];
        yb_router_describe(router, how, sizeof how);
        fprintf(o->jobs_log, "yibao: --jobs %d: %d workers, claims routed by %s\n", njobs, njobs, how);
    }
    memset(st, 0, sizeof *st);
    worker *w = calloc((size_t)njobs, sizeof *w);
    jobs J = {.w = w, .n = njobs, .o = o, .router = router, .st = st};
    bool ok = w != NULL;
    for (int k = 0; ok && k < njobs; k++) {
        w[k].id = k;
        w[k].o = o;
        w[k].vm = k == 0 ? vm : yb_vm_new(p);
        w[k].own_vm = k > 0;
        w[k].r = yb_reader_open_mem(&p->schema, "-");
        w[k].claim = yb_claim_new(&p->schema);
        w[k].opens = yb_report_opens_new(p);
        if (!w[k].vm || !w[k].r || !w[k].claim || !w[k].opens) ok = false;
    }
    if (!ok) {
        /* no reader for this input shape, or out of memory: one worker says why */
        for (int k = 0; w && k < njobs; k++) {
            if (w[k].own_vm) yb_vm_free(w[k].vm);
            yb_reader_close(w[k].r);
            yb_claim_free(w[k].claim);
            yb_report_opens_free(w[k].opens);
        }
        free(w);
        for (int i = 0; i < nin; i++) unmap_input(&maps[i]);
        free(maps);
        yb_router_free(router);
        return one_worker(vm, njobs, "out of memory", inputs, ninputs, o, st);
    }
    clock_gettime(CLOCK_MONOTONIC, &J.t0);
    for (int i = 0; i < nin; i++) J.bytes_all += (double)maps[i].size;
    for (int i = 0; ok && i < nin; i++) {
        const char *name = strcmp(in[i], "-") == 0 ? "<stdin>" : in[i];
        J.input = i;
        ok = run_input(&J, maps[i].data, maps[i].size, name);
        J.bytes_before += (double)maps[i].size;
    }
    progress(&J, 0, true);
    for (int i = 0; i < nin; i++) unmap_input(&maps[i]);
    free(maps);
    for (int k = 0; k < njobs; k++) {
        st->batch.records += w[k].records;
        st->batch.done += w[k].done;
        st->batch.errors += w[k].errors;
        st->held += w[k].held;
    }
    if (ok && !merge_reports(&J)) ok = false;
    for (int k = 0; k < njobs; k++) {
        if (w[k].own_vm) yb_vm_free(w[k].vm);
        yb_reader_close(w[k].r);
        yb_claim_free(w[k].claim);
        yb_report_opens_free(w[k].opens);
        free(w[k].scratch);
    }
    free(w);
    yb_router_free(router);
    return ok;
}
