/* Shared between the compiler's passes; not part of the public API. */
#ifndef YB_COMPILER_INTERNAL_H
#define YB_COMPILER_INTERNAL_H

#include <stdlib.h>

#include "arith.h"
#include "compiler.h"

typedef enum {
    SYM_NONE = 0,
    SYM_LOCAL,        /* index: symbol (a value the checker numbers: symbols.c) */
    SYM_DEFINE,       /* index: symbol */
    SYM_OUTPUT,       /* index: symbol (= the output's index) */
    SYM_STATE,        /* index: state */
    SYM_STATE_FIELD,  /* index: symbol */
    SYM_PARAM,        /* index: parameter column (unkeyed) */
    SYM_PARAM_KEYED,  /* index: parameter column, awaiting [keys] */
    SYM_PARAM_CELL,   /* index: parameter column; E_INDEX args are the keys */
    SYM_PARAM_RANGE,  /* index: parameter keyed by ranges, awaiting [value] */
    SYM_RANGE_CELL,   /* index: parameter keyed by ranges; E_INDEX args[0] is the value */
    SYM_TABLE,        /* index: table; awaiting [keys] */
    SYM_TABLE_ROW,    /* index: table; awaiting .column */
    SYM_INPUT_FIELD,  /* index: schema field (scalar, root slots) */
    SYM_INPUT_RECORD, /* index: schema field (record) */
    SYM_INPUT_LIST,   /* index: schema field (list) */
    SYM_ELEM_FIELD,   /* index: schema field (scalar, element slots) */
    SYM_ELEM_RECORD,  /* index: schema field (record inside an element) */
    SYM_ELEM_DERIVED, /* index: derived element value (`define NAME of item`) */
    SYM_ENUM_MEMBER,  /* constant */
    SYM_ENUM_TYPE,    /* index: enum id */
    SYM_NATIVE,       /* E_CALL of an extern: index: native function (natives.c) */
} yb_sym_kind;

typedef struct yb_global {
    const char *name;
    yb_sym_kind kind;
    int index;
    yb_type type;
    yb_decl *decl;
    int order; /* step position: a define or state is usable after it */
    yb_loc loc;
} yb_global;

typedef struct yb_table_info {
    yb_decl *decl;
    int nkeys;
    int key_enum[2];
    int first_param; /* its columns are params first_param .. + ncols-1 */
    int ncols;
} yb_table_info;

typedef struct yb_local {
    const char *name;
    yb_sym_kind kind;
    int index;
    yb_type type;
} yb_local;

/* A declared invariant (invariants.c): `all T outputs >= V` becomes one per output. */
typedef struct yb_invariant {
    yb_decl *decl;
    yb_expr *e, *cond; /* the condition; `when COND`, or NULL */
    const char *text;  /* as written (NULL for `all T outputs`) */
    bool proved;       /* by the compiler: the VM does not check it */
} yb_invariant;

typedef struct yb_compiler {
    yb_arena *arena;
    yb_diag *diag;
    yb_vec files;  /* yb_file_ast* */
    yb_vec steps;  /* yb_decl* of all files, imports expanded in place */
    /* declarations */
    yb_vec enums;  /* yb_decl* (index = enum id) */
    yb_vec records;
    yb_decl *input, *output, *policy, *dated;
    yb_vec reasons; /* yb_enum_member* */
    yb_global *globals;
    int nglobals, capglobals;
    size_t *global_index; /* hash of globals by name (names.c) */
    size_t global_cap;
    yb_table_info *tables;
    int ntables;
    /* scopes inside a rule or an aggregate */
    yb_local locals[256];
    int nlocals;
    int cur_order;
    int elem_list_stack[16]; /* lists whose element fields are in scope */
    int depth;               /* expression nesting while checking (bounded: the passes recurse) */
    int nelem;
    /* what we build */
    uint8_t *sym_kinds; /* per symbol (output, state field, define, let): its value kind */
    int nsyms;
    int *state_syms;    /* per state: the symbol of its first field (the others follow) */
    yb_program *prog;
    int cap_fields;
    int cap_regs;
    bool regs_full; /* the register limit was reached (and reported) */
    bool plain;     /* no superinstructions (yb_compile_plain: the tests' reference) */
    uint8_t *param_used;
    yb_vec derived; /* yb_decl* of `define NAME of item`, by derived index */
    yb_vec natives; /* yb_decl* of `extern fn`, by native index */
    yb_vec invariants; /* yb_invariant* */
    int64_t *pool_index; /* open addressing: text constants by content, 0 = empty */
    size_t pool_cap, pool_count;
} yb_compiler;

