/* GA compatibility: creating, describing and destroying arrays.
 *
 * Regular and irregular GA arrays become darray arrays with an IRREGULAR
 * map in every dimension, whose split points are GA's own (ga_layout.c for
 * regular arrays, the user's map for irregular ones), over a grid with
 * darray's row-major rank numbering, which is also GA's process numbering
 * seen from C. darray's grid must use every rank; when GA leaves processes
 * without data (a grid smaller than the process count), the grid is padded
 * with empty parts. Usually the padding goes on the first dimension and
 * ranks stay the same; when it cannot (the rest of GA's grid does not
 * divide the process count), the array lives on a communicator whose ranks
 * are reordered (MPI_Comm_split with a key) so that each GA process still
 * holds GA's block, and the layer translates process ids both ways. */
#include <stdlib.h>
#include <string.h>

#include "ga_internal.h"

/* Find a grid G, product nproc, G[d] >= want[d]; 1 if found. */
static int find_grid(int ndim, const int *want, int d, int left, int *G)
{
    if (d == ndim - 1) {
        if (left < want[d]) return 0;
        G[d] = left;
        return 1;
    }
    for (int f = want[d]; f <= left; f++) {
        if (left % f) continue;
        G[d] = f;
        if (find_grid(ndim, want, d + 1, left / f, G)) return 1;
    }
    return 0;
}

/* Create g's darray array over GA's processes: GA grid `grid` (product <=
 * nproc) with first indices starts[d]; `full` (may be NULL) a padded grid
 * to use if padding the first dimension is not enough. */
static void place(ga_arr_t *g, const int *grid, const int *full, int64_t *const *starts, const char *call)
{
    int nproc = g->gnproc, ndim = g->ndim;
    int64_t P = 1;
    for (int d = 0; d < ndim; d++) P *= grid[d];
    if (P > nproc)
        ga_fail(call, "the distribution has %lld blocks but there are only %d processes", (long long)P, nproc);
    int G[DA_MAX_NDIM];
    int64_t rest = P / grid[0];
    int identity = 0;
    if (nproc % rest == 0) {
        G[0] = (int)(nproc / rest);
        for (int d = 1; d < ndim; d++) G[d] = grid[d];
        identity = 1;
    } else if (full) {
        memcpy(G, full, sizeof *G * (size_t)ndim);
    } else if (!find_grid(ndim, grid, 0, nproc, G)) {
        ga_fail(call, "a %lld-block distribution cannot be placed on %d processes by darray (no process grid "
                "with %d processes contains it)", (long long)P, nproc, nproc);
    }

    /* ranks of GA processes on the padded grid */
    int *to_da = NULL, *to_ga = NULL;
    if (!identity) {
        to_da = malloc(sizeof *to_da * (size_t)nproc);
        to_ga = malloc(sizeof *to_ga * (size_t)nproc);
        if (!to_da || !to_ga) ga_fail(call, "out of memory");
        for (int r = 0; r < nproc; r++) to_ga[r] = -1;
        for (int p = 0; p < P; p++) {
            int64_t rem = p, pos = 0, stride = 1;
            for (int d = ndim - 1; d >= 0; d--) {
                pos += (rem % grid[d]) * stride;
                rem /= grid[d];
                stride *= G[d];
            }
            to_da[p] = (int)pos;
            to_ga[pos] = p;
        }
        for (int p = (int)P, r = 0; p < nproc; p++) {
            while (to_ga[r] >= 0) r++;
            to_da[p] = r;
            to_ga[r] = p;
        }
        int same = 1;
        for (int p = 0; p < nproc; p++) same &= to_da[p] == p;
        if (same) {
            free(to_da);
            free(to_ga);
            to_da = to_ga = NULL;
        }
    }

    da_dim_spec_t spec[DA_MAX_NDIM] = {{0}};
    int64_t *padded[DA_MAX_NDIM];
    for (int d = 0; d < ndim; d++) {
        padded[d] = malloc(sizeof(int64_t) * (size_t)G[d]);
        if (!padded[d]) ga_fail(call, "out of memory");
        for (int c = 0; c < G[d]; c++) padded[d][c] = c < grid[d] ? starts[d][c] : g->dims[d];
        spec[d] = DA_DIM_IRREGULAR(G[d], padded[d]);
    }
    da_dist_t *dist = NULL;
    ga_check(da_dist_create(ndim, g->dims, spec, G, nproc, &dist), call);
    for (int d = 0; d < ndim; d++) free(padded[d]);

    MPI_Comm comm = g->gcomm;
    if (to_da) MPI_Comm_split(g->gcomm, 0, to_da[g->grank], &comm);
    int rc = da_array_create_uninit(comm, g->da_type, dist, &g->a);
    if (to_da) MPI_Comm_free(&comm);
    da_dist_destroy(&dist);
    ga_check(rc, call);
    for (int d = 0; d < ndim; d++) g->ga_grid[d] = grid[d];
    g->ga_nprocs = (int)P;
    g->to_da = to_da;
    g->to_ga = to_ga;
}

