/* Coverage of a policy by a set of claims (coverage.h).
 *
 * Rules and branches come from the blocks each claim fired (vm->fired).
 * Table rows, parameter versions and band segments come from the counts a
 * counting VM keeps (yb_vm_counts): one per epoch and parameter cell, one per
 * band.  Each count is mapped, once per policy, to the item it exercises: the
 * version in force in that epoch, the row that gave the cell its value there
 * (a row an amendment keeps is the same row in the later version), the band
 * or range, the text key's row. */
#include "coverage.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "policy_diff.h"
#include "report.h"

typedef enum { COV_BLOCK, COV_ROW, COV_VERSION, COV_SEGMENT, COV__KINDS } cov_kind;

/* One thing a claim can exercise: a rule, a branch, a row, a version, a band. */
typedef struct cov_item {
    char *what;  /* "rule 住院", "row [resident, primary] of table inpatient from 2024-01-01" */
    char *where; /* "stdlib-policies/inpatient.yb:12" */
    uint64_t hits;
    cov_kind kind;
} cov_item;

typedef struct cov_policy {
    char *source;
    int nblocks, nparams, nepochs, frame_size, nbandsets; /* the shape its counts have */
    long claims;
    int nitems, cap;
    cov_item *items;      /* the blocks (block 0 too, never reported), then the parameters' */
    yb_vm_counts counts;  /* handed to every VM of this policy */
    int32_t *cell_row;    /* per counted cell: its row item, or -1 */
    int32_t *cell_version; /* per counted cell: its version item, or -1 */
    int32_t *band_off;    /* per band set: its first band in band_item and counts.bands */
    int32_t *band_item;   /* per band: its item */
    uint64_t *band_hits;
} cov_policy;

struct yb_coverage {
    int n;
    cov_policy **pol; /* one allocation each: VMs hold &pol[i]->counts */
};

static const char *const kind_verb[COV__KINDS] = {"", "matched", "used", "reached"};

yb_coverage *yb_coverage_new(void) { return calloc(1, sizeof(yb_coverage)); }

static void free_policy(cov_policy *cp)
{
    if (!cp) return;
    for (int i = 0; i < cp->nitems; i++) {
        free(cp->items[i].what);
        free(cp->items[i].where);
    }
    free(cp->items);
    free(cp->source);
    free(cp->counts.cells);
    free(cp->counts.bands);
    free(cp->cell_row);
    free(cp->cell_version);
    free(cp->band_off);
    free(cp->band_item);
    free(cp->band_hits);
    free(cp);
}

void yb_coverage_free(yb_coverage *c)
{
    if (!c) return;
    for (int i = 0; i < c->n; i++) free_policy(c->pol[i]);
    free(c->pol);
    free(c);
}

/* ------------------------------------------------------------------ items */

static char *vfmt(const char *f, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int len = vsnprintf(NULL, 0, f, ap);
    char *s = len >= 0 ? malloc((size_t)len + 1) : NULL;
    if (s) vsnprintf(s, (size_t)len + 1, f, ap2);
    va_end(ap2);
    return s;
}

static const char *file_of(const yb_program *p, int32_t file)
{
    const char *f = file >= 0 && file < p->nfiles ? p->files[file] : p->source;
    return f ? f : "?";
}

/* A new item (its index, or -1 out of memory); `what` is formatted. */
static int add_item(cov_policy *cp, cov_kind kind, const yb_program *p, yb_srcpos at, const char *what, ...)
    __attribute__((format(printf, 5, 6)));
