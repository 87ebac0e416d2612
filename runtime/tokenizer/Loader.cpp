//===- Loader.cpp - tokenizer.json and tokenizer_config.json --------------===//
//
// Reads the JSON files into the tokenizer's parts. Every component type and every key that
// Hugging Face's tokenizers 0.22 knows is either implemented here or refused with a message
// naming it; keys it does not know are refused too, since a newer library may give them a
// meaning. nlohmann/json throws on bad input; the exceptions stop at buildTokenizer, which turns
// them into an Error naming the file.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/TokenizerImpl.h"

#include "runtime/tokenizer/Regex.h"
#include "runtime/tokenizer/Utf8.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <stdexcept>

namespace inferno::rt::tok {

namespace {

using json = nlohmann::json;

/// A problem with the file being read; caught in buildTokenizer.
struct LoadError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] void fail(const std::string &message) { throw LoadError(message); }

std::string inQuotes(const std::string &s) { return "'" + s + "'"; }

const json &member(const json &object, const char *key, const std::string &where) {
  auto it = object.find(key);
  if (it == object.end())
    fail(where + ": missing \"" + key + "\"");
  return *it;
}

void checkObject(const json &j, const std::string &where) {
  if (!j.is_object())
    fail(where + " must be a JSON object");
}

/// Refuses keys outside `allowed` (see the file comment).
void checkKeys(const json &object, std::initializer_list<const char *> allowed,
               const std::string &where) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    bool known = std::any_of(allowed.begin(), allowed.end(),
                             [&](const char *k) { return it.key() == k; });
    if (!known)
      fail("unsupported key " + inQuotes(it.key()) + " in " + where);
  }
}

std::string getString(const json &object, const char *key, const std::string &where) {
  const json &v = member(object, key, where);
  if (!v.is_string())
    fail(where + ": \"" + key + "\" must be a string");
  return v.get<std::string>();
}

bool getBool(const json &object, const char *key, bool fallback, const std::string &where) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null())
    return fallback;
  if (!it->is_boolean())
    fail(where + ": \"" + key + "\" must be true or false");
  return it->get<bool>();
}

std::optional<std::string> getOptionalString(const json &object, const char *key,
                                             const std::string &where) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null())
    return std::nullopt;
  if (!it->is_string())
    fail(where + ": \"" + key + "\" must be a string or null");
  return it->get<std::string>();
}

std::string getOneCharacter(const json &object, const char *key, const std::string &where) {
  std::string s = getString(object, key, where);
  if (s.empty() || utf8Length(s) != 1)
    fail(where + ": \"" + key + "\" must be exactly one character");
  return s;
}

std::string typeOf(const json &j, const std::string &component) {
  checkObject(j, component);
  auto it = j.find("type");
  if (it == j.end() || !it->is_string())
    fail(component + " without a \"type\"");
  return it->get<std::string>();
}

/// {"String": s} (returned as is) or {"Regex": r}; `isRegex` tells which.
std::string patternOf(const json &object, const std::string &where, bool &isRegex) {
  const json &p = member(object, "pattern", where);
  if (p.is_object() && p.size() == 1 && p.begin()->is_string()) {
    if (p.begin().key() == "String" || p.begin().key() == "Regex") {
      isRegex = p.begin().key() == "Regex";
      return p.begin()->get<std::string>();
    }
  }
  fail(where + ": \"pattern\" must be {\"String\": ...} or {\"Regex\": ...}");
}

/// A regex that matches `literal` exactly (what regex::escape does for Hugging Face).
std::string escapeForPcre2(const std::string &literal) {
  std::string out;
  for (char c : literal) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x80 && !std::isalnum(u))
      out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

PrependScheme parsePrependScheme(const json &object, const std::string &where) {
  // Hugging Face: prepend_scheme defaults to "always"; the legacy add_prefix_space: false is
  // only accepted together with prepend_scheme "never".
  PrependScheme scheme = PrependScheme::Always;
  if (auto s = getOptionalString(object, "prepend_scheme", where)) {
    if (*s == "always")
      scheme = PrependScheme::Always;
    else if (*s == "first")
      scheme = PrependScheme::First;
    else if (*s == "never")
      scheme = PrependScheme::Never;
    else
      fail(where + ": unknown prepend_scheme " + inQuotes(*s));
  }
  auto it = object.find("add_prefix_space");
  if (it != object.end() && it->is_boolean() && !it->get<bool>()) {
    if (scheme != PrependScheme::Never)
      fail(where + ": add_prefix_space does not match declared prepend_scheme");
  }
  return scheme;
}

