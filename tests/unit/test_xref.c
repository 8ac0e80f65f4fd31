/* The cross-reference index (compiler/xref.h) of a policy and the file it
 * imports: declarations with their spans, types, comments and dated
 * versions; uses resolved through lets, list elements, enums and imports;
 * the index of a policy with a type error; a position's declaration. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xref.h"

static const char *LIB =
    "enum scheme { employee, resident }\n"                              /* 1 */
    "enum level { primary = 0, first = 1 }\n"                           /* 2 */
    "reasons NOT_COVERED\n"                                             /* 3 */
    "record item { code: text  amount: money }\n"                       /* 4 */
    "input claim {\n"                                                   /* 5 */
    "  claim_id: text\n"                                                /* 6 */
    "  date: date\n"                                                    /* 7 */
    "  scheme: scheme\n"                                                /* 8 */
    "  level: level\n"                                                  /* 9 */
    "  items: list of item, at least 1\n"                               /* 10 */
    "}\n"                                                               /* 11 */
    "output settlement { claim_id: text = claim_id  status  fund: money  reasons alerts }\n"
    "dated by date\n"                                                   /* 13 */
    "\n"                                                                /* 14 */
    "# 湘医保发〔2024〕12号: the deductible per level\n"               /* 15 */
    "param deductible: money by level\n"                                /* 16 */
    "  from 2024-01-01:\n"                                              /* 17 */
    "    primary 200.00   first 400.00\n"                               /* 18 */
    "  from 2025-01-01:\n"                                              /* 19 */
    "    primary 300.00   first 500.00  # raised (2025 notice)\n"       /* 20 */
    "\n"
    "table pay by scheme {\n"                                           /* 22 */
    "  ratio: rate\n"                                                   /* 23 */
    "}\n"
    "  from 2024-01-01:\n"
    "    employee 90%\n"
    "    resident 70%\n";

static const char *MAIN =
    "policy \"t\" version \"1\" effective 2024-01-01\n"                 /* 1 */
    "import \"lib.yb\"\n"                                               /* 2 */
    "\n"                                                                /* 3 */
    "define total = sum of amount in items\n"                           /* 4 */
    "\n"                                                                /* 5 */
    "state seen per claim_id { claims: int }\n"                         /* 6 */
    "\n"                                                                /* 7 */
    "rule 支付 \"pay above the deductible\"\n"                          /* 8 */
    "  when scheme = employee\n"                                        /* 9 */
    "  let rest = max(total - deductible[level], 0)\n"                  /* 10 */
    "  set fund = rest * pay[scheme].ratio\n"                           /* 11 */
    "  add 1 to seen.claims\n";                                         /* 12 */

static char dir[64];

static void write_file(const char *name, const char *text)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
    snprintf(dir, sizeof dir, "/tmp/yb_xref_XXXXXX");
    if (!mkdtemp(dir)) return -1;
    write_file("lib.yb", LIB);
    (void)state;
    return 0;
}

static int teardown(void **state)
{
    char path[128];
    snprintf(path, sizeof path, "%s/lib.yb", dir);
    unlink(path);
    rmdir(dir);
    (void)state;
    return 0;
}

static int find(const yb_xref *x, yb_xref_kind k, const char *name)
{
    for (int i = 0; i < x->ndecls; i++)
        if (x->decls[i].kind == k && strcmp(x->decls[i].name, name) == 0) return i;
    fail_msg("no %s `%s` in the index", yb_xref_kind_name(k), name);
    return -1;
}

/* The uses of declaration d, as "line:col-end" in walk order, joined by spaces. */
static void uses_text(const yb_xref *x, int d, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = 0;
    for (int i = 0; i < x->nuses; i++)
        if (x->uses[i].decl == d)
            len += (size_t)snprintf(buf + len, n - len, "%s%d:%d-%d", len ? " " : "", x->uses[i].loc.line,
                                    x->uses[i].loc.col, x->uses[i].loc.end_col);
}

static yb_xref *build(yb_diag *d, const char *main_text, FILE **mem, char **text)
{
    size_t len;
    *mem = open_memstream(text, &len);
    yb_diag_init(d, *mem);
    char path[128];
    snprintf(path, sizeof path, "%s/main.yb", dir);
    return yb_xref_build(d, path, main_text);
}

