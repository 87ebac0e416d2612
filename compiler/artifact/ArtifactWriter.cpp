//===- ArtifactWriter.cpp - model directory to a runnable artifact --------===//

#include "compiler/artifact/ArtifactWriter.h"

#include "compiler/artifact/WeightPacking.h"
#include "compiler/backends/cpu/CpuBackend.h"
#include "compiler/backends/cuda/CudaBackend.h"
#include "compiler/frontend/ModelDirectory.h"
#include "compiler/frontend/StatusMacros.h"
#include "compiler/importer/Importer.h"
#include "passes/Passes.h"
#include "dialects/llama/LlamaDialect.h"
#include "runtime/support/Fingerprint.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "llvm/Support/MemoryBuffer.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/Support/raw_ostream.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/Program.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sys/syscall.h>
#include <unistd.h>

namespace inferno {
namespace {
namespace fs = std::filesystem;
using json = nlohmann::json;

#include "LinkConfig.inc"

constexpr const char *kExecutable = "model";
constexpr const char *kPackedWeights = "weights.bin";
constexpr uint64_t kTensorAlignment = 64; // a cache line: aligned vector loads for kernels
/// llama-assign-precision's mark on weights it quantized and their scales.
constexpr llvm::StringLiteral kCompileQuantized = llama::LlamaDialect::kCompileQuantizedAttrName;

/// Marks a staging directory and names the compiler process that writes it.
constexpr const char *kStagingMarker = ".inferno-staging";

/// Removes the files of a flat directory, then the directory, with async-signal-safe calls
/// only (a signal may interrupt the compiler inside malloc).
void removeFlatDirectoryFromSignal(const char *path) {
  int fd = ::open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return;
  alignas(8) char buffer[4096];
  for (bool removed = true; removed;) {
    removed = false;
    long n = syscall(SYS_getdents64, fd, buffer, sizeof buffer);
    if (n <= 0)
      break;
    for (long at = 0; at < n;) {
      struct Entry {
        uint64_t inode;
        int64_t offset;
        unsigned short length;
        unsigned char type;
        char name[1];
      };
      const Entry *entry = reinterpret_cast<const Entry *>(buffer + at);
      const char *name = buffer + at + offsetof(Entry, name);
      if (std::strcmp(name, ".") != 0 && std::strcmp(name, "..") != 0 &&
          unlinkat(fd, name, 0) == 0)
        removed = true;
      at += entry->length;
    }
    lseek(fd, 0, SEEK_SET); // unlinking while reading: start over until a pass removes nothing
  }
  ::close(fd);
  rmdir(path);
}

/// The temporary artifact directory, OUTPUT.tmp-XXXXXX beside the output: removed unless
/// committed, also on SIGINT, SIGTERM and SIGHUP. It holds no manifest.json until the end, so
/// it never passes for an artifact; after a SIGKILL (which nothing can catch) it stays, and the
/// next compile to the same output removes it once its compiler process is gone.
class StagingDirectory {
public:
  static absl::StatusOr<std::unique_ptr<StagingDirectory>> create(const fs::path &output) {
    fs::path parent = output.has_parent_path() ? output.parent_path() : fs::path(".");
    removeAbandoned(parent, output.filename().string() + ".tmp-");
    std::string pattern = (parent / (output.filename().string() + ".tmp-XXXXXX")).string();
    if (!mkdtemp(pattern.data()))
      return absl::InternalError(absl::StrCat(parent.string(), ": cannot create a directory"));
    std::error_code ec; // mkdtemp makes it private; an artifact is as readable as any directory
    fs::permissions(pattern, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                 fs::perms::others_read | fs::perms::others_exec, ec);
    std::ofstream(fs::path(pattern) / kStagingMarker) << getpid() << "\n";
    auto staging = std::unique_ptr<StagingDirectory>(new StagingDirectory(pattern));
    staging->installSignalHandlers();
    return staging;
  }
  ~StagingDirectory() {
    restoreSignalHandlers();
    if (!committed_) {
      std::error_code ec;
      fs::remove_all(path_, ec);
    }
  }
  const fs::path &path() const { return path_; }

