/*
 * threadpool.c -- persistent workers, one wake-up per run, barrier between ops.
 *
 * Every wait (a worker waiting for the next run, a thread waiting at a barrier,
 * the caller waiting for the workers to finish) spins briefly and then sleeps:
 * on Linux on a futex on the very word it waits for, elsewhere with sched_yield.
 * Spinning keeps the idle-machine barrier at a few hundred nanoseconds; sleeping
 * keeps a busy machine (another process on a core) from turning every barrier
 * into a scheduler time slice, and keeps idle workers from burning a core
 * between video frames.
 *
 * Sleep/wake protocol (no lost wake-up): a sleeper increments `sleepers`, then
 * futex-waits while the word still holds the value it saw; a waker changes the
 * word, then wakes if `sleepers` is non-zero. Both sides use sequentially
 * consistent atomics, so either the waker sees the sleeper or the sleeper sees
 * the new value (the futex re-checks it atomically in the kernel).
 */
#define _GNU_SOURCE /* syscall() */
#include "core/threadpool.h"

#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#else
#define cpu_relax() ((void)0)
#endif

/* Spin iterations (each a pause, ~10-40 ns) before sleeping. */
enum { SPIN_LIMIT = 4000 };

struct bd_threadpool {
    int n;
    pthread_t *threads;
    atomic_uint generation; /* bumped for each run; workers wait on it */
    atomic_uint n_done;     /* workers finished with the current run; the caller waits */
    atomic_uint arrived;    /* barrier count */
    atomic_uint phase;      /* barrier generation; barrier waiters wait on it */
    atomic_uint sleepers;   /* threads asleep (or about to be) on any word */
    atomic_bool quit;
    bd_task_fn fn;
    void *ctx;
};

typedef struct worker_arg {
    bd_threadpool *pool;
    int ith;
} worker_arg;

/* Sleeps while *word == seen (returns at once if it already changed). */
static void sleep_on(bd_threadpool *pool, atomic_uint *word, unsigned seen) {
    atomic_fetch_add(&pool->sleepers, 1);
#if defined(__linux__)
    if (atomic_load(word) == seen)
        syscall(SYS_futex, (unsigned *)word, FUTEX_WAIT_PRIVATE, seen, NULL, NULL, 0);
#else
    if (atomic_load(word) == seen) sched_yield();
#endif
    atomic_fetch_sub(&pool->sleepers, 1);
}

/* Wakes every thread sleeping on `word` (after the caller changed it). */
static void wake_all(bd_threadpool *pool, atomic_uint *word) {
#if defined(__linux__)
    if (atomic_load(&pool->sleepers) > 0)
        syscall(SYS_futex, (unsigned *)word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
#else
    (void)pool;
    (void)word;
#endif
}

/* Waits until *word != seen: spin, then sleep. */
static void wait_change(bd_threadpool *pool, atomic_uint *word, unsigned seen) {
    for (int spins = 0; atomic_load_explicit(word, memory_order_acquire) == seen; spins++) {
        if (spins < SPIN_LIMIT)
            cpu_relax();
        else
            sleep_on(pool, word, seen);
    }
}

static void *worker(void *p) {
    worker_arg *arg = p;
    bd_threadpool *pool = arg->pool;
    int ith = arg->ith;
    free(arg);
    unsigned seen = 0;
    for (;;) {
        wait_change(pool, &pool->generation, seen);
        seen = atomic_load(&pool->generation);
        if (atomic_load(&pool->quit)) return NULL;
        pool->fn(pool->ctx, ith, pool->n);
        atomic_fetch_add(&pool->n_done, 1);
        wake_all(pool, &pool->n_done);
    }
}

bd_status bd_threadpool_create(int n_threads, bd_threadpool **out) {
    if (n_threads < 1 || n_threads > 256 || !out) return BD_ERR_INVALID_ARG;
    bd_threadpool *pool = calloc(1, sizeof *pool);
    if (!pool) return BD_ERR_NO_MEMORY;
    pool->n = n_threads;
    atomic_init(&pool->generation, 0);
    atomic_init(&pool->n_done, 0);
    atomic_init(&pool->arrived, 0);
    atomic_init(&pool->phase, 0);
    atomic_init(&pool->sleepers, 0);
    atomic_init(&pool->quit, false);
    if (n_threads > 1) {
        pool->threads = calloc((size_t)n_threads - 1, sizeof(pthread_t));
        if (!pool->threads) {
            free(pool);
            return BD_ERR_NO_MEMORY;
        }
    }
    for (int i = 1; i < n_threads; i++) {
        worker_arg *arg = malloc(sizeof *arg);
        if (arg) {
            arg->pool = pool;
            arg->ith = i;
        }
        if (!arg || pthread_create(&pool->threads[i - 1], NULL, worker, arg) != 0) {
            free(arg);
            pool->n = i; /* threads 1..i-1 exist: stop and join them */
            bd_threadpool_free(pool);
            return BD_ERR_NO_MEMORY;
        }
    }
    *out = pool;
    return BD_OK;
}

void bd_threadpool_free(bd_threadpool *pool) {
    if (!pool) return;
    atomic_store(&pool->quit, true);
    atomic_fetch_add(&pool->generation, 1);
    atomic_fetch_add(&pool->sleepers, 1); /* force the wake-up syscall */
    wake_all(pool, &pool->generation);
    for (int i = 1; i < pool->n; i++) pthread_join(pool->threads[i - 1], NULL);
    free(pool->threads);
    free(pool);
}

int bd_threadpool_size(const bd_threadpool *pool) { return pool->n; }

void bd_threadpool_run(bd_threadpool *pool, bd_task_fn fn, void *ctx) {
    if (pool->n == 1) {
        fn(ctx, 0, 1);
        return;
    }
    pool->fn = fn;
    pool->ctx = ctx;
    atomic_store(&pool->n_done, 0);
    atomic_fetch_add(&pool->generation, 1); /* publishes fn and ctx */
    wake_all(pool, &pool->generation);
    fn(ctx, 0, pool->n);
    for (unsigned done; (done = atomic_load(&pool->n_done)) < (unsigned)pool->n - 1;)
        wait_change(pool, &pool->n_done, done);
}

void bd_threadpool_barrier(bd_threadpool *pool) {
    if (pool->n == 1) return;
    unsigned phase = atomic_load(&pool->phase);
    if (atomic_fetch_add(&pool->arrived, 1) == (unsigned)pool->n - 1) {
        atomic_store(&pool->arrived, 0);
        atomic_fetch_add(&pool->phase, 1);
        wake_all(pool, &pool->phase);
        return;
    }
    wait_change(pool, &pool->phase, phase);
}
