/* Private to the claim readers: the reader state, and the core both formats
 * (json_*.c, csv_reader.c) sit on -- the input buffer (read_buffer.c), the
 * tables built from the schema at open, value conversion, defaults and the
 * wording of errors (reader_core.c).
 */
#ifndef YB_READER_INTERNAL_H
#define YB_READER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "claim_reader.h"

#define YBR_MAX_DEPTH 64        /* JSON nesting cap (objects and arrays) */
#define YBR_SCHEMA_DEPTH 32     /* records nested in records, at most */
#define YBR_BLOCK (256u * 1024) /* first input buffer size; grows for longer lines */
/* The largest int input a claim may hold: every int input is a count
 * (docs/domain.md 12.18; the input language has no other kind of int) */
#define YBR_MAX_COUNT INT64_C(2147483647)

/* One entry of a per-object key table: a child field and its name's hash. */
typedef struct ybr_slot {
    uint32_t hash;
    int32_t field; /* -1: empty */
} ybr_slot;

/* A key as it usually appears in compact JSON, `name":`, for one masked
 * 16-byte compare (len 0: longer than 16 bytes, compared the slow way). */
typedef struct ybr_tok {
    uint64_t w[2], m[2];
    uint32_t len;
} ybr_tok;

/* The fast path's tables (json_fastpath.c). */
struct ybr_cinfo;

/* A field: its key as it appears in compact JSON, `"name":`, zero-padded,
 * for two 16-byte compares, beside the facts its value's reader needs. */
typedef struct ybr_fkey {
    _Alignas(16) unsigned char w[32];
    struct ybr_fkey *next;  /* the key that followed it last time (the dummy: none known) */
    struct ybr_cinfo *sub;  /* RECORD, LIST: its own children */
    uint64_t bit;           /* its bit in its object's masks (1 << index among its siblings) */
    uint32_t bits;          /* bit k: byte k of w is compared; 0: never matched this way */
    uint32_t len;           /* bytes of w */
    uint8_t op;             /* its value's reader (YBR_OP_*); YBR_OP_STOP for the dummy key and kinds read the general way only */
    int32_t slot;           /* slot (scalar, record presence) or list index */
    int32_t aux;            /* ENUM: enum id; LIST: fewest elements */
} ybr_fkey;

/* The fast path's value readers, one per kind it reads itself. */
enum { YBR_OP_STOP, YBR_OP_TEXT, YBR_OP_DATE, YBR_OP_MONEY, YBR_OP_INT, YBR_OP_BOOL, YBR_OP_ENUM, YBR_OP_RECORD, YBR_OP_LIST };

/* Per object container (index cont + 1). */
typedef struct ybr_cinfo {
    int32_t first, count; /* its children */
    uint64_t req;         /* bit k: child first+k is required (count <= 64) */
    uint64_t lists;       /* bit k: child first+k is a list */
    ybr_fkey *hint;       /* the key that came first last time (the dummy: none known) */
    ybr_fkey unknown;     /* the last key met that is no child, as `"name":` (as the dummy: none yet) */
} ybr_cinfo;

/* An enum member as it appears in a JSON string, `name"` (len 0: longer,
 * or not plain text: matched the slow way). */
typedef struct ybr_etok {
    _Alignas(16) unsigned char w[16];
    uint32_t bits, len;
} ybr_etok;

/* Per enum: its members, a perfect hash of their names (from the length and
 * the first and last bytes), and a table of the small codes. */
typedef struct ybr_fenum {
    ybr_etok *tok;
    uint32_t mult;     /* 0: no perfect hash found (names are found the slow way) */
    uint8_t at[64];    /* member + 1 at its hash; 0: none */
    uint8_t code[64];  /* member + 1 with the code 0-63 (the first such); 0: none */
} ybr_fenum;

/* Days from 1970-01-01 to January 1st of the years 1900-2155, and their leapness. */
typedef struct ybr_year {
    int32_t jan1;
    int32_t leap;
} ybr_year;

