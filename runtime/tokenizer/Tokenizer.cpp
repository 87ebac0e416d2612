//===- Tokenizer.cpp - Hugging Face compatible tokenizer ------------------===//
//
// encode() follows Hugging Face's pipeline: added tokens are cut out of the raw text first
// (those with normalized: false), each remaining stretch is normalized, tokens with
// normalized: true are cut out of that, the rest is pre-tokenized into words, each word goes
// through the BPE model, and the post-processor's template adds the special tokens.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/Tokenizer.h"

#include "runtime/tokenizer/TokenizerImpl.h"
#include "runtime/tokenizer/Utf8.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace inferno::rt {

using namespace tok;

namespace {

Expected<std::string> readFile(const std::filesystem::path &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return makeError(path.string() + ": cannot open file");
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad())
    return makeError(path.string() + ": read error");
  return s.str();
}

/// Encodes one stretch of text that holds no raw-matched added token.
void encodeStretch(const TokenizerImpl &t, BpeModel::Session &session, std::string_view text,
                   bool atOrigin, std::vector<int32_t> &out) {
  std::string normalized;
  if (t.normalizer) {
    normalized.assign(text);
    t.normalizer->normalize(normalized);
    text = normalized;
    if (text.empty())
      return;
  }
  std::vector<AddedVocabulary::Segment> segments;
  if (t.added.hasNormalizedTokens())
    t.added.split(text, /*normalizedTokens=*/true, segments);
  else
    segments.push_back({0, text.size(), -1});

  PieceArena arena;
  std::vector<Piece> pieces;
  for (const AddedVocabulary::Segment &segment : segments) {
    if (segment.end <= segment.begin)
      continue;
    if (segment.id >= 0) {
      out.push_back(segment.id);
      continue;
    }
    pieces.clear();
    pieces.push_back({text.substr(segment.begin, segment.end - segment.begin),
                      atOrigin && segment.begin == 0});
    if (t.preTokenizer)
      t.preTokenizer->apply(pieces, arena);
    for (const Piece &piece : pieces)
      session.tokenize(piece.text, out);
    arena.clear();
  }
}

std::vector<int32_t> encodeValid(const TokenizerImpl &t, std::string_view text,
                                 bool addSpecialTokens) {
  BpeModel::Session session(*t.model);
  std::vector<int32_t> ids;
  ids.reserve(text.size() / 3 + 4);
  std::vector<AddedVocabulary::Segment> segments;
  if (t.added.hasRawTokens())
    t.added.split(text, /*normalizedTokens=*/false, segments);
  else
    segments.push_back({0, text.size(), -1});
  for (const AddedVocabulary::Segment &segment : segments) {
    if (segment.end <= segment.begin)
      continue;
    if (segment.id >= 0)
      ids.push_back(segment.id);
    else
      encodeStretch(t, session, text.substr(segment.begin, segment.end - segment.begin),
                    segment.begin == 0, ids);
  }
  std::vector<int32_t> out;
  out.reserve(ids.size() + 4);
  t.postTemplate.apply(ids, addSpecialTokens, out);
  return out;
}

} // namespace

Expected<Tokenizer> Tokenizer::load(const std::string &pathOrDir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path path(pathOrDir);
  if (fs::is_directory(path, ec))
    path /= "tokenizer.json";
  Expected<std::string> text = readFile(path);
  if (!text)
    return text.error();
  fs::path configPath = path.parent_path() / "tokenizer_config.json";
  std::string config;
  if (fs::exists(configPath, ec)) {
    Expected<std::string> c = readFile(configPath);
    if (!c)
      return c.error();
    config = std::move(*c);
  }
  Expected<std::shared_ptr<TokenizerImpl>> impl =
      buildTokenizer(*text, path.string(), config, configPath.string());
  if (!impl)
    return impl.error();
  return Tokenizer(std::move(*impl));
}

Expected<Tokenizer> Tokenizer::fromJson(std::string_view tokenizerJson,
                                        std::string_view configJson, const std::string &name) {
  Expected<std::shared_ptr<TokenizerImpl>> impl =
      buildTokenizer(tokenizerJson, name, configJson, name + " (tokenizer_config.json)");
  if (!impl)
    return impl.error();
  return Tokenizer(std::move(*impl));
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool addSpecialTokens) const {
  if (isValidUtf8(text))
    return encodeValid(*impl_, text, addSpecialTokens);
  std::string repaired;
  appendLossyUtf8(repaired, text);
  return encodeValid(*impl_, repaired, addSpecialTokens);
}

