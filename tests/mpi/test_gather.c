/* Point lists and plans (darray/gather.h) against a full reference copy.
 *
 * For maps of every kind (block, block_ga, cyclic, block-cyclic b = 1, 2, 3,
 * irregular with empty parts, none, unstructured random partitions), 1-D to
 * 3-D, including shapes smaller than the rank count, for element types
 * double, int64, int32, float, complex float/double and 12-byte opaque, with
 * the same-node shortcut on and off (DA_SHM set before each creation unless
 * the environment fixes it) and some arrays with DA_RMA_MAX_COUNT=2 (groups
 * cut into pieces of two slots):
 *
 *  A. scatters: every rank scatters point lists (empty, one point, random
 *     with duplicates, one point on every owner plus more, all on one owner,
 *     a permutation of its points) by coordinates or by flat index into its
 *     own share of the elements (flat % nranks == rank, so ranks never race),
 *     then gathers the same list back: duplicates, last in list order wins;
 *     the scattered buffer is not modified;
 *  B. after da_sync, gathers of random lists over all elements into guarded
 *     buffers, and the whole array by da_get (the box path);
 *  C. scatter-accumulate from all ranks into the whole (small) array with
 *     many collisions: SUM with alpha, MAX, MIN, BXOR on integers, REPLACE
 *     (last wins) on each rank's own share; checked exactly;
 *  D. plans replayed (100 times on two maps — 100/nranks on the RMA path
 *     at 2+ ranks — a few times on the others) with new data each time:
 *     put, acc, get, blocking and non-blocking;
 *  E. many non-blocking plan requests outstanding at once (puts, accs, two
 *     gets of one plan), completed in random order by da_wait, da_test and
 *     da_waitall;
 *  F. bad input: coordinates and flat indices out of range, NULL lists and
 *     buffers with n > 0, negative n, accumulate on opaque arrays, MIN/MAX on
 *     complex, bitwise ops on floating types, unknown ops, destroyed plans:
 *     each its own error code, and the array is unchanged;
 *  G. plans whose array was destroyed answer DA_ERR_HANDLE.
 *
 * Every rank keeps a dense reference copy updated by plain loops; each rank
 * regenerates every other rank's lists and values from the shared seed.
 *
 * At 3 and more ranks ("lite": oversubscribed on small machines, where each
 * array creation and each RMA flush waits for other ranks to be scheduled)
 * there are fewer maps, chosen so every kind still lies on a distributed
 * dimension, and each map makes fewer calls.
 *
 * Debugging aids (environment): TEST_GATHER_TIMES=1 prints seconds per case
 * and per phase; TEST_GATHER_STEPWISE=1 checks the array after every
 * scatter-acc phase; TEST_GATHER_DUMP=1 prints each rank's scatter-acc lists.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darray.h"
#include "darray/gather.h"
#include "harness.h"
#include "irregular_ref.h"

static int me, np;
static const uint64_t SEED = 0x9a7e4e12c0ffee01ULL;
static long st_cases, st_calls, st_points;
static double ph_time[8]; /* seconds per phase (TEST_GATHER_TIMES) */
/* At 3 and more ranks (oversubscribed on small machines, where every RMA
   flush waits for the target to be scheduled) each case makes fewer calls,
   rotating what it covers across cases, and there are fewer cases. */
static int lite;

/* ---- point lists ---------------------------------------------------------- */

enum { F_EMPTY, F_ONE, F_RANDOM, F_ALL_OWNERS, F_ONE_OWNER, F_PERM, NFLAVORS };
static const char *const flavor_names[NFLAVORS] = {"empty", "one point", "random with duplicates",
                                                   "every owner", "one owner", "permutation"};

typedef struct plist {
    int64_t n;
    int64_t *flat;   /* NULL only when n == 0 */
    int64_t *coords; /* n x ndim, NULL only when n == 0 */
    int use_flat;
    int flavor;
} plist_t;

static void plist_free(plist_t *pl)
{
    free(pl->flat);
    free(pl->coords);
    memset(pl, 0, sizeof *pl);
}

static void plist_set_coords(const ir_case_t *c, plist_t *pl)
{
    if (pl->n == 0) return;
    pl->coords = malloc(sizeof *pl->coords * (size_t)(pl->n * c->m.ndim));
    CHECK(pl->coords, "out of memory");
    for (int64_t i = 0; i < pl->n; i++) ir_flat_to_idx(&c->m, pl->flat[i], pl->coords + i * c->m.ndim);
}

/* Flat indices a writer may use: its own share (flat % np == writer), or
   every element for writer < 0. */
static int64_t candidates(const ir_case_t *c, int writer, int64_t *cand)
{
    int64_t nc = 0;
    for (int64_t f = 0; f < c->m.total; f++)
        if (writer < 0 || f % np == writer) cand[nc++] = f;
    return nc;
}

/* A point list of the given flavor. Deterministic in rng's state, so every
   rank can regenerate any rank's list. Empty lists sometimes come as NULL. */
static void gen_points(const ir_case_t *c, th_rng_t *rng, int flavor, int writer, plist_t *pl)
{
    const ir_map_t *m = &c->m;
    int64_t *cand = malloc(sizeof *cand * (size_t)m->total);
    int64_t *sub = malloc(sizeof *sub * (size_t)m->total);
    int64_t cap = 4 * m->total + 16 + np;
    int64_t *fl = malloc(sizeof *fl * (size_t)cap);
    CHECK(cand && sub && fl, "out of memory");
    int64_t nc = candidates(c, writer, cand), n = 0;
    if (nc == 0) flavor = F_EMPTY;
    switch (flavor) {
    case F_EMPTY: break;
    case F_ONE: fl[n++] = cand[th_rng_range(rng, 0, nc)]; break;
    case F_RANDOM: {
        int64_t k = th_rng_range(rng, 1, 3 * nc + 3);
        for (int64_t i = 0; i < k; i++) fl[n++] = cand[th_rng_range(rng, 0, nc)];
        break;
    }
    case F_ALL_OWNERS: {
        for (int o = 0; o < np; o++) {
            int64_t ns = 0;
            for (int64_t i = 0; i < nc; i++)
                if (m->owner[cand[i]] == o) sub[ns++] = cand[i];
            if (ns) fl[n++] = sub[th_rng_range(rng, 0, ns)];
        }
        int64_t extra = th_rng_range(rng, 0, nc + 1);
        for (int64_t i = 0; i < extra; i++) fl[n++] = cand[th_rng_range(rng, 0, nc)];
        th_rng_shuffle(rng, fl, n);
        break;
    }
    case F_ONE_OWNER: {
        int owners[256], no = 0;
        for (int o = 0; o < np && no < 256; o++) {
            int has = 0;
            for (int64_t i = 0; i < nc && !has; i++) has = m->owner[cand[i]] == o;
            if (has) owners[no++] = o;
        }
        int o = owners[th_rng_range(rng, 0, no)];
        int64_t ns = 0;
        for (int64_t i = 0; i < nc; i++)
            if (m->owner[cand[i]] == o) sub[ns++] = cand[i];
        int64_t k = th_rng_range(rng, 1, 2 * ns + 2);
        for (int64_t i = 0; i < k; i++) fl[n++] = sub[th_rng_range(rng, 0, ns)];
        break;
    }
    default: { /* every candidate once, in random order, then a few repeats */
        for (int64_t i = 0; i < nc; i++) fl[n++] = cand[i];
        int64_t extra = th_rng_range(rng, 0, 4);
        for (int64_t i = 0; i < extra; i++) fl[n++] = cand[th_rng_range(rng, 0, nc)];
        th_rng_shuffle(rng, fl, n);
    }
    }
    CHECK(n <= cap, "list overflow");
    memset(pl, 0, sizeof *pl);
    pl->n = n;
    pl->flavor = flavor;
    pl->use_flat = (int)th_rng_range(rng, 0, 2);
    if (n == 0 && th_rng_range(rng, 0, 2)) {
        free(fl);
        fl = NULL;
    }
    pl->flat = fl;
    plist_set_coords(c, pl);
    if (n == 0 && fl && !pl->coords) { /* a non-NULL empty list too */
        pl->coords = malloc(sizeof *pl->coords);
        CHECK(pl->coords, "out of memory");
    }
    free(cand);
    free(sub);
}

