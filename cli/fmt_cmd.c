/* yibao fmt [--check | -w] [FILE...]: the canonical layout of policy files
 * (lang/format.c).  No file: standard input to standard output.  --check: names
 * each file that would change and exits 1.  -w: rewrites the files in place,
 * through a temporary file renamed over the original, so a crash never leaves
 * half a policy. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "format.h"

/* The whole of f (malloc'd) in *n; NULL after saying why. */
static char *fmt_slurp(FILE *f, const char *name, size_t *n)
{
    size_t cap = 4096, len = 0;
    char *p = malloc(cap);
    while (p) {
        len += fread(p + len, 1, cap - len, f);
        if (len < cap) break;
        char *q = realloc(p, cap *= 2);
        if (!q) { free(p); p = NULL; break; }
        p = q;
    }
    if (!p || ferror(f)) {
        fprintf(stderr, "yibao fmt: %s: cannot read\n", name);
        free(p);
        return NULL;
    }
    *n = len;
    return p;
}

static int fmt_write_in_place(const char *path, const char *text, size_t n)
{
    size_t len = strlen(path) + 16;
    char *tmp = malloc(len);
    if (!tmp) { fprintf(stderr, "yibao fmt: out of memory\n"); return 2; }
    snprintf(tmp, len, "%s.fmt-XXXXXX", path);
    int fd = mkstemp(tmp);
    FILE *f = fd < 0 ? NULL : fdopen(fd, "wb");
    bool ok = f && fwrite(text, 1, n, f) == n && fflush(f) == 0 && fsync(fileno(f)) == 0;
    if (f && fclose(f) != 0) ok = false;
    if (!f && fd >= 0) close(fd);
    if (ok && rename(tmp, path) != 0) ok = false;
    if (!ok) {
        fprintf(stderr, "yibao fmt: %s: cannot write\n", path);
        if (fd >= 0) remove(tmp);
    }
    free(tmp);
    return ok ? 0 : 2;
}

/* One file (or standard input when path is NULL): 0 same/written, 1 would change, 2 error. */
static int fmt_one(const char *path, bool check, bool write)
{
    FILE *f = path ? fopen(path, "rb") : stdin;
    if (!f) { fprintf(stderr, "yibao fmt: %s: cannot open\n", path); return 2; }
    size_t n = 0, m = 0;
    char *src = fmt_slurp(f, path ? path : "standard input", &n);
    if (path) fclose(f);
    if (!src) return 2;
    char *out = yb_format_policy(src, n, &m);
    int rc = 0;
    if (!out) { fprintf(stderr, "yibao fmt: out of memory\n"); rc = 2; }
    else if (check || write) {
        bool same = m == n && memcmp(src, out, n) == 0;
        if (!same && check) { printf("%s\n", path ? path : "-"); rc = 1; }
        else if (!same && write && path) rc = fmt_write_in_place(path, out, m);
        else if (!same && write) rc = fwrite(out, 1, m, stdout) == m ? 0 : 2;
    } else if (fwrite(out, 1, m, stdout) != m) {
        fprintf(stderr, "yibao fmt: cannot write standard output\n");
        rc = 2;
    }
    free(src);
    free(out);
    return rc;
}

int yb_cmd_fmt(int argc, char **argv)
{
    bool check = false, write = false;
    int files = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--check") == 0) check = true;
        else if (strcmp(argv[i], "-w") == 0) write = true;
        else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "yibao fmt: unknown option %s\nusage: yibao fmt [--check | -w] [FILE.yb...]\n", argv[i]);
            return 2;
        } else files++;
    }
    if (check && write) {
        fprintf(stderr, "yibao fmt: --check and -w exclude each other\n");
        return 2;
    }
    if (files == 0) return fmt_one(NULL, check, write);
    int worst = 0;
    for (int i = 0; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1]) continue;
        int rc = fmt_one(strcmp(argv[i], "-") == 0 ? NULL : argv[i], check, write);
        if (rc > worst) worst = rc;
    }
    if (fflush(stdout) != 0) return 2;
    return worst;
}
