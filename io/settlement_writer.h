/* Settlement writers: JSON Lines and CSV, one settlement per claim, in input
 * order, with the fields the policy's `output` block declares.  Buffered: the
 * writer flushes in large blocks, not per line.
 */
#ifndef YB_SETTLEMENT_WRITER_H
#define YB_SETTLEMENT_WRITER_H

#include <stdbool.h>
#include <stdio.h>

#include "claim_reader.h"
#include "out_field.h"
#include "schema.h"

typedef struct yb_alert {
    const char *rule;
    uint32_t rule_len;
    uint8_t severity; /* 0 warn, 1 block */
    const char *message;
    uint32_t message_len;
    uint8_t plain; /* bit 0: the rule, bit 1: the message needs no JSON escape (known beforehand); 0: looked at */
} yb_alert;

/* Which policy settled a claim (--stamp): its JSON object, written as
 * "policy": ... in JSON Lines, and its four values, written as the columns
 * policy_name, policy_version, policy_hash, policy_signer in CSV. */
typedef struct yb_stamp {
    const char *json;
    size_t json_len;
    const char *name, *version, *hash, *signer;
} yb_stamp;

/* Resolves a text value (value.h) to its bytes. */
typedef void (*yb_text_fn)(void *ctx, int64_t text, const char **p, uint32_t *n);

typedef struct yb_settlement {
    const int64_t *values; /* one per output field (pseudo kinds ignore theirs) */
    bool held;             /* status "held" rather than "settled" */
    const char *const *reasons;
    int nreasons;
    const yb_alert *alerts;
    int nalerts;
    const char *explain; /* NULL, or a JSON value appended as "explain": ... */
    size_t explain_len;
    yb_text_fn text;
    void *text_ctx;
    const yb_stamp *stamp; /* NULL, or the policy that settled it */
} yb_settlement;

typedef struct yb_writer yb_writer;

yb_writer *yb_writer_open(FILE *f, yb_format fmt, const yb_out_field *fields, int nfields,
                          const yb_enum_desc *enums);
/* CSV: the header gets the four stamp columns, and every row their values
 * (a row without a stamp leaves them empty).  Call before the first put. */
void yb_writer_stamp_columns(yb_writer *w);
/* A writer that keeps what it writes in memory (yibao run --jobs: each
 * worker's settlements, written out in input order): its block grows and is
 * never written; yb_writer_held says what it holds (valid until the next put),
 * yb_writer_clear empties it. */
yb_writer *yb_writer_open_mem(yb_format fmt, const yb_out_field *fields, int nfields, const yb_enum_desc *enums);
const char *yb_writer_held(const yb_writer *w, size_t *n);
void yb_writer_clear(yb_writer *w);
/* Returns false on a write error. */
bool yb_writer_put(yb_writer *w, const yb_settlement *s);
bool yb_writer_close(yb_writer *w); /* flushes; false on a write error, with errno saying which */
/* Hands what is buffered to the FILE and flushes it (one settlement at a time, for a host). */
bool yb_writer_flush(yb_writer *w);

#endif
