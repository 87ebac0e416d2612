//===- SafetensorsTest.cpp - the safetensors header reader ----------------===//

#include "compiler/frontend/Safetensors.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

using namespace inferno;

namespace {
// The file size for a header whose data region is `dataBytes` long.
uint64_t sizeFor(const std::string &header, uint64_t dataBytes) {
  return 8 + header.size() + dataBytes;
}

std::string messageOf(const absl::StatusOr<SafetensorsHeader> &result) {
  return result.ok() ? "" : std::string(result.status().message());
}

TEST(Safetensors, ReadsTensorsInOffsetOrderWithAbsoluteOffsets) {
  std::string header = R"({"b": {"dtype": "BF16", "shape": [2, 3], "data_offsets": [16, 28]},
                           "a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
                           "__metadata__": {"format": "pt"}})";
  auto result = parseSafetensorsHeader(header, sizeFor(header, 28), "m.safetensors");
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->tensors.size(), 2u);
  EXPECT_EQ(result->tensors[0].name, "a");
  EXPECT_EQ(result->tensors[0].dtype, Dtype::F32);
  EXPECT_EQ(result->tensors[0].fileOffset, 8 + header.size());
  EXPECT_EQ(result->tensors[1].name, "b");
  EXPECT_EQ(result->tensors[1].shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(result->tensors[1].fileOffset, 8 + header.size() + 16);
  EXPECT_EQ(result->tensors[1].byteSize, 12u);
  EXPECT_EQ(result->tensors[1].numElements(), 6);
  EXPECT_EQ(result->metadata.at("format"), "pt");
}

TEST(Safetensors, ScalarAndEmptyTensorsAreAccepted) {
  std::string header = R"({"s": {"dtype": "F32", "shape": [], "data_offsets": [0, 4]},
                           "e": {"dtype": "F16", "shape": [0, 8], "data_offsets": [4, 4]}})";
  auto result = parseSafetensorsHeader(header, sizeFor(header, 4), "m");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->tensors.size(), 2u);
}

TEST(Safetensors, RejectsHeaderThatIsNotJson) {
  std::string header = "{not json";
  EXPECT_EQ(messageOf(parseSafetensorsHeader(header, sizeFor(header, 0), "m.st")),
            "m.st: header is not valid JSON");
}

TEST(Safetensors, RejectsHeaderThatIsNotAnObject) {
  std::string header = "[1, 2]";
  EXPECT_EQ(messageOf(parseSafetensorsHeader(header, sizeFor(header, 0), "m.st")),
            "m.st: header is not a JSON object");
}

TEST(Safetensors, RejectsUnknownDtype) {
  std::string header = R"({"w": {"dtype": "Q4", "shape": [4], "data_offsets": [0, 4]}})";
  EXPECT_EQ(messageOf(parseSafetensorsHeader(header, sizeFor(header, 4), "m.st")),
            "m.st: tensor 'w': unknown dtype 'Q4'");
}

TEST(Safetensors, RejectsOffsetsDisagreeingWithShape) {
  std::string header = R"({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 12]}})";
  EXPECT_EQ(messageOf(parseSafetensorsHeader(header, sizeFor(header, 12), "m.st")),
            "m.st: tensor 'w': data_offsets [0, 12] hold 12 bytes but shape [4] of F32 needs 16");
}

TEST(Safetensors, RejectsOffsetsPastTheData) {
  std::string header = R"({"w": {"dtype": "F32", "shape": [4], "data_offsets": [8, 24]}})";
  EXPECT_EQ(messageOf(parseSafetensorsHeader(header, sizeFor(header, 20), "m.st")),
            "m.st: tensor 'w': data_offsets [8, 24] run past the end of the data (20 bytes after "
            "the header)");
}

TEST(Safetensors, RejectsReversedOffsets) {
  std::string header = R"({"w": {"dtype": "U8", "shape": [4], "data_offsets": [8, 4]}})";
  EXPECT_EQ(messageOf(parseSafetensorsHeader(header, sizeFor(header, 8), "m.st")),
            "m.st: tensor 'w': data_offsets [8, 4] end before they begin");
}

TEST(Safetensors, RejectsOverlappingTensors) {
  std::string header = R"({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
                           "b": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}})";
  EXPECT_EQ(messageOf(parseSafetensorsHeader(header, sizeFor(header, 16), "m.st")),
            "m.st: tensors 'a' and 'b' overlap in the file");
}

