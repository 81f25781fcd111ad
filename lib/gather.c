/* Point lists and plans: gather, scatter, scatter-accumulate.
 *
 * Inspector: every point is resolved to (owner rank, element offset in the
 * owner's block). Points whose owner's block we can address (same node)
 * keep a direct address; the others are sorted by (rank, offset) with a
 * radix sort, deduplicated into slots of a packed buffer, and cut into one
 * group per owner (at most DA_RMA_MAX_COUNT slots), each with an hindexed
 * MPI datatype whose blocks are runs of adjacent offsets.
 * Executor: direct points move by loads and stores; each group is one RMA
 * call between the packed buffer and the owner's block. A blocking get of
 * dense points may instead read covering spans of the owners' blocks with
 * contiguous gets (span_get below), when that moves fewer microseconds; a
 * one-shot gather of dense points reads whole owner ranges chunk by chunk
 * before any route is built (range_get).
 */
#include "darray/gather.h"

#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "directory.h"
#include "error.h"
#include "handle.h"
#include "radix.h"
#include "request.h"
#include "types.h"

typedef struct {
    int rank;
    int64_t first, nslots; /* slots [first, first + nslots) of the packed buffer */
    MPI_Datatype ttype;    /* the slots' elements in the owner's block */
} group_t;

/* How the points travel: by memory or by RMA. */
typedef struct {
    int64_t ndirect;
    int64_t *d_user; /* list index of each direct point */
    char **d_addr;   /* its address */
    int64_t nremote;
    int64_t *r_user; /* list index of each remote point, sorted by (rank, offset) */
    int64_t *r_slot; /* its slot */
    int64_t nslots;
    int64_t *slot_last; /* last list index writing each slot (scatter: last wins) */
    int64_t *slot_off;  /* each slot's element offset in its owner's block */
    int64_t ngroups;
    group_t *groups;
} route_t;

struct da_plan {
    da_array_t *a;
    uint64_t serial;   /* a->serial at creation: the array, not one reusing its address */
    int64_t n;
    route_t route;     /* direct where the block is addressable */
    route_t rma_route; /* everything by RMA: accumulates when CPU atomics are off */
    int32_t *rank;     /* resolved points, kept to build rma_route when needed */
    int64_t *off;
    int64_t nleft;     /* points resolve did not move (the others have rank -1) */
    char *packed;      /* blocking replays reuse this buffer */
    size_t packed_bytes;
};

/* ---- inspector ------------------------------------------------------------ */

/* Per-dimension lookup of one global index: the owner coordinate's share
   of the rank, the local index, and the owner's local extent (what the
   next dimension's offset is multiplied by). */
typedef struct {
    int64_t local, extent;
    int32_t rank_part;
} dim_entry_t;

/* One-shot moves of same-node points trail their lookups by MOVE_AHEAD
   points: the target's cache line is prefetched as soon as its address is
   known and moved MOVE_AHEAD points later, so the misses of a random list
   overlap instead of stalling one after another. Moves stay in list order
   (a scatter's last repeat wins). */
#define MOVE_AHEAD 16

typedef struct {
    char *addr;
    int64_t i;
} pending_move_t;

static inline void move_one(const pending_move_t *m, char *get_into, const char *put_from, int64_t es)
{
    char *dst = get_into ? get_into + m->i * es : m->addr;
    const char *src = get_into ? m->addr : put_from + m->i * es;
    switch (es) { /* fixed sizes become plain loads and stores */
    case 4: memcpy(dst, src, 4); break;
    case 8: memcpy(dst, src, 8); break;
    case 16: memcpy(dst, src, 16); break;
    default: memcpy(dst, src, (size_t)es);
    }
}

/* The first point outside the array, as an error; DA_SUCCESS if none. */
static int check_points(const da_dist_t *d, int64_t n, const int64_t *coords, const int64_t *flat)
{
    int nd = d->ndim;
    int64_t total = 1;
    for (int k = 0; k < nd; k++) total *= d->shape[k];
    for (int64_t i = 0; i < n; i++) {
        if (flat && (flat[i] < 0 || flat[i] >= total))
            return da_error(DA_ERR_BOUNDS, "point %lld: flat index %lld outside [0, %lld)", (long long)i,
                            (long long)flat[i], (long long)total);
        for (int k = 0; !flat && k < nd; k++)
            if ((uint64_t)coords[i * nd + k] >= (uint64_t)d->shape[k])
                return da_error(DA_ERR_BOUNDS, "point %lld: coordinate %d = %lld outside [0, %lld)", (long long)i, k,
                                (long long)coords[i * nd + k], (long long)d->shape[k]);
    }
    return DA_SUCCESS;
}

/* Owner rank and element offset of every point. A one-shot call moves the
   points in blocks this rank can address at once and marks them rank -1
   (they need no route): a gather loads them into get_into (on a bad point
   it returns the error, with the points before it loaded); a scatter
   stores them from put_from, in list order so the last repeat wins, once
   every point has been checked (nothing is written on a bad point).
   *nleft: the points not moved. */
