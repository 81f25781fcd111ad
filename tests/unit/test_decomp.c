/* Decompositions that must stay compact (block-cyclic: a repeated period, not
   one run per block; cyclic: one run per owner; block: one run per owner),
   and the GA block rule against GA's documented NGA_Distribution results. */
#include "reference.h"

/* 1-D map of extent n, kind spec, over p ranks, with its reference. */
static da_dist_t *map_1d(ref_map_t *r, int64_t n, ref_dim_input_t in, int p)
{
    return make_checked(r, 1, &n, &in, NULL, p);
}

/* Stored runs and expanded runs of every owner of a 1-D box. */
static void runs_per_owner(const da_dist_t *d, const ref_map_t *r, int64_t lo, int64_t hi, int64_t s,
                           int64_t max_stored, int64_t max_total, int64_t min_reps, int64_t expect_pieces)
{
    da_decomp_t *dec = NULL;
    EXPECT_RC(da_dist_decompose_box(d, &lo, &hi, &s, &dec), DA_SUCCESS);
    int64_t np = da_decomp_npieces(dec);
    EXPECT(np == expect_pieces, "%s box [%lld:%lld:%lld): %lld pieces, expected %lld", r->ctx, (long long)lo,
           (long long)hi, (long long)s, (long long)np, (long long)expect_pieces);
    for (int64_t i = 0; i < np; i++) {
        da_piece_t piece;
        EXPECT_RC(da_decomp_piece(dec, i, &piece), DA_SUCCESS);
        const da_dim_piece_t *dp = piece.dim[0];
        int64_t stored = dp->nruns + dp->ntail, total = da_dim_piece_total_runs(dp);
        EXPECT(stored <= max_stored, "%s box [%lld:%lld:%lld) owner %d: %lld stored runs (nruns %lld, ntail %lld), "
               "at most %lld expected", r->ctx, (long long)lo, (long long)hi, (long long)s, dp->coord,
               (long long)stored, (long long)dp->nruns, (long long)dp->ntail, (long long)max_stored);
        EXPECT(total <= max_total, "%s box [%lld:%lld:%lld) owner %d: %lld runs in all, at most %lld expected",
               r->ctx, (long long)lo, (long long)hi, (long long)s, dp->coord, (long long)total, (long long)max_total);
        EXPECT(dp->reps >= min_reps, "%s box [%lld:%lld:%lld) owner %d: %lld periods, at least %lld expected",
               r->ctx, (long long)lo, (long long)hi, (long long)s, dp->coord, (long long)dp->reps,
               (long long)min_reps);
    }
    da_decomp_free(dec);
    check_decomp(d, r, &lo, &hi, &s); /* and the full element check */
}

Test(decomp, block_cyclic_is_compact)
{
    ref_map_t r;
    int64_t n = 100000;
    da_dist_t *d = map_1d(&r, n, (ref_dim_input_t){.kind = DA_DIST_BLOCK_CYCLIC, .b = 4}, 4);
    /* whole box: 6250 blocks per owner, described by one run repeated */
    runs_per_owner(d, &r, 0, n, 1, 4, INT64_MAX, 1000, 4);
    da_decomp_t *dec = NULL;
    int64_t lo = 0, hi = n;
    EXPECT_RC(da_dist_decompose_box(d, &lo, &hi, NULL, &dec), DA_SUCCESS);
    for (int64_t i = 0; i < da_decomp_npieces(dec); i++) {
        da_piece_t piece;
        EXPECT_RC(da_decomp_piece(dec, i, &piece), DA_SUCCESS);
        EXPECT(piece.dim[0]->count == n / 4 && piece.count == n / 4, "owner %d holds %lld", piece.rank,
               (long long)piece.count);
        EXPECT(piece.dim[0]->nruns + piece.dim[0]->ntail <= 4 && piece.dim[0]->reps >= 1000,
               "owner %d: nruns %lld ntail %lld reps %lld", piece.rank, (long long)piece.dim[0]->nruns,
               (long long)piece.dim[0]->ntail, (long long)piece.dim[0]->reps);
    }
    da_decomp_free(dec);
    /* offset and strided boxes stay compact: stored runs bounded by a period */
    runs_per_owner(d, &r, 3, n - 5, 1, 4 + 16, INT64_MAX, 1000, 4);
    runs_per_owner(d, &r, 1, n, 3, 2 * 16, INT64_MAX, 1000, 4);
    runs_per_owner(d, &r, 2, n - 1, 5, 2 * 16, INT64_MAX, 1000, 4);
    runs_per_owner(d, &r, 0, n, 16, 2, INT64_MAX, 1, 1); /* every position on owner 0 */
    runs_per_owner(d, &r, 0, n, 8, 2, INT64_MAX, 1, 2);  /* owners 0 and 2 */
    EXPECT_RC(da_dist_destroy(&d), DA_SUCCESS);
    ref_map_free(&r);

    /* block size 7 over 5 owners, a prime extent */
    n = 99991;
    d = map_1d(&r, n, (ref_dim_input_t){.kind = DA_DIST_BLOCK_CYCLIC, .b = 7}, 5);
    runs_per_owner(d, &r, 0, n, 1, 2, INT64_MAX, 1000, 5);
    runs_per_owner(d, &r, 11, n, 3, 2 * 35, INT64_MAX, 300, 5);
    EXPECT_RC(da_dist_destroy(&d), DA_SUCCESS);
    ref_map_free(&r);
}

