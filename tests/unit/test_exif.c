/*
 * test_exif.c -- EXIF orientation: the TIFF parser on good and malformed
 * blocks, the eight orientations' pixel mapping (by where two stored corners
 * land, per the EXIF 2.3 definition of each value), and end to end through
 * bd_image_read_file for JPEG (APP1) and PNG (eXIf before and after IDAT),
 * including keep_orientation and hostile EXIF blocks that must be ignored; the
 * same files through bd_image_read_memory must give identical pixels.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdint.h>
#include <unistd.h>

#include "harness.h"
#include "image/image.h"
#include "io/io.h"

static char dir[512];
static char err[512];

/* A TIFF block with IFD0 holding `n_entries` entries, the orientation one last. */
static size_t make_tiff(uint8_t *b, int le, unsigned orientation, unsigned type,
                        unsigned count) {
    size_t n = 0;
#define P16(v)                                                                                \
    do {                                                                                      \
        unsigned v_ = (v);                                                                    \
        if (le) { b[n++] = (uint8_t)v_; b[n++] = (uint8_t)(v_ >> 8); }                       \
        else { b[n++] = (uint8_t)(v_ >> 8); b[n++] = (uint8_t)v_; }                           \
    } while (0)
#define P32(v)                                                                                \
    do {                                                                                      \
        uint32_t w_ = (v);                                                                    \
        if (le) { P16(w_ & 0xffff); P16(w_ >> 16); } else { P16(w_ >> 16); P16(w_ & 0xffff); } \
    } while (0)
    b[n++] = le ? 'I' : 'M';
    b[n++] = le ? 'I' : 'M';
    P16(42);
    P32(8);
    P16(2);
    P16(0x010f); P16(2); P32(4); P32(0x41424300); /* Make = "ABC" */
    P16(0x0112); P16(type); P32(count); P16(orientation); P16(0);
    P32(0); /* no next IFD */
    return n;
#undef P16
#undef P32
}

static void test_parser(void) {
    uint8_t b[128];
    for (int le = 0; le <= 1; le++) {
        for (unsigned o = 1; o <= 8; o++) {
            size_t n = make_tiff(b, le, o, 3, 1);
            CHECK_MSG(bd_exif_orientation(b, n) == (int)o, "le %d o %u", le, o);
        }
        size_t n = make_tiff(b, le, 9, 3, 1);
        CHECK(bd_exif_orientation(b, n) == 0); /* out of range */
        n = make_tiff(b, le, 6, 4, 1);
        CHECK(bd_exif_orientation(b, n) == 0); /* LONG, not SHORT */
        n = make_tiff(b, le, 6, 3, 2);
        CHECK(bd_exif_orientation(b, n) == 0); /* count 2 */
        n = make_tiff(b, le, 6, 3, 1);
        for (size_t cut = 0; cut < n - 4; cut++) /* entry cut off: never read past n */
            CHECK_MSG(bd_exif_orientation(b, cut) == 0, "cut %zu", cut);
        uint8_t bad[128];
        memcpy(bad, b, n);
        bad[le ? 8 : 9] = 0xff; /* entry count 255: does not fit */
        CHECK(bd_exif_orientation(bad, n) == 0);
        memcpy(bad, b, n);
        bad[le ? 4 : 7] = 0xf0; /* IFD offset past the end */
        CHECK(bd_exif_orientation(bad, n) == 0);
        memcpy(bad, b, n);
        bad[2] = 43; /* bad magic */
        CHECK(bd_exif_orientation(bad, n) == 0);
    }
    uint8_t app1[140] = {'E', 'x', 'i', 'f', 0, 0};
    size_t n = make_tiff(app1 + 6, 1, 8, 3, 1);
    CHECK(bd_exif_orientation_app1(app1, n + 6) == 8);
    app1[4] = 1;
    CHECK(bd_exif_orientation_app1(app1, n + 6) == 0);
    CHECK(bd_exif_orientation(NULL, 10) == 0);
}

/* Stored corners TL and TR, and where EXIF says each is shown. */
enum { TL, TR, BL, BR };
static const int tl_goes[9] = {0, TL, TR, BR, BL, TL, TR, BR, BL};
static const int tr_goes[9] = {0, TR, TL, BL, BR, BL, BR, TR, TL};

static const uint8_t *corner(const bd_image *im, int c) {
    int x = (c == TR || c == BR) ? im->width - 1 : 0;
    int y = (c == BL || c == BR) ? im->height - 1 : 0;
    return im->data + (size_t)y * im->stride_bytes + (size_t)x * 3;
}