/* n values of the case's type determined by (h, i). */
static unsigned char *gen_values(const ir_case_t *c, int64_t n, uint64_t h, int small)
{
    unsigned char *v = malloc((size_t)(n ? n : 1) * c->es);
    CHECK(v, "out of memory");
    for (int64_t i = 0; i < n; i++) ir_value(c->type, c->es, ir_mix(h, (uint64_t)i), small, v + (size_t)i * c->es);
    return v;
}

/* ---- guarded buffers ------------------------------------------------------ */

enum { GUARD = 4 };

static unsigned char guard_byte(int64_t j)
{
    return (unsigned char)(0xA5 ^ (j * 29));
}

static unsigned char *gbuf_new(size_t es, int64_t n)
{
    size_t bytes = (size_t)(n + 2 * GUARD) * es;
    unsigned char *mem = malloc(bytes);
    CHECK(mem, "out of memory");
    for (size_t j = 0; j < bytes; j++) mem[j] = guard_byte((int64_t)j);
    return mem + GUARD * es;
}

static void gbuf_check(const unsigned char *base, size_t es, int64_t n, const char *what)
{
    const unsigned char *mem = base - GUARD * es;
    size_t bytes = (size_t)(n + 2 * GUARD) * es;
    for (size_t j = 0; j < bytes; j++) {
        if (j >= GUARD * es && j < (size_t)(n + GUARD) * es) continue;
        ICHECK(mem[j] == guard_byte((int64_t)j), "%s: buffer of %" PRId64 " elements: guard byte at offset %lld "
               "changed (0x%02x, expected 0x%02x)", what, n, (long long)j - (long long)(GUARD * es), mem[j],
               guard_byte((int64_t)j));
    }
}

static void gbuf_free(unsigned char *base, size_t es)
{
    free(base - GUARD * es);
}

/* ---- calls and reference updates ------------------------------------------ */

static int pl_gather(ir_case_t *c, const plist_t *pl, void *buf)
{
    st_calls++;
    st_points += pl->n;
    return pl->use_flat ? da_gather_flat(c->a, pl->n, pl->flat, buf) : da_gather(c->a, pl->n, pl->coords, buf);
}

static int pl_scatter(ir_case_t *c, const plist_t *pl, const void *buf)
{
    st_calls++;
    st_points += pl->n;
    return pl->use_flat ? da_scatter_flat(c->a, pl->n, pl->flat, buf) : da_scatter(c->a, pl->n, pl->coords, buf);
}

static int pl_acc(ir_case_t *c, da_op_t op, const void *alpha, const plist_t *pl, const void *buf)
{
    st_calls++;
    st_points += pl->n;
    return pl->use_flat ? da_scatter_acc_flat(c->a, op, alpha, pl->n, pl->flat, buf)
                        : da_scatter_acc(c->a, op, alpha, pl->n, pl->coords, buf);
}

static int pl_plan(ir_case_t *c, const plist_t *pl, da_plan_t **p)
{
    return pl->use_flat ? da_plan_create_flat(c->a, pl->n, pl->flat, p) : da_plan_create(c->a, pl->n, pl->coords, p);
}

static void ref_scatter(ir_case_t *c, const plist_t *pl, const unsigned char *vals)
{
    for (int64_t i = 0; i < pl->n; i++) memcpy(ir_ref_at(c, pl->flat[i]), vals + (size_t)i * c->es, c->es);
}

static void ref_accum(ir_case_t *c, da_op_t op, const void *alpha, const plist_t *pl, const unsigned char *vals)
{
    for (int64_t i = 0; i < pl->n; i++) ir_acc(c->type, op, alpha, ir_ref_at(c, pl->flat[i]), vals + (size_t)i * c->es);
}

/* Gathered values (in list order) equal the reference. */
static void check_values(const ir_case_t *c, const plist_t *pl, const unsigned char *buf, const char *what)
{
    for (int64_t i = 0; i < pl->n; i++) {
        const unsigned char *want = ir_ref_at(c, pl->flat[i]), *got = buf + (size_t)i * c->es;
        if (!ir_eq(c->type, c->es, want, got)) {
            char e1[100], e2[100];
            ICHECK(0, "%s (%s list of %" PRId64 " points, %s): point %" PRId64 " (flat %" PRId64 ", owner %d): "
                      "expected %s, got %s", what, flavor_names[pl->flavor], pl->n, pl->use_flat ? "flat" : "coords",
                   i, pl->flat[i], c->m.owner[pl->flat[i]], ir_fmt(c->type, c->es, want, e1, sizeof e1),
                   ir_fmt(c->type, c->es, got, e2, sizeof e2));
        }
    }
}

/* Gather pl into a guarded buffer and check it. */
static void gather_check(ir_case_t *c, const plist_t *pl, const char *what)
{
    unsigned char *g = gbuf_new(c->es, pl->n);
    ICHECK_DA(pl_gather(c, pl, pl->n || (me & 1) ? g : NULL));
    check_values(c, pl, g, what);
    gbuf_check(g, c->es, pl->n, what);
    gbuf_free(g, c->es);
}

static int accable(da_type_t t)
{
    return t != DA_OPAQUE;
}

/* ---- A: scatters into each rank's share, read back ------------------------ */

static void phase_scatter(ir_case_t *c, uint64_t cs)
{
    for (int round = 0; round < (lite ? 2 : 3); round++) {
        for (int r = 0; r < np; r++) {
            th_rng_t rng = ir_rng(cs, 'A', (uint64_t)round, (uint64_t)r);
            plist_t pl;
            gen_points(c, &rng, (int)th_rng_range(&rng, 0, NFLAVORS), r, &pl);
            unsigned char *v = gen_values(c, pl.n, th_rng_next(&rng), 0);
            ref_scatter(c, &pl, v);
            if (r == me) {
                IR_CTX("%s %s: A. scatter round %d, %s list of %" PRId64 " points by %s", c->m.desc,
                       ir_type_name(c->type), round, flavor_names[pl.flavor], pl.n, pl.use_flat ? "flat" : "coords");
                unsigned char *copy = malloc((size_t)(pl.n ? pl.n : 1) * c->es);
                CHECK(copy, "out of memory");
                memcpy(copy, v, (size_t)pl.n * c->es);
                ICHECK_DA(pl_scatter(c, &pl, pl.n ? v : NULL));
                ICHECK(memcmp(copy, v, (size_t)pl.n * c->es) == 0, "scatter modified its buffer");
                free(copy);
                gather_check(c, &pl, "gather after own scatter");
            }
            free(v);
            plist_free(&pl);
        }
    }
}

