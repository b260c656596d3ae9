/* The CPU backend's MPI pieces, shared by kernels/cpu_mpi.c and kernels/cpu_fft_mpi.c (built
 * with MPI only). */
#ifndef NFCS_CPU_MPI_H
#define NFCS_CPU_MPI_H

#include <mpi.h>

extern MPI_Comm nfcs_cpu_comm; /* the engine's communicator: a duplicate of MPI_COMM_WORLD */
void nfcs_cpu_fft_mpi_init(void);
void nfcs_cpu_fft_mpi_cleanup(void);

#endif
