/* GA compatibility: one-sided transfers, atomics, fences and mutexes. */
#include <stdlib.h>

#include "ga_internal.h"

/* A GA patch with inclusive hi and skips becomes darray's [lo, hi) with step. */
static void strided_box(ga_arr_t *g, int *lo, int *hi, int *skip, int64_t *dlo, int64_t *dhi, int64_t *step,
                        const char *call)
{
    ga_box(g, lo, hi, dlo, dhi, call);
    if (!skip) ga_fail(call, "skip is NULL");
    for (int d = 0; d < g->ndim; d++) {
        if (skip[d] < 1) ga_fail(call, "skip[%d] = %d, must be >= 1", d, skip[d]);
        int64_t count = (hi[d] - lo[d]) / skip[d] + 1;
        step[d] = skip[d];
        dhi[d] = dlo[d] + (count - 1) * skip[d] + 1;
    }
}

static void transfer(int kind, int g_a, int *lo, int *hi, int *skip, void *buf, int *ld, void *alpha,
                     ga_nbhdl_t *nb, const char *call)
{
    ga_arr_t *g = ga_arr_get(g_a, call);
    int64_t dlo[DA_MAX_NDIM], dhi[DA_MAX_NDIM], step[DA_MAX_NDIM], dld[DA_MAX_NDIM];
    if (skip) strided_box(g, lo, hi, skip, dlo, dhi, step, call);
    else ga_box(g, lo, hi, dlo, dhi, call);
    if (!buf) ga_fail(call, "buf is NULL");
    if (g->ndim > 1 && !ld) ga_fail(call, "ld is NULL");
    if (ld) ga_ld(g->ndim, ld, dld);
    const int64_t *s = skip ? step : NULL, *l = ld ? dld : NULL;
    int rc;
    if (kind == 2 && !alpha) ga_fail(call, "alpha is NULL");
    if (nb) {
        da_request_t req = DA_REQUEST_NULL;
        rc = kind == 0 ? da_nbput(g->a, dlo, dhi, s, buf, l, &req)
           : kind == 1 ? da_nbget(g->a, dlo, dhi, s, buf, l, &req)
                       : da_nbacc(g->a, DA_OP_SUM, alpha, dlo, dhi, s, buf, l, &req);
        *nb = (ga_nbhdl_t)req;
    } else {
        rc = kind == 0 ? da_put(g->a, dlo, dhi, s, buf, l)
           : kind == 1 ? da_get(g->a, dlo, dhi, s, buf, l)
                       : da_acc(g->a, DA_OP_SUM, alpha, dlo, dhi, s, buf, l);
    }
    ga_check(rc, call);
}

GA_DAPI void NGA_Put(int g_a, int lo[], int hi[], void *buf, int ld[])
{
    transfer(0, g_a, lo, hi, NULL, buf, ld, NULL, NULL, "NGA_Put");
}
GA_DAPI void NGA_Get(int g_a, int lo[], int hi[], void *buf, int ld[])
{
    transfer(1, g_a, lo, hi, NULL, buf, ld, NULL, NULL, "NGA_Get");
}
GA_DAPI void NGA_Acc(int g_a, int lo[], int hi[], void *buf, int ld[], void *alpha)
{
    transfer(2, g_a, lo, hi, NULL, buf, ld, alpha, NULL, "NGA_Acc");
}
GA_DAPI void NGA_Strided_put(int g_a, int lo[], int hi[], int skip[], void *buf, int ld[])
{
    transfer(0, g_a, lo, hi, skip, buf, ld, NULL, NULL, "NGA_Strided_put");
}
GA_DAPI void NGA_Strided_get(int g_a, int lo[], int hi[], int skip[], void *buf, int ld[])
{
    transfer(1, g_a, lo, hi, skip, buf, ld, NULL, NULL, "NGA_Strided_get");
}
GA_DAPI void NGA_Strided_acc(int g_a, int lo[], int hi[], int skip[], void *buf, int ld[], void *alpha)
{
    transfer(2, g_a, lo, hi, skip, buf, ld, alpha, NULL, "NGA_Strided_acc");
}
GA_DAPI void NGA_NbPut(int g_a, int lo[], int hi[], void *buf, int ld[], ga_nbhdl_t *nbhandle)
{
    if (!nbhandle) ga_fail("NGA_NbPut", "nbhandle is NULL");
    transfer(0, g_a, lo, hi, NULL, buf, ld, NULL, nbhandle, "NGA_NbPut");
}
GA_DAPI void NGA_NbGet(int g_a, int lo[], int hi[], void *buf, int ld[], ga_nbhdl_t *nbhandle)
{
    if (!nbhandle) ga_fail("NGA_NbGet", "nbhandle is NULL");
    transfer(1, g_a, lo, hi, NULL, buf, ld, NULL, nbhandle, "NGA_NbGet");
}
GA_DAPI void NGA_NbAcc(int g_a, int lo[], int hi[], void *buf, int ld[], void *alpha, ga_nbhdl_t *nbhandle)
{
    if (!nbhandle) ga_fail("NGA_NbAcc", "nbhandle is NULL");
    transfer(2, g_a, lo, hi, NULL, buf, ld, alpha, nbhandle, "NGA_NbAcc");
}