/* ---- B: gathers of anything after a sync ----------------------------------- */

static void phase_gather(ir_case_t *c, uint64_t cs)
{
    IR_CTX("%s %s: B. whole array after the scatters", c->m.desc, ir_type_name(c->type));
    ir_check_whole(c, "da_get after scatters");
    th_rng_t rng = ir_rng(cs, 'B', 0, (uint64_t)me);
    int rounds = lite ? 3 : NFLAVORS + 1;
    for (int round = 0; round < rounds; round++) {
        plist_t pl;
        int flavor = lite ? (int)((st_cases * 3 + round) % NFLAVORS)
                   : round < NFLAVORS ? round : (int)th_rng_range(&rng, 0, NFLAVORS);
        gen_points(c, &rng, flavor, -1, &pl);
        IR_CTX("%s %s: B. gather %s list of %" PRId64 " points by %s", c->m.desc, ir_type_name(c->type),
               flavor_names[pl.flavor], pl.n, pl.use_flat ? "flat" : "coords");
        gather_check(c, &pl, "gather");
        plist_free(&pl);
    }
}

/* ---- C: scatter-accumulate with collisions ---------------------------------- */

typedef struct {
    da_op_t op;
    int alpha;  /* pass an alpha (else NULL) */
    int own;    /* each rank only into its own share (REPLACE: last wins) */
    int small;  /* small values (sums stay exact) */
} acc_phase_t;

static int acc_phases(da_type_t t, acc_phase_t *ph)
{
    int n = 0;
    ph[n++] = (acc_phase_t){DA_OP_SUM, 1, 0, 1};
    ph[n++] = (acc_phase_t){DA_OP_SUM, 0, 0, 1};
    if (t == DA_INT32 || t == DA_INT64) {
        ph[n++] = (acc_phase_t){DA_OP_MAX, 1, 0, 0};
        ph[n++] = (acc_phase_t){DA_OP_BXOR, 0, 0, 0};
        ph[n++] = (acc_phase_t){DA_OP_MIN, 0, 0, 0};
    } else if (t == DA_FLOAT || t == DA_DOUBLE) {
        ph[n++] = (acc_phase_t){DA_OP_MAX, 1, 0, 1};
        ph[n++] = (acc_phase_t){DA_OP_MIN, 0, 0, 0};
    }
    ph[n++] = (acc_phase_t){DA_OP_REPLACE, 0, 1, 0};
    return n;
}

static void make_alpha(da_type_t t, int phase, unsigned char *alpha)
{
    static const int choices[] = {3, -2, 1, 5};
    int k = choices[phase % 4];
    switch (t) {
    case DA_INT32: { int32_t v = k; memcpy(alpha, &v, 4); break; }
    case DA_INT64: { int64_t v = k; memcpy(alpha, &v, 8); break; }
    case DA_FLOAT: { float v = (float)k * 0.5f; memcpy(alpha, &v, 4); break; }
    case DA_DOUBLE: { double v = (double)k * 0.5; memcpy(alpha, &v, 8); break; }
    case DA_COMPLEX_FLOAT: { float v[2] = {(float)k, -1}; memcpy(alpha, v, 8); break; }
    case DA_COMPLEX_DOUBLE: { double v[2] = {(double)k, 2}; memcpy(alpha, v, 16); break; }
    default: break;
    }
}

static void phase_acc(ir_case_t *c, uint64_t cs)
{
    acc_phase_t ph[8];
    int nph = acc_phases(c->type, ph);
    for (int p = 0; p < nph; p++) {
        if (lite && p != 0 && p != 1 + st_cases % (nph - 1)) continue;
        unsigned char alpha[16];
        make_alpha(c->type, p, alpha);
        const void *al = ph[p].alpha ? alpha : NULL;
        for (int r = 0; r < np; r++) {
            th_rng_t rng = ir_rng(cs, 'C', (uint64_t)p, (uint64_t)r);
            plist_t pl;
            /* many collisions: up to three times the elements plus 40 */
            int flavor = ph[p].own ? (int)th_rng_range(&rng, 0, NFLAVORS) : F_RANDOM;
            if (flavor == F_RANDOM && !ph[p].own) {
                int64_t cand_n = c->m.total, k = th_rng_range(&rng, 0, 3 * cand_n + 40);
                memset(&pl, 0, sizeof pl);
                pl.n = k;
                pl.flavor = F_RANDOM;
                pl.use_flat = (int)th_rng_range(&rng, 0, 2);
                pl.flat = malloc(sizeof *pl.flat * (size_t)(k ? k : 1));
                CHECK(pl.flat, "out of memory");
                for (int64_t i = 0; i < k; i++) pl.flat[i] = th_rng_range(&rng, 0, cand_n);
                plist_set_coords(c, &pl);
                if (!pl.coords) pl.coords = malloc(sizeof *pl.coords);
            } else {
                gen_points(c, &rng, flavor, r, &pl);
            }
            unsigned char *v = gen_values(c, pl.n, th_rng_next(&rng), ph[p].small);
            ref_accum(c, ph[p].op, al, &pl, v);
            if (r == me) {
                IR_CTX("%s %s: C. scatter-acc phase %d op %s alpha %s, %s list of %" PRId64 " points by %s",
                       c->m.desc, ir_type_name(c->type), p, ir_op_name(ph[p].op), al ? "given" : "NULL",
                       flavor_names[pl.flavor], pl.n, pl.use_flat ? "flat" : "coords");
                if (getenv("TEST_GATHER_DUMP")) {
                    fprintf(stderr, "[rank %d] %s list:", me, ir_ctx);
                    for (int64_t i = 0; i < pl.n; i++) {
                        char e[100];
                        fprintf(stderr, " %" PRId64 "=%s", pl.flat[i], ir_fmt(c->type, c->es, v + i * c->es, e, sizeof e));
                    }
                    fprintf(stderr, "\n");
                }
                ICHECK_DA(pl_acc(c, ph[p].op, al, &pl, pl.n ? v : NULL));
            }
            free(v);
            plist_free(&pl);
        }
        ICHECK_DA(da_sync(c->a)); /* phases with different ops must not overlap */
        if (getenv("TEST_GATHER_STEPWISE")) { /* debugging: locate the failing phase */
            IR_CTX("%s %s: C. after scatter-acc phase %d op %s", c->m.desc, ir_type_name(c->type), p, ir_op_name(ph[p].op));
            ir_check_whole(c, "da_get after a scatter-acc phase");
            ICHECK_DA(da_sync(c->a));
        }
    }
    IR_CTX("%s %s: C. after %d scatter-acc phases", c->m.desc, ir_type_name(c->type), nph);
    ir_check_whole(c, "da_get after scatter-acc phases");
}

/* ---- D: plans replayed with changing data ---------------------------------- */

