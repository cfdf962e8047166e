// Writing a JSON string without nlohmann, for ASCII text.
#include "common/manifest/json_string.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include <nlohmann/json.hpp>

namespace agentguard::manifest {
namespace {

std::string dumped(const std::string& text) {
  return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Every ASCII character alone, and random ASCII texts, come out as nlohmann writes them.
TEST(AsciiJsonStringTest, WritesWhatNlohmannWrites) {
  for (int c = 0; c < 0x80; ++c) {
    const std::string text(1, static_cast<char>(c));
    std::string out = "x";
    ASSERT_TRUE(appendAsciiJsonString(out, text)) << c;
    EXPECT_EQ(out, "x" + dumped(text)) << c;
  }
  std::mt19937 random(5);
  for (int i = 0; i < 1000; ++i) {
    std::string text(random() % 50, ' ');
    for (char& c : text) c = static_cast<char>(random() % 0x80);
    std::string out;
    ASSERT_TRUE(appendAsciiJsonString(out, text));
    EXPECT_EQ(out, dumped(text));
  }
}

// Text with any byte from 0x80 on is left to nlohmann: nothing is written.
TEST(AsciiJsonStringTest, LeavesTextThatIsNotAsciiAlone) {
  for (const std::string text : {"caf\xC3\xA9", "\xFF", "plain then \x80"}) {
    std::string out = "kept";
    EXPECT_FALSE(appendAsciiJsonString(out, text));
    EXPECT_EQ(out, "kept");
  }
}

}  // namespace
}  // namespace agentguard::manifest
