/* Atomics on one element: exact under contention, consistent with da_acc.
 *
 *  - a shared task counter (int32 and int64, da_fetch_add) taken by all
 *    ranks until exhausted: every task taken exactly once (a tally array
 *    counts takers per task), the sum and the count of the tasks come out,
 *    and the counter ends at tasks + ranks (one overshoot per rank);
 *  - a lock-free stack: every rank pushes nodes onto one distributed list
 *    with da_atomic_read + da_cas; afterwards the list holds every node
 *    once, each rank's nodes in reverse push order;
 *  - fetch-and-op of every valid (type, op) pair on one element by all ranks
 *    at once, values chosen so the result is exact in any order; da_acc and
 *    da_fetch_op mixed on one element (the two must share a mechanism);
 *  - swap: every value swapped in comes out exactly once;
 *  - each op's returned old value, deterministically, on a rank's own
 *    element and on a neighbour's; 2-D arrays on a block-cyclic map;
 *  - every bad input returns its error and changes nothing.
 *
 * Run with DA_SHM=0 too: then every atomic goes through MPI RMA.
 */
#include <complex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darray.h"
#include "harness.h"

static int g_me, g_np;
static int g_rma; /* DA_SHM=0: every operation through MPI RMA */

/* Iterations for a part. On the RMA path (DA_SHM=0) every operation needs
   the target scheduled; on a loaded or oversubscribed machine that costs up
   to milliseconds per operation, so those runs do fewer. */
static int iters(int n)
{
    if (!g_rma || g_np == 1) return n;
    return g_np > 2 ? n / 10 : n / 5;
}


/* Array creation is collective and costly when ranks outnumber cores, so
   the parts share one 1-D array per type: SLOTS elements per rank (block),
   each part using its own slots. */
#define SLOTS 16
enum { S_COUNTER = 0, S_HEAD = 1, S_OP = 2 /* .. 9: one per op */, S_SWAP = 12, S_BAD = 13, S_OLD = 14 /* 14, 15 */ };

static const da_type_t TYPES[] = {DA_INT32, DA_INT64, DA_FLOAT, DA_DOUBLE, DA_COMPLEX_FLOAT, DA_COMPLEX_DOUBLE};
#define NTYPES 6
static const char *const TNAME[] = {"int32", "int64", "float", "double", "cfloat", "cdouble"};
static da_array_t *g_arr[NTYPES];

/* Global index of slot s on rank r. */
static int64_t slot(int r, int s) { return (int64_t)r * SLOTS + s; }

static int is_int(da_type_t t) { return t == DA_INT32 || t == DA_INT64; }
static int is_cplx(da_type_t t) { return t == DA_COMPLEX_FLOAT || t == DA_COMPLEX_DOUBLE; }

static da_array_t *make_1d(da_type_t t, int64_t n, da_dim_spec_t spec)
{
    da_dist_t *d;
    da_array_t *a;
    CHECK_DA(da_dist_create(1, &n, &spec, NULL, g_np, &d));
    CHECK_DA(da_array_create(MPI_COMM_WORLD, t, d, &a));
    CHECK_DA(da_dist_destroy(&d));
    return a;
}

static void set_val(da_type_t t, double re, double im, void *out)
{
    switch (t) {
    case DA_INT32: { int32_t v = (int32_t)re; memcpy(out, &v, 4); break; }
    case DA_INT64: { int64_t v = (int64_t)re; memcpy(out, &v, 8); break; }
    case DA_FLOAT: { float v = (float)re; memcpy(out, &v, 4); break; }
    case DA_DOUBLE: { memcpy(out, &re, 8); break; }
    case DA_COMPLEX_FLOAT: { float v[2] = {(float)re, (float)im}; memcpy(out, v, 8); break; }
    default: { double v[2] = {re, im}; memcpy(out, v, 16); break; }
    }
}