static int add_item(cov_policy *cp, cov_kind kind, const yb_program *p, yb_srcpos at, const char *what, ...)
{
    if (cp->nitems == cp->cap) {
        int cap = cp->cap ? 2 * cp->cap : 64;
        cov_item *ni = realloc(cp->items, (size_t)cap * sizeof *ni);
        if (!ni) return -1;
        cp->items = ni;
        cp->cap = cap;
    }
    cov_item *it = &cp->items[cp->nitems];
    va_list ap;
    va_start(ap, what);
    it->what = vfmt(what, ap);
    va_end(ap);
    int len = snprintf(NULL, 0, "%s:%d", file_of(p, at.file), at.line);
    it->where = malloc((size_t)len + 1);
    if (it->where) {
        if (at.line > 0) snprintf(it->where, (size_t)len + 1, "%s:%d", file_of(p, at.file), at.line);
        else snprintf(it->where, (size_t)len + 1, "%s", file_of(p, at.file));
    }
    it->hits = 0;
    it->kind = kind;
    if (!it->what || !it->where) {
        free(it->what);
        free(it->where);
        return -1;
    }
    return cp->nitems++;
}

/* The policy's blocks as items (block 0 is the policy's entry, not a rule). */
static bool add_blocks(cov_policy *cp, const yb_program *p)
{
    for (int b = 0; b < p->nblocks; b++) {
        const yb_block_desc *bd = &p->blocks[b];
        const char *kind = bd->branch == 1 ? "if branch of rule" : bd->branch == 2 ? "else branch of rule" : "rule";
        if (add_item(cp, COV_BLOCK, p, (yb_srcpos){bd->file, bd->line}, "%s %s", kind, bd->name ? bd->name : "") < 0)
            return false;
    }
    return true;
}

/* A table's columns are consecutive parameters named TABLE.COLUMN. */
static int group_size(const yb_program *p, int first)
{
    const char *dot = strchr(p->params[first].name, '.');
    if (!dot) return 1;
    size_t n = (size_t)(dot - p->params[first].name) + 1;
    int k = first + 1;
    while (k < p->nparams && strncmp(p->params[k].name, p->params[first].name, n) == 0 &&
           p->params[k].nversions == p->params[first].nversions && p->params[k].size == p->params[first].size)
        k++;
    return k - first;
}

typedef struct cov_group {
    const yb_program *p;
    int first, ncols;
    char name[160]; /* "table inpatient", "param ratio" */
    int nkeys;      /* the enums that key its cells, as the code that reads a column tells (0: it does not) */
    int keys[2];
} cov_group;

static void group_init(cov_group *g, const yb_program *p, int first, int ncols)
{
    const char *pn = p->params[first].name, *dot = strchr(pn, '.');
    g->p = p;
    g->first = first;
    g->ncols = ncols;
    if (dot) snprintf(g->name, sizeof g->name, "table %.*s", (int)(dot - pn), pn);
    else snprintf(g->name, sizeof g->name, "param %s", pn);
    g->nkeys = 0;
    for (int c = 0; c < ncols && !g->nkeys && p->params[first].size > 1; c++) g->nkeys = yb_param_keys(p, first + c, g->keys);
}

/* Is cell idx of version vi the same row as in version vi - 1 (an amendment
 * kept it)?  From the rows' source lines; without them (a .ybc), when every
 * column holds the same value. */
static bool same_row(const cov_group *g, int vi, int idx)
{
    if (vi == 0) return false;
    const yb_param_version *v = &g->p->params[g->first].versions[vi];
    if (v->rows && v[-1].rows) return v->rows[idx].line > 0 && v->rows[idx].line == v[-1].rows[idx].line &&
                                      v->rows[idx].file == v[-1].rows[idx].file;
    for (int c = 0; c < g->ncols; c++) {
        const yb_param_version *cv = &g->p->params[g->first + c].versions[vi];
        if (cv->cells[idx] != cv[-1].cells[idx]) return false;
    }
    return true;
}

