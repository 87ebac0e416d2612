// RUN: inferno-opt %s --llama-fuse-gate-up | FileCheck %s

// The gate and up projections feeding a swiglu become one fused_linear (gate first, as the
// swiglu's lhs), when they share input and a dense or w8a8 precision.
module @mlp {
  llama.weight @gate in "m.safetensors" at 0 : tensor<12x8xf16>
  llama.weight @up in "m.safetensors" at 1000 : tensor<12x8xf16>
  llama.weight @upf in "m.safetensors" at 2000 : tensor<12x8xf32>

  // CHECK-LABEL: func.func @dense
  // CHECK-SAME: (%[[H:.*]]: tensor<?x8xf32>)
  // CHECK-NEXT: %[[GU:.*]]:2 = llama.fused_linear %[[H]], [@gate, @up] {llama.precision = #llama.precision<storage = f16, compute = f32>} : tensor<?x8xf32> -> (tensor<?x12xf32>, tensor<?x12xf32>)
  // CHECK-NEXT: %[[S:.*]] = llama.swiglu %[[GU]]#0, %[[GU]]#1 : tensor<?x12xf32>
  // CHECK-NEXT: return %[[S]]
  func.func @dense(%h: tensor<?x8xf32>) -> tensor<?x12xf32> {
    %u = llama.linear %h, @up {llama.precision = #llama.precision<storage = f16, compute = f32>} : tensor<?x8xf32> -> tensor<?x12xf32>
    %g = llama.linear %h, @gate {llama.precision = #llama.precision<storage = f16, compute = f32>} : tensor<?x8xf32> -> tensor<?x12xf32>
    %s = llama.swiglu %g, %u : tensor<?x12xf32>
    return %s : tensor<?x12xf32>
  }

  // Precisions differ: left alone.
  // CHECK-LABEL: func.func @mixed_precision
  // CHECK-NOT: llama.fused_linear
  // CHECK: llama.linear %{{.*}}, @gate
  // CHECK: llama.linear %{{.*}}, @upf
  func.func @mixed_precision(%h: tensor<?x8xf32>) -> tensor<?x12xf32> {
    %g = llama.linear %h, @gate {llama.precision = #llama.precision<storage = f16, compute = f32>} : tensor<?x8xf32> -> tensor<?x12xf32>
    %u = llama.linear %h, @upf {llama.precision = #llama.precision<storage = f32, compute = f32>} : tensor<?x8xf32> -> tensor<?x12xf32>
    %s = llama.swiglu %g, %u : tensor<?x12xf32>
    return %s : tensor<?x12xf32>
  }

  // One linear used twice is not a gate/up pair.
  // CHECK-LABEL: func.func @same_linear
  // CHECK-NOT: llama.fused_linear
  // CHECK: return
  func.func @same_linear(%h: tensor<?x8xf32>) -> tensor<?x12xf32> {
    %g = llama.linear %h, @gate {llama.precision = #llama.precision<storage = f16, compute = f32>} : tensor<?x8xf32> -> tensor<?x12xf32>
    %s = llama.swiglu %g, %g : tensor<?x12xf32>
    return %s : tensor<?x12xf32>
  }

  // Different inputs: left alone.
  // CHECK-LABEL: func.func @different_inputs
  // CHECK-NOT: llama.fused_linear
  // CHECK: return
  func.func @different_inputs(%h: tensor<?x8xf32>, %h2: tensor<?x8xf32>) -> tensor<?x12xf32> {
    %g = llama.linear %h, @gate {llama.precision = #llama.precision<storage = f16, compute = f32>} : tensor<?x8xf32> -> tensor<?x12xf32>
    %u = llama.linear %h2, @up {llama.precision = #llama.precision<storage = f16, compute = f32>} : tensor<?x8xf32> -> tensor<?x12xf32>
    %s = llama.swiglu %g, %u : tensor<?x12xf32>
    return %s : tensor<?x12xf32>
  }
}
