/* Redistribution: copying a box of one array into a box of the same extents
 * of another, whatever the two maps.
 *
 * Both maps are Cartesian products of per-dimension maps, so what rank r
 * holds of the source box and rank q needs of the destination box is an
 * outer product over dimensions: along dimension d, the box positions
 * owned by r's source coordinate and q's destination coordinate. A plan
 * keeps, per dimension, these position lists for this rank as sender (its
 * source coordinate against every destination coordinate) and as receiver,
 * compressed into runs that are arithmetic progressions in the position and
 * in both local indices. Elements of a pair are ordered by position
 * (row-major), so a sender's packing and a receiver's unpacking agree
 * without exchanging any index.
 *
 * Moving data (measured in bench/bench_redist.c):
 *  - a source rank whose block this rank can load (same node, DA_SHM=1):
 *    the receiver copies straight from that block into its own, one pass,
 *    no buffer;
 *  - any other pair: MPI_Alltoallv of packed elements, in rounds of at most
 *    chunk_bytes/nranks bytes per pair, so no rank buffers more than
 *    chunk_bytes for sending or for receiving.
 */
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "coll.h"
#include "types.h"
#include "error.h"
#include "handle.h"
#include "wait.h"

#define PLAN_MAGIC 0x6461726564697374ULL /* "daredist" */
#define DEFAULT_CHUNK_BYTES ((int64_t)32 << 20)

/* Positions k + i*ks of the box, at source local s + i*ss and destination
   local d + i*ds along one dimension. */
typedef struct {
    int64_t k, s, d, count, ks, ss, ds;
} prun_t;

typedef struct {
    int64_t nruns, cap, count;
    prun_t *runs;
    int64_t *before; /* before[j]: elements in runs 0..j-1 */
} plist_t;

struct da_redist_plan {
    uint64_t magic;
    MPI_Comm comm; /* our duplicate, to check the arrays' communicators */
    int rank, nranks, ndim;
    da_type_t type;
    size_t esize;
    uint64_t sfp, dfp; /* fingerprints of the two maps */
    da_dist_t *sdist, *ddist;
    int64_t slo[DA_MAX_NDIM], shi[DA_MAX_NDIM], dlo[DA_MAX_NDIM], dhi[DA_MAX_NDIM];
    int64_t chunk_bytes;
    da_redist_method_t method;
    plist_t *send[DA_MAX_NDIM]; /* [d][destination coordinate] */
    plist_t *recv[DA_MAX_NDIM]; /* [d][source coordinate] */
    int64_t *send_count;        /* per rank: elements this rank sends it */
    int64_t *recv_count;        /* per rank: elements this rank receives from it */
    /* all-to-all buffers, kept between executions (touched pages, no fresh
       zeroed memory on every call); at most chunk_bytes each */
    char *sbuf, *rbuf;
    int64_t scap, rcap;
    int *counts;
};

/* ---- position lists ---------------------------------------------------- */

static int plist_push(plist_t *l, int64_t k, int64_t s, int64_t d)
{
    l->count++;
    if (l->nruns) {
        prun_t *t = &l->runs[l->nruns - 1];
        if (t->count == 1) {
            t->ks = k - t->k;
            t->ss = s - t->s;
            t->ds = d - t->d;
            t->count = 2;
            return DA_SUCCESS;
        }
        if (k == t->k + t->count * t->ks && s == t->s + t->count * t->ss && d == t->d + t->count * t->ds) {
            t->count++;
            return DA_SUCCESS;
        }
    }
    if (l->nruns == l->cap) {
        int64_t cap = l->cap ? 2 * l->cap : 4;
        prun_t *n = realloc(l->runs, sizeof *n * (size_t)cap);
        if (!n) return da_error(DA_ERR_NOMEM, "redistribution plan: no memory for %lld runs", (long long)cap);
        l->runs = n;
        l->cap = cap;
    }
    l->runs[l->nruns++] = (prun_t){k, s, d, 1, 1, 1, 1};
    return DA_SUCCESS;
}

static int plist_finish(plist_t *l)
{
    l->before = malloc(sizeof *l->before * (size_t)(l->nruns + 1));
    if (!l->before) return da_error(DA_ERR_NOMEM, "redistribution plan: no memory");
    int64_t c = 0;
    for (int64_t j = 0; j < l->nruns; j++) {
        l->before[j] = c;
        c += l->runs[j].count;
    }
    l->before[l->nruns] = c;
    return DA_SUCCESS;
}

