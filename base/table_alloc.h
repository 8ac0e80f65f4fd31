/* Memory for a large hash table, zeroed.  A table of 4 MiB or more asks the
 * kernel for transparent huge pages: its keys (members, records) are met in
 * no order, and with 4 KiB pages nearly every lookup would also miss the
 * TLB, which a prefetch does not cover.  Freed with free(). */
#ifndef YB_TABLE_ALLOC_H
#define YB_TABLE_ALLOC_H

#include <stddef.h>

void *yb_table_alloc(size_t count, size_t size);

#endif
