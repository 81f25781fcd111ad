/* Directories of unstructured dimensions, and da_dist_create_comm.
 *
 * An unstructured dimension maps each global index g of [0, n) to (part,
 * local index). Below DA_DIRECTORY_MIN indices every rank keeps that table
 * whole (12 bytes per index, plus all lists: 20 bytes per index). From it
 * on, the table is a directory: rank r keeps the entries of the global
 * indices [r*B, (r+1)*B), B = ceil(n/P), 16 bytes each, in an MPI window
 * open for the map's lifetime (lock_all). A lookup of an index outside the
 * own block is answered by a local cache (a hash table, at most
 * DA_DIRECTORY_CACHE answers) or fetched one-sided. The data-movement layer
 * prefetches every index a request names before decomposing it, so a
 * request costs one batch: the misses sorted, one MPI_Get per run of
 * consecutive indices on a directory rank, one flush.
 *
 * Each rank also keeps its own coordinate's list (local -> global for its
 * own block) and the per-part counts (O(p)).
 */
#include "directory.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "error.h"
#include "tunables.h"
#include "wait.h"

typedef struct {
    int64_t local;
    int32_t coord; /* -1: not yet set (while the directory is built) */
    int32_t pad;
} entry_t;

struct da_directory {
    int refs;
    MPI_Comm comm;
    MPI_Win win;
    MPI_Datatype etype; /* one entry_t as bytes */
    int rank, nranks;
    int64_t n, block;   /* extent; entries per directory rank */
    int64_t mylo, myhi; /* the own block of global indices */
    entry_t *table;     /* own block (window memory) */
    /* cache: open addressing, key -1 = empty */
    int64_t *keys, *locals;
    int32_t *coords;
    int64_t cap, used, cache_max;
    int64_t fetched, batches;
    int locked;
    int err; /* a failed fetch inside da_dir_owner, reported by the next da_dir_fetch */
    struct da_directory *live_prev, *live_next; /* creation order, for MPI_Finalize */
};

/* Live directories in creation order. MPI_Finalize frees the MPI objects of
   those whose maps the program did not destroy (UCX aborts in MPI_Finalize
   on windows left open); every rank made them in the same order, so freeing
   them in that order keeps the collective calls matched. The memory stays
   until the map is destroyed, which may come after MPI_Finalize. */
static da_directory_t *live_first, *live_last;
static int finalize_hook_set;

static void free_mpi_objects(da_directory_t *dir)
{
    if (dir->win != MPI_WIN_NULL) {
        if (dir->locked) MPI_Win_unlock_all(dir->win);
        MPI_Win_free(&dir->win);
    }
    dir->locked = 0;
    if (dir->etype != MPI_DATATYPE_NULL) MPI_Type_free(&dir->etype);
    if (dir->comm != MPI_COMM_NULL) MPI_Comm_free(&dir->comm);
}

static int at_finalize(MPI_Comm comm, int key, void *value, void *extra)
{
    (void)comm, (void)key, (void)value, (void)extra;
    int n = 0;
    for (da_directory_t *dir = live_first; dir; dir = dir->live_next, n++) free_mpi_objects(dir);
    if (n) fprintf(stderr, "darray: %d map(s) with a directory were not destroyed before MPI_Finalize; freed their windows then\n", n);
    return MPI_SUCCESS;
}

static void link_live(da_directory_t *dir)
{
    if (!finalize_hook_set) {
        int key;
        if (MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, at_finalize, &key, NULL) == MPI_SUCCESS &&
            MPI_Comm_set_attr(MPI_COMM_SELF, key, NULL) == MPI_SUCCESS)
            finalize_hook_set = 1;
    }
    dir->live_prev = live_last;
    if (live_last) live_last->live_next = dir;
    else live_first = dir;
    live_last = dir;
}

/* ---- cache ------------------------------------------------------------------ */

