/* A program of your own on the engine's public API (include/nfcs/), with a sink of your own: run a
 * config and print its metric samples as CSV on stdout, one row per sample, instead of writing an
 * HDF5 file.  Built with the project (target nfcs_example_csv_metrics) and run by the tests, which
 * check that its numbers are exactly those of `nfcs run` with the same config.
 *
 *   nfcs_example_csv_metrics CONFIG.yaml [KEY=VALUE ...]
 *
 * Outside the build tree: cc csv_metrics.c $(pkg-config --cflags --libs nfcs) */
#include <stdio.h>
#include <stdlib.h>

#include "nfcs/nfcs.h"

/* The sink: it takes only metric samples (every other operation left NULL). */
typedef struct csv_sink {
  FILE *out;
  long rows;
} csv_sink;

static int csv_metrics(void *self, const nfcs_metrics_sample *m) {
  csv_sink *s = self;
  if (s->rows++ == 0) { /* the same series at every sample: the header once */
    fprintf(s->out, "t");
    for (int i = 0; i < m->count; i++) fprintf(s->out, ",%s", m->names[i]);
    fprintf(s->out, "\n");
  }
  fprintf(s->out, "%.17g", m->t);
  for (int i = 0; i < m->count; i++) fprintf(s->out, ",%.17g", m->values[i]);
  fprintf(s->out, "\n");
  return ferror(s->out) ? NFCS_ERR_IO : NFCS_OK;
}

static const nfcs_sink_ops CSV_OPS = {.metrics = csv_metrics};

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s CONFIG.yaml [KEY=VALUE ...]\n", argv[0]);
    return NFCS_ERR_USAGE;
  }
  nfcs_io_init();
  static nfcs_params p; /* large (the modules' sections): not on the stack */
  static nfcs_diags d;
  nfcs_params_defaults(&p);
  int rc = nfcs_config_load(argv[1], &p, &d);
  for (int i = 2; i < argc && rc != NFCS_ERR_NOINPUT; i++) nfcs_params_apply_set(&p, argv[i], &d);
  if (d.count == 0) nfcs_params_validate(&p, &d);
  for (int i = 0; i < d.count; i++) fprintf(stderr, "%s\n", d.msg[i]);
  if (d.count) return d.code ? d.code : NFCS_ERR_CONFIG;

  nfcs_ctx *ctx = NULL;
  if ((rc = nfcs_ctx_create(&ctx))) return rc;
  nfcs_ctx_set_threads(ctx, (int)p.backend.threads);
  nfcs_ctx_set_fft(ctx, p.backend.fft_planner, p.backend.fft_wisdom);
  csv_sink csv = {stdout, 0};
  nfcs_sink sink = {.ops = &CSV_OPS, .self = &csv};
  nfcs_run_options opt = {.input = nfcs_h5_input()}; /* the config's input files, read from HDF5 */
  nfcs_run_summary sum;
  rc = nfcs_ctx_use_backend(ctx, p.backend.device == NFCS_DEVICE_CUDA ? "cuda" : "cpu");
  if (!rc) rc = nfcs_run(ctx, &p, &sink, 1, &opt, &sum);
  if (rc) fprintf(stderr, "error: %s (%s)\n", nfcs_error_message(ctx), nfcs_status_name(rc));
  else fprintf(stderr, "%ld samples to t = %g\n", csv.rows, sum.t_reached);
  nfcs_ctx_destroy(&ctx);
  return rc;
}