static void phase_plans(ir_case_t *c, uint64_t cs, int iters)
{
    int acc = accable(c->type);
    for (int r = 0; r < np; r++) {
        th_rng_t rng = ir_rng(cs, 'D', 0, (uint64_t)r);
        plist_t lp, la, lg;
        gen_points(c, &rng, (int)th_rng_range(&rng, 1, NFLAVORS), r, &lp);
        gen_points(c, &rng, (int)th_rng_range(&rng, 0, NFLAVORS), r, &la);
        gen_points(c, &rng, (int)th_rng_range(&rng, 1, NFLAVORS), r, &lg);
        uint64_t hp = th_rng_next(&rng), ha = th_rng_next(&rng);
        da_plan_t *pp = NULL, *pa = NULL, *pg = NULL;
        if (r == me) {
            IR_CTX("%s %s: D. plan creation", c->m.desc, ir_type_name(c->type));
            ICHECK_DA(pl_plan(c, &lp, &pp));
            ICHECK_DA(pl_plan(c, &la, &pa));
            ICHECK_DA(pl_plan(c, &lg, &pg));
            int64_t cnt = -1;
            ICHECK_DA(da_plan_count(pp, &cnt));
            ICHECK(cnt == lp.n, "da_plan_count %" PRId64 ", list has %" PRId64, cnt, lp.n);
            ICHECK_DA(da_plan_count(pg, &cnt));
            ICHECK(cnt == lg.n, "da_plan_count %" PRId64 ", list has %" PRId64, cnt, lg.n);
        }
        unsigned char *g = gbuf_new(c->es, lg.n);
        for (int it = 0; it < iters; it++) {
            unsigned char *vp = gen_values(c, lp.n, ir_mix(hp, (uint64_t)it), 0);
            unsigned char *va = gen_values(c, la.n, ir_mix(ha, (uint64_t)it), 1);
            unsigned char alpha[16];
            make_alpha(c->type, it, alpha);
            const void *al = it % 3 ? alpha : NULL;
            ref_scatter(c, &lp, vp);
            if (acc) ref_accum(c, DA_OP_SUM, al, &la, va);
            if (r == me) {
                int nb = it % 2;
                IR_CTX("%s %s: D. plan replay %d of %d (%s): put %s list of %" PRId64 ", acc %s list of %" PRId64
                       ", get %s list of %" PRId64,
                       c->m.desc, ir_type_name(c->type), it, iters, nb ? "non-blocking" : "blocking",
                       flavor_names[lp.flavor], lp.n, flavor_names[la.flavor], la.n, flavor_names[lg.flavor], lg.n);
                void *bp = lp.n || it % 4 < 2 ? vp : NULL, *ba = la.n || it % 4 < 2 ? va : NULL;
                void *bg = lg.n || it % 4 < 2 ? g : NULL;
                if (!nb) {
                    ICHECK_DA(da_plan_put(pp, bp));
                    if (acc) ICHECK_DA(da_plan_acc(pa, DA_OP_SUM, al, ba));
                    ICHECK_DA(da_plan_get(pg, bg));
                } else {
                    da_request_t q = DA_REQUEST_NULL;
                    ICHECK_DA(da_plan_nbput(pp, bp, &q));
                    ICHECK_DA(da_wait(q));
                    ICHECK_DA(da_flush(c->a)); /* puts and accs are not ordered by MPI */
                    if (acc) {
                        ICHECK_DA(da_plan_nbacc(pa, DA_OP_SUM, al, ba, &q));
                        ICHECK_DA(da_wait(q));
                        ICHECK_DA(da_flush(c->a));
                    }
                    ICHECK_DA(da_plan_nbget(pg, bg, &q));
                    ICHECK_DA(da_wait(q));
                }
                st_calls += 3;
                st_points += lp.n + la.n + lg.n;
                check_values(c, &lg, g, "plan get after plan put and acc");
                gbuf_check(g, c->es, lg.n, "plan get");
            }
            free(vp);
            free(va);
        }
        gbuf_free(g, c->es);
        if (r == me) {
            ICHECK_DA(da_plan_destroy(&pp));
            ICHECK_DA(da_plan_destroy(&pa));
            ICHECK_DA(da_plan_destroy(&pg));
            ICHECK(pp == NULL && pa == NULL && pg == NULL, "da_plan_destroy did not clear the handle");
        }
        plist_free(&lp);
        plist_free(&la);
        plist_free(&lg);
    }
    ICHECK_DA(da_sync(c->a));
    IR_CTX("%s %s: D. after plan replays", c->m.desc, ir_type_name(c->type));
    ir_check_whole(c, "da_get after plan replays");
    /* a plan over every rank's elements, replayed */
    th_rng_t rng = ir_rng(cs, 'd', 0, (uint64_t)me);
    plist_t pl;
    gen_points(c, &rng, F_ALL_OWNERS, -1, &pl);
    da_plan_t *p = NULL;
    ICHECK_DA(pl_plan(c, &pl, &p));
    for (int k = 0; k < 2; k++) {
        unsigned char *g = gbuf_new(c->es, pl.n);
        ICHECK_DA(da_plan_get(p, g));
        check_values(c, &pl, g, "plan get of every owner");
        gbuf_check(g, c->es, pl.n, "plan get of every owner");
        gbuf_free(g, c->es);
    }
    ICHECK_DA(da_plan_destroy(&p));
    plist_free(&pl);
}

/* ---- E: many outstanding non-blocking plan requests ------------------------- */

enum { NBK = 6 };

/* Complete reqs[0..n) in random order, mixing da_wait, da_test and da_waitall. */
static void complete_random(th_rng_t *rng, da_request_t *reqs, int n)
{
    int64_t order[4 * NBK + 4];
    da_request_t batch[4 * NBK + 4];
    int nb = 0;
    for (int i = 0; i < n; i++) order[i] = i;
    th_rng_shuffle(rng, order, n);
    for (int i = 0; i < n; i++) {
        da_request_t q = reqs[order[i]];
        int how = (int)th_rng_range(rng, 0, 3);
        if (how == 0) {
            ICHECK_DA(da_wait(q));
        } else if (how == 1) {
            int done = 0;
            while (!done) ICHECK_DA(da_test(q, &done));
            int rc = da_wait(q);
            ICHECK(rc == DA_ERR_REQUEST_DONE || (q == DA_REQUEST_NULL && rc == DA_SUCCESS),
                   "da_wait after da_test said done: %d (%s)", rc, da_strerror(rc));
        } else {
            batch[nb++] = q;
        }
    }
    ICHECK_DA(da_waitall(nb, batch));
}