static inline uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static int64_t cache_slot(const da_directory_t *dir, int64_t g)
{
    int64_t mask = dir->cap - 1, h = (int64_t)(mix64((uint64_t)g) & (uint64_t)mask);
    while (dir->keys[h] != -1 && dir->keys[h] != g) h = (h + 1) & mask;
    return h;
}

static int cache_find(const da_directory_t *dir, int64_t g, int64_t *local)
{
    if (!dir->cap) return -1;
    int64_t h = cache_slot(dir, g);
    if (dir->keys[h] != g) return -1;
    *local = dir->locals[h];
    return dir->coords[h];
}

static void cache_clear(da_directory_t *dir)
{
    free(dir->keys);
    free(dir->locals);
    free(dir->coords);
    dir->keys = dir->locals = NULL;
    dir->coords = NULL;
    dir->cap = dir->used = 0;
}

/* Room for `want` answers at load factor <= 1/2. */
static int cache_reserve(da_directory_t *dir, int64_t want)
{
    if (2 * want <= dir->cap) return DA_SUCCESS;
    int64_t cap = 64;
    while (cap < 2 * want) cap *= 2;
    int64_t *keys = malloc(sizeof *keys * (size_t)cap), *locals = malloc(sizeof *locals * (size_t)cap);
    int32_t *coords = malloc(sizeof *coords * (size_t)cap);
    if (!keys || !locals || !coords) {
        free(keys);
        free(locals);
        free(coords);
        return da_error(DA_ERR_NOMEM, "directory cache: no memory for %lld answers", (long long)want);
    }
    memset(keys, 0xff, sizeof *keys * (size_t)cap);
    da_directory_t old = *dir;
    dir->keys = keys;
    dir->locals = locals;
    dir->coords = coords;
    dir->cap = cap;
    for (int64_t i = 0; i < old.cap; i++)
        if (old.keys[i] != -1) {
            int64_t h = cache_slot(dir, old.keys[i]);
            dir->keys[h] = old.keys[i];
            dir->locals[h] = old.locals[i];
            dir->coords[h] = old.coords[i];
        }
    free(old.keys);
    free(old.locals);
    free(old.coords);
    return DA_SUCCESS;
}

static void cache_put(da_directory_t *dir, int64_t g, int32_t coord, int64_t local)
{
    int64_t h = cache_slot(dir, g);
    if (dir->keys[h] == -1) dir->used++;
    dir->keys[h] = g;
    dir->coords[h] = coord;
    dir->locals[h] = local;
}

/* ---- lookups ---------------------------------------------------------------- */

