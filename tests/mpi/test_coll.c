/* Whole-array operations against references on full local copies: fill,
 * zero, scale, abs, add (with aliasing), elementwise multiply, divide, min,
 * max, dot, sum, min/max with location (ties), norms and apply, on every
 * numeric type, whole and on boxes, operands on different maps (the
 * redistribution path) and on the same map (the local path); NaN rules;
 * type and argument errors, with nothing modified.
 */
#include "test_coll_util.h"

typedef long double complex lc;

static int nranks, rank;
static const int64_t shape[2] = {6, 7};
#define N 42

static lc get(da_type_t t, const char *p)
{
    switch (t) {
    case DA_INT32: return *(const int32_t *)p;
    case DA_INT64: return *(const int64_t *)p;
    case DA_FLOAT: return *(const float *)p;
    case DA_DOUBLE: return *(const double *)p;
    case DA_COMPLEX_FLOAT: return *(const float complex *)p;
    default: return *(const double complex *)p;
    }
}

static void set(da_type_t t, char *p, lc v)
{
    switch (t) {
    case DA_INT32: *(int32_t *)p = (int32_t)(int64_t)creall(v); break;
    case DA_INT64: *(int64_t *)p = (int64_t)creall(v); break;
    case DA_FLOAT: *(float *)p = (float)creall(v); break;
    case DA_DOUBLE: *(double *)p = (double)creall(v); break;
    case DA_COMPLEX_FLOAT: *(float complex *)p = (float complex)v; break;
    default: *(double complex *)p = (double complex)v;
    }
}

/* sqrt and |z| without libm (the test links only darray): Newton's method */
static long double my_sqrtl(long double x)
{
    if (!(x > 0) || x == (long double)INFINITY) return x;
    long double r = x > 1 ? x : 1;
    for (int i = 0; i < 2000; i++) {
        long double n = (r + x / r) / 2;
        if (n == r) break;
        r = n;
    }
    return r;
}
#define sqrtl my_sqrtl
#define cabsl(z) my_sqrtl(creall(z) * creall(z) + cimagl(z) * cimagl(z))

static int is_cplx(da_type_t t) { return t == DA_COMPLEX_FLOAT || t == DA_COMPLEX_DOUBLE; }
static int is_int(da_type_t t) { return t == DA_INT32 || t == DA_INT64; }
static double tol_of(da_type_t t) { return t == DA_FLOAT || t == DA_COMPLEX_FLOAT ? 1e-6 : 1e-13; }

/* linear index of box position k (row-major over ext) in an array of `shape` */
static int64_t at(const int64_t *lo, const int64_t *ext, int64_t k)
{
    int64_t g1 = lo[1] + k % ext[1], g0 = lo[0] + k / ext[1];
    return g0 * shape[1] + g1;
}

static void check_scalar(da_type_t t, const void *got, lc want, const char *what)
{
    char w[16], b1[96], b2[96];
    set(t, w, want);
    CHECK(tu_close(t, got, w, tu_esize(t, 0), tol_of(t) * 10), "%s: %s, expected %s", what,
          tu_fmt(t, got, tu_esize(t, 0), b1, sizeof b1), tu_fmt(t, w, tu_esize(t, 0), b2, sizeof b2));
}

static void check_double(double got, long double want, double tol, const char *what)
{
    CHECK((isnan(got) && isnan((double)want)) || fabsl(got - want) <= tol * (fabsl(want) + 1e-300) || got == want,
          "%s: %.17g, expected %.17Lg", what, got, want);
}

/* ---- apply callback: x[g] = 10*g0 + g1 + 0.5 (or the integer part) ---- */
typedef struct {
    da_type_t t;
    size_t es;
} apply_ctx_t;

static int apply_fn(void *elems, int64_t count, const int64_t *g, int64_t gstep, void *user)
{
    apply_ctx_t *c = user;
    for (int64_t i = 0; i < count; i++) {
        lc v = 10 * g[0] + g[1] + i * gstep + (is_int(c->t) ? 0 : 0.5L);
        set(c->t, (char *)elems + i * (int64_t)c->es, v);
    }
    return 0;
}

static int apply_fail(void *elems, int64_t count, const int64_t *g, int64_t gstep, void *user)
{
    (void)elems, (void)count, (void)g, (void)gstep, (void)user;
    return 7;
}

