//===- BpeModel.cpp - byte-pair-encoding model ----------------------------===//

#include "runtime/tokenizer/BpeModel.h"

#include "runtime/tokenizer/ByteLevel.h"
#include "runtime/tokenizer/Utf8.h"

#include <algorithm>
#include <cstdio>
#include <functional>

namespace inferno::rt::tok {

namespace {

// Ids beyond this are refused: the id -> token table is a dense vector.
constexpr int32_t kMaxTokenId = 1 << 24;

// Words at least this long are cut at hard boundaries before merging (see forEachSegment);
// shorter ones are cheap to merge whole and usually come from the cache.
constexpr size_t kSegmentWordsFrom = 64;

std::string byteFallbackSpelling(unsigned b) {
  // Hugging Face formats these with Rust's "<{:#04X}>": a lowercase 0x, uppercase digits.
  char buf[8];
  std::snprintf(buf, sizeof(buf), "<0x%02X>", b);
  return buf;
}

} // namespace

Expected<BpeModel> BpeModel::build(const std::vector<std::pair<std::string, int32_t>> &vocab,
                                   const std::vector<std::pair<std::string, std::string>> &merges,
                                   BpeConfig config) {
  BpeModel m;
  m.config_ = std::move(config);
  m.vocab_.reserve(vocab.size());
  int32_t limit = 0;
  for (const auto &[token, id] : vocab) {
    if (id < 0 || id >= kMaxTokenId)
      return makeError("model.vocab: id " + std::to_string(id) + " of token '" + token +
                       "' is out of range");
    limit = std::max(limit, id + 1);
  }
  m.tokens_.assign(limit, std::string());
  m.hasToken_.assign(limit, 0);
  for (const auto &[token, id] : vocab) {
    m.vocab_.insert(token, id);
    m.tokens_[id] = token;
    m.hasToken_[id] = 1;
  }

  if (m.config_.byteLevelInput) {
    std::string raw;
    m.vocab_.forEach([&](std::string_view token, int32_t id) {
      raw.clear();
      if (byteLevelToBytes(token, raw))
        m.rawVocab_.insert(raw, id);
    });
  }
  const auto &spellings = byteLevelSpellings();
  for (unsigned b = 0; b < 256; ++b) {
    m.byteSymbol_[b] = m.vocab_.find(spellings[b]);
    m.fallbackByte_[b] = m.vocab_.find(byteFallbackSpelling(b));
  }

  if (m.config_.unkToken) {
    // Hugging Face only fails when an unknown character actually shows up; we refuse the file
    // up front rather than let encode() fail (or differ) later.
    m.unkId_ = m.vocab_.find(*m.config_.unkToken);
    if (m.unkId_ < 0)
      return makeError("model.unk_token '" + *m.config_.unkToken + "' is not in the vocabulary");
  }

  m.segmentable_ =
      m.config_.continuingSubwordPrefix.empty() && m.config_.endOfWordSuffix.empty();
  if (m.segmentable_)
    m.buildJoinablePairs();

  m.merges_.reserve(merges.size());
  size_t prefixLength = m.config_.continuingSubwordPrefix.size();
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const auto &[left, right] = merges[rank];
    int32_t a = m.vocab_.find(left), b = m.vocab_.find(right);
    if (a < 0 || b < 0)
      return makeError("model.merges[" + std::to_string(rank) + "] references unknown token '" +
                       (a < 0 ? left : right) + "'");
    if (right.size() < prefixLength)
      return makeError("model.merges[" + std::to_string(rank) + "]: '" + right +
                       "' is shorter than continuing_subword_prefix");
    std::string merged = left + right.substr(prefixLength);
    int32_t result = m.vocab_.find(merged);
    if (result < 0)
      return makeError("model.merges[" + std::to_string(rank) + "]: merged token '" + merged +
                       "' is not in the vocabulary");
    // A repeated pair keeps its last rank, as Hugging Face's HashMap does.
    m.merges_.insert(a, b, Merge{static_cast<uint32_t>(rank), result});
  }
  return m;
}

