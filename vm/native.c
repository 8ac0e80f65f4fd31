/* Native functions through libffi: the host's libraries, the binding made at
 * load, and the call the NATIVE instruction makes (see native.h).
 *
 * How values cross (spec.md section 4.19):
 *   money  int64_t, fen            rate  int64_t, parts per million (85% = 850000)
 *   int    int64_t                 date  int32_t, days since 1970-01-01
 *   bool   int, 0 or 1 (a result: 0 false, anything else true)
 *   text   two C arguments: const char * (not NUL-terminated) and size_t, its length in bytes
 * A result is money, rate, date, int or bool; a money result beyond
 * ±10,000,000,000,000.00 yuan or a date outside 0001-01-01..9999-12-31 is a
 * record error naming the function. */
#include "native.h"

#include <dlfcn.h>
#include <ffi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm.h"

/* One extern, bound: the function and its call interface, prepared once. */
typedef struct yb_native_fn {
    void (*fn)(void);
    ffi_cif cif;
    ffi_type *types[2 * YB_NATIVE_MAX_PARAMS]; /* a text parameter is two C arguments */
} yb_native_fn;

struct yb_native_binding {
    int nhandles;
    void **handles; /* one per library opened */
    yb_native_fn fns[];
};

/* ---------------------------------------------------------------- the host's libraries */

bool yb_native_libs_add(yb_native_libs *l, const char *name, const char *path, char *err, size_t errlen)
{
    if (!yb_native_word_ok(name, true)) {
        snprintf(err, errlen, "a native library's name is 1 to %d letters, digits, _ - or . (as the policy's `from \"…\"` names it, not starting with a digit), not \"%s\"",
                 YB_NATIVE_MAX_NAME, name ? name : "");
        return false;
    }
    if (!path || !path[0]) {
        snprintf(err, errlen, "native library \"%s\" needs the path of a shared object", name);
        return false;
    }
    char *np = strdup(name), *pp = strdup(path);
    for (int i = 0; np && pp && i < l->n; i++)
        if (strcmp(l->libs[i].name, name) == 0) {
            free(l->libs[i].path);
            l->libs[i].path = pp;
            free(np);
            return true;
        }
    yb_native_lib *nl = np && pp ? realloc(l->libs, (size_t)(l->n + 1) * sizeof *nl) : NULL;
    if (!nl) {
        free(np);
        free(pp);
        snprintf(err, errlen, "out of memory");
        return false;
    }
    l->libs = nl;
    l->libs[l->n++] = (yb_native_lib){np, pp};
    return true;
}

bool yb_native_libs_parse(yb_native_libs *l, const char *spec, char *err, size_t errlen)
{
    const char *eq = strchr(spec, '=');
    if (!eq) {
        snprintf(err, errlen, "--native takes LIBRARY=PATH (capitation=build/libcapitation.so), not %s", spec);
        return false;
    }
    char name[YB_NATIVE_MAX_NAME + 2];
    size_t n = (size_t)(eq - spec);
    snprintf(name, sizeof name, "%.*s", (int)(n < sizeof name - 1 ? n : sizeof name - 1), spec);
    if (n >= sizeof name - 1) name[sizeof name - 2] = '+'; /* too long: refused by the name check */
    return yb_native_libs_add(l, name, eq + 1, err, errlen);
}

void yb_native_libs_free(yb_native_libs *l)
{
    for (int i = 0; i < l->n; i++) {
        free(l->libs[i].name);
        free(l->libs[i].path);
    }
    free(l->libs);
    l->libs = NULL;
    l->n = 0;
}

/* ---------------------------------------------------------------- binding */

static ffi_type *c_type(uint8_t kind)
{
    switch (kind) {
    case YB_T_DATE: return &ffi_type_sint32;
    case YB_T_BOOL: return &ffi_type_sint;
    default: return &ffi_type_sint64; /* money, rate, int */
    }
}

void yb_native_unbind(yb_program *p)
{
    struct yb_native_binding *b = p->bound;
    if (!b) return;
    for (int i = 0; i < b->nhandles; i++) dlclose(b->handles[i]);
    free(b->handles);
    free(b);
    p->bound = NULL;
}

/* The library of that name opened for this binding (once per library). */
static void *open_lib(struct yb_native_binding *b, const char **opened, const yb_native_libs *libs, const yb_native_desc *d,
                      char *err, size_t errlen)
{
    const yb_native_lib *lib = NULL;
    for (int i = 0; libs && i < libs->n; i++)
        if (strcmp(libs->libs[i].name, d->library) == 0) lib = &libs->libs[i];
    if (!lib) {
        snprintf(err, errlen, "native function `%s` comes from library \"%s\", and no library of that name is given "
                 "(--native %s=PATH, or yibao_env_native)", d->name, d->library, d->library);
        return NULL;
    }
    for (int i = 0; i < b->nhandles; i++)
        if (strcmp(opened[i], lib->name) == 0) return b->handles[i];
    void *h = dlopen(lib->path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *why = dlerror();
        snprintf(err, errlen, "native library \"%s\" (for `%s`) cannot be opened from %s: %s", d->library, d->name, lib->path,
                 why ? why : "unknown error");
        return NULL;
    }
    opened[b->nhandles] = lib->name;
    b->handles[b->nhandles++] = h;
    return h;
}

