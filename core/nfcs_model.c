/* Model identity as data: which parameter rows change the trajectory of a given config, the
 * canonical text of the model, and the input files whose contents belong to it.  (The hash of
 * that text and of the files is io/'s: core reads no file and links no crypto library.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfcs_module.h"
#include "nfcs_params.h"

static int is(const char *key, const char *name) { return strcmp(key, name) == 0; }
static int starts(const char *key, const char *prefix) { return strncmp(key, prefix, strlen(prefix)) == 0; }

/* Does a present module take the regulator's control `name`? */
static int control_taken(const nfcs_params *p, const char *name) {
  size_t n;
  const nfcs_module_type *const *mods = nfcs_modules(&n);
  for (size_t m = 0; m < n; m++)
    if (p->present[m] && mods[m]->controls)
      for (const char *const *c = mods[m]->controls; *c; c++)
        if (is(*c, name)) return 1;
  return 0;
}

int nfcs_param_in_model(const nfcs_params *p, const nfcs_param_def *d) {
  if (!(d->flags & NFCS_PF_MODEL)) return 0;
  const int m = nfcs_param_module(d);
  if (m >= 0) {
    size_t n;
    const nfcs_module_type *mod = nfcs_modules(&n)[m];
    if (!p->present[m]) return 0;
    return mod->in_model ? mod->in_model(p, d) : 1;
  }
  const char *k = d->key;
  if (starts(k, "regulator.") || is(k, "system.coherence_target")) {
    /* the regulator's gains count where a present module takes the control they set */
    const int type = p->regulator.type;
    if (type == NFCS_REG_NONE) return is(k, "regulator.type");
    if (is(k, "regulator.field_gain")) return control_taken(p, NFCS_CONTROL_FIELD);
    if (is(k, "regulator.oscillator_gain")) return type == NFCS_REG_PROPORTIONAL && control_taken(p, NFCS_CONTROL_OSCILLATOR);
    if (is(k, "regulator.feedback_gain")) return type == NFCS_REG_PHASE_FEEDBACK && control_taken(p, NFCS_CONTROL_OSCILLATOR_EACH);
    return 1;
  }
  return 1;
}

int nfcs_params_input_files(const nfcs_params *p, nfcs_input_file *files, int max) {
  size_t count;
  const nfcs_param_def *t = nfcs_param_table(&count);
  int n = 0;
  for (size_t i = 0; i < count; i++) {
    if (!(t[i].flags & NFCS_PF_INPUT_FILE) || !nfcs_param_in_model(p, &t[i])) continue;
    const char *path = (const char *)p + t[i].offset;
    if (n < max) {
      files[n].key = t[i].key;
      nfcs_params_input_path(p, path, files[n].path, sizeof files[n].path);
    }
    n++;
  }
  return n;
}

char *nfcs_params_model_text(const nfcs_params *p) {
  size_t count, cap = 4096, len = 0, nmod;
  const nfcs_param_def *t = nfcs_param_table(&count);
  const nfcs_module_type *const *mods = nfcs_modules(&nmod);
  char *out = malloc(cap);
  if (!out) return NULL;
  len += (size_t)snprintf(out, cap, "modules:");
  for (size_t m = 0; m < nmod; m++)
    if (p->present[m] && !mods[m]->observer) len += (size_t)snprintf(out + len, cap - len, " %s", mods[m]->name);
  len += (size_t)snprintf(out + len, cap - len, "\n");
  /* the longest value: every named frequency, names quoted and escaped, or a string escaped */
  const size_t vlen = NFCS_MAX_NAMED * (4 * NFCS_NAME_MAX + 48) + 4 * NFCS_PATH_MAX + 64;
  char *value = malloc(vlen);
  if (!value) { free(out); return NULL; }
  for (size_t i = 0; i < count; i++) {
    if (!nfcs_param_in_model(p, &t[i]) || (t[i].flags & NFCS_PF_INPUT_FILE)) continue;
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
