//===- Decoder.h - decoders of tokenizer.json, batch and streaming -*- C++ -*-===//
//
// A decoder turns the list of token strings of some ids back into text. Each one exists twice:
//  - decodeChain() transforms the whole token list exactly as Hugging Face's decode_chain does
//    (this is what Tokenizer::decode uses);
//  - a StreamStage does the same work incrementally. Stages pass "chunks" of logical tokens down
//    a chain (a token may arrive in several chunks once Fuse or ByteLevel joined everything into
//    one), hold back only what later input can still change (an unfinished UTF-8 character, a
//    run of byte-fallback tokens, trailing characters Strip may remove) and flush at the end.
// Their outputs concatenate to the batch result; the unit tests check it on random ids.
//
//===----------------------------------------------------------------------===//

#ifndef INFERNO_RUNTIME_TOKENIZER_DECODER_H
#define INFERNO_RUNTIME_TOKENIZER_DECODER_H

#include "runtime/tokenizer/PreTokenizer.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace inferno::rt::tok {

/// One step of a streaming decode chain.
class StreamStage {
public:
  virtual ~StreamStage() = default;
  /// Receives the next chunk of the current token; `endOfToken` closes that token.
  virtual void push(std::string_view chunk, bool endOfToken) = 0;
  /// The token stream ended: flush everything held, then finish the next stage.
  virtual void finish() { next_->finish(); }
  void setNext(StreamStage *next) { next_ = next; }

protected:
  void emit(std::string_view chunk, bool endOfToken) { next_->push(chunk, endOfToken); }
  StreamStage *next_ = nullptr;
};

class Decoder {
public:
  virtual ~Decoder() = default;
  virtual void decodeChain(std::vector<std::string> &tokens) const = 0;
  virtual void addStreamStages(std::vector<std::unique_ptr<StreamStage>> &chain) const = 0;
};

class ByteLevelDecoder : public Decoder {
public:
  void decodeChain(std::vector<std::string> &tokens) const override;
  void addStreamStages(std::vector<std::unique_ptr<StreamStage>> &chain) const override;
};

/// Replace with a literal pattern.
class ReplaceDecoder : public Decoder {
public:
  ReplaceDecoder(std::string pattern, std::string content)
      : pattern_(std::move(pattern)), content_(std::move(content)) {}
  void decodeChain(std::vector<std::string> &tokens) const override;
  void addStreamStages(std::vector<std::unique_ptr<StreamStage>> &chain) const override;

private:
  std::string pattern_, content_;
};

class ByteFallbackDecoder : public Decoder {
public:
  void decodeChain(std::vector<std::string> &tokens) const override;
  void addStreamStages(std::vector<std::unique_ptr<StreamStage>> &chain) const override;
};

class FuseDecoder : public Decoder {
public:
  void decodeChain(std::vector<std::string> &tokens) const override;
  void addStreamStages(std::vector<std::unique_ptr<StreamStage>> &chain) const override;
};

class StripDecoder : public Decoder {
public:
  StripDecoder(std::string content, size_t start, size_t stop)
      : content_(std::move(content)), start_(start), stop_(stop) {}
  void decodeChain(std::vector<std::string> &tokens) const override;
  void addStreamStages(std::vector<std::unique_ptr<StreamStage>> &chain) const override;

private:
  std::string content_; // one character
  size_t start_, stop_;
};

class MetaspaceDecoder : public Decoder {
public:
  MetaspaceDecoder(std::string replacement, PrependScheme scheme)
      : replacement_(std::move(replacement)), scheme_(scheme) {}
  void decodeChain(std::vector<std::string> &tokens) const override;
  void addStreamStages(std::vector<std::unique_ptr<StreamStage>> &chain) const override;

private:
  std::string replacement_;
  PrependScheme scheme_;
};

class SequenceDecoder : public Decoder {
public:
  explicit SequenceDecoder(std::vector<std::unique_ptr<Decoder>> steps) : steps_(std::move(steps)) {}
  void decodeChain(std::vector<std::string> &tokens) const override;
  void addStreamStages(std::vector<std::unique_ptr<StreamStage>> &chain) const override;

private:
  std::vector<std::unique_ptr<Decoder>> steps_;
};

/// Without a decoder Hugging Face joins the tokens with single spaces.
std::unique_ptr<StreamStage> makeSpaceJoinStage();

/// If `token` is a byte-fallback token "<0xHH>", stores the byte and returns true.
bool parseByteFallbackToken(std::string_view token, unsigned char &byte);

} // namespace inferno::rt::tok

#endif // INFERNO_RUNTIME_TOKENIZER_DECODER_H
