/* Decomposition of a request into per-owner pieces. Each dimension is
   decomposed on its own into per-coordinate run lists; an n-dimensional
   piece is one combination of touched coordinates, enumerated lazily, so the
   work grows with the pieces touched and never with the number of ranks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"
#include "error.h"

struct da_decomp {
    int ndim;
    int grid[DA_MAX_NDIM];
    int64_t npos[DA_MAX_NDIM];
    int64_t count;
    int64_t npieces;
    int64_t ndp[DA_MAX_NDIM];      /* touched coordinates per dimension */
    da_dim_piece_t *dp[DA_MAX_NDIM];
    da_run_t *runs[DA_MAX_NDIM];   /* run pool of each dimension */
};

/* A run found while walking a dimension, before grouping by coordinate. */
typedef struct {
    int coord;
    int tail; /* 1 if after the repeated periods */
    int64_t seq;
    da_run_t run;
} found_t;

typedef struct {
    found_t *v;
    int64_t n, cap;
} found_list_t;

static int push(found_list_t *l, int coord, int tail, da_run_t run)
{
    if (l->n == l->cap) {
        int64_t ncap = l->cap ? l->cap * 2 : 16;
        found_t *nv = realloc(l->v, sizeof *nv * (size_t)ncap);
        if (!nv) return da_error(DA_ERR_NOMEM, "decomposition: no memory");
        l->v = nv;
        l->cap = ncap;
    }
    l->v[l->n] = (found_t){coord, tail, l->n, run};
    l->n++;
    return DA_SUCCESS;
}

