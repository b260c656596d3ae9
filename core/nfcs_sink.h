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
} nfcs_run_info;

/* One snapshot: host data valid for the duration of the call. */
typedef struct nfcs_snapshot {
  double t;
  int64_t step;
  const nfcs_real *phi;  /* npts complex, or NULL */
} nfcs_snapshot;

typedef struct nfcs_sink_ops {
  int (*open)(void *self, const nfcs_run_info *info);
  int (*snapshot)(void *self, const nfcs_snapshot *s);
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
