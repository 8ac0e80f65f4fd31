/* The base protocol's framing: `Content-Length: N\r\n` (other headers
 * ignored), a blank line, then N bytes of JSON.  A message without a length,
 * with a malformed header or longer than LSP_MAX_MESSAGE is refused (its body
 * skipped when its length is known), never read into memory whole. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lsp.h"

/* One header line without its line end, in buf; -1 at EOF, 0 too long (skipped), 1 read. */
static int header_line(FILE *in, char *buf, size_t cap, size_t *len)
{
    size_t n = 0;
    bool too_long = false;
    for (;;) {
        int ch = getc(in);
        if (ch == EOF) return -1;
        if (ch == '\n') break;
        if (n + 1 < cap) buf[n++] = (char)ch;
        else too_long = true;
    }
    if (n && buf[n - 1] == '\r') n--;
    buf[n] = 0;
    *len = n;
    return too_long ? 0 : 1;
}

/* The value of a Content-Length header: its digits only. */
static bool content_length(const char *v, size_t *out)
{
    while (*v == ' ' || *v == '\t') v++;
    if (*v < '0' || *v > '9') return false;
    size_t n = 0;
    for (; *v >= '0' && *v <= '9'; v++) {
        if (n > LSP_MAX_MESSAGE) { n = LSP_MAX_MESSAGE + 1; continue; } /* saturate: refused below */
        n = n * 10 + (size_t)(*v - '0');
    }
    while (*v == ' ' || *v == '\t') v++;
    if (*v) return false;
    *out = n;
    return true;
}

static bool skip_bytes(FILE *in, size_t n)
{
    char tmp[4096];
    while (n) {
        size_t k = fread(tmp, 1, n < sizeof tmp ? n : sizeof tmp, in);
        if (!k) return false;
        n -= k;
    }
    return true;
}

lsp_read_status lsp_read(FILE *in, char **body, size_t *n, char *why, size_t whylen)
{
    char line[LSP_MAX_HEADER];
    size_t len, length = 0;
    bool have_length = false, bad = false, any = false;
    *body = NULL;
    for (;;) {
        int r = header_line(in, line, sizeof line, &len);
        if (r < 0) {
            if (any) snprintf(why, whylen, "end of input inside a message's header");
            return LR_EOF;
        }
        if (r > 0 && len == 0) {
            if (!any) continue; /* blank lines between messages */
            break;
        }
        any = true;
        char *colon = r > 0 ? strchr(line, ':') : NULL;
        if (!colon) {
            if (!bad && r) snprintf(why, whylen, "malformed header line (no ':'): %.60s", line);
            else if (!bad) snprintf(why, whylen, "a header line longer than %d bytes", LSP_MAX_HEADER);
            bad = true;
            continue;
        }
        *colon = 0;
        if (strcasecmp(line, "Content-Length") == 0) {
            if (!content_length(colon + 1, &length)) {
                snprintf(why, whylen, "Content-Length is not a number: %.40s", colon + 1 + strspn(colon + 1, " \t"));
                bad = true;
            } else {
                have_length = true;
            }
        }
    }
    if (!have_length) {
        if (!bad) snprintf(why, whylen, "a message without Content-Length");
        return LR_BAD_HEADER;
    }
    if (length > LSP_MAX_MESSAGE) {
        snprintf(why, whylen, "message of %zu bytes, more than the %zu MiB this server reads", length,
                 LSP_MAX_MESSAGE >> 20);
        return skip_bytes(in, length) ? LR_TOO_LARGE : LR_EOF;
    }
    if (bad) return skip_bytes(in, length) ? LR_BAD_HEADER : LR_EOF;
    char *p = calloc(length + 16, 1); /* zeros after the body: the JSON scanners read ahead */
    if (!p) {
        snprintf(why, whylen, "out of memory for a message of %zu bytes", length);
        return skip_bytes(in, length) ? LR_TOO_LARGE : LR_EOF;
    }
    if (fread(p, 1, length, in) != length) {
        snprintf(why, whylen, "end of input inside a message of %zu bytes", length);
        free(p);
        return LR_EOF;
    }
    *body = p;
    *n = length;
    return LR_OK;
}

bool lsp_write(FILE *out, const char *body, size_t n)
{
    return fprintf(out, "Content-Length: %zu\r\n\r\n", n) > 0 && fwrite(body, 1, n, out) == n && fflush(out) == 0;
}
