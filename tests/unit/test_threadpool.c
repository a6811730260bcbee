/*
 * test_threadpool.c -- the persistent pool: every thread runs each task once,
 * the barrier orders phases, and many back-to-back runs neither hang nor lose
 * work, for 1 to 4 threads. Jobs (dynamic tile claiming): every tile of every
 * step runs exactly once per run, a step starts only after the previous one is
 * complete, step_done comes once per step on the caller, with jobs and plain
 * runs interleaved on one pool, for 1 to 5 threads (more threads than cores).
 */
#include <stdatomic.h>

#include "core/threadpool.h"
#include "harness.h"

enum { PHASES = 10 };

typedef struct ctx {
    bd_threadpool *pool;
    atomic_int hits[8];
    atomic_int phase_count[PHASES];
    atomic_int order_errors;
} ctx;

static void task(void *p, int ith, int nth) {
    ctx *c = p;
    atomic_fetch_add(&c->hits[ith], 1);
    for (int ph = 0; ph < PHASES; ph++) {
        atomic_fetch_add(&c->phase_count[ph], 1);
        bd_threadpool_barrier(c->pool);
        /* after the barrier every thread must have arrived in this phase */
        if (atomic_load(&c->phase_count[ph]) % nth != 0) atomic_fetch_add(&c->order_errors, 1);
        bd_threadpool_barrier(c->pool);
    }
}

static void test_pool(void) {
    for (int n = 1; n <= 4; n++) {
        bd_threadpool *pool = NULL;
        CHECK(bd_threadpool_create(n, &pool) == BD_OK);
        if (!pool) continue;
        CHECK(bd_threadpool_size(pool) == n);
        ctx c;
        memset(&c, 0, sizeof c);
        c.pool = pool;
        const int runs = 50;
        for (int r = 0; r < runs; r++) bd_threadpool_run(pool, task, &c);
        for (int i = 0; i < n; i++)
            CHECK_MSG(atomic_load(&c.hits[i]) == runs, "n=%d thread %d ran %d times", n, i,
                      atomic_load(&c.hits[i]));
        for (int ph = 0; ph < PHASES; ph++) CHECK(atomic_load(&c.phase_count[ph]) == runs * n);
        CHECK(atomic_load(&c.order_errors) == 0);
        bd_threadpool_free(pool);
    }
    bd_threadpool *pool = NULL;
    CHECK(bd_threadpool_create(0, &pool) == BD_ERR_INVALID_ARG && pool == NULL);
    bd_threadpool_free(NULL);
}

enum { STEPS = 40, MAX_TILES = 37 };

typedef struct jctx {
    atomic_int runs_of[STEPS][MAX_TILES]; /* times each tile ran */
    atomic_int done_in_step[STEPS];       /* tiles of the step finished in this run */
    atomic_int order_errors;
    atomic_int thread_errors; /* thread index out of range, or one thread in two tiles */
    atomic_int busy[8];       /* per thread index: a tile is running on it */
    int n_threads;
    int steps_reported;
    int tiles[STEPS];
} jctx;

static void job_tile(void *p, int step, int tile, int n_tiles, int thread) {
    jctx *c = p;
    if (thread < 0 || thread >= c->n_threads || atomic_exchange(&c->busy[thread], 1)) {
        atomic_fetch_add(&c->thread_errors, 1);
        return;
    }
    if (n_tiles != c->tiles[step] || tile < 0 || tile >= n_tiles) {
        atomic_fetch_add(&c->order_errors, 1);
        atomic_store(&c->busy[thread], 0);
        return;
    }
    /* the previous step must be complete: all its tiles counted */
    if (step > 0 && atomic_load(&c->done_in_step[step - 1]) != c->tiles[step - 1])
        atomic_fetch_add(&c->order_errors, 1);
    volatile double x = 0; /* a little work of uneven length */
    for (int i = 0; i < (tile * 37 + step * 11) % 200; i++) x += i;
    atomic_fetch_add(&c->runs_of[step][tile], 1);
    atomic_store(&c->busy[thread], 0);
    atomic_fetch_add(&c->done_in_step[step], 1);
}

static void job_step_done(void *p, int step) {
    jctx *c = p;
    if (atomic_load(&c->done_in_step[step]) != c->tiles[step])
        atomic_fetch_add(&c->order_errors, 1);
    c->steps_reported++;
}

static void test_jobs(void) {
    for (int n = 1; n <= 5; n++) {
        bd_threadpool *pool = NULL;
        CHECK(bd_threadpool_create(n, &pool) == BD_OK);
        if (!pool) continue;
        static jctx c;
        memset(&c, 0, sizeof c);
        for (int s = 0; s < STEPS; s++) c.tiles[s] = 1 + (s * 7 + n) % MAX_TILES;
        c.n_threads = n;
        bd_job *job = NULL;
        CHECK(bd_job_create(STEPS, c.tiles, n, job_tile, job_step_done, &c, &job) == BD_OK);
        ctx plain;
        memset(&plain, 0, sizeof plain);
        plain.pool = pool;
        const int runs = 200;
        for (int r = 0; job && r < runs; r++) {
            for (int s = 0; s < STEPS; s++) atomic_store(&c.done_in_step[s], 0);
            bd_threadpool_run_job(pool, job);
            if (r % 50 == 0) bd_threadpool_run(pool, task, &plain); /* mixed kinds of run */
        }
        int wrong = 0;
        for (int s = 0; s < STEPS; s++)
            for (int t = 0; t < c.tiles[s]; t++) wrong += atomic_load(&c.runs_of[s][t]) != runs;
        CHECK_MSG(wrong == 0, "n=%d: %d tiles did not run exactly %d times", n, wrong, runs);
        CHECK_MSG(atomic_load(&c.order_errors) == 0, "n=%d: %d ordering errors", n,
                  atomic_load(&c.order_errors));
        CHECK_MSG(atomic_load(&c.thread_errors) == 0, "n=%d: %d tiles with a bad thread index",
                  n, atomic_load(&c.thread_errors));
        CHECK(c.steps_reported == runs * STEPS);
        CHECK(atomic_load(&plain.order_errors) == 0);
        bd_threadpool_free(pool); /* the pool first: late workers may read the job */
        bd_job_free(job);
    }
    int one = 1, zero = 0;
    bd_job *job = NULL;
    CHECK(bd_job_create(1, &zero, 1, job_tile, NULL, NULL, &job) == BD_ERR_INVALID_ARG);
    CHECK(bd_job_create(0, &one, 1, job_tile, NULL, NULL, &job) == BD_ERR_INVALID_ARG);
    CHECK(job == NULL);
    bd_job_free(NULL);
}

int main(void) {
    RUN(test_pool);
    RUN(test_jobs);
    return harness_finish();
}
