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
%token NE "!=" LE "<=" GE ">=" ARROW "->"
%token ABOVE "above" ADD "add" ALL "all" AMEND "amend" AND "and" ANY "any" AT "at" BLOCK "block" BY "by"
%token COUNT "count" DATED "dated" DAY "day" DAYS "days" DEFINE "define" EFFECTIVE "effective"
%token ELSE "else" END "end" ENUM "enum" EXTERN "extern" FALSE "false" FROM "from" HELD "held" IF "if"
%token IMPORT "import" IN "in" INPUT "input" INVARIANT "invariant" STAGE "stage" IS "is" LEAST "least" LET "let" LIST "list"
%token MONTH "month" MONTHS "months" NEW "new" NOT "not" OF "of" OPTIONAL "optional" OR "or"
%token OUTPUT "output" OVER "over" PARAM "param" PER "per" POLICY "policy" REASON "reason"
%token REASONS "reasons" RECORD "record" REJECT "reject" REPORT "report" RULE "rule" SET "set" STATE "state"
%token SUBTRACT "subtract" SUM "sum" TABLE "table" THEN "then" TIERED "tiered" TO "to"
%token TRUE "true" VERSION "version" WARN "warn" WHEN "when" WHERE "where" YEAR "year" YEARS "years"

%type <decl> decl policy_decl import_decl enum_decl reasons_decl record_decl input_decl output_decl
%type <decl> param_decl table_decl state_decl define_decl rule_decl dated_decl amend_decl stage_decl invariant_decl extern_decl
%type <vec> enum_members reason_list field_decls key_names versions entries expr_list stmts else_opt
%type <member> enum_member
%type <field> field_decl extern_param
%type <vec> extern_params
%type <typex> typex
%type <flag> opt_optional
%type <ptr> version entry change
%type <vec> changes text_codes
%type <expr> expr or_expr and_expr not_expr cmp_expr add_expr mul_expr unary postfix primary
%type <expr> literal default_opt when_opt
%type <stmt> stmt
%type <str> desc_opt

%token START_EXPR "the start of a value"

%start top

%%

/* a policy file; or (message.c) the value inside a message's braces */
top
    : file
    | START_EXPR expr                       { ctx->expr = $2; }
    ;

file
    : %empty
    | file decl            { if ($2) yb_vec_push(A, &ctx->ast->decls, $2); }
    | file error           { }
    ;

decl
    : policy_decl | import_decl | enum_decl | reasons_decl | record_decl | input_decl | output_decl
    | param_decl | table_decl | state_decl | define_decl | rule_decl | dated_decl | amend_decl
    | stage_decl | invariant_decl | extern_decl
    ;

/* a native function the host binds at load: `extern fn drug_on_list(code: text, on: date) -> bool from "capitation"`
   (`fn` is a word, checked by the builder) */
extern_decl
    : EXTERN IDENT IDENT '(' extern_params ')' ARROW IDENT FROM STRING
                                            { $$ = yb_extern_decl(A, ctx->diag, $2.s, @2, $3.s, $5, yb_type_named(A, $8.s, @8), $10.s, $10.n, @3); }
    ;

extern_params
    : extern_param                          { $$ = yb_vec1(A, $1); }
    | extern_params ',' extern_param        { $$ = $1; yb_vec_push(A, &$$, $3); }
    ;

extern_param
    : IDENT ':' IDENT                       { $$ = yb_field_new(A, $1.s, @1, yb_type_named(A, $3.s, @3), false, NULL); }
    ;

/* a named point of the evaluation order, where a variant's rule can be placed */
stage_decl
    : STAGE IDENT desc_opt                  { $$ = yb_stage_decl(A, $2.s, $3.s, $3.n, @2); }
    ;

/* an identity every settlement keeps: proved by the compiler or checked by the VM */
invariant_decl
    : INVARIANT expr when_opt               { $$ = yb_invariant_decl(A, NULL, 0, $2, $3, @2); }
    | INVARIANT ALL IDENT IDENT GE expr     { $$ = yb_invariant_all(A, ctx->diag, NULL, 0, $3.s, $4.s, @4, $6, @2); }
    ;

