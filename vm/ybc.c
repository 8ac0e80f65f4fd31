/* The .ybc file: a compiled policy that a bureau can run without its source.
 *
 *   magic      8 bytes  "\x89YBC\r\n\x1a\n" (catches text-mode transfers)
 *   version    u32      YBC_VERSION
 *   flags      u32      0
 *   length     u64      bytes of the body that follows
 *   checksum   u64      FNV-1a 64 of the body
 *   body       sections: tag u32 (four letters), length u32, payload
 *
 * Integers are little-endian; strings are u32 length + bytes.  The reader
 * trusts nothing: every count is checked against the bytes that remain, and
 * the program it builds still has to pass yb_verify() before it runs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "program.h"
#include "route_plan.h"

static const unsigned char MAGIC[8] = {0x89, 'Y', 'B', 'C', '\r', '\n', 0x1a, '\n'};

#define TAG(a, b, c, d) ((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)
enum {
    T_META = TAG('M', 'E', 'T', 'A'), T_SCHM = TAG('S', 'C', 'H', 'M'), T_OUTS = TAG('O', 'U', 'T', 'S'),
    T_CONS = TAG('C', 'O', 'N', 'S'), T_PARM = TAG('P', 'A', 'R', 'M'), T_STAT = TAG('S', 'T', 'A', 'T'),
    T_RULE = TAG('R', 'U', 'L', 'E'), T_NATV = TAG('N', 'A', 'T', 'V'), T_CODE = TAG('C', 'O', 'D', 'E'), T_LINE = TAG('L', 'I', 'N', 'E'),
    T_ROUT = TAG('R', 'O', 'U', 'T'),
};

static uint64_t fnv1a(const unsigned char *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

/* ---------------------------------------------------------------- writing */

typedef struct wbuf {
    unsigned char *p;
    size_t n, cap;
} wbuf;

static void put(wbuf *w, const void *src, size_t n)
{
    if (w->n + n > w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 4096;
        while (cap < w->n + n) cap *= 2;
        w->p = realloc(w->p, cap);
        w->cap = cap;
    }
    memcpy(w->p + w->n, src, n);
    w->n += n;
}
static void u8(wbuf *w, uint8_t v) { put(w, &v, 1); }
static void u16(wbuf *w, uint16_t v) { uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)}; put(w, b, 2); }
static void u32(wbuf *w, uint32_t v)
{
    uint8_t b[4];
    for (int i = 0; i < 4; i++) b[i] = (uint8_t)(v >> (8 * i));
    put(w, b, 4);
}
static void u64(wbuf *w, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)(v >> (8 * i));
    put(w, b, 8);
}
static void i64(wbuf *w, int64_t v) { u64(w, (uint64_t)v); }
static void str(wbuf *w, const char *s)
{
    if (!s) { u32(w, 0xffffffffu); return; }
    uint32_t n = (uint32_t)strlen(s);
    u32(w, n);
    put(w, s, n);
}

static size_t section_begin(wbuf *w, uint32_t tag)
{
    u32(w, tag);
    u32(w, 0);
    return w->n;
}
static void section_end(wbuf *w, size_t start)
{
    uint32_t len = (uint32_t)(w->n - start);
    for (int i = 0; i < 4; i++) w->p[start - 4 + (size_t)i] = (uint8_t)(len >> (8 * i));
}

/* Text with values (read_pieces reads it back). */
static void put_pieces(wbuf *w, const yb_text_piece *pc, int n)
{
    u32(w, (uint32_t)n);
    for (int k = 0; k < n; k++) { str(w, pc[k].text); i64(w, pc[k].reg); u16(w, pc[k].enum_id); }
}

/* `yibao run --jobs` routing (route_plan.h): i32 route_field, u8 1 if a plan
 * follows; the plan: u32 nregs, nregs bytes of reg_class; u32 nids, nids x
 * i32; str why; u32 nsets, per set i32 state, field, cond, value; u32
 * nnodes, per node u8 kind, u8 mode, u16 opcode, i32 a, b, c, i64 k. */
