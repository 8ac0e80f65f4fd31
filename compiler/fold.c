/* Constant folding: an expression whose operands are all constants becomes a
 * constant, computed with the same exact arithmetic the VM uses. */
#include "internal.h"
#include "parser.tab.h"

static bool fold_binary(yb_compiler *c, yb_expr *e, int64_t a, int64_t b, int64_t *out)
{
    uint8_t ka = e->a->type.kind, kb = e->b->type.kind, k = e->type.kind;
    yb_rounding mode = (yb_rounding)e->ival;
    switch (e->op) {
    case '+':
        if (ka == YB_T_DATE) return yb_date_add(a, b, out);
        if (ka == YB_T_DURATION)
            return (*out = yb_duration_make(yb_duration_months(a) + yb_duration_months(b),
                                            yb_duration_days(a) + yb_duration_days(b)), true);
        return !__builtin_add_overflow(a, b, out);
    case '-':
        if (ka == YB_T_DATE && kb == YB_T_DATE) return (*out = a - b, true);
        if (ka == YB_T_DATE)
            return yb_date_add(a, yb_duration_make(-yb_duration_months(b), -yb_duration_days(b)), out);
        if (ka == YB_T_DURATION)
            return (*out = yb_duration_make(yb_duration_months(a) - yb_duration_months(b),
                                            yb_duration_days(a) - yb_duration_days(b)), true);
        return !__builtin_sub_overflow(a, b, out);
    case '*':
        if (k == YB_T_MONEY && (ka == YB_T_RATE || kb == YB_T_RATE))
            return ka == YB_T_RATE ? yb_money_mul_rate(b, a, mode, out) : yb_money_mul_rate(a, b, mode, out);
        if (ka == YB_T_RATE && kb == YB_T_RATE) return yb_rate_mul(a, b, mode, out);
        return !__builtin_mul_overflow(a, b, out);
    case '/':
        if (ka == YB_T_MONEY && kb == YB_T_RATE) return yb_money_div_rate(a, b, mode, out);
        if (ka == YB_T_MONEY && kb == YB_T_MONEY) return yb_money_ratio(a, b, mode, out);
        return yb_div_int(a, b, mode, out);
    case '=': *out = a == b; return true;
    case NE: *out = a != b; return true;
    case '<': *out = a < b; return true;
    case LE: *out = a <= b; return true;
    case '>': *out = a > b; return true;
    case GE: *out = a >= b; return true;
    case '&': *out = a && b; return true;
    case '|': *out = a || b; return true;
    }
    (void)c;
    return false;
}

void yb_fold(yb_compiler *c, yb_expr *e)
{
    if (!e) return;
    switch (e->kind) {
    case E_UNARY:
        yb_fold(c, e->a);
        if (e->a->constant) {
            if (e->op == '!') e->ival = !e->a->ival;
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
        if (e->op == '&' && e->a->constant && !e->a->ival) { e->constant = true; e->ival = 0; return; }
        if (e->op == '|' && e->a->constant && e->a->ival) { e->constant = true; e->ival = 1; return; }
        if (e->a->constant && e->b->constant) {
            int64_t v;
            if (fold_binary(c, e, e->a->ival, e->b->ival, &v)) {
                e->constant = true;
                e->ival = v;
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