static void test_orient_mapping(void) {
    const int w = 5, h = 3;
    bd_image_buf *src = NULL;
    CHECK(bd_image_alloc(w, h, BD_PIXEL_RGB24, &src) == BD_OK);
    if (!src) return;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint8_t *p = src->view.data + (size_t)y * src->view.stride_bytes + (size_t)x * 3;
            p[0] = (uint8_t)x; p[1] = (uint8_t)y; p[2] = (uint8_t)(x * 16 + y);
        }
    for (int o = 1; o <= 8; o++) {
        bd_image_buf *dst = NULL;
        CHECK(bd_image_orient(&src->view, o, &dst) == BD_OK);
        if (!dst) continue;
        const bd_image *d = &dst->view;
        CHECK_MSG(o >= 5 ? (d->width == h && d->height == w) : (d->width == w && d->height == h),
                  "orientation %d size %dx%d", o, d->width, d->height);
        CHECK_MSG(memcmp(corner(d, tl_goes[o]), corner(&src->view, TL), 3) == 0, "o %d TL", o);
        CHECK_MSG(memcmp(corner(d, tr_goes[o]), corner(&src->view, TR), 3) == 0, "o %d TR", o);
        /* a permutation: every stored pixel appears exactly once */
        int seen[5 * 3] = {0};
        for (int y = 0; y < d->height; y++)
            for (int x = 0; x < d->width; x++) {
                const uint8_t *p = d->data + (size_t)y * d->stride_bytes + (size_t)x * 3;
                seen[p[1] * w + p[0]]++;
            }
        int ok = 1;
        for (int i = 0; i < w * h; i++) ok &= seen[i] == 1;
        CHECK_MSG(ok, "orientation %d is not a permutation", o);
        bd_image_free(dst);
    }
    bd_image_buf *dst = NULL;
    CHECK(bd_image_orient(&src->view, 0, &dst) == BD_ERR_INVALID_ARG && !dst);
    CHECK(bd_image_orient(&src->view, 9, &dst) == BD_ERR_INVALID_ARG && !dst);
    bd_image_free(src);
}

/* A 64x32 RGB picture in four flat quadrants (large blocks survive JPEG). */
static const uint8_t quad_rgb[4][3] = {{250, 0, 0}, {0, 250, 0}, {0, 0, 250}, {250, 250, 250}};

static bd_image_buf *make_quadrants(void) {
    bd_image_buf *im = NULL;
    if (bd_image_alloc(64, 32, BD_PIXEL_RGB24, &im) != BD_OK) return NULL;
    for (int y = 0; y < 32; y++)
        for (int x = 0; x < 64; x++)
            memcpy(im->view.data + (size_t)y * im->view.stride_bytes + (size_t)x * 3,
                   quad_rgb[(y >= 16) * 2 + (x >= 32)], 3);
    return im;
}

static int near_rgb(const uint8_t *p, const uint8_t *q) {
    for (int i = 0; i < 3; i++)
        if (abs((int)p[i] - (int)q[i]) > 12) return 0;
    return 1;
}

static const char *tpath(const char *name) {
    static char buf[1024];
    snprintf(buf, sizeof buf, "%s/%s", dir, name);
    return buf;
}

static int write_bytes(const char *path, const uint8_t *p, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    int ok = fwrite(p, 1, n, f) == n;
    return fclose(f) == 0 && ok;
}

static uint32_t crc32_png(const uint8_t *p, size_t n) {
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
    }
    return c ^ 0xffffffffu;
}

