// The C++ kernels for AVX-512 F/BW/DQ/VL (compiled with -mavx512f -mavx512bw -mavx512dq
// -mavx512vl -mfma -mf16c; see CMakeLists.txt).
#define INFERNO_ISA avx512
#include "runtime/kernels/CpuKernelsImpl.inc"
#if !defined(__AVX512F__)
#error "CpuKernels_avx512.cpp must be compiled with AVX-512 flags"
#endif
