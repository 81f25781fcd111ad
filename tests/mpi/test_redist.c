/* Redistribution: da_copy between every pair of distribution kinds, box
 * copies (also overlapping in one array), da_redistribute, reusable plans
 * with forced all-to-all and tiny chunks, opaque and complex elements, and
 * collective errors. Checked against full local references through each
 * rank's own block.
 */
#include "test_coll_util.h"

static int nranks, rank;

/* src (map ms) -> dst (map md) with da_copy; dst must equal the reference. */
static void copy_pair(const da_dist_t *ms, const da_dist_t *md, da_type_t t, size_t es, uint64_t seed,
                      const char *what)
{
    int ndim;
    int64_t shape[DA_MAX_NDIM];
    da_dist_ndim(ms, &ndim);
    da_dist_shape(ms, shape);
    int64_t n = tu_elems(ndim, shape);
    char *ref = tu_make_ref(t, es, n, seed, 1000);
    da_array_t *s = tu_array(MPI_COMM_WORLD, t, es, ms), *d = tu_array(MPI_COMM_WORLD, t, es, md);
    tu_store(s, ref);
    CHECK_DA(da_copy(s, d));
    tu_check(d, ref, 0, what);
    tu_check(s, ref, 0, what); /* the source is untouched */
    CHECK_DA(da_array_destroy(&s));
    CHECK_DA(da_array_destroy(&d));
    free(ref);
}

/* Every source kind into every destination kind: 7 source arrays, 7
   destinations, 49 copies. */
static void all_kind_pairs(void)
{
    int64_t shape[2] = {7, 10}, n = 70;
    da_array_t *src[TU_NKINDS], *dst[TU_NKINDS];
    char *ref[TU_NKINDS], what[128];
    for (int i = 0; i < TU_NKINDS; i++) {
        da_dist_t *ms = tu_map_kind(2, shape, tu_kinds[i], nranks, 100 + i);
        da_dist_t *md = tu_map_kind(2, shape, tu_kinds[i], nranks, 200 + i);
        src[i] = tu_array(MPI_COMM_WORLD, DA_DOUBLE, 8, ms);
        dst[i] = tu_array(MPI_COMM_WORLD, DA_DOUBLE, 8, md);
        ref[i] = tu_make_ref(DA_DOUBLE, 8, n, 1000 + i, 1000);
        tu_store(src[i], ref[i]);
        da_dist_destroy(&ms);
        da_dist_destroy(&md);
    }
    for (int i = 0; i < TU_NKINDS; i++)
        for (int j = 0; j < TU_NKINDS; j++) {
            snprintf(what, sizeof what, "copy %s -> %s", tu_kind_name(tu_kinds[i]), tu_kind_name(tu_kinds[j]));
            CHECK_DA(da_copy(src[i], dst[j]));
            tu_check_local(dst[j], ref[i], 0, what); /* da_copy's exit made it visible */
        }
    for (int i = 0; i < TU_NKINDS; i++) {
        tu_check(src[i], ref[i], 0, "source after copies");
        CHECK_DA(da_array_destroy(&src[i]));
        CHECK_DA(da_array_destroy(&dst[i]));
        free(ref[i]);
    }
}

