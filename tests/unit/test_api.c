/* libyibao (include/yibao.h): settlements through the API are those of the
 * batch command, running totals survive export and import, and every misuse
 * gets an error code and a message instead of a crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yibao.h"

#define T1 "{\"claim_id\":\"T1\",\"member_id\":\"OT\",\"scheme\":\"employee\",\"member\":{\"status\":\"in_service\",\"enrolled_on\":\"2015-01-01\",\"continuous_years\":5},\"visit\":{\"kind\":\"outpatient\",\"date\":\"2025-03-01\",\"level\":0},\"items\":[{\"code\":\"A1\",\"class\":\"A\",\"amount\":\"100.00\"}],\"ytd\":{\"outpatient_paid\":\"1450.00\"}}\n"
#define T2 "{\"claim_id\":\"T2\",\"member_id\":\"OT\",\"scheme\":\"employee\",\"member\":{\"status\":\"in_service\",\"enrolled_on\":\"2015-01-01\",\"continuous_years\":5},\"visit\":{\"kind\":\"outpatient\",\"date\":\"2025-03-08\",\"level\":0},\"items\":[{\"code\":\"A1\",\"class\":\"A\",\"amount\":\"100.00\"}],\"ytd\":{\"outpatient_paid\":\"0.00\"}}\n"

typedef struct fixture {
    yibao_env *env;
    yibao_policy pol;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->env = yibao_env_new();
    yibao_error e;
    if (!f->env || yibao_policy_load_file(f->env, "stdlib-policies/hunan.yb", &f->pol, &e) != YIBAO_OK) {
        fprintf(stderr, "%s\n", e.message);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    yibao_env_free(f->env);
    free(f);
    return 0;
}

static int64_t fund_of(yibao_env *env, yibao_batch b)
{
    yibao_field fl;
    assert_int_equal(yibao_settlement_field_by_name(env, b, "fund", &fl, NULL), YIBAO_OK);
    assert_int_equal(fl.kind, YIBAO_MONEY);
    return fl.value;
}

/* tests/golden/stdlib_running_totals: T1 (ytd outpatient_paid 1,450, cap 1,500):
 * min(100.00 x 70%, 1,500 - 1,450) = 50.00; T2 after it: the cap is reached, 0.00;
 * T2 alone opens the totals from its own ytd 0.00: 100.00 x 70% = 70.00. */