  /// Moves the staged artifact to `output`, replacing what was there if `force`.
  absl::Status commit(const fs::path &output, bool force) {
    std::error_code ec;
    fs::remove(path_ / kStagingMarker, ec);
    fs::path old;
    if (fs::exists(output, ec)) {
      if (!force)
        return absl::AlreadyExistsError(
            absl::StrCat(output.string(), ": exists (pass --force to replace it)"));
      old = path_.string() + ".old";
      fs::rename(output, old, ec);
      if (ec)
        return absl::InternalError(absl::StrCat(output.string(), ": ", ec.message()));
    }
    // From here a signal must not delete the directory that becomes the artifact.
    restoreSignalHandlers();
    fs::rename(path_, output, ec);
    if (ec) {
      std::error_code restoreError;
      if (!old.empty())
        fs::rename(old, output, restoreError); // put the previous artifact back
      return absl::InternalError(absl::StrCat(output.string(), ": ", ec.message()));
    }
    committed_ = true;
    if (!old.empty())
      fs::remove_all(old, ec);
    return absl::OkStatus();
  }

private:
  explicit StagingDirectory(std::string path) : path_(std::move(path)) {
    std::snprintf(signalPath_, sizeof signalPath_, "%s", path_.c_str());
  }

  static constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};
  static inline StagingDirectory *active_ = nullptr;

  void installSignalHandlers() {
    if (path_.string().size() >= sizeof signalPath_)
      return; // too long to remove from a handler; the next compile removes it
    active_ = this;
    struct sigaction action = {};
    action.sa_handler = &StagingDirectory::onSignal;
    sigemptyset(&action.sa_mask);
    for (size_t i = 0; i < std::size(kSignals); ++i) {
      sigaction(kSignals[i], nullptr, &previous_[i]);
      // A signal the parent chose to ignore (nohup, a background job) stays ignored.
      if (previous_[i].sa_handler != SIG_IGN)
        sigaction(kSignals[i], &action, nullptr);
    }
    installed_ = true;
  }

  void restoreSignalHandlers() {
    if (!installed_)
      return;
    for (size_t i = 0; i < std::size(kSignals); ++i)
      sigaction(kSignals[i], &previous_[i], nullptr);
    installed_ = false;
    active_ = nullptr;
  }

  static void onSignal(int signal) {
    StagingDirectory *staging = active_;
    if (!staging) {
      ::signal(signal, SIG_DFL);
      raise(signal);
      return;
    }
    removeFlatDirectoryFromSignal(staging->signalPath_);
    // Then what was there before (LLVM's handler, or the default action: die of the signal).
    for (size_t i = 0; i < std::size(kSignals); ++i)
      if (kSignals[i] == signal)
        sigaction(signal, &staging->previous_[i], nullptr);
    raise(signal);
  }

  /// Staging directories of earlier compiles to the same output whose process is gone
  /// (killed with SIGKILL, or the machine went down).
  static void removeAbandoned(const fs::path &parent, const std::string &prefix) {
    std::error_code ec;
    for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec)) {
      std::string name = it->path().filename().string();
      if (name.rfind(prefix, 0) != 0 || !it->is_directory(ec))
        continue;
      std::ifstream marker(it->path() / kStagingMarker);
      long pid = 0;
      if (!(marker >> pid) || pid <= 0)
        continue; // not ours, or being committed
      if (kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH)
        continue; // its compiler still runs
      fs::remove_all(it->path(), ec);
    }
  }

  fs::path path_;
  char signalPath_[4096] = {};
  struct sigaction previous_[std::size(kSignals)] = {};
  bool installed_ = false;
  bool committed_ = false;
};

Dtype dtypeOfElement(mlir::Type t) {
  if (t.isInteger(8))
    return Dtype::I8;
  if (t.isInteger(32)) // int4 weights packed eight to an i32 (quantized at compile time)
    return Dtype::I32;
  if (t.isBF16())
    return Dtype::BF16;
  if (t.isF16())
    return Dtype::F16;
  return Dtype::F32;
}

struct PlacedWeights {
  /// Weight files in ABI order (getWeightFiles), as the manifest records them.
  std::vector<std::string> manifestPaths;
  std::vector<std::string> absolutePaths;
  std::vector<PackedTensor> packing;
  uint64_t packedBytes = 0;
};

