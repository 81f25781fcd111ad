/* Element types: sizes, MPI datatypes, valid accumulate ops, scaling, and
   the CPU atomics used for accumulates on shared memory. */
#include "types.h"

#include <complex.h>
#include <stdint.h>
#include <string.h>

#include "error.h"

int da_type_valid(da_type_t t)
{
    return t >= DA_INT32 && t <= DA_OPAQUE;
}

size_t da_type_size(da_type_t t)
{
    switch (t) {
    case DA_INT32: return 4;
    case DA_INT64: return 8;
    case DA_FLOAT: return 4;
    case DA_DOUBLE: return 8;
    case DA_COMPLEX_FLOAT: return 8;
    case DA_COMPLEX_DOUBLE: return 16;
    default: return 0;
    }
}

MPI_Datatype da_type_mpi(da_type_t t)
{
    switch (t) {
    case DA_INT32: return MPI_INT32_T;
    case DA_INT64: return MPI_INT64_T;
    case DA_FLOAT: return MPI_FLOAT;
    case DA_DOUBLE: return MPI_DOUBLE;
    case DA_COMPLEX_FLOAT: return MPI_C_FLOAT_COMPLEX;
    case DA_COMPLEX_DOUBLE: return MPI_C_DOUBLE_COMPLEX;
    default: return MPI_DATATYPE_NULL;
    }
}

int da_op_check(da_type_t t, da_op_t op)
{
    if (t == DA_OPAQUE) return da_error(DA_ERR_TYPE, "opaque elements can be put and got, not accumulated");
    if (op < DA_OP_SUM || op > DA_OP_BXOR) return da_error(DA_ERR_OP, "unknown accumulate op %d", (int)op);
    int integer = t == DA_INT32 || t == DA_INT64;
    int is_complex = t == DA_COMPLEX_FLOAT || t == DA_COMPLEX_DOUBLE;
    if (op >= DA_OP_BAND && !integer)
        return da_error(DA_ERR_OP, "bitwise accumulate needs an integer type");
    if ((op == DA_OP_MIN || op == DA_OP_MAX) && is_complex)
        return da_error(DA_ERR_OP, "min and max are not defined on complex numbers");
    return DA_SUCCESS;
}

MPI_Op da_op_mpi(da_op_t op)
{
    static const MPI_Op ops[] = {MPI_SUM, MPI_PROD, MPI_MIN, MPI_MAX, MPI_REPLACE, MPI_BAND, MPI_BOR, MPI_BXOR};
    return ops[op];
}

int da_type_is_one(da_type_t t, const void *alpha)
{
    switch (t) {
    case DA_INT32: return *(const int32_t *)alpha == 1;
    case DA_INT64: return *(const int64_t *)alpha == 1;
    case DA_FLOAT: return *(const float *)alpha == 1.0f;
    case DA_DOUBLE: return *(const double *)alpha == 1.0;
    case DA_COMPLEX_FLOAT: return *(const float complex *)alpha == 1.0f;
    case DA_COMPLEX_DOUBLE: return *(const double complex *)alpha == 1.0;
    default: return 1;
    }
}

#define SCALE(T)                                                 \
    do {                                                         \
        T a_;                                                    \
        memcpy(&a_, alpha, sizeof a_);                           \
        for (size_t i = 0; i < n; i++) {                         \
            T v_;                                                \
            memcpy(&v_, (const char *)src + i * sizeof v_, sizeof v_); \
            v_ = a_ * v_;                                        \
            memcpy((char *)dst + i * sizeof v_, &v_, sizeof v_); \
        }                                                        \
    } while (0)

void da_type_scale(da_type_t t, const void *alpha, const void *src, void *dst, size_t n)
{
    switch (t) {
    case DA_INT32: SCALE(int32_t); break;
    case DA_INT64: SCALE(int64_t); break;
    case DA_FLOAT: SCALE(float); break;
    case DA_DOUBLE: SCALE(double); break;
    case DA_COMPLEX_FLOAT: SCALE(float complex); break;
    case DA_COMPLEX_DOUBLE: SCALE(double complex); break;
    default: break;
    }
}

