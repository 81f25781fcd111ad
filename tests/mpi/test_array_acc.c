/* da_acc against a full reference copy, checked exactly.
 *
 * For maps of every kind and 1-D to 3-D shapes, and for every numeric type,
 * rounds of accumulates. Each round splits the array's longest dimension
 * into one slab per operation valid for the type (SUM, PROD, MIN and MAX
 * (not complex), REPLACE, BAND/BOR/BXOR (int32, int64)), refills the array
 * with values suited to each slab's op, then every rank accumulates
 * overlapping boxes (the whole slab, random boxes with steps, leading
 * dimensions with guard bytes between rows) into every slab at once, with
 * alpha (NULL, 1, 2, 3, -1; complex alphas such as 2+1i; PROD uses +-1 and
 * small factors so every product is exact). REPLACE comes from one rank per
 * round (deterministic). After da_sync every rank reads the whole array and
 * its local block and compares with the reference, which applied the same
 * operations with plain loops: the data are integer-valued, so the order of
 * the concurrent updates cannot change the result, in float and double too.
 * Different ops run concurrently on different elements of one array, never
 * on one element between two syncs (docs/rma-semantics.md).
 *
 * Atomicity: every rank accumulates into one element (and a small box
 * around it) as often as it can for a fixed time, without synchronising;
 * the counts are gathered and the exact SUM / XOR / MAX must come out.
 * da_acc must not modify its source buffer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darray.h"
#include "darray/array.h"
#include "harness.h"
#include "reference.h"

static int g_me, g_np;
static long g_accs, g_phases;

static int is_complex(da_type_t t)
{
    return t == DA_COMPLEX_FLOAT || t == DA_COMPLEX_DOUBLE;
}

static int is_int(da_type_t t)
{
    return t == DA_INT32 || t == DA_INT64;
}

/* Store a numeric value (re, im) as type t. */
static void set_value(da_type_t t, int64_t re, int64_t im, void *out)
{
    switch (t) {
    case DA_INT32: { int32_t v = (int32_t)re; memcpy(out, &v, 4); break; }
    case DA_INT64: { int64_t v = re; memcpy(out, &v, 8); break; }
    case DA_FLOAT: { float v = (float)re; memcpy(out, &v, 4); break; }
    case DA_DOUBLE: { double v = (double)re; memcpy(out, &v, 8); break; }
    case DA_COMPLEX_FLOAT: { float v[2] = {(float)re, (float)im}; memcpy(out, v, 8); break; }
    case DA_COMPLEX_DOUBLE: { double v[2] = {(double)re, (double)im}; memcpy(out, v, 16); break; }
    default: break;
    }
}

/* Random bits for the bitwise operations, biased so that AND does not clear
 * everything at once and OR does not set everything at once. */
static int64_t bits_for(da_op_t op, th_rng_t *rng, da_type_t t)
{
    uint64_t x = th_rng_next(rng);
    if (op == DA_OP_BAND) x |= th_rng_next(rng) | th_rng_next(rng); /* mostly ones */
    if (op == DA_OP_BOR) x &= th_rng_next(rng) & th_rng_next(rng);  /* mostly zeros */
    if (t == DA_INT32) return (int64_t)(int32_t)(uint32_t)x;
    return (int64_t)x;
}

/* Initial content before each operation's phase. */
static void init_value(da_type_t t, da_op_t op, th_rng_t *rng, void *out)
{
    switch (op) {
    case DA_OP_PROD: {
        static const int64_t v[] = {1, -1, 2, -2, 1, 3};
        int64_t re = v[th_rng_range(rng, 0, 6)], im = is_complex(t) ? th_rng_range(rng, -1, 2) : 0;
        set_value(t, re, im, out);
        break;
    }
    case DA_OP_BAND:
    case DA_OP_BOR:
    case DA_OP_BXOR: set_value(t, bits_for(DA_OP_BXOR, rng, t), 0, out); break;
    default: set_value(t, th_rng_range(rng, -100, 101), th_rng_range(rng, -100, 101), out); break;
    }
}

