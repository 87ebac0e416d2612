// Halide generator for RMSNorm (kernels.h):
//   y[i, :] = x[i, :] · (1 / sqrt(mean(x[i, :]²) + eps)) · w[:]
// The sum of squares of a row accumulates in `2·lanes` float32 partial sums (two independent
// vectors), reduced horizontally, then the row is scaled. A row's sum is complete before any of
// its outputs is written, and every output element is written once from the same input element
// (vector tails are guarded, never shifted inwards), so y may equal x.
#include "Common.h"

namespace {

using namespace Halide;
using namespace inferno_gen;

class RmsNorm : public Generator<RmsNorm> {
public:
  GeneratorParam<std::string> format{"format", "f32"};  // weight format: f32 | bf16 | f16

  Input<Buffer<float>> x{"x", 2};  // (hidden, m)
  Input<Buffer<>> w{"w", 1};       // (hidden); element type from `w.type`
  Input<float> eps{"eps"};
  Output<Buffer<float>> y{"y", 2}; // (hidden, m)

  void generate() {
    const int VL = get_target().natural_vector_size<float>() * 2;
    Var h("h"), m("m"), l("l");
    Expr H = x.dim(0).extent();
    Expr Hv = (H / VL) * VL;

    RDom rv(0, H / VL, "rv");
    Func part("part");
    part(l, m) = 0.f;
    part(l, m) += x(rv * VL + l, m) * x(rv * VL + l, m);

    RDom rl(0, VL, "rl"), rt(Hv, H - Hv, "rt");
    Func ss("ss");
    ss(m) = 0.f;
    ss(m) += part(rl, m);
    ss(m) += x(rt, m) * x(rt, m);

    Func inv("inv");
    inv(m) = 1.f / sqrt(ss(m) / cast<float>(H) + eps);
    y(h, m) = x(h, m) * inv(m) * weight_to_f32(w(h), format);

    // One task per row (a row is hidden·4 bytes: too small to split further).
    const int V = get_target().natural_vector_size<float>();
    y.vectorize(h, V, TailStrategy::GuardWithIf).parallel(m);
    inv.compute_at(y, m);
    ss.compute_at(y, m);
    ss.update(0).unroll(rl);
    part.compute_at(y, m).vectorize(l);
    part.update().vectorize(l);

    x.dim(0).set_stride(1).set_min(0);
    w.dim(0).set_stride(1).set_min(0);
    y.dim(0).set_stride(1).set_min(0);
  }
};

}  // namespace

HALIDE_REGISTER_GENERATOR(RmsNorm, rms_norm)
