/* darray: numbered mutexes over a communicator (layer 4), as GA's
 * GA_Create_mutexes / GA_Lock / GA_Unlock.
 *
 * A set of n mutexes, numbered 0..n-1, is created collectively. Any rank may
 * lock any of them; a rank holds a mutex until it unlocks it. Each mutex is a
 * queue lock (MCS) built on one-sided atomics: a waiter enqueues itself with
 * one atomic swap on the mutex's tail and then waits on a flag in its own
 * memory, so waiters do not hammer one location, and they are served in
 * first-come first-served order (docs/atomics.md has the details and the
 * fairness guarantees).
 *
 * Mutexes are held by ranks, not threads. A rank that already holds (or
 * waits for) mutex i gets DA_ERR_HELD from da_mutex_lock(i) instead of
 * deadlocking; unlocking a mutex this rank does not hold is DA_ERR_NOT_HELD.
 *
 * Holding a mutex orders memory: what a rank wrote with da_put / da_acc
 * before da_mutex_unlock is visible to the next holder's da_get after its
 * da_mutex_lock returns.
 */
#ifndef DARRAY_MUTEX_H
#define DARRAY_MUTEX_H

#include <mpi.h>

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct da_mutexes da_mutexes_t;

/* Collective over comm: n >= 1 mutexes, all unlocked. Every rank must pass
 * the same n (else DA_ERR_COLLECTIVE on every rank). Mutex i lives on rank
 * i mod size. */
DA_API int da_mutexes_create(MPI_Comm comm, int n, da_mutexes_t **out);
/* Collective: frees the set and sets *m = NULL. If any rank still holds one
 * of the mutexes, every rank gets DA_ERR_HELD and the set stays usable. */
DA_API int da_mutexes_destroy(da_mutexes_t **m);
/* Number of mutexes in the set. */
DA_API int da_mutexes_count(const da_mutexes_t *m, int *n);

/* Blocks until this rank holds mutex i (0 <= i < n, else DA_ERR_BOUNDS). */
DA_API int da_mutex_lock(da_mutexes_t *m, int i);
/* Takes mutex i if it is free and nobody waits for it: *acquired = 1; else
 * returns at once with *acquired = 0. Never waits. */
DA_API int da_mutex_trylock(da_mutexes_t *m, int i, int *acquired);
/* Releases mutex i, handing it to the first waiter if there is one. */
DA_API int da_mutex_unlock(da_mutexes_t *m, int i);

#ifdef __cplusplus
}
#endif
#endif