/* 1-D and 3-D, other types. */
static void other_shapes_types(void)
{
    int64_t s1[1] = {37}, s3[3] = {4, 5, 6};
    static const da_type_t types[] = {DA_INT32, DA_COMPLEX_DOUBLE, DA_OPAQUE};
    for (int i = 0; i < 3; i++) {
        da_type_t t = types[i];
        size_t es = tu_esize(t, 3);
        da_dist_t *a = tu_map_kind(1, s1, DA_DIST_UNSTRUCTURED, nranks, 7 + i);
        da_dist_t *b = tu_map_kind(1, s1, DA_DIST_BLOCK_CYCLIC, nranks, 8 + i);
        copy_pair(i == 1 ? b : a, i == 1 ? a : b, t, es, 50 + i, tu_type_name(t));
        da_dist_destroy(&a);
        da_dist_destroy(&b);
        if (i != 1) continue; /* 3-D: complex double only */
        da_dist_kind_t k1[3] = {DA_DIST_CYCLIC, DA_DIST_IRREGULAR, DA_DIST_BLOCK};
        da_dist_kind_t k2[3] = {DA_DIST_BLOCK, DA_DIST_UNSTRUCTURED, DA_DIST_BLOCK_CYCLIC};
        a = tu_map(3, s3, k1, nranks, 70 + i);
        b = tu_map(3, s3, k2, nranks, 80 + i);
        copy_pair(a, b, t, es, 90 + i, tu_type_name(t));
        da_dist_destroy(&a);
        da_dist_destroy(&b);
    }
}

/* Random box copies between two maps and within one array. */
static void box_copies(void)
{
    int64_t shape[2] = {9, 8}, n = 72;
    th_rng_t rng = th_rng_seed(4242);
    for (int it = 0; it < (nranks > 2 ? 5 : 7); it++) {
        da_dist_t *ms = tu_map_kind(2, shape, tu_kinds[it % TU_NKINDS], nranks, 300 + it);
        da_dist_t *md = tu_map_kind(2, shape, tu_kinds[(it * 3 + 1) % TU_NKINDS], nranks, 400 + it);
        int same = it % 3 == 2; /* within one array */
        char *rs = tu_make_ref(DA_INT64, 8, n, 500 + it, 1000);
        char *rd = same ? rs : tu_make_ref(DA_INT64, 8, n, 600 + it, 1000);
        da_array_t *s = tu_array(MPI_COMM_WORLD, DA_INT64, 8, ms);
        da_array_t *d = same ? s : tu_array(MPI_COMM_WORLD, DA_INT64, 8, md);
        tu_store(s, rs);
        if (!same) tu_store(d, rd);
        int64_t ext[2], slo[2], shi[2], dlo[2], dhi[2];
        for (int k = 0; k < 2; k++) {
            ext[k] = th_rng_range(&rng, 0, shape[k] + 1);
            slo[k] = th_rng_range(&rng, 0, shape[k] - ext[k] + 1);
            dlo[k] = th_rng_range(&rng, 0, shape[k] - ext[k] + 1);
            shi[k] = slo[k] + ext[k];
            dhi[k] = dlo[k] + ext[k];
        }
        if (same && it == 5) memcpy(dlo, slo, sizeof dlo), memcpy(dhi, shi, sizeof dhi);
        CHECK_DA(da_copy_box(s, slo, shi, d, dlo, dhi));
        tu_ref_copy_box(rd, shape, dlo, rs, shape, slo, ext, 2, 8);
        char what[160];
        snprintf(what, sizeof what, "box copy %d [%lld:%lld, %lld:%lld] -> [%lld:%lld, %lld:%lld]%s", it,
                 (long long)slo[0], (long long)shi[0], (long long)slo[1], (long long)shi[1], (long long)dlo[0],
                 (long long)dhi[0], (long long)dlo[1], (long long)dhi[1], same ? " same array" : "");
        tu_check(d, rd, 0, what);
        CHECK_DA(da_array_destroy(&s));
        if (!same) CHECK_DA(da_array_destroy(&d));
        free(rs);
        if (!same) free(rd);
        da_dist_destroy(&ms);
        da_dist_destroy(&md);
    }
    /* overlapping shift within one array, cyclic map: the classic memmove case */
    int64_t s1[1] = {40};
    da_dist_t *m = tu_map_kind(1, s1, DA_DIST_CYCLIC, nranks, 1);
    char *r = tu_make_ref(DA_DOUBLE, 8, 40, 77, 100);
    da_array_t *a = tu_array(MPI_COMM_WORLD, DA_DOUBLE, 8, m);
    tu_store(a, r);
    int64_t lo[1] = {0}, hi[1] = {30}, lo2[1] = {7}, hi2[1] = {37}, ext[1] = {30};
    CHECK_DA(da_copy_box(a, lo, hi, a, lo2, hi2));
    tu_ref_copy_box(r, s1, lo2, r, s1, lo, ext, 1, 8);
    tu_check(a, r, 0, "overlapping shift");
    CHECK_DA(da_array_destroy(&a));
    da_dist_destroy(&m);
    free(r);
}

