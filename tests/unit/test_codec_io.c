/*
 * test_codec_io.c -- bd_image_read_file / bd_image_write_file and the image
 * buffers: PNG and JPEG round trips in every pixel format, PNG flavours made
 * with libpng directly (palette, 16-bit, 1-bit gray, gray+alpha, tRNS, Adam7),
 * truncated, corrupted and garbage files (an error, never a crash or a silent
 * gray image), size limits, the atomic write (no temp files left, unwritable
 * or missing directories give BD_ERR_IO) and the one-line messages.
 * Works in a fresh directory under $TMPDIR (or /tmp), removed at the end.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "image/image.h"

#ifdef BD_WITH_CODECS
#include <png.h>
#include <setjmp.h>

static char dir[512];
static char err[512];

static const char *tpath(const char *name) {
    static char buf[4][1024];
    static int i;
    i = (i + 1) % 4;
    snprintf(buf[i], sizeof buf[i], "%s/%s", dir, name);
    return buf[i];
}

/* A test image: smooth gradients plus a little noise, so JPEG stays close. */
static bd_image_buf *make_image(int w, int h, bd_pixel_format f, unsigned seed) {
    bd_image_buf *b = NULL;
    if (bd_image_alloc(w, h, f, &b) != BD_OK) return NULL;
    const bd_image *v = bd_image_view(b);
    const int bpp = bd_pixel_format_bpp(f);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int c = 0; c < bpp; c++) {
                int val = (x * 255 / (w > 1 ? w - 1 : 1) + y * 255 / (h > 1 ? h - 1 : 1)) / 2;
                val = c == 1 ? 255 - val : c == 2 ? val / 2 + 60 : c == 3 ? 200 - val / 4 : val;
                val += (int)(harness_rand(&seed) % 5) - 2;
                v->data[(size_t)y * v->stride_bytes + (size_t)x * bpp + c] =
                    (uint8_t)(val < 0     ? 0
                              : val > 255 ? 255
                                          : val);
            }
    return b;
}

static int same_pixels(const bd_image *a, const bd_image *b) {
    if (a->width != b->width || a->height != b->height || a->format != b->format) return 0;
    size_t row = (size_t)a->width * bd_pixel_format_bpp(a->format);
    for (int y = 0; y < a->height; y++)
        if (memcmp(a->data + y * a->stride_bytes, b->data + y * b->stride_bytes, row)) return 0;
    return 1;
}

/* Largest |a - b| over all bytes, and the mean. */
static int max_diff(const bd_image *a, const bd_image *b, double *mean) {
    size_t row = (size_t)a->width * bd_pixel_format_bpp(a->format);
    int m = 0;
    double sum = 0;
    for (int y = 0; y < a->height; y++)
        for (size_t i = 0; i < row; i++) {
            int d = abs(a->data[y * a->stride_bytes + i] - b->data[y * b->stride_bytes + i]);
            sum += d;
            if (d > m) m = d;
        }
    if (mean) *mean = sum / ((double)row * a->height);
    return m;
}

/* Number of entries in dir other than . and .. (temp files would show here). */
static int count_entries(const char *prefix_dot_only) {
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (prefix_dot_only && e->d_name[0] != '.') continue;
        n++;
    }
    if (d) closedir(d);
    return n;
}

