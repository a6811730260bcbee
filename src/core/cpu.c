/*
 * cpu.c -- run-time CPU feature detection and the ISA cap.
 *
 * On x86 a feature is usable only if CPUID reports it AND the OS saves the
 * register state (XGETBV: XCR0 bits 1-2 for YMM, 5-7 for ZMM/opmask).
 */
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static uint64_t xgetbv0(void) {
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

void bd_cpu_detect(bd_cpu_info *info) {
    memset(info, 0, sizeof *info);
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return;
    bool osxsave = (c >> 27) & 1, fma = (c >> 12) & 1, f16c = (c >> 29) & 1;
    bool avx = (c >> 28) & 1;
    if (!osxsave || !avx) return;
    uint64_t xcr0 = xgetbv0();
    bool ymm = (xcr0 & 0x6) == 0x6, zmm = (xcr0 & 0xe6) == 0xe6;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return;
    bool avx2 = (b >> 5) & 1;
    bool f = (b >> 16) & 1, dq = (b >> 17) & 1, bw = (b >> 30) & 1, vl = (b >> 31) & 1;
    info->avx2_fma = ymm && avx2 && fma && f16c;
    info->avx512 = info->avx2_fma && zmm && f && dq && bw && vl;
    /* AVX512_BF16: CPUID leaf 7 subleaf 1, EAX bit 5 (subleaf 1 exists when
     * subleaf 0 reports a maximum subleaf >= 1 in EAX). */
    unsigned max_sub = a;
    info->avx512_vnni = info->avx512 && ((c >> 11) & 1); /* leaf 7.0 ECX bit 11 */
    if (info->avx512 && max_sub >= 1 && __get_cpuid_count(7, 1, &a, &b, &c, &d))
        info->avx512_bf16 = (a >> 5) & 1;
}
#else
void bd_cpu_detect(bd_cpu_info *info) { memset(info, 0, sizeof *info); }
#endif

#if defined(__x86_64__) || defined(__SSE__)
#include <xmmintrin.h>

unsigned bd_fp_fast_enter(void) {
    unsigned saved = _mm_getcsr();
    _mm_setcsr(saved | 0x8040u); /* FTZ (bit 15) | DAZ (bit 6) */
    return saved;
}

void bd_fp_fast_leave(unsigned saved) { _mm_setcsr(saved); }
#else
unsigned bd_fp_fast_enter(void) { return 0; }
void bd_fp_fast_leave(unsigned saved) { (void)saved; }
#endif

const char *bd_isa_name(bd_isa isa) {
    switch (isa) {
    case BD_ISA_AUTO: return "auto";
    case BD_ISA_REF: return "ref";
    case BD_ISA_SCALAR: return "scalar";
    case BD_ISA_AVX2: return "avx2";
    case BD_ISA_AVX512: return "avx512";
    case BD_ISA_NEON: return "neon";
    default: return "unknown";
    }
}

bd_isa bd_isa_detect(void) {
    bd_cpu_info ci;
    bd_cpu_detect(&ci);
#if defined(BD_HAVE_AVX512)
    if (ci.avx512) return BD_ISA_AVX512;
#endif
#if defined(BD_HAVE_AVX2)
    if (ci.avx2_fma) return BD_ISA_AVX2;
#endif
    return BD_ISA_SCALAR;
}

static bd_isa isa_from_env(void) {
    const char *s = getenv("BD_ISA");
    if (!s || !*s) return BD_ISA_AUTO;
    for (int i = BD_ISA_REF; i <= BD_ISA_NEON; i++)
        if (strcmp(s, bd_isa_name((bd_isa)i)) == 0) return (bd_isa)i;
    return BD_ISA_AUTO;
}

bd_isa bd_isa_resolve(bd_isa requested) {
    bd_isa best = bd_isa_detect();
    bd_isa cap = requested == BD_ISA_AUTO ? best : requested;
    bd_isa env = isa_from_env();
    if (env != BD_ISA_AUTO && env < cap) cap = env;
    /* NEON is not an x86 level: a cap of NEON on x86 means "best". */
    if (cap == BD_ISA_NEON && best != BD_ISA_NEON) cap = best;
    return cap < best ? cap : best;
}
