/* GA compatibility: who owns what (NGA_Distribution, NGA_Locate...), and
 * direct access to the local block. Answers come from the darray map;
 * process ids are GA's (translated when the array's communicator is
 * reordered, see ga_create.c). */
#include <stdio.h>
#include <stdlib.h>

#include "ga_internal.h"

void ga_box64(const ga_arr_t *g, const int64_t *lo, const int64_t *hi, int64_t *dlo, int64_t *dhi,
              const char *call)
{
    if (!lo || !hi) ga_fail(call, "lo or hi is NULL");
    for (int d = 0; d < g->ndim; d++) {
        if (lo[d] < 0 || hi[d] >= g->dims[d] || hi[d] < lo[d])
            ga_fail(call, "array %d (\"%s\"): dimension %d: patch [%lld, %lld] is empty or outside [0, %lld]",
                    g->handle, g->name ? g->name : "", d, (long long)lo[d], (long long)hi[d],
                    (long long)g->dims[d] - 1);
        dlo[d] = lo[d];
        dhi[d] = hi[d] + 1;
    }
}

void ga_box(const ga_arr_t *g, const int *lo, const int *hi, int64_t *dlo, int64_t *dhi, const char *call)
{
    int64_t l[DA_MAX_NDIM], h[DA_MAX_NDIM];
    if (!lo || !hi) ga_fail(call, "lo or hi is NULL");
    for (int d = 0; d < g->ndim; d++) {
        l[d] = lo[d];
        h[d] = hi[d];
    }
    ga_box64(g, l, h, dlo, dhi, call);
}

void ga_ld(int ndim, const int *ld, int64_t *dld)
{
    for (int d = 0; d < ndim - 1; d++) dld[d] = ld[d];
}

static int ga_to_da(const ga_arr_t *g, int p) { return g->to_da ? g->to_da[p] : p; }
static int da_to_ga(const ga_arr_t *g, int r) { return g->to_ga ? g->to_ga[r] : r; }

static int is_block_cyclic(const ga_arr_t *g)
{
    return g->dist == GA_DIST_BLOCK_CYCLIC || g->dist == GA_DIST_BC_GRID;
}

/* GA process p's box, inclusive; lo = -1, hi = -2 everywhere (GA's C answer)
   for a process without data. */
static void distribution64(ga_arr_t *g, int iproc, int64_t *lo, int64_t *hi, const char *call)
{
    if (is_block_cyclic(g)) {
        ga_block_distribution(g, iproc, lo, hi, call);
        return;
    }
    if (iproc < 0 || iproc >= g->gnproc)
        ga_fail(call, "process %d outside 0..%d", iproc, g->gnproc - 1);
    int64_t l[DA_MAX_NDIM], h[DA_MAX_NDIM];
    da_dist_t *dist = NULL;
    ga_check(da_array_dist(g->a, &dist), call);
    int rc = da_dist_local_box(dist, ga_to_da(g, iproc), l, h);
    da_dist_destroy(&dist);
    ga_check(rc, call);
    int empty = iproc >= g->ga_nprocs;
    for (int d = 0; d < g->ndim; d++) empty |= h[d] <= l[d];
    for (int d = 0; d < g->ndim; d++) {
        lo[d] = empty ? -1 : l[d];
        hi[d] = empty ? -2 : h[d] - 1;
    }
}

GA_DAPI void NGA_Distribution64(int g_a, int iproc, int64_t lo[], int64_t hi[])
{
    distribution64(ga_arr_get(g_a, "NGA_Distribution"), iproc, lo, hi, "NGA_Distribution");
}

GA_DAPI void NGA_Distribution(int g_a, int iproc, int lo[], int hi[])
{
    ga_arr_t *g = ga_arr_get(g_a, "NGA_Distribution");
    int64_t l[DA_MAX_NDIM], h[DA_MAX_NDIM];
    distribution64(g, iproc, l, h, "NGA_Distribution");
    for (int d = 0; d < g->ndim; d++) {
        lo[d] = (int)l[d];
        hi[d] = (int)h[d];
    }
}

GA_DAPI int NGA_Locate(int g_a, int subscript[])
{
    ga_arr_t *g = ga_arr_get(g_a, "NGA_Locate");
    int64_t idx[DA_MAX_NDIM];
    for (int d = 0; d < g->ndim; d++) {
        if (subscript[d] < 0 || subscript[d] >= g->dims[d]) return -1;
        idx[d] = subscript[d];
    }
    da_dist_t *dist = NULL;
    int rank = -1;
    ga_check(da_array_dist(g->a, &dist), "NGA_Locate");
    int rc = da_dist_owner(dist, idx, &rank, NULL, NULL);
    da_dist_destroy(&dist);
    ga_check(rc, "NGA_Locate");
    return da_to_ga(g, rank);
}

