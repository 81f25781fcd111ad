/* NumPy-style selections and masks (darray/select.h) against a reference
 * computed with NumPy's rules by plain loops.
 *
 * The reference rules, written from NumPy's documentation (indexing, and
 * slice.indices / PySlice_AdjustIndices which it follows):
 *  - a slice start:stop:step (step != 0): a missing start is 0 for step > 0,
 *    n-1 for step < 0; a missing stop is n for step > 0, "before 0" (-1)
 *    for step < 0; a negative bound gets n added, and if still negative
 *    becomes 0 (step > 0) or -1 (step < 0); a bound >= n becomes n (step
 *    > 0) or n-1 (step < 0). The indices are start, start+step, ... while
 *    below stop (step > 0) or above stop (step < 0) — generated here by that
 *    loop, not by a count formula;
 *  - an index list: any order, repeats kept, a negative i means i + n; any
 *    index outside [-n, n) is an IndexError (DA_ERR_BOUNDS);
 *  - the selection is the outer product of the dimensions' index vectors,
 *    as A[np.ix_(v0, v1, ...)], in row-major order of the result;
 *  - A[ix] = buf assigns in that order, so of repeated elements the last
 *    wins; np.add.at(A, ix, buf) applies every repeat;
 *  - A[mask] for a boolean array: the true elements in row-major order;
 *    nonzero counts as true (NaN too, -0.0 does not).
 *
 * Per map (kinds of every sort, 1-D to 3-D, some smaller than the rank
 * count): gets of random selections (slices with negative steps, DA_NONE
 * bounds, bounds and steps far outside the extent; index lists with
 * repeats and negative values; empty selections) into guarded buffers,
 * da_sel_shape; puts where each rank's first-dimension indices are its own
 * residue class (so ranks never race), read back (repeats: last wins);
 * accumulates from all ranks with repeats (exact sums, MAX, BXOR); plans
 * over selections; local masks over a selection and distributed mask
 * arrays (int32, double with NaN and -0.0, complex, opaque) to coordinate
 * lists, then A[mask] read and written; bad input (step 0, indices out of
 * range after normalisation, wrong ndim, destroyed selections, NULL
 * buffers, acc on opaque, MIN on complex), each with its error and the
 * array unchanged.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darray.h"
#include "harness.h"
#include "irregular_ref.h"

static int me, np, lite;
static const uint64_t SEED = 0x5e1ec7ed0c0ffee5ULL;
static long st_sel, st_calls;

/* ---- selections as the test describes them ---------------------------- */

enum { S_ALL, S_ALL_SET, S_SLICE, S_LIST };

typedef struct tdim {
    int kind;
    int64_t start, stop, step;
    int64_t n;
    int64_t *idx;
} tdim_t;

typedef struct tsel {
    int ndim;
    tdim_t d[IR_MAXD];
} tsel_t;

static void tsel_free(tsel_t *t)
{
    for (int i = 0; i < t->ndim; i++) free(t->d[i].idx);
    memset(t, 0, sizeof *t);
}

static int64_t gen_bound(th_rng_t *rng, int64_t n)
{
    int r = (int)th_rng_range(rng, 0, 12);
    if (r == 0) return DA_NONE;
    if (r == 1) return INT64_MAX;
    if (r == 2) return INT64_MIN + 1;
    return th_rng_range(rng, -n - 3, n + 4);
}

static int64_t gen_step(th_rng_t *rng, int64_t n)
{
    int r = (int)th_rng_range(rng, 0, 14);
    if (r == 0) return INT64_MAX;
    if (r == 1) return -INT64_MAX;
    if (r == 2) return n + 2;
    if (r == 3) return -(n + 2);
    int64_t s = th_rng_range(rng, 1, 5);
    return r % 2 ? s : -s;
}

static void gen_list(th_rng_t *rng, int64_t n, int64_t len, tdim_t *t)
{
    t->kind = S_LIST;
    t->n = len;
    t->idx = malloc(sizeof *t->idx * (size_t)(len ? len : 1));
    CHECK(t->idx, "out of memory");
    for (int64_t i = 0; i < len; i++) t->idx[i] = th_rng_range(rng, -n, n);
}

/* Any selection of one dimension of extent n. */
static void gen_dim_any(th_rng_t *rng, int64_t n, tdim_t *t)
{
    memset(t, 0, sizeof *t);
    int k = (int)th_rng_range(rng, 0, 10);
    if (k == 0) {
        t->kind = S_ALL;
    } else if (k == 1) {
        t->kind = S_ALL_SET;
    } else if (k <= 5) {
        t->kind = S_SLICE;
        t->start = gen_bound(rng, n);
        t->stop = gen_bound(rng, n);
        t->step = gen_step(rng, n);
    } else {
        gen_list(rng, n, th_rng_range(rng, 0, 2 * n + 3), t);
    }
}

/* A first-dimension selection of writer r: indices i with i % np == r only
   (a list, or a slice starting on the class with a step that is a multiple
   of np; the stop is anything). */
static void gen_dim_part(th_rng_t *rng, int64_t n, int r, tdim_t *t)
{
    memset(t, 0, sizeof *t);
    int64_t m = n > r ? (n - 1 - r) / np + 1 : 0; /* r, r+np, ... below n */
    if (m == 0) {
        gen_list(rng, n, 0, t);
        return;
    }
    if (th_rng_range(rng, 0, 2)) {
        int64_t len = th_rng_range(rng, 1, 2 * m + 3);
        gen_list(rng, n, len, t);
        for (int64_t i = 0; i < len; i++) {
            int64_t v = r + np * th_rng_range(rng, 0, m);
            t->idx[i] = th_rng_range(rng, 0, 2) ? v : v - n;
        }
    } else {
        int64_t v = r + np * th_rng_range(rng, 0, m);
        t->kind = S_SLICE;
        t->start = th_rng_range(rng, 0, 2) ? v : v - n;
        t->stop = gen_bound(rng, n);
        int64_t s = np * th_rng_range(rng, 1, 3);
        t->step = th_rng_range(rng, 0, 2) ? s : -s;
    }
}

