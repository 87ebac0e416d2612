//===- WeightManifestTest.cpp - weight-name table, manifest loading, validation ===//

#include "compiler/frontend/WeightManifest.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

using namespace inferno;
namespace fs = std::filesystem;

namespace {
ModelConfig tinyConfig(bool tied) {
  ModelConfig c;
  c.hiddenSize = 64;
  c.intermediateSize = 160;
  c.numLayers = 2;
  c.numHeads = 4;
  c.numKvHeads = 2;
  c.headDim = 8; // not hidden / heads: q_proj is [32, 64]
  c.vocabSize = 256;
  c.tieWordEmbeddings = tied;
  return c;
}

TEST(WeightTable, ListsEveryTensorWithItsShape) {
  std::vector<ExpectedTensor> untied = expectedTensors(tinyConfig(false));
  ASSERT_EQ(untied.size(), 1 + 9 * 2 + 1 + 1u);
  EXPECT_EQ(untied.front().name, "model.embed_tokens.weight");
  EXPECT_EQ(untied.front().shape, (std::vector<int64_t>{256, 64}));
  EXPECT_EQ(untied.back().name, "lm_head.weight");
  auto find = [&](const std::string &name) {
    for (const ExpectedTensor &t : untied)
      if (t.name == name)
        return t;
    ADD_FAILURE() << "no " << name;
    return ExpectedTensor{};
  };
  EXPECT_EQ(find("model.layers.1.self_attn.q_proj.weight").shape, (std::vector<int64_t>{32, 64}));
  EXPECT_EQ(find("model.layers.1.self_attn.k_proj.weight").shape, (std::vector<int64_t>{16, 64}));
  EXPECT_EQ(find("model.layers.1.self_attn.o_proj.weight").shape, (std::vector<int64_t>{64, 32}));
  EXPECT_EQ(find("model.layers.0.mlp.down_proj.weight").shape, (std::vector<int64_t>{64, 160}));
  EXPECT_EQ(find("model.layers.0.mlp.gate_proj.weight").layer, 0);
  EXPECT_EQ(find("model.norm.weight").role, WeightRole::FinalNorm);
  // Tied: no lm_head.weight at all.
  std::vector<ExpectedTensor> tied = expectedTensors(tinyConfig(true));
  EXPECT_EQ(tied.size(), untied.size() - 1);
  EXPECT_NE(tied.back().name, "lm_head.weight");
}

/// A manifest holding exactly the expected tensors, in `dtype`.
WeightManifest completeManifest(const ModelConfig &c, Dtype dtype) {
  WeightManifest m;
  m.directory = "dir";
  m.files = {"model.safetensors"};
  for (const ExpectedTensor &e : expectedTensors(c)) {
    ManifestTensor t;
    t.name = e.name;
    t.shape = e.shape;
    t.dtype = dtype;
    t.file = "model.safetensors";
    m.tensors[e.name] = t;
  }
  return m;
}

std::vector<std::string> messages(const std::vector<ManifestProblem> &problems,
                                  ManifestProblem::Severity severity) {
  std::vector<std::string> out;
  for (const ManifestProblem &p : problems)
    if (p.severity == severity)
      out.push_back(p.message);
  return out;
}

TEST(Validate, CompleteManifestHasNoProblems) {
  for (Dtype d : {Dtype::F32, Dtype::F16, Dtype::BF16})
    EXPECT_TRUE(validateManifest(tinyConfig(false), completeManifest(tinyConfig(false), d)).empty());
}

TEST(Validate, ReportsMissingWrongShapeAndWrongDtype) {
  ModelConfig c = tinyConfig(false);
  WeightManifest m = completeManifest(c, Dtype::BF16);
  m.tensors.erase("model.layers.1.mlp.up_proj.weight");
  m.tensors["model.layers.0.self_attn.k_proj.weight"].shape = {64, 16};
  m.tensors["model.norm.weight"].dtype = Dtype::I32;
  auto errors = messages(validateManifest(c, m), ManifestProblem::Error);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0], "dir/model.safetensors: tensor 'model.layers.0.self_attn.k_proj.weight' "
                       "has shape [64, 16] but config.json implies [16, 64]");
  EXPECT_EQ(errors[1], "dir/model.safetensors: missing tensor 'model.layers.1.mlp.up_proj.weight'");
  EXPECT_EQ(errors[2], "dir/model.safetensors: tensor 'model.norm.weight' has dtype I32; dense "
                       "weights must be F32, F16 or BF16");
}

TEST(Validate, MissingLmHeadExplainsTheTieFlag) {
  ModelConfig c = tinyConfig(false);
  WeightManifest m = completeManifest(c, Dtype::F32);
  m.tensors.erase("lm_head.weight");
  auto errors = messages(validateManifest(c, m), ManifestProblem::Error);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], "dir/model.safetensors: missing tensor 'lm_head.weight' (config.json says "
                       "tie_word_embeddings is false)");
}