static void test_declarations(void **state)
{
    (void)state;
    yb_diag d;
    FILE *mem;
    char *msgs;
    yb_xref *x = build(&d, MAIN, &mem, &msgs);
    fflush(mem);
    assert_true(x->checked);
    assert_string_equal(msgs, "");
    /* the param: its name's span in lib.yb (line 16, `param ` is 6 bytes), its type, the comment above, two versions */
    int p = find(x, YB_XREF_PARAM, "deductible");
    const yb_xref_decl *pd = &x->decls[p];
    assert_string_equal(d.files[pd->loc.file].name + strlen(dir), "/lib.yb");
    assert_int_equal(pd->loc.line, 16);
    assert_int_equal(pd->loc.col, 7);
    assert_int_equal(pd->loc.end_col, 17);
    assert_string_equal(pd->type, "money by level");
    assert_string_equal(pd->comment, "湘医保发〔2024〕12号: the deductible per level");
    assert_int_equal(pd->extent.line, 16);
    assert_int_equal(pd->extent.end_line, 20); /* the blank line after it is not its */
    assert_int_equal(pd->nversions, 2);
    assert_int_equal(pd->versions[0].date, 19723); /* 2024-01-01: 54 years, 13 leap days: 54*365+13 */
    assert_int_equal(pd->versions[1].date, 20089); /* + 366 (2024 is leap) */
    assert_string_equal(pd->versions[0].text, "from 2024-01-01:\nprimary 200.00   first 400.00");
    assert_string_equal(pd->versions[1].text, "from 2025-01-01:\nprimary 300.00   first 500.00  # raised (2025 notice)");
    /* the table and its column, the define's and the let's types as checked */
    int t = find(x, YB_XREF_TABLE, "pay");
    assert_string_equal(x->decls[t].type, "table by scheme");
    assert_int_equal(x->decls[find(x, YB_XREF_COLUMN, "ratio")].parent, t);
    assert_string_equal(x->decls[find(x, YB_XREF_DEFINE, "total")].type, "money");
    int r = find(x, YB_XREF_RULE, "支付");
    assert_string_equal(x->decls[r].detail, "pay above the deductible");
    assert_int_equal(x->decls[r].extent.line, 8);
    assert_int_equal(x->decls[r].extent.end_line, 12);
    int let = find(x, YB_XREF_LET, "rest");
    assert_int_equal(x->decls[let].parent, r);
    assert_string_equal(x->decls[let].type, "money");
    assert_int_equal(x->decls[let].loc.col, 7);
    /* the import names the file it brings in */
    int im = find(x, YB_XREF_IMPORT, "lib.yb");
    assert_int_equal(x->decls[im].target_file, pd->loc.file);
    yb_xref_free(x);
    yb_diag_free(&d);
    fclose(mem);
    free(msgs);
}

