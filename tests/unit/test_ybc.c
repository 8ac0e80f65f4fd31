/* The .ybc file: a round trip keeps every settlement, and no damaged or
 * hostile file crashes the loader, the verifier or the VM. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "claim_reader.h"
#include "yb_limits.h"
#include "compiler.h"
#include "route_plan.h"
#include "vm.h"

static const char *claims =
    "{\"claim_id\":\"WX1\",\"member_id\":\"E1\",\"scheme\":\"employee\",\"member\":{\"status\":\"retired\",\"enrolled_on\":\"2010-01-01\"},"
    "\"visit\":{\"kind\":\"inpatient\",\"date\":\"2025-03-01\",\"level\":3},\"items\":[{\"code\":\"A1\",\"class\":\"A\",\"amount\":\"20000.00\"},"
    "{\"code\":\"B1\",\"class\":\"B\",\"amount\":\"10000.00\"},{\"code\":\"C1\",\"class\":\"C\",\"amount\":\"2000.00\"}]}\n"
    "{\"claim_id\":\"WX3\",\"member_id\":\"R3\",\"scheme\":\"resident\",\"member\":{\"status\":\"resident\",\"enrolled_on\":\"2025-03-10\",\"in_window\":false},"
    "\"visit\":{\"kind\":\"inpatient\",\"date\":\"2025-05-02\",\"level\":2},\"items\":[{\"code\":\"XA01\",\"class\":\"A\",\"amount\":\"1500.00\"},"
    "{\"code\":\"XB07\",\"class\":\"B\",\"amount\":\"6500.00\",\"limit\":\"7000.00\"}]}\n";

static yb_program *compile_example(void)
{
    yb_diag d;
    yb_diag_init(&d, stderr);
    yb_program *p = yb_compile_file("examples/hunan-basic.yb", &d);
    yb_diag_free(&d);
    assert_non_null(p);
    return p;
}

/* The example policy as .ybc bytes (the caller frees them). */
static unsigned char *example_bytes(size_t *len)
{
    yb_program *p = compile_example();
    unsigned char *data;
    yb_ybc_write_mem(p, &data, len);
    yb_program_free(p);
    return data;
}

/* Settle the claims; returns the sum of every output register of every claim (a fingerprint). */
static int64_t settle_all(const yb_program *p, int *errors)
{
    yb_vm *vm = yb_vm_new(p);
    FILE *in = fmemopen((void *)claims, strlen(claims), "r");
    yb_reader *r = yb_reader_open(&p->schema, in, "mem", YB_FMT_JSONL);
    yb_claim *c = yb_claim_new(&p->schema);
    yb_record_error err;
    int64_t sum = 0;
    *errors = 0;
    int rc;
    while (r && (rc = yb_reader_next(r, c, &err)) != 0) {
        if (rc < 0 || yb_vm_run(vm, c) != YB_RUN_SETTLED) {
            (*errors)++;
            continue;
        }
        for (int i = 0; i < p->nouts; i++) sum += vm->regs[i] & 0xffffffff;
    }
    yb_claim_free(c);
    if (r) yb_reader_close(r);
    fclose(in);
    yb_vm_free(vm);
    return sum;
}

static uint64_t fnv1a(const unsigned char *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

static void reseal(unsigned char *data, size_t len)
{
    uint64_t h = fnv1a(data + 32, len - 32);
    for (int i = 0; i < 8; i++) data[24 + i] = (unsigned char)(h >> (8 * i));
}


/* ---- a small walk over the .ybc layout (vm/ybc.c), to patch one number ---- */

static uint32_t get32(const unsigned char *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static void put32(unsigned char *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i)); }
static void put64(unsigned char *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i)); }
static size_t skip_str(const unsigned char *d, size_t at) { uint32_t n = get32(d + at); return at + 4 + (n == 0xffffffffu ? 0 : n); }

/* Offset of the payload of the section with this four-letter tag. */
static size_t section(const unsigned char *d, size_t len, const char *tag)
{
    size_t at = 32;
    while (at + 8 <= len) {
        if (memcmp(d + at, tag, 4) == 0) return at + 8;
        at += 8 + get32(d + at + 4);
    }
    fail_msg("no section %s", tag);
    return 0;
}

/* Offset of field `name`'s record in the schema section (its first match),
 * and in *root the offset of root_first (root_count follows). */
static size_t schema_field(const unsigned char *d, size_t len, const char *name, size_t *root)
{
    size_t at = section(d, len, "SCHM"), found = 0;
    uint32_t nenums = get32(d + at);
    at += 4;
    for (uint32_t e = 0; e < nenums; e++) {
        at = skip_str(d, at);
        uint32_t n = get32(d + at);
        int codes = d[at + 4];
        at += 5;
        for (uint32_t m = 0; m < n; m++) at = skip_str(d, at) + (codes ? 8 : 0);
        uint32_t ntexts = get32(d + at); /* text codes: str, i64 member */
        at += 4;
        for (uint32_t k = 0; k < ntexts; k++) at = skip_str(d, at) + 8;
    }
    uint32_t nfields = get32(d + at);
    at += 4;
    for (uint32_t f = 0; f < nfields; f++) {
        uint32_t n = get32(d + at);
        if (!found && n == strlen(name) && memcmp(d + at + 4, name, n) == 0) found = at;
        at = skip_str(d, skip_str(d, at) + 4 + 5 * 8);
    }
    if (root) *root = at;
    return found;
}