/* The row items of version vi (row[idx]: the previous version's, in, out). */
static bool add_rows(cov_policy *cp, const cov_group *g, int vi, int32_t *row)
{
    const yb_program *p = g->p;
    const yb_param *pf = &p->params[g->first];
    const yb_param_version *v = &pf->versions[vi];
    char d[16], key[256];
    yb_date_format(v->from, d);
    for (int idx = 0; idx < pf->size; idx++) {
        if (same_row(g, vi, idx)) continue;
        if (g->nkeys) yb_param_cell_name_by(p, g->nkeys, g->keys, idx, key, sizeof key);
        else snprintf(key, sizeof key, "%d", idx);
        yb_srcpos at = v->rows ? v->rows[idx] : v->at;
        if (!at.line) at = v->at;
        row[idx] = add_item(cp, COV_ROW, p, at, "%s [%s] of %s from %s", strncmp(g->name, "table", 5) == 0 ? "row" : "value",
                            key, g->name, d);
        if (row[idx] < 0) return false;
    }
    return true;
}

/* The bands (ranges, text keys) of version vi of a parameter keyed by them. */
static bool add_bands(cov_policy *cp, const cov_group *g, int vi)
{
    const yb_program *p = g->p;
    const yb_param *pf = &p->params[g->first];
    int64_t set = pf->versions[vi].cells[0];
    if (set < 0 || set >= p->nbandsets) return true;
    const yb_band_set *bs = &p->bandsets[set];
    char d[16], band[512];
    yb_date_format(pf->versions[vi].from, d);
    for (int b = 0; b < bs->n; b++) {
        yb_band_text(p, pf, &bs->bands[b], band, sizeof band);
        yb_srcpos at = bs->at && bs->at[b].line ? bs->at[b] : pf->versions[vi].at;
        int it = pf->range_key == YB_T_TEXT
                     ? add_item(cp, COV_ROW, p, at, "row %s of %s from %s", band, g->name, d)
                     : add_item(cp, COV_SEGMENT, p, at, "%s %s of %s from %s", pf->range_key ? "range" : "band", band, g->name, d);
        if (it < 0) return false;
        cp->band_item[cp->band_off[set] + b] = it;
    }
    return true;
}

/* Map the cells of version vi, in every epoch it is in force, to its items. */
static void map_cells(cov_policy *cp, const cov_group *g, int vi, int ver, const int32_t *row)
{
    const yb_program *p = g->p;
    const yb_param *pf = &p->params[g->first];
    for (int e = 0; e < p->nepochs; e++) {
        yb_date from = p->epoch_from[e];
        if (from < pf->versions[vi].from || (vi + 1 < pf->nversions && from >= pf->versions[vi + 1].from)) continue;
        for (int c = 0; c < g->ncols; c++)
            for (int idx = 0; idx < pf->size; idx++) {
                size_t k = (size_t)e * (size_t)p->frame_size + (size_t)p->param_base[g->first + c] + (size_t)idx;
                cp->cell_version[k] = ver;
                cp->cell_row[k] = row ? row[idx] : -1;
            }
    }
}

static bool add_group(cov_policy *cp, const yb_program *p, int first, int ncols)
{
    cov_group g;
    group_init(&g, p, first, ncols);
    const yb_param *pf = &p->params[first];
    bool lookup = pf->range_key || pf->kind == YB_T_BANDS, keyed = !lookup && pf->size > 1;
    int32_t *row = keyed ? malloc((size_t)pf->size * sizeof *row) : NULL;
    if (keyed && !row) return false;
    bool ok = true;
    for (int vi = 0; vi < pf->nversions && ok; vi++) {
        char d[16];
        yb_date_format(pf->versions[vi].from, d);
        int ver = add_item(cp, COV_VERSION, p, pf->versions[vi].at, "%s from %s", g.name, d);
        ok = ver >= 0 && (!keyed || add_rows(cp, &g, vi, row)) && (!lookup || add_bands(cp, &g, vi));
        if (ok) map_cells(cp, &g, vi, ver, row);
    }
    free(row);
    return ok;
}