void BpeModel::buildJoinablePairs() {
  if (config_.byteLevelInput) {
    joinableBytes_.assign(65536 / 64, 0);
    rawVocab_.forEach([&](std::string_view token, int32_t) {
      for (size_t i = 1; i < token.size(); ++i) {
        unsigned pair = static_cast<unsigned char>(token[i - 1]) << 8 |
                        static_cast<unsigned char>(token[i]);
        joinableBytes_[pair / 64] |= 1ull << (pair % 64);
      }
    });
    return;
  }
  vocab_.forEach([&](std::string_view token, int32_t) {
    uint32_t previous = 0;
    for (size_t i = 0; i < token.size(); i += utf8CharLength(static_cast<unsigned char>(token[i]))) {
      uint32_t cp = decodeUtf8At(token, i);
      if (i > 0)
        joinableChars_.insert(static_cast<int32_t>(previous), static_cast<int32_t>(cp), 1);
      previous = cp;
    }
  });
}

template <typename F>
void BpeModel::forEachSegment(std::string_view word, F &&f) const {
  size_t start = 0;
  if (config_.byteLevelInput) {
    for (size_t i = 1; i < word.size(); ++i) {
      unsigned char a = static_cast<unsigned char>(word[i - 1]);
      unsigned char b = static_cast<unsigned char>(word[i]);
      unsigned pair = a << 8 | b;
      bool joinable = joinableBytes_[pair / 64] >> (pair % 64) & 1;
      if (!joinable && byteSymbol_[a] >= 0 && byteSymbol_[b] >= 0) {
        f(word.substr(start, i - start));
        start = i;
      }
    }
  } else {
    uint32_t previous = 0;
    bool previousKnown = false;
    for (size_t i = 0; i < word.size();) {
      size_t length = utf8CharLength(static_cast<unsigned char>(word[i]));
      uint32_t cp = decodeUtf8At(word, i);
      // Only characters that are tokens themselves: an unknown one may fuse with its
      // neighbours into one <unk>, or fall back to bytes.
      bool known = vocab_.find(word.substr(i, length)) >= 0;
      if (i > 0 && known && previousKnown &&
          !joinableChars_.find(static_cast<int32_t>(previous), static_cast<int32_t>(cp))) {
        f(word.substr(start, i - start));
        start = i;
      }
      previous = cp;
      previousKnown = known;
      i += length;
    }
  }
  f(word.substr(start));
}

const std::string *BpeModel::idToToken(int32_t id) const {
  if (id < 0 || id >= idLimit() || !hasToken_[id])
    return nullptr;
  return &tokens_[id];
}

void BpeModel::addUnknown(std::string_view spelled, std::vector<int32_t> &symbols,
                          std::optional<int32_t> &pendingUnk) const {
  if (config_.byteFallback) {
    bool all = true;
    for (unsigned char b : spelled)
      all = all && fallbackByte_[b] >= 0;
    if (all) {
      // Hugging Face appends the byte tokens without first flushing a pending unk; keep that.
      for (unsigned char b : spelled)
        symbols.push_back(fallbackByte_[b]);
      return;
    }
  }
  if (unkId_ < 0)
    return; // no unk token: the character is dropped
  if (pendingUnk && !config_.fuseUnk)
    symbols.push_back(*pendingUnk);
  pendingUnk = unkId_; // (fused: the pending one just grows)
}

void BpeModel::initialSymbols(std::string_view word, std::vector<int32_t> &symbols) const {
  std::optional<int32_t> pendingUnk;
  const bool affixes =
      !config_.continuingSubwordPrefix.empty() || !config_.endOfWordSuffix.empty();
  const auto &spellings = byteLevelSpellings();
  std::string spelled;
  size_t i = 0;
  while (i < word.size()) {
    size_t length =
        config_.byteLevelInput ? 1 : utf8CharLength(static_cast<unsigned char>(word[i]));
    bool first = i == 0, last = i + length >= word.size();
    int32_t id;
    std::string_view unit;
    if (config_.byteLevelInput)
      unit = spellings[static_cast<unsigned char>(word[i])];
    else
      unit = word.substr(i, length);
    if (affixes) {
      spelled.clear();
      if (!first)
        spelled += config_.continuingSubwordPrefix;
      spelled += unit;
      if (last)
        spelled += config_.endOfWordSuffix;
      id = vocab_.find(spelled);
    } else if (config_.byteLevelInput) {
      id = byteSymbol_[static_cast<unsigned char>(word[i])];
    } else {
      id = vocab_.find(unit);
    }
    if (id >= 0) {
      if (pendingUnk) {
        symbols.push_back(*pendingUnk);
        pendingUnk.reset();
      }
      symbols.push_back(id);
    } else {
      addUnknown(affixes ? std::string_view(spelled) : unit, symbols, pendingUnk);
    }
    i += length;
  }
  if (pendingUnk)
    symbols.push_back(*pendingUnk);
}

