/* One-dimensional maps, exhaustively: every kind, extents 1..50, grids 1..7,
   block sizes 1..9 and larger than the extent, irregular starts with empty
   parts, random unstructured partitions (fixed seeds). Each map is checked
   against the reference, then its box decompositions: all boxes for small
   extents, special and random boxes for the others. */
#include "reference.h"

#include <stdlib.h>

#define MAX_N 50
#define MAX_P 7
#define ALL_BOXES_UPTO 14 /* every (lo, hi, step) for extents up to this */

static int64_t nmaps, nboxes;

static void boxes_1d(const da_dist_t *d, const ref_map_t *r, rng_t *g)
{
    int64_t n = r->shape[0];
    if (n <= ALL_BOXES_UPTO) {
        for (int64_t lo = 0; lo <= n; lo++)
            for (int64_t hi = lo; hi <= n; hi++)
                for (int64_t s = 1; s <= n + 1; s++) {
                    check_decomp(d, r, &lo, &hi, &s);
                    nboxes++;
                }
        return;
    }
    /* whole, empty at both ends, single elements, steps of and beyond the extent */
    int64_t special[][3] = {{0, n, 1},     {0, 0, 1},         {n, n, 1},     {0, 1, 1},     {n - 1, n, 1},
                            {0, n, n},     {0, n, n + 7},     {3, n, n - 4}, {0, n, 2},     {1, n, 3},
                            {n / 2, n / 2 + 1, 5}, {n / 3, n - 1, 4}, {5, 5, 3},     {0, n, n - 1}, {2, n - 3, 7}};
    for (size_t k = 0; k < sizeof special / sizeof special[0]; k++) {
        check_decomp(d, r, &special[k][0], &special[k][1], &special[k][2]);
        nboxes++;
    }
    check_decomp(d, r, &special[0][0], &special[0][1], NULL); /* NULL step: all 1 */
    nboxes++;
    for (int k = 0; k < 40; k++) {
        int64_t lo, hi, s;
        random_box(g, r, &lo, &hi, &s);
        check_decomp(d, r, &lo, &hi, &s);
        nboxes++;
    }
}

static void one_map(const ref_dim_input_t *in, int64_t n, int p, rng_t *g)
{
    /* the grid: chosen (NULL), "choose" (0), or given */
    int given[1] = {(n + p) % 2 ? 0 : p};
    ref_map_t r;
    da_dist_t *d = make_checked(&r, 1, &n, in, (n + p) % 3 ? given : NULL, p);
    EXPECT(r.grid[0] == p, "%s: 1-D grid over %d ranks is %d", r.ctx, p, r.grid[0]);
    check_map(d, &r);
    boxes_1d(d, &r, g);
    EXPECT_RC(da_dist_destroy(&d), DA_SUCCESS);
    ref_map_free(&r);
    nmaps++;
}

static void report(const char *what)
{
    cr_log_info("%s: %lld maps, %lld boxes decomposed", what, (long long)nmaps, (long long)nboxes);
}

Test(dist_1d, block)
{
    rng_t g = {1};
    for (int64_t n = 1; n <= MAX_N; n++)
        for (int p = 1; p <= MAX_P; p++) one_map(&(ref_dim_input_t){.kind = DA_DIST_BLOCK}, n, p, &g);
    report("block");
}

Test(dist_1d, block_ga)
{
    rng_t g = {2};
    for (int64_t n = 1; n <= MAX_N; n++)
        for (int p = 1; p <= MAX_P; p++) one_map(&(ref_dim_input_t){.kind = DA_DIST_BLOCK_GA}, n, p, &g);
    report("block_ga");
}

Test(dist_1d, cyclic)
{
    rng_t g = {3};
    for (int64_t n = 1; n <= MAX_N; n++)
        for (int p = 1; p <= MAX_P; p++) one_map(&(ref_dim_input_t){.kind = DA_DIST_CYCLIC}, n, p, &g);
    report("cyclic");
}

Test(dist_1d, block_cyclic)
{
    rng_t g = {4};
    for (int64_t n = 1; n <= MAX_N; n++)
        for (int p = 1; p <= MAX_P; p++) {
            int64_t bs[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, n + 1, 1000};
            for (size_t k = 0; k < sizeof bs / sizeof bs[0]; k++)
                one_map(&(ref_dim_input_t){.kind = DA_DIST_BLOCK_CYCLIC, .b = bs[k]}, n, p, &g);
        }
    report("block_cyclic");
}

