/* Numbered mutexes: one MCS queue lock per mutex, on one-sided atomics.
 *
 * Every rank holds, in one window, the same layout of ints:
 *
 *   tail[T]   T = ceil(n / size): the tail of mutex i is tail[i / size] on
 *             rank i % size (the last rank to enqueue, or NONE)
 *   next[n]   this rank's queue node per mutex: the rank queued behind us
 *   flag[n]   1 while this rank waits for mutex i, set to 0 by the rank
 *             that hands the mutex over
 *
 * A node per (rank, mutex) lets a rank hold several mutexes at once. Lock:
 * reset our node, swap ourselves into the tail; if there was a predecessor,
 * write our rank into its next and wait until our flag drops. Unlock: if
 * nobody is queued behind us, CAS the tail from us back to NONE; if that
 * fails a successor is between its swap and its link, so wait for the
 * link; then clear the successor's flag. Waiting is always on our own
 * memory, and the queue is served in the order of the swaps (FIFO).
 *
 * Mechanism, for the whole set (never mixed): when all ranks share one node
 * and the shortcut is on (DA_SHM), the window is node-shared memory and
 * every step is a CPU atomic instruction; otherwise the steps are
 * MPI_Fetch_and_op / MPI_Compare_and_swap / MPI_Accumulate(REPLACE) with a
 * flush, and waiting calls MPI (MPI_Iprobe) so that the RMA writes of other
 * ranks into our memory are progressed.
 */
#include "darray/mutex.h"

#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "array.h" /* da_mpi_error */
#include "error.h"
#include "handle.h"
#include "progress.h"
#include "tunables.h"
#include "wait.h"

#define NONE (-1)
#define SPINS_BEFORE_YIELD 100
#define MAX_MUTEXES (1 << 28)

struct da_mutexes {
    MPI_Comm comm;   /* our duplicate */
    int rank, size;
    int n;
    int ntail;       /* tail slots per rank */
    int cpu;         /* CPU atomics on node-shared memory */
    MPI_Win win;
    int *base;       /* this rank's slots */
    int own_mem;     /* base came from MPI_Alloc_mem */
    int **peer;      /* cpu: every rank's slots */
    unsigned char *state; /* per mutex: HELD by this rank, or FREE */
    int progress;    /* holds a reference on the progress thread */
};

enum { FREE = 0, HELD = 1 };

static MPI_Aint tail_of(const da_mutexes_t *m, int i) { return i / m->size; }
static MPI_Aint next_of(const da_mutexes_t *m, int i) { return (MPI_Aint)m->ntail + i; }
static MPI_Aint flag_of(const da_mutexes_t *m, int i) { return (MPI_Aint)m->ntail + m->n + i; }

/* ---- one-sided steps on one int of some rank's slots ------------------------ */

static int do_swap(da_mutexes_t *m, int rank, MPI_Aint slot, int val, int *old)
{
    if (m->cpu) {
        *old = __atomic_exchange_n(&m->peer[rank][slot], val, __ATOMIC_SEQ_CST);
        return DA_SUCCESS;
    }
    int mrc = MPI_Fetch_and_op(&val, old, MPI_INT, rank, slot, MPI_REPLACE, m->win);
    if (mrc == MPI_SUCCESS) mrc = MPI_Win_flush(rank, m->win);
    return mrc == MPI_SUCCESS ? DA_SUCCESS : da_mpi_error(mrc, "mutex swap");
}

