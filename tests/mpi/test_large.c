/* Transfers beyond 2^31 bytes: a 1-D double array of 300 million elements
 * (2.4 GB) is read whole by rank 0 and written back, checked against the
 * values every rank stored through its local pointer. Needs about 5 GB of
 * memory, so it is in the "large" suite, run by hand:
 *   meson test -C build --suite large
 * Counts beyond 2^31 elements take the same chunking code, which the
 * DA_RMA_MAX_COUNT variants of the normal suite exercise with tiny counts. */
#include <darray.h>
#include <stdlib.h>

#include "harness.h"

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, nranks;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
    int64_t n = 300000000, lo = 0, mylo, myhi, lshape[1];
    da_dim_spec_t block = DA_DIM_BLOCK;
    da_dist_t *d;
    da_array_t *a;
    double *local;
    CHECK_DA(da_dist_create(1, &n, &block, NULL, nranks, &d));
    CHECK_DA(da_array_create(MPI_COMM_WORLD, DA_DOUBLE, d, &a));
    CHECK_DA(da_array_local(a, (void **)&local, lshape, NULL));
    CHECK_DA(da_array_local_box(a, &mylo, &myhi));
    for (int64_t i = 0; i < lshape[0]; i++) local[i] = (double)(mylo + i);
    CHECK_DA(da_sync(a));
    if (rank == 0) {
        double *buf = malloc(sizeof *buf * (size_t)n);
        CHECK(buf != NULL, "no memory for %lld doubles", (long long)n);
        CHECK_DA(da_get(a, &lo, &n, NULL, buf, NULL));
        for (int64_t i = 0; i < n; i++) CHECK(buf[i] == (double)i, "get: element %lld = %g", (long long)i, buf[i]);
        for (int64_t i = 0; i < n; i++) buf[i] = -(double)i;
        CHECK_DA(da_put(a, &lo, &n, NULL, buf, NULL));
        free(buf);
    }
    CHECK_DA(da_sync(a));
    for (int64_t i = 0; i < lshape[0]; i++)
        CHECK(local[i] == -(double)(mylo + i), "put: element %lld = %g", (long long)(mylo + i), local[i]);
    CHECK_DA(da_array_destroy(&a));
    CHECK_DA(da_dist_destroy(&d));
    MPI_Finalize();
    return 0;
}
