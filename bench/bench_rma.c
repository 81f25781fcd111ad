/* bench_rma: darray's blocking data movement against the same transfer in
 * raw MPI RMA and against memcpy.
 *
 * Rank 0 is the origin; the target is the last rank. Every array is
 * distributed block over all ranks and the origin touches only the part the
 * target owns. At 2 ranks (the intended setting) the geometry is:
 *
 *   get-1elem, put-1elem, acc-1elem   one double of a 1-D array (8 MiB per rank)
 *   get-contig-8MiB, put-contig-8MiB  the target's whole 8 MiB of that array
 *   get-box-1024x1024, put-box-...    a 1024x1024 box of a 2048x2048 array on
 *                                     grid 2x1 (rows of 8 KiB, local stride 16 KiB)
 *   get-col-2048x16                   16 columns x 2048 rows of a 2048x2048
 *                                     array on grid 1x2 (rows of 128 bytes)
 *   copy-8MiB                         memcpy of 8 MiB inside the origin
 *
 * Implementations (field "impl"):
 *   darray   da_get / da_put+da_flush / da_acc+da_flush. Run twice: with the
 *            same-node shortcut (case name as above) and with DA_SHM=0 (name
 *            + "-rma"); box gets and puts and column gets also once per forced
 *            DA_RMA_METHOD (name + "-rma[rows]" etc.). darray reads both
 *            variables when an array is created, so each variant gets its
 *            own array, created after setting them (and kept for the next
 *            cases of the same geometry and variant; refilled after a put).
 *   mpi      the same transfer as MPI_Get / MPI_Put / MPI_Accumulate +
 *            MPI_Win_flush on an MPI_Win_allocate window under
 *            MPI_Win_lock_all(MPI_MODE_NOCHECK); strided cases use a subarray
 *            datatype at the target and a contiguous origin buffer.
 *   memcpy   copy-8MiB.
 *
 * Each case: warm-up, then repetitions (each timed alone) until a time box
 * is used up; one JSON object per line (rank 0): case, impl, bytes,
 * elements, ranks, reps, median_us, min_us, max_us, rate, rate_unit, plus
 * "shm" (whether darray used shared memory to the target), "method" for
 * forced-method cases, and "verified" for gets (data checked after timing).
 *
 *   mpiexec -n 2 -bind-to core bench_rma [--quick] [--cases a,b] [--impl darray,mpi]
 *                                        [--seconds S] [--list]
 * --cases takes full case names as --list prints them; "get-box*" is a prefix.
 *
 * To fold into a driver, compile with -DDARRAY_BENCH_DRIVER and call
 *   int bench_rma(MPI_Comm comm, int argc, char **argv);
 */
#include <darray.h>
#include <mpi.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"

int bench_rma(MPI_Comm comm, int argc, char **argv);

#define MIB ((int64_t)1 << 20)
#define N1 (MIB)            /* 1-D: doubles per rank (8 MiB) */
#define N2 ((int64_t)2048)  /* 2-D: extent of the undistributed dimension */
#define B2 ((int64_t)1024)  /* 2-D: extent per rank of the distributed one */

typedef enum { OP_GET, OP_PUT, OP_ACC, OP_COPY } op_t;
typedef enum { SHAPE_1ELEM, SHAPE_CONTIG, SHAPE_BOX, SHAPE_COL, SHAPE_NONE } shape_t;
typedef enum { IMPL_DARRAY, IMPL_DARRAY_RMA, IMPL_MPI, IMPL_MEMCPY } impl_t;

typedef struct case_def {
    const char *name;
    op_t op;
    shape_t shape;
    int methods; /* also run with each forced DA_RMA_METHOD */
} case_def_t;

static const case_def_t CASES[] = {
    {"get-1elem", OP_GET, SHAPE_1ELEM, 0},
    {"put-1elem", OP_PUT, SHAPE_1ELEM, 0},
    {"acc-1elem", OP_ACC, SHAPE_1ELEM, 0},
    {"get-contig-8MiB", OP_GET, SHAPE_CONTIG, 0},
    {"put-contig-8MiB", OP_PUT, SHAPE_CONTIG, 0},
    {"get-box-1024x1024", OP_GET, SHAPE_BOX, 1},
    {"put-box-1024x1024", OP_PUT, SHAPE_BOX, 1},
    {"get-col-2048x16", OP_GET, SHAPE_COL, 1},
    {"copy-8MiB", OP_COPY, SHAPE_NONE, 0},
};
#define NCASES ((int)(sizeof CASES / sizeof CASES[0]))