static void plists_free(plist_t *l, int n)
{
    if (!l) return;
    for (int i = 0; i < n; i++) {
        free(l[i].runs);
        free(l[i].before);
    }
    free(l);
}

/* Along dimension d: this rank's coordinate `mine` in map `own` (box
   [olo, ohi)) against every coordinate of map `other` (box starting at
   oth_lo). sender: own is the source map. */
static int build_lists(const da_dist_t *own, int d, int mine, int64_t olo, int64_t ohi, const da_dist_t *other,
                       int64_t oth_lo, int sender, plist_t **out)
{
    const dim_map_t *om = &other->dim[d];
    plist_t *lists = calloc((size_t)om->p, sizeof *lists);
    if (!lists) return da_error(DA_ERR_NOMEM, "redistribution plan: no memory");
    da_lruns_t runs;
    int rc = da_lruns_build(&own->dim[d], mine, olo, ohi, 1, &runs); /* by increasing position */
    for (int64_t j = 0; !rc && j < runs.nruns; j++) {
        const da_lrun_t *u = &runs.runs[j];
        for (int64_t i = 0; i < u->count && !rc; i++) {
            int64_t l = u->l0 + i * u->lstep, k = u->g0 + i * u->gstep - olo, ol;
            int c = da_dim_owner(om, oth_lo + k, &ol);
            rc = sender ? plist_push(&lists[c], k, l, ol) : plist_push(&lists[c], k, ol, l);
        }
    }
    da_lruns_free(&runs);
    for (int c = 0; !rc && c < om->p; c++) rc = plist_finish(&lists[c]);
    if (rc) {
        plists_free(lists, om->p);
        return rc;
    }
    *out = lists;
    return DA_SUCCESS;
}

static void coords_of(const da_dist_t *d, int rank, int *c)
{
    for (int i = d->ndim - 1; i >= 0; i--) {
        c[i] = rank % d->grid[i];
        rank /= d->grid[i];
    }
}

static void local_strides(const da_dist_t *d, int rank, int64_t *str)
{
    int c[DA_MAX_NDIM];
    coords_of(d, rank, c);
    int64_t s = 1;
    for (int i = d->ndim - 1; i >= 0; i--) {
        str[i] = s;
        s *= da_dim_local_count(&d->dim[i], c[i]);
    }
}

/* ---- walking the elements of one pair ------------------------------------ */

typedef struct {
    int nd;
    const plist_t *L[DA_MAX_NDIM];
    int64_t sstr[DA_MAX_NDIM], dstr[DA_MAX_NDIM];
} pair_t;

/* The pair of this rank as sender (to = 1) or receiver with rank `peer`. */
static int64_t pair_of(const da_redist_plan_t *p, int peer, int to, pair_t *out)
{
    int c[DA_MAX_NDIM];
    out->nd = p->ndim;
    coords_of(to ? p->ddist : p->sdist, peer, c);
    int64_t n = 1;
    for (int d = 0; d < p->ndim; d++) {
        out->L[d] = to ? &p->send[d][c[d]] : &p->recv[d][c[d]];
        n *= out->L[d]->count;
    }
    local_strides(p->sdist, to ? p->rank : peer, out->sstr);
    local_strides(p->ddist, to ? peer : p->rank, out->dstr);
    return n;
}

/* Run j of list l holding element e, and e's offset in it. */
static const prun_t *find_run(const plist_t *l, int64_t e, int64_t *o)
{
    int64_t lo = 0, hi = l->nruns; /* last run with before <= e */
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        if (l->before[mid] <= e) lo = mid;
        else hi = mid;
    }
    *o = e - l->before[lo];
    return &l->runs[lo];
}

typedef struct {
    char *buf;       /* packing cursor */
    const char *src; /* source block */
    char *dst;       /* destination block */
    size_t es;
} move_t;

typedef void (*seg_fn)(move_t *m, int64_t soff, int64_t ss, int64_t doff, int64_t ds, int64_t n);

static void seg_copy(move_t *m, int64_t soff, int64_t ss, int64_t doff, int64_t ds, int64_t n)
{
    int64_t es = (int64_t)m->es;
    da_strided_copy(m->dst + doff * es, ds, m->src + soff * es, ss, n, m->es);
}

