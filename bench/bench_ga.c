/* bench_ga: the benchmark cases of darray-bench written against Global
 * Arrays' C API only (ga.h, macdecls.h), so that the same source measures
 * two implementations of that API in the run darray is measured in:
 *
 *   impl "ga"         linked against GA 5.8 itself (Debian's libga-mpich over
 *                     ARMCI-MPI): built as bench_ga when GA is found
 *   impl "darray-ga"  linked against libdarray-ga, darray's GA layer (built as
 *                     bench_darray_ga with -DBENCH_GA_DARRAY); every case runs
 *                     twice, as named (same-node shortcut on) and with DA_SHM=0
 *                     as name + "-rma" (darray reads DA_SHM when an array or a
 *                     mutex set is created, so the twin's objects are created
 *                     after setting it)
 *
 * Rank 0 is the origin, the last rank the target; the other ranks wait in
 * MPI_Barrier (which drives MPI progress, as in the other bench programs).
 * Geometry and methodology mirror bench_rma, bench_atomic, bench_gather and
 * bench_array, so that rows compare like with like (2 ranks):
 *
 *   get-1elem, put-1elem, acc-1elem  NGA_Get / NGA_Put / NGA_Acc (alpha 1) of
 *                     one double owned by the target, in a 1-D array of 1 Mi
 *                     doubles (8 MiB) per rank; one call per repetition
 *   fadd-1elem        NGA_Read_inc(+1) on a C_LONG (int64) array; per call,
 *                     from batches of 100 calls
 *   get-contig-8MiB, put-contig-8MiB  the target's whole 8 MiB block
 *   get-box-1024x1024, put-box-1024x1024  a 1024 x 1024 box of a
 *                     (ranks*1024) x 2048 array split by rows (ld 1024)
 *   get-col-2048x16   16 columns x 2048 rows of a 2048 x (ranks*1024) array
 *                     split by columns
 *   gather-100k, scatter-100k, scatter-acc-100k  NGA_Gather / NGA_Scatter /
 *                     NGA_Scatter_acc (alpha 1) of bench_gather's 100,000
 *                     random points of a 2048 x 2048 array split by rows
 *   lock-unlock       GA_Lock + GA_Unlock of the mutex hosted on the target
 *                     (GA_Create_mutexes(ranks): mutex i on rank i), per pair,
 *                     from batches of 100
 *   sync              GA_Sync, every rank, with one 1024 x 1024 array alive
 *   create-destroy    NGA_Create + GA_Destroy of a 1024 x 1024 double array
 *                     split by rows, every rank
 *
 * Arrays are made with NGA_Create_irreg so that both implementations (and
 * darray's own benches) hold the same blocks on the same ranks; the program
 * checks with NGA_Distribution that the target owns what it should. Blocking
 * puts and accs are timed as GA defines them (locally complete on return);
 * darray's own benches add a flush. Collective cases (sync, create-destroy)
 * line the ranks up with a barrier and take the slowest rank's time.
 *
 * Verification ("verified"): gets and gathers compare the data received;
 * puts and scatters read back what they wrote; accs and Read_inc check the
 * final values against the number of calls made.
 *
 * One JSON object per line (rank 0): case, impl, bytes, elements, ranks,
 * reps, median_us, min_us, max_us, rate, rate_unit, verified (where data
 * moved), batch (batched cases), armci_env (impl ga: the ARMCI_* variables
 * set, which change what ARMCI-MPI does; bench_ga sets
 * ARMCI_USE_WIN_ALLOCATE=0 unless it is set: with ARMCI-MPI's default
 * MPI_Win_allocate windows, MPICH 4.0.2 misplaces RMA to ranks > 0 and gets
 * return wrong data, see docs/benchmarks.md).
 *
 *   mpiexec -n 2 -bind-to core bench_ga [--quick] [--cases a,b] [--seconds S] [--list]
 */
#include <mpi.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ga.h"
#include "macdecls.h"

#include "bench_common.h"

/* Each build must see its own ga.h: darray's defines DARRAY_GA_GA_H, GA's
   does not. */
#if defined(BENCH_GA_DARRAY) != defined(DARRAY_GA_GA_H)
#error "bench_ga: ga.h is not the one this build links against (check include order)"
#endif
#ifdef BENCH_GA_DARRAY
#define IMPL_NAME "darray-ga"
#else
#define IMPL_NAME "ga"
#endif

