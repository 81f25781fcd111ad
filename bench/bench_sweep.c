/* bench_sweep: bandwidth and latency of contiguous and strided-box transfers
 * over sizes from 8 B to 64 MiB, darray against raw MPI RMA and memcpy.
 *
 * Rank 0 is the origin, the last rank the target; the origin only touches
 * the target's block. Families (field "sweep"):
 *
 *   get-contig, put-contig  n doubles, contiguous in a 1-D block array
 *                           (8 Mi doubles = 64 MiB per rank)
 *   get-box, put-box        a square box of k x k doubles (64 MiB: 2048 x
 *                           4096) inside the target's 2048 x 8192 block of a
 *                           2-D array distributed by rows: strided at the
 *                           target, dense at the origin
 *
 * Sizes: 8 B x 4^i up to 32 MiB, then 64 MiB (--quick: 8 B, 512 B, 32 KiB,
 * 2 MiB). Case names: "sweep-" family "-" size ("sweep-get-box-2KiB"); the
 * names of the arrays issue (get-contig-8MiB ...) belong to bench_rma.
 *
 * Implementations (field "impl"): darray (da_get, da_put + da_flush; as a
 * user runs it, with the same-node shortcut), darray with DA_SHM=0 (case
 * name + "-rma", the path between nodes), mpi (MPI_Get/MPI_Put + flush on an
 * MPI_Win_allocate window in a lock_all epoch, subarray datatype at the
 * target for boxes), memcpy (the same bytes copied inside the origin, row by
 * row for boxes). Gets are verified once after timing ("verified").
 *
 *   mpiexec -n 2 bench_sweep [--quick] [--cases a,b] [--impl darray,mpi,memcpy]
 *                            [--seconds S] [--list]
 * --cases takes full case names as --list prints them; '*' ends a prefix.
 */
#include <darray.h>
#include <mpi.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"

#define CONTIG_N ((int64_t)8 << 20) /* doubles per rank, 1-D */
#define BOX_R ((int64_t)2048)       /* rows per rank, 2-D */
#define BOX_W ((int64_t)8192)       /* columns, 2-D */
#define BOX_COL0 ((int64_t)1024)    /* first column of every box */

typedef enum { FAM_GET_CONTIG, FAM_PUT_CONTIG, FAM_GET_BOX, FAM_PUT_BOX, NFAM } family_t;
static const char *const FAMILY[NFAM] = {"get-contig", "put-contig", "get-box", "put-box"};
typedef enum { V_DARRAY, V_DARRAY_RMA, V_MPI, V_MEMCPY, NVAR } variant_t;
static const char *const IMPL[NVAR] = {"darray", "darray", "mpi", "memcpy"};

static const int64_t QUICK_BYTES[] = {8, 512, 32768, 2 << 20};

typedef struct {
    MPI_Comm comm;
    int rank, size, target, quick;
    const char *cases, *impls;
    double seconds;
    double *src, *dst; /* origin buffers, 64 MiB each */
    MPI_Win win;
    double *win_base; /* 128 MiB: the larger of the two geometries */
    da_array_t *a;    /* array of the family and variant being run */
    bc_samples_t samples;
    /* current case */
    family_t fam;
    variant_t var;
    int64_t lo[2], hi[2], rows, cols; /* box (1-D: lo[0], hi[0], cols = n) */
    MPI_Datatype tdt;
    MPI_Aint tdisp;
    char err[MPI_MAX_ERROR_STRING + 256];
} sweep_t;

static int is_box(family_t f) { return f == FAM_GET_BOX || f == FAM_PUT_BOX; }
static int is_get(family_t f) { return f == FAM_GET_CONTIG || f == FAM_GET_BOX; }

static void size_name(int64_t bytes, char *out, size_t len)
{
    if (bytes >= (1 << 20))
        snprintf(out, len, "%" PRId64 "MiB", bytes >> 20);
    else if (bytes >= 1024)
        snprintf(out, len, "%" PRId64 "KiB", bytes >> 10);
    else
        snprintf(out, len, "%" PRId64 "B", bytes);
}

static int nsizes(const sweep_t *S, int64_t *bytes)
{
    int n = 0;
    if (S->quick) {
        for (size_t i = 0; i < sizeof QUICK_BYTES / sizeof QUICK_BYTES[0]; i++)
            bytes[n++] = QUICK_BYTES[i];
        return n;
    }
    for (int64_t b = 8; b <= ((int64_t)32 << 20); b *= 4)
        bytes[n++] = b;
    bytes[n++] = (int64_t)64 << 20;
    return n;
}

/* Value stored at a global linear index of either geometry. */
static double val(int64_t i) { return (double)(i % 1000003); }

