# Finds FFTW3 through pkg-config (Debian's libfftw3-dev ships fftw3.pc and fftw3f.pc) and the
# matching OpenMP threads library, which has no .pc file of its own.
# Defines FFTW3::FFTW3 (double or single, following NFCS_SINGLE) with the OpenMP library linked.
find_package(PkgConfig REQUIRED)
if(NFCS_SINGLE)
  set(_fftw_pc fftw3f)
  set(_fftw_omp fftw3f_omp)
else()
  set(_fftw_pc fftw3)
  set(_fftw_omp fftw3_omp)
endif()
pkg_check_modules(PC_FFTW3 QUIET ${_fftw_pc})
find_path(FFTW3_INCLUDE_DIR fftw3.h HINTS ${PC_FFTW3_INCLUDE_DIRS})
find_library(FFTW3_LIBRARY NAMES ${_fftw_pc} HINTS ${PC_FFTW3_LIBRARY_DIRS})
find_library(FFTW3_OMP_LIBRARY NAMES ${_fftw_omp} HINTS ${PC_FFTW3_LIBRARY_DIRS})
# FFTW-MPI (libfftw3-mpi-dev), optional: the distributed field of an MPI build
find_library(FFTW3_MPI_LIBRARY NAMES ${_fftw_pc}_mpi HINTS ${PC_FFTW3_LIBRARY_DIRS})
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(FFTW3
  REQUIRED_VARS FFTW3_LIBRARY FFTW3_OMP_LIBRARY FFTW3_INCLUDE_DIR
  VERSION_VAR PC_FFTW3_VERSION)
if(FFTW3_FOUND AND NOT TARGET FFTW3::FFTW3)
  add_library(FFTW3::FFTW3 INTERFACE IMPORTED)
  set_target_properties(FFTW3::FFTW3 PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${FFTW3_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "${FFTW3_OMP_LIBRARY};${FFTW3_LIBRARY}")
endif()
mark_as_advanced(FFTW3_INCLUDE_DIR FFTW3_LIBRARY FFTW3_OMP_LIBRARY FFTW3_MPI_LIBRARY)
