/*
 * threadpool.c -- persistent workers, one wake-up per run, spin barrier.
 */
#include "core/threadpool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#else
#define cpu_relax() ((void)0)
#endif

enum { SPIN_BEFORE_YIELD = 2000, SPIN_BEFORE_SLEEP = 200000 };

struct bd_threadpool {
    int n;
    pthread_t *threads;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    atomic_uint generation; /* bumped for each run */
    atomic_int n_done;      /* workers finished with the current run */
    atomic_int arrived;     /* barrier */
    atomic_uint phase;
    atomic_bool quit;
    bd_task_fn fn;
    void *ctx;
};

typedef struct worker_arg {
    bd_threadpool *pool;
    int ith;
} worker_arg;

static void *worker(void *p) {
    worker_arg *arg = p;
    bd_threadpool *pool = arg->pool;
    int ith = arg->ith;
    free(arg);
    unsigned seen = 0;
    for (;;) {
        /* Spin a while for the next run, then sleep. */
        unsigned gen;
        int spins = 0;
        while ((gen = atomic_load_explicit(&pool->generation, memory_order_acquire)) == seen &&
               !atomic_load(&pool->quit) && spins < SPIN_BEFORE_SLEEP) {
            if (++spins % SPIN_BEFORE_YIELD == 0) sched_yield();
            cpu_relax();
        }
        if (gen == seen && !atomic_load(&pool->quit)) {
            pthread_mutex_lock(&pool->mu);
            while ((gen = atomic_load(&pool->generation)) == seen && !atomic_load(&pool->quit))
                pthread_cond_wait(&pool->cv, &pool->mu);
            pthread_mutex_unlock(&pool->mu);
        }
        if (atomic_load(&pool->quit)) return NULL;
        seen = gen;
        pool->fn(pool->ctx, ith, pool->n);
        atomic_fetch_add_explicit(&pool->n_done, 1, memory_order_release);
    }
}

bd_status bd_threadpool_create(int n_threads, bd_threadpool **out) {
    if (n_threads < 1 || n_threads > 256 || !out) return BD_ERR_INVALID_ARG;
    bd_threadpool *pool = calloc(1, sizeof *pool);
    if (!pool) return BD_ERR_NO_MEMORY;
    pool->n = n_threads;
    pthread_mutex_init(&pool->mu, NULL);
    pthread_cond_init(&pool->cv, NULL);
    atomic_init(&pool->generation, 0);
    atomic_init(&pool->n_done, 0);
    atomic_init(&pool->arrived, 0);
    atomic_init(&pool->phase, 0);
    atomic_init(&pool->quit, false);
    if (n_threads > 1) {
        pool->threads = calloc((size_t)n_threads - 1, sizeof(pthread_t));
        if (!pool->threads) goto fail;
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
fail:
    pthread_mutex_destroy(&pool->mu);
    pthread_cond_destroy(&pool->cv);
    free(pool);
    return BD_ERR_NO_MEMORY;
}

void bd_threadpool_free(bd_threadpool *pool) {
    if (!pool) return;
    pthread_mutex_lock(&pool->mu);
    atomic_store(&pool->quit, true);
    pthread_cond_broadcast(&pool->cv);
    pthread_mutex_unlock(&pool->mu);
    for (int i = 1; i < pool->n; i++) pthread_join(pool->threads[i - 1], NULL);
    pthread_mutex_destroy(&pool->mu);
    pthread_cond_destroy(&pool->cv);
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
    pthread_mutex_lock(&pool->mu);
    atomic_fetch_add_explicit(&pool->generation, 1, memory_order_release);
    pthread_cond_broadcast(&pool->cv);
    pthread_mutex_unlock(&pool->mu);
    fn(ctx, 0, pool->n);
    int spins = 0;
    while (atomic_load_explicit(&pool->n_done, memory_order_acquire) < pool->n - 1) {
        if (++spins % SPIN_BEFORE_YIELD == 0) sched_yield();
        cpu_relax();
    }
}

void bd_threadpool_barrier(bd_threadpool *pool) {
    if (pool->n == 1) return;
    unsigned phase = atomic_load_explicit(&pool->phase, memory_order_acquire);
    if (atomic_fetch_add_explicit(&pool->arrived, 1, memory_order_acq_rel) == pool->n - 1) {
        atomic_store_explicit(&pool->arrived, 0, memory_order_relaxed);
        atomic_fetch_add_explicit(&pool->phase, 1, memory_order_release);
        return;
    }
    int spins = 0;
    while (atomic_load_explicit(&pool->phase, memory_order_acquire) == phase) {
        if (++spins % SPIN_BEFORE_YIELD == 0) sched_yield();
        cpu_relax();
    }
}
