/* Dense data movement: da_put, da_get, da_acc on a box with steps.
 *
 * The map splits a request into per-owner pieces. A piece owned by a rank
 * whose block we can address (same node, shortcut on) moves by loads and
 * stores; any other piece goes out as MPI RMA: one contiguous call when both
 * sides are contiguous, else by the method chosen (DA_RMA_METHOD): one call
 * with derived datatypes on both sides, a packed origin buffer with a target
 * datatype, or one call per row. Boxes that lie on one owner skip the
 * general decomposition and its allocations.
 */
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "directory.h"
#include "error.h"
#include "request.h"
#include "rma.h"
#include "tunables.h"
#include "types.h"

typedef da_dir_t dir_t;


/* A packed get to unpack at completion. It owns a copy of its piece (runs
   expanded), since the decomposition is gone by then. */
typedef struct unpack {
    struct unpack *next;
    char *tmp;
    da_piece_t piece;
    int64_t lstr[DA_MAX_NDIM];
    da_dim_piece_t dims[DA_MAX_NDIM];
    da_run_t runs[]; /* all dimensions' runs */
} unpack_t;

typedef struct {
    da_array_t *a;
    dir_t dir;
    da_op_t op;
    char *buf;
    int64_t bstr[DA_MAX_NDIM]; /* buffer stride of one position, per dimension, in elements */
    int64_t lstr[DA_MAX_NDIM]; /* current piece: owner's local strides, in elements */
    char *tbase;               /* current piece: owner's block when addressable */
    char *pack;                /* current piece: packing cursor */
    int row_rank;              /* current piece's owner, for the rows method */
    int *targets;              /* distinct RMA targets, in order (pieces come by rank) */
    int64_t ntargets, tcap;
    unpack_t *unpacks;         /* gets to unpack after the flush */
    int nb;                    /* non-blocking: request-based RMA calls */
    MPI_Request *reqs;         /* nb: the MPI requests issued */
    int64_t nreqs, reqcap;
    char *scaled;              /* acc with alpha: the scaled copy of buf, owned */
    int flush_targets;         /* nb: gets went as MPI_Get; completion flushes the targets */
    int64_t since_flush;       /* blocking: RMA calls issued since the last local flush */
    int64_t flush_from;        /* blocking: first entry of targets called since then */
} xfer_t;

/* Blocking transfers flush locally every this many RMA calls: with
   thousands outstanding (one per row) this MPICH slows down sharply. */
#define CALLS_PER_FLUSH 256

/* ---- rows of a piece -------------------------------------------------- */

typedef int (*row_fn)(xfer_t *x, int64_t toff, int64_t ooff, int64_t n, int64_t tstep, int64_t ostep);

/* Calls fn once per run of the innermost dimension, with element offsets
   into the owner's block (toff) and into the buffer (ooff). */
static int each_row(xfer_t *x, const da_piece_t *pc, int d, int64_t toff, int64_t ooff, row_fn fn)
{
    const da_dim_piece_t *p = pc->dim[d];
    int64_t nr = da_dim_piece_total_runs(p);
    int last = d == x->a->ndim - 1;
    for (int64_t j = 0; j < nr; j++) {
        da_run_t r;
        da_dim_piece_run(p, j, &r);
        if (last) {
            int rc = fn(x, toff + r.local * x->lstr[d], ooff + r.pos * x->bstr[d], r.count,
                        r.local_step * x->lstr[d], r.pos_step * x->bstr[d]);
            if (rc) return rc;
            continue;
        }
        for (int64_t e = 0; e < r.count; e++) {
            int rc = each_row(x, pc, d + 1, toff + (r.local + e * r.local_step) * x->lstr[d],
                              ooff + (r.pos + e * r.pos_step) * x->bstr[d], fn);
            if (rc) return rc;
        }
    }
    return DA_SUCCESS;
}

static int row_shm(xfer_t *x, int64_t toff, int64_t ooff, int64_t n, int64_t tstep, int64_t ostep)
{
    size_t es = x->a->esize;
    char *t = x->tbase + toff * (int64_t)es, *o = x->buf + ooff * (int64_t)es;
    if (x->dir == DIR_GET) da_strided_copy(o, ostep, t, tstep, n, es);
    else if (x->dir == DIR_PUT) da_strided_copy(t, tstep, o, ostep, n, es);
    else
        for (int64_t i = 0; i < n; i++)
            da_type_atomic_acc(x->a->type, x->op, t + i * tstep * (int64_t)es, o + i * ostep * (int64_t)es);
    return DA_SUCCESS;
}

