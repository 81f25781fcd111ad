/* The progress thread: counting of starts and stops, automatic start by
 * DA_PROGRESS_THREAD=1, atomics against a rank that computes without
 * calling MPI, and a restart stopped again before MPI_Finalize (left
 * running into MPI_Finalize, MPICH 4.0 sometimes aborted there:
 * docs/mpi-issues.md).
 *
 * Needs MPI_THREAD_MULTIPLE; if the library cannot give it, checks that
 * starting the thread is refused with DA_ERR_THREAD_LEVEL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "darray.h"
#include "harness.h"

static int g_me, g_np;

#define CHECK_RC(call, code)                                                                       \
    do {                                                                                           \
        int rc_ = (call);                                                                          \
        CHECK(rc_ == (code), "%s returned %d (%s), expected %d (%s)", #call, rc_, da_strerror(rc_), \
              (int)(code), da_strerror(code));                                                     \
    } while (0)

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int running(void)
{
    int r = -1;
    CHECK_DA(da_progress_running(&r));
    return r;
}

static void counting(void)
{
    CHECK_EQ(running(), 0);
    CHECK_RC(da_progress_stop(), DA_ERR_ARG);
    CHECK_RC(da_progress_running(NULL), DA_ERR_NULL);
    CHECK_DA(da_progress_start());
    CHECK_DA(da_progress_start());
    CHECK_EQ(running(), 1);
    CHECK_DA(da_progress_stop());
    CHECK_EQ(running(), 1);
    CHECK_DA(da_progress_stop());
    CHECK_EQ(running(), 0);
    CHECK_RC(da_progress_stop(), DA_ERR_ARG);
}

/* DA_PROGRESS_THREAD=1: objects created with it hold the thread; explicit
   starts and automatic holds count separately. */
static void automatic(void)
{
    da_mutexes_t *m1, *m2;
    setenv("DA_PROGRESS_THREAD", "1", 1);
    CHECK_DA(da_mutexes_create(MPI_COMM_WORLD, 2, &m1));
    unsetenv("DA_PROGRESS_THREAD");
    CHECK_EQ(running(), 1);
    CHECK_DA(da_mutexes_create(MPI_COMM_WORLD, 2, &m2)); /* without the variable: no hold */
    CHECK_DA(da_progress_start());
    CHECK_DA(da_mutexes_destroy(&m1));
    CHECK_EQ(running(), 1); /* the explicit start still holds it */
    CHECK_DA(da_progress_stop());
    CHECK_EQ(running(), 0);
    CHECK_DA(da_mutex_lock(m2, 1));
    CHECK_DA(da_mutex_unlock(m2, 1));
    CHECK_DA(da_mutexes_destroy(&m2));
    CHECK_RC(da_progress_stop(), DA_ERR_ARG);
}

/* Rank 0 computes without MPI; the others do atomics on its element and
   time them. With the thread they complete while rank 0 computes. */
static void busy_target(double seconds)
{
    int64_t n = 4L * g_np, lo = 0;
    da_dist_t *d;
    da_array_t *a;
    da_dim_spec_t s = DA_DIM_BLOCK;
    CHECK_DA(da_dist_create(1, &n, &s, NULL, g_np, &d));
    CHECK_DA(da_array_create(MPI_COMM_WORLD, DA_INT64, d, &a));
    CHECK_DA(da_dist_destroy(&d));
    CHECK_DA(da_progress_start());
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    long ops = 0;
    double worst = 0, t0 = now();
    if (g_me == 0) {
        volatile double x = 0;
        while (now() - t0 < seconds)
            for (int i = 0; i < 1000; i++) x += 1e-9 * i;
    } else {
        /* stop a little before the target does, so every op had a busy target */
        while (now() - t0 < 0.8 * seconds) {
            double s0 = now();
            int64_t old;
            CHECK_DA(da_fetch_add(a, &lo, 1, &old));
            double dt = now() - s0;
            if (dt > worst) worst = dt;
            ops++;
        }
    }
    double mine[2] = {(double)ops, worst}, tot[2];
    CHECK_MPI(MPI_Reduce(mine, tot, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD));
    CHECK_MPI(MPI_Reduce(mine + 1, tot + 1, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD));
    CHECK_DA(da_sync(a));
    int64_t v;
    CHECK_DA(da_atomic_read(a, &lo, &v));
    if (g_me == 0) {
        CHECK_EQ(v, (int64_t)tot[0]);
        printf("busy target (%.1f s): %lld fetch-adds completed meanwhile, slowest %.3f ms\n", seconds, (long long)v,
               tot[1] * 1e3);
    }
    CHECK_DA(da_progress_stop());
    CHECK_DA(da_array_destroy(&a));
}

int main(int argc, char **argv)
{
    int provided;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
    setvbuf(stdout, NULL, _IOLBF, 0);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_me);
    MPI_Comm_size(MPI_COMM_WORLD, &g_np);
    if (provided != MPI_THREAD_MULTIPLE) {
        CHECK_RC(da_progress_start(), DA_ERR_THREAD_LEVEL);
        if (g_me == 0) printf("test_progress: no MPI_THREAD_MULTIPLE; refusal checked\n");
        MPI_Finalize();
        return 0;
    }
    double start = MPI_Wtime();
    counting();
    automatic();
    if (g_np > 1) busy_target(0.5);
    /* a restart after all that, stopped before MPI_Finalize as docs/progress.md asks */
    CHECK_DA(da_progress_start());
    CHECK_DA(da_progress_stop());
    if (g_me == 0) printf("test_progress: %d ranks: ok in %.2f s\n", g_np, MPI_Wtime() - start);
    MPI_Finalize();
    return 0;
}
