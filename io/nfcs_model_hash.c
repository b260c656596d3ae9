/* The model hash: SHA-256 (OpenSSL's libcrypto) of the model's canonical text, which core makes
 * from the parameter rows that change the trajectory, completed here with one line per input file
 * holding the SHA-256 of its contents. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "nfcs_internal.h"
#include "nfcs_io.h"

static void to_hex(const unsigned char *md, unsigned n, char *hex) {
  static const char digits[] = "0123456789abcdef";
  for (unsigned i = 0; i < n; i++) {
    hex[2 * i] = digits[md[i] >> 4];
    hex[2 * i + 1] = digits[md[i] & 15];
  }
  hex[2 * n] = '\0';
}

int nfcs_sha256_hex(const void *data, size_t len, char hex[65]) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  if (!EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) || n != 32) return -1;
  to_hex(md, n, hex);
  return 0;
}

/* SHA-256 of a file's contents; errno is kept when it cannot be read */
int nfcs_sha256_file(const char *path, char hex[65]) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  unsigned char *buf = malloc(1 << 20);
  int rc = md && buf && EVP_DigestInit_ex(md, EVP_sha256(), NULL) ? 0 : -1;
  size_t got;
  while (!rc && (got = fread(buf, 1, 1 << 20, f)) > 0)
    if (!EVP_DigestUpdate(md, buf, got)) rc = -1;
  if (!rc && ferror(f)) rc = -1;
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  if (!rc && (!EVP_DigestFinal_ex(md, out, &n) || n != 32)) rc = -1;
  if (!rc) to_hex(out, n, hex);
  const int saved = errno;
  EVP_MD_CTX_free(md);
  free(buf);
  fclose(f);
  errno = saved;
  return rc;
}

int nfcs_model_describe(nfcs_ctx *ctx, const nfcs_params *p, char **text, char hash[65]) {
  *text = NULL;
  hash[0] = '\0';
  char *base = nfcs_params_model_text(p);
  if (!base) return NFCS_ERROR(ctx, NFCS_ERR_NOMEM, "out of memory describing the model");
  enum { MAX_FILES = 32 };
  nfcs_input_file *files = malloc(sizeof *files * MAX_FILES);
  if (!files) { free(base); return NFCS_ERROR(ctx, NFCS_ERR_NOMEM, "out of memory describing the model"); }
  const int nf = nfcs_params_input_files(p, files, MAX_FILES);
  if (nf > MAX_FILES) {
    free(base);
    free(files);
    return NFCS_ERROR(ctx, NFCS_ERR_SOFTWARE, "the model names %d input files, more than the %d it can describe", nf, MAX_FILES);
  }
  size_t len = strlen(base), cap = len + (size_t)nf * 160 + 1;
  char *out = malloc(cap);
  if (!out) { free(base); free(files); return NFCS_ERROR(ctx, NFCS_ERR_NOMEM, "out of memory describing the model"); }
  memcpy(out, base, len + 1);
  free(base);
  for (int i = 0; i < nf; i++) {
    char hex[65];
    if (nfcs_sha256_file(files[i].path, hex) != 0) {
      const int err = errno;
      free(out);
      NFCS_ERROR(ctx, NFCS_ERR_NOINPUT, "%s: cannot open %s: %s", files[i].key, files[i].path, strerror(err));
      free(files);
      return NFCS_ERR_NOINPUT;
    }
    len += (size_t)snprintf(out + len, cap - len, "%s: sha256 %s\n", files[i].key, hex);
  }
  free(files);
  if (nfcs_sha256_hex(out, len, hash) != 0) {
    free(out);
    return NFCS_ERROR(ctx, NFCS_ERR_SOFTWARE, "SHA-256 (libcrypto) failed");
  }
  *text = out;
  return NFCS_OK;
}

/* Find the line of `key` (length klen) in a model text; its value into *v, *vlen. */
static int find_key(const char *text, const char *key, size_t klen, const char **v, size_t *vlen) {
  for (const char *l = text; l && *l;) {
    const char *e = strchr(l, '\n');
    const size_t n = e ? (size_t)(e - l) : strlen(l);
    if (n > klen + 1 && memcmp(l, key, klen) == 0 && l[klen] == ':') {
      *v = l + klen + 2 <= l + n ? l + klen + 2 : l + n;
      *vlen = n - (size_t)(*v - l);
      return 1;
    }
    l = e ? e + 1 : NULL;
  }
  return 0;
}

/* the first difference of `from` against `to`, from's side named `a`, to's side `b` */
static int first_difference(const char *from, const char *to, const char *a, const char *b, int from_is_theirs, char *why,
                            size_t len) {
  for (const char *l = from; l && *l;) {
    const char *e = strchr(l, '\n');
    const size_t n = e ? (size_t)(e - l) : strlen(l);
    const char *colon = memchr(l, ':', n);
    if (colon) {
      const size_t klen = (size_t)(colon - l);
      const char *v = colon + 2 <= l + n ? colon + 2 : l + n, *w;
      const size_t vl = n - (size_t)(v - l);
      size_t wl;
      if (!find_key(to, l, klen, &w, &wl)) {
        snprintf(why, len, "%.*s is %.*s in %s and not part of the model in %s", (int)klen, l, (int)vl, v, a, b);
        return 1;
      }
      if (wl != vl || memcmp(v, w, vl) != 0) {
        if (from_is_theirs)
          snprintf(why, len, "%.*s is %.*s in %s, %.*s %s", (int)klen, l, (int)vl, v, a, (int)wl, w, b);
        else
          snprintf(why, len, "%.*s is %.*s in %s, %.*s %s", (int)klen, l, (int)wl, w, b, (int)vl, v, a);
        return 1;
      }
    }
    l = e ? e + 1 : NULL;
  }
  return 0;
}

/* The first difference of two model texts, as "KEY is A in <where>, B here" */
void nfcs_model_difference(const char *theirs, const char *ours, const char *where, char *why, size_t len) {
  theirs = theirs ? theirs : "";
  ours = ours ? ours : "";
  if (first_difference(theirs, ours, where, "here", 1, why, len)) return;
  if (first_difference(ours, theirs, "this config", where, 0, why, len)) return;
  snprintf(why, len, "the model hashes differ");
}
