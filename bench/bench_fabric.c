/* bench_fabric: what the fabric gives without MPI. Raw libfabric one-sided
 * operations between two processes, the "libfabric" peer of darray-bench.
 *
 * Rank 0 is the origin, the last rank the target; ranks in between only
 * wait. MPI is used for set-up alone (exchanging endpoint addresses and
 * memory-region keys, barriers); every timed operation is libfabric:
 *
 *   get-1elem, put-1elem       fi_read / fi_write of 8 bytes
 *   acc-1elem                  fi_atomic FI_SUM on one FI_DOUBLE
 *   fadd-1elem                 fi_fetch_atomic FI_SUM on one FI_INT64
 *   get-contig-8MiB, put-...   one 8 MiB fi_read / fi_write (split at the
 *                              provider's max_msg_size if it is smaller)
 *   sweep-get-contig-SIZE, sweep-put-contig-SIZE
 *                              the sizes and names of bench_sweep: 8 B x 4^i
 *                              up to 32 MiB, then 64 MiB (--quick: 8 B,
 *                              512 B, 32 KiB, 2 MiB)
 *
 * Each repetition posts the operation and polls the completion queue until
 * it completes. Puts and atomics ask for FI_DELIVERY_COMPLETE (the data has
 * reached the target's memory, as after MPI_Win_flush) when the provider
 * offers it, else run with the provider's default; the field "completion"
 * says which. Gets are verified once after timing ("verified").
 *
 * Providers: every case runs once per provider (field "provider", the core
 * provider name; darray-bench shows "libfabric-shm", "libfabric-tcp"). The
 * default list is "shm,tcp", or the providers FI_PROVIDER names when it is
 * set (a cluster's verbs, cxi, efa ...), or --providers. Each is an FI_EP_RDM
 * endpoint with FI_RMA | FI_ATOMIC found by fi_getinfo; a provider not
 * found is reported on stderr and skipped; an operation a provider does not
 * support gives a record with "error" and "unsupported": true.
 *
 * Both providers here have manual data progress: the target polls its
 * completion queue while it waits for the origin to finish a case (an
 * MPI_Ibarrier tested in the same loop).
 *
 * Loopback: when every rank is on one node and FI_TCP_IFACE is unset, it is
 * set to "lo" so that tcp does not pick a network interface that may be
 * down or filtered; set it (or FI_SOCKETS_IFACE) to run between nodes.
 *
 * Never hangs: SIGALRM ends the program after --time-limit seconds
 * (default 60 with --quick, else 300).
 *
 *   mpiexec -n 2 -bind-to core bench_fabric [--quick] [--cases a,b]
 *       [--providers shm,tcp] [--seconds S] [--max-msg BYTES]
 *       [--time-limit S] [--list]
 * --cases takes full case names as --list prints them; '*' ends a prefix.
 * --max-msg splits transfers into pieces of at most BYTES, as a provider
 * with a small max_msg_size would (pieces are posted 64 at a time).
 */
#include <mpi.h>
#include <rdma/fabric.h>
#include <rdma/fi_atomic.h>
#include <rdma/fi_cm.h>
#include <rdma/fi_domain.h>
#include <rdma/fi_endpoint.h>
#include <rdma/fi_errno.h>
#include <rdma/fi_rma.h>

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_common.h"

#define MIB ((size_t)1 << 20)
#define DATA_BYTES (64 * MIB)     /* the largest sweep size */
#define CELLS (2 * DATA_BYTES)    /* offset of the atomic cells in a region */
#define REGION_BYTES (CELLS + 4096)
/* Inside a region: the target's data at 0; the origin's put source at 0, its
   get destination at DATA_BYTES; at CELLS the target's acc cell (double) and
   fadd cell (int64), the origin's operands and fetched result. */
#define ACC_CELL (CELLS + 0)
#define FADD_CELL (CELLS + 8)
#define ACC_OPERAND (CELLS + 64)
#define FADD_OPERAND (CELLS + 72)
#define FADD_RESULT (CELLS + 128)