static void put_route(wbuf *w, const yb_program *p)
{
    const yb_route_plan *rp = p->route_plan;
    u32(w, (uint32_t)p->route_field);
    u8(w, rp != NULL);
    if (!rp) return;
    u32(w, (uint32_t)rp->nregs);
    put(w, rp->reg_class, (size_t)rp->nregs);
    u32(w, (uint32_t)rp->nids);
    for (int i = 0; i < rp->nids; i++) u32(w, (uint32_t)rp->ids[i]);
    str(w, rp->why);
    u32(w, (uint32_t)rp->nsets);
    for (int i = 0; i < rp->nsets; i++) {
        const yb_rp_set *st = &rp->sets[i];
        u32(w, (uint32_t)st->state); u32(w, (uint32_t)st->field); u32(w, (uint32_t)st->cond); u32(w, (uint32_t)st->value);
    }
    u32(w, (uint32_t)rp->nnodes);
    for (int i = 0; i < rp->nnodes; i++) {
        const yb_rp_node *x = &rp->nodes[i];
        u8(w, x->kind); u8(w, x->mode); u16(w, x->opcode);
        u32(w, (uint32_t)x->a); u32(w, (uint32_t)x->b); u32(w, (uint32_t)x->c); i64(w, x->k);
    }
}

static void write_body(const yb_program *p, wbuf *w)
{
    size_t s = section_begin(w, T_META);
    str(w, p->name); str(w, p->version); str(w, p->source); i64(w, p->effective);
    u32(w, (uint32_t)p->nfiles);
    for (int i = 0; i < p->nfiles; i++) str(w, p->files[i]);
    section_end(w, s);

    const yb_schema *sc = &p->schema;
    s = section_begin(w, T_SCHM);
    u32(w, (uint32_t)sc->nenums);
    for (int i = 0; i < sc->nenums; i++) {
        str(w, sc->enums[i].name);
        u32(w, (uint32_t)sc->enums[i].n);
        u8(w, sc->enums[i].codes != NULL);
        for (int m = 0; m < sc->enums[i].n; m++) {
            str(w, sc->enums[i].names[m]);
            if (sc->enums[i].codes) i64(w, sc->enums[i].codes[m]);
        }
        u32(w, (uint32_t)sc->enums[i].ntexts);
        for (int k = 0; k < sc->enums[i].ntexts; k++) { str(w, sc->enums[i].texts[k]); i64(w, sc->enums[i].texts_member[k]); }
    }
    u32(w, (uint32_t)sc->nfields);
    for (int i = 0; i < sc->nfields; i++) {
        const yb_field *f = &sc->fields[i];
        str(w, f->name); u8(w, f->kind); u8(w, f->flags); u16(w, f->enum_id);
        i64(w, f->slot); i64(w, f->first); i64(w, f->count); i64(w, f->min_items); i64(w, f->dflt);
        str(w, f->elem_name);
    }
    u32(w, (uint32_t)sc->root_first); u32(w, (uint32_t)sc->root_count); u32(w, (uint32_t)sc->nslots);
    u32(w, (uint32_t)sc->nlists);
    for (int i = 0; i < sc->nlists; i++) { u32(w, (uint32_t)sc->lists[i].field); u32(w, (uint32_t)sc->lists[i].elem_nslots); }
    section_end(w, s);

    s = section_begin(w, T_OUTS);
    u32(w, (uint32_t)p->nouts);
    for (int i = 0; i < p->nouts; i++) { str(w, p->outs[i].name); u8(w, p->outs[i].kind); u16(w, p->outs[i].enum_id); }
    section_end(w, s);

    s = section_begin(w, T_CONS);
    u32(w, (uint32_t)p->nconsts);
    for (int i = 0; i < p->nconsts; i++) { i64(w, p->consts[i]); u8(w, p->const_kinds[i]); }
    u32(w, p->pool_len);
    put(w, p->pool, p->pool_len);
    section_end(w, s);

    s = section_begin(w, T_PARM);
    u32(w, (uint32_t)p->nparams);
    for (int i = 0; i < p->nparams; i++) {
        const yb_param *pp = &p->params[i];
        str(w, pp->name); u8(w, pp->kind); u8(w, pp->range_key); u16(w, pp->enum_id); u32(w, (uint32_t)pp->size); u32(w, (uint32_t)pp->nversions);
        for (int v = 0; v < pp->nversions; v++) {
            i64(w, pp->versions[v].from);
            for (int c = 0; c < pp->size; c++) i64(w, pp->versions[v].cells[c]);
        }
    }
    u32(w, (uint32_t)p->nbandsets);
    for (int i = 0; i < p->nbandsets; i++) {
        u32(w, (uint32_t)p->bandsets[i].n);
        for (int b = 0; b < p->bandsets[i].n; b++) {
            i64(w, p->bandsets[i].bands[b].from); i64(w, p->bandsets[i].bands[b].to); i64(w, p->bandsets[i].bands[b].rate);
        }
    }
    section_end(w, s);

    s = section_begin(w, T_STAT);
    u32(w, (uint32_t)p->nstates);
    for (int i = 0; i < p->nstates; i++) {
        const yb_state_desc *sd = &p->states[i];
        str(w, sd->name); u8(w, sd->report); u32(w, (uint32_t)sd->nkeys);
        for (int k = 0; k < sd->nkeys; k++) { u8(w, sd->key_kinds[k]); u16(w, sd->key_enums[k]); }
        u32(w, (uint32_t)sd->nfields); u32(w, (uint32_t)sd->first_reg);
        for (int f = 0; f < sd->nfields; f++) str(w, sd->field_names[f]);
    }
    section_end(w, s);

    s = section_begin(w, T_RULE);
    u32(w, (uint32_t)p->nreasons);
    for (int i = 0; i < p->nreasons; i++) str(w, p->reasons[i]);
    u32(w, (uint32_t)p->nalerts);
    for (int i = 0; i < p->nalerts; i++) {
        str(w, p->alerts[i].id); u8(w, p->alerts[i].severity); str(w, p->alerts[i].message);
        put_pieces(w, p->alerts[i].pieces, p->alerts[i].npieces);
    }
    u32(w, (uint32_t)p->nrejects);
    for (int i = 0; i < p->nrejects; i++) {
        i64(w, p->rejects[i].field); str(w, p->rejects[i].path); str(w, p->rejects[i].message);
        put_pieces(w, p->rejects[i].pieces, p->rejects[i].npieces);
    }
    u32(w, (uint32_t)p->nblocks);
    for (int i = 0; i < p->nblocks; i++) {
        str(w, p->blocks[i].name); str(w, p->blocks[i].text); i64(w, p->blocks[i].rule); i64(w, p->blocks[i].line); u8(w, p->blocks[i].branch); i64(w, p->blocks[i].file);
    }
    u32(w, (uint32_t)p->nexplain);
    for (int i = 0; i < p->nexplain; i++) {
        const yb_explain_value *e = &p->explain[i];
        i64(w, e->block); str(w, e->label); i64(w, e->reg); u8(w, e->kind); u16(w, e->enum_id); i64(w, e->line);
    }
    u32(w, (uint32_t)p->nderived);
    for (int i = 0; i < p->nderived; i++) {
        str(w, p->derived[i].name); i64(w, p->derived[i].list); u8(w, p->derived[i].kind); u16(w, p->derived[i].enum_id);
    }
    u32(w, (uint32_t)p->ninvariants);
    for (int i = 0; i < p->ninvariants; i++) {
        const yb_invariant_desc *v = &p->invariants[i];
        str(w, v->text);
        put_pieces(w, v->pieces, v->npieces);
    }
    section_end(w, s);

    /* native functions: names and signatures only; what binds them is the host's */
    s = section_begin(w, T_NATV);
    u32(w, (uint32_t)p->nnatives);
    for (int i = 0; i < p->nnatives; i++) {
        const yb_native_desc *d = &p->natives[i];
        str(w, d->name); str(w, d->library); u8(w, d->result); u32(w, (uint32_t)d->nparams);
        for (int k = 0; k < d->nparams; k++) u8(w, d->params[k]);
    }
    section_end(w, s);

    s = section_begin(w, T_CODE);
    u32(w, (uint32_t)p->nregs);
    put(w, p->reg_kinds, (size_t)p->nregs);
    u32(w, (uint32_t)p->ncode);
    u32(w, (uint32_t)p->entry);
    for (int i = 0; i < p->ncode; i++) u64(w, p->code[i]);
    u32(w, (uint32_t)p->nloads);
    for (int i = 0; i < p->nloads; i++) { u32(w, (uint32_t)p->loads[i].reg); u32(w, (uint32_t)p->loads[i].field); u32(w, (uint32_t)p->loads[i].slot); }
    section_end(w, s);

    s = section_begin(w, T_LINE);
    for (int i = 0; i < p->ncode; i++) { u32(w, p->lines[i]); u16(w, p->line_files[i]); }
    section_end(w, s);

    s = section_begin(w, T_ROUT);
    put_route(w, p);
    section_end(w, s);
}