static int row_pack(xfer_t *x, int64_t toff, int64_t ooff, int64_t n, int64_t tstep, int64_t ostep)
{
    (void)toff;
    (void)tstep;
    size_t es = x->a->esize;
    da_strided_copy(x->pack, 1, x->buf + ooff * (int64_t)es, ostep, n, es);
    x->pack += n * (int64_t)es;
    return DA_SUCCESS;
}

static int row_unpack(xfer_t *x, int64_t toff, int64_t ooff, int64_t n, int64_t tstep, int64_t ostep)
{
    (void)toff;
    (void)tstep;
    size_t es = x->a->esize;
    da_strided_copy(x->buf + ooff * (int64_t)es, ostep, x->pack, 1, n, es);
    x->pack += n * (int64_t)es;
    return DA_SUCCESS;
}

/* ---- MPI datatypes ------------------------------------------------------- */

/* count copies of inner, stride bytes apart. MPI counts are int: counts
   above `chunk` become chunks of chunks. */
static int big_hvector(int64_t count, int64_t chunk, int64_t stride, MPI_Datatype inner, MPI_Datatype *out)
{
    if (count <= chunk) return MPI_Type_create_hvector((int)count, 1, stride, inner, out);
    int64_t q = count / chunk, r = count % chunk;
    MPI_Datatype piece, body, tail;
    int rc = MPI_Type_create_hvector((int)chunk, 1, stride, inner, &piece);
    if (rc) return rc;
    rc = MPI_Type_create_hvector((int)q, 1, stride * chunk, piece, &body);
    MPI_Type_free(&piece);
    if (rc || !r) {
        *out = body;
        return rc;
    }
    if ((rc = MPI_Type_create_hvector((int)r, 1, stride, inner, &tail))) {
        MPI_Type_free(&body);
        return rc;
    }
    int bl[2] = {1, 1};
    MPI_Aint disp[2] = {0, (MPI_Aint)(q * chunk * stride)};
    MPI_Datatype types[2] = {body, tail};
    rc = MPI_Type_create_struct(2, bl, disp, types, out);
    MPI_Type_free(&body);
    MPI_Type_free(&tail);
    return rc;
}

/* The piece's elements on one side, as displacements from that side's base:
   the owner's block (target) or the user buffer (origin). */
static int side_type(const xfer_t *x, const da_piece_t *pc, int d, int target, MPI_Datatype *out)
{
    const da_dim_piece_t *p = pc->dim[d];
    int64_t es = (int64_t)x->a->esize, str = target ? x->lstr[d] : x->bstr[d];
    MPI_Datatype inner = x->a->mpitype;
    int rc;
    if (d < x->a->ndim - 1 && (rc = side_type(x, pc, d + 1, target, &inner))) return rc;
    int64_t nr = da_dim_piece_total_runs(p);
    if (nr > INT32_MAX) return MPI_ERR_COUNT;
    MPI_Datatype *types = malloc(sizeof *types * (size_t)nr);
    MPI_Aint *disp = malloc(sizeof *disp * (size_t)nr);
    int *bl = malloc(sizeof *bl * (size_t)nr);
    int64_t made = 0;
    rc = (!types || !disp || !bl) ? MPI_ERR_NO_MEM : MPI_SUCCESS;
    for (int64_t j = 0; j < nr && !rc; j++, made++) {
        da_run_t r;
        da_dim_piece_run(p, j, &r);
        int64_t start = target ? r.local : r.pos, step = target ? r.local_step : r.pos_step;
        disp[j] = (MPI_Aint)(start * str * es);
        bl[j] = 1;
        rc = big_hvector(r.count, x->a->max_count, step * str * es, inner, &types[j]);
    }
    if (!rc) rc = MPI_Type_create_struct((int)nr, bl, disp, types, out);
    for (int64_t j = 0; j < made; j++) MPI_Type_free(&types[j]);
    if (d < x->a->ndim - 1) MPI_Type_free(&inner);
    free(types);
    free(disp);
    free(bl);
    return rc;
}

/* ---- RMA calls ------------------------------------------------------------ */

