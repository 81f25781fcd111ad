/* bench_redist: redistribution and .npy save/load against raw MPI.
 *
 * At 2 ranks (the intended setting), a 4096x4096 array of doubles (128 MiB):
 *
 *   redist-block-cyclic          block rows -> cyclic rows (grid 2x1)
 *   redist-block-blockcyclic64   block rows -> block-cyclic(64) rows
 *       impl darray       a plan (da_redist_plan_create once) executed per rep
 *       impl darray-copy  da_copy per rep (plan built each time)
 *       impl darray-noshm the plan on arrays made with DA_SHM=0: MPI_Alltoallv
 *       impl mpi          MPI_Alltoallv of the same bytes per pair, contiguous
 *                         buffers, nothing packed (the target: darray within 1.5x)
 *   save-npy / load-npy          da_save / da_load_into of block rows
 *       impl darray       the .npy file (header + data)
 *       impl mpi          one MPI_File_write_at_all / read_at_all of the same
 *                         data bytes, each rank its range (target: within 1.2x)
 *                         (the two alternate repetition by repetition: file
 *                         writeback and other load drift, and hit both alike)
 *
 * Each repetition is framed by MPI_Barrier and timed on rank 0, so a rate
 * is the whole collective's. Rates are GB/s of array moved (the full 128
 * MiB). One JSON object per line (rank 0): case, impl, bytes, elements,
 * ranks, reps, median_us, min_us, max_us, rate, rate_unit, plus "ratio"
 * (darray's median over mpi's) on darray lines and "verified".
 *
 *   mpiexec -n 2 bench_redist [--quick] [--n N] [--dir DIR] [--cases a,b] [--seconds S]
 */
#include <darray.h>
#include <mpi.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_common.h"

static int nranks, rank;
static int64_t N = 4096;
static bc_budget_t budget = {1, 3, 30, 3.0};
static const char *dir = "/tmp";