/* A buffer value for op. */
static void acc_value(da_type_t t, da_op_t op, th_rng_t *rng, void *out)
{
    switch (op) {
    case DA_OP_PROD: {
        if (is_complex(t)) { /* 1, -1, i, -i, 1+i, 1 */
            static const int64_t re[] = {1, -1, 0, 0, 1, 1}, im[] = {0, 0, 1, -1, 1, 0};
            int k = (int)th_rng_range(rng, 0, 6);
            set_value(t, re[k], im[k], out);
        } else {
            static const int64_t v[] = {1, -1, 2, 1, -2, 1};
            set_value(t, v[th_rng_range(rng, 0, 6)], 0, out);
        }
        break;
    }
    case DA_OP_BAND:
    case DA_OP_BOR:
    case DA_OP_BXOR: set_value(t, bits_for(op, rng, t), 0, out); break;
    default: set_value(t, th_rng_range(rng, -20, 21), th_rng_range(rng, -20, 21), out); break;
    }
}

/* alpha for op: NULL or a value. Bitwise ops use NULL or 1. */
static const void *alpha_for(da_type_t t, da_op_t op, th_rng_t *rng, unsigned char *store)
{
    int k = (int)th_rng_range(rng, 0, 5);
    if (k == 0) return NULL;
    switch (op) {
    case DA_OP_BAND:
    case DA_OP_BOR:
    case DA_OP_BXOR: set_value(t, 1, 0, store); break;
    case DA_OP_PROD: set_value(t, k == 1 ? 1 : -1, 0, store); break;
    default:
        if (is_complex(t)) {
            static const int64_t re[] = {0, 1, 2, 0, -1}, im[] = {0, 0, 1, 1, 2};
            set_value(t, re[k], im[k], store);
        } else {
            static const int64_t v[] = {0, 1, 2, 3, -1};
            set_value(t, v[k], 0, store);
        }
    }
    return store;
}

static const char *alpha_str(da_type_t t, const void *alpha, char *s, size_t n)
{
    if (!alpha) return "NULL";
    return ref_fmt(t, ref_type_size(t, 0), alpha, s, n);
}

static const da_type_t num_types[] = {DA_INT32, DA_INT64, DA_FLOAT, DA_DOUBLE, DA_COMPLEX_FLOAT, DA_COMPLEX_DOUBLE};
enum { NNUM = 6 };

/* The operations valid for a type. */
static int ops_for(da_type_t t, da_op_t *ops)
{
    int n = 0;
    ops[n++] = DA_OP_SUM;
    ops[n++] = DA_OP_PROD;
    if (!is_complex(t)) {
        ops[n++] = DA_OP_MIN;
        ops[n++] = DA_OP_MAX;
    }
    ops[n++] = DA_OP_REPLACE;
    if (is_int(t)) {
        ops[n++] = DA_OP_BAND;
        ops[n++] = DA_OP_BOR;
        ops[n++] = DA_OP_BXOR;
    }
    return n;
}

/* One accumulate by rank `who` of box b with op, applied to the reference on
 * every rank and to the array on `who`. The buffer has guard bytes between
 * rows (ld) that would show in the result if darray read them. */
static void one_acc(da_array_t *a, ref_array_t *r, da_op_t op, th_rng_t *shared, int who, const char *what,
                    const ref_box_t *b)
{
    unsigned char astore[16];
    const void *alpha = alpha_for(r->type, op, shared, astore);
    ref_gbuf_t g;
    ref_gbuf_alloc(&g, b, r->es);
    unsigned char v[16];
    REF_BOX_FOREACH(b, gi, off, {
        acc_value(r->type, op, shared, v);
        memcpy(g.base + (size_t)off * r->es, v, r->es);
        ref_acc_elem(r->type, op, alpha, ref_at(r, gi), v);
    });
    if (g_me == who) {
        char as[80];
        REF_CASE("%s, op %s, alpha %s, acc by rank %d of %s", what, ref_op_name(op),
                 alpha_str(r->type, alpha, as, sizeof as), who, ref_box_str(b));
        unsigned char *copy = malloc((size_t)g.len * r->es + 1);
        CHECK(copy, "out of memory");
        memcpy(copy, g.mem, (size_t)g.len * r->es);
        int rc = da_acc(a, op, alpha, b->lo, b->hi, ref_box_step(b), g.base, ref_box_ld(b));
        CHECKC(rc == DA_SUCCESS, "da_acc returned %d (%s): %s", rc, da_strerror(rc), da_last_error());
        CHECKC(memcmp(copy, g.mem, (size_t)g.len * r->es) == 0, "da_acc modified its source buffer");
        free(copy);
        g_accs++;
    }
    ref_gbuf_free(&g);
}

