/* NGA_Access_block of a block another process owns must abort with a
 * message naming the call (meson expects this test to fail). */
#include "ga_test.h"

int main(int argc, char **argv)
{
    ga_test_init(&argc, &argv);
    int dims[1] = {8}, bs[1] = {2}, ld[1];
    double *p;
    int g_a = GA_Create_handle();
    GA_Set_data(g_a, 1, dims, C_DBL);
    GA_Set_block_cyclic(g_a, bs);
    GA_Allocate(g_a);
    /* Block 1 belongs to process 1 % nproc; process 0 asks for it. */
    NGA_Access_block(g_a, GA_Nodeid() == 0 ? 1 : 0, &p, ld);
    ga_test_end("test_ga_bad_block");
    return 0;
}
