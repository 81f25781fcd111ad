/* window_choice: which MPI window layout serves ranks that share a node but
 * must also reach ranks on other nodes by RMA? Raw MPI, no darray.
 *
 * Layouts (rank 0 is the origin, the highest rank the target):
 *   allocate         MPI_Win_allocate over the communicator. RMA only; we
 *                    also check whether MPI_Win_shared_query works on it.
 *   shared+create    MPI_Win_allocate_shared per node (MPI_Comm_split_type
 *                    SHARED) for loads/stores, plus MPI_Win_create over the
 *                    whole communicator on that same memory for RMA.
 *   allocate_shared  MPI_Win_allocate_shared over the whole communicator
 *                    (only when every rank is on one node); RMA and loads.
 *
 * Operations (all inside MPI_Win_lock_all(MPI_MODE_NOCHECK) epochs):
 *   get-8B, put-8B, acc-8B   one op of 8 bytes (acc: MPI_SUM on a double)
 *                            followed by MPI_Win_flush(target)
 *   get-8MiB, put-8MiB       one 8 MiB op + flush (bandwidth)
 *   load-8B                  one volatile load from the peer's segment
 *   memcpy-8MiB              memcpy of 8 MiB from the peer's segment
 *   busy-get-8B              get + flush while the target computes for
 *                            --busy seconds without calling MPI
 *   timer-overhead           an empty repetition (layout "none")
 *
 * Each repetition is timed on its own; one JSON object per line on stdout
 * (rank 0 only). Run at 2 ranks, one per core:
 *   mpiexec -n 2 -bind-to core build/bench/window_choice [--quick]
 */
#include <mpi.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_common.h"

#define BIG ((size_t)8 << 20) /* 8 MiB */

typedef struct layout {
    const char *name;
    MPI_Win rma;          /* window used for RMA */
    MPI_Win shm;          /* shared-memory window (MPI_WIN_NULL if none) */
    MPI_Comm nodecomm;    /* node communicator we created (or MPI_COMM_NULL) */
    unsigned char *local; /* own segment */
    unsigned char *peer;  /* target's segment mapped here (NULL if not shared) */
    int target;           /* target rank in the RMA window's communicator */
} layout_t;

typedef struct ctx {
    layout_t *L;
    unsigned char *buf; /* origin buffer, BIG bytes */
    double one;
} ctx_t;

static int g_rank, g_size;

