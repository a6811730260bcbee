/*
 * harness.h -- the in-house test harness: one header, included by exactly one
 * .c file per test executable.
 *
 *   #include "harness.h"
 *   static void test_something(void) {
 *       CHECK(1 + 1 == 2);
 *       CHECK_MSG(x == 3, "x = %d", x);
 *   }
 *   int main(void) {
 *       RUN(test_something);
 *       return harness_finish();  // prints "N passed, N failed"; nonzero on failure
 *   }
 *
 * CHECK / CHECK_MSG print file:line and the condition on failure, count the
 * result and carry on. Helpers: harness_read_file (whole file into memory),
 * harness_read_f32 / harness_expect_f32 (a float32 reference file of a known size),
 * harness_env_dir (a data directory from the environment, e.g. BD_SHARED_DIR,
 * NULL if unset or missing), harness_path (join), harness_skip (a part that
 * cannot run here, e.g. an ISA this CPU lacks: the test still passes) and
 * harness_skip_data (a part whose data is missing: the test then exits 77, which
 * ctest reports as skipped, unless a check failed). A test whose only results
 * are skips also exits 77.
 */
#ifndef BD_TEST_HARNESS_H
#define BD_TEST_HARNESS_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>

static int harness_passed, harness_failed, harness_skipped, harness_skipped_data;

static inline void harness_fail(const char *file, int line, const char *cond, const char *fmt,
                                ...) {
    harness_failed++;
    fprintf(stderr, "%s:%d: FAILED: %s", file, line, cond);
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        fputs(": ", stderr);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
    }
    fputc('\n', stderr);
}

#define CHECK(cond)                                                                           \
    do {                                                                                      \
        if (cond)                                                                             \
            harness_passed++;                                                                 \
        else                                                                                  \
            harness_fail(__FILE__, __LINE__, #cond, NULL);                                    \
    } while (0)

/* CHECK_MSG(cond, "fmt", args...): as CHECK, with a printf-style explanation. */
#define CHECK_MSG(cond, ...)                                                                  \
    do {                                                                                      \
        if (cond)                                                                             \
            harness_passed++;                                                                 \
        else                                                                                  \
            harness_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);                             \
    } while (0)

/* Runs one test function and prints its name with ok/FAIL. */
#define RUN(fn)                                                                               \
    do {                                                                                      \
        int harness_before_ = harness_failed;                                                 \
        fn();                                                                                 \
        printf("%s %s\n", harness_failed == harness_before_ ? "ok  " : "FAIL", #fn);          \
        fflush(stdout);                                                                       \
    } while (0)

/* Reports a skipped test or part ("skipped: why"). */
static inline void harness_skip(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    printf("skipped: ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    harness_skipped++;
}

/* Reports a part skipped for missing data (a model, a photo, reference outputs):
 * as harness_skip, and the test exits 77 (SKIP_RETURN_CODE) if nothing failed. */
#define harness_skip_data(...) (harness_skipped_data++, harness_skip(__VA_ARGS__))

/* Prints the summary; returns the exit status for main: 1 if a check failed,
 * else 77 (skipped) if data was missing or nothing but skips happened, else 0. */
static inline int harness_finish(void) {
    if (harness_skipped) printf("%d skipped\n", harness_skipped);
    printf("%d passed, %d failed\n", harness_passed, harness_failed);
    if (harness_failed) return 1;
    if (harness_skipped_data || (harness_skipped && !harness_passed)) return 77;
    return 0;
}

/* Reads a whole file into a malloc'd buffer (NUL-terminated for convenience,
 * the terminator not counted in *size). Returns NULL on any failure. */
static inline unsigned char *harness_read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    unsigned char *buf = NULL;
    long n;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
        goto fail;
    buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) goto fail;
    buf[n] = 0;
    fclose(f);
    if (size) *size = (size_t)n;
    return buf;
fail:
    free(buf);
    fclose(f);
    return NULL;
}

/* Reads a raw float32 file (host byte order: the *.f32 references the scripts
 * write) of exactly `want` values into a malloc'd array. Returns NULL if the file
 * cannot be read or has another size. have_bytes, if not NULL, gets the file's
 * size in bytes, or SIZE_MAX if it could not be read. */
static inline float *harness_read_f32(const char *path, size_t want, size_t *have_bytes) {
    size_t size = 0;
    unsigned char *d = harness_read_file(path, &size);
    if (have_bytes) *have_bytes = d ? size : SIZE_MAX;
    if (d && size == want * sizeof(float)) return (float *)d;
    free(d);
    return NULL;
}

/* As harness_read_f32 for data that must be there: a missing or wrongly sized
 * file is also a failed check naming it. */
static inline float *harness_expect_f32(const char *path, size_t want) {
    size_t have;
    float *d = harness_read_f32(path, want, &have);
    if (!d)
        harness_fail(__FILE__, __LINE__, "harness_expect_f32", "%s: %s (want %zu bytes, have %zu)",
                     path, have == SIZE_MAX ? "unreadable" : "wrong size", want * sizeof(float),
                     have == SIZE_MAX ? (size_t)0 : have);
    return d;
}

/* Writes size bytes to path; returns 0 on success. */
static inline int harness_write_file(const char *path, const void *data, size_t size) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t put = fwrite(data, 1, size, f);
    return (fclose(f) == 0 && put == size) ? 0 : -1;
}

/* The directory named by environment variable `var` (BD_SHARED_DIR,
 * BD_SOURCE_DIR, BD_MODELS_DIR...), or NULL if unset or not a directory. */
static inline const char *harness_env_dir(const char *var) {
    const char *d = getenv(var);
    struct stat sb;
    if (!d || !*d || stat(d, &sb) != 0 || !S_ISDIR(sb.st_mode)) return NULL;
    return d;
}

/* Joins dir + "/" + rel into buf (truncating); returns buf. */
static inline const char *harness_path(char *buf, size_t size, const char *dir, const char *rel) {
    snprintf(buf, size, "%s/%s", dir, rel);
    return buf;
}

/* Deterministic pseudo-random numbers for test data (xorshift32; seed != 0). */
static inline unsigned harness_rand(unsigned *state) {
    unsigned x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}


/* The shared reference directory ($BD_SHARED_DIR/testdata/reference) opened for
 * listing, its path in dir; NULL (the part skipped as missing data) when it is
 * not there. `what` names what the test wanted from it. */
static inline DIR *harness_reference_dir(char *dir, size_t size, const char *what) {
    const char *shared = harness_env_dir("BD_SHARED_DIR");
    if (!shared) {
        harness_skip_data("BD_SHARED_DIR not set: no %s", what);
        return NULL;
    }
    snprintf(dir, size, "%s/testdata/reference", shared);
    DIR *d = opendir(dir);
    if (!d) harness_skip_data("%s missing", dir);
    return d;
}

#endif /* BD_TEST_HARNESS_H */
