/* spmv: a sparse matrix-vector product with x distributed, through a plan.
 *
 * A is an N x N sparse matrix in CSR form: row i holds a diagonal entry and
 * NNZ_ROW entries in random columns. Each rank owns a block of rows of A
 * (the same block of indices it owns of x). x is a 1-D block darray.
 *
 * The pattern of x entries a rank needs never changes, so the rank builds a
 * plan once over the distinct columns its rows touch (da_plan_create_flat)
 * and replays it every iteration (da_plan_get): the owner lookup, sorting
 * and MPI datatypes are paid once, each replay is one RMA call per owner
 * (or loads from shared memory on the same node). The power iteration
 *
 *     y = A x,   x = y / ||y||
 *
 * writes the new x into each rank's own block (da_array_local) and makes it
 * visible with da_sync before the next gather.
 *
 * Every rank also runs the same iteration serially on the whole matrix
 * (which it can regenerate: the matrix is a function of the row index) and
 * compares its rows of y. The program exits non-zero if they differ by
 * more than 1e-12 relative to the row's sum of |a_ij x_j| (rounding alone
 * gives about 1e-16; a wrong x entry gives about 1), so it doubles as a
 * test.
 *
 *   mpiexec -n 4 ./spmv [N [iterations]]      (default N = 20000, 20 iterations)
 */
#include <math.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darray.h"

/* Stop the whole job on a darray error, saying what went wrong. */
#define TRY(call)                                                                          \
    do {                                                                                   \
        int rc_ = (call);                                                                  \
        if (rc_ != DA_SUCCESS) {                                                           \
            fprintf(stderr, "%s:%d: %s: %s (%s)\n", __FILE__, __LINE__, #call,             \
                    da_strerror(rc_), da_last_error());                                    \
            MPI_Abort(MPI_COMM_WORLD, 1);                                                  \
        }                                                                                  \
    } while (0)

enum { NNZ_ROW = 8 }; /* off-diagonal entries per row */

static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* Row i of A: the diagonal then NNZ_ROW random columns (repeats allowed:
   they simply add up). Same on every rank. */
