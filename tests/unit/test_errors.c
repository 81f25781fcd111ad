/* Bad input: each mistake gets its own error code, a non-empty
   da_last_error() message, and a failed create leaves *out NULL. Every code
   in error.h has a non-empty, distinct da_strerror sentence. */
#include "reference.h"

#include <string.h>

/* da_dist_create must fail with `code` and leave *out NULL. */
static void create_fails(int ndim, const int64_t *shape, const da_dim_spec_t *dims, const int *grid, int nranks,
                         int code, const char *what)
{
    da_dist_t *d = (da_dist_t *)&d; /* garbage that must be overwritten */
    int rc = da_dist_create(ndim, shape, dims, grid, nranks, &d);
    EXPECT(rc == code, "%s: da_dist_create returned %d (%s), expected %d (%s); last error: %s", what, rc,
           da_strerror(rc), code, da_strerror(code), da_last_error());
    EXPECT(da_last_error()[0] != '\0', "%s: empty da_last_error()", what);
    EXPECT(d == NULL, "%s: failed create left *out = %p", what, (void *)d);
}

static const da_dim_spec_t blocks[DA_MAX_NDIM + 1] = {DA_DIM_BLOCK, DA_DIM_BLOCK, DA_DIM_BLOCK, DA_DIM_BLOCK,
                                                      DA_DIM_BLOCK, DA_DIM_BLOCK, DA_DIM_BLOCK, DA_DIM_BLOCK,
                                                      DA_DIM_BLOCK};
static const int64_t shape9[DA_MAX_NDIM + 1] = {2, 2, 2, 2, 2, 2, 2, 2, 2};

Test(errors, ndim)
{
    create_fails(0, shape9, blocks, NULL, 1, DA_ERR_NDIM, "ndim 0");
    create_fails(DA_MAX_NDIM + 1, shape9, blocks, NULL, 1, DA_ERR_NDIM, "ndim 9");
    create_fails(-1, shape9, blocks, NULL, 1, DA_ERR_NDIM, "ndim -1");
    da_dist_t *d = NULL;
    EXPECT_RC(da_dist_create(DA_MAX_NDIM, shape9, blocks, NULL, 1, &d), DA_SUCCESS); /* 8 is fine */
    EXPECT_RC(da_dist_destroy(&d), DA_SUCCESS);
}

Test(errors, null_pointers)
{
    int64_t n = 4;
    create_fails(1, NULL, blocks, NULL, 1, DA_ERR_NULL, "NULL shape");
    create_fails(1, &n, NULL, NULL, 1, DA_ERR_NULL, "NULL dims");
    EXPECT_RC(da_dist_create(1, &n, blocks, NULL, 1, NULL), DA_ERR_NULL);
    int64_t counts[2] = {2, 2};
    da_dim_spec_t irr = DA_DIM_IRREGULAR(2, NULL);
    create_fails(1, &n, &irr, NULL, 2, DA_ERR_NULL, "irregular starts NULL");
    da_dim_spec_t un = DA_DIM_UNSTRUCTURED(2, NULL, counts);
    create_fails(1, &n, &un, NULL, 2, DA_ERR_NULL, "unstructured indices NULL");
    const int64_t l0[] = {0, 1};
    const int64_t *lists[2] = {l0, NULL};
    un = DA_DIM_UNSTRUCTURED(2, lists, NULL);
    create_fails(1, &n, &un, NULL, 2, DA_ERR_NULL, "unstructured counts NULL");
    un = DA_DIM_UNSTRUCTURED(2, lists, counts);
    create_fails(1, &n, &un, NULL, 2, DA_ERR_NULL, "unstructured list NULL with count 2");

    /* NULL outputs of the queries */
    da_dist_t *d = NULL;
    EXPECT_RC(da_dist_create(1, &n, blocks, NULL, 2, &d), DA_SUCCESS);
    int64_t g[1] = {0}, l[1] = {0}, lo[1] = {0}, hi[1] = {4};
    int rank, coords[1] = {0};
    EXPECT_RC(da_dist_ndim(d, NULL), DA_ERR_NULL);
    EXPECT_RC(da_dist_shape(d, NULL), DA_ERR_NULL);
    EXPECT_RC(da_dist_nranks(d, NULL), DA_ERR_NULL);
    EXPECT_RC(da_dist_grid(d, NULL), DA_ERR_NULL);
    EXPECT_RC(da_dist_dim_kind(d, 0, NULL, NULL), DA_ERR_NULL);
    EXPECT_RC(da_dist_rank_coords(d, 0, NULL), DA_ERR_NULL);
    EXPECT_RC(da_dist_coords_rank(d, NULL, &rank), DA_ERR_NULL);
    EXPECT_RC(da_dist_coords_rank(d, coords, NULL), DA_ERR_NULL);
    EXPECT_RC(da_dist_owner(d, NULL, &rank, NULL, NULL), DA_ERR_NULL);
    EXPECT_RC(da_dist_owner(d, g, NULL, NULL, NULL), DA_ERR_NULL);
    EXPECT_RC(da_dist_local_to_global(d, 0, NULL, g), DA_ERR_NULL);
    EXPECT_RC(da_dist_local_to_global(d, 0, l, NULL), DA_ERR_NULL);
    EXPECT_RC(da_dist_local_shape(d, 0, NULL, NULL), DA_ERR_NULL);
    EXPECT_RC(da_dist_local_box(d, 0, NULL, hi), DA_ERR_NULL);
    EXPECT_RC(da_dist_local_box(d, 0, lo, NULL), DA_ERR_NULL);
    da_decomp_t *dec = NULL;
    EXPECT_RC(da_dist_decompose_box(d, NULL, hi, NULL, &dec), DA_ERR_NULL);
    EXPECT_RC(da_dist_decompose_box(d, lo, NULL, NULL, &dec), DA_ERR_NULL);
    EXPECT_RC(da_dist_decompose_box(d, lo, hi, NULL, NULL), DA_ERR_NULL);
    EXPECT_RC(da_dist_dup(d, NULL), DA_ERR_NULL);
    EXPECT_RC(da_decomp_piece(NULL, 0, &(da_piece_t){0}), DA_ERR_NULL);
    EXPECT_RC(da_dist_decompose_box(d, lo, hi, NULL, &dec), DA_SUCCESS);
    EXPECT_RC(da_decomp_piece(dec, 0, NULL), DA_ERR_NULL);
    da_decomp_free(dec);
    da_decomp_free(NULL); /* harmless */
    EXPECT(da_decomp_npieces(NULL) == 0 && da_decomp_count(NULL) == 0, "NULL decomposition has pieces");
    EXPECT_RC(da_dist_destroy(&d), DA_SUCCESS);
}