static int do_cas(da_mutexes_t *m, int rank, MPI_Aint slot, int cmp, int val, int *old)
{
    if (m->cpu) {
        __atomic_compare_exchange_n(&m->peer[rank][slot], &cmp, val, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
        *old = cmp;
        return DA_SUCCESS;
    }
    int mrc = MPI_Compare_and_swap(&val, &cmp, old, MPI_INT, rank, slot, m->win);
    if (mrc == MPI_SUCCESS) mrc = MPI_Win_flush(rank, m->win);
    return mrc == MPI_SUCCESS ? DA_SUCCESS : da_mpi_error(mrc, "mutex compare-and-swap");
}

/* An atomic write into another rank's slot, complete there on return. */
static int do_store(da_mutexes_t *m, int rank, MPI_Aint slot, int val)
{
    if (m->cpu) {
        __atomic_store_n(&m->peer[rank][slot], val, __ATOMIC_SEQ_CST);
        return DA_SUCCESS;
    }
    int mrc = MPI_Accumulate(&val, 1, MPI_INT, rank, slot, 1, MPI_INT, MPI_REPLACE, m->win);
    if (mrc == MPI_SUCCESS) mrc = MPI_Win_flush(rank, m->win);
    return mrc == MPI_SUCCESS ? DA_SUCCESS : da_mpi_error(mrc, "mutex store");
}

/* Our own slot, written before anyone else may touch it (before we enqueue). */
static int set_own(da_mutexes_t *m, MPI_Aint slot, int val)
{
    __atomic_store_n(&m->base[slot], val, __ATOMIC_SEQ_CST);
    if (m->cpu) return DA_SUCCESS;
    int mrc = MPI_Win_sync(m->win); /* the store before any later RMA on it */
    return mrc == MPI_SUCCESS ? DA_SUCCESS : da_mpi_error(mrc, "MPI_Win_sync");
}

/* Waits until our slot differs from `from` (then returns its value). On the
   RMA path the other ranks' writes into our memory may need our MPI library
   to make progress, so every poll calls MPI. Yields the core after a short
   spin: the rank we wait for may share it. */
static int wait_change(da_mutexes_t *m, MPI_Aint slot, int from, int *now)
{
    for (long i = 0;; i++) {
        if (!m->cpu) {
            int flag, mrc = MPI_Win_sync(m->win);
            if (mrc == MPI_SUCCESS) mrc = MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, m->comm, &flag, MPI_STATUS_IGNORE);
            if (mrc != MPI_SUCCESS) return da_mpi_error(mrc, "mutex wait");
        }
        int v = __atomic_load_n(&m->base[slot], __ATOMIC_SEQ_CST);
        if (v != from) {
            *now = v;
            return DA_SUCCESS;
        }
        if (i >= SPINS_BEFORE_YIELD) sched_yield();
    }
}

/* ---- checks --------------------------------------------------------------------- */

static int check(const da_mutexes_t *m, int i, const char *who)
{
    if (!m) return da_error(DA_ERR_NULL, "%s: mutex set is NULL", who);
    if (!da_handle_live(m, DA_HANDLE_MUTEXES))
        return da_error(DA_ERR_HANDLE, "%s: mutex set %p is not live (destroyed or foreign)", who, (const void *)m);
    if (i < 0 || i >= m->n)
        return da_error(DA_ERR_BOUNDS, "%s: mutex %d outside the set's 0..%d", who, i, m->n - 1);
    return DA_SUCCESS;
}

/* ---- lock, trylock, unlock ------------------------------------------------------- */

int da_mutex_lock(da_mutexes_t *m, int i)
{
    int rc = check(m, i, "da_mutex_lock");
    if (rc) return rc;
    if (m->state[i] == HELD) return da_error(DA_ERR_HELD, "da_mutex_lock: this rank already holds mutex %d", i);
    int pred, now;
    if ((rc = set_own(m, next_of(m, i), NONE)) || (rc = set_own(m, flag_of(m, i), 1))) return rc;
    if ((rc = do_swap(m, i % m->size, tail_of(m, i), m->rank, &pred))) return rc;
    if (pred != NONE) {
        /* queued behind pred: link in, then wait for pred to hand over */
        if ((rc = do_store(m, pred, next_of(m, i), m->rank))) return rc;
        if ((rc = wait_change(m, flag_of(m, i), 1, &now))) return rc;
    }
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* the critical section starts after the handover */
    m->state[i] = HELD;
    return DA_SUCCESS;
}

int da_mutex_trylock(da_mutexes_t *m, int i, int *acquired)
{
    int rc = check(m, i, "da_mutex_trylock");
    if (rc) return rc;
    if (!acquired) return da_error(DA_ERR_NULL, "da_mutex_trylock: acquired is NULL");
    *acquired = 0;
    if (m->state[i] == HELD) return da_error(DA_ERR_HELD, "da_mutex_trylock: this rank already holds mutex %d", i);
    int old;
    if ((rc = set_own(m, next_of(m, i), NONE))) return rc;
    if ((rc = do_cas(m, i % m->size, tail_of(m, i), NONE, m->rank, &old))) return rc;
    if (old == NONE) {
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        m->state[i] = HELD;
        *acquired = 1;
    }
    return DA_SUCCESS;
}

