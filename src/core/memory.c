/*
 * memory.c -- aligned allocation and float16 conversion.
 */
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

void *bd_aligned_alloc(size_t size) {
    size_t padded;
    if (!bd_size_align(size ? size : 1, &padded)) return NULL;
    void *p = aligned_alloc(BD_ALIGN, padded);
    if (p && padded > size) memset((char *)p + size, 0, padded - size);
    return p;
}

void bd_aligned_free(void *p) { free(p); }

float bd_f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1f;
    uint32_t mant = h & 0x3ffu;
    uint32_t bits;
    if (exp == 0x1f) { /* inf or NaN: keep the payload */
        bits = sign | 0x7f800000u | (mant << 13);
    } else if (exp != 0) { /* normal: rebias 15 -> 127 */
        bits = sign | ((exp + 112u) << 23) | (mant << 13);
    } else if (mant == 0) { /* signed zero */
        bits = sign;
    } else { /* subnormal: value = mant * 2^-24, normalise it */
        int e = -1;
        do {
            mant <<= 1;
            e++;
        } while (!(mant & 0x400u));
        bits = sign | ((uint32_t)(112 - e) << 23) | ((mant & 0x3ffu) << 13);
    }
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}
