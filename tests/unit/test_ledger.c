/* The ledger's hash table: keyed hashing (SipHash-1-3) so that member ids
 * crafted to collide cannot turn a batch quadratic. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger.h"
#include "siphash.h"

/* Key 00 01 .. 0f, message 00 01 .. n-1.  The low 32 bits of SipHash-1-3 are
 * the published HalfSipHash vectors of Linux's 64-bit build
 * (lib/tests/siphash_kunit.c, test_vectors_hsiphash), which is SipHash-1-3
 * truncated. */
static void siphash13_reference_vectors(void **state)
{
    (void)state;
    const uint64_t key[2] = {0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
    unsigned char m[64];
    for (int i = 0; i < 64; i++) m[i] = (unsigned char)i;
    static const struct { int n; uint32_t low; } v[] = {
        {0, 0x050fc4dcU}, {1, 0x7d57ca93U}, {7, 0x9bb11140U}, {8, 0x8d299a8eU},
        {15, 0x2a519956U}, {16, 0x7d908b66U}, {30, 0x43c5e663U}, {63, 0xb7bbb3a8U},
    };
    for (size_t i = 0; i < sizeof v / sizeof *v; i++)
        if ((uint32_t)yb_siphash13(key, m, (size_t)v[i].n) != v[i].low) fail_msg("length %d", v[i].n);
    /* another key, another hash */
    const uint64_t key2[2] = {0x0706050403020101ULL, 0x0f0e0d0c0b0a0908ULL};
    assert_true(yb_siphash13(key, m, 30) != yb_siphash13(key2, m, 30));
}

/* ---- the unkeyed hash the ledger used before, kept here to craft a flood ---- */

static uint64_t old_mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

static uint64_t old_hash(const unsigned char *p, uint32_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
    uint32_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = old_mix(h ^ w);
    }
    if (i < n) {
        uint64_t w = 0;
        memcpy(&w, p + i, n - i);
        h = old_mix(h ^ w ^ 0xa5);
    }
    return h | 1;
}

/* A (member_id, year) state key as the VM lays it out: the id's length (4
 * bytes), its 18 bytes, then the year (8 bytes), 30 bytes in all. */
enum { ID_LEN = 18, KEY_LEN = 4 + ID_LEN + 8, FLOOD = 100000 };

/* The next key of the flood: id bytes 0..3 count up (base 127), bytes 4..11
 * are solved so that the old hash's state after them is one fixed value, so
 * every key has the same old hash.  A solution is kept only when its eight
 * bytes are 0x01..0x7f, which a JSON member id can carry (\u0001..\u007f):
 * one try in 256. */
static void flood_key(unsigned char key[KEY_LEN], uint32_t *counter)
{
    const uint64_t target = 0x0123456789abcdefULL;
    uint32_t len = ID_LEN;
    int64_t year = 2025;
    memcpy(key, &len, 4);
    memcpy(key + 16, "HN2025", 6);
    memcpy(key + 22, &year, 8);
    for (;;) {
        uint32_t c = (*counter)++;
        for (int j = 0; j < 4; j++, c /= 127) key[4 + j] = (unsigned char)(1 + c % 127);
        uint64_t w0, w1;
        memcpy(&w0, key, 8);
        w1 = old_mix((0x9e3779b97f4a7c15ULL ^ KEY_LEN) ^ w0) ^ target;
        int ok = 1;
        for (int j = 0; j < 8; j++) {
            unsigned char b = (unsigned char)(w1 >> (8 * j));
            if (b == 0 || b > 0x7f) ok = 0;
        }
        if (!ok) continue;
        memcpy(key + 8, &w1, 8);
        return;
    }
}

