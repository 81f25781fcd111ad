/* Helpers for the whole-array, redistribution and I/O tests
 * (test_coll*.c, test_redist*.c, test_io*.c).
 *
 * Maps of every kind built from a seed (the same on every rank), arrays
 * filled and checked through each rank's own block only (no darray data
 * movement, so a bug there cannot hide in the check), and element values
 * that are a pure function of (seed, global linear index).
 */
#ifndef DARRAY_TEST_COLL_UTIL_H
#define DARRAY_TEST_COLL_UTIL_H

#include <complex.h>
#include <math.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darray.h"
#include "harness.h"

/* ---- maps ---------------------------------------------------------------- */

#define TU_NKINDS 7
static const da_dist_kind_t tu_kinds[TU_NKINDS] = {DA_DIST_BLOCK,     DA_DIST_BLOCK_GA,  DA_DIST_CYCLIC,
                                                   DA_DIST_BLOCK_CYCLIC, DA_DIST_IRREGULAR, DA_DIST_NONE,
                                                   DA_DIST_UNSTRUCTURED};

static inline const char *tu_kind_name(da_dist_kind_t k)
{
    static const char *n[] = {"block", "block_ga", "cyclic", "block_cyclic", "irregular", "none", "unstructured"};
    return (int)k >= 0 && (int)k < 7 ? n[k] : "?";
}

/* Storage for the explicit parts of specs (irregular starts, unstructured lists). */
typedef struct {
    int64_t starts[DA_MAX_NDIM][64];
    int64_t *lists[DA_MAX_NDIM][64];
    int64_t counts[DA_MAX_NDIM][64];
    int64_t *pool[DA_MAX_NDIM];
} tu_store_t;

static inline void tu_store_free(tu_store_t *st)
{
    for (int d = 0; d < DA_MAX_NDIM; d++) free(st->pool[d]);
    memset(st, 0, sizeof *st);
}

static inline void tu_sort(int64_t *a, int64_t n)
{
    for (int64_t i = 1; i < n; i++)
        for (int64_t j = i; j > 0 && a[j - 1] > a[j]; j--) {
            int64_t t = a[j];
            a[j] = a[j - 1];
            a[j - 1] = t;
        }
}

/* A spec of kind k for a dimension of extent n split into `parts` parts. */
static inline da_dim_spec_t tu_spec(da_dist_kind_t k, int64_t n, int parts, int d, th_rng_t *rng, tu_store_t *st)
{
    switch (k) {
    case DA_DIST_BLOCK: return DA_DIM_BLOCK;
    case DA_DIST_BLOCK_GA: return DA_DIM_BLOCK_GA;
    case DA_DIST_CYCLIC: return DA_DIM_CYCLIC;
    case DA_DIST_BLOCK_CYCLIC: return DA_DIM_BLOCK_CYCLIC(th_rng_range(rng, 1, 4));
    case DA_DIST_NONE: return DA_DIM_NONE;
    case DA_DIST_IRREGULAR: {
        st->starts[d][0] = 0;
        for (int i = 1; i < parts; i++) st->starts[d][i] = th_rng_range(rng, 0, n + 1);
        tu_sort(st->starts[d], parts);
        return DA_DIM_IRREGULAR(parts, st->starts[d]);
    }
    default: { /* unstructured: a shuffled permutation cut at random points */
        int64_t *perm = malloc(sizeof *perm * (size_t)n);
        for (int64_t i = 0; i < n; i++) perm[i] = i;
        th_rng_shuffle(rng, perm, n);
        int64_t cut[65];
        cut[0] = 0;
        cut[parts] = n;
        for (int i = 1; i < parts; i++) cut[i] = th_rng_range(rng, 0, n + 1);
        tu_sort(cut + 1, parts - 1);
        for (int i = 0; i < parts; i++) {
            st->lists[d][i] = perm + cut[i];
            st->counts[d][i] = cut[i + 1] - cut[i];
        }
        free(st->pool[d]);
        st->pool[d] = perm;
        return DA_DIM_UNSTRUCTURED(parts, (const int64_t *const *)st->lists[d], st->counts[d]);
    }
    }
}

/* A grid of nranks over ndim dimensions, by factoring (largest factors first). */
static inline void tu_grid(int nranks, int ndim, int *grid)
{
    for (int d = 0; d < ndim; d++) grid[d] = 1;
    int r = nranks, d = 0;
    for (int f = 2; r > 1;) {
        if (r % f) {
            f++;
            continue;
        }
        grid[d % ndim] *= f;
        r /= f;
        d++;
    }
}

