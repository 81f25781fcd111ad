/* GA compatibility: process groups. A group is an MPI communicator made
 * from its parent's (the default group's for GA_Pgroup_create, the split
 * group's for GA_Pgroup_split), so creation is collective over the parent,
 * as in GA; arrays on a group are darray arrays on that communicator.
 * Process ids inside a group are ranks in it, in ascending order of the
 * parent's ids. Handle -1 is the world; created groups get 1, 2, ... and are
 * never reused. */
#include <stdlib.h>

#include "ga_internal.h"

typedef struct {
    int live;
    MPI_Comm comm; /* MPI_COMM_NULL on processes outside the group */
    int rank, nproc;
    int *world;    /* world rank of each member: every process that holds
                      the handle can answer GA_Pgroup_absolute_id */
} ga_grp_t;

static ga_grp_t *grps; /* grps[h - 1] */
static int ngrps;

void ga_pgroup_info(int h, MPI_Comm *comm, int *rank, int *nproc, const char *call)
{
    ga_require_init(call);
    if (h == -1) {
        *comm = ga_state.comm;
        *rank = ga_state.rank;
        *nproc = ga_state.nproc;
        return;
    }
    if (h < 1 || h > ngrps || !grps[h - 1].live) ga_fail(call, "invalid process group handle %d", h);
    *comm = grps[h - 1].comm;
    *rank = grps[h - 1].rank;
    *nproc = grps[h - 1].nproc;
}

/* The group's communicator; aborts when this process is not in the group. */
static MPI_Comm member_comm(int h, int *rank, int *nproc, const char *call)
{
    MPI_Comm c;
    int r, n;
    ga_pgroup_info(h, &c, &r, &n, call);
    if (r < 0) ga_fail(call, "this process is not in process group %d", h);
    if (rank) *rank = r;
    if (nproc) *nproc = n;
    return c;
}

/* World rank of process pid of valid group h. */
static int abs_id(int h, int pid) { return h == -1 ? pid : grps[h - 1].world[pid]; }

static int *new_ids(int n, const char *call)
{
    int *v = malloc(sizeof *v * (size_t)n);
    if (!v) ga_fail(call, "out of memory");
    return v;
}

/* Records a group of nproc processes: comm (MPI_COMM_NULL outside it) and
   world, the world ranks of its members in group order (taken over). Every
   process taking part in a creation records the same number of groups, so
   handle numbers stay in step across processes. */
static int add_group(MPI_Comm comm, int nproc, int *world, const char *call)
{
    ga_grp_t *ng = realloc(grps, sizeof *ng * (size_t)(ngrps + 1));
    if (!ng) ga_fail(call, "out of memory");
    grps = ng;
    ga_grp_t *g = &grps[ngrps];
    g->live = 1;
    g->comm = comm;
    g->rank = -1;
    g->nproc = nproc;
    g->world = world;
    if (comm != MPI_COMM_NULL) MPI_Comm_rank(comm, &g->rank);
    return ++ngrps;
}

