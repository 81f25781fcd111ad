/* bench_atomic: latency of darray's one-element atomics and mutexes against
 * the same operation in raw MPI.
 *
 * Rank 0 is the origin, the last rank the target (owner of the element, host
 * of the mutex); the other ranks wait in a barrier, which drives MPI progress
 * as a target waiting in any MPI call would. Cases (name + "-rma": darray
 * with DA_SHM=0, every operation through MPI RMA as between nodes):
 *
 *   fadd-1elem     fetch-and-add of 1 to one int64 element, result returned
 *                    darray  da_fetch_add
 *                    mpi     MPI_Fetch_and_op(MPI_SUM) + MPI_Win_flush on an
 *                            MPI_Win_allocate window (lock_all epoch)
 *                    mpi-create  the same on an MPI_Win_create window over
 *                            MPI_Alloc_mem memory (the kind darray's RMA
 *                            path uses)
 *   cas-1elem      compare-and-swap on one int64 element (darray da_cas;
 *                  mpi MPI_Compare_and_swap + flush)
 *   lock-unlock    lock then unlock of one mutex hosted on the target,
 *                  uncontended
 *                    darray  da_mutex_lock + da_mutex_unlock (MCS queue lock)
 *                    mpi-winlock  MPI_Win_lock(EXCLUSIVE, target) +
 *                            MPI_Win_unlock on a window: the lock MPI offers
 *   lock-unlock-contended   every rank locks and unlocks one mutex in a loop
 *                  for the time box; per-op time is wall time / this rank's
 *                  acquisitions (rank 0's figure is printed)
 *
 * Each repetition times a batch of `batch` operations (default 100; clock
 * reads would otherwise dominate the shared-memory cases) and the figures
 * are per operation. The implementations of one operation run in
 * alternation, a batch of each in turn, so that changes in the machine's
 * load hit them alike. One JSON object per line (rank 0): case, impl, bytes,
 * elements, ranks, reps, median_us, min_us, max_us, rate, rate_unit, batch,
 * and for darray "shm" (the operation used shared memory) and "vs_mpi"
 * (median over the raw mpi median of the same operation, same run).
 *
 *   mpiexec -n 2 -bind-to core bench_atomic [--quick] [--cases a,b] [--seconds S]
 *                                           [--batch N] [--list]
 *
 * To fold into a driver, compile with -DDARRAY_BENCH_DRIVER and call
 *   int bench_atomic(MPI_Comm comm, int argc, char **argv);
 */
#include <darray.h>
#include <mpi.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"

int bench_atomic(MPI_Comm comm, int argc, char **argv);

typedef enum { OP_FADD, OP_CAS, OP_LOCK, OP_LOCK_CONTENDED } op_t;
typedef enum { IMPL_DARRAY, IMPL_DARRAY_RMA, IMPL_MPI, IMPL_MPI_CREATE, IMPL_MPI_WINLOCK } impl_t;

typedef struct bench {
    MPI_Comm comm;
    int rank, size, target;
    const char *cases;
    double seconds;
    int batch;
} bench_t;

typedef struct run {
    bench_t *B;
    op_t op;
    da_array_t *a;
    da_mutexes_t *m;
    MPI_Win win;
    int64_t *wbase;
    int64_t idx;    /* darray: element on the target */
    int mutex;      /* darray: mutex hosted on the target */
    long count;     /* operations done (contended case) */
    int64_t cas_val;
} run_t;

/* ---- repetitions (one batch each) ------------------------------------------ */

static int rep_da_fadd(void *p)
{
    run_t *r = p;
    int64_t old;
    for (int i = 0; i < r->B->batch; i++)
        if (da_fetch_add(r->a, &r->idx, 1, &old)) return 1;
    return 0;
}

static int rep_da_cas(void *p)
{
    run_t *r = p;
    int64_t old;
    for (int i = 0; i < r->B->batch; i++) {
        int64_t cmp = r->cas_val, v = r->cas_val + 1;
        if (da_cas(r->a, &r->idx, &cmp, &v, &old) || old != cmp) return 1;
        r->cas_val = v;
    }
    return 0;
}

static int rep_da_lock(void *p)
{
    run_t *r = p;
    for (int i = 0; i < r->B->batch; i++)
        if (da_mutex_lock(r->m, r->mutex) || da_mutex_unlock(r->m, r->mutex)) return 1;
    r->count += r->B->batch;
    return 0;
}