static void die_mpi(int err, const char *what)
{
    char msg[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(err, msg, &len);
    fprintf(stderr, "window_choice: rank %d: %s: %s\n", g_rank, what, msg);
    MPI_Abort(MPI_COMM_WORLD, 1);
}
#define CHECK(call)                                                                               \
    do {                                                                                          \
        int err_ = (call);                                                                        \
        if (err_ != MPI_SUCCESS)                                                                  \
            die_mpi(err_, #call);                                                                 \
    } while (0)

/* ---- repetitions ------------------------------------------------------- */

static int rep_get8(void *p)
{
    ctx_t *c = p;
    CHECK(MPI_Get(c->buf, 8, MPI_BYTE, c->L->target, 0, 8, MPI_BYTE, c->L->rma));
    CHECK(MPI_Win_flush(c->L->target, c->L->rma));
    return 0;
}

static int rep_put8(void *p)
{
    ctx_t *c = p;
    CHECK(MPI_Put(c->buf, 8, MPI_BYTE, c->L->target, 64, 8, MPI_BYTE, c->L->rma));
    CHECK(MPI_Win_flush(c->L->target, c->L->rma));
    return 0;
}

static int rep_acc8(void *p)
{
    ctx_t *c = p;
    CHECK(MPI_Accumulate(&c->one, 1, MPI_DOUBLE, c->L->target, 128, 1, MPI_DOUBLE, MPI_SUM,
                         c->L->rma));
    CHECK(MPI_Win_flush(c->L->target, c->L->rma));
    return 0;
}

static int rep_get_big(void *p)
{
    ctx_t *c = p;
    CHECK(MPI_Get(c->buf, (int)BIG, MPI_BYTE, c->L->target, 0, (int)BIG, MPI_BYTE, c->L->rma));
    CHECK(MPI_Win_flush(c->L->target, c->L->rma));
    return 0;
}

static int rep_put_big(void *p)
{
    ctx_t *c = p;
    CHECK(MPI_Put(c->buf, (int)BIG, MPI_BYTE, c->L->target, 0, (int)BIG, MPI_BYTE, c->L->rma));
    CHECK(MPI_Win_flush(c->L->target, c->L->rma));
    return 0;
}

static volatile double g_sink;

static int rep_empty(void *p)
{
    (void)p;
    return 0;
}

static int rep_load8(void *p)
{
    ctx_t *c = p;
    g_sink = *(volatile double *)(c->L->peer + 192);
    return 0;
}

static int rep_memcpy_big(void *p)
{
    ctx_t *c = p;
    memcpy(c->buf, c->L->peer, BIG);
    g_sink = ((volatile double *)c->buf)[BIG / 16];
    return 0;
}

/* ---- layouts ----------------------------------------------------------- */

static MPI_Info shared_info(void)
{
    /* Each rank's segment page-aligned and first-touched by its owner. */
    MPI_Info info;
    MPI_Info_create(&info);
    MPI_Info_set(info, "alloc_shared_noncontig", "true");
    return info;
}

static void print_shared_query(const layout_t *L, int err, MPI_Aint qsize)
{
    if (g_rank != 0)
        return;
    bc_json_t j;
    bc_json_begin(&j);
    bc_json_str(&j, "layout", L->name);
    bc_json_str(&j, "check", "MPI_Win_shared_query");
    bc_json_bool(&j, "ok", err == MPI_SUCCESS);
    if (err != MPI_SUCCESS) {
        char msg[MPI_MAX_ERROR_STRING];
        int len = 0, cls = 0;
        MPI_Error_class(err, &cls);
        MPI_Error_string(err, msg, &len);
        for (int i = 0; i < len; i++)
            if (msg[i] == '\n')
                msg[i] = ' ';
        bc_json_int(&j, "error_class", cls);
        bc_json_str(&j, "error", msg);
    } else {
        bc_json_int(&j, "segment_bytes", (int64_t)qsize);
    }
    bc_json_end(&j, stdout);
}

static void setup_allocate(MPI_Comm comm, layout_t *L)
{
    memset(L, 0, sizeof *L);
    L->name = "allocate";
    L->shm = MPI_WIN_NULL;
    L->nodecomm = MPI_COMM_NULL;
    L->target = g_size - 1;
    CHECK(MPI_Win_allocate((MPI_Aint)BIG, 1, MPI_INFO_NULL, comm, &L->local, &L->rma));
    MPI_Win_set_errhandler(L->rma, MPI_ERRORS_RETURN);
    /* Does MPI_Win_shared_query work on an MPI_Win_allocate window? */
    MPI_Aint qsize = 0;
    int du = 0;
    void *qptr = NULL;
    int err = MPI_Win_shared_query(L->rma, L->target, &qsize, &du, &qptr);
    print_shared_query(L, err, qsize);
    L->peer = NULL; /* not used as shared memory even if the query succeeds */
}

static void setup_shared_create(MPI_Comm comm, layout_t *L)
{
    memset(L, 0, sizeof *L);
    L->name = "shared+create";
    L->target = g_size - 1;
    CHECK(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &L->nodecomm));
    MPI_Info info = shared_info();
    CHECK(MPI_Win_allocate_shared((MPI_Aint)BIG, 1, info, L->nodecomm, &L->local, &L->shm));
    MPI_Info_free(&info);
    MPI_Win_set_errhandler(L->shm, MPI_ERRORS_RETURN);
    CHECK(MPI_Win_create(L->local, (MPI_Aint)BIG, 1, MPI_INFO_NULL, comm, &L->rma));
    MPI_Win_set_errhandler(L->rma, MPI_ERRORS_RETURN);

    /* The target's segment, if it is on our node. */
    MPI_Group wg, ng;
    int trank_node = MPI_UNDEFINED;
    MPI_Comm_group(comm, &wg);
    MPI_Comm_group(L->nodecomm, &ng);
    MPI_Group_translate_ranks(wg, 1, &L->target, ng, &trank_node);
    MPI_Group_free(&wg);
    MPI_Group_free(&ng);
    L->peer = NULL;
    if (trank_node != MPI_UNDEFINED) {
        MPI_Aint qsize = 0;
        int du = 0;
        void *qptr = NULL;
        int err = MPI_Win_shared_query(L->shm, trank_node, &qsize, &du, &qptr);
        print_shared_query(L, err, qsize);
        if (err == MPI_SUCCESS)
            L->peer = qptr;
    }
}

/* Returns 0 if the communicator is not one node (layout impossible). */
static int setup_allocate_shared(MPI_Comm comm, layout_t *L)
{
    memset(L, 0, sizeof *L);
    L->name = "allocate_shared";
    L->target = g_size - 1;
    L->nodecomm = MPI_COMM_NULL;
    MPI_Comm node;
    int nsize;
    CHECK(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node));
    MPI_Comm_size(node, &nsize);
    MPI_Comm_free(&node);
    if (nsize != g_size)
        return 0;
    MPI_Info info = shared_info();
    CHECK(MPI_Win_allocate_shared((MPI_Aint)BIG, 1, info, comm, &L->local, &L->rma));
    MPI_Info_free(&info);
    MPI_Win_set_errhandler(L->rma, MPI_ERRORS_RETURN);
    L->shm = MPI_WIN_NULL; /* the RMA window is itself the shared one */
    MPI_Aint qsize = 0;
    int du = 0;
    void *qptr = NULL;
    int err = MPI_Win_shared_query(L->rma, L->target, &qsize, &du, &qptr);
    print_shared_query(L, err, qsize);
    L->peer = err == MPI_SUCCESS ? qptr : NULL;
    return 1;
}

