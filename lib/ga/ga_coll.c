/* GA compatibility: whole-array and patch operations (collective). */
#include <stdlib.h>
#include <string.h>

#include "ga_internal.h"

GA_DAPI void GA_Zero(int g_a) { ga_check(da_zero(ga_arr_get(g_a, "GA_Zero")->a), "GA_Zero"); }

GA_DAPI void GA_Fill(int g_a, void *value)
{
    if (!value) ga_fail("GA_Fill", "value is NULL");
    ga_check(da_fill(ga_arr_get(g_a, "GA_Fill")->a, value), "GA_Fill");
}

GA_DAPI void GA_Scale(int g_a, void *value)
{
    if (!value) ga_fail("GA_Scale", "value is NULL");
    ga_check(da_scale(ga_arr_get(g_a, "GA_Scale")->a, value), "GA_Scale");
}

static void same_type(ga_arr_t *a, ga_arr_t *b, const char *call)
{
    if (a->type != b->type) ga_fail(call, "arrays %d and %d have different types (%d, %d)", a->handle, b->handle,
                                    a->type, b->type);
}

GA_DAPI void GA_Copy(int g_a, int g_b)
{
    ga_arr_t *a = ga_arr_get(g_a, "GA_Copy"), *b = ga_arr_get(g_b, "GA_Copy");
    same_type(a, b, "GA_Copy");
    if (a->ndim != b->ndim || memcmp(a->dims, b->dims, sizeof *a->dims * (size_t)a->ndim))
        ga_fail("GA_Copy", "arrays %d and %d have different shapes", g_a, g_b);
    if (a != b) ga_check(da_copy(a->a, b->a), "GA_Copy");
}

GA_DAPI void GA_Add(void *alpha, int g_a, void *beta, int g_b, int g_c)
{
    ga_arr_t *a = ga_arr_get(g_a, "GA_Add"), *b = ga_arr_get(g_b, "GA_Add"), *c = ga_arr_get(g_c, "GA_Add");
    same_type(a, b, "GA_Add");
    same_type(a, c, "GA_Add");
    if (!alpha || !beta) ga_fail("GA_Add", "alpha or beta is NULL");
    ga_check(da_add(alpha, a->a, beta, b->a, c->a), "GA_Add");
}

static void dot(int g_a, int g_b, int type, void *result, const char *call)
{
    ga_arr_t *a = ga_arr_get(g_a, call), *b = ga_arr_get(g_b, call);
    same_type(a, b, call);
    if (a->type != type) ga_fail(call, "array %d has type %d, this call needs type %d", g_a, a->type, type);
    ga_check(da_dot(a->a, b->a, result), call);
}

GA_DAPI int GA_Idot(int g_a, int g_b)
{
    int r = 0;
    dot(g_a, g_b, C_INT, &r, "GA_Idot");
    return r;
}

GA_DAPI long GA_Ldot(int g_a, int g_b)
{
    long r = 0;
    dot(g_a, g_b, C_LONG, &r, "GA_Ldot");
    return r;
}

GA_DAPI long long GA_Lldot(int g_a, int g_b)
{
    long long r = 0;
    dot(g_a, g_b, C_LONGLONG, &r, "GA_Lldot");
    return r;
}

GA_DAPI float GA_Fdot(int g_a, int g_b)
{
    float r = 0;
    dot(g_a, g_b, C_FLOAT, &r, "GA_Fdot");
    return r;
}

GA_DAPI double GA_Ddot(int g_a, int g_b)
{
    double r = 0;
    dot(g_a, g_b, C_DBL, &r, "GA_Ddot");
    return r;
}

GA_DAPI DoubleComplex GA_Zdot(int g_a, int g_b)
{
    DoubleComplex r = {0, 0};
    dot(g_a, g_b, C_DCPL, &r, "GA_Zdot");
    return r;
}

GA_DAPI SingleComplex GA_Cdot(int g_a, int g_b)
{
    SingleComplex r = {0, 0};
    dot(g_a, g_b, C_SCPL, &r, "GA_Cdot");
    return r;
}

GA_DAPI void NGA_Zero_patch(int g_a, int lo[], int hi[])
{
    ga_arr_t *g = ga_arr_get(g_a, "NGA_Zero_patch");
    int64_t l[DA_MAX_NDIM], h[DA_MAX_NDIM];
    ga_box(g, lo, hi, l, h, "NGA_Zero_patch");
    ga_check(da_zero_box(g->a, l, h), "NGA_Zero_patch");
}

GA_DAPI void NGA_Fill_patch(int g_a, int lo[], int hi[], void *val)
{
    ga_arr_t *g = ga_arr_get(g_a, "NGA_Fill_patch");
    int64_t l[DA_MAX_NDIM], h[DA_MAX_NDIM];
    ga_box(g, lo, hi, l, h, "NGA_Fill_patch");
    if (!val) ga_fail("NGA_Fill_patch", "val is NULL");
    ga_check(da_fill_box(g->a, l, h, val), "NGA_Fill_patch");
}

GA_DAPI void NGA_Scale_patch(int g_a, int lo[], int hi[], void *alpha)
{
    ga_arr_t *g = ga_arr_get(g_a, "NGA_Scale_patch");
    int64_t l[DA_MAX_NDIM], h[DA_MAX_NDIM];
    ga_box(g, lo, hi, l, h, "NGA_Scale_patch");
    if (!alpha) ga_fail("NGA_Scale_patch", "alpha is NULL");
    ga_check(da_scale_box(g->a, l, h, alpha), "NGA_Scale_patch");
}

/* darray copies boxes of equal extents; GA's reshaping copies (same count,
   other shape) and transposed copies ('T') are not covered. */