int da_mutex_unlock(da_mutexes_t *m, int i)
{
    int rc = check(m, i, "da_mutex_unlock");
    if (rc) return rc;
    if (m->state[i] != HELD) return da_error(DA_ERR_NOT_HELD, "da_mutex_unlock: this rank does not hold mutex %d", i);
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* the critical section ends before the handover */
    if (!m->cpu && (rc = MPI_Win_sync(m->win)) != MPI_SUCCESS) return da_mpi_error(rc, "MPI_Win_sync");
    int succ = __atomic_load_n(&m->base[next_of(m, i)], __ATOMIC_SEQ_CST);
    if (succ == NONE) {
        int old;
        if ((rc = do_cas(m, i % m->size, tail_of(m, i), m->rank, NONE, &old))) return rc;
        if (old == m->rank) {
            m->state[i] = FREE;
            return DA_SUCCESS;
        }
        /* a successor swapped itself in but has not linked yet */
        if ((rc = wait_change(m, next_of(m, i), NONE, &succ))) return rc;
    }
    if ((rc = do_store(m, succ, flag_of(m, i), 0))) return rc;
    m->state[i] = FREE;
    return DA_SUCCESS;
}

/* ---- life cycle ------------------------------------------------------------------- */

static void release(da_mutexes_t *m)
{
    if (m->win != MPI_WIN_NULL) {
        MPI_Win_unlock_all(m->win);
        MPI_Win_free(&m->win);
    }
    if (m->own_mem) MPI_Free_mem(m->base);
    if (m->comm != MPI_COMM_NULL) MPI_Comm_free(&m->comm);
    if (m->progress) da_progress_auto_release();
    free(m->peer);
    free(m->state);
    free(m);
}

#define MPI_TRY(call, what)                \
    do {                                   \
        int mrc_ = (call);                 \
        if (mrc_ != MPI_SUCCESS) {         \
            rc = da_mpi_error(mrc_, what); \
            goto fail;                     \
        }                                  \
    } while (0)

