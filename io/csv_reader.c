/* The CSV claim reader (docs/claim-schema.md, "Claims: CSV").
 *
 * One row per list element with the claim's own columns repeated; the rows
 * of one claim are consecutive and share the value of the first root field's
 * column (claim_id).  Column names are the JSON paths with "." replaced by
 * "_", list element fields prefixed by the list's element name ("item_code").
 * RFC 4180: quoted cells, "" inside quotes, newlines inside quotes, CRLF or LF.
 * An empty cell is an absent value.  Values are read as JSON strings are,
 * plus true/false, integers and enum codes written as text.
 */
#include "reader_internal.h"

#include <stdlib.h>
#include <string.h>

#include "suggest.h"

enum { CELL_QUOTED = 1, CELL_DQ = 2 }; /* cell flags: quoted; holds "" pairs */
enum { ROW_OK = 0, ROW_STRAY_QUOTE, ROW_JUNK_AFTER_QUOTE, ROW_UNTERMINATED, ROW_QUOTE_TOO_LONG, ROW_TOO_LONG, ROW_NOT_TEXT };

typedef struct ybr_col {
    int32_t field; /* -1: not a column of the schema */
    int32_t li;    /* list index when the field is inside a list element, else -1 */
} ybr_col;

struct ybr_csv {
    /* the schema's column names (docs/claim-schema.md), built at open */
    int32_t nnames;
    char **names;
    ybr_col *name_col;

    /* the header: 0 not read yet, 1 read, 2 bad (the input yields nothing more) */
    int header;
    int32_t ncols;
    ybr_col *cols;
    int32_t key_col;          /* header position of the first root field's column, or -1 */
    int32_t *root_cols;       /* header positions of non-list columns */
    int32_t nroot;
    int32_t *list_cols;       /* header positions of list columns, grouped by list */
    int32_t *list_first, *list_n; /* per list: its group in list_cols */
    int32_t *list_field;          /* per list: its LIST field */

    /* the row being looked at: cells as offsets from r->beg */
    size_t *coff, *clen;
    uint8_t *cflag;
    int32_t ncells, ccap;
    size_t row_len; /* bytes including the newline */
    long row_lines; /* physical lines it spans */
    int row_state;  /* ROW_* */
    long bad_line;  /* physical line of a quoting problem */
    int scanned;    /* the row at r->beg is scanned already (looked at, not consumed) */
    unsigned char bad_char;

    /* the current claim's key */
    char *key;
    size_t keylen, keycap;
    int has_key;

    /* the claim's own cells on its first row (root_cols order), which every
       later row of the claim must repeat */
    char *first;
    size_t first_cap, *first_off, *first_len;
    long first_line;
};

/* ------------------------------------------------------------------------ */
/* Column names                                                              */

static int add_name(ybr_csv *cs, const char *prefix, const char *name, int32_t fi, int32_t li)
{
    size_t a = strlen(prefix), b = strlen(name);
    char *s = malloc(a + b + 1);
    if (!s) return -1;
    memcpy(s, prefix, a);
    memcpy(s + a, name, b + 1);
    char **nn = realloc(cs->names, ((size_t)cs->nnames + 1) * sizeof *nn);
    if (!nn) { free(s); return -1; }
    cs->names = nn;
    ybr_col *nc = realloc(cs->name_col, ((size_t)cs->nnames + 1) * sizeof *nc);
    if (!nc) { free(s); return -1; }
    cs->name_col = nc;
    cs->names[cs->nnames] = s;
    cs->name_col[cs->nnames].field = fi;
    cs->name_col[cs->nnames].li = li;
    cs->nnames++;
    return 0;
}

static int gen_names(yb_reader *r, int32_t first, int32_t count, const char *prefix, int32_t li, int depth)
{
    if (depth > YBR_SCHEMA_DEPTH) return -1;
    for (int32_t i = first; i < first + count; i++) {
        const yb_field *f = &r->s->fields[i];
        if (f->kind == YB_T_RECORD || f->kind == YB_T_LIST) {
            const char *base = f->kind == YB_T_LIST && f->elem_name ? f->elem_name : f->name;
            size_t a = strlen(f->kind == YB_T_LIST ? "" : prefix), b = strlen(base);
            char *p = malloc(a + b + 2);
            if (!p) return -1;
            memcpy(p, f->kind == YB_T_LIST ? "" : prefix, a);
            memcpy(p + a, base, b);
            p[a + b] = '_';
            p[a + b + 1] = 0;
            int rc = gen_names(r, f->first, f->count, p, f->kind == YB_T_LIST ? f->slot : li, depth + 1);
            free(p);
            if (rc < 0) return -1;
        } else if (add_name(r->csv, prefix, f->name, i, li) < 0) {
            return -1;
        }
    }
    return 0;
}

