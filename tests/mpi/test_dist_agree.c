/* Every rank builds the same distribution maps and checks, by brute force,
 * that what the map says about ownership agrees with itself and across ranks:
 *
 *  - the local shape of each rank (da_dist_local_shape) holds exactly as many
 *    elements as da_dist_owner assigns to that rank over all global indices,
 *    and every local index da_dist_owner hands out lies inside that shape;
 *  - the local element counts sum to the global size, and gathered from
 *    every rank (MPI_Allgather) equal what this rank computes for every
 *    other rank;
 *  - the owner table is the same on every rank (a hash, reduced);
 *  - da_dist_local_to_global and da_dist_owner are inverse on this rank's
 *    own local indices.
 *
 * Maps: 1-D to 4-D, every kind, several block sizes, shapes smaller than the
 * rank count, explicit and chosen grids. Irregular split points and
 * unstructured index lists come from a seeded RNG, identical on every rank.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darray.h"
#include "harness.h"

static int g_rank, g_nranks;
static int g_maps, g_rejected;

/* What each rank computed for each map, compared across ranks at the end
 * with three collectives in all: one collective per map costs seconds when
 * ranks outnumber cores, as MPICH busy-polls. */
typedef struct map_record {
    char what[512];   /* description, for messages */
    int64_t *lelems;  /* local element count of every rank, as this rank computes them */
    uint64_t hash;    /* of the owner table */
} map_record_t;
static map_record_t *g_rec;
static int g_nrec, g_caprec;

static void record_map(const char *what, const int64_t *lelems, uint64_t hash)
{
    if (g_nrec == g_caprec) {
        g_caprec = g_caprec ? 2 * g_caprec : 256;
        g_rec = realloc(g_rec, sizeof *g_rec * (size_t)g_caprec);
        CHECK(g_rec, "out of memory");
    }
    map_record_t *m = &g_rec[g_nrec++];
    snprintf(m->what, sizeof m->what, "%s", what);
    m->lelems = malloc(sizeof *m->lelems * (size_t)g_nranks);
    CHECK(m->lelems, "out of memory");
    memcpy(m->lelems, lelems, sizeof *lelems * (size_t)g_nranks);
    m->hash = hash;
}

/* Everyone's own local element counts, gathered, against this rank's view of
 * every rank; the owner tables' hashes are the same everywhere. Every rank
 * recorded the same maps in the same order. */
static void check_records(void)
{
    const int p = g_nranks, me = g_rank, n = g_nrec;
    int nmin = 0, nmax = 0;
    CHECK_MPI(MPI_Allreduce(&n, &nmin, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD));
    CHECK_MPI(MPI_Allreduce(&n, &nmax, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD));
    CHECK(nmin == n && nmax == n, "ranks built different numbers of maps: %d here, min %d, max %d", n, nmin, nmax);

    int64_t *own = malloc(sizeof *own * (size_t)(n ? n : 1));
    int64_t *all = malloc(sizeof *all * (size_t)(n ? n : 1) * p);
    uint64_t *hash = malloc(sizeof *hash * (size_t)(n ? n : 1));
    uint64_t *hmin = malloc(sizeof *hmin * (size_t)(n ? n : 1));
    uint64_t *hmax = malloc(sizeof *hmax * (size_t)(n ? n : 1));
    CHECK(own && all && hash && hmin && hmax, "out of memory");
    for (int m = 0; m < n; m++) {
        own[m] = g_rec[m].lelems[me];
        hash[m] = g_rec[m].hash;
    }
    CHECK_MPI(MPI_Allgather(own, n, MPI_INT64_T, all, n, MPI_INT64_T, MPI_COMM_WORLD));
    CHECK_MPI(MPI_Allreduce(hash, hmin, n, MPI_UINT64_T, MPI_MIN, MPI_COMM_WORLD));
    CHECK_MPI(MPI_Allreduce(hash, hmax, n, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD));
    for (int m = 0; m < n; m++) {
        const map_record_t *rec = &g_rec[m];
        for (int r = 0; r < p; r++)
            CHECK(all[(size_t)r * n + m] == rec->lelems[r],
                  "%s: rank %d reports %lld local elements, rank %d computes %lld for it", rec->what, r,
                  (long long)all[(size_t)r * n + m], me, (long long)rec->lelems[r]);
        CHECK(hmin[m] == hmax[m], "%s: owner tables differ between ranks (hash here %llx, min %llx, max %llx)",
              rec->what, (unsigned long long)hash[m], (unsigned long long)hmin[m], (unsigned long long)hmax[m]);
    }
    for (int m = 0; m < n; m++) free(g_rec[m].lelems);
    free(g_rec);
    free(own);
    free(all);
    free(hash);
    free(hmin);
    free(hmax);
}