bool yb_ybc_write_mem(const yb_program *p, unsigned char **out, size_t *outlen)
{
    wbuf body = {0}, file = {0};
    write_body(p, &body);
    put(&file, MAGIC, 8);
    u32(&file, YBC_VERSION);
    u32(&file, 0);
    u64(&file, body.n);
    u64(&file, fnv1a(body.p, body.n));
    put(&file, body.p, body.n);
    free(body.p);
    *out = file.p;
    *outlen = file.n;
    return true;
}

bool yb_ybc_write(const yb_program *p, const char *path, char *err, size_t errlen)
{
    unsigned char *data;
    size_t len;
    yb_ybc_write_mem(p, &data, &len);
    FILE *f = fopen(path, "wb");
    if (!f) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        free(data);
        return false;
    }
    bool ok = fwrite(data, 1, len, f) == len;
    ok &= fclose(f) == 0;
    free(data);
    if (!ok) snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
    return ok;
}

/* ---------------------------------------------------------------- reading */

bool yb_ybc_signature_ok(const unsigned char *data, size_t len) { return len >= 8 && memcmp(data, MAGIC, 8) == 0; }

typedef struct rbuf {
    const unsigned char *p;
    size_t n, at;
    bool bad;
} rbuf;

static bool need(rbuf *r, size_t n)
{
    if (r->bad || r->n - r->at < n) {
        r->bad = true;
        return false;
    }
    return true;
}
static uint64_t rd(rbuf *r, int bytes)
{
    if (!need(r, (size_t)bytes)) return 0;
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++) v |= (uint64_t)r->p[r->at + (size_t)i] << (8 * i);
    r->at += (size_t)bytes;
    return v;
}
static uint8_t r8(rbuf *r) { return (uint8_t)rd(r, 1); }
static uint16_t r16(rbuf *r) { return (uint16_t)rd(r, 2); }
static uint32_t r32(rbuf *r) { return (uint32_t)rd(r, 4); }
static int64_t ri64(rbuf *r) { return (int64_t)rd(r, 8); }
static int32_t ri32(rbuf *r)
{
    int64_t v = ri64(r);
    if (v < INT32_MIN || v > INT32_MAX) r->bad = true;
    return (int32_t)v;
}
/* A count of items each at least `min` bytes long: must fit what remains. */
static int32_t rcount(rbuf *r, size_t min)
{
    uint32_t n = r32(r);
    if (r->bad || n > 0x7fffffff || (min && (size_t)n > (r->n - r->at) / min)) {
        r->bad = true;
        return 0;
    }
    return (int32_t)n;
}
static char *rstr(rbuf *r)
{
    uint32_t n = r32(r);
    if (n == 0xffffffffu) return NULL;
    if (!need(r, n)) return NULL;
    if (memchr(r->p + r->at, 0, n)) { r->bad = true; return NULL; }
    char *s = malloc((size_t)n + 1);
    memcpy(s, r->p + r->at, n);
    s[n] = 0;
    r->at += n;
    return s;
}
static char *rstr_req(rbuf *r)
{
    char *s = rstr(r);
    if (!s) r->bad = true;
    return s;
}
#define CALLOC(n, what) calloc((size_t)((n) ? (n) : 1), sizeof(what))

