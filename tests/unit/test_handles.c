/* Handle life cycle: da_dist_dup gives an identical, independent map; the
   map copies its inputs; da_dist_destroy NULLs the handle and a destroyed,
   foreign or NULL handle is refused by every call. */
#include "reference.h"

#include <stdlib.h>
#include <string.h>

/* One map of each kind plus mixed multi-dimensional ones. */
static void for_each_case(void (*fn)(int ndim, const int64_t *shape, const ref_dim_input_t *in, int nranks))
{
    rng_t g = {201};
    int64_t st[3] = {0, 0, 4}; /* part 0 empty */
    int64_t l0[] = {4, 1, 7}, l1[] = {0}, l2[] = {6, 2, 3, 5};
    const int64_t *lists[3] = {l0, l1, l2};
    int64_t counts[3] = {3, 1, 4};
    ref_dim_input_t kinds[] = {
        {.kind = DA_DIST_BLOCK},
        {.kind = DA_DIST_BLOCK_GA},
        {.kind = DA_DIST_CYCLIC},
        {.kind = DA_DIST_BLOCK_CYCLIC, .b = 3},
        {.kind = DA_DIST_BLOCK_CYCLIC, .b = 20}, /* longer than the extent */
        {.kind = DA_DIST_IRREGULAR, .nparts = 3, .starts = st},
        {.kind = DA_DIST_NONE},
        {.kind = DA_DIST_UNSTRUCTURED, .nparts = 3, .lists = lists, .lcounts = counts},
    };
    int nk = (int)(sizeof kinds / sizeof kinds[0]);
    for (int k = 0; k < nk; k++) {
        int64_t n = 8;
        int nranks = kinds[k].kind == DA_DIST_NONE ? 1 : 3;
        fn(1, &n, &kinds[k], nranks);
    }
    for (int rep = 0; rep < 40; rep++) {
        ref_dim_input_t in[3];
        int64_t shape[3] = {8, 8, 8};
        int nranks = 1;
        for (int i = 0; i < 3; i++) {
            in[i] = kinds[rng_range(&g, 0, nk - 1)];
            nranks *= in[i].kind == DA_DIST_NONE ? 1 : in[i].nparts ? in[i].nparts : (int)rng_range(&g, 1, 3);
        }
        fn(3, shape, in, nranks);
    }
}

static void dup_case(int ndim, const int64_t *shape, const ref_dim_input_t *in, int nranks)
{
    ref_map_t r;
    da_dist_t *d = make_checked(&r, ndim, shape, in, NULL, nranks);
    da_dist_t *copy = NULL;
    EXPECT_RC(da_dist_dup(d, &copy), DA_SUCCESS);
    EXPECT(copy != NULL && copy != d, "%s: dup gave %p for %p", r.ctx, (void *)copy, (void *)d);
    check_same_map(d, copy, &r);
    /* the copy outlives the original */
    EXPECT_RC(da_dist_destroy(&d), DA_SUCCESS);
    check_map(copy, &r);
    int64_t lo[DA_MAX_NDIM] = {0}, hi[DA_MAX_NDIM];
    for (int i = 0; i < ndim; i++) hi[i] = shape[i];
    check_decomp(copy, &r, lo, hi, NULL);
    /* a dup of a dup */
    da_dist_t *copy2 = NULL;
    EXPECT_RC(da_dist_dup(copy, &copy2), DA_SUCCESS);
    check_same_map(copy, copy2, &r);
    EXPECT_RC(da_dist_destroy(&copy), DA_SUCCESS);
    EXPECT_RC(da_dist_destroy(&copy2), DA_SUCCESS);
    ref_map_free(&r);
}

Test(handles, dup_is_identical)
{
    for_each_case(dup_case);
}

/* The map keeps its own copy of shape, dims, starts and lists. */
static void copy_case(int ndim, const int64_t *shape, const ref_dim_input_t *in, int nranks)
{
    int64_t sh[DA_MAX_NDIM] = {0};
    da_dim_spec_t spec[DA_MAX_NDIM] = {0};
    int64_t *starts[DA_MAX_NDIM] = {0}, **lists[DA_MAX_NDIM] = {0}, *counts[DA_MAX_NDIM] = {0};
    for (int i = 0; i < ndim; i++) {
        sh[i] = shape[i];
        spec[i] = ref_input_spec(&in[i]);
        if (in[i].kind == DA_DIST_IRREGULAR) {
            starts[i] = malloc(sizeof(int64_t) * (size_t)in[i].nparts);
            memcpy(starts[i], in[i].starts, sizeof(int64_t) * (size_t)in[i].nparts);
            spec[i].starts = starts[i];
        }
        if (in[i].kind == DA_DIST_UNSTRUCTURED) {
            counts[i] = malloc(sizeof(int64_t) * (size_t)in[i].nparts);
            lists[i] = malloc(sizeof(int64_t *) * (size_t)in[i].nparts);
            for (int c = 0; c < in[i].nparts; c++) {
                counts[i][c] = in[i].lcounts[c];
                lists[i][c] = malloc(sizeof(int64_t) * (size_t)(counts[i][c] + 1));
                memcpy(lists[i][c], in[i].lists[c], sizeof(int64_t) * (size_t)counts[i][c]);
            }
            spec[i].indices = (const int64_t *const *)lists[i];
            spec[i].counts = counts[i];
        }
    }
    da_dist_t *d = NULL;
    EXPECT_RC(da_dist_create(ndim, sh, spec, NULL, nranks, &d), DA_SUCCESS);
    /* scribble over every input */
    for (int i = 0; i < ndim; i++) {
        if (starts[i]) memset(starts[i], 0x5a, sizeof(int64_t) * (size_t)in[i].nparts);
        if (lists[i]) {
            for (int c = 0; c < in[i].nparts; c++) {
                memset(lists[i][c], 0x5a, sizeof(int64_t) * (size_t)(counts[i][c] + 1));
                free(lists[i][c]);
            }
            memset(counts[i], 0x5a, sizeof(int64_t) * (size_t)in[i].nparts);
        }
        free(starts[i]);
        free(lists[i]);
        free(counts[i]);
        sh[i] = -1;
    }
    memset(spec, 0x5a, sizeof spec);
    int grid[DA_MAX_NDIM];
    EXPECT_RC(da_dist_grid(d, grid), DA_SUCCESS);
    ref_map_t r;
    ref_map_build(&r, ndim, shape, in, grid);
    check_map(d, &r);
    EXPECT_RC(da_dist_destroy(&d), DA_SUCCESS);
    ref_map_free(&r);
}

