/* da_put / da_get / da_array_local against a full reference copy.
 *
 * For maps of every kind (block, block_ga, cyclic, block-cyclic b = 1, 2, 3,
 * irregular with empty parts, none, unstructured random partitions), 1-D to
 * 4-D, including shapes smaller than the rank count and one-element arrays,
 * and for every element type (int32, int64, float, double, complex float,
 * complex double, opaque of 12, 1 and 5 bytes), rounds of:
 *
 *  - puts: the whole array from one rank (possibly from a padded buffer);
 *    a random box from one rank (rotating): whole extents, empty boxes
 *    (hi == lo, also at the extent, with a NULL buffer or not), one-element
 *    boxes, steps > 1 and beyond the extent, leading dimensions larger than
 *    the box; or disjoint random boxes from every rank at once (one slab of
 *    a random dimension each). Buffers carry guard bytes around and between
 *    rows; a put must not modify its buffer, and the putting rank's own
 *    da_get of the box right after the put (no sync) sees the new values;
 *  - da_sync (or, in one round, the writers' da_flush and an MPI_Barrier);
 *    every rank reads the whole array and a random box of its own
 *    with da_get into a guarded buffer: every element equals the reference,
 *    no guard byte changes; every rank's da_array_local block equals the
 *    reference at the global indices the map gives its local indices;
 *  - da_sync again before the next writes.
 *
 * Finally every rank stores into its own block through the local pointer;
 * after da_sync every rank reads the whole array back.
 *
 * Every rank updates its own copy of the reference with plain loops; the
 * random boxes and values come from a seeded RNG shared by all ranks.
 * At 3 and 4 ranks (oversubscribing 2 cores, where every collective costs
 * milliseconds) a short list of maps runs; the long list runs up to 2 ranks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darray.h"
#include "darray/array.h"
#include "harness.h"
#include "reference.h"

static int g_me, g_np;
static long g_cases, g_puts, g_gets, g_elems;

typedef struct type_case {
    da_type_t type;
    size_t opaque;
} type_case_t;

static const type_case_t all_types[] = {
    {DA_INT32, 0},         {DA_INT64, 0},          {DA_FLOAT, 0},  {DA_DOUBLE, 0}, {DA_COMPLEX_FLOAT, 0},
    {DA_COMPLEX_DOUBLE, 0}, {DA_OPAQUE, 12},        {DA_OPAQUE, 1}, {DA_OPAQUE, 5},
};
enum { NTYPES = sizeof all_types / sizeof *all_types };

/* Value of element j put in round `round` of case `seed`. */
static void put_value(const ref_array_t *r, uint64_t seed, int round, int64_t j, void *out)
{
    ref_gen(r->type, r->es, ref_mix(ref_mix(seed, (uint64_t)round), (uint64_t)j), out);
}

/* Value stored through the local pointer at global linear index j. */
static void local_value(const ref_array_t *r, uint64_t seed, int64_t j, void *out)
{
    ref_gen(r->type, r->es, ref_mix(seed ^ 0x5555, (uint64_t)j), out);
}

static void check_metadata(da_array_t *a, const ref_map_t *m, type_case_t tc, size_t es)
{
    int ndim = 0;
    int64_t shape[DA_MAX_NDIM];
    da_type_t t;
    size_t got_es = 0;
    CHECKC_DA(da_array_ndim(a, &ndim));
    CHECKC(ndim == m->ndim, "da_array_ndim %d, expected %d", ndim, m->ndim);
    CHECKC_DA(da_array_shape(a, shape));
    for (int i = 0; i < m->ndim; i++)
        CHECKC(shape[i] == m->shape[i], "da_array_shape[%d] = %lld, expected %lld", i, (long long)shape[i],
               (long long)m->shape[i]);
    CHECKC_DA(da_array_type(a, &t, &got_es));
    CHECKC(t == tc.type, "da_array_type %d, expected %d", (int)t, (int)tc.type);
    CHECKC(got_es == es, "da_array_type elem_size %zu, expected %zu", got_es, es);
    MPI_Comm c;
    CHECKC_DA(da_array_comm(a, &c));
    int cmp = MPI_UNEQUAL;
    MPI_Comm_compare(c, MPI_COMM_WORLD, &cmp);
    CHECKC(cmp == MPI_CONGRUENT || cmp == MPI_IDENT, "da_array_comm is not congruent with the creating comm (%d)",
           cmp);
}

