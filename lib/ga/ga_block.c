/* GA compatibility: block-cyclic arrays block by block (NGA_Access_block*,
 * NGA_Release*_block*, GA_Total_blocks, NGA_Distribution of a block). Blocks
 * are numbered as in GA: row-major over the C-order grid of blocks. Where a
 * block sits in this process's memory comes from darray's map (da_dist_owner
 * gives the local index of the block's first element). */
#include <stdlib.h>

#include "ga_internal.h"

static int is_bc(const ga_arr_t *g) { return g->dist == GA_DIST_BLOCK_CYCLIC || g->dist == GA_DIST_BC_GRID; }

static int64_t nblocks_dim(const ga_arr_t *g, int d) { return (g->dims[d] + g->bc_dims[d] - 1) / g->bc_dims[d]; }

static int64_t total_blocks(const ga_arr_t *g)
{
    int64_t t = 1;
    for (int d = 0; d < g->ndim; d++) t *= nblocks_dim(g, d);
    return t;
}

static ga_arr_t *get_bc(int g_a, const char *call)
{
    ga_arr_t *g = ga_arr_get(g_a, call);
    if (!is_bc(g)) ga_fail(call, "array %d is not block-cyclic (GA_Set_block_cyclic*)", g_a);
    return g;
}

/* Block index -> block coordinates (C order, last one fastest). */
static void block_coords(const ga_arr_t *g, int64_t idx, int64_t *bc, const char *call)
{
    int64_t total = total_blocks(g);
    if (idx < 0 || idx >= total)
        ga_fail(call, "array %d: block index %lld outside 0..%lld", g->handle, (long long)idx, (long long)total - 1);
    for (int d = g->ndim - 1; d >= 0; d--) {
        int64_t nb = nblocks_dim(g, d);
        bc[d] = idx % nb;
        idx /= nb;
    }
}

/* The block's inclusive corners. */
static void block_box(const ga_arr_t *g, const int64_t *bc, int64_t *lo, int64_t *hi)
{
    for (int d = 0; d < g->ndim; d++) {
        lo[d] = bc[d] * g->bc_dims[d];
        hi[d] = lo[d] + g->bc_dims[d] - 1;
        if (hi[d] >= g->dims[d]) hi[d] = g->dims[d] - 1;
    }
}

/* GA's owner of a block: round-robin by block index for GA_Set_block_cyclic,
   the grid position (row-major over the C-order process grid) otherwise. */
static int ga_block_owner(const ga_arr_t *g, const int64_t *bc)
{
    if (g->dist == GA_DIST_BLOCK_CYCLIC) {
        int64_t idx = 0;
        for (int d = 0; d < g->ndim; d++) idx = idx * nblocks_dim(g, d) + bc[d];
        return (int)(idx % g->gnproc);
    }
    int64_t p = 0;
    for (int d = 0; d < g->ndim; d++) p = p * g->bc_grid[d] + bc[d] % g->bc_grid[d];
    return (int)p;
}

/* Pointer to block bc in this process's memory, and ld (ndim-1 entries,
   the local array's extents: blocks are not stored one after another). */
static void access_block(ga_arr_t *g, const int64_t *bc, void *ptr, int64_t *ld, const char *call)
{
    if (!ptr) ga_fail(call, "ptr is NULL");
    int owner = ga_block_owner(g, bc);
    if (owner != g->grank)
        ga_fail(call, "array %d: the block is owned by process %d, not by this process (%d)", g->handle, owner,
                g->grank);
    int64_t lo[DA_MAX_NDIM], hi[DA_MAX_NDIM], lidx[DA_MAX_NDIM], lshape[DA_MAX_NDIM], lstride[DA_MAX_NDIM];
    block_box(g, bc, lo, hi);
    da_dist_t *dist = NULL;
    int rank = -1;
    ga_check(da_array_dist(g->a, &dist), call);
    int rc = da_dist_owner(dist, lo, &rank, NULL, lidx);
    da_dist_destroy(&dist);
    ga_check(rc, call);
    /* Only GA_Set_block_cyclic's non-Cartesian case places blocks elsewhere. */
    if (rank != owner)
        ga_fail(call, "array %d: GA gives the block to process %d but the layer placed it on %d "
                "(GA_Set_block_cyclic without a Cartesian layout, see docs/ga-migration.md)",
                g->handle, owner, rank);
    void *base = NULL;
    ga_check(da_array_local(g->a, &base, lshape, lstride), call);
    int64_t off = 0;
    for (int d = 0; d < g->ndim; d++) off += lidx[d] * lstride[d];
    *(void **)ptr = (char *)base + off * (int64_t)g->esize;
    if (ld)
        for (int d = 0; d < g->ndim - 1; d++) ld[d] = lshape[d + 1];
}

static void to_int_ld(const ga_arr_t *g, const int64_t *l, int *ld)
{
    if (ld)
        for (int d = 0; d < g->ndim - 1; d++) ld[d] = (int)l[d];
}

GA_DAPI void NGA_Access_block64(int g_a, int64_t idx, void *ptr, int64_t ld[])
{
    const char *call = "NGA_Access_block";
    ga_arr_t *g = get_bc(g_a, call);
    int64_t bc[DA_MAX_NDIM];
    block_coords(g, idx, bc, call);
    access_block(g, bc, ptr, ld, call);
}