/* Storage for the pointer members of da_dim_spec_t, kept alive while a map is built. */
typedef struct spec_store {
    int64_t starts[64];
    int64_t *pool;             /* unstructured: all indices, split into lists */
    const int64_t *lists[64];
    int64_t counts[64];
} spec_store_t;

static const char *kind_name(da_dist_kind_t k)
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

/* A readable description of a map for failure messages. */
static const char *describe(int ndim, const int64_t *shape, const da_dim_spec_t *dims, const int *grid)
{
    static char buf[512];
    int n = snprintf(buf, sizeof buf, "shape (");
    for (int i = 0; i < ndim; i++) n += snprintf(buf + n, sizeof buf - n, "%s%lld", i ? "," : "", (long long)shape[i]);
    n += snprintf(buf + n, sizeof buf - n, ") kinds (");
    for (int i = 0; i < ndim; i++) {
        n += snprintf(buf + n, sizeof buf - n, "%s%s", i ? "," : "", kind_name(dims[i].kind));
        if (dims[i].kind == DA_DIST_BLOCK_CYCLIC)
            n += snprintf(buf + n, sizeof buf - n, "(%lld)", (long long)dims[i].block_size);
        if (dims[i].kind == DA_DIST_IRREGULAR || dims[i].kind == DA_DIST_UNSTRUCTURED)
            n += snprintf(buf + n, sizeof buf - n, "[%d]", dims[i].nparts);
    }
    n += snprintf(buf + n, sizeof buf - n, ")");
    if (grid) {
        n += snprintf(buf + n, sizeof buf - n, " grid (");
        for (int i = 0; i < ndim; i++) n += snprintf(buf + n, sizeof buf - n, "%s%d", i ? "," : "", grid[i]);
        snprintf(buf + n, sizeof buf - n, ")");
    }
    return buf;
}

/* Advance a row-major multi-index within ext; false after the last one. */
static int next_index(int ndim, const int64_t *ext, int64_t *idx)
{
    for (int i = ndim - 1; i >= 0; i--) {
        if (++idx[i] < ext[i]) return 1;
        idx[i] = 0;
    }
    return 0;
}

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    return h * 0x100000001b3ULL;
}