static void teardown(layout_t *L)
{
    MPI_Win_free(&L->rma);
    if (L->shm != MPI_WIN_NULL)
        MPI_Win_free(&L->shm);
    if (L->nodecomm != MPI_COMM_NULL)
        MPI_Comm_free(&L->nodecomm);
}

/* ---- measuring --------------------------------------------------------- */

static void report(const layout_t *L, const char *op, size_t bytes, bc_samples_t *s)
{
    bc_stats_t st = bc_samples_stats(s);
    bc_json_t j;
    bc_json_begin(&j);
    bc_json_str(&j, "bench", "window_choice");
    bc_json_str(&j, "layout", L->name);
    bc_json_str(&j, "op", op);
    bc_json_int(&j, "bytes", (int64_t)bytes);
    bc_json_int(&j, "ranks", g_size);
    bc_json_timing(&j, &st, bytes);
    bc_json_end(&j, stdout);
}

typedef struct opts {
    double seconds;  /* time box per small-op case */
    double busy;     /* target busy time for busy-get */
    int busy_reps;
} opts_t;

static void measure(MPI_Comm comm, layout_t *L, ctx_t *c, const opts_t *o, bc_samples_t *s)
{
    /* Fill our segment, then open the epochs. */
    for (size_t i = 0; i < BIG / sizeof(double); i++)
        ((double *)L->local)[i] = (double)g_rank + 1e-6 * (double)i;
    MPI_Barrier(comm);
    CHECK(MPI_Win_lock_all(MPI_MODE_NOCHECK, L->rma));
    if (L->shm != MPI_WIN_NULL)
        CHECK(MPI_Win_lock_all(MPI_MODE_NOCHECK, L->shm));
    MPI_Barrier(comm);

    if (g_rank == 0) {
        c->L = L;
        bc_budget_t small = {1000, 1000, 2000000, o->seconds};
        bc_budget_t big = {3, 10, 100000, o->seconds};
        bc_run(&small, rep_get8, c, s);
        report(L, "get-8B", 8, s);
        bc_run(&small, rep_put8, c, s);
        report(L, "put-8B", 8, s);
        bc_run(&small, rep_acc8, c, s);
        report(L, "acc-8B", 8, s);
        bc_run(&big, rep_get_big, c, s);
        report(L, "get-8MiB", BIG, s);
        bc_run(&big, rep_put_big, c, s);
        report(L, "put-8MiB", BIG, s);
        if (L->peer) {
            bc_run(&small, rep_load8, c, s);
            report(L, "load-8B", 8, s);
            bc_run(&big, rep_memcpy_big, c, s);
            report(L, "memcpy-8MiB", BIG, s);
        }
    }
    MPI_Barrier(comm);

    /* Get from a target that computes without calling MPI. */
    if (o->busy_reps > 0) {
        bc_samples_clear(s);
        for (int r = 0; r < o->busy_reps; r++) {
            MPI_Barrier(comm);
            if (g_rank == g_size - 1) {
                bc_busy_wait(o->busy);
            } else if (g_rank == 0) {
                usleep(50000); /* let the target get into its loop */
                double t0 = bc_now();
                rep_get8(c);
                bc_samples_add(s, bc_now() - t0);
            }
        }
        MPI_Barrier(comm);
        if (g_rank == 0) {
            char op[64];
            snprintf(op, sizeof op, "busy-get-8B(%gs)", o->busy);
            report(L, op, 8, s);
        }
    }

    if (L->shm != MPI_WIN_NULL)
        CHECK(MPI_Win_unlock_all(L->shm));
    CHECK(MPI_Win_unlock_all(L->rma));
    MPI_Barrier(comm);
}

