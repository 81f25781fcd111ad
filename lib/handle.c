/* Live-handle registry: an open-addressing hash set of pointers, guarded by a
   mutex. A lookup is a few loads, cheap next to any communication. */
#include "handle.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct { const void *p; int kind; } slot_t;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static slot_t *slots;
static size_t capacity, used, tombstones;
static const void *const TOMB = &TOMB;

static size_t hash(const void *p)
{
    uint64_t x = (uint64_t)(uintptr_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (size_t)x;
}

static slot_t *find(const void *p)
{
    if (!capacity) return NULL;
    for (size_t i = hash(p) & (capacity - 1);; i = (i + 1) & (capacity - 1)) {
        if (slots[i].p == p) return &slots[i];
        if (!slots[i].p) return NULL;
    }
}

static int grow(void)
{
    size_t ncap = capacity ? capacity * 2 : 64;
    while ((used + 1) * 2 > ncap) ncap *= 2;
    slot_t *ns = calloc(ncap, sizeof *ns);
    if (!ns) return -1;
    for (size_t i = 0; i < capacity; i++) {
        if (!slots[i].p || slots[i].p == TOMB) continue;
        size_t j = hash(slots[i].p) & (ncap - 1);
        while (ns[j].p) j = (j + 1) & (ncap - 1);
        ns[j] = slots[i];
    }
    free(slots);
    slots = ns;
    capacity = ncap;
    tombstones = 0;
    return 0;
}

int da_handle_add(const void *p, int kind)
{
    int rc = 0;
    pthread_mutex_lock(&lock);
    if ((used + tombstones + 1) * 2 > capacity && grow() != 0) {
        rc = -1;
    } else {
        size_t i = hash(p) & (capacity - 1);
        while (slots[i].p && slots[i].p != TOMB) i = (i + 1) & (capacity - 1);
        if (slots[i].p == TOMB) tombstones--;
        slots[i].p = p;
        slots[i].kind = kind;
        used++;
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

int da_handle_live(const void *p, int kind)
{
    if (!p) return 0;
    pthread_mutex_lock(&lock);
    slot_t *s = find(p);
    int live = s && s->kind == kind;
    pthread_mutex_unlock(&lock);
    return live;
}

void da_handle_remove(const void *p)
{
    pthread_mutex_lock(&lock);
    slot_t *s = find(p);
    if (s) {
        s->p = TOMB;
        used--;
        tombstones++;
    }
    pthread_mutex_unlock(&lock);
}