static bool add_params(cov_policy *cp, const yb_program *p)
{
    size_t ncells = (size_t)p->nepochs * (size_t)p->frame_size, nbands = 0;
    cp->band_off = calloc((size_t)p->nbandsets + 1, sizeof *cp->band_off);
    if (!cp->band_off) return false;
    for (int s = 0; s < p->nbandsets; s++) {
        cp->band_off[s] = (int32_t)nbands;
        nbands += (size_t)p->bandsets[s].n;
    }
    cp->band_off[p->nbandsets] = (int32_t)nbands;
    cp->counts.cells = calloc(ncells ? ncells : 1, sizeof *cp->counts.cells);
    cp->cell_row = malloc((ncells ? ncells : 1) * sizeof *cp->cell_row);
    cp->cell_version = malloc((ncells ? ncells : 1) * sizeof *cp->cell_version);
    cp->band_hits = calloc(nbands ? nbands : 1, sizeof *cp->band_hits);
    cp->band_item = malloc((nbands ? nbands : 1) * sizeof *cp->band_item);
    cp->counts.bands = calloc((size_t)p->nbandsets + 1, sizeof *cp->counts.bands);
    if (!cp->counts.cells || !cp->cell_row || !cp->cell_version || !cp->band_hits || !cp->band_item || !cp->counts.bands)
        return false;
    for (size_t k = 0; k < ncells; k++) cp->cell_row[k] = cp->cell_version[k] = -1;
    for (size_t k = 0; k < nbands; k++) cp->band_item[k] = -1;
    for (int s = 0; s < p->nbandsets; s++) cp->counts.bands[s] = cp->band_hits + cp->band_off[s];
    for (int i = 0; i < p->nparams;) {
        int n = group_size(p, i);
        if (!add_group(cp, p, i, n)) return false;
        i += n;
    }
    return true;
}

static cov_policy *policy_of(yb_coverage *c, const yb_program *p)
{
    const char *src = p->source ? p->source : "";
    for (int i = 0; i < c->n; i++) {
        cov_policy *cp = c->pol[i];
        if (strcmp(cp->source, src) == 0 && cp->nblocks == p->nblocks && cp->nparams == p->nparams &&
            cp->nepochs == p->nepochs && cp->frame_size == p->frame_size && cp->nbandsets == p->nbandsets)
            return cp;
    }
    cov_policy **np = realloc(c->pol, (size_t)(c->n + 1) * sizeof *np);
    if (!np) return NULL;
    c->pol = np;
    cov_policy *cp = calloc(1, sizeof *cp);
    if (!cp) return NULL;
    cp->source = strdup(src);
    cp->nblocks = p->nblocks;
    cp->nparams = p->nparams;
    cp->nepochs = p->nepochs;
    cp->frame_size = p->frame_size;
    cp->nbandsets = p->nbandsets;
    if (!cp->source || !add_blocks(cp, p) || !add_params(cp, p)) {
        free_policy(cp);
        return NULL;
    }
    c->pol[c->n++] = cp;
    return cp;
}

/* ------------------------------------------------------------------ counting */

bool yb_coverage_attach(yb_coverage *c, yb_vm *vm)
{
    cov_policy *cp = c ? policy_of(c, vm->p) : NULL;
    if (cp) yb_vm_count_into(vm, &cp->counts);
    return cp != NULL;
}

void yb_coverage_claim(yb_coverage *c, const yb_vm *vm)
{
    cov_policy *cp = c ? policy_of(c, vm->p) : NULL;
    if (!cp) return;
    cp->claims++;
    for (int b = 0; b < cp->nblocks; b++) cp->items[b].hits += vm->fired[b] == vm->claim_no;
}

/* The parameters' items' hits, from the counts. */
static void tally(cov_policy *cp)
{
    for (int i = cp->nblocks; i < cp->nitems; i++) cp->items[i].hits = 0;
    size_t ncells = (size_t)cp->nepochs * (size_t)cp->frame_size;
    for (size_t k = 0; k < ncells; k++) {
        uint64_t n = cp->counts.cells[k];
        if (!n) continue;
        if (cp->cell_row[k] >= 0) cp->items[cp->cell_row[k]].hits += n;
        if (cp->cell_version[k] >= 0) cp->items[cp->cell_version[k]].hits += n;
    }
    for (int32_t k = 0; k < cp->band_off[cp->nbandsets]; k++)
        if (cp->band_item[k] >= 0) cp->items[cp->band_item[k]].hits += cp->band_hits[k];
}

