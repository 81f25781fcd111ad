/* Numbered mutexes: mutual exclusion, exact read-modify-write, trylock,
 * nesting, sub-communicators, and every bad input.
 *
 *  - all ranks increment shared elements with da_get + da_put under the
 *    element's mutex, many times: every increment survives (a lost update
 *    would show), and an occupancy counter bumped inside each critical
 *    section (da_fetch_add +1 on entry must return 0) catches two holders at
 *    once directly;
 *  - two mutexes held at once (taken in ascending order);
 *  - trylock: fails while another rank holds the mutex, succeeds when it is
 *    free; a trylock-only spin loop still gives exact increments;
 *  - a mutex set over half of the ranks (a split communicator);
 *  - bad inputs: index out of range, locking twice, unlocking a mutex not
 *    held, destroyed or NULL sets, collective creation with a bad or
 *    mismatched count on some ranks (every rank returns, none hangs),
 *    destroy while a mutex is held (every rank gets DA_ERR_HELD, the set
 *    stays usable).
 *
 * Run with DA_SHM=0 too: then the locks are MPI atomics and the waits must
 * drive MPI progress.
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darray.h"
#include "harness.h"

static int g_me, g_np, g_rma;

/* Iterations for a part. On the RMA path (DA_SHM=0) every operation needs
   the target scheduled; on a loaded or oversubscribed machine that costs up
   to milliseconds per operation, so those runs do fewer. */
static int iters(int n)
{
    if (!g_rma || g_np == 1) return n;
    return g_np > 2 ? n / 10 : n / 5;
}