/* Reads `path` upright and as stored; checks sizes and the stored TL corner. */
static void check_read(const char *path, int o, const char *what) {
    bd_image_buf *up = NULL, *raw = NULL;
    CHECK_MSG(bd_image_read_file(path, BD_PIXEL_RGB24, NULL, &up, err, sizeof err) == BD_OK,
              "%s: %s", what, err);
    bd_image_limits lim;
    bd_image_limits_default(&lim);
    lim.keep_orientation = 1;
    CHECK_MSG(bd_image_read_file(path, BD_PIXEL_RGB24, &lim, &raw, err, sizeof err) == BD_OK,
              "%s: %s", what, err);
    if (up && raw) {
        CHECK_MSG(raw->view.width == 64 && raw->view.height == 32, "%s stored size", what);
        int swap = o >= 5;
        CHECK_MSG(up->view.width == (swap ? 32 : 64) && up->view.height == (swap ? 64 : 32),
                  "%s: orientation %d gave %dx%d", what, o, up->view.width, up->view.height);
        CHECK_MSG(near_rgb(corner(&up->view, tl_goes[o]), quad_rgb[0]), "%s o %d TL", what, o);
        CHECK_MSG(near_rgb(corner(&up->view, tr_goes[o]), quad_rgb[1]), "%s o %d TR", what, o);
    }
    /* bd_image_read_memory runs the same decoders: bit-identical pixels, upright
     * and as stored. */
    size_t n = 0;
    uint8_t *bytes = (uint8_t *)harness_read_file(path, &n);
    CHECK_MSG(bytes != NULL, "%s: cannot reread", what);
    for (int keep = 0; keep <= 1 && bytes; keep++) {
        bd_image_buf *mem = NULL;
        const bd_image_buf *want = keep ? raw : up;
        CHECK_MSG(bd_image_read_memory(bytes, n, BD_PIXEL_RGB24, keep ? &lim : NULL, &mem, err,
                                       sizeof err) == BD_OK,
                  "%s: memory: %s", what, err);
        if (mem && want) {
            const bd_image *a = &mem->view, *b = &want->view;
            int same = a->width == b->width && a->height == b->height;
            for (int y = 0; same && y < a->height; y++)
                same = memcmp(a->data + (size_t)y * a->stride_bytes,
                              b->data + (size_t)y * b->stride_bytes, (size_t)a->width * 3) == 0;
            CHECK_MSG(same, "%s: memory decode (keep %d) differs from the file's", what, keep);
        }
        bd_image_free(mem);
    }
    free(bytes);
    bd_image_free(up);
    bd_image_free(raw);
}

/* bd_image_read_memory's own argument and input checks. */
static void test_memory_errors(void) {
    bd_image_buf *im = NULL;
    static const uint8_t junk[16] = "not an image....";
    CHECK(bd_image_read_memory(NULL, 10, BD_PIXEL_RGB24, NULL, &im, err, sizeof err) ==
              BD_ERR_INVALID_ARG && !im);
    CHECK(bd_image_read_memory(junk, sizeof junk, BD_PIXEL_RGB24, NULL, NULL, err, sizeof err) ==
          BD_ERR_INVALID_ARG);
    CHECK(bd_image_read_memory(junk, sizeof junk, (bd_pixel_format)99, NULL, &im, err,
                               sizeof err) == BD_ERR_INVALID_ARG && !im);
    CHECK(bd_image_read_memory(junk, 0, BD_PIXEL_RGB24, NULL, &im, err, sizeof err) ==
              BD_ERR_FORMAT && !im);
    CHECK(bd_image_read_memory(junk, sizeof junk, BD_PIXEL_RGB24, NULL, &im, err, sizeof err) ==
              BD_ERR_FORMAT && !im);
    CHECK_MSG(strstr(err, "(memory)") && strstr(err, "not a PNG or JPEG"), "message: %s", err);
    /* The pixel limit refuses a 64x32 picture before decoding it. */
    bd_image_buf *q = make_quadrants();
    CHECK(q && bd_image_write_file(tpath("plain.png"), &q->view, 0, err, sizeof err) == BD_OK);
    size_t n = 0;
    uint8_t *png = (uint8_t *)harness_read_file(tpath("plain.png"), &n);
    CHECK(png != NULL);
    if (png) {
        bd_image_limits lim;
        bd_image_limits_default(&lim);
        lim.max_pixels = 64 * 32 - 1;
        CHECK(bd_image_read_memory(png, n, BD_PIXEL_RGB24, &lim, &im, err, sizeof err) ==
                  BD_ERR_LIMIT && !im);
        CHECK_MSG(strstr(err, "64") != NULL, "message: %s", err);
        /* Truncated: a format error, never a crash. */
        CHECK(bd_image_read_memory(png, n / 2, BD_PIXEL_RGB24, NULL, &im, err, sizeof err) ==
                  BD_ERR_FORMAT && !im);
    }
    free(png);
    bd_image_free(q);
}