int da_mutexes_create(MPI_Comm comm, int n, da_mutexes_t **out)
{
    int rc = DA_SUCCESS, local_rc = DA_SUCCESS, size = 0;
    if (comm == MPI_COMM_NULL) return da_error(DA_ERR_ARG, "da_mutexes_create: communicator is MPI_COMM_NULL");
    if (MPI_Comm_size(comm, &size) != MPI_SUCCESS)
        return da_error(DA_ERR_ARG, "da_mutexes_create: invalid communicator");
    /* Local checks, then every rank joins the agreement, so that one rank's
       bad argument makes all ranks return instead of hanging. */
    if (!out) local_rc = da_error(DA_ERR_NULL, "da_mutexes_create: out is NULL");
    else *out = NULL;
    if (!local_rc && (n < 1 || n > MAX_MUTEXES))
        local_rc = da_error(DA_ERR_ARG, "da_mutexes_create: n = %d, must be 1..%d", n, MAX_MUTEXES);
    long mine[2] = {local_rc != 0, n}, mx[2], mn[2];
    if (da_allreduce_maxmin(mine, mx, mn, 2, comm) != MPI_SUCCESS)
        return da_error(DA_ERR_MPI, "da_mutexes_create: agreement failed");
    if (local_rc) return local_rc;
    if (mx[0]) return da_error(DA_ERR_COLLECTIVE, "da_mutexes_create: another rank passed an invalid argument");
    if (mx[1] != mn[1])
        return da_error(DA_ERR_COLLECTIVE, "da_mutexes_create: ranks passed different counts (%ld to %ld)", mn[1], mx[1]);

    da_mutexes_t *m = calloc(1, sizeof *m);
    if (!m) return da_error(DA_ERR_NOMEM, "da_mutexes_create: no memory");
    m->comm = MPI_COMM_NULL;
    m->win = MPI_WIN_NULL;
    m->n = n;
    m->size = size;
    m->ntail = (int)(((int64_t)n + size - 1) / size);
    MPI_Comm node = MPI_COMM_NULL;
    MPI_Info info = MPI_INFO_NULL;
    m->state = calloc((size_t)n, 1);
    if (!m->state) {
        rc = da_error(DA_ERR_NOMEM, "da_mutexes_create: no memory for %d mutexes", n);
        goto fail;
    }
    MPI_TRY(MPI_Comm_dup(comm, &m->comm), "MPI_Comm_dup");
    MPI_TRY(MPI_Comm_set_errhandler(m->comm, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
    MPI_Comm_rank(m->comm, &m->rank);

    /* CPU atomics only if every rank can use them on every other's slots */
    int node_size;
    MPI_TRY(MPI_Comm_split_type(m->comm, MPI_COMM_TYPE_SHARED, m->rank, MPI_INFO_NULL, &node), "MPI_Comm_split_type");
    MPI_Comm_size(node, &node_size);
    MPI_Comm_free(&node);
    int cpu = da_tunable_shm() && node_size == size;
    MPI_TRY(da_allreduce(&cpu, &m->cpu, 1, MPI_INT, MPI_MIN, m->comm), "MPI_Allreduce");

    int64_t slots = (int64_t)m->ntail + 2 * (int64_t)n;
    MPI_Aint bytes = (MPI_Aint)(slots * (int64_t)sizeof(int));
    MPI_Info_create(&info);
    if (m->cpu) {
        MPI_TRY(MPI_Win_allocate_shared(bytes, sizeof(int), info, m->comm, &m->base, &m->win),
                "MPI_Win_allocate_shared");
        m->peer = calloc((size_t)size, sizeof *m->peer);
        if (!m->peer) {
            rc = da_error(DA_ERR_NOMEM, "da_mutexes_create: no memory");
            goto fail;
        }
        for (int r = 0; r < size; r++) {
            MPI_Aint sz;
            int du;
            MPI_TRY(MPI_Win_shared_query(m->win, r, &sz, &du, &m->peer[r]), "MPI_Win_shared_query");
        }
    } else {
        /* Not MPI_Win_allocate: MPICH 4.0.2 sends RMA aimed at rank r > 0 of
           such a window to the wrong address when the ranks' sizes are not
           multiples of the page size (docs/atomics.md). Same layout as the
           arrays' RMA windows instead. */
        MPI_TRY(MPI_Alloc_mem(bytes, MPI_INFO_NULL, &m->base), "MPI_Alloc_mem");
        m->own_mem = 1;
        MPI_TRY(MPI_Win_create(m->base, bytes, sizeof(int), info, m->comm, &m->win), "MPI_Win_create");
    }
    MPI_Info_free(&info);
    MPI_TRY(MPI_Win_set_errhandler(m->win, MPI_ERRORS_RETURN), "MPI_Win_set_errhandler");
    for (int64_t s = 0; s < slots; s++) m->base[s] = s < m->ntail + n ? NONE : 0;
    MPI_TRY(MPI_Win_lock_all(MPI_MODE_NOCHECK, m->win), "MPI_Win_lock_all");
    MPI_TRY(MPI_Win_sync(m->win), "MPI_Win_sync");
    MPI_TRY(da_barrier(m->comm), "MPI_Barrier"); /* everyone's slots initialised */
    MPI_TRY(MPI_Win_sync(m->win), "MPI_Win_sync");
    if (da_handle_add(m, DA_HANDLE_MUTEXES) != 0) {
        rc = da_error(DA_ERR_NOMEM, "da_mutexes_create: no memory for the handle");
        goto fail;
    }
    m->progress = da_progress_auto_acquire() == DA_SUCCESS;
    *out = m;
    return DA_SUCCESS;
fail:
    if (info != MPI_INFO_NULL) MPI_Info_free(&info);
    release(m);
    return rc;
}

int da_mutexes_destroy(da_mutexes_t **pm)
{
    if (!pm) return da_error(DA_ERR_NULL, "da_mutexes_destroy: NULL");
    da_mutexes_t *m = *pm;
    if (!m) return da_error(DA_ERR_NULL, "da_mutexes_destroy: mutex set is NULL");
    if (!da_handle_live(m, DA_HANDLE_MUTEXES))
        return da_error(DA_ERR_HANDLE, "da_mutexes_destroy: mutex set %p is not live", (const void *)m);
    int held = -1;
    for (int i = 0; i < m->n && held < 0; i++)
        if (m->state[i] == HELD) held = i;
    int mine = held >= 0, any;
    if (da_allreduce(&mine, &any, 1, MPI_INT, MPI_MAX, m->comm) != MPI_SUCCESS)
        return da_error(DA_ERR_MPI, "da_mutexes_destroy: agreement failed");
    if (mine) return da_error(DA_ERR_HELD, "da_mutexes_destroy: this rank still holds mutex %d", held);
    if (any) return da_error(DA_ERR_HELD, "da_mutexes_destroy: another rank still holds a mutex");
    da_handle_remove(m);
    release(m);
    *pm = NULL;
    return DA_SUCCESS;
}

int da_mutexes_count(const da_mutexes_t *m, int *n)
{
    int rc = check(m, 0, "da_mutexes_count");
    if (rc) return rc;
    if (!n) return da_error(DA_ERR_NULL, "da_mutexes_count: n is NULL");
    *n = m->n;
    return DA_SUCCESS;
}
