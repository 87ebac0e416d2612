// Halide generators for y[m, n] = x[m, k] · W[n, k]ᵀ (kernels.h), run at build time.
//
// Both operands are k-contiguous, so the kernels use the "dot product" form: each (row of x,
// row of W) pair accumulates a vector of `lanes` partial sums along k, and a register tile of
// rows_m × rows_n such vectors is reduced horizontally at the end. The weights are widened to
// float32 exactly (bf16: shift left by 16; f16: Common.h's bit trick) as they are loaded, or,
// with pack_weights, once per task; every product is a float32 FMA of the widened weight and
// the float32 activation: activations are never rounded.
//
// Schedules (docs/kernels.md has the measurements behind the choices):
//   matvec  any shape: `rows_n` weight rows (1 in the build) through `vectors` accumulator
//           vectors each, looping over the m tokens while the rows are in L1, so the weights
//           are read from memory once per call. Decode.
//   matmul  m ≥ rows_m, n ≥ rows_n: rows_m × rows_n register tiles, tokens inner so a weight
//           tile is reused from L1 across all of x. Prefill. With k_block, k is blocked and each
//           task keeps all its tokens' partial sums in a stack buffer, so a block of x stays in
//           L2 for long k.
// Output tiles at the upper edges shift inwards (recomputing a few outputs), so no tile has a
// tail; the C++ dispatcher only calls a schedule whose minimum sizes are met.
#include "Common.h"

namespace {

using namespace Halide;
using namespace inferno_gen;

class Matmul : public Generator<Matmul> {
public:
  GeneratorParam<std::string> schedule{"schedule", "matmul"};  // matmul | matvec
  // matmul only: block k by this many elements (0 = no blocking): each task keeps its partial
  // sums for all tokens in a stack buffer and sweeps all token tiles per k block, so the
  // activations' k block stays in L2 when x is larger than L2 (long k).
  GeneratorParam<int> k_block{"k_block", 0};
  GeneratorParam<int> rows_m{"rows_m", 4};
  GeneratorParam<int> rows_n{"rows_n", 6};
  GeneratorParam<int> vectors{"vectors", 1};  // accumulator vectors per (token, weight row)
  GeneratorParam<int> task_rows{"task_rows", 0};  // weight rows per parallel task; 0 = rows_n
  GeneratorParam<std::string> format{"format", "f32"};  // f32 | bf16 | f16 (the latter two as uint16)
  // matmul only: widen each task's weight rows to float32 once, on the stack, instead of at
  // every use (each weight is used by every token tile).
  GeneratorParam<bool> pack_weights{"pack_weights", false};
  // matvec only: software prefetch of the weights this many loop iterations ahead (0 = none).
  // Non-faulting, so near a row's end it reaches into the next row, which is where the next
  // loads go (rows are contiguous).
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
    // The activations, through a Func: the k-blocked schedule copies them with the token index
    // clamped, since it rounds the token loop up to whole tiles (the extra rows repeat the last
    // token and are never stored); otherwise this is inlined.
    Func xs("xs");
    const bool kBlocked = std::string(schedule) == "matmul" && int(k_block) > 0;
    xs(k, m) = kBlocked ? x(k, clamp(m, 0, x.dim(1).extent() - 1)) : x(k, m);
    part(l, n, m) += wf(rv * VL + l, n) * xs(rv * VL + l, m);

    // The lanes' horizontal sum (a fixed tree: lane l + lane l + lanes/2, halving, so six
    // levels instead of 64 dependent adds for 64 lanes) and the k tail (< lanes terms) are strict
    // float32 (no reassociation, no contraction): tiles at the edges shift inwards, so an output
    // may be computed by two tiles at different unrolled positions, and both must produce the
    // same bits whichever store lands last (results never depend on the thread count or timing).
    std::vector<Expr> lanes;
    for (int i = 0; i < VL; ++i) lanes.push_back(part(i, n, m));
    while (lanes.size() > 1) {
      const size_t half = lanes.size() / 2;
      for (size_t i = 0; i < half; ++i) lanes[i] = strict_float(lanes[i] + lanes[i + half]);
      lanes.resize(half);
    }
    RDom rt(Kv, K - Kv, "rt");
    Func tot("tot");
    tot(n, m) = lanes[0];
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
      tot.update(0).reorder(rt, n, m).unroll(n).unroll(m);
      if (kBlocked) {
        RVar rvo("rvo"), rvi("rvi");
        Var pmo("pmo"), pmi("pmi");
        xs.compute_root().vectorize(k, VL, TailStrategy::GuardWithIf).parallel(m);
        part.compute_at(y, no).store_in(MemoryType::Stack).vectorize(l).unroll(n);
        part.update()
            .split(rv, rvo, rvi, int(k_block) / VL, TailStrategy::GuardWithIf)
            .split(m, pmo, pmi, RM, TailStrategy::RoundUp)
            .reorder(l, n, pmi, rvi, pmo, rvo)
            .vectorize(l)
            .unroll(n)
            .unroll(pmi);
      } else {
        part.compute_at(y, mo).vectorize(l).unroll(n).unroll(m);
        part.update().reorder(l, n, m, rv).vectorize(l).unroll(n).unroll(m);
      }
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
      tot.update(0).reorder(rt, n, m).unroll(n);
      part.compute_at(y, m).vectorize(l).unroll(n);
      part.update().reorder(l, n, m, rv).vectorize(l).unroll(n);
      if (int(prefetch) > 0)
        part.update().prefetch(w, rv, rv, int(prefetch), PrefetchBoundStrategy::NonFaulting);
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
