/* Reading a policy and its imports.  An import brings the imported file's
 * declarations in at that point (each file once); a cycle is an error. */
#define _DEFAULT_SOURCE /* realpath */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static char *read_whole(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 8192, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (n + 4096 > cap) {
            cap *= 2;
            char *nb = realloc(buf, cap);
            if (!nb) { free(buf); fclose(f); return NULL; }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) break;
    }
    fclose(f);
    buf[n] = 0;
    *len = n;
    return buf;
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

static bool load(yb_compiler *c, const char *path, char *text, size_t len, yb_loc from, yb_vec *seen, int depth)
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
        text = read_whole(path, &len);
        if (!text) {
            yb_error(c->diag, from, "cannot read `%s`: %s", path, strerror(errno));
            return false;
        }
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
            ok &= load(c, resolve_path(c, path, d->text), NULL, 0, d->loc, seen, depth + 1);
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
    return load(c, p, copy, len, YB_NOLOC, &seen, 0);
}