Test(errors, shape)
{
    int64_t bad[][3] = {{0, 4, 4}, {4, 0, 4}, {4, 4, 0}, {-1, 4, 4}, {4, -5, 4}, {4, 4, INT64_MIN}};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) create_fails(3, bad[k], blocks, NULL, 1, DA_ERR_SHAPE, "shape");
    /* an element count beyond 64 bits */
    int64_t huge[8] = {1 << 20, 1 << 20, 1 << 20, 1 << 20, 2, 2, 2, 2};
    create_fails(8, huge, blocks, NULL, 1, DA_ERR_OVERFLOW, "2^96 elements");
}

Test(errors, grid)
{
    int64_t shape[2] = {10, 10};
    int g22[2] = {2, 2}, g40[2] = {4, 0}, g50[2] = {5, 0}, gneg[2] = {-1, 2}, g61[2] = {6, 1};
    create_fails(2, shape, blocks, g22, 6, DA_ERR_GRID, "grid 2x2 over 6");
    create_fails(2, shape, blocks, g22, 3, DA_ERR_GRID, "grid 2x2 over 3");
    create_fails(2, shape, blocks, g40, 6, DA_ERR_GRID, "grid 4x? over 6");
    create_fails(2, shape, blocks, g50, 6, DA_ERR_GRID, "grid 5x? over 6");
    create_fails(2, shape, blocks, g61, 5, DA_ERR_GRID, "grid 6x1 over 5");
    create_fails(2, shape, blocks, gneg, 2, DA_ERR_GRID, "negative grid extent");
    create_fails(2, shape, blocks, NULL, 0, DA_ERR_GRID, "0 ranks");
    create_fails(2, shape, blocks, NULL, -3, DA_ERR_GRID, "-3 ranks");

    /* a grid extent conflicting with the kind */
    int64_t n = 10, starts[3] = {0, 3, 6}, c3[3] = {4, 3, 3};
    int64_t a[] = {0, 1, 2, 3}, b[] = {4, 5, 6}, c[] = {7, 8, 9};
    const int64_t *lists[3] = {a, b, c};
    da_dim_spec_t none = DA_DIM_NONE, irr = DA_DIM_IRREGULAR(3, starts), un = DA_DIM_UNSTRUCTURED(3, lists, c3);
    int g2[1] = {2}, g3[1] = {3};
    create_fails(1, &n, &none, g2, 2, DA_ERR_GRID, "NONE with grid 2");
    create_fails(1, &n, &none, NULL, 2, DA_ERR_GRID, "NONE alone over 2 ranks");
    create_fails(1, &n, &irr, g2, 2, DA_ERR_GRID, "IRREGULAR of 3 parts with grid 2");
    create_fails(1, &n, &irr, NULL, 4, DA_ERR_GRID, "IRREGULAR of 3 parts over 4 ranks");
    create_fails(1, &n, &un, g2, 2, DA_ERR_GRID, "UNSTRUCTURED of 3 parts with grid 2");
    create_fails(1, &n, &un, NULL, 2, DA_ERR_GRID, "UNSTRUCTURED of 3 parts over 2 ranks");
    da_dim_spec_t irr0 = DA_DIM_IRREGULAR(0, starts), un0 = DA_DIM_UNSTRUCTURED(0, lists, c3);
    create_fails(1, &n, &irr0, NULL, 1, DA_ERR_GRID, "IRREGULAR of 0 parts");
    create_fails(1, &n, &un0, NULL, 1, DA_ERR_GRID, "UNSTRUCTURED of 0 parts");
    /* the matching extents work */
    da_dist_t *d = NULL;
    EXPECT_RC(da_dist_create(1, &n, &irr, g3, 3, &d), DA_SUCCESS);
    EXPECT_RC(da_dist_destroy(&d), DA_SUCCESS);
    EXPECT_RC(da_dist_create(1, &n, &un, g3, 3, &d), DA_SUCCESS);
    EXPECT_RC(da_dist_destroy(&d), DA_SUCCESS);
}

