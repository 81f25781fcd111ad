/* bench_progress: what guaranteed progress costs and what it saves, on
 * darray's RMA path (DA_SHM=0, as between nodes).
 *
 * Rank 0 is the origin, the last rank the target. One progress mode per run
 * (--progress):
 *   none      MPI_Init, no progress help
 *   none-mt   MPI_THREAD_MULTIPLE, no progress help (the price of thread
 *             safety alone)
 *   darray    MPI_THREAD_MULTIPLE + darray's progress thread
 *             (da_progress_start; DA_PROGRESS_INTERVAL_US applies)
 *   mpich     MPI_THREAD_MULTIPLE + MPICH's own asynchronous progress thread
 *             (MPIR_CVAR_ASYNC_PROGRESS=1, set by this program before
 *             MPI_Init)
 *
 * Cases (JSON lines on rank 0, impl = the mode):
 *   idle-get, idle-acc, idle-fadd   latency of one da_get / da_acc /
 *             da_fetch_add of one element while the target waits in
 *             MPI_Barrier (what progress help costs an idle target)
 *   idle-cpu  CPU time the target process uses while its main thread sleeps
 *             for --idle seconds outside MPI: the progress thread's own
 *             consumption ("cpu_percent" of one core)
 *   busy-alone  the target computes --busy seconds without calling MPI and
 *             nobody accesses it: target_mloops_per_s is its compute rate,
 *             which a progress thread sharing its core lowers;
 *             compute_cpu_percent and other_threads_cpu_percent: CPU time of
 *             the computing thread and of the process's other threads (the
 *             progress thread) over the elapsed time — on a loaded machine
 *             the compute rate also drops because every wake-up of the
 *             progress thread lets the scheduler hand the core to another
 *             process, so these shares are the load-independent cost
 *   busy-get, busy-acc, busy-fadd   the target computes --busy seconds
 *             (default 2) without calling MPI; meanwhile the origin issues
 *             --ops (default 10000) blocking operations one after the
 *             other. Fields: total_ms (all ops), first_ms (the first op),
 *             median/min/max per op, ops_while_busy (ops completed before
 *             the target stopped computing), busy_median_us and busy_max_us
 *             (per op, over those ops only), target_mloops_per_s (the
 *             target's compute rate: what a progress thread sharing its core
 *             takes away)
 *
 *   mpiexec -n 2 -bind-to core bench_progress --progress darray [--busy S]
 *          [--ops N] [--idle S] [--cases a,b] [--quick]
 *
 * Every field also carries the usual ones: case, impl, bytes, elements,
 * ranks, reps, median_us, min_us, max_us, rate, rate_unit.
 */
#include <darray.h>
#include <mpi.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_common.h"

typedef enum { OP_GET, OP_ACC, OP_FADD, OP_NONE } op_t;
static const char *const OPNAME[] = {"get", "acc", "fadd"};

typedef struct {
    MPI_Comm comm;
    int rank, size, target;
    const char *mode, *cases;
    double busy, idle, seconds;
    long ops;
    da_array_t *d; /* doubles, for get and acc */
    da_array_t *l; /* int64, for fetch-and-add */
    int64_t didx, lidx;
    bc_samples_t s;
} bench_t;

static int do_op(bench_t *B, op_t op)
{
    double v = 1.0;
    int64_t hi = B->didx + 1, old;
    switch (op) {
    case OP_GET: return da_get(B->d, &B->didx, &hi, NULL, &v, NULL);
    case OP_ACC: return da_acc(B->d, DA_OP_SUM, NULL, &B->didx, &hi, NULL, &v, NULL);
    default: return da_fetch_add(B->l, &B->lidx, 1, &old);
    }
}

typedef struct {
    bench_t *B;
    op_t op;
} rep_t;

static int rep(void *p)
{
    rep_t *r = p;
    return do_op(r->B, r->op);
}

static void begin(bc_json_t *j, bench_t *B, const char *name, int bytes)
{
    bc_json_begin(j);
    bc_json_str(j, "case", name);
    bc_json_str(j, "impl", B->mode);
    bc_json_int(j, "bytes", bytes);
    bc_json_int(j, "elements", bytes ? 1 : 0);
    bc_json_int(j, "ranks", B->size);
}

