/*
 * exif.c -- the one EXIF field backdrop reads: the orientation tag (0x0112) of
 * the first image file directory, so that a phone photo stored sideways is
 * segmented and written the way it is shown.
 *
 * The EXIF block is a TIFF structure (TIFF 6.0, section 2): an 8-byte header
 * ("II" little-endian or "MM" big-endian, the magic 42, the offset of IFD0),
 * then IFD0: a 2-byte entry count and 12-byte entries (tag, type, count,
 * value-or-offset). A SHORT value with count 1 sits in the first two bytes of
 * the value field. The block comes from the file, so every offset and count is
 * checked against its length; anything malformed reads as "no orientation".
 */
#include "io/io.h"

static unsigned rd16(const uint8_t *p, int le) {
    return le ? (unsigned)p[0] | (unsigned)p[1] << 8 : (unsigned)p[0] << 8 | (unsigned)p[1];
}

static uint32_t rd32(const uint8_t *p, int le) {
    return le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                    (uint32_t)p[3] << 24
              : (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
                    (uint32_t)p[3];
}

int bd_exif_orientation(const uint8_t *tiff, size_t n) {
    if (!tiff || n < 8) return 0;
    int le;
    if (tiff[0] == 'I' && tiff[1] == 'I') {
        le = 1;
    } else if (tiff[0] == 'M' && tiff[1] == 'M') {
        le = 0;
    } else {
        return 0;
    }
    if (rd16(tiff + 2, le) != 42) return 0;
    uint32_t ifd = rd32(tiff + 4, le);
    if (ifd < 8 || ifd > n || n - ifd < 2) return 0;
    unsigned count = rd16(tiff + ifd, le);
    if ((size_t)count > (n - ifd - 2) / 12) return 0; /* entries must fit */
    for (unsigned i = 0; i < count; i++) {
        const uint8_t *e = tiff + ifd + 2 + (size_t)i * 12;
        if (rd16(e, le) != 0x0112) continue;
        /* type 3 = SHORT, count 1; the value is left-justified in the field */
        if (rd16(e + 2, le) != 3 || rd32(e + 4, le) != 1) return 0;
        unsigned v = rd16(e + 8, le);
        return v >= 1 && v <= 8 ? (int)v : 0;
    }
    return 0;
}

int bd_exif_orientation_app1(const uint8_t *data, size_t n) {
    static const uint8_t id[6] = {'E', 'x', 'i', 'f', 0, 0};
    if (!data || n < sizeof id) return 0;
    for (size_t i = 0; i < sizeof id; i++)
        if (data[i] != id[i]) return 0;
    return bd_exif_orientation(data + sizeof id, n - sizeof id);
}
