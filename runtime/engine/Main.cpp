//===- Main.cpp - the artifact executable's command line ------------------===//
//
// `ARTIFACT/model [--prompt TEXT | --prompt-ids 1,2,3] [-n N] [sampling flags] ...`; also
// what `inferno run ARTIFACT` executes. The artifact's directory is the executable's own.
//
//===----------------------------------------------------------------------===//

#include "runtime/engine/Engine.h"
#include "runtime/engine/Sampler.h"
#include "runtime/include/inferno/kernels.h"
#include "runtime/chat/ChatTemplate.h"
#include "runtime/tokenizer/Tokenizer.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <limits.h>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace inferno::rt;

namespace {
const char *kUsage = R"(usage: %s [options]

Generates text with the model compiled into this artifact.

  --prompt TEXT         text to continue (encoded with the artifact's tokenizer, BOS per its config)
  --prompt-ids 1,2,3    token ids to continue, used exactly as given
  -n, --max-tokens N    generate at most N tokens (default 256)
  --temperature T       0 = greedy (default 0.8)
  --top-k K             keep the K most likely tokens, 0 = off (default 40)
  --top-p P             keep the smallest set with probability >= P, 1 = off (default 0.95)
  --min-p P             drop tokens below P x the top probability, 0 = off (default 0.05)
  --repeat-penalty R    penalize the last 64 tokens, 1 = off (default 1.0)
  --seed S              random seed (default: from the clock)
  --threads N           threads for the kernels (default: all cores)
  --ids                 print generated token ids instead of text
  --stats               print load time and prefill/decode speed to stderr
  --ignore-eos          keep generating past end-of-sequence tokens
  --weights DIR         read the weight files from DIR instead of where they were compiled
  --synthetic-weights S (CUDA artifacts) read no weight files: fill every tensor on the GPU with
                        seeded values (seed S), for benchmarking shapes too big to carry
  --chat                interactive conversation through the model's chat template (multi-turn,
                        the KV cache kept across turns); one user message per line on stdin
  --system TEXT         a system message for --chat or --messages
  --messages FILE.json  one-shot: an OpenAI-style list of {role, content} through the chat template
  --version             print the compiler version that built this artifact
)";

struct Options {
  std::optional<std::string> prompt;
  std::optional<std::vector<int32_t>> promptIds;
  int64_t maxTokens = 256;
  SamplerOptions sampler;
  bool seedGiven = false;
  int32_t threads = 0;
  bool ids = false, stats = false, ignoreEos = false;
  std::string weightsDir;
  std::optional<uint64_t> syntheticSeed;
  bool chat = false;
  std::optional<std::string> system;
  std::string messagesFile;
  // For tests: every sampled position's logits as a float32 .npy, and the prefill chunk size.
  std::string dumpLogits;
  std::string allLogits;
  int64_t prefillChunk = 0;
};

[[noreturn]] void die(const std::string &message) {
  std::fprintf(stderr, "error: %s\n", message.c_str());
  std::exit(1);
}

template <typename T>
T parseNumber(const std::string &flag, const std::string &text, T low, T high) {
  char *end = nullptr;
  errno = 0;
  long double v = std::is_floating_point<T>::value ? std::strtold(text.c_str(), &end)
                                                   : static_cast<long double>(std::strtoll(text.c_str(), &end, 10));
  if (text.empty() || *end != '\0' || errno == ERANGE || std::isnan(static_cast<double>(v)) ||
      v < static_cast<long double>(low) || v > static_cast<long double>(high))
    die("invalid value '" + text + "' for " + flag + " (expected a number in [" +
        std::to_string(low) + ", " + std::to_string(high) + "])");
  return static_cast<T>(v);
}

std::vector<int32_t> parseIds(const std::string &text) {
  std::vector<int32_t> ids;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    ids.push_back(parseNumber<int32_t>("--prompt-ids", item, 0, INT32_MAX));
    if (comma == std::string::npos)
      break;
    start = comma + 1;
  }
  return ids;
}

