/* GA compatibility: life cycle, errors, handles, MA, process-wide collectives. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ga_internal.h"

ga_state_t ga_state = {.comm = MPI_COMM_NULL};

static ga_arr_t **arrs;
static int narrs, cap_arrs;
static int next_handle = 1000;

void ga_fail(const char *call, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int init = 0, fin = 0, rank = -1;
    MPI_Initialized(&init);
    MPI_Finalized(&fin);
    if (init && !fin) MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    fprintf(stderr, "[%d] GA_Error: %s: %s\n", rank, call, msg);
    fflush(stderr);
    if (init && !fin) MPI_Abort(MPI_COMM_WORLD, 1);
    exit(1);
}

void ga_check(int rc, const char *call)
{
    if (rc != DA_SUCCESS) ga_fail(call, "%s (%s)", da_last_error(), da_strerror(rc));
}

void ga_require_init(const char *call)
{
    if (!ga_state.initialized) ga_fail(call, "GA is not initialized (call GA_Initialize first)");
}

GA_DAPI void GA_Error(char *message, int code)
{
    int init = 0, fin = 0, rank = -1;
    MPI_Initialized(&init);
    MPI_Finalized(&fin);
    if (init && !fin) MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    fprintf(stderr, "[%d] GA_Error: %s %d\n", rank, message ? message : "", code);
    fflush(stderr);
    if (init && !fin) MPI_Abort(MPI_COMM_WORLD, code ? code : 1);
    exit(code ? code : 1);
}

/* ---- types ---------------------------------------------------------------- */

int ga_type_to_da(int t, int *c_type, da_type_t *dt, size_t *esize)
{
    switch (t) {
    case C_INT: *c_type = C_INT; *dt = DA_INT32; *esize = sizeof(int); return 1;
    case C_LONG: case MT_F_INT: case MT_F_LOG:
        *c_type = C_LONG; *dt = sizeof(long) == 8 ? DA_INT64 : DA_INT32; *esize = sizeof(long); return 1;
    case C_LONGLONG: *c_type = C_LONGLONG; *dt = DA_INT64; *esize = sizeof(long long); return 1;
    case C_FLOAT: case MT_F_REAL: *c_type = C_FLOAT; *dt = DA_FLOAT; *esize = sizeof(float); return 1;
    case C_DBL: case MT_F_DBL: *c_type = C_DBL; *dt = DA_DOUBLE; *esize = sizeof(double); return 1;
    case C_SCPL: case MT_F_SCPL: *c_type = C_SCPL; *dt = DA_COMPLEX_FLOAT; *esize = 2 * sizeof(float); return 1;
    case C_DCPL: case MT_F_DCPL:
        *c_type = C_DCPL; *dt = DA_COMPLEX_DOUBLE; *esize = 2 * sizeof(double); return 1;
    default: return 0;
    }
}

/* ---- handles -------------------------------------------------------------- */

ga_arr_t *ga_arr_new(void)
{
    if (narrs == cap_arrs) {
        int nc = cap_arrs ? 2 * cap_arrs : 16;
        ga_arr_t **na = realloc(arrs, sizeof *na * (size_t)nc);
        if (!na) ga_fail("GA_Create_handle", "out of memory");
        arrs = na;
        cap_arrs = nc;
    }
    ga_arr_t *g = calloc(1, sizeof *g);
    if (!g) ga_fail("GA_Create_handle", "out of memory");
    g->handle = next_handle++;
    g->state = GA_ARR_HANDLE;
    /* New arrays live on the default group unless GA_Set_pgroup says otherwise. */
    g->pgroup = ga_state.dgroup;
    g->gcomm = ga_state.dcomm;
    g->grank = ga_state.drank;
    g->gnproc = ga_state.dnproc;
    arrs[narrs++] = g;
    return g;
}

ga_arr_t *ga_arr_find(int g_a)
{
    for (int i = 0; i < narrs; i++)
        if (arrs[i]->handle == g_a) return arrs[i];
    return NULL;
}

ga_arr_t *ga_arr_get(int g_a, const char *call)
{
    ga_require_init(call);
    ga_arr_t *g = ga_arr_find(g_a);
    if (!g) ga_fail(call, "invalid array handle %d (never created or already destroyed)", g_a);
    if (g->state != GA_ARR_ALLOCATED) ga_fail(call, "array handle %d is not allocated (GA_Allocate)", g_a);
    return g;
}

void ga_arr_free(ga_arr_t *g)
{
    for (int i = 0; i < narrs; i++)
        if (arrs[i] == g) {
            memmove(arrs + i, arrs + i + 1, sizeof *arrs * (size_t)(narrs - i - 1));
            narrs--;
            break;
        }
    free(g->name);
    free(g->irreg_map);
    free(g->to_da);
    free(g->to_ga);
    free(g);
}

