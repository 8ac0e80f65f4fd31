/* The ledger's own commands (`yibao ledger …`); each returns the exit status. */
#ifndef YB_LEDGER_TOOLS_H
#define YB_LEDGER_TOOLS_H

#include <stdbool.h>
#include <stdio.h>

/* A member's running totals (every state whose first key is the member), as text or one JSON object. */
int yb_ledger_show(const char *where, const char *member, bool json, FILE *out, FILE *errs);
/* The whole ledger as JSON Lines (ledger_export.c). */
int yb_ledger_export(const char *where, FILE *out, FILE *errs);
/* A ledger exported, into a new (empty) ledger (ledger_import.c). */
int yb_ledger_import(const char *where, const char *file, FILE *errs);
/* Every table read and cross-checked; problems listed (ledger_check.c). */
int yb_ledger_check(const char *where, FILE *out, FILE *errs);

#endif