static bool bind_one(yb_native_fn *f, void *h, const yb_native_desc *d, const char *path, char *err, size_t errlen)
{
    dlerror();
    void *sym = dlsym(h, d->name);
    if (!sym) {
        snprintf(err, errlen, "native library \"%s\" (%s) has no function `%s`", d->library, path, d->name);
        return false;
    }
    memcpy(&f->fn, &sym, sizeof f->fn); /* POSIX: a symbol's address converts to a function pointer */
    unsigned n = 0;
    for (int k = 0; k < d->nparams; k++) {
        if (d->params[k] == YB_T_TEXT) {
            f->types[n++] = &ffi_type_pointer;
            f->types[n++] = &ffi_type_uint64; /* size_t */
        } else {
            f->types[n++] = c_type(d->params[k]);
        }
    }
    if (ffi_prep_cif(&f->cif, FFI_DEFAULT_ABI, n, c_type(d->result), f->types) != FFI_OK) {
        snprintf(err, errlen, "native function `%s` of library \"%s\": libffi cannot prepare its call", d->name, d->library);
        return false;
    }
    return true;
}

static const char *lib_path(const yb_native_libs *libs, const char *name)
{
    for (int i = 0; i < libs->n; i++)
        if (strcmp(libs->libs[i].name, name) == 0) return libs->libs[i].path;
    return "";
}

bool yb_native_bind(yb_program *p, const yb_native_libs *libs, char *err, size_t errlen)
{
    _Static_assert(sizeof(size_t) == 8, "a text's length crosses as a 64-bit size_t");
    yb_native_unbind(p);
    if (p->nnatives == 0) return true;
    struct yb_native_binding *b = calloc(1, sizeof *b + (size_t)p->nnatives * sizeof b->fns[0]);
    const char **opened = calloc((size_t)p->nnatives, sizeof *opened);
    if (b) b->handles = calloc((size_t)p->nnatives, sizeof *b->handles);
    bool ok = b && opened && b->handles;
    if (!ok) snprintf(err, errlen, "out of memory");
    for (int i = 0; ok && i < p->nnatives; i++) {
        const yb_native_desc *d = &p->natives[i];
        void *h = open_lib(b, opened, libs, d, err, errlen);
        ok = h && bind_one(&b->fns[i], h, d, lib_path(libs, d->library), err, errlen);
    }
    free(opened);
    p->bound = b;
    if (!ok) yb_native_unbind(p);
    return ok;
}

/* ---------------------------------------------------------------- the call */

bool yb_native_call(const yb_vm *vm, unsigned fn, const int64_t *args, int64_t *out, char *err, size_t errlen)
{
    const yb_program *p = vm->p;
    const yb_native_desc *d = &p->natives[fn];
    if (!p->bound) {
        snprintf(err, errlen, "native function `%s` of library \"%s\" is not bound (load the policy with --native %s=PATH)",
                 d->name, d->library, d->library);
        return false;
    }
    yb_native_fn *f = &p->bound->fns[fn];
    void *av[2 * YB_NATIVE_MAX_PARAMS];
    int64_t wide[YB_NATIVE_MAX_PARAMS];
    int32_t dates[YB_NATIVE_MAX_PARAMS];
    int bools[YB_NATIVE_MAX_PARAMS];
    const char *texts[YB_NATIVE_MAX_PARAMS];
    size_t lens[YB_NATIVE_MAX_PARAMS];
    unsigned n = 0;
    for (int k = 0; k < d->nparams; k++) {
        switch (d->params[k]) {
        case YB_T_DATE: dates[k] = (int32_t)args[k]; av[n++] = &dates[k]; break; /* verified in range */
        case YB_T_BOOL: bools[k] = args[k] != 0; av[n++] = &bools[k]; break;
        case YB_T_TEXT: {
            uint32_t len;
            yb_vm_text(vm, args[k], &texts[k], &len);
            lens[k] = len;
            av[n++] = &texts[k];
            av[n++] = &lens[k];
            break;
        }
        default: wide[k] = args[k]; av[n++] = &wide[k]; break;
        }
    }
    /* libffi widens a result narrower than a register to ffi_sarg */
    union { ffi_sarg narrow; int64_t wide; } rv = {0};
    ffi_call(&f->cif, f->fn, &rv, av);
    switch (d->result) {
    case YB_T_BOOL: *out = (int)rv.narrow != 0; return true;
    case YB_T_DATE:
        *out = (int32_t)rv.narrow;
        if (yb_date_in_range(*out)) return true;
        snprintf(err, errlen, "native function `%s` returned day %lld, outside 0001-01-01..9999-12-31", d->name, (long long)*out);
        return false;
    case YB_T_MONEY:
        *out = rv.wide;
        if (*out >= -YB_MONEY_MAX && *out <= YB_MONEY_MAX) return true;
        snprintf(err, errlen, "native function `%s` returned %lld fen, beyond the money range", d->name, (long long)*out);
        return false;
    default: *out = rv.wide; return true;
    }
}