static void test_alloc(void) {
    bd_image_buf *b = NULL;
    CHECK(bd_image_alloc(0, 5, BD_PIXEL_RGB24, &b) == BD_ERR_INVALID_ARG);
    CHECK(bd_image_alloc(5, -1, BD_PIXEL_RGB24, &b) == BD_ERR_INVALID_ARG);
    CHECK(bd_image_alloc(5, 5, (bd_pixel_format)99, &b) == BD_ERR_INVALID_ARG);
    CHECK(bd_image_alloc(5, 5, BD_PIXEL_RGB24, NULL) == BD_ERR_INVALID_ARG);
    CHECK(bd_image_alloc(1 << 21, 1, BD_PIXEL_RGB24, &b) == BD_ERR_LIMIT);
    CHECK(bd_image_alloc(1 << 20, 1 << 20, BD_PIXEL_RGBA32, &b) == BD_ERR_LIMIT);
    CHECK(b == NULL);
    CHECK(bd_image_alloc(3, 7, BD_PIXEL_RGB24, &b) == BD_OK && b);
    const bd_image *v = bd_image_view(b);
    CHECK(v->width == 3 && v->height == 7 && v->format == BD_PIXEL_RGB24);
    CHECK(v->stride_bytes == 64);
    CHECK(((uintptr_t)v->data & 63) == 0);
    int zero = 1;
    for (size_t i = 0; i < v->stride_bytes * 7; i++)
        zero &= v->data[i] == 0;
    CHECK(zero);
    bd_image_free(b);
    bd_image_free(NULL);
    CHECK(bd_image_view(NULL) == NULL);
    CHECK(bd_pixel_format_bpp(BD_PIXEL_GRAY8) == 1 && bd_pixel_format_bpp(BD_PIXEL_RGB24) == 3 &&
          bd_pixel_format_bpp(BD_PIXEL_RGBA32) == 4 && bd_pixel_format_bpp(0) == 0);
    bd_image_limits lim;
    bd_image_limits_default(&lim);
    CHECK(lim.max_width == 16384 && lim.max_height == 16384 && lim.max_pixels == 100000000);
}

static void test_png_roundtrip(void) {
    const bd_pixel_format fmts[3] = {BD_PIXEL_GRAY8, BD_PIXEL_RGB24, BD_PIXEL_RGBA32};
    for (int i = 0; i < 3; i++) {
        bd_image_buf *src = make_image(37, 23, fmts[i], 7u + i);
        const char *p = tpath("rt.PNG"); /* extension matched case-insensitively */
        bd_status st = bd_image_write_file(p, bd_image_view(src), 0, err, sizeof err);
        CHECK_MSG(st == BD_OK, "%s", err);
        bd_image_buf *back = NULL;
        st = bd_image_read_file(p, fmts[i], NULL, &back, err, sizeof err);
        CHECK_MSG(st == BD_OK, "%s", err);
        if (back) CHECK_MSG(same_pixels(bd_image_view(src), bd_image_view(back)), "format %d", i);
        bd_image_free(back);
        bd_image_free(src);
    }
    /* Conversions on read: gray -> RGB replicated, RGBA -> RGB drops alpha,
     * RGB -> RGBA gets A = 255. */
    bd_image_buf *gray = make_image(9, 5, BD_PIXEL_GRAY8, 3);
    bd_image_buf *rgba = make_image(9, 5, BD_PIXEL_RGBA32, 4);
    CHECK(bd_image_write_file(tpath("g.png"), bd_image_view(gray), 0, err, sizeof err) == BD_OK);
    CHECK(bd_image_write_file(tpath("a.png"), bd_image_view(rgba), 0, err, sizeof err) == BD_OK);
    bd_image_buf *g3 = NULL, *a3 = NULL, *g4 = NULL;
    CHECK(bd_image_read_file(tpath("g.png"), BD_PIXEL_RGB24, NULL, &g3, err, sizeof err) == BD_OK);
    CHECK(bd_image_read_file(tpath("a.png"), BD_PIXEL_RGB24, NULL, &a3, err, sizeof err) == BD_OK);
    CHECK(bd_image_read_file(tpath("g.png"), BD_PIXEL_RGBA32, NULL, &g4, err, sizeof err) == BD_OK);
    if (g3 && a3 && g4) {
        const bd_image *G = bd_image_view(gray), *A = bd_image_view(rgba);
        const bd_image *G3 = bd_image_view(g3), *A3 = bd_image_view(a3), *G4 = bd_image_view(g4);
        int ok = 1;
        for (int y = 0; y < 5; y++)
            for (int x = 0; x < 9; x++) {
                uint8_t gv = G->data[y * G->stride_bytes + x];
                for (int c = 0; c < 3; c++) {
                    ok &= G3->data[y * G3->stride_bytes + 3 * x + c] == gv;
                    ok &= G4->data[y * G4->stride_bytes + 4 * x + c] == gv;
                    ok &= A3->data[y * A3->stride_bytes + 3 * x + c] ==
                          A->data[y * A->stride_bytes + 4 * x + c];
                }
                ok &= G4->data[y * G4->stride_bytes + 4 * x + 3] == 255;
            }
        CHECK(ok);
    }
    bd_image_free(g3);
    bd_image_free(a3);
    bd_image_free(g4);
    bd_image_free(gray);
    bd_image_free(rgba);
}