static void seg_pack(move_t *m, int64_t soff, int64_t ss, int64_t doff, int64_t ds, int64_t n)
{
    (void)doff;
    (void)ds;
    da_strided_copy(m->buf, 1, m->src + soff * (int64_t)m->es, ss, n, m->es);
    m->buf += n * (int64_t)m->es;
}

static void seg_unpack(move_t *m, int64_t soff, int64_t ss, int64_t doff, int64_t ds, int64_t n)
{
    (void)soff;
    (void)ss;
    da_strided_copy(m->dst + doff * (int64_t)m->es, ds, m->buf, 1, n, m->es);
    m->buf += n * (int64_t)m->es;
}

/* Elements [a, b) of the pair, in row-major position order. */
static void pair_walk(const pair_t *p, int64_t a, int64_t b, seg_fn fn, move_t *m)
{
    int last = p->nd - 1;
    const plist_t *in = p->L[last];
    int64_t inner = in->count, idx[DA_MAX_NDIM];
    if (a >= b || inner == 0) return;
    int64_t row = a / inner, col = a % inner, left = b - a;
    for (int d = last - 1; d >= 0; d--) {
        idx[d] = row % p->L[d]->count;
        row /= p->L[d]->count;
    }
    while (left > 0) {
        int64_t soff = 0, doff = 0, o;
        for (int d = 0; d < last; d++) {
            const prun_t *r = find_run(p->L[d], idx[d], &o);
            soff += (r->s + o * r->ss) * p->sstr[d];
            doff += (r->d + o * r->ds) * p->dstr[d];
        }
        int64_t n = inner - col < left ? inner - col : left;
        left -= n;
        const prun_t *r = find_run(in, col, &o);
        while (n > 0) {
            int64_t take = r->count - o < n ? r->count - o : n;
            fn(m, soff + (r->s + o * r->ss) * p->sstr[last], r->ss * p->sstr[last],
               doff + (r->d + o * r->ds) * p->dstr[last], r->ds * p->dstr[last], take);
            n -= take;
            r++;
            o = 0;
        }
        col = 0;
        for (int d = last - 1; d >= 0; d--) {
            if (++idx[d] < p->L[d]->count) break;
            idx[d] = 0;
        }
    }
}

/* ---- plans ------------------------------------------------------------------ */

static void plan_free(da_redist_plan_t *p)
{
    if (!p) return;
    for (int d = 0; d < p->ndim; d++) {
        if (p->sdist) plists_free(p->send[d], p->ddist ? p->ddist->grid[d] : 0);
        if (p->ddist) plists_free(p->recv[d], p->sdist ? p->sdist->grid[d] : 0);
    }
    free(p->send_count);
    free(p->recv_count);
    free(p->sbuf);
    free(p->rbuf);
    free(p->counts);
    if (p->sdist) da_dist_destroy(&p->sdist);
    if (p->ddist) da_dist_destroy(&p->ddist);
    if (p->comm != MPI_COMM_NULL) MPI_Comm_free(&p->comm);
    p->magic = 0;
    free(p);
}

