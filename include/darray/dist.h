/* darray: distribution maps (layer 1). Pure index arithmetic, no MPI
 * (except da_dist_create_comm, the collective constructor of unstructured
 * maps whose parts are given rank by rank, and its directory).
 *
 * A map describes how an n-dimensional global index space of extents
 * shape[0..ndim) is split over a Cartesian grid of processes. Each dimension
 * has its own kind. Ranks are numbered row-major over grid coordinates (the
 * last grid dimension varies fastest), as MPI_Cart_create does by default.
 * Indices are 0-based; ranges are half-open [lo, hi) with a step >= 1.
 */
#ifndef DARRAY_DIST_H
#define DARRAY_DIST_H

#include <mpi.h>
#include <stdint.h>
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DA_MAX_NDIM 8

typedef enum da_dist_kind {
    DA_DIST_BLOCK = 0,      /* balanced blocks: sizes differ by at most one, larger first */
    DA_DIST_BLOCK_GA,       /* GA's rule: chunk ceil(n/p); trailing coordinates may be empty */
    DA_DIST_CYCLIC,         /* index i on coordinate i mod p */
    DA_DIST_BLOCK_CYCLIC,   /* blocks of block_size dealt round-robin (ScaLAPACK) */
    DA_DIST_IRREGULAR,      /* explicit first index of each part (GA's NGA_Create_irreg) */
    DA_DIST_NONE,           /* not distributed: grid extent 1, whole extent everywhere */
    DA_DIST_UNSTRUCTURED    /* each part owns an explicit list of indices (DAP's 'u') */
} da_dist_kind_t;

/* How one dimension is distributed. Use the DA_DIM_* initialisers below. */
typedef struct da_dim_spec {
    da_dist_kind_t kind;
    int64_t block_size;            /* BLOCK_CYCLIC: elements per block, >= 1 */
    int nparts;                    /* IRREGULAR, UNSTRUCTURED: grid extent along this dimension */
    const int64_t *starts;         /* IRREGULAR: nparts first indices; starts[0] == 0,
                                      nondecreasing, each <= extent (equal ones make empty parts) */
    const int64_t *const *indices; /* UNSTRUCTURED: per part, the global indices it owns,
                                      in local order; together a partition of [0, extent) */
    const int64_t *counts;         /* UNSTRUCTURED: per part, the length of indices[part] */
    int local;                     /* UNSTRUCTURED_LOCAL: 1; only this rank's part is given */
    int64_t local_count;           /* UNSTRUCTURED_LOCAL: length of local_indices */
    const int64_t *local_indices;  /* UNSTRUCTURED_LOCAL: the global indices this rank's grid
                                      coordinate along the dimension owns, in local order */
} da_dim_spec_t;

#define DA_DIM_BLOCK ((da_dim_spec_t){.kind = DA_DIST_BLOCK})
#define DA_DIM_BLOCK_GA ((da_dim_spec_t){.kind = DA_DIST_BLOCK_GA})
#define DA_DIM_CYCLIC ((da_dim_spec_t){.kind = DA_DIST_CYCLIC})
#define DA_DIM_BLOCK_CYCLIC(b) ((da_dim_spec_t){.kind = DA_DIST_BLOCK_CYCLIC, .block_size = (b)})
#define DA_DIM_IRREGULAR(n, s) ((da_dim_spec_t){.kind = DA_DIST_IRREGULAR, .nparts = (n), .starts = (s)})
#define DA_DIM_NONE ((da_dim_spec_t){.kind = DA_DIST_NONE})
#define DA_DIM_UNSTRUCTURED(n, idx, cnt) \
    ((da_dim_spec_t){.kind = DA_DIST_UNSTRUCTURED, .nparts = (n), .indices = (idx), .counts = (cnt)})

/* Unstructured, each rank passing only its own part (da_dist_create_comm):
   `cnt` indices `idx` owned by this rank's grid coordinate along the
   dimension. Ranks with the same coordinate pass the same list. */
