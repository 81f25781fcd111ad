/* Whole-array operations: fill, scale, abs, add, elementwise products and
 * quotients, min and max, dot, sums, extremes with their location, norms
 * and apply, each on the whole array or on a box.
 *
 * Every operation works on this rank's own block only. Operands whose map
 * or box corners differ from the result's are first copied (da_copy_box,
 * redist.c) into a temporary array with the result's map, so the
 * arithmetic below never communicates. A call costs two collectives: the
 * entry agreement (which is also the entry barrier) and either the exit
 * barrier or, for reductions, the allgather of the ranks' partial results,
 * combined in rank order so that every rank gets the same bits.
 */
#include "coll.h"

#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "types.h"
#include "wait.h"

/* ---- entry and exit ------------------------------------------------------ */

/* Our operations on a are complete, our stores ordered (MPI unified model). */
static void settle(da_array_t *a)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    MPI_Win_flush_all(a->win);
    MPI_Win_sync(a->win);
    MPI_Win_sync(a->shm_win);
}

static void resync(da_array_t *const *arrays, int n)
{
    for (int i = 0; i < n; i++)
        if (arrays[i]) {
            MPI_Win_sync(arrays[i]->win);
            MPI_Win_sync(arrays[i]->shm_win);
        }
}

#define MAX_FLAGS 8

int da_coll_begin(const char *fn, MPI_Comm comm, int local_rc, da_array_t *const *arrays, int narrays,
                  uint64_t agree, long *flags, int nflags)
{
    long in[3 + MAX_FLAGS] = {0}, out[3 + MAX_FLAGS];
    if (nflags > MAX_FLAGS) return da_error(DA_ERR_INTERNAL, "%s: too many flags", fn);
    if (!local_rc)
        for (int i = 0; i < narrays; i++)
            if (arrays[i]) settle(arrays[i]);
    in[0] = local_rc != 0;
    in[1] = (long)(agree >> 2); /* max of h and of -h: equal everywhere iff out[1] == -out[2] */
    in[2] = -in[1];
    for (int i = 0; i < nflags; i++) in[3 + i] = flags[i];
    int mrc = da_allreduce(in, out, 3 + nflags, MPI_LONG, MPI_MAX, comm);
    if (mrc != MPI_SUCCESS) return local_rc ? local_rc : da_mpi_error(mrc, fn);
    if (local_rc) return local_rc;
    resync(arrays, narrays);
    if (out[0]) return da_error(DA_ERR_COLLECTIVE, "%s: another rank passed an invalid argument", fn);
    if (out[1] != -out[2])
        return da_error(DA_ERR_COLLECTIVE, "%s: ranks passed different arguments (arrays, boxes or options)", fn);
    for (int i = 0; i < nflags; i++) flags[i] = out[3 + i];
    return DA_SUCCESS;
}

