/* The grammar of policy files.  Thin: every action calls an AST builder.
 * Pure and reentrant (no globals), with locations, LAC and our own syntax
 * error messages ("expected `:` or `=` here, found `money`"). */
%require "3.7"
%define api.pure full
%define parse.error custom
%define parse.lac full
%locations
%define api.location.type {yb_loc}
%param {void *scanner}
%parse-param {yb_parse_ctx *ctx}

%code requires {
#include "ast.h"
#include "parse_ctx.h"
}

%code provides {
int yylex(YYSTYPE *lval, YYLTYPE *lloc, void *scanner);
}

%code {
#include <string.h>
#include "value.h"

#define YYLLOC_DEFAULT(Cur, Rhs, N)                              \
    do {                                                         \
        if (N) {                                                 \
            (Cur).file = YYRHSLOC(Rhs, 1).file;                  \
            (Cur).line = YYRHSLOC(Rhs, 1).line;                  \
            (Cur).col = YYRHSLOC(Rhs, 1).col;                    \
            (Cur).end_line = YYRHSLOC(Rhs, N).end_line;          \
            (Cur).end_col = YYRHSLOC(Rhs, N).end_col;            \
        } else {                                                 \
            (Cur).file = YYRHSLOC(Rhs, 0).file;                  \
            (Cur).line = (Cur).end_line = YYRHSLOC(Rhs, 0).end_line; \
            (Cur).col = (Cur).end_col = YYRHSLOC(Rhs, 0).end_col; \
        }                                                        \
    } while (0)

#define A (ctx->arena)

static void yyerror(YYLTYPE *loc, void *scanner, yb_parse_ctx *ctx, const char *msg)
{
    (void)scanner;
    if (strcmp(msg, "memory exhausted") == 0)
        yb_error(ctx->diag, *loc, "this is nested too deeply to read (thousands of levels of parentheses or blocks)");
    else
        yb_error(ctx->diag, *loc, "%s", msg);
}

static yb_expr *lit(yb_parse_ctx *ctx, yb_expr_kind k, int64_t v, yb_loc loc)
{
    yb_expr *e = yb_expr_new(A, k, loc);
    e->ival = v;
    return e;
}

static yb_expr *binary(yb_parse_ctx *ctx, int op, yb_expr *a, yb_expr *b, yb_loc loc)
{
    yb_expr *e = yb_expr_new(A, E_BINARY, loc);
    e->op = op;
    e->a = a;
    e->b = b;
    return e;
}

static yb_expr *agg(yb_parse_ctx *ctx, yb_agg_kind k, yb_expr *value, yb_expr *list, yb_expr *where, yb_loc loc)
{
    yb_expr *e = yb_expr_new(A, E_AGG, loc);
    e->op = k;
    e->a = value;
    e->b = list;
    e->c = where;
    return e;
}

static yb_fielddecl *field(yb_parse_ctx *ctx, const char *name, yb_loc loc)
{
    yb_fielddecl *f = yb_arena_alloc(A, sizeof *f);
    f->name = name;
    f->loc = loc;
    return f;
}

static yb_typex *typex(yb_parse_ctx *ctx, yb_typex_kind k, const char *name, yb_loc loc)
{
    yb_typex *t = yb_arena_alloc(A, sizeof *t);
    t->kind = k;
    t->name = name;
    t->loc = loc;
    return t;
}
}

%union {
    int64_t ival;
    struct { const char *s; size_t n; } str;
    yb_expr *expr;
    yb_stmt *stmt;
    yb_decl *decl;
    yb_vec vec;
    yb_typex *typex;
    yb_fielddecl *field;
    yb_enum_member *member;
    void *ptr;
    int flag;
}

