/* Every bad input to the array calls returns its own error code, with a
 * non-empty da_strerror and da_last_error, and leaves the array unchanged
 * (checked with a da_get of the whole array against a reference copy):
 *
 *  - boxes outside the shape or with hi < lo: DA_ERR_BOUNDS;
 *  - steps 0 or negative: DA_ERR_STEP;
 *  - a NULL buffer with a non-empty box: DA_ERR_NULL (fine with an empty box);
 *  - leading dimensions smaller than the box: DA_ERR_STRIDE;
 *  - accumulate operations not valid for the type (MIN/MAX on complex,
 *    bitwise on floating point, unknown op values): DA_ERR_OP; any
 *    accumulate on DA_OPAQUE: DA_ERR_TYPE;
 *  - an invalid type value in da_array_create: DA_ERR_TYPE;
 *  - a destroyed handle, a foreign pointer and a map handle passed as an
 *    array: DA_ERR_HANDLE; a NULL handle: DA_ERR_NULL; da_array_destroy
 *    sets the handle to NULL;
 *  - a map whose rank count differs from the communicator size:
 *    DA_ERR_GRID or DA_ERR_COLLECTIVE;
 *  - ranks passing different types, element sizes or maps to
 *    da_array_create: DA_ERR_COLLECTIVE on every rank, no array created,
 *    and the next collective call still works.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darray.h"
#include "darray/array.h"
#include "harness.h"
#include "reference.h"

static int g_me, g_np;
static int g_checks;

/* Reads the whole array and compares with the reference. */
static void unchanged(da_array_t *a, const ref_array_t *r, const char *after)
{
    char who[200];
    snprintf(who, sizeof who, "array unchanged after %s", after);
    ref_box_t whole = ref_box_whole(r->ndim, r->shape);
    CHECKC_DA(da_sync(a));
    ref_check_get(a, r, &whole, who);
    ref_check_local(a, r, g_me, who);
}

/* Expect `code` from a call; count it. */
#define EXPECT(code, call)                                                               \
    do {                                                                                 \
        CHECKC_ERR(code, call);                                                          \
        g_checks++;                                                                      \
    } while (0)

/* Fill the array and the reference with distinct values (rank 0 puts). */
static void fill(da_array_t *a, ref_array_t *r, uint64_t seed)
{
    for (int64_t j = 0; j < r->total; j++) ref_gen(r->type, r->es, ref_mix(seed, (uint64_t)j), r->d + (size_t)j * r->es);
    if (g_me == 0) {
        int64_t lo[DA_MAX_NDIM] = {0};
        CHECKC_DA(da_put(a, lo, r->shape, NULL, r->d, NULL));
    }
    CHECKC_DA(da_sync(a));
}