extern char **environ;

#define MI (1 << 20)
#define N1 MI     /* 1-D: doubles per rank (8 MiB) */
#define N2 2048   /* 2-D: extent of the undistributed dimension */
#define B2 1024   /* 2-D: extent per rank of the distributed one */
#define EXT 2048  /* gather: both extents */
#define NPTS 100000
#define NCD 1024  /* sync, create-destroy: 1024 x 1024 */
#define NLONG 512 /* fadd: longs per rank (a page: see make_array) */

typedef enum { K_GET, K_PUT, K_ACC, K_FADD, K_GATHER, K_SCATTER, K_SCATTER_ACC, K_LOCK, K_SYNC, K_CREATE } kind_t;
typedef enum { S_1ELEM, S_CONTIG, S_BOX, S_COL, S_PTS, S_LONG, S_NONE } shape_t;

typedef struct case_def {
    const char *name;
    kind_t kind;
    shape_t shape;
} case_def_t;

static const case_def_t CASES[] = {
    {"get-1elem", K_GET, S_1ELEM},
    {"put-1elem", K_PUT, S_1ELEM},
    {"acc-1elem", K_ACC, S_1ELEM},
    {"fadd-1elem", K_FADD, S_LONG},
    {"get-contig-8MiB", K_GET, S_CONTIG},
    {"put-contig-8MiB", K_PUT, S_CONTIG},
    {"get-box-1024x1024", K_GET, S_BOX},
    {"put-box-1024x1024", K_PUT, S_BOX},
    {"get-col-2048x16", K_GET, S_COL},
    {"gather-100k", K_GATHER, S_PTS},
    {"scatter-100k", K_SCATTER, S_PTS},
    {"scatter-acc-100k", K_SCATTER_ACC, S_PTS},
    {"lock-unlock", K_LOCK, S_NONE},
    {"sync", K_SYNC, S_NONE},
    {"create-destroy", K_CREATE, S_NONE},
};
#define NCASES ((int)(sizeof CASES / sizeof CASES[0]))

/* ---- geometry ---------------------------------------------------------- */

/* An array (shape, split points of the distributed dimension) and the box a
   case requests. Indices are GA's: 0-based, hi inclusive. */
typedef struct geom {
    shape_t shape;
    int type;       /* C_DBL or C_LONG */
    int ndim;
    int dims[2];
    int split;      /* the distributed dimension */
    int lo[2], hi[2];
    int64_t elements;
} geom_t;

/* Start of rank r's block when n is split over p ranks as darray's BLOCK
   kind splits it (sizes differ by at most one, larger first). */
static int block_start(int n, int p, int r)
{
    int q = n / p, rem = n % p;
    return r < rem ? r * (q + 1) : rem * (q + 1) + (r - rem) * q;
}

static geom_t geometry(shape_t s, int nranks)
{
    geom_t g;
    memset(&g, 0, sizeof g);
    int T = nranks - 1;
    g.shape = s;
    g.type = C_DBL;
    switch (s) {
    case S_1ELEM:
    case S_CONTIG:
        g.ndim = 1;
        g.dims[0] = nranks * N1;
        g.lo[0] = T * N1 + (s == S_1ELEM ? 12345 : 0);
        g.hi[0] = s == S_1ELEM ? g.lo[0] : (T + 1) * N1 - 1;
        break;
    case S_BOX: /* rows split */
        g.ndim = 2;
        g.dims[0] = nranks * B2;
        g.dims[1] = N2;
        g.lo[0] = T * B2;
        g.hi[0] = g.lo[0] + 1023;
        g.lo[1] = 512;
        g.hi[1] = 512 + 1023;
        break;
    case S_COL: /* columns split */
        g.ndim = 2;
        g.dims[0] = N2;
        g.dims[1] = nranks * B2;
        g.split = 1;
        g.lo[0] = 0;
        g.hi[0] = N2 - 1;
        g.lo[1] = T * B2 + 512;
        g.hi[1] = g.lo[1] + 15;
        break;
    case S_PTS:
        g.ndim = 2;
        g.dims[0] = g.dims[1] = EXT;
        break;
    case S_LONG:
        g.type = C_LONG;
        g.ndim = 1;
        g.dims[0] = nranks * NLONG;
        g.lo[0] = g.hi[0] = T * NLONG + 7;
        break;
    case S_NONE:
        g.ndim = 2;
        g.dims[0] = g.dims[1] = NCD;
        break;
    }
    g.elements = 1;
    if (s != S_PTS && s != S_NONE)
        for (int d = 0; d < g.ndim; d++)
            g.elements *= g.hi[d] - g.lo[d] + 1;
    if (s == S_PTS)
        g.elements = NPTS;
    return g;
}