static int rep_mpi_fadd(void *p)
{
    run_t *r = p;
    int64_t one = 1, old;
    int t = r->B->target;
    for (int i = 0; i < r->B->batch; i++)
        if (MPI_Fetch_and_op(&one, &old, MPI_INT64_T, t, 0, MPI_SUM, r->win) || MPI_Win_flush(t, r->win)) return 1;
    return 0;
}

static int rep_mpi_cas(void *p)
{
    run_t *r = p;
    int64_t old;
    int t = r->B->target;
    for (int i = 0; i < r->B->batch; i++) {
        int64_t cmp = r->cas_val, v = r->cas_val + 1;
        if (MPI_Compare_and_swap(&v, &cmp, &old, MPI_INT64_T, t, 1, r->win) || MPI_Win_flush(t, r->win) ||
            old != cmp)
            return 1;
        r->cas_val = v;
    }
    return 0;
}

static int rep_mpi_winlock(void *p)
{
    run_t *r = p;
    int t = r->B->target;
    for (int i = 0; i < r->B->batch; i++)
        if (MPI_Win_lock(MPI_LOCK_EXCLUSIVE, t, 0, r->win) || MPI_Win_unlock(t, r->win)) return 1;
    return 0;
}

/* ---- setup ------------------------------------------------------------------------ */

static int agree(bench_t *B, int rc)
{
    int any;
    MPI_Allreduce(&rc, &any, 1, MPI_INT, MPI_MAX, B->comm);
    return any;
}

static const char *impl_name(impl_t impl)
{
    switch (impl) {
    case IMPL_MPI: return "mpi";
    case IMPL_MPI_CREATE: return "mpi-create";
    case IMPL_MPI_WINLOCK: return "mpi-winlock";
    default: return "darray";
    }
}

/* Collective: the array, mutex set or window this implementation needs. */
static int setup(bench_t *B, run_t *r, op_t op, impl_t impl, int *shm)
{
    int rc = 0;
    memset(r, 0, sizeof *r);
    r->B = B;
    r->op = op;
    r->win = MPI_WIN_NULL;
    *shm = -1;
    if (impl == IMPL_DARRAY || impl == IMPL_DARRAY_RMA) {
        if (impl == IMPL_DARRAY_RMA) setenv("DA_SHM", "0", 1);
        else unsetenv("DA_SHM");
        if (op == OP_FADD || op == OP_CAS) {
            int64_t n = 64L * B->size;
            da_dist_t *d = NULL;
            da_dim_spec_t s = DA_DIM_BLOCK;
            rc = da_dist_create(1, &n, &s, NULL, B->size, &d);
            if (!rc) rc = da_array_create(B->comm, DA_INT64, d, &r->a);
            da_dist_destroy(&d);
            r->idx = 64L * B->target + 7;
            if (!rc) da_array_shares_memory_with(r->a, B->target, shm);
        } else {
            rc = da_mutexes_create(B->comm, B->size, &r->m);
            r->mutex = op == OP_LOCK ? B->target : 0;
            *shm = impl == IMPL_DARRAY; /* the set's mechanism follows DA_SHM on one node */
        }
        unsetenv("DA_SHM");
    } else {
        /* a page: MPICH 4.0.2 misplaces RMA to ranks > 0 of MPI_Win_allocate
           windows whose sizes are not page multiples (docs/atomics.md) */
        MPI_Aint bytes = 4096;
        if (impl == IMPL_MPI_CREATE) {
            rc = MPI_Alloc_mem(bytes, MPI_INFO_NULL, &r->wbase);
            if (!rc) rc = MPI_Win_create(r->wbase, bytes, sizeof(int64_t), MPI_INFO_NULL, B->comm, &r->win);
        } else {
            rc = MPI_Win_allocate(bytes, sizeof(int64_t), MPI_INFO_NULL, B->comm, &r->wbase, &r->win);
        }
        if (!rc) {
            memset(r->wbase, 0, (size_t)bytes);
            if (impl != IMPL_MPI_WINLOCK) rc = MPI_Win_lock_all(MPI_MODE_NOCHECK, r->win);
        }
    }
    return agree(B, rc);
}

static void teardown(run_t *r, impl_t impl)
{
    if (r->a) da_array_destroy(&r->a);
    if (r->m) da_mutexes_destroy(&r->m);
    if (r->win != MPI_WIN_NULL) {
        if (impl != IMPL_MPI_WINLOCK) MPI_Win_unlock_all(r->win);
        MPI_Win_free(&r->win);
        if (impl == IMPL_MPI_CREATE) MPI_Free_mem(r->wbase);
    }
}