static void get_val(da_type_t t, const void *in, double *re, double *im)
{
    *im = 0;
    switch (t) {
    case DA_INT32: { int32_t v; memcpy(&v, in, 4); *re = v; break; }
    case DA_INT64: { int64_t v; memcpy(&v, in, 8); *re = (double)v; break; }
    case DA_FLOAT: { float v; memcpy(&v, in, 4); *re = v; break; }
    case DA_DOUBLE: { memcpy(re, in, 8); break; }
    case DA_COMPLEX_FLOAT: { float v[2]; memcpy(v, in, 8); *re = v[0]; *im = v[1]; break; }
    default: { double v[2]; memcpy(v, in, 16); *re = v[0]; *im = v[1]; break; }
    }
}

/* ---- task counter ----------------------------------------------------------- */

static void task_counter(da_type_t t, int64_t ntasks, da_array_t *tally)
{
    da_array_t *ctr = g_arr[t];
    int64_t cidx = slot(g_np - 1, S_COUNTER), mine = 0, sum = 0;
    /* zero the counter and this rank's part of the tally */
    char zero[16] = {0};
    if (g_me == 0) CHECK_DA(da_swap(ctr, &cidx, zero, NULL));
    void *loc;
    int64_t lshape;
    CHECK_DA(da_array_local(tally, &loc, &lshape, NULL));
    if (loc) memset(loc, 0, sizeof(int32_t) * (size_t)lshape);
    CHECK_DA(da_sync(tally));
    CHECK_DA(da_sync(ctr));
    for (;;) {
        int64_t task;
        CHECK_DA(da_fetch_add(ctr, &cidx, 1, &task));
        if (task >= ntasks) break;
        CHECK(task >= 0, "task %lld", (long long)task);
        int32_t one = 1;
        int64_t hi = task + 1;
        CHECK_DA(da_acc(tally, DA_OP_SUM, NULL, &task, &hi, NULL, &one, NULL));
        mine++;
        sum += task;
    }
    int64_t l2[2] = {mine, sum}, tot[2];
    CHECK_MPI(MPI_Allreduce(l2, tot, 2, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD));
    CHECK_EQ(tot[0], ntasks);
    CHECK_EQ(tot[1], ntasks * (ntasks - 1) / 2);
    CHECK_DA(da_sync(ctr));
    CHECK_DA(da_sync(tally));
    int64_t final;
    CHECK_DA(da_fetch_add(ctr, &cidx, 0, &final));
    CHECK_EQ(final, ntasks + g_np); /* each rank overshot once */
    if (g_me == 0) {
        int32_t *all = malloc(sizeof *all * (size_t)ntasks);
        int64_t lo = 0;
        CHECK_DA(da_get(tally, &lo, &ntasks, NULL, all, NULL));
        for (int64_t i = 0; i < ntasks; i++) CHECK(all[i] == 1, "task %lld taken %d times", (long long)i, all[i]);
        free(all);
    }
    CHECK_DA(da_sync(ctr)); /* nobody reads the counter any more */
}

/* ---- lock-free stack --------------------------------------------------------- */

