// Tagged scalars must read as Kubernetes (go-yaml v2 through sigs.k8s.io/yaml) reads them, or be
// refused: `privileged: !!bool "true"` is true to the API server and must be true here, and a tag this
// reader cannot mirror must never leave the raw text for the rules to judge.
#include "common/manifest/yaml_tags.h"

#include <gtest/gtest.h>

#include <string>

namespace agentguard::manifest {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kStr = "tag:yaml.org,2002:str";
constexpr std::string_view kBool = "tag:yaml.org,2002:bool";
constexpr std::string_view kInt = "tag:yaml.org,2002:int";
constexpr std::string_view kFloat = "tag:yaml.org,2002:float";
constexpr std::string_view kNull = "tag:yaml.org,2002:null";
constexpr std::string_view kBinary = "tag:yaml.org,2002:binary";

struct TagCase {
  std::string name;
  std::string tag;
  std::string text;
  Json expected;  // discarded: refused
};

void PrintTo(const TagCase& c, std::ostream* os) { *os << c.name << " " << c.tag << " \"" << c.text << "\""; }

Json refused() { return Json(Json::value_t::discarded); }

class ResolveTaggedScalarTest : public ::testing::TestWithParam<TagCase> {};

TEST_P(ResolveTaggedScalarTest, ResolvesAsKubernetesOrRefuses) {
  const TagCase& c = GetParam();
  const Result<Json> actual = resolveTaggedScalar(c.tag, c.text);
  if (c.expected.is_discarded()) {
    ASSERT_FALSE(actual.ok()) << c.tag << " " << c.text << " -> " << actual->dump();
    EXPECT_EQ(actual.error().code, ErrorCode::kInvalidArgument);
    EXPECT_FALSE(actual.error().message.empty());
    return;
  }
  ASSERT_TRUE(actual.ok()) << actual.error().message;
  EXPECT_EQ(actual->type(), c.expected.type()) << actual->dump();
  EXPECT_EQ(*actual, c.expected);
}

std::string caseName(const ::testing::TestParamInfo<TagCase>& info) { return info.param.name; }

// The value kubectl 1.32 gave for each (kubectl annotate --local -o json), or its refusal.
INSTANTIATE_TEST_SUITE_P(
    Resolved, ResolveTaggedScalarTest,
    ::testing::Values(TagCase{"PlainYesIsTrue", "?", "yes", true}, TagCase{"QuotedYesIsText", "!", "yes", "yes"},
                      TagCase{"StrKeepsOctalText", std::string(kStr), "0777", "0777"},
                      TagCase{"StrKeepsBooleanWord", std::string(kStr), "on", "on"},
                      TagCase{"BoolYes", std::string(kBool), "yes", true},
                      TagCase{"BoolQuotedOn", std::string(kBool), "on", true},
                      TagCase{"BoolFalse", std::string(kBool), "False", false},
                      TagCase{"IntHex", std::string(kInt), "0x1F", 31},
                      TagCase{"IntOctal", std::string(kInt), "0777", 511},
                      TagCase{"FloatFromInteger", std::string(kFloat), "1", 1},
                      TagCase{"FloatExponent", std::string(kFloat), "1e3", 1000.0},
                      TagCase{"NullEmpty", std::string(kNull), "", nullptr},
                      TagCase{"NullTilde", std::string(kNull), "~", nullptr},
                      TagCase{"BinaryHostNetwork", std::string(kBinary), "aG9zdE5ldHdvcms=", "hostNetwork"},
                      TagCase{"BinaryLineBreaksSkipped", std::string(kBinary), "aG9zdE5l\ndHdv\r\ncms=", "hostNetwork"},
                      TagCase{"BinaryEmpty", std::string(kBinary), "", ""},
                      TagCase{"BinaryUtf8", std::string(kBinary), "w6k=", "\xc3\xa9"}),
    caseName);

INSTANTIATE_TEST_SUITE_P(
    Refused, ResolveTaggedScalarTest,
    ::testing::Values(TagCase{"BoolFromDigit", std::string(kBool), "1", refused()},
                      TagCase{"BoolEmpty", std::string(kBool), "", refused()},
                      TagCase{"IntFromFraction", std::string(kInt), "1.5", refused()},
                      TagCase{"IntFromIntegralFloat", std::string(kInt), "1.0", refused()},
                      TagCase{"IntFromWord", std::string(kInt), "root", refused()},
                      TagCase{"FloatInfinity", std::string(kFloat), ".inf", refused()},
                      TagCase{"FloatWord", std::string(kFloat), "zero", refused()},
                      TagCase{"NullFromText", std::string(kNull), "x", refused()},
                      TagCase{"BinaryWithoutPadding", std::string(kBinary), "aG9zdE5ldHdvcms", refused()},
                      TagCase{"BinaryWithSpaces", std::string(kBinary), "aG9z dE5ldHdvcms=", refused()},
                      TagCase{"BinaryUrlAlphabet", std::string(kBinary), "-_8=", refused()},
                      TagCase{"BinaryNotUtf8", std::string(kBinary), "/w==", refused()},
                      TagCase{"BinaryDataAfterPadding", std::string(kBinary), "YQ==YQ==", refused()},
                      TagCase{"Timestamp", "tag:yaml.org,2002:timestamp", "2001-12-14", refused()},
                      TagCase{"MapOnScalar", "tag:yaml.org,2002:map", "x", refused()},
                      TagCase{"MergeOnValue", "tag:yaml.org,2002:merge", "x", refused()},
                      TagCase{"CustomLocal", "!secret", "x", refused()},
                      TagCase{"CustomVerbatim", "tag:example.com,2000:app/x", "x", refused()},
                      TagCase{"UndeclaredHandle", "!e!str", "x", refused()},
                      TagCase{"LoneByteFromAnEscape", "!", "x\x85y", refused()}),
    caseName);

struct CollectionCase {
  std::string name;
  std::string tag;
  bool isMapping;
  bool accepted;
};

class CheckCollectionTagTest : public ::testing::TestWithParam<CollectionCase> {};

TEST_P(CheckCollectionTagTest, AcceptsOnlyTheMatchingCoreTag) {
  const CollectionCase& c = GetParam();
  const Status status = checkCollectionTag(c.tag, c.isMapping);
  EXPECT_EQ(status.ok(), c.accepted) << c.tag;
}

INSTANTIATE_TEST_SUITE_P(
    Collections, CheckCollectionTagTest,
    ::testing::Values(CollectionCase{"UntaggedMapping", "?", true, true},
                      CollectionCase{"NonSpecificMapping", "!", true, true},
                      CollectionCase{"MapOnMapping", "tag:yaml.org,2002:map", true, true},
                      CollectionCase{"SeqOnSequence", "tag:yaml.org,2002:seq", false, true},
                      CollectionCase{"SeqOnMapping", "tag:yaml.org,2002:seq", true, false},
                      CollectionCase{"MapOnSequence", "tag:yaml.org,2002:map", false, false},
                      CollectionCase{"SetOnMapping", "tag:yaml.org,2002:set", true, false},
                      CollectionCase{"OmapOnSequence", "tag:yaml.org,2002:omap", false, false},
                      CollectionCase{"PairsOnSequence", "tag:yaml.org,2002:pairs", false, false},
                      CollectionCase{"CustomOnMapping", "!podspec", true, false}),
    [](const ::testing::TestParamInfo<CollectionCase>& param) { return param.param.name; });

}  // namespace
}  // namespace agentguard::manifest
