/* The parameter table and everything it drives: defaults, typed setters, --set, validation,
 * the effective YAML.  The table is the engine's own rows (here) with every module's rows before
 * them, in registry order; a module's rows point into its section of nfcs_params. */
#include "nfcs_params.h"

#include <ctype.h>
#include <pthread.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "nfcs_module.h"

#define OFF(field) offsetof(nfcs_params, field)
#define INF HUGE_VAL
#define I64MAX 9.0e18

/* clang-format off */
static const nfcs_param_def ENGINE_ROWS[] = {
  /* ---------------------------------------------------------------- regulator */
  {"regulator.type", NFCS_PT_ENUM, OFF(regulator.type), "proportional", 0, 0, 0, 0, "proportional|none|phase_feedback", NFCS_PF_MODEL,
   "proportional: the Python NFCS's control toward system.coherence_target, u = field_gain (target - R_global) uniform "
   "over the field and u_i = oscillator_gain (target - R_modular), |u| <= limit; none: free dynamics; phase_feedback: "
   "u_i = -feedback_gain R sin(psi - theta_i) (g > 0 desynchronises, g < 0 synchronises), field as proportional"},
  {"regulator.field_gain", NFCS_PT_REAL, OFF(regulator.field_gain), "0.1", -1e6, 1e6, 0, 0, NULL, NFCS_PF_MODEL, "gain of the field control"},
  {"regulator.oscillator_gain", NFCS_PT_REAL, OFF(regulator.oscillator_gain), "0.2", -1e6, 1e6, 0, 0, NULL, NFCS_PF_MODEL,
   "gain of the oscillator control"},
  {"regulator.limit", NFCS_PT_REAL, OFF(regulator.limit), "1.0", 0, 1e12, 0, 0, NULL, NFCS_PF_MODEL, "bound |u| <= limit of every control"},
  {"regulator.feedback_gain", NFCS_PT_REAL, OFF(regulator.feedback_gain), "0.5", -1e6, 1e6, 0, 0, NULL, NFCS_PF_MODEL,
   "phase_feedback: the gain g"},

  /* ---------------------------------------------------------------- run, coordinator, output */
  {"run.t_end", NFCS_PT_REAL, OFF(run.t_end), "10.0", 0, 1e15, 0, 0, NULL, NFCS_PF_NO_RESULT,
   "model time to reach; the last step lands on it exactly"},
  {"coordinator.rate_hz", NFCS_PT_REAL, OFF(coordinator.rate_hz), "10.0", 0, 1e6, 0, 0, NULL, NFCS_PF_MIN_EXCLUSIVE | NFCS_PF_NO_RESULT,
   "tick rate of the coordinator (realtime mode)"},
  {"coordinator.realtime", NFCS_PT_BOOL, OFF(coordinator.realtime), "false", 0, 0, 0, 0, NULL, NFCS_PF_NO_RESULT,
   "true: ticks are paced to the wall clock at rate_hz; false: as fast as possible"},
  {"coordinator.sim_time_per_tick", NFCS_PT_REAL, OFF(coordinator.sim_time_per_tick), "0.1", 0, 1e12, 0, 0, NULL, NFCS_PF_MIN_EXCLUSIVE | NFCS_PF_MODEL,
   "model time advanced per tick"},
  {"output.path", NFCS_PT_STRING, OFF(output.path), "nfcs_out.h5", 0, 0, 0, 0, NULL, NFCS_PF_NO_RESULT,
   "HDF5 output file (relative to the working directory)"},
  {"output.snapshot_interval", NFCS_PT_REAL, OFF(output.snapshot_interval), "1.0", 0, 1e15, 0, 0, NULL, 0,
   "model time between field/phase snapshots (0: only the initial and final states)"},
  {"output.metrics_interval", NFCS_PT_REAL, OFF(output.metrics_interval), "0.1", 0, 1e15, 0, 0, NULL, 0,
   "model time between metric samples"},
  {"output.precision", NFCS_PT_ENUM, OFF(output.precision), "float64", 0, 0, 0, 0, "float64|float32", 0,
   "precision of snapshots (checkpoints are always exact)"},
  {"output.checkpoint_interval", NFCS_PT_REAL, OFF(output.checkpoint_interval), "0.0", 0, 1e15, 0, 0, NULL, 0,
   "model time between checkpoints (0: none besides the final one)"},
  {"output.checkpoint_path", NFCS_PT_STRING, OFF(output.checkpoint_path), "", 0, 0, 0, 0, NULL, NFCS_PF_NO_RESULT,
   "checkpoint file (default: output.path with .ckpt.h5 in place of .h5)"},
  {"output.xdmf", NFCS_PT_BOOL, OFF(output.xdmf), "false", 0, 0, 0, 0, NULL, 0,
   "true: also write |phi| and arg phi (/fields/abs_phi, /fields/arg_phi) and an XDMF sidecar (OUT.xmf) that ParaView opens as a time series"},

  /* ---------------------------------------------------------------- backend */
  {"backend.device", NFCS_PT_ENUM, OFF(backend.device), "cpu", 0, 0, 0, 0, "cpu|cuda", 0,
   "where the modules run: cpu (OpenMP + FFTW + OpenBLAS) or cuda"},
  {"backend.threads", NFCS_PT_INT, OFF(backend.threads), "0", 0, 4096, 0, 0, NULL, NFCS_PF_NO_RESULT,
   "threads of the CPU backend (0: all cores); --threads N on the command line"},
  {"backend.fft_planner", NFCS_PT_ENUM, OFF(backend.fft_planner), "measure", 0, 0, 0, 0, "estimate|measure|patient|exhaustive", 0,
   "FFTW planner effort; plans are made once per run and kept as wisdom"},
  {"backend.fft_wisdom", NFCS_PT_STRING, OFF(backend.fft_wisdom), "auto", 0, 0, 0, 0, NULL, NFCS_PF_NO_RESULT,
   "FFTW wisdom file reused between runs: auto ($XDG_CACHE_HOME or ~/.cache/nfcs/), a path, or '' for none"},

  /* ---------------------------------------------------------------- monitoring, the result cache */
  {"monitor.listen", NFCS_PT_STRING, OFF(monitor.listen), "", 0, 0, 0, 0, NULL, NFCS_PF_NO_RESULT,
   "serve live metrics (Prometheus text format) at http://ADDRESS/metrics while running: PORT or :PORT (loopback), HOST:PORT, "
   "[IPv6]:PORT, *:PORT (every address); port 0 picks a free one (the start line names it); '' for none"},
  {"monitor.textfile", NFCS_PT_STRING, OFF(monitor.textfile), "", 0, 0, 0, 0, NULL, NFCS_PF_NO_RESULT,
   "write the same text to this file (node_exporter's textfile collector: a name ending in .prom) through a temporary file and a "
   "rename, every monitor.interval and at the end; '' for none"},
  {"monitor.interval", NFCS_PT_REAL, OFF(monitor.interval), "1.0", 0.01, 86400, 0, 0, NULL, NFCS_PF_NO_RESULT,
   "wall seconds between textfile updates"},
  {"cache.enabled", NFCS_PT_BOOL, OFF(cache.enabled), "true", 0, 0, 0, 0, NULL, NFCS_PF_NO_RESULT,
   "reuse or continue finished runs of the same model (docs/cache.md); --no-cache computes anyway"},
  {"cache.dir", NFCS_PT_STRING, OFF(cache.dir), "", 0, 0, 0, 0, NULL, NFCS_PF_NO_RESULT,
   "the cache's folder: its index, FFTW wisdom and ETDRK4 coefficients (default: $XDG_CACHE_HOME/nfcs, else ~/.cache/nfcs)"},
  {"cache.max_size", NFCS_PT_REAL, OFF(cache.max_size), "2e10", 0, 1e18, 0, 0, NULL, NFCS_PF_NO_RESULT,
   "bytes the files the cache keeps may take (its result copies and ETDRK4 coefficients); beyond it the least recently used "
   "go first (nfcs cache prune)"},

  /* ---------------------------------------------------------------- upstream sections */
  {"cost_functional.w_field_energy", NFCS_PT_REAL, OFF(cost.w_field_energy), "1.0", -1e12, 1e12, 0, 0, NULL, 0, "weight of int |phi|^2 in J"},
  {"cost_functional.w_field_gradient", NFCS_PT_REAL, OFF(cost.w_field_gradient), "0.5", -1e12, 1e12, 0, 0, NULL, 0, "weight of int |grad phi|^2 in J"},
  {"cost_functional.w_control_energy", NFCS_PT_REAL, OFF(cost.w_control_energy), "0.1", -1e12, 1e12, 0, 0, NULL, 0, "weight of int |u|^2 in J"},
  {"cost_functional.w_coherence_penalty", NFCS_PT_REAL, OFF(cost.w_coherence_penalty), "2.0", -1e12, 1e12, 0, 0, NULL, 0, "weight of 1 - (R_global + R_modular)/2 in J"},
  {"cost_functional.w_hallucinations", NFCS_PT_REAL, OFF(cost.w_hallucinations), "1.5", -1e12, 1e12, 0, 0, NULL, 0, "weight of H_a in the systemic risk"},
  {"cost_functional.w_defect_density", NFCS_PT_REAL, OFF(cost.w_defect_density), "1.0", -1e12, 1e12, 0, 0, NULL, 0, "weight of the mean defect density in the systemic risk"},
  {"cost_functional.w_coherence_loss", NFCS_PT_REAL, OFF(cost.w_coherence_loss), "2.0", -1e12, 1e12, 0, 0, NULL, 0, "weight of (1 - R_global) and of (1 - R_modular) in the systemic risk"},
  {"cost_functional.w_violations", NFCS_PT_REAL, OFF(cost.w_violations), "3.0", -1e12, 1e12, 0, 0, NULL, 0, "weight of threshold violations in the systemic risk"},
  {"system.max_simulation_steps", NFCS_PT_INT, OFF(system.max_simulation_steps), "0", 0, I64MAX, 0, 0, NULL, 0,
   "upper bound on the steps of any module (0: none); a run that reaches it stops there with a warning, as the Python NFCS's loop did"},
  {"system.emergency_threshold_ha", NFCS_PT_REAL, OFF(system.emergency_threshold_ha), "0.8", -1e12, 1e12, 0, 0, NULL, 0,
   "hallucination number above which a violation is counted"},
  {"system.emergency_threshold_defects", NFCS_PT_REAL, OFF(system.emergency_threshold_defects), "0.1", -1e12, 1e12, 0, 0, NULL, 0,
   "mean defect density above which a violation is counted"},
  {"system.coherence_target", NFCS_PT_REAL, OFF(system.coherence_target), "0.7", 0, 1, 0, 0, NULL, NFCS_PF_MODEL,
   "coherence the regulator steers toward"},
  {"logging.level", NFCS_PT_ENUM, OFF(logging.level), "INFO", 0, 0, 0, 0, "DEBUG|INFO|WARNING|ERROR|CRITICAL", NFCS_PF_ICASE | NFCS_PF_NO_RESULT,
   "verbosity of messages on stderr"},
  {"logging.log_metrics_interval", NFCS_PT_INT, OFF(logging.log_metrics_interval), "100", 0, I64MAX, 0, 0, NULL, NFCS_PF_NO_RESULT,
   "steps between metric lines in the log (at level INFO or below; 0: none)"},
  {"logging.save_state_interval", NFCS_PT_INT, OFF(logging.save_state_interval), "1000", 0, I64MAX, 0, 0, NULL, 0,
   "steps between saved states, as upstream: when given and output.checkpoint_interval is not, checkpoints every this many steps of the finest time step"},
};
/* clang-format on */

