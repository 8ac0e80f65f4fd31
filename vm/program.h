/* A compiled policy as the VM runs it: what the compiler produces, what a
 * .ybc file holds (vm/ybc.c), and what the verifier
 * proves safe (vm/verify.c) before the interpreter (vm/interp.c) sees it. */
#ifndef YB_PROGRAM_H
#define YB_PROGRAM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "date.h"
#include "money.h"
#include "out_field.h"
#include "schema.h"
#include "value.h"

typedef uint64_t yb_instr;

/* The .ybc format's version: a file of another version is refused with "recompile". */
#define YBC_VERSION 10

enum {
#define OP(name, a, b, c, d, doc) YB_OP_##name,
#include "opcodes.def"
#undef OP
    YB_OP__COUNT
};

#define YB_I_OP(i) ((unsigned)((i) & 0xff))
#define YB_I_A(i) ((unsigned)(((i) >> 8) & 0xffff))
#define YB_I_B(i) ((unsigned)(((i) >> 24) & 0xffff))
#define YB_I_C(i) ((unsigned)(((i) >> 40) & 0xffff))
#define YB_I_D(i) ((unsigned)(((i) >> 56) & 0xff))
#define YB_I_K(i) ((uint32_t)(((i) >> 24) & 0xffffffffu))       /* b|c */
#define YB_I_IMM(i) ((int32_t)YB_I_K(i))                         /* b|c signed */
#define YB_I_J(i) ((int32_t)((int64_t)(i) >> 40))                /* c|d signed 24 */

static inline yb_instr yb_mk(unsigned op, unsigned a, unsigned b, unsigned c, unsigned d)
{
    return (yb_instr)op | (yb_instr)(a & 0xffff) << 8 | (yb_instr)(b & 0xffff) << 24 |
           (yb_instr)(c & 0xffff) << 40 | (yb_instr)(d & 0xff) << 56;
}
static inline yb_instr yb_mk_k(unsigned op, unsigned a, uint32_t k)
{
    return (yb_instr)op | (yb_instr)(a & 0xffff) << 8 | (yb_instr)k << 24;
}
static inline yb_instr yb_mk_j(unsigned op, unsigned a, unsigned b, int32_t j)
{
    return (yb_instr)op | (yb_instr)(a & 0xffff) << 8 | (yb_instr)(b & 0xffff) << 24 |
           (yb_instr)((uint64_t)(uint32_t)j & 0xffffff) << 40;
}

#define YB_MAX_REGS 65535
#define YB_MAX_JUMP ((1 << 23) - 1)

typedef struct yb_band {
    yb_money from, to; /* [from, to); to == INT64_MAX: no upper end */
    yb_rate rate;
} yb_band;

/* The part of a tiered amount running from `before` to `after` that falls in
 * band b (0 when none does). */
static inline int64_t yb_band_part(const yb_band *b, int64_t before, int64_t after)
{
    int64_t lo = before > b->from ? before : b->from;
    int64_t hi = after < b->to ? after : b->to;
    return hi > lo ? hi - lo : 0;
}

/* Where a version, row or band was written (index into files, 1-based line).
 * Known for a program compiled from source, not kept in a .ybc file (line 0
 * there): coverage reports (io/coverage.c) name the line. */
typedef struct yb_srcpos {
    int32_t file, line;
} yb_srcpos;

typedef struct yb_param_version {
    yb_date from;
    int64_t *cells; /* `size` values; a bands parameter holds one band set index */
    yb_srcpos at;   /* the `from DATE:` line */
    yb_srcpos *rows; /* per cell: the row that gives its value (an amendment's
                        untouched rows: the row it keeps); NULL when unknown */
} yb_param_version;

typedef struct yb_param {
    char *name;      /* "deductible", or "inpatient.ratio" for a table column */
    uint8_t kind;    /* yb_kind of a cell */
    uint8_t range_key; /* 0, or the kind of the key of a parameter keyed by ranges (its one cell is a band set) */
    uint16_t enum_id;
    int32_t size;    /* cells: the product of the key enums' sizes, 1 if unkeyed */
    int32_t nversions;
    yb_param_version *versions; /* ascending by date */
} yb_param;

typedef struct yb_band_set {
    int32_t n;
    yb_band *bands;
    yb_srcpos *at; /* per band: where it was written; NULL when unknown */
} yb_band_set;