static void test_uses(void **state)
{
    (void)state;
    yb_diag d;
    FILE *mem;
    char *msgs;
    yb_xref *x = build(&d, MAIN, &mem, &msgs);
    char buf[256];
    /* `deductible[level]` on line 10: bytes 26..35 of `  let rest = max(total - deductible…` */
    uses_text(x, find(x, YB_XREF_PARAM, "deductible"), buf, sizeof buf);
    assert_string_equal(buf, "10:26-36");
    /* the input field `scheme` (line 9 and the table key on 11), not the enum of the same name */
    int scheme_field = -1;
    for (int i = 0; i < x->ndecls; i++)
        if (x->decls[i].kind == YB_XREF_FIELD && strcmp(x->decls[i].name, "scheme") == 0) scheme_field = i;
    uses_text(x, scheme_field, buf, sizeof buf);
    assert_string_equal(buf, "9:8-14 11:25-31");
    /* the enum `scheme`: the input field's type (lib 8) and the table's key (lib 22) */
    uses_text(x, find(x, YB_XREF_ENUM, "scheme"), buf, sizeof buf);
    assert_string_equal(buf, "8:11-17 22:14-20");
    /* a member: in the rule (main 9) and as the table row's key (lib 26) */
    uses_text(x, find(x, YB_XREF_MEMBER, "employee"), buf, sizeof buf);
    assert_string_equal(buf, "9:17-25 26:5-13");
    /* `amount` inside `sum of amount in items`: the record's field */
    uses_text(x, find(x, YB_XREF_FIELD, "amount"), buf, sizeof buf);
    assert_string_equal(buf, "4:23-29");
    /* a column after a row, a state field after its state, a let */
    uses_text(x, find(x, YB_XREF_COLUMN, "ratio"), buf, sizeof buf);
    assert_string_equal(buf, "11:33-38");
    uses_text(x, find(x, YB_XREF_STATE_FIELD, "claims"), buf, sizeof buf);
    assert_string_equal(buf, "12:17-23");
    uses_text(x, find(x, YB_XREF_LET, "rest"), buf, sizeof buf);
    assert_string_equal(buf, "11:14-18");
    /* every use in the rule is held by the rule */
    int r = find(x, YB_XREF_RULE, "支付");
    for (int i = 0; i < x->nuses; i++)
        if (x->uses[i].loc.file == x->decls[r].loc.file && x->uses[i].loc.line >= 9) assert_int_equal(x->uses[i].in, r);
    /* a position: the use of `deductible`, then the param's own name */
    int u;
    assert_int_equal(yb_xref_at(x, x->decls[r].loc.file, 10, 30, &u), find(x, YB_XREF_PARAM, "deductible"));
    assert_true(u >= 0);
    int p = find(x, YB_XREF_PARAM, "deductible");
    assert_int_equal(yb_xref_at(x, x->decls[p].loc.file, 16, 8, &u), p);
    assert_int_equal(u, -1);
    assert_int_equal(yb_xref_at(x, x->decls[r].loc.file, 3, 1, &u), -1);
    yb_xref_free(x);
    yb_diag_free(&d);
    fclose(mem);
    free(msgs);
}

/* A type error stops the checker; names are still found by scope and name. */
static void test_after_an_error(void **state)
{
    (void)state;
    const char *bad =
        "policy \"t\" version \"1\" effective 2024-01-01\n"
        "import \"lib.yb\"\n"
        "rule r\n"
        "  when scheme = employee\n"
        "  set fund = deductible[level] + true\n";
    yb_diag d;
    FILE *mem;
    char *msgs;
    yb_xref *x = build(&d, bad, &mem, &msgs);
    fflush(mem);
    assert_false(x->checked);
    assert_non_null(strstr(msgs, "main.yb:5:"));
    char buf[256];
    uses_text(x, find(x, YB_XREF_PARAM, "deductible"), buf, sizeof buf);
    assert_string_equal(buf, "5:14-24");
    yb_xref_free(x);
    yb_diag_free(&d);
    fclose(mem);
    free(msgs);
}

/* A file that does not parse: an index without its declarations, no crash. */
static void test_syntax_error(void **state)
{
    (void)state;
    yb_diag d;
    FILE *mem;
    char *msgs;
    yb_xref *x = build(&d, "policy \"t\" version \"1\" effective 2024-01-01\nrule {\n", &mem, &msgs);
    assert_false(x->checked);
    assert_int_equal(yb_xref_at(x, 0, 2, 1, NULL), -1);
    yb_xref_free(x);
    yb_diag_free(&d);
    fclose(mem);
    free(msgs);
}

/* A comment beside a declaration goes on in the `#` lines under it, in its
 * column; one indented otherwise does not (it is inside what follows). */
static void test_comment_carried_on(void **state)
{
    (void)state;
    yb_diag d;
    FILE *mem;
    char *msgs;
    yb_xref *x = build(&d,
                       "policy \"t\" version \"1\" effective 2024-01-01\n"
                       "import \"lib.yb\"   # the vocabulary and\n"
                       "                  # its parameters\n"
                       "# above the define\n"
                       "define total = sum of amount in items   # beside it\n"
                       "  # not carried: another column\n",
                       &mem, &msgs);
    fflush(mem);
    assert_string_equal(x->decls[find(x, YB_XREF_IMPORT, "lib.yb")].comment, "the vocabulary and\nits parameters");
    assert_string_equal(x->decls[find(x, YB_XREF_DEFINE, "total")].comment, "above the define\nbeside it");
    yb_xref_free(x);
    yb_diag_free(&d);
    fclose(mem);
    free(msgs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_declarations),
        cmocka_unit_test(test_uses),
        cmocka_unit_test(test_after_an_error),
        cmocka_unit_test(test_syntax_error),
        cmocka_unit_test(test_comment_carried_on),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