static void idle_case(bench_t *B, op_t op)
{
    char name[32];
    snprintf(name, sizeof name, "idle-%s", OPNAME[op]);
    if (!bc_list_has(B->cases, name)) return;
    int rc = 0;
    if (B->rank == 0) {
        rep_t r = {B, op};
        bc_budget_t b = {.warmup = 100, .min_reps = 200, .max_reps = 200000, .seconds = B->seconds};
        rc = bc_run(&b, rep, &r, &B->s);
    }
    MPI_Barrier(B->comm);
    if (B->rank != 0) return;
    if (rc) {
        fprintf(stderr, "bench_progress: %s failed: %s\n", name, da_last_error());
        return;
    }
    bc_stats_t st = bc_samples_stats(&B->s);
    bc_json_t j;
    begin(&j, B, name, 8);
    bc_json_timing(&j, &st, 8);
    bc_json_end(&j, stdout);
}

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double thread_cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void idle_cpu(bench_t *B)
{
    if (!bc_list_has(B->cases, "idle-cpu")) return;
    double used = 0;
    MPI_Barrier(B->comm);
    if (B->rank == B->target) {
        double c0 = cpu_seconds(), t0 = bc_now();
        struct timespec ts = {(time_t)B->idle, (long)((B->idle - (double)(time_t)B->idle) * 1e9)};
        nanosleep(&ts, NULL);
        used = (cpu_seconds() - c0) / (bc_now() - t0);
    }
    MPI_Bcast(&used, 1, MPI_DOUBLE, B->target, B->comm);
    if (B->rank != 0) return;
    bc_json_t j;
    begin(&j, B, "idle-cpu", 0);
    bc_stats_t st = {1, B->idle, B->idle, B->idle, B->idle};
    bc_json_timing(&j, &st, 0);
    bc_json_num(&j, "cpu_percent", 100.0 * used);
    bc_json_end(&j, stdout);
}

static void busy_case(bench_t *B, op_t op)
{
    char name[32];
    snprintf(name, sizeof name, "busy-%s", op == OP_NONE ? "alone" : OPNAME[op]);
    if (!bc_list_has(B->cases, name)) return;
    double t_end = 0, start = 0, total = 0, *ends = NULL;
    long done_busy = 0, work = 0;
    double cpu[2] = {0, 0};
    int rc = 0;
    MPI_Barrier(B->comm);
    if (B->rank == B->target) {
        /* bc_busy_wait's loop, counting its rounds: the work the target got
           done, which a progress thread sharing its core slows down */
        volatile double x = 0.0;
        cpu[0] = cpu_seconds();
        cpu[1] = thread_cpu_seconds();
        start = bc_now();
        while (bc_now() - start < B->busy) { /* no MPI call in here */
            for (int i = 0; i < 1000; i++) x += 1e-9 * i;
            work++;
        }
        t_end = bc_now();
        /* CPU time of the other threads (the progress thread) and of the
           computing one, as shares of the elapsed time */
        double wall = t_end - start, main_cpu = thread_cpu_seconds() - cpu[1];
        cpu[0] = (cpu_seconds() - cpu[0] - main_cpu) / wall;
        cpu[1] = main_cpu / wall;
    } else if (B->rank == 0) {
        bc_samples_clear(&B->s);
        ends = malloc(sizeof *ends * (size_t)B->ops);
        start = bc_now();
        for (long i = 0; i < (op == OP_NONE ? 0 : B->ops) && !rc; i++) {
            double t0 = bc_now();
            rc = do_op(B, op);
            ends[i] = bc_now();
            bc_samples_add(&B->s, ends[i] - t0);
        }
        total = bc_now() - start;
    }
    MPI_Bcast(&t_end, 1, MPI_DOUBLE, B->target, B->comm); /* CLOCK_MONOTONIC: one clock per node */
    MPI_Bcast(&work, 1, MPI_LONG, B->target, B->comm);
    MPI_Bcast(cpu, 2, MPI_DOUBLE, B->target, B->comm);
    if (B->rank != 0) return;
    if (rc) {
        fprintf(stderr, "bench_progress: %s failed: %s\n", name, da_last_error());
        free(ends);
        return;
    }
    /* per-op figures over the ops that completed while the target computed */
    double first = B->s.n ? B->s.t[0] : 0;
    bc_samples_t during;
    bc_samples_init(&during);
    for (size_t i = 0; i < B->s.n; i++)
        if (ends[i] <= t_end) {
            done_busy++;
            bc_samples_add(&during, B->s.t[i]);
        }
    bc_stats_t bs = bc_samples_stats(&during);
    bc_samples_free(&during);
    free(ends);
    bc_stats_t st = bc_samples_stats(&B->s);
    bc_json_t j;
    begin(&j, B, name, 8);
    bc_json_timing(&j, &st, 8);
    bc_json_num(&j, "total_ms", total * 1e3);
    bc_json_num(&j, "first_ms", first * 1e3);
    bc_json_num(&j, "busy_s", B->busy);
    bc_json_int(&j, "ops_while_busy", done_busy);
    bc_json_num(&j, "target_mloops_per_s", (double)work * 1e-3 / B->busy);
    bc_json_num(&j, "compute_cpu_percent", 100.0 * cpu[1]);
    bc_json_num(&j, "other_threads_cpu_percent", 100.0 * cpu[0]);
    if (done_busy) {
        bc_json_num(&j, "busy_median_us", bs.median * 1e6);
        bc_json_num(&j, "busy_max_us", bs.max * 1e6);
    }
    bc_json_end(&j, stdout);
}

