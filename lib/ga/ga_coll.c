/* GA compatibility: whole-array and patch operations (collective). */
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
GA_DAPI void NGA_Copy_patch(char trans, int g_a, int alo[], int ahi[], int g_b, int blo[], int bhi[])
{
    const char *call = "NGA_Copy_patch";
    ga_arr_t *a = ga_arr_get(g_a, call), *b = ga_arr_get(g_b, call);
    same_type(a, b, call);
    if (trans != 'n' && trans != 'N')
        ga_fail(call, "transposed copy (trans = '%c') is not supported by the darray layer", trans);
    if (a->ndim != b->ndim) ga_fail(call, "arrays %d and %d have different ranks (%d, %d)", g_a, g_b, a->ndim, b->ndim);
    int64_t al[DA_MAX_NDIM], ah[DA_MAX_NDIM], bl[DA_MAX_NDIM], bh[DA_MAX_NDIM];
    ga_box(a, alo, ahi, al, ah, call);
    ga_box(b, blo, bhi, bl, bh, call);
    for (int d = 0; d < a->ndim; d++)
        if (ah[d] - al[d] != bh[d] - bl[d])
            ga_fail(call, "dimension %d: patches have different extents (%lld, %lld); reshaping copies are not "
                    "supported by the darray layer", d, (long long)(ah[d] - al[d]), (long long)(bh[d] - bl[d]));
    ga_check(da_copy_box(a->a, al, ah, b->a, bl, bh), call);
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
