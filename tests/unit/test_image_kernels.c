/*
 * test_image_kernels.c -- every image row kernel (src/kernels/img_kernels.h) at
 * every ISA level this CPU runs, against the reference C, byte for byte.
 *
 * Tolerance: none. The u8/i16 kernels are integer maths and the float mask
 * kernel does the same IEEE operations in the same order, so every level must
 * give identical bytes. Sizes: 1, every count around the vector widths
 * (15..17, 31..33, 63..65, ...), 720p/1080p/4K row widths and a large prime;
 * pointers offset by 0..3 bytes from alignment; guard bytes after each output
 * must stay untouched (no tail overrun). Data: seeded random plus the
 * saturating values 0 and 255; for the mask kernel NaN, +-inf, negatives,
 * values past 255 and exact .5 ties. The mix formula itself is checked
 * exhaustively (all 2^24 (f, b, a) triples) at every level.
 */
#include <math.h>
#include <stdint.h>

#include "harness.h"
#include "image/image.h"
#include "image/hlerp.h"

static uint32_t rng_state = 12345;
static uint32_t rnd(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

/* Random bytes, 1 in 8 forced to 0 or 255. */
static void fill_u8(uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++) {
        uint32_t r = rnd();
        p[i] = (r & 7) == 0 ? ((r >> 3) & 1 ? 255 : 0) : (uint8_t)(r >> 8);
    }
}

static const int SIZES[] = {1,  2,  3,  4,  5,  7,  8,   9,   15,  16,  17,   31,   32,   33,
                            47, 48, 63, 64, 65, 95, 127, 128, 129, 191, 1279, 1280, 1920, 3840,
                            4099};
#define N_SIZES ((int)(sizeof SIZES / sizeof SIZES[0]))
#define MAXN 4099
#define GUARD 64

static const bd_img_kernels *levels[3];
static int n_levels;

static void find_levels(void) {
    const bd_isa want[3] = {BD_ISA_REF, BD_ISA_AVX2, BD_ISA_AVX512};
    for (int i = 0; i < 3; i++) {
        const bd_img_kernels *k = bd_img_kernels_get(want[i]);
        if (k->isa == want[i])
            levels[n_levels++] = k;
        else
            harness_skip("%s image kernels (not built or not supported by this CPU)",
                         bd_isa_name(want[i]));
    }
}

static void test_mix_exhaustive(void) {
    /* all f, b for each a: rows of 65536 bytes */
    uint8_t *f = malloc(65536), *b = malloc(65536), *a = malloc(65536), *o = malloc(65536);
    for (int i = 0; i < 65536; i++) {
        f[i] = (uint8_t)(i & 255);
        b[i] = (uint8_t)(i >> 8);
    }
    for (int l = 0; l < n_levels; l++) {
        int bad = 0;
        for (int av = 0; av < 256 && !bad; av++) {
            memset(a, av, 65536);
            levels[l]->blend_c1(f, b, a, o, 65536);
            for (int i = 0; i < 65536; i++) {
                uint32_t want = ((uint32_t)av * f[i] + (255u - av) * b[i] + 127u) / 255u;
                if (o[i] != want) {
                    CHECK_MSG(0, "%s: f %d b %d a %d -> %d, want %u", bd_isa_name(levels[l]->isa),
                              f[i], b[i], av, o[i], want);
                    bad = 1;
                    break;
                }
            }
        }
        CHECK(!bad);
    }
    free(f);
    free(b);
    free(a);
    free(o);
}

/* Buffers with room for a misalignment offset and a guard zone. */
typedef struct bufs {
    uint8_t f[4 * MAXN + GUARD + 8], b[4 * MAXN + GUARD + 8], a[MAXN + GUARD + 8];
    uint8_t o_ref[4 * MAXN + GUARD + 8], o[4 * MAXN + GUARD + 8];
} bufs;