static void test_jpeg_roundtrip(void) {
    bd_image_buf *src = make_image(64, 48, BD_PIXEL_RGB24, 11);
    const char *p = tpath("rt.jpg");
    bd_status st = bd_image_write_file(p, bd_image_view(src), 95, err, sizeof err);
    CHECK_MSG(st == BD_OK, "%s", err);
    bd_image_buf *back = NULL;
    st = bd_image_read_file(p, BD_PIXEL_RGB24, NULL, &back, err, sizeof err);
    CHECK_MSG(st == BD_OK, "%s", err);
    if (back) {
        double mean;
        int m = max_diff(bd_image_view(src), bd_image_view(back), &mean);
        /* Lossy: quality 95 with 4:2:0 chroma on a smooth image. */
        CHECK_MSG(m <= 40 && mean < 3.0, "max %d mean %.2f", m, mean);
    }
    bd_image_free(back);
    back = NULL;
    /* RGBA read of a JPEG: A = 255 and the same RGB as the RGB24 read. */
    bd_image_buf *rgb = NULL;
    CHECK(bd_image_read_file(p, BD_PIXEL_RGBA32, NULL, &back, err, sizeof err) == BD_OK);
    CHECK(bd_image_read_file(p, BD_PIXEL_RGB24, NULL, &rgb, err, sizeof err) == BD_OK);
    if (back && rgb) {
        const bd_image *a = bd_image_view(back), *b = bd_image_view(rgb);
        int ok = 1;
        for (int y = 0; y < 48; y++)
            for (int x = 0; x < 64; x++) {
                for (int c = 0; c < 3; c++)
                    ok &= a->data[y * a->stride_bytes + 4 * x + c] ==
                          b->data[y * b->stride_bytes + 3 * x + c];
                ok &= a->data[y * a->stride_bytes + 4 * x + 3] == 255;
            }
        CHECK(ok);
    }
    bd_image_free(back);
    bd_image_free(rgb);
    bd_image_free(src);

    /* Gray JPEG, default quality (0 -> 92), read back as RGB: R == G == B. */
    bd_image_buf *g = make_image(33, 17, BD_PIXEL_GRAY8, 5), *g3 = NULL;
    CHECK(bd_image_write_file(tpath("g.jpeg"), bd_image_view(g), 0, err, sizeof err) == BD_OK);
    CHECK(bd_image_read_file(tpath("g.jpeg"), BD_PIXEL_RGB24, NULL, &g3, err, sizeof err) == BD_OK);
    if (g3) {
        const bd_image *v = bd_image_view(g3);
        int ok = 1;
        for (int y = 0; y < v->height; y++)
            for (int x = 0; x < v->width; x++) {
                const uint8_t *px = v->data + y * v->stride_bytes + 3 * x;
                ok &= px[0] == px[1] && px[1] == px[2];
            }
        CHECK(ok);
    }
    bd_image_free(g3);
    bd_image_free(g);

    /* JPEG cannot hold alpha; quality out of range. Neither leaves a file. */
    bd_image_buf *rgba = make_image(8, 8, BD_PIXEL_RGBA32, 1);
    CHECK(bd_image_write_file(tpath("x.jpg"), bd_image_view(rgba), 0, err, sizeof err) ==
          BD_ERR_UNSUPPORTED);
    bd_image_free(rgba);
    bd_image_buf *rgb8 = make_image(8, 8, BD_PIXEL_RGB24, 1);
    CHECK(bd_image_write_file(tpath("x.jpg"), bd_image_view(rgb8), 101, err, sizeof err) ==
          BD_ERR_INVALID_ARG);
    CHECK(bd_image_write_file(tpath("x.bmp"), bd_image_view(rgb8), 0, err, sizeof err) ==
          BD_ERR_UNSUPPORTED);
    bd_image_free(rgb8);
    CHECK(access(tpath("x.jpg"), F_OK) != 0 && access(tpath("x.bmp"), F_OK) != 0);
}

