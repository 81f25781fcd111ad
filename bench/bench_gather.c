/* bench_gather: irregular access by point lists — darray's gather, scatter
 * and scatter-accumulate (one-shot and through a replayed plan) against one
 * MPI call per element and against plain loads in one process.
 *
 * Geometry (the irregular-access issue): a 2048 x 2048 double array, block
 * distribution over all ranks; rank 0 accesses the same 100,000 uniformly
 * random elements every repetition (at 2 ranks about half of them are its
 * own, half the other rank's); the other ranks wait in MPI_Barrier.
 *
 * Cases (field "case"), impl darray, each run twice: with the same-node
 * shortcut (DA_SHM=1, name as below) and on the RMA path (DA_SHM=0, name +
 * "-rma"); darray reads DA_SHM when an array is created, so each variant
 * creates its own array:
 *   gather-100k             da_gather (coordinates)
 *   gather-plan-100k        da_plan_get of a plan built once (not timed)
 *   plan-create-100k        da_plan_create + da_plan_destroy (the inspector)
 *   scatter-100k            da_scatter
 *   scatter-plan-100k       da_plan_put
 *   scatter-acc-100k        da_scatter_acc, DA_OP_SUM, alpha 1
 *   scatter-acc-plan-100k   da_plan_acc
 * impl mpi, on an MPI_Win_allocate window with the same row blocks, under
 * MPI_Win_lock_all: one MPI_Get / MPI_Put / MPI_Accumulate per element, one
 * MPI_Win_flush_all at the end (gather-100k, scatter-100k, scatter-acc-100k);
 * impl mpi-hindexed, mpi-hindexed-block: what darray does on the RMA path,
 * in raw MPI: the points sorted by (owner, offset) once (not timed),
 * repeats merged; per remote owner one MPI_Get with an hindexed target type
 * (adjacent offsets merged into runs) or an hindexed_block type of block
 * length 1, own points by loads, one MPI_Win_flush_all, then unpacking;
 * gather-100k builds the types every repetition (a one-shot call without
 * darray's inspector), gather-plan-100k builds them once (a plan replay);
 * impl local: gather-100k as plain loads from a 2048 x 2048 array in rank
 * 0's memory (the ceiling).
 *
 * Each case: warm-up, then repetitions (each timed alone) until a time box
 * is used up; one JSON object per line from rank 0: case, impl, bytes,
 * elements, ranks, reps, median_us, min_us, max_us, rate (million elements
 * per second, from the median), rate_unit ("Melem/s"), cpu_median_us and
 * cpu_rate (the same from rank 0's thread CPU time per repetition, which on
 * a loaded machine leaves out the time other processes held the core),
 * shm, and verified for gathers and scatters (data checked after timing).
 *
 *   mpiexec -n 2 -bind-to core bench_gather [--seconds S | --quick] [--cases a,b] [--impl darray,mpi,...] [--list]
 *
 * To fold into a driver, compile with -DDARRAY_BENCH_DRIVER and call
 *   int bench_gather(MPI_Comm comm, int argc, char **argv);
 */
#include <darray.h>
#include <mpi.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"

int bench_gather(MPI_Comm comm, int argc, char **argv);

#define EXT ((int64_t)2048)   /* extent of both dimensions */
#define NPTS ((int64_t)100000) /* points per operation */

typedef enum { K_GATHER, K_SCATTER, K_ACC, K_PLAN_GET, K_PLAN_PUT, K_PLAN_ACC, K_PLAN_CREATE } kind_t;

static const struct {
    const char *name;
    kind_t kind;
} CASES[] = {
    /* gathers first: they check the initial values, which scatters change */
    {"gather-100k", K_GATHER},       {"gather-plan-100k", K_PLAN_GET},      {"plan-create-100k", K_PLAN_CREATE},
    {"scatter-100k", K_SCATTER},     {"scatter-plan-100k", K_PLAN_PUT},     {"scatter-acc-100k", K_ACC},
    {"scatter-acc-plan-100k", K_PLAN_ACC},
};
#define NCASES ((int)(sizeof CASES / sizeof CASES[0]))

