# Fails the build when a file in core/ includes a backend or I/O library header.
file(GLOB_RECURSE files ${DIR}/*.c ${DIR}/*.h ${DIR}/*.in)
foreach(f ${files})
  file(STRINGS ${f} lines REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"](fftw3|hdf5|H5|libfyaml|cuda|cublas|cufft|curand|cblas|omp)")
  if(lines)
    message(FATAL_ERROR "layering rule broken: ${f} includes ${lines}")
  endif()
endforeach()