Test(errors, block_size)
{
    int64_t n = 10;
    int64_t bad[] = {0, -1, INT64_MIN};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        da_dim_spec_t s = DA_DIM_BLOCK_CYCLIC(bad[k]);
        create_fails(1, &n, &s, NULL, 2, DA_ERR_BLOCK_SIZE, "block size");
    }
}

Test(errors, splits)
{
    int64_t n = 10;
    int64_t not0[3] = {1, 3, 6}, neg0[3] = {-1, 3, 6}, decr[3] = {0, 6, 3}, beyond[3] = {0, 3, 11}, beyond2[3] = {0, 11, 11};
    int64_t *bad[] = {not0, neg0, decr, beyond, beyond2};
    const char *what[] = {"starts[0] = 1", "starts[0] = -1", "decreasing", "beyond extent", "beyond extent twice"};
    for (int k = 0; k < 5; k++) {
        da_dim_spec_t s = DA_DIM_IRREGULAR(3, bad[k]);
        create_fails(1, &n, &s, NULL, 3, DA_ERR_SPLITS, what[k]);
    }
    /* the edge cases that are allowed: equal starts, starts == extent */
    int64_t ok[3] = {0, 10, 10}, ok2[3] = {0, 0, 0};
    da_dist_t *d = NULL;
    da_dim_spec_t s = DA_DIM_IRREGULAR(3, ok);
    EXPECT_RC(da_dist_create(1, &n, &s, NULL, 3, &d), DA_SUCCESS);
    EXPECT_RC(da_dist_destroy(&d), DA_SUCCESS);
    s = DA_DIM_IRREGULAR(3, ok2);
    EXPECT_RC(da_dist_create(1, &n, &s, NULL, 3, &d), DA_SUCCESS);
    EXPECT_RC(da_dist_destroy(&d), DA_SUCCESS);
}

Test(errors, unstructured)
{
    int64_t n = 6;
    struct {
        const char *what;
        int64_t a[8], b[8];
        int64_t ca, cb;
    } cases[] = {
        {"overlap", {0, 1, 2}, {2, 3, 4}, 3, 3},     /* 2 twice, 5 missing */
        {"overlap in one list", {0, 0, 1}, {2, 3, 4, 5}, 3, 3},
        {"incomplete", {0, 1}, {2, 3, 4}, 2, 3},
        {"out of range", {0, 1, 2}, {3, 4, 6}, 3, 3},
        {"negative index", {0, 1, 2}, {3, 4, -1}, 3, 3},
        {"too many", {0, 1, 2, 3}, {4, 5, 0}, 4, 3},
        {"negative count", {0, 1, 2, 3, 4, 5}, {0}, 6, -1},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const int64_t *lists[2] = {cases[k].a, cases[k].b};
        int64_t counts[2] = {cases[k].ca, cases[k].cb};
        da_dim_spec_t s = DA_DIM_UNSTRUCTURED(2, lists, counts);
        create_fails(1, &n, &s, NULL, 2, DA_ERR_UNSTRUCTURED, cases[k].what);
        /* also as the second dimension of a 2-D map, after a valid one */
        da_dim_spec_t s2[2] = {DA_DIM_BLOCK, s};
        int64_t shape[2] = {4, 6};
        create_fails(2, shape, s2, NULL, 4, DA_ERR_UNSTRUCTURED, cases[k].what);
    }
}

