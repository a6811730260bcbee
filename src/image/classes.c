/*
 * classes.c -- the person probability of an N-class segmentation output
 * (bd_class_probability, image.h): detects whether the scores are already
 * probabilities, else applies a numerically stable softmax per pixel.
 */
#include <math.h>

#include "image/image.h"

/* True if every pixel's scores are in [0, 1] and sum to 1 within 1e-3 (NaN
 * fails every comparison, so a NaN makes the map "logits"). */
static int looks_like_probabilities(const float *s, size_t n_pixels, int n) {
    for (size_t i = 0; i < n_pixels; i++, s += n) {
        double sum = 0.0;
        for (int c = 0; c < n; c++) {
            if (!(s[c] >= 0.0f && s[c] <= 1.0f)) return 0;
            sum += s[c];
        }
        if (!(fabs(sum - 1.0) <= 1e-3)) return 0;
    }
    return 1;
}

int bd_class_probability(const float *scores, size_t n_pixels, int n_classes, int cls,
                         int force_logits, float *prob) {
    const int n = n_classes;
    if (!force_logits && looks_like_probabilities(scores, n_pixels, n)) {
        for (size_t i = 0; i < n_pixels; i++) prob[i] = scores[i * (size_t)n + (size_t)cls];
        return 1;
    }
    if (n == 2) {
        const int other = 1 - cls;
        for (size_t i = 0; i < n_pixels; i++) {
            const float *s = scores + 2 * i;
            const float d = s[cls] - s[other]; /* the person's log-odds */
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
        const float *s = scores + i * (size_t)n;
        float mx = s[0];
        for (int c = 1; c < n; c++) mx = s[c] > mx ? s[c] : mx;
        float sum = 0.0f;
        for (int c = 0; c < n; c++) sum += expf(s[c] - mx); /* each in (0, 1], sum >= 1 */
        prob[i] = expf(s[cls] - mx) / sum;
        if (isnan(mx)) prob[i] = NAN;
    }
    return 0;
}