/* The checks of one map. Collective over MPI_COMM_WORLD. */
static void check_map(int ndim, const int64_t *shape, const da_dim_spec_t *dims, const int *grid)
{
    const char *what = describe(ndim, shape, dims, grid);
    const int p = g_nranks, me = g_rank;

    /* Whether the forced grid extents can match the rank count. */
    int forced = 1, any_free = 0;
    for (int i = 0; i < ndim; i++) {
        int e = dims[i].kind == DA_DIST_NONE ? 1
              : (dims[i].kind == DA_DIST_IRREGULAR || dims[i].kind == DA_DIST_UNSTRUCTURED) ? dims[i].nparts
              : 0;
        if (grid && grid[i] > 0 && !e) e = grid[i];
        if (e) forced *= e;
        else any_free = 1;
    }
    int expect_ok = any_free ? (p % forced == 0) : (forced == p);

    da_dist_t *d = NULL;
    int rc = da_dist_create(ndim, shape, dims, grid, p, &d);
    if (!expect_ok) {
        CHECK(rc == DA_ERR_GRID, "%s at %d ranks: expected DA_ERR_GRID, got %d (%s)", what, p, rc,
              da_last_error());
        g_rejected++;
        return;
    }
    CHECK(rc == DA_SUCCESS, "%s at %d ranks: da_dist_create returned %d (%s): %s", what, p, rc, da_strerror(rc),
          da_last_error());
    g_maps++;

    int g[DA_MAX_NDIM];
    CHECK_DA(da_dist_grid(d, g));
    int64_t gprod = 1;
    for (int i = 0; i < ndim; i++) gprod *= g[i];
    CHECK(gprod == p, "%s: grid product %lld != %d ranks", what, (long long)gprod, p);

    /* Local shapes of every rank, as the map states them. */
    int64_t *lshape = malloc(sizeof *lshape * (size_t)p * ndim);
    int64_t *lelems = malloc(sizeof *lelems * (size_t)p);
    int64_t *owned = calloc((size_t)p, sizeof *owned);
    CHECK(lshape && lelems && owned, "out of memory");
    for (int r = 0; r < p; r++) {
        CHECK_DA(da_dist_local_shape(d, r, lshape + (size_t)r * ndim, &lelems[r]));
        int64_t prod = 1;
        for (int i = 0; i < ndim; i++) prod *= lshape[(size_t)r * ndim + i];
        CHECK(prod == lelems[r], "%s: rank %d local shape product %lld != elements %lld", what, r, (long long)prod,
              (long long)lelems[r]);
    }

    /* Brute force over all global indices. */
    int64_t total = 1;
    for (int i = 0; i < ndim; i++) total *= shape[i];
    int64_t gidx[DA_MAX_NDIM] = {0}, lidx[DA_MAX_NDIM];
    int coords[DA_MAX_NDIM];
    uint64_t hash = 0x12345;
    int64_t visited = 0;
    do {
        int owner = -1;
        CHECK_DA(da_dist_owner(d, gidx, &owner, coords, lidx));
        CHECK(owner >= 0 && owner < p, "%s: owner of global index %lld... is %d", what, (long long)gidx[0], owner);
        int crank = -1;
        CHECK_DA(da_dist_coords_rank(d, coords, &crank));
        CHECK(crank == owner, "%s: owner %d but its coords give rank %d", what, owner, crank);
        for (int i = 0; i < ndim; i++) {
            const int64_t ext = lshape[(size_t)owner * ndim + i];
            CHECK(lidx[i] >= 0 && lidx[i] < ext,
                  "%s: global index [%d] = %lld -> rank %d local [%d] = %lld outside its local extent %lld", what, i,
                  (long long)gidx[i], owner, i, (long long)lidx[i], (long long)ext);
            hash = mix(hash, (uint64_t)lidx[i]);
        }
        hash = mix(hash, (uint64_t)owner);
        owned[owner]++;
        visited++;
    } while (next_index(ndim, shape, gidx));
    CHECK(visited == total, "%s: visited %lld of %lld", what, (long long)visited, (long long)total);

    for (int r = 0; r < p; r++)
        CHECK(owned[r] == lelems[r], "%s: rank %d owns %lld elements by da_dist_owner but its local shape holds %lld",
              what, r, (long long)owned[r], (long long)lelems[r]);

    int64_t sum = 0;
    for (int r = 0; r < p; r++) sum += lelems[r];
    CHECK(sum == total, "%s: local element counts sum to %lld, global size %lld", what, (long long)sum,
          (long long)total);
    record_map(what, lelems, hash);

    /* Round trip of this rank's own local indices. */
    const int64_t *mine = lshape + (size_t)me * ndim;
    if (lelems[me] > 0) {
        int64_t l[DA_MAX_NDIM] = {0}, gl[DA_MAX_NDIM], back[DA_MAX_NDIM];
        do {
            CHECK_DA(da_dist_local_to_global(d, me, l, gl));
            int owner = -1;
            CHECK_DA(da_dist_owner(d, gl, &owner, NULL, back));
            CHECK(owner == me, "%s: local index [0] = %lld on rank %d maps to global [0] = %lld, owned by rank %d",
                  what, (long long)l[0], me, (long long)gl[0], owner);
            for (int i = 0; i < ndim; i++)
                CHECK(back[i] == l[i], "%s: rank %d local [%d] = %lld -> global %lld -> local %lld", what, me, i,
                      (long long)l[i], (long long)gl[i], (long long)back[i]);
        } while (next_index(ndim, mine, l));
    }

    free(owned);
    free(lelems);
    free(lshape);
    CHECK_DA(da_dist_destroy(&d));
    CHECK(d == NULL, "%s: da_dist_destroy left the handle set", what);
}