%token <ival> INT_LIT "whole number" MONEY_LIT "money amount" PERCENT_LIT "rate" DATE_LIT "date"
%token <str> STRING "text" IDENT "name"
%token NE "!=" LE "<=" GE ">="
%token ABOVE "above" ADD "add" ALL "all" AMEND "amend" AND "and" ANY "any" AT "at" BLOCK "block" BY "by"
%token COUNT "count" DATED "dated" DAY "day" DAYS "days" DEFINE "define" EFFECTIVE "effective"
%token ELSE "else" END "end" ENUM "enum" FALSE "false" FROM "from" HELD "held" IF "if"
%token IMPORT "import" IN "in" INPUT "input" IS "is" LEAST "least" LET "let" LIST "list"
%token MONTH "month" MONTHS "months" NEW "new" NOT "not" OF "of" OPTIONAL "optional" OR "or"
%token OUTPUT "output" OVER "over" PARAM "param" PER "per" POLICY "policy" REASON "reason"
%token REASONS "reasons" RECORD "record" REJECT "reject" REPORT "report" RULE "rule" SET "set" STATE "state"
%token SUBTRACT "subtract" SUM "sum" TABLE "table" THEN "then" TIERED "tiered" TO "to"
%token TRUE "true" VERSION "version" WARN "warn" WHEN "when" WHERE "where" YEAR "year" YEARS "years"

%type <decl> decl policy_decl import_decl enum_decl reasons_decl record_decl input_decl output_decl
%type <decl> param_decl table_decl state_decl define_decl rule_decl dated_decl amend_decl
%type <vec> enum_members reason_list field_decls key_names versions entries expr_list stmts else_opt
%type <member> enum_member
%type <field> field_decl
%type <typex> typex
%type <flag> opt_optional
%type <ptr> version entry
%type <expr> expr or_expr and_expr not_expr cmp_expr add_expr mul_expr unary postfix primary
%type <expr> literal default_opt when_opt
%type <stmt> stmt
%type <str> desc_opt

%start file

%%

file
    : %empty
    | file decl            { if ($2) yb_vec_push(A, &ctx->ast->decls, $2); }
    | file error           { }
    ;

decl
    : policy_decl | import_decl | enum_decl | reasons_decl | record_decl | input_decl | output_decl
    | param_decl | table_decl | state_decl | define_decl | rule_decl | dated_decl | amend_decl
    ;

/* a local variant changes a standard parameter or table from a date */
amend_decl
    : AMEND PARAM IDENT versions            { $$ = yb_decl_new(A, D_AMEND, @3); $$->name = $3.s; $$->text = "param"; $$->versions = $4; }
    | AMEND TABLE IDENT versions            { $$ = yb_decl_new(A, D_AMEND, @3); $$->name = $3.s; $$->text = "table"; $$->versions = $4; }
    ;

policy_decl
    : POLICY STRING                         { $$ = yb_decl_new(A, D_POLICY, @$); $$->text = $2.s; $$->text_len = $2.n; }
    | policy_decl VERSION STRING            { $$ = $1; $$->version_text = $3.s; }
    | policy_decl EFFECTIVE DATE_LIT        { $$ = $1; $$->date = lit(ctx, E_DATE, $3, @3); }
    ;

import_decl
    : IMPORT STRING                         { $$ = yb_decl_new(A, D_IMPORT, @$); $$->text = $2.s; $$->text_len = $2.n; }
    ;

enum_decl
    : ENUM IDENT '{' enum_members opt_comma '}' { $$ = yb_decl_new(A, D_ENUM, @2); $$->name = $2.s; $$->members = $4; }
    ;

enum_members
    : enum_member                           { $$ = (yb_vec){0}; yb_vec_push(A, &$$, $1); }
    | enum_members ',' enum_member          { $$ = $1; yb_vec_push(A, &$$, $3); }
    ;

opt_comma : %empty | ',' ;

enum_member
    : IDENT                                 { $$ = yb_arena_alloc(A, sizeof *$$); $$->name = $1.s; $$->loc = @1; }
    | IDENT '=' INT_LIT                     { $$ = yb_arena_alloc(A, sizeof *$$); $$->name = $1.s; $$->loc = @1; $$->has_code = true; $$->code = $3; }
    ;