/* A map with kind kinds[d] on dimension d over nranks ranks. NONE
   dimensions get grid extent 1; their share of the ranks moves to the next
   non-NONE dimension. Returns NULL if no grid fits (all NONE, nranks > 1). */
static inline da_dist_t *tu_map(int ndim, const int64_t *shape, const da_dist_kind_t *kinds, int nranks,
                                uint64_t seed)
{
    int grid[DA_MAX_NDIM];
    tu_grid(nranks, ndim, grid);
    int spare = 1, any = -1;
    for (int d = 0; d < ndim; d++) {
        if (kinds[d] == DA_DIST_NONE) {
            spare *= grid[d];
            grid[d] = 1;
        } else if (any < 0) any = d;
    }
    if (any < 0 && spare > 1) return NULL;
    if (any >= 0) grid[any] *= spare;
    th_rng_t rng = th_rng_seed(seed);
    tu_store_t st;
    memset(&st, 0, sizeof st);
    da_dim_spec_t dims[DA_MAX_NDIM];
    for (int d = 0; d < ndim; d++) dims[d] = tu_spec(kinds[d], shape[d], grid[d], d, &rng, &st);
    da_dist_t *m = NULL;
    int rc = da_dist_create(ndim, shape, dims, grid, nranks, &m);
    tu_store_free(&st);
    CHECK(rc == DA_SUCCESS, "da_dist_create: %s", da_last_error());
    return m;
}

/* The same kind on every dimension (NONE only on dimension 0). */
static inline da_dist_t *tu_map_kind(int ndim, const int64_t *shape, da_dist_kind_t k, int nranks, uint64_t seed)
{
    da_dist_kind_t kinds[DA_MAX_NDIM];
    for (int d = 0; d < ndim; d++) kinds[d] = (k == DA_DIST_NONE && d > 0) ? DA_DIST_BLOCK : k;
    return tu_map(ndim, shape, kinds, nranks, seed);
}

/* ---- element values --------------------------------------------------------- */

static inline size_t tu_esize(da_type_t t, size_t opaque)
{
    static const size_t s[] = {4, 8, 4, 8, 8, 16};
    return t == DA_OPAQUE ? opaque : s[t];
}

static inline const char *tu_type_name(da_type_t t)
{
    static const char *n[] = {"int32", "int64", "float", "double", "complex float", "complex double", "opaque"};
    return n[t];
}

