/* Bad input to the calls that make groups from groups must abort with a
 * message naming the call and the argument (meson expects each case to
 * fail). argv[1] picks the case:
 *   split     GA_Pgroup_split into more parts than the group has processes
 *   absolute  GA_Pgroup_absolute_id of a pid past the group's end
 *   handle    GA_Pgroup_duplicate of a destroyed group */
#include <string.h>

#include "ga_test.h"

int main(int argc, char **argv)
{
    ga_test_init(&argc, &argv);
    const char *c = argc > 1 ? argv[1] : "";
    int world = GA_Pgroup_get_world();
    if (!strcmp(c, "split")) {
        GA_Pgroup_split(world, GA_Nnodes() + 1);
    } else if (!strcmp(c, "absolute")) {
        int g = GA_Pgroup_split(world, 1);
        GA_Pgroup_absolute_id(g, GA_Pgroup_nnodes(g));
    } else if (!strcmp(c, "handle")) {
        int g = GA_Pgroup_self();
        GA_Pgroup_destroy(g);
        GA_Pgroup_duplicate(g);
    }
    /* Reached when nothing aborted (or the case is unknown): exit 0, which
       meson reports as this should-fail test failing. */
    ga_test_end("test_ga_bad_pgroup_split");
    return 0;
}