int ybr_csv_open(yb_reader *r)
{
    ybr_csv *cs = calloc(1, sizeof *cs);
    if (!cs) return -1;
    r->csv = cs;
    cs->key_col = -1;
    cs->list_first = calloc((size_t)r->s->nlists + 1, sizeof *cs->list_first);
    cs->list_n = calloc((size_t)r->s->nlists + 1, sizeof *cs->list_n);
    cs->list_field = malloc(((size_t)r->s->nlists + 1) * sizeof *cs->list_field);
    if (!cs->list_first || !cs->list_n || !cs->list_field) return -1;
    for (int32_t li = 0; li < r->s->nlists; li++) cs->list_field[li] = -1;
    for (int32_t i = 0; i < r->s->nfields; i++)
        if (r->parent[i] != -2 && r->s->fields[i].kind == YB_T_LIST) cs->list_field[r->s->fields[i].slot] = i;
    return gen_names(r, r->s->root_first, r->s->root_count, "", -1, 0);
}

void ybr_csv_close(yb_reader *r)
{
    ybr_csv *cs = r->csv;
    if (!cs) return;
    for (int32_t i = 0; i < cs->nnames; i++) free(cs->names[i]);
    free(cs->names);
    free(cs->name_col);
    free(cs->cols);
    free(cs->root_cols);
    free(cs->list_cols);
    free(cs->list_first);
    free(cs->list_n);
    free(cs->list_field);
    free(cs->coff);
    free(cs->clen);
    free(cs->cflag);
    free(cs->key);
    free(cs->first);
    free(cs->first_off);
    free(cs->first_len);
    free(cs);
    r->csv = NULL;
}

/* ------------------------------------------------------------------------ */
/* Rows                                                                      */

static int grow_cells(ybr_csv *cs)
{
    if (cs->ccap > INT32_MAX / 2) return -1;
    int32_t cap = cs->ccap ? cs->ccap * 2 : 64;
    size_t *o = realloc(cs->coff, (size_t)cap * sizeof *o);
    if (!o) return -1;
    cs->coff = o;
    size_t *l = realloc(cs->clen, (size_t)cap * sizeof *l);
    if (!l) return -1;
    cs->clen = l;
    uint8_t *f = realloc(cs->cflag, (size_t)cap);
    if (!f) return -1;
    cs->cflag = f;
    cs->ccap = cap;
    return 0;
}

static inline int push_cell(ybr_csv *cs, size_t off, size_t len, uint8_t flag)
{
    if (cs->ncells == cs->ccap && grow_cells(cs) < 0) return -1;
    cs->coff[cs->ncells] = off;
    cs->clen[cs->ncells] = len;
    cs->cflag[cs->ncells] = flag;
    cs->ncells++;
    return 0;
}

static void row_problem(ybr_csv *cs, int state, long line, unsigned char ch)
{
    if (cs->row_state != ROW_OK) return;
    cs->row_state = state;
    cs->bad_line = line;
    cs->bad_char = ch;
}

/* Look at the row starting at r->beg without consuming it.
 * 1: a row (cells filled), 0: end of input, -1: out of memory. */
static int scan_row_(yb_reader *r, ybr_csv *cs);
static int scan_row(yb_reader *r, ybr_csv *cs)
{
    if (cs->scanned) return 1;
    int k = scan_row_(r, cs);
    if (k == 1 && cs->row_len > r->max_record) row_problem(cs, ROW_TOO_LONG, r->line + 1, 0);
    cs->scanned = k == 1;
    return k;
}

/* A quoted cell that never closes (at the end of the input, or within
 * --max-record bytes) holds the rest of the input: the row ends instead on
 * the line its quote opened (at offset qoff), and reading resumes after it. */
static int resync_after_quote(yb_reader *r, ybr_csv *cs, int state, size_t qoff, size_t off, long qline)
{
    row_problem(cs, state, qline, 0);
    const char *b = r->buf + r->beg;
    const char *nl = memchr(b + qoff, '\n', off - qoff);
    cs->row_len = nl ? (size_t)(nl - b) + 1 : off;
    cs->row_lines = qline - r->line;
    return 1;
}

