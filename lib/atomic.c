/* Atomics on one element: fetch-and-op, atomic read, swap, compare-and-swap.
 *
 * One mechanism per array, the one its accumulates use (a->acc_cpu, chosen
 * at creation): MPI leaves CPU atomics on memory that MPI accumulates also
 * target undefined, so an array whose da_acc goes through MPI_Accumulate
 * does its atomics through MPI_Fetch_and_op / MPI_Compare_and_swap too, even
 * on the caller's own block, and an array whose accumulates are CPU
 * compare-and-swap loops on shared memory does its atomics with CPU
 * instructions on the same words. Either way an atomic and a da_acc on one
 * element are atomic with respect to each other.
 */
#include "darray/atomic.h"

#include <complex.h>
#include <stdint.h>
#include <string.h>

#include "array.h"
#include "error.h"
#include "types.h"

/* Room for any element: complex double is the largest (16 bytes). */
typedef union {
    int32_t i32;
    int64_t i64;
    float f;
    double d;
    float complex cf;
    double complex cd;
    unsigned char bytes[16];
} elem_t;

typedef enum { KIND_FETCH_OP, KIND_READ, KIND_CAS } kind_t;

/* The owner of idx and the element's byte displacement in its block. */
static int locate(const da_array_t *a, const int64_t *idx, int *rank, int64_t *disp, const char *who)
{
    if (!idx) return da_error(DA_ERR_NULL, "%s: idx is NULL", who);
    const da_dist_t *d = a->dist;
    int c[DA_MAX_NDIM], r = 0;
    int64_t l[DA_MAX_NDIM];
    for (int i = 0; i < d->ndim; i++) {
        if (idx[i] < 0 || idx[i] >= d->shape[i])
            return da_error(DA_ERR_BOUNDS, "%s: idx[%d] = %lld outside [0, %lld)", who, i, (long long)idx[i],
                            (long long)d->shape[i]);
    }
    for (int i = 0; i < d->ndim; i++) {
        c[i] = da_dim_owner(&d->dim[i], idx[i], &l[i]);
        r = r * d->grid[i] + c[i];
    }
    int64_t off = l[0];
    for (int i = 1; i < d->ndim; i++) off = off * da_dim_local_count(&d->dim[i], c[i]) + l[i];
    *rank = r;
    *disp = off * (int64_t)a->esize;
    return DA_SUCCESS;
}

/* ---- CPU atomics on shared memory --------------------------------------- */

/* Integer ops the CPU has as one instruction; the rest are CAS loops. */
#define CPU_INT_OP(W, p, x, res)                                                     \
    do {                                                                             \
        switch (op) {                                                                \
        case DA_OP_SUM: res = __atomic_fetch_add(p, x, __ATOMIC_SEQ_CST); break;     \
        case DA_OP_BAND: res = __atomic_fetch_and(p, x, __ATOMIC_SEQ_CST); break;    \
        case DA_OP_BOR: res = __atomic_fetch_or(p, x, __ATOMIC_SEQ_CST); break;      \
        case DA_OP_BXOR: res = __atomic_fetch_xor(p, x, __ATOMIC_SEQ_CST); break;    \
        case DA_OP_REPLACE: res = __atomic_exchange_n(p, x, __ATOMIC_SEQ_CST); break; \
        default: {                                                                   \
            W o_ = __atomic_load_n(p, __ATOMIC_RELAXED), n_;                         \
            do {                                                                     \
                da_type_combine(t, op, &o_, &x, &n_);                                        \
            } while (!__atomic_compare_exchange_n(p, &o_, n_, 1, __ATOMIC_SEQ_CST,   \
                                                  __ATOMIC_RELAXED));                \
            res = o_;                                                                \
        }                                                                            \
        }                                                                            \
    } while (0)

/* Words of other types: a CAS loop on the bits. */
#define CPU_BITS_OP(W, p, v, res)                                                    \
    do {                                                                             \
        W o_ = __atomic_load_n(p, __ATOMIC_RELAXED), n_;                             \
        if (op == DA_OP_REPLACE) {                                                   \
            memcpy(&n_, v, sizeof n_);                                               \
            o_ = __atomic_exchange_n(p, n_, __ATOMIC_SEQ_CST);                       \
        } else {                                                                     \
            do {                                                                     \
                da_type_combine(t, op, &o_, v, &n_);                                         \
            } while (!__atomic_compare_exchange_n(p, &o_, n_, 1, __ATOMIC_SEQ_CST,   \
                                                  __ATOMIC_RELAXED));                \
        }                                                                            \
        res = o_;                                                                    \
    } while (0)

