//===- DeviceGreedyTest.cpp - Engine::decodeGreedy against a stand-in GPU model -------===//
//
// The engine's side of abi.h's inferno_model_greedy, without a GPU: this executable defines the
// model entry points a CUDA object defines, over a toy model whose greedy choice is known in
// closed form (the id after token t at position p is (3t + p + 1) mod vocab). The tests check
// what the engine makes of it — the ids handed over, the position it counts, stopping, the
// context limit, and the two failure codes — against that formula.
//
//===----------------------------------------------------------------------===//

#include "runtime/engine/Engine.h"
#include "runtime/include/inferno/abi.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

constexpr int64_t kVocab = 11, kContext = 24, kMaxBatch = 4;

int32_t nextId(int32_t token, int32_t position) {
  return static_cast<int32_t>((3 * token + position + 1) % kVocab);
}

/// What the stand-in does on its next inferno_model_greedy call.
struct StandIn {
  int64_t nonFiniteAt = -1; // a position whose step reports a NaN logit
  bool unavailable = false; // answer -2, as a CUDA object does while profiling
  int64_t calls = 0;
} standIn;

} // namespace

extern "C" {
const inferno_model_desc inferno_model = {INFERNO_ABI_VERSION, kMaxBatch, 0, 0, kContext, kVocab, 0};

void inferno_model_forward(const inferno_forward_args *args) {
  const int64_t last = args->n_tokens - 1;
  const int32_t want = nextId(args->tokens[last], args->positions[last]);
  for (int64_t v = 0; v < kVocab; ++v)
    args->logits[v] = v == want ? 1.0f : -static_cast<float>(v);
}

int32_t inferno_model_open(const uint8_t *const *, int32_t, uint64_t, char *, int64_t) {
  return 0;
}

const char *inferno_model_device(void) { return "stand-in"; }

int64_t inferno_model_greedy(int32_t token, int32_t position, int64_t steps,
                             int32_t (*onToken)(int32_t, void *), void *user) {
  ++standIn.calls;
  if (standIn.unavailable)
    return -2;
  for (int64_t handed = 0;;) {
    const int32_t id = nextId(token, position);
    if (position == standIn.nonFiniteAt)
      return -1;
    ++handed;
    if (!onToken(id, user) || handed == steps)
      return handed;
    token = id;
    ++position;
  }
}
}

namespace inferno::rt {
namespace {

class DeviceGreedyTest : public ::testing::Test {
protected:
  void SetUp() override {
    standIn = StandIn();
    dir_ = ::testing::TempDir() + "/device-greedy-" + std::to_string(::getpid());
    ASSERT_EQ(std::system(("mkdir -p " + dir_).c_str()), 0);
    std::ofstream manifest(dir_ + "/manifest.json");
    manifest << R"({"format": "inferno-artifact", "format_version": 1, "compiler_version": ")"
             << INFERNO_VERSION << R"(", "model": {"name": "stand-in"}, "target": "cuda",
      "generation": {"eos_token_ids": [], "vocab": )" << kVocab << R"(, "context": )" << kContext
             << R"(, "max_batch": )" << kMaxBatch << R"(},
      "weights": {"mode": "link", "fingerprint": "", "files": []}, "tensors": []})";
    manifest.close();
    Expected<std::unique_ptr<Engine>> opened = Engine::open(dir_, "", uint64_t(1));
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    engine_ = std::move(*opened);
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }

  /// Feeds a prompt through forward (the host path) and returns the greedy id after it.
  int32_t prefill(const std::vector<int32_t> &prompt) {
    std::vector<float> logits;
    EXPECT_TRUE(engine_->feed(prompt, kMaxBatch, false, logits).ok());
    int32_t best = 0;
    for (int32_t v = 1; v < kVocab; ++v)
      if (logits[v] > logits[best])
        best = v;
    return best;
  }

  std::string dir_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(DeviceGreedyTest, HandsOverTheGreedyIdsAndCountsEachFedToken) {
  const int32_t first = prefill({4, 9, 2});
  ASSERT_EQ(engine_->position(), 3);
  std::vector<int32_t> ids;
  std::vector<int64_t> positions;
  Expected<bool> ran = engine_->decodeGreedy(first, 6, [&](int32_t id) {
    ids.push_back(id);
    positions.push_back(engine_->position());
    return true;
  });
  ASSERT_TRUE(ran.ok()) << ran.error().message;
  EXPECT_TRUE(*ran);
  std::vector<int32_t> want;
  int32_t token = first;
  for (int32_t p = 3; p < 9; ++p)
    want.push_back(token = nextId(token, p));
  EXPECT_EQ(ids, want);
  EXPECT_EQ(positions, (std::vector<int64_t>{4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(engine_->position(), 9);
  // Host decoding picks up where the device left off: the next id follows the last one.
  std::vector<float> logits;
  ASSERT_TRUE(engine_->feed({ids.back()}, 1, false, logits).ok());
  EXPECT_EQ(logits[nextId(ids.back(), 9)], 1.0f);
}

TEST_F(DeviceGreedyTest, StopsWhenTheCallerSaysSo) {
  const int32_t first = prefill({1});
  int handed = 0;
  Expected<bool> ran = engine_->decodeGreedy(first, 20, [&](int32_t) { return ++handed < 3; });
  ASSERT_TRUE(ran.ok());
  EXPECT_EQ(handed, 3);
  EXPECT_EQ(engine_->position(), 1 + 3); // the prompt, then the three tokens fed
}

TEST_F(DeviceGreedyTest, NeverRunsPastTheContext) {
  const int32_t first = prefill({1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  int handed = 0;
  Expected<bool> ran = engine_->decodeGreedy(first, 1000, [&](int32_t) {
    ++handed;
    return true;
  });
  ASSERT_TRUE(ran.ok());
  EXPECT_EQ(handed, kContext - 10);
  EXPECT_EQ(engine_->position(), kContext);
}

TEST_F(DeviceGreedyTest, ANonFiniteLogitIsAnErrorNamingThePosition) {
  const int32_t first = prefill({3, 1});
  standIn.nonFiniteAt = 4; // the third step: tokens fed at 2 and 3 were handed over
  int handed = 0;
  Expected<bool> ran = engine_->decodeGreedy(first, 10, [&](int32_t) {
    ++handed;
    return true;
  });
  ASSERT_FALSE(ran.ok());
  EXPECT_EQ(handed, 2);
  EXPECT_NE(ran.error().message.find("non-finite logit at position 5"), std::string::npos)
      << ran.error().message;
}

TEST_F(DeviceGreedyTest, UnavailableLeavesEverythingToTheHost) {
  const int32_t first = prefill({3});
  standIn.unavailable = true;
  Expected<bool> ran = engine_->decodeGreedy(first, 5, [](int32_t) { return true; });
  ASSERT_TRUE(ran.ok());
  EXPECT_FALSE(*ran);
  EXPECT_EQ(engine_->position(), 1);
  EXPECT_EQ(standIn.calls, 1);
}

TEST_F(DeviceGreedyTest, RefusesATokenOutsideTheVocabulary) {
  prefill({3});
  Expected<bool> ran = engine_->decodeGreedy(static_cast<int32_t>(kVocab), 5,
                                             [](int32_t) { return true; });
  ASSERT_FALSE(ran.ok());
  EXPECT_NE(ran.error().message.find("outside the vocabulary"), std::string::npos);
  EXPECT_EQ(standIn.calls, 0);
}

} // namespace
} // namespace inferno::rt
