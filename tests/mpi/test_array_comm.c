/* Arrays on communicators other than MPI_COMM_WORLD, da_array_dup and
 * da_array_shares_memory_with.
 *
 *  - Even and odd ranks (MPI_Comm_split) each build an array on their own
 *    sub-communicator, at the same time, and put / accumulate / get against
 *    a reference; ranks in the map are ranks of the sub-communicator.
 *  - A communicator with the ranks in reversed order: rank r of the map is
 *    world rank p-1-r; the local block (da_array_local, da_array_local_box)
 *    is the one the map gives the rank in that communicator.
 *  - MPI_COMM_SELF: every rank its own one-rank array.
 *  - The array keeps its own copies of the communicator and the map: both
 *    are freed by the user right after creation and the array still works;
 *    da_array_comm is congruent with the communicator passed.
 *  - da_array_dup: zero-filled, same type, shape, map (compared index by
 *    index) and communicator; writing either leaves the other unchanged.
 *  - da_array_shares_memory_with: true for the rank itself, symmetric
 *    across ranks, and false for every other rank when DA_SHM=0 (from the
 *    environment, or set with setenv before a creation).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darray.h"
#include "darray/array.h"
#include "harness.h"
#include "reference.h"

static int g_me, g_np;
static int g_arrays;

/* Two maps describe the same distribution: same ndim, shape, grid, local
 * shapes, and the same owner and local index for every global index. */
static void same_map(const da_dist_t *a, const da_dist_t *b, const char *what)
{
    int na, nb, pa, pb;
    CHECKC_DA(da_dist_ndim(a, &na));
    CHECKC_DA(da_dist_ndim(b, &nb));
    CHECKC(na == nb, "%s: ndim %d vs %d", what, na, nb);
    CHECKC_DA(da_dist_nranks(a, &pa));
    CHECKC_DA(da_dist_nranks(b, &pb));
    CHECKC(pa == pb, "%s: nranks %d vs %d", what, pa, pb);
    int64_t sa[DA_MAX_NDIM], sb[DA_MAX_NDIM];
    int ga[DA_MAX_NDIM], gb[DA_MAX_NDIM];
    CHECKC_DA(da_dist_shape(a, sa));
    CHECKC_DA(da_dist_shape(b, sb));
    CHECKC_DA(da_dist_grid(a, ga));
    CHECKC_DA(da_dist_grid(b, gb));
    for (int i = 0; i < na; i++) {
        CHECKC(sa[i] == sb[i], "%s: shape[%d] %lld vs %lld", what, i, (long long)sa[i], (long long)sb[i]);
        CHECKC(ga[i] == gb[i], "%s: grid[%d] %d vs %d", what, i, ga[i], gb[i]);
    }
    int64_t g[DA_MAX_NDIM] = {0}, la[DA_MAX_NDIM], lb[DA_MAX_NDIM];
    for (;;) {
        int ra, rb;
        CHECKC_DA(da_dist_owner(a, g, &ra, NULL, la));
        CHECKC_DA(da_dist_owner(b, g, &rb, NULL, lb));
        CHECKC(ra == rb, "%s: owner of global index [0]=%lld.. %d vs %d", what, (long long)g[0], ra, rb);
        for (int i = 0; i < na; i++)
            CHECKC(la[i] == lb[i], "%s: local index [%d] %lld vs %lld", what, i, (long long)la[i], (long long)lb[i]);
        int d = na - 1;
        while (d >= 0 && ++g[d] == sa[d]) g[d--] = 0;
        if (d < 0) break;
    }
}

/* Put, accumulate and get on an array over comm, with the map's ranks being
 * comm's ranks. Collective over comm. Frees the user's copies of comm and
 * the map right after creation (the array keeps its own). */
