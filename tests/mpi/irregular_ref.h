/* Reference helpers for the irregular-access tests (test_gather.c,
 * test_select.c): distribution maps of every kind built from a seeded RNG
 * (identical on every rank), the owner of every element, element values and
 * a plain-loop accumulate, and a dense reference copy of the array.
 *
 * Nothing here moves data through darray, so a bug in the point-list engine
 * cannot hide in the reference. Only the map (layer 1, tested on its own in
 * tests/unit) is asked who owns an element.
 */
#ifndef DARRAY_TEST_IRREGULAR_REF_H
#define DARRAY_TEST_IRREGULAR_REF_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darray.h"
#include "harness.h"

/* ---- failure context -------------------------------------------------- */

/* What the test is doing now; printed with every failed check. */
static char ir_ctx[1024];
#define IR_CTX(...) snprintf(ir_ctx, sizeof ir_ctx, __VA_ARGS__)

#define ICHECK(cond, ...)                                                               \
    do {                                                                                \
        if (!(cond)) {                                                                  \
            fprintf(stderr, "[rank %d] context: %s\n", th_rank(), ir_ctx);              \
            CHECK(cond, __VA_ARGS__);                                                   \
        }                                                                               \
    } while (0)

#define ICHECK_DA(call)                                                                 \
    do {                                                                                \
        int ir_rc_ = (call);                                                            \
        ICHECK(ir_rc_ == DA_SUCCESS, "%s returned %d (%s): %s", #call, ir_rc_,          \
               da_strerror(ir_rc_), da_last_error());                                   \
    } while (0)