GA_DAPI void NGA_Put64(int g_a, int64_t lo[], int64_t hi[], void *buf, int64_t ld[])
{
    ga_arr_t *g = ga_arr_get(g_a, "NGA_Put64");
    int64_t dlo[DA_MAX_NDIM], dhi[DA_MAX_NDIM];
    ga_box64(g, lo, hi, dlo, dhi, "NGA_Put64");
    ga_check(da_put(g->a, dlo, dhi, NULL, buf, ld), "NGA_Put64");
}
GA_DAPI void NGA_Get64(int g_a, int64_t lo[], int64_t hi[], void *buf, int64_t ld[])
{
    ga_arr_t *g = ga_arr_get(g_a, "NGA_Get64");
    int64_t dlo[DA_MAX_NDIM], dhi[DA_MAX_NDIM];
    ga_box64(g, lo, hi, dlo, dhi, "NGA_Get64");
    ga_check(da_get(g->a, dlo, dhi, NULL, buf, ld), "NGA_Get64");
}
GA_DAPI void NGA_Acc64(int g_a, int64_t lo[], int64_t hi[], void *buf, int64_t ld[], void *alpha)
{
    ga_arr_t *g = ga_arr_get(g_a, "NGA_Acc64");
    int64_t dlo[DA_MAX_NDIM], dhi[DA_MAX_NDIM];
    ga_box64(g, lo, hi, dlo, dhi, "NGA_Acc64");
    if (!alpha) ga_fail("NGA_Acc64", "alpha is NULL");
    ga_check(da_acc(g->a, DA_OP_SUM, alpha, dlo, dhi, NULL, buf, ld), "NGA_Acc64");
}

GA_DAPI int NGA_NbWait(ga_nbhdl_t *nbhandle)
{
    if (!nbhandle) ga_fail("NGA_NbWait", "nbhandle is NULL");
    ga_check(da_wait((da_request_t)*nbhandle), "NGA_NbWait");
    *nbhandle = (ga_nbhdl_t)DA_REQUEST_NULL;
    return 0;
}

/* 1 if complete (GA's answer), 0 if still pending. */
GA_DAPI int NGA_NbTest(ga_nbhdl_t *nbhandle)
{
    if (!nbhandle) ga_fail("NGA_NbTest", "nbhandle is NULL");
    if (*nbhandle == (ga_nbhdl_t)DA_REQUEST_NULL) return 1;
    int done = 0;
    ga_check(da_test((da_request_t)*nbhandle, &done), "NGA_NbTest");
    if (done) *nbhandle = (ga_nbhdl_t)DA_REQUEST_NULL;
    return done;
}

/* GA passes n pointers to ndim subscripts; darray wants n x ndim int64. */
static int64_t *coords_of(ga_arr_t *g, int **subs, int n, const char *call)
{
    if (n < 0) ga_fail(call, "n = %d is negative", n);
    if (n > 0 && !subs) ga_fail(call, "subsArray is NULL");
    int64_t *c = malloc(sizeof *c * (size_t)(n > 0 ? n : 1) * (size_t)g->ndim);
    if (!c) ga_fail(call, "out of memory");
    for (int i = 0; i < n; i++) {
        if (!subs[i]) ga_fail(call, "subsArray[%d] is NULL", i);
        for (int d = 0; d < g->ndim; d++) {
            int v = subs[i][d];
            if (v < 0 || v >= g->dims[d])
                ga_fail(call, "array %d: element %d: subscript %d = %d outside [0, %lld]", g->handle, i, d, v,
                        (long long)g->dims[d] - 1);
            c[(int64_t)i * g->ndim + d] = v;
        }
    }
    return c;
}

static void scatter_gather(int kind, int g_a, void *v, int *subs[], int n, void *alpha, const char *call)
{
    ga_arr_t *g = ga_arr_get(g_a, call);
    if (n > 0 && !v) ga_fail(call, "v is NULL");
    if (kind == 2 && !alpha) ga_fail(call, "alpha is NULL");
    int64_t *c = coords_of(g, subs, n, call);
    int rc = kind == 0 ? da_scatter(g->a, n, c, v)
           : kind == 1 ? da_gather(g->a, n, c, v)
                       : da_scatter_acc(g->a, DA_OP_SUM, alpha, n, c, v);
    free(c);
    ga_check(rc, call);
}