/* da_redistribute, and a plan executed several times with other arrays of
   the same maps, forced through MPI_Alltoallv in tiny chunks. */
static void plans(void)
{
    int64_t shape[2] = {11, 6}, n = 66;
    da_dist_t *ms = tu_map_kind(2, shape, DA_DIST_BLOCK, nranks, 1);
    da_dist_t *md = tu_map_kind(2, shape, DA_DIST_BLOCK_CYCLIC, nranks, 2);
    char *ref = tu_make_ref(DA_FLOAT, 4, n, 9, 1000);
    da_array_t *s = tu_array(MPI_COMM_WORLD, DA_FLOAT, 4, ms), *r = NULL;
    tu_store(s, ref);
    CHECK_DA(da_redistribute(s, md, &r));
    tu_check(r, ref, 0, "da_redistribute");
    da_dist_t *got;
    CHECK_DA(da_array_dist(r, &got));
    da_dist_kind_t k;
    CHECK_DA(da_dist_dim_kind(got, 0, &k, NULL));
    CHECK_EQ(k, DA_DIST_BLOCK_CYCLIC);
    da_dist_destroy(&got);

    static const da_redist_opts_t variants[] = {{0, DA_REDIST_AUTO}, {12, DA_REDIST_ALLTOALL}, {1, DA_REDIST_AUTO},
                                                {100, DA_REDIST_ALLTOALL}};
    int nvar = getenv("DA_SHM") && !strcmp(getenv("DA_SHM"), "0") ? 2 : 4; /* 0 makes every pair all-to-all */
    int64_t lo[2] = {0, 0};
    da_array_t *s3 = tu_array(MPI_COMM_WORLD, DA_FLOAT, 4, ms), *d3 = tu_array(MPI_COMM_WORLD, DA_FLOAT, 4, md);
    for (int v = 0; v < nvar; v++) {
        if (v >= 2 && nranks > 2) continue; /* forced all-to-all: 1 and 2 ranks suffice */
        da_redist_plan_t *p;
        CHECK_DA(da_redist_plan_create(s, lo, shape, r, lo, shape, &variants[v], &p));
        for (int rep = 0; rep < 2; rep++) {
            /* another pair of arrays with the plan's maps */
            da_array_t *s2 = rep ? s : s3, *d2 = rep ? r : d3;
            char *r2 = tu_make_ref(DA_FLOAT, 4, n, 1000 + v * 10 + rep, 1000);
            tu_store(s2, r2);
            CHECK_DA(da_redist_plan_execute(p, s2, d2));
            char what[64];
            snprintf(what, sizeof what, "plan variant %d rep %d", v, rep);
            tu_check(d2, r2, 0, what);
            free(r2);
        }
        /* wrong arrays for the plan: the maps are swapped */
        TU_CHECK_ERR(da_redist_plan_execute(p, r, s), DA_ERR_ARG);
        CHECK_DA(da_redist_plan_destroy(&p));
        CHECK(p == NULL, "plan not cleared");
    }
    CHECK_DA(da_array_destroy(&s3));
    CHECK_DA(da_array_destroy(&d3));
    da_redist_plan_t *dead = NULL;
    TU_CHECK_ERR(da_redist_plan_destroy(&dead), DA_ERR_NULL);
    CHECK_DA(da_array_destroy(&s));
    CHECK_DA(da_array_destroy(&r));
    da_dist_destroy(&ms);
    da_dist_destroy(&md);
    free(ref);
}

