/* Internal: element types, their MPI counterparts and arithmetic. */
#ifndef DA_LIB_TYPES_H
#define DA_LIB_TYPES_H

#include <stddef.h>

#include "darray/array.h"

int da_type_valid(da_type_t t);
size_t da_type_size(da_type_t t);
MPI_Datatype da_type_mpi(da_type_t t);
/* DA_SUCCESS if op may accumulate into type t, else DA_ERR_OP / DA_ERR_TYPE. */
int da_op_check(da_type_t t, da_op_t op);
MPI_Op da_op_mpi(da_op_t op);
/* 1 if *alpha is the type's one (scaling would change nothing). */
int da_type_is_one(da_type_t t, const void *alpha);
/* dst[i] = alpha * src[i] for n elements. */
void da_type_scale(da_type_t t, const void *alpha, const void *src, void *dst, size_t n);
/* *out = *old op *v, one element, not atomic (out may alias old). */
void da_type_combine(da_type_t t, da_op_t op, const void *old, const void *v, void *out);
/* *target = *target op value, atomically with respect to other calls of this
   function on the same element from any process sharing the memory. */
void da_type_atomic_acc(da_type_t t, da_op_t op, void *target, const void *value);
/* n elements of es bytes from src to dst, strides in elements (any sign). */
void da_strided_copy(char *dst, int64_t dstep, const char *src, int64_t sstep, int64_t n, size_t es);
/* Whether da_type_atomic_acc is lock-free for t on this machine. */
int da_type_has_cpu_atomics(da_type_t t);

#endif
