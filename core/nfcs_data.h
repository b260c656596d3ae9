/* NFCS core — named data: what modules read from input files and what they describe for the sinks
 * to write.  io/ implements the reading (HDF5); core never includes hdf5.h. */
#ifndef NFCS_DATA_H
#define NFCS_DATA_H

#include "nfcs_base.h"
#include "nfcs_params.h"

NFCS_EXTERN_C_BEGIN

/* Element types of named arrays.  COMPLEX is a pair of nfcs_real (re, im); in files it is the
 * compound {r, i} that h5py reads as complex. */
typedef enum nfcs_elem { NFCS_ELEM_F64 = 0, NFCS_ELEM_I64, NFCS_ELEM_COMPLEX, NFCS_ELEM_TEXT } nfcs_elem;
NFCS_API size_t nfcs_elem_size(nfcs_elem e);

#define NFCS_MAX_RANK 3 /* axes of a dataset besides time */

/* An array read from a file: dims in C order (slowest first), data malloc'd (the reader's caller frees it). */
typedef struct nfcs_array {
  nfcs_elem elem;
  int rank;
  int64_t dims[NFCS_MAX_RANK + 1];
  void *data;
} nfcs_array;

/* Reading the input files a config names (io/'s nfcs_h5_input). */
typedef struct nfcs_input_ops {
  /* Dataset `dataset` of the file that row `file_key` names (relative to the config's folder), as
   * elements `elem`: F64 from integer or floating data (every value finite), I64 from integer data
   * only, COMPLEX from a compound {r, i} (float64 or float32).  shape: `rank` expected lengths, -1
   * for any (rank < 0: any shape); `shape_of` names what fixes them in the message (or NULL).
   * Errors: NFCS_ERR_NOINPUT when the file cannot be opened or is not HDF5; NFCS_ERR_DATA for a
   * missing dataset, a wrong type or shape, or a value that is not finite. */
  int (*read)(void *self, nfcs_ctx *ctx, const nfcs_params *p, const char *file_key, const char *dataset, nfcs_elem elem,
              int rank, const int64_t *shape, const char *shape_of, nfcs_array *out);
} nfcs_input_ops;

typedef struct nfcs_input {
  const nfcs_input_ops *ops;
  void *self;
} nfcs_input;

/* Read through `in`, or NFCS_ERR_SOFTWARE naming file_key when there is no reader. */
NFCS_API int nfcs_input_read(const nfcs_input *in, nfcs_ctx *ctx, const nfcs_params *p, const char *file_key, const char *dataset,
                             nfcs_elem elem, int rank, const int64_t *shape, const char *shape_of, nfcs_array *out);
NFCS_API void nfcs_array_free(nfcs_array *a);

NFCS_EXTERN_C_END
#endif
