//===- Passes.td - Inferno's passes over the llama dialect -*- tablegen -*-===//

#ifndef INFERNO_PASSES_TD
#define INFERNO_PASSES_TD

include "mlir/Pass/PassBase.td"

def LlamaAssignPrecision : Pass<"llama-assign-precision", "::mlir::ModuleOp"> {
  let summary = "Decide the storage and compute types of every weight-reading op";
  let description = [{
    Attaches `llama.precision = #llama.precision<...>` to every `llama.linear`,
    `llama.lm_head` and `llama.embedding`, and rewrites the storage type of the `llama.weight`
    symbols to match, so that placing weights and lowering only follow what is decided here.

    - A weight the checkpoint quantized (its `llama.weight` carries `quant`, attached by the
      importer from compressed-tensors' `config_groups` minus `ignore`) runs as w8a8:
      `storage = i8, compute = i8, activations = int8_dynamic_token` (int8 activations
      quantized per token at run time, int32 sums, float scales). Its scales are stored as
      f32, as the kernel reads them. This is the only checkpoint quantization the CPU backend
      executes: any other `quant` (int4, fp8, per-tensor or per-group scales, int8 weights
      without activation quantization) is refused, naming the weight, as is a quantized weight
      read by anything but a linear or lm_head.
    - `quantize` (`int8` or `int4-gN`) quantizes every float projection weight (linears and
      lm_head) at compile time, weight-only: activations stay float32 and the kernels
      dequantize in registers. int8 has one f32 scale per output row (absmax/127, values in
      [-127, 127]); `int4-gN` one per N input features of a row (absmax/7, values in [-7, 7],
      two per byte, stored as value + 8, the even feature in the low nibble). The weight
      becomes `i8 [out, in]` or `i32 [out, in/8]` with a `quant` scheme naming a new
      `<weight>_qscale` symbol, both marked `llama.compile_quantized` (placing weights computes
      them from the checkpoint's floats); readers get `compute = f32`. A weight whose input
      size the group does not divide is stored as int8 instead, with a warning. A weight the
      checkpoint already quantized is refused.
    - Every other weight is dense: `compute = f32`, stored as the `precision` policy says,
      else as `dtype` when given (norm weights included), else as the checkpoint stores it.

    The policy is a list `MODULE=DTYPE,...` (DTYPE f32, bf16, f16, int8 or int4-gN), later
    entries winning: `default` names every weight; otherwise MODULE matches a weight's module
    path (its checkpoint name without `model.` and `.weight`, e.g. `layers.3.mlp.down_proj`) by
    its leading components, each a name, `*`, a layer number or a range `A-B`: `lm_head`,
    `embed_tokens`, `layers.0-1`, `layers.*.mlp`, `layers.2.self_attn.q_proj`. A tied
    embedding is one weight, named by both `embed_tokens` and `lm_head`. Quantized dtypes
    apply to projections, and to the embedding table only when an entry names it (not
    through `default`; the table is then gathered and dequantized row by row); norm weights
    are never quantized. An entry that matches no weight it can apply to is an error, as is
    an int4 group that does not divide a matched weight's input size.

    `precision=auto` plans instead: for every float projection it measures the relative
    Frobenius error `||W - Q(W)|| / ||W||` of int8 and of int4 (each of g128, g64, g32
    that divides the input size) on the checkpoint's values (read from `weights-dir`),
    then, from all dense, repeatedly takes the step that adds the least squared error per
    byte saved until all weights (embedding, norms and scales included) fit `budget` bytes,
    and hands back steps the remaining slack allows. The plan (weight, mode, bytes, error)
    and its total are printed on stderr; a budget that even the smallest quantization of
    every projection exceeds is refused.
  }];
  let options = [
    Option<"dtype", "dtype", "std::string", /*default=*/"\"\"",
           "Storage of dense weights: f32, bf16 or f16 (default: as in the checkpoint)">,
    Option<"precision", "precision", "std::string", /*default=*/"\"\"",
           "Precision policy: MODULE=DTYPE entries, comma-separated, later ones winning; "
           "or auto">,
    Option<"quantize", "quantize", "std::string", /*default=*/"\"\"",
           "Quantize every float projection weight at compile time: int8 or int4-gN">,
    Option<"budget", "budget", "int64_t", /*default=*/"0",
           "Bytes all weights may take (precision=auto)">,
    Option<"weightsDir", "weights-dir", "std::string", /*default=*/"\".\"",
           "Directory the weights' files are relative to (precision=auto reads them)">,
  ];
}

def LlamaFuseQKV : Pass<"llama-fuse-qkv", "::mlir::func::FuncOp"> {
  let summary = "Run the q, k and v projections of each attention as one fused_linear";
  let description = [{
    For each `llama.attention` whose query and key (directly or through a `llama.rope`) and
    value are the results of `llama.linear` ops reading the same input with the same
    `llama.precision`, replaces the three linears by one
    `llama.fused_linear %x, [@q, @k, @v]`, placed where the first of them was. The CPU backend
    runs it as one kernel call, each weight read in place by its own symbol: the input is
    normalized (after `llama-fuse-norm`) and, for w8a8, quantized once, and w8a8 runs one
    parallel loop over every output row of the three weights (dense weights run their
    matvecs one after the other, measured faster than one loop with a hand-written tile).

    Leaves the linears alone (no diagnostic) when they read different inputs, when their
    precisions differ (e.g. a policy keeping `k_proj` in f32 and the rest in bf16), or when
    the precision is neither dense nor w8a8 (see `isFusablePrecision`), or undecided (run
    after `llama-assign-precision`).

    ```mlir
    // before
    %q = llama.linear %h, @q {llama.precision = #p} : tensor<?x64xf32> -> tensor<?x64xf32>
    %k = llama.linear %h, @k {llama.precision = #p} : tensor<?x64xf32> -> tensor<?x32xf32>
    %v = llama.linear %h, @v {llama.precision = #p} : tensor<?x64xf32> -> tensor<?x32xf32>
    // after
    %qkv:3 = llama.fused_linear %h, [@q, @k, @v] {llama.precision = #p}
        : tensor<?x64xf32> -> (tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32>)
    ```
  }];
}

def LlamaFuseGateUp : Pass<"llama-fuse-gate-up", "::mlir::func::FuncOp"> {
  let summary = "Run the gate and up projections feeding each swiglu as one fused_linear";
  let description = [{
    For each `llama.swiglu` whose gate (`lhs`) and up (`rhs`) operands are `llama.linear`
    results reading the same input with the same fusable `llama.precision`, replaces the two
    linears by `llama.fused_linear %x, [@gate, @up]`, whose two results feed the swiglu.
    The swiglu stays a separate op: its inputs are tokens × intermediate floats (64 KiB per
    token on the 1B shape, in L2 at decode) against hundreds of MiB of weights per token, so
    an epilogue would save under 0.1% of the traffic, while pairing gate and up rows in one
    task would tie the kernel's split of work to the pairs.

    Leaves the linears alone (no diagnostic) when inputs or precisions differ, or when the
    precision is neither dense nor w8a8.

    ```mlir
    // before
    %g = llama.linear %h, @gate {llama.precision = #p} : tensor<?x64xf32> -> tensor<?x160xf32>
    %u = llama.linear %h, @up {llama.precision = #p} : tensor<?x64xf32> -> tensor<?x160xf32>
    %a = llama.swiglu %g, %u : tensor<?x160xf32>
    // after
    %gu:2 = llama.fused_linear %h, [@gate, @up] {llama.precision = #p}
        : tensor<?x64xf32> -> (tensor<?x160xf32>, tensor<?x160xf32>)
    %a = llama.swiglu %gu#0, %gu#1 : tensor<?x160xf32>
    ```
  }];
}

def LlamaFuseRopeAttention : Pass<"llama-fuse-rope-attention", "::mlir::func::FuncOp"> {
  let summary = "Fold the RoPE of queries and keys into the attention op";
  let description = [{
    When both the query and the key of a `llama.attention` are `llama.rope` results used by
    nothing else, with the attention's positions, the same `#llama.rope`, the attention's
    head counts (`heads` for the query, `kv_heads` for the key) and the cache's head_dim,
    the attention reads the unrotated projections and carries `rope = #llama.rope<...>`: the
    kernel rotates each query head as it loads it and each key as it writes it to the KV
    cache, so rotated copies of Q and K never reach scratch memory.

    Leaves the ops alone (no diagnostic) when only one of query and key is rotated, when a
    rotated value has another user, or when any of the parameters above disagree.

    ```mlir
    // before
    %qr = llama.rope %q, %pos heads 4 head_dim 16 {rope = #llama.rope<theta = 10000.0>} : ...
    %kr = llama.rope %k, %pos heads 2 head_dim 16 {rope = #llama.rope<theta = 10000.0>} : ...
    %o = llama.attention %qr, %kr, %v, %pos, %cache layer 0 heads 4 kv_heads 2 : ...
    // after
    %o = llama.attention %q, %k, %v, %pos, %cache layer 0 heads 4 kv_heads 2
        rope <theta = 10000.0> : ...
    ```
  }];
}

def LlamaFuseNorm : Pass<"llama-fuse-norm", "::mlir::func::FuncOp"> {
  let summary = "Fold an rms_norm into the prologue of the projections that read it";
  let description = [{
    A `llama.rms_norm` whose every user is a `llama.linear` or a `llama.fused_linear` (without
    a norm of its own) with a fusable `llama.precision` disappears: each user becomes a
    `llama.fused_linear` of the norm's input with `norm @weight eps E`. The kernel computes
    each token's inverse RMS once and applies it, times the norm weight, while packing the
    activation row it multiplies, so the normalized activations never reach memory. (A
    norm with several users is recomputed by each; that costs tokens × hidden operations
    against tokens × hidden × out for the projection.)

    Leaves the norm alone (no diagnostic) when any user is something else (the final norm
    feeding `llama.lm_head`), has no or a non-fusable precision, or already has a norm.

    ```mlir
    // before
    %n = llama.rms_norm %x, @input_norm eps 1.0e-05 : tensor<?x64xf32>
    %qkv:3 = llama.fused_linear %n, [@q, @k, @v] {llama.precision = #p} : ...
    // after
    %qkv:3 = llama.fused_linear %x, [@q, @k, @v] norm @input_norm eps 1.0e-05
        {llama.precision = #p} : ...
    ```
  }];
}

def LlamaLowerToLLVM : Pass<"llama-lower-to-llvm", "::mlir::ModuleOp"> {
  let summary = "Lower the forward pass to LLVM dialect calls into the CPU kernel library";
  let description = [{
    Replaces `func.func @forward` with `llvm.func @inferno_model_forward(ptr)` following the
    runtime ABI (runtime/include/inferno/abi.h): each `llama` op becomes a call to its kernel
    (`inferno_matmul_bf16`, `inferno_attention`, ...; `inferno_matmul_w8a8` for a linear
    whose `llama.precision` computes in i8; `inferno_fused_linear_*` for a
    `llama.fused_linear`, given arrays of its weights' pointers; `inferno_attention_rope`
    for an attention carrying `rope`) with every shape, weight offset and
    buffer offset a constant; only the token count is read at run time. Activations live in
    one scratch arena whose slots are reused once a value is dead; RoPE works in place when
    its input has no other use. RoPE frequencies (with linear or llama3 scaling) are computed
    here, in float32 as Hugging Face does, and emitted as constant tables. Also emits the
    `inferno_model` descriptor, then drops the `llama.weight` symbols and module attributes.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
  let options = [
    Option<"maxBatch", "max-batch", "int64_t", /*default=*/"64",
           "Most tokens one forward call processes (scratch is sized for it)">,
  ];
}

#endif // INFERNO_PASSES_TD
