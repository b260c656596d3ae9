/* NFCS io — the HDF5 types every writer and reader of the run file, the checkpoint and `nfcs info`
 * agree on, in one place: UTF-8 text (variable-length string attributes and scalar datasets) and
 * complex numbers.  Internal to io/ (it needs <hdf5.h>). */
#ifndef NFCS_H5_TEXT_H
#define NFCS_H5_TEXT_H

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

/* Complex numbers: the compound {r, i} of two reals of type `real` (h5py reads it as complex); the
 * caller closes it (H5Tclose). */
hid_t nfcs_h5_complex_type(hid_t real);

/* Every read of a file nfcs did not just write goes through these checks first (the file may be
 * damaged or crafted): nothing is sized, allocated or read before they pass.
 *
 * The extent of a dataspace: simple or scalar (rank 0), at most max_rank axes (the rank is asked
 * before any length is copied), the lengths into dims[max_rank] and the number of elements, with
 * overflow checked, into *count.  0, or -1 with the reason in why. */
int nfcs_h5_extent(hid_t space, int max_rank, int *rank, hsize_t *dims, uint64_t *count, char *why, size_t len);
/* count elements of `size` bytes: the product into *bytes, refused (-1, why) when it overflows or
 * exceeds this machine's memory. */
int nfcs_h5_bytes(uint64_t count, size_t size, size_t *bytes, char *why, size_t len);
/* A dataset of loc by path, opened only when it is one whose data is in this file: reached through
 * hard or soft links only (an external link would open another file), not virtual, without
 * external raw-data files (which could be any file of the machine).  Its id, or -1. */
hid_t nfcs_h5_open_dataset(hid_t loc, const char *path);
/* Is every link on the way to path (each of /a, /a/b, ...) a hard or soft link of this file? */
int nfcs_h5_links_inside(hid_t loc, const char *path);

/* The HDF5 library parses a file's structure before nfcs can check anything, and it crashes or
 * hangs on some crafted files (found by tests/fuzz: segfaults and endless loops in its global heap
 * on variable-length strings).  So every reader of a file nfcs did not just write first does its
 * reading in a child process: fn(arg) runs there (reading no dataset larger than
 * NFCS_H5_PREFLIGHT_BYTES), and only when the child survives (no signal, done within 30 s, NFCS_PREFLIGHT_SECONDS) does
 * the reader run for real.  -1 with why set when the library crashed or hung on the file; 0
 * otherwise (also when no child can be made).  NFCS_NO_PREFLIGHT=1 turns it off (fuzzing libhdf5). */
int nfcs_h5_guarded(int (*fn)(void *arg), void *arg, char *why, size_t len);
/* set in that child: readers skip the data of larger datasets there (metadata only) */
extern int nfcs_h5_preflight_child;
#define NFCS_H5_PREFLIGHT_BYTES ((size_t)64 << 20)

/* A variable-length UTF-8 string type; the caller closes it (H5Tclose). */
hid_t nfcs_h5_text_type(void);

/* Write `text` as a scalar string attribute / dataset `name` of obj.  0 on success, 1 on failure
 * (so that callers can OR the results into a "bad" flag). */
int nfcs_h5_write_text_attr(hid_t obj, const char *name, const char *text);
int nfcs_h5_write_text(hid_t loc, const char *name, const char *text);

/* The attribute `name` of obj as text (one string, variable or fixed length, or one integer printed
 * in decimal) into buf, cut to len - 1 bytes; 0 on success, -1 when it is absent, not a single
 * element, or of another type (buf is then ""). */
int nfcs_h5_read_attr_text(hid_t obj, const char *name, char *buf, size_t len);

/* The scalar string dataset at `path` (one string, variable or fixed length, at most max_bytes) as a
 * malloc'd copy; NULL when absent, of another shape or type, longer, or unreadable. */
char *nfcs_h5_read_text(hid_t loc, const char *path, size_t max_bytes);
/* the longest text nfcs reads from a file (an effective config, a model text) */
#define NFCS_H5_TEXT_MAX ((size_t)64 << 20)

#endif