static int rma_call(xfer_t *x, int rank, void *obuf, int64_t ocount, MPI_Datatype otype, int64_t tdisp,
                    int64_t tcount, MPI_Datatype ttype)
{
    da_array_t *a = x->a;
    int rc;
    /* MPICH 4.0 (ch4:ucx) lost data of MPI_Rget with a derived datatype on
       either side, even after the request and a local flush completed
       (docs/mpi-issues.md). Such a non-blocking get is a plain MPI_Get,
       completed by local flushes of its targets when the request is. */
    int nb = x->nb && !(x->dir == DIR_GET && (ttype != a->mpitype || otype != a->mpitype));
    if (x->nb && !nb) x->flush_targets = 1;
    if (nb) {
        if (x->nreqs == x->reqcap) {
            int64_t ncap = x->reqcap ? 2 * x->reqcap : 4;
            MPI_Request *nr = realloc(x->reqs, sizeof *nr * (size_t)ncap);
            if (!nr) return da_error(DA_ERR_NOMEM, "no memory for requests");
            x->reqs = nr;
            x->reqcap = ncap;
        }
        MPI_Request *r = &x->reqs[x->nreqs];
        switch (x->dir) {
        case DIR_GET: rc = MPI_Rget(obuf, (int)ocount, otype, rank, tdisp, (int)tcount, ttype, a->win, r); break;
        case DIR_PUT: rc = MPI_Rput(obuf, (int)ocount, otype, rank, tdisp, (int)tcount, ttype, a->win, r); break;
        default:
            rc = MPI_Raccumulate(obuf, (int)ocount, otype, rank, tdisp, (int)tcount, ttype, da_op_mpi(x->op),
                                 a->win, r);
        }
        if (rc == MPI_SUCCESS) x->nreqs++;
        return rc == MPI_SUCCESS ? DA_SUCCESS : da_mpi_error(rc, "request-based RMA call");
    }
    switch (x->dir) {
    case DIR_GET: rc = MPI_Get(obuf, (int)ocount, otype, rank, tdisp, (int)tcount, ttype, a->win); break;
    case DIR_PUT: rc = MPI_Put(obuf, (int)ocount, otype, rank, tdisp, (int)tcount, ttype, a->win); break;
    default:
        rc = MPI_Accumulate(obuf, (int)ocount, otype, rank, tdisp, (int)tcount, ttype, da_op_mpi(x->op), a->win);
    }
    if (rc != MPI_SUCCESS) return da_mpi_error(rc, "RMA call");
    if (!x->ntargets || x->targets[x->ntargets - 1] != rank) {
        if (x->ntargets == x->tcap) {
            int64_t ncap = x->tcap ? 2 * x->tcap : 8;
            int *nt = realloc(x->targets, sizeof *nt * (size_t)ncap);
            if (!nt) return da_error(DA_ERR_NOMEM, "no memory for the target list");
            x->targets = nt;
            x->tcap = ncap;
        }
        x->targets[x->ntargets++] = rank;
    }
    if (++x->since_flush == CALLS_PER_FLUSH) {
        /* Per target, not MPI_Win_flush_local_all: after the _all flush
           returned early, MPICH 4.0 (ch4:ucx) let a later per-target flush
           return with gets still in flight (docs/mpi-issues.md). */
        for (int64_t i = x->flush_from; i < x->ntargets && rc == MPI_SUCCESS; i++)
            rc = MPI_Win_flush_local(x->targets[i], a->win);
        if (rc != MPI_SUCCESS) return da_mpi_error(rc, "MPI_Win_flush_local");
        x->since_flush = 0;
        x->flush_from = x->ntargets - 1; /* the current target may get more calls */
    }
    return DA_SUCCESS;
}

/* Both sides contiguous: n elements from origin to target, in int-sized chunks. */
static int rma_contig(xfer_t *x, int rank, char *obuf, int64_t tbyte, int64_t n)
{
    int64_t es = (int64_t)x->a->esize;
    int64_t chunk = x->a->max_count;
    for (int64_t done = 0; done < n; done += chunk) {
        int64_t c = n - done < chunk ? n - done : chunk;
        int rc = rma_call(x, rank, obuf + done * es, c, x->a->mpitype, tbyte + done * es, c, x->a->mpitype);
        if (rc) return rc;
    }
    return DA_SUCCESS;
}