/* The call must fail with exactly `code` and leave a detailed message. */
#define ICHECK_ERR(code, call)                                                          \
    do {                                                                                \
        int ir_rc_ = (call);                                                            \
        ICHECK(ir_rc_ == (code), "%s: expected %d (%s), got %d (%s): %s", #call,        \
               (int)(code), da_strerror(code), ir_rc_, da_strerror(ir_rc_),             \
               da_last_error());                                                        \
        const char *ir_m_ = da_last_error();                                            \
        ICHECK(ir_m_ && *ir_m_, "%s: no detailed message after error %d", #call, ir_rc_); \
    } while (0)

static inline uint64_t ir_mix(uint64_t a, uint64_t b)
{
    uint64_t z = a ^ (b + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2));
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* An RNG for one purpose: the same (seed, a, b, c) on every rank gives the
   same stream, so each rank can replay what any other rank did. */
static inline th_rng_t ir_rng(uint64_t seed, uint64_t a, uint64_t b, uint64_t c)
{
    return th_rng_seed(ir_mix(ir_mix(ir_mix(seed, a), b), c));
}

/* ---- distribution maps -------------------------------------------------- */

enum { IR_BLOCK, IR_BLOCK_GA, IR_CYCLIC, IR_BC1, IR_BC2, IR_BC3, IR_IRREG, IR_NONE, IR_UNSTR, IR_NKINDS };

static const char *const ir_kind_names[IR_NKINDS] = {
    "block", "block_ga", "cyclic", "block_cyclic(1)", "block_cyclic(2)", "block_cyclic(3)",
    "irregular", "none", "unstructured"};

enum { IR_MAXD = 3 };

typedef struct ir_map {
    int ndim, nranks;
    int64_t shape[IR_MAXD], gstride[IR_MAXD], total;
    int kinds[IR_MAXD], grid[IR_MAXD];
    da_dist_t *d;
    int32_t *owner;    /* owner rank of every flat index */
    int64_t *nowned;   /* elements per rank */
    char desc[400];
} ir_map_t;

static inline void ir_sort64(int64_t *a, int64_t n)
{
    for (int64_t c = 1; c < n; c++)
        for (int64_t k = c; k > 0 && a[k] < a[k - 1]; k--) {
            int64_t t = a[k];
            a[k] = a[k - 1];
            a[k - 1] = t;
        }
}

static inline void ir_flat_to_idx(const ir_map_t *m, int64_t f, int64_t *g)
{
    for (int k = m->ndim - 1; k >= 0; k--) {
        g[k] = f % m->shape[k];
        f /= m->shape[k];
    }
}

static inline int64_t ir_idx_to_flat(const ir_map_t *m, const int64_t *g)
{
    int64_t f = 0;
    for (int k = 0; k < m->ndim; k++) f += g[k] * m->gstride[k];
    return f;
}

/* A map of `shape` with the given kinds over nranks. The grid is grid_in
 * if given, else the rank count's prime factors on random non-NONE
 * dimensions (all-NONE maps get a block last dimension when nranks > 1);
 * irregular dimensions get
 * random split points with at least one empty part, unstructured ones a
 * random partition (parts may be empty). */
static inline void ir_map_build(ir_map_t *m, th_rng_t *rng, int ndim, const int64_t *shape, const int *kinds,
                                const int *grid_in, int nranks)
{
    memset(m, 0, sizeof *m);
    m->ndim = ndim;
    m->nranks = nranks;
    m->total = 1;
    int ncand = 0, cand[IR_MAXD];
    for (int i = ndim - 1; i >= 0; i--) {
        m->shape[i] = shape[i];
        m->gstride[i] = m->total;
        m->total *= shape[i];
    }
    for (int i = 0; i < ndim; i++) {
        m->kinds[i] = kinds[i];
        m->grid[i] = 1;
        if (kinds[i] != IR_NONE) cand[ncand++] = i;
    }
    if (!ncand && nranks > 1) {
        m->kinds[ndim - 1] = IR_BLOCK;
        cand[ncand++] = ndim - 1;
    }
    for (int p = grid_in ? 1 : nranks, f = 2; p > 1;) {
        if (p % f == 0) {
            m->grid[cand[th_rng_range(rng, 0, ncand)]] *= f;
            p /= f;
        } else {
            f++;
        }
    }
    for (int i = 0; grid_in && i < ndim; i++) m->grid[i] = grid_in[i];
    da_dim_spec_t dims[IR_MAXD];
    int64_t starts[IR_MAXD][64];
    int64_t *pool[IR_MAXD] = {0};
    const int64_t *lists[IR_MAXD][64];
    int64_t counts[IR_MAXD][64];
    int n = snprintf(m->desc, sizeof m->desc, "shape (");
    for (int i = 0; i < ndim; i++)
        n += snprintf(m->desc + n, sizeof m->desc - (size_t)n, "%s%" PRId64, i ? "," : "", shape[i]);
    n += snprintf(m->desc + n, sizeof m->desc - (size_t)n, ") grid (");
    for (int i = 0; i < ndim; i++) n += snprintf(m->desc + n, sizeof m->desc - (size_t)n, "%s%d", i ? "," : "", m->grid[i]);
    n += snprintf(m->desc + n, sizeof m->desc - (size_t)n, ") kinds (");
    for (int i = 0; i < ndim; i++) {
        int64_t ext = shape[i];
        int np = m->grid[i];
        n += snprintf(m->desc + n, sizeof m->desc - (size_t)n, "%s%s", i ? "," : "", ir_kind_names[m->kinds[i]]);
        switch (m->kinds[i]) {
        case IR_BLOCK: dims[i] = DA_DIM_BLOCK; break;
        case IR_BLOCK_GA: dims[i] = DA_DIM_BLOCK_GA; break;
        case IR_CYCLIC: dims[i] = DA_DIM_CYCLIC; break;
        case IR_BC1: dims[i] = DA_DIM_BLOCK_CYCLIC(1); break;
        case IR_BC2: dims[i] = DA_DIM_BLOCK_CYCLIC(2); break;
        case IR_BC3: dims[i] = DA_DIM_BLOCK_CYCLIC(3); break;
        case IR_NONE: dims[i] = DA_DIM_NONE; break;
        case IR_IRREG: {
            starts[i][0] = 0;
            for (int c = 1; c < np; c++) starts[i][c] = th_rng_range(rng, 0, ext + 1);
            ir_sort64(starts[i] + 1, np - 1);
            if (np > 1) { /* at least one empty part */
                int c = (int)th_rng_range(rng, 1, np);
                if (th_rng_range(rng, 0, 2)) starts[i][c] = starts[i][c - 1];
                else starts[i][np - 1] = ext;
            }
            dims[i] = DA_DIM_IRREGULAR(np, starts[i]);
            n += snprintf(m->desc + n, sizeof m->desc - (size_t)n, "[");
            for (int c = 0; c < np; c++)
                n += snprintf(m->desc + n, sizeof m->desc - (size_t)n, "%s%" PRId64, c ? " " : "", starts[i][c]);
            n += snprintf(m->desc + n, sizeof m->desc - (size_t)n, "]");
            break;
        }
        default: {
            pool[i] = malloc(sizeof *pool[i] * (size_t)ext);
            CHECK(pool[i], "out of memory");
            for (int64_t j = 0; j < ext; j++) pool[i][j] = j;
            th_rng_shuffle(rng, pool[i], ext);
            int64_t cut[65];
            cut[0] = 0;
            cut[np] = ext;
            for (int c = 1; c < np; c++) cut[c] = th_rng_range(rng, 0, ext + 1);
            ir_sort64(cut + 1, np - 1);
            for (int c = 0; c < np; c++) {
                lists[i][c] = pool[i] + cut[c];
                counts[i][c] = cut[c + 1] - cut[c];
            }
            dims[i] = DA_DIM_UNSTRUCTURED(np, lists[i], counts[i]);
            n += snprintf(m->desc + n, sizeof m->desc - (size_t)n, "[counts");
            for (int c = 0; c < np; c++)
                n += snprintf(m->desc + n, sizeof m->desc - (size_t)n, " %" PRId64, counts[i][c]);
            n += snprintf(m->desc + n, sizeof m->desc - (size_t)n, "]");
        }
        }
    }
    snprintf(m->desc + n, sizeof m->desc - (size_t)n, ") on %d ranks", nranks);
    int rc = da_dist_create(ndim, shape, dims, m->grid, nranks, &m->d);
    CHECK(rc == DA_SUCCESS, "da_dist_create %s: %d (%s): %s", m->desc, rc, da_strerror(rc), da_last_error());
    for (int i = 0; i < ndim; i++) free(pool[i]);
    m->owner = malloc(sizeof *m->owner * (size_t)m->total);
    m->nowned = calloc((size_t)nranks, sizeof *m->nowned);
    CHECK(m->owner && m->nowned, "out of memory");
    for (int64_t f = 0; f < m->total; f++) {
        int64_t g[IR_MAXD];
        int r = -1;
        ir_flat_to_idx(m, f, g);
        rc = da_dist_owner(m->d, g, &r, NULL, NULL);
        CHECK(rc == DA_SUCCESS && r >= 0 && r < nranks, "da_dist_owner %s flat %" PRId64 ": %d", m->desc, f, rc);
        m->owner[f] = r;
        m->nowned[r]++;
    }
}

static inline void ir_map_free(ir_map_t *m)
{
    da_dist_destroy(&m->d);
    free(m->owner);
    free(m->nowned);
    m->owner = NULL;
    m->nowned = NULL;
}

/* ---- element values ------------------------------------------------------ */

static inline size_t ir_type_size(da_type_t t)
{
    static const size_t sz[] = {4, 8, 4, 8, 8, 16, 0};
    return sz[t];
}

static inline const char *ir_type_name(da_type_t t)
{
    static const char *const nm[] = {"int32", "int64", "float", "double", "complex float", "complex double", "opaque"};
    return nm[t];
}

static inline const char *ir_op_name(da_op_t op)
{
    static const char *const nm[] = {"SUM", "PROD", "MIN", "MAX", "REPLACE", "BAND", "BOR", "BXOR"};
    return (int)op >= 0 && op <= DA_OP_BXOR ? nm[op] : "?";
}

/* A value determined by h. Floating values are integers (small when
   `small`, so sums and products of a few hundred stay exact); integers are
   full range unless small. Opaque: random bytes. */
static inline void ir_value(da_type_t t, size_t es, uint64_t h, int small, void *out)
{
    int64_t s = small ? (int64_t)(h % 201) - 100 : 0;
    switch (t) {
    case DA_INT32: { int32_t v = small ? (int32_t)s : (int32_t)(uint32_t)h; memcpy(out, &v, 4); break; }
    case DA_INT64: { int64_t v = small ? s : (int64_t)h; memcpy(out, &v, 8); break; }
    case DA_FLOAT: { float v = small ? (float)s : (float)((int64_t)(h % 2000001) - 1000000); memcpy(out, &v, 4); break; }
    case DA_DOUBLE: { double v = small ? (double)s : (double)((int64_t)(h % 2000000001) - 1000000000); memcpy(out, &v, 8); break; }
    case DA_COMPLEX_FLOAT: {
        float v[2] = {(float)((int64_t)(h % 201) - 100), (float)((int64_t)((h >> 20) % 201) - 100)};
        memcpy(out, v, 8);
        break;
    }
    case DA_COMPLEX_DOUBLE: {
        double v[2] = {(double)((int64_t)(h % 20001) - 10000), (double)((int64_t)((h >> 24) % 20001) - 10000)};
        if (small) v[0] = (double)s, v[1] = (double)((int64_t)((h >> 24) % 201) - 100);
        memcpy(out, v, 16);
        break;
    }
    default: {
        unsigned char *b = out;
        uint64_t x = h;
        for (size_t i = 0; i < es; i++) {
            if (i % 8 == 0) x = ir_mix(x, i);
            b[i] = (unsigned char)(x >> (8 * (i % 8)));
        }
    }
    }
}

/* Equal as values (so +0.0 == -0.0, which MAX may pick either of). */
static inline int ir_eq(da_type_t t, size_t es, const void *a, const void *b)
{
    switch (t) {
    case DA_FLOAT: { float x, y; memcpy(&x, a, 4); memcpy(&y, b, 4); return x == y; }
    case DA_DOUBLE: { double x, y; memcpy(&x, a, 8); memcpy(&y, b, 8); return x == y; }
    case DA_COMPLEX_FLOAT: { float x[2], y[2]; memcpy(x, a, 8); memcpy(y, b, 8); return x[0] == y[0] && x[1] == y[1]; }
    case DA_COMPLEX_DOUBLE: { double x[2], y[2]; memcpy(x, a, 16); memcpy(y, b, 16); return x[0] == y[0] && x[1] == y[1]; }
    default: return memcmp(a, b, es) == 0;
    }
}

static inline const char *ir_fmt(da_type_t t, size_t es, const void *p, char *out, size_t n)
{
    switch (t) {
    case DA_INT32: { int32_t v; memcpy(&v, p, 4); snprintf(out, n, "%" PRId32, v); break; }
    case DA_INT64: { int64_t v; memcpy(&v, p, 8); snprintf(out, n, "%" PRId64, v); break; }
    case DA_FLOAT: { float v; memcpy(&v, p, 4); snprintf(out, n, "%.9g", (double)v); break; }
    case DA_DOUBLE: { double v; memcpy(&v, p, 8); snprintf(out, n, "%.17g", v); break; }
    case DA_COMPLEX_FLOAT: { float v[2]; memcpy(v, p, 8); snprintf(out, n, "(%g%+gi)", (double)v[0], (double)v[1]); break; }
    case DA_COMPLEX_DOUBLE: { double v[2]; memcpy(v, p, 16); snprintf(out, n, "(%.17g%+.17gi)", v[0], v[1]); break; }
    default: {
        size_t k = 0;
        const unsigned char *b = p;
        out[0] = 0;
        for (size_t i = 0; i < es && k + 3 < n; i++) k += (size_t)snprintf(out + k, n - k, "%02x", b[i]);
    }
    }
    return out;
}

/* dst = dst op (alpha * src) with plain arithmetic; alpha NULL means 1.
   Integers wrap (computed unsigned). */
static inline void ir_acc(da_type_t t, da_op_t op, const void *alpha, void *dst, const void *src)
{
#define IR_ACC_INT(T, U)                                                                \
    do {                                                                                \
        T a = 1, s, d;                                                                  \
        if (alpha) memcpy(&a, alpha, sizeof a);                                         \
        memcpy(&s, src, sizeof s);                                                      \
        memcpy(&d, dst, sizeof d);                                                      \
        T x = (T)((U)a * (U)s);                                                         \
        switch (op) {                                                                   \
        case DA_OP_SUM: d = (T)((U)d + (U)x); break;                                    \
        case DA_OP_PROD: d = (T)((U)d * (U)x); break;                                   \
        case DA_OP_MIN: d = x < d ? x : d; break;                                       \
        case DA_OP_MAX: d = x > d ? x : d; break;                                       \
        case DA_OP_REPLACE: d = x; break;                                               \
        case DA_OP_BAND: d &= x; break;                                                 \
        case DA_OP_BOR: d |= x; break;                                                  \
        case DA_OP_BXOR: d ^= x; break;                                                 \
        }                                                                               \
        memcpy(dst, &d, sizeof d);                                                      \
    } while (0)
#define IR_ACC_REAL(T)                                                                  \
    do {                                                                                \
        T a = 1, s, d;                                                                  \
        if (alpha) memcpy(&a, alpha, sizeof a);                                         \
        memcpy(&s, src, sizeof s);                                                      \
        memcpy(&d, dst, sizeof d);                                                      \
        T x = a * s;                                                                    \
        switch (op) {                                                                   \
        case DA_OP_SUM: d = d + x; break;                                               \
        case DA_OP_PROD: d = d * x; break;                                              \
        case DA_OP_MIN: d = x < d ? x : d; break;                                       \
        case DA_OP_MAX: d = x > d ? x : d; break;                                       \
        case DA_OP_REPLACE: d = x; break;                                               \
        default: break;                                                                 \
        }                                                                               \
        memcpy(dst, &d, sizeof d);                                                      \
    } while (0)
#define IR_ACC_CPLX(T)                                                                  \
    do {                                                                                \
        T a[2] = {1, 0}, s[2], d[2];                                                    \
        if (alpha) memcpy(a, alpha, sizeof a);                                          \
        memcpy(s, src, sizeof s);                                                       \
        memcpy(d, dst, sizeof d);                                                       \
        T x[2] = {a[0] * s[0] - a[1] * s[1], a[0] * s[1] + a[1] * s[0]};                \
        switch (op) {                                                                   \
        case DA_OP_SUM: d[0] += x[0]; d[1] += x[1]; break;                              \
        case DA_OP_PROD: {                                                              \
            T re = d[0] * x[0] - d[1] * x[1], im = d[0] * x[1] + d[1] * x[0];           \
            d[0] = re;                                                                  \
            d[1] = im;                                                                  \
            break;                                                                      \
        }                                                                               \
        case DA_OP_REPLACE: d[0] = x[0]; d[1] = x[1]; break;                            \
        default: break;                                                                 \
        }                                                                               \
        memcpy(dst, d, sizeof d);                                                       \
    } while (0)
    switch (t) {
    case DA_INT32: IR_ACC_INT(int32_t, uint32_t); break;
    case DA_INT64: IR_ACC_INT(int64_t, uint64_t); break;
    case DA_FLOAT: IR_ACC_REAL(float); break;
    case DA_DOUBLE: IR_ACC_REAL(double); break;
    case DA_COMPLEX_FLOAT: IR_ACC_CPLX(float); break;
    case DA_COMPLEX_DOUBLE: IR_ACC_CPLX(double); break;
    default: break;
    }
#undef IR_ACC_INT
#undef IR_ACC_REAL
#undef IR_ACC_CPLX
}

/* ---- the array under test and its reference ---------------------------- */

typedef struct ir_case {
    ir_map_t m;
    da_type_t type;
    size_t es;
    da_array_t *a;
    unsigned char *ref; /* dense row-major copy, total * es bytes */
    int shm;            /* DA_SHM used at creation (1: shortcut allowed) */
    int64_t max_count;  /* DA_RMA_MAX_COUNT used at creation, 0: default */
} ir_case_t;

/* Whether the test may set DA_SHM / DA_RMA_MAX_COUNT itself (it leaves a
   value given in the environment alone). */
static int ir_env_shm_given = -1, ir_env_maxcount_given = -1;

/* Create the array collectively. shm and max_count are applied unless the
   environment fixed them. */
static inline void ir_case_create(ir_case_t *c, MPI_Comm comm, da_type_t type, size_t opaque_size, int shm,
                                  int64_t max_count)
{
    if (ir_env_shm_given < 0) ir_env_shm_given = getenv("DA_SHM") != NULL;
    if (ir_env_maxcount_given < 0) ir_env_maxcount_given = getenv("DA_RMA_MAX_COUNT") != NULL;
    if (!ir_env_shm_given) setenv("DA_SHM", shm ? "1" : "0", 1);
    if (!ir_env_maxcount_given) {
        if (max_count > 0) {
            char s[32];
            snprintf(s, sizeof s, "%" PRId64, max_count);
            setenv("DA_RMA_MAX_COUNT", s, 1);
        } else {
            unsetenv("DA_RMA_MAX_COUNT");
        }
    }
    const char *e = getenv("DA_SHM");
    c->shm = !(e && strcmp(e, "0") == 0);
    e = getenv("DA_RMA_MAX_COUNT");
    c->max_count = e ? atoll(e) : 0;
    c->type = type;
    c->es = type == DA_OPAQUE ? opaque_size : ir_type_size(type);
    int rc = type == DA_OPAQUE ? da_array_create_opaque(comm, opaque_size, c->m.d, &c->a)
                               : da_array_create(comm, type, c->m.d, &c->a);
    ICHECK(rc == DA_SUCCESS, "da_array_create(%s) %s: %d (%s): %s", ir_type_name(type), c->m.desc, rc,
           da_strerror(rc), da_last_error());
    c->ref = calloc((size_t)c->m.total, c->es);
    CHECK(c->ref, "out of memory");
}

static inline void ir_case_destroy(ir_case_t *c)
{
    ICHECK_DA(da_array_destroy(&c->a));
    free(c->ref);
    c->ref = NULL;
}

static inline unsigned char *ir_ref_at(const ir_case_t *c, int64_t flat)
{
    return c->ref + (size_t)flat * c->es;
}

/* The whole array read with da_get (the box path, not the point engine)
   equals the reference. */
static inline void ir_check_whole(ir_case_t *c, const char *when)
{
    int64_t lo[IR_MAXD] = {0};
    unsigned char *buf = malloc((size_t)c->m.total * c->es);
    CHECK(buf, "out of memory");
    ICHECK_DA(da_get(c->a, lo, c->m.shape, NULL, buf, NULL));
    for (int64_t f = 0; f < c->m.total; f++) {
        if (!ir_eq(c->type, c->es, buf + (size_t)f * c->es, ir_ref_at(c, f))) {
            char e1[100], e2[100];
            int64_t g[IR_MAXD] = {0};
            ir_flat_to_idx(&c->m, f, g);
            ICHECK(0, "%s: element flat %" PRId64 " (%" PRId64 ",%" PRId64 ",%" PRId64 ") owned by rank %d: "
                      "expected %s, got %s", when, f, g[0], c->m.ndim > 1 ? g[1] : 0, c->m.ndim > 2 ? g[2] : 0,
                   c->m.owner[f], ir_fmt(c->type, c->es, ir_ref_at(c, f), e1, sizeof e1),
                   ir_fmt(c->type, c->es, buf + (size_t)f * c->es, e2, sizeof e2));
        }
    }
    free(buf);
}

#endif