/* The value stored at an index: its row-major linear index (exact in a
   double for every array here). */
static double value_at(const geom_t *g, int i, int j)
{
    return g->ndim == 1 ? (double)i : (double)i * g->dims[1] + j;
}

/* ---- state ------------------------------------------------------------- */

typedef struct bench {
    int rank, size, target;
    const char *cases;
    double seconds; /* < 0: each family's default */
    int quick, batch;
    int rma;        /* darray-ga: this pass is the DA_SHM=0 twin */
    char armci_env[512];
    double *buf, *buf2;
    int *coords, **subs; /* the points: coords[2i], coords[2i+1] */
    double *vals, *ones;
    int *mult;           /* times each point's element occurs in the list */
    bc_samples_t samples;
    /* the array of the current geometry, kept for the next cases */
    int g_a;
    shape_t g_shape;
    int have_array;
} bench_t;

typedef struct run {
    bench_t *B;
    const case_def_t *c;
    geom_t g;
    int ld[1];
    long calls; /* operations made (warm-up included) */
    char err[256];
} run_t;

/* ---- arrays ------------------------------------------------------------ */

/* Collective: an array for the geometry with the distributed dimension
   split as darray's BLOCK splits it (one block per rank), or nothing and a
   message if the target does not own the requested box. */
static int make_array(bench_t *B, const geom_t *g, char *err, size_t errlen)
{
    int P = B->size, nblock[2] = {1, 1}, k = 0;
    int *map = malloc(sizeof *map * (size_t)(P + 1));
    if (!map) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int d = 0; d < g->ndim; d++) {
        if (d == g->split) {
            nblock[d] = P;
            for (int r = 0; r < P; r++)
                map[k++] = block_start(g->dims[d], P, r);
        } else {
            map[k++] = 0;
        }
    }
    int dims[2] = {g->dims[0], g->dims[1]};
    char name[] = "bench";
    /* The fadd array has a page per rank: MPICH 4.0.2 misplaces RMA to
       ranks > 0 of MPI_Win_allocate windows whose sizes are not page
       multiples (docs/atomics.md), and ARMCI-MPI uses such windows. */
    int g_a = NGA_Create_irreg(g->type, g->ndim, dims, name, nblock, map);
    free(map);
    B->g_a = g_a;
    B->g_shape = g->shape;
    B->have_array = 1;
    if (g->shape == S_PTS || g->shape == S_NONE)
        return 0;
    int lo[2], hi[2];
    NGA_Distribution(g_a, B->target, lo, hi);
    for (int d = 0; d < g->ndim; d++)
        if (g->lo[d] < lo[d] || g->hi[d] > hi[d]) {
            snprintf(err, errlen, "the target's block [%d..%d] does not hold the box in dimension %d", lo[d],
                     hi[d], d);
            return -1;
        }
    return 0;
}

static void drop_array(bench_t *B)
{
    if (B->have_array)
        GA_Destroy(B->g_a);
    B->have_array = 0;
}

/* Collective: every rank fills its block with value_at (0 for the long
   array), then GA_Sync. */
static void fill_array(bench_t *B, const geom_t *g)
{
    int lo[2], hi[2], ld[1] = {0};
    NGA_Distribution(B->g_a, B->rank, lo, hi);
    int empty = 0;
    for (int d = 0; d < g->ndim; d++)
        empty |= hi[d] < lo[d];
    if (!empty) {
        void *p = NULL;
        NGA_Access(B->g_a, lo, hi, &p, ld);
        if (g->type == C_LONG) {
            memset(p, 0, sizeof(long) * (size_t)(hi[0] - lo[0] + 1));
        } else if (g->ndim == 1) {
            for (int i = lo[0]; i <= hi[0]; i++)
                ((double *)p)[i - lo[0]] = value_at(g, i, 0);
        } else {
            for (int i = lo[0]; i <= hi[0]; i++)
                for (int j = lo[1]; j <= hi[1]; j++)
                    ((double *)p)[(int64_t)(i - lo[0]) * ld[0] + (j - lo[1])] = value_at(g, i, j);
        }
        NGA_Release_update(B->g_a, lo, hi);
    }
    GA_Sync();
}

