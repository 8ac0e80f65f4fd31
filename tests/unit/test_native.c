/* Native functions (`extern fn`, vm/native.c): the extern table survives the
 * .ybc round trip, a malformed table or a NATIVE instruction against its
 * signature is refused, an unbound program never calls anything, and binding
 * (from the command line's libraries or the API's env) fails with the library
 * and the function named.  Uses build/native/libnativekinds.so (tests/native/kinds.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claim_reader.h"
#include "compiler.h"
#include "native.h"
#include "vm.h"
#include "yibao.h"

#define KINDS_SO "build/native/libnativekinds.so"

static const char *policy =
    "policy \"native unit\" version \"1\"\n"
    "input claim {\n  claim_id: text\n  amount: money\n  on: date\n  code: text\n}\n"
    "output settlement {\n  claim_id: text = claim_id\n  status\n  paid: money\n  next: date\n  bytes: int\n  reasons\n  alerts\n}\n"
    "extern fn echo_money(fen: money) -> money from \"kinds\"\n"
    "extern fn next_day(d: date) -> date from \"kinds\"\n"
    "extern fn text_bytes(t: text) -> int from \"kinds\"\n"
    "rule r\n  set paid = echo_money(amount)\n  set next = next_day(on)\n  set bytes = text_bytes(code)\n";

static const char *claim = "{\"claim_id\":\"C1\",\"amount\":\"12.34\",\"on\":\"2025-03-01\",\"code\":\"abc\"}\n";

static yb_program *compile_policy(void)
{
    yb_diag d;
    yb_diag_init(&d, stderr);
    yb_program *p = yb_compile_string("native.yb", policy, &d);
    yb_diag_free(&d);
    assert_non_null(p);
    return p;
}

/* Settle the one claim: the run status; the VM (for its registers and error) in *out. */
static yb_run_status settle(const yb_program *p, yb_vm **out)
{
    yb_vm *vm = yb_vm_new(p);
    FILE *in = fmemopen((void *)claim, strlen(claim), "r");
    yb_reader *r = yb_reader_open(&p->schema, in, "mem", YB_FMT_JSONL);
    yb_claim *c = yb_claim_new(&p->schema);
    yb_record_error err;
    assert_int_equal(yb_reader_next(r, c, &err), 1);
    yb_run_status st = yb_vm_run(vm, c);
    yb_claim_free(c);
    yb_reader_close(r);
    fclose(in);
    *out = vm;
    return st;
}

static void the_table_survives_the_round_trip(void **state)
{
    (void)state;
    yb_program *p = compile_policy();
    unsigned char *data;
    size_t len;
    yb_ybc_write_mem(p, &data, &len);
    char err[256];
    yb_program *q = yb_ybc_read(data, len, err, sizeof err);
    if (!q) fail_msg("%s", err);
    assert_int_equal(q->nnatives, 3);
    assert_string_equal(q->natives[1].name, "next_day");
    assert_string_equal(q->natives[1].library, "kinds");
    assert_int_equal(q->natives[1].result, YB_T_DATE);
    assert_int_equal(q->natives[1].nparams, 1);
    assert_int_equal(q->natives[2].params[0], YB_T_TEXT);
    assert_null(q->bound); /* nothing is bound by reading a file */
    yb_program_free(q);
    yb_program_free(p);
    free(data);
}

/* ---- the NATV section patched, the checksum made right again ---- */

static uint32_t get32(const unsigned char *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static void reseal(unsigned char *data, size_t len)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 32; i < len; i++) h = (h ^ data[i]) * 1099511628211ULL;
    for (int i = 0; i < 8; i++) data[24 + i] = (unsigned char)(h >> (8 * i));
}
static size_t natv(const unsigned char *d, size_t len)
{
    for (size_t at = 32; at + 8 <= len; at += 8 + get32(d + at + 4))
        if (memcmp(d + at, "NATV", 4) == 0) return at + 8;
    fail_msg("no NATV section");
    return 0;
}

