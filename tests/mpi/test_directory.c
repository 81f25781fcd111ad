/* Unstructured maps given rank by rank (da_dist_create_comm with
 * DA_DIM_UNSTRUCTURED_LOCAL): the replicated table and the directory.
 *
 * Every rank builds the same random partition of [0, N) from a shared seed
 * (random owner, random local order) and passes only its own coordinate's
 * list. Cases, each with the directory forced (DA_DIRECTORY_MIN=0) and with
 * the replicated table (DA_DIRECTORY_MIN unset: default threshold):
 *
 *  A. 1-D map: owner queries (rank, coordinates, local index) agree with the
 *     reference; local shapes; local -> global for the own rank, and
 *     DA_ERR_NOT_CONTIGUOUS for another coordinate with a directory;
 *  B. the cache: a repeated query or gather fetches nothing more (the
 *     directory's fetch counter), a gather of new points is one batch;
 *  C. arrays on the map: strided box puts from every rank, whole gets,
 *     gathers (random with duplicates), scatters into each rank's share,
 *     scatter-acc histogram from all ranks, plans replayed, selections with
 *     index lists (negative, repeated) and slices, mask -> coordinates:
 *     all against a full local reference copy;
 *  D. 2-D map (block rows x unstructured columns; at 4 ranks two ranks
 *     share each column part), the same checks by coordinates; a copy of
 *     the map (da_dist_dup) outliving the original; a small cache bound
 *     (DA_DIRECTORY_CACHE=700) that must be cleared and refilled;
 *  E. bad input gives an error on every rank, without hanging: an index
 *     out of range on one rank, a missing index, overlapping lists (sum
 *     still N: duplicate found in the directory or the table), ranks of
 *     one coordinate passing different lists, a different shape on one
 *     rank; DA_DIM_UNSTRUCTURED_LOCAL in the non-collective da_dist_create.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darray.h"
#include "harness.h"

static int me, np;
static const uint64_t SEED = 0xd1ec7035eedULL;

typedef struct {
    int64_t n;
    int nparts;
    int32_t *owner;  /* n */
    int64_t *local;  /* n */
    int64_t *counts; /* nparts */
    int64_t **lists; /* nparts */
} part_t;

static part_t make_partition(int64_t n, int nparts, uint64_t seed)
{
    part_t p = {n, nparts, malloc(sizeof(int32_t) * n), malloc(sizeof(int64_t) * n),
                calloc(nparts, sizeof(int64_t)), malloc(sizeof(int64_t *) * nparts)};
    th_rng_t r = th_rng_seed(seed);
    int64_t *perm = malloc(sizeof *perm * n);
    for (int64_t g = 0; g < n; g++) perm[g] = g;
    th_rng_shuffle(&r, perm, n);
    for (int64_t g = 0; g < n; g++) p.owner[g] = (int32_t)th_rng_range(&r, 0, nparts);
    for (int c = 0; c < nparts; c++) p.lists[c] = malloc(sizeof(int64_t) * (n + 1));
    for (int64_t k = 0; k < n; k++) { /* local order: the shuffled order */
        int64_t g = perm[k];
        int c = p.owner[g];
        p.local[g] = p.counts[c];
        p.lists[c][p.counts[c]++] = g;
    }
    free(perm);
    return p;
}

static void free_partition(part_t *p)
{
    for (int c = 0; c < p->nparts; c++) free(p->lists[c]);
    free(p->owner);
    free(p->local);
    free(p->counts);
    free(p->lists);
}

static void set_directory(int on)
{
    if (on) setenv("DA_DIRECTORY_MIN", "0", 1);
    else unsetenv("DA_DIRECTORY_MIN");
}

static da_directory_info_t info_of(const da_dist_t *d, int dim)
{
    da_directory_info_t inf;
    CHECK_DA(da_dist_directory_info(d, dim, &inf));
    return inf;
}

/* ---- the map on its own (cases A, B) --------------------------------------- */

/* Shape {R, N} (R = 0: 1-D {N}); unstructured dimension u, the other BLOCK. */
typedef struct {
    int ndim, u;
    int64_t shape[2];
    int grid[2];
} layout_t;