/* A row that is not text, or too long without a quote to blame: it is
 * dropped here (to its line's end, or the whole input when not text). */
static int drop_row(yb_reader *r, ybr_csv *cs, int what)
{
    if (what == YBR_TOO_LONG) what = ybr_skip_line(r);
    else ybr_abandon(r);
    row_problem(cs, what == YBR_NOT_TEXT ? ROW_NOT_TEXT : ROW_TOO_LONG, r->line + 1, 0);
    cs->ncells = 0;
    cs->row_len = 0; /* consumed already */
    cs->row_lines = 1;
    return 1;
}

/* A cell of len bytes from cstart ends at *off, on ch (',' or '\n'): 1 the
 * row ended there (row_len, row_lines set), 0 a cell follows, -1 out of memory. */
static int end_cell(ybr_csv *cs, size_t cstart, size_t len, uint8_t cfl, unsigned char ch, size_t *off, long lines)
{
    if (push_cell(cs, cstart, len, cfl) < 0) return -1;
    ++*off;
    if (ch != '\n') return 0;
    cs->row_len = *off;
    cs->row_lines = lines + 1;
    return 1;
}

static int scan_row_(yb_reader *r, ybr_csv *cs)
{
    enum { START, PLAIN, QUOTED, QUOTE_SEEN, CR_AFTER_QUOTE } st = START;
    size_t off = 0, cstart = 0, qoff = 0, checked = 0;
    uint8_t cfl = 0;
    long lines = 0, qline = 0;
    cs->ncells = 0;
    cs->row_state = ROW_OK;
    for (;;) {
        if (r->beg + off >= r->end) {
            if (!r->eof) {
                /* the row goes on past the data read: not text, or too long? */
                int k = ybr_check_partial(r, r->beg + checked, off);
                checked = off;
                if (k == YBR_TOO_LONG && st == QUOTED) return resync_after_quote(r, cs, ROW_QUOTE_TOO_LONG, qoff, off, qline);
                if (k != YBR_LINE) return drop_row(r, cs, k);
                ybr_fill(r); /* keeps offsets from r->beg valid */
                continue;
            }
            if (off == 0) return 0;
            /* the last row, without a newline */
            size_t len = off - cstart;
            switch (st) {
            case QUOTED:
                return resync_after_quote(r, cs, ROW_UNTERMINATED, qoff, off, qline);
            case QUOTE_SEEN: len = off - 1 - cstart; break;
            case CR_AFTER_QUOTE: len = off - 2 - cstart; break;
            case START:
            case PLAIN:
                if (len > 0 && r->buf[r->beg + off - 1] == '\r') len--;
                break;
            }
            if (push_cell(cs, cstart, len, cfl) < 0) return -1;
            cs->row_len = off;
            cs->row_lines = lines + 1;
            return 1;
        }
        unsigned char ch = (unsigned char)r->buf[r->beg + off];
        switch (st) {
        case START:
            if (ch == '"') {
                st = QUOTED;
                cfl = CELL_QUOTED;
                qline = r->line + 1 + lines;
                qoff = off;
                cstart = ++off;
                continue;
            }
            st = PLAIN;
            cfl = 0;
            cstart = off;
            /* fall through */
        case PLAIN:
            if (ch != ',' && ch != '\n' && ch != '"') { /* the body of a plain cell */
                const char *b = r->buf + r->beg;
                size_t lim = r->end - r->beg;
                off++;
                while (off < lim && b[off] != ',' && b[off] != '\n' && b[off] != '"') off++;
                continue;
            }
            if (ch == ',' || ch == '\n') {
                size_t len = off - cstart;
                if (ch == '\n' && len > 0 && r->buf[r->beg + off - 1] == '\r') len--;
                int k = end_cell(cs, cstart, len, cfl, ch, &off, lines);
                if (k) return k;
                st = START;
                continue;
            }
            if (ch == '"') row_problem(cs, ROW_STRAY_QUOTE, r->line + 1 + lines, ch);
            off++;
            continue;
        case QUOTED:
            if (ch == '"') st = QUOTE_SEEN;
            else if (ch == '\n') lines++;
            off++;
            continue;
        case QUOTE_SEEN:
            if (ch == '"') {
                cfl |= CELL_DQ;
                st = QUOTED;
                off++;
                continue;
            }
            if (ch == '\r') {
                st = CR_AFTER_QUOTE;
                off++;
                continue;
            }
            if (ch == ',' || ch == '\n') {
                int k = end_cell(cs, cstart, off - 1 - cstart, cfl, ch, &off, lines);
                if (k) return k;
                st = START;
                continue;
            }
            row_problem(cs, ROW_JUNK_AFTER_QUOTE, r->line + 1 + lines, ch);
            st = PLAIN; /* the row is bad; keep going to find its end */
            off++;
            continue;
        case CR_AFTER_QUOTE:
            if (ch == '\n') return end_cell(cs, cstart, off - 2 - cstart, cfl, ch, &off, lines);
            row_problem(cs, ROW_JUNK_AFTER_QUOTE, r->line + 1 + lines, '\r');
            st = PLAIN;
            continue; /* look at ch again as plain text */
        }
    }
}