static inline uint64_t tu_mix(uint64_t a, uint64_t b)
{
    uint64_t z = a * 0x9e3779b97f4a7c15ULL + b + 0x632be59bd9b4e019ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Value of element `lin` for `seed`: small integers (so ties are common),
   floats in quarters (so sums are exact). range: values in [-range, range]. */
static inline void tu_value(da_type_t t, size_t es, uint64_t seed, int64_t lin, int64_t range, void *out)
{
    uint64_t h = tu_mix(seed, (uint64_t)lin);
    int64_t a = (int64_t)(h % (uint64_t)(2 * range + 1)) - range;
    int64_t b = (int64_t)((h >> 32) % (uint64_t)(2 * range + 1)) - range;
    switch (t) {
    case DA_INT32: *(int32_t *)out = (int32_t)a; break;
    case DA_INT64: *(int64_t *)out = a * 1000003; break;
    case DA_FLOAT: *(float *)out = (float)a / 4; break;
    case DA_DOUBLE: *(double *)out = (double)a / 4; break;
    case DA_COMPLEX_FLOAT: *(float complex *)out = CMPLXF((float)a / 4, (float)b / 4); break;
    case DA_COMPLEX_DOUBLE: *(double complex *)out = CMPLX((double)a / 4, (double)b / 4); break;
    default:
        for (size_t i = 0; i < es; i++) ((unsigned char *)out)[i] = (unsigned char)(h >> (8 * (i % 8))) ^ (unsigned char)i;
    }
}

/* ---- arrays through their own blocks --------------------------------------- */

static inline int64_t tu_elems(int ndim, const int64_t *shape)
{
    int64_t n = 1;
    for (int d = 0; d < ndim; d++) n *= shape[d];
    return n;
}

static inline int64_t tu_lin(int ndim, const int64_t *shape, const int64_t *g)
{
    int64_t l = 0;
    for (int d = 0; d < ndim; d++) l = l * shape[d] + g[d];
    return l;
}

/* fn(ctx, local element pointer, global linear index) for each element of
   this rank's block. */
typedef void (*tu_elem_fn)(void *ctx, char *elem, int64_t lin);

static inline void tu_each_local(da_array_t *a, tu_elem_fn fn, void *ctx)
{
    int ndim, rank;
    int64_t shape[DA_MAX_NDIM], lshape[DA_MAX_NDIM], l[DA_MAX_NDIM] = {0}, g[DA_MAX_NDIM];
    da_type_t t;
    size_t es;
    void *base;
    MPI_Comm comm;
    da_dist_t *d;
    CHECK_DA(da_array_ndim(a, &ndim));
    CHECK_DA(da_array_shape(a, shape));
    CHECK_DA(da_array_type(a, &t, &es));
    CHECK_DA(da_array_local(a, &base, lshape, NULL));
    CHECK_DA(da_array_comm(a, &comm));
    CHECK_DA(da_array_dist(a, &d));
    MPI_Comm_rank(comm, &rank);
    int64_t n = tu_elems(ndim, lshape);
    for (int64_t i = 0; i < n; i++) {
        CHECK_DA(da_dist_local_to_global(d, rank, l, g));
        fn(ctx, (char *)base + i * (int64_t)es, tu_lin(ndim, shape, g));
        for (int k = ndim - 1; k >= 0 && ++l[k] == lshape[k]; k--) l[k] = 0;
    }
    da_dist_destroy(&d);
}

typedef struct {
    const char *ref; /* full reference, row-major */
    size_t es;
    const char *what;
    da_type_t t;
    double tol;
} tu_cmp_t;

static void tu_store_cb(void *ctx, char *elem, int64_t lin)
{
    const tu_cmp_t *c = ctx;
    memcpy(elem, c->ref + lin * (int64_t)c->es, c->es);
}

/* Write the full reference `ref` into a (each rank its own block), then sync. */
static inline void tu_store(da_array_t *a, const void *ref)
{
    da_type_t t;
    size_t es;
    CHECK_DA(da_array_type(a, &t, &es));
    tu_cmp_t c = {ref, es, "", t, 0};
    tu_each_local(a, tu_store_cb, &c);
    CHECK_DA(da_sync(a));
}

static inline int tu_close(da_type_t t, const void *x, const void *y, size_t es, double tol)
{
    if (t == DA_FLOAT || t == DA_DOUBLE || t == DA_COMPLEX_FLOAT || t == DA_COMPLEX_DOUBLE) {
        double xr, xi = 0, yr, yi = 0;
        if (t == DA_FLOAT) { xr = *(const float *)x; yr = *(const float *)y; }
        else if (t == DA_DOUBLE) { xr = *(const double *)x; yr = *(const double *)y; }
        else if (t == DA_COMPLEX_FLOAT) {
            xr = crealf(*(const float complex *)x); xi = cimagf(*(const float complex *)x);
            yr = crealf(*(const float complex *)y); yi = cimagf(*(const float complex *)y);
        } else {
            xr = creal(*(const double complex *)x); xi = cimag(*(const double complex *)x);
            yr = creal(*(const double complex *)y); yi = cimag(*(const double complex *)y);
        }
        if (isnan(xr) || isnan(yr)) return isnan(xr) && isnan(yr) && (isnan(xi) == isnan(yi));
        double s = fabs(xr) + fabs(xi) + fabs(yr) + fabs(yi) + 1e-300;
        return fabs(xr - yr) + fabs(xi - yi) <= tol * s || (xr == yr && xi == yi);
    }
    return memcmp(x, y, es) == 0;
}

static inline const char *tu_fmt(da_type_t t, const void *p, size_t es, char *buf, size_t n)
{
    switch (t) {
    case DA_INT32: snprintf(buf, n, "%d", *(const int32_t *)p); break;
    case DA_INT64: snprintf(buf, n, "%lld", (long long)*(const int64_t *)p); break;
    case DA_FLOAT: snprintf(buf, n, "%.9g", *(const float *)p); break;
    case DA_DOUBLE: snprintf(buf, n, "%.17g", *(const double *)p); break;
    case DA_COMPLEX_FLOAT:
        snprintf(buf, n, "(%.9g, %.9g)", crealf(*(const float complex *)p), cimagf(*(const float complex *)p));
        break;
    case DA_COMPLEX_DOUBLE:
        snprintf(buf, n, "(%.17g, %.17g)", creal(*(const double complex *)p), cimag(*(const double complex *)p));
        break;
    default: {
        size_t k = 0;
        for (size_t i = 0; i < es && k + 3 < n; i++) k += (size_t)snprintf(buf + k, n - k, "%02x", ((const unsigned char *)p)[i]);
    }
    }
    return buf;
}

static void tu_check_cb(void *ctx, char *elem, int64_t lin)
{
    const tu_cmp_t *c = ctx;
    const char *want = c->ref + lin * (int64_t)c->es;
    if (!tu_close(c->t, elem, want, c->es, c->tol)) {
        char b1[96], b2[96];
        CHECK(0, "%s: element %lld is %s, expected %s", c->what, (long long)lin, tu_fmt(c->t, elem, c->es, b1, sizeof b1),
              tu_fmt(c->t, want, c->es, b2, sizeof b2));
    }
}

/* Every rank checks its own block of a against the full reference (after a
   sync, so that all writes are visible). tol: relative, floats only. */
static inline void tu_check_local(da_array_t *a, const void *ref, double tol, const char *what)
{
    da_type_t t;
    size_t es;
    CHECK_DA(da_array_type(a, &t, &es));
    tu_cmp_t c = {ref, es, what, t, tol};
    tu_each_local(a, tu_check_cb, &c);
}

static inline void tu_check(da_array_t *a, const void *ref, double tol, const char *what)
{
    CHECK_DA(da_sync(a));
    tu_check_local(a, ref, tol, what);
}

/* A full reference of n elements of values for seed. */
static inline char *tu_make_ref(da_type_t t, size_t es, int64_t n, uint64_t seed, int64_t range)
{
    char *r = malloc((size_t)n * es + 1);
    for (int64_t i = 0; i < n; i++) tu_value(t, es, seed, i, range, r + i * (int64_t)es);
    return r;
}

/* A new array of type t (or opaque of es bytes) over comm with map m. */
static inline da_array_t *tu_array(MPI_Comm comm, da_type_t t, size_t es, const da_dist_t *m)
{
    da_array_t *a = NULL;
    if (t == DA_OPAQUE) CHECK_DA(da_array_create_opaque(comm, es, m, &a));
    else CHECK_DA(da_array_create(comm, t, m, &a));
    return a;
}

/* The box's elements of a full reference, copied: dst[dbox] = src[sbox]. */
static inline void tu_ref_copy_box(char *dst, const int64_t *dshape, const int64_t *dlo, const char *src,
                                   const int64_t *sshape, const int64_t *slo, const int64_t *ext, int ndim, size_t es)
{
    int64_t n = tu_elems(ndim, ext), k[DA_MAX_NDIM] = {0};
    char *tmp = malloc((size_t)n * es + 1);
    for (int64_t i = 0; i < n; i++) { /* gather first: the boxes may overlap */
        int64_t g[DA_MAX_NDIM];
        for (int d = 0; d < ndim; d++) g[d] = slo[d] + k[d];
        memcpy(tmp + i * (int64_t)es, src + tu_lin(ndim, sshape, g) * (int64_t)es, es);
        for (int d = ndim - 1; d >= 0 && ++k[d] == ext[d]; d--) k[d] = 0;
    }
    for (int64_t i = 0; i < n; i++) {
        int64_t g[DA_MAX_NDIM];
        for (int d = 0; d < ndim; d++) g[d] = dlo[d] + k[d];
        memcpy(dst + tu_lin(ndim, dshape, g) * (int64_t)es, tmp + i * (int64_t)es, es);
        for (int d = ndim - 1; d >= 0 && ++k[d] == ext[d]; d--) k[d] = 0;
    }
    free(tmp);
}

/* An error code expected from a collective call on every rank: `mine` on
   ranks where `bad`, DA_ERR_COLLECTIVE elsewhere. */
#define TU_CHECK_COLL_ERR(call, bad, mine)                                                       \
    do {                                                                                         \
        int tu_rc_ = (call);                                                                     \
        int tu_want_ = (bad) ? (mine) : DA_ERR_COLLECTIVE;                                       \
        CHECK(tu_rc_ == tu_want_, "%s: expected %d (%s), got %d (%s): %s", #call, tu_want_,      \
              da_strerror(tu_want_), tu_rc_, da_strerror(tu_rc_), da_last_error());              \
        CHECK(*da_last_error(), "%s: no detail message", #call);                                 \
    } while (0)

/* Same error on every rank. */
#define TU_CHECK_ERR(call, code)                                                                 \
    do {                                                                                         \
        int tu_rc_ = (call);                                                                     \
        CHECK(tu_rc_ == (code), "%s: expected %d (%s), got %d (%s): %s", #call, (code),           \
              da_strerror(code), tu_rc_, da_strerror(tu_rc_), da_last_error());                  \
        CHECK(*da_last_error(), "%s: no detail message", #call);                                 \
    } while (0)

#endif