static void flood_of_colliding_ids_keeps_probes_short(void **state)
{
    (void)state;
    unsigned char(*keys)[KEY_LEN] = malloc((size_t)FLOOD * KEY_LEN);
    assert_non_null(keys);
    uint32_t counter = 0;
    for (uint32_t i = 0; i < FLOOD; i++) flood_key(keys[i], &counter);
    /* the flood is real: every key had the same hash, so the old table put
       key i at the end of a run of i entries (5 billion probes in all) */
    uint64_t h0 = old_hash(keys[0], KEY_LEN);
    for (uint32_t i = 1; i < FLOOD; i++)
        if (old_hash(keys[i], KEY_LEN) != h0) fail_msg("key %u does not collide", i);

    yb_ledger *l = yb_ledger_new(2);
    assert_non_null(l);
    for (uint32_t i = 0; i < FLOOD; i++) {
        yb_ledger_entry *e = yb_ledger_get(l, keys[i], KEY_LEN);
        assert_non_null(e);
        assert_int_equal(e->flags, 0); /* new: the keys are distinct */
        e->flags = YB_ENTRY_OPENED;
        assert_non_null(e = yb_ledger_set(l, e, (int64_t[]){i, -(int64_t)i}));
    }
    assert_int_equal(yb_ledger_count(l), FLOOD);
    /* 100,000 keys in an index 1/2 to 3/4 full (it grows by half): with a
       uniform hash the longest probe is 36-111 slots (40 runs, 2026-12-05),
       and a linear probe's run length falls off exponentially with its
       length, so 1,000 is never reached by chance; the flood would be 99,999 */
    size_t max_probe = yb_ledger_max_probe(l);
    if (max_probe > 1000) fail_msg("max probe %zu", max_probe);
    /* every key finds its own entry again */
    for (uint32_t i = 0; i < FLOOD; i++) {
        yb_ledger_entry *e = yb_ledger_get(l, keys[i], KEY_LEN);
        assert_non_null(e);
        assert_int_equal(yb_ledger_value(l, e, 0), i);
        assert_int_equal(yb_ledger_value(l, e, 1), -(int64_t)i);
        assert_memory_equal(yb_ledger_key(l, e), keys[i], KEY_LEN);
    }
    assert_int_equal(yb_ledger_count(l), FLOOD);
    yb_ledger_free(l);
    free(keys);
}

/* Two ledgers draw two keys, yet hold the same totals for the same keys:
 * nothing a caller sees depends on the hash key. */
static void same_entries_whatever_the_key(void **state)
{
    (void)state;
    yb_ledger *a = yb_ledger_new(1), *b = yb_ledger_new(1);
    assert_non_null(a);
    assert_non_null(b);
    char k[64];
    for (int round = 0; round < 3; round++)
        for (int i = 0; i < 5000; i++) {
            int n = snprintf(k, sizeof k, "member-%d-with-a-long-enough-id-to-leave-the-slot-%d", i, i % 7);
            /* a's lookups go through the two prefetch steps (a hint: same entries) */
            uint32_t tag = yb_ledger_prefetch(a, k, (uint32_t)n);
            yb_ledger_prefetch_row(a, tag);
            yb_ledger_entry *ea = yb_ledger_get_tagged(a, k, (uint32_t)n, tag), *eb = yb_ledger_get(b, k, (uint32_t)n);
            assert_non_null(ea);
            assert_non_null(eb);
            ea = yb_ledger_set_value(a, ea, 0, yb_ledger_value(a, ea, 0) + i);
            eb = yb_ledger_set_value(b, eb, 0, yb_ledger_value(b, eb, 0) + i);
            assert_int_equal(yb_ledger_value(a, ea, 0), yb_ledger_value(b, eb, 0));
        }
    assert_int_equal(yb_ledger_count(a), 5000);
    assert_int_equal(yb_ledger_count(b), 5000);
    yb_ledger_free(a);
    yb_ledger_free(b);
}

/* Values are kept in 4 bytes until one needs 8: the entry moves then, keeps
 * every value exact, and the walk meets each key once, in the order met. */
static void values_exact_across_widening(void **state)
{
    (void)state;
    yb_ledger *l = yb_ledger_new(3);
    assert_non_null(l);
    enum { N = 200000 }; /* several chunks of rows */
    char k[32];
    for (int i = 0; i < N; i++) {
        int n = snprintf(k, sizeof k, "m%d", i);
        yb_ledger_entry *e = yb_ledger_get(l, k, (uint32_t)n);
        assert_non_null(e);
        int64_t big = i % 3 == 0 ? INT64_MAX - i : i % 3 == 1 ? (int64_t)INT32_MIN - 1 : INT32_MAX;
        /* every third key widens on its second value, the last third never */
        assert_non_null(e = yb_ledger_set(l, e, (int64_t[]){-i, big, i}));
        e->flags = YB_ENTRY_OPENED;
    }
    size_t pos = 0, n = 0;
    for (yb_ledger_entry *e; (e = yb_ledger_next(l, &pos)); n++) {
        int i = (int)n;
        int len = snprintf(k, sizeof k, "m%d", i);
        assert_int_equal(e->keylen, len);
        assert_memory_equal(yb_ledger_key(l, e), k, (size_t)len);
        assert_int_equal(e->flags, YB_ENTRY_OPENED);
        int64_t v[3];
        yb_ledger_values(l, e, v);
        assert_int_equal(v[0], -i);
        assert_int_equal(v[1], i % 3 == 0 ? INT64_MAX - i : i % 3 == 1 ? (int64_t)INT32_MIN - 1 : INT32_MAX);
        assert_int_equal(v[2], i);
        assert_ptr_equal(yb_ledger_get(l, k, (uint32_t)len), e); /* the index points at the moved row */
    }
    assert_int_equal(n, N);
    assert_int_equal(yb_ledger_count(l), N);
    yb_ledger_free(l);
}

