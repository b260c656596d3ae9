/* libFuzzer harness: YAML text -> the parameter table (every error path of the loader), then the
 * cross-key checks, the run's file and memory checks, and the effective YAML of what loaded. */
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static nfcs_params p;
  static nfcs_diags d;
  char *text = fuzz_text(data, size);
  if (!text) return 0;
  if (fuzz_config("fuzz.yaml", text, &p, &d)) {
    nfcs_run_check_files(&p, NULL, 0, &d);
    nfcs_run_check_memory(&p, &d);
    free(nfcs_params_to_yaml(&p));
    free(nfcs_params_model_text(&p));
  }
  free(text);
  return 0;
}