//===----------------------------------------------------------------------===//
// Components
//===----------------------------------------------------------------------===//

std::unique_ptr<Normalizer> parseNormalizer(const json &j) {
  if (j.is_null())
    return nullptr;
  std::string type = typeOf(j, "normalizer");
  std::string where = "normalizer " + type;
  if (type == "Sequence") {
    checkKeys(j, {"type", "normalizers"}, where);
    const json &list = member(j, "normalizers", where);
    if (!list.is_array())
      fail(where + ": \"normalizers\" must be an array");
    std::vector<std::unique_ptr<Normalizer>> steps;
    for (const json &item : list)
      if (auto n = parseNormalizer(item))
        steps.push_back(std::move(n));
    return std::make_unique<SequenceNormalizer>(std::move(steps));
  }
  if (type == "Prepend") {
    checkKeys(j, {"type", "prepend"}, where);
    return std::make_unique<PrependNormalizer>(getString(j, "prepend", where));
  }
  if (type == "Replace") {
    checkKeys(j, {"type", "pattern", "content"}, where);
    bool isRegex = false;
    std::string pattern = patternOf(j, where, isRegex);
    if (isRegex)
      fail("unsupported normalizer Replace with a Regex pattern");
    if (pattern.empty())
      fail(where + ": empty pattern");
    return std::make_unique<ReplaceNormalizer>(pattern, getString(j, "content", where));
  }
  fail("unsupported normalizer type " + inQuotes(type));
}

SplitBehavior parseBehavior(const std::string &s, const std::string &where) {
  if (s == "Removed")
    return SplitBehavior::Removed;
  if (s == "Isolated")
    return SplitBehavior::Isolated;
  if (s == "MergedWithPrevious")
    return SplitBehavior::MergedWithPrevious;
  if (s == "MergedWithNext")
    return SplitBehavior::MergedWithNext;
  if (s == "Contiguous")
    return SplitBehavior::Contiguous;
  fail(where + ": unknown behavior " + inQuotes(s));
}

Regex compileOrFail(Expected<Regex> regex, const std::string &where) {
  if (!regex)
    fail(where + ": " + regex.error().message);
  return std::move(regex).value();
}

/// `byteLevelSeen` is set when a ByteLevel step was parsed; it must be the last step.
std::unique_ptr<PreTokenizer> parsePreTokenizer(const json &j, bool &byteLevelSeen) {
  if (j.is_null())
    return nullptr;
  std::string type = typeOf(j, "pre_tokenizer");
  std::string where = "pre_tokenizer " + type;
  if (byteLevelSeen)
    fail("unsupported pre_tokenizer " + type + " after ByteLevel (ByteLevel must come last)");
  if (type == "Sequence") {
    checkKeys(j, {"type", "pretokenizers"}, where);
    const json &list = member(j, "pretokenizers", where);
    if (!list.is_array())
      fail(where + ": \"pretokenizers\" must be an array");
    std::vector<std::unique_ptr<PreTokenizer>> steps;
    for (const json &item : list)
      if (auto p = parsePreTokenizer(item, byteLevelSeen))
        steps.push_back(std::move(p));
    return std::make_unique<SequencePreTokenizer>(std::move(steps));
  }
  if (type == "Split") {
    checkKeys(j, {"type", "pattern", "behavior", "invert"}, where);
    bool isRegex = false;
    std::string pattern = patternOf(j, where, isRegex);
    if (pattern.empty())
      fail(where + ": empty pattern");
    SplitBehavior behavior = parseBehavior(getString(j, "behavior", where), where);
    bool invert = getBool(j, "invert", false, where);
    Regex regex = compileOrFail(
        isRegex ? Regex::fromOniguruma(pattern) : Regex::fromPcre2(escapeForPcre2(pattern)), where);
    return std::make_unique<SplitPreTokenizer>(std::move(regex), behavior, invert);
  }
  if (type == "ByteLevel") {
    checkKeys(j, {"type", "add_prefix_space", "trim_offsets", "use_regex"}, where);
    byteLevelSeen = true;
    std::unique_ptr<Regex> regex;
    if (getBool(j, "use_regex", true, where))
      regex = std::make_unique<Regex>(compileOrFail(
          Regex::fromOniguruma(ByteLevelPreTokenizer::kGpt2Pattern), where));
    return std::make_unique<ByteLevelPreTokenizer>(getBool(j, "add_prefix_space", true, where),
                                                   std::move(regex));
  }
  if (type == "Metaspace") {
    checkKeys(j, {"type", "replacement", "add_prefix_space", "prepend_scheme", "split", "str_rep"},
              where);
    return std::make_unique<MetaspacePreTokenizer>(getOneCharacter(j, "replacement", where),
                                                   parsePrependScheme(j, where),
                                                   getBool(j, "split", true, where));
  }
  fail("unsupported pre_tokenizer type " + inQuotes(type));
}