/* Box errors for put, get and acc on a 3-D array. */
static void box_errors(const ref_map_t *m, da_type_t t)
{
    REF_CASE("%s, type %s, box errors", m->desc, ref_type_name(t));
    da_array_t *a = NULL;
    CHECKC_DA(da_array_create(MPI_COMM_WORLD, t, m->d, &a));
    ref_array_t r;
    ref_init(&r, m->ndim, m->shape, t, ref_type_size(t, 0));
    fill(a, &r, 77);
    const int nd = m->ndim;
    const int64_t *S = m->shape;
    /* a buffer big enough for anything below */
    size_t bufn = (size_t)r.total * 4 + 64;
    unsigned char *buf = calloc(bufn, r.es);
    CHECK(buf, "out of memory");
    for (size_t j = 0; j < bufn; j++) ref_gen(t, r.es, ref_mix(5, j), buf + j * r.es);
    unsigned char *getbuf = calloc(bufn, r.es);
    CHECK(getbuf, "out of memory");

    int64_t lo[DA_MAX_NDIM], hi[DA_MAX_NDIM], st[DA_MAX_NDIM], ld[DA_MAX_NDIM];
#define RESET()                                                                          \
    do {                                                                                 \
        for (int i_ = 0; i_ < nd; i_++) {                                                \
            lo[i_] = 0;                                                                  \
            hi[i_] = S[i_];                                                              \
            st[i_] = 1;                                                                  \
            ld[i_] = S[i_ + 1 < nd ? i_ + 1 : i_];                                       \
        }                                                                                \
    } while (0)
    /* The same bad arguments to put, get and acc. */
#define ALL3(code, what)                                                                 \
    do {                                                                                 \
        REF_CASE("%s, type %s, %s, lo %s", m->desc, ref_type_name(t), what,              \
                 ref_idx_str(nd, lo, ibuf, sizeof ibuf));                                \
        EXPECT(code, da_put(a, lo, hi, st, buf, ld));                                    \
        EXPECT(code, da_get(a, lo, hi, st, getbuf, ld));                                 \
        EXPECT(code, da_acc(a, DA_OP_SUM, NULL, lo, hi, st, buf, ld));                   \
    } while (0)
    char ibuf[200];

    for (int d = 0; d < nd; d++) {
        char what[200];
        RESET();
        lo[d] = -1;
        snprintf(what, sizeof what, "lo[%d] = -1", d);
        ALL3(DA_ERR_BOUNDS, what);
        RESET();
        hi[d] = S[d] + 1;
        snprintf(what, sizeof what, "hi[%d] = extent + 1", d);
        ALL3(DA_ERR_BOUNDS, what);
        RESET();
        lo[d] = S[d] + 1;
        hi[d] = S[d] + 2;
        snprintf(what, sizeof what, "box entirely beyond the extent along dimension %d", d);
        ALL3(DA_ERR_BOUNDS, what);
        RESET();
        lo[d] = S[d] + 1;
        hi[d] = S[d] + 1;
        snprintf(what, sizeof what, "empty box at lo = hi = extent + 1 along dimension %d", d);
        ALL3(DA_ERR_BOUNDS, what);
        RESET();
        lo[d] = S[d] > 1 ? 1 : 0;
        hi[d] = lo[d] - 1 >= 0 ? lo[d] - 1 : -1;
        lo[d] = hi[d] + 1;
        snprintf(what, sizeof what, "hi[%d] < lo[%d]", d, d);
        ALL3(DA_ERR_BOUNDS, what);
        RESET();
        lo[d] = INT64_MIN;
        snprintf(what, sizeof what, "lo[%d] = INT64_MIN", d);
        ALL3(DA_ERR_BOUNDS, what);
        RESET();
        hi[d] = INT64_MAX;
        snprintf(what, sizeof what, "hi[%d] = INT64_MAX", d);
        ALL3(DA_ERR_BOUNDS, what);
        RESET();
        st[d] = 0;
        snprintf(what, sizeof what, "step[%d] = 0", d);
        ALL3(DA_ERR_STEP, what);
        RESET();
        st[d] = -1;
        snprintf(what, sizeof what, "step[%d] = -1", d);
        ALL3(DA_ERR_STEP, what);
        RESET();
        st[d] = INT64_MIN;
        snprintf(what, sizeof what, "step[%d] = INT64_MIN", d);
        ALL3(DA_ERR_STEP, what);
        if (d < nd - 1) {
            RESET();
            ld[d] = S[d + 1] - 1;
            snprintf(what, sizeof what, "ld[%d] = box count - 1", d);
            ALL3(DA_ERR_STRIDE, what);
            RESET();
            ld[d] = 0;
            snprintf(what, sizeof what, "ld[%d] = 0", d);
            ALL3(DA_ERR_STRIDE, what);
            RESET();
            ld[d] = -5;
            snprintf(what, sizeof what, "ld[%d] = -5", d);
            ALL3(DA_ERR_STRIDE, what);
            /* with a step, the count shrinks: ld = count is fine, count - 1 is not */
            RESET();
            st[d + 1] = 2;
            ld[d] = (S[d + 1] + 1) / 2 - 1;
            snprintf(what, sizeof what, "step[%d] = 2, ld[%d] = count - 1", d + 1, d);
            ALL3(DA_ERR_STRIDE, what);
        }
        /* one check for the whole batch: none of the failed calls wrote */
        snprintf(what, sizeof what, "bad bounds, steps and ld along dimension %d (put, get, acc)", d);
        unchanged(a, &r, what);
    }

    /* NULL buffer with a non-empty box; NULL lo or hi. */
    RESET();
    REF_CASE("%s, type %s, NULL buffer", m->desc, ref_type_name(t));
    EXPECT(DA_ERR_NULL, da_put(a, lo, hi, NULL, NULL, NULL));
    EXPECT(DA_ERR_NULL, da_get(a, lo, hi, NULL, NULL, NULL));
    EXPECT(DA_ERR_NULL, da_acc(a, DA_OP_SUM, NULL, lo, hi, NULL, NULL, NULL));
    EXPECT(DA_ERR_NULL, da_put(a, NULL, hi, NULL, buf, NULL));
    EXPECT(DA_ERR_NULL, da_get(a, lo, NULL, NULL, getbuf, NULL));
    EXPECT(DA_ERR_NULL, da_acc(a, DA_OP_SUM, NULL, NULL, hi, NULL, buf, NULL));
    unchanged(a, &r, "NULL buffer / lo / hi");
    /* NULL buffer with an empty box is fine, in every dimension */
    for (int d = 0; d < nd; d++) {
        RESET();
        lo[d] = hi[d] = S[d] / 2;
        REF_CASE("%s, type %s, NULL buffer with empty box along dimension %d", m->desc, ref_type_name(t), d);
        EXPECT(DA_SUCCESS, da_put(a, lo, hi, NULL, NULL, NULL));
        EXPECT(DA_SUCCESS, da_get(a, lo, hi, NULL, NULL, NULL));
        EXPECT(DA_SUCCESS, da_acc(a, DA_OP_SUM, NULL, lo, hi, NULL, NULL, NULL));
    }
    unchanged(a, &r, "NULL buffer with an empty box");

    /* Accumulate operations not valid for the type, and unknown ops. */
    RESET();
    REF_CASE("%s, type %s, invalid ops", m->desc, ref_type_name(t));
    const int cplx = t == DA_COMPLEX_FLOAT || t == DA_COMPLEX_DOUBLE;
    const int flt = t == DA_FLOAT || t == DA_DOUBLE;
    if (cplx) {
        EXPECT(DA_ERR_OP, da_acc(a, DA_OP_MIN, NULL, lo, hi, NULL, buf, NULL));
        EXPECT(DA_ERR_OP, da_acc(a, DA_OP_MAX, NULL, lo, hi, NULL, buf, NULL));
    }
    if (cplx || flt) {
        EXPECT(DA_ERR_OP, da_acc(a, DA_OP_BAND, NULL, lo, hi, NULL, buf, NULL));
        EXPECT(DA_ERR_OP, da_acc(a, DA_OP_BOR, NULL, lo, hi, NULL, buf, NULL));
        EXPECT(DA_ERR_OP, da_acc(a, DA_OP_BXOR, NULL, lo, hi, NULL, buf, NULL));
    }
    EXPECT(DA_ERR_OP, da_acc(a, (da_op_t)99, NULL, lo, hi, NULL, buf, NULL));
    EXPECT(DA_ERR_OP, da_acc(a, (da_op_t)-1, NULL, lo, hi, NULL, buf, NULL));
    EXPECT(DA_ERR_OP, da_acc(a, (da_op_t)(DA_OP_BXOR + 1), NULL, lo, hi, NULL, buf, NULL));
    unchanged(a, &r, "invalid accumulate operation");

    free(buf);
    free(getbuf);
    CHECKC_DA(da_array_destroy(&a));
    CHECKC(a == NULL, "da_array_destroy did not set the handle to NULL");
    ref_free(&r);
#undef RESET
#undef ALL3
}

