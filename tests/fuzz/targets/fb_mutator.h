/*
 * fb_mutator.h -- a structure-aware mutator for TFLite models (FlatBuffers),
 * used by fuzz_tflite's LLVMFuzzerCustomMutator; the counterpart of
 * pb_mutator.h for ONNX.
 *
 * The input is decoded into a tree of the fields the importer reads (fb_tree.h),
 * one to three semantic edits are made (one most often), and the tree is written back as a valid
 * FlatBuffer with the TFL3 identifier, so the result still parses and mostly
 * still loads, reaching shape inference, the passes, the planner and a run:
 *   - a tensor dim becomes small, 0, 1, -1, large or a neighbour; a dim is
 *     added or dropped; a tensor's type or buffer index changes;
 *   - an operator input or output is rewired to another tensor (or -1), an
 *     input is added or dropped;
 *   - an operator's opcode_index changes, or its operator code's builtin code
 *     (in place, or a new code entry for that operator only);
 *   - a scalar of an options table (stride, padding, activation, axis, dilation,
 *     beta, ...) changes; the options type is swapped, copied from another
 *     operator or dropped;
 *   - a subgraph input or output changes, is added or dropped;
 *   - a buffer's data is truncated or grown, or one of its int32/float values
 *     (a shape, an axis, a pad amount, a weight) becomes an edge value;
 *   - an operator or a tensor is duplicated, an operator deleted;
 *   - rarely: the schema version, an operator code's version, custom options.
 * Deterministic in `seed`; no global state; allocates only inside the call.
 */
#ifndef BD_FB_MUTATOR_H
#define BD_FB_MUTATOR_H

#include <stddef.h>
#include <stdint.h>

/**
 * Mutates the TFLite model data[0..size) in place. Returns the new size
 * (<= max_size), or 0 when the input does not decode or the result would not
 * fit (data is then unchanged). n_edits < 0: one to three edits, the count
 * picked by the seed (what the fuzzer uses); n_edits > 0: that many; 0: none,
 * the plain decode -> encode round trip (used by the tests).
 */
size_t bd_fb_mutate(uint8_t *data, size_t size, size_t max_size, unsigned int seed, int n_edits);

#endif /* BD_FB_MUTATOR_H */