#define MAX_ADDR 256
#define MAX_OUTSTANDING 64

typedef enum { OP_GET, OP_PUT, OP_ACC, OP_FADD } op_t;

typedef struct {
    const char *name; /* case name; NULL: a sweep size (name built) */
    op_t op;
    size_t bytes;
    const char *sweep; /* family of a sweep case */
} case_t;

/* One provider's endpoint and what it knows of the peer. */
typedef struct {
    char name[32]; /* core provider, e.g. "tcp" of "tcp;ofi_rxm" */
    struct fi_info *info;
    struct fid_fabric *fabric;
    struct fid_domain *domain;
    struct fid_av *av;
    struct fid_cq *cq;
    struct fid_ep *ep;
    struct fid_mr *mr;
    void *desc;        /* local descriptor (FI_MR_LOCAL) */
    fi_addr_t peer;
    uint64_t peer_key, peer_base; /* target region: key, address of offset 0 */
    uint64_t op_flags;            /* FI_DELIVERY_COMPLETE when offered */
    int can_acc, can_fadd;
    /* Operation contexts: providers with FI_CONTEXT / FI_CONTEXT2 mode own
       the one passed with each operation until it completes. */
    struct fi_context2 ctx[MAX_OUTSTANDING];
    unsigned char busy[MAX_OUTSTANDING];
} fab_t;

typedef struct {
    MPI_Comm pair; /* origin and target; MPI_COMM_NULL on the ranks between */
    int world_size, pair_rank, quick;
    const char *cases, *providers;
    double seconds;
    size_t max_msg; /* --max-msg: pieces at most this large (0: provider's limit) */
    char *region; /* REGION_BYTES, registered with each provider in turn */
    bc_samples_t samples;
    fab_t *F;
    /* current case */
    op_t op;
    size_t bytes;
    char err[512];
} bench_t;

static const size_t QUICK_SWEEP[] = {8, 512, 32768, 2 << 20};

/* Value of double i of the target's data (the origin's put source too, so
   that puts leave the data the gets check). */
static double val(size_t i) { return (double)(i % 1000003); }

static void size_name(size_t bytes, char *out, size_t len)
{
    if (bytes >= MIB)
        snprintf(out, len, "%zuMiB", bytes >> 20);
    else if (bytes >= 1024)
        snprintf(out, len, "%zuKiB", bytes >> 10);
    else
        snprintf(out, len, "%zuB", bytes);
}

/* ---- hard time limit ---------------------------------------------------- */

static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "bench_fabric: time limit reached, giving up (a provider did not complete)\n";
    ssize_t w = write(2, msg, sizeof msg - 1);
    (void)w;
    _exit(3);
}

static void set_time_limit(unsigned seconds)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    alarm(seconds);
}

/* ---- completions and progress ------------------------------------------ */

static int fab_fail(bench_t *B, const char *what, ssize_t rc)
{
    snprintf(B->err, sizeof B->err, "%s: %s (%zd)", what, fi_strerror((int)-rc), rc);
    return -1;
}

/* A free operation context (at most MAX_OUTSTANDING are in flight). */
static void *take_ctx(fab_t *F)
{
    for (int i = 0; i < MAX_OUTSTANDING; i++)
        if (!F->busy[i]) {
            F->busy[i] = 1;
            return &F->ctx[i];
        }
    return NULL;
}

static void release_ctx(fab_t *F, void *ctx)
{
    struct fi_context2 *c = ctx;
    if (c >= F->ctx && c < F->ctx + MAX_OUTSTANDING)
        F->busy[c - F->ctx] = 0;
}