/* Opaque arrays: any accumulate is DA_ERR_TYPE; put/get work. */
static void opaque_errors(const ref_map_t *m)
{
    REF_CASE("%s, opaque 12 bytes, accumulate", m->desc);
    da_array_t *a = NULL;
    CHECKC_DA(da_array_create_opaque(MPI_COMM_WORLD, 12, m->d, &a));
    ref_array_t r;
    ref_init(&r, m->ndim, m->shape, DA_OPAQUE, 12);
    fill(a, &r, 99);
    int64_t lo[DA_MAX_NDIM] = {0};
    unsigned char *buf = malloc((size_t)r.total * 12);
    CHECK(buf, "out of memory");
    memset(buf, 1, (size_t)r.total * 12);
    for (int op = DA_OP_SUM; op <= DA_OP_BXOR; op++) {
        REF_CASE("%s, opaque 12 bytes, da_acc op %s", m->desc, ref_op_name((da_op_t)op));
        EXPECT(DA_ERR_TYPE, da_acc(a, (da_op_t)op, NULL, lo, m->shape, NULL, buf, NULL));
    }
    unchanged(a, &r, "accumulate on an opaque array");
    free(buf);
    CHECKC_DA(da_array_destroy(&a));
    ref_free(&r);
}

/* Handles: destroyed, foreign, wrong kind, NULL. */
static void handle_errors(const ref_map_t *m)
{
    REF_CASE("%s, handles", m->desc);
    da_array_t *a = NULL;
    CHECKC_DA(da_array_create(MPI_COMM_WORLD, DA_DOUBLE, m->d, &a));
    da_array_t *stale = a;
    CHECKC_DA(da_array_destroy(&a));
    CHECKC(a == NULL, "da_array_destroy did not set the handle to NULL");

    int64_t lo[DA_MAX_NDIM] = {0}, hi[DA_MAX_NDIM];
    for (int i = 0; i < m->ndim; i++) hi[i] = 1;
    double v[1] = {1.0};
    int ndim;
    int64_t shape[DA_MAX_NDIM];
    da_type_t t;
    size_t es;
    da_dist_t *d = NULL;
    MPI_Comm c;
    void *ptr;
    int shared;
    da_array_t *out = NULL;

    struct {
        const char *name;
        da_array_t *h;
    } bad[3];
    long foreign[16] = {0};
    bad[0].name = "destroyed handle";
    bad[0].h = stale;
    bad[1].name = "foreign pointer";
    bad[1].h = (da_array_t *)(void *)foreign;
    bad[2].name = "a map handle passed as an array";
    bad[2].h = (da_array_t *)(void *)m->d;
    for (int k = 0; k < 3; k++) {
        da_array_t *h = bad[k].h;
        REF_CASE("%s, %s", m->desc, bad[k].name);
        EXPECT(DA_ERR_HANDLE, da_get(h, lo, hi, NULL, v, NULL));
        EXPECT(DA_ERR_HANDLE, da_put(h, lo, hi, NULL, v, NULL));
        EXPECT(DA_ERR_HANDLE, da_acc(h, DA_OP_SUM, NULL, lo, hi, NULL, v, NULL));
        EXPECT(DA_ERR_HANDLE, da_array_ndim(h, &ndim));
        EXPECT(DA_ERR_HANDLE, da_array_shape(h, shape));
        EXPECT(DA_ERR_HANDLE, da_array_type(h, &t, &es));
        EXPECT(DA_ERR_HANDLE, da_array_dist(h, &d));
        EXPECT(DA_ERR_HANDLE, da_array_comm(h, &c));
        EXPECT(DA_ERR_HANDLE, da_array_local(h, &ptr, NULL, NULL));
        EXPECT(DA_ERR_HANDLE, da_array_local_box(h, lo, hi));
        EXPECT(DA_ERR_HANDLE, da_array_shares_memory_with(h, 0, &shared));
        EXPECT(DA_ERR_HANDLE, da_flush(h));
        /* collective calls: every rank makes the same bad call */
        EXPECT(DA_ERR_HANDLE, da_sync(h));
        EXPECT(DA_ERR_HANDLE, da_array_dup(h, &out));
        CHECKC(out == NULL, "da_array_dup of a bad handle produced an array");
        da_array_t *copy = h;
        EXPECT(DA_ERR_HANDLE, da_array_destroy(&copy));
        for (int i = 0; i < m->ndim; i++) hi[i] = 1;
        for (int i = 0; i < m->ndim; i++) lo[i] = 0;
    }
    CHECK(foreign[0] == 0 && foreign[15] == 0, "the foreign pointer's memory was written");

    REF_CASE("%s, NULL handle", m->desc);
    EXPECT(DA_ERR_NULL, da_get(NULL, lo, hi, NULL, v, NULL));
    EXPECT(DA_ERR_NULL, da_put(NULL, lo, hi, NULL, v, NULL));
    EXPECT(DA_ERR_NULL, da_acc(NULL, DA_OP_SUM, NULL, lo, hi, NULL, v, NULL));
    EXPECT(DA_ERR_NULL, da_array_ndim(NULL, &ndim));
    EXPECT(DA_ERR_NULL, da_array_shape(NULL, shape));
    EXPECT(DA_ERR_NULL, da_array_dist(NULL, &d));
    EXPECT(DA_ERR_NULL, da_array_comm(NULL, &c));
    EXPECT(DA_ERR_NULL, da_array_local(NULL, &ptr, NULL, NULL));
    EXPECT(DA_ERR_NULL, da_array_shares_memory_with(NULL, 0, &shared));
    EXPECT(DA_ERR_NULL, da_flush(NULL));
    EXPECT(DA_ERR_NULL, da_sync(NULL));
    EXPECT(DA_ERR_NULL, da_array_dup(NULL, &out));
    EXPECT(DA_ERR_NULL, da_array_destroy(NULL));

    /* NULL outputs of a live array, and out-of-range ranks. */
    CHECKC_DA(da_array_create(MPI_COMM_WORLD, DA_DOUBLE, m->d, &a));
    REF_CASE("%s, NULL outputs on a live array", m->desc);
    EXPECT(DA_ERR_NULL, da_array_ndim(a, NULL));
    EXPECT(DA_ERR_NULL, da_array_shape(a, NULL));
    EXPECT(DA_ERR_NULL, da_array_dist(a, NULL));
    EXPECT(DA_ERR_NULL, da_array_comm(a, NULL));
    EXPECT(DA_ERR_NULL, da_array_dup(a, NULL));
    EXPECT(DA_ERR_NULL, da_array_shares_memory_with(a, 0, NULL));
    EXPECT(DA_SUCCESS, da_array_local(a, NULL, NULL, NULL)); /* any output may be NULL */
    REF_CASE("%s, da_array_shares_memory_with out of range", m->desc);
    EXPECT(DA_ERR_RANK, da_array_shares_memory_with(a, -1, &shared));
    EXPECT(DA_ERR_RANK, da_array_shares_memory_with(a, g_np, &shared));
    CHECKC_DA(da_array_destroy(&a));
}