/* The local part of plan creation: everything but the agreement. */
static int plan_build(const da_array_t *src, const int64_t *slo, const int64_t *shi, const da_array_t *dst,
                      const int64_t *dlo, const int64_t *dhi, const da_redist_opts_t *opts, da_redist_plan_t **out)
{
    da_redist_plan_t *p = calloc(1, sizeof *p);
    if (!p) return da_error(DA_ERR_NOMEM, "da_redist_plan_create: no memory");
    p->magic = PLAN_MAGIC;
    p->comm = MPI_COMM_NULL;
    p->rank = src->rank;
    p->nranks = src->nranks;
    p->ndim = src->ndim;
    p->type = src->type;
    p->esize = src->esize;
    p->sfp = da_dist_fingerprint(src->dist);
    p->dfp = da_dist_fingerprint(dst->dist);
    p->chunk_bytes = opts && opts->chunk_bytes ? opts->chunk_bytes : DEFAULT_CHUNK_BYTES;
    p->method = opts ? opts->method : DA_REDIST_AUTO;
    memcpy(p->slo, slo, sizeof *slo * (size_t)p->ndim);
    memcpy(p->shi, shi, sizeof *shi * (size_t)p->ndim);
    memcpy(p->dlo, dlo, sizeof *dlo * (size_t)p->ndim);
    memcpy(p->dhi, dhi, sizeof *dhi * (size_t)p->ndim);
    int rc = da_dist_dup(src->dist, &p->sdist);
    if (!rc) rc = da_dist_dup(dst->dist, &p->ddist);
    int sc[DA_MAX_NDIM], dc[DA_MAX_NDIM];
    if (!rc) {
        coords_of(p->sdist, p->rank, sc);
        coords_of(p->ddist, p->rank, dc);
    }
    for (int d = 0; !rc && d < p->ndim; d++) {
        rc = build_lists(p->sdist, d, sc[d], slo[d], shi[d], p->ddist, dlo[d], 1, &p->send[d]);
        if (!rc) rc = build_lists(p->ddist, d, dc[d], dlo[d], dhi[d], p->sdist, slo[d], 0, &p->recv[d]);
    }
    if (!rc) {
        p->send_count = malloc(sizeof *p->send_count * (size_t)p->nranks);
        p->recv_count = malloc(sizeof *p->recv_count * (size_t)p->nranks);
        if (!p->send_count || !p->recv_count) rc = da_error(DA_ERR_NOMEM, "da_redist_plan_create: no memory");
    }
    for (int r = 0; !rc && r < p->nranks; r++) {
        pair_t pr;
        p->send_count[r] = pair_of(p, r, 1, &pr);
        p->recv_count[r] = pair_of(p, r, 0, &pr);
    }
    if (rc) {
        plan_free(p);
        return rc;
    }
    *out = p;
    return DA_SUCCESS;
}

/* Checks of create's arguments that need no communication. */
static int check_pair(const char *fn, const da_array_t *src, const int64_t *slo, const int64_t *shi,
                      const da_array_t *dst, const int64_t *dlo, const int64_t *dhi)
{
    int rc;
    if ((rc = da_coll_check_box(fn, "source box", src, slo, shi))) return rc;
    if ((rc = da_coll_check_box(fn, "destination box", dst, dlo, dhi))) return rc;
    if (src->type != dst->type || src->esize != dst->esize)
        return da_error(DA_ERR_TYPE, "%s: source and destination have different element types", fn);
    if (src->ndim != dst->ndim)
        return da_error(DA_ERR_SHAPE, "%s: source has %d dimensions, destination %d", fn, src->ndim, dst->ndim);
    for (int d = 0; d < src->ndim; d++)
        if (shi[d] - slo[d] != dhi[d] - dlo[d])
            return da_error(DA_ERR_SHAPE, "%s: boxes differ in dimension %d: %lld and %lld elements", fn, d,
                            (long long)(shi[d] - slo[d]), (long long)(dhi[d] - dlo[d]));
    return da_coll_same_comm(fn, src, dst);
}

static int check_opts(const char *fn, const da_redist_opts_t *opts)
{
    if (!opts) return DA_SUCCESS;
    if (opts->chunk_bytes < 0)
        return da_error(DA_ERR_ARG, "%s: chunk_bytes = %lld is negative", fn, (long long)opts->chunk_bytes);
    if (opts->method != DA_REDIST_AUTO && opts->method != DA_REDIST_ALLTOALL)
        return da_error(DA_ERR_ARG, "%s: unknown method %d", fn, (int)opts->method);
    return DA_SUCCESS;
}

static uint64_t args_hash(const da_array_t *src, const int64_t *slo, const int64_t *shi, const da_array_t *dst,
                          const int64_t *dlo, const int64_t *dhi, const da_redist_opts_t *opts)
{
    uint64_t h = da_coll_mix_box(da_coll_mix_array(0, src), src->ndim, slo, shi);
    h = da_coll_mix_box(da_coll_mix_array(h, dst), dst->ndim, dlo, dhi);
    if (opts) h = da_coll_mix(da_coll_mix(h, opts->chunk_bytes), opts->method);
    return h;
}