/* One map, one type: `rounds` rounds of put (rotating putter), sync, get. */
static void run_case(const ref_map_t *m, type_case_t tc, uint64_t seed, int rounds)
{
    const size_t es = ref_type_size(tc.type, tc.opaque);
    REF_CASE("%s, type %s (%zu bytes), create", m->desc, ref_type_name(tc.type), es);
    da_array_t *a = NULL;
    if (tc.type == DA_OPAQUE) CHECKC_DA(da_array_create_opaque(MPI_COMM_WORLD, es, m->d, &a));
    else CHECKC_DA(da_array_create(MPI_COMM_WORLD, tc.type, m->d, &a));
    CHECKC(a != NULL, "create returned success but no array");
    check_metadata(a, m, tc, es);
    g_cases++;

    ref_array_t r;
    ref_init(&r, m->ndim, m->shape, tc.type, es);
    const ref_box_t whole = ref_box_whole(m->ndim, m->shape);

    /* Zero-filled at creation. */
    REF_CASE("%s, type %s (%zu bytes), fresh array (zero-filled)", m->desc, ref_type_name(tc.type), es);
    ref_check_get(a, &r, &whole, "fresh array");
    ref_check_local(a, &r, g_me, "fresh array");
    CHECKC_DA(da_sync(a)); /* reads done before anyone writes */

    th_rng_t shared = th_rng_seed(seed);                        /* same on every rank */
    th_rng_t mine = th_rng_seed(ref_mix(seed, 1000 + g_me));    /* this rank's gets */

    for (int round = 0; round < rounds; round++) {
        /* This round's puts: round 0 the whole array from one rank; odd
         * rounds a random box from one rank (rotating); other rounds every
         * rank a random box inside its own slab of a random dimension, so
         * that the puts of one round never overlap. */
        ref_box_t boxes[64];
        int putters[64], nput = 0;
        const int rot = (int)((seed + (uint64_t)round) % (uint64_t)g_np);
        if (round == 0) {
            ref_box_t b = whole;
            if (m->ndim > 1 && th_rng_range(&shared, 0, 2)) { /* from a padded buffer */
                b.use_ld = 1;
                for (int i = 0; i < m->ndim - 1; i++) b.ld[i] = m->shape[i + 1] + 2;
                ref_box_finish(&b);
            }
            boxes[nput] = b;
            putters[nput++] = rot;
        } else if (round % 2 == 1 || g_np > 64) {
            boxes[nput] = ref_box_random(&shared, m->ndim, m->shape, 1);
            putters[nput++] = rot;
        } else {
            const int dd = (int)th_rng_range(&shared, 0, m->ndim);
            int64_t cut[65];
            cut[0] = 0;
            cut[g_np] = m->shape[dd];
            for (int c = 1; c < g_np; c++) cut[c] = th_rng_range(&shared, 0, m->shape[dd] + 1);
            ref_sort(cut + 1, g_np - 1);
            for (int p = 0; p < g_np; p++) {
                ref_box_t b;
                if (cut[p + 1] > cut[p]) {
                    int64_t slab[DA_MAX_NDIM];
                    memcpy(slab, m->shape, sizeof slab);
                    slab[dd] = cut[p + 1] - cut[p];
                    b = ref_box_random(&shared, m->ndim, slab, 1);
                    b.lo[dd] += cut[p];
                    b.hi[dd] += cut[p];
                    ref_box_finish(&b);
                } else { /* empty slab: an empty box at its place */
                    b = whole;
                    b.lo[dd] = b.hi[dd] = cut[p];
                    ref_box_finish(&b);
                }
                boxes[nput] = b;
                putters[nput++] = p;
            }
        }

        char desc[300];
        snprintf(desc, sizeof desc, "%s", nput == 1 ? "put by one rank" : "disjoint puts by every rank");
        for (int k = 0; k < nput; k++) {
            const ref_box_t *b = &boxes[k];
            const int putter = putters[k];
            const int null_buf = b->n == 0 && th_rng_range(&shared, 0, 2);
            REF_CASE("%s, type %s (%zu bytes), round %d (%s), put by rank %d of %s%s", m->desc,
                     ref_type_name(tc.type), es, round, desc, putter, ref_box_str(b), null_buf ? " (NULL buffer)" : "");
            /* Reference update, on every rank. */
            int64_t j = 0;
            REF_BOX_FOREACH(b, gi, off, {
                (void)off;
                put_value(&r, seed + (uint64_t)k * 7919, round, j++, ref_at(&r, gi));
            });
            if (g_me != putter) continue;
            ref_gbuf_t g;
            ref_gbuf_alloc(&g, b, es);
            j = 0;
            REF_BOX_FOREACH(b, gi, off, {
                (void)gi;
                put_value(&r, seed + (uint64_t)k * 7919, round, j++, g.base + (size_t)off * es);
            });
            unsigned char *copy = malloc((size_t)g.len * es + 1);
            CHECK(copy, "out of memory");
            memcpy(copy, g.mem, (size_t)g.len * es);
            int rc = da_put(a, b->lo, b->hi, ref_box_step(b), null_buf ? NULL : g.base, ref_box_ld(b));
            CHECKC(rc == DA_SUCCESS, "da_put returned %d (%s): %s", rc, da_strerror(rc), da_last_error());
            CHECKC(memcmp(copy, g.mem, (size_t)g.len * es) == 0, "da_put modified its source buffer");
            free(copy);
            ref_gbuf_free(&g);
            g_puts++;
            /* program order: our own get sees our put, without a flush */
            ref_check_get(a, &r, b, "get of the box just put by this rank, before any sync");
        }
        /* Visibility: da_sync, or (round 3) the writer's da_flush and any MPI
         * synchronisation before the readers' da_get (docs/rma-semantics.md). */
        const int by_barrier = round == 3;
        if (by_barrier) {
            CHECKC_DA(da_flush(a));
            MPI_Barrier(MPI_COMM_WORLD);
        } else {
            CHECKC_DA(da_sync(a));
        }

        /* Everyone reads everything, and a box of its own. */
        REF_CASE("%s, type %s (%zu bytes), round %d, after %s (last %s), then %s", m->desc, ref_type_name(tc.type), es,
                 round, desc, ref_box_str(&boxes[nput - 1]),
                 by_barrier ? "da_flush and MPI_Barrier" : "da_sync");
        ref_check_get(a, &r, &whole, "whole array");
        ref_box_t gb = ref_box_random(&mine, m->ndim, m->shape, 1);
        ref_check_get(a, &r, &gb, "random box");
        if (gb.n == 0) { /* NULL buffer with an empty box is fine */
            int rc = da_get(a, gb.lo, gb.hi, ref_box_step(&gb), NULL, ref_box_ld(&gb));
            CHECKC(rc == DA_SUCCESS, "da_get of empty %s with NULL buffer returned %d (%s): %s", ref_box_str(&gb), rc,
                   da_strerror(rc), da_last_error());
        }
        if (!by_barrier) ref_check_local(a, &r, g_me, "local block"); /* local loads need da_sync */
        g_gets += 2;
        g_elems += whole.n + gb.n;
        CHECKC_DA(da_sync(a)); /* reads done before the next put */
    }

    /* Local stores: every rank writes its own block through the pointer. */
    REF_CASE("%s, type %s (%zu bytes), local stores then da_sync", m->desc, ref_type_name(tc.type), es);
    {
        da_dist_t *d = NULL;
        CHECKC_DA(da_array_dist(a, &d));
        void *ptr = NULL;
        int64_t lshape[DA_MAX_NDIM], lstride[DA_MAX_NDIM], elems = 0;
        CHECKC_DA(da_array_local(a, &ptr, lshape, lstride));
        CHECKC_DA(da_dist_local_shape(d, g_me, lshape, &elems));
        if (elems > 0) {
            int64_t l[DA_MAX_NDIM] = {0}, gi[DA_MAX_NDIM];
            for (;;) {
                int64_t off = 0;
                for (int i = 0; i < m->ndim; i++) off += l[i] * lstride[i];
                CHECKC_DA(da_dist_local_to_global(d, g_me, l, gi));
                int64_t lin = (int64_t)((ref_at(&r, gi) - r.d) / (ptrdiff_t)es);
                local_value(&r, seed, lin, (unsigned char *)ptr + (size_t)off * es);
                int dd = m->ndim - 1;
                while (dd >= 0 && ++l[dd] == lshape[dd]) l[dd--] = 0;
                if (dd < 0) break;
            }
        }
        CHECKC_DA(da_dist_destroy(&d));
    }
    for (int64_t lin = 0; lin < r.total; lin++) local_value(&r, seed, lin, r.d + (size_t)lin * es);
    CHECKC_DA(da_sync(a));
    ref_check_get(a, &r, &whole, "whole array after local stores");
    ref_check_local(a, &r, g_me, "local block after local stores");

    CHECKC_DA(da_array_destroy(&a));
    CHECKC(a == NULL, "da_array_destroy did not set the handle to NULL");
    ref_free(&r);
}

