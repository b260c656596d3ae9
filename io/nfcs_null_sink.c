/* The null sink: every operation absent, so the I/O thread hands it nothing.  Benchmarks run the
 * coordinator through it to measure the run without a disk. */
#include "nfcs_io.h"

static const nfcs_sink_ops NULL_OPS = {0};

void nfcs_null_sink_create(nfcs_sink *sink) {
  sink->ops = &NULL_OPS;
  sink->self = NULL;
  sink->best_effort = 0;
}
