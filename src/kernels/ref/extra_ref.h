/*
 * extra_ref.h -- reference kernels of ops that have no entry in the dispatch table
 * (kernels.h) yet. The executor calls them directly; when an op here earns fast
 * versions it moves into bd_kernels.
 */
#ifndef BD_EXTRA_REF_H
#define BD_EXTRA_REF_H

#include <stddef.h>
#include <stdint.h>

/* Permutes the axes of a dense row-major tensor of rank n_dims (1..8):
 * out dims[i] = in_dims[perm[i]], out[idx] = in[idx'] with idx'[perm[i]] = idx[i].
 * perm is a permutation of 0..n_dims-1 (checked by the verifier). in and out must
 * not overlap. */
void bd_f32_transpose_ref(const float *restrict in, float *restrict out, int n_dims,
                          const int64_t *in_dims, const int *perm);

#endif /* BD_EXTRA_REF_H */
