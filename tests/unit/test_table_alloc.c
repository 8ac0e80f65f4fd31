/* Tables for hash indexes (base/table_alloc.h): zeroed, and a table made
 * with yb_table_alloc_written is resident and writable at once, so reading
 * then writing its pages takes no page fault (read first, a fresh page is
 * the kernel's zero page and its first write is a fault that, with threads
 * on other cores, interrupts each of them: bench/README.md, --jobs). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "table_alloc.h"

static long minor_faults(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return u.ru_minflt;
}

/* Every page read, then written: the faults this took. */
static long faults_reading_then_writing(volatile uint64_t *t, size_t words, size_t page_words)
{
    long before = minor_faults();
    uint64_t sum = 0;
    for (size_t i = 0; i < words; i += page_words) sum += t[i];
    for (size_t i = 0; i < words; i += page_words) t[i] = sum + i + 1;
    return minor_faults() - before;
}

static void written_table_is_zero_and_takes_no_fault(size_t bytes)
{
    size_t page_words = (size_t)sysconf(_SC_PAGESIZE) / 8, words = bytes / 8, pages = words / page_words;
    uint64_t *t = yb_table_alloc_written(words, 8);
    assert_non_null(t);
    for (size_t i = 0; i < words; i++) assert_true(t[i] == 0);
    long faults = faults_reading_then_writing(t, words, page_words);
    assert_true(faults < (long)(pages / 16) + 2);
    for (size_t i = 0; i < words; i += page_words) assert_true(t[i] == i + 1);
    free(t);
}

/* Below 4 MiB (calloc) and above (huge pages asked for, given back first). */
static void small_written_table(void **state)
{
    (void)state;
    written_table_is_zero_and_takes_no_fault((size_t)1 << 20);
}

static void large_written_table(void **state)
{
    (void)state;
    written_table_is_zero_and_takes_no_fault((size_t)6 << 20);
}

/* A plain table is zeroed too (its pages come as they are touched). */
static void plain_table_is_zero(void **state)
{
    (void)state;
    size_t words = ((size_t)6 << 20) / 8;
    uint64_t *t = yb_table_alloc(words, 8);
    assert_non_null(t);
    for (size_t i = 0; i < words; i += 509) assert_true(t[i] == 0);
    free(t);
    assert_null(yb_table_alloc_written(SIZE_MAX / 4, 8)); /* count * size overflows */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(small_written_table),
        cmocka_unit_test(large_written_table),
        cmocka_unit_test(plain_table_is_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
