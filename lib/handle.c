/* Live-handle registry: an open-addressing hash set of pointers. Adding and
   removing take a mutex; looking up takes none (it runs on every call, in
   the one-element latency path): slots are read with atomic loads, and a
   table replaced by a larger one is kept, never freed, so a reader still
   holding it reads valid memory (the tables sum to twice the last one). */
#include "handle.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct {
    const void *p; /* NULL: never used; TOMB: removed */
    int kind;
} slot_t;

typedef struct table {
    size_t capacity;
    struct table *older; /* retired tables, kept for late readers */
    slot_t slots[];
} table_t;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static table_t *current; /* read atomically */
static size_t used, tombstones;
static const char tomb_marker;
#define TOMB ((const void *)&tomb_marker)

static size_t hash(const void *p)
{
    uint64_t x = (uint64_t)(uintptr_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (size_t)x;
}

static slot_t *find(table_t *t, const void *p)
{
    if (!t) return NULL;
    for (size_t i = hash(p) & (t->capacity - 1);; i = (i + 1) & (t->capacity - 1)) {
        const void *q = __atomic_load_n(&t->slots[i].p, __ATOMIC_ACQUIRE);
        if (q == p) return &t->slots[i];
        if (!q) return NULL;
    }
}

static int grow(void)
{
    table_t *old = current;
    size_t ncap = old ? old->capacity * 2 : 64;
    while ((used + 1) * 2 > ncap) ncap *= 2;
    table_t *t = calloc(1, sizeof *t + ncap * sizeof(slot_t));
    if (!t) return -1;
    t->capacity = ncap;
    t->older = old;
    for (size_t i = 0; old && i < old->capacity; i++) {
        const void *p = old->slots[i].p;
        if (!p || p == TOMB) continue;
        size_t j = hash(p) & (ncap - 1);
        while (t->slots[j].p) j = (j + 1) & (ncap - 1);
        t->slots[j] = old->slots[i];
    }
    __atomic_store_n(&current, t, __ATOMIC_RELEASE);
    tombstones = 0;
    return 0;
}

int da_handle_add(const void *p, int kind)
{
    int rc = 0;
    pthread_mutex_lock(&lock);
    if ((!current || (used + tombstones + 1) * 2 > current->capacity) && grow() != 0) {
        rc = -1;
    } else {
        table_t *t = current;
        size_t i = hash(p) & (t->capacity - 1);
        while (t->slots[i].p && t->slots[i].p != TOMB) i = (i + 1) & (t->capacity - 1);
        if (t->slots[i].p == TOMB) tombstones--;
        t->slots[i].kind = kind;
        __atomic_store_n(&t->slots[i].p, p, __ATOMIC_RELEASE); /* kind first: a reader seeing p sees kind */
        used++;
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

int da_handle_live(const void *p, int kind)
{
    if (!p) return 0;
    slot_t *s = find(__atomic_load_n(&current, __ATOMIC_ACQUIRE), p);
    return s && s->kind == kind;
}

void da_handle_remove(const void *p)
{
    pthread_mutex_lock(&lock);
    slot_t *s = find(current, p);
    if (s) {
        __atomic_store_n(&s->p, TOMB, __ATOMIC_RELEASE);
        used--;
        tombstones++;
    }
    pthread_mutex_unlock(&lock);
}
