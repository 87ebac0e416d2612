//===- config.cpp - fuzz config.json and generation_config.json -----------===//
//
// The input is parsed as both files. An accepted config.json must describe a model whose
// tensor table can be computed: every size positive, head_dim even, heads a multiple of KV
// heads, and every projection's shape free of overflow.
//
//===----------------------------------------------------------------------===//

#include "FuzzUtil.h"

#include "compiler/frontend/ModelConfig.h"
#include "compiler/frontend/WeightManifest.h"

#include <cstdlib>

using namespace inferno;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string text(fuzz::asText(data, size));
  absl::StatusOr<ModelConfig> config = parseModelConfigText(text, "config.json");
  if (config.ok()) {
    const ModelConfig &c = *config;
    if (c.hiddenSize <= 0 || c.intermediateSize <= 0 || c.numLayers <= 0 || c.numHeads <= 0 ||
        c.numKvHeads <= 0 || c.headDim <= 0 || c.headDim % 2 != 0 || c.vocabSize <= 0 ||
        c.numHeads % c.numKvHeads != 0 || !(c.rmsNormEps > 0) || !(c.ropeTheta > 0))
      std::abort();
    // The table has 9 tensors per layer: keep it small enough for a fuzzer's memory.
    if (c.numLayers <= 64)
      for (const ExpectedTensor &t : expectedTensors(c))
        for (int64_t d : t.shape)
          if (d <= 0)
            std::abort();
  } else if (config.status().message().rfind("config.json: ", 0) != 0) {
    std::abort();
  }
  absl::StatusOr<GenerationConfig> generation =
      parseGenerationConfigText(text, "generation_config.json");
  if (generation.ok()) {
    for (int64_t id : generation->eosTokenIds)
      if (id < 0)
        std::abort();
    if (generation->bosTokenId && *generation->bosTokenId < 0)
      std::abort();
  }
  return 0;
}