Expected<std::vector<int32_t>> Tokenizer::encodeChecked(std::string_view text,
                                                        bool addSpecialTokens) const {
  size_t bad = firstInvalidUtf8(text);
  if (bad != text.size())
    return makeError("input is not valid UTF-8 (ill-formed sequence at byte offset " +
                     std::to_string(bad) + ")");
  return encodeValid(*impl_, text, addSpecialTokens);
}

std::string Tokenizer::decode(const std::vector<int32_t> &ids, bool skipSpecialTokens) const {
  const TokenizerImpl &t = *impl_;
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (int32_t id : ids) {
    const std::string *token = t.tokenString(id);
    if (token && !(skipSpecialTokens && t.skipped(*token)))
      tokens.push_back(*token);
  }
  if (!t.decoder) {
    std::string joined;
    for (size_t i = 0; i < tokens.size(); ++i)
      joined.append(i ? " " : "").append(tokens[i]);
    return joined;
  }
  t.decoder->decodeChain(tokens);
  std::string out;
  for (const std::string &s : tokens)
    out += s;
  return out;
}

std::optional<int32_t> Tokenizer::tokenToId(std::string_view token) const {
  int32_t id = impl_->added.idOf(token);
  if (id < 0)
    id = impl_->model->tokenToId(token);
  if (id < 0)
    return std::nullopt;
  return id;
}

std::optional<std::string> Tokenizer::idToToken(int32_t id) const {
  if (const std::string *s = impl_->tokenString(id))
    return *s;
  return std::nullopt;
}

bool Tokenizer::isSpecial(int32_t id) const {
  const AddedToken *t = impl_->added.tokenOf(id);
  return t && t->special;
}

std::optional<int32_t> Tokenizer::bosId() const { return impl_->bosId; }
std::vector<int32_t> Tokenizer::eosIds() const { return impl_->eosIds; }
size_t Tokenizer::vocabSize() const { return impl_->vocabSize; }

StreamDecoder Tokenizer::streamDecoder(bool skipSpecialTokens) const {
  return StreamDecoder(impl_, skipSpecialTokens);
}

//===----------------------------------------------------------------------===//
// StreamDecoder
//===----------------------------------------------------------------------===//

namespace {

/// The end of every stage chain: collects what reaches it.
class CollectStage : public StreamStage {
public:
  void push(std::string_view chunk, bool) override { text.append(chunk); }
  void finish() override {}
  std::string text;
};

} // namespace

struct StreamDecoder::Chain {
  std::vector<std::unique_ptr<StreamStage>> stages;
  CollectStage *output = nullptr;
};

StreamDecoder::StreamDecoder(std::shared_ptr<const TokenizerImpl> impl, bool skipSpecialTokens)
    : impl_(std::move(impl)), skipSpecialTokens_(skipSpecialTokens) {
  reset();
}

StreamDecoder::StreamDecoder(StreamDecoder &&) noexcept = default;
StreamDecoder &StreamDecoder::operator=(StreamDecoder &&) noexcept = default;
StreamDecoder::~StreamDecoder() = default;

void StreamDecoder::reset() {
  chain_ = std::make_unique<Chain>();
  if (impl_->decoder)
    impl_->decoder->addStreamStages(chain_->stages);
  else
    chain_->stages.push_back(makeSpaceJoinStage());
  auto output = std::make_unique<CollectStage>();
  chain_->output = output.get();
  chain_->stages.push_back(std::move(output));
  for (size_t i = 0; i + 1 < chain_->stages.size(); ++i)
    chain_->stages[i]->setNext(chain_->stages[i + 1].get());
}

std::string StreamDecoder::push(int32_t id) {
  const std::string *token = impl_->tokenString(id);
  if (!token || (skipSpecialTokens_ && impl_->skipped(*token)))
    return {};
  chain_->stages.front()->push(*token, true);
  std::string out;
  out.swap(chain_->output->text);
  return out;
}

std::string StreamDecoder::finish() {
  chain_->stages.front()->finish();
  std::string out;
  out.swap(chain_->output->text);
  reset();
  return out;
}

} // namespace inferno::rt
