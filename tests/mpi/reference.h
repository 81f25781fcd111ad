/* Reference helpers for the array tests (tests/mpi/test_array_*.c).
 *
 * Every rank keeps a full, plain copy of the distributed array: a dense
 * row-major buffer of the global shape, updated by plain loops with the same
 * operations the test applies to the darray array. Reads through darray are
 * compared element by element against it. Nothing here uses darray's data
 * movement, so a bug there cannot hide in the reference.
 *
 * Also here: building distribution maps of every kind from a seeded RNG
 * (identical on every rank), random boxes with steps and leading dimensions,
 * user buffers surrounded by guard bytes, and checks of da_get and of
 * da_array_local against the reference.
 */
#ifndef DARRAY_TEST_REFERENCE_H
#define DARRAY_TEST_REFERENCE_H

#include <complex.h>
#include <inttypes.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darray.h"
#include "darray/array.h"
#include "harness.h"

/* ------------------------------------------------------------------ */
/* The current test case, printed by every failed check.              */

static char ref_case[1024];

#define REF_CASE(...) snprintf(ref_case, sizeof ref_case, __VA_ARGS__)

/* CHECK with the current case prepended. */
#define CHECKC(cond, ...)                                                                \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "[rank %d] case: %s\n", th_rank(), ref_case);                \
            CHECK(cond, __VA_ARGS__);                                                    \
        }                                                                                \
    } while (0)

/* A darray call must succeed; on failure the case, code and message are shown. */
#define CHECKC_DA(call)                                                                  \
    do {                                                                                 \
        int rc_c_ = (call);                                                              \
        CHECKC(rc_c_ == DA_SUCCESS, "%s returned %d (%s): %s", #call, rc_c_,             \
               da_strerror(rc_c_), da_last_error());                                     \
    } while (0)

