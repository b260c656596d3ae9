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

int nfcs_input_read_rows(const nfcs_input *in, nfcs_ctx *ctx, const nfcs_params *p, const char *file_key, const char *dataset,
                         nfcs_elem elem, int rank, const int64_t *shape, const char *shape_of, int64_t row0, int64_t rows,
                         nfcs_array *out) {
  memset(out, 0, sizeof *out);
  if (in && in->ops && in->ops->read_rows)
    return in->ops->read_rows(in->self, ctx, p, file_key, dataset, elem, rank, shape, shape_of, row0, rows, out);
  NFCS_CHECK(nfcs_input_read(in, ctx, p, file_key, dataset, elem, rank, shape, shape_of, out));
  if (out->rank < 1 || row0 < 0 || rows < 0 || row0 + rows > out->dims[0]) {
    nfcs_array_free(out);
    return NFCS_ERROR(ctx, NFCS_ERR_SOFTWARE, "%s: rows %lld..%lld outside the dataset", file_key, (long long)row0, (long long)(row0 + rows));
  }
  size_t row = nfcs_elem_size(elem);
  for (int a = 1; a < out->rank; a++) row *= (size_t)out->dims[a];
  memmove(out->data, (char *)out->data + (size_t)row0 * row, (size_t)rows * row);
  out->dims[0] = rows;
  return NFCS_OK;
}

void nfcs_array_free(nfcs_array *a) {
  if (!a) return;
  free(a->data);
  memset(a, 0, sizeof *a);
}

nfcs_dataset *nfcs_dataset_add(nfcs_dataset_list *l, const char *path, nfcs_elem elem, nfcs_cadence cadence, int rank,
                               const int64_t *shape) {
  if (l->count >= NFCS_MAX_DATASETS || rank < 0 || rank > NFCS_MAX_RANK) return NULL;
  nfcs_dataset *d = &l->d[l->count++];
  memset(d, 0, sizeof *d);
  d->path = path;
  d->elem = elem;
  d->cadence = cadence;
  d->rank = rank;
  for (int a = 0; a < rank; a++) {
    d->shape[a] = d->extent[a] = shape[a];
    d->offset[a] = 0;
  }
  return d;
}

void nfcs_dataset_attr_f64(nfcs_dataset *d, const char *name, double v) {
  if (d->nattr < NFCS_MAX_ATTRS) d->attr[d->nattr++] = (nfcs_attr){.name = name, .elem = NFCS_ELEM_F64, .f = v};
}

void nfcs_dataset_attr_text(nfcs_dataset *d, const char *name, const char *text) {
  if (d->nattr < NFCS_MAX_ATTRS) d->attr[d->nattr++] = (nfcs_attr){.name = name, .elem = NFCS_ELEM_TEXT, .text = text};
}

size_t nfcs_dataset_bytes(const nfcs_dataset *d) {
  size_t n = nfcs_elem_size(d->elem);
  for (int a = 0; a < d->rank; a++) n *= (size_t)d->extent[a];
  return n;
}

void nfcs_metric_put(nfcs_metric_set *m, const char *name, double v) {
  for (int i = 0; i < m->count; i++)
    if (!strcmp(m->name[i], name)) {
      m->value[i] = v;
      return;
    }
  if (m->count < NFCS_MAX_METRICS) {
    m->name[m->count] = name;
    m->value[m->count++] = v;
  } else {
    m->dropped++;
  }
}

int nfcs_metric_find(const nfcs_metric_set *m, const char *name, double *v) {
  for (int i = 0; i < m->count; i++)
    if (!strcmp(m->name[i], name)) {
      *v = m->value[i];
      return 1;
    }
  return 0;
}

double nfcs_metric_or(const nfcs_metric_set *m, const char *name, double otherwise) {
  double v;
  return nfcs_metric_find(m, name, &v) ? v : otherwise;
}
