/* A state's declaration as the ledger keeps it (ledger_policy.c writes it):
 *   "keys text int enum(employee,resident); fields admissions:int basic_paid:money"
 * read back so that the ledger's tools can show, export and import entries
 * without the policy. */
#ifndef YB_LEDGER_DECL_H
#define YB_LEDGER_DECL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum { YB_DECL_MAX = 64 };

typedef struct yb_decl_enum {
    int n;
    char **names;
} yb_decl_enum;

typedef struct yb_decl {
    bool retired;
    int nkeys, nfields;
    uint8_t key_kinds[YB_DECL_MAX];
    yb_decl_enum key_enums[YB_DECL_MAX];
    char *field_names[1024];
    uint8_t field_kinds[1024];
} yb_decl;

/* false when the text is not a declaration. */
bool yb_decl_parse(const char *text, yb_decl *d);
void yb_decl_free(yb_decl *d);

/* Writes the key as a JSON array; false when the bytes do not fit the declaration. */
bool yb_decl_key_json(const yb_decl *d, const unsigned char *key, size_t n, FILE *out);
/* Writes a value as JSON (ints and bools bare, the others as strings). */
void yb_decl_value_json(uint8_t kind, int64_t v, FILE *out);
/* A value for people ("24273.00", "87%", "2025-06-10", "true"). */
void yb_decl_value_text(uint8_t kind, int64_t v, char *buf, size_t n);
/* Whether key bytes fit the declaration (lengths add up). */
bool yb_decl_key_ok(const yb_decl *d, const unsigned char *key, size_t n);

#endif
