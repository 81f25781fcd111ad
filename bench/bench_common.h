/* bench_common.h: timing, sample statistics and JSON-line output shared by
 * the benchmark programs under bench/.
 *
 * Header-only (static functions) so every bench program and the future
 * darray-bench driver can include it without a separate library.
 *
 * Conventions every bench follows:
 *  - each repetition is timed on its own (bc_now, a monotonic clock) and
 *    kept, so medians and extremes come from the real distribution;
 *  - a case is time-boxed: warm-up, then repetitions until the time budget
 *    or the repetition cap is reached (bc_budget_t);
 *  - one JSON object per line on stdout, built with bc_json_* so that field
 *    names and number formats are the same everywhere.
 */
#ifndef DARRAY_BENCH_COMMON_H
#define DARRAY_BENCH_COMMON_H

#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- clock ------------------------------------------------------------- */

/* Seconds on a monotonic clock. clock_gettime(CLOCK_MONOTONIC) goes through
   the vDSO: about 20 ns, well below the shortest operation measured. */
static inline double bc_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Spin (no syscalls, no MPI) for `seconds`: a target "busy computing". */
static inline double bc_busy_wait(double seconds)
{
    volatile double x = 0.0;
    double t0 = bc_now();
    while (bc_now() - t0 < seconds)
        for (int i = 0; i < 1000; i++)
            x += 1e-9 * i;
    return x;
}

/* ---- samples ----------------------------------------------------------- */

typedef struct bc_samples {
    double *t; /* seconds, one per repetition */
    size_t n, cap;
} bc_samples_t;

static inline void bc_samples_init(bc_samples_t *s)
{
    s->t = NULL;
    s->n = s->cap = 0;
}

static inline void bc_samples_clear(bc_samples_t *s) { s->n = 0; }

static inline void bc_samples_free(bc_samples_t *s)
{
    free(s->t);
    bc_samples_init(s);
}

static inline int bc_samples_add(bc_samples_t *s, double seconds)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 1024;
        double *t = (double *)realloc(s->t, cap * sizeof *t);
        if (!t)
            return -1;
        s->t = t;
        s->cap = cap;
    }
    s->t[s->n++] = seconds;
    return 0;
}

typedef struct bc_stats {
    size_t reps;
    double median, min, max, mean; /* seconds */
} bc_stats_t;

static int bc_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Statistics of the samples; sorts them in place. */
static inline bc_stats_t bc_samples_stats(bc_samples_t *s)
{
    bc_stats_t st = {0, 0, 0, 0, 0};
    if (s->n == 0)
        return st;
    qsort(s->t, s->n, sizeof *s->t, bc_cmp_double);
    double sum = 0;
    for (size_t i = 0; i < s->n; i++)
        sum += s->t[i];
    st.reps = s->n;
    st.min = s->t[0];
    st.max = s->t[s->n - 1];
    st.median = (s->n % 2) ? s->t[s->n / 2] : 0.5 * (s->t[s->n / 2 - 1] + s->t[s->n / 2]);
    st.mean = sum / (double)s->n;
    return st;
}

/* ---- time-boxed repetition --------------------------------------------- */

typedef struct bc_budget {
    int warmup;     /* untimed repetitions first */
    long min_reps;  /* at least this many timed repetitions ... */
    long max_reps;  /* ... at most this many ... */
    double seconds; /* ... and stop once this much time has gone by */
} bc_budget_t;

/* One repetition: returns 0 on success, nonzero to abort the case. */
typedef int (*bc_rep_fn)(void *ctx);

/* Run fn under the budget, timing each repetition into s (cleared first).
   Returns the first nonzero code of fn, else 0. */
static inline int bc_run(const bc_budget_t *b, bc_rep_fn fn, void *ctx, bc_samples_t *s)
{
    int rc;
    bc_samples_clear(s);
    for (int i = 0; i < b->warmup; i++)
        if ((rc = fn(ctx)) != 0)
            return rc;
    double start = bc_now();
    for (long r = 0; r < b->max_reps; r++) {
        double t0 = bc_now();
        if ((rc = fn(ctx)) != 0)
            return rc;
        double t1 = bc_now();
        if (bc_samples_add(s, t1 - t0) != 0)
            return -1;
        if (r + 1 >= b->min_reps && t1 - start >= b->seconds)
            break;
    }
    return 0;
}