Test(decomp, cyclic_one_run_per_owner)
{
    ref_map_t r;
    int64_t n = 100000;
    for (int kind = 0; kind < 2; kind++) { /* CYCLIC, and BLOCK_CYCLIC(1) */
        ref_dim_input_t in = kind ? (ref_dim_input_t){.kind = DA_DIST_BLOCK_CYCLIC, .b = 1}
                                  : (ref_dim_input_t){.kind = DA_DIST_CYCLIC};
        da_dist_t *d = map_1d(&r, n, in, 4);
        runs_per_owner(d, &r, 0, n, 1, 1, 1, 1, 4);
        runs_per_owner(d, &r, 5, n - 2, 3, 1, 1, 1, 4); /* gcd(3, 4) = 1: every owner */
        runs_per_owner(d, &r, 1, n, 2, 1, 1, 1, 2);     /* owners 1 and 3 */
        runs_per_owner(d, &r, 2, n, 4, 1, 1, 1, 1);     /* owner 2 only */
        runs_per_owner(d, &r, 0, n, 6, 1, 1, 1, 2);
        runs_per_owner(d, &r, 0, n, 7, 1, 1, 1, 4);
        EXPECT_RC(da_dist_destroy(&d), DA_SUCCESS);
        ref_map_free(&r);
    }
    /* 7 owners, a step sharing no factor */
    da_dist_t *d = map_1d(&r, 50000, (ref_dim_input_t){.kind = DA_DIST_CYCLIC}, 7);
    runs_per_owner(d, &r, 3, 49999, 10, 1, 1, 1, 7);
    EXPECT_RC(da_dist_destroy(&d), DA_SUCCESS);
    ref_map_free(&r);
}

Test(decomp, block_like_one_run_per_owner)
{
    ref_map_t r;
    int64_t n = 100000, st[5] = {0, 10, 10, 5000, 99999};
    ref_dim_input_t ins[] = {{.kind = DA_DIST_BLOCK}, {.kind = DA_DIST_BLOCK_GA},
                             {.kind = DA_DIST_IRREGULAR, .nparts = 5, .starts = st}};
    /* irregular: part 1 is empty, and step 7 misses part 4 = {99999} */
    int64_t owners[] = {5, 5, 4}, owners7[] = {5, 5, 3};
    for (int k = 0; k < 3; k++) {
        da_dist_t *d = map_1d(&r, n, ins[k], 5);
        runs_per_owner(d, &r, 0, n, 1, 1, 1, 1, owners[k]);
        runs_per_owner(d, &r, 0, n, 7, 1, 1, 1, owners7[k]);
        EXPECT_RC(da_dist_destroy(&d), DA_SUCCESS);
        ref_map_free(&r);
    }
}

/* A 2-D block-cyclic x cyclic box is decomposed per dimension: the pieces are
   the outer product of compact dimension pieces. */
Test(decomp, two_d_block_cyclic_compact)
{
    ref_map_t r;
    int64_t shape[2] = {3000, 60};
    ref_dim_input_t in[2] = {{.kind = DA_DIST_BLOCK_CYCLIC, .b = 3}, {.kind = DA_DIST_CYCLIC}};
    int grid[2] = {4, 3};
    da_dist_t *d = make_checked(&r, 2, shape, in, grid, 12);
    int64_t lo[2] = {1, 2}, hi[2] = {2999, 59}, s[2] = {2, 1};
    da_decomp_t *dec = NULL;
    EXPECT_RC(da_dist_decompose_box(d, lo, hi, s, &dec), DA_SUCCESS);
    EXPECT(da_decomp_npieces(dec) == 12, "%lld pieces", (long long)da_decomp_npieces(dec));
    for (int64_t i = 0; i < da_decomp_npieces(dec); i++) {
        da_piece_t p;
        EXPECT_RC(da_decomp_piece(dec, i, &p), DA_SUCCESS);
        EXPECT(p.dim[0]->nruns + p.dim[0]->ntail <= 2 * 12 && p.dim[0]->reps >= 100, "rank %d dim 0: %lld+%lld runs",
               p.rank, (long long)p.dim[0]->nruns, (long long)p.dim[0]->ntail);
        EXPECT(da_dim_piece_total_runs(p.dim[1]) == 1, "rank %d dim 1: %lld runs", p.rank,
               (long long)da_dim_piece_total_runs(p.dim[1]));
    }
    da_decomp_free(dec);
    check_decomp(d, &r, lo, hi, s);
    EXPECT_RC(da_dist_destroy(&d), DA_SUCCESS);
    ref_map_free(&r);
}