static void lockfree_push(int per_rank)
{
    int64_t nnodes = (int64_t)per_rank * g_np;
    /* next[] is cyclic so consecutive nodes of one rank live on different ranks */
    da_array_t *head = g_arr[DA_INT64];
    da_array_t *next = make_1d(DA_INT64, nnodes, DA_DIM_CYCLIC);
    int64_t hidx = slot(g_np - 1, S_HEAD), empty = -1;
    if (g_me == 0) CHECK_DA(da_swap(head, &hidx, &empty, NULL));
    CHECK_DA(da_sync(head));
    long retries = 0;
    for (int j = 0; j < per_rank; j++) {
        int64_t node = (int64_t)g_me * per_rank + j, h, old, hi = node + 1;
        CHECK_DA(da_atomic_read(head, &hidx, &h));
        for (;;) {
            CHECK_DA(da_put(next, &node, &hi, NULL, &h, NULL)); /* complete at the target on return */
            CHECK_DA(da_cas(head, &hidx, &h, &node, &old));
            if (old == h) break;
            h = old; /* lost the race: retry against the head we saw */
            retries++;
        }
    }
    CHECK_DA(da_sync(next));
    CHECK_DA(da_sync(head));
    if (g_me == g_np - 1) {
        int64_t *nx = malloc(sizeof *nx * (size_t)nnodes), lo = 0, h;
        char *seen = calloc((size_t)nnodes, 1);
        int *last = malloc(sizeof *last * (size_t)g_np);
        for (int r = 0; r < g_np; r++) last[r] = per_rank;
        CHECK_DA(da_get(next, &lo, &nnodes, NULL, nx, NULL));
        CHECK_DA(da_atomic_read(head, &hidx, &h));
        int64_t count = 0;
        for (int64_t p = h; p != -1; p = nx[p]) {
            CHECK(p >= 0 && p < nnodes, "node %lld in the list", (long long)p);
            CHECK(!seen[p], "node %lld twice in the list", (long long)p);
            seen[p] = 1;
            int r = (int)(p / per_rank), j = (int)(p % per_rank);
            CHECK(j < last[r], "rank %d's node %d after its node %d", r, j, last[r]);
            last[r] = j;
            count++;
        }
        CHECK_EQ(count, nnodes);
        free(nx);
        free(seen);
        free(last);
    }
    long tot;
    CHECK_MPI(MPI_Reduce(&retries, &tot, 1, MPI_LONG, MPI_SUM, 0, MPI_COMM_WORLD));
    if (g_me == 0) printf("lock-free push: %lld nodes, %ld CAS retries\n", (long long)nnodes, tot);
    CHECK_DA(da_array_destroy(&next));
}

/* ---- contention: every valid op of a type, each on its own element ---------------- */

static int op_valid(da_type_t t, da_op_t op)
{
    if (op >= DA_OP_BAND && !is_int(t)) return 0;
    if ((op == DA_OP_MIN || op == DA_OP_MAX) && is_cplx(t)) return 0;
    return 1;
}

/* All ranks hit the op's element on the last rank `iters` times each, every
   other time with da_acc instead of da_fetch_op; values are chosen so that
   the result is exact in any order. */
static void contention(da_type_t t, int iters)
{
    da_array_t *a = g_arr[t];
    int64_t idx[8];
    int64_t x = 0;
    for (da_op_t op = DA_OP_SUM; op <= DA_OP_BXOR; op++) idx[op] = slot(g_np - 1, S_OP + (int)op);
    if (g_me == 0) {
        for (da_op_t op = DA_OP_SUM; op <= DA_OP_BXOR; op++) {
            if (!op_valid(t, op)) continue;
            char init[16];
            switch (op) {
            case DA_OP_PROD: set_val(t, 1, 0, init); break;
            case DA_OP_MIN: set_val(t, 1000, 0, init); break;
            case DA_OP_MAX: set_val(t, -1000, 0, init); break;
            case DA_OP_BAND: set_val(t, (1 << g_np) - 1, 0, init); break;
            default: set_val(t, 0, 0, init); break;
            }
            CHECK_DA(da_swap(a, &idx[op], init, NULL));
        }
    }
    CHECK_DA(da_sync(a));
    for (int k = 0; k < iters; k++) {
        int64_t n = (int64_t)g_me * iters + k + 1;
        for (da_op_t op = DA_OP_SUM; op <= DA_OP_BXOR; op++) {
            if (!op_valid(t, op)) continue;
            char v[16], old[16];
            switch (op) {
            case DA_OP_SUM: set_val(t, 3, -1, v); break;
            case DA_OP_PROD: set_val(t, -1, 0, v); break;
            case DA_OP_MIN: set_val(t, -(double)n, 0, v); break;
            case DA_OP_MAX: set_val(t, (double)n, 0, v); break;
            case DA_OP_BXOR: set_val(t, (double)(n & 0xffff), 0, v); x ^= n & 0xffff; break;
            case DA_OP_BOR: set_val(t, (double)(1 << g_me), 0, v); break;
            case DA_OP_BAND: set_val(t, (double)((1 << g_np) - 1 - (1 << g_me)), 0, v); break;
            default: set_val(t, (double)n, 0, v); break; /* REPLACE */
            }
            if (k % 2 && op != DA_OP_REPLACE) {
                int64_t hi = idx[op] + 1;
                CHECK_DA(da_acc(a, op, NULL, &idx[op], &hi, NULL, v, NULL));
            } else {
                CHECK_DA(da_fetch_op(a, op, &idx[op], v, old));
            }
        }
    }
    int64_t xall = 0;
    if (is_int(t)) CHECK_MPI(MPI_Allreduce(&x, &xall, 1, MPI_INT64_T, MPI_BXOR, MPI_COMM_WORLD));
    CHECK_DA(da_sync(a));
    for (da_op_t op = DA_OP_SUM; op <= DA_OP_BXOR; op++) {
        if (!op_valid(t, op)) continue;
        double ere = 0, eim = 0, re, im;
        int64_t total = (int64_t)g_np * iters;
        switch (op) {
        case DA_OP_SUM: ere = 3.0 * (double)total; eim = is_cplx(t) ? -(double)total : 0; break;
        case DA_OP_PROD: ere = total % 2 ? -1 : 1; break;
        case DA_OP_MIN: ere = -(double)total; break;
        case DA_OP_MAX: ere = (double)total; break;
        case DA_OP_BXOR: ere = (double)xall; break;
        case DA_OP_BOR: ere = (double)((1 << g_np) - 1); break;
        case DA_OP_BAND: ere = 0; break;
        default: break;
        }
        char got[16];
        CHECK_DA(da_atomic_read(a, &idx[op], got));
        get_val(t, got, &re, &im);
        if (op == DA_OP_REPLACE) { /* the last writer wins: some rank's last value */
            int ok = 0;
            for (int r = 0; r < g_np; r++) ok |= re == (double)((int64_t)r * iters + iters);
            CHECK(ok, "%s REPLACE: final %g is no rank's last value", TNAME[t], re);
        } else {
            CHECK(re == ere && im == eim, "%s op %d: got (%g, %g), expected (%g, %g)", TNAME[t], (int)op, re, im,
                  ere, eim);
        }
    }
    CHECK_DA(da_sync(a));
}