static int coord_u(const layout_t *L, int rank)
{
    return L->ndim == 1 ? rank : (L->u == 1 ? rank % L->grid[1] : rank / L->grid[1]);
}

static void check_queries(const da_dist_t *d, const layout_t *L, const part_t *P, int directory)
{
    th_rng_t r = th_rng_seed(SEED ^ 0x51);
    int64_t nq = 40;
    for (int pass = 0; pass < 2; pass++) {
        int64_t before = info_of(d, L->u).fetched;
        th_rng_t rr = r;
        for (int64_t q = 0; q < nq; q++) {
            int64_t g[2], lidx[2];
            int rank, coords[2];
            for (int k = 0; k < L->ndim; k++) g[k] = th_rng_range(&rr, 0, L->shape[k]);
            CHECK_DA(da_dist_owner(d, g, &rank, coords, lidx));
            int64_t gu = g[L->u];
            CHECK_EQ(coords[L->u], P->owner[gu]);
            CHECK_EQ(lidx[L->u], P->local[gu]);
            int cr;
            CHECK_DA(da_dist_coords_rank(d, coords, &cr));
            CHECK_EQ(cr, rank);
        }
        int64_t after = info_of(d, L->u).fetched;
        if (!directory) CHECK_EQ(after, 0);
        if (pass == 1) CHECK_EQ(after, before); /* the same indices again: all cached */
    }
    for (int r2 = 0; r2 < np; r2++) {
        int64_t lshape[2], e;
        CHECK_DA(da_dist_local_shape(d, r2, lshape, &e));
        CHECK_EQ(lshape[L->u], P->counts[coord_u(L, r2)]);
    }
    /* local -> global: own rank always; another coordinate only when replicated */
    int mc = coord_u(L, me);
    int64_t l[2] = {0, 0}, g[2];
    if (P->counts[mc] > 0) {
        l[L->u] = P->counts[mc] - 1;
        CHECK_DA(da_dist_local_to_global(d, me, l, g));
        CHECK_EQ(g[L->u], P->lists[mc][P->counts[mc] - 1]);
    }
    for (int r2 = 0; r2 < np; r2++) {
        int c = coord_u(L, r2);
        if (c == mc || P->counts[c] == 0) continue;
        l[0] = l[1] = 0;
        int rc = da_dist_local_to_global(d, r2, l, g);
        if (directory) {
            CHECK_EQ(rc, DA_ERR_NOT_CONTIGUOUS);
        } else {
            CHECK_EQ(rc, DA_SUCCESS);
            CHECK_EQ(g[L->u], P->lists[c][0]);
        }
    }
}

/* ---- arrays (case C) --------------------------------------------------------- */

static int64_t value(int64_t flat, int version)
{
    return ((flat * 7 + version * 13) % 5 == 0) ? 0 : flat * 1000 + version;
}

static void to_coords(const layout_t *L, int64_t flat, int64_t *c)
{
    if (L->ndim == 1) c[0] = flat;
    else {
        c[0] = flat / L->shape[1];
        c[1] = flat % L->shape[1];
    }
}

static void check_whole(da_array_t *a, const layout_t *L, const int64_t *ref, int64_t total, const char *what)
{
    int64_t *buf = malloc(sizeof *buf * total), lo[2] = {0, 0};
    CHECK_DA(da_get(a, lo, L->shape, NULL, buf, NULL));
    for (int64_t f = 0; f < total; f++)
        if (buf[f] != ref[f]) CHECK(0, "%s: ndim %d, element %lld: got %lld, want %lld", what, L->ndim, (long long)f, (long long)buf[f], (long long)ref[f]);
    free(buf);
    CHECK_DA(da_sync(a)); /* every rank has read before anyone writes again */
}