static int known(const da_directory_t *dir, int64_t g)
{
    int64_t l;
    return (g >= dir->mylo && g < dir->myhi) || cache_find(dir, g, &l) >= 0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* The indices of idx not answerable here, sorted, without repeats. */
static int collect_misses(const da_directory_t *dir, int64_t n, const int64_t *idx, int64_t **out, int64_t *nout)
{
    int64_t nmiss = 0, *miss = NULL;
    for (int64_t i = 0; i < n; i++) {
        int64_t g = idx[i];
        if (g < 0 || g >= dir->n || known(dir, g)) continue;
        if (!miss) {
            miss = malloc(sizeof *miss * (size_t)(n - i));
            if (!miss) return da_error(DA_ERR_NOMEM, "directory: no memory for %lld lookups", (long long)(n - i));
        }
        miss[nmiss++] = g;
    }
    if (nmiss) qsort(miss, (size_t)nmiss, sizeof *miss, cmp_i64);
    int64_t u = 0;
    for (int64_t i = 0; i < nmiss; i++)
        if (i == 0 || miss[i] != miss[i - 1]) miss[u++] = miss[i];
    *out = miss;
    *nout = u;
    return DA_SUCCESS;
}

int da_dir_fetch(da_directory_t *dir, int64_t n, const int64_t *idx)
{
    if (dir->err) {
        int rc = dir->err;
        dir->err = 0;
        return rc;
    }
    int64_t nmiss, *miss;
    int rc = collect_misses(dir, n, idx, &miss, &nmiss);
    if (rc || !nmiss) return rc;
    if (dir->used && dir->used + nmiss > dir->cache_max) {
        /* bounded: start afresh, then every index of this request must come in */
        cache_clear(dir);
        free(miss);
        rc = collect_misses(dir, n, idx, &miss, &nmiss);
        if (rc || !nmiss) return rc;
    }
    entry_t *buf = malloc(sizeof *buf * (size_t)nmiss);
    rc = buf ? cache_reserve(dir, dir->used + nmiss)
                 : da_error(DA_ERR_NOMEM, "directory: no memory for %lld answers", (long long)nmiss);
    /* One MPI_Get per run of consecutive indices on one directory rank, all
       contiguous: with a non-contiguous (indexed) target type, MPICH 4.0.2
       ch4:ucx let data land after the flush, into freed memory. */
    for (int64_t i = 0; i < nmiss && !rc;) {
        int64_t g = miss[i], t = g / dir->block, end = (t + 1) * dir->block, j = i + 1;
        while (j < nmiss && miss[j] == miss[j - 1] + 1 && miss[j] < end && j - i < INT_MAX) j++;
        int mrc = MPI_Get(buf + i, (int)(j - i), dir->etype, (int)t, (MPI_Aint)(g - t * dir->block),
                          (int)(j - i), dir->etype, dir->win);
        if (mrc != MPI_SUCCESS) rc = da_mpi_error(mrc, "directory MPI_Get");
        i = j;
    }
    /* also after an error: nothing may stay in flight into buf. One flush
       per target rank touched (sorted misses: targets in increasing order);
       MPI_Win_flush_all here left some gets' data arriving later. */
    for (int64_t i = 0; i < nmiss;) {
        int64_t t = miss[i] / dir->block;
        int mrc = MPI_Win_flush((int)t, dir->win);
        if (!rc && mrc != MPI_SUCCESS) rc = da_mpi_error(mrc, "directory MPI_Win_flush");
        while (i < nmiss && miss[i] / dir->block == t) i++;
    }
    for (int64_t i = 0; i < nmiss && !rc; i++) {
        if (buf[i].coord < 0) {
            rc = da_error(DA_ERR_INTERNAL, "directory: index %lld has no entry", (long long)miss[i]);
            break;
        }
        cache_put(dir, miss[i], buf[i].coord, buf[i].local);
    }
    if (!rc) {
        dir->fetched += nmiss;
        dir->batches++;
    }
    free(buf);
    free(miss);
    return rc;
}

int da_dir_owner(da_directory_t *dir, int64_t g, int64_t *local)
{
    if (g >= dir->mylo && g < dir->myhi) {
        const entry_t *e = &dir->table[g - dir->mylo];
        *local = e->local;
        return e->coord;
    }
    int c = cache_find(dir, g, local);
    if (c >= 0) return c;
    int rc = da_dir_fetch(dir, 1, &g);
    c = rc ? -1 : cache_find(dir, g, local);
    if (c < 0) { /* callers cannot fail here: answer something in range, report at the next fetch */
        if (!dir->err) dir->err = rc ? rc : DA_ERR_INTERNAL;
        *local = 0;
        return 0;
    }
    return c;
}

void da_dir_info(const da_directory_t *dir, da_directory_info_t *info)
{
    info->active = 1;
    info->block_entries = dir->myhi - dir->mylo;
    info->cached = dir->used;
    info->fetched = dir->fetched;
    info->fetch_batches = dir->batches;
}

void da_dir_retain(da_directory_t *dir)
{
    dir->refs++;
}

static void dir_free(da_directory_t *dir)
{
    if (dir->live_prev || live_first == dir) { /* linked: unlink */
        if (dir->live_prev) dir->live_prev->live_next = dir->live_next;
        else live_first = dir->live_next;
        if (dir->live_next) dir->live_next->live_prev = dir->live_prev;
        else live_last = dir->live_prev;
    }
    free_mpi_objects(dir);
    cache_clear(dir);
    free(dir);
}

void da_dir_release(da_directory_t *dir)
{
    if (--dir->refs == 0) dir_free(dir);
}

/* ---- hooks of the data-movement layer ---------------------------------------- */

int da_dist_prefetch_sel(const da_dist_t *d, const da_dimsel_t *sel)
{
    for (int k = 0; k < d->ndim; k++) {
        if (!d->dim[k].dir) continue;
        int64_t n = sel[k].npos, *idx = NULL;
        const int64_t *list = sel[k].list;
        if (!list) {
            idx = malloc(sizeof *idx * (size_t)(n ? n : 1));
            if (!idx) return da_error(DA_ERR_NOMEM, "directory: no memory for %lld lookups", (long long)n);
            for (int64_t j = 0; j < n; j++) idx[j] = sel[k].lo + j * sel[k].step;
            list = idx;
        }
        int rc = da_dir_fetch(d->dim[k].dir, n, list);
        free(idx);
        if (rc) return rc;
    }
    return DA_SUCCESS;
}

int da_dist_prefetch_points(const da_dist_t *d, int64_t n, const int64_t *coords, const int64_t *flat)
{
    int64_t total = 1, inner[DA_MAX_NDIM];
    for (int k = d->ndim - 1; k >= 0; k--) {
        inner[k] = total;
        total *= d->shape[k];
    }
    for (int k = 0; k < d->ndim; k++) {
        if (!d->dim[k].dir) continue;
        int64_t ext = d->shape[k], m = 0;
        /* gather.c's resolve() tabulates every index of an extent this small */
        int whole = ext <= n + 4096;
        int64_t cnt = whole ? ext : n;
        int64_t *idx = malloc(sizeof *idx * (size_t)(cnt ? cnt : 1));
        if (!idx) return da_error(DA_ERR_NOMEM, "directory: no memory for %lld lookups", (long long)cnt);
        if (whole) {
            for (int64_t g = 0; g < ext; g++) idx[m++] = g;
        } else {
            for (int64_t i = 0; i < n; i++) {
                if (flat) {
                    if (flat[i] >= 0 && flat[i] < total) idx[m++] = flat[i] / inner[k] % ext;
                } else {
                    idx[m++] = coords[i * d->ndim + k]; /* out of range: skipped by da_dir_fetch */
                }
            }
        }
        int rc = da_dir_fetch(d->dim[k].dir, m, idx);
        free(idx);
        if (rc) return rc;
    }
    return DA_SUCCESS;
}

/* ---- da_dist_create_comm --------------------------------------------------- */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++) h = (h ^ c[i]) * 0x100000001b3ULL;
    return h;
}