/* The assembled table (built once): the modules' rows with their offsets moved into their
 * sections, then the engine's rows. */
static nfcs_param_def TABLE[NFCS_MAX_PARAMS];
static int ROW_MODULE[NFCS_MAX_PARAMS];
static size_t TABLE_COUNT;
static size_t SECTION_OFFSET[NFCS_MAX_MODULES];
static pthread_once_t TABLE_ONCE = PTHREAD_ONCE_INIT;

static void table_fail(const char *what, const char *name) {
  /* a registry that does not fit is a bug of the build: loud in every build */
  fprintf(stderr, "nfcs: internal error: %s (%s)\n", what, name);
  abort();
}

static void table_build(void) {
  size_t nmod, at = 0, room = 0;
  const nfcs_module_type *const *mods = nfcs_modules(&nmod);
  for (size_t m = 0; m < nmod; m++) {
    SECTION_OFFSET[m] = room;
    room += (mods[m]->params_size + 15) & ~(size_t)15;
    if (room > NFCS_SECTIONS_BYTES) table_fail("the modules' sections exceed NFCS_SECTIONS_BYTES", mods[m]->name);
    const size_t nl = strlen(mods[m]->name);
    for (size_t i = 0; mods[m]->params && mods[m]->params[i].key; i++) {
      if (at == NFCS_MAX_PARAMS) table_fail("more rows than NFCS_MAX_PARAMS", mods[m]->name);
      const nfcs_param_def *d = &mods[m]->params[i];
      if (strncmp(d->key, mods[m]->name, nl) || d->key[nl] != '.') table_fail("a module's key outside its section", d->key);
      TABLE[at] = *d;
      TABLE[at].offset += offsetof(nfcs_params, sections) + SECTION_OFFSET[m];
      ROW_MODULE[at++] = (int)m;
    }
  }
  for (size_t i = 0; i < sizeof ENGINE_ROWS / sizeof ENGINE_ROWS[0]; i++) {
    if (at == NFCS_MAX_PARAMS) table_fail("more rows than NFCS_MAX_PARAMS", "engine");
    TABLE[at] = ENGINE_ROWS[i];
    ROW_MODULE[at++] = -1;
  }
  TABLE_COUNT = at;
}