Options parseOptions(int argc, char **argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i], value;
    size_t eq = arg.find('=');
    bool inlineValue = arg.rfind("--", 0) == 0 && eq != std::string::npos;
    if (inlineValue) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    auto next = [&]() -> std::string {
      if (inlineValue)
        return value;
      if (i + 1 >= argc)
        die("missing value for " + arg);
      return argv[++i];
    };
    if (arg == "-h" || arg == "--help") {
      std::printf(kUsage, argv[0]);
      std::exit(0);
    } else if (arg == "--version") {
      std::printf("%s\n", INFERNO_VERSION);
      std::exit(0);
    } else if (arg == "--prompt") {
      o.prompt = next();
    } else if (arg == "--prompt-ids") {
      o.promptIds = parseIds(next());
    } else if (arg == "-n" || arg == "--max-tokens") {
      o.maxTokens = parseNumber<int64_t>(arg, next(), 0, INT64_MAX);
    } else if (arg == "--temperature") {
      o.sampler.temperature = parseNumber<float>(arg, next(), 0.0f, 100.0f);
    } else if (arg == "--top-k") {
      o.sampler.topK = parseNumber<int32_t>(arg, next(), 0, INT32_MAX);
    } else if (arg == "--top-p") {
      o.sampler.topP = parseNumber<float>(arg, next(), 0.0f, 1.0f);
    } else if (arg == "--min-p") {
      o.sampler.minP = parseNumber<float>(arg, next(), 0.0f, 1.0f);
    } else if (arg == "--repeat-penalty") {
      o.sampler.repeatPenalty = parseNumber<float>(arg, next(), 0.0f, 100.0f);
      if (o.sampler.repeatPenalty <= 0.0f)
        die("invalid value for --repeat-penalty (must be positive)");
    } else if (arg == "--seed") {
      o.sampler.seed = parseNumber<uint64_t>(arg, next(), 0, UINT32_MAX);
      o.seedGiven = true;
    } else if (arg == "--threads") {
      o.threads = parseNumber<int32_t>(arg, next(), 1, 4096);
    } else if (arg == "--ids") {
      o.ids = true;
    } else if (arg == "--stats") {
      o.stats = true;
    } else if (arg == "--ignore-eos") {
      o.ignoreEos = true;
    } else if (arg == "--weights") {
      o.weightsDir = next();
    } else if (arg == "--synthetic-weights") {
      o.syntheticSeed = parseNumber<uint64_t>(arg, next(), 0, UINT32_MAX);
    } else if (arg == "--chat") {
      o.chat = true;
    } else if (arg == "--system") {
      o.system = next();
    } else if (arg == "--messages") {
      o.messagesFile = next();
    } else if (arg == "--dump-logits") {
      o.dumpLogits = next();
    } else if (arg == "--all-logits") {
      o.allLogits = next();
    } else if (arg == "--prefill-chunk") {
      o.prefillChunk = parseNumber<int64_t>(arg, next(), 1, INT64_MAX);
    } else {
      die("unknown option '" + arg + "' (see --help)");
    }
  }
  int sources = (o.prompt ? 1 : 0) + (o.promptIds ? 1 : 0) + (o.chat ? 1 : 0) +
                (o.messagesFile.empty() ? 0 : 1);
  if (sources > 1)
    die("give one of --prompt, --prompt-ids, --chat and --messages");
  if (o.system && !o.chat && o.messagesFile.empty())
    die("--system goes with --chat or --messages");
  return o;
}

std::string executableDirectory() {
  char path[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0)
    die("cannot find the artifact's directory");
  path[n] = '\0';
  std::string p(path);
  return p.substr(0, p.find_last_of('/'));
}

/// Writes rows of float32 logits as a NumPy .npy file (format 1.0).
void writeNpy(const std::string &path, const std::vector<float> &data, int64_t rows, int64_t cols) {
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" +
                       std::to_string(rows) + ", " + std::to_string(cols) + "), }";
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  std::ofstream out(path, std::ios::binary);
  out.write("\x93NUMPY\x01\x00", 8);
  uint16_t len = static_cast<uint16_t>(header.size());
  char le[2] = {static_cast<char>(len & 0xff), static_cast<char>(len >> 8)};
  out.write(le, 2);
  out << header;
  out.write(reinterpret_cast<const char *>(data.data()),
            static_cast<std::streamsize>(data.size() * sizeof(float)));
  if (!out)
    die(path + ": cannot write");
}

double seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}
/// One model conversation: what is in the KV cache, and how to generate after a prompt.
class Session {
public:
  Session(Engine &engine, const Options &options, std::optional<Tokenizer> &tokenizer)
      : engine_(engine), options_(options), tokenizer_(tokenizer), sampler_(options.sampler) {}

  /// Brings the cache to `prompt` (reusing the prefix it shares with what was fed before),
  /// then generates up to --max-tokens tokens, streaming them to stdout. Returns the ids.
  std::vector<int32_t> respond(const std::vector<int32_t> &prompt) {
    const ArtifactManifest &m = engine_.manifest();
    if (prompt.empty())
      die("the prompt is empty");
    for (int32_t id : prompt)
      if (id < 0 || id >= m.vocab)
        die("prompt token id " + std::to_string(id) + " is outside the vocabulary (" +
            std::to_string(m.vocab) + " tokens)");
    if (static_cast<int64_t>(prompt.size()) > m.context)
      die("the prompt has " + std::to_string(prompt.size()) + " tokens but the context holds " +
          std::to_string(m.context));
    size_t shared = 0;
    while (shared < fed_.size() && shared < prompt.size() && fed_[shared] == prompt[shared])
      ++shared;
    shared = std::min(shared, prompt.size() - 1); // feed at least one token to get logits
    engine_.rewind(static_cast<int64_t>(shared));
    fed_.resize(shared);
    std::vector<int32_t> rest(prompt.begin() + static_cast<std::ptrdiff_t>(shared), prompt.end());
    for (int32_t id : rest)
      sampler_.accept(id);

    auto prefillStart = std::chrono::steady_clock::now();
    int64_t chunk = options_.prefillChunk ? options_.prefillChunk : m.maxBatch;
    if (!options_.allLogits.empty()) {
      // Every prompt position's next-token logits (teacher forcing along the prompt).
      std::vector<float> all;
      if (Status s = engine_.feed(rest, chunk, true, all); !s)
        die(s.message());
      writeNpy(options_.allLogits, all, static_cast<int64_t>(rest.size()), m.vocab);
      logits_.assign(all.end() - m.vocab, all.end());
    } else if (Status s = engine_.feed(rest, chunk, false, logits_); !s) {
      die(s.message());
    }
    fed_.insert(fed_.end(), rest.begin(), rest.end());
    prefillSeconds_ += seconds(prefillStart);
    promptTokens_ += static_cast<int64_t>(rest.size());

    const bool printIds = options_.ids || !tokenizer_;
    std::optional<StreamDecoder> stream;
    if (!printIds)
      stream.emplace(tokenizer_->streamDecoder());
    auto decodeStart = std::chrono::steady_clock::now();
    std::vector<int32_t> generated;
    // Takes a sampled id: stops at an end-of-sequence id, else prints it; true when it is to
    // be fed for the next one.
    auto emit = [&](int32_t next) {
      bool eos = std::find(m.eosTokenIds.begin(), m.eosTokenIds.end(), next) != m.eosTokenIds.end();
      if (eos && !options_.ignoreEos)
        return false;
      generated.push_back(next);
      sampler_.accept(next);
      if (printIds) {
        std::printf(generated.size() == 1 ? "%d" : " %d", next);
      } else {
        std::string piece = stream->push(next);
        std::fwrite(piece.data(), 1, piece.size(), stdout);
      }
      std::fflush(stdout);
      if (static_cast<int64_t>(generated.size()) == options_.maxTokens)
        return false;
      if (engine_.position() >= m.context) {
        std::fprintf(stderr, "\n[stopped: the context of %lld tokens is full]\n",
                     static_cast<long long>(m.context));
        return false;
      }
      return true;
    };
    // Plain greedy decoding with nothing that reads the logits on the host runs on the
    // device where the artifact can (the ids come back, the logits stay); the first id still
    // comes from the prompt's logits here.
    const bool greedyOnDevice = sampler_.plainGreedy() && options_.dumpLogits.empty();
    while (static_cast<int64_t>(generated.size()) < options_.maxTokens) {
      if (!options_.dumpLogits.empty())
        dumped_.insert(dumped_.end(), logits_.begin(), logits_.end());
      // NaN or infinite weights give such logits; sorting or drawing from them is undefined.
      // An all-ones exponent marks both; OR-ing them is one vectorized pass over the
      // vocabulary, where a per-entry branch would cost a sizable part of a GPU decode step.
      uint32_t nonFinite = 0;
      for (float l : logits_) {
        uint32_t bits;
        std::memcpy(&bits, &l, sizeof bits);
        nonFinite |= static_cast<uint32_t>((bits & 0x7f800000u) == 0x7f800000u);
      }
      if (nonFinite)
        for (float l : logits_)
          if (!std::isfinite(l))
            die("the model produced a non-finite logit (" + std::to_string(l) +
                ") at position " + std::to_string(engine_.position()) +
                ": its weights hold NaN or infinite values, or overflow");
      int32_t next = sampler_.sample(logits_);
      if (!emit(next))
        break;
      if (greedyOnDevice) {
        const int64_t steps = options_.maxTokens - static_cast<int64_t>(generated.size());
        Expected<bool> ran = engine_.decodeGreedy(next, steps, [&](int32_t id) {
          fed_.push_back(next); // the token whose forward pass produced `id`
          next = id;
          return emit(id);
        });
        if (!ran)
          die(ran.error().message);
        if (*ran)
          break;
      }
      if (Status s = engine_.feed({next}, 1, false, logits_); !s)
        die(s.message());
      fed_.push_back(next);
    }
    if (stream) {
      std::string rest = stream->finish();
      std::fwrite(rest.data(), 1, rest.size(), stdout);
    }
    std::printf("\n");
    std::fflush(stdout);
    decodeSeconds_ += seconds(decodeStart);
    generatedTokens_ += static_cast<int64_t>(generated.size());
    return generated;
  }