typedef struct bench {
    MPI_Comm comm;
    int rank, size;
    double seconds;
    const char *cases, *impls;
    int64_t *flat, *coords; /* the points */
    double *buf, *vals;
    bc_samples_t samples, cpu; /* wall and thread CPU seconds per repetition */
    bc_rep_fn inner;             /* the repetition timed(): cpu_rep wraps it */
    /* the case being run */
    da_array_t *a;
    da_plan_t *plan;
    kind_t kind;
    /* raw MPI */
    MPI_Win win;
    double *win_base;
    int *owner;
    MPI_Aint *disp;
    double *local; /* impl local: the whole array in this process */
    /* raw MPI aggregated by owner (impl mpi-hindexed*): distinct points
       sorted by (owner, offset), one datatype per remote owner */
    int64_t nslots, *slot;  /* slot of each point */
    MPI_Aint *sdisp;        /* target offset (bytes) of each slot */
    int *sowner;            /* owner of each slot */
    int64_t *gfirst, *gcount; /* per rank: its slots */
    double *packed;
    MPI_Datatype *types;    /* per rank, prebuilt (or NULL) */
    int block;              /* hindexed_block instead of hindexed */
    int prebuilt;
} bench_t;

/* Row blocks as darray's BLOCK kind makes them: sizes differ by at most
   one, larger first. */
static void row_owner(int64_t row, int nranks, int *owner, int64_t *first)
{
    int64_t q = EXT / nranks, rem = EXT % nranks;
    if (row < rem * (q + 1)) {
        *owner = (int)(row / (q + 1));
        *first = *owner * (q + 1);
    } else {
        *owner = (int)(rem + (row - rem * (q + 1)) / q);
        *first = rem * (q + 1) + (*owner - rem) * q;
    }
}

static double value_at(int64_t flat)
{
    return (double)flat;
}

/* ---- one repetition ---------------------------------------------------- */

static int rep_darray(void *ctx)
{
    bench_t *B = ctx;
    switch (B->kind) {
    case K_GATHER: return da_gather(B->a, NPTS, B->coords, B->buf);
    case K_SCATTER: return da_scatter(B->a, NPTS, B->coords, B->vals);
    case K_ACC: return da_scatter_acc(B->a, DA_OP_SUM, NULL, NPTS, B->coords, B->vals);
    case K_PLAN_GET: return da_plan_get(B->plan, B->buf);
    case K_PLAN_PUT: return da_plan_put(B->plan, B->vals);
    case K_PLAN_ACC: return da_plan_acc(B->plan, DA_OP_SUM, NULL, B->vals);
    default: {
        da_plan_t *p;
        int rc = da_plan_create(B->a, NPTS, B->coords, &p);
        if (!rc) rc = da_plan_destroy(&p);
        return rc;
    }
    }
}

static int rep_mpi(void *ctx)
{
    bench_t *B = ctx;
    int rc = MPI_SUCCESS;
    for (int64_t i = 0; i < NPTS && rc == MPI_SUCCESS; i++) {
        if (B->kind == K_GATHER)
            rc = MPI_Get(&B->buf[i], 1, MPI_DOUBLE, B->owner[i], B->disp[i], 1, MPI_DOUBLE, B->win);
        else if (B->kind == K_SCATTER)
            rc = MPI_Put(&B->vals[i], 1, MPI_DOUBLE, B->owner[i], B->disp[i], 1, MPI_DOUBLE, B->win);
        else
            rc = MPI_Accumulate(&B->vals[i], 1, MPI_DOUBLE, B->owner[i], B->disp[i], 1, MPI_DOUBLE, MPI_SUM, B->win);
    }
    if (rc == MPI_SUCCESS) rc = MPI_Win_flush_all(B->win);
    return rc;
}

/* The datatype of owner o's slots: hindexed (runs of adjacent offsets
   merged, as darray builds them) or hindexed_block of length 1. */