Test(errors, kind)
{
    int64_t n = 10;
    int bad[] = {7, 8, 99, -1};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        da_dim_spec_t s[2] = {DA_DIM_BLOCK, {.kind = (da_dist_kind_t)bad[k], .nparts = 1, .block_size = 1}};
        int64_t shape[2] = {n, n};
        create_fails(2, shape, s, NULL, 1, DA_ERR_KIND, "unknown kind");
    }
}

/* Errors of the queries on a live map. */
Test(errors, queries)
{
    int64_t shape[2] = {10, 7};
    da_dim_spec_t spec[2] = {DA_DIM_BLOCK, DA_DIM_CYCLIC};
    int grid[2] = {3, 2};
    da_dist_t *d = NULL;
    EXPECT_RC(da_dist_create(2, shape, spec, grid, 6, &d), DA_SUCCESS);
    int coords[2], rank;
    int64_t g[2], l[2] = {0, 0}, lo[2], hi[2], s[2], lsh[2], e;

    /* ranks */
    int bad_ranks[] = {-1, 6, 1000, -1000};
    for (int k = 0; k < 4; k++) {
        EXPECT_RC(da_dist_rank_coords(d, bad_ranks[k], coords), DA_ERR_RANK);
        EXPECT_RC(da_dist_local_shape(d, bad_ranks[k], lsh, &e), DA_ERR_RANK);
        EXPECT_RC(da_dist_local_to_global(d, bad_ranks[k], l, g), DA_ERR_RANK);
    }
    int64_t zero[2] = {0, 0}, one[2] = {1, 1};
    da_dist_t *blockmap = NULL;
    da_dim_spec_t bspec[2] = {DA_DIM_BLOCK, DA_DIM_BLOCK_GA};
    EXPECT_RC(da_dist_create(2, shape, bspec, grid, 6, &blockmap), DA_SUCCESS);
    EXPECT_RC(da_dist_local_box(blockmap, 6, lo, hi), DA_ERR_RANK);
    EXPECT_RC(da_dist_local_box(blockmap, -1, lo, hi), DA_ERR_RANK);
    EXPECT_RC(da_dist_local_box(blockmap, 5, lo, hi), DA_SUCCESS);
    EXPECT_RC(da_dist_destroy(&blockmap), DA_SUCCESS);

    /* coordinates outside the grid */
    int badc[][2] = {{3, 0}, {0, 2}, {-1, 0}, {0, -1}};
    for (int k = 0; k < 4; k++) {
        int rc = da_dist_coords_rank(d, badc[k], &rank);
        EXPECT(rc == DA_ERR_BOUNDS || rc == DA_ERR_RANK, "coords (%d, %d) gave %d", badc[k][0], badc[k][1], rc);
    }
    /* dimension outside the map */
    da_dist_kind_t kind;
    EXPECT_RC(da_dist_dim_kind(d, 2, &kind, NULL), DA_ERR_BOUNDS);
    EXPECT_RC(da_dist_dim_kind(d, -1, &kind, NULL), DA_ERR_BOUNDS);
    /* global and local indices outside */
    int64_t badg[][2] = {{10, 0}, {0, 7}, {-1, 0}, {0, -1}, {INT64_MAX, 0}, {INT64_MIN, 0}};
    for (int k = 0; k < 6; k++) EXPECT_RC(da_dist_owner(d, badg[k], &rank, coords, l), DA_ERR_BOUNDS);
    int64_t badl[][2] = {{4, 0}, {0, 4}, {-1, 0}, {0, -1}}; /* rank 0 holds 4 x 4 */
    for (int k = 0; k < 4; k++) EXPECT_RC(da_dist_local_to_global(d, 0, badl[k], g), DA_ERR_BOUNDS);

    /* boxes */
    da_decomp_t *dec = (da_decomp_t *)&dec;
    int64_t blo[][2] = {{-1, 0}, {0, 0}, {0, 0}, {5, 0}, {0, 3}, {11, 0}};
    int64_t bhi[][2] = {{10, 7}, {11, 7}, {10, 8}, {4, 7}, {10, 2}, {11, 7}};
    for (int k = 0; k < 6; k++) {
        EXPECT_RC(da_dist_decompose_box(d, blo[k], bhi[k], NULL, &dec), DA_ERR_BOUNDS);
        EXPECT(dec == NULL, "failed decompose left *out");
    }
    int64_t steps[][2] = {{0, 1}, {1, 0}, {-1, 1}, {1, -2}};
    int64_t whole[2] = {10, 7};
    for (int k = 0; k < 4; k++) {
        s[0] = steps[k][0];
        s[1] = steps[k][1];
        EXPECT_RC(da_dist_decompose_box(d, zero, whole, s, &dec), DA_ERR_STEP);
        EXPECT(dec == NULL, "failed decompose left *out");
    }
    /* empty boxes at the far edge are fine */
    EXPECT_RC(da_dist_decompose_box(d, whole, whole, NULL, &dec), DA_SUCCESS);
    EXPECT(da_decomp_npieces(dec) == 0 && da_decomp_count(dec) == 0, "empty box has pieces");
    da_piece_t piece;
    EXPECT(da_decomp_piece(dec, 0, &piece) < 0, "piece 0 of an empty decomposition");
    da_decomp_free(dec);
    EXPECT_RC(da_dist_decompose_box(d, zero, one, NULL, &dec), DA_SUCCESS);
    EXPECT(da_decomp_piece(dec, -1, &piece) < 0 && da_decomp_piece(dec, 1, &piece) < 0, "piece index outside");
    da_decomp_free(dec);
    EXPECT_RC(da_dist_destroy(&d), DA_SUCCESS);
}

