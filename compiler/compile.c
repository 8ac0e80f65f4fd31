/* The compiler's driver: modules -> check -> codegen -> a verified program. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "loopk.h"
#include "outline.h"

/* xref, outline: NULL, or where the index (xref.c) and the outline (outline.c) of what was read go. */
static yb_program *compile(const char *name, const char *text, yb_diag *diag, struct yb_xref **xref, yb_outline *outline,
                           bool plain)
{
    yb_compiler c;
    memset(&c, 0, sizeof c);
    c.plain = plain;
    c.arena = yb_arena_new();
    c.diag = diag;
    c.prog = calloc(1, sizeof *c.prog);
    int errors = diag->errors;
    bool ok = yb_load_modules(&c, name, text);
    ok = ok && yb_check(&c);
    if (xref) *xref = yb_xref_collect(&c, ok); /* before codegen: what the checker resolved, as written */
    ok = ok && yb_codegen(&c) && diag->errors == errors;
    yb_program *p = c.prog;
    if (ok) {
        yb_plan_routing(&c);
        if (c.policy) {
            p->name = strndup(c.policy->text, c.policy->text_len);
            p->version = c.policy->version_text ? strdup(c.policy->version_text) : strdup("");
            p->effective = c.policy->date ? c.policy->date->ival : 0;
        } else {
            p->name = strdup(name);
            p->version = strdup("");
        }
        p->source = strdup(name);
        p->nfiles = diag->nfiles;
        p->files = calloc((size_t)(p->nfiles ? p->nfiles : 1), sizeof *p->files);
        for (int i = 0; i < diag->nfiles; i++) p->files[i] = strdup(diag->files[i].name);
        if (!p->pool) p->pool = calloc(1, 1);
        char err[256];
        /* item loops of the common shapes become one LOOPK each (vm/loopk.h);
           the compiler's own output must pass the loader's checks too */
        bool prepared = yb_program_prepare(p, err, sizeof err);
        if (prepared) yb_loopk_mark(p);
        if (!prepared || !yb_verify(p, err, sizeof err)) {
            yb_error(diag, YB_NOLOC, "internal: the generated code does not verify: %s", err);
            ok = false;
        }
    }
    if (ok && outline) yb_outline_fill(&c, outline);
    free(c.globals);
    free(c.global_index);
    free(c.tables);
    free(c.param_used);
    free(c.pool_index);
    free(c.sym_kinds);
    free(c.state_syms);
    yb_arena_free(c.arena);
    if (!ok) {
        yb_program_free(p);
        return NULL;
    }
    return p;
}

yb_program *yb_compile_with(const char *name, const char *text, yb_diag *diag, struct yb_xref **xref)
{
    return compile(name, text, diag, xref, NULL, false);
}

yb_program *yb_compile_outline(const char *path, yb_diag *diag, yb_outline *out, struct yb_xref **xref)
{
    memset(out, 0, sizeof *out);
    return compile(path, NULL, diag, xref, out, false);
}

yb_program *yb_compile_file(const char *path, yb_diag *diag) { return yb_compile_with(path, NULL, diag, NULL); }

yb_program *yb_compile_string(const char *name, const char *text, yb_diag *diag)
{
    return yb_compile_with(name, text, diag, NULL);
}

yb_program *yb_compile_plain(const char *name, const char *text, yb_diag *diag)
{
    return compile(name, text, diag, NULL, NULL, true);
}
