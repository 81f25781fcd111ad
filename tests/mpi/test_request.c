/* Non-blocking box transfers (da_nbput, da_nbget, da_nbacc) and their
 * requests (da_wait, da_test, da_waitall), checked against a full local
 * copy of the array that every rank keeps identically.
 *
 * For each map (block x block, cyclic x block, block-cyclic(2) x
 * block-cyclic(3), irregular x not distributed) and type (int64, double,
 * and complex double on the block-cyclic map, whose struct datatypes once
 * tripped MPICH):
 *  - nbput: rank r writes rows r, r+np, ... in strided column sets, from
 *    buffers with padded leading dimensions; half the requests completed by
 *    da_test polling, the rest by da_waitall;
 *  - nbget: every rank reads many random strided boxes at once into padded
 *    buffers (ld larger than the box: the case MPICH's request-based get
 *    with a derived origin type lost), all outstanding, then da_waitall;
 *  - nbacc: every rank adds alpha times integer values into random
 *    overlapping boxes; exact in every type;
 *  - thousands of one-element nbgets outstanding at once;
 *  - bad input: waiting twice, a made-up handle, NULL outputs, a box out of
 *    bounds (no request made), DA_REQUEST_NULL, and an array destroyed with
 *    a request pending (destroy completes it; waiting on it afterwards says
 *    so).
 */
#include <complex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darray.h"
#include "harness.h"

/* A darray call must return exactly `code`. */
#define CHECK_RC(call, code)                                                                         \
    do {                                                                                             \
        int rc_ = (call);                                                                            \
        CHECK(rc_ == (code), "%s returned %d (%s), want %d: %s", #call, rc_, da_strerror(rc_), (code), \
              da_last_error());                                                                      \
    } while (0)

enum { R = 13, C = 11 };
static int g_me, g_np;

typedef struct {
    da_type_t type;
    size_t es;
    double ref[R][C]; /* the array's values (all real and integral: exact in every type) */
} state_t;

static uint64_t rng_state;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}
static int64_t rnd_range(int64_t lo, int64_t hi) { return lo + (int64_t)(rnd() % (uint64_t)(hi - lo)); }

static void store(const state_t *s, void *buf, int64_t i, double v)
{
    switch (s->type) {
    case DA_INT64: ((int64_t *)buf)[i] = (int64_t)v; break;
    case DA_DOUBLE: ((double *)buf)[i] = v; break;
    default: ((double complex *)buf)[i] = v - 2 * v * I; break;
    }
}

static double load(const state_t *s, const void *buf, int64_t i, int *ok)
{
    switch (s->type) {
    case DA_INT64: return (double)((const int64_t *)buf)[i];
    case DA_DOUBLE: return ((const double *)buf)[i];
    default: {
        double complex z = ((const double complex *)buf)[i];
        if (cimag(z) != -2 * creal(z)) *ok = 0;
        return creal(z);
    }
    }
}

/* A random box with steps: rows [r0, r1) step rs, cols [c0, c1) step cs. */
typedef struct {
    int64_t lo[2], hi[2], step[2], n[2], ld;
} box_t;

static box_t random_box(void)
{
    box_t b;
    int64_t ext[2] = {R, C};
    for (int d = 0; d < 2; d++) {
        b.lo[d] = rnd_range(0, ext[d]);
        b.hi[d] = rnd_range(b.lo[d] + 1, ext[d] + 1);
        b.step[d] = rnd_range(1, 4);
        b.n[d] = (b.hi[d] - b.lo[d] + b.step[d] - 1) / b.step[d];
    }
    b.ld = b.n[1] + rnd_range(0, 4); /* padded rows in the buffer */
    return b;
}

static void check_whole(da_array_t *a, const state_t *s, const char *what)
{
    int64_t lo[2] = {0, 0}, hi[2] = {R, C};
    char *buf = calloc(R * C, s->es);
    CHECK_DA(da_get(a, lo, hi, NULL, buf, NULL));
    int ok = 1;
    for (int i = 0; i < R; i++)
        for (int j = 0; j < C; j++) {
            double v = load(s, buf, i * C + j, &ok);
            CHECK(ok && v == s->ref[i][j], "%s type %d: (%d,%d) is %g, want %g", what, (int)s->type, i, j, v,
                  s->ref[i][j]);
        }
    free(buf);
    CHECK_DA(da_sync(a));
}

