//===- Main.cpp - the artifact executable's command line ------------------===//
//
// `ARTIFACT/model [--prompt TEXT | --prompt-ids 1,2,3] [-n N] [sampling flags] ...`; also
// what `inferno run ARTIFACT` executes. The artifact's directory is the executable's own.
//
//===----------------------------------------------------------------------===//

#include "runtime/engine/Engine.h"
#include "runtime/engine/Sampler.h"
#include "runtime/include/inferno/kernels.h"
#include "runtime/tokenizer/Tokenizer.h"

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
  // For tests: every sampled position's logits as a float32 .npy, and the prefill chunk size.
  std::string dumpLogits;
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
    } else if (arg == "--dump-logits") {
      o.dumpLogits = next();
    } else if (arg == "--prefill-chunk") {
      o.prefillChunk = parseNumber<int64_t>(arg, next(), 1, INT64_MAX);
    } else {
      die("unknown option '" + arg + "' (see --help)");
    }
  }
  if (o.prompt && o.promptIds)
    die("give --prompt or --prompt-ids, not both");
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
} // namespace

int main(int argc, char **argv) {
  Options options = parseOptions(argc, argv);
  auto loadStart = std::chrono::steady_clock::now();
  if (options.threads > 0)
    inferno_set_num_threads(options.threads);

  std::string directory = executableDirectory();
  Expected<std::unique_ptr<Engine>> opened = Engine::open(directory, options.weightsDir);
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
  if (prompt.empty())
    die("the prompt is empty");
  for (int32_t id : prompt)
    if (id >= manifest.vocab)
      die("prompt token id " + std::to_string(id) + " is outside the vocabulary (" +
          std::to_string(manifest.vocab) + " tokens)");
  if (static_cast<int64_t>(prompt.size()) > manifest.context)
    die("the prompt has " + std::to_string(prompt.size()) + " tokens but the context holds " +
        std::to_string(manifest.context));
  double loadSeconds = seconds(loadStart);

  if (!options.seedGiven)
    options.sampler.seed = static_cast<uint64_t>(
        std::chrono::system_clock::now().time_since_epoch().count());
  Sampler sampler(options.sampler);
  for (int32_t id : prompt)
    sampler.accept(id);
  const bool printIds = options.ids || !tokenizer;
  std::optional<StreamDecoder> stream;
  if (tokenizer && !printIds)
    stream.emplace(tokenizer->streamDecoder());

  std::vector<float> logits, dumped;
  auto prefillStart = std::chrono::steady_clock::now();
  int64_t chunk = options.prefillChunk ? options.prefillChunk : manifest.maxBatch;
  if (Status s = engine.feed(prompt, chunk, false, logits); !s)
    die(s.message());
  double prefillSeconds = seconds(prefillStart);

  auto decodeStart = std::chrono::steady_clock::now();
  int64_t generated = 0;
  bool first = true;
  while (generated < options.maxTokens) {
    if (!options.dumpLogits.empty())
      dumped.insert(dumped.end(), logits.begin(), logits.end());
    int32_t next = sampler.sample(logits);
    bool eos = std::find(manifest.eosTokenIds.begin(), manifest.eosTokenIds.end(), next) !=
               manifest.eosTokenIds.end();
    if (eos && !options.ignoreEos)
      break;
    ++generated;
    sampler.accept(next);
    if (printIds) {
      std::printf(first ? "%d" : " %d", next);
      first = false;
    } else {
      std::string piece = stream->push(next);
      std::fwrite(piece.data(), 1, piece.size(), stdout);
    }
    std::fflush(stdout);
    if (generated == options.maxTokens)
      break;
    if (engine.position() >= manifest.context) {
      std::fprintf(stderr, "\n[stopped: the context of %lld tokens is full]\n",
                   static_cast<long long>(manifest.context));
      break;
    }
    if (Status s = engine.feed({next}, 1, false, logits); !s)
      die(s.message());
  }
  if (stream) {
    std::string rest = stream->finish();
    std::fwrite(rest.data(), 1, rest.size(), stdout);
  }
  std::printf("\n");
  std::fflush(stdout);
  double decodeSeconds = seconds(decodeStart);

  if (!options.dumpLogits.empty())
    writeNpy(options.dumpLogits, dumped, static_cast<int64_t>(dumped.size()) / manifest.vocab,
             manifest.vocab);
  if (options.stats) {
    std::fprintf(stderr,
                 "load: %.3f s\nprompt: %zu tokens, %.3f s, %.1f tok/s\n"
                 "generated: %lld tokens, %.3f s, %.1f tok/s\nkernels: %s, %d threads\n",
                 loadSeconds, prompt.size(), prefillSeconds, prompt.size() / prefillSeconds,
                 static_cast<long long>(generated), decodeSeconds,
                 generated > 0 ? generated / decodeSeconds : 0.0, inferno_kernel_isa(),
                 inferno_get_num_threads());
  }
  return 0;
}
