/* The registries of the field's schemes and initial conditions.  Their order is the order of the
 * choices of cgl.scheme and cgl.initial_condition.type (the NFCS_SCHEME_* and NFCS_IC_* values);
 * tests/test_cgl.c checks that the table rows name them in this order. */
#include "cgl_impl.h"

static const nfcs_cgl_scheme_class *const SCHEMES[] = {
  [NFCS_SCHEME_STRANG] = &nfcs_cgl_strang,
  [NFCS_SCHEME_ETDRK4] = &nfcs_cgl_etdrk4,
  [NFCS_SCHEME_UPSTREAM] = &nfcs_cgl_upstream,
};

static const nfcs_cgl_ic_class *const ICS[] = {
  [NFCS_IC_RANDOM_NOISE] = &nfcs_cgl_ic_random_noise,
  [NFCS_IC_PLANE_WAVE] = &nfcs_cgl_ic_plane_wave,
  [NFCS_IC_SPIRAL] = &nfcs_cgl_ic_spiral,
  [NFCS_IC_GAUSSIAN] = &nfcs_cgl_ic_gaussian,
  [NFCS_IC_FILE] = &nfcs_cgl_ic_file,
};

#define COUNT(a) (sizeof a / sizeof a[0])

size_t nfcs_cgl_scheme_count(void) { return COUNT(SCHEMES); }
const nfcs_cgl_scheme_type *nfcs_cgl_scheme_at(size_t i) { return i < COUNT(SCHEMES) ? &SCHEMES[i]->info : NULL; }
const nfcs_cgl_scheme_class *nfcs_cgl_scheme_class_of(int scheme) {
  return scheme >= 0 && (size_t)scheme < COUNT(SCHEMES) ? SCHEMES[scheme] : NULL;
}

size_t nfcs_cgl_ic_count(void) { return COUNT(ICS); }
const nfcs_cgl_ic_type *nfcs_cgl_ic_at(size_t i) { return i < COUNT(ICS) ? &ICS[i]->info : NULL; }
const nfcs_cgl_ic_class *nfcs_cgl_ic_class_of(int type) { return type >= 0 && (size_t)type < COUNT(ICS) ? ICS[type] : NULL; }