typedef struct yb_state_desc {
    char *name;
    int32_t nkeys;
    uint8_t *key_kinds;
    int32_t nfields;
    int32_t first_reg; /* field i lives in register first_reg + i */
    char **field_names;
    uint8_t report;     /* printed at the end of a batch (`report`, not `state`) */
    uint16_t *key_enums; /* per key: its enum when the key is an enum */
} yb_state_desc;

/* Text with values: each piece's text followed by the value of a register
 * (a broken invariant: "fund ", r0, " ≠ basic ", r8, …; a message:
 * "", r3, " items, more than ", r9, "", -1). */
typedef struct yb_text_piece {
    char *text;
    int32_t reg;      /* -1: text only */
    uint16_t enum_id; /* an enum register prints its member name */
} yb_text_piece;

typedef struct yb_alert_desc {
    char *id;
    uint8_t severity; /* 0 warn, 1 block */
    char *message;    /* as written (with its `{value}`s) */
    int32_t npieces;  /* 0: the message is the text; else it is written from these (vm/message.c) */
    yb_text_piece *pieces;
} yb_alert_desc;

/* What writing an alert needs of its desc, derived at load (not in the file). */
typedef struct yb_alert_text {
    uint32_t id_len, message_len; /* strlen of id and message */
    uint8_t plain; /* bit 0: the id, bit 1: the message (when it has no pieces) needs no JSON escape */
} yb_alert_text;

typedef struct yb_reject_desc {
    int32_t field;   /* schema field index, or -1 */
    char *path;      /* "member.status" */
    char *message;   /* as written */
    int32_t npieces; /* as for alerts */
    yb_text_piece *pieces;
} yb_reject_desc;

typedef struct yb_block_desc { /* a rule, or a branch inside one */
    char *name;      /* rule name */
    char *text;      /* the rule's description, or NULL */
    int32_t rule;    /* the rule this block belongs to */
    int32_t line;
    int32_t file;    /* index into files */
    uint8_t branch;  /* 0: the rule itself; 1: an `if` branch taken; 2: an `else` branch taken */
} yb_block_desc;

typedef struct yb_explain_value {
    int32_t block;
    char *label;     /* "eligible", "set basic", "add to totals.basic_paid" */
    int32_t reg;
    uint8_t kind;
    uint16_t enum_id;
    int32_t line;
} yb_explain_value;

/* A declared invariant the VM checks after every claim (INVARIANT): its text
 * as written, and the broken comparison as pieces (yb_text_piece). */

typedef struct yb_invariant_desc {
    char *text;       /* "fund = basic + large + critical + assistance" */
    int32_t npieces;
    yb_text_piece *pieces;
} yb_invariant_desc;

typedef struct yb_derived { /* `define NAME of item = …`: a value per element of a list */
    char *name;
    int32_t list;
    uint8_t kind;
    uint16_t enum_id;
} yb_derived;

/* A native function the policy declares (`extern fn NAME(…) -> T from "LIB"`,
 * spec.md section 4.19): its C symbol, the name of the library the host binds
 * it from (a name, never a path), and its signature as value kinds.  The
 * binding (vm/native.c) is made at load from what the host says, never from
 * the file; the verifier checks every NATIVE instruction against this. */
#define YB_NATIVE_MAX_PARAMS 16
#define YB_NATIVE_MAX_NAME 64
typedef struct yb_native_desc {
    char *name;    /* the C symbol: letters, digits and _ */
    char *library; /* the library's name: letters, digits, _ - . */
    uint8_t result; /* money, rate, date, int or bool */
    int32_t nparams; /* 1 .. YB_NATIVE_MAX_PARAMS */
    uint8_t params[YB_NATIVE_MAX_PARAMS]; /* money, rate, date, int, bool or text */
} yb_native_desc;
struct yb_native_binding; /* vm/native.h */
/* A C symbol (letters, digits, _), or with `library` a library's name (also
 * - and .; never a path): 1 to YB_NATIVE_MAX_NAME bytes, not starting with a digit. */
bool yb_native_word_ok(const char *s, bool library);
/* The kinds that cross to C (vm/native.c): text only as a parameter. */
static inline bool yb_native_kind_ok(uint8_t k, bool param)
{
    return k == YB_T_MONEY || k == YB_T_RATE || k == YB_T_DATE || k == YB_T_INT || k == YB_T_BOOL || (param && k == YB_T_TEXT);
}

typedef struct yb_field_load { /* claim field -> register, once per claim before the code runs */
    int32_t reg;
    int32_t field;
    int32_t slot; /* the field's slot (the verifier checks they agree) */
} yb_field_load;