static void test_blend(void) {
    static bufs B;
    for (int s = 0; s < N_SIZES; s++)
        for (int off = 0; off < 4; off++) {
            const int n = SIZES[s];
            fill_u8(B.f, sizeof B.f);
            fill_u8(B.b, sizeof B.b);
            fill_u8(B.a, sizeof B.a);
            const uint8_t *f = B.f + off, *b = B.b + off, *a = B.a + off;
            for (int kind = 0; kind < 5; kind++) {
                const int bpp = kind == 0 ? 1 : kind == 1 ? 3 : 4;
                const uint32_t orm = kind == 3 ? 0xff000000u : kind == 4 ? 0x00ff0000u : 0;
                memset(B.o_ref, 0xa5, sizeof B.o_ref);
                uint8_t *oref = B.o_ref + off;
                if (kind == 0) bd_u8_blend_c1_ref(f, b, a, oref, n);
                if (kind == 1) bd_u8_blend_c3_ref(f, b, a, oref, n);
                if (kind >= 2) bd_u8_blend_c4_ref(f, b, a, oref, n, orm);
                for (int l = 0; l < n_levels; l++) {
                    memset(B.o, 0xa5, sizeof B.o);
                    uint8_t *o = B.o + off;
                    if (kind == 0) levels[l]->blend_c1(f, b, a, o, n);
                    if (kind == 1) levels[l]->blend_c3(f, b, a, o, n);
                    if (kind >= 2) levels[l]->blend_c4(f, b, a, o, n, orm);
                    CHECK_MSG(memcmp(B.o, B.o_ref, sizeof B.o) == 0,
                              "%s blend bpp %d (or %08x) n %d offset %d",
                              bd_isa_name(levels[l]->isa), bpp, orm, n, off);
                }
            }
            /* in place (o == f) gives the same result */
            for (int l = 0; l < n_levels; l++) {
                memcpy(B.o, B.f, sizeof B.o);
                levels[l]->blend_c3(B.o + off, b, a, B.o + off, n);
                bd_u8_blend_c3_ref(f, b, a, B.o_ref + off, n);
                CHECK_MSG(memcmp(B.o + off, B.o_ref + off, 3 * (size_t)n) == 0,
                          "%s blend c3 in place n %d", bd_isa_name(levels[l]->isa), n);
            }
        }
}

static void test_attach(void) {
    static bufs B;
    for (int s = 0; s < N_SIZES; s++)
        for (int off = 0; off < 4; off++)
            for (int pm = 0; pm < 2; pm++) {
                const int n = SIZES[s];
                fill_u8(B.f, sizeof B.f);
                fill_u8(B.a, sizeof B.a);
                memset(B.o_ref, 0x5a, sizeof B.o_ref);
                bd_u8_attach_c3_ref(B.f + off, B.a + off, B.o_ref + off, n, pm);
                for (int l = 0; l < n_levels; l++) {
                    memset(B.o, 0x5a, sizeof B.o);
                    levels[l]->attach_c3(B.f + off, B.a + off, B.o + off, n, pm);
                    CHECK_MSG(memcmp(B.o, B.o_ref, sizeof B.o) == 0,
                              "%s attach n %d offset %d premultiply %d",
                              bd_isa_name(levels[l]->isa), n, off, pm);
                }
            }
    /* the reference itself: straight and premultiplied values */
    const uint8_t f[3] = {200, 100, 1}, a[1] = {128};
    uint8_t o[4];
    bd_u8_attach_c3_ref(f, a, o, 1, 0);
    CHECK(o[0] == 200 && o[1] == 100 && o[2] == 1 && o[3] == 128);
    bd_u8_attach_c3_ref(f, a, o, 1, 1);
    CHECK(o[0] == 100 && o[1] == 50 && o[2] == 1 && o[3] == 128); /* 25600/255=100.4 */
}

static void test_mask_row(void) {
    static float h0[MAXN + 8], d[MAXN + 8];
    static uint8_t oref[MAXN + GUARD], o[MAXN + GUARD];
    const float special[] = {NAN, INFINITY, -INFINITY, -0.0f, -1e30f, 1e30f, 254.5f, 255.5f,
                             0.49999997f, 0.5f, 127.5f, -0.5f, 0.50000006f, 255.49998f};
    const float wys[] = {0.0f, 0.2f, 0.5f, 0.99999994f, 0.6f};
    for (int s = 0; s < N_SIZES; s++)
        for (int off = 0; off < 3; off++)
            for (int wi = 0; wi < 5; wi++) {
                const int n = SIZES[s];
                for (int i = 0; i < n + off; i++) {
                    uint32_t r = rnd();
                    if ((r & 15) == 0) {
                        h0[i] = special[(r >> 4) % (sizeof special / sizeof special[0])];
                        d[i] = (r >> 12) & 1 ? h0[i] : (float)((int)(r >> 16) % 600 - 300);
                    } else {
                        h0[i] = (float)((int)(r >> 8) % 400000 - 60000) / 1000.0f;
                        d[i] = (float)((int)(r >> 4) % 600000 - 300000) / 1000.0f;
                    }
                }
                memset(oref, 0x77, sizeof oref);
                bd_f32_mask_row_ref(h0 + off, d + off, wys[wi], oref, n);
                for (int l = 0; l < n_levels; l++) {
                    memset(o, 0x77, sizeof o);
                    levels[l]->mask_row(h0 + off, d + off, wys[wi], o, n);
                    CHECK_MSG(memcmp(o, oref, sizeof o) == 0, "%s mask row n %d offset %d wy %g",
                              bd_isa_name(levels[l]->isa), n, off, wys[wi]);
                }
            }
    /* reference values (inputs carry the + 0.5): clamp, NaN -> 0, round half up */
    const float hh[5] = {NAN, -3.0f, 300.0f, 128.0f, 10.5f},
                dd[5] = {0, -3.0f, 300.0f, 128.0f, 20.5f};
    uint8_t r[5];
    bd_f32_mask_row_ref(hh, dd, 0.25f, r, 5);
    CHECK(r[0] == 0 && r[1] == 0 && r[2] == 255 && r[3] == 128 && r[4] == 13);
}