/* Creation errors, all ranks passing the same bad arguments. */
static void create_errors(const ref_map_t *m)
{
    da_array_t *a = NULL;
    REF_CASE("%s, da_array_create with bad arguments", m->desc);
    EXPECT(DA_ERR_TYPE, da_array_create(MPI_COMM_WORLD, (da_type_t)99, m->d, &a));
    CHECKC(a == NULL, "failed create produced an array");
    EXPECT(DA_ERR_TYPE, da_array_create(MPI_COMM_WORLD, (da_type_t)-1, m->d, &a));
    CHECKC(a == NULL, "failed create produced an array");
    EXPECT(DA_ERR_TYPE, da_array_create(MPI_COMM_WORLD, (da_type_t)(DA_OPAQUE + 1), m->d, &a));
    CHECKC(a == NULL, "failed create produced an array");
    EXPECT(DA_ERR_NULL, da_array_create(MPI_COMM_WORLD, DA_INT32, NULL, &a));
    EXPECT(DA_ERR_NULL, da_array_create(MPI_COMM_WORLD, DA_INT32, m->d, NULL));
    EXPECT(DA_ERR_NULL, da_array_create_opaque(MPI_COMM_WORLD, 8, NULL, &a));
    EXPECT(DA_ERR_NULL, da_array_create_opaque(MPI_COMM_WORLD, 8, m->d, NULL));
    CHECKC(a == NULL, "failed create produced an array");
    {
        /* a map handle that is not live */
        da_dist_t *dd = NULL;
        CHECKC_DA(da_dist_dup(m->d, &dd));
        da_dist_t *stale = dd;
        CHECKC_DA(da_dist_destroy(&dd));
        EXPECT(DA_ERR_HANDLE, da_array_create(MPI_COMM_WORLD, DA_INT32, stale, &a));
        CHECKC(a == NULL, "failed create produced an array");
    }
    {
        /* opaque element size 0, and DA_OPAQUE through da_array_create
         * (no size): the header names no code, so any error is accepted */
        int rc = da_array_create_opaque(MPI_COMM_WORLD, 0, m->d, &a);
        CHECKC(rc != DA_SUCCESS && a == NULL, "da_array_create_opaque with elem_size 0 returned %d", rc);
        CHECKC(*da_strerror(rc) && *da_last_error(), "empty messages for %d", rc);
        if (g_me == 0) printf("  create_opaque(elem_size 0) -> %d (%s)\n", rc, da_strerror(rc));
        rc = da_array_create(MPI_COMM_WORLD, DA_OPAQUE, m->d, &a);
        if (rc == DA_SUCCESS) {
            CHECKC_DA(da_array_destroy(&a));
        }
        if (g_me == 0) printf("  create(DA_OPAQUE) -> %d (%s)\n", rc, da_strerror(rc));
    }

    /* A map over a different number of ranks. */
    {
        int64_t shape[1] = {10};
        da_dim_spec_t dim = DA_DIM_BLOCK;
        da_dist_t *d2 = NULL;
        CHECKC_DA(da_dist_create(1, shape, &dim, NULL, g_np + 1, &d2));
        REF_CASE("map over %d ranks on a communicator of %d", g_np + 1, g_np);
        int rc = da_array_create(MPI_COMM_WORLD, DA_INT32, d2, &a);
        CHECKC(rc == DA_ERR_GRID || rc == DA_ERR_COLLECTIVE,
               "expected DA_ERR_GRID or DA_ERR_COLLECTIVE, got %d (%s): %s", rc, da_strerror(rc), da_last_error());
        CHECKC(*da_strerror(rc) && *da_last_error(), "empty messages for %d", rc);
        CHECKC(a == NULL, "failed create produced an array");
        if (g_me == 0) printf("  map over %d ranks on %d -> %d (%s)\n", g_np + 1, g_np, rc, da_strerror(rc));
        g_checks++;
        CHECKC_DA(da_dist_destroy(&d2));
        if (g_np > 1) {
            /* a map over all ranks, on MPI_COMM_SELF */
            REF_CASE("map over %d ranks on MPI_COMM_SELF", g_np);
            rc = da_array_create(MPI_COMM_SELF, DA_INT32, m->d, &a);
            CHECKC(rc == DA_ERR_GRID || rc == DA_ERR_COLLECTIVE,
                   "expected DA_ERR_GRID or DA_ERR_COLLECTIVE, got %d (%s): %s", rc, da_strerror(rc),
                   da_last_error());
            CHECKC(a == NULL, "failed create produced an array");
            g_checks++;
        }
    }
}