static void place_block_cyclic(ga_arr_t *g, const char *call)
{
    int ndim = g->ndim, nproc = g->gnproc;
    da_dim_spec_t spec[DA_MAX_NDIM];
    int grid[DA_MAX_NDIM], *gp = NULL;
    for (int d = 0; d < ndim; d++) spec[d] = DA_DIM_BLOCK_CYCLIC(g->bc_dims[d]);
    if (g->dist == GA_DIST_BC_GRID) {
        gp = g->bc_grid;
    } else {
        /* GA deals the blocks, numbered row-major (in C order), round-robin
           over the processes. That is a Cartesian block-cyclic layout when
           there is one dimension or the last dimension's block count is a
           multiple of the process count; otherwise darray chooses the grid
           (same data, different owners; see docs/ga-migration.md). */
        int64_t nb_last = (g->dims[ndim - 1] + g->bc_dims[ndim - 1] - 1) / g->bc_dims[ndim - 1];
        if (ndim == 1 || nb_last % nproc == 0) {
            for (int d = 0; d < ndim; d++) grid[d] = 1;
            grid[ndim - 1] = nproc;
            gp = grid;
        }
    }
    da_dist_t *dist = NULL;
    ga_check(da_dist_create(ndim, g->dims, spec, gp, nproc, &dist), call);
    int rc = da_array_create_uninit(g->gcomm, g->da_type, dist, &g->a);
    if (!rc) rc = da_dist_grid(dist, g->ga_grid);
    da_dist_destroy(&dist);
    ga_check(rc, call);
    g->ga_nprocs = nproc;
}

static void allocate(ga_arr_t *g, const char *call)
{
    if (g->ndim < 1) ga_fail(call, "array handle %d has no shape (GA_Set_data)", g->handle);
    if (g->dist == GA_DIST_BLOCK_CYCLIC || g->dist == GA_DIST_BC_GRID) {
        place_block_cyclic(g, call);
    } else if (g->dist == GA_DIST_IRREG) {
        int64_t *starts[DA_MAX_NDIM];
        int64_t off = 0;
        for (int d = 0; d < g->ndim; d++) {
            starts[d] = g->irreg_map + off;
            off += g->irreg_block[d];
        }
        place(g, g->irreg_block, NULL, starts, call);
    } else {
        int grid[DA_MAX_NDIM], full[DA_MAX_NDIM];
        int64_t *starts[DA_MAX_NDIM];
        if (ga_regular_layout(g->ndim, g->dims, g->have_chunk ? g->chunk : NULL, g->gnproc, grid, full,
                              starts))
            ga_fail(call, "out of memory");
        place(g, grid, full, starts, call);
        for (int d = 0; d < g->ndim; d++) free(starts[d]);
    }
    g->state = GA_ARR_ALLOCATED;
}

static ga_arr_t *handle_only(int g_a, const char *call)
{
    ga_require_init(call);
    ga_arr_t *g = ga_arr_find(g_a);
    if (!g) ga_fail(call, "invalid array handle %d", g_a);
    if (g->state == GA_ARR_ALLOCATED) ga_fail(call, "array handle %d is already allocated", g_a);
    return g;
}

