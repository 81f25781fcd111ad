/* Distribution maps: creation, validation and per-index queries. No MPI. */
#include "dist.h"

#include <stdlib.h>
#include <string.h>

#include "directory.h"
#include "error.h"
#include "handle.h"

/* ---- per-dimension arithmetic ---------------------------------------- */

/* Part bounds of the kinds that give each coordinate one contiguous range. */
static int has_starts(da_dist_kind_t k)
{
    return k == DA_DIST_BLOCK || k == DA_DIST_BLOCK_GA || k == DA_DIST_IRREGULAR || k == DA_DIST_NONE;
}

/* Last part whose start is <= g: that part is non-empty and holds g. */
static int part_of(const int64_t *starts, int p, int64_t g)
{
    int lo = 0, hi = p; /* answer in [lo, hi) */
    while (hi - lo > 1) {
        int mid = lo + (hi - lo) / 2;
        if (starts[mid] <= g) lo = mid;
        else hi = mid;
    }
    return lo;
}

int da_dim_owner(const dim_map_t *m, int64_t g, int64_t *local)
{
    int c;
    switch (m->kind) {
    case DA_DIST_BLOCK: {
        int64_t q = m->n / m->p, r = m->n % m->p;
        /* the first r parts hold q+1; written to avoid overflow near INT64_MAX */
        if (r == 0) c = (int)(g / q); /* q + 1 could overflow when p == 1 */
        else c = g / (q + 1) < r ? (int)(g / (q + 1)) : (int)(r + (g - r * (q + 1)) / q);
        *local = g - m->starts[c];
        return c;
    }
    case DA_DIST_BLOCK_GA:
        c = (int)(g / m->b);
        *local = g - m->starts[c];
        return c;
    case DA_DIST_IRREGULAR:
    case DA_DIST_NONE:
        c = part_of(m->starts, m->p, g);
        *local = g - m->starts[c];
        return c;
    case DA_DIST_CYCLIC:
    case DA_DIST_BLOCK_CYCLIC: {
        int64_t blk = g / m->b;
        *local = (blk / m->p) * m->b + g % m->b;
        return (int)(blk % m->p);
    }
    case DA_DIST_UNSTRUCTURED:
        if (m->dir) return da_dir_owner(m->dir, g, local);
        *local = m->local_of[g];
        return m->owner_of[g];
    }
    return -1;
}

int64_t da_dim_local_count(const dim_map_t *m, int c)
{
    if (has_starts(m->kind)) return m->starts[c + 1] - m->starts[c];
    if (m->kind == DA_DIST_UNSTRUCTURED) return m->counts[c];
    /* (block-)cyclic: whole cycles of p blocks, then what remains */
    int64_t cycle, full = 0, rem = m->n;
    if (!__builtin_mul_overflow(m->b, (int64_t)m->p, &cycle)) {
        full = m->n / cycle;
        rem = m->n - full * cycle;
    }
    int64_t extra = (c > 0 && m->b > rem / c) ? 0 : rem - c * m->b; /* c*b > rem: nothing left */
    if (extra < 0) extra = 0;
    if (extra > m->b) extra = m->b;
    return full * m->b + extra;
}

int64_t da_dim_global(const dim_map_t *m, int c, int64_t l)
{
    if (has_starts(m->kind)) return m->starts[c] + l;
    if (m->kind == DA_DIST_UNSTRUCTURED) {
        if (m->dir) return c == m->mycoord ? m->own[l] : -1; /* other parts' lists are not kept */
        return m->lists[c][l];
    }
    return ((l / m->b) * m->p + c) * m->b + l % m->b;
}

/* ---- creation ------------------------------------------------------------ */

static void free_dim(dim_map_t *m)
{
    free(m->starts);
    free(m->counts);
    if (m->lists) free(m->lists[0]);
    free(m->lists);
    free(m->owner_of);
    free(m->local_of);
    free(m->own);
    if (m->dir) da_dir_release(m->dir);
    memset(m, 0, sizeof *m);
}

static void free_dist(da_dist_t *d)
{
    for (int i = 0; i < d->ndim; i++) free_dim(&d->dim[i]);
    free(d);
}