/* --- PNG flavours written with libpng directly -------------------------------------- */

typedef struct png_spec {
    const char *name;
    int ctype, depth, interlace, trns;
} png_spec;

static void png_test_error(png_structp png, png_const_charp msg) {
    fprintf(stderr, "test PNG writer: %s\n", msg);
    png_longjmp(png, 1);
}

/* Writes a 13x9 PNG whose gray level / palette index at (x, y) is
 * (x + 3 y) mod 2^depth (clamped to 255 for the palette), scaled per depth. */
static int write_flavour(const char *path, const png_spec *s) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, png_test_error, NULL);
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        fclose(f);
        return -1;
    }
    png_init_io(png, f);
    const int w = 13, h = 9;
    png_set_IHDR(png, info, w, h, s->depth, s->ctype, s->interlace, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    if (s->ctype == PNG_COLOR_TYPE_PALETTE) {
        png_color pal[256];
        for (int i = 0; i < 256; i++) {
            pal[i].red = (png_byte)i;
            pal[i].green = (png_byte)(255 - i);
            pal[i].blue = (png_byte)(i / 2);
        }
        png_set_PLTE(png, info, pal, 1 << s->depth);
    }
    if (s->trns) {
        png_byte alpha[1] = {0};
        png_color_16 tc = {0};
        tc.gray = 0;
        png_set_tRNS(png, info, alpha, 1, &tc);
    }
    png_write_info(png, info);
    if (s->depth < 8) png_set_packing(png);
    if (s->depth == 16) png_set_swap(png); /* we fill 16-bit samples little-endian */
    int ch = png_get_channels(png, info);
    int bytes = s->depth == 16 ? 2 : 1;
    int passes = png_set_interlace_handling(png);
    unsigned char row[13 * 4 * 2];
    for (int pass = 0; pass < passes; pass++)
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++)
                for (int c = 0; c < ch; c++) {
                    unsigned v =
                        (unsigned)(x + 3 * y + 40 * c) % (1u << (s->depth > 8 ? 8 : s->depth));
                    if (s->depth == 16) v = v * 257;
                    unsigned char *o = row + ((size_t)x * ch + c) * bytes;
                    o[0] = (unsigned char)(v & 0xff);
                    if (bytes == 2) o[1] = (unsigned char)(v >> 8);
                }
            png_write_row(png, row);
        }
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    return fclose(f) == 0 ? 0 : -1;
}