/* A ledger keyed by a prefix of another's keys (the account by payer, the
 * totals by member and year) keeps a reference to the donor row's key
 * bytes when the two are opened on the same value, one after the other;
 * otherwise (another payer, opened first) a copy.  Keys read back exactly,
 * across widening on either side and after the donor is freed. */
static void keys_shared_with_a_donor(void **state)
{
    (void)state;
    yb_ledger *totals = yb_ledger_new(2), *account = yb_ledger_new(1), *plain = yb_ledger_new(1);
    assert_non_null(totals);
    assert_non_null(account);
    assert_non_null(plain);
    yb_ledger_share_keys(account, totals);
    enum { N = 100000 };
    char k[64];
    for (int i = 0; i < N; i++) {
        int n = snprintf(k, sizeof k, "43000019%010d", i), kn = n + 8;
        memcpy(k + n, "\xe9\x07\0\0\0\0\0\0", 8); /* the year, as state keys carry an int */
        bool first = i % 5 == 4;  /* the account opened before the totals: a copy */
        bool other = i % 7 == 6;  /* a relative pays: not a prefix, a copy */
        const char *payer = other ? "PAYER-SOMEONE-ELSE-01" : k;
        int pn = other ? (int)strlen(payer) : n;
        yb_ledger_entry *a = NULL, *t, *p;
        if (first) assert_non_null(a = yb_ledger_get(account, payer, (uint32_t)pn));
        assert_non_null(t = yb_ledger_get(totals, k, (uint32_t)kn));
        assert_non_null(t = yb_ledger_set(totals, t, (int64_t[]){i, i % 3 ? 1 : INT64_MIN + i}));
        if (!first) assert_non_null(a = yb_ledger_get(account, payer, (uint32_t)pn));
        /* shared: the account's key is the totals' key bytes themselves */
        assert_true((yb_ledger_key(account, a) == yb_ledger_key(totals, t)) == (!first && !other));
        assert_non_null(a = yb_ledger_set_value(account, a, 0, yb_ledger_value(account, a, 0) + (i % 2 ? i : (int64_t)1 << 40)));
        assert_non_null(p = yb_ledger_get(plain, payer, (uint32_t)pn));
        assert_non_null(yb_ledger_set_value(plain, p, 0, yb_ledger_value(plain, p, 0) + (i % 2 ? i : (int64_t)1 << 40)));
    }
    yb_ledger_free(totals); /* the shared key bytes stay with the account */
    size_t pos = 0, n = 0;
    for (yb_ledger_entry *e; (e = yb_ledger_next(account, &pos)); n++) {
        yb_ledger_entry *p = yb_ledger_get(plain, yb_ledger_key(account, e), e->keylen);
        assert_non_null(p);
        assert_int_equal(p->keylen, e->keylen);
        assert_memory_equal(yb_ledger_key(plain, p), yb_ledger_key(account, e), e->keylen);
        assert_int_equal(yb_ledger_value(account, e, 0), yb_ledger_value(plain, p, 0));
        assert_ptr_equal(yb_ledger_get(account, yb_ledger_key(plain, p), p->keylen), e);
    }
    assert_int_equal(n, yb_ledger_count(plain));
    yb_ledger_free(account);
    yb_ledger_free(plain);
}

/* A walk that has ended goes on, from where it stopped, to the keys met
 * since (report_merge.c walks each worker's report entries after every
 * claim), across the chunks the rows are kept in (100,000 rows of 20-odd
 * bytes: past the first chunks, of 16 KiB doubling to 1 MiB). */
static void walk_goes_on_to_new_keys(void **state)
{
    (void)state;
    enum { N = 100000 };
    yb_ledger *l = yb_ledger_new(2);
    assert_non_null(l);
    size_t pos = 0;
    char k[32];
    for (int i = 0; i < N; i++) {
        int len = snprintf(k, sizeof k, "key-%d", i);
        assert_non_null(yb_ledger_get(l, k, (uint32_t)len));
        yb_ledger_entry *e = yb_ledger_next(l, &pos);
        assert_non_null(e);
        assert_int_equal(e->keylen, len);
        assert_memory_equal(yb_ledger_key(l, e), k, (size_t)len);
        assert_null(yb_ledger_next(l, &pos));
    }
    yb_ledger_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(siphash13_reference_vectors),
        cmocka_unit_test(flood_of_colliding_ids_keeps_probes_short),
        cmocka_unit_test(same_entries_whatever_the_key),
        cmocka_unit_test(values_exact_across_widening),
        cmocka_unit_test(keys_shared_with_a_donor),
        cmocka_unit_test(walk_goes_on_to_new_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