/* GA's NGA_Distribution: chunk ceil(n/p), trailing parts may be empty. */
static void ga_parts(int64_t n, int p, const int64_t (*want)[2])
{
    ref_map_t r;
    da_dist_t *d = map_1d(&r, n, (ref_dim_input_t){.kind = DA_DIST_BLOCK_GA}, p);
    for (int c = 0; c < p; c++) {
        int64_t lo, hi, lsh, e;
        EXPECT_RC(da_dist_local_box(d, c, &lo, &hi), DA_SUCCESS);
        EXPECT_RC(da_dist_local_shape(d, c, &lsh, &e), DA_SUCCESS);
        if (want[c][0] == want[c][1])
            EXPECT(lo == hi && lsh == 0, "GA n=%lld p=%d part %d: [%lld, %lld) size %lld, expected empty",
                   (long long)n, p, c, (long long)lo, (long long)hi, (long long)lsh);
        else
            EXPECT(lo == want[c][0] && hi == want[c][1] && lsh == hi - lo,
                   "GA n=%lld p=%d part %d: [%lld, %lld) size %lld, expected [%lld, %lld)", (long long)n, p, c,
                   (long long)lo, (long long)hi, (long long)lsh, (long long)want[c][0], (long long)want[c][1]);
    }
    check_map(d, &r);
    EXPECT_RC(da_dist_destroy(&d), DA_SUCCESS);
    ref_map_free(&r);
}

Test(decomp, ga_block_rule)
{
    ga_parts(10, 4, (const int64_t[][2]){{0, 3}, {3, 6}, {6, 9}, {9, 10}});
    ga_parts(10, 6, (const int64_t[][2]){{0, 2}, {2, 4}, {4, 6}, {6, 8}, {8, 10}, {10, 10}});
    ga_parts(7, 3, (const int64_t[][2]){{0, 3}, {3, 6}, {6, 7}});
    ga_parts(9, 4, (const int64_t[][2]){{0, 3}, {3, 6}, {6, 9}, {9, 9}});
    ga_parts(5, 4, (const int64_t[][2]){{0, 2}, {2, 4}, {4, 5}, {5, 5}});
    ga_parts(3, 7, (const int64_t[][2]){{0, 1}, {1, 2}, {2, 3}, {3, 3}, {3, 3}, {3, 3}, {3, 3}});
    ga_parts(12, 4, (const int64_t[][2]){{0, 3}, {3, 6}, {6, 9}, {9, 12}});
}

/* The balanced rule, for contrast: larger parts first. */
Test(decomp, balanced_block_rule)
{
    struct {
        int64_t n;
        int p;
        int64_t sizes[7];
    } cases[] = {{10, 4, {3, 3, 2, 2}}, {10, 6, {2, 2, 2, 2, 1, 1}}, {3, 7, {1, 1, 1, 0, 0, 0, 0}}, {7, 7, {1, 1, 1, 1, 1, 1, 1}}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        ref_map_t r;
        da_dist_t *d = map_1d(&r, cases[k].n, (ref_dim_input_t){.kind = DA_DIST_BLOCK}, cases[k].p);
        int64_t start = 0;
        for (int c = 0; c < cases[k].p; c++) {
            int64_t lo, hi;
            EXPECT_RC(da_dist_local_box(d, c, &lo, &hi), DA_SUCCESS);
            EXPECT(hi - lo == cases[k].sizes[c] && (cases[k].sizes[c] == 0 || lo == start),
                   "block n=%lld p=%d part %d: [%lld, %lld)", (long long)cases[k].n, cases[k].p, c, (long long)lo,
                   (long long)hi);
            start += cases[k].sizes[c];
        }
        EXPECT_RC(da_dist_destroy(&d), DA_SUCCESS);
        ref_map_free(&r);
    }
}
