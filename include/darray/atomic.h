/* darray: atomic operations on one element of an array (layer 4).
 *
 * Each call reads and/or updates one element, given by its global index
 * idx[ndim], atomically with respect to every other atomic call and every
 * da_acc on that element, from any rank, and returns when the operation is
 * complete at the owner. Values are passed as pointers to one element of the
 * array's type (int32_t, int64_t, float, double, float/double _Complex).
 *
 * Atomics use the same mechanism as the array's accumulates (see
 * docs/atomics.md): CPU atomics on shared memory when all ranks of the array
 * are on one node and the same-node shortcut is on, else MPI_Fetch_and_op /
 * MPI_Compare_and_swap followed by a flush, even on the caller's own block.
 *
 * Which operations each type allows:
 *
 *   type            fetch-op ops                          cas
 *   int32, int64    SUM PROD MIN MAX REPLACE BAND BOR BXOR yes
 *   float, double   SUM PROD MIN MAX REPLACE               DA_ERR_TYPE
 *   complex         SUM PROD REPLACE                       DA_ERR_TYPE
 *   opaque          DA_ERR_TYPE                            DA_ERR_TYPE
 *
 * MPI allows compare-and-swap on integer types only, and min/max are not
 * defined on complex numbers (DA_ERR_OP).
 */
#ifndef DARRAY_ATOMIC_H
#define DARRAY_ATOMIC_H

#include <stdint.h>

#include "array.h"
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* *old = A[idx]; A[idx] = A[idx] op *value, as one atomic step. old may be
 * NULL when the previous value is not wanted; it may also point to *value. */
DA_API int da_fetch_op(da_array_t *a, da_op_t op, const int64_t *idx, const void *value, void *old);

/* *value = A[idx], read atomically (never a torn or half-applied value). */
DA_API int da_atomic_read(da_array_t *a, const int64_t *idx, void *value);

/* *old = A[idx]; A[idx] = *value (atomic swap). old may be NULL. */
DA_API int da_swap(da_array_t *a, const int64_t *idx, const void *value, void *old);

/* *old = A[idx]; if it equals *compare (bitwise), A[idx] = *value. Integer
 * arrays only. The swap happened iff *old equals *compare afterwards. */
DA_API int da_cas(da_array_t *a, const int64_t *idx, const void *compare, const void *value, void *old);

/* Fetch-and-add on an int32 or int64 array (GA's NGA_Read_inc): *old =
 * A[idx]; A[idx] += inc. For int32 arrays inc must fit in 32 bits
 * (DA_ERR_OVERFLOW otherwise); *old is widened to 64 bits. old may be NULL. */
DA_API int da_fetch_add(da_array_t *a, const int64_t *idx, int64_t inc, int64_t *old);

#ifdef __cplusplus
}
#endif
#endif
