/* Selections (NumPy slices and index lists per dimension) and masks.
 *
 * A selection is resolved against the array's shape into one da_dimsel_t
 * per dimension: positive slices stay (lo, step, npos); negative slices and
 * index lists become explicit index lists. The engine in rma.c then moves
 * the outer product like a box. Accumulates with repeated indices go
 * through the point-list engine, which applies every repeat.
 */
#include "darray/select.h"

#include <complex.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "error.h"
#include "handle.h"
#include "radix.h"
#include "rma.h"
#include "types.h"
#include "wait.h"

typedef enum { SEL_ALL, SEL_SLICE, SEL_LIST } sel_kind_t;

typedef struct {
    sel_kind_t kind;
    int64_t start, stop, step; /* SEL_SLICE, as given */
    int64_t n;                 /* SEL_LIST */
    int64_t *idx;
} dim_sel_t;

struct da_sel {
    int ndim;
    dim_sel_t dim[DA_MAX_NDIM];
};

int da_sel_create(int ndim, da_sel_t **sel)
{
    if (!sel) return da_error(DA_ERR_NULL, "da_sel_create: sel is NULL");
    *sel = NULL;
    if (ndim < 1 || ndim > DA_MAX_NDIM)
        return da_error(DA_ERR_NDIM, "da_sel_create: ndim = %d, must be 1..%d", ndim, DA_MAX_NDIM);
    da_sel_t *s = calloc(1, sizeof *s);
    if (!s || da_handle_add(s, DA_HANDLE_SELECTION)) {
        free(s);
        return da_error(DA_ERR_NOMEM, "da_sel_create: no memory");
    }
    s->ndim = ndim;
    *sel = s;
    return DA_SUCCESS;
}

static int sel_check(const da_sel_t *s, int dim)
{
    if (!s) return da_error(DA_ERR_NULL, "selection is NULL");
    if (!da_handle_live(s, DA_HANDLE_SELECTION))
        return da_error(DA_ERR_HANDLE, "selection %p is not live", (const void *)s);
    if (dim < -1 || dim >= s->ndim)
        return da_error(DA_ERR_BOUNDS, "selection dimension %d outside 0..%d", dim, s->ndim - 1);
    return DA_SUCCESS;
}

static void clear_dim(dim_sel_t *d)
{
    free(d->idx);
    memset(d, 0, sizeof *d);
}

int da_sel_destroy(da_sel_t **sel)
{
    if (!sel) return da_error(DA_ERR_NULL, "da_sel_destroy: NULL");
    int rc = sel_check(*sel, -1);
    if (rc) return rc;
    da_handle_remove(*sel);
    for (int d = 0; d < (*sel)->ndim; d++) clear_dim(&(*sel)->dim[d]);
    free(*sel);
    *sel = NULL;
    return DA_SUCCESS;
}

int da_sel_all(da_sel_t *sel, int dim)
{
    int rc = sel_check(sel, dim);
    if (rc) return rc;
    if (dim < 0) return da_error(DA_ERR_BOUNDS, "selection dimension %d is negative", dim);
    clear_dim(&sel->dim[dim]);
    return DA_SUCCESS;
}

int da_sel_slice(da_sel_t *sel, int dim, int64_t start, int64_t stop, int64_t step)
{
    int rc = sel_check(sel, dim);
    if (rc) return rc;
    if (dim < 0) return da_error(DA_ERR_BOUNDS, "selection dimension %d is negative", dim);
    if (step == 0) return da_error(DA_ERR_STEP, "slice step is 0");
    if (step == DA_NONE) step = 1;
    clear_dim(&sel->dim[dim]);
    sel->dim[dim] = (dim_sel_t){.kind = SEL_SLICE, .start = start, .stop = stop, .step = step};
    return DA_SUCCESS;
}