static void expect_refused(void (*patch)(unsigned char *, size_t), const char *needle)
{
    yb_program *p = compile_policy();
    unsigned char *data;
    size_t len;
    yb_ybc_write_mem(p, &data, &len);
    yb_program_free(p);
    patch(data, natv(data, len));
    reseal(data, len);
    char err[256] = "";
    yb_program *q = yb_ybc_read(data, len, err, sizeof err);
    free(data);
    if (q) {
        yb_program_free(q);
        fail_msg("accepted; expected an error naming \"%s\"", needle);
    }
    if (!strstr(err, needle)) fail_msg("error \"%s\" does not name \"%s\"", err, needle);
}

/* the first entry: count u32, name "echo_money" (4 + 10), library "kinds" (4 + 5), result u8, nparams u32, kinds */
#define FIRST 4
#define LIBRARY (FIRST + 4 + 10)
#define RESULT (LIBRARY + 4 + 5)
#define NPARAMS (RESULT + 1)
#define PARAM0 (NPARAMS + 4)
static void too_many_params(unsigned char *d, size_t at) { d[at + NPARAMS] = 17; }
static void enum_param(unsigned char *d, size_t at) { d[at + PARAM0] = YB_T_ENUM; }
static void text_result(unsigned char *d, size_t at) { d[at + RESULT] = YB_T_TEXT; }
static void path_library(unsigned char *d, size_t at) { d[at + LIBRARY + 4 + 2] = '/'; }
static void digit_name(unsigned char *d, size_t at) { d[at + FIRST + 4] = '9'; }
static void text_param(unsigned char *d, size_t at) { d[at + PARAM0] = YB_T_TEXT; } /* the call passes money */

static void a_malformed_table_is_refused(void **state)
{
    (void)state;
    expect_refused(too_many_params, "section 8 (NATV (native functions)) does not read cleanly");
    expect_refused(enum_param, "native function `echo_money` parameter 1 has kind");
    expect_refused(text_result, "native function `echo_money` returns kind");
    expect_refused(path_library, "native function `echo_money` names a malformed library");
    expect_refused(digit_name, "native function 0 has a malformed name");
    expect_refused(text_param, "argument 1 of `echo_money` is money, its signature says text");
}

static void the_verifier_checks_each_call(void **state)
{
    (void)state;
    yb_program *p = compile_policy();
    char err[256];
    assert_true(yb_verify(p, err, sizeof err));
    p->natives[0].result = YB_T_INT; /* the destination register is money */
    assert_false(yb_verify(p, err, sizeof err));
    assert_non_null(strstr(err, "native function `echo_money` returns int, the register is money"));
    p->natives[0].result = YB_T_MONEY;
    p->nnatives = 1; /* next_day's call now names a function that is not there */
    assert_false(yb_verify(p, err, sizeof err));
    assert_non_null(strstr(err, "native function 1 out of range"));
    p->nnatives = 3;
    yb_program_free(p);
}

static void an_unbound_program_calls_nothing(void **state)
{
    (void)state;
    yb_program *p = compile_policy();
    yb_vm *vm;
    assert_int_equal(settle(p, &vm), YB_RUN_RECORD_ERROR);
    assert_non_null(strstr(vm->err.message, "native function `echo_money` of library \"kinds\" is not bound"));
    yb_vm_free(vm);
    yb_program_free(p);
}

static void binding_calls_the_library(void **state)
{
    (void)state;
    yb_program *p = compile_policy();
    yb_native_libs libs = {0};
    char err[400];
    assert_true(yb_native_libs_parse(&libs, "kinds=" KINDS_SO, err, sizeof err));
    if (!yb_native_bind(p, &libs, err, sizeof err)) fail_msg("%s", err);
    assert_true(yb_native_bind(p, &libs, err, sizeof err)); /* binding again replaces the binding */
    yb_vm *vm;
    assert_int_equal(settle(p, &vm), YB_RUN_SETTLED);
    /* outputs in order: claim_id, status, paid, next, bytes */
    assert_int_equal(vm->regs[2], 1234);   /* 12.34 yuan */
    assert_int_equal(vm->regs[3], 20149);  /* 2025-03-01 is day 20148 */
    assert_int_equal(vm->regs[4], 3);      /* "abc" */
    yb_vm_free(vm);
    yb_program_free(p);
    yb_native_libs_free(&libs);
}

