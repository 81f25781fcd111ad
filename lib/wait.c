/* Yielding waits. MPICH's ch4:ucx device busy-polls inside blocking calls;
   with more ranks than cores a spinning rank holds its core for a whole
   time slice while the rank it waits for cannot run. Polling with MPI_Test
   and yielding after a short spin keeps latency when cores are free and lets
   oversubscribed runs progress. */
#include "wait.h"

#include <sched.h>

#define SPINS_BEFORE_YIELD 200

int da_mpi_wait(MPI_Request *req)
{
    int done = 0;
    for (long i = 0;; i++) {
        int rc = MPI_Test(req, &done, MPI_STATUS_IGNORE);
        if (rc != MPI_SUCCESS || done) return rc;
        if (i >= SPINS_BEFORE_YIELD) sched_yield();
    }
}

int da_barrier(MPI_Comm comm)
{
    MPI_Request req;
    int rc = MPI_Ibarrier(comm, &req);
    return rc == MPI_SUCCESS ? da_mpi_wait(&req) : rc;
}

int da_allreduce(const void *in, void *out, int count, MPI_Datatype type, MPI_Op op, MPI_Comm comm)
{
    MPI_Request req;
    int rc = MPI_Iallreduce(in, out, count, type, op, comm, &req);
    return rc == MPI_SUCCESS ? da_mpi_wait(&req) : rc;
}
