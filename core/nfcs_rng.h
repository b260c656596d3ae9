/* NFCS core — deterministic randomness: Philox4x32-10 (Salmon et al., SC'11), counter based.
 * Every random number is a pure function of (seed, stream, index, step), so CPU and GPU, one or
 * many threads, draw the same numbers.  Header only; usable from C, C++ and CUDA. */
#ifndef NFCS_RNG_H
#define NFCS_RNG_H

#include <math.h>
#include <stdint.h>

#include "nfcs_stencils.h" /* NFCS_HD */

/* Streams: one per purpose so that draws never overlap. */
enum {
  NFCS_STREAM_CGL_IC = 1,
  NFCS_STREAM_CGL_NOISE = 2,
  NFCS_STREAM_KURAMOTO_FREQ = 3,
  NFCS_STREAM_KURAMOTO_PHASES = 4,
  NFCS_STREAM_KURAMOTO_NOISE = 5
};

typedef struct nfcs_philox_out { uint32_t v[4]; } nfcs_philox_out;

NFCS_HD void nfcs_philox_mulhilo(uint32_t a, uint32_t b, uint32_t *hi, uint32_t *lo) {
  uint64_t p = (uint64_t)a * (uint64_t)b;
  *hi = (uint32_t)(p >> 32);
  *lo = (uint32_t)p;
}

/* Philox4x32 with 10 rounds: counter c[4], key k[2]. */
NFCS_HD nfcs_philox_out nfcs_philox4x32_10(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t k0, uint32_t k1) {
  for (int r = 0; r < 10; r++) {
    if (r > 0) {
      k0 += 0x9E3779B9u;
      k1 += 0xBB67AE85u;
    }
    uint32_t hi0, lo0, hi1, lo1;
    nfcs_philox_mulhilo(0xD2511F53u, c0, &hi0, &lo0);
    nfcs_philox_mulhilo(0xCD9E8D57u, c2, &hi1, &lo1);
    uint32_t n0 = hi1 ^ c1 ^ k0, n1 = lo1, n2 = hi0 ^ c3 ^ k1, n3 = lo0;
    c0 = n0; c1 = n1; c2 = n2; c3 = n3;
  }
  nfcs_philox_out o;
  o.v[0] = c0; o.v[1] = c1; o.v[2] = c2; o.v[3] = c3;
  return o;
}

/* 53-bit uniform in [0, 1) from two 32-bit words. */
NFCS_HD double nfcs_u01(uint32_t a, uint32_t b) {
  return ((double)(a >> 5) * 67108864.0 + (double)(b >> 6)) * (1.0 / 9007199254740992.0);
}

/* Four words for (seed, stream, index, step). */
NFCS_HD nfcs_philox_out nfcs_rng_draw(uint64_t seed, uint32_t stream, uint64_t index, uint64_t step) {
  return nfcs_philox4x32_10((uint32_t)index, (uint32_t)(index >> 32), (uint32_t)step, (uint32_t)(step >> 32),
                            (uint32_t)seed, (uint32_t)(seed >> 32) ^ (stream * 0x85EBCA6Bu));
}

/* Two independent standard normals (Box-Muller) for (seed, stream, index, step). */
NFCS_HD void nfcs_rng_normal2(uint64_t seed, uint32_t stream, uint64_t index, uint64_t step, double *z0, double *z1) {
  nfcs_philox_out o = nfcs_rng_draw(seed, stream, index, step);
  double u1 = 1.0 - nfcs_u01(o.v[0], o.v[1]); /* (0, 1] */
  double u2 = nfcs_u01(o.v[2], o.v[3]);
  double r = sqrt(-2.0 * log(u1));
  double a = 6.283185307179586476925286766559 * u2;
  *z0 = r * cos(a);
  *z1 = r * sin(a);
}

/* Two uniforms in [0, 1). */
NFCS_HD void nfcs_rng_uniform2(uint64_t seed, uint32_t stream, uint64_t index, uint64_t step, double *u0, double *u1) {
  nfcs_philox_out o = nfcs_rng_draw(seed, stream, index, step);
  *u0 = nfcs_u01(o.v[0], o.v[1]);
  *u1 = nfcs_u01(o.v[2], o.v[3]);
}

#endif