/* ---- repetitions ------------------------------------------------------- */

static int rep_get(void *p)
{
    run_t *r = p;
    NGA_Get(r->B->g_a, r->g.lo, r->g.hi, r->B->buf, r->ld);
    r->calls++;
    return 0;
}

static int rep_put(void *p)
{
    run_t *r = p;
    NGA_Put(r->B->g_a, r->g.lo, r->g.hi, r->B->buf, r->ld);
    r->calls++;
    return 0;
}

static int rep_acc(void *p)
{
    run_t *r = p;
    double one = 1.0;
    NGA_Acc(r->B->g_a, r->g.lo, r->g.hi, r->B->ones, r->ld, &one);
    r->calls++;
    return 0;
}

static int rep_fadd(void *p)
{
    run_t *r = p;
    for (int i = 0; i < r->B->batch; i++)
        NGA_Read_inc(r->B->g_a, r->g.lo, 1);
    r->calls += r->B->batch;
    return 0;
}

static int rep_gather(void *p)
{
    run_t *r = p;
    NGA_Gather(r->B->g_a, r->B->buf, r->B->subs, NPTS);
    r->calls++;
    return 0;
}

static int rep_scatter(void *p)
{
    run_t *r = p;
    NGA_Scatter(r->B->g_a, r->B->vals, r->B->subs, NPTS);
    r->calls++;
    return 0;
}

static int rep_scatter_acc(void *p)
{
    run_t *r = p;
    double one = 1.0;
    NGA_Scatter_acc(r->B->g_a, r->B->ones, r->B->subs, NPTS, &one);
    r->calls++;
    return 0;
}

static int rep_lock(void *p)
{
    run_t *r = p;
    for (int i = 0; i < r->B->batch; i++) {
        GA_Lock(r->B->target);
        GA_Unlock(r->B->target);
    }
    r->calls += r->B->batch;
    return 0;
}

/* ---- checks (origin only, after timing) -------------------------------- */

/* Whether buf holds the box's values, row-major. */
static int check_box(const geom_t *g, const double *buf)
{
    if (g->ndim == 1) {
        for (int i = g->lo[0]; i <= g->hi[0]; i++)
            if (buf[i - g->lo[0]] != value_at(g, i, 0))
                return 0;
        return 1;
    }
    int64_t w = g->hi[1] - g->lo[1] + 1;
    for (int i = g->lo[0]; i <= g->hi[0]; i++)
        for (int j = g->lo[1]; j <= g->hi[1]; j++)
            if (buf[(i - g->lo[0]) * w + (j - g->lo[1])] != value_at(g, i, j))
                return 0;
    return 1;
}

static int verify(bench_t *B, run_t *r)
{
    const geom_t *g = &r->g;
    switch (r->c->kind) {
    case K_GET:
        return check_box(g, B->buf);
    case K_PUT: /* the puts wrote the box's own values: read them back */
        memset(B->buf2, 0, (size_t)g->elements * sizeof(double));
        NGA_Get(B->g_a, r->g.lo, r->g.hi, B->buf2, r->ld);
        return check_box(g, B->buf2);
    case K_ACC: {
        double v = 0;
        NGA_Get(B->g_a, r->g.lo, r->g.hi, &v, r->ld);
        return v == value_at(g, g->lo[0], 0) + (double)r->calls;
    }
    case K_FADD:
        return NGA_Read_inc(B->g_a, r->g.lo, 0) == r->calls;
    case K_GATHER:
        for (int i = 0; i < NPTS; i++)
            if (B->buf[i] != value_at(g, B->coords[2 * i], B->coords[2 * i + 1]))
                return 0;
        return 1;
    case K_SCATTER:
        NGA_Gather(B->g_a, B->buf2, B->subs, NPTS);
        for (int i = 0; i < NPTS; i++)
            if (B->buf2[i] != B->vals[i])
                return 0;
        return 1;
    case K_SCATTER_ACC:
        NGA_Gather(B->g_a, B->buf2, B->subs, NPTS);
        for (int i = 0; i < NPTS; i++)
            if (B->buf2[i] != value_at(g, B->coords[2 * i], B->coords[2 * i + 1]) + (double)B->mult[i] * r->calls)
                return 0;
        return 1;
    default:
        return -1;
    }
}