static void settles_and_carries_totals(void **state)
{
    fixture *f = *state;
    yibao_env *env = f->env;
    yibao_batch a, b, c;
    yibao_error e;
    assert_int_equal(yibao_batch_open(env, f->pol, 0, &a, &e), YIBAO_OK);
    assert_int_equal(yibao_settle_json(env, a, T1, strlen(T1), &e), YIBAO_OK);
    assert_int_equal(fund_of(env, a), 5000);
    yibao_field fl;
    assert_int_equal(yibao_settlement_field_by_name(env, a, "fund", &fl, NULL), YIBAO_OK);
    assert_string_equal(fl.display, "50.00");
    assert_int_equal(yibao_settlement_field_by_name(env, a, "status", &fl, NULL), YIBAO_OK);
    assert_string_equal(fl.text, "settled");
    assert_int_equal(yibao_settlement_field_by_name(env, a, "claim_id", &fl, NULL), YIBAO_OK);
    assert_int_equal(fl.text_len, 2);
    assert_memory_equal(fl.text, "T1", 2);
    const char *json;
    size_t len;
    assert_int_equal(yibao_settlement_json(env, a, &json, &len, NULL), YIBAO_OK);
    const char *want = "{\"claim_id\":\"T1\",\"member_id\":\"OT\",\"status\":\"settled\",\"total\":\"100.00\",\"fund\":\"50.00\","
                       "\"copay\":\"50.00\",\"selfpay\":\"0.00\",\"basic\":\"50.00\",\"large\":\"0.00\",\"critical\":\"0.00\","
                       "\"assistance\":\"0.00\",\"account\":\"0.00\",\"cash\":\"50.00\",\"reasons\":[],\"alerts\":[]}\n";
    assert_int_equal(len, strlen(want));
    assert_memory_equal(json, want, len);
    assert_int_equal(yibao_settlement_explain(env, a, &json, &len, NULL), YIBAO_OK);
    assert_true(len > 2 && json[0] == '[' && strstr(json, "\"rule\":") != NULL);

    void *tot;
    size_t tlen;
    assert_int_equal(yibao_totals_export(env, a, &tot, &tlen, &e), YIBAO_OK);
    assert_int_equal(yibao_batch_open(env, f->pol, 0, &b, &e), YIBAO_OK);
    assert_int_equal(yibao_totals_import(env, b, tot, tlen, &e), YIBAO_OK);
    assert_int_equal(yibao_settle_json(env, b, T2, strlen(T2), &e), YIBAO_OK);
    assert_int_equal(fund_of(env, b), 0);
    assert_int_equal(yibao_batch_open(env, f->pol, 0, &c, &e), YIBAO_OK);
    assert_int_equal(yibao_settle_json(env, c, T2, strlen(T2), &e), YIBAO_OK);
    assert_int_equal(fund_of(env, c), 7000);

    /* the duplicate index goes across too: T1 again under another id is held */
    {
        static const char dup[] = "{\"claim_id\":\"T1-again\"" ;
        const char *rest = strchr(T1, ',');
        size_t n = strlen(dup) + strlen(rest);
        char *again = malloc(n + 1);
        snprintf(again, n + 1, "%s%s", dup, rest);
        yibao_batch d;
        assert_int_equal(yibao_batch_open(env, f->pol, 0, &d, &e), YIBAO_OK);
        assert_int_equal(yibao_totals_import(env, d, tot, tlen, &e), YIBAO_OK);
        assert_int_equal(yibao_settle_json(env, d, again, n, &e), YIBAO_OK);
        assert_int_equal(fund_of(env, d), 0); /* held: DUPLICATE_CLAIM, the fund pays nothing */
        assert_int_equal(yibao_batch_close(env, d), YIBAO_OK);
        free(again);
    }

    /* damaged totals are refused and change nothing: c still holds its own */
    unsigned char *bad = malloc(tlen);
    memcpy(bad, tot, tlen);
    assert_int_equal(yibao_totals_import(env, c, bad, tlen - 3, &e), YIBAO_E_SCHEMA);
    bad[0] = 'X';
    assert_int_equal(yibao_totals_import(env, c, bad, tlen, &e), YIBAO_E_SCHEMA);
    assert_non_null(strstr(e.message, "YBTOTAL1"));
    free(bad);
    yibao_free(tot);
    assert_int_equal(yibao_batch_close(env, a), YIBAO_OK);
    assert_int_equal(yibao_batch_close(env, b), YIBAO_OK);
    assert_int_equal(yibao_batch_close(env, c), YIBAO_OK);
}