static void errors(void)
{
    int64_t s1[2] = {6, 5}, s2[2] = {5, 6};
    da_dist_t *m1 = tu_map_kind(2, s1, DA_DIST_BLOCK, nranks, 1), *m2 = tu_map_kind(2, s2, DA_DIST_CYCLIC, nranks, 2);
    da_array_t *a = tu_array(MPI_COMM_WORLD, DA_DOUBLE, 8, m1), *b = tu_array(MPI_COMM_WORLD, DA_DOUBLE, 8, m2);
    da_array_t *c = tu_array(MPI_COMM_WORLD, DA_INT32, 4, m1);
    char *ref = tu_make_ref(DA_DOUBLE, 8, 30, 5, 100);
    tu_store(a, ref);
    TU_CHECK_ERR(da_copy(a, b), DA_ERR_SHAPE);
    TU_CHECK_ERR(da_copy(a, c), DA_ERR_TYPE);
    /* one rank passes a box out of bounds: it gets DA_ERR_BOUNDS, the others DA_ERR_COLLECTIVE */
    int64_t lo[2] = {0, 0}, hi[2] = {5, 5}, bad[2] = {5, 7};
    int me_bad = rank == nranks - 1;
    TU_CHECK_COLL_ERR(da_copy_box(a, lo, hi, b, lo, me_bad ? bad : hi), me_bad, DA_ERR_BOUNDS);
    /* boxes of different extents */
    int64_t hi2[2] = {4, 5};
    TU_CHECK_ERR(da_copy_box(a, lo, hi, b, lo, hi2), DA_ERR_SHAPE);
    /* ranks disagree on the box (each valid): DA_ERR_COLLECTIVE everywhere */
    if (nranks > 1) {
        int64_t mylo[2] = {rank == 0 ? 1 : 0, 0}, myhi[2] = {rank == 0 ? 5 : 4, 5};
        TU_CHECK_ERR(da_copy_box(a, mylo, myhi, b, lo, hi2), DA_ERR_COLLECTIVE);
    }
    da_array_t *none = NULL;
    TU_CHECK_ERR(da_redistribute(a, m2, &none), DA_ERR_SHAPE);
    CHECK(none == NULL, "array set on error");
    da_redist_opts_t o = {-1, DA_REDIST_AUTO};
    da_redist_plan_t *p = NULL;
    TU_CHECK_ERR(da_redist_plan_create(a, lo, s1, a, lo, s1, &o, &p), DA_ERR_ARG);
    CHECK(p == NULL, "plan set on error");
    /* nothing was modified */
    tu_check(a, ref, 0, "after errors");
    CHECK_DA(da_array_destroy(&a));
    CHECK_DA(da_array_destroy(&b));
    CHECK_DA(da_array_destroy(&c));
    da_dist_destroy(&m1);
    da_dist_destroy(&m2);
    free(ref);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    double t0 = MPI_Wtime();
    if (!getenv("TU_ONLY") || strstr(getenv("TU_ONLY"), "all_kind_pairs")) all_kind_pairs();
    double t1 = MPI_Wtime();
    if (!getenv("TU_ONLY") || strstr(getenv("TU_ONLY"), "other_shapes_types")) other_shapes_types();
    double t2 = MPI_Wtime();
    if (!getenv("TU_ONLY") || strstr(getenv("TU_ONLY"), "box_copies")) box_copies();
    double t3 = MPI_Wtime();
    if (!getenv("TU_ONLY") || strstr(getenv("TU_ONLY"), "plans")) plans();
    double t4 = MPI_Wtime();
    if (!getenv("TU_ONLY") || strstr(getenv("TU_ONLY"), "errors")) errors();
    double t5 = MPI_Wtime();
    if (rank == 0 && getenv("TU_TIMES"))
        printf("pairs %.2f shapes %.2f boxes %.2f plans %.2f errors %.2f\n", t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4);
    if (rank == 0) printf("test_redist: ok at %d ranks\n", nranks);
    MPI_Finalize();
    return 0;
}