static void phase_nb(ir_case_t *c, uint64_t cs)
{
    int acc = accable(c->type);
    int64_t *cand = malloc(sizeof *cand * (size_t)c->m.total);
    CHECK(cand, "out of memory");
    for (int r = 0; r < np; r++) {
        th_rng_t rng = ir_rng(cs, 'E', 0, (uint64_t)r);
        int64_t nc = candidates(c, r, cand);
        th_rng_shuffle(&rng, cand, nc);
        int64_t cut[NBK + 1];
        cut[0] = 0;
        cut[NBK] = nc;
        for (int k = 1; k < NBK; k++) cut[k] = th_rng_range(&rng, 0, nc + 1);
        ir_sort64(cut + 1, NBK - 1);
        plist_t pl[NBK];
        unsigned char *vp[NBK], *va[NBK][2];
        for (int k = 0; k < NBK; k++) { /* disjoint point sets, duplicates inside each */
            int64_t len = cut[k + 1] - cut[k];
            memset(&pl[k], 0, sizeof pl[k]);
            pl[k].flavor = F_RANDOM;
            pl[k].use_flat = (int)th_rng_range(&rng, 0, 2);
            pl[k].n = len ? th_rng_range(&rng, 1, 2 * len + 2) : 0;
            pl[k].flat = malloc(sizeof *pl[k].flat * (size_t)(pl[k].n + 1));
            CHECK(pl[k].flat, "out of memory");
            for (int64_t i = 0; i < pl[k].n; i++) pl[k].flat[i] = cand[cut[k] + th_rng_range(&rng, 0, len)];
            plist_set_coords(c, &pl[k]);
            if (!pl[k].coords) pl[k].coords = malloc(sizeof *pl[k].coords);
            vp[k] = gen_values(c, pl[k].n, th_rng_next(&rng), 0);
            va[k][0] = gen_values(c, pl[k].n, th_rng_next(&rng), 1);
            va[k][1] = gen_values(c, pl[k].n, th_rng_next(&rng), 1);
            ref_scatter(c, &pl[k], vp[k]);
        }
        if (acc)
            for (int k = 0; k < NBK; k++)
                for (int j = 0; j < 2; j++) ref_accum(c, DA_OP_SUM, NULL, &pl[k], va[k][j]);
        if (r == me) {
            th_rng_t orng = ir_rng(cs, 'e', 0, (uint64_t)me);
            da_plan_t *p[NBK];
            da_request_t reqs[4 * NBK];
            IR_CTX("%s %s: E. %d plans, non-blocking puts outstanding together", c->m.desc, ir_type_name(c->type), NBK);
            for (int k = 0; k < NBK; k++) ICHECK_DA(pl_plan(c, &pl[k], &p[k]));
            for (int k = 0; k < NBK; k++) ICHECK_DA(da_plan_nbput(p[k], vp[k], &reqs[k]));
            complete_random(&orng, reqs, NBK);
            ICHECK_DA(da_flush(c->a));
            if (acc) {
                IR_CTX("%s %s: E. %d non-blocking accs outstanding together", c->m.desc, ir_type_name(c->type), 2 * NBK);
                for (int k = 0; k < NBK; k++)
                    for (int j = 0; j < 2; j++)
                        ICHECK_DA(da_plan_nbacc(p[k], DA_OP_SUM, NULL, va[k][j], &reqs[2 * k + j]));
                complete_random(&orng, reqs, 2 * NBK);
                ICHECK_DA(da_flush(c->a));
            }
            IR_CTX("%s %s: E. %d non-blocking gets outstanding together", c->m.desc, ir_type_name(c->type), NBK + 1);
            unsigned char *g[NBK + 1];
            for (int k = 0; k < NBK; k++) {
                g[k] = gbuf_new(c->es, pl[k].n);
                ICHECK_DA(da_plan_nbget(p[k], g[k], &reqs[k]));
            }
            g[NBK] = gbuf_new(c->es, pl[0].n); /* a second get of plan 0 at the same time */
            ICHECK_DA(da_plan_nbget(p[0], g[NBK], &reqs[NBK]));
            complete_random(&orng, reqs, NBK + 1);
            for (int k = 0; k <= NBK; k++) {
                const plist_t *l = &pl[k < NBK ? k : 0];
                check_values(c, l, g[k], "non-blocking plan get");
                gbuf_check(g[k], c->es, l->n, "non-blocking plan get");
                gbuf_free(g[k], c->es);
            }
            for (int k = 0; k < NBK; k++) ICHECK_DA(da_plan_destroy(&p[k]));
            st_calls += NBK * 4 + 1;
        }
        for (int k = 0; k < NBK; k++) {
            free(vp[k]);
            free(va[k][0]);
            free(va[k][1]);
            plist_free(&pl[k]);
        }
    }
    free(cand);
}

/* ---- F: bad input ------------------------------------------------------------ */