std::unique_ptr<Decoder> parseDecoder(const json &j) {
  if (j.is_null())
    return nullptr;
  std::string type = typeOf(j, "decoder");
  std::string where = "decoder " + type;
  if (type == "Sequence") {
    checkKeys(j, {"type", "decoders"}, where);
    const json &list = member(j, "decoders", where);
    if (!list.is_array())
      fail(where + ": \"decoders\" must be an array");
    std::vector<std::unique_ptr<Decoder>> steps;
    for (const json &item : list)
      if (auto d = parseDecoder(item))
        steps.push_back(std::move(d));
    return std::make_unique<SequenceDecoder>(std::move(steps));
  }
  if (type == "ByteLevel") {
    // Its flags only concern offsets and pre-tokenization; decoding ignores them.
    checkKeys(j, {"type", "add_prefix_space", "trim_offsets", "use_regex"}, where);
    return std::make_unique<ByteLevelDecoder>();
  }
  if (type == "Replace") {
    checkKeys(j, {"type", "pattern", "content"}, where);
    bool isRegex = false;
    std::string pattern = patternOf(j, where, isRegex);
    if (isRegex)
      fail("unsupported decoder Replace with a Regex pattern");
    if (pattern.empty())
      fail(where + ": empty pattern");
    return std::make_unique<ReplaceDecoder>(pattern, getString(j, "content", where));
  }
  if (type == "ByteFallback") {
    checkKeys(j, {"type"}, where);
    return std::make_unique<ByteFallbackDecoder>();
  }
  if (type == "Fuse") {
    checkKeys(j, {"type"}, where);
    return std::make_unique<FuseDecoder>();
  }
  if (type == "Strip") {
    checkKeys(j, {"type", "content", "start", "stop"}, where);
    auto count = [&](const char *key) {
      const json &v = member(j, key, where);
      if (!v.is_number_unsigned())
        fail(where + ": \"" + key + "\" must be a non-negative integer");
      return v.get<size_t>();
    };
    return std::make_unique<StripDecoder>(getOneCharacter(j, "content", where), count("start"),
                                          count("stop"));
  }
  if (type == "Metaspace") {
    checkKeys(j, {"type", "replacement", "add_prefix_space", "prepend_scheme", "split", "str_rep"},
              where);
    return std::make_unique<MetaspaceDecoder>(getOneCharacter(j, "replacement", where),
                                              parsePrependScheme(j, where));
  }
  fail("unsupported decoder type " + inQuotes(type));
}

