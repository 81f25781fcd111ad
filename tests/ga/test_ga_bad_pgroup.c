/* A group call on a process outside the group must abort with a message
 * naming the call (meson expects this test to fail). */
#include "ga_test.h"

int main(int argc, char **argv)
{
    ga_test_init(&argc, &argv);
    int list[1] = {0};
    int g = GA_Pgroup_create(list, 1);
    if (GA_Nodeid() != 0) GA_Pgroup_sync(g); /* aborts: not in group */
    ga_test_end("test_ga_bad_pgroup");
    return 0;
}