reasons_decl
    : REASONS reason_list                   { $$ = yb_decl_new(A, D_REASONS, @1); $$->members = $2; }
    ;

reason_list
    : enum_member                           { $$ = (yb_vec){0}; yb_vec_push(A, &$$, $1); }
    | reason_list ',' enum_member           { $$ = $1; yb_vec_push(A, &$$, $3); }
    ;

record_decl
    : RECORD IDENT '{' field_decls '}'      { $$ = yb_decl_new(A, D_RECORD, @2); $$->name = $2.s; $$->fields = $4; }
    ;

input_decl
    : INPUT IDENT '{' field_decls '}'       { $$ = yb_decl_new(A, D_INPUT, @2); $$->name = $2.s; $$->fields = $4; }
    ;

output_decl
    : OUTPUT IDENT '{' field_decls '}'      { $$ = yb_decl_new(A, D_OUTPUT, @2); $$->name = $2.s; $$->fields = $4; }
    ;

field_decls
    : %empty                                { $$ = (yb_vec){0}; }
    | field_decls field_decl                { $$ = $1; yb_vec_push(A, &$$, $2); }
    ;

field_decl
    : IDENT                                 { $$ = field(ctx, $1.s, @1); }
    | REASONS                               { $$ = field(ctx, "reasons", @1); }
    | IDENT ':' opt_optional typex opt_optional default_opt
                                            { $$ = field(ctx, $1.s, @1); $$->type = $4; $$->optional = $3 || $5; $$->dflt = $6; }
    ;

opt_optional
    : %empty                                { $$ = 0; }
    | OPTIONAL                              { $$ = 1; }
    ;

default_opt
    : %empty                                { $$ = NULL; }
    | '=' expr                              { $$ = $2; }
    ;

typex
    : IDENT                                 { $$ = typex(ctx, TY_NAMED, $1.s, @1); }
    | LIST OF IDENT                         { $$ = typex(ctx, TY_LIST, $3.s, @$); }
    | LIST OF IDENT ',' AT LEAST INT_LIT    { $$ = typex(ctx, TY_LIST, $3.s, @$); $$->min_items = (int)($7 > 1000000 ? 1000000 : $7); }
    | '{' field_decls '}'                   { $$ = typex(ctx, TY_RECORD, NULL, @$); $$->fields = $2; }
    ;

param_decl
    : PARAM IDENT ':' typex versions        { $$ = yb_decl_new(A, D_PARAM, @2); $$->name = $2.s; $$->type = $4; $$->versions = $5; }
    | PARAM IDENT ':' typex BY key_names versions
                                            { $$ = yb_decl_new(A, D_PARAM, @2); $$->name = $2.s; $$->type = $4; $$->keys = $6; $$->versions = $7; }
    | PARAM IDENT ':' typex BY IDENT OF IDENT versions
                                            { $$ = yb_decl_new(A, D_PARAM, @2); $$->name = $2.s; $$->type = $4; $$->versions = $9;
                                              $$->range_of = $8.s; $$->range_loc = @6;
                                              if (strcmp($6.s, "range") != 0)
                                                  yb_error(ctx->diag, @6, "expected `range` here (`by range of int`), found `%s`", $6.s); }
    ;

table_decl
    : TABLE IDENT BY key_names '{' field_decls '}' versions
                                            { $$ = yb_decl_new(A, D_TABLE, @2); $$->name = $2.s; $$->keys = $4; $$->fields = $6; $$->versions = $8; }
    ;

key_names
    : IDENT                                 { $$ = (yb_vec){0}; yb_expr *e = yb_expr_new(A, E_NAME, @1); e->name = $1.s; yb_vec_push(A, &$$, e); }
    | key_names ',' IDENT                   { $$ = $1; yb_expr *e = yb_expr_new(A, E_NAME, @3); e->name = $3.s; yb_vec_push(A, &$$, e); }
    ;

versions
    : version                               { $$ = (yb_vec){0}; yb_vec_push(A, &$$, $1); }
    | versions version                      { $$ = $1; yb_vec_push(A, &$$, $2); }
    ;