/* ---- rates ------------------------------------------------------------- */

/* Rate of an operation moving `bytes` in `seconds`: GB/s (1e9 bytes/s) for
   transfers of at least 1 KiB, otherwise millions of operations per second. */
static inline double bc_rate(size_t bytes, double seconds, const char **unit)
{
    if (seconds <= 0) {
        *unit = bytes >= 1024 ? "GB/s" : "Mop/s";
        return 0;
    }
    if (bytes >= 1024) {
        *unit = "GB/s";
        return (double)bytes / seconds * 1e-9;
    }
    *unit = "Mop/s";
    return 1e-6 / seconds;
}

/* ---- JSON lines -------------------------------------------------------- */

typedef struct bc_json {
    char buf[2048];
    size_t len;
    int nfields;
} bc_json_t;

static inline void bc_json_raw(bc_json_t *j, const char *fmt, ...)
{
    if (j->len >= sizeof j->buf)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(j->buf + j->len, sizeof j->buf - j->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        j->len += (size_t)n;
    if (j->len > sizeof j->buf - 1)
        j->len = sizeof j->buf - 1;
}

static inline void bc_json_begin(bc_json_t *j)
{
    j->len = 0;
    j->nfields = 0;
    j->buf[0] = '\0';
    bc_json_raw(j, "{");
}

static inline void bc_json_key(bc_json_t *j, const char *key)
{
    bc_json_raw(j, "%s\"%s\":", j->nfields++ ? ", " : "", key);
}

static inline void bc_json_str(bc_json_t *j, const char *key, const char *val)
{
    bc_json_key(j, key);
    bc_json_raw(j, "\"");
    for (const char *p = val ? val : ""; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"' || c == '\\')
            bc_json_raw(j, "\\%c", c);
        else if (c < 0x20)
            bc_json_raw(j, "\\u%04x", c);
        else
            bc_json_raw(j, "%c", c);
    }
    bc_json_raw(j, "\"");
}

static inline void bc_json_int(bc_json_t *j, const char *key, int64_t val)
{
    bc_json_key(j, key);
    bc_json_raw(j, "%" PRId64, val);
}

/* Numbers with 4 significant digits (enough for timings; never NaN/Inf). */
static inline void bc_json_num(bc_json_t *j, const char *key, double val)
{
    bc_json_key(j, key);
    if (val != val || val > 1e300 || val < -1e300)
        bc_json_raw(j, "null");
    else
        bc_json_raw(j, "%.4g", val);
}

static inline void bc_json_bool(bc_json_t *j, const char *key, int val)
{
    bc_json_key(j, key);
    bc_json_raw(j, val ? "true" : "false");
}

/* Close the object and print it as one line to `out`, flushed. */
static inline void bc_json_end(bc_json_t *j, FILE *out)
{
    bc_json_raw(j, "}");
    fprintf(out, "%s\n", j->buf);
    fflush(out);
}

/* The timing fields every bench record carries: reps, median_us, min_us,
   max_us, rate, rate_unit. */
static inline void bc_json_timing(bc_json_t *j, const bc_stats_t *st, size_t bytes)
{
    const char *unit;
    double rate = bc_rate(bytes, st->median, &unit);
    bc_json_int(j, "reps", (int64_t)st->reps);
    bc_json_num(j, "median_us", st->median * 1e6);
    bc_json_num(j, "min_us", st->min * 1e6);
    bc_json_num(j, "max_us", st->max * 1e6);
    bc_json_num(j, "rate", rate);
    bc_json_str(j, "rate_unit", unit);
}

/* ---- option helpers ---------------------------------------------------- */

/* Whether `name` is in the comma-separated `list` (NULL list: everything).
   An item ending in '*' matches every name it is a prefix of. */
static inline int bc_list_has(const char *list, const char *name)
{
    if (!list)
        return 1;
    size_t n = strlen(name);
    const char *p = list;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0)
            return 1;
        if (len > 0 && p[len - 1] == '*' && len - 1 <= n && strncmp(p, name, len - 1) == 0)
            return 1;
        if (!e)
            break;
        p = e + 1;
    }
    return 0;
}

#endif