int da_sel_index(da_sel_t *sel, int dim, int64_t n, const int64_t *idx)
{
    int rc = sel_check(sel, dim);
    if (rc) return rc;
    if (dim < 0) return da_error(DA_ERR_BOUNDS, "selection dimension %d is negative", dim);
    if (n < 0) return da_error(DA_ERR_ARG, "index list length %lld is negative", (long long)n);
    if (n > 0 && !idx) return da_error(DA_ERR_NULL, "index list is NULL");
    int64_t *copy = malloc(sizeof *copy * (size_t)(n ? n : 1));
    if (!copy) return da_error(DA_ERR_NOMEM, "no memory for an index list of %lld", (long long)n);
    if (n) memcpy(copy, idx, sizeof *copy * (size_t)n);
    clear_dim(&sel->dim[dim]);
    sel->dim[dim] = (dim_sel_t){.kind = SEL_LIST, .n = n, .idx = copy};
    return DA_SUCCESS;
}

/* NumPy's slice.indices(n): clipped start, and the element count. */
static void slice_indices(int64_t n, int64_t start, int64_t stop, int64_t step, int64_t *first, int64_t *count)
{
    int64_t lo_clip = step > 0 ? 0 : -1, hi_clip = step > 0 ? n : n - 1;
    if (start == DA_NONE) start = step > 0 ? 0 : n - 1;
    else {
        if (start < 0) start += n;
        if (start < lo_clip) start = lo_clip;
        if (start > hi_clip) start = hi_clip;
    }
    if (stop == DA_NONE) stop = step > 0 ? n : -1;
    else {
        if (stop < 0) stop += n;
        if (stop < lo_clip) stop = lo_clip;
        if (stop > hi_clip) stop = hi_clip;
    }
    int64_t c = 0;
    if (step > 0 && stop > start) c = (stop - start - 1) / step + 1;
    if (step < 0 && stop < start) c = (start - stop - 1) / (-step) + 1;
    *first = start;
    *count = c;
}

/* The selection on array a as dimension selections; lists[d] holds the
   indices it allocated (free with free_lists). */
typedef struct {
    da_dimsel_t sel[DA_MAX_NDIM];
    int64_t *lists[DA_MAX_NDIM];
    int duplicates; /* some index list repeats an index */
} resolved_t;

static void free_lists(resolved_t *r)
{
    for (int d = 0; d < DA_MAX_NDIM; d++) free(r->lists[d]);
}

static int has_duplicates(const int64_t *v, int64_t n, int64_t extent)
{
    if (n < 2) return 0;
    da_kv_t *kv = malloc(sizeof *kv * (size_t)n);
    if (!kv) return 1; /* the safe answer: treated as repeats */
    for (int64_t i = 0; i < n; i++) kv[i] = (da_kv_t){(uint64_t)v[i], i};
    int bits = 0;
    while (bits < 63 && ((uint64_t)1 << bits) < (uint64_t)extent) bits++;
    int dup = da_radix_sort(kv, n, bits) != 0;
    for (int64_t i = 1; i < n && !dup; i++) dup = kv[i].key == kv[i - 1].key;
    free(kv);
    return dup;
}

static int resolve(const da_sel_t *s, const da_array_t *a, resolved_t *r)
{
    memset(r, 0, sizeof *r);
    int rc = sel_check(s, -1);
    if (!rc) rc = da_array_check(a);
    if (rc) return rc;
    if (s->ndim != a->ndim)
        return da_error(DA_ERR_NDIM, "selection has %d dimensions, array %d", s->ndim, a->ndim);
    for (int d = 0; d < a->ndim; d++) {
        const dim_sel_t *ds = &s->dim[d];
        int64_t n = a->dist->shape[d];
        if (ds->kind == SEL_ALL) {
            r->sel[d] = (da_dimsel_t){0, 1, n, NULL};
        } else if (ds->kind == SEL_SLICE) {
            int64_t first, count;
            slice_indices(n, ds->start, ds->stop, ds->step, &first, &count);
            if (ds->step > 0) {
                r->sel[d] = (da_dimsel_t){count ? first : 0, ds->step, count, NULL};
            } else {
                int64_t *l = r->lists[d] = malloc(sizeof *l * (size_t)(count ? count : 1));
                if (!l) {
                    free_lists(r);
                    return da_error(DA_ERR_NOMEM, "no memory for a slice of %lld", (long long)count);
                }
                for (int64_t k = 0; k < count; k++) l[k] = first + k * ds->step;
                r->sel[d] = (da_dimsel_t){0, 1, count, l};
            }
        } else {
            int64_t *l = r->lists[d] = malloc(sizeof *l * (size_t)(ds->n ? ds->n : 1));
            if (!l) {
                free_lists(r);
                return da_error(DA_ERR_NOMEM, "no memory for an index list of %lld", (long long)ds->n);
            }
            for (int64_t k = 0; k < ds->n; k++) {
                int64_t g = ds->idx[k] < 0 ? ds->idx[k] + n : ds->idx[k];
                if (g < 0 || g >= n) {
                    free_lists(r);
                    return da_error(DA_ERR_BOUNDS, "dimension %d: index %lld (list position %lld) outside [-%lld, %lld)",
                                    d, (long long)ds->idx[k], (long long)k, (long long)n, (long long)n);
                }
                l[k] = g;
            }
            r->sel[d] = (da_dimsel_t){0, 1, ds->n, l};
            if (!r->duplicates) r->duplicates = has_duplicates(l, ds->n, n);
        }
    }
    int64_t count = 1;
    for (int d = 0; d < a->ndim; d++)
        if (__builtin_mul_overflow(count, r->sel[d].npos, &count)) {
            free_lists(r);
            return da_error(DA_ERR_OVERFLOW, "the selection's element count does not fit in 64 bits");
        }
    return DA_SUCCESS;
}

