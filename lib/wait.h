/* Internal: waiting on MPI requests without starving other ranks. */
#ifndef DA_LIB_WAIT_H
#define DA_LIB_WAIT_H

#include <mpi.h>
#include <stdint.h>

/* da_mpi_wait: MPI_Wait that polls a while, then yields the core between polls, so that
   ranks sharing a core (oversubscribed runs) reach the collective sooner. */
int da_mpi_wait(MPI_Request *req);
/* Collective over comm the first time it is asked about comm (every rank
   must ask at the same point), local after: a serial number distinct for
   every communicator, and whether darray's collectives on it poll and yield
   (DA_WAIT_YIELD). Either output may be NULL. */
int da_comm_info(MPI_Comm comm, int *yields, uint64_t *serial);
/* A barrier and an allreduce: blocking MPI calls, or non-blocking ones
   waited on with da_mpi_wait, as da_comm_info says. */
int da_barrier(MPI_Comm comm);
int da_allreduce(const void *in, void *out, int count, MPI_Datatype type, MPI_Op op, MPI_Comm comm);
/* The maximum and the minimum of count (<= 8) longs over comm in one
   allreduce, for argument agreement: the minimum travels negated, so no
   value may be LONG_MIN. */
int da_allreduce_maxmin(const long *in, long *max, long *min, int count, MPI_Comm comm);

#endif