static void misuse_is_an_error(void **state)
{
    fixture *f = *state;
    yibao_env *env = f->env;
    yibao_error e;
    yibao_batch b;
    yibao_policy p;
    int n;
    /* NULLs */
    assert_int_equal(yibao_batch_open(NULL, f->pol, 0, &b, &e), YIBAO_E_ARGUMENT);
    assert_int_equal(yibao_batch_open(env, f->pol, 0, NULL, &e), YIBAO_E_ARGUMENT);
    assert_int_equal(yibao_policy_load_file(env, NULL, &p, &e), YIBAO_E_ARGUMENT);
    assert_int_equal(yibao_policy_load_mem(env, NULL, 5, &p, NULL), YIBAO_E_ARGUMENT);
    assert_int_equal(yibao_settle_json(NULL, (yibao_batch){1}, "{}", 2, &e), YIBAO_E_ARGUMENT);
    assert_int_equal(yibao_batch_open(env, f->pol, 0x80, &b, &e), YIBAO_E_ARGUMENT);
    /* handles never made, or of the other kind */
    assert_int_equal(yibao_settle_json(env, (yibao_batch){0}, T1, strlen(T1), &e), YIBAO_E_HANDLE);
    assert_int_equal(yibao_settle_json(env, (yibao_batch){f->pol.id}, T1, strlen(T1), &e), YIBAO_E_HANDLE);
    assert_int_equal(yibao_settle_json(env, (yibao_batch){0xdeadbeef12345678ull}, T1, strlen(T1), &e), YIBAO_E_HANDLE);
    assert_non_null(strstr(e.message, "not a live batch handle"));
    /* wrong order: nothing settled yet */
    assert_int_equal(yibao_batch_open(env, f->pol, 0, &b, &e), YIBAO_OK);
    assert_int_equal(yibao_settlement_field_count(env, b, &n, &e), YIBAO_E_ORDER);
    /* a bad record: the message names the field, and there is no settlement to read */
    const char *bad = "{\"claim_id\":\"X\",\"member_id\":\"M\",\"scheme\":\"employee\",\"member\":{\"status\":\"retired\",\"enrolled_on\":\"2010-13-01\"},"
                      "\"visit\":{\"kind\":\"inpatient\",\"date\":\"2025-03-01\",\"level\":3},\"items\":[{\"code\":\"A1\",\"class\":\"A\",\"amount\":\"1.00\"}]}";
    assert_int_equal(yibao_settle_json(env, b, bad, strlen(bad), &e), YIBAO_E_RECORD);
    assert_string_equal(e.field, "member.enrolled_on");
    assert_int_equal(e.line, 1);
    assert_int_equal(yibao_settlement_held(env, b, &n, &e), YIBAO_E_ORDER);
    assert_int_equal(yibao_settle_json(env, b, "", 0, &e), YIBAO_E_RECORD);
    assert_int_equal(yibao_settle_json(env, b, "{\"claim_id\":", 12, &e), YIBAO_E_RECORD);
    assert_int_equal(yibao_settle_json(env, b, T1 T2, strlen(T1 T2), &e), YIBAO_E_ARGUMENT);
    /* a claim for another policy's input shape */
    const char *other = "{\"claim_id\":\"C\",\"date\":\"2025-01-01\",\"kind\":\"inpatient\",\"items\":[{\"amount\":\"1.00\"}]}";
    assert_int_equal(yibao_settle_json(env, b, other, strlen(other), &e), YIBAO_E_RECORD);
    /* indexes out of range, once a settlement exists */
    assert_int_equal(yibao_settle_json(env, b, T1, strlen(T1), &e), YIBAO_OK);
    yibao_field fl;
    assert_int_equal(yibao_settlement_field(env, b, -1, &fl, &e), YIBAO_E_ARGUMENT);
    assert_int_equal(yibao_settlement_field(env, b, 1000, &fl, &e), YIBAO_E_ARGUMENT);
    assert_int_equal(yibao_settlement_field_by_name(env, b, "nope", &fl, &e), YIBAO_E_ARGUMENT);
    const char *s;
    assert_int_equal(yibao_settlement_reason(env, b, 0, &s, &e), YIBAO_E_ARGUMENT);
    /* freed handles */
    assert_int_equal(yibao_batch_close(env, b), YIBAO_OK);
    assert_int_equal(yibao_batch_close(env, b), YIBAO_E_HANDLE);
    assert_int_equal(yibao_settle_json(env, b, T1, strlen(T1), &e), YIBAO_E_HANDLE);
    assert_int_equal(yibao_settlement_field_count(env, b, &n, &e), YIBAO_E_HANDLE);
    /* a policy freed while a batch uses it: the handle dies, the batch goes on */
    yibao_policy q;
    assert_int_equal(yibao_policy_load_file(env, "stdlib-policies/hunan.yb", &q, &e), YIBAO_OK);
    assert_int_equal(yibao_batch_open(env, q, 0, &b, &e), YIBAO_OK);
    assert_int_equal(yibao_policy_free(env, q), YIBAO_OK);
    assert_int_equal(yibao_policy_free(env, q), YIBAO_E_HANDLE);
    yibao_policy_info info;
    assert_int_equal(yibao_policy_get_info(env, q, &info, &e), YIBAO_E_HANDLE);
    yibao_batch none;
    assert_int_equal(yibao_batch_open(env, q, 0, &none, &e), YIBAO_E_HANDLE);
    assert_int_equal(none.id, 0);
    assert_int_equal(yibao_settle_json(env, b, T1, strlen(T1), &e), YIBAO_OK);
    assert_int_equal(yibao_batch_close(env, b), YIBAO_OK);
    /* not a policy */
    assert_int_equal(yibao_policy_load_mem(env, "hello", 5, &p, &e), YIBAO_E_POLICY);
    assert_int_equal(yibao_policy_load_file(env, "no/such/file.ybc", &p, &e), YIBAO_E_IO);
    assert_int_equal(yibao_policy_load_file(env, "tests/golden/diag_typo/policy.yb", &p, &e), YIBAO_E_POLICY);
    assert_non_null(strstr(e.message, "error"));
    assert_string_equal(yibao_status_text(YIBAO_E_HANDLE), "not a live handle");
    assert_string_equal(yibao_status_text((yibao_status)99), "unknown status");
}