static void table_ready(void) { pthread_once(&TABLE_ONCE, table_build); }

const nfcs_param_def *nfcs_param_table(size_t *count) {
  table_ready();
  if (count) *count = TABLE_COUNT;
  return TABLE;
}

size_t nfcs_param_index(const nfcs_param_def *def) { return (size_t)(def - TABLE); }

int nfcs_param_module(const nfcs_param_def *def) {
  const size_t i = nfcs_param_index(def);
  return i < TABLE_COUNT ? ROW_MODULE[i] : -1;
}

const nfcs_param_def *nfcs_param_find(const char *key, const char **entry) {
  table_ready();
  if (entry) *entry = NULL;
  for (size_t i = 0; i < TABLE_COUNT; i++)
    if (strcmp(TABLE[i].key, key) == 0) return &TABLE[i];
  for (size_t i = 0; i < TABLE_COUNT; i++) {
    size_t n = strlen(TABLE[i].key);
    if ((TABLE[i].type == NFCS_PT_NAMED_REALS || TABLE[i].type == NFCS_PT_NAMED_POINTS) && strncmp(TABLE[i].key, key, n) == 0 &&
        key[n] == '.' && key[n + 1]) {
      if (entry) *entry = key + n + 1;
      return &TABLE[i];
    }
  }
  return NULL;
}

/* ---------------------------------------------------------------- module sections */

const void *nfcs_params_section(const nfcs_params *p, const char *module) {
  int m;
  if (!nfcs_module_find(module, &m)) return NULL;
  table_ready();
  return p->sections + SECTION_OFFSET[m];
}

void *nfcs_params_section_rw(nfcs_params *p, const char *module) { return (void *)nfcs_params_section(p, module); }

int nfcs_params_has(const nfcs_params *p, const char *module) {
  int m;
  return nfcs_module_find(module, &m) && p->present[m];
}

void nfcs_params_set_present(nfcs_params *p, const char *module, int present) {
  int m;
  if (nfcs_module_find(module, &m)) p->present[m] = present;
}

/* the module whose section a dotted key is in (its registry index), or -1 */
static int key_module(const char *key) {
  char name[64];
  const char *dot = strchr(key, '.');
  snprintf(name, sizeof name, "%.*s", dot ? (int)(dot - key) : (int)strlen(key), key);
  int m;
  nfcs_module_find(name, &m);
  return m;
}

int nfcs_param_is_section(const char *prefix) {
  table_ready();
  size_t n = strlen(prefix);
  for (size_t i = 0; i < TABLE_COUNT; i++)
    if (strncmp(TABLE[i].key, prefix, n) == 0 && TABLE[i].key[n] == '.') return 1;
  return 0;
}

void nfcs_diags_add(nfcs_diags *d, int code, const char *fmt, ...) {
  if (!d) return;
  if (d->code == 0 || code == NFCS_ERR_CONFIG) d->code = code;
  if (d->count >= (int)(sizeof d->msg / sizeof d->msg[0])) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(d->msg[d->count], sizeof d->msg[0], fmt, ap);
  va_end(ap);
  d->count++;
}

/* ---------------------------------------------------------------- scalar parsing */

static int parse_real(const char *s, int quoted, double *out, char *err, size_t errlen) {
  if (quoted) {
    snprintf(err, errlen, "expected a number, got the string \"%s\"", s);
    return NFCS_ERR_CONFIG;
  }
  /* YAML's special floats */
  if (!strcmp(s, ".inf") || !strcmp(s, ".Inf") || !strcmp(s, "+.inf") || !strcmp(s, "-.inf") || !strcmp(s, ".nan") ||
      !strcmp(s, ".NaN")) {
    snprintf(err, errlen, "expected a finite number, got %s", s);
    return NFCS_ERR_CONFIG;
  }
  char *end = NULL;
  errno = 0;
  double v = strtod(s, &end);
  if (end == s || *end != '\0' || !*s || isspace((unsigned char)*s)) {
    snprintf(err, errlen, "expected a number, got \"%s\"", s);
    return NFCS_ERR_CONFIG;
  }
  if (errno == ERANGE || !isfinite(v)) {
    snprintf(err, errlen, "expected a finite number, got %s", s);
    return NFCS_ERR_CONFIG;
  }
  *out = v;
  return NFCS_OK;
}