/* ---- swap: every value out exactly once ------------------------------------------- */

static void swap_exact(int iters)
{
    da_array_t *a = g_arr[DA_INT64];
    int64_t idx = slot(0, S_SWAP);
    int64_t *olds = malloc(sizeof *olds * (size_t)iters);
    for (int k = 0; k < iters; k++) {
        int64_t v = (int64_t)g_me * iters + k + 1;
        CHECK_DA(da_swap(a, &idx, &v, &olds[k]));
    }
    int64_t *all = malloc(sizeof *all * (size_t)iters * (size_t)g_np);
    CHECK_MPI(MPI_Allgather(olds, iters, MPI_INT64_T, all, iters, MPI_INT64_T, MPI_COMM_WORLD));
    CHECK_DA(da_sync(a));
    int64_t last;
    CHECK_DA(da_atomic_read(a, &idx, &last));
    int64_t n = (int64_t)iters * g_np;
    char *seen = calloc((size_t)n + 1, 1);
    seen[last] = 1;
    for (int64_t i = 0; i < n; i++) {
        CHECK(all[i] >= 0 && all[i] <= n, "swapped out %lld", (long long)all[i]);
        CHECK(!seen[all[i]], "value %lld came out twice", (long long)all[i]);
        seen[all[i]] = 1;
    }
    free(seen);
    free(all);
    free(olds);
}

/* ---- old values, deterministically ---------------------------------------------- */

