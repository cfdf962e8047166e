// Lines of fields in parsed YAML, as reports show them.
#include "common/manifest/source_map.h"

#include <gtest/gtest.h>

#include "common/manifest/yaml_stream.h"

namespace agentguard::manifest {
namespace {

constexpr std::string_view kDeployment =
    "apiVersion: apps/v1\n"                             // 1
    "kind: Deployment\n"                                // 2
    "metadata:\n"                                       // 3
    "  name: scraper\n"                                 // 4
    "  annotations:\n"                                  // 5
    "    example.com/owner: team-a\n"                   // 6
    "spec:\n"                                           // 7
    "  template:\n"                                     // 8
    "    spec:\n"                                       // 9
    "      containers:\n"                               // 10
    "        - name: app\n"                             // 11
    "          image: app:1\n"                          // 12
    "        -\n"                                       // 13
    "          name: sidecar\n"                         // 14
    "          securityContext:\n"                      // 15
    "            privileged: yes\n"                     // 16
    "      volumes: [{name: a}, {name: b, emptyDir: {}}]\n"  // 17
    "      0x10: hex-key\n";                            // 18

struct LineCase {
  std::string name;
  std::string path;
  int line;
};

class SourceMapTest : public ::testing::TestWithParam<LineCase> {};

TEST_P(SourceMapTest, FindsTheLineOfAField) {
  auto parsed = parseYamlStream(kDeployment);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  ASSERT_EQ(parsed->size(), 1u);
  EXPECT_EQ((*parsed)[0].sourceMap->lineOf(GetParam().path), GetParam().line) << GetParam().path;
}

INSTANTIATE_TEST_SUITE_P(
    YamlSourceMap, SourceMapTest,
    ::testing::Values(
        LineCase{"Root", "", 1}, LineCase{"TopLevelKey", "kind", 2}, LineCase{"NestedKey", "metadata.name", 4},
        LineCase{"BracketedKey", "metadata.annotations[\"example.com/owner\"]", 6},
        LineCase{"DeepPath", "spec.template.spec.containers[0].image", 12},
        LineCase{"SequenceItem", "spec.template.spec.containers[0]", 11},
        LineCase{"SequenceItemStartingOnNextLine", "spec.template.spec.containers[1]", 14},
        LineCase{"FieldOfSecondItem", "spec.template.spec.containers[1].securityContext.privileged", 16},
        LineCase{"FlowSequenceItem", "spec.template.spec.volumes[1].emptyDir", 17},
        LineCase{"ResolvedKey", "spec.template.spec[\"16\"]", 18},
        LineCase{"MissingFieldFallsBackToParent", "spec.template.spec.containers[0].securityContext.privileged", 11},
        LineCase{"IndexPastTheEnd", "spec.template.spec.containers[7].image", 10},
        LineCase{"IndexIntoAMapping", "metadata[0]", 3}, LineCase{"KeyIntoAScalar", "kind.value", 2},
        LineCase{"MalformedPath", "spec[\"unterminated", 1}),
    [](const ::testing::TestParamInfo<LineCase>& param) { return param.param.name; });

TEST(YamlSourceMapTest, MergedFieldsPointAtTheirDefinition) {
  constexpr std::string_view kText =
      "defaults: &defaults\n"     // 1
      "  privileged: true\n"      // 2
      "  user: 0\n"               // 3
      "extra: &extra\n"           // 4
      "  user: 1000\n"            // 5
      "  readOnly: true\n"        // 6
      "single:\n"                 // 7
      "  <<: *defaults\n"         // 8
      "  name: one\n"             // 9
      "list:\n"                   // 10
      "  <<: [*extra, *defaults]\n"  // 11
      "  name: two\n"             // 12
      "overridden:\n"             // 13
      "  <<: *defaults\n"         // 14
      "  privileged: false\n";    // 15
  auto parsed = parseYamlStream(kText);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  const SourceMap& map = *(*parsed)[0].sourceMap;
  EXPECT_EQ(map.lineOf("single.privileged"), 2);
  EXPECT_EQ(map.lineOf("single.name"), 9);
  EXPECT_EQ(map.lineOf("list.user"), 5);        // the earlier map of the list wins
  EXPECT_EQ(map.lineOf("list.privileged"), 2);  // only in the later one
  EXPECT_EQ(map.lineOf("list.readOnly"), 6);
  EXPECT_EQ(map.lineOf("overridden.privileged"), 15);
  EXPECT_EQ(map.lineOf("single.missing"), 7);
  // And the values agree with the lines.
  EXPECT_EQ((*parsed)[0].value["list"]["user"], 1000);
  EXPECT_EQ((*parsed)[0].value["overridden"]["privileged"], false);
}

TEST(YamlSourceMapTest, LinesCountFromTheStartOfTheStream) {
  auto parsed = parseYamlStream("a: 1\n---\nkind: Service\nspec:\n  type: NodePort\n");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[1].sourceMap->lineOf("spec.type"), 5);
  EXPECT_EQ((*parsed)[1].sourceMap->lineOf(""), 3);
}

}  // namespace
}  // namespace agentguard::manifest