version
    : FROM DATE_LIT ':' entries {
        yb_version *v = yb_arena_alloc(A, sizeof *v);
        v->loc = @1;
        v->date = lit(ctx, E_DATE, $2, @2);
        /* group the flat entries: keys then values make a row; bands stand alone */
        yb_row *row = NULL;
        bool in_values = false;
        for (int i = 0; i < $4.n; i++) {
            yb_expr *e = $4.items[i];
            if (e->kind == E_TIERED) { yb_vec_push(A, &v->bands, e->a); continue; }
            bool is_key = e->kind == E_NAME;
            if (!row || (is_key && in_values)) {
                row = yb_arena_alloc(A, sizeof *row);
                row->loc = e->loc;
                yb_vec_push(A, &v->rows, row);
                in_values = false;
            }
            if (is_key) yb_vec_push(A, &row->keys, e);
            else { yb_vec_push(A, &row->values, e); in_values = true; }
        }
        $$ = v;
    }
    ;

entries
    : %empty                                { $$ = (yb_vec){0}; }
    | entries entry                         { $$ = $1; yb_vec_push(A, &$$, $2); }
    ;

entry
    : IDENT                                 { yb_expr *e = yb_expr_new(A, E_NAME, @1); e->name = $1.s; $$ = e; }
    | literal                               { $$ = $1; }
    | literal TO literal AT literal {
        yb_band_decl *b = yb_arena_alloc(A, sizeof *b);
        b->loc = @$; b->from = $1; b->to = $3; b->rate = $5;
        yb_expr *e = yb_expr_new(A, E_TIERED, @$); e->a = (yb_expr *)b; $$ = e;
    }
    | literal TO literal AT IDENT {
        yb_band_decl *b = yb_arena_alloc(A, sizeof *b);
        yb_expr *v = yb_expr_new(A, E_NAME, @5); v->name = $5.s;
        b->loc = @$; b->from = $1; b->to = $3; b->rate = v;
        yb_expr *e = yb_expr_new(A, E_TIERED, @$); e->a = (yb_expr *)b; $$ = e;
    }
    | ABOVE literal AT IDENT {
        yb_band_decl *b = yb_arena_alloc(A, sizeof *b);
        yb_expr *v = yb_expr_new(A, E_NAME, @4); v->name = $4.s;
        b->loc = @$; b->from = $2; b->to = NULL; b->rate = v;
        yb_expr *e = yb_expr_new(A, E_TIERED, @$); e->a = (yb_expr *)b; $$ = e;
    }
    | ABOVE literal AT literal {
        yb_band_decl *b = yb_arena_alloc(A, sizeof *b);
        b->loc = @$; b->from = $2; b->to = NULL; b->rate = $4;
        yb_expr *e = yb_expr_new(A, E_TIERED, @$); e->a = (yb_expr *)b; $$ = e;
    }
    ;