/* Totals of another policy (other states) are refused. */
static void totals_of_another_policy(void **state)
{
    fixture *f = *state;
    yibao_env *env = f->env;
    yibao_error e;
    yibao_policy w;
    yibao_batch a, b;
    assert_int_equal(yibao_policy_load_file(env, "tests/golden/report_when/policy.yb", &w, &e), YIBAO_OK);
    assert_int_equal(yibao_batch_open(env, w, 0, &a, &e), YIBAO_OK);
    assert_int_equal(yibao_batch_open(env, f->pol, 0, &b, &e), YIBAO_OK);
    void *tot;
    size_t tlen;
    assert_int_equal(yibao_totals_export(env, a, &tot, &tlen, &e), YIBAO_OK);
    assert_int_equal(yibao_totals_import(env, b, tot, tlen, &e), YIBAO_E_SCHEMA);
    assert_non_null(strstr(e.message, "by_community"));
    yibao_free(tot);
    yibao_policy_free(env, w);
}

/* Batches of one policy in several threads settle what one thread would. */
typedef struct job {
    yibao_env *env;
    yibao_policy pol;
    int64_t funds[2];
    int rc;
} job;

static void *worker(void *arg)
{
    job *j = arg;
    yibao_batch b;
    j->rc = yibao_batch_open(j->env, j->pol, YIBAO_BATCH_EXPLAIN, &b, NULL);
    for (int round = 0; round < 200 && !j->rc; round++) {
        yibao_batch_close(j->env, b);
        j->rc = yibao_batch_open(j->env, j->pol, YIBAO_BATCH_EXPLAIN, &b, NULL);
        const char *c[2] = {T1, T2};
        for (int k = 0; k < 2 && !j->rc; k++) {
            yibao_field fl;
            j->rc = yibao_settle_json(j->env, b, c[k], strlen(c[k]), NULL);
            if (!j->rc) j->rc = yibao_settlement_field_by_name(j->env, b, "fund", &fl, NULL);
            j->funds[k] = fl.value;
        }
    }
    yibao_batch_close(j->env, b);
    return NULL;
}

static void threads(void **state)
{
    fixture *f = *state;
    pthread_t t[3];
    job j[3];
    for (int i = 0; i < 3; i++) {
        j[i] = (job){f->env, f->pol, {-1, -1}, 0};
        assert_int_equal(pthread_create(&t[i], NULL, worker, &j[i]), 0);
    }
    for (int i = 0; i < 3; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(j[i].rc, 0);
        assert_int_equal(j[i].funds[0], 5000); /* 50.00, then the cap: 0.00 */
        assert_int_equal(j[i].funds[1], 0);
    }
}

