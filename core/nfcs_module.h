/* NFCS core — the module interface: what the coordinator drives each tick.  A module is a data
 * pointer plus this table; the registry (core/nfcs_modules.c) lists them in a fixed order — the
 * order in which they advance, are measured and are written.  Adding a module is one new file
 * (core/nfcs_module_<name>.c) and one registry line. */
#ifndef NFCS_MODULE_H
#define NFCS_MODULE_H

#include "nfcs_base.h"
#include "nfcs_bundle.h"
#include "nfcs_metrics.h"
#include "nfcs_params.h"
#include "nfcs_regulator.h"
#include "nfcs_sink.h"

NFCS_EXTERN_C_BEGIN

struct nfcs_kuramoto_inputs;

/* Inputs read by io/ before the run (files named in the config). */
typedef struct nfcs_module_env {
  const nfcs_real *initial_field;
  struct nfcs_kuramoto_inputs *kuramoto_inputs;
} nfcs_module_env;

typedef struct nfcs_module_ops {
  const char *name;
  int (*present)(const nfcs_params *p);
  int (*create)(nfcs_ctx *ctx, const nfcs_params *p, const nfcs_module_env *env, void **self);
  void (*destroy)(void **self);
  double (*dt)(void *self);
  double (*time)(void *self);
  int64_t (*steps)(void *self);
  /* plan the step sizes that landing on time t needs (before the loop) */
  int (*prepare)(void *self, double t);
  /* advance to model time t; NFCS_ERR_INTERRUPTED after the step during which *stop was set */
  int (*advance)(void *self, double t, const volatile int *stop);
  /* is the state finite? (*finite set; the status of the check) */
  int (*finite)(void *self, int *finite);
  /* this module's metrics into m (full = 0: only what the regulator needs) */
  int (*observe)(void *self, nfcs_metrics *m, int full);
  /* apply the regulator's controls for the next tick */
  int (*control)(void *self, const nfcs_controls *u);
  /* phases for the regulator, NULL for modules without them */
  int (*phases)(void *self, double *host);
  /* what the output file needs to know about this module */
  void (*describe)(void *self, nfcs_run_info *info);
  size_t (*snapshot_bytes)(void *self);
  int (*snapshot)(void *self, void *buf, nfcs_snapshot *s);
  size_t (*state_bytes)(void *self);
  int (*save)(void *self, nfcs_bundle *b);
  int (*restore)(void *self, const nfcs_bundle *b);
} nfcs_module_ops;

/* The registry, in its fixed order: cgl, kuramoto. */
NFCS_API const nfcs_module_ops *const *nfcs_modules(size_t *count);

NFCS_EXTERN_C_END
#endif
