/* NFCS core — a bundle: named arrays in one preallocated arena.  The exact state of every module
 * goes into one for a checkpoint (written by io/) and comes out of one on restart. */
#ifndef NFCS_BUNDLE_H
#define NFCS_BUNDLE_H

#include "nfcs_base.h"

NFCS_EXTERN_C_BEGIN

typedef enum nfcs_bundle_kind { NFCS_BK_F64 = 0, NFCS_BK_I64 = 1, NFCS_BK_REAL = 2 } nfcs_bundle_kind;

typedef struct nfcs_bundle_entry {
  char name[96];
  int kind;
  size_t count;   /* elements (a complex array of n values has count 2n, kind REAL) */
  size_t offset;  /* into the arena */
} nfcs_bundle_entry;

typedef struct nfcs_bundle {
  nfcs_bundle_entry *e;
  int n, cap;
  unsigned char *arena;
  size_t used, size;
} nfcs_bundle;

NFCS_API size_t nfcs_bundle_kind_size(int kind);
/* Allocate room for `bytes` of data in at most `entries` arrays. */
NFCS_API int nfcs_bundle_init(nfcs_bundle *b, size_t bytes, int entries);
NFCS_API void nfcs_bundle_free(nfcs_bundle *b);
NFCS_API void nfcs_bundle_reset(nfcs_bundle *b);
/* Reserve an entry and return where its data goes (NULL when full or a duplicate name). */
NFCS_API void *nfcs_bundle_reserve(nfcs_bundle *b, const char *name, int kind, size_t count);
NFCS_API int nfcs_bundle_put(nfcs_bundle *b, const char *name, int kind, size_t count, const void *data);
NFCS_API int nfcs_bundle_put_f64(nfcs_bundle *b, const char *name, double v);
NFCS_API int nfcs_bundle_put_i64(nfcs_bundle *b, const char *name, int64_t v);
/* The data of an entry with this kind and count, NULL when absent or different. */
NFCS_API const void *nfcs_bundle_get(const nfcs_bundle *b, const char *name, int kind, size_t count);
NFCS_API const nfcs_bundle_entry *nfcs_bundle_find(const nfcs_bundle *b, const char *name);
NFCS_API int nfcs_bundle_get_f64(const nfcs_bundle *b, const char *name, double *v);
NFCS_API int nfcs_bundle_get_i64(const nfcs_bundle *b, const char *name, int64_t *v);

NFCS_EXTERN_C_END
#endif