static void consume_row(yb_reader *r, ybr_csv *cs)
{
    cs->scanned = 0;
    r->beg += cs->row_len;
    if (r->scan < r->beg) r->scan = r->beg;
    r->line += cs->row_lines;
}

static int is_blank(const yb_reader *r, const ybr_csv *cs)
{
    if (cs->ncells != 1 || (cs->cflag[0] & CELL_QUOTED) || cs->row_state != ROW_OK) return 0;
    const char *p = r->buf + r->beg + cs->coff[0];
    for (size_t i = 0; i < cs->clen[0]; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r') return 0;
    return 1;
}

/* Cell j's text, its "" pairs collapsed (into r->scratch). NULL: out of memory. */
static const char *cell(yb_reader *r, ybr_csv *cs, int32_t j, size_t *n)
{
    const char *p = r->buf + r->beg + cs->coff[j];
    size_t len = cs->clen[j];
    if (!(cs->cflag[j] & CELL_DQ)) {
        *n = len;
        return p;
    }
    if (ybr_scratch(r, len + 1) < 0) return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        r->scratch[o++] = p[i];
        if (p[i] == '"' && i + 1 < len && p[i + 1] == '"') i++;
    }
    *n = o;
    return r->scratch;
}

static int row_error(yb_reader *r, ybr_csv *cs, yb_record_error *err)
{
    err->field[0] = 0;
    switch (cs->row_state) {
    case ROW_STRAY_QUOTE:
        snprintf(err->message, sizeof err->message,
                 "a cell without '\"' (or one quoted whole) was expected, found '\"' inside an unquoted cell on line %ld",
                 cs->bad_line);
        break;
    case ROW_JUNK_AFTER_QUOTE:
        if (cs->bad_char > 0x20 && cs->bad_char < 0x7f)
            snprintf(err->message, sizeof err->message,
                     "',' or the end of the row after a closing '\"' was expected, found '%c' on line %ld",
                     cs->bad_char, cs->bad_line);
        else
            snprintf(err->message, sizeof err->message,
                     "',' or the end of the row after a closing '\"' was expected, found byte 0x%02X on line %ld",
                     cs->bad_char, cs->bad_line);
        break;
    case ROW_UNTERMINATED:
        snprintf(err->message, sizeof err->message,
                 "a closing '\"' was expected, found the end of the input (the quote opened on line %ld); "
                 "reading resumes on line %ld", cs->bad_line, cs->bad_line + 1);
        break;
    case ROW_QUOTE_TOO_LONG:
        snprintf(err->message, sizeof err->message,
                 "a closing '\"' within %zu bytes (--max-record) was expected, found none (the quote opened on line %ld); "
                 "reading resumes on line %ld", r->max_record, cs->bad_line, cs->bad_line + 1);
        break;
    case ROW_TOO_LONG:
        snprintf(err->message, sizeof err->message,
                 "a row of at most %zu bytes (--max-record) was expected, found a longer one; reading resumes on the next line",
                 r->max_record);
        break;
    case ROW_NOT_TEXT:
        snprintf(err->message, sizeof err->message,
                 "text was expected, found a NUL byte in a row without an end of line: "
                 "the input is not a claims file, and the rest of it is not read");
        break;
    default:
        break;
    }
    return -1;
}

/* ------------------------------------------------------------------------ */
/* The header                                                                */

static int header_error(yb_reader *r, ybr_csv *cs, yb_record_error *err, long line)
{
    cs->header = 2;
    r->records++;
    err->line = line;
    return -1;
}

