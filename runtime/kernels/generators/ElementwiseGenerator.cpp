// Halide generators for the elementwise kernels of kernels.h over `count` float32s:
//   swiglu  y = gate / (1 + exp(-gate)) · up
//   add     y = a + b            (y may equal a or b)
// Vector tails are guarded (a scalar epilogue), never shifted inwards: shifting would recompute
// elements already written, which is wrong when the output aliases an input. Large arrays are
// split into parallel chunks; small ones (decode) run on the calling thread.
#include "Common.h"

namespace {

using namespace Halide;
using namespace inferno_gen;

constexpr int kChunk = 16384;  // floats per parallel task (64 KiB of output)

void schedule_elementwise(GeneratorOutput<Buffer<float>> &y, Var i, int lanes) {
  Var io("io"), ii("ii");
  Expr count = y.dim(0).extent();
  y.specialize(count >= 2 * kChunk)
      .split(i, io, ii, kChunk, TailStrategy::GuardWithIf)
      .parallel(io)
      .vectorize(ii, lanes, TailStrategy::GuardWithIf);
  y.vectorize(i, lanes, TailStrategy::GuardWithIf);
  y.dim(0).set_stride(1).set_min(0);
}

class Swiglu : public Generator<Swiglu> {
public:
  Input<Buffer<float>> gate{"gate", 1};
  Input<Buffer<float>> up{"up", 1};
  Output<Buffer<float>> y{"y", 1};

  void generate() {
    Var i("i");
    Expr g = gate(i);
    y(i) = g / (1.f + exp_f32(-g)) * up(i);
    schedule_elementwise(y, i, get_target().natural_vector_size<float>() * 2);
    gate.dim(0).set_stride(1).set_min(0);
    up.dim(0).set_stride(1).set_min(0);
  }
};

class Add : public Generator<Add> {
public:
  Input<Buffer<float>> a{"a", 1};
  Input<Buffer<float>> b{"b", 1};
  Output<Buffer<float>> y{"y", 1};

  void generate() {
    Var i("i");
    y(i) = a(i) + b(i);
    schedule_elementwise(y, i, get_target().natural_vector_size<float>() * 2);
    a.dim(0).set_stride(1).set_min(0);
    b.dim(0).set_stride(1).set_min(0);
  }
};

}  // namespace

HALIDE_REGISTER_GENERATOR(Swiglu, swiglu)
HALIDE_REGISTER_GENERATOR(Add, add)
