/* Stable LSD radix sort, 11 bits per pass: sorting points by (owner, offset)
   in a few linear passes instead of n log n comparisons. */
#include "radix.h"

#include <stdlib.h>
#include <string.h>

#define DIGIT 11
#define BUCKETS (1 << DIGIT)

int da_radix_sort(da_kv_t *v, int64_t n, int bits)
{
    if (n < 2 || bits <= 0) return 0;
    da_kv_t *tmp = malloc(sizeof *tmp * (size_t)n);
    int64_t *count = malloc(sizeof *count * BUCKETS);
    if (!tmp || !count) {
        free(tmp);
        free(count);
        return -1;
    }
    da_kv_t *src = v, *dst = tmp;
    for (int shift = 0; shift < bits; shift += DIGIT) {
        memset(count, 0, sizeof *count * BUCKETS);
        for (int64_t i = 0; i < n; i++) count[(src[i].key >> shift) & (BUCKETS - 1)]++;
        int64_t sum = 0;
        for (int b = 0; b < BUCKETS; b++) {
            int64_t c = count[b];
            count[b] = sum;
            sum += c;
        }
        for (int64_t i = 0; i < n; i++) dst[count[(src[i].key >> shift) & (BUCKETS - 1)]++] = src[i];
        da_kv_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != v) memcpy(v, src, sizeof *v * (size_t)n);
    free(tmp);
    free(count);
    return 0;
}