/* Past blank rows to the next row, looked at (not consumed): 1.  Else the
 * input has ended (0, or -1 once for a read error) and yields nothing more. */
static int next_row(yb_reader *r, ybr_csv *cs, yb_record_error *err)
{
    for (;;) {
        int k = scan_row(r, cs);
        if (k <= 0) {
            cs->header = 2;
            if (k < 0) {
                r->read_error = 1;
                r->eof = 1;
            }
            return ybr_read_error(r, err);
        }
        if (!is_blank(r, cs)) return 1;
        consume_row(r, cs);
    }
}

/* --strict: header cell j, [p, p+n), names no column of the schema. */
static void unknown_column(const ybr_csv *cs, yb_record_error *err, const char *p, size_t n, int32_t j)
{
    char shown[96], name[72];
    ybr_show_text(shown, sizeof shown, p, n, 1);
    const char *guess = NULL;
    if (n < sizeof name) {
        memcpy(name, p, n);
        name[n] = 0;
        guess = yb_suggest(name, (const char *const *)cs->names, (size_t)cs->nnames);
    }
    err->field[0] = 0;
    snprintf(err->message, sizeof err->message, "column %ld, %s, is not a column of this policy's claims (an error under --strict)%s%s%s",
             (long)j + 1, shown, guess ? "; did you mean `" : "", guess ? guess : "", guess ? "`?" : "");
}

static int read_header(yb_reader *r, ybr_csv *cs, yb_record_error *err)
{
    int k = next_row(r, cs, err);
    if (k <= 0) return k;
    long line = r->line + 1;
    ybr_err_init(err, line);
    if (cs->row_state != ROW_OK) {
        row_error(r, cs, err);
        consume_row(r, cs);
        return header_error(r, cs, err, line);
    }
    cs->ncols = cs->ncells;
    cs->cols = calloc((size_t)cs->ncols, sizeof *cs->cols);
    cs->root_cols = calloc((size_t)cs->ncols, sizeof *cs->root_cols);
    cs->list_cols = calloc((size_t)cs->ncols, sizeof *cs->list_cols);
    cs->first_off = calloc((size_t)cs->ncols, sizeof *cs->first_off);
    cs->first_len = calloc((size_t)cs->ncols, sizeof *cs->first_len);
    if (!cs->cols || !cs->root_cols || !cs->list_cols || !cs->first_off || !cs->first_len) {
        consume_row(r, cs);
        snprintf(err->message, sizeof err->message, "out of memory reading the header");
        return header_error(r, cs, err, line);
    }
    int32_t known = 0;
    int32_t key_field = r->s->root_count > 0 ? r->s->root_first : -1;
    for (int32_t j = 0; j < cs->ncols; j++) {
        size_t n;
        const char *p = cell(r, cs, j, &n);
        if (!p) n = 0;
        if (j == 0 && line == 1 && n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) { p += 3; n -= 3; }
        cs->cols[j].field = -1;
        cs->cols[j].li = -1;
        for (int32_t m = 0; m < cs->nnames; m++) {
            if (strlen(cs->names[m]) != n || memcmp(cs->names[m], p, n) != 0) continue;
            for (int32_t o = 0; o < j; o++) {
                if (cs->cols[o].field == cs->name_col[m].field) {
                    char shown[96];
                    ybr_show_text(shown, sizeof shown, p, n, 1);
                    snprintf(err->message, sizeof err->message,
                             "each column once was expected, found %s in columns %ld and %ld", shown, (long)o + 1,
                             (long)j + 1);
                    consume_row(r, cs);
                    return header_error(r, cs, err, line);
                }
            }
            cs->cols[j] = cs->name_col[m];
            known++;
            if (cs->cols[j].field == key_field) cs->key_col = j;
            break;
        }
        if (cs->cols[j].field < 0 && r->strict) {
            unknown_column(cs, err, p, n, j);
            consume_row(r, cs);
            return header_error(r, cs, err, line);
        }
    }
    consume_row(r, cs);
    if (known == 0) {
        snprintf(err->message, sizeof err->message, "a header naming the claim's columns (%s, ...) was expected, found none of them",
                 cs->nnames > 0 ? cs->names[0] : "");
        return header_error(r, cs, err, line);
    }
    /* group the columns: the claim's own, then each list's */
    for (int32_t j = 0; j < cs->ncols; j++)
        if (cs->cols[j].field >= 0 && cs->cols[j].li < 0) cs->root_cols[cs->nroot++] = j;
    int32_t at = 0;
    for (int32_t li = 0; li < r->s->nlists; li++) {
        cs->list_first[li] = at;
        for (int32_t j = 0; j < cs->ncols; j++)
            if (cs->cols[j].field >= 0 && cs->cols[j].li == li) cs->list_cols[at++] = j;
        cs->list_n[li] = at - cs->list_first[li];
    }
    cs->header = 1;
    return 1;
}

