/* NFCS core — the one parameter table.  Every configurable value of the engine is a row of
 * this table: dotted key, type, place in struct nfcs_params, default, range, help.  YAML loading,
 * --set, `nfcs validate`, `nfcs info --params` and the effective config written into HDF5 are all
 * driven by it; unknown keys are errors. */
#ifndef NFCS_PARAMS_H
#define NFCS_PARAMS_H

#include "nfcs_base.h"

NFCS_EXTERN_C_BEGIN

#define NFCS_PATH_MAX 1024
#define NFCS_NAME_MAX 64
#define NFCS_MAX_NAMED 256

typedef struct nfcs_ivec3 { int n; int64_t v[3]; } nfcs_ivec3;
typedef struct nfcs_rvec3 { int n; double v[3]; } nfcs_rvec3;
typedef struct nfcs_named_reals {
  int n;
  char name[NFCS_MAX_NAMED][NFCS_NAME_MAX];
  double value[NFCS_MAX_NAMED];
} nfcs_named_reals;
/* Named points: name -> [x] | [x, y] | [x, y, z] (e.g. sensor positions), in file order. */
#define NFCS_MAX_POINTS 64
typedef struct nfcs_named_points {
  int n;
  char name[NFCS_MAX_POINTS][NFCS_NAME_MAX];
  int count[NFCS_MAX_POINTS]; /* coordinates given */
  double x[NFCS_MAX_POINTS][3];
} nfcs_named_points;

/* Enumerations of the engine's own rows (the order matches the `choices` of the table rows);
 * the modules' enumerations are in their headers. */
enum { NFCS_REG_PROPORTIONAL = 0, NFCS_REG_NONE, NFCS_REG_PHASE_FEEDBACK };
enum { NFCS_PREC_FLOAT64 = 0, NFCS_PREC_FLOAT32 };
enum { NFCS_DEVICE_CPU = 0, NFCS_DEVICE_CUDA };
enum { NFCS_PLAN_ESTIMATE = 0, NFCS_PLAN_MEASURE, NFCS_PLAN_PATIENT, NFCS_PLAN_EXHAUSTIVE };

#define NFCS_MAX_MODULES 8        /* modules in the registry, at most */
#define NFCS_MAX_PARAMS 256       /* rows of the table, at most */
#define NFCS_SECTIONS_BYTES 65536 /* room for the modules' own parameter structs */

/* A config.  The engine's own sections are fields; each module's section is the module's own
 * struct, kept in `sections` and reached through the module's accessor (e.g. nfcs_cgl_section). */
typedef struct nfcs_params {
  /* which module sections the config has (registry order): a module runs when its section is present */
  int present[NFCS_MAX_MODULES];

  struct { int type; double field_gain, oscillator_gain, limit, feedback_gain; } regulator;
  struct { double t_end; } run;
  struct { double rate_hz; int realtime; double sim_time_per_tick; } coordinator;
  struct {
    char path[NFCS_PATH_MAX];
    double snapshot_interval, metrics_interval, checkpoint_interval;
    int precision;
    char checkpoint_path[NFCS_PATH_MAX];
    int xdmf;
  } output;
  struct { int device; int64_t threads; int fft_planner; char fft_wisdom[NFCS_PATH_MAX]; } backend;
  struct { char listen[NFCS_PATH_MAX]; char textfile[NFCS_PATH_MAX]; double interval; } monitor;
  struct { int enabled; char dir[NFCS_PATH_MAX]; double max_size; } cache;
  struct {
    double w_field_energy, w_field_gradient, w_control_energy, w_coherence_penalty;
    double w_hallucinations, w_defect_density, w_coherence_loss, w_violations;
  } cost;
  struct { int64_t max_simulation_steps; double emergency_threshold_ha, emergency_threshold_defects, coherence_target; } system;
  struct { int level; int64_t log_metrics_interval, save_state_interval; } logging;

  /* Where each row got its value: 0 default, 1 config file, 2 command line (--set).
   * loc_line/loc_col are 1-based positions in the config file (0 when not from the file). */
  uint8_t origin[NFCS_MAX_PARAMS];
  int loc_line[NFCS_MAX_PARAMS], loc_col[NFCS_MAX_PARAMS];
  char config_path[NFCS_PATH_MAX];  /* the config file, "" when none */
  char config_dir[NFCS_PATH_MAX];   /* its folder: input paths are relative to it */

  /* the modules' sections (nfcs_params_section) */
  NFCS_ALIGNAS(16) unsigned char sections[NFCS_SECTIONS_BYTES];
} nfcs_params;

