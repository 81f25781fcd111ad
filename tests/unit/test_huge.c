/* Extents near 2^63, where tables are impossible: the definitions are
   evaluated in 128-bit arithmetic per index instead (and checked against
   the tabulated reference on small extents first). Owners, local indices and
   counts at part boundaries, round trips, and decompositions of boxes with
   few positions, including a step as large as the extent. These caught
   64-bit overflows of the first version of lib/ (BLOCK_GA chunk, block-cyclic
   local counts, box position counts); they guard the fixes. */
#include "reference.h"

#include <stdio.h>
#include <stdlib.h>

typedef __int128 i128;

typedef struct {
    da_dist_kind_t kind;
    i128 n, b; /* b: BLOCK_CYCLIC block size */
    int p;
    const int64_t *starts; /* IRREGULAR */
} def_t;

static i128 min128(i128 a, i128 b) { return a < b ? a : b; }

/* First index of part c for the kinds with one range per part. */
static i128 def_start(const def_t *m, int c)
{
    if (c >= m->p) return m->n;
    switch (m->kind) {
    case DA_DIST_BLOCK: return c * (m->n / m->p) + min128(c, m->n % m->p);
    case DA_DIST_BLOCK_GA: return min128(c * (m->n / m->p + (m->n % m->p != 0)), m->n);
    case DA_DIST_IRREGULAR: return m->starts[c];
    default: return c == 0 ? 0 : m->n;
    }
}

static int def_owner(const def_t *m, i128 g, i128 *local)
{
    switch (m->kind) {
    case DA_DIST_CYCLIC:
        *local = g / m->p;
        return (int)(g % m->p);
    case DA_DIST_BLOCK_CYCLIC:
        *local = ((g / m->b) / m->p) * m->b + g % m->b;
        return (int)((g / m->b) % m->p);
    default:
        for (int c = 0; c < m->p; c++)
            if (def_start(m, c) <= g && g < def_start(m, c + 1)) {
                *local = g - def_start(m, c);
                return c;
            }
        return -1;
    }
}

static i128 def_count(const def_t *m, int c)
{
    switch (m->kind) {
    case DA_DIST_CYCLIC: return c < m->n ? (m->n - 1 - c) / m->p + 1 : 0;
    case DA_DIST_BLOCK_CYCLIC: {
        i128 full = m->n / m->b, last = m->n % m->b;
        i128 blocks = c < full ? (full - 1 - c) / m->p + 1 : 0;
        return blocks * m->b + (last > 0 && full % m->p == c ? last : 0);
    }
    default: return def_start(m, c + 1) - def_start(m, c);
    }
}

/* The 128-bit definitions agree with the tabulated reference. */
Test(huge, definitions_match_reference)
{
    for (int64_t n = 1; n <= 40; n++)
        for (int p = 1; p <= 7; p++)
            for (int k = 0; k < 4; k++) {
                da_dist_kind_t kinds[] = {DA_DIST_BLOCK, DA_DIST_BLOCK_GA, DA_DIST_CYCLIC, DA_DIST_BLOCK_CYCLIC};
                for (int64_t b = 1; b <= (k == 3 ? 9 : 1); b++) {
                    ref_dim_t r;
                    ref_dim_build(&r, &(ref_dim_input_t){.kind = kinds[k], .b = b}, n, p);
                    def_t m = {.kind = kinds[k], .n = n, .b = b, .p = p};
                    for (int c = 0; c < p; c++)
                        EXPECT(def_count(&m, c) == r.count[c], "def count %s n=%lld p=%d b=%lld c=%d",
                               ref_kind_name(kinds[k]), (long long)n, p, (long long)b, c);
                    for (int64_t g = 0; g < n; g++) {
                        i128 l;
                        int c = def_owner(&m, g, &l);
                        EXPECT(c == r.owner[g] && l == r.local[g], "def owner %s n=%lld p=%d b=%lld g=%lld",
                               ref_kind_name(kinds[k]), (long long)n, p, (long long)b, (long long)g);
                    }
                    ref_dim_free(&r);
                }
            }
}

static const char *desc(const def_t *m)
{
    static char s[200];
    snprintf(s, sizeof s, "%s n=%lld p=%d b=%lld", ref_kind_name(m->kind), (long long)m->n, m->p, (long long)m->b);
    return s;
}

static void check_index(const da_dist_t *d, const def_t *m, i128 g)
{
    if (g < 0 || g >= m->n) return;
    int64_t gi = (int64_t)g, l, back;
    int rank = -1, coord = -1;
    int rc = da_dist_owner(d, &gi, &rank, &coord, &l);
    i128 wl;
    int wc = def_owner(m, g, &wl);
    EXPECT(rc == DA_SUCCESS && rank == wc && coord == wc && l == wl,
           "%s: owner of %lld: rc %d rank %d local %lld, expected rank %d local %lld", desc(m), (long long)gi, rc,
           rank, (long long)l, wc, (long long)wl);
    EXPECT_RC(da_dist_local_to_global(d, rank, &l, &back), DA_SUCCESS);
    EXPECT(back == gi, "%s: local %lld on %d gives %lld, expected %lld", desc(m), (long long)l, rank,
           (long long)back, (long long)gi);
}

