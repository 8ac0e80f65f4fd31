/* Shard positions (report_pos.h).
 *
 * Only the lines that opened a report entry are kept: their part positions
 * are sorted and the file is read once beside them (a part of 8 million
 * claims has a positions file of ~80 MB, read in a fraction of a second; a
 * report has a few hundred entries).  The whole file is checked: every line
 * two whole numbers, each position after the one before (a part keeps its
 * claims in input order), the closing line counting them and giving the
 * part's own size, and a line for every line of the part that opened an
 * entry, so a file that is not a positions file, is cut short or belongs to
 * another part, is an error rather than a wrong merge. */
#include "report_pos.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct yb_pos_map {
    yb_report_opens *opens; /* not owned: the part's positions, by entry */
    uint64_t *local;        /* sorted, distinct: part positions that opened an entry */
    uint64_t *whole;        /* whole[i]: where local[i]'s line was in shard's inputs */
    size_t n;
};

/* Written by hand: fprintf cost shard a sixth of its instructions. */
bool yb_pos_put(FILE *f, int input, long line)
{
    char buf[48], *p = buf + sizeof buf;
    unsigned long v = (unsigned long)line;
    unsigned i = (unsigned)input;
    *--p = '\n';
    do *--p = (char)('0' + v % 10); while (v /= 10);
    *--p = ' ';
    do *--p = (char)('0' + i % 10); while (i /= 10);
    size_t n = (size_t)(buf + sizeof buf - p);
    return fwrite(p, 1, n, f) == n;
}

bool yb_pos_end(FILE *f, uint64_t bytes, long lines)
{
    return fprintf(f, "# part of %llu bytes, %ld lines\n", (unsigned long long)bytes, lines) > 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The next line of f, "INPUT LINE" (the last one may lack its newline), as
 * a position: 1; 0 at the end of the file or at the closing line (its '#'
 * read); -1 when the line is not one.
 * Read a byte at a time, unlocked: about 160 instructions a line, half
 * of getline and a parse of the line. */
static int next_position(FILE *f, uint64_t *pos)
{
    int c = getc_unlocked(f);
    if (c == EOF || c == '#') return 0;
    uint64_t v[2] = {0, 0}, lim[2] = {YB_REPORT_POS_INPUTS, UINT64_C(1) << 40};
    for (int k = 0; k < 2; k++) {
        if (c < '0' || c > '9') return -1;
        for (; c >= '0' && c <= '9'; c = getc_unlocked(f)) {
            v[k] = v[k] * 10 + (uint64_t)(c - '0');
            if (v[k] >= lim[k]) return -1;
        }
        if (k == 0 && c != ' ') return -1;
        if (k == 0) c = getc_unlocked(f);
    }
    if ((c != '\n' && c != EOF) || v[1] == 0) return -1;
    *pos = yb_report_pos((int)v[0], (long)v[1]);
    return 1;
}

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); ok = false; } while (0)

/* The closing line after its '#', and nothing after it: the part's bytes
 * and lines.  false if it is not one. */
static bool closing_line(FILE *f, unsigned long long *bytes, long *lines)
{
    char buf[128], back[128];
    if (!fgets(buf, sizeof buf, f) || sscanf(buf, " part of %llu bytes, %ld lines", bytes, lines) != 2) return false;
    snprintf(back, sizeof back, " part of %llu bytes, %ld lines\n", *bytes, *lines);
    return strcmp(buf, back) == 0 && getc_unlocked(f) == EOF;
}

/* The size of the part at path, or -1 (standard input, or not a regular file). */
static long long part_size(const char *path)
{
    struct stat st;
    return strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode) ? (long long)st.st_size : -1;
}

/* m->whole filled from the file at path, read line by line. */
static bool read_positions(yb_pos_map *m, const char *path, const char *part, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return false;
    }
    size_t next = 0;
    long line = 0;
    uint64_t prev = 0, pos = 0;
    bool ok = true;
    int got;
    while (ok && (got = next_position(f, &pos)) != 0) {
        line++;
        if (got < 0) FAIL("%s:%ld: not a position (INPUT LINE, as `yibao shard` writes)", path, line);
        else if (line > 1 && pos <= prev) FAIL("%s:%ld: positions must increase (a part keeps its claims in input order)", path, line);
        else if (next < m->n && yb_report_pos_line(m->local[next]) == line) m->whole[next++] = pos;
        prev = pos;
    }
    unsigned long long bytes = 0;
    long lines = 0;
    long long size = 0;
    bool closed = ok && !feof(f) && closing_line(f, &bytes, &lines);
    if (ok && ferror(f)) FAIL("cannot read %s: %s", path, strerror(errno));
    else if (ok && !closed)
        FAIL("%s: no closing line `# part of BYTES bytes, LINES lines` after line %ld: cut short, or not written by "
             "`yibao shard`", path, line);
    else if (ok && lines != line)
        FAIL("%s: %ld positions, but its closing line says %ld lines", path, line, lines);
    else if (ok && (size = part_size(part)) >= 0 && (unsigned long long)size != bytes)
        FAIL("%s is of a part of %llu bytes, but %s has %lld: not the positions of this part", path, bytes, part, size);
    else if (ok && next < m->n)
        FAIL("%s: no position for line %ld of the part (the file ends at line %ld): not the positions of this part", path,
             yb_report_pos_line(m->local[next]), line);
    fclose(f);
    return ok;
}

yb_pos_map *yb_pos_map_load(const yb_report_opens *opens, const char *path, const char *part, char *err, size_t errlen)
{
    yb_pos_map *m = calloc(1, sizeof *m);
    if (!m || !yb_report_opens_all(opens, &m->local, &m->n) || !(m->whole = malloc((m->n ? m->n : 1) * sizeof *m->whole))) {
        snprintf(err, errlen, "out of memory");
        yb_pos_map_free(m);
        return NULL;
    }
    m->opens = (yb_report_opens *)opens; /* looked up (yb_report_opened_at adds nothing it answers) */
    qsort(m->local, m->n, sizeof *m->local, cmp_u64);
    size_t k = 0;
    for (size_t i = 0; i < m->n; i++)
        if (!k || m->local[i] != m->local[k - 1]) m->local[k++] = m->local[i];
    m->n = k;
    /* the part is one input: its positions are its lines */
    if (m->n && yb_report_pos_input(m->local[m->n - 1]) != 0) {
        snprintf(err, errlen, "--positions: the claims of more than one input");
        yb_pos_map_free(m);
        return NULL;
    }
    if (!read_positions(m, path, part, err, errlen)) {
        yb_pos_map_free(m);
        return NULL;
    }
    return m;
}

void yb_pos_map_free(yb_pos_map *m)
{
    if (!m) return;
    free(m->local);
    free(m->whole);
    free(m);
}

uint64_t yb_pos_map_at(void *ctx, int s, const void *key, uint32_t keylen)
{
    yb_pos_map *m = ctx;
    uint64_t pos = yb_report_opened_at(m->opens, s, key, keylen);
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->local[mid] < pos) lo = mid + 1;
        else hi = mid;
    }
    return lo < m->n && m->local[lo] == pos ? m->whole[lo] : UINT64_MAX;
}
