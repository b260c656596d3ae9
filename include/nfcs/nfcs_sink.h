/* NFCS core — the output interface: a data pointer plus a table of operations.  io/ implements
 * it for HDF5; core writes through it and never includes hdf5.h. */
#ifndef NFCS_SINK_H
#define NFCS_SINK_H

#include "nfcs_base.h"
#include "nfcs_data.h"
#include "nfcs_params.h"

NFCS_EXTERN_C_BEGIN

/* What a run is, handed to the sink when the run starts. */
typedef struct nfcs_run_info {
  const nfcs_params *params;
  const char *effective_yaml;
  const char *command_line;
  const char *backend;
  int threads;
  int mpi_ranks;          /* processes of the run (1 without mpirun) */
  int collective;         /* under mpirun: the sinks are collective (each process its blocks) */
  /* every dataset the modules write (static ones with their data), in registry order */
  int ndatasets;
  const nfcs_dataset *datasets;
  double resume_t;        /* restart: continue the file from this model time; < 0: a new run */
  const char *checkpoint_path;
  const char *model_hash; /* hex SHA-256 of the model (io/'s nfcs_model_describe), or NULL */
  const char *model_text; /* its canonical text, or NULL */
} nfcs_run_info;

/* The coordinator's timing of a run. */
typedef struct nfcs_tick_stats {
  int64_t ticks, overruns;
  int realtime;
  double rate_hz, achieved_rate_hz;
  double p50, p95, p99, max; /* work time per tick, ms */
} nfcs_tick_stats;

struct nfcs_bundle;
/* The live state of a run after each tick (the live-metrics sink's view of it). */
typedef struct nfcs_live {
  double t, t_end;            /* model time reached, and the run's end */
  int64_t ticks, overruns;    /* ticks done by this run (a restart counts its own), overruns so far */
  double tick_s;              /* the work time of the tick just ended, seconds */
  double rate_hz;             /* the coordinator's target rate */
  int nmodules;               /* modules that take steps, registry order */
  const char *module[NFCS_MAX_MODULES];
  int64_t steps[NFCS_MAX_MODULES];
} nfcs_live;


/* Every call of a sink comes from one thread (the coordinator's I/O thread; a collective sink's
 * while the coordinator waits for it); the data of a call is valid for its duration.
 * One snapshot: data[i] holds dataset i of the run's list (info->datasets) when it is a
 * per-snapshot one, this process's block of it; NULL otherwise. */
typedef struct nfcs_snapshot {
  double t;
  int64_t step;
  const void *data[NFCS_MAX_DATASETS];
} nfcs_snapshot;

/* One metrics sample: parallel arrays of names and values (the same names at every sample), and
 * the data of the per-sample datasets (data[i] as in a snapshot). */
typedef struct nfcs_metrics_sample {
  double t;
  int count;
  const char *const *names;
  const double *values;
  const void *data[NFCS_MAX_DATASETS];
} nfcs_metrics_sample;

/* Every operation is optional (NULL: the sink takes no interest in that kind of data). */
typedef struct nfcs_sink_ops {
  /* Under mpirun: 1 when every process opens this sink and hands it its own blocks (the datasets
   * it is given carry this process's offset and extent; every call is collective, made by all
   * processes in the same order); 0 when the first process alone has it and gets whole datasets
   * (gathered). */
  int collective;
  /* 1: the sink reads no dataset's data (it counts snapshots and reads the metrics' values, which
   * every process holds whole): under mpirun it runs on the first process alone, beside either
   * kind of file sink, and is left out of the choice between them */
  int no_data;
  int (*open)(void *self, const nfcs_run_info *info);
  int (*snapshot)(void *self, const nfcs_snapshot *s);
  int (*metrics)(void *self, const nfcs_metrics_sample *m);
  /* the exact state, to info->checkpoint_path through a temporary file and a rename */
  int (*checkpoint)(void *self, const struct nfcs_bundle *b, double t);
  /* the work time of every tick and its statistics (/coordinator) */
  int (*timing)(void *self, const float *tick_ms, int64_t n, const nfcs_tick_stats *st);
  /* The exception to the one thread: called on the coordinator's thread at the end of every tick
   * with the live state; it must return at once (copy what it needs under a lock of its own). */
  void (*tick)(void *self, const nfcs_live *l);
  /* status: the run's outcome (0 success); the file is finished and closed either way */
  int (*close)(void *self, int status);
  void (*destroy)(void **self);
} nfcs_sink_ops;

/* A run writes to a list of sinks; the I/O thread hands every item to each of them in turn.  The
 * failure of an essential sink (the file) stops the run; a best-effort sink (live metrics, say)
 * that fails is reported as a warning, closed with its error and left out from then on. */
typedef struct nfcs_sink {
  const nfcs_sink_ops *ops;
  void *self;
  int best_effort;
} nfcs_sink;

NFCS_EXTERN_C_END
#endif
