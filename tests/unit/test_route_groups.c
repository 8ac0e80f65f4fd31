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

static long add(yb_groups *g, const char *id)
{
    long n = yb_groups_add(g, id, strlen(id));
    assert_true(n >= 0);
    return n;
}

static uint64_t root_of(yb_groups *g, const char *id)
{
    long n = yb_groups_find(g, id, strlen(id));
    assert_true(n >= 0);
    return yb_groups_root_hash(g, n);
}

/* Unions are transitive, the root is the id met first, an id is one node however often met. */
static void groups_join_families(void **state)
{
    (void)state;
    yb_groups *g = yb_groups_new();
    assert_non_null(g);
    /* family 1: M1 pays for M2 and M3; M3 also pays for M4 (a chain) */
    long m2 = add(g, "M2"), m1 = add(g, "M1");
    yb_groups_union(g, m2, m1);
    yb_groups_union(g, add(g, "M3"), add(g, "M1"));
    yb_groups_union(g, add(g, "M4"), add(g, "M3"));
    /* family 2 alone; an id met twice is one node */
    long m5 = add(g, "M5");
    assert_int_equal(add(g, "M5"), m5);
    yb_groups_union(g, m5, m5);
    assert_int_equal(yb_groups_count(g), 5);
    assert_int_equal(yb_groups_joined(g), 3);
    assert_int_equal(yb_groups_find(g, "M9", 2), -1);
    yb_groups_seal(g);
    uint64_t r = root_of(g, "M1");
    assert_int_equal(root_of(g, "M2"), r);
    assert_int_equal(root_of(g, "M3"), r);
    assert_int_equal(root_of(g, "M4"), r);
    /* the root is M2, the first id met: its own hash */
    assert_int_equal(r, yb_route_hash("M2", 2));
    assert_int_equal(root_of(g, "M5"), yb_route_hash("M5", 2));
    yb_groups_free(g);
}

/* Many ids (the table grows, the ids' buffer moves): pairs (2k, 2k+1) joined. */
static void groups_grow(void **state)
{
    (void)state;
    yb_groups *g = yb_groups_new();
    char a[32], b[32];
    for (int k = 0; k < 20000; k++) {
        snprintf(a, sizeof a, "id-%d", 2 * k);
        snprintf(b, sizeof b, "id-%d", 2 * k + 1);
        long na = add(g, a), nb = add(g, b); /* a first: the root */
        yb_groups_union(g, na, nb);
    }
    assert_int_equal(yb_groups_count(g), 40000);
    assert_int_equal(yb_groups_joined(g), 20000);
    yb_groups_seal(g);
    for (int k = 0; k < 20000; k += 997) {
        snprintf(a, sizeof a, "id-%d", 2 * k);
        snprintf(b, sizeof b, "id-%d", 2 * k + 1);
        assert_int_equal(root_of(g, a), root_of(g, b));
        assert_int_equal(root_of(g, a), yb_route_hash(a, strlen(a)));
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

/* A line's worker follows its group: the payer's id joins the member's,
 * read as the claim reader reads it (escapes, a byte order mark on line 1). */
static void lines_route_by_group(void **state)
{
    (void)state;
    FILE *diag = fopen("/dev/null", "w");
    yb_diag d;
    yb_diag_init(&d, diag);
    yb_program *p = yb_compile_string("t.yb", POLICY, &d);
    yb_diag_free(&d);
    fclose(diag);
    assert_non_null(p);
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
    bool oom;
    for (int workers = 2; workers <= 7; workers++) {
        yb_router *r = yb_router_new(p, workers, &oom);
        assert_non_null(r);
        assert_true(yb_router_grouped(r));
        for (int i = 0; i < n; i++) assert_true(yb_router_learn(r, lines[i], strlen(lines[i]), i + 1));
        yb_router_seal(r);
        int w[6];
        for (int i = 0; i < n; i++) w[i] = yb_router_route(r, lines[i], strlen(lines[i]), i + 1);
        /* A, B (paid by \u0041 = A) and C (paid by B) are one family: the root A */
        assert_int_equal(w[0], (int)(yb_route_hash("A", 1) % (uint64_t)workers));
        assert_int_equal(w[1], w[0]);
        assert_int_equal(w[2], w[0]);
        assert_int_equal(w[3], (int)(yb_route_hash("D", 1) % (uint64_t)workers));
        assert_int_equal(w[4], w[3]);
        assert_int_equal(w[5], 0); /* no id: a record error, worker 0 */
        char how[300];
        yb_router_describe(r, how, sizeof how);
        assert_string_equal(how, "member_id grouped with account_payer.member_id (4 ids, 2 groups joined)");
        yb_router_free(r);
    }
    yb_program_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(groups_join_families),
        cmocka_unit_test(groups_grow),
        cmocka_unit_test(lines_route_by_group),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