/* Inside the passes: the arena, and an error at a location. */
#define A (c->arena)
#define ERR(loc, ...) yb_error(c->diag, (loc), __VA_ARGS__)

/* Every pass over an expression recurses, so nesting is bounded once, in the
 * checker (types.c), for all of them: deeper is an error, never a stack overflow. */
#define YB_MAX_NESTING 1000

/* ---- types (types.c) */
#define T_VOID ((yb_type){YB_T_VOID, -1})
#define T_BOOL ((yb_type){YB_T_BOOL, -1})
#define T_INT ((yb_type){YB_T_INT, -1})
#define T_MONEY ((yb_type){YB_T_MONEY, -1})
#define T_RATE ((yb_type){YB_T_RATE, -1})
#define T_DATE ((yb_type){YB_T_DATE, -1})
#define T_DUR ((yb_type){YB_T_DURATION, -1})
#define T_TEXT ((yb_type){YB_T_TEXT, -1})

static inline bool yb_same_type(yb_type a, yb_type b)
{
    return a.kind == b.kind && (a.kind != YB_T_ENUM || a.enum_id == b.enum_id);
}
static inline bool yb_is_num(yb_type t) { return yb_kind_numeric(t.kind); }     /* base/kinds.def */
static inline bool yb_is_ordered(yb_type t) { return yb_kind_ordered(t.kind); }

/* A type as an analyst reads it (`money`, or the enum's name); TN(t, i)
 * writes it into tnbuf[i], a char[2][64] of the caller. */
const char *yb_type_name(yb_compiler *c, yb_type t, char *buf, size_t n);
#define TN(t, i) yb_type_name(c, (t), tnbuf[i], sizeof tnbuf[i])

bool yb_check_expr(yb_compiler *c, yb_expr *e, const yb_type *want);
bool yb_check_value(yb_compiler *c, yb_expr *e, const yb_type *want); /* and it is a value, not a table, list… */
bool yb_check_stmts(yb_compiler *c, yb_vec *body);
/* An int literal stands for yuan where money is expected: `max(x, 0)`. */
void yb_coerce_literal(yb_expr *e, yb_type to);
/* A literal (or folded constant) of the wanted type: defaults, table cells. */
bool yb_const_value(yb_compiler *c, yb_expr *e, yb_type want, int64_t *out);

/* Room for one more element in an array of n, grown by doubling (its
 * capacity is the power of two above n): appending n elements one by one
 * copies O(n), not O(n^2). */
static inline void *yb_grow(void *items, int n, size_t size)
{
    if (n & (n - 1)) return items; /* n is not a power of two (nor 0): there is room */
    void *p = realloc(items, (size_t)(n ? 2 * n : 1) * size);
    if (!p) abort();
    return p;
}

