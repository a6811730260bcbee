/*
 * test_fb_mutator.c -- the structure-aware TFLite mutator of the fuzz target
 * (tests/fuzz/targets/fb_mutator.c, fb_tree.c), without libFuzzer.
 *
 * 1. Round trip: every seed of tests/fuzz/corpus/tflite, decoded and written
 *    back without an edit, loads and gives the same model (ops imported and
 *    compiled, parameters, multiply-adds) as the seed itself.
 * 2. Chains: each seed is mutated STEPS times, each mutation starting from the
 *    last result that loaded (as in a fuzzing run). Every result must be a
 *    FlatBuffer the mutator's own bounds-checked decoder reads back to the same
 *    bytes, and the library must load it or refuse it with a message (never a
 *    crash: this runs under ASan + UBSan too). Prints the share that loads and
 *    checks it stays above a floor, and above the share of the same inputs with
 *    one to three random bytes changed instead (what byte mutation gets).
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>

#include "harness.h"

#include "backdrop.h"
#include "fuzz/targets/fb_mutator.c"
#include "fuzz/targets/fb_tree.c"

#define STEPS 40
/* Mutated inputs that must still load, in percent. Measured: see the printout
 * (docs/FUZZING.md has the figure); the floor sits a little below it. */
#define MIN_LOAD_PERCENT 25

/* Loads d under the fuzz target's limits; st gets the stats when it loads. */
static int loads(const uint8_t *d, size_t n, bd_model_stats *st) {
    bd_model_options o;
    bd_model_options_default(&o);
    o.max_file_bytes = (size_t)4 << 20;
    o.max_tensor_bytes = (size_t)16 << 20;
    o.max_arena_bytes = (size_t)64 << 20;
    o.max_ops = 512;
    o.max_tensors = 4096;
    bd_model *m = NULL;
    if (bd_model_create(&o, &m) != BD_OK) return 0;
    bd_status s = bd_model_load_memory(m, d, n);
    if (getenv("BD_FUZZ_VERBOSE")) printf("load: %s\n", s == BD_OK ? "ok" : bd_model_last_error(m));
    CHECK_MSG(s == BD_OK || bd_model_last_error(m)[0], "a refusal without a message");
    if (s == BD_OK && st) {
        st->struct_size = sizeof *st;
        CHECK(bd_model_get_stats(m, st) == BD_OK);
    }
    bd_model_free(m);
    return s == BD_OK;
}

/* d[0..n) is the mutator's output: its bounds-checked decoder reads it back, and
 * after one more round trip (which settles an options table written under one
 * union type and now read by another's schema) the bytes are a fixed point. */
static int well_formed(const uint8_t *d, size_t n) {
    const size_t cap = 2 * n + 64;
    uint8_t *a = malloc(cap), *b = malloc(cap);
    memcpy(a, d, n);
    size_t na = bd_fb_mutate(a, n, cap, 0, 0), nb = 0;
    if (na) {
        memcpy(b, a, na);
        nb = bd_fb_mutate(b, na, cap, 0, 0);
    }
    int ok = na && nb == na && memcmp(a, b, na) == 0;
    free(a);
    free(b);
    return ok;
}

static void test_seeds(const char *dir) {
    DIR *d = opendir(dir);
    CHECK_MSG(d != NULL, "%s", dir);
    if (!d) return;
    int seeds = 0, round_ok = 0, total = 0, ok = 0, unchanged = 0, bad_form = 0, bytes_ok = 0;
    uint64_t r = 88172645463325252ull; /* xorshift64 for the byte-mutation baseline */
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
        const size_t cap = 2 * n + 4096;
        uint8_t *cur = malloc(cap), *buf = malloc(cap);

        /* 1. the round trip */
        bd_model_stats a = {0}, b = {0};
        int orig_loads = loads(orig, n, &a);
        memcpy(cur, orig, n);
        size_t cur_n = bd_fb_mutate(cur, n, cap, 0, 0);
        int same = orig_loads && cur_n && loads(cur, cur_n, &b) &&
                   a.n_ops_imported == b.n_ops_imported && a.n_ops_compiled == b.n_ops_compiled &&
                   a.n_params == b.n_params && a.n_macs == b.n_macs;
        CHECK_MSG(same, "%s: round trip (%zu -> %zu bytes) ops %d/%d -> %d/%d", e->d_name, n, cur_n,
                  a.n_ops_imported, a.n_ops_compiled, b.n_ops_imported, b.n_ops_compiled);
        round_ok += same;
        if (!cur_n) {
            memcpy(cur, orig, n);
            cur_n = n;
        }

        /* 2. the chain */
        for (int k = 0; k < STEPS; k++) {
            memcpy(buf, cur, cur_n);
            size_t m = bd_fb_mutate(buf, cur_n, cap, seed++, -1);
            if (m == 0) {
                unchanged++;
                continue;
            }
            total++;
            if (!well_formed(buf, m)) bad_form++;
            /* the baseline: the input of this step with 1..3 random bytes changed */
            uint8_t *alt = malloc(cur_n);
            memcpy(alt, cur, cur_n);
            r ^= r << 13, r ^= r >> 7, r ^= r << 17;
            for (uint64_t j = 0, nb = 1 + r % 3; j < nb; j++) {
                r ^= r << 13, r ^= r >> 7, r ^= r << 17;
                alt[(r >> 8) % cur_n] = (uint8_t)r;
            }
            bytes_ok += loads(alt, cur_n, NULL);
            free(alt);
            if (loads(buf, m, NULL)) {
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
    printf("seeds: %d, of which %d round-trip to the same model; mutated inputs: %d, of which "
           "%d load (%.0f%%; with 1-3 random bytes changed instead: %d, %.0f%%); %d not "
           "re-encoded identically; %d mutations left the input unchanged\n",
           seeds, round_ok, total, ok, total ? 100.0 * ok / total : 0.0, bytes_ok,
           total ? 100.0 * bytes_ok / total : 0.0, bad_form, unchanged);
    CHECK_MSG(seeds > 0 && round_ok == seeds, "round trips: %d of %d", round_ok, seeds);
    CHECK_MSG(bad_form == 0, "%d outputs did not decode back to themselves", bad_form);
    CHECK_MSG(total > 0 && ok * 100 >= total * MIN_LOAD_PERCENT,
              "mutated inputs that load: %d of %d (floor %d%%)", ok, total, MIN_LOAD_PERCENT);
    CHECK_MSG(ok > bytes_ok, "the mutator (%d loads) does no better than random bytes (%d)", ok,
              bytes_ok);
}

int main(void) {
    const char *src = harness_env_dir("BD_SOURCE_DIR");
    if (!src) {
        harness_skip_data("BD_SOURCE_DIR not set");
        return harness_finish();
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus/tflite", src);
    test_seeds(dir);
    return harness_finish();
}
