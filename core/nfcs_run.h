/* NFCS core — a run: the loop that advances the modules from t = 0 to run.t_end, one tick of
 * coordinator.sim_time_per_tick at a time, and hands snapshots to the sink when they fall due. */
#ifndef NFCS_RUN_H
#define NFCS_RUN_H

#include <signal.h>

#include "nfcs_base.h"
#include "nfcs_params.h"
#include "nfcs_sink.h"

NFCS_EXTERN_C_BEGIN

typedef struct nfcs_progress {
  double t, t_end;
  int64_t steps;
  double wall_s;
  int done;
} nfcs_progress;

struct nfcs_kuramoto_inputs;
typedef struct nfcs_run_options {
  const nfcs_real *initial_field;  /* host field for initial_condition.type file (read by io/), else NULL */
  struct nfcs_kuramoto_inputs *kuramoto_inputs; /* files of the network (read by io/; the run takes them), or NULL */
  const char *command_line;
  void (*progress)(void *user, const nfcs_progress *p);  /* called once per tick, and at the end */
  void *progress_user;
  volatile sig_atomic_t *stop;  /* set asynchronously (SIGINT): the run ends after the current tick */
} nfcs_run_options;

typedef struct nfcs_run_summary {
  double t_reached;
  int64_t cgl_steps, kuramoto_steps;
  int64_t metric_samples;
  int64_t snapshots;
  double wall_s;
  double setup_s;
  double step_ms_mean;  /* wall time per field step */
} nfcs_run_summary;

NFCS_API int nfcs_run(nfcs_ctx *ctx, const nfcs_params *p, nfcs_sink *sink, const nfcs_run_options *opt,
                      nfcs_run_summary *summary);

NFCS_EXTERN_C_END
#endif