int da_redist_plan_create(const da_array_t *src, const int64_t *slo, const int64_t *shi, const da_array_t *dst,
                          const int64_t *dlo, const int64_t *dhi, const da_redist_opts_t *opts,
                          da_redist_plan_t **out)
{
    static const char fn[] = "da_redist_plan_create";
    int rc;
    if ((rc = da_array_check(src)) || (rc = da_array_check(dst))) return rc;
    int lrc = out ? DA_SUCCESS : da_error(DA_ERR_NULL, "%s: plan is NULL", fn);
    if (out) *out = NULL;
    if (!lrc) lrc = check_pair(fn, src, slo, shi, dst, dlo, dhi);
    if (!lrc) lrc = check_opts(fn, opts);
    da_redist_plan_t *p = NULL;
    if (!lrc) lrc = plan_build(src, slo, shi, dst, dlo, dhi, opts, &p);
    uint64_t h = lrc ? 0 : args_hash(src, slo, shi, dst, dlo, dhi, opts);
    if ((rc = da_coll_begin(fn, src->comm, lrc, NULL, 0, h, NULL, 0))) {
        plan_free(p);
        return rc;
    }
    /* every rank is here: the duplicate is collective */
    int mrc = MPI_Comm_dup(src->comm, &p->comm);
    if (mrc == MPI_SUCCESS && da_handle_add(p, DA_HANDLE_PLAN) != 0) mrc = MPI_ERR_NO_MEM;
    long bad = mrc != MPI_SUCCESS, any = 0;
    da_allreduce(&bad, &any, 1, MPI_LONG, MPI_MAX, src->comm);
    if (any) {
        da_handle_remove(p);
        plan_free(p);
        return bad ? da_mpi_error(mrc, fn) : da_error(DA_ERR_COLLECTIVE, "%s: failed on another rank", fn);
    }
    *out = p;
    return DA_SUCCESS;
}

static int plan_check(const char *fn, const da_redist_plan_t *p)
{
    if (!p) return da_error(DA_ERR_NULL, "%s: plan is NULL", fn);
    if (!da_handle_live(p, DA_HANDLE_PLAN) || p->magic != PLAN_MAGIC)
        return da_error(DA_ERR_HANDLE, "%s: %p is not a live redistribution plan", fn, (const void *)p);
    return DA_SUCCESS;
}

int da_redist_plan_destroy(da_redist_plan_t **pp)
{
    static const char fn[] = "da_redist_plan_destroy";
    if (!pp) return da_error(DA_ERR_NULL, "%s: NULL", fn);
    int rc = plan_check(fn, *pp);
    if (rc) return rc;
    da_redist_plan_t *p = *pp;
    da_handle_remove(p);
    da_barrier(p->comm);
    plan_free(p);
    *pp = NULL;
    return DA_SUCCESS;
}

/* ---- execution ---------------------------------------------------------------- */

/* near[r]: this rank loads r's source block directly (same node, DA_SHM=1). */
static int near_ranks(const da_array_t *s, int *near)
{
    memset(near, 0, sizeof *near * (size_t)s->nranks);
    near[s->rank] = 1;
    if (!s->use_shm) return DA_SUCCESS;
    int n;
    MPI_Comm_size(s->node_comm, &n);
    MPI_Group gn, gc;
    MPI_Comm_group(s->node_comm, &gn);
    MPI_Comm_group(s->comm, &gc);
    for (int i = 0; i < n; i++) {
        int r;
        MPI_Group_translate_ranks(gn, 1, &i, gc, &r);
        if (r >= 0 && r < s->nranks) near[r] = 1; /* not peer_base: NULL for empty blocks, asymmetric */
    }
    MPI_Group_free(&gn);
    MPI_Group_free(&gc);
    return DA_SUCCESS;
}

/* Whether pair traffic with rank r goes by messages. Symmetric: r decides
   the same about this rank. */
static int by_message(const da_redist_plan_t *p, const int *near, int r)
{
    if (r == p->rank) return 0;
    return p->method == DA_REDIST_ALLTOALL || !near[r];
}

/* Send and receive buffer sizes of one round, in bytes. */
static void round_bytes(const da_redist_plan_t *p, const int *near, int64_t per_pair, int64_t *sbytes,
                        int64_t *rbytes)
{
    *sbytes = *rbytes = 0;
    for (int r = 0; r < p->nranks; r++) {
        if (!by_message(p, near, r)) continue;
        *sbytes += (p->send_count[r] < per_pair ? p->send_count[r] : per_pair) * (int64_t)p->esize;
        *rbytes += (p->recv_count[r] < per_pair ? p->recv_count[r] : per_pair) * (int64_t)p->esize;
    }
}

/* `rounds` of MPI_Alltoallv; sbuf, rbuf and counts (4 * nranks ints) were
   allocated before the entry agreement, so every rank takes part in every
   round. */
