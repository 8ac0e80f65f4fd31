/* `yibao doc POLICY.yb -o FILE.html [--diff OLD]`: the policy rendered for
 * reading (io/policy_doc.h).  The page needs the source (its comments and
 * the rules as written), so POLICY is a .yb; OLD may be a .yb or a .ybc. */
#define _DEFAULT_SOURCE /* realpath */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "compiler.h"
#include "outline.h"
#include "policy_doc.h"
#include "xref.h"

static int usage(const char *msg, const char *arg)
{
    fprintf(stderr, "yibao doc: %s%s\nusage: yibao doc POLICY.yb -o FILE.html|- [--diff OLD.yb|OLD.ybc]\n", msg, arg);
    return 2;
}

/* The policy a variant imports whole and amends: a file the entry file
 * imports that has a `policy` header of its own. */
static const char *base_of(const yb_xref *x, const yb_diag *src)
{
    for (int i = 0; i < x->ndecls; i++) {
        const yb_xref_decl *im = &x->decls[i];
        if (im->kind != YB_XREF_IMPORT || im->loc.file != 0 || im->target_file < 0) continue;
        for (int k = 0; k < x->ndecls; k++)
            if (x->decls[k].kind == YB_XREF_POLICY && x->decls[k].loc.file == im->target_file)
                return src->files[im->target_file].name;
    }
    return NULL;
}

static bool same_file(const char *a, const char *b)
{
    char ra[PATH_MAX], rb[PATH_MAX];
    return a && b && realpath(a, ra) && realpath(b, rb) && !strcmp(ra, rb);
}

static bool write_page(const yb_doc_input *in, const char *out_path)
{
    bool to_stdout = strcmp(out_path, "-") == 0;
    FILE *out = to_stdout ? stdout : fopen(out_path, "w");
    if (!out) {
        perror(out_path);
        return false;
    }
    bool ok = yb_doc_write(in, out);
    ok &= fflush(out) == 0;
    if (!to_stdout) ok &= fclose(out) == 0;
    if (!ok) fprintf(stderr, "yibao doc: %s: write error\n", out_path);
    return ok;
}

int yb_cmd_doc(int argc, char **argv)
{
    const char *path = NULL, *out_path = NULL, *old_path = NULL;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--diff")) {
            if (i + 1 >= argc) return usage(argv[i], " needs a file");
            *(argv[i][1] == 'o' ? &out_path : &old_path) = argv[i + 1];
            i++;
        } else if (argv[i][0] == '-' && argv[i][1]) return usage("unknown option ", argv[i]);
        else if (!path) path = argv[i];
        else return usage("one policy only, found another: ", argv[i]);
    }
    if (!path) return usage("doc needs a policy file", "");
    if (!out_path) return usage("say where the page goes: -o FILE.html (or -o - for standard output)", "");
    size_t n = strlen(path);
    if (n >= 4 && !strcmp(path + n - 4, ".ybc"))
        return usage("the page quotes the policy's source and comments: give the .yb, not ", path);
    yb_diag diag;
    yb_diag_init(&diag, stderr);
    yb_outline o;
    yb_xref *x = NULL;
    yb_program *p = yb_compile_outline(path, &diag, &o, &x);
    if (!p) {
        yb_xref_free(x);
        yb_diag_free(&diag);
        return 1;
    }
    const char *base_path = base_of(x, &diag);
    if (same_file(base_path, old_path)) base_path = NULL; /* --diff against it says it all */
    yb_program *base = base_path ? yb_load_policy(base_path, false, NULL) : NULL;
    yb_program *old = old_path ? yb_load_policy(old_path, false, NULL) : NULL;
    int rc = 1;
    if ((!base_path || base) && (!old_path || old)) {
        yb_doc_input in = {p, &o, &diag, x, base, base_path, old, old_path};
        rc = write_page(&in, out_path) ? 0 : 1;
    }
    yb_program_free(old);
    yb_program_free(base);
    yb_program_free(p);
    yb_outline_free(&o);
    yb_xref_free(x); /* before the diag: its locations name the diag's files */
    yb_diag_free(&diag);
    return rc;
}