/* a local variant changes a standard parameter or table from a date */
amend_decl
    : AMEND PARAM IDENT versions            { $$ = yb_amend_decl(A, D_PARAM, $3.s, $4, @3); }
    | AMEND TABLE IDENT versions            { $$ = yb_amend_decl(A, D_TABLE, $3.s, $4, @3); }
    /* relative: `amend table inpatient from 2026-01-01: add 5% to ratio where scheme = resident` */
    | AMEND PARAM IDENT FROM DATE_LIT ':' changes
                                            { $$ = yb_amend_decl(A, D_PARAM, $3.s, yb_vec1(A, yb_version_changes(A, yb_lit(A, E_DATE, $5, @5), $7, @4)), @3); }
    | AMEND TABLE IDENT FROM DATE_LIT ':' changes
                                            { $$ = yb_amend_decl(A, D_TABLE, $3.s, yb_vec1(A, yb_version_changes(A, yb_lit(A, E_DATE, $5, @5), $7, @4)), @3); }
    ;

changes
    : change                                { $$ = yb_vec1(A, $1); }
    | changes change                        { $$ = $1; yb_vec_push(A, &$$, $2); }
    ;

change
    : ADD literal TO IDENT                  { $$ = yb_change_new(A, CH_ADD, $4.s, @4, $2, (yb_vec){0}, NULL, @1); }
    | ADD literal TO IDENT WHERE or_expr    { $$ = yb_change_new(A, CH_ADD, $4.s, @4, $2, (yb_vec){0}, $6, @1); }
    | SUBTRACT literal FROM IDENT           { $$ = yb_change_new(A, CH_SUBTRACT, $4.s, @4, $2, (yb_vec){0}, NULL, @1); }
    | SUBTRACT literal FROM IDENT WHERE or_expr
                                            { $$ = yb_change_new(A, CH_SUBTRACT, $4.s, @4, $2, (yb_vec){0}, $6, @1); }
    | SET IDENT '[' key_names ']' '=' literal
                                            { $$ = yb_change_new(A, CH_SET, $2.s, @2, $7, $4, NULL, @1); }
    | SET IDENT '=' literal                 { $$ = yb_change_new(A, CH_SET, $2.s, @2, $4, (yb_vec){0}, NULL, @1); }
    ;

policy_decl
    : POLICY STRING                         { $$ = yb_policy_decl(A, $2.s, $2.n, @$); }
    | policy_decl VERSION STRING            { $$ = yb_policy_version(A, $1, $3.s); }
    | policy_decl EFFECTIVE DATE_LIT        { $$ = yb_policy_effective(A, $1, yb_lit(A, E_DATE, $3, @3)); }
    ;

import_decl
    : IMPORT STRING                         { $$ = yb_import_decl(A, $2.s, $2.n, @$); }
    ;

enum_decl
    : ENUM IDENT '{' enum_members opt_comma '}' { $$ = yb_enum_decl(A, $2.s, $4, @2); }
    ;

enum_members
    : enum_member                           { $$ = yb_vec1(A, $1); }
    | enum_members ',' enum_member          { $$ = $1; yb_vec_push(A, &$$, $3); }
    ;

opt_comma : %empty | ',' ;

enum_member
    : IDENT text_codes                      { $$ = yb_enum_value(A, $1.s, @1, false, 0); $$->texts = $2; }
    | IDENT '=' INT_LIT text_codes          { $$ = yb_enum_value(A, $1.s, @1, true, $3); $$->texts = $4; }
    ;

/* text codes of an enum member: `municipal = 3 "3" "21"` reads "level":"21" as municipal */
text_codes
    : %empty                                { $$ = (yb_vec){0}; }
    | text_codes STRING                     { $$ = $1; yb_vec_push(A, &$$, yb_text_lit(A, $2.s, $2.n, @2)); }
    ;

reasons_decl
    : REASONS reason_list                   { $$ = yb_reasons_decl(A, $2, @1); }
    ;