static int row_rma(xfer_t *x, int64_t toff, int64_t ooff, int64_t n, int64_t tstep, int64_t ostep)
{
    int64_t es = (int64_t)x->a->esize;
    if (tstep == 1 && ostep == 1) return rma_contig(x, x->row_rank, x->buf + ooff * es, toff * es, n);
    MPI_Datatype ot, tt;
    int rc = big_hvector(n, x->a->max_count, ostep * es, x->a->mpitype, &ot);
    if (rc) return da_mpi_error(rc, "row datatype");
    if ((rc = big_hvector(n, x->a->max_count, tstep * es, x->a->mpitype, &tt))) {
        MPI_Type_free(&ot);
        return da_mpi_error(rc, "row datatype");
    }
    MPI_Type_commit(&ot);
    MPI_Type_commit(&tt);
    rc = rma_call(x, x->row_rank, x->buf + ooff * es, 1, ot, toff * es, 1, tt);
    MPI_Type_free(&ot);
    MPI_Type_free(&tt);
    return rc;
}

/* Whether one side of the piece is one contiguous range; its first element. */
static int side_contiguous(const xfer_t *x, const da_piece_t *pc, int target, int64_t *first)
{
    int64_t span = 1, start = 0;
    for (int d = x->a->ndim - 1; d >= 0; d--) {
        const da_dim_piece_t *p = pc->dim[d];
        if (da_dim_piece_total_runs(p) != 1) return 0;
        da_run_t r;
        da_dim_piece_run(p, 0, &r);
        int64_t str = target ? x->lstr[d] : x->bstr[d];
        start += (target ? r.local : r.pos) * str;
        if (r.count == 1) continue;
        if ((target ? r.local_step : r.pos_step) * str != span) return 0;
        span *= r.count;
    }
    *first = start;
    return 1;
}

/* Innermost rows contiguous on both sides and at least `bytes` long. */
static int rows_are_long(const xfer_t *x, const da_piece_t *pc, long bytes)
{
    const da_dim_piece_t *p = pc->dim[x->a->ndim - 1];
    int64_t nr = da_dim_piece_total_runs(p);
    for (int64_t j = 0; j < nr; j++) {
        da_run_t r;
        da_dim_piece_run(p, j, &r);
        if (r.count > 1 && (r.local_step != 1 || r.pos_step != 1)) return 0;
        if (r.count * (int64_t)x->a->esize < bytes) return 0;
    }
    return 1;
}

/* An unpack record holding a copy of pc with its runs expanded. */
static unpack_t *copy_piece(int ndim, const da_piece_t *pc)
{
    int64_t total = 0;
    for (int d = 0; d < ndim; d++) total += da_dim_piece_total_runs(pc->dim[d]);
    unpack_t *u = calloc(1, sizeof *u + sizeof(da_run_t) * (size_t)total);
    if (!u) return NULL;
    u->piece.rank = pc->rank;
    u->piece.count = pc->count;
    da_run_t *r = u->runs;
    for (int d = 0; d < ndim; d++) {
        const da_dim_piece_t *p = pc->dim[d];
        int64_t nr = da_dim_piece_total_runs(p);
        for (int64_t j = 0; j < nr; j++) da_dim_piece_run(p, j, &r[j]);
        u->dims[d] = (da_dim_piece_t){.coord = p->coord, .count = p->count, .nruns = nr, .runs = r, .reps = 1};
        u->piece.dim[d] = &u->dims[d];
        r += nr;
    }
    return u;
}

