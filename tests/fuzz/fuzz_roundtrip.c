/* libFuzzer harness, a property: a config that loads and validates gives an effective YAML that
 * loads and validates again and gives the same text back (SPEC.md 2).  A difference aborts. */
#include <stdio.h>

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static nfcs_params p, q;
  static nfcs_diags d;
  char *text = fuzz_text(data, size);
  if (!text) return 0;
  if (fuzz_config("fuzz.yaml", text, &p, &d)) {
    char *y1 = nfcs_params_to_yaml(&p);
    if (y1) {
      char *y2 = fuzz_config("effective.yaml", y1, &q, &d) ? nfcs_params_to_yaml(&q) : NULL;
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
