/* Linked into every MPI test with -Wl,--wrap=MPI_Finalize: when
   DA_TEST_MARKER_DIR is set, each rank leaves a file there on reaching
   MPI_Finalize, i.e. after all its checks passed. tests/mpi/run_tcp.sh uses
   the files to tell UCX's TCP hang inside MPI_Finalize (docs/mpi-issues.md)
   from a test that hangs or fails. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int __real_MPI_Finalize(void);
int __wrap_MPI_Finalize(void);

int __wrap_MPI_Finalize(void)
{
    const char *dir = getenv("DA_TEST_MARKER_DIR");
    if (dir) {
        int rank = 0;
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
        char path[4096];
        snprintf(path, sizeof path, "%s/rank%d", dir, rank);
        FILE *f = fopen(path, "w");
        if (f) fclose(f);
    }
    return __real_MPI_Finalize();
}