static void gen_sel(th_rng_t *rng, const ir_map_t *m, int writer, tsel_t *t)
{
    memset(t, 0, sizeof *t);
    t->ndim = m->ndim;
    for (int i = 0; i < m->ndim; i++) {
        if (i == 0 && writer >= 0) gen_dim_part(rng, m->shape[0], writer, &t->d[0]);
        else gen_dim_any(rng, m->shape[i], &t->d[i]);
    }
}

static const char *bound_str(int64_t v, char *s, size_t n)
{
    if (v == DA_NONE) snprintf(s, n, "%s", "");
    else if (v == INT64_MAX) snprintf(s, n, "MAX");
    else if (v == INT64_MIN + 1) snprintf(s, n, "-MAX");
    else snprintf(s, n, "%" PRId64, v);
    return s;
}

/* Python-like text: [1:-2:3, [0, -1, 0], :] */
static const char *tsel_str(const tsel_t *t)
{
    static char s[1200];
    int k = snprintf(s, sizeof s, "[");
    for (int i = 0; i < t->ndim && k < (int)sizeof s - 40; i++) {
        const tdim_t *d = &t->d[i];
        char a[24], b[24], c[24];
        if (i) k += snprintf(s + k, sizeof s - (size_t)k, ", ");
        if (d->kind == S_ALL) k += snprintf(s + k, sizeof s - (size_t)k, ":");
        else if (d->kind == S_ALL_SET) k += snprintf(s + k, sizeof s - (size_t)k, ":(set)");
        else if (d->kind == S_SLICE)
            k += snprintf(s + k, sizeof s - (size_t)k, "%s:%s:%s", bound_str(d->start, a, sizeof a),
                          bound_str(d->stop, b, sizeof b), bound_str(d->step, c, sizeof c));
        else {
            k += snprintf(s + k, sizeof s - (size_t)k, "[");
            for (int64_t j = 0; j < d->n && k < (int)sizeof s - 40; j++)
                k += snprintf(s + k, sizeof s - (size_t)k, "%s%" PRId64, j ? "," : "", d->idx[j]);
            k += snprintf(s + k, sizeof s - (size_t)k, "%s]", k >= (int)sizeof s - 40 ? "..." : "");
        }
    }
    snprintf(s + k, sizeof s - (size_t)k, "]");
    return s;
}

/* ---- the NumPy reference ------------------------------------------------- */

/* PySlice_AdjustIndices, then the loop range(start, stop, step). */
static int64_t np_slice(int64_t n, int64_t start, int64_t stop, int64_t step, int64_t *out)
{
    if (start == DA_NONE) {
        start = step < 0 ? n - 1 : 0;
    } else if (start < 0) {
        start += n;
        if (start < 0) start = step < 0 ? -1 : 0;
    } else if (start >= n) {
        start = step < 0 ? n - 1 : n;
    }
    if (stop == DA_NONE) {
        stop = step < 0 ? -1 : n;
    } else if (stop < 0) {
        stop += n;
        if (stop < 0) stop = step < 0 ? -1 : 0;
    } else if (stop >= n) {
        stop = step < 0 ? n - 1 : n;
    }
    int64_t k = 0;
    for (int64_t i = start; step > 0 ? i < stop : i > stop;) {
        out[k++] = i;
        if (__builtin_add_overflow(i, step, &i)) break;
    }
    return k;
}

/* Index vector of every dimension; 0 if an index is out of range. */
typedef struct ref_sel {
    int ndim;
    int64_t len[IR_MAXD];
    int64_t *v[IR_MAXD];
    int64_t count;
    int64_t *flat; /* the outer product, row-major */
} ref_sel_t;

static void ref_sel_free(ref_sel_t *r)
{
    for (int i = 0; i < r->ndim; i++) free(r->v[i]);
    free(r->flat);
    memset(r, 0, sizeof *r);
}

static int ref_sel(const ir_map_t *m, const tsel_t *t, ref_sel_t *r)
{
    memset(r, 0, sizeof *r);
    r->ndim = m->ndim;
    int ok = 1;
    r->count = 1;
    for (int i = 0; i < m->ndim; i++) {
        const tdim_t *d = &t->d[i];
        int64_t n = m->shape[i], cap = (d->kind == S_LIST ? d->n : n) + 1;
        r->v[i] = malloc(sizeof *r->v[i] * (size_t)cap);
        CHECK(r->v[i], "out of memory");
        if (d->kind == S_ALL || d->kind == S_ALL_SET) {
            for (int64_t j = 0; j < n; j++) r->v[i][j] = j;
            r->len[i] = n;
        } else if (d->kind == S_SLICE) {
            r->len[i] = np_slice(n, d->start, d->stop, d->step, r->v[i]);
        } else {
            for (int64_t j = 0; j < d->n; j++) {
                int64_t x = d->idx[j];
                if (x < -n || x >= n) ok = 0;
                r->v[i][j] = x < 0 ? x + n : x;
            }
            r->len[i] = d->n;
        }
        r->count *= r->len[i];
    }
    if (!ok) return 0;
    r->flat = malloc(sizeof *r->flat * (size_t)(r->count ? r->count : 1));
    CHECK(r->flat, "out of memory");
    int64_t k[IR_MAXD] = {0};
    for (int64_t e = 0; e < r->count; e++) {
        int64_t f = 0;
        for (int i = 0; i < m->ndim; i++) f += r->v[i][k[i]] * m->gstride[i];
        r->flat[e] = f;
        for (int i = m->ndim - 1; i >= 0 && ++k[i] == r->len[i]; i--) k[i] = 0;
    }
    return 1;
}

/* The darray selection. Lists are passed from a scratch copy that is
   scribbled over afterwards (darray must have copied them); sometimes a
   dimension is first set to something else (the last setting counts). */