/* ---- output ------------------------------------------------------------ */

static void emit(bench_t *B, const char *name, const run_t *r, bc_samples_t *s, int verified)
{
    if (B->rank != 0)
        return;
    kind_t k = r->c->kind;
    int batched = k == K_FADD || k == K_LOCK;
    int64_t elements = k == K_LOCK || k == K_SYNC ? 0 : k == K_CREATE ? (int64_t)NCD * NCD : r->g.elements;
    int64_t bytes = k == K_LOCK || k == K_SYNC || k == K_CREATE ? 0 : elements * 8;
    bc_json_t j;
    bc_json_begin(&j);
    bc_json_str(&j, "case", name);
    bc_json_str(&j, "impl", IMPL_NAME);
    bc_json_int(&j, "bytes", bytes);
    bc_json_int(&j, "elements", elements);
    bc_json_int(&j, "ranks", B->size);
    if (r->err[0]) {
        bc_json_str(&j, "error", r->err);
    } else if (k == K_GATHER || k == K_SCATTER || k == K_SCATTER_ACC) {
        /* as bench_gather: million elements per second */
        bc_stats_t st = bc_samples_stats(s);
        bc_json_int(&j, "reps", (int64_t)st.reps);
        bc_json_num(&j, "median_us", st.median * 1e6);
        bc_json_num(&j, "min_us", st.min * 1e6);
        bc_json_num(&j, "max_us", st.max * 1e6);
        bc_json_num(&j, "rate", st.median > 0 ? (double)NPTS / st.median * 1e-6 : 0);
        bc_json_str(&j, "rate_unit", "Melem/s");
    } else {
        bc_stats_t st = bc_samples_stats(s);
        if (batched) {
            double per = 1.0 / B->batch;
            st.median *= per;
            st.min *= per;
            st.max *= per;
            st.mean *= per;
        }
        bc_json_timing(&j, &st, (size_t)(k == K_FADD ? 8 : bytes));
    }
    if (batched)
        bc_json_int(&j, "batch", B->batch);
    if (verified >= 0)
        bc_json_bool(&j, "verified", verified);
    if (B->armci_env[0])
        bc_json_str(&j, "armci_env", B->armci_env);
    bc_json_end(&j, stdout);
}

/* ---- running ----------------------------------------------------------- */

static bc_budget_t budget(const bench_t *B, const run_t *r)
{
    bc_budget_t b = {0, 0, 5000000, 0};
    kind_t k = r->c->kind;
    if (k == K_GATHER || k == K_SCATTER || k == K_SCATTER_ACC) { /* bench_gather */
        b.warmup = 2;
        b.min_reps = 5;
        b.max_reps = 100000;
        b.seconds = B->quick ? 0.1 : 1.0;
    } else if (k == K_FADD || k == K_LOCK) { /* bench_atomic */
        b.warmup = 10;
        b.min_reps = 50;
        b.seconds = B->quick ? 0.1 : 1.0;
    } else { /* bench_rma */
        int big = r->g.elements * 8 >= 1024 * 1024;
        b.warmup = B->quick ? (big ? 1 : 50) : (big ? 2 : 500);
        b.min_reps = B->quick ? (big ? 1 : 100) : (big ? 5 : 1000);
        b.seconds = B->quick ? 0.08 : 0.6;
    }
    if (B->seconds >= 0)
        b.seconds = B->seconds;
    return b;
}

/* Collective cases, as bench_array: a barrier before each repetition, the
   slowest rank's time, rank 0's clock decides when to stop. */
