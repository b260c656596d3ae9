/* NFCS core — the time grid of a module: steps of dt on t_k = k dt, with a shortened step where
 * a target time falls between grid times, so that every module lands exactly on ticks and
 * output times and the trajectory does not depend on where it is observed (except inside a
 * split step). */
#ifndef NFCS_CLOCK_H
#define NFCS_CLOCK_H

#include <math.h>
#include <stdint.h>

#include "nfcs_base.h"

typedef struct nfcs_clock {
  double dt, t;
  int64_t grid_index; /* t lies in [grid_index dt, (grid_index + 1) dt) */
  int64_t steps;      /* steps taken, split pieces included */
} nfcs_clock;

/* rounding, not a step: remainders shorter than this are absorbed */
static inline double nfcs_clock_tol(const nfcs_clock *c) { return 1e-9 * c->dt; }

/* The next step toward t: returns 0 when t is reached, else 1 with *h the step size and *on_grid
 * whether the step ends on a grid time. */
static inline int nfcs_clock_next(const nfcs_clock *c, double t, double *h, int *on_grid) {
  const double tol = nfcs_clock_tol(c);
  if (!(c->t < t - tol)) return 0;
  double next = (double)(c->grid_index + 1) * c->dt;
  double target = next <= t + tol ? next : t;
  *on_grid = next <= t + tol;
  *h = target - c->t;
  if (fabs(*h - c->dt) <= tol) *h = c->dt;
  return 1;
}

/* After the step proposed by nfcs_clock_next(c, t, ...). */
static inline void nfcs_clock_commit(nfcs_clock *c, double t, int on_grid) {
  c->steps++;
  if (on_grid) {
    c->grid_index++;
    c->t = (double)c->grid_index * c->dt;
  } else {
    c->t = t;
  }
}

/* Snap onto t when within rounding of it. */
static inline void nfcs_clock_land(nfcs_clock *c, double t) {
  const double tol = nfcs_clock_tol(c);
  if (fabs(c->t - t) <= tol) {
    c->t = t;
    if (fabs((double)(c->grid_index + 1) * c->dt - t) <= tol) c->grid_index++;
  }
}

/* After a step of size h that the caller chose (nfcs_cgl_step, nfcs_kuramoto_step): on or off
 * the grid as it falls. */
static inline void nfcs_clock_free_step(nfcs_clock *c, double h) {
  c->steps++;
  c->t += h;
  c->grid_index = (int64_t)floor((c->t + nfcs_clock_tol(c)) / c->dt);
}

/* Advance a module to t: step(self, h) for each step nfcs_clock_next proposes, the clock kept.
 * When *stop becomes set it stops after the current step: NFCS_ERR_INTERRUPTED unless t was
 * reached by then.  A step's error is returned as it is. */
static inline int nfcs_clock_advance(nfcs_clock *c, double t, const volatile int *stop, int (*step)(void *, double),
                                     void *self) {
  double h;
  int on_grid;
  while (nfcs_clock_next(c, t, &h, &on_grid)) {
    const int rc = step(self, h);
    if (rc) return rc;
    nfcs_clock_commit(c, t, on_grid);
    if (stop && *stop) {
      nfcs_clock_land(c, t);
      if (c->t != t) return NFCS_ERR_INTERRUPTED;
    }
  }
  nfcs_clock_land(c, t);
  return NFCS_OK;
}

#endif
