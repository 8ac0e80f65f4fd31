/* Memory for a large hash table, zeroed.  A table of 4 MiB or more asks the
 * kernel for transparent huge pages: its keys (members, records) are met in
 * no order, and with 4 KiB pages nearly every lookup would also miss the
 * TLB, which a prefetch does not cover.  Freed with free(). */
#ifndef YB_TABLE_ALLOC_H
#define YB_TABLE_ALLOC_H

#include <stddef.h>

void *yb_table_alloc(size_t count, size_t size);

/* The same for a table about to be written all over at once (a hash table
 * rehashed into, a filter rebuilt): its pages made now, writable.  Read
 * first, a fresh page is mapped to the kernel's shared zero page and copied
 * at its first write, and in a process whose threads run on other cores
 * that copy interrupts each of them to flush its TLB (`--jobs`: a few
 * thousand interrupts a batch, ~35 us each on a VM; bench/README.md). */
void *yb_table_alloc_written(size_t count, size_t size);
void yb_table_written(void *p, size_t bytes);

#endif