/* Grid extent a kind forces on its dimension, or 0 if free. */
static int forced_extent(const da_dim_spec_t *s)
{
    switch (s->kind) {
    case DA_DIST_NONE: return 1;
    case DA_DIST_IRREGULAR:
    case DA_DIST_UNSTRUCTURED: return s->nparts;
    default: return 0;
    }
}

static int check_spec(int i, int64_t n, const da_dim_spec_t *s)
{
    switch (s->kind) {
    case DA_DIST_BLOCK:
    case DA_DIST_BLOCK_GA:
    case DA_DIST_CYCLIC:
    case DA_DIST_NONE:
        return DA_SUCCESS;
    case DA_DIST_BLOCK_CYCLIC:
        if (s->block_size < 1)
            return da_error(DA_ERR_BLOCK_SIZE, "dimension %d: block size %lld, must be >= 1", i,
                            (long long)s->block_size);
        return DA_SUCCESS;
    case DA_DIST_IRREGULAR:
        if (s->nparts < 1)
            return da_error(DA_ERR_GRID, "dimension %d: irregular needs nparts >= 1, got %d", i, s->nparts);
        if (!s->starts) return da_error(DA_ERR_NULL, "dimension %d: irregular starts is NULL", i);
        if (s->starts[0] != 0)
            return da_error(DA_ERR_SPLITS, "dimension %d: starts[0] = %lld, must be 0", i,
                            (long long)s->starts[0]);
        for (int c = 1; c < s->nparts; c++) {
            if (s->starts[c] < s->starts[c - 1])
                return da_error(DA_ERR_SPLITS, "dimension %d: starts[%d] = %lld < starts[%d] = %lld", i, c,
                                (long long)s->starts[c], c - 1, (long long)s->starts[c - 1]);
            if (s->starts[c] > n)
                return da_error(DA_ERR_SPLITS, "dimension %d: starts[%d] = %lld beyond extent %lld", i, c,
                                (long long)s->starts[c], (long long)n);
        }
        return DA_SUCCESS;
    case DA_DIST_UNSTRUCTURED:
        if (s->nparts < 1)
            return da_error(DA_ERR_GRID, "dimension %d: unstructured needs nparts >= 1, got %d", i, s->nparts);
        if (s->local) {
            if (s->local_count < 0 || s->local_count > n)
                return da_error(DA_ERR_UNSTRUCTURED, "dimension %d: local count %lld outside [0, %lld]", i,
                                (long long)s->local_count, (long long)n);
            if (s->local_count > 0 && !s->local_indices)
                return da_error(DA_ERR_NULL, "dimension %d: local indices is NULL", i);
            return DA_SUCCESS;
        }
        if (!s->counts || !s->indices)
            return da_error(DA_ERR_NULL, "dimension %d: unstructured counts or indices is NULL", i);
        return DA_SUCCESS; /* lists are checked while the table is built */
    }
    return da_error(DA_ERR_KIND, "dimension %d: unknown distribution kind %d", i, (int)s->kind);
}

/* Smallest prime factor of x >= 2. */
static int smallest_factor(int x)
{
    for (int f = 2; (long)f * f <= x; f++)
        if (x % f == 0) return f;
    return x;
}

/* Fill the free grid extents (0) so the product is nranks: deal prime
   factors, largest first, to the dimension with the longest local extent. */
static int choose_grid(int ndim, const int64_t *shape, int *grid, int nranks)
{
    long fixed = 1;
    int nfree = 0;
    for (int i = 0; i < ndim; i++) {
        if (grid[i] > 0) fixed *= grid[i];
        else nfree++;
        if (fixed > nranks)
            return da_error(DA_ERR_GRID, "grid extents multiply to more than %d ranks", nranks);
    }
    if (nranks % fixed != 0)
        return da_error(DA_ERR_GRID, "fixed grid extents (product %ld) do not divide %d ranks", fixed, nranks);
    int rest = (int)(nranks / fixed);
    if (nfree == 0) {
        if (rest != 1)
            return da_error(DA_ERR_GRID, "grid extents multiply to %ld, not %d ranks", fixed, nranks);
        return DA_SUCCESS;
    }
    int factors[32], nf = 0;
    while (rest > 1) {
        int f = smallest_factor(rest);
        factors[nf++] = f;
        rest /= f;
    }
    int free_dims[DA_MAX_NDIM], k = 0;
    for (int i = 0; i < ndim; i++)
        if (grid[i] == 0) {
            grid[i] = 1;
            free_dims[k++] = i;
        }
    for (int j = nf - 1; j >= 0; j--) {
        int best = free_dims[0];
        for (int t = 1; t < k; t++) {
            int i = free_dims[t];
            /* shape[i]/grid[i] > shape[best]/grid[best], without division */
            if ((__int128)shape[i] * grid[best] > (__int128)shape[best] * grid[i]) best = i;
        }
        grid[best] *= factors[j];
    }
    return DA_SUCCESS;
}