/* A box with few positions, element by element against the definitions. */
static void check_small_box(const da_dist_t *d, const def_t *m, int64_t lo, int64_t hi, int64_t s)
{
    i128 npos = hi > lo ? ((i128)hi - lo + s - 1) / s : 0;
    EXPECT(npos <= 4096, "test box too big");
    da_decomp_t *dec = NULL;
    int rc = da_dist_decompose_box(d, &lo, &hi, &s, &dec);
    EXPECT(rc == DA_SUCCESS, "%s box [%lld:%lld:%lld): %d %s", desc(m), (long long)lo, (long long)hi, (long long)s,
           rc, da_last_error());
    EXPECT(da_decomp_count(dec) == npos, "%s box [%lld:%lld:%lld): count %lld, expected %lld", desc(m),
           (long long)lo, (long long)hi, (long long)s, (long long)da_decomp_count(dec), (long long)npos);
    char seen[4096] = {0};
    int64_t covered = 0;
    int prev = -1;
    for (int64_t i = 0; i < da_decomp_npieces(dec); i++) {
        da_piece_t piece;
        EXPECT_RC(da_decomp_piece(dec, i, &piece), DA_SUCCESS);
        EXPECT(piece.rank > prev, "%s: pieces out of rank order", desc(m));
        prev = piece.rank;
        const da_dim_piece_t *dp = piece.dim[0];
        int64_t held = 0;
        for (int64_t j = 0; j < da_dim_piece_total_runs(dp); j++) {
            da_run_t run;
            da_dim_piece_run(dp, j, &run);
            /* callers scale steps to bytes: a lone element's must not be huge */
            EXPECT(run.count > 1 || (run.pos_step == 1 && run.global_step == 1 && run.local_step == 1),
                   "%s box [%lld:%lld:%lld): one-element run with steps %lld %lld %lld", desc(m), (long long)lo,
                   (long long)hi, (long long)s, (long long)run.pos_step, (long long)run.global_step,
                   (long long)run.local_step);
            for (int64_t t = 0; t < run.count; t++) {
                i128 pos = (i128)run.pos + (i128)t * run.pos_step;
                i128 g = (i128)run.global + (i128)t * run.global_step;
                i128 l = (i128)run.local + (i128)t * run.local_step, wl;
                EXPECT(pos >= 0 && pos < npos && !seen[(int)pos], "%s box [%lld:%lld:%lld): position %lld bad or twice",
                       desc(m), (long long)lo, (long long)hi, (long long)s, (long long)pos);
                seen[(int)pos] = 1;
                EXPECT(g == (i128)lo + pos * s, "%s: position %lld has global %lld", desc(m), (long long)pos,
                       (long long)g);
                int wc = def_owner(m, g, &wl);
                EXPECT(wc == dp->coord && wc == piece.rank && wl == l,
                       "%s box [%lld:%lld:%lld): global %lld on %d local %lld, expected %d local %lld", desc(m),
                       (long long)lo, (long long)hi, (long long)s, (long long)g, dp->coord, (long long)l, wc,
                       (long long)wl);
                held++;
            }
        }
        EXPECT(held == dp->count && held == piece.count && held > 0, "%s: piece counts", desc(m));
        covered += held;
    }
    EXPECT(covered == npos, "%s box [%lld:%lld:%lld): %lld of %lld positions covered", desc(m), (long long)lo,
           (long long)hi, (long long)s, (long long)covered, (long long)npos);
    da_decomp_free(dec);
}

