//===- Decoder.cpp - decoders of tokenizer.json, batch and streaming ------===//

#include "runtime/tokenizer/Decoder.h"

#include "runtime/tokenizer/ByteLevel.h"
#include "runtime/tokenizer/Normalizer.h"
#include "runtime/tokenizer/Utf8.h"

namespace inferno::rt::tok {

namespace {

/// The bytes the ByteLevel decoder makes of one token: its alphabet characters mapped back,
/// or, when any character is outside the alphabet (an added token such as "<｜User｜>"), the
/// token's own UTF-8 bytes.
void appendByteLevelBytes(std::string_view token, std::string &bytes) {
  if (!byteLevelToBytes(token, bytes))
    bytes.append(token);
}

/// Applies Strip to one whole token (Hugging Face's algorithm, clamped where it would panic).
std::string stripToken(std::string_view token, std::string_view content, size_t start,
                       size_t stop) {
  std::vector<std::string_view> chars;
  for (size_t i = 0; i < token.size();) {
    size_t n = utf8CharLength(static_cast<unsigned char>(token[i]));
    chars.push_back(token.substr(i, n));
    i += n;
  }
  size_t startCut = 0;
  for (size_t i = 0; i < start && i < chars.size() && chars[i] == content; ++i)
    startCut = i + 1;
  size_t stopCut = chars.size();
  for (size_t i = 0; i < stop && i < chars.size(); ++i) {
    size_t index = chars.size() - i - 1;
    if (chars[index] != content)
      break;
    stopCut = index;
  }
  std::string out;
  for (size_t i = startCut; i < stopCut; ++i)
    out.append(chars[i]);
  return out;
}

void appendFallbackGroup(const std::string &bytes, std::vector<std::string> &out) {
  // A run of byte tokens becomes one string when it is valid UTF-8 as a whole; otherwise
  // every byte becomes U+FFFD (not only the bad ones), as in Hugging Face.
  if (isValidUtf8(bytes)) {
    out.push_back(bytes);
    return;
  }
  for (size_t i = 0; i < bytes.size(); ++i)
    out.emplace_back(kReplacementCharacter);
}

//===----------------------------------------------------------------------===//
// Stream stages
//===----------------------------------------------------------------------===//

class ByteLevelStage : public StreamStage {
public:
  void push(std::string_view chunk, bool endOfToken) override {
    token_.append(chunk);
    if (!endOfToken)
      return;
    appendByteLevelBytes(token_, bytes_);
    token_.clear();
    // Everything but an unfinished character at the end is final.
    size_t keep = incompleteUtf8Suffix(bytes_);
    std::string text;
    appendLossyUtf8(text, std::string_view(bytes_).substr(0, bytes_.size() - keep));
    bytes_.erase(0, bytes_.size() - keep);
    if (!text.empty())
      emit(text, false);
  }
  void finish() override {
    if (!token_.empty())
      appendByteLevelBytes(token_, bytes_);
    std::string text;
    appendLossyUtf8(text, bytes_);
    bytes_.clear();
    emit(text, true); // ByteLevel outputs one token for the whole sequence
    next_->finish();
  }

private:
  std::string token_, bytes_;
};

class ReplaceStage : public StreamStage {
public:
  ReplaceStage(std::string pattern, std::string content)
      : pattern_(std::move(pattern)), content_(std::move(content)) {}
  void push(std::string_view chunk, bool endOfToken) override {
    std::string s = std::move(pending_);
    pending_.clear();
    s.append(chunk);
    std::string out;
    size_t pos = 0;
    while (true) {
      size_t hit = s.find(pattern_, pos);
      if (hit == std::string::npos)
        break;
      out.append(s, pos, hit - pos).append(content_);
      pos = hit + pattern_.size();
    }
    size_t keep = 0;
    if (!endOfToken) {
      // Hold back the longest tail that could begin an occurrence completed by later chunks.
      std::string_view tail(s.data() + pos, s.size() - pos);
      for (size_t k = std::min(tail.size(), pattern_.size() - 1); k > 0; --k)
        if (tail.substr(tail.size() - k) == std::string_view(pattern_).substr(0, k)) {
          keep = k;
          break;
        }
    }
    out.append(s, pos, s.size() - pos - keep);
    pending_ = s.substr(s.size() - keep);
    emit(out, endOfToken);
  }

private:
  std::string pattern_, content_, pending_;
};

class ByteFallbackStage : public StreamStage {
public:
  void push(std::string_view chunk, bool endOfToken) override {
    token_.append(chunk);
    if (!endOfToken)
      return;
    unsigned char byte;
    if (parseByteFallbackToken(token_, byte)) {
      group_.push_back(static_cast<char>(byte));
    } else {
      flushGroup();
      emit(token_, true);
    }
    token_.clear();
  }
  void finish() override {
    if (!token_.empty())
      push("", true);
    flushGroup();
    next_->finish();
  }

private:
  void flushGroup() {
    if (group_.empty())
      return;
    std::vector<std::string> out;
    appendFallbackGroup(group_, out);
    for (const std::string &s : out)
      emit(s, true);
    group_.clear();
  }
  std::string token_, group_;
};

class FuseStage : public StreamStage {
public:
  void push(std::string_view chunk, bool) override {
    if (!chunk.empty())
      emit(chunk, false);
  }
  void finish() override {
    emit("", true); // Fuse yields exactly one token, even from none
    next_->finish();
  }
};

class StripStage : public StreamStage {
public:
  StripStage(std::string content, size_t start, size_t stop)
      : content_(std::move(content)), start_(start), stop_(stop) {}
  void push(std::string_view chunk, bool endOfToken) override {
    std::string out;
    for (size_t i = 0; i < chunk.size();) {
      size_t n = utf8CharLength(static_cast<unsigned char>(chunk[i]));
      std::string_view c = chunk.substr(i, n);
      i += n;
      bool isContent = c == content_;
      if (leading_) {
        if (isContent && stripped_ < start_) {
          ++stripped_;
          continue;
        }
        leading_ = false;
      }
      if (stop_ == 0) {
        out.append(c);
      } else if (isContent) {
        // A run of content characters may end the token: only the last `stop` are in doubt.
        held_.emplace_back(c);
        if (held_.size() > stop_) {
          out.append(held_.front());
          held_.erase(held_.begin());
        }
      } else {
        for (const std::string &h : held_)
          out.append(h);
        held_.clear();
        out.append(c);
      }
    }
    if (endOfToken) {
      held_.clear(); // the token's last `stop` content characters are stripped
      leading_ = true;
      stripped_ = 0;
    }
    if (!out.empty() || endOfToken)
      emit(out, endOfToken);
  }

private:
  std::string content_;
  size_t start_, stop_;
  bool leading_ = true;
  size_t stripped_ = 0;
  std::vector<std::string> held_;
};

class MetaspaceStage : public StreamStage {
public:
  MetaspaceStage(std::string replacement, PrependScheme scheme)
      : replacement_(std::move(replacement)), scheme_(scheme) {}
  void push(std::string_view chunk, bool endOfToken) override {
    bool drop = index_ == 0 && scheme_ != PrependScheme::Never;
    emit(replaceAll(chunk, replacement_, drop ? "" : " "), endOfToken);
    if (endOfToken)
      ++index_;
  }

private:
  std::string replacement_;
  PrependScheme scheme_;
  size_t index_ = 0;
};

class SpaceJoinStage : public StreamStage {
public:
  void push(std::string_view chunk, bool endOfToken) override {
    if (!inToken_ && count_ > 0)
      emit(" ", false);
    inToken_ = !endOfToken;
    if (endOfToken)
      ++count_;
    if (!chunk.empty())
      emit(chunk, false);
  }
  void finish() override {
    emit("", true);
    next_->finish();
  }

private:
  bool inToken_ = false;
  size_t count_ = 0;
};

} // namespace

bool parseByteFallbackToken(std::string_view token, unsigned char &byte) {
  if (token.size() != 6 || token.substr(0, 3) != "<0x" || token[5] != '>')
    return false;
  // Rust's u8::from_str_radix, which Hugging Face uses, also takes a leading '+'.
  int hi = token[3] == '+' ? 0 : hexDigitValue(token[3]);
  int lo = hexDigitValue(token[4]);
  if (hi < 0 || lo < 0)
    return false;
  byte = static_cast<unsigned char>(hi * 16 + lo);
  return true;
}

std::unique_ptr<StreamStage> makeSpaceJoinStage() { return std::make_unique<SpaceJoinStage>(); }

//===----------------------------------------------------------------------===//
// Batch decoders
//===----------------------------------------------------------------------===//

void ByteLevelDecoder::decodeChain(std::vector<std::string> &tokens) const {
  std::string bytes;
  for (const std::string &t : tokens)
    appendByteLevelBytes(t, bytes);
  std::string text;
  appendLossyUtf8(text, bytes);
  tokens.assign(1, std::move(text));
}

void ByteLevelDecoder::addStreamStages(std::vector<std::unique_ptr<StreamStage>> &chain) const {
  chain.push_back(std::make_unique<ByteLevelStage>());
}

void ReplaceDecoder::decodeChain(std::vector<std::string> &tokens) const {
  for (std::string &t : tokens)
    t = replaceAll(t, pattern_, content_);
}

void ReplaceDecoder::addStreamStages(std::vector<std::unique_ptr<StreamStage>> &chain) const {
  chain.push_back(std::make_unique<ReplaceStage>(pattern_, content_));
}

void ByteFallbackDecoder::decodeChain(std::vector<std::string> &tokens) const {
  std::vector<std::string> out;
  std::string group;
  for (std::string &t : tokens) {
    unsigned char byte;
    if (parseByteFallbackToken(t, byte)) {
      group.push_back(static_cast<char>(byte));
      continue;
    }
    if (!group.empty()) {
      appendFallbackGroup(group, out);
      group.clear();
    }
    out.push_back(std::move(t));
  }
  if (!group.empty())
    appendFallbackGroup(group, out);
  tokens.swap(out);
}

void ByteFallbackDecoder::addStreamStages(std::vector<std::unique_ptr<StreamStage>> &chain) const {
  chain.push_back(std::make_unique<ByteFallbackStage>());
}

void FuseDecoder::decodeChain(std::vector<std::string> &tokens) const {
  std::string joined;
  for (const std::string &t : tokens)
    joined += t;
  tokens.assign(1, std::move(joined));
}

void FuseDecoder::addStreamStages(std::vector<std::unique_ptr<StreamStage>> &chain) const {
  chain.push_back(std::make_unique<FuseStage>());
}

void StripDecoder::decodeChain(std::vector<std::string> &tokens) const {
  for (std::string &t : tokens)
    t = stripToken(t, content_, start_, stop_);
}

void StripDecoder::addStreamStages(std::vector<std::unique_ptr<StreamStage>> &chain) const {
  chain.push_back(std::make_unique<StripStage>(content_, start_, stop_));
}

void MetaspaceDecoder::decodeChain(std::vector<std::string> &tokens) const {
  for (size_t i = 0; i < tokens.size(); ++i) {
    // In the first token every replacement character goes (not only a leading one).
    bool drop = i == 0 && scheme_ != PrependScheme::Never;
    tokens[i] = replaceAll(tokens[i], replacement_, drop ? "" : " ");
  }
}

void MetaspaceDecoder::addStreamStages(std::vector<std::unique_ptr<StreamStage>> &chain) const {
  chain.push_back(std::make_unique<MetaspaceStage>(replacement_, scheme_));
}

void SequenceDecoder::decodeChain(std::vector<std::string> &tokens) const {
  for (const auto &step : steps_)
    step->decodeChain(tokens);
}

void SequenceDecoder::addStreamStages(std::vector<std::unique_ptr<StreamStage>> &chain) const {
  for (const auto &step : steps_)
    step->addStreamStages(chain);
}

} // namespace inferno::rt::tok
