/* NFCS io — the HDF5 types every writer and reader of the run file, the checkpoint and `nfcs info`
 * agree on, in one place: UTF-8 text (variable-length string attributes and scalar datasets) and
 * complex numbers.  Internal to io/ (it needs <hdf5.h>). */
#ifndef NFCS_H5_TEXT_H
#define NFCS_H5_TEXT_H

#include <hdf5.h>
#include <stddef.h>

/* Complex numbers: the compound {r, i} of two reals of type `real` (h5py reads it as complex); the
 * caller closes it (H5Tclose). */
hid_t nfcs_h5_complex_type(hid_t real);

/* A variable-length UTF-8 string type; the caller closes it (H5Tclose). */
hid_t nfcs_h5_text_type(void);

/* Write `text` as a scalar string attribute / dataset `name` of obj.  0 on success, 1 on failure
 * (so that callers can OR the results into a "bad" flag). */
int nfcs_h5_write_text_attr(hid_t obj, const char *name, const char *text);
int nfcs_h5_write_text(hid_t loc, const char *name, const char *text);

/* The attribute `name` of obj as text (a variable-length string, or an integer printed in
 * decimal) into buf; 0 on success, -1 when it is absent or of another type (buf is then ""). */
int nfcs_h5_read_attr_text(hid_t obj, const char *name, char *buf, size_t len);

/* The scalar string dataset at `path` as a malloc'd copy; NULL when absent or unreadable. */
char *nfcs_h5_read_text(hid_t loc, const char *path);

#endif
