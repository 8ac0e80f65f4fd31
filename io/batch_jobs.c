/* `yibao run --jobs N`: the batch settled by N threads, each with its own VM
 * and running totals, with exactly the output of one.
 *
 * The compiler says (compiler/routing.c) which claim text fields the kept
 * states' keys hold.  Each line goes to the worker route_key.c names (the
 * hash of that field's value, or of the line's family group, worked out by a
 * pre-pass over every input first: learn_inputs), so every claim that can
 * meet a state entry meets it on the same worker, in input order.
 *
 * The input is read in slots of whole lines (SLOT_BYTES, NSLOTS of them in
 * flight: memory stays bounded).  A slot goes through four steps, and the
 * threads take whatever step is ready, so no thread does the serial work
 * while the others wait:
 *   read    one thread at a time, in input order: a window of the mapped
 *           input (read_window), or pread into the slot;
 *   scan    NPARTS parts in parallel: the lines split, checked (no NUL byte)
 *           and routed;
 *   settle  each worker its own lines of the slot, copied from a window into
 *           its own buffer (read_own) or parsed in place in a slot read
 *           with pread, settled into its own buffers (reused from slot to
 *           slot);
 *   write   one thread at a time, in input order: the settlements with one
 *           writev per run of lines, the error messages with their original
 *           line numbers.
 * Reports are merged into the caller's VM as routing.c classed their fields
 * (report_merge.c; each worker notes where its entries were opened).
 *
 * Anything this cannot split exactly (no route field, CSV in or out, a durable
 * ledger gate, one job, an input that is not a regular file) goes to
 * yb_batch_run: one worker, never a guess (-v says why).  A slot holding a
 * NUL byte (the file reader may stop at one, depending on where its buffer
 * ends) or a line longer than a slot is not settled by the workers: the slots
 * before it are written, and the batch is read again from the start by one
 * VM, the caller's, which writes only from that slot's first line on
 * (replay): the same output as one worker.
 *
 * On a terminal (o->batch.progress) the progress line of yb_batch_run is kept
 * up to date after each slot written.  YB_JOBS_TRACE=1 in the environment
 * prints each thread's CPU time, idle time and steps taken (bench/jobs.sh).
 * Every named input file is mapped (map_input): the pre-pass of a batch
 * routed by groups scans it in place, dropping each piece's pages from RSS
 * once learnt (drop_piece), and the slots are windows of it, given back as
 * they are written (give_back): the file's pages held at once stay a few
 * tens of MB whatever its size; YB_JOBS_MAP=0 reads with pread. */
/* strchrnul, memrchr */
#define _GNU_SOURCE
#include "batch_jobs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "report_merge.h"
#include "route_key.h"
#include "route_plan.h"
#include "settlement_writer.h"

enum { UNMAP_STEP = 8 << 20, SLOT_BYTES = 1024 << 10, SLOT_PAD = 64, NSLOTS = 4, NPARTS = 4, MAX_JOBS = 64, MAX_IOV = 512, OUT_STAGE = 256 << 10,
       COPY_BELOW = 2 * SLOT_PAD };

int yb_jobs_default(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > MAX_JOBS ? MAX_JOBS : (int)n;
}

/* ------------------------------------------------------------------------ */
/* slots                                                                     */

typedef struct line_ref {
    uint32_t off, len; /* in the slot, the newline not counted */
    uint32_t rel;      /* its line number within its part (from 1) */
    uint8_t nl;      /* a newline follows it */
    uint8_t copy;    /* 1: read from a copy (a short line); 2: and after an empty line (a byte order mark not on line 1) */
    uint8_t what;    /* after settling: 0 blank, 1 settled, 2 held, 3 a record error */
    uint32_t outlen; /* bytes of its settlement */
    uint32_t errlen; /* bytes of its error messages */
} line_ref;

/* A worker's lines of a part, in input order.  Written by the scan, then
 * (what, outlen, errlen) by that worker alone: two workers settling at once
 * never write one cache line (in one array of every line, neighbours of
 * different workers shared lines, which then moved between the cores). */
typedef struct lines {
    line_ref *v;
    size_t n, cap;
} lines;

typedef struct part {
    lines of[MAX_JOBS];
    uint8_t *order; /* the worker of each line not blank, in input order (the write step's merge) */
    size_t norder, ordercap;
    long nlines; /* lines starting in it, blank ones too */
    long base;   /* line number of its first line, minus one */
    bool bad;    /* a NUL byte, or out of memory */
} part;

typedef struct slot {
    char *buf; /* SLOT_BYTES + SLOT_PAD */
    const char *data; /* its lines: buf, or a window of a mapped input (read_window) */
    size_t len; /* bytes of whole lines */
    off_t end_at; /* where its input was read to (give_back) */
    int input;
    bool first; /* starts its input: line 1 is its first line */
    bool bad;   /* a line longer than a slot, or a read error: see replay */
    bool last;  /* the last slot of the last input */
    double end; /* bytes of the inputs read with it (the progress line) */ // ok-float: time, bytes or prose, never money
    long base;  /* lines of its input before it */
    part parts[NPARTS];
    int parts_taken, parts_done, settled;
} slot;

typedef struct worker {
    struct jobs *J;
    int id;
    yb_vm *vm;
    yb_reader *r;
    yb_claim *claim;
    yb_writer *out[NSLOTS]; /* settlements of the slot, in memory */
    FILE *errf[NSLOTS];     /* error messages of the slot */
    char *err[NSLOTS];
    size_t errsize[NSLOTS];
    long errmark; /* bytes of errf accounted to lines */
    char *scratch; /* a line copied (see feed_copy) */
    size_t scratch_cap;
    long next; /* the next slot to settle */
    const char *reasons[YB_MAX_REASONS];
    yb_alert alerts[YB_MAX_ALERTS];
    yb_report_opens *opens; /* where this worker's report entries were opened (report_merge.h) */
    double idle; /* seconds waiting (YB_JOBS_TRACE) */ // ok-float: time, bytes or prose, never money
    long steps[4];
    double cpu_s; /* CPU seconds in the pipeline (YB_JOBS_TRACE) */ // ok-float: time, bytes or prose, never money
} worker;

typedef struct input {
    const char *name; /* in messages */
    int fd;
    off_t start, size;
    const char *map; /* the file's size bytes mapped (a batch routed by groups), or NULL: pread (map_input) */
    size_t unmapped; /* bytes from map on given back already (give_back) */
} input;

