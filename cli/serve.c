/* yibao serve POLICY.ybc|DIR [--listen ADDR] [--port N] [--trust PUB|DIR]
 *             [--threads N] [--poll MS] [--max-body BYTES]
 *             [--ledger FILE.db|postgresql://... [--migrate]]
 *
 * The settlement service: HTTP in cli/serve_http.c; here the policy in force
 * and its hot swap.  The policy path is watched (a file, or the newest *.ybc
 * in a directory); a changed file is loaded and verified (and its signature
 * checked against --trust) before it is used, the running totals move to it,
 * and the switch happens between two claims, under the lock claims are
 * settled with.  A file that does not load is refused and logged, and the
 * last good policy stays.  SIGHUP reloads; SIGINT/SIGTERM stop.
 *
 * With --ledger the running totals live in the durable ledger of `yibao run
 * --ledger`, one transaction per claim (api/ledger_batch.c); a swap opens the
 * new policy's ledger batch, whose state declarations must match the
 * ledger's (only the first policy may --migrate it).  Without it they live in
 * memory, in the service's one batch, and move to a swapped-in policy by
 * export/import: a restart starts them afresh. */
#include "serve.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "serve_internal.h"

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
    char ts[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(stderr, "%s serve: ", ts);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
}

/* What a file looked like when last tried: a change of any of these is a new file. */
typedef struct seen {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    bool any;
} seen;

static bool same(const seen *a, const struct stat *st)
{
    return a->any && a->dev == st->st_dev && a->ino == st->st_ino && a->size == st->st_size &&
           a->mtime.tv_sec == st->st_mtim.tv_sec && a->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

/* The policy file a path names: itself, or the newest *.ybc in a directory
 * (ties: the greatest name). false when there is none. */
static bool policy_file(const char *path, char *out, size_t n, struct stat *st)
{
    if (stat(path, st) != 0) return false;
    if (!S_ISDIR(st->st_mode)) {
        snprintf(out, n, "%s", path);
        return true;
    }
    DIR *d = opendir(path);
    if (!d) return false;
    bool found = false;
    struct timespec best = {0, 0};
    char bestname[1024] = "";
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".ybc") != 0 || l >= sizeof bestname) continue;
        char full[4096];
        struct stat fs;
        snprintf(full, sizeof full, "%s/%s", path, e->d_name);
        if (stat(full, &fs) != 0 || !S_ISREG(fs.st_mode)) continue;
        struct timespec m = fs.st_mtim;
        if (!found || m.tv_sec > best.tv_sec || (m.tv_sec == best.tv_sec && m.tv_nsec > best.tv_nsec) ||
            (m.tv_sec == best.tv_sec && m.tv_nsec == best.tv_nsec && strcmp(e->d_name, bestname) > 0)) {
            found = true;
            best = m;
            snprintf(bestname, sizeof bestname, "%s", e->d_name);
            *st = fs;
        }
    }
    closedir(d);
    if (found) snprintf(out, n, "%s/%s", path, bestname);
    return found;
}

static void stamp_time(char *buf, size_t n)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Load file, and make it the policy in force (first time: s->batch.id == 0).
 * false: refused, the policy in force stays (the reason is logged). */