static int build_unstructured(int i, dim_map_t *m, const da_dim_spec_t *s)
{
    int64_t total = 0;
    for (int c = 0; c < m->p; c++) {
        if (s->counts[c] < 0)
            return da_error(DA_ERR_UNSTRUCTURED, "dimension %d: counts[%d] = %lld is negative", i, c,
                            (long long)s->counts[c]);
        if (s->counts[c] > 0 && !s->indices[c])
            return da_error(DA_ERR_NULL, "dimension %d: indices[%d] is NULL", i, c);
        if (s->counts[c] > m->n - total) /* checked before adding: the sum must not overflow */
            return da_error(DA_ERR_UNSTRUCTURED, "dimension %d: lists hold more than extent %lld indices", i,
                            (long long)m->n);
        total += s->counts[c];
    }
    if (total != m->n)
        return da_error(DA_ERR_UNSTRUCTURED, "dimension %d: lists hold %lld indices, extent is %lld", i,
                        (long long)total, (long long)m->n);
    m->counts = malloc(sizeof *m->counts * m->p);
    m->lists = calloc((size_t)m->p, sizeof *m->lists); /* lists[0] owns the pool, freed by free_dim */
    if (m->lists) m->lists[0] = malloc(sizeof *m->lists[0] * (size_t)m->n);
    m->owner_of = malloc(sizeof *m->owner_of * (size_t)m->n);
    m->local_of = malloc(sizeof *m->local_of * (size_t)m->n);
    if (!m->counts || !m->lists || !m->lists[0] || !m->owner_of || !m->local_of)
        return da_error(DA_ERR_NOMEM, "dimension %d: no memory for the index table", i);
    int64_t *pool = m->lists[0];
    for (int64_t g = 0; g < m->n; g++) m->owner_of[g] = -1;
    int64_t off = 0;
    for (int c = 0; c < m->p; c++) {
        m->counts[c] = s->counts[c];
        m->lists[c] = pool + off;
        for (int64_t l = 0; l < s->counts[c]; l++) {
            int64_t g = s->indices[c][l];
            if (g < 0 || g >= m->n)
                return da_error(DA_ERR_UNSTRUCTURED, "dimension %d: indices[%d][%lld] = %lld outside [0, %lld)",
                                i, c, (long long)l, (long long)g, (long long)m->n);
            if (m->owner_of[g] >= 0)
                return da_error(DA_ERR_UNSTRUCTURED, "dimension %d: index %lld listed twice (parts %d and %d)", i,
                                (long long)g, m->owner_of[g], c);
            m->owner_of[g] = c;
            m->local_of[g] = l;
            pool[off + l] = g;
        }
        off += s->counts[c];
    }
    return DA_SUCCESS;
}

/* This rank's part only; da_dist_create_comm completes the dimension. */
static int build_local(int i, dim_map_t *m, const da_dim_spec_t *s)
{
    m->mycoord = -1;
    m->counts = calloc((size_t)m->p, sizeof *m->counts);
    m->own = malloc(sizeof *m->own * (size_t)(s->local_count ? s->local_count : 1));
    if (!m->counts || !m->own) return da_error(DA_ERR_NOMEM, "dimension %d: no memory for the local list", i);
    if (s->local_count) memcpy(m->own, s->local_indices, sizeof *m->own * (size_t)s->local_count);
    return DA_SUCCESS;
}