static int parse_int(const char *s, int quoted, int64_t *out, char *err, size_t errlen) {
  if (quoted) {
    snprintf(err, errlen, "expected an integer, got the string \"%s\"", s);
    return NFCS_ERR_CONFIG;
  }
  char *end = NULL;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (end == s || !*s || isspace((unsigned char)*s)) {
    snprintf(err, errlen, "expected an integer, got \"%s\"", s);
    return NFCS_ERR_CONFIG;
  }
  if (*end != '\0') {
    /* "128.0" or "1e3": accept only when it is an exact integer written as a number */
    double d;
    char e2[8];
    if (parse_real(s, 0, &d, e2, sizeof e2) == NFCS_OK && d == floor(d) && fabs(d) < 9e15) {
      *out = (int64_t)d;
      return NFCS_OK;
    }
    snprintf(err, errlen, "expected an integer, got \"%s\"", s);
    return NFCS_ERR_CONFIG;
  }
  if (errno == ERANGE) {
    snprintf(err, errlen, "expected an integer, got %s (out of the 64-bit range)", s);
    return NFCS_ERR_CONFIG;
  }
  *out = (int64_t)v;
  return NFCS_OK;
}

/* shortest "%g" text that reads back as the same double */
static void fmt_real(char *buf, size_t len, double v) {
  for (int prec = 6; prec <= 17; prec++) {
    snprintf(buf, len, "%.*g", prec, v);
    if (strtod(buf, NULL) == v) break;
  }
  /* keep it a YAML float (1.0, not 1) so that types read back unchanged */
  if (!strpbrk(buf, ".eEin") && strlen(buf) + 2 < len) strcat(buf, ".0");
}

static void fmt_num(char *buf, size_t len, double v) {
  if (v >= 1e15 || v <= -1e15) snprintf(buf, len, "%s", v > 0 ? "inf" : "-inf");
  else snprintf(buf, len, "%.17g", v);
}

static int check_range(const nfcs_param_def *d, double v, const char *what, char *err, size_t errlen) {
  int lo_bad = (d->flags & NFCS_PF_MIN_EXCLUSIVE) ? !(v > d->min) : !(v >= d->min);
  if (lo_bad || !(v <= d->max)) {
    char lo[32], hi[32];
    fmt_num(lo, sizeof lo, d->min);
    fmt_num(hi, sizeof hi, d->max);
    snprintf(err, errlen, "expected %s in %s%s, %s], got %.17g", what, (d->flags & NFCS_PF_MIN_EXCLUSIVE) ? "(" : "[", lo, hi, v);
    return NFCS_ERR_CONFIG;
  }
  return NFCS_OK;
}

static int parse_bool(const char *s, int quoted, int *out, char *err, size_t errlen) {
  static const char *yes[] = {"true", "yes", "on"}, *no[] = {"false", "no", "off"};
  if (!quoted)
    for (int i = 0; i < 3; i++) {
      if (!strcasecmp(s, yes[i])) { *out = 1; return NFCS_OK; }
      if (!strcasecmp(s, no[i])) { *out = 0; return NFCS_OK; }
    }
  snprintf(err, errlen, "expected true or false, got \"%s\"", s);
  return NFCS_ERR_CONFIG;
}

static int parse_enum(const nfcs_param_def *d, const char *s, int *out, char *err, size_t errlen) {
  const char *c = d->choices;
  int idx = 0;
  while (*c) {
    const char *bar = strchr(c, '|');
    size_t n = bar ? (size_t)(bar - c) : strlen(c);
    int match = (d->flags & NFCS_PF_ICASE) ? (strlen(s) == n && !strncasecmp(c, s, n)) : (strlen(s) == n && !strncmp(c, s, n));
    if (match) { *out = idx; return NFCS_OK; }
    idx++;
    if (!bar) break;
    c = bar + 1;
  }
  char choices[256];
  snprintf(choices, sizeof choices, "%s", d->choices);
  for (char *p = choices; *p; p++) if (*p == '|') *p = ',';
  if (!strchr(d->choices, '|')) /* one choice: say why there are no others (the row's help, after its first colon) */
    snprintf(err, errlen, "expected %s, got \"%s\" (%s)", d->choices, s, strchr(d->help, ':') ? strchr(d->help, ':') + 2 : d->help);
  else
    snprintf(err, errlen, "expected one of {%s}, got \"%s\"", choices, s);
  return NFCS_ERR_CONFIG;
}

static void *field_ptr(nfcs_params *p, const nfcs_param_def *d) { return (char *)p + d->offset; }
static const void *cfield_ptr(const nfcs_params *p, const nfcs_param_def *d) { return (const char *)p + d->offset; }

/* A list written as one scalar ("[a, b]" or "a,b") into at most 8 item texts: *buf (malloc'd, the
 * caller frees it) holds them.  More entries are an error, never dropped. */
static int split_list(const char *text, char **buf, const char **items, int *count, char *err, size_t errlen) {
  *buf = strdup(text);
  if (!*buf) {
    snprintf(err, errlen, "out of memory");
    return NFCS_ERR_NOMEM;
  }
  char *s = *buf;
  while (isspace((unsigned char)*s)) s++;
  size_t n = strlen(s);
  while (n && isspace((unsigned char)s[n - 1])) s[--n] = '\0';
  if (*s == '[') {
    if (n < 2 || s[n - 1] != ']') {
      snprintf(err, errlen, "expected a list [a, b, ...], got \"%.200s\"", text);
      return NFCS_ERR_CONFIG;
    }
    s[n - 1] = '\0';
    s++;
  }
  int k = 0;
  char *save = NULL;
  for (char *tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    while (isspace((unsigned char)*tok)) tok++;
    char *e = tok + strlen(tok);
    while (e > tok && isspace((unsigned char)e[-1])) *--e = '\0';
    if (k < 8) items[k] = tok;
    k++;
  }
  if (k > 8) {
    snprintf(err, errlen, "expected at most 8 entries, got %d", k);
    return NFCS_ERR_CONFIG;
  }
  *count = k;
  return NFCS_OK;
}