/* T1 set field by field: the same claim, so the same settlement as T1 given
 * as JSON (fund 50.00: min(100.00 x 70%, 1,500 - 1,450), see above), and the
 * claim written out in the schema's order with the defaults left to the reader. */
static void set_T1(yibao_env *env, yibao_batch b)
{
    yibao_error e;
    int i = -1;
    assert_int_equal(yibao_claim_set_text(env, b, "claim_id", "T1", 2, &e), YIBAO_OK);
    assert_int_equal(yibao_claim_set_text(env, b, "member_id", "OT", 2, &e), YIBAO_OK);
    assert_int_equal(yibao_claim_set_text(env, b, "scheme", "employee", 8, &e), YIBAO_OK);
    assert_int_equal(yibao_claim_set(env, b, "member.status", 0, &e), YIBAO_OK);             /* in_service */
    assert_int_equal(yibao_claim_set(env, b, "member.enrolled_on", 16436, &e), YIBAO_OK);    /* 2015-01-01 = 45 x 365 + 11 leap days */
    assert_int_equal(yibao_claim_set(env, b, "member.continuous_years", 5, &e), YIBAO_OK);
    assert_int_equal(yibao_claim_set_text(env, b, "visit.kind", "outpatient", 10, &e), YIBAO_OK);
    assert_int_equal(yibao_claim_set_text(env, b, "visit.date", "2025-03-01", 10, &e), YIBAO_OK);
    assert_int_equal(yibao_claim_set(env, b, "visit.level", 0, &e), YIBAO_OK);               /* primary */
    assert_int_equal(yibao_claim_append(env, b, "items", &i, &e), YIBAO_OK);
    assert_int_equal(i, 0);
    assert_int_equal(yibao_claim_set_text(env, b, "items[0].code", "A1", 2, &e), YIBAO_OK);
    assert_int_equal(yibao_claim_set_text(env, b, "items[0].class", "A", 1, &e), YIBAO_OK);
    assert_int_equal(yibao_claim_set(env, b, "items[0].amount", 9999, &e), YIBAO_OK);
    assert_int_equal(yibao_claim_set(env, b, "items[0].amount", 10000, &e), YIBAO_OK);       /* the last value counts */
    assert_int_equal(yibao_claim_set(env, b, "ytd.outpatient_paid", 145000, &e), YIBAO_OK);
}