/* Random irregular split points for extent n in nparts parts (some may be empty). */
static da_dim_spec_t make_irregular(th_rng_t *rng, int64_t n, int nparts, spec_store_t *st)
{
    st->starts[0] = 0;
    for (int c = 1; c < nparts; c++) st->starts[c] = th_rng_range(rng, 0, n + 1);
    /* sort: insertion sort of a handful */
    for (int c = 2; c < nparts; c++)
        for (int k = c; k > 1 && st->starts[k] < st->starts[k - 1]; k--) {
            int64_t t = st->starts[k];
            st->starts[k] = st->starts[k - 1];
            st->starts[k - 1] = t;
        }
    return DA_DIM_IRREGULAR(nparts, st->starts);
}

/* Random partition of [0, n) into nparts index lists in random order. */
static da_dim_spec_t make_unstructured(th_rng_t *rng, int64_t n, int nparts, spec_store_t *st)
{
    st->pool = malloc(sizeof *st->pool * (size_t)n);
    CHECK(st->pool, "out of memory");
    for (int64_t i = 0; i < n; i++) st->pool[i] = i;
    th_rng_shuffle(rng, st->pool, n);
    int64_t cut[65];
    cut[0] = 0;
    cut[nparts] = n;
    for (int c = 1; c < nparts; c++) cut[c] = th_rng_range(rng, 0, n + 1);
    for (int c = 2; c < nparts; c++)
        for (int k = c; k > 1 && cut[k] < cut[k - 1]; k--) {
            int64_t t = cut[k];
            cut[k] = cut[k - 1];
            cut[k - 1] = t;
        }
    for (int c = 0; c < nparts; c++) {
        st->lists[c] = st->pool + cut[c];
        st->counts[c] = cut[c + 1] - cut[c];
    }
    return DA_DIM_UNSTRUCTURED(nparts, st->lists, st->counts);
}

enum { NKINDS = 10 };

/* Spec number k of a menu covering every kind and a few block sizes.
 * nparts is used by the irregular and unstructured entries. */
static da_dim_spec_t menu_spec(int k, th_rng_t *rng, int64_t n, int nparts, spec_store_t *st)
{
    switch (k) {
    case 0: return DA_DIM_BLOCK;
    case 1: return DA_DIM_BLOCK_GA;
    case 2: return DA_DIM_CYCLIC;
    case 3: return DA_DIM_BLOCK_CYCLIC(1);
    case 4: return DA_DIM_BLOCK_CYCLIC(2);
    case 5: return DA_DIM_BLOCK_CYCLIC(3);
    case 6: return DA_DIM_BLOCK_CYCLIC(1000); /* longer than any extent here */
    case 7: return DA_DIM_NONE;
    case 8: return make_irregular(rng, n, nparts, st);
    default: return make_unstructured(rng, n, nparts, st);
    }
}

/* A random divisor of x. */
static int random_divisor(th_rng_t *rng, int x)
{
    int divs[64], nd = 0;
    for (int f = 1; f <= x && nd < 64; f++)
        if (x % f == 0) divs[nd++] = f;
    return divs[th_rng_range(rng, 0, nd)];
}

/* Build a map of `shape` with menu entries kinds[], forced parts chosen as
 * divisors of the ranks left, and check it. */
