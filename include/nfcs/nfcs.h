/* NFCS core — the public API in one include: what a program built on the engine (the `nfcs`
 * command, the benchmarks, your own driver) may use.  Everything else (backends' operations,
 * module and regulator internals) is private to the libraries and may change at any commit.
 *
 *   nfcs_base.h      context, errors, logging, backends
 *   nfcs_params.h    the parameter table: defaults, keys, --set, validation, effective YAML
 *   nfcs_grid.h      the field's grid and Fourier frequencies
 *   nfcs_data.h      named arrays: datasets, metric series, input readers
 *   nfcs_sink.h      where a run's snapshots, samples and checkpoints go
 *   nfcs_run.h       a run: the coordinator's loop over the configured modules
 *   nfcs_bundle.h    named arrays in one arena (the exact state of a run, checkpoints)
 *   nfcs_cgl.h       the CGL field on its own (create, step, metrics)
 *   nfcs_kuramoto.h  Kuramoto networks on their own
 *   nfcs_metrics.h   measurements of a field (defects, phase metrics, the combined series)
 *   nfcs_io.h        YAML configs, HDF5 sink and inputs, checkpoints, model hash
 *   nfcs_bench.h     the engine timing itself against its floors (nfcs bench, microbenchmarks) */
#ifndef NFCS_H
#define NFCS_H

#include "nfcs_base.h"
#include "nfcs_bench.h"
#include "nfcs_bundle.h"
#include "nfcs_cache.h"
#include "nfcs_cgl.h"
#include "nfcs_data.h"
#include "nfcs_grid.h"
#include "nfcs_io.h"
#include "nfcs_kuramoto.h"
#include "nfcs_metrics.h"
#include "nfcs_params.h"
#include "nfcs_procs.h"
#include "nfcs_run.h"
#include "nfcs_sink.h"

#endif
