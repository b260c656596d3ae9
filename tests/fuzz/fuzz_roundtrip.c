/* libFuzzer harness, a property: a config that loads and validates gives an effective YAML that
 * loads and validates again and gives the same text back (SPEC.md 2).  A difference aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfcs/nfcs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static nfcs_params p, q;
  static nfcs_diags d;
  char *text = malloc(size + 1);
  if (!text) return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  memset(&d, 0, sizeof d);
  nfcs_params_defaults(&p);
  if (nfcs_config_load_string("fuzz.yaml", text, &p, &d) == NFCS_OK && nfcs_params_validate(&p, &d) == NFCS_OK) {
    char *y1 = nfcs_params_to_yaml(&p);
    if (y1) {
      memset(&d, 0, sizeof d);
      nfcs_params_defaults(&q);
      const int rc = nfcs_config_load_string("effective.yaml", y1, &q, &d);
      char *y2 = rc == NFCS_OK && nfcs_params_validate(&q, &d) == NFCS_OK ? nfcs_params_to_yaml(&q) : NULL;
      if (!y2 || strcmp(y1, y2) != 0) {
        fprintf(stderr, "the effective YAML does not load back the same:\n--- input\n%s\n--- effective\n%s\n--- again\n%s\n--- errors\n%s\n",
                text, y1, y2 ? y2 : "(refused)", d.count ? d.msg[0] : "");
        abort();
      }
      free(y2);
      free(y1);
    }
  }
  free(text);
  return 0;
}
