/* Coverage counts (vm.h, yb_vm_counts): what each parameter read of a claim
 * used — the cell of the version in force, the band or range a lookup found,
 * the bands a tiered amount reached.  Only a VM handed counts runs this. */
#include "vm.h"

void yb_vm_count_into(yb_vm *vm, yb_vm_counts *c) { vm->counts = c; }

/* The epoch whose frame the claim reads (a handful: scanned). */
static int epoch_now(const yb_vm *vm)
{
    for (int e = 0; e < vm->p->nepochs; e++)
        if (vm->p->epoch_cells[e] == vm->frame) return e;
    return -1;
}

static void count_bands(yb_vm *vm, const yb_dinstr *ip, const yb_param *pp, int64_t set)
{
    const yb_program *p = vm->p;
    const int64_t *R = vm->regs;
    const yb_band_set *bs = &p->bandsets[set];
    uint64_t *hits = vm->counts->bands[set];
    if (ip->op != YB_OP_TIERED) {
        int b = yb_vm_find_band(vm, pp, bs, R[ip->c]);
        if (b >= 0) hits[b]++;
        return;
    }
    int64_t before = R[ip->c], after;
    if (__builtin_add_overflow(before, R[ip->b], &after)) return;
    for (int b = 0; b < bs->n; b++) hits[b] += yb_band_part(&bs->bands[b], before, after) != 0;
}

void yb_vm_count(yb_vm *vm, const yb_dinstr *ip)
{
    const yb_program *p = vm->p;
    unsigned pi = ip->op == YB_OP_TIERED ? ip->d : ip->b;
    int e = epoch_now(vm);
    if (e < 0 || !vm->defined[pi]) return; /* not in force: the instruction makes the claim a record error */
    const yb_param *pp = &p->params[pi];
    int64_t idx = ip->op == YB_OP_PARAMX ? vm->regs[ip->c] : 0;
    if (idx < 0 || idx >= pp->size) return;
    size_t at = (size_t)e * (size_t)p->frame_size + (size_t)p->param_base[pi] + (size_t)idx;
    vm->counts->cells[at]++;
    if (ip->op != YB_OP_PARAM && ip->op != YB_OP_PARAMX) count_bands(vm, ip, pp, vm->frame[p->param_base[pi]]);
}
