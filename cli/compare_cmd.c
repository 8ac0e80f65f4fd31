/* `yibao compare OLD NEW [CLAIMS...|-]`: a policy change over a corpus.
 *   default          one JSON line per changed claim, then a summary line (text on a terminal)
 *   --text|--json|--csv   the reform report (io/reform_report.h)
 *   --html FILE      the reform report as one page
 *   --as-of YEAR, --shift-years N   replay: every date of a claim moved by whole years
 *   --top N          the N claims that change most (default 10)
 * Standard input is spooled to a temporary file: each policy reads the claims
 * with its own reader. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "compare.h"
#include "output.h"
#include "reform_report.h"

static int usage(const char *msg, const char *arg)
{
    fprintf(stderr, "yibao: ");
    fprintf(stderr, msg, arg);
    fputs("\nusage: yibao compare OLD.yb|OLD.ybc NEW.yb|NEW.ybc [CLAIMS...|-] [-o OUT] [--text|--json|--csv]\n"
          "                     [--html FILE] [--as-of YEAR | --shift-years N] [--top N]\n"
          "                     [--max-record BYTES] [--strict]\n",
          stderr);
    return 2;
}

/* Standard input copied to a temporary file (unlinked at once); its path in /dev/fd. */
static FILE *spool_stdin(char *path, size_t n)
{
    const char *dir = getenv("TMPDIR");
    snprintf(path, n, "%s/yibao-compare-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) return NULL;
    unlink(path);
    FILE *f = fdopen(fd, "w+b");
    if (!f) {
        close(fd);
        return NULL;
    }
    char buf[1 << 16];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, stdin)) > 0)
        if (fwrite(buf, 1, got, f) != got) break;
    if (ferror(stdin) || ferror(f) || fflush(f) != 0) {
        fclose(f);
        return NULL;
    }
    snprintf(path, n, "/dev/fd/%d", fd);
    return f;
}

static bool int_arg(const char *v, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (!*v || *end || errno || x < lo || x > hi) return false;
    *out = x;
    return true;
}

typedef struct cmp_args {
    const char *pol[2], *out, *html;
    const char **inputs;
    int ninputs, npol;
    char format; /* 0 default, 't', 'j', 'c' */
    long shift, as_of, top;
    yb_batch_opts o;
    yb_native_libs natives; /* --native LIB=PATH */
} cmp_args;

/* 0: parsed; else the exit status of a usage error. */
static int parse(int argc, char **argv, cmp_args *a)
{
    for (int i = 0; i < argc; i++) {
        const char *s = argv[i];
        int k = yb_reader_option(argc, argv, &i, &a->o);
        if (k == 0) k = yb_native_option("compare", argc, argv, &i, &a->natives);
        if (k < 0) return 2;
        if (k > 0) continue;
        if (!strcmp(s, "--text") || !strcmp(s, "--json") || !strcmp(s, "--csv")) {
            a->format = s[2];
            continue;
        }
        if (!strcmp(s, "-o") || !strcmp(s, "--html") || !strcmp(s, "--as-of") || !strcmp(s, "--shift-years") || !strcmp(s, "--top")) {
            if (i + 1 == argc) return usage("%s needs a value", s);
            const char *v = argv[++i];
            if (!strcmp(s, "-o")) a->out = v;
            else if (!strcmp(s, "--html")) a->html = v;
            else if (!strcmp(s, "--as-of") && !int_arg(v, 1, 9999, &a->as_of)) return usage("--as-of takes a year, not %s", v);
            else if (!strcmp(s, "--shift-years") && !int_arg(v, -9999, 9999, &a->shift)) return usage("--shift-years takes a number of years, not %s", v);
            else if (!strcmp(s, "--top") && !int_arg(v, 0, 10000, &a->top)) return usage("--top takes 0 to 10000, not %s", v);
            continue;
        }
        if (s[0] == '-' && s[1]) return usage("unknown option %s", s);
        if (a->npol < 2) a->pol[a->npol++] = s;
        else a->inputs[a->ninputs++] = s;
    }
    if (a->npol < 2) return usage("compare needs two policies%s", "");
    if (a->as_of && a->shift) return usage("--as-of and --shift-years are one or the other%s", "");
    return 0;
}

