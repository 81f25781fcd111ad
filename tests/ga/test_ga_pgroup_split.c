/* Groups made from other groups: GA_Pgroup_split into 1, 2 and 3 parts,
 * GA_Pgroup_split_irreg by color, GA_Pgroup_duplicate, GA_Pgroup_self, and
 * the ids of each (nodeid, nnodes, absolute ids) against what GA 5.8 does,
 * computed here; on each group an array with put/get/acc/sync. What every
 * process sees is gathered and reported, so the comparison with real GA
 * covers all processes, not only process 0. */
#include <stdint.h>
#include <string.h>

#include "ga_test.h"

enum { MAXP = 64, N0 = 5, N1 = 4 };

static int me, np;
static int reporting = 1; /* off for checks the real-GA build skips */

/* "a b c" for v[0..n): REPORT arguments, process 0 only. */
static const char *ints(const int *v, int n)
{
    static char buf[8][256];
    static int next;
    char *s = buf[next++ % 8];
    s[0] = '\0';
    for (int i = 0; i < n; i++) snprintf(s + strlen(s), 256 - strlen(s), "%s%d", i ? " " : "", v[i]);
    return s;
}

/* Gathers each process's answer over the world, indexed by world id. */
static void gather(int *all, int mine)
{
    memset(all, 0, sizeof(int) * (size_t)np);
    all[me] = mine;
    GA_Igop(all, np, "+");
}

/* Checks grp's ids against its members (world ids first, first + step, ...;
   this process is member number gr) and reports what every process sees. */
static void check_ids(const char *what, int grp, int first, int step, int gn, int gr)
{
    CHECK(GA_Pgroup_nnodes(grp) == gn, "%s: nnodes %d, expected %d", what, GA_Pgroup_nnodes(grp), gn);
    CHECK(GA_Pgroup_nodeid(grp) == gr, "%s: nodeid %d, expected %d", what, GA_Pgroup_nodeid(grp), gr);
    CHECK(GA_Get_pgroup_size(grp) == gn, "%s: GA_Get_pgroup_size", what);
    for (int p = 0; p < gn; p++)
        CHECK(GA_Pgroup_absolute_id(grp, p) == first + p * step, "%s: absolute id of %d is %d, expected %d", what, p,
              GA_Pgroup_absolute_id(grp, p), first + p * step);
    int nn[MAXP], id[MAXP], last[MAXP];
    gather(nn, gn);
    gather(id, gr);
    gather(last, GA_Pgroup_absolute_id(grp, gn - 1));
    if (reporting)
        REPORT("%s: nnodes %s | nodeid %s | last member %s", what, ints(nn, np), ints(id, np), ints(last, np));
}

static double f(int tag, int i, int j) { return 1000.0 * tag + 10.0 * i + j; }

/* An array on grp (gn members, this one gr): members put rows i % gn == gr,
   all get; every member adds gr + 1 everywhere. Reports the world-wide sum
   of the sums each process reads. */
static void check_array(const char *what, int grp, int gn, int gr, int tag)
{
    int dims[2] = {N0, N1}, ld[1] = {N1};
    int g_a = NGA_Create_config(C_DBL, 2, dims, "grp", NULL, grp);
    CHECK(GA_Get_pgroup(g_a) == grp, "%s: GA_Get_pgroup", what);
    double row[N1], all[N0][N1], ones[N0][N1];
    for (int i = gr; i < N0; i += gn) {
        int lo[2] = {i, 0}, hi[2] = {i, N1 - 1};
        for (int j = 0; j < N1; j++) row[j] = f(tag, i, j);
        NGA_Put(g_a, lo, hi, row, ld);
    }
    GA_Pgroup_sync(grp);
    int lo[2] = {0, 0}, hi[2] = {N0 - 1, N1 - 1};
    NGA_Get(g_a, lo, hi, all, ld);
    for (int i = 0; i < N0; i++)
        for (int j = 0; j < N1; j++) CHECK(all[i][j] == f(tag, i, j), "%s: get (%d,%d) = %g", what, i, j, all[i][j]);
    GA_Pgroup_sync(grp); /* everyone has read before anyone adds */
    double alpha = gr + 1, add = gn * (gn + 1) / 2.0, sum = 0;
    for (int i = 0; i < N0; i++)
        for (int j = 0; j < N1; j++) ones[i][j] = 1;
    NGA_Acc(g_a, lo, hi, ones, ld, &alpha);
    GA_Pgroup_sync(grp);
    NGA_Get(g_a, lo, hi, all, ld);
    for (int i = 0; i < N0; i++)
        for (int j = 0; j < N1; j++) {
            CHECK(all[i][j] == f(tag, i, j) + add, "%s: acc (%d,%d) = %g", what, i, j, all[i][j]);
            sum += all[i][j];
        }
    GA_Pgroup_dgop(grp, &sum, 1, "+"); /* stays inside the group */
    CHECK(sum == gn * (N0 * N1 * add + 1000.0 * tag * N0 * N1 + N1 * 10.0 * N0 * (N0 - 1) / 2 + N0 * N1 * (N1 - 1) / 2.0),
          "%s: group sum %g", what, sum);
    GA_Dgop(&sum, 1, "+");
    if (reporting) REPORT("%s array: sum over processes %.0f", what, sum);
    GA_Destroy(g_a);
}