/* ------------------------------------------------------------------------ */
/* Claims                                                                    */

static int store(yb_reader *r, yb_claim *c, yb_record_error *err, int32_t fi, int32_t elem, const char *p, size_t n,
                 int64_t *slots, uint8_t *present, uint64_t stamp)
{
    int64_t v;
    if (ybr_from_text(r, c, err, fi, elem, p, n, 1, &v) < 0) return -1;
    const yb_field *f = &r->s->fields[fi];
    slots[f->slot] = v;
    present[f->slot] = 1;
    r->given[fi] = stamp;
    /* a record counts as given when any of its columns is non-empty */
    for (int32_t a = r->parent[fi]; a >= 0 && r->s->fields[a].kind == YB_T_RECORD; a = r->parent[a]) {
        if (r->given[a] == stamp) break;
        r->given[a] = stamp;
        slots[r->s->fields[a].slot] = 1;
        present[r->s->fields[a].slot] = 1;
    }
    return 0;
}

static int oom(yb_record_error *err)
{
    err->field[0] = 0;
    snprintf(err->message, sizeof err->message, "out of memory");
    return -1;
}

/* Keep the claim's own cells of its first row (the row looked at). */
static int keep_first_row(yb_reader *r, ybr_csv *cs)
{
    size_t at = 0;
    cs->first_line = r->line + 1;
    for (int32_t k = 0; k < cs->nroot; k++) {
        size_t n;
        const char *p = cell(r, cs, cs->root_cols[k], &n);
        if (!p) return -1;
        if (at + n > cs->first_cap) {
            size_t cap = cs->first_cap ? cs->first_cap : 256;
            while (cap < at + n) cap *= 2;
            char *b = realloc(cs->first, cap);
            if (!b) return -1;
            cs->first = b;
            cs->first_cap = cap;
        }
        if (n) memcpy(cs->first + at, p, n);
        cs->first_off[k] = at;
        cs->first_len[k] = n;
        at += n;
    }
    return 0;
}

/* A later row of the claim (looked at): its own cells as on the first row?
 * They are the same columns, so the same text is asked (a different value,
 * an invalid one, or an empty cell would otherwise be silently dropped). */
static int same_as_first_row(yb_reader *r, ybr_csv *cs, yb_record_error *err)
{
    for (int32_t k = 0; k < cs->nroot; k++) {
        int32_t j = cs->root_cols[k];
        size_t n;
        const char *p = cell(r, cs, j, &n);
        if (!p) return oom(err);
        const char *want = cs->first + cs->first_off[k];
        size_t wn = cs->first_len[k];
        if (n == wn && (n == 0 || memcmp(p, want, n) == 0)) continue;
        char was[96], found[96], exp[300];
        ybr_show_text(found, sizeof found, p, n, 1); /* before `want` may be overwritten: p may be r->scratch */
        ybr_show_text(was, sizeof was, want, wn, 1);
        const char *column = "";
        for (int32_t m = 0; m < cs->nnames; m++)
            if (cs->name_col[m].field == cs->cols[j].field) column = cs->names[m];
        snprintf(exp, sizeof exp, "the first row's %s, %s (line %ld), on every row of the claim", column, was,
                 cs->first_line);
        snprintf(found + strlen(found), sizeof found - strlen(found), " on line %ld", r->line + 1);
        return ybr_field_error(r, err, cs->cols[j].field, -1, exp, found);
    }
    return 0;
}

/* Put one row into the claim: the claim's own columns from its first row, an
 * element of each list whose columns are not all empty. */