static uint64_t g_seed = 7001;

/* Build the map, run it with one type (or all), free it. */
static void run_map(th_rng_t *rng, int ndim, const int64_t *shape, const int *kinds, const int *grid, int all,
                    int rounds)
{
    ref_map_t m;
    ref_map_build(&m, rng, ndim, shape, kinds, grid, g_np);
    static int counter = 0;
    counter++;
    if (all) {
        for (int t = 0; t < NTYPES; t++) run_case(&m, all_types[t], g_seed++, rounds);
    } else {
        run_case(&m, all_types[counter % NTYPES], g_seed++, rounds);
    }
    ref_map_free(&m);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_me);
    MPI_Comm_size(MPI_COMM_WORLD, &g_np);
    double t0 = MPI_Wtime();
    th_rng_t rng = th_rng_seed(424242);

    /* Every rank count: a short list that covers every kind (distributed
     * over more than one rank), every type, 1-D to 4-D, shapes smaller than
     * the rank count, a one-element array, irregular parts that are empty,
     * unstructured random partitions. Oversubscribed runs (3 and 4 ranks on
     * 2 cores) make each collective cost milliseconds and each creation
     * about half a second, so the long list only runs up to 2 ranks. */
    {
        const int P = g_np;
        struct {
            int ndim;
            int64_t shape[4];
            int kinds[4];
            int nparts[4];
            type_case_t type;
        } list[] = {
            {1, {2}, {REF_K_BLOCK}, {0}, {DA_OPAQUE, 12}},
            {4, {1, 1, 1, 1}, {REF_K_CYCLIC, REF_K_BLOCK, REF_K_BC2, REF_K_NONE}, {0}, {DA_COMPLEX_DOUBLE, 0}},
            {2, {7, 5}, {REF_K_BLOCK_GA, REF_K_CYCLIC}, {0}, {DA_INT32, 0}},
            {3, {5, 4, 3}, {REF_K_BC2, REF_K_UNSTR, REF_K_BC3}, {0, 1, 0}, {DA_DOUBLE, 0}},
            {2, {9, 4}, {REF_K_IRREG, REF_K_NONE}, {P, 0}, {DA_FLOAT, 0}},
            {2, {6, 5}, {REF_K_UNSTR, REF_K_BLOCK}, {P, 0}, {DA_INT64, 0}},
            {4, {3, 4, 2, 3}, {REF_K_BC1, REF_K_CYCLIC, REF_K_NONE, REF_K_BLOCK}, {0}, {DA_COMPLEX_FLOAT, 0}},
            {1, {4}, {REF_K_BLOCK_GA}, {0}, {DA_OPAQUE, 5}},
            {2, {5, 6}, {REF_K_BC3, REF_K_IRREG}, {0, 1}, {DA_OPAQUE, 1}},
        };
        for (size_t i = 0; i < sizeof list / sizeof *list; i++) {
            ref_map_t m;
            ref_map_build_parts(&m, &rng, list[i].ndim, list[i].shape, list[i].kinds, NULL, list[i].nparts, g_np);
            run_case(&m, list[i].type, g_seed++, 4);
            ref_map_free(&m);
        }
    }

    if (g_np <= 2) {
        /* 1-D: every kind on shapes below, at and above the rank count. */
        static const int64_t shapes1[] = {1, 3, 17};
        for (size_t s = 0; s < sizeof shapes1 / sizeof *shapes1; s++)
            for (int k = 0; k < REF_NKINDS; k++) run_map(&rng, 1, &shapes1[s], (int[]){k}, NULL, 0, 4);

        /* 2-D: each kind first, paired with a random kind, and last. */
        static const int64_t shapes2[][2] = {{5, 7}, {9, 4}};
        for (size_t s = 0; s < sizeof shapes2 / sizeof *shapes2; s++)
            for (int k = 0; k < REF_NKINDS; k++) {
                int other = (int)th_rng_range(&rng, 0, REF_NKINDS);
                if (s == 0) run_map(&rng, 2, shapes2[s], (int[]){k, other}, NULL, 0, 4);
                else run_map(&rng, 2, shapes2[s], (int[]){other, k}, NULL, 0, 4);
            }

        /* 2-D with every rank along one dimension. */
        run_map(&rng, 2, (int64_t[]){6, 5}, (int[]){REF_K_BLOCK, REF_K_BC2}, (int[]){g_np, 1}, 0, 4);
        run_map(&rng, 2, (int64_t[]){6, 5}, (int[]){REF_K_CYCLIC, REF_K_BLOCK_GA}, (int[]){1, g_np}, 0, 4);

        /* 3-D and 4-D: random kinds. */
        static const int64_t shapes3[][3] = {{3, 4, 5}, {2, 1, 3}, {4, 3, 2}};
        for (size_t s = 0; s < sizeof shapes3 / sizeof *shapes3; s++) {
            int kinds[3];
            for (int i = 0; i < 3; i++) kinds[i] = (int)th_rng_range(&rng, 0, REF_NKINDS);
            run_map(&rng, 3, shapes3[s], kinds, NULL, 0, 4);
        }
        static const int64_t shapes4[][4] = {{2, 3, 2, 3}, {1, 2, 1, 3}, {3, 2, 2, 2}};
        for (size_t s = 0; s < sizeof shapes4 / sizeof *shapes4; s++) {
            int kinds[4];
            for (int i = 0; i < 4; i++) kinds[i] = (int)th_rng_range(&rng, 0, REF_NKINDS);
            run_map(&rng, 4, shapes4[s], kinds, NULL, 0, 4);
        }
    }

    double dt = MPI_Wtime() - t0;
    long tot[4] = {g_cases, g_puts, g_gets, g_elems}, sum[4];
    MPI_Reduce(tot, sum, 4, MPI_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
    if (g_me == 0)
        printf("array_putget: %ld array cases, %ld puts, %ld gets (%ld elements compared) on %d ranks, %.2f s\n",
               g_cases, sum[1], sum[2], sum[3], g_np, dt);
    MPI_Finalize();
    return 0;
}