int main(int argc, char **argv)
{
    ga_test_init(&argc, &argv);
    me = GA_Nodeid();
    np = GA_Nnodes();
    CHECK(np <= MAXP, "at most %d processes", MAXP);
    int world = GA_Pgroup_get_world();
    for (int p = 0; p < np; p++) CHECK(GA_Pgroup_absolute_id(world, p) == p, "world absolute id of %d", p);

    /* GA's split: parts of ceil(np / k) consecutive ids, the last shorter;
       there may be fewer than k parts. */
    for (int k = 1; k <= 3 && k <= np; k++) {
        int g = GA_Pgroup_split(world, k); /* collective over the world */
        int size = (np + k - 1) / k, part = me / size, start = part * size;
        int gn = np - start < size ? np - start : size, gr = me - start;
        char what[64];
        snprintf(what, sizeof what, "split %d of %d", k, np);
        check_ids(what, g, start, 1, gn, gr);
        REPORT("%s: parts %d", what, (np + size - 1) / size);
        check_array(what, g, gn, gr, 10 * k + part);
#ifndef GA_TEST_REFERENCE
        if (k == 2) {
            /* GA 5.8 gets this copy wrong (see the end). */
            reporting = 0;
            int d = GA_Pgroup_duplicate(g);
            CHECK(d != g, "duplicate returned the same handle");
            check_ids(what, d, start, 1, gn, gr);
            check_array(what, d, gn, gr, 50 + part);
            GA_Pgroup_destroy(d);
            reporting = 1;
        }
#endif
        GA_Pgroup_destroy(g);
    }

    /* By color: evens and odds (world ids), then one color for all. */
    int color = me % 2, gi = GA_Pgroup_split_irreg(world, color);
    check_ids("split_irreg by rank % 2", gi, color, 2, color ? np / 2 : (np + 1) / 2, me / 2);
    check_array("split_irreg by rank % 2", gi, color ? np / 2 : (np + 1) / 2, me / 2, 70 + color);
    int g1 = GA_Pgroup_split_irreg(world, 7);
    check_ids("split_irreg one color", g1, 0, 1, np, me);
    check_array("split_irreg one color", g1, np, me, 80);
    /* A split of a split: the single color halved, and a copy of each half
       working on its own; from 4 processes on, where both colors have 2 or
       more, each color halved too. Ids are relative to the group split. */
    if (np >= 2) {
        int half = (np + 1) / 2, sub = me / half, gn = sub ? np - half : half;
        int gs = GA_Pgroup_split(g1, 2);
        check_ids("split 2 of split_irreg one color", gs, half * sub, 1, gn, me - half * sub);
        int d = GA_Pgroup_duplicate(gs);
        CHECK(d != gs, "duplicate returned the same handle");
        check_ids("duplicate of that", d, half * sub, 1, gn, me - half * sub);
        check_array("duplicate of that", d, gn, me - half * sub, 50 + sub);
        GA_Pgroup_destroy(d);
        GA_Pgroup_destroy(gs);
    }
    if (np >= 4) {
        int gin = GA_Pgroup_nnodes(gi), half = (gin + 1) / 2;
        int gs = GA_Pgroup_split(gi, 2), gr = me / 2, sub = gr / half;
        check_ids("split 2 of split_irreg by rank % 2", gs, color + 2 * half * sub, 2, sub ? gin - half : half,
                  gr - half * sub);
        GA_Pgroup_destroy(gs);
    }
    GA_Pgroup_destroy(g1);
    GA_Pgroup_destroy(gi);

    /* Only the caller. */
    int s = GA_Pgroup_self();
    check_ids("self", s, me, 1, 1, 0);
    check_array("self", s, 1, 0, 90 + me);
    GA_Pgroup_destroy(s);

    /* GA_Pgroup_create orders its members by id, whatever the list's order. */
    int rev[MAXP];
    for (int p = 0; p < np; p++) rev[p] = np - 1 - p;
    int gc = GA_Pgroup_create(rev, np);
    check_ids("create from a reversed list", gc, 0, 1, np, me);
    GA_Pgroup_destroy(gc);

#ifndef GA_TEST_REFERENCE
    /* GA 5.8 copies a group made on the world wrongly: its copy holds the
       world's first processes, not the group's (so GA aborts in
       GA_Pgroup_absolute_id above for split 2's second part), and the copy
       of the world answers 0 for GA_Pgroup_nnodes. */
    reporting = 0;
    int dw = GA_Pgroup_duplicate(world);
    check_ids("duplicate of the world", dw, 0, 1, np, me);
    check_array("duplicate of the world", dw, np, me, 99);
    GA_Pgroup_destroy(dw);
    reporting = 1;
#endif
    ga_test_end("test_ga_pgroup_split");
    return 0;
}