literal
    : INT_LIT                               { $$ = lit(ctx, E_INT, $1, @1); }
    | MONEY_LIT                             { $$ = lit(ctx, E_MONEY, $1, @1); }
    | PERCENT_LIT                           { $$ = lit(ctx, E_RATE, $1, @1); }
    | DATE_LIT                              { $$ = lit(ctx, E_DATE, $1, @1); }
    | TRUE                                  { $$ = lit(ctx, E_BOOL, 1, @1); }
    | FALSE                                 { $$ = lit(ctx, E_BOOL, 0, @1); }
    | STRING                                { $$ = yb_expr_new(A, E_TEXT, @1); $$->name = $1.s; $$->text_len = $1.n; }
    | '-' INT_LIT                           { $$ = lit(ctx, E_INT, -$2, @$); }
    | '-' MONEY_LIT                         { $$ = lit(ctx, E_MONEY, -$2, @$); }
    | '-' PERCENT_LIT                       { $$ = lit(ctx, E_RATE, -$2, @$); }
    | INT_LIT MONTHS                        { $$ = lit(ctx, E_DURATION_LIT, $1 > 120000 ? -1 : ((int64_t)$1 << 32), @$); }
    | INT_LIT MONTH                         { $$ = lit(ctx, E_DURATION_LIT, $1 > 120000 ? -1 : ((int64_t)$1 << 32), @$); }
    | INT_LIT YEARS                         { $$ = lit(ctx, E_DURATION_LIT, $1 > 10000 ? -1 : ((int64_t)($1 * 12) << 32), @$); }
    | INT_LIT YEAR                          { $$ = lit(ctx, E_DURATION_LIT, $1 > 10000 ? -1 : ((int64_t)($1 * 12) << 32), @$); }
    | INT_LIT DAYS                          { $$ = lit(ctx, E_DURATION_LIT, $1 > 3660000 ? -1 : $1, @$); }
    | INT_LIT DAY                           { $$ = lit(ctx, E_DURATION_LIT, $1 > 3660000 ? -1 : $1, @$); }
    ;

state_decl
    : STATE IDENT PER expr_list when_opt '{' field_decls '}'
                                            { $$ = yb_decl_new(A, D_STATE, @2); $$->name = $2.s; $$->keys = $4; $$->value = $5; $$->fields = $7; }
    | REPORT IDENT PER expr_list when_opt '{' field_decls '}'
                                            { $$ = yb_decl_new(A, D_STATE, @2); $$->name = $2.s; $$->keys = $4; $$->value = $5; $$->fields = $7; $$->report = true; }
    ;

define_decl
    : DEFINE IDENT '=' expr                 { $$ = yb_decl_new(A, D_DEFINE, @2); $$->name = $2.s; $$->value = $4; }
    | DEFINE IDENT OF IDENT '=' expr        { $$ = yb_decl_new(A, D_DEFINE, @2); $$->name = $2.s; $$->of_record = $4.s; $$->value = $6; }
    ;

dated_decl
    : DATED BY expr                         { $$ = yb_decl_new(A, D_DATED, @1); $$->value = $3; }
    ;

rule_decl
    : RULE IDENT desc_opt when_opt then_opt stmts
                                            { $$ = yb_decl_new(A, D_RULE, @2); $$->name = $2.s; $$->text = $3.s; $$->text_len = $3.n; $$->value = $4; $$->body = $6; }
    ;

desc_opt
    : %empty                                { $$.s = NULL; $$.n = 0; }
    | STRING                                { $$ = $1; }
    ;

when_opt
    : %empty                                { $$ = NULL; }
    | WHEN expr                             { $$ = $2; }
    ;

then_opt : %empty | THEN ;

stmts
    : %empty                                { $$ = (yb_vec){0}; }
    | stmts stmt                            { $$ = $1; yb_vec_push(A, &$$, $2); }
    ;

stmt
    : LET IDENT '=' expr                    { $$ = yb_stmt_new(A, S_LET, @$); $$->name = $2.s; $$->value = $4; }
    | SET postfix '=' expr                  { $$ = yb_stmt_new(A, S_SET, @$); $$->target = $2; $$->value = $4; }
    | ADD expr TO postfix                   { $$ = yb_stmt_new(A, S_ADD, @$); $$->value = $2; $$->target = $4; }
    | SUBTRACT expr FROM postfix            { $$ = yb_stmt_new(A, S_SUBTRACT, @$); $$->value = $2; $$->target = $4; }
    | REASON IDENT                          { $$ = yb_stmt_new(A, S_REASON, @$); $$->name = $2.s; }
    | WARN IDENT STRING                     { $$ = yb_stmt_new(A, S_WARN, @$); $$->name = $2.s; $$->message = $3.s; $$->message_len = $3.n; }
    | BLOCK IDENT STRING                    { $$ = yb_stmt_new(A, S_BLOCK, @$); $$->name = $2.s; $$->message = $3.s; $$->message_len = $3.n; }
    | REJECT postfix STRING                 { $$ = yb_stmt_new(A, S_REJECT, @$); $$->target = $2; $$->message = $3.s; $$->message_len = $3.n; }
    | IF expr THEN stmts else_opt END       { $$ = yb_stmt_new(A, S_IF, @1); $$->value = $2; $$->then_body = $4; $$->else_body = $5; }
    ;

