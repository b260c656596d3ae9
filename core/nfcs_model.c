/* Model identity as data: which parameter rows change the trajectory of a given config, the
 * canonical text of the model, and the input files whose contents belong to it.  (The hash of
 * that text and of the files is io/'s: core reads no file and links no crypto library.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfcs_params.h"

/* The size of the network (kuramoto.oscillators, or the number of named frequencies) and whether
 * its frequencies come from the names (nfcs_kuramoto_frequencies' rule). */
static int named_frequencies(const nfcs_params *p) {
  const int64_t n = p->kuramoto.oscillators > 0 ? p->kuramoto.oscillators : p->kuramoto.natural_frequencies.n;
  return p->kuramoto.oscillators == 0 || (p->kuramoto.natural_frequencies.n > 0 && p->kuramoto.natural_frequencies.n == n);
}

static int is(const char *key, const char *name) { return strcmp(key, name) == 0; }
static int starts(const char *key, const char *prefix) { return strncmp(key, prefix, strlen(prefix)) == 0; }

int nfcs_param_in_model(const nfcs_params *p, const nfcs_param_def *d) {
  if (!(d->flags & NFCS_PF_MODEL)) return 0;
  const char *k = d->key;
  if (starts(k, "cgl.")) {
    if (!p->has_cgl) return 0;
    const int ic = p->cgl.ic.type;
    if (is(k, "cgl.noise_seed")) return p->cgl.noise > 0;
    if (is(k, "cgl.initial_condition.amplitude")) return ic != NFCS_IC_FILE;
    if (is(k, "cgl.initial_condition.seed")) return ic == NFCS_IC_RANDOM_NOISE;
    if (is(k, "cgl.initial_condition.path") || is(k, "cgl.initial_condition.dataset")) return ic == NFCS_IC_FILE;
    if (is(k, "cgl.initial_condition.wavenumber")) return ic == NFCS_IC_PLANE_WAVE;
    if (is(k, "cgl.initial_condition.charge")) return ic == NFCS_IC_SPIRAL;
    if (is(k, "cgl.initial_condition.width")) return ic == NFCS_IC_SPIRAL || ic == NFCS_IC_GAUSSIAN;
    return 1;
  }
  if (starts(k, "kuramoto.")) {
    if (!p->has_kuramoto) return 0;
    const int ens = p->kuramoto.ensemble > 1, vary = p->kuramoto.ensemble_vary, ph = p->kuramoto.phases.type;
    const int matrix = p->kuramoto.coupling == NFCS_COUPLING_MATRIX, from_file = p->kuramoto.matrix.source == NFCS_MATRIX_FILE;
    if (is(k, "kuramoto.natural_frequencies")) return named_frequencies(p);
    if (starts(k, "kuramoto.frequency_distribution.")) {
      if (named_frequencies(p)) return 0;
      if (is(k, "kuramoto.frequency_distribution.seed"))
        return p->kuramoto.freq.sampling == NFCS_SAMPLING_RANDOM || (ens && vary == NFCS_VARY_FREQUENCIES);
      return 1;
    }
    if (is(k, "kuramoto.noise_seed")) return p->kuramoto.noise > 0;
    if (is(k, "kuramoto.initial_phases.seed"))
      return ph == NFCS_PHASES_RANDOM || ph == NFCS_PHASES_WRAPPED_CAUCHY || (ens && vary == NFCS_VARY_PHASES);
    if (is(k, "kuramoto.initial_phases.value")) return ph == NFCS_PHASES_EQUAL;
    if (is(k, "kuramoto.initial_phases.R0") || is(k, "kuramoto.initial_phases.center")) return ph == NFCS_PHASES_WRAPPED_CAUCHY;
    if (is(k, "kuramoto.initial_phases.path") || is(k, "kuramoto.initial_phases.dataset")) return ph == NFCS_PHASES_FILE;
    if (starts(k, "kuramoto.matrix.")) {
      if (!matrix) return 0;
      if (is(k, "kuramoto.matrix.dataset")) return from_file;
      if (is(k, "kuramoto.matrix.modulation_dataset") || is(k, "kuramoto.matrix.mask_dataset")) return !from_file;
      if (is(k, "kuramoto.matrix.path"))
        return from_file || p->kuramoto.matrix.lag_dataset[0] || p->kuramoto.matrix.modulation_dataset[0] ||
               p->kuramoto.matrix.mask_dataset[0];
      return 1; /* source, lag_dataset */
    }
    if (starts(k, "kuramoto.sparse.")) return p->kuramoto.coupling == NFCS_COUPLING_SPARSE;
    if (is(k, "kuramoto.ensemble_vary")) return ens;
    if (is(k, "kuramoto.ensemble_coupling")) return ens && vary == NFCS_VARY_COUPLING;
    return 1;
  }
  if (starts(k, "regulator.") || is(k, "system.coherence_target")) {
    const int type = p->regulator.type;
    if (type == NFCS_REG_NONE) return is(k, "regulator.type");
    if (is(k, "regulator.field_gain")) return p->has_cgl;
    if (is(k, "regulator.oscillator_gain")) return p->has_kuramoto && type == NFCS_REG_PROPORTIONAL;
    if (is(k, "regulator.feedback_gain")) return p->has_kuramoto && type == NFCS_REG_PHASE_FEEDBACK;
    return 1;
  }
  return 1;
}