static const char *const METHODS[] = {"datatype", "pack", "rows"};
#define NMETHODS 3

/* ---- geometry ---------------------------------------------------------- */

/* The array a shape lives in, and the box requested, for `nranks` ranks. */
typedef struct geom {
    int ndim;
    int64_t shape[2];
    int grid[2];
    int64_t lo[2], hi[2];   /* requested global box */
    int64_t lshape[2];      /* target's local block */
    int64_t lstart[2];      /* box start within the target's block */
    int64_t elements;
} geom_t;

static geom_t geometry(shape_t s, int nranks)
{
    geom_t g;
    memset(&g, 0, sizeof g);
    int64_t P = nranks, T = nranks - 1; /* target rank */
    switch (s) {
    case SHAPE_1ELEM:
    case SHAPE_CONTIG:
        g.ndim = 1;
        g.shape[0] = P * N1;
        g.grid[0] = nranks;
        g.lshape[0] = N1;
        g.lstart[0] = s == SHAPE_1ELEM ? 12345 : 0;
        g.lo[0] = T * N1 + g.lstart[0];
        g.hi[0] = s == SHAPE_1ELEM ? g.lo[0] + 1 : (T + 1) * N1;
        break;
    case SHAPE_BOX: /* rows distributed: grid P x 1 */
        g.ndim = 2;
        g.shape[0] = P * B2;
        g.shape[1] = N2;
        g.grid[0] = nranks;
        g.grid[1] = 1;
        g.lshape[0] = B2;
        g.lshape[1] = N2;
        g.lstart[0] = 0;
        g.lstart[1] = 512;
        g.lo[0] = T * B2;
        g.hi[0] = g.lo[0] + 1024;
        g.lo[1] = 512;
        g.hi[1] = 512 + 1024;
        break;
    case SHAPE_COL: /* columns distributed: grid 1 x P */
        g.ndim = 2;
        g.shape[0] = N2;
        g.shape[1] = P * B2;
        g.grid[0] = 1;
        g.grid[1] = nranks;
        g.lshape[0] = N2;
        g.lshape[1] = B2;
        g.lstart[0] = 0;
        g.lstart[1] = 512;
        g.lo[0] = 0;
        g.hi[0] = N2;
        g.lo[1] = T * B2 + 512;
        g.hi[1] = g.lo[1] + 16;
        break;
    default:
        g.ndim = 1;
        g.elements = N1;
        return g;
    }
    g.elements = 1;
    for (int d = 0; d < g.ndim; d++)
        g.elements *= g.hi[d] - g.lo[d];
    return g;
}

/* The value stored at a global index: its row-major linear index. */
static double value_at(const geom_t *g, const int64_t *gidx)
{
    return g->ndim == 1 ? (double)gidx[0] : (double)(gidx[0] * g->shape[1] + gidx[1]);
}

/* Fill a local block of shape lshape whose global origin is glo. */
static void fill_block(const geom_t *g, double *p, const int64_t *lshape, const int64_t *glo)
{
    if (g->ndim == 1) {
        for (int64_t i = 0; i < lshape[0]; i++) {
            int64_t gi = glo[0] + i;
            p[i] = value_at(g, &gi);
        }
        return;
    }
    for (int64_t i = 0; i < lshape[0]; i++)
        for (int64_t j = 0; j < lshape[1]; j++) {
            int64_t gi[2] = {glo[0] + i, glo[1] + j};
            p[i * lshape[1] + j] = value_at(g, gi);
        }
}