/// Decides where each weight lives in the artifact and rewrites the `llama.weight` ops to say
/// so: one aligned weights.bin with every weight in the storage type llama-assign-precision
/// gave it ("pack"), or the checkpoint's own files unchanged ("link").
absl::StatusOr<PlacedWeights> placeWeights(mlir::ModuleOp module, const LoadedModel &model,
                                           const CompileOptions &options) {
  PlacedWeights placed;
  fs::path modelDir = fs::absolute(model.spec.directory);
  uint64_t cursor = 0;
  std::set<llvm::StringRef> quantizationScale;
  for (auto weight : module.getOps<llama::WeightOp>())
    if (std::optional<llama::QuantAttr> quant = weight.getQuant())
      quantizationScale.insert(quant->getScale().getValue());
  mlir::SymbolTable symbols(module);
  for (auto weight : module.getOps<llama::WeightOp>()) {
    if (weight->hasAttr(kCompileQuantized) && !weight.getQuant())
      continue; // scales computed here: placed with their weight below
    const ManifestTensor &source = model.manifest.tensors.at(weight.getCheckpointName().str());
    if (weight->hasAttr(kCompileQuantized)) {
      // Quantized while packing, into the artifact's weights.bin also when linking.
      if (!isFloatWeightDtype(source.dtype))
        return absl::InternalError(absl::StrCat("tensor '", source.name, "' is ",
                                                dtypeName(source.dtype),
                                                ", not float: it cannot be quantized"));
      llama::QuantAttr quant = *weight.getQuant();
      auto scale = symbols.lookup<llama::WeightOp>(quant.getScale().getValue());
      llvm::SmallVector<int64_t> shape = weight.getLogicalShape();
      PackedTensor t;
      t.sourcePath = (modelDir / source.file).string();
      t.sourceOffset = source.fileOffset;
      t.sourceDtype = source.dtype;
      t.elements = source.numElements();
      t.rows = shape[0];
      t.cols = shape[1];
      t.quantize = quant.getKind() == llama::QuantKind::int8
                       ? WeightQuantMode{WeightQuantMode::Int8, 0}
                       : WeightQuantMode{WeightQuantMode::Int4, quant.getGroupSize()};
      cursor = (cursor + kTensorAlignment - 1) / kTensorAlignment * kTensorAlignment;
      t.destinationOffset = cursor;
      cursor += static_cast<uint64_t>(weight.getSizeInBytes());
      cursor = (cursor + kTensorAlignment - 1) / kTensorAlignment * kTensorAlignment;
      t.scaleOffset = cursor;
      cursor += static_cast<uint64_t>(scale.getSizeInBytes());
      placed.packing.push_back(t);
      weight.setFile(kPackedWeights);
      weight.setOffset(static_cast<int64_t>(t.destinationOffset));
      scale.setFile(kPackedWeights);
      scale.setOffset(static_cast<int64_t>(t.scaleOffset));
      continue;
    }
    Dtype target = dtypeOfElement(weight.getTensorType().getElementType());
    bool quantized = weight.getQuant().has_value();
    if (quantized ? source.dtype != Dtype::I8 : !isFloatWeightDtype(source.dtype))
      return absl::UnimplementedError(absl::StrCat(
          (modelDir / source.file).string(), ": tensor '", source.name, "' is ",
          dtypeName(source.dtype), "; the CPU backend reads F32, F16 and BF16 weights",
          quantized ? " and I8 quantized ones" : ""));
    if (options.linkWeights && target == source.dtype)
      continue; // the op already names the checkpoint file and offset
    // Linking, w8a8 scales the checkpoint stores in another float dtype still go (widened to
    // f32, a few KB a layer) into the artifact's own weights.bin, beside the linked files.
    if (options.linkWeights && !quantizationScale.count(weight.getSymName()))
      return absl::InvalidArgumentError(absl::StrCat(
          "--weights link reads the checkpoint in place, but tensor '", source.name, "' is ",
          dtypeName(source.dtype), " and ", options.dtype ? "--dtype" : "--precision",
          " asks for ", dtypeName(target), "; drop ", options.dtype ? "--dtype" : "--precision",
          " or use --weights pack"));
    cursor = (cursor + kTensorAlignment - 1) / kTensorAlignment * kTensorAlignment;
    PackedTensor t;
    t.sourcePath = (modelDir / source.file).string();
    t.sourceOffset = source.fileOffset;
    t.sourceDtype = source.dtype;
    t.elements = source.numElements();
    t.destinationOffset = cursor;
    t.destinationDtype = target;
    placed.packing.push_back(t);
    cursor += static_cast<uint64_t>(t.elements * dtypeSize(target));
    weight.setFile(kPackedWeights);
    weight.setOffset(static_cast<int64_t>(t.destinationOffset));
  }
  placed.packedBytes = cursor;
  for (llvm::StringRef file : llama::getWeightFiles(module)) {
    if (options.linkWeights && file == kPackedWeights) {
      placed.absolutePaths.push_back(""); // inside the artifact: known once it is staged
      placed.manifestPaths.push_back(file.str());
    } else if (options.linkWeights) {
      placed.absolutePaths.push_back((modelDir / file.str()).string());
      placed.manifestPaths.push_back(placed.absolutePaths.back());
    } else {
      placed.manifestPaths.push_back(file.str());
    }
  }
  return placed;
}