static void test_png_flavours(void) {
    const png_spec specs[] = {
        {"pal8", PNG_COLOR_TYPE_PALETTE, 8, PNG_INTERLACE_NONE, 0},
        {"pal4", PNG_COLOR_TYPE_PALETTE, 4, PNG_INTERLACE_NONE, 0},
        {"pal2-trns", PNG_COLOR_TYPE_PALETTE, 2, PNG_INTERLACE_NONE, 1},
        {"gray1", PNG_COLOR_TYPE_GRAY, 1, PNG_INTERLACE_NONE, 0},
        {"gray16", PNG_COLOR_TYPE_GRAY, 16, PNG_INTERLACE_NONE, 0},
        {"rgb16", PNG_COLOR_TYPE_RGB, 16, PNG_INTERLACE_NONE, 0},
        {"rgba16", PNG_COLOR_TYPE_RGB_ALPHA, 16, PNG_INTERLACE_NONE, 0},
        {"ga8", PNG_COLOR_TYPE_GRAY_ALPHA, 8, PNG_INTERLACE_NONE, 0},
        {"gray8-trns", PNG_COLOR_TYPE_GRAY, 8, PNG_INTERLACE_NONE, 1},
        {"rgb8-adam7", PNG_COLOR_TYPE_RGB, 8, PNG_INTERLACE_ADAM7, 0},
        {"gray2-adam7", PNG_COLOR_TYPE_GRAY, 2, PNG_INTERLACE_ADAM7, 0},
    };
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        const png_spec *s = &specs[i];
        char name[64];
        snprintf(name, sizeof name, "%s.png", s->name);
        if (write_flavour(tpath(name), s) != 0) {
            CHECK_MSG(0, "could not write %s", name);
            continue;
        }
        bd_image_buf *img[3] = {0};
        const bd_pixel_format fmts[3] = {BD_PIXEL_GRAY8, BD_PIXEL_RGB24, BD_PIXEL_RGBA32};
        for (int k = 0; k < 3; k++) {
            bd_status st = bd_image_read_file(tpath(name), fmts[k], NULL, &img[k], err, sizeof err);
            CHECK_MSG(st == BD_OK, "%s as %d: %s", name, fmts[k], err);
        }
        if (img[0] && img[1] && img[2]) {
            const bd_image *g = bd_image_view(img[0]), *c3 = bd_image_view(img[1]),
                           *c4 = bd_image_view(img[2]);
            CHECK(g->width == 13 && g->height == 9 && c3->width == 13 && c4->height == 9);
            /* RGB and RGBA agree on colour; the expected value at pixel (x, y)
             * is known for gray and palette sources. */
            int ok = 1, expect_ok = 1;
            for (int y = 0; y < 9; y++)
                for (int x = 0; x < 13; x++) {
                    const uint8_t *p3 = c3->data + y * c3->stride_bytes + 3 * x;
                    const uint8_t *p4 = c4->data + y * c4->stride_bytes + 4 * x;
                    ok &= p3[0] == p4[0] && p3[1] == p4[1] && p3[2] == p4[2];
                    unsigned idx = (unsigned)(x + 3 * y) % (1u << (s->depth > 8 ? 8 : s->depth));
                    if (s->ctype == PNG_COLOR_TYPE_PALETTE) {
                        expect_ok &= p3[0] == idx && p3[1] == 255 - idx && p3[2] == idx / 2;
                        if (s->trns) expect_ok &= p4[3] == (idx == 0 ? 0 : 255);
                    } else if (!(s->ctype & PNG_COLOR_MASK_COLOR)) {
                        unsigned scale = s->depth >= 8 ? 1 : 255u / ((1u << s->depth) - 1);
                        unsigned gv = idx * scale;
                        expect_ok &= p3[0] == gv && p3[1] == gv && p3[2] == gv;
                        expect_ok &= g->data[y * g->stride_bytes + x] == gv;
                        unsigned av = s->ctype == PNG_COLOR_TYPE_GRAY_ALPHA
                                          ? (unsigned)(x + 3 * y + 40) % 256
                                      : s->trns ? (gv == 0 ? 0 : 255)
                                                : 255;
                        expect_ok &= p4[3] == av;
                    } else {
                        expect_ok &= p3[0] == idx; /* 16-bit v*257 scales back to v */
                    }
                }
            CHECK_MSG(ok, "%s: RGB and RGBA reads disagree", name);
            CHECK_MSG(expect_ok, "%s: unexpected pixel values", name);
        }
        for (int k = 0; k < 3; k++)
            bd_image_free(img[k]);
    }
}

/* --- broken input ---------------------------------------------------------------------- */

/* Reads path expecting failure: checks status, that *out stays NULL and that a
 * one-line message naming the file came back. */
static void expect_fail(const char *path, bd_status want, const char *what) {
    bd_image_buf *img = NULL;
    err[0] = 0;
    bd_status st = bd_image_read_file(path, BD_PIXEL_RGB24, NULL, &img, err, sizeof err);
    CHECK_MSG(st == want, "%s: status %d (%s), want %d; msg: %s", what, st, bd_status_str(st), want,
              err);
    CHECK_MSG(img == NULL, "%s: image returned on failure", what);
    CHECK_MSG(err[0] && strchr(err, '\n') == NULL && strstr(err, path), "%s: message '%s'", what,
              err);
    bd_image_free(img);
}