/* Every output file opened before the batch starts: a wrong path costs nothing. */
static bool open_outputs(const cmp_args *a, FILE **of, FILE **hf)
{
    *of = a->out ? fopen(a->out, "wb") : stdout;
    if (!*of) {
        fprintf(stderr, "yibao: cannot write %s: %s\n", a->out, strerror(errno));
        return false;
    }
    *hf = a->html ? fopen(a->html, "wb") : NULL;
    if (a->html && !*hf) {
        fprintf(stderr, "yibao: cannot write %s: %s\n", a->html, strerror(errno));
        return false;
    }
    return true;
}

int yb_cmd_compare(int argc, char **argv)
{
    cmp_args a = {.o = {.in_format = -1, .errors = stderr, .progress = isatty(fileno(stderr)) ? stderr : NULL}, .top = 10};
    a.inputs = calloc((size_t)argc + 1, sizeof *a.inputs);
    if (!a.inputs) return 1;
    int rc = parse(argc, argv, &a);
    if (rc) {
        yb_native_libs_free(&a.natives);
        free(a.inputs);
        return rc;
    }
    char spool[4200];
    FILE *sp = NULL;
    for (int i = 0; i < a.ninputs || (i == 0 && a.ninputs == 0); i++) {
        if (a.ninputs && strcmp(a.inputs[i], "-") != 0) continue;
        if (sp) {
            yb_native_libs_free(&a.natives);
            free(a.inputs);
            return usage("standard input can be read once%s", "");
        }
        if (!(sp = spool_stdin(spool, sizeof spool))) {
            fprintf(stderr, "yibao: cannot keep standard input in a temporary file: %s\n", strerror(errno));
            yb_native_libs_free(&a.natives);
            free(a.inputs);
            return 1;
        }
        if (a.ninputs) a.inputs[i] = spool;
        else a.inputs[a.ninputs++] = spool;
    }
    FILE *of = NULL, *hf = NULL;
    yb_program *op = NULL, *np = NULL;
    yb_reform *r = NULL;
    rc = 1;
    if (!open_outputs(&a, &of, &hf)) goto done;
    op = yb_load_policy(a.pol[0], false, &a.natives);
    np = op ? yb_load_policy(a.pol[1], false, &a.natives) : NULL;
    if (!np) goto done;
    char format = a.format ? a.format : isatty(fileno(of)) ? 't' : 0;
    if (format || hf) {
        r = yb_reform_new(op, np, (int)a.top);
        if (!r) goto done;
        r->old_name = a.pol[0];
        r->new_name = a.pol[1];
        r->as_of = (int)a.as_of;
        r->shift_years = (int)a.shift;
    }
    yb_compare_opts co = {(int)a.shift, (int)a.as_of, r, format == 0};
    rc = yb_compare_with(op, np, a.inputs, a.ninputs, &a.o, of, &co);
    if (r) {
        char w[400];
        yb_reform_replay_warning(r, w, sizeof w);
        if (w[0]) fprintf(stderr, "yibao: %s\n", w);
        bool ok = format == 't' ? yb_reform_write_text(r, of) : format == 'j' ? yb_reform_write_json(r, of)
                : format == 'c' ? yb_reform_write_csv(r, of) : true;
        if (hf && !yb_reform_write_html(r, hf)) ok = false;
        if (!ok) rc = 1;
    }
done:
    if (of && of != stdout && !yb_cli_finish(of, a.out)) rc = 1;
    if (hf && !yb_cli_finish(hf, a.html)) rc = 1;
    if (sp) fclose(sp);
    yb_reform_free(r);
    yb_program_free(op);
    yb_program_free(np);
    yb_native_libs_free(&a.natives);
    free(a.inputs);
    return rc;
}
