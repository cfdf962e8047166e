// Characters Kubernetes' YAML reader (go-yaml) and ours read differently are refused before parsing:
// kubectl ends a comment at a bare CR, NEL, U+2028 or U+2029, so a field hidden "inside" a comment
// would be applied unchecked.
#include "common/manifest/yaml_text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace agentguard::manifest {
namespace {

using ::testing::HasSubstr;

struct TextCase {
  std::string name;
  std::string text;
  std::string problem;  // "" when accepted, else part of the message
};

void PrintTo(const TextCase& c, std::ostream* os) { *os << c.name; }

class CheckYamlTextTest : public ::testing::TestWithParam<TextCase> {};

TEST_P(CheckYamlTextTest, AcceptsWhatBothReadAlikeAndRefusesTheRest) {
  const TextCase& c = GetParam();
  const Status status = checkYamlText(c.text);
  if (c.problem.empty()) {
    EXPECT_TRUE(status.ok()) << status.error().message;
    return;
  }
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(status.error().message, HasSubstr(c.problem));
}

INSTANTIATE_TEST_SUITE_P(
    Accepted, CheckYamlTextTest,
    ::testing::Values(TextCase{"LineFeeds", "a: 1\nb: 2\n", ""}, TextCase{"CrLf", "a: 1\r\nb: 2\r\n", ""},
                      TextCase{"Tabs", "a:\t1 # x\t\n", ""}, TextCase{"LeadingBom", "\xef\xbb\xbf" "a: 1\n", ""},
                      TextCase{"EscapedSeparatorsInDoubleQuotes", "a: \"x\\u2028y\\Nz\\L\\P\"\n", ""},
                      TextCase{"Latin1Supplement", "a: caf\xc3\xa9 \xc2\xa0\n", ""},
                      TextCase{"Emoji", "a: \xf0\x9f\x98\x80\n", ""}, TextCase{"Empty", "", ""},
                      TextCase{"DocumentEndThenSeparator", "a: 1\n...\n---\nb: 2\n", ""},
                      TextCase{"DocumentEndThenComments", "a: 1\n... # end\n# c\n\n", ""},
                      TextCase{"IndentedDotsAreText", "a: |\n  x\n  ...\nb: ...\n", ""}));

INSTANTIATE_TEST_SUITE_P(
    Refused, CheckYamlTextTest,
    ::testing::Values(
        TextCase{"BareCrEndsAComment", "spec: # c\rhostNetwork: true\n", "line 1, column 10: a carriage return"},
        TextCase{"BareCrAtEnd", "a: 1\r", "carriage return"},
        TextCase{"NelInComment", "a: 1 # c\xc2\x85  hostNetwork: true\n", "U+0085 is a line break"},
        TextCase{"LineSeparatorInComment", "x: 1\na: 1 # c\xe2\x80\xa8  b: 2\n", "line 2, column 9: character U+2028"},
        TextCase{"ParagraphSeparatorInScalar", "a: \"x\xe2\x80\xa9y\"\n", "U+2029"},
        TextCase{"NelInDoubleQuotes", "a: \"x\xc2\x85y\"\n", "U+0085"},
        TextCase{"NulByte", std::string("a: \"x\0y\"\n", 9), "control character U+0000"},
        TextCase{"StartOfHeading", "a: \"x\x01y\"\n", "control character U+0001"},
        TextCase{"Escape", "a: \x1b[31m\n", "U+001B"}, TextCase{"Delete", "a: x\x7fy\n", "U+007F"},
        TextCase{"C1Control", "a: x\xc2\x80y\n", "U+0080"}, TextCase{"Nonchar", "a: x\xef\xbf\xbey\n", "U+FFFE"},
        TextCase{"BomInsideText", "a: x\xef\xbb\xbfy\n", "byte order mark"},
        TextCase{"BomStartingSecondDocument", "a: 1\n---\n\xef\xbb\xbf" "b: 2\n", "byte order mark"},
        TextCase{"InvalidByte", "a: x\xffy\n", "byte 0xFF is not valid UTF-8"},
        TextCase{"OverlongSlash", "a: \xc0\xaf\n", "not valid UTF-8"},
        TextCase{"Surrogate", "a: \xed\xa0\x80\n", "not valid UTF-8"},
        TextCase{"TruncatedSequence", "a: \xe2\x80", "not valid UTF-8"},
        TextCase{"AboveUnicode", "a: \xf4\x90\x80\x80\n", "not valid UTF-8"},
        TextCase{"Utf16Bom", "\xff\xfe" "a\0:\0", "not valid UTF-8"},
        TextCase{"ContentAfterDocumentEnd", "a: 1\n...\nb: 2\n", "line 3: content after a \"...\" document end marker"},
        TextCase{"ContentAfterDocumentEndCrLf", "a: 1\r\n...\r\n\r\nkind: Pod\r\n", "line 4: content after"}));

}  // namespace
}  // namespace agentguard::manifest