  void finish(double loadSeconds) {
    const ArtifactManifest &m = engine_.manifest();
    if (!options_.dumpLogits.empty())
      writeNpy(options_.dumpLogits, dumped_, static_cast<int64_t>(dumped_.size()) / m.vocab, m.vocab);
    if (options_.stats) {
      std::fprintf(stderr,
                   "load: %.3f s\nprompt: %lld tokens, %.3f s, %.1f tok/s\n"
                   "generated: %lld tokens, %.3f s, %.1f tok/s\n",
                   loadSeconds, static_cast<long long>(promptTokens_), prefillSeconds_,
                   promptTokens_ / prefillSeconds_, static_cast<long long>(generatedTokens_),
                   decodeSeconds_, generatedTokens_ > 0 ? generatedTokens_ / decodeSeconds_ : 0.0);
      if (Engine::onDevice())
        std::fprintf(stderr, "device: %s\n", Engine::deviceName().c_str());
      else
        std::fprintf(stderr, "kernels: %s, %d threads\n", inferno_kernel_isa(),
                     inferno_get_num_threads());
    }
  }

private:
  Engine &engine_;
  const Options &options_;
  std::optional<Tokenizer> &tokenizer_;
  Sampler sampler_;
  std::vector<int32_t> fed_;
  std::vector<float> logits_, dumped_;
  double prefillSeconds_ = 0, decodeSeconds_ = 0;
  int64_t promptTokens_ = 0, generatedTokens_ = 0;
};

/// Renders `messages` through the artifact's chat template and encodes the text as
/// apply_chat_template(tokenize=True) does: the template supplies special tokens itself.
std::vector<int32_t> encodeChat(const chat::ChatTemplate &tmpl, const Tokenizer &tokenizer,
                                const nlohmann::ordered_json &messages) {
  chat::RenderOptions render = tmpl.defaultOptions();
  render.addGenerationPrompt = true;
  Expected<std::string> text = tmpl.render(messages, render);
  if (!text)
    die(text.error().message);
  Expected<std::vector<int32_t>> ids = tokenizer.encodeChecked(*text, /*addSpecialTokens=*/false);
  if (!ids)
    die(ids.error().message);
  return std::move(*ids);
}

