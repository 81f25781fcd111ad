/* Process groups: the processes split into evens and odds (world ids),
 * arrays on each group (NGA_Create_config, GA_Set_pgroup, and NGA_Create
 * under GA_Pgroup_set_default), put/get/acc/sync inside a group, group ids
 * in NGA_Distribution, and the group collectives. References are computed
 * here from the group's membership. */
#include "ga_test.h"

static double f(int color, int i, int j) { return 1000.0 * color + 100.0 * i + j + 1; }

enum { N0 = 6, N1 = 7 };

int main(int argc, char **argv)
{
    ga_test_init(&argc, &argv);
    int me = GA_Nodeid(), np = GA_Nnodes();
    int world = GA_Pgroup_get_world();
    CHECK(GA_Pgroup_get_default() == world, "default group is not the world");
    CHECK(GA_Pgroup_nnodes(world) == np && GA_Pgroup_nodeid(world) == me, "world group ids");

    /* A world array stays live across the group work (GA_Sync covers it). */
    int wd[1] = {np};
    int g_w = NGA_Create(C_INT, 1, wd, "world", NULL);

    int neven = (np + 1) / 2, nodd = np / 2;
    int evens[4], odds[4];
    for (int k = 0; k < neven; k++) evens[k] = 2 * k;
    for (int k = 0; k < nodd; k++) odds[k] = 2 * k + 1;
    int ge = GA_Pgroup_create(evens, neven); /* collective over the world */
    int go = nodd ? GA_Pgroup_create(odds, nodd) : 0;
    int color = me % 2, mine = color ? go : ge, gn = color ? nodd : neven, gr = me / 2;
    CHECK(GA_Pgroup_nnodes(mine) == gn, "nnodes %d, expected %d", GA_Pgroup_nnodes(mine), gn);
    CHECK(GA_Pgroup_nodeid(mine) == gr, "nodeid %d, expected %d", GA_Pgroup_nodeid(mine), gr);
    REPORT("groups: %d even, %d odd processes", neven, nodd);

    /* Collectives stay inside the group. */
    double s = gr + 1;
    GA_Pgroup_dgop(mine, &s, 1, "+");
    CHECK(s == gn * (gn + 1) / 2.0, "dgop %g", s);
    int mx = gr;
    GA_Pgroup_igop(mine, &mx, 1, "max");
    CHECK(mx == gn - 1, "igop max %d", mx);
    long l = 1;
    GA_Pgroup_lgop(mine, &l, 1, "+");
    CHECK(l == gn, "lgop %ld", l);
    int word = gr == 0 ? 42 + color : -1;
    GA_Pgroup_brdcst(mine, &word, sizeof word, 0);
    CHECK(word == 42 + color, "brdcst %d", word);

    /* An array per group: members put their rows (i % gn == gr). */
    int dims[2] = {N0, N1};
    int g_a = NGA_Create_config(C_DBL, 2, dims, "grp", NULL, mine);
    CHECK(GA_Get_pgroup(g_a) == mine, "GA_Get_pgroup");
    double row[N1], all[N0][N1];
    int ld[1] = {N1};
    for (int i = gr; i < N0; i += gn) {
        int lo[2] = {i, 0}, hi[2] = {i, N1 - 1};
        for (int j = 0; j < N1; j++) row[j] = f(color, i, j);
        NGA_Put(g_a, lo, hi, row, ld);
    }
    GA_Pgroup_sync(mine);
    int lo[2] = {0, 0}, hi[2] = {N0 - 1, N1 - 1};
    NGA_Get(g_a, lo, hi, all, ld);
    for (int i = 0; i < N0; i++)
        for (int j = 0; j < N1; j++) CHECK(all[i][j] == f(color, i, j), "get (%d,%d) = %g", i, j, all[i][j]);
    GA_Pgroup_sync(mine); /* everyone has read before anyone adds */

    /* Every member adds (gr + 1) everywhere. */
    double ones[N0][N1], alpha = gr + 1;
    for (int i = 0; i < N0; i++)
        for (int j = 0; j < N1; j++) ones[i][j] = 1;
    NGA_Acc(g_a, lo, hi, ones, ld, &alpha);
    GA_Pgroup_sync(mine);
    NGA_Get(g_a, lo, hi, all, ld);
    double add = gn * (gn + 1) / 2.0;
    for (int i = 0; i < N0; i++)
        for (int j = 0; j < N1; j++)
            CHECK(all[i][j] == f(color, i, j) + add, "acc (%d,%d) = %g", i, j, all[i][j]);

    /* Process ids are the group's: the block NGA_Distribution gives for
       gr is the one NGA_Access reaches here. */
    int dlo[2], dhi[2];
    NGA_Distribution(g_a, gr, dlo, dhi);
    if (dlo[0] >= 0) {
        double *p;
        int ald[1];
        NGA_Access(g_a, dlo, dhi, &p, ald);
        for (int i = dlo[0]; i <= dhi[0]; i++)
            for (int j = dlo[1]; j <= dhi[1]; j++)
                CHECK(p[(i - dlo[0]) * ald[0] + (j - dlo[1])] == f(color, i, j) + add, "access (%d,%d)", i, j);
        NGA_Release(g_a, dlo, dhi);
    }
    double total = 0;
    for (int i = 0; i < N0; i++)
        for (int j = 0; j < N1; j++) total += all[i][j];
    GA_Dgop(&total, 1, "+"); /* world: every process adds its group's sum */
    REPORT("group arrays: sum over processes %.0f", total);

    /* With the group as default, GA_Nodeid/GA_Nnodes and plain creation
       answer for it. */
    GA_Pgroup_set_default(mine);
    CHECK(GA_Nodeid() == gr && GA_Nnodes() == gn, "default group ids %d/%d", GA_Nodeid(), GA_Nnodes());
    int d1[1] = {5 * gn};
    int g_b = GA_Create_handle();
    GA_Set_data(g_b, 1, d1, C_INT);
    GA_Allocate(g_b);
    CHECK(GA_Get_pgroup(g_b) == mine, "array under the default group");
    int v[5], blo[1] = {5 * gr}, bhi[1] = {5 * gr + 4};
    for (int k = 0; k < 5; k++) v[k] = 10 * color + 5 * gr + k;
    /* Each member writes its neighbour's slice. */
    int nb = (gr + 1) % gn;
    int nlo[1] = {5 * nb}, nhi[1] = {5 * nb + 4};
    for (int k = 0; k < 5; k++) v[k] = 10 * color + 5 * nb + k;
    NGA_Put(g_b, nlo, nhi, v, NULL);
    GA_Sync();
    NGA_Get(g_b, blo, bhi, v, NULL);
    for (int k = 0; k < 5; k++) CHECK(v[k] == 10 * color + 5 * gr + k, "default-group array [%d] = %d", 5 * gr + k, v[k]);
    int cnt = 1;
    GA_Igop(&cnt, 1, "+");
    CHECK(cnt == gn, "GA_Igop over the default group: %d", cnt);
    GA_Destroy(g_b);
    GA_Pgroup_set_default(world);
    CHECK(GA_Nodeid() == me && GA_Nnodes() == np, "back to the world");

    /* The world array still works next to the group ones. */
    int wlo[1] = {me}, one = me + 1;
    NGA_Put(g_w, wlo, wlo, &one, NULL);
    GA_Sync();
    int wall[4], w0[1] = {0}, w1[1] = {np - 1};
    NGA_Get(g_w, w0, w1, wall, NULL);
    for (int k = 0; k < np; k++) CHECK(wall[k] == k + 1, "world array [%d] = %d", k, wall[k]);

    GA_Destroy(g_a);
    GA_Destroy(g_w);
    GA_Sync();
    GA_Pgroup_destroy(mine);
    ga_test_end("test_ga_pgroup");
    return 0;
}
