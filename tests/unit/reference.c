/* The brute-force reference model. Owners follow the plain definition of
   each kind in dist.h; local indices are found by counting (the number of
   smaller global indices on the same part), never by a closed formula, so a
   wrong formula in lib/ cannot be mirrored here. */
#include "reference.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t rng_next(rng_t *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

int64_t rng_range(rng_t *r, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(rng_next(r) % (uint64_t)(hi - lo + 1));
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p) cr_assert_fail("test out of memory");
    return p;
}

const char *ref_kind_name(da_dist_kind_t k)
{
    switch (k) {
    case DA_DIST_BLOCK: return "block";
    case DA_DIST_BLOCK_GA: return "block_ga";
    case DA_DIST_CYCLIC: return "cyclic";
    case DA_DIST_BLOCK_CYCLIC: return "block_cyclic";
    case DA_DIST_IRREGULAR: return "irregular";
    case DA_DIST_NONE: return "none";
    case DA_DIST_UNSTRUCTURED: return "unstructured";
    }
    return "?";
}

int ref_kind_contiguous(da_dist_kind_t k)
{
    return k == DA_DIST_BLOCK || k == DA_DIST_BLOCK_GA || k == DA_DIST_IRREGULAR || k == DA_DIST_NONE;
}

void ref_dim_build(ref_dim_t *r, const ref_dim_input_t *in, int64_t n, int p)
{
    memset(r, 0, sizeof *r);
    r->kind = in->kind;
    r->n = n;
    r->p = p;
    r->b = in->b;
    r->owner = xcalloc((size_t)n, sizeof *r->owner);
    r->local = xcalloc((size_t)n, sizeof *r->local);
    r->count = xcalloc((size_t)p, sizeof *r->count);
    r->glob = xcalloc((size_t)p, sizeof *r->glob);
    for (int64_t g = 0; g < n; g++) r->owner[g] = -1;

    switch (in->kind) {
    case DA_DIST_BLOCK: { /* part c holds n/p + (c < n%p), parts in order */
        int64_t g = 0;
        for (int c = 0; c < p; c++) {
            int64_t size = n / p + (c < n % p ? 1 : 0);
            for (int64_t k = 0; k < size; k++) r->owner[g++] = c;
        }
        EXPECT(g == n, "reference: block sizes sum to %lld, not %lld", (long long)g, (long long)n);
        break;
    }
    case DA_DIST_BLOCK_GA: { /* chunk ceil(n/p); part c = [c*chunk, min((c+1)*chunk, n)) */
        int64_t chunk = n / p + (n % p != 0);
        for (int c = 0; c < p; c++)
            for (int64_t g = c * chunk; g < (c + 1) * chunk && g < n; g++) r->owner[g] = c;
        break;
    }
    case DA_DIST_CYCLIC:
        for (int64_t g = 0; g < n; g++) r->owner[g] = (int)(g % p);
        break;
    case DA_DIST_BLOCK_CYCLIC: /* block g/b dealt round-robin */
        for (int64_t g = 0; g < n; g++) r->owner[g] = (int)((g / in->b) % p);
        break;
    case DA_DIST_IRREGULAR:
        r->starts = xcalloc((size_t)p, sizeof *r->starts);
        memcpy(r->starts, in->starts, sizeof *r->starts * (size_t)p);
        for (int c = 0; c < p; c++) {
            int64_t end = c + 1 < p ? in->starts[c + 1] : n;
            for (int64_t g = in->starts[c]; g < end; g++) r->owner[g] = c;
        }
        break;
    case DA_DIST_NONE:
        EXPECT(p == 1, "reference: NONE over %d parts", p);
        for (int64_t g = 0; g < n; g++) r->owner[g] = 0;
        break;
    case DA_DIST_UNSTRUCTURED:
        r->lcounts = xcalloc((size_t)p, sizeof *r->lcounts);
        r->lists = xcalloc((size_t)p, sizeof *r->lists);
        for (int c = 0; c < p; c++) {
            r->lcounts[c] = in->lcounts[c];
            r->lists[c] = xcalloc((size_t)in->lcounts[c], sizeof **r->lists);
            for (int64_t l = 0; l < in->lcounts[c]; l++) {
                int64_t g = in->lists[c][l];
                r->lists[c][l] = g;
                EXPECT(g >= 0 && g < n && r->owner[g] < 0, "reference: bad unstructured input");
                r->owner[g] = c;
                r->local[g] = l;
            }
        }
        break;
    }
    for (int64_t g = 0; g < n; g++)
        EXPECT(r->owner[g] >= 0 && r->owner[g] < p, "reference: index %lld has no owner", (long long)g);

    /* local index: position among the part's indices, by counting */
    if (in->kind != DA_DIST_UNSTRUCTURED) {
        for (int64_t g = 0; g < n; g++) r->local[g] = r->count[r->owner[g]]++;
    } else {
        for (int c = 0; c < p; c++) r->count[c] = r->lcounts[c];
    }
    for (int c = 0; c < p; c++) r->glob[c] = xcalloc((size_t)r->count[c], sizeof **r->glob);
    for (int64_t g = 0; g < n; g++) r->glob[r->owner[g]][r->local[g]] = g;
}

