/* darray: whole-array operations and redistribution (layer 5).
 *
 * Every call here is collective over the arrays' communicator: all ranks
 * call it, in the same order, with the same arguments. Arrays used together
 * must be created over congruent communicators (the same ranks in the same
 * order) and hold the same element type.
 *
 * Synchronisation: a call sees every operation that any rank completed on
 * the arrays before entering it (as if da_sync ran on entry), and what it
 * writes is visible to every rank when it returns (as if da_sync ran on
 * exit). Arguments are checked on every rank first and the ranks agree
 * before anything is modified: if one rank finds an error, every rank
 * returns an error (that rank its own code, the others DA_ERR_COLLECTIVE)
 * and no array is changed.
 *
 * Boxes are 0-based and half-open, [lo, hi) per dimension. Each operation
 * exists for the whole array and, with the suffix _box, for a box. An
 * operation on several arrays takes one box per array; the boxes must have
 * the same extents (hi - lo) in every dimension, and elements pair up by
 * their position in the box (row-major). When the arrays have the same map
 * and the boxes the same corners, every rank works on its own block only;
 * otherwise the operands are first redistributed to the result's layout.
 *
 * Element types: fill, zero and copy work on every type, DA_OPAQUE
 * included; arithmetic needs a numeric type (else DA_ERR_TYPE); min and max
 * need a real type (DA_ERR_TYPE on complex). Integer arithmetic wraps around
 * modulo 2^32 or 2^64 (two's complement) instead of overflowing. Scalars
 * (value, alpha, beta, results) point to one element of the array's type
 * unless stated otherwise. docs/whole-array.md has the full rules,
 * including ties and NaN.
 */
#ifndef DARRAY_COLL_H
#define DARRAY_COLL_H

#include <stdint.h>

#include "array.h"
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- in place, one array ------------------------------------------------ */

/* A[box] = *value (esize bytes for DA_OPAQUE). */
DA_API int da_fill(da_array_t *a, const void *value);
DA_API int da_fill_box(da_array_t *a, const int64_t *lo, const int64_t *hi, const void *value);
/* A[box] = 0 (all bytes zero for DA_OPAQUE). */
DA_API int da_zero(da_array_t *a);
DA_API int da_zero_box(da_array_t *a, const int64_t *lo, const int64_t *hi);
/* A[box] = alpha * A[box]. */
DA_API int da_scale(da_array_t *a, const void *alpha);
DA_API int da_scale_box(da_array_t *a, const int64_t *lo, const int64_t *hi, const void *alpha);
/* A[box] = |A[box]|; complex elements become (modulus, 0). The most negative
 * integer stays as it is (its absolute value does not fit). */
DA_API int da_abs(da_array_t *a);
DA_API int da_abs_box(da_array_t *a, const int64_t *lo, const int64_t *hi);

/* ---- elementwise, several arrays ----------------------------------------- */

/* C = alpha*A + beta*B. C may be A or B (or both the same array). */
DA_API int da_add(const void *alpha, da_array_t *a, const void *beta, da_array_t *b, da_array_t *c);
DA_API int da_add_box(const void *alpha, da_array_t *a, const int64_t *alo, const int64_t *ahi,
                      const void *beta, da_array_t *b, const int64_t *blo, const int64_t *bhi,
                      da_array_t *c, const int64_t *clo, const int64_t *chi);
/* C = A * B, A / B, min(A, B), max(A, B), element by element; C may be A or
 * B. Integer division truncates toward zero; a zero divisor anywhere is
 * DA_ERR_ARG (with its coordinate) before anything is written. min and max
 * return NaN where either operand is NaN. */
DA_API int da_elem_multiply(da_array_t *a, da_array_t *b, da_array_t *c);
DA_API int da_elem_divide(da_array_t *a, da_array_t *b, da_array_t *c);
DA_API int da_elem_min(da_array_t *a, da_array_t *b, da_array_t *c);
DA_API int da_elem_max(da_array_t *a, da_array_t *b, da_array_t *c);
DA_API int da_elem_multiply_box(da_array_t *a, const int64_t *alo, const int64_t *ahi, da_array_t *b,
                                const int64_t *blo, const int64_t *bhi, da_array_t *c, const int64_t *clo,
                                const int64_t *chi);
DA_API int da_elem_divide_box(da_array_t *a, const int64_t *alo, const int64_t *ahi, da_array_t *b,
                              const int64_t *blo, const int64_t *bhi, da_array_t *c, const int64_t *clo,
                              const int64_t *chi);
DA_API int da_elem_min_box(da_array_t *a, const int64_t *alo, const int64_t *ahi, da_array_t *b,
                           const int64_t *blo, const int64_t *bhi, da_array_t *c, const int64_t *clo,
                           const int64_t *chi);
DA_API int da_elem_max_box(da_array_t *a, const int64_t *alo, const int64_t *ahi, da_array_t *b,
                           const int64_t *blo, const int64_t *bhi, da_array_t *c, const int64_t *clo,
                           const int64_t *chi);

/* ---- reductions: every rank gets the same result ------------------------------ */

