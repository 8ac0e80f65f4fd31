/* Streaming claim readers: JSON Lines and CSV (docs/claim-schema.md), driven by the
 * policy's declared input shape.  Memory does not grow with the number of
 * records; a bad record is reported and reading goes on with the next.
 */
#ifndef YB_CLAIM_READER_H
#define YB_CLAIM_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "claim.h"

typedef enum { YB_FMT_JSONL = 0, YB_FMT_CSV = 1 } yb_format;

/* The format a claims file is read in: CSV for a name ending in .csv, else JSON Lines. */
static inline yb_format yb_format_of(const char *path)
{
    size_t n = 0;
    while (path[n]) n++;
    return n >= 4 && path[n - 4] == '.' && path[n - 3] == 'c' && path[n - 2] == 's' && path[n - 1] == 'v' ? YB_FMT_CSV
                                                                                                      : YB_FMT_JSONL;
}

typedef struct yb_record_error {
    long line;         /* 1-based line of the record in its file */
    char field[160];   /* the JSON path of the offending field ("member.enrolled_on"), or "" */
    char message[320]; /* what was expected, what was found */
} yb_record_error;

typedef struct yb_reader yb_reader;

#define YB_DEFAULT_MAX_RECORD ((size_t)64 << 20) /* bytes in one record (a JSON line, a CSV claim's row) */

/* How a reader reads (spec.md, "Command line"). */
typedef struct yb_reader_opts {
    size_t max_record; /* bytes in one record, at most; 0: YB_DEFAULT_MAX_RECORD */
    bool strict;       /* unknown JSON keys and CSV columns are errors, not ignored */
} yb_reader_opts;

/* `filename` is used in messages only; the reader does not close `f`.
 * NULL when this input shape cannot be read; then `why` (n bytes) says why. */
yb_reader *yb_reader_open_opts(const yb_schema *s, FILE *f, const char *filename, yb_format fmt,
                               const yb_reader_opts *o, char *why, size_t n);
/* The same with the default options, and no reason given. */
yb_reader *yb_reader_open(const yb_schema *s, FILE *f, const char *filename, yb_format fmt);
/* 1: a claim was read into c; 0: end of input; -1: a bad record (err says why;
 * call again for the next record).  Blank lines are skipped and not counted. */
int yb_reader_next(yb_reader *r, yb_claim *c, yb_record_error *err);
/* Records read so far (good and bad). */
long yb_reader_records(const yb_reader *r);
void yb_reader_close(yb_reader *r);

/* A JSON Lines reader over memory (io/reader_mem.c): open once, then feed a
 * buffer (one claim or many lines) and call yb_reader_next until it returns 0;
 * lines are numbered from 1 in each buffer.  feed returns -1 when out of memory. */
yb_reader *yb_reader_open_mem(const yb_schema *s, const char *name);
int yb_reader_feed(yb_reader *r, const char *data, size_t n);
/* One line read in place, without the copy of a feed (yibao run --jobs): the
 * line's bytes [line, line + n), ending with its newline or else followed by
 * a zero byte, are writable, and 64 bytes past line + n are readable.  It is
 * numbered 1 (a byte order mark at its start is skipped).  Returns as
 * yb_reader_next: 1, -1, or 0 for a blank line.  Text read into the claim may
 * point into the line. */
int yb_reader_read_line(yb_reader *r, char *line, size_t n, yb_claim *c, yb_record_error *err);
/* The same for a line that must not be written (a read-only mapping; the
 * 64 bytes past it readable): only the fast path reads it, and 2 says it
 * did not (the line is unusual; read a writable copy with read_line). */
int yb_reader_read_line_ro(yb_reader *r, const char *line, size_t n, yb_claim *c, yb_record_error *err);

#endif