static da_sel_t *make_sel(th_rng_t *rng, const tsel_t *t)
{
    da_sel_t *s = NULL;
    ICHECK_DA(da_sel_create(t->ndim, &s));
    for (int i = 0; i < t->ndim; i++) {
        const tdim_t *d = &t->d[i];
        if (d->kind != S_ALL && th_rng_range(rng, 0, 5) == 0) {
            int64_t junk[2] = {0, 0};
            ICHECK_DA(da_sel_index(s, i, 2, junk));
        }
        if (d->kind == S_ALL_SET) {
            ICHECK_DA(da_sel_all(s, i));
        } else if (d->kind == S_SLICE) {
            ICHECK_DA(da_sel_slice(s, i, d->start, d->stop, d->step));
        } else if (d->kind == S_LIST) {
            int64_t *tmp = malloc(sizeof *tmp * (size_t)(d->n + 1));
            CHECK(tmp, "out of memory");
            memcpy(tmp, d->idx, sizeof *tmp * (size_t)d->n);
            ICHECK_DA(da_sel_index(s, i, d->n, d->n || th_rng_range(rng, 0, 2) ? tmp : NULL));
            for (int64_t j = 0; j < d->n; j++) tmp[j] = INT64_MIN / 3;
            free(tmp);
        }
    }
    st_sel++;
    return s;
}

/* ---- buffers -------------------------------------------------------------- */

enum { GUARD = 3 };

static unsigned char *gbuf_new(size_t es, int64_t n)
{
    size_t bytes = (size_t)(n + 2 * GUARD) * es;
    unsigned char *mem = malloc(bytes);
    CHECK(mem, "out of memory");
    for (size_t j = 0; j < bytes; j++) mem[j] = (unsigned char)(0x5A ^ (j * 31));
    return mem + GUARD * es;
}

static void gbuf_check(const unsigned char *base, size_t es, int64_t n, const char *what)
{
    const unsigned char *mem = base - GUARD * es;
    size_t bytes = (size_t)(n + 2 * GUARD) * es;
    for (size_t j = 0; j < bytes; j++) {
        if (j >= GUARD * es && j < (size_t)(n + GUARD) * es) continue;
        ICHECK(mem[j] == (unsigned char)(0x5A ^ (j * 31)), "%s: guard byte %lld around a buffer of %" PRId64
               " elements changed", what, (long long)j - (long long)(GUARD * es), n);
    }
}

static void gbuf_free(unsigned char *base, size_t es)
{
    free(base - GUARD * es);
}

static unsigned char *gen_values(const ir_case_t *c, int64_t n, uint64_t h, int small)
{
    unsigned char *v = malloc((size_t)(n ? n : 1) * c->es);
    CHECK(v, "out of memory");
    for (int64_t i = 0; i < n; i++) ir_value(c->type, c->es, ir_mix(h, (uint64_t)i), small, v + (size_t)i * c->es);
    return v;
}

/* buf[i] equals the reference at flat[i]. */
static void check_flat(const ir_case_t *c, int64_t n, const int64_t *flat, const unsigned char *buf, const char *what)
{
    for (int64_t i = 0; i < n; i++) {
        const unsigned char *want = ir_ref_at(c, flat[i]), *got = buf + (size_t)i * c->es;
        if (!ir_eq(c->type, c->es, want, got)) {
            char e1[100], e2[100];
            ICHECK(0, "%s: buffer element %" PRId64 " of %" PRId64 " (array flat index %" PRId64 "): expected %s, got %s",
                   what, i, n, flat[i], ir_fmt(c->type, c->es, want, e1, sizeof e1),
                   ir_fmt(c->type, c->es, got, e2, sizeof e2));
        }
    }
}

static int accable(da_type_t t)
{
    return t != DA_OPAQUE;
}

/* ---- phases ----------------------------------------------------------------- */

/* Gets of any selections, and their shapes. */
static void phase_get(ir_case_t *c, uint64_t cs)
{
    th_rng_t rng = ir_rng(cs, 'g', 0, (uint64_t)me);
    int rounds = lite ? 4 : 8;
    for (int round = 0; round < rounds; round++) {
        tsel_t t;
        gen_sel(&rng, &c->m, -1, &t);
        if (round == 0) /* the whole array, all dimensions "all" */
            for (int i = 0; i < t.ndim; i++) free(t.d[i].idx), memset(&t.d[i], 0, sizeof t.d[i]);
        if (round == 1) { /* an empty selection, NULL buffer allowed */
            free(t.d[t.ndim - 1].idx);
            memset(&t.d[t.ndim - 1], 0, sizeof t.d[0]);
            t.d[t.ndim - 1].kind = S_SLICE;
            t.d[t.ndim - 1].start = 2;
            t.d[t.ndim - 1].stop = 2;
            t.d[t.ndim - 1].step = th_rng_range(&rng, 0, 2) ? 1 : -3; /* 2:2:1 or 2:2:-3, both empty */
        }
        ref_sel_t r;
        ICHECK(ref_sel(&c->m, &t, &r), "generated an out-of-range selection");
        IR_CTX("%s %s: get of A%s (%" PRId64 " elements)", c->m.desc, ir_type_name(c->type), tsel_str(&t), r.count);
        da_sel_t *s = make_sel(&rng, &t);
        int64_t shape[IR_MAXD];
        ICHECK_DA(da_sel_shape(s, c->a, shape));
        for (int i = 0; i < t.ndim; i++)
            ICHECK(shape[i] == r.len[i], "da_sel_shape[%d] = %" PRId64 ", NumPy's rules give %" PRId64, i, shape[i], r.len[i]);
        unsigned char *g = gbuf_new(c->es, r.count);
        ICHECK_DA(da_get_sel(c->a, s, r.count || round != 1 ? g : NULL));
        st_calls++;
        check_flat(c, r.count, r.flat, g, "da_get_sel");
        gbuf_check(g, c->es, r.count, "da_get_sel");
        /* the same elements through a plan over the selection */
        if (round % 2 == 0) {
            da_plan_t *p = NULL;
            int64_t cnt = -1;
            ICHECK_DA(da_plan_create_sel(c->a, s, &p));
            ICHECK_DA(da_plan_count(p, &cnt));
            ICHECK(cnt == r.count, "plan over the selection has %" PRId64 " points, selection %" PRId64, cnt, r.count);
            memset(g, 0, (size_t)r.count * c->es);
            ICHECK_DA(da_plan_get(p, g));
            check_flat(c, r.count, r.flat, g, "da_plan_get over a selection");
            gbuf_check(g, c->es, r.count, "da_plan_get over a selection");
            ICHECK_DA(da_plan_destroy(&p));
            st_calls++;
        }
        gbuf_free(g, c->es);
        ICHECK_DA(da_sel_destroy(&s));
        ICHECK(s == NULL, "da_sel_destroy did not clear the handle");
        ref_sel_free(&r);
        tsel_free(&t);
    }
}