nlohmann::ordered_json readMessages(const std::string &path) {
  std::ifstream in(path);
  if (!in)
    die(path + ": cannot open file");
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::ordered_json messages =
      nlohmann::ordered_json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (messages.is_discarded() || !messages.is_array())
    die(path + ": expected a JSON list of {\"role\", \"content\"} messages");
  for (const auto &m : messages)
    if (!m.is_object() || !m.contains("role") || !m["role"].is_string())
      die(path + ": every message needs a \"role\" string");
  return messages;
}
} // namespace

int main(int argc, char **argv) {
  Options options = parseOptions(argc, argv);
  auto loadStart = std::chrono::steady_clock::now();
  if (options.threads > 0)
    inferno_set_num_threads(options.threads);

  std::string directory = executableDirectory();
  Expected<std::unique_ptr<Engine>> opened =
      Engine::open(directory, options.weightsDir, options.syntheticSeed);
  if (!opened)
    die(opened.error().message);
  Engine &engine = **opened;
  const ArtifactManifest &manifest = engine.manifest();

  std::optional<Tokenizer> tokenizer;
  if (manifest.tokenizerFile) {
    Expected<Tokenizer> loaded = Tokenizer::load(directory + "/" + *manifest.tokenizerFile);
    if (!loaded)
      die(loaded.error().message);
    tokenizer = std::move(*loaded);
  }
  std::optional<chat::ChatTemplate> chatTemplate;
  if (options.chat || !options.messagesFile.empty()) {
    if (!tokenizer)
      die("this artifact has no tokenizer, so it cannot chat; use --prompt-ids");
    Expected<chat::ChatTemplate> loaded = chat::ChatTemplate::fromTokenizerDir(directory);
    if (!loaded)
      die(loaded.error().message);
    chatTemplate = std::move(*loaded);
  }
  double loadSeconds = seconds(loadStart);
  if (!options.seedGiven)
    options.sampler.seed = static_cast<uint64_t>(
        std::chrono::system_clock::now().time_since_epoch().count());
  Session session(engine, options, tokenizer);

  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  if (options.system)
    messages.push_back({{"role", "system"}, {"content", *options.system}});
  if (!options.messagesFile.empty()) {
    for (const auto &m : readMessages(options.messagesFile))
      messages.push_back(m);
    session.respond(encodeChat(*chatTemplate, *tokenizer, messages));
  } else if (options.chat) {
    // One user turn per line; the reply is streamed, then added to the conversation.
    std::string line;
    while (std::fprintf(stderr, "> "), std::fflush(stderr), std::getline(std::cin, line)) {
      if (line.empty())
        continue;
      messages.push_back({{"role", "user"}, {"content", line}});
      std::vector<int32_t> reply = session.respond(encodeChat(*chatTemplate, *tokenizer, messages));
      messages.push_back({{"role", "assistant"}, {"content", tokenizer->decode(reply, true)}});
    }
  } else {
    std::vector<int32_t> prompt;
    if (options.promptIds) {
      prompt = *options.promptIds;
    } else if (options.prompt) {
      if (!tokenizer)
        die("this artifact has no tokenizer (the model directory had no tokenizer.json); use "
            "--prompt-ids");
      Expected<std::vector<int32_t>> ids = tokenizer->encodeChecked(*options.prompt, true);
      if (!ids)
        die("--prompt: " + ids.error().message);
      prompt = std::move(*ids);
    } else if (manifest.bosTokenId) {
      prompt = {*manifest.bosTokenId}; // no prompt: generate from the beginning of a sequence
    } else {
      die("give --prompt or --prompt-ids");
    }
    session.respond(prompt);
  }
  session.finish(loadSeconds);
  return 0;
}