absl::Status linkExecutable(const fs::path &object, const fs::path &executable,
                            const std::vector<std::string> &extraFlags) {
  std::vector<std::string> args = {kArtifactLinker, object.string()};
  for (const char *input : kArtifactLinkInputs)
    args.push_back(input);
  args.insert(args.end(), extraFlags.begin(), extraFlags.end());
  for (const char *flag : {"-static-libstdc++", "-static-libgcc", "-pthread", "-lm", "-o"})
    args.push_back(flag);
  args.push_back(executable.string());
  std::vector<llvm::StringRef> refs(args.begin(), args.end());
  std::string error;
  int rc = llvm::sys::ExecuteAndWait(kArtifactLinker, refs, std::nullopt, {}, 0, 0, &error);
  if (rc != 0)
    return absl::InternalError(absl::StrCat("linking the artifact failed (", kArtifactLinker,
                                            " exited with ", rc, error.empty() ? "" : ": ",
                                            error, ")"));
  return absl::OkStatus();
}

/// Fingerprints the weights where the artifact will find them.
absl::StatusOr<std::string> fingerprint(mlir::ModuleOp module,
                                        const std::vector<std::string> &paths,
                                        std::vector<rt::FingerprintTensor> &tensors,
                                        std::vector<uint64_t> &sizes) {
  std::vector<std::unique_ptr<llvm::MemoryBuffer>> buffers;
  std::vector<const uint8_t *> bases;
  for (const std::string &path : paths) {
    auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                              /*RequiresNullTerminator=*/false);
    if (!buffer)
      return absl::NotFoundError(absl::StrCat(path, ": ", buffer.getError().message()));
    bases.push_back(reinterpret_cast<const uint8_t *>((*buffer)->getBufferStart()));
    sizes.push_back((*buffer)->getBufferSize());
    buffers.push_back(std::move(*buffer));
  }
  llvm::SmallVector<llvm::StringRef> files = llama::getWeightFiles(module);
  for (auto weight : module.getOps<llama::WeightOp>()) {
    rt::FingerprintTensor t;
    t.name = weight.getCheckpointName().str();
    t.dtype = dtypeName(dtypeOfElement(weight.getTensorType().getElementType()));
    t.shape.assign(weight.getTensorType().getShape().begin(), weight.getTensorType().getShape().end());
    t.file = static_cast<uint32_t>(llvm::find(files, weight.getFile()) - files.begin());
    t.offset = static_cast<uint64_t>(weight.getOffset());
    t.bytes = static_cast<uint64_t>(weight.getSizeInBytes());
    if (t.offset + t.bytes > sizes[t.file])
      return absl::DataLossError(absl::StrCat(paths[t.file], ": tensor '", t.name,
                                              "' lies past the end of the file"));
    tensors.push_back(std::move(t));
  }
  return rt::fingerprintText(rt::fingerprintWeights(tensors, bases, sizes));
}

