/* The window pool: a destroyed array's windows and communicators, kept so
 * that the next array of the same size on the same ranks skips
 * MPI_Comm_dup, MPI_Comm_split_type, two window creations and, above all,
 * the first touch of fresh pages (most of the cost of creating a large
 * array: docs/design-windows.md). Legacy GA programs create and destroy
 * temporaries in loops; GA itself does this in microseconds.
 *
 * Every operation is collective over the sets' group, so the ranks must
 * agree on every decision: which set to take, whether to park, what to
 * evict. They do, because the parked sets whose communicator has a given
 * group were parked by collective calls of exactly that group, so every
 * rank of it holds the same sets in the same order; what could differ
 * (block sizes, memory limits) is settled with one MPI_Allreduce.
 */
#include "winpool.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tunables.h"
#include "wait.h"

/* Most sets kept per group of ranks: enough for the temporaries of a loop. */
#define MAX_PER_GROUP 4

typedef struct parked {
    da_windows_t w;
    struct parked *next;
} parked_t;

static parked_t *pool_head; /* oldest first */
static MPI_Aint pool_bytes; /* this rank's bytes parked */

static int same_group(MPI_Comm a, MPI_Comm b)
{
    int res;
    return MPI_Comm_compare(a, b, &res) == MPI_SUCCESS && (res == MPI_IDENT || res == MPI_CONGRUENT);
}

/* The k-th parked set of comm's group (oldest is 0); unlinked if take. */
static parked_t *nth_of_group(MPI_Comm comm, int k, int take)
{
    for (parked_t **pp = &pool_head; *pp; pp = &(*pp)->next) {
        if (!same_group((*pp)->w.comm, comm) || k-- > 0) continue;
        parked_t *e = *pp;
        if (take) {
            *pp = e->next;
            pool_bytes -= e->w.bytes;
        }
        return e;
    }
    return NULL;
}

void da_windows_free(da_windows_t *w)
{
    if (w->win != MPI_WIN_NULL) {
        MPI_Win_unlock_all(w->win);
        MPI_Win_free(&w->win);
    }
    if (w->shm_win != MPI_WIN_NULL) {
        MPI_Win_unlock_all(w->shm_win);
        MPI_Win_free(&w->shm_win);
    }
    if (w->node_comm != MPI_COMM_NULL) MPI_Comm_free(&w->node_comm);
    if (w->comm != MPI_COMM_NULL) MPI_Comm_free(&w->comm);
    w->base = NULL;
    w->bytes = 0;
}

int da_winpool_take(MPI_Comm comm, MPI_Aint bytes, int zero, da_windows_t *w, int *found)
{
    *found = 0;
    /* bit k: the k-th set of this group has our size */
    uint64_t mine = 0, all = 0;
    int k = 0;
    for (parked_t *e = pool_head; e; e = e->next) {
        if (!same_group(e->w.comm, comm)) continue;
        if (e->w.bytes == bytes) mine |= (uint64_t)1 << k;
        k++;
    }
    if (k == 0) return MPI_SUCCESS; /* the same answer on every rank: no sets of this group */
    int rc = da_allreduce(&mine, &all, 1, MPI_UINT64_T, MPI_BAND, comm);
    if (rc != MPI_SUCCESS || !all) return rc;
    parked_t *e = nth_of_group(comm, __builtin_ctzll(all), 1);
    *w = e->w;
    free(e);
    if (w->bytes && zero) memset(w->base, 0, (size_t)w->bytes);
    /* the stores above before any RMA on either window */
    MPI_Win_sync(w->shm_win);
    MPI_Win_sync(w->win);
    *found = 1;
    return MPI_SUCCESS;
}

int da_winpool_put(da_windows_t *w)
{
    long long cap = da_tunable_window_cache();
    int n = 0;
    for (parked_t *e = pool_head; e; e = e->next) n += same_group(e->w.comm, w->comm);
    parked_t *oldest = n >= MAX_PER_GROUP ? nth_of_group(w->comm, 0, 0) : NULL;
    MPI_Aint after = pool_bytes - (oldest ? oldest->w.bytes : 0) + w->bytes;
    parked_t *e = malloc(sizeof *e); /* before agreeing, so that no rank can fail after */
    int ok = e && cap > 0 && after <= cap, all_ok = 0;
    int rc = da_allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, w->comm);
    if (rc != MPI_SUCCESS || !all_ok) { /* a failed allreduce fails on every rank: all free */
        free(e);
        da_windows_free(w);
        return rc;
    }
    if (oldest) {
        parked_t *old = nth_of_group(w->comm, 0, 1);
        da_windows_free(&old->w);
        free(old);
    }
    e->w = *w;
    e->next = NULL;
    parked_t **pp = &pool_head;
    while (*pp) pp = &(*pp)->next;
    *pp = e;
    pool_bytes += w->bytes;
    memset(w, 0, sizeof *w);
    w->comm = w->node_comm = MPI_COMM_NULL;
    w->win = w->shm_win = MPI_WIN_NULL;
    return MPI_SUCCESS;
}

void da_winpool_drain(void)
{
    while (pool_head) {
        parked_t *e = pool_head;
        pool_head = e->next;
        pool_bytes -= e->w.bytes;
        da_windows_free(&e->w);
        free(e);
    }
}
