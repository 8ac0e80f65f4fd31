/* Constant folding: an expression whose operands are all constants becomes a
 * constant, computed with the same exact arithmetic the VM uses. */
#include "internal.h"

static bool fold_binary(yb_expr *e, int64_t a, int64_t b, int64_t *out)
{
    const yb_arith_rule *ar = yb_arith_find(e->op, e->a->type.kind, e->b->type.kind);
    if (ar) return ar->swap ? yb_arith_apply(ar->opcode, b, a, (yb_rounding)e->ival, out)
                            : yb_arith_apply(ar->opcode, a, b, (yb_rounding)e->ival, out);
    const yb_compare_rule *cr = yb_compare_find(e->op);
    if (cr) return cr->swap ? yb_arith_apply(cr->opcode, b, a, 0, out) : yb_arith_apply(cr->opcode, a, b, 0, out);
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