int nfcs_param_set_text(nfcs_params *p, const nfcs_param_def *d, const char *text, int quoted, char *err, size_t errlen) {
  void *f = field_ptr(p, d);
  switch (d->type) {
  case NFCS_PT_REAL: {
    double v;
    NFCS_CHECK(parse_real(text, quoted, &v, err, errlen));
    NFCS_CHECK(check_range(d, v, "a number", err, errlen));
    *(double *)f = v;
    return NFCS_OK;
  }
  case NFCS_PT_INT: {
    int64_t v;
    NFCS_CHECK(parse_int(text, quoted, &v, err, errlen));
    NFCS_CHECK(check_range(d, (double)v, "an integer", err, errlen));
    *(int64_t *)f = v;
    return NFCS_OK;
  }
  case NFCS_PT_BOOL: return parse_bool(text, quoted, (int *)f, err, errlen);
  case NFCS_PT_ENUM: return parse_enum(d, text, (int *)f, err, errlen);
  case NFCS_PT_STRING:
    if (strlen(text) >= NFCS_PATH_MAX) {
      snprintf(err, errlen, "expected a string of at most %d characters", NFCS_PATH_MAX - 1);
      return NFCS_ERR_CONFIG;
    }
    snprintf((char *)f, NFCS_PATH_MAX, "%s", text);
    return NFCS_OK;
  case NFCS_PT_REAL_LIST:
  case NFCS_PT_INT_LIST: {
    /* a list written as one scalar (--set cgl.grid_size=256,256 or "[256, 256]") */
    char *buf = NULL;
    const char *items[8];
    int qs[8] = {0}, k = 0;
    int rc = split_list(text, &buf, items, &k, err, errlen);
    if (!rc) rc = nfcs_param_set_list(p, d, items, qs, k, err, errlen);
    free(buf);
    return rc;
  }
  case NFCS_PT_NAMED_REALS:
  case NFCS_PT_NAMED_POINTS:
    if (!strcmp(text, "{}")) { nfcs_param_clear_named(p, d); return NFCS_OK; }
    snprintf(err, errlen, "expected a mapping name: %s (set one entry with %s.NAME=%s)",
             d->type == NFCS_PT_NAMED_REALS ? "number" : "[x, y]", d->key, d->type == NFCS_PT_NAMED_REALS ? "VALUE" : "[x,y]");
    return NFCS_ERR_CONFIG;
  }
  return NFCS_ERR_SOFTWARE;
}

int nfcs_param_set_list(nfcs_params *p, const nfcs_param_def *d, const char *const *items, const int *quoted, int n,
                        char *err, size_t errlen) {
  if (d->type != NFCS_PT_REAL_LIST && d->type != NFCS_PT_INT_LIST) {
    snprintf(err, errlen, "expected a single value, got a list");
    return NFCS_ERR_CONFIG;
  }
  if (n < d->min_count || n > d->max_count) {
    if (d->min_count == d->max_count) snprintf(err, errlen, "expected a list of %d numbers, got %d", d->min_count, n);
    else snprintf(err, errlen, "expected a list of %d to %d numbers, got %d", d->min_count, d->max_count, n);
    return NFCS_ERR_CONFIG;
  }
  if (d->type == NFCS_PT_REAL_LIST) {
    nfcs_rvec3 v = {.n = n};
    for (int i = 0; i < n; i++) {
      NFCS_CHECK(parse_real(items[i], quoted ? quoted[i] : 0, &v.v[i], err, errlen));
      NFCS_CHECK(check_range(d, v.v[i], "each entry", err, errlen));
    }
    *(nfcs_rvec3 *)field_ptr(p, d) = v;
  } else {
    nfcs_ivec3 v = {.n = n};
    for (int i = 0; i < n; i++) {
      NFCS_CHECK(parse_int(items[i], quoted ? quoted[i] : 0, &v.v[i], err, errlen));
      NFCS_CHECK(check_range(d, (double)v.v[i], "each entry to be an integer", err, errlen));
    }
    *(nfcs_ivec3 *)field_ptr(p, d) = v;
  }
  return NFCS_OK;
}

void nfcs_param_clear_named(nfcs_params *p, const nfcs_param_def *d) {
  if (d->type == NFCS_PT_NAMED_POINTS) ((nfcs_named_points *)field_ptr(p, d))->n = 0;
  else ((nfcs_named_reals *)field_ptr(p, d))->n = 0;
}

int nfcs_param_set_named_point(nfcs_params *p, const nfcs_param_def *d, const char *name, const char *const *items,
                               const int *quoted, int n, char *err, size_t errlen) {
  if (d->type != NFCS_PT_NAMED_POINTS) {
    snprintf(err, errlen, "expected a number, got a list");
    return NFCS_ERR_CONFIG;
  }
  nfcs_named_points *m = field_ptr(p, d);
  if (n < d->min_count || n > d->max_count) {
    snprintf(err, errlen, "expected %d to %d coordinates, got %d", d->min_count, d->max_count, n);
    return NFCS_ERR_CONFIG;
  }
  double x[3] = {0, 0, 0};
  for (int i = 0; i < n; i++) {
    NFCS_CHECK(parse_real(items[i], quoted ? quoted[i] : 0, &x[i], err, errlen));
    NFCS_CHECK(check_range(d, x[i], "each coordinate", err, errlen));
  }
  if (strlen(name) >= NFCS_NAME_MAX) {
    snprintf(err, errlen, "expected a name of at most %d characters", NFCS_NAME_MAX - 1);
    return NFCS_ERR_CONFIG;
  }
  int at = 0;
  while (at < m->n && strcmp(m->name[at], name)) at++;
  if (at == m->n) {
    if (m->n >= NFCS_MAX_POINTS) {
      snprintf(err, errlen, "expected at most %d points", NFCS_MAX_POINTS);
      return NFCS_ERR_CONFIG;
    }
    snprintf(m->name[m->n++], NFCS_NAME_MAX, "%s", name);
  }
  m->count[at] = n;
  memcpy(m->x[at], x, sizeof x);
  return NFCS_OK;
}