/* Puts: each rank into its own residue class of first-dimension indices,
   by selection and by plan; read back at once, whole array after a sync. */
static void phase_put(ir_case_t *c, uint64_t cs)
{
    int rounds = lite ? 2 : 3;
    for (int round = 0; round < rounds; round++) {
        for (int r = 0; r < np; r++) {
            th_rng_t rng = ir_rng(cs, 'p', (uint64_t)round, (uint64_t)r);
            tsel_t t;
            gen_sel(&rng, &c->m, r, &t);
            ref_sel_t rs;
            ICHECK(ref_sel(&c->m, &t, &rs), "generated an out-of-range selection");
            unsigned char *v = gen_values(c, rs.count, th_rng_next(&rng), 0);
            int by_plan = round == 1;
            for (int64_t e = 0; e < rs.count; e++) /* row-major order: the last repeat wins */
                memcpy(ir_ref_at(c, rs.flat[e]), v + (size_t)e * c->es, c->es);
            if (r == me) {
                IR_CTX("%s %s: %s put of A%s (%" PRId64 " elements)", c->m.desc, ir_type_name(c->type),
                       by_plan ? "plan" : "selection", tsel_str(&t), rs.count);
                th_rng_t srng = ir_rng(cs, 's', (uint64_t)round, (uint64_t)me);
                da_sel_t *s = make_sel(&srng, &t);
                if (by_plan) {
                    da_plan_t *p = NULL;
                    ICHECK_DA(da_plan_create_sel(c->a, s, &p));
                    ICHECK_DA(da_plan_put(p, v));
                    ICHECK_DA(da_plan_destroy(&p));
                } else {
                    ICHECK_DA(da_put_sel(c->a, s, rs.count ? v : NULL));
                }
                st_calls++;
                unsigned char *g = gbuf_new(c->es, rs.count);
                ICHECK_DA(da_get_sel(c->a, s, g));
                check_flat(c, rs.count, rs.flat, g, "da_get_sel after own put (repeats: last in row-major order wins)");
                gbuf_check(g, c->es, rs.count, "da_get_sel after own put");
                gbuf_free(g, c->es);
                ICHECK_DA(da_sel_destroy(&s));
            }
            free(v);
            ref_sel_free(&rs);
            tsel_free(&t);
        }
    }
    ICHECK_DA(da_sync(c->a));
    IR_CTX("%s %s: after the puts", c->m.desc, ir_type_name(c->type));
    ir_check_whole(c, "da_get after selection puts");
    ICHECK_DA(da_sync(c->a));
}

/* Accumulates from every rank into any selection (repeats count). */
static void phase_acc(ir_case_t *c, uint64_t cs)
{
    da_op_t ops[3] = {DA_OP_SUM, DA_OP_SUM, DA_OP_SUM};
    int nops = 1;
    if (c->type == DA_INT32 || c->type == DA_INT64) ops[nops++] = DA_OP_BXOR;
    if (c->type == DA_FLOAT || c->type == DA_DOUBLE) ops[nops++] = DA_OP_MAX;
    for (int p = 0; p < nops; p++) {
        unsigned char alpha[16];
        switch (c->type) {
        case DA_INT32: { int32_t a = -3; memcpy(alpha, &a, 4); break; }
        case DA_INT64: { int64_t a = 5; memcpy(alpha, &a, 8); break; }
        case DA_FLOAT: { float a = 1.5f; memcpy(alpha, &a, 4); break; }
        case DA_DOUBLE: { double a = -2.5; memcpy(alpha, &a, 8); break; }
        case DA_COMPLEX_FLOAT: { float a[2] = {1, 2}; memcpy(alpha, a, 8); break; }
        default: { double a[2] = {-1, 3}; memcpy(alpha, a, 16); break; }
        }
        const void *al = ops[p] == DA_OP_BXOR ? NULL : alpha;
        int rounds = lite ? 1 : 2;
        for (int round = 0; round < rounds; round++) {
            for (int r = 0; r < np; r++) {
                th_rng_t rng = ir_rng(cs, 'a', (uint64_t)(p * 10 + round), (uint64_t)r);
                tsel_t t;
                gen_sel(&rng, &c->m, -1, &t);
                ref_sel_t rs;
                ICHECK(ref_sel(&c->m, &t, &rs), "generated an out-of-range selection");
                unsigned char *v = gen_values(c, rs.count, th_rng_next(&rng), ops[p] == DA_OP_SUM);
                const void *aa = (round + r) % 2 ? al : NULL;
                for (int64_t e = 0; e < rs.count; e++)
                    ir_acc(c->type, ops[p], aa, ir_ref_at(c, rs.flat[e]), v + (size_t)e * c->es);
                if (r == me) {
                    IR_CTX("%s %s: acc %s alpha %s of A%s (%" PRId64 " elements)", c->m.desc, ir_type_name(c->type),
                           ir_op_name(ops[p]), aa ? "given" : "NULL", tsel_str(&t), rs.count);
                    th_rng_t srng = ir_rng(cs, 'S', (uint64_t)(p * 10 + round), (uint64_t)me);
                    da_sel_t *s = make_sel(&srng, &t);
                    ICHECK_DA(da_acc_sel(c->a, ops[p], aa, s, rs.count ? v : NULL));
                    st_calls++;
                    ICHECK_DA(da_sel_destroy(&s));
                }
                free(v);
                ref_sel_free(&rs);
                tsel_free(&t);
            }
        }
        ICHECK_DA(da_sync(c->a));
    }
    IR_CTX("%s %s: after the selection accumulates", c->m.desc, ir_type_name(c->type));
    ir_check_whole(c, "da_get after selection accumulates");
    ICHECK_DA(da_sync(c->a));
}