static void check_array(const da_dist_t *d, const layout_t *L, int directory)
{
    int64_t total = L->ndim == 1 ? L->shape[0] : L->shape[0] * L->shape[1];
    int64_t *ref = malloc(sizeof *ref * total);
    da_array_t *a;
    CHECK_DA(da_array_create(MPI_COMM_WORLD, DA_INT64, d, &a));

    /* strided box puts: rank r writes positions r, r+np, ... of the last dimension */
    int last = L->ndim - 1;
    int64_t lo[2] = {0, 0}, hi[2] = {L->shape[0], L->ndim > 1 ? L->shape[1] : 0}, step[2] = {1, 1};
    for (int r = 0; r < np; r++) {
        int64_t nl = L->shape[last] > r ? (L->shape[last] - r + np - 1) / np : 0;
        int64_t rows = L->ndim == 1 ? 1 : L->shape[0];
        int64_t *buf = malloc(sizeof *buf * (rows * nl + 1));
        for (int64_t i = 0; i < rows; i++)
            for (int64_t j = 0; j < nl; j++) {
                int64_t f = i * L->shape[last] + r + j * np;
                ref[f] = value(f, 1);
                buf[i * nl + j] = ref[f];
            }
        if (r == me && nl > 0) {
            lo[last] = r;
            step[last] = np;
            CHECK_DA(da_put(a, lo, hi, step, buf, NULL));
        }
        free(buf);
    }
    CHECK_DA(da_sync(a));
    check_whole(a, L, ref, total, "puts");

    /* gathers of random flat and coordinate lists with duplicates; a repeat fetches nothing */
    th_rng_t rng = th_rng_seed(SEED ^ 0x6a7);
    int64_t n = 400, *flat = malloc(sizeof *flat * n), *coords = malloc(sizeof *coords * n * 2), *buf = malloc(sizeof *buf * n);
    for (int rep = 0; rep < 3; rep++) {
        for (int64_t i = 0; i < n; i++) {
            flat[i] = i % 10 == 9 ? flat[i / 2] : th_rng_range(&rng, 0, total);
            to_coords(L, flat[i], coords + i * L->ndim);
        }
        da_directory_info_t i0 = info_of(d, L->u);
        CHECK_DA(da_gather_flat(a, n, flat, buf));
        for (int64_t i = 0; i < n; i++) CHECK_EQ(buf[i], ref[flat[i]]);
        da_directory_info_t i1 = info_of(d, L->u);
        memset(buf, 0, sizeof *buf * n);
        CHECK_DA(da_gather(a, n, coords, buf)); /* the same points: all answers cached */
        for (int64_t i = 0; i < n; i++) CHECK_EQ(buf[i], ref[flat[i]]);
        da_directory_info_t i2 = info_of(d, L->u);
        if (directory) {
            CHECK(i1.fetch_batches - i0.fetch_batches <= 1, "%lld batches for one gather",
                  (long long)(i1.fetch_batches - i0.fetch_batches));
            CHECK_EQ(i2.fetched, i1.fetched);
            CHECK_EQ(i2.fetch_batches, i1.fetch_batches);
        } else {
            CHECK_EQ(i2.fetched, 0);
        }
    }

    /* scatters into each rank's share (flat % np == rank) */
    CHECK_DA(da_sync(a));
    for (int r = 0; r < np; r++) {
        th_rng_t rr = th_rng_seed(SEED ^ (0x5c0 + r));
        int64_t m = 0;
        for (int64_t i = 0; i < n; i++) {
            int64_t f = th_rng_range(&rr, 0, total);
            f -= f % np;
            f += r;
            if (f >= total) continue;
            flat[m] = f;
            buf[m] = value(f, 2) + i;
            m++;
        }
        for (int64_t i = 0; i < m; i++) ref[flat[i]] = buf[i]; /* last wins */
        if (r == me) CHECK_DA(da_scatter_flat(a, m, flat, buf));
    }
    CHECK_DA(da_sync(a));
    check_whole(a, L, ref, total, "scatters");

    /* scatter-acc from all ranks into the first 50 elements: a histogram */
    for (int r = 0; r < np; r++) {
        th_rng_t rr = th_rng_seed(SEED ^ (0xacc + r));
        for (int64_t i = 0; i < n; i++) {
            flat[i] = th_rng_range(&rr, 0, total < 50 ? total : 50);
            buf[i] = 1;
            ref[flat[i]] += 1;
        }
        if (r == me) {
            for (int64_t i = 0; i < n; i++) to_coords(L, flat[i], coords + i * L->ndim);
            CHECK_DA(da_scatter_acc(a, DA_OP_SUM, NULL, n, coords, buf));
        }
    }
    CHECK_DA(da_sync(a));
    check_whole(a, L, ref, total, "scatter-acc");

    /* a plan replayed: gets, then puts to the own share */
    {
        th_rng_t rr = th_rng_seed(SEED ^ (0x91a + me));
        int64_t m = 0;
        for (int64_t i = 0; i < n; i++) {
            int64_t f = th_rng_range(&rr, 0, total);
            f -= f % np;
            f += me;
            if (f < total) flat[m++] = f;
        }
        da_plan_t *pl;
        CHECK_DA(da_plan_create_flat(a, m, flat, &pl));
        for (int it = 0; it < 5; it++) {
            CHECK_DA(da_plan_get(pl, buf));
            for (int64_t i = 0; i < m; i++) CHECK_EQ(buf[i], ref[flat[i]]);
            for (int64_t i = 0; i < m; i++) buf[i] = value(flat[i], 10 + it);
            CHECK_DA(da_plan_put(pl, buf));
            CHECK_DA(da_flush(a)); /* the next get must see the put (program order needs a flush) */
            for (int64_t i = 0; i < m; i++) ref[flat[i]] = buf[i];
        }
        CHECK_DA(da_plan_destroy(&pl));
        for (int r = 0; r < np; r++) { /* the others' puts, into the reference */
            if (r == me) continue;
            th_rng_t ro = th_rng_seed(SEED ^ (0x91a + r));
            for (int64_t i = 0; i < n; i++) {
                int64_t f = th_rng_range(&ro, 0, total);
                f -= f % np;
                f += r;
                if (f < total) ref[f] = value(f, 14);
            }
        }
    }
    CHECK_DA(da_sync(a));
    check_whole(a, L, ref, total, "plans");

    /* selections: an index list (negative, repeated) along the unstructured
       dimension, a negative-step slice along the other */
    {
        da_sel_t *s;
        CHECK_DA(da_sel_create(L->ndim, &s));
        int64_t ni = 60, idx[60], N = L->shape[L->u];
        th_rng_t rr = th_rng_seed(SEED ^ 0x5e1);
        for (int64_t i = 0; i < ni; i++) {
            int64_t g = th_rng_range(&rr, 0, N);
            idx[i] = i % 7 == 3 ? idx[i - 1] : (i % 3 == 0 ? g - N : g);
        }
        CHECK_DA(da_sel_index(s, L->u, ni, idx));
        int64_t rows = 1;
        if (L->ndim == 2) {
            CHECK_DA(da_sel_slice(s, 1 - L->u, DA_NONE, DA_NONE, -2));
            rows = (L->shape[1 - L->u] + 1) / 2;
        }
        int64_t *sb = malloc(sizeof *sb * ni * rows);
        CHECK_DA(da_get_sel(a, s, sb));
        for (int64_t i = 0; i < (L->ndim == 2 ? (L->u == 0 ? ni : rows) : ni); i++)
            for (int64_t j = 0; j < (L->ndim == 2 ? (L->u == 0 ? rows : ni) : 1); j++) {
                int64_t gi, gj; /* global indices along dims 0 and 1 */
                if (L->ndim == 1) {
                    gi = idx[i] < 0 ? idx[i] + N : idx[i];
                    CHECK_EQ(sb[i], ref[gi]);
                    continue;
                }
                if (L->u == 0) {
                    gi = idx[i] < 0 ? idx[i] + N : idx[i];
                    gj = L->shape[1] - 1 - 2 * j;
                } else {
                    gi = L->shape[0] - 1 - 2 * i;
                    gj = idx[j] < 0 ? idx[j] + N : idx[j];
                }
                int64_t cols = L->ndim == 2 ? (L->u == 0 ? rows : ni) : 1;
                CHECK_EQ(sb[i * cols + j], ref[gi * L->shape[1] + gj]);
            }
        free(sb);
        CHECK_DA(da_sel_destroy(&s));
    }

    /* mask -> coordinates: the nonzero elements in row-major order */
    {
        int64_t nm, *mc;
        CHECK_DA(da_mask_where(a, &nm, &mc));
        int64_t k = 0;
        for (int64_t f = 0; f < total; f++) {
            if (!ref[f]) continue;
            int64_t c[2];
            to_coords(L, f, c);
            CHECK(k < nm, "mask: fewer coordinates (%lld) than nonzero elements", (long long)nm);
            for (int d2 = 0; d2 < L->ndim; d2++) CHECK_EQ(mc[k * L->ndim + d2], c[d2]);
            k++;
        }
        CHECK_EQ(k, nm);
        da_free(mc);
    }

    CHECK_DA(da_array_destroy(&a));
    free(ref);
    free(flat);
    free(coords);
    free(buf);
}

