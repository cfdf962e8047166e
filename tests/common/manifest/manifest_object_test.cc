// Reading Kubernetes objects from files: format detection, List flattening, validation, locations.
#include "common/manifest/manifest_object.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace agentguard::manifest {
namespace {

using Json = nlohmann::json;
using ::testing::HasSubstr;

std::vector<ManifestObject> load(std::string_view text, std::string_view source = "in.yaml") {
  auto loaded = loadManifests(text, source);
  EXPECT_TRUE(loaded.ok()) << text << "\n-> " << loaded.error().message;
  return loaded.ok() ? std::move(loaded).value() : std::vector<ManifestObject>{};
}

std::string rejection(std::string_view text, std::string_view source = "in.yaml") {
  auto loaded = loadManifests(text, source);
  EXPECT_FALSE(loaded.ok()) << text;
  return loaded.ok() ? "" : loaded.error().message;
}

TEST(LoadManifestsTest, ReadsEveryDocumentWithItsLine) {
  const auto objects = load(
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"
      "---\n"
      "# the second object\n"
      "apiVersion: v1\nkind: Service\nmetadata: {name: b}\nspec:\n  type: NodePort\n",
      "deploy.yaml");
  ASSERT_EQ(objects.size(), 2u);
  EXPECT_EQ(objects[0].body["kind"], "ConfigMap");
  EXPECT_EQ(objects[0].line, 1);
  EXPECT_EQ(objects[0].source, "deploy.yaml");
  EXPECT_EQ(objects[0].pathPrefix, "");
  EXPECT_EQ(objects[1].body["kind"], "Service");
  EXPECT_EQ(objects[1].line, 6);
  EXPECT_EQ(objects[1].lineOf("spec.type"), 10);
  EXPECT_EQ(objects[1].lineOf("spec.missing"), 9);
}

TEST(LoadManifestsTest, FlattensListsWithPrefixesAndLines) {
  const auto objects = load(
      "apiVersion: v1\n"                    // 1
      "kind: List\n"                        // 2
      "items:\n"                            // 3
      "  - apiVersion: v1\n"                // 4
      "    kind: ConfigMap\n"               // 5
      "    metadata: {name: a}\n"           // 6
      "  - apiVersion: v1\n"                // 7
      "    kind: Service\n"                 // 8
      "    metadata: {name: b}\n"           // 9
      "    spec:\n"                         // 10
      "      type: NodePort\n");            // 11
  ASSERT_EQ(objects.size(), 2u);
  EXPECT_EQ(objects[0].pathPrefix, "items[0]");
  EXPECT_EQ(objects[0].line, 4);
  EXPECT_EQ(objects[1].pathPrefix, "items[1]");
  EXPECT_EQ(objects[1].line, 7);
  EXPECT_EQ(objects[1].body["metadata"]["name"], "b");
  EXPECT_EQ(objects[1].lineOf("spec.type"), 11);
  EXPECT_EQ(objects[1].lineOf(""), 7);
}

TEST(LoadManifestsTest, FlattensNestedTypedLists) {
  const auto objects = load(
      "apiVersion: v1\n"                           // 1
      "kind: List\n"                               // 2
      "items:\n"                                   // 3
      "  - apiVersion: v1\n"                       // 4
      "    kind: ConfigMap\n"                      // 5
      "    metadata: {name: first}\n"              // 6
      "  - apiVersion: apps/v1\n"                  // 7
      "    kind: DeploymentList\n"                 // 8
      "    items:\n"                               // 9
      "      - apiVersion: apps/v1\n"              // 10
      "        kind: Deployment\n"                 // 11
      "        metadata: {name: inner}\n"          // 12
      "        spec:\n"                            // 13
      "          replicas: 2\n"                    // 14
      "      - apiVersion: v1\n"                   // 15
      "        kind: ServiceList\n"                // 16
      "        items:\n"                           // 17
      "          - apiVersion: v1\n"               // 18
      "            kind: Service\n"                // 19
      "            metadata: {name: deepest}\n");  // 20
  ASSERT_EQ(objects.size(), 3u);
  EXPECT_EQ(objects[0].pathPrefix, "items[0]");
  EXPECT_EQ(objects[1].pathPrefix, "items[1].items[0]");
  EXPECT_EQ(objects[1].line, 10);
  EXPECT_EQ(objects[1].lineOf("spec.replicas"), 14);
  EXPECT_EQ(objects[2].pathPrefix, "items[1].items[1].items[0]");
  EXPECT_EQ(objects[2].line, 18);
  EXPECT_EQ(objects[2].body["metadata"]["name"], "deepest");
}

TEST(LoadManifestsTest, EmptyListGivesNoObjects) {
  EXPECT_TRUE(load("apiVersion: v1\nkind: List\nitems: []\n").empty());
}

TEST(LoadManifestsTest, ListsNestedWithoutEndAreRejected) {
  std::string json = R"({"apiVersion":"v1","kind":"ConfigMap"})";
  for (int i = 0; i < 20; ++i) json = R"({"apiVersion":"v1","kind":"List","items":[)" + json + "]}";
  EXPECT_THAT(rejection(json, "deep.json"), HasSubstr("List kinds nested too deeply"));
}

TEST(LoadManifestsTest, ReadsJsonDocumentsAndLists) {
  const auto objects = load(R"({"apiVersion":"v1","kind":"List","items":[
      {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}},
      {"apiVersion":"v1","kind":"Secret","metadata":{"name":"b"}}]})",
                            "list.json");
  ASSERT_EQ(objects.size(), 2u);
  EXPECT_EQ(objects[1].body["kind"], "Secret");
  EXPECT_EQ(objects[1].pathPrefix, "items[1]");
  // JSON carries no positions: every field maps to the first line.
  EXPECT_EQ(objects[1].line, 1);
  EXPECT_EQ(objects[1].lineOf("metadata.name"), 1);
}