int da_sel_shape(const da_sel_t *sel, const da_array_t *a, int64_t *shape)
{
    if (!shape) return da_error(DA_ERR_NULL, "da_sel_shape: shape is NULL");
    resolved_t r;
    int rc = resolve(sel, a, &r);
    if (rc) return rc;
    for (int d = 0; d < a->ndim; d++) shape[d] = r.sel[d].npos;
    free_lists(&r);
    return DA_SUCCESS;
}

/* The outer product's coordinates, row-major (n x ndim). */
static int outer_coords(const da_array_t *a, const resolved_t *r, int64_t *n, int64_t **coords)
{
    int nd = a->ndim;
    int64_t count = 1;
    for (int d = 0; d < nd; d++) count *= r->sel[d].npos;
    int64_t *c = malloc(sizeof *c * (size_t)(count * nd != 0 ? count * nd : 1));
    if (!c) return da_error(DA_ERR_NOMEM, "no memory for %lld coordinates", (long long)count);
    int64_t k[DA_MAX_NDIM] = {0};
    for (int64_t i = 0; i < count; i++) {
        for (int d = 0; d < nd; d++) {
            const da_dimsel_t *s = &r->sel[d];
            c[i * nd + d] = s->list ? s->list[k[d]] : s->lo + k[d] * s->step;
        }
        for (int d = nd - 1; d >= 0 && ++k[d] == r->sel[d].npos; d--) k[d] = 0;
    }
    *n = count;
    *coords = c;
    return DA_SUCCESS;
}

static int move(da_array_t *a, da_dir_t dir, da_op_t op, const void *alpha, const da_sel_t *sel, const void *buf)
{
    resolved_t r;
    int rc = resolve(sel, a, &r);
    if (rc) return rc;
    if (dir == DIR_ACC && r.duplicates) { /* every repeat counts: the point engine combines them */
        int64_t n, *coords;
        if (!(rc = da_op_check(a->type, op)) && !(rc = outer_coords(a, &r, &n, &coords))) {
            rc = da_scatter_acc(a, op, alpha, n, coords, buf);
            free(coords);
        }
    } else {
        rc = da_transfer(a, dir, op, alpha, r.sel, buf, NULL, NULL);
    }
    free_lists(&r);
    return rc;
}

int da_get_sel(da_array_t *a, const da_sel_t *sel, void *buf)
{
    return move(a, DIR_GET, DA_OP_REPLACE, NULL, sel, buf);
}

int da_put_sel(da_array_t *a, const da_sel_t *sel, const void *buf)
{
    return move(a, DIR_PUT, DA_OP_REPLACE, NULL, sel, buf);
}

int da_acc_sel(da_array_t *a, da_op_t op, const void *alpha, const da_sel_t *sel, const void *buf)
{
    return move(a, DIR_ACC, op, alpha, sel, buf);
}

int da_plan_create_sel(da_array_t *a, const da_sel_t *sel, da_plan_t **plan)
{
    if (!plan) return da_error(DA_ERR_NULL, "da_plan_create_sel: plan is NULL");
    *plan = NULL;
    resolved_t r;
    int rc = resolve(sel, a, &r);
    if (rc) return rc;
    int64_t n, *coords;
    if (!(rc = outer_coords(a, &r, &n, &coords))) {
        rc = da_plan_create(a, n, coords, plan);
        free(coords);
    }
    free_lists(&r);
    return rc;
}