int da_dim_set_lists(int i, dim_map_t *m, const int64_t *counts, const int64_t *const *lists)
{
    da_dim_spec_t s = {.kind = DA_DIST_UNSTRUCTURED, .nparts = m->p, .indices = lists, .counts = counts};
    free(m->counts);
    free(m->own);
    m->counts = NULL;
    m->own = NULL;
    m->mycoord = 0;
    return build_unstructured(i, m, &s);
}

static int build_dim(int i, dim_map_t *m, const da_dim_spec_t *s)
{
    m->kind = s->kind;
    if (s->kind == DA_DIST_UNSTRUCTURED) return s->local ? build_local(i, m, s) : build_unstructured(i, m, s);
    if (s->kind == DA_DIST_CYCLIC || s->kind == DA_DIST_BLOCK_CYCLIC) {
        /* a block longer than the extent behaves as one of the extent */
        m->b = s->kind == DA_DIST_CYCLIC ? 1 : (s->block_size < m->n ? s->block_size : m->n);
        return DA_SUCCESS;
    }
    m->starts = malloc(sizeof *m->starts * (size_t)(m->p + 1));
    if (!m->starts) return da_error(DA_ERR_NOMEM, "dimension %d: no memory", i);
    int64_t n = m->n, p = m->p;
    for (int64_t c = 0; c <= p; c++) {
        int64_t st;
        switch (s->kind) {
        case DA_DIST_BLOCK: {
            int64_t q = n / p, r = n % p;
            st = c * q + (c < r ? c : r);
            break;
        }
        case DA_DIST_BLOCK_GA:
            m->b = n / p + (n % p != 0); /* ceil(n/p) */
            st = c > n / m->b ? n : (c * m->b < n ? c * m->b : n);
            break;
        case DA_DIST_IRREGULAR:
            st = c < p ? s->starts[c] : n;
            break;
        default: /* NONE */
            st = c == 0 ? 0 : n;
        }
        m->starts[c] = st;
    }
    return DA_SUCCESS;
}

static int create_map(int ndim, const int64_t *shape, const da_dim_spec_t *dims, const int *grid, int nranks,
                      int allow_local, da_dist_t **out)
{
    if (!out) return da_error(DA_ERR_NULL, "da_dist_create: out is NULL");
    *out = NULL;
    if (ndim < 1 || ndim > DA_MAX_NDIM)
        return da_error(DA_ERR_NDIM, "da_dist_create: ndim = %d, must be 1..%d", ndim, DA_MAX_NDIM);
    if (!shape || !dims) return da_error(DA_ERR_NULL, "da_dist_create: shape or dims is NULL");
    if (nranks < 1) return da_error(DA_ERR_GRID, "da_dist_create: nranks = %d, must be >= 1", nranks);
    int64_t total = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] <= 0)
            return da_error(DA_ERR_SHAPE, "da_dist_create: shape[%d] = %lld, must be > 0", i, (long long)shape[i]);
        if (__builtin_mul_overflow(total, shape[i], &total))
            return da_error(DA_ERR_OVERFLOW, "da_dist_create: element count overflows 64 bits");
        int rc = check_spec(i, shape[i], &dims[i]);
        if (rc) return rc;
        if (dims[i].kind == DA_DIST_UNSTRUCTURED && dims[i].local && !allow_local)
            return da_error(DA_ERR_ARG, "dimension %d: DA_DIM_UNSTRUCTURED_LOCAL needs da_dist_create_comm", i);
    }
    int g[DA_MAX_NDIM];
    for (int i = 0; i < ndim; i++) {
        int forced = forced_extent(&dims[i]);
        int given = grid ? grid[i] : 0;
        if (given < 0)
            return da_error(DA_ERR_GRID, "da_dist_create: grid[%d] = %d is negative", i, given);
        if (forced && given && given != forced)
            return da_error(DA_ERR_GRID, "da_dist_create: grid[%d] = %d but its kind needs %d", i, given, forced);
        g[i] = forced ? forced : given;
    }
    int rc = choose_grid(ndim, shape, g, nranks);
    if (rc) return rc;

    da_dist_t *d = calloc(1, sizeof *d);
    if (!d) return da_error(DA_ERR_NOMEM, "da_dist_create: no memory");
    d->ndim = ndim;
    d->nranks = nranks;
    for (int i = 0; i < ndim; i++) {
        d->shape[i] = shape[i];
        d->grid[i] = g[i];
        d->dim[i].n = shape[i];
        d->dim[i].p = g[i];
        rc = build_dim(i, &d->dim[i], &dims[i]);
        if (rc) {
            d->ndim = i + 1;
            free_dist(d);
            return rc;
        }
    }
    *out = d;
    return DA_SUCCESS;
}

