/* Checks of a map and of its box decompositions against the reference. */
#include "reference.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int forced_extent(const ref_dim_input_t *in)
{
    switch (in->kind) {
    case DA_DIST_NONE: return 1;
    case DA_DIST_IRREGULAR:
    case DA_DIST_UNSTRUCTURED: return in->nparts;
    default: return 0;
    }
}

void check_grid(const int *grid, int ndim, const ref_dim_input_t *in, const int *given, int nranks,
                const char *ctx)
{
    long prod = 1;
    for (int i = 0; i < ndim; i++) {
        EXPECT(grid[i] >= 1, "%s: grid[%d] = %d", ctx, i, grid[i]);
        prod *= grid[i];
        int f = forced_extent(&in[i]);
        if (f) EXPECT(grid[i] == f, "%s: grid[%d] = %d, kind %s forces %d", ctx, i, grid[i], ref_kind_name(in[i].kind), f);
        if (given && given[i] > 0)
            EXPECT(grid[i] == given[i], "%s: grid[%d] = %d, given %d", ctx, i, grid[i], given[i]);
    }
    EXPECT(prod == nranks, "%s: grid product %ld != nranks %d", ctx, prod, nranks);
}

da_dist_t *make_checked(ref_map_t *r, int ndim, const int64_t *shape, const ref_dim_input_t *in,
                        const int *given, int nranks)
{
    da_dim_spec_t spec[DA_MAX_NDIM];
    for (int i = 0; i < ndim; i++) spec[i] = ref_input_spec(&in[i]);
    da_dist_t *d = NULL;
    int rc = da_dist_create(ndim, shape, spec, given, nranks, &d);
    EXPECT(rc == DA_SUCCESS && d, "da_dist_create (ndim %d, nranks %d, kind[0] %s, shape[0] %lld) failed: %d %s",
           ndim, nranks, ref_kind_name(in[0].kind), (long long)shape[0], rc, da_last_error());
    int grid[DA_MAX_NDIM];
    EXPECT_RC(da_dist_grid(d, grid), DA_SUCCESS);
    ref_map_build(r, ndim, shape, in, grid);
    check_grid(grid, ndim, in, given, nranks, r->ctx);
    return d;
}

/* Advance a multi-index over extents; 0 when it wraps around. */
static int next_index(int ndim, const int64_t *ext, int64_t *idx)
{
    for (int i = ndim - 1; i >= 0; i--) {
        if (++idx[i] < ext[i]) return 1;
        idx[i] = 0;
    }
    return 0;
}

