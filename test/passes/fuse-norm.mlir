// RUN: inferno-opt %s --llama-fuse-norm | FileCheck %s

// An rms_norm read only by projections with a dense or w8a8 precision folds into each of
// them as a norm prologue; a norm with any other user stays.
module @norms {
  llama.weight @n in "m.safetensors" at 0 : tensor<8xbf16>
  llama.weight @q in "m.safetensors" at 100 : tensor<8x8xbf16>
  llama.weight @k in "m.safetensors" at 1000 : tensor<4x8xbf16>
  llama.weight @v in "m.safetensors" at 2000 : tensor<4x8xbf16>
  llama.weight @head in "m.safetensors" at 3000 : tensor<16x8xbf16>
  llama.weight @qw in "m.safetensors" at 10000 : tensor<8x8xi8>
      quant #llama.quant<kind = int8, granularity = channel, scale = @qw_scale>
  llama.weight @qw_scale in "m.safetensors" at 11000 : tensor<8xf32>

  // CHECK-LABEL: func.func @into_fused
  // CHECK-SAME: (%[[X:.*]]: tensor<?x8xf32>)
  // CHECK-NOT: llama.rms_norm
  // CHECK: %[[R:.*]]:3 = llama.fused_linear %[[X]], [@q, @k, @v] norm @n eps 1.000000e-05 {llama.precision = #llama.precision<storage = bf16, compute = f32>}
  // CHECK: return %[[R]]#0, %[[R]]#1, %[[R]]#2
  func.func @into_fused(%x: tensor<?x8xf32>) -> (tensor<?x8xf32>, tensor<?x4xf32>, tensor<?x4xf32>) {
    %h = llama.rms_norm %x, @n eps 1.0e-05 : tensor<?x8xf32>
    %r:3 = llama.fused_linear %h, [@q, @k, @v] {llama.precision = #llama.precision<storage = bf16, compute = f32>} : tensor<?x8xf32> -> (tensor<?x8xf32>, tensor<?x4xf32>, tensor<?x4xf32>)
    return %r#0, %r#1, %r#2 : tensor<?x8xf32>, tensor<?x4xf32>, tensor<?x4xf32>
  }

  // Plain linears (q/k/v left unfused, e.g. mixed precisions) each get the prologue as a
  // single-weight fused_linear.
  // CHECK-LABEL: func.func @into_linears
  // CHECK-SAME: (%[[X:.*]]: tensor<?x8xf32>)
  // CHECK-NOT: llama.rms_norm
  // CHECK: llama.fused_linear %[[X]], [@q] norm @n eps 9.9999999999999995E-7 {llama.precision = #llama.precision<storage = bf16, compute = f32>} : tensor<?x8xf32> -> (tensor<?x8xf32>)
  // CHECK: llama.fused_linear %[[X]], [@k] norm @n eps 9.9999999999999995E-7 {llama.precision = #llama.precision<storage = bf16, compute = f32>} : tensor<?x8xf32> -> (tensor<?x4xf32>)
  // CHECK-NOT: llama.linear
  // CHECK: return
  func.func @into_linears(%x: tensor<?x8xf32>) -> (tensor<?x8xf32>, tensor<?x4xf32>) {
    %h = llama.rms_norm %x, @n eps 1.0e-06 : tensor<?x8xf32>
    %q = llama.linear %h, @q {llama.precision = #llama.precision<storage = bf16, compute = f32>} : tensor<?x8xf32> -> tensor<?x8xf32>
    %k = llama.linear %h, @k {llama.precision = #llama.precision<storage = bf16, compute = f32>} : tensor<?x8xf32> -> tensor<?x4xf32>
    return %q, %k : tensor<?x8xf32>, tensor<?x4xf32>
  }

  // The final norm feeds lm_head: it stays.
  // CHECK-LABEL: func.func @into_lm_head
  // CHECK: llama.rms_norm
  // CHECK-NOT: llama.fused_linear
  // CHECK: llama.lm_head
  func.func @into_lm_head(%x: tensor<?x8xf32>) -> tensor<?x16xf32> {
    %h = llama.rms_norm %x, @n eps 1.0e-05 : tensor<?x8xf32>
    %l = llama.lm_head %h, @head {llama.precision = #llama.precision<storage = bf16, compute = f32>} : tensor<?x8xf32> -> tensor<?x16xf32>
    return %l : tensor<?x16xf32>
  }

  // One user is not a projection (the normalized value is also returned): it stays, and so do
  // the linears.
  // CHECK-LABEL: func.func @other_user
  // CHECK: %[[H:.*]] = llama.rms_norm
  // CHECK: llama.linear %[[H]], @q
  // CHECK-NOT: llama.fused_linear
  // CHECK: return
  func.func @other_user(%x: tensor<?x8xf32>) -> (tensor<?x8xf32>, tensor<?x8xf32>) {
    %h = llama.rms_norm %x, @n eps 1.0e-05 : tensor<?x8xf32>
    %q = llama.linear %h, @q {llama.precision = #llama.precision<storage = bf16, compute = f32>} : tensor<?x8xf32> -> tensor<?x8xf32>
    return %q, %h : tensor<?x8xf32>, tensor<?x8xf32>
  }

  // A projection that is neither dense nor w8a8 (weight-only int8): it stays.
  // CHECK-LABEL: func.func @weight_only_int8
  // CHECK: llama.rms_norm
  // CHECK-NOT: llama.fused_linear
  // CHECK: return
  func.func @weight_only_int8(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
    %h = llama.rms_norm %x, @n eps 1.0e-05 : tensor<?x8xf32>
    %q = llama.linear %h, @qw {llama.precision = #llama.precision<storage = i8, compute = f32>} : tensor<?x8xf32> -> tensor<?x8xf32>
    return %q : tensor<?x8xf32>
  }

  // A fused_linear that already has a norm: the outer norm stays.
  // CHECK-LABEL: func.func @already_normed
  // CHECK: llama.rms_norm
  // CHECK: llama.fused_linear %{{.*}}, [@q, @k] norm @n eps 1.000000e-05
  func.func @already_normed(%x: tensor<?x8xf32>) -> (tensor<?x8xf32>, tensor<?x4xf32>) {
    %h = llama.rms_norm %x, @n eps 1.0e-05 : tensor<?x8xf32>
    %r:2 = llama.fused_linear %h, [@q, @k] norm @n eps 1.0e-05 {llama.precision = #llama.precision<storage = bf16, compute = f32>} : tensor<?x8xf32> -> (tensor<?x8xf32>, tensor<?x4xf32>)
    return %r#0, %r#1 : tensor<?x8xf32>, tensor<?x4xf32>
  }
}