static void set_data(ga_arr_t *g, int ndim, const int64_t *dims, int type, const char *call)
{
    if (ndim < 1 || ndim > GA_MAX_DIM) ga_fail(call, "ndim = %d outside 1..%d", ndim, GA_MAX_DIM);
    if (!dims) ga_fail(call, "dims is NULL");
    for (int d = 0; d < ndim; d++)
        if (dims[d] < 1) ga_fail(call, "dims[%d] = %lld, must be >= 1", d, (long long)dims[d]);
    if (!ga_type_to_da(type, &g->type, &g->da_type, &g->esize)) ga_fail(call, "unknown or unsupported type %d", type);
    g->ndim = ndim;
    memcpy(g->dims, dims, sizeof *dims * (size_t)ndim);
}

static void set_name(ga_arr_t *g, const char *name)
{
    free(g->name);
    g->name = strdup(name ? name : "");
}

/* ---- GA calls ---------------------------------------------------------------- */

GA_DAPI int GA_Create_handle(void)
{
    ga_require_init("GA_Create_handle");
    return ga_arr_new()->handle;
}

GA_DAPI void GA_Set_data64(int g_a, int ndim, int64_t dims[], int type)
{
    set_data(handle_only(g_a, "GA_Set_data"), ndim, dims, type, "GA_Set_data");
}

GA_DAPI void GA_Set_data(int g_a, int ndim, int dims[], int type)
{
    int64_t d64[DA_MAX_NDIM];
    if (ndim < 1 || ndim > GA_MAX_DIM || !dims) ga_fail("GA_Set_data", "ndim = %d outside 1..%d or dims NULL", ndim, GA_MAX_DIM);
    for (int d = 0; d < ndim; d++) d64[d] = dims[d];
    GA_Set_data64(g_a, ndim, d64, type);
}

GA_DAPI void GA_Set_array_name(int g_a, char *name)
{
    set_name(handle_only(g_a, "GA_Set_array_name"), name);
}

GA_DAPI void GA_Set_chunk64(int g_a, int64_t chunk[])
{
    ga_arr_t *g = handle_only(g_a, "GA_Set_chunk");
    if (g->ndim < 1) ga_fail("GA_Set_chunk", "set the dimensions (GA_Set_data) before the chunk");
    if (!chunk) return;
    g->have_chunk = 1;
    memcpy(g->chunk, chunk, sizeof *chunk * (size_t)g->ndim);
}

GA_DAPI void GA_Set_chunk(int g_a, int chunk[])
{
    ga_arr_t *g = handle_only(g_a, "GA_Set_chunk");
    if (!chunk) return;
    int64_t c64[DA_MAX_NDIM];
    for (int d = 0; d < g->ndim; d++) c64[d] = chunk[d];
    GA_Set_chunk64(g_a, c64);
}

GA_DAPI void GA_Set_irreg_distr64(int g_a, int64_t map[], int64_t block[])
{
    const char *call = "GA_Set_irreg_distr";
    ga_arr_t *g = handle_only(g_a, call);
    if (g->ndim < 1) ga_fail(call, "set the dimensions (GA_Set_data) before the distribution");
    if (!map || !block) ga_fail(call, "map or block is NULL");
    int64_t total = 0;
    for (int d = 0; d < g->ndim; d++) {
        if (block[d] < 1 || block[d] > g->dims[d])
            ga_fail(call, "block[%d] = %lld outside 1..%lld", d, (long long)block[d], (long long)g->dims[d]);
        total += block[d];
    }
    int64_t *m = malloc(sizeof *m * (size_t)total);
    if (!m) ga_fail(call, "out of memory");
    int64_t off = 0;
    for (int d = 0; d < g->ndim; d++) {
        for (int64_t c = 0; c < block[d]; c++) {
            int64_t v = map[off + c];
            if ((c == 0 && v != 0) || v < 0 || v >= g->dims[d] || (c > 0 && v <= map[off + c - 1]))
                ga_fail(call, "map for dimension %d: entry %lld = %lld (must start at 0, increase, stay below %lld)",
                        d, (long long)c, (long long)v, (long long)g->dims[d]);
            m[off + c] = v;
        }
        g->irreg_block[d] = (int)block[d];
        off += block[d];
    }
    free(g->irreg_map);
    g->irreg_map = m;
    g->dist = GA_DIST_IRREG;
}

