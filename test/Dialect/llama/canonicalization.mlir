// RUN: inferno-opt %s --canonicalize | FileCheck %s

// A fused_linear of one weight without a norm is a plain linear, precision kept; with a norm
// or several weights it stays.
module @canon {
  llama.weight @q in "m.safetensors" at 0 : tensor<8x8xbf16>
  llama.weight @k in "m.safetensors" at 1000 : tensor<4x8xbf16>
  llama.weight @n in "m.safetensors" at 2000 : tensor<8xf32>

  // CHECK-LABEL: func.func @single
  // CHECK-SAME: (%[[X:.*]]: tensor<?x8xf32>)
  // CHECK-NEXT: %[[Y:.*]] = llama.linear %[[X]], @k {llama.precision = #llama.precision<storage = bf16, compute = f32>} : tensor<?x8xf32> -> tensor<?x4xf32>
  // CHECK-NEXT: return %[[Y]]
  func.func @single(%x: tensor<?x8xf32>) -> tensor<?x4xf32> {
    %r:1 = llama.fused_linear %x, [@k] {llama.precision = #llama.precision<storage = bf16, compute = f32>} : tensor<?x8xf32> -> (tensor<?x4xf32>)
    return %r#0 : tensor<?x4xf32>
  }

  // CHECK-LABEL: func.func @single_with_norm
  // CHECK: llama.fused_linear %{{.*}}, [@k] norm @n
  // CHECK-NOT: llama.linear
  func.func @single_with_norm(%x: tensor<?x8xf32>) -> tensor<?x4xf32> {
    %r:1 = llama.fused_linear %x, [@k] norm @n eps 1.0e-05 {llama.precision = #llama.precision<storage = bf16, compute = f32>} : tensor<?x8xf32> -> (tensor<?x4xf32>)
    return %r#0 : tensor<?x4xf32>
  }

  // CHECK-LABEL: func.func @two
  // CHECK: llama.fused_linear %{{.*}}, [@q, @k]
  // CHECK-NOT: llama.linear
  func.func @two(%x: tensor<?x8xf32>) -> (tensor<?x8xf32>, tensor<?x4xf32>) {
    %r:2 = llama.fused_linear %x, [@q, @k] {llama.precision = #llama.precision<storage = bf16, compute = f32>} : tensor<?x8xf32> -> (tensor<?x8xf32>, tensor<?x4xf32>)
    return %r#0, %r#1 : tensor<?x8xf32>, tensor<?x4xf32>
  }

  // Unused results go away (the op is pure).
  // CHECK-LABEL: func.func @dead
  // CHECK-NEXT: return
  func.func @dead(%x: tensor<?x8xf32>) {
    %r:2 = llama.fused_linear %x, [@q, @k] : tensor<?x8xf32> -> (tensor<?x8xf32>, tensor<?x4xf32>)
    return
  }
}
