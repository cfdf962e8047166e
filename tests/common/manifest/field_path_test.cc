// Field paths as Kubernetes prints them, and their parsing back into segments.
#include "common/manifest/field_path.h"

#include <gtest/gtest.h>

namespace agentguard::manifest {
namespace {

// A step used to build a path: a key, or an index when `isIndex`.
struct Step {
  bool isIndex = false;
  std::string key;
  size_t index = 0;
};

Step key(std::string name) { return Step{false, std::move(name), 0}; }
Step at(size_t index) { return Step{true, "", index}; }

struct PathCase {
  std::string name;
  std::vector<Step> steps;
  std::string text;
};

class FieldPathTest : public ::testing::TestWithParam<PathCase> {};

TEST_P(FieldPathTest, PrintsAndParsesBack) {
  const PathCase& c = GetParam();
  FieldPath path;
  for (const auto& step : c.steps) path = step.isIndex ? path.index(step.index) : path.key(step.key);
  EXPECT_EQ(path.str(), c.text);

  std::vector<PathSegment> segments;
  ASSERT_TRUE(parseFieldPath(path.str(), segments)) << path.str();
  ASSERT_EQ(segments.size(), c.steps.size()) << path.str();
  for (size_t i = 0; i < segments.size(); ++i) {
    EXPECT_EQ(segments[i].isIndex, c.steps[i].isIndex) << path.str() << " segment " << i;
    if (c.steps[i].isIndex) {
      EXPECT_EQ(segments[i].index, c.steps[i].index) << path.str() << " segment " << i;
    } else {
      EXPECT_EQ(segments[i].key, c.steps[i].key) << path.str() << " segment " << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    RoundTrip, FieldPathTest,
    ::testing::Values(
        PathCase{"Empty", {}, ""}, PathCase{"OneKey", {key("spec")}, "spec"},
        PathCase{"Dotted", {key("spec"), key("template"), key("spec")}, "spec.template.spec"},
        PathCase{"Indexed",
                 {key("spec"), key("containers"), at(0), key("securityContext"), key("privileged")},
                 "spec.containers[0].securityContext.privileged"},
        PathCase{"NestedIndexes", {key("matrix"), at(12), at(3)}, "matrix[12][3]"},
        PathCase{"TopLevelIndex", {at(4), key("kind")}, "[4].kind"},
        PathCase{"DomainKey", {key("metadata"), key("annotations"), key("example.com/owner")},
                 "metadata.annotations[\"example.com/owner\"]"},
        PathCase{"BracketedFirstKey", {key("a.b"), key("c")}, "[\"a.b\"].c"},
        PathCase{"QuoteAndBackslash", {key("data"), key("say \"hi\"\\now")}, "data[\"say \\\"hi\\\"\\\\now\"]"},
        PathCase{"ClosingBracketInKey", {key("x\"]y"), key("z")}, "[\"x\\\"]y\"].z"},
        PathCase{"EmptyKey", {key("data"), key("")}, "data[\"\"]"},
        PathCase{"KeyWithSpace", {key("a b")}, "[\"a b\"]"},
        PathCase{"DigitsKeyIsAKeyNotAnIndex", {key("ports"), key("8080")}, "ports.8080"},
        PathCase{"DashesAndUnderscores", {key("my-key_2")}, "my-key_2"},
        PathCase{"Utf8Key", {key("caf\xC3\xA9")}, "[\"caf\xC3\xA9\"]"}),
    [](const ::testing::TestParamInfo<PathCase>& param) { return param.param.name; });

TEST(ParseFieldPathTest, RejectsMalformedPaths) {
  for (const std::string bad : {".spec", "a[", "a[x]", "a[1", "a[]", "a[\"k", "a[\"k\"", "a[\"k\"x", "a[-1]"}) {
    std::vector<PathSegment> segments;
    EXPECT_FALSE(parseFieldPath(bad, segments)) << bad;
  }
}

TEST(ParseFieldPathTest, ClearsPreviousSegments) {
  std::vector<PathSegment> segments = {PathSegment{false, "stale", 0}};
  ASSERT_TRUE(parseFieldPath("a.b", segments));
  ASSERT_EQ(segments.size(), 2u);
  EXPECT_EQ(segments[0].key, "a");
}

TEST(FieldPathTest, EqualityAndEmptiness) {
  EXPECT_TRUE(FieldPath().empty());
  EXPECT_FALSE(FieldPath().key("a").empty());
  EXPECT_EQ(FieldPath().key("a").index(1), FieldPath("a[1]"));
  EXPECT_NE(FieldPath().key("a"), FieldPath().key("b"));
}

}  // namespace
}  // namespace agentguard::manifest