/* Everything of the arguments every rank must pass alike. */
static uint64_t header_hash(const da_dist_t *d, const da_dim_spec_t *dims)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    h = fnv(h, &d->ndim, sizeof d->ndim);
    h = fnv(h, d->shape, sizeof *d->shape * (size_t)d->ndim);
    h = fnv(h, d->grid, sizeof *d->grid * (size_t)d->ndim);
    for (int i = 0; i < d->ndim; i++) {
        const dim_map_t *m = &d->dim[i];
        int local = dims[i].kind == DA_DIST_UNSTRUCTURED && dims[i].local;
        h = fnv(h, &m->kind, sizeof m->kind);
        h = fnv(h, &local, sizeof local);
        h = fnv(h, &m->b, sizeof m->b);
        if (m->starts) h = fnv(h, m->starts, sizeof *m->starts * (size_t)(m->p + 1));
        if (m->owner_of) h = fnv(h, m->lists[0], sizeof *m->lists[0] * (size_t)m->n);
    }
    return h;
}

static int coord_of(const da_dist_t *d, int rank, int k)
{
    int64_t stride = 1;
    for (int i = d->ndim - 1; i > k; i--) stride *= d->grid[i];
    return (int)(rank / stride % d->grid[k]);
}

/* Agree on an error: the most negative code of all ranks (0 if none). */
static int agree(int rc, MPI_Comm comm, int *all)
{
    int mrc = da_allreduce(&rc, all, 1, MPI_INT, MPI_MIN, comm);
    return mrc == MPI_SUCCESS ? DA_SUCCESS : da_mpi_error(mrc, "da_dist_create_comm: agreement");
}