/* The .ybc of the example policy with one count set to 2^31 - 1, resealed:
 * the loader must refuse it (first + count would overflow an int). */
static void expect_refused_bytes(unsigned char *data, size_t len, const char *needle)
{
    char err[256];
    reseal(data, len);
    yb_program *q = yb_ybc_read(data, len, err, sizeof err);
    if (q) {
        yb_program_free(q);
        fail_msg("accepted; expected an error naming \"%s\"", needle);
    }
    if (!strstr(err, needle)) fail_msg("error \"%s\" does not name \"%s\"", err, needle);
}

static void counts_past_int_max_are_refused(void **state)
{
    (void)state;
    size_t len, root;
    unsigned char *data = example_bytes(&len), *copy = malloc(len);
    /* a record (member) and a list (items) claiming 2^31 - 1 children:
       name, kind, flags, enum_id, then slot, first, count as i64 */
    const char *names[] = {"member", "items"};
    for (int k = 0; k < 2; k++) {
        memcpy(copy, data, len);
        size_t f = schema_field(copy, len, names[k], NULL);
        assert_true(f > 0);
        size_t after_name = skip_str(copy, f);
        assert_true(copy[after_name] == YB_T_RECORD || copy[after_name] == YB_T_LIST);
        put64(copy + after_name + 4 + 16, 0x7fffffff);
        expect_refused_bytes(copy, len, "bad children");
    }
    /* the top-level fields: first 1, count 2^31 - 1 */
    memcpy(copy, data, len);
    schema_field(copy, len, "", &root);
    put32(copy + root, 1);
    put32(copy + root + 4, 0x7fffffff);
    expect_refused_bytes(copy, len, "bad schema root");
    /* a state whose fields start at register 2^31 - 1 */
    memcpy(copy, data, len);
    size_t at = section(copy, len, "STAT");
    assert_true(get32(copy + at) >= 1);
    at = skip_str(copy, at + 4) + 1;
    at += 4 + 3 * get32(copy + at);
    put32(copy + at + 4, 0x7fffffff);
    expect_refused_bytes(copy, len, "state 0 is malformed");
    free(copy);
    free(data);
}

/* The routing of --jobs survives the file (section ROUT): the loaded plan is
 * the compiled one, field for field, for a policy routed by one field and for
 * the standard policy (grouped ids, derived report fields, recomputed sets). */
static void round_trip_keeps_the_routing(void **state)
{
    (void)state;
    const char *paths[] = {"examples/hunan-basic.yb", "stdlib-policies/hunan.yb"};
    for (int k = 0; k < 2; k++) {
        yb_diag d;
        yb_diag_init(&d, stderr);
        yb_program *p = yb_compile_file(paths[k], &d);
        yb_diag_free(&d);
        assert_non_null(p);
        assert_non_null(p->route_plan);
        assert_true(p->route_field > 0);
        unsigned char *data;
        size_t len;
        char err[256];
        yb_ybc_write_mem(p, &data, &len);
        yb_program *q = yb_ybc_read(data, len, err, sizeof err);
        if (!q) fail_msg("%s: %s", paths[k], err);
        assert_int_equal(q->route_field, p->route_field);
        assert_non_null(q->route_plan);
        assert_int_equal(q->route_plan->nregs, p->nregs);
        assert_memory_equal(q->route_plan, p->route_plan, sizeof *p->route_plan + (size_t)p->nregs);
        if (k == 1) assert_true(p->route_plan->nids == 2 && p->route_plan->nsets > 0 && p->route_plan->nnodes > 0);
        free(data);
        yb_program_free(q);
        yb_program_free(p);
    }
}

static void round_trip_keeps_every_settlement(void **state)
{
    (void)state;
    yb_program *p = compile_example();
    unsigned char *data;
    size_t len;
    assert_true(yb_ybc_write_mem(p, &data, &len));
    char err[256];
    yb_program *q = yb_ybc_read(data, len, err, sizeof err);
    if (!q) fail_msg("%s", err);
    int e1, e2;
    assert_int_equal(settle_all(p, &e1), settle_all(q, &e2));
    assert_int_equal(e1, 0);
    assert_int_equal(e2, 0);
    /* and writing the loaded program again gives the same bytes */
    unsigned char *data2;
    size_t len2;
    yb_ybc_write_mem(q, &data2, &len2);
    assert_int_equal(len, len2);
    assert_memory_equal(data, data2, len);
    free(data2);
    free(data);
    yb_program_free(p);
    yb_program_free(q);
}