void ga_pgroup_free_all(void)
{
    for (int i = 0; i < ngrps; i++) {
        if (!grps[i].live) continue;
        if (grps[i].comm != MPI_COMM_NULL) MPI_Comm_free(&grps[i].comm);
        free(grps[i].world);
    }
    free(grps);
    grps = NULL;
    ngrps = 0;
    ga_state.dgroup = -1;
    ga_state.dcomm = ga_state.comm;
    ga_state.drank = ga_state.rank;
    ga_state.dnproc = ga_state.nproc;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* list: process ids in the default group, no repeats, in any order: as in
   GA, the group's ids follow the ascending order of the list. */
GA_DAPI int GA_Pgroup_create(int *list, int count)
{
    const char *call = "GA_Pgroup_create";
    ga_require_init(call);
    if (!list || count < 1 || count > ga_state.dnproc)
        ga_fail(call, "list is NULL or count = %d outside 1..%d", count, ga_state.dnproc);
    int *ids = new_ids(count, call);
    for (int i = 0; i < count; i++) {
        if (list[i] < 0 || list[i] >= ga_state.dnproc)
            ga_fail(call, "list[%d] = %d outside 0..%d", i, list[i], ga_state.dnproc - 1);
        ids[i] = list[i];
    }
    qsort(ids, (size_t)count, sizeof *ids, cmp_int);
    for (int i = 1; i < count; i++)
        if (ids[i] == ids[i - 1]) ga_fail(call, "process %d appears twice in list", ids[i]);
    MPI_Group parent, sub;
    MPI_Comm c;
    MPI_Comm_group(ga_state.dcomm, &parent);
    MPI_Group_incl(parent, count, ids, &sub);
    if (MPI_Comm_create(ga_state.dcomm, sub, &c) != MPI_SUCCESS) ga_fail(call, "MPI_Comm_create failed");
    MPI_Group_free(&sub);
    MPI_Group_free(&parent);
    for (int i = 0; i < count; i++) ids[i] = abs_id(ga_state.dgroup, ids[i]);
    return add_group(c, count, ids, call);
}

GA_DAPI int NGA_Pgroup_create(int *list, int count) { return GA_Pgroup_create(list, count); }

/* Collective over the group's members; arrays still on it must be gone. */
GA_DAPI int GA_Pgroup_destroy(int grp)
{
    const char *call = "GA_Pgroup_destroy";
    MPI_Comm c;
    int r, n;
    ga_pgroup_info(grp, &c, &r, &n, call);
    if (grp == -1) ga_fail(call, "the world group cannot be destroyed");
    if (grp == ga_state.dgroup) ga_fail(call, "group %d is the default group", grp);
    for (int i = 0; i < ga_arr_count(); i++)
        if (ga_arr_at(i)->pgroup == grp) ga_fail(call, "array %d still lives on group %d", ga_arr_at(i)->handle, grp);
    if (grps[grp - 1].comm != MPI_COMM_NULL) MPI_Comm_free(&grps[grp - 1].comm);
    free(grps[grp - 1].world);
    grps[grp - 1].live = 0;
    return 1;
}

GA_DAPI int NGA_Pgroup_destroy(int grp) { return GA_Pgroup_destroy(grp); }

/* Collective over grp. GA's rule, not an even split: parts of
   ceil(n / num_group) consecutive ranks, the last one shorter, so there may
   be fewer than num_group parts (4 processes in 3: 2 + 2). Every part gets a
   handle on every member of grp, as in GA; the caller's is returned. */
GA_DAPI int GA_Pgroup_split(int grp, int num_group)
{
    const char *call = "GA_Pgroup_split";
    int r, n;
    MPI_Comm c = member_comm(grp, &r, &n, call);
    if (num_group < 1 || num_group > n)
        ga_fail(call, "num_group = %d outside 1..%d: group %d has %d processes", num_group, n, grp, n);
    int size = (n + num_group - 1) / num_group, mine = r / size, h = 0;
    MPI_Comm sub;
    if (MPI_Comm_split(c, mine, r, &sub) != MPI_SUCCESS) ga_fail(call, "MPI_Comm_split failed");
    for (int start = 0; start < n; start += size) {
        int cnt = n - start < size ? n - start : size;
        int *ids = new_ids(cnt, call);
        for (int i = 0; i < cnt; i++) ids[i] = abs_id(grp, start + i);
        int k = add_group(start / size == mine ? sub : MPI_COMM_NULL, cnt, ids, call);
        if (start / size == mine) h = k;
    }
    return h;
}

GA_DAPI int NGA_Pgroup_split(int grp, int num_group) { return GA_Pgroup_split(grp, num_group); }

/* Collective over grp: the processes with the same color form a group,
   ordered by their ids in grp. Colors are GA's: 0 or more. */
GA_DAPI int GA_Pgroup_split_irreg(int grp, int color)
{
    const char *call = "GA_Pgroup_split_irreg";
    int r;
    MPI_Comm c = member_comm(grp, &r, NULL, call);
    if (color < 0) ga_fail(call, "color = %d is negative", color);
    MPI_Comm sub;
    int n;
    if (MPI_Comm_split(c, color, r, &sub) != MPI_SUCCESS) ga_fail(call, "MPI_Comm_split failed");
    MPI_Comm_size(sub, &n);
    int *ids = new_ids(n, call);
    MPI_Allgather(&ga_state.rank, 1, MPI_INT, ids, 1, MPI_INT, sub);
    return add_group(sub, n, ids, call);
}

GA_DAPI int NGA_Pgroup_split_irreg(int grp, int color) { return GA_Pgroup_split_irreg(grp, color); }

/* Collective over the group's members. GA makes every process of the
   default group call it, so one outside the group may call it too and gets
   a handle on the copy, outside it. */
GA_DAPI int GA_Pgroup_duplicate(int grp)
{
    const char *call = "GA_Pgroup_duplicate";
    MPI_Comm c, dup = MPI_COMM_NULL;
    int r, n;
    ga_pgroup_info(grp, &c, &r, &n, call);
    if (c != MPI_COMM_NULL && MPI_Comm_dup(c, &dup) != MPI_SUCCESS) ga_fail(call, "MPI_Comm_dup failed");
    int *ids = new_ids(n, call);
    for (int i = 0; i < n; i++) ids[i] = abs_id(grp, i);
    return add_group(dup, n, ids, call);
}

GA_DAPI int NGA_Pgroup_duplicate(int grp) { return GA_Pgroup_duplicate(grp); }

/* Local here; GA makes every process of the default group call it. */
GA_DAPI int GA_Pgroup_self(void)
{
    const char *call = "GA_Pgroup_self";
    ga_require_init(call);
    MPI_Comm c;
    if (MPI_Comm_dup(MPI_COMM_SELF, &c) != MPI_SUCCESS) ga_fail(call, "MPI_Comm_dup failed");
    int *ids = new_ids(1, call);
    ids[0] = ga_state.rank;
    return add_group(c, 1, ids, call);
}

GA_DAPI int NGA_Pgroup_self(void) { return GA_Pgroup_self(); }

/* Any process holding the handle may ask, member or not. */
GA_DAPI int GA_Pgroup_absolute_id(int grp, int pid)
{
    const char *call = "GA_Pgroup_absolute_id";
    MPI_Comm c;
    int r, n;
    ga_pgroup_info(grp, &c, &r, &n, call);
    if (pid < 0 || pid >= n) ga_fail(call, "pid %d outside 0..%d: group %d has %d processes", pid, n - 1, grp, n);
    return abs_id(grp, pid);
}

GA_DAPI int NGA_Pgroup_absolute_id(int grp, int pid) { return GA_Pgroup_absolute_id(grp, pid); }

GA_DAPI int GA_Pgroup_get_default(void)
{
    ga_require_init("GA_Pgroup_get_default");
    return ga_state.dgroup;
}

GA_DAPI int GA_Pgroup_get_world(void)
{
    ga_require_init("GA_Pgroup_get_world");
    return -1;
}

/* No mirrored arrays in the layer: the mirror group is the world. */
GA_DAPI int GA_Pgroup_get_mirror(void)
{
    ga_require_init("GA_Pgroup_get_mirror");
    return -1;
}

GA_DAPI int NGA_Pgroup_get_default(void) { return GA_Pgroup_get_default(); }
GA_DAPI int NGA_Pgroup_get_world(void) { return GA_Pgroup_get_world(); }
GA_DAPI int NGA_Pgroup_get_mirror(void) { return GA_Pgroup_get_mirror(); }

/* Collective over the group's members (a barrier, as in GA). */
GA_DAPI void GA_Pgroup_set_default(int p_handle)
{
    const char *call = "GA_Pgroup_set_default";
    int r, n;
    MPI_Comm c = member_comm(p_handle, &r, &n, call);
    MPI_Barrier(c);
    ga_state.dgroup = p_handle;
    ga_state.dcomm = c;
    ga_state.drank = r;
    ga_state.dnproc = n;
}

GA_DAPI void NGA_Pgroup_set_default(int p_handle) { GA_Pgroup_set_default(p_handle); }

GA_DAPI int GA_Pgroup_nnodes(int grp)
{
    MPI_Comm c;
    int r, n;
    ga_pgroup_info(grp, &c, &r, &n, "GA_Pgroup_nnodes");
    return n;
}

/* -1 on a process outside the group. */
GA_DAPI int GA_Pgroup_nodeid(int grp)
{
    MPI_Comm c;
    int r, n;
    ga_pgroup_info(grp, &c, &r, &n, "GA_Pgroup_nodeid");
    return r;
}

GA_DAPI int NGA_Pgroup_nnodes(int grp) { return GA_Pgroup_nnodes(grp); }
GA_DAPI int NGA_Pgroup_nodeid(int grp) { return GA_Pgroup_nodeid(grp); }

/* The group's arrays are synchronised with one barrier over the group. */
GA_DAPI void GA_Pgroup_sync(int grp)
{
    const char *call = "GA_Pgroup_sync";
    ga_sync_group(grp, member_comm(grp, NULL, NULL, call), call);
}

GA_DAPI void NGA_Pgroup_sync(int grp) { GA_Pgroup_sync(grp); }

GA_DAPI void GA_Pgroup_brdcst(int grp, void *buf, int lenbuf, int root)
{
    const char *call = "GA_Pgroup_brdcst";
    int n;
    MPI_Comm c = member_comm(grp, NULL, &n, call);
    if (root < 0 || root >= n) ga_fail(call, "root %d outside 0..%d", root, n - 1);
    if (lenbuf < 0 || (lenbuf > 0 && !buf)) ga_fail(call, "lenbuf = %d negative or buf NULL", lenbuf);
    if (MPI_Bcast(buf, lenbuf, MPI_BYTE, root, c) != MPI_SUCCESS) ga_fail(call, "MPI_Bcast failed");
}

GA_DAPI void GA_Pgroup_igop(int grp, int x[], int n, char *op)
{
    ga_gop(x, n, op, MPI_INT, 0, member_comm(grp, NULL, NULL, "GA_Pgroup_igop"), "GA_Pgroup_igop");
}

GA_DAPI void GA_Pgroup_lgop(int grp, long x[], int n, char *op)
{
    ga_gop(x, n, op, MPI_LONG, 1, member_comm(grp, NULL, NULL, "GA_Pgroup_lgop"), "GA_Pgroup_lgop");
}

GA_DAPI void GA_Pgroup_llgop(int grp, long long x[], int n, char *op)
{
    ga_gop(x, n, op, MPI_LONG_LONG, 2, member_comm(grp, NULL, NULL, "GA_Pgroup_llgop"), "GA_Pgroup_llgop");
}

GA_DAPI void GA_Pgroup_fgop(int grp, float x[], int n, char *op)
{
    ga_gop(x, n, op, MPI_FLOAT, 3, member_comm(grp, NULL, NULL, "GA_Pgroup_fgop"), "GA_Pgroup_fgop");
}

GA_DAPI void GA_Pgroup_dgop(int grp, double x[], int n, char *op)
{
    ga_gop(x, n, op, MPI_DOUBLE, 4, member_comm(grp, NULL, NULL, "GA_Pgroup_dgop"), "GA_Pgroup_dgop");
}

/* Before GA_Allocate; only members of the group may create on it. */
GA_DAPI void GA_Set_pgroup(int g_a, int p_handle)
{
    const char *call = "GA_Set_pgroup";
    ga_require_init(call);
    ga_arr_t *g = ga_arr_find(g_a);
    if (!g) ga_fail(call, "invalid array handle %d", g_a);
    if (g->state == GA_ARR_ALLOCATED) ga_fail(call, "array handle %d is already allocated", g_a);
    g->gcomm = member_comm(p_handle, &g->grank, &g->gnproc, call);
    g->pgroup = p_handle;
}

GA_DAPI int GA_Get_pgroup(int g_a) { return ga_arr_get(g_a, "GA_Get_pgroup")->pgroup; }
GA_DAPI int GA_Get_pgroup_size(int grp) { return GA_Pgroup_nnodes(grp); }

/* A handle on group p_handle with type, shape and name set, not yet allocated. */
static int handle_on_group(int type, int ndim, int dims[], char *name, int p_handle, const char *call)
{
    ga_require_init(call);
    member_comm(p_handle, NULL, NULL, call);
    int g_a = GA_Create_handle();
    GA_Set_data(g_a, ndim, dims, type);
    if (name) GA_Set_array_name(g_a, name);
    GA_Set_pgroup(g_a, p_handle);
    return g_a;
}

GA_DAPI int NGA_Create_config(int type, int ndim, int dims[], char *name, int chunk[], int p_handle)
{
    int g_a = handle_on_group(type, ndim, dims, name, p_handle, "NGA_Create_config");
    if (chunk) GA_Set_chunk(g_a, chunk);
    GA_Allocate(g_a);
    return g_a;
}

GA_DAPI int NGA_Create_irreg_config(int type, int ndim, int dims[], char *name, int block[], int map[],
                                    int p_handle)
{
    int g_a = handle_on_group(type, ndim, dims, name, p_handle, "NGA_Create_irreg_config");
    GA_Set_irreg_distr(g_a, map, block);
    GA_Allocate(g_a);
    return g_a;
}
