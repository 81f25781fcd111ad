/* da_sync_arrays: several arrays synchronised with one barrier.
 *
 *  - Three arrays at once: W on the world, H on this rank's half (even or
 *    odd ranks), S on MPI_COMM_SELF; shapes with one element (most blocks
 *    empty), an uneven split, and more. Each round every rank writes its
 *    share of every element of W and H (element i by rank i mod size):
 *    with stores through its local pointer where it owns i, else blocking
 *    puts and non-blocking puts (waited only after the sync); then one
 *    da_sync_arrays over the world with the arrays each rank holds (W
 *    twice on some rounds, in changing order); then every rank checks its
 *    own block with plain loads and the whole array with da_get against
 *    the values the round wrote. Under DA_SHM=0 the non-blocking puts
 *    travel by RMA and only the sync completes them.
 *  - n = 0 is a barrier: rank 0 puts into the last rank's block and calls
 *    da_sync_arrays with no arrays; every rank then reads the value.
 *  - Ranks that start with different DA_WAIT_YIELD settings agree on a new
 *    communicator (a blocking and a non-blocking collective would not
 *    match: the run would hang and the timeout fail it).
 *  - Bad input, each its own error: MPI_COMM_NULL (DA_ERR_ARG), n < 0
 *    (DA_ERR_ARG), NULL list (DA_ERR_NULL), a destroyed handle
 *    (DA_ERR_HANDLE), an array with ranks outside the communicator
 *    (DA_ERR_ARG, also on a communicator that reuses the handle of a freed
 *    one the array was synchronised over); bad input on rank 0 only
 *    returns the error there and success elsewhere, with no rank left
 *    waiting, and the next sync works.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "darray.h"
#include "harness.h"

static int g_me, g_np;

static int64_t value(int round, int which, int64_t i)
{
    return 1000000 * (int64_t)round + 1000 * (int64_t)which + i + 1;
}

typedef struct {
    da_array_t *a;
    MPI_Comm comm;
    int me, np;
    int64_t n;
} arr_t;

static arr_t make(MPI_Comm comm, int64_t n)
{
    arr_t x = {.comm = comm, .n = n};
    MPI_Comm_rank(comm, &x.me);
    MPI_Comm_size(comm, &x.np);
    da_dim_spec_t spec = DA_DIM_BLOCK;
    da_dist_t *d;
    CHECK_DA(da_dist_create(1, &n, &spec, NULL, x.np, &d));
    CHECK_DA(da_array_create(comm, DA_INT64, d, &x.a));
    CHECK_DA(da_dist_destroy(&d));
    return x;
}

/* This rank's share of the round's writes; non-blocking puts go to reqs. */
static void write_share(arr_t *x, int round, int which, da_request_t *reqs, int *nreq, int64_t *vals)
{
    int64_t lo, hi;
    int64_t *local;
    CHECK_DA(da_array_local_box(x->a, &lo, &hi));
    CHECK_DA(da_array_local(x->a, (void **)&local, NULL, NULL));
    for (int64_t i = x->me; i < x->n; i += x->np) {
        int64_t v = value(round, which, i), j = i + 1;
        if (i >= lo && i < hi) {
            local[i - lo] = v;
        } else if ((i / x->np) % 2) {
            CHECK_DA(da_put(x->a, &i, &j, NULL, &v, NULL));
        } else {
            vals[*nreq] = v; /* the buffer must live until the wait */
            CHECK_DA(da_nbput(x->a, &i, &j, NULL, &vals[*nreq], NULL, &reqs[*nreq]));
            (*nreq)++;
        }
    }
}

static void check_all(arr_t *x, int round, int which, const char *what)
{
    int64_t lo, hi, *local, *all = malloc(sizeof(int64_t) * (size_t)x->n), zero = 0;
    CHECK_DA(da_array_local_box(x->a, &lo, &hi));
    CHECK_DA(da_array_local(x->a, (void **)&local, NULL, NULL));
    for (int64_t i = lo; i < hi; i++)
        CHECK(local[i - lo] == value(round, which, i), "%s round %d: local load of %lld gives %lld, want %lld", what,
              round, (long long)i, (long long)local[i - lo], (long long)value(round, which, i));
    CHECK_DA(da_get(x->a, &zero, &x->n, NULL, all, NULL));
    for (int64_t i = 0; i < x->n; i++)
        CHECK(all[i] == value(round, which, i), "%s round %d: da_get of %lld gives %lld, want %lld", what, round,
              (long long)i, (long long)all[i], (long long)value(round, which, i));
    free(all);
}

