/* The window pool (lib/winpool.c): a destroyed array's windows are parked
 * and given to the next array of the same size on the same group of ranks.
 *
 *  - Every new array is zero-filled, also when it reuses windows that the
 *    previous array left full of values (each rank writes its whole block,
 *    then destroys, then checks the next array by a full da_get); arrays
 *    made by da_array_create_uninit (every other round) are not checked
 *    for zeros but must work like the others, and leave no trace in the
 *    zero-filled array that reuses their memory.
 *  - Three irregular maps: rank 0's block is big in the first and third
 *    and small in the second; the other ranks' blocks differ in all three.
 *    Parked sets of all of them are live at once, so rank 0, picking by its
 *    own size alone, could take the first map's set when the others take
 *    the third's; the ranks must agree. Each array is checked by puts to
 *    every other rank's elements and a full get against a reference.
 *  - Sub-communicators: even and odd ranks create and destroy different
 *    numbers of arrays on their own halves (sets parked on different
 *    groups), a communicator in reversed rank order (same group, another
 *    order: it must not take the world's sets), then world arrays again;
 *    MPI_Finalize frees what is left parked (the run would hang or abort
 *    if the frees did not match across ranks).
 *  - Seven arrays destroyed in a row: a group keeps at most four sets, the
 *    oldest go first; every size is then created again and checked.
 *  - DA_WINDOW_CACHE=0 (set before a destroy) parks nothing, and a cache
 *    smaller than one block parks nothing: both still give correct arrays.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darray.h"
#include "harness.h"

static int g_me, g_np;

/* A 1-D irregular map over the ranks of comm, rank r holding sizes[r]. */
static da_dist_t *irregular(MPI_Comm comm, const int64_t *sizes)
{
    int np;
    MPI_Comm_size(comm, &np);
    int64_t *starts = malloc(sizeof *starts * (size_t)np), n = 0;
    for (int r = 0; r < np; r++) {
        starts[r] = n;
        n += sizes[r];
    }
    da_dim_spec_t spec = DA_DIM_IRREGULAR(np, starts);
    da_dist_t *d;
    CHECK_DA(da_dist_create(1, &n, &spec, NULL, np, &d));
    free(starts);
    return d;
}

/* Create on comm, check zeros everywhere, write every element from the
   ranks that do not own it, check against the reference, fill the own
   block with junk (what a reused window would carry), destroy. */
static void cycle(MPI_Comm comm, da_dist_t *d, const char *what, int round)
{
    int me, np;
    MPI_Comm_rank(comm, &me);
    MPI_Comm_size(comm, &np);
    int64_t n;
    CHECK_DA(da_dist_shape(d, &n));
    da_array_t *a;
    int uninit = round % 2; /* da_array_create_uninit: contents unspecified, all else the same */
    CHECK_DA(uninit ? da_array_create_uninit(comm, DA_INT64, d, &a) : da_array_create(comm, DA_INT64, d, &a));
    int64_t *buf = malloc(sizeof *buf * (size_t)(n + 1)), lo = 0;
    CHECK_DA(da_get(a, &lo, &n, NULL, buf, NULL));
    for (int64_t i = 0; i < n && !uninit; i++)
        CHECK(buf[i] == 0, "%s round %d: new array element %lld is %lld, not 0", what, round, (long long)i,
              (long long)buf[i]);
    CHECK_DA(da_sync(a));
    /* element i is written by rank (owner + 1) % np, one put per element */
    for (int64_t i = 0; i < n; i++) {
        int owner;
        int64_t l;
        CHECK_DA(da_dist_owner(d, &i, &owner, NULL, &l));
        if ((owner + 1) % np != me) continue;
        int64_t v = 1000 * (int64_t)round + i, hi = i + 1;
        CHECK_DA(da_put(a, &i, &hi, NULL, &v, NULL));
    }
    CHECK_DA(da_sync(a));
    CHECK_DA(da_get(a, &lo, &n, NULL, buf, NULL));
    for (int64_t i = 0; i < n; i++)
        CHECK(buf[i] == 1000 * (int64_t)round + i, "%s round %d: element %lld is %lld, want %lld", what, round,
              (long long)i, (long long)buf[i], (long long)(1000 * (int64_t)round + i));
    CHECK_DA(da_sync(a));
    void *local;
    int64_t lstr[1], lshape[1];
    CHECK_DA(da_array_local(a, &local, lshape, lstr));
    for (int64_t i = 0; i < lshape[0]; i++) ((int64_t *)local)[i] = -7 - i;
    CHECK_DA(da_sync(a));
    CHECK_DA(da_array_destroy(&a));
    free(buf);
}

