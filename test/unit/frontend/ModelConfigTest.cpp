//===- ModelConfigTest.cpp - config.json / generation_config.json parsing --===//

#include "compiler/frontend/ModelConfig.h"

#include <gtest/gtest.h>

using namespace inferno;

namespace {
// A minimal valid config; tests splice fields in before the closing brace.
std::string config(const std::string &extra = "") {
  return R"({"model_type": "llama", "hidden_size": 64, "intermediate_size": 160,
             "num_hidden_layers": 2, "num_attention_heads": 4, "vocab_size": 256)" +
         (extra.empty() ? "" : ", " + extra) + "}";
}

std::string errorOf(const std::string &text) {
  auto result = parseModelConfigText(text, "c.json");
  return result.ok() ? "" : std::string(result.status().message());
}

TEST(ModelConfig, AppliesHuggingFaceDefaults) {
  auto c = parseModelConfigText(config(), "c.json");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->numKvHeads, 4);      // = num_attention_heads
  EXPECT_EQ(c->headDim, 16);        // = hidden / heads
  EXPECT_FALSE(c->headDimExplicit);
  EXPECT_EQ(c->maxPositions, 2048);
  EXPECT_DOUBLE_EQ(c->rmsNormEps, 1e-6);
  EXPECT_DOUBLE_EQ(c->ropeTheta, 10000.0);
  EXPECT_EQ(c->ropeScaling.kind, RopeScalingKind::None);
  EXPECT_FALSE(c->tieWordEmbeddings);
  EXPECT_TRUE(c->eosTokenIds.empty());
  EXPECT_FALSE(c->quantizationConfig.has_value());
}

TEST(ModelConfig, ReadsExplicitHeadDimThatDiffersFromHiddenOverHeads) {
  auto c = parseModelConfigText(config(R"("head_dim": 32, "num_key_value_heads": 2)"), "c.json");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->headDim, 32);
  EXPECT_TRUE(c->headDimExplicit);
  EXPECT_EQ(c->numKvHeads, 2);
}

TEST(ModelConfig, ReadsLlama3RopeScaling) {
  auto c = parseModelConfigText(
      config(R"("rope_theta": 500000.0, "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0,
                "low_freq_factor": 1.0, "original_max_position_embeddings": 8192,
                "rope_type": "llama3"})"),
      "c.json");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->ropeScaling.kind, RopeScalingKind::Llama3);
  EXPECT_DOUBLE_EQ(c->ropeScaling.factor, 32.0);
  EXPECT_DOUBLE_EQ(c->ropeScaling.lowFreqFactor, 1.0);
  EXPECT_DOUBLE_EQ(c->ropeScaling.highFreqFactor, 4.0);
  EXPECT_EQ(c->ropeScaling.originalMaxPositions, 8192);
  EXPECT_DOUBLE_EQ(c->ropeTheta, 500000.0);
}

TEST(ModelConfig, ReadsLinearScalingUnderEitherKey) {
  for (const char *key : {"type", "rope_type"}) {
    auto c = parseModelConfigText(
        config(std::string(R"("rope_scaling": {")") + key + R"(": "linear", "factor": 2.0})"),
        "c.json");
    ASSERT_TRUE(c.ok()) << c.status();
    EXPECT_EQ(c->ropeScaling.kind, RopeScalingKind::Linear);
    EXPECT_DOUBLE_EQ(c->ropeScaling.factor, 2.0);
  }
}

TEST(ModelConfig, DefaultRopeTypeMeansNoScaling) {
  auto c = parseModelConfigText(config(R"("rope_scaling": {"rope_type": "default"})"), "c.json");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->ropeScaling.kind, RopeScalingKind::None);
}

TEST(ModelConfig, ReadsNewerRopeParametersObject) {
  auto c = parseModelConfigText(
      config(R"("rope_parameters": {"rope_type": "default", "rope_theta": 123456.0})"), "c.json");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_DOUBLE_EQ(c->ropeTheta, 123456.0);
  EXPECT_EQ(c->ropeScaling.kind, RopeScalingKind::None);
}