else_opt
    : %empty                                { $$ = (yb_vec){0}; }
    | ELSE stmts                            { $$ = $2; }
    ;

expr_list
    : expr                                  { $$ = (yb_vec){0}; yb_vec_push(A, &$$, $1); }
    | expr_list ',' expr                    { $$ = $1; yb_vec_push(A, &$$, $3); }
    ;

expr
    : or_expr
    | IF expr THEN expr ELSE expr           { $$ = yb_expr_new(A, E_IF, @$); $$->c = $2; $$->a = $4; $$->b = $6; }
    /* a `where` condition runs to the end of the expression, so these stand
       alone (or in parentheses) */
    | SUM OF add_expr IN postfix WHERE or_expr { $$ = agg(ctx, AGG_SUM, $3, $5, $7, @$); }
    | COUNT OF postfix WHERE or_expr        { $$ = agg(ctx, AGG_COUNT, NULL, $3, $5, @$); }
    | ANY OF postfix WHERE or_expr          { $$ = agg(ctx, AGG_ANY, NULL, $3, $5, @$); }
    | ALL OF postfix WHERE or_expr          { $$ = agg(ctx, AGG_ALL, NULL, $3, $5, @$); }
    ;

or_expr
    : and_expr
    | or_expr OR and_expr                   { $$ = binary(ctx, '|', $1, $3, @$); }
    ;

and_expr
    : not_expr
    | and_expr AND not_expr                 { $$ = binary(ctx, '&', $1, $3, @$); }
    ;

not_expr
    : cmp_expr
    | NOT not_expr                          { $$ = yb_expr_new(A, E_UNARY, @$); $$->op = '!'; $$->a = $2; }
    ;

cmp_expr
    : add_expr
    | add_expr '=' add_expr                 { $$ = binary(ctx, '=', $1, $3, @$); }
    | add_expr NE add_expr                  { $$ = binary(ctx, NE, $1, $3, @$); }
    | add_expr '<' add_expr                 { $$ = binary(ctx, '<', $1, $3, @$); }
    | add_expr LE add_expr                  { $$ = binary(ctx, LE, $1, $3, @$); }
    | add_expr '>' add_expr                 { $$ = binary(ctx, '>', $1, $3, @$); }
    | add_expr GE add_expr                  { $$ = binary(ctx, GE, $1, $3, @$); }
    | add_expr IN '[' expr_list ']'         { $$ = yb_expr_new(A, E_IN, @$); $$->a = $1; $$->args = $4; }
    | add_expr NOT IN '[' expr_list ']'     { $$ = yb_expr_new(A, E_IN, @$); $$->a = $1; $$->args = $5; $$->op = 1; }
    | add_expr IS NEW                       { $$ = yb_expr_new(A, E_ISNEW, @$); $$->a = $1; }
    | add_expr IS NOT NEW                   { yb_expr *n = yb_expr_new(A, E_ISNEW, @$); n->a = $1;
                                              $$ = yb_expr_new(A, E_UNARY, @$); $$->op = '!'; $$->a = n; }
    ;

add_expr
    : mul_expr
    | add_expr '+' mul_expr                 { $$ = binary(ctx, '+', $1, $3, @$); }
    | add_expr '-' mul_expr                 { $$ = binary(ctx, '-', $1, $3, @$); }
    ;

mul_expr
    : unary
    | mul_expr '*' unary                    { $$ = binary(ctx, '*', $1, $3, @$); }
    | mul_expr '/' unary                    { $$ = binary(ctx, '/', $1, $3, @$); }
    ;