#define YBR_PAD 64 /* readable zero bytes kept after the buffered data */

typedef struct ybr_csv ybr_csv; /* csv_reader.c */

struct yb_reader {
    const yb_schema *s;
    FILE *f;
    const char *filename;
    yb_format fmt;
    size_t max_record; /* bytes in one record, at most */
    bool strict;       /* unknown keys and columns are errors */
    char why[240];     /* why the input shape cannot be read (open only; "" when it is malformed, or the format's own open ran out of memory) */

    /* input: bytes [beg, end) of buf are read and not yet consumed; buf has
       cap + YBR_PAD bytes, zero after the data, so a NUL sentinel always fits
       and the scanners may load whole words past a line's end */
    char *buf;
    size_t cap, beg, end, scan; /* scan: where the newline search resumes */
    int eof, read_error, read_error_told;
    long line;    /* physical lines consumed */
    long records; /* records returned (good and bad) */

    /* schema tables, per field */
    int32_t *parent;   /* the RECORD or LIST field holding it, -1 at the root */
    uint32_t *nlen;    /* strlen(name) */
    uint64_t *seen;    /* object stamp when its key was met (duplicates) */
    uint64_t *given;   /* object stamp when a non-null value was stored */
    uint64_t stamp;    /* one per object read; never wraps */
    /* key order prediction: the key that followed field f last time
       (hint_next[f]) or opened object container c (hint_first[c + 1]); -1 none */
    int32_t *hint_next, *hint_first;
    uint8_t *hintable; /* the name can be matched as raw bytes (no escapes needed) */
    ybr_tok *tok;      /* per field, for hintable names */
    /* per container with at most 64 children (index as hoff), bit k = child first+k:
       act_mask: needs work when absent (required, default, record);
       list_mask: a list (its size is checked when given) */
    uint64_t *act_mask, *list_mask;
    ybr_tok **enum_tok; /* per enum, each member as `name"` */
    /* key tables, per container: index 0 the root, field + 1 a RECORD/LIST */
    ybr_slot *htab;
    uint32_t *hoff, *hmask;

    uint32_t **enum_len; /* per enum, strlen of each member name */

    /* the fast path (compact JSON, every value as expected), see
       fast_object; fkey NULL: not used with this schema */
    ybr_fkey *fkey;        /* per field, then the dummy key */
    ybr_cinfo *cinfo;      /* per container, index cont + 1 */
    ybr_fenum *fenum;      /* per enum */
    ybr_year *years;       /* 256 years from 1900 */
    /* what a claim holds before anything is read: every absent field
       settled (defaults, absent records), for the root and per list element */
    int64_t *img_slots, **elem_img_slots;
    uint8_t *img_present, **elem_img_present;

    char *scratch; /* unescaped strings, unquoted cells */
    size_t scratch_cap;

    ybr_csv *csv;
};

/* The key tables' hash: from a key's length and its first, middle and last
 * bytes (cheap, with no per-byte work; collisions only cost a compare). */
static inline uint32_t ybr_hash(const char *p, size_t n)
{
    if (n == 0) return 0;
    uint32_t h = (uint32_t)n * 0x9E3779B1u;
    h ^= (uint32_t)(unsigned char)p[0] << 8 ^ (uint32_t)(unsigned char)p[n - 1] << 16 ^ (uint32_t)(unsigned char)p[n / 2];
    h ^= h >> 15;
    h *= 0x2C1B3C6Du;
    h ^= h >> 12;
    return h;
}

/* ---- read_buffer.c ---- */

/* Move unread bytes to the front, grow if full, read one more block.
 * Returns the number of bytes read (0: end of input or read error). */