static void old_values(void)
{
    /* 2-D int64 on a block-cyclic map; each rank works alone on one element
       of its own and one owned by its right neighbour. */
    int64_t shape[2] = {5, 4L * g_np};
    da_dim_spec_t dims[2] = {DA_DIM_NONE, DA_DIM_BLOCK_CYCLIC(3)};
    da_dist_t *d;
    da_array_t *a;
    CHECK_DA(da_dist_create(2, shape, dims, NULL, g_np, &d));
    CHECK_DA(da_array_create(MPI_COMM_WORLD, DA_INT64, d, &a));
    for (int pass = 0; pass < 2; pass++) {
        int target = pass == 0 ? g_me : (g_me + 1) % g_np, owner;
        int64_t ov, v, cmp;
        /* a row per rank, a column in a block owned by target: one user per element */
        int64_t idx[2] = {g_me % 5, (int64_t)target * 3 + pass};
        CHECK_DA(da_dist_owner(d, idx, &owner, NULL, NULL));
        CHECK_EQ(owner, target);
        v = 10;
        CHECK_DA(da_swap(a, idx, &v, &ov));
        CHECK_EQ(ov, 0);
        v = 5;
        CHECK_DA(da_fetch_op(a, DA_OP_SUM, idx, &v, &ov));
        CHECK_EQ(ov, 10);
        CHECK_DA(da_fetch_add(a, idx, -3, &ov));
        CHECK_EQ(ov, 15);
        v = 4;
        CHECK_DA(da_fetch_op(a, DA_OP_PROD, idx, &v, &ov));
        CHECK_EQ(ov, 12);
        v = 7;
        CHECK_DA(da_fetch_op(a, DA_OP_MIN, idx, &v, &ov));
        CHECK_EQ(ov, 48);
        v = 9;
        CHECK_DA(da_fetch_op(a, DA_OP_MAX, idx, &v, &ov));
        CHECK_EQ(ov, 7);
        v = 12;
        CHECK_DA(da_fetch_op(a, DA_OP_BAND, idx, &v, &ov));
        CHECK_EQ(ov, 9);
        v = 3;
        CHECK_DA(da_fetch_op(a, DA_OP_BOR, idx, &v, &ov));
        CHECK_EQ(ov, 8);
        v = 1;
        CHECK_DA(da_fetch_op(a, DA_OP_BXOR, idx, &v, &ov));
        CHECK_EQ(ov, 11);
        v = 99;
        CHECK_DA(da_fetch_op(a, DA_OP_REPLACE, idx, &v, NULL));
        CHECK_DA(da_atomic_read(a, idx, &ov));
        CHECK_EQ(ov, 99);
        /* CAS: fails on a wrong compare, succeeds on the right one */
        cmp = 98;
        v = 1;
        CHECK_DA(da_cas(a, idx, &cmp, &v, &ov));
        CHECK_EQ(ov, 99);
        cmp = 99;
        CHECK_DA(da_cas(a, idx, &cmp, &v, &ov));
        CHECK_EQ(ov, 99);
        CHECK_DA(da_atomic_read(a, idx, &ov));
        CHECK_EQ(ov, 1);
        /* the old value written over the value it came from */
        v = 5;
        CHECK_DA(da_fetch_op(a, DA_OP_SUM, idx, &v, &v));
        CHECK_EQ(v, 1);
        CHECK_DA(da_fetch_add(a, idx, 0, &ov));
        CHECK_EQ(ov, 6);

        /* int32, double and complex double, on the shared arrays */
        int64_t e = slot(target, S_OLD + pass);
        int32_t iv = -5, iold;
        CHECK_DA(da_fetch_op(g_arr[DA_INT32], DA_OP_SUM, &e, &iv, &iold));
        CHECK_EQ(iold, 0);
        iv = -7;
        CHECK_DA(da_fetch_op(g_arr[DA_INT32], DA_OP_MIN, &e, &iv, &iold));
        CHECK_EQ(iold, -5);
        CHECK_DA(da_fetch_add(g_arr[DA_INT32], &e, 2, &ov));
        CHECK_EQ(ov, -7);
        double dv = 1.5, dold;
        CHECK_DA(da_fetch_op(g_arr[DA_DOUBLE], DA_OP_SUM, &e, &dv, &dold));
        CHECK(dold == 0.0, "double old %g", dold);
        dv = -2.0;
        CHECK_DA(da_fetch_op(g_arr[DA_DOUBLE], DA_OP_PROD, &e, &dv, &dold));
        CHECK(dold == 1.5, "double old %g", dold);
        dv = -10;
        CHECK_DA(da_fetch_op(g_arr[DA_DOUBLE], DA_OP_MIN, &e, &dv, &dold));
        CHECK(dold == -3.0, "double old %g", dold);
        CHECK_DA(da_atomic_read(g_arr[DA_DOUBLE], &e, &dold));
        CHECK(dold == -10.0, "double now %g", dold);
        float fv = 2.5f, fold;
        CHECK_DA(da_fetch_op(g_arr[DA_FLOAT], DA_OP_MAX, &e, &fv, &fold));
        CHECK(fold == 0.0f, "float old %g", fold);
        CHECK_DA(da_swap(g_arr[DA_FLOAT], &e, &fv, &fold));
        CHECK(fold == 2.5f, "float old %g", fold);
        for (int k = DA_COMPLEX_FLOAT; k <= DA_COMPLEX_DOUBLE; k++) {
            double complex cv = 1.0 + 2.0 * I, cold;
            char buf[16], out[16];
            set_val((da_type_t)k, 1, 2, buf);
            CHECK_DA(da_fetch_op(g_arr[k], DA_OP_SUM, &e, buf, out));
            double re, im;
            get_val((da_type_t)k, out, &re, &im);
            CHECK(re == 0 && im == 0, "%s old (%g, %g)", TNAME[k], re, im);
            set_val((da_type_t)k, 0, 1, buf); /* times i */
            CHECK_DA(da_fetch_op(g_arr[k], DA_OP_PROD, &e, buf, out));
            get_val((da_type_t)k, out, &re, &im);
            CHECK(re == 1 && im == 2, "%s old (%g, %g)", TNAME[k], re, im);
            CHECK_DA(da_swap(g_arr[k], &e, buf, out));
            get_val((da_type_t)k, out, &re, &im);
            cold = re + im * I;
            cv = cv * I;
            CHECK(cold == cv, "%s old (%g, %g)", TNAME[k], re, im);
        }
    }
    /* the atomics landed on the elements da_get sees, and nowhere else */
    CHECK_DA(da_sync(a));
    if (g_me == 0) {
        int64_t *all = malloc(sizeof *all * (size_t)(shape[0] * shape[1])), lo[2] = {0, 0};
        CHECK_DA(da_get(a, lo, shape, NULL, all, NULL));
        for (int64_t i = 0; i < shape[0]; i++)
            for (int64_t j = 0; j < shape[1]; j++) {
                int r = (int)i, used = r < g_np && (j == r * 3 || j == ((r + 1) % g_np) * 3 + 1);
                CHECK(all[i * shape[1] + j] == (used ? 6 : 0), "element (%lld, %lld) = %lld", (long long)i,
                      (long long)j, (long long)all[i * shape[1] + j]);
            }
        free(all);
    }
    CHECK_DA(da_dist_destroy(&d));
    CHECK_DA(da_array_destroy(&a));
}