static void huge_map(def_t m)
{
    int64_t n = (int64_t)m.n;
    da_dim_spec_t spec = {.kind = m.kind, .block_size = (int64_t)m.b, .nparts = m.p, .starts = m.starts};
    da_dist_t *d = NULL;
    int rc = da_dist_create(1, &n, &spec, NULL, m.p, &d);
    EXPECT(rc == DA_SUCCESS, "%s: create %d %s", desc(&m), rc, da_last_error());
    i128 sum = 0;
    for (int c = 0; c < m.p; c++) {
        int64_t lsh, e, lo, hi;
        EXPECT_RC(da_dist_local_shape(d, c, &lsh, &e), DA_SUCCESS);
        EXPECT(lsh == def_count(&m, c) && e == lsh, "%s: rank %d holds %lld, expected %lld", desc(&m), c,
               (long long)lsh, (long long)def_count(&m, c));
        sum += lsh;
        if (ref_kind_contiguous(m.kind)) {
            EXPECT_RC(da_dist_local_box(d, c, &lo, &hi), DA_SUCCESS);
            if (def_count(&m, c) > 0)
                EXPECT(lo == def_start(&m, c) && hi == def_start(&m, c + 1), "%s: rank %d box [%lld, %lld)", desc(&m),
                       c, (long long)lo, (long long)hi);
            else
                EXPECT(lo == hi, "%s: empty rank %d box [%lld, %lld)", desc(&m), c, (long long)lo, (long long)hi);
        }
        /* first and last local index of every rank */
        if (lsh > 0) {
            int64_t ls[2] = {0, lsh - 1}, g;
            for (int k = 0; k < 2; k++) {
                EXPECT_RC(da_dist_local_to_global(d, c, &ls[k], &g), DA_SUCCESS);
                check_index(d, &m, g);
            }
        }
    }
    EXPECT(sum == m.n, "%s: local sizes sum to %lld", desc(&m), (long long)sum);
    /* indices at both ends, at part and block boundaries, and random ones */
    rng_t gen = {(uint64_t)n ^ (uint64_t)m.p};
    i128 probes[] = {0, 1, 2, m.n - 1, m.n - 2, m.n / 2, m.n / 2 + 1, m.b, m.b - 1, m.b + 1, m.b * m.p,
                     m.b * m.p - 1, m.n - m.b, m.n / 3};
    for (size_t k = 0; k < sizeof probes / sizeof probes[0]; k++) check_index(d, &m, probes[k]);
    for (int c = 0; c <= m.p; c++)
        for (int dd = -1; dd <= 1; dd++) check_index(d, &m, def_start(&m, c) + dd);
    for (int k = 0; k < 200; k++) check_index(d, &m, (i128)(rng_next(&gen) % (uint64_t)n));

    /* boxes of few positions */
    int64_t s = m.b > 0 && m.b < m.n ? (int64_t)m.b : 1; /* a block boundary */
    int64_t boxes[][3] = {
        {0, n, n},         /* step = extent: one position */
        {0, n, INT64_MAX}, /* step beyond: hi - lo + step - 1 overflows */
        {n - 1, n, INT64_MAX},
        {0, n, n / 37 + 1},
        {5, n - 3, n / 1000 + 1},
        {n - 100, n, 1},
        {0, 100, 1},
        {n / 2 - 50, n / 2 + 50, 3},
        {n, n, 1},
        {s > 2 ? s - 2 : 0, n, n / 100 + 1},
        {n / 2, n, n / 2},
    };
    for (size_t k = 0; k < sizeof boxes / sizeof boxes[0]; k++)
        check_small_box(d, &m, boxes[k][0], boxes[k][1], boxes[k][2]);
    EXPECT_RC(da_dist_destroy(&d), DA_SUCCESS);
}

Test(huge, block_kinds)
{
    int64_t ns[] = {INT64_MAX, INT64_MAX - 1, (int64_t)1 << 62, ((int64_t)3 << 61) + 5};
    for (int k = 0; k < 4; k++)
        for (int p = 1; p <= 7; p++) {
            huge_map((def_t){.kind = DA_DIST_BLOCK, .n = ns[k], .p = p});
            huge_map((def_t){.kind = DA_DIST_CYCLIC, .n = ns[k], .p = p});
        }
}

Test(huge, block_ga)
{
    int64_t ns[] = {INT64_MAX, INT64_MAX - 1, (int64_t)1 << 62, ((int64_t)3 << 61) + 5};
    for (int k = 0; k < 4; k++)
        for (int p = 1; p <= 7; p++) huge_map((def_t){.kind = DA_DIST_BLOCK_GA, .n = ns[k], .p = p});
}

Test(huge, block_cyclic)
{
    int64_t ns[] = {INT64_MAX, (int64_t)1 << 62, ((int64_t)3 << 61) + 5, 1000000007};
    for (int k = 0; k < 4; k++)
        for (int p = 1; p <= 7; p++) {
            int64_t bs[] = {1, 3, 4096, ((int64_t)1 << 40) + 7, (int64_t)1 << 61, ns[k] / 3, ns[k] - 1, INT64_MAX};
            for (size_t j = 0; j < sizeof bs / sizeof bs[0]; j++)
                huge_map((def_t){.kind = DA_DIST_BLOCK_CYCLIC, .n = ns[k], .p = p, .b = bs[j]});
        }
}

Test(huge, irregular)
{
    int64_t n = INT64_MAX;
    int64_t st[][5] = {{0, 1, n / 2, n - 1, n}, {0, 0, 0, n, n}, {0, n - 1, n - 1, n - 1, n - 1}};
    for (int k = 0; k < 3; k++) huge_map((def_t){.kind = DA_DIST_IRREGULAR, .n = n, .p = 5, .starts = st[k]});
}