int nfcs_param_set_named(nfcs_params *p, const nfcs_param_def *d, const char *name, const char *text, int quoted,
                         char *err, size_t errlen) {
  if (d->type == NFCS_PT_NAMED_POINTS) {
    char *buf = NULL;
    const char *items[8];
    int qs[8] = {0}, k = 0;
    int rc = split_list(text, &buf, items, &k, err, errlen);
    if (!rc) rc = nfcs_param_set_named_point(p, d, name, items, qs, k, err, errlen);
    free(buf);
    return rc;
  }
  nfcs_named_reals *m = field_ptr(p, d);
  double v;
  NFCS_CHECK(parse_real(text, quoted, &v, err, errlen));
  NFCS_CHECK(check_range(d, v, "a number", err, errlen));
  if (strlen(name) >= NFCS_NAME_MAX) {
    snprintf(err, errlen, "expected a name of at most %d characters", NFCS_NAME_MAX - 1);
    return NFCS_ERR_CONFIG;
  }
  for (int i = 0; i < m->n; i++)
    if (!strcmp(m->name[i], name)) { m->value[i] = v; return NFCS_OK; }
  if (m->n >= NFCS_MAX_NAMED) {
    snprintf(err, errlen, "expected at most %d entries", NFCS_MAX_NAMED);
    return NFCS_ERR_CONFIG;
  }
  snprintf(m->name[m->n], NFCS_NAME_MAX, "%s", name);
  m->value[m->n] = v;
  m->n++;
  return NFCS_OK;
}

void nfcs_params_defaults(nfcs_params *p) {
  table_ready();
  memset(p, 0, sizeof *p);
  char err[256];
  for (size_t i = 0; i < TABLE_COUNT; i++) {
    if (nfcs_param_set_text(p, &TABLE[i], TABLE[i].def, 0, err, sizeof err) != NFCS_OK) {
      /* a default that does not parse is a bug in the table; make it loud in every build */
      fprintf(stderr, "nfcs: internal error: default of %s: %s\n", TABLE[i].key, err);
      abort();
    }
  }
}

int nfcs_params_apply_set(nfcs_params *p, const char *assignment, nfcs_diags *diags) {
  const char *eq = strchr(assignment, '=');
  if (!eq || eq == assignment) {
    nfcs_diags_add(diags, NFCS_ERR_CONFIG, "--set:1:1: error: %s: expected KEY=VALUE", assignment);
    return NFCS_ERR_CONFIG;
  }
  char *key = strndup(assignment, (size_t)(eq - assignment)); /* any length: the whole key, never a cut one */
  if (!key) {
    nfcs_diags_add(diags, NFCS_ERR_NOMEM, "--set:1:1: error: out of memory");
    return NFCS_ERR_NOMEM;
  }
  const char *value = eq + 1;
  int col = (int)(eq - assignment) + 2;
  const char *entry = NULL;
  const nfcs_param_def *d = nfcs_param_find(key, &entry);
  if (!d) {
    nfcs_diags_add(diags, NFCS_ERR_CONFIG, "--set:1:1: error: %.300s: unknown key (nfcs info --params lists every key)", key);
    free(key);
    return NFCS_ERR_CONFIG;
  }
  char err[512];
  int rc = entry ? nfcs_param_set_named(p, d, entry, value, 0, err, sizeof err) : nfcs_param_set_text(p, d, value, 0, err, sizeof err);
  if (rc) {
    nfcs_diags_add(diags, NFCS_ERR_CONFIG, "--set:1:%d: error: %.300s: %s", col, key, err);
    free(key);
    return rc;
  }
  size_t idx = nfcs_param_index(d);
  p->origin[idx] = 2;
  p->loc_line[idx] = 0;
  p->loc_col[idx] = 0;
  const int m = key_module(key);
  if (m >= 0) p->present[m] = 1;
  free(key);
  return NFCS_OK;
}

/* ---------------------------------------------------------------- validation */

static void where(const nfcs_params *p, const char *key, char *buf, size_t len) {
  const nfcs_param_def *d = nfcs_param_find(key, NULL);
  size_t i = d ? nfcs_param_index(d) : 0;
  if (d && p->origin[i] == 1) snprintf(buf, len, "%s:%d:%d", p->config_path, p->loc_line[i], p->loc_col[i]);
  else if (d && p->origin[i] == 2) snprintf(buf, len, "--set:1:1");
  else if (p->config_path[0]) snprintf(buf, len, "%s:1:1", p->config_path);
  else snprintf(buf, len, "config:1:1");
}

void nfcs_params_error(const nfcs_params *p, nfcs_diags *diags, const char *key, const char *fmt, ...) {
  char w[NFCS_PATH_MAX + 32], m[512];
  where(p, key, w, sizeof w);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(m, sizeof m, fmt, ap);
  va_end(ap);
  nfcs_diags_add(diags, NFCS_ERR_CONFIG, "%s: error: %s: %s", w, key, m);
}

int nfcs_params_validate(const nfcs_params *p, nfcs_diags *diags) {
  int bad = 0, any = 0;
  size_t nmod;
  const nfcs_module_type *const *mods = nfcs_modules(&nmod);
  /* something to run: a module of its own time (observers only watch others) */
  for (size_t m = 0; m < nmod; m++) any |= p->present[m] && !mods[m]->observer;
  if (!any) {
    char names[256] = "";
    size_t runnable = 0, k = 0;
    for (size_t m = 0; m < nmod; m++) runnable += !mods[m]->observer;
    for (size_t m = 0; m < nmod; m++) {
      if (mods[m]->observer) continue;
      snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s:", k == 0 ? "a " : k + 1 == runnable ? " or a " : ", a ",
               mods[m]->name);
      k++;
    }
    nfcs_params_error(p, diags, mods[0]->name, "expected %s section (a config with no module has nothing to run)", names);
    bad = 1;
  }
  for (size_t m = 0; m < nmod; m++)
    if (p->present[m] && mods[m]->validate && mods[m]->validate(p, diags)) bad = 1;
  if (!p->output.path[0]) {
    nfcs_params_error(p, diags, "output.path", "expected a file name");
    bad = 1;
  }
  if (p->monitor.listen[0]) {
    char host[256], err[256];
    int port;
    if (nfcs_listen_split(p->monitor.listen, host, sizeof host, &port, err, sizeof err)) {
      nfcs_params_error(p, diags, "monitor.listen", "%s", err);
      bad = 1;
    }
  }
  /* intervals that time can advance by: each fits into run.t_end at most so many times (smaller ones
   * would loop without advancing the clock, or queue more outputs than any run can write) */
  const struct { const char *key; double v, most; } iv[] = {
    {"coordinator.sim_time_per_tick", p->coordinator.sim_time_per_tick, 2e8},
    {"output.snapshot_interval", p->output.snapshot_interval, 1e9},
    {"output.metrics_interval", p->output.metrics_interval, 1e9},
    {"output.checkpoint_interval", p->output.checkpoint_interval, 1e9},
  };
  for (size_t i = 0; i < sizeof iv / sizeof iv[0]; i++)
    if (iv[i].v > 0 && !(p->run.t_end / iv[i].v <= iv[i].most)) {
      nfcs_params_error(p, diags, iv[i].key, "expected at least run.t_end / %.0g = %.6g: %.6g would come %.3g times in the run", iv[i].most,
                        p->run.t_end / iv[i].most, iv[i].v, p->run.t_end / iv[i].v);
      bad = 1;
    }
  return bad ? NFCS_ERR_CONFIG : NFCS_OK;
}