json manifestJson(const LoadedModel &model, const CompileOptions &options, int64_t context,
                  const PlacedWeights &placed, const std::vector<rt::FingerprintTensor> &tensors,
                  const std::vector<uint64_t> &sizes, const std::string &print,
                  bool hasTokenizer) {
  const ModelConfig &c = model.spec.config;
  json files = json::array();
  for (size_t i = 0; i < placed.manifestPaths.size(); ++i)
    files.push_back({{"path", placed.manifestPaths[i]}, {"bytes", sizes[i]}});
  json tensorList = json::array();
  for (const rt::FingerprintTensor &t : tensors)
    tensorList.push_back({{"name", t.name}, {"dtype", t.dtype}, {"shape", t.shape},
                          {"file", t.file}, {"offset", t.offset}, {"bytes", t.bytes}});
  json bos = model.spec.bosTokenId ? json(*model.spec.bosTokenId) : json(nullptr);
  return {
      {"format", "inferno-artifact"},
      {"format_version", 1},
      {"compiler_version", INFERNO_VERSION},
      {"abi_version", 1},
      {"target", options.target},
      {"executable", kExecutable},
      {"model",
       {{"name", model.spec.name},
        {"source", fs::absolute(model.spec.directory).string()},
        {"layers", c.numLayers},
        {"hidden", c.hiddenSize},
        {"heads", c.numHeads},
        {"kv_heads", c.numKvHeads},
        {"head_dim", c.headDim},
        {"intermediate", c.intermediateSize}}},
      {"generation",
       {{"bos_token_id", bos},
        {"eos_token_ids", model.spec.eosTokenIds},
        {"vocab", c.vocabSize},
        {"context", context},
        {"max_batch", options.maxBatch}}},
      {"tokenizer", hasTokenizer ? json("tokenizer.json") : json(nullptr)},
      {"weights",
       {{"mode", options.linkWeights ? "link" : "pack"},
        {"fingerprint", print},
        {"files", files}}},
      {"tensors", tensorList},
  };
}
} // namespace

