#define _DEFAULT_SOURCE /* madvise */
#include "table_alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

void *yb_table_alloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size) return NULL;
    size_t bytes = count * size;
    if (bytes < ((size_t)4 << 20)) return calloc(count, size);
    size_t huge = (size_t)2 << 20, rounded = (bytes + huge - 1) & ~(huge - 1);
    unsigned char *p = aligned_alloc(huge, rounded);
    if (!p) return NULL;
#ifdef MADV_HUGEPAGE
    madvise(p, rounded, MADV_HUGEPAGE); /* a hint: without it the table still works */
#endif
#if defined(__linux__) && defined(MADV_DONTNEED)
    /* Zeroed by the kernel as each page is first touched (Linux gives a
       private anonymous page back as zeros after MADV_DONTNEED): no memset
       writing 8 MiB a Bloom filter, most of whose pages a small batch never
       touches.  The range is the block's own, whole pages (p and rounded are
       2 MiB multiples). */
    if (madvise(p, rounded, MADV_DONTNEED) == 0) return p;
#endif
    memset(p, 0, bytes);
    return p;
}

void yb_table_written(void *p, size_t bytes)
{
    long page = sysconf(_SC_PAGESIZE);
    if (!p || page <= 0 || bytes < (size_t)page) return;
    uintptr_t a = ((uintptr_t)p + (uintptr_t)page - 1) & ~((uintptr_t)page - 1), e = ((uintptr_t)p + bytes) & ~((uintptr_t)page - 1);
    if (e <= a) return;
#if defined(__linux__) && defined(MADV_POPULATE_WRITE)
    if (madvise((void *)a, e - a, MADV_POPULATE_WRITE) == 0) return;
#endif
    for (volatile unsigned char *q = (unsigned char *)a; (uintptr_t)q < e; q += page) *q = 0;
}

void *yb_table_alloc_written(size_t count, size_t size)
{
    void *p = yb_table_alloc(count, size);
    if (p) yb_table_written(p, count * size);
    return p;
}
