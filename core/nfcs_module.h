/* NFCS core — the module interface.  A module is a type object: its config section (rows in the
 * one parameter table, its own params struct, cross-key checks, which rows its model uses) and
 * the operations the coordinator drives: advance in time, measure (named metric series), take
 * the regulator's controls (by name), share state with other modules, describe the datasets it
 * writes and fill them, save and restore its exact state.  The registry (core/nfcs_modules.def)
 * lists the modules in a fixed order — the order in which they advance, are measured and are
 * written.  Adding a module is one folder (core/<name>/) and one registry line
 * (docs/architecture.md shows one). */
#ifndef NFCS_MODULE_H
#define NFCS_MODULE_H

#include "nfcs_base.h"
#include "nfcs_bundle.h"
#include "nfcs_data.h"
#include "nfcs_params.h"
#include "nfcs_regulator.h"

NFCS_EXTERN_C_BEGIN

struct nfcs_module_type;

/* Another module of the run, to ask for the state it shares. */
typedef struct nfcs_module_ref {
  const struct nfcs_module_type *type;
  void *self;
} nfcs_module_ref;

/* What a module is given when it is created. */
typedef struct nfcs_module_env {
  const nfcs_input *input; /* reads the files its section names (NULL: a module that needs one fails) */
  /* the modules created before it (registry order) */
  int nmodules;
  const nfcs_module_ref *modules;
} nfcs_module_env;

/* A module created before this one, by name: 1 and *out set, or 0. */
NFCS_API int nfcs_module_env_find(const nfcs_module_env *env, const char *name, nfcs_module_ref *out);

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
  /* 1: it only observes others (changes no trajectory), so it is no part of the model: adding or
   * removing it keeps the model hash, a restart and a continued file */
  int observer;

  /* optional: what the config asks of it, in a phrase for the run's start line ("field 2D
   * 128x128, strang, dt 0.01") */
  void (*about)(const nfcs_params *p, char *line, size_t len);
  /* optional: about how many bytes the module of this config will hold (its state, work arrays,
   * output copies), before anything is allocated: a run that would not fit is refused (71) */
  double (*memory)(const nfcs_params *p);

  int (*create)(nfcs_ctx *ctx, const nfcs_params *p, const nfcs_module_env *env, void **self);
  void (*destroy)(void **self);

  /* time: each module steps on its own grid t_k = k dt (dt NULL: it has no time of its own and
   * only observes others; time and steps may then be NULL too) */
  double (*dt)(void *self);
  double (*time)(void *self);
  int64_t (*steps)(void *self);
  /* optional: plan the step sizes that landing on time t needs (before the loop) */
  int (*prepare)(void *self, double t);
  /* optional: advance to model time t; NFCS_ERR_INTERRUPTED after the step during which *stop was set */
  int (*advance)(void *self, double t, const volatile int *stop);
  /* optional: is the state finite?  (*finite set; the status of the check) */
  int (*finite)(void *self, int *finite);

  /* optional: its metric series into m (full = 0: only what the regulator needs) */
  int (*observe)(void *self, nfcs_metric_set *m, int full);
  /* optional: take the regulator's controls for the next tick (those it lists in `controls`) */
  int (*control)(void *self, const nfcs_controls *u);
  /* optional: state it offers by name (e.g. "phi", "theta"); NFCS_ERR_SOFTWARE for other names */
  int (*share)(void *self, const char *name, nfcs_shared *out);

  /* optional: the datasets it writes, appended to the list (their strings and static data owned
   * by the module) */
  int (*datasets)(void *self, nfcs_dataset_list *list);
  /* optional: the data of its datasets of the given cadence (per snapshot, per sample) into buf —
   * record_bytes(cadence) bytes —, data[k] pointing at that of its k-th dataset of the cadence */
  size_t (*record_bytes)(void *self, nfcs_cadence cadence);
  int (*record)(void *self, nfcs_cadence cadence, void *buf, const void **data);

  /* its exact state in a checkpoint (optional for a module without state) */
  size_t (*state_bytes)(void *self);
  int (*save)(void *self, nfcs_bundle *b);
  int (*restore)(void *self, const nfcs_bundle *b);

  /* optional: one line for the run's summary ("field: 1000 steps") */
  void (*summary)(void *self, char *line, size_t len);
} nfcs_module_type;

/* The registry, in its fixed order (core/nfcs_modules.def). */
NFCS_API const nfcs_module_type *const *nfcs_modules(size_t *count);
/* A module by name, and its registry index (NULL, -1 when unknown). */
NFCS_API const nfcs_module_type *nfcs_module_find(const char *name, int *index);

NFCS_EXTERN_C_END
#endif
