//===- QuantizationTest.cpp - quantization_config reading and module matching ===//

#include "compiler/frontend/Quantization.h"
#include "compiler/frontend/WeightManifest.h"

#include <gtest/gtest.h>

using namespace inferno;

namespace {
const char *kW8A8 = R"({
  "quant_method": "compressed-tensors", "format": "int-quantized",
  "config_groups": {"group_0": {"targets": ["Linear"],
    "weights": {"num_bits": 8, "type": "int", "symmetric": true, "strategy": "channel",
                "dynamic": false, "group_size": null},
    "input_activations": {"num_bits": 8, "type": "int", "symmetric": true,
                          "strategy": "token", "dynamic": true}}},
  "ignore": ["lm_head", "re:.*layers\\.1\\..*down_proj"], "kv_cache_scheme": null})";

TEST(Quantization, ReadsCompressedTensorsW8A8) {
  absl::StatusOr<QuantizationScheme> s = parseQuantizationConfig(kW8A8, "config.json");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->method, "compressed-tensors");
  EXPECT_EQ(s->schemeName(), "w8a8-int8");
  ASSERT_EQ(s->groups.size(), 1u);
  EXPECT_EQ(s->groups[0].weights->strategy, "channel");
  EXPECT_TRUE(s->groups[0].inputActivations->dynamic);
  EXPECT_FALSE(s->kvCacheScheme.has_value());
}

TEST(Quantization, MatchesAsReMatchAnchoredAtTheStart) {
  QuantizationScheme s = *parseQuantizationConfig(kW8A8, "config.json");
  EXPECT_EQ(quantizationGroupOf(s, "model.layers.0.mlp.down_proj", "Linear"), 0);
  EXPECT_EQ(quantizationGroupOf(s, "model.layers.1.mlp.down_proj", "Linear"), -1);
  EXPECT_EQ(quantizationGroupOf(s, "model.layers.1.mlp.up_proj", "Linear"), 0);
  EXPECT_EQ(quantizationGroupOf(s, "lm_head", "Linear"), -1);
  EXPECT_EQ(quantizationGroupOf(s, "model.norm", "LlamaRMSNorm"), -1);
  s.ignore = {"re:down_proj"}; // re.match does not search: nothing starts with down_proj
  EXPECT_EQ(quantizationGroupOf(s, "model.layers.0.mlp.down_proj", "Linear"), 0);
}

TEST(Quantization, RefusesWhatItCannotRead) {
  EXPECT_FALSE(parseQuantizationConfig(R"({"quant_method": "gptq"})", "c").ok());
  EXPECT_FALSE(parseQuantizationConfig(R"({"quant_method": "compressed-tensors"})", "c").ok());
  EXPECT_FALSE(parseQuantizationConfig(
                   R"({"quant_method": "compressed-tensors", "ignore": ["re:("],
                       "config_groups": {"g": {"targets": ["Linear"]}}})",
                   "c")
                   .ok());
  EXPECT_FALSE(parseQuantizationConfig(
                   R"({"quant_method": "compressed-tensors",
                       "config_groups": {"g": {"targets": ["Linear"],
                         "weights": {"num_bits": 4, "strategy": "group"}}}})",
                   "c")
                   .ok());
}

TEST(Quantization, WeightTableAddsScalesByStrategy) {
  ModelConfig c;
  c.hiddenSize = 64;
  c.intermediateSize = 160;
  c.numLayers = 2;
  c.numHeads = 4;
  c.numKvHeads = 2;
  c.headDim = 16;
  c.vocabSize = 256;
  QuantizationScheme s = *parseQuantizationConfig(kW8A8, "config.json");
  std::vector<ExpectedTensor> table = expectedTensors(c, &s);
  // 2 layers x 7 linears quantized but layer 1's down_proj: 13 scales; lm_head dense.
  size_t scales = 0, quantized = 0;
  for (const ExpectedTensor &t : table) {
    scales += t.kind == TensorKind::WeightScale;
    quantized += t.kind == TensorKind::QuantizedWeight;
    if (t.name == "model.layers.0.mlp.down_proj.weight_scale") {
      EXPECT_EQ(t.shape, (std::vector<int64_t>{64, 1}));
    }
    if (t.name == "lm_head.weight") {
      EXPECT_EQ(t.kind, TensorKind::Dense);
    }
  }
  EXPECT_EQ(quantized, 13u);
  EXPECT_EQ(scales, 13u);
  EXPECT_EQ(table.size(), expectedTensors(c).size() + 13);
}
} // namespace
