/* Helpers for the GA-style test programs: a failed check prints where and
 * aborts the job, so the test fails by exit status.
 *
 * The same sources are also built against Debian's GA 5.8 (meson option
 * ga_reference, GA_TEST_REFERENCE defined): tools/compare-ga.sh and the
 * ga-reference suite run both builds and require the REPORT lines (the
 * observable answers, printed by process 0 with the prefix "@ ") to be
 * identical. Other output (GA_Print_distribution, GA's banners) is not
 * compared: its format is not part of GA's API. */
#ifndef GA_TEST_H
#define GA_TEST_H
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#include "ga.h"
#include "macdecls.h"

#define CHECK(cond, ...)                                                                  \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            fprintf(stderr, "[%d] %s:%d: CHECK failed: %s: ", GA_Nodeid(), __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                                 \
            fprintf(stderr, "\n");                                                        \
            fflush(stderr);                                                               \
            MPI_Abort(MPI_COMM_WORLD, 1);                                                 \
        }                                                                                 \
    } while (0)

/* An observable answer, printed once (by process 0) for the comparison with
 * real GA. Only process 0 evaluates the arguments: no collective calls in them. */
#define REPORT(...)                                                                       \
    do {                                                                                  \
        if (GA_Nodeid() == 0) {                                                           \
            printf("@ ");                                                                 \
            printf(__VA_ARGS__);                                                          \
            printf("\n");                                                                 \
            fflush(stdout);                                                               \
        }                                                                                 \
    } while (0)

/* The start-up a GA C program does. */
static inline void ga_test_init(int *argc, char ***argv)
{
    MPI_Init(argc, argv);
    GA_Initialize();
    CHECK(MA_init(MT_F_DBL, 100000, 100000), "MA_init");
}

static inline void ga_test_end(const char *name)
{
    GA_Sync();
    REPORT("%s: all checks passed on %d processes", name, GA_Nnodes());
    GA_Terminate();
    MPI_Finalize();
}
#endif