/* map gets, per owner, the inclusive corners of its part: lo[ndim] then hi[ndim]. */
GA_DAPI int NGA_Locate_region(int g_a, int lo[], int hi[], int map[], int procs[])
{
    const char *call = "NGA_Locate_region";
    ga_arr_t *g = ga_arr_get(g_a, call);
    if (is_block_cyclic(g)) ga_fail(call, "array %d is block-cyclic (not supported)", g_a);
    int64_t dlo[DA_MAX_NDIM], dhi[DA_MAX_NDIM];
    for (int d = 0; d < g->ndim; d++)
        if (lo[d] < 0 || hi[d] >= g->dims[d] || hi[d] < lo[d]) return 0; /* GA: no owners */
    ga_box(g, lo, hi, dlo, dhi, call);
    da_dist_t *dist = NULL;
    da_decomp_t *dec = NULL;
    ga_check(da_array_dist(g->a, &dist), call);
    int rc = da_dist_decompose_box(dist, dlo, dhi, NULL, &dec);
    da_dist_destroy(&dist);
    ga_check(rc, call);
    int64_t n = da_decomp_npieces(dec);
    int nd = g->ndim;
    for (int64_t i = 0; i < n; i++) {
        da_piece_t pc;
        ga_check(da_decomp_piece(dec, i, &pc), call);
        procs[i] = da_to_ga(g, pc.rank);
        for (int d = 0; d < nd; d++) {
            da_run_t run;
            da_dim_piece_run(pc.dim[d], 0, &run);
            map[i * 2 * nd + d] = (int)run.global;
            map[i * 2 * nd + nd + d] = (int)(run.global + pc.dim[d]->count - 1);
        }
    }
    da_decomp_free(dec);
    return (int)n;
}

/* GA 5.8's C call answers in Fortran order: unlike every other index array
 * of the C API, the coordinates are not reversed (measured against Debian's
 * GA; GA's documentation does not say). Legacy code relies on what GA does. */
GA_DAPI void NGA_Proc_topology(int g_a, int proc, int coord[])
{
    const char *call = "NGA_Proc_topology";
    ga_arr_t *g = ga_arr_get(g_a, call);
    if (proc < 0 || proc >= g->gnproc) ga_fail(call, "process %d outside 0..%d", proc, g->gnproc - 1);
    if (proc >= g->ga_nprocs) {
        for (int d = 0; d < g->ndim; d++) coord[d] = -1;
        return;
    }
    da_dist_t *dist = NULL;
    int c[DA_MAX_NDIM];
    ga_check(da_array_dist(g->a, &dist), call);
    int rc = da_dist_rank_coords(dist, ga_to_da(g, proc), c);
    da_dist_destroy(&dist);
    ga_check(rc, call);
    for (int d = 0; d < g->ndim; d++) coord[g->ndim - 1 - d] = c[d];
}

GA_DAPI void NGA_Access(int g_a, int lo[], int hi[], void *ptr, int ld[])
{
    const char *call = "NGA_Access";
    ga_arr_t *g = ga_arr_get(g_a, call);
    if (is_block_cyclic(g)) ga_fail(call, "array %d is block-cyclic (use NGA_Access_block)", g_a);
    if (!ptr) ga_fail(call, "ptr is NULL");
    int64_t dlo[DA_MAX_NDIM], dhi[DA_MAX_NDIM], mlo[DA_MAX_NDIM], mhi[DA_MAX_NDIM];
    int64_t lshape[DA_MAX_NDIM], lstride[DA_MAX_NDIM];
    ga_box(g, lo, hi, dlo, dhi, call);
    void *base = NULL;
    ga_check(da_array_local_box(g->a, mlo, mhi), call);
    ga_check(da_array_local(g->a, &base, lshape, lstride), call);
    int64_t off = 0;
    for (int d = 0; d < g->ndim; d++) {
        if (dlo[d] < mlo[d] || dhi[d] > mhi[d])
            ga_fail(call, "array %d: dimension %d: patch [%d, %d] is not inside this process's block [%lld, %lld]",
                    g_a, d, lo[d], hi[d], (long long)mlo[d], (long long)mhi[d] - 1);
        off += (dlo[d] - mlo[d]) * lstride[d];
    }
    *(void **)ptr = (char *)base + off * (int64_t)g->esize;
    if (ld)
        for (int d = 0; d < g->ndim - 1; d++) ld[d] = (int)lshape[d + 1];
}

GA_DAPI void NGA_Release(int g_a, int lo[], int hi[])
{
    (void)lo;
    (void)hi;
    ga_arr_get(g_a, "NGA_Release");
}

GA_DAPI void NGA_Release_update(int g_a, int lo[], int hi[])
{
    (void)lo;
    (void)hi;
    ga_arr_get(g_a, "NGA_Release_update");
}

GA_DAPI void GA_Print_distribution(int g_a)
{
    ga_arr_t *g = ga_arr_get(g_a, "GA_Print_distribution");
    if (g->grank == 0) {
        printf("Array Handle=%d Name:'%s' Data Type:%d\n", g_a, g->name ? g->name : "", g->type);
        printf("Array Dimensions:");
        for (int d = 0; d < g->ndim; d++) printf("%lld%s", (long long)g->dims[d], d + 1 < g->ndim ? "x" : "\n");
        if (is_block_cyclic(g)) {
            printf("Block-cyclic, blocks of");
            for (int d = 0; d < g->ndim; d++) printf(" %lld", (long long)g->bc_dims[d]);
            printf("\n");
        } else {
            for (int p = 0; p < g->gnproc; p++) {
                int64_t lo[DA_MAX_NDIM], hi[DA_MAX_NDIM];
                distribution64(g, p, lo, hi, "GA_Print_distribution");
                printf("Process=%d\towns array section: ", p);
                for (int d = 0; d < g->ndim; d++) printf("[%lld:%lld]", (long long)lo[d], (long long)hi[d]);
                printf("\n");
            }
        }
        fflush(stdout);
    }
    MPI_Barrier(g->gcomm);
}