TEST(ModelConfig, EosIsAnIntOrAList) {
  auto one = parseModelConfigText(config(R"("eos_token_id": 2, "bos_token_id": 1)"), "c.json");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->eosTokenIds, (std::vector<int64_t>{2}));
  EXPECT_EQ(one->bosTokenId, 1);
  auto many = parseModelConfigText(config(R"("eos_token_id": [128001, 128008, 128009])"), "c.json");
  ASSERT_TRUE(many.ok());
  EXPECT_EQ(many->eosTokenIds, (std::vector<int64_t>{128001, 128008, 128009}));
}

TEST(ModelConfig, RecordsQuantizationConfigVerbatim) {
  auto c = parseModelConfigText(config(R"("quantization_config": {"quant_method": "x"})"), "c.json");
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c->quantizationConfig.has_value());
  EXPECT_NE(c->quantizationConfig->find("\"quant_method\":\"x\""), std::string::npos);
}

TEST(ModelConfig, TorchDtypeFallsBackToNewerDtypeKey) {
  auto c = parseModelConfigText(config(R"("dtype": "bfloat16")"), "c.json");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->torchDtype, "bfloat16");
}

TEST(ModelConfig, Refusals) {
  EXPECT_EQ(errorOf("{"), "c.json: not valid JSON");
  EXPECT_EQ(errorOf("[]"), "c.json: not a JSON object");
  EXPECT_EQ(errorOf(R"({"model_type": "llama"})"), "c.json: missing required field 'hidden_size'");
  EXPECT_EQ(errorOf(R"({"model_type": "gpt2"})"),
            "c.json: model_type is 'gpt2', expected 'llama' (a Llama-family model)");
  EXPECT_EQ(errorOf(config(R"("num_key_value_heads": 3)")),
            "c.json: num_attention_heads (4) is not a multiple of num_key_value_heads (3)");
  EXPECT_EQ(errorOf(config(R"("num_key_value_heads": 0)")),
            "c.json: field 'num_key_value_heads' must be positive, got 0");
  EXPECT_EQ(errorOf(config(R"("rms_norm_eps": "small")")),
            "c.json: field 'rms_norm_eps' must be a number");
  EXPECT_EQ(errorOf(config(R"("rms_norm_eps": -1)")),
            "c.json: field 'rms_norm_eps' must be a positive finite number, got -1");
  EXPECT_EQ(errorOf(config(R"("tie_word_embeddings": "yes")")),
            "c.json: field 'tie_word_embeddings' must be true or false");
  EXPECT_EQ(errorOf(config(R"("eos_token_id": [2, "x"])")),
            "c.json: field 'eos_token_id' must hold non-negative token ids");
  EXPECT_EQ(errorOf(config(R"("bos_token_id": [1, 2])")),
            "c.json: field 'bos_token_id' must be a single token id");
  EXPECT_EQ(errorOf(config(R"("mlp_bias": true)")),
            "c.json: field 'mlp_bias' is true; biased projections are not supported");
  EXPECT_EQ(errorOf(config(R"("rope_scaling": {"rope_type": "dynamic", "factor": 2.0})")),
            "c.json: unsupported rope_scaling type 'dynamic' (supported: linear, llama3)");
  EXPECT_EQ(errorOf(config(R"("rope_scaling": {"rope_type": "linear"})")),
            "c.json: field 'rope_scaling' needs a 'factor'");
  EXPECT_EQ(errorOf(config(R"("rope_scaling": {"rope_type": "linear", "factor": 0.5})")),
            "c.json: field 'rope_scaling.factor' must be at least 1");
  EXPECT_EQ(errorOf(config(R"("hidden_size": 99999999999999)")),
            "c.json: field 'hidden_size' is implausibly large: 99999999999999");
}

TEST(GenerationConfig, ReadsEosListAndBos) {
  auto g = parseGenerationConfigText(R"({"bos_token_id": 1, "eos_token_id": [2, 7]})", "g.json");
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->bosTokenId, 1);
  EXPECT_EQ(g->eosTokenIds, (std::vector<int64_t>{2, 7}));
  auto bad = parseGenerationConfigText(R"({"eos_token_id": -1})", "g.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "g.json: field 'eos_token_id' must hold non-negative token ids");
}
} // namespace