Test(errors, strerror_and_last_error)
{
    int codes[] = {DA_SUCCESS,       DA_ERR_ARG,        DA_ERR_NULL,     DA_ERR_HANDLE,     DA_ERR_NDIM,
                   DA_ERR_SHAPE,     DA_ERR_GRID,       DA_ERR_KIND,     DA_ERR_BLOCK_SIZE, DA_ERR_SPLITS,
                   DA_ERR_UNSTRUCTURED, DA_ERR_BOUNDS,  DA_ERR_STEP,     DA_ERR_NOMEM,      DA_ERR_TYPE,
                   DA_ERR_OP,        DA_ERR_STRIDE,     DA_ERR_MPI,      DA_ERR_COLLECTIVE, DA_ERR_RANK,
                   DA_ERR_OVERFLOW,  DA_ERR_NOT_CONTIGUOUS, DA_ERR_INTERNAL, DA_ERR_REQUEST, DA_ERR_REQUEST_DONE,
                   DA_ERR_HELD,      DA_ERR_NOT_HELD,   DA_ERR_THREAD_LEVEL, DA_ERR_FORMAT, DA_ERR_IO};
    int nc = (int)(sizeof codes / sizeof codes[0]);
    EXPECT(nc == 30 && DA_ERR_IO == -29, "error.h changed: update this list");
    const char *unknown = da_strerror(-12345);
    EXPECT(unknown != NULL && unknown[0], "unknown code has no sentence");
    EXPECT(da_strerror(1) != NULL && da_strerror(-30) != NULL, "NULL for codes outside error.h");
    for (int k = 0; k < nc; k++) {
        const char *s = da_strerror(codes[k]);
        EXPECT(s != NULL && s[0] != '\0', "da_strerror(%d) empty", codes[k]);
        EXPECT(strcmp(s, unknown) != 0, "da_strerror(%d) is the unknown-code sentence", codes[k]);
        for (int j = 0; j < k; j++)
            EXPECT(strcmp(s, da_strerror(codes[j])) != 0, "codes %d and %d share the sentence \"%s\"", codes[k],
                   codes[j], s);
    }
    /* the detail message names the offending value */
    int64_t n = -42;
    da_dist_t *d;
    EXPECT_RC(da_dist_create(1, &n, blocks, NULL, 1, &d), DA_ERR_SHAPE);
    EXPECT(strstr(da_last_error(), "-42") != NULL, "last error \"%s\" does not mention -42", da_last_error());
    int64_t bs_n = 5;
    da_dim_spec_t bc = DA_DIM_BLOCK_CYCLIC(-77);
    EXPECT_RC(da_dist_create(1, &bs_n, &bc, NULL, 1, &d), DA_ERR_BLOCK_SIZE);
    EXPECT(strstr(da_last_error(), "-77") != NULL, "last error \"%s\" does not mention -77", da_last_error());
}
