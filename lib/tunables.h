/* Internal: the DA_* environment variables, read in one place.
   docs/tunables.md lists them all; keep the two in step. */
#ifndef DA_LIB_TUNABLES_H
#define DA_LIB_TUNABLES_H

enum da_rma_method { DA_RMA_AUTO = 0, DA_RMA_DATATYPE, DA_RMA_PACK, DA_RMA_ROWS };

/* DA_SHM: 1 (default) lets same-node peers use loads and stores on shared
   memory; 0 sends every transfer through MPI RMA. */
int da_tunable_shm(void);
/* DA_RMA_METHOD: auto | datatype | pack | rows, how a strided remote piece is sent. */
int da_tunable_rma_method(void);
/* DA_RMA_ROWS_MIN_BYTES: in auto mode, rows at least this long go one RMA call each. */
long da_tunable_rows_min_bytes(void);
/* DA_RMA_MAX_COUNT: most elements in one MPI call or datatype level (MPI
   counts are int); default 2^30. Small values exercise the chunking in tests. */
long da_tunable_max_count(void);
/* DA_GATHER_SPAN_GAP: bytes. Remote gathers read a run of an owner's block
   as one contiguous get when its wanted elements lie at most this far
   apart; 0 keeps one indexed datatype per owner. Default 2048. */
long da_tunable_span_gap(void);
/* DA_GATHER_SPAN_BUFFER: bytes of scratch such spans are read into at a
   time (memory stays bounded whatever the request). Default 4 MiB. */
long da_tunable_span_buffer(void);
/* DA_DIRECTORY_MIN: unstructured dimensions given rank by rank with at
   least this many indices get a distributed directory. Default 2^22. */
long long da_tunable_directory_min(void);
/* DA_DIRECTORY_CACHE: most answers a directory cache keeps. Default 2^19. */
long long da_tunable_directory_cache(void);
/* DA_WINDOW_CACHE: bytes per rank of destroyed arrays' windows kept for
   the next array of the same size on the same ranks; 0: none. Default 64 MiB. */
long long da_tunable_window_cache(void);
/* DA_PROGRESS_THREAD: 1 lets arrays and mutex sets start the progress thread. */
int da_tunable_progress_thread(void);
/* DA_PROGRESS_INTERVAL_US: the progress thread's sleep between polls. Default 100. */
long da_tunable_progress_interval_us(void);
/* DA_WAIT_YIELD: 1 darray's collectives poll and yield the core while they
   wait; 0 they call MPI's blocking collectives; unset: 1 when the node has
   more ranks than CPUs or the launcher does not say. Ranks agree per
   communicator (any 1 wins). */
int da_tunable_wait_yield(void);
/* DA_MALLOC_TOP_PAD: bytes glibc keeps at the top of its heap (mallopt
   M_TOP_PAD), set once when the first array is created, unless the
   environment sets MALLOC_TOP_PAD_; 0 leaves the allocator alone.
   Default 64 MiB. */
long long da_tunable_malloc_top_pad(void);

#endif