static void run_group(MPI_Comm comm, const char *what, int rounds)
{
    int np;
    MPI_Comm_size(comm, &np);
    int64_t *s1 = malloc(sizeof *s1 * (size_t)np), *s2 = malloc(sizeof *s2 * (size_t)np),
            *s3 = malloc(sizeof *s3 * (size_t)np);
    for (int r = 0; r < np; r++) {
        s1[r] = r == 0 ? 40 : 3 + r;  /* rank 0 heavy */
        s2[r] = r == 0 ? 3 : 40 + r;  /* rank 0 light */
        s3[r] = r == 0 ? 40 : 11 + r; /* rank 0 as in s1, the others not */
    }
    if (np > 1) s1[np - 1] = 0; /* an empty block too */
    da_dist_t *d[3] = {irregular(comm, s1), irregular(comm, s2), irregular(comm, s3)};
    for (int k = 0; k < rounds; k++) {
        /* all three sizes parked at once, in varying order, then taken */
        da_array_t *x[3];
        for (int j = 0; j < 3; j++) CHECK_DA(da_array_create(comm, DA_DOUBLE, d[(j + k) % 3], &x[j]));
        for (int j = 0; j < 3; j++) CHECK_DA(da_array_destroy(&x[(j + 2 * k) % 3]));
        cycle(comm, d[2], what, k);
        cycle(comm, d[k % 2], what, k + 100);
        cycle(comm, d[1 - k % 2], what, k + 200);
    }
    for (int j = 0; j < 3; j++) CHECK_DA(da_dist_destroy(&d[j]));
    free(s1);
    free(s2);
    free(s3);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_me);
    MPI_Comm_size(MPI_COMM_WORLD, &g_np);
    double t0 = MPI_Wtime();
    int rounds = g_np <= 2 ? 4 : 1;

    /* da_array_create_uninit takes the same checks as da_array_create */
    {
        int64_t n = 5;
        da_dim_spec_t spec = DA_DIM_BLOCK;
        da_dist_t *d;
        da_array_t *a = (da_array_t *)&n;
        CHECK_DA(da_dist_create(1, &n, &spec, NULL, g_np, &d));
        CHECK(da_array_create_uninit(MPI_COMM_NULL, DA_INT64, d, &a) == DA_ERR_ARG, "uninit: MPI_COMM_NULL accepted");
        CHECK(da_array_create_uninit(MPI_COMM_WORLD, DA_INT64, d, NULL) == DA_ERR_NULL, "uninit: NULL out accepted");
        CHECK(da_array_create_uninit(MPI_COMM_WORLD, (da_type_t)999, d, &a) == DA_ERR_TYPE && a == NULL,
              "uninit: bad type accepted, or *out not cleared");
        CHECK(da_array_create_uninit(MPI_COMM_WORLD, DA_INT64, NULL, &a) != DA_SUCCESS, "uninit: NULL map accepted");
        CHECK_DA(da_dist_destroy(&d));
    }

    run_group(MPI_COMM_WORLD, "world", rounds);

    MPI_Comm half, rev;
    MPI_Comm_split(MPI_COMM_WORLD, g_me % 2, g_me, &half);
    run_group(half, g_me % 2 ? "odd ranks" : "even ranks", g_me % 2 ? 1 : 2);
    MPI_Comm_split(MPI_COMM_WORLD, 0, g_np - 1 - g_me, &rev);
    run_group(rev, "reversed world", 1);
    run_group(MPI_COMM_WORLD, "world again", 1);

    /* more sets than a group may keep: the oldest are freed on the way */
    {
        da_array_t *x[7];
        da_dist_t *dd[7];
        for (int j = 0; j < 7; j++) {
            int64_t n = 10 * g_np + j;
            da_dim_spec_t spec = DA_DIM_BLOCK;
            CHECK_DA(da_dist_create(1, &n, &spec, NULL, g_np, &dd[j]));
            CHECK_DA(da_array_create(MPI_COMM_WORLD, DA_INT64, dd[j], &x[j]));
        }
        for (int j = 0; j < 7; j++) CHECK_DA(da_array_destroy(&x[j]));
        for (int j = 6; j >= 0; j--) cycle(MPI_COMM_WORLD, dd[j], "evictions", 300 + j);
        for (int j = 0; j < 7; j++) CHECK_DA(da_dist_destroy(&dd[j]));
    }

    /* no cache, then a cache too small for any block: nothing parks */
    setenv("DA_WINDOW_CACHE", "0", 1);
    run_group(MPI_COMM_WORLD, "no cache", 1);
    setenv("DA_WINDOW_CACHE", "16", 1);
    run_group(MPI_COMM_WORLD, "16-byte cache", 1);
    unsetenv("DA_WINDOW_CACHE");

    /* leave sets parked on half and rev: MPI_Finalize frees them */
    run_group(half, "halves at the end", 1);
    run_group(rev, "reversed at the end", 1);
    MPI_Comm_free(&half);
    MPI_Comm_free(&rev);
    if (g_me == 0) printf("test_winpool: %d ranks OK (%.2f s)\n", g_np, MPI_Wtime() - t0);
    MPI_Finalize();
    return 0;
}