static void test_hlerp(void) {
    /* upsampling (block tables), near 1:1, 2:1 and 3:1 downsampling (no blocks
     * past about 2:1), 1 -> n and n -> 1, with fit-policy origins */
    static const struct {
        int n_in, n_out;
        double origin;
    } g_cases[] = {{512, 1280, 0},   {256, 1920, 0},  {144, 720, 0},   {256, 3840, 0},
                   {256, 4099, 0},   {1, 17, 0},      {17, 1, 0},      {1000, 999, 0},
                   {100, 51, 0},     {300, 100, 0},   {256, 1281, -20}, {256, 1279, 37.5},
                   {7, 33, 0},       {33, 7, 0},      {2, 3, 0}};
    static float g[4200 + 64], oref[4200 + GUARD], o[4200 + GUARD];
    bd_hlerp_buf hb = {0};
    for (size_t c = 0; c < sizeof g_cases / sizeof g_cases[0]; c++) {
        const int n_in = g_cases[c].n_in, n_out = g_cases[c].n_out;
        bd_linear_axis ax = {0};
        CHECK(bd_linear_axis_set(&ax, n_in, n_out, (double)n_in / n_out, g_cases[c].origin) ==
              BD_OK);
        CHECK(bd_hlerp_build(&hb, ax.lo, ax.hi, ax.wf, n_out) == BD_OK);
        for (int i = 0; i < n_in + 64; i++)
            g[i] = i < n_in ? (float)((int)(rnd() % 200001) - 100000) / 37.0f : NAN;
        memset(oref, 0x55, sizeof oref);
        const float k = c % 2 ? 255.0f : 1275.0f, b = c % 2 ? 0.5f : -509.5f;
        bd_f32_hlerp_row_ref(g, &hb.t, k, b, oref);
        for (int l = 0; l < n_levels; l++) {
            memset(o, 0x55, sizeof o);
            levels[l]->hlerp_row(g, &hb.t, k, b, o);
            CHECK_MSG(memcmp(o, oref, sizeof o) == 0, "%s hlerp %d -> %d (blocks %s)",
                      bd_isa_name(levels[l]->isa), n_in, n_out, hb.t.base ? "yes" : "no");
        }
        if (n_in == 512) CHECK(hb.t.base != NULL);
        if (n_in == 300) CHECK(hb.t.base == NULL);
        bd_linear_axis_free(&ax);
    }
    bd_hlerp_free(&hb);
}