static int piece_rma(xfer_t *x, const da_piece_t *pc)
{
    da_array_t *a = x->a;
    int64_t es = (int64_t)a->esize, tfirst, ofirst;
    if (side_contiguous(x, pc, 1, &tfirst) && side_contiguous(x, pc, 0, &ofirst))
        return rma_contig(x, pc->rank, x->buf + ofirst * es, tfirst * es, pc->count);

    int method = a->rma_method;
    if (method == DA_RMA_AUTO) method = rows_are_long(x, pc, a->rows_min_bytes) ? DA_RMA_ROWS : DA_RMA_DATATYPE;
    /* Accumulates always go row by row: MPICH 4.0 (ch4:ucx) asserted in
       yaksa (typerep_yaksa_iov.c:44) on MPI_Accumulate with the struct
       target types of multi-dimensional pieces, and moves derived-type
       accumulates as active messages element by element anyway
       (docs/mpi-issues.md). */
    if (x->dir == DIR_ACC) method = DA_RMA_ROWS;
    if (method == DA_RMA_ROWS) {
        x->row_rank = pc->rank;
        return each_row(x, pc, 0, 0, 0, row_rma);
    }
    MPI_Datatype tt, ot;
    int rc = side_type(x, pc, 0, 1, &tt);
    if (rc) return da_mpi_error(rc, "target datatype");
    MPI_Type_commit(&tt);
    if (method == DA_RMA_PACK) {
        char *tmp = malloc((size_t)(pc->count * es));
        unpack_t *u = copy_piece(a->ndim, pc);
        if (!tmp || !u) {
            free(tmp);
            free(u);
            MPI_Type_free(&tt);
            return da_error(DA_ERR_NOMEM, "no memory to pack %lld elements", (long long)pc->count);
        }
        if (x->dir != DIR_GET) {
            x->pack = tmp;
            each_row(x, pc, 0, 0, 0, row_pack);
        }
        MPI_Datatype packed;
        if (pc->count <= a->max_count) /* a plain count when it fits: no origin datatype to build */
            rc = rma_call(x, pc->rank, tmp, pc->count, a->mpitype, 0, 1, tt);
        else if ((rc = big_hvector(pc->count, a->max_count, es, a->mpitype, &packed))) {
            rc = da_mpi_error(rc, "packed datatype");
        } else {
            MPI_Type_commit(&packed);
            rc = rma_call(x, pc->rank, tmp, 1, packed, 0, 1, tt);
            MPI_Type_free(&packed);
        }
        /* the buffer must live until the flush; gets unpack then */
        u->next = x->unpacks;
        u->tmp = tmp;
        memcpy(u->lstr, x->lstr, sizeof u->lstr);
        x->unpacks = u;
        MPI_Type_free(&tt);
        return rc;
    }
    if ((rc = side_type(x, pc, 0, 0, &ot))) {
        MPI_Type_free(&tt);
        return da_mpi_error(rc, "origin datatype");
    }
    MPI_Type_commit(&ot);
    rc = rma_call(x, pc->rank, x->buf, 1, ot, 0, 1, tt);
    MPI_Type_free(&ot);
    MPI_Type_free(&tt);
    return rc;
}

/* ---- pieces --------------------------------------------------------------- */

static void owner_strides(const da_array_t *a, int rank, int64_t *lstr)
{
    int c[DA_MAX_NDIM];
    int r = rank;
    for (int i = a->ndim - 1; i >= 0; i--) {
        c[i] = r % a->dist->grid[i];
        r /= a->dist->grid[i];
    }
    int64_t s = 1;
    for (int i = a->ndim - 1; i >= 0; i--) {
        lstr[i] = s;
        s *= da_dim_local_count(&a->dist->dim[i], c[i]);
    }
}

static int do_piece(xfer_t *x, const da_piece_t *pc)
{
    da_array_t *a = x->a;
    owner_strides(a, pc->rank, x->lstr);
    x->tbase = a->peer_base[pc->rank];
    int by_memory = x->tbase && (x->dir != DIR_ACC || a->acc_cpu);
    if (!by_memory) return piece_rma(x, pc);
    if (pc->count == 1) { /* one element: no row walk */
        int64_t toff = 0, ooff = 0;
        for (int d = 0; d < a->ndim; d++) {
            toff += pc->dim[d]->runs[0].local * x->lstr[d];
            ooff += pc->dim[d]->runs[0].pos * x->bstr[d];
        }
        return row_shm(x, toff, ooff, 1, 1, 1);
    }
    return each_row(x, pc, 0, 0, 0, row_shm);
}

/* The box's piece when it lies on one owner, built without allocation.
   Returns 0 if the box spans owners (or it cannot tell cheaply). */
static int single_piece(const da_array_t *a, const da_dimsel_t *sel, da_piece_t *pc, da_dim_piece_t *dp,
                        da_run_t *runs)
{
    int rank = 0;
    int64_t count = 1, lo[DA_MAX_NDIM];
    for (int d = 0; d < a->ndim; d++) {
        const dim_map_t *m = &a->dist->dim[d];
        int64_t s = sel[d].step, n = sel[d].npos, l, l1;
        lo[d] = sel[d].lo;
        int c = da_dim_owner(m, lo[d], &l);
        if (n > 1) {
            int single = m->p == 1 || m->kind == DA_DIST_BLOCK || m->kind == DA_DIST_BLOCK_GA ||
                         m->kind == DA_DIST_IRREGULAR || m->kind == DA_DIST_NONE;
            if (!single || m->kind == DA_DIST_UNSTRUCTURED) return 0;
            if (da_dim_owner(m, lo[d] + (n - 1) * s, &l1) != c) return 0;
        }
        runs[d] = (da_run_t){0, lo[d], l, n, 1, s, s};
        dp[d] = (da_dim_piece_t){.coord = c, .count = n, .nruns = 1, .runs = &runs[d], .reps = 1};
        pc->dim[d] = &dp[d];
        rank = rank * m->p + c;
        count *= n;
    }
    pc->rank = rank;
    pc->count = count;
    return 1;
}