void check_map(const da_dist_t *d, const ref_map_t *r)
{
    const char *ctx = r->ctx;
    int ndim = 0, nranks = 0, grid[DA_MAX_NDIM];
    int64_t shape[DA_MAX_NDIM];
    EXPECT_RC(da_dist_ndim(d, &ndim), DA_SUCCESS);
    EXPECT(ndim == r->ndim, "%s: ndim %d", ctx, ndim);
    EXPECT_RC(da_dist_nranks(d, &nranks), DA_SUCCESS);
    EXPECT(nranks == r->nranks, "%s: nranks %d", ctx, nranks);
    EXPECT_RC(da_dist_shape(d, shape), DA_SUCCESS);
    EXPECT_RC(da_dist_grid(d, grid), DA_SUCCESS);
    int contiguous = 1;
    for (int i = 0; i < ndim; i++) {
        EXPECT(shape[i] == r->shape[i], "%s: shape[%d] = %lld", ctx, i, (long long)shape[i]);
        EXPECT(grid[i] == r->grid[i], "%s: grid[%d] = %d", ctx, i, grid[i]);
        da_dist_kind_t kind;
        int64_t bs = -7;
        EXPECT_RC(da_dist_dim_kind(d, i, &kind, &bs), DA_SUCCESS);
        EXPECT(kind == r->dim[i].kind, "%s: dim %d kind %d", ctx, i, (int)kind);
        if (kind == DA_DIST_BLOCK_CYCLIC) {
            /* a block longer than the extent may be reported clamped */
            if (r->dim[i].b <= r->shape[i])
                EXPECT(bs == r->dim[i].b, "%s: dim %d block size %lld", ctx, i, (long long)bs);
            else
                EXPECT(bs == r->dim[i].b || bs == r->shape[i], "%s: dim %d block size %lld", ctx, i, (long long)bs);
        }
        contiguous &= ref_kind_contiguous(r->dim[i].kind);
    }

    /* ranks <-> coordinates, local shapes, local boxes, local -> global */
    int64_t sum = 0;
    for (int rank = 0; rank < r->nranks; rank++) {
        int coords[DA_MAX_NDIM], back = -1, rc_[DA_MAX_NDIM];
        ref_coords_of(r, rank, rc_);
        EXPECT_RC(da_dist_rank_coords(d, rank, coords), DA_SUCCESS);
        for (int i = 0; i < ndim; i++)
            EXPECT(coords[i] == rc_[i], "%s: rank %d coords[%d] = %d, expected %d", ctx, rank, i, coords[i], rc_[i]);
        EXPECT_RC(da_dist_coords_rank(d, coords, &back), DA_SUCCESS);
        EXPECT(back == rank, "%s: coords of rank %d give rank %d", ctx, rank, back);

        int64_t lshape[DA_MAX_NDIM], elements = -1, expect = 1;
        EXPECT_RC(da_dist_local_shape(d, rank, lshape, &elements), DA_SUCCESS);
        for (int i = 0; i < ndim; i++) {
            int64_t want = r->dim[i].count[coords[i]];
            EXPECT(lshape[i] == want, "%s: rank %d lshape[%d] = %lld, expected %lld", ctx, rank, i,
                   (long long)lshape[i], (long long)want);
            expect *= want;
        }
        EXPECT(elements == expect, "%s: rank %d elements %lld, expected %lld", ctx, rank, (long long)elements,
               (long long)expect);
        int64_t e2 = -1;
        EXPECT_RC(da_dist_local_shape(d, rank, NULL, &e2), DA_SUCCESS);
        EXPECT(e2 == expect, "%s: rank %d elements (no lshape) %lld", ctx, rank, (long long)e2);
        sum += elements;

        int64_t lo[DA_MAX_NDIM], hi[DA_MAX_NDIM];
        if (contiguous) {
            EXPECT_RC(da_dist_local_box(d, rank, lo, hi), DA_SUCCESS);
            for (int i = 0; i < ndim; i++) {
                const ref_dim_t *m = &r->dim[i];
                int64_t cnt = m->count[coords[i]];
                if (cnt == 0) {
                    EXPECT(lo[i] == hi[i] && lo[i] >= 0 && hi[i] <= m->n,
                           "%s: rank %d empty in dim %d, box [%lld, %lld)", ctx, rank, i, (long long)lo[i],
                           (long long)hi[i]);
                } else {
                    int64_t wlo = m->glob[coords[i]][0], whi = m->glob[coords[i]][cnt - 1] + 1;
                    EXPECT(lo[i] == wlo && hi[i] == whi, "%s: rank %d dim %d box [%lld, %lld), expected [%lld, %lld)",
                           ctx, rank, i, (long long)lo[i], (long long)hi[i], (long long)wlo, (long long)whi);
                }
            }
        } else {
            EXPECT_RC(da_dist_local_box(d, rank, lo, hi), DA_ERR_NOT_CONTIGUOUS);
        }

        /* every local index maps to the reference's global index */
        if (expect > 0) {
            int64_t l[DA_MAX_NDIM] = {0}, g[DA_MAX_NDIM];
            do {
                int rc = da_dist_local_to_global(d, rank, l, g);
                EXPECT(rc == DA_SUCCESS, "%s: local_to_global rank %d failed %d", ctx, rank, rc);
                for (int i = 0; i < ndim; i++) {
                    int64_t want = r->dim[i].glob[coords[i]][l[i]];
                    EXPECT(g[i] == want, "%s: rank %d local[%d] = %lld -> global %lld, expected %lld", ctx, rank, i,
                           (long long)l[i], (long long)g[i], (long long)want);
                }
            } while (next_index(ndim, lshape, l));
        }
        /* one past the local extent is out of bounds */
        for (int i = 0; i < ndim; i++) {
            int64_t l[DA_MAX_NDIM] = {0}, g[DA_MAX_NDIM];
            l[i] = lshape[i];
            EXPECT_RC(da_dist_local_to_global(d, rank, l, g), DA_ERR_BOUNDS);
        }
    }
    EXPECT(sum == r->total, "%s: local elements sum to %lld, total %lld", ctx, (long long)sum, (long long)r->total);

    /* every global index: owner rank, coordinates and local index */
    int64_t gi[DA_MAX_NDIM] = {0};
    do {
        int rank = -1, coords[DA_MAX_NDIM], wc[DA_MAX_NDIM];
        int64_t lidx[DA_MAX_NDIM], g2[DA_MAX_NDIM];
        int rc = da_dist_owner(d, gi, &rank, coords, lidx);
        EXPECT(rc == DA_SUCCESS, "%s: owner failed %d", ctx, rc);
        for (int i = 0; i < ndim; i++) {
            wc[i] = r->dim[i].owner[gi[i]];
            EXPECT(coords[i] == wc[i] && lidx[i] == r->dim[i].local[gi[i]],
                   "%s: owner of global[%d] = %lld: coord %d local %lld, expected coord %d local %lld", ctx, i,
                   (long long)gi[i], coords[i], (long long)lidx[i], wc[i], (long long)r->dim[i].local[gi[i]]);
        }
        EXPECT(rank == ref_rank_of(r, wc), "%s: owner rank %d, expected %d", ctx, rank, ref_rank_of(r, wc));
        int rank2 = -1;
        EXPECT_RC(da_dist_owner(d, gi, &rank2, NULL, NULL), DA_SUCCESS);
        EXPECT(rank2 == rank, "%s: owner rank without coords/lidx %d != %d", ctx, rank2, rank);
        /* round trip */
        EXPECT_RC(da_dist_local_to_global(d, rank, lidx, g2), DA_SUCCESS);
        for (int i = 0; i < ndim; i++)
            EXPECT(g2[i] == gi[i], "%s: round trip of global[%d] = %lld gives %lld", ctx, i, (long long)gi[i],
                   (long long)g2[i]);
    } while (next_index(ndim, r->shape, gi));

    /* out of range queries */
    for (int i = 0; i < ndim; i++) {
        int64_t g[DA_MAX_NDIM] = {0};
        int rank, coords[DA_MAX_NDIM];
        g[i] = r->shape[i];
        EXPECT_RC(da_dist_owner(d, g, &rank, NULL, NULL), DA_ERR_BOUNDS);
        g[i] = -1;
        EXPECT_RC(da_dist_owner(d, g, &rank, NULL, NULL), DA_ERR_BOUNDS);
        EXPECT_RC(da_dist_rank_coords(d, r->nranks, coords), DA_ERR_RANK);
        EXPECT_RC(da_dist_rank_coords(d, -1, coords), DA_ERR_RANK);
    }
}