#define DA_DIM_UNSTRUCTURED_LOCAL(n, cnt, idx) \
    ((da_dim_spec_t){.kind = DA_DIST_UNSTRUCTURED, .nparts = (n), .local = 1, .local_count = (cnt), \
                     .local_indices = (idx)})

typedef struct da_dist da_dist_t;

/* Build a map of `shape` over `nranks` processes. `grid` may be NULL (choose
 * the whole grid) or give the grid extent per dimension, 0 meaning "choose".
 * NONE dimensions get extent 1, IRREGULAR/UNSTRUCTURED ones get nparts; the
 * rest are chosen so that the product is nranks and local blocks are as
 * square as possible. The map copies everything it needs from `dims`. */
DA_API int da_dist_create(int ndim, const int64_t *shape, const da_dim_spec_t *dims,
                          const int *grid, int nranks, da_dist_t **out);
/* Collective over comm (its size is the rank count): as da_dist_create, but
 * dimensions may be DA_DIM_UNSTRUCTURED_LOCAL, each rank giving only its own
 * part. The lists are validated together (every index of [0, extent) owned
 * exactly once, same list from ranks of the same coordinate); bad input on
 * any rank gives an error on every rank. Below DA_DIRECTORY_MIN indices
 * (docs/tunables.md) the lists are gathered into the replicated table of
 * da_dist_create; from it on, the index -> (part, local index) table is a
 * directory distributed by blocks over the ranks, looked up one-sided and
 * cached (docs/distributions.md). A map holding a directory, and every copy
 * of it (da_dist_dup, arrays created on it, da_array_dist), share it; the
 * last of them to be destroyed frees its MPI window, so every rank must
 * destroy them in the same order, before MPI_Finalize. On such a map,
 * da_dist_local_to_global answers DA_ERR_NOT_CONTIGUOUS for an unstructured
 * dimension of a rank whose coordinate differs from the caller's. */
DA_API int da_dist_create_comm(MPI_Comm comm, int ndim, const int64_t *shape, const da_dim_spec_t *dims,
                               const int *grid, da_dist_t **out);
DA_API int da_dist_dup(const da_dist_t *d, da_dist_t **out);
/* Frees the map and sets *d to NULL. If it is the last reference to a
   directory (da_dist_create_comm), this is collective over its ranks. */
DA_API int da_dist_destroy(da_dist_t **d);

/* Diagnostics of a directory-backed dimension (all zero for any other). */
typedef struct da_directory_info {
    int active;              /* 1 if the dimension's table is a directory */
    int64_t block_entries;   /* entries of the directory held by this rank */
    int64_t cached;          /* answers in this rank's cache now */
    int64_t fetched;         /* entries fetched from other ranks so far */
    int64_t fetch_batches;   /* batched fetches (one flush each) so far */
} da_directory_info_t;
DA_API int da_dist_directory_info(const da_dist_t *d, int dim, da_directory_info_t *info);

/* Describing the map. */
DA_API int da_dist_ndim(const da_dist_t *d, int *ndim);
DA_API int da_dist_shape(const da_dist_t *d, int64_t *shape);
DA_API int da_dist_nranks(const da_dist_t *d, int *nranks);
DA_API int da_dist_grid(const da_dist_t *d, int *grid);
DA_API int da_dist_dim_kind(const da_dist_t *d, int dim, da_dist_kind_t *kind, int64_t *block_size);
DA_API int da_dist_rank_coords(const da_dist_t *d, int rank, int *coords);
DA_API int da_dist_coords_rank(const da_dist_t *d, const int *coords, int *rank);

/* Owner of one global index (gidx[ndim]): its rank, and optionally its grid
 * coordinates and its local index (lidx[ndim]) on that rank. */
DA_API int da_dist_owner(const da_dist_t *d, const int64_t *gidx, int *rank, int *coords,
                         int64_t *lidx);
