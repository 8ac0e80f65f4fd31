/* Signed policies: Ed25519 (libsodium) over the exact .ybc image.
 *
 * A signed .ybc is the image followed by a trailer:
 *   "YBSIG1\0\0"   8 bytes
 *   public key     32 bytes (which key signed: looked up among the trusted)
 *   signature      64 bytes, detached, over the image (header + body)
 * The image itself is unchanged, so its hash names the policy whether it is
 * signed or not, and an unsigned reader stops at the image's own length.
 *
 * Key files are one text line:  yibao-ed25519-public NAME HEX  (and -secret). */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "api_internal.h"

static const unsigned char YBC_MAGIC[8] = {0x89, 'Y', 'B', 'C', '\r', '\n', 0x1a, '\n'};

size_t api_ybc_image_len(const unsigned char *data, size_t len)
{
    if (len < 32 || memcmp(data, YBC_MAGIC, 8) != 0) return 0;
    uint64_t body = 0;
    for (int i = 7; i >= 0; i--) body = body << 8 | data[16 + i];
    if (body > len - 32) return len; /* truncated: the .ybc reader says so */
    return (size_t)body + 32;
}

void api_sha256_hex(const unsigned char *data, size_t len, char hex[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, data, len);
    sodium_bin2hex(hex, 65, h, sizeof h);
}

static void fingerprint(const unsigned char pk[32], char out[17])
{
    char hex[65];
    api_sha256_hex(pk, 32, hex);
    memcpy(out, hex, 16);
    out[16] = 0;
}

yibao_status api_check_signature(yibao_env *env, const unsigned char *data, size_t len, size_t image_len,
                                 char *signer, size_t signer_len, yibao_error *err)
{
    size_t extra = len - image_len;
    signer[0] = 0;
    if (extra == 0) {
        if (env->nkeys > 0)
            return api_fail(err, YIBAO_E_SIGNATURE,
                            "the policy is not signed, and only policies signed by a trusted key are accepted here");
        return YIBAO_OK;
    }
    const unsigned char *t = data + image_len;
    if (extra != API_SIG_TRAILER || memcmp(t, API_SIG_MAGIC, 8) != 0)
        return api_fail(err, YIBAO_E_SIGNATURE,
                        "the file has %zu bytes after its .ybc image that are not a yibao signature (truncated or altered)",
                        extra);
    const unsigned char *pk = t + 8, *sig = t + 40;
    char fp[17];
    fingerprint(pk, fp);
    const api_key *key = NULL;
    for (int i = 0; i < env->nkeys && !key; i++)
        if (memcmp(env->keys[i].pk, pk, 32) == 0) key = &env->keys[i];
    if (env->nkeys > 0 && !key)
        return api_fail(err, YIBAO_E_SIGNATURE, "the policy is signed by key %s, which is not trusted here", fp);
    if (crypto_sign_verify_detached(sig, data, image_len, pk) != 0)
        return api_fail(err, YIBAO_E_SIGNATURE,
                        "the policy is wrongly signed: the signature does not match its bytes (altered after signing)");
    if (key) snprintf(signer, signer_len, "%s", key->name);
    else snprintf(signer, signer_len, "key %s (not checked against a trusted key)", fp);
    return YIBAO_OK;
}

/* ---- key files ---- */

static bool name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64) return false;
    for (size_t i = 0; i < n; i++)
        if (!(s[i] == '-' || s[i] == '_' || s[i] == '.' || (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z') ||
              (s[i] >= 'A' && s[i] <= 'Z')))
            return false;
    return true;
}

/* Read "yibao-ed25519-KIND NAME HEX" into name and bin (nbin bytes). */
static yibao_status read_key(const char *path, const char *kind, char name[128], unsigned char *bin, size_t nbin,
                             yibao_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return api_fail(err, YIBAO_E_IO, "cannot read %s: %s", path, strerror(errno));
    char line[512], tag[64], nm[128], hex[256];
    bool got = fgets(line, sizeof line, f) != NULL;
    fclose(f);
    char want[64];
    snprintf(want, sizeof want, "yibao-ed25519-%s", kind);
    size_t binlen = 0;
    if (!got || sscanf(line, "%63s %127s %255s", tag, nm, hex) != 3 || strcmp(tag, want) != 0 || !name_ok(nm) ||
        sodium_hex2bin(bin, nbin, hex, strlen(hex), NULL, &binlen, NULL) != 0 || binlen != nbin)
        return api_fail(err, YIBAO_E_SIGNATURE, "%s: not a yibao %s key file (expected one line: %s NAME HEX)", path,
                        kind, want);
    snprintf(name, 128, "%s", nm);
    return YIBAO_OK;
}

yibao_status yibao_env_trust_key(yibao_env *env, const char *path, yibao_error *err)
{
    if (!env || !path) return api_fail(err, YIBAO_E_ARGUMENT, "yibao_env_trust_key: env and path are required");
    api_key k;
    yibao_status st = read_key(path, "public", k.name, k.pk, 32, err);
    if (st) return st;
    pthread_mutex_lock(&env->mu);
    api_key *keys = realloc(env->keys, (size_t)(env->nkeys + 1) * sizeof *keys);
    if (keys) {
        env->keys = keys;
        env->keys[env->nkeys++] = k;
    }
    pthread_mutex_unlock(&env->mu);
    return keys ? api_ok(err) : api_fail(err, YIBAO_E_NOMEM, "out of memory");
}