static bc_rep_fn rep_fn(op_t op, impl_t impl)
{
    if (impl == IMPL_DARRAY || impl == IMPL_DARRAY_RMA)
        return op == OP_FADD ? rep_da_fadd : op == OP_CAS ? rep_da_cas : rep_da_lock;
    if (impl == IMPL_MPI_WINLOCK) return rep_mpi_winlock;
    return op == OP_FADD ? rep_mpi_fadd : rep_mpi_cas;
}

/* ---- output --------------------------------------------------------------------- */

static void emit(bench_t *B, const char *name, const char *impl, op_t op, bc_samples_t *s, int shm, double mpi_med)
{
    bc_stats_t st = bc_samples_stats(s);
    double per = 1.0 / B->batch;
    st.median *= per;
    st.min *= per;
    st.max *= per;
    st.mean *= per;
    bc_json_t j;
    bc_json_begin(&j);
    bc_json_str(&j, "case", name);
    bc_json_str(&j, "impl", impl);
    int lock = op == OP_LOCK || op == OP_LOCK_CONTENDED;
    bc_json_int(&j, "bytes", lock ? 0 : 8);
    bc_json_int(&j, "elements", lock ? 0 : 1);
    bc_json_int(&j, "ranks", B->size);
    bc_json_timing(&j, &st, 8);
    bc_json_int(&j, "batch", B->batch);
    if (shm >= 0) bc_json_bool(&j, "shm", shm);
    if (mpi_med > 0) bc_json_num(&j, "vs_mpi", st.median / mpi_med);
    bc_json_end(&j, stdout);
}

/* ---- cases ------------------------------------------------------------------------ */

#define MAXIMPL 4

/* The implementations of one operation, measured in alternation (a batch
   of each in turn) so that a change in the machine's load hits them alike
   and their ratio stays meaningful on a shared machine. */
static void run_group(bench_t *B, const char *base, op_t op, const impl_t *impls, int nimpl)
{
    run_t r[MAXIMPL];
    int shm[MAXIMPL], on[MAXIMPL], any = 0;
    char names[MAXIMPL][64];
    for (int k = 0; k < nimpl; k++) {
        snprintf(names[k], sizeof names[k], "%s%s", base, impls[k] == IMPL_DARRAY_RMA ? "-rma" : "");
        on[k] = bc_list_has(B->cases, names[k]) || bc_list_has(B->cases, base);
        any |= on[k];
    }
    if (!any) return;
    int rc = 0;
    for (int k = 0; k < nimpl; k++) {
        memset(&r[k], 0, sizeof r[k]);
        r[k].win = MPI_WIN_NULL;
        if (on[k] && !rc) rc = setup(B, &r[k], op, impls[k], &shm[k]);
    }
    bc_samples_t s[MAXIMPL];
    for (int k = 0; k < nimpl; k++) bc_samples_init(&s[k]);
    MPI_Barrier(B->comm);
    if (!rc && B->rank == 0) {
        /* warm-up, then rounds until the time box */
        for (int k = 0; k < nimpl && !rc; k++)
            for (int w = 0; w < 10 && !rc && on[k]; w++) rc = rep_fn(op, impls[k])(&r[k]);
        double start = bc_now();
        for (long round = 0; !rc && (round < 50 || bc_now() - start < B->seconds); round++)
            for (int k = 0; k < nimpl && !rc; k++) {
                if (!on[k]) continue;
                double t0 = bc_now();
                rc = rep_fn(op, impls[k])(&r[k]);
                bc_samples_add(&s[k], bc_now() - t0);
            }
    }
    MPI_Barrier(B->comm);
    if (B->rank == 0) {
        if (rc) {
            fprintf(stderr, "bench_atomic: %s failed: %s\n", base, da_last_error());
        } else {
            double mpi_med = 0;
            for (int k = 0; k < nimpl; k++)
                if (on[k] && impls[k] == IMPL_MPI) {
                    bc_stats_t st = bc_samples_stats(&s[k]);
                    mpi_med = st.median / B->batch;
                }
            for (int k = 0; k < nimpl; k++)
                if (on[k])
                    emit(B, names[k], impl_name(impls[k]), op, &s[k], shm[k],
                         impls[k] == IMPL_DARRAY || impls[k] == IMPL_DARRAY_RMA ? mpi_med : 0);
        }
    }
    for (int k = 0; k < nimpl; k++) {
        teardown(&r[k], impls[k]);
        bc_samples_free(&s[k]);
    }
}

