/* A durable ledger's stored filter page (store/ledger_fps.c): the gaps
 * between its set bits, 7 bits a byte, the high bit saying more bytes follow
 * (spec.md 7.7): pages of every density decoded by yb_fps_page_decode against
 * the format as written here, and gaps past the page's end refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "ledger_internal.h"

/* The stored form of page, by the format's words (not the ledger's code). */
static size_t gaps_of(const unsigned char *page, unsigned char *out)
{
    size_t n = 0;
    unsigned long last = 0;
    for (unsigned long bit = 0; bit < YB_FILTER_PAGE * 8; bit++) {
        if (!(page[bit / 8] >> (bit % 8) & 1)) continue;
        unsigned long gap = bit - last;
        last = bit + 1;
        while (gap >= 0x80) {
            out[n++] = (unsigned char)(gap & 0x7f) | 0x80;
            gap >>= 7;
        }
        out[n++] = (unsigned char)gap;
    }
    return n;
}

static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* A page with about one bit in `one_in` set, and bits at its very start and end. */
static void random_page(unsigned char *page, uint64_t *seed, unsigned one_in)
{
    memset(page, 0, YB_FILTER_PAGE);
    for (unsigned long bit = 0; bit < YB_FILTER_PAGE * 8; bit++)
        if (next_rand(seed) % one_in == 0) page[bit / 8] |= (unsigned char)(1u << (bit % 8));
    page[0] |= 1;
    page[YB_FILTER_PAGE - 1] |= 0x80;
}

static void decodes_every_density(void **state)
{
    (void)state;
    unsigned char *page = malloc(YB_FILTER_PAGE), *out = malloc(2 * YB_FILTER_PAGE), *back = malloc(YB_FILTER_PAGE);
    assert_non_null(page);
    assert_non_null(out);
    assert_non_null(back);
    uint64_t seed = 0x9e3779b97f4a7c15u;
    /* 1 in 9: about the densest page kept in this form (one-byte gaps);
       1 in 60: a 200,000-claim batch's; 1 in 128 and more: gaps of two
       bytes mixed in, then most of them */
    static const unsigned densities[] = {9, 20, 60, 127, 128, 129, 400, 5000};
    for (size_t d = 0; d < sizeof densities / sizeof *densities; d++)
        for (int round = 0; round < 4; round++) {
            random_page(page, &seed, densities[d]);
            size_t n = gaps_of(page, out);
            if (n >= YB_FILTER_PAGE) continue; /* stored raw: not this form */
            memset(back, 0xa5, YB_FILTER_PAGE);
            assert_true(yb_fps_page_decode(out, n, back));
            assert_memory_equal(page, back, YB_FILTER_PAGE);
        }
    free(page);
    free(out);
    free(back);
}

/* Gaps of 127 (the largest of one byte) up to the page's last bit, and one past it: refused. */
static void refuses_bits_past_the_page(void **state)
{
    (void)state;
    unsigned char *in = malloc(1024), *page = malloc(YB_FILTER_PAGE);
    assert_non_null(in);
    assert_non_null(page);
    size_t fit = YB_FILTER_PAGE * 8 / 128; /* 256 gaps of 127 end at the page's last bit */
    for (size_t extra = 0; extra < 9; extra++) {
        memset(in, 127, fit + extra);
        assert_true(yb_fps_page_decode(in, fit - 1 + extra, page) == (extra <= 1));
    }
    assert_true(page[YB_FILTER_PAGE - 1] == 0x80);
    /* a gap that does not end (its last byte has the high bit) */
    in[0] = 0x85;
    assert_false(yb_fps_page_decode(in, 1, page));
    free(in);
    free(page);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decodes_every_density),
        cmocka_unit_test(refuses_bits_past_the_page),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