struct DetectionCase {
  std::string name;
  std::string text;
  bool ok;
  std::string message;  // expected in the error when !ok
};

class FormatDetectionTest : public ::testing::TestWithParam<DetectionCase> {};

TEST_P(FormatDetectionTest, PicksTheParserByTheFirstCharacter) {
  const DetectionCase& c = GetParam();
  auto loaded = loadManifests(c.text, "x");
  EXPECT_EQ(loaded.ok(), c.ok) << (loaded.ok() ? "" : loaded.error().message);
  if (!loaded.ok()) {
    EXPECT_THAT(loaded.error().message, HasSubstr(c.message));
  }
}

INSTANTIATE_TEST_SUITE_P(
    LoadManifests, FormatDetectionTest,
    ::testing::Values(
        DetectionCase{"JsonObject", R"({"apiVersion":"v1","kind":"ConfigMap"})", true, ""},
        DetectionCase{"JsonAfterWhitespace", "\n\n  \t{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\"}\n", true, ""},
        // Like kubectl, a leading brace means JSON, so YAML flow syntax there is a JSON error.
        DetectionCase{"YamlFlowMappingIsReadAsJson", "{apiVersion: v1, kind: ConfigMap}", false, "malformed JSON"},
        DetectionCase{"JsonDuplicateKey", R"({"apiVersion":"v1","kind":"ConfigMap","kind":"Secret"})", false,
                      "x: malformed JSON: duplicate key \"kind\" at the top level"},
        DetectionCase{"JsonArrayIsNotAnObject", R"([{"apiVersion":"v1","kind":"ConfigMap"}])", false,
                      "x:1: not a Kubernetes object"},
        DetectionCase{"YamlWithLeadingComment", "# {json?}\napiVersion: v1\nkind: ConfigMap\n", true, ""},
        DetectionCase{"YamlDocumentMarker", "---\napiVersion: v1\nkind: ConfigMap\n", true, ""},
        DetectionCase{"MalformedYamlNamesTheSource", "kind: [\n", false, "x: malformed YAML: line"}),
    [](const ::testing::TestParamInfo<DetectionCase>& param) { return param.param.name; });

struct InvalidCase {
  std::string name;
  std::string text;
  std::string message;
};

class InvalidObjectTest : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(InvalidObjectTest, NamesFileAndLine) {
  EXPECT_THAT(rejection(GetParam().text, "bad.yaml"), HasSubstr(GetParam().message));
}

INSTANTIATE_TEST_SUITE_P(
    LoadManifests, InvalidObjectTest,
    ::testing::Values(
        InvalidCase{"MissingKind", "apiVersion: v1\nmetadata: {name: a}\n", "bad.yaml:1: not a Kubernetes object: kind is missing"},
        InvalidCase{"MissingApiVersion", "kind: Pod\n", "bad.yaml:1: not a Kubernetes object: apiVersion is missing"},
        InvalidCase{"EmptyKind", "apiVersion: v1\nkind: ''\n", "bad.yaml:1: not a Kubernetes object: kind"},
        InvalidCase{"KindNotAString", "apiVersion: v1\nkind: 7\n", "bad.yaml:1: not a Kubernetes object: kind"},
        InvalidCase{"SecondDocument", "apiVersion: v1\nkind: Pod\n---\n\nkind: Pod\n", "bad.yaml:5: not a Kubernetes object: apiVersion"},
        InvalidCase{"ScalarDocument", "just text\n", "bad.yaml:1: not a Kubernetes object: expected a mapping"},
        InvalidCase{"SequenceDocument", "- a\n- b\n", "bad.yaml:1: not a Kubernetes object"},
        InvalidCase{"MetadataNotAMapping", "apiVersion: v1\nkind: Pod\nmetadata: [a]\n", "bad.yaml:1: metadata must be a mapping"},
        InvalidCase{"ListItemWithoutKind", "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Pod\n  - apiVersion: v1\n",
                    "bad.yaml:6: items[1]: not a Kubernetes object: kind"},
        InvalidCase{"ListItemScalar", "apiVersion: v1\nkind: List\nitems:\n  - 42\n", "bad.yaml:4: items[0]: not a Kubernetes object"}),
    [](const ::testing::TestParamInfo<InvalidCase>& param) { return param.param.name; });