/* A random box inside the slab [c0, c1) of dimension dd (the whole slab if
 * whole is set). */
static ref_box_t slab_box(th_rng_t *rng, const ref_array_t *r, int dd, int64_t c0, int64_t c1, int whole)
{
    int64_t ext[DA_MAX_NDIM];
    memcpy(ext, r->shape, sizeof ext);
    ext[dd] = c1 - c0;
    ref_box_t b = whole ? ref_box_whole(r->ndim, ext) : ref_box_random(rng, r->ndim, ext, 1);
    if (whole && r->ndim > 1 && th_rng_range(rng, 0, 2)) {
        b.use_ld = 1;
        for (int i = 0; i < r->ndim - 1; i++) b.ld[i] = b.cnt[i + 1] + 1;
    }
    b.lo[dd] += c0;
    b.hi[dd] += c0;
    ref_box_finish(&b);
    return b;
}

/* Rounds of accumulates. Each round splits the largest dimension into one
 * slab per operation valid for the type (rotating which op gets which slab),
 * refills the array (rank 0 puts values suited to each slab's op), and then
 * every rank accumulates overlapping boxes into every slab with that slab's
 * op, all at once (REPLACE: one rank per round, deterministic). Different
 * elements, different ops; one element, one op between syncs. */
static void run_type(const ref_map_t *m, da_type_t t, uint64_t seed, int rounds)
{
    char what[600];
    snprintf(what, sizeof what, "%s, type %s", m->desc, ref_type_name(t));
    REF_CASE("%s, create", what);
    da_array_t *a = NULL;
    CHECKC_DA(da_array_create(MPI_COMM_WORLD, t, m->d, &a));
    ref_array_t r;
    ref_init(&r, m->ndim, m->shape, t, ref_type_size(t, 0));
    th_rng_t shared = th_rng_seed(seed);
    da_op_t ops[8];
    const int nops = ops_for(t, ops);
    int dd = 0;
    for (int i = 1; i < m->ndim; i++)
        if (m->shape[i] > m->shape[dd]) dd = i;
    const int64_t ext = m->shape[dd];

    for (int round = 0; round < rounds; round++) {
        /* slabs: nonempty for every op when the extent allows */
        int64_t cut[9];
        cut[0] = 0;
        cut[nops] = ext;
        if (ext >= nops) {
            int64_t pool[64];
            int np_ = 0;
            for (int64_t c = 1; c < ext && np_ < 64; c++) pool[np_++] = c;
            th_rng_shuffle(&shared, pool, np_);
            for (int k = 1; k < nops; k++) cut[k] = pool[k - 1];
        } else {
            for (int k = 1; k < nops; k++) cut[k] = th_rng_range(&shared, 0, ext + 1);
        }
        ref_sort(cut + 1, nops - 1);
        da_op_t slab_op[8];
        for (int k = 0; k < nops; k++) slab_op[k] = ops[(k + round) % nops];

        char rwhat[900];
        int n = snprintf(rwhat, sizeof rwhat, "%s, round %d, slabs along dimension %d:", what, round, dd);
        for (int k = 0; k < nops; k++)
            n += snprintf(rwhat + n, sizeof rwhat - (size_t)n, " %s [%lld,%lld)", ref_op_name(slab_op[k]),
                          (long long)cut[k], (long long)cut[k + 1]);

        /* refill: values suited to each slab's op */
        REF_CASE("%s, refill by rank 0", rwhat);
        ref_box_t whole = ref_box_whole(r.ndim, r.shape);
        REF_BOX_FOREACH(&whole, gi, off, {
            int k = 0;
            while (gi[dd] >= cut[k + 1]) k++;
            init_value(t, slab_op[k], &shared, r.d + (size_t)off * r.es);
        });
        if (g_me == 0) CHECKC_DA(da_put(a, whole.lo, whole.hi, NULL, r.d, NULL));
        CHECKC_DA(da_sync(a));

        for (int k = 0; k < nops; k++) {
            if (cut[k + 1] == cut[k]) continue;
            const da_op_t op = slab_op[k];
            if (op == DA_OP_REPLACE) {
                int who = (int)th_rng_range(&shared, 0, g_np);
                ref_box_t b = slab_box(&shared, &r, dd, cut[k], cut[k + 1], round == 0);
                one_acc(a, &r, op, &shared, who, rwhat, &b);
                continue;
            }
            /* every rank: the whole slab (first round) or a random box, then another random box */
            for (int who = 0; who < g_np; who++)
                for (int j = 0; j < 2; j++) {
                    ref_box_t b = slab_box(&shared, &r, dd, cut[k], cut[k + 1], round == 0 && j == 0);
                    one_acc(a, &r, op, &shared, who, rwhat, &b);
                }
        }
        CHECKC_DA(da_sync(a));
        REF_CASE("%s, after every rank's accumulates and da_sync", rwhat);
        ref_check_get(a, &r, &whole, "whole array");
        ref_check_local(a, &r, g_me, "local block");
        g_phases++;
        CHECKC_DA(da_sync(a)); /* reads done before the next refill */
    }
    CHECKC_DA(da_array_destroy(&a));
    ref_free(&r);
}