/* Poll the CQ until `n` completions have arrived. */
static int wait_completions(bench_t *B, long n)
{
    fab_t *F = B->F;
    struct fi_cq_entry e[16];
    while (n > 0) {
        ssize_t got = fi_cq_read(F->cq, e, n < 16 ? (size_t)n : 16);
        if (got > 0) {
            for (ssize_t i = 0; i < got; i++)
                release_ctx(F, e[i].op_context);
            n -= got;
        } else if (got == -FI_EAVAIL) {
            struct fi_cq_err_entry ce;
            memset(&ce, 0, sizeof ce);
            fi_cq_readerr(F->cq, &ce, 0);
            release_ctx(F, ce.op_context);
            snprintf(B->err, sizeof B->err, "completion error: %s (%s)", fi_strerror(ce.err),
                     fi_cq_strerror(F->cq, ce.prov_errno, ce.err_data, NULL, 0));
            return -1;
        } else if (got != -FI_EAGAIN) {
            return fab_fail(B, "fi_cq_read", got);
        }
    }
    return 0;
}

/* Drain whatever the CQ holds (the target's progress; errors do not concern
   it: the origin sees its own). */
static void poll_once(fab_t *F)
{
    struct fi_cq_entry e[16];
    ssize_t got = fi_cq_read(F->cq, e, 16);
    if (got == -FI_EAVAIL) {
        struct fi_cq_err_entry ce;
        memset(&ce, 0, sizeof ce);
        fi_cq_readerr(F->cq, &ce, 0);
    }
}

/* Barrier on the pair that keeps the fabric progressing while it waits:
   with FI_PROGRESS_MANUAL the target's provider moves data only when the
   target reads its CQ. */
static void barrier_progress(bench_t *B)
{
    MPI_Request req;
    int done = 0;
    MPI_Ibarrier(B->pair, &req);
    while (!done) {
        if (B->F && B->F->cq)
            poll_once(B->F);
        MPI_Test(&req, &done, MPI_STATUS_IGNORE);
    }
}

/* ---- repetitions -------------------------------------------------------- */

/* Post one operation, retrying while the provider says -FI_EAGAIN (its
   queue is full until completions are read). */