static void one_type(da_type_t t, da_array_t *x, da_array_t *y)
{
    size_t es = tu_esize(t, 0);
    char what[128], *rx = tu_make_ref(t, es, N, 11 + t, 100), *ry = tu_make_ref(t, es, N, 21 + t, 100);
    char alpha[16], beta[16], res[16];
    double tol = tol_of(t);
    const char *tn = tu_type_name(t);
#define W(...) (snprintf(what, sizeof what, __VA_ARGS__), what)
    tu_store(x, rx);
    tu_store(y, ry);

    /* fill / zero on boxes, scale and abs on the whole array */
    int64_t blo[2] = {1, 2}, bhi[2] = {5, 6}, bext[2] = {4, 4};
    set(t, alpha, is_cplx(t) ? CMPLXL(2.5L, -1) : 2.5L);
    CHECK_DA(da_fill_box(x, blo, bhi, alpha));
    for (int64_t k = 0; k < 16; k++) memcpy(rx + at(blo, bext, k) * (int64_t)es, alpha, es);
    tu_check_local(x, rx, 0, W("%s fill_box", tn));
    int64_t zlo[2] = {0, 0}, zhi[2] = {2, 7}, zext[2] = {2, 7};
    CHECK_DA(da_zero_box(y, zlo, zhi));
    for (int64_t k = 0; k < 14; k++) set(t, ry + at(zlo, zext, k) * (int64_t)es, 0);
    tu_check_local(y, ry, 0, W("%s zero_box", tn));
    tu_store(y, ry = (free(ry), tu_make_ref(t, es, N, 21 + t, 100)));
    set(t, alpha, is_cplx(t) ? CMPLXL(-3, 0.5L) : -3);
    CHECK_DA(da_scale(x, alpha));
    for (int i = 0; i < N; i++) set(t, rx + i * (int64_t)es, get(t, alpha) * get(t, rx + i * (int64_t)es));
    tu_check_local(x, rx, tol, W("%s scale", tn));
    CHECK_DA(da_abs(x));
    for (int i = 0; i < N; i++) {
        lc v = get(t, rx + i * (int64_t)es);
        set(t, rx + i * (int64_t)es, is_cplx(t) ? cabsl(v) : fabsl(creall(v)));
    }
    tu_check_local(x, rx, tol, W("%s abs", tn));
    tu_store(x, rx = (free(rx), tu_make_ref(t, es, N, 11 + t, 100)));

    /* add: C = A (aliased), B on another map; then all three the same array */
    set(t, alpha, 3);
    set(t, beta, is_cplx(t) ? CMPLXL(0, 2) : -2);
    CHECK_DA(da_add(alpha, x, beta, y, x));
    for (int i = 0; i < N; i++)
        set(t, rx + i * (int64_t)es, get(t, alpha) * get(t, rx + i * (int64_t)es) + get(t, beta) * get(t, ry + i * (int64_t)es));
    tu_check_local(x, rx, tol, W("%s add c=a", tn));
    CHECK_DA(da_add(alpha, y, beta, y, y));
    for (int i = 0; i < N; i++) set(t, ry + i * (int64_t)es, (get(t, alpha) + get(t, beta)) * get(t, ry + i * (int64_t)es));
    tu_check_local(y, ry, tol, W("%s add all aliased", tn));
    /* boxes at other corners of one array: the redistribution path */
    int64_t alo[2] = {0, 0}, ahi[2] = {3, 4}, clo[2] = {3, 3}, chi[2] = {6, 7}, ext[2] = {3, 4};
    CHECK_DA(da_add_box(alpha, x, alo, ahi, beta, y, clo, chi, x, clo, chi));
    {
        lc tmp[12];
        for (int k = 0; k < 12; k++)
            tmp[k] = get(t, alpha) * get(t, rx + at(alo, ext, k) * (int64_t)es) + get(t, beta) * get(t, ry + at(clo, ext, k) * (int64_t)es);
        for (int k = 0; k < 12; k++) set(t, rx + at(clo, ext, k) * (int64_t)es, tmp[k]);
    }
    tu_check_local(x, rx, tol, W("%s add_box", tn));
    tu_store(x, rx = (free(rx), tu_make_ref(t, es, N, 31 + t, 100)));
    tu_store(y, ry = (free(ry), tu_make_ref(t, es, N, 41 + t, 100)));

    /* multiply: C = B on another map than A */
    CHECK_DA(da_elem_multiply(x, y, y));
    for (int i = 0; i < N; i++) set(t, ry + i * (int64_t)es, get(t, rx + i * (int64_t)es) * get(t, ry + i * (int64_t)es));
    tu_check_local(y, ry, tol, W("%s multiply", tn));

    /* divide: a zero divisor is refused for integers before anything changes */
    if (is_int(t)) {
        set(t, alpha, 0);
        int64_t one_lo[2] = {4, 5}, one_hi[2] = {5, 6};
        CHECK_DA(da_fill_box(x, one_lo, one_hi, alpha));
        set(t, rx + (4 * 7 + 5) * (int64_t)es, 0);
        TU_CHECK_ERR(da_elem_divide(y, x, y), DA_ERR_ARG);
        CHECK(strstr(da_last_error(), "[4, 5]"), "divide: message without the coordinate: %s", da_last_error());
        tu_check(y, ry, 0, W("%s after refused divide", tn));
        set(t, alpha, -3);
        CHECK_DA(da_fill(x, alpha));
        for (int i = 0; i < N; i++) memcpy(rx + i * (int64_t)es, alpha, es);
    } else {
        for (int i = 0; i < N; i++) /* no zero divisors: keep the reference finite */
            if (get(t, rx + i * (int64_t)es) == 0) set(t, rx + i * (int64_t)es, 0.75L);
        tu_store(x, rx);
    }
    CHECK_DA(da_elem_divide(y, x, y));
    for (int i = 0; i < N; i++) {
        lc q = get(t, ry + i * (int64_t)es) / get(t, rx + i * (int64_t)es);
        if (is_int(t)) q = (long double)(int64_t)creall(q); /* truncation toward zero */
        set(t, ry + i * (int64_t)es, q);
    }
    tu_check_local(y, ry, tol, W("%s divide", tn));
    tu_store(x, rx = (free(rx), tu_make_ref(t, es, N, 51 + t, 100)));
    tu_store(y, ry = (free(ry), tu_make_ref(t, es, N, 61 + t, 100)));

    /* min / max: real types; boxes, C = A */
    if (!is_cplx(t)) {
        CHECK_DA(da_elem_min_box(x, alo, ahi, y, clo, chi, x, alo, ahi));
        CHECK_DA(da_elem_max(x, y, y));
        for (int k = 0; k < 12; k++) {
            lc a = get(t, rx + at(alo, ext, k) * (int64_t)es), b = get(t, ry + at(clo, ext, k) * (int64_t)es);
            set(t, rx + at(alo, ext, k) * (int64_t)es, creall(b) < creall(a) ? b : a);
        }
        for (int i = 0; i < N; i++) {
            lc a = get(t, rx + i * (int64_t)es), b = get(t, ry + i * (int64_t)es);
            set(t, ry + i * (int64_t)es, creall(a) > creall(b) ? a : b);
        }
        tu_check_local(x, rx, 0, W("%s elem_min_box", tn));
        tu_check_local(y, ry, 0, W("%s elem_max", tn));
    } else {
        TU_CHECK_ERR(da_elem_min(x, y, y), DA_ERR_TYPE);
        TU_CHECK_ERR(da_max(x, res, NULL), DA_ERR_TYPE);
    }

    /* reductions */
    lc sum = 0, dot = 0, bsum = 0;
    long double n1 = 0, n2 = 0, ninf = 0;
    for (int i = 0; i < N; i++) {
        lc a = get(t, rx + i * (int64_t)es), b = get(t, ry + i * (int64_t)es);
        sum += a;
        dot += a * b;
        long double m = is_cplx(t) ? cabsl(a) : fabsl(creall(a));
        n1 += m;
        n2 += m * m;
        if (m > ninf) ninf = m;
    }
    for (int k = 0; k < 12; k++) bsum += get(t, rx + at(clo, ext, k) * (int64_t)es);
    CHECK_DA(da_sum(x, res));
    check_scalar(t, res, sum, W("%s sum", tn));
    CHECK_DA(da_sum_box(x, clo, chi, res));
    check_scalar(t, res, bsum, W("%s sum_box", tn));
    CHECK_DA(da_dot(x, y, res));
    check_scalar(t, res, dot, W("%s dot", tn));
    double d;
    CHECK_DA(da_norm1(x, &d));
    check_double(d, n1, 1e-12, W("%s norm1", tn));
    CHECK_DA(da_norm2(x, &d));
    check_double(d, sqrtl(n2), 1e-12, W("%s norm2", tn));
    CHECK_DA(da_norminf(x, &d));
    check_double(d, ninf, 1e-12, W("%s norminf", tn));
    if (!is_cplx(t)) {
        /* extremes: values in [-100, 100] over 42 elements, ties likely; first in C order wins */
        for (int which = 0; which < 2; which++) {
            int best = 0;
            for (int i = 1; i < N; i++) {
                long double v = creall(get(t, rx + i * (int64_t)es)), b = creall(get(t, rx + best * (int64_t)es));
                if (which ? v > b : v < b) best = i;
            }
            int64_t loc[2] = {-1, -1};
            CHECK_DA(which ? da_max(x, res, loc) : da_min(x, res, loc));
            check_scalar(t, res, get(t, rx + best * (int64_t)es), W("%s %s", tn, which ? "max" : "min"));
            CHECK(loc[0] == best / 7 && loc[1] == best % 7, "%s %s: at [%lld, %lld], expected [%d, %d]", tn,
                  which ? "max" : "min", (long long)loc[0], (long long)loc[1], best / 7, best % 7);
        }
        /* a tie made on purpose: the smallest value at two places */
        set(t, alpha, t == DA_INT64 ? -1e15L : -1000); /* below every value */
        int64_t t1[2] = {5, 1}, t1h[2] = {6, 2}, t2[2] = {2, 6}, t2h[2] = {3, 7};
        CHECK_DA(da_fill_box(x, t1, t1h, alpha));
        CHECK_DA(da_fill_box(x, t2, t2h, alpha));
        int64_t loc[2];
        CHECK_DA(da_min(x, res, loc));
        CHECK(loc[0] == 2 && loc[1] == 6, "%s min tie: at [%lld, %lld], expected [2, 6]", tn, (long long)loc[0],
              (long long)loc[1]);
        CHECK_DA(da_min_box(x, clo, chi, res, loc)); /* box [3:6, 3:7]: neither tie inside */
        int best = -1;
        for (int k = 0; k < 12; k++) {
            int64_t i = at(clo, ext, k);
            if (best < 0 || creall(get(t, rx + i * (int64_t)es)) < creall(get(t, rx + best * (int64_t)es))) best = (int)i;
        }
        CHECK(loc[0] == best / 7 && loc[1] == best % 7, "%s min_box at [%lld, %lld], expected [%d, %d]", tn,
              (long long)loc[0], (long long)loc[1], best / 7, best % 7);
    }

    /* apply with global coordinates, on a box */
    apply_ctx_t ac = {t, es};
    CHECK_DA(da_apply_box(y, alo, ahi, apply_fn, &ac));
    for (int k = 0; k < 12; k++) {
        int64_t i = at(alo, ext, k);
        set(t, ry + i * (int64_t)es, 10 * (i / 7) + i % 7 + (is_int(t) ? 0 : 0.5L));
    }
    tu_check(y, ry, 0, W("%s apply_box", tn));
    free(rx);
    free(ry);
#undef W
}

