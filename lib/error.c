/* Error codes, their fixed explanations, and the per-thread detail message. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local char last_message[512];

int da_error(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_message, sizeof last_message, fmt, ap);
    va_end(ap);
    return code;
}

const char *da_last_error(void)
{
    return last_message;
}

const char *da_strerror(int code)
{
    switch (code) {
    case DA_SUCCESS: return "success";
    case DA_ERR_ARG: return "invalid argument";
    case DA_ERR_NULL: return "a required pointer is NULL";
    case DA_ERR_HANDLE: return "handle is not live (destroyed, foreign or never created)";
    case DA_ERR_NDIM: return "number of dimensions must be 1..DA_MAX_NDIM";
    case DA_ERR_SHAPE: return "array extents must be positive";
    case DA_ERR_GRID: return "process grid does not match the rank count or the distribution kinds";
    case DA_ERR_KIND: return "unknown distribution kind";
    case DA_ERR_BLOCK_SIZE: return "block-cyclic block size must be at least 1";
    case DA_ERR_SPLITS: return "irregular split points must start at 0, not decrease and stay within the extent";
    case DA_ERR_UNSTRUCTURED: return "unstructured index lists must partition the extent exactly";
    case DA_ERR_BOUNDS: return "index or box outside the array";
    case DA_ERR_STEP: return "steps must be at least 1";
    case DA_ERR_NOMEM: return "out of memory";
    case DA_ERR_TYPE: return "element type unknown or not valid for this operation";
    case DA_ERR_OP: return "operation unknown or not valid for this element type";
    case DA_ERR_STRIDE: return "buffer strides too small for the box";
    case DA_ERR_MPI: return "the MPI library returned an error";
    case DA_ERR_COLLECTIVE: return "ranks passed different arguments to a collective call";
    case DA_ERR_RANK: return "rank outside the communicator";
    case DA_ERR_OVERFLOW: return "size does not fit in 64 bits";
    case DA_ERR_NOT_CONTIGUOUS: return "query needs contiguous local ranges (block, irregular or not distributed)";
    case DA_ERR_INTERNAL: return "internal darray error: please report it";
    case DA_ERR_REQUEST: return "not a request handle issued by darray";
    case DA_ERR_REQUEST_DONE: return "request already completed (waited or tested done before)";
    case DA_ERR_HELD: return "mutex already held by this rank";
    case DA_ERR_NOT_HELD: return "mutex not held by this rank";
    case DA_ERR_THREAD_LEVEL: return "MPI must be initialised with MPI_THREAD_MULTIPLE for this";
    case DA_ERR_FORMAT: return "file is not in a format darray reads (bad magic, header or length)";
    case DA_ERR_IO: return "file cannot be opened, read or written";
    default: return "unknown darray error code";
    }
}