static int exchange(da_redist_plan_t *p, da_array_t *src, da_array_t *dst, const int *near, int64_t rounds,
                    int64_t per_pair, char *sbuf, char *rbuf, int *counts)
{
    int n = p->nranks, rc = DA_SUCCESS;
    size_t es = p->esize;
    int *sc = counts, *sd = counts + n, *rcnt = counts + 2 * n, *rd = counts + 3 * n;
    for (int64_t w = 0; w < rounds; w++) {
        int64_t a = w * per_pair;
        move_t m = {.buf = sbuf, .src = src->base, .dst = dst->base, .es = es};
        for (int r = 0, roff = 0; r < n; r++) {
            int64_t cnt = 0, rcv = 0;
            if (by_message(p, near, r) && p->send_count[r] > a)
                cnt = p->send_count[r] - a < per_pair ? p->send_count[r] - a : per_pair;
            if (by_message(p, near, r) && p->recv_count[r] > a)
                rcv = p->recv_count[r] - a < per_pair ? p->recv_count[r] - a : per_pair;
            sd[r] = (int)((m.buf - sbuf) / (int64_t)es);
            sc[r] = (int)cnt;
            rd[r] = roff;
            rcnt[r] = (int)rcv;
            roff += (int)rcv;
            if (cnt) {
                pair_t pr;
                pair_of(p, r, 1, &pr);
                pair_walk(&pr, a, a + cnt, seg_pack, &m);
            }
        }
        MPI_Request req;
        int mrc = MPI_Ialltoallv(sbuf, sc, sd, src->mpitype, rbuf, rcnt, rd, src->mpitype, src->comm, &req);
        if (mrc == MPI_SUCCESS) mrc = da_mpi_wait(&req);
        if (mrc != MPI_SUCCESS) {
            if (!rc) rc = da_mpi_error(mrc, "MPI_Ialltoallv");
            continue;
        }
        m.buf = rbuf;
        for (int r = 0; r < n; r++) {
            if (!rcnt[r]) continue;
            pair_t pr;
            pair_of(p, r, 0, &pr);
            pair_walk(&pr, a, a + rcnt[r], seg_unpack, &m);
        }
    }
    return rc;
}

/* The data movement of a plan, between the entry and exit agreements. */
static int plan_move(da_redist_plan_t *p, da_array_t *src, da_array_t *dst, const int *near, int64_t rounds,
                     int64_t per_pair, char *sbuf, char *rbuf, int *counts)
{
    /* pairs by loads: from every near source block, straight into ours */
    for (int r = 0; r < p->nranks; r++) {
        if (!p->recv_count[r] || by_message(p, near, r)) continue;
        pair_t pr;
        pair_of(p, r, 0, &pr);
        move_t m = {.src = src->peer_base[r], .dst = dst->base, .es = p->esize};
        pair_walk(&pr, 0, p->recv_count[r], seg_copy, &m);
    }
    if (rounds == 0) return DA_SUCCESS;
    return exchange(p, src, dst, near, rounds, per_pair, sbuf, rbuf, counts);
}

static int overlap(int ndim, const int64_t *alo, const int64_t *ahi, const int64_t *blo, const int64_t *bhi)
{
    for (int d = 0; d < ndim; d++)
        if (!(alo[d] < bhi[d] && blo[d] < ahi[d])) return 0;
    return 1;
}

/* Execute p (built by every rank that has lrc == 0) from src to dst,
   agreeing first on errors and on `agree`. */