int da_sel_mask_where(const da_sel_t *sel, const da_array_t *a, const unsigned char *mask, int64_t *n,
                      int64_t **coords)
{
    if (!n || !coords) return da_error(DA_ERR_NULL, "da_sel_mask_where: NULL output");
    *n = 0;
    *coords = NULL;
    resolved_t r;
    int rc = resolve(sel, a, &r);
    if (rc) return rc;
    int nd = a->ndim;
    int64_t count = 1, kept = 0;
    for (int d = 0; d < nd; d++) count *= r.sel[d].npos;
    if (count && !mask) {
        free_lists(&r);
        return da_error(DA_ERR_NULL, "mask is NULL for a selection of %lld elements", (long long)count);
    }
    for (int64_t i = 0; i < count; i++) kept += mask[i] != 0;
    int64_t *c = malloc(sizeof *c * (size_t)(kept * nd != 0 ? kept * nd : 1));
    if (!c) {
        free_lists(&r);
        return da_error(DA_ERR_NOMEM, "no memory for %lld coordinates", (long long)kept);
    }
    int64_t k[DA_MAX_NDIM] = {0}, j = 0;
    for (int64_t i = 0; i < count; i++) {
        if (mask[i]) {
            for (int d = 0; d < nd; d++) {
                const da_dimsel_t *s = &r.sel[d];
                c[j * nd + d] = s->list ? s->list[k[d]] : s->lo + k[d] * s->step;
            }
            j++;
        }
        for (int d = nd - 1; d >= 0 && ++k[d] == r.sel[d].npos; d--) k[d] = 0;
    }
    free_lists(&r);
    *n = kept;
    *coords = c;
    return DA_SUCCESS;
}

/* Whether one element of the mask array is true (nonzero; NaN is true). */
static int truthy(da_type_t t, size_t es, const char *p)
{
    switch (t) {
    case DA_INT32: { int32_t v; memcpy(&v, p, 4); return v != 0; }
    case DA_INT64: { int64_t v; memcpy(&v, p, 8); return v != 0; }
    case DA_FLOAT: { float v; memcpy(&v, p, 4); return v != 0.0f; }
    case DA_DOUBLE: { double v; memcpy(&v, p, 8); return v != 0.0; }
    case DA_COMPLEX_FLOAT: { float v[2]; memcpy(v, p, 8); return v[0] != 0.0f || v[1] != 0.0f; }
    case DA_COMPLEX_DOUBLE: { double v[2]; memcpy(v, p, 16); return v[0] != 0.0 || v[1] != 0.0; }
    default:
        for (size_t i = 0; i < es; i++)
            if (p[i]) return 1;
        return 0;
    }
}