/* The error this rank returns once the ranks agreed that one failed. */
static int agreed_error(int mine, int all)
{
    if (mine) return mine; /* da_last_error already says what */
    return da_error(all, "da_dist_create_comm: another rank found invalid or mismatched arguments (%s)",
                    da_strerror(all));
}

/* Replicated table: the representatives' lists gathered everywhere. */
static int build_replicated(da_dist_t *d, int k, MPI_Comm comm, const int *rep, const int64_t *counts)
{
    dim_map_t *m = &d->dim[k];
    int P = d->nranks, me;
    MPI_Comm_rank(comm, &me);
    int *rc_counts = malloc(sizeof *rc_counts * (size_t)P), *displs = malloc(sizeof *displs * (size_t)P);
    int64_t *all = malloc(sizeof *all * (size_t)(m->n ? m->n : 1));
    const int64_t **lists = malloc(sizeof *lists * (size_t)m->p);
    int rc = (rc_counts && displs && all && lists) ? DA_SUCCESS
                                                   : da_error(DA_ERR_NOMEM, "da_dist_create_comm: no memory");
    int err;
    if (agree(rc, comm, &err) || err) goto out; /* every rank leaves together */
    int off = 0;
    for (int r = 0; r < P; r++) {
        int c = coord_of(d, r, k);
        rc_counts[r] = rep[c] == r ? (int)counts[c] : 0;
        displs[r] = off;
        if (rep[c] == r) lists[c] = all + off;
        off += rc_counts[r];
    }
    int mrc = MPI_Allgatherv(m->own, rc_counts[me], MPI_INT64_T, all, rc_counts, displs, MPI_INT64_T, comm);
    if (mrc != MPI_SUCCESS) rc = da_mpi_error(mrc, "da_dist_create_comm: MPI_Allgatherv");
    if (!rc) rc = da_dim_set_lists(k, m, counts, lists); /* same data everywhere: same verdict */
out:
    if (!rc && err) rc = agreed_error(rc, err);
    free(rc_counts);
    free(displs);
    free(all);
    free(lists);
    return rc;
}

/* Directory: the representatives send (g, local) to the block owner of g,
   who checks that each entry arrives exactly once. */
