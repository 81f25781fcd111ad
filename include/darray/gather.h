/* darray: irregular access by point lists, and reusable plans.
 *
 * A point list is n global coordinates, either n x ndim int64 values
 * (row-major: point i is coords[i*ndim .. i*ndim+ndim-1]) or n flat indices
 * (the row-major linear index of each element). Values travel in a dense
 * buffer of n elements, in list order.
 *
 * Duplicates: a gather reads a repeated point as often as it is listed; a
 * scatter writes each repeated point once, with the value listed last (as
 * NumPy's A[idx] = v); a scatter-accumulate applies every listed value (as
 * GA's NGA_Scatter_acc).
 *
 * Plans (inspector/executor): da_plan_create does the owner lookup, sorting
 * by owner, deduplication and MPI datatype construction once; the plan is
 * replayed with new buffers as often as needed. A plan belongs to the rank
 * that built it (creation is not collective). The one-shot calls are a plan
 * built and used once.
 *
 * Errors: a point outside the array gives DA_ERR_BOUNDS naming it, before
 * anything is written to the array; a gather that fails may have filled
 * part of its buffer.
 */
#ifndef DARRAY_GATHER_H
#define DARRAY_GATHER_H

#include <stdint.h>

#include "array.h"
#include "request.h"

#ifdef __cplusplus
extern "C" {
#endif

DA_API int da_gather(da_array_t *a, int64_t n, const int64_t *coords, void *buf);
DA_API int da_scatter(da_array_t *a, int64_t n, const int64_t *coords, const void *buf);
DA_API int da_scatter_acc(da_array_t *a, da_op_t op, const void *alpha, int64_t n, const int64_t *coords,
                          const void *buf);
DA_API int da_gather_flat(da_array_t *a, int64_t n, const int64_t *flat, void *buf);
DA_API int da_scatter_flat(da_array_t *a, int64_t n, const int64_t *flat, const void *buf);
DA_API int da_scatter_acc_flat(da_array_t *a, da_op_t op, const void *alpha, int64_t n, const int64_t *flat,
                               const void *buf);

typedef struct da_plan da_plan_t;

DA_API int da_plan_create(da_array_t *a, int64_t n, const int64_t *coords, da_plan_t **plan);
DA_API int da_plan_create_flat(da_array_t *a, int64_t n, const int64_t *flat, da_plan_t **plan);
/* Number of points of the plan (the buffer length in elements). */
DA_API int da_plan_count(const da_plan_t *plan, int64_t *n);
DA_API int da_plan_get(da_plan_t *plan, void *buf);
DA_API int da_plan_put(da_plan_t *plan, const void *buf);
DA_API int da_plan_acc(da_plan_t *plan, da_op_t op, const void *alpha, const void *buf);
/* Non-blocking replays; rules as for da_nbget and friends (darray/request.h). */
DA_API int da_plan_nbget(da_plan_t *plan, void *buf, da_request_t *req);
DA_API int da_plan_nbput(da_plan_t *plan, const void *buf, da_request_t *req);
DA_API int da_plan_nbacc(da_plan_t *plan, da_op_t op, const void *alpha, const void *buf, da_request_t *req);
/* Frees the plan (pending non-blocking replays must be completed first) and
   sets *plan = NULL. */
DA_API int da_plan_destroy(da_plan_t **plan);

#ifdef __cplusplus
}
#endif
#endif
