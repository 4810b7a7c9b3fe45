/*
 * Ballotchain native backend: the thread runner of the *_many functions (pthreads; one thread
 * without them). Each job gets a contiguous range of the items and its own scratch space.
 */
#include "bc_internal.h"

#ifdef BC_HAVE_PTHREADS
#include <pthread.h>
#endif

typedef struct {
    bc_job_fn fn;
    void *ctx;
    size_t start, end;
    int status;
} bc_job;

#ifdef BC_HAVE_PTHREADS
static void *job_main(void *arg) {
    bc_job *job = (bc_job *)arg;
    job->status = job->fn(job->ctx, job->start, job->end);
    return NULL;
}
#endif

/* Run fn over [0, count) split into up to nthreads contiguous chunks. */
int run_jobs(bc_job_fn fn, void *ctx, size_t count, int nthreads) {
    size_t nt, i, per, extra, pos;
    bc_job *jobs;
#ifdef BC_HAVE_PTHREADS
    pthread_t *tids;
    int *started;
#endif
    int status = BC_OK;

    if (nthreads < 1 || nthreads > BC_MAX_THREADS) return BC_EINVAL;
    nt = (size_t)nthreads;
    if (nt > count) nt = count;
    if (nt <= 1) return fn(ctx, 0, count);
#ifndef BC_HAVE_PTHREADS
    return fn(ctx, 0, count);
#else
    jobs = calloc(nt, sizeof(bc_job));
    tids = calloc(nt, sizeof(pthread_t));
    started = calloc(nt, sizeof(int));
    if (jobs == NULL || tids == NULL || started == NULL) {
        free(jobs);
        free(tids);
        free(started);
        return fn(ctx, 0, count);
    }
    per = count / nt;
    extra = count % nt;
    pos = 0;
    for (i = 0; i < nt; i++) {
        size_t len = per + (i < extra ? 1 : 0);
        jobs[i].fn = fn;
        jobs[i].ctx = ctx;
        jobs[i].start = pos;
        jobs[i].end = pos + len;
        jobs[i].status = BC_OK;
        pos += len;
    }
    for (i = 1; i < nt; i++) {
        started[i] = pthread_create(&tids[i], NULL, job_main, &jobs[i]) == 0;
    }
    jobs[0].status = fn(ctx, jobs[0].start, jobs[0].end);
    for (i = 1; i < nt; i++) {
        if (started[i]) {
            pthread_join(tids[i], NULL);
        } else {
            jobs[i].status = fn(ctx, jobs[i].start, jobs[i].end); /* could not start: run here */
        }
    }
    for (i = 0; i < nt; i++) {
        if (jobs[i].status != BC_OK && status == BC_OK) status = jobs[i].status;
    }
    free(jobs);
    free(tids);
    free(started);
    return status;
#endif
}
