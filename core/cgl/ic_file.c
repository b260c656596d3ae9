/* file: the field read from a dataset of an HDF5 file (io/ reads it before the run; the shape must
 * be the grid's). */
#include "cgl_impl.h"

const nfcs_cgl_ic_class nfcs_cgl_ic_file = {
  .info = {"file", "complex dataset `dataset` of the HDF5 file `path`, shape of the grid (C order)", "path dataset"},
  .value = NULL,
};