reason_list
    : enum_member                           { $$ = yb_vec1(A, $1); }
    | reason_list ',' enum_member           { $$ = $1; yb_vec_push(A, &$$, $3); }
    ;

record_decl
    : RECORD IDENT '{' field_decls '}'      { $$ = yb_fields_decl(A, D_RECORD, $2.s, $4, @2); }
    ;

input_decl
    : INPUT IDENT '{' field_decls '}'       { $$ = yb_fields_decl(A, D_INPUT, $2.s, $4, @2); }
    ;

output_decl
    : OUTPUT IDENT '{' field_decls '}'      { $$ = yb_fields_decl(A, D_OUTPUT, $2.s, $4, @2); }
    ;

field_decls
    : %empty                                { $$ = (yb_vec){0}; }
    | field_decls field_decl                { $$ = $1; yb_vec_push(A, &$$, $2); }
    ;

field_decl
    : IDENT                                 { $$ = yb_field_new(A, $1.s, @1, NULL, false, NULL); }
    | REASONS                               { $$ = yb_field_new(A, "reasons", @1, NULL, false, NULL); }
    | IDENT ':' opt_optional typex opt_optional default_opt
                                            { $$ = yb_field_new(A, $1.s, @1, $4, $3 || $5, $6); }
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
    : IDENT                                 { $$ = yb_type_named(A, $1.s, @1); }
    | LIST OF IDENT                         { $$ = yb_type_list(A, $3.s, 0, @$); }
    | LIST OF IDENT ',' AT LEAST INT_LIT    { $$ = yb_type_list(A, $3.s, $7, @$); }
    | '{' field_decls '}'                   { $$ = yb_type_record(A, $2, @$); }
    ;

param_decl
    : PARAM IDENT ':' typex versions        { $$ = yb_param_decl(A, $2.s, $4, (yb_vec){0}, $5, @2); }
    | PARAM IDENT ':' typex BY key_names versions
                                            { $$ = yb_param_decl(A, $2.s, $4, $6, $7, @2); }
    | PARAM IDENT ':' typex BY IDENT OF IDENT versions
                                            { $$ = yb_range_param_decl(A, ctx->diag, $2.s, $4, $6.s, @6, $8.s, $9, @2); }
    ;

table_decl
    : TABLE IDENT BY key_names '{' field_decls '}' versions
                                            { $$ = yb_table_decl(A, $2.s, $4, $6, $8, @2); }
    ;

key_names
    : IDENT                                 { $$ = yb_vec1(A, yb_name(A, $1.s, @1)); }
    | key_names ',' IDENT                   { $$ = $1; yb_vec_push(A, &$$, yb_name(A, $3.s, @3)); }
    ;

versions
    : version                               { $$ = yb_vec1(A, $1); }
    | versions version                      { $$ = $1; yb_vec_push(A, &$$, $2); }
    ;

version
    : FROM DATE_LIT ':' entries            { $$ = yb_version_new(A, yb_lit(A, E_DATE, $2, @2), $4, @1); }
    ;

entries
    : %empty                                { $$ = (yb_vec){0}; }
    | entries entry                         { $$ = $1; yb_vec_push(A, &$$, $2); }
    ;

entry
    : IDENT                                 { $$ = yb_entry_value(A, yb_name(A, $1.s, @1)); }
    | literal                               { $$ = yb_entry_value(A, $1); }
    | literal TO literal AT literal         { $$ = yb_entry_band(A, $1, $3, $5, @$); }
    | literal TO literal AT IDENT           { $$ = yb_entry_band(A, $1, $3, yb_name(A, $5.s, @5), @$); }
    | ABOVE literal AT IDENT                { $$ = yb_entry_band(A, $2, NULL, yb_name(A, $4.s, @4), @$); }
    | ABOVE literal AT literal              { $$ = yb_entry_band(A, $2, NULL, $4, @$); }
    ;