static int make_type(bench_t *B, int o, MPI_Datatype *t)
{
    int64_t n = B->gcount[o];
    const MPI_Aint *d = B->sdisp + B->gfirst[o];
    int rc;
    if (B->block) {
        rc = MPI_Type_create_hindexed_block((int)n, 1, d, MPI_DOUBLE, t);
    } else {
        int *bl = malloc(sizeof *bl * (size_t)(n + 1));
        MPI_Aint *dd = malloc(sizeof *dd * (size_t)(n + 1));
        int nr = 0;
        for (int64_t k = 0; k < n; k++) {
            if (nr && d[k] == dd[nr - 1] + (MPI_Aint)(bl[nr - 1] * sizeof(double))) {
                bl[nr - 1]++;
            } else {
                dd[nr] = d[k];
                bl[nr++] = 1;
            }
        }
        rc = MPI_Type_create_hindexed(nr, bl, dd, MPI_DOUBLE, t);
        free(bl);
        free(dd);
    }
    return rc ? rc : MPI_Type_commit(t);
}

/* One MPI_Get per remote owner into a packed buffer, loads from the own
   block, one flush, unpack: what darray's plan replay does, in raw MPI. */
static int rep_mpi_agg(void *ctx)
{
    bench_t *B = ctx;
    int rc = MPI_SUCCESS;
    MPI_Datatype tmp[64];
    for (int o = 0; o < B->size && rc == MPI_SUCCESS; o++) {
        if (o == B->rank || !B->gcount[o]) continue;
        MPI_Datatype t = B->prebuilt ? B->types[o] : MPI_DATATYPE_NULL;
        if (!B->prebuilt && (rc = make_type(B, o, &t))) break;
        rc = MPI_Get(B->packed + B->gfirst[o], (int)B->gcount[o], MPI_DOUBLE, o, 0, 1, t, B->win);
        if (!B->prebuilt) tmp[o] = t;
    }
    for (int64_t k = B->gfirst[B->rank]; k < B->gfirst[B->rank] + B->gcount[B->rank]; k++)
        B->packed[k] = B->win_base[B->sdisp[k] / (MPI_Aint)sizeof(double)];
    if (rc == MPI_SUCCESS) rc = MPI_Win_flush_all(B->win);
    for (int o = 0; !B->prebuilt && o < B->size; o++)
        if (o != B->rank && B->gcount[o]) MPI_Type_free(&tmp[o]);
    for (int64_t i = 0; i < NPTS; i++) B->buf[i] = B->packed[B->slot[i]];
    return rc;
}

static int cmp_point(const void *x, const void *y, void *ctx)
{
    const bench_t *B = ctx;
    int64_t i = *(const int64_t *)x, j = *(const int64_t *)y;
    if (B->owner[i] != B->owner[j]) return B->owner[i] < B->owner[j] ? -1 : 1;
    return (B->disp[i] > B->disp[j]) - (B->disp[i] < B->disp[j]);
}

/* Sort the points by (owner, offset) once, merge repeats into slots. */
static void aggregate(bench_t *B)
{
    int64_t *ord = malloc(sizeof *ord * (size_t)NPTS);
    B->slot = malloc(sizeof *B->slot * (size_t)NPTS);
    B->sdisp = malloc(sizeof *B->sdisp * (size_t)NPTS);
    B->sowner = malloc(sizeof *B->sowner * (size_t)NPTS);
    B->packed = malloc(sizeof *B->packed * (size_t)NPTS);
    B->gfirst = calloc((size_t)B->size, sizeof *B->gfirst);
    B->gcount = calloc((size_t)B->size, sizeof *B->gcount);
    B->types = calloc((size_t)B->size, sizeof *B->types);
    if (!ord || !B->slot || !B->sdisp || !B->sowner || !B->packed || !B->gfirst || !B->gcount || !B->types ||
        B->size > 64) {
        fprintf(stderr, "bench_gather: out of memory (or more than 64 ranks)\n");
        MPI_Abort(B->comm, 1);
    }
    for (int64_t i = 0; i < NPTS; i++) ord[i] = i;
    qsort_r(ord, (size_t)NPTS, sizeof *ord, cmp_point, B);
    B->nslots = 0;
    for (int64_t k = 0; k < NPTS; k++) {
        int64_t i = ord[k];
        if (!B->nslots || B->owner[i] != B->sowner[B->nslots - 1] || B->disp[i] * (MPI_Aint)sizeof(double) != B->sdisp[B->nslots - 1]) {
            B->sowner[B->nslots] = B->owner[i];
            B->sdisp[B->nslots] = B->disp[i] * (MPI_Aint)sizeof(double);
            if (!B->gcount[B->owner[i]]) B->gfirst[B->owner[i]] = B->nslots;
            B->gcount[B->owner[i]]++;
            B->nslots++;
        }
        B->slot[i] = B->nslots - 1;
    }
    free(ord);
}