static void phase_errors(ir_case_t *c, uint64_t cs)
{
    da_array_t *a = c->a;
    th_rng_t rng = ir_rng(cs, 'F', 0, (uint64_t)me);
    plist_t pl;
    gen_points(c, &rng, F_RANDOM, -1, &pl);
    int64_t n = pl.n, nd = c->m.ndim;
    unsigned char *v = gen_values(c, n, th_rng_next(&rng), 0);
    unsigned char *g = gbuf_new(c->es, n);
    int64_t *bc = malloc(sizeof *bc * (size_t)(n * nd));
    int64_t *bf = malloc(sizeof *bf * (size_t)n);
    CHECK(bc && bf, "out of memory");
    int acc = accable(c->type);
    da_plan_t *p = NULL;

    /* one coordinate out of range, anywhere in the list (often last) */
    const int64_t badc[] = {-1, INT64_MIN, INT64_MAX, 0 /* shape */, 1 /* shape + 1 */};
    for (int t = 0; t < 5; t++) {
        memcpy(bc, pl.coords, sizeof *bc * (size_t)(n * nd));
        int64_t i = t % 2 ? n - 1 : th_rng_range(&rng, 0, n);
        int k = (int)th_rng_range(&rng, 0, nd);
        bc[i * nd + k] = t < 3 ? badc[t] : c->m.shape[k] + badc[t];
        IR_CTX("%s %s: F. coordinate %d of point %" PRId64 " of %" PRId64 " is %" PRId64 " (extent %" PRId64 ")",
               c->m.desc, ir_type_name(c->type), k, i, n, bc[i * nd + k], c->m.shape[k]);
        ICHECK_ERR(DA_ERR_BOUNDS, da_gather(a, n, bc, g));
        ICHECK_ERR(DA_ERR_BOUNDS, da_scatter(a, n, bc, v));
        if (acc) ICHECK_ERR(DA_ERR_BOUNDS, da_scatter_acc(a, DA_OP_SUM, NULL, n, bc, v));
        p = (da_plan_t *)&p;
        ICHECK_ERR(DA_ERR_BOUNDS, da_plan_create(a, n, bc, &p));
        ICHECK(p == NULL, "failed da_plan_create left a plan");
    }
    /* a flat index out of range */
    const int64_t badf[] = {-1, INT64_MIN, INT64_MAX, 0 /* total */, 7 /* total + 7 */};
    for (int t = 0; t < 5; t++) {
        memcpy(bf, pl.flat, sizeof *bf * (size_t)n);
        int64_t i = t % 2 ? n - 1 : th_rng_range(&rng, 0, n);
        bf[i] = t < 3 ? badf[t] : c->m.total + badf[t];
        IR_CTX("%s %s: F. flat index of point %" PRId64 " of %" PRId64 " is %" PRId64 " (total %" PRId64 ")",
               c->m.desc, ir_type_name(c->type), i, n, bf[i], c->m.total);
        ICHECK_ERR(DA_ERR_BOUNDS, da_gather_flat(a, n, bf, g));
        ICHECK_ERR(DA_ERR_BOUNDS, da_scatter_flat(a, n, bf, v));
        if (acc) ICHECK_ERR(DA_ERR_BOUNDS, da_scatter_acc_flat(a, DA_OP_SUM, NULL, n, bf, v));
        p = (da_plan_t *)&p;
        ICHECK_ERR(DA_ERR_BOUNDS, da_plan_create_flat(a, n, bf, &p));
        ICHECK(p == NULL, "failed da_plan_create_flat left a plan");
    }
    IR_CTX("%s %s: F. NULL lists, NULL buffers, negative counts", c->m.desc, ir_type_name(c->type));
    ICHECK_ERR(DA_ERR_NULL, da_gather(a, n, NULL, g));
    ICHECK_ERR(DA_ERR_NULL, da_scatter(a, n, NULL, v));
    ICHECK_ERR(DA_ERR_NULL, da_gather_flat(a, n, NULL, g));
    ICHECK_ERR(DA_ERR_NULL, da_scatter_flat(a, n, NULL, v));
    ICHECK_ERR(DA_ERR_NULL, da_plan_create(a, n, NULL, &p));
    ICHECK_ERR(DA_ERR_NULL, da_plan_create_flat(a, n, NULL, &p));
    ICHECK_ERR(DA_ERR_NULL, da_gather(a, n, pl.coords, NULL));
    ICHECK_ERR(DA_ERR_NULL, da_scatter(a, n, pl.coords, NULL));
    ICHECK_ERR(DA_ERR_NULL, da_gather_flat(a, n, pl.flat, NULL));
    ICHECK_ERR(DA_ERR_NULL, da_scatter_flat(a, n, pl.flat, NULL));
    ICHECK_ERR(DA_ERR_NULL, da_gather(NULL, n, pl.coords, g));
    ICHECK_ERR(DA_ERR_NULL, da_scatter_flat(NULL, n, pl.flat, v));
    ICHECK_ERR(DA_ERR_NULL, da_plan_create(a, n, pl.coords, NULL));
    ICHECK_ERR(DA_ERR_NULL, da_plan_create(NULL, n, pl.coords, &p));
    for (int t = 0; t < 2; t++) {
        int64_t neg = t ? INT64_MIN : -1;
        ICHECK_ERR(DA_ERR_ARG, da_gather(a, neg, pl.coords, g));
        ICHECK_ERR(DA_ERR_ARG, da_scatter(a, neg, pl.coords, v));
        ICHECK_ERR(DA_ERR_ARG, da_gather_flat(a, neg, pl.flat, g));
        ICHECK_ERR(DA_ERR_ARG, da_scatter_flat(a, neg, pl.flat, v));
        ICHECK_ERR(DA_ERR_ARG, da_plan_create(a, neg, pl.coords, &p));
        ICHECK_ERR(DA_ERR_ARG, da_plan_create_flat(a, neg, pl.flat, &p));
        if (acc) {
            ICHECK_ERR(DA_ERR_ARG, da_scatter_acc(a, DA_OP_SUM, NULL, neg, pl.coords, v));
            ICHECK_ERR(DA_ERR_ARG, da_scatter_acc_flat(a, DA_OP_SUM, NULL, neg, pl.flat, v));
        }
    }
    if (acc) {
        ICHECK_ERR(DA_ERR_NULL, da_scatter_acc(a, DA_OP_SUM, NULL, n, NULL, v));
        ICHECK_ERR(DA_ERR_NULL, da_scatter_acc_flat(a, DA_OP_SUM, NULL, n, NULL, v));
        ICHECK_ERR(DA_ERR_NULL, da_scatter_acc(a, DA_OP_SUM, NULL, n, pl.coords, NULL));
        ICHECK_ERR(DA_ERR_NULL, da_scatter_acc_flat(a, DA_OP_SUM, NULL, n, pl.flat, NULL));
    }

    /* plan replays with bad buffers or requests */
    ICHECK_DA(pl_plan(c, &pl, &p));
    da_request_t q = DA_REQUEST_NULL;
    IR_CTX("%s %s: F. plan replays with NULL buffers / requests", c->m.desc, ir_type_name(c->type));
    ICHECK_ERR(DA_ERR_NULL, da_plan_get(p, NULL));
    ICHECK_ERR(DA_ERR_NULL, da_plan_put(p, NULL));
    ICHECK_ERR(DA_ERR_NULL, da_plan_nbget(p, NULL, &q));
    ICHECK_ERR(DA_ERR_NULL, da_plan_nbput(p, NULL, &q));
    ICHECK_ERR(DA_ERR_NULL, da_plan_nbget(p, g, NULL));
    ICHECK_ERR(DA_ERR_NULL, da_plan_nbput(p, v, NULL));
    ICHECK_ERR(DA_ERR_NULL, da_plan_count(p, NULL));
    ICHECK_ERR(DA_ERR_NULL, da_plan_get(NULL, g));
    if (acc) {
        ICHECK_ERR(DA_ERR_NULL, da_plan_acc(p, DA_OP_SUM, NULL, NULL));
        ICHECK_ERR(DA_ERR_NULL, da_plan_nbacc(p, DA_OP_SUM, NULL, NULL, &q));
        ICHECK_ERR(DA_ERR_NULL, da_plan_nbacc(p, DA_OP_SUM, NULL, v, NULL));
    }

    /* operations not valid for the type */
    IR_CTX("%s %s: F. accumulate ops not valid for the type", c->m.desc, ir_type_name(c->type));
    if (!acc) {
        ICHECK_ERR(DA_ERR_TYPE, da_scatter_acc(a, DA_OP_SUM, NULL, n, pl.coords, v));
        ICHECK_ERR(DA_ERR_TYPE, da_scatter_acc_flat(a, DA_OP_REPLACE, NULL, n, pl.flat, v));
        ICHECK_ERR(DA_ERR_TYPE, da_plan_acc(p, DA_OP_SUM, NULL, v));
        ICHECK_ERR(DA_ERR_TYPE, da_plan_nbacc(p, DA_OP_SUM, NULL, v, &q));
    } else {
        int cplx = c->type == DA_COMPLEX_FLOAT || c->type == DA_COMPLEX_DOUBLE;
        int integer = c->type == DA_INT32 || c->type == DA_INT64;
        if (cplx) {
            ICHECK_ERR(DA_ERR_OP, da_scatter_acc(a, DA_OP_MIN, NULL, n, pl.coords, v));
            ICHECK_ERR(DA_ERR_OP, da_scatter_acc_flat(a, DA_OP_MAX, NULL, n, pl.flat, v));
            ICHECK_ERR(DA_ERR_OP, da_plan_acc(p, DA_OP_MIN, NULL, v));
            ICHECK_ERR(DA_ERR_OP, da_plan_nbacc(p, DA_OP_MAX, NULL, v, &q));
        }
        if (!integer) {
            ICHECK_ERR(DA_ERR_OP, da_scatter_acc(a, DA_OP_BXOR, NULL, n, pl.coords, v));
            ICHECK_ERR(DA_ERR_OP, da_plan_acc(p, DA_OP_BAND, NULL, v));
        }
        ICHECK_ERR(DA_ERR_OP, da_scatter_acc(a, (da_op_t)42, NULL, n, pl.coords, v));
        ICHECK_ERR(DA_ERR_OP, da_scatter_acc_flat(a, (da_op_t)-1, NULL, n, pl.flat, v));
        ICHECK_ERR(DA_ERR_OP, da_plan_acc(p, (da_op_t)8, NULL, v));
    }

    /* a destroyed plan */
    IR_CTX("%s %s: F. destroyed plan", c->m.desc, ir_type_name(c->type));
    da_plan_t *stale = p;
    ICHECK_DA(da_plan_destroy(&p));
    ICHECK(p == NULL, "da_plan_destroy did not clear the handle");
    int64_t cnt;
    ICHECK_ERR(DA_ERR_HANDLE, da_plan_get(stale, g));
    ICHECK_ERR(DA_ERR_HANDLE, da_plan_put(stale, v));
    ICHECK_ERR(DA_ERR_HANDLE, da_plan_nbget(stale, g, &q));
    ICHECK_ERR(DA_ERR_HANDLE, da_plan_nbput(stale, v, &q));
    ICHECK_ERR(DA_ERR_HANDLE, da_plan_count(stale, &cnt));
    if (acc) {
        ICHECK_ERR(DA_ERR_HANDLE, da_plan_acc(stale, DA_OP_SUM, NULL, v));
        ICHECK_ERR(DA_ERR_HANDLE, da_plan_nbacc(stale, DA_OP_SUM, NULL, v, &q));
    }
    ICHECK_ERR(DA_ERR_HANDLE, da_plan_destroy(&stale));
    ICHECK_ERR(DA_ERR_NULL, da_plan_destroy(NULL));
    ICHECK_ERR(DA_ERR_NULL, da_plan_destroy(&p));
    gbuf_check(g, c->es, n, "failed calls");

    free(bc);
    free(bf);
    free(v);
    gbuf_free(g, c->es);
    plist_free(&pl);
}

