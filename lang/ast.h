/* The syntax tree of a policy file.  The parser only calls the builders
 * here (ast.c); the checker (compiler/types.c, names.c) annotates expressions with types and
 * resolved symbols in place.  All nodes live in one arena per compilation. */
#ifndef YB_AST_H
#define YB_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

typedef struct yb_arena yb_arena;
yb_arena *yb_arena_new(void);
void yb_arena_free(yb_arena *a);
void *yb_arena_alloc(yb_arena *a, size_t n); /* zeroed */
char *yb_arena_strndup(yb_arena *a, const char *s, size_t n);

/* A growable array of pointers, arena-backed. */
typedef struct yb_vec {
    void **items;
    int n, cap;
} yb_vec;
void yb_vec_push(yb_arena *a, yb_vec *v, void *item);

/* ---------- types as written ---------- */
typedef enum { TY_NAMED, TY_LIST, TY_RECORD } yb_typex_kind;

typedef struct yb_typex {
    yb_typex_kind kind;
    yb_loc loc;
    const char *name;       /* TY_NAMED: money, rate, …, or an enum/record name; TY_LIST: element record */
    yb_vec fields;          /* TY_RECORD: yb_fielddecl* */
    int min_items;          /* TY_LIST: "at least N" */
} yb_typex;

struct yb_expr;

typedef struct yb_fielddecl {
    const char *name;
    yb_loc loc;
    yb_typex *type;
    bool optional;
    struct yb_expr *dflt; /* "= expr": input default, output/state initial value */
    int special;          /* outputs: 0, or YB_T_STATUS / YB_T_REASONS / YB_T_ALERTS */
} yb_fielddecl;

/* ---------- expressions ---------- */
typedef enum {
    E_INT, E_MONEY, E_RATE, E_DATE, E_TEXT, E_BOOL, E_DURATION_LIT,
    E_NAME,      /* name */
    E_FIELD,     /* a.b */
    E_INDEX,     /* t[k, …] */
    E_UNARY,     /* op: OP_NEG or OP_NOT */
    E_BINARY,    /* op: OP_ADD … OP_OR */
    E_IN,        /* x in [..]; negate for "not in" */
    E_CALL,      /* min max clamp given round_up round_down abs */
    E_IF,        /* if c then a else b */
    E_DURATION,  /* e months|days|years */
    E_PART,      /* year of e, month of e, day of e */
    E_AGG,       /* sum of e in list where c; count of list where c; any/all */
    E_TIERED,    /* tiered amount over base by bands */
    E_HELD,      /* held */
    E_ISNEW,     /* state is new */
} yb_expr_kind;

/* The operators of E_UNARY and E_BINARY (their rules: compiler/arith.def). */
typedef enum {
    OP_NONE = 0,
    OP_ADD, OP_SUB, OP_MUL, OP_DIV,           /* arithmetic */
    OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, /* comparisons */
    OP_AND, OP_OR,                            /* conditions, left to right */
    OP_NOT, OP_NEG,                           /* unary */
} yb_op;

typedef enum { AGG_SUM, AGG_COUNT, AGG_ANY, AGG_ALL } yb_agg_kind;
typedef enum { UNIT_MONTHS, UNIT_DAYS, UNIT_YEARS } yb_unit;
typedef enum { PART_YEAR, PART_MONTH, PART_DAY } yb_part;

/* A type as the checker knows it. */
typedef struct yb_type {
    uint8_t kind;   /* yb_kind (base/value.h) */
    int16_t enum_id;/* YB_T_ENUM: which enum; YB_T_LIST/RECORD: record index */
} yb_type;

typedef struct yb_expr {
    yb_expr_kind kind;
    yb_loc loc;
    int op;              /* E_UNARY, E_BINARY: yb_op; E_AGG: yb_agg_kind; E_DURATION: yb_unit;
                            E_PART: yb_part; E_IN: 1 for `not in` */
    int64_t ival;        /* literals: value (money fen, rate ppm, date days, duration packed) */
    const char *name;    /* E_NAME, E_FIELD (the member), E_CALL, E_TEXT (bytes) */
    size_t text_len;
    struct yb_expr *a, *b, *c; /* operands: unary a; binary a b; if c a b; field a.name; agg: a=value b=list c=where */
    yb_vec args;         /* E_CALL args, E_INDEX keys, E_IN list */
    /* filled in by the checker */
    yb_type type;
    int sym_kind;        /* what a name resolved to (yb_sym_kind, compiler/internal.h) */
    int sym_index;
    int reg;             /* codegen scratch */
    bool constant;       /* folded to ival */
} yb_expr;