static int resolve(const da_array_t *a, int64_t n, const int64_t *coords, const int64_t *flat, int32_t *rank,
                   int64_t *off, char *get_into, const char *put_from, int64_t *nleft)
{
    int64_t left = 0;
    const da_dist_t *d = a->dist;
    int nd = d->ndim;
    if (put_from) {
        int rc = check_points(d, n, coords, flat);
        if (rc) return rc;
    }
    /* Tables when they are small next to n: one array access per dimension
       instead of the distribution kind's arithmetic. */
    dim_entry_t *tab[DA_MAX_NDIM] = {0};
    int64_t gstride[DA_MAX_NDIM];
    int all_tabled = 1, rc = da_dist_prefetch_points(d, n, coords, flat); /* directory-backed maps: one batch */
    for (int k = nd - 1, gs = 1; k >= 0; k--) {
        gstride[k] = gs;
        gs *= d->grid[k];
    }
    for (int k = 0; k < nd && !rc; k++) {
        int64_t ext = d->shape[k];
        if (ext > n + 4096) {
            all_tabled = 0;
            continue;
        }
        tab[k] = malloc(sizeof *tab[k] * (size_t)ext);
        if (!tab[k]) {
            rc = da_error(DA_ERR_NOMEM, "no memory for lookup tables");
            break;
        }
        for (int64_t g = 0; g < ext; g++) {
            int c = da_dim_owner(&d->dim[k], g, &tab[k][g].local);
            tab[k][g].rank_part = (int32_t)(c * gstride[k]);
            tab[k][g].extent = da_dim_local_count(&d->dim[k], c);
        }
    }
    int64_t total = 1;
    for (int k = 0; k < nd; k++) total *= d->shape[k];
    char *const *base = a->peer_base;
    int64_t es = (int64_t)a->esize;
    pending_move_t ring[MOVE_AHEAD];
    int npend = 0, head = 0;
    for (int64_t i = 0; i < n && !rc; i++) {
        int64_t g[DA_MAX_NDIM];
        if (flat) {
            int64_t f = flat[i];
            if (f < 0 || f >= total) {
                rc = da_error(DA_ERR_BOUNDS, "point %lld: flat index %lld outside [0, %lld)", (long long)i,
                              (long long)f, (long long)total);
                break;
            }
            for (int k = nd - 1; k > 0; k--) {
                g[k] = f % d->shape[k];
                f /= d->shape[k];
            }
            g[0] = f;
        } else {
            const int64_t *c = coords + i * nd;
            for (int k = 0; k < nd; k++) {
                g[k] = c[k];
                if ((uint64_t)g[k] >= (uint64_t)d->shape[k]) {
                    rc = da_error(DA_ERR_BOUNDS, "point %lld: coordinate %d = %lld outside [0, %lld)", (long long)i,
                                  k, (long long)g[k], (long long)d->shape[k]);
                    break;
                }
            }
            if (rc) break;
        }
        int64_t r = 0, o = 0;
        if (all_tabled && nd == 2) { /* the common case, unrolled */
            const dim_entry_t *t0 = &tab[0][g[0]], *t1 = &tab[1][g[1]];
            r = t0->rank_part + t1->rank_part;
            o = t0->local * t1->extent + t1->local;
        } else if (all_tabled) { /* offset in Horner form: ((l0 * e1 + l1) * e2 + l2) ... */
            for (int k = 0; k < nd; k++) {
                const dim_entry_t *t = &tab[k][g[k]];
                r += t->rank_part;
                o = o * t->extent + t->local;
            }
        } else {
            for (int k = 0; k < nd; k++) {
                int64_t l;
                int c;
                if (tab[k]) {
                    l = tab[k][g[k]].local;
                    c = (int)(tab[k][g[k]].rank_part / gstride[k]);
                    o = o * tab[k][g[k]].extent + l;
                } else {
                    c = da_dim_owner(&d->dim[k], g[k], &l);
                    o = o * da_dim_local_count(&d->dim[k], c) + l;
                }
                r += c * gstride[k];
            }
        }
        if ((get_into || put_from) && base[r]) {
            char *addr = base[r] + o * es;
            if (put_from) __builtin_prefetch(addr, 1);
            else __builtin_prefetch(addr, 0);
            if (npend == MOVE_AHEAD) { /* the oldest move's line has had time to arrive */
                move_one(&ring[head], get_into, put_from, es);
                head = (head + 1) % MOVE_AHEAD;
                npend--;
            }
            ring[(head + npend++) % MOVE_AHEAD] = (pending_move_t){addr, i};
            r = -1;
        }
        rank[i] = (int32_t)r;
        off[i] = o;
        left += r >= 0;
    }
    *nleft = left;
    for (; npend > 0; npend--, head = (head + 1) % MOVE_AHEAD) move_one(&ring[head], get_into, put_from, es);
    for (int k = 0; k < nd; k++) free(tab[k]);
    return rc;
}

static void free_route(route_t *r)
{
    for (int64_t g = 0; g < r->ngroups; g++)
        if (r->groups[g].ttype != MPI_DATATYPE_NULL) MPI_Type_free(&r->groups[g].ttype);
    free(r->d_user);
    free(r->d_addr);
    free(r->r_user);
    free(r->r_slot);
    free(r->slot_last);
    free(r->slot_off);
    free(r->groups);
    memset(r, 0, sizeof *r);
}

static int bits_of(uint64_t x)
{
    int b = 0;
    while (x) {
        b++;
        x >>= 1;
    }
    return b;
}

typedef struct {
    int32_t rank;
    int64_t off, user;
} point_t;

static int cmp_point(const void *x, const void *y)
{
    const point_t *p = x, *q = y;
    if (p->rank != q->rank) return p->rank < q->rank ? -1 : 1;
    if (p->off != q->off) return p->off < q->off ? -1 : 1;
    return p->user < q->user ? -1 : p->user > q->user;
}

/* Sort the remote points by (rank, offset, list index). */
static int sort_remote(const da_plan_t *p, int64_t nrem, const int64_t *users, point_t *out)
{
    int64_t maxoff = 0;
    for (int64_t k = 0; k < nrem; k++)
        if (p->off[users[k]] > maxoff) maxoff = p->off[users[k]];
    int ob = bits_of((uint64_t)maxoff), rb = bits_of((uint64_t)(p->a->nranks - 1));
    if (ob + rb <= 64) {
        da_kv_t *kv = malloc(sizeof *kv * (size_t)(nrem ? nrem : 1));
        if (!kv) return da_error(DA_ERR_NOMEM, "no memory to sort %lld points", (long long)nrem);
        for (int64_t k = 0; k < nrem; k++) {
            int64_t u = users[k];
            kv[k].key = ((uint64_t)p->rank[u] << ob) | (uint64_t)p->off[u];
            kv[k].value = u;
        }
        if (da_radix_sort(kv, nrem, ob + rb)) {
            free(kv);
            return da_error(DA_ERR_NOMEM, "no memory to sort %lld points", (long long)nrem);
        }
        for (int64_t k = 0; k < nrem; k++) {
            int64_t u = kv[k].value;
            out[k] = (point_t){p->rank[u], p->off[u], u};
        }
        free(kv);
        return DA_SUCCESS;
    }
    for (int64_t k = 0; k < nrem; k++) out[k] = (point_t){p->rank[users[k]], p->off[users[k]], users[k]};
    qsort(out, (size_t)nrem, sizeof *out, cmp_point);
    return DA_SUCCESS;
}

