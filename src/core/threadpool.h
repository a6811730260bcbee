/*
 * threadpool.h -- a persistent pool of worker threads for one session.
 *
 * bd_threadpool_run(fn) runs fn(ctx, ith, nth) on every thread (the caller is thread 0)
 * and returns when all are done: one wake-up per inference, not per op. Inside
 * fn, bd_threadpool_barrier() synchronises the threads between ops (a spinning,
 * sense-reversing barrier: a few hundred nanoseconds, where a condition variable
 * costs tens of microseconds). Workers spin briefly after a run, so back-to-back
 * inferences do not pay a sleep/wake; then they sleep on a condition variable.
 * Threads are created once, in bd_threadpool_create.
 */
#ifndef BD_THREADPOOL_H
#define BD_THREADPOOL_H

#include "core/core.h"

typedef struct bd_threadpool bd_threadpool;
typedef void (*bd_task_fn)(void *ctx, int ith, int nth);

/* n_threads >= 1 counts the caller; n_threads - 1 workers are started. */
bd_status bd_threadpool_create(int n_threads, bd_threadpool **out);
void bd_threadpool_free(bd_threadpool *pool);
int bd_threadpool_size(const bd_threadpool *pool);
void bd_threadpool_run(bd_threadpool *pool, bd_task_fn fn, void *ctx);
void bd_threadpool_barrier(bd_threadpool *pool);

#endif /* BD_THREADPOOL_H */