yibao_status yibao_env_trust_dir(yibao_env *env, const char *dir, yibao_error *err)
{
    if (!env || !dir) return api_fail(err, YIBAO_E_ARGUMENT, "yibao_env_trust_dir: env and dir are required");
    DIR *d = opendir(dir);
    if (!d) return api_fail(err, YIBAO_E_IO, "cannot read the trust directory %s: %s", dir, strerror(errno));
    int n = 0;
    yibao_status st = YIBAO_OK;
    struct dirent *e;
    while (st == YIBAO_OK && (e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".pub") != 0) continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        st = yibao_env_trust_key(env, path, err);
        n++;
    }
    closedir(d);
    if (st == YIBAO_OK && n == 0)
        return api_fail(err, YIBAO_E_SIGNATURE, "the trust directory %s holds no public keys (*.pub)", dir);
    return st == YIBAO_OK ? api_ok(err) : st;
}

static yibao_status write_file(const char *path, const void *data, size_t len, mode_t mode, yibao_error *err)
{
    /* a temporary file renamed into place: a watcher never sees half a file */
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid()) >= (int)sizeof tmp)
        return api_fail(err, YIBAO_E_ARGUMENT, "path too long: %s", path);
    FILE *f = fopen(tmp, "wb");
    if (!f) return api_fail(err, YIBAO_E_IO, "cannot write %s: %s", tmp, strerror(errno));
    bool ok = fchmod(fileno(f), mode) == 0 && fwrite(data, 1, len, f) == len;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        int e = errno;
        remove(tmp);
        return api_fail(err, YIBAO_E_IO, "cannot write %s: %s", path, strerror(e));
    }
    return YIBAO_OK;
}

yibao_status yibao_keygen(const char *name, const char *secret_path, const char *public_path, yibao_error *err)
{
    if (!name || !secret_path || !public_path) return api_fail(err, YIBAO_E_ARGUMENT, "yibao_keygen: every argument is required");
    if (!name_ok(name)) return api_fail(err, YIBAO_E_ARGUMENT, "a key name is 1-64 letters, digits, '.', '-' or '_', not \"%s\"", name);
    if (sodium_init() < 0) return api_fail(err, YIBAO_E_NOMEM, "libsodium could not start");
    unsigned char pk[32], sk[64];
    crypto_sign_keypair(pk, sk);
    char hex[129], line[300];
    sodium_bin2hex(hex, sizeof hex, sk, sizeof sk);
    int n = snprintf(line, sizeof line, "yibao-ed25519-secret %s %s\n", name, hex);
    sodium_memzero(sk, sizeof sk);
    yibao_status st = write_file(secret_path, line, (size_t)n, 0600, err);
    sodium_memzero(line, sizeof line);
    sodium_memzero(hex, sizeof hex);
    if (st) return st;
    sodium_bin2hex(hex, sizeof hex, pk, sizeof pk);
    n = snprintf(line, sizeof line, "yibao-ed25519-public %s %s\n", name, hex);
    st = write_file(public_path, line, (size_t)n, 0644, err);
    return st ? st : api_ok(err);
}

yibao_status yibao_sign_file(const char *policy, const char *key_path, const char *out_path, yibao_error *err)
{
    if (!policy || !key_path) return api_fail(err, YIBAO_E_ARGUMENT, "yibao_sign_file: policy and key are required");
    if (sodium_init() < 0) return api_fail(err, YIBAO_E_NOMEM, "libsodium could not start");
    char name[128];
    unsigned char sk[64];
    yibao_status st = read_key(key_path, "secret", name, sk, sizeof sk, err);
    if (st) return st;
    size_t n = 0;
    char why[512];
    unsigned char *data = yb_ybc_read_file(policy, &n, why, sizeof why), *buf = data ? realloc(data, n + API_SIG_TRAILER) : NULL;
    if (!buf) {
        free(data);
        sodium_memzero(sk, sizeof sk);
        if (!data && strstr(why, "does not start with")) /* the reader's wording, with what to do */
            return api_fail(err, YIBAO_E_POLICY, "%s: not a compiled policy (.ybc); compile it first: yibao compile POLICY.yb -o POLICY.ybc", policy);
        return api_fail(err, data ? YIBAO_E_NOMEM : YIBAO_E_IO, "%s", data ? "out of memory" : why);
    }
    /* only a policy that loads is signed; an old signature is replaced */
    size_t image = api_ybc_image_len(buf, n);
    yb_program *p = image ? yb_ybc_read(buf, image, why, sizeof why) : NULL;
    if (!p) {
        free(buf);
        sodium_memzero(sk, sizeof sk);
        return api_fail(err, YIBAO_E_POLICY, "%s: %s", policy,
                        image ? why : "not a compiled policy (.ybc); compile it first: yibao compile POLICY.yb -o POLICY.ybc");
    }
    yb_program_free(p);
    memcpy(buf + image, API_SIG_MAGIC, 8);
    memcpy(buf + image + 8, sk + 32, 32); /* libsodium's secret key ends with the public key */
    crypto_sign_detached(buf + image + 40, NULL, buf, image, sk);
    sodium_memzero(sk, sizeof sk);
    st = write_file(out_path ? out_path : policy, buf, image + API_SIG_TRAILER, 0644, err);
    free(buf);
    return st ? st : api_ok(err);
}