/* One group's datatype: runs of adjacent offsets as hindexed blocks. When
   the runs are short (random points: nearly all of length 1), one block of
   one element per slot instead: MPICH builds an hindexed_block type about
   4 times faster than an hindexed one and moves it with half the CPU
   (docs/irregular.md), which outweighs the extra entries. */
static int group_type(const da_array_t *a, const int64_t *slot_off, int64_t s0, int64_t ns, MPI_Datatype *out)
{
    int64_t nruns = 0, prev = -2;
    for (int64_t s = s0; s < s0 + ns; s++) {
        nruns += slot_off[s] != prev + 1;
        prev = slot_off[s];
    }
    int singles = ns <= 2 * nruns;
    int64_t nent = singles ? ns : nruns;
    int *bl = singles ? NULL : malloc(sizeof *bl * (size_t)nent);
    MPI_Aint *disp = malloc(sizeof *disp * (size_t)nent);
    if ((!singles && !bl) || !disp) {
        free(bl);
        free(disp);
        return da_error(DA_ERR_NOMEM, "no memory for a datatype");
    }
    int64_t k = 0;
    prev = -2;
    for (int64_t s = s0; s < s0 + ns; s++) {
        int64_t o = slot_off[s];
        if (!singles && o == prev + 1) {
            bl[k - 1]++;
        } else {
            if (!singles) bl[k] = 1;
            disp[k++] = (MPI_Aint)(o * (int64_t)a->esize);
        }
        prev = o;
    }
    int rc = singles ? MPI_Type_create_hindexed_block((int)nent, 1, disp, a->mpitype, out)
                     : MPI_Type_create_hindexed((int)nent, bl, disp, a->mpitype, out);
    if (rc == MPI_SUCCESS) rc = MPI_Type_commit(out);
    free(bl);
    free(disp);
    return rc == MPI_SUCCESS ? DA_SUCCESS : da_mpi_error(rc, "point datatype");
}

static int build_route(da_plan_t *p, int by_memory, route_t *r)
{
    da_array_t *a = p->a;
    int64_t n = p->n, nlive = 0, nrem = 0;
    int rc = DA_SUCCESS;
    /* The points not delivered while resolving (rank >= 0), gathered into
       r_user without a branch per point: in a one-shot RMA call local and
       remote points alternate at random, and a branch on them mispredicted
       for half the points. Then direct ones move to d_user, and the remote
       ones stay, in order, at the front of r_user. */
    int compact = p->nleft < n;
    r->r_user = malloc(sizeof *r->r_user * (size_t)(n ? n : 1));
    if (!r->r_user) return da_error(DA_ERR_NOMEM, "no memory for a plan of %lld points", (long long)n);
    if (compact) {
        for (int64_t i = 0; i < n; i++) {
            r->r_user[nlive] = i;
            nlive += p->rank[i] >= 0;
        }
    } else {
        nlive = n;
    }
    /* both sized for every live point, then shrunk: pages past the end stay untouched */
    r->d_user = malloc(sizeof *r->d_user * (size_t)(nlive ? nlive : 1));
    r->d_addr = malloc(sizeof *r->d_addr * (size_t)(nlive ? nlive : 1));
    if (!r->d_user || !r->d_addr) return da_error(DA_ERR_NOMEM, "no memory for a plan of %lld points", (long long)n);
    for (int64_t k = 0; k < nlive; k++) {
        int64_t i = compact ? r->r_user[k] : k;
        char *base = by_memory ? a->peer_base[p->rank[i]] : NULL;
        if (base) {
            r->d_user[r->ndirect] = i;
            r->d_addr[r->ndirect++] = base + p->off[i] * (int64_t)a->esize;
        } else {
            r->r_user[nrem++] = i;
        }
    }
    /* plans keep these: give back what the other kind of point took */
    int64_t *ru = realloc(r->r_user, sizeof *r->r_user * (size_t)(nrem ? nrem : 1));
    int64_t *du = realloc(r->d_user, sizeof *r->d_user * (size_t)(r->ndirect ? r->ndirect : 1));
    char **da = realloc(r->d_addr, sizeof *r->d_addr * (size_t)(r->ndirect ? r->ndirect : 1));
    if (ru) r->r_user = ru;
    if (du) r->d_user = du;
    if (da) r->d_addr = da;
    r->r_slot = malloc(sizeof *r->r_slot * (size_t)(nrem ? nrem : 1));
    r->slot_last = malloc(sizeof *r->slot_last * (size_t)(nrem ? nrem : 1));
    r->slot_off = malloc(sizeof *r->slot_off * (size_t)(nrem ? nrem : 1));
    int64_t *first_of_slot = malloc(sizeof *first_of_slot * (size_t)(nrem ? nrem : 1));
    point_t *pts = malloc(sizeof *pts * (size_t)(nrem ? nrem : 1));
    if (!r->r_slot || !r->slot_last || !r->slot_off || !first_of_slot || !pts) {
        rc = da_error(DA_ERR_NOMEM, "no memory for a plan of %lld points", (long long)n);
        goto out;
    }
    r->nremote = nrem;
    if ((rc = sort_remote(p, nrem, r->r_user, pts))) goto out;
    /* slots: one per distinct (rank, offset); groups: per rank, bounded */
    int64_t ngroups = 0;
    for (int64_t k = 0; k < nrem; k++) {
        int fresh = k == 0 || pts[k].rank != pts[k - 1].rank || pts[k].off != pts[k - 1].off;
        if (fresh) {
            r->slot_off[r->nslots] = pts[k].off;
            first_of_slot[r->nslots++] = k;
        }
        r->r_user[k] = pts[k].user;
        r->r_slot[k] = r->nslots - 1;
        r->slot_last[r->nslots - 1] = pts[k].user; /* list order within equal keys: the last wins */
    }
    for (int64_t s = 0, run = 0; s < r->nslots; s++, run++) {
        if (s == 0 || pts[first_of_slot[s]].rank != pts[first_of_slot[s - 1]].rank || run == a->max_count) {
            ngroups++;
            run = 0;
        }
    }
    r->groups = calloc((size_t)(ngroups ? ngroups : 1), sizeof *r->groups);
    if (!r->groups) {
        rc = da_error(DA_ERR_NOMEM, "no memory for a plan");
        goto out;
    }
    for (int64_t s = 0, run = 0; s < r->nslots; s++, run++) {
        if (s == 0 || pts[first_of_slot[s]].rank != pts[first_of_slot[s - 1]].rank || run == a->max_count) {
            r->groups[r->ngroups++] = (group_t){pts[first_of_slot[s]].rank, s, 0, MPI_DATATYPE_NULL};
            run = 0;
        }
        r->groups[r->ngroups - 1].nslots++;
    }
out:
    free(first_of_slot);
    free(pts);
    return rc;
}

