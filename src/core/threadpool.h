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
 *
 * bd_threadpool_run_job() is the contention-robust alternative (issue 4): a job
 * is a sequence of steps, each cut into tiles. Every thread (the caller
 * included) claims tiles of the current step from atomic counters (its own share
 * first, then whatever the others have not claimed) until none remain, then waits until the step's tiles are all *done* (not until every
 * thread has arrived) before it moves to the next step. A thread that the OS
 * descheduled therefore stalls nobody: the others take its tiles, and the caller
 * returns when the last step is done, without waiting for late workers.
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

/* One tile of one step: must compute the same thing whoever runs it. `thread`
 * (0 .. the pool's size - 1, the caller 0) says which thread runs it, for
 * per-thread scratch: no two tiles run on one thread at the same time. */
typedef void (*bd_tile_fn)(void *ctx, int step, int tile, int n_tiles, int thread);
/* Called on the caller's thread once step `step` is complete (may be NULL). */
typedef void (*bd_step_done_fn)(void *ctx, int step);

typedef struct bd_job bd_job;

/* Creates a job of n_steps >= 1 steps; step s has n_tiles[s] >= 1 tiles (copied),
 * first divided between n_threads threads (the pool's size) as home ranges.
 * ctx is retained. The job holds the claim counters, so it is created once (at
 * session creation) and reused by every run. */
bd_status bd_job_create(int n_steps, const int *n_tiles, int n_threads, bd_tile_fn tile,
                        bd_step_done_fn done, void *ctx, bd_job **out);
/* Frees a job (NULL allowed). A job that ran on a pool must outlive that pool's
 * runs: free the pool first (late workers may still read the counters). */
void bd_job_free(bd_job *job);
/* Runs every tile of every step, step by step; returns when the last step is done.
 * No allocation, no thread creation. */
void bd_threadpool_run_job(bd_threadpool *pool, bd_job *job);

#endif /* BD_THREADPOOL_H */
