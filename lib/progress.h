/* Internal: the progress thread's automatic start (DA_PROGRESS_THREAD=1) by
   darray objects that need it. */
#ifndef DA_LIB_PROGRESS_H
#define DA_LIB_PROGRESS_H

/* If DA_PROGRESS_THREAD=1, start the thread or count one more user, and
   return DA_SUCCESS: the caller must then call da_progress_auto_release
   once when it is destroyed. Otherwise (variable unset or 0, or MPI without
   MPI_THREAD_MULTIPLE, reported once on stderr) a nonzero code and nothing
   to release. Not collective. */
int da_progress_auto_acquire(void);
void da_progress_auto_release(void);
/* Stops the thread whoever holds it: MPI_Finalize is about to free MPI
   objects (darray's own hooks do so), and no thread may poll MPI then. */
void da_progress_shutdown(void);

#endif