int da_dist_build(int ndim, const int64_t *shape, const da_dim_spec_t *dims, const int *grid, int nranks,
                  da_dist_t **out)
{
    return create_map(ndim, shape, dims, grid, nranks, 1, out);
}

int da_dist_publish(da_dist_t *d)
{
    if (da_handle_add(d, DA_HANDLE_DIST) != 0) {
        free_dist(d);
        return da_error(DA_ERR_NOMEM, "da_dist_create: no memory for the handle");
    }
    return DA_SUCCESS;
}

void da_dist_discard(da_dist_t *d)
{
    if (d) free_dist(d);
}

int da_dist_create(int ndim, const int64_t *shape, const da_dim_spec_t *dims, const int *grid, int nranks,
                   da_dist_t **out)
{
    int rc = create_map(ndim, shape, dims, grid, nranks, 0, out);
    if (rc) return rc;
    rc = da_dist_publish(*out);
    if (rc) *out = NULL;
    return rc;
}

int da_dist_check(const da_dist_t *d)
{
    if (!d) return da_error(DA_ERR_NULL, "distribution handle is NULL");
    if (!da_handle_live(d, DA_HANDLE_DIST))
        return da_error(DA_ERR_HANDLE, "distribution handle %p is not live", (const void *)d);
    return DA_SUCCESS;
}

/* Rebuild the spec of a dimension from its map, to duplicate it. A
   directory-backed dimension is rebuilt from this rank's part and shares
   the directory. */
int da_dist_dup(const da_dist_t *d, da_dist_t **out)
{
    if (!out) return da_error(DA_ERR_NULL, "da_dist_dup: out is NULL");
    *out = NULL;
    int rc = da_dist_check(d);
    if (rc) return rc;
    da_dim_spec_t spec[DA_MAX_NDIM];
    for (int i = 0; i < d->ndim; i++) {
        const dim_map_t *m = &d->dim[i];
        if (m->dir)
            spec[i] = DA_DIM_UNSTRUCTURED_LOCAL(m->p, m->counts[m->mycoord], m->own);
        else
            spec[i] = (da_dim_spec_t){.kind = m->kind, .block_size = m->b, .nparts = m->p, .starts = m->starts,
                                      .indices = (const int64_t *const *)m->lists, .counts = m->counts};
    }
    da_dist_t *c;
    rc = create_map(d->ndim, d->shape, spec, d->grid, d->nranks, 1, &c);
    if (rc) return rc;
    for (int i = 0; i < d->ndim; i++) {
        const dim_map_t *m = &d->dim[i];
        if (!m->dir) continue;
        memcpy(c->dim[i].counts, m->counts, sizeof *m->counts * (size_t)m->p);
        c->dim[i].mycoord = m->mycoord;
        c->dim[i].digest = m->digest;
        c->dim[i].dir = m->dir;
        da_dir_retain(m->dir);
    }
    rc = da_dist_publish(c);
    if (!rc) *out = c;
    return rc;
}

int da_dist_destroy(da_dist_t **d)
{
    if (!d) return da_error(DA_ERR_NULL, "da_dist_destroy: NULL");
    int rc = da_dist_check(*d);
    if (rc) return rc;
    da_handle_remove(*d);
    free_dist(*d);
    *d = NULL;
    return DA_SUCCESS;
}

/* ---- queries --------------------------------------------------------------- */

#define CHECK(d, ptr)                                                      \
    do {                                                                   \
        int rc_ = da_dist_check(d);                                        \
        if (rc_) return rc_;                                               \
        if (!(ptr)) return da_error(DA_ERR_NULL, "%s: NULL output", __func__); \
    } while (0)

int da_dist_ndim(const da_dist_t *d, int *ndim)
{
    CHECK(d, ndim);
    *ndim = d->ndim;
    return DA_SUCCESS;
}