/* ---- one case ---------------------------------------------------------------- */

static void run_case(int ndim, const int64_t *shape, const int *kinds, const int *grid, da_type_t type, size_t osz,
                     int shm, int64_t maxc, int iters, uint64_t cs)
{
    double t0 = MPI_Wtime(), tp = t0;
    ir_case_t c;
    memset(&c, 0, sizeof c);
    th_rng_t rng = ir_rng(cs, 'M', 0, 0);
    ir_map_build(&c.m, &rng, ndim, shape, kinds, grid, np);
    IR_CTX("%s %s: creation", c.m.desc, ir_type_name(type));
    ir_case_create(&c, MPI_COMM_WORLD, type, osz, shm, maxc);
    snprintf(c.m.desc + strlen(c.m.desc), sizeof c.m.desc - strlen(c.m.desc), " DA_SHM=%d%s", c.shm,
             c.max_count ? " DA_RMA_MAX_COUNT set" : "");
    st_cases++;

#define PHASE_DONE(k) (ph_time[k] += MPI_Wtime() - tp, tp = MPI_Wtime())
    PHASE_DONE(0);
    phase_scatter(&c, cs);
    ICHECK_DA(da_sync(c.a));
    PHASE_DONE(1);
    phase_gather(&c, cs);
    ICHECK_DA(da_sync(c.a)); /* reads done before anyone accumulates */
    PHASE_DONE(2);
    if (accable(type)) {
        phase_acc(&c, cs);
        ICHECK_DA(da_sync(c.a)); /* every rank has checked before anyone writes again */
    }
    PHASE_DONE(3);
    /* -N: N replays; N / np on the RMA path at 2 and more ranks, and a few
       when the case meant the shortcut but the environment forced DA_SHM=0
       (the other 100-replay case covers the RMA path) */
    if (iters < 0 && lite && shm && !c.shm) iters = 4;
    if (iters < 0) iters = c.shm || np == 1 ? -iters : -iters / np;
    phase_plans(&c, cs, iters);
    ICHECK_DA(da_sync(c.a));
    PHASE_DONE(4);
    phase_nb(&c, cs);
    PHASE_DONE(5);
    phase_errors(&c, cs);
    ICHECK_DA(da_sync(c.a));
    PHASE_DONE(6);
    IR_CTX("%s %s: end of case (after non-blocking phase and failed calls)", c.m.desc, ir_type_name(type));
    ir_check_whole(&c, "da_get at the end");
    ir_case_destroy(&c);
    PHASE_DONE(7);
    if (getenv("TEST_GATHER_TIMES") && me == 0)
        fprintf(stderr, "case %ld %s %s: %.3f s\n", st_cases, c.m.desc, ir_type_name(type), MPI_Wtime() - t0);
    ir_map_free(&c.m);
}

/* ---- G: plans outliving their array ------------------------------------------- */

static void lifetime(void)
{
    int64_t shape[2] = {7, 5};
    int kinds[2] = {IR_CYCLIC, IR_BLOCK};
    ir_case_t c;
    memset(&c, 0, sizeof c);
    th_rng_t rng = ir_rng(SEED, 'G', 0, 0);
    ir_map_build(&c.m, &rng, 2, shape, kinds, NULL, np);
    IR_CTX("G. plan whose array was destroyed, %s", c.m.desc);
    ir_case_create(&c, MPI_COMM_WORLD, DA_DOUBLE, 0, 1, 0);
    plist_t pl;
    th_rng_t prng = ir_rng(SEED, 'G', 1, (uint64_t)me);
    gen_points(&c, &prng, F_ALL_OWNERS, -1, &pl);
    da_plan_t *p1 = NULL, *p2 = NULL;
    ICHECK_DA(da_plan_create(c.a, pl.n, pl.coords, &p1));
    ICHECK_DA(da_plan_create_flat(c.a, pl.n, pl.flat, &p2));
    unsigned char *v = gen_values(&c, pl.n, 7, 0);
    unsigned char *g = gbuf_new(c.es, pl.n);
    da_request_t q = DA_REQUEST_NULL;
    ICHECK_DA(da_plan_nbget(p2, g, &q)); /* pending at destroy: destroy completes it */
    ir_case_destroy(&c);
    for (int64_t i = 0; i < pl.n; i++) /* the array was zero-filled */
        ICHECK(*(double *)(g + 8 * i) == 0.0, "get completed by destroy: point %" PRId64 " is %g", i,
               *(double *)(g + 8 * i));
    gbuf_check(g, c.es, pl.n, "get completed by destroy");
    ICHECK_ERR(DA_ERR_REQUEST_DONE, da_wait(q));
    int64_t cnt;
    ICHECK_ERR(DA_ERR_HANDLE, da_plan_get(p1, g));
    ICHECK_ERR(DA_ERR_HANDLE, da_plan_put(p1, v));
    ICHECK_ERR(DA_ERR_HANDLE, da_plan_acc(p1, DA_OP_SUM, NULL, v));
    ICHECK_ERR(DA_ERR_HANDLE, da_plan_nbget(p1, g, &q));
    ICHECK_ERR(DA_ERR_HANDLE, da_plan_nbput(p2, v, &q));
    ICHECK_ERR(DA_ERR_HANDLE, da_plan_nbacc(p2, DA_OP_SUM, NULL, v, &q));
    ICHECK_ERR(DA_ERR_HANDLE, da_plan_count(p2, &cnt));
    /* the plans themselves can still be freed */
    ICHECK_DA(da_plan_destroy(&p1));
    ICHECK_DA(da_plan_destroy(&p2));
    gbuf_free(g, c.es);
    free(v);
    plist_free(&pl);
    ir_map_free(&c.m);
}

/* A plan whose array was destroyed must answer DA_ERR_HANDLE even when a
 * new array got the old handle's address (and, with the window pool, the
 * old memory): plans check the array's serial number, not its pointer.
 * Arrays are created until one lands on the old address (within a few). */
