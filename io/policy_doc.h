/* `yibao doc POLICY -o policy.html [--diff OLD]`: the policy rendered for
 * reading, one self-contained HTML page (no script, no network; inline CSS
 * and SVG): its imports; every parameter and table with its values by
 * effective date (a timeline where they change), the comment that cites its
 * source and the rules that read it; the rules in evaluation order, stage by
 * stage, with their conditions and what they set; states, reports and
 * invariants.  A variant's amendments are shown against the policy it
 * imports, and --diff OLD marks what changed since OLD (both with
 * yb_policy_changes, the `yibao diff` logic). */
#ifndef YB_POLICY_DOC_H
#define YB_POLICY_DOC_H

#include <stdbool.h>
#include <stdio.h>

#include "diag.h"
#include "outline.h"
#include "program.h"

typedef struct yb_doc_input {
    const yb_program *p;    /* the policy */
    const yb_outline *o;    /* its declarations in evaluation order */
    const yb_diag *src;     /* its sources' text (the diag it was compiled with) */
    const struct yb_xref *xref; /* its cross-reference index (xref.h): comments, extents, uses, imports */
    const yb_program *base; /* the policy it imports and amends (a variant's), or NULL */
    const char *base_path;
    const yb_program *old;  /* --diff OLD, or NULL */
    const char *old_path;
} yb_doc_input;

/* The page; false on a write error. */
bool yb_doc_write(const yb_doc_input *in, FILE *out);

#endif