/* ------------------------------------------------------------------ output */

static void count_kind(const cov_policy *cp, cov_kind kind, int *all, int *hit)
{
    *all = *hit = 0;
    for (int i = kind == COV_BLOCK ? 1 : cp->nblocks; i < cp->nitems; i++) {
        if (cp->items[i].kind != kind) continue;
        (*all)++;
        *hit += cp->items[i].hits != 0;
    }
}

static void write_text(const cov_policy *cp, FILE *out)
{
    int all[COV__KINDS], hit[COV__KINDS];
    for (int k = 0; k < COV__KINDS; k++) count_kind(cp, (cov_kind)k, &all[k], &hit[k]);
    fprintf(out, "%s: %ld claims; rules and branches: %d of %d exercised\n", cp->source, cp->claims, hit[COV_BLOCK],
            all[COV_BLOCK]);
    for (int b = 1; b < cp->nblocks; b++)
        if (!cp->items[b].hits) fprintf(out, "  never: %s  [%s]\n", cp->items[b].what, cp->items[b].where);
    fprintf(out, "  table rows: %d of %d matched; parameter versions: %d of %d used; band segments: %d of %d reached\n",
            hit[COV_ROW], all[COV_ROW], hit[COV_VERSION], all[COV_VERSION], hit[COV_SEGMENT], all[COV_SEGMENT]);
    for (int k = COV_ROW; k < COV__KINDS; k++)
        for (int i = cp->nblocks; i < cp->nitems; i++)
            if (cp->items[i].kind == (cov_kind)k && !cp->items[i].hits)
                fprintf(out, "  never %s: %s  [%s]\n", kind_verb[k], cp->items[i].what, cp->items[i].where);
}

static void put_items_json(FILE *out, const cov_policy *cp, cov_kind kind)
{
    fputc('[', out);
    bool first = true;
    for (int i = kind == COV_BLOCK ? 1 : cp->nblocks; i < (kind == COV_BLOCK ? cp->nblocks : cp->nitems); i++) {
        const cov_item *it = &cp->items[i];
        if (it->hits || it->kind != kind) continue;
        fputs(first ? "{\"what\":" : ",{\"what\":", out);
        first = false;
        yb_put_json_text(out, it->what, strlen(it->what));
        fputs(",\"where\":", out);
        yb_put_json_text(out, it->where, strlen(it->where));
        fputc('}', out);
    }
    fputc(']', out);
}

static void write_json(const cov_policy *cp, FILE *out)
{
    static const char *const names[COV__KINDS][3] = {{"blocks", "blocks_exercised", "never"},
                                                     {"rows", "rows_matched", "never_matched"},
                                                     {"versions", "versions_used", "never_used"},
                                                     {"segments", "segments_reached", "never_reached"}};
    fputs("{\"policy\":", out);
    yb_put_json_text(out, cp->source, strlen(cp->source));
    fprintf(out, ",\"claims\":%ld", cp->claims);
    for (int k = 0; k < COV__KINDS; k++) {
        int all, hit;
        count_kind(cp, (cov_kind)k, &all, &hit);
        fprintf(out, ",\"%s\":%d,\"%s\":%d,\"%s\":", names[k][0], all, names[k][1], hit, names[k][2]);
        put_items_json(out, cp, (cov_kind)k);
    }
    fputs("}\n", out);
}

bool yb_coverage_write(yb_coverage *c, FILE *out, bool json)
{
    for (int i = 0; i < c->n; i++) {
        tally(c->pol[i]);
        (json ? write_json : write_text)(c->pol[i], out);
    }
    return !ferror(out);
}
