/*
 * test_pb_mutator.c -- the structure-aware ONNX mutator of the fuzz target
 * (tests/fuzz/targets/pb_mutator.c), without libFuzzer: every seed of
 * tests/fuzz/corpus/onnx is mutated many times (as chains: each mutation starts
 * from the last one that still loaded, as in a fuzzing run), and each result
 * must be well-formed protobuf that the library either loads or refuses with a
 * message (never a crash). Prints the share of mutated inputs that load, and
 * checks that the mutator keeps at least a quarter of them loadable (the point of it: plain
 * byte mutation of a model almost never loads).
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>

#include "harness.h"

#include "backdrop.h"
#include "fuzz/targets/pb_mutator.c"

#define STEPS 40

static int loads(const uint8_t *d, size_t n) {
    bd_model *m = NULL;
    if (bd_model_create(NULL, &m) != BD_OK) return 0;
    bd_status st = bd_model_load_memory(m, d, n);
    CHECK_MSG(st == BD_OK || bd_model_last_error(m)[0], "a refusal without a message");
    bd_model_free(m);
    return st == BD_OK;
}

static void test_mutated_seeds(const char *dir) {
    DIR *d = opendir(dir);
    CHECK_MSG(d != NULL, "%s", dir);
    if (!d) return;
    int seeds = 0, seeds_ok = 0, total = 0, ok = 0, unchanged = 0;
    unsigned seed = 1;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char path[4096 + 256];
        size_t n;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        uint8_t *orig = harness_read_file(path, &n);
        if (!orig) continue;
        seeds++;
        seeds_ok += loads(orig, n);
        const size_t cap = 2 * n + 4096;
        uint8_t *cur = malloc(cap), *buf = malloc(cap);
        memcpy(cur, orig, n);
        size_t cur_n = n;
        for (int k = 0; k < STEPS; k++) {
            memcpy(buf, cur, cur_n);
            size_t m = bd_pb_mutate(buf, cur_n, cap, seed++);
            if (m == 0) {
                unchanged++;
                continue;
            }
            total++;
            if (loads(buf, m)) {
                ok++;
                memcpy(cur, buf, m);
                cur_n = m;
            }
        }
        free(cur);
        free(buf);
        free(orig);
    }
    closedir(d);
    printf("seeds: %d, of which %d load; mutated inputs: %d, of which %d load (%.0f%%); "
           "%d mutations left the input unchanged\n",
           seeds, seeds_ok, total, ok, total ? 100.0 * ok / total : 0.0, unchanged);
    CHECK_MSG(seeds > 0 && seeds_ok * 10 >= seeds * 9, "seeds that load: %d of %d", seeds_ok,
              seeds);
    CHECK_MSG(total > 0 && ok * 4 >= total, "mutated inputs that load: %d of %d", ok, total);
}

int main(void) {
    const char *src = harness_env_dir("BD_SOURCE_DIR");
    if (!src) {
        harness_skip_data("BD_SOURCE_DIR not set");
        return harness_finish();
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus/onnx", src);
    test_mutated_seeds(dir);
    return harness_finish();
}
