/* A reform report (`yibao compare` with --text, --json, --csv or --html):
 * what a policy change does over a corpus, for an analyst and a director.
 * Filled claim by claim (memory grows with the groups of the breakdowns and
 * the members whose claims changed, never with the claims), then written. */
#ifndef YB_REFORM_REPORT_H
#define YB_REFORM_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "json_flat.h"
#include "vm.h"

#define YB_REFORM_BUCKETS 11
#define YB_REFORM_DIMS 5

typedef __int128 yb_reform_sum; /* sums of money over a corpus: no int64 overflow */

typedef struct yb_reform_group {
    char *key;
    long claims, changed;
    yb_reform_sum old_fund, new_fund;
} yb_reform_group;

typedef struct yb_reform_dim {
    const char *name; /* "scheme", "visit.kind", "month", … */
    int field;        /* the old policy's schema field, or -1 (month: of the dated-by date) */
    bool month;
    int n;
    yb_reform_group *g;
    bool overflow; /* more keys than kept: the rest in "(other)" */
} yb_reform_dim;

typedef struct yb_reform_top {
    char *claim_id, *member_id, *file, *rules;
    long line;
    int64_t old_fund, new_fund;
} yb_reform_top;

typedef struct yb_reform_money { /* a money output both policies have */
    const char *name;
    int old_out, new_out;
    yb_reform_sum old_total, new_total;
} yb_reform_money;

typedef struct yb_reform_target { /* a batch report entry with `met`, old and new */
    char *report, *key;
    yb_json_flat old_v, new_v;
    char *raw[2]; /* the entry's report line under the old and the new policy (NULL: none) */
} yb_reform_target;

typedef struct yb_member_sum {
    char *id;
    int64_t change;
    long claims;
} yb_member_sum;

typedef struct yb_reform {
    const yb_program *old_p, *new_p;
    const char *old_name, *new_name; /* file names */
    int fund_old, fund_new;          /* the `fund` output of each, or -1 */
    int member_field, claim_field;   /* old schema: member_id, claim_id (text), or -1 */
    int date_field;                  /* old schema: the dated-by date, or -1 */
    long claims, changed, errors;
    int shift_years, as_of;          /* replay: years added to every date; or the year claims were moved to (0: none) */
    yb_date latest;                  /* the latest dated-by date settled (after the move) */
    yb_date differs_from;            /* the first date the policies' parameters differ (YB_DATE_MAX: never) */
    int nmoney;
    yb_reform_money *money;
    yb_reform_dim dims[YB_REFORM_DIMS];
    long buckets[YB_REFORM_BUCKETS];
    int top_n, ntop;
    yb_reform_top *top;
    /* members whose claims changed: open addressing on the member id */
    size_t mcap, mcount;
    yb_member_sum *members;
    uint64_t mkey[2];
    int ntargets;
    yb_reform_target *targets;
} yb_reform;

extern const char *const yb_reform_bucket_label[YB_REFORM_BUCKETS];

yb_reform *yb_reform_new(const yb_program *old_p, const yb_program *new_p, int top_n);
void yb_reform_free(yb_reform *r);
/* One claim settled by both (c: the claim as the old policy read it). */
bool yb_reform_claim(yb_reform *r, const yb_vm *old_vm, const yb_vm *new_vm, const yb_claim *c, const char *file,
                     long line, bool changed);
/* Once the batch is over: the targets from both sides' batch reports. */
bool yb_reform_finish(yb_reform *r, const yb_vm *old_vm, const yb_vm *new_vm);

/* Members affected: count, mean and largest change per member. */
void yb_reform_members(const yb_reform *r, long *count, int64_t *mean, const yb_member_sum **largest);
/* Money (fen, 128 bits) as "1234.56"; a sign when asked. */
void yb_reform_money_text(yb_reform_sum v, bool sign, char *buf, size_t n);
/* A warning line (no newline) when no claim falls on or after the first date
 * the policies differ; "" otherwise. */
void yb_reform_replay_warning(const yb_reform *r, char *buf, size_t n);

bool yb_reform_write_text(const yb_reform *r, FILE *out);
bool yb_reform_write_json(const yb_reform *r, FILE *out);
bool yb_reform_write_csv(const yb_reform *r, FILE *out);
bool yb_reform_write_html(const yb_reform *r, FILE *out); /* io/html_report.c */

/* The date the claim is dated by (the policy's `dated by`), its slot read from c; -1 when none. */
int yb_reform_date_field(const yb_program *p);
/* Move every date of a claim by years (Feb 29 becomes Feb 28 in a common year). */
void yb_claim_shift_years(yb_claim *c, const yb_program *p, int years);

#endif