Test(dist_1d, irregular)
{
    rng_t g = {5};
    for (int64_t n = 1; n <= MAX_N; n++)
        for (int p = 1; p <= MAX_P; p++)
            for (int v = 0; v < 5; v++) {
                int64_t *s;
                if (v < 3) {
                    s = ref_random_starts(&g, n, p);
                } else {
                    s = calloc((size_t)p, sizeof *s);
                    /* v 3: all starts 0 (everything on the last part);
                       v 4: starts 0, n, n, ... (everything on part 0) */
                    for (int c = 1; c < p; c++) s[c] = v == 3 ? 0 : n;
                }
                one_map(&(ref_dim_input_t){.kind = DA_DIST_IRREGULAR, .nparts = p, .starts = s}, n, p, &g);
                free(s);
            }
    report("irregular");
}

Test(dist_1d, none)
{
    rng_t g = {6};
    for (int64_t n = 1; n <= MAX_N; n++) one_map(&(ref_dim_input_t){.kind = DA_DIST_NONE}, n, 1, &g);
    report("none");
}

Test(dist_1d, unstructured)
{
    rng_t g = {7};
    for (int64_t n = 1; n <= MAX_N; n++)
        for (int p = 1; p <= MAX_P; p++)
            for (int v = 0; v < 4; v++) {
                int64_t *counts;
                int64_t **lists = ref_random_lists(&g, n, p, &counts);
                one_map(&(ref_dim_input_t){.kind = DA_DIST_UNSTRUCTURED, .nparts = p,
                                           .lists = (const int64_t *const *)lists, .lcounts = counts},
                        n, p, &g);
                ref_free_lists(lists, p, counts);
            }
    report("unstructured");
}

/* Extent 0 (and negative) is rejected for every kind. */
Test(dist_1d, extent_zero)
{
    int64_t starts[1] = {0}, counts[1] = {0};
    const int64_t *lists[1] = {starts};
    da_dim_spec_t specs[] = {DA_DIM_BLOCK, DA_DIM_BLOCK_GA, DA_DIM_CYCLIC, DA_DIM_BLOCK_CYCLIC(3),
                             DA_DIM_IRREGULAR(1, starts), DA_DIM_NONE, DA_DIM_UNSTRUCTURED(1, lists, counts)};
    for (size_t k = 0; k < sizeof specs / sizeof specs[0]; k++)
        for (int64_t n = 0; n >= -2; n--) {
            da_dist_t *d = (da_dist_t *)&specs[0]; /* must be reset to NULL */
            EXPECT_RC(da_dist_create(1, &n, &specs[k], NULL, 1, &d), DA_ERR_SHAPE);
            EXPECT(d == NULL, "failed create left *out = %p", (void *)d);
        }
}

/* The reference itself against the closed forms of the definitions. */
Test(reference, closed_forms)
{
    for (int64_t n = 1; n <= MAX_N; n++)
        for (int p = 1; p <= MAX_P; p++) {
            ref_dim_t r;
            ref_dim_build(&r, &(ref_dim_input_t){.kind = DA_DIST_BLOCK}, n, p);
            for (int c = 0; c < p; c++)
                EXPECT(r.count[c] == n / p + (c < n % p), "reference block n=%lld p=%d", (long long)n, p);
            ref_dim_free(&r);
            for (int64_t b = 1; b <= 10; b++) {
                ref_dim_build(&r, &(ref_dim_input_t){.kind = DA_DIST_BLOCK_CYCLIC, .b = b}, n, p);
                for (int64_t i = 0; i < n; i++)
                    EXPECT(r.owner[i] == (i / b) % p && r.local[i] == ((i / b) / p) * b + i % b,
                           "reference block-cyclic n=%lld p=%d b=%lld i=%lld", (long long)n, p, (long long)b,
                           (long long)i);
                ref_dim_free(&r);
            }
            ref_dim_build(&r, &(ref_dim_input_t){.kind = DA_DIST_CYCLIC}, n, p);
            for (int64_t i = 0; i < n; i++)
                EXPECT(r.owner[i] == i % p && r.local[i] == i / p, "reference cyclic");
            ref_dim_free(&r);
        }
}