static int range_get(const da_array_t *a, da_plan_t *p, char *buf);

/* get_into, put_from: a one-shot gather's or scatter's buffer, moved at once
   where memory reaches (the plan then holds only the other points).
   all_rma: the plan serves one accumulate on an array without CPU atomics,
   which sends every point by RMA: its route is built that way at once. */
static int plan_create(da_array_t *a, int64_t n, const int64_t *coords, const int64_t *flat, char *get_into,
                       const char *put_from, int all_rma, da_plan_t **out)
{
    if (!out) return da_error(DA_ERR_NULL, "da_plan_create: plan is NULL");
    *out = NULL;
    int rc = da_array_check(a);
    if (rc) return rc;
    if (n < 0) return da_error(DA_ERR_ARG, "point count %lld is negative", (long long)n);
    if (n > 0 && !coords && !flat) return da_error(DA_ERR_NULL, "point list is NULL for %lld points", (long long)n);
    da_plan_t *p = calloc(1, sizeof *p);
    if (!p) return da_error(DA_ERR_NOMEM, "no memory for a plan");
    p->a = a;
    p->serial = a->serial;
    p->n = n;
    p->rank = malloc(sizeof *p->rank * (size_t)(n ? n : 1));
    p->off = malloc(sizeof *p->off * (size_t)(n ? n : 1));
    if (!p->rank || !p->off) rc = da_error(DA_ERR_NOMEM, "no memory for a plan of %lld points", (long long)n);
    if (!rc) rc = resolve(a, n, coords, flat, p->rank, p->off, get_into, put_from, &p->nleft);
    if (!rc && get_into) rc = range_get(a, p, get_into);
    if (!rc) rc = build_route(p, !all_rma, &p->route);
    if (!rc && da_handle_add(p, DA_HANDLE_PLAN)) rc = da_error(DA_ERR_NOMEM, "no memory for the handle");
    if (rc) {
        free_route(&p->route);
        free(p->rank);
        free(p->off);
        free(p);
        return rc;
    }
    *out = p;
    return DA_SUCCESS;
}

int da_plan_create(da_array_t *a, int64_t n, const int64_t *coords, da_plan_t **plan)
{
    return plan_create(a, n, coords, NULL, NULL, NULL, 0, plan);
}

int da_plan_create_flat(da_array_t *a, int64_t n, const int64_t *flat, da_plan_t **plan)
{
    return plan_create(a, n, NULL, flat, NULL, NULL, 0, plan);
}

static int plan_check(const da_plan_t *p)
{
    if (!p) return da_error(DA_ERR_NULL, "plan is NULL");
    if (!da_handle_live(p, DA_HANDLE_PLAN)) return da_error(DA_ERR_HANDLE, "plan %p is not live", (const void *)p);
    int rc = da_array_check(p->a); /* the array must outlive its plans */
    if (!rc && p->a->serial != p->serial)
        rc = da_error(DA_ERR_HANDLE, "the plan's array was destroyed (another array now has its address)");
    return rc;
}

int da_plan_count(const da_plan_t *p, int64_t *n)
{
    int rc = plan_check(p);
    if (rc) return rc;
    if (!n) return da_error(DA_ERR_NULL, "da_plan_count: n is NULL");
    *n = p->n;
    return DA_SUCCESS;
}

int da_plan_destroy(da_plan_t **pp)
{
    if (!pp) return da_error(DA_ERR_NULL, "da_plan_destroy: NULL");
    da_plan_t *p = *pp;
    if (!p) return da_error(DA_ERR_NULL, "plan is NULL");
    if (!da_handle_live(p, DA_HANDLE_PLAN)) return da_error(DA_ERR_HANDLE, "plan %p is not live", (void *)p);
    da_handle_remove(p);
    free_route(&p->route);
    free_route(&p->rma_route);
    free(p->rank);
    free(p->off);
    free(p->packed);
    free(p);
    *pp = NULL;
    return DA_SUCCESS;
}

/* ---- executor ------------------------------------------------------------- */

typedef enum { OP_GET, OP_PUT, OP_ACC } kind_t;

/* What a non-blocking replay must finish at completion. */
typedef struct {
    const route_t *r;
    size_t es;
    char *buf;
    char *packed;
    int unpack;
    MPI_Win win;
} pending_t;

static void unpack(const route_t *r, size_t es, char *buf, const char *packed)
{
    for (int64_t k = 0; k < r->nremote; k++)
        memcpy(buf + r->r_user[k] * (int64_t)es, packed + r->r_slot[k] * (int64_t)es, es);
}

static int finish_pending(void *ctx, int rc)
{
    pending_t *pd = ctx;
    /* MPICH 4.0 (ch4:ucx) completes an MPI_Rget with a derived target type
       before the data arrives (docs/mpi-issues.md): wait for it locally. */
    for (int64_t g = 0; pd->unpack && g < pd->r->ngroups; g++) { /* one flush per owner, see finish */
        if (g && pd->r->groups[g].rank == pd->r->groups[g - 1].rank) continue;
        int mrc = MPI_Win_flush_local(pd->r->groups[g].rank, pd->win);
        if (!rc && mrc != MPI_SUCCESS) rc = da_mpi_error(mrc, "MPI_Win_flush_local");
    }
    if (pd->unpack && !rc) unpack(pd->r, pd->es, pd->buf, pd->packed);
    free(pd->packed);
    free(pd);
    return rc;
}