/* A local mask over a selection: coordinates of the nonzero bytes in the
   selection's order; then A[sel][mask] by da_gather. */
static void phase_local_mask(ir_case_t *c, uint64_t cs)
{
    th_rng_t rng = ir_rng(cs, 'l', 0, (uint64_t)me);
    for (int round = 0; round < (lite ? 2 : 4); round++) {
        tsel_t t;
        gen_sel(&rng, &c->m, -1, &t);
        ref_sel_t rs;
        ICHECK(ref_sel(&c->m, &t, &rs), "generated an out-of-range selection");
        unsigned char *mask = malloc((size_t)(rs.count ? rs.count : 1));
        CHECK(mask, "out of memory");
        static const unsigned char vals[] = {0, 1, 0, 255, 7, 0};
        int dense = (int)th_rng_range(&rng, 0, 3); /* 0: random, 1: all true, 2: all false */
        for (int64_t e = 0; e < rs.count; e++) mask[e] = dense == 1 ? 1 : dense == 2 ? 0 : vals[th_rng_range(&rng, 0, 6)];
        IR_CTX("%s %s: local mask over A%s (%" PRId64 " elements, %s)", c->m.desc, ir_type_name(c->type),
               tsel_str(&t), rs.count, dense == 1 ? "all true" : dense == 2 ? "all false" : "random");
        da_sel_t *s = make_sel(&rng, &t);
        int64_t n = -1, *coords = NULL;
        ICHECK_DA(da_sel_mask_where(s, c->a, rs.count ? mask : NULL, &n, &coords));
        int64_t want = 0;
        for (int64_t e = 0; e < rs.count; e++) want += mask[e] != 0;
        ICHECK(n == want, "da_sel_mask_where found %" PRId64 " true elements, expected %" PRId64, n, want);
        ICHECK(coords != NULL || n == 0, "no coordinates returned");
        int64_t *flat = malloc(sizeof *flat * (size_t)(n + 1));
        CHECK(flat, "out of memory");
        for (int64_t e = 0, j = 0; e < rs.count; e++) {
            if (!mask[e]) continue;
            int64_t g[IR_MAXD];
            ir_flat_to_idx(&c->m, rs.flat[e], g);
            for (int i = 0; i < c->m.ndim; i++)
                ICHECK(coords[j * c->m.ndim + i] == g[i], "true element %" PRId64 " (selection position %" PRId64
                       "): coordinate %d is %" PRId64 ", expected %" PRId64, j, e, i, coords[j * c->m.ndim + i], g[i]);
            flat[j++] = rs.flat[e];
        }
        unsigned char *g = gbuf_new(c->es, n);
        ICHECK_DA(da_gather(c->a, n, coords, g));
        check_flat(c, n, flat, g, "A[sel][mask] by da_gather of the mask's coordinates");
        gbuf_check(g, c->es, n, "A[sel][mask]");
        gbuf_free(g, c->es);
        da_free(coords);
        free(flat);
        free(mask);
        ICHECK_DA(da_sel_destroy(&s));
        ref_sel_free(&rs);
        tsel_free(&t);
        st_calls += 2;
    }
}

/* A distributed mask array (its own map and type): da_mask_where on every
   rank, A[mask] read by all, written by one rank. */
