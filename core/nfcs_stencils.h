/* NFCS core — small numerical pieces shared by the host, the CPU kernels and the CUDA kernels
 * (one definition each, so every backend computes the same thing).  Header only. */
#ifndef NFCS_STENCILS_H
#define NFCS_STENCILS_H

#include <math.h>
#include <stdint.h>

#include "nfcs_base.h"
#include "nfcs_params.h"

#if defined(__CUDACC__)
#define NFCS_HD __host__ __device__ __forceinline__
#else
#define NFCS_HD static inline
#endif

/* (x + pi) mod 2 pi - pi with the modulo of Python and numpy (the result has the divisor's sign),
 * in [-pi, pi).  The common cases skip fmod and give the same bits: r in [0, 2 pi) unchanged,
 * r - 2 pi for r in [2 pi, 4 pi) is exact (Sterbenz), r + 2 pi for r in [-2 pi, 0) is the very
 * operation the Python modulo does after fmod. */
NFCS_HD double nfcs_wrap_phase(double x) {
  const double two_pi = 6.283185307179586476925286766559, pi = 3.14159265358979323846264338327950;
  double r = x + pi;
  if (r >= 0 && r < two_pi) {
  } else if (r >= two_pi && r < 2 * two_pi) {
    r -= two_pi;
  } else if (r < 0 && r >= -two_pi) {
    r += two_pi;
  } else {
    r = fmod(r, two_pi);
    if (r != 0 && r < 0) r += two_pi;
  }
  r -= pi;
  return r >= pi ? r - two_pi : r;
}

/* a phase difference wrapped to [-pi, pi] */
NFCS_HD double nfcs_wrap_diff(double d) { return d - 6.283185307179586 * rint(d * 0.15915494309189535); }

/* numpy.gradient (edge order 1) at i of a line of n values with stride st and spacing h: central
 * inside, one-sided at the ends; of the phase unwrapped along the line when phase != 0 */
NFCS_HD double nfcs_grad_line(const nfcs_real *v, int64_t i, int64_t n, int64_t st, double h, int phase) {
  if (n < 2) return 0.0;
  double a, b;
  if (i == 0) {
    a = (double)v[st] - v[0];
    return (phase ? nfcs_wrap_diff(a) : a) / h;
  }
  if (i == n - 1) {
    a = (double)v[(n - 1) * st] - v[(n - 2) * st];
    return (phase ? nfcs_wrap_diff(a) : a) / h;
  }
  a = (double)v[(i + 1) * st] - v[i * st];
  b = (double)v[i * st] - v[(i - 1) * st];
  return (phase ? nfcs_wrap_diff(a) + nfcs_wrap_diff(b) : a + b) / (2 * h);
}

/* The signed mode number of FFT index j on an axis of n points: j up to (n - 1)/2, then j - n
 * (numpy.fft.fftfreq(n) * n, FFTW's order) */
NFCS_HD int64_t nfcs_fft_mode(int64_t j, int64_t n) { return j <= (n - 1) / 2 ? j : j - n; }

/* The angular wavenumber of FFT index j on an axis of n points and length L: 2 pi m / L */
NFCS_HD double nfcs_fft_k(int64_t j, int64_t n, double L) { return 2.0 * M_PI * (double)nfcs_fft_mode(j, n) / L; }

/* Is FFT index j of an axis of n points kept by the dealiasing rule (NFCS_DEALIAS_*)?  two_thirds
 * keeps |m| < n/3, half keeps |m| < n/4; a mode is kept when it is kept on every axis */
NFCS_HD int nfcs_dealias_keep(int64_t j, int64_t n, int rule) {
  const int64_t m = nfcs_fft_mode(j, n), am = m < 0 ? -m : m;
  return rule == NFCS_DEALIAS_NONE || (rule == NFCS_DEALIAS_TWO_THIRDS && 3 * am < n) || (rule == NFCS_DEALIAS_HALF && 4 * am < n);
}

NFCS_HD double nfcs_cdist(const nfcs_real *a, const nfcs_real *b) { return hypot((double)a[0] - b[0], (double)a[1] - b[1]); }

