/* The cross-reference index of a policy and its imports: every declaration
 * (its name's span, the extent of its text, its type as the checker knows it,
 * the comment written right above it, a parameter's or table's dated
 * versions as written) and every use of a name (its span, which declaration
 * it names, which top-level declaration holds it).  For tools that read a
 * policy rather than run it: the language server (lsp/), `yibao doc`.
 *
 *     yb_diag diag;
 *     yb_diag_init(&diag, stderr);            // or an open_memstream, or a sink
 *     yb_xref *x = yb_xref_build(&diag, "policy.yb", NULL);
 *     for (int i = 0; i < x->nuses; i++)      // where is each parameter used?
 *         if (x->decls[x->uses[i].decl].kind == YB_XREF_PARAM) ...
 *     yb_xref_free(x);
 *     yb_diag_free(&diag);                    // after x: locations name diag's files
 *
 * Locations are yb_loc (diag.h): loc.file indexes diag->files (name and text),
 * lines and columns 1-based, columns in bytes, end_col one past the last byte.
 * The index is built from the checker's resolution where the checker got that
 * far; where it stopped on an error, names are found by scope and by name, so
 * a policy with a type error still has its index (one that does not parse has
 * the declarations of the files that did).
 */
#ifndef YB_XREF_H
#define YB_XREF_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"

/* What a declaration is.  parent (below) links a member to its enum, a field
 * to its record, input, output or state, a column to its table, a let to its rule. */
#define YB_XREF_KINDS(X)                                                                  \
    X(ENUM, "enum") X(MEMBER, "enum member") X(RECORD, "record") X(FIELD, "field")          \
    X(INPUT, "input") X(OUTPUT, "output") X(OUTPUT_FIELD, "output") X(PARAM, "param")      \
    X(TABLE, "table") X(COLUMN, "column") X(STATE, "state") X(REPORT, "report")            \
    X(STATE_FIELD, "state field") X(DEFINE, "define") X(RULE, "rule") X(STAGE, "stage")    \
    X(REASON, "reason") X(LET, "let") X(IMPORT, "import") X(POLICY, "policy")

typedef enum {
#define YB_XREF_ENUM_(id, word) YB_XREF_##id,
    YB_XREF_KINDS(YB_XREF_ENUM_)
#undef YB_XREF_ENUM_
} yb_xref_kind;

/* "param", "enum member", …: the kind as the language writes it. */
const char *yb_xref_kind_name(yb_xref_kind k);

/* One dated version of a parameter or table, or an amendment of one. */
typedef struct yb_xref_version {
    int64_t date;  /* days since 1970-01-01 (date.h): in force from this date */
    yb_loc loc;    /* where it is written (an amendment: in the variant's file) */
    char *text;    /* its lines as written (values and their trailing comments), lines joined by '\n' */
    bool amended;  /* from an `amend`: rows it does not give keep the values before it */
} yb_xref_version;

typedef struct yb_xref_decl {
    yb_xref_kind kind;
    char *name;       /* as written; a rule's Chinese name too */
    yb_loc loc;       /* the name where it is declared */
    yb_loc extent;    /* the declaration's whole text: first line to last (nested ones: = loc) */
    int parent;       /* the enclosing declaration, or -1 */
    char *type;       /* "money", "rate by level", "table by scheme, level", an enum's name…, or NULL */
    char *detail;     /* a rule's, stage's or invariant's description, an import's path, or NULL */
    char *comment;    /* the `#` lines right above it and a `#` comment on its own line, each
                         without '#' and one space, joined by '\n'; NULL when there is none */
    yb_xref_version *versions; /* a param or table: its versions and amendments, in source order */
    int nversions;
    int target_file;  /* an import: the diag file it brings in (-1 when it could not be read) */
} yb_xref_decl;

typedef struct yb_xref_use {
    int decl;  /* the declaration named */
    yb_loc loc;/* the name as written */
    int in;    /* the top-level declaration (rule, define, state, amend…) holding the use, or -1 */
} yb_xref_use;

typedef struct yb_xref {
    yb_xref_decl *decls; /* file by file in the order they were read, each in source order; a
                            declaration's members, fields or columns right after it; the lets of
                            rules last (their parent is their rule) */
    int ndecls;
    yb_xref_use *uses;   /* file by file, in the order the walk meets them */
    int nuses;
    bool checked;        /* the checker accepted the policy: every use is its resolution */
} yb_xref;

/* Compile `path` (its text: `text`, or NULL to read the file; imports are read
 * from disk) reporting every message of the compiler to diag, and index it.
 * Never NULL (out of memory aborts). */
yb_xref *yb_xref_build(yb_diag *diag, const char *path, const char *text);
void yb_xref_free(yb_xref *x);

/* The declaration whose name is declared or used at (file, line, byte col),
 * or -1.  *use_out, when not NULL, gets the use's index there, or -1 when
 * the position is the declaration itself. */
int yb_xref_at(const yb_xref *x, int file, int line, int col, int *use_out);

#endif