static void die(const char *what, int rc)
{
    fprintf(stderr, "bench_redist: %s: %d %s: %s\n", what, rc, da_strerror(rc), da_last_error());
    MPI_Abort(MPI_COMM_WORLD, 1);
}
#define TRY(call)                         \
    do {                                  \
        int rc_ = (call);                 \
        if (rc_) die(#call, rc_);         \
    } while (0)

static double mpi_median; /* of the last mpi impl, for ratios */

static void report(const char *cname, const char *impl, bc_samples_t *s, int verified)
{
    bc_stats_t st = bc_samples_stats(s);
    size_t bytes = (size_t)(N * N * 8);
    if (!strcmp(impl, "mpi")) mpi_median = st.median;
    if (rank) return;
    bc_json_t j;
    bc_json_begin(&j);
    bc_json_str(&j, "case", cname);
    bc_json_str(&j, "impl", impl);
    bc_json_int(&j, "bytes", (int64_t)bytes);
    bc_json_int(&j, "elements", N * N);
    bc_json_int(&j, "ranks", nranks);
    bc_json_timing(&j, &st, bytes);
    if (strcmp(impl, "mpi") && mpi_median > 0) bc_json_num(&j, "ratio", st.median / mpi_median);
    if (verified >= 0) bc_json_bool(&j, "verified", verified);
    bc_json_end(&j, stdout);
}

/* ---- timing collective repetitions ---------------------------------------- */

typedef struct {
    int (*fn)(void *);
    void *ctx;
} framed_t;

static int framed(void *p)
{
    framed_t *f = p;
    MPI_Barrier(MPI_COMM_WORLD);
    int rc = f->fn(f->ctx);
    MPI_Barrier(MPI_COMM_WORLD);
    return rc;
}

/* every rank runs the same number of repetitions: rank 0 decides */
static void run(int (*fn)(void *), void *ctx, bc_samples_t *s)
{
    framed_t f = {fn, ctx};
    bc_budget_t b = budget;
    bc_samples_clear(s);
    for (int i = 0; i < b.warmup; i++) framed(&f);
    double start = bc_now();
    for (long r = 0; r < b.max_reps; r++) {
        double t0 = bc_now();
        framed(&f);
        double t1 = bc_now();
        bc_samples_add(s, t1 - t0);
        int stop = r + 1 >= b.min_reps && t1 - start >= b.seconds;
        MPI_Bcast(&stop, 1, MPI_INT, 0, MPI_COMM_WORLD);
        if (stop) break;
    }
}

/* Two implementations alternately, repetition by repetition, so that drift
   (page-cache writeback, other load) hits both alike. */
static void run2(int (*fa)(void *), void *ca, bc_samples_t *sa, int (*fb)(void *), void *cb, bc_samples_t *sb)
{
    framed_t a = {fa, ca}, b = {fb, cb};
    bc_samples_clear(sa);
    bc_samples_clear(sb);
    for (int i = 0; i < budget.warmup; i++) framed(&a), framed(&b);
    double start = bc_now();
    for (long r = 0; r < budget.max_reps; r++) {
        double t0 = bc_now();
        framed(&a);
        double t1 = bc_now();
        framed(&b);
        double t2 = bc_now();
        bc_samples_add(sa, t1 - t0);
        bc_samples_add(sb, t2 - t1);
        int stop = r + 1 >= budget.min_reps && t2 - start >= 2 * budget.seconds;
        MPI_Bcast(&stop, 1, MPI_INT, 0, MPI_COMM_WORLD);
        if (stop) break;
    }
}

/* ---- redistribution -------------------------------------------------------- */

static da_dist_t *map_rows(da_dim_spec_t d0)
{
    int64_t shape[2] = {N, N};
    da_dim_spec_t dims[2] = {d0, DA_DIM_NONE};
    int grid[2] = {nranks, 1};
    da_dist_t *m;
    TRY(da_dist_create(2, shape, dims, grid, nranks, &m));
    return m;
}

static void fill(da_array_t *a)
{
    double *p;
    int64_t ls[2];
    TRY(da_array_local(a, (void **)&p, ls, NULL));
    da_dist_t *m;
    TRY(da_array_dist(a, &m));
    for (int64_t i = 0; i < ls[0]; i++) {
        int64_t l[2] = {i, 0}, g[2];
        TRY(da_dist_local_to_global(m, rank, l, g));
        for (int64_t j = 0; j < ls[1]; j++) p[i * ls[1] + j] = (double)(g[0] * N + j);
    }
    da_dist_destroy(&m);
    TRY(da_sync(a));
}

static int verify(da_array_t *a)
{
    double *p;
    int64_t ls[2];
    TRY(da_array_local(a, (void **)&p, ls, NULL));
    da_dist_t *m;
    TRY(da_array_dist(a, &m));
    int ok = 1;
    for (int64_t i = 0; i < ls[0] && ok; i++) {
        int64_t l[2] = {i, 0}, g[2];
        TRY(da_dist_local_to_global(m, rank, l, g));
        for (int64_t j = 0; j < ls[1]; j++)
            if (p[i * ls[1] + j] != (double)(g[0] * N + j)) {
                ok = 0;
                break;
            }
    }
    da_dist_destroy(&m);
    int all;
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    return all;
}

typedef struct {
    da_array_t *src, *dst;
    da_redist_plan_t *plan;
    /* raw all-to-all */
    double *sbuf, *rbuf;
    int *sc, *sd, *rc, *rd;
} redist_t;

static int rep_plan(void *p)
{
    redist_t *r = p;
    return da_redist_plan_execute(r->plan, r->src, r->dst);
}

static int rep_copy(void *p)
{
    redist_t *r = p;
    return da_copy(r->src, r->dst);
}

static int rep_alltoallv(void *p)
{
    redist_t *r = p;
    return MPI_Alltoallv(r->sbuf, r->sc, r->sd, MPI_DOUBLE, r->rbuf, r->rc, r->rd, MPI_DOUBLE, MPI_COMM_WORLD);
}

/* Elements that rank `from` holds in map s and rank `to` holds in map d. */
static int64_t moved(const da_dist_t *s, const da_dist_t *d, int from, int to)
{
    int64_t n = 0;
    for (int64_t g = 0; g < N; g++) {
        int64_t gi[2] = {g, 0}, l[2];
        int rs, rd;
        da_dist_owner(s, gi, &rs, NULL, l);
        da_dist_owner(d, gi, &rd, NULL, l);
        n += rs == from && rd == to;
    }
    return n * N;
}

static void redist_case(const char *cname, da_dim_spec_t target, const char *cases)
{
    if (!bc_list_has(cases, cname)) return;
    da_dist_t *ms = map_rows(DA_DIM_BLOCK), *md = map_rows(target);
    int64_t lo[2] = {0, 0}, hi[2] = {N, N};
    bc_samples_t s;
    bc_samples_init(&s);
    redist_t r = {0};

    /* raw MPI first, for the ratios */
    r.sc = calloc((size_t)nranks * 4, sizeof(int));
    r.sd = r.sc + nranks, r.rc = r.sc + 2 * nranks, r.rd = r.sc + 3 * nranks;
    int64_t so = 0, ro = 0;
    for (int q = 0; q < nranks; q++) {
        r.sc[q] = (int)moved(ms, md, rank, q);
        r.rc[q] = (int)moved(ms, md, q, rank);
        r.sd[q] = (int)so, r.rd[q] = (int)ro;
        so += r.sc[q], ro += r.rc[q];
    }
    r.sbuf = malloc((size_t)(so ? so : 1) * 8);
    r.rbuf = malloc((size_t)(ro ? ro : 1) * 8);
    memset(r.sbuf, 1, (size_t)so * 8);
    memset(r.rbuf, 1, (size_t)ro * 8); /* touched: no first-use page faults in the timing */
    run(rep_alltoallv, &r, &s);
    report(cname, "mpi", &s, -1);
    free(r.sbuf);
    free(r.rbuf);
    free(r.sc);

    const char *impls[] = {"darray", "darray-copy", "darray-noshm"};
    for (int k = 0; k < 3; k++) {
        if (k == 2) setenv("DA_SHM", "0", 1);
        TRY(da_array_create(MPI_COMM_WORLD, DA_DOUBLE, ms, &r.src));
        TRY(da_array_create(MPI_COMM_WORLD, DA_DOUBLE, md, &r.dst));
        if (k == 2) unsetenv("DA_SHM");
        fill(r.src);
        TRY(da_redist_plan_create(r.src, lo, hi, r.dst, lo, hi, NULL, &r.plan));
        run(k == 1 ? rep_copy : rep_plan, &r, &s);
        report(cname, impls[k], &s, verify(r.dst));
        TRY(da_redist_plan_destroy(&r.plan));
        TRY(da_array_destroy(&r.src));
        TRY(da_array_destroy(&r.dst));
    }
    bc_samples_free(&s);
    da_dist_destroy(&ms);
    da_dist_destroy(&md);
}

/* ---- save / load ------------------------------------------------------------- */

typedef struct {
    da_array_t *a;
    char path[512];
    double *buf;
    int64_t count, offset;
} io_t;

static int rep_save(void *p)
{
    io_t *x = p;
    return da_save(x->a, x->path);
}

static int rep_load(void *p)
{
    io_t *x = p;
    return da_load_into(x->a, x->path);
}

static int rep_raw(void *p, int write)
{
    io_t *x = p;
    MPI_File fh;
    int rc = MPI_File_open(MPI_COMM_WORLD, x->path, write ? MPI_MODE_CREATE | MPI_MODE_WRONLY : MPI_MODE_RDONLY,
                           MPI_INFO_NULL, &fh);
    if (rc) return rc;
    MPI_Status st;
    rc = write ? MPI_File_write_at_all(fh, x->offset, x->buf, (int)x->count, MPI_DOUBLE, &st)
               : MPI_File_read_at_all(fh, x->offset, x->buf, (int)x->count, MPI_DOUBLE, &st);
    MPI_File_close(&fh);
    return rc;
}

static int rep_raw_write(void *p) { return rep_raw(p, 1); }
static int rep_raw_read(void *p) { return rep_raw(p, 0); }

static void io_cases(const char *cases)
{
    int do_save = bc_list_has(cases, "save-npy"), do_load = bc_list_has(cases, "load-npy");
    if (!do_save && !do_load) return;
    da_dist_t *m = map_rows(DA_DIM_BLOCK);
    io_t x;
    long id = getpid();
    MPI_Bcast(&id, 1, MPI_LONG, 0, MPI_COMM_WORLD);
    TRY(da_array_create(MPI_COMM_WORLD, DA_DOUBLE, m, &x.a));
    fill(x.a);
    int64_t lo[2], hi[2];
    TRY(da_array_local_box(x.a, lo, hi));
    x.count = (hi[0] - lo[0]) * N;
    x.offset = lo[0] * N * 8;
    x.buf = malloc((size_t)x.count * 8 + 8);
    double *base;
    TRY(da_array_local(x.a, (void **)&base, NULL, NULL));
    memcpy(x.buf, base, (size_t)x.count * 8);
    bc_samples_t s, sd;
    bc_samples_init(&s);
    bc_samples_init(&sd);
    io_t raw = x; /* the same array and buffer, another file */
    snprintf(raw.path, sizeof raw.path, "%s/bench_redist_raw_%ld.bin", dir, id);
    snprintf(x.path, sizeof x.path, "%s/bench_redist_%ld.npy", dir, id);
    if (do_save) {
        run2(rep_raw_write, &raw, &s, rep_save, &x, &sd);
        report("save-npy", "mpi", &s, -1);
        report("save-npy", "darray", &sd, -1);
    } else {
        rep_raw_write(&raw);
        TRY(da_save(x.a, x.path));
    }
    if (do_load) {
        TRY(da_zero(x.a));
        run2(rep_raw_read, &raw, &s, rep_load, &x, &sd);
        report("load-npy", "mpi", &s, -1);
        report("load-npy", "darray", &sd, verify(x.a));
    }
    bc_samples_free(&sd);
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) {
        snprintf(x.path, sizeof x.path, "%s/bench_redist_raw_%ld.bin", dir, id);
        unlink(x.path);
        snprintf(x.path, sizeof x.path, "%s/bench_redist_%ld.npy", dir, id);
        unlink(x.path);
    }
    free(x.buf);
    bc_samples_free(&s);
    TRY(da_array_destroy(&x.a));
    da_dist_destroy(&m);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    const char *cases = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) {
            N = 1024;
            budget = (bc_budget_t){1, 3, 10, 0.5};
        } else if (!strcmp(argv[i], "--n") && i + 1 < argc) N = atoll(argv[++i]);
        else if (!strcmp(argv[i], "--dir") && i + 1 < argc) dir = argv[++i];
        else if (!strcmp(argv[i], "--cases") && i + 1 < argc) cases = argv[++i];
        else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) budget.seconds = atof(argv[++i]);
        else {
            if (rank == 0)
                fprintf(stderr, "usage: bench_redist [--quick] [--n N] [--dir DIR] [--cases a,b] [--seconds S]\n"
                                "cases: redist-block-cyclic redist-block-blockcyclic64 save-npy load-npy\n");
            MPI_Finalize();
            return 2;
        }
    }
    redist_case("redist-block-cyclic", DA_DIM_CYCLIC, cases);
    redist_case("redist-block-blockcyclic64", DA_DIM_BLOCK_CYCLIC(64), cases);
    io_cases(cases);
    MPI_Finalize();
    return 0;
}