/* One layout: the map built from this rank's part, checked alone and under an array. */
static void run_layout(const layout_t *L, int directory, int dup_outlives)
{
    int nparts = L->grid[L->u];
    part_t P = make_partition(L->shape[L->u], nparts, SEED + (uint64_t)L->shape[L->u]);
    int mc = coord_u(L, me);
    da_dim_spec_t dims[2] = {DA_DIM_BLOCK, DA_DIM_BLOCK};
    dims[L->u] = DA_DIM_UNSTRUCTURED_LOCAL(nparts, P.counts[mc], P.lists[mc]);
    set_directory(directory);
    da_dist_t *d;
    CHECK_DA(da_dist_create_comm(MPI_COMM_WORLD, L->ndim, L->shape, dims, L->grid, &d));
    da_directory_info_t inf = info_of(d, L->u);
    CHECK_EQ(inf.active, directory);
    if (directory) {
        int64_t B = (P.n + np - 1) / np, lo = me * B < P.n ? me * B : P.n, hi = lo + B < P.n ? lo + B : P.n;
        CHECK_EQ(inf.block_entries, hi - lo);
    }
    int grid[2];
    CHECK_DA(da_dist_grid(d, grid));
    for (int k = 0; k < L->ndim; k++) CHECK_EQ(grid[k], L->grid[k]);
    double tq = MPI_Wtime();
    check_queries(d, L, &P, directory);
    tq = MPI_Wtime() - tq;
    double ta = MPI_Wtime();
    if (dup_outlives) {
        da_dist_t *c;
        CHECK_DA(da_dist_dup(d, &c));
        CHECK_DA(da_dist_destroy(&d));
        d = c;
    }
    check_array(d, L, directory);
    ta = MPI_Wtime() - ta;
    if (getenv("TEST_DIRECTORY_TIMES")) fprintf(stderr, "[%d] layout %dD u=%d dir=%d: queries %.3f s, arrays %.3f s\n", me, L->ndim, L->u, directory, tq, ta);
    CHECK_DA(da_dist_destroy(&d));
    free_partition(&P);
}

