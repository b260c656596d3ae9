/* The CPU backend's FFTW types, shared by kernels/cpu_backend.c and kernels/cpu_fft_mpi.c. */
#ifndef NFCS_CPU_FFT_H
#define NFCS_CPU_FFT_H

#include <fftw3.h>

#include "cpu_backend.h"

#if NFCS_SINGLE
typedef fftwf_complex nfcs_cpu_cplx;
typedef fftwf_plan nfcs_cpu_plan;
#else
typedef fftw_complex nfcs_cpu_cplx;
typedef fftw_plan nfcs_cpu_plan;
#endif

/* The processes of the run (1 without MPI or mpirun). */
int nfcs_cpu_mpi_size(void);
/* FFTW's threads and thread-safe planner, once per process */
void nfcs_cpu_fftw_init(void);
/* Share a 2D or 3D grid among the processes (fills its local fields; nothing on one process). */
int nfcs_cpu_fft_distribute(void *self, nfcs_grid *g);
/* Plan the distributed pair into *fwd, *inv (nfcs_cpu_plan); the planner lock is held.  Returns
 * 0 on the process that exports wisdom. */
/* Execute a distributed plan on other arrays of the same layout. */
void nfcs_cpu_fft_mpi_execute(nfcs_cpu_plan p, const nfcs_real *in, nfcs_real *out);
int nfcs_cpu_fft_mpi_plan(nfcs_cpu *c, const nfcs_grid *g, nfcs_real *phys, nfcs_real *spec, unsigned flags, void *fwd, void *inv);

#endif