static void direct_get(const route_t *r, size_t es, char *buf)
{
    int64_t n = r->ndirect;
    const int64_t *u = r->d_user;
    char *const *ad = r->d_addr;
    switch (es) { /* fixed sizes let the compiler emit plain loads */
    case 4:
        for (int64_t k = 0; k < n; k++) memcpy(buf + u[k] * 4, ad[k], 4);
        break;
    case 8:
        for (int64_t k = 0; k < n; k++) memcpy(buf + u[k] * 8, ad[k], 8);
        break;
    case 16:
        for (int64_t k = 0; k < n; k++) memcpy(buf + u[k] * 16, ad[k], 16);
        break;
    default:
        for (int64_t k = 0; k < n; k++) memcpy(buf + u[k] * (int64_t)es, ad[k], es);
    }
}

static void direct_put(const route_t *r, size_t es, const char *buf)
{
    int64_t n = r->ndirect;
    const int64_t *u = r->d_user;
    char *const *ad = r->d_addr;
    switch (es) {
    case 4:
        for (int64_t k = 0; k < n; k++) memcpy(ad[k], buf + u[k] * 4, 4);
        break;
    case 8:
        for (int64_t k = 0; k < n; k++) memcpy(ad[k], buf + u[k] * 8, 8);
        break;
    default:
        for (int64_t k = 0; k < n; k++) memcpy(ad[k], buf + u[k] * (int64_t)es, es);
    }
}

/* ---- spans: dense remote gets as contiguous reads ------------------------ */

/* Slots [s, end) of one owner whose neighbours lie at most gap elements
   apart and whose covering range fits in cap elements: one span. */
static int64_t span_end(const route_t *r, const int64_t *slot_rank, int64_t s, int64_t gap, int64_t cap)
{
    int64_t e = s + 1;
    while (e < r->nslots && slot_rank[e] == slot_rank[s] && r->slot_off[e] - r->slot_off[e - 1] - 1 <= gap &&
           r->slot_off[e] - r->slot_off[s] < cap)
        e++;
    return e;
}

/* Rough microseconds of one small contiguous get, of one element of an
   indexed target datatype, and of a byte of a large get, from this
   machine's figures on MPICH 4.0 ch4:ucx between two ranks of one node
   (get-1elem-rma, a prebuilt hindexed gather-plan-100k, get-contig-8MiB-rma):
   an indexed target type goes by active message, element by element. */
#define SPAN_US_PER_GET 0.4
#define SPAN_US_PER_ELEMENT 0.15
#define SPAN_US_PER_BYTE 1.25e-4

/* Whether spans beat one datatype per group for this route; *cover: the
   elements all spans read. */
static int spans_pay(const da_array_t *a, const route_t *r, const int64_t *slot_rank, int64_t gap, int64_t cap,
                     int64_t *cover_out)
{
    int64_t nspans = 0, cover = 0;
    for (int64_t s = 0; s < r->nslots;) {
        int64_t e = span_end(r, slot_rank, s, gap, cap);
        nspans++;
        cover += r->slot_off[e - 1] - r->slot_off[s] + 1;
        s = e;
    }
    double span_us = (double)nspans * SPAN_US_PER_GET + (double)cover * (double)a->esize * SPAN_US_PER_BYTE;
    double type_us = (double)r->ngroups * SPAN_US_PER_GET + (double)r->nslots * SPAN_US_PER_ELEMENT;
    *cover_out = cover;
    return span_us < type_us;
}

/* Blocking get of the remote points by spans, a scratch buffer's worth at
   a time: issue the spans' gets, flush their owners, pick the points out.
   *taken stays 0 (nothing done) when spans do not pay. */
static int span_get(const da_array_t *a, const route_t *r, char *buf, int *taken)
{
    *taken = 0;
    size_t es = a->esize;
    int64_t gap = a->span_gap / (int64_t)es, cap = a->span_buffer / (int64_t)es;
    if (cap < 1) cap = 1;
    int64_t *slot_rank = malloc(sizeof *slot_rank * (size_t)(r->nslots ? r->nslots : 1));
    if (!slot_rank) return DA_SUCCESS; /* the datatype path needs less memory */
    for (int64_t g = 0; g < r->ngroups; g++)
        for (int64_t s = r->groups[g].first; s < r->groups[g].first + r->groups[g].nslots; s++)
            slot_rank[s] = r->groups[g].rank;
    int64_t cover;
    char *scratch = spans_pay(a, r, slot_rank, gap, cap, &cover) ? malloc((size_t)(cover < cap ? cover : cap) * es) : NULL;
    if (!scratch) {
        free(slot_rank);
        return DA_SUCCESS;
    }
    *taken = 1;
    int rc = DA_SUCCESS;
    int64_t k = 0; /* next remote point to deliver (points are in slot order) */
    for (int64_t s0 = 0; s0 < r->nslots && !rc;) {
        /* one batch: spans while they fit in the scratch buffer */
        int64_t used = 0, s = s0;
        while (s < r->nslots) {
            int64_t e = span_end(r, slot_rank, s, gap, cap);
            int64_t lo = r->slot_off[s], len = r->slot_off[e - 1] - lo + 1;
            if (used + len > cap) break;
            for (int64_t done = 0; done < len && !rc; done += a->max_count) {
                int c = (int)(len - done < a->max_count ? len - done : a->max_count);
                int mrc = MPI_Get(scratch + (used + done) * (int64_t)es, c, a->mpitype, (int)slot_rank[s],
                                  (MPI_Aint)((lo + done) * (int64_t)es), c, a->mpitype, a->win);
                if (mrc != MPI_SUCCESS) rc = da_mpi_error(mrc, "span MPI_Get");
            }
            used += len;
            s = e;
        }
        /* per-owner local flushes (docs/mpi-issues.md: not the _all variant) */
        for (int64_t t = s0; t < s; t++) {
            if (t > s0 && slot_rank[t] == slot_rank[t - 1]) continue;
            int mrc = MPI_Win_flush_local((int)slot_rank[t], a->win);
            if (!rc && mrc != MPI_SUCCESS) rc = da_mpi_error(mrc, "MPI_Win_flush_local");
        }
        /* deliver: the batch's spans were laid out one after another */
        int64_t base = 0;
        for (int64_t t = s0; t < s && !rc;) {
            int64_t e = span_end(r, slot_rank, t, gap, cap), lo = r->slot_off[t];
            for (int64_t u = t; u < e; u++) {
                const char *src = scratch + (base + r->slot_off[u] - lo) * (int64_t)es;
                for (; k < r->nremote && r->r_slot[k] == u; k++) memcpy(buf + r->r_user[k] * (int64_t)es, src, es);
            }
            base += r->slot_off[e - 1] - lo + 1;
            t = e;
        }
        s0 = s;
    }
    free(scratch);
    free(slot_rank);
    return rc;
}

