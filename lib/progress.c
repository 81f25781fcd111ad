/* The progress thread: one per process, calling MPI_Test on a receive that
 * never matches, then sleeping briefly. Each call runs MPI's progress
 * engine, which applies the accumulates, atomics and (on transports without
 * remote memory access) gets that other ranks aimed at this one, while the
 * main thread computes without calling MPI (docs/progress.md).
 *
 * It is shared by all users in the process: explicit da_progress_start /
 * da_progress_stop pairs, and darray objects created with
 * DA_PROGRESS_THREAD=1. It runs while either count is positive, and an
 * attribute on MPI_COMM_SELF stops it at the start of MPI_Finalize (MPI
 * deletes that communicator's attributes first), so a program that never
 * stops it still finalizes cleanly.
 */
#include "darray/progress.h"

#include <mpi.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "error.h"
#include "progress.h"
#include "tunables.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int explicit_users, auto_users;
static int running, stopping;
static pthread_t thread;
static MPI_Comm self = MPI_COMM_NULL; /* private: nothing is ever sent on it */
static MPI_Request never = MPI_REQUEST_NULL;
static int never_buf;
static long interval_us;
static int keyval = MPI_KEYVAL_INVALID;

static void *progress_loop(void *arg)
{
    (void)arg;
#ifdef PR_SET_TIMERSLACK
    /* Linux lets a normal thread's sleeps overrun by 50 us (timer slack):
       make the interval the one asked for */
    prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
#endif
    struct timespec ts = {interval_us / 1000000, (interval_us % 1000000) * 1000};
    while (!__atomic_load_n(&stopping, __ATOMIC_ACQUIRE)) {
        int done = 0;
        MPI_Test(&never, &done, MPI_STATUS_IGNORE);
        if (interval_us > 0) nanosleep(&ts, NULL);
        else sched_yield();
    }
    return NULL;
}

static void stop_locked(void)
{
    __atomic_store_n(&stopping, 1, __ATOMIC_RELEASE);
    pthread_join(thread, NULL);
    MPI_Cancel(&never);
    MPI_Wait(&never, MPI_STATUS_IGNORE);
    MPI_Comm_free(&self);
    running = 0;
}

void da_progress_shutdown(void)
{
    pthread_mutex_lock(&lock);
    if (running) stop_locked();
    explicit_users = auto_users = 0;
    pthread_mutex_unlock(&lock);
}

static int at_finalize(MPI_Comm comm, int key, void *val, void *extra)
{
    (void)comm;
    (void)key;
    (void)val;
    (void)extra;
    da_progress_shutdown();
    return MPI_SUCCESS;
}

/* Starts the thread if it is not running. Called with the lock held. */
static int start_locked(void)
{
    int init = 0, fin = 0, level = MPI_THREAD_SINGLE;
    MPI_Initialized(&init);
    MPI_Finalized(&fin);
    if (!init || fin) return da_error(DA_ERR_ARG, "progress thread: MPI is not initialised");
    if (running) return DA_SUCCESS;
    MPI_Query_thread(&level);
    if (level != MPI_THREAD_MULTIPLE)
        return da_error(DA_ERR_THREAD_LEVEL,
                        "progress thread: MPI was initialised without MPI_THREAD_MULTIPLE (level %d)", level);
    int mrc = MPI_SUCCESS;
    if (keyval == MPI_KEYVAL_INVALID) {
        mrc = MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, at_finalize, &keyval, NULL);
        if (mrc == MPI_SUCCESS) mrc = MPI_Comm_set_attr(MPI_COMM_SELF, keyval, NULL);
        if (mrc != MPI_SUCCESS) return da_error(DA_ERR_MPI, "progress thread: cannot hook MPI_Finalize");
    }
    interval_us = da_tunable_progress_interval_us();
    if (interval_us < 0) interval_us = 0;
    if ((mrc = MPI_Comm_dup(MPI_COMM_SELF, &self)) != MPI_SUCCESS)
        return da_error(DA_ERR_MPI, "progress thread: MPI_Comm_dup failed");
    if ((mrc = MPI_Irecv(&never_buf, 1, MPI_INT, 0, 0, self, &never)) != MPI_SUCCESS) {
        MPI_Comm_free(&self);
        return da_error(DA_ERR_MPI, "progress thread: MPI_Irecv failed");
    }
    stopping = 0;
    if (pthread_create(&thread, NULL, progress_loop, NULL) != 0) {
        MPI_Cancel(&never);
        MPI_Wait(&never, MPI_STATUS_IGNORE);
        MPI_Comm_free(&self);
        return da_error(DA_ERR_NOMEM, "progress thread: pthread_create failed");
    }
    running = 1;
    return DA_SUCCESS;
}

int da_progress_start(void)
{
    pthread_mutex_lock(&lock);
    int rc = start_locked();
    if (!rc) explicit_users++;
    pthread_mutex_unlock(&lock);
    return rc;
}

int da_progress_stop(void)
{
    pthread_mutex_lock(&lock);
    int rc = DA_SUCCESS;
    if (explicit_users == 0) {
        rc = da_error(DA_ERR_ARG, "da_progress_stop: no da_progress_start to match");
    } else if (--explicit_users == 0 && auto_users == 0 && running) {
        stop_locked();
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

int da_progress_running(int *r)
{
    if (!r) return da_error(DA_ERR_NULL, "da_progress_running: NULL");
    pthread_mutex_lock(&lock);
    *r = running;
    pthread_mutex_unlock(&lock);
    return DA_SUCCESS;
}

int da_progress_auto_acquire(void)
{
    if (!da_tunable_progress_thread()) return DA_ERR_ARG;
    static int warned;
    pthread_mutex_lock(&lock);
    int rc = start_locked();
    if (!rc) auto_users++;
    int warn = rc == DA_ERR_THREAD_LEVEL && !warned;
    if (warn) warned = 1;
    pthread_mutex_unlock(&lock);
    if (warn)
        fprintf(stderr, "darray: DA_PROGRESS_THREAD=1 ignored: MPI was not initialised with "
                        "MPI_THREAD_MULTIPLE\n");
    return rc;
}

void da_progress_auto_release(void)
{
    pthread_mutex_lock(&lock);
    if (auto_users > 0 && --auto_users == 0 && explicit_users == 0 && running) stop_locked();
    pthread_mutex_unlock(&lock);
}
