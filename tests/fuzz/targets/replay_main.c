/*
 * replay_main.c -- a plain main() for the fuzz entry points, so every crasher
 * and seed is replayed by ctest in the ordinary Release and ASan builds, with
 * no libFuzzer. Each argument is a file or a directory (its regular files, in
 * name order; a missing directory counts as empty). Every input is passed once
 * to LLVMFuzzerTestOneInput; a crash, sanitizer report or leak fails the test.
 *
 * Usage: replay_<target> PATH...   (BD_FUZZ_VERBOSE=1 prints each file's name)
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: cannot open '%s'\n", path);
        return 1;
    }
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            uint8_t *b = realloc(buf, cap *= 2);
            if (!b) free(buf);
            buf = b;
        }
    }
    fclose(f);
    if (!buf) {
        fprintf(stderr, "replay: out of memory reading '%s'\n", path);
        return 1;
    }
    if (getenv("BD_FUZZ_VERBOSE")) fprintf(stderr, "replay: %s (%zu bytes)\n", path, n);
    LLVMFuzzerTestOneInput(buf, n);
    free(buf);
    return 0;
}

static int by_name(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replays the regular files of `dir` in name order; returns failures, adds to *count. */
static int replay_dir(const char *dir, int *count) {
    DIR *d = opendir(dir);
    if (!d) return 0; /* no crashers yet */
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        if (n == cap) {
            char **nn = realloc(names, sizeof *names * (cap = cap ? 2 * cap : 64));
            if (!nn) break;
            names = nn;
        }
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, by_name);
    int fails = 0;
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        struct stat sb;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (names[i] && stat(path, &sb) == 0 && S_ISREG(sb.st_mode)) {
            fails += replay_file(path);
            (*count)++;
        }
        free(names[i]);
    }
    free(names);
    return fails;
}

int main(int argc, char **argv) {
    int fails = 0, count = 0;
    for (int i = 1; i < argc; i++) {
        struct stat sb;
        if (stat(argv[i], &sb) == 0 && S_ISDIR(sb.st_mode)) {
            fails += replay_dir(argv[i], &count);
        } else if (stat(argv[i], &sb) == 0) {
            fails += replay_file(argv[i]);
            count++;
        }
    }
    printf("replayed %d inputs, %d unreadable\n", count, fails);
    return fails ? 1 : 0;
}
