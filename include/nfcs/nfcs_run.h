/* NFCS core — a run: the coordinator's loop that advances the modules from t = 0 (or a
 * checkpoint) to run.t_end, one tick of coordinator.sim_time_per_tick at a time; measures,
 * regulates, and hands snapshots, metrics and checkpoints to the sink (through its I/O thread)
 * when they fall due. */
#ifndef NFCS_RUN_H
#define NFCS_RUN_H

#include <signal.h>

#include "nfcs_base.h"
#include "nfcs_params.h"
#include "nfcs_sink.h"

struct nfcs_bundle;

NFCS_EXTERN_C_BEGIN

typedef struct nfcs_progress {
  double t, t_end;
  int64_t steps;
  double wall_s;
  int done;
} nfcs_progress;

struct nfcs_input;
typedef struct nfcs_run_options {
  const struct nfcs_input *input;  /* reads the input files the config names (io/'s nfcs_h5_input()), or NULL */
  const char *command_line;
  void (*progress)(void *user, const nfcs_progress *p);  /* called once per tick, and at the end */
  void *progress_user;
  volatile sig_atomic_t *stop;  /* set asynchronously (SIGINT/SIGTERM): the run stops after the current step,
                                   writes a checkpoint and closes the file (NFCS_ERR_INTERRUPTED) */
  const struct nfcs_bundle *restart;  /* a checkpoint's state (read by io/): continue from it, or NULL */
  int snapshot_buffers;               /* snapshot buffers in flight to the I/O thread (0: 2) */
  const char *model_hash, *model_text; /* the model's identity, handed to the sinks (or NULL) */
} nfcs_run_options;

typedef struct nfcs_run_summary {
  double t_reached;
  int nmodules;
  char module_line[NFCS_MAX_MODULES][128]; /* each module's line ("field: 1000 steps"), registry order */
  int64_t steps;                           /* steps of the busiest module */
  int64_t metric_samples;
  int64_t snapshots;
  double wall_s;
  double setup_s;
  double step_ms_mean;  /* wall time per step of the busiest module */
  double t_start;       /* 0, or the checkpoint's time */
  int64_t checkpoints;
  char checkpoint_path[NFCS_PATH_MAX + 16];
  nfcs_tick_stats ticks;
  int max_in_flight;    /* snapshot buffers queued at once, at most */
} nfcs_run_summary;

/* The checkpoint path of a config: output.checkpoint_path, or output.path with .ckpt.h5 in place of .h5. */
NFCS_API void nfcs_checkpoint_path(const nfcs_params *p, char *out, size_t len);
/* The XDMF sidecar's path (output.xdmf): output.path with .xmf in place of .h5. */
NFCS_API void nfcs_sidecar_path(const nfcs_params *p, char *out, size_t len);

/* The files of a run, checked before anything is written: the output, the checkpoint, the config
 * file, the checkpoint continued from (restart, or NULL) and every input file of the model must be
 * different files, and so must the XDMF sidecar when output.xdmf asks for one and the live-metrics
 * textfile when monitor.textfile names one (by device and
 * inode where they exist, else by their canonical path; the one
 * exception: the run's checkpoint may replace the one it continues from) -> NFCS_ERR_CONFIG, with
 * the key's place in the config; for_run: the folders of the output and the checkpoint exist and
 * are writable -> NFCS_ERR_CANTCREAT.  Every finding goes to diags. */
NFCS_API int nfcs_run_check_files(const nfcs_params *p, const char *restart, int for_run, nfcs_diags *diags);

/* About how many bytes a run of p holds (the modules' estimates; their parts in detail, e.g.
 * "cgl 1.2 GB, kuramoto 0.01 GB"), and the check that the machine has them: NFCS_ERR_NOMEM (71)
 * with the figures in diags when it does not.  nfcs_run checks it too, before allocating. */
NFCS_API double nfcs_run_memory(const nfcs_params *p, char *detail, size_t len);
NFCS_API int nfcs_run_check_memory(const nfcs_params *p, nfcs_diags *diags);

/* What a run of p is, in one line for its start: every module's phrase (scheme, integrator, time
 * step), the regulator (and how to turn off the default one), backend, threads, processes, the
 * model time span and the output. */
NFCS_API void nfcs_run_about(const nfcs_params *p, int threads, int processes, double t_start, char *line, size_t len);

/* Run p to run.t_end (or from opt->restart), writing to the list of sinks (nsinks of them, at
 * most NFCS_MAX_SINKS; 0 for none). */
NFCS_API int nfcs_run(nfcs_ctx *ctx, const nfcs_params *p, const nfcs_sink *sinks, int nsinks, const nfcs_run_options *opt,
                      nfcs_run_summary *summary);

NFCS_EXTERN_C_END
#endif
