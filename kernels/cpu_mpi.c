/* The MPI implementation of the processes' operations (core/nfcs_procs.h), beside the FFTW-MPI
 * plans (kernels/cpu_fft_mpi.c) that share its communicator.  MPI is started only under a
 * launcher (mpirun, srun: its environment says so), so that `nfcs` by itself stays a plain serial
 * program.  Reductions gather every process's values and add them in rank order: every process
 * gets the same bits, and a run on P processes is reproducible. */
#include "cpu_backend.h"
#include "nfcs_procs_ops.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if NFCS_HAVE_MPI
#include <mpi.h>
#include <time.h>

#include "cpu_mpi.h"

MPI_Comm nfcs_cpu_comm = MPI_COMM_NULL;
static char lib_name[96];
static nfcs_procs_ops MPI_OPS;

static double wall(void) { return MPI_Wtime(); }
static double comm_s, comm_bytes;
static void nfcs_procs_account(double seconds, double bytes) {
  comm_s += seconds;
  comm_bytes += bytes;
}
static void m_traffic(double *seconds, double *bytes) {
  *seconds = comm_s;
  *bytes = comm_bytes;
}

/* Element counts travel as MPI ints: a derived type of `elem` bytes keeps them small.  The types
 * are made once and kept (a network's exchange asks for one every right-hand side); beyond the
 * cache's room a type is made for the call and freed after it (*temp). */
#define NFCS_MPI_TYPES 16
static size_t type_size[NFCS_MPI_TYPES];
static MPI_Datatype type_of[NFCS_MPI_TYPES];
static int ntypes;
static MPI_Datatype elem_type(size_t elem, int *temp) {
  *temp = 0;
  for (int i = 0; i < ntypes; i++)
    if (type_size[i] == elem) return type_of[i];
  MPI_Datatype t;
  MPI_Type_contiguous((int)elem, MPI_BYTE, &t);
  MPI_Type_commit(&t);
  if (ntypes < NFCS_MPI_TYPES) {
    type_size[ntypes] = elem;
    type_of[ntypes++] = t;
  } else {
    *temp = 1;
  }
  return t;
}
static void elem_type_done(MPI_Datatype *t, int temp) {
  if (temp) MPI_Type_free(t);
}

/* the values of every process for the rank-ordered sums, kept between calls (the mean field sums
 * its order parameter every right-hand side) */
static double *sum_buf;
static size_t sum_cap;

static int m_sum(double *v, int n) {
  if (n <= 0) return NFCS_OK;
  const int P = MPI_OPS.size;
  const size_t need = (size_t)n * (size_t)P;
  if (need > sum_cap) {
    double *b = realloc(sum_buf, sizeof(double) * need);
    if (!b) return NFCS_ERR_NOMEM;
    sum_buf = b;
    sum_cap = need;
  }
  double t0 = wall(), *all = sum_buf;
  MPI_Allgather(v, n, MPI_DOUBLE, all, n, MPI_DOUBLE, nfcs_cpu_comm);
  for (int i = 0; i < n; i++) {
    double s = 0;
    for (int r = 0; r < P; r++) s += all[(size_t)r * (size_t)n + (size_t)i];
    v[i] = s;
  }
  nfcs_procs_account(wall() - t0, (double)n * 8.0 * (P - 1));
  return NFCS_OK;
}

static int m_sum_i64(int64_t *v, int n) {
  if (n <= 0) return NFCS_OK;
  double t0 = wall();
  MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_INT64_T, MPI_SUM, nfcs_cpu_comm); /* integers: the order does not matter */
  nfcs_procs_account(wall() - t0, (double)n * 8.0);
  return NFCS_OK;
}

static int m_max_int(int *v, int n) {
  if (n <= 0) return NFCS_OK;
  double t0 = wall();
  MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_INT, MPI_MAX, nfcs_cpu_comm);
  nfcs_procs_account(wall() - t0, (double)n * 4.0);
  return NFCS_OK;
}

static int m_bcast(void *buf, size_t bytes, int root) {
  double t0 = wall();
  for (size_t off = 0; off < bytes;) {
    const size_t chunk = bytes - off > (1u << 30) ? (1u << 30) : bytes - off;
    MPI_Bcast((char *)buf + off, (int)chunk, MPI_BYTE, root, nfcs_cpu_comm);
    off += chunk;
  }
  nfcs_procs_account(wall() - t0, (double)bytes);
  return NFCS_OK;
}

