/* The policy as the compiler ordered it, for reading (`yibao doc`): every
 * declaration in evaluation order (imports spliced in, rules placed `in
 * STAGE` moved to their stage), the stage each stands in, the dates of each
 * parameter's and amendment's versions, and what each rule sets (what is
 * declared where, and used where, is the cross-reference index's: xref.h).
 * Filled from the checked tree before it is freed; the program (values,
 * rules' code) and the diag (the sources' text, by file index) come with it. */
#ifndef YB_OUTLINE_H
#define YB_OUTLINE_H

#include <stdbool.h>

#include "ast.h" /* yb_decl_kind */
#include "diag.h"
#include "program.h"

typedef struct yb_outline_step {
    int kind;          /* yb_decl_kind (lang/ast.h): D_RULE, D_PARAM, D_STAGE, … */
    char *name;        /* NULL for an invariant */
    char *text;        /* a rule's or stage's description; an invariant as written */
    yb_loc loc;        /* where it is written (loc.file: the diag's source) */
    yb_loc when;       /* a rule's `when` condition (its span), or line 0 */
    int stage;         /* the index (in steps) of the stage it stands in, or -1 */
    char *placed;      /* written `in STAGE [before|after RULE]`: that text, else NULL */
    bool report;       /* a state printed at the end of a batch */
    bool proved;       /* an invariant the compiler proved (the VM need not check it) */
    int amends;        /* D_AMEND: D_PARAM or D_TABLE */
    int ndates;        /* param, table, amend: the dates of the versions it writes */
    yb_date *dates;
    int neffects;      /* rule: "set basic", "add to totals.basic_paid", "reason X", "warn ID" … */
    char **effects;
} yb_outline_step;

typedef struct yb_outline {
    int nsteps;
    yb_outline_step *steps;
} yb_outline;

/* yb_compile_file, and the outline of what it compiled (on success); xref:
 * NULL, or where the cross-reference index goes (xref.h, yb_xref_free). */
struct yb_xref;
yb_program *yb_compile_outline(const char *path, yb_diag *diag, yb_outline *out, struct yb_xref **xref);
void yb_outline_free(yb_outline *o);

#endif