static void usage(void)
{
    fprintf(stderr, "usage: window_choice [--quick] [--seconds S] [--busy S] [--busy-reps N]\n"
                    "       [--layouts allocate,shared+create,allocate_shared]\n");
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm comm;
    MPI_Comm_dup(MPI_COMM_WORLD, &comm);
    MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN);
    MPI_Comm_rank(comm, &g_rank);
    MPI_Comm_size(comm, &g_size);

    opts_t o = {0.5, 0.5, 5};
    const char *layouts = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) {
            o.seconds = 0.1;
            o.busy_reps = 2;
        } else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
            o.seconds = atof(argv[++i]);
        } else if (!strcmp(argv[i], "--busy") && i + 1 < argc) {
            o.busy = atof(argv[++i]);
        } else if (!strcmp(argv[i], "--busy-reps") && i + 1 < argc) {
            o.busy_reps = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--layouts") && i + 1 < argc) {
            layouts = argv[++i];
        } else {
            if (g_rank == 0)
                usage();
            MPI_Finalize();
            return 2;
        }
    }
    if (g_size < 2) {
        if (g_rank == 0)
            fprintf(stderr, "window_choice: needs at least 2 ranks\n");
        MPI_Finalize();
        return 2;
    }

    ctx_t c = {NULL, NULL, 1.0};
    c.buf = malloc(BIG);
    if (!c.buf)
        MPI_Abort(comm, 1);
    memset(c.buf, 1, BIG);
    bc_samples_t s;
    bc_samples_init(&s);
    layout_t L;

    /* What an empty repetition costs: the floor under every figure. */
    if (g_rank == 0) {
        bc_budget_t b = {1000, 1000, 2000000, 0.1};
        layout_t none = {.name = "none"};
        bc_run(&b, rep_empty, &c, &s);
        report(&none, "timer-overhead", 0, &s);
    }

    if (bc_list_has(layouts, "allocate")) {
        setup_allocate(comm, &L);
        measure(comm, &L, &c, &o, &s);
        teardown(&L);
    }
    if (bc_list_has(layouts, "shared+create")) {
        setup_shared_create(comm, &L);
        measure(comm, &L, &c, &o, &s);
        teardown(&L);
    }
    if (bc_list_has(layouts, "allocate_shared")) {
        if (setup_allocate_shared(comm, &L)) {
            measure(comm, &L, &c, &o, &s);
            teardown(&L);
        } else if (g_rank == 0) {
            bc_json_t j;
            bc_json_begin(&j);
            bc_json_str(&j, "layout", "allocate_shared");
            bc_json_str(&j, "skipped", "ranks span more than one node");
            bc_json_end(&j, stdout);
        }
    }

    bc_samples_free(&s);
    free(c.buf);
    MPI_Comm_free(&comm);
    MPI_Finalize();
    return 0;
}