/* counts and displacements of every process's block, in elements */
static int layout(int64_t count, int **counts, int **displs) {
  const int P = MPI_OPS.size;
  long long mine = count, *all = malloc(sizeof(long long) * (size_t)P);
  *counts = malloc(sizeof(int) * (size_t)P);
  *displs = malloc(sizeof(int) * (size_t)P);
  if (!all || !*counts || !*displs) {
    free(all);
    return NFCS_ERR_NOMEM;
  }
  MPI_Allgather(&mine, 1, MPI_LONG_LONG, all, 1, MPI_LONG_LONG, nfcs_cpu_comm);
  long long off = 0;
  int rc = NFCS_OK;
  for (int r = 0; r < P; r++) {
    if (all[r] > 2147483647LL || off > 2147483647LL) rc = NFCS_ERR_SOFTWARE;
    (*counts)[r] = (int)all[r];
    (*displs)[r] = (int)off;
    off += all[r];
  }
  free(all);
  return rc;
}

static int m_gatherv(const void *mine, int64_t count, size_t elem, void *all, int root) {
  double t0 = wall();
  int *counts = NULL, *displs = NULL;
  int rc = layout(count, &counts, &displs);
  if (!rc) {
    int temp;
  MPI_Datatype t = elem_type(elem, &temp);
    MPI_Gatherv(mine, (int)count, t, all, counts, displs, t, root, nfcs_cpu_comm);
    elem_type_done(&t, temp);
  }
  free(counts);
  free(displs);
  nfcs_procs_account(wall() - t0, (double)count * (double)elem);
  return rc;
}

static int m_allgatherv(const void *mine, int64_t count, size_t elem, void *all) {
  double t0 = wall();
  int *counts = NULL, *displs = NULL;
  int rc = layout(count, &counts, &displs);
  if (!rc) {
    int temp;
  MPI_Datatype t = elem_type(elem, &temp);
    MPI_Allgatherv(mine, (int)count, t, all, counts, displs, t, nfcs_cpu_comm);
    elem_type_done(&t, temp);
  }
  free(counts);
  free(displs);
  nfcs_procs_account(wall() - t0, (double)count * (double)elem * (MPI_OPS.size - 1));
  return rc;
}

/* counts known on every process: displacements computed here (arrays kept between calls) */
static int *known_counts, *known_displs;
static int m_allgather_known(const void *mine, const int64_t *counts, size_t elem, void *all) {
  const int P = MPI_OPS.size;
  double t0 = wall();
  if (!known_counts) {
    known_counts = malloc(sizeof(int) * (size_t)P);
    known_displs = malloc(sizeof(int) * (size_t)P);
    if (!known_counts || !known_displs) return NFCS_ERR_NOMEM;
  }
  long long off = 0;
  for (int r = 0; r < P; r++) {
    if (counts[r] > 2147483647LL || off > 2147483647LL) return NFCS_ERR_SOFTWARE;
    known_counts[r] = (int)counts[r];
    known_displs[r] = (int)off;
    off += counts[r];
  }
  int temp;
  MPI_Datatype t = elem_type(elem, &temp);
  MPI_Allgatherv(mine, known_counts[MPI_OPS.rank], t, all, known_counts, known_displs, t, nfcs_cpu_comm);
  elem_type_done(&t, temp);
  nfcs_procs_account(wall() - t0, (double)counts[MPI_OPS.rank] * (double)elem * (P - 1));
  return NFCS_OK;
}

static int m_sendrecv(const void *sbuf, size_t sbytes, int dest, void *rbuf, size_t rbytes, int src) {
  double t0 = wall();
  MPI_Sendrecv(sbuf, (int)sbytes, MPI_BYTE, dest < 0 ? MPI_PROC_NULL : dest, 17, rbuf, (int)rbytes, MPI_BYTE,
               src < 0 ? MPI_PROC_NULL : src, 17, nfcs_cpu_comm, MPI_STATUS_IGNORE);
  nfcs_procs_account(wall() - t0, dest < 0 ? 0.0 : (double)sbytes);
  return NFCS_OK;
}

