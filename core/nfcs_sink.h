/* NFCS core — the output interface: a data pointer plus a table of operations.  io/ implements
 * it for HDF5; core writes through it and never includes hdf5.h. */
#ifndef NFCS_SINK_H
#define NFCS_SINK_H

#include "nfcs_base.h"
#include "nfcs_grid.h"
#include "nfcs_params.h"

NFCS_EXTERN_C_BEGIN

/* What a run is, handed to the sink when the run starts. */
typedef struct nfcs_run_info {
  const nfcs_params *params;
  const char *effective_yaml;
  const char *command_line;
  const char *backend;
  int threads;
  const nfcs_grid *grid;  /* NULL without a cgl section */
  int64_t n_oscillators;  /* 0 without a kuramoto section */
  const double *omega;    /* [N] natural frequencies (host) */
  const char *const *oscillator_names; /* [N] upstream module names, or NULL */
} nfcs_run_info;

/* One snapshot: host data valid for the duration of the call. */
typedef struct nfcs_snapshot {
  double t;
  int64_t step;
  const nfcs_real *phi;  /* npts complex, or NULL */
  const double *theta;   /* N phases in [-pi, pi), or NULL */
} nfcs_snapshot;

/* One metrics sample: parallel arrays of names and values (the same names at every sample). */
typedef struct nfcs_metrics_sample {
  double t;
  int count;
  const char *const *names;
  const double *values;
} nfcs_metrics_sample;

typedef struct nfcs_sink_ops {
  int (*open)(void *self, const nfcs_run_info *info);
  int (*snapshot)(void *self, const nfcs_snapshot *s);
  int (*metrics)(void *self, const nfcs_metrics_sample *m);
  /* status: the run's outcome (0 success); the file is finished and closed either way */
  int (*close)(void *self, int status);
  void (*destroy)(void **self);
} nfcs_sink_ops;

typedef struct nfcs_sink {
  const nfcs_sink_ops *ops;
  void *self;
} nfcs_sink;

NFCS_EXTERN_C_END
#endif
