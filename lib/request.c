/* Requests of non-blocking transfers. Slots are reused; a handle is
   (slot + 1) << 32 | generation, and a slot's generation advances when its
   request completes, so an old handle is told apart from a live one. */
#include "request.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#include "error.h"
#include "wait.h"

typedef struct {
    uint32_t gen;
    int live;
    const da_array_t *a;
    MPI_Request *mreqs;
    int64_t n;
    da_finish_fn finish;
    void *ctx;
} slot_t;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static slot_t *slots;
static int64_t nslots, *free_list, nfree;

int da_request_new(const da_array_t *a, MPI_Request *mreqs, int64_t n, da_finish_fn finish, void *ctx,
                   da_request_t *out)
{
    pthread_mutex_lock(&lock);
    if (nfree == 0) {
        int64_t grow = nslots ? nslots : 64;
        slot_t *ns = realloc(slots, sizeof *ns * (size_t)(nslots + grow));
        int64_t *nf = ns ? realloc(free_list, sizeof *nf * (size_t)(nslots + grow)) : NULL;
        if (ns) slots = ns;
        if (!ns || !nf) {
            pthread_mutex_unlock(&lock);
            return da_error(DA_ERR_NOMEM, "no memory for a request");
        }
        free_list = nf;
        for (int64_t i = 0; i < grow; i++) {
            slots[nslots + i] = (slot_t){0};
            free_list[nfree++] = nslots + grow - 1 - i;
        }
        nslots += grow;
    }
    int64_t i = free_list[--nfree];
    slot_t *s = &slots[i];
    s->live = 1;
    s->a = a;
    s->mreqs = mreqs;
    s->n = n;
    s->finish = finish;
    s->ctx = ctx;
    *out = ((i + 1) << 32) | s->gen;
    pthread_mutex_unlock(&lock);
    return DA_SUCCESS;
}

/* The live slot of handle r, or an error. Caller holds the lock. */
static int find(da_request_t r, int64_t *index)
{
    int64_t i = (r >> 32) - 1;
    if (r < 0 || i < 0 || i >= nslots)
        return da_error(DA_ERR_REQUEST, "%lld is not a request handle", (long long)r);
    if (!slots[i].live || slots[i].gen != (uint32_t)(r & 0xffffffff))
        return da_error(DA_ERR_REQUEST_DONE, "request %lld was already completed", (long long)r);
    *index = i;
    return DA_SUCCESS;
}

/* Finish slot i whose MPI requests are complete (mpi_rc: how they ended). */
static int retire(int64_t i, int mpi_rc)
{
    slot_t s = slots[i];
    slots[i].live = 0;
    slots[i].gen++;
    slots[i].mreqs = NULL;
    slots[i].ctx = NULL;
    free_list[nfree++] = i;
    pthread_mutex_unlock(&lock);
    int rc = mpi_rc == MPI_SUCCESS ? DA_SUCCESS : da_error(DA_ERR_MPI, "a non-blocking RMA call failed");
    if (s.finish) rc = s.finish(s.ctx, rc);
    free(s.mreqs);
    return rc;
}

/* MPI_Testall with the request array of slot i; the lock is dropped while
   MPI runs so other threads' requests are not held up. */
static int test_slot(int64_t i, int *done)
{
    MPI_Request *m = slots[i].mreqs;
    int n = (int)slots[i].n;
    pthread_mutex_unlock(&lock);
    int rc = n ? MPI_Testall(n, m, done, MPI_STATUSES_IGNORE) : (*done = 1, MPI_SUCCESS);
    pthread_mutex_lock(&lock);
    if (rc != MPI_SUCCESS) *done = 1;
    return rc;
}

int da_test(da_request_t r, int *done)
{
    if (!done) return da_error(DA_ERR_NULL, "da_test: done is NULL");
    *done = 0;
    if (r == DA_REQUEST_NULL) {
        *done = 1;
        return DA_SUCCESS;
    }
    pthread_mutex_lock(&lock);
    int64_t i = 0;
    int rc = find(r, &i);
    if (rc) {
        pthread_mutex_unlock(&lock);
        return rc;
    }
    int mrc = test_slot(i, done);
    if (!*done) {
        pthread_mutex_unlock(&lock);
        return DA_SUCCESS;
    }
    return retire(i, mrc); /* unlocks */
}

int da_wait(da_request_t r)
{
    if (r == DA_REQUEST_NULL) return DA_SUCCESS;
    for (long spins = 0;; spins++) {
        int done, rc = da_test(r, &done);
        if (rc || done) return rc;
        if (spins > 200) sched_yield(); /* let ranks sharing this core run */
    }
}

int da_waitall(int64_t n, const da_request_t *reqs)
{
    if (n < 0) return da_error(DA_ERR_ARG, "da_waitall: n = %lld", (long long)n);
    if (n > 0 && !reqs) return da_error(DA_ERR_NULL, "da_waitall: reqs is NULL");
    int first = DA_SUCCESS;
    for (int64_t i = 0; i < n; i++) {
        int rc = da_wait(reqs[i]);
        if (rc && !first) first = rc;
    }
    return first;
}

int da_request_complete_array(const da_array_t *a)
{
    int first = DA_SUCCESS;
    pthread_mutex_lock(&lock);
    for (int64_t i = 0; i < nslots; i++) {
        if (!slots[i].live || slots[i].a != a) continue;
        da_request_t r = ((i + 1) << 32) | slots[i].gen;
        pthread_mutex_unlock(&lock);
        int rc = da_wait(r);
        if (rc && !first) first = rc;
        pthread_mutex_lock(&lock);
    }
    pthread_mutex_unlock(&lock);
    return first;
}
