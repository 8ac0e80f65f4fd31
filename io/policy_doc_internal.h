/* Shared by the files of `yibao doc` (policy_doc.h): the page being written. */
#ifndef YB_POLICY_DOC_INTERNAL_H
#define YB_POLICY_DOC_INTERNAL_H

#include "doc_source.h"
#include "html_text.h"
#include "policy_diff.h"
#include "policy_doc.h"
#include "xref.h"

/* One difference (yb_policy_change), kept. */
typedef struct yb_doc_change {
    char *what, *name, *from, *key, *old_value, *new_value;
} yb_doc_change;

typedef struct yb_doc_changes {
    int n;
    yb_doc_change *v;
    const char *against; /* the other policy's file */
} yb_doc_changes;

typedef struct yb_doc {
    const yb_doc_input *in;
    const yb_program *p;
    const yb_outline *o;
    FILE *out;
    yb_doc_changes base; /* this policy against the one it amends */
    yb_doc_changes old;  /* against --diff OLD */
    int *rule_no;        /* per outline step: its number among the rules (1, 2, …), or 0 */
} yb_doc;

/* The change to `name` (at `from`, `key`: "" for any) of kind `what`, or NULL. */
const yb_doc_change *yb_doc_change_find(const yb_doc_changes *c, const char *what, const char *name, const char *from,
                                        const char *key);
/* The outline step of kind `kind` named `name`, or -1. */
int yb_doc_step(const yb_doc *d, int kind, const char *name);
/* A source's path as the page shows it (`a/../b` as `b`). */
void yb_doc_path(yb_doc *d, const char *path);
/* `FILE:LINE`, as a quiet line of the page. */
void yb_doc_where(yb_doc *d, yb_loc loc);

/* policy_doc_xref.c: what the cross-reference index tells the page */
/* The index's declaration of an outline step (a top-level one), or -1. */
int yb_doc_xdecl(const yb_doc *d, const yb_outline_step *st);
/* Its comment (the one that cites its source), as a block; nothing when it has none. */
void yb_doc_comment_block(yb_doc *d, int xdecl);
/* "LABEL" and a link to each rule, define or state that names it (or a
 * column or field of it); `none` (or nothing when NULL) when none does. */
void yb_doc_users(yb_doc *d, int xdecl, const char *label, const char *none);
/* "Reads" and a link to each parameter or table a rule or define names. */
void yb_doc_reads(yb_doc *d, int xdecl);
/* A span of source as code, each name it uses linked to where the page shows
 * that; one_line: its lines joined by a space, without indent or comments. */
void yb_doc_code(yb_doc *d, yb_loc span, bool one_line);
/* A declaration's text as written (its extent in the index; else its first line). */
void yb_doc_decl_code(yb_doc *d, int xdecl, const yb_outline_step *st);
/* A parameter or table by name: its group's first parameter, or -1. */
int yb_doc_param_group(const yb_program *p, const char *name);

void yb_doc_params(yb_doc *d);   /* policy_doc_params.c: the parameters and tables */
void yb_doc_changes_table(yb_doc *d, const yb_doc_changes *c, const char *id, const char *title, const char *old_label,
                          const char *new_label); /* policy_doc.c */

#endif