#define POST(B, call)                                                                              \
    do {                                                                                           \
        ssize_t rc_;                                                                               \
        while ((rc_ = (call)) == -FI_EAGAIN)                                                       \
            poll_once((B)->F);                                                                     \
        if (rc_)                                                                                   \
            return fab_fail((B), #call, rc_);                                                      \
    } while (0)

/* The provider's queue is full (-FI_EAGAIN): wait for one of ours to
   complete, or, with none in flight, just let it progress. */
static int make_room(bench_t *B, long posted, long *done)
{
    if (posted > *done) {
        if (wait_completions(B, 1))
            return -1;
        ++*done;
    } else {
        poll_once(B->F);
    }
    return 0;
}

/* A transfer of B->bytes between the origin's buffer and the target's data
   at offset 0, in pieces of at most max_msg_size, at most MAX_OUTSTANDING
   in flight, then waited for. */
static int rep_transfer(void *p)
{
    bench_t *B = p;
    fab_t *F = B->F;
    size_t max = F->info->ep_attr->max_msg_size;
    if (max == 0 || max > DATA_BYTES)
        max = DATA_BYTES;
    if (B->max_msg && B->max_msg < max)
        max = B->max_msg;
    char *local = B->region + (B->op == OP_GET ? DATA_BYTES : 0);
    long posted = 0, done = 0;
    for (size_t off = 0; off < B->bytes; off += max) {
        size_t len = B->bytes - off < max ? B->bytes - off : max;
        if (posted - done >= MAX_OUTSTANDING) {
            if (wait_completions(B, 1))
                return -1;
            done++;
        }
        uint64_t raddr = F->peer_base + off;
        if (B->op == OP_GET) {
            ssize_t rc;
            void *ctx = take_ctx(F);
            while ((rc = fi_read(F->ep, local + off, len, F->desc, F->peer, raddr, F->peer_key, ctx)) ==
                   -FI_EAGAIN)
                if (make_room(B, posted, &done))
                    return -1;
            if (rc)
                return fab_fail(B, "fi_read", rc);
        } else {
            struct iovec iov = {local + off, len};
            void *desc = F->desc;
            struct fi_rma_iov rma = {raddr, len, F->peer_key};
            struct fi_msg_rma msg = {&iov, &desc, 1, F->peer, &rma, 1, take_ctx(F), 0};
            ssize_t rc;
            while ((rc = fi_writemsg(F->ep, &msg, FI_COMPLETION | F->op_flags)) == -FI_EAGAIN)
                if (make_room(B, posted, &done))
                    return -1;
            if (rc)
                return fab_fail(B, "fi_writemsg", rc);
        }
        posted++;
    }
    return wait_completions(B, posted - done);
}

static int rep_acc(void *p)
{
    bench_t *B = p;
    fab_t *F = B->F;
    struct fi_ioc ioc = {B->region + ACC_OPERAND, 1};
    void *desc = F->desc;
    struct fi_rma_ioc rma = {F->peer_base + ACC_CELL, 1, F->peer_key};
    struct fi_msg_atomic msg = {&ioc, &desc, 1, F->peer, &rma, 1, FI_DOUBLE, FI_SUM, take_ctx(F), 0};
    POST(B, fi_atomicmsg(F->ep, &msg, FI_COMPLETION | F->op_flags));
    return wait_completions(B, 1);
}

static int rep_fadd(void *p)
{
    bench_t *B = p;
    fab_t *F = B->F;
    POST(B, fi_fetch_atomic(F->ep, B->region + FADD_OPERAND, 1, F->desc, B->region + FADD_RESULT, F->desc,
                            F->peer, F->peer_base + FADD_CELL, F->peer_key, FI_INT64, FI_SUM, take_ctx(F)));
    return wait_completions(B, 1);
}

/* ---- providers ---------------------------------------------------------- */

/* The first FI_EP_RDM info of provider `name` with RMA and atomics; asks for
   delivery completion first. NULL if none. */
static struct fi_info *find_provider(const char *name, int *delivery)
{
    for (int dc = 1; dc >= 0; dc--) {
        struct fi_info *hints = fi_allocinfo(), *info = NULL;
        if (!hints)
            return NULL;
        hints->ep_attr->type = FI_EP_RDM;
        hints->caps = FI_RMA | FI_ATOMIC;
        hints->mode = FI_CONTEXT | FI_CONTEXT2;
        hints->domain_attr->mr_mode =
            FI_MR_LOCAL | FI_MR_VIRT_ADDR | FI_MR_ALLOCATED | FI_MR_PROV_KEY | FI_MR_ENDPOINT;
        hints->domain_attr->threading = FI_THREAD_DOMAIN;
        hints->fabric_attr->prov_name = strdup(name);
        if (dc)
            hints->tx_attr->op_flags = FI_DELIVERY_COMPLETE;
        int rc = fi_getinfo(FI_VERSION(1, 9), NULL, NULL, 0, hints, &info);
        fi_freeinfo(hints);
        if (rc == 0 && info) {
            /* One entry, not the list: the first is the provider's preferred. */
            struct fi_info *one = fi_dupinfo(info);
            fi_freeinfo(info);
            *delivery = dc;
            return one;
        }
    }
    return NULL;
}

static void close_fid(struct fid *f)
{
    if (f)
        fi_close(f);
}

static void fab_close(fab_t *F)
{
    close_fid(F->mr ? &F->mr->fid : NULL);
    close_fid(F->ep ? &F->ep->fid : NULL);
    close_fid(F->av ? &F->av->fid : NULL);
    close_fid(F->cq ? &F->cq->fid : NULL);
    close_fid(F->domain ? &F->domain->fid : NULL);
    close_fid(F->fabric ? &F->fabric->fid : NULL);
    if (F->info)
        fi_freeinfo(F->info);
    memset(F, 0, sizeof *F);
}

typedef struct {
    char addr[MAX_ADDR];
    uint64_t addrlen, key, base;
    int32_t ok;
} card_t; /* what each side of the pair tells the other */

/* Collective on the pair: open the endpoint of F->info, register the
   region, exchange addresses and keys. 0 on both sides, or -1 on both with
   B->err set on at least one. */
static int fab_open(bench_t *B, fab_t *F)
{
    struct fi_info *fi = F->info;
    card_t mine, peer[2];
    memset(&mine, 0, sizeof mine);
    int rc = 0;
    const char *what = "";
#define TRY(call)                                                                                  \
    if (rc == 0 && (rc = (call)) != 0)                                                             \
    what = #call
    TRY(fi_fabric(fi->fabric_attr, &F->fabric, NULL));
    TRY(fi_domain(F->fabric, fi, &F->domain, NULL));
    struct fi_cq_attr cqa;
    memset(&cqa, 0, sizeof cqa);
    cqa.format = FI_CQ_FORMAT_CONTEXT;
    cqa.size = 1024;
    TRY(fi_cq_open(F->domain, &cqa, &F->cq, NULL));
    struct fi_av_attr ava;
    memset(&ava, 0, sizeof ava);
    ava.type = fi->domain_attr->av_type != FI_AV_UNSPEC ? fi->domain_attr->av_type : FI_AV_MAP;
    ava.count = 4;
    TRY(fi_av_open(F->domain, &ava, &F->av, NULL));
    TRY(fi_endpoint(F->domain, fi, &F->ep, NULL));
    TRY(fi_ep_bind(F->ep, &F->cq->fid, FI_TRANSMIT | FI_RECV));
    TRY(fi_ep_bind(F->ep, &F->av->fid, 0));
    TRY(fi_enable(F->ep));
    int mode = fi->domain_attr->mr_mode;
    uint64_t access = FI_READ | FI_WRITE | FI_REMOTE_READ | FI_REMOTE_WRITE;
    /* Our own key when the provider does not choose it: distinct per side. */
    uint64_t want_key = 0xda00 + (uint64_t)B->pair_rank;
    TRY(fi_mr_reg(F->domain, B->region, REGION_BYTES, access, 0, want_key, 0, &F->mr, NULL));
    if (rc == 0 && (mode & FI_MR_ENDPOINT)) {
        TRY(fi_mr_bind(F->mr, &F->ep->fid, 0));
        TRY(fi_mr_enable(F->mr));
    }
    if (rc == 0) {
        F->desc = fi_mr_desc(F->mr);
        mine.key = fi_mr_key(F->mr);
        if (mine.key == FI_KEY_NOTAVAIL) {
            rc = -FI_ENOSYS;
            what = "fi_mr_key (raw keys are not supported)";
        }
        mine.base = (mode & FI_MR_VIRT_ADDR) ? (uint64_t)(uintptr_t)B->region : 0;
        size_t len = sizeof mine.addr;
        TRY(fi_getname(&F->ep->fid, mine.addr, &len));
        mine.addrlen = len;
    }
#undef TRY
    if (rc)
        fab_fail(B, what, rc);
    mine.ok = rc == 0;
    MPI_Allgather(&mine, (int)sizeof mine, MPI_BYTE, peer, (int)sizeof mine, MPI_BYTE, B->pair);
    if (!peer[0].ok || !peer[1].ok)
        return -1;
    const card_t *other = &peer[1 - B->pair_rank];
    int n = fi_av_insert(F->av, other->addr, 1, &F->peer, 0, NULL);
    if (n != 1)
        fab_fail(B, "fi_av_insert", n < 0 ? n : -FI_EINVAL);
    int ok = n == 1, all = 0;
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, B->pair);
    if (!all)
        return -1;
    F->peer_key = other->key;
    F->peer_base = other->base;
    struct fi_atomic_attr aa;
    F->can_acc = fi_query_atomic(F->domain, FI_DOUBLE, FI_SUM, &aa, 0) == 0;
    F->can_fadd = fi_query_atomic(F->domain, FI_INT64, FI_SUM, &aa, FI_FETCH_ATOMIC) == 0;
    return 0;
}

