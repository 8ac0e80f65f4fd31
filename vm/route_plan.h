/* What compiler/routing.c finds out for `yibao run --jobs`, `yibao shard` and
 * `yibao merge-reports` beyond program.h's route_field: the claim fields
 * whose values are grouped before routing (a family account's payer with the
 * member), how each report field merges, and the report `set`s that are
 * recomputed after a merge.  Made by the compiler, kept in a .ybc file
 * (vm/ybc.c section ROUT) and checked when one is loaded (route_check.c), so
 * a loaded program splits as its source does; one allocation, freed with
 * free(). */
#ifndef YB_ROUTE_PLAN_H
#define YB_ROUTE_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#define YB_RP_MAX_IDS 4
#define YB_RP_MAX_NODES 512
#define YB_RP_MAX_SETS 64

/* How a report field merges (per register of a report field). */
enum {
    YB_RP_ADDED = 0, /* only added to or subtracted from (or never written): the workers' values added */
    YB_RP_DERIVED,   /* only `set` from the entry's own fields: recomputed (yb_rp_set) after the merge */
    YB_RP_FIXED,     /* a default, never written: the value of the entry opened first in input order */
};

/* A node of a recomputed expression (io/report_merge.c evaluates it with the
 * VM's arithmetic, compiler/arith.h yb_arith_apply). */
enum {
    YB_RPN_CONST,  /* k */
    YB_RPN_FIELD,  /* field a of the entry */
    YB_RPN_BIN,    /* opcode (arith.def) on a, b with rounding mode */
    YB_RPN_NOT,    /* !a */
    YB_RPN_NEG,    /* -a */
    YB_RPN_AND,    /* a and b (b only when a) */
    YB_RPN_OR,     /* a or b (b only when not a) */
    YB_RPN_IF,     /* c ? a : b */
    YB_RPN_MIN,    /* min(a, b) */
    YB_RPN_MAX,    /* max(a, b) */
    YB_RPN__COUNT
};

typedef struct yb_rp_node {
    uint8_t kind, mode;
    uint16_t opcode;
    int32_t a, b, c;
    int64_t k;
} yb_rp_node;

/* `set field = value` of report `state`, when cond (a node, or -1: always). */
typedef struct yb_rp_set {
    int32_t state, field, cond, value;
} yb_rp_set;

typedef struct yb_route_plan {
    /* the schema fields (text) whose values name one group of claims (ids[0]
       is route_field - 1); two or more: claims are routed by their group */
    int32_t nids;
    int32_t ids[YB_RP_MAX_IDS];
    /* why the batch cannot be split (route_field 0), for `--jobs -v` */
    char why[240];
    int32_t nsets, nnodes;
    yb_rp_set sets[YB_RP_MAX_SETS];
    yb_rp_node nodes[YB_RP_MAX_NODES];
    int32_t nregs;
    uint8_t reg_class[]; /* per register: YB_RP_* of the report field it holds */
} yb_route_plan;

struct yb_program;
/* Does p's routing (route_field, route_plan) name only what p has: text
 * fields of its schema, report fields, nodes before the node that reads
 * them, opcodes of arith.def?  A .ybc file's plan is checked before it is
 * used (yb_verify); false with err set. */
bool yb_route_plan_check(const struct yb_program *p, char *err, size_t errlen);

#endif