/* Is the field continuous across the periodic seam between a (last point of a line, a_in next to
 * it) and b (first point, b_in next to it)?  Judged against the neighbouring jumps inside the
 * line: a field that is not periodic jumps there, and its plaquettes across the seam are not
 * counted as vortices. */
NFCS_HD int nfcs_seam_ok(const nfcs_real *a, const nfcs_real *a_in, const nfcs_real *b, const nfcs_real *b_in) {
  return nfcs_cdist(a, b) <= 3.0 * fmax(nfcs_cdist(a, a_in), nfcs_cdist(b, b_in)) + 1e-300;
}

/* Does the plaquette (x, y)-(x + 1, y + 1) of an xy plane (nx by ny complex values, x fastest)
 * count in a winding number?  Not when it wraps across a periodic seam where the field is not
 * continuous (nfcs_seam_ok on both of the lines it crosses). */
NFCS_HD int nfcs_plaquette_counted(const nfcs_real *plane, int64_t nx, int64_t ny, int64_t x, int64_t y) {
  const int64_t x1 = (x + 1) % nx, y1 = (y + 1) % ny;
#define NFCS_PQ(j, i) (plane + 2 * ((j) * nx + (i)))
  const int ok_x = x1 != 0 || nx <= 2 ||
                   (nfcs_seam_ok(NFCS_PQ(y, nx - 1), NFCS_PQ(y, nx - 2), NFCS_PQ(y, 0), NFCS_PQ(y, 1)) &&
                    nfcs_seam_ok(NFCS_PQ(y1, nx - 1), NFCS_PQ(y1, nx - 2), NFCS_PQ(y1, 0), NFCS_PQ(y1, 1)));
  const int ok_y = y1 != 0 || ny <= 2 ||
                   (nfcs_seam_ok(NFCS_PQ(ny - 1, x), NFCS_PQ(ny - 2, x), NFCS_PQ(0, x), NFCS_PQ(1, x)) &&
                    nfcs_seam_ok(NFCS_PQ(ny - 1, x1), NFCS_PQ(ny - 2, x1), NFCS_PQ(0, x1), NFCS_PQ(1, x1)));
#undef NFCS_PQ
  return ok_x && ok_y;
}

/* One term of the Python NFCS's defect density, |d2theta/dy2 - d2theta/dx2| / (2 pi), at point (x, y)
 * of an xy plane: numpy.gradient applied twice, the first derivatives of the phase unwrapped along
 * each line.  th: the phase of the plane (nx by ny, x fastest); gx_row: the x derivative of the
 * phase on row y; twod: the plane has a y axis (else only the x term). */
NFCS_HD double nfcs_rho_term(const nfcs_real *th, const nfcs_real *gx_row, int64_t nx, int64_t ny, int64_t x, int64_t y,
                             double dx, double dy, int twod) {
  const double d2x = nfcs_grad_line(gx_row, x, nx, 1, dx, 0);
  double d2y = 0;
  if (twod) {
    const int64_t lo = y > 0 ? y - 1 : 0, hi = y < ny - 1 ? y + 1 : ny - 1;
    const double ga = nfcs_grad_line(th + x, lo, ny, nx, dy, 1), gb = nfcs_grad_line(th + x, hi, ny, nx, dy, 1);
    d2y = (y == 0 || y == ny - 1) ? (gb - ga) / dy : (gb - ga) / (2 * dy);
  }
  return fabs(d2y - d2x) * 0.15915494309189535;
}

/* The winding number of the plaquette (x, y)-(x + 1, y + 1) of an xy plane from its phase th
 * (the sum of the wrapped phase differences around it, over 2 pi) */
NFCS_HD long nfcs_plaquette_winding(const nfcs_real *th, int64_t nx, int64_t ny, int64_t x, int64_t y) {
  const int64_t x1 = (x + 1) % nx, y1 = (y + 1) % ny;
  const double a = th[y * nx + x], b = th[y * nx + x1], c = th[y1 * nx + x1], d = th[y1 * nx + x];
  const double w = nfcs_wrap_diff(b - a) + nfcs_wrap_diff(c - b) + nfcs_wrap_diff(d - c) + nfcs_wrap_diff(a - d);
  return lround(w * 0.15915494309189535);
}

#endif
