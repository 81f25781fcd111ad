/* A GA call on a destroyed array must abort the program with a message
 * naming the call (meson expects this test to fail). */
#include "ga_test.h"

int main(int argc, char **argv)
{
    ga_test_init(&argc, &argv);
    int dims[1] = {10}, lo[1] = {0}, hi[1] = {0};
    double v = 1;
    int g_a = NGA_Create(C_DBL, 1, dims, "doomed", NULL);
    GA_Destroy(g_a);
    NGA_Put(g_a, lo, hi, &v, NULL); /* aborts: invalid array handle */
    ga_test_end("test_ga_bad_handle");
    return 0;
}
