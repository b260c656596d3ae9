/* Named data: element sizes, reading through an input. */
#include <stdlib.h>
#include <string.h>

#include "nfcs_data.h"

size_t nfcs_elem_size(nfcs_elem e) {
  switch (e) {
  case NFCS_ELEM_F64: return sizeof(double);
  case NFCS_ELEM_I64: return sizeof(int64_t);
  case NFCS_ELEM_COMPLEX: return 2 * sizeof(nfcs_real);
  case NFCS_ELEM_TEXT: return sizeof(const char *);
  }
  return 0;
}

int nfcs_input_read(const nfcs_input *in, nfcs_ctx *ctx, const nfcs_params *p, const char *file_key, const char *dataset,
                    nfcs_elem elem, int rank, const int64_t *shape, const char *shape_of, nfcs_array *out) {
  memset(out, 0, sizeof *out);
  if (!in || !in->ops || !in->ops->read)
    return NFCS_ERROR(ctx, NFCS_ERR_SOFTWARE, "%s: no reader of input files was given to the run", file_key);
  return in->ops->read(in->self, ctx, p, file_key, dataset, elem, rank, shape, shape_of, out);
}

void nfcs_array_free(nfcs_array *a) {
  if (!a) return;
  free(a->data);
  memset(a, 0, sizeof *a);
}