static void run_on(MPI_Comm comm, const char *cname, int ndim, const int64_t *shape, const int *kinds, da_type_t t,
                   uint64_t seed, int with_dup)
{
    int me, np;
    MPI_Comm_rank(comm, &me);
    MPI_Comm_size(comm, &np);
    th_rng_t shared = th_rng_seed(seed);
    ref_map_t m;
    ref_map_build(&m, &shared, ndim, shape, kinds, NULL, np);
    char what[700];
    snprintf(what, sizeof what, "%s on %s (rank %d of %d there)", m.desc, cname, me, np);
    REF_CASE("%s, type %s, create", what, ref_type_name(t));

    MPI_Comm user;
    MPI_Comm_dup(comm, &user);
    da_array_t *a = NULL;
    CHECKC_DA(da_array_create(user, t, m.d, &a));
    g_arrays++;
    da_dist_t *keep = NULL; /* for the checks below */
    CHECKC_DA(da_dist_dup(m.d, &keep));
    ref_map_free(&m);       /* the array keeps its own copy */
    MPI_Comm ac;
    CHECKC_DA(da_array_comm(a, &ac));
    int cmp = MPI_UNEQUAL;
    MPI_Comm_compare(ac, comm, &cmp);
    CHECKC(cmp == MPI_CONGRUENT || cmp == MPI_IDENT, "da_array_comm not congruent with %s (%d)", cname, cmp);
    MPI_Comm_free(&user);   /* and its own communicator */

    da_dist_t *got = NULL;
    CHECKC_DA(da_array_dist(a, &got));
    same_map(keep, got, "da_array_dist vs the map passed to create");
    CHECKC_DA(da_dist_destroy(&got));

    /* The local block is the map's block of this rank in comm. */
    int64_t lshape[DA_MAX_NDIM], mshape[DA_MAX_NDIM], elems;
    CHECKC_DA(da_array_local(a, NULL, lshape, NULL));
    CHECKC_DA(da_dist_local_shape(keep, me, mshape, &elems));
    for (int i = 0; i < ndim; i++)
        CHECKC(lshape[i] == mshape[i], "local shape[%d] %lld, map gives rank %d in %s %lld", i, (long long)lshape[i],
               me, cname, (long long)mshape[i]);
    int64_t blo[DA_MAX_NDIM], bhi[DA_MAX_NDIM], mlo[DA_MAX_NDIM], mhi[DA_MAX_NDIM];
    int rc1 = da_array_local_box(a, blo, bhi), rc2 = da_dist_local_box(keep, me, mlo, mhi);
    CHECKC(rc1 == rc2, "da_array_local_box returned %d, da_dist_local_box %d", rc1, rc2);
    if (rc1 == DA_SUCCESS)
        for (int i = 0; i < ndim; i++)
            CHECKC(blo[i] == mlo[i] && bhi[i] == mhi[i], "local box dim %d [%lld,%lld), map gives [%lld,%lld)", i,
                   (long long)blo[i], (long long)bhi[i], (long long)mlo[i], (long long)mhi[i]);
    int shared_self = -1;
    CHECKC_DA(da_array_shares_memory_with(a, me, &shared_self));
    CHECKC(shared_self == 1, "da_array_shares_memory_with(own rank %d in %s) = %d", me, cname, shared_self);
    CHECKC(da_array_shares_memory_with(a, np, &shared_self) == DA_ERR_RANK,
           "shares_memory_with(%d) on a communicator of %d is not DA_ERR_RANK", np, np);

    ref_array_t r;
    ref_init(&r, ndim, shape, t, ref_type_size(t, 0));
    const ref_box_t whole = ref_box_whole(ndim, shape);
    ref_check_get(a, &r, &whole, "fresh array");
    CHECKC_DA(da_sync(a)); /* reads done before anyone writes */

    for (int round = 0; round < (g_np <= 2 ? 2 * np + 2 : 3); round++) {
        /* a put by one rank (rotating), then an accumulate by all */
        const int putter = round % np;
        ref_box_t b = round == 0 ? whole : ref_box_random(&shared, ndim, shape, 1);
        REF_CASE("%s, type %s, round %d, put by rank %d (of %s) of %s", what, ref_type_name(t), round, putter, cname,
                 ref_box_str(&b));
        ref_gbuf_t g;
        ref_gbuf_alloc(&g, &b, r.es);
        uint64_t j = 0;
        REF_BOX_FOREACH(&b, gi, off, {
            ref_gen(t, r.es, ref_mix(seed + (uint64_t)round, j++) % 1000, ref_at(&r, gi));
            memcpy(g.base + (size_t)off * r.es, ref_at(&r, gi), r.es);
        });
        if (me == putter) CHECKC_DA(da_put(a, b.lo, b.hi, ref_box_step(&b), g.base, ref_box_ld(&b)));
        ref_gbuf_free(&g);
        CHECKC_DA(da_sync(a));
        ref_check_get(a, &r, &whole, "whole array after put");
        ref_check_local(a, &r, me, "local block after put");
        CHECKC_DA(da_sync(a));

        unsigned char alpha[16];
        memset(alpha, 0, sizeof alpha);
        if (t == DA_INT32) { int32_t v = 2; memcpy(alpha, &v, 4); }
        if (t == DA_DOUBLE) { double v = 3; memcpy(alpha, &v, 8); }
        if (t == DA_INT64) { int64_t v = -1; memcpy(alpha, &v, 8); }
        for (int who = 0; who < np; who++) {
            ref_box_t ab = ref_box_random(&shared, ndim, shape, 1);
            ref_gbuf_alloc(&g, &ab, r.es);
            REF_BOX_FOREACH(&ab, gi, off, {
                unsigned char v[16] = {0};
                int64_t x = th_rng_range(&shared, -9, 10);
                if (t == DA_INT32) { int32_t y = (int32_t)x; memcpy(v, &y, 4); }
                if (t == DA_INT64) memcpy(v, &x, 8);
                if (t == DA_DOUBLE) { double y = (double)x; memcpy(v, &y, 8); }
                memcpy(g.base + (size_t)off * r.es, v, r.es);
                ref_acc_elem(t, DA_OP_SUM, alpha, ref_at(&r, gi), v);
            });
            if (who == me) {
                REF_CASE("%s, type %s, round %d, acc SUM by rank %d (of %s) of %s", what, ref_type_name(t), round, who,
                         cname, ref_box_str(&ab));
                CHECKC_DA(da_acc(a, DA_OP_SUM, alpha, ab.lo, ab.hi, ref_box_step(&ab), g.base, ref_box_ld(&ab)));
            }
            ref_gbuf_free(&g);
        }
        CHECKC_DA(da_sync(a));
        REF_CASE("%s, type %s, round %d, after every rank's accumulate", what, ref_type_name(t), round);
        ref_check_get(a, &r, &whole, "whole array after accumulates");
        ref_check_local(a, &r, me, "local block after accumulates");
        CHECKC_DA(da_sync(a));
    }

    if (!with_dup) {
        CHECKC_DA(da_array_destroy(&a));
        CHECKC_DA(da_dist_destroy(&keep));
        ref_free(&r);
        return;
    }

    /* dup: zero-filled, same map, type and communicator; independent data. */
    REF_CASE("%s, type %s, da_array_dup", what, ref_type_name(t));
    da_array_t *b = NULL;
    CHECKC_DA(da_array_dup(a, &b));
    CHECKC(b != NULL && b != a, "da_array_dup returned %p for %p", (void *)b, (void *)a);
    g_arrays++;
    da_type_t bt;
    size_t bes;
    CHECKC_DA(da_array_type(b, &bt, &bes));
    CHECKC(bt == t && bes == r.es, "dup type %d size %zu, original %d size %zu", (int)bt, bes, (int)t, r.es);
    CHECKC_DA(da_array_dist(b, &got));
    same_map(keep, got, "da_array_dist of the dup vs the original map");
    CHECKC_DA(da_dist_destroy(&got));
    MPI_Comm bc;
    CHECKC_DA(da_array_comm(b, &bc));
    MPI_Comm_compare(bc, comm, &cmp);
    CHECKC(cmp == MPI_CONGRUENT || cmp == MPI_IDENT, "dup's communicator not congruent with %s (%d)", cname, cmp);
    ref_array_t z;
    ref_init(&z, ndim, shape, t, r.es);
    ref_check_get(b, &z, &whole, "dup is zero-filled");
    ref_check_local(b, &z, me, "dup's local block is zero-filled");
    ref_check_get(a, &r, &whole, "original after dup");
    CHECKC_DA(da_sync(b)); /* zero checks done before the put */
    /* write the dup (the last rank puts everything), the original stays */
    for (int64_t j = 0; j < z.total; j++) ref_gen(t, z.es, ref_mix(seed ^ 0xd0d0, (uint64_t)j), z.d + (size_t)j * z.es);
    if (me == np - 1) CHECKC_DA(da_put(b, whole.lo, whole.hi, NULL, z.d, NULL));
    CHECKC_DA(da_sync(b));
    CHECKC_DA(da_sync(a));
    ref_check_get(b, &z, &whole, "dup after a put into it");
    ref_check_get(a, &r, &whole, "original after a put into the dup");
    ref_check_local(a, &r, me, "original's local block after a put into the dup");
    /* and the other way round: destroying the original leaves the dup */
    CHECKC_DA(da_array_destroy(&a));
    ref_check_get(b, &z, &whole, "dup after destroying the original");
    CHECKC_DA(da_array_destroy(&b));

    CHECKC_DA(da_dist_destroy(&keep));
    ref_free(&r);
    ref_free(&z);
}

