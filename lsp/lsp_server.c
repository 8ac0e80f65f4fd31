/* The server's loop: read a message, answer it, until `exit` or the end of
 * input.  JSON-RPC errors rather than crashes for whatever arrives: a body
 * that is not JSON (-32700), a message that is not a request or notification
 * (-32600), an unknown method (-32601), bad params (-32602), a request before
 * `initialize` (-32002) or after `shutdown` (-32600).  Unknown notifications
 * are ignored, as the protocol says. */
#include <stdlib.h>
#include <string.h>

#include "lsp.h"

typedef void (*lsp_request_fn)(lsp_server *s, const lj *params, lbuf *out, lsp_error *err);
typedef void (*lsp_notice_fn)(lsp_server *s, const lj *params, lsp_error *err);

static void initialize(lsp_server *s, const lj *params, lbuf *out, lsp_error *err)
{
    s->initialized = true;
    lb_puts(out, "{\"capabilities\":{"
                 "\"positionEncoding\":\"utf-16\","
                 "\"textDocumentSync\":{\"openClose\":true,\"change\":2},"
                 "\"hoverProvider\":true,"
                 "\"definitionProvider\":true,"
                 "\"referencesProvider\":true,"
                 "\"documentHighlightProvider\":true,"
                 "\"workspaceSymbolProvider\":true,"
                 "\"completionProvider\":{\"triggerCharacters\":[\".\"]},"
                 "\"documentSymbolProvider\":true,"
                 "\"documentFormattingProvider\":true},"
                 "\"serverInfo\":{\"name\":\"yibao\",\"version\":\"0.2\"}}");
}

static void shutdown_req(lsp_server *s, const lj *params, lbuf *out, lsp_error *err)
{
    s->shutdown = true;
    lb_puts(out, "null");
}

static const struct {
    const char *method;
    lsp_request_fn fn;
} requests[] = {
    {"initialize", initialize},
    {"shutdown", shutdown_req},
    {"textDocument/hover", lsp_hover},
    {"textDocument/definition", lsp_definition},
    {"textDocument/references", lsp_references},
    {"textDocument/documentHighlight", lsp_highlight},
    {"workspace/symbol", lsp_workspace_symbol},
    {"textDocument/completion", lsp_completion},
    {"textDocument/documentSymbol", lsp_document_symbol},
    {"textDocument/formatting", lsp_formatting},
};

static const struct {
    const char *method;
    lsp_notice_fn fn;
} notices[] = {
    {"textDocument/didOpen", lsp_did_open},
    {"textDocument/didChange", lsp_did_change},
    {"textDocument/didClose", lsp_did_close},
};

static void send(lsp_server *s, lbuf *b)
{
    if (!lsp_write(s->out, b->p, b->n)) fprintf(stderr, "yibao lsp: cannot write a reply\n");
}

static void reply_error(lsp_server *s, const lj *id, int code, const char *message)
{
    lbuf b = {0};
    lb_puts(&b, "{\"jsonrpc\":\"2.0\",\"id\":");
    lb_value(&b, id);
    lb_printf(&b, ",\"error\":{\"code\":%d,\"message\":", code);
    lb_cstr(&b, message);
    lb_puts(&b, "}}");
    send(s, &b);
    lb_free(&b);
}

void lsp_notify(lsp_server *s, const char *method, const char *params_json)
{
    lbuf b = {0};
    lb_puts(&b, "{\"jsonrpc\":\"2.0\",\"method\":");
    lb_cstr(&b, method);
    lb_puts(&b, ",\"params\":");
    lb_puts(&b, params_json);
    lb_puts(&b, "}");
    send(s, &b);
    lb_free(&b);
}