static int build_directory(da_dist_t *d, int k, MPI_Comm comm, const int *rep, const int64_t *counts)
{
    dim_map_t *m = &d->dim[k];
    int P = d->nranks, me;
    MPI_Comm_rank(comm, &me);
    int mc = coord_of(d, me, k), sender = rep[mc] == me;
    int64_t cnt = sender ? counts[mc] : 0, B = (m->n + P - 1) / P;
    int rc = DA_SUCCESS, err;

    da_directory_t *dir = calloc(1, sizeof *dir);
    int *scnt = calloc((size_t)P, sizeof *scnt), *rcnt = calloc((size_t)P, sizeof *rcnt);
    int *sdis = calloc((size_t)P, sizeof *sdis), *rdis = calloc((size_t)P, sizeof *rdis);
    int64_t *spairs = malloc(sizeof *spairs * (size_t)(2 * cnt + 2)), *rpairs = NULL;
    int64_t *fill = calloc((size_t)P, sizeof *fill);
    if (!dir || !scnt || !rcnt || !sdis || !rdis || !spairs || !fill)
        rc = da_error(DA_ERR_NOMEM, "da_dist_create_comm: no memory");
    if (dir) {
        dir->refs = 1;
        dir->comm = MPI_COMM_NULL;
        dir->win = MPI_WIN_NULL;
        dir->etype = MPI_DATATYPE_NULL;
        dir->rank = me;
        dir->nranks = P;
        dir->n = m->n;
        dir->block = B;
        dir->mylo = (int64_t)me * B < m->n ? (int64_t)me * B : m->n;
        dir->myhi = dir->mylo + B < m->n ? dir->mylo + B : m->n;
        dir->cache_max = (int64_t)da_tunable_directory_cache();
    }
    if (!rc) { /* pairs by destination: counting sort */
        for (int64_t l = 0; l < cnt; l++) scnt[m->own[l] / B]++;
        for (int r = 1; r < P; r++) sdis[r] = sdis[r - 1] + scnt[r - 1];
        for (int64_t l = 0; l < cnt; l++) {
            int t = (int)(m->own[l] / B);
            int64_t at = sdis[t] + fill[t]++;
            spairs[2 * at] = m->own[l];
            spairs[2 * at + 1] = l;
        }
    }
    if (agree(rc, comm, &err) || err) goto out;

    int mrc = MPI_Comm_dup(comm, &dir->comm);
    if (mrc == MPI_SUCCESS) mrc = MPI_Comm_set_errhandler(dir->comm, MPI_ERRORS_RETURN);
    if (mrc == MPI_SUCCESS) mrc = MPI_Type_contiguous((int)sizeof(entry_t), MPI_BYTE, &dir->etype);
    if (mrc == MPI_SUCCESS) mrc = MPI_Type_commit(&dir->etype);
    MPI_Datatype pair = MPI_DATATYPE_NULL;
    if (mrc == MPI_SUCCESS) mrc = MPI_Type_contiguous(2, MPI_INT64_T, &pair);
    if (mrc == MPI_SUCCESS) mrc = MPI_Type_commit(&pair);
    if (mrc == MPI_SUCCESS) mrc = MPI_Alltoall(scnt, 1, MPI_INT, rcnt, 1, MPI_INT, dir->comm);
    int64_t nrecv = 0;
    for (int r = 0; mrc == MPI_SUCCESS && r < P; r++) {
        rdis[r] = (int)nrecv;
        nrecv += rcnt[r];
    }
    if (mrc != MPI_SUCCESS) rc = da_mpi_error(mrc, "da_dist_create_comm: building the directory");
    rpairs = malloc(sizeof *rpairs * (size_t)(2 * nrecv + 2));
    if (!rc && !rpairs)
        rc = da_error(DA_ERR_NOMEM, "da_dist_create_comm: no memory for %lld entries", (long long)nrecv);
    if (agree(rc, comm, &err) || err) {
        if (pair != MPI_DATATYPE_NULL) MPI_Type_free(&pair);
        goto out;
    }
    mrc = MPI_Alltoallv(spairs, scnt, sdis, pair, rpairs, rcnt, rdis, pair, dir->comm);
    MPI_Type_free(&pair);
    if (mrc == MPI_SUCCESS)
        mrc = MPI_Win_allocate((MPI_Aint)((dir->myhi - dir->mylo) * (int64_t)sizeof(entry_t)), (int)sizeof(entry_t),
                               MPI_INFO_NULL, dir->comm, &dir->table, &dir->win);
    if (mrc == MPI_SUCCESS) mrc = MPI_Win_set_errhandler(dir->win, MPI_ERRORS_RETURN);
    if (!rc && mrc != MPI_SUCCESS) rc = da_mpi_error(mrc, "da_dist_create_comm: building the directory");
    uint64_t digest = 0, all_digest = 0;
    if (!rc) {
        int64_t nb = dir->myhi - dir->mylo;
        for (int64_t i = 0; i < nb; i++) dir->table[i] = (entry_t){0, -1, 0};
        for (int r = 0; r < P && !rc; r++) {
            int c = coord_of(d, r, k);
            for (int64_t j = rdis[r]; j < rdis[r] + rcnt[r]; j++) {
                int64_t g = rpairs[2 * j], l = rpairs[2 * j + 1];
                entry_t *e = &dir->table[g - dir->mylo];
                if (e->coord >= 0) {
                    rc = da_error(DA_ERR_UNSTRUCTURED, "dimension %d: index %lld listed twice (parts %d and %d)", k,
                                  (long long)g, e->coord, c);
                    break;
                }
                *e = (entry_t){l, c, 0};
                digest += mix64((uint64_t)g ^ mix64(((uint64_t)c << 40) ^ (uint64_t)l));
            }
        }
        for (int64_t i = 0; i < nb && !rc; i++)
            if (dir->table[i].coord < 0)
                rc = da_error(DA_ERR_UNSTRUCTURED, "dimension %d: index %lld is in no list", k,
                              (long long)(dir->mylo + i));
    }
    if (agree(rc, comm, &err) || err) goto out;
    mrc = da_allreduce(&digest, &all_digest, 1, MPI_UINT64_T, MPI_SUM, dir->comm);
    if (mrc == MPI_SUCCESS) mrc = MPI_Win_lock_all(MPI_MODE_NOCHECK, dir->win);
    if (mrc == MPI_SUCCESS) dir->locked = 1;
    if (mrc != MPI_SUCCESS) rc = da_mpi_error(mrc, "da_dist_create_comm: opening the directory");
    if (agree(rc, comm, &err) || err) goto out;
    link_live(dir);
    m->dir = dir;
    m->mycoord = mc;
    m->digest = all_digest;
    memcpy(m->counts, counts, sizeof *counts * (size_t)m->p);
    dir = NULL;
out:
    if (!rc && err) rc = agreed_error(rc, err);
    if (dir) dir_free(dir); /* every rank fails here together, so the collective frees match */
    free(scnt);
    free(rcnt);
    free(sdis);
    free(rdis);
    free(spairs);
    free(rpairs);
    free(fill);
    return rc;
}

