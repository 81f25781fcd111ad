/* darray: non-blocking transfers and their requests.
 *
 * A da_nb* call starts a transfer and returns a request. Pieces on
 * shared memory are done before it returns; RMA pieces use request-based
 * RMA, so each request completes on its own (no flush of everything).
 * Until the request completes, a get's buffer must not be read and a put's
 * or acc's buffer must not be modified. Completion (da_wait, or da_test
 * answering done) means: a get's data is in the buffer; a put's or acc's
 * buffer may be reused. Remote visibility of a non-blocking put or acc
 * needs da_flush or da_sync, as in GA.
 */
#ifndef DARRAY_REQUEST_H
#define DARRAY_REQUEST_H

#include <stdint.h>

#include "array.h"
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef int64_t da_request_t;
#define DA_REQUEST_NULL ((da_request_t)0)

DA_API int da_nbput(da_array_t *a, const int64_t *lo, const int64_t *hi, const int64_t *step, const void *buf,
                    const int64_t *ld, da_request_t *req);
DA_API int da_nbget(da_array_t *a, const int64_t *lo, const int64_t *hi, const int64_t *step, void *buf,
                    const int64_t *ld, da_request_t *req);
DA_API int da_nbacc(da_array_t *a, da_op_t op, const void *alpha, const int64_t *lo, const int64_t *hi,
                    const int64_t *step, const void *buf, const int64_t *ld, da_request_t *req);

/* Complete one request. Waiting on DA_REQUEST_NULL returns at once;
 * waiting twice on a request gives DA_ERR_REQUEST_DONE. */
DA_API int da_wait(da_request_t req);
/* *done = 1 and the request completed, or *done = 0 and it is still pending. */
DA_API int da_test(da_request_t req, int *done);
/* Complete n requests, in any order; returns the first error met (the other
 * requests are still completed). */
DA_API int da_waitall(int64_t n, const da_request_t *reqs);

#ifdef __cplusplus
}
#endif
#endif