/* ---------- statements (rule bodies) ---------- */
typedef enum { S_LET, S_SET, S_ADD, S_SUBTRACT, S_REASON, S_WARN, S_BLOCK, S_REJECT, S_IF } yb_stmt_kind;

/* A message (`warn`, `block`, `reject`) split at its `{value}`s: the text
 * before each value, then the value; the last part has none (lang/message.c). */
typedef struct yb_msg_part {
    const char *text;
    size_t len;
    struct yb_expr *value; /* NULL: the text after the last value */
} yb_msg_part;

typedef struct yb_stmt {
    yb_stmt_kind kind;
    yb_loc loc;
    const char *name;     /* let name; reason code; alert id */
    yb_expr *target;      /* set/add/subtract target; reject field */
    yb_expr *value;       /* let/set/add value; if condition */
    const char *message;  /* warn/block/reject: as written, `{{` and `}}` read as braces */
    size_t message_len;
    yb_vec parts;         /* warn/block/reject with `{value}`s: yb_msg_part*; else empty */
    yb_vec then_body, else_body; /* S_IF */
    int sym_index;        /* checker: reason index; let: its symbol */
} yb_stmt;

/* ---------- declarations ---------- */
typedef enum {
    D_POLICY, D_IMPORT, D_ENUM, D_RECORD, D_INPUT, D_OUTPUT, D_PARAM, D_TABLE,
    D_STATE, D_DEFINE, D_RULE, D_REASONS, D_DATED, D_AMEND,
    D_STAGE,     /* `stage NAME`: a named point of the evaluation order */
    D_INVARIANT, /* `invariant EXPR [when COND]`: an identity every settlement keeps */
    D_EXTERN     /* `extern fn NAME(p: T, …) -> T from "LIB"`: a native function (fields: parameters,
                    type: the result, text: the library name) */
} yb_decl_kind;

typedef struct yb_enum_member {
    const char *name;
    yb_loc loc;
    bool has_code;
    int64_t code;
    yb_vec texts; /* text codes a claim may give for it: yb_expr* E_TEXT (`municipal = 3 "3" "21"`) */
} yb_enum_member;

/* One row of a table version: keys then values. */
typedef struct yb_row {
    yb_loc loc;
    yb_vec keys;   /* const char* (enum member names), boxed in yb_expr E_NAME */
    yb_vec values; /* yb_expr* literals */
} yb_row;

typedef struct yb_band_decl {
    yb_loc loc;
    yb_expr *from, *to; /* to NULL: "above from" */
    yb_expr *rate;
} yb_band_decl;

/* A relative amendment of one version: `add 5% to ratio where scheme = resident`,
 * `subtract 100.00 from deductible`, `set ratio[resident, primary] = 90%`. */
typedef enum { CH_ADD, CH_SUBTRACT, CH_SET } yb_change_kind;
typedef struct yb_change {
    yb_change_kind kind;
    yb_loc loc;
    const char *column;  /* a table column, or the parameter's own name */
    yb_loc column_loc;
    yb_expr *value;      /* a literal */
    yb_vec keys;         /* set: the cell's keys (E_NAME); empty for an unkeyed parameter */
    yb_expr *where;      /* add/subtract: which rows (conditions on the keys), or NULL: every row */
} yb_change;

typedef struct yb_version {
    yb_loc loc;
    yb_expr *date;
    yb_vec changes; /* yb_change*: applied to the values in force before (or on) this date */
    yb_vec rows;  /* yb_row* (tables and keyed params); a scalar param has one row without keys */
    yb_vec bands; /* yb_band_decl* for bands params */
    bool amended; /* from `amend`: rows it does not give keep the values in force before it */
} yb_version;

typedef struct yb_decl {
    yb_decl_kind kind;
    yb_loc loc;
    const char *name;
    const char *text;     /* policy: name; import: path; rule: description */
    yb_decl_kind amends;  /* amend: D_PARAM or D_TABLE */
    size_t text_len;
    const char *version_text;   /* policy version */
    yb_expr *date;        /* policy effective date */
    yb_vec members;       /* enum: yb_enum_member*; reasons: yb_enum_member* */
    yb_vec fields;        /* record/input/output/state: yb_fielddecl*; table columns */
    yb_vec keys;          /* param/table: key enum names (yb_expr E_NAME); state: key exprs */
    yb_typex *type;       /* param value type */
    const char *range_of; /* param keyed by ranges: the key type ("int", "money", "date"…) */
    const char *of_record; /* `define NAME of item = …`: a value of every element of that record's list */
    yb_loc range_loc;
    yb_vec versions;      /* param/table: yb_version* */
    yb_expr *value;       /* define: value; rule: when; dated: the date expression */
    yb_vec body;          /* rule: yb_stmt* */
    bool report;          /* a state printed at the end of a batch */
    /* rule/define placed at a stage: `in STAGE [before|after RULE]` (stage NULL: where written) */
    const char *stage;
    int stage_rel;        /* 0: at the end of the stage; -1 before `anchor`; 1 after `anchor` */
    const char *anchor;
    yb_loc stage_loc, anchor_loc;
    /* invariant: `all money outputs >= 0` (every output of that type, compared with value) */
    const char *all_of_type;
    yb_expr *cond;        /* invariant: `when COND` */
    int index;            /* checker: index among its kind */
    bool used;            /* checker: for "never used" warnings */
} yb_decl;