typedef struct jobs {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    worker *w;
    int n, nalloc, threads; /* workers routed to; made; threads running them (the caller's one included) */
    const yb_run_opts *o;
    const yb_program *p;
    yb_router *router;
    input *in;
    int nin;
    slot slots[NSLOTS];
    /* the reader's (one thread at a time: `reading`) */
    int rin;
    off_t rpos;
    char *carry; /* the partial line at the end of the last slot read */
    size_t carry_len;
    double rdone; // ok-float: time, bytes or prose, never money
    /* the pre-pass's (learn_inputs), under mu: the next piece */
    int lin;
    off_t lpos, lpiece;
    bool lfailed;
    double learn_wall, learn_cpu; /* YB_JOBS_TRACE */ // ok-float: time, bytes or prose, never money
    long learn_pieces;
    /* under mu */
    bool reading, writing, failed, write_failed, ended; /* ended: every input read */ /* failed: out of memory, or the output (write_failed) */
    int ready;   /* threads whose workers are made (make_workers) */
    bool unmade; /* a worker could not be made */
    long nread, nnumbered, nwritten;
    long limit;      /* slots to write: LONG_MAX until the inputs end or a slot is bad */
    int num_input;   /* numbering: the input of the last slot numbered, and its lines so far */
    long num_lines;
    int replay_input; /* a bad slot: where the replay starts writing (-1: none) */
    long replay_line;
    /* the writer's */
    yb_run_stats *st;
    double bytes_all; // ok-float: time, bytes or prose, never money
    struct timespec t0;
    struct iovec iov[MAX_IOV]; /* [0]: the stage; [1..niov]: runs */
    int niov;
    char *stage;
    size_t stage_len;
} jobs;

static slot *slot_of(jobs *J, long q) { return &J->slots[q % NSLOTS]; }

/* ------------------------------------------------------------------------ */
/* read: the next slot of whole lines (one thread at a time)                */

/* The pages of a mapped input before `done` unmapped, UNMAP_STEP at a time
 * (all of them at its end):
 * as the slots are written, so that the pipeline, on every thread, does the
 * kernel's work of taking down the mapping (a pass over each of its page
 * table entries: 30 ms for 755 MB), not the caller's thread alone after the
 * last slot.  Nothing reads the mapping before a slot written again (the
 * pre-pass is over; a replay reads the file). */
static void give_back(input *in, off_t done)
{
    if (!in->map) return;
    size_t page = (size_t)sysconf(_SC_PAGESIZE), all = (size_t)in->size;
    size_t upto = done >= in->size ? all : (size_t)done / page * page;
    if (upto <= in->unmapped || (upto < all && upto - in->unmapped < UNMAP_STEP)) return;
    if (munmap((void *)(in->map + in->unmapped), upto - in->unmapped) == 0) in->unmapped = upto;
}

/* Bytes from the reader's input into b (up to want); 0 at its end, -1 on an error. */
static ssize_t read_some(jobs *J, char *b, size_t want)
{
    input *in = &J->in[J->rin];
    if (in->map) { /* the pre-pass's mapping: a copy in user space, not the kernel's again */
        size_t left = (size_t)(in->size - J->rpos), n = left < want ? left : want;
        memcpy(b, in->map + J->rpos, n);
        J->rpos += (off_t)n;
        return (ssize_t)n;
    }
    for (;;) {
        ssize_t got = pread(in->fd, b, want, J->rpos);
        if (got >= 0 || errno != EINTR) {
            if (got > 0) J->rpos += got;
            return got;
        }
    }
}

/* A slot of a mapped input that is not its last: a window of the mapping,
 * up to its last newline in SLOT_BYTES, nothing copied (each worker copies
 * its own lines as it settles them: settle_line).  False when it cannot be
 * (the input's end is within a slot: its last line may have no newline and
 * the scan needs a sentinel; no newline in a slot: a line too long), and
 * then the slot is read as a copy. */
static bool read_window(jobs *J, slot *s)
{
    const input *in = &J->in[J->rin];
    if (!in->map || J->carry_len || in->size - J->rpos <= SLOT_BYTES + SLOT_PAD) return false;
    const char *w = in->map + J->rpos, *nl = memrchr(w, '\n', SLOT_BYTES);
    if (!nl) return false;
    s->data = w;
    s->len = (size_t)(nl - w) + 1;
    s->bad = s->last = false;
    s->input = J->rin;
    s->first = J->rpos == in->start;
    J->rpos += (off_t)s->len;
    s->end_at = J->rpos;
    s->end = J->rdone + (double)(J->rpos - in->start); // ok-float: time, bytes or prose, never money
    return true;
}

static void read_slot(jobs *J, slot *s)
{
    if (read_window(J, s)) return;
    s->data = s->buf;
    s->len = 0;
    s->bad = s->last = false;
    s->input = J->rin;
    s->first = J->carry_len == 0 && J->rpos == J->in[J->rin].start;
    memcpy(s->buf, J->carry, J->carry_len);
    size_t len = J->carry_len;
    J->carry_len = 0;
    bool end = false;
    while (len < SLOT_BYTES) {
        ssize_t got = read_some(J, s->buf + len, SLOT_BYTES - len);
        if (got < 0) s->bad = true;
        if (got <= 0) {
            end = true;
            break;
        }
        len += (size_t)got;
    }
    s->end_at = J->rpos; /* read_some's position: the carry, if any, is copied from the carry */
    if (end) {
        s->len = len; /* the last line may have no newline */
        J->rdone += (double)(J->rpos - J->in[J->rin].start); // ok-float: time, bytes or prose, never money
        J->rin++;
        if (J->rin < J->nin) J->rpos = J->in[J->rin].start;
        s->last = J->rin == J->nin;
    } else {
        const char *nl = memrchr(s->buf, '\n', len);
        if (!nl) s->bad = true; /* a line longer than a slot */
        s->len = nl ? (size_t)(nl - s->buf) + 1 : len;
        J->carry_len = len - s->len;
        memcpy(J->carry, s->buf + s->len, J->carry_len);
    }
    s->end = J->rdone + (J->rin < J->nin ? (double)(J->rpos - J->in[J->rin].start) : 0); // ok-float: time, bytes or prose, never money
    memset(s->buf + s->len, 0, SLOT_PAD); /* the scan's sentinel; the parser's padding */
}

/* ------------------------------------------------------------------------ */
/* scan: one part's lines split, checked and routed (in parallel)           */

static bool add_line(part *pt, int worker, line_ref l)
{
    lines *ls = &pt->of[worker];
    if (ls->n == ls->cap) {
        size_t cap = ls->cap ? 2 * ls->cap : 512;
        line_ref *b = realloc(ls->v, cap * sizeof *b);
        if (!b) return false;
        ls->v = b;
        ls->cap = cap;
    }
    if (pt->norder == pt->ordercap) {
        size_t cap = pt->ordercap ? 2 * pt->ordercap : 1024;
        uint8_t *b = realloc(pt->order, cap);
        if (!b) return false;
        pt->order = b;
        pt->ordercap = cap;
    }
    ls->v[ls->n++] = l;
    pt->order[pt->norder++] = (uint8_t)worker;
    return true;
}

/* The lines that start in part j of s: [len * j / NPARTS, len * (j + 1) / NPARTS). */
static void scan_part(jobs *J, slot *s, int j)
{
    part *pt = &s->parts[j];
    for (int w = 0; w < J->n; w++) pt->of[w].n = 0;
    pt->norder = 0;
    pt->nlines = 0;
    pt->bad = false;
    const char *b = s->data, *data_end = b + s->len;
    const char *p = b + s->len * (size_t)j / NPARTS, *stop = b + s->len * (size_t)(j + 1) / NPARTS;
    if (j > 0 && p < stop && p[-1] != '\n') { /* the line under way belongs to the part before */
        const char *nl = memchr(p, '\n', (size_t)(data_end - p));
        p = nl ? nl + 1 : data_end;
    }
    while (p < stop) {
        const char *e = strchrnul(p, '\n'); /* the sentinel (or a window's last newline) stops it at the data's end */
        if (!*e && e < data_end) { /* a NUL byte */
            pt->bad = true;
            return;
        }
        pt->nlines++;
        if (e > p) {
            bool line1 = s->first && j == 0 && pt->nlines == 1;
            bool mark = e - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0;
            /* the line number only says whether a byte order mark is skipped */
            int worker = yb_router_route(J->router, p, (size_t)(e - p), line1 ? 1 : 0);
            uint8_t copy = mark && !line1 ? 2 : e - p < COPY_BELOW;
            line_ref l = {(uint32_t)(p - b), (uint32_t)(e - p), (uint32_t)pt->nlines, e < data_end, copy, 0, 0, 0};
            if (!add_line(pt, worker, l)) {
                pt->bad = true;
                return;
            }
        }
        p = e < data_end ? e + 1 : data_end;
    }
}

