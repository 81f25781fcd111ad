/* The process grid chosen by da_dist_create: the product is nranks, kinds
   force their extents (NONE 1, IRREGULAR / UNSTRUCTURED nparts), given
   extents are kept, free extents go where local blocks stay squarest. */
#include "reference.h"

#include <stdlib.h>

static da_dist_kind_t free_kind(rng_t *g)
{
    static const da_dist_kind_t k[] = {DA_DIST_BLOCK, DA_DIST_BLOCK_GA, DA_DIST_CYCLIC, DA_DIST_BLOCK_CYCLIC};
    return k[rng_range(g, 0, 3)];
}

/* Create, read the grid back, check it; no reference tables (shapes are big). */
static void grid_case(int ndim, const int64_t *shape, const ref_dim_input_t *in, const int *given, int nranks,
                      int *grid_out)
{
    da_dim_spec_t spec[DA_MAX_NDIM];
    for (int i = 0; i < ndim; i++) spec[i] = ref_input_spec(&in[i]);
    da_dist_t *d = NULL;
    int rc = da_dist_create(ndim, shape, spec, given, nranks, &d);
    EXPECT(rc == DA_SUCCESS, "create ndim %d nranks %d failed: %d %s", ndim, nranks, rc, da_last_error());
    int grid[DA_MAX_NDIM];
    EXPECT_RC(da_dist_grid(d, grid), DA_SUCCESS);
    check_grid(grid, ndim, in, given, nranks, "grid");
    if (grid_out)
        for (int i = 0; i < ndim; i++) grid_out[i] = grid[i];
    EXPECT_RC(da_dist_destroy(&d), DA_SUCCESS);
}

Test(grid, chosen_product_is_nranks)
{
    rng_t g = {101};
    int ncases = 0;
    for (int nranks = 1; nranks <= 64; nranks++)
        for (int ndim = 1; ndim <= 4; ndim++)
            for (int rep = 0; rep < 3; rep++) {
                int64_t shape[4];
                ref_dim_input_t in[4];
                for (int i = 0; i < ndim; i++) {
                    shape[i] = rng_range(&g, 1, rep == 2 ? 3 : 1000); /* also extents below the grid */
                    in[i] = (ref_dim_input_t){.kind = free_kind(&g), .b = rng_range(&g, 1, 9)};
                }
                grid_case(ndim, shape, in, NULL, nranks, NULL);
                int zeros[4] = {0, 0, 0, 0};
                grid_case(ndim, shape, in, zeros, nranks, NULL);
                ncases += 2;
            }
    /* large prime and highly composite rank counts */
    int big[] = {1009, 1024, 720720, 65536 * 3, 999983};
    for (size_t k = 0; k < sizeof big / sizeof big[0]; k++) {
        int64_t shape[3] = {1000, 999, 5};
        ref_dim_input_t in[3] = {{.kind = DA_DIST_BLOCK}, {.kind = DA_DIST_CYCLIC}, {.kind = DA_DIST_BLOCK_GA}};
        grid_case(3, shape, in, NULL, big[k], NULL);
        ncases++;
    }
    cr_log_info("grid: %d chosen grids", ncases);
}

Test(grid, forced_and_given_extents)
{
    rng_t g = {102};
    int ncases = 0;
    for (int rep = 0; rep < 3000; rep++) {
        int ndim = (int)rng_range(&g, 1, 5);
        int64_t shape[5];
        ref_dim_input_t in[5];
        int64_t *starts[5] = {0}, **lists[5] = {0}, *counts[5] = {0};
        int given[5], nranks = 1, nfree = 0;
        for (int i = 0; i < ndim; i++) {
            shape[i] = rng_range(&g, 1, 40);
            int p = (int)rng_range(&g, 1, 4);
            switch (rng_range(&g, 0, 4)) {
            case 0:
                in[i] = (ref_dim_input_t){.kind = DA_DIST_NONE};
                p = 1;
                break;
            case 1:
                starts[i] = ref_random_starts(&g, shape[i], p);
                in[i] = (ref_dim_input_t){.kind = DA_DIST_IRREGULAR, .nparts = p, .starts = starts[i]};
                break;
            case 2:
                lists[i] = ref_random_lists(&g, shape[i], p, &counts[i]);
                in[i] = (ref_dim_input_t){.kind = DA_DIST_UNSTRUCTURED, .nparts = p,
                                          .lists = (const int64_t *const *)lists[i], .lcounts = counts[i]};
                break;
            default:
                in[i] = (ref_dim_input_t){.kind = free_kind(&g), .b = 3};
                nfree++;
            }
            nranks *= p;
            /* forced dims: given or 0; free dims: given (kept) or 0 (chosen) */
            given[i] = rng_range(&g, 0, 1) ? p : 0;
        }
        /* extra ranks only where a free dimension can take them */
        int free_given = 1;
        for (int i = 0; i < ndim; i++)
            if (in[i].kind <= DA_DIST_BLOCK_CYCLIC && given[i] == 0) free_given = 0;
        if (nfree > 0 && !free_given) nranks *= (int)rng_range(&g, 1, 6);
        grid_case(ndim, shape, in, rng_range(&g, 0, 3) ? given : NULL, nranks, NULL);
        ncases++;
        for (int i = 0; i < ndim; i++) {
            free(starts[i]);
            if (lists[i]) ref_free_lists(lists[i], in[i].nparts, counts[i]);
        }
    }
    cr_log_info("grid: %d grids with forced / given extents", ncases);
}

/* Squarest local blocks in the unambiguous cases. */
Test(grid, square_blocks)
{
    struct {
        int ndim;
        int64_t shape[3];
        int nranks;
        int want[3];
    } cases[] = {
        {2, {100, 100}, 4, {2, 2}},       {2, {1000, 10}, 4, {4, 1}},     {2, {10, 1000}, 4, {1, 4}},
        {3, {64, 64, 64}, 8, {2, 2, 2}},  {2, {100, 100}, 16, {4, 4}},    {1, {5}, 7, {7}},
        {2, {1, 1000}, 6, {1, 6}},        {3, {1000, 1, 1}, 12, {12, 1, 1}},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        ref_dim_input_t in[3] = {{.kind = DA_DIST_BLOCK}, {.kind = DA_DIST_BLOCK}, {.kind = DA_DIST_BLOCK}};
        int grid[3];
        grid_case(cases[k].ndim, cases[k].shape, in, NULL, cases[k].nranks, grid);
        for (int i = 0; i < cases[k].ndim; i++)
            EXPECT(grid[i] == cases[k].want[i], "case %zu: grid[%d] = %d, expected %d", k, i, grid[i],
                   cases[k].want[i]);
    }
    /* a given unsquare grid is kept */
    int64_t shape[2] = {1000, 10};
    ref_dim_input_t in[2] = {{.kind = DA_DIST_BLOCK}, {.kind = DA_DIST_BLOCK}};
    int given[2] = {1, 4}, grid[2];
    grid_case(2, shape, in, given, 4, grid);
    EXPECT(grid[0] == 1 && grid[1] == 4, "given grid 1x4 became %dx%d", grid[0], grid[1]);
    /* one given, the other chosen */
    int half[2] = {0, 2};
    grid_case(2, shape, in, half, 6, grid);
    EXPECT(grid[0] == 3 && grid[1] == 2, "grid {0, 2} over 6 became %dx%d", grid[0], grid[1]);
}