static void nan_rules(da_array_t *x)
{
    double r[N];
    for (int i = 0; i < N; i++) r[i] = i % 5 - 2.0;
    r[20] = NAN;
    r[9] = NAN;
    r[30] = -INFINITY;
    tu_store(x, r);
    double v, d;
    int64_t loc[2];
    CHECK_DA(da_min(x, &v, loc));
    CHECK(isnan(v) && loc[0] == 1 && loc[1] == 2, "min with NaN: %g at [%lld, %lld]", v, (long long)loc[0],
          (long long)loc[1]);
    CHECK_DA(da_max(x, &v, loc));
    CHECK(isnan(v) && loc[0] == 1 && loc[1] == 2, "max with NaN: %g at [%lld, %lld]", v, (long long)loc[0],
          (long long)loc[1]);
    CHECK_DA(da_norm1(x, &d));
    CHECK(isnan(d), "norm1 with NaN: %g", d);
    CHECK_DA(da_norminf(x, &d));
    CHECK(isnan(d), "norminf with NaN: %g", d);
    CHECK_DA(da_sum(x, &v));
    CHECK(isnan(v), "sum with NaN: %g", v);
    /* a box without the NaNs: -inf is the minimum */
    int64_t lo[2] = {3, 0}, hi[2] = {6, 7};
    CHECK_DA(da_min_box(x, lo, hi, &v, loc));
    CHECK(v == -INFINITY && loc[0] == 4 && loc[1] == 2, "min_box: %g at [%lld, %lld]", v, (long long)loc[0],
          (long long)loc[1]);
    CHECK_DA(da_norm2_box(x, lo, hi, &d));
    CHECK(d == INFINITY, "norm2 with -inf: %g", d);
    /* elementwise min propagates NaN from either side */
    CHECK_DA(da_elem_min(x, x, x));
    tu_check(x, r, 0, "elem_min with NaN");
    /* norm2 scaled: no overflow, no underflow */
    for (int i = 0; i < N; i++) r[i] = (i % 2 ? 1e300 : 1e-300);
    tu_store(x, r);
    CHECK_DA(da_norm2(x, &d));
    check_double(d, 1e300L * sqrtl(21), 1e-12, "norm2 of 1e300s");
    for (int i = 0; i < N; i++) r[i] = 3e-310;
    tu_store(x, r);
    CHECK_DA(da_norm2(x, &d));
    check_double(d, 3e-310L * sqrtl(42), 1e-6, "norm2 of subnormals");
}