GA_DAPI void GA_Set_irreg_distr(int g_a, int map[], int block[])
{
    ga_arr_t *g = handle_only(g_a, "GA_Set_irreg_distr");
    if (!map || !block || g->ndim < 1) ga_fail("GA_Set_irreg_distr", "map or block is NULL, or no shape set");
    int64_t b64[DA_MAX_NDIM], total = 0;
    for (int d = 0; d < g->ndim; d++) {
        b64[d] = block[d];
        total += block[d] > 0 ? block[d] : 0;
    }
    int64_t *m64 = malloc(sizeof *m64 * (size_t)(total + 1));
    if (!m64) ga_fail("GA_Set_irreg_distr", "out of memory");
    for (int64_t i = 0; i < total; i++) m64[i] = map[i];
    GA_Set_irreg_distr64(g_a, m64, b64);
    free(m64);
}

GA_DAPI void GA_Set_block_cyclic(int g_a, int dims[])
{
    const char *call = "GA_Set_block_cyclic";
    ga_arr_t *g = handle_only(g_a, call);
    if (g->ndim < 1 || !dims) ga_fail(call, "no shape set (GA_Set_data) or dims NULL");
    for (int d = 0; d < g->ndim; d++) {
        if (dims[d] < 1) ga_fail(call, "block size dims[%d] = %d, must be >= 1", d, dims[d]);
        g->bc_dims[d] = dims[d];
    }
    g->dist = GA_DIST_BLOCK_CYCLIC;
}

GA_DAPI void GA_Set_block_cyclic_proc_grid(int g_a, int dims[], int proc_grid[])
{
    const char *call = "GA_Set_block_cyclic_proc_grid";
    ga_arr_t *g = handle_only(g_a, call);
    if (g->ndim < 1 || !dims || !proc_grid) ga_fail(call, "no shape set (GA_Set_data), or dims/proc_grid NULL");
    int64_t prod = 1;
    for (int d = 0; d < g->ndim; d++) {
        if (dims[d] < 1) ga_fail(call, "block size dims[%d] = %d, must be >= 1", d, dims[d]);
        if (proc_grid[d] < 1) ga_fail(call, "proc_grid[%d] = %d, must be >= 1", d, proc_grid[d]);
        g->bc_dims[d] = dims[d];
        g->bc_grid[d] = proc_grid[d];
        prod *= proc_grid[d];
    }
    if (prod != g->gnproc)
        ga_fail(call, "process grid has %lld processes, not %d", (long long)prod, g->gnproc);
    g->dist = GA_DIST_BC_GRID;
}

GA_DAPI int GA_Allocate(int g_a)
{
    allocate(handle_only(g_a, "GA_Allocate"), "GA_Allocate");
    return 1;
}

GA_DAPI int NGA_Create64(int type, int ndim, int64_t dims[], char *array_name, int64_t chunk[])
{
    const char *call = "NGA_Create";
    ga_require_init(call);
    ga_arr_t *g = ga_arr_new();
    set_data(g, ndim, dims, type, call);
    set_name(g, array_name);
    if (chunk) {
        g->have_chunk = 1;
        memcpy(g->chunk, chunk, sizeof *chunk * (size_t)ndim);
    }
    allocate(g, call);
    return g->handle;
}

GA_DAPI int NGA_Create(int type, int ndim, int dims[], char *array_name, int chunk[])
{
    int64_t d64[DA_MAX_NDIM], c64[DA_MAX_NDIM];
    if (ndim < 1 || ndim > GA_MAX_DIM || !dims) ga_fail("NGA_Create", "ndim = %d outside 1..%d or dims NULL", ndim, GA_MAX_DIM);
    for (int d = 0; d < ndim; d++) {
        d64[d] = dims[d];
        c64[d] = chunk ? chunk[d] : 0;
    }
    return NGA_Create64(type, ndim, d64, array_name, chunk ? c64 : NULL);
}