GA_DAPI void NGA_Scatter(int g_a, void *v, int *subsArray[], int n)
{
    scatter_gather(0, g_a, v, subsArray, n, NULL, "NGA_Scatter");
}
GA_DAPI void NGA_Gather(int g_a, void *v, int *subsArray[], int n)
{
    scatter_gather(1, g_a, v, subsArray, n, NULL, "NGA_Gather");
}
GA_DAPI void NGA_Scatter_acc(int g_a, void *v, int *subsArray[], int n, void *alpha)
{
    scatter_gather(2, g_a, v, subsArray, n, alpha, "NGA_Scatter_acc");
}

GA_DAPI long NGA_Read_inc(int g_a, int subscript[], long inc)
{
    const char *call = "NGA_Read_inc";
    ga_arr_t *g = ga_arr_get(g_a, call);
    if (g->type != C_INT && g->type != C_LONG && g->type != C_LONGLONG)
        ga_fail(call, "array %d has type %d; NGA_Read_inc needs an integer array", g_a, g->type);
    if (!subscript) ga_fail(call, "subscript is NULL");
    int64_t idx[DA_MAX_NDIM], old = 0;
    for (int d = 0; d < g->ndim; d++) {
        if (subscript[d] < 0 || subscript[d] >= g->dims[d])
            ga_fail(call, "array %d: subscript %d = %d outside [0, %lld]", g_a, d, subscript[d],
                    (long long)g->dims[d] - 1);
        idx[d] = subscript[d];
    }
    ga_check(da_fetch_add(g->a, idx, inc, &old), call);
    return (long)old;
}

/* Blocking calls complete at the target before returning (stronger than
   GA); only non-blocking ones may still be in flight: flush every array. */
GA_DAPI void GA_Init_fence(void) { ga_require_init("GA_Init_fence"); }

GA_DAPI void GA_Fence(void)
{
    ga_require_init("GA_Fence");
    for (int i = 0; i < ga_arr_count(); i++) {
        ga_arr_t *g = ga_arr_at(i);
        if (g->a) ga_check(da_flush(g->a), "GA_Fence");
    }
}

/* The arrays of group grp (-1: every array this process belongs to; a
   barrier over the world completes operations on group arrays too) are
   synchronised (every rank's operations complete and visible, local loads
   included) with one agreement over comm, which is also GA's barrier. */
void ga_sync_group(int grp, MPI_Comm comm, const char *call)
{
    da_array_t *few[16], **list = few;
    int n = 0, count = ga_arr_count();
    if (count > 16 && !(list = malloc(sizeof *list * (size_t)count))) ga_fail(call, "out of memory");
    for (int i = 0; i < count; i++) {
        ga_arr_t *g = ga_arr_at(i);
        if (g->a && (grp == -1 || g->pgroup == grp)) list[n++] = g->a;
    }
    int rc = da_sync_arrays(comm, n, list);
    if (list != few) free(list);
    ga_check(rc, call);
}

GA_DAPI void GA_Sync(void)
{
    ga_require_init("GA_Sync");
    ga_sync_group(ga_state.dgroup, ga_state.dcomm, "GA_Sync");
}

GA_DAPI void NGA_Sync(void) { GA_Sync(); }

GA_DAPI int GA_Create_mutexes(int number)
{
    ga_require_init("GA_Create_mutexes");
    if (number < 0) ga_fail("GA_Create_mutexes", "number = %d is negative", number);
    if (ga_state.mutexes) return 0; /* GA: one set at a time */
    if (number == 0) return 1;
    ga_check(da_mutexes_create(ga_state.comm, number, &ga_state.mutexes), "GA_Create_mutexes");
    return 1;
}

GA_DAPI int GA_Destroy_mutexes(void)
{
    ga_require_init("GA_Destroy_mutexes");
    if (!ga_state.mutexes) return 0;
    ga_check(da_mutexes_destroy(&ga_state.mutexes), "GA_Destroy_mutexes");
    return 1;
}

GA_DAPI void GA_Lock(int mutex)
{
    ga_require_init("GA_Lock");
    if (!ga_state.mutexes) ga_fail("GA_Lock", "no mutexes (GA_Create_mutexes)");
    ga_check(da_mutex_lock(ga_state.mutexes, mutex), "GA_Lock");
}

GA_DAPI void GA_Unlock(int mutex)
{
    ga_require_init("GA_Unlock");
    if (!ga_state.mutexes) ga_fail("GA_Unlock", "no mutexes (GA_Create_mutexes)");
    ga_check(da_mutex_unlock(ga_state.mutexes, mutex), "GA_Unlock");
}