static void m_abort(int status) { MPI_Abort(MPI_COMM_WORLD, status); }

static void m_finalize(void) {
  for (int i = 0; i < ntypes; i++) MPI_Type_free(&type_of[i]);
  ntypes = 0;
  free(sum_buf);
  sum_buf = NULL;
  sum_cap = 0;
  free(known_counts);
  free(known_displs);
  known_counts = known_displs = NULL;
  nfcs_cpu_fft_mpi_cleanup();
  if (nfcs_cpu_comm != MPI_COMM_NULL) MPI_Comm_free(&nfcs_cpu_comm);
  int fin = 0;
  MPI_Finalized(&fin);
  if (!fin) MPI_Finalize();
}

/* Started by a launcher?  Open MPI's mpirun, PMI (MPICH, Slurm's srun), PMIx; NFCS_MPI_INIT=1
 * forces MPI on (a singleton), NFCS_MPI_INIT=0 off. */
static int launched(void) {
  const char *force = getenv("NFCS_MPI_INIT");
  if (force && *force) return strcmp(force, "0") != 0;
  static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "PMI_RANK", "MPI_LOCALNRANKS"};
  for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
    if (getenv(vars[i])) return 1;
  return 0;
}

static void library_name(void) {
  char v[MPI_MAX_LIBRARY_VERSION_STRING];
  int len = 0;
  MPI_Get_library_version(v, &len);
  /* "Open MPI v4.1.4, package: ..." -> "Open MPI v4.1.4" */
  char *comma = strchr(v, ',');
  if (comma) *comma = '\0';
  char *nl = strchr(v, '\n');
  if (nl) *nl = '\0';
  snprintf(lib_name, sizeof lib_name, "%s", v);
}

const nfcs_procs_ops *nfcs_cpu_mpi_start(int *argc, char ***argv, int *failed, char *why, size_t len) {
  *failed = 0;
  if (!launched()) return NULL;
  int provided = 0;
  /* the coordinator's thread calls MPI, and the I/O thread (parallel HDF5) while the coordinator
   * waits for it: one thread at a time */
  if (MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &provided) != MPI_SUCCESS) {
    *failed = 1;
    snprintf(why, len, "MPI_Init_thread failed");
    return NULL;
  }
  if (provided < MPI_THREAD_SERIALIZED) {
    *failed = 1;
    snprintf(why, len, "the MPI library serializes no calls from several threads (thread level %d)", provided);
    MPI_Finalize();
    return NULL;
  }
  MPI_Comm_dup(MPI_COMM_WORLD, &nfcs_cpu_comm);
  library_name();
  MPI_OPS = (nfcs_procs_ops){
    .name = NULL, .sum = m_sum, .sum_i64 = m_sum_i64, .max_int = m_max_int, .bcast = m_bcast, .gatherv = m_gatherv,
    .allgatherv = m_allgatherv, .allgather_known = m_allgather_known, .sendrecv = m_sendrecv, .abort = m_abort, .finalize = m_finalize, .traffic = m_traffic,
  };
  static char name[128];
  snprintf(name, sizeof name, "MPI (%s)", lib_name);
  MPI_OPS.name = name;
  MPI_Comm_rank(nfcs_cpu_comm, &MPI_OPS.rank);
  MPI_Comm_size(nfcs_cpu_comm, &MPI_OPS.size);
  nfcs_cpu_fft_mpi_init(); /* FFTW's threads first, then its MPI part */
  return &MPI_OPS;
}

int nfcs_cpu_mpi_size(void) { return nfcs_cpu_comm == MPI_COMM_NULL ? 1 : MPI_OPS.size; }

int nfcs_cpu_mpi_built(const char **library) {
  if (library) {
    if (!lib_name[0]) {
      /* the version string is available before MPI_Init */
      library_name();
    }
    *library = lib_name;
  }
  return 1;
}

#else /* built without MPI */

int nfcs_cpu_mpi_size(void) { return 1; }

const nfcs_procs_ops *nfcs_cpu_mpi_start(int *argc, char ***argv, int *failed, char *why, size_t len) {
  (void)argc;
  (void)argv;
  (void)why;
  (void)len;
  *failed = 0;
  return NULL;
}

int nfcs_cpu_mpi_built(const char **library) {
  if (library) *library = NULL;
  return 0;
}

#endif