static void check_kinds(th_rng_t *rng, int ndim, const int64_t *shape, const int *kinds, const int *grid)
{
    spec_store_t st[DA_MAX_NDIM];
    da_dim_spec_t dims[DA_MAX_NDIM];
    int left = g_nranks;
    for (int i = 0; i < ndim; i++) {
        st[i].pool = NULL;
        int nparts = 1;
        if (kinds[i] >= 8) {
            nparts = random_divisor(rng, left);
            left /= nparts;
        }
        dims[i] = menu_spec(kinds[i], rng, shape[i], nparts, &st[i]);
    }
    check_map(ndim, shape, dims, grid);
    for (int i = 0; i < ndim; i++) free(st[i].pool);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_nranks);
    double t0 = MPI_Wtime();
    th_rng_t rng = th_rng_seed(20240601);

    /* 1-D: every menu entry on shapes from below the rank count upwards. */
    static const int64_t shapes1[] = {1, 2, 3, 4, 5, 7, 16, 64, 101};
    for (size_t s = 0; s < sizeof shapes1 / sizeof *shapes1; s++)
        for (int k = 0; k < NKINDS; k++) {
            int kinds[1] = {k};
            /* irregular / unstructured over all ranks (a 1-D grid has no choice) */
            spec_store_t st = {.pool = NULL};
            if (k >= 8) {
                da_dim_spec_t dim = menu_spec(k, &rng, shapes1[s], g_nranks, &st);
                check_map(1, &shapes1[s], &dim, NULL);
                free(st.pool);
            } else {
                check_kinds(&rng, 1, &shapes1[s], kinds, NULL);
            }
        }

    /* 2-D: every pair of menu entries. */
    static const int64_t shapes2[][2] = {{1, 1}, {2, 3}, {5, 7}, {16, 16}, {9, 33}};
    for (size_t s = 0; s < sizeof shapes2 / sizeof *shapes2; s++)
        for (int a = 0; a < NKINDS; a++)
            for (int b = 0; b < NKINDS; b++) check_kinds(&rng, 2, shapes2[s], (int[]){a, b}, NULL);

    /* 2-D with explicit grids, all ranks along one dimension. */
    for (int a = 0; a < 8; a++)
        for (int b = 0; b < 8; b++) {
            if (a == 7 || b == 7) continue; /* NONE forces extent 1 */
            check_kinds(&rng, 2, (int64_t[]){5, 7}, (int[]){a, b}, (int[]){g_nranks, 1});
            check_kinds(&rng, 2, (int64_t[]){5, 7}, (int[]){a, b}, (int[]){1, g_nranks});
            check_kinds(&rng, 2, (int64_t[]){5, 7}, (int[]){a, b}, (int[]){0, 1});
        }

    /* 3-D and 4-D: random menu entries per dimension. */
    static const int64_t shapes3[][3] = {{3, 4, 5}, {2, 2, 2}, {6, 1, 4}, {1, 1, 3}};
    for (size_t s = 0; s < sizeof shapes3 / sizeof *shapes3; s++)
        for (int t = 0; t < 40; t++) {
            int kinds[3];
            for (int i = 0; i < 3; i++) kinds[i] = (int)th_rng_range(&rng, 0, NKINDS);
            check_kinds(&rng, 3, shapes3[s], kinds, NULL);
        }
    static const int64_t shapes4[][4] = {{2, 3, 4, 5}, {1, 2, 1, 3}, {3, 3, 3, 3}};
    for (size_t s = 0; s < sizeof shapes4 / sizeof *shapes4; s++)
        for (int t = 0; t < 40; t++) {
            int kinds[4];
            for (int i = 0; i < 4; i++) kinds[i] = (int)th_rng_range(&rng, 0, NKINDS);
            check_kinds(&rng, 4, shapes4[s], kinds, NULL);
        }

    check_records();

    double dt = MPI_Wtime() - t0;
    if (g_rank == 0)
        printf("dist_agree: %d maps checked, %d rejected as expected (grid cannot match), %d ranks, %.3f s\n", g_maps,
               g_rejected, g_nranks, dt);
    MPI_Finalize();
    return 0;
}