static void run_collective(bench_t *B, run_t *r, bc_samples_t *s)
{
    double seconds = B->seconds >= 0 ? B->seconds : B->quick ? 0.2 : 1.0;
    int dims[2] = {NCD, NCD}, chunk[2] = {-1, NCD}; /* chunk: rows split */
    char name[] = "bench";
    bc_samples_clear(s);
    double start = 0;
    for (long rep = -2; rep < 100000; rep++) { /* two warm-up repetitions */
        MPI_Barrier(MPI_COMM_WORLD);
        double t0 = bc_now();
        if (r->c->kind == K_SYNC) {
            GA_Sync();
        } else {
            int g = NGA_Create(C_DBL, 2, dims, name, chunk);
            GA_Destroy(g);
        }
        double mine = bc_now() - t0, all;
        MPI_Allreduce(&mine, &all, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
        if (rep < 0)
            continue;
        if (rep == 0)
            start = t0;
        bc_samples_add(s, all);
        int stop = rep + 1 >= 5 && bc_now() - start >= seconds;
        MPI_Bcast(&stop, 1, MPI_INT, 0, MPI_COMM_WORLD);
        if (stop)
            break;
    }
}

static void run_case(bench_t *B, const case_def_t *c)
{
    char name[64];
    snprintf(name, sizeof name, "%s%s", c->name, B->rma ? "-rma" : "");
    if (!bc_list_has(B->cases, name))
        return;
    run_t r;
    memset(&r, 0, sizeof r);
    r.B = B;
    r.c = c;
    r.g = geometry(c->shape, B->size);
    if (r.g.ndim == 2)
        r.ld[0] = r.g.hi[1] - r.g.lo[1] + 1;
    int verified = -1;

    /* setup (collective): the array of this geometry, filled */
    if (c->shape == S_NONE) {
        drop_array(B);
        if (c->kind == K_SYNC)
            make_array(B, &r.g, r.err, sizeof r.err);
    } else if (!B->have_array || B->g_shape != c->shape) {
        drop_array(B);
        make_array(B, &r.g, r.err, sizeof r.err);
    }
    if (!r.err[0] && c->shape != S_NONE)
        fill_array(B, &r.g);
    if (c->kind == K_LOCK && !GA_Create_mutexes(B->size))
        snprintf(r.err, sizeof r.err, "GA_Create_mutexes(%d) failed", B->size);

    /* measure */
    if (r.err[0]) {
        MPI_Barrier(MPI_COMM_WORLD);
    } else if (c->kind == K_SYNC || c->kind == K_CREATE) {
        run_collective(B, &r, &B->samples);
    } else {
        if (B->rank == 0) {
            /* put buffers hold the box's own values, so that the array
               keeps them and a read-back shows the data arrived */
            if (c->kind == K_PUT) {
                const geom_t *g = &r.g;
                int64_t w = g->ndim == 2 ? g->hi[1] - g->lo[1] + 1 : 1, n = 0;
                for (int i = g->lo[0]; i <= g->hi[0]; i++)
                    for (int64_t j = 0; j < w; j++)
                        B->buf[n++] = value_at(g, i, g->ndim == 2 ? g->lo[1] + (int)j : 0);
            }
            static const bc_rep_fn fns[] = {rep_get, rep_put, rep_acc, rep_fadd, rep_gather,
                                            rep_scatter, rep_scatter_acc, rep_lock};
            bc_budget_t b = budget(B, &r);
            bc_run(&b, fns[c->kind], &r, &B->samples);
            verified = verify(B, &r);
        }
        MPI_Barrier(MPI_COMM_WORLD);
    }
    emit(B, name, &r, &B->samples, verified);

    if (c->kind == K_LOCK)
        GA_Destroy_mutexes();
    if (c->kind == K_SYNC)
        drop_array(B);
}

static void list_cases(void)
{
    for (int i = 0; i < NCASES; i++) {
        printf("%s\t%s\n", CASES[i].name, IMPL_NAME);
#ifdef BENCH_GA_DARRAY
        printf("%s-rma\t%s\n", CASES[i].name, IMPL_NAME);
#endif
    }
}

/* The ARMCI_* variables in the environment (they select ARMCI-MPI's
   methods), for the record. */
static void armci_env(char *out, size_t len)
{
    out[0] = '\0';
#ifndef BENCH_GA_DARRAY
    for (char **e = environ; *e; e++)
        if (!strncmp(*e, "ARMCI_", 6) && strlen(out) + strlen(*e) + 2 < len) {
            if (out[0])
                strcat(out, " ");
            strcat(out, *e);
        }
#else
    (void)len;
#endif
}

/* The points of bench_gather (same generator, same seed). */
static void make_points(bench_t *B)
{
    B->coords = malloc(sizeof *B->coords * 2 * NPTS);
    B->subs = malloc(sizeof *B->subs * NPTS);
    B->vals = malloc(sizeof *B->vals * NPTS);
    B->mult = calloc(NPTS, sizeof *B->mult);
    int *count = calloc((size_t)EXT * EXT, sizeof *count);
    if (!B->coords || !B->subs || !B->vals || !B->mult || !count) {
        fprintf(stderr, "bench_ga: out of memory\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    uint64_t s = 0x8badf00d;
    for (int i = 0; i < NPTS; i++) {
        s += 0x9e3779b97f4a7c15ULL;
        uint64_t z = s;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        z ^= z >> 31;
        int64_t flat = (int64_t)(z % (uint64_t)(EXT * EXT));
        B->coords[2 * i] = (int)(flat / EXT);
        B->coords[2 * i + 1] = (int)(flat % EXT);
        B->subs[i] = &B->coords[2 * i];
        B->vals[i] = (double)flat + 0.5;
        count[flat]++;
    }
    for (int i = 0; i < NPTS; i++)
        B->mult[i] = count[(int64_t)B->coords[2 * i] * EXT + B->coords[2 * i + 1]];
    free(count);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    bench_t B;
    memset(&B, 0, sizeof B);
    B.seconds = -1;
    B.batch = 100;
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) {
            B.quick = 1;
        } else if (!strcmp(argv[i], "--cases") && i + 1 < argc) {
            B.cases = argv[++i];
        } else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
            B.seconds = atof(argv[++i]);
        } else if (!strcmp(argv[i], "--list")) {
            if (rank == 0)
                list_cases();
            MPI_Finalize();
            return 0;
        } else {
            if (rank == 0)
                fprintf(stderr, "usage: bench_ga [--quick] [--cases a,b,...] [--seconds S] [--list]\n"
                                "  --cases takes names as --list prints them; a name ending in '*' is a prefix\n");
            MPI_Finalize();
            return 2;
        }
    }
    MPI_Comm_size(MPI_COMM_WORLD, &B.size);
    if (B.size < 2) {
        if (rank == 0)
            fprintf(stderr, "bench_ga: needs at least 2 ranks (run at 2)\n");
        MPI_Finalize();
        return 2;
    }

#ifndef BENCH_GA_DARRAY
    /* ARMCI-MPI's default, MPI_Win_allocate windows, meets MPICH 4.0.2's
       misplaced RMA to ranks > 0 when window sizes are not page multiples
       (docs/atomics.md): gets then return the neighbouring element. GA's
       windows are sized by the array, so ask ARMCI-MPI for MPI_Win_create
       windows unless the user chose. */
    setenv("ARMCI_USE_WIN_ALLOCATE", "0", 0);
#endif
    GA_Initialize();
    /* GA draws scratch space for gathers and scatters from MA's heap. */
    if (!MA_init(C_DBL, 1 << 20, 16 << 20)) {
        fprintf(stderr, "bench_ga: MA_init failed\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    B.rank = GA_Nodeid();
    B.target = B.size - 1;
    armci_env(B.armci_env, sizeof B.armci_env);

    /* origin buffers: the largest request is 1 Mi doubles (also 100k points) */
    B.buf = malloc(sizeof *B.buf * N1);
    B.buf2 = malloc(sizeof *B.buf2 * N1);
    B.ones = malloc(sizeof *B.ones * NPTS);
    if (!B.buf || !B.buf2 || !B.ones) {
        fprintf(stderr, "bench_ga: out of memory\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    memset(B.buf, 0, sizeof *B.buf * N1);
    for (int i = 0; i < NPTS; i++)
        B.ones[i] = 1.0;
    make_points(&B);
    bc_samples_init(&B.samples);

#ifdef BENCH_GA_DARRAY
    int passes = 2;
#else
    int passes = 1;
#endif
    const char *env = getenv("DA_SHM");
    char *saved = env ? strdup(env) : NULL;
    for (int pass = 0; pass < passes; pass++) {
        B.rma = pass == 1;
        if (B.rma)
            setenv("DA_SHM", "0", 1);
        else
            unsetenv("DA_SHM");
        for (int i = 0; i < NCASES; i++)
            run_case(&B, &CASES[i]);
        drop_array(&B);
    }
    if (saved)
        setenv("DA_SHM", saved, 1);
    else
        unsetenv("DA_SHM");
    free(saved);

    bc_samples_free(&B.samples);
    free(B.buf);
    free(B.buf2);
    free(B.ones);
    free(B.coords);
    free(B.subs);
    free(B.vals);
    free(B.mult);
    GA_Terminate();
    MPI_Finalize();
    return 0;
}