static bool swap_in(srv *s, const char *file)
{
    yibao_error e;
    yibao_policy np;
    yibao_batch nb;
    if (yibao_policy_load_file(s->env, file, &np, &e) != YIBAO_OK) {
        pthread_mutex_lock(&s->mu);
        s->swaps_refused += s->batch.id != 0;
        pthread_mutex_unlock(&s->mu);
        if (s->batch.id) logf_("refused %s: %s; still settling with %s %s (%.12s)", file, e.message, s->info.name, s->info.version, s->info.hash);
        else logf_("cannot start: %s", e.message);
        return false;
    }
    yibao_policy_info ni;
    yibao_policy_get_info(s->env, np, &ni, NULL);
    if (s->batch.id && strcmp(ni.hash, s->info.hash) == 0) {
        logf_("%s is the policy in force already (%.12s); nothing to swap", file, ni.hash);
        yibao_policy_free(s->env, np);
        return true;
    }
    yibao_status bst = s->ledger ? yibao_batch_open_ledger(s->env, np, YIBAO_BATCH_STAMP | (s->migrate && !s->batch.id ? YIBAO_BATCH_MIGRATE : 0),
                                                          s->ledger, &nb, &e)
                                 : yibao_batch_open(s->env, np, YIBAO_BATCH_STAMP, &nb, &e);
    if (bst != YIBAO_OK) {
        if (s->batch.id) {
            pthread_mutex_lock(&s->mu);
            s->swaps_refused++;
            pthread_mutex_unlock(&s->mu);
            logf_("refused %s: %s; still settling with %s %s (%.12s)", file, e.message, s->info.name, s->info.version, s->info.hash);
        } else {
            logf_("cannot start: %s: %s", file, e.message);
        }
        yibao_policy_free(s->env, np);
        return false;
    }
    pthread_mutex_lock(&s->mu);
    bool ok = true;
    if (s->batch.id && !s->ledger) { /* the running totals move to the new policy, between two claims */
        void *tot;
        size_t len;
        ok = yibao_totals_export(s->env, s->batch, &tot, &len, &e) == YIBAO_OK;
        if (ok) {
            ok = yibao_totals_import(s->env, nb, tot, len, &e) == YIBAO_OK;
            yibao_free(tot);
        }
    }
    char old[200] = "";
    if (ok) {
        if (s->batch.id) {
            snprintf(old, sizeof old, "%s %s (%.12s)", s->info.name, s->info.version, s->info.hash);
            yibao_batch_close(s->env, s->batch);
            yibao_policy_free(s->env, s->pol);
            s->swaps++;
        }
        s->pol = np;
        s->batch = nb;
        s->info = ni;
        snprintf(s->file, sizeof s->file, "%s", file);
        stamp_time(s->loaded_at, sizeof s->loaded_at);
    } else {
        s->swaps_refused++;
    }
    pthread_mutex_unlock(&s->mu);
    if (!ok) {
        logf_("refused %s: its running totals do not fit: %s; still settling with %s %s", file, e.message, s->info.name, s->info.version);
        yibao_batch_close(s->env, nb);
        yibao_policy_free(s->env, np);
        return false;
    }
    if (old[0]) logf_("swapped %s -> %s %s (%.12s, signer \"%s\") from %s", old, ni.name, ni.version, ni.hash, ni.signer, file);
    else logf_("settling with %s %s (%.12s, signer \"%s\") from %s", ni.name, ni.version, ni.hash, ni.signer, file);
    return true;
}

/* A poll (or SIGHUP, forced): try the watched file when it changed. */
static void check_watch(srv *s, const char *path, seen *last, bool forced)
{
    char file[4096];
    struct stat st;
    if (!policy_file(path, file, sizeof file, &st)) {
        if (forced) logf_("reload: no policy file at %s; still settling with %s %s", path, s->info.name, s->info.version);
        return;
    }
    if (!forced && same(last, &st)) return;
    *last = (seen){st.st_dev, st.st_ino, st.st_size, st.st_mtim, true};
    swap_in(s, file);
}

/* The ledger as logs and GET /policy show it: a PostgreSQL password left out. */
static void show_ledger(const char *where, char *out, size_t n)
{
    if (!where) {
        snprintf(out, n, "memory");
        return;
    }
    const char *scheme = strstr(where, "://"), *at = scheme ? strrchr(where, '@') : NULL;
    if (at) snprintf(out, n, "%.*s://…%s", (int)(scheme - where), where, at);
    else if (strstr(where, "password=")) snprintf(out, n, "postgresql (a connection string with a password)");
    else snprintf(out, n, "%s", where);
}

static int usage(const char *msg, const char *arg)
{
    fprintf(stderr, "yibao: ");
    fprintf(stderr, msg, arg);
    fprintf(stderr, "\nusage: yibao serve POLICY.ybc|DIR [--listen ADDR] [--port N] [--trust PUB|DIR] [--threads N] [--native LIB=PATH]\n"
                    "                   [--poll MS] [--max-body BYTES] [--ledger FILE.db|postgresql://... [--migrate]]\n");
    return 2;
}

static bool number(const char *v, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || *end || end == v || n < lo || n > hi) return false;
    *out = n;
    return true;
}