/* ---- one case ----------------------------------------------------------- */

static void case_name(const case_t *c, char *out, size_t len)
{
    if (c->name) {
        snprintf(out, len, "%s", c->name);
        return;
    }
    char sz[32];
    size_name(c->bytes, sz, sizeof sz);
    snprintf(out, len, "sweep-%s-%s", c->sweep, sz);
}

static int verify_get(const bench_t *B)
{
    const double *d = (const double *)(B->region + DATA_BYTES);
    for (size_t i = 0; i < B->bytes / sizeof(double); i++)
        if (d[i] != val(i))
            return 0;
    return 1;
}

static void begin_record(bench_t *B, bc_json_t *j, const char *name, const case_t *c)
{
    bc_json_begin(j);
    bc_json_str(j, "case", name);
    bc_json_str(j, "impl", "libfabric");
    bc_json_int(j, "bytes", (int64_t)c->bytes);
    bc_json_int(j, "elements", (int64_t)(c->bytes / 8));
    bc_json_int(j, "ranks", B->world_size);
}

static void end_record(bench_t *B, bc_json_t *j, const case_t *c)
{
    fab_t *F = B->F;
    bc_json_str(j, "provider", F->name);
    bc_json_str(j, "fabric_provider", F->info->fabric_attr->prov_name);
    bc_json_str(j, "domain", F->info->domain_attr->name);
    if (c->op != OP_GET)
        bc_json_str(j, "completion", F->op_flags & FI_DELIVERY_COMPLETE ? "delivery-complete"
                                                                        : "provider-default");
    bc_json_str(j, "progress", F->info->domain_attr->data_progress == FI_PROGRESS_MANUAL ? "manual" : "auto");
    if (c->sweep)
        bc_json_str(j, "sweep", c->sweep);
    bc_json_end(j, stdout);
}