Test(handles, create_copies_inputs)
{
    for_each_case(copy_case);
}

/* Every call on a handle that is not live. */
static void refused_by_all(const da_dist_t *h, int code)
{
    int i, grid[1], coords[1] = {0}, rank;
    int64_t s[1], g[1] = {0}, l[1] = {0}, lo[1] = {0}, hi[1] = {1};
    da_dist_kind_t kind;
    da_dist_t *out = (da_dist_t *)h;
    da_decomp_t *dec = (da_decomp_t *)h;
    EXPECT_RC(da_dist_ndim(h, &i), code);
    EXPECT_RC(da_dist_shape(h, s), code);
    EXPECT_RC(da_dist_nranks(h, &i), code);
    EXPECT_RC(da_dist_grid(h, grid), code);
    EXPECT_RC(da_dist_dim_kind(h, 0, &kind, s), code);
    EXPECT_RC(da_dist_rank_coords(h, 0, coords), code);
    EXPECT_RC(da_dist_coords_rank(h, coords, &rank), code);
    EXPECT_RC(da_dist_owner(h, g, &rank, coords, l), code);
    EXPECT_RC(da_dist_local_to_global(h, 0, l, g), code);
    EXPECT_RC(da_dist_local_shape(h, 0, s, g), code);
    EXPECT_RC(da_dist_local_box(h, 0, lo, hi), code);
    EXPECT_RC(da_dist_decompose_box(h, lo, hi, NULL, &dec), code);
    EXPECT(dec == NULL, "failed decompose left *out = %p", (void *)dec);
    EXPECT_RC(da_dist_dup(h, &out), code);
    EXPECT(out == NULL, "failed dup left *out = %p", (void *)out);
}

Test(handles, destroy_nulls_and_kills_handle)
{
    int64_t n = 10;
    da_dim_spec_t spec = DA_DIM_BLOCK;
    da_dist_t *d = NULL;
    EXPECT_RC(da_dist_create(1, &n, &spec, NULL, 2, &d), DA_SUCCESS);
    da_dist_t *kept = d;
    EXPECT_RC(da_dist_destroy(&d), DA_SUCCESS);
    EXPECT(d == NULL, "destroy left the handle %p", (void *)d);
    refused_by_all(kept, DA_ERR_HANDLE);
    EXPECT_RC(da_dist_destroy(&kept), DA_ERR_HANDLE); /* double destroy */
    EXPECT(kept != NULL, "refused destroy changed the handle");
}

Test(handles, foreign_and_null_handles)
{
    int64_t junk[64] = {1, 2, 3};
    refused_by_all((const da_dist_t *)junk, DA_ERR_HANDLE);
    refused_by_all(NULL, DA_ERR_NULL);
    EXPECT_RC(da_dist_destroy(NULL), DA_ERR_NULL);
    da_dist_t *none = NULL;
    EXPECT_RC(da_dist_destroy(&none), DA_ERR_NULL);
    da_dist_t *foreign = (da_dist_t *)junk;
    EXPECT_RC(da_dist_destroy(&foreign), DA_ERR_HANDLE);
}

/* Many maps alive at once, destroyed in a scrambled order. */
Test(handles, many_live_maps)
{
    enum { N = 500 };
    static da_dist_t *maps[N];
    int64_t shape[2] = {30, 20};
    da_dim_spec_t spec[2] = {DA_DIM_BLOCK, DA_DIM_CYCLIC};
    for (int k = 0; k < N; k++) EXPECT_RC(da_dist_create(2, shape, spec, NULL, 1 + k % 12, &maps[k]), DA_SUCCESS);
    for (int k = 0; k < N; k++) {
        int j = (k * 7) % N, nr;
        EXPECT_RC(da_dist_nranks(maps[j], &nr), DA_SUCCESS);
        EXPECT(nr == 1 + j % 12, "map %d has %d ranks", j, nr);
        da_dist_t *kept = maps[j];
        EXPECT_RC(da_dist_destroy(&maps[j]), DA_SUCCESS);
        EXPECT_RC(da_dist_ndim(kept, &nr), DA_ERR_HANDLE);
    }
}
