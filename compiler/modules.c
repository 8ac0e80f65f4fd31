/* Reading a policy and its imports.  An import brings the imported file's
 * declarations in at that point (each file once); a cycle is an error. */
#define _DEFAULT_SOURCE /* realpath */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "yb_limits.h"

/* The whole source file, or NULL with *why saying what is wrong with it.
 * Only a regular file is read (a directory, a device such as /dev/zero or a
 * pipe is refused before reading), and at most YB_MAX_SOURCE_BYTES of it. */
static char *read_source(const char *path, size_t *len, char *why, size_t whylen)
{
    /* O_NONBLOCK: opening a pipe with no writer must not hang before fstat */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(why, whylen, "%s", strerror(errno));
        if (fd >= 0) close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(why, whylen, "%s, expected a policy file",
                 S_ISDIR(st.st_mode) ? "is a directory" : "is not a regular file (a device, pipe or socket)");
        close(fd);
        return NULL;
    }
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n > YB_MAX_SOURCE_BYTES || st.st_size > YB_MAX_SOURCE_BYTES) { /* the size, or what was read: it may grow */
            snprintf(why, whylen, "is larger than %d MiB, the most a policy file may hold", YB_MAX_SOURCE_BYTES >> 20);
            break;
        }
        if (n + 4096 > cap) {
            cap = cap ? cap * 2 : 65536;
            char *nb = realloc(buf, cap);
            if (!nb) {
                snprintf(why, whylen, "out of memory");
                break;
            }
            buf = nb;
        }
        ssize_t got = read(fd, buf + n, cap - n - 1);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            snprintf(why, whylen, "%s", strerror(errno));
            break;
        }
        if (got == 0) {
            close(fd);
            buf[n] = 0;
            *len = n;
            return buf;
        }
        n += (size_t)got;
    }
    close(fd);
    free(buf);
    return NULL;
}

static char *resolve_path(yb_compiler *c, const char *from, const char *rel)
{
    if (rel[0] == '/') return yb_arena_strndup(c->arena, rel, strlen(rel));
    const char *slash = strrchr(from, '/');
    size_t dir = slash ? (size_t)(slash - from + 1) : 0;
    char *p = yb_arena_alloc(c->arena, dir + strlen(rel) + 1);
    memcpy(p, from, dir);
    strcpy(p + dir, rel);
    return p;
}

typedef struct loading {
    const char *path;
    bool done;
} loading;

/* Load `path` (text: its contents, or NULL to read it); `written` is the
 * import's path as the importing file wrote it, for messages. */
static bool load(yb_compiler *c, const char *path, const char *written, char *text, size_t len, yb_loc from, yb_vec *seen,
                 int depth)
{
    /* a file is known by its real path: `lib/../common.yb` is `common.yb` */
    char *real = text ? NULL : realpath(path, NULL);
    const char *key = yb_arena_strndup(c->arena, real ? real : path, strlen(real ? real : path));
    free(real);
    for (int i = 0; i < seen->n; i++) {
        loading *l = seen->items[i];
        if (strcmp(l->path, key) == 0) {
            if (l->done) return true; /* imported before: its declarations are in already */
            yb_error(c->diag, from, "`%s` imports itself (through a chain of imports)", path);
            free(text);
            return false;
        }
    }
    if (depth > 32) {
        yb_error(c->diag, from, "imports nested more than 32 deep");
        free(text);
        return false;
    }
    if (!text) {
        char why[160];
        text = read_source(path, &len, why, sizeof why);
        if (!text) {
            if (depth > 0) yb_error(c->diag, from, "import \"%s\": %s", written, why);
            else yb_error(c->diag, from, "cannot read `%s`: %s", path, why);
            return false;
        }
    } else if (len > YB_MAX_SOURCE_BYTES) {
        yb_error(c->diag, from, "`%s` is larger than %d MiB, the most a policy file may hold", path,
                 YB_MAX_SOURCE_BYTES >> 20);
        free(text);
        return false;
    }
    loading *me = yb_arena_alloc(c->arena, sizeof *me);
    me->path = key;
    yb_vec_push(c->arena, seen, me);
    int file = yb_diag_add_source(c->diag, path, text, len);
    yb_file_ast *ast = yb_parse(c->arena, c->diag, file);
    if (!ast) return false;
    yb_vec_push(c->arena, &c->files, ast);
    bool ok = true;
    for (int i = 0; i < ast->decls.n; i++) {
        yb_decl *d = ast->decls.items[i];
        if (d->kind == D_IMPORT) {
            ok &= load(c, resolve_path(c, path, d->text), d->text, NULL, 0, d->loc, seen, depth + 1);
        } else if (d->kind == D_POLICY && depth > 0) {
            continue; /* a module's own header: only the entry policy's counts */
        } else {
            yb_vec_push(c->arena, &c->steps, d);
        }
    }
    me->done = true;
    return ok;
}

bool yb_load_modules(yb_compiler *c, const char *path, const char *text)
{
    yb_vec seen = {0};
    char *copy = NULL;
    size_t len = 0;
    if (text) {
        len = strlen(text);
        copy = malloc(len + 1);
        memcpy(copy, text, len + 1);
    }
    const char *p = yb_arena_strndup(c->arena, path, strlen(path));
    return load(c, p, p, copy, len, YB_NOLOC, &seen, 0);
}