/* Under mu: the slots scanned in order get their line numbers; a bad one
 * ends the batch there. */
static void number_slots(jobs *J)
{
    while (J->nnumbered < J->nread && J->nnumbered < J->limit) {
        slot *s = slot_of(J, J->nnumbered);
        if (s->parts_done < NPARTS) return;
        if (s->input != J->num_input) {
            J->num_input = s->input;
            J->num_lines = 0;
        }
        s->base = J->num_lines;
        bool bad = s->bad;
        for (int j = 0; j < NPARTS; j++) {
            s->parts[j].base = J->num_lines;
            J->num_lines += s->parts[j].nlines;
            bad = bad || s->parts[j].bad;
        }
        if (bad) {
            J->limit = J->nnumbered;
            J->replay_input = s->input;
            J->replay_line = s->base + 1;
            return;
        }
        J->nnumbered++;
    }
}

/* ------------------------------------------------------------------------ */
/* settle: a worker's lines of a slot                                        */

static void text_of(void *ctx, int64_t v, const char **p, uint32_t *n) { yb_vm_text(ctx, v, p, n); }

/* The settlement of the claim just read, into wr; false when out of memory. */
static bool put_settlement(yb_vm *vm, yb_writer *wr, const yb_run_opts *o, const char **reasons, yb_alert *alerts)
{
    yb_batch_outcome(vm, reasons, alerts);
    yb_settlement s = {vm->regs, vm->held, reasons, vm->nreasons, alerts, vm->nalerts, NULL, 0, text_of, vm, NULL};
    if (o->explain) {
        yb_vm_explain(vm);
        s.explain = vm->xbuf;
        s.explain_len = vm->xlen;
    }
    s.stamp = o->stamp;
    return yb_writer_put(wr, &s);
}

/* A line read from a copy.  In place, the reader writes a NUL over the
 * newline (and a carriage return) of a line that leaves its fast path, while
 * another worker's reader may load up to SLOT_PAD bytes past the end of the
 * line before (never using them, but it is a data race): a line shorter than
 * COPY_BELOW is copied, so writes in place stay out of every other line's
 * reach.  The reader also reads a line as its line 1, where a byte order
 * mark is skipped; anywhere else in a file a mark is an error, so such a
 * line is fed after an empty line (copy 2), as the file reader would see it. */
static int feed_copy(worker *w, const char *s, size_t len, int copy, yb_record_error *err)
{
    size_t at = copy == 2;
    if (w->scratch_cap < len + at) {
        char *b = realloc(w->scratch, len + at);
        if (!b) return -2;
        w->scratch = b;
        w->scratch_cap = len + at;
    }
    w->scratch[0] = '\n';
    memcpy(w->scratch + at, s, len);
    if (yb_reader_feed(w->r, w->scratch, len + at) != 0) return -2;
    return yb_reader_next(w->r, w->claim, err);
}

/* A line of a window (read_window): read where it is by the reader's fast
 * path, which never writes, or else from the worker's own copy (the general
 * parser writes over the newline, and the mapping is read-only).  Only the
 * page cache's pages are shared, never a line another core has just written
 * (copied into a slot by the thread that read it, the lines other workers
 * settled came out of that core's cache: on a VM whose two cores may sit on
 * different dies of the host, up to a quarter more CPU, bench/README.md). */
static int read_own(worker *w, const char *s, size_t n, yb_record_error *err)
{
    int rc = yb_reader_read_line_ro(w->r, s, n, w->claim, err);
    if (rc != 2) return rc;
    if (w->scratch_cap < n + SLOT_PAD) {
        char *b = realloc(w->scratch, n + SLOT_PAD);
        if (!b) return -2;
        w->scratch = b;
        w->scratch_cap = n + SLOT_PAD;
    }
    memcpy(w->scratch, s, n);
    memset(w->scratch + n, 0, SLOT_PAD);
    return yb_reader_read_line(w->r, w->scratch, n, w->claim, err);
}

/* One line read and settled; false when out of memory. */
static bool settle_line(worker *w, slot *s, part *pt, line_ref *l, int k)
{
    jobs *J = w->J;
    const char *name = J->in[s->input].name;
    long line = pt->base + l->rel;
    yb_record_error err;
    bool window = s->data != s->buf;
    int rc = l->copy == 2 || (l->copy && !window) ? feed_copy(w, s->data + l->off, l->len, l->copy, &err)
             : window ? read_own(w, s->data + l->off, l->len + l->nl, &err)
                      : yb_reader_read_line(w->r, s->buf + l->off, l->len + l->nl, w->claim, &err);
    if (rc == -2) return false;
    if (rc == 0) return true;
    long at = -1;
    size_t before = 0;
    if (rc < 0) {
        yb_batch_error(w->errf[k], name, line, NULL, err.field, err.message);
        l->what = 3;
    } else if (!yb_batch_settle(w->vm, w->claim, name, line, NULL, w->errf[k])) {
        l->what = 3;
        if (!yb_report_opens_note(w->opens, w->vm, yb_report_pos(s->input, line))) return false;
    } else {
        if (!yb_report_opens_note(w->opens, w->vm, yb_report_pos(s->input, line))) return false;
        yb_writer_held(w->out[k], &before);
        if (!put_settlement(w->vm, w->out[k], J->o, w->reasons, w->alerts)) return false;
        size_t after;
        yb_writer_held(w->out[k], &after);
        l->outlen = (uint32_t)(after - before);
        l->what = w->vm->held ? 2 : 1;
        return true;
    }
    if ((at = ftell(w->errf[k])) < 0) return false;
    l->errlen = (uint32_t)(at - w->errmark);
    w->errmark = at;
    return true;
}

static bool settle_slot(worker *w, long q)
{
    jobs *J = w->J;
    int k = (int)(q % NSLOTS);
    slot *s = &J->slots[k];
    w->errmark = 0;
    if (!w->errf[k] && !(w->errf[k] = open_memstream(&w->err[k], &w->errsize[k]))) return false;
    for (int j = 0; j < NPARTS; j++) {
        part *pt = &s->parts[j];
        lines *ls = &pt->of[w->id];
        for (size_t i = 0; i < ls->n; i++)
            if (!settle_line(w, s, pt, &ls->v[i], k)) return false;
    }
    return fflush(w->errf[k]) == 0;
}

/* ------------------------------------------------------------------------ */
/* write: a slot's settlements and messages in input order (one thread)     */

