/* Block-cyclic arrays block by block: GA_Total_blocks, NGA_Distribution of a
 * block index, NGA_Access_block / _grid / _segment and their releases. The
 * reference is worked out here from GA's rules: blocks numbered row-major
 * over the C-order block grid; GA_Set_block_cyclic deals them round-robin
 * (block idx on process idx % nproc), GA_Set_block_cyclic_proc_grid gives
 * block (bi, bj) to grid position (bi % P0, bj % P1), row-major. */
#include "ga_test.h"

static double f(int i, int j) { return 1000.0 * i + j + 1; }

/* One array: dims (n0, n1), blocks (b0, b1); grid NULL: GA_Set_block_cyclic. */
static void run(const char *label, int ndim, int n0, int n1, int b0, int b1, const int *grid)
{
    int me = GA_Nodeid(), np = GA_Nnodes();
    int dims[2] = {n0, n1}, bs[2] = {b0, b1}, pg[2];
    if (ndim == 1) dims[0] = n1, bs[0] = b1;
    int g_a = GA_Create_handle();
    GA_Set_data(g_a, ndim, dims, C_DBL);
    GA_Set_array_name(g_a, (char *)label);
    if (grid) {
        for (int d = 0; d < ndim; d++) pg[d] = grid[d];
        GA_Set_block_cyclic_proc_grid(g_a, bs, pg);
    } else {
        GA_Set_block_cyclic(g_a, bs);
    }
    GA_Allocate(g_a);
    if (ndim == 1) n0 = 1, b0 = 1;
    int nb0 = (n0 + b0 - 1) / b0, nb1 = (n1 + b1 - 1) / b1;
    CHECK(GA_Total_blocks(g_a) == nb0 * nb1, "%s: GA_Total_blocks %d, expected %d", label, GA_Total_blocks(g_a),
          nb0 * nb1);
    REPORT("%s: %d blocks", label, GA_Total_blocks(g_a));

    /* Process 0 writes everything with one put. */
    double *all = malloc(sizeof(double) * n0 * n1);
    int lo[2] = {0, 0}, hi[2] = {n0 - 1, n1 - 1}, ld[2] = {n1, 0};
    if (ndim == 1) hi[0] = n1 - 1;
    for (int i = 0; i < n0; i++)
        for (int j = 0; j < n1; j++) all[i * n1 + j] = f(i, j);
    if (me == 0) NGA_Put(g_a, lo, hi, all, ld);
    GA_Sync();

    /* Every block: its box, and through the owner's pointer its data, which
       the owner then negates. */
    long owned = 0;
    for (int idx = 0; idx < nb0 * nb1; idx++) {
        int bi = idx / nb1, bj = idx % nb1;
        int elo[2] = {bi * b0, bj * b1}, ehi[2] = {bi * b0 + b0 - 1, bj * b1 + b1 - 1};
        if (ehi[0] >= n0) ehi[0] = n0 - 1;
        if (ehi[1] >= n1) ehi[1] = n1 - 1;
        int dlo[2], dhi[2];
        NGA_Distribution(g_a, idx, dlo, dhi);
        if (ndim == 1) {
            CHECK(dlo[0] == elo[1] && dhi[0] == ehi[1], "%s: block %d is [%d,%d]", label, idx, dlo[0], dhi[0]);
            REPORT("%s: block %d [%d:%d]", label, idx, dlo[0], dhi[0]);
        } else {
            CHECK(dlo[0] == elo[0] && dhi[0] == ehi[0] && dlo[1] == elo[1] && dhi[1] == ehi[1],
                  "%s: block %d is [%d:%d][%d:%d]", label, idx, dlo[0], dhi[0], dlo[1], dhi[1]);
            REPORT("%s: block %d [%d:%d][%d:%d]", label, idx, dlo[0], dhi[0], dlo[1], dhi[1]);
        }
        int owner = grid ? (ndim == 1 ? bj % grid[0] : (bi % grid[0]) * grid[1] + bj % grid[1]) : idx % np;
        if (owner != me) continue;
        double *p = NULL;
        int bld[1] = {-1};
        if (grid) {
            int sub[2] = {bi, bj};
            if (ndim == 1) sub[0] = bj;
            NGA_Access_block_grid(g_a, sub, &p, bld);
        } else {
            NGA_Access_block(g_a, idx, &p, bld);
        }
        CHECK(p != NULL, "%s: block %d: NULL pointer", label, idx);
        int stride = ndim == 1 ? 0 : bld[0];
        if (ndim == 2) CHECK(stride >= ehi[1] - elo[1] + 1, "%s: block %d: ld %d", label, idx, stride);
        for (int i = elo[0]; i <= ehi[0]; i++)
            for (int j = elo[1]; j <= ehi[1]; j++) {
                double *e = p + (i - elo[0]) * stride + (j - elo[1]);
                CHECK(*e == f(i, j), "%s: block %d: (%d,%d) is %g, expected %g", label, idx, i, j, *e, f(i, j));
                *e = -*e;
                owned++;
            }
        if (grid) {
            int sub[2] = {bi, bj};
            if (ndim == 1) sub[0] = bj;
            NGA_Release_update_block_grid(g_a, sub);
        } else {
            NGA_Release_update_block(g_a, idx);
        }
    }
    /* The segment holds exactly this process's blocks. */
    double *seg = NULL;
    int len = -1;
    NGA_Access_block_segment(g_a, me, &seg, &len);
    CHECK(len == owned, "%s: segment of %d elements, owned %ld", label, len, owned);
    double s = 0;
    for (int k = 0; k < len; k++) s += seg[k];
    NGA_Release_block_segment(g_a, me);
    GA_Dgop(&s, 1, "+");
    double ref = 0;
    for (int k = 0; k < n0 * n1; k++) ref -= all[k];
    CHECK(s == ref, "%s: segments sum to %g, expected %g", label, s, ref);
    REPORT("%s: segments sum %.0f", label, s);
    GA_Sync();

    /* The negation is visible to everyone. */
    double *back = malloc(sizeof(double) * n0 * n1);
    NGA_Get(g_a, lo, hi, back, ld);
    for (int k = 0; k < n0 * n1; k++) CHECK(back[k] == -all[k], "%s: element %d is %g", label, k, back[k]);
    free(back);
    free(all);
    GA_Destroy(g_a);
}

int main(int argc, char **argv)
{
    ga_test_init(&argc, &argv);
    int np = GA_Nnodes();
    run("bc-1d", 1, 1, 23, 1, 4, NULL);
    /* 12 block columns: a multiple of every process count up to 4. */
    run("bc-2d", 2, 5, 35, 2, 3, NULL);
    int g1[1] = {np};
    run("grid-1d", 1, 1, 17, 1, 3, g1);
    int g2[4][2] = {{1, 1}, {1, 2}, {3, 1}, {2, 2}};
    run("grid-2d", 2, 9, 10, 2, 3, g2[np - 1]);

    /* A regular array has no blocks in GA's sense. */
    int dims[2] = {4, 4};
    int g_r = NGA_Create(C_DBL, 2, dims, "regular", NULL);
    REPORT("regular: GA_Total_blocks %d", GA_Total_blocks(g_r));
    CHECK(GA_Total_blocks(g_r) == -1, "regular array: GA_Total_blocks %d", GA_Total_blocks(g_r));
    GA_Destroy(g_r);
    ga_test_end("test_ga_block");
    return 0;
}
