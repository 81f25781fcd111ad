/* bench_array: collective costs of an array's life, darray against the raw
 * MPI a user would write instead.
 *
 *   sync            make every rank's writes visible everywhere, then barrier
 *                     darray  da_sync (flush, window syncs, barrier)
 *                     mpi     MPI_Win_flush_all + MPI_Win_sync + MPI_Barrier
 *                             on an MPI_Win_allocate window (lock_all epoch)
 *   create-destroy  a 1024 x 1024 double array over block rows, made and freed
 *                     darray  da_array_create + da_array_destroy (the map is
 *                             made once, outside the timing)
 *                     mpi     MPI_Win_allocate of this rank's rows +
 *                             MPI_Win_lock_all ... MPI_Win_unlock_all +
 *                             MPI_Win_free
 *                     mpi-zeroed  the same, and the memory zero-filled, as
 *                             darray's arrays are (fresh pages fault in on
 *                             first touch: most of the cost of a big array)
 *
 * "-rma" twins are darray with DA_SHM=0 (no shared-memory window: the layout
 * between nodes). Every rank takes part; before each repetition a barrier
 * lines the ranks up, and a repetition's time is the slowest rank's (an
 * MPI_Allreduce after the clock stops). The implementations of a case run in
 * alternation, one repetition each in turn, so that changes in the machine's
 * load hit them alike. One JSON object per line (rank 0): case, impl, bytes,
 * elements, ranks, reps, median_us, min_us, max_us, rate (operations per
 * second, millions), rate_unit, and for darray "shm" and "vs_mpi".
 *
 *   mpiexec -n 2 -bind-to core bench_array [--quick] [--cases a,b] [--seconds S] [--list]
 */
#include <darray.h>
#include <mpi.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"

enum { N = 1024 };
typedef enum { IMPL_MPI, IMPL_MPI_ZEROED, IMPL_DARRAY, IMPL_DARRAY_RMA, NIMPL } impl_t;
static const char *const impl_names[NIMPL] = {"mpi", "mpi-zeroed", "darray", "darray"};

typedef struct {
    MPI_Comm comm;
    int rank, size;
    double seconds;
    const char *cases;
    da_dist_t *dist;
    int64_t local_bytes; /* this rank's rows of the 1024 x 1024 array */
} bench_t;

/* One repetition of one implementation. sync works on the given array or
   window; create-destroy makes its own. */
typedef struct {
    da_array_t *a;
    MPI_Win win;
} target_t;

static void use_shm(int on)
{
    if (on) unsetenv("DA_SHM");
    else setenv("DA_SHM", "0", 1);
}

static int make_target(bench_t *B, impl_t impl, target_t *t)
{
    memset(t, 0, sizeof *t);
    t->win = MPI_WIN_NULL;
    if (impl == IMPL_MPI || impl == IMPL_MPI_ZEROED) {
        void *base;
        if (MPI_Win_allocate((MPI_Aint)B->local_bytes, 8, MPI_INFO_NULL, B->comm, &base, &t->win)) return 1;
        if (impl == IMPL_MPI_ZEROED) memset(base, 0, (size_t)B->local_bytes);
        return MPI_Win_lock_all(MPI_MODE_NOCHECK, t->win) != MPI_SUCCESS;
    }
    use_shm(impl == IMPL_DARRAY);
    int rc = da_array_create(B->comm, DA_DOUBLE, B->dist, &t->a);
    use_shm(1);
    return rc != DA_SUCCESS;
}

static void free_target(target_t *t)
{
    if (t->a) da_array_destroy(&t->a);
    if (t->win != MPI_WIN_NULL) {
        MPI_Win_unlock_all(t->win);
        MPI_Win_free(&t->win);
    }
}

static int rep_sync(bench_t *B, impl_t impl, target_t *t)
{
    (void)impl;
    if (t->a) return da_sync(t->a) != DA_SUCCESS;
    return MPI_Win_flush_all(t->win) || MPI_Win_sync(t->win) || MPI_Barrier(B->comm);
}

static int rep_create(bench_t *B, impl_t impl, target_t *unused)
{
    (void)unused;
    target_t t;
    int rc = make_target(B, impl, &t);
    free_target(&t);
    return rc;
}

typedef int (*rep_fn)(bench_t *B, impl_t impl, target_t *t);

static void emit(bench_t *B, const char *name, impl_t impl, bc_samples_t *s, double mpi_med, int err)
{
    bc_json_t j;
    bc_json_begin(&j);
    bc_json_str(&j, "case", impl == IMPL_DARRAY_RMA ? (strcmp(name, "sync") ? "create-destroy-rma" : "sync-rma") : name);
    bc_json_str(&j, "impl", impl_names[impl]);
    if (err) {
        bc_json_str(&j, "error", "an operation failed (see stderr)");
        bc_json_end(&j, stdout);
        return;
    }
    bc_stats_t st = bc_samples_stats(s);
    bc_json_int(&j, "bytes", 0);
    bc_json_int(&j, "elements", strcmp(name, "sync") ? (int64_t)N * N : 0);
    bc_json_int(&j, "ranks", B->size);
    bc_json_timing(&j, &st, 0);
    if (impl == IMPL_DARRAY || impl == IMPL_DARRAY_RMA) {
        bc_json_bool(&j, "shm", impl == IMPL_DARRAY);
        if (mpi_med > 0) bc_json_num(&j, "vs_mpi", st.median / mpi_med);
    }
    bc_json_end(&j, stdout);
}