void check_decomp(const da_dist_t *d, const ref_map_t *r, const int64_t *lo, const int64_t *hi,
                  const int64_t *step)
{
    int ndim = r->ndim;
    char ctx[900];
    size_t len = (size_t)snprintf(ctx, sizeof ctx, "%s box", r->ctx);
    for (int i = 0; i < ndim && len < sizeof ctx; i++)
        len += (size_t)snprintf(ctx + len, sizeof ctx - len, " [%lld:%lld:%lld)", (long long)lo[i],
                                (long long)hi[i], (long long)(step ? step[i] : 1));

    /* requested positions per dimension, by enumeration */
    int64_t npos[DA_MAX_NDIM], count = 1, stride[DA_MAX_NDIM];
    for (int i = 0; i < ndim; i++) {
        int64_t s = step ? step[i] : 1;
        npos[i] = 0;
        for (int64_t g = lo[i]; g < hi[i]; g += s) npos[i]++;
        count *= npos[i];
    }
    int64_t st = 1;
    for (int i = ndim - 1; i >= 0; i--) {
        stride[i] = st;
        st *= npos[i];
    }

    da_decomp_t *dec = NULL;
    int rc = da_dist_decompose_box(d, lo, hi, step, &dec);
    EXPECT(rc == DA_SUCCESS && dec, "%s: decompose failed %d %s", ctx, rc, da_last_error());
    EXPECT(da_decomp_count(dec) == count, "%s: decomp count %lld, expected %lld", ctx,
           (long long)da_decomp_count(dec), (long long)count);

    /* the owners that hold requested elements, by brute force */
    char *owner_hit = calloc((size_t)r->nranks, 1);
    char *seen = calloc((size_t)(count ? count : 1), 1);
    EXPECT(owner_hit && seen, "test out of memory");
    int nowners = 0;
    if (count > 0) {
        int64_t k[DA_MAX_NDIM] = {0};
        do {
            int c[DA_MAX_NDIM];
            for (int i = 0; i < ndim; i++) c[i] = r->dim[i].owner[lo[i] + k[i] * (step ? step[i] : 1)];
            int rk = ref_rank_of(r, c);
            if (!owner_hit[rk]) nowners++;
            owner_hit[rk] = 1;
        } while (next_index(ndim, npos, k));
    }

    int64_t np = da_decomp_npieces(dec);
    EXPECT(np == nowners, "%s: %lld pieces, %d owners hold requested elements", ctx, (long long)np, nowners);

    /* expanded positions of one piece, per dimension */
    int64_t *epos[DA_MAX_NDIM], *eloc[DA_MAX_NDIM];
    for (int i = 0; i < ndim; i++) {
        epos[i] = malloc(sizeof(int64_t) * (size_t)(npos[i] ? npos[i] : 1));
        eloc[i] = malloc(sizeof(int64_t) * (size_t)(npos[i] ? npos[i] : 1));
        EXPECT(epos[i] && eloc[i], "test out of memory");
    }
    int64_t covered = 0;
    int prev_rank = -1;
    for (int64_t pi = 0; pi < np; pi++) {
        da_piece_t piece;
        EXPECT_RC(da_decomp_piece(dec, pi, &piece), DA_SUCCESS);
        EXPECT(piece.rank > prev_rank, "%s: piece %lld rank %d after rank %d", ctx, (long long)pi, piece.rank,
               prev_rank);
        EXPECT(piece.rank >= 0 && piece.rank < r->nranks && owner_hit[piece.rank],
               "%s: piece %lld rank %d holds no requested element", ctx, (long long)pi, piece.rank);
        prev_rank = piece.rank;
        int coords[DA_MAX_NDIM];
        ref_coords_of(r, piece.rank, coords);
        int64_t prod = 1, n_e[DA_MAX_NDIM];
        for (int i = 0; i < ndim; i++) {
            const da_dim_piece_t *dp = piece.dim[i];
            const ref_dim_t *m = &r->dim[i];
            int64_t s = step ? step[i] : 1;
            EXPECT(dp != NULL, "%s: piece %lld dim %d is NULL", ctx, (long long)pi, i);
            EXPECT(dp->coord == coords[i], "%s: piece %lld (rank %d) dim %d coord %d, expected %d", ctx,
                   (long long)pi, piece.rank, i, dp->coord, coords[i]);
            EXPECT(dp->reps >= 1 && dp->nruns >= 0 && dp->ntail >= 0, "%s: dim piece reps %lld nruns %lld ntail %lld",
                   ctx, (long long)dp->reps, (long long)dp->nruns, (long long)dp->ntail);
            int64_t nr = da_dim_piece_total_runs(dp);
            EXPECT(nr == dp->nruns * dp->reps + dp->ntail, "%s: total runs %lld", ctx, (long long)nr);
            int64_t e = 0, last_pos = -1;
            for (int64_t j = 0; j < nr; j++) {
                da_run_t run;
                da_dim_piece_run(dp, j, &run);
                EXPECT(run.count >= 1, "%s: dim %d coord %d run %lld count %lld", ctx, i, dp->coord, (long long)j,
                       (long long)run.count);
                EXPECT(run.count == 1 || (run.pos_step >= 1 && run.local_step >= 1),
                       "%s: dim %d run %lld steps pos %lld local %lld", ctx, i, (long long)j,
                       (long long)run.pos_step, (long long)run.local_step);
                EXPECT(run.pos > last_pos, "%s: dim %d coord %d run %lld at position %lld, not after %lld", ctx, i,
                       dp->coord, (long long)j, (long long)run.pos, (long long)last_pos);
                last_pos = run.pos;
                for (int64_t t = 0; t < run.count; t++) {
                    int64_t pos = run.pos + t * run.pos_step;
                    int64_t g = run.global + t * run.global_step;
                    int64_t l = run.local + t * run.local_step;
                    EXPECT(pos >= 0 && pos < npos[i], "%s: dim %d run %lld element %lld: position %lld outside [0, %lld)",
                           ctx, i, (long long)j, (long long)t, (long long)pos, (long long)npos[i]);
                    EXPECT(g == lo[i] + pos * s, "%s: dim %d position %lld: global %lld, expected %lld", ctx, i,
                           (long long)pos, (long long)g, (long long)(lo[i] + pos * s));
                    EXPECT(m->owner[g] == dp->coord && m->local[g] == l,
                           "%s: dim %d global %lld on coord %d local %lld; reference: coord %d local %lld", ctx, i,
                           (long long)g, dp->coord, (long long)l, m->owner[g], (long long)m->local[g]);
                    EXPECT(e < npos[i], "%s: dim %d coord %d holds more than %lld positions", ctx, i, dp->coord,
                           (long long)npos[i]);
                    epos[i][e] = pos;
                    eloc[i][e] = l;
                    e++;
                }
            }
            EXPECT(e == dp->count, "%s: dim %d coord %d: runs hold %lld, count says %lld", ctx, i, dp->coord,
                   (long long)e, (long long)dp->count);
            EXPECT(e > 0, "%s: dim %d coord %d: empty dim piece", ctx, i, dp->coord);
            n_e[i] = e;
            prod *= e;
        }
        EXPECT(piece.count == prod, "%s: piece %lld count %lld, product of run counts %lld", ctx, (long long)pi,
               (long long)piece.count, (long long)prod);
        /* outer product: disjoint, inside the request */
        int64_t k[DA_MAX_NDIM] = {0};
        do {
            int64_t lin = 0;
            for (int i = 0; i < ndim; i++) lin += epos[i][k[i]] * stride[i];
            EXPECT(!seen[lin], "%s: position %lld in two pieces (second: rank %d)", ctx, (long long)lin, piece.rank);
            seen[lin] = 1;
            covered++;
        } while (next_index(ndim, n_e, k));
    }
    EXPECT(covered == count, "%s: pieces cover %lld of %lld positions", ctx, (long long)covered, (long long)count);
    da_piece_t dummy;
    EXPECT(da_decomp_piece(dec, np, &dummy) < 0, "%s: piece %lld of %lld accepted", ctx, (long long)np,
           (long long)np);
    for (int i = 0; i < ndim; i++) {
        free(epos[i]);
        free(eloc[i]);
    }
    free(seen);
    free(owner_hit);
    da_decomp_free(dec);
}

