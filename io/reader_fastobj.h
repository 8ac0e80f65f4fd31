/* The body of the fast path's object reader (json_fastpath.c), included
 * there twice: as ybj_fast_object, which reads one object, and as fast_list,
 * which reads a list's elements -- each element with this same code inline,
 * so an element costs no call, and the jumps between an item's keys are
 * jumps of their own, which learn the order of an item's keys unmixed with
 * the member's or the visit's.  Before including it, define YBO_LIST (0 or 1).
 * Private to json_fastpath.c: it uses that file's scanners and readers.
 */
#if YBO_LIST
/* p at '[': the elements of list field list_key. */
YBR_NOINLINE static const char *fast_list(ybj_parse *P, const char *p, const ybr_fkey *list_key, int depth)
#else
/* p at '{': the object of container ci, as parse_object would read it (with
 * a claim that started from the image); NULL: leave it to parse_object. */
const char *ybj_fast_object(ybj_parse *P, const char *p, ybr_cinfo *ci, int64_t *slots, uint8_t *present, int depth)
#endif
{
    uint64_t seen, nulls; /* keys met; those with null */
    ybr_fkey *prev, *fk;
    int64_t v;
#if YBO_LIST
    const ybr_fkey *lk = list_key;
    int32_t li = lk->slot;
    ybr_cinfo *ci = lk->sub;
    size_t ns = (size_t)P->r->s->lists[li].elem_nslots;
    int64_t *slots;
    uint8_t *present;
    if (depth + 2 > YBR_MAX_DEPTH || ci->count > 64) return NULL;
    depth += 2; /* the elements' */
    p++;
    if (*p == ']') return p + 1;
element:
    if (*p != '{') return NULL;
    {
        yb_list_data *L = &P->c->lists[li];
        int32_t e;
        if (L->count < L->cap) e = L->count++;
        else if ((e = yb_claim_add_element(P->c, li)) < 0) return NULL;
        size_t at = (size_t)e * ns;
        slots = L->slots + at;
        present = L->present + at;
        if (ns <= 8 && at + 8 <= (size_t)L->cap * ns) {
            /* a few slots, and room for 8 (the image is padded): no calls */
            memcpy(slots, P->r->elem_img_slots[li], 8 * sizeof *slots);
            memcpy(present, P->r->elem_img_present[li], 8);
        } else {
            memcpy(slots, P->r->elem_img_slots[li], ns * sizeof *slots);
            memcpy(present, P->r->elem_img_present[li], ns);
        }
    }
#else
    if (ci->count > 64) return NULL;
#endif
    seen = 0;
    nulls = 0;
    prev = NULL;
    fk = ci->hint;
    p++;
    if (*p == '}') goto end;
#ifdef YBR_THREADED
    static const void *const at_op[] = {&&op_stop, &&op_text, &&op_date, &&op_money, &&op_int,
                                        &&op_bool, &&op_enum, &&op_record, &&op_list};
#define DISPATCH() goto *at_op[fk->op]
#else
#define DISPATCH() goto dispatch
#endif
/* p at a key: the predicted one (fk) or another; then its value's reader */
#define KEY()                                \
    do {                                     \
        if (!key_is(p, fk)) goto other_key;  \
        p += fk->len;                        \
        if (seen & fk->bit) return NULL;     \
        seen |= fk->bit;                     \
        prev = fk;                           \
        DISPATCH();                          \
    } while (0)
/* after a value: the next key, or the object's end */
#define NEXT_KEY()           \
    do {                     \
        fk = fk->next;       \
        if (*p == ',') {     \
            p++;             \
            KEY();           \
        }                    \
        if (*p == '}') goto end; \
        return NULL;         \
    } while (0)
#define STORE_NEXT()             \
    do {                         \
        slots[fk->slot] = v;     \
        present[fk->slot] = 1;   \
        NEXT_KEY();              \
    } while (0)

    KEY();

other_key:
    p = fast_key(P, p, ci, prev, &fk);
    if (!p) return NULL;
    if (!fk) { /* not in the schema: skipped */
        if (P->r->strict) return NULL; /* --strict: the general parser words the error */
        p += *p == ' ';
        p = fast_skip(P, p, depth + 1);
        if (!p) return NULL;
        fk = prev ? prev->next : ci->hint; /* still the guess for the next key */
        if (*p == ',') {
            p++;
            KEY();
        }
        if (*p == '}') goto end;
        return NULL;
    }
    if (seen & fk->bit) return NULL; /* a second time */
    seen |= fk->bit;
    prev = fk;
    DISPATCH();

#ifndef YBR_THREADED
dispatch:
    switch (fk->op) {
    case YBR_OP_TEXT: goto op_text;
    case YBR_OP_DATE: goto op_date;
    case YBR_OP_MONEY: goto op_money;
    case YBR_OP_INT: goto op_int;
    case YBR_OP_BOOL: goto op_bool;
    case YBR_OP_ENUM: goto op_enum;
    case YBR_OP_RECORD: goto op_record;
    case YBR_OP_LIST: goto op_list;
    default: goto op_stop;
    }
#endif

op_text:
    if (*p != '"') goto other;
    if (!(p = fast_text(P, p, &v))) return NULL;
    STORE_NEXT();
op_date:
    if (*p != '"') goto other;
    if (p[11] != '"' || !fast_date10(P->r, p + 1, &v)) return NULL;
    p += 12;
    STORE_NEXT();
op_money: {
    const char *q;
    if (*p == '"') q = fast_money(p + 1, 1, &v);
    else if ((unsigned)(unsigned char)*p - '0' <= 9) q = fast_money(p, 0, &v);
    else goto other;
    if (!q && !(q = fast_money_slow(P, p, &v))) return NULL;
    p = q;
    STORE_NEXT();
}
op_int:
    if ((unsigned)(unsigned char)*p - '0' > 9) goto other;
    if (!(p = fast_int(p, 0, &v)) || v > YBR_MAX_COUNT) return NULL;
    STORE_NEXT();
op_bool:
    if (*p == 't' && p[1] == 'r' && p[2] == 'u' && p[3] == 'e') {
        v = 1;
        p += 4;
    } else if (*p == 'f' && p[1] == 'a' && p[2] == 'l' && p[3] == 's' && p[4] == 'e') {
        v = 0;
        p += 5;
    } else {
        goto other;
    }
    STORE_NEXT();
op_enum: {
    const ybr_fenum *fe = &P->r->fenum[fk->aux];
    const char *q = NULL;
    if (*p == '"') {
        int32_t k = enum_fast(fe, p + 1, &q);
        if (k >= 0) v = k;
        else q = NULL;
    } else if (*p == '-' || (unsigned)(unsigned char)*p - '0' <= 9) { /* a code */
        int64_t code;
        if ((q = fast_int(p, 1, &code)) && (uint64_t)code < 64 && fe->code[code]) v = fe->code[code] - 1;
        else q = NULL;
    } else {
        goto other;
    }
    if (!q && !(q = fast_enum_slow(P, p, fk, &v))) return NULL;
    p = q;
    STORE_NEXT();
}
op_record:
    if (*p != '{') goto other;
    if (depth + 1 > YBR_MAX_DEPTH) return NULL;
    if (!(p = ybj_fast_object(P, p, fk->sub, slots, present, depth + 1))) return NULL;
    v = 1;
    STORE_NEXT();
op_list:
    if (*p != '[') goto other;
    if (!(p = fast_list(P, p, fk, depth))) return NULL;
    NEXT_KEY();
op_stop: /* the dummy key, or a kind read the general way only */
    return NULL;
other:
    if (*p == ' ' && p[-1] == ':') { /* ": " */
        p++;
        DISPATCH();
    }
    if (*p == 'n' && p[1] == 'u' && p[2] == 'l' && p[3] == 'l') { /* null: absent */
        nulls |= fk->bit;
        p += 4;
        NEXT_KEY();
    }
    return NULL;
#undef STORE_NEXT
#undef NEXT_KEY
#undef KEY
#undef DISPATCH

end: { /* absent children: settled in the image already, unless required */
    uint64_t given = seen & ~nulls;
    if (ci->req & ~given) return NULL;
    for (uint64_t lists = ci->lists & given; lists; lists &= lists - 1) {
        const yb_field *f = &P->r->s->fields[ci->first + __builtin_ctzll(lists)];
        if (P->c->lists[f->slot].count < f->min_items) return NULL;
    }
#if YBO_LIST
    p++;
    if (*p == ',') { /* the next element */
        p++;
        p += *p == ' ';
        goto element;
    }
    if (*p == ']') return p + 1;
    return NULL;
#else
    return p + 1;
#endif
}
}
