/* The language server (`yibao lsp`): JSON-RPC 2.0 over stdio with
 * Content-Length framing (LSP 3.17), shared between its files:
 *   lsp_rpc.c      the framing: one message in, one message out
 *   lsp_json.c     a message as a tree; JSON text out (lsp_json.h)
 *   lsp_server.c   the loop, the lifecycle (initialize … exit), dispatch, errors
 *   lsp_docs.c     open documents, edits, UTF-16 positions, URIs, diagnostics
 *   lsp_methods.c  definition, references and highlights, document and workspace
 *                  symbols, formatting
 *   lsp_hover.c    hover;  lsp_complete.c  completion
 * Each open document is compiled on every change (compiler/xref.h): the
 * compiler's own messages become its diagnostics, the index answers the rest.
 */
#ifndef YB_LSP_H
#define YB_LSP_H

#include <stdbool.h>
#include <stdio.h>

#include "diag.h"
#include "lsp_json.h"
#include "xref.h"

/* The largest message read (a bigger one is refused and skipped): a policy
 * file is at most 16 MiB (yb_limits.h), JSON escapes may double it. */
#define LSP_MAX_MESSAGE ((size_t)64 << 20)
/* A header line longer than this is malformed. */
#define LSP_MAX_HEADER 1024

/* ---- lsp_rpc.c */
typedef enum { LR_OK, LR_EOF, LR_BAD_HEADER, LR_TOO_LARGE } lsp_read_status;
/* One message's body (malloc'd, n bytes then 16 zero bytes) in *body. */
lsp_read_status lsp_read(FILE *in, char **body, size_t *n, char *why, size_t whylen);
bool lsp_write(FILE *out, const char *body, size_t n);

/* ---- one message of the compiler, kept for a document's diagnostics */
typedef struct lsp_msg {
    char severity[8]; /* "error", "warning", "note" */
    yb_loc loc;
    char *text;
} lsp_msg;

/* One compilation of a document: its sources (x's locations index diag->files) and index. */
typedef struct lsp_comp {
    yb_diag diag;
    yb_xref *x;
    size_t **lines; /* per file of diag: where each line starts */
    int *nlines;
} lsp_comp;

typedef struct lsp_doc {
    char *uri, *path; /* path: the file the URI names (imports are read beside it) */
    char *text;
    size_t len;
    lsp_comp *cur;    /* the last compilation: its messages are the diagnostics */
    lsp_comp *good;   /* the last one whose text parsed: what hover, completion… read while
                         the text being typed does not parse (its positions may be a little off) */
    lsp_msg *msgs;
    int nmsgs;
    char **others;    /* URIs of imported files we published diagnostics for */
    int nothers;
} lsp_doc;

typedef struct lsp_server {
    FILE *in, *out;
    bool initialized, shutdown;
    lsp_doc **docs;
    int ndocs;
} lsp_server;

/* A JSON-RPC error code and message of a handler (code 0: none). */
typedef struct lsp_error {
    int code;
    char message[256];
} lsp_error;

#define LSP_PARSE_ERROR -32700
#define LSP_INVALID_REQUEST -32600
#define LSP_METHOD_NOT_FOUND -32601
#define LSP_INVALID_PARAMS -32602
#define LSP_SERVER_NOT_INITIALIZED -32002

/* ---- lsp_server.c */
int lsp_serve(FILE *in, FILE *out); /* the exit status: 0 after shutdown then exit */
void lsp_notify(lsp_server *s, const char *method, const char *params_json);

/* ---- lsp_docs.c */
lsp_doc *lsp_doc_find(lsp_server *s, const char *uri);
void lsp_did_open(lsp_server *s, const lj *params, lsp_error *err);
void lsp_did_change(lsp_server *s, const lj *params, lsp_error *err);
void lsp_did_close(lsp_server *s, const lj *params, lsp_error *err);
void lsp_docs_free(lsp_server *s);
/* The document a request names (params.textDocument.uri), or NULL with err set. */
lsp_doc *lsp_doc_of(lsp_server *s, const lj *params, lsp_error *err);
/* params.position as (file 0, line, byte col), both 1-based; false with err set. */
bool lsp_position(lsp_doc *d, const lj *params, int *line, int *col, lsp_error *err);
/* A location's range as LSP JSON ({"start":…,"end":…}, UTF-16 characters). */
void lsp_range_json(lbuf *b, const lsp_comp *c, yb_loc loc);
/* The URI of a file of a compilation of d (d's own for file 0): malloc'd, or as a JSON string. */
char *lsp_uri(const lsp_doc *d, const yb_diag *diag, int file);
void lsp_uri_json(lbuf *b, const lsp_doc *d, const yb_diag *diag, int file);
/* The compilation queries read: the last that parsed, else the last. */
const lsp_comp *lsp_index(const lsp_doc *d);
/* The position just past the document's last character. */
void lsp_text_end(const lsp_doc *d, int *line, int *character);

/* ---- lsp_methods.c, lsp_hover.c, lsp_complete.c */
/* The declaration at the request's position (-1: none; -2: bad params, err set), with
 * the document and the compilation it is in; *use: the use there, or -1. */
int lsp_at_position(lsp_server *s, const lj *params, lsp_error *err, lsp_doc **dp, const lsp_comp **cp, int *use);
void lsp_location_json(lbuf *b, const lsp_doc *d, const lsp_comp *c, yb_loc loc);
int lsp_kind_code(yb_xref_kind k, bool symbol); /* LSP's CompletionItemKind, or SymbolKind */
void lsp_hover(lsp_server *s, const lj *params, lbuf *out, lsp_error *err);
void lsp_definition(lsp_server *s, const lj *params, lbuf *out, lsp_error *err);
void lsp_references(lsp_server *s, const lj *params, lbuf *out, lsp_error *err);
void lsp_highlight(lsp_server *s, const lj *params, lbuf *out, lsp_error *err);
void lsp_workspace_symbol(lsp_server *s, const lj *params, lbuf *out, lsp_error *err);
void lsp_completion(lsp_server *s, const lj *params, lbuf *out, lsp_error *err);
void lsp_document_symbol(lsp_server *s, const lj *params, lbuf *out, lsp_error *err);
void lsp_formatting(lsp_server *s, const lj *params, lbuf *out, lsp_error *err);

#endif