static void binding_failures_name_library_and_function(void **state)
{
    (void)state;
    yb_program *p = compile_policy();
    yb_native_libs libs = {0};
    char err[400];
    assert_false(yb_native_bind(p, &libs, err, sizeof err));
    assert_non_null(strstr(err, "native function `echo_money` comes from library \"kinds\", and no library of that name is given"));
    assert_true(yb_native_libs_add(&libs, "kinds", "build/native/no-such.so", err, sizeof err));
    assert_false(yb_native_bind(p, &libs, err, sizeof err));
    assert_non_null(strstr(err, "native library \"kinds\" (for `echo_money`) cannot be opened from build/native/no-such.so"));
    assert_true(yb_native_libs_add(&libs, "kinds", "build/native/libcapitation.so", err, sizeof err)); /* replaces */
    assert_int_equal(libs.n, 1);
    assert_false(yb_native_bind(p, &libs, err, sizeof err));
    assert_non_null(strstr(err, "native library \"kinds\" (build/native/libcapitation.so) has no function `echo_money`"));
    assert_null(p->bound);
    assert_false(yb_native_libs_parse(&libs, "kinds", err, sizeof err));
    assert_non_null(strstr(err, "--native takes LIBRARY=PATH"));
    assert_false(yb_native_libs_parse(&libs, "../x=/tmp/x.so", err, sizeof err));
    assert_false(yb_native_libs_parse(&libs, "kinds=", err, sizeof err));
    assert_false(yb_native_libs_add(&libs, NULL, "x", err, sizeof err));
    yb_native_libs_free(&libs);
    yb_program_free(p);
}

/* The API: libraries named on the env; a policy loads bound, or not at all. */
static void the_api_binds_from_the_env(void **state)
{
    (void)state;
    FILE *f = fopen("build/tst/native_unit.yb", "wb");
    assert_non_null(f);
    fputs(policy, f);
    assert_int_equal(fclose(f), 0);
    yibao_env *env = yibao_env_new();
    yibao_error e;
    yibao_policy pol;
    assert_int_equal(yibao_policy_load_file(env, "build/tst/native_unit.yb", &pol, &e), YIBAO_E_NATIVE);
    assert_non_null(strstr(e.message, "no library of that name is given"));
    assert_string_equal(yibao_status_text(YIBAO_E_NATIVE), "native function not bound");
    assert_int_equal(yibao_env_native(env, "kinds", NULL, &e), YIBAO_E_ARGUMENT);
    assert_int_equal(yibao_env_native(env, "a/b", "x.so", &e), YIBAO_E_ARGUMENT);
    assert_int_equal(yibao_env_native(env, "kinds", KINDS_SO, &e), YIBAO_OK);
    assert_int_equal(yibao_policy_load_file(env, "build/tst/native_unit.yb", &pol, &e), YIBAO_OK);
    yibao_batch b;
    assert_int_equal(yibao_batch_open(env, pol, 0, &b, &e), YIBAO_OK);
    assert_int_equal(yibao_settle_json(env, b, claim, strlen(claim), &e), YIBAO_OK);
    yibao_field fl;
    assert_int_equal(yibao_settlement_field_by_name(env, b, "next", &fl, &e), YIBAO_OK);
    assert_string_equal(fl.display, "2025-03-02");
    assert_int_equal(yibao_settlement_field_by_name(env, b, "bytes", &fl, &e), YIBAO_OK);
    assert_int_equal(fl.value, 3);
    yibao_env_free(env);
    remove("build/tst/native_unit.yb");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_table_survives_the_round_trip),
        cmocka_unit_test(a_malformed_table_is_refused),
        cmocka_unit_test(the_verifier_checks_each_call),
        cmocka_unit_test(an_unbound_program_calls_nothing),
        cmocka_unit_test(binding_calls_the_library),
        cmocka_unit_test(binding_failures_name_library_and_function),
        cmocka_unit_test(the_api_binds_from_the_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