/* Whether buf holds the requested box's values (row-major, dense). */
static int check_box(const geom_t *g, const double *buf)
{
    if (g->ndim == 1) {
        for (int64_t i = g->lo[0]; i < g->hi[0]; i++)
            if (buf[i - g->lo[0]] != value_at(g, &i))
                return 0;
        return 1;
    }
    int64_t w = g->hi[1] - g->lo[1];
    for (int64_t i = g->lo[0]; i < g->hi[0]; i++)
        for (int64_t j = g->lo[1]; j < g->hi[1]; j++) {
            int64_t gi[2] = {i, j};
            if (buf[(i - g->lo[0]) * w + (j - g->lo[1])] != value_at(g, gi))
                return 0;
        }
    return 1;
}

/* ---- state ------------------------------------------------------------- */

typedef struct bench {
    MPI_Comm comm;
    int rank, size, target;
    /* options */
    const char *cases, *impls;
    double seconds;
    int quick;
    /* origin buffers */
    double *buf, *buf2;
    size_t buf_elems;
    /* raw MPI window: the largest local block */
    MPI_Win win;
    double *win_base;
    bc_samples_t samples;
    /* The last darray array, kept for the next case of the same geometry and
       variant: creating one costs 0.1-0.4 s here, more than a case's time box. */
    struct {
        da_array_t *a;
        geom_t g;
        impl_t impl;
        const char *method;
        int dirty; /* a put or acc changed its contents */
    } cache;
} bench_t;

typedef struct run {
    bench_t *B;
    const case_def_t *c;
    geom_t g;
    da_array_t *a;
    MPI_Datatype tdtype; /* target datatype (MPI_DATATYPE_NULL: contiguous) */
    MPI_Aint tdisp;      /* target displacement in elements */
    char errmsg[MPI_MAX_ERROR_STRING + 128];
} run_t;

/* ---- repetitions ------------------------------------------------------- */

static int da_fail(run_t *r, const char *what, int rc)
{
    snprintf(r->errmsg, sizeof r->errmsg, "%s: %s (%s)", what, da_strerror(rc), da_last_error());
    return rc ? rc : -1;
}

static int rep_da_get(void *p)
{
    run_t *r = p;
    int rc = da_get(r->a, r->g.lo, r->g.hi, NULL, r->B->buf, NULL);
    return rc ? da_fail(r, "da_get", rc) : 0;
}

static int rep_da_put(void *p)
{
    run_t *r = p;
    int rc = da_put(r->a, r->g.lo, r->g.hi, NULL, r->B->buf, NULL);
    if (rc)
        return da_fail(r, "da_put", rc);
    rc = da_flush(r->a);
    return rc ? da_fail(r, "da_flush", rc) : 0;
}

static int rep_da_acc(void *p)
{
    run_t *r = p;
    int rc = da_acc(r->a, DA_OP_SUM, NULL, r->g.lo, r->g.hi, NULL, r->B->buf, NULL);
    if (rc)
        return da_fail(r, "da_acc", rc);
    rc = da_flush(r->a);
    return rc ? da_fail(r, "da_flush", rc) : 0;
}

