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
 *
 * Jobs (dynamic tile claiming): each step's tiles are split into one home range
 * per thread (the static split, for cache locality) with a claim counter each;
 * a thread claims its own range first, then steals what is left of the others.
 * Each thread also counts the tiles it finished. Counters are 64-bit words
 * holding (epoch << 32 | count), where the epoch is the pool generation of the
 * run. A counter still tagged with an older epoch counts
 * as 0, so nothing is reset between runs; a counter tagged with a newer epoch
 * tells a late worker that its run is over, and it leaves without touching
 * anything. A tile is claimed with a compare-and-swap that checks the epoch, so
 * a late worker can never claim (and run) a tile of a finished run. A step is
 * complete when the threads' done counts sum to its tiles; threads waiting for
 * that spin, then sleep on `progress` (see wait_step). The caller returns when
 * the last step is done and never waits for a worker that has no tile.
 *
 * A worker reads the run's description (job or fn/ctx) between two reads of
 * `generation` and retries if it changed (a seqlock), so it never mixes the
 * description of two runs.
 */
#define _GNU_SOURCE /* syscall() */
#include "core/threadpool.h"

#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
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

struct bd_job {
    int n_steps;
    int n_homes;          /* threads the tiles are first divided between */
    int *n_tiles;         /* [n_steps] */
    size_t row;           /* words per thread row below (a multiple of 8: 64 bytes) */
    /* [n_homes][row], 64-byte aligned; word s of row h counts step s:
     * claimed: tiles handed out from home range h (epoch << 32 | count);
     * done: tiles that thread h finished (any range). A thread touches its own
     * rows except when it steals, so the common case bounces no cache line. */
    _Atomic uint64_t *claimed, *done;
    bd_tile_fn tile;
    bd_step_done_fn step_done;
    void *ctx;
};