size_t ybr_fill(yb_reader *r);
/* Once, after the input ended on a read error: -1 with err filled; else 0. */
int ybr_read_error(yb_reader *r, yb_record_error *err);
/* Make r->scratch hold at least n bytes; -1 when out of memory. */
int ybr_scratch(yb_reader *r, size_t n);
/* What the input holds next. */
enum {
    YBR_END = 0,      /* the end of the input */
    YBR_LINE = 1,     /* a line (a record, or a row) */
    YBR_TOO_LONG = 2, /* a record longer than r->max_record */
    YBR_NOT_TEXT = 3, /* a NUL byte in a record that has no end of line yet: not a text file */
};
/* The next physical line: YBR_LINE with [*ls, *le), *le == NUL (the newline
 * replaced); or YBR_END, YBR_TOO_LONG, YBR_NOT_TEXT (nothing consumed: see
 * ybr_record_too_long). */
int ybr_next_line(yb_reader *r, char **ls, char **le);
/* A record from r->beg of `have` bytes so far, not ended, of which
 * [from, r->end) was just scanned: YBR_NOT_TEXT, YBR_TOO_LONG, or YBR_LINE
 * (read on). */
int ybr_check_partial(const yb_reader *r, size_t from, size_t have);
/* Discard from r->beg through the next newline, reading on as needed:
 * YBR_LINE, YBR_END, or YBR_NOT_TEXT (a NUL byte on the way: abandoned). */
int ybr_skip_line(yb_reader *r);
/* Read nothing more of this input. */
void ybr_abandon(yb_reader *r);
/* The record at r->beg was YBR_TOO_LONG (skipped to its line's end) or
 * YBR_NOT_TEXT (the input abandoned): count it, word the error; -1. */
int ybr_record_too_long(yb_reader *r, yb_record_error *err, int what);

/* ---- reader_core.c ---- */

/* Check the schema and build the tables from it; -1 when it cannot be read. */
int ybr_core_open(yb_reader *r);
/* Free what ybr_core_open and the buffer hold (not r itself). */
void ybr_core_close(yb_reader *r);
/* Offset of the first byte of [p, p+n) that is not valid UTF-8, or n. */
size_t ybr_utf8_check(const char *p, size_t n);
/* Member index of the enum member named [p, p+n), or -1. */
int32_t ybr_enum_name(const yb_reader *r, int32_t id, const char *p, size_t n);
/* A value of the wrong type or form for field fi: [p, p+n) as it was found
 * (quote: it was a string).  Returns -1. */
int ybr_value_error(const yb_reader *r, yb_record_error *err, int32_t fi, int32_t elem, const char *p,
                    size_t n, int quote);
/* Child i of an object was not given (absent or null) -- or, for a list, was
 * given: apply the rules.  0, or -1 with err filled. */
int ybr_settle_child(yb_reader *r, yb_claim *c, yb_record_error *err, int32_t i, int given, int64_t *slots,
                     uint8_t *present, int32_t elem);

/* Start a record's error: line, empty field and message. */
void ybr_err_init(yb_record_error *err, long line);
/* The JSON path of field fi ("member.enrolled_on", "items[2].amount");
 * elem is the element index of the enclosing list, if any. */
void ybr_path(const yb_reader *r, int32_t fi, int32_t elem, char *buf, size_t n);
/* Record an error on field fi; returns -1. */
int ybr_field_error(const yb_reader *r, yb_record_error *err, int32_t fi, int32_t elem,
                    const char *expected, const char *found);
/* --strict: a key [key, key+n) that is no field of container cont (-1: the
 * root; elem: the element, for a list) -- with the likeliest name meant.
 * Returns -1. */
int ybr_unknown_field(const yb_reader *r, yb_record_error *err, int32_t cont, int32_t elem, const char *key, size_t n);
/* Quote a found value for a message: "text" (truncated, control bytes shown as ?). */
void ybr_show_text(char *buf, size_t n, const char *p, size_t len, int quote);
/* What a field of this kind expects, for messages ("a date YYYY-MM-DD"). */
void ybr_expected(const yb_reader *r, const yb_field *f, char *buf, size_t n);

