/* GA-style whole-array algebra: fill, scale, add, copy (between different
 * distributions), dot products of each type, patch operations, duplicate,
 * against closed-form references. */
#include <string.h>

#include "ga_test.h"

#define N 11
#define M 6

int main(int argc, char **argv)
{
    ga_test_init(&argc, &argv);
    int np = GA_Nnodes();
    int dims[2] = {N, M};

    /* doubles: regular a, irregular b (all rows on block 0 but one), c duplicate of a */
    int g_a = NGA_Create(C_DBL, 2, dims, "a", NULL);
    int block[2] = {1, np}, map[1 + 4];
    map[0] = 0;
    for (int k = 0; k < np; k++) map[1 + k] = k; /* columns 0,1,..; the last block takes the rest */
    int g_b = NGA_Create_irreg(C_DBL, 2, dims, "b", block, map);
    int g_c = GA_Duplicate(g_a, "c");
    CHECK(!strcmp(GA_Inquire_name(g_c), "c"), "GA_Inquire_name: %s", GA_Inquire_name(g_c));
    int type, nd, d2[2];
    NGA_Inquire(g_c, &type, &nd, d2);
    CHECK(type == C_DBL && nd == 2 && d2[0] == N && d2[1] == M, "NGA_Inquire of a duplicate");

    double two = 2, three = 3, half = 0.5, mone = -1;
    GA_Fill(g_a, &two);
    GA_Fill(g_b, &three);
    GA_Scale(g_b, &half); /* 1.5 */
    GA_Add(&two, g_a, &mone, g_b, g_c); /* 4 - 1.5 = 2.5 */
    double d = GA_Ddot(g_c, g_a);
    REPORT("GA_Ddot(c, a) = %.17g", d);
    CHECK(d == 2.5 * 2 * N * M, "GA_Ddot %g", d);
    GA_Copy(g_c, g_b); /* b = 2.5 across different distributions */
    d = GA_Ddot(g_b, g_b);
    REPORT("GA_Ddot(b, b) after GA_Copy = %.17g", d);
    CHECK(d == 6.25 * N * M, "GA_Ddot after GA_Copy %g", d);

    /* patches: zero a 3x2 patch of b, fill one of a, copy a patch of a into b */
    int lo[2] = {2, 1}, hi[2] = {4, 2};
    NGA_Zero_patch(g_b, lo, hi);
    double seven = 7;
    NGA_Fill_patch(g_a, lo, hi, &seven);
    int blo[2] = {7, 3}, bhi[2] = {9, 4};
    NGA_Copy_patch('N', g_a, lo, hi, g_b, blo, bhi);
    NGA_Scale_patch(g_b, blo, bhi, &two); /* 14 */
    GA_Sync();
    double all[N * M];
    int alo[2] = {0, 0}, ahi[2] = {N - 1, M - 1}, ld[1] = {M};
    NGA_Get(g_b, alo, ahi, all, ld);
    for (int i = 0; i < N; i++)
        REPORT("b row %d: %g %g %g %g %g %g", i, all[i * M], all[i * M + 1], all[i * M + 2], all[i * M + 3],
               all[i * M + 4], all[i * M + 5]);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < M; j++) {
            double want = 2.5;
            if (i >= 2 && i <= 4 && j >= 1 && j <= 2) want = 0;
            if (i >= 7 && i <= 9 && j >= 3 && j <= 4) want = 14;
            CHECK(all[i * M + j] == want, "b(%d,%d) = %g, want %g", i, j, all[i * M + j], want);
        }

    /* integer and complex dots */
    int g_i = NGA_Create(C_INT, 2, dims, "i", NULL);
    int g_l = NGA_Create(MT_F_INT, 2, dims, "l", NULL);
    int g_z = NGA_Create(C_DCPL, 1, dims, "z", NULL);
    int ione = 3;
    long lone = 4;
    DoubleComplex z = {1, 2};
    GA_Fill(g_i, &ione);
    GA_Fill(g_l, &lone);
    GA_Fill(g_z, &z);
    CHECK(GA_Idot(g_i, g_i) == 9 * N * M, "GA_Idot %d", GA_Idot(g_i, g_i));
    CHECK(GA_Ldot(g_l, g_l) == 16L * N * M, "GA_Ldot %ld", GA_Ldot(g_l, g_l));
    DoubleComplex zz = GA_Zdot(g_z, g_z); /* (1+2i)^2 = -3+4i, no conjugation */
    int idot = GA_Idot(g_i, g_i); /* collective: never inside REPORT, which only process 0 evaluates */
    long ldot = GA_Ldot(g_l, g_l);
    REPORT("GA_Idot %d, GA_Ldot %ld, GA_Zdot (%g, %g)", idot, ldot, zz.real, zz.imag);
    CHECK(zz.real == -3.0 * N && zz.imag == 4.0 * N, "GA_Zdot (%g, %g)", zz.real, zz.imag);
    NGA_Inquire(g_l, &type, &nd, d2);
    REPORT("NGA_Inquire of an MT_F_INT array: type %d, %d dimensions, %d x %d", type, nd, d2[0], d2[1]);
    CHECK(type == C_LONG, "MT_F_INT arrays report C_LONG, got %d", type);

    GA_Print_distribution(g_a);
    GA_Summarize(0);
    GA_Destroy(g_a);
    GA_Destroy(g_b);
    GA_Destroy(g_c);
    GA_Destroy(g_i);
    GA_Destroy(g_l);
    GA_Destroy(g_z);
    CHECK(GA_Uses_ma() == 0 && GA_Uses_fapi() == 0, "GA_Uses_ma / GA_Uses_fapi");
    CHECK(MA_sizeof(MT_F_DBL, 3, MT_C_INT) == 6, "MA_sizeof");
    ga_test_end("test_ga_algebra");
    return 0;
}