typedef struct yb_file_ast {
    const char *path;
    int file;      /* diag source index */
    yb_vec decls;  /* yb_decl* */
} yb_file_ast;

/* Parse one source (already registered in diag as `file`).  Returns NULL
 * after reporting errors.  Reentrant: the lexer and parser keep no globals. */
yb_file_ast *yb_parse(yb_arena *arena, yb_diag *diag, int file);

/* ---------- builders: the parser's actions call only these ---------- */
yb_expr *yb_expr_new(yb_arena *a, yb_expr_kind k, yb_loc loc);
yb_stmt *yb_stmt_new(yb_arena *a, yb_stmt_kind k, yb_loc loc);
yb_decl *yb_decl_new(yb_arena *a, yb_decl_kind k, yb_loc loc);
yb_vec yb_vec1(yb_arena *a, void *item); /* a list of one */

/* expressions */
yb_expr *yb_lit(yb_arena *a, yb_expr_kind k, int64_t v, yb_loc loc); /* E_INT, E_MONEY, E_RATE, E_DATE, E_BOOL */
yb_expr *yb_text_lit(yb_arena *a, const char *s, size_t n, yb_loc loc);
yb_expr *yb_duration_lit(yb_arena *a, int64_t n, yb_unit unit, yb_loc loc); /* too long: checked later */
yb_expr *yb_name(yb_arena *a, const char *name, yb_loc loc);
yb_expr *yb_unary(yb_arena *a, yb_op op, yb_expr *x, yb_loc loc);
yb_expr *yb_binary(yb_arena *a, yb_op op, yb_expr *x, yb_expr *y, yb_loc loc);
yb_expr *yb_if_expr(yb_arena *a, yb_expr *cond, yb_expr *then, yb_expr *otherwise, yb_loc loc);
yb_expr *yb_in(yb_arena *a, yb_expr *x, yb_vec values, bool negate, yb_loc loc);
yb_expr *yb_is_new(yb_arena *a, yb_expr *state, bool negate, yb_loc loc);
yb_expr *yb_agg(yb_arena *a, yb_agg_kind k, yb_expr *value, yb_expr *list, yb_expr *where, yb_loc loc);
yb_expr *yb_date_part(yb_arena *a, yb_part part, yb_expr *date, yb_loc loc);
yb_expr *yb_duration_expr(yb_arena *a, yb_expr *count, yb_unit unit, yb_loc loc);
yb_expr *yb_tiered(yb_arena *a, yb_expr *amount, yb_expr *base, yb_expr *bands, yb_loc loc);
yb_expr *yb_member(yb_arena *a, yb_expr *x, const char *name, yb_loc loc); /* x.name */
yb_expr *yb_index(yb_arena *a, yb_expr *x, yb_vec keys, yb_loc loc);     /* x[keys] */
yb_expr *yb_call(yb_arena *a, const char *fn, yb_vec args, yb_loc loc);
yb_expr *yb_held(yb_arena *a, yb_loc loc);

/* types and fields */
yb_typex *yb_type_named(yb_arena *a, const char *name, yb_loc loc);
yb_typex *yb_type_list(yb_arena *a, const char *record, int64_t min_items, yb_loc loc);
yb_typex *yb_type_record(yb_arena *a, yb_vec fields, yb_loc loc);
yb_fielddecl *yb_field_new(yb_arena *a, const char *name, yb_loc loc, yb_typex *type, bool optional, yb_expr *dflt);
yb_enum_member *yb_enum_value(yb_arena *a, const char *name, yb_loc loc, bool has_code, int64_t code);

/* dated versions: a flat list of entries, values and bands, grouped into rows */
typedef struct yb_entry {
    yb_expr *value;     /* a key name or a literal */
    yb_band_decl *band; /* or a band: `FROM to TO at VALUE`, `above FROM at VALUE` */
} yb_entry;
yb_entry *yb_entry_value(yb_arena *a, yb_expr *value);
yb_entry *yb_entry_band(yb_arena *a, yb_expr *from, yb_expr *to, yb_expr *value, yb_loc loc); /* to NULL: above */
yb_version *yb_version_new(yb_arena *a, yb_expr *date, yb_vec entries, yb_loc loc);
yb_change *yb_change_new(yb_arena *a, yb_change_kind k, const char *column, yb_loc column_loc, yb_expr *value, yb_vec keys,
                         yb_expr *where, yb_loc loc);
