/* Internal: directories of unstructured dimensions (directory.c). The
   layer-1 code (dist.c, decomp.c) reaches a directory only through these
   calls, so it makes no MPI call itself. */
#ifndef DA_LIB_DIRECTORY_H
#define DA_LIB_DIRECTORY_H

#include <stdint.h>

#include "dist.h"

/* Owner part of global index g and its local index: from the rank's own
   block of the directory, else the cache, else a one-index fetch (a miss
   is normally avoided by da_dist_prefetch_* before a request is
   decomposed). On an MPI failure it answers part 0, local 0 and records
   the error, returned by the next da_dir_fetch. */
int da_dir_owner(da_directory_t *dir, int64_t g, int64_t *local);
/* Makes every index of idx[0..n) (values outside [0, extent) are skipped)
   answerable without communication: the misses are fetched, sorted by
   directory rank, one MPI_Get per run of consecutive indices, one flush. */
int da_dir_fetch(da_directory_t *dir, int64_t n, const int64_t *idx);
void da_dir_retain(da_directory_t *dir);
/* Drops a reference; the last one frees the window (collective). */
void da_dir_release(da_directory_t *dir);
void da_dir_info(const da_directory_t *dir, da_directory_info_t *info);

/* Hooks of the data-movement layer: before a request is decomposed or
   its points resolved, bring every index it names along a directory-backed
   dimension into the cache, in one batch per dimension. */
int da_dist_prefetch_sel(const da_dist_t *d, const da_dimsel_t *sel);
/* Points as coords[n*ndim] or flat[n]; invalid points are skipped (the
   caller reports them). */
int da_dist_prefetch_points(const da_dist_t *d, int64_t n, const int64_t *coords, const int64_t *flat);

#endif