/* The value rank `who` accumulates in repetition rep of the atomicity test. */
static int64_t atom_value(da_op_t op, int who, int64_t rep)
{
    switch (op) {
    case DA_OP_SUM: return 1 + (who + rep) % 3;
    case DA_OP_MIN: case DA_OP_MAX: return ((int64_t)who * 7919 + rep * 104729) % 1000 - 500;
    default: return (int64_t)1 << ((who * 5 + rep) % 31); /* BXOR */
    }
}

/* Atomicity: every rank accumulates into one element (the last one: owned
 * by one rank, remote for the others) and into a small box around it, as
 * often as it can for a fixed time (at most max_reps times), without any
 * synchronisation in between. The counts are then gathered and the exact
 * result computed. */
static void atomicity(const ref_map_t *m, da_type_t t, da_op_t op, const void *alpha_p, double seconds, int max_reps)
{
    char what[600], as[80];
    snprintf(what, sizeof what, "%s, type %s, atomicity of %s with alpha %s", m->desc, ref_type_name(t),
             ref_op_name(op), alpha_str(t, alpha_p, as, sizeof as));
    REF_CASE("%s", what);
    const size_t es = ref_type_size(t, 0);
    da_array_t *a = NULL;
    CHECKC_DA(da_array_create(MPI_COMM_WORLD, t, m->d, &a));
    ref_array_t r;
    ref_init(&r, m->ndim, m->shape, t, es);

    int64_t lo[DA_MAX_NDIM], hi[DA_MAX_NDIM], blo[DA_MAX_NDIM], bhi[DA_MAX_NDIM];
    for (int i = 0; i < m->ndim; i++) {
        lo[i] = m->shape[i] - 1;
        hi[i] = m->shape[i];
        blo[i] = m->shape[i] > 3 ? m->shape[i] - 3 : 0;
        bhi[i] = m->shape[i];
    }
    int64_t bn = 1;
    for (int i = 0; i < m->ndim; i++) bn *= bhi[i] - blo[i];
    unsigned char one[16], *bbuf = malloc((size_t)bn * es);
    CHECK(bbuf, "out of memory");

    CHECKC_DA(da_sync(a)); /* start together */
    const double t0 = MPI_Wtime();
    int64_t reps = 0;
    while (reps < max_reps && (reps % 16 != 0 || MPI_Wtime() - t0 < seconds)) {
        int64_t v = atom_value(op, g_me, reps);
        set_value(t, v, is_complex(t) ? -v : 0, one);
        for (int64_t j = 0; j < bn; j++) memcpy(bbuf + (size_t)j * es, one, es);
        int rc = da_acc(a, op, alpha_p, lo, hi, NULL, one, NULL);
        CHECKC(rc == DA_SUCCESS, "da_acc (element, rep %lld) returned %d (%s): %s", (long long)reps, rc,
               da_strerror(rc), da_last_error());
        rc = da_acc(a, op, alpha_p, blo, bhi, NULL, bbuf, NULL);
        CHECKC(rc == DA_SUCCESS, "da_acc (box, rep %lld) returned %d (%s): %s", (long long)reps, rc, da_strerror(rc),
               da_last_error());
        reps++;
        g_accs += 2;
    }
    free(bbuf);
    CHECKC_DA(da_sync(a));

    int64_t *counts = malloc(sizeof *counts * (size_t)g_np);
    CHECK(counts, "out of memory");
    MPI_Allgather(&reps, 1, MPI_INT64_T, counts, 1, MPI_INT64_T, MPI_COMM_WORLD);
    int64_t total = 0;
    for (int who = 0; who < g_np; who++) {
        total += counts[who];
        for (int64_t rep = 0; rep < counts[who]; rep++) {
            int64_t v = atom_value(op, who, rep);
            set_value(t, v, is_complex(t) ? -v : 0, one);
            ref_acc_elem(t, op, alpha_p, ref_at(&r, lo), one);
            int64_t k[DA_MAX_NDIM] = {0}, gi[DA_MAX_NDIM];
            for (;;) {
                for (int i = 0; i < m->ndim; i++) gi[i] = blo[i] + k[i];
                ref_acc_elem(t, op, alpha_p, ref_at(&r, gi), one);
                int d = m->ndim - 1;
                while (d >= 0 && ++k[d] == bhi[d] - blo[d]) k[d--] = 0;
                if (d < 0) break;
            }
        }
    }
    REF_CASE("%s, %lld repetitions in all (per rank: %lld on rank 0, %lld on the last)", what, (long long)total,
             (long long)counts[0], (long long)counts[g_np - 1]);
    ref_box_t whole = ref_box_whole(m->ndim, m->shape);
    ref_check_get(a, &r, &whole, "whole array after concurrent accumulates");
    ref_check_local(a, &r, g_me, "local block after concurrent accumulates");
    free(counts);
    CHECKC_DA(da_array_destroy(&a));
    ref_free(&r);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_me);
    MPI_Comm_size(MPI_COMM_WORLD, &g_np);
    double t0 = MPI_Wtime();
    th_rng_t rng = th_rng_seed(9090);
    uint64_t seed = 100;
    const int P = g_np;

    /* Every rank count: each numeric type once, every kind distributed.
     * (Oversubscribed runs make collectives slow: the long list below only
     * runs up to 2 ranks.) */
    {
        struct {
            int ndim;
            int64_t shape[3];
            int kinds[3];
            int nparts[3];
            da_type_t type;
        } list[] = {
            {1, {13}, {REF_K_BC2}, {0}, DA_INT32},
            {2, {9, 5}, {REF_K_CYCLIC, REF_K_IRREG}, {0, P % 2 ? 1 : 2}, DA_INT64},
            {2, {10, 3}, {REF_K_UNSTR, REF_K_NONE}, {P, 0}, DA_FLOAT},
            {3, {8, 3, 2}, {REF_K_BLOCK, REF_K_BC3, REF_K_UNSTR}, {0, 0, 1}, DA_DOUBLE},
            {2, {6, 4}, {REF_K_BLOCK_GA, REF_K_BC1}, {0}, DA_COMPLEX_FLOAT},
            {1, {5}, {REF_K_IRREG}, {P}, DA_COMPLEX_DOUBLE},
            {1, {2}, {REF_K_BLOCK}, {0}, DA_INT64},
        };
        for (size_t i = 0; i < sizeof list / sizeof *list; i++) {
            ref_map_t m;
            ref_map_build_parts(&m, &rng, list[i].ndim, list[i].shape, list[i].kinds, NULL, list[i].nparts, g_np);
            run_type(&m, list[i].type, seed++, g_np <= 2 ? 3 : 2);
            ref_map_free(&m);
        }
    }

    if (g_np <= 2) {
        int counter = 0;
        /* 1-D: every kind, types rotating. */
        static const int64_t shapes1[] = {3, 13};
        for (size_t s = 0; s < sizeof shapes1 / sizeof *shapes1; s++)
            for (int k = 0; k < REF_NKINDS; k++) {
                ref_map_t m;
                ref_map_build(&m, &rng, 1, &shapes1[s], (int[]){k}, NULL, g_np);
                run_type(&m, num_types[counter++ % NNUM], seed++, 3);
                ref_map_free(&m);
            }
        /* 2-D and 3-D: random kinds. */
        static const int64_t shapes2[][2] = {{5, 6}, {12, 2}};
        for (size_t s = 0; s < sizeof shapes2 / sizeof *shapes2; s++)
            for (int t = 0; t < 3; t++) {
                ref_map_t m;
                int kinds[2] = {(int)th_rng_range(&rng, 0, REF_NKINDS), (int)th_rng_range(&rng, 0, REF_NKINDS)};
                ref_map_build(&m, &rng, 2, shapes2[s], kinds, NULL, g_np);
                run_type(&m, num_types[counter++ % NNUM], seed++, 3);
                ref_map_free(&m);
            }
        for (int t = 0; t < 3; t++) {
            ref_map_t m;
            int kinds[3];
            for (int i = 0; i < 3; i++) kinds[i] = (int)th_rng_range(&rng, 0, REF_NKINDS);
            ref_map_build(&m, &rng, 3, (int64_t[]){2, 8, 2}, kinds, NULL, g_np);
            run_type(&m, num_types[counter++ % NNUM], seed++, 3);
            ref_map_free(&m);
        }
    }

    /* Atomicity: many ranks, one element, many times. */
    {
        const double secs = 0.25;
        double two = 2;
        ref_map_t m;
        ref_map_build(&m, &rng, 1, (int64_t[]){8}, (int[]){REF_K_BLOCK}, NULL, g_np);
        /* CPU atomics on shared memory (8 and 4 bytes) and MPI_Accumulate
         * (complex double: always; everything with DA_SHM=0) */
        atomicity(&m, DA_INT64, DA_OP_SUM, NULL, secs, 20000);
        atomicity(&m, DA_INT32, DA_OP_BXOR, NULL, secs, 20000);
        atomicity(&m, DA_COMPLEX_DOUBLE, DA_OP_SUM, NULL, secs, 20000);
        if (g_np <= 2) {
            atomicity(&m, DA_DOUBLE, DA_OP_SUM, &two, secs, 20000);
            atomicity(&m, DA_INT32, DA_OP_MIN, NULL, secs, 20000);
        }
        ref_map_free(&m);
        if (g_np <= 2) {
            ref_map_build(&m, &rng, 2, (int64_t[]){3, 5}, (int[]){REF_K_CYCLIC, REF_K_BC2}, NULL, g_np);
            atomicity(&m, DA_COMPLEX_FLOAT, DA_OP_SUM, NULL, secs, 20000);
            ref_map_free(&m);
        }
    }

    double dt = MPI_Wtime() - t0;
    long mine[2] = {g_accs, g_phases}, sum[2];
    MPI_Reduce(mine, sum, 2, MPI_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
    if (g_me == 0)
        printf("array_acc: %ld rounds, %ld accumulates on %d ranks, %.2f s\n", g_phases, sum[0], g_np, dt);
    MPI_Finalize();
    return 0;
}