// An empty tensor sorted between two overlapping ones used to hide the overlap, since only
// neighbours were compared; a tensor nested in a longer one two places back, likewise.
TEST(Safetensors, RejectsOverlapsThatAreNotNeighbours) {
  std::string hidden = R"({"a": {"dtype": "F32", "shape": [16], "data_offsets": [0, 64]},
                           "z": {"dtype": "F32", "shape": [0], "data_offsets": [8, 8]},
                           "b": {"dtype": "F32", "shape": [4], "data_offsets": [16, 32]}})";
  EXPECT_EQ(messageOf(parseSafetensorsHeader(hidden, sizeFor(hidden, 64), "m.st")),
            "m.st: tensors 'a' and 'b' overlap in the file");
  std::string nested = R"({"a": {"dtype": "F32", "shape": [16], "data_offsets": [0, 64]},
                           "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]},
                           "c": {"dtype": "F32", "shape": [2], "data_offsets": [40, 48]}})";
  EXPECT_EQ(messageOf(parseSafetensorsHeader(nested, sizeFor(nested, 64), "m.st")),
            "m.st: tensors 'a' and 'b' overlap in the file");
  std::string adjacent = R"({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
                             "z": {"dtype": "F32", "shape": [0], "data_offsets": [16, 16]},
                             "b": {"dtype": "F32", "shape": [4], "data_offsets": [16, 32]}})";
  EXPECT_TRUE(parseSafetensorsHeader(adjacent, sizeFor(adjacent, 32), "m.st").ok());
}

TEST(Safetensors, RejectsMalformedEntries) {
  const std::pair<const char *, const char *> cases[] = {
      {R"({"w": 3})", "m.st: tensor 'w': entry is not a JSON object"},
      {R"({"w": {"shape": [1], "data_offsets": [0, 4]}})", "m.st: tensor 'w': missing 'dtype'"},
      {R"({"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}})",
       "m.st: tensor 'w': 'shape' holds something other than a non-negative integer"},
      {R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0]}})",
       "m.st: tensor 'w': 'data_offsets' is not a pair of non-negative integers"},
      {R"({"w": {"dtype": 7, "shape": [1], "data_offsets": [0, 4]}})",
       "m.st: tensor 'w': 'dtype' is not a string"},
      {R"({"__metadata__": {"k": 1}})", "m.st: '__metadata__' value 'k' is not a string"},
  };
  for (const auto &[header, expected] : cases)
    EXPECT_EQ(messageOf(parseSafetensorsHeader(header, sizeFor(header, 4), "m.st")), expected)
        << header;
}

TEST(Safetensors, RejectsShapesWhoseSizeOverflows) {
  std::string header = R"({"w": {"dtype": "F32", "shape": [4294967296, 4294967296, 16],
                                 "data_offsets": [0, 4]}})";
  EXPECT_EQ(messageOf(parseSafetensorsHeader(header, sizeFor(header, 4), "m.st")),
            "m.st: tensor 'w': shape is too large");
}

class SafetensorsFile : public ::testing::Test {
protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("inferno-st-" + std::to_string(::getpid()) + ".safetensors"))
                .string();
  }
  void TearDown() override { std::remove(path_.c_str()); }
  void write(const std::string &bytes) {
    std::ofstream(path_, std::ios::binary) << bytes;
  }
  static std::string lengthPrefix(uint64_t n) {
    std::string bytes(8, '\0');
    for (int i = 0; i < 8; ++i)
      bytes[i] = static_cast<char>((n >> (8 * i)) & 0xff);
    return bytes;
  }
  std::string path_;
};

TEST_F(SafetensorsFile, ReadsAWholeFile) {
  std::string header = R"({"w": {"dtype": "F16", "shape": [2], "data_offsets": [0, 4]}})";
  write(lengthPrefix(header.size()) + header + std::string(4, '\x01'));
  auto result = readSafetensorsHeader(path_);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->tensors.at(0).fileOffset, 8 + header.size());
  EXPECT_EQ(result->fileSize, 8 + header.size() + 4);
}

TEST_F(SafetensorsFile, RejectsTooShortFile) {
  write("abc");
  EXPECT_EQ(messageOf(readSafetensorsHeader(path_)),
            path_ + ": file is 3 bytes, too short for a safetensors header");
}

TEST_F(SafetensorsFile, RejectsHeaderLengthPastEnd) {
  write(lengthPrefix(1000) + "{}");
  EXPECT_EQ(messageOf(readSafetensorsHeader(path_)),
            path_ + ": header length 1000 runs past the end of the file (10 bytes)");
}

TEST_F(SafetensorsFile, RejectsMissingFile) {
  auto result = readSafetensorsHeader(path_ + ".absent");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kNotFound);
}
} // namespace
