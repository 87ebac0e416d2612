// Halide generators for y[m, n] = x[m, k] · W[n, k]ᵀ (kernels.h), run at build time.
//
// Both operands are k-contiguous, so the kernels use the "dot product" form: each (row of x,
// row of W) pair accumulates a vector of `lanes` partial sums along k, and a register tile of
// rows_m × rows_n such vectors is reduced horizontally at the end. The weights are converted to
// float32 as they are loaded (bf16: shift left by 16; f16: vcvtph2ps), so every product is an
// exact float32 FMA of the converted weight and the float32 activation; no weight packing and no
// rounding of activations.
//
// Two schedules:
//   matvec  any m ≥ 1, n ≥ rows_n: for each tile of rows_n weight rows, loop over the m tokens
//           (the tile stays in L1, so the weights are read from memory once per call). Decode.
//   matmul  m ≥ rows_m, n ≥ rows_n: rows_m × rows_n register tiles, tokens inner so a weight
//           tile is reused from L1 across all of x. Prefill.
// Tiles at the upper edges shift inwards (recomputing a few outputs), so no tile has a tail;
// the C++ dispatcher only calls a schedule whose minimum sizes are met.
#include "Common.h"

namespace {

using namespace Halide;
using namespace inferno_gen;

class Matmul : public Generator<Matmul> {
public:
  GeneratorParam<std::string> schedule{"schedule", "matmul"};  // matmul | matvec
  GeneratorParam<int> rows_m{"rows_m", 4};
  GeneratorParam<int> rows_n{"rows_n", 6};
  GeneratorParam<int> vectors{"vectors", 1};  // accumulator vectors per (token, weight row)
  GeneratorParam<int> task_rows{"task_rows", 0};  // weight rows per parallel task; 0 = rows_n
  GeneratorParam<std::string> format{"format", "f32"};  // f32 | bf16 | f16 (the latter two as uint16)
  // matmul only: widen each task's weight rows to float32 once, on the stack, instead of at
  // every use (each weight is used by every token tile).
  GeneratorParam<bool> pack_weights{"pack_weights", false};
  // matvec only: software-prefetch this many vectors ahead along k (0 = none), or, if negative,
  // the whole next tile of weight rows at the start of each tile.
  GeneratorParam<int> prefetch{"prefetch", 0};

  Input<Buffer<float>> x{"x", 2};  // (k, m)
  Input<Buffer<>> w{"w", 2};       // (k, n); element type from `w.type` (float32 or uint16)
  Output<Buffer<float>> y{"y", 2}; // (n, m)

  void generate() {
    const Target t = get_target();
    const int VL = t.natural_vector_size<float>() * vectors;
    Var k("k"), n("n"), m("m"), l("l");

    Expr K = w.dim(0).extent();
    Expr Kv = (K / VL) * VL;
    Func wf("wf");
    wf(k, n) = weight_to_f32(w(k, n), format);

    RDom rv(0, K / VL, "rv");
    Func part("part");
    part(l, n, m) = 0.f;
    part(l, n, m) += wf(rv * VL + l, n) * x(rv * VL + l, m);

    // The lanes' horizontal sum and the k tail (< lanes terms) are strict float32 (no
    // reassociation, no contraction): tiles at the edges shift inwards, so an output may be
    // computed by two tiles at different unrolled positions, and both must produce the same bits
    // whichever store lands last (results never depend on the thread count or on timing).
    RDom rl(0, VL, "rl");
    RDom rt(Kv, K - Kv, "rt");
    Func tot("tot");
    tot(n, m) = 0.f;
    tot(n, m) = strict_float(tot(n, m) + part(rl, n, m));
    tot(n, m) = strict_float(tot(n, m) + wf(rt, n) * x(rt, m));
    y(n, m) = tot(n, m);

    // --- schedule
    const int RN = rows_n;
    Var no("no"), ni("ni"), mo("mo"), mi("mi"), nb("nb");
    if (std::string(schedule) == "matmul") {
      const int RM = rows_m;
      y.tile(n, m, no, mo, ni, mi, RN, RM, TailStrategy::ShiftInwards)
          .reorder(ni, mi, mo, no)
          .unroll(ni)
          .unroll(mi);
      if (int(task_rows) > RN)
        y.split(no, nb, no, int(task_rows) / RN, TailStrategy::GuardWithIf).parallel(nb);
      else
        y.parallel(no);
      tot.compute_at(y, mo).unroll(n).unroll(m);
      tot.update(0).reorder(rl, n, m).unroll(rl).unroll(n).unroll(m);
      tot.update(1).reorder(rt, n, m).unroll(n).unroll(m);
      part.compute_at(y, mo).vectorize(l).unroll(n).unroll(m);
      part.update().reorder(l, n, m, rv).vectorize(l).unroll(n).unroll(m);
      if (pack_weights && std::string(format) != "f32") {
        wf.compute_at(y, no).store_in(MemoryType::Stack).vectorize(k, VL, TailStrategy::GuardWithIf);
      }
    } else {
      y.split(n, no, ni, RN, TailStrategy::ShiftInwards).reorder(ni, m, no).unroll(ni);
      if (int(task_rows) > RN)
        y.split(no, nb, no, int(task_rows) / RN, TailStrategy::GuardWithIf).parallel(nb);
      else
        y.parallel(no);
      tot.compute_at(y, m).unroll(n);
      tot.update(0).reorder(rl, n, m).unroll(rl).unroll(n);
      tot.update(1).reorder(rt, n, m).unroll(n);
      part.compute_at(y, m).vectorize(l).unroll(n);
      part.update().reorder(l, n, m, rv).vectorize(l).unroll(n);
      if (int(prefetch) > 0) part.update().prefetch(w, rv, rv, int(prefetch));
      if (int(prefetch) < 0) y.prefetch(w, no, no, 1);
    }

    // Activations and weights are k-contiguous; tell Halide so (it checks).
    x.dim(0).set_stride(1);
    w.dim(0).set_stride(1);
    y.dim(0).set_stride(1);
    x.dim(0).set_min(0);
    w.dim(0).set_min(0);
  }
};

}  // namespace

HALIDE_REGISTER_GENERATOR(Matmul, matmul)
