/* A .ybc file from a path: checked before it is read whole.  Only a regular
 * file is read (a device or a pipe could be endless, a directory is not a
 * policy), its signature is checked from its first bytes, and its size is
 * capped, so a wrong path costs a few bytes of reading, not a gigabyte of
 * memory. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "yb_limits.h"
#include "program.h"

/* Up to n bytes from fd; returns how many were read (fewer at end of file), or -1. */
static long long read_up_to(int fd, unsigned char *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return -1;
        if (r == 0) break;
        got += (size_t)r;
    }
    return (long long)got;
}

/* The whole file into a new buffer, *len its size; NULL with err set. */
static unsigned char *read_checked(int fd, size_t *len, char *err, size_t errlen)
{
    struct stat st;
    if (fstat(fd, &st) != 0) {
        snprintf(err, errlen, "cannot read it: %s", strerror(errno));
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "not a regular file: a compiled policy is read from a file, not a directory, device or pipe");
        return NULL;
    }
    unsigned char head[8];
    long long got = read_up_to(fd, head, sizeof head);
    if (got < 0) {
        snprintf(err, errlen, "cannot read it: %s", strerror(errno));
        return NULL;
    }
    if (!yb_ybc_signature_ok(head, (size_t)got)) {
        snprintf(err, errlen, "%s", YB_YBC_NOT_SIGNED);
        return NULL;
    }
    if ((long long)st.st_size > YB_MAX_YBC_BYTES) {
        snprintf(err, errlen, "the .ybc file is %lld bytes; a compiled policy is at most %lld bytes (256 MiB)",
                 (long long)st.st_size, YB_MAX_YBC_BYTES);
        return NULL;
    }
    size_t size = (size_t)st.st_size;
    unsigned char *buf = malloc(size > sizeof head ? size : sizeof head);
    if (!buf) {
        snprintf(err, errlen, "out of memory for a .ybc file of %zu bytes", size);
        return NULL;
    }
    memcpy(buf, head, sizeof head);
    got = size > sizeof head ? read_up_to(fd, buf + sizeof head, size - sizeof head) : 0;
    if (got < 0 || (size_t)got + sizeof head != size) {
        snprintf(err, errlen, "cannot read it: %s", got < 0 ? strerror(errno) : "it changed while it was read");
        free(buf);
        return NULL;
    }
    *len = size;
    return buf;
}

unsigned char *yb_ybc_read_file(const char *path, size_t *len, char *err, size_t errlen)
{
    /* O_NONBLOCK: opening a pipe with no writer must not hang before fstat */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    unsigned char *buf = read_checked(fd, len, err, errlen);
    close(fd);
    return buf;
}

yb_program *yb_ybc_load(const char *path, char *err, size_t errlen)
{
    size_t len = 0;
    unsigned char *buf = yb_ybc_read_file(path, &len, err, errlen);
    if (!buf) return NULL;
    yb_program *p = yb_ybc_read(buf, len, err, errlen);
    free(buf);
    return p;
}