/* A darray call must fail with exactly `code`, with non-empty messages. */
#define CHECKC_ERR(code, call)                                                           \
    do {                                                                                 \
        int rc_e_ = (call);                                                              \
        CHECKC(rc_e_ == (code), "%s: expected %d (%s), got %d (%s): %s", #call, (code),  \
               da_strerror(code), rc_e_, da_strerror(rc_e_), da_last_error());           \
        const char *s_e_ = da_strerror(rc_e_);                                           \
        const char *l_e_ = da_last_error();                                              \
        CHECKC(s_e_ && *s_e_, "%s: da_strerror(%d) is empty", #call, rc_e_);             \
        CHECKC(l_e_ && *l_e_, "%s: da_last_error() is empty after error %d", #call,      \
               rc_e_);                                                                   \
    } while (0)

/* ------------------------------------------------------------------ */
/* Element types.                                                     */

static inline size_t ref_type_size(da_type_t t, size_t opaque_size)
{
    switch (t) {
    case DA_INT32: return 4;
    case DA_INT64: return 8;
    case DA_FLOAT: return 4;
    case DA_DOUBLE: return 8;
    case DA_COMPLEX_FLOAT: return 8;
    case DA_COMPLEX_DOUBLE: return 16;
    case DA_OPAQUE: return opaque_size;
    }
    return 0;
}

static inline const char *ref_type_name(da_type_t t)
{
    switch (t) {
    case DA_INT32: return "int32";
    case DA_INT64: return "int64";
    case DA_FLOAT: return "float";
    case DA_DOUBLE: return "double";
    case DA_COMPLEX_FLOAT: return "complex float";
    case DA_COMPLEX_DOUBLE: return "complex double";
    case DA_OPAQUE: return "opaque";
    }
    return "?";
}

static inline const char *ref_op_name(da_op_t op)
{
    switch (op) {
    case DA_OP_SUM: return "SUM";
    case DA_OP_PROD: return "PROD";
    case DA_OP_MIN: return "MIN";
    case DA_OP_MAX: return "MAX";
    case DA_OP_REPLACE: return "REPLACE";
    case DA_OP_BAND: return "BAND";
    case DA_OP_BOR: return "BOR";
    case DA_OP_BXOR: return "BXOR";
    }
    return "?";
}

/* A readable element value. */
static inline const char *ref_fmt(da_type_t t, size_t es, const void *p, char *out, size_t n)
{
    switch (t) {
    case DA_INT32: { int32_t v; memcpy(&v, p, 4); snprintf(out, n, "%" PRId32, v); break; }
    case DA_INT64: { int64_t v; memcpy(&v, p, 8); snprintf(out, n, "%" PRId64, v); break; }
    case DA_FLOAT: { float v; memcpy(&v, p, 4); snprintf(out, n, "%.9g", (double)v); break; }
    case DA_DOUBLE: { double v; memcpy(&v, p, 8); snprintf(out, n, "%.17g", v); break; }
    case DA_COMPLEX_FLOAT: {
        float v[2]; memcpy(v, p, 8);
        snprintf(out, n, "(%.9g%+.9gi)", (double)v[0], (double)v[1]);
        break;
    }
    case DA_COMPLEX_DOUBLE: {
        double v[2]; memcpy(v, p, 16);
        snprintf(out, n, "(%.17g%+.17gi)", v[0], v[1]);
        break;
    }
    default: {
        size_t k = 0;
        const unsigned char *b = p;
        for (size_t i = 0; i < es && k + 3 < n; i++) k += (size_t)snprintf(out + k, n - k, "%02x", b[i]);
        if (es == 0 && n) out[0] = 0;
    }
    }
    return out;
}

/* Equal as values (so +0.0 == -0.0); bytes for integers and opaque. */
static inline int ref_elem_eq(da_type_t t, size_t es, const void *a, const void *b)
{
    switch (t) {
    case DA_FLOAT: { float x, y; memcpy(&x, a, 4); memcpy(&y, b, 4); return x == y; }
    case DA_DOUBLE: { double x, y; memcpy(&x, a, 8); memcpy(&y, b, 8); return x == y; }
    case DA_COMPLEX_FLOAT: {
        float x[2], y[2]; memcpy(x, a, 8); memcpy(y, b, 8);
        return x[0] == y[0] && x[1] == y[1];
    }
    case DA_COMPLEX_DOUBLE: {
        double x[2], y[2]; memcpy(x, a, 16); memcpy(y, b, 16);
        return x[0] == y[0] && x[1] == y[1];
    }
    default: return memcmp(a, b, es) == 0;
    }
}

static inline uint64_t ref_mix(uint64_t a, uint64_t b)
{
    uint64_t z = a ^ (b + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2));
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* A value of type t determined by h: full-range integers, finite floats
 * with a binary fraction (exact in float), random bytes for opaque. */
static inline void ref_gen(da_type_t t, size_t es, uint64_t h, void *out)
{
    switch (t) {
    case DA_INT32: { int32_t v = (int32_t)(uint32_t)h; memcpy(out, &v, 4); break; }
    case DA_INT64: { int64_t v = (int64_t)h; memcpy(out, &v, 8); break; }
    case DA_FLOAT: { float v = (float)((int64_t)(h % 200001) - 100000) / 8.0f; memcpy(out, &v, 4); break; }
    case DA_DOUBLE: { double v = (double)((int64_t)(h % 2000000001) - 1000000000) / 64.0; memcpy(out, &v, 8); break; }
    case DA_COMPLEX_FLOAT: {
        float v[2] = {(float)((int64_t)(h % 20001) - 10000) / 4.0f,
                      (float)((int64_t)((h >> 32) % 20001) - 10000) / 4.0f};
        memcpy(out, v, 8);
        break;
    }
    case DA_COMPLEX_DOUBLE: {
        double v[2] = {(double)((int64_t)(h % 2000001) - 1000000) / 16.0,
                       (double)((int64_t)((h >> 24) % 2000001) - 1000000) / 16.0};
        memcpy(out, v, 16);
        break;
    }
    default: {
        unsigned char *b = out;
        uint64_t s = h;
        for (size_t i = 0; i < es; i++) {
            if (i % 8 == 0) s = ref_mix(s, i);
            b[i] = (unsigned char)(s >> (8 * (i % 8)));
        }
    }
    }
}

/* dst = dst op (alpha * src), as the header defines accumulate. alpha NULL
 * means 1. Integer arithmetic wraps (computed unsigned). */
static inline void ref_acc_elem(da_type_t t, da_op_t op, const void *alpha, void *dst, const void *src)
{
    switch (t) {
    case DA_INT32: {
        int32_t a = 1, s, d;
        if (alpha) memcpy(&a, alpha, 4);
        memcpy(&s, src, 4);
        memcpy(&d, dst, 4);
        int32_t x = (int32_t)((uint32_t)a * (uint32_t)s);
        switch (op) {
        case DA_OP_SUM: d = (int32_t)((uint32_t)d + (uint32_t)x); break;
        case DA_OP_PROD: d = (int32_t)((uint32_t)d * (uint32_t)x); break;
        case DA_OP_MIN: d = x < d ? x : d; break;
        case DA_OP_MAX: d = x > d ? x : d; break;
        case DA_OP_REPLACE: d = x; break;
        case DA_OP_BAND: d &= x; break;
        case DA_OP_BOR: d |= x; break;
        case DA_OP_BXOR: d ^= x; break;
        }
        memcpy(dst, &d, 4);
        break;
    }
    case DA_INT64: {
        int64_t a = 1, s, d;
        if (alpha) memcpy(&a, alpha, 8);
        memcpy(&s, src, 8);
        memcpy(&d, dst, 8);
        int64_t x = (int64_t)((uint64_t)a * (uint64_t)s);
        switch (op) {
        case DA_OP_SUM: d = (int64_t)((uint64_t)d + (uint64_t)x); break;
        case DA_OP_PROD: d = (int64_t)((uint64_t)d * (uint64_t)x); break;
        case DA_OP_MIN: d = x < d ? x : d; break;
        case DA_OP_MAX: d = x > d ? x : d; break;
        case DA_OP_REPLACE: d = x; break;
        case DA_OP_BAND: d &= x; break;
        case DA_OP_BOR: d |= x; break;
        case DA_OP_BXOR: d ^= x; break;
        }
        memcpy(dst, &d, 8);
        break;
    }
    case DA_FLOAT: {
        float a = 1, s, d;
        if (alpha) memcpy(&a, alpha, 4);
        memcpy(&s, src, 4);
        memcpy(&d, dst, 4);
        float x = a * s;
        switch (op) {
        case DA_OP_SUM: d = d + x; break;
        case DA_OP_PROD: d = d * x; break;
        case DA_OP_MIN: d = x < d ? x : d; break;
        case DA_OP_MAX: d = x > d ? x : d; break;
        case DA_OP_REPLACE: d = x; break;
        default: break;
        }
        memcpy(dst, &d, 4);
        break;
    }
    case DA_DOUBLE: {
        double a = 1, s, d;
        if (alpha) memcpy(&a, alpha, 8);
        memcpy(&s, src, 8);
        memcpy(&d, dst, 8);
        double x = a * s;
        switch (op) {
        case DA_OP_SUM: d = d + x; break;
        case DA_OP_PROD: d = d * x; break;
        case DA_OP_MIN: d = x < d ? x : d; break;
        case DA_OP_MAX: d = x > d ? x : d; break;
        case DA_OP_REPLACE: d = x; break;
        default: break;
        }
        memcpy(dst, &d, 8);
        break;
    }
    case DA_COMPLEX_FLOAT: {
        float a[2] = {1, 0}, s[2], d[2];
        if (alpha) memcpy(a, alpha, 8);
        memcpy(s, src, 8);
        memcpy(d, dst, 8);
        /* plain real arithmetic, no complex library calls */
        float x[2] = {a[0] * s[0] - a[1] * s[1], a[0] * s[1] + a[1] * s[0]};
        switch (op) {
        case DA_OP_SUM: d[0] += x[0]; d[1] += x[1]; break;
        case DA_OP_PROD: {
            float r = d[0] * x[0] - d[1] * x[1], i = d[0] * x[1] + d[1] * x[0];
            d[0] = r; d[1] = i;
            break;
        }
        case DA_OP_REPLACE: d[0] = x[0]; d[1] = x[1]; break;
        default: break;
        }
        memcpy(dst, d, 8);
        break;
    }
    case DA_COMPLEX_DOUBLE: {
        double a[2] = {1, 0}, s[2], d[2];
        if (alpha) memcpy(a, alpha, 16);
        memcpy(s, src, 16);
        memcpy(d, dst, 16);
        double x[2] = {a[0] * s[0] - a[1] * s[1], a[0] * s[1] + a[1] * s[0]};
        switch (op) {
        case DA_OP_SUM: d[0] += x[0]; d[1] += x[1]; break;
        case DA_OP_PROD: {
            double r = d[0] * x[0] - d[1] * x[1], i = d[0] * x[1] + d[1] * x[0];
            d[0] = r; d[1] = i;
            break;
        }
        case DA_OP_REPLACE: d[0] = x[0]; d[1] = x[1]; break;
        default: break;
        }
        memcpy(dst, d, 16);
        break;
    }
    default: break;
    }
}

/* ------------------------------------------------------------------ */
/* Distribution maps of every kind.                                   */

/* Storage for the pointer members of da_dim_spec_t while a map is built. */
typedef struct ref_spec_store {
    int64_t starts[64];
    int64_t *pool; /* unstructured: all indices, split into lists */
    const int64_t *lists[64];
    int64_t counts[64];
} ref_spec_store_t;

/* Menu of dimension kinds. */
enum {
    REF_K_BLOCK = 0,
    REF_K_BLOCK_GA,
    REF_K_CYCLIC,
    REF_K_BC1,
    REF_K_BC2,
    REF_K_BC3,
    REF_K_NONE,
    REF_K_IRREG,
    REF_K_UNSTR,
    REF_NKINDS
};

static inline const char *ref_kind_name(int k)
{
    static const char *names[] = {"block", "block_ga", "cyclic", "block_cyclic(1)", "block_cyclic(2)",
                                  "block_cyclic(3)", "none", "irregular", "unstructured"};
    return k >= 0 && k < REF_NKINDS ? names[k] : "?";
}

static inline int ref_kind_forced(int k)
{
    return k == REF_K_IRREG || k == REF_K_UNSTR;
}

static inline void ref_sort(int64_t *a, int n)
{
    for (int c = 1; c < n; c++)
        for (int k = c; k > 0 && a[k] < a[k - 1]; k--) {
            int64_t t = a[k];
            a[k] = a[k - 1];
            a[k - 1] = t;
        }
}

/* Irregular split points for extent n in nparts parts; some parts are
 * empty whenever nparts > 1 (a repeated start, or a start at n). */
static inline da_dim_spec_t ref_make_irregular(th_rng_t *rng, int64_t n, int nparts, ref_spec_store_t *st)
{
    st->starts[0] = 0;
    for (int c = 1; c < nparts; c++) st->starts[c] = th_rng_range(rng, 0, n + 1);
    ref_sort(st->starts + 1, nparts - 1);
    if (nparts > 1) {
        /* force an empty part: part c-1 ends where it starts */
        int c = (int)th_rng_range(rng, 1, nparts);
        if (th_rng_range(rng, 0, 2)) st->starts[c] = st->starts[c - 1];
        else st->starts[nparts - 1] = n; /* last part empty */
        ref_sort(st->starts + 1, nparts - 1);
    }
    return DA_DIM_IRREGULAR(nparts, st->starts);
}

/* Random partition of [0, n) into nparts shuffled index lists (some may be empty). */
static inline da_dim_spec_t ref_make_unstructured(th_rng_t *rng, int64_t n, int nparts, ref_spec_store_t *st)
{
    st->pool = malloc(sizeof *st->pool * (size_t)n);
    CHECK(st->pool, "out of memory");
    for (int64_t i = 0; i < n; i++) st->pool[i] = i;
    th_rng_shuffle(rng, st->pool, n);
    int64_t cut[65];
    cut[0] = 0;
    cut[nparts] = n;
    for (int c = 1; c < nparts; c++) cut[c] = th_rng_range(rng, 0, n + 1);
    ref_sort(cut + 1, nparts - 1);
    for (int c = 0; c < nparts; c++) {
        st->lists[c] = st->pool + cut[c];
        st->counts[c] = cut[c + 1] - cut[c];
    }
    return DA_DIM_UNSTRUCTURED(nparts, st->lists, st->counts);
}

/* A map under test: its description and the darray map. */
typedef struct ref_map {
    int ndim;
    int64_t shape[DA_MAX_NDIM];
    int kinds[DA_MAX_NDIM];
    int nparts[DA_MAX_NDIM];
    int grid[DA_MAX_NDIM];
    int has_grid;
    da_dist_t *d;
    char desc[400];
} ref_map_t;

static inline int ref_random_divisor(th_rng_t *rng, int x)
{
    int divs[64], nd = 0;
    for (int f = 1; f <= x && nd < 64; f++)
        if (x % f == 0) divs[nd++] = f;
    return divs[th_rng_range(rng, 0, nd)];
}

/* Build a map of `shape` over nranks with menu kinds; irregular and
 * unstructured dimensions get the part counts in nparts (NULL or 0: random
 * ones whose product divides nranks). If the kinds cannot make a grid of
 * nranks (all dimensions forced), the last forced or NONE dimension is
 * adjusted. grid may be NULL (chosen by darray). */
static inline void ref_map_build_parts(ref_map_t *m, th_rng_t *rng, int ndim, const int64_t *shape,
                                       const int *kinds, const int *grid, const int *nparts, int nranks)
{
    memset(m, 0, sizeof *m);
    m->ndim = ndim;
    int free_dims = 0;
    for (int i = 0; i < ndim; i++) {
        m->shape[i] = shape[i];
        m->kinds[i] = kinds[i];
        if (!ref_kind_forced(kinds[i]) && kinds[i] != REF_K_NONE && !(grid && grid[i] > 0)) free_dims++;
    }
    int left = nranks;
    if (grid) {
        m->has_grid = 1;
        for (int i = 0; i < ndim; i++) {
            m->grid[i] = grid[i];
            if (grid[i] > 0 && !ref_kind_forced(kinds[i]) && kinds[i] != REF_K_NONE) left /= grid[i];
        }
    }
    int last_forced = -1;
    for (int i = 0; i < ndim; i++)
        if (ref_kind_forced(kinds[i])) last_forced = i;
    if (!free_dims && last_forced < 0 && left != 1) {
        /* all NONE (or fixed): make the last dimension a block one */
        m->kinds[ndim - 1] = REF_K_BLOCK;
        if (m->has_grid) m->grid[ndim - 1] = left;
    }
    for (int i = 0; i < ndim; i++) {
        if (!ref_kind_forced(m->kinds[i])) continue;
        int np = nparts && nparts[i] > 0 ? nparts[i]
               : (i == last_forced && !free_dims) ? left : ref_random_divisor(rng, left);
        m->nparts[i] = np;
        left /= np;
        if (m->has_grid) m->grid[i] = np;
    }
    if (m->has_grid)
        for (int i = 0; i < ndim; i++)
            if (m->kinds[i] == REF_K_NONE) m->grid[i] = 1;

    ref_spec_store_t *st = calloc(DA_MAX_NDIM, sizeof *st);
    da_dim_spec_t dims[DA_MAX_NDIM];
    CHECK(st, "out of memory");
    for (int i = 0; i < ndim; i++) {
        switch (m->kinds[i]) {
        case REF_K_BLOCK: dims[i] = DA_DIM_BLOCK; break;
        case REF_K_BLOCK_GA: dims[i] = DA_DIM_BLOCK_GA; break;
        case REF_K_CYCLIC: dims[i] = DA_DIM_CYCLIC; break;
        case REF_K_BC1: dims[i] = DA_DIM_BLOCK_CYCLIC(1); break;
        case REF_K_BC2: dims[i] = DA_DIM_BLOCK_CYCLIC(2); break;
        case REF_K_BC3: dims[i] = DA_DIM_BLOCK_CYCLIC(3); break;
        case REF_K_NONE: dims[i] = DA_DIM_NONE; break;
        case REF_K_IRREG: dims[i] = ref_make_irregular(rng, shape[i], m->nparts[i], &st[i]); break;
        default: dims[i] = ref_make_unstructured(rng, shape[i], m->nparts[i], &st[i]); break;
        }
    }
    int n = snprintf(m->desc, sizeof m->desc, "shape (");
    for (int i = 0; i < ndim; i++)
        n += snprintf(m->desc + n, sizeof m->desc - (size_t)n, "%s%lld", i ? "," : "", (long long)shape[i]);
    n += snprintf(m->desc + n, sizeof m->desc - (size_t)n, ") kinds (");
    for (int i = 0; i < ndim; i++) {
        n += snprintf(m->desc + n, sizeof m->desc - (size_t)n, "%s%s", i ? "," : "", ref_kind_name(m->kinds[i]));
        if (m->kinds[i] == REF_K_IRREG) {
            n += snprintf(m->desc + n, sizeof m->desc - (size_t)n, "[starts");
            for (int c = 0; c < m->nparts[i]; c++)
                n += snprintf(m->desc + n, sizeof m->desc - (size_t)n, " %lld", (long long)st[i].starts[c]);
            n += snprintf(m->desc + n, sizeof m->desc - (size_t)n, "]");
        } else if (m->kinds[i] == REF_K_UNSTR) {
            n += snprintf(m->desc + n, sizeof m->desc - (size_t)n, "[%d parts]", m->nparts[i]);
        }
    }
    n += snprintf(m->desc + n, sizeof m->desc - (size_t)n, ")");
    if (m->has_grid) {
        n += snprintf(m->desc + n, sizeof m->desc - (size_t)n, " grid (");
        for (int i = 0; i < ndim; i++)
            n += snprintf(m->desc + n, sizeof m->desc - (size_t)n, "%s%d", i ? "," : "", m->grid[i]);
        n += snprintf(m->desc + n, sizeof m->desc - (size_t)n, ")");
    }
    snprintf(m->desc + n, sizeof m->desc - (size_t)n, " on %d ranks", nranks);

    int rc = da_dist_create(ndim, shape, dims, m->has_grid ? m->grid : NULL, nranks, &m->d);
    CHECK(rc == DA_SUCCESS, "da_dist_create for %s returned %d (%s): %s", m->desc, rc, da_strerror(rc),
          da_last_error());
    for (int i = 0; i < ndim; i++) free(st[i].pool);
    free(st);
}

static inline void ref_map_build(ref_map_t *m, th_rng_t *rng, int ndim, const int64_t *shape, const int *kinds,
                                 const int *grid, int nranks)
{
    ref_map_build_parts(m, rng, ndim, shape, kinds, grid, NULL, nranks);
}

static inline void ref_map_free(ref_map_t *m)
{
    if (m->d) da_dist_destroy(&m->d);
}

/* ------------------------------------------------------------------ */
/* The reference array.                                               */

typedef struct ref_array {
    int ndim;
    int64_t shape[DA_MAX_NDIM];
    int64_t gstride[DA_MAX_NDIM]; /* row-major strides in elements */
    int64_t total;
    da_type_t type;
    size_t es;
    unsigned char *d;
} ref_array_t;

static inline void ref_init(ref_array_t *r, int ndim, const int64_t *shape, da_type_t type, size_t es)
{
    r->ndim = ndim;
    r->type = type;
    r->es = es;
    r->total = 1;
    for (int i = ndim - 1; i >= 0; i--) {
        r->shape[i] = shape[i];
        r->gstride[i] = r->total;
        r->total *= shape[i];
    }
    r->d = calloc((size_t)r->total, es); /* darray arrays start zero-filled */
    CHECK(r->d, "out of memory");
}

static inline void ref_free(ref_array_t *r)
{
    free(r->d);
    r->d = NULL;
}

static inline unsigned char *ref_at(const ref_array_t *r, const int64_t *gidx)
{
    int64_t off = 0;
    for (int i = 0; i < r->ndim; i++) off += gidx[i] * r->gstride[i];
    return r->d + (size_t)off * r->es;
}

/* ------------------------------------------------------------------ */
/* Boxes and user buffers.                                            */

typedef struct ref_box {
    int ndim;
    int64_t lo[DA_MAX_NDIM], hi[DA_MAX_NDIM], step[DA_MAX_NDIM];
    int use_step;                   /* pass step (else NULL: all 1) */
    int use_ld;                     /* pass ld (else NULL: dense) */
    int64_t ld[DA_MAX_NDIM];        /* ld[0..ndim-2] */
    int64_t cnt[DA_MAX_NDIM];       /* positions per dimension */
    int64_t n;                      /* elements in the box */
    int64_t bstride[DA_MAX_NDIM];   /* buffer strides in elements */
    int64_t span;                   /* buffer elements from first to last box element, 0 if empty */
} ref_box_t;

/* Fill in the derived fields after lo/hi/step/ld are set. */
static inline void ref_box_finish(ref_box_t *b)
{
    b->n = 1;
    for (int i = 0; i < b->ndim; i++) {
        int64_t s = b->use_step ? b->step[i] : 1;
        if (!b->use_step) b->step[i] = 1;
        b->cnt[i] = b->hi[i] > b->lo[i] ? (b->hi[i] - b->lo[i] + s - 1) / s : 0;
        b->n *= b->cnt[i];
    }
    b->bstride[b->ndim - 1] = 1;
    for (int i = b->ndim - 2; i >= 0; i--)
        b->bstride[i] = b->bstride[i + 1] * (b->use_ld ? b->ld[i] : b->cnt[i + 1]);
    b->span = 0;
    if (b->n > 0) {
        b->span = 1;
        for (int i = 0; i < b->ndim; i++) b->span += (b->cnt[i] - 1) * b->bstride[i];
    }
}

static inline const char *ref_box_str(const ref_box_t *b)
{
    static char s[400];
    int n = snprintf(s, sizeof s, "box lo (");
    for (int i = 0; i < b->ndim; i++) n += snprintf(s + n, sizeof s - (size_t)n, "%s%lld", i ? "," : "", (long long)b->lo[i]);
    n += snprintf(s + n, sizeof s - (size_t)n, ") hi (");
    for (int i = 0; i < b->ndim; i++) n += snprintf(s + n, sizeof s - (size_t)n, "%s%lld", i ? "," : "", (long long)b->hi[i]);
    n += snprintf(s + n, sizeof s - (size_t)n, ")");
    if (b->use_step) {
        n += snprintf(s + n, sizeof s - (size_t)n, " step (");
        for (int i = 0; i < b->ndim; i++)
            n += snprintf(s + n, sizeof s - (size_t)n, "%s%lld", i ? "," : "", (long long)b->step[i]);
        n += snprintf(s + n, sizeof s - (size_t)n, ")");
    }
    if (b->use_ld && b->ndim > 1) {
        n += snprintf(s + n, sizeof s - (size_t)n, " ld (");
        for (int i = 0; i < b->ndim - 1; i++)
            n += snprintf(s + n, sizeof s - (size_t)n, "%s%lld", i ? "," : "", (long long)b->ld[i]);
        n += snprintf(s + n, sizeof s - (size_t)n, ")");
    }
    return s;
}

/* The whole array, dense buffer. */
static inline ref_box_t ref_box_whole(int ndim, const int64_t *shape)
{
    ref_box_t b;
    memset(&b, 0, sizeof b);
    b.ndim = ndim;
    for (int i = 0; i < ndim; i++) {
        b.lo[i] = 0;
        b.hi[i] = shape[i];
    }
    ref_box_finish(&b);
    return b;
}

/* A random box: per dimension the whole extent, one element, an empty
 * range (hi == lo, possibly at the extent), or a random range; steps
 * 1, 2, 3 or beyond the extent; ld NULL, exact, or larger than the box. */
static inline ref_box_t ref_box_random(th_rng_t *rng, int ndim, const int64_t *shape, int allow_empty)
{
    ref_box_t b;
    memset(&b, 0, sizeof b);
    b.ndim = ndim;
    b.use_step = th_rng_range(rng, 0, 3) == 0;
    b.use_ld = th_rng_range(rng, 0, 2) == 0;
    int empty_dim = allow_empty && th_rng_range(rng, 0, 8) == 0 ? (int)th_rng_range(rng, 0, ndim) : -1;
    for (int i = 0; i < ndim; i++) {
        const int64_t n = shape[i];
        int64_t lo, hi;
        int form = (int)th_rng_range(rng, 0, 6);
        if (i == empty_dim) {
            lo = th_rng_range(rng, 0, n + 1);
            hi = lo;
        } else if (form == 0) {
            lo = 0;
            hi = n;
        } else if (form == 1) {
            lo = th_rng_range(rng, 0, n);
            hi = lo + 1;
        } else {
            lo = th_rng_range(rng, 0, n);
            hi = th_rng_range(rng, lo + 1, n + 1);
        }
        b.lo[i] = lo;
        b.hi[i] = hi;
        int sf = (int)th_rng_range(rng, 0, 5);
        b.step[i] = sf == 3 ? 3 : sf == 4 ? n + 1 + th_rng_range(rng, 0, 3) : sf + 1;
    }
    ref_box_finish(&b); /* counts with steps */
    if (b.use_ld)
        for (int i = 0; i < ndim - 1; i++) b.ld[i] = b.cnt[i + 1] + (th_rng_range(rng, 0, 2) ? th_rng_range(rng, 1, 4) : 0);
    ref_box_finish(&b);
    return b;
}

/* Visit every box element in row-major position order: global index and
 * buffer offset (elements). */
#define REF_BOX_FOREACH(b, gidx, boff, body)                                             \
    do {                                                                                 \
        if ((b)->n > 0) {                                                                \
            int64_t k_[DA_MAX_NDIM] = {0};                                               \
            for (;;) {                                                                   \
                int64_t gidx[DA_MAX_NDIM];                                               \
                int64_t boff = 0;                                                        \
                for (int i_ = 0; i_ < (b)->ndim; i_++) {                                 \
                    gidx[i_] = (b)->lo[i_] + k_[i_] * (b)->step[i_];                     \
                    boff += k_[i_] * (b)->bstride[i_];                                   \
                }                                                                        \
                body;                                                                    \
                int d_ = (b)->ndim - 1;                                                  \
                while (d_ >= 0 && ++k_[d_] == (b)->cnt[d_]) k_[d_--] = 0;                \
                if (d_ < 0) break;                                                       \
            }                                                                            \
        }                                                                                \
    } while (0)

/* A user buffer for a box with REF_GUARD guard elements before and after
 * and guard bytes in the gaps between rows (ld larger than the box). */
enum { REF_GUARD = 3 };

typedef struct ref_gbuf {
    unsigned char *mem;  /* allocation */
    unsigned char *base; /* what is passed to darray */
    size_t es;
    int64_t len;         /* elements in mem */
    unsigned char *inbox;/* per element of mem: 1 if a box element */
} ref_gbuf_t;

static inline unsigned char ref_guard_byte(int64_t j)
{
    return (unsigned char)(0xA5 ^ (j * 29));
}

static inline void ref_gbuf_alloc(ref_gbuf_t *g, const ref_box_t *b, size_t es)
{
    g->es = es;
    g->len = b->span + 2 * REF_GUARD;
    g->mem = malloc((size_t)g->len * es);
    g->inbox = calloc((size_t)g->len, 1);
    CHECK(g->mem && g->inbox, "out of memory");
    for (int64_t j = 0; j < g->len * (int64_t)es; j++) g->mem[j] = ref_guard_byte(j);
    g->base = g->mem + REF_GUARD * es;
    REF_BOX_FOREACH(b, gi, off, { (void)gi; g->inbox[REF_GUARD + off] = 1; });
}

static inline void ref_gbuf_free(ref_gbuf_t *g)
{
    free(g->mem);
    free(g->inbox);
    g->mem = g->base = g->inbox = NULL;
}

/* Every byte outside the box elements still holds its guard value. */
static inline void ref_gbuf_check_guards(const ref_gbuf_t *g, const char *op, const ref_box_t *b)
{
    for (int64_t e = 0; e < g->len; e++) {
        if (g->inbox[e]) continue;
        for (size_t k = 0; k < g->es; k++) {
            int64_t j = e * (int64_t)g->es + (int64_t)k;
            CHECKC(g->mem[j] == ref_guard_byte(j),
                   "%s %s: buffer byte %lld (element %lld relative to buf, not part of the box) changed: "
                   "expected guard 0x%02x, got 0x%02x",
                   op, ref_box_str(b), (long long)(j - REF_GUARD * (int64_t)g->es), (long long)(e - REF_GUARD),
                   ref_guard_byte(j), g->mem[j]);
        }
    }
}

static inline const int64_t *ref_box_step(const ref_box_t *b)
{
    return b->use_step ? b->step : NULL;
}

static inline const int64_t *ref_box_ld(const ref_box_t *b)
{
    return b->use_ld ? b->ld : NULL;
}

static inline const char *ref_idx_str(int ndim, const int64_t *g, char *s, size_t size)
{
    int n = snprintf(s, size, "(");
    for (int i = 0; i < ndim; i++) n += snprintf(s + n, size - (size_t)n, "%s%lld", i ? "," : "", (long long)g[i]);
    snprintf(s + n, size - (size_t)n, ")");
    return s;
}

/* da_get of box b into a guarded buffer; every element must equal the
 * reference, every guard byte must be untouched. `who` names the check. */
static inline void ref_check_get(da_array_t *a, const ref_array_t *r, const ref_box_t *b, const char *who)
{
    ref_gbuf_t g;
    ref_gbuf_alloc(&g, b, r->es);
    int rc = da_get(a, b->lo, b->hi, ref_box_step(b), g.base, ref_box_ld(b));
    CHECKC(rc == DA_SUCCESS, "%s: da_get %s returned %d (%s): %s", who, ref_box_str(b), rc, da_strerror(rc),
           da_last_error());
    char e1[80], e2[80], i1[200];
    REF_BOX_FOREACH(b, gi, off, {
        const unsigned char *want = ref_at(r, gi);
        const unsigned char *got = g.base + (size_t)off * r->es;
        CHECKC(ref_elem_eq(r->type, r->es, want, got), "%s: da_get %s: element at global index %s: expected %s, got %s",
               who, ref_box_str(b), ref_idx_str(r->ndim, gi, i1, sizeof i1), ref_fmt(r->type, r->es, want, e1, sizeof e1),
               ref_fmt(r->type, r->es, got, e2, sizeof e2));
    });
    ref_gbuf_check_guards(&g, "da_get", b);
    ref_gbuf_free(&g);
}

/* The rank's own block, read through da_array_local, against the reference
 * at the global indices the map gives this rank's local indices. */
static inline void ref_check_local(da_array_t *a, const ref_array_t *r, int me, const char *who)
{
    da_dist_t *d = NULL;
    CHECKC_DA(da_array_dist(a, &d));
    void *ptr = NULL;
    int64_t lshape[DA_MAX_NDIM], lstride[DA_MAX_NDIM], mshape[DA_MAX_NDIM], elems = 0;
    CHECKC_DA(da_array_local(a, &ptr, lshape, lstride));
    CHECKC_DA(da_dist_local_shape(d, me, mshape, &elems));
    for (int i = 0; i < r->ndim; i++)
        CHECKC(lshape[i] == mshape[i], "%s: da_array_local shape[%d] = %lld, map says %lld", who, i,
               (long long)lshape[i], (long long)mshape[i]);
    CHECKC(lstride[r->ndim - 1] == 1 || elems == 0, "%s: da_array_local lstride[last] = %lld", who,
           (long long)lstride[r->ndim - 1]);
    if (elems == 0) {
        CHECKC(ptr == NULL, "%s: empty local block but da_array_local pointer %p", who, ptr);
    } else {
        CHECKC(ptr != NULL, "%s: %lld local elements but da_array_local pointer NULL", who, (long long)elems);
        /* row-major strides */
        int64_t s = 1;
        for (int i = r->ndim - 1; i >= 0; i--) {
            CHECKC(lstride[i] >= s, "%s: lstride[%d] = %lld below %lld", who, i, (long long)lstride[i], (long long)s);
            s = lstride[i] * lshape[i];
        }
        int64_t l[DA_MAX_NDIM] = {0}, gi[DA_MAX_NDIM];
        char e1[80], e2[80], i1[200], i2[200];
        for (;;) {
            int64_t off = 0;
            for (int i = 0; i < r->ndim; i++) off += l[i] * lstride[i];
            CHECKC_DA(da_dist_local_to_global(d, me, l, gi));
            const unsigned char *want = ref_at(r, gi);
            const unsigned char *got = (const unsigned char *)ptr + (size_t)off * r->es;
            CHECKC(ref_elem_eq(r->type, r->es, want, got),
                   "%s: local block of rank %d, local index %s (global %s): expected %s, got %s", who, me,
                   ref_idx_str(r->ndim, l, i1, sizeof i1), ref_idx_str(r->ndim, gi, i2, sizeof i2), ref_fmt(r->type, r->es, want, e1, sizeof e1),
                   ref_fmt(r->type, r->es, got, e2, sizeof e2));
            int dd = r->ndim - 1;
            while (dd >= 0 && ++l[dd] == lshape[dd]) l[dd--] = 0;
            if (dd < 0) break;
        }
    }
    CHECKC_DA(da_dist_destroy(&d));
}

#endif
