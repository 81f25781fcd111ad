/* GA's layout of regular arrays: NGA_Distribution must give, for every
 * process, the block GA 5.8 gives. The expected grids and split points are
 * derived by hand from GA's rule (docs/ga-migration.md, "Layout"): prime
 * factors of the process count, largest first, each to the dimension (in
 * Fortran order, i.e. C order reversed, starting one further each time)
 * whose unit count leaves the smallest remainder fraction, 1.1 when it has
 * fewer units than the new extent; then b = ceil(units/p) units for the
 * first units-(b-1)*p blocks and b-1 for the rest; blocks starting past the
 * end are dropped and their processes own nothing. */
#include <string.h>

#include "ga_test.h"

typedef struct {
    const char *what;
    int ndim, dims[3], chunk[3], has_chunk;
    int grid[4][3];      /* by process count 1..4, C order */
    int starts[4][3][4]; /* by process count, dimension, block */
} layout_case;

static const layout_case cases[] = {
    /* 1-D, 10 elements: b = ceil(10/p); 10 over 4 is 3,3,2,2 (not 3,3,3,1) */
    {"10", 1, {10}, {0}, 0,
     {{1}, {2}, {3}, {4}},
     {{{0}}, {{0, 5}}, {{0, 4, 7}}, {{0, 3, 6, 8}}}},
    /* 8x6: the single factor 2 goes to the columns (Fortran dimension 0 first, remainder 0 ties) */
    {"8x6", 2, {8, 6}, {0}, 0,
     {{1, 1}, {1, 2}, {1, 3}, {2, 2}},
     {{{0}, {0}}, {{0}, {0, 3}}, {{0}, {0, 2, 4}}, {{0, 4}, {0, 3}}}},
    /* 7x5: 2 -> rows (1/7 < 1/5); 3 -> rows (1/7 < 2/5); 4: rows then columns */
    {"7x5", 2, {7, 5}, {0}, 0,
     {{1, 1}, {2, 1}, {3, 1}, {2, 2}},
     {{{0}, {0}}, {{0, 4}, {0}}, {{0, 3, 5}, {0}}, {{0, 4}, {0, 3}}}},
    /* 2x2 on 3: the factor 3 goes to the columns (all score 1.1, first wins);
       only 2 blocks fit, process 2 owns nothing */
    {"2x2", 2, {2, 2}, {0}, 0,
     {{1, 1}, {1, 2}, {1, 2}, {2, 2}},
     {{{0}, {0}}, {{0}, {0, 1}}, {{0}, {0, 1}}, {{0, 1}, {0, 1}}}},
    /* 4x4x4: factors go to the last C dimension first, then the middle one */
    {"4x4x4", 3, {4, 4, 4}, {0}, 0,
     {{1, 1, 1}, {1, 1, 2}, {1, 1, 3}, {1, 2, 2}},
     {{{0}, {0}, {0}}, {{0}, {0}, {0, 2}}, {{0}, {0}, {0, 2, 3}}, {{0}, {0, 2}, {0, 2}}}},
    /* chunk {10, -1}: rows stay whole (one unit of 10), columns distributed */
    {"10x10 chunk 10,-1", 2, {10, 10}, {10, -1}, 1,
     {{1, 1}, {1, 2}, {1, 3}, {1, 4}},
     {{{0}, {0}}, {{0}, {0, 5}}, {{0}, {0, 4, 7}}, {{0}, {0, 3, 6, 8}}}},
    /* chunk {-1, 10}: the other way round */
    {"10x10 chunk -1,10", 2, {10, 10}, {-1, 10}, 1,
     {{1, 1}, {2, 1}, {3, 1}, {4, 1}},
     {{{0}, {0}}, {{0, 5}, {0}}, {{0, 4, 7}, {0}}, {{0, 3, 6, 8}, {0}}}},
    /* minimum block 5 of 12: 3 units; on 2: 2 units then 1; on 4: process 3 empty */
    {"12 chunk 5", 1, {12}, {5}, 1,
     {{1}, {2}, {3}, {3}},
     {{{0}}, {{0, 10}}, {{0, 5, 10}}, {{0, 5, 10}}}},
};

