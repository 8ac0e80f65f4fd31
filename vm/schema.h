/* The input shape a policy declares (its `input` block), flattened for the
 * readers: every scalar leaf has a slot, nested records share their parent's
 * slot array, and each list of records has its own element slot array.
 * The compiler builds it, the .ybc file carries it, the claim readers obey it.
 */
#ifndef YB_SCHEMA_H
#define YB_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "value.h"

enum {
    YB_F_REQUIRED = 1, /* absent -> record error */
    YB_F_DEFAULT = 2,  /* absent -> `dflt` (and the slot counts as present) */
};

typedef struct yb_field {
    char *name;       /* JSON key */
    uint8_t kind;     /* yb_kind: a scalar kind, YB_T_RECORD or YB_T_LIST */
    uint8_t flags;    /* YB_F_* */
    uint16_t enum_id; /* kind == YB_T_ENUM: index into schema.enums */
    int32_t slot;     /* scalar: slot in its slot array; RECORD: slot of its presence flag
                         (a bool slot: 1 when the object was given); LIST: index into schema.lists */
    int32_t first;    /* RECORD / LIST: first child in schema.fields (children are contiguous) */
    int32_t count;    /* RECORD / LIST: number of children */
    int32_t min_items;/* LIST: fewest elements allowed */
    int64_t dflt;     /* with YB_F_DEFAULT */
    char *elem_name;  /* LIST: the element record's name ("item"): CSV column prefix "item_" */
} yb_field;

typedef struct yb_enum_desc {
    char *name;
    int32_t n;
    char **names;   /* member names, matched exactly against JSON strings */
    int64_t *codes; /* NULL, or each member's integer code (JSON integers match these) */
    int32_t ntexts;  /* text codes declared for members: "21" reads as texts_member[k] */
    char **texts;
    int32_t *texts_member;
} yb_enum_desc;

typedef struct yb_list_desc {
    int32_t field;       /* the LIST field in schema.fields */
    int32_t elem_nslots; /* slots per element */
} yb_list_desc;

typedef struct yb_schema {
    yb_field *fields;
    int32_t nfields;
    int32_t root_first, root_count; /* the top-level fields */
    int32_t nslots;                 /* top-level slot array size */
    yb_list_desc *lists;
    int32_t nlists;
    yb_enum_desc *enums;
    int32_t nenums;
} yb_schema;

/* Does [first, first + count) lie inside [0, limit)?  Worked out in 64 bits:
 * the values come from .ybc files, and first + count may pass INT32_MAX. */
static inline bool yb_span_fits(int32_t first, int32_t count, int32_t limit)
{
    return first >= 0 && count >= 0 && (int64_t)first + count <= limit;
}

void yb_schema_free(yb_schema *s); /* frees every array and string it owns; the struct itself is the caller's */

/* The JSON path of a field ("member.birth_date", "items[2].amount").
 * parent: each field's record or list (-1 at the root), or NULL to find it
 * by a scan of the schema (for messages only: it is slow).  elem >= 0 is the
 * element of the list on the path; -1 names the list without an index. */
void yb_field_path(const yb_schema *s, const int32_t *parent, int32_t field, long elem, char *buf, size_t n);

#endif
