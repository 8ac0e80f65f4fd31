/* io/route_groups.c (union-find over claim ids) and io/route_key.c (a claim
 * line's worker when a family's claims are grouped). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "route_groups.h"
#include "route_key.h"
#include "route_plan.h"

static uint64_t h(const char *id) { return yb_route_hash(id, strlen(id)); }

static void join(yb_groups *g, const char *a, const char *b) { assert_true(yb_groups_link(g, h(a), h(b))); }

static uint64_t root_of(const yb_groups *g, const char *id) { return yb_groups_root(g, h(id)); }

static uint64_t least(const char *const *ids, int n)
{
    uint64_t m = h(ids[0]);
    for (int i = 1; i < n; i++)
        if (h(ids[i]) < m) m = h(ids[i]);
    return m;
}

/* Links are transitive, a group's root is its least hash, an id is one
 * entry however often linked, and an id never linked is its own root. */
static void groups_join_families(void **state)
{
    (void)state;
    yb_groups *g = yb_groups_new();
    assert_non_null(g);
    /* family 1: M1 pays for M2 and M3; M3 also pays for M4 (a chain) */
    join(g, "M2", "M1");
    join(g, "M3", "M1");
    join(g, "M4", "M3");
    join(g, "M2", "M4"); /* already one group: joins nothing */
    /* family 2: M5 paying for itself */
    join(g, "M5", "M5");
    assert_int_equal(yb_groups_count(g), 5);
    assert_int_equal(yb_groups_joined(g), 3);
    yb_groups_seal(g);
    const char *fam[] = {"M1", "M2", "M3", "M4"};
    for (int i = 0; i < 4; i++) assert_true(root_of(g, fam[i]) == least(fam, 4));
    assert_true(root_of(g, "M5") == h("M5"));
    assert_true(root_of(g, "M9") == h("M9"));
    yb_groups_free(g);
}

/* The same links in another order, or learnt apart by two "threads" and
 * absorbed, give the same roots and the same count of groups joined. */
static void groups_any_order(void **state)
{
    (void)state;
    const char *pairs[][2] = {{"a", "b"}, {"c", "d"}, {"e", "f"}, {"b", "c"}, {"f", "g"}, {"x", "x"}, {"d", "a"}};
    int n = (int)(sizeof pairs / sizeof pairs[0]);
    yb_groups *fwd = yb_groups_new(), *back = yb_groups_new(), *t0 = yb_groups_new(), *t1 = yb_groups_new(),
              *merged = yb_groups_new();
    for (int i = 0; i < n; i++) {
        join(fwd, pairs[i][0], pairs[i][1]);
        join(back, pairs[n - 1 - i][1], pairs[n - 1 - i][0]);
        join(i % 2 ? t1 : t0, pairs[i][0], pairs[i][1]);
    }
    assert_true(yb_groups_absorb(merged, t1));
    assert_true(yb_groups_absorb(merged, t0));
    yb_groups *all[] = {fwd, back, merged};
    const char *abcd[] = {"a", "b", "c", "d"}, *efg[] = {"e", "f", "g"};
    for (int k = 0; k < 3; k++) {
        yb_groups_seal(all[k]);
        assert_int_equal(yb_groups_count(all[k]), 8);
        assert_int_equal(yb_groups_joined(all[k]), 5); /* 8 ids, 3 groups */
        for (int i = 0; i < 4; i++) assert_true(root_of(all[k], abcd[i]) == least(abcd, 4));
        for (int i = 0; i < 3; i++) assert_true(root_of(all[k], efg[i]) == least(efg, 3));
        assert_true(root_of(all[k], "x") == h("x"));
    }
    for (int k = 0; k < 3; k++) yb_groups_free(all[k]);
    yb_groups_free(t0);
    yb_groups_free(t1);
}