static void aggregate_free(bench_t *B)
{
    free(B->slot);
    free(B->sdisp);
    free(B->sowner);
    free(B->packed);
    free(B->gfirst);
    free(B->gcount);
    free(B->types);
}

static int rep_local(void *ctx)
{
    bench_t *B = ctx;
    const double *src = B->local;
    const int64_t *f = B->flat;
    double *dst = B->buf;
    for (int64_t i = 0; i < NPTS; i++) dst[i] = src[f[i]];
    return 0;
}

/* Thread CPU time of each repetition too: on a loaded machine the wall
   time of a repetition longer than a scheduler slice includes the slices
   other processes got; the CPU time does not. */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cpu_rep(void *ctx)
{
    bench_t *B = ctx;
    double t0 = cpu_now();
    int rc = B->inner(ctx);
    bc_samples_add(&B->cpu, cpu_now() - t0);
    return rc;
}

/* ---- checks -------------------------------------------------------------- */

static int check_gathered(const bench_t *B)
{
    for (int64_t i = 0; i < NPTS; i++)
        if (B->buf[i] != value_at(B->flat[i])) return 0;
    return 1;
}

/* After scatters of vals (value + 0.5): read the points back one-shot. */
static int check_scattered(bench_t *B)
{
    if (da_gather(B->a, NPTS, B->coords, B->buf)) return 0;
    for (int64_t i = 0; i < NPTS; i++)
        if (B->buf[i] != B->vals[i]) return 0;
    return 1;
}

/* ---- output ---------------------------------------------------------------- */

static void emit(const bench_t *B, const char *name, const char *impl, int shm, int verified, int rc)
{
    if (B->rank != 0) return;
    bc_samples_t s = B->samples; /* stats sort in place: a shallow copy is fine */
    bc_stats_t st = bc_samples_stats(&s);
    bc_samples_t c = B->cpu;
    bc_stats_t ct = bc_samples_stats(&c);
    bc_json_t j;
    bc_json_begin(&j);
    bc_json_str(&j, "case", name);
    bc_json_str(&j, "impl", impl);
    bc_json_int(&j, "bytes", NPTS * (int64_t)sizeof(double));
    bc_json_int(&j, "elements", NPTS);
    bc_json_int(&j, "ranks", B->size);
    bc_json_int(&j, "reps", (int64_t)st.reps);
    bc_json_num(&j, "median_us", st.median * 1e6);
    bc_json_num(&j, "min_us", st.min * 1e6);
    bc_json_num(&j, "max_us", st.max * 1e6);
    bc_json_num(&j, "rate", st.median > 0 ? (double)NPTS / st.median * 1e-6 : 0);
    bc_json_str(&j, "rate_unit", "Melem/s");
    bc_json_num(&j, "cpu_median_us", ct.median * 1e6);
    bc_json_num(&j, "cpu_rate", ct.median > 0 ? (double)NPTS / ct.median * 1e-6 : 0);
    if (shm >= 0) bc_json_bool(&j, "shm", shm);
    if (verified >= 0) bc_json_bool(&j, "verified", verified);
    if (rc) bc_json_int(&j, "error", rc);
    bc_json_end(&j, stdout);
}

static bc_budget_t budget(const bench_t *B, kind_t k)
{
    bc_budget_t b = {2, 5, 100000, B->seconds};
    if (k == K_PLAN_CREATE) b.warmup = 1;
    return b;
}

