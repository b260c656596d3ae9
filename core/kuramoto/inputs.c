/* The files a network's section names (coupling matrix and its companions, edge list, initial
 * phases), read through the run's input reader and checked against N before the network is built. */
#include <stdlib.h>
#include <string.h>

#include "kuramoto_impl.h"
#include "nfcs_data.h"
#include "nfcs_kuramoto.h"
#include "nfcs_procs_ops.h"

int nfcs_kuramoto_read_inputs(nfcs_ctx *ctx, const nfcs_params *p, const nfcs_input *input, nfcs_kuramoto_inputs *in);

/* one dataset of a file into *out (the array's data taken over) */
static int take(nfcs_ctx *ctx, const nfcs_params *p, const nfcs_input *input, const char *file_key, const char *dataset,
                nfcs_elem elem, int rank, const int64_t *shape, void *out, int64_t *len) {
  nfcs_array a;
  NFCS_CHECK(nfcs_input_read(input, ctx, p, file_key, dataset, elem, rank, shape, NULL, &a));
  *(void **)out = a.data;
  if (len) *len = a.dims[0];
  return NFCS_OK;
}

/* rows row0 .. row0 + rows - 1 of an N x N matrix (a distributed run's process reads its own) */
static int take_rows(nfcs_ctx *ctx, const nfcs_params *p, const nfcs_input *input, const char *file_key, const char *dataset,
                     const int64_t *shape, int64_t row0, int64_t rows, void *out) {
  nfcs_array a;
  NFCS_CHECK(nfcs_input_read_rows(input, ctx, p, file_key, dataset, NFCS_ELEM_F64, 2, shape, NULL, row0, rows, &a));
  *(void **)out = a.data;
  return NFCS_OK;
}

int nfcs_kuramoto_read_inputs(nfcs_ctx *ctx, const nfcs_params *p, const nfcs_input *input, nfcs_kuramoto_inputs *in) {
  memset(in, 0, sizeof *in);
  const nfcs_kuramoto_params *kp = nfcs_kuramoto_section(p);
  const int64_t n = nfcs_kuramoto_size(kp);
  const int64_t nn[2] = {n, n}, n1[1] = {n}, any[1] = {-1};
  int rc = NFCS_OK;
  if (kp->coupling == NFCS_COUPLING_MATRIX) {
    const int from_file = kp->matrix.source == NFCS_MATRIX_FILE;
    const char *key = "kuramoto.matrix.path";
    /* the matrix and the lags: this process's rows only (the whole on one process) */
    nfcs_kur_layout l;
    nfcs_kuramoto_layout(kp, nfcs_procs()->rank, nfcs_procs()->size, &l);
    if (from_file) NFCS_CHECK_GOTO(take_rows(ctx, p, input, key, kp->matrix.dataset, nn, l.row0, l.rows, &in->K), out);
    if (kp->matrix.lag_dataset[0])
      NFCS_CHECK_GOTO(take_rows(ctx, p, input, key, kp->matrix.lag_dataset, nn, l.row0, l.rows, &in->lag), out);
    if (!from_file && kp->matrix.modulation_dataset[0])
      NFCS_CHECK_GOTO(take(ctx, p, input, key, kp->matrix.modulation_dataset, NFCS_ELEM_F64, 2, nn, &in->modulation, NULL), out);
    if (!from_file && kp->matrix.mask_dataset[0])
      NFCS_CHECK_GOTO(take(ctx, p, input, key, kp->matrix.mask_dataset, NFCS_ELEM_F64, 2, nn, &in->mask, NULL), out);
  }
  if (kp->coupling == NFCS_COUPLING_SPARSE) {
    const char *key = "kuramoto.sparse.path";
    int64_t ls = 0, ld = 0, lw = 0;
    NFCS_CHECK_GOTO(take(ctx, p, input, key, kp->sparse.src, NFCS_ELEM_I64, 1, any, &in->src, &ls), out);
    NFCS_CHECK_GOTO(take(ctx, p, input, key, kp->sparse.dst, NFCS_ELEM_I64, 1, any, &in->dst, &ld), out);
    if (kp->sparse.weight[0]) NFCS_CHECK_GOTO(take(ctx, p, input, key, kp->sparse.weight, NFCS_ELEM_F64, 1, any, &in->weight, &lw), out);
    if (ls != ld || (in->weight && lw != ls)) {
      rc = NFCS_ERROR(ctx, NFCS_ERR_DATA, "kuramoto.sparse: the datasets src, dst and weight must have the same length, got %lld, %lld and %lld",
                      (long long)ls, (long long)ld, (long long)(in->weight ? lw : ls));
      goto out;
    }
    in->nedges = ls;
  }
  if (kp->phases.type == NFCS_PHASES_FILE)
    NFCS_CHECK_GOTO(take(ctx, p, input, "kuramoto.initial_phases.path", kp->phases.dataset, NFCS_ELEM_F64, 1, n1, &in->theta0, NULL), out);
out:
  if (rc) nfcs_kuramoto_inputs_free(in);
  return rc;
}
