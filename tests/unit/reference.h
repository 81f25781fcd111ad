/* Unit tests of the distribution maps: a brute-force reference model written
   from the definitions in include/darray/dist.h (no code shared with lib/),
   and the checks that compare a map and its decompositions against it. */
#ifndef DA_TEST_REFERENCE_H
#define DA_TEST_REFERENCE_H

#include <stdint.h>

#include <criterion/criterion.h>

#include "darray/dist.h" /* layer 1 only: no MPI needed */

/* Fail the current test only when the condition is false: passing checks
   cost one branch, so exhaustive loops stay cheap. */
#define EXPECT(cond, ...)                                                      \
    do {                                                                       \
        if (!(cond)) cr_assert_fail(__VA_ARGS__);                             \
    } while (0)

/* A call returns exactly `code`; for an error, da_last_error() is not empty. */
#define EXPECT_RC(call, code)                                                  \
    do {                                                                       \
        int rc_ = (call);                                                      \
        EXPECT(rc_ == (code), "%s returned %d (%s), expected %d (%s); last error: %s", #call, rc_, \
               da_strerror(rc_), (int)(code), da_strerror(code), da_last_error()); \
        if ((code) != DA_SUCCESS)                                              \
            EXPECT(da_last_error()[0] != '\0', "%s: da_last_error() is empty", #call); \
    } while (0)

/* ---- deterministic random numbers (splitmix64) -------------------------- */

typedef struct { uint64_t s; } rng_t;
uint64_t rng_next(rng_t *r);
/* Uniform in [lo, hi]. */
int64_t rng_range(rng_t *r, int64_t lo, int64_t hi);

/* ---- reference model of one dimension ----------------------------------- */

/* Everything is tabulated by the plain definition: owner[g] and local[g] for
   every global index, count[c] and glob[c][l] for every part. */
typedef struct ref_dim {
    da_dist_kind_t kind;
    int64_t n;        /* extent */
    int p;            /* grid extent */
    int64_t b;        /* BLOCK_CYCLIC block size as given */
    int *owner;       /* n */
    int64_t *local;   /* n */
    int64_t *count;   /* p */
    int64_t **glob;   /* p lists */
    /* the inputs given to da_dist_create, kept alive for the spec */
    int64_t *starts;  /* IRREGULAR: p */
    int64_t **lists;  /* UNSTRUCTURED: p lists */
    int64_t *lcounts; /* UNSTRUCTURED: p */
} ref_dim_t;

/* A dimension before its grid extent is known: kind and parameters. For
   IRREGULAR / UNSTRUCTURED, nparts and the starts / lists are part of it. */
typedef struct ref_dim_input {
    da_dist_kind_t kind;
    int64_t b;
    int nparts;
    const int64_t *starts;
    const int64_t *const *lists;
    const int64_t *lcounts;
} ref_dim_input_t;

/* Tabulate dimension of extent n over p parts. */
void ref_dim_build(ref_dim_t *r, const ref_dim_input_t *in, int64_t n, int p);
void ref_dim_free(ref_dim_t *r);
/* The spec to give da_dist_create (points into r). */
da_dim_spec_t ref_dim_spec(const ref_dim_t *r);
/* The spec of an input (points into in). */
da_dim_spec_t ref_input_spec(const ref_dim_input_t *in);
/* 1 if the kind gives every part one contiguous range (local_box works). */
int ref_kind_contiguous(da_dist_kind_t k);
const char *ref_kind_name(da_dist_kind_t k);

/* Random IRREGULAR starts (nondecreasing, starts[0] = 0, <= n; empty parts
   likely) and random UNSTRUCTURED partitions (random owner per index, random
   order inside each list). The caller frees with free() / ref_free_lists. */
int64_t *ref_random_starts(rng_t *g, int64_t n, int p);
int64_t **ref_random_lists(rng_t *g, int64_t n, int p, int64_t **counts_out);
void ref_free_lists(int64_t **lists, int p, int64_t *counts);

/* ---- reference model of a map ------------------------------------------ */

typedef struct ref_map {
    int ndim;
    int nranks;
    int64_t shape[DA_MAX_NDIM];
    int grid[DA_MAX_NDIM];
    int64_t total;
    ref_dim_t dim[DA_MAX_NDIM];
    char ctx[512]; /* description for failure messages */
} ref_map_t;

/* Build the reference of a map of these inputs over this grid. */
void ref_map_build(ref_map_t *r, int ndim, const int64_t *shape, const ref_dim_input_t *in,
                   const int *grid);
void ref_map_free(ref_map_t *r);
int ref_rank_of(const ref_map_t *r, const int *coords);
void ref_coords_of(const ref_map_t *r, int rank, int *coords);

/* ---- checks (Criterion failures on mismatch) ----------------------------- */

/* Grid chosen for inputs: product nranks, forced extents, given ones kept. */
void check_grid(const int *grid, int ndim, const ref_dim_input_t *in, const int *given, int nranks,
                const char *ctx);
/* Create the map of the inputs over nranks with `given` (may be NULL), check
   its grid and build its reference. Returns the map. */
da_dist_t *make_checked(ref_map_t *r, int ndim, const int64_t *shape, const ref_dim_input_t *in,
                        const int *given, int nranks);
/* Every query of the map against the reference. */
void check_map(const da_dist_t *d, const ref_map_t *r);
/* One box decomposition against the reference (step may be NULL). */
void check_decomp(const da_dist_t *d, const ref_map_t *r, const int64_t *lo, const int64_t *hi,
                  const int64_t *step);
/* A random box: empty, single element, whole or random, steps up to
   extent + 2. */
void random_box(rng_t *g, const ref_map_t *r, int64_t *lo, int64_t *hi, int64_t *step);
/* Two maps answer every query identically. */
void check_same_map(const da_dist_t *a, const da_dist_t *b, const ref_map_t *r);

#endif
