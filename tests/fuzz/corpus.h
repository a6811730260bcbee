/*
 * corpus.h -- the hostile-copy loop shared by the model corpus tests
 * (test_model_corpus.c for TFLite, test_onnx_corpus.c for ONNX). Included by
 * exactly one .c file per test executable, after harness.h and runtime.h.
 *
 * corpus_run() derives from an intact model: every truncation length up to 64
 * bytes and 257 evenly spread ones (each copy malloc'd to its exact length so ASan
 * sees any over-read; each must fail, or load and compute exactly what the intact
 * model does); 2000 seeded single-bit flips; 500 seeded multi-byte overwrites with
 * extreme values (0x00, 0xFF, 0x7F, 0x80). Each copy is loaded: an error must come
 * with a message; a copy that loads gets a session, and a sample of them is run
 * once (a hostile model that passes the verifier must still be safe to run).
 */
#ifndef BD_TEST_CORPUS_H
#define BD_TEST_CORPUS_H

static int n_loaded, n_rejected, n_ran;

/* Output 0 of the intact model on the fixed input (set by corpus()), so that a
 * truncated copy that still loads can be checked against it. */
static float *intact_out;
static size_t intact_n;
static float *last_out; /* output of the last run (owned here) */
static size_t last_n;

/* Loads a copy; returns the status and the message in msg. With run set, runs it
 * once on a constant input and keeps the output in last_out. */
static bd_status try_load(const unsigned char *data, size_t size, int run, char *msg,
                          size_t msg_size) {
    bd_model *m = NULL;
    bd_status st = bd_model_create(NULL, &m);
    CHECK(st == BD_OK);
    if (st) return st;
    st = bd_model_load_memory(m, data, size);
    snprintf(msg, msg_size, "%s", bd_model_last_error(m));
    if (st != BD_OK) {
        n_rejected++;
        CHECK_MSG(msg[0] != '\0', "status %d without a message", st);
        CHECK(st < 0);
    } else {
        n_loaded++;
        bd_session *s = NULL;
        CHECK(bd_session_create(m, NULL, &s) == BD_OK);
        if (s && run) {
            float *in;
            size_t n;
            if (bd_session_input(s, 0, &in, &n) == BD_OK) {
                for (size_t i = 0; i < n; i++) in[i] = 0.5f;
                CHECK(bd_session_run(s) == BD_OK);
                n_ran++;
                const float *out;
                free(last_out);
                last_out = NULL;
                if (bd_session_output(s, 0, &out, &last_n) == BD_OK &&
                    (last_out = malloc(last_n * sizeof(float))))
                    memcpy(last_out, out, last_n * sizeof(float));
            }
        }
        bd_session_free(s);
    }
    bd_model_free(m);
    return st;
}

static void corpus_run(const char *name, const unsigned char *orig, size_t size,
                       unsigned seed) {
    char msg[BD_ERR_MSG_SIZE];
    n_loaded = n_rejected = n_ran = 0;
    CHECK_MSG(try_load(orig, size, 1, msg, sizeof msg) == BD_OK, "%s: %s", name, msg);
    free(intact_out);
    intact_out = last_out;
    intact_n = last_n;
    last_out = NULL;
    unsigned char *copy = malloc(size);
    /* Truncations: malloc'd to the exact length so ASan catches any over-read. */
    for (size_t k = 0; k <= 64 + 257; k++) {
        size_t len = k <= 64 ? k : (size - 1) * (k - 65) / 256;
        unsigned char *t = malloc(len ? len : 1);
        memcpy(t, orig, len);
        /* Neither a FlatBuffer nor a protobuf records its total length: a cut that
         * removes only bytes the importer never reads (e.g. the tail of the unread
         * metadata buffer in the PyPI wheel's TFLite copies, or trailing
         * metadata fields of an ONNX file) leaves a valid model. So a truncated
         * copy must either fail, or load and compute exactly what the intact model
         * computes. */
        bd_status st = try_load(t, len, 1, msg, sizeof msg);
        if (st == BD_OK)
            CHECK_MSG(intact_out && last_out && last_n == intact_n &&
                          memcmp(last_out, intact_out, intact_n * sizeof(float)) == 0,
                      "%s truncated to %zu bytes loads but computes something else", name, len);
        free(t);
    }
    int run_budget = 12;
    for (int k = 0; k < 2500; k++) {
        memcpy(copy, orig, size);
        if (k < 2000) {
            size_t at = harness_rand(&seed) % size;
            copy[at] ^= (unsigned char)(1u << (harness_rand(&seed) % 8));
        } else {
            static const unsigned char vals[4] = {0x00, 0xFF, 0x7F, 0x80};
            size_t at = harness_rand(&seed) % size, len = 1 + harness_rand(&seed) % 8;
            unsigned char v = vals[harness_rand(&seed) % 4];
            for (size_t i = 0; i < len && at + i < size; i++) copy[at + i] = v;
        }
        int run = run_budget > 0 && (k % 50) == 0;
        if (try_load(copy, size, run, msg, sizeof msg) == BD_OK && run) run_budget--;
    }
    printf("%s: %d mutants loaded, %d rejected, %d run\n", name, n_loaded, n_rejected, n_ran);
    free(last_out);
    last_out = NULL;
    free(intact_out);
    intact_out = NULL;
    free(copy);
}

#endif /* BD_TEST_CORPUS_H */
