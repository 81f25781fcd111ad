/* darray's GA compatibility layer: state shared by its files. Every GA call
 * is translated into darray's public API (darray.h); nothing here moves
 * data by itself except the process-wide collectives (GA_Dgop, GA_Brdcst),
 * which are plain MPI calls on GA's communicator. */
#ifndef DARRAY_GA_INTERNAL_H
#define DARRAY_GA_INTERNAL_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "darray.h"
#include "darray/ga/ga.h"

#define GA_DAPI __attribute__((visibility("default")))

enum { GA_ARR_HANDLE = 1, GA_ARR_ALLOCATED = 2 };
enum { GA_DIST_REGULAR = 0, GA_DIST_IRREG, GA_DIST_BLOCK_CYCLIC, GA_DIST_BC_GRID };

typedef struct ga_arr {
    int handle;                    /* GA's handle; never reused */
    int state;                     /* GA_ARR_HANDLE or GA_ARR_ALLOCATED */
    char *name;
    int type;                      /* GA's C type code (F codes normalised to C ones) */
    da_type_t da_type;
    size_t esize;
    int ndim;                      /* 0 until GA_Set_data */
    int64_t dims[DA_MAX_NDIM];
    int dist;                      /* GA_DIST_* */
    int have_chunk;
    int64_t chunk[DA_MAX_NDIM];
    int64_t *irreg_map;            /* GA_DIST_IRREG: concatenated first indices */
    int irreg_block[DA_MAX_NDIM];  /* GA_DIST_IRREG: blocks per dimension */
    int64_t bc_dims[DA_MAX_NDIM];  /* block-cyclic block sizes */
    int bc_grid[DA_MAX_NDIM];      /* GA_DIST_BC_GRID: process grid */
    /* allocated */
    da_array_t *a;
    int ga_grid[DA_MAX_NDIM];      /* GA's process grid (C order), regular and irregular */
    int ga_nprocs;                 /* processes holding data in GA's numbering: product of ga_grid */
    int *to_da;                    /* GA process id -> rank in the array's communicator; NULL: same */
    int *to_ga;                    /* the inverse */
    int pgroup;                    /* GA process group (-1: world) and its communicator */
    MPI_Comm gcomm;
    int grank, gnproc;
} ga_arr_t;

typedef struct ga_state {
    int initialized;
    int we_initialized_mpi;
    MPI_Comm comm;                 /* GA's world: a duplicate of MPI_COMM_WORLD */
    int rank, nproc;
    da_mutexes_t *mutexes;
    int memory_limited;
    size_t memory_limit;
    int dgroup;                    /* the default process group (-1: world) */
    MPI_Comm dcomm;                /* its communicator; GA_Nodeid/GA_Nnodes answer for it */
    int drank, dnproc;
} ga_state_t;

extern ga_state_t ga_state;

/* Print "GA_Error: call: message" and abort the job (never returns). */
__attribute__((noreturn, format(printf, 2, 3))) void ga_fail(const char *call, const char *fmt, ...);
/* Abort with darray's explanation when rc is not DA_SUCCESS. */
void ga_check(int rc, const char *call);
void ga_require_init(const char *call);

/* Process groups (lib/ga/ga_pgroup.c): comm is MPI_COMM_NULL and rank -1 on
   a process outside the group; an invalid handle aborts. */
void ga_pgroup_info(int h, MPI_Comm *comm, int *rank, int *nproc, const char *call);
void ga_pgroup_free_all(void);
/* GA's reductions (op "+", "*", "max", ...) over comm; kind 0..4: int,
   long, long long, float, double. */
void ga_gop(void *x, int n, const char *op, MPI_Datatype mt, int kind, MPI_Comm comm, const char *call);

/* Type codes: GA's (C or Fortran) code to darray's type; 0 if unknown. */
int ga_type_to_da(int ga_type, int *c_type, da_type_t *dt, size_t *esize);

/* Arrays by handle. */
ga_arr_t *ga_arr_new(void);
ga_arr_t *ga_arr_find(int g_a);                      /* NULL if not live */
ga_arr_t *ga_arr_get(int g_a, const char *call);     /* allocated, else ga_fail */
void ga_arr_free(ga_arr_t *g);
int ga_arr_count(void);
ga_arr_t *ga_arr_at(int i);                          /* i-th live slot, creation order */
void ga_sync_group(int grp, MPI_Comm comm, const char *call); /* GA_Sync, GA_Pgroup_sync */

/* GA's regular layout (lib/ga/ga_layout.c). In C order: dims, chunk (NULL:
 * none), nproc. Out: grid (the process grid GA uses, product <= nproc),
 * full (the grid before GA drops blocks that got no index, product ==
 * nproc), starts[d] (malloc'ed, grid[d] first indices, 0-based). */
int ga_regular_layout(int ndim, const int64_t *dims, const int64_t *chunk, int nproc, int *grid, int *full,
                      int64_t **starts);

/* Index conversion: GA's inclusive hi to darray's half-open box. */
void ga_box(const ga_arr_t *g, const int *lo, const int *hi, int64_t *dlo, int64_t *dhi, const char *call);
void ga_box64(const ga_arr_t *g, const int64_t *lo, const int64_t *hi, int64_t *dlo, int64_t *dhi,
              const char *call);
void ga_ld(int ndim, const int *ld, int64_t *dld);

/* Block-cyclic arrays: block idx's inclusive corners (lib/ga/ga_block.c). */
void ga_block_distribution(ga_arr_t *g, int64_t idx, int64_t *lo, int64_t *hi, const char *call);

#endif