/* A one-shot gather whose remote points are dense in their owners' blocks
   needs no sorted route: when reading, from every owner, the whole range
   between its lowest and highest wanted offsets (spans with their average
   spacing within DA_GATHER_SPAN_GAP) costs less than one indexed datatype
   per owner, the points are bucketed by scratch-buffer-sized chunk of
   those ranges in one counting pass, and each chunk that holds points is
   read with one contiguous get and its points picked out. Delivered
   points get rank -1, like the ones resolve moved; if the ranges do not
   pay, nothing happens and the route takes over. */
static int range_get(const da_array_t *a, da_plan_t *p, char *buf)
{
    int64_t n = p->n, nrem = 0, es = (int64_t)a->esize, P = a->nranks;
    if (a->span_gap <= 0 || p->nleft < P || p->nleft == 0) return DA_SUCCESS; /* none or few: not worth the passes */
    int shift = 0; /* chunks of 2^shift elements: a shift, not a division, per point */
    while (shift < 62 && ((int64_t)2 << shift) <= a->span_buffer / es) shift++;
    int64_t cap = (int64_t)1 << shift;
    int64_t *rem = malloc(sizeof *rem * (size_t)n), *cnt = calloc((size_t)P, sizeof *cnt),
            *lo = malloc(sizeof *lo * (size_t)P), *hi = malloc(sizeof *hi * (size_t)P),
            *first = malloc(sizeof *first * (size_t)(P + 1));
    int64_t *bucket = NULL, *order = NULL;
    char *scratch = NULL;
    int rc = DA_SUCCESS;
    if (!rem || !cnt || !lo || !hi || !first) goto out; /* the route needs less memory: let it try */
    /* the remote points, without a branch per point (local and remote ones
       alternate at random: a branch would mispredict half the time) */
    for (int64_t i = 0; i < n; i++) {
        rem[nrem] = i;
        nrem += p->rank[i] >= 0;
    }
    for (int64_t k = 0; k < nrem; k++) {
        int32_t r = p->rank[rem[k]];
        int64_t o = p->off[rem[k]];
        if (!cnt[r]++) lo[r] = hi[r] = o;
        lo[r] = o < lo[r] ? o : lo[r];
        hi[r] = o > hi[r] ? o : hi[r];
    }
    /* the cost model of spans_pay, each owner's range as its spans */
    double range_us = 0, type_us = 0;
    int64_t nchunks = 0, widest = 0;
    for (int64_t r = 0; r < P; r++) {
        first[r] = nchunks;
        if (!cnt[r]) continue;
        int64_t cover = hi[r] - lo[r] + 1, chunks = ((cover - 1) >> shift) + 1;
        if (cover * es > cnt[r] * a->span_gap) goto out; /* too sparse somewhere */
        range_us += (double)chunks * SPAN_US_PER_GET + (double)cover * (double)es * SPAN_US_PER_BYTE;
        type_us += SPAN_US_PER_GET + (double)cnt[r] * SPAN_US_PER_ELEMENT;
        nchunks += chunks;
        if (cover > widest) widest = cover;
    }
    first[P] = nchunks;
    if (range_us >= type_us) goto out;
    bucket = calloc((size_t)nchunks + 1, sizeof *bucket);
    order = malloc(sizeof *order * (size_t)nrem);
    scratch = malloc((size_t)(widest < cap ? widest : cap) * (size_t)es);
    if (!bucket || !order || !scratch) goto out;
    /* counting sort of the remote points by chunk; then bucket[b] is the
       end of chunk b's points (the start of b + 1's) */
    for (int64_t k = 0; k < nrem; k++) {
        int32_t r = p->rank[rem[k]];
        bucket[first[r] + ((p->off[rem[k]] - lo[r]) >> shift) + 1]++;
    }
    for (int64_t b = 0; b < nchunks; b++) bucket[b + 1] += bucket[b];
    for (int64_t k = 0; k < nrem; k++) {
        int32_t r = p->rank[rem[k]];
        order[bucket[first[r] + ((p->off[rem[k]] - lo[r]) >> shift)]++] = rem[k];
    }
    for (int64_t r = 0; r < P && !rc; r++) {
        for (int64_t b = first[r]; b < first[r + 1] && !rc; b++) {
            int64_t from = b ? bucket[b - 1] : 0, to = bucket[b];
            if (from == to) continue;
            int64_t clo = lo[r] + ((b - first[r]) << shift), len = hi[r] + 1 - clo < cap ? hi[r] + 1 - clo : cap;
            for (int64_t done = 0; done < len && !rc; done += a->max_count) {
                int c = (int)(len - done < a->max_count ? len - done : a->max_count);
                int mrc = MPI_Get(scratch + done * es, c, a->mpitype, (int)r, (MPI_Aint)((clo + done) * es), c,
                                  a->mpitype, a->win);
                if (mrc != MPI_SUCCESS) rc = da_mpi_error(mrc, "range MPI_Get");
            }
            int mrc = MPI_Win_flush_local((int)r, a->win);
            if (!rc && mrc != MPI_SUCCESS) rc = da_mpi_error(mrc, "MPI_Win_flush_local");
            if (rc) break;
            if (es == 8) { /* the common size, without a call per point */
                for (int64_t k = from; k < to; k++) {
                    int64_t i = order[k];
                    memcpy(buf + i * 8, scratch + (p->off[i] - clo) * 8, 8);
                    p->rank[i] = -1;
                }
            } else {
                for (int64_t k = from; k < to; k++) {
                    int64_t i = order[k];
                    memcpy(buf + i * es, scratch + (p->off[i] - clo) * es, (size_t)es);
                    p->rank[i] = -1;
                }
            }
            p->nleft -= to - from;
        }
    }
out:
    free(rem);
    free(cnt);
    free(lo);
    free(hi);
    free(first);
    free(bucket);
    free(order);
    free(scratch);
    return rc;
}

/* How many points ahead the accumulate loops prefetch their targets: each
   locked instruction waits for its cache line, so lines must be on their
   way before it (random targets in a big array miss every time). */