struct bd_threadpool {
    int n;
    pthread_t *threads;
    atomic_uint generation; /* bumped for each run; workers wait on it */
    atomic_uint n_done;     /* workers finished with the current run; the caller waits */
    atomic_uint arrived;    /* barrier count */
    atomic_uint phase;      /* barrier generation; barrier waiters wait on it */
    atomic_uint progress;   /* bumped when a job step completes; step waiters wait on it */
    atomic_uint sleepers;   /* threads asleep (or about to be) on any word */
    atomic_bool quit;
    /* The current run: a job, or fn/ctx run by every thread (job == NULL). */
    _Atomic(bd_job *) job;
    _Atomic(bd_task_fn) fn;
    _Atomic(void *) ctx;
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

/* Is epoch a later than epoch b (modulo 2^32)? */
static bool epoch_after(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }

enum { EXHAUSTED = -1, STALE = -2 };

/* Claims the next tile of a step in run `epoch`: its index, EXHAUSTED when all
 * were handed out, STALE when a later run owns the counter. */
static int claim(_Atomic uint64_t *ctr, uint32_t epoch, int n_tiles) {
    uint64_t c = atomic_load_explicit(ctr, memory_order_relaxed);
    for (;;) {
        uint32_t ep = (uint32_t)(c >> 32), k = (uint32_t)c;
        if (ep != epoch) {
            if (epoch_after(ep, epoch)) return STALE;
            k = 0; /* left over from an earlier run */
        }
        if (k >= (uint32_t)n_tiles) return EXHAUSTED;
        uint64_t next = (uint64_t)epoch << 32 | (k + 1);
        if (atomic_compare_exchange_weak(ctr, &c, next)) return (int)k;
    }
}

/* Counts one finished tile in the thread's own word (a compare-and-swap all the
 * same, in case a pool larger than the job shares homes; uncontended, it stays
 * in the thread's cache). */
static void finish(_Atomic uint64_t *ctr, uint32_t epoch) {
    uint64_t c = atomic_load_explicit(ctr, memory_order_relaxed);
    for (;;) {
        uint32_t k = (uint32_t)(c >> 32) == epoch ? (uint32_t)c : 0;
        if (atomic_compare_exchange_weak(ctr, &c, (uint64_t)epoch << 32 | (k + 1))) return;
    }
}

enum { DONE = 1, NOT_DONE = 0, OVER = -1 };

/* Is step s of run `epoch` complete (the threads' done counts sum to its tiles)?
 * OVER when a later run already owns a counter. */
static int step_state(const bd_job *job, int s, uint32_t epoch) {
    uint32_t sum = 0;
    for (int h = 0; h < job->n_homes; h++) {
        uint64_t c = atomic_load(&job->done[(size_t)h * job->row + s]);
        uint32_t ep = (uint32_t)(c >> 32);
        if (ep == epoch) sum += (uint32_t)c;
        else if (epoch_after(ep, epoch)) return OVER;
    }
    return sum >= (uint32_t)job->n_tiles[s] ? DONE : NOT_DONE;
}

/* Waits until step s of run `epoch` is complete; false if the run is already
 * over. Spins, then sleeps on `progress`. Lost wake-ups: the sleeper counts itself
 * in `sleepers` and then re-checks the step; a finisher stores its count and then
 * reads `sleepers` (all sequentially consistent), so either the sleeper sees the
 * last count or the last finisher sees the sleeper and bumps `progress`. */
static bool wait_step(bd_threadpool *pool, const bd_job *job, int s, uint32_t epoch) {
    for (int spins = 0;; spins++) {
        unsigned seen = atomic_load(&pool->progress);
        int st = step_state(job, s, epoch);
        if (st != NOT_DONE) return st == DONE;
        if (spins < SPIN_LIMIT) {
            cpu_relax();
            continue;
        }
        atomic_fetch_add(&pool->sleepers, 1);
#if defined(__linux__)
        if (step_state(job, s, epoch) == NOT_DONE && atomic_load(&pool->progress) == seen)
            syscall(SYS_futex, (unsigned *)&pool->progress, FUTEX_WAIT_PRIVATE, seen, NULL, NULL,
                    0);
#else
        if (step_state(job, s, epoch) == NOT_DONE) sched_yield();
#endif
        atomic_fetch_sub(&pool->sleepers, 1);
    }
}

/* One thread's part of a job run. Step s's tiles are divided into n_homes ranges
 * like a static split (thread h's range [T*h/n, T*(h+1)/n)), so consecutive ops
 * find their rows in the cache of the core that wrote them; a thread that has
 * finished its own range takes the tiles still unclaimed in the others' (in
 * order), so a descheduled thread's share is done by the rest. Then it waits for
 * the step to complete and moves on. The caller also reports each step. */
static void job_work(bd_threadpool *pool, bd_job *job, int ith, uint32_t epoch, bool caller) {
    const int nh = job->n_homes, home = ith % nh;
    for (int s = 0; s < job->n_steps; s++) {
        const int n = job->n_tiles[s];
        for (int k = 0; k < nh; k++) {
            const int h = (home + k) % nh, lo = (int)((int64_t)n * h / nh);
            const int cnt = (int)((int64_t)n * (h + 1) / nh) - lo;
            int t;
            while ((t = claim(&job->claimed[(size_t)h * job->row + s], epoch, cnt)) >= 0) {
                job->tile(job->ctx, s, lo + t, n, ith);
                finish(&job->done[(size_t)home * job->row + s], epoch);
                /* the last finisher wakes the sleepers (see wait_step) */
                if (atomic_load(&pool->sleepers) > 0 && step_state(job, s, epoch) == DONE) {
                    atomic_fetch_add(&pool->progress, 1);
                    wake_all(pool, &pool->progress);
                }
            }
            if (t == STALE) return;
        }
        if (!wait_step(pool, job, s, epoch)) return;
        if (caller && job->step_done) job->step_done(job->ctx, s);
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
        unsigned gen = atomic_load(&pool->generation);
        if (atomic_load(&pool->quit)) return NULL;
        bd_job *job = atomic_load(&pool->job);
        bd_task_fn fn = atomic_load(&pool->fn);
        void *ctx = atomic_load(&pool->ctx);
        seen = gen;
        if (atomic_load(&pool->generation) != gen) continue; /* torn: take the newer run */
        if (job) {
            job_work(pool, job, ith, gen, false);
        } else {
            /* Every thread must take part (barriers), so the caller waits for all
             * workers and the generation cannot move on before this one is done. */
            fn(ctx, ith, pool->n);
            atomic_fetch_add(&pool->n_done, 1);
            wake_all(pool, &pool->n_done);
        }
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
    atomic_init(&pool->progress, 0);
    atomic_init(&pool->sleepers, 0);
    atomic_init(&pool->quit, false);
    atomic_init(&pool->job, NULL);
    atomic_init(&pool->fn, NULL);
    atomic_init(&pool->ctx, NULL);
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
    atomic_store(&pool->job, NULL);
    atomic_store(&pool->fn, fn);
    atomic_store(&pool->ctx, ctx);
    atomic_store(&pool->n_done, 0);
    atomic_fetch_add(&pool->generation, 1); /* publishes fn and ctx */
    wake_all(pool, &pool->generation);
    fn(ctx, 0, pool->n);
    for (unsigned done; (done = atomic_load(&pool->n_done)) < (unsigned)pool->n - 1;)
        wait_change(pool, &pool->n_done, done);
}

bd_status bd_job_create(int n_steps, const int *n_tiles, int n_threads, bd_tile_fn tile,
                        bd_step_done_fn done, void *ctx, bd_job **out) {
    if (n_steps < 1 || !n_tiles || n_threads < 1 || n_threads > 256 || !tile || !out)
        return BD_ERR_INVALID_ARG;
    for (int s = 0; s < n_steps; s++)
        if (n_tiles[s] < 1) return BD_ERR_INVALID_ARG;
    bd_job *job = calloc(1, sizeof *job);
    if (!job) return BD_ERR_NO_MEMORY;
    job->n_homes = n_threads;
    job->row = ((size_t)n_steps + 7) / 8 * 8;
    const size_t words = job->row * (size_t)n_threads;
    job->n_tiles = malloc((size_t)n_steps * sizeof *job->n_tiles);
    job->claimed = bd_aligned_alloc(words * sizeof *job->claimed);
    job->done = bd_aligned_alloc(words * sizeof *job->done);
    if (!job->n_tiles || !job->claimed || !job->done) {
        bd_job_free(job);
        return BD_ERR_NO_MEMORY;
    }
    for (int s = 0; s < n_steps; s++) job->n_tiles[s] = n_tiles[s];
    for (size_t i = 0; i < words; i++) { /* epoch 0: older than every run */
        atomic_init(&job->claimed[i], 0);
        atomic_init(&job->done[i], 0);
    }
    job->n_steps = n_steps;
    job->tile = tile;
    job->step_done = done;
    job->ctx = ctx;
    *out = job;
    return BD_OK;
}

void bd_job_free(bd_job *job) {
    if (!job) return;
    free(job->n_tiles);
    bd_aligned_free(job->claimed);
    bd_aligned_free(job->done);
    free(job);
}

void bd_threadpool_run_job(bd_threadpool *pool, bd_job *job) {
    if (pool->n == 1) { /* no atomics: the caller runs every tile in order */
        for (int s = 0; s < job->n_steps; s++) {
            for (int t = 0; t < job->n_tiles[s]; t++)
                job->tile(job->ctx, s, t, job->n_tiles[s], 0);
            if (job->step_done) job->step_done(job->ctx, s);
        }
        return;
    }
    atomic_store(&pool->job, job);
    uint32_t epoch = atomic_fetch_add(&pool->generation, 1) + 1; /* publishes the job */
    wake_all(pool, &pool->generation);
    job_work(pool, job, 0, epoch, true);
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
