// RUN: inferno-opt %s --llama-assign-precision=quantize=int8 | FileCheck %s --check-prefix=INT8
// RUN: inferno-opt %s --llama-assign-precision=quantize=int4-g16 2>&1 | FileCheck %s --check-prefix=INT4
// RUN: inferno-opt %s --llama-assign-precision=quantize=int4-g32 2>&1 | FileCheck %s --check-prefix=FALLBACK
// RUN: inferno-opt %s '--llama-assign-precision=precision=default=bf16,layers.*.mlp=int8,lm_head=int4-g16' | FileCheck %s --check-prefix=POLICY
// RUN: inferno-opt %s '--llama-assign-precision=precision=embed_tokens=int8' | FileCheck %s --check-prefix=EMBED
// RUN: inferno-opt %s --llama-assign-precision=quantize=int8 | inferno-opt --llama-assign-precision | FileCheck %s --check-prefix=INT8
// RUN: not inferno-opt %s '--llama-assign-precision=precision=layers.0.mlp=int4-g32' 2>&1 | FileCheck %s --check-prefix=GROUP
// RUN: not inferno-opt %s --llama-assign-precision=quantize=int4 2>&1 | FileCheck %s --check-prefix=NOGROUP
// RUN: not inferno-opt %s --llama-assign-precision=quantize=int4-g20 2>&1 | FileCheck %s --check-prefix=NOGROUP
// RUN: not inferno-opt %s --llama-assign-precision=quantize=int2 2>&1 | FileCheck %s --check-prefix=MODE
// RUN: not inferno-opt %s '--llama-assign-precision=precision=layers.0=fp8' 2>&1 | FileCheck %s --check-prefix=FP8
// RUN: not inferno-opt %s '--llama-assign-precision=precision=model.norm=int8' 2>&1 | FileCheck %s --check-prefix=NORM
// RUN: not inferno-opt %s --llama-assign-precision=precision=auto 2>&1 | FileCheck %s --check-prefix=BUDGET

// Weights quantized at compile time: every projection (linears, lm_head) by quantize; by
// dtype in a policy; the embedding table only when named. The down projection has 48 input
// features: int4-g16 divides them, int4-g32 does not.
module attributes {llama.config = #llama.config<hidden = 32, intermediate = 48, layers = 1, heads = 4, kv_heads = 2, head_dim = 8, vocab = 64, max_positions = 32, rms_eps = 1.0e-05, rope = #llama.rope<theta = 10000.0>, tie_embeddings = false>} {
  llama.weight @model.embed_tokens.weight in "m.safetensors" at 0 : tensor<64x32xf32>
  llama.weight @model.layers.0.input_layernorm.weight in "m.safetensors" at 8192 : tensor<32xf32>
  llama.weight @model.layers.0.self_attn.q_proj.weight in "m.safetensors" at 8320 : tensor<32x32xf32>
  llama.weight @model.layers.0.mlp.up_proj.weight in "m.safetensors" at 12416 : tensor<48x32xf32>
  llama.weight @model.layers.0.mlp.down_proj.weight in "m.safetensors" at 18560 : tensor<32x48xf32>
  llama.weight @model.norm.weight in "m.safetensors" at 24704 : tensor<32xf32>
  llama.weight @lm_head.weight in "m.safetensors" at 24832 : tensor<64x32xf32>
  func.func @forward(%t: tensor<?xi32>, %p: tensor<?xi32>, %c: !llama.kv_cache<1 x 32 x 2 x 8, f32>) -> tensor<?x64xf32> {
    %x = llama.embedding %t, @model.embed_tokens.weight : tensor<?xi32> -> tensor<?x32xf32>
    %h = llama.rms_norm %x, @model.layers.0.input_layernorm.weight eps 1.0e-05 : tensor<?x32xf32>
    %q = llama.linear %h, @model.layers.0.self_attn.q_proj.weight : tensor<?x32xf32> -> tensor<?x32xf32>
    %u = llama.linear %q, @model.layers.0.mlp.up_proj.weight : tensor<?x32xf32> -> tensor<?x48xf32>
    %d = llama.linear %u, @model.layers.0.mlp.down_proj.weight : tensor<?x48xf32> -> tensor<?x32xf32>
    %f = llama.rms_norm %d, @model.norm.weight eps 1.0e-05 : tensor<?x32xf32>
    %l = llama.lm_head %f, @lm_head.weight : tensor<?x32xf32> -> tensor<?x64xf32>
    return %l : tensor<?x64xf32>
  }
}