static void read_meta(rbuf *r, yb_program *p)
{
    p->name = rstr_req(r); p->version = rstr_req(r); p->source = rstr_req(r); p->effective = ri64(r);
    p->nfiles = rcount(r, 4);
    p->files = CALLOC(p->nfiles, char *);
    for (int i = 0; i < p->nfiles && !r->bad; i++) p->files[i] = rstr_req(r);
}

static void read_schema(rbuf *r, yb_program *p)
{
    yb_schema *s = &p->schema;
    s->nenums = rcount(r, 9);
    s->enums = CALLOC(s->nenums, yb_enum_desc);
    for (int i = 0; i < s->nenums && !r->bad; i++) {
        yb_enum_desc *e = &s->enums[i];
        e->name = rstr_req(r);
        int32_t n = rcount(r, 4);
        bool codes = r8(r);
        e->names = CALLOC(n, char *);
        if (codes) e->codes = CALLOC(n, int64_t);
        e->n = n;
        for (int m = 0; m < n && !r->bad; m++) {
            e->names[m] = rstr_req(r);
            if (codes) e->codes[m] = ri64(r);
        }
        e->ntexts = rcount(r, 12);
        e->texts = CALLOC(e->ntexts, char *);
        e->texts_member = CALLOC(e->ntexts, int32_t);
        for (int k = 0; k < e->ntexts && !r->bad; k++) { e->texts[k] = rstr_req(r); e->texts_member[k] = ri32(r); }
    }
    s->nfields = rcount(r, 48);
    s->fields = CALLOC(s->nfields, yb_field);
    for (int i = 0; i < s->nfields && !r->bad; i++) {
        yb_field *f = &s->fields[i];
        f->name = rstr_req(r); f->kind = r8(r); f->flags = r8(r); f->enum_id = r16(r);
        f->slot = ri32(r); f->first = ri32(r); f->count = ri32(r); f->min_items = ri32(r); f->dflt = ri64(r);
        f->elem_name = rstr(r);
    }
    s->root_first = (int32_t)r32(r); s->root_count = (int32_t)r32(r); s->nslots = (int32_t)r32(r);
    s->nlists = rcount(r, 8);
    s->lists = CALLOC(s->nlists, yb_list_desc);
    for (int i = 0; i < s->nlists && !r->bad; i++) { s->lists[i].field = (int32_t)r32(r); s->lists[i].elem_nslots = (int32_t)r32(r); }
}

