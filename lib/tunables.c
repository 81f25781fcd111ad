/* DA_* environment variables. Read when an array is created, so a program
   may change them between creations (benchmarks do, to compare paths). */
#include "tunables.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long env_long(const char *name, long def)
{
    const char *v = getenv(name);
    if (!v || !*v) return def;
    char *end;
    long x = strtol(v, &end, 10);
    return *end ? def : x;
}

int da_tunable_shm(void)
{
    return env_long("DA_SHM", 1) != 0;
}

int da_tunable_rma_method(void)
{
    const char *v = getenv("DA_RMA_METHOD");
    if (!v) return DA_RMA_AUTO;
    if (!strcmp(v, "datatype")) return DA_RMA_DATATYPE;
    if (!strcmp(v, "pack")) return DA_RMA_PACK;
    if (!strcmp(v, "rows")) return DA_RMA_ROWS;
    return DA_RMA_AUTO;
}

long da_tunable_rows_min_bytes(void)
{
    return env_long("DA_RMA_ROWS_MIN_BYTES", 1024);
}

long da_tunable_span_gap(void)
{
    long v = env_long("DA_GATHER_SPAN_GAP", 2048);
    return v < 0 ? 0 : v;
}

long da_tunable_span_buffer(void)
{
    long v = env_long("DA_GATHER_SPAN_BUFFER", 4L << 20);
    return v < 1 ? 1 : v;
}

/* Non-negative, any base strtoll reads (0x...); a bad value keeps the default. */
static long long env_count(const char *name, long long def)
{
    const char *v = getenv(name);
    if (!v || !*v) return def;
    char *end;
    long long x = strtoll(v, &end, 0);
    return (*end || x < 0) ? def : x;
}

long long da_tunable_directory_min(void)
{
    return env_count("DA_DIRECTORY_MIN", 1LL << 22);
}

long long da_tunable_directory_cache(void)
{
    return env_count("DA_DIRECTORY_CACHE", 1LL << 19);
}

long long da_tunable_window_cache(void)
{
    return env_count("DA_WINDOW_CACHE", 64LL << 20);
}

int da_tunable_progress_thread(void)
{
    return env_long("DA_PROGRESS_THREAD", 0) != 0;
}

long da_tunable_progress_interval_us(void)
{
    return env_long("DA_PROGRESS_INTERVAL_US", 100);
}

long da_tunable_max_count(void)
{
    long v = env_long("DA_RMA_MAX_COUNT", 1L << 30);
    return v < 1 ? 1 : v > INT32_MAX ? INT32_MAX : v;
}

int da_tunable_wait_yield(void)
{
    long v = env_long("DA_WAIT_YIELD", -1);
    if (v == 0 || v == 1) return (int)v;
    /* auto: yield when this node has more ranks than CPUs, or when the
       launcher does not say how many ranks it has (MPICH's Hydra and Open
       MPI's mpirun do). */
    long ranks = env_long("MPI_LOCALNRANKS", env_long("OMPI_COMM_WORLD_LOCAL_SIZE", -1));
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    return ranks < 1 || cpus < 1 || ranks > cpus;
}

long long da_tunable_malloc_top_pad(void)
{
    return env_count("DA_MALLOC_TOP_PAD", 64LL << 20);
}
