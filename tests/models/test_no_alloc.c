/*
 * test_no_alloc.c -- bd_session_run allocates nothing and starts no thread.
 *
 * The test executable defines malloc/calloc/realloc/free/aligned_alloc/
 * posix_memalign itself, counting calls and forwarding to glibc's __libc_*
 * functions, so every allocation the library makes is seen. After a warm-up
 * run, 20 runs with 1 and with 2 threads must make zero allocations, and the
 * process's thread count (/proc/self/task) must not change. Skipped under
 * AddressSanitizer, which owns malloc.
 */
#include <dirent.h>
#include <stddef.h>

#include "harness.h"
#include "backdrop.h"

#if defined(__SANITIZE_ADDRESS__)
#define BD_TEST_SKIP 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BD_TEST_SKIP 1
#endif
#endif

#ifndef BD_TEST_SKIP
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

static volatile long n_allocs;

void *malloc(size_t n) {
    n_allocs++;
    return __libc_malloc(n);
}
void *calloc(size_t a, size_t b) {
    n_allocs++;
    return __libc_calloc(a, b);
}
void *realloc(void *p, size_t n) {
    n_allocs++;
    return __libc_realloc(p, n);
}
void *aligned_alloc(size_t align, size_t n) {
    n_allocs++;
    return __libc_memalign(align, n);
}
int posix_memalign(void **out, size_t align, size_t n) {
    n_allocs++;
    void *p = __libc_memalign(align, n);
    if (!p) return 12; /* ENOMEM */
    *out = p;
    return 0;
}
void free(void *p) { __libc_free(p); }
#endif

static __attribute__((unused)) int thread_count(void) {
    DIR *d = opendir("/proc/self/task");
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

static void test_no_alloc(void) {
#ifdef BD_TEST_SKIP
    harness_skip("AddressSanitizer build: malloc belongs to the sanitizer");
#else
    char path[1024];
    const char *dir = harness_env_dir("BD_MODELS_DIR");
    const char *shared = harness_env_dir("BD_SHARED_DIR");
    if (dir) snprintf(path, sizeof path, "%s/selfie_segmentation.tflite", dir);
    else if (shared) snprintf(path, sizeof path, "%s/models/selfie_segmentation.tflite", shared);
    else {
        harness_skip_data("no model");
        return;
    }
    bd_model *m = NULL;
    CHECK(bd_model_create(NULL, &m) == BD_OK);
    if (bd_model_load_file(m, path) != BD_OK) {
        harness_skip_data("cannot load %s: %s", path, bd_model_last_error(m));
        bd_model_free(m);
        return;
    }
    for (int t = 1; t <= 2; t++) {
        bd_session_options so;
        bd_session_options_default(&so);
        so.n_threads = t;
        bd_session *s = NULL;
        CHECK(bd_session_create(m, &so, &s) == BD_OK);
        float *in;
        size_t n;
        CHECK(bd_session_input(s, 0, &in, &n) == BD_OK);
        for (size_t i = 0; i < n; i++) in[i] = (float)(i % 255) / 255.0f;
        CHECK(bd_session_run(s) == BD_OK); /* warm-up */
        int threads = thread_count();
        long before = n_allocs;
        for (int r = 0; r < 20; r++) CHECK(bd_session_run(s) == BD_OK);
        long made = n_allocs - before;
        printf("threads=%d: %ld allocations in 20 runs, %d OS threads\n", t, made, threads);
        CHECK_MSG(made == 0, "%ld allocations during bd_session_run (threads=%d)", made, t);
        CHECK_MSG(thread_count() == threads, "thread count changed during runs");
        CHECK(threads == t); /* the pool made exactly t-1 workers */
        bd_session_free(s);
    }
    bd_model_free(m);
#endif
}

/* A recurrent model: carrying the state (and resetting it) allocates nothing. */
static void test_no_alloc_recurrent(void) {
#ifdef BD_TEST_SKIP
    harness_skip("AddressSanitizer build: malloc belongs to the sanitizer");
#else
    char path[1024];
    const char *src = harness_env_dir("BD_SOURCE_DIR");
    if (!src) {
        harness_skip_data("no BD_SOURCE_DIR");
        return;
    }
    snprintf(path, sizeof path, "%s/tests/data/onnx/recurrent_gru.onnx", src);
    bd_model *m = NULL;
    CHECK(bd_model_create(NULL, &m) == BD_OK);
    CHECK(bd_model_load_file(m, path) == BD_OK);
    bd_session *s = NULL;
    CHECK(bd_session_create(m, NULL, &s) == BD_OK);
    if (s) {
        CHECK(bd_session_n_state_pairs(s) == 1);
        CHECK(bd_session_run(s) == BD_OK); /* warm-up */
        long before = n_allocs;
        for (int r = 0; r < 20; r++) {
            CHECK(bd_session_run(s) == BD_OK);
            if (r == 10) CHECK(bd_session_reset_state(s) == BD_OK);
        }
        long made = n_allocs - before;
        CHECK_MSG(made == 0, "%ld allocations while carrying recurrent state", made);
    }
    bd_session_free(s);
    bd_model_free(m);
#endif
}

int main(void) {
    RUN(test_no_alloc);
    RUN(test_no_alloc_recurrent);
    return harness_finish();
}
