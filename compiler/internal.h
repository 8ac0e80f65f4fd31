/* Shared between the compiler's passes; not part of the public API. */
#ifndef YB_COMPILER_INTERNAL_H
#define YB_COMPILER_INTERNAL_H

#include "compiler.h"

typedef enum {
    SYM_NONE = 0,
    SYM_LOCAL,        /* index: register */
    SYM_DEFINE,       /* index: register */
    SYM_OUTPUT,       /* index: register */
    SYM_STATE,        /* index: state */
    SYM_STATE_FIELD,  /* index: register */
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
    yb_program *prog;
    int cap_fields;
    int cap_regs;
    uint8_t *param_used;
    yb_vec derived; /* yb_decl* of `define NAME of item`, by derived index */
    int64_t *pool_index; /* open addressing: text constants by content, 0 = empty */
    size_t pool_cap, pool_count;
} yb_compiler;

/* registers */
int yb_reg_new(yb_compiler *c, uint8_t kind);

/* passes */
bool yb_load_modules(yb_compiler *c, const char *path, const char *text);
bool yb_check(yb_compiler *c);
void yb_fold(yb_compiler *c, yb_expr *e);
bool yb_codegen(yb_compiler *c);

/* helpers */
const char *yb_type_name(yb_compiler *c, yb_type t, char *buf, size_t n);
yb_global *yb_global_find(yb_compiler *c, const char *name);
int yb_const_add(yb_compiler *c, int64_t v, uint8_t kind);
int64_t yb_text_const(yb_compiler *c, const char *s, size_t n);

#endif