/* The settlements held (the stage, then the runs of J->iov[1..]) written:
 * with writev when the output is a file descriptor, else through the FILE;
 * on an error the rest goes through the FILE, which fails too and says so. */
static bool flush_out(jobs *J)
{
    FILE *out = J->o->out;
    int fd = fileno(out);
    J->iov[0] = (struct iovec){J->stage, J->stage_len};
    struct iovec *v = J->iov;
    int n = J->niov + 1;
    if (n == 1 && !J->stage_len) return true;
    J->niov = 0;
    J->stage_len = 0;
    while (n > 0 && fd >= 0) {
        ssize_t put = writev(fd, v, n);
        if (put < 0 && errno == EINTR) continue;
        if (put <= 0) break;
        for (; n > 0 && (size_t)put >= v->iov_len; v++, n--) put -= (ssize_t)v->iov_len;
        if (n > 0) {
            v->iov_base = (char *)v->iov_base + put;
            v->iov_len -= (size_t)put;
        }
    }
    for (; n > 0; v++, n--)
        if (fwrite(v->iov_base, 1, v->iov_len, out) != v->iov_len) return false;
    return true;
}

/* A run of settlements to write (p: in a worker's buffer). */
static bool put_out(jobs *J, const char *p, size_t n)
{
    struct iovec *last = J->niov ? &J->iov[J->niov] : NULL;
    if (last && (const char *)last->iov_base + last->iov_len == p) { /* the run goes on */
        last->iov_len += n;
        return true;
    }
    if (J->niov == MAX_IOV - 1 && !flush_out(J)) return false;
    J->iov[++J->niov] = (struct iovec){(void *)p, n};
    return true;
}

/* The end of a slot: its runs written, unless they fit on the stage (then
 * they are copied there, as one worker's writer holds its output in blocks
 * of OUT_STAGE, so a small batch's settlements come out at the end, after its
 * messages, as with one worker). */
static bool end_out(jobs *J)
{
    size_t pending = 0;
    for (int i = 1; i <= J->niov; i++) pending += J->iov[i].iov_len;
    if (J->stage_len + pending > OUT_STAGE) return flush_out(J);
    for (int i = 1; i <= J->niov; i++) {
        memcpy(J->stage + J->stage_len, J->iov[i].iov_base, J->iov[i].iov_len);
        J->stage_len += J->iov[i].iov_len;
    }
    J->niov = 0;
    return true;
}

static bool write_slot(jobs *J, long q)
{
    int k = (int)(q % NSLOTS);
    slot *s = &J->slots[k];
    FILE *errs = J->o->batch.errors;
    size_t opos[MAX_JOBS] = {0}, epos[MAX_JOBS] = {0};
    const char *outb[MAX_JOBS];
    for (int w = 0; w < J->n; w++) {
        size_t len;
        outb[w] = yb_writer_held(J->w[w].out[k], &len);
    }
    bool ok = true;
    yb_batch_stats *st = &J->st->batch;
    for (int j = 0; ok && j < NPARTS; j++) {
        const part *pt = &s->parts[j];
        size_t at[MAX_JOBS] = {0};
        for (size_t i = 0; ok && i < pt->norder; i++) {
            int w = pt->order[i];
            const line_ref *l = &pt->of[w].v[at[w]++];
            if (l->errlen) {
                if (errs) fwrite(J->w[w].err[k] + epos[w], 1, l->errlen, errs);
                epos[w] += l->errlen;
            }
            if (l->outlen && !put_out(J, outb[w] + opos[w], l->outlen)) ok = false;
            opos[w] += l->outlen;
            st->records += l->what != 0;
            st->done += l->what == 1 || l->what == 2;
            st->errors += l->what == 3;
            J->st->held += l->what == 2;
        }
    }
    if (!end_out(J)) ok = false;
    give_back(&J->in[s->input], s->end_at);
    for (int w = 0; w < J->n; w++) {
        yb_writer_clear(J->w[w].out[k]);
        if (J->w[w].errf[k]) fseek(J->w[w].errf[k], 0, SEEK_SET);
    }
    return ok;
}

/* The progress line after a slot written, at most once a second, and once
 * more at the end (last). */
static void progress(jobs *J, double done, bool last) // ok-float: time, bytes or prose, never money
{
    FILE *f = J->o->batch.progress;
    if (!f) return;
    long records = J->st->batch.records;
    double s = yb_batch_seconds_since(&J->t0); // ok-float: time, bytes or prose, never money
    if (!records || (!last && s < 1)) return;
    yb_batch_progress_line(f, records, s, done, J->bytes_all, last);
}

/* ------------------------------------------------------------------------ */
/* the threads                                                               */

enum { STEP_WRITE, STEP_SETTLE, STEP_SCAN, STEP_READ, STEP_NONE };

/* Under mu: the worker w settles a slot for next, if any: itself, or for the
 * caller's thread, a worker no thread could be made for. */
static worker *settle_due(jobs *J, worker *w)
{
    if (w->next < J->nnumbered) return w;
    for (int k = J->threads; w->id == 0 && k < J->n; k++)
        if (J->w[k].next < J->nnumbered) return &J->w[k];
    return NULL;
}

/* Under mu: another thread's worker has settled more slots than w. */
static bool behind(const jobs *J, const worker *w)
{
    for (int k = 0; k < J->threads; k++)
        if (J->w[k].next > w->next) return true;
    return false;
}

/* Under mu: the step w takes next (q: the slot; j: the part to scan; as:
 * the worker it settles for).  A slot settled is written first, but not by
 * a thread whose worker is behind another's: the slot became ready when the
 * slower worker settled its part, and if that thread took the write too, it
 * would take every write and fall further behind while the other waited
 * (seen: one thread 0.09 s idle of 0.71 s). */
static int next_step(jobs *J, worker *w, long *q, int *j, worker **as)
{
    if (J->failed) return STEP_NONE;
    *as = settle_due(J, w);
    if (!J->writing && J->nwritten < J->nnumbered && slot_of(J, J->nwritten)->settled == J->n && !(*as && behind(J, w))) {
        *q = J->nwritten;
        return STEP_WRITE;
    }
    if (*as) {
        *q = (*as)->next;
        return STEP_SETTLE;
    }
    for (long t = J->nnumbered; t < J->nread && t < J->limit; t++) {
        slot *s = slot_of(J, t);
        if (s->parts_taken < NPARTS) {
            *q = t;
            *j = s->parts_taken++;
            return STEP_SCAN;
        }
    }
    if (!J->reading && !J->ended && J->nread < J->limit && J->nread - J->nwritten < NSLOTS) {
        *q = J->nread;
        return STEP_READ;
    }
    return STEP_NONE;
}

static bool all_done(const jobs *J)
{
    return J->failed || (J->nwritten == J->nnumbered && J->nnumbered == J->limit) ||
           (J->ended && J->nwritten == J->nread);
}

/* Out of the lock: step `step` of slot q. */
static bool do_step(jobs *J, worker *w, int step, long q, int j)
{
    switch (step) {
    case STEP_WRITE: return write_slot(J, q);
    case STEP_SETTLE: return settle_slot(w, q);
    case STEP_SCAN: scan_part(J, slot_of(J, q), j); return true;
    default: read_slot(J, slot_of(J, q)); return true;
    }
}

