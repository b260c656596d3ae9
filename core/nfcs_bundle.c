#include "nfcs_bundle.h"

#include <stdlib.h>
#include <string.h>

size_t nfcs_bundle_kind_size(int kind) { return kind == NFCS_BK_REAL ? sizeof(nfcs_real) : 8; }

int nfcs_bundle_init(nfcs_bundle *b, size_t bytes, int entries) {
  memset(b, 0, sizeof *b);
  b->arena = malloc(bytes ? bytes : 8);
  b->e = calloc((size_t)entries, sizeof *b->e);
  if (!b->arena || !b->e) {
    nfcs_bundle_free(b);
    return NFCS_ERR_NOMEM;
  }
  b->size = bytes;
  b->cap = entries;
  return NFCS_OK;
}

void nfcs_bundle_free(nfcs_bundle *b) {
  free(b->arena);
  free(b->e);
  memset(b, 0, sizeof *b);
}

void nfcs_bundle_reset(nfcs_bundle *b) {
  b->n = 0;
  b->used = 0;
}

const nfcs_bundle_entry *nfcs_bundle_find(const nfcs_bundle *b, const char *name) {
  for (int i = 0; i < b->n; i++)
    if (!strcmp(b->e[i].name, name)) return &b->e[i];
  return NULL;
}

void *nfcs_bundle_reserve(nfcs_bundle *b, const char *name, int kind, size_t count) {
  size_t bytes, end;
  const size_t off = (b->used + 63) & ~(size_t)63;
  if (__builtin_mul_overflow(count, nfcs_bundle_kind_size(kind), &bytes) || __builtin_add_overflow(off, bytes, &end)) return NULL;
  if (b->n >= b->cap || end > b->size || strlen(name) >= sizeof b->e[0].name || nfcs_bundle_find(b, name)) return NULL;
  nfcs_bundle_entry *e = &b->e[b->n++];
  strcpy(e->name, name);
  e->kind = kind;
  e->count = count;
  e->offset = off;
  b->used = off + bytes;
  return b->arena + off;
}

int nfcs_bundle_put(nfcs_bundle *b, const char *name, int kind, size_t count, const void *data) {
  void *dst = nfcs_bundle_reserve(b, name, kind, count);
  if (!dst) return NFCS_ERR_SOFTWARE;
  memcpy(dst, data, count * nfcs_bundle_kind_size(kind));
  return NFCS_OK;
}

int nfcs_bundle_put_f64(nfcs_bundle *b, const char *name, double v) { return nfcs_bundle_put(b, name, NFCS_BK_F64, 1, &v); }
int nfcs_bundle_put_i64(nfcs_bundle *b, const char *name, int64_t v) { return nfcs_bundle_put(b, name, NFCS_BK_I64, 1, &v); }

const void *nfcs_bundle_get(const nfcs_bundle *b, const char *name, int kind, size_t count) {
  const nfcs_bundle_entry *e = nfcs_bundle_find(b, name);
  if (!e || e->kind != kind || e->count != count) return NULL;
  return b->arena + e->offset;
}

int nfcs_bundle_get_f64(const nfcs_bundle *b, const char *name, double *v) {
  const double *p = nfcs_bundle_get(b, name, NFCS_BK_F64, 1);
  if (!p) return NFCS_ERR_DATA;
  *v = *p;
  return NFCS_OK;
}

int nfcs_bundle_get_i64(const nfcs_bundle *b, const char *name, int64_t *v) {
  const int64_t *p = nfcs_bundle_get(b, name, NFCS_BK_I64, 1);
  if (!p) return NFCS_ERR_DATA;
  *v = *p;
  return NFCS_OK;
}