static int put_row(yb_reader *r, ybr_csv *cs, yb_claim *c, yb_record_error *err, uint64_t root_stamp, int first)
{
    if (cs->row_state != ROW_OK) return row_error(r, cs, err);
    if (cs->ncells != cs->ncols) {
        err->field[0] = 0;
        snprintf(err->message, sizeof err->message, "%ld cells (as in the header) were expected, found %ld on line %ld",
                 (long)cs->ncols, (long)cs->ncells, r->line + 1);
        return -1;
    }
    if (first) {
        if (keep_first_row(r, cs) < 0) return oom(err);
        for (int32_t k = 0; k < cs->nroot; k++) {
            int32_t j = cs->root_cols[k];
            if (cs->clen[j] == 0) continue;
            size_t n;
            const char *p = cell(r, cs, j, &n);
            if (!p) return oom(err);
            if (store(r, c, err, cs->cols[j].field, -1, p, n, c->slots, c->present, root_stamp) < 0) return -1;
        }
    } else if (same_as_first_row(r, cs, err) < 0) {
        return -1;
    }
    for (int32_t li = 0; li < r->s->nlists; li++) {
        const int32_t *lc = cs->list_cols + cs->list_first[li];
        int32_t nlc = cs->list_n[li], k;
        for (k = 0; k < nlc && cs->clen[lc[k]] == 0; k++) {}
        if (k == nlc) continue; /* no element of this list on this row */
        int32_t e = yb_claim_add_element(c, li);
        if (e < 0) return oom(err);
        size_t ns = (size_t)r->s->lists[li].elem_nslots;
        int64_t *es = c->lists[li].slots + (size_t)e * ns;
        uint8_t *ep = c->lists[li].present + (size_t)e * ns;
        uint64_t stamp = ++r->stamp;
        for (k = 0; k < nlc; k++) {
            int32_t j = lc[k];
            if (cs->clen[j] == 0) continue;
            size_t n;
            const char *p = cell(r, cs, j, &n);
            if (!p) return oom(err);
            if (store(r, c, err, cs->cols[j].field, e, p, n, es, ep, stamp) < 0) return -1;
        }
        const yb_field *lf = &r->s->fields[cs->list_field[li]];
        if (ybr_finalize(r, c, err, lf->first, lf->count, es, ep, stamp, e, 1) < 0) return -1;
        r->given[cs->list_field[li]] = root_stamp;
    }
    return 0;
}

/* Does the looked-at row belong to the current claim (same key cell)? */
static int same_claim(yb_reader *r, ybr_csv *cs)
{
    if (!cs->has_key || cs->key_col >= cs->ncells) return 0;
    size_t n;
    const char *p = cell(r, cs, cs->key_col, &n);
    return p && n == cs->keylen && memcmp(p, cs->key, n) == 0;
}

static int keep_key(yb_reader *r, ybr_csv *cs)
{
    cs->has_key = 0;
    if (cs->key_col < 0 || cs->key_col >= cs->ncells) return 0;
    size_t n;
    const char *p = cell(r, cs, cs->key_col, &n);
    if (!p) return -1;
    if (n == 0) return 0; /* an empty key names no claim: the row is a claim of its own */
    if (n > cs->keycap) {
        char *k = realloc(cs->key, n);
        if (!k) return -1;
        cs->key = k;
        cs->keycap = n;
    }
    if (n) memcpy(cs->key, p, n);
    cs->keylen = n;
    cs->has_key = 1;
    return 0;
}

int ybr_csv_next(yb_reader *r, yb_claim *c, yb_record_error *err)
{
    ybr_csv *cs = r->csv;
    if (cs->header == 2) return 0;
    if (cs->header == 0) {
        int k = read_header(r, cs, err);
        if (k <= 0) return k;
    }
    int k = next_row(r, cs, err);
    if (k <= 0) return k;
    long first_line = r->line + 1;
    r->records++;
    yb_claim_reset(c);
    c->line = first_line;
    ybr_err_init(err, first_line);
    uint64_t root_stamp = ++r->stamp;
    int bad = keep_key(r, cs) < 0 ? oom(err) : 0;
    if (!bad) bad = put_row(r, cs, c, err, root_stamp, 1);
    consume_row(r, cs);
    while (cs->has_key) {
        k = scan_row(r, cs);
        if (k <= 0) break;
        if (is_blank(r, cs)) {
            consume_row(r, cs);
            continue;
        }
        if (!same_claim(r, cs)) break;
        if (!bad) bad = put_row(r, cs, c, err, root_stamp, 0);
        consume_row(r, cs);
    }
    if (bad) return -1;
    if (ybr_finalize(r, c, err, r->s->root_first, r->s->root_count, c->slots, c->present, root_stamp, -1, 1) < 0)
        return -1;
    return 1;
}
