//===- HashMaps.h - flat hash maps for vocabularies and merges --*- C++ -*-===//
//
// Tokenization spends most of its time looking up short strings and id pairs. std::unordered_map
// cannot look a std::string up by std::string_view in C++17 (every lookup would allocate) and
// chases a pointer per node, so the tokenizer keeps its tables in two small open-addressing maps:
// StringIdMap (string -> int32, keys packed in one buffer) and PairMap (two int32 ids -> value).
//
//===----------------------------------------------------------------------===//

#ifndef INFERNO_RUNTIME_TOKENIZER_HASHMAPS_H
#define INFERNO_RUNTIME_TOKENIZER_HASHMAPS_H

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace inferno::rt::tok {

/// A fast, non-cryptographic 64-bit hash of a byte string (multiply-xorshift over 8-byte words).
inline uint64_t hashBytes(std::string_view s) {
  const uint64_t k = 0x9E3779B97F4A7C15ull;
  uint64_t h = 0x243F6A8885A308D3ull ^ (s.size() * k);
  const char *p = s.data();
  size_t n = s.size();
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * k;
    h ^= h >> 29;
    p += 8;
    n -= 8;
  }
  if (n) {
    uint64_t w = 0;
    std::memcpy(&w, p, n);
    h = (h ^ w) * k;
    h ^= h >> 29;
  }
  h *= 0xBF58476D1CE4E5B9ull;
  return h ^ (h >> 31);
}

inline uint64_t hashPair(uint64_t key) {
  key *= 0x9E3779B97F4A7C15ull;
  return key ^ (key >> 32);
}

/// String -> int32 map. Inserting an existing key overwrites its value (the last one wins, as
/// when Hugging Face collects a JSON object into a HashMap).
class StringIdMap {
public:
  static constexpr int32_t kMissing = -1;

  void reserve(size_t n) {
    entries_.reserve(n);
    rehash(capacityFor(n));
  }

  void insert(std::string_view key, int32_t value) {
    if ((entries_.size() + 1) * 4 > slots_.size() * 3)
      rehash(capacityFor((entries_.size() + 1) * 2));
    uint64_t h = hashBytes(key);
    size_t i = h & mask_;
    while (slots_[i]) {
      Entry &e = entries_[slots_[i] - 1];
      if (e.hash == h && keyOf(e) == key) {
        e.value = value;
        return;
      }
      i = (i + 1) & mask_;
    }
    entries_.push_back({static_cast<uint32_t>(keys_.size()), static_cast<uint32_t>(key.size()),
                        value, h});
    keys_.append(key);
    slots_[i] = static_cast<uint32_t>(entries_.size());
  }

  int32_t find(std::string_view key) const {
    if (slots_.empty())
      return kMissing;
    uint64_t h = hashBytes(key);
    size_t i = h & mask_;
    while (uint32_t slot = slots_[i]) {
      const Entry &e = entries_[slot - 1];
      if (e.hash == h && keyOf(e) == key)
        return e.value;
      i = (i + 1) & mask_;
    }
    return kMissing;
  }

  size_t size() const { return entries_.size(); }

  /// Visits every (key, value) in insertion order of first appearance.
  template <typename F>
  void forEach(F &&f) const {
    for (const Entry &e : entries_)
      f(keyOf(e), e.value);
  }

private:
  struct Entry {
    uint32_t offset, length;
    int32_t value;
    uint64_t hash;
  };

  std::string_view keyOf(const Entry &e) const { return {keys_.data() + e.offset, e.length}; }

  static size_t capacityFor(size_t n) {
    size_t cap = 16;
    while (cap * 3 < n * 4 + 4)
      cap *= 2;
    return cap;
  }

  void rehash(size_t capacity) {
    if (capacity <= slots_.size())
      return;
    slots_.assign(capacity, 0);
    mask_ = capacity - 1;
    for (size_t k = 0; k < entries_.size(); ++k) {
      size_t i = entries_[k].hash & mask_;
      while (slots_[i])
        i = (i + 1) & mask_;
      slots_[i] = static_cast<uint32_t>(k + 1);
    }
  }

  std::vector<Entry> entries_;
  std::string keys_;
  std::vector<uint32_t> slots_; // entry index + 1; 0 = empty
  size_t mask_ = 0;
};

/// (int32, int32) -> Value map; inserting an existing pair overwrites it.
template <typename Value>
class PairMap {
public:
  void reserve(size_t n) { rehash(capacityFor(n)); }

  void insert(int32_t a, int32_t b, Value value) {
    if ((size_ + 1) * 2 > keys_.size())
      rehash(capacityFor((size_ + 1) * 2));
    uint64_t key = pack(a, b);
    size_t i = hashPair(key) & mask_;
    while (keys_[i] != kEmpty) {
      if (keys_[i] == key) {
        values_[i] = value;
        return;
      }
      i = (i + 1) & mask_;
    }
    keys_[i] = key;
    values_[i] = value;
    ++size_;
  }

  const Value *find(int32_t a, int32_t b) const {
    if (keys_.empty())
      return nullptr;
    uint64_t key = pack(a, b);
    size_t i = hashPair(key) & mask_;
    while (keys_[i] != kEmpty) {
      if (keys_[i] == key)
        return &values_[i];
      i = (i + 1) & mask_;
    }
    return nullptr;
  }

  size_t size() const { return size_; }

private:
  static constexpr uint64_t kEmpty = ~0ull; // ids are non-negative, so (-1, -1) never occurs

  static uint64_t pack(int32_t a, int32_t b) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
  }

  static size_t capacityFor(size_t n) {
    size_t cap = 16;
    while (cap < n * 2)
      cap *= 2;
    return cap;
  }

  void rehash(size_t capacity) {
    if (capacity <= keys_.size())
      return;
    std::vector<uint64_t> oldKeys = std::move(keys_);
    std::vector<Value> oldValues = std::move(values_);
    keys_.assign(capacity, kEmpty);
    values_.assign(capacity, Value{});
    mask_ = capacity - 1;
    for (size_t k = 0; k < oldKeys.size(); ++k) {
      if (oldKeys[k] == kEmpty)
        continue;
      size_t i = hashPair(oldKeys[k]) & mask_;
      while (keys_[i] != kEmpty)
        i = (i + 1) & mask_;
      keys_[i] = oldKeys[k];
      values_[i] = oldValues[k];
    }
  }

  std::vector<uint64_t> keys_;
  std::vector<Value> values_;
  size_t size_ = 0;
  size_t mask_ = 0;
};

} // namespace inferno::rt::tok

#endif // INFERNO_RUNTIME_TOKENIZER_HASHMAPS_H