unary
    : postfix
    /* these end in a postfix operand: `year of visit.date` */
    | YEAR OF postfix                       { $$ = yb_expr_new(A, E_PART, @$); $$->op = PART_YEAR; $$->a = $3; }
    | MONTH OF postfix                      { $$ = yb_expr_new(A, E_PART, @$); $$->op = PART_MONTH; $$->a = $3; }
    | DAY OF postfix                        { $$ = yb_expr_new(A, E_PART, @$); $$->op = PART_DAY; $$->a = $3; }
    | SUM OF add_expr IN postfix            { $$ = agg(ctx, AGG_SUM, $3, $5, NULL, @$); }
    | COUNT OF postfix                      { $$ = agg(ctx, AGG_COUNT, NULL, $3, NULL, @$); }
    | TIERED add_expr OVER add_expr BY postfix
                                            { $$ = yb_expr_new(A, E_TIERED, @$); $$->a = $2; $$->b = $4; $$->c = $6; }
    | '-' unary                             { $$ = yb_expr_new(A, E_UNARY, @$); $$->op = '-'; $$->a = $2; }
    ;

postfix
    : primary
    | postfix '.' IDENT                     { $$ = yb_expr_new(A, E_FIELD, @$); $$->a = $1; $$->name = $3.s; }
    | postfix '[' expr_list ']'             { $$ = yb_expr_new(A, E_INDEX, @$); $$->a = $1; $$->args = $3; }
    | postfix MONTHS                        { $$ = yb_expr_new(A, E_DURATION, @$); $$->a = $1; $$->op = UNIT_MONTHS; }
    | postfix MONTH                         { $$ = yb_expr_new(A, E_DURATION, @$); $$->a = $1; $$->op = UNIT_MONTHS; }
    | postfix DAYS                          { $$ = yb_expr_new(A, E_DURATION, @$); $$->a = $1; $$->op = UNIT_DAYS; }
    | postfix DAY                           { $$ = yb_expr_new(A, E_DURATION, @$); $$->a = $1; $$->op = UNIT_DAYS; }
    | postfix YEARS                         { $$ = yb_expr_new(A, E_DURATION, @$); $$->a = $1; $$->op = UNIT_YEARS; }
    | postfix YEAR                          { $$ = yb_expr_new(A, E_DURATION, @$); $$->a = $1; $$->op = UNIT_YEARS; }
    ;

primary
    : INT_LIT                               { $$ = lit(ctx, E_INT, $1, @1); }
    | MONEY_LIT                             { $$ = lit(ctx, E_MONEY, $1, @1); }
    | PERCENT_LIT                           { $$ = lit(ctx, E_RATE, $1, @1); }
    | DATE_LIT                              { $$ = lit(ctx, E_DATE, $1, @1); }
    | TRUE                                  { $$ = lit(ctx, E_BOOL, 1, @1); }
    | FALSE                                 { $$ = lit(ctx, E_BOOL, 0, @1); }
    | STRING                                { $$ = yb_expr_new(A, E_TEXT, @1); $$->name = $1.s; $$->text_len = $1.n; }
    | HELD                                  { $$ = yb_expr_new(A, E_HELD, @1); }
    | IDENT                                 { $$ = yb_expr_new(A, E_NAME, @1); $$->name = $1.s; }
    | IDENT '(' expr_list ')'               { $$ = yb_expr_new(A, E_CALL, @$); $$->name = $1.s; $$->args = $3; }
    | '(' expr ')'                          { $$ = $2; }
    ;

%%

/* Token names as an analyst reads them: `money` rather than "IDENT". */
static const char *token_display(yysymbol_kind_t sym, char *buf, size_t n)
{
    switch (sym) {
    case YYSYMBOL_YYEOF: return "the end of the file";
    case YYSYMBOL_IDENT: return "a name";
    case YYSYMBOL_STRING: return "a text in quotes";
    case YYSYMBOL_INT_LIT: return "a whole number";
    case YYSYMBOL_MONEY_LIT: return "an amount such as 200.00";
    case YYSYMBOL_PERCENT_LIT: return "a rate such as 85%";
    case YYSYMBOL_DATE_LIT: return "a date such as 2025-01-01";
    default: break;
    }
    const char *name = yysymbol_name(sym);
    size_t len = strlen(name);
    if (len >= 2 && (name[0] == '"' || name[0] == '\'')) { name++; len -= 2; }
    snprintf(buf, n, "`%.*s`", (int)len, name);
    return buf;
}

