/* darray: NumPy-style selections and boolean masks.
 *
 * A selection names, per dimension, all indices (the default), a slice
 * (start, stop, step, with NumPy's rules: negative values count from the
 * end, bounds outside the extent are clipped, DA_NONE leaves a bound out,
 * step may be negative, not zero), or an index list (any order, duplicates
 * allowed, negative values count from the end). Get, put and acc move the
 * outer product, as NumPy's A[np.ix_(i, j)], to and from a dense buffer in
 * row-major order of the selection.
 *
 * Duplicates: a get reads repeated elements as often as listed; a put
 * writes each element once, with the value that comes last in the
 * selection's row-major order (as NumPy's A[np.ix_(i, j)] = v); an acc
 * applies every listed value (as np.add.at).
 */
#ifndef DARRAY_SELECT_H
#define DARRAY_SELECT_H

#include <stdint.h>

#include "array.h"
#include "gather.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A slice bound left out, as None in NumPy's a[start:stop:step]. */
#define DA_NONE INT64_MIN

typedef struct da_sel da_sel_t;

/* A selection of ndim dimensions, each "all" until set. */
DA_API int da_sel_create(int ndim, da_sel_t **sel);
DA_API int da_sel_destroy(da_sel_t **sel);
DA_API int da_sel_all(da_sel_t *sel, int dim);
DA_API int da_sel_slice(da_sel_t *sel, int dim, int64_t start, int64_t stop, int64_t step);
/* The list is copied. */
DA_API int da_sel_index(da_sel_t *sel, int dim, int64_t n, const int64_t *idx);
/* Length of each dimension of the selection on array a (the buffer's shape). */
DA_API int da_sel_shape(const da_sel_t *sel, const da_array_t *a, int64_t *shape);

DA_API int da_get_sel(da_array_t *a, const da_sel_t *sel, void *buf);
DA_API int da_put_sel(da_array_t *a, const da_sel_t *sel, const void *buf);
DA_API int da_acc_sel(da_array_t *a, da_op_t op, const void *alpha, const da_sel_t *sel, const void *buf);
/* A plan over the selection's elements, in the buffer order above. */
DA_API int da_plan_create_sel(da_array_t *a, const da_sel_t *sel, da_plan_t **plan);

/* Masks become coordinate lists (n x ndim, row-major) for da_gather and
 * da_scatter: A[mask] is da_gather(a, n, coords, buf).
 * da_mask_where is collective over the mask array's communicator: every
 * rank gets all coordinates where the mask is nonzero (NaN counts as
 * nonzero, as in NumPy), in row-major order. */
DA_API int da_mask_where(da_array_t *mask, int64_t *n, int64_t **coords);
/* Local: mask holds one byte per element of the selection (in the buffer
 * order above); the coordinates of the nonzero ones, in that order. */
DA_API int da_sel_mask_where(const da_sel_t *sel, const da_array_t *a, const unsigned char *mask, int64_t *n,
                             int64_t **coords);
/* Frees memory darray allocated for the caller (coordinate lists). */
DA_API void da_free(void *p);

#ifdef __cplusplus
}
#endif
#endif
