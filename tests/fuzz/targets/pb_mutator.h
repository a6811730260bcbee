/*
 * pb_mutator.h -- a structure-aware mutator for protobuf messages (ONNX
 * ModelProto), used by fuzz_onnx's LLVMFuzzerCustomMutator.
 *
 * The input is parsed into a tree of fields by the wire format alone (no
 * schema): a length-delimited field whose bytes parse completely as fields is
 * taken as a sub-message, anything else as bytes. One to three edits are made
 * on the tree and it is written back with every length recomputed, so the
 * result is again well-formed protobuf:
 *   - a varint (a dim, an attribute's int, a data type, an opset) becomes a
 *     nearby, small, extreme or random value;
 *   - a bytes field (a name: rewiring a node's input or output; a string
 *     attribute) takes the bytes of another bytes field of the same message;
 *   - a field is duplicated (one more node, dim, attribute, initializer),
 *     deleted, or swapped with its next sibling;
 *   - a sub-message takes a copy of another sub-message with the same field
 *     number (one node's attributes onto another node);
 *   - a byte of a bytes field is changed.
 * Deterministic in `seed`; no global state; allocates only inside the call.
 */
#ifndef BD_PB_MUTATOR_H
#define BD_PB_MUTATOR_H

#include <stddef.h>
#include <stdint.h>

/**
 * Mutates the protobuf message data[0..size) in place. Returns the new size
 * (<= max_size), or 0 when the input does not parse as protobuf or the result
 * would not fit (data is then unchanged).
 */
size_t bd_pb_mutate(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

#endif /* BD_PB_MUTATOR_H */