/* Under mu: what a step done changes. */
static void step_done(jobs *J, worker *w, int step, long q, bool ok)
{
    slot *s = slot_of(J, q);
    if (!ok) J->failed = true;
    if (!ok && step == STEP_WRITE) J->write_failed = true;
    switch (step) {
    case STEP_WRITE:
        J->nwritten++;
        J->writing = false;
        progress(J, s->end, false);
        break;
    case STEP_SETTLE:
        s->settled++;
        w->next++;
        break;
    case STEP_SCAN:
        s->parts_done++;
        number_slots(J);
        break;
    default:
        J->reading = false;
        J->nread++;
        s->parts_taken = s->parts_done = s->settled = 0;
        if (s->bad) s->parts_taken = s->parts_done = NPARTS; /* not scanned: the replay reads it */
        J->ended = s->last;
        if (J->ended && J->limit == LONG_MAX) J->limit = J->nread;
        number_slots(J);
        break;
    }
}

static double seconds(const struct timespec *a, const struct timespec *b) // ok-float: time, bytes or prose, never money
{
    return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9; // ok-float: time, bytes or prose, never money
}

static bool new_worker(worker *w);

/* Every worker made, each by the thread that runs it (the caller's thread
 * makes those no thread could be made for too): glibc gives each thread an
 * arena of its own, so two workers' objects, which their threads write at
 * every claim, never share a cache line (made one after the other by one
 * thread, they did, at their edges and wherever malloc reused a small hole).
 * No step starts before all are made; false when one could not be (then no
 * thread takes a step, and the caller settles the batch on one worker). */
static bool make_workers(jobs *J, worker *w)
{
    bool made = new_worker(w);
    if (w->id == 0) /* the caller's thread, which counted the threads */
        for (int k = J->threads; k < J->n; k++) made = made && new_worker(&J->w[k]);
    pthread_mutex_lock(&J->mu);
    J->unmade = J->unmade || !made;
    J->ready++;
    pthread_cond_broadcast(&J->cv);
    while (J->ready < J->threads) pthread_cond_wait(&J->cv, &J->mu);
    return !J->unmade;
}

static void *work(void *arg)
{
    worker *w = arg;
    jobs *J = w->J;
    struct timespec cpu0;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu0);
    if (!make_workers(J, w)) { /* under mu */
        pthread_mutex_unlock(&J->mu);
        return NULL;
    }
    for (;;) {
        long q = 0;
        worker *as = w;
        int j = 0, step = next_step(J, w, &q, &j, &as);
        if (step == STEP_NONE) {
            if (all_done(J)) break;
            struct timespec a, b;
            clock_gettime(CLOCK_MONOTONIC, &a);
            pthread_cond_wait(&J->cv, &J->mu);
            clock_gettime(CLOCK_MONOTONIC, &b);
            w->idle += seconds(&a, &b);
            continue;
        }
        if (step == STEP_WRITE) J->writing = true;
        if (step == STEP_READ) J->reading = true;
        pthread_mutex_unlock(&J->mu);
        bool ok = do_step(J, as, step, q, j);
        w->steps[step]++;
        pthread_mutex_lock(&J->mu);
        step_done(J, as, step, q, ok);
        pthread_cond_broadcast(&J->cv);
    }
    pthread_cond_broadcast(&J->cv);
    pthread_mutex_unlock(&J->mu);
    struct timespec cpu1;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu1);
    w->cpu_s = seconds(&cpu0, &cpu1);
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* the replay: one VM from the start, writing from a bad slot's first line  */

typedef struct replay {
    yb_vm *vm;
    yb_writer *wr;
    yb_claim *claim;
    const yb_run_opts *o;
    yb_run_stats *st;
    const char *reasons[YB_MAX_REASONS];
    yb_alert alerts[YB_MAX_ALERTS];
} replay;

/* Every record of input i read by the file reader and settled; written (and
 * counted) from line `from` on. */
static bool replay_input(replay *R, int i, const input *in, const char *path, long from)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    FILE *errs = R->o->batch.errors;
    char why[256];
    yb_reader *r = f ? yb_reader_open_opts(&R->vm->p->schema, f, in->name, YB_FMT_JSONL, &R->o->batch.reader, why, sizeof why) : NULL;
    bool ok = r != NULL;
    if (!r && errs) fprintf(errs, "%s: error: cannot read it again\n", in->name);
    int rc;
    yb_record_error err;
    while (ok && (rc = yb_reader_next(r, R->claim, &err)) != 0) {
        long line = rc > 0 ? R->claim->line : err.line;
        bool quiet = line < from;
        R->st->batch.records += !quiet;
        if (rc < 0) {
            if (!quiet) yb_batch_error(errs, in->name, line, NULL, err.field, err.message);
            R->st->batch.errors += !quiet;
            continue;
        }
        bool settled = yb_batch_settle(R->vm, R->claim, in->name, line, NULL, quiet ? NULL : errs);
        if (R->o->opens && !yb_report_opens_note(R->o->opens, R->vm, yb_report_pos(i, line))) { /* run --positions */
            if (errs) fprintf(errs, "error: out of memory\n");
            ok = false;
        } else if (!settled) {
            R->st->batch.errors += !quiet;
        } else if (!quiet) {
            R->st->held += R->vm->held;
            R->st->batch.done++;
            ok = put_settlement(R->vm, R->wr, R->o, R->reasons, R->alerts);
        }
    }
    yb_reader_close(r);
    if (f && f != stdin) fclose(f);
    return ok;
}

static bool run_replay(jobs *J, yb_vm *vm, const char *const *paths)
{
    replay *R = calloc(1, sizeof *R);
    bool ok = R != NULL;
    if (R) {
        *R = (replay){.vm = vm, .o = J->o, .st = J->st};
        R->claim = yb_claim_new(&J->p->schema);
        R->wr = yb_writer_open(J->o->out, YB_FMT_JSONL, J->p->outs, J->p->nouts, J->p->schema.enums);
        ok = R->claim && R->wr;
    }
    if (!ok && J->o->batch.errors) fprintf(J->o->batch.errors, "error: out of memory\n");
    for (int i = 0; ok && i < J->nin; i++)
        ok = replay_input(R, i, &J->in[i], paths[i], i < J->replay_input ? LONG_MAX : i == J->replay_input ? J->replay_line : 0);
    if (R && !yb_writer_close(R->wr)) ok = false;
    if (R) yb_claim_free(R->claim);
    free(R);
    return ok;
}

/* ------------------------------------------------------------------------ */
/* the batch                                                                 */

/* Every worker's report entries merged into vm's (report_merge.h): vm is
 * the first part, with no entries of its own. */
static bool merge_reports(jobs *J, yb_vm *vm)
{
    yb_vm *vms[MAX_JOBS + 1] = {vm};
    /* run --positions: the openings merged into the caller's */
    yb_report_opens *opens[MAX_JOBS + 1] = {J->o->opens ? J->o->opens : yb_report_opens_new(J->p)};
    for (int k = 0; k < J->n; k++) {
        vms[k + 1] = J->w[k].vm;
        opens[k + 1] = J->w[k].opens;
    }
    char err[300] = "out of memory";
    bool ok = opens[0] && yb_report_merge(vms, opens, J->n + 1, err, sizeof err);
    if (opens[0] != J->o->opens) yb_report_opens_free(opens[0]);
    if (!ok && J->o->batch.errors) fprintf(J->o->batch.errors, "error: %s\n", err);
    return ok;
}

