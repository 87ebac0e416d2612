// The C++ kernels for AVX2 + FMA + F16C (compiled with -mavx2 -mfma -mf16c; see CMakeLists.txt).
#define INFERNO_ISA avx2
#include "runtime/kernels/CpuKernelsImpl.inc"