static void rounds_on(int64_t nw, int64_t nh)
{
    MPI_Comm half;
    MPI_Comm_split(MPI_COMM_WORLD, g_me % 2, g_me, &half);
    arr_t w = make(MPI_COMM_WORLD, nw), h = make(half, nh), s = make(MPI_COMM_SELF, 3);
    int64_t cap = nw + nh + 2;
    da_request_t *reqs = malloc(sizeof *reqs * (size_t)cap);
    int64_t *vals = malloc(sizeof *vals * (size_t)cap);
    for (int round = 1; round <= 4; round++) {
        int nreq = 0;
        write_share(&w, round, 1, reqs, &nreq, vals);
        write_share(&h, round, 2, reqs, &nreq, vals);
        write_share(&s, round, 3, reqs, &nreq, vals);
        da_array_t *list[4];
        int n = 0;
        if (round % 2) {
            list[n++] = w.a;
            list[n++] = h.a;
            list[n++] = s.a;
        } else {
            list[n++] = s.a;
            list[n++] = w.a;
            list[n++] = h.a;
            list[n++] = w.a;
        }
        CHECK_DA(da_sync_arrays(MPI_COMM_WORLD, n, list));
        check_all(&w, round, 1, "world array");
        check_all(&h, round, 2, "half array");
        check_all(&s, round, 3, "self array");
        CHECK_DA(da_waitall(nreq, reqs));
        /* nobody writes the next round before everyone has checked this one */
        CHECK_DA(da_sync_arrays(MPI_COMM_WORLD, 0, NULL));
    }
    free(reqs);
    free(vals);
    CHECK_DA(da_array_destroy(&s.a));
    CHECK_DA(da_array_destroy(&h.a));
    CHECK_DA(da_array_destroy(&w.a));
    MPI_Comm_free(&half);
}

/* n = 0: a barrier (data put before it by rank 0 is there after it). */
static void empty_is_barrier(void)
{
    arr_t w = make(MPI_COMM_WORLD, 2 * (int64_t)g_np);
    for (int round = 1; round <= 3; round++) {
        int64_t i = w.n - 1, j = w.n, v = value(round, 4, i), got = -1;
        if (g_me == 0) {
            if (g_np > 1) usleep(20000); /* the others reach the barrier first */
            CHECK_DA(da_put(w.a, &i, &j, NULL, &v, NULL));
        }
        CHECK_DA(da_sync_arrays(MPI_COMM_WORLD, 0, NULL));
        CHECK_DA(da_get(w.a, &i, &j, NULL, &got, NULL));
        CHECK(got == v, "n = 0: round %d read %lld after the barrier, rank 0 put %lld before it", round,
              (long long)got, (long long)v);
        CHECK_DA(da_sync_arrays(MPI_COMM_WORLD, 0, NULL));
    }
    CHECK_DA(da_array_destroy(&w.a));
}

/* DA_WAIT_YIELD differs between ranks when a communicator is first used. */
static void mixed_wait_settings(void)
{
    MPI_Comm c;
    MPI_Comm_dup(MPI_COMM_WORLD, &c);
    setenv("DA_WAIT_YIELD", g_me % 2 ? "1" : "0", 1);
    arr_t w = make(c, 5);
    for (int k = 0; k < 20; k++) CHECK_DA(da_sync_arrays(c, 1, &w.a));
    unsetenv("DA_WAIT_YIELD");
    CHECK_DA(da_array_destroy(&w.a));
    MPI_Comm_free(&c);
}

static void bad_input(void)
{
    arr_t w = make(MPI_COMM_WORLD, 7);
    CHECK(da_sync_arrays(MPI_COMM_NULL, 1, &w.a) == DA_ERR_ARG, "MPI_COMM_NULL accepted");
    CHECK(da_sync_arrays(MPI_COMM_WORLD, -1, &w.a) == DA_ERR_ARG, "n = -1 accepted");
    CHECK(da_sync_arrays(MPI_COMM_WORLD, 1, NULL) == DA_ERR_NULL, "NULL list accepted");
    da_array_t *list[2] = {w.a, NULL};
    CHECK(da_sync_arrays(MPI_COMM_WORLD, 2, list) == DA_ERR_NULL, "NULL array in the list accepted");

    arr_t gone = make(MPI_COMM_WORLD, 4);
    da_array_t *stale = gone.a;
    CHECK_DA(da_array_destroy(&gone.a));
    CHECK(da_sync_arrays(MPI_COMM_WORLD, 1, &stale) == DA_ERR_HANDLE, "destroyed handle accepted");

    /* bad on rank 0 only: the error there, success elsewhere, nobody hangs */
    int rc = da_sync_arrays(MPI_COMM_WORLD, g_me == 0 ? -1 : 1, &w.a);
    CHECK(rc == (g_me == 0 ? DA_ERR_ARG : DA_SUCCESS), "bad input on rank 0 only: rank %d got %d", g_me, rc);
    CHECK_DA(da_sync_arrays(MPI_COMM_WORLD, 1, &w.a));

    /* the world array over half the ranks: outside the communicator */
    MPI_Comm t;
    MPI_Comm_dup(MPI_COMM_WORLD, &t);
    CHECK_DA(da_sync_arrays(t, 1, &w.a)); /* congruent: fine, and remembered */
    MPI_Comm_free(&t);
    MPI_Comm_split(MPI_COMM_WORLD, g_me % 2, g_me, &t); /* may get the freed handle back */
    rc = da_sync_arrays(t, 1, &w.a);
    CHECK(rc == (g_np > 1 ? DA_ERR_ARG : DA_SUCCESS), "array with ranks outside the communicator: got %d", rc);
    MPI_Comm_free(&t);
    CHECK_DA(da_sync_arrays(MPI_COMM_WORLD, 1, &w.a));
    CHECK_DA(da_array_destroy(&w.a));
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_me);
    MPI_Comm_size(MPI_COMM_WORLD, &g_np);
    rounds_on(1, 1);
    rounds_on(2 * (int64_t)g_np + 1, (int64_t)g_np + 2);
    rounds_on(61, 40);
    empty_is_barrier();
    mixed_wait_settings();
    bad_input();
    if (g_me == 0) printf("test_sync: %d ranks passed\n", g_np);
    MPI_Finalize();
    return 0;
}
