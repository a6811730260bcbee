/*
 * test_threadpool.c -- the persistent pool: every thread runs each task once,
 * the barrier orders phases, and many back-to-back runs neither hang nor lose
 * work, for 1 to 4 threads.
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

int main(void) {
    RUN(test_pool);
    return harness_finish();
}