static void test_hlerp16(void) {
    static const struct {
        int n_in, n_out, C;
    } g_cases[] = {{99, 1280, 3}, {49, 1280, 4}, {640, 1280, 3}, {320, 1920, 1}, {160, 961, 2},
                   {1, 7, 3},     {7, 1, 3},     {300, 200, 3}, {1000, 1001, 4}, {17, 4099, 3}};
    static int16_t s[4 * 1001 + 64], oref[4 * 4099 + GUARD], o[4 * 4099 + GUARD];
    bd_hlerp16_buf hb = {0};
    for (size_t c = 0; c < sizeof g_cases / sizeof g_cases[0]; c++) {
        const int n_in = g_cases[c].n_in, n_out = g_cases[c].n_out, C = g_cases[c].C;
        bd_linear_axis ax = {0};
        CHECK(bd_linear_axis_set(&ax, n_in, n_out, (double)n_in / n_out, 0.0) == BD_OK);
        CHECK(bd_hlerp16_build(&hb, ax.lo, ax.hi, ax.w, n_out, C) == BD_OK);
        for (int i = 0; i < n_in * C + 64; i++)
            s[i] = i < n_in * C ? (int16_t)(rnd() % 32641) : (int16_t)0x7fff;
        memset(oref, 0x55, sizeof oref);
        bd_i16_hlerp_row_ref(s, &hb.t, oref);
        for (int l = 0; l < n_levels; l++) {
            memset(o, 0x55, sizeof o);
            levels[l]->hlerp16_row(s, &hb.t, o);
            CHECK_MSG(memcmp(o, oref, sizeof o) == 0, "%s hlerp16 %d -> %d x %d (blocks %s)",
                      bd_isa_name(levels[l]->isa), n_in, n_out, C, hb.t.base ? "yes" : "no");
        }
        if (n_in == 99) CHECK(hb.t.base != NULL);
        bd_linear_axis_free(&ax);
    }
    bd_hlerp16_free(&hb);
}

static void test_lerp16(void) {
    static int16_t h0[MAXN + 8], d[MAXN + 8];
    static uint8_t oref[MAXN + GUARD], o[MAXN + GUARD];
    const int16_t wys[] = {0, 1, 16384, 32767, 12345};
    for (int s = 0; s < N_SIZES; s++)
        for (int off = 0; off < 3; off++)
            for (int wi = 0; wi < 5; wi++) {
                const int n = SIZES[s];
                for (int i = 0; i < n + off; i++) {
                    /* h0, h1 in 0..32640 (u8 * 128) */
                    int a = (int)(rnd() % 32641), b = (int)(rnd() % 32641);
                    if ((rnd() & 7) == 0) a = 0, b = 32640;
                    if ((rnd() & 7) == 0) a = 32640, b = 0;
                    h0[i] = (int16_t)a;
                    d[i] = (int16_t)b; /* the second row */
                }
                memset(oref, 0x77, sizeof oref);
                bd_i16_lerp_row_ref(h0 + off, d + off, wys[wi], oref, n);
                for (int l = 0; l < n_levels; l++) {
                    memset(o, 0x77, sizeof o);
                    levels[l]->lerp16_row(h0 + off, d + off, wys[wi], o, n);
                    CHECK_MSG(memcmp(o, oref, sizeof o) == 0, "%s lerp16 n %d offset %d wy %d",
                              bd_isa_name(levels[l]->isa), n, off, wys[wi]);
                }
            }
    const int16_t hh[2] = {255 * 128, 100 * 128}, dd[2] = {0, 128 * 128};
    uint8_t r[2];
    bd_i16_lerp_row_ref(hh, dd, 16384, r, 2); /* halfway: 127.5 -> 128, 114 */
    CHECK_MSG(r[0] == 128 && r[1] == 114, "%d %d", r[0], r[1]);
}

static void test_blur_accum(void) {
    static uint8_t f[4 * MAXN + 8], a[MAXN + 8];
    static uint32_t acc_ref[4 * MAXN + GUARD], acc[4 * MAXN + GUARD], acc2[4 * MAXN + GUARD];
    for (int s = 0; s < N_SIZES; s++)
        for (int off = 0; off < 3; off++)
            for (int bpp = 3; bpp <= 4; bpp++) {
                const int n = SIZES[s];
                fill_u8(f, sizeof f);
                fill_u8(a, sizeof a);
                for (size_t i = 0; i < sizeof acc_ref / sizeof acc_ref[0]; i++)
                    acc_ref[i] = rnd() & 0xffffff;
                memcpy(acc, acc_ref, sizeof acc);
                if (bpp == 3) bd_u8_blur_accum_c3_ref(f + off, a + off, acc_ref, n);
                if (bpp == 4) bd_u8_blur_accum_c4_ref(f + off, a + off, acc_ref, n);
                for (int l = 0; l < n_levels; l++) {
                    memcpy(acc2, acc, sizeof acc);
                    if (bpp == 3) levels[l]->blur_accum_c3(f + off, a + off, acc2, n);
                    if (bpp == 4) levels[l]->blur_accum_c4(f + off, a + off, acc2, n);
                    CHECK_MSG(memcmp(acc2, acc_ref, sizeof acc2) == 0,
                              "%s blur accum bpp %d n %d offset %d", bd_isa_name(levels[l]->isa),
                              bpp, n, off);
                }
            }
    /* the reference: weight 256 - a in lane 3, the 4th byte ignored */
    const uint8_t px[4] = {10, 20, 30, 99}, al[1] = {56};
    uint32_t r[4] = {0, 0, 0, 0};
    bd_u8_blur_accum_c4_ref(px, al, r, 1);
    CHECK(r[0] == 2000 && r[1] == 4000 && r[2] == 6000 && r[3] == 200);
}