std::unique_ptr<BpeModel> parseModel(const json &j, bool byteLevelInput) {
  checkObject(j, "model");
  std::string type = j.contains("type") ? typeOf(j, "model") : "BPE";
  if (type != "BPE")
    fail("unsupported model type " + inQuotes(type));
  const std::string where = "model BPE";
  checkKeys(j,
            {"type", "dropout", "unk_token", "continuing_subword_prefix", "end_of_word_suffix",
             "fuse_unk", "byte_fallback", "ignore_merges", "vocab", "merges"},
            where);
  auto dropout = j.find("dropout");
  if (dropout != j.end() && !dropout->is_null() &&
      !(dropout->is_number() && dropout->get<double>() == 0.0))
    fail("unsupported model BPE with dropout (random segmentation)");

  BpeConfig config;
  config.unkToken = getOptionalString(j, "unk_token", where);
  config.continuingSubwordPrefix =
      getOptionalString(j, "continuing_subword_prefix", where).value_or("");
  config.endOfWordSuffix = getOptionalString(j, "end_of_word_suffix", where).value_or("");
  config.fuseUnk = getBool(j, "fuse_unk", false, where);
  config.byteFallback = getBool(j, "byte_fallback", false, where);
  config.ignoreMerges = getBool(j, "ignore_merges", false, where);
  config.byteLevelInput = byteLevelInput;

  const json &vocabJson = member(j, "vocab", where);
  if (!vocabJson.is_object())
    fail("model.vocab must be an object of token: id");
  std::vector<std::pair<std::string, int32_t>> vocab;
  vocab.reserve(vocabJson.size());
  for (auto it = vocabJson.begin(); it != vocabJson.end(); ++it) {
    if (!it->is_number_integer())
      fail("model.vocab[" + inQuotes(it.key()) + "] must be an integer id");
    int64_t id = it->get<int64_t>();
    if (id < 0 || id > INT32_MAX)
      fail("model.vocab[" + inQuotes(it.key()) + "]: id " + std::to_string(id) + " is out of range");
    vocab.emplace_back(it.key(), static_cast<int32_t>(id));
  }

  const json &mergesJson = member(j, "merges", where);
  if (!mergesJson.is_array())
    fail("model.merges must be an array");
  std::vector<std::pair<std::string, std::string>> merges;
  merges.reserve(mergesJson.size());
  for (size_t i = 0; i < mergesJson.size(); ++i) {
    const json &m = mergesJson[i];
    std::string at = "model.merges[" + std::to_string(i) + "]";
    if (m.is_string()) {
      // The legacy form "left right": exactly one space.
      const std::string &s = m.get_ref<const std::string &>();
      size_t space = s.find(' ');
      if (space == std::string::npos || s.find(' ', space + 1) != std::string::npos)
        fail(at + ": " + inQuotes(s) + " is not two tokens separated by one space");
      merges.emplace_back(s.substr(0, space), s.substr(space + 1));
    } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
      merges.emplace_back(m[0].get<std::string>(), m[1].get<std::string>());
    } else {
      fail(at + " must be \"left right\" or [\"left\", \"right\"]");
    }
  }
  Expected<BpeModel> model = BpeModel::build(vocab, merges, std::move(config));
  if (!model)
    fail(model.error().message);
  return std::make_unique<BpeModel>(std::move(model).value());
}

std::vector<AddedToken> parseAddedTokens(const json &j, std::vector<int32_t> &fileIds) {
  std::vector<AddedToken> tokens;
  if (j.is_null())
    return tokens;
  if (!j.is_array())
    fail("added_tokens must be an array");
  for (size_t i = 0; i < j.size(); ++i) {
    const json &t = j[i];
    std::string where = "added_tokens[" + std::to_string(i) + "]";
    checkObject(t, where);
    checkKeys(t, {"id", "content", "single_word", "lstrip", "rstrip", "normalized", "special"},
              where);
    AddedToken token;
    token.content = getString(t, "content", where);
    token.singleWord = getBool(t, "single_word", false, where);
    token.lstrip = getBool(t, "lstrip", false, where);
    token.rstrip = getBool(t, "rstrip", false, where);
    token.normalized = getBool(t, "normalized", true, where);
    token.special = getBool(t, "special", false, where);
    const json &id = member(t, "id", where);
    if (!id.is_number_unsigned())
      fail(where + ": \"id\" must be a non-negative integer");
    fileIds.push_back(static_cast<int32_t>(id.get<int64_t>()));
    tokens.push_back(std::move(token));
  }
  return tokens;
}