static void test_truncated(void) {
    const char *names[2] = {"full.png", "full.jpg"};
    bd_image_buf *src = make_image(120, 90, BD_PIXEL_RGB24, 21);
    for (int k = 0; k < 2; k++) {
        CHECK(bd_image_write_file(tpath(names[k]), bd_image_view(src), 90, err, sizeof err) ==
              BD_OK);
        size_t size = 0;
        unsigned char *data = harness_read_file(tpath(names[k]), &size);
        CHECK(data && size > 100);
        if (!data) continue;
        const size_t cuts[] = {0,         1,         3,        7,        8,        16,
                               33,        60,        100,      size / 4, size / 2, size * 3 / 4,
                               size - 20, size - 12, size - 2, size - 1};
        for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
            char what[64];
            snprintf(what, sizeof what, "%s cut at %zu of %zu", names[k], cuts[i], size);
            const char *p = tpath(k ? "cut.jpg" : "cut.png");
            CHECK(harness_write_file(p, data, cuts[i]) == 0);
            expect_fail(p, BD_ERR_FORMAT, what);
        }
        free(data);
    }
    bd_image_free(src);
}

/* Flipping bytes inside the data must give an error or a valid image, never a
 * crash (run this under ASan). A flipped PNG byte is always caught by a CRC. */
static void test_corrupted(void) {
    unsigned seed = 12345;
    const char *names[2] = {"full.png", "full.jpg"};
    for (int k = 0; k < 2; k++) {
        size_t size = 0;
        unsigned char *data = harness_read_file(tpath(names[k]), &size);
        if (!data) continue;
        int n_err = 0;
        for (int trial = 0; trial < 150; trial++) {
            unsigned char *copy = malloc(size);
            memcpy(copy, data, size);
            int flips = 1 + (int)(harness_rand(&seed) % 4);
            for (int j = 0; j < flips; j++) {
                size_t at = 3 + harness_rand(&seed) % (size - 3); /* keep the signature */
                copy[at] ^= (unsigned char)(1 + harness_rand(&seed) % 255);
            }
            const char *p = tpath(k ? "bad.jpg" : "bad.png");
            harness_write_file(p, copy, size);
            bd_image_buf *img = NULL;
            bd_status st = bd_image_read_file(p, BD_PIXEL_RGBA32, NULL, &img, err, sizeof err);
            if (st == BD_OK) {
                const bd_image *v = bd_image_view(img);
                CHECK(v && v->width >= 1 && v->height >= 1 && v->format == BD_PIXEL_RGBA32);
            } else {
                n_err++;
                CHECK_MSG(img == NULL && strchr(err, '\n') == NULL, "%s", err);
            }
            bd_image_free(img);
            free(copy);
        }
        if (k == 0) CHECK_MSG(n_err == 150, "PNG: %d of 150 corruptions detected", n_err);
        printf("  %s: %d of 150 corrupted copies rejected\n", names[k], n_err);
        free(data);
    }
}

static void test_garbage(void) {
    unsigned seed = 99;
    unsigned char buf[4096];
    for (int trial = 0; trial < 40; trial++) {
        size_t n = 1 + harness_rand(&seed) % sizeof buf;
        for (size_t i = 0; i < n; i++)
            buf[i] = (unsigned char)harness_rand(&seed);
        /* a third pure noise, a third with a PNG signature, a third with JPEG SOI */
        if (trial % 3 == 1 && n >= 8) memcpy(buf, "\x89PNG\r\n\x1a\n", 8);
        if (trial % 3 == 2 && n >= 3) memcpy(buf, "\xff\xd8\xff", 3);
        harness_write_file(tpath("garbage.bin"), buf, n);
        bd_image_buf *img = NULL;
        bd_status st =
            bd_image_read_file(tpath("garbage.bin"), BD_PIXEL_RGB24, NULL, &img, err, sizeof err);
        CHECK_MSG(st != BD_OK && img == NULL, "trial %d: status %d", trial, st);
        bd_image_free(img);
    }
    const char *txt = tpath("x.txt");
    harness_write_file(txt, "hello, world\n", 13);
    expect_fail(txt, BD_ERR_FORMAT, "text file");
    char want[1100];
    snprintf(want, sizeof want, "'%s': not a PNG or JPEG file", txt);
    CHECK_MSG(strcmp(err, want) == 0, "message '%s'", err);
    harness_write_file(tpath("empty.png"), "", 0);
    expect_fail(tpath("empty.png"), BD_ERR_FORMAT, "empty file");
    expect_fail(tpath("does-not-exist.png"), BD_ERR_IO, "missing file");
    expect_fail(dir, BD_ERR_IO, "a directory");
}

