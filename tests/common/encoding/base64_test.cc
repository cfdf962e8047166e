#include "common/encoding/base64.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace agentguard::encoding {
namespace {

constexpr std::optional<std::string> kRefused = std::nullopt;

// One text and what each set of rules makes of it: a decoded string, or kRefused.
struct DecodeRow {
  const char* why;
  std::string text;
  std::optional<std::string> strict;   // kStrictBase64 (DSSE envelopes, decision logs)
  std::optional<std::string> goStd;    // kGoStdBase64 (YAML !!binary)
  std::optional<std::string> lenient;  // kLenientBase64 (kubeconfig data, Secret data)
};

std::vector<DecodeRow> decodeRows() {
  return {
      {"empty", "", "", "", ""},
      {"padded one byte", "YQ==", "a", "a", "a"},
      {"padded two bytes", "Zm9vYg==", "foob", "foob", "foob"},
      {"one pad", "aGVsbG8=", "hello", "hello", "hello"},
      {"whole groups", "aGVsbG8h", "hello!", "hello!", "hello!"},
      {"binary bytes", "/w==", "\xff", "\xff", "\xff"},
      {"no padding", "aGVsbG8", kRefused, kRefused, "hello"},
      {"no padding, two left", "Zm9vYg", kRefused, kRefused, "foob"},
      {"line feed", "aGVs\nbG8h", kRefused, "hello!", "hello!"},
      {"line feed in a padded text", "Zm9v\nYg==", kRefused, "foob", "foob"},
      {"CR LF", "aGVs\r\nbG8h", kRefused, "hello!", "hello!"},
      {"line break in padding", "YQ=\n=", kRefused, "a", "a"},
      {"space", "aGVs bG8h", kRefused, kRefused, "hello!"},
      {"tab", "aGVs\tbG8h", kRefused, kRefused, "hello!"},
      {"stray low bits", "Zm9vYh==", kRefused, "foob", "foob"},
      {"stray low bits, one pad", "aGVsbG9=", kRefused, "hello", "hello"},
      {"padding inside", "Zm=vYg==", kRefused, kRefused, kRefused},
      {"data after padding", "YQ==YQ", kRefused, kRefused, kRefused},
      {"three pads", "YQ===", kRefused, kRefused, kRefused},
      {"four pads", "====", kRefused, kRefused, kRefused},
      {"pad only", "=", kRefused, kRefused, kRefused},
      {"too much padding for the group", "YWJj==", kRefused, kRefused, kRefused},
      {"single character", "Y", kRefused, kRefused, kRefused},
      {"single character in last group", "aGVsbG8hY", kRefused, kRefused, kRefused},
      {"character outside the alphabet", "a*b", kRefused, kRefused, kRefused},
      {"URL-safe alphabet", "-_8=", kRefused, kRefused, kRefused},
  };
}

TEST(Base64Test, EachRuleSetAcceptsAndRefusesWhatItsCallersExpect) {
  for (const DecodeRow& row : decodeRows()) {
    SCOPED_TRACE(row.why);
    EXPECT_EQ(decodeBase64(row.text, kStrictBase64), row.strict);
    EXPECT_EQ(decodeBase64(row.text, kGoStdBase64), row.goStd);
    EXPECT_EQ(decodeBase64(row.text, kLenientBase64), row.lenient);
  }
}

TEST(Base64Test, EncodesWithPaddingAndRoundTripsStrictly) {
  EXPECT_EQ(encodeBase64(""), "");
  EXPECT_EQ(encodeBase64("f"), "Zg==");
  EXPECT_EQ(encodeBase64("fo"), "Zm8=");
  EXPECT_EQ(encodeBase64("foo"), "Zm9v");
  EXPECT_EQ(encodeBase64("foob"), "Zm9vYg==");
  EXPECT_EQ(encodeBase64("\xfb\xff"), "+/8=");
  for (const std::string& bytes : std::vector<std::string>{"", "f", "fo", "foo", "foob", std::string("\0\xff\x10", 3)}) {
    EXPECT_EQ(decodeBase64(encodeBase64(bytes), kStrictBase64), bytes);
  }
  std::string bytes;
  for (int i = 0; i < 256; ++i) {
    bytes += static_cast<char>(i);
    EXPECT_EQ(decodeBase64(encodeBase64(bytes), kStrictBase64), bytes);
  }
}

TEST(Base64Test, PrefixDecodesEitherAlphabetUpToALimitAndStopsAtOtherText) {
  EXPECT_EQ(decodeBase64Prefix("LS0tLS1CRUdJTiBQUklWQVRF", 10), "-----BEGIN");
  EXPECT_EQ(decodeBase64Prefix("LS0tLS1CRUdJTiBQUklWQVRF", 100), "-----BEGIN PRIVATE");
  EXPECT_EQ(decodeBase64Prefix("+/8", 10), "\xfb\xff");
  EXPECT_EQ(decodeBase64Prefix("-_8", 10), "\xfb\xff");    // URL-safe
  EXPECT_EQ(decodeBase64Prefix("Zm9v.Zm9v", 10), "foo");   // stops at a character outside both alphabets
  EXPECT_EQ(decodeBase64Prefix("Zg==Zm9v", 10), "f");      // and at padding
  EXPECT_EQ(decodeBase64Prefix("Zm9vY", 10), "foo");       // an incomplete last byte is dropped
  EXPECT_EQ(decodeBase64Prefix("", 10), "");
  EXPECT_EQ(decodeBase64Prefix("Zm9v", 0), "");
}

}  // namespace
}  // namespace agentguard::encoding
