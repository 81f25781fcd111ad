/* Internal: the request table. A request is a set of MPI requests plus a
   function that finishes the transfer (unpacking, freeing) once they are
   all complete. Handles carry a slot number and a generation, so a handle
   used after completion is recognised as such. */
#ifndef DA_LIB_REQUEST_H
#define DA_LIB_REQUEST_H

#include <mpi.h>

#include "darray/request.h"

typedef int (*da_finish_fn)(void *ctx, int rc);

/* Takes ownership of mreqs (malloc'ed, may be NULL when n == 0) and ctx. */
int da_request_new(const da_array_t *a, MPI_Request *mreqs, int64_t n, da_finish_fn finish, void *ctx,
                   da_request_t *out);
/* Completes every pending request on array a (before it is destroyed). */
int da_request_complete_array(const da_array_t *a);

#endif