int ga_arr_count(void) { return narrs; }
ga_arr_t *ga_arr_at(int i) { return arrs[i]; }

/* ---- life cycle ------------------------------------------------------------ */

static void ga_init_common(int *argc, char ***argv)
{
    if (ga_state.initialized) return;
    int init = 0;
    MPI_Initialized(&init);
    if (!init) {
        int provided;
        if (MPI_Init_thread(argc, argv, MPI_THREAD_MULTIPLE, &provided) != MPI_SUCCESS)
            ga_fail("GA_Initialize", "MPI_Init_thread failed");
        ga_state.we_initialized_mpi = 1;
    }
    MPI_Comm_dup(MPI_COMM_WORLD, &ga_state.comm);
    MPI_Comm_rank(ga_state.comm, &ga_state.rank);
    MPI_Comm_size(ga_state.comm, &ga_state.nproc);
    ga_state.dgroup = -1;
    ga_state.dcomm = ga_state.comm;
    ga_state.drank = ga_state.rank;
    ga_state.dnproc = ga_state.nproc;
    ga_state.initialized = 1;
}

GA_DAPI void GA_Initialize(void) { ga_init_common(NULL, NULL); }
GA_DAPI void NGA_Initialize(void) { ga_init_common(NULL, NULL); }
GA_DAPI void GA_Initialize_args(int *argc, char ***argv) { ga_init_common(argc, argv); }
GA_DAPI int GA_Initialized(void) { return ga_state.initialized; }

GA_DAPI void GA_Terminate(void)
{
    if (!ga_state.initialized) return;
    /* GA frees whatever the program left behind; so does the layer. */
    while (ga_arr_count() > 0) {
        ga_arr_t *g = ga_arr_at(0);
        if (g->a) ga_check(da_array_destroy(&g->a), "GA_Terminate");
        ga_arr_free(g);
    }
    if (ga_state.mutexes) ga_check(da_mutexes_destroy(&ga_state.mutexes), "GA_Terminate");
    ga_pgroup_free_all();
    MPI_Comm_free(&ga_state.comm);
    ga_state.initialized = 0;
    if (ga_state.we_initialized_mpi) {
        ga_state.we_initialized_mpi = 0;
        MPI_Finalize();
    }
}

GA_DAPI void NGA_Terminate(void) { GA_Terminate(); }

GA_DAPI int GA_Nodeid(void)
{
    ga_require_init("GA_Nodeid");
    return ga_state.drank;
}

GA_DAPI int GA_Nnodes(void)
{
    ga_require_init("GA_Nnodes");
    return ga_state.dnproc;
}

GA_DAPI int GA_Uses_ma(void) { return 0; }
GA_DAPI int GA_Uses_fapi(void) { return 0; }
GA_DAPI int GA_Memory_limited(void) { return ga_state.memory_limited; }

GA_DAPI void GA_Set_memory_limit(size_t limit)
{
    ga_state.memory_limited = 1;
    ga_state.memory_limit = limit;
}

GA_DAPI long GA_Memory_avail(void)
{
    return ga_state.memory_limited ? (long)ga_state.memory_limit : -1;
}

/* ---- MA: accepted and recorded --------------------------------------------- */

static struct { int initialized; Integer type, stack, heap; } ma_record;

GA_DAPI Boolean MA_init(Integer datatype, Integer nominal_stack, Integer nominal_heap)
{
    ma_record.initialized = 1;
    ma_record.type = datatype;
    ma_record.stack = nominal_stack;
    ma_record.heap = nominal_heap;
    return MA_TRUE;
}
GA_DAPI Boolean MA_initialized(void) { return ma_record.initialized ? MA_TRUE : MA_FALSE; }
GA_DAPI Boolean MA_set_auto_verify(Boolean value) { (void)value; return MA_FALSE; }
GA_DAPI Boolean MA_set_error_print(Boolean value) { (void)value; return MA_TRUE; }
GA_DAPI Boolean MA_set_hard_fail(Boolean value) { (void)value; return MA_FALSE; }
GA_DAPI Boolean MA_verify_allocator_stuff(void) { return MA_TRUE; }
GA_DAPI void MA_summarize_allocated_blocks(void) {}
GA_DAPI void MA_print_stats(Boolean printroutines) { (void)printroutines; }
GA_DAPI Integer MA_inquire_avail(Integer datatype) { (void)datatype; return (Integer)1 << 40; }
GA_DAPI Integer MA_inquire_heap(Integer datatype) { (void)datatype; return (Integer)1 << 40; }
GA_DAPI Integer MA_inquire_stack(Integer datatype) { (void)datatype; return (Integer)1 << 40; }