static void run_case(bench_t *B, const case_t *c)
{
    char name[96];
    case_name(c, name, sizeof name);
    if (!bc_list_has(B->cases, name))
        return;
    fab_t *F = B->F;
    int origin = B->pair_rank == 0;
    if ((c->op == OP_ACC && !F->can_acc) || (c->op == OP_FADD && !F->can_fadd)) {
        if (origin) {
            bc_json_t j;
            begin_record(B, &j, name, c);
            char msg[96];
            snprintf(msg, sizeof msg, "not supported by provider %s", F->name);
            bc_json_str(&j, "error", msg);
            bc_json_bool(&j, "unsupported", 1);
            end_record(B, &j, c);
        }
        return;
    }
    B->op = c->op;
    B->bytes = c->bytes;
    B->err[0] = '\0';
    bc_budget_t b;
    int big = c->bytes >= MIB;
    b.warmup = big ? 1 : (B->quick ? 10 : 50);
    b.min_reps = big ? (B->quick ? 1 : 3) : (B->quick ? 20 : 100);
    b.max_reps = 1000000;
    b.seconds = B->seconds;
    int rc = 0, verified = -1;
    barrier_progress(B);
    if (origin) {
        if (c->op == OP_GET)
            memset(B->region + DATA_BYTES, 0, c->bytes);
        memset(F->busy, 0, sizeof F->busy);
        bc_rep_fn fn = c->op == OP_ACC ? rep_acc : c->op == OP_FADD ? rep_fadd : rep_transfer;
        rc = bc_run(&b, fn, B, &B->samples);
        if (rc == 0 && c->op == OP_GET)
            verified = verify_get(B);
    }
    barrier_progress(B);
    if (!origin)
        return;
    bc_json_t j;
    begin_record(B, &j, name, c);
    if (rc) {
        bc_json_str(&j, "error", B->err);
    } else {
        bc_stats_t st = bc_samples_stats(&B->samples);
        bc_json_timing(&j, &st, c->bytes);
    }
    if (verified >= 0)
        bc_json_bool(&j, "verified", verified);
    end_record(B, &j, c);
}