static int env_shm_off(void)
{
    const char *v = getenv("DA_SHM");
    return v && *v && strtol(v, NULL, 10) == 0;
}

/* shares_memory_with over the whole world: self true, symmetric, false for
 * others when the shared-memory path is off. */
static void check_sharing(const char *what, int expect_off)
{
    REF_CASE("da_array_shares_memory_with, %s", what);
    /* irregular, rank 0's part empty (when there are two ranks or more) */
    int64_t shape[1] = {16}, starts[64];
    for (int c = 0; c < g_np; c++) starts[c] = c <= 1 ? 0 : 16 * c / g_np;
    da_dim_spec_t dim = DA_DIM_IRREGULAR(g_np, starts);
    da_dist_t *d = NULL;
    CHECK_DA(da_dist_create(1, shape, &dim, NULL, g_np, &d));
    da_array_t *a = NULL;
    CHECKC_DA(da_array_create(MPI_COMM_WORLD, DA_DOUBLE, d, &a));
    g_arrays++;
    int *row = malloc(sizeof *row * (size_t)g_np), *all = malloc(sizeof *all * (size_t)g_np * g_np);
    CHECK(row && all, "out of memory");
    for (int r = 0; r < g_np; r++) {
        row[r] = -1;
        CHECKC_DA(da_array_shares_memory_with(a, r, &row[r]));
        CHECKC(row[r] == 0 || row[r] == 1, "shares_memory_with(%d) = %d, not 0 or 1", r, row[r]);
    }
    CHECKC(row[g_me] == 1, "shares_memory_with(self = %d) = %d", g_me, row[g_me]);
    MPI_Allgather(row, g_np, MPI_INT, all, g_np, MPI_INT, MPI_COMM_WORLD);
    for (int i = 0; i < g_np; i++)
        for (int j = 0; j < g_np; j++)
            CHECKC(all[i * g_np + j] == all[j * g_np + i], "rank %d says shared with %d = %d, rank %d says %d", i, j,
                   all[i * g_np + j], j, all[j * g_np + i]);
    /* ranks on one node (all, here) share when the path is on */
    MPI_Comm node;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
    MPI_Group wg, ng;
    MPI_Comm_group(MPI_COMM_WORLD, &wg);
    MPI_Comm_group(node, &ng);
    for (int r = 0; r < g_np; r++) {
        if (r == g_me) continue;
        int nr;
        MPI_Group_translate_ranks(wg, 1, &r, ng, &nr);
        int same_node = nr != MPI_UNDEFINED;
        if (expect_off)
            CHECKC(row[r] == 0, "DA_SHM=0 but shares_memory_with(%d) = 1", r);
        else
            CHECKC(row[r] == same_node, "shared-memory path on; rank %d %s on this node but shares_memory_with = %d",
                   r, same_node ? "is" : "is not", row[r]);
    }
    MPI_Group_free(&wg);
    MPI_Group_free(&ng);
    MPI_Comm_free(&node);

    /* the answer does not change what data look like: a quick round trip */
    ref_array_t r;
    ref_init(&r, 1, shape, DA_DOUBLE, 8);
    for (int64_t j = 0; j < 16; j++) {
        double v = (double)(j * 10 + 1);
        memcpy(r.d + j * 8, &v, 8);
    }
    if (g_me == g_np - 1) CHECKC_DA(da_put(a, (int64_t[]){0}, shape, NULL, r.d, NULL));
    CHECKC_DA(da_sync(a));
    ref_box_t whole = ref_box_whole(1, shape);
    ref_check_get(a, &r, &whole, "round trip");
    ref_free(&r);
    free(row);
    free(all);
    CHECKC_DA(da_array_destroy(&a));
    da_dist_destroy(&d);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_me);
    MPI_Comm_size(MPI_COMM_WORLD, &g_np);
    double t0 = MPI_Wtime();

    /* Even and odd ranks, at the same time. */
    MPI_Comm half;
    MPI_Comm_split(MPI_COMM_WORLD, g_me % 2, g_me, &half);
    const char *hname = g_me % 2 ? "odd ranks" : "even ranks";
    /* (creations are slow when ranks oversubscribe the cores: fewer arrays at 3+ ranks) */
    const int small = g_np <= 2;
    run_on(half, hname, 1, (int64_t[]){11}, (int[]){REF_K_BLOCK}, DA_INT64, 1, 1);
    run_on(half, hname, 2, (int64_t[]){5, 4}, (int[]){REF_K_IRREG, REF_K_CYCLIC}, DA_DOUBLE, 2, 0);
    if (small) run_on(half, hname, 2, (int64_t[]){3, 7}, (int[]){REF_K_BC2, REF_K_UNSTR}, DA_INT32, 3, 1);

    /* Reversed order: rank r there is world rank p-1-r. */
    MPI_Comm rev;
    MPI_Comm_split(MPI_COMM_WORLD, 0, g_np - 1 - g_me, &rev);
    int rr;
    MPI_Comm_rank(rev, &rr);
    CHECK(rr == g_np - 1 - g_me, "reversed communicator: rank %d, expected %d", rr, g_np - 1 - g_me);
    run_on(rev, "reversed world", 1, (int64_t[]){10}, (int[]){REF_K_BLOCK}, DA_DOUBLE, 4, small);
    run_on(rev, "reversed world", 2, (int64_t[]){7, 3}, (int[]){REF_K_IRREG, REF_K_BLOCK_GA}, DA_INT32, 5, 1);
    if (small)
        run_on(rev, "reversed world", 3, (int64_t[]){3, 2, 4}, (int[]){REF_K_UNSTR, REF_K_BC3, REF_K_BLOCK}, DA_INT64,
               6, 1);

    /* The reversed array and the half array alive at once, interleaved. */
    {
        REF_CASE("two arrays alive at once, on the reversed world and on the %s", hname);
        int64_t n = 9;
        da_dim_spec_t dim = DA_DIM_BLOCK;
        int hn;
        MPI_Comm_size(half, &hn);
        da_dist_t *dr = NULL, *dh = NULL;
        CHECK_DA(da_dist_create(1, &n, &dim, NULL, g_np, &dr));
        CHECK_DA(da_dist_create(1, &n, &dim, NULL, hn, &dh));
        da_array_t *ar = NULL, *ah = NULL;
        CHECKC_DA(da_array_create(rev, DA_INT64, dr, &ar));
        CHECKC_DA(da_array_create(half, DA_INT64, dh, &ah));
        g_arrays += 2;
        int64_t vr[9], vh[9];
        for (int i = 0; i < 9; i++) {
            vr[i] = 100 + i;
            vh[i] = (g_me % 2) * 1000 + i;
        }
        int hr;
        MPI_Comm_rank(half, &hr);
        if (rr == 0) CHECKC_DA(da_put(ar, (int64_t[]){0}, &n, NULL, vr, NULL));
        if (hr == 0) CHECKC_DA(da_put(ah, (int64_t[]){0}, &n, NULL, vh, NULL));
        CHECKC_DA(da_sync(ah));
        CHECKC_DA(da_sync(ar));
        ref_array_t r1, r2;
        ref_init(&r1, 1, &n, DA_INT64, 8);
        ref_init(&r2, 1, &n, DA_INT64, 8);
        memcpy(r1.d, vr, sizeof vr);
        memcpy(r2.d, vh, sizeof vh);
        ref_box_t whole = ref_box_whole(1, &n);
        ref_check_get(ar, &r1, &whole, "array on the reversed world");
        ref_check_get(ah, &r2, &whole, "array on the half");
        ref_check_local(ar, &r1, rr, "local block on the reversed world");
        ref_check_local(ah, &r2, hr, "local block on the half");
        CHECKC_DA(da_array_destroy(&ah));
        CHECKC_DA(da_array_destroy(&ar));
        ref_free(&r1);
        ref_free(&r2);
        da_dist_destroy(&dr);
        da_dist_destroy(&dh);
    }

    /* Every rank alone. */
    run_on(MPI_COMM_SELF, "MPI_COMM_SELF", 2, (int64_t[]){4, 3}, (int[]){REF_K_BLOCK, REF_K_CYCLIC}, DA_DOUBLE,
           7 + (uint64_t)g_me, 1);

    /* And the world, for dup on a plain communicator. */
    if (small)
        run_on(MPI_COMM_WORLD, "MPI_COMM_WORLD", 2, (int64_t[]){6, 5}, (int[]){REF_K_BC2, REF_K_BLOCK}, DA_INT32, 20, 1);

    MPI_Comm_free(&half);
    MPI_Comm_free(&rev);

    /* Shared-memory answers: as the environment says, then with DA_SHM=0 set here. */
    check_sharing(env_shm_off() ? "DA_SHM=0 from the environment" : "default environment", env_shm_off());
    /* darray reads DA_SHM at each creation and the ranks agree on the
     * minimum (docs/tunables.md): rank 0 alone turns it off. */
    const char *old = getenv("DA_SHM");
    char *saved = old ? strdup(old) : NULL;
    if (g_me == 0) setenv("DA_SHM", "0", 1);
    check_sharing("DA_SHM=0 set by setenv on rank 0 only, before the creation", 1);
    if (saved) {
        setenv("DA_SHM", saved, 1);
        free(saved);
    } else {
        unsetenv("DA_SHM");
    }

    double dt = MPI_Wtime() - t0;
    if (g_me == 0) printf("array_comm: %d arrays on %d ranks, %.2f s\n", g_arrays, g_np, dt);
    MPI_Finalize();
    return 0;
}
