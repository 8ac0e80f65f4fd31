/* Constant folding: an expression whose operands are all constants becomes a
 * constant, computed with the same exact arithmetic the VM uses. */
#include "internal.h"

/* What instruction `opcode` computes from a and b: the same exact arithmetic
 * as the VM, false on overflow, division by zero or a date out of range. */
static bool fold_instr(unsigned opcode, int64_t a, int64_t b, yb_rounding mode, int64_t *out)
{
    switch (opcode) {
    case YB_OP_ADD: return !__builtin_add_overflow(a, b, out);
    case YB_OP_SUB: return !__builtin_sub_overflow(a, b, out);
    case YB_OP_MULI: return !__builtin_mul_overflow(a, b, out);
    case YB_OP_MULR: return yb_money_mul_rate(a, b, mode, out);
    case YB_OP_MULRR: return yb_rate_mul(a, b, mode, out);
    case YB_OP_DIVR: return yb_money_div_rate(a, b, mode, out);
    case YB_OP_RATIO: return yb_money_ratio(a, b, mode, out);
    case YB_OP_DIVI: return yb_div_int(a, b, mode, out);
    case YB_OP_DADD: return yb_date_add(a, b, out);
    case YB_OP_DSUB: return yb_date_add(a, yb_duration_make(-yb_duration_months(b), -yb_duration_days(b)), out);
    case YB_OP_DDIFF: *out = a - b; return true;
    case YB_OP_DURADD:
        *out = yb_duration_make(yb_duration_months(a) + yb_duration_months(b), yb_duration_days(a) + yb_duration_days(b));
        return true;
    case YB_OP_EQ: *out = a == b; return true;
    case YB_OP_NE: *out = a != b; return true;
    case YB_OP_LT: *out = a < b; return true;
    case YB_OP_LE: *out = a <= b; return true;
    }
    return false;
}

static bool fold_binary(yb_expr *e, int64_t a, int64_t b, int64_t *out)
{
    const yb_arith_rule *ar = yb_arith_find(e->op, e->a->type.kind, e->b->type.kind);
    if (ar) return ar->swap ? fold_instr(ar->opcode, b, a, (yb_rounding)e->ival, out)
                            : fold_instr(ar->opcode, a, b, (yb_rounding)e->ival, out);
    const yb_compare_rule *cr = yb_compare_find(e->op);
    if (cr) return cr->swap ? fold_instr(cr->opcode, b, a, 0, out) : fold_instr(cr->opcode, a, b, 0, out);
    if (e->op == OP_AND) return (*out = a && b, true);
    if (e->op == OP_OR) return (*out = a || b, true);
    return false;
}

void yb_fold(yb_compiler *c, yb_expr *e)
{
    if (!e) return;
    switch (e->kind) {
    case E_UNARY:
        yb_fold(c, e->a);
        if (e->a->constant) {
            if (e->op == OP_NOT) e->ival = !e->a->ival;
            else if (e->a->type.kind == YB_T_DURATION)
                e->ival = yb_duration_make(-yb_duration_months(e->a->ival), -yb_duration_days(e->a->ival));
            else if (e->a->ival == INT64_MIN) return;
            else e->ival = -e->a->ival;
            e->constant = true;
        }
        break;
    case E_BINARY:
        yb_fold(c, e->a);
        yb_fold(c, e->b);
        if (e->a->type.kind == YB_T_TEXT) return;
        /* `false and x`, `true or x` need only their left side */
        if (e->op == OP_AND && e->a->constant && !e->a->ival) { e->constant = true; e->ival = 0; return; }
        if (e->op == OP_OR && e->a->constant && e->a->ival) { e->constant = true; e->ival = 1; return; }
        if (e->a->constant && e->b->constant) {
            int64_t v;
            if (fold_binary(e, e->a->ival, e->b->ival, &v)) {
                e->constant = true;
                e->ival = v;
            } else if (e->type.kind == YB_T_DATE) { /* yb_date_add keeps dates within YB_DATE_MIN..YB_DATE_MAX */
                yb_error(c->diag, e->loc, "this date falls outside 0001-01-01 to 9999-12-31");
            } else {
                yb_error(c->diag, e->loc, "this constant expression overflows or divides by zero");
            }
        }
        break;
    case E_IF:
        yb_fold(c, e->c);
        yb_fold(c, e->a);
        yb_fold(c, e->b);
        if (e->c->constant) {
            yb_expr *pick = e->c->ival ? e->a : e->b;
            if (pick->constant) { e->constant = true; e->ival = pick->ival; }
        }
        break;
    case E_DURATION:
        yb_fold(c, e->a);
        if (e->a->constant) {
            int64_t n = e->a->ival;
            if (n < -120000 || n > 120000) { yb_error(c->diag, e->loc, "duration out of range"); return; }
            e->ival = e->op == UNIT_DAYS ? yb_duration_make(0, (int32_t)n)
                    : e->op == UNIT_YEARS ? yb_duration_make((int32_t)(n * 12), 0)
                    : yb_duration_make((int32_t)n, 0);
            e->constant = true;
        }
        break;
    case E_CALL:
        for (int i = 0; i < e->args.n; i++) yb_fold(c, e->args.items[i]);
        break;
    case E_IN:
        yb_fold(c, e->a);
        for (int i = 0; i < e->args.n; i++) yb_fold(c, e->args.items[i]);
        break;
    case E_FIELD:
    case E_NAME:
        break;
    case E_INDEX:
        for (int i = 0; i < e->args.n; i++) yb_fold(c, e->args.items[i]);
        break;
    case E_PART:
    case E_ISNEW:
        yb_fold(c, e->a);
        break;
    case E_AGG:
        yb_fold(c, e->a);
        yb_fold(c, e->c);
        break;
    case E_TIERED:
        yb_fold(c, e->a);
        yb_fold(c, e->b);
        break;
    default:
        break;
    }
}