static void claims_field_by_field(void **state)
{
    fixture *f = *state;
    yibao_env *env = f->env;
    yibao_batch a, b;
    yibao_error e;
    const char *ja, *jb, *cj;
    size_t la, lb, cl;
    assert_int_equal(yibao_batch_open(env, f->pol, 0, &a, &e), YIBAO_OK);
    assert_int_equal(yibao_batch_open(env, f->pol, 0, &b, &e), YIBAO_OK);
    assert_int_equal(yibao_settle_json(env, a, T1, strlen(T1), &e), YIBAO_OK);
    set_T1(env, b);
    assert_int_equal(yibao_claim_json(env, b, &cj, &cl, &e), YIBAO_OK);
    const char *want = "{\"claim_id\":\"T1\",\"member_id\":\"OT\",\"scheme\":\"employee\",\"member\":{\"status\":\"in_service\","
                       "\"enrolled_on\":\"2015-01-01\",\"continuous_years\":5},\"visit\":{\"kind\":\"outpatient\",\"date\":\"2025-03-01\","
                       "\"level\":\"primary\"},\"items\":[{\"code\":\"A1\",\"class\":\"A\",\"amount\":100.00}],"
                       "\"ytd\":{\"outpatient_paid\":1450.00}}\n";
    assert_int_equal(cl, strlen(want));
    assert_memory_equal(cj, want, cl);
    assert_int_equal(yibao_settle_claim(env, b, &e), YIBAO_OK);
    assert_int_equal(fund_of(env, b), 5000);
    assert_int_equal(yibao_settlement_json(env, a, &ja, &la, NULL), YIBAO_OK);
    assert_int_equal(yibao_settlement_json(env, b, &jb, &lb, NULL), YIBAO_OK);
    assert_int_equal(la, lb);
    assert_memory_equal(ja, jb, la);

    /* settled: the fields are cleared, so settling again is out of order */
    assert_int_equal(yibao_settle_claim(env, b, &e), YIBAO_E_ORDER);
    /* the second claim of the member: T2's fields; the cap is reached, 0.00 */
    set_T1(env, b);
    assert_int_equal(yibao_claim_set_text(env, b, "claim_id", "T2", 2, &e), YIBAO_OK);
    assert_int_equal(yibao_claim_set_text(env, b, "visit.date", "2025-03-08", 10, &e), YIBAO_OK);
    assert_int_equal(yibao_settle_claim(env, b, &e), YIBAO_OK);
    assert_int_equal(fund_of(env, b), 0);

    /* paths and kinds that do not fit the input are refused at once */
    assert_int_equal(yibao_claim_set(env, b, "member.brith_date", 1, &e), YIBAO_E_ARGUMENT);
    assert_non_null(strstr(e.message, "no field \"brith_date\""));
    assert_int_equal(yibao_claim_set(env, b, "claim_id", 1, &e), YIBAO_E_ARGUMENT);
    assert_non_null(strstr(e.message, "yibao_claim_set_text"));
    assert_int_equal(yibao_claim_set_text(env, b, "member.continuous_years", "5", 1, &e), YIBAO_E_ARGUMENT);
    assert_int_equal(yibao_claim_set(env, b, "items.amount", 1, &e), YIBAO_E_ARGUMENT);
    assert_non_null(strstr(e.message, "items[0]"));
    assert_int_equal(yibao_claim_set(env, b, "items[0].amount", 1, &e), YIBAO_E_ARGUMENT); /* no element yet */
    assert_non_null(strstr(e.message, "has 0 elements"));
    assert_int_equal(yibao_claim_set(env, b, "items[-1].amount", 1, &e), YIBAO_E_ARGUMENT);
    assert_int_equal(yibao_claim_set(env, b, "member", 1, &e), YIBAO_E_ARGUMENT);
    assert_int_equal(yibao_claim_set(env, b, "scheme.x", 1, &e), YIBAO_E_ARGUMENT);
    assert_int_equal(yibao_claim_set(env, b, "", 1, &e), YIBAO_E_ARGUMENT);
    assert_int_equal(yibao_claim_set(env, b, "scheme", 2, &e), YIBAO_E_ARGUMENT);   /* two members: 0 and 1 */
    assert_int_equal(yibao_claim_set(env, b, "visit.designated", 2, &e), YIBAO_E_ARGUMENT);
    assert_int_equal(yibao_claim_append(env, b, "member", NULL, &e), YIBAO_E_ARGUMENT);
    assert_int_equal(yibao_claim_set(env, b, NULL, 1, &e), YIBAO_E_ARGUMENT);
    assert_int_equal(yibao_claim_set_text(env, b, "claim_id", NULL, 0, &e), YIBAO_E_ARGUMENT);
    assert_int_equal(yibao_claim_set(env, (yibao_batch){0}, "claim_id", 1, &e), YIBAO_E_HANDLE);
    /* a claim the reader refuses: the error names the field, as for JSON, and nothing is counted */
    set_T1(env, b);
    assert_int_equal(yibao_claim_set_text(env, b, "visit.date", "2025-02-30", 10, &e), YIBAO_OK);
    assert_int_equal(yibao_settle_claim(env, b, &e), YIBAO_E_RECORD);
    assert_string_equal(e.field, "visit.date");
    assert_int_equal(yibao_claim_set(env, b, "claim_id", 1, &e), YIBAO_E_ARGUMENT);
    assert_int_equal(yibao_settle_claim(env, b, &e), YIBAO_E_ORDER);                 /* cleared after the refusal */
    assert_int_equal(yibao_claim_set_text(env, b, "claim_id", "T3", 2, &e), YIBAO_OK);
    assert_int_equal(yibao_settle_claim(env, b, &e), YIBAO_E_RECORD);                /* member_id and the rest missing */
    assert_int_equal(yibao_claim_set_text(env, b, "claim_id", "T3", 2, &e), YIBAO_OK);
    assert_int_equal(yibao_claim_clear(env, b, &e), YIBAO_OK);
    assert_int_equal(yibao_settle_claim(env, b, &e), YIBAO_E_ORDER);
    assert_int_equal(yibao_batch_close(env, a), YIBAO_OK);
    assert_int_equal(yibao_batch_close(env, b), YIBAO_OK);
}

