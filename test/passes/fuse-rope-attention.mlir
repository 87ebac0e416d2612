// RUN: inferno-opt %s --llama-fuse-rope-attention | FileCheck %s

// RoPE on the query and key of an attention folds into it as `rope`, when both are rotated
// for the attention alone with its positions, head counts and head_dim, by the same RoPE.
module @attention {
  // CHECK-LABEL: func.func @fused
  // CHECK-SAME: (%[[Q:.*]]: tensor<?x8xf32>, %[[K:.*]]: tensor<?x4xf32>, %[[V:.*]]: tensor<?x4xf32>, %[[POS:.*]]: tensor<?xi32>, %[[CACHE:.*]]: !llama.kv_cache
  // CHECK-NOT: llama.rope
  // CHECK: %[[O:.*]] = llama.attention %[[Q]], %[[K]], %[[V]], %[[POS]], %[[CACHE]] layer 0 heads 4 kv_heads 2 rope <theta = 500000.0, scaling = llama3, factor = 8.0, original_max_positions = 8192> :
  // CHECK-NEXT: return %[[O]]
  func.func @fused(%q: tensor<?x8xf32>, %k: tensor<?x4xf32>, %v: tensor<?x4xf32>, %pos: tensor<?xi32>, %cache: !llama.kv_cache<1 x 32 x 2 x 2, f32>) -> tensor<?x8xf32> {
    %qr = llama.rope %q, %pos heads 4 head_dim 2 {rope = #llama.rope<theta = 500000.0, scaling = llama3, factor = 8.0, low_freq_factor = 1.0, high_freq_factor = 4.0, original_max_positions = 8192>} : tensor<?x8xf32>, tensor<?xi32>
    %kr = llama.rope %k, %pos heads 2 head_dim 2 {rope = #llama.rope<theta = 500000.0, scaling = llama3, factor = 8.0, low_freq_factor = 1.0, high_freq_factor = 4.0, original_max_positions = 8192>} : tensor<?x4xf32>, tensor<?xi32>
    %a = llama.attention %qr, %kr, %v, %pos, %cache layer 0 heads 4 kv_heads 2
        : tensor<?x8xf32>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?xi32>, !llama.kv_cache<1 x 32 x 2 x 2, f32> -> tensor<?x8xf32>
    return %a : tensor<?x8xf32>
  }

  // The rotated keys are also returned: they must still be written, so nothing folds.
  // CHECK-LABEL: func.func @rotated_key_used_elsewhere
  // CHECK-COUNT-2: llama.rope
  // CHECK-NOT: rope <
  // CHECK: return
  func.func @rotated_key_used_elsewhere(%q: tensor<?x8xf32>, %k: tensor<?x4xf32>, %v: tensor<?x4xf32>, %pos: tensor<?xi32>, %cache: !llama.kv_cache<1 x 32 x 2 x 2, f32>) -> (tensor<?x8xf32>, tensor<?x4xf32>) {
    %qr = llama.rope %q, %pos heads 4 head_dim 2 {rope = #llama.rope<theta = 10000.0>} : tensor<?x8xf32>, tensor<?xi32>
    %kr = llama.rope %k, %pos heads 2 head_dim 2 {rope = #llama.rope<theta = 10000.0>} : tensor<?x4xf32>, tensor<?xi32>
    %a = llama.attention %qr, %kr, %v, %pos, %cache layer 0 heads 4 kv_heads 2
        : tensor<?x8xf32>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?xi32>, !llama.kv_cache<1 x 32 x 2 x 2, f32> -> tensor<?x8xf32>
    return %a, %kr : tensor<?x8xf32>, tensor<?x4xf32>
  }

  // Query and key rotated by different RoPE parameters: left alone.
  // CHECK-LABEL: func.func @different_rope
  // CHECK-COUNT-2: llama.rope
  // CHECK-NOT: rope <
  // CHECK: return
  func.func @different_rope(%q: tensor<?x8xf32>, %k: tensor<?x4xf32>, %v: tensor<?x4xf32>, %pos: tensor<?xi32>, %cache: !llama.kv_cache<1 x 32 x 2 x 2, f32>) -> tensor<?x8xf32> {
    %qr = llama.rope %q, %pos heads 4 head_dim 2 {rope = #llama.rope<theta = 10000.0>} : tensor<?x8xf32>, tensor<?xi32>
    %kr = llama.rope %k, %pos heads 2 head_dim 2 {rope = #llama.rope<theta = 500000.0>} : tensor<?x4xf32>, tensor<?xi32>
    %a = llama.attention %qr, %kr, %v, %pos, %cache layer 0 heads 4 kv_heads 2
        : tensor<?x8xf32>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?xi32>, !llama.kv_cache<1 x 32 x 2 x 2, f32> -> tensor<?x8xf32>
    return %a : tensor<?x8xf32>
  }

  // Keys rotated at other positions than the attention's: left alone.
  // CHECK-LABEL: func.func @other_positions
  // CHECK-COUNT-2: llama.rope
  // CHECK-NOT: rope <
  // CHECK: return
  func.func @other_positions(%q: tensor<?x8xf32>, %k: tensor<?x4xf32>, %v: tensor<?x4xf32>, %pos: tensor<?xi32>, %pos2: tensor<?xi32>, %cache: !llama.kv_cache<1 x 32 x 2 x 2, f32>) -> tensor<?x8xf32> {
    %qr = llama.rope %q, %pos heads 4 head_dim 2 {rope = #llama.rope<theta = 10000.0>} : tensor<?x8xf32>, tensor<?xi32>
    %kr = llama.rope %k, %pos2 heads 2 head_dim 2 {rope = #llama.rope<theta = 10000.0>} : tensor<?x4xf32>, tensor<?xi32>
    %a = llama.attention %qr, %kr, %v, %pos, %cache layer 0 heads 4 kv_heads 2
        : tensor<?x8xf32>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?xi32>, !llama.kv_cache<1 x 32 x 2 x 2, f32> -> tensor<?x8xf32>
    return %a : tensor<?x8xf32>
  }

  // Only the query rotated: left alone.
  // CHECK-LABEL: func.func @query_only
  // CHECK: llama.rope
  // CHECK-NOT: rope <
  // CHECK: return
  func.func @query_only(%q: tensor<?x8xf32>, %k: tensor<?x4xf32>, %v: tensor<?x4xf32>, %pos: tensor<?xi32>, %cache: !llama.kv_cache<1 x 32 x 2 x 2, f32>) -> tensor<?x8xf32> {
    %qr = llama.rope %q, %pos heads 4 head_dim 2 {rope = #llama.rope<theta = 10000.0>} : tensor<?x8xf32>, tensor<?xi32>
    %a = llama.attention %qr, %k, %v, %pos, %cache layer 0 heads 4 kv_heads 2
        : tensor<?x8xf32>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?xi32>, !llama.kv_cache<1 x 32 x 2 x 2, f32> -> tensor<?x8xf32>
    return %a : tensor<?x8xf32>
  }
}