/* CRC-32 as PNG chunks use it (ISO 3309), bit by bit: tests only. */
static uint32_t png_crc(const unsigned char *p, size_t n) {
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
    }
    return c ^ 0xffffffffu;
}

static void test_limits(void) {
    bd_image_buf *src = make_image(300, 10, BD_PIXEL_RGB24, 2);
    CHECK(bd_image_write_file(tpath("wide.png"), bd_image_view(src), 0, err, sizeof err) == BD_OK);
    CHECK(bd_image_write_file(tpath("wide.jpg"), bd_image_view(src), 0, err, sizeof err) == BD_OK);
    bd_image_free(src);
    bd_image_limits lim;
    bd_image_limits_default(&lim);
    lim.max_width = 100;
    for (int k = 0; k < 2; k++) {
        const char *p = tpath(k ? "wide.jpg" : "wide.png");
        bd_image_buf *img = NULL;
        CHECK(bd_image_read_file(p, BD_PIXEL_RGB24, &lim, &img, err, sizeof err) == BD_ERR_LIMIT);
        char want[1200];
        snprintf(want, sizeof want, "image '%s' is 300x10 pixels, larger than the limit 100x16384",
                 p);
        CHECK_MSG(strcmp(err, want) == 0, "message '%s'", err);
        CHECK(img == NULL);
    }
    bd_image_limits_default(&lim);
    lim.max_pixels = 2999;
    bd_image_buf *img = NULL;
    CHECK(bd_image_read_file(tpath("wide.png"), BD_PIXEL_RGB24, &lim, &img, err, sizeof err) ==
          BD_ERR_LIMIT);
    lim.max_pixels = 3000;
    CHECK(bd_image_read_file(tpath("wide.png"), BD_PIXEL_RGB24, &lim, &img, err, sizeof err) ==
          BD_OK);
    bd_image_free(img);
    img = NULL;
    lim.struct_size = 4; /* too short to be real */
    CHECK(bd_image_read_file(tpath("wide.png"), BD_PIXEL_RGB24, &lim, &img, err, sizeof err) ==
          BD_ERR_INVALID_ARG);

    /* A PNG header claiming 70000 x 10 is refused before any allocation. */
    size_t size = 0;
    unsigned char *data = harness_read_file(tpath("wide.png"), &size);
    if (data) {
        /* IHDR width at offset 16, big-endian; the CRC is now wrong, but the
         * limit check must come first or the message would be about the CRC,
         * so rewrite the CRC too. */
        data[16] = 0;
        data[17] = 1;
        data[18] = 0x11;
        data[19] = 0x70; /* 70000 */
        uint32_t crc = png_crc(data + 12, 17);
        data[29] = (unsigned char)(crc >> 24);
        data[30] = (unsigned char)(crc >> 16);
        data[31] = (unsigned char)(crc >> 8);
        data[32] = (unsigned char)crc;
        harness_write_file(tpath("huge.png"), data, size);
        free(data);
        CHECK(bd_image_read_file(tpath("huge.png"), BD_PIXEL_RGB24, NULL, &img, err, sizeof err) ==
              BD_ERR_LIMIT);
        char want[1200];
        snprintf(want, sizeof want,
                 "image '%s' is 70000x10 pixels, larger than the limit 16384x16384",
                 tpath("huge.png"));
        CHECK_MSG(strcmp(err, want) == 0, "message '%s'", err);
    }
}