static int cmp_found(const void *a, const void *b)
{
    const found_t *x = a, *y = b;
    if (x->coord != y->coord) return x->coord < y->coord ? -1 : 1;
    if (x->tail != y->tail) return x->tail - y->tail;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int64_t gcd64(int64_t a, int64_t b)
{
    while (b) {
        int64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* Block-like kinds: jump from part to part, one run per touched part. */
static int walk_parts(const dim_map_t *m, int64_t lo, int64_t s, int64_t npos, found_list_t *out)
{
    int64_t k = 0;
    while (k < npos) {
        int64_t g = lo + k * s, l;
        int c = da_dim_owner(m, g, &l);
        int64_t end = m->starts[c + 1]; /* first index past the part */
        int64_t cnt = (end - 1 - g) / s + 1;
        if (cnt > npos - k) cnt = npos - k;
        int rc = push(out, c, 0, (da_run_t){k, g, l, cnt, 1, s, s});
        if (rc) return rc;
        k += cnt;
    }
    return DA_SUCCESS;
}

/* Cyclic (block size 1): owner c holds one progression of positions. */
static int walk_cyclic(const dim_map_t *m, int64_t lo, int64_t s, int64_t npos, found_list_t *out)
{
    int64_t p = m->p, g = gcd64(s, p);
    int64_t kstep = p / g;
    int64_t first = npos < kstep ? npos : kstep; /* positions 0..first-1 start every owner's run */
    for (int64_t k = 0; k < first; k++) {
        int64_t gi = lo + k * s;
        int c = (int)(gi % p);
        int64_t cnt = (npos - 1 - k) / kstep + 1, gstep;
        /* overflow means the next element would lie beyond the extent: cnt is 1 */
        if (__builtin_mul_overflow(s, kstep, &gstep)) gstep = s;
        int rc = push(out, c, 0, (da_run_t){k, gi, gi / p, cnt, kstep, gstep, s / g});
        if (rc) return rc;
    }
    return DA_SUCCESS;
}

/* Block-cyclic, positions [k0, k1): one run per block touched. */
static int walk_blocks(const dim_map_t *m, int64_t lo, int64_t s, int64_t k0, int64_t k1, int tail,
                       found_list_t *out)
{
    int64_t k = k0;
    while (k < k1) {
        int64_t g = lo + k * s, l;
        int c = da_dim_owner(m, g, &l);
        int64_t left = m->b - g % m->b; /* indices from g to the end of its block */
        int64_t cnt = (left - 1) / s + 1;
        if (cnt > k1 - k) cnt = k1 - k;
        int rc = push(out, c, tail, (da_run_t){k, g, l, cnt, 1, s, s});
        if (rc) return rc;
        k += cnt;
    }
    return DA_SUCCESS;
}

/* Unstructured: every position looked up in the table, then, per owner in
   position order, consecutive positions join a run while both strides stay
   constant (positive). Sorting by owner keeps the cost independent of the
   number of parts. */
typedef struct {
    int coord;
    int64_t pos, local;
} hit_t;

static int cmp_hit(const void *a, const void *b)
{
    const hit_t *x = a, *y = b;
    if (x->coord != y->coord) return x->coord < y->coord ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int walk_table(const dim_map_t *m, int64_t lo, int64_t s, int64_t npos, found_list_t *out)
{
    hit_t *h = malloc(sizeof *h * (size_t)(npos ? npos : 1));
    if (!h) return da_error(DA_ERR_NOMEM, "decomposition: no memory");
    for (int64_t k = 0; k < npos; k++) {
        h[k].pos = k;
        h[k].coord = da_dim_owner(m, lo + k * s, &h[k].local);
    }
    qsort(h, (size_t)npos, sizeof *h, cmp_hit);
    int rc = DA_SUCCESS;
    da_run_t *r = NULL;
    for (int64_t i = 0; i < npos && !rc; i++) {
        if (r && h[i].coord == h[i - 1].coord) {
            int64_t dk = h[i].pos - h[i - 1].pos, dl = h[i].local - h[i - 1].local;
            if (r->count == 1 && dl > 0) {
                r->pos_step = dk;
                r->global_step = dk * s;
                r->local_step = dl;
            }
            if (dk == r->pos_step && dl == r->local_step) {
                r->count++;
                continue;
            }
        }
        rc = push(out, h[i].coord, 0, (da_run_t){h[i].pos, lo + h[i].pos * s, h[i].local, 1, 1, s, 1});
        r = &out->v[out->n - 1].run;
    }
    free(h);
    return rc;
}

/* An index list: positions sorted by (owner, local index, position), so
   runs follow the owner's memory (a reversed list gives one run with a
   negative position step). With dedup_last only the last position naming an
   element is kept. Consecutive entries join a run while the position,
   global and local steps stay constant, the local step positive. */
typedef struct {
    int coord;
    int64_t local, pos;
} lhit_t;

static int cmp_lhit(const void *a, const void *b)
{
    const lhit_t *x = a, *y = b;
    if (x->coord != y->coord) return x->coord < y->coord ? -1 : 1;
    if (x->local != y->local) return x->local < y->local ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int walk_list(const dim_map_t *m, const int64_t *list, int64_t npos, int dedup_last, found_list_t *out)
{
    lhit_t *h = malloc(sizeof *h * (size_t)(npos ? npos : 1));
    if (!h) return da_error(DA_ERR_NOMEM, "decomposition: no memory");
    for (int64_t k = 0; k < npos; k++) {
        h[k].pos = k;
        h[k].coord = da_dim_owner(m, list[k], &h[k].local);
    }
    qsort(h, (size_t)npos, sizeof *h, cmp_lhit);
    int rc = DA_SUCCESS;
    da_run_t *r = NULL;
    int64_t prev = -1; /* index into h of the last entry kept */
    for (int64_t i = 0; i < npos && !rc; i++) {
        if (dedup_last && i + 1 < npos && h[i + 1].coord == h[i].coord && h[i + 1].local == h[i].local) continue;
        if (r && prev >= 0 && h[i].coord == h[prev].coord) {
            int64_t dk = h[i].pos - h[prev].pos, dl = h[i].local - h[prev].local;
            int64_t dg = list[h[i].pos] - list[h[prev].pos];
            if (r->count == 1 && dl > 0) {
                r->pos_step = dk;
                r->global_step = dg;
                r->local_step = dl;
            }
            if (dl > 0 && dk == r->pos_step && dl == r->local_step && dg == r->global_step) {
                r->count++;
                prev = i;
                continue;
            }
        }
        rc = push(out, h[i].coord, 0, (da_run_t){h[i].pos, list[h[i].pos], h[i].local, 1, 1, 1, 1});
        r = &out->v[out->n - 1].run;
        prev = i;
    }
    free(h);
    return rc;
}

/* Decompose one dimension into per-coordinate pieces, sorted by coordinate. */
static int decompose_dim(const dim_map_t *m, const da_dimsel_t *sel, int dedup_last, da_dim_piece_t **pieces,
                         int64_t *npieces, da_run_t **pool)
{
    found_list_t f = {0};
    int64_t lo = sel->lo, s = sel->step, npos = sel->npos;
    int64_t reps = 1, period = 0, period_local = 0;
    int rc;
    switch (sel->list ? -1 : (int)m->kind) {
    case -1:
        rc = walk_list(m, sel->list, npos, dedup_last, &f);
        break;
    case DA_DIST_CYCLIC:
        rc = walk_cyclic(m, lo, s, npos, &f);
        break;
    case DA_DIST_BLOCK_CYCLIC: {
        if (m->b == 1) {
            rc = walk_cyclic(m, lo, s, npos, &f);
            break;
        }
        /* The ownership pattern repeats every lcm(s, b*p) global indices,
           i.e. every K positions, advancing each owner's local index by
           lcm/p. Walk one period; walk the partial period after the last
           whole one; describe the rest by repetition. */
        int64_t bp, K = INT64_MAX;
        if (!__builtin_mul_overflow(m->b, (int64_t)m->p, &bp)) K = bp / gcd64(s, bp);
        if (npos / 2 >= K) {
            reps = npos / K;
            period = K;
            period_local = K * s / m->p;
            rc = walk_blocks(m, lo, s, 0, K, 0, &f);
            if (!rc) rc = walk_blocks(m, lo, s, reps * K, npos, 1, &f);
        } else {
            rc = walk_blocks(m, lo, s, 0, npos, 0, &f);
        }
        break;
    }
    case DA_DIST_UNSTRUCTURED:
        rc = walk_table(m, lo, s, npos, &f);
        break;
    default:
        rc = walk_parts(m, lo, s, npos, &f);
    }
    if (rc) {
        free(f.v);
        return rc;
    }
    qsort(f.v, (size_t)f.n, sizeof *f.v, cmp_found);
    int64_t ncoords = 0;
    for (int64_t i = 0; i < f.n; i++)
        if (i == 0 || f.v[i].coord != f.v[i - 1].coord) ncoords++;
    da_dim_piece_t *dp = calloc((size_t)(ncoords ? ncoords : 1), sizeof *dp);
    da_run_t *runs = malloc(sizeof *runs * (size_t)(f.n ? f.n : 1));
    if (!dp || !runs) {
        free(dp);
        free(runs);
        free(f.v);
        return da_error(DA_ERR_NOMEM, "decomposition: no memory");
    }
    int64_t j = -1;
    for (int64_t i = 0; i < f.n; i++) {
        runs[i] = f.v[i].run;
        if (i == 0 || f.v[i].coord != f.v[i - 1].coord) {
            j++;
            dp[j] = (da_dim_piece_t){.coord = f.v[i].coord, .runs = &runs[i], .reps = reps, .period = period,
                                     .period_global = period * s, .period_local = period_local,
                                     .tail = &runs[i]};
        }
        if (f.v[i].tail) {
            if (dp[j].ntail == 0) dp[j].tail = &runs[i];
            dp[j].ntail++;
            dp[j].count += f.v[i].run.count;
        } else {
            dp[j].nruns++;
            dp[j].count += f.v[i].run.count * reps;
        }
    }
    free(f.v);
    *pieces = dp;
    *npieces = ncoords;
    *pool = runs;
    return DA_SUCCESS;
}

int da_decompose_sel(const da_dist_t *d, const da_dimsel_t *sel, int dedup_last, da_decomp_t **out)
{
    *out = NULL;
    int64_t count = 1;
    for (int i = 0; i < d->ndim; i++) count *= sel[i].npos; /* bounded by the caller's buffer */
    da_decomp_t *dec = calloc(1, sizeof *dec);
    if (!dec) return da_error(DA_ERR_NOMEM, "decomposition: no memory");
    dec->ndim = d->ndim;
    dec->count = count;
    memcpy(dec->grid, d->grid, sizeof dec->grid);
    for (int i = 0; i < d->ndim; i++) dec->npos[i] = sel[i].npos;
    if (count == 0) {
        *out = dec;
        return DA_SUCCESS;
    }
    dec->npieces = 1;
    for (int i = 0; i < d->ndim; i++) {
        int rc = decompose_dim(&d->dim[i], &sel[i], dedup_last, &dec->dp[i], &dec->ndp[i], &dec->runs[i]);
        if (rc) {
            da_decomp_free(dec);
            return rc;
        }
        dec->npieces *= dec->ndp[i];
    }
    *out = dec;
    return DA_SUCCESS;
}

int da_dist_decompose_box(const da_dist_t *d, const int64_t *lo, const int64_t *hi, const int64_t *step,
                          da_decomp_t **out)
{
    if (!out) return da_error(DA_ERR_NULL, "da_dist_decompose_box: out is NULL");
    *out = NULL;
    int rc = da_dist_check(d);
    if (rc) return rc;
    if (!lo || !hi) return da_error(DA_ERR_NULL, "da_dist_decompose_box: lo or hi is NULL");
    da_dimsel_t sel[DA_MAX_NDIM];
    for (int i = 0; i < d->ndim; i++) {
        int64_t s = step ? step[i] : 1;
        if (s < 1) return da_error(DA_ERR_STEP, "step[%d] = %lld, must be >= 1", i, (long long)s);
        if (lo[i] < 0 || hi[i] > d->shape[i] || hi[i] < lo[i])
            return da_error(DA_ERR_BOUNDS, "box dimension %d: [%lld, %lld) not within [0, %lld)", i,
                            (long long)lo[i], (long long)hi[i], (long long)d->shape[i]);
        sel[i] = (da_dimsel_t){lo[i], s, (hi[i] - lo[i]) / s + ((hi[i] - lo[i]) % s != 0), NULL};
    }
    return da_decompose_sel(d, sel, 0, out);
}

int64_t da_decomp_npieces(const da_decomp_t *dec)
{
    return dec ? dec->npieces : 0;
}

int64_t da_decomp_count(const da_decomp_t *dec)
{
    return dec ? dec->count : 0;
}

int da_decomp_piece(const da_decomp_t *dec, int64_t i, da_piece_t *piece)
{
    if (!dec || !piece) return da_error(DA_ERR_NULL, "da_decomp_piece: NULL argument");
    if (i < 0 || i >= dec->npieces)
        return da_error(DA_ERR_BOUNDS, "da_decomp_piece: piece %lld outside [0, %lld)", (long long)i,
                        (long long)dec->npieces);
    memset(piece, 0, sizeof *piece);
    int64_t rest = i, count = 1;
    int coords[DA_MAX_NDIM];
    for (int k = dec->ndim - 1; k >= 0; k--) {
        const da_dim_piece_t *p = &dec->dp[k][rest % dec->ndp[k]];
        rest /= dec->ndp[k];
        piece->dim[k] = p;
        coords[k] = p->coord;
        count *= p->count;
    }
    int rank = 0;
    for (int k = 0; k < dec->ndim; k++) rank = rank * dec->grid[k] + coords[k];
    piece->rank = rank;
    piece->count = count;
    return DA_SUCCESS;
}

void da_decomp_free(da_decomp_t *dec)
{
    if (!dec) return;
    for (int i = 0; i < dec->ndim; i++) {
        free(dec->dp[i]);
        free(dec->runs[i]);
    }
    free(dec);
}

int64_t da_dim_piece_total_runs(const da_dim_piece_t *p)
{
    return p->nruns * p->reps + p->ntail;
}

void da_dim_piece_run(const da_dim_piece_t *p, int64_t j, da_run_t *run)
{
    if (j >= p->nruns * p->reps) {
        *run = p->tail[j - p->nruns * p->reps];
    } else {
        int64_t r = j / p->nruns;
        *run = p->runs[j % p->nruns];
        run->pos += r * p->period;
        run->global += r * p->period_global;
        run->local += r * p->period_local;
    }
    /* A lone element's steps mean nothing, and a slice's huge step would
       overflow once callers scale it to bytes. */
    if (run->count == 1) run->pos_step = run->global_step = run->local_step = 1;
}