static void read_outs(rbuf *r, yb_program *p)
{
    p->nouts = rcount(r, 7);
    p->outs = CALLOC(p->nouts, yb_out_field);
    for (int i = 0; i < p->nouts && !r->bad; i++) { p->outs[i].name = rstr_req(r); p->outs[i].kind = r8(r); p->outs[i].enum_id = r16(r); }
}

static void read_consts(rbuf *r, yb_program *p)
{
    p->nconsts = rcount(r, 9);
    p->consts = CALLOC(p->nconsts, int64_t);
    p->const_kinds = CALLOC(p->nconsts, uint8_t);
    for (int i = 0; i < p->nconsts && !r->bad; i++) { p->consts[i] = ri64(r); p->const_kinds[i] = r8(r); }
    p->pool_len = r32(r);
    if (!need(r, p->pool_len)) return;
    p->pool = malloc((size_t)p->pool_len + 1);
    memcpy(p->pool, r->p + r->at, p->pool_len);
    r->at += p->pool_len;
}

static void read_params(rbuf *r, yb_program *p)
{
    p->nparams = rcount(r, 16);
    p->params = CALLOC(p->nparams, yb_param);
    for (int i = 0; i < p->nparams && !r->bad; i++) {
        yb_param *pp = &p->params[i];
        pp->name = rstr_req(r); pp->kind = r8(r); pp->range_key = r8(r); pp->enum_id = r16(r);
        pp->size = (int32_t)r32(r);
        int32_t nv = rcount(r, 8);
        if (pp->size < 1 || pp->size > 65536) { r->bad = true; break; }
        if ((size_t)nv * (size_t)pp->size * 8 > r->n - r->at) { r->bad = true; break; }
        pp->versions = CALLOC(nv, yb_param_version);
        pp->nversions = nv;
        for (int v = 0; v < nv && !r->bad; v++) {
            pp->versions[v].from = ri64(r);
            pp->versions[v].cells = CALLOC(pp->size, int64_t);
            for (int c = 0; c < pp->size; c++) pp->versions[v].cells[c] = ri64(r);
        }
    }
    p->nbandsets = rcount(r, 4);
    p->bandsets = CALLOC(p->nbandsets, yb_band_set);
    for (int i = 0; i < p->nbandsets && !r->bad; i++) {
        int32_t n = rcount(r, 24);
        p->bandsets[i].bands = CALLOC(n, yb_band);
        p->bandsets[i].n = n;
        for (int b = 0; b < n; b++) {
            p->bandsets[i].bands[b].from = ri64(r); p->bandsets[i].bands[b].to = ri64(r); p->bandsets[i].bands[b].rate = ri64(r);
        }
    }
}