static int run_plan(const char *fn, da_redist_plan_t *p, int lrc, uint64_t agree, da_array_t *src,
                    da_array_t *dst)
{
    int rc;
    int *near = lrc ? NULL : malloc(sizeof *near * (size_t)p->nranks);
    if (!lrc && !near) lrc = da_error(DA_ERR_NOMEM, "%s: no memory", fn);
    /* rounds of messages: the most any pair of this rank needs */
    int64_t per_pair = 0, mine = 0;
    if (!lrc) {
        near_ranks(src, near);
        int64_t elems = p->chunk_bytes / (int64_t)p->esize;
        per_pair = elems / p->nranks;
        if (per_pair > INT32_MAX / p->nranks) per_pair = INT32_MAX / p->nranks;
        if (per_pair < 1) per_pair = 1;
        for (int r = 0; r < p->nranks; r++) {
            if (!by_message(p, near, r)) continue;
            int64_t c = p->send_count[r] > p->recv_count[r] ? p->send_count[r] : p->recv_count[r];
            int64_t w = (c + per_pair - 1) / per_pair;
            if (w > mine) mine = w;
        }
    }
    if (!lrc) {
        int64_t sb, rb;
        round_bytes(p, near, per_pair, &sb, &rb);
        if (sb > p->scap) {
            free(p->sbuf);
            p->scap = (p->sbuf = malloc((size_t)sb)) ? sb : 0;
        }
        if (rb > p->rcap) {
            free(p->rbuf);
            p->rcap = (p->rbuf = malloc((size_t)rb)) ? rb : 0;
        }
        if (!p->counts) p->counts = malloc(sizeof *p->counts * 4 * (size_t)p->nranks);
        if (p->scap < sb || p->rcap < rb || !p->counts)
            lrc = da_error(DA_ERR_NOMEM, "%s: no memory for %lld + %lld bytes of buffers", fn, (long long)sb,
                           (long long)rb);
    }
    long flags[1] = {(long)mine};
    da_array_t *arrs[2] = {src, dst};
    if (!(rc = da_coll_begin(fn, src->comm, lrc, arrs, 2, agree, flags, 1))) {
        rc = plan_move(p, src, dst, near, flags[0], per_pair, p->sbuf, p->rbuf, p->counts);
        rc = da_coll_end(fn, src->comm, arrs, 2, rc);
    }
    free(near);
    return rc;
}

static int execute(const char *fn, da_redist_plan_t *p, da_array_t *src, da_array_t *dst)
{
    int rc;
    if ((rc = plan_check(fn, p)) || (rc = da_array_check(src)) || (rc = da_array_check(dst))) return rc;
    int lrc = DA_SUCCESS;
    if (da_dist_fingerprint(src->dist) != p->sfp || da_dist_fingerprint(dst->dist) != p->dfp)
        lrc = da_error(DA_ERR_ARG, "%s: the arrays' maps are not those the plan was made for", fn);
    else if (src->type != p->type || dst->type != p->type || src->esize != p->esize || dst->esize != p->esize)
        lrc = da_error(DA_ERR_TYPE, "%s: the arrays' element type is not the plan's", fn);
    else if ((lrc = da_coll_same_comm(fn, src, dst)) == DA_SUCCESS) {
        int res;
        MPI_Comm_compare(p->comm, src->comm, &res);
        if (res != MPI_IDENT && res != MPI_CONGRUENT)
            lrc = da_error(DA_ERR_ARG, "%s: the arrays' communicator is not the plan's", fn);
    }
    if (!lrc && src == dst && overlap(p->ndim, p->slo, p->shi, p->dlo, p->dhi))
        lrc = da_error(DA_ERR_ARG, "%s: source and destination boxes overlap in one array (use da_copy_box)", fn);
    return run_plan(fn, p, lrc, (uint64_t)p->sfp ^ p->dfp, src, dst);
}

int da_redist_plan_execute(da_redist_plan_t *p, da_array_t *src, da_array_t *dst)
{
    return execute("da_redist_plan_execute", p, src, dst);
}

/* ---- copies ------------------------------------------------------------------ */

typedef struct {
    char *s, *d;
    size_t es;
} copy_ctx_t;

static int copy_run(void *ctx, int64_t off, int64_t lstep, int64_t n, const int64_t *g, int64_t gstep)
{
    (void)g;
    (void)gstep;
    copy_ctx_t *c = ctx;
    int64_t es = (int64_t)c->es;
    da_strided_copy(c->d + off * es, lstep, c->s + off * es, lstep, n, c->es);
    return 0;
}

/* dst box = src box when both have the same layout and the same corners:
   each rank copies within its own blocks. */
static int local_copy(da_array_t *src, const int64_t *lo, const int64_t *hi, da_array_t *dst)
{
    if (src == dst) return DA_SUCCESS;
    da_box_runs_t br;
    int rc = da_box_runs_build(src->dist, src->rank, lo, hi, 0, &br);
    if (rc) return rc;
    if (br.count == src->local_elems) {
        if (br.count) memcpy(dst->base, src->base, (size_t)br.count * src->esize);
    } else {
        copy_ctx_t c = {src->base, dst->base, src->esize};
        da_box_runs_walk(&br, copy_run, &c);
    }
    da_box_runs_free(&br);
    return DA_SUCCESS;
}

