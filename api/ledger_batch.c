/* A batch whose running totals live in the durable ledger (store/): each
 * claim is one transaction of the ledger, as `yibao serve --ledger` needs it.
 *
 * Per claim: the ledger batch begins (the policy's states checked, the
 * claim-id and duplicate-check filters read), the claim id is admitted or
 * refused as already settled, the VM settles from the totals the ledger
 * gives on first touch, and the claim's changes, id and records are committed
 * before the call returns.  Then the VM forgets every total it loaded: the
 * next claim reads its members' totals from the ledger again, so a monthly
 * `yibao run --ledger` writing the same ledger between two claims is never
 * missed (no stale totals, no duplicate unseen). */
#include <string.h>

#include "api_internal.h"
#include "ledger_store.h"

/* Drops the totals the VM holds (they are in the ledger now, or were never
 * kept).  The fingerprint sets are the store's business: it makes them anew
 * at each begin. */
static bool forget_totals(yb_vm *vm)
{
    const yb_program *p = vm->p;
    for (int s = 0; s < p->nstates; s++) {
        if (vm->recsets[s]) continue;
        yb_ledger *fresh = yb_ledger_new(p->states[s].nfields);
        if (!fresh) return false;
        yb_ledger_free(vm->ledgers[s]);
        vm->ledgers[s] = fresh;
    }
    yb_vm_share_keys(vm);
    return true;
}

/* The store's message: a policy that does not fit the ledger, or a ledger that failed. */
static yibao_status begin_failed(const char *msg, yibao_error *err)
{
    yibao_status code = strstr(msg, "do not match the ledger's") ? YIBAO_E_SCHEMA : YIBAO_E_LEDGER;
    return api_fail(err, code, "%s", msg);
}

yibao_status api_ledger_admit(api_batch *b, yibao_error *err)
{
    char msg[2048];
    if (!yb_store_next(b->store, b->vm, msg, sizeof msg)) return begin_failed(msg, err);
    int a = yb_store_admit(b->store, b->claim, msg, sizeof msg);
    if (a == 0) return YIBAO_OK;
    if (a > 0) yb_store_abandon(b->store); /* nothing ran: the filters stay for the next claim */
    else yb_store_rollback(b->store);
    if (!forget_totals(b->vm)) return api_fail(err, YIBAO_E_NOMEM, "out of memory");
    return api_fail(err, a > 0 ? YIBAO_E_DUPLICATE : YIBAO_E_LEDGER, "%s", msg);
}

yibao_status api_ledger_finish(api_batch *b, bool settled, yibao_error *err)
{
    char msg[1200];
    yibao_status st = YIBAO_OK;
    if (!settled) {
        yb_store_rollback(b->store);
    } else if (!yb_store_settled(b->store, b->claim, msg, sizeof msg) ||
               !yb_store_commit(b->store, msg, sizeof msg)) {
        yb_store_rollback(b->store);
        st = api_fail(err, YIBAO_E_LEDGER, "%s; the claim was not settled", msg);
    }
    if (!forget_totals(b->vm) && !st) st = api_fail(err, YIBAO_E_NOMEM, "out of memory");
    return st;
}

void api_ledger_close(api_batch *b)
{
    yb_store_close(b->store);
    b->store = NULL;
}

yibao_status api_ledger_refuse_totals(const api_batch *b, const char *call, yibao_error *err)
{
    if (!b->store) return YIBAO_OK;
    return api_fail(err, YIBAO_E_ARGUMENT,
                    "%s: this batch's running totals live in its ledger, not in memory "
                    "(`yibao ledger export` reads them)", call);
}

yibao_status yibao_batch_open_ledger(yibao_env *env, yibao_policy ph, unsigned flags, const char *ledger,
                                     yibao_batch *out, yibao_error *err)
{
    if (!ledger || !ledger[0]) return api_fail(err, YIBAO_E_ARGUMENT, "yibao_batch_open_ledger: the ledger is required");
    yibao_status st = yibao_batch_open(env, ph, flags & ~(unsigned)YIBAO_BATCH_MIGRATE, out, err);
    if (st) return st;
    api_batch *b;
    if ((st = api_batch_enter(env, *out, &b, err)) != YIBAO_OK) return st;
    char msg[2048];
    yb_store *store = yb_store_open(ledger, true, msg, sizeof msg);
    if (!store) {
        st = api_fail(err, YIBAO_E_LEDGER, "%s", msg);
    } else if (!yb_store_begin(store, b->vm, (flags & YIBAO_BATCH_MIGRATE) != 0, msg, sizeof msg)) {
        st = begin_failed(msg, err);
    } else if (!yb_store_commit(store, msg, sizeof msg)) { /* a migration is kept; else nothing to keep */
        st = api_fail(err, YIBAO_E_LEDGER, "%s", msg);
    } else if (!forget_totals(b->vm)) {
        st = api_fail(err, YIBAO_E_NOMEM, "out of memory");
    }
    if (!st) b->store = store;
    else yb_store_close(store);
    api_batch_leave(env, *out);
    if (st) {
        yibao_batch_close(env, *out);
        out->id = 0;
        return st;
    }
    return api_ok(err);
}
