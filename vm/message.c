/* Messages with values (`warn TOO_MANY "{count of items} items, more than
 * {max_items}"`): written when the alert is raised, from the registers of
 * that moment, as the settlement writes each value (money with two decimals,
 * rates as percents, dates ISO, enums by name, text as is).
 *
 * No allocation per claim: a VM whose program has such messages gets one
 * buffer when it is made, a slot of YB_MAX_MESSAGE_BYTES (+ NUL) for each
 * alert a claim can raise (at most one per alert id, so no more slots than
 * the program has alerts, and at most YB_MAX_ALERTS); every claim reuses it.
 * A text longer than a slot is cut at the last whole character that fits
 * and ends in "…".  An alert's text lives until the VM settles its next
 * claim. */
#include <stdlib.h>
#include <string.h>

#include "vm.h"

#define SLOT (YB_MAX_MESSAGE_BYTES + 1)

typedef struct tbuf {
    char *p;
    size_t n, cap; /* cap counts the NUL */
    bool full;
} tbuf;

static void tput(tbuf *b, const char *s, size_t n)
{
    if (b->full) return;
    size_t fit = b->cap - 1 - b->n;
    if (n <= fit) {
        memcpy(b->p + b->n, s, n);
        b->n += n;
        return;
    }
    memcpy(b->p + b->n, s, fit);
    b->n += fit;
    /* room for "…" (3 bytes), and no character cut in two before it */
    size_t end = b->cap - 1 - 3;
    while (end > 0 && ((unsigned char)b->p[end] & 0xc0) == 0x80) end--;
    memcpy(b->p + end, "\xe2\x80\xa6", 3);
    b->n = end + 3;
    b->full = true;
}

size_t yb_vm_write_pieces(const yb_vm *vm, const yb_text_piece *pc, int n, char *buf, size_t cap)
{
    const yb_program *p = vm->p;
    tbuf b = {buf, 0, cap, false};
    for (int k = 0; k < n; k++) {
        tput(&b, pc[k].text, strlen(pc[k].text));
        int r = pc[k].reg;
        if (r < 0) continue;
        if (p->reg_kinds[r] == YB_T_TEXT) {
            const char *tp;
            uint32_t tn;
            yb_vm_text(vm, vm->regs[r], &tp, &tn);
            tput(&b, tp, tn);
        } else {
            char val[64];
            int w = yb_format_value(p, p->reg_kinds[r], pc[k].enum_id, vm->regs[r], val, sizeof val);
            if (w > 0) tput(&b, val, (size_t)w < sizeof val ? (size_t)w : sizeof val - 1);
        }
    }
    buf[b.n] = 0;
    return b.n;
}

bool yb_vm_messages_init(yb_vm *vm)
{
    const yb_program *p = vm->p;
    bool any = false;
    for (int i = 0; i < p->nalerts; i++) any |= p->alerts[i].npieces > 0;
    if (!any) return true;
    size_t slots = (size_t)(p->nalerts < YB_MAX_ALERTS ? p->nalerts : YB_MAX_ALERTS);
    vm->atext = malloc(slots * SLOT);
    return vm->atext != NULL;
}

void yb_vm_alert_text(yb_vm *vm, int k)
{
    const yb_alert_desc *a = &vm->p->alerts[vm->alerts[k]];
    vm->alen[k] = (uint16_t)yb_vm_write_pieces(vm, a->pieces, a->npieces, vm->atext + (size_t)k * SLOT, SLOT);
}

void yb_vm_alert_message(const yb_vm *vm, int k, const char **s, uint32_t *n)
{
    const yb_alert_desc *a = &vm->p->alerts[vm->alerts[k]];
    if (!a->npieces) {
        *s = a->message;
        *n = vm->p->alert_text[vm->alerts[k]].message_len;
        return;
    }
    *s = vm->atext + (size_t)k * SLOT;
    *n = vm->alen[k];
}
