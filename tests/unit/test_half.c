/*
 * test_half.c -- bd_f32_to_f16 (the rounding the FP16 packers use) against its
 * definition, on every half value and every midpoint between neighbours:
 *   - every finite half h: to_f16(to_f32(h)) == h (bit-exact, signed zeros);
 *   - the exact midpoint of neighbours a < b rounds to the one with an even
 *     mantissa, and one float ulp either side rounds to the nearer one;
 *   - overflow: 65519.99 -> 65504, 65520 and above -> inf; inf -> inf; NaN ->
 *     a NaN with the sign kept; 2^-25 -> 0 (tie to even), just above -> 2^-24;
 *   - 200000 seeded random floats: the result is one of the two halves around
 *     the value and no farther than the other one.
 */
#include <math.h>

#include "harness.h"
#include "core/core.h"

static float bits_f(uint32_t u) {
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}
static uint32_t f_bits(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static void test_roundtrip(void) {
    int bad = 0;
    for (uint32_t h = 0; h < 0x10000u; h++) {
        if ((h & 0x7c00u) == 0x7c00u && (h & 0x3ffu)) continue; /* NaN: below */
        uint16_t r = bd_f32_to_f16(bd_f16_to_f32((uint16_t)h));
        if (r != h && bad++ < 5) CHECK_MSG(0, "half 0x%04x -> 0x%04x", h, r);
    }
    CHECK(bad == 0);
}

static void test_midpoints(void) {
    int bad = 0;
    for (uint32_t a = 0; a < 0x7bffu; a++) { /* positive finite, b = a + 1 finite */
        const uint32_t b = a + 1;
        const double fa = bd_f16_to_f32((uint16_t)a), fb = bd_f16_to_f32((uint16_t)b);
        const float mid = (float)(0.5 * (fa + fb)); /* exact: 11+1 bits fit a float */
        const uint16_t even = (a & 1u) ? (uint16_t)b : (uint16_t)a;
        const uint16_t got = bd_f32_to_f16(mid);
        const uint16_t lo = bd_f32_to_f16(bits_f(f_bits(mid) - 1));
        const uint16_t hi = bd_f32_to_f16(bits_f(f_bits(mid) + 1));
        const uint16_t neg = bd_f32_to_f16(-mid);
        if ((got != even || lo != a || hi != b || neg != (even | 0x8000u)) && bad++ < 5)
            CHECK_MSG(0, "between 0x%04x and 0x%04x: mid -> 0x%04x, below -> 0x%04x, above "
                      "-> 0x%04x, -mid -> 0x%04x", a, b, got, lo, hi, neg);
    }
    CHECK(bad == 0);
}

static void test_specials(void) {
    CHECK(bd_f32_to_f16(65519.99f) == 0x7bffu);
    CHECK(bd_f32_to_f16(65520.0f) == 0x7c00u);
    CHECK(bd_f32_to_f16(-1e30f) == 0xfc00u);
    CHECK(bd_f32_to_f16(INFINITY) == 0x7c00u);
    CHECK(bd_f32_to_f16(-INFINITY) == 0xfc00u);
    uint16_t n = bd_f32_to_f16(NAN), nn = bd_f32_to_f16(-NAN);
    CHECK((n & 0x7c00u) == 0x7c00u && (n & 0x3ffu) && !(n & 0x8000u));
    CHECK((nn & 0x7c00u) == 0x7c00u && (nn & 0x3ffu) && (nn & 0x8000u));
    CHECK(isnan(bd_f16_to_f32(bd_f32_to_f16(bits_f(0x7f800001u))))); /* signalling payload */
    CHECK(bd_f32_to_f16(ldexpf(1.0f, -25)) == 0x0000u);
    CHECK(bd_f32_to_f16(bits_f(f_bits(ldexpf(1.0f, -25)) + 1)) == 0x0001u);
    CHECK(bd_f32_to_f16(1e-30f) == 0 && bd_f32_to_f16(-1e-30f) == 0x8000u);
    CHECK(bd_f32_to_f16(-0.0f) == 0x8000u);
    CHECK(bd_f32_to_f16(1.0f) == 0x3c00u && bd_f32_to_f16(-2.0f) == 0xc000u);
    CHECK(bd_f32_to_f16(ldexpf(1.0f, -14)) == 0x0400u); /* smallest normal */
    CHECK(bd_f32_to_f16(ldexpf(1023.5f, -24)) == 0x0400u); /* subnormal carry */
}

static void test_random(void) {
    unsigned s = 0x5eedu;
    int bad = 0;
    for (int i = 0; i < 200000; i++) {
        uint32_t u = harness_rand(&s) ^ (harness_rand(&s) << 16);
        float f = bits_f(u);
        if (isnan(f) || fabsf(f) >= 65504.0f) continue;
        uint16_t h = bd_f32_to_f16(f);
        double got = bd_f16_to_f32(h), err = fabs(got - f);
        /* the neighbour half on the other side of f */
        uint16_t other = (got < f) == (f >= 0) ? (uint16_t)(h + 1) : (uint16_t)(h - 1);
        double oerr = fabs((double)bd_f16_to_f32(other) - f);
        if (!(err <= oerr) && bad++ < 5)
            CHECK_MSG(0, "%.9g -> 0x%04x (%.9g), neighbour 0x%04x is nearer", f, h, got, other);
    }
    CHECK(bad == 0);
}

int main(void) {
    RUN(test_roundtrip);
    RUN(test_midpoints);
    RUN(test_specials);
    RUN(test_random);
    return harness_finish();
}