/* *result = sum of A[i]*B[i] (no complex conjugation, as numpy.dot). */
DA_API int da_dot(da_array_t *a, da_array_t *b, void *result);
DA_API int da_dot_box(da_array_t *a, const int64_t *alo, const int64_t *ahi, da_array_t *b, const int64_t *blo,
                      const int64_t *bhi, void *result);
/* *result = sum of the elements (float sums accumulate in double). */
DA_API int da_sum(da_array_t *a, void *result);
DA_API int da_sum_box(da_array_t *a, const int64_t *lo, const int64_t *hi, void *result);
/* *result = the smallest / largest element; loc (NULL: not wanted) gets its
 * global coordinates, ndim of them. Ties go to the element that comes
 * first in row-major (C) order; any NaN makes the result NaN, located at
 * the first NaN in that order (as numpy.min and numpy.argmin). */
DA_API int da_min(da_array_t *a, void *result, int64_t *loc);
DA_API int da_min_box(da_array_t *a, const int64_t *lo, const int64_t *hi, void *result, int64_t *loc);
DA_API int da_max(da_array_t *a, void *result, int64_t *loc);
DA_API int da_max_box(da_array_t *a, const int64_t *lo, const int64_t *hi, void *result, int64_t *loc);
/* Norms as double for every numeric type: sum |x|, sqrt(sum |x|^2) (scaled,
 * so it neither overflows nor underflows needlessly), max |x|. |x| of a
 * complex number is its modulus. NaN anywhere gives NaN. */
DA_API int da_norm1(da_array_t *a, double *result);
DA_API int da_norm1_box(da_array_t *a, const int64_t *lo, const int64_t *hi, double *result);
DA_API int da_norm2(da_array_t *a, double *result);
DA_API int da_norm2_box(da_array_t *a, const int64_t *lo, const int64_t *hi, double *result);
DA_API int da_norminf(da_array_t *a, double *result);
DA_API int da_norminf_box(da_array_t *a, const int64_t *lo, const int64_t *hi, double *result);

/* ---- user function over this rank's block --------------------------------- */

/* Called for each run of this rank's elements that lies along the last
 * dimension: `count` elements contiguous in memory from `elems`; element i
 * has the global coordinates gidx[0..ndim-2] and gidx[ndim-1] + i*gstep.
 * The function may read and write the elements. A nonzero return stops
 * this rank's walk; da_apply then returns DA_ERR_ARG on that rank and
 * DA_ERR_COLLECTIVE on the others (elements already visited keep their
 * new values). */
typedef int (*da_apply_fn)(void *elems, int64_t count, const int64_t *gidx, int64_t gstep, void *user);
DA_API int da_apply(da_array_t *a, da_apply_fn fn, void *user);
DA_API int da_apply_box(da_array_t *a, const int64_t *lo, const int64_t *hi, da_apply_fn fn, void *user);

/* ---- copy and redistribution ----------------------------------------------- */

/* dst = src for two arrays of the same shape and type, any two maps. */
DA_API int da_copy(da_array_t *src, da_array_t *dst);
/* dst[dlo, dhi) = src[slo, shi); the boxes may overlap when src == dst. */
DA_API int da_copy_box(da_array_t *src, const int64_t *slo, const int64_t *shi, da_array_t *dst,
                       const int64_t *dlo, const int64_t *dhi);
/* A new array over src's communicator with src's type and data and the map
 * `dist` (which must have src's shape). */
DA_API int da_redistribute(da_array_t *src, const da_dist_t *dist, da_array_t **out);

/* How redistribution moves data between ranks. */
typedef enum da_redist_method {
    DA_REDIST_AUTO = 0, /* loads from same-node blocks, MPI_Alltoallv for the rest */
    DA_REDIST_ALLTOALL  /* MPI_Alltoallv for every pair of distinct ranks */
} da_redist_method_t;

typedef struct da_redist_opts {
    int64_t chunk_bytes;       /* most bytes a rank buffers for sending, and for
                                  receiving, at a time; 0: the default (32 MiB) */
    da_redist_method_t method;
} da_redist_opts_t;

/* A plan for copying a box of arrays with one map into a box of arrays
 * with another, built once and executed many times. Collective over src's
 * communicator. The plan keeps only the maps, boxes and element type; it
 * may be executed with any arrays that have those (and congruent
 * communicators). opts may be NULL. A plan keeps its all-to-all buffers
 * between executions: execute it from one thread at a time. */
typedef struct da_redist_plan da_redist_plan_t;
DA_API int da_redist_plan_create(const da_array_t *src, const int64_t *slo, const int64_t *shi,
                                 const da_array_t *dst, const int64_t *dlo, const int64_t *dhi,
                                 const da_redist_opts_t *opts, da_redist_plan_t **plan);
DA_API int da_redist_plan_execute(da_redist_plan_t *plan, da_array_t *src, da_array_t *dst);
/* Collective; sets *plan = NULL. */
DA_API int da_redist_plan_destroy(da_redist_plan_t **plan);

#ifdef __cplusplus
}
#endif
#endif