/* ---- the calls ------------------------------------------------------------ */

/* What remains once the RMA calls are complete: unpack packed gets, free
   the packing buffers and the scaled copy. */
static int finish_after_rma(xfer_t *x, int rc)
{
    while (x->unpacks) {
        unpack_t *u = x->unpacks;
        x->unpacks = u->next;
        if (x->dir == DIR_GET && !rc) {
            x->pack = u->tmp;
            memcpy(x->lstr, u->lstr, sizeof x->lstr);
            each_row(x, &u->piece, 0, 0, 0, row_unpack);
        }
        free(u->tmp);
        free(u);
    }
    free(x->scaled);
    x->scaled = NULL;
    return rc;
}

/* Blocking completion. A get needs its data here (local completion); a put
   or acc is completed at the target, so that later calls from this rank, to
   any element, see it: program order without a da_flush. */
static int finish_blocking(xfer_t *x, int rc)
{
    da_array_t *a = x->a;
    /* one flush per target: MPICH 4.0 (ch4:ucx) can return from the _all
       flushes before active-message gets have landed (docs/mpi-issues.md) */
    for (int64_t i = 0; i < x->ntargets; i++) {
        int t = x->targets[i];
        int mrc = x->dir == DIR_GET ? MPI_Win_flush_local(t, a->win) : MPI_Win_flush(t, a->win);
        if (!rc && mrc != MPI_SUCCESS) rc = da_mpi_error(mrc, "MPI_Win_flush");
    }
    free(x->targets);
    x->targets = NULL;
    return finish_after_rma(x, rc);
}

static int finish_request(void *ctx, int rc)
{
    xfer_t *x = ctx;
    /* gets with derived datatypes went as MPI_Get (rma_call): their data
       is here once the targets are flushed locally */
    for (int64_t i = 0; x->flush_targets && i < x->ntargets; i++) {
        int mrc = MPI_Win_flush_local(x->targets[i], x->a->win);
        if (!rc && mrc != MPI_SUCCESS) rc = da_mpi_error(mrc, "MPI_Win_flush_local");
    }
    free(x->targets);
    rc = finish_after_rma(x, rc);
    free(x);
    return rc;
}

/* Non-blocking: the pending state moves into a request. On an error before
   anything is pending, the calls already issued are waited for here. */
static int finish_nb(xfer_t *x, int rc, da_request_t *req)
{
    if (rc) {
        if (x->nreqs && x->reqs) MPI_Waitall((int)x->nreqs, x->reqs, MPI_STATUSES_IGNORE);
        for (int64_t i = 0; i < x->ntargets; i++) MPI_Win_flush_local(x->targets[i], x->a->win);
        free(x->reqs);
        free(x->targets);
        x->targets = NULL;
        return finish_after_rma(x, rc);
    }
    if (x->nreqs) x->a->unflushed = 1; /* for da_flush and da_sync */
    xfer_t *ctx = malloc(sizeof *ctx);
    if (!ctx) {
        rc = da_error(DA_ERR_NOMEM, "no memory for a request");
        return finish_nb(x, rc, req);
    }
    *ctx = *x;
    rc = da_request_new(x->a, x->reqs, x->nreqs, finish_request, ctx, req);
    if (rc) {
        free(ctx);
        return finish_nb(x, rc, req);
    }
    return DA_SUCCESS;
}

/* One element, blocking, on a map without unstructured dimensions: the
   latency case, so no decomposition, no row walk, no state to set up. */