/* One LOCAL dimension: counts and list consistency from one allgather of
   (count, hash) per rank, then the replicated table or the directory. */
static int complete_dim(da_dist_t *d, int k, MPI_Comm comm, int64_t threshold, int64_t local_count)
{
    dim_map_t *m = &d->dim[k];
    int P = d->nranks;
    int64_t mine[2] = {local_count, 0};
    int64_t *info = malloc(sizeof *info * 2 * (size_t)P), *counts = calloc((size_t)m->p, sizeof *counts);
    int *rep = malloc(sizeof *rep * (size_t)m->p);
    int rc = (info && counts && rep) ? DA_SUCCESS : da_error(DA_ERR_NOMEM, "da_dist_create_comm: no memory");
    int err;
    if (agree(rc, comm, &err) || err) goto out;
    mine[1] = (int64_t)(fnv(0xcbf29ce484222325ULL, m->own, sizeof *m->own * (size_t)mine[0]) >> 1);
    int mrc = MPI_Allgather(mine, 2, MPI_INT64_T, info, 2, MPI_INT64_T, comm);
    if (mrc != MPI_SUCCESS) { /* a failed collective fails on every rank */
        rc = da_mpi_error(mrc, "da_dist_create_comm: MPI_Allgather");
        goto out;
    }
    /* From here every rank holds the same data and reaches the same verdict. */
    for (int c = 0; c < m->p; c++) rep[c] = -1;
    int64_t total = 0;
    for (int r = 0; r < P && !rc; r++) {
        int c = coord_of(d, r, k);
        if (rep[c] < 0) {
            rep[c] = r;
            counts[c] = info[2 * r];
            total += counts[c];
            if (counts[c] > INT_MAX)
                rc = da_error(DA_ERR_OVERFLOW, "dimension %d: part %d holds %lld indices, more than %d", k, c,
                              (long long)counts[c], INT_MAX);
        } else if (info[2 * r] != info[2 * rep[c]] || info[2 * r + 1] != info[2 * rep[c] + 1]) {
            rc = da_error(DA_ERR_UNSTRUCTURED, "dimension %d: ranks %d and %d (coordinate %d) passed different lists",
                          k, rep[c], r, c);
        }
    }
    if (!rc && total != m->n)
        rc = da_error(DA_ERR_UNSTRUCTURED, "dimension %d: lists hold %lld indices, extent is %lld", k,
                      (long long)total, (long long)m->n);
    if (!rc && (m->n + P - 1) / P > INT_MAX)
        rc = da_error(DA_ERR_OVERFLOW, "dimension %d: directory block over %d entries", k, INT_MAX);
    if (rc) goto out;
    if (m->n < threshold)
        rc = build_replicated(d, k, comm, rep, counts);
    else
        rc = build_directory(d, k, comm, rep, counts);
out:
    if (!rc && err) rc = agreed_error(rc, err);
    free(info);
    free(counts);
    free(rep);
    return rc;
}

