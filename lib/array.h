/* Internal: the array object, shared by array.c (life cycle, queries) and
   the data-movement files. */
#ifndef DA_LIB_ARRAY_H
#define DA_LIB_ARRAY_H

#include "darray/array.h"
#include "dist.h"

struct da_array {
    MPI_Comm comm;        /* our duplicate of the user's communicator */
    MPI_Comm node_comm;   /* ranks of comm sharing this node */
    int rank, nranks;
    da_dist_t *dist;      /* our own copy of the map */
    da_type_t type;
    size_t esize;
    MPI_Datatype mpitype; /* element type; for opaque a committed contiguous byte type */
    int ndim;
    MPI_Win win;          /* RMA window over comm on the node-shared memory */
    MPI_Win shm_win;      /* shared-memory window over node_comm */
    char *base;           /* this rank's block */
    MPI_Aint bytes;       /* its size */
    int64_t local_elems;
    char **peer_base;     /* per comm rank: its block if reachable by load/store, else NULL */
    unsigned char *same_node; /* per comm rank: 1 if on this node (NULL peer_base may mean an empty block) */
    int use_shm;          /* the same-node shortcut is on (agreed by all ranks) */
    int acc_cpu;          /* accumulates use CPU atomics (all ranks on one node) */
    int rma_method;
    long rows_min_bytes;
    int64_t max_count;    /* most elements per MPI call (DA_RMA_MAX_COUNT) */
    int64_t span_gap;     /* DA_GATHER_SPAN_GAP, bytes */
    int64_t span_buffer;  /* DA_GATHER_SPAN_BUFFER, bytes */
    da_array_t *live_prev, *live_next; /* creation order, for MPI_Finalize */
    uint64_t serial;      /* distinct for every array created, so a plan can tell its array from a new one at the same address */
    int progress;         /* holds a use of the progress thread (DA_PROGRESS_THREAD=1) */
    int unflushed;        /* a non-blocking operation by RMA may be incomplete at its target */
    uint64_t within_serial; /* da_sync_arrays: a communicator (da_comm_info serial) holding our ranks */
};

/* DA_SUCCESS if a is a live array. */
int da_array_check(const da_array_t *a);
/* Translate an MPI error code into DA_ERR_MPI with MPI's message. */
int da_mpi_error(int mpi_rc, const char *what);
/* The same with another darray code (DA_ERR_IO for MPI-IO calls). */
int da_mpi_error_as(int code, int mpi_rc, const char *what);

#endif
