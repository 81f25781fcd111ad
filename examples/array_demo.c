/* darray in use: create arrays with several distributions, then put, get,
 * accumulate and gather from any rank, one-sided, and print what happened.
 *
 *   mpiexec -n 4 ./array_demo
 */
#include <darray.h>
#include <stdio.h>
#include <stdlib.h>

/* Stop on any darray error, saying where and why. */
#define TRY(call)                                                                          \
    do {                                                                                   \
        int rc_ = (call);                                                                  \
        if (rc_ != DA_SUCCESS) {                                                           \
            fprintf(stderr, "%s:%d: %s: %s (%s)\n", __FILE__, __LINE__, #call, da_strerror(rc_), \
                    da_last_error());                                                      \
            MPI_Abort(MPI_COMM_WORLD, 1);                                                  \
        }                                                                                  \
    } while (0)

static void show_map(const char *name, da_array_t *a, int rank, int nranks)
{
    /* every rank reports its local block, rank 0 prints them in order */
    int64_t lshape[2], all[2 * 64];
    TRY(da_array_local(a, NULL, lshape, NULL));
    MPI_Gather(lshape, 2, MPI_INT64_T, all, 2, MPI_INT64_T, 0, MPI_COMM_WORLD);
    if (rank == 0) {
        printf("%-28s local blocks:", name);
        for (int r = 0; r < nranks && r < 64; r++) printf(" r%d %lldx%lld", r, (long long)all[2 * r], (long long)all[2 * r + 1]);
        printf("\n");
    }
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, nranks;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
    if (nranks > 64) {
        if (rank == 0) fprintf(stderr, "the demo prints at most 64 ranks\n");
        MPI_Finalize();
        return 1;
    }

    /* A 6x8 array of doubles, distributed three ways. */
    int64_t shape[2] = {6, 8};
    struct {
        const char *name;
        da_dim_spec_t dims[2];
    } maps[3] = {
        {"block x block", {DA_DIM_BLOCK, DA_DIM_BLOCK}},
        {"block-cyclic(2) x cyclic", {DA_DIM_BLOCK_CYCLIC(2), DA_DIM_CYCLIC}},
        {"not distributed x block", {DA_DIM_NONE, DA_DIM_BLOCK}},
    };
    if (rank == 0) printf("darray demo on %d ranks: a 6x8 array of doubles, three distributions\n\n", nranks);

    for (int m = 0; m < 3; m++) {
        da_dist_t *dist;
        da_array_t *a;
        TRY(da_dist_create(2, shape, maps[m].dims, NULL, nranks, &dist));
        TRY(da_array_create(MPI_COMM_WORLD, DA_DOUBLE, dist, &a));
        show_map(maps[m].name, a, rank, nranks);

        /* The last rank writes the whole array: element (i, j) = 10*i + j. */
        double full[6][8];
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 8; j++) full[i][j] = 10 * i + j;
        int64_t lo[2] = {0, 0};
        if (rank == nranks - 1) TRY(da_put(a, lo, shape, NULL, full, NULL));
        TRY(da_sync(a));

        /* Every rank adds 1 to the box [1,3) x [2,6): accumulates are atomic. */
        double ones[2][4] = {{1, 1, 1, 1}, {1, 1, 1, 1}};
        int64_t blo[2] = {1, 2}, bhi[2] = {3, 6};
        TRY(da_acc(a, DA_OP_SUM, NULL, blo, bhi, NULL, ones, NULL));
        TRY(da_sync(a));

        /* Rank 0 reads row 1 with a step of 2, and three scattered elements. */
        if (rank == 0) {
            double row[4], pts[3];
            int64_t rlo[2] = {1, 0}, rhi[2] = {2, 8}, step[2] = {1, 2};
            int64_t where[3][2] = {{0, 0}, {2, 5}, {5, 7}};
            TRY(da_get(a, rlo, rhi, step, row, NULL));
            TRY(da_gather(a, 3, &where[0][0], pts));
            printf("  row 1, every 2nd column:  %g %g %g %g   (columns 2 and 4 got +%d)\n", row[0], row[1], row[2],
                   row[3], nranks);
            printf("  gather (0,0) (2,5) (5,7): %g %g %g\n\n", pts[0], pts[1], pts[2]);
        }
        TRY(da_array_destroy(&a));
        TRY(da_dist_destroy(&dist));
    }

    /* A histogram: each rank drops 100 values into 5 bins with scatter-accumulate. */
    {
        da_dist_t *dist;
        da_array_t *hist;
        int64_t bins[1] = {5};
        da_dim_spec_t block = DA_DIM_BLOCK;
        TRY(da_dist_create(1, bins, &block, NULL, nranks, &dist));
        TRY(da_array_create(MPI_COMM_WORLD, DA_INT64, dist, &hist));
        int64_t idx[100], vals[100];
        for (int i = 0; i < 100; i++) {
            idx[i] = (i * 7 + rank) % 5;
            vals[i] = 1;
        }
        TRY(da_scatter_acc(hist, DA_OP_SUM, NULL, 100, idx, vals));
        TRY(da_sync(hist));
        if (rank == 0) {
            int64_t h[5], lo = 0, hi = 5;
            TRY(da_get(hist, &lo, &hi, NULL, h, NULL));
            printf("histogram from %d ranks x 100 values: %lld %lld %lld %lld %lld (total %lld)\n", nranks,
                   (long long)h[0], (long long)h[1], (long long)h[2], (long long)h[3], (long long)h[4],
                   (long long)(h[0] + h[1] + h[2] + h[3] + h[4]));
        }
        TRY(da_array_destroy(&hist));
        TRY(da_dist_destroy(&dist));
    }
    MPI_Finalize();
    return 0;
}