/* Row-major coordinates of the k-th element of the box [lo, hi) of nd
 * dimensions; reversed: of the box with its index order reversed (the
 * element's coordinates are then written back in the array's order). */
static void unravel(int64_t k, int nd, const int64_t *lo, const int64_t *hi, int reversed, int64_t *coord)
{
    for (int i = nd - 1; i >= 0; i--) {
        int d = reversed ? nd - 1 - i : i;
        int64_t ext = hi[d] - lo[d];
        coord[d] = lo[d] + k % ext;
        k /= ext;
    }
}

/* GA's general copy: the patches have the same number of elements but may
 * differ in shape (and rank). The k-th element of B's patch, row-major, gets
 * the k-th element of A's patch, row-major; with trans, of A's patch with
 * its index order reversed (for 2-D patches, the transpose). Each process
 * takes an even share of k, gathers those A elements (da_gather) and
 * scatters them into B (da_scatter), so any distribution works. */
static void copy_reshaped(ga_arr_t *a, const int64_t *al, const int64_t *ah, ga_arr_t *b, const int64_t *bl,
                          const int64_t *bh, int trans, int64_t n, const char *call)
{
    int64_t me = a->grank, np = a->gnproc;
    int64_t k0 = n * me / np, k1 = n * (me + 1) / np, cnt = k1 - k0;
    int64_t *ac = malloc(sizeof(int64_t) * (size_t)(cnt * a->ndim + 1));
    int64_t *bc = malloc(sizeof(int64_t) * (size_t)(cnt * b->ndim + 1));
    char *buf = malloc(a->esize * (size_t)cnt + 1);
    if (!ac || !bc || !buf) ga_fail(call, "no memory for %lld elements", (long long)cnt);
    for (int64_t k = k0; k < k1; k++) {
        unravel(k, a->ndim, al, ah, trans, ac + (k - k0) * a->ndim);
        unravel(k, b->ndim, bl, bh, 0, bc + (k - k0) * b->ndim);
    }
    ga_check(da_sync(a->a), call); /* earlier writes to A are visible */
    if (b->a != a->a) ga_check(da_sync(b->a), call);
    ga_check(da_gather(a->a, cnt, ac, buf), call);
    /* nobody writes B before every process has read A (they may be the same array) */
    ga_check(da_sync(a->a), call);
    ga_check(da_scatter(b->a, cnt, bc, buf), call);
    ga_check(da_sync(b->a), call);
    free(ac);
    free(bc);
    free(buf);
}

GA_DAPI void NGA_Copy_patch(char trans, int g_a, int alo[], int ahi[], int g_b, int blo[], int bhi[])
{
    const char *call = "NGA_Copy_patch";
    ga_arr_t *a = ga_arr_get(g_a, call), *b = ga_arr_get(g_b, call);
    same_type(a, b, call);
    int transpose = trans == 't' || trans == 'T';
    if (!transpose && trans != 'n' && trans != 'N') ga_fail(call, "trans is '%c', not 'N' or 'T'", trans);
    int64_t al[DA_MAX_NDIM], ah[DA_MAX_NDIM], bl[DA_MAX_NDIM], bh[DA_MAX_NDIM];
    ga_box(a, alo, ahi, al, ah, call);
    ga_box(b, blo, bhi, bl, bh, call);
    int64_t na = 1, nb = 1;
    int same_shape = a->ndim == b->ndim;
    for (int d = 0; d < a->ndim; d++) na *= ah[d] - al[d];
    for (int d = 0; d < b->ndim; d++) {
        nb *= bh[d] - bl[d];
        if (same_shape && ah[d] - al[d] != bh[d] - bl[d]) same_shape = 0;
    }
    if (na != nb)
        ga_fail(call, "patches of arrays %d and %d have different element counts (%lld, %lld)", g_a, g_b,
                (long long)na, (long long)nb);
    /* a transpose of a patch whose extents are all 1 but one is a plain copy */
    int nontrivial = 0;
    for (int d = 0; d < a->ndim; d++) nontrivial += ah[d] - al[d] > 1;
    if (same_shape && (!transpose || nontrivial <= 1)) {
        ga_check(da_copy_box(a->a, al, ah, b->a, bl, bh), call);
        return;
    }
    if (g_a == g_b)
        for (int d = 0, overlap = 1; d < a->ndim; d++) {
            overlap = overlap && al[d] < bh[d] && bl[d] < ah[d];
            if (d == a->ndim - 1 && overlap) ga_fail(call, "patches of array %d overlap", g_a);
        }
    copy_reshaped(a, al, ah, b, bl, bh, transpose, na, call);
}

GA_DAPI void NGA_Add_patch(void *alpha, int g_a, int alo[], int ahi[], void *beta, int g_b, int blo[], int bhi[],
                           int g_c, int clo[], int chi[])
{
    const char *call = "NGA_Add_patch";
    ga_arr_t *a = ga_arr_get(g_a, call), *b = ga_arr_get(g_b, call), *c = ga_arr_get(g_c, call);
    same_type(a, b, call);
    same_type(a, c, call);
    if (!alpha || !beta) ga_fail(call, "alpha or beta is NULL");
    int64_t al[DA_MAX_NDIM], ah[DA_MAX_NDIM], bl[DA_MAX_NDIM], bh[DA_MAX_NDIM], cl[DA_MAX_NDIM], ch[DA_MAX_NDIM];
    ga_box(a, alo, ahi, al, ah, call);
    ga_box(b, blo, bhi, bl, bh, call);
    ga_box(c, clo, chi, cl, ch, call);
    ga_check(da_add_box(alpha, a->a, al, ah, beta, b->a, bl, bh, c->a, cl, ch), call);
}