/* Many ids (the table grows): pairs (2k, 2k+1) linked. */
static void groups_grow(void **state)
{
    (void)state;
    yb_groups *g = yb_groups_new();
    char a[32], b[32];
    for (int k = 0; k < 20000; k++) {
        snprintf(a, sizeof a, "id-%d", 2 * k);
        snprintf(b, sizeof b, "id-%d", 2 * k + 1);
        join(g, a, b);
    }
    assert_int_equal(yb_groups_count(g), 40000);
    assert_int_equal(yb_groups_joined(g), 20000);
    yb_groups_seal(g);
    for (int k = 0; k < 20000; k += 997) {
        snprintf(a, sizeof a, "id-%d", 2 * k);
        snprintf(b, sizeof b, "id-%d", 2 * k + 1);
        const char *pair[] = {a, b};
        assert_true(root_of(g, a) == least(pair, 2));
        assert_true(root_of(g, b) == least(pair, 2));
    }
    yb_groups_free(g);
}

#define POLICY                                                                                   \
    "policy \"t\" version \"1\" effective 2024-01-01\n"                                        \
    "record item { amount: money }\n"                                                           \
    "input claim { claim_id: text  member_id: text  date: date  items: list of item, at least 1\n" \
    "  account_payer: optional { member_id: text  balance: money optional } }\n"               \
    "output settlement { claim_id: text = claim_id  status  fund: money  reasons alerts }\n"    \
    "dated by date\n"                                                                           \
    "define payer = if given(account_payer) then account_payer.member_id else member_id\n"     \
    "state acct per payer { n: int }\n"                                                         \
    "state totals per member_id { n: int }\n"                                                   \
    "rule r\n  add 1 to acct.n\n  add 1 to totals.n\n"

/* POLICY compiled, its diagnostics thrown away (it has none) */
static yb_program *compile_policy(void)
{
    FILE *diag = fopen("/dev/null", "w");
    assert_non_null(diag);
    yb_diag d;
    yb_diag_init(&d, diag);
    yb_program *p = yb_compile_string("t.yb", POLICY, &d);
    yb_diag_free(&d);
    fclose(diag);
    assert_non_null(p);
    return p;
}

/* A line's worker follows its group: the payer's id joins the member's,
 * read as the claim reader reads it (escapes, a byte order mark on line 1),
 * learnt line by line or from the whole text (only the lines naming
 * account_payer, or escaping something, looked at). */
static void lines_route_by_group(void **state)
{
    (void)state;
    yb_program *p = compile_policy();
    assert_int_equal(p->route_plan->nids, 2);
    const char *lines[] = {
        "\xEF\xBB\xBF{\"claim_id\":\"c1\",\"member_id\":\"A\"}",
        "{\"claim_id\":\"c2\",\"member_id\":\"B\",\"account_payer\":{\"balance\":\"1.00\",\"member_id\":\"\\u0041\"}}",
        "{\"claim_id\":\"c3\",\"account_payer\":{\"member_id\":\"B\"},\"member_id\":\"C\"}",
        "{\"claim_id\":\"c4\",\"member_id\":\"D\"}",
        "{\"claim_id\":\"c5\",\"member_id\":\"D\",\"account_payer\":{\"member_id\":\"D\"}}",
        "not json",
    };
    int n = (int)(sizeof lines / sizeof lines[0]);
    /* the same lines as one text, for yb_router_learn_text */
    char text[1024] = "";
    for (int i = 0; i < n; i++) {
        strcat(text, lines[i]);
        strcat(text, "\n");
    }
    const char *abc[] = {"A", "B", "C"};
    bool oom;
    for (int workers = 2; workers <= 7; workers++) {
        for (int by_text = 0; by_text < 2; by_text++) {
            yb_router *r = yb_router_new(p, workers, &oom);
            assert_non_null(r);
            assert_true(yb_router_grouped(r));
            if (by_text) {
                yb_groups *g = yb_groups_new();
                assert_true(yb_router_learn_text(r, g, text, strlen(text), true));
                assert_true(yb_router_absorb(r, g));
                yb_groups_free(g);
            } else {
                for (int i = 0; i < n; i++) assert_true(yb_router_learn(r, lines[i], strlen(lines[i]), i + 1));
            }
            yb_router_seal(r);
            int w[6];
            for (int i = 0; i < n; i++) w[i] = yb_router_route(r, lines[i], strlen(lines[i]), i + 1);
            /* A, B (paid by \u0041 = A) and C (paid by B) are one family: its least hash routes it */
            assert_int_equal(w[0], (int)(least(abc, 3) % (uint64_t)workers));
            assert_int_equal(w[1], w[0]);
            assert_int_equal(w[2], w[0]);
            assert_int_equal(w[3], (int)(h("D") % (uint64_t)workers));
            assert_int_equal(w[4], w[3]);
            assert_int_equal(w[5], 0); /* no id: a record error, worker 0 */
            char how[300];
            yb_router_describe(r, how, sizeof how);
            /* linked: A, B, C (c2, c3) and D (c5, paying for itself); c1 and c4 link nothing */
            assert_string_equal(how, "member_id grouped with account_payer.member_id (4 ids, 2 groups joined)");
            yb_router_free(r);
        }
    }
    yb_program_free(p);
}