void ref_dim_free(ref_dim_t *r)
{
    for (int c = 0; c < r->p; c++) {
        if (r->glob) free(r->glob[c]);
        if (r->lists) free(r->lists[c]);
    }
    free(r->owner);
    free(r->local);
    free(r->count);
    free(r->glob);
    free(r->starts);
    free(r->lists);
    free(r->lcounts);
    memset(r, 0, sizeof *r);
}

da_dim_spec_t ref_input_spec(const ref_dim_input_t *in)
{
    switch (in->kind) {
    case DA_DIST_BLOCK_CYCLIC: return DA_DIM_BLOCK_CYCLIC(in->b);
    case DA_DIST_IRREGULAR: return DA_DIM_IRREGULAR(in->nparts, in->starts);
    case DA_DIST_UNSTRUCTURED: return DA_DIM_UNSTRUCTURED(in->nparts, in->lists, in->lcounts);
    default: return (da_dim_spec_t){.kind = in->kind};
    }
}

da_dim_spec_t ref_dim_spec(const ref_dim_t *r)
{
    switch (r->kind) {
    case DA_DIST_BLOCK_CYCLIC: return DA_DIM_BLOCK_CYCLIC(r->b);
    case DA_DIST_IRREGULAR: return DA_DIM_IRREGULAR(r->p, r->starts);
    case DA_DIST_UNSTRUCTURED:
        return DA_DIM_UNSTRUCTURED(r->p, (const int64_t *const *)r->lists, r->lcounts);
    default: return (da_dim_spec_t){.kind = r->kind};
    }
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int64_t *ref_random_starts(rng_t *g, int64_t n, int p)
{
    int64_t *s = xcalloc((size_t)p, sizeof *s);
    for (int c = 1; c < p; c++) {
        switch (rng_range(g, 0, 5)) {
        case 0: s[c] = s[c - 1]; break; /* an empty part, usually */
        case 1: s[c] = n; break;        /* trailing empty parts */
        default: s[c] = rng_range(g, 0, n);
        }
    }
    qsort(s, (size_t)p, sizeof *s, cmp_i64);
    s[0] = 0;
    return s;
}

int64_t **ref_random_lists(rng_t *g, int64_t n, int p, int64_t **counts_out)
{
    int64_t *counts = xcalloc((size_t)p, sizeof *counts);
    int64_t **lists = xcalloc((size_t)p, sizeof *lists);
    int *owner = xcalloc((size_t)n, sizeof *owner);
    /* a random subset of parts receives indices, so empty parts occur */
    int active[64], nactive = 0;
    for (int c = 0; c < p; c++)
        if (rng_range(g, 0, 3) != 0) active[nactive++] = c;
    if (nactive == 0) active[nactive++] = (int)rng_range(g, 0, p - 1);
    int mode = (int)rng_range(g, 0, 3);
    for (int64_t i = 0; i < n; i++) {
        if (mode == 0) /* contiguous ranges */
            owner[i] = active[(int)(i * nactive / n)];
        else
            owner[i] = active[rng_range(g, 0, nactive - 1)];
        counts[owner[i]]++;
    }
    for (int c = 0; c < p; c++) {
        lists[c] = xcalloc((size_t)counts[c], sizeof **lists);
        counts[c] = 0;
    }
    for (int64_t i = 0; i < n; i++) lists[owner[i]][counts[owner[i]]++] = i;
    if (mode >= 2) /* shuffled local order */
        for (int c = 0; c < p; c++)
            for (int64_t k = counts[c] - 1; k > 0; k--) {
                int64_t j = rng_range(g, 0, k), t = lists[c][k];
                lists[c][k] = lists[c][j];
                lists[c][j] = t;
            }
    free(owner);
    *counts_out = counts;
    return lists;
}

void ref_free_lists(int64_t **lists, int p, int64_t *counts)
{
    for (int c = 0; c < p; c++) free(lists[c]);
    free(lists);
    free(counts);
}

void ref_map_build(ref_map_t *r, int ndim, const int64_t *shape, const ref_dim_input_t *in,
                   const int *grid)
{
    memset(r, 0, sizeof *r);
    r->ndim = ndim;
    r->nranks = 1;
    r->total = 1;
    size_t len = 0;
    len += (size_t)snprintf(r->ctx + len, sizeof r->ctx - len, "map ndim=%d:", ndim);
    for (int i = 0; i < ndim; i++) {
        r->shape[i] = shape[i];
        r->grid[i] = grid[i];
        r->nranks *= grid[i];
        r->total *= shape[i];
        ref_dim_build(&r->dim[i], &in[i], shape[i], grid[i]);
        if (len < sizeof r->ctx)
            len += (size_t)snprintf(r->ctx + len, sizeof r->ctx - len, " [n=%lld p=%d %s", (long long)shape[i],
                                    grid[i], ref_kind_name(in[i].kind));
        if (in[i].kind == DA_DIST_BLOCK_CYCLIC && len < sizeof r->ctx)
            len += (size_t)snprintf(r->ctx + len, sizeof r->ctx - len, " b=%lld", (long long)in[i].b);
        if (in[i].kind == DA_DIST_IRREGULAR)
            for (int c = 0; c < grid[i] && len < sizeof r->ctx; c++)
                len += (size_t)snprintf(r->ctx + len, sizeof r->ctx - len, "%s%lld", c ? "," : " starts=",
                                        (long long)in[i].starts[c]);
        if (in[i].kind == DA_DIST_UNSTRUCTURED)
            for (int c = 0; c < grid[i] && len < sizeof r->ctx; c++)
                len += (size_t)snprintf(r->ctx + len, sizeof r->ctx - len, "%s%lld", c ? "," : " counts=",
                                        (long long)in[i].lcounts[c]);
        if (len < sizeof r->ctx) len += (size_t)snprintf(r->ctx + len, sizeof r->ctx - len, "]");
    }
}

void ref_map_free(ref_map_t *r)
{
    for (int i = 0; i < r->ndim; i++) ref_dim_free(&r->dim[i]);
}

int ref_rank_of(const ref_map_t *r, const int *coords)
{
    int rank = 0;
    for (int i = 0; i < r->ndim; i++) rank = rank * r->grid[i] + coords[i];
    return rank;
}

void ref_coords_of(const ref_map_t *r, int rank, int *coords)
{
    /* row-major, last dimension fastest: enumerate rather than divide */
    int c[DA_MAX_NDIM] = {0};
    for (int k = 0; k < rank; k++) {
        int i = r->ndim - 1;
        while (i >= 0 && ++c[i] == r->grid[i]) c[i--] = 0;
    }
    memcpy(coords, c, sizeof *coords * (size_t)r->ndim);
}