static size_t ma_type_size(Integer t)
{
    switch (t) {
    case MT_C_CHAR: case MT_F_BYTE: return 1;
    case MT_C_LDBL: return sizeof(long double);
    case MT_C_LDCPL: return 2 * sizeof(long double);
    default: {
        int c;
        da_type_t dt;
        size_t es;
        if (ga_type_to_da((int)t, &c, &dt, &es)) return es;
        ga_fail("MA_sizeof", "unknown type code %ld", (long)t);
    }
    }
}

GA_DAPI Integer MA_sizeof(Integer datatype1, Integer nelem1, Integer datatype2)
{
    size_t b = ma_type_size(datatype1) * (size_t)nelem1, s2 = ma_type_size(datatype2);
    return (Integer)((b + s2 - 1) / s2);
}

/* ---- process-wide collectives ------------------------------------------------ */

/* op: "+", "*", "max", "min", "absmax", "absmin" (GA's names). */
void ga_gop(void *x, int n, const char *op, MPI_Datatype mt, int kind, MPI_Comm comm, const char *call)
{
    ga_require_init(call);
    if (n < 0) ga_fail(call, "n = %d is negative", n);
    if (!op) ga_fail(call, "op is NULL");
    MPI_Op mop;
    int absfirst = 0;
    if (!strcmp(op, "+")) mop = MPI_SUM;
    else if (!strcmp(op, "*")) mop = MPI_PROD;
    else if (!strcmp(op, "max")) mop = MPI_MAX;
    else if (!strcmp(op, "min")) mop = MPI_MIN;
    else if (!strcmp(op, "absmax")) { mop = MPI_MAX; absfirst = 1; }
    else if (!strcmp(op, "absmin")) { mop = MPI_MIN; absfirst = 1; }
    else ga_fail(call, "unknown operation \"%s\" (+ * max min absmax absmin)", op);
    if (absfirst)
        for (int i = 0; i < n; i++) switch (kind) {
            case 0: { int *v = x; if (v[i] < 0) v[i] = -v[i]; } break;
            case 1: { long *v = x; if (v[i] < 0) v[i] = -v[i]; } break;
            case 2: { long long *v = x; if (v[i] < 0) v[i] = -v[i]; } break;
            case 3: { float *v = x; if (v[i] < 0) v[i] = -v[i]; } break;
            default: { double *v = x; if (v[i] < 0) v[i] = -v[i]; } break;
            }
    if (n > 0 && MPI_Allreduce(MPI_IN_PLACE, x, n, mt, mop, comm) != MPI_SUCCESS)
        ga_fail(call, "MPI_Allreduce failed");
}

GA_DAPI void GA_Igop(int x[], int n, char *op) { ga_gop(x, n, op, MPI_INT, 0, ga_state.dcomm, "GA_Igop"); }
GA_DAPI void GA_Lgop(long x[], int n, char *op) { ga_gop(x, n, op, MPI_LONG, 1, ga_state.dcomm, "GA_Lgop"); }
GA_DAPI void GA_Llgop(long long x[], int n, char *op) { ga_gop(x, n, op, MPI_LONG_LONG, 2, ga_state.dcomm, "GA_Llgop"); }
GA_DAPI void GA_Fgop(float x[], int n, char *op) { ga_gop(x, n, op, MPI_FLOAT, 3, ga_state.dcomm, "GA_Fgop"); }
GA_DAPI void GA_Dgop(double x[], int n, char *op) { ga_gop(x, n, op, MPI_DOUBLE, 4, ga_state.dcomm, "GA_Dgop"); }

GA_DAPI void GA_Brdcst(void *buf, int lenbuf, int root)
{
    ga_require_init("GA_Brdcst");
    if (root < 0 || root >= ga_state.dnproc) ga_fail("GA_Brdcst", "root %d outside 0..%d", root, ga_state.dnproc - 1);
    if (lenbuf < 0) ga_fail("GA_Brdcst", "lenbuf = %d is negative", lenbuf);
    if (MPI_Bcast(buf, lenbuf, MPI_BYTE, root, ga_state.dcomm) != MPI_SUCCESS)
        ga_fail("GA_Brdcst", "MPI_Bcast failed");
}

GA_DAPI void GA_Summarize(int verbose)
{
    ga_require_init("GA_Summarize");
    if (ga_state.drank != 0) return;
    printf("GA summary (darray compatibility layer): %d array(s) live\n", ga_arr_count());
    if (!verbose) return;
    for (int i = 0; i < ga_arr_count(); i++) {
        ga_arr_t *g = ga_arr_at(i);
        printf("  handle %d \"%s\" type %d ndim %d dims", g->handle, g->name ? g->name : "", g->type, g->ndim);
        for (int d = 0; d < g->ndim; d++) printf(" %lld", (long long)g->dims[d]);
        printf("%s\n", g->state == GA_ARR_ALLOCATED ? "" : " (not allocated)");
    }
    fflush(stdout);
}