/* tests/golden/message_values: an alert's message is written with the values
 * of its claim (c1: 31.50 x 87.5% = 27.5625 -> 27.56; c2: 150.00, the block
 * BIG replacing the warn of the same id), and the next claim's replace them. */
static void alert_messages_carry_their_values(void **state)
{
    (void)state;
    yibao_env *env = yibao_env_new();
    yibao_policy pol;
    yibao_batch b;
    yibao_error e;
    assert_non_null(env);
    assert_int_equal(yibao_policy_load_file(env, "tests/golden/message_values/policy.yb", &pol, &e), YIBAO_OK);
    assert_int_equal(yibao_batch_open(env, pol, 0, &b, &e), YIBAO_OK);
    const char *c1 = "{\"claim_id\":\"c1\",\"member\":\"张三\",\"date\":\"2025-03-01\",\"level\":\"1\",\"items\":["
                     "{\"code\":\"a\",\"amount\":\"10.00\"},{\"code\":\"b\",\"amount\":\"20.50\"},{\"code\":\"c\",\"amount\":\"1.00\"}]}";
    const char *c2 = "{\"claim_id\":\"c2\",\"member\":\"李四\",\"date\":\"2025-06-30\",\"level\":\"0\",\"items\":["
                     "{\"code\":\"a\",\"amount\":\"150.00\"}]}";
    int n;
    yibao_alert a;
    assert_int_equal(yibao_settle_json(env, b, c1, strlen(c1), &e), YIBAO_OK);
    assert_int_equal(yibao_settlement_alert_count(env, b, &n, &e), YIBAO_OK);
    assert_int_equal(n, 3);
    assert_int_equal(yibao_settlement_alert(env, b, 0, &a, &e), YIBAO_OK);
    assert_string_equal(a.rule, "TOO_MANY");
    assert_int_equal(a.blocking, 0);
    assert_string_equal(a.message, "3 items, more than 2: 31.50 at 87.5% is 27.56");
    assert_int_equal(yibao_settlement_alert(env, b, 1, &a, &e), YIBAO_OK);
    assert_string_equal(a.message, "张三 on 2025-03-01, level first, {as is}, over 30.00: true");
    assert_int_equal(yibao_settlement_alert(env, b, 2, &a, &e), YIBAO_OK);
    assert_string_equal(a.message, "no values here");
    assert_int_equal(yibao_settle_json(env, b, c2, strlen(c2), &e), YIBAO_OK);
    assert_int_equal(yibao_settlement_alert(env, b, 0, &a, &e), YIBAO_OK);
    assert_string_equal(a.rule, "BIG");
    assert_int_equal(a.blocking, 1);
    assert_string_equal(a.message, "held: 150.00 above 100.00");
    assert_int_equal(yibao_settlement_alert(env, b, 1, &a, &e), YIBAO_OK);
    assert_string_equal(a.message, "李四 on 2025-06-30, level primary, {as is}, over 30.00: true");
    const char *json;
    size_t len;
    assert_int_equal(yibao_settlement_json(env, b, &json, &len, &e), YIBAO_OK);
    assert_non_null(strstr(json, "\"message\":\"held: 150.00 above 100.00\""));
    yibao_env_free(env);
}

/* A batch on a ledger: each claim committed, a claim id settled once, and
 * the totals shared with every other batch on the same ledger. */