static void phase_mask_array(ir_case_t *c, uint64_t cs, int variant)
{
    static const da_type_t mtypes[] = {DA_INT32, DA_DOUBLE, DA_COMPLEX_FLOAT, DA_OPAQUE};
    da_type_t mt = mtypes[variant % 4];
    ir_case_t mk;
    memset(&mk, 0, sizeof mk);
    int kinds[IR_MAXD];
    th_rng_t rng = ir_rng(cs, 'k', 0, 0);
    for (int i = 0; i < c->m.ndim; i++) kinds[i] = (int)th_rng_range(&rng, 0, IR_NKINDS);
    ir_map_build(&mk.m, &rng, c->m.ndim, c->m.shape, kinds, NULL, np);
    IR_CTX("%s %s: mask array %s of %s", c->m.desc, ir_type_name(c->type), ir_type_name(mt), mk.m.desc);
    ir_case_create(&mk, MPI_COMM_WORLD, mt, 3, c->shm, 0);
    /* truth pattern; floating masks use NaN (true) and -0.0 (false) too */
    unsigned char *tru = malloc((size_t)mk.m.total);
    CHECK(tru, "out of memory");
    int density = (int)th_rng_range(&rng, 0, 4); /* 0: none true, 1: all, else random */
    for (int64_t f = 0; f < mk.m.total; f++) {
        int k = density == 0 ? 0 : density == 1 ? 1 + (int)th_rng_range(&rng, 0, 3) : (int)th_rng_range(&rng, 0, 4);
        unsigned char *e = ir_ref_at(&mk, f);
        memset(e, 0, mk.es);
        tru[f] = k != 0;
        switch (mt) {
        case DA_INT32: { int32_t v = k == 0 ? 0 : k == 1 ? 1 : k == 2 ? -7 : INT32_MIN; memcpy(e, &v, 4); break; }
        case DA_DOUBLE: { double v = k == 0 ? (th_rng_range(&rng, 0, 2) ? 0.0 : -0.0) : k == 1 ? NAN : k == 2 ? 1e-300 : -2.0; memcpy(e, &v, 8); break; }
        case DA_COMPLEX_FLOAT: { float v[2] = {k == 1 ? 1.0f : 0.0f, k >= 2 ? -0.5f : 0.0f}; if (k == 0 && f % 2) v[1] = -0.0f; memcpy(e, v, 8); break; }
        default: if (k) e[k % 3] = (unsigned char)(1u << k); break;
        }
    }
    if (me == 0) {
        int64_t lo[IR_MAXD] = {0};
        ICHECK_DA(da_put(mk.a, lo, mk.m.shape, NULL, mk.ref, NULL));
    }
    ICHECK_DA(da_sync(mk.a));
    int64_t n = -1, *coords = NULL;
    ICHECK_DA(da_mask_where(mk.a, &n, &coords));
    int64_t want = 0;
    for (int64_t f = 0; f < mk.m.total; f++) want += tru[f];
    ICHECK(n == want, "da_mask_where found %" PRId64 " true elements, expected %" PRId64, n, want);
    int64_t *flat = malloc(sizeof *flat * (size_t)(n + 1));
    CHECK(flat, "out of memory");
    for (int64_t f = 0, j = 0; f < mk.m.total; f++) {
        if (!tru[f]) continue;
        int64_t g[IR_MAXD];
        ir_flat_to_idx(&mk.m, f, g);
        for (int i = 0; i < mk.m.ndim; i++)
            ICHECK(coords[j * mk.m.ndim + i] == g[i], "true element %" PRId64 " (flat %" PRId64 "): coordinate %d is %"
                   PRId64 ", expected %" PRId64 " (row-major order)", j, f, i, coords[j * mk.m.ndim + i], g[i]);
        flat[j++] = f;
    }
    /* A[mask] read by everyone */
    unsigned char *g = gbuf_new(c->es, n);
    ICHECK_DA(da_gather(c->a, n, coords, g));
    check_flat(c, n, flat, g, "A[mask]");
    gbuf_check(g, c->es, n, "A[mask]");
    gbuf_free(g, c->es);
    ICHECK_DA(da_sync(c->a));
    /* A[mask] = v by one rank */
    int writer = variant % np;
    unsigned char *v = gen_values(c, n, ir_mix(cs, 'K'), 0);
    if (me == writer) ICHECK_DA(da_scatter(c->a, n, coords, n ? v : NULL));
    for (int64_t j = 0; j < n; j++) memcpy(ir_ref_at(c, flat[j]), v + (size_t)j * c->es, c->es);
    ICHECK_DA(da_sync(c->a));
    IR_CTX("%s %s: after A[mask] = v (mask array %s)", c->m.desc, ir_type_name(c->type), ir_type_name(mt));
    ir_check_whole(c, "da_get after A[mask] = v");
    free(v);
    free(flat);
    free(tru);
    da_free(coords);
    ir_case_destroy(&mk);
    ir_map_free(&mk.m);
}