literal
    : INT_LIT                               { $$ = yb_lit(A, E_INT, $1, @1); }
    | MONEY_LIT                             { $$ = yb_lit(A, E_MONEY, $1, @1); }
    | PERCENT_LIT                           { $$ = yb_lit(A, E_RATE, $1, @1); }
    | DATE_LIT                              { $$ = yb_lit(A, E_DATE, $1, @1); }
    | TRUE                                  { $$ = yb_lit(A, E_BOOL, 1, @1); }
    | FALSE                                 { $$ = yb_lit(A, E_BOOL, 0, @1); }
    | STRING                                { $$ = yb_text_lit(A, $1.s, $1.n, @1); }
    | '-' INT_LIT                           { $$ = yb_lit(A, E_INT, -$2, @$); }
    | '-' MONEY_LIT                         { $$ = yb_lit(A, E_MONEY, -$2, @$); }
    | '-' PERCENT_LIT                       { $$ = yb_lit(A, E_RATE, -$2, @$); }
    | INT_LIT MONTHS                        { $$ = yb_duration_lit(A, $1, UNIT_MONTHS, @$); }
    | INT_LIT MONTH                         { $$ = yb_duration_lit(A, $1, UNIT_MONTHS, @$); }
    | INT_LIT YEARS                         { $$ = yb_duration_lit(A, $1, UNIT_YEARS, @$); }
    | INT_LIT YEAR                          { $$ = yb_duration_lit(A, $1, UNIT_YEARS, @$); }
    | INT_LIT DAYS                          { $$ = yb_duration_lit(A, $1, UNIT_DAYS, @$); }
    | INT_LIT DAY                           { $$ = yb_duration_lit(A, $1, UNIT_DAYS, @$); }
    ;

state_decl
    : STATE IDENT PER expr_list when_opt '{' field_decls '}'
                                            { $$ = yb_state_decl(A, $2.s, $4, $5, $7, false, @2); }
    | REPORT IDENT PER expr_list when_opt '{' field_decls '}'
                                            { $$ = yb_state_decl(A, $2.s, $4, $5, $7, true, @2); }
    ;

define_decl
    : DEFINE IDENT '=' expr                 { $$ = yb_define_decl(A, $2.s, NULL, $4, @2); }
    | DEFINE IDENT OF IDENT '=' expr        { $$ = yb_define_decl(A, $2.s, $4.s, $6, @2); }
    | DEFINE IDENT IN IDENT '=' expr        { $$ = yb_place(A, ctx->diag, yb_define_decl(A, $2.s, NULL, $6, @2), $4.s, @4, NULL, @4, NULL, @4); }
    | DEFINE IDENT IN IDENT IDENT IDENT '=' expr
                                            { $$ = yb_place(A, ctx->diag, yb_define_decl(A, $2.s, NULL, $8, @2), $4.s, @4, $5.s, @5, $6.s, @6); }
    ;

dated_decl
    : DATED BY expr                         { $$ = yb_dated_decl(A, $3, @1); }
    ;

rule_decl
    : RULE IDENT desc_opt when_opt then_opt stmts
                                            { $$ = yb_rule_decl(A, $2.s, $3.s, $3.n, $4, $6, @2); }
    | RULE IDENT desc_opt IN IDENT when_opt then_opt stmts
                                            { $$ = yb_place(A, ctx->diag, yb_rule_decl(A, $2.s, $3.s, $3.n, $6, $8, @2), $5.s, @5, NULL, @5, NULL, @5); }
    | RULE IDENT desc_opt IN IDENT IDENT IDENT when_opt then_opt stmts
                                            { $$ = yb_place(A, ctx->diag, yb_rule_decl(A, $2.s, $3.s, $3.n, $8, $10, @2), $5.s, @5, $6.s, @6, $7.s, @7); }
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
    : LET IDENT '=' expr                    { $$ = yb_let(A, $2.s, $4, @$); }
    | SET postfix '=' expr                  { $$ = yb_assign(A, S_SET, $2, $4, @$); }
    | ADD expr TO postfix                   { $$ = yb_assign(A, S_ADD, $4, $2, @$); }
    | SUBTRACT expr FROM postfix            { $$ = yb_assign(A, S_SUBTRACT, $4, $2, @$); }
    | REASON IDENT                          { $$ = yb_reason(A, $2.s, @$); }
    | WARN IDENT STRING                     { $$ = yb_alert_stmt(A, S_WARN, $2.s, $3.s, $3.n, @$); yb_message_parts(ctx, $$, @3); }
    | BLOCK IDENT STRING                    { $$ = yb_alert_stmt(A, S_BLOCK, $2.s, $3.s, $3.n, @$); yb_message_parts(ctx, $$, @3); }
    | REJECT postfix STRING                 { $$ = yb_reject(A, $2, $3.s, $3.n, @$); yb_message_parts(ctx, $$, @3); }
    | IF expr THEN stmts else_opt END       { $$ = yb_if_stmt(A, $2, $4, $5, @1); }
    ;

