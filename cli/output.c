/* Finishing an output: a write error is found here even when the writer
 * ignored it, and named with the output's path and the system's reason. */
#include "output.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

/* Why writes to f fail, when stdio no longer knows: after a failed flush it
 * drops what it could not write, and errno has moved on since.  One more
 * byte, written only to learn the reason, cannot harm an output that has
 * already lost data; if it goes through, the reason was passing: 0. */
static int why_writes_fail(FILE *f)
{
    errno = 0;
    if (fflush(f) != 0) return errno;
    int fd = fileno(f);
    errno = 0;
    if (fd >= 0 && write(fd, "\n", 1) < 0) return errno;
    return 0;
}

bool yb_cli_finish(FILE *f, const char *name)
{
    bool failed = ferror(f) != 0;
    int err = 0;
    errno = 0;
    if (fflush(f) != 0) {
        failed = true;
        err = errno;
    } else if (failed) {
        clearerr(f);
        err = why_writes_fail(f);
    }
    if (f != stdout && f != stderr) {
        errno = 0;
        if (fclose(f) != 0 && !failed) {
            failed = true;
            err = errno;
        }
    }
    if (failed) fprintf(stderr, "yibao: cannot write %s: %s\n", name, err ? strerror(err) : "a write failed");
    return !failed;
}
