/* Internal: pieces shared by the collective array operations (coll.c,
   redist.c, io.c): the entry and exit of a collective call, which local
   elements a box holds along each dimension, and copying with strides. */
#ifndef DA_LIB_COLL_H
#define DA_LIB_COLL_H

#include <stddef.h>
#include <stdint.h>

#include "array.h"
#include "darray/coll.h"

/* ---- entry and exit of a collective call ----------------------------------

   da_coll_begin: this rank's outstanding operations on the arrays complete,
   then one allreduce over comm in which every rank says whether its local
   checks failed (local_rc), contributes `agree` (a hash of the arguments
   that all ranks must pass equal: DA_ERR_COLLECTIVE if they differ) and
   `nflags` further longs reduced with MPI_MAX into flags (may be 0/NULL).
   It is also the entry barrier: afterwards every rank sees what the others
   completed before the call. Returns local_rc if set, DA_ERR_COLLECTIVE if
   another rank failed or the hashes differ, else DA_SUCCESS. Arrays may be
   NULL (skipped).

   da_coll_end: the exit barrier (an allreduce of rc, so that an error one
   rank met after the entry reaches all). Returns rc, or DA_ERR_COLLECTIVE
   if another rank failed. */
int da_coll_begin(const char *fn, MPI_Comm comm, int local_rc, da_array_t *const *arrays, int narrays,
                  uint64_t agree, long *flags, int nflags);
int da_coll_end(const char *fn, MPI_Comm comm, da_array_t *const *arrays, int narrays, int rc);

/* Hash helpers for `agree`: mix in a value, a box, an array's map and type. */
uint64_t da_coll_mix(uint64_t h, int64_t v);
uint64_t da_coll_mix_box(uint64_t h, int ndim, const int64_t *lo, const int64_t *hi);
uint64_t da_coll_mix_array(uint64_t h, const da_array_t *a);

/* Check a box against an array's shape (lo, hi non-NULL, 0 <= lo <= hi <= shape). */
int da_coll_check_box(const char *fn, const char *what, const da_array_t *a, const int64_t *lo, const int64_t *hi);
/* DA_SUCCESS if a and b were created over congruent communicators. */
int da_coll_same_comm(const char *fn, const da_array_t *a, const da_array_t *b);
/* 1 if every global index has the same owner and local index in both maps. */
int da_dist_same_layout(const da_dist_t *x, const da_dist_t *y);

/* ---- this rank's elements of a box, along one dimension -------------------

   Runs of local indices: local l0 + i*lstep holds global g0 + i*gstep, for
   0 <= i < count. Built in local order (lstep == 1 in every run), or in
   global order (increasing g; what files need). */
typedef struct {
    int64_t l0, lstep, g0, gstep, count;
} da_lrun_t;

typedef struct {
    int64_t nruns, cap;
    int64_t count; /* elements: sum of the runs' counts */
    da_lrun_t *runs;
} da_lruns_t;

int da_lruns_build(const dim_map_t *m, int coord, int64_t lo, int64_t hi, int by_global, da_lruns_t *out);
void da_lruns_free(da_lruns_t *r);

/* The per-dimension runs of rank `rank` of `d` for the box [lo, hi).
   Frees itself on failure. */
typedef struct {
    int ndim;
    da_lruns_t dim[DA_MAX_NDIM];
    int64_t lstride[DA_MAX_NDIM]; /* the rank's local row-major strides */
    int64_t count;                /* elements: product of the dims' counts */
} da_box_runs_t;

int da_box_runs_build(const da_dist_t *d, int rank, const int64_t *lo, const int64_t *hi, int by_global,
                      da_box_runs_t *out);
void da_box_runs_free(da_box_runs_t *b);

/* Calls fn for every run along the last dimension: `off` is the local
   element offset of its first element, count elements lstep apart;
   gidx[0..ndim) is its first element's global index (last coordinate
   advancing by gstep). A nonzero return stops the walk and is returned. */
typedef int (*da_run_fn)(void *ctx, int64_t off, int64_t lstep, int64_t count, const int64_t *gidx, int64_t gstep);
int da_box_runs_walk(const da_box_runs_t *b, da_run_fn fn, void *ctx);

/* Collective, after the caller's agreement (same arguments everywhere):
   copy src's box into buf, laid out as this rank's block of `like` (an
   array with the destination map and src's type) for the box [dlo, dhi).
   buf NULL (out of memory on this rank): fails on every rank. */
int da_redist_into_buffer(da_array_t *src, const int64_t *slo, const int64_t *shi, const da_array_t *like,
                          const int64_t *dlo, const int64_t *dhi, char *buf);


#endif
