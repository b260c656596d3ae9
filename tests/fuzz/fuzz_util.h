/* What the text harnesses share: the input as a C string, and a config loaded and checked from it. */
#ifndef NFCS_FUZZ_UTIL_H
#define NFCS_FUZZ_UTIL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nfcs/nfcs.h"

/* the input bytes, NUL-terminated (malloc'd; NULL when out of memory) */
static inline char *fuzz_text(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  if (text) {
    memcpy(text, data, size);
    text[size] = '\0';
  }
  return text;
}

/* p from the defaults and the YAML text, then the cross-key checks: 1 when both passed */
static inline int fuzz_config(const char *name, const char *text, nfcs_params *p, nfcs_diags *d) {
  memset(d, 0, sizeof *d);
  nfcs_params_defaults(p);
  return nfcs_config_load_string(name, text, p, d) == NFCS_OK && nfcs_params_validate(p, d) == NFCS_OK;
}

#endif