/* FNV-1a: names and texts hashed for lookups in constant time */
static inline uint64_t yb_hash_bytes(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

/* ---- names (names.c) */
yb_global *yb_global_find(yb_compiler *c, const char *name);
yb_global *yb_global_add(yb_compiler *c, const char *name, yb_sym_kind kind, int index, yb_type t, yb_decl *d,
                         yb_loc loc); /* NULL (and reported) if the name is taken */
yb_local *yb_local_find(yb_compiler *c, const char *name);
int yb_enum_find(yb_compiler *c, const char *name);
int yb_member_index(yb_compiler *c, int id, const char *name);
yb_decl *yb_record_find(yb_compiler *c, const char *name);
bool yb_scalar_type(yb_compiler *c, const char *name, yb_type *out);
void yb_unknown_type(yb_compiler *c, yb_typex *t);
void yb_suggest_name(yb_compiler *c, const char *name, yb_loc loc, int want_enum);
int yb_schema_child(yb_compiler *c, int field, const char *name);
void yb_suggest_child(yb_compiler *c, int field, const char *name);
yb_type yb_field_type(yb_compiler *c, int fi);
bool yb_is_elem_field(yb_compiler *c, int fi, int *list);
int yb_derived_find(yb_compiler *c, int li, const char *name);
bool yb_use_derived(yb_compiler *c, yb_expr *e, int k, bool quiet);
bool yb_resolve_name(yb_compiler *c, yb_expr *e, const yb_type *want, bool quiet);

static inline void yb_set_sym(yb_expr *e, yb_sym_kind k, int index, yb_type t)
{
    e->sym_kind = k;
    e->sym_index = index;
    e->type = t;
}

/* ---- layout of the input and the output (layout.c) */
bool yb_layout_input(yb_compiler *c);
bool yb_layout_outputs(yb_compiler *c);

/* ---- parameters, tables, amendments (params.c) */
bool yb_apply_amendments(yb_compiler *c);
bool yb_declare_params(yb_compiler *c, yb_decl *d);

/* ---- states (states.c) */
bool yb_declare_state(yb_compiler *c, yb_decl *d, int order);
bool yb_check_state(yb_compiler *c, yb_decl *d);

/* ---- stages and order hazards (stages.c, order.c) */
bool yb_place_steps(yb_compiler *c);     /* moves `in STAGE` rules and defines to their stage */
int yb_stage_of(yb_compiler *c, int step); /* the marker of the stage holding a step, or -1 */
bool yb_check_order(yb_compiler *c);     /* stale reads, blocks and rejects after payment */

/* ---- invariants (invariants.c) */
bool yb_check_invariants(yb_compiler *c);
bool yb_same_expr(const yb_expr *a, const yb_expr *b); /* the same expression, as checked */
/* For the VM (codegen calls it): sym_reg maps symbols to their registers. */
void yb_invariant_describe(yb_compiler *c, yb_invariant *inv, const int *sym_reg, yb_invariant_desc *out);

/* ---- native functions (natives.c) */
bool yb_declare_native(yb_compiler *c, yb_decl *d);  /* `extern fn …`, in pass 1 */
int yb_native_find(yb_compiler *c, const char *name); /* its index, or -1 */
bool yb_check_native_call(yb_compiler *c, yb_expr *e, int k);
bool yb_builtin_fn(const char *name);                 /* min, max, … (types.c) */

/* ---- warnings (warnings.c) */
void yb_warn_unused(yb_compiler *c);

/* ---- symbols (symbols.c): the checker's numbering of named values */
int yb_sym_new(yb_compiler *c, uint8_t kind);

/* ---- registers and constants (regalloc.c): codegen's, never the checker's */
bool yb_reg_limit(yb_compiler *c, int n); /* n registers are too many (reported once) */
int yb_reg_new(yb_compiler *c, uint8_t kind);
int *yb_regs_for_symbols(yb_compiler *c);
int yb_const_add(yb_compiler *c, int64_t v, uint8_t kind);
int64_t yb_text_const(yb_compiler *c, const char *s, size_t n);

/* ---- the passes, in order (compile.c runs them) */
bool yb_load_modules(yb_compiler *c, const char *path, const char *text); /* modules.c */
void yb_plan_routing(yb_compiler *c);                                      /* routing.c */
bool yb_check(yb_compiler *c);                                             /* check.c */
void yb_fold(yb_compiler *c, yb_expr *e);                                  /* fold.c */
bool yb_codegen(yb_compiler *c);                                           /* codegen.c */
/* The driver (compile.c); xref: NULL, or where the index of what was read goes (xref.c). */
struct yb_xref;
yb_program *yb_compile_with(const char *name, const char *text, yb_diag *diag, struct yb_xref **xref);
struct yb_xref *yb_xref_collect(yb_compiler *c, bool checked); /* xref.c */
struct yb_outline;
void yb_outline_fill(yb_compiler *c, struct yb_outline *o);                /* outline.c, for yibao doc */

#endif