GA_DAPI void NGA_Access_block(int g_a, int idx, void *ptr, int ld[])
{
    int64_t l[DA_MAX_NDIM];
    NGA_Access_block64(g_a, idx, ptr, l);
    to_int_ld(ga_arr_find(g_a), l, ld);
}

GA_DAPI void NGA_Access_block_grid64(int g_a, int64_t index[], void *ptr, int64_t ld[])
{
    const char *call = "NGA_Access_block_grid";
    ga_arr_t *g = get_bc(g_a, call);
    if (!index) ga_fail(call, "index is NULL");
    for (int d = 0; d < g->ndim; d++)
        if (index[d] < 0 || index[d] >= nblocks_dim(g, d))
            ga_fail(call, "array %d: dimension %d: block index %lld outside 0..%lld", g_a, d, (long long)index[d],
                    (long long)nblocks_dim(g, d) - 1);
    access_block(g, index, ptr, ld, call);
}

GA_DAPI void NGA_Access_block_grid(int g_a, int index[], void *ptr, int ld[])
{
    int64_t idx[DA_MAX_NDIM], l[DA_MAX_NDIM];
    ga_arr_t *g = get_bc(g_a, "NGA_Access_block_grid");
    if (!index) ga_fail("NGA_Access_block_grid", "index is NULL");
    for (int d = 0; d < g->ndim; d++) idx[d] = index[d];
    NGA_Access_block_grid64(g_a, idx, ptr, l);
    to_int_ld(g, l, ld);
}

/* The whole local segment; darray holds it as one row-major local array. */
GA_DAPI void NGA_Access_block_segment64(int g_a, int proc, void *ptr, int64_t *len)
{
    const char *call = "NGA_Access_block_segment";
    ga_arr_t *g = ga_arr_get(g_a, call);
    if (!ptr || !len) ga_fail(call, "ptr or len is NULL");
    /* GA also allows processes of the same node; the layer only this one. */
    if (proc != g->grank)
        ga_fail(call, "array %d: process %d is not this process (%d)", g_a, proc, g->grank);
    void *base = NULL;
    int64_t lshape[DA_MAX_NDIM], n = 1;
    ga_check(da_array_local(g->a, &base, lshape, NULL), call);
    for (int d = 0; d < g->ndim; d++) n *= lshape[d];
    *(void **)ptr = n ? base : NULL;
    *len = n;
}

GA_DAPI void NGA_Access_block_segment(int g_a, int proc, void *ptr, int *len)
{
    int64_t n = 0;
    if (!len) ga_fail("NGA_Access_block_segment", "ptr or len is NULL");
    NGA_Access_block_segment64(g_a, proc, ptr, &n);
    *len = (int)n;
}

/* Releases: local stores need no write-back in darray; only the handle and
   the block are checked, as GA does. */
GA_DAPI void NGA_Release_block(int g_a, int idx)
{
    int64_t bc[DA_MAX_NDIM];
    block_coords(get_bc(g_a, "NGA_Release_block"), idx, bc, "NGA_Release_block");
}

GA_DAPI void NGA_Release_update_block(int g_a, int idx)
{
    int64_t bc[DA_MAX_NDIM];
    block_coords(get_bc(g_a, "NGA_Release_update_block"), idx, bc, "NGA_Release_update_block");
}

GA_DAPI void NGA_Release_block_grid(int g_a, int index[])
{
    ga_arr_t *g = get_bc(g_a, "NGA_Release_block_grid");
    if (!index) ga_fail("NGA_Release_block_grid", "index is NULL");
    (void)g;
}

GA_DAPI void NGA_Release_update_block_grid(int g_a, int index[])
{
    ga_arr_t *g = get_bc(g_a, "NGA_Release_update_block_grid");
    if (!index) ga_fail("NGA_Release_update_block_grid", "index is NULL");
    (void)g;
}

GA_DAPI void NGA_Release_block_segment(int g_a, int proc)
{
    ga_arr_t *g = ga_arr_get(g_a, "NGA_Release_block_segment");
    if (proc != g->grank) ga_fail("NGA_Release_block_segment", "process %d is not this process", proc);
}

GA_DAPI void NGA_Release_update_block_segment(int g_a, int proc)
{
    ga_arr_t *g = ga_arr_get(g_a, "NGA_Release_update_block_segment");
    if (proc != g->grank) ga_fail("NGA_Release_update_block_segment", "process %d is not this process", proc);
}

/* GA answers -1 for an array that is not block-cyclic. */
GA_DAPI int GA_Total_blocks(int g_a)
{
    ga_arr_t *g = ga_arr_get(g_a, "GA_Total_blocks");
    return is_bc(g) ? (int)total_blocks(g) : -1;
}

GA_DAPI int NGA_Total_blocks(int g_a) { return GA_Total_blocks(g_a); }

/* NGA_Distribution of a block-cyclic array: GA reads iproc as a block index. */
void ga_block_distribution(ga_arr_t *g, int64_t idx, int64_t *lo, int64_t *hi, const char *call)
{
    int64_t bc[DA_MAX_NDIM];
    block_coords(g, idx, bc, call);
    block_box(g, bc, lo, hi);
}