#define CHECK_RC(call, code)                                                                       \
    do {                                                                                           \
        int rc_ = (call);                                                                          \
        CHECK(rc_ == (code), "%s returned %d (%s), expected %d (%s)", #call, rc_, da_strerror(rc_), \
              (int)(code), da_strerror(code));                                                     \
        CHECK(da_last_error()[0] != '\0', "%s: no detail message", #call);                       \
    } while (0)

#define PER 8 /* elements per rank in the data array */

static da_array_t *make_data(void)
{
    int64_t n = (int64_t)PER * g_np;
    da_dist_t *d;
    da_array_t *a;
    da_dim_spec_t s = DA_DIM_BLOCK;
    CHECK_DA(da_dist_create(1, &n, &s, NULL, g_np, &d));
    CHECK_DA(da_array_create(MPI_COMM_WORLD, DA_INT64, d, &a));
    CHECK_DA(da_dist_destroy(&d));
    return a;
}

/* Element protected by mutex k: on rank (k+1) % np, away from the mutex's host. */
static int64_t elem_of(int k) { return (int64_t)((k + 1) % g_np) * PER + k / g_np; }
/* Occupancy counter of mutex k. */
static int64_t occ_of(int k) { return (int64_t)(k % g_np) * PER + PER - 1 - k / g_np; }

/* x = A[e]; A[e] = x + 1 by get and put: only a mutex makes this exact. */
static void increment(da_array_t *a, int64_t e, int64_t occ)
{
    int64_t x, hi = e + 1, inside;
    CHECK_DA(da_fetch_add(a, &occ, 1, &inside));
    CHECK(inside == 0, "%lld other holder(s) inside the critical section", (long long)inside);
    CHECK_DA(da_get(a, &e, &hi, NULL, &x, NULL));
    x++;
    CHECK_DA(da_put(a, &e, &hi, NULL, &x, NULL));
    CHECK_DA(da_fetch_add(a, &occ, -1, NULL));
}

static int64_t g_expect[64]; /* increments so far per mutex, all ranks, all parts */

static void check_counts(da_array_t *a, int nmut, const int64_t *mine)
{
    int64_t *tot = malloc(sizeof *tot * (size_t)nmut);
    CHECK_MPI(MPI_Allreduce(mine, tot, nmut, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD));
    CHECK_DA(da_sync(a));
    for (int k = 0; k < nmut; k++) {
        int64_t e = elem_of(k), v, hi = e + 1;
        g_expect[k] += tot[k];
        CHECK_DA(da_get(a, &e, &hi, NULL, &v, NULL));
        CHECK(v == g_expect[k], "mutex %d: element is %lld after %lld increments", k, (long long)v,
              (long long)g_expect[k]);
    }
    CHECK_DA(da_sync(a));
    free(tot);
}

static void read_modify_write(da_mutexes_t *m, int nmut, da_array_t *a, int iters)
{
    int64_t *mine = calloc((size_t)nmut, sizeof *mine);
    for (int it = 0; it < iters; it++) {
        /* most ranks pile onto mutex 0; the rest spread over the others */
        int k = it % 2 ? 0 : (g_me + it / 2) % nmut;
        CHECK_DA(da_mutex_lock(m, k));
        increment(a, elem_of(k), occ_of(k));
        CHECK_DA(da_mutex_unlock(m, k));
        mine[k]++;
    }
    check_counts(a, nmut, mine);
    free(mine);
}

static void nested(da_mutexes_t *m, int nmut, da_array_t *a, int iters)
{
    int64_t *mine = calloc((size_t)nmut, sizeof *mine);
    for (int it = 0; it < iters; it++) {
        int k1 = (g_me + it) % nmut, k2 = (k1 + 1 + it % (nmut - 1)) % nmut;
        if (k2 < k1) { int t = k1; k1 = k2; k2 = t; }
        CHECK_DA(da_mutex_lock(m, k1));
        CHECK_DA(da_mutex_lock(m, k2));
        increment(a, elem_of(k1), occ_of(k1));
        increment(a, elem_of(k2), occ_of(k2));
        /* release in either order */
        if (it % 2) {
            CHECK_DA(da_mutex_unlock(m, k1));
            CHECK_DA(da_mutex_unlock(m, k2));
        } else {
            CHECK_DA(da_mutex_unlock(m, k2));
            CHECK_DA(da_mutex_unlock(m, k1));
        }
        mine[k1]++;
        mine[k2]++;
    }
    check_counts(a, nmut, mine);
    free(mine);
}

static void trylock(da_mutexes_t *m, int nmut, da_array_t *a, int iters)
{
    int got;
    /* the last rank holds mutex 1; everybody else's trylock fails */
    if (g_me == g_np - 1) {
        CHECK_DA(da_mutex_trylock(m, 1, &got));
        CHECK(got == 1, "trylock of a free mutex failed");
    }
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    if (g_me != g_np - 1) {
        CHECK_DA(da_mutex_trylock(m, 1, &got));
        CHECK(got == 0, "trylock took a mutex held by another rank");
    } else {
        CHECK_RC(da_mutex_trylock(m, 1, &got), DA_ERR_HELD);
        CHECK(got == 0, "failed trylock must set acquired = 0");
    }
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    if (g_me == g_np - 1) CHECK_DA(da_mutex_unlock(m, 1));
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    /* increments taken only by trylock */
    int64_t *mine = calloc((size_t)nmut, sizeof *mine);
    long fails = 0;
    for (int it = 0; it < iters; it++) {
        int k = it % 2 ? 1 : 2 % nmut;
        for (;;) {
            CHECK_DA(da_mutex_trylock(m, k, &got));
            if (got) break;
            fails++;
            sched_yield();
        }
        increment(a, elem_of(k), occ_of(k));
        CHECK_DA(da_mutex_unlock(m, k));
        mine[k]++;
    }
    check_counts(a, nmut, mine);
    long tot;
    CHECK_MPI(MPI_Reduce(&fails, &tot, 1, MPI_LONG, MPI_SUM, 0, MPI_COMM_WORLD));
    if (g_me == 0) printf("trylock: %ld failed attempts\n", tot);
    free(mine);
}

static void subcomm(int iters)
{
    MPI_Comm half;
    CHECK_MPI(MPI_Comm_split(MPI_COMM_WORLD, g_me % 2, g_me, &half));
    da_mutexes_t *m;
    CHECK_DA(da_mutexes_create(half, 2, &m));
    int n;
    CHECK_DA(da_mutexes_count(m, &n));
    CHECK_EQ(n, 2);
    for (int it = 0; it < iters; it++) {
        CHECK_DA(da_mutex_lock(m, it % 2));
        CHECK_DA(da_mutex_unlock(m, it % 2));
    }
    CHECK_DA(da_mutexes_destroy(&m));
    CHECK(m == NULL, "destroy must clear the handle");
    MPI_Comm_free(&half);
}

static void bad_inputs(da_mutexes_t *m, int nmut)
{
    int got = 5;
    da_mutexes_t *x = NULL;
    CHECK_RC(da_mutex_lock(NULL, 0), DA_ERR_NULL);
    CHECK_RC(da_mutex_unlock(NULL, 0), DA_ERR_NULL);
    CHECK_RC(da_mutex_trylock(NULL, 0, &got), DA_ERR_NULL);
    CHECK_RC(da_mutexes_count(NULL, &got), DA_ERR_NULL);
    CHECK_RC(da_mutexes_count(m, NULL), DA_ERR_NULL);
    CHECK_RC(da_mutex_lock(m, -1), DA_ERR_BOUNDS);
    CHECK_RC(da_mutex_lock(m, nmut), DA_ERR_BOUNDS);
    CHECK_RC(da_mutex_unlock(m, nmut), DA_ERR_BOUNDS);
    CHECK_RC(da_mutex_trylock(m, -5, &got), DA_ERR_BOUNDS);
    CHECK_RC(da_mutex_trylock(m, 0, NULL), DA_ERR_NULL);
    /* not held */
    CHECK_RC(da_mutex_unlock(m, 0), DA_ERR_NOT_HELD);
    /* twice: a mutex per rank, so nobody waits on anybody */
    int k = g_me % nmut;
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    if (g_me < nmut) {
        CHECK_DA(da_mutex_lock(m, k));
        CHECK_RC(da_mutex_lock(m, k), DA_ERR_HELD);
        CHECK_RC(da_mutex_trylock(m, k, &got), DA_ERR_HELD);
        CHECK_DA(da_mutex_unlock(m, k));
        CHECK_RC(da_mutex_unlock(m, k), DA_ERR_NOT_HELD);
    }
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));

    /* creation: every rank returns */
    CHECK_RC(da_mutexes_create(MPI_COMM_NULL, 2, &x), DA_ERR_ARG);
    CHECK_RC(da_mutexes_create(MPI_COMM_WORLD, 0, &x), DA_ERR_ARG);
    CHECK(x == NULL, "failed create must leave NULL");
    CHECK_RC(da_mutexes_create(MPI_COMM_WORLD, -3, &x), DA_ERR_ARG);
    CHECK_RC(da_mutexes_create(MPI_COMM_WORLD, 2, NULL), DA_ERR_NULL);
    if (g_np > 1) {
        /* one rank's bad count: it gets DA_ERR_ARG, the others DA_ERR_COLLECTIVE */
        CHECK_RC(da_mutexes_create(MPI_COMM_WORLD, g_me == 1 ? 0 : 3, &x), g_me == 1 ? DA_ERR_ARG : DA_ERR_COLLECTIVE);
        /* one rank's NULL output */
        CHECK_RC(da_mutexes_create(MPI_COMM_WORLD, 3, g_me == 0 ? NULL : &x), g_me == 0 ? DA_ERR_NULL : DA_ERR_COLLECTIVE);
        /* counts differ */
        CHECK_RC(da_mutexes_create(MPI_COMM_WORLD, 2 + g_me % 2, &x), DA_ERR_COLLECTIVE);
        CHECK(x == NULL, "failed create must leave NULL");
    }

    /* destroy while held: all ranks refuse, the set survives */
    if (g_me == 0) CHECK_DA(da_mutex_lock(m, nmut - 1));
    da_mutexes_t *keep = m;
    CHECK_RC(da_mutexes_destroy(&m), DA_ERR_HELD);
    CHECK(m == keep, "refused destroy must keep the handle");
    if (g_me == 0) CHECK_DA(da_mutex_unlock(m, nmut - 1));

    /* destroyed sets */
    da_mutexes_t *y;
    CHECK_DA(da_mutexes_create(MPI_COMM_WORLD, 1, &y));
    da_mutexes_t *stale = y;
    CHECK_DA(da_mutexes_destroy(&y));
    CHECK_RC(da_mutex_lock(stale, 0), DA_ERR_HANDLE);
    CHECK_RC(da_mutex_unlock(stale, 0), DA_ERR_HANDLE);
    CHECK_RC(da_mutex_trylock(stale, 0, &got), DA_ERR_HANDLE);
    CHECK_RC(da_mutexes_destroy(&stale), DA_ERR_HANDLE);
    CHECK_RC(da_mutexes_destroy(&y), DA_ERR_NULL);
    CHECK_RC(da_mutexes_destroy(NULL), DA_ERR_NULL);
    /* the progress thread needs MPI_THREAD_MULTIPLE (this test asks for none) */
    int level;
    MPI_Query_thread(&level);
    if (level != MPI_THREAD_MULTIPLE) CHECK_RC(da_progress_start(), DA_ERR_THREAD_LEVEL);
    CHECK_RC(da_progress_stop(), DA_ERR_ARG);
    /* any other pointer is not a mutex set */
    CHECK_RC(da_mutex_lock((da_mutexes_t *)(void *)&got, 0), DA_ERR_HANDLE);
}

