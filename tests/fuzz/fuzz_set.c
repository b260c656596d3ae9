/* libFuzzer harness: the --set parser.  Each line of the input is one KEY=VALUE (as the command
 * line passes it), applied in order over the defaults; then the cross-key checks and the effective
 * YAML. */
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static nfcs_params p;
  static nfcs_diags d;
  char *text = fuzz_text(data, size);
  if (!text) return 0;
  memset(&d, 0, sizeof d);
  nfcs_params_defaults(&p);
  char *save = NULL;
  for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) nfcs_params_apply_set(&p, line, &d);
  if (d.count == 0 && nfcs_params_validate(&p, &d) == NFCS_OK) free(nfcs_params_to_yaml(&p));
  free(text);
  return 0;
}
