/* One claim as the VM sees it: fixed slots filled by a reader.
 * Allocated once per batch and reused for every record, so reading and
 * settling a claim allocates nothing once the buffers have grown to fit.
 */
#ifndef YB_CLAIM_H
#define YB_CLAIM_H

#include <stddef.h>
#include <stdint.h>

#include "schema.h"

typedef struct yb_list_data {
    int32_t count, cap; /* elements */
    int64_t *slots;     /* count * elem_nslots values */
    uint8_t *present;   /* count * elem_nslots flags */
} yb_list_data;

typedef struct yb_claim {
    const yb_schema *schema;
    int64_t *slots;   /* schema->nslots */
    uint8_t *present; /* 1 when the slot holds a value (given, or defaulted) */
    yb_list_data *lists;
    char *text;       /* text arena: text values of this claim point here by offset */
    uint32_t text_len, text_cap;
    long line;        /* input line of the record (its first row in CSV) */
} yb_claim;

yb_claim *yb_claim_new(const yb_schema *s);
void yb_claim_free(yb_claim *c);
/* Empty every slot and list and the text arena, keeping the memory. */
void yb_claim_reset(yb_claim *c);
/* Append bytes to the text arena; returns the text value (value.h), or -1 if
 * the arena cannot grow (out of memory or over 2 GiB). */
int64_t yb_claim_add_text(yb_claim *c, const char *p, size_t n);
/* Append an empty element to list `li`; returns its index or -1. */
int32_t yb_claim_add_element(yb_claim *c, int32_t li);

#endif