/* The YUV plane kernels (yuv_rows.inc) at every level against the reference. */
static void test_yuv_rows(void) {
    static uint8_t f[4 * MAXN + 8], a0[2 * MAXN + 8], a1[2 * MAXN + 8];
    static uint32_t acc0[5 * MAXN + GUARD], acc_ref[5 * MAXN + GUARD], acc[5 * MAXN + GUARD];
    static uint8_t o_ref[4 * MAXN + GUARD], o[4 * MAXN + GUARD];
    for (int s = 0; s < N_SIZES; s++)
        for (int off = 0; off < 3; off++) {
            const int n = SIZES[s];
            fill_u8(f, sizeof f);
            fill_u8(a0, sizeof a0);
            fill_u8(a1, sizeof a1);
            for (size_t i = 0; i < sizeof acc0 / sizeof acc0[0]; i++) acc0[i] = rnd() & 0xffffff;
            for (int C = 1; C <= 4; C *= 2) {
                memcpy(acc_ref, acc0, sizeof acc0);
                (C == 1   ? bd_u8_blur_accum_y1_ref
                 : C == 2 ? bd_u8_blur_accum_y2_ref
                          : bd_u8_blur_accum_y4_ref)(f + off, a0 + off, acc_ref, n);
                for (int l = 0; l < n_levels; l++) {
                    memcpy(acc, acc0, sizeof acc0);
                    (C == 1   ? levels[l]->blur_accum_y1
                     : C == 2 ? levels[l]->blur_accum_y2
                              : levels[l]->blur_accum_y4)(f + off, a0 + off, acc, n);
                    CHECK_MSG(memcmp(acc, acc_ref, sizeof acc) == 0,
                              "%s blur accum y%d n %d offset %d", bd_isa_name(levels[l]->isa), C,
                              n, off);
                }
            }
            for (int kind = 0; kind < 4; kind++) {
                memset(o_ref, 0xa5, sizeof o_ref);
                switch (kind) {
                case 0: bd_u8_avg2x2_ref(a0 + off, a1 + off, o_ref, n); break;
                case 1: bd_u8_avg2x2_dup_ref(a0 + off, a1 + off, o_ref, n); break;
                case 2: bd_u8_pair_avg_ref(a0 + off, o_ref, n); break;
                default: bd_u8_pair_expand_ref(a0 + off, o_ref, n); break;
                }
                for (int l = 0; l < n_levels; l++) {
                    const bd_img_kernels *k = levels[l];
                    memset(o, 0xa5, sizeof o);
                    switch (kind) {
                    case 0: k->avg2x2(a0 + off, a1 + off, o, n); break;
                    case 1: k->avg2x2_dup(a0 + off, a1 + off, o, n); break;
                    case 2: k->pair_avg(a0 + off, o, n); break;
                    default: k->pair_expand(a0 + off, o, n); break;
                    }
                    CHECK_MSG(memcmp(o, o_ref, sizeof o) == 0, "%s yuv alpha kind %d n %d off %d",
                              bd_isa_name(k->isa), kind, n, off);
                }
            }
        }
    /* the reference itself */
    const uint8_t x0[2] = {10, 21}, x1[2] = {30, 40};
    uint8_t r[4];
    bd_u8_avg2x2_ref(x0, x1, r, 1);
    CHECK(r[0] == 25); /* (10 + 21 + 30 + 40 + 2) >> 2 */
    bd_u8_pair_expand_ref(x0, r, 1);
    CHECK(r[0] == 10 && r[1] == 16 && r[2] == 21 && r[3] == 16);
    uint32_t ac[3] = {0, 0, 0};
    const uint8_t uv[2] = {100, 200}, al[1] = {56};
    bd_u8_blur_accum_y2_ref(uv, al, ac, 1);
    CHECK(ac[0] == 20000 && ac[1] == 40000 && ac[2] == 200);
}

