/* Internal: windows of destroyed arrays kept for the next array of the same
   size on the same group of ranks (lib/winpool.c). */
#ifndef DA_LIB_WINPOOL_H
#define DA_LIB_WINPOOL_H

#include <mpi.h>

/* What an array's memory is made of; all of it moves into and out of the pool. */
typedef struct da_windows {
    MPI_Comm comm;      /* our duplicate of the user's communicator */
    MPI_Comm node_comm; /* its ranks on this node */
    MPI_Win shm_win;    /* MPI_Win_allocate_shared over node_comm, lock_all held */
    MPI_Win win;        /* MPI_Win_create over comm on the same memory, lock_all held */
    char *base;         /* this rank's block */
    MPI_Aint bytes;     /* its size */
} da_windows_t;

/* Collective over comm. Takes parked windows whose communicator has comm's
   group and whose block is `bytes` on every rank, if there are: fills *w
   (the block zero-filled if zero, else as the last array left it) and
   sets *found. The ranks agree, so either all take
   the same windows or none does. */
int da_winpool_take(MPI_Comm comm, MPI_Aint bytes, int zero, da_windows_t *w, int *found);

/* Collective over w->comm, after every rank's last access to the block.
   Parks the windows when the pool has room on every rank (DA_WINDOW_CACHE),
   else frees them; evicts the oldest parked windows of the same group to
   make room. On return *w is empty either way. */
int da_winpool_put(da_windows_t *w);

/* Frees one set of windows (collective over w->comm). */
void da_windows_free(da_windows_t *w);

/* Frees every parked set, oldest first (MPI_Finalize: every rank parked its
   sets in the same collective order, so the frees match). */
void da_winpool_drain(void);

#endif