/* Ranks pass different arguments: every rank gets DA_ERR_COLLECTIVE. */
static void mismatch(const char *what, da_type_t t, size_t opaque, const da_dist_t *d)
{
    REF_CASE("mismatched collective arguments: %s (this rank passes type %s, size %zu)", what, ref_type_name(t),
             opaque);
    da_array_t *a = NULL;
    int rc = opaque ? da_array_create_opaque(MPI_COMM_WORLD, opaque, d, &a)
                    : da_array_create(MPI_COMM_WORLD, t, d, &a);
    CHECKC(rc == DA_ERR_COLLECTIVE, "expected DA_ERR_COLLECTIVE (%d), got %d (%s): %s", DA_ERR_COLLECTIVE, rc,
           da_strerror(rc), da_last_error());
    CHECKC(*da_last_error(), "da_last_error empty");
    CHECKC(a == NULL, "a failed collective create left an array");
    g_checks++;
    /* all ranks agree it failed */
    int mx = 0, mn = 0;
    MPI_Allreduce(&rc, &mx, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    MPI_Allreduce(&rc, &mn, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    CHECKC(mx == mn, "ranks got different codes (%d .. %d)", mn, mx);
}

static void mismatch_errors(th_rng_t *rng)
{
    if (g_np < 2) return;
    const int last = g_np - 1;
    int64_t shape2[2] = {6, 5};
    ref_map_t block, cyclic, other_shape, bc2, bc3;
    ref_map_build(&block, rng, 2, shape2, (int[]){REF_K_BLOCK, REF_K_BLOCK}, NULL, g_np);
    ref_map_build(&cyclic, rng, 2, shape2, (int[]){REF_K_CYCLIC, REF_K_BLOCK}, NULL, g_np);
    ref_map_build(&other_shape, rng, 2, (int64_t[]){6, 6}, (int[]){REF_K_BLOCK, REF_K_BLOCK}, NULL, g_np);
    ref_map_build(&bc2, rng, 2, shape2, (int[]){REF_K_BC2, REF_K_NONE}, NULL, g_np);
    ref_map_build(&bc3, rng, 2, shape2, (int[]){REF_K_BC3, REF_K_NONE}, NULL, g_np);
    /* irregular and unstructured maps that differ only in their split points / lists */
    int64_t n = 12;
    int64_t s1[64], s2[64];
    for (int c = 0; c < g_np; c++) s1[c] = s2[c] = c * 2;
    s2[1] = 1;
    da_dim_spec_t i1 = DA_DIM_IRREGULAR(g_np, s1), i2 = DA_DIM_IRREGULAR(g_np, s2);
    da_dist_t *di1 = NULL, *di2 = NULL;
    CHECK_DA(da_dist_create(1, &n, &i1, NULL, g_np, &di1));
    CHECK_DA(da_dist_create(1, &n, &i2, NULL, g_np, &di2));
    int64_t idx1[12], idx2[12], cnt[64];
    const int64_t *l1[64], *l2[64];
    for (int64_t j = 0; j < n; j++) idx1[j] = idx2[j] = j;
    idx2[0] = 1; /* swap two indices inside part 0: same counts, different lists */
    idx2[1] = 0;
    for (int c = 0; c < g_np; c++) cnt[c] = 0;
    cnt[0] = n - (g_np - 1);
    for (int c = 1; c < g_np; c++) cnt[c] = 1;
    int64_t off = 0;
    for (int c = 0; c < g_np; c++) {
        l1[c] = idx1 + off;
        l2[c] = idx2 + off;
        off += cnt[c];
    }
    da_dim_spec_t u1 = DA_DIM_UNSTRUCTURED(g_np, l1, cnt), u2 = DA_DIM_UNSTRUCTURED(g_np, l2, cnt);
    da_dist_t *du1 = NULL, *du2 = NULL;
    CHECK_DA(da_dist_create(1, &n, &u1, NULL, g_np, &du1));
    CHECK_DA(da_dist_create(1, &n, &u2, NULL, g_np, &du2));

    mismatch("rank 0 passes int32, the others double", g_me == 0 ? DA_INT32 : DA_DOUBLE, 0, block.d);
    mismatch("last rank passes int64, the others int32", g_me == last ? DA_INT64 : DA_INT32, 0, block.d);
    mismatch("rank 0 passes complex float, the others int64 (same size)", g_me == 0 ? DA_COMPLEX_FLOAT : DA_INT64, 0,
             block.d);
    mismatch("opaque sizes 12 on rank 0, 8 on the others", DA_OPAQUE, g_me == 0 ? 12 : 8, block.d);
    mismatch("rank 0 passes a block map, the others cyclic", DA_DOUBLE, 0, g_me == 0 ? block.d : cyclic.d);
    mismatch("last rank passes shape 6x6, the others 6x5", DA_DOUBLE, 0, g_me == last ? other_shape.d : block.d);
    mismatch("block-cyclic block size 2 on rank 0, 3 on the others", DA_DOUBLE, 0, g_me == 0 ? bc2.d : bc3.d);
    mismatch("irregular split points differ on the last rank", DA_DOUBLE, 0, g_me == last ? di2 : di1);
    mismatch("unstructured index lists differ on rank 0", DA_DOUBLE, 0, g_me == 0 ? du2 : du1);

    /* One rank passes a bad argument, the others good ones: that rank gets
     * its own error, the others an error too (DA_ERR_COLLECTIVE), nobody
     * hangs and no array exists anywhere. */
    {
        da_array_t *a = NULL;
        REF_CASE("rank 0 passes type 99 to da_array_create, the others int32");
        int rc = da_array_create(MPI_COMM_WORLD, g_me == 0 ? (da_type_t)99 : DA_INT32, block.d, &a);
        if (g_me == 0) CHECKC(rc == DA_ERR_TYPE, "expected DA_ERR_TYPE, got %d (%s)", rc, da_strerror(rc));
        else CHECKC(rc == DA_ERR_COLLECTIVE, "expected DA_ERR_COLLECTIVE, got %d (%s)", rc, da_strerror(rc));
        CHECKC(a == NULL && *da_last_error(), "array %p, message '%s'", (void *)a, da_last_error());
        REF_CASE("last rank passes a NULL map to da_array_create, the others a good one");
        rc = da_array_create(MPI_COMM_WORLD, DA_INT32, g_me == last ? NULL : block.d, &a);
        if (g_me == last) CHECKC(rc == DA_ERR_NULL, "expected DA_ERR_NULL, got %d (%s)", rc, da_strerror(rc));
        else CHECKC(rc == DA_ERR_COLLECTIVE, "expected DA_ERR_COLLECTIVE, got %d (%s)", rc, da_strerror(rc));
        CHECKC(a == NULL && *da_last_error(), "array %p, message '%s'", (void *)a, da_last_error());
        REF_CASE("rank 0 passes opaque size 0 to da_array_create_opaque, the others 8");
        rc = da_array_create_opaque(MPI_COMM_WORLD, g_me == 0 ? 0 : 8, block.d, &a);
        if (g_me == 0) CHECKC(rc != DA_SUCCESS && rc != DA_ERR_COLLECTIVE, "expected its own error, got %d (%s)", rc,
                              da_strerror(rc));
        else CHECKC(rc == DA_ERR_COLLECTIVE, "expected DA_ERR_COLLECTIVE, got %d (%s)", rc, da_strerror(rc));
        CHECKC(a == NULL && *da_last_error(), "array %p, message '%s'", (void *)a, da_last_error());
        g_checks += 3;
    }

    /* The next collective call works: a good create, a put, a get. */
    REF_CASE("create after failed collective creates");
    da_array_t *a = NULL;
    CHECKC_DA(da_array_create(MPI_COMM_WORLD, DA_DOUBLE, block.d, &a));
    ref_array_t r;
    ref_init(&r, 2, shape2, DA_DOUBLE, 8);
    fill(a, &r, 123);
    unchanged(a, &r, "failed collective creates");
    CHECKC_DA(da_array_destroy(&a));
    ref_free(&r);

    da_dist_destroy(&di1);
    da_dist_destroy(&di2);
    da_dist_destroy(&du1);
    da_dist_destroy(&du2);
    ref_map_free(&block);
    ref_map_free(&cyclic);
    ref_map_free(&other_shape);
    ref_map_free(&bc2);
    ref_map_free(&bc3);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_me);
    MPI_Comm_size(MPI_COMM_WORLD, &g_np);
    double t0 = MPI_Wtime();
    th_rng_t rng = th_rng_seed(31337);

    ref_map_t m3, m1, m2;
    ref_map_build(&m3, &rng, 3, (int64_t[]){4, 3, 5}, (int[]){REF_K_BLOCK, REF_K_CYCLIC, REF_K_BC2}, NULL, g_np);
    ref_map_build(&m1, &rng, 1, (int64_t[]){7}, (int[]){REF_K_UNSTR}, NULL, g_np);
    ref_map_build(&m2, &rng, 2, (int64_t[]){2, 9}, (int[]){REF_K_IRREG, REF_K_BLOCK_GA}, NULL, g_np);

    /* (creations are slow when ranks oversubscribe the cores: fewer arrays at 3+ ranks) */
    box_errors(&m3, DA_INT32);
    box_errors(&m1, DA_DOUBLE);
    box_errors(&m2, DA_COMPLEX_FLOAT);
    if (g_np <= 2) {
        box_errors(&m3, DA_COMPLEX_DOUBLE);
        box_errors(&m2, DA_FLOAT);
        box_errors(&m1, DA_INT64);
        opaque_errors(&m1);
    }
    opaque_errors(&m3);
    handle_errors(&m3);
    create_errors(&m2);
    mismatch_errors(&rng);

    ref_map_free(&m3);
    ref_map_free(&m1);
    ref_map_free(&m2);
    double dt = MPI_Wtime() - t0;
    if (g_me == 0) printf("array_errors: %d error checks on %d ranks, %.2f s\n", g_checks, g_np, dt);
    MPI_Finalize();
    return 0;
}