/* NULL when the batch can be split; else why not (for -v). */
static const char *unsplittable(const yb_vm *vm, const char *const *inputs, int ninputs, const yb_run_opts *o)
{
    const yb_program *p = vm->p;
    if (p->route_field <= 0) return p->route_plan && p->route_plan->why[0] ? p->route_plan->why : "the policy has no routing plan";
    if (o->admit || o->settled) return "a durable ledger settles claims one at a time";
    if (o->out_format != YB_FMT_JSONL) return "CSV output";
    if (o->batch.in_format == YB_FMT_CSV) return "CSV input";
    /* the workers' readers have the default options (claim_reader.h) */
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

static void close_inputs(input *in, int n)
{
    for (int i = 0; in && i < n; i++) {
        if (in[i].map && in[i].unmapped < (size_t)in[i].size)
            munmap((void *)(in[i].map + in[i].unmapped), (size_t)in[i].size - in[i].unmapped);
        if (in[i].fd >= 0) close(in[i].fd);
    }
    free(in);
}

/* An input file is mapped, not read with pread into the slots, for two
 * reasons.  A batch routed by groups reads it twice, the pre-pass and then
 * the slots: with pread the kernel copies the whole file out of the page
 * cache twice (0.08-0.09 s of system time for 755 MB, bench/README.md);
 * mapped, the pre-pass scans it in place and the slots use the same pages.
 * And a slot read with pread is written by the thread that read it, so the
 * lines another worker settles come out of that core's cache, which costs
 * CPU when the host puts the machine's two cores far apart (bench/README.md:
 * a quarter more, at times); a window of the mapping is only read, and each
 * worker copies its own lines (read_own).  Only a named regular file is
 * mapped (never standard input), whole, and only when it fits in half the
 * memory: a larger one cannot stay in the page cache from one pass to the
 * other anyway.  Its pages count in the process's RSS while they are mapped:
 * a family pre-pass drops each piece's as it is learnt (drop_piece), and
 * the slots' are given back behind the slots written (give_back, UNMAP_STEP
 * at a time), so RSS stays bounded whatever the file's size.  MADV_WILLNEED
 * only reads ahead into the page cache; it maps no page.  When mmap fails
 * it is read with pread.
 * The mapping is size bytes, fixed by fstat at open, and nothing reads past
 * them.  A file cut shorter while it is mapped raises SIGBUS on the pages
 * past its new end: accepted, since the input is the bureau's own claims
 * file, and one cut while the batch reads it has no right answer anyway
 * (read with pread, its claims would silently stop short). */
static void map_input(input *in)
{
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (in->size <= 0 || (uintmax_t)in->size > SIZE_MAX || pages <= 0 || page <= 0 ||
        (uintmax_t)in->size / (uintmax_t)page > (uintmax_t)pages / 2)
        return;
    void *m = mmap(NULL, (size_t)in->size, PROT_READ, MAP_PRIVATE, in->fd, 0);
    if (m == MAP_FAILED) return;
    madvise(m, (size_t)in->size, MADV_WILLNEED);
    in->map = m;
}

/* Every input opened (and mapped when map: map_input): NULL when one cannot
 * be, or is not a regular file (*pipe set: it cannot be read twice), and then
 * it is read by one worker. */
static input *open_inputs(const char *const *paths, int n, bool map, bool *pipe)
{
    input *in = calloc((size_t)n, sizeof *in);
    for (int i = 0; in && i < n; i++) in[i].fd = -1;
    for (int i = 0; in && i < n; i++) {
        bool std = strcmp(paths[i], "-") == 0;
        struct stat sb;
        in[i].name = std ? "<stdin>" : paths[i];
        in[i].fd = std ? dup(0) : open(paths[i], O_RDONLY);
        bool ok = in[i].fd >= 0 && fstat(in[i].fd, &sb) == 0;
        if (!ok || !S_ISREG(sb.st_mode)) {
            *pipe = ok;
            close_inputs(in, n);
            return NULL;
        }
        in[i].start = std ? lseek(in[i].fd, 0, SEEK_CUR) : 0; /* standard input is read from where it is */
        if (in[i].start < 0) in[i].start = 0;
        in[i].size = sb.st_size;
        posix_fadvise(in[i].fd, 0, 0, POSIX_FADV_SEQUENTIAL);
        if (map && !std) map_input(&in[i]);
    }
    return in;
}

/* ------------------------------------------------------------------------ */
/* the pre-pass of a batch routed by groups (route_key.h)                    */

/* The inputs are cut into pieces of bytes (at most LEARN_PIECE, at least
 * LEARN_MIN, about eight a thread), which the threads take in turn; a piece
 * learns the lines that start in it, each into the thread's own groups
 * (their roots do not depend on the order of the links), merged at the end.
 * Only the joining is serial, and only over the ids linked. */
enum { LEARN_PIECE = 16 << 20, LEARN_MIN = 64 << 10, LEARN_BUF = 128 << 10 };

typedef struct learner {
    jobs *J;
    yb_groups *g;
    char *buf; /* cap bytes: LEARN_BUF, or SLOT_BYTES for a long line */
    size_t cap;
    bool ok;
    long pieces;                  /* YB_JOBS_TRACE */
    struct timespec cpu0, cpu;    /* the thread's CPU time before and after */
} learner;

/* Under mu: the next piece, [*from, *to) of input *in; false when none is left. */
static bool take_piece(jobs *J, int *in, off_t *from, off_t *to)
{
    while (J->lin < J->nin && J->lpos >= J->in[J->lin].size)
        if (++J->lin < J->nin) J->lpos = J->in[J->lin].start;
    if (J->lin >= J->nin || J->lfailed) return false;
    *in = J->lin;
    *from = J->lpos;
    *to = J->in[J->lin].size - J->lpos > J->lpiece ? J->lpos + J->lpiece : J->in[J->lin].size;
    J->lpos = *to;
    return true;
}

/* Bytes of in at off into b (up to want, fewer only at its end); -1 on an error. */
static ssize_t read_at(const input *in, char *b, size_t want, off_t off)
{
    size_t got = 0;
    while (got < want) {
        ssize_t n = pread(in->fd, b + got, want - got, off + (off_t)got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -1;
        if (n == 0) break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

/* The lines of a mapped input (map_input) that start in [from, to), learnt
 * in place.  A line longer than a slot is learnt too: its slot is bad and
 * the batch from there is settled again by one VM, so what it links only
 * joins more claims on one worker, which is never wrong. */
static bool learn_mapped(learner *L, const input *in, off_t from, off_t to)
{
    const char *m = in->map, *e = m + in->size, *p = m + from;
    if (from > in->start && p[-1] != '\n') { /* the line under way is the piece before's */
        p = memchr(p, '\n', (size_t)(e - p));
        if (!p) return true;
        p++;
    }
    if (p >= m + to) return true;
    const char *end = memchr(m + to - 1, '\n', (size_t)(e - (m + to - 1)));
    end = end ? end + 1 : e;
    return yb_router_learn_text(L->J->router, L->g, p, (size_t)(end - p), p == m + in->start);
}

/* The lines of in that start in [from, to), learnt.  The buffer always
 * starts at a line's start (after the line under way at `from`, which the
 * piece before learns: it reads on past its end to that line's newline).
 * It holds LEARN_BUF bytes (the kernel's copy into it stays in the cache),
 * grown to a slot for a longer line; a line that does not fit in a slot is
 * skipped: the pipeline never settles it on a worker (its slot is bad: one
 * VM settles the batch again), and the claims before it link nothing
 * through it. */
static bool learn_piece(learner *L, const input *in, off_t from, off_t to)
{
    if (in->map) return learn_mapped(L, in, from, to);
    off_t base = from > in->start ? from - 1 : from; /* the offset of b[0]: from - 1 says whether a line starts at from */
    size_t len = 0;
    bool skip = from > in->start, eof = false;
    for (;;) {
        char *b = L->buf;
        ssize_t got = read_at(in, b + len, L->cap - len, base + (off_t)len);
        if (got < 0) return false;
        len += (size_t)got;
        eof = len < L->cap;
        char *p = b, *e = b + len;
        if (skip) { /* the rest of the line under way */
            char *nl = memchr(p, '\n', len);
            if (!nl && eof) return true;
            skip = !nl;
            p = nl ? nl + 1 : e;
        }
        off_t at = base + (p - b);
        if ((p == e && eof) || at >= to) return true;
        /* the last line that is ours ends at the first newline from to - 1 on */
        char *last = NULL;
        if (to - 1 - base < (off_t)len) last = memchr(b + (to - 1 - base), '\n', (size_t)(e - (b + (to - 1 - base))));
        bool done = last || eof;
        if (!done && !(last = memrchr(p, '\n', (size_t)(e - p)))) {
            if (p == b && L->cap < SLOT_BYTES) { /* a long line: the buffer grown to a slot */
                char *nb = realloc(L->buf, SLOT_BYTES);
                if (!nb) return false;
                L->buf = nb;
                L->cap = SLOT_BYTES;
                continue;
            }
            if (p == b) { /* a line longer than a slot */
                skip = true;
                base += (off_t)len;
                len = 0;
                continue;
            }
            last = p - 1; /* the line under way moves to the buffer's start */
        }
        char *end = last ? last + 1 : e;
        if (end > p && !yb_router_learn_text(L->J->router, L->g, p, (size_t)(end - p), at == in->start)) return false;
        if (done) return true;
        len = (size_t)(e - end);
        memmove(b, end, len);
        base += end - b;
    }
}

/* The pages wholly inside [from, to) of a mapped input, learnt, taken out
 * of the process's page tables (MADV_DONTNEED), so that the pre-pass holds
 * no more of the file in RSS than the pieces under way: the whole file
 * otherwise (1.5 GB for a million claims, bench/README.md).  The mapping is
 * read-only and private, never written, so no page of it is the process's
 * own: dropping one only unmaps it, the page cache keeps its bytes, and the
 * slots' windows later map them again with minor faults (fault-around maps
 * 16 pages a fault).  A page a piece only partly holds is kept, since the
 * piece next to it may still be reading it.  A neighbour may also read a
 * little of a page this one drops (the byte before a piece, the line that
 * runs on past a piece's end), even while it is dropped: that is safe, since
 * a read of a dropped page only faults it in again from the page cache (the
 * same bytes; the kernel orders the fault and the drop under the page
 * table's lock), and the page stays until the slots give it back: a page or
 * two a piece. */
static void drop_piece(const input *in, off_t from, off_t to)
{
    if (!in->map) return;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), a = (uintptr_t)(in->map + from), b = (uintptr_t)(in->map + to);
    if (to >= in->size) b += page - 1; /* the file's last page: no piece after it */
    a = (a + page - 1) / page * page;
    b = b / page * page;
    if (b > a) madvise((void *)a, b - a, MADV_DONTNEED);
}

static void *learn_work(void *arg)
{
    learner *L = arg;
    jobs *J = L->J;
    int in = 0;
    off_t from = 0, to = 0;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &L->cpu0);
    for (;;) {
        pthread_mutex_lock(&J->mu);
        if (!L->ok) J->lfailed = true;
        bool more = take_piece(J, &in, &from, &to);
        pthread_mutex_unlock(&J->mu);
        if (!more) break;
        L->ok = learn_piece(L, &J->in[in], from, to);
        drop_piece(&J->in[in], from, to);
        L->pieces++;
    }
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &L->cpu);
    return NULL;
}

/* Every line of every input learnt on J->n threads (the caller's one among
 * them), the threads' groups merged into the router's; false when out of
 * memory or an input could not be read (then one worker reads it, and says). */
static bool learn_inputs(jobs *J)
{
    learner L[MAX_JOBS];
    pthread_t t[MAX_JOBS];
    off_t all = 0;
    for (int i = 0; i < J->nin; i++) all += J->in[i].size - J->in[i].start;
    off_t piece = all / (8 * (off_t)J->n);
    J->lpiece = piece > LEARN_PIECE ? LEARN_PIECE : piece < LEARN_MIN ? LEARN_MIN : piece;
    J->lin = 0;
    J->lpos = J->in[0].start;
    int made = 0;
    bool ok = true;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int k = 0; k < J->n; k++) {
        L[k] = (learner){.J = J, .g = yb_groups_new(), .buf = malloc(LEARN_BUF), .cap = LEARN_BUF};
        L[k].ok = L[k].g && L[k].buf;
        ok = ok && L[k].ok;
    }
    for (made = 1; ok && made < J->n && pthread_create(&t[made], NULL, learn_work, &L[made]) == 0; made++) {}
    if (ok) learn_work(&L[0]);
    for (int k = 1; k < made; k++) pthread_join(t[k], NULL);
    for (int k = 0; k < J->n; k++) {
        ok = ok && L[k].ok && yb_router_absorb(J->router, L[k].g);
        yb_groups_free(L[k].g);
        free(L[k].buf);
        J->learn_cpu += seconds(&L[k].cpu0, &L[k].cpu);
        J->learn_pieces += L[k].pieces;
    }
    J->learn_wall = yb_batch_seconds_since(&t0);
    return ok;
}

