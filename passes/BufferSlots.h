//===- BufferSlots.h - best-fit reuse of activation buffers -----*- C++ -*-===//
//
// Both backends give each activation of the forward pass a buffer in one arena sized at
// compile time (the CPU lowering's scratch arena, the CUDA backend's float arena), walking
// the ops in order and reusing a buffer once the value it held is dead.
//
//===----------------------------------------------------------------------===//

#ifndef INFERNO_PASSES_BUFFERSLOTS_H
#define INFERNO_PASSES_BUFFERSLOTS_H

#include "llvm/ADT/SmallVector.h"
#include <algorithm>
#include <cstdint>

namespace inferno {

/// Slots of one arena (offsets and sizes in the caller's unit), handed out in program order.
class BufferSlots {
public:
  /// A slot for a value of `size` written by op `now` and last read by op `lastUse`: the
  /// smallest free one that fits, else a new one at the end of the arena. A slot is free once
  /// its last reader has run: the op being lowered may still read its inputs, so "free" means
  /// strictly before now.
  unsigned allocate(int64_t size, int64_t now, int64_t lastUse) {
    int best = -1;
    for (unsigned i = 0; i < slots_.size(); ++i)
      if (slots_[i].busyUntil < now && slots_[i].size >= size &&
          (best < 0 || slots_[i].size < slots_[best].size))
        best = static_cast<int>(i);
    if (best < 0) {
      slots_.push_back({total_, size, lastUse});
      total_ += size;
      return slots_.size() - 1;
    }
    slots_[best].busyUntil = lastUse;
    return static_cast<unsigned>(best);
  }

  /// Keeps `slot` busy until op `lastUse` as well (another value shares it).
  void extend(unsigned slot, int64_t lastUse) {
    slots_[slot].busyUntil = std::max(slots_[slot].busyUntil, lastUse);
  }

  int64_t offset(unsigned slot) const { return slots_[slot].offset; }
  /// The arena's size: the end of its last slot.
  int64_t total() const { return total_; }

private:
  struct Slot {
    int64_t offset, size, busyUntil;
  };
  llvm::SmallVector<Slot> slots_;
  int64_t total_ = 0;
};

} // namespace inferno

#endif // INFERNO_PASSES_BUFFERSLOTS_H
