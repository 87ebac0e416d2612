/*===- abi.h - the interface between generated model code and the runtime -*- C -*-===//
 *
 * The compiler emits one object per artifact that defines `inferno_model` (what it was
 * compiled for) and `inferno_model_forward` (one forward pass over up to max_batch tokens);
 * the runtime loads the weights, owns the KV cache and scratch memory, and calls it. Every
 * shape, stride and weight offset is a constant inside the generated code; only the token
 * count varies per call. Both backends target this interface.
 *===----------------------------------------------------------------------===*/

#ifndef INFERNO_RUNTIME_ABI_H
#define INFERNO_RUNTIME_ABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever a struct below or the meaning of a field changes. */
#define INFERNO_ABI_VERSION 1

typedef struct inferno_forward_args {
  /* Base address of each weights file, in the manifest's order. */
  const uint8_t *const *weights;
  /* Keys [layers][context][kv_heads][head_dim], then values in the same layout. */
  float *kv_cache;
  /* scratch_floats floats, 64-byte aligned; contents are not preserved between calls. */
  float *scratch;
  const int32_t *tokens;    /* n_tokens ids, each < vocab */
  const int32_t *positions; /* n_tokens increasing positions, each < context */
  int64_t n_tokens;         /* 1 <= n_tokens <= max_batch */
  /* [all_logits ? n_tokens : 1][vocab] floats: the logits of every token, or of the last. */
  float *logits;
  int64_t all_logits;
} inferno_forward_args;

typedef struct inferno_model_desc {
  int64_t abi_version;     /* INFERNO_ABI_VERSION of the compiler that emitted the object */
  int64_t max_batch;       /* most tokens one forward call takes */
  int64_t scratch_floats;  /* scratch the forward pass needs */
  int64_t kv_cache_floats; /* 2 * layers * context * kv_heads * head_dim */
  int64_t context;         /* positions the KV cache holds */
  int64_t vocab;
  int64_t num_weight_files;
} inferno_model_desc;

/* Defined by the generated object. */
extern const inferno_model_desc inferno_model;
void inferno_model_forward(const inferno_forward_args *args);

/* Defined only by objects whose model runs on a GPU (--target cuda); the runtime declares them
 * weak and takes their presence to mean that the object keeps the weights, the KV cache and the
 * scratch in device memory itself: such a descriptor has kv_cache_floats = scratch_floats = 0,
 * and forward is called with kv_cache = scratch = NULL (tokens, positions and logits stay host
 * memory).
 *
 * inferno_model_open runs once, before the first forward: it uploads the tensors from the
 * mapped weight files (weights[i], as for forward), or with synthetic != 0 ignores them
 * (weights may be NULL) and fills every tensor with the seeded values of --synthetic-weights.
 * Returns 0, or non-zero with a one-line reason in error[error_size].
 * inferno_model_device names the device, for --stats.
 *
 * inferno_model_greedy decodes greedily on the device: it runs `token` at `position`, then
 * each step's highest-logit id (the lowest among equal logits) at the next position, for at
 * most `steps` forward passes, without the logits leaving the device. on_token(id, user)
 * receives every step's id in order and returns 0 to stop. The device may run one step past
 * the last id handed over; that step's cache row lies past the positions the caller counts
 * as filled, and the next forward there overwrites it. Returns how many ids were handed over;
 * -1 when a step's logits held a NaN or an infinity (that step's id is not handed over); -2,
 * having run nothing, when the object cannot decode this way now (while profiling), and the
 * caller samples on the host. */
int32_t inferno_model_open(const uint8_t *const *weights, int32_t synthetic, uint64_t seed,
                           char *error, int64_t error_size);
const char *inferno_model_device(void);
int64_t inferno_model_greedy(int32_t token, int32_t position, int64_t steps,
                             int32_t (*on_token)(int32_t id, void *user), void *user);

#ifdef __cplusplus
}
#endif

#endif /* INFERNO_RUNTIME_ABI_H */