/* ---- cases -------------------------------------------------------------- */

static int build_cases(const bench_t *B, case_t *cs)
{
    int n = 0;
    cs[n++] = (case_t){"get-1elem", OP_GET, 8, NULL};
    cs[n++] = (case_t){"put-1elem", OP_PUT, 8, NULL};
    cs[n++] = (case_t){"acc-1elem", OP_ACC, 8, NULL};
    cs[n++] = (case_t){"fadd-1elem", OP_FADD, 8, NULL};
    cs[n++] = (case_t){"get-contig-8MiB", OP_GET, 8 * MIB, NULL};
    cs[n++] = (case_t){"put-contig-8MiB", OP_PUT, 8 * MIB, NULL};
    size_t sizes[16];
    int ns = 0;
    if (B->quick) {
        for (size_t i = 0; i < sizeof QUICK_SWEEP / sizeof QUICK_SWEEP[0]; i++)
            sizes[ns++] = QUICK_SWEEP[i];
    } else {
        for (size_t s = 8; s <= 32 * MIB; s *= 4)
            sizes[ns++] = s;
        sizes[ns++] = 64 * MIB;
    }
    for (int f = 0; f < 2; f++)
        for (int i = 0; i < ns; i++)
            cs[n++] = (case_t){NULL, f ? OP_PUT : OP_GET, sizes[i], f ? "put-contig" : "get-contig"};
    return n;
}

/* The providers to run: --providers, else FI_PROVIDER's list (unless it
   excludes with '^'), else shm and tcp. */
static const char *provider_list(const char *opt)
{
    if (opt)
        return opt;
    const char *env = getenv("FI_PROVIDER");
    if (env && *env && env[0] != '^')
        return env;
    return "shm,tcp";
}

/* Same node for every rank: loopback is the safe tcp interface. Returns
   whether they are. */