/* Run one case on rank 0 while the others wait (and make progress) in a
   barrier. */
static int timed(bench_t *B, bc_rep_fn fn)
{
    int rc = 0;
    bc_samples_clear(&B->cpu);
    if (B->rank == 0) {
        bc_budget_t b = budget(B, B->kind);
        B->inner = fn;
        rc = bc_run(&b, cpu_rep, B, &B->samples);
        /* drop the warm-up repetitions' CPU times */
        if (B->cpu.n >= (size_t)b.warmup) {
            memmove(B->cpu.t, B->cpu.t + b.warmup, (B->cpu.n - (size_t)b.warmup) * sizeof *B->cpu.t);
            B->cpu.n -= (size_t)b.warmup;
        }
    }
    MPI_Barrier(B->comm);
    return rc;
}

/* ---- darray cases on one array (one DA_SHM setting) ------------------------ */

static void run_darray(bench_t *B, int shm_on)
{
    setenv("DA_SHM", shm_on ? "1" : "0", 1);
    int64_t shape[2] = {EXT, EXT};
    da_dim_spec_t dims[2] = {DA_DIM_BLOCK, DA_DIM_NONE}; /* row blocks, as the raw MPI window */
    da_dist_t *d;
    if (da_dist_create(2, shape, dims, NULL, B->size, &d) || da_array_create(B->comm, DA_DOUBLE, d, &B->a)) {
        fprintf(stderr, "bench_gather: array creation failed: %s\n", da_last_error());
        MPI_Abort(B->comm, 1);
    }
    da_dist_destroy(&d);
    /* every element holds its flat index */
    double *p;
    int64_t lo[2], hi[2];
    da_array_local(B->a, (void **)&p, NULL, NULL);
    da_array_local_box(B->a, lo, hi);
    for (int64_t i = lo[0]; i < hi[0]; i++)
        for (int64_t j = 0; j < EXT; j++) p[(i - lo[0]) * EXT + j] = value_at(i * EXT + j);
    da_sync(B->a);
    int shm = 0;
    if (B->size > 1) da_array_shares_memory_with(B->a, 1, &shm);

    for (int c = 0; c < NCASES; c++) {
        char name[64];
        snprintf(name, sizeof name, "%s%s", CASES[c].name, shm_on ? "" : "-rma");
        if (!bc_list_has(B->cases, name) || !bc_list_has(B->impls, "darray")) continue;
        B->kind = CASES[c].kind;
        int rc = 0, verified = -1;
        int plan = B->kind == K_PLAN_GET || B->kind == K_PLAN_PUT || B->kind == K_PLAN_ACC;
        if (plan && B->rank == 0) rc = da_plan_create(B->a, NPTS, B->coords, &B->plan);
        if (!rc) rc = timed(B, rep_darray);
        else MPI_Barrier(B->comm);
        if (B->rank == 0 && !rc) {
            if (B->kind == K_GATHER || B->kind == K_PLAN_GET) verified = check_gathered(B);
            if (B->kind == K_SCATTER || B->kind == K_PLAN_PUT) verified = check_scattered(B);
        }
        if (plan && B->rank == 0 && B->plan) da_plan_destroy(&B->plan);
        emit(B, name, "darray", shm, verified, rc);
        MPI_Barrier(B->comm);
    }
    da_array_destroy(&B->a);
}

/* ---- raw MPI: one call per element ------------------------------------------ */