else_opt
    : %empty                                { $$ = (yb_vec){0}; }
    | ELSE stmts                            { $$ = $2; }
    ;

expr_list
    : expr                                  { $$ = yb_vec1(A, $1); }
    | expr_list ',' expr                    { $$ = $1; yb_vec_push(A, &$$, $3); }
    ;

expr
    : or_expr
    | IF expr THEN expr ELSE expr           { $$ = yb_if_expr(A, $2, $4, $6, @$); }
    /* a `where` condition runs to the end of the expression, so these stand
       alone (or in parentheses) */
    | SUM OF add_expr IN postfix WHERE or_expr { $$ = yb_agg(A, AGG_SUM, $3, $5, $7, @$); }
    | COUNT OF postfix WHERE or_expr        { $$ = yb_agg(A, AGG_COUNT, NULL, $3, $5, @$); }
    | ANY OF postfix WHERE or_expr          { $$ = yb_agg(A, AGG_ANY, NULL, $3, $5, @$); }
    | ALL OF postfix WHERE or_expr          { $$ = yb_agg(A, AGG_ALL, NULL, $3, $5, @$); }
    ;

or_expr
    : and_expr
    | or_expr OR and_expr                   { $$ = yb_binary(A, OP_OR, $1, $3, @$); }
    ;

and_expr
    : not_expr
    | and_expr AND not_expr                 { $$ = yb_binary(A, OP_AND, $1, $3, @$); }
    ;

not_expr
    : cmp_expr
    | NOT not_expr                          { $$ = yb_unary(A, OP_NOT, $2, @$); }
    ;

cmp_expr
    : add_expr
    | add_expr '=' add_expr                 { $$ = yb_binary(A, OP_EQ, $1, $3, @$); }
    | add_expr NE add_expr                  { $$ = yb_binary(A, OP_NE, $1, $3, @$); }
    | add_expr '<' add_expr                 { $$ = yb_binary(A, OP_LT, $1, $3, @$); }
    | add_expr LE add_expr                  { $$ = yb_binary(A, OP_LE, $1, $3, @$); }
    | add_expr '>' add_expr                 { $$ = yb_binary(A, OP_GT, $1, $3, @$); }
    | add_expr GE add_expr                  { $$ = yb_binary(A, OP_GE, $1, $3, @$); }
    | add_expr IN '[' expr_list ']'         { $$ = yb_in(A, $1, $4, false, @$); }
    | add_expr NOT IN '[' expr_list ']'     { $$ = yb_in(A, $1, $5, true, @$); }
    | add_expr IS NEW                       { $$ = yb_is_new(A, $1, false, @$); }
    | add_expr IS NOT NEW                   { $$ = yb_is_new(A, $1, true, @$); }
    ;

add_expr
    : mul_expr
    | add_expr '+' mul_expr                 { $$ = yb_binary(A, OP_ADD, $1, $3, @$); }
    | add_expr '-' mul_expr                 { $$ = yb_binary(A, OP_SUB, $1, $3, @$); }
    ;

mul_expr
    : unary
    | mul_expr '*' unary                    { $$ = yb_binary(A, OP_MUL, $1, $3, @$); }
    | mul_expr '/' unary                    { $$ = yb_binary(A, OP_DIV, $1, $3, @$); }
    ;

