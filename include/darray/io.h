/* darray: saving and loading arrays as NumPy .npy files (layer 5).
 *
 * The file is NumPy's format (version 1.0, or 2.0 when the header needs
 * more than 65535 bytes): a header naming the element type, C order and
 * the shape, then the elements in row-major order. Element types map to
 * the descriptors '<i4' '<i8' '<f4' '<f8' '<c8' '<c16' (on a little-endian
 * machine; '>' on a big-endian one), and DA_OPAQUE of n bytes to '|Vn'.
 * The file does not depend on the map or the rank count: a file written at
 * 3 ranks loads at 2 or 4, with any map. Reading and writing use MPI-IO
 * collective calls. docs/io.md has the details.
 *
 * All calls but da_npy_header are collective over the array's (or the
 * given) communicator, with the same arguments on every rank. A file that
 * is not a valid .npy darray can hold (bad magic, version or header, an
 * element type darray lacks, fortran_order True, a shape that is not the
 * array's, a file shorter or longer than its header says) gives an error
 * on every rank and no array: DA_ERR_ARG for the format, DA_ERR_TYPE for
 * the element type, DA_ERR_SHAPE for the shape, DA_ERR_MPI when the file
 * cannot be opened, read or written.
 */
#ifndef DARRAY_IO_H
#define DARRAY_IO_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "array.h"
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Write a to `path` (replacing any file there). */
DA_API int da_save(da_array_t *a, const char *path);
/* A new array over comm holding the file's data, with the map `dist`
 * (which must have the file's shape), or, if dist is NULL, a block map of
 * the file's shape over comm's ranks. */
DA_API int da_load(MPI_Comm comm, const char *path, const da_dist_t *dist, da_array_t **out);
/* Read the file into an existing array of the same shape and element type. */
DA_API int da_load_into(da_array_t *a, const char *path);
/* Not collective: the element type (esize: bytes per element), number of
 * dimensions and shape (DA_MAX_NDIM entries) of a .npy file, checked as
 * da_load checks it. Any output may be NULL. */
DA_API int da_npy_header(const char *path, da_type_t *type, size_t *esize, int *ndim, int64_t *shape);

#ifdef __cplusplus
}
#endif
#endif