void BpeModel::mergeSymbols(std::vector<int32_t> &sym) const {
  const size_t n = sym.size();
  if (n < 2)
    return;
  thread_local std::vector<int32_t> prev, next;
  thread_local std::vector<uint64_t> heap;
  prev.resize(n);
  next.resize(n);
  heap.clear();
  // Heap keys order by rank, then by position: the lowest rank merges first, leftmost on ties.
  auto key = [](uint32_t rank, size_t pos) { return (static_cast<uint64_t>(rank) << 32) | pos; };
  for (size_t i = 0; i < n; ++i) {
    prev[i] = static_cast<int32_t>(i) - 1;
    next[i] = i + 1 < n ? static_cast<int32_t>(i + 1) : -1;
    if (i + 1 < n)
      if (const Merge *m = merges_.find(sym[i], sym[i + 1]))
        heap.push_back(key(m->rank, i));
  }
  std::greater<uint64_t> later;
  std::make_heap(heap.begin(), heap.end(), later);
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), later);
    uint64_t top = heap.back();
    heap.pop_back();
    uint32_t rank = static_cast<uint32_t>(top >> 32);
    int32_t pos = static_cast<int32_t>(top & 0xFFFFFFFFu);
    // Entries go stale when a neighbour merged first: check the pair is still there.
    if (sym[pos] < 0)
      continue;
    int32_t right = next[pos];
    if (right < 0)
      continue;
    const Merge *m = merges_.find(sym[pos], sym[right]);
    if (!m || m->rank != rank)
      continue;
    sym[pos] = m->result;
    sym[right] = -1;
    next[pos] = next[right];
    if (next[right] >= 0)
      prev[next[right]] = pos;
    if (prev[pos] >= 0)
      if (const Merge *l = merges_.find(sym[prev[pos]], sym[pos])) {
        heap.push_back(key(l->rank, prev[pos]));
        std::push_heap(heap.begin(), heap.end(), later);
      }
    if (next[pos] >= 0)
      if (const Merge *r = merges_.find(sym[pos], sym[next[pos]])) {
        heap.push_back(key(r->rank, pos));
        std::push_heap(heap.begin(), heap.end(), later);
      }
  }
  sym.erase(std::remove(sym.begin(), sym.end(), -1), sym.end());
}

void BpeModel::tokenizeUncached(std::string_view word, std::vector<int32_t> &out) const {
  thread_local std::vector<int32_t> symbols;
  symbols.clear();
  initialSymbols(word, symbols);
  mergeSymbols(symbols);
  out.insert(out.end(), symbols.begin(), symbols.end());
}

BpeModel::Session::Session(const BpeModel &model)
    : model_(model), cacheLock_(model.cache_->mutex, std::try_to_lock) {}

void BpeModel::Session::tokenize(std::string_view word, std::vector<int32_t> &out) {
  if (word.empty())
    return;
  const BpeModel &m = model_;
  if (m.config_.ignoreMerges) {
    // A word that is itself a token is emitted whole (Llama 3 sets this).
    int32_t id = m.config_.byteLevelInput ? m.rawVocab_.find(word) : m.vocab_.find(word);
    if (id >= 0) {
      out.push_back(id);
      return;
    }
  }
  if (m.segmentable_ && word.size() >= kSegmentWordsFrom) {
    m.forEachSegment(word, [&](std::string_view segment) { mergeCached(segment, out); });
    return;
  }
  mergeCached(word, out);
}

void BpeModel::Session::mergeCached(std::string_view word, std::vector<int32_t> &out) {
  const BpeModel &m = model_;
  if (!cacheLock_.owns_lock() || word.size() >= Cache::kMaxWordBytes) {
    m.tokenizeUncached(word, out);
    return;
  }
  Cache::Entry &entry = m.cache_->entries[hashBytes(word) & (Cache::kSlots - 1)];
  if (entry.used && entry.word == word) {
    out.insert(out.end(), entry.ids.begin(), entry.ids.end());
    return;
  }
  size_t start = out.size();
  m.tokenizeUncached(word, out);
  entry.word.assign(word);
  entry.ids.assign(out.begin() + start, out.end());
  entry.used = true;
}

} // namespace inferno::rt::tok