int yb_cmd_serve(int argc, char **argv)
{
    const char *path = NULL, *listen = "127.0.0.1", *trust = NULL, *ledger = NULL;
    bool migrate = false;
    long port = 8080, threads = 2, poll_ms = 500, max_body = 64L << 20;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--listen") || !strcmp(a, "--port") || !strcmp(a, "--trust") || !strcmp(a, "--threads") ||
            !strcmp(a, "--poll") || !strcmp(a, "--max-body") || !strcmp(a, "--native") || !strcmp(a, "--ledger")) {
            if (i + 1 == argc) return usage("%s needs a value", a);
            const char *v = argv[++i];
            bool ok = true;
            if (!strcmp(a, "--native")) ok = strchr(v, '=') != NULL; /* given to the env below */
            else if (!strcmp(a, "--listen")) listen = v;
            else if (!strcmp(a, "--trust")) trust = v;
            else if (!strcmp(a, "--ledger")) ledger = v;
            else if (!strcmp(a, "--port")) ok = number(v, 0, 65535, &port);
            else if (!strcmp(a, "--threads")) ok = number(v, 1, 64, &threads);
            else if (!strcmp(a, "--poll")) ok = number(v, 10, 3600000, &poll_ms);
            else ok = number(v, 1024, 1L << 30, &max_body);
            if (!ok) return usage(!strcmp(a, "--native") ? "--native takes LIBRARY=PATH, not %s" : "%s: not a number in range", v);
        } else if (!strcmp(a, "--migrate")) migrate = true;
        else if (a[0] == '-') return usage("unknown option %s", a);
        else if (!path) path = a;
        else return usage("serve takes one policy file or directory, found another: %s", a);
    }
    if (!path) return usage("serve needs a policy file (.ybc) or a directory of them%s", "");
    if (migrate && !ledger) return usage("--migrate needs --ledger%s", "");

    srv s;
    memset(&s, 0, sizeof s);
    s.max_body = (size_t)max_body;
    s.ledger = ledger;
    s.migrate = migrate;
    show_ledger(ledger, s.ledger_shown, sizeof s.ledger_shown);
    s.env = yibao_env_new();
    if (!s.env || pthread_mutex_init(&s.mu, NULL) != 0) return 1;
    int rc = 1;
    yibao_error e;
    seen last = {0};
    struct MHD_Daemon *d = NULL;
    struct stat st0;
    /* --native LIB=PATH: every policy loaded, and every one swapped in, is bound to these */
    for (int i = 0; i + 1 < argc; i++) {
        if (strcmp(argv[i], "--native") != 0) continue;
        char lib[80];
        const char *v = argv[++i], *eq = strchr(v, '=');
        snprintf(lib, sizeof lib, "%.*s", (int)(eq - v < 79 ? eq - v : 79), v);
        if (yibao_env_native(s.env, lib, eq + 1, &e) != YIBAO_OK) {
            fprintf(stderr, "yibao: --native %s: %s\n", v, e.message);
            goto out;
        }
    }
    if (trust) {
        bool dir = stat(trust, &st0) == 0 && S_ISDIR(st0.st_mode);
        if ((dir ? yibao_env_trust_dir(s.env, trust, &e) : yibao_env_trust_key(s.env, trust, &e)) != YIBAO_OK) {
            fprintf(stderr, "yibao: %s\n", e.message);
            goto out;
        }
    }
    /* signals are taken by this thread only (sigtimedwait): block them before
       the HTTP threads start, so they inherit the mask */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    char file[4096];
    if (!policy_file(path, file, sizeof file, &st0)) {
        fprintf(stderr, "yibao: no policy at %s (a .ybc file, or a directory holding one)\n", path);
        goto out;
    }
    last = (seen){st0.st_dev, st0.st_ino, st0.st_size, st0.st_mtim, true};
    if (!swap_in(&s, file)) goto out;
    unsigned bound = 0;
    if (!(d = srv_http_start(&s, listen, (unsigned)port, (unsigned)threads, &bound))) {
        fprintf(stderr, "yibao: cannot listen on %s:%ld: %s\n", listen, port, strerror(errno));
        goto out;
    }
    if (ledger) logf_("listening on http://%s:%u/ (%ld threads; running totals in the ledger %s, one transaction per claim)", listen, bound, threads, s.ledger_shown);
    else logf_("listening on http://%s:%u/ (%ld threads; running totals in memory: a restart starts them afresh)", listen, bound, threads);
    for (;;) {
        struct timespec wait = {poll_ms / 1000, (poll_ms % 1000) * 1000000};
        int sig = sigtimedwait(&set, NULL, &wait);
        if (sig == SIGINT || sig == SIGTERM) break;
        check_watch(&s, path, &last, sig == SIGHUP);
    }
    logf_("stopping: %lld claims settled, %lld refused, %lld swaps", s.claims, s.claim_errors, s.swaps);
    rc = 0;
out:
    if (d) srv_http_stop(d);
    yibao_env_free(s.env);
    pthread_mutex_destroy(&s.mu);
    return rc;
}
