/*
 * classes.c -- the person probability of an N-class segmentation output
 * (bd_class_probability, image.h): detects whether the scores are already
 * probabilities, else applies a numerically stable softmax per pixel. The
 * scores may be interleaved (NHWC) or planar (NCHW).
 */
#include <math.h>

#include "image/image.h"

/* True if every pixel's scores are in [0, 1] and sum to 1 within 1e-3 (NaN
 * fails every comparison, so a NaN makes the map "logits"). */
static int looks_like_probabilities(const float *s, size_t n_pixels, int n, size_t ps,
                                    size_t cs) {
    for (size_t i = 0; i < n_pixels; i++) {
        const float *p = s + i * ps;
        double sum = 0.0;
        for (int c = 0; c < n; c++) {
            const float v = p[(size_t)c * cs];
            if (!(v >= 0.0f && v <= 1.0f)) return 0;
            sum += v;
        }
        if (!(fabs(sum - 1.0) <= 1e-3)) return 0;
    }
    return 1;
}

int bd_class_probability_strided(const float *scores, size_t n_pixels, int n_classes, int cls,
                                 size_t ps, size_t cs, int mode, float *prob) {
    const int n = n_classes;
    if (mode == 1 || (mode == 0 && looks_like_probabilities(scores, n_pixels, n, ps, cs))) {
        for (size_t i = 0; i < n_pixels; i++) prob[i] = scores[i * ps + (size_t)cls * cs];
        return 1;
    }
    if (n == 2) {
        const size_t other = (size_t)(1 - cls) * cs, mine = (size_t)cls * cs;
        for (size_t i = 0; i < n_pixels; i++) {
            const float *s = scores + i * ps;
            const float d = s[mine] - s[other]; /* the person's log-odds */
            /* sigmoid(d) without overflow: exp of a non-positive number only */
            if (d >= 0.0f) {
                prob[i] = 1.0f / (1.0f + expf(-d));
            } else {
                const float e = expf(d);
                prob[i] = e / (1.0f + e); /* also NaN -> NaN */
            }
        }
        return 0;
    }
    for (size_t i = 0; i < n_pixels; i++) {
        const float *s = scores + i * ps;
        float mx = s[0];
        for (int c = 1; c < n; c++) mx = s[(size_t)c * cs] > mx ? s[(size_t)c * cs] : mx;
        float sum = 0.0f;
        for (int c = 0; c < n; c++) sum += expf(s[(size_t)c * cs] - mx); /* each in (0, 1] */
        prob[i] = expf(s[(size_t)cls * cs] - mx) / sum;
        if (isnan(mx)) prob[i] = NAN;
    }
    return 0;
}

int bd_class_probability(const float *scores, size_t n_pixels, int n_classes, int cls,
                         int force_logits, float *prob) {
    return bd_class_probability_strided(scores, n_pixels, n_classes, cls, (size_t)n_classes, 1,
                                        force_logits ? 2 : 0, prob);
}