int nfcs_listen_split(const char *s, char *host, size_t hostlen, int *port, char *err, size_t errlen) {
  const char *colon = strrchr(s, ':'), *ps = colon ? colon + 1 : s;
  char *end;
  errno = 0;
  const long v = strtol(ps, &end, 10);
  if (!*ps || *end || errno || v < 0 || v > 65535 || !isdigit((unsigned char)*ps)) {
    snprintf(err, errlen, "expected PORT, HOST:PORT, [IPv6]:PORT or *:PORT with a port in [0, 65535], got '%s'", s);
    return NFCS_ERR_CONFIG;
  }
  *port = (int)v;
  size_t n = colon ? (size_t)(colon - s) : 0;
  const char *h = s;
  if (n >= 2 && h[0] == '[' && h[n - 1] == ']') h++, n -= 2;
  else if (n && (memchr(h, '[', n) || memchr(h, ']', n) || memchr(h, ':', n))) {
    snprintf(err, errlen, "expected an IPv6 address in brackets ([::1]:PORT), got '%s'", s);
    return NFCS_ERR_CONFIG;
  }
  if (!colon || n == 0) h = "127.0.0.1", n = 9;
  else if (n == 1 && h[0] == '*') h = "", n = 0;
  if (n >= hostlen) {
    snprintf(err, errlen, "expected a host name of at most %zu characters", hostlen - 1);
    return NFCS_ERR_CONFIG;
  }
  memcpy(host, h, n);
  host[n] = '\0';
  return NFCS_OK;
}

void nfcs_params_input_path(const nfcs_params *p, const char *path, char *out, size_t len) {
  if (path[0] == '/' || !p->config_dir[0]) snprintf(out, len, "%s", path);
  else snprintf(out, len, "%s/%s", p->config_dir, path);
}

/* ---------------------------------------------------------------- effective YAML */

/* A YAML double-quoted string that reads back as s: quotes, backslashes and control characters
 * escaped (a raw newline inside quotes would fold to a space).  len >= 4 strlen(s) + 3 holds any. */
static void yaml_string(char *buf, size_t len, const char *s) {
  size_t o = 0;
  if (o + 1 < len) buf[o++] = '"';
  for (; *s && o + 6 < len; s++) {
    const unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') buf[o++] = '\\', buf[o++] = (char)c;
    else if (c == '\n') buf[o++] = '\\', buf[o++] = 'n';
    else if (c == '\t') buf[o++] = '\\', buf[o++] = 't';
    else if (c == '\r') buf[o++] = '\\', buf[o++] = 'r';
    else if (c < 0x20 || c == 0x7f) o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
    else buf[o++] = (char)c;
  }
  if (o + 1 < len) buf[o++] = '"';
  buf[o] = '\0';
}

/* A mapping key as YAML: plain where a plain scalar reads back as the same string (letters, digits,
 * _ . - after a letter or _, and not a word YAML reads as a boolean or null), quoted otherwise. */
static void yaml_key(char *buf, size_t len, const char *name) {
  static const char *const words[] = {"true", "false", "yes", "no", "on", "off", "y", "n", "null"};
  int plain = (isalpha((unsigned char)name[0]) || name[0] == '_');
  for (const char *c = name; *c && plain; c++) plain = isalnum((unsigned char)*c) || *c == '_' || *c == '.' || *c == '-';
  for (size_t i = 0; i < sizeof words / sizeof words[0] && plain; i++) plain = strcasecmp(name, words[i]) != 0;
  if (plain) snprintf(buf, len, "%s", name);
  else yaml_string(buf, len, name);
}

static void point_text(char *buf, size_t len, int n, const double *x) {
  size_t o = (size_t)snprintf(buf, len, "[");
  for (int k = 0; k < n && o < len; k++) {
    char r[40];
    fmt_real(r, sizeof r, x[k]);
    o += (size_t)snprintf(buf + o, len - o, "%s%s", k ? ", " : "", r);
  }
  if (o < len) snprintf(buf + o, len - o, "]");
}

