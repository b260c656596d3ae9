/* NFCS io — YAML configuration into the parameter table, and HDF5 input and output. */
#ifndef NFCS_IO_H
#define NFCS_IO_H

#include <stdio.h>

#include "nfcs_base.h"
#include "nfcs_grid.h"
#include "nfcs_params.h"
#include "nfcs_sink.h"

NFCS_EXTERN_C_BEGIN

/* Call first in a program that writes files: HDF5 set up for explicit closing (no flush of
 * abandoned files at exit) and quiet errors. */
NFCS_API void nfcs_io_init(void);

/* Load a YAML config into p (which holds the defaults already).  Every error found goes to diags
 * as "file:line:col: error: key: what was expected"; returns NFCS_ERR_CONFIG, or NFCS_ERR_NOINPUT
 * when the file cannot be opened. */
NFCS_API int nfcs_config_load(const char *path, nfcs_params *p, nfcs_diags *diags);
/* Load from a string (tests, --config-text); name is used in messages. */
NFCS_API int nfcs_config_load_string(const char *name, const char *text, nfcs_params *p, nfcs_diags *diags);

/* The HDF5 sink writing the output file (docs/file-format.md) to `path`. */
NFCS_API int nfcs_h5_sink_create(nfcs_ctx *ctx, const char *path, nfcs_sink *sink);
/* The live-metrics sink (docs/monitoring.md): serves the Prometheus text format at
 * http://monitor.listen/metrics and rewrites monitor.textfile every monitor.interval, from threads
 * of its own, while the run lasts.  Best effort: when it cannot start or fails, the run goes on
 * with a warning.  Under mpirun, the first process's alone. */
NFCS_API int nfcs_monitor_sink_create(nfcs_ctx *ctx, const nfcs_params *p, nfcs_sink *sink);
/* The port it serves on once open (monitor.listen with port 0 gets a free one), -1 when none. */
NFCS_API int nfcs_monitor_port(const nfcs_sink *sink);
/* A sink that takes nothing (benchmarks: the run's cost without a disk). */
NFCS_API void nfcs_null_sink_create(nfcs_sink *sink);

/* The reader of input files (HDF5) that a run hands to its modules (nfcs_run_options.input). */
struct nfcs_input;
NFCS_API const struct nfcs_input *nfcs_h5_input(void);

/* Read a checkpoint: the state into a bundle, its effective config as YAML text (malloc'd), and
 * the model it was written for: its canonical text (malloc'd) and hash (hex), or NULL and "" for a
 * checkpoint written before nfcs recorded them.  NFCS_ERR_NOINPUT when it cannot be opened,
 * NFCS_ERR_DATA when it is not a checkpoint. */
struct nfcs_bundle;
NFCS_API int nfcs_h5_read_checkpoint(nfcs_ctx *ctx, const char *path, struct nfcs_bundle *b, char **yaml, char **model_text,
                                     char model_hash[65]);

/* The model of a config (io/nfcs_model_hash.c): its canonical text, nfcs_params_model_text with a
 * line "KEY: sha256 HEX" for each input file (the SHA-256 of its contents), malloc'd into *text,
 * and the hex SHA-256 of that text, the model hash.  NFCS_ERR_NOINPUT when an input file cannot
 * be read. */
NFCS_API int nfcs_model_describe(nfcs_ctx *ctx, const nfcs_params *p, char **text, char hash[65]);
/* The first difference between two model texts, "KEY is A in <where>, B here" (or a key that is
 * part of one model only), into why. */
NFCS_API void nfcs_model_difference(const char *theirs, const char *ours, const char *where, char *why, size_t len);
/* Hex SHA-256 of a buffer; 0 on success. */
NFCS_API int nfcs_sha256_hex(const void *data, size_t len, char hex[65]);
/* Hex SHA-256 of a file's contents; 0 on success, -1 with errno when it cannot be read. */
NFCS_API int nfcs_sha256_file(const char *path, char hex[65]);

/* Describe a run file (output or checkpoint) for people on f: provenance, model, snapshots, every
 * metric series with its range, the coordinator's timing (`nfcs info FILE`).  Returns 0, or the
 * exit status with the reason on stderr: 66 the file cannot be opened, 65 it is not HDF5. */
NFCS_API int nfcs_h5_describe(const char *path, FILE *f);
/* The libraries io works with, with their versions ("HDF5 1.10.8; libfyaml 0.7.12; OpenSSL ..."). */
NFCS_API void nfcs_io_libraries(char *out, size_t len);

NFCS_EXTERN_C_END
#endif