int da_type_has_cpu_atomics(da_type_t t)
{
    size_t s = da_type_size(t);
    return (s == 4 && __atomic_always_lock_free(4, 0)) || (s == 8 && __atomic_always_lock_free(8, 0));
}

/* new = old op v, for one element held in the bits of a 4- or 8-byte word. */
#define APPLY(T, old, v, out)                            \
    do {                                                 \
        T o_, x_, r_;                                    \
        memcpy(&o_, old, sizeof o_);                     \
        memcpy(&x_, v, sizeof x_);                       \
        switch (op) {                                    \
        case DA_OP_SUM: r_ = o_ + x_; break;             \
        case DA_OP_PROD: r_ = o_ * x_; break;            \
        default: r_ = x_; break; /* REPLACE */           \
        }                                                \
        memcpy(out, &r_, sizeof r_);                     \
    } while (0)

#define APPLY_ORDERED(T, old, v, out)                    \
    do {                                                 \
        T o_, x_;                                        \
        memcpy(&o_, old, sizeof o_);                     \
        memcpy(&x_, v, sizeof x_);                       \
        if (op == DA_OP_MIN) { if (x_ < o_) o_ = x_; }   \
        else if (op == DA_OP_MAX) { if (x_ > o_) o_ = x_; } \
        else { APPLY(T, old, v, out); break; }           \
        memcpy(out, &o_, sizeof o_);                     \
    } while (0)

#define APPLY_INT(T, old, v, out)                        \
    do {                                                 \
        T o_, x_;                                        \
        memcpy(&o_, old, sizeof o_);                     \
        memcpy(&x_, v, sizeof x_);                       \
        if (op == DA_OP_BAND) o_ &= x_;                  \
        else if (op == DA_OP_BOR) o_ |= x_;              \
        else if (op == DA_OP_BXOR) o_ ^= x_;             \
        else { APPLY_ORDERED(T, old, v, out); break; }   \
        memcpy(out, &o_, sizeof o_);                     \
    } while (0)

void da_type_combine(da_type_t t, da_op_t op, const void *old, const void *v, void *out)
{
    switch (t) {
    case DA_INT32: APPLY_INT(int32_t, old, v, out); break;
    case DA_INT64: APPLY_INT(int64_t, old, v, out); break;
    case DA_FLOAT: APPLY_ORDERED(float, old, v, out); break;
    case DA_DOUBLE: APPLY_ORDERED(double, old, v, out); break;
    case DA_COMPLEX_FLOAT: APPLY(float complex, old, v, out); break;
    case DA_COMPLEX_DOUBLE: APPLY(double complex, old, v, out); break;
    default: break;
    }
}

/* A compare-and-swap loop on the element's word: lock-free, and works across
   processes because it needs nothing but the shared word itself. */
void da_type_atomic_acc(da_type_t t, da_op_t op, void *target, const void *value)
{
    if (da_type_size(t) == 4) {
        uint32_t *w = target, old = __atomic_load_n(w, __ATOMIC_RELAXED), nw;
        do {
            da_type_combine(t, op, &old, value, &nw);
        } while (!__atomic_compare_exchange_n(w, &old, nw, 1, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED));
    } else {
        uint64_t *w = target, old = __atomic_load_n(w, __ATOMIC_RELAXED), nw;
        do {
            da_type_combine(t, op, &old, value, &nw);
        } while (!__atomic_compare_exchange_n(w, &old, nw, 1, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED));
    }
}

void da_strided_copy(char *dst, int64_t ds, const char *src, int64_t ss, int64_t n, size_t es)
{
    if (ds == 1 && ss == 1) {
        memcpy(dst, src, (size_t)n * es);
        return;
    }
    int64_t e = (int64_t)es;
    switch (es) {
    case 4:
        for (int64_t i = 0; i < n; i++) memcpy(dst + i * ds * 4, src + i * ss * 4, 4);
        break;
    case 8:
        for (int64_t i = 0; i < n; i++) memcpy(dst + i * ds * 8, src + i * ss * 8, 8);
        break;
    case 16:
        for (int64_t i = 0; i < n; i++) memcpy(dst + i * ds * 16, src + i * ss * 16, 16);
        break;
    default:
        for (int64_t i = 0; i < n; i++) memcpy(dst + i * ds * e, src + i * ss * e, es);
    }
}