static void request(lsp_server *s, const char *method, const lj *id, const lj *params)
{
    size_t i = 0;
    while (i < sizeof requests / sizeof requests[0] && strcmp(requests[i].method, method) != 0) i++;
    if (i == sizeof requests / sizeof requests[0]) {
        char msg[200];
        snprintf(msg, sizeof msg, "unknown method %.120s", method);
        reply_error(s, id, LSP_METHOD_NOT_FOUND, msg);
        return;
    }
    if (s->shutdown) {
        reply_error(s, id, LSP_INVALID_REQUEST, "the server is shut down: only `exit` is accepted");
        return;
    }
    if (!s->initialized && requests[i].fn != initialize) {
        reply_error(s, id, LSP_SERVER_NOT_INITIALIZED, "`initialize` must come first");
        return;
    }
    lsp_error err = {0};
    lbuf out = {0};
    requests[i].fn(s, params, &out, &err);
    if (err.code) {
        reply_error(s, id, err.code, err.message);
    } else {
        lbuf b = {0};
        lb_puts(&b, "{\"jsonrpc\":\"2.0\",\"id\":");
        lb_value(&b, id);
        lb_puts(&b, ",\"result\":");
        lb_put(&b, out.p ? out.p : "null", out.p ? out.n : 4);
        lb_puts(&b, "}");
        send(s, &b);
        lb_free(&b);
    }
    lb_free(&out);
}

static void notice(lsp_server *s, const char *method, const lj *params)
{
    for (size_t i = 0; i < sizeof notices / sizeof notices[0]; i++)
        if (strcmp(notices[i].method, method) == 0) {
            if (!s->initialized || s->shutdown) return; /* dropped, as the protocol says */
            lsp_error err = {0};
            notices[i].fn(s, params, &err);
            if (err.code) { /* a notification gets no reply: the client's log says why */
                lbuf b = {0};
                lb_puts(&b, "{\"type\":1,\"message\":");
                lb_cstr(&b, err.message);
                lb_puts(&b, "}");
                lsp_notify(s, "window/logMessage", b.p);
                lb_free(&b);
            }
            return;
        }
    /* unknown notifications ($/cancelRequest, $/setTrace, initialized, …): nothing to do */
}

/* One message; returns false at `exit`. */
static bool handle(lsp_server *s, const char *body, size_t n)
{
    char why[400];
    lj *msg = lj_parse(body, n, why, sizeof why);
    if (!msg) {
        char text[480];
        snprintf(text, sizeof text, "not JSON: %s", why);
        reply_error(s, NULL, LSP_PARSE_ERROR, text);
        return true;
    }
    const lj *id = lj_get(msg, "id");
    const char *method = lj_str(lj_get(msg, "method"));
    const char *version = lj_str(lj_get(msg, "jsonrpc"));
    bool id_ok = !id || id->kind == LJ_NUMBER || id->kind == LJ_STRING || id->kind == LJ_NULL;
    bool keep = true;
    if (msg->kind != LJ_OBJECT || !method || !version || strcmp(version, "2.0") != 0 || !id_ok) {
        if (msg->kind == LJ_OBJECT && !method && (lj_get(msg, "result") || lj_get(msg, "error")))
            ; /* a response to a request of ours: we send none that want one */
        else
            reply_error(s, id_ok ? id : NULL, LSP_INVALID_REQUEST,
                        "a JSON-RPC 2.0 request or notification was expected ({\"jsonrpc\":\"2.0\",\"method\":…})");
    } else if (strcmp(method, "exit") == 0) {
        keep = false;
    } else if (id) {
        request(s, method, id, lj_get(msg, "params"));
    } else {
        notice(s, method, lj_get(msg, "params"));
    }
    lj_free(msg);
    return keep;
}

int lsp_serve(FILE *in, FILE *out)
{
    lsp_server s = {.in = in, .out = out};
    int status = 1; /* the end of input without `exit` */
    for (;;) {
        char *body, why[200] = "";
        size_t n = 0;
        lsp_read_status r = lsp_read(in, &body, &n, why, sizeof why);
        if (r == LR_EOF) {
            if (why[0]) fprintf(stderr, "yibao lsp: %s\n", why);
            break;
        }
        if (r != LR_OK) {
            fprintf(stderr, "yibao lsp: %s\n", why);
            reply_error(&s, NULL, r == LR_TOO_LARGE ? LSP_INVALID_REQUEST : LSP_PARSE_ERROR, why);
            continue;
        }
        bool keep = handle(&s, body, n);
        free(body);
        if (!keep) {
            status = s.shutdown ? 0 : 1; /* `exit` without `shutdown`: 1, as the protocol says */
            break;
        }
    }
    lsp_docs_free(&s);
    return status;
}