static void test_atomic_write(void) {
    bd_image_buf *a = make_image(20, 20, BD_PIXEL_RGB24, 1);
    bd_image_buf *b = make_image(20, 20, BD_PIXEL_RGB24, 2);
    const char *p = tpath("atomic.png");
    CHECK(bd_image_write_file(p, bd_image_view(a), 0, err, sizeof err) == BD_OK);
    CHECK(chmod(p, 0640) == 0);
    CHECK(bd_image_write_file(p, bd_image_view(b), 0, err, sizeof err) == BD_OK);
    bd_image_buf *back = NULL;
    CHECK(bd_image_read_file(p, BD_PIXEL_RGB24, NULL, &back, err, sizeof err) == BD_OK);
    if (back) CHECK(same_pixels(bd_image_view(back), bd_image_view(b)));
    bd_image_free(back);
    struct stat sb;
    CHECK(stat(p, &sb) == 0 && (sb.st_mode & 0777) == 0640); /* mode of the replaced file */
    CHECK_MSG(count_entries(".") == 0, "temporary files left in %s", dir);

    /* A missing directory: BD_ERR_IO naming the path, nothing created. */
    char missing[1100];
    snprintf(missing, sizeof missing, "%s/no/such/dir/out.png", dir);
    int before = count_entries(NULL);
    CHECK(bd_image_write_file(missing, bd_image_view(a), 0, err, sizeof err) == BD_ERR_IO);
    CHECK_MSG(strstr(err, missing) && strstr(err, strerror(ENOENT)), "message '%s'", err);
    CHECK(count_entries(NULL) == before);

    /* An unwritable directory (root ignores permissions: skip then). */
    char ro[1100], ro_file[1200];
    snprintf(ro, sizeof ro, "%s/ro", dir);
    snprintf(ro_file, sizeof ro_file, "%s/out.jpg", ro);
    CHECK(mkdir(ro, 0500) == 0);
    if (geteuid() == 0) {
        harness_skip("running as root: unwritable-directory check");
    } else {
        CHECK(bd_image_write_file(ro_file, bd_image_view(a), 0, err, sizeof err) == BD_ERR_IO);
        CHECK_MSG(strstr(err, ro_file) && strstr(err, strerror(EACCES)), "message '%s'", err);
    }
    chmod(ro, 0700);
    unlink(ro_file);
    rmdir(ro);

    /* Invalid views are refused before anything touches the disk. */
    bd_image bad = *bd_image_view(a);
    bad.stride_bytes = 10;
    CHECK(bd_image_write_file(tpath("invalid.png"), &bad, 0, err, sizeof err) ==
          BD_ERR_INVALID_ARG);
    CHECK(bd_image_write_file(tpath("invalid.png"), NULL, 0, err, sizeof err) ==
          BD_ERR_INVALID_ARG);
    CHECK(bd_image_write_file(NULL, bd_image_view(a), 0, err, sizeof err) == BD_ERR_INVALID_ARG);
    CHECK(access(tpath("invalid.png"), F_OK) != 0);
    CHECK_MSG(count_entries(".") == 0, "temporary files left in %s", dir);
    /* err may be NULL / 0 bytes */
    CHECK(bd_image_write_file(missing, bd_image_view(a), 0, NULL, 0) == BD_ERR_IO);
    bd_image_free(a);
    bd_image_free(b);
}

/* Removes every file in dir, then dir. */
static void cleanup(void) {
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[1200];
    while (d && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    if (d) closedir(d);
    rmdir(dir);
}

int main(void) {
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/bd_codec_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        fprintf(stderr, "mkdtemp %s: %s\n", dir, strerror(errno));
        return 1;
    }
    RUN(test_alloc);
    RUN(test_png_roundtrip);
    RUN(test_jpeg_roundtrip);
    RUN(test_png_flavours);
    RUN(test_truncated);
    RUN(test_corrupted);
    RUN(test_garbage);
    RUN(test_limits);
    RUN(test_atomic_write);
    cleanup();
    return harness_finish();
}

#else /* !BD_WITH_CODECS */

int main(void) {
    char err[256];
    bd_image_buf *img = NULL;
    CHECK(bd_image_read_file("x.png", BD_PIXEL_RGB24, NULL, &img, err, sizeof err) ==
          BD_ERR_UNSUPPORTED);
    harness_skip("built without codecs");
    return harness_finish();
}

#endif