static int one_element(da_array_t *a, dir_t dir, da_op_t op, const void *alpha, const int64_t *g, void *buf)
{
    const da_dist_t *d = a->dist;
    int rank = 0, c[DA_MAX_NDIM];
    int64_t off = 0, stride = 1, l[DA_MAX_NDIM];
    for (int k = 0; k < a->ndim; k++) {
        c[k] = da_dim_owner(&d->dim[k], g[k], &l[k]);
        rank = rank * d->grid[k] + c[k];
    }
    for (int k = a->ndim - 1; k >= 0; k--) {
        off += l[k] * stride;
        if (k) stride *= da_dim_local_count(&d->dim[k], c[k]);
    }
    size_t es = a->esize;
    char scaled[16];
    if (dir == DIR_ACC && alpha && !da_type_is_one(a->type, alpha)) {
        da_type_scale(a->type, alpha, buf, scaled, 1);
        buf = scaled;
    }
    char *t = a->peer_base[rank];
    if (t && (dir != DIR_ACC || a->acc_cpu)) {
        t += off * (int64_t)es;
        if (dir == DIR_GET) memcpy(buf, t, es);
        else if (dir == DIR_PUT) memcpy(t, buf, es);
        else da_type_atomic_acc(a->type, op, t, buf);
        return DA_SUCCESS;
    }
    MPI_Aint disp = (MPI_Aint)(off * (int64_t)es);
    int mrc;
    if (dir == DIR_GET) {
        mrc = MPI_Get(buf, 1, a->mpitype, rank, disp, 1, a->mpitype, a->win);
        if (mrc == MPI_SUCCESS) mrc = MPI_Win_flush_local(rank, a->win);
    } else {
        mrc = dir == DIR_PUT ? MPI_Put(buf, 1, a->mpitype, rank, disp, 1, a->mpitype, a->win)
                             : MPI_Accumulate(buf, 1, a->mpitype, rank, disp, 1, a->mpitype, da_op_mpi(op), a->win);
        if (mrc == MPI_SUCCESS) mrc = MPI_Win_flush(rank, a->win); /* complete at the target, as every blocking write */
    }
    return mrc == MPI_SUCCESS ? DA_SUCCESS : da_mpi_error(mrc, "one-element RMA");
}

/* Validates the box and moves it. */
static int transfer(da_array_t *a, dir_t dir, da_op_t op, const void *alpha, const int64_t *lo,
                    const int64_t *hi, const int64_t *step, const void *buf, const int64_t *ld, da_request_t *req)
{
    if (req) *req = DA_REQUEST_NULL;
    int rc = da_array_check(a);
    if (rc) return rc;
    if (!lo || !hi) return da_error(DA_ERR_NULL, "lo or hi is NULL");
    da_dimsel_t sel[DA_MAX_NDIM];
    for (int d = 0; d < a->ndim; d++) {
        int64_t s = step ? step[d] : 1, n = a->dist->shape[d];
        if (s < 1) return da_error(DA_ERR_STEP, "step[%d] = %lld, must be >= 1", d, (long long)s);
        if (lo[d] < 0 || hi[d] > n || hi[d] < lo[d])
            return da_error(DA_ERR_BOUNDS, "box dimension %d: [%lld, %lld) not within [0, %lld)", d,
                            (long long)lo[d], (long long)hi[d], (long long)n);
        sel[d] = (da_dimsel_t){lo[d], s, (hi[d] - lo[d]) / s + ((hi[d] - lo[d]) % s != 0), NULL};
    }
    int single = !req && buf;
    for (int d = 0; d < a->ndim && single; d++)
        single = sel[d].npos == 1 && a->dist->dim[d].kind != DA_DIST_UNSTRUCTURED;
    if (single) {
        if (dir == DIR_ACC && (rc = da_op_check(a->type, op))) return rc;
        return one_element(a, dir, op, alpha, lo, (void *)buf);
    }
    return da_transfer(a, dir, op, alpha, sel, buf, ld, req);
}