static void run(const char *mapname, da_dist_t *d, da_type_t type, size_t es)
{
    state_t *s = calloc(1, sizeof *s);
    s->type = type;
    s->es = es;
    da_array_t *a;
    CHECK_DA(da_array_create(MPI_COMM_WORLD, type, d, &a));
    rng_state = 0x9e3779b97f4a7c15ULL ^ (uint64_t)type; /* the same sequence on every rank */

    /* nbput: rows r, r+np, ... by rank r, each row's columns cs-strided */
    {
        int nreq = 0;
        da_request_t req[R];
        char *bufs[R] = {0};
        for (int i = 0; i < R; i++) {
            int64_t c0 = (int64_t)(i % 3), cs = 1 + i % 2, n = (C - c0 + cs - 1) / cs;
            int writer = i % g_np;
            char *buf = calloc((size_t)n + 2, es);
            for (int64_t k = 0; k < n; k++) {
                double v = 1000 * i + c0 + k * cs + 1;
                s->ref[i][c0 + k * cs] = v;
                store(s, buf, k, v);
            }
            if (writer == g_me) {
                int64_t lo[2] = {i, c0}, hi[2] = {i + 1, C}, step[2] = {1, cs}, ld[1] = {n + 2};
                CHECK_DA(da_nbput(a, lo, hi, step, buf, ld, &req[nreq]));
                bufs[nreq++] = buf;
            } else {
                free(buf);
            }
        }
        for (int k = 0; k < nreq / 2; k++) { /* da_test until done */
            int done = 0;
            for (long spins = 0; !done; spins++) {
                CHECK_DA(da_test(req[k], &done));
                CHECK(spins < 100000000L, "da_test never answered done");
            }
            CHECK_RC(da_test(req[k], &done), DA_ERR_REQUEST_DONE);
        }
        CHECK_DA(da_waitall(nreq - nreq / 2, req + nreq / 2));
        for (int k = 0; k < nreq; k++) free(bufs[k]);
        CHECK_DA(da_sync(a));
        check_whole(a, s, "nbput");
    }

    /* nbget: many strided boxes outstanding at once, padded buffers */
    {
        enum { NB = 40 };
        box_t b[NB];
        char *bufs[NB];
        da_request_t req[NB];
        for (int k = 0; k < NB; k++) {
            b[k] = random_box();
            bufs[k] = malloc((size_t)(b[k].n[0] * b[k].ld + 1) * es);
            memset(bufs[k], 0x5a, (size_t)(b[k].n[0] * b[k].ld + 1) * es);
            int64_t ld[1] = {b[k].ld};
            CHECK_DA(da_nbget(a, b[k].lo, b[k].hi, b[k].step, bufs[k], ld, &req[k]));
        }
        CHECK_DA(da_waitall(NB, req));
        for (int k = 0; k < NB; k++) {
            int ok = 1;
            for (int64_t i = 0; i < b[k].n[0]; i++)
                for (int64_t j = 0; j < b[k].n[1]; j++) {
                    int64_t gi = b[k].lo[0] + i * b[k].step[0], gj = b[k].lo[1] + j * b[k].step[1];
                    double v = load(s, bufs[k], i * b[k].ld + j, &ok);
                    CHECK(ok && v == s->ref[gi][gj], "%s type %d nbget %d: (%lld,%lld) is %g, want %g", mapname,
                          (int)type, k, (long long)gi, (long long)gj, v, s->ref[gi][gj]);
                }
            /* the padding stays untouched */
            unsigned char pad = ((unsigned char *)bufs[k])[(b[k].n[0] * b[k].ld) * es];
            CHECK(pad == 0x5a, "%s nbget %d wrote past the box", mapname, k);
            free(bufs[k]);
        }
        CHECK_DA(da_sync(a));
    }

    /* nbacc: every rank adds alpha * value into random overlapping boxes */
    {
        enum { NA = 12 };
        da_request_t req[NA];
        char *bufs[NA];
        int nreq = 0;
        for (int r = 0; r < g_np; r++)
            for (int k = 0; k < NA; k++) {
                box_t b = random_box();
                double alpha = (double)(1 + (k % 3));
                char *buf = malloc((size_t)(b.n[0] * b.ld) * es);
                for (int64_t i = 0; i < b.n[0]; i++)
                    for (int64_t j = 0; j < b.n[1]; j++) {
                        double v = (double)(r + 1) * (double)(i + j + k);
                        store(s, buf, i * b.ld + j, v);
                        s->ref[b.lo[0] + i * b.step[0]][b.lo[1] + j * b.step[1]] += alpha * v;
                    }
                if (r != g_me) {
                    free(buf);
                    continue;
                }
                char al[16];
                store(s, al, 0, alpha);
                if (type == DA_COMPLEX_DOUBLE) *(double complex *)al = alpha; /* real alpha */
                int64_t ld[1] = {b.ld};
                CHECK_DA(da_nbacc(a, DA_OP_SUM, al, b.lo, b.hi, b.step, buf, ld, &req[nreq]));
                bufs[nreq++] = buf;
            }
        CHECK_DA(da_waitall(nreq, req));
        for (int k = 0; k < nreq; k++) free(bufs[k]);
        CHECK_DA(da_sync(a));
        check_whole(a, s, "nbacc");
    }

    /* thousands outstanding: one-element gets of every element, repeatedly */
    {
        int reps = g_np <= 2 ? 16 : 4, n = R * C * reps;
        da_request_t *req = malloc(sizeof *req * (size_t)n);
        char *buf = malloc((size_t)n * es);
        for (int k = 0; k < n; k++) {
            int64_t lo[2] = {(k / C) % R, k % C}, hi[2] = {lo[0] + 1, lo[1] + 1};
            CHECK_DA(da_nbget(a, lo, hi, NULL, buf + (size_t)k * es, NULL, &req[k]));
        }
        CHECK_DA(da_waitall(n, req));
        int ok = 1;
        for (int k = 0; k < n; k++) {
            double v = load(s, buf, k, &ok);
            CHECK(ok && v == s->ref[(k / C) % R][k % C], "%s: one-element nbget %d is %g", mapname, k, v);
        }
        free(req);
        free(buf);
        CHECK_DA(da_sync(a));
    }

    /* bad input */
    {
        char one[16];
        int64_t lo[2] = {0, 0}, hi[2] = {1, 1}, bad_hi[2] = {R + 1, 1};
        da_request_t q = 77;
        CHECK_DA(da_nbget(a, lo, hi, NULL, one, NULL, &q));
        CHECK_DA(da_wait(q));
        CHECK_RC(da_wait(q), DA_ERR_REQUEST_DONE);
        CHECK_RC(da_wait((da_request_t)0x7777777), DA_ERR_REQUEST);
        CHECK_DA(da_wait(DA_REQUEST_NULL));
        int done;
        CHECK_DA(da_nbget(a, lo, hi, NULL, one, NULL, &q));
        CHECK_RC(da_test(q, NULL), DA_ERR_NULL);
        CHECK_DA(da_wait(q));
        CHECK_RC(da_nbget(a, lo, hi, NULL, one, NULL, NULL), DA_ERR_NULL);
        q = 77;
        CHECK_RC(da_nbget(a, lo, bad_hi, NULL, one, NULL, &q), DA_ERR_BOUNDS);
        CHECK(q == DA_REQUEST_NULL, "a failed da_nbget left request %lld", (long long)q);
        CHECK_RC(da_nbput(a, lo, hi, NULL, NULL, NULL, &q), DA_ERR_NULL);
        CHECK_RC(da_waitall(3, NULL), DA_ERR_NULL);
        CHECK_DA(da_waitall(0, NULL));
        CHECK_RC(da_test((da_request_t)-5, &done), DA_ERR_REQUEST);
        /* pending at destroy: destroy completes it, the handle is dead after */
        CHECK_DA(da_nbget(a, lo, hi, NULL, one, NULL, &q));
        CHECK_DA(da_sync(a));
        CHECK_DA(da_array_destroy(&a));
        int ok = 1;
        CHECK(load(s, one, 0, &ok) == s->ref[0][0] && ok, "%s: get pending at destroy delivered %g", mapname,
              load(s, one, 0, &ok));
        CHECK_RC(da_wait(q), DA_ERR_REQUEST_DONE); /* destroy completed it */
    }
    free(s);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_me);
    MPI_Comm_size(MPI_COMM_WORLD, &g_np);
    double t0 = MPI_Wtime();
    int64_t shape[2] = {R, C};
    int64_t starts[5] = {0, 2, 3, 9, 0}; /* irregular: uneven rows, the last part biggest */
    for (int k = g_np; k < 5; k++) starts[k] = 0;
    if (g_np == 1) starts[0] = 0;
    struct {
        const char *name;
        da_dim_spec_t dims[2];
    } maps[] = {
        {"block x block", {DA_DIM_BLOCK, DA_DIM_BLOCK}},
        {"cyclic x block", {DA_DIM_CYCLIC, DA_DIM_BLOCK}},
        {"block-cyclic(2) x block-cyclic(3)", {DA_DIM_BLOCK_CYCLIC(2), DA_DIM_BLOCK_CYCLIC(3)}},
        {"irregular x none", {DA_DIM_IRREGULAR(g_np, starts), DA_DIM_NONE}},
    };
    for (size_t m = 0; m < sizeof maps / sizeof maps[0]; m++) {
        da_dist_t *d;
        CHECK_DA(da_dist_create(2, shape, maps[m].dims, NULL, g_np, &d));
        run(maps[m].name, d, DA_INT64, 8);
        run(maps[m].name, d, DA_DOUBLE, 8);
        if (m == 2) run(maps[m].name, d, DA_COMPLEX_DOUBLE, 16);
        CHECK_DA(da_dist_destroy(&d));
    }
    if (g_me == 0) printf("test_request: %d ranks OK (%.2f s)\n", g_np, MPI_Wtime() - t0);
    MPI_Finalize();
    return 0;
}