int da_dist_create_comm(MPI_Comm comm, int ndim, const int64_t *shape, const da_dim_spec_t *dims, const int *grid,
                        da_dist_t **out)
{
    if (comm == MPI_COMM_NULL) return da_error(DA_ERR_ARG, "da_dist_create_comm: communicator is MPI_COMM_NULL");
    int size, me;
    if (MPI_Comm_size(comm, &size) != MPI_SUCCESS || MPI_Comm_rank(comm, &me) != MPI_SUCCESS)
        return da_error(DA_ERR_ARG, "da_dist_create_comm: invalid communicator");
    /* Local checks first; every rank joins the agreement whatever it found. */
    da_dist_t *d = NULL;
    int rc = out ? DA_SUCCESS : da_error(DA_ERR_NULL, "da_dist_create_comm: out is NULL");
    if (out) *out = NULL;
    if (!rc) rc = da_dist_build(ndim, shape, dims, grid, size, &d);
    for (int k = 0; !rc && k < ndim; k++) {
        if (dims[k].kind != DA_DIST_UNSTRUCTURED || !dims[k].local) continue;
        for (int64_t l = 0; l < dims[k].local_count; l++)
            if (dims[k].local_indices[l] < 0 || dims[k].local_indices[l] >= shape[k]) {
                rc = da_error(DA_ERR_UNSTRUCTURED, "dimension %d: local index [%lld] = %lld outside [0, %lld)", k,
                              (long long)l, (long long)dims[k].local_indices[l], (long long)shape[k]);
                break;
            }
    }
    int64_t threshold = (int64_t)da_tunable_directory_min();
    if (threshold > ((int64_t)1 << 30)) threshold = (int64_t)1 << 30; /* allgatherv counts are int */
    int64_t h = rc ? 0 : (int64_t)(header_hash(d, dims) >> 1);
    int64_t in[4] = {rc, threshold, h, -h}, res[4];
    int mrc = da_allreduce(in, res, 4, MPI_INT64_T, MPI_MIN, comm);
    if (mrc != MPI_SUCCESS) {
        da_dist_discard(d);
        return rc ? rc : da_mpi_error(mrc, "da_dist_create_comm: agreement");
    }
    if (res[0]) {
        da_dist_discard(d);
        return agreed_error(rc, (int)res[0]);
    }
    if (res[2] != -res[3]) {
        da_dist_discard(d);
        return da_error(DA_ERR_COLLECTIVE, "da_dist_create_comm: ranks passed different shapes, grids or kinds");
    }
    threshold = res[1];
    for (int k = 0; k < ndim; k++) {
        if (dims[k].kind != DA_DIST_UNSTRUCTURED || !dims[k].local) continue;
        rc = complete_dim(d, k, comm, threshold, dims[k].local_count);
        if (rc) {
            da_dist_discard(d); /* every rank fails at the same dimension: directories free collectively */
            return rc;
        }
    }
    rc = da_dist_publish(d);
    if (!rc) *out = d;
    return rc;
}