static void cpu_atomic(da_type_t t, kind_t kind, da_op_t op, void *target, const elem_t *v,
                       const elem_t *cmp, elem_t *old)
{
    if (da_type_size(t) == 4) {
        uint32_t *p = target, res;
        if (kind == KIND_READ) {
            res = __atomic_load_n(p, __ATOMIC_SEQ_CST);
        } else if (kind == KIND_CAS) {
            uint32_t expect;
            memcpy(&expect, cmp, 4);
            uint32_t nw;
            memcpy(&nw, v, 4);
            __atomic_compare_exchange_n(p, &expect, nw, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
            res = expect;
        } else if (t == DA_INT32) {
            int32_t x = v->i32, r;
            CPU_INT_OP(int32_t, (int32_t *)target, x, r);
            memcpy(&res, &r, 4);
        } else {
            CPU_BITS_OP(uint32_t, p, v, res);
        }
        memcpy(old, &res, 4);
    } else {
        uint64_t *p = target, res;
        if (kind == KIND_READ) {
            res = __atomic_load_n(p, __ATOMIC_SEQ_CST);
        } else if (kind == KIND_CAS) {
            uint64_t expect, nw;
            memcpy(&expect, cmp, 8);
            memcpy(&nw, v, 8);
            __atomic_compare_exchange_n(p, &expect, nw, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
            res = expect;
        } else if (t == DA_INT64) {
            int64_t x = v->i64, r;
            CPU_INT_OP(int64_t, (int64_t *)target, x, r);
            memcpy(&res, &r, 8);
        } else {
            CPU_BITS_OP(uint64_t, p, v, res);
        }
        memcpy(old, &res, 8);
    }
}

/* ---- the calls ------------------------------------------------------------ */

static int atomic_op(da_array_t *a, kind_t kind, da_op_t op, const int64_t *idx, const void *value,
                     const void *compare, void *old, const char *who)
{
    int rc = da_array_check(a);
    if (rc) return rc;
    if (a->type == DA_OPAQUE)
        return da_error(DA_ERR_TYPE, "%s: opaque elements have no atomic operations", who);
    if (kind == KIND_FETCH_OP && (rc = da_op_check(a->type, op))) return rc;
    if (kind == KIND_CAS && a->type != DA_INT32 && a->type != DA_INT64)
        return da_error(DA_ERR_TYPE, "%s: compare-and-swap needs an int32 or int64 array (MPI has no CAS on %s)",
                        who, a->type == DA_FLOAT ? "float" : a->type == DA_DOUBLE ? "double" : "complex");
    if (kind != KIND_READ && !value) return da_error(DA_ERR_NULL, "%s: value is NULL", who);
    if (kind == KIND_CAS && !compare) return da_error(DA_ERR_NULL, "%s: compare is NULL", who);
    if (kind == KIND_READ && !old) return da_error(DA_ERR_NULL, "%s: output is NULL", who);
    int rank = 0;
    int64_t disp = 0;
    if ((rc = locate(a, idx, &rank, &disp, who))) return rc;

    /* Private copies: the caller's buffers may overlap or be misaligned. */
    size_t es = a->esize;
    elem_t v = {.i64 = 0}, c = {.i64 = 0}, res = {.i64 = 0};
    if (value) memcpy(&v, value, es);
    if (compare) memcpy(&c, compare, es);

    if (a->acc_cpu) {
        cpu_atomic(a->type, kind, op, a->peer_base[rank] + disp, &v, &c, &res);
    } else {
        int mrc;
        if (kind == KIND_CAS)
            mrc = MPI_Compare_and_swap(&v, &c, &res, a->mpitype, rank, (MPI_Aint)disp, a->win);
        else
            mrc = MPI_Fetch_and_op(&v, &res, a->mpitype, rank, (MPI_Aint)disp,
                                   kind == KIND_READ ? MPI_NO_OP : da_op_mpi(op), a->win);
        if (mrc != MPI_SUCCESS) return da_mpi_error(mrc, who);
        if ((mrc = MPI_Win_flush(rank, a->win)) != MPI_SUCCESS) return da_mpi_error(mrc, "MPI_Win_flush");
    }
    if (old) memcpy(old, &res, es);
    return DA_SUCCESS;
}

int da_fetch_op(da_array_t *a, da_op_t op, const int64_t *idx, const void *value, void *old)
{
    return atomic_op(a, KIND_FETCH_OP, op, idx, value, NULL, old, "da_fetch_op");
}

int da_atomic_read(da_array_t *a, const int64_t *idx, void *value)
{
    return atomic_op(a, KIND_READ, DA_OP_SUM, idx, NULL, NULL, value, "da_atomic_read");
}

int da_swap(da_array_t *a, const int64_t *idx, const void *value, void *old)
{
    return atomic_op(a, KIND_FETCH_OP, DA_OP_REPLACE, idx, value, NULL, old, "da_swap");
}

int da_cas(da_array_t *a, const int64_t *idx, const void *compare, const void *value, void *old)
{
    return atomic_op(a, KIND_CAS, DA_OP_REPLACE, idx, value, compare, old, "da_cas");
}

int da_fetch_add(da_array_t *a, const int64_t *idx, int64_t inc, int64_t *old)
{
    int rc = da_array_check(a);
    if (rc) return rc;
    if (a->type == DA_INT64) {
        int64_t prev;
        rc = atomic_op(a, KIND_FETCH_OP, DA_OP_SUM, idx, &inc, NULL, &prev, "da_fetch_add");
        if (!rc && old) *old = prev;
        return rc;
    }
    if (a->type != DA_INT32) return da_error(DA_ERR_TYPE, "da_fetch_add: needs an int32 or int64 array");
    if (inc < INT32_MIN || inc > INT32_MAX)
        return da_error(DA_ERR_OVERFLOW, "da_fetch_add: increment %lld does not fit the int32 array",
                        (long long)inc);
    int32_t i32 = (int32_t)inc, prev;
    rc = atomic_op(a, KIND_FETCH_OP, DA_OP_SUM, idx, &i32, NULL, &prev, "da_fetch_add");
    if (!rc && old) *old = prev;
    return rc;
}