int da_dist_shape(const da_dist_t *d, int64_t *shape)
{
    CHECK(d, shape);
    memcpy(shape, d->shape, sizeof *shape * d->ndim);
    return DA_SUCCESS;
}

int da_dist_nranks(const da_dist_t *d, int *nranks)
{
    CHECK(d, nranks);
    *nranks = d->nranks;
    return DA_SUCCESS;
}

int da_dist_grid(const da_dist_t *d, int *grid)
{
    CHECK(d, grid);
    memcpy(grid, d->grid, sizeof *grid * d->ndim);
    return DA_SUCCESS;
}

int da_dist_dim_kind(const da_dist_t *d, int dim, da_dist_kind_t *kind, int64_t *block_size)
{
    CHECK(d, kind);
    if (dim < 0 || dim >= d->ndim)
        return da_error(DA_ERR_BOUNDS, "da_dist_dim_kind: dimension %d outside 0..%d", dim, d->ndim - 1);
    *kind = d->dim[dim].kind;
    if (block_size) *block_size = d->dim[dim].kind == DA_DIST_BLOCK_CYCLIC ? d->dim[dim].b : 0;
    return DA_SUCCESS;
}

static int check_rank(const da_dist_t *d, int rank)
{
    if (rank < 0 || rank >= d->nranks)
        return da_error(DA_ERR_RANK, "rank %d outside 0..%d", rank, d->nranks - 1);
    return DA_SUCCESS;
}

static void coords_of(const da_dist_t *d, int rank, int *coords)
{
    for (int i = d->ndim - 1; i >= 0; i--) {
        coords[i] = rank % d->grid[i];
        rank /= d->grid[i];
    }
}

int da_dist_rank_coords(const da_dist_t *d, int rank, int *coords)
{
    CHECK(d, coords);
    int rc = check_rank(d, rank);
    if (rc) return rc;
    coords_of(d, rank, coords);
    return DA_SUCCESS;
}

int da_dist_coords_rank(const da_dist_t *d, const int *coords, int *rank)
{
    CHECK(d, rank);
    if (!coords) return da_error(DA_ERR_NULL, "da_dist_coords_rank: coords is NULL");
    int r = 0;
    for (int i = 0; i < d->ndim; i++) {
        if (coords[i] < 0 || coords[i] >= d->grid[i])
            return da_error(DA_ERR_BOUNDS, "da_dist_coords_rank: coords[%d] = %d outside 0..%d", i, coords[i],
                            d->grid[i] - 1);
        r = r * d->grid[i] + coords[i];
    }
    *rank = r;
    return DA_SUCCESS;
}

int da_dist_owner(const da_dist_t *d, const int64_t *gidx, int *rank, int *coords, int64_t *lidx)
{
    CHECK(d, rank);
    if (!gidx) return da_error(DA_ERR_NULL, "da_dist_owner: gidx is NULL");
    int r = 0;
    for (int i = 0; i < d->ndim; i++) {
        if (gidx[i] < 0 || gidx[i] >= d->shape[i])
            return da_error(DA_ERR_BOUNDS, "da_dist_owner: index[%d] = %lld outside [0, %lld)", i,
                            (long long)gidx[i], (long long)d->shape[i]);
    }
    for (int i = 0; i < d->ndim; i++)
        if (d->dim[i].dir) {
            int rc = da_dir_fetch(d->dim[i].dir, 1, &gidx[i]);
            if (rc) return rc;
        }
    for (int i = 0; i < d->ndim; i++) {
        int64_t l;
        int c = da_dim_owner(&d->dim[i], gidx[i], &l);
        if (coords) coords[i] = c;
        if (lidx) lidx[i] = l;
        r = r * d->grid[i] + c;
    }
    *rank = r;
    return DA_SUCCESS;
}

