/* Reading the last settlement of a batch: its JSON line, each output field
 * typed, the reasons, the alerts and the explanation. */
#include <string.h>

#include "api_internal.h"

/* Enter the batch and require a settlement to read. */
static yibao_status enter_settled(yibao_env *env, yibao_batch h, api_batch **b, yibao_error *err)
{
    yibao_status st = api_batch_enter(env, h, b, err);
    if (st) return st;
    if ((*b)->have) return YIBAO_OK;
    api_batch_leave(env, h);
    return api_fail(err, YIBAO_E_ORDER, "no settlement to read: settle a claim first (the last one was refused, or none was given)");
}

#define WITH_SETTLEMENT(out_check)                                                                    \
    if (out_check) return api_fail(err, YIBAO_E_ARGUMENT, "%s: an output pointer is NULL", __func__); \
    api_batch *b;                                                                                     \
    yibao_status st = enter_settled(env, h, &b, err);                                                 \
    if (st) return st;

yibao_status yibao_settlement_json(yibao_env *env, yibao_batch h, const char **json, size_t *len, yibao_error *err)
{
    WITH_SETTLEMENT(!json || !len)
    *json = b->json;
    *len = b->json_len;
    api_batch_leave(env, h);
    return api_ok(err);
}

static yibao_kind kind_of(uint8_t k)
{
    switch (k) {
    case YB_T_MONEY: return YIBAO_MONEY;
    case YB_T_RATE: return YIBAO_RATE;
    case YB_T_DATE: return YIBAO_DATE;
    case YB_T_BOOL: return YIBAO_BOOL;
    case YB_T_TEXT: return YIBAO_TEXT;
    case YB_T_ENUM: return YIBAO_ENUM;
    case YB_T_DURATION: return YIBAO_DURATION;
    case YB_T_STATUS: return YIBAO_STATUS;
    case YB_T_REASONS: return YIBAO_REASONS;
    case YB_T_ALERTS: return YIBAO_ALERTS;
    default: return YIBAO_INT;
    }
}

static void field(const api_batch *b, int i, yibao_field *f)
{
    const yb_vm *vm = b->vm;
    const yb_out_field *o = &vm->p->outs[i];
    memset(f, 0, sizeof *f);
    f->name = o->name;
    f->kind = kind_of(o->kind);
    int64_t v = vm->regs[i];
    switch (o->kind) {
    case YB_T_STATUS:
        f->text = vm->held ? "held" : "settled";
        f->text_len = strlen(f->text);
        snprintf(f->display, sizeof f->display, "%s", f->text);
        return;
    case YB_T_REASONS: f->value = vm->nreasons; break;
    case YB_T_ALERTS: f->value = vm->nalerts; break;
    case YB_T_TEXT: {
        const char *p;
        uint32_t n;
        yb_vm_text(vm, v, &p, &n);
        f->text = p;
        f->text_len = n;
        snprintf(f->display, sizeof f->display, "%.*s", (int)(n < 63 ? n : 63), p);
        return;
    }
    default: f->value = v; break;
    }
    if (o->kind == YB_T_REASONS || o->kind == YB_T_ALERTS) {
        snprintf(f->display, sizeof f->display, "%lld", (long long)f->value);
        return;
    }
    yb_format_value(vm->p, o->kind, o->enum_id, v, f->display, sizeof f->display);
    if (o->kind == YB_T_ENUM) {
        f->text = vm->p->schema.enums[o->enum_id].names[v];
        f->text_len = strlen(f->text);
    }
}

yibao_status yibao_settlement_field_count(yibao_env *env, yibao_batch h, int *n, yibao_error *err)
{
    WITH_SETTLEMENT(!n)
    *n = b->vm->p->nouts;
    api_batch_leave(env, h);
    return api_ok(err);
}

yibao_status yibao_settlement_field(yibao_env *env, yibao_batch h, int i, yibao_field *out, yibao_error *err)
{
    WITH_SETTLEMENT(!out)
    int n = b->vm->p->nouts;
    if (i >= 0 && i < n) field(b, i, out);
    api_batch_leave(env, h);
    if (i < 0 || i >= n) return api_fail(err, YIBAO_E_ARGUMENT, "field %d: the settlement has fields 0 to %d", i, n - 1);
    return api_ok(err);
}

yibao_status yibao_settlement_field_by_name(yibao_env *env, yibao_batch h, const char *name, yibao_field *out,
                                            yibao_error *err)
{
    WITH_SETTLEMENT(!out || !name)
    int n = b->vm->p->nouts, i = 0;
    while (i < n && strcmp(b->vm->p->outs[i].name, name) != 0) i++;
    if (i < n) field(b, i, out);
    api_batch_leave(env, h);
    if (i == n) return api_fail(err, YIBAO_E_ARGUMENT, "the settlement has no field \"%s\"", name);
    return api_ok(err);
}

yibao_status yibao_settlement_held(yibao_env *env, yibao_batch h, int *held, yibao_error *err)
{
    WITH_SETTLEMENT(!held)
    *held = b->vm->held;
    api_batch_leave(env, h);
    return api_ok(err);
}

yibao_status yibao_settlement_reason_count(yibao_env *env, yibao_batch h, int *n, yibao_error *err)
{
    WITH_SETTLEMENT(!n)
    *n = b->vm->nreasons;
    api_batch_leave(env, h);
    return api_ok(err);
}

yibao_status yibao_settlement_reason(yibao_env *env, yibao_batch h, int i, const char **text, yibao_error *err)
{
    WITH_SETTLEMENT(!text)
    int n = b->vm->nreasons;
    if (i >= 0 && i < n) *text = b->vm->p->reasons[b->vm->reasons[i]];
    api_batch_leave(env, h);
    if (i < 0 || i >= n) return api_fail(err, YIBAO_E_ARGUMENT, "reason %d: the settlement has %d", i, n);
    return api_ok(err);
}

yibao_status yibao_settlement_alert_count(yibao_env *env, yibao_batch h, int *n, yibao_error *err)
{
    WITH_SETTLEMENT(!n)
    *n = b->vm->nalerts;
    api_batch_leave(env, h);
    return api_ok(err);
}

yibao_status yibao_settlement_alert(yibao_env *env, yibao_batch h, int i, yibao_alert *out, yibao_error *err)
{
    WITH_SETTLEMENT(!out)
    int n = b->vm->nalerts;
    if (i >= 0 && i < n) {
        const yb_alert_desc *a = &b->vm->p->alerts[b->vm->alerts[i]];
        const char *msg;
        uint32_t len;
        yb_vm_alert_message(b->vm, i, &msg, &len);
        *out = (yibao_alert){a->id, a->severity != 0, msg};
    }
    api_batch_leave(env, h);
    if (i < 0 || i >= n) return api_fail(err, YIBAO_E_ARGUMENT, "alert %d: the settlement has %d", i, n);
    return api_ok(err);
}

yibao_status yibao_settlement_explain(yibao_env *env, yibao_batch h, const char **json, size_t *len, yibao_error *err)
{
    WITH_SETTLEMENT(!json || !len)
    if (!b->explained) {
        yb_vm_explain(b->vm);
        b->explained = true;
    }
    *json = b->vm->xbuf;
    *len = b->vm->xlen;
    api_batch_leave(env, h);
    return api_ok(err);
}
