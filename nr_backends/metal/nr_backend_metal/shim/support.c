/* The grid runner of the MSL shim: executes a kernel's work-items over a 3-D grid on the host.
 *
 * Barrier-free kernels run as a plain loop over every work-item. Kernels with barriers run one work-group at
 * a time, each work-item of the group on its own thread, all meeting at a pthread barrier (the kernel's
 * threadgroup_barrier and the end of each group), so threadgroup memory (statics in the shim) is shared by
 * exactly the items of one group.
 */
#include <pthread.h>
#include <stdlib.h>

typedef struct { unsigned x, y, z; } u3;
typedef void (*item_fn)(void **args, u3 gid, u3 lid, u3 grp);

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int go, abort;
} gate;

typedef struct {
    item_fn fn;
    void **args;
    long groups[3], local[3];
    u3 lid;
    pthread_barrier_t *barrier;
    gate *start;
} worker;

static __thread pthread_barrier_t *current_barrier;

void nr_shim_barrier(void) {
    if (current_barrier) pthread_barrier_wait(current_barrier);
}

static void *run_worker(void *p) {
    worker *w = (worker *)p;
    pthread_mutex_lock(&w->start->lock);
    while (!w->start->go) pthread_cond_wait(&w->start->cond, &w->start->lock);
    int abort = w->start->abort;
    pthread_mutex_unlock(&w->start->lock);
    if (abort) return NULL;
    current_barrier = w->barrier;
    for (long gz = 0; gz < w->groups[2]; ++gz)
        for (long gy = 0; gy < w->groups[1]; ++gy)
            for (long gx = 0; gx < w->groups[0]; ++gx) {
                u3 grp = {(unsigned)gx, (unsigned)gy, (unsigned)gz};
                u3 gid = {(unsigned)(gx * w->local[0] + w->lid.x), (unsigned)(gy * w->local[1] + w->lid.y),
                          (unsigned)(gz * w->local[2] + w->lid.z)};
                w->fn(w->args, gid, w->lid, grp);
                pthread_barrier_wait(w->barrier); /* the group's memory is reused by the next group */
            }
    return NULL;
}

/* Returns 0, or -1 when threads could not be started. */
int nr_shim_run(item_fn fn, void **args, long gx, long gy, long gz, long lx, long ly, long lz, int barriers) {
    long groups[3] = {gx / lx, gy / ly, gz / lz}, local[3] = {lx, ly, lz};
    if (!barriers) {
        for (long z = 0; z < gz; ++z)
            for (long y = 0; y < gy; ++y)
                for (long x = 0; x < gx; ++x) {
                    u3 gid = {(unsigned)x, (unsigned)y, (unsigned)z};
                    u3 lid = {(unsigned)(x % lx), (unsigned)(y % ly), (unsigned)(z % lz)};
                    u3 grp = {(unsigned)(x / lx), (unsigned)(y / ly), (unsigned)(z / lz)};
                    fn(args, gid, lid, grp);
                }
        return 0;
    }
    long n = lx * ly * lz;
    pthread_barrier_t barrier;
    gate start = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};
    if (pthread_barrier_init(&barrier, NULL, (unsigned)n)) return -1;
    worker *ws = calloc((size_t)n, sizeof(worker));
    pthread_t *ts = calloc((size_t)n, sizeof(pthread_t));
    int rc = (ws && ts) ? 0 : -1;
    long started = 0;
    for (long i = 0; rc == 0 && i < n; ++i) {
        worker *w = &ws[i];
        w->fn = fn; w->args = args; w->barrier = &barrier; w->start = &start;
        for (int k = 0; k < 3; ++k) { w->groups[k] = groups[k]; w->local[k] = local[k]; }
        w->lid.x = (unsigned)(i % lx); w->lid.y = (unsigned)((i / lx) % ly); w->lid.z = (unsigned)(i / (lx * ly));
        if (pthread_create(&ts[i], NULL, run_worker, w)) rc = -1; else ++started;
    }
    /* every item waits at the gate until all have started: if one could not, none enters the barrier
       (which would wait forever for the missing one) */
    pthread_mutex_lock(&start.lock);
    start.go = 1;
    start.abort = rc != 0;
    pthread_cond_broadcast(&start.cond);
    pthread_mutex_unlock(&start.lock);
    for (long i = 0; i < started; ++i) pthread_join(ts[i], NULL);
    pthread_barrier_destroy(&barrier);
    free(ws);
    free(ts);
    return rc;
}
