/* A load generator for yibao serve: N keep-alive connections on loopback,
 * each sending POST /settle requests back to back, timing every one.
 *   serve_load PORT CONNECTIONS REQUESTS_PER_CONNECTION BODY_FILE [lines]
 * Without "lines" each request is one claim: the lines of BODY_FILE in turn;
 * with it, each request is the whole file (a JSON Lines body).
 * Prints requests/s, claims/s and the p50 and p99 latency. */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct body { const char *p; size_t n; } body;
typedef struct job {
    int port, nreq, first;
    const body *bodies;
    int nbodies;
    int64_t *lat;
    long failures;
} job;

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Read one response: headers, then Content-Length bytes.  Returns the status or -1. */
static int read_response(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    char *end = NULL;
    while (!end) {
        if (n == cap) return -1;
        ssize_t r = read(fd, buf + n, cap - n);
        if (r <= 0) return -1;
        n += (size_t)r;
        buf[n < cap ? n : cap - 1] = 0;
        end = strstr(buf, "\r\n\r\n");
    }
    int status = atoi(buf + 9);
    char *cl = strstr(buf, "Content-Length:");
    if (!cl) cl = strstr(buf, "content-length:");
    size_t want = cl ? (size_t)atol(cl + 15) : 0, have = n - (size_t)(end + 4 - buf);
    while (have < want) {
        ssize_t r = read(fd, buf, cap);
        if (r <= 0) return -1;
        have += (size_t)r;
    }
    return status;
}

static void *run(void *arg)
{
    job *j = arg;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)j->port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        j->failures = j->nreq;
        return NULL;
    }
    size_t cap = 1 << 24;
    char *buf = malloc(cap), head[256];
    for (int i = 0; i < j->nreq; i++) {
        const body *b = &j->bodies[(j->first + i) % j->nbodies];
        int hn = snprintf(head, sizeof head, "POST /settle HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %zu\r\n\r\n", b->n);
        int64_t t0 = now_ns();
        if (send_all(fd, head, (size_t)hn) || send_all(fd, b->p, b->n) || read_response(fd, buf, cap) != 200) j->failures++;
        j->lat[i] = now_ns() - t0;
    }
    free(buf);
    close(fd);
    return NULL;
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: serve_load PORT CONNECTIONS REQUESTS_PER_CONNECTION BODY_FILE [lines]\n");
        return 2;
    }
    int port = atoi(argv[1]), nconn = atoi(argv[2]), nreq = atoi(argv[3]);
    int whole = argc > 5 && strcmp(argv[5], "lines") == 0;
    FILE *f = fopen(argv[4], "rb");
    if (!f || nconn < 1 || nconn > 256 || nreq < 1) return 2;
    static char data[1 << 24];
    size_t n = fread(data, 1, sizeof data, f);
    fclose(f);
    body *bodies = calloc(n + 1, sizeof *bodies);
    int nb = 0;
    long claims_per_body = 1;
    if (whole) {
        bodies[nb++] = (body){data, n};
        claims_per_body = 0;
        for (size_t i = 0; i < n; i++) claims_per_body += data[i] == '\n';
    } else {
        for (size_t at = 0; at < n;) {
            char *nl = memchr(data + at, '\n', n - at);
            size_t end = nl ? (size_t)(nl - data) + 1 : n;
            bodies[nb++] = (body){data + at, end - at};
            at = end;
        }
    }
    pthread_t *t = calloc((size_t)nconn, sizeof *t);
    job *jobs = calloc((size_t)nconn, sizeof *jobs);
    int64_t *lat = calloc((size_t)nconn * (size_t)nreq, sizeof *lat);
    int64_t t0 = now_ns();
    for (int c = 0; c < nconn; c++) {
        /* enough bodies for every request: each sent once (claims on a ledger
           are settled once, a second time is 409), else connections start apart */
        int first = (long)nb >= (long)nconn * nreq ? c * nreq : c * 97;
        jobs[c] = (job){port, nreq, first, bodies, nb, lat + (size_t)c * (size_t)nreq, 0};
        pthread_create(&t[c], NULL, run, &jobs[c]);
    }
    long failures = 0;
    for (int c = 0; c < nconn; c++) {
        pthread_join(t[c], NULL);
        failures += jobs[c].failures;
    }
    int64_t wall = now_ns() - t0;
    size_t total = (size_t)nconn * (size_t)nreq;
    qsort(lat, total, sizeof *lat, cmp64);
    long long rps = (long long)((int64_t)total * 1000000000 / wall);
    printf("%s: %d connections x %d requests: %lld requests/s, %lld claims/s, p50 %lld us, p99 %lld us, %ld failed\n",
           whole ? "JSON Lines bodies" : "single claims", nconn, nreq, rps, rps * claims_per_body,
           (long long)(lat[total / 2] / 1000), (long long)(lat[total * 99 / 100] / 1000), failures);
    return failures ? 1 : 0;
}