/* ---- bad inputs ---------------------------------------------------------------------- */

#define CHECK_RC(call, code)                                                                       \
    do {                                                                                           \
        int rc_ = (call);                                                                          \
        CHECK(rc_ == (code), "%s returned %d (%s), expected %d (%s)", #call, rc_, da_strerror(rc_), \
              (int)(code), da_strerror(code));                                                     \
        CHECK(da_last_error()[0] != '\0', "%s: no detail message", #call);                       \
    } while (0)

static void bad_inputs(void)
{
    da_array_t *ai = g_arr[DA_INT64], *a32 = g_arr[DA_INT32], *af = g_arr[DA_FLOAT], *ad = g_arr[DA_DOUBLE];
    da_array_t *acf = g_arr[DA_COMPLEX_FLOAT], *acd = g_arr[DA_COMPLEX_DOUBLE];
    da_array_t *op, *stale;
    {
        int64_t n = (int64_t)SLOTS * g_np;
        da_dist_t *d;
        da_dim_spec_t s = DA_DIM_BLOCK;
        CHECK_DA(da_dist_create(1, &n, &s, NULL, g_np, &d));
        CHECK_DA(da_array_create_opaque(MPI_COMM_WORLD, 24, d, &op));
        CHECK_DA(da_dist_destroy(&d));
        CHECK_DA(da_array_dup(ai, &stale));
        da_array_t *keep = stale;
        CHECK_DA(da_array_destroy(&keep)); /* stale: a copy of a destroyed handle */
    }
    int64_t idx = slot(g_np - 1, S_BAD), bad_hi = (int64_t)SLOTS * g_np, bad_lo = -1, v = 7, o = 0, cmp = 0;
    double dv = 1, dc = 0, dold;
    char buf[32] = {0};

    CHECK_RC(da_fetch_op(NULL, DA_OP_SUM, &idx, &v, &o), DA_ERR_NULL);
    CHECK_RC(da_atomic_read(NULL, &idx, &o), DA_ERR_NULL);
    CHECK_RC(da_fetch_op(stale, DA_OP_SUM, &idx, &v, &o), DA_ERR_HANDLE);
    CHECK_RC(da_atomic_read(stale, &idx, &o), DA_ERR_HANDLE);
    CHECK_RC(da_cas(stale, &idx, &cmp, &v, &o), DA_ERR_HANDLE);
    CHECK_RC(da_swap(stale, &idx, &v, &o), DA_ERR_HANDLE);
    CHECK_RC(da_fetch_add(stale, &idx, 1, &o), DA_ERR_HANDLE);
    CHECK_RC(da_fetch_op(ai, DA_OP_SUM, NULL, &v, &o), DA_ERR_NULL);
    CHECK_RC(da_fetch_op(ai, DA_OP_SUM, &idx, NULL, &o), DA_ERR_NULL);
    CHECK_RC(da_fetch_op(ai, DA_OP_SUM, &bad_hi, &v, &o), DA_ERR_BOUNDS);
    CHECK_RC(da_fetch_op(ai, DA_OP_SUM, &bad_lo, &v, &o), DA_ERR_BOUNDS);
    CHECK_RC(da_fetch_op(ai, (da_op_t)99, &idx, &v, &o), DA_ERR_OP);
    CHECK_RC(da_fetch_op(ai, (da_op_t)-1, &idx, &v, &o), DA_ERR_OP);
    CHECK_RC(da_atomic_read(ai, &idx, NULL), DA_ERR_NULL);
    CHECK_RC(da_atomic_read(ai, &bad_hi, &o), DA_ERR_BOUNDS);
    CHECK_RC(da_swap(ai, &idx, NULL, &o), DA_ERR_NULL);
    CHECK_RC(da_swap(ai, &bad_lo, &v, &o), DA_ERR_BOUNDS);
    CHECK_RC(da_cas(ai, &idx, NULL, &v, &o), DA_ERR_NULL);
    CHECK_RC(da_cas(ai, &idx, &cmp, NULL, &o), DA_ERR_NULL);
    CHECK_RC(da_cas(ai, &bad_hi, &cmp, &v, &o), DA_ERR_BOUNDS);
    /* CAS exists for integer types only */
    CHECK_RC(da_cas(af, &idx, &dc, &dv, &dold), DA_ERR_TYPE);
    CHECK_RC(da_cas(ad, &idx, &dc, &dv, &dold), DA_ERR_TYPE);
    CHECK_RC(da_cas(acf, &idx, buf, buf, buf + 16), DA_ERR_TYPE);
    CHECK_RC(da_cas(acd, &idx, buf, buf, buf + 16), DA_ERR_TYPE);
    /* ops per type */
    CHECK_RC(da_fetch_op(acf, DA_OP_MIN, &idx, buf, buf + 16), DA_ERR_OP);
    CHECK_RC(da_fetch_op(acd, DA_OP_MAX, &idx, buf, buf + 16), DA_ERR_OP);
    CHECK_RC(da_fetch_op(ad, DA_OP_BAND, &idx, &dv, &dold), DA_ERR_OP);
    CHECK_RC(da_fetch_op(af, DA_OP_BXOR, &idx, &dv, &dold), DA_ERR_OP);
    CHECK_RC(da_fetch_op(acd, DA_OP_BOR, &idx, buf, buf + 16), DA_ERR_OP);
    /* opaque: no atomics at all */
    CHECK_RC(da_fetch_op(op, DA_OP_REPLACE, &idx, buf, buf), DA_ERR_TYPE);
    CHECK_RC(da_atomic_read(op, &idx, buf), DA_ERR_TYPE);
    CHECK_RC(da_swap(op, &idx, buf, buf), DA_ERR_TYPE);
    CHECK_RC(da_cas(op, &idx, buf, buf, buf), DA_ERR_TYPE);
    CHECK_RC(da_fetch_add(op, &idx, 1, &o), DA_ERR_TYPE);
    /* fetch_add: integers only, and the increment must fit */
    CHECK_RC(da_fetch_add(ad, &idx, 1, &o), DA_ERR_TYPE);
    CHECK_RC(da_fetch_add(acf, &idx, 1, &o), DA_ERR_TYPE);
    CHECK_RC(da_fetch_add(a32, &idx, (int64_t)INT32_MAX + 1, &o), DA_ERR_OVERFLOW);
    CHECK_RC(da_fetch_add(a32, &idx, (int64_t)INT32_MIN - 1, &o), DA_ERR_OVERFLOW);
    CHECK_RC(da_fetch_add(ai, &bad_hi, 1, &o), DA_ERR_BOUNDS);
    CHECK_RC(da_fetch_add(ai, NULL, 1, &o), DA_ERR_NULL);

    /* nothing changed anywhere */
    for (int k = 0; k < NTYPES; k++) CHECK_DA(da_sync(g_arr[k]));
    for (int k = 0; k < NTYPES; k++) {
        char all0[16] = {0};
        CHECK_DA(da_atomic_read(g_arr[k], &idx, buf));
        size_t es;
        da_type_t t;
        CHECK_DA(da_array_type(g_arr[k], &t, &es));
        CHECK(!memcmp(buf, all0, es), "%s array changed by a failed call", TNAME[k]);
    }
    /* int32 extremes still work */
    CHECK_DA(da_sync(a32));
    if (g_me == 0) {
        CHECK_DA(da_fetch_add(a32, &idx, INT32_MAX, &o));
        CHECK_EQ(o, 0);
        CHECK_DA(da_fetch_add(a32, &idx, INT32_MIN, &o));
        CHECK_EQ(o, INT32_MAX);
        CHECK_DA(da_fetch_add(a32, &idx, 0, &o));
        CHECK_EQ(o, -1);
    }
    CHECK_DA(da_array_destroy(&op));
    CHECK_DA(da_sync(a32));
}

/* Time of each part, so that slow parts show in the test log. */
static void lap(const char *what, double *t)
{
    double now = MPI_Wtime();
    if (g_me == 0) printf("  %-16s %.2f s\n", what, now - *t);
    *t = now;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    setvbuf(stdout, NULL, _IOLBF, 0);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_me);
    MPI_Comm_size(MPI_COMM_WORLD, &g_np);
    const char *shm = getenv("DA_SHM");
    g_rma = shm && !strcmp(shm, "0");
    double start = MPI_Wtime(), t = start;

    for (int k = 0; k < NTYPES; k++) g_arr[k] = make_1d(TYPES[k], (int64_t)SLOTS * g_np, DA_DIM_BLOCK);
    int64_t ntasks = iters(3000);
    da_array_t *tally = make_1d(DA_INT32, ntasks, DA_DIM_BLOCK);
    lap("create", &t);
    bad_inputs();
    lap("bad inputs", &t);
    old_values();
    lap("old values", &t);
    task_counter(DA_INT64, ntasks, tally);
    task_counter(DA_INT32, ntasks, tally);
    lap("task counters", &t);
    lockfree_push(iters(300));
    lap("lock-free push", &t);
    swap_exact(iters(300));
    lap("swap", &t);
    for (int k = 0; k < NTYPES; k++) contention(TYPES[k], iters(40));
    lap("contention", &t);
    CHECK_DA(da_array_destroy(&tally));
    for (int k = 0; k < NTYPES; k++) CHECK_DA(da_array_destroy(&g_arr[k]));
    lap("destroy", &t);

    if (g_me == 0)
        printf("test_atomic: %d ranks, DA_SHM=%s: ok in %.2f s\n", g_np, shm ? shm : "default", MPI_Wtime() - start);
    MPI_Finalize();
    return 0;
}