static void free_worker(worker *w)
{
    yb_vm_free(w->vm);
    yb_report_opens_free(w->opens);
    yb_reader_close(w->r);
    yb_claim_free(w->claim);
    for (int k = 0; k < NSLOTS; k++) {
        if (w->out[k]) yb_writer_close(w->out[k]);
        if (w->errf[k]) fclose(w->errf[k]);
        free(w->err[k]);
    }
    free(w->scratch);
}

/* w's VM, reader, claim and buffers: made by the thread that runs w (see
 * work), so in that thread's own malloc arena; false when out of memory. */
static bool new_worker(worker *w)
{
    const yb_program *p = w->J->p;
    w->vm = yb_vm_new(p);
    w->r = yb_reader_open_mem(&p->schema, "-");
    w->claim = yb_claim_new(&p->schema);
    w->opens = yb_report_opens_new(p);
    bool ok = w->vm && w->r && w->claim && w->opens;
    for (int k = 0; ok && k < NSLOTS; k++) ok = (w->out[k] = yb_writer_open_mem(YB_FMT_JSONL, p->outs, p->nouts, p->schema.enums));
    return ok;
}

static void free_jobs(jobs *J)
{
    for (int k = 0; J->w && k < J->nalloc; k++) free_worker(&J->w[k]);
    free(J->w);
    for (int k = 0; k < NSLOTS; k++) {
        free(J->slots[k].buf);
        for (int j = 0; j < NPARTS; j++) {
            part *pt = &J->slots[k].parts[j];
            for (int w = 0; w < MAX_JOBS; w++) free(pt->of[w].v);
            free(pt->order);
        }
    }
    free(J->carry);
    free(J->stage);
    close_inputs(J->in, J->nin);
    yb_router_free(J->router);
    pthread_mutex_destroy(&J->mu);
    pthread_cond_destroy(&J->cv);
}