/* Bad input: each its own error, nothing written. */
static void phase_errors(ir_case_t *c, uint64_t cs)
{
    th_rng_t rng = ir_rng(cs, 'e', 0, (uint64_t)me);
    da_array_t *a = c->a;
    int nd = c->m.ndim;
    da_sel_t *s = NULL, *bad = NULL;
    IR_CTX("%s %s: bad selections", c->m.desc, ir_type_name(c->type));
    ICHECK_ERR(DA_ERR_NDIM, da_sel_create(0, &s));
    ICHECK_ERR(DA_ERR_NDIM, da_sel_create(DA_MAX_NDIM + 1, &s));
    ICHECK_ERR(DA_ERR_NULL, da_sel_create(1, NULL));
    ICHECK_DA(da_sel_create(nd, &s));
    ICHECK_ERR(DA_ERR_STEP, da_sel_slice(s, 0, 0, 1, 0));
    ICHECK_ERR(DA_ERR_BOUNDS, da_sel_slice(s, nd, 0, 1, 1));
    ICHECK_ERR(DA_ERR_BOUNDS, da_sel_slice(s, -1, 0, 1, 1));
    ICHECK_ERR(DA_ERR_BOUNDS, da_sel_all(s, nd));
    int64_t one = 0;
    ICHECK_ERR(DA_ERR_ARG, da_sel_index(s, 0, -1, &one));
    ICHECK_ERR(DA_ERR_NULL, da_sel_index(s, 0, 3, NULL));
    ICHECK_ERR(DA_ERR_NULL, da_sel_slice(NULL, 0, 0, 1, 1));

    /* a full, valid selection: buffers for it */
    int64_t count = c->m.total;
    unsigned char *v = gen_values(c, count, th_rng_next(&rng), 0);
    unsigned char *g = gbuf_new(c->es, count);
    int64_t shape[IR_MAXD];
    /* an index out of range after normalisation, in a random dimension */
    for (int t = 0; t < 4; t++) {
        ICHECK_DA(da_sel_create(nd, &bad));
        int d = (int)th_rng_range(&rng, 0, nd);
        int64_t n = c->m.shape[d];
        int64_t list[4] = {0, n - 1, -n, 0};
        list[3] = t == 0 ? n : t == 1 ? -n - 1 : t == 2 ? INT64_MIN + 1 : INT64_MAX;
        ICHECK_DA(da_sel_index(bad, d, 4, list));
        IR_CTX("%s %s: index %" PRId64 " in dimension %d of extent %" PRId64, c->m.desc, ir_type_name(c->type), list[3], d, n);
        ICHECK_ERR(DA_ERR_BOUNDS, da_get_sel(a, bad, g));
        ICHECK_ERR(DA_ERR_BOUNDS, da_put_sel(a, bad, v));
        if (accable(c->type)) ICHECK_ERR(DA_ERR_BOUNDS, da_acc_sel(a, DA_OP_SUM, NULL, bad, v));
        ICHECK_ERR(DA_ERR_BOUNDS, da_sel_shape(bad, a, shape));
        da_plan_t *p = NULL;
        ICHECK_ERR(DA_ERR_BOUNDS, da_plan_create_sel(a, bad, &p));
        ICHECK(p == NULL, "failed da_plan_create_sel left a plan");
        int64_t mn = -1, *mc = NULL;
        ICHECK_ERR(DA_ERR_BOUNDS, da_sel_mask_where(bad, a, (const unsigned char *)v, &mn, &mc));
        ICHECK_DA(da_sel_destroy(&bad));
    }
    /* a selection with the wrong number of dimensions */
    IR_CTX("%s %s: selection of %d dimensions on a %d-D array", c->m.desc, ir_type_name(c->type), nd % 3 + 1, nd);
    ICHECK_DA(da_sel_create(nd % 3 + 1, &bad));
    ICHECK_ERR(DA_ERR_NDIM, da_get_sel(a, bad, g));
    ICHECK_ERR(DA_ERR_NDIM, da_put_sel(a, bad, v));
    ICHECK_ERR(DA_ERR_NDIM, da_sel_shape(bad, a, shape));
    da_plan_t *p = NULL;
    ICHECK_ERR(DA_ERR_NDIM, da_plan_create_sel(a, bad, &p));
    ICHECK_DA(da_sel_destroy(&bad));
    /* NULL buffers for a non-empty selection; ops not valid for the type */
    IR_CTX("%s %s: NULL buffers and invalid ops", c->m.desc, ir_type_name(c->type));
    int64_t dup[3] = {0, 0, -1};
    ICHECK_ERR(DA_ERR_NULL, da_get_sel(a, s, NULL));
    ICHECK_ERR(DA_ERR_NULL, da_put_sel(a, s, NULL));
    ICHECK_ERR(DA_ERR_NULL, da_plan_create_sel(a, s, NULL));
    ICHECK_ERR(DA_ERR_NULL, da_get_sel(NULL, s, g));
    ICHECK_ERR(DA_ERR_NULL, da_get_sel(a, NULL, g));
    ICHECK_ERR(DA_ERR_NULL, da_sel_shape(s, a, NULL));
    ICHECK_ERR(DA_ERR_NULL, da_sel_mask_where(s, a, NULL, &one, NULL));
    ICHECK_ERR(DA_ERR_NULL, da_sel_mask_where(s, a, NULL, NULL, NULL));
    {
        int64_t mn = -1, *mc = NULL;
        ICHECK_ERR(DA_ERR_NULL, da_sel_mask_where(s, a, NULL, &mn, &mc)); /* the selection is not empty */
    }
    for (int with_dup = 0; with_dup < 2; with_dup++) {
        /* with_dup: repeated indices take the point-list path for acc */
        da_sel_t *q = NULL;
        ICHECK_DA(da_sel_create(nd, &q));
        if (with_dup) ICHECK_DA(da_sel_index(q, 0, 3, dup));
        if (accable(c->type)) ICHECK_ERR(DA_ERR_NULL, da_acc_sel(a, DA_OP_SUM, NULL, q, NULL));
        if (!accable(c->type)) {
            ICHECK_ERR(DA_ERR_TYPE, da_acc_sel(a, DA_OP_SUM, NULL, q, v));
            ICHECK_ERR(DA_ERR_TYPE, da_acc_sel(a, DA_OP_REPLACE, NULL, q, v));
        } else if (c->type == DA_COMPLEX_FLOAT || c->type == DA_COMPLEX_DOUBLE) {
            ICHECK_ERR(DA_ERR_OP, da_acc_sel(a, DA_OP_MIN, NULL, q, v));
            ICHECK_ERR(DA_ERR_OP, da_acc_sel(a, DA_OP_MAX, NULL, q, v));
        } else if (c->type == DA_FLOAT || c->type == DA_DOUBLE) {
            ICHECK_ERR(DA_ERR_OP, da_acc_sel(a, DA_OP_BXOR, NULL, q, v));
        }
        if (accable(c->type)) ICHECK_ERR(DA_ERR_OP, da_acc_sel(a, (da_op_t)77, NULL, q, v));
        ICHECK_DA(da_sel_destroy(&q));
    }
    /* a destroyed selection */
    IR_CTX("%s %s: destroyed selection", c->m.desc, ir_type_name(c->type));
    da_sel_t *stale = s;
    ICHECK_DA(da_sel_destroy(&s));
    ICHECK_ERR(DA_ERR_HANDLE, da_get_sel(a, stale, g));
    ICHECK_ERR(DA_ERR_HANDLE, da_put_sel(a, stale, v));
    ICHECK_ERR(DA_ERR_HANDLE, da_sel_shape(stale, a, shape));
    ICHECK_ERR(DA_ERR_HANDLE, da_sel_slice(stale, 0, 0, 1, 1));
    ICHECK_ERR(DA_ERR_HANDLE, da_plan_create_sel(a, stale, &p));
    ICHECK_ERR(DA_ERR_HANDLE, da_sel_destroy(&stale));
    ICHECK_ERR(DA_ERR_NULL, da_sel_destroy(NULL));
    gbuf_check(g, c->es, count, "failed selection calls");
    gbuf_free(g, c->es);
    free(v);
}

