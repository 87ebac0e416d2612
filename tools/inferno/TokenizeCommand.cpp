//===- TokenizeCommand.cpp - `inferno tokenize` ---------------------------===//
//
// Encodes or decodes text with a Hugging Face tokenizer.json, id for id as the `tokenizers`
// library does. Used by people and by the conformance tests (test/tokenizer):
//
//   inferno tokenize TOKENIZER --text "Hello"            -> [128000,9906]
//   inferno tokenize TOKENIZER --jsonl strings.jsonl     -> one JSON id array per line
//   inferno tokenize TOKENIZER --jsonl ids.jsonl --decode -> one JSON string per line
//
//===----------------------------------------------------------------------===//

#include "tools/inferno/Command.h"

#include "runtime/tokenizer/Tokenizer.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

namespace {

namespace cl = llvm::cl;
using inferno::rt::Expected;
using inferno::rt::Tokenizer;
using json = nlohmann::json;

cl::SubCommand tokenizeCommand("tokenize",
                               "Encode or decode text with a Hugging Face tokenizer.json");

cl::opt<std::string> tokenizerPath(cl::Positional, cl::Required,
                                   cl::desc("<tokenizer.json or directory holding one>"),
                                   cl::sub(tokenizeCommand));
cl::opt<std::string> textOption("text",
                                cl::desc("Encode this text and print its ids as a JSON array "
                                         "(with --decode: a JSON array of ids to decode)"),
                                cl::value_desc("text"), cl::sub(tokenizeCommand));
cl::opt<std::string> jsonlOption("jsonl",
                                 cl::desc("Encode each line (a JSON string) to a JSON array of "
                                          "ids, or decode with --decode; '-' reads stdin"),
                                 cl::value_desc("file"), cl::sub(tokenizeCommand));
cl::opt<bool> decodeOption("decode", cl::desc("Decode ids to text instead of encoding"),
                           cl::sub(tokenizeCommand));
cl::opt<bool> noSpecialOption("no-special",
                              cl::desc("Encode without the post-processor's special tokens; "
                                       "decode skipping special tokens"),
                              cl::sub(tokenizeCommand));
cl::opt<std::string> benchmarkOption(
    "benchmark",
    cl::desc("Encode the whole file as one string a few times and print the throughput as JSON"),
    cl::value_desc("file"), cl::sub(tokenizeCommand));
cl::opt<unsigned> repeatOption("repeat", cl::desc("Encodes per --benchmark run (default 5)"),
                               cl::init(5), cl::sub(tokenizeCommand));

using inferno::driver::fail;

/// JSON text of a decoded string (always valid UTF-8: decode replaces bad bytes with U+FFFD).
std::string jsonString(const std::string &s) { return json(s).dump(); }

std::string jsonIds(const std::vector<int32_t> &ids) {
  std::string out = "[";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i)
      out += ',';
    out += std::to_string(ids[i]);
  }
  return out + "]";
}

/// Parses a JSON array of ids; returns false with `error` set otherwise.
bool parseIds(const std::string &text, std::vector<int32_t> &ids, std::string &error) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_array()) {
    error = "expected a JSON array of ids";
    return false;
  }
  ids.clear();
  for (const json &id : j) {
    if (!id.is_number_integer() || id.get<int64_t>() < INT32_MIN || id.get<int64_t>() > INT32_MAX) {
      error = "ids must be 32-bit integers";
      return false;
    }
    ids.push_back(static_cast<int32_t>(id.get<int64_t>()));
  }
  return true;
}

int runJsonl(const Tokenizer &tokenizer) {
  std::ifstream file;
  std::istream *in = &std::cin;
  std::ios::sync_with_stdio(false); // large corpora come through stdin
  if (jsonlOption != "-") {
    file.open(jsonlOption, std::ios::binary);
    if (!file)
      return fail(jsonlOption + ": cannot open file");
    in = &file;
  }
  llvm::raw_ostream &out = llvm::outs();
  std::string line;
  size_t lineNumber = 0;
  std::vector<int32_t> ids;
  while (std::getline(*in, line)) {
    ++lineNumber;
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    auto where = [&] { return jsonlOption + ":" + std::to_string(lineNumber) + ": "; };
    if (decodeOption) {
      std::string error;
      if (!parseIds(line, ids, error))
        return fail(where() + error);
      out << jsonString(tokenizer.decode(ids, noSpecialOption)) << '\n';
      continue;
    }
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_string())
      return fail(where() + "expected a JSON string");
    out << jsonIds(tokenizer.encode(j.get_ref<const std::string &>(), !noSpecialOption)) << '\n';
  }
  out.flush();
  return 0;
}

int runBenchmark(const Tokenizer &tokenizer) {
  std::ifstream file(benchmarkOption, std::ios::binary);
  if (!file)
    return fail(benchmarkOption + ": cannot open file");
  std::ostringstream s;
  s << file.rdbuf();
  std::string text = s.str();
  unsigned repeats = std::max(1u, unsigned(repeatOption));
  size_t tokens = tokenizer.encode(text, !noSpecialOption).size(); // warm-up
  auto start = std::chrono::steady_clock::now();
  for (unsigned i = 0; i < repeats; ++i)
    tokens = tokenizer.encode(text, !noSpecialOption).size();
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / repeats;
  llvm::outs() << json{{"tokens", tokens},
                       {"seconds", seconds},
                       {"mbPerSecond", text.size() / 1e6 / seconds}}
                      .dump()
               << '\n';
  return 0;
}

int runTokenize() {
  int modes = !textOption.getNumOccurrences() ? 0 : 1;
  modes += jsonlOption.getNumOccurrences() ? 1 : 0;
  modes += benchmarkOption.getNumOccurrences() ? 1 : 0;
  if (modes != 1)
    return fail("tokenize: give exactly one of --text, --jsonl or --benchmark");

  Expected<Tokenizer> tokenizer = Tokenizer::load(tokenizerPath);
  if (!tokenizer)
    return fail(tokenizer.error().message);

  if (jsonlOption.getNumOccurrences())
    return runJsonl(*tokenizer);
  if (benchmarkOption.getNumOccurrences())
    return runBenchmark(*tokenizer);

  if (decodeOption) {
    std::vector<int32_t> ids;
    std::string error;
    if (!parseIds(textOption, ids, error))
      return fail("--text: " + error);
    llvm::outs() << jsonString(tokenizer->decode(ids, noSpecialOption)) << '\n';
    return 0;
  }
  // Command-line text may hold any bytes: refuse what Hugging Face could not be given.
  Expected<std::vector<int32_t>> ids = tokenizer->encodeChecked(textOption, !noSpecialOption);
  if (!ids)
    return fail("--text: " + ids.error().message);
  llvm::outs() << jsonIds(*ids) << '\n';
  return 0;
}

inferno::driver::RegisterCommand registerTokenize(tokenizeCommand, runTokenize);

} // namespace