static void read_states(rbuf *r, yb_program *p)
{
    p->nstates = rcount(r, 17);
    p->states = CALLOC(p->nstates, yb_state_desc);
    for (int i = 0; i < p->nstates && !r->bad; i++) {
        yb_state_desc *sd = &p->states[i];
        sd->name = rstr_req(r);
        sd->report = r8(r);
        sd->nkeys = rcount(r, 3);
        sd->key_kinds = CALLOC(sd->nkeys, uint8_t);
        sd->key_enums = CALLOC(sd->nkeys, uint16_t);
        for (int k = 0; k < sd->nkeys; k++) { sd->key_kinds[k] = r8(r); sd->key_enums[k] = r16(r); }
        int32_t nf = rcount(r, 4);
        sd->first_reg = (int32_t)r32(r);
        sd->field_names = CALLOC(nf, char *);
        sd->nfields = nf;
        for (int f = 0; f < nf && !r->bad; f++) sd->field_names[f] = rstr_req(r);
    }
}

/* Text with values (a message, a broken invariant): u32 n, per piece: str text, i64 register, u16 enum_id. */
static yb_text_piece *read_pieces(rbuf *r, int32_t *n)
{
    *n = rcount(r, 14);
    yb_text_piece *pc = CALLOC(*n, yb_text_piece);
    for (int k = 0; k < *n && !r->bad; k++) {
        pc[k].text = rstr_req(r); pc[k].reg = ri32(r); pc[k].enum_id = r16(r);
    }
    return pc;
}

static void read_rules(rbuf *r, yb_program *p)
{
    p->nreasons = rcount(r, 4);
    p->reasons = CALLOC(p->nreasons, char *);
    for (int i = 0; i < p->nreasons && !r->bad; i++) p->reasons[i] = rstr_req(r);
    p->nalerts = rcount(r, 13);
    p->alerts = CALLOC(p->nalerts, yb_alert_desc);
    for (int i = 0; i < p->nalerts && !r->bad; i++) {
        p->alerts[i].id = rstr_req(r); p->alerts[i].severity = r8(r); p->alerts[i].message = rstr_req(r);
        p->alerts[i].pieces = read_pieces(r, &p->alerts[i].npieces);
    }
    p->nrejects = rcount(r, 20);
    p->rejects = CALLOC(p->nrejects, yb_reject_desc);
    for (int i = 0; i < p->nrejects && !r->bad; i++) {
        p->rejects[i].field = ri32(r); p->rejects[i].path = rstr_req(r); p->rejects[i].message = rstr_req(r);
        p->rejects[i].pieces = read_pieces(r, &p->rejects[i].npieces);
    }
    p->nblocks = rcount(r, 33);
    p->blocks = CALLOC(p->nblocks, yb_block_desc);
    for (int i = 0; i < p->nblocks && !r->bad; i++) {
        p->blocks[i].name = rstr_req(r); p->blocks[i].text = rstr(r); p->blocks[i].rule = ri32(r); p->blocks[i].line = ri32(r);
        p->blocks[i].branch = r8(r);
        p->blocks[i].file = ri32(r);
    }
    p->nexplain = rcount(r, 31);
    p->explain = CALLOC(p->nexplain, yb_explain_value);
    for (int i = 0; i < p->nexplain && !r->bad; i++) {
        yb_explain_value *e = &p->explain[i];
        e->block = ri32(r); e->label = rstr_req(r); e->reg = ri32(r); e->kind = r8(r); e->enum_id = r16(r); e->line = ri32(r);
    }
    p->nderived = rcount(r, 15);
    p->derived = CALLOC(p->nderived, yb_derived);
    for (int i = 0; i < p->nderived && !r->bad; i++) {
        p->derived[i].name = rstr_req(r); p->derived[i].list = ri32(r); p->derived[i].kind = r8(r); p->derived[i].enum_id = r16(r);
    }
    p->ninvariants = rcount(r, 8);
    p->invariants = CALLOC(p->ninvariants, yb_invariant_desc);
    for (int i = 0; i < p->ninvariants && !r->bad; i++) {
        yb_invariant_desc *v = &p->invariants[i];
        v->text = rstr_req(r);
        v->pieces = read_pieces(r, &v->npieces);
    }
}