uint64_t da_coll_mix(uint64_t h, int64_t v)
{
    uint64_t x = (uint64_t)v + 0x9e3779b97f4a7c15ULL + h;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

uint64_t da_coll_mix_box(uint64_t h, int ndim, const int64_t *lo, const int64_t *hi)
{
    for (int d = 0; d < ndim; d++) h = da_coll_mix(da_coll_mix(h, lo[d]), hi[d]);
    return h;
}

uint64_t da_coll_mix_array(uint64_t h, const da_array_t *a)
{
    h = da_coll_mix(h, (int64_t)da_dist_fingerprint(a->dist));
    return da_coll_mix(da_coll_mix(h, a->type), (int64_t)a->esize);
}

int da_coll_end(const char *fn, MPI_Comm comm, da_array_t *const *arrays, int narrays, int rc)
{
    for (int i = 0; i < narrays; i++)
        if (arrays[i]) settle(arrays[i]);
    long in = rc != 0, out = 0;
    int mrc = da_allreduce(&in, &out, 1, MPI_LONG, MPI_MAX, comm);
    resync(arrays, narrays);
    if (rc) return rc;
    if (mrc != MPI_SUCCESS) return da_mpi_error(mrc, fn);
    if (out) return da_error(DA_ERR_COLLECTIVE, "%s: failed on another rank", fn);
    return DA_SUCCESS;
}

int da_coll_check_box(const char *fn, const char *what, const da_array_t *a, const int64_t *lo, const int64_t *hi)
{
    if (!lo || !hi) return da_error(DA_ERR_NULL, "%s: %s corner is NULL", fn, what);
    for (int d = 0; d < a->ndim; d++)
        if (lo[d] < 0 || hi[d] > a->dist->shape[d] || hi[d] < lo[d])
            return da_error(DA_ERR_BOUNDS, "%s: %s dimension %d: [%lld, %lld) not within [0, %lld)", fn, what, d,
                            (long long)lo[d], (long long)hi[d], (long long)a->dist->shape[d]);
    return DA_SUCCESS;
}

int da_coll_same_comm(const char *fn, const da_array_t *a, const da_array_t *b)
{
    int res = MPI_UNEQUAL;
    if (MPI_Comm_compare(a->comm, b->comm, &res) != MPI_SUCCESS || (res != MPI_IDENT && res != MPI_CONGRUENT))
        return da_error(DA_ERR_ARG, "%s: the arrays were created over different communicators", fn);
    return DA_SUCCESS;
}

/* ---- map comparison -------------------------------------------------------- */

static int is_cyclic(da_dist_kind_t k)
{
    return k == DA_DIST_CYCLIC || k == DA_DIST_BLOCK_CYCLIC;
}

/* Part bounds of a dimension, if each part holds one contiguous range (a
   (block-)cyclic dimension whose blocks fit in one cycle does too). */
static const int64_t *bounds(const dim_map_t *m, int64_t *tmp)
{
    if (m->starts) return m->starts;
    int64_t cyc;
    if (is_cyclic(m->kind) && !__builtin_mul_overflow(m->b, (int64_t)m->p, &cyc) && cyc >= m->n) {
        for (int c = 0; c <= m->p; c++) tmp[c] = (int64_t)c * m->b < m->n ? (int64_t)c * m->b : m->n;
        return tmp;
    }
    return NULL;
}

static int identity_list(const dim_map_t *m)
{
    if (m->dir) return 0; /* directory-backed: no replicated lists to compare */
    for (int64_t l = 0; l < m->n; l++)
        if (m->lists[0][l] != l) return 0;
    return 1;
}

static int same_dim(const dim_map_t *x, const dim_map_t *y)
{
    if (x->n != y->n || x->p != y->p) return 0;
    if (x->dir || y->dir) return 0; /* directory-backed: treated as different maps */
    if (x->p == 1) /* one part: local index = global index, unless a permuting list */
        return (x->kind != DA_DIST_UNSTRUCTURED || identity_list(x)) &&
               (y->kind != DA_DIST_UNSTRUCTURED || identity_list(y));
    if (x->kind == DA_DIST_UNSTRUCTURED || y->kind == DA_DIST_UNSTRUCTURED) {
        if (x->kind != y->kind) return 0;
        return !memcmp(x->counts, y->counts, sizeof *x->counts * (size_t)x->p) &&
               !memcmp(x->lists[0], y->lists[0], sizeof *x->lists[0] * (size_t)x->n);
    }
    if (is_cyclic(x->kind) && is_cyclic(y->kind) && x->b == y->b) return 1;
    int64_t *tx = malloc(sizeof *tx * (size_t)(x->p + 1)), *ty = malloc(sizeof *ty * (size_t)(x->p + 1));
    int same = 0;
    if (tx && ty) {
        const int64_t *bx = bounds(x, tx), *by = bounds(y, ty);
        same = bx && by && !memcmp(bx, by, sizeof *bx * (size_t)(x->p + 1));
    }
    free(tx);
    free(ty);
    return same;
}

int da_dist_same_layout(const da_dist_t *x, const da_dist_t *y)
{
    if (x == y) return 1;
    if (x->ndim != y->ndim || x->nranks != y->nranks) return 0;
    for (int d = 0; d < x->ndim; d++)
        if (x->shape[d] != y->shape[d] || x->grid[d] != y->grid[d] || !same_dim(&x->dim[d], &y->dim[d])) return 0;
    return 1;
}

/* ---- local runs ---------------------------------------------------------------- */

static int grow_runs(da_lruns_t *r)
{
    int64_t cap = r->cap ? 2 * r->cap : 8;
    da_lrun_t *n = realloc(r->runs, sizeof *n * (size_t)cap);
    if (!n) return da_error(DA_ERR_NOMEM, "no memory for %lld runs", (long long)cap);
    r->runs = n;
    r->cap = cap;
    return DA_SUCCESS;
}

/* Append local [l, l+len) <-> global [g, g+len), merging into the last run
   when the elements continue its progressions (only with lstep 1 unless
   any_lstep). */
static int push(da_lruns_t *r, int64_t l, int64_t g, int64_t len, int any_lstep)
{
    r->count += len;
    if (r->nruns) {
        da_lrun_t *t = &r->runs[r->nruns - 1];
        if (t->count == 1 && len == 1 && (any_lstep || l == t->l0 + 1) && l != t->l0 && g != t->g0) {
            t->lstep = l - t->l0;
            t->gstep = g - t->g0;
            t->count = 2;
            return DA_SUCCESS;
        }
        if (len == 1 && l == t->l0 + t->count * t->lstep && g == t->g0 + t->count * t->gstep) {
            t->count++;
            return DA_SUCCESS;
        }
        if ((t->count == 1 || (t->lstep == 1 && t->gstep == 1)) && l == t->l0 + t->count &&
            g == t->g0 + t->count) {
            t->lstep = t->gstep = 1;
            t->count += len;
            return DA_SUCCESS;
        }
    }
    if (r->nruns == r->cap) {
        int rc = grow_runs(r);
        if (rc) return rc;
    }
    r->runs[r->nruns++] = (da_lrun_t){l, 1, g, 1, len};
    return DA_SUCCESS;
}

typedef struct {
    int64_t g, l;
} gl_t;

static int cmp_gl(const void *a, const void *b)
{
    int64_t x = ((const gl_t *)a)->g, y = ((const gl_t *)b)->g;
    return (x > y) - (x < y);
}

int da_lruns_build(const dim_map_t *m, int c, int64_t lo, int64_t hi, int by_global, da_lruns_t *out)
{
    memset(out, 0, sizeof *out);
    int rc = DA_SUCCESS;
    if (lo >= hi) return DA_SUCCESS;
    if (m->starts) {
        int64_t s = m->starts[c], e = m->starts[c + 1];
        int64_t a = lo > s ? lo : s, b = hi < e ? hi : e;
        if (a < b) rc = push(out, a - s, a, b - a, 0);
    } else if (is_cyclic(m->kind)) {
        /* blocks j of coordinate c start at global (j*p + c)*b */
        int64_t b = m->b, p = m->p, blk = lo / b, j = blk > c ? (blk - c + p - 1) / p : 0;
        for (;; j++) {
            int64_t gs;
            if (__builtin_mul_overflow(j * p + c, b, &gs) || gs >= hi || gs >= m->n) break;
            int64_t ge = gs + b < m->n ? gs + b : m->n;
            int64_t a = lo > gs ? lo : gs, e = hi < ge ? hi : ge;
            if (a < e && (rc = push(out, j * b + (a - gs), a, e - a, 0))) break;
        }
    } else { /* unstructured: the part's explicit list */
        if (m->dir && c != m->mycoord) /* a directory keeps only this rank's own list */
            return da_error(DA_ERR_ARG, "whole-array operations on a directory-backed unstructured map "
                                        "need other ranks' index lists: not supported yet");
        const int64_t *list = m->dir ? m->own : m->lists[c];
        int64_t cnt = m->counts[c];
        if (!by_global) {
            for (int64_t l = 0; l < cnt && !rc; l++)
                if (list[l] >= lo && list[l] < hi) rc = push(out, l, list[l], 1, 0);
        } else {
            gl_t *v = malloc(sizeof *v * (size_t)(cnt ? cnt : 1));
            if (!v) return da_error(DA_ERR_NOMEM, "no memory to sort %lld indices", (long long)cnt);
            int64_t n = 0;
            for (int64_t l = 0; l < cnt; l++)
                if (list[l] >= lo && list[l] < hi) v[n++] = (gl_t){list[l], l};
            qsort(v, (size_t)n, sizeof *v, cmp_gl);
            for (int64_t i = 0; i < n && !rc; i++) rc = push(out, v[i].l, v[i].g, 1, 1);
            free(v);
        }
    }
    if (rc) da_lruns_free(out);
    return rc;
}

void da_lruns_free(da_lruns_t *r)
{
    free(r->runs);
    memset(r, 0, sizeof *r);
}

int da_box_runs_build(const da_dist_t *d, int rank, const int64_t *lo, const int64_t *hi, int by_global,
                      da_box_runs_t *out)
{
    memset(out, 0, sizeof *out);
    out->ndim = d->ndim;
    int c[DA_MAX_NDIM];
    for (int i = d->ndim - 1, r = rank; i >= 0; i--) {
        c[i] = r % d->grid[i];
        r /= d->grid[i];
    }
    int64_t s = 1;
    for (int i = d->ndim - 1; i >= 0; i--) {
        out->lstride[i] = s;
        s *= da_dim_local_count(&d->dim[i], c[i]);
    }
    out->count = 1;
    for (int i = 0; i < d->ndim; i++) {
        int rc = da_lruns_build(&d->dim[i], c[i], lo[i], hi[i], by_global, &out->dim[i]);
        if (rc) {
            da_box_runs_free(out);
            return rc;
        }
        out->count *= out->dim[i].count;
    }
    return DA_SUCCESS;
}

void da_box_runs_free(da_box_runs_t *b)
{
    for (int i = 0; i < b->ndim; i++) da_lruns_free(&b->dim[i]);
}

static int walk_dim(const da_box_runs_t *b, int d, int64_t off, int64_t *g, da_run_fn fn, void *ctx)
{
    const da_lruns_t *r = &b->dim[d];
    for (int64_t j = 0; j < r->nruns; j++) {
        const da_lrun_t *u = &r->runs[j];
        if (d == b->ndim - 1) {
            g[d] = u->g0;
            int rc = fn(ctx, off + u->l0, u->lstep, u->count, g, u->gstep);
            if (rc) return rc;
            continue;
        }
        for (int64_t i = 0; i < u->count; i++) {
            g[d] = u->g0 + i * u->gstep;
            int rc = walk_dim(b, d + 1, off + (u->l0 + i * u->lstep) * b->lstride[d], g, fn, ctx);
            if (rc) return rc;
        }
    }
    return DA_SUCCESS;
}

int da_box_runs_walk(const da_box_runs_t *b, da_run_fn fn, void *ctx)
{
    int64_t g[DA_MAX_NDIM] = {0};
    if (b->count == 0) return DA_SUCCESS;
    return walk_dim(b, 0, 0, g, fn, ctx);
}

/* ---- element arithmetic ---------------------------------------------------------
   Integers wrap (two's complement) instead of overflowing; the conversions
   back from unsigned are modulo in GCC and Clang. */

typedef float complex cfloat;
typedef double complex cdouble;

static inline int32_t add_i32(int32_t x, int32_t y) { return (int32_t)((uint32_t)x + (uint32_t)y); }
static inline int32_t mul_i32(int32_t x, int32_t y) { return (int32_t)((uint32_t)x * (uint32_t)y); }
static inline int32_t div_i32(int32_t x, int32_t y) { return y == -1 ? (int32_t)(0u - (uint32_t)x) : x / y; }
static inline int32_t abs_i32(int32_t x) { return x < 0 ? (int32_t)(0u - (uint32_t)x) : x; }
static inline int64_t add_i64(int64_t x, int64_t y) { return (int64_t)((uint64_t)x + (uint64_t)y); }
static inline int64_t mul_i64(int64_t x, int64_t y) { return (int64_t)((uint64_t)x * (uint64_t)y); }
static inline int64_t div_i64(int64_t x, int64_t y) { return y == -1 ? (int64_t)(0u - (uint64_t)x) : x / y; }
static inline int64_t abs_i64(int64_t x) { return x < 0 ? (int64_t)(0u - (uint64_t)x) : x; }
#define FLOAT_OPS(T, S, ABS)                                          \
    static inline T add_##S(T x, T y) { return x + y; }               \
    static inline T mul_##S(T x, T y) { return x * y; }               \
    static inline T div_##S(T x, T y) { return x / y; }               \
    static inline T abs_##S(T x) { return ABS(x); }
FLOAT_OPS(float, f32, fabsf)
FLOAT_OPS(double, f64, fabs)
FLOAT_OPS(cfloat, c64, cabsf)
FLOAT_OPS(cdouble, c128, cabs)

/* min/max with NaN propagation (NaN if either is NaN); integers have none */
#define MINMAX_INT(T, S)                                                   \
    static inline T min_##S(T x, T y) { return y < x ? y : x; }            \
    static inline T max_##S(T x, T y) { return y > x ? y : x; }
#define MINMAX_FLOAT(T, S)                                                           \
    static inline T min_##S(T x, T y) { return x != x ? x : (y != y || y < x) ? y : x; } \
    static inline T max_##S(T x, T y) { return x != x ? x : (y != y || y > x) ? y : x; }
MINMAX_INT(int32_t, i32)
MINMAX_INT(int64_t, i64)
MINMAX_FLOAT(float, f32)
MINMAX_FLOAT(double, f64)

/* One element as double (modulus for complex), for norms. */
static inline double mag_i32(int32_t x) { return fabs((double)x); }
static inline double mag_i64(int64_t x) { return fabs((double)x); }
static inline double mag_f32(float x) { return fabs((double)x); }
static inline double mag_f64(double x) { return fabs(x); }
static inline double mag_c64(cfloat x) { return cabs((cdouble)x); }
static inline double mag_c128(cdouble x) { return cabs(x); }

/* Accumulator types of sums and dots: wrapping 64-bit integers, double, double complex. */
typedef uint64_t acc_i32;
typedef uint64_t acc_i64;
typedef double acc_f32;
typedef double acc_f64;
typedef cdouble acc_c64;
typedef cdouble acc_c128;
#define ACC_ADD_INT(acc, x) ((acc) += (uint64_t)(int64_t)(x))
#define ACC_ADD_FLT(acc, x) ((acc) += (x))
#define ACC_ADD_i32 ACC_ADD_INT
#define ACC_ADD_i64 ACC_ADD_INT
#define ACC_ADD_f32 ACC_ADD_FLT
#define ACC_ADD_f64 ACC_ADD_FLT
#define ACC_ADD_c64 ACC_ADD_FLT
#define ACC_ADD_c128 ACC_ADD_FLT

/* Calls M(T, S) with the C type and suffix of type t; `other` for opaque. */
#define DISPATCH(t, M, other)                          \
    switch (t) {                                       \
    case DA_INT32: M(int32_t, i32); break;             \
    case DA_INT64: M(int64_t, i64); break;             \
    case DA_FLOAT: M(float, f32); break;               \
    case DA_DOUBLE: M(double, f64); break;             \
    case DA_COMPLEX_FLOAT: M(cfloat, c64); break;      \
    case DA_COMPLEX_DOUBLE: M(cdouble, c128); break;   \
    default: other; break;                             \
    }
#define DISPATCH_REAL(t, M)                            \
    switch (t) {                                       \
    case DA_INT32: M(int32_t, i32); break;             \
    case DA_INT64: M(int64_t, i64); break;             \
    case DA_FLOAT: M(float, f32); break;               \
    case DA_DOUBLE: M(double, f64); break;             \
    default: break;                                    \
    }

static int is_numeric(da_type_t t)
{
    return t != DA_OPAQUE;
}

static int is_real(da_type_t t)
{
    return t == DA_INT32 || t == DA_INT64 || t == DA_FLOAT || t == DA_DOUBLE;
}

static int is_integer(da_type_t t)
{
    return t == DA_INT32 || t == DA_INT64;
}

/* ---- operands ---------------------------------------------------------------- */

/* One array and its box (the whole array when lo and hi are NULL and
   whole is set). */
typedef struct {
    da_array_t *a;
    int64_t lo[DA_MAX_NDIM], hi[DA_MAX_NDIM];
    int whole;
} operand_t;

static int operand(const char *fn, const char *what, da_array_t *a, const int64_t *lo, const int64_t *hi,
                   int whole, operand_t *o)
{
    o->a = a;
    o->whole = whole;
    if (whole) {
        for (int d = 0; d < a->ndim; d++) {
            o->lo[d] = 0;
            o->hi[d] = a->dist->shape[d];
        }
        return DA_SUCCESS;
    }
    int rc = da_coll_check_box(fn, what, a, lo, hi);
    if (rc) return rc;
    memcpy(o->lo, lo, sizeof *lo * (size_t)a->ndim);
    memcpy(o->hi, hi, sizeof *hi * (size_t)a->ndim);
    o->whole = 1;
    for (int d = 0; d < a->ndim; d++)
        if (lo[d] != 0 || hi[d] != a->dist->shape[d]) o->whole = 0;
    return DA_SUCCESS;
}

/* x and y fit together: same type, communicator and box extents. */
static int compatible(const char *fn, const operand_t *x, const operand_t *y)
{
    if (x->a->type != y->a->type || x->a->esize != y->a->esize)
        return da_error(DA_ERR_TYPE, "%s: the arrays have different element types", fn);
    int rc = da_coll_same_comm(fn, x->a, y->a);
    if (rc) return rc;
    if (x->a->ndim != y->a->ndim)
        return da_error(DA_ERR_SHAPE, "%s: the arrays have %d and %d dimensions", fn, x->a->ndim, y->a->ndim);
    for (int d = 0; d < x->a->ndim; d++)
        if (x->hi[d] - x->lo[d] != y->hi[d] - y->lo[d])
            return da_error(DA_ERR_SHAPE, "%s: boxes differ in dimension %d: %lld and %lld elements", fn, d,
                            (long long)(x->hi[d] - x->lo[d]), (long long)(y->hi[d] - y->lo[d]));
    return DA_SUCCESS;
}

/* Whether x's box lies on the same ranks at the same local places as t's. */
static int aligned(const operand_t *x, const operand_t *t)
{
    if (memcmp(x->lo, t->lo, sizeof *x->lo * (size_t)x->a->ndim)) return 0;
    return da_dist_same_layout(x->a->dist, t->a->dist);
}

/* Bring x's box into the layout of t's box: *base is where this rank's
   elements of it are, in t's local layout: x's own block when aligned,
   else a buffer of one local block (returned in *tmp for the caller to
   free) filled by redistribution. Collective; the decision is the same on
   every rank. */
static int align(const operand_t *x, const operand_t *t, char **tmp, char **base)
{
    *tmp = NULL;
    if (aligned(x, t)) {
        *base = x->a->base;
        return DA_SUCCESS;
    }
    size_t bytes = (size_t)t->a->local_elems * t->a->esize;
    *tmp = malloc(bytes ? bytes : 1);
    /* no memory: still take part, with the error agreed in the engine's entry */
    int rc = da_redist_into_buffer(x->a, x->lo, x->hi, t->a, t->lo, t->hi, *tmp);
    if (rc) {
        free(*tmp);
        *tmp = NULL;
        return rc;
    }
    *base = *tmp;
    return DA_SUCCESS;
}

/* ---- kernels over this rank's runs --------------------------------------------- */

typedef enum {
    K_FILL, K_ZERO, K_SCALE, K_ABS, K_ADD, K_MUL, K_DIV, K_MIN, K_MAX, K_ZERO_CHECK,
    K_DOT, K_SUM, K_RMIN, K_RMAX, K_NORM1, K_NORM2, K_NORMINF, K_APPLY
} kind_t;

/* A partial result of one rank, gathered from all: combined in rank order. */
typedef struct {
    double d[2];   /* sum (complex: re, im), norm partials, min/max of floats */
    int64_t i[2];  /* integer sum or min/max; i[1]: linear index of min/max or of a zero/NaN */
    int32_t has;   /* the rank had elements */
    int32_t nan;   /* a NaN was seen (i[1] its first linear index for min/max) */
} partial_t;

typedef struct {
    kind_t kind;
    da_type_t type;
    size_t es;
    int ndim;
    char *c, *a, *b;       /* result / operands' bases (same local layout) */
    const void *s1, *s2;   /* scalars */
    int64_t gstr[DA_MAX_NDIM];
    /* reductions */
    union {
        uint64_t u;
        double d;
        cdouble z;
    } acc;
    double sumsq, maxabs;
    int nan, has;
    int64_t best_lin;
    union {
        int64_t i;
        double d;
    } best;
    int64_t zero_lin;
    int norm2_scaled;
    /* apply */
    da_apply_fn fn;
    void *user;
    int user_rc;
} kctx_t;

static int64_t lin_index(const kctx_t *k, const int64_t *g)
{
    int64_t lin = 0;
    for (int d = 0; d < k->ndim; d++) lin += g[d] * k->gstr[d];
    return lin;
}

#define AT(p, T, off) ((T *)(p) + (off))

/* elementwise kernels: c, a, b have the same layout */
#define K_SCALE_M(T, S)                                          \
    do {                                                         \
        T al, *x = AT(k->c, T, off);                             \
        memcpy(&al, k->s1, sizeof al);                           \
        for (int64_t i = 0; i < n; i++) x[i] = mul_##S(al, x[i]); \
    } while (0)
#define K_ABS_M(T, S)                                            \
    do {                                                         \
        T *x = AT(k->c, T, off);                                 \
        for (int64_t i = 0; i < n; i++) x[i] = abs_##S(x[i]);    \
    } while (0)
#define K_ADD_M(T, S)                                                              \
    do {                                                                           \
        T al, be, *z = AT(k->c, T, off), *x = AT(k->a, T, off), *y = AT(k->b, T, off); \
        memcpy(&al, k->s1, sizeof al);                                             \
        memcpy(&be, k->s2, sizeof be);                                             \
        for (int64_t i = 0; i < n; i++) z[i] = add_##S(mul_##S(al, x[i]), mul_##S(be, y[i])); \
    } while (0)
#define K_BIN_M(OP)                                                                \
    do {                                                                           \
        switch (k->type) {                                                         \
        case DA_INT32: K_BIN_T(int32_t, OP##_i32); break;                          \
        case DA_INT64: K_BIN_T(int64_t, OP##_i64); break;                          \
        case DA_FLOAT: K_BIN_T(float, OP##_f32); break;                            \
        case DA_DOUBLE: K_BIN_T(double, OP##_f64); break;                          \
        default: K_BIN_CPLX(OP); break;                                            \
        }                                                                          \
    } while (0)
#define K_BIN_T(T, F)                                                              \
    do {                                                                           \
        T *z = AT(k->c, T, off), *x = AT(k->a, T, off), *y = AT(k->b, T, off);     \
        for (int64_t i = 0; i < n; i++) z[i] = F(x[i], y[i]);                      \
    } while (0)
#define K_MUL_CPLX(OP)                                                             \
    do {                                                                           \
        if (k->type == DA_COMPLEX_FLOAT) K_BIN_T(cfloat, OP##_c64);                \
        else K_BIN_T(cdouble, OP##_c128);                                          \
    } while (0)
#define K_DOT_M(T, S)                                                              \
    do {                                                                           \
        const T *x = AT(k->a, T, off), *y = AT(k->b, T, off);                      \
        acc_##S s = 0;                                                             \
        for (int64_t i = 0; i < n; i++) ACC_ADD_##S(s, mul_##S(x[i], y[i]));       \
        acc_add_##S(k, s);                                                         \
    } while (0)
#define K_SUM_M(T, S)                                                              \
    do {                                                                           \
        const T *x = AT(k->c, T, off);                                             \
        acc_##S s = 0;                                                             \
        for (int64_t i = 0; i < n; i++) ACC_ADD_##S(s, x[i]);                      \
        acc_add_##S(k, s);                                                         \
    } while (0)

static inline void acc_add_int(kctx_t *k, uint64_t s) { k->acc.u += s; }
static inline void acc_add_flt(kctx_t *k, double s) { k->acc.d += s; }
static inline void acc_add_cplx(kctx_t *k, cdouble s) { k->acc.z += s; }
#define acc_add_i32 acc_add_int
#define acc_add_i64 acc_add_int
#define acc_add_f32 acc_add_flt
#define acc_add_f64 acc_add_flt
#define acc_add_c64 acc_add_cplx
#define acc_add_c128 acc_add_cplx

/* min / max with location: ties and NaN go to the smallest linear index */
#define K_EXT_M(T, S, BETTER)                                                      \
    do {                                                                           \
        const T *x = AT(k->c, T, off);                                             \
        int64_t lin0 = lin_index(k, g);                                            \
        for (int64_t i = 0; i < n; i++) {                                          \
            T v = x[i];                                                            \
            int64_t lin = lin0 + i * gstep;                                        \
            if (v != v) {                                                          \
                if (!k->nan || lin < k->zero_lin) {                                \
                    k->nan = 1;                                                    \
                    k->zero_lin = lin;                                             \
                }                                                                  \
                continue;                                                          \
            }                                                                      \
            if (!k->has || BETTER(v, k->best, T) || (EQUAL(v, k->best, T) && lin < k->best_lin)) { \
                SET(k->best, v, T);                                                \
                k->best_lin = lin;                                                 \
                k->has = 1;                                                        \
            }                                                                      \
        }                                                                          \
    } while (0)
#define GETB(b, T) ((T)0 == (T)0.5 ? (T)(b).i : (T)(b).d) /* integer types keep i, floats d */
#define LESS(v, b, T) ((v) < GETB(b, T))
#define GREATER(v, b, T) ((v) > GETB(b, T))
#define EQUAL(v, b, T) ((v) == GETB(b, T))
#define SET(b, v, T)                          \
    do {                                      \
        if ((T)0 == (T)0.5) (b).i = (int64_t)(v); \
        else (b).d = (double)(v);             \
    } while (0)
#define K_RMIN_M(T, S) K_EXT_M(T, S, LESS)
#define K_RMAX_M(T, S) K_EXT_M(T, S, GREATER)

#define K_NORM_M(T, S)                                                             \
    do {                                                                           \
        const T *x = AT(k->c, T, off);                                             \
        for (int64_t i = 0; i < n; i++) {                                          \
            double m = mag_##S(x[i]);                                              \
            if (m != m) k->nan = 1;                                                \
            else if (k->kind == K_NORM1) k->acc.d += m;                            \
            else if (k->kind == K_NORMINF) { if (m > k->maxabs) k->maxabs = m; }   \
            else if (!k->norm2_scaled) {                                           \
                k->sumsq += m * m;                                                 \
                if (m > k->maxabs) k->maxabs = m;                                  \
            } else if (k->maxabs > 0) {                                            \
                double q = m / k->maxabs;                                          \
                k->sumsq += q * q;                                                 \
            }                                                                      \
        }                                                                          \
    } while (0)

#define K_ZERO_CHECK_M(T, S)                                                       \
    do {                                                                           \
        const T *y = AT(k->b, T, off);                                             \
        for (int64_t i = 0; i < n; i++)                                            \
            if (y[i] == 0) {                                                       \
                int64_t lin = lin_index(k, g) + i * gstep;                         \
                if (!k->nan || lin < k->zero_lin) k->zero_lin = lin;               \
                k->nan = 1;                                                        \
            }                                                                      \
    } while (0)

static void fill_run(char *p, int64_t n, const void *v, size_t es)
{
    switch (es) {
    case 4: {
        uint32_t x;
        memcpy(&x, v, 4);
        for (int64_t i = 0; i < n; i++) ((uint32_t *)(void *)p)[i] = x;
        break;
    }
    case 8: {
        uint64_t x;
        memcpy(&x, v, 8);
        for (int64_t i = 0; i < n; i++) ((uint64_t *)(void *)p)[i] = x;
        break;
    }
    default:
        for (int64_t i = 0; i < n; i++) memcpy(p + i * (int64_t)es, v, es);
    }
}

static int kernel(void *ctx, int64_t off, int64_t lstep, int64_t n, const int64_t *g, int64_t gstep)
{
    kctx_t *k = ctx;
    (void)lstep; /* local-order runs are contiguous */
    switch (k->kind) {
    case K_FILL: fill_run(k->c + off * (int64_t)k->es, n, k->s1, k->es); break;
    case K_ZERO: memset(k->c + off * (int64_t)k->es, 0, (size_t)n * k->es); break;
    case K_SCALE: DISPATCH(k->type, K_SCALE_M, (void)0); break;
    case K_ABS: DISPATCH(k->type, K_ABS_M, (void)0); break;
    case K_ADD: DISPATCH(k->type, K_ADD_M, (void)0); break;
#define K_BIN_CPLX K_MUL_CPLX
    case K_MUL: K_BIN_M(mul); break;
    case K_DIV: K_BIN_M(div); break;
#undef K_BIN_CPLX
#define K_BIN_CPLX(OP) (void)0
    case K_MIN: K_BIN_M(min); break;
    case K_MAX: K_BIN_M(max); break;
#undef K_BIN_CPLX
    case K_ZERO_CHECK: DISPATCH_REAL(k->type, K_ZERO_CHECK_M); break;
    case K_DOT: DISPATCH(k->type, K_DOT_M, (void)0); break;
    case K_SUM: DISPATCH(k->type, K_SUM_M, (void)0); break;
    case K_RMIN: DISPATCH_REAL(k->type, K_RMIN_M); break;
    case K_RMAX: DISPATCH_REAL(k->type, K_RMAX_M); break;
    case K_NORM1:
    case K_NORM2:
    case K_NORMINF: DISPATCH(k->type, K_NORM_M, (void)0); break;
    case K_APPLY: {
        int rc = k->fn(k->c + off * (int64_t)k->es, n, g, gstep, k->user);
        if (rc) {
            k->user_rc = rc;
            return rc;
        }
        break;
    }
    }
    return 0;
}

/* Whether the kernel needs each run's global index. */
static int needs_index(kind_t kind)
{
    return kind == K_RMIN || kind == K_RMAX || kind == K_APPLY || kind == K_ZERO_CHECK;
}

/* Run the kernel over this rank's elements of the box t. */
static int run_kernel(kctx_t *k, const da_box_runs_t *br, int whole_block)
{
    if (whole_block && !needs_index(k->kind)) {
        int64_t g[DA_MAX_NDIM] = {0};
        return br->count ? kernel(k, 0, 1, br->count, g, 1) : 0;
    }
    return da_box_runs_walk(br, kernel, k);
}

static void kctx_init(kctx_t *k, kind_t kind, const da_array_t *t)
{
    memset(k, 0, sizeof *k);
    k->kind = kind;
    k->type = t->type;
    k->es = t->esize;
    k->ndim = t->ndim;
    int64_t s = 1;
    for (int d = t->ndim - 1; d >= 0; d--) {
        k->gstr[d] = s;
        s *= t->dist->shape[d];
    }
}

/* Whether the box covers this rank's whole block (so one flat run does). */
static int covers_block(const operand_t *o, const da_box_runs_t *br)
{
    return o->whole || br->count == o->a->local_elems;
}

/* ---- in-place operations on one array --------------------------------------------- */

static int type_ok(const char *fn, kind_t kind, const da_array_t *a)
{
    da_type_t t = a->type;
    switch (kind) {
    case K_FILL:
    case K_ZERO:
    case K_APPLY: return DA_SUCCESS;
    case K_RMIN:
    case K_RMAX:
    case K_MIN:
    case K_MAX:
        if (!is_real(t))
            return da_error(DA_ERR_TYPE, "%s: min and max need a real element type (not complex or opaque)", fn);
        return DA_SUCCESS;
    default:
        if (!is_numeric(t)) return da_error(DA_ERR_TYPE, "%s: opaque elements have no arithmetic", fn);
        return DA_SUCCESS;
    }
}

static int unary(const char *fn, kind_t kind, da_array_t *a, const int64_t *lo, const int64_t *hi, int whole,
                 const void *scalar, da_apply_fn ufn, void *user)
{
    int rc = da_array_check(a);
    if (rc) return rc;
    operand_t o;
    da_box_runs_t br = {0};
    int lrc = operand(fn, "box", a, lo, hi, whole, &o);
    if (!lrc) lrc = type_ok(fn, kind, a);
    if (!lrc && (kind == K_FILL || kind == K_SCALE) && !scalar)
        lrc = da_error(DA_ERR_NULL, "%s: %s is NULL", fn, kind == K_FILL ? "value" : "alpha");
    if (!lrc && kind == K_APPLY && !ufn) lrc = da_error(DA_ERR_NULL, "%s: function is NULL", fn);
    if (!lrc) lrc = da_box_runs_build(a->dist, a->rank, o.lo, o.hi, 0, &br);
    uint64_t h = lrc ? 0 : da_coll_mix_box(da_coll_mix_array(kind, a), a->ndim, o.lo, o.hi);
    if ((rc = da_coll_begin(fn, a->comm, lrc, &a, 1, h, NULL, 0))) {
        if (!lrc) da_box_runs_free(&br);
        return rc;
    }
    kctx_t k;
    kctx_init(&k, kind, a);
    k.c = a->base;
    k.s1 = scalar;
    k.fn = ufn;
    k.user = user;
    rc = run_kernel(&k, &br, covers_block(&o, &br));
    if (rc && kind == K_APPLY)
        rc = da_error(DA_ERR_ARG, "%s: the user function returned %d", fn, k.user_rc);
    da_box_runs_free(&br);
    return da_coll_end(fn, a->comm, &a, 1, rc);
}

int da_fill(da_array_t *a, const void *value) { return unary(__func__, K_FILL, a, NULL, NULL, 1, value, NULL, NULL); }
int da_fill_box(da_array_t *a, const int64_t *lo, const int64_t *hi, const void *value)
{
    return unary(__func__, K_FILL, a, lo, hi, 0, value, NULL, NULL);
}
int da_zero(da_array_t *a) { return unary(__func__, K_ZERO, a, NULL, NULL, 1, NULL, NULL, NULL); }
int da_zero_box(da_array_t *a, const int64_t *lo, const int64_t *hi)
{
    return unary(__func__, K_ZERO, a, lo, hi, 0, NULL, NULL, NULL);
}
int da_scale(da_array_t *a, const void *alpha) { return unary(__func__, K_SCALE, a, NULL, NULL, 1, alpha, NULL, NULL); }
int da_scale_box(da_array_t *a, const int64_t *lo, const int64_t *hi, const void *alpha)
{
    return unary(__func__, K_SCALE, a, lo, hi, 0, alpha, NULL, NULL);
}
int da_abs(da_array_t *a) { return unary(__func__, K_ABS, a, NULL, NULL, 1, NULL, NULL, NULL); }
int da_abs_box(da_array_t *a, const int64_t *lo, const int64_t *hi)
{
    return unary(__func__, K_ABS, a, lo, hi, 0, NULL, NULL, NULL);
}
int da_apply(da_array_t *a, da_apply_fn fn, void *user)
{
    return unary(__func__, K_APPLY, a, NULL, NULL, 1, NULL, fn, user);
}
int da_apply_box(da_array_t *a, const int64_t *lo, const int64_t *hi, da_apply_fn fn, void *user)
{
    return unary(__func__, K_APPLY, a, lo, hi, 0, NULL, fn, user);
}

/* ---- reductions: gather every rank's partial, combine in rank order ----------------- */

static int gather_partials(MPI_Comm comm, int nranks, const partial_t *mine, partial_t **all)
{
    *all = malloc(sizeof **all * (size_t)nranks);
    if (!*all) return da_error(DA_ERR_NOMEM, "no memory for %d partial results", nranks);
    MPI_Request req;
    int mrc = MPI_Iallgather(mine, (int)sizeof *mine, MPI_BYTE, *all, (int)sizeof *mine, MPI_BYTE, comm, &req);
    if (mrc == MPI_SUCCESS) mrc = da_mpi_wait(&req);
    if (mrc != MPI_SUCCESS) {
        free(*all);
        *all = NULL;
        return da_mpi_error(mrc, "MPI_Iallgather");
    }
    return DA_SUCCESS;
}

static partial_t partial_of(const kctx_t *k)
{
    partial_t p;
    memset(&p, 0, sizeof p);
    p.has = k->has;
    p.nan = k->nan;
    switch (k->kind) {
    case K_DOT:
    case K_SUM:
        if (is_integer(k->type)) p.i[0] = (int64_t)k->acc.u;
        else if (is_real(k->type)) p.d[0] = k->acc.d;
        else {
            p.d[0] = creal(k->acc.z);
            p.d[1] = cimag(k->acc.z);
        }
        break;
    case K_RMIN:
    case K_RMAX:
        if (is_integer(k->type)) p.i[0] = k->best.i;
        else p.d[0] = k->best.d;
        p.i[1] = k->nan ? k->zero_lin : k->best_lin;
        break;
    case K_NORM1: p.d[0] = k->acc.d; break;
    case K_NORMINF: p.d[0] = k->maxabs; break;
    case K_NORM2: /* value = d[0] * sqrt(d[1]) */
        p.d[0] = k->norm2_scaled ? k->maxabs : 1.0;
        p.d[1] = k->sumsq;
        break;
    default: break;
    }
    return p;
}

/* Store the combined result of all partials into `result` (and loc). */
static void combine(const kctx_t *k, const partial_t *all, int nranks, void *result, int64_t *loc,
                    const int64_t *shape)
{
    switch (k->kind) {
    case K_DOT:
    case K_SUM: {
        uint64_t u = 0;
        double d = 0;
        cdouble z = 0;
        for (int r = 0; r < nranks; r++) {
            u += (uint64_t)all[r].i[0];
            d += all[r].d[0];
            z += CMPLX(all[r].d[0], all[r].d[1]);
        }
        switch (k->type) {
        case DA_INT32: *(int32_t *)result = (int32_t)(uint32_t)u; break;
        case DA_INT64: *(int64_t *)result = (int64_t)u; break;
        case DA_FLOAT: *(float *)result = (float)d; break;
        case DA_DOUBLE: *(double *)result = d; break;
        case DA_COMPLEX_FLOAT: *(cfloat *)result = (cfloat)z; break;
        case DA_COMPLEX_DOUBLE: *(cdouble *)result = z; break;
        default: break;
        }
        break;
    }
    case K_RMIN:
    case K_RMAX: {
        int best = -1, nan = 0;
        for (int r = 0; r < nranks; r++) {
            const partial_t *p = &all[r];
            if (p->nan) {
                if (!nan || p->i[1] < all[best].i[1]) best = r;
                nan = 1;
                continue;
            }
            if (nan || !p->has) continue;
            if (best < 0) {
                best = r;
                continue;
            }
            const partial_t *b = &all[best];
            int better, equal;
            if (is_integer(k->type)) {
                better = k->kind == K_RMIN ? p->i[0] < b->i[0] : p->i[0] > b->i[0];
                equal = p->i[0] == b->i[0];
            } else {
                better = k->kind == K_RMIN ? p->d[0] < b->d[0] : p->d[0] > b->d[0];
                equal = p->d[0] == b->d[0];
            }
            if (better || (equal && p->i[1] < b->i[1])) best = r;
        }
        const partial_t *b = &all[best]; /* the box is not empty: checked before */
        switch (k->type) {
        case DA_INT32: *(int32_t *)result = (int32_t)b->i[0]; break;
        case DA_INT64: *(int64_t *)result = b->i[0]; break;
        case DA_FLOAT: *(float *)result = nan ? NAN : (float)b->d[0]; break;
        case DA_DOUBLE: *(double *)result = nan ? NAN : b->d[0]; break;
        default: break;
        }
        if (loc) {
            int64_t lin = b->i[1];
            for (int d = k->ndim - 1; d >= 0; d--) {
                loc[d] = lin % shape[d];
                lin /= shape[d];
            }
        }
        break;
    }
    case K_NORM1:
    case K_NORMINF: {
        double v = 0;
        int nan = 0;
        for (int r = 0; r < nranks; r++) {
            nan |= all[r].nan;
            if (k->kind == K_NORM1) v += all[r].d[0];
            else if (all[r].d[0] > v) v = all[r].d[0];
        }
        *(double *)result = nan ? NAN : v;
        break;
    }
    case K_NORM2: {
        double s = 0, q = 0;
        int nan = 0;
        for (int r = 0; r < nranks; r++) {
            nan |= all[r].nan;
            if (all[r].d[1] > 0 && all[r].d[0] > s) s = all[r].d[0];
        }
        for (int r = 0; r < nranks && s > 0; r++)
            if (all[r].d[1] > 0) {
                double f = all[r].d[0] / s;
                q += all[r].d[1] * f * f;
            }
        *(double *)result = nan ? NAN : s * sqrt(q);
        break;
    }
    default: break;
    }
}

/* A reduction over one array's box (b == NULL) or the dot of two. */
static int reduce(const char *fn, kind_t kind, da_array_t *a, const int64_t *alo, const int64_t *ahi,
                  da_array_t *b, const int64_t *blo, const int64_t *bhi, int whole, void *result, int64_t *loc)
{
    int rc = da_array_check(a);
    if (rc) return rc;
    if (kind == K_DOT && (rc = da_array_check(b))) return rc;
    operand_t oa, ob;
    da_box_runs_t br = {0};
    int lrc = operand(fn, kind == K_DOT ? "box of a" : "box", a, alo, ahi, whole, &oa);
    if (!lrc && kind == K_DOT) lrc = operand(fn, "box of b", b, blo, bhi, whole, &ob);
    if (!lrc && kind == K_DOT) lrc = compatible(fn, &oa, &ob);
    if (!lrc) lrc = type_ok(fn, kind, a);
    if (!lrc && !result) lrc = da_error(DA_ERR_NULL, "%s: result is NULL", fn);
    if (!lrc && (kind == K_RMIN || kind == K_RMAX))
        for (int d = 0; d < a->ndim; d++)
            if (oa.lo[d] == oa.hi[d]) {
                lrc = da_error(DA_ERR_SHAPE, "%s: the box is empty: no minimum or maximum", fn);
                break;
            }
    if (!lrc) lrc = da_box_runs_build(a->dist, a->rank, oa.lo, oa.hi, 0, &br);
    da_array_t *arrs[2] = {a, kind == K_DOT ? b : NULL};
    uint64_t h = lrc ? 0 : da_coll_mix_box(da_coll_mix_array(kind, a), a->ndim, oa.lo, oa.hi);
    if (!lrc && kind == K_DOT) h = da_coll_mix_box(da_coll_mix_array(h, b), b->ndim, ob.lo, ob.hi);
    if ((rc = da_coll_begin(fn, a->comm, lrc, arrs, 2, h, NULL, 0))) {
        if (!lrc) da_box_runs_free(&br);
        return rc;
    }
    kctx_t k;
    kctx_init(&k, kind, a);
    k.c = k.a = a->base;
    char *tmp = NULL;
    if (kind == K_DOT) {
        char *bb;
        if ((rc = align(&ob, &oa, &tmp, &bb))) {
            da_box_runs_free(&br);
            return rc;
        }
        k.b = bb;
    }
    int flat = covers_block(&oa, &br);
    run_kernel(&k, &br, flat);
    if (kind == K_NORM2 && !k.nan && k.maxabs > 0 &&
        !isinf(k.maxabs) &&
        (isinf(k.sumsq) || k.maxabs > 0x1p+500 || k.maxabs < 0x1p-500)) {
        /* squares overflow or underflow: again, scaled by the largest magnitude */
        k.norm2_scaled = 1;
        k.sumsq = 0;
        run_kernel(&k, &br, flat);
    }
    da_box_runs_free(&br);
    free(tmp);
    partial_t mine = partial_of(&k), *all;
    if ((rc = gather_partials(a->comm, a->nranks, &mine, &all))) return rc;
    int64_t shape[DA_MAX_NDIM];
    memcpy(shape, a->dist->shape, sizeof shape);
    combine(&k, all, a->nranks, result, loc, shape);
    free(all);
    return DA_SUCCESS;
}

int da_dot(da_array_t *a, da_array_t *b, void *result)
{
    return reduce(__func__, K_DOT, a, NULL, NULL, b, NULL, NULL, 1, result, NULL);
}
int da_dot_box(da_array_t *a, const int64_t *alo, const int64_t *ahi, da_array_t *b, const int64_t *blo,
               const int64_t *bhi, void *result)
{
    return reduce(__func__, K_DOT, a, alo, ahi, b, blo, bhi, 0, result, NULL);
}
int da_sum(da_array_t *a, void *result) { return reduce(__func__, K_SUM, a, NULL, NULL, NULL, NULL, NULL, 1, result, NULL); }
int da_sum_box(da_array_t *a, const int64_t *lo, const int64_t *hi, void *result)
{
    return reduce(__func__, K_SUM, a, lo, hi, NULL, NULL, NULL, 0, result, NULL);
}
int da_min(da_array_t *a, void *result, int64_t *loc)
{
    return reduce(__func__, K_RMIN, a, NULL, NULL, NULL, NULL, NULL, 1, result, loc);
}
int da_min_box(da_array_t *a, const int64_t *lo, const int64_t *hi, void *result, int64_t *loc)
{
    return reduce(__func__, K_RMIN, a, lo, hi, NULL, NULL, NULL, 0, result, loc);
}
int da_max(da_array_t *a, void *result, int64_t *loc)
{
    return reduce(__func__, K_RMAX, a, NULL, NULL, NULL, NULL, NULL, 1, result, loc);
}
int da_max_box(da_array_t *a, const int64_t *lo, const int64_t *hi, void *result, int64_t *loc)
{
    return reduce(__func__, K_RMAX, a, lo, hi, NULL, NULL, NULL, 0, result, loc);
}
int da_norm1(da_array_t *a, double *result)
{
    return reduce(__func__, K_NORM1, a, NULL, NULL, NULL, NULL, NULL, 1, result, NULL);
}
int da_norm1_box(da_array_t *a, const int64_t *lo, const int64_t *hi, double *result)
{
    return reduce(__func__, K_NORM1, a, lo, hi, NULL, NULL, NULL, 0, result, NULL);
}
int da_norm2(da_array_t *a, double *result)
{
    return reduce(__func__, K_NORM2, a, NULL, NULL, NULL, NULL, NULL, 1, result, NULL);
}
int da_norm2_box(da_array_t *a, const int64_t *lo, const int64_t *hi, double *result)
{
    return reduce(__func__, K_NORM2, a, lo, hi, NULL, NULL, NULL, 0, result, NULL);
}
int da_norminf(da_array_t *a, double *result)
{
    return reduce(__func__, K_NORMINF, a, NULL, NULL, NULL, NULL, NULL, 1, result, NULL);
}
int da_norminf_box(da_array_t *a, const int64_t *lo, const int64_t *hi, double *result)
{
    return reduce(__func__, K_NORMINF, a, lo, hi, NULL, NULL, NULL, 0, result, NULL);
}

/* ---- C = f(A, B) -------------------------------------------------------------------- */

static int ternary(const char *fn, kind_t kind, const void *alpha, da_array_t *a, const int64_t *alo,
                   const int64_t *ahi, const void *beta, da_array_t *b, const int64_t *blo, const int64_t *bhi,
                   da_array_t *c, const int64_t *clo, const int64_t *chi, int whole)
{
    int rc;
    if ((rc = da_array_check(a)) || (rc = da_array_check(b)) || (rc = da_array_check(c))) return rc;
    operand_t oa, ob, oc;
    da_box_runs_t br = {0};
    int lrc = operand(fn, "box of a", a, alo, ahi, whole, &oa);
    if (!lrc) lrc = operand(fn, "box of b", b, blo, bhi, whole, &ob);
    if (!lrc) lrc = operand(fn, "box of c", c, clo, chi, whole, &oc);
    if (!lrc) lrc = compatible(fn, &oa, &oc);
    if (!lrc) lrc = compatible(fn, &ob, &oc);
    if (!lrc) lrc = type_ok(fn, kind, c);
    if (!lrc && kind == K_ADD && (!alpha || !beta)) lrc = da_error(DA_ERR_NULL, "%s: alpha or beta is NULL", fn);
    if (!lrc) lrc = da_box_runs_build(c->dist, c->rank, oc.lo, oc.hi, 0, &br);
    da_array_t *arrs[3] = {a, b, c};
    uint64_t h = 0;
    if (!lrc) {
        h = da_coll_mix_box(da_coll_mix_array(kind, a), a->ndim, oa.lo, oa.hi);
        h = da_coll_mix_box(da_coll_mix_array(h, b), b->ndim, ob.lo, ob.hi);
        h = da_coll_mix_box(da_coll_mix_array(h, c), c->ndim, oc.lo, oc.hi);
    }
    if ((rc = da_coll_begin(fn, c->comm, lrc, arrs, 3, h, NULL, 0))) {
        if (!lrc) da_box_runs_free(&br);
        return rc;
    }
    kctx_t k;
    kctx_init(&k, kind, c);
    k.c = c->base;
    k.s1 = alpha;
    k.s2 = beta;
    char *ta = NULL, *tb = NULL, *pa = NULL, *pb = NULL;
    rc = align(&oa, &oc, &ta, &pa);
    if (!rc) rc = align(&ob, &oc, &tb, &pb);
    k.a = pa;
    k.b = pb;
    int flat = covers_block(&oc, &br);
    if (!rc && kind == K_DIV && is_integer(c->type)) {
        /* a zero divisor anywhere: every rank refuses before writing */
        kctx_t z = k;
        z.kind = K_ZERO_CHECK;
        run_kernel(&z, &br, 0);
        partial_t mine = {.nan = z.nan, .i = {0, z.zero_lin}}, *all;
        if (!(rc = gather_partials(c->comm, c->nranks, &mine, &all))) {
            int first = -1;
            for (int r = 0; r < c->nranks; r++)
                if (all[r].nan && (first < 0 || all[r].i[1] < all[first].i[1])) first = r;
            if (first >= 0) {
                int64_t lin = all[first].i[1], at[DA_MAX_NDIM];
                for (int d = c->ndim - 1; d >= 0; d--) {
                    at[d] = lin % c->dist->shape[d];
                    lin /= c->dist->shape[d];
                }
                char where[DA_MAX_NDIM * 24] = "", *w = where;
                for (int d = 0; d < c->ndim; d++)
                    w += snprintf(w, sizeof where - (size_t)(w - where), "%s%lld", d ? ", " : "", (long long)at[d]);
                rc = da_error(DA_ERR_ARG, "%s: integer division by zero (divisor zero where c is [%s])", fn, where);
            }
            free(all);
        }
        if (rc) {
            /* every rank knows: nothing written, no exit agreement needed */
            da_box_runs_free(&br);
            free(ta);
            free(tb);
            return rc;
        }
    }
    if (!rc) run_kernel(&k, &br, flat);
    da_box_runs_free(&br);
    free(ta);
    free(tb);
    return da_coll_end(fn, c->comm, &c, 1, rc);
}

int da_add(const void *alpha, da_array_t *a, const void *beta, da_array_t *b, da_array_t *c)
{
    return ternary(__func__, K_ADD, alpha, a, NULL, NULL, beta, b, NULL, NULL, c, NULL, NULL, 1);
}
int da_add_box(const void *alpha, da_array_t *a, const int64_t *alo, const int64_t *ahi, const void *beta,
               da_array_t *b, const int64_t *blo, const int64_t *bhi, da_array_t *c, const int64_t *clo,
               const int64_t *chi)
{
    return ternary(__func__, K_ADD, alpha, a, alo, ahi, beta, b, blo, bhi, c, clo, chi, 0);
}

#define ELEM(NAME, KIND)                                                                                  \
    int da_elem_##NAME(da_array_t *a, da_array_t *b, da_array_t *c)                                       \
    {                                                                                                     \
        return ternary(__func__, KIND, NULL, a, NULL, NULL, NULL, b, NULL, NULL, c, NULL, NULL, 1);       \
    }                                                                                                     \
    int da_elem_##NAME##_box(da_array_t *a, const int64_t *alo, const int64_t *ahi, da_array_t *b,        \
                             const int64_t *blo, const int64_t *bhi, da_array_t *c, const int64_t *clo,   \
                             const int64_t *chi)                                                          \
    {                                                                                                     \
        return ternary(__func__, KIND, NULL, a, alo, ahi, NULL, b, blo, bhi, c, clo, chi, 0);             \
    }
ELEM(multiply, K_MUL)
ELEM(divide, K_DIV)
ELEM(min, K_MIN)
ELEM(max, K_MAX)