TEST(Validate, ExtraTensorsAreWarnings) {
  ModelConfig c = tinyConfig(true);
  WeightManifest m = completeManifest(c, Dtype::F32);
  ManifestTensor extra;
  extra.name = "lm_head.weight";
  extra.file = "model.safetensors";
  m.tensors[extra.name] = extra;
  extra.name = "model.layers.0.self_attn.rotary_emb.inv_freq";
  m.tensors[extra.name] = extra;
  auto problems = validateManifest(c, m);
  EXPECT_TRUE(messages(problems, ManifestProblem::Error).empty());
  auto warnings = messages(problems, ManifestProblem::Warning);
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_EQ(warnings[0], "dir/model.safetensors: tensor 'lm_head.weight' is ignored: config.json "
                         "ties the output projection to the embedding, as Hugging Face does");
  EXPECT_EQ(warnings[1], "dir/model.safetensors: unexpected tensor "
                         "'model.layers.0.self_attn.rotary_emb.inv_freq' is ignored");
}

/// Writes tiny safetensors files and indexes into a fresh temporary directory.
class ManifestDir : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("inferno-manifest-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  /// A file of F32 vectors of 2 elements, named `names`.
  void writeShard(const std::string &file, const std::vector<std::string> &names) {
    std::string header = "{";
    for (size_t i = 0; i < names.size(); ++i)
      header += (i ? "," : "") + ("\"" + names[i] + "\": {\"dtype\": \"F32\", \"shape\": [2], " +
                                  "\"data_offsets\": [" + std::to_string(8 * i) + ", " +
                                  std::to_string(8 * i + 8) + "]}");
    header += "}";
    std::string bytes(8, '\0');
    for (int i = 0; i < 8; ++i)
      bytes[i] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
    std::ofstream(dir_ / file, std::ios::binary)
        << bytes << header << std::string(8 * names.size(), '\0');
  }
  void writeText(const std::string &file, const std::string &text) {
    std::ofstream(dir_ / file) << text;
  }
  std::string errorOf() {
    auto m = loadWeightManifest(dir_.string());
    return m.ok() ? "" : std::string(m.status().message());
  }

  fs::path dir_;
};

TEST_F(ManifestDir, ReadsShardsThroughTheIndexWithoutGuessingNames) {
  writeShard("weights-a.safetensors", {"x", "y"});
  writeShard("weights-b.safetensors", {"z"});
  writeText("model.safetensors.index.json",
            R"({"metadata": {"total_size": 24}, "weight_map": {"x": "weights-a.safetensors",
               "y": "weights-a.safetensors", "z": "weights-b.safetensors"}})");
  auto m = loadWeightManifest(dir_.string());
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->indexFile, "model.safetensors.index.json");
  EXPECT_EQ(m->files, (std::vector<std::string>{"weights-a.safetensors", "weights-b.safetensors"}));
  EXPECT_EQ(m->tensors.at("z").file, "weights-b.safetensors");
  EXPECT_EQ(m->totalBytes(), 24u);
  EXPECT_TRUE(m->warnings.empty());
}

TEST_F(ManifestDir, WarnsWhenTotalSizeDisagrees) {
  writeShard("a.safetensors", {"x"});
  writeText("model.safetensors.index.json",
            R"({"metadata": {"total_size": 99}, "weight_map": {"x": "a.safetensors"}})");
  auto m = loadWeightManifest(dir_.string());
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->warnings.size(), 1u);
  EXPECT_NE(m->warnings[0].find("metadata.total_size is 99 but the tensors hold 8 bytes"),
            std::string::npos);
}

TEST_F(ManifestDir, IndexRefusals) {
  std::string index = (dir_ / "model.safetensors.index.json").string();
  writeText("model.safetensors.index.json", "{");
  EXPECT_EQ(errorOf(), index + ": not valid JSON");
  writeText("model.safetensors.index.json", R"({"metadata": {}})");
  EXPECT_EQ(errorOf(), index + ": missing the 'weight_map' object");
  writeText("model.safetensors.index.json", R"({"weight_map": {}})");
  EXPECT_EQ(errorOf(), index + ": weight_map is empty");
  writeText("model.safetensors.index.json", R"({"weight_map": {"x": "../outside.safetensors"}})");
  EXPECT_EQ(errorOf(), index + ": weight_map entry 'x' names '../outside.safetensors', which is "
                               "not a file in the model directory");
  writeText("model.safetensors.index.json", R"({"weight_map": {"x": "gone.safetensors"}})");
  EXPECT_EQ(errorOf(), index + ": names shard 'gone.safetensors' (for tensor 'x'), which does not "
                               "exist");
  writeShard("a.safetensors", {"y"});
  writeText("model.safetensors.index.json", R"({"weight_map": {"x": "a.safetensors"}})");
  EXPECT_EQ(errorOf(), index + ": maps tensor 'x' to shard 'a.safetensors', which does not hold it");
}

TEST_F(ManifestDir, ShardTensorsTheIndexDoesNotListThereAreIgnored) {
  writeShard("b.safetensors", {"x"});
  writeShard("c.safetensors", {"x", "y"});
  writeText("model.safetensors.index.json",
            R"({"weight_map": {"x": "b.safetensors", "y": "c.safetensors"}})");
  auto m = loadWeightManifest(dir_.string());
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->tensors.at("x").file, "b.safetensors");
  ASSERT_EQ(m->warnings.size(), 1u);
  EXPECT_EQ(m->warnings[0], (dir_ / "c.safetensors").string() +
                                ": tensor 'x' is not listed for this file in the index and is "
                                "ignored");
}

TEST_F(ManifestDir, NoWeightsAtAll) {
  writeText("config.json", "{}");
  EXPECT_EQ(errorOf(), dir_.string() + ": no model.safetensors or model.safetensors.index.json");
}
} // namespace