/* Random floats: mostly in [lo, hi], 1 in 16 special (NaN, +-inf, 0, 1, huge). */
static float rnd_float(float lo, float hi) {
    uint32_t r = rnd();
    if ((r & 15) == 0) {
        static const float special[] = {0.0f, 1.0f, -0.0f, 1e-7f, 1e-6f, 5e-7f, 1e30f, -1e30f};
        const uint32_t k = (r >> 4) % 10;
        if (k == 8) return NAN;
        if (k == 9) return (r >> 8) & 1 ? INFINITY : -INFINITY;
        return special[k];
    }
    return lo + (hi - lo) * (float)(r >> 8) / 16777216.0f;
}

/* The temporal smoother's kernels (temporal_rows.inc) at every level. */
static void test_temporal_rows(void) {
    static float in[3 * MAXN + 8], p[MAXN + 8], d[MAXN + 8], s0[MAXN + 8];
    static float fo_ref[MAXN + GUARD], fo[MAXN + GUARD];
    static int16_t q_ref[3][MAXN + GUARD], q[3][MAXN + GUARD];
    static int16_t ia[3 * MAXN + 8], ib[3 * MAXN + 8], pad[MAXN + 8];
    static int16_t rows[5][MAXN + 8];
    const float qs[3] = {255.0f * 0.5f, 255.0f, 127.5f};
    const bd_tmp_params prm = {.lo = 8.0f / 255, .inv_range = 255.0f / 8, .w_still = 0.24f,
                               .dead = 0.2f, .leak = 0.1f};
    for (int s = 0; s < N_SIZES; s++)
        for (int off = 0; off < 2; off++) {
            const int n = SIZES[s];
            for (int i = 0; i < 3 * MAXN + 8; i++) in[i] = rnd_float(-300.0f, 300.0f);
            for (int i = 0; i < MAXN + 8; i++) {
                p[i] = rnd_float(-0.1f, 1.1f);
                d[i] = rnd_float(0.0f, 0.2f);
                s0[i] = rnd_float(0.0f, 1.0f);
                pad[i] = (int16_t)(rnd() % 256);
                for (int k = 0; k < 5; k++) rows[k][i] = (int16_t)(rnd() % 1276);
            }
            for (int i = 0; i < 3 * MAXN + 8; i++) {
                ia[i] = (int16_t)((int)(rnd() % 1000) - 500);
                ib[i] = (int16_t)((int)(rnd() % 1000) - 500);
            }
            const size_t plane = (size_t)MAXN + 2;
            const int16_t *rp[5] = {rows[0] + off, rows[1] + off, rows[2] + off, rows[3] + off,
                                    rows[4] + off};
            /* reference results */
            memset(q_ref, 0x5a, sizeof q_ref);
            bd_tmp_quant3_ref(in + off, qs, q_ref[0], q_ref[1], q_ref[2], n);
            int16_t q1_ref[MAXN + GUARD], ch_ref[MAXN + GUARD], hb_ref[MAXN + GUARD];
            memset(q1_ref, 0x5a, sizeof q1_ref);
            memset(ch_ref, 0x5a, sizeof ch_ref);
            memset(hb_ref, 0x5a, sizeof hb_ref);
            bd_tmp_quant1_ref(in + off, qs[1], q1_ref, n);
            bd_tmp_change_row_ref(ia + off, ib + off, plane, ch_ref, n);
            bd_tmp_hbox5_ref(pad + off, hb_ref, n - 4 > 0 ? n - 4 : 1);
            int nh_ref, nh;
            memset(fo_ref, 0x5a, sizeof fo_ref);
            const int sum_ref = bd_tmp_vbox5_ref(rp, 1.0f / 6375, 400, fo_ref, &nh_ref, n);
            float cl_ref[MAXN + GUARD], sm_ref[MAXN + GUARD];
            memset(cl_ref, 0x5a, sizeof cl_ref);
            bd_tmp_clamp_prob_ref(p + off, cl_ref, n);
            memcpy(sm_ref, s0, sizeof s0);
            bd_tmp_smooth_row_ref(d + off, cl_ref, sm_ref, &prm, n);
            for (int l = 0; l < n_levels; l++) {
                const bd_img_kernels *k = levels[l];
                const char *name = bd_isa_name(k->isa);
                memset(q, 0x5a, sizeof q);
                k->tmp_quant3(in + off, qs, q[0], q[1], q[2], n);
                CHECK_MSG(memcmp(q, q_ref, sizeof q) == 0, "%s quant3 n %d", name, n);
                int16_t t16[MAXN + GUARD];
                memset(t16, 0x5a, sizeof t16);
                k->tmp_quant1(in + off, qs[1], t16, n);
                CHECK_MSG(memcmp(t16, q1_ref, sizeof t16) == 0, "%s quant1 n %d", name, n);
                memset(t16, 0x5a, sizeof t16);
                k->tmp_change_row(ia + off, ib + off, plane, t16, n);
                CHECK_MSG(memcmp(t16, ch_ref, sizeof t16) == 0, "%s change_row n %d", name, n);
                memset(t16, 0x5a, sizeof t16);
                k->tmp_hbox5(pad + off, t16, n - 4 > 0 ? n - 4 : 1);
                CHECK_MSG(memcmp(t16, hb_ref, sizeof t16) == 0, "%s hbox5 n %d", name, n);
                memset(fo, 0x5a, sizeof fo);
                const int sum = k->tmp_vbox5(rp, 1.0f / 6375, 400, fo, &nh, n);
                CHECK_MSG(sum == sum_ref && nh == nh_ref && memcmp(fo, fo_ref, sizeof fo) == 0,
                          "%s vbox5 n %d", name, n);
                float cl[MAXN + GUARD], sm[MAXN + GUARD];
                memset(cl, 0x5a, sizeof cl);
                k->tmp_clamp_prob(p + off, cl, n);
                CHECK_MSG(memcmp(cl, cl_ref, sizeof cl) == 0, "%s clamp_prob n %d", name, n);
                memcpy(sm, s0, sizeof s0);
                k->tmp_smooth_row(d + off, cl, sm, &prm, n);
                CHECK_MSG(memcmp(sm, sm_ref, sizeof s0) == 0, "%s smooth_row n %d", name, n);
            }
        }
    /* the reference itself: rounding, clamps, NaN */
    const float v[4] = {0.5f / 255.0f, -300.0f, NAN, 2.0f};
    int16_t o0[4], o1[4], o2[4];
    const float one[3] = {255.0f, 255.0f, 255.0f};
    bd_tmp_quant3_ref(v, one, o0, o1, o2, 1);
    CHECK(o0[0] == 1 && o1[0] == -32000); /* 0.5 rounds up; -76500 clamps */
    float c[4];
    bd_tmp_clamp_prob_ref(v, c, 4);
    CHECK(c[0] == 0.5f / 255.0f && c[1] == 0.0f && c[2] == 0.0f && c[3] == 1.0f);
}