yb_version *yb_version_changes(yb_arena *a, yb_expr *date, yb_vec changes, yb_loc loc);

/* declarations */
yb_decl *yb_policy_decl(yb_arena *a, const char *name, size_t n, yb_loc loc);
yb_decl *yb_policy_version(yb_arena *a, yb_decl *policy, const char *version);
yb_decl *yb_policy_effective(yb_arena *a, yb_decl *policy, yb_expr *date);
yb_decl *yb_import_decl(yb_arena *a, const char *path, size_t n, yb_loc loc);
yb_decl *yb_enum_decl(yb_arena *a, const char *name, yb_vec members, yb_loc loc);
yb_decl *yb_reasons_decl(yb_arena *a, yb_vec codes, yb_loc loc);
yb_decl *yb_fields_decl(yb_arena *a, yb_decl_kind k, const char *name, yb_vec fields, yb_loc loc); /* record, input, output */
yb_decl *yb_param_decl(yb_arena *a, const char *name, yb_typex *type, yb_vec keys, yb_vec versions, yb_loc loc);
/* `param NAME: TYPE by range of KEY`: `range` is a word, not a keyword, so it is checked here */
yb_decl *yb_range_param_decl(yb_arena *a, yb_diag *diag, const char *name, yb_typex *type, const char *range_word,
                        yb_loc range_loc, const char *key_type, yb_vec versions, yb_loc loc);
yb_decl *yb_table_decl(yb_arena *a, const char *name, yb_vec keys, yb_vec columns, yb_vec versions, yb_loc loc);
yb_decl *yb_amend_decl(yb_arena *a, yb_decl_kind what, const char *name, yb_vec versions, yb_loc loc); /* D_PARAM, D_TABLE */
yb_decl *yb_state_decl(yb_arena *a, const char *name, yb_vec keys, yb_expr *when, yb_vec fields, bool report, yb_loc loc);
yb_decl *yb_define_decl(yb_arena *a, const char *name, const char *of_record, yb_expr *value, yb_loc loc);
yb_decl *yb_dated_decl(yb_arena *a, yb_expr *date, yb_loc loc);
yb_decl *yb_stage_decl(yb_arena *a, const char *name, const char *desc, size_t n, yb_loc loc);
yb_decl *yb_invariant_decl(yb_arena *a, const char *desc, size_t n, yb_expr *e, yb_expr *when, yb_loc loc);
/* `invariant all money outputs >= 0`: `outputs` is a word, checked here */
yb_decl *yb_invariant_all(yb_arena *a, yb_diag *diag, const char *desc, size_t n, const char *type, const char *word,
                          yb_loc word_loc, yb_expr *value, yb_loc loc);
/* `extern fn NAME(…) -> T from "LIB"`: `fn` is a word, checked here */
yb_decl *yb_extern_decl(yb_arena *a, yb_diag *diag, const char *fn_word, yb_loc fn_loc, const char *name, yb_vec params,
                        yb_typex *result, const char *lib, size_t lib_len, yb_loc loc);
/* `in STAGE [before|after RULE]` on a rule or a define; `before`/`after` are words, checked here */
yb_decl *yb_place(yb_arena *a, yb_diag *diag, yb_decl *d, const char *stage, yb_loc stage_loc, const char *rel,
                  yb_loc rel_loc, const char *anchor, yb_loc anchor_loc);
yb_decl *yb_rule_decl(yb_arena *a, const char *name, const char *desc, size_t desc_len, yb_expr *when, yb_vec body,
                 yb_loc loc);

/* statements */
yb_stmt *yb_let(yb_arena *a, const char *name, yb_expr *value, yb_loc loc);
yb_stmt *yb_assign(yb_arena *a, yb_stmt_kind k, yb_expr *target, yb_expr *value, yb_loc loc); /* set, add, subtract */
yb_stmt *yb_reason(yb_arena *a, const char *code, yb_loc loc);
yb_stmt *yb_alert_stmt(yb_arena *a, yb_stmt_kind k, const char *id, const char *msg, size_t n, yb_loc loc); /* warn, block */
yb_stmt *yb_reject(yb_arena *a, yb_expr *field, const char *msg, size_t n, yb_loc loc);
yb_stmt *yb_if_stmt(yb_arena *a, yb_expr *cond, yb_vec then_body, yb_vec else_body, yb_loc loc);

#endif
