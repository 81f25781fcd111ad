/* GA's layout of a regular array, as GA 5.8 computes it (our own code,
 * written from GA's documented behaviour and the algorithm its allocation
 * uses; docs/ga-migration.md explains it with examples).
 *
 * GA's C interface reverses the dimension order and hands the Fortran-order
 * shape to its core, which
 *  1. turns the chunk hints into minimum block sizes: if the first
 *     Fortran-order chunk entry (the last C one) is nonzero, every entry
 *     counts (min(chunk, n), entries below 1 meaning "any"); otherwise none
 *     does. A dimension of extent 1 always has block 1;
 *  2. counts units per dimension, t = ceil(n / block), and deals the prime
 *     factors of the process count, largest first, one at a time: the
 *     factor p goes to the dimension whose units leave the smallest
 *     remainder fraction (t mod (p*g)) / t, where g is the dimension's grid
 *     extent so far; a dimension with t < p*g scores 1.1 (worse than any
 *     remainder); ties keep the first dimension looked at, and the search
 *     starts one dimension further (cyclically) for each factor;
 *  3. per dimension, with b = ceil(t / g): the first n' - (b-1)*g blocks hold
 *     b units and the rest b-1 (n' = t, the unit count), a unit being one
 *     element or, with a chunk hint above 1, min(chunk, n) elements; blocks
 *     that would start at or past n are dropped, so the grid shrinks along
 *     that dimension.
 * Processes are numbered with the first Fortran-order grid dimension
 * varying fastest: in C order, the last dimension fastest, i.e. row-major
 * over the C-order grid, which is darray's numbering. Processes beyond the
 * product of the (shrunk) grid hold nothing. */
#include <stdlib.h>

#include "ga_internal.h"

int ga_regular_layout(int ndim, const int64_t *dims, const int64_t *chunk, int nproc, int *grid, int *full,
                      int64_t **starts)
{
    int64_t n[DA_MAX_NDIM], hint[DA_MAX_NDIM], blk[DA_MAX_NDIM], units[DA_MAX_NDIM];
    int64_t pe[DA_MAX_NDIM];
    for (int i = 0; i < ndim; i++) { /* Fortran order: i = ndim-1-c */
        n[i] = dims[ndim - 1 - i];
        hint[i] = chunk ? chunk[ndim - 1 - i] : 0;
    }
    for (int i = 0; i < ndim; i++) {
        blk[i] = hint[0] != 0 ? (hint[i] < n[i] ? hint[i] : n[i]) : -1;
        if (n[i] == 1) blk[i] = 1;
        if (blk[i] < 1) blk[i] = 1;
        units[i] = (n[i] + blk[i] - 1) / blk[i];
        pe[i] = 1;
    }

    /* prime factors of nproc, ascending, with repetition */
    int primes[64], np = 0;
    for (int rest = nproc, f = 2; rest > 1;) {
        if ((int64_t)f * f > rest) f = rest;
        if (rest % f == 0) {
            primes[np++] = f;
            rest /= f;
        } else {
            f++;
        }
    }

    int start = 0;
    for (int k = np - 1; k >= 0; k--) {
        int64_t p = primes[k];
        int best = -1;
        double bestq = 0;
        for (int j = 0; j < ndim; j++) {
            int d = (start + j) % ndim;
            double q = units[d] < p * pe[d] ? 1.1 : (double)(units[d] % (p * pe[d])) / (double)units[d];
            if (best < 0 || q < bestq) {
                best = d;
                bestq = q;
            }
        }
        pe[best] *= p;
        start = (start + 1) % ndim;
    }

    for (int i = 0; i < ndim; i++) {
        int c = ndim - 1 - i;
        int64_t b = (units[i] + pe[i] - 1) / pe[i];
        int64_t unit = 1, count = n[i];
        if (hint[i] > 1) {
            unit = hint[i] < n[i] ? hint[i] : n[i];
            count = (n[i] - 1) / unit + 1;
        }
        int64_t cut = count - (b - 1) * pe[i];
        int64_t *s = malloc(sizeof *s * (size_t)pe[i]);
        if (!s) return DA_ERR_NOMEM;
        int nb = 0;
        for (int64_t pos = 0, p = 0; p < pe[i] && pos < n[i]; p++) {
            int64_t len = p >= cut ? b - 1 : b;
            s[nb++] = pos;
            pos += len * unit;
        }
        starts[c] = s;
        grid[c] = nb;
        full[c] = (int)pe[i];
    }
    return DA_SUCCESS;
}