/* ---- bad input (case E) ------------------------------------------------------- */

enum { BAD_RANGE, BAD_MISSING, BAD_OVERLAP, BAD_MISMATCH, BAD_SHAPE, NBAD };
static const char *const bad_names[NBAD] = {"index out of range", "missing index", "overlapping lists",
                                            "different lists for one coordinate", "different shape"};

static void run_bad(int directory)
{
    /* 2-D layout so that at 4 ranks two ranks share each part */
    layout_t L = {2, 1, {3, 500}, {1, np}};
    if (np % 2 == 0 && np > 2) {
        L.grid[0] = 2;
        L.grid[1] = np / 2;
    }
    int nparts = L.grid[1];
    part_t P = make_partition(L.shape[1], nparts, SEED ^ 0xbad);
    int mc = coord_u(&L, me);
    int64_t *mine = malloc(sizeof *mine * (P.counts[mc] + 1));
    for (int b = 0; b < NBAD; b++) {
        if (b == BAD_MISMATCH && nparts == np) continue; /* needs two ranks on one coordinate */
        if (b == BAD_SHAPE && np == 1) continue;
        int64_t cnt = P.counts[mc], shape[2] = {L.shape[0], L.shape[1]};
        memcpy(mine, P.lists[mc], sizeof *mine * cnt);
        int last_part = nparts - 1;
        switch (b) {
        case BAD_RANGE:
            if (me == np - 1 && cnt > 0) mine[cnt - 1] = L.shape[1];
            if (me == np - 1 && cnt == 0) mine[cnt++] = -1;
            break;
        case BAD_MISSING:
            if (mc == 0) { /* every rank of coordinate 0 drops an index */
                if (cnt > 0) cnt--;
            }
            break;
        case BAD_OVERLAP: /* part 0 takes one of the last part's indices in place of one of its own */
            if (mc == 0 && cnt > 0 && P.counts[last_part] > 0)
                mine[0] = last_part == 0 ? P.lists[0][cnt - 1] : P.lists[last_part][0];
            break;
        case BAD_MISMATCH: /* the highest rank of its coordinate swaps two entries */
            if (me == np - 1 && cnt > 1) {
                int64_t t = mine[0];
                mine[0] = mine[1];
                mine[1] = t;
            }
            break;
        case BAD_SHAPE:
            if (me == 0) shape[0] = 4;
            break;
        }
        da_dim_spec_t dims[2] = {DA_DIM_BLOCK, DA_DIM_UNSTRUCTURED_LOCAL(nparts, cnt, mine)};
        set_directory(directory);
        da_dist_t *d = (da_dist_t *)&d; /* must come back NULL */
        int rc = da_dist_create_comm(MPI_COMM_WORLD, 2, shape, dims, L.grid, &d);
        CHECK(rc != DA_SUCCESS, "bad input '%s' (directory %d) accepted", bad_names[b], directory);
        CHECK(d == NULL, "bad input '%s': *out not NULL", bad_names[b]);
        int want = b == BAD_SHAPE ? DA_ERR_COLLECTIVE : DA_ERR_UNSTRUCTURED;
        CHECK(rc == want, "bad input '%s' (directory %d): rc %d (%s), want %d: %s", bad_names[b], directory, rc,
              da_strerror(rc), want, da_last_error());
    }
    /* the LOCAL form needs the collective constructor */
    da_dim_spec_t one = DA_DIM_UNSTRUCTURED_LOCAL(1, 0, NULL);
    int64_t n1 = 1;
    da_dist_t *d;
    CHECK_EQ(da_dist_create(1, &n1, &one, NULL, 1, &d), DA_ERR_ARG);
    free(mine);
    free_partition(&P);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &me);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    double t0 = MPI_Wtime();

    for (int directory = 1; directory >= 0; directory--) {
        layout_t L1 = {1, 0, {6000, 0}, {np, 0}};
        run_layout(&L1, directory, 0);
        int nparts = np % 2 == 0 && np > 2 ? np / 2 : np;
        layout_t L2 = {2, 1, {4, 5000}, {np / nparts, nparts}};
        run_layout(&L2, directory, 1);
        layout_t L3 = {2, 0, {3000, 3}, {np, 1}}; /* unstructured rows */
        if (directory) run_layout(&L3, directory, 0); /* the replicated table is da_dist_create's, tested elsewhere */
        run_bad(directory);
    }
    /* a small cache bound: cleared and refilled during the checks */
    setenv("DA_DIRECTORY_CACHE", "700", 1);
    layout_t L4 = {1, 0, {6000, 0}, {np, 0}};
    run_layout(&L4, 1, 1);
    unsetenv("DA_DIRECTORY_CACHE");
    unsetenv("DA_DIRECTORY_MIN");

    /* a map with a directory left for MPI_Finalize (which must free its
       window, or UCX aborts there), destroyed only afterwards */
    setenv("DA_DIRECTORY_MIN", "0", 1);
    int64_t nl = 10 * np, mine[10];
    for (int i = 0; i < 10; i++) mine[i] = (int64_t)i * np + me;
    da_dim_spec_t left_dims[1] = {DA_DIM_UNSTRUCTURED_LOCAL(np, 10, mine)};
    da_dist_t *left;
    CHECK_DA(da_dist_create_comm(MPI_COMM_WORLD, 1, &nl, left_dims, NULL, &left));
    CHECK_EQ(info_of(left, 0).active, 1);

    double t = MPI_Wtime() - t0;
    if (me == 0) printf("test_directory: %d ranks OK (%.2f s)\n", np, t);
    MPI_Finalize();
    if (da_dist_destroy(&left) != DA_SUCCESS || left) th_fail(); /* memory only, after MPI */
    return 0;
}