void random_box(rng_t *g, const ref_map_t *r, int64_t *lo, int64_t *hi, int64_t *step)
{
    int whole = rng_range(g, 0, 9) == 0; /* the whole array, steps 1 */
    for (int i = 0; i < r->ndim; i++) {
        int64_t n = r->shape[i];
        step[i] = 1;
        if (whole) {
            lo[i] = 0;
            hi[i] = n;
            continue;
        }
        switch (rng_range(g, 0, 9)) {
        case 0: /* empty */
            lo[i] = hi[i] = rng_range(g, 0, n);
            break;
        case 1: /* one element */
            lo[i] = rng_range(g, 0, n - 1);
            hi[i] = lo[i] + 1;
            break;
        case 2: /* whole dimension */
            lo[i] = 0;
            hi[i] = n;
            break;
        default:
            lo[i] = rng_range(g, 0, n - 1);
            hi[i] = rng_range(g, lo[i] + 1, n);
        }
        if (rng_range(g, 0, 1)) step[i] = rng_range(g, 1, n + 2); /* can exceed the extent */
    }
}

void check_same_map(const da_dist_t *a, const da_dist_t *b, const ref_map_t *r)
{
    check_map(b, r);
    for (int i = 0; i < r->ndim; i++) {
        da_dist_kind_t ka, kb;
        int64_t ba = -1, bb = -2;
        EXPECT_RC(da_dist_dim_kind(a, i, &ka, &ba), DA_SUCCESS);
        EXPECT_RC(da_dist_dim_kind(b, i, &kb, &bb), DA_SUCCESS);
        EXPECT(ka == kb && ba == bb, "%s: dim %d: kind/block size %d/%lld vs copy %d/%lld", r->ctx, i, (int)ka,
               (long long)ba, (int)kb, (long long)bb);
    }
}
