/* Internal: the distribution map's representation, shared with the layers
   above that need fast per-dimension index arithmetic. */
#ifndef DA_LIB_DIST_H
#define DA_LIB_DIST_H

#include "darray/dist.h"

/* A directory (lib/directory.c): the index -> (part, local index) table of
   an unstructured dimension, distributed by blocks over the ranks, with a
   local cache of answers. Shared by the copies of a map (reference count). */
typedef struct da_directory da_directory_t;

typedef struct dim_map {
    da_dist_kind_t kind;
    int64_t n;          /* extent */
    int p;              /* grid extent */
    int64_t b;          /* BLOCK_CYCLIC: block size; BLOCK_GA: chunk; CYCLIC: 1 */
    int64_t *starts;    /* BLOCK, BLOCK_GA, IRREGULAR, NONE: p+1 part bounds */
    int64_t *counts;    /* UNSTRUCTURED: p part sizes */
    int64_t **lists;    /* UNSTRUCTURED: p lists (one allocation, lists[0]) */
    int32_t *owner_of;  /* UNSTRUCTURED: n entries, part of each index */
    int64_t *local_of;  /* UNSTRUCTURED: n entries, local index of each index */
    /* UNSTRUCTURED with a directory instead of lists/owner_of/local_of: */
    da_directory_t *dir;      /* the directory (shared, reference counted) */
    int mycoord;        /* this rank's coordinate along the dimension */
    int64_t *own;       /* counts[mycoord] entries: this rank's part, in local order */
    uint64_t digest;    /* hash of the whole partition, equal on every rank */
} dim_map_t;

struct da_dist {
    int ndim;
    int nranks;
    int64_t shape[DA_MAX_NDIM];
    int grid[DA_MAX_NDIM];
    dim_map_t dim[DA_MAX_NDIM];
};

/* Per-dimension arithmetic; arguments are assumed valid. */
int da_dim_owner(const dim_map_t *m, int64_t g, int64_t *local);
int64_t da_dim_local_count(const dim_map_t *m, int c);
int64_t da_dim_global(const dim_map_t *m, int c, int64_t l);

/* What a request selects along one dimension: positions k = 0..npos-1 are
   global indices lo + k*step (step >= 1), or list[k] when list is set. */
typedef struct {
    int64_t lo, step, npos;
    const int64_t *list;
} da_dimsel_t;

/* Decomposition of a selection (validated by the caller). With dedup_last,
   of positions naming the same element only the last is kept (puts). */
int da_decompose_sel(const da_dist_t *d, const da_dimsel_t *sel, int dedup_last, da_decomp_t **out);

/* Hash of everything that defines the map. */
uint64_t da_dist_fingerprint(const da_dist_t *d);

/* Validation used by the public calls. */
int da_dist_check(const da_dist_t *d);

/* For da_dist_create_comm (lib/directory.c). A map built as by
   da_dist_create, except that UNSTRUCTURED_LOCAL dimensions are left with
   kind UNSTRUCTURED, counts zeroed (p entries), own = a copy of the given
   list, mycoord = -1 and no table: the caller completes them, either with
   da_dim_set_lists (replicated table) or by setting dir, mycoord and counts.
   The map is not a live handle until da_dist_publish. */
int da_dist_build(int ndim, const int64_t *shape, const da_dim_spec_t *dims, const int *grid, int nranks,
                  da_dist_t **out);
/* Builds the replicated table of dimension i from all parts' lists
   (lists[c], counts[c] entries), validating them; frees own. */
int da_dim_set_lists(int i, dim_map_t *m, const int64_t *counts, const int64_t *const *lists);
int da_dist_publish(da_dist_t *d);
/* Frees a map da_dist_publish has not registered. */
void da_dist_discard(da_dist_t *d);

#endif
