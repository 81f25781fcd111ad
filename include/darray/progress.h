/* darray: guaranteed progress of one-sided operations (docs/progress.md).
 *
 * With MPICH's ch4 devices (and others), a get, accumulate or atomic aimed at
 * a rank that is computing without calling MPI may wait until that rank
 * calls MPI again. darray's progress thread calls MPI in the background of
 * every rank, so operations against a busy rank complete in well under a
 * millisecond. It needs MPI initialised with MPI_THREAD_MULTIPLE.
 *
 * Two ways to run it: set DA_PROGRESS_THREAD=1 (started when the first
 * darray object that needs it is created, stopped when the last one is
 * destroyed), or call da_progress_start / da_progress_stop. Either way it
 * is stopped at the latest inside MPI_Finalize.
 */
#ifndef DARRAY_PROGRESS_H
#define DARRAY_PROGRESS_H

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Starts this process's progress thread, or counts one more user of it.
 * Not collective. DA_ERR_THREAD_LEVEL if MPI was not initialised with
 * MPI_THREAD_MULTIPLE, DA_ERR_ARG if MPI is not initialised. */
DA_API int da_progress_start(void);
/* One user less; the thread stops (and is joined) when none is left.
 * DA_ERR_ARG if it is not running. */
DA_API int da_progress_stop(void);
/* Whether the thread is running in this process. */
DA_API int da_progress_running(int *running);

#ifdef __cplusplus
}
#endif
#endif