static void row_of(int64_t n, int64_t i, int64_t *col, double *val)
{
    col[0] = i;
    val[0] = 4.0;
    for (int k = 1; k <= NNZ_ROW; k++) {
        uint64_t h = mix((uint64_t)i * 131 + (uint64_t)k);
        col[k] = (int64_t)(h % (uint64_t)n);
        val[k] = (double)(h >> 40) / (double)(1 << 24) * 2.0 - 1.0; /* in [-1, 1) */
    }
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int me, np;
    MPI_Comm_rank(MPI_COMM_WORLD, &me);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    int64_t n = argc > 1 ? atoll(argv[1]) : 20000;
    int iters = argc > 2 ? atoi(argv[2]) : 20;
    if (n < 1 || iters < 1) {
        if (me == 0) fprintf(stderr, "usage: spmv [N >= 1 [iterations >= 1]]\n");
        MPI_Finalize();
        return 2;
    }
    const int w = NNZ_ROW + 1;

    /* x: 1-D block distribution; this rank owns rows [lo, hi) of A too */
    da_dist_t *dist;
    da_array_t *x;
    da_dim_spec_t dim = DA_DIM_BLOCK;
    TRY(da_dist_create(1, &n, &dim, NULL, np, &dist));
    TRY(da_array_create(MPI_COMM_WORLD, DA_DOUBLE, dist, &x));
    int64_t lo, hi;
    double *xloc;
    TRY(da_array_local_box(x, &lo, &hi));
    TRY(da_array_local(x, (void **)&xloc, NULL, NULL));
    int64_t nrows = hi - lo;

    /* my rows in CSR form, columns renumbered into the list of distinct
       columns they touch (the plan's points) */
    int64_t *rowptr = malloc(sizeof *rowptr * (size_t)(nrows + 1));
    int64_t *colidx = malloc(sizeof *colidx * (size_t)(nrows * w + 1));
    double *val = malloc(sizeof *val * (size_t)(nrows * w + 1));
    int64_t *need = malloc(sizeof *need * (size_t)(nrows * w + 1));
    if (!rowptr || !colidx || !val || !need) {
        fprintf(stderr, "spmv: out of memory\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    for (int64_t r = 0; r < nrows; r++) {
        rowptr[r] = r * w;
        row_of(n, lo + r, colidx + r * w, val + r * w);
    }
    rowptr[nrows] = nrows * w;
    memcpy(need, colidx, sizeof *need * (size_t)(nrows * w));
    qsort(need, (size_t)(nrows * w), sizeof *need, cmp_i64);
    int64_t nneed = 0;
    for (int64_t k = 0; k < nrows * w; k++)
        if (nneed == 0 || need[k] != need[nneed - 1]) need[nneed++] = need[k];
    for (int64_t k = 0; k < nrows * w; k++) { /* global column -> position in need[] */
        int64_t *p = bsearch(&colidx[k], need, (size_t)nneed, sizeof *need, cmp_i64);
        colidx[k] = p - need;
    }
    int64_t nremote = 0;
    for (int64_t k = 0; k < nneed; k++) nremote += need[k] < lo || need[k] >= hi;

    /* x0 = 1 + (i mod 7) / 7, written by each owner into its block */
    for (int64_t i = lo; i < hi; i++) xloc[i - lo] = 1.0 + (double)(i % 7) / 7.0;
    TRY(da_sync(x));

    /* the serial reference: the whole matrix and x on every rank */
    int64_t *acol = malloc(sizeof *acol * (size_t)(n * w));
    double *aval = malloc(sizeof *aval * (size_t)(n * w));
    double *xs = malloc(sizeof *xs * (size_t)n), *ys = malloc(sizeof *ys * (size_t)n);
    double *xg = malloc(sizeof *xg * (size_t)(nneed + 1)), *y = malloc(sizeof *y * (size_t)(nrows + 1));
    if (!acol || !aval || !xs || !ys || !xg || !y) {
        fprintf(stderr, "spmv: out of memory\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    for (int64_t i = 0; i < n; i++) {
        row_of(n, i, acol + i * w, aval + i * w);
        xs[i] = 1.0 + (double)(i % 7) / 7.0;
    }

    /* the plan: built once */
    double t0 = MPI_Wtime();
    da_plan_t *plan;
    TRY(da_plan_create_flat(x, nneed, need, &plan));
    double t_plan = MPI_Wtime() - t0;

    double t_gather = 0, t_iter = 0, maxerr = 0;
    for (int it = 0; it < iters; it++) {
        double t1 = MPI_Wtime();
        TRY(da_plan_get(plan, xg)); /* xg[k] = x[need[k]] */
        double t2 = MPI_Wtime();
        double ss = 0;
        for (int64_t r = 0; r < nrows; r++) {
            double s = 0;
            for (int64_t k = rowptr[r]; k < rowptr[r + 1]; k++) s += val[k] * xg[colidx[k]];
            y[r] = s;
            ss += s * s;
        }
        double norm2;
        /* everyone's gathers are done once this returns: x may change */
        MPI_Allreduce(&ss, &norm2, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
        double inv = 1.0 / sqrt(norm2);
        for (int64_t r = 0; r < nrows; r++) xloc[r] = y[r] * inv;
        TRY(da_sync(x)); /* the new x is visible to every rank's next gather */
        double t3 = MPI_Wtime();
        t_gather += t2 - t1;
        t_iter += t3 - t1;

        /* the serial product on the whole matrix, same order of additions */
        double sss = 0;
        for (int64_t i = 0; i < n; i++) {
            double s = 0, sa = 0;
            for (int k = 0; k < w; k++) {
                s += aval[i * w + k] * xs[acol[i * w + k]];
                sa += fabs(aval[i * w + k] * xs[acol[i * w + k]]);
            }
            ys[i] = s;
            sss += s * s;
            /* error relative to the row's sum of |a x| (rounding scale; a
               wrong x entry gives an error of order 1) */
            if (i >= lo && i < hi) {
                double e = fabs(y[i - lo] - s) / (sa + 1e-300);
                if (e > maxerr) maxerr = e;
            }
        }
        double sinv = 1.0 / sqrt(sss);
        for (int64_t i = 0; i < n; i++) xs[i] = ys[i] * sinv;
    }
    TRY(da_plan_destroy(&plan));

    /* the same gathers one-shot, for comparison (x no longer changes) */
    double t4 = MPI_Wtime();
    for (int it = 0; it < iters; it++) TRY(da_gather_flat(x, nneed, need, xg));
    double t_oneshot = (MPI_Wtime() - t4) / iters;

    double err, tg, ti, tp, to;
    int64_t nnz = n * w, sums[2] = {nneed, nremote}, tot[2];
    MPI_Reduce(&maxerr, &err, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    MPI_Reduce(&t_gather, &tg, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    MPI_Reduce(&t_iter, &ti, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    MPI_Reduce(&t_plan, &tp, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    MPI_Reduce(&t_oneshot, &to, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    MPI_Reduce(sums, tot, 2, MPI_INT64_T, MPI_SUM, 0, MPI_COMM_WORLD);
    MPI_Bcast(&err, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    int shared = 0;
    TRY(da_array_shares_memory_with(x, (me + 1) % np, &shared));
    if (me == 0) {
        printf("spmv: %lld rows, %lld nonzeros (%d per row, random columns), %d ranks, %s\n", (long long)n,
               (long long)nnz, w, np, shared ? "same-node shortcut" : "RMA path");
        printf("spmv: x entries gathered per iteration: %lld distinct (%lld owned by other ranks)\n",
               (long long)tot[0], (long long)tot[1]);
        printf("spmv: plan built once in %.3f ms; per iteration %.3f ms, of which gather %.3f ms "
               "(one-shot da_gather_flat: %.3f ms)\n",
               tp * 1e3, ti / iters * 1e3, tg / iters * 1e3, to * 1e3);
        printf("spmv: %d iterations, max error of y against the serial product: %.2e %s\n", iters, err,
               err <= 1e-12 ? "(OK)" : "(WRONG)");
    }
    free(rowptr);
    free(colidx);
    free(val);
    free(need);
    free(acol);
    free(aval);
    free(xs);
    free(ys);
    free(xg);
    free(y);
    TRY(da_array_destroy(&x));
    TRY(da_dist_destroy(&dist));
    MPI_Finalize();
    return err <= 1e-12 ? 0 : 1;
}