typedef enum nfcs_ptype {
  NFCS_PT_REAL, NFCS_PT_INT, NFCS_PT_BOOL, NFCS_PT_ENUM, NFCS_PT_STRING,
  NFCS_PT_REAL_LIST, NFCS_PT_INT_LIST, NFCS_PT_NAMED_REALS, NFCS_PT_NAMED_POINTS
} nfcs_ptype;

/* flags of a row */
#define NFCS_PF_MIN_EXCLUSIVE 1u /* value must be > min (not >=) */
#define NFCS_PF_ICASE 2u         /* enum choices compare case-insensitively */
#define NFCS_PF_MODEL 4u         /* the value changes the trajectory: part of the model (and its hash) */
#define NFCS_PF_INPUT_FILE 8u    /* the value names an input file: its contents, not its name, are in the model */
#define NFCS_PF_NO_RESULT 16u    /* changes nothing the output file holds (where it goes, when the run ends, how it is
                                    paced, watched, logged or cached): no part of a result's key (nfcs_result_key) */

typedef struct nfcs_param_def {
  const char *key;      /* dotted key, "cgl.time_step" */
  nfcs_ptype type;
  size_t offset;        /* into struct nfcs_params; a module's rows: into the module's struct (the table
                           adds where the module's section lies) */
  const char *def;      /* default, as text ("0.01", "[128, 128]", "strang") */
  double min, max;      /* range of the value (of each element for lists) */
  int min_count, max_count; /* lists: number of elements */
  const char *choices;  /* enums: "strang|etdrk4|upstream" */
  unsigned flags;
  const char *help;
} nfcs_param_def;

/* The table: every module's rows (registry order), then the engine's own. */
NFCS_API const nfcs_param_def *nfcs_param_table(size_t *count);
/* Row of a dotted key, NULL when unknown.  For a key below a named-reals or named-points row
 * ("kuramoto.natural_frequencies.memory") returns that row and sets *entry to the entry name. */
NFCS_API const nfcs_param_def *nfcs_param_find(const char *key, const char **entry);
/* Is `prefix` a section (a prefix of some key, e.g. "cgl" or "cgl.initial_condition")? */
NFCS_API int nfcs_param_is_section(const char *prefix);
NFCS_API size_t nfcs_param_index(const nfcs_param_def *def);
/* The module a row belongs to (its registry index), or -1 for the engine's own rows. */
NFCS_API int nfcs_param_module(const nfcs_param_def *def);

/* Module sections.  `module`: its name (the first component of its keys, "cgl"). */
/* The module's struct within p (NULL for an unknown name).  A module's header offers a typed
 * accessor (nfcs_cgl_section). */
NFCS_API const void *nfcs_params_section(const nfcs_params *p, const char *module);
NFCS_API void *nfcs_params_section_rw(nfcs_params *p, const char *module);
/* Does the config have the module's section?  Mark it present (a config file or --set naming it). */
NFCS_API int nfcs_params_has(const nfcs_params *p, const char *module);
NFCS_API void nfcs_params_set_present(nfcs_params *p, const char *module, int present);

/* Diagnostics: every error found while loading or validating, formatted
 * "file:line:col: error: key: what was expected". */
typedef struct nfcs_diags {
  int count;
  int code;             /* the exit status they call for (78, or 66 for a missing file) */
  char msg[64][640];
} nfcs_diags;
NFCS_API void nfcs_diags_add(nfcs_diags *d, int code, const char *fmt, ...) NFCS_PRINTF(3, 4);

/* Fill with every default. */
NFCS_API void nfcs_params_defaults(nfcs_params *p);