/* Convert the text of a JSON string (already unescaped) or of a CSV cell to
 * the value of scalar field fi.  csv != 0 also accepts int, bool and enum
 * codes written as text.  `shown` is how the value appears in a message.
 * Returns 0, or -1 with err filled. */
int ybr_from_text(yb_reader *r, yb_claim *c, yb_record_error *err, int32_t fi, int32_t elem,
                  const char *p, size_t n, int csv, int64_t *out);
/* Parse [0-9]+ (or -?[0-9]+ when neg_ok) into *out; 0 or -1 (bad or too large). */
int ybr_parse_int(const char *p, size_t n, int neg_ok, int64_t *out);
/* Member index of an enum code, or -1. */
int32_t ybr_enum_code(const yb_enum_desc *e, int64_t code);

/* After an object (or a CSV claim / element) has been read: apply defaults
 * to the absent children of fields [first, first+count), report a missing
 * required one, check list sizes.  A child counts as given when
 * r->given[child] == stamp.  With recurse, given RECORD children are checked
 * the same way with the same stamp (CSV). */
int ybr_finalize(yb_reader *r, yb_claim *c, yb_record_error *err, int32_t first, int32_t count,
                 int64_t *slots, uint8_t *present, uint64_t stamp, int32_t elem, int recurse);


/* a == b over n bytes (both readable for n bytes).  Keys are short: whole
 * words with overlapping loads, no call to memcmp, few branches. */
static inline uint64_t ybr_load8(const char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}
static inline uint32_t ybr_load4(const char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}
static inline int ybr_same_bytes(const char *a, const char *b, size_t n)
{
    if (n >= 8) {
        for (size_t i = 0; i + 8 < n; i += 8)
            if (ybr_load8(a + i) != ybr_load8(b + i)) return 0;
        return ybr_load8(a + n - 8) == ybr_load8(b + n - 8);
    }
    if (n >= 4) return ((ybr_load4(a) ^ ybr_load4(b)) | (ybr_load4(a + n - 4) ^ ybr_load4(b + n - 4))) == 0;
    if (n == 0) return 1;
    return ((a[0] ^ b[0]) | (a[n / 2] ^ b[n / 2]) | (a[n - 1] ^ b[n - 1])) == 0;
}

static inline int32_t ybr_lookup(const yb_reader *r, int32_t cont, const char *k, size_t n, uint32_t h)
{
    const ybr_slot *t = r->htab + r->hoff[cont + 1];
    uint32_t m = r->hmask[cont + 1];
    for (uint32_t i = h & m;; i = (i + 1) & m) {
        int32_t fi = t[i].field;
        if (fi < 0) return -1;
        if (t[i].hash == h && r->nlen[fi] == n && ybr_same_bytes(r->s->fields[fi].name, k, n)) return fi;
    }
}

/* Length of the valid UTF-8 sequence at s (s[0] >= 0x80), or 0.  Reads stop at
 * the first byte that is not a continuation byte, so a NUL sentinel is safe. */
static inline int ybr_utf8_seq(const unsigned char *s)
{
    unsigned c = s[0];
    if (c < 0xC2) return 0;
    if (c < 0xE0) return (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c < 0xF0) {
        if ((s[1] & 0xC0) != 0x80) return 0;
        if (c == 0xE0 && s[1] < 0xA0) return 0; /* overlong */
        if (c == 0xED && s[1] >= 0xA0) return 0; /* surrogates */
        return (s[2] & 0xC0) == 0x80 ? 3 : 0;
    }
    if (c < 0xF5) {
        if ((s[1] & 0xC0) != 0x80) return 0;
        if (c == 0xF0 && s[1] < 0x90) return 0;
        if (c == 0xF4 && s[1] >= 0x90) return 0;
        if ((s[2] & 0xC0) != 0x80) return 0;
        return (s[3] & 0xC0) == 0x80 ? 4 : 0;
    }
    return 0;
}

#endif
