/* NFCS io — UTF-8 text in HDF5 files: variable-length string attributes and scalar datasets.
 * Internal to io/ and cli/ (it needs <hdf5.h>); one place for the string type every writer and
 * reader of the run file, the checkpoint and `nfcs info` agree on. */
#ifndef NFCS_H5_TEXT_H
#define NFCS_H5_TEXT_H

#include <hdf5.h>
#include <stddef.h>

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