/// Collects the single-sequence template; `found` counts TemplateProcessing steps.
void parsePostProcessor(const json &j, SingleTemplate &tmpl, int &found) {
  if (j.is_null())
    return;
  std::string type = typeOf(j, "post_processor");
  std::string where = "post_processor " + type;
  if (type == "Sequence") {
    checkKeys(j, {"type", "processors"}, where);
    const json &list = member(j, "processors", where);
    if (!list.is_array())
      fail(where + ": \"processors\" must be an array");
    for (const json &item : list)
      parsePostProcessor(item, tmpl, found);
    return;
  }
  if (type == "ByteLevel") {
    // Only trims offsets: ids are unchanged.
    checkKeys(j, {"type", "add_prefix_space", "trim_offsets", "use_regex"}, where);
    return;
  }
  if (type != "TemplateProcessing")
    fail("unsupported post_processor type " + inQuotes(type));
  checkKeys(j, {"type", "single", "pair", "special_tokens"}, where);
  if (++found > 1)
    fail("unsupported post_processor: more than one TemplateProcessing");

  // special_tokens: {name: {id, ids, tokens}}
  const json &specials = member(j, "special_tokens", where);
  if (!specials.is_object())
    fail(where + ": \"special_tokens\" must be an object");
  auto idsOf = [&](const std::string &name) {
    auto it = specials.find(name);
    if (it == specials.end())
      fail(where + ": template uses " + inQuotes(name) + " missing from special_tokens");
    const json &ids = member(*it, "ids", where + " special_tokens." + name);
    std::vector<int32_t> out;
    for (const json &id : ids) {
      if (!id.is_number_unsigned())
        fail(where + ": special_tokens." + name + ".ids must be non-negative integers");
      out.push_back(static_cast<int32_t>(id.get<int64_t>()));
    }
    return out;
  };

  // "single" is a list of {"SpecialToken": {"id", "type_id"}} / {"Sequence": {"id", "type_id"}},
  // or a string such as "<s> $A" (pieces separated by spaces, each optionally ":type_id").
  const json &single = member(j, "single", where);
  tmpl.items.clear();
  auto addSequence = [&](const std::string &id) {
    if (id != "A")
      fail(where + ": the single template may only use sequence A, not " + inQuotes(id));
    tmpl.items.push_back({true, {}});
  };
  if (single.is_string()) {
    std::string s = single.get<std::string>();
    size_t pos = 0;
    while (pos < s.size()) {
      size_t end = s.find(' ', pos);
      if (end == std::string::npos)
        end = s.size();
      std::string piece = s.substr(pos, end - pos);
      pos = end + 1;
      if (piece.empty())
        continue;
      std::string name = piece.substr(0, piece.rfind(':') == std::string::npos ? piece.size()
                                                                               : piece.rfind(':'));
      if (!name.empty() && name[0] == '$') {
        std::string id = name.substr(1);
        addSequence(id.empty() || id == "0" ? "A" : id == "1" ? "B" : id);
      } else {
        tmpl.items.push_back({false, idsOf(name)});
      }
    }
  } else if (single.is_array()) {
    for (const json &piece : single) {
      if (piece.is_object() && piece.size() == 1 && piece.begin()->is_object()) {
        const std::string &kind = piece.begin().key();
        const json &body = *piece.begin();
        std::string id = getString(body, "id", where + " single." + kind);
        if (kind == "SpecialToken") {
          tmpl.items.push_back({false, idsOf(id)});
          continue;
        }
        if (kind == "Sequence") {
          addSequence(id);
          continue;
        }
      }
      fail(where + ": bad piece in \"single\"");
    }
  } else {
    fail(where + ": \"single\" must be a list of pieces or a string");
  }
}

/// bos_token / eos_token of tokenizer_config.json: a string or {"content": ...}.
std::optional<std::string> configToken(const json &config, const char *key) {
  auto it = config.find(key);
  if (it == config.end() || it->is_null())
    return std::nullopt;
  if (it->is_string())
    return it->get<std::string>();
  if (it->is_object() && it->contains("content") && (*it)["content"].is_string())
    return (*it)["content"].get<std::string>();
  fail(std::string("\"") + key + "\" must be a string or an object with \"content\"");
}

std::optional<bool> configFlag(const json &config, const char *key) {
  auto it = config.find(key);
  if (it == config.end() || it->is_null())
    return std::nullopt;
  if (!it->is_boolean())
    fail(std::string("\"") + key + "\" must be true or false");
  return it->get<bool>();
}

int32_t idOrMinusOne(const TokenizerImpl &t, const std::string &token) {
  int32_t id = t.added.idOf(token);
  return id >= 0 ? id : t.model->tokenToId(token);
}

/// Applies tokenizer_config.json: add_bos_token / add_eos_token, when given, decide whether the
/// template adds them (as transformers' Llama tokenizers rebuild their post-processor from
/// these flags); bos/eos name the ids bosId()/eosIds() report.
void applyConfig(TokenizerImpl &t, const json &config) {
  if (!config.is_object())
    fail("the file must hold a JSON object");
  std::optional<std::string> bos = configToken(config, "bos_token");
  std::optional<std::string> eos = configToken(config, "eos_token");
  std::optional<bool> addBos = configFlag(config, "add_bos_token");
  std::optional<bool> addEos = configFlag(config, "add_eos_token");
  int32_t bosId = bos ? idOrMinusOne(t, *bos) : -1;
  int32_t eosId = eos ? idOrMinusOne(t, *eos) : -1;
  if ((bos && bosId < 0 && addBos.value_or(false)) || (eos && eosId < 0 && addEos.value_or(false)))
    fail("bos_token/eos_token is not a token of tokenizer.json");

  if (addBos || addEos) {
    std::vector<int32_t> leading = t.postTemplate.leadingIds();
    std::vector<int32_t> trailing = t.postTemplate.trailingIds();
    if (addBos)
      leading = *addBos && bosId >= 0 ? std::vector<int32_t>{bosId} : std::vector<int32_t>{};
    if (addEos)
      trailing = *addEos && eosId >= 0 ? std::vector<int32_t>{eosId} : std::vector<int32_t>{};
    SingleTemplate rebuilt;
    rebuilt.items.clear();
    if (!leading.empty())
      rebuilt.items.push_back({false, leading});
    rebuilt.items.push_back({true, {}});
    if (!trailing.empty())
      rebuilt.items.push_back({false, trailing});
    t.postTemplate = rebuilt;
  }
  if (!t.bosId && bosId >= 0)
    t.bosId = bosId;
  if (eosId >= 0 && std::find(t.eosIds.begin(), t.eosIds.end(), eosId) == t.eosIds.end())
    t.eosIds.insert(t.eosIds.begin(), eosId);
}