static int mpi_fail(run_t *r, const char *what, int err)
{
    char msg[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(err, msg, &len);
    snprintf(r->errmsg, sizeof r->errmsg, "%s: %s", what, msg);
    return -1;
}

static int rep_mpi_get(void *p)
{
    run_t *r = p;
    bench_t *B = r->B;
    int n = (int)r->g.elements, err;
    if (r->tdtype == MPI_DATATYPE_NULL)
        err = MPI_Get(B->buf, n, MPI_DOUBLE, B->target, r->tdisp, n, MPI_DOUBLE, B->win);
    else
        err = MPI_Get(B->buf, n, MPI_DOUBLE, B->target, r->tdisp, 1, r->tdtype, B->win);
    if (err)
        return mpi_fail(r, "MPI_Get", err);
    err = MPI_Win_flush(B->target, B->win);
    return err ? mpi_fail(r, "MPI_Win_flush", err) : 0;
}

static int rep_mpi_put(void *p)
{
    run_t *r = p;
    bench_t *B = r->B;
    int n = (int)r->g.elements, err;
    if (r->tdtype == MPI_DATATYPE_NULL)
        err = MPI_Put(B->buf, n, MPI_DOUBLE, B->target, r->tdisp, n, MPI_DOUBLE, B->win);
    else
        err = MPI_Put(B->buf, n, MPI_DOUBLE, B->target, r->tdisp, 1, r->tdtype, B->win);
    if (err)
        return mpi_fail(r, "MPI_Put", err);
    err = MPI_Win_flush(B->target, B->win);
    return err ? mpi_fail(r, "MPI_Win_flush", err) : 0;
}

static int rep_mpi_acc(void *p)
{
    run_t *r = p;
    bench_t *B = r->B;
    int n = (int)r->g.elements, err;
    if (r->tdtype == MPI_DATATYPE_NULL)
        err = MPI_Accumulate(B->buf, n, MPI_DOUBLE, B->target, r->tdisp, n, MPI_DOUBLE, MPI_SUM,
                             B->win);
    else
        err = MPI_Accumulate(B->buf, n, MPI_DOUBLE, B->target, r->tdisp, 1, r->tdtype, MPI_SUM,
                             B->win);
    if (err)
        return mpi_fail(r, "MPI_Accumulate", err);
    err = MPI_Win_flush(B->target, B->win);
    return err ? mpi_fail(r, "MPI_Win_flush", err) : 0;
}

static int rep_memcpy(void *p)
{
    run_t *r = p;
    memcpy(r->B->buf2, r->B->buf, (size_t)N1 * sizeof(double));
    /* keep the copy from being optimised away */
    ((volatile double *)r->B->buf)[0] = r->B->buf2[N1 - 1];
    return 0;
}

/* ---- setup per case ---------------------------------------------------- */

/* Collective: a new darray array for the geometry. DA_SHM and
   DA_RMA_METHOD are set (or unset) by the caller. */
static int make_array(bench_t *B, run_t *r)
{
    da_dist_t *d = NULL;
    da_dim_spec_t dims[2] = {DA_DIM_BLOCK, DA_DIM_BLOCK};
    int rc = da_dist_create(r->g.ndim, r->g.shape, dims, r->g.grid, B->size, &d);
    if (rc)
        return da_fail(r, "da_dist_create", rc);
    rc = da_array_create(B->comm, DA_DOUBLE, d, &r->a);
    da_dist_destroy(&d);
    if (rc)
        return da_fail(r, "da_array_create", rc);
    return 0;
}

/* Collective: every rank fills its block with value_at, then da_sync. */
static int fill_array(run_t *r)
{
    int rc;
    void *ptr = NULL;
    int64_t lshape[2] = {0, 0}, lo[2] = {0, 0}, hi[2] = {0, 0};
    if ((rc = da_array_local(r->a, &ptr, lshape, NULL)) != 0)
        return da_fail(r, "da_array_local", rc);
    if ((rc = da_array_local_box(r->a, lo, hi)) != 0)
        return da_fail(r, "da_array_local_box", rc);
    if (ptr)
        fill_block(&r->g, ptr, lshape, lo);
    if ((rc = da_sync(r->a)) != 0)
        return da_fail(r, "da_sync", rc);
    return 0;
}

/* Collective: fill the raw window with the geometry's values and build the
   target datatype. */
static int setup_mpi(bench_t *B, run_t *r)
{
    const geom_t *g = &r->g;
    int64_t glo[2];
    for (int d = 0; d < g->ndim; d++)
        glo[d] = (g->grid[d] > 1 ? (int64_t)B->rank : 0) * g->lshape[d];
    fill_block(g, B->win_base, g->lshape, glo);
    MPI_Win_sync(B->win);
    MPI_Barrier(B->comm);
    MPI_Win_sync(B->win);

    r->tdtype = MPI_DATATYPE_NULL;
    if (g->ndim == 1) {
        r->tdisp = (MPI_Aint)g->lstart[0];
        return 0;
    }
    int sizes[2] = {(int)g->lshape[0], (int)g->lshape[1]};
    int sub[2] = {(int)(g->hi[0] - g->lo[0]), (int)(g->hi[1] - g->lo[1])};
    int starts[2] = {(int)g->lstart[0], (int)g->lstart[1]};
    r->tdisp = 0;
    int err = MPI_Type_create_subarray(2, sizes, sub, starts, MPI_ORDER_C, MPI_DOUBLE, &r->tdtype);
    if (!err)
        err = MPI_Type_commit(&r->tdtype);
    return err ? mpi_fail(r, "MPI_Type_create_subarray", err) : 0;
}

/* ---- running ----------------------------------------------------------- */

static void emit(bench_t *B, run_t *r, const char *name, const char *impl, int shm,
                 const char *method, int verified, int rc)
{
    if (B->rank != 0)
        return;
    size_t bytes = (size_t)r->g.elements * sizeof(double);
    bc_json_t j;
    bc_json_begin(&j);
    bc_json_str(&j, "case", name);
    bc_json_str(&j, "impl", impl);
    bc_json_int(&j, "bytes", (int64_t)bytes);
    bc_json_int(&j, "elements", r->g.elements);
    bc_json_int(&j, "ranks", B->size);
    if (rc) {
        bc_json_str(&j, "error", r->errmsg);
    } else {
        bc_stats_t st = bc_samples_stats(&B->samples);
        bc_json_timing(&j, &st, bytes);
    }
    if (shm >= 0)
        bc_json_bool(&j, "shm", shm);
    if (method)
        bc_json_str(&j, "method", method);
    if (verified >= 0)
        bc_json_bool(&j, "verified", verified);
    bc_json_end(&j, stdout);
}

static bc_budget_t budget(const bench_t *B, const geom_t *g)
{
    int big = g->elements * 8 >= 1024 * 1024;
    bc_budget_t b;
    /* Some strided RMA paths take ~0.2 s per 8 MiB here: few reps for big
       transfers keep such cases near the time box. */
    if (B->quick) {
        b.warmup = big ? 1 : 50;
        b.min_reps = big ? 1 : 100;
    } else {
        b.warmup = big ? 2 : 500;
        b.min_reps = big ? 5 : 1000;
    }
    b.max_reps = 5000000;
    b.seconds = B->seconds;
    return b;
}

/* Any rank: agree on a return code (the worst). */
static int agree(bench_t *B, int rc)
{
    int all = rc;
    MPI_Allreduce(&rc, &all, 1, MPI_INT, MPI_MIN, B->comm);
    return all;
}

static int same_geometry(const geom_t *a, const geom_t *b)
{
    if (a->ndim != b->ndim)
        return 0;
    for (int d = 0; d < a->ndim; d++)
        if (a->shape[d] != b->shape[d] || a->grid[d] != b->grid[d])
            return 0;
    return 1;
}

/* Collective: drop the cached array. */
static void cache_drop(bench_t *B)
{
    if (B->cache.a)
        da_array_destroy(&B->cache.a);
    B->cache.a = NULL;
}

/* Collective: r->a becomes an array for r's geometry and the variant, filled
   with value_at: the cached one if it fits, else a new one. */
static int get_array(bench_t *B, run_t *r, impl_t impl, const char *method)
{
    if (B->cache.a && B->cache.impl == impl && B->cache.method == method &&
        same_geometry(&B->cache.g, &r->g)) {
        r->a = B->cache.a;
        if (!B->cache.dirty)
            return 0;
        B->cache.dirty = 0;
        return agree(B, fill_array(r));
    }
    cache_drop(B);
    if (impl == IMPL_DARRAY)
        unsetenv("DA_SHM");
    else
        setenv("DA_SHM", "0", 1);
    if (method)
        setenv("DA_RMA_METHOD", method, 1);
    else
        unsetenv("DA_RMA_METHOD");
    int rc = agree(B, make_array(B, r));
    unsetenv("DA_SHM");
    unsetenv("DA_RMA_METHOD");
    if (!rc)
        rc = agree(B, fill_array(r));
    if (rc) {
        if (r->a)
            da_array_destroy(&r->a);
        return rc;
    }
    B->cache.a = r->a;
    B->cache.g = r->g;
    B->cache.impl = impl;
    B->cache.method = method;
    B->cache.dirty = 0;
    return 0;
}

/* One case for one implementation variant. method: NULL or a DA_RMA_METHOD. */
static void run_case(bench_t *B, const case_def_t *c, impl_t impl, const char *method)
{
    char name[96];
    snprintf(name, sizeof name, "%s%s", c->name,
             impl == IMPL_DARRAY_RMA ? (method ? "-rma[" : "-rma") : "");
    if (method) {
        strncat(name, method, sizeof name - strlen(name) - 2);
        strcat(name, "]");
    }
    if (!bc_list_has(B->cases, name))
        return;
    const char *impl_name = impl == IMPL_MPI ? "mpi" : impl == IMPL_MEMCPY ? "memcpy" : "darray";
    if (!bc_list_has(B->impls, impl_name))
        return;

    run_t r;
    memset(&r, 0, sizeof r);
    r.B = B;
    r.c = c;
    r.g = geometry(c->shape, B->size);
    r.tdtype = MPI_DATATYPE_NULL;
    int shm = -1, verified = -1, rc = 0;
    bc_rep_fn fn = NULL;

    /* setup (collective) */
    if (impl == IMPL_DARRAY || impl == IMPL_DARRAY_RMA) {
        rc = get_array(B, &r, impl, method);
        if (!rc) {
            int s = 0;
            da_array_shares_memory_with(r.a, B->target, &s);
            shm = s;
            if (B->rank == 0 && s != (impl == IMPL_DARRAY))
                fprintf(stderr, "bench_rma: %s: shares_memory_with(target) = %d, expected %d\n",
                        name, s, impl == IMPL_DARRAY);
        }
        fn = c->op == OP_GET ? rep_da_get : c->op == OP_PUT ? rep_da_put : rep_da_acc;
        B->cache.dirty |= c->op != OP_GET;
    } else if (impl == IMPL_MPI) {
        rc = agree(B, setup_mpi(B, &r));
        fn = c->op == OP_GET ? rep_mpi_get : c->op == OP_PUT ? rep_mpi_put : rep_mpi_acc;
    } else {
        fn = rep_memcpy;
    }

    /* measure (origin only; the others wait in the barrier, which drives
       MPI progress as a target waiting in any MPI call would) */
    if (!rc && B->rank == 0) {
        for (size_t i = 0; i < B->buf_elems; i++)
            B->buf[i] = 1.0;
        bc_budget_t b = budget(B, &r.g);
        rc = bc_run(&b, fn, &r, &B->samples);
        if (!rc && c->op == OP_GET)
            verified = check_box(&r.g, B->buf);
    }
    MPI_Barrier(B->comm);
    emit(B, &r, name, impl_name, shm, method, verified, rc);

    /* teardown (the array stays in the cache) */
    if (r.tdtype != MPI_DATATYPE_NULL)
        MPI_Type_free(&r.tdtype);
}

static void usage(void)
{
    fprintf(stderr,
            "usage: bench_rma [--quick] [--cases a,b,...] [--impl darray,mpi,memcpy]\n"
            "                 [--seconds S] [--list]\n"
            "  --cases takes full case names (get-1elem is darray's shared-memory run\n"
            "  and the mpi one; get-1elem-rma[rows] one forced method); a name ending\n"
            "  in '*' is a prefix (get-box*)\n");
}

static void list_cases(void)
{
    for (int i = 0; i < NCASES; i++) {
        const case_def_t *c = &CASES[i];
        if (c->op == OP_COPY) {
            printf("%s\tmemcpy\n", c->name);
            continue;
        }
        printf("%s\tdarray\n%s-rma\tdarray\n%s\tmpi\n", c->name, c->name, c->name);
        if (c->methods)
            for (int m = 0; m < NMETHODS; m++)
                printf("%s-rma[%s]\tdarray\n", c->name, METHODS[m]);
    }
}

int bench_rma(MPI_Comm user_comm, int argc, char **argv)
{
    bench_t B;
    memset(&B, 0, sizeof B);
    B.seconds = 0.6;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) {
            B.quick = 1;
            B.seconds = 0.08;
        } else if (!strcmp(argv[i], "--cases") && i + 1 < argc) {
            B.cases = argv[++i];
        } else if (!strcmp(argv[i], "--impl") && i + 1 < argc) {
            B.impls = argv[++i];
        } else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
            B.seconds = atof(argv[++i]);
        } else if (!strcmp(argv[i], "--list")) {
            int rank;
            MPI_Comm_rank(user_comm, &rank);
            if (rank == 0)
                list_cases();
            return 0;
        } else {
            int rank;
            MPI_Comm_rank(user_comm, &rank);
            if (rank == 0)
                usage();
            return 2;
        }
    }

    MPI_Comm_dup(user_comm, &B.comm);
    MPI_Comm_set_errhandler(B.comm, MPI_ERRORS_RETURN);
    MPI_Comm_rank(B.comm, &B.rank);
    MPI_Comm_size(B.comm, &B.size);
    if (B.size < 2) {
        if (B.rank == 0)
            fprintf(stderr, "bench_rma: needs at least 2 ranks (run at 2)\n");
        MPI_Comm_free(&B.comm);
        return 2;
    }
    B.target = B.size - 1;

    /* Origin buffers: the largest request is 1 Mi doubles. */
    B.buf_elems = (size_t)N1;
    B.buf = malloc(B.buf_elems * sizeof(double));
    B.buf2 = malloc(B.buf_elems * sizeof(double));
    if (!B.buf || !B.buf2) {
        fprintf(stderr, "bench_rma: out of memory\n");
        MPI_Abort(B.comm, 1);
    }
    memset(B.buf, 0, B.buf_elems * sizeof(double));
    memset(B.buf2, 0, B.buf_elems * sizeof(double));

    /* Raw MPI window: the largest local block (2-D: 1024 x 2048 doubles). */
    MPI_Aint wbytes = (MPI_Aint)(B2 * N2 * (int64_t)sizeof(double));
    if (MPI_Win_allocate(wbytes, sizeof(double), MPI_INFO_NULL, B.comm, &B.win_base, &B.win)) {
        fprintf(stderr, "bench_rma: MPI_Win_allocate failed\n");
        MPI_Abort(B.comm, 1);
    }
    MPI_Win_set_errhandler(B.win, MPI_ERRORS_RETURN);
    MPI_Win_lock_all(MPI_MODE_NOCHECK, B.win);
    bc_samples_init(&B.samples);

    /* Cases of one array geometry run together, variant by variant, so that
       consecutive cases share one array (see get_array). */
    static const shape_t groups[][2] = {{SHAPE_1ELEM, SHAPE_CONTIG}, {SHAPE_BOX, SHAPE_BOX},
                                        {SHAPE_COL, SHAPE_COL}, {SHAPE_NONE, SHAPE_NONE}};
    for (size_t gi = 0; gi < sizeof groups / sizeof groups[0]; gi++) {
        for (int v = -3; v < NMETHODS; v++) { /* -3 shm, -2 rma, -1 mpi, >= 0 a method */
            for (int i = 0; i < NCASES; i++) {
                const case_def_t *c = &CASES[i];
                if (c->shape != groups[gi][0] && c->shape != groups[gi][1])
                    continue;
                if (c->op == OP_COPY) {
                    if (v == -3)
                        run_case(&B, c, IMPL_MEMCPY, NULL);
                } else if (v == -3) {
                    run_case(&B, c, IMPL_DARRAY, NULL);
                } else if (v == -2) {
                    run_case(&B, c, IMPL_DARRAY_RMA, NULL);
                } else if (v == -1) {
                    run_case(&B, c, IMPL_MPI, NULL);
                } else if (c->methods) {
                    run_case(&B, c, IMPL_DARRAY_RMA, METHODS[v]);
                }
            }
        }
        cache_drop(&B);
    }

    bc_samples_free(&B.samples);
    MPI_Win_unlock_all(B.win);
    MPI_Win_free(&B.win);
    free(B.buf);
    free(B.buf2);
    MPI_Comm_free(&B.comm);
    return 0;
}

#ifndef DARRAY_BENCH_DRIVER
int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rc = bench_rma(MPI_COMM_WORLD, argc, argv);
    MPI_Finalize();
    return rc;
}
#endif
