/* NGA_Copy_patch between patches of the same element count but different
 * shapes, ranks and distributions, with and without transposition
 * ('T': A's patch read with its index order reversed; for 2-D patches the
 * transpose), against references computed here from A's values. */
#include "ga_test.h"

#define AR 6
#define AC 4
#define BR 4
#define BC 6

static double a_val(int i, int j) { return 10.0 * i + j + 1; }

static void get_b(int g_b, double b[BR][BC])
{
    int lo[2] = {0, 0}, hi[2] = {BR - 1, BC - 1}, ld[1] = {BC};
    NGA_Get(g_b, lo, hi, b, ld);
}

/* Block-cyclic B (darray only, see main) is checked but not reported. */
static int reporting;

static void check_b(int g_b, double want[BR][BC], const char *what)
{
    double b[BR][BC];
    GA_Sync();
    get_b(g_b, b);
    for (int i = 0; i < BR; i++) {
        if (reporting)
            REPORT("%s: row %d: %g %g %g %g %g %g", what, i, b[i][0], b[i][1], b[i][2], b[i][3], b[i][4], b[i][5]);
        for (int j = 0; j < BC; j++)
            CHECK(b[i][j] == want[i][j], "%s: B(%d,%d) = %g, want %g", what, i, j, b[i][j], want[i][j]);
    }
    GA_Sync(); /* everyone has read B before the next case changes it */
}

static int create_b(int kind)
{
    int dims[2] = {BR, BC};
    if (kind == 0) return NGA_Create(C_DBL, 2, dims, "b", NULL);
    int g_b = GA_Create_handle(); /* block-cyclic, GA's own owners */
    GA_Set_data(g_b, 2, dims, C_DBL);
    int bs[2] = {1, 5};
    GA_Set_block_cyclic(g_b, bs);
    CHECK(GA_Allocate(g_b), "GA_Allocate block-cyclic");
    return g_b;
}

int main(int argc, char **argv)
{
    ga_test_init(&argc, &argv);
    int me = GA_Nodeid(), np = GA_Nnodes();
    int adims[2] = {AR, AC};
    int g_a = NGA_Create(C_DBL, 2, adims, "a", NULL);
    for (int i = me; i < AR; i += np) {
        double row[AC];
        int lo[2] = {i, 0}, hi[2] = {i, AC - 1}, ld[1] = {AC};
        for (int j = 0; j < AC; j++) row[j] = a_val(i, j);
        NGA_Put(g_a, lo, hi, row, ld);
    }
    int vdim[1] = {12};
    int g_v = NGA_Create(C_DBL, 1, vdim, "v", NULL);
    if (me == 0) {
        double v[12];
        int lo[1] = {0}, hi[1] = {11};
        for (int k = 0; k < 12; k++) v[k] = -(k + 1);
        NGA_Put(g_v, lo, hi, v, NULL);
    }
    GA_Sync();

#ifndef GA_TEST_REFERENCE
    int kinds = 2;
#else
    int kinds = 1; /* GA 5.8 aborts: "Change in shape not supported for block-cyclic data" */
#endif
    for (int kind = 0; kind < kinds; kind++) {
        const char *kname = kind ? "block-cyclic B" : "regular B";
        reporting = kind == 0;
        int g_b = create_b(kind);
        double want[BR][BC] = {{0}};
        char what[64];
        GA_Zero(g_b);

        /* reshape: A rows 1..3 (3x4) into B rows 0..1 (2x6), row-major order kept */
        {
            int alo[2] = {1, 0}, ahi[2] = {3, AC - 1}, blo[2] = {0, 0}, bhi[2] = {1, BC - 1};
            NGA_Copy_patch('N', g_a, alo, ahi, g_b, blo, bhi);
            for (int k = 0; k < 12; k++) want[k / BC][k % BC] = a_val(1 + k / AC, k % AC);
            snprintf(what, sizeof what, "%s reshape 3x4 to 2x6", kname);
            check_b(g_b, want, what);
        }
        /* transpose: A(0..4, 1..2) (5x2) into B(2..3, 0..4) (2x5) */
        {
            int alo[2] = {0, 1}, ahi[2] = {4, 2}, blo[2] = {2, 0}, bhi[2] = {3, 4};
            NGA_Copy_patch('T', g_a, alo, ahi, g_b, blo, bhi);
            for (int r = 0; r < 2; r++)
                for (int c = 0; c < 5; c++) want[2 + r][c] = a_val(c, 1 + r);
            snprintf(what, sizeof what, "%s transpose 5x2 to 2x5", kname);
            check_b(g_b, want, what);
        }
        /* transpose of a square patch onto the same shape: B(0..2, 3..5) = A(3..5, 0..2)^T */
        {
            int alo[2] = {3, 0}, ahi[2] = {5, 2}, blo[2] = {0, 3}, bhi[2] = {2, 5};
            NGA_Copy_patch('t', g_a, alo, ahi, g_b, blo, bhi);
            for (int r = 0; r < 3; r++)
                for (int c = 0; c < 3; c++) want[r][3 + c] = a_val(3 + c, r);
            snprintf(what, sizeof what, "%s transpose 3x3", kname);
            check_b(g_b, want, what);
        }
        /* a 1-D patch into a 2-D one: v(0..11) into B(2..3, 0..5) */
        {
            int vlo[1] = {0}, vhi[1] = {11}, blo[2] = {2, 0}, bhi[2] = {3, BC - 1};
            NGA_Copy_patch('N', g_v, vlo, vhi, g_b, blo, bhi);
            for (int k = 0; k < 12; k++) want[2 + k / BC][k % BC] = -(k + 1);
            snprintf(what, sizeof what, "%s 1-D 12 to 2x6", kname);
            check_b(g_b, want, what);
        }
        /* and back: B(0..1, 1..3) (2x3) transposed into v(3..8) */
        {
            int blo[2] = {0, 1}, bhi[2] = {1, 3}, vlo[1] = {3}, vhi[1] = {8};
            NGA_Copy_patch('T', g_b, blo, bhi, g_v, vlo, vhi);
            double v[12], wv[12];
            int lo[1] = {0}, hi[1] = {11};
            for (int k = 0; k < 12; k++) wv[k] = -(k + 1);
            for (int k = 0; k < 6; k++) wv[3 + k] = want[k % 2][1 + k / 2]; /* reversed order: row index fastest */
            GA_Sync();
            NGA_Get(g_v, lo, hi, v, NULL);
            if (reporting)
                REPORT("%s transposed into v: %g %g %g %g %g %g %g %g %g %g %g %g", kname, v[0], v[1], v[2],
                       v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11]);
            for (int k = 0; k < 12; k++) CHECK(v[k] == wv[k], "%s: v(%d) = %g, want %g", kname, k, v[k], wv[k]);
            GA_Sync();
            if (me == 0) { /* restore v for the next kind */
                for (int k = 0; k < 12; k++) wv[k] = -(k + 1);
                NGA_Put(g_v, lo, hi, wv, NULL);
            }
            GA_Sync();
        }
        GA_Destroy(g_b);
    }
    GA_Destroy(g_v);
    GA_Destroy(g_a);
    ga_test_end("test_ga_copy_patch");
    return 0;
}
