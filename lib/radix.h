/* Internal: stable LSD radix sort of (key, value) pairs. */
#ifndef DA_LIB_RADIX_H
#define DA_LIB_RADIX_H

#include <stdint.h>

typedef struct {
    uint64_t key;
    int64_t value;
} da_kv_t;

/* Sorts v[0..n) by key, stable; keys are < 2^bits. Returns 0, or -1 if out
   of memory. */
int da_radix_sort(da_kv_t *v, int64_t n, int bits);

#endif