typedef struct yb_program {
    /* meta */
    char *name, *version, *source;
    yb_date effective;
    /* input and output shapes */
    yb_schema schema;
    int32_t nouts; /* output i lives in register i */
    yb_out_field *outs;
    /* constants */
    int32_t nconsts;
    int64_t *consts;
    uint8_t *const_kinds;
    uint32_t pool_len;
    char *pool;
    /* parameters */
    int32_t nparams;
    yb_param *params;
    int32_t nbandsets;
    yb_band_set *bandsets;
    /* states, reasons, alerts, rejects, blocks */
    int32_t nstates;
    yb_state_desc *states;
    /* `yibao run --jobs` (compiler/routing.c): route_field - 1 is the top-level
       text field whose value every kept state's key holds, so the batch can be
       split by it, and reports merge by adding; 0: one worker.  Kept in a
       .ybc file (section ROUT) with route_plan. */
    int32_t route_field;
    /* the rest of the routing (vm/route_plan.h: grouped ids, how reports
       merge); one block, freed with free() */
    struct yb_route_plan *route_plan;
    int32_t nreasons;
    char **reasons;
    int32_t nalerts;
    yb_alert_desc *alerts;
    int32_t nrejects;
    yb_reject_desc *rejects;
    int32_t nblocks;
    yb_block_desc *blocks;
    int32_t nexplain;
    yb_explain_value *explain;
    int32_t nderived;
    yb_derived *derived;
    int32_t ninvariants;
    yb_invariant_desc *invariants;
    int32_t nproved; /* invariants the compiler proved (not in the file: 0 once loaded) */
    int32_t nnatives;
    yb_native_desc *natives;
    struct yb_native_binding *bound; /* not in the file: made by yb_native_bind (vm/native.h), or NULL */
    /* code */
    int32_t nregs;
    uint8_t *reg_kinds;
    int32_t ncode;
    yb_instr *code;
    int32_t nloads;
    yb_field_load *loads; /* claim fields every claim reads: copied into registers first */
    int32_t entry;        /* code[0 .. entry) sets constant registers once per VM (LOADI/LOADK, then HALT);
                             each claim runs from code[entry] */
    uint32_t *lines;      /* per instruction: source line */
    uint16_t *line_files; /* per instruction: index into files */
    int32_t nfiles;
    char **files;
    /* derived at load (not in the file): one frame of parameter values per
       interval between effective dates */
    int32_t nepochs;
    yb_date *epoch_from;
    int64_t **epoch_cells;     /* per epoch: every parameter's cells, concatenated */
    uint8_t **epoch_defined;   /* per epoch: 1 per parameter in force */
    int32_t *param_base;       /* parameter -> first cell in a frame */
    int32_t frame_size;
    int32_t *elem_list, *elem_slot; /* schema field -> its list and slot */
    int32_t *elem_stride;           /* schema field -> slots per element of its list */
    yb_alert_text *alert_text;      /* per alert */
} yb_program;

void yb_program_free(yb_program *p);
/* Build the parameter epochs and field side tables (after load or compile). */
bool yb_program_prepare(yb_program *p, char *err, size_t errlen);

/* The .ybc file: write, read (with checksum), verify. */
bool yb_ybc_write(const yb_program *p, const char *path, char *err, size_t errlen);
bool yb_ybc_write_mem(const yb_program *p, unsigned char **out, size_t *outlen);
yb_program *yb_ybc_read(const unsigned char *data, size_t len, char *err, size_t errlen);
/* Reads a .ybc file (vm/ybc_load.c): a regular file only, its signature checked
 * before the rest is read, at most YB_MAX_YBC_BYTES (base/yb_limits.h). */
yb_program *yb_ybc_load(const char *path, char *err, size_t errlen);
/* The bytes of a .ybc file (signed or not), with yb_ybc_load's checks (a
 * regular file, the signature first, the size cap); NULL with err set. */
unsigned char *yb_ybc_read_file(const char *path, size_t *len, char *err, size_t errlen);
/* Does data start with the .ybc signature? */
bool yb_ybc_signature_ok(const unsigned char *data, size_t len);
#define YB_YBC_NOT_SIGNED "not a compiled yibao policy (.ybc): the file does not start with the .ybc signature"
/* Every loaded program passes this before it runs. */
bool yb_verify(const yb_program *p, char *err, size_t errlen);

/* The disassembler. */
void yb_disasm(const yb_program *p, FILE *out);
extern const char *const yb_op_names[YB_OP__COUNT];
/* Each opcode's operand shapes (a, b, c, d) as opcodes.def spells them. */
extern const char yb_op_shapes[YB_OP__COUNT][4];

#endif
