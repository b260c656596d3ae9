/* The Kuramoto network's private parts, shared by the files of core/kuramoto/: the state, and the
 * integrators as type objects (a file each; the registry in integrators.c). */
#ifndef NFCS_KURAMOTO_IMPL_H
#define NFCS_KURAMOTO_IMPL_H

#include "nfcs_clock.h"
#include "nfcs_internal.h"
#include "nfcs_kuramoto.h"

/* How the processes of a distributed run share the network: one network by rows (each process
 * its block of oscillators: the right-hand side exchanges cos, sin, the mean field sums the order
 * parameter), an ensemble by members (each process advances whole members, no exchange), or
 * whole on every process (fewer oscillators, or members, than processes).  Blocks in rank order. */
enum { NFCS_KUR_WHOLE = 0, NFCS_KUR_BY_ROWS = 1, NFCS_KUR_BY_MEMBERS = 2 };
typedef struct nfcs_kur_layout {
  int split;
  int64_t row0, rows; /* this process's oscillators of a member */
  int64_t m0, ml;     /* this process's members */
} nfcs_kur_layout;
void nfcs_kuramoto_layout(const nfcs_kuramoto_params *kp, int rank, int size, nfcs_kur_layout *l);

struct nfcs_kuramoto {
  nfcs_ctx *ctx;
  nfcs_kur_layout lay;
  int64_t nl;          /* values of this process: rows x members here */
  int64_t *counts;     /* by rows: every process's rows (the exchange) */
  double *xch, *xall;  /* by rows: this process's cos, sin packed, and everybody's */
  const nfcs_backend_ops *ops;
  void *be;
  int64_t n;     /* oscillators of a member */
  int64_t m;     /* members of the ensemble */
  double *gscale, *xw, *yw; /* [M] coupling scales; [N][2M] GEMM work of an ensemble */
  double *Km;    /* host: the coupling of each member (for the output) */
  const struct nfcs_kuramoto_integrator_class *integrator;
  double D;
  uint64_t noise_seed;
  nfcs_clock clock;
  double *theta, *omega, *k1, *k2, *k3, *k4, *c, *s, *work, *partial, *ufield;
  void *Kmat, *W, *rowptr, *col, *w; /* backend memory */
  double *host_K;                     /* the matrix when the backend adopted the host array */
  nfcs_kur_rhs rhs;
  size_t bytes;
};

/* An integrator: its information and one step of size h of every member's phases (K, alpha and
 * the controls frozen over the step), through the backend's network operations. */
typedef struct nfcs_kuramoto_integrator_class {
  nfcs_kuramoto_integrator_type info;
  int (*step)(nfcs_kuramoto *k, double h);
} nfcs_kuramoto_integrator_class;

extern const nfcs_kuramoto_integrator_class nfcs_kur_rk4;            /* rk4.c */
extern const nfcs_kuramoto_integrator_class nfcs_kur_upstream;       /* rk4.c */
extern const nfcs_kuramoto_integrator_class nfcs_kur_euler_maruyama; /* euler_maruyama.c */
extern const nfcs_kuramoto_integrator_class nfcs_kur_heun;           /* heun.c */

/* The integrator of a kuramoto.integrator value (integrators.c), or NULL. */
const nfcs_kuramoto_integrator_class *nfcs_kuramoto_integrator_class_of(int integrator);

/* The white noise of the step about to be taken: sigma = sqrt(2 D h), drawn from the network's
 * noise seed and stream, counted by the step counter (so that a restart continues the draws). */
nfcs_noise nfcs_kuramoto_step_noise(const nfcs_kuramoto *k, double h);

#endif
