/* NFCS core — the module interface.  A module is a type object: its config section (rows in the
 * one parameter table, its own params struct, cross-key checks, which rows its model uses) and
 * the operations the coordinator drives each tick.  The registry (core/nfcs_modules.def) lists
 * the modules in a fixed order — the order in which they advance, are measured and are written.
 * Adding a module is one folder (core/<name>/) and one registry line. */
#ifndef NFCS_MODULE_H
#define NFCS_MODULE_H

#include "nfcs_base.h"
#include "nfcs_bundle.h"
#include "nfcs_data.h"
#include "nfcs_metrics.h"
#include "nfcs_params.h"
#include "nfcs_regulator.h"
#include "nfcs_sink.h"

NFCS_EXTERN_C_BEGIN

/* What a module is given when it is created. */
typedef struct nfcs_module_env {
  const nfcs_input *input; /* reads the files its section names (may be NULL: a module that needs one fails) */
} nfcs_module_env;

typedef struct nfcs_module_type {
  const char *name;        /* its config section: the first component of each of its keys */
  const char *description;
  /* the section: rows whose offsets are into the module's own params struct (the list ends with
   * a row whose key is NULL), and the struct's size */
  const nfcs_param_def *params;
  size_t params_size;
  /* optional: cross-key checks of the section (nfcs_params_error for each) */
  int (*validate)(const nfcs_params *p, nfcs_diags *diags);
  /* optional: is a row of the section flagged NFCS_PF_MODEL used by this config?  (NULL: every one) */
  int (*in_model)(const nfcs_params *p, const nfcs_param_def *d);
  /* the regulator's controls it takes (NULL-terminated names), or NULL */
  const char *const *controls;

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
} nfcs_module_type;

/* The registry, in its fixed order (core/nfcs_modules.def). */
NFCS_API const nfcs_module_type *const *nfcs_modules(size_t *count);
/* A module by name, and its registry index (NULL, -1 when unknown). */
NFCS_API const nfcs_module_type *nfcs_module_find(const char *name, int *index);

NFCS_EXTERN_C_END
#endif