static void ledger_batches(void **state)
{
    fixture *f = *state;
    yibao_env *env = f->env;
    yibao_error e;
    char dir[] = "/tmp/yb_api_ledger_XXXXXX", db[64];
    assert_non_null(mkdtemp(dir));
    snprintf(db, sizeof db, "%s/l.db", dir);
    yibao_batch a, b;
    assert_int_equal(yibao_batch_open_ledger(env, f->pol, 0, NULL, &a, &e), YIBAO_E_ARGUMENT);
    assert_int_equal(yibao_batch_open_ledger(env, f->pol, 0, db, &a, &e), YIBAO_OK);
    assert_int_equal(yibao_settle_json(env, a, T1, strlen(T1), &e), YIBAO_OK);
    assert_int_equal(fund_of(env, a), 5000); /* min(100.00 x 70%, 1,500 - 1,450) */
    assert_int_equal(yibao_settle_json(env, a, T1, strlen(T1), &e), YIBAO_E_DUPLICATE);
    assert_non_null(strstr(e.message, "claim T1: already settled on "));
    assert_non_null(strstr(e.message, ", by policy "));
    assert_int_equal(yibao_settlement_json(env, a, &(const char *){0}, &(size_t){0}, NULL), YIBAO_E_ORDER);
    /* another batch on the ledger (as another process would): T1's totals are
       there, so T2's ytd does not open the key and the cap is reached: 0.00 */
    assert_int_equal(yibao_batch_open_ledger(env, f->pol, YIBAO_BATCH_STAMP, db, &b, &e), YIBAO_OK);
    assert_int_equal(yibao_settle_json(env, b, T2, strlen(T2), &e), YIBAO_OK);
    assert_int_equal(fund_of(env, b), 0);
    /* and the first batch sees that T2 is settled: nothing read before is trusted */
    assert_int_equal(yibao_settle_json(env, a, T2, strlen(T2), &e), YIBAO_E_DUPLICATE);
    /* a bad record changes nothing and is not remembered */
    assert_int_equal(yibao_settle_json(env, a, "{\"claim_id\":\"T3\"}", 16, &e), YIBAO_E_RECORD);
    void *tot = NULL;
    size_t tlen = 0;
    assert_int_equal(yibao_totals_export(env, a, &tot, &tlen, &e), YIBAO_E_ARGUMENT);
    assert_non_null(strstr(e.message, "live in its ledger"));
    assert_int_equal(yibao_totals_import(env, a, "", 0, &e), YIBAO_E_ARGUMENT);
    assert_int_equal(yibao_batch_close(env, a), YIBAO_OK);
    assert_int_equal(yibao_batch_close(env, b), YIBAO_OK);
    /* a policy of other states is refused at open, with the differences */
    yibao_policy w;
    assert_int_equal(yibao_policy_load_file(env, "tests/golden/message_values/policy.yb", &w, &e), YIBAO_OK);
    assert_int_equal(yibao_batch_open_ledger(env, w, 0, db, &a, &e), YIBAO_E_SCHEMA);
    assert_non_null(strstr(e.message, "do not match the ledger's"));
    assert_int_equal(a.id, 0);
    /* a new env (a restart): still settled */
    yibao_env *env2 = yibao_env_new();
    yibao_policy p2;
    assert_int_equal(yibao_policy_load_file(env2, "stdlib-policies/hunan.yb", &p2, &e), YIBAO_OK);
    assert_int_equal(yibao_batch_open_ledger(env2, p2, 0, db, &a, &e), YIBAO_OK);
    assert_int_equal(yibao_settle_json(env2, a, T1, strlen(T1), &e), YIBAO_E_DUPLICATE);
    yibao_env_free(env2);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(settles_and_carries_totals, setup, teardown),
        cmocka_unit_test(alert_messages_carry_their_values),
        cmocka_unit_test_setup_teardown(misuse_is_an_error, setup, teardown),
        cmocka_unit_test_setup_teardown(totals_of_another_policy, setup, teardown),
        cmocka_unit_test_setup_teardown(threads, setup, teardown),
        cmocka_unit_test_setup_teardown(claims_field_by_field, setup, teardown),
        cmocka_unit_test_setup_teardown(ledger_batches, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