GA_DAPI int NGA_Create_irreg64(int type, int ndim, int64_t dims[], char *array_name, int64_t block[],
                               int64_t map[])
{
    const char *call = "NGA_Create_irreg";
    ga_require_init(call);
    ga_arr_t *g = ga_arr_new();
    set_data(g, ndim, dims, type, call);
    set_name(g, array_name);
    GA_Set_irreg_distr64(g->handle, map, block);
    allocate(g, call);
    return g->handle;
}

GA_DAPI int NGA_Create_irreg(int type, int ndim, int dims[], char *array_name, int block[], int map[])
{
    const char *call = "NGA_Create_irreg";
    ga_require_init(call);
    if (ndim < 1 || ndim > GA_MAX_DIM || !dims) ga_fail(call, "ndim = %d outside 1..%d or dims NULL", ndim, GA_MAX_DIM);
    ga_arr_t *g = ga_arr_new();
    int64_t d64[DA_MAX_NDIM];
    for (int d = 0; d < ndim; d++) d64[d] = dims[d];
    set_data(g, ndim, d64, type, call);
    set_name(g, array_name);
    GA_Set_irreg_distr(g->handle, map, block);
    allocate(g, call);
    return g->handle;
}

GA_DAPI int GA_Duplicate(int g_a, char *array_name)
{
    const char *call = "GA_Duplicate";
    ga_arr_t *src = ga_arr_get(g_a, call);
    ga_arr_t *g = ga_arr_new();
    int h = g->handle;
    *g = *src;
    g->handle = h;
    g->name = NULL;
    g->irreg_map = NULL;
    g->a = NULL;
    g->to_da = g->to_ga = NULL;
    set_name(g, array_name);
    if (src->to_da) {
        size_t sz = sizeof(int) * (size_t)g->gnproc;
        g->to_da = malloc(sz);
        g->to_ga = malloc(sz);
        if (!g->to_da || !g->to_ga) ga_fail(call, "out of memory");
        memcpy(g->to_da, src->to_da, sz);
        memcpy(g->to_ga, src->to_ga, sz);
    }
    ga_check(da_array_dup(src->a, &g->a), call);
    return g->handle;
}

GA_DAPI void GA_Destroy(int g_a)
{
    ga_require_init("GA_Destroy");
    ga_arr_t *g = ga_arr_find(g_a);
    if (!g) ga_fail("GA_Destroy", "invalid array handle %d (never created or already destroyed)", g_a);
    if (g->a) ga_check(da_array_destroy(&g->a), "GA_Destroy");
    ga_arr_free(g);
}

GA_DAPI int GA_Valid_handle(int g_a)
{
    ga_arr_t *g = ga_state.initialized ? ga_arr_find(g_a) : NULL;
    return g != NULL;
}

GA_DAPI void NGA_Inquire64(int g_a, int *type, int *ndim, int64_t dims[])
{
    ga_arr_t *g = ga_arr_get(g_a, "NGA_Inquire");
    if (type) *type = g->type;
    if (ndim) *ndim = g->ndim;
    if (dims) memcpy(dims, g->dims, sizeof *dims * (size_t)g->ndim);
}

GA_DAPI void NGA_Inquire(int g_a, int *type, int *ndim, int dims[])
{
    ga_arr_t *g = ga_arr_get(g_a, "NGA_Inquire");
    if (type) *type = g->type;
    if (ndim) *ndim = g->ndim;
    if (dims)
        for (int d = 0; d < g->ndim; d++) dims[d] = (int)g->dims[d];
}

GA_DAPI char *GA_Inquire_name(int g_a)
{
    return ga_arr_get(g_a, "GA_Inquire_name")->name;
}

GA_DAPI int GA_Ndim(int g_a)
{
    return ga_arr_get(g_a, "GA_Ndim")->ndim;
}