static void run_mpi(bench_t *B)
{
    static const struct { const char *name; kind_t kind; } M[] = {
        {"gather-100k", K_GATHER}, {"scatter-100k", K_SCATTER}, {"scatter-acc-100k", K_ACC}};
    if (!bc_list_has(B->impls, "mpi") && !bc_list_has(B->impls, "mpi-hindexed") &&
        !bc_list_has(B->impls, "mpi-hindexed-block"))
        return;
    int64_t q = EXT / B->size + (EXT % B->size != 0);
    MPI_Aint bytes = (MPI_Aint)(q * EXT * (int64_t)sizeof(double));
    if (MPI_Win_allocate(bytes, sizeof(double), MPI_INFO_NULL, B->comm, &B->win_base, &B->win)) {
        fprintf(stderr, "bench_gather: MPI_Win_allocate failed\n");
        MPI_Abort(B->comm, 1);
    }
    int64_t r0;
    int me_owner;
    for (int64_t row = 0; row < EXT; row++) { /* fill my rows */
        row_owner(row, B->size, &me_owner, &r0);
        if (me_owner == B->rank)
            for (int64_t j = 0; j < EXT; j++) B->win_base[(row - r0) * EXT + j] = value_at(row * EXT + j);
    }
    MPI_Win_lock_all(MPI_MODE_NOCHECK, B->win);
    MPI_Barrier(B->comm);
    for (int64_t i = 0; i < NPTS; i++) {
        int64_t row = B->coords[2 * i], col = B->coords[2 * i + 1];
        row_owner(row, B->size, &B->owner[i], &r0);
        B->disp[i] = (MPI_Aint)((row - r0) * EXT + col);
    }
    for (size_t c = 0; c < sizeof M / sizeof M[0]; c++) {
        if (!bc_list_has(B->cases, M[c].name) || !bc_list_has(B->impls, "mpi")) continue;
        B->kind = M[c].kind;
        int rc = timed(B, rep_mpi), verified = -1;
        if (B->rank == 0 && !rc && B->kind == K_GATHER) verified = check_gathered(B);
        emit(B, M[c].name, "mpi", -1, verified, rc);
        MPI_Barrier(B->comm);
    }
    /* aggregated by owner, as darray does, without darray: the datatype
       built every time (as a one-shot call without the inspector) or
       prebuilt (as a plan replay), hindexed or hindexed_block */
    static const struct { const char *name, *impl; int prebuilt, block; } A[] = {
        {"gather-100k", "mpi-hindexed", 0, 0},
        {"gather-plan-100k", "mpi-hindexed", 1, 0},
        {"gather-100k", "mpi-hindexed-block", 0, 1},
        {"gather-plan-100k", "mpi-hindexed-block", 1, 1},
    };
    aggregate(B);
    for (size_t c = 0; c < sizeof A / sizeof A[0]; c++) {
        if (!bc_list_has(B->cases, A[c].name) || !bc_list_has(B->impls, A[c].impl)) continue;
        B->prebuilt = A[c].prebuilt;
        B->block = A[c].block;
        for (int o = 0; o < B->size; o++)
            if (B->prebuilt && o != B->rank && B->gcount[o] && make_type(B, o, &B->types[o])) MPI_Abort(B->comm, 1);
        B->kind = K_GATHER;
        int rc = timed(B, rep_mpi_agg), verified = -1;
        if (B->rank == 0 && !rc) verified = check_gathered(B);
        emit(B, A[c].name, A[c].impl, -1, verified, rc);
        for (int o = 0; o < B->size; o++)
            if (B->prebuilt && o != B->rank && B->gcount[o]) MPI_Type_free(&B->types[o]);
        MPI_Barrier(B->comm);
    }
    aggregate_free(B);
    MPI_Win_unlock_all(B->win);
    MPI_Win_free(&B->win);
}

/* ---- the ceiling: loads in one process -------------------------------------- */

static void run_local(bench_t *B)
{
    if (!bc_list_has(B->impls, "local") || !bc_list_has(B->cases, "gather-100k")) return;
    if (B->rank == 0) {
        B->local = malloc((size_t)(EXT * EXT) * sizeof(double));
        if (!B->local) {
            fprintf(stderr, "bench_gather: out of memory\n");
            MPI_Abort(B->comm, 1);
        }
        for (int64_t f = 0; f < EXT * EXT; f++) B->local[f] = value_at(f);
    }
    B->kind = K_GATHER;
    int rc = timed(B, rep_local);
    int verified = B->rank == 0 ? check_gathered(B) : -1;
    emit(B, "gather-100k", "local", -1, verified, rc);
    free(B->local);
    B->local = NULL;
}