static void read_natives(rbuf *r, yb_program *p)
{
    p->nnatives = rcount(r, 13);
    p->natives = CALLOC(p->nnatives, yb_native_desc);
    for (int i = 0; i < p->nnatives && !r->bad; i++) {
        yb_native_desc *d = &p->natives[i];
        d->name = rstr_req(r); d->library = rstr_req(r); d->result = r8(r);
        uint32_t n = r32(r);
        if (n > YB_NATIVE_MAX_PARAMS) { r->bad = true; break; } /* the verifier says more about the rest */
        d->nparams = (int32_t)n;
        for (uint32_t k = 0; k < n; k++) d->params[k] = r8(r);
    }
}

static void read_code(rbuf *r, yb_program *p)
{
    p->nregs = rcount(r, 1);
    if (!need(r, (size_t)p->nregs)) return;
    p->reg_kinds = CALLOC(p->nregs, uint8_t);
    memcpy(p->reg_kinds, r->p + r->at, (size_t)p->nregs);
    r->at += (size_t)p->nregs;
    p->ncode = rcount(r, 8);
    p->entry = (int32_t)r32(r);
    p->code = CALLOC(p->ncode, yb_instr);
    for (int i = 0; i < p->ncode && !r->bad; i++) p->code[i] = rd(r, 8);
    p->nloads = rcount(r, 12);
    p->loads = CALLOC(p->nloads, yb_field_load);
    for (int i = 0; i < p->nloads && !r->bad; i++) {
        p->loads[i].reg = (int32_t)r32(r); p->loads[i].field = (int32_t)r32(r); p->loads[i].slot = (int32_t)r32(r);
    }
}

static void read_lines(rbuf *r, yb_program *p)
{
    p->lines = CALLOC(p->ncode, uint32_t);
    p->line_files = CALLOC(p->ncode, uint16_t);
    for (int i = 0; i < p->ncode && !r->bad; i++) { p->lines[i] = r32(r); p->line_files[i] = r16(r); }
}

/* The routing (put_route); counts past the plan's arrays are malformed,
 * what the indices name is checked by yb_verify (route_check.c). */