static int da_fail(sweep_t *S, const char *what, int rc)
{
    snprintf(S->err, sizeof S->err, "%s: %s (%s)", what, da_strerror(rc), da_last_error());
    return -1;
}

static int mpi_fail(sweep_t *S, const char *what, int err)
{
    char msg[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(err, msg, &len);
    snprintf(S->err, sizeof S->err, "%s: %s", what, msg);
    return -1;
}

/* ---- repetitions ------------------------------------------------------- */

static int rep_darray(void *p)
{
    sweep_t *S = p;
    int rc;
    if (is_get(S->fam)) {
        if ((rc = da_get(S->a, S->lo, S->hi, NULL, S->dst, NULL)) != 0)
            return da_fail(S, "da_get", rc);
        return 0;
    }
    if ((rc = da_put(S->a, S->lo, S->hi, NULL, S->src, NULL)) != 0)
        return da_fail(S, "da_put", rc);
    if ((rc = da_flush(S->a)) != 0)
        return da_fail(S, "da_flush", rc);
    return 0;
}

static int rep_mpi(void *p)
{
    sweep_t *S = p;
    int n = (int)(S->rows * S->cols), err;
    int tn = S->tdt == MPI_DATATYPE_NULL ? n : 1;
    MPI_Datatype tt = S->tdt == MPI_DATATYPE_NULL ? MPI_DOUBLE : S->tdt;
    if (is_get(S->fam))
        err = MPI_Get(S->dst, n, MPI_DOUBLE, S->target, S->tdisp, tn, tt, S->win);
    else
        err = MPI_Put(S->src, n, MPI_DOUBLE, S->target, S->tdisp, tn, tt, S->win);
    if (err)
        return mpi_fail(S, is_get(S->fam) ? "MPI_Get" : "MPI_Put", err);
    if ((err = MPI_Win_flush(S->target, S->win)) != 0)
        return mpi_fail(S, "MPI_Win_flush", err);
    return 0;
}

/* The same bytes inside the origin: from a block laid out as the target's
   (src, pitch BOX_W for boxes) to a dense buffer, or back for puts. */
static int rep_memcpy(void *p)
{
    sweep_t *S = p;
    size_t row = (size_t)S->cols * sizeof(double);
    for (int64_t r = 0; r < S->rows; r++) {
        double *blk = S->src + (is_box(S->fam) ? r * BOX_W + BOX_COL0 : 0);
        double *dense = S->dst + r * S->cols;
        if (is_get(S->fam))
            memcpy(dense, blk, row);
        else
            memcpy(blk, dense, row);
    }
    return 0;
}

/* ---- arrays ------------------------------------------------------------ */

/* Collective: the array of the current family's geometry with DA_SHM as
   the variant wants, every element i holding val(i). */
static int make_array(sweep_t *S)
{
    int rc;
    if (S->var == V_DARRAY_RMA)
        setenv("DA_SHM", "0", 1);
    else
        unsetenv("DA_SHM");
    int box = is_box(S->fam);
    int64_t shape[2] = {box ? S->size * BOX_R : S->size * CONTIG_N, BOX_W};
    int grid[2] = {S->size, 1};
    da_dim_spec_t dims[2] = {DA_DIM_BLOCK, DA_DIM_BLOCK};
    da_dist_t *d = NULL;
    if ((rc = da_dist_create(box ? 2 : 1, shape, dims, grid, S->size, &d)) != 0)
        return da_fail(S, "da_dist_create", rc);
    rc = da_array_create(S->comm, DA_DOUBLE, d, &S->a);
    da_dist_destroy(&d);
    unsetenv("DA_SHM");
    if (rc)
        return da_fail(S, "da_array_create", rc);
    double *p = NULL;
    int64_t lshape[2] = {0, 0}, glo[2] = {0, 0}, ghi[2] = {0, 0};
    if ((rc = da_array_local(S->a, (void **)&p, lshape, NULL)) != 0)
        return da_fail(S, "da_array_local", rc);
    if ((rc = da_array_local_box(S->a, glo, ghi)) != 0)
        return da_fail(S, "da_array_local_box", rc);
    int64_t n = box ? lshape[0] * lshape[1] : lshape[0];
    int64_t base = box ? glo[0] * BOX_W : glo[0];
    for (int64_t i = 0; p && i < n; i++)
        p[i] = val(base + i);
    if ((rc = da_sync(S->a)) != 0)
        return da_fail(S, "da_sync", rc);
    return 0;
}

/* Collective: the raw window and the origin's memcpy source hold the
   target block's values. */
static void fill_window(sweep_t *S)
{
    int box = is_box(S->fam);
    int64_t n = box ? BOX_R * BOX_W : CONTIG_N;
    int64_t base = box ? (int64_t)S->rank * BOX_R * BOX_W : (int64_t)S->rank * CONTIG_N;
    for (int64_t i = 0; i < n; i++)
        S->win_base[i] = val(base + i);
    MPI_Win_sync(S->win);
    MPI_Barrier(S->comm);
    MPI_Win_sync(S->win);
}

/* ---- one case ---------------------------------------------------------- */

static void set_geometry(sweep_t *S, int64_t bytes)
{
    int64_t n = bytes / (int64_t)sizeof(double);
    int64_t T = S->target;
    if (!is_box(S->fam)) {
        S->rows = 1;
        S->cols = n;
        S->lo[0] = T * CONTIG_N;
        S->hi[0] = S->lo[0] + n;
        return;
    }
    int64_t k = 1;
    while (k * k * 4 <= n)
        k *= 2;
    S->rows = k;
    S->cols = n / k; /* k x k, or k x 2k for odd powers of two */
    S->lo[0] = T * BOX_R;
    S->hi[0] = S->lo[0] + S->rows;
    S->lo[1] = BOX_COL0;
    S->hi[1] = BOX_COL0 + S->cols;
}

static int verify(sweep_t *S)
{
    int64_t T = S->target;
    for (int64_t r = 0; r < S->rows; r++)
        for (int64_t c = 0; c < S->cols; c++) {
            int64_t g = is_box(S->fam) ? (T * BOX_R + r) * BOX_W + BOX_COL0 + c : T * CONTIG_N + c;
            if (S->dst[r * S->cols + c] != val(g))
                return 0;
        }
    return 1;
}

static int agree(sweep_t *S, int rc)
{
    int all = rc;
    MPI_Allreduce(&rc, &all, 1, MPI_INT, MPI_MIN, S->comm);
    return all;
}

static void run_size(sweep_t *S, int64_t bytes)
{
    char sz[32], name[96];
    size_name(bytes, sz, sizeof sz);
    snprintf(name, sizeof name, "sweep-%s-%s%s", FAMILY[S->fam], sz, S->var == V_DARRAY_RMA ? "-rma" : "");
    if (!bc_list_has(S->cases, name) || !bc_list_has(S->impls, IMPL[S->var]))
        return;
    set_geometry(S, bytes);
    S->err[0] = '\0';
    S->tdt = MPI_DATATYPE_NULL;
    S->tdisp = 0;
    int rc = 0, verified = -1, shm = -1;
    if (S->var == V_MPI && is_box(S->fam)) {
        int sizes[2] = {(int)BOX_R, (int)BOX_W}, sub[2] = {(int)S->rows, (int)S->cols},
            starts[2] = {0, (int)BOX_COL0};
        int err = MPI_Type_create_subarray(2, sizes, sub, starts, MPI_ORDER_C, MPI_DOUBLE, &S->tdt);
        if (!err)
            err = MPI_Type_commit(&S->tdt);
        if (err)
            rc = mpi_fail(S, "MPI_Type_create_subarray", err);
    }
    if (S->var == V_DARRAY || S->var == V_DARRAY_RMA) {
        int sh = 0;
        if (da_array_shares_memory_with(S->a, S->target, &sh) == 0)
            shm = sh;
    }
    bc_budget_t b;
    int big = bytes >= (1 << 20);
    b.warmup = big ? 1 : (S->quick ? 10 : 50);
    b.min_reps = big ? (S->quick ? 1 : 3) : (S->quick ? 20 : 100);
    b.max_reps = 1000000;
    b.seconds = S->seconds;
    memset(S->dst, 0, (size_t)(S->rows * S->cols) * sizeof(double));
    bc_samples_clear(&S->samples);
    if (S->rank == 0 && rc == 0) {
        bc_rep_fn fn = S->var == V_MPI ? rep_mpi : S->var == V_MEMCPY ? rep_memcpy : rep_darray;
        rc = bc_run(&b, fn, S, &S->samples);
        if (rc == 0 && is_get(S->fam) && S->var != V_MEMCPY)
            verified = verify(S);
    }
    MPI_Barrier(S->comm);
    if (S->tdt != MPI_DATATYPE_NULL)
        MPI_Type_free(&S->tdt);
    if (S->rank != 0)
        return;
    bc_json_t j;
    bc_json_begin(&j);
    bc_json_str(&j, "case", name);
    bc_json_str(&j, "impl", IMPL[S->var]);
    bc_json_int(&j, "bytes", bytes);
    bc_json_int(&j, "elements", S->rows * S->cols);
    bc_json_int(&j, "ranks", S->size);
    if (rc) {
        bc_json_str(&j, "error", S->err);
    } else {
        bc_stats_t st = bc_samples_stats(&S->samples);
        bc_json_timing(&j, &st, (size_t)bytes);
    }
    bc_json_str(&j, "sweep", FAMILY[S->fam]);
    if (shm >= 0)
        bc_json_bool(&j, "shm", shm);
    if (verified >= 0)
        bc_json_bool(&j, "verified", verified);
    bc_json_end(&j, stdout);
}

/* Whether any case of the family and variant is selected. */
static int wanted(const sweep_t *S, const int64_t *bytes, int n)
{
    if (!bc_list_has(S->impls, IMPL[S->var]))
        return 0;
    for (int i = 0; i < n; i++) {
        char sz[32], name[96];
        size_name(bytes[i], sz, sizeof sz);
        snprintf(name, sizeof name, "sweep-%s-%s%s", FAMILY[S->fam], sz, S->var == V_DARRAY_RMA ? "-rma" : "");
        if (bc_list_has(S->cases, name))
            return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    sweep_t S;
    memset(&S, 0, sizeof S);
    S.seconds = 0.3;
    int list = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) {
            S.quick = 1;
            S.seconds = 0.05;
        } else if (!strcmp(argv[i], "--cases") && i + 1 < argc) {
            S.cases = argv[++i];
        } else if (!strcmp(argv[i], "--impl") && i + 1 < argc) {
            S.impls = argv[++i];
        } else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
            S.seconds = atof(argv[++i]);
        } else if (!strcmp(argv[i], "--list")) {
            list = 1;
        } else {
            fprintf(stderr, "usage: bench_sweep [--quick] [--cases a,b] [--impl darray,mpi,memcpy]\n"
                            "                   [--seconds S] [--list]\n");
            MPI_Finalize();
            return 2;
        }
    }
    MPI_Comm_dup(MPI_COMM_WORLD, &S.comm);
    MPI_Comm_set_errhandler(S.comm, MPI_ERRORS_RETURN);
    MPI_Comm_rank(S.comm, &S.rank);
    MPI_Comm_size(S.comm, &S.size);
    int64_t bytes[32];
    int nb = nsizes(&S, bytes);
    if (list) {
        for (int f = 0; S.rank == 0 && f < NFAM; f++)
            for (int v = 0; v < NVAR; v++)
                for (int i = 0; i < nb; i++) {
                    char sz[32];
                    size_name(bytes[i], sz, sizeof sz);
                    printf("sweep-%s-%s%s\t%s\n", FAMILY[f], sz, v == V_DARRAY_RMA ? "-rma" : "", IMPL[v]);
                }
        MPI_Comm_free(&S.comm);
        MPI_Finalize();
        return 0;
    }
    if (S.size < 2) {
        if (S.rank == 0)
            fprintf(stderr, "bench_sweep: needs at least 2 ranks (run at 2)\n");
        MPI_Finalize();
        return 2;
    }
    S.target = S.size - 1;
    size_t wbytes = (size_t)(BOX_R * BOX_W) * sizeof(double); /* 128 MiB >= 64 MiB contiguous */
    S.src = malloc(wbytes);
    S.dst = malloc(wbytes);
    if (!S.src || !S.dst) {
        fprintf(stderr, "bench_sweep: out of memory\n");
        MPI_Abort(S.comm, 1);
    }
    for (size_t i = 0; i < wbytes / sizeof(double); i++)
        S.src[i] = 1.0;
    memset(S.dst, 0, wbytes);
    if (MPI_Win_allocate((MPI_Aint)wbytes, sizeof(double), MPI_INFO_NULL, S.comm, &S.win_base, &S.win)) {
        fprintf(stderr, "bench_sweep: MPI_Win_allocate failed\n");
        MPI_Abort(S.comm, 1);
    }
    MPI_Win_set_errhandler(S.win, MPI_ERRORS_RETURN);
    MPI_Win_lock_all(MPI_MODE_NOCHECK, S.win);
    bc_samples_init(&S.samples);

    for (int f = 0; f < NFAM; f++) {
        S.fam = (family_t)f;
        for (int v = 0; v < NVAR; v++) {
            S.var = (variant_t)v;
            if (!wanted(&S, bytes, nb))
                continue;
            int rc = 0;
            if (v == V_DARRAY || v == V_DARRAY_RMA)
                rc = make_array(&S);
            else if (v == V_MPI)
                fill_window(&S);
            if (agree(&S, rc) != 0) {
                if (S.rank == 0)
                    fprintf(stderr, "bench_sweep: %s %s: %s\n", FAMILY[f], IMPL[v], S.err);
            } else {
                for (int i = 0; i < nb; i++)
                    run_size(&S, bytes[i]);
            }
            if (S.a)
                da_array_destroy(&S.a);
        }
    }

    bc_samples_free(&S.samples);
    MPI_Win_unlock_all(S.win);
    MPI_Win_free(&S.win);
    free(S.src);
    free(S.dst);
    MPI_Comm_free(&S.comm);
    MPI_Finalize();
    return 0;
}