static int aligned_boxes(const da_array_t *src, const int64_t *slo, const da_array_t *dst, const int64_t *dlo)
{
    return !memcmp(slo, dlo, sizeof *slo * (size_t)src->ndim) && da_dist_same_layout(src->dist, dst->dist);
}

int da_copy_box(da_array_t *src, const int64_t *slo, const int64_t *shi, da_array_t *dst, const int64_t *dlo,
                const int64_t *dhi)
{
    static const char fn[] = "da_copy_box";
    int rc;
    if ((rc = da_array_check(src)) || (rc = da_array_check(dst))) return rc;
    int lrc = check_pair(fn, src, slo, shi, dst, dlo, dhi);
    uint64_t h = lrc ? 0 : args_hash(src, slo, shi, dst, dlo, dhi, NULL);
    da_array_t *arrs[2] = {src, dst};
    if ((rc = da_coll_begin(fn, src->comm, lrc, arrs, 2, h, NULL, 0))) return rc;
    /* from here on every rank takes the same branch */
    if (aligned_boxes(src, slo, dst, dlo)) /* each rank within its own blocks */
        return da_coll_end(fn, src->comm, arrs, 2, local_copy(src, slo, shi, dst));
    da_array_t *tmp = NULL;
    if (src == dst && overlap(src->ndim, slo, shi, dlo, dhi)) {
        /* overlapping boxes of one array: from a copy of the source box
           (run_plan's entry orders these local copies before any read) */
        if ((rc = da_array_dup(src, &tmp))) return rc;
        lrc = local_copy(src, slo, shi, tmp);
        src = tmp;
    }
    da_redist_plan_t *p = NULL;
    if (!lrc) lrc = plan_build(src, slo, shi, dst, dlo, dhi, NULL, &p);
    rc = run_plan(fn, p, lrc, h, src, dst);
    plan_free(p);
    if (tmp) da_array_destroy(&tmp);
    return rc;
}

int da_redist_into_buffer(da_array_t *src, const int64_t *slo, const int64_t *shi, const da_array_t *like,
                          const int64_t *dlo, const int64_t *dhi, char *buf)
{
    /* the engine writes only into the destination's own block (pulls and
       unpacks), so a stand-in of `like` whose block is buf will do */
    da_array_t fake = *like;
    fake.base = buf;
    da_redist_plan_t *p = NULL;
    int lrc = buf ? plan_build(src, slo, shi, &fake, dlo, dhi, NULL, &p)
                  : da_error(DA_ERR_NOMEM, "redistribution: no memory for a local block");
    int rc = run_plan("redistribution", p, lrc, 0, src, &fake);
    plan_free(p);
    return rc;
}

int da_copy(da_array_t *src, da_array_t *dst)
{
    int rc;
    if ((rc = da_array_check(src)) || (rc = da_array_check(dst))) return rc;
    int64_t lo[DA_MAX_NDIM] = {0};
    /* different shapes fail in da_copy_box's checks, on every rank alike */
    return da_copy_box(src, lo, src->dist->shape, dst, lo, dst->dist->shape);
}

int da_redistribute(da_array_t *src, const da_dist_t *dist, da_array_t **out)
{
    static const char fn[] = "da_redistribute";
    int rc = da_array_check(src);
    if (rc) return rc;
    int lrc = out ? DA_SUCCESS : da_error(DA_ERR_NULL, "%s: out is NULL", fn);
    if (out) *out = NULL;
    if (!lrc) lrc = da_dist_check(dist);
    if (!lrc && (dist->ndim != src->ndim || memcmp(dist->shape, src->dist->shape, sizeof *dist->shape * (size_t)src->ndim)))
        lrc = da_error(DA_ERR_SHAPE, "%s: the map's shape is not the array's", fn);
    if ((rc = da_coll_begin(fn, src->comm, lrc, NULL, 0, lrc ? 0 : da_dist_fingerprint(dist), NULL, 0))) return rc;
    da_array_t *a = NULL;
    rc = src->type == DA_OPAQUE ? da_array_create_opaque(src->comm, src->esize, dist, &a)
                                : da_array_create(src->comm, src->type, dist, &a);
    if (!rc) rc = da_copy(src, a);
    if (rc) {
        if (a) da_array_destroy(&a);
        return rc;
    }
    *out = a;
    return DA_SUCCESS;
}
