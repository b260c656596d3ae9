/* libFuzzer harness: YAML text -> the parameter table (every error path of the loader), then the
 * cross-key checks, the run's file and memory checks, and the effective YAML of what loaded. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nfcs/nfcs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static nfcs_params p;
  static nfcs_diags d;
  char *text = malloc(size + 1);
  if (!text) return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  memset(&d, 0, sizeof d);
  nfcs_params_defaults(&p);
  if (nfcs_config_load_string("fuzz.yaml", text, &p, &d) == NFCS_OK && nfcs_params_validate(&p, &d) == NFCS_OK) {
    nfcs_run_check_files(&p, NULL, 0, &d);
    nfcs_run_check_memory(&p, &d);
    free(nfcs_params_to_yaml(&p));
    free(nfcs_params_model_text(&p));
  }
  free(text);
  return 0;
}