/* The text of the token at loc, as the analyst wrote it. */
static void token_text(yb_parse_ctx *ctx, yb_loc loc, char *buf, size_t n)
{
    const yb_source *src = &ctx->diag->files[ctx->file];
    const char *p = src->text, *end = src->text + src->len;
    for (int l = 1; l < loc.line && p < end; l++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        p = nl ? nl + 1 : end;
    }
    p += loc.col > 0 ? loc.col - 1 : 0;
    size_t len = loc.end_line == loc.line && loc.end_col > loc.col ? (size_t)(loc.end_col - loc.col) : 1;
    if (p > end) p = end;
    if (len > (size_t)(end - p)) len = (size_t)(end - p);
    if (len > 40) len = 40;
    snprintf(buf, n, "`%.*s`", (int)len, p);
}

static int yyreport_syntax_error(const yypcontext_t *pctx, void *scanner, yb_parse_ctx *ctx)
{
    (void)scanner;
    yysymbol_kind_t found = yypcontext_token(pctx);
    if (found == YYSYMBOL_YYUNDEF) return 0; /* the lexer already said what is wrong */
    yysymbol_kind_t all[YYNTOKENS], expected[YYNTOKENS];
    int na = yypcontext_expected_tokens(pctx, all, YYNTOKENS), n = 0;
    /* continuations of what came before (`.field`, `[key]`, `months`…) are
       rarely what was meant: name them only when nothing else fits */
    for (int i = 0; i < na; i++) {
        yysymbol_kind_t t = all[i];
        bool continuation = t == YYSYMBOL_YYACCEPT || t == (yysymbol_kind_t)YYSYMBOL_YYerror;
        const char *nm = yysymbol_name(t);
        if (strcmp(nm, "'.'") == 0 || strcmp(nm, "'['") == 0 || strcmp(nm, "'('") == 0 || t == YYSYMBOL_MONTHS || t == YYSYMBOL_MONTH ||
            t == YYSYMBOL_DAYS || t == YYSYMBOL_DAY || t == YYSYMBOL_YEARS || t == YYSYMBOL_YEAR)
            continuation = true;
        if (!continuation) expected[n++] = t;
    }
    if (n == 0)
        for (int i = 0; i < na; i++) expected[n++] = all[i];
    const yb_loc *loc = yypcontext_location(pctx);
    char msg[640], b1[80], what[64];
    int len = 0;
    if (n > 0 && n <= 7) {
        len += snprintf(msg + len, sizeof msg - (size_t)len, "expected ");
        for (int i = 0; i < n && len < (int)sizeof msg - 120; i++)
            len += snprintf(msg + len, sizeof msg - (size_t)len, "%s%s", i == 0 ? "" : i == n - 1 ? " or " : ", ",
                            token_display(expected[i], b1, sizeof b1));
        len += snprintf(msg + len, sizeof msg - (size_t)len, " here, ");
    } else {
        len += snprintf(msg + len, sizeof msg - (size_t)len, "unexpected here: ");
    }
    if (found == YYSYMBOL_YYEOF) {
        snprintf(msg + len, sizeof msg - (size_t)len, "found the end of the file");
    } else {
        token_text(ctx, *loc, what, sizeof what);
        const char *kind = token_display(found, b1, sizeof b1);
        if (kind[0] == '`') snprintf(msg + len, sizeof msg - (size_t)len, "found %s", what);
        else snprintf(msg + len, sizeof msg - (size_t)len, "found %s (%s)", what, kind);
    }
    yb_error(ctx->diag, *loc, "%s", msg);
    return 0;
}
