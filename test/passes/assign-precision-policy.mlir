// RUN: inferno-opt %s '--llama-assign-precision=precision=default=bf16,lm_head=f32,layers.1=f16,layers.*.mlp=f32' | FileCheck %s
// RUN: not inferno-opt %s --llama-assign-precision=precision=layers.9=f32 2>&1 | FileCheck %s --check-prefix=UNUSED
// RUN: not inferno-opt %s --llama-assign-precision=precision=default=int8 2>&1 | FileCheck %s --check-prefix=INT8
// RUN: not inferno-opt %s --llama-assign-precision=precision=lm_head 2>&1 | FileCheck %s --check-prefix=MALFORMED
// RUN: not inferno-opt %s --llama-assign-precision=precision=layers.0=f64 2>&1 | FileCheck %s --check-prefix=DTYPE

// A user policy, later entries winning: default bf16; the tied embedding is also the lm_head,
// so `lm_head=f32` makes it f32; layer 1 f16; every MLP f32, except the weight the checkpoint
// quantized, which stays int8.
module attributes {llama.config = #llama.config<hidden = 8, intermediate = 12, layers = 2, heads = 4, kv_heads = 2, head_dim = 2, vocab = 16, max_positions = 32, rms_eps = 1.0e-05, rope = #llama.rope<theta = 10000.0>, tie_embeddings = true>} {
  llama.weight @model.embed_tokens.weight in "m.safetensors" at 0 : tensor<16x8xf32>
  llama.weight @model.layers.0.input_layernorm.weight in "m.safetensors" at 512 : tensor<8xf32>
  llama.weight @model.layers.0.self_attn.q_proj.weight in "m.safetensors" at 1024 : tensor<8x8xf32>
  llama.weight @model.layers.0.mlp.up_proj.weight in "m.safetensors" at 2048 : tensor<12x8xf32>
  llama.weight @model.layers.1.self_attn.q_proj.weight in "m.safetensors" at 3072 : tensor<8x8xf32>
  llama.weight @model.layers.1.mlp.up_proj.weight in "m.safetensors" at 4096 : tensor<12x8xi8> quant <kind = int8, granularity = channel, scale = @model.layers.1.mlp.up_proj.weight_scale, activations = int8_dynamic_token>
  llama.weight @model.layers.1.mlp.up_proj.weight_scale in "m.safetensors" at 4224 : tensor<12x1xf32>
  llama.weight @model.norm.weight in "m.safetensors" at 5120 : tensor<8xf32>
  func.func @forward(%t: tensor<?xi32>, %p: tensor<?xi32>, %c: !llama.kv_cache<2 x 32 x 2 x 2, f32>) -> tensor<?x16xf32> {
    %x = llama.embedding %t, @model.embed_tokens.weight : tensor<?xi32> -> tensor<?x8xf32>
    %h = llama.rms_norm %x, @model.layers.0.input_layernorm.weight eps 1.0e-05 : tensor<?x8xf32>
    %q0 = llama.linear %h, @model.layers.0.self_attn.q_proj.weight : tensor<?x8xf32> -> tensor<?x8xf32>
    %u0 = llama.linear %h, @model.layers.0.mlp.up_proj.weight : tensor<?x8xf32> -> tensor<?x12xf32>
    %q1 = llama.linear %q0, @model.layers.1.self_attn.q_proj.weight : tensor<?x8xf32> -> tensor<?x8xf32>
    %u1 = llama.linear %q1, @model.layers.1.mlp.up_proj.weight : tensor<?x8xf32> -> tensor<?x12xf32>
    %f = llama.rms_norm %q1, @model.norm.weight eps 1.0e-05 : tensor<?x8xf32>
    %l = llama.lm_head %f, @model.embed_tokens.weight : tensor<?x8xf32> -> tensor<?x16xf32>
    return %l : tensor<?x16xf32>
  }
}

// CHECK: llama.weight @model.embed_tokens.weight {{.*}} : tensor<16x8xf32>
// CHECK: llama.weight @model.layers.0.input_layernorm.weight {{.*}} : tensor<8xbf16>
// CHECK: llama.weight @model.layers.0.self_attn.q_proj.weight {{.*}} : tensor<8x8xbf16>
// CHECK: llama.weight @model.layers.0.mlp.up_proj.weight {{.*}} : tensor<12x8xf32>
// CHECK: llama.weight @model.layers.1.self_attn.q_proj.weight {{.*}} : tensor<8x8xf16>
// CHECK: llama.weight @model.layers.1.mlp.up_proj.weight {{.*}} : tensor<12x8xi8> quant
// CHECK: llama.weight @model.layers.1.mlp.up_proj.weight_scale {{.*}} : tensor<12x1xf32>
// CHECK: llama.weight @model.norm.weight {{.*}} : tensor<8xbf16>
// CHECK: llama.embedding {{.*}} {llama.precision = #llama.precision<storage = f32, compute = f32>}
// CHECK: @model.layers.0.self_attn.q_proj.weight {llama.precision = #llama.precision<storage = bf16, compute = f32>}
// CHECK: @model.layers.0.mlp.up_proj.weight {llama.precision = #llama.precision<storage = f32, compute = f32>}
// CHECK: @model.layers.1.self_attn.q_proj.weight {llama.precision = #llama.precision<storage = f16, compute = f32>}
// CHECK: @model.layers.1.mlp.up_proj.weight {llama.precision = #llama.precision<storage = i8, compute = i8, activations = int8_dynamic_token>}
// CHECK: llama.lm_head {{.*}} {llama.precision = #llama.precision<storage = f32, compute = f32>}

// UNUSED: error: precision policy entry 'layers.9=f32' matches no dense weight
// INT8: error: 'llama.weight' op @model.layers.1.mlp.up_proj.weight is already quantized in the checkpoint (int8); precision policy entry 'default=int8' quantizes float weights only
// MALFORMED: error: precision policy 'lm_head': expected MODULE=DTYPE
// DTYPE: error: precision policy 'layers.0=f64': f64: expected f32, bf16, f16, int8 or int4-gN (e.g. int4-g128)