/* rows naming an input file: their contents, not their names, belong to the model */
static const char *const FILE_KEYS[] = {"cgl.initial_condition.path", "kuramoto.matrix.path", "kuramoto.sparse.path",
                                        "kuramoto.initial_phases.path"};

static int is_file_key(const char *key) {
  for (size_t i = 0; i < sizeof FILE_KEYS / sizeof FILE_KEYS[0]; i++)
    if (is(key, FILE_KEYS[i])) return 1;
  return 0;
}

int nfcs_params_input_files(const nfcs_params *p, nfcs_input_file *files, int max) {
  int n = 0;
  for (size_t i = 0; i < sizeof FILE_KEYS / sizeof FILE_KEYS[0]; i++) {
    const nfcs_param_def *d = nfcs_param_find(FILE_KEYS[i], NULL);
    if (!d || !nfcs_param_in_model(p, d)) continue;
    const char *path = (const char *)p + d->offset;
    if (n < max) {
      files[n].key = d->key;
      nfcs_params_input_path(p, path, files[n].path, sizeof files[n].path);
    }
    n++;
  }
  return n;
}

char *nfcs_params_model_text(const nfcs_params *p) {
  size_t count, cap = 4096, len = 0;
  const nfcs_param_def *t = nfcs_param_table(&count);
  char *out = malloc(cap);
  if (!out) return NULL;
  len += (size_t)snprintf(out, cap, "modules: %s%s%s\n", p->has_cgl ? "cgl" : "", p->has_cgl && p->has_kuramoto ? " " : "",
                          p->has_kuramoto ? "kuramoto" : "");
  const size_t vlen = NFCS_MAX_NAMED * (NFCS_NAME_MAX + 32) + 64; /* the longest value: every named frequency */
  char *value = malloc(vlen);
  if (!value) { free(out); return NULL; }
  for (size_t i = 0; i < count; i++) {
    if (!nfcs_param_in_model(p, &t[i]) || is_file_key(t[i].key)) continue;
    nfcs_param_format(p, &t[i], value, vlen);
    const size_t need = strlen(t[i].key) + strlen(value) + 4;
    if (len + need >= cap) {
      while (len + need >= cap) cap *= 2;
      char *grown = realloc(out, cap);
      if (!grown) { free(out); free(value); return NULL; }
      out = grown;
    }
    len += (size_t)snprintf(out + len, cap - len, "%s: %s\n", t[i].key, value);
  }
  free(value);
  return out;
}
