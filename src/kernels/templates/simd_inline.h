/*
 * simd_inline.h -- BD_INLINE, the inlining of the vector vocabulary (the
 * simd_<isa>.h headers and templates/simd_common.inc) and of the templates'
 * helpers.
 */
#ifndef BD_SIMD_INLINE_H
#define BD_SIMD_INLINE_H

/* Forced inlining turns the templates' parameters (K, S, D, tile size) into
 * constants of each instantiation; an unoptimised build (Debug, the sanitizer
 * build) gets plain static inline instead: there it only multiplied the code
 * (every dw_vec/bdv_* call inlined into the one driver at -O0 + ASan: a 1.3 MB
 * function, 7.6 s to compile dwconv_avx512.c). */
#ifdef __OPTIMIZE__
#define BD_INLINE static inline __attribute__((always_inline))
#else
#define BD_INLINE static inline
#endif

#endif