void nfcs_param_format(const nfcs_params *p, const nfcs_param_def *d, char *buf, size_t len) {
  const void *f = cfield_ptr(p, d);
  switch (d->type) {
  case NFCS_PT_REAL: fmt_real(buf, len, *(const double *)f); break;
  case NFCS_PT_INT: snprintf(buf, len, "%lld", (long long)*(const int64_t *)f); break;
  case NFCS_PT_BOOL: snprintf(buf, len, "%s", *(const int *)f ? "true" : "false"); break;
  case NFCS_PT_ENUM: {
    int idx = *(const int *)f;
    const char *c = d->choices;
    for (int i = 0; i < idx && c; i++) { c = strchr(c, '|'); if (c) c++; }
    size_t n = c ? (strchr(c, '|') ? (size_t)(strchr(c, '|') - c) : strlen(c)) : 0;
    snprintf(buf, len, "%.*s", (int)n, c ? c : "");
    break;
  }
  case NFCS_PT_STRING: yaml_string(buf, len, (const char *)f); break;
  case NFCS_PT_REAL_LIST: {
    const nfcs_rvec3 *v = f;
    size_t o = (size_t)snprintf(buf, len, "[");
    for (int i = 0; i < v->n && o < len; i++) {
      char r[40];
      fmt_real(r, sizeof r, v->v[i]);
      o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ", " : "", r);
    }
    if (o < len) snprintf(buf + o, len - o, "]");
    break;
  }
  case NFCS_PT_INT_LIST: {
    const nfcs_ivec3 *v = f;
    size_t o = (size_t)snprintf(buf, len, "[");
    for (int i = 0; i < v->n && o < len; i++) o += (size_t)snprintf(buf + o, len - o, "%s%lld", i ? ", " : "", (long long)v->v[i]);
    if (o < len) snprintf(buf + o, len - o, "]");
    break;
  }
  case NFCS_PT_NAMED_POINTS: {
    const nfcs_named_points *m = f;
    size_t o = (size_t)snprintf(buf, len, "{");
    for (int i = 0; i < m->n && o < len; i++) {
      char pt[128];
      point_text(pt, sizeof pt, m->count[i], m->x[i]);
      char key[4 * NFCS_NAME_MAX + 8];
      yaml_key(key, sizeof key, m->name[i]);
      o += (size_t)snprintf(buf + o, len - o, "%s%s: %s", i ? ", " : "", key, pt);
    }
    if (o < len) snprintf(buf + o, len - o, "}");
    break;
  }
  case NFCS_PT_NAMED_REALS: {
    const nfcs_named_reals *m = f;
    size_t o = (size_t)snprintf(buf, len, "{");
    for (int i = 0; i < m->n && o < len; i++) {
      char r[40];
      fmt_real(r, sizeof r, m->value[i]);
      char key[4 * NFCS_NAME_MAX + 8];
      yaml_key(key, sizeof key, m->name[i]);
      o += (size_t)snprintf(buf + o, len - o, "%s%s: %s", i ? ", " : "", key, r);
    }
    if (o < len) snprintf(buf + o, len - o, "}");
    break;
  }
  }
}

typedef struct { char *s; size_t n, cap; int failed; } sbuf; /* failed: out of memory (the text is dropped, never cut) */
static void sb_add(sbuf *b, const char *fmt, ...) NFCS_PRINTF(2, 3);
static void sb_add(sbuf *b, const char *fmt, ...) {
  va_list ap;
  for (;;) {
    va_start(ap, fmt);
    int k = vsnprintf(b->s ? b->s + b->n : NULL, b->s ? b->cap - b->n : 0, fmt, ap);
    va_end(ap);
    if (k < 0 || b->failed) { b->failed = 1; return; }
    if (b->s && b->n + (size_t)k < b->cap) { b->n += (size_t)k; return; }
    size_t cap = (b->cap ? b->cap * 2 : 4096) + (size_t)k;
    char *s = realloc(b->s, cap);
    if (!s) { b->failed = 1; return; }
    b->s = s;
    b->cap = cap;
  }
}

static int split_key(const char *key, char comps[4][64]) {
  int n = 0;
  const char *s = key;
  while (*s && n < 4) {
    const char *dot = strchr(s, '.');
    size_t len = dot ? (size_t)(dot - s) : strlen(s);
    snprintf(comps[n++], 64, "%.*s", (int)len, s);
    if (!dot) break;
    s = dot + 1;
  }
  return n;
}

char *nfcs_params_to_yaml(const nfcs_params *p) {
  table_ready();
  sbuf b = {0};
  sb_add(&b, "# effective configuration (defaults and overrides applied)\n");
  char prev[4][64];
  int nprev = 0;  /* mapping components open from the previous key */
  for (size_t i = 0; i < TABLE_COUNT; i++) {
    const nfcs_param_def *d = &TABLE[i];
    if (ROW_MODULE[i] >= 0 && !p->present[ROW_MODULE[i]]) continue;
    char comps[4][64];
    int n = split_key(d->key, comps);
    int np = n - 1;  /* parent components */
    int common = 0;
    while (common < np && common < nprev && !strcmp(comps[common], prev[common])) common++;
    if (common == 0 && nprev > 0) sb_add(&b, "\n");
    for (int k = common; k < np; k++) sb_add(&b, "%*s%s:\n", 2 * k, "", comps[k]);
    for (int k = 0; k < np; k++) snprintf(prev[k], 64, "%s", comps[k]);
    nprev = np;
    int ind = 2 * np;
    const char *leaf = comps[n - 1];
    if (d->type == NFCS_PT_NAMED_POINTS) {
      const nfcs_named_points *m = cfield_ptr(p, d);
      if (m->n == 0) { sb_add(&b, "%*s%s: {}\n", ind, "", leaf); continue; }
      sb_add(&b, "%*s%s:\n", ind, "", leaf);
      for (int k = 0; k < m->n; k++) {
        char pt[128];
        point_text(pt, sizeof pt, m->count[k], m->x[k]);
        char key[4 * NFCS_NAME_MAX + 8];
        yaml_key(key, sizeof key, m->name[k]);
        sb_add(&b, "%*s%s: %s\n", ind + 2, "", key, pt);
      }
      continue;
    }
    if (d->type == NFCS_PT_NAMED_REALS) {
      const nfcs_named_reals *m = cfield_ptr(p, d);
      if (m->n == 0) { sb_add(&b, "%*s%s: {}\n", ind, "", leaf); continue; }
      sb_add(&b, "%*s%s:\n", ind, "", leaf);
      for (int k = 0; k < m->n; k++) {
        char r[40];
        fmt_real(r, sizeof r, m->value[k]);
        char key[4 * NFCS_NAME_MAX + 8];
        yaml_key(key, sizeof key, m->name[k]);
        sb_add(&b, "%*s%s: %s\n", ind + 2, "", key, r);
      }
      continue;
    }
    char val[4 * NFCS_PATH_MAX + 64]; /* a string of any allowed length, escaped */
    nfcs_param_format(p, d, val, sizeof val);
    sb_add(&b, "%*s%s: %s\n", ind, "", leaf, val);
  }
  if (b.failed) {
    free(b.s);
    return NULL;
  }
  return b.s;
}
