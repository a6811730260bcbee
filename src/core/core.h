/*
 * core.h -- the bottom module: error text, overflow-checked size arithmetic,
 * aligned allocation, float16 conversion and CPU feature detection. Every other
 * module may include it; it includes nothing of ours but backdrop.h.
 */
#ifndef BD_CORE_H
#define BD_CORE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backdrop.h"

#define BD_ALIGN 64         /* every tensor buffer is aligned to this */
#define BD_ERR_MSG_SIZE 320

/* A per-handle error: the status of the first failure and its message. */
typedef struct bd_err {
    bd_status status;
    char msg[BD_ERR_MSG_SIZE];
} bd_err;

/* Records an error (printf-style message) and returns `status`. The first call
 * wins: a later error on the same handle does not overwrite the root cause unless
 * bd_err_clear() was called. */
bd_status bd_err_set(bd_err *err, bd_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void bd_err_clear(bd_err *err);

/* Overflow-checked size arithmetic for sizes derived from untrusted data.
 * Each returns false (and leaves *out untouched) on overflow. */
static inline bool bd_size_mul(size_t a, size_t b, size_t *out) {
    if (a != 0 && b > SIZE_MAX / a) return false;
    *out = a * b;
    return true;
}
static inline bool bd_size_add(size_t a, size_t b, size_t *out) {
    if (b > SIZE_MAX - a) return false;
    *out = a + b;
    return true;
}
/* Rounds up to a multiple of BD_ALIGN; false on overflow. */
static inline bool bd_size_align(size_t a, size_t *out) {
    if (a > SIZE_MAX - (BD_ALIGN - 1)) return false;
    *out = (a + BD_ALIGN - 1) & ~(size_t)(BD_ALIGN - 1);
    return true;
}

/* 64-byte aligned allocation; the size is rounded up to BD_ALIGN and the extra
 * tail is zeroed, so vector loads may over-read up to the next multiple of 64. */
void *bd_aligned_alloc(size_t size);
void bd_aligned_free(void *p);

/* IEEE binary16 -> binary32, exact for every input incl. subnormals, inf, NaN. */
float bd_f16_to_f32(uint16_t h);

/* IEEE binary32 -> binary16, round to nearest even (as F16C vcvtps2ph with
 * imm 0): overflow gives +-inf, tiny values round to subnormals or +-0, NaN stays
 * a (quiet) NaN with the sign kept. core/half.c. */
uint16_t bd_f32_to_f16(float f);

/* binary32 -> bfloat16 (the top 16 bits), round to nearest even, with the
 * conventions of AVX512_BF16 vcvtne2ps2bf16 (which ignores MXCSR): subnormal
 * inputs become +-0 (sign kept), overflow rounds to +-inf, NaN stays a quiet NaN
 * with the sign and top payload bits kept. core/half.c. */
uint16_t bd_f32_to_bf16(float f);
/* bfloat16 -> binary32: exact (the bits shifted up). */
static inline float bd_bf16_to_f32(uint16_t h) {
    union { uint32_t u; float f; } v = {(uint32_t)h << 16};
    return v.f;
}

/* Floating-point mode for inference: flush subnormal results and operands to zero
 * (x86 MXCSR FTZ+DAZ). Subnormal arithmetic costs ~100 cycles per operation on
 * x86, and squeeze-excite gates (sigmoids of large negative logits) times small
 * activations produce them. The caller's mode is saved and restored: */
unsigned bd_fp_fast_enter(void);      /* returns the previous mode */
void bd_fp_fast_leave(unsigned saved);

/* CPU features (x86: CPUID + XGETBV, so the OS must save the registers too). */
typedef struct bd_cpu_info {
    bool avx2_fma;  /* AVX2 + FMA + F16C, OS saves YMM */
    bool avx512;    /* AVX-512 F/BW/DQ/VL, OS saves ZMM */
    bool avx512_bf16; /* avx512 and AVX512_BF16 (vcvtne2ps2bf16, vdpbf16ps) */
    bool avx512_vnni; /* avx512 and AVX512_VNNI (vpdpbusd) */
} bd_cpu_info;

void bd_cpu_detect(bd_cpu_info *info);

/* The ISA level to use: min(requested cap, BD_ISA env cap, what the CPU has). */
bd_isa bd_isa_resolve(bd_isa requested);

#endif /* BD_CORE_H */
