//===- Parallel.h - the pool and scratch memory, as plain functions ------*- C++ -*-===//
//
// What the ISA-specific translation units (CpuKernels_*.cpp, compiled with -mavx2/-mavx512*)
// may call. They include no C++ standard library templates: an inline or template function
// instantiated in a TU built with AVX-512 flags is a weak symbol the linker may pick for the
// whole program, which would then fault on an AVX2-only CPU. Everything generic lives in
// baseline-compiled code behind these functions.
//
//===----------------------------------------------------------------------------===//
#ifndef INFERNO_RUNTIME_KERNELS_PARALLEL_H
#define INFERNO_RUNTIME_KERNELS_PARALLEL_H

#include <stddef.h>
#include <stdint.h>

namespace inferno::kernels {

using ParallelTask = int (*)(void *context, int64_t i);

// ThreadPool::instance().parallelFor: task(context, i) for i in [begin, end) on the pool.
int parallelFor(int64_t begin, int64_t end, ParallelTask task, void *context);
int poolThreads();
// A per-thread buffer of at least `floats` floats, 64-byte aligned, valid until the calling
// thread's next threadScratch call. Aborts when memory is exhausted.
float *threadScratch(size_t floats);

}  // namespace inferno::kernels

#endif
