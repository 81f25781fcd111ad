/* Small helpers shared by the MPI test programs in tests/mpi/.
 *
 * Every test is a self-checking program run under mpiexec at several rank
 * counts. A failed check prints where and what, then aborts the whole job so
 * meson sees a non-zero exit even when the other ranks are blocked in a
 * collective.
 */
#ifndef DARRAY_TEST_HARNESS_H
#define DARRAY_TEST_HARNESS_H

#include <inttypes.h>
#include <mpi.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "darray.h"

/* This rank in MPI_COMM_WORLD, for failure messages; -1 before MPI_Init. */
static inline int th_rank(void)
{
    int init = 0, fin = 0, r = -1;
    MPI_Initialized(&init);
    MPI_Finalized(&fin);
    if (init && !fin) MPI_Comm_rank(MPI_COMM_WORLD, &r);
    return r;
}

/* Abort the job. MPI_Abort normally does not return; exit() is the fallback
 * (before MPI_Init or after MPI_Finalize) so the exit status is non-zero. */
static inline void th_fail(void)
{
    fflush(stdout);
    fflush(stderr);
    int init = 0, fin = 0;
    MPI_Initialized(&init);
    MPI_Finalized(&fin);
    if (init && !fin) MPI_Abort(MPI_COMM_WORLD, 1);
    exit(1);
}

/* Print "[rank R] file:line: CHECK failed: what: details" as one write (so
 * ranks' messages do not interleave mid-line), then abort the job. */
__attribute__((format(printf, 4, 5), noreturn)) static inline void th_check_failed(const char *file, int line,
                                                                                   const char *what,
                                                                                   const char *fmt, ...)
{
    char msg[2048];
    int n = snprintf(msg, sizeof msg, "[rank %d] %s:%d: CHECK failed: %s: ", th_rank(), file, line, what);
    if (n < 0 || n >= (int)sizeof msg) n = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s\n", msg);
    th_fail();
    abort(); /* not reached */
}

/* CHECK(cond, fmt, ...): on failure print rank, file:line, the condition and
 * the formatted values, then abort. The message says what was compared. */
#define CHECK(cond, ...)                                                                 \
    do {                                                                                 \
        if (!(cond)) th_check_failed(__FILE__, __LINE__, #cond, __VA_ARGS__);            \
    } while (0)

/* Compare two integers (any integer type), printing both values. */
#define CHECK_EQ(a, b)                                                                   \
    do {                                                                                 \
        intmax_t th_a_ = (intmax_t)(a), th_b_ = (intmax_t)(b);                           \
        if (th_a_ != th_b_)                                                              \
            th_check_failed(__FILE__, __LINE__, #a " == " #b, "%jd != %jd", th_a_, th_b_); \
    } while (0)

/* A darray call must return DA_SUCCESS; prints the code and detailed message. */
#define CHECK_DA(call)                                                                   \
    do {                                                                                 \
        int th_rc_ = (call);                                                             \
        if (th_rc_ != DA_SUCCESS)                                                        \
            th_check_failed(__FILE__, __LINE__, #call, "returned %d (%s): %s", th_rc_,   \
                            da_strerror(th_rc_), da_last_error());                       \
    } while (0)

/* An MPI call must return MPI_SUCCESS. */
#define CHECK_MPI(call)                                                                  \
    do {                                                                                 \
        int th_rc_ = (call);                                                             \
        if (th_rc_ != MPI_SUCCESS) {                                                     \
            char th_s_[MPI_MAX_ERROR_STRING] = "";                                       \
            int th_l_ = 0;                                                               \
            MPI_Error_string(th_rc_, th_s_, &th_l_);                                     \
            th_check_failed(__FILE__, __LINE__, #call, "MPI error %d: %s", th_rc_, th_s_); \
        }                                                                                \
    } while (0)

/* Deterministic RNG (splitmix64): the same seed gives the same stream on
 * every rank and every machine, so ranks can build identical test data
 * without communicating. */
typedef struct th_rng {
    uint64_t s;
} th_rng_t;

static inline th_rng_t th_rng_seed(uint64_t seed)
{
    return (th_rng_t){.s = seed};
}

static inline uint64_t th_rng_next(th_rng_t *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform integer in [lo, hi), hi > lo. */
static inline int64_t th_rng_range(th_rng_t *r, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(th_rng_next(r) % (uint64_t)(hi - lo));
}

/* Shuffle an int64 array in place (Fisher-Yates). */
static inline void th_rng_shuffle(th_rng_t *r, int64_t *a, int64_t n)
{
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t j = th_rng_range(r, 0, i + 1);
        int64_t t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}

#endif