/* Every rank locks and unlocks mutex 0 in a loop, in rounds ended by rank
   0's time box; per-op time is rank 0's. */
static void run_contended(bench_t *B, impl_t impl)
{
    const char *base = "lock-unlock-contended";
    char name[64];
    snprintf(name, sizeof name, "%s%s", base, impl == IMPL_DARRAY_RMA ? "-rma" : "");
    if (!bc_list_has(B->cases, name) && !bc_list_has(B->cases, base)) return;
    run_t r;
    int shm, rc = setup(B, &r, OP_LOCK_CONTENDED, impl, &shm);
    bc_samples_t s;
    bc_samples_init(&s);
    double start = bc_now();
    for (int round = 0; !rc; round++) {
        double t0 = bc_now();
        rc = rep_da_lock(&r);
        bc_samples_add(&s, bc_now() - t0);
        int stop = B->rank == 0 && round + 1 >= 50 && bc_now() - start >= B->seconds, all;
        MPI_Allreduce(&stop, &all, 1, MPI_INT, MPI_MAX, B->comm);
        if (all) break;
    }
    rc = agree(B, rc);
    if (B->rank == 0) {
        if (rc) fprintf(stderr, "bench_atomic: %s failed: %s\n", name, da_last_error());
        else emit(B, name, "darray", OP_LOCK_CONTENDED, &s, shm, 0);
    }
    teardown(&r, impl);
    bc_samples_free(&s);
}

static void list_cases(void)
{
    printf("fadd-1elem\tmpi\nfadd-1elem\tmpi-create\nfadd-1elem\tdarray\nfadd-1elem-rma\tdarray\n"
           "cas-1elem\tmpi\ncas-1elem\tdarray\ncas-1elem-rma\tdarray\n"
           "lock-unlock\tmpi-winlock\nlock-unlock\tdarray\nlock-unlock-rma\tdarray\n"
           "lock-unlock-contended\tdarray\nlock-unlock-contended-rma\tdarray\n");
}

int bench_atomic(MPI_Comm user_comm, int argc, char **argv)
{
    bench_t B;
    memset(&B, 0, sizeof B);
    B.seconds = 1.0;
    B.batch = 100;
    int rank;
    MPI_Comm_rank(user_comm, &rank);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) {
            B.seconds = 0.1;
        } else if (!strcmp(argv[i], "--cases") && i + 1 < argc) {
            B.cases = argv[++i];
        } else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
            B.seconds = atof(argv[++i]);
        } else if (!strcmp(argv[i], "--batch") && i + 1 < argc) {
            B.batch = atoi(argv[++i]);
            if (B.batch < 1) B.batch = 1;
        } else if (!strcmp(argv[i], "--list")) {
            if (rank == 0) list_cases();
            return 0;
        } else {
            if (rank == 0)
                fprintf(stderr, "usage: bench_atomic [--quick] [--cases a,b] [--seconds S] [--batch N] [--list]\n");
            return 2;
        }
    }
    MPI_Comm_dup(user_comm, &B.comm);
    MPI_Comm_rank(B.comm, &B.rank);
    MPI_Comm_size(B.comm, &B.size);
    if (B.size < 2) {
        if (B.rank == 0) fprintf(stderr, "bench_atomic: needs at least 2 ranks (run at 2)\n");
        MPI_Comm_free(&B.comm);
        return 2;
    }
    B.target = B.size - 1;

    static const impl_t fadd[] = {IMPL_MPI, IMPL_MPI_CREATE, IMPL_DARRAY, IMPL_DARRAY_RMA};
    static const impl_t cas[] = {IMPL_MPI, IMPL_DARRAY, IMPL_DARRAY_RMA};
    static const impl_t lock[] = {IMPL_MPI_WINLOCK, IMPL_DARRAY, IMPL_DARRAY_RMA};
    run_group(&B, "fadd-1elem", OP_FADD, fadd, 4);
    run_group(&B, "cas-1elem", OP_CAS, cas, 3);
    run_group(&B, "lock-unlock", OP_LOCK, lock, 3);
    run_contended(&B, IMPL_DARRAY);
    run_contended(&B, IMPL_DARRAY_RMA);

    MPI_Comm_free(&B.comm);
    return 0;
}

#ifndef DARRAY_BENCH_DRIVER
int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rc = bench_atomic(MPI_COMM_WORLD, argc, argv);
    MPI_Finalize();
    return rc;
}
#endif