absl::Status compileArtifact(const CompileOptions &options) {
  LoadedModel model;
  INFERNO_ASSIGN_OR_RETURN(model, loadModelDirectory(options.modelDir));
  const ModelConfig &c = model.spec.config;
  int64_t context = options.context > 0 ? options.context
                                        : std::min<int64_t>(c.maxPositions, kDefaultContext);
  if (context > c.maxPositions)
    return absl::InvalidArgumentError(absl::StrCat("--context ", context, " exceeds the model's "
                                                   "max_position_embeddings (", c.maxPositions, ")"));

  mlir::DialectRegistry registry;
  registerImportDialects(registry);
  mlir::MLIRContext mlirContext(registry);
  ImportOptions importOptions;
  importOptions.context = context;
  mlir::OwningOpRef<mlir::ModuleOp> module = importModel(mlirContext, model, importOptions);
  if (!module)
    return absl::InternalError("the imported module does not verify (a compiler bug)");
  if (options.dumpAfter)
    options.dumpAfter("import", *module);

  {
    mlir::PassManager pm(&mlirContext);
    LlamaAssignPrecisionOptions precision;
    if (options.dtype)
      precision.dtype = *options.dtype == Dtype::BF16 ? "bf16"
                        : *options.dtype == Dtype::F16 ? "f16"
                                                       : "f32";
    precision.precision = options.precision;
    precision.quantize = options.quantize;
    precision.budget = options.budgetBytes;
    precision.weightsDir = fs::absolute(model.spec.directory).string();
    pm.addPass(createLlamaAssignPrecision(precision));
    // Its refusals are about the model or the policy: one line, as every bad input gets.
    std::string firstError;
    mlir::ScopedDiagnosticHandler handler(&mlirContext, [&](mlir::Diagnostic &diagnostic) {
      if (firstError.empty() && diagnostic.getSeverity() == mlir::DiagnosticSeverity::Error)
        firstError = diagnostic.str();
      if (diagnostic.getSeverity() == mlir::DiagnosticSeverity::Warning)
        llvm::errs() << "inferno: warning: " << diagnostic.str() << "\n";
      return mlir::success();
    });
    if (mlir::failed(pm.run(*module)))
      return absl::InvalidArgumentError(absl::StrCat(
          model.spec.directory, ": ",
          firstError.empty() ? "precision cannot be assigned" : firstError));
  }
  if (options.dumpAfter)
    options.dumpAfter("llama-assign-precision", *module);

  // Fusion, one pass per stage so that each shows in --dump-ir-after-all. The passes refuse
  // silently (they leave what they cannot fuse alone), so a failure here is a compiler bug.
  if (options.fuse) {
    using PassFactory = std::unique_ptr<mlir::Pass> (*)();
    const std::pair<const char *, PassFactory> fusions[] = {
        {"llama-fuse-qkv", [] { return createLlamaFuseQKV(); }},
        {"llama-fuse-gate-up", [] { return createLlamaFuseGateUp(); }},
        {"llama-fuse-rope-attention", [] { return createLlamaFuseRopeAttention(); }},
        {"llama-fuse-norm", [] { return createLlamaFuseNorm(); }},
    };
    for (auto [name, create] : fusions) {
      mlir::PassManager pm(&mlirContext);
      pm.addNestedPass<mlir::func::FuncOp>(create());
      if (mlir::failed(pm.run(*module)))
        return absl::InternalError(absl::StrCat(name, " failed (a compiler bug)"));
      if (options.dumpAfter)
        options.dumpAfter(name, *module);
    }
  }

  PlacedWeights placed;
  INFERNO_ASSIGN_OR_RETURN(placed, placeWeights(*module, model, options));
  if (options.dumpAfter)
    options.dumpAfter("place-weights", *module);

  std::unique_ptr<StagingDirectory> staging;
  INFERNO_ASSIGN_OR_RETURN(staging, StagingDirectory::create(options.output));
  const fs::path &dir = staging->path();

  std::vector<std::string> weightPaths = placed.absolutePaths;
  if (!options.linkWeights || !placed.packing.empty())
    INFERNO_RETURN_IF_ERROR(
        writePackedWeights((dir / kPackedWeights).string(), placed.packedBytes, placed.packing));
  if (!options.linkWeights)
    weightPaths = {(dir / kPackedWeights).string()};
  for (std::string &path : weightPaths)
    if (path.empty())
      path = (dir / kPackedWeights).string();
  std::vector<rt::FingerprintTensor> tensors;
  std::vector<uint64_t> sizes;
  std::string print;
  INFERNO_ASSIGN_OR_RETURN(print, fingerprint(*module, weightPaths, tensors, sizes));

  fs::path object = dir / "model.o";
  if (options.target == "cuda") {
    CudaBackendOptions backend;
    backend.maxBatch = options.maxBatch;
    backend.sm = options.sm;
    backend.kvDtype = options.kvDtype;
    backend.banner = absl::StrCat("Model '", model.spec.name, "', compiled by inferno ",
                                  INFERNO_VERSION, " for sm_", options.sm, ".");
    absl::StatusOr<std::string> source = emitCudaSource(*module, backend);
    if (!source.ok()) // what the model asks for that the CUDA kernels cannot do
      return absl::InvalidArgumentError(
          absl::StrCat(model.spec.directory, ": --target cuda: ", source.status().message()));
    if (options.emitCudaSource) {
      // Only the source: no nvcc, and the staging directory goes away unpublished.
      options.emitCudaSource(*source);
      return absl::OkStatus();
    }
    fs::path cu = dir / "model.cu";
    {
      std::ofstream file(cu);
      file << *source;
      if (!file)
        return absl::InternalError(absl::StrCat(cu.string(), ": cannot write"));
    }
    INFERNO_RETURN_IF_ERROR(compileCudaObject(cu.string(), object.string(), backend));
    INFERNO_RETURN_IF_ERROR(linkExecutable(object, dir / kExecutable, cudaLinkFlags()));
    fs::remove(cu);
  } else {
    CpuBackendOptions backend;
    backend.maxBatch = options.maxBatch;
    backend.dumpAfter = options.dumpAfter;
    INFERNO_RETURN_IF_ERROR(emitCpuObject(*module, object.string(), backend));
    INFERNO_RETURN_IF_ERROR(linkExecutable(object, dir / kExecutable, {}));
  }
  fs::remove(object);

  bool hasTokenizer = false;
  // The tokenizer and what the chat template reads (HF's loading order: chat_template.jinja
  // over tokenizer_config.json's chat_template; special tokens from both json files).
  for (const char *file : {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                           "chat_template.jinja"}) {
    fs::path source = fs::path(options.modelDir) / file;
    std::error_code ec;
    if (!fs::exists(source, ec))
      continue;
    fs::copy_file(source, dir / file, ec);
    if (ec)
      return absl::InternalError(absl::StrCat(source.string(), ": ", ec.message()));
    hasTokenizer |= std::string(file) == "tokenizer.json";
  }

  json manifest = manifestJson(model, options, context, placed, tensors, sizes, print, hasTokenizer);
  // Last, so that a directory without it is never mistaken for a finished artifact.
  std::ofstream manifestFile(dir / "manifest.json");
  manifestFile << manifest.dump(2) << "\n";
  manifestFile.close();
  if (!manifestFile)
    return absl::InternalError(absl::StrCat((dir / "manifest.json").string(), ": cannot write"));
  return staging->commit(options.output, options.force);
}

} // namespace inferno
