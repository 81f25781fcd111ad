/* Internal: waiting on MPI requests without starving other ranks. */
#ifndef DA_LIB_WAIT_H
#define DA_LIB_WAIT_H

#include <mpi.h>

/* da_mpi_wait: MPI_Wait that polls a while, then yields the core between polls, so that
   ranks sharing a core (oversubscribed runs) reach the collective sooner. */
int da_mpi_wait(MPI_Request *req);
/* A barrier and an allreduce built on da_mpi_wait. */
int da_barrier(MPI_Comm comm);
int da_allreduce(const void *in, void *out, int count, MPI_Datatype type, MPI_Op op, MPI_Comm comm);

#endif