static void run_case(int ndim, const int64_t *shape, const int *kinds, const int *grid, da_type_t type, int shm,
                     int mask_variant, uint64_t cs)
{
    double t0 = MPI_Wtime();
    ir_case_t c;
    memset(&c, 0, sizeof c);
    th_rng_t rng = ir_rng(cs, 'M', 0, 0);
    ir_map_build(&c.m, &rng, ndim, shape, kinds, grid, np);
    IR_CTX("%s %s: creation", c.m.desc, ir_type_name(type));
    ir_case_create(&c, MPI_COMM_WORLD, type, 5, shm, 0);
    snprintf(c.m.desc + strlen(c.m.desc), sizeof c.m.desc - strlen(c.m.desc), " DA_SHM=%d", c.shm);
    /* distinct initial values, put by rank 0 through the box path */
    for (int64_t f = 0; f < c.m.total; f++) ir_value(type, c.es, ir_mix(cs, (uint64_t)f), 0, ir_ref_at(&c, f));
    if (me == 0) {
        int64_t lo[IR_MAXD] = {0};
        ICHECK_DA(da_put(c.a, lo, c.m.shape, NULL, c.ref, NULL));
    }
    ICHECK_DA(da_sync(c.a));
    phase_get(&c, cs);
    ICHECK_DA(da_sync(c.a));
    phase_put(&c, cs);
    if (accable(type)) phase_acc(&c, cs);
    phase_local_mask(&c, cs);
    if (mask_variant >= 0) phase_mask_array(&c, cs, mask_variant);
    phase_errors(&c, cs);
    ICHECK_DA(da_sync(c.a));
    IR_CTX("%s %s: end of case (after the failed calls)", c.m.desc, ir_type_name(type));
    ir_check_whole(&c, "da_get at the end");
    ir_case_destroy(&c);
    if (getenv("TEST_SELECT_TIMES") && me == 0)
        fprintf(stderr, "case %s %s: %.3f s\n", c.m.desc, ir_type_name(type), MPI_Wtime() - t0);
    ir_map_free(&c.m);
}

/* The reference's slice rules on fixed examples, as NumPy prints them
   (np.arange(n)[start:stop:step]). */
static void check_np_slice_examples(void)
{
    static const struct { int64_t n, start, stop, step; const char *want; } ex[] = {
        {10, DA_NONE, DA_NONE, -1, "9 8 7 6 5 4 3 2 1 0"},
        {10, 8, 2, -3, "8 5"},
        {10, -3, DA_NONE, 1, "7 8 9"},
        {10, -100, 100, 4, "0 4 8"},
        {10, 100, -100, -4, "9 5 1"},
        {10, 5, 5, 1, ""},
        {10, DA_NONE, -11, -1, "9 8 7 6 5 4 3 2 1 0"},
        {10, -11, DA_NONE, -1, ""},
        {10, 3, DA_NONE, INT64_MAX, "3"},
        {10, DA_NONE, 0, -INT64_MAX, "9"},
        {1, DA_NONE, DA_NONE, -2, "0"},
        {5, -1, -6, -2, "4 2 0"},
    };
    for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++) {
        int64_t out[16];
        char got[200] = "";
        int64_t k = np_slice(ex[i].n, ex[i].start, ex[i].stop, ex[i].step, out);
        for (int64_t j = 0, w = 0; j < k; j++)
            w += snprintf(got + w, sizeof got - (size_t)w, "%s%" PRId64, j ? " " : "", out[j]);
        CHECK(strcmp(got, ex[i].want) == 0, "reference slice example %zu: got \"%s\", NumPy gives \"%s\"", i, got,
              ex[i].want);
    }
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &me);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    double t0 = MPI_Wtime();
    lite = np >= 3;
    check_np_slice_examples();

    int ncase = 0;
    if (!lite) {
        static const struct { int nd; int64_t shape[3]; int kinds[3]; da_type_t t; } cases[] = {
            {1, {17}, {IR_BLOCK}, DA_DOUBLE},
            {1, {2}, {IR_CYCLIC}, DA_INT64},
            {2, {7, 9}, {IR_BC2, IR_BLOCK_GA}, DA_INT64},
            {2, {5, 6}, {IR_IRREG, IR_NONE}, DA_COMPLEX_DOUBLE},
            {3, {4, 3, 5}, {IR_UNSTR, IR_BC3, IR_CYCLIC}, DA_DOUBLE},
            {3, {1, 2, 3}, {IR_BC1, IR_IRREG, IR_UNSTR}, DA_OPAQUE},
            {2, {6, 1}, {IR_NONE, IR_BC1}, DA_FLOAT},
            {1, {11}, {IR_UNSTR}, DA_INT32},
        };
        for (int k = 0; k < (int)(sizeof cases / sizeof cases[0]); k++, ncase++)
            run_case(cases[k].nd, cases[k].shape, cases[k].kinds, NULL, cases[k].t, k % 2, k % 4 == 3 ? -1 : k,
                     ir_mix(SEED, (uint64_t)ncase));
    } else {
        /* fewer arrays when oversubscribed; every kind still on a distributed dimension */
        static const struct { int nd; int64_t shape[3]; int kinds[3]; da_type_t t; } cases[] = {
            {2, {7, 9}, {IR_BLOCK, IR_BC2}, DA_DOUBLE},
            {2, {6, 5}, {IR_CYCLIC, IR_IRREG}, DA_INT64},
            {3, {5, 4, 3}, {IR_UNSTR, IR_BC3, IR_BLOCK_GA}, DA_COMPLEX_DOUBLE},
            {2, {2, 3}, {IR_NONE, IR_BC1}, DA_OPAQUE},
        };
        for (int k = 0; k < 4; k++, ncase++) {
            int grid[3] = {1, 1, 1}, *gp = NULL;
            if (np % 2 == 0 && cases[k].kinds[0] != IR_NONE) { /* two distributed dimensions */
                grid[0] = 2;
                grid[1] = np / 2;
                gp = grid;
            }
            run_case(cases[k].nd, cases[k].shape, cases[k].kinds, gp, cases[k].t, k % 2, k < 2 ? k : -1,
                     ir_mix(SEED, (uint64_t)ncase));
        }
    }
    long tot[2] = {st_sel, st_calls}, sum[2];
    MPI_Reduce(tot, sum, 2, MPI_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
    if (me == 0)
        printf("test_select: %d ranks, %d maps, %ld selections, %ld get/put/acc/mask calls (all ranks), %.2f s: OK\n",
               np, ncase, sum[0], sum[1], MPI_Wtime() - t0);
    MPI_Finalize();
    return 0;
}