/* yb_router_learn_text finds a linking line wherever it starts against the
 * scanner's 32- or 64-byte steps (both scans), and through an escaped name (no `account_payer`
 * written: only the backslash shows it), in a text of other lines. */
static void text_marks_anywhere(void **state)
{
    (void)state;
    yb_program *p = compile_policy();
    const char *links[] = {"{\"member_id\":\"P\",\"account_payer\":{\"member_id\":\"Q\"}}",
                           "{\"member_id\":\"P\",\"account\\u005fpayer\":{\"member_id\":\"Q\"}}"};
    const char *pq[] = {"P", "Q"};
    bool oom;
    for (int k = 0; k < 4; k++) /* each link, by each scan */
        for (int pad = 0; pad < 140; pad++) {
            char text[512];
            int n = snprintf(text, sizeof text, "{\"member_id\":\"R\"}\n%*s\n%s\n{\"member_id\":\"S\"}", pad, "", links[k % 2]);
            yb_router *r = yb_router_new(p, 2, &oom);
            yb_router_simd(r, k >= 2); /* the 16-byte steps, then AVX2 where the processor has it */
            yb_groups *g = yb_groups_new();
            assert_true(yb_router_learn_text(r, g, text, (size_t)n, true));
            assert_int_equal(yb_groups_count(g), 2);
            assert_true(yb_router_absorb(r, g));
            yb_router_seal(r);
            char how[300];
            yb_router_describe(r, how, sizeof how);
            assert_string_equal(how, "member_id grouped with account_payer.member_id (2 ids, 1 groups joined)");
            assert_int_equal(yb_router_route(r, "{\"member_id\":\"Q\"}", strlen("{\"member_id\":\"Q\"}"), 2), (int)(least(pq, 2) % 2));
            yb_groups_free(g);
            yb_router_free(r);
        }
    yb_program_free(p);
}

/* A line routes by its id as the claim reader decodes it, however the line
 * spells the key and the id (raw bytes are compared and hashed in place
 * only when nothing in them is escaped), and a key that only starts like
 * the routing one is passed over. */
static void spellings_route_alike(void **state)
{
    (void)state;
    yb_program *p = compile_policy();
    const char *lines[] = {
        "{\"member_id\":\"M7\"}",
        "{\"member\\u005fid\":\"M7\"}",
        "{\"member_id\":\"\\u004d7\"}",
        "{\"member_id\":\"M\\u0037\"}",
        " { \"claim_id\" : \"x\\\"y\" , \"member_id\" : \"M7\" }",
        "{\"member_idx\":\"Z\",\"member_i\":\"Z\",\"member_id\":\"M7\"}",
        "{\"claim_id\":\"c\",\"items\":[{\"member_id\":\"Z\"}],\"member_id\":\"M7\"}",
    };
    bool oom;
    for (int workers = 2; workers <= 7; workers++) {
        yb_router *r = yb_router_new(p, workers, &oom);
        assert_non_null(r);
        yb_router_seal(r);
        for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
            assert_int_equal(yb_router_route(r, lines[i], strlen(lines[i]), 2), (int)(h("M7") % (uint64_t)workers));
        yb_router_free(r);
    }
    yb_program_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(groups_join_families),
        cmocka_unit_test(groups_any_order),
        cmocka_unit_test(groups_grow),
        cmocka_unit_test(lines_route_by_group),
        cmocka_unit_test(text_marks_anywhere),
        cmocka_unit_test(spellings_route_alike),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