#define ACC_PREFETCH 12

/* Atomic sums of direct points for the common types, without the generic
   combine; returns 0 for other types. */
static int direct_sum(const route_t *r, da_type_t type, const char *buf)
{
    int64_t n = r->ndirect;
    const int64_t *u = r->d_user;
    char *const *ad = r->d_addr;
    switch (type) {
    case DA_INT64:
        for (int64_t k = 0; k < n; k++) {
            if (k + ACC_PREFETCH < n) __builtin_prefetch(ad[k + ACC_PREFETCH], 1);
            int64_t v;
            memcpy(&v, buf + u[k] * 8, 8);
            __atomic_fetch_add((int64_t *)(void *)ad[k], v, __ATOMIC_RELAXED);
        }
        return 1;
    case DA_INT32:
        for (int64_t k = 0; k < n; k++) {
            if (k + ACC_PREFETCH < n) __builtin_prefetch(ad[k + ACC_PREFETCH], 1);
            int32_t v;
            memcpy(&v, buf + u[k] * 4, 4);
            __atomic_fetch_add((int32_t *)(void *)ad[k], v, __ATOMIC_RELAXED);
        }
        return 1;
    case DA_DOUBLE:
        for (int64_t k = 0; k < n; k++) {
            if (k + ACC_PREFETCH < n) __builtin_prefetch(ad[k + ACC_PREFETCH], 1);
            double v, old, sum;
            memcpy(&v, buf + u[k] * 8, 8);
            uint64_t *w = (uint64_t *)(void *)ad[k], ob = __atomic_load_n(w, __ATOMIC_RELAXED), nb;
            do {
                memcpy(&old, &ob, 8);
                sum = old + v;
                memcpy(&nb, &sum, 8);
            } while (!__atomic_compare_exchange_n(w, &ob, nb, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
        }
        return 1;
    default:
        return 0;
    }
}

static int execute(da_plan_t *p, kind_t kind, da_op_t op, const void *alpha, const void *ubuf, da_request_t *req)
{
    if (req) *req = DA_REQUEST_NULL;
    int rc = plan_check(p);
    if (rc) return rc;
    da_array_t *a = p->a;
    if (kind == OP_ACC && (rc = da_op_check(a->type, op))) return rc;
    if (p->n == 0) return DA_SUCCESS;
    if (!ubuf) return da_error(DA_ERR_NULL, "buffer is NULL for %lld points", (long long)p->n);
    char *buf = (char *)ubuf;
    size_t es = a->esize;
    int scale = kind == OP_ACC && alpha && !da_type_is_one(a->type, alpha);

    route_t *r = &p->route;
    if (kind == OP_ACC && !a->acc_cpu && p->route.ndirect) {
        /* CPU atomics are off for this array: every accumulate goes by RMA */
        if (!p->rma_route.groups && (rc = build_route(p, 0, &p->rma_route))) {
            free_route(&p->rma_route);
            return rc;
        }
        r = &p->rma_route;
    }

    if (kind == OP_GET && !req && r->nremote && a->span_gap > 0) {
        int taken;
        rc = span_get(a, r, buf, &taken);
        if (taken) {
            if (!rc) direct_get(r, es, buf);
            return rc;
        }
    }

    /* the groups' datatypes, made on first use: a one-shot gather by spans needs none */
    for (int64_t g = 0; g < r->ngroups; g++) {
        group_t *gr = &r->groups[g];
        if (gr->ttype == MPI_DATATYPE_NULL && (rc = group_type(a, r->slot_off, gr->first, gr->nslots, &gr->ttype)))
            return rc;
    }

    /* the packed buffer: the plan's own for blocking replays */
    char *packed = NULL;
    size_t pbytes = (size_t)r->nslots * es;
    if (pbytes && req) {
        packed = malloc(pbytes);
    } else if (pbytes) {
        if (p->packed_bytes < pbytes) {
            free(p->packed);
            p->packed = malloc(pbytes);
            p->packed_bytes = p->packed ? pbytes : 0;
        }
        packed = p->packed;
    }
    if (pbytes && !packed) return da_error(DA_ERR_NOMEM, "no memory for %lld packed elements", (long long)r->nslots);

    /* origin values for put and acc: slots filled in list order */
    if (kind == OP_PUT) {
        for (int64_t s = 0; s < r->nslots; s++)
            memcpy(packed + s * (int64_t)es, buf + r->slot_last[s] * (int64_t)es, es);
    } else if (kind == OP_ACC) {
        char v[16];
        for (int64_t k = 0; k < r->nremote; k++) {
            const char *src = buf + r->r_user[k] * (int64_t)es;
            if (scale) {
                da_type_scale(a->type, alpha, src, v, 1);
                src = v;
            }
            char *slot = packed + r->r_slot[k] * (int64_t)es;
            if (k == 0 || r->r_slot[k] != r->r_slot[k - 1]) memcpy(slot, src, es);
            else da_type_combine(a->type, op, slot, src, slot); /* duplicates combine first */
        }
    }

    MPI_Request *mreqs = NULL;
    if (req && r->ngroups) {
        mreqs = malloc(sizeof *mreqs * (size_t)r->ngroups);
        if (!mreqs) {
            free(packed);
            return da_error(DA_ERR_NOMEM, "no memory for requests");
        }
    }
    for (int64_t g = 0; g < r->ngroups && !rc; g++) {
        const group_t *gr = &r->groups[g];
        char *o = packed + gr->first * (int64_t)es;
        int cnt = (int)gr->nslots, mrc;
        MPI_Op mop = da_op_mpi(op);
        if (req) {
            MPI_Request *q = &mreqs[g];
            mrc = kind == OP_GET   ? MPI_Rget(o, cnt, a->mpitype, gr->rank, 0, 1, gr->ttype, a->win, q)
                  : kind == OP_PUT ? MPI_Rput(o, cnt, a->mpitype, gr->rank, 0, 1, gr->ttype, a->win, q)
                                   : MPI_Raccumulate(o, cnt, a->mpitype, gr->rank, 0, 1, gr->ttype, mop, a->win, q);
        } else {
            mrc = kind == OP_GET   ? MPI_Get(o, cnt, a->mpitype, gr->rank, 0, 1, gr->ttype, a->win)
                  : kind == OP_PUT ? MPI_Put(o, cnt, a->mpitype, gr->rank, 0, 1, gr->ttype, a->win)
                                   : MPI_Accumulate(o, cnt, a->mpitype, gr->rank, 0, 1, gr->ttype, mop, a->win);
        }
        if (mrc != MPI_SUCCESS) {
            rc = da_mpi_error(mrc, "plan RMA call");
            if (req) { /* complete the calls issued before failing */
                MPI_Waitall((int)g, mreqs, MPI_STATUSES_IGNORE);
                free(mreqs);
                free(packed);
                return rc;
            }
        }
    }
    if (req && r->ngroups) a->unflushed = 1; /* for da_flush and da_sync */

    /* direct points, while the RMA calls are in flight */
    if (!rc) {
        if (kind == OP_GET) {
            direct_get(r, es, buf);
        } else if (kind == OP_PUT) {
            direct_put(r, es, buf);
        } else if (!scale && op == DA_OP_SUM && direct_sum(r, a->type, buf)) {
            /* done by the typed loop */
        } else {
            char v[16];
            for (int64_t k = 0; k < r->ndirect; k++) {
                const char *src = buf + r->d_user[k] * (int64_t)es;
                if (scale) {
                    da_type_scale(a->type, alpha, src, v, 1);
                    src = v;
                }
                da_type_atomic_acc(a->type, op, r->d_addr[k], src);
            }
        }
    }

    if (req) {
        pending_t *pd = malloc(sizeof *pd);
        if (!pd) {
            MPI_Waitall((int)r->ngroups, mreqs, MPI_STATUSES_IGNORE);
            if (kind == OP_GET) unpack(r, es, buf, packed);
            free(mreqs);
            free(packed);
            return DA_SUCCESS; /* completed here instead */
        }
        *pd = (pending_t){r, es, buf, packed, kind == OP_GET, a->win};
        return da_request_new(a, mreqs, r->ngroups, finish_pending, pd, req);
    }
    /* as for boxes: gets complete locally, puts and accs at the target; one
       flush per owner, since MPICH 4.0 (ch4:ucx) can return from the _all
       flushes before active-message gets have landed (docs/mpi-issues.md) */
    for (int64_t g = 0; g < r->ngroups; g++) {
        if (g && r->groups[g].rank == r->groups[g - 1].rank) continue;
        int t = r->groups[g].rank;
        int mrc = kind == OP_GET ? MPI_Win_flush_local(t, a->win) : MPI_Win_flush(t, a->win);
        if (!rc && mrc != MPI_SUCCESS) rc = da_mpi_error(mrc, "MPI_Win_flush");
    }
    if (!rc && kind == OP_GET) unpack(r, es, buf, packed);
    return rc;
}

int da_plan_get(da_plan_t *p, void *buf)
{
    return execute(p, OP_GET, DA_OP_REPLACE, NULL, buf, NULL);
}

int da_plan_put(da_plan_t *p, const void *buf)
{
    return execute(p, OP_PUT, DA_OP_REPLACE, NULL, buf, NULL);
}

int da_plan_acc(da_plan_t *p, da_op_t op, const void *alpha, const void *buf)
{
    return execute(p, OP_ACC, op, alpha, buf, NULL);
}

int da_plan_nbget(da_plan_t *p, void *buf, da_request_t *req)
{
    if (!req) return da_error(DA_ERR_NULL, "req is NULL");
    return execute(p, OP_GET, DA_OP_REPLACE, NULL, buf, req);
}

int da_plan_nbput(da_plan_t *p, const void *buf, da_request_t *req)
{
    if (!req) return da_error(DA_ERR_NULL, "req is NULL");
    return execute(p, OP_PUT, DA_OP_REPLACE, NULL, buf, req);
}

int da_plan_nbacc(da_plan_t *p, da_op_t op, const void *alpha, const void *buf, da_request_t *req)
{
    if (!req) return da_error(DA_ERR_NULL, "req is NULL");
    return execute(p, OP_ACC, op, alpha, buf, req);
}

/* ---- one-shot calls: a plan built and used once --------------------------- */

static int one_shot(da_array_t *a, kind_t kind, da_op_t op, const void *alpha, int64_t n, const int64_t *coords,
                    const int64_t *flat, const void *buf)
{
    int rc = da_array_check(a);
    if (rc) return rc;
    if (kind == OP_ACC && (rc = da_op_check(a->type, op))) return rc;
    if (n > 0 && !buf) return da_error(DA_ERR_NULL, "buffer is NULL for %lld points", (long long)n);
    da_plan_t *p;
    if ((rc = plan_create(a, n, coords, flat, kind == OP_GET ? (char *)buf : NULL, kind == OP_PUT ? buf : NULL,
                          kind == OP_ACC && !a->acc_cpu, &p)))
        return rc;
    rc = execute(p, kind, op, alpha, buf, NULL);
    da_plan_destroy(&p);
    return rc;
}

int da_gather(da_array_t *a, int64_t n, const int64_t *coords, void *buf)
{
    return one_shot(a, OP_GET, DA_OP_REPLACE, NULL, n, coords, NULL, buf);
}

int da_scatter(da_array_t *a, int64_t n, const int64_t *coords, const void *buf)
{
    return one_shot(a, OP_PUT, DA_OP_REPLACE, NULL, n, coords, NULL, buf);
}

int da_scatter_acc(da_array_t *a, da_op_t op, const void *alpha, int64_t n, const int64_t *coords,
                   const void *buf)
{
    return one_shot(a, OP_ACC, op, alpha, n, coords, NULL, buf);
}

int da_gather_flat(da_array_t *a, int64_t n, const int64_t *flat, void *buf)
{
    return one_shot(a, OP_GET, DA_OP_REPLACE, NULL, n, NULL, flat, buf);
}

int da_scatter_flat(da_array_t *a, int64_t n, const int64_t *flat, const void *buf)
{
    return one_shot(a, OP_PUT, DA_OP_REPLACE, NULL, n, NULL, flat, buf);
}

int da_scatter_acc_flat(da_array_t *a, da_op_t op, const void *alpha, int64_t n, const int64_t *flat,
                        const void *buf)
{
    return one_shot(a, OP_ACC, op, alpha, n, NULL, flat, buf);
}