int da_transfer(da_array_t *a, da_dir_t dir, da_op_t op, const void *alpha, const da_dimsel_t *sel,
                const void *buf, const int64_t *ld, da_request_t *req)
{
    int rc;
    int64_t npos[DA_MAX_NDIM], count = 1;
    int lists = 0;
    for (int d = 0; d < a->ndim; d++) {
        npos[d] = sel[d].npos;
        count *= npos[d];
        lists |= sel[d].list != NULL;
    }
    if (dir == DIR_ACC && (rc = da_op_check(a->type, op))) return rc;
    if (count == 0) return DA_SUCCESS;
    if (!buf) return da_error(DA_ERR_NULL, "buffer is NULL for a box of %lld elements", (long long)count);
    if ((rc = da_dist_prefetch_sel(a->dist, sel))) return rc; /* directory-backed maps: one batch */

    xfer_t x = {.a = a, .dir = dir, .op = op, .buf = (char *)buf, .nb = req != NULL};
    x.bstr[a->ndim - 1] = 1;
    for (int d = a->ndim - 2; d >= 0; d--) {
        int64_t extent = ld ? ld[d] : npos[d + 1];
        if (extent < npos[d + 1])
            return da_error(DA_ERR_STRIDE, "ld[%d] = %lld is less than the box's %lld elements in dimension %d", d,
                            (long long)extent, (long long)npos[d + 1], d + 1);
        x.bstr[d] = x.bstr[d + 1] * extent;
    }

    if (dir == DIR_ACC && alpha && !da_type_is_one(a->type, alpha)) {
        /* A = A op (alpha * buf): scale into a dense copy of the box first */
        char *scaled = x.scaled = malloc((size_t)(count * (int64_t)a->esize));
        if (!scaled) return da_error(DA_ERR_NOMEM, "no memory to scale %lld elements", (long long)count);
        int64_t k[DA_MAX_NDIM] = {0};
        int last = a->ndim - 1;
        for (int64_t i = 0; i < count; i += npos[last]) {
            int64_t off = 0;
            for (int d = 0; d < last; d++) off += k[d] * x.bstr[d];
            da_type_scale(a->type, alpha, (const char *)buf + off * (int64_t)a->esize,
                          scaled + i * (int64_t)a->esize, (size_t)npos[last]);
            for (int d = last - 1; d >= 0 && ++k[d] == npos[d]; d--) k[d] = 0;
        }
        x.buf = scaled;
        for (int d = last - 1; d >= 0; d--) x.bstr[d] = x.bstr[d + 1] * npos[d + 1];
    }

    da_piece_t one;
    da_dim_piece_t dp[DA_MAX_NDIM];
    da_run_t runs[DA_MAX_NDIM];
    da_decomp_t *dec = NULL;
    if (!lists && single_piece(a, sel, &one, dp, runs)) {
        rc = do_piece(&x, &one);
    } else {
        rc = da_decompose_sel(a->dist, sel, dir == DIR_PUT, &dec);
        for (int64_t i = 0; !rc && i < da_decomp_npieces(dec); i++) {
            da_piece_t pc;
            da_decomp_piece(dec, i, &pc);
            rc = do_piece(&x, &pc);
        }
    }
    da_decomp_free(dec);
    return req ? finish_nb(&x, rc, req) : finish_blocking(&x, rc);
}

int da_put(da_array_t *a, const int64_t *lo, const int64_t *hi, const int64_t *step, const void *buf,
           const int64_t *ld)
{
    return transfer(a, DIR_PUT, DA_OP_REPLACE, NULL, lo, hi, step, buf, ld, NULL);
}

int da_get(da_array_t *a, const int64_t *lo, const int64_t *hi, const int64_t *step, void *buf,
           const int64_t *ld)
{
    return transfer(a, DIR_GET, DA_OP_REPLACE, NULL, lo, hi, step, buf, ld, NULL);
}

int da_acc(da_array_t *a, da_op_t op, const void *alpha, const int64_t *lo, const int64_t *hi,
           const int64_t *step, const void *buf, const int64_t *ld)
{
    return transfer(a, DIR_ACC, op, alpha, lo, hi, step, buf, ld, NULL);
}

int da_nbput(da_array_t *a, const int64_t *lo, const int64_t *hi, const int64_t *step, const void *buf,
             const int64_t *ld, da_request_t *req)
{
    if (!req) return da_error(DA_ERR_NULL, "da_nbput: req is NULL");
    return transfer(a, DIR_PUT, DA_OP_REPLACE, NULL, lo, hi, step, buf, ld, req);
}

int da_nbget(da_array_t *a, const int64_t *lo, const int64_t *hi, const int64_t *step, void *buf,
             const int64_t *ld, da_request_t *req)
{
    if (!req) return da_error(DA_ERR_NULL, "da_nbget: req is NULL");
    return transfer(a, DIR_GET, DA_OP_REPLACE, NULL, lo, hi, step, buf, ld, req);
}

int da_nbacc(da_array_t *a, da_op_t op, const void *alpha, const int64_t *lo, const int64_t *hi,
             const int64_t *step, const void *buf, const int64_t *ld, da_request_t *req)
{
    if (!req) return da_error(DA_ERR_NULL, "da_nbacc: req is NULL");
    return transfer(a, DIR_ACC, op, alpha, lo, hi, step, buf, ld, req);
}
