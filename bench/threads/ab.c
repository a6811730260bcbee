/*
 * ab.c -- A/B timing of two builds of libbackdrop.so in one process (e.g.
 * before and after a thread-pool change), so both see the same machine state:
 * the two engines alternate in blocks of 30 runs (the idle pool's worker goes
 * to sleep; the first 5 runs of a block are dropped); prints min, p25, median,
 * p90 of each. Not built by CMake: cc -O2 bench/threads/ab.c -o ab -ldl
 *   ./ab OLD/libbackdrop.so NEW/libbackdrop.so
 * models/selfie_segmentation.tflite 2 400 Contention experiment: the same with
 * `taskset -c 1 sh -c 'while :; do :; done' &` running (kill it by its pid
 * afterwards).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
typedef struct {
  void *m, *s;
  int (*run)(void *);
} eng;
static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}
static int cmp(const void *a, const void *b) {
  double x = *(double *)a, y = *(double *)b;
  return x < y ? -1 : x > y;
}
static eng load(const char *lib, const char *model, int threads) {
  void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
  if (!h) {
    fprintf(stderr, "%s\n", dlerror());
    exit(1);
  }
  int (*mc)(const void *, void **) = dlsym(h, "bd_model_create");
  int (*ml)(void *, const char *) = dlsym(h, "bd_model_load_file");
  void (*sod)(void *) = dlsym(h, "bd_session_options_default");
  int (*sc)(void *, const void *, void **) = dlsym(h, "bd_session_create");
  eng e;
  e.run = dlsym(h, "bd_session_run");
  if (mc(NULL, &e.m) || ml(e.m, model)) {
    fprintf(stderr, "load %s\n", model);
    exit(1);
  }
  struct {
    size_t sz;
    int n_threads;
    int profile;
    char pad[64];
  } so;
  sod(&so);
  so.n_threads = threads;
  if (sc(e.m, &so, &e.s))
    exit(1);
  return e;
}
int main(int argc, char **argv) {
    if (argc < 6) {
        fprintf(stderr, "usage: ab LIB_A LIB_B MODEL THREADS RUNS\n");
        return 2;
    }
  int threads = atoi(argv[4]), runs = atoi(argv[5]);
  eng e[2] = {load(argv[1], argv[3], threads), load(argv[2], argv[3], threads)};
  double *t[2] = {malloc(runs * sizeof(double)), malloc(runs * sizeof(double))};
  for (int r = 0; r < 20; r++) {
    e[0].run(e[0].s);
    e[1].run(e[1].s);
  }
  /* blocks of 25 runs per engine (the idle pool's worker goes to sleep), the
   * first 5 of each block discarded */
  int n[2] = {0, 0};
  for (int b = 0; n[0] < runs || n[1] < runs; b++) {
    int i = b & 1;
    for (int r = 0; r < 30; r++) {
      double t0 = now();
      e[i].run(e[i].s);
      double d = now() - t0;
      if (r >= 5 && n[i] < runs)
        t[i][n[i]++] = d;
    }
  }
  for (int i = 0; i < 2; i++) {
    qsort(t[i], runs, sizeof(double), cmp);
    printf("%s: min %.3f  p25 %.3f  median %.3f  p90 %.3f ms\n",
           i ? "after " : "before", t[i][0], t[i][runs / 4], t[i][runs / 2],
           t[i][runs * 9 / 10]);
  }
  return 0;
}