unary
    : postfix
    /* these end in a postfix operand: `year of visit.date` */
    | YEAR OF postfix                       { $$ = yb_date_part(A, PART_YEAR, $3, @$); }
    | MONTH OF postfix                      { $$ = yb_date_part(A, PART_MONTH, $3, @$); }
    | DAY OF postfix                        { $$ = yb_date_part(A, PART_DAY, $3, @$); }
    | SUM OF add_expr IN postfix            { $$ = yb_agg(A, AGG_SUM, $3, $5, NULL, @$); }
    | COUNT OF postfix                      { $$ = yb_agg(A, AGG_COUNT, NULL, $3, NULL, @$); }
    | TIERED add_expr OVER add_expr BY postfix
                                            { $$ = yb_tiered(A, $2, $4, $6, @$); }
    | '-' unary                             { $$ = yb_unary(A, OP_NEG, $2, @$); }
    ;

postfix
    : primary
    | postfix '.' IDENT                     { $$ = yb_member(A, $1, $3.s, @$); }
    | postfix '[' expr_list ']'             { $$ = yb_index(A, $1, $3, @$); }
    | postfix MONTHS                        { $$ = yb_duration_expr(A, $1, UNIT_MONTHS, @$); }
    | postfix MONTH                         { $$ = yb_duration_expr(A, $1, UNIT_MONTHS, @$); }
    | postfix DAYS                          { $$ = yb_duration_expr(A, $1, UNIT_DAYS, @$); }
    | postfix DAY                           { $$ = yb_duration_expr(A, $1, UNIT_DAYS, @$); }
    | postfix YEARS                         { $$ = yb_duration_expr(A, $1, UNIT_YEARS, @$); }
    | postfix YEAR                          { $$ = yb_duration_expr(A, $1, UNIT_YEARS, @$); }
    ;

primary
    : INT_LIT                               { $$ = yb_lit(A, E_INT, $1, @1); }
    | MONEY_LIT                             { $$ = yb_lit(A, E_MONEY, $1, @1); }
    | PERCENT_LIT                           { $$ = yb_lit(A, E_RATE, $1, @1); }
    | DATE_LIT                              { $$ = yb_lit(A, E_DATE, $1, @1); }
    | TRUE                                  { $$ = yb_lit(A, E_BOOL, 1, @1); }
    | FALSE                                 { $$ = yb_lit(A, E_BOOL, 0, @1); }
    | STRING                                { $$ = yb_text_lit(A, $1.s, $1.n, @1); }
    | HELD                                  { $$ = yb_held(A, @1); }
    | IDENT                                 { $$ = yb_name(A, $1.s, @1); }
    | IDENT '(' expr_list ')'               { $$ = yb_call(A, $1.s, $3, @$); }
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
    if (found == YYSYMBOL_YYEOF && ctx->in_message) {
        yb_error(ctx->diag, *yypcontext_location(pctx), "the value in braces is not complete: something is missing before this `}`");
        return 0;
    }
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
    /* hints for slips that the grammar alone cannot name */
    const char *fn = yysymbol_name(found);
    bool comparison = found == YYSYMBOL_NE || found == YYSYMBOL_LE || found == YYSYMBOL_GE || strcmp(fn, "'<'") == 0 ||
                      strcmp(fn, "'>'") == 0 || strcmp(fn, "'='") == 0;
    if (comparison && ctx->where_line == loc->line)
        yb_note(ctx->diag, YB_NOLOC, "a `where` condition runs to the end of the expression: put the aggregate in brackets "
                                     "before comparing it: `(count of items where class = B) > 0`");
    bool end_fits = false;
    for (int i = 0; i < na; i++) end_fits |= all[i] == YYSYMBOL_END;
    if (end_fits && ctx->else_if_line > 0)
        yb_note(ctx->diag, YB_NOLOC, "there is no `else if` (line %d): the `if` after `else` is a new `if` with its own "
                                     "`end`, so it needs one `end` more (or write `else` on its own line and nest)", ctx->else_if_line);
    return 0;
}