/* Runs the implementations of one case in alternation until the time box
   is spent (at least 5, at most 100,000 repetitions each). */
static void run_case(bench_t *B, const char *name, rep_fn fn, int needs_target)
{
    int on[NIMPL], any = 0;
    on[IMPL_MPI] = bc_list_has(B->cases, name);
    on[IMPL_MPI_ZEROED] = on[IMPL_MPI] && needs_target == 0; /* create-destroy only */
    on[IMPL_DARRAY] = on[IMPL_MPI];
    char twin[64];
    snprintf(twin, sizeof twin, "%s-rma", name);
    on[IMPL_DARRAY_RMA] = bc_list_has(B->cases, twin);
    for (int k = 0; k < NIMPL; k++) any |= on[k];
    if (!any) return;

    target_t t[NIMPL];
    bc_samples_t s[NIMPL];
    int err[NIMPL] = {0};
    for (int k = 0; k < NIMPL; k++) {
        bc_samples_init(&s[k]);
        memset(&t[k], 0, sizeof t[k]);
        t[k].win = MPI_WIN_NULL;
        if (on[k] && needs_target) err[k] = make_target(B, (impl_t)k, &t[k]);
    }
    /* warm-up: two repetitions each */
    for (int w = 0; w < 2; w++)
        for (int k = 0; k < NIMPL; k++)
            if (on[k] && !err[k]) err[k] = fn(B, (impl_t)k, &t[k]);
    double start = bc_now();
    for (long r = 0; r < 100000; r++) {
        for (int k = 0; k < NIMPL; k++) {
            if (!on[k] || err[k]) continue;
            MPI_Barrier(B->comm);
            double t0 = bc_now();
            int e = fn(B, (impl_t)k, &t[k]);
            double mine[2] = {bc_now() - t0, (double)e}, all[2];
            MPI_Allreduce(mine, all, 2, MPI_DOUBLE, MPI_MAX, B->comm);
            if (all[1] != 0) err[k] = 1;
            else bc_samples_add(&s[k], all[0]);
        }
        /* rank 0's clock decides for everyone */
        int stop = r + 1 >= 5 && bc_now() - start >= B->seconds;
        MPI_Bcast(&stop, 1, MPI_INT, 0, B->comm);
        if (stop) break;
    }
    double mpi_med = 0;
    if (on[IMPL_MPI] && !err[IMPL_MPI]) {
        bc_stats_t st = bc_samples_stats(&s[IMPL_MPI]);
        mpi_med = st.median;
    }
    for (int k = 0; k < NIMPL; k++) {
        if (on[k] && B->rank == 0) emit(B, name, (impl_t)k, &s[k], mpi_med, err[k]);
        free_target(&t[k]);
        bc_samples_free(&s[k]);
    }
}

static void list_cases(void)
{
    printf("sync\tmpi\nsync\tdarray\nsync-rma\tdarray\n"
           "create-destroy\tmpi\ncreate-destroy\tmpi-zeroed\ncreate-destroy\tdarray\ncreate-destroy-rma\tdarray\n");
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    bench_t B;
    memset(&B, 0, sizeof B);
    B.seconds = 1.0;
    MPI_Comm_rank(MPI_COMM_WORLD, &B.rank);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) {
            B.seconds = 0.2;
        } else if (!strcmp(argv[i], "--cases") && i + 1 < argc) {
            B.cases = argv[++i];
        } else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
            B.seconds = atof(argv[++i]);
        } else if (!strcmp(argv[i], "--list")) {
            if (B.rank == 0) list_cases();
            MPI_Finalize();
            return 0;
        } else {
            if (B.rank == 0) fprintf(stderr, "usage: bench_array [--quick] [--cases a,b] [--seconds S] [--list]\n");
            MPI_Finalize();
            return 2;
        }
    }
    MPI_Comm_dup(MPI_COMM_WORLD, &B.comm);
    MPI_Comm_size(B.comm, &B.size);
    int64_t shape[2] = {N, N};
    da_dim_spec_t dims[2] = {DA_DIM_BLOCK, DA_DIM_NONE};
    int rc = da_dist_create(2, shape, dims, NULL, B.size, &B.dist);
    if (rc) {
        if (B.rank == 0) fprintf(stderr, "bench_array: da_dist_create: %s\n", da_last_error());
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    int64_t lshape[2], elements;
    da_dist_local_shape(B.dist, B.rank, lshape, &elements);
    B.local_bytes = elements * 8;

    run_case(&B, "sync", rep_sync, 1);
    run_case(&B, "create-destroy", rep_create, 0);

    da_dist_destroy(&B.dist);
    MPI_Comm_free(&B.comm);
    MPI_Finalize();
    return 0;
}
