/* Multi-dimensional maps: every pair of kinds in 2-D, random kinds in 3-D,
   random 4..8-D maps with small extents and a fixed 8-D map with every kind.
   Grids are given, partly given or chosen. Each map is checked against the
   reference, then random box decompositions (empty, single-element, whole,
   strided with steps beyond the extent). */
#include "reference.h"

#include <stdlib.h>

static int64_t nmaps, nboxes;

/* A random input of this kind over an extent n; nparts fixed for the kinds
   that force their grid extent, p_hint the extent to give for the others. */
typedef struct {
    ref_dim_input_t in;
    int p_hint;
    int64_t *starts;
    int64_t **lists;
    int64_t *counts;
} dim_case_t;

static void make_dim(rng_t *g, dim_case_t *dc, da_dist_kind_t kind, int64_t n, int maxp)
{
    int p = (int)rng_range(g, 1, maxp);
    *dc = (dim_case_t){.in = {.kind = kind}, .p_hint = p};
    switch (kind) {
    case DA_DIST_BLOCK_CYCLIC:
        dc->in.b = rng_range(g, 0, 5) ? rng_range(g, 1, 5) : n + rng_range(g, 0, 3);
        break;
    case DA_DIST_IRREGULAR:
        dc->starts = ref_random_starts(g, n, p);
        dc->in.nparts = p;
        dc->in.starts = dc->starts;
        break;
    case DA_DIST_UNSTRUCTURED:
        dc->lists = ref_random_lists(g, n, p, &dc->counts);
        dc->in.nparts = p;
        dc->in.lists = (const int64_t *const *)dc->lists;
        dc->in.lcounts = dc->counts;
        break;
    case DA_DIST_NONE:
        dc->p_hint = 1;
        break;
    default:
        break;
    }
}

static void free_dim_case(dim_case_t *dc)
{
    free(dc->starts);
    if (dc->lists) ref_free_lists(dc->lists, dc->in.nparts, dc->counts);
}

/* Build, check and decompose one map. grid_mode 0: NULL, 1: all given,
   2: some given, some 0. */
static void one_map(rng_t *g, int ndim, const int64_t *shape, dim_case_t *dc, int grid_mode, int nbox)
{
    ref_dim_input_t in[DA_MAX_NDIM];
    int given[DA_MAX_NDIM], nranks = 1;
    for (int i = 0; i < ndim; i++) {
        in[i] = dc[i].in;
        nranks *= dc[i].p_hint;
        given[i] = grid_mode == 1 || (grid_mode == 2 && rng_range(g, 0, 1)) ? dc[i].p_hint : 0;
    }
    ref_map_t r;
    da_dist_t *d = make_checked(&r, ndim, shape, in, grid_mode ? given : NULL, nranks);
    check_map(d, &r);
    int64_t lo[DA_MAX_NDIM], hi[DA_MAX_NDIM], step[DA_MAX_NDIM];
    for (int i = 0; i < ndim; i++) {
        lo[i] = 0;
        hi[i] = shape[i];
    }
    check_decomp(d, &r, lo, hi, NULL); /* whole array */
    nboxes++;
    for (int k = 0; k < nbox; k++) {
        random_box(g, &r, lo, hi, step);
        check_decomp(d, &r, lo, hi, step);
        nboxes++;
    }
    EXPECT_RC(da_dist_destroy(&d), DA_SUCCESS);
    ref_map_free(&r);
    nmaps++;
}

static da_dist_kind_t random_kind(rng_t *g)
{
    return (da_dist_kind_t)rng_range(g, DA_DIST_BLOCK, DA_DIST_UNSTRUCTURED);
}

Test(dist_nd, two_d_every_kind_pair)
{
    rng_t g = {21};
    for (int k0 = DA_DIST_BLOCK; k0 <= DA_DIST_UNSTRUCTURED; k0++)
        for (int k1 = DA_DIST_BLOCK; k1 <= DA_DIST_UNSTRUCTURED; k1++)
            for (int rep = 0; rep < 20; rep++) {
                int64_t shape[2] = {rng_range(&g, 1, 13), rng_range(&g, 1, 13)};
                dim_case_t dc[2];
                make_dim(&g, &dc[0], (da_dist_kind_t)k0, shape[0], 4);
                make_dim(&g, &dc[1], (da_dist_kind_t)k1, shape[1], 4);
                one_map(&g, 2, shape, dc, rep % 3, 12);
                free_dim_case(&dc[0]);
                free_dim_case(&dc[1]);
            }
    cr_log_info("2-D: %lld maps, %lld boxes", (long long)nmaps, (long long)nboxes);
}

Test(dist_nd, three_d_random_kinds)
{
    rng_t g = {31};
    for (int rep = 0; rep < 1000; rep++) {
        int64_t shape[3];
        dim_case_t dc[3];
        for (int i = 0; i < 3; i++) {
            shape[i] = rng_range(&g, 1, 8);
            make_dim(&g, &dc[i], random_kind(&g), shape[i], 3);
        }
        one_map(&g, 3, shape, dc, rep % 3, 10);
        for (int i = 0; i < 3; i++) free_dim_case(&dc[i]);
    }
    cr_log_info("3-D: %lld maps, %lld boxes", (long long)nmaps, (long long)nboxes);
}

Test(dist_nd, four_to_eight_d_random)
{
    rng_t g = {41};
    for (int rep = 0; rep < 400; rep++) {
        int ndim = 4 + rep % 5;
        int64_t shape[DA_MAX_NDIM];
        dim_case_t dc[DA_MAX_NDIM];
        for (int i = 0; i < ndim; i++) {
            shape[i] = rng_range(&g, 1, 3);
            make_dim(&g, &dc[i], random_kind(&g), shape[i], 2);
        }
        one_map(&g, ndim, shape, dc, rep % 3, 6);
        for (int i = 0; i < ndim; i++) free_dim_case(&dc[i]);
    }
    cr_log_info("4..8-D: %lld maps, %lld boxes", (long long)nmaps, (long long)nboxes);
}

/* Eight dimensions, every kind, 96 ranks; given grid and chosen grid. */
Test(dist_nd, eight_d_every_kind)
{
    rng_t g = {81};
    int64_t shape[8] = {5, 4, 3, 7, 4, 2, 3, 3};
    int64_t starts[2] = {0, 1};
    int64_t l0[] = {2, 0}, l1[] = {1}, counts[2] = {2, 1};
    const int64_t *lists[2] = {l0, l1};
    dim_case_t dc[8] = {
        {.in = {.kind = DA_DIST_BLOCK}, .p_hint = 2},
        {.in = {.kind = DA_DIST_BLOCK_GA}, .p_hint = 3},
        {.in = {.kind = DA_DIST_CYCLIC}, .p_hint = 2},
        {.in = {.kind = DA_DIST_BLOCK_CYCLIC, .b = 2}, .p_hint = 2},
        {.in = {.kind = DA_DIST_IRREGULAR, .nparts = 2, .starts = starts}, .p_hint = 2},
        {.in = {.kind = DA_DIST_NONE}, .p_hint = 1},
        {.in = {.kind = DA_DIST_UNSTRUCTURED, .nparts = 2, .lists = lists, .lcounts = counts}, .p_hint = 2},
        {.in = {.kind = DA_DIST_BLOCK_CYCLIC, .b = 5}, .p_hint = 1},
    };
    for (int mode = 0; mode < 3; mode++) one_map(&g, 8, shape, dc, mode, 40);
    cr_log_info("8-D: %lld maps, %lld boxes", (long long)nmaps, (long long)nboxes);
}