/* The frame-size tensor kernels (tensor_rows.inc) at every level against the
 * reference, and the reference against bd_yuv_to_rgb / bd_rgb_to_yuv. Both
 * chroma layouts, odd and even first pixels, rows with and without a second row. */
static void test_tensor_rows(void) {
    static uint8_t y[MAXN + 8], uv[2 * MAXN + 8], vv[MAXN + 8];
    static float lut[3][256], o_ref[3][MAXN + GUARD], o[3][MAXN + GUARD];
    static float fg[2][3][MAXN + 8];
    static uint8_t yo_ref[2][MAXN + GUARD], yo[2][MAXN + GUARD];
    static uint8_t co_ref[2 * MAXN + GUARD], co[2 * MAXN + GUARD];
    for (int c = 0; c < 3; c++)
        for (int i = 0; i < 256; i++) lut[c][i] = rnd_float(-3.0f, 3.0f);
    const float *luts[3] = {lut[0], lut[1], lut[2]};
    float *oref[3] = {o_ref[0], o_ref[1], o_ref[2]}, *ol[3] = {o[0], o[1], o[2]};
    for (int s = 0; s < N_SIZES; s++)
        for (int cstep = 1; cstep <= 2; cstep++)
            for (int x0 = 0; x0 < 3; x0++) {
                const int n = SIZES[s];
                if (x0 >= n) continue;
                fill_u8(y, sizeof y);
                fill_u8(uv, sizeof uv);
                fill_u8(vv, sizeof vv);
                const uint8_t *v = cstep == 2 ? uv + 1 : vv;
                for (int c = 0; c < 3; c++)
                    for (int i = 0; i < MAXN + GUARD; i++) o_ref[c][i] = -7.0f;
                bd_u8_yuv420_tensor_row_ref(y, uv, v, cstep, luts, oref, x0, n);
                for (int l = 0; l < n_levels; l++) {
                    memcpy(o, o_ref, sizeof o);
                    for (int c = 0; c < 3; c++)
                        for (int i = x0; i < n; i++) o[c][i] = -9.0f;
                    levels[l]->yuv420_tensor_row(y, uv, v, cstep, luts, ol, x0, n);
                    CHECK_MSG(memcmp(o, o_ref, sizeof o) == 0,
                              "%s yuv420 tensor row n %d cstep %d x0 %d",
                              bd_isa_name(levels[l]->isa), n, cstep, x0);
                }
                for (int r = 0; r < 2; r++)
                    for (int c = 0; c < 3; c++)
                        for (int i = 0; i < n; i++) {
                            /* a value on every byte's rounding boundary now and then */
                            const uint32_t k = rnd();
                            fg[r][c][i] = (k & 7) == 0 ? ((float)(k >> 8 & 255) + 0.5f) / 255.0f
                                                       : rnd_float(-0.1f, 1.1f);
                        }
                const float *f0[3] = {fg[0][0], fg[0][1], fg[0][2]};
                const float *f1[3] = {fg[1][0], fg[1][1], fg[1][2]};
                for (int two = 0; two < 2; two++) {
                    memset(yo_ref, 0xa5, sizeof yo_ref);
                    memset(co_ref, 0x5a, sizeof co_ref);
                    uint8_t *cv = cstep == 2 ? co_ref + 1 : co_ref + MAXN;
                    bd_f32_tensor_yuv420_rows_ref(f0, two ? f1 : NULL, yo_ref[0], yo_ref[1],
                                                  co_ref, cv, cstep, n);
                    for (int l = 0; l < n_levels; l++) {
                        memset(yo, 0xa5, sizeof yo);
                        memset(co, 0x5a, sizeof co);
                        cv = cstep == 2 ? co + 1 : co + MAXN;
                        levels[l]->tensor_yuv420_rows(f0, two ? f1 : NULL, yo[0], yo[1], co, cv,
                                                      cstep, n);
                        CHECK_MSG(memcmp(yo, yo_ref, sizeof yo) == 0 &&
                                      memcmp(co, co_ref, sizeof co) == 0,
                                  "%s tensor yuv420 rows n %d cstep %d rows %d",
                                  bd_isa_name(levels[l]->isa), n, cstep, 1 + two);
                    }
                }
            }
    /* the reference against the library's own conversions */
    int bad = 0;
    for (int i = 0; i < 1 << 16 && !bad; i++) {
        const uint8_t py[2] = {(uint8_t)rnd(), (uint8_t)rnd()};
        const uint8_t pu[1] = {(uint8_t)rnd()}, pv[1] = {(uint8_t)rnd()};
        float t[3][2];
        float *to[3] = {t[0], t[1], t[2]};
        bd_u8_yuv420_tensor_row_ref(py, pu, pv, 1, luts, to, 1, 2);
        uint8_t rgb[3];
        bd_yuv_to_rgb(py[1], pu[0], pv[0], rgb);
        for (int c = 0; c < 3; c++)
            if (memcmp(&t[c][1], &lut[c][rgb[c]], sizeof(float)) != 0) bad = 1;
    }
    CHECK_MSG(!bad, "yuv420 tensor reference differs from bd_yuv_to_rgb");
    float px[3][2] = {{0.2f, 1.5f}, {0.6f, NAN}, {-1.0f, 0.999f}};
    const float *pf[3] = {px[0], px[1], px[2]};
    uint8_t y2[2], u1, v1;
    bd_f32_tensor_yuv420_rows_ref(pf, NULL, y2, NULL, &u1, &v1, 1, 2);
    const uint8_t rgb0[3] = {51, 153, 0}, rgb1[3] = {255, 0, 255}; /* 0.2*255+.5 = 51.5 */
    uint8_t q0[3], q1[3];
    bd_rgb_to_yuv(rgb0, q0);
    bd_rgb_to_yuv(rgb1, q1);
    CHECK(y2[0] == q0[0] && y2[1] == q1[0]);
    CHECK(u1 == (q0[1] + q1[1] + 1) / 2 && v1 == (q0[2] + q1[2] + 1) / 2);
}

int main(void) {
    find_levels();
    RUN(test_mix_exhaustive);
    RUN(test_blend);
    RUN(test_attach);
    RUN(test_mask_row);
    RUN(test_hlerp);
    RUN(test_hlerp16);
    RUN(test_lerp16);
    RUN(test_blur_accum);
    RUN(test_yuv_rows);
    RUN(test_temporal_rows);
    RUN(test_tensor_rows);
    return harness_finish();
}