std::shared_ptr<TokenizerImpl> parseTokenizer(const json &root) {
  checkObject(root, "the file");
  checkKeys(root,
            {"version", "truncation", "padding", "added_tokens", "normalizer", "pre_tokenizer",
             "post_processor", "decoder", "model"},
            "tokenizer.json (top level)");
  if (root.contains("version")) {
    const json &v = root["version"];
    if (!v.is_string() || v.get<std::string>() != "1.0")
      fail("unknown tokenizer version " + v.dump());
  }
  for (const char *key : {"truncation", "padding"})
    if (root.contains(key) && !root[key].is_null())
      fail(std::string("unsupported ") + key + " settings (must be null)");

  auto t = std::make_shared<TokenizerImpl>();
  t->normalizer = parseNormalizer(root.value("normalizer", json()));
  bool byteLevel = false;
  t->preTokenizer = parsePreTokenizer(root.value("pre_tokenizer", json()), byteLevel);
  if (!root.contains("model"))
    fail("missing \"model\"");
  t->model = parseModel(root["model"], byteLevel);
  t->decoder = parseDecoder(root.value("decoder", json()));
  int templates = 0;
  parsePostProcessor(root.value("post_processor", json()), t->postTemplate, templates);

  std::vector<int32_t> fileIds;
  std::vector<AddedToken> added = parseAddedTokens(root.value("added_tokens", json()), fileIds);
  t->added.add(added, *t->model, t->normalizer.get());
  for (size_t i = 0; i < added.size(); ++i) {
    // Hugging Face assigns ids itself and only warns when they differ from the file's; a file
    // whose ids would move is almost surely broken, so refuse it.
    int32_t id = t->added.idOf(added[i].content);
    if (id >= 0 && id != fileIds[i])
      fail("added_tokens[" + std::to_string(i) + "] " + inQuotes(added[i].content) + " has id " +
           std::to_string(fileIds[i]) + " but the tokenizer assigns it " + std::to_string(id));
  }

  std::vector<int32_t> leading = t->postTemplate.leadingIds();
  if (!leading.empty())
    t->bosId = leading.front();
  std::vector<int32_t> trailing = t->postTemplate.trailingIds();
  if (!trailing.empty())
    t->eosIds.push_back(trailing.back());
  return t;
}

} // namespace

Expected<std::shared_ptr<TokenizerImpl>> buildTokenizer(std::string_view tokenizerJson,
                                                        const std::string &tokenizerName,
                                                        std::string_view configJson,
                                                        const std::string &configName) {
  std::shared_ptr<TokenizerImpl> t;
  try {
    json root = json::parse(tokenizerJson.begin(), tokenizerJson.end());
    t = parseTokenizer(root);
  } catch (const json::parse_error &e) {
    return makeError(tokenizerName + ": not valid JSON: " + e.what());
  } catch (const json::exception &e) {
    return makeError(tokenizerName + ": " + e.what());
  } catch (const LoadError &e) {
    return makeError(tokenizerName + ": " + e.what());
  }
  if (!configJson.empty()) {
    try {
      json config = json::parse(configJson.begin(), configJson.end());
      applyConfig(*t, config);
    } catch (const json::parse_error &e) {
      return makeError(configName + ": not valid JSON: " + e.what());
    } catch (const json::exception &e) {
      return makeError(configName + ": " + e.what());
    } catch (const LoadError &e) {
      return makeError(configName + ": " + e.what());
    }
  }
  int32_t limit = t->model->idLimit();
  for (int32_t id : t->added.ids())
    limit = std::max(limit, id + 1);
  t->vocabSize = static_cast<size_t>(limit);
  return t;
}

} // namespace inferno::rt::tok