static void errors(da_array_t *x, da_array_t *xi)
{
    int64_t s1[2] = {7, 6};
    da_dist_t *m = tu_map_kind(2, s1, DA_DIST_BLOCK, nranks, 1);
    da_array_t *o = tu_array(MPI_COMM_WORLD, DA_OPAQUE, 3, m), *other = tu_array(MPI_COMM_WORLD, DA_DOUBLE, 8, m);
    char v[3] = {1, 2, 3}, res[16];
    CHECK_DA(da_fill(o, v));
    CHECK_DA(da_zero(o));
    TU_CHECK_ERR(da_scale(o, v), DA_ERR_TYPE);
    TU_CHECK_ERR(da_sum(o, res), DA_ERR_TYPE);
    TU_CHECK_ERR(da_norm1(o, (double *)(void *)res), DA_ERR_TYPE);
    TU_CHECK_ERR(da_add(&(double){1}, x, &(double){1}, xi, x), DA_ERR_TYPE);
    TU_CHECK_ERR(da_add(&(double){1}, x, &(double){1}, other, x), DA_ERR_SHAPE);
    TU_CHECK_ERR(da_add(NULL, x, &(double){1}, x, x), DA_ERR_NULL);
    int64_t lo[2] = {0, 0}, hi[2] = {7, 7};
    int me = rank == nranks - 1;
    TU_CHECK_COLL_ERR(da_fill_box(x, lo, me ? hi : (int64_t[2]){6, 7}, &(double){1}), me, DA_ERR_BOUNDS);
    TU_CHECK_ERR(da_apply(x, apply_fail, NULL), DA_ERR_ARG); /* every rank holds elements of x */
    CHECK_DA(da_array_destroy(&o));
    CHECK_DA(da_array_destroy(&other));
    da_dist_destroy(&m);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    da_dist_t *mb = tu_map_kind(2, shape, DA_DIST_BLOCK, nranks, 1);
    da_dist_kind_t kinds[2] = {DA_DIST_CYCLIC, DA_DIST_UNSTRUCTURED};
    da_dist_t *mc = tu_map(2, shape, kinds, nranks, 2);
    static const da_type_t types[] = {DA_INT32, DA_INT64, DA_FLOAT, DA_DOUBLE, DA_COMPLEX_FLOAT, DA_COMPLEX_DOUBLE};
    da_array_t *keep_d = NULL, *keep_i = NULL;
    for (int i = 0; i < 6; i++) {
        da_array_t *x = tu_array(MPI_COMM_WORLD, types[i], 0, mb), *y = tu_array(MPI_COMM_WORLD, types[i], 0, mc);
        one_type(types[i], x, y);
        if (types[i] == DA_DOUBLE) keep_d = x;
        else if (types[i] == DA_INT32) keep_i = x;
        else CHECK_DA(da_array_destroy(&x));
        CHECK_DA(da_array_destroy(&y));
    }
    nan_rules(keep_d);
    errors(keep_d, keep_i);
    CHECK_DA(da_array_destroy(&keep_d));
    CHECK_DA(da_array_destroy(&keep_i));
    da_dist_destroy(&mb);
    da_dist_destroy(&mc);
    if (rank == 0) printf("test_coll: ok at %d ranks\n", nranks);
    MPI_Finalize();
    return 0;
}