static void lap(const char *what, double *t)
{
    double now = MPI_Wtime();
    if (g_me == 0) printf("  %-16s %.2f s\n", what, now - *t);
    *t = now;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    setvbuf(stdout, NULL, _IOLBF, 0);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_me);
    MPI_Comm_size(MPI_COMM_WORLD, &g_np);
    const char *shm = getenv("DA_SHM");
    g_rma = shm && !strcmp(shm, "0");
    double start = MPI_Wtime(), t = start;

    int nmut = g_np + 2; /* mutexes on every rank, several on the first */
    da_mutexes_t *m;
    CHECK_DA(da_mutexes_create(MPI_COMM_WORLD, nmut, &m));
    da_array_t *a = make_data();
    lap("create", &t);
    bad_inputs(m, nmut);
    lap("bad inputs", &t);
    read_modify_write(m, nmut, a, iters(400));
    lap("read-modify-write", &t);
    nested(m, nmut, a, iters(100));
    lap("nested", &t);
    trylock(m, nmut, a, iters(100));
    lap("trylock", &t);
    subcomm(iters(100));
    lap("subcomm", &t);
    CHECK_DA(da_array_destroy(&a));
    CHECK_DA(da_mutexes_destroy(&m));
    lap("destroy", &t);
    if (g_me == 0)
        printf("test_mutex: %d ranks, DA_SHM=%s: ok in %.2f s\n", g_np, shm ? shm : "default", MPI_Wtime() - start);
    MPI_Finalize();
    return 0;
}