int main(int argc, char **argv)
{
    bench_t B;
    memset(&B, 0, sizeof B);
    B.mode = "none";
    B.busy = 2.0;
    B.idle = 1.0;
    B.ops = 10000;
    B.seconds = 1.0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--progress") && i + 1 < argc) B.mode = argv[++i];
        else if (!strcmp(argv[i], "--busy") && i + 1 < argc) B.busy = atof(argv[++i]);
        else if (!strcmp(argv[i], "--idle") && i + 1 < argc) B.idle = atof(argv[++i]);
        else if (!strcmp(argv[i], "--ops") && i + 1 < argc) B.ops = atol(argv[++i]);
        else if (!strcmp(argv[i], "--cases") && i + 1 < argc) B.cases = argv[++i];
        else if (!strcmp(argv[i], "--quick")) {
            B.busy = 0.5;
            B.idle = 0.3;
            B.ops = 2000;
            B.seconds = 0.2;
        } else {
            fprintf(stderr, "usage: bench_progress [--progress none|none-mt|darray|mpich] [--busy S] [--ops N]\n"
                            "                      [--idle S] [--cases a,b] [--quick]\n");
            return 2;
        }
    }
    int want = MPI_THREAD_MULTIPLE, provided = MPI_THREAD_SINGLE;
    if (!strcmp(B.mode, "none")) want = MPI_THREAD_SINGLE;
    else if (!strcmp(B.mode, "mpich")) setenv("MPIR_CVAR_ASYNC_PROGRESS", "1", 1);
    else if (strcmp(B.mode, "none-mt") && strcmp(B.mode, "darray")) {
        fprintf(stderr, "bench_progress: unknown mode %s\n", B.mode);
        return 2;
    }
    MPI_Init_thread(&argc, &argv, want, &provided);
    MPI_Comm_dup(MPI_COMM_WORLD, &B.comm);
    MPI_Comm_rank(B.comm, &B.rank);
    MPI_Comm_size(B.comm, &B.size);
    if (B.size < 2 || provided < want) {
        if (B.rank == 0)
            fprintf(stderr, "bench_progress: needs 2 ranks%s\n",
                    provided < want ? " and MPI_THREAD_MULTIPLE" : "");
        MPI_Finalize();
        return 2;
    }
    B.target = B.size - 1;
    bc_samples_init(&B.s);

    setenv("DA_SHM", "0", 1); /* the RMA path, as between nodes */
    int64_t n = 64L * B.size;
    da_dist_t *d;
    da_dim_spec_t s = DA_DIM_BLOCK;
    if (da_dist_create(1, &n, &s, NULL, B.size, &d) || da_array_create(B.comm, DA_DOUBLE, d, &B.d) ||
        da_array_create(B.comm, DA_INT64, d, &B.l)) {
        fprintf(stderr, "bench_progress: setup failed: %s\n", da_last_error());
        MPI_Abort(B.comm, 1);
    }
    da_dist_destroy(&d);
    B.didx = B.lidx = 64L * B.target + 3;
    if (!strcmp(B.mode, "darray") && da_progress_start()) {
        fprintf(stderr, "bench_progress: da_progress_start: %s\n", da_last_error());
        MPI_Abort(B.comm, 1);
    }

    for (op_t op = OP_GET; op <= OP_FADD; op++) idle_case(&B, op);
    idle_cpu(&B);
    busy_case(&B, OP_NONE);
    for (op_t op = OP_GET; op <= OP_FADD; op++) busy_case(&B, op);

    if (!strcmp(B.mode, "darray")) da_progress_stop();
    da_array_destroy(&B.l);
    da_array_destroy(&B.d);
    bc_samples_free(&B.s);
    MPI_Comm_free(&B.comm);
    MPI_Finalize();
    return 0;
}
