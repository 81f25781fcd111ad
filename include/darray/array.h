/* darray: distributed arrays (layer 2) and dense data movement (layer 3).
 *
 * An array is created collectively over a communicator from a distribution
 * map (darray/dist.h). Each rank's local block is stored row-major. Any rank
 * reads, writes and accumulates any box [lo, hi) (with an optional step per
 * dimension) one-sided, from and to a user buffer. See docs/rma-semantics.md
 * for when data is complete and visible.
 */
#ifndef DARRAY_ARRAY_H
#define DARRAY_ARRAY_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "dist.h"
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum da_type {
    DA_INT32 = 0,
    DA_INT64,
    DA_FLOAT,
    DA_DOUBLE,
    DA_COMPLEX_FLOAT,  /* two floats, real then imaginary (C99 float _Complex) */
    DA_COMPLEX_DOUBLE, /* two doubles (C99 double _Complex) */
    DA_OPAQUE          /* fixed-size bytes, put and get only */
} da_type_t;

/* Accumulate operations: A = A op (alpha * buf). */
typedef enum da_op {
    DA_OP_SUM = 0,
    DA_OP_PROD,
    DA_OP_MIN,     /* not for complex types */
    DA_OP_MAX,     /* not for complex types */
    DA_OP_REPLACE,
    DA_OP_BAND,    /* bitwise ops: integer types only */
    DA_OP_BOR,
    DA_OP_BXOR
} da_op_t;

typedef struct da_array da_array_t;

/* Collective over comm. The map's rank count must equal comm's size; every
 * rank must pass the same type and an equal map (else DA_ERR_COLLECTIVE on
 * every rank). The array keeps its own copies of comm and the map. Memory is
 * zero-filled. */
DA_API int da_array_create(MPI_Comm comm, da_type_t type, const da_dist_t *dist, da_array_t **out);
/* Same, but the contents are unspecified (NumPy's empty): an array that
 * reuses a destroyed array's memory (docs/tunables.md, DA_WINDOW_CACHE)
 * then skips the zero fill. For arrays the program overwrites anyway;
 * creating and destroying one in a loop costs a few collectives. */
DA_API int da_array_create_uninit(MPI_Comm comm, da_type_t type, const da_dist_t *dist, da_array_t **out);
/* Same as da_array_create, for DA_OPAQUE elements of elem_size bytes. */
DA_API int da_array_create_opaque(MPI_Comm comm, size_t elem_size, const da_dist_t *dist, da_array_t **out);
/* Collective: a new zero-filled array with the same communicator, type and map. */
DA_API int da_array_dup(const da_array_t *a, da_array_t **out);
/* Collective: completes outstanding operations, frees everything, sets *a = NULL. */
DA_API int da_array_destroy(da_array_t **a);

DA_API int da_array_ndim(const da_array_t *a, int *ndim);
DA_API int da_array_shape(const da_array_t *a, int64_t *shape);
DA_API int da_array_type(const da_array_t *a, da_type_t *type, size_t *elem_size);
/* A new copy of the array's map, owned by the caller (da_dist_destroy it). */
DA_API int da_array_dist(const da_array_t *a, da_dist_t **dist);
DA_API int da_array_comm(const da_array_t *a, MPI_Comm *comm); /* the array's own communicator; do not free */
/* This rank's block: pointer (NULL if empty), local shape, and row-major
 * strides in elements (lstride[ndim-1] == 1). Loads and stores through it are
 * local accesses; see docs/rma-semantics.md. Any output may be NULL. */
DA_API int da_array_local(da_array_t *a, void **ptr, int64_t *lshape, int64_t *lstride);
/* Global box of this rank's block (block-like maps only, as da_dist_local_box). */
DA_API int da_array_local_box(const da_array_t *a, int64_t *lo, int64_t *hi);
/* Whether operations of this rank on `rank`'s block use shared memory. */
DA_API int da_array_shares_memory_with(const da_array_t *a, int rank, int *shared);

/* Blocking one-sided transfers of the box [lo, hi) with step (NULL: all 1).
 * buf holds the box's elements row-major; ld (NULL: dense) gives, as in GA,
 * ndim-1 leading dimensions: ld[i] is the buffer's extent along dimension
 * i+1, at least the box's count there. A put or acc returns when it is
 * complete at the target (buf may be reused, and any later call sees it); a
 * get returns with the data in buf. */
DA_API int da_put(da_array_t *a, const int64_t *lo, const int64_t *hi, const int64_t *step,
                  const void *buf, const int64_t *ld);
DA_API int da_get(da_array_t *a, const int64_t *lo, const int64_t *hi, const int64_t *step, void *buf,
                  const int64_t *ld);
/* A[box] = A[box] op (alpha * buf); alpha points to one element of the
 * array's type, NULL meaning 1. Concurrent accumulates to one element are
 * atomic per element. */
DA_API int da_acc(da_array_t *a, da_op_t op, const void *alpha, const int64_t *lo, const int64_t *hi,
                  const int64_t *step, const void *buf, const int64_t *ld);

/* This rank's operations on `a` are complete at their targets. */
DA_API int da_flush(da_array_t *a);
/* Collective over the array's communicator: every rank's operations on `a`
 * are complete and visible to every rank, including local loads. */
DA_API int da_sync(da_array_t *a);
/* Collective over comm: da_sync of n arrays with one agreement instead of n
 * barriers. Every rank of each array must belong to comm and pass that array
 * too; a rank of comm may pass arrays others do not hold (n may be 0: then
 * this is a barrier). Bad input on one rank (a freed handle, an array with
 * ranks outside comm) gives that error on that rank, which still joins the
 * barrier, so no rank waits forever. */
DA_API int da_sync_arrays(MPI_Comm comm, int n, da_array_t *const *arrays);

#ifdef __cplusplus
}
#endif
#endif