static void read_route(rbuf *r, yb_program *p)
{
    p->route_field = (int32_t)r32(r);
    if (!r8(r) || r->bad) return;
    int32_t nregs = rcount(r, 1);
    if (r->bad) return;
    yb_route_plan *rp = p->route_plan = calloc(1, sizeof *rp + (size_t)nregs + 1);
    if (!rp) { r->bad = true; return; }
    rp->nregs = nregs;
    memcpy(rp->reg_class, r->p + r->at, (size_t)nregs);
    r->at += (size_t)nregs;
    rp->nids = rcount(r, 4);
    if (rp->nids > YB_RP_MAX_IDS) { r->bad = true; return; }
    for (int i = 0; i < rp->nids; i++) rp->ids[i] = (int32_t)r32(r);
    char *why = rstr_req(r);
    if (why && strlen(why) < sizeof rp->why) memcpy(rp->why, why, strlen(why) + 1);
    else r->bad = true;
    free(why);
    rp->nsets = rcount(r, 16);
    if (rp->nsets > YB_RP_MAX_SETS) { r->bad = true; return; }
    for (int i = 0; i < rp->nsets; i++) {
        yb_rp_set *st = &rp->sets[i];
        st->state = (int32_t)r32(r); st->field = (int32_t)r32(r); st->cond = (int32_t)r32(r); st->value = (int32_t)r32(r);
    }
    rp->nnodes = rcount(r, 24);
    if (rp->nnodes > YB_RP_MAX_NODES) { r->bad = true; return; }
    for (int i = 0; i < rp->nnodes; i++) {
        yb_rp_node *x = &rp->nodes[i];
        x->kind = r8(r); x->mode = r8(r); x->opcode = r16(r);
        x->a = (int32_t)r32(r); x->b = (int32_t)r32(r); x->c = (int32_t)r32(r); x->k = ri64(r);
    }
}

yb_program *yb_ybc_read(const unsigned char *data, size_t len, char *err, size_t errlen)
{
    if (len < 32 || !yb_ybc_signature_ok(data, len)) {
        snprintf(err, errlen, "%s", YB_YBC_NOT_SIGNED);
        return NULL;
    }
    rbuf h = {data, len, 8, false};
    uint32_t version = r32(&h);
    r32(&h);
    uint64_t body_len = rd(&h, 8), sum = rd(&h, 8);
    if (version != YBC_VERSION) {
        snprintf(err, errlen, "this .ybc file has format version %u; this yibao reads version %d (recompile the policy)", version, YBC_VERSION);
        return NULL;
    }
    if (body_len != len - 32) {
        snprintf(err, errlen, "the .ybc file is %s: its header says %llu bytes of body, it has %zu",
                 body_len > len - 32 ? "truncated" : "longer than it should be", (unsigned long long)body_len, len - 32);
        return NULL;
    }
    if (fnv1a(data + 32, len - 32) != sum) {
        snprintf(err, errlen, "the .ybc file is corrupt: its checksum does not match (damaged in transfer or edited)");
        return NULL;
    }
    yb_program *p = calloc(1, sizeof *p);
    rbuf r = {data + 32, len - 32, 0, false};
    static const uint32_t order[] = {T_META, T_SCHM, T_OUTS, T_CONS, T_PARM, T_STAT, T_RULE, T_NATV, T_CODE, T_LINE, T_ROUT};
    static const char *const names[] = {"META", "SCHM", "OUTS", "CONS", "PARM", "STAT", "RULE", "NATV (native functions)", "CODE", "LINE",
                                        "ROUT (routing for --jobs)"};
    void (*readers[])(rbuf *, yb_program *) = {read_meta, read_schema, read_outs, read_consts, read_params,
                                               read_states, read_rules, read_natives, read_code, read_lines, read_route};
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
        uint32_t tag = r32(&r), slen = r32(&r);
        if (r.bad || tag != order[k] || slen > r.n - r.at) {
            snprintf(err, errlen, "the .ybc file is malformed: section %zu (%s) is missing or damaged", k + 1, names[k]);
            yb_program_free(p);
            return NULL;
        }
        rbuf sec = {r.p + r.at, slen, 0, false};
        readers[k](&sec, p);
        if (sec.bad || sec.at != sec.n) {
            snprintf(err, errlen, "the .ybc file is malformed: section %zu (%s) does not read cleanly", k + 1, names[k]);
            yb_program_free(p);
            return NULL;
        }
        r.at += slen;
    }
    if (!p->pool) p->pool = calloc(1, 1);
    char why[256];
    if (!yb_program_prepare(p, why, sizeof why) || !yb_verify(p, why, sizeof why)) {
        snprintf(err, errlen, "the .ybc file does not verify: %s", why);
        yb_program_free(p);
        return NULL;
    }
    return p;
}