int da_mask_where(da_array_t *mask, int64_t *n, int64_t **coords)
{
    /* Collective: local errors still join the agreement so no rank hangs. */
    int rc = da_array_check(mask);
    if (rc) return rc; /* without a live array there is no communicator to agree on */
    int local_rc = (!n || !coords) ? da_error(DA_ERR_NULL, "da_mask_where: NULL output") : DA_SUCCESS;
    if (n) *n = 0;
    if (coords) *coords = NULL;
    int nd = mask->ndim;
    char *base;
    int64_t lshape[DA_MAX_NDIM], lstride[DA_MAX_NDIM], mine = 0;
    da_array_local(mask, (void **)&base, lshape, lstride);
    int c[DA_MAX_NDIM];
    for (int d = nd - 1, r = mask->rank; d >= 0; d--) {
        c[d] = r % mask->dist->grid[d];
        r /= mask->dist->grid[d];
    }
    for (int64_t i = 0; i < mask->local_elems; i++) mine += truthy(mask->type, mask->esize, base + i * (int64_t)mask->esize);
    int64_t *local = malloc(sizeof *local * (size_t)(mine * nd != 0 ? mine * nd : 1));
    if (!local && !local_rc) local_rc = da_error(DA_ERR_NOMEM, "no memory for %lld coordinates", (long long)mine);
    if (local) {
        int64_t k[DA_MAX_NDIM] = {0}, j = 0;
        for (int64_t i = 0; i < mask->local_elems; i++) {
            if (truthy(mask->type, mask->esize, base + i * (int64_t)mask->esize)) {
                for (int d = 0; d < nd; d++) local[j * nd + d] = da_dim_global(&mask->dist->dim[d], c[d], k[d]);
                j++;
            }
            for (int d = nd - 1; d >= 0 && ++k[d] == lshape[d]; d--) k[d] = 0;
        }
    }
    /* agree on success, then gather everyone's coordinates */
    int bad = local_rc != 0, anybad;
    if (da_allreduce(&bad, &anybad, 1, MPI_INT, MPI_MAX, mask->comm) != MPI_SUCCESS) anybad = 1;
    int64_t *counts = anybad ? NULL : malloc(sizeof *counts * (size_t)mask->nranks);
    int *rcounts = anybad ? NULL : malloc(sizeof *rcounts * (size_t)mask->nranks);
    int *displs = anybad ? NULL : malloc(sizeof *displs * (size_t)mask->nranks);
    int64_t total = 0, *all = NULL;
    int mrc = MPI_SUCCESS;
    if (!anybad) {
        int64_t v = mine * nd;
        mrc = counts && rcounts && displs ? MPI_Allgather(&v, 1, MPI_INT64_T, counts, 1, MPI_INT64_T, mask->comm)
                                          : MPI_ERR_NO_MEM;
        for (int r = 0; mrc == MPI_SUCCESS && r < mask->nranks; r++) {
            if (total + counts[r] > INT32_MAX) mrc = MPI_ERR_COUNT;
            rcounts[r] = (int)counts[r];
            displs[r] = (int)total;
            total += counts[r];
        }
        /* every rank reaches here with the same counts, so all take the same branch */
        if (mrc == MPI_SUCCESS && !(all = malloc(sizeof *all * (size_t)(total ? total : 1)))) mrc = MPI_ERR_NO_MEM;
        if (mrc == MPI_SUCCESS)
            mrc = MPI_Allgatherv(local, (int)v, MPI_INT64_T, all, rcounts, displs, MPI_INT64_T, mask->comm);
    }
    free(local);
    free(counts);
    free(rcounts);
    free(displs);
    if (local_rc) {
        free(all);
        return local_rc;
    }
    if (anybad) return da_error(DA_ERR_COLLECTIVE, "da_mask_where: another rank passed an invalid argument");
    if (mrc != MPI_SUCCESS) {
        free(all);
        return mrc == MPI_ERR_COUNT ? da_error(DA_ERR_OVERFLOW, "da_mask_where: too many true elements")
                                    : da_mpi_error(mrc, "da_mask_where");
    }
    /* row-major order: sort by flat index */
    int64_t m = total / nd, flat_bits = 0, elems = 1;
    for (int d = 0; d < nd; d++) elems *= mask->dist->shape[d];
    while (flat_bits < 63 && ((int64_t)1 << flat_bits) < elems) flat_bits++;
    da_kv_t *kv = malloc(sizeof *kv * (size_t)(m ? m : 1));
    int64_t *sorted = malloc(sizeof *sorted * (size_t)(total ? total : 1));
    if (!kv || !sorted) {
        free(kv);
        free(sorted);
        free(all);
        return da_error(DA_ERR_NOMEM, "no memory to sort %lld coordinates", (long long)m);
    }
    for (int64_t i = 0; i < m; i++) {
        int64_t f = 0;
        for (int d = 0; d < nd; d++) f = f * mask->dist->shape[d] + all[i * nd + d];
        kv[i] = (da_kv_t){(uint64_t)f, i};
    }
    if (da_radix_sort(kv, m, (int)flat_bits)) {
        free(kv);
        free(sorted);
        free(all);
        return da_error(DA_ERR_NOMEM, "no memory to sort %lld coordinates", (long long)m);
    }
    for (int64_t i = 0; i < m; i++) memcpy(&sorted[i * nd], &all[kv[i].value * nd], sizeof *sorted * (size_t)nd);
    free(kv);
    free(all);
    *n = m;
    *coords = sorted;
    return DA_SUCCESS;
}

void da_free(void *p)
{
    free(p);
}