static bool new_jobs(jobs *J, int njobs)
{
    bool ok = (J->w = calloc((size_t)njobs, sizeof *J->w)) && (J->carry = malloc(SLOT_BYTES)) &&
              (J->stage = malloc(OUT_STAGE));
    for (int k = 0; ok && k < NSLOTS; k++) ok = (J->slots[k].buf = malloc(SLOT_BYTES + SLOT_PAD)) != NULL;
    for (int k = 0; ok && k < njobs; k++) J->w[k] = (worker){.J = J, .id = k}; /* made by their threads (work) */
    J->nalloc = ok ? njobs : 0;
    J->n = njobs;
    return ok;
}

static void trace(const jobs *J, double wall) // ok-float: time, bytes or prose, never money
{
    const char *t = getenv("YB_JOBS_TRACE");
    FILE *f = J->o->batch.errors;
    if (!t || !*t || strcmp(t, "0") == 0 || !f) return;
    if (yb_router_grouped(J->router))
        fprintf(f, "jobs: family pre-pass: %.3f s wall, %.3f s CPU, %ld pieces on %d threads, inputs %s\n", J->learn_wall,
                J->learn_cpu, J->learn_pieces, J->n, J->in[0].map ? "mapped" : "read with pread");
    for (int k = 0; k < J->n; k++) {
        const worker *w = &J->w[k];
        fprintf(f, "jobs: thread %d: %.3f s CPU, %.3f s idle of %.3f s; slots written %ld, settled %ld, parts scanned %ld, slots read %ld\n",
                k, w->cpu_s, w->idle, wall, w->steps[STEP_WRITE], // ok-float: time, bytes or prose, never money
                w->steps[STEP_SETTLE], w->steps[STEP_SCAN], w->steps[STEP_READ]);
    }
}

/* The pipeline on J->n threads, the caller's one among them (when a thread
 * cannot be made, the caller's settles that worker's lines too); false when
 * a step failed. */
static bool run_threads(jobs *J)
{
    pthread_t t[MAX_JOBS];
    int made = 1;
    pthread_mutex_lock(&J->mu); /* no thread starts before the count is known */
    while (made < J->n && pthread_create(&t[made], NULL, work, &J->w[made]) == 0) made++;
    J->threads = made;
    pthread_mutex_unlock(&J->mu);
    work(&J->w[0]);
    for (int k = 1; k < made; k++) pthread_join(t[k], NULL);
    return !J->failed;
}

bool yb_batch_run_jobs(yb_vm *vm, int njobs, const char *const *inputs, int ninputs, const yb_run_opts *o,
                       yb_run_stats *st)
{
    if (njobs > MAX_JOBS) njobs = MAX_JOBS;
    if (njobs < 2) return yb_batch_run(vm, inputs, ninputs, o, st);
    const char *why = unsplittable(vm, inputs, ninputs, o);
    if (why) return one_worker(vm, njobs, why, inputs, ninputs, o, st);
    static const char *const stdin_only[] = {"-"};
    const char *const *paths = ninputs > 0 ? inputs : stdin_only;
    int nin = ninputs > 0 ? ninputs : 1;
    const yb_program *p = vm->p;
    bool oom = false, pipe = false;
    yb_router *router = yb_router_new(p, njobs, &oom);
    if (!router) return one_worker(vm, njobs, oom ? "out of memory" : "a routing field nested too deep", inputs, ninputs, o, st);
    bool grouped = yb_router_grouped(router);
    const char *nomap = getenv("YB_JOBS_MAP"); /* 0: pread, not mapped (the tests take both routes) */
    input *in = open_inputs(paths, nin, !(nomap && strcmp(nomap, "0") == 0), &pipe);
    if (!in) {
        yb_router_free(router);
        /* a family's claims are grouped by reading the input twice: a pipe cannot be */
        const char *twice = "claims are grouped by family before they are split, which needs a file, not a pipe";
        if (grouped && pipe && o->jobs_given && !o->jobs_log)
            fprintf(o->batch.errors ? o->batch.errors : stderr, "yibao: --jobs %d: one worker: %s\n", njobs, twice);
        return one_worker(vm, njobs, grouped && pipe ? twice : "an input is not a regular file", inputs, ninputs, o, st);
    }
    jobs *J = calloc(1, sizeof *J);
    if (!J) {
        close_inputs(in, nin);
        yb_router_free(router);
        return one_worker(vm, njobs, "out of memory", inputs, ninputs, o, st);
    }
    *J = (jobs){.o = o, .p = p, .router = router, .in = in, .nin = nin, .st = st, .rpos = in[0].start,
                .limit = LONG_MAX, .num_input = -1, .replay_input = -1};
    pthread_mutex_init(&J->mu, NULL);
    pthread_cond_init(&J->cv, NULL);
    bool made = new_jobs(J, njobs);
    if (!made || (grouped && !learn_inputs(J))) {
        /* out of memory, or an input that cannot be read: one worker says which */
        free_jobs(J);
        free(J);
        return one_worker(vm, njobs, made ? "out of memory, or an input could not be read" : "out of memory", inputs, ninputs, o, st);
    }
    yb_router_seal(router);
    if (o->jobs_log) {
        char how[600];
        yb_router_describe(router, how, sizeof how);
        fprintf(o->jobs_log, "yibao: --jobs %d: %d workers, claims routed by %s\n", njobs, njobs, how);
    }
    memset(st, 0, sizeof *st);
    clock_gettime(CLOCK_MONOTONIC, &J->t0);
    for (int i = 0; i < nin; i++) J->bytes_all += (double)(in[i].size - in[i].start); // ok-float: time, bytes or prose, never money
    /* a write error is said by the caller, who knows the output (as yb_batch_run) */
    bool ok = fflush(o->out) == 0 && run_threads(J);
    if (J->unmade) { /* nothing settled or written yet */
        free_jobs(J);
        free(J);
        return one_worker(vm, njobs, "out of memory", inputs, ninputs, o, st);
    }
    if (!ok && !J->write_failed && o->batch.errors) fprintf(o->batch.errors, "error: out of memory\n");
    if (!flush_out(J)) ok = false;
    trace(J, yb_batch_seconds_since(&J->t0));
    /* the caller's VM gets the workers' reports; or, after a bad slot, settles
       the whole batch again itself */
    if (ok && J->replay_input >= 0) ok = run_replay(J, vm, paths);
    else if (ok && !merge_reports(J, vm)) ok = false;
    progress(J, J->bytes_all, true);
    free_jobs(J);
    free(J);
    return ok;
}