static void check_case(const layout_case *c, int g_a)
{
    int np = GA_Nnodes(), nd = c->ndim;
    const int *grid = c->grid[np - 1];
    int nblocks = 1;
    for (int d = 0; d < nd; d++) nblocks *= grid[d];
    for (int p = 0; p < np; p++) {
        int lo[3], hi[3], coord[3];
        NGA_Distribution(g_a, p, lo, hi);
        NGA_Proc_topology(g_a, p, coord);
        if (p >= nblocks) {
            /* GA's documentation: coordinates -1 for a process that owns
               nothing. GA 5.8 itself wraps around instead (process 3 of a
               3-block grid gets 0), so that answer is not compared. */
            REPORT("%s on %d: process %d: [%d, %d] owns nothing", c->what, np, p, lo[0], hi[0]);
            for (int d = 0; d < nd; d++) {
                CHECK(lo[d] == -1 && hi[d] == -2, "%s on %d: process %d should own nothing: dim %d [%d, %d]",
                      c->what, np, p, d, lo[d], hi[d]);
#ifndef GA_TEST_REFERENCE
                CHECK(coord[d] == -1, "%s: topology of empty process %d", c->what, p);
#endif
            }
            continue;
        }
        if (nd == 1) REPORT("%s on %d: process %d: [%d, %d] at (%d)", c->what, np, p, lo[0], hi[0], coord[0]);
        else if (nd == 2)
            REPORT("%s on %d: process %d: [%d:%d, %d:%d] at (%d, %d)", c->what, np, p, lo[0], hi[0], lo[1], hi[1],
                   coord[0], coord[1]);
        else
            REPORT("%s on %d: process %d: [%d:%d, %d:%d, %d:%d] at (%d, %d, %d)", c->what, np, p, lo[0], hi[0],
                   lo[1], hi[1], lo[2], hi[2], coord[0], coord[1], coord[2]);
        int rem = p;
        for (int d = nd - 1; d >= 0; d--) { /* GA's numbering, seen from C: row-major */
            int k = rem % grid[d];
            rem /= grid[d];
            int elo = c->starts[np - 1][d][k];
            int ehi = (k + 1 < grid[d] ? c->starts[np - 1][d][k + 1] : c->dims[d]) - 1;
            CHECK(lo[d] == elo && hi[d] == ehi, "%s on %d: process %d dim %d: got [%d, %d], GA gives [%d, %d]",
                  c->what, np, p, d, lo[d], hi[d], elo, ehi);
            /* GA 5.8's NGA_Proc_topology answers in Fortran order (C dimensions reversed) */
            CHECK(coord[nd - 1 - d] == k, "%s on %d: process %d dim %d: coordinate %d, GA gives %d", c->what, np, p,
                  d, coord[nd - 1 - d], k);
            /* the owner of the block's first element is p */
        }
        CHECK(NGA_Locate(g_a, lo) == p, "%s: NGA_Locate of process %d's first element gave %d", c->what, p,
              NGA_Locate(g_a, lo));
    }
}

int main(int argc, char **argv)
{
    ga_test_init(&argc, &argv);
    CHECK(GA_Nnodes() <= 4, "the table covers 1 to 4 processes");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const layout_case *c = &cases[i];
        int dims[3], chunk[3];
        memcpy(dims, c->dims, sizeof dims);
        memcpy(chunk, c->chunk, sizeof chunk);
        int g_a = NGA_Create(C_DBL, c->ndim, dims, (char *)c->what, c->has_chunk ? chunk : NULL);
        CHECK(g_a != 0, "NGA_Create %s", c->what);
        check_case(c, g_a);
        GA_Destroy(g_a);
        /* the same through the handle calls */
        int g_b = GA_Create_handle();
        GA_Set_data(g_b, c->ndim, dims, MT_F_DBL);
        GA_Set_array_name(g_b, (char *)c->what);
        if (c->has_chunk) GA_Set_chunk(g_b, chunk);
        CHECK(GA_Allocate(g_b), "GA_Allocate %s", c->what);
        check_case(c, g_b);
        GA_Destroy(g_b);
    }
    /* NGA_Locate_region: a patch over all four blocks of 8x6 on 4 (the
       answers at other counts are compared with real GA) */
    {
        int dims[2] = {8, 6}, lo[2] = {3, 2}, hi[2] = {4, 3}, map[4 * 4], procs[4];
        int g_a = NGA_Create(C_INT, 2, dims, "region", NULL);
        int n = NGA_Locate_region(g_a, lo, hi, map, procs);
        for (int i = 0; i < n; i++)
            REPORT("NGA_Locate_region: process %d [%d:%d, %d:%d]", procs[i], map[4 * i], map[4 * i + 2],
                   map[4 * i + 1], map[4 * i + 3]);
        if (GA_Nnodes() == 4) {
            CHECK(n == 4, "NGA_Locate_region found %d owners", n);
            static const int want[4][4] = {{3, 2, 3, 2}, {3, 3, 3, 3}, {4, 2, 4, 2}, {4, 3, 4, 3}};
            for (int i = 0; i < 4; i++) {
                CHECK(procs[i] == i, "owner %d is process %d", i, procs[i]);
                for (int j = 0; j < 4; j++)
                    CHECK(map[i * 4 + j] == want[i][j], "owner %d: map[%d] = %d, want %d", i, j, map[i * 4 + j],
                          want[i][j]);
            }
        }
        GA_Destroy(g_a);
    }
    ga_test_end("test_ga_layout");
    return 0;
}