int da_dist_local_to_global(const da_dist_t *d, int rank, const int64_t *lidx, int64_t *gidx)
{
    CHECK(d, gidx);
    if (!lidx) return da_error(DA_ERR_NULL, "da_dist_local_to_global: lidx is NULL");
    int rc = check_rank(d, rank);
    if (rc) return rc;
    int c[DA_MAX_NDIM];
    coords_of(d, rank, c);
    for (int i = 0; i < d->ndim; i++) {
        if (d->dim[i].dir && c[i] != d->dim[i].mycoord)
            return da_error(DA_ERR_NOT_CONTIGUOUS,
                            "da_dist_local_to_global: dimension %d is directory-backed; this rank keeps only "
                            "the list of coordinate %d, not %d", i, d->dim[i].mycoord, c[i]);
        int64_t cnt = da_dim_local_count(&d->dim[i], c[i]);
        if (lidx[i] < 0 || lidx[i] >= cnt)
            return da_error(DA_ERR_BOUNDS, "da_dist_local_to_global: local index[%d] = %lld outside [0, %lld)",
                            i, (long long)lidx[i], (long long)cnt);
    }
    for (int i = 0; i < d->ndim; i++) gidx[i] = da_dim_global(&d->dim[i], c[i], lidx[i]);
    return DA_SUCCESS;
}

int da_dist_local_shape(const da_dist_t *d, int rank, int64_t *lshape, int64_t *elements)
{
    int rc = da_dist_check(d);
    if (rc) return rc;
    if (!lshape && !elements) return da_error(DA_ERR_NULL, "da_dist_local_shape: no output");
    rc = check_rank(d, rank);
    if (rc) return rc;
    int c[DA_MAX_NDIM];
    coords_of(d, rank, c);
    int64_t e = 1;
    for (int i = 0; i < d->ndim; i++) {
        int64_t n = da_dim_local_count(&d->dim[i], c[i]);
        if (lshape) lshape[i] = n;
        e *= n;
    }
    if (elements) *elements = e;
    return DA_SUCCESS;
}

int da_dist_local_box(const da_dist_t *d, int rank, int64_t *lo, int64_t *hi)
{
    CHECK(d, lo);
    if (!hi) return da_error(DA_ERR_NULL, "da_dist_local_box: hi is NULL");
    int rc = check_rank(d, rank);
    if (rc) return rc;
    for (int i = 0; i < d->ndim; i++)
        if (!has_starts(d->dim[i].kind))
            return da_error(DA_ERR_NOT_CONTIGUOUS, "da_dist_local_box: dimension %d is not block-like", i);
    int c[DA_MAX_NDIM];
    coords_of(d, rank, c);
    for (int i = 0; i < d->ndim; i++) {
        lo[i] = d->dim[i].starts[c[i]];
        hi[i] = d->dim[i].starts[c[i] + 1];
    }
    return DA_SUCCESS;
}

/* ---- fingerprint, to check that ranks of a collective pass equal maps ---- */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++) h = (h ^ c[i]) * 0x100000001b3ULL;
    return h;
}

uint64_t da_dist_fingerprint(const da_dist_t *d)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    h = fnv(h, &d->ndim, sizeof d->ndim);
    h = fnv(h, &d->nranks, sizeof d->nranks);
    h = fnv(h, d->shape, sizeof *d->shape * d->ndim);
    h = fnv(h, d->grid, sizeof *d->grid * d->ndim);
    for (int i = 0; i < d->ndim; i++) {
        const dim_map_t *m = &d->dim[i];
        h = fnv(h, &m->kind, sizeof m->kind);
        h = fnv(h, &m->b, sizeof m->b);
        if (m->starts) h = fnv(h, m->starts, sizeof *m->starts * (size_t)(m->p + 1));
        if (m->owner_of) {
            h = fnv(h, m->counts, sizeof *m->counts * (size_t)m->p);
            h = fnv(h, m->lists[0], sizeof *m->lists[0] * (size_t)m->n);
        }
        if (m->dir) { /* the lists are not all here: the partition's digest stands for them */
            h = fnv(h, m->counts, sizeof *m->counts * (size_t)m->p);
            h = fnv(h, &m->digest, sizeof m->digest);
        }
    }
    return h;
}

int da_dist_directory_info(const da_dist_t *d, int dim, da_directory_info_t *info)
{
    CHECK(d, info);
    if (dim < 0 || dim >= d->ndim)
        return da_error(DA_ERR_BOUNDS, "da_dist_directory_info: dimension %d outside 0..%d", dim, d->ndim - 1);
    memset(info, 0, sizeof *info);
    if (d->dim[dim].dir) da_dir_info(d->dim[dim].dir, info);
    return DA_SUCCESS;
}