static int default_loopback(MPI_Comm world, int world_size)
{
    MPI_Comm node;
    int node_size = 0, all = 0;
    MPI_Comm_split_type(world, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
    MPI_Comm_size(node, &node_size);
    MPI_Comm_free(&node);
    int one = node_size == world_size;
    MPI_Allreduce(&one, &all, 1, MPI_INT, MPI_MIN, world);
    if (all) {
        setenv("FI_TCP_IFACE", "lo", 0);
        setenv("FI_SOCKETS_IFACE", "lo", 0);
    }
    return all;
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_fabric [--quick] [--cases a,b] [--providers shm,tcp] [--seconds S]\n"
                    "                    [--max-msg BYTES] [--time-limit S] [--list]\n");
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    bench_t B;
    memset(&B, 0, sizeof B);
    B.seconds = 0.3;
    int list = 0;
    double limit = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) {
            B.quick = 1;
            B.seconds = 0.05;
        } else if (!strcmp(argv[i], "--cases") && i + 1 < argc) {
            B.cases = argv[++i];
        } else if (!strcmp(argv[i], "--providers") && i + 1 < argc) {
            B.providers = argv[++i];
        } else if (!strcmp(argv[i], "--impl") && i + 1 < argc) {
            ++i; /* accepted as every bench does; this one has one impl */
        } else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
            B.seconds = atof(argv[++i]);
        } else if (!strcmp(argv[i], "--max-msg") && i + 1 < argc) {
            B.max_msg = (size_t)atol(argv[++i]);
        } else if (!strcmp(argv[i], "--time-limit") && i + 1 < argc) {
            limit = atof(argv[++i]);
        } else if (!strcmp(argv[i], "--list")) {
            list = 1;
        } else {
            usage();
            MPI_Finalize();
            return 2;
        }
    }
    set_time_limit(limit > 0 ? (unsigned)(limit + 0.5) : B.quick ? 60 : 300);
    int world_rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &world_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &B.world_size);
    case_t cases[64];
    int ncases = build_cases(&B, cases);
    if (list) {
        for (int i = 0; world_rank == 0 && i < ncases; i++) {
            char name[96];
            case_name(&cases[i], name, sizeof name);
            printf("%s\tlibfabric\n", name);
        }
        MPI_Finalize();
        return 0;
    }
    if (B.world_size < 2) {
        if (world_rank == 0)
            fprintf(stderr, "bench_fabric: needs at least 2 ranks (run at 2)\n");
        MPI_Finalize();
        return 2;
    }
    int one_node = default_loopback(MPI_COMM_WORLD, B.world_size);
    int last = B.world_size - 1;
    int in_pair = world_rank == 0 || world_rank == last;
    MPI_Comm_split(MPI_COMM_WORLD, in_pair ? 0 : MPI_UNDEFINED, world_rank, &B.pair);
    if (in_pair) {
        MPI_Comm_rank(B.pair, &B.pair_rank);
        if (posix_memalign((void **)&B.region, 4096, REGION_BYTES) != 0) {
            fprintf(stderr, "bench_fabric: out of memory\n");
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
        /* Target data and origin put source hold the same values. */
        double *d = (double *)B.region;
        for (size_t i = 0; i < DATA_BYTES / sizeof(double); i++)
            d[i] = val(i);
        memset(B.region + DATA_BYTES, 0, REGION_BYTES - DATA_BYTES);
        *(double *)(B.region + ACC_OPERAND) = 1.0;
        *(int64_t *)(B.region + FADD_OPERAND) = 1;
        bc_samples_init(&B.samples);

        char found[256] = "", missing[256] = "";
        const char *plist = provider_list(B.providers);
        const char *p = plist;
        while (*p) {
            const char *e = strchr(p, ',');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            fab_t F;
            memset(&F, 0, sizeof F);
            snprintf(F.name, sizeof F.name, "%.*s", (int)len, p);
            p = e ? e + 1 : p + len;
            if (!F.name[0])
                continue;
            int dc = 0;
            F.info = find_provider(F.name, &dc);
            /* shm reaches only processes on its own node. */
            int have = F.info != NULL && (one_node || strcmp(F.name, "shm") != 0), both = 0;
            MPI_Allreduce(&have, &both, 1, MPI_INT, MPI_MIN, B.pair);
            char *dst = both ? found : missing;
            snprintf(dst + strlen(dst), 256 - strlen(dst), "%s%s", *dst ? ", " : "", F.name);
            if (!both) {
                fab_close(&F);
                continue;
            }
            F.op_flags = dc ? FI_DELIVERY_COMPLETE : 0;
            B.F = &F;
            if (fab_open(&B, &F) != 0) {
                if (B.pair_rank == 0 || B.err[0])
                    fprintf(stderr, "bench_fabric: provider %s (%s): set-up failed: %s\n", F.name,
                            F.info->fabric_attr->prov_name, B.err[0] ? B.err : "on the other rank");
                MPI_Barrier(B.pair);
                B.F = NULL;
                fab_close(&F);
                continue;
            }
            for (int i = 0; i < ncases; i++)
                run_case(&B, &cases[i]);
            barrier_progress(&B);
            /* Close the endpoints only when neither side has anything in
               flight; then the MR and the rest. */
            B.F = NULL;
            fab_close(&F);
            MPI_Barrier(B.pair);
        }
        if (B.pair_rank == 0)
            fprintf(stderr, "bench_fabric: providers run: %s%s%s\n", *found ? found : "none",
                    *missing ? "; not found: " : "", missing);
        bc_samples_free(&B.samples);
        free(B.region);
        MPI_Comm_free(&B.pair);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Finalize();
    return 0;
}
