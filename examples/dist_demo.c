/* dist_demo: how darray distributes a small 2-D array over the ranks.
 *
 * Rank 0 draws three distribution maps of the same 8 x 12 array side by
 * side, each cell showing the rank that owns it (0-9, then a-z, A-Z); then
 * every rank's local block shape is gathered to rank 0 and printed in rank
 * order.
 *
 *   mpiexec -n 4 ./dist_demo
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

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

enum { NMAPS = 3, ROWS = 8, COLS = 12, W = 2 * COLS + 3 /* column width */ };

static char rank_char(int r)
{
    static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    return r < (int)sizeof digits - 1 ? digits[r] : '?';
}

static void show(MPI_Comm comm)
{
    int rank, nranks;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &nranks);

    const int64_t shape[2] = {ROWS, COLS};
    /* rows, columns */
    const char *names[NMAPS] = {"block, block", "block-cyclic 2, 3", "block, cyclic"};
    const da_dim_spec_t specs[NMAPS][2] = {
        {DA_DIM_BLOCK, DA_DIM_BLOCK},
        {DA_DIM_BLOCK_CYCLIC(2), DA_DIM_BLOCK_CYCLIC(3)},
        {DA_DIM_BLOCK, DA_DIM_CYCLIC},
    };

    /* Every rank builds the same maps: they are pure index arithmetic. */
    da_dist_t *map[NMAPS];
    for (int m = 0; m < NMAPS; m++) TRY(da_dist_create(2, shape, specs[m], NULL, nranks, &map[m]));

    /* Each rank's own local block shape, gathered to rank 0. */
    int64_t mine[NMAPS][2], *all = NULL;
    for (int m = 0; m < NMAPS; m++) TRY(da_dist_local_shape(map[m], rank, mine[m], NULL));
    if (rank == 0) all = malloc(sizeof *all * NMAPS * 2 * (size_t)nranks);
    MPI_Gather(mine, NMAPS * 2, MPI_INT64_T, all, NMAPS * 2, MPI_INT64_T, 0, comm);

    if (rank == 0) {
        printf("An %d x %d array over %d rank%s; each cell shows the rank that owns it.\n\n", ROWS, COLS, nranks,
               nranks == 1 ? "" : "s");
        for (int m = 0; m < NMAPS; m++) printf("%-*s", m < NMAPS - 1 ? W : 0, names[m]);
        printf("\n");
        for (int m = 0; m < NMAPS; m++) {
            int grid[2];
            TRY(da_dist_grid(map[m], grid));
            char title[64];
            snprintf(title, sizeof title, "(grid %d x %d)", grid[0], grid[1]);
            printf("%-*s", m < NMAPS - 1 ? W : 0, title);
        }
        printf("\n");
        for (int i = 0; i < ROWS; i++) {
            for (int m = 0; m < NMAPS; m++) {
                for (int j = 0; j < COLS; j++) {
                    int owner;
                    TRY(da_dist_owner(map[m], (const int64_t[]){i, j}, &owner, NULL, NULL));
                    printf(j < COLS - 1 ? "%c " : "%c", rank_char(owner));
                }
                if (m < NMAPS - 1) printf("%*s", W - (2 * COLS - 1), "");
            }
            printf("\n");
        }
        printf("\nLocal block shape of each rank (rows x columns):\n");
        for (int r = 0; r < nranks; r++) {
            for (int m = 0; m < NMAPS; m++) {
                const int64_t *s = all + ((size_t)r * NMAPS + m) * 2;
                char cell[48];
                snprintf(cell, sizeof cell, "rank %d: %lld x %lld", r, (long long)s[0], (long long)s[1]);
                printf("%-*s", m < NMAPS - 1 ? W : 0, cell);
            }
            printf("\n");
        }
        free(all);
    }
    for (int m = 0; m < NMAPS; m++) TRY(da_dist_destroy(&map[m]));
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    show(MPI_COMM_WORLD); /* any communicator works; darray never assumes the world */
    MPI_Finalize();
    return 0;
}