static void truncated_files_are_refused(void **state)
{
    (void)state;
    size_t len;
    unsigned char *data = example_bytes(&len);
    char err[256];
    for (size_t cut = 0; cut < len; cut++) {
        yb_program *q = yb_ybc_read(data, cut, err, sizeof err);
        if (q) fail_msg("a file cut at %zu of %zu bytes was accepted", cut, len);
    }
    /* the message says what is wrong */
    yb_ybc_read(data, len - 1, err, sizeof err);
    assert_non_null(strstr(err, "truncated"));
    yb_ybc_read(data, 5, err, sizeof err);
    assert_non_null(strstr(err, "not a compiled yibao policy"));
    free(data);
}

static void flipped_bits_fail_the_checksum(void **state)
{
    (void)state;
    size_t len;
    unsigned char *data = example_bytes(&len);
    char err[256];
    for (size_t at = 32; at < len; at += 7) {
        data[at] ^= 0x10;
        yb_program *q = yb_ybc_read(data, len, err, sizeof err);
        if (q) fail_msg("a flipped bit at %zu was accepted", at);
        assert_non_null(strstr(err, "checksum"));
        data[at] ^= 0x10;
    }
    free(data);
}

/* A hostile file: damaged, then given a valid checksum.  The loader and the
 * verifier must refuse it or it must run without crashing (ASan/UBSan watch). */
static void resealed_damage_never_crashes(void **state)
{
    (void)state;
    size_t len;
    unsigned char *data = example_bytes(&len);
    char err[256];
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    int accepted = 0, refused = 0;
    for (int round = 0; round < 20000; round++) {
        unsigned char *copy = malloc(len);
        memcpy(copy, data, len);
        int flips = 1 + round % 4;
        for (int k = 0; k < flips; k++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            size_t at = 32 + (seed >> 33) % (len - 32);
            copy[at] ^= (unsigned char)(1u << ((seed >> 20) & 7));
        }
        reseal(copy, len);
        yb_program *q = yb_ybc_read(copy, len, err, sizeof err);
        if (q) {
            accepted++;
            int errors;
            settle_all(q, &errors);
            yb_program_free(q);
        } else {
            refused++;
            assert_true(strlen(err) > 10);
        }
        free(copy);
    }
    print_message("resealed damage: %d refused, %d accepted and ran safely\n", refused, accepted);
    free(data);
}


/* ---- yb_ybc_load: a path is checked before its file is read whole ---- */

static void expect_load_refused(const char *path, const char *needle)
{
    char err[256] = "";
    yb_program *q = yb_ybc_load(path, err, sizeof err);
    if (q) {
        yb_program_free(q);
        fail_msg("%s was accepted", path);
    }
    if (!strstr(err, needle)) fail_msg("%s: error \"%s\" does not say \"%s\"", path, err, needle);
}

static void write_file(const char *path, const void *data, size_t n, long long size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_true(write(fd, data, n) == (ssize_t)n);
    if (size >= 0) assert_int_equal(ftruncate(fd, (off_t)size), 0); /* sparse: no disk used */
    close(fd);
}

static void files_are_checked_before_they_are_read(void **state)
{
    (void)state;
    char dir[] = "/tmp/yb_test_ybc_XXXXXX", path[256];
    assert_non_null(mkdtemp(dir));
    /* a gigabyte without the signature: refused from its first bytes (it was
       read whole first: 4.4 s and 1 GiB of memory) */
    snprintf(path, sizeof path, "%s/huge.ybc", dir);
    write_file(path, "junk", 4, 1LL << 30);
    expect_load_refused(path, "does not start with the .ybc signature");
    unlink(path);
    /* the signature, then more than YB_MAX_YBC_BYTES */
    size_t len;
    unsigned char *data = example_bytes(&len);
    snprintf(path, sizeof path, "%s/big.ybc", dir);
    write_file(path, data, 8, YB_MAX_YBC_BYTES + 1);
    expect_load_refused(path, "at most 268435456 bytes (256 MiB)");
    unlink(path);
    /* a directory, a pipe with no writer (must not hang), a device */
    snprintf(path, sizeof path, "%s/dir.ybc", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    expect_load_refused(path, "not a regular file");
    rmdir(path);
    snprintf(path, sizeof path, "%s/fifo.ybc", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    expect_load_refused(path, "not a regular file");
    unlink(path);
    expect_load_refused("/dev/zero", "not a regular file");
    /* a short file, an absent one */
    snprintf(path, sizeof path, "%s/short.ybc", dir);
    write_file(path, data, 5, -1);
    expect_load_refused(path, "does not start with the .ybc signature");
    unlink(path);
    expect_load_refused(path, "cannot read");
    /* and the real thing still loads */
    snprintf(path, sizeof path, "%s/ok.ybc", dir);
    write_file(path, data, len, -1);
    char err[256];
    yb_program *q = yb_ybc_load(path, err, sizeof err);
    if (!q) fail_msg("%s", err);
    yb_program_free(q);
    unlink(path);
    rmdir(dir);
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip_keeps_every_settlement),
        cmocka_unit_test(round_trip_keeps_the_routing),
        cmocka_unit_test(truncated_files_are_refused),
        cmocka_unit_test(flipped_bits_fail_the_checksum),
        cmocka_unit_test(resealed_damage_never_crashes),
        cmocka_unit_test(counts_past_int_max_are_refused),
        cmocka_unit_test(files_are_checked_before_they_are_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