static void lifetime_reuse(void)
{
    int64_t shape[1] = {9};
    int kinds[1] = {IR_BLOCK};
    ir_map_t m;
    th_rng_t rng = ir_rng(SEED, 'G', 2, 0);
    ir_map_build(&m, &rng, 1, shape, kinds, NULL, np);
    IR_CTX("G. plan whose array was destroyed and a new array at its address, %s", m.desc);
    int reused = 0;
    for (int attempt = 0; attempt < 50 && !reused; attempt++) {
        da_array_t *a = NULL, *b = NULL;
        ICHECK_DA(da_array_create(MPI_COMM_WORLD, DA_DOUBLE, m.d, &a));
        int64_t flat[3] = {0, 4, 8};
        double v[3] = {1, 2, 3}, out[9];
        da_plan_t *p = NULL;
        ICHECK_DA(da_plan_create_flat(a, 3, flat, &p));
        const void *old = (const void *)a;
        ICHECK_DA(da_array_destroy(&a));
        ICHECK_DA(da_array_create(MPI_COMM_WORLD, DA_DOUBLE, m.d, &b));
        int same = (const void *)b == old;
        MPI_Allreduce(&same, &reused, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
        if (reused) {
            ICHECK_ERR(DA_ERR_HANDLE, da_plan_put(p, v));
            ICHECK_ERR(DA_ERR_HANDLE, da_plan_get(p, v));
            ICHECK_DA(da_sync(b));
            int64_t lo = 0, hi = 9;
            ICHECK_DA(da_get(b, &lo, &hi, NULL, out, NULL));
            for (int i = 0; i < 9; i++)
                ICHECK(out[i] == 0.0, "new array element %d is %g after a stale plan's put (expected 0)", i, out[i]);
        }
        ICHECK_DA(da_plan_destroy(&p));
        ICHECK_DA(da_array_destroy(&b));
    }
    if (me == 0) printf("test_gather: stale plan vs reused address %s\n", reused ? "checked" : "not reached");
    ir_map_free(&m);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &me);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    double t0 = MPI_Wtime();

    static const da_type_t third[] = {DA_INT32, DA_COMPLEX_DOUBLE, DA_FLOAT, DA_OPAQUE, DA_COMPLEX_FLOAT};
    lite = np >= 3;
    int ncase = 0;
    if (!lite) {
        /* Every kind on the first dimension: 1-D (double), 2-D (int64), 3-D
           (the other types in turn), other dimensions of random kinds. */
        for (int k = 0; k < IR_NKINDS; k++) {
            for (int nd = 1; nd <= 3; nd++, ncase++) {
                uint64_t cs = ir_mix(SEED, (uint64_t)ncase);
                th_rng_t rng = ir_rng(cs, 'S', 0, 0);
                int64_t shape[3];
                int kinds[3] = {k, 0, 0};
                for (int i = 0; i < nd; i++) shape[i] = th_rng_range(&rng, 1, nd == 1 ? 40 : nd == 2 ? 12 : 6);
                for (int i = 1; i < nd; i++) kinds[i] = (int)th_rng_range(&rng, 0, IR_NKINDS);
                da_type_t t = nd == 1 ? DA_DOUBLE : nd == 2 ? DA_INT64 : third[k % 5];
                /* 100 replays on two maps, one each way when the test picks DA_SHM */
                int iters = (k == IR_BLOCK && nd == 1) || (k == IR_CYCLIC && nd == 2) ? -100 : 4;
                run_case(nd, shape, kinds, NULL, t, 12, (k + nd) % 2, (k + 2 * nd) % 4 == 0 ? 2 : 0, iters, cs);
            }
        }
    } else if (np % 2) {
        /* An odd rank count splits one dimension only: every kind on it, 1-D. */
        for (int k = 0; k < IR_NKINDS; k++, ncase++) {
            uint64_t cs = ir_mix(SEED, (uint64_t)ncase);
            th_rng_t rng = ir_rng(cs, 'S', 0, 0);
            int64_t shape[1] = {th_rng_range(&rng, 1, 40)};
            int kinds[1] = {k == IR_NONE ? IR_BC2 : k};
            da_type_t t = k % 3 == 0 ? DA_DOUBLE : k % 3 == 1 ? DA_INT64 : third[k % 5];
            int iters = k == IR_BLOCK || k == IR_BC1 ? -100 : 2;
            run_case(1, shape, kinds, NULL, t, 12, k % 2, k % 4 == 3 ? 2 : 0, iters, cs);
        }
        /* none: undistributed dimension beside a distributed one, 3-D */
        int64_t shape[3] = {3, 4, 2};
        int kinds[3] = {IR_NONE, IR_UNSTR, IR_BLOCK_GA};
        run_case(3, shape, kinds, NULL, DA_COMPLEX_FLOAT, 0, 1, 0, 2, ir_mix(SEED, (uint64_t)ncase));
        ncase++;
    } else {
        /* Even rank counts: 2-D maps on a 2 x np/2 grid, two kinds each;
           none beside a dimension holding all the ranks; one 3-D map. */
        static const int pairs[][2] = {{IR_BLOCK, IR_CYCLIC}, {IR_BLOCK_GA, IR_BC1}, {IR_BC2, IR_BC3},
                                       {IR_IRREG, IR_UNSTR}, {IR_NONE, IR_BC2}};
        for (int q = 0; q < 5; q++, ncase++) {
            uint64_t cs = ir_mix(SEED, (uint64_t)ncase);
            th_rng_t rng = ir_rng(cs, 'S', 0, 0);
            int64_t shape[2] = {th_rng_range(&rng, 1, 12), th_rng_range(&rng, 1, 12)};
            int grid[2] = {2, np / 2};
            if (pairs[q][0] == IR_NONE) grid[0] = 1, grid[1] = np;
            da_type_t t = q % 2 ? DA_INT64 : DA_DOUBLE;
            int iters = q <= 1 ? -100 : 2;
            run_case(2, shape, pairs[q], grid, t, 12, q % 2, q == 3 ? 2 : 0, iters, cs);
        }
        int64_t shape[3] = {5, 3, 4};
        int kinds[3] = {IR_UNSTR, IR_BC3, IR_IRREG};
        run_case(3, shape, kinds, NULL, third[ncase % 5], 12, 0, 2, 2, ir_mix(SEED, (uint64_t)ncase));
        ncase++;
    }
    /* shapes smaller than the rank count */
    static const int64_t small[][3] = {{1, 0, 0}, {2, 0, 0}, {3, 0, 0}, {1, 1, 0}, {2, 1, 0}, {1, 3, 1}, {3, 2, 0}};
    static const int small_nd[] = {1, 1, 1, 2, 2, 3, 2};
    for (int s = 0; s < 7; s++, ncase++) {
        if (lite && s != 2) continue;
        uint64_t cs = ir_mix(SEED, (uint64_t)ncase);
        th_rng_t rng = ir_rng(cs, 'S', 0, 0);
        int kinds[3];
        for (int i = 0; i < 3; i++) kinds[i] = (int)th_rng_range(&rng, 0, IR_NKINDS);
        kinds[0] = (s * 4) % IR_NKINDS;
        da_type_t t = s % 2 ? DA_INT64 : DA_DOUBLE;
        run_case(small_nd[s], small[s], kinds, NULL, t, 0, s % 2, s == 3 ? 2 : 0, 3, cs);
    }
    lifetime();
    lifetime_reuse();

    double dt = MPI_Wtime() - t0;
    long tot[3] = {st_cases, st_calls, st_points}, sum[3];
    MPI_Reduce(tot, sum, 3, MPI_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
    if (me == 0)
        printf("test_gather: %d ranks, %ld cases, %ld point-list calls over %ld points (all ranks), %.2f s: OK\n", np,
               st_cases, sum[1], sum[2], dt);
    if (getenv("TEST_GATHER_TIMES") && me == 0)
        fprintf(stderr, "phase seconds: create %.2f A %.2f B %.2f C %.2f D %.2f E %.2f F %.2f check+destroy %.2f\n",
                ph_time[0], ph_time[1], ph_time[2], ph_time[3], ph_time[4], ph_time[5], ph_time[6], ph_time[7]);
    MPI_Finalize();
    return 0;
}