static void list_cases(void)
{
    for (int c = 0; c < NCASES; c++) printf("%s\tdarray\n%s-rma\tdarray\n", CASES[c].name, CASES[c].name);
    printf("gather-100k\tmpi\nscatter-100k\tmpi\nscatter-acc-100k\tmpi\n");
    printf("gather-100k\tmpi-hindexed\ngather-plan-100k\tmpi-hindexed\n");
    printf("gather-100k\tmpi-hindexed-block\ngather-plan-100k\tmpi-hindexed-block\ngather-100k\tlocal\n");
}

int bench_gather(MPI_Comm user_comm, int argc, char **argv)
{
    bench_t B;
    memset(&B, 0, sizeof B);
    B.seconds = 1.0;
    int rank0;
    MPI_Comm_rank(user_comm, &rank0);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
            B.seconds = atof(argv[++i]);
        } else if (!strcmp(argv[i], "--quick")) {
            B.seconds = 0.1;
        } else if (!strcmp(argv[i], "--cases") && i + 1 < argc) {
            B.cases = argv[++i];
        } else if (!strcmp(argv[i], "--impl") && i + 1 < argc) {
            B.impls = argv[++i];
        } else if (!strcmp(argv[i], "--list")) {
            if (rank0 == 0) list_cases();
            return 0;
        } else {
            if (rank0 == 0)
                fprintf(stderr, "usage: bench_gather [--seconds S | --quick] [--cases a,b,...] "
                                "[--impl darray,mpi,mpi-hindexed,mpi-hindexed-block,local] [--list]\n");
            return 2;
        }
    }
    MPI_Comm_dup(user_comm, &B.comm);
    MPI_Comm_set_errhandler(B.comm, MPI_ERRORS_RETURN);
    MPI_Comm_rank(B.comm, &B.rank);
    MPI_Comm_size(B.comm, &B.size);

    /* the points: the same on every run (rank 0 uses them) */
    B.flat = malloc(sizeof *B.flat * (size_t)NPTS);
    B.coords = malloc(sizeof *B.coords * (size_t)(2 * NPTS));
    B.buf = malloc(sizeof *B.buf * (size_t)NPTS);
    B.vals = malloc(sizeof *B.vals * (size_t)NPTS);
    B.owner = malloc(sizeof *B.owner * (size_t)NPTS);
    B.disp = malloc(sizeof *B.disp * (size_t)NPTS);
    if (!B.flat || !B.coords || !B.buf || !B.vals || !B.owner || !B.disp) {
        fprintf(stderr, "bench_gather: out of memory\n");
        MPI_Abort(B.comm, 1);
    }
    uint64_t s = 0x8badf00d;
    for (int64_t i = 0; i < NPTS; i++) {
        s += 0x9e3779b97f4a7c15ULL;
        uint64_t z = s;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        z ^= z >> 31;
        B.flat[i] = (int64_t)(z % (uint64_t)(EXT * EXT));
        B.coords[2 * i] = B.flat[i] / EXT;
        B.coords[2 * i + 1] = B.flat[i] % EXT;
        B.vals[i] = value_at(B.flat[i]) + 0.5;
    }
    bc_samples_init(&B.samples);
    bc_samples_init(&B.cpu);

    const char *env = getenv("DA_SHM");
    char *saved = env ? strdup(env) : NULL;
    run_darray(&B, 1);
    run_darray(&B, 0);
    if (saved) setenv("DA_SHM", saved, 1);
    else unsetenv("DA_SHM");
    free(saved);
    run_mpi(&B);
    run_local(&B);

    bc_samples_free(&B.samples);
    bc_samples_free(&B.cpu);
    free(B.flat);
    free(B.coords);
    free(B.buf);
    free(B.vals);
    free(B.owner);
    free(B.disp);
    MPI_Comm_free(&B.comm);
    return 0;
}

#ifndef DARRAY_BENCH_DRIVER
int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rc = bench_gather(MPI_COMM_WORLD, argc, argv);
    MPI_Finalize();
    return rc;
}
#endif
