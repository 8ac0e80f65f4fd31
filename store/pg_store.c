/* The ledger on a PostgreSQL server (Debian libpq-dev). */
#include "store_backend.h"

#include <stdio.h>

yb_backend *yb_pg_open(const char *conninfo, char *err, size_t errlen)
{
    (void)conninfo;
    snprintf(err, errlen, "PostgreSQL ledgers are not built yet");
    return NULL;
}
