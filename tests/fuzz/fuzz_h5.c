/* libFuzzer harness: the HDF5 readers on arbitrary bytes.  The input is written to a file, which
 * is then read as an initial field (a complex [12, 16] dataset /phi), as an edge list (any length),
 * as a checkpoint, and described as `nfcs info FILE` does.  Every reader must refuse what is wrong
 * with an error; none may crash.  Crashes inside libhdf5 itself show its frames in the report. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>

#include "nfcs/nfcs.h"

/* Memory that libhdf5 itself allocates and loses on the error paths of a crafted file (seen: the
 * root group's object header when H5Fopen fails, H5F_open -> H5G_mkroot -> H5O_protect) is the
 * library's leak, reported upstream, not ours: LeakSanitizer leaves out the blocks allocated inside
 * libhdf5; every block the engine allocates is still checked. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libhdf5_serial.so\nleak:libhdf5.so\nleak:libhdf5_openmpi.so\n"; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char path[256];
  static nfcs_params p;
  static nfcs_ctx *ctx;
  static FILE *devnull;
  if (!ctx) {
    nfcs_io_init();
    nfcs_ctx_create(&ctx);
    nfcs_ctx_set_log_level(ctx, NFCS_LOG_QUIET);
    devnull = fopen("/dev/null", "w");
    const char *dir = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/nfcs-fuzz-%ld.h5", dir && *dir ? dir : "/tmp", (long)getpid());
    /* a config naming the file for the field and for the edge list */
    static nfcs_diags d;
    nfcs_params_defaults(&p);
    char cfg[1024];
    snprintf(cfg, sizeof cfg,
             "cgl: {grid_size: [16, 12], spatial_extent: [1.0, 1.0], initial_condition: {type: file, path: %s, dataset: /phi}}\n"
             "kuramoto: {oscillators: 8, coupling: sparse, sparse: {path: %s, src: /src, dst: /dst, weight: /w}}\n", path, path);
    if (nfcs_config_load_string("fuzz.yaml", cfg, &p, &d) != NFCS_OK) abort();
  }
  FILE *f = fopen(path, "wb");
  if (!f) return 0;
  fwrite(data, 1, size, f);
  fclose(f);
  const nfcs_input *in = nfcs_h5_input();
  nfcs_array a;
  const int64_t shape[2] = {12, 16}, any[1] = {-1};
  if (in->ops->read(in->self, ctx, &p, "cgl.initial_condition.path", "/phi", NFCS_ELEM_COMPLEX, 2, shape, NULL, &a) == NFCS_OK) free(a.data);
  if (in->ops->read(in->self, ctx, &p, "kuramoto.sparse.path", "/src", NFCS_ELEM_I64, 1, any, NULL, &a) == NFCS_OK) free(a.data);
  if (in->ops->read(in->self, ctx, &p, "kuramoto.sparse.path", "/w", NFCS_ELEM_F64, 1, any, NULL, &a) == NFCS_OK) free(a.data);
  nfcs_bundle b;
  char *yaml = NULL, *model = NULL, hash[65];
  if (nfcs_h5_read_checkpoint(ctx, path, &b, &yaml, &model, hash) == NFCS_OK) {
    nfcs_bundle_free(&b);
    free(yaml);
    free(model);
  }
  nfcs_h5_describe(path, devnull);
  unlink(path);
  /* every reader closed everything it opened, whatever it met */
  const ssize_t open_ids = H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL);
  if (open_ids > 0) {
    fprintf(stderr, "fuzz_h5: %zd HDF5 objects left open after the readers\n", open_ids);
    abort();
  }
  return 0;
}
