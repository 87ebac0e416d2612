//===- LlamaDialect.cpp - the llama dialect ----------------------------===//

#include "dialects/llama/LlamaDialect.h"

#include "mlir/IR/BuiltinOps.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

using namespace mlir;
using namespace inferno::llama;

#include "dialects/llama/LlamaDialect.cpp.inc"

void LlamaDialect::initialize() {
  registerAttributes();
  registerTypes();
  addOperations<
#define GET_OP_LIST
#include "dialects/llama/LlamaOps.cpp.inc"
      >();
}

LogicalResult LlamaDialect::verifyOperationAttribute(Operation *op, NamedAttribute attr) {
  if (attr.getName() == kConfigAttrName) {
    if (!isa<ModuleOp>(op))
      return op->emitError() << "'" << kConfigAttrName << "' belongs on a builtin.module";
    if (!isa<ConfigAttr>(attr.getValue()))
      return op->emitError() << "'" << kConfigAttrName << "' must be a #llama.config";
    return success();
  }
  if (attr.getName() == kGenerationAttrName) {
    auto dict = dyn_cast<DictionaryAttr>(attr.getValue());
    if (!dict || !isa_and_nonnull<DenseI64ArrayAttr>(dict.get("eos_token_ids")))
      return op->emitError() << "'" << kGenerationAttrName
                             << "' must be a dictionary with 'eos_token_ids' (array<i64>)";
    if (Attribute bos = dict.get("bos_token_id"); bos && !isa<IntegerAttr>(bos))
      return op->emitError() << "'" << kGenerationAttrName << "' bos_token_id must be an integer";
    return success();
  }
  if (attr.getName() == kPrecisionAttrName) {
    if (!isa<LinearOp, FusedLinearOp, LMHeadOp, EmbeddingOp>(op))
      return op->emitError() << "'" << kPrecisionAttrName
                             << "' belongs on llama.linear, llama.fused_linear, llama.lm_head "
                                "or llama.embedding";
    auto precision = dyn_cast<PrecisionAttr>(attr.getValue());
    if (!precision)
      return op->emitError() << "'" << kPrecisionAttrName << "' must be a #llama.precision";
    bool quantized = precision.getActivations() != ActivationQuant::none;
    if (precision.getCompute().isInteger(8) != quantized ||
        (quantized && !precision.getStorage().isInteger(8)))
      return op->emitError() << "'" << kPrecisionAttrName
                             << "': i8 compute goes with i8 storage and quantized activations, "
                                "got "
                             << precision;
    if (!quantized && !precision.getCompute().isF32())
      return op->emitError() << "'" << kPrecisionAttrName << "': compute must be f32 or i8, got "
                             << precision.getCompute();
    return success();
  }
  if (attr.getName() == kCompileQuantizedAttrName) {
    if (!isa<WeightOp>(op) || !isa<UnitAttr>(attr.getValue()))
      return op->emitError() << "'" << kCompileQuantizedAttrName
                             << "' is a unit attribute of llama.weight";
    return success();
  }
  return op->emitError() << "unknown llama dialect attribute '" << attr.getName().getValue()
                         << "'";
}

ConfigAttr inferno::llama::lookupConfig(Operation *op) {
  for (Operation *p = op; p; p = p->getParentOp())
    if (auto module = dyn_cast<ModuleOp>(p))
      if (auto config = module->getAttrOfType<ConfigAttr>(LlamaDialect::kConfigAttrName))
        return config;
  return {};
}

SmallVector<StringRef> inferno::llama::getWeightFiles(ModuleOp module) {
  SmallVector<StringRef> files;
  for (WeightOp weight : module.getOps<WeightOp>())
    if (!llvm::is_contained(files, weight.getFile()))
      files.push_back(weight.getFile());
  return files;
}

bool inferno::llama::isSupportedStorageType(Type type) {
  return type.isF32() || type.isF16() || type.isBF16() || type.isInteger(8) ||
         type.isInteger(32) || isa<Float8E4M3FNType>(type);
}

//===----------------------------------------------------------------------===//
// Parameter parsing and printing
//===----------------------------------------------------------------------===//

FailureOr<llvm::APFloat> inferno::llama::parseF64(AsmParser &parser) {
  double value = 0;
  if (parser.parseFloat(value))
    return failure();
  return llvm::APFloat(value);
}

std::string inferno::llama::formatF64(double value) {
  // Whole numbers print as such (500000.0); others in the shortest decimal form that reads
  // back to the same double (1.0e-05, not 1.0000000000000001e-05), so the IR round-trips
  // exactly and stays readable.
  char buffer[40];
  if (std::abs(value) < 1e15 && value == static_cast<double>(static_cast<int64_t>(value))) {
    std::snprintf(buffer, sizeof buffer, "%.1f", value);
    return buffer;
  }
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof buffer, "%.*g", precision, value);
    if (std::strtod(buffer, nullptr) == value)
      break;
  }
  // MLIR lexes a float only with a '.': "1e-05" becomes "1.0e-05".
  std::string text(buffer);
  if (text.find_first_of(".ni") == std::string::npos) // finite, no '.'
    text.insert(std::min(text.find('e'), text.size()), ".0");
  return text;
}

void inferno::llama::printF64(AsmPrinter &printer, const llvm::APFloat &value) {
  printer << formatF64(value.convertToDouble());
}

FailureOr<bool> inferno::llama::parseBool(AsmParser &parser) {
  if (succeeded(parser.parseOptionalKeyword("true")))
    return true;
  if (succeeded(parser.parseOptionalKeyword("false")))
    return false;
  return parser.emitError(parser.getCurrentLocation(), "expected 'true' or 'false'");
}