// INT8: llama.weight @model.embed_tokens.weight {{.*}} : tensor<64x32xf32>{{$}}
// INT8: llama.weight @model.layers.0.input_layernorm.weight {{.*}} : tensor<32xf32>{{$}}
// INT8: llama.weight @model.layers.0.self_attn.q_proj.weight {{.*}} : tensor<32x32xi8> quant <kind = int8, granularity = channel, scale = @model.layers.0.self_attn.q_proj.weight_qscale> {llama.compile_quantized}
// INT8-NEXT: llama.weight @model.layers.0.self_attn.q_proj.weight_qscale {{.*}} : tensor<32xf32> {llama.compile_quantized}
// INT8: llama.weight @model.layers.0.mlp.down_proj.weight {{.*}} : tensor<32x48xi8> quant
// INT8: llama.weight @lm_head.weight {{.*}} : tensor<64x32xi8> quant <kind = int8
// INT8: llama.embedding {{.*}} {llama.precision = #llama.precision<storage = f32, compute = f32>}
// INT8: llama.linear {{.*}} {llama.precision = #llama.precision<storage = i8, compute = f32>}
// INT8: llama.lm_head {{.*}} {llama.precision = #llama.precision<storage = i8, compute = f32>}

// INT4: @model.layers.0.self_attn.q_proj.weight {{.*}} : tensor<32x4xi32> quant <kind = int4, granularity = group, group_size = 16, scale = @model.layers.0.self_attn.q_proj.weight_qscale> {llama.compile_quantized}
// INT4-NEXT: @model.layers.0.self_attn.q_proj.weight_qscale {{.*}} : tensor<32x2xf32> {llama.compile_quantized}
// INT4: @model.layers.0.mlp.down_proj.weight {{.*}} : tensor<32x6xi32> quant <kind = int4, granularity = group, group_size = 16
// INT4: llama.linear {{.*}} {llama.precision = #llama.precision<storage = i32, compute = f32>}

// FALLBACK: warning: @model.layers.0.mlp.down_proj.weight has 48 input features, not a multiple of 32: stored as int8 instead of int4-g32
// FALLBACK: @model.layers.0.self_attn.q_proj.weight {{.*}} : tensor<32x4xi32> quant <kind = int4, granularity = group, group_size = 32
// FALLBACK: @model.layers.0.mlp.down_proj.weight {{.*}} : tensor<32x48xi8> quant <kind = int8

// POLICY: @model.embed_tokens.weight {{.*}} : tensor<64x32xbf16>{{$}}
// POLICY: @model.layers.0.input_layernorm.weight {{.*}} : tensor<32xbf16>{{$}}
// POLICY: @model.layers.0.self_attn.q_proj.weight {{.*}} : tensor<32x32xbf16>{{$}}
// POLICY: @model.layers.0.mlp.up_proj.weight {{.*}} : tensor<48x32xi8> quant <kind = int8
// POLICY: @model.layers.0.mlp.down_proj.weight {{.*}} : tensor<32x48xi8> quant <kind = int8
// POLICY: @lm_head.weight {{.*}} : tensor<64x4xi32> quant <kind = int4, granularity = group, group_size = 16

// EMBED: @model.embed_tokens.weight {{.*}} : tensor<64x32xi8> quant <kind = int8
// EMBED: @model.layers.0.self_attn.q_proj.weight {{.*}} : tensor<32x32xf32>{{$}}
// EMBED: llama.embedding {{.*}} {llama.precision = #llama.precision<storage = i8, compute = f32>}

// GROUP: error: 'llama.weight' op @model.layers.0.mlp.down_proj.weight has 48 input features, not a multiple of 32, so precision policy entry 'layers.0.mlp=int4-g32' cannot store it as int4-g32 (choose int8 or a group size that divides 48)
// NOGROUP: error: quantize '{{.*}}': int4{{.*}}: int4 needs a group size, a positive multiple of 16 (int4-g128, int4-g64, int4-g32)
// MODE: error: quantize 'int2': expected int8 or int4-gN (e.g. int4-g128)
// FP8: error: precision policy 'layers.0=fp8': fp8: quantizing to fp8 at compile time is not implemented (int8 and int4-gN are)
// NORM: error: precision policy entry 'model.norm=int8' matches no float projection weight
// BUDGET: error: precision auto needs a weight budget (--budget-gb or --budget)