/* Global index of local index lidx on `rank`. */
DA_API int da_dist_local_to_global(const da_dist_t *d, int rank, const int64_t *lidx,
                                   int64_t *gidx);
/* Local block shape of `rank` (row-major, lshape[ndim]); elements is the product. */
DA_API int da_dist_local_shape(const da_dist_t *d, int rank, int64_t *lshape, int64_t *elements);
/* Global box [lo, hi) held by `rank`, for maps whose dimensions give each rank
 * one contiguous range (BLOCK, BLOCK_GA, IRREGULAR, NONE); DA_ERR_NOT_CONTIGUOUS
 * otherwise. An empty rank gets lo == hi in some dimension. */
DA_API int da_dist_local_box(const da_dist_t *d, int rank, int64_t *lo, int64_t *hi);

/* Decomposition of a request into per-owner pieces.
 *
 * A request selects, along each dimension, npos positions: for a box,
 * position k is global index lo + k*step. Along one dimension, what a grid
 * coordinate holds of the request is a da_dim_piece_t: a list of runs, each
 * an arithmetic progression in both the position and the local index. For
 * block-cyclic dimensions the runs of one period repeat `reps` times (period
 * positions apart, period_local apart on the owner), followed by `ntail`
 * explicit runs: a compact strided pattern per owner, not one piece per
 * block. An n-dimensional piece is one owner rank and one dimension piece per
 * dimension; its elements are the outer product of the dimensions' positions.
 */
typedef struct da_run {
    int64_t pos;         /* position of the first element in the request */
    int64_t global;      /* its global index */
    int64_t local;       /* its local index on the owner */
    int64_t count;       /* elements in the run, >= 1 */
    int64_t pos_step;    /* position stride between consecutive elements */
    int64_t global_step; /* global index stride */
    int64_t local_step;  /* local index stride, >= 1 */
} da_run_t;

typedef struct da_dim_piece {
    int coord;            /* grid coordinate along this dimension */
    int64_t count;        /* positions held: sum of all runs' counts */
    int64_t nruns;        /* runs in one period */
    const da_run_t *runs; /* the first period */
    int64_t reps;         /* periods (>= 1) */
    int64_t period;       /* position advance per period (0 if reps == 1) */
    int64_t period_global;/* global index advance per period */
    int64_t period_local; /* local index advance per period */
    int64_t ntail;        /* runs after the periods */
    const da_run_t *tail; /* absolute (not shifted by a period) */
} da_dim_piece_t;

typedef struct da_piece {
    int rank;                                  /* owner */
    int64_t count;                             /* elements: product of dim[i]->count */
    const da_dim_piece_t *dim[DA_MAX_NDIM];
} da_piece_t;

typedef struct da_decomp da_decomp_t;

/* Decompose the box [lo, hi) with step (NULL: all 1) into per-owner pieces.
 * Only the owners touched are visited. hi[i] == lo[i] gives no pieces. */
DA_API int da_dist_decompose_box(const da_dist_t *d, const int64_t *lo, const int64_t *hi,
                                 const int64_t *step, da_decomp_t **out);
DA_API int64_t da_decomp_npieces(const da_decomp_t *dec);
/* Total elements requested (product of npos). */
DA_API int64_t da_decomp_count(const da_decomp_t *dec);
/* The i-th piece, 0 <= i < npieces, in rank order of grid coordinates. */
DA_API int da_decomp_piece(const da_decomp_t *dec, int64_t i, da_piece_t *piece);
DA_API void da_decomp_free(da_decomp_t *dec);

/* Runs of a dimension piece in position order, periods expanded. */
DA_API int64_t da_dim_piece_total_runs(const da_dim_piece_t *p);
DA_API void da_dim_piece_run(const da_dim_piece_t *p, int64_t j, da_run_t *run);

#ifdef __cplusplus
}
#endif
#endif