TEST(LoadManifestsTest, NullMetadataIsAccepted) {
  EXPECT_EQ(load("apiVersion: v1\nkind: Namespace\nmetadata:\n").size(), 1u);
}

TEST(LoadManifestsTest, KindListWithoutItemsIsAnOrdinaryObject) {
  const auto objects = load("apiVersion: v1\nkind: List\n");
  ASSERT_EQ(objects.size(), 1u);
  EXPECT_EQ(objects[0].body["kind"], "List");
}

// ---- items on any kind: kubectl applies the items of every object that has them --------------

struct ItemsCase {
  std::string name;
  std::string text;
  std::vector<std::string> objects;  // "apiVersion kind name" of each object read, in order
};

void PrintTo(const ItemsCase& c, std::ostream* os) { *os << c.name; }

class ItemsOnAnyKindTest : public ::testing::TestWithParam<ItemsCase> {};

TEST_P(ItemsOnAnyKindTest, ReadsTheObjectsKubectlApplies) {
  std::vector<std::string> read;
  for (const auto& object : load(GetParam().text)) {
    const Json& body = object.body;
    read.push_back(body.value("apiVersion", "") + " " + body.value("kind", "") + " " +
                   body.value("/metadata/name"_json_pointer, ""));
  }
  EXPECT_EQ(read, GetParam().objects);
}

// What kubectl 1.32 applied for each (kubectl annotate --local -o json).
INSTANTIATE_TEST_SUITE_P(
    LoadManifests, ItemsOnAnyKindTest,
    ::testing::Values(
        ItemsCase{"ConfigMapCarryingAPod",
                  "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: decoy}\nitems:\n"
                  "- {apiVersion: v1, kind: Pod, metadata: {name: miner}, spec: {hostNetwork: true}}\n",
                  {"v1 Pod miner"}},
        ItemsCase{"DeploymentItemsInheritItsType",
                  "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: decoy}\nitems:\n- metadata: {name: hidden}\n",
                  {"apps/v1 Deployment hidden"}},
        ItemsCase{"PodListBareItemsArePods",
                  "apiVersion: v1\nkind: PodList\nitems:\n- metadata: {name: a}\n- {apiVersion: '', kind: '', metadata: {name: b}}\n",
                  {"v1 Pod a", "v1 Pod b"}},
        ItemsCase{"ServiceWithItemsAndOwnSpec",
                  "apiVersion: v1\nkind: Service\nmetadata: {name: decoy}\nspec: {type: ClusterIP}\nitems:\n"
                  "- {apiVersion: v1, kind: Service, metadata: {name: open}, spec: {type: LoadBalancer}}\n",
                  {"v1 Service open"}},
        ItemsCase{"ItemsNullAppliesNothing", "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nitems:\n", {}},
        ItemsCase{"ItemsEmptyAppliesNothing", "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nitems: []\n", {}},
        ItemsCase{"JsonObjectWithItems",
                  R"({"apiVersion":"v1","kind":"Secret","items":[{"apiVersion":"v1","kind":"Pod","metadata":{"name":"j"}}]})",
                  {"v1 Pod j"}},
        ItemsCase{"NestedNonListKind",
                  "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  items:\n"
                  "  - {apiVersion: v1, kind: Pod, metadata: {name: deep}}\n",
                  {"v1 Pod deep"}}),
    [](const ::testing::TestParamInfo<ItemsCase>& param) { return param.param.name; });

TEST(LoadManifestsTest, RefusesItemsKubectlCannotRead) {
  EXPECT_THAT(rejection("apiVersion: v1\nkind: ConfigMap\nitems: {a: 1}\n", "bad.yaml"),
              HasSubstr("bad.yaml:1: items must be a list of objects"));
  EXPECT_THAT(rejection("apiVersion: v1\nkind: ConfigMap\nitems: 5\n"), HasSubstr("items must be a list"));
  // The list itself needs a kind (kubectl: "Object 'Kind' is missing").
  EXPECT_THAT(rejection("apiVersion: v1\nmetadata: {name: a}\nitems:\n- {apiVersion: v1, kind: Pod}\n"),
              HasSubstr("kind is missing"));
  // An item with a kind but no apiVersion inherits nothing.
  EXPECT_THAT(rejection("apiVersion: v1\nkind: PodList\nitems:\n- {kind: Pod}\n"),
              HasSubstr("items[0]: not a Kubernetes object: apiVersion"));
}

TEST(LoadManifestsTest, ParseLimitsApply) {
  ParseLimits limits;
  limits.maxNodes = 5;
  auto loaded = loadManifests("apiVersion: v1\nkind: ConfigMap\ndata: {a: 1, b: 2, c: 3}\n", "cm.yaml", limits);
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.error().message, HasSubstr("cm.yaml: "));
  EXPECT_THAT(loaded.error().message, HasSubstr("more than 5 values"));
}

}  // namespace
}  // namespace agentguard::manifest
