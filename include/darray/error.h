/* darray: error codes. Every darray call returns DA_SUCCESS or one of these. */
#ifndef DARRAY_ERROR_H
#define DARRAY_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

#if defined(DARRAY_BUILDING) && defined(__GNUC__)
#define DA_API __attribute__((visibility("default")))
#else
#define DA_API
#endif

enum {
    DA_SUCCESS = 0,
    DA_ERR_ARG = -1,            /* an argument is invalid (see da_last_error) */
    DA_ERR_NULL = -2,           /* a required pointer is NULL */
    DA_ERR_HANDLE = -3,         /* a handle is not live: destroyed, foreign or never created */
    DA_ERR_NDIM = -4,           /* number of dimensions outside 1..DA_MAX_NDIM */
    DA_ERR_SHAPE = -5,          /* an extent is zero or negative */
    DA_ERR_GRID = -6,           /* process grid does not match the rank count or the kinds */
    DA_ERR_KIND = -7,           /* unknown distribution kind */
    DA_ERR_BLOCK_SIZE = -8,     /* block-cyclic block size below 1 */
    DA_ERR_SPLITS = -9,         /* irregular split points out of order or out of range */
    DA_ERR_UNSTRUCTURED = -10,  /* unstructured index lists overlap, miss or exceed indices */
    DA_ERR_BOUNDS = -11,        /* an index or box lies outside the array */
    DA_ERR_STEP = -12,          /* a step is zero or negative */
    DA_ERR_NOMEM = -13,         /* out of memory */
    DA_ERR_TYPE = -14,          /* element type unknown or not valid for this operation */
    DA_ERR_OP = -15,            /* reduction/accumulate operation unknown or not valid for the type */
    DA_ERR_STRIDE = -16,        /* buffer strides too small for the box */
    DA_ERR_MPI = -17,           /* the MPI library returned an error */
    DA_ERR_COLLECTIVE = -18,    /* ranks passed different arguments to a collective call */
    DA_ERR_RANK = -19,          /* rank outside the communicator */
    DA_ERR_OVERFLOW = -20,      /* a size does not fit in 64 bits */
    DA_ERR_NOT_CONTIGUOUS = -21,/* the query needs a contiguous local range but the kind is cyclic or unstructured */
    DA_ERR_INTERNAL = -22,      /* a darray bug: please report it */
    DA_ERR_REQUEST = -23,       /* not a request handle darray issued */
    DA_ERR_REQUEST_DONE = -24,  /* the request was already completed by da_wait or da_test */
    DA_ERR_HELD = -25,          /* the mutex is already held by this rank (or still held at destroy) */
    DA_ERR_NOT_HELD = -26,      /* unlocking a mutex this rank does not hold */
    DA_ERR_THREAD_LEVEL = -27,  /* needs MPI initialised with MPI_THREAD_MULTIPLE */
    DA_ERR_FORMAT = -28,        /* a file is not one darray can read: bad magic, header or length */
    DA_ERR_IO = -29             /* a file cannot be opened, read or written */
};

/* A fixed sentence explaining an error code. Never NULL. */
DA_API const char *da_strerror(int code);

/* The detailed message of the last error raised by a darray call in this
   thread (what was wrong, with the offending values), or "" if none. */
DA_API const char *da_last_error(void);

#ifdef __cplusplus
}
#endif
#endif