/* Set one row from text.  `quoted` says the text was a quoted string in YAML (a number then is
 * a type error).  On error writes "what was expected" into err and returns NFCS_ERR_CONFIG. */
NFCS_API int nfcs_param_set_text(nfcs_params *p, const nfcs_param_def *def, const char *text, int quoted,
                                 char *err, size_t errlen);
/* Lists: set from element texts. */
NFCS_API int nfcs_param_set_list(nfcs_params *p, const nfcs_param_def *def, const char *const *items,
                                 const int *quoted, int n, char *err, size_t errlen);
/* Named reals: add or replace one entry (text: a number).  Named points: the same (text: a list
 * "[x, y]" or "x,y"). */
NFCS_API int nfcs_param_set_named(nfcs_params *p, const nfcs_param_def *def, const char *name,
                                  const char *text, int quoted, char *err, size_t errlen);
/* Named points: add or replace one entry from its coordinates' texts. */
NFCS_API int nfcs_param_set_named_point(nfcs_params *p, const nfcs_param_def *def, const char *name,
                                        const char *const *items, const int *quoted, int n, char *err, size_t errlen);
NFCS_API void nfcs_param_clear_named(nfcs_params *p, const nfcs_param_def *def);

/* Apply "KEY=VALUE" from the command line (value: a number, a word, or a list "[a, b]" / "a,b").
 * Errors go to diags as "--set:1:col: error: key: ...". */
NFCS_API int nfcs_params_apply_set(nfcs_params *p, const char *assignment, nfcs_diags *diags);

/* Cross-key checks (sections present, list lengths agree, scheme/dealias combinations, ...): the
 * engine's, then each present module's. */
NFCS_API int nfcs_params_validate(const nfcs_params *p, nfcs_diags *diags);
/* Report a cross-key error at the place `key` got its value: "file:line:col: error: key: ...". */
NFCS_API void nfcs_params_error(const nfcs_params *p, nfcs_diags *diags, const char *key, const char *fmt, ...) NFCS_PRINTF(4, 5);

/* The effective config as YAML (every key, defaults included).  Returns a malloc'd string. */
NFCS_API char *nfcs_params_to_yaml(const nfcs_params *p);
/* One row's current value as YAML text into buf. */
NFCS_API void nfcs_param_format(const nfcs_params *p, const nfcs_param_def *def, char *buf, size_t len);

/* Resolve an input path of the config (relative to the config's folder). */
NFCS_API void nfcs_params_input_path(const nfcs_params *p, const char *path, char *out, size_t len);

/* Model identity (core/nfcs_model.c).  A row is in the model of a config when it changes that
 * config's trajectory: flagged NFCS_PF_MODEL and used by it (its module present, and what the
 * module says it uses: e.g. the initial condition's seed only for random_noise). */
NFCS_API int nfcs_param_in_model(const nfcs_params *p, const nfcs_param_def *def);
/* The model as canonical text: "modules: ...", then "key: value" for each row in the model, in
 * table order, but the rows that name input files (whose contents count instead).  malloc'd. */
NFCS_API char *nfcs_params_model_text(const nfcs_params *p);
/* The input files the config's run reads (rows flagged NFCS_PF_INPUT_FILE in the model): their
 * keys and paths (resolved against the config's folder).  Returns how many there are (at most max
 * are filled). */
typedef struct nfcs_input_file {
  const char *key;
  char path[NFCS_PATH_MAX];
} nfcs_input_file;
NFCS_API int nfcs_params_input_files(const nfcs_params *p, nfcs_input_file *files, int max);

/* monitor.listen split into host and port: "PORT" and ":PORT" are the loopback (host
 * "127.0.0.1"), "*:PORT" every address (host ""), "[V6]:PORT" and "HOST:PORT" as written.  0, or
 * NFCS_ERR_CONFIG with what was expected in err. */
NFCS_API int nfcs_listen_split(const char *s, char *host, size_t hostlen, int *port, char *err, size_t errlen);

NFCS_EXTERN_C_END
#endif
