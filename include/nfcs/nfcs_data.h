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
  /* optional: the same, but only rows row0 .. row0 + rows - 1 of the first axis (the whole shape is
   * checked; out->dims[0] is rows): a distributed run's process reads its own part only */
  int (*read_rows)(void *self, nfcs_ctx *ctx, const nfcs_params *p, const char *file_key, const char *dataset, nfcs_elem elem,
                   int rank, const int64_t *shape, const char *shape_of, int64_t row0, int64_t rows, nfcs_array *out);
} nfcs_input_ops;

typedef struct nfcs_input {
  const nfcs_input_ops *ops;
  void *self;
} nfcs_input;

/* ---------------------------------------------------------------- what modules write */

/* When a dataset gets data: once (written when the output opens), at every snapshot (a time axis
 * first, /time/t), or at every metrics sample (a time axis first, /metrics/t). */
typedef enum nfcs_cadence { NFCS_STATIC = 0, NFCS_PER_SNAPSHOT, NFCS_PER_SAMPLE } nfcs_cadence;

#define NFCS_DS_SCALE 1u         /* a coordinate axis (a dimension scale named scale_name) */
#define NFCS_DS_OUT_PRECISION 2u /* floating data stored at output.precision (else at full precision) */
#define NFCS_DS_ROOT 4u          /* also linked at the file's root (netCDF readers find it there) */
#define NFCS_DS_XDMF 8u          /* a complex field on a uniform grid: |z| and arg z beside it and an
                                    XDMF sidecar, when output.xdmf */
#define NFCS_DS_SPLIT 16u        /* shared among the processes of a distributed run in blocks of its
                                    first axis, in rank order (offset/extent: this process's block);
                                    without it every process holds the whole dataset */

typedef struct nfcs_attr {
  const char *name;
  nfcs_elem elem; /* F64, I64 or TEXT */
  double f;
  int64_t i;
  const char *text;
} nfcs_attr;

#define NFCS_MAX_ATTRS 8
/* A dataset a module writes.  Shapes in C order (slowest axis first), without the time axis. */
typedef struct nfcs_dataset {
  const char *path;        /* "/fields/phi": its groups are created as needed */
  nfcs_elem elem;
  unsigned flags;          /* NFCS_DS_* */
  nfcs_cadence cadence;
  int rank;
  int64_t shape[NFCS_MAX_RANK];   /* global */
  int64_t offset[NFCS_MAX_RANK];  /* this process's block: where it starts ... */
  int64_t extent[NFCS_MAX_RANK];  /* ... and its lengths (the whole shape on one process) */
  const char *scale[NFCS_MAX_RANK]; /* per axis: the path of the dataset of its coordinates, or NULL */
  const char *scale_name;  /* NFCS_DS_SCALE: the dimension's name ("x", "oscillator") */
  double origin[NFCS_MAX_RANK], spacing[NFCS_MAX_RANK]; /* NFCS_DS_XDMF: the uniform axes */
  const void *data;        /* NFCS_STATIC: the values (host, valid while the run lasts) */
  int nattr;
  nfcs_attr attr[NFCS_MAX_ATTRS];
} nfcs_dataset;

#define NFCS_MAX_DATASETS 32
typedef struct nfcs_dataset_list {
  int count;
  nfcs_dataset d[NFCS_MAX_DATASETS];
} nfcs_dataset_list;

/* Append a dataset of rank axes with the given global shape (offset 0, extent the shape), NULL
 * when the list is full.  The strings must outlive the run. */
NFCS_API nfcs_dataset *nfcs_dataset_add(nfcs_dataset_list *l, const char *path, nfcs_elem elem, nfcs_cadence cadence, int rank,
                                        const int64_t *shape);
NFCS_API void nfcs_dataset_attr_f64(nfcs_dataset *d, const char *name, double v);
NFCS_API void nfcs_dataset_attr_text(nfcs_dataset *d, const char *name, const char *text);
/* Bytes of this process's block of one entry (one snapshot, one sample, or the whole of a static one). */
NFCS_API size_t nfcs_dataset_bytes(const nfcs_dataset *d);

/* One metrics sample: named values (the names are static strings, the same at every sample). */
#define NFCS_MAX_METRICS 48
typedef struct nfcs_metric_set {
  double t;
  int count;
  int dropped; /* series put beyond NFCS_MAX_METRICS (the run fails on them) */
  const char *name[NFCS_MAX_METRICS];
  double value[NFCS_MAX_METRICS];
} nfcs_metric_set;
/* Set a series (replacing a value of the same name). */
NFCS_API void nfcs_metric_put(nfcs_metric_set *m, const char *name, double v);
/* Its value into *v (1), or 0 when the sample has no such series. */
NFCS_API int nfcs_metric_find(const nfcs_metric_set *m, const char *name, double *v);
/* Its value, or `otherwise` when the sample has none. */
NFCS_API double nfcs_metric_or(const nfcs_metric_set *m, const char *name, double otherwise);

/* State a module offers to others by name (another module, the regulator): an array in backend
 * memory, read through the backend's memory operations, valid until that module next advances. */
struct nfcs_grid;
typedef struct nfcs_shared {
  nfcs_elem elem;          /* F64 (phases) or COMPLEX (a field) */
  int64_t count;           /* elements */
  const struct nfcs_grid *grid; /* a field's grid, else NULL */
  const void *data;
} nfcs_shared;

/* Read through `in`, or NFCS_ERR_SOFTWARE naming file_key when there is no reader. */
NFCS_API int nfcs_input_read(const nfcs_input *in, nfcs_ctx *ctx, const nfcs_params *p, const char *file_key, const char *dataset,
                             nfcs_elem elem, int rank, const int64_t *shape, const char *shape_of, nfcs_array *out);
/* Rows row0 .. row0 + rows - 1 of the first axis (through read_rows, or the whole read and cut). */
NFCS_API int nfcs_input_read_rows(const nfcs_input *in, nfcs_ctx *ctx, const nfcs_params *p, const char *file_key, const char *dataset,
                                  nfcs_elem elem, int rank, const int64_t *shape, const char *shape_of, int64_t row0, int64_t rows,
                                  nfcs_array *out);
NFCS_API void nfcs_array_free(nfcs_array *a);

NFCS_EXTERN_C_END
#endif