static void test_jpeg_exif(void) {
    bd_image_buf *im = make_quadrants();
    CHECK(im != NULL);
    if (!im) return;
    CHECK(bd_image_write_file(tpath("plain.jpg"), &im->view, 95, err, sizeof err) == BD_OK);
    size_t n = 0;
    uint8_t *jpg = (uint8_t *)harness_read_file(tpath("plain.jpg"), &n);
    CHECK(jpg && n > 4);
    if (!jpg) goto out;
    for (int o = 1; o <= 8; o++) {
        uint8_t seg[160] = {0xff, 0xe1, 0, 0, 'E', 'x', 'i', 'f', 0, 0};
        size_t t = make_tiff(seg + 10, o % 2, (unsigned)o, 3, 1);
        size_t len = t + 8; /* length field counts itself and the payload */
        seg[2] = (uint8_t)(len >> 8);
        seg[3] = (uint8_t)len;
        uint8_t *out = malloc(n + len + 2);
        memcpy(out, jpg, 2);
        memcpy(out + 2, seg, len + 2);
        memcpy(out + 2 + len + 2, jpg + 2, n - 2);
        CHECK(write_bytes(tpath("exif.jpg"), out, n + len + 2));
        char what[64];
        snprintf(what, sizeof what, "JPEG orientation %d", o);
        check_read(tpath("exif.jpg"), o, what);
        free(out);
    }
    /* Hostile EXIF payloads: the image still reads, as stored. */
    for (int k = 0; k < 3; k++) {
        uint8_t seg[160] = {0xff, 0xe1, 0, 0, 'E', 'x', 'i', 'f', 0, 0};
        size_t t = make_tiff(seg + 10, 1, 6, 3, 1);
        if (k == 0) seg[10 + 8] = 0xff;        /* entry count far too large */
        if (k == 1) seg[10 + 4] = 0xfe;        /* IFD offset outside the block */
        if (k == 2) t = 9;                     /* block cut after the header */
        size_t len = t + 8;
        seg[2] = (uint8_t)(len >> 8);
        seg[3] = (uint8_t)len;
        uint8_t *out = malloc(n + len + 2);
        memcpy(out, jpg, 2);
        memcpy(out + 2, seg, len + 2);
        memcpy(out + 2 + len + 2, jpg + 2, n - 2);
        CHECK(write_bytes(tpath("bad.jpg"), out, n + len + 2));
        char what[64];
        snprintf(what, sizeof what, "JPEG hostile EXIF %d", k);
        check_read(tpath("bad.jpg"), 1, what);
        free(out);
    }
out:
    free(jpg);
    bd_image_free(im);
}

/* Inserts an eXIf chunk after IHDR (before IDAT) or before IEND (after IDAT). */
static void test_png_exif(void) {
    bd_image_buf *im = make_quadrants();
    CHECK(im != NULL);
    if (!im) return;
    CHECK(bd_image_write_file(tpath("plain.png"), &im->view, 0, err, sizeof err) == BD_OK);
    size_t n = 0;
    uint8_t *png = (uint8_t *)harness_read_file(tpath("plain.png"), &n);
    CHECK(png && n > 8 + 25 + 12);
    if (!png) goto out;
    for (int after = 0; after <= 1; after++) {
        for (int o = 1; o <= 8; o++) {
            uint8_t chunk[160];
            size_t t = make_tiff(chunk + 8, o % 2, (unsigned)o, 3, 1);
            chunk[0] = chunk[1] = 0;
            chunk[2] = (uint8_t)(t >> 8);
            chunk[3] = (uint8_t)t;
            memcpy(chunk + 4, "eXIf", 4);
            uint32_t c = crc32_png(chunk + 4, t + 4);
            for (int i = 0; i < 4; i++) chunk[8 + t + i] = (uint8_t)(c >> (24 - 8 * i));
            size_t clen = t + 12;
            size_t at = after ? n - 12 : 8 + 25; /* before IEND / after IHDR */
            uint8_t *out = malloc(n + clen);
            memcpy(out, png, at);
            memcpy(out + at, chunk, clen);
            memcpy(out + at + clen, png + at, n - at);
            CHECK(write_bytes(tpath("exif.png"), out, n + clen));
            char what[64];
            snprintf(what, sizeof what, "PNG eXIf %s IDAT, orientation %d",
                     after ? "after" : "before", o);
            check_read(tpath("exif.png"), o, what);
            free(out);
        }
    }
out:
    free(png);
    bd_image_free(im);
}

int main(void) {
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/bd_exif_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        fprintf(stderr, "mkdtemp %s: %s\n", dir, strerror(errno));
        return 1;
    }
    RUN(test_parser);
    RUN(test_orient_mapping);
    RUN(test_jpeg_exif);
    RUN(test_png_exif);
    RUN(test_memory_errors);
    const char *names[] = {"plain.jpg", "exif.jpg", "bad.jpg", "plain.png", "exif.png"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) unlink(tpath(names[i]));
    rmdir(dir);
    return harness_finish();
}
