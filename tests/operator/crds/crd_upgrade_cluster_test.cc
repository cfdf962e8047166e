// CRD upgrades (the chart's pre-upgrade hook) against the real local API server, on a CRD of their own.
#include <gtest/gtest.h>

#include "operator/crds/crd_upgrade.h"
#include "tests/operator/support/operator_cluster_fixture.h"

namespace agentguard::op::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kName = "widgets.crdupgrade.agentguard.test";

json widgetCrd(const json& specProperties, const json& labels) {
  return {{"apiVersion", "apiextensions.k8s.io/v1"},
          {"kind", "CustomResourceDefinition"},
          {"metadata", {{"name", kName}, {"labels", labels}}},
          {"spec",
           {{"group", "crdupgrade.agentguard.test"},
            {"names", {{"kind", "Widget"}, {"plural", "widgets"}}},
            {"scope", "Namespaced"},
            {"versions", json::array({{{"name", "v1"},
                                       {"served", true},
                                       {"storage", true},
                                       {"schema",
                                        {{"openAPIV3Schema",
                                          {{"type", "object"},
                                           {"properties",
                                            {{"spec", {{"type", "object"}, {"properties", specProperties}}}}}}}}}}})}}}};
}

json specProperties(const json& crd) {
  return crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"];
}

class ClusterCrdUpgradeTest : public OperatorClusterTest {
 protected:
  void SetUp() override {
    OperatorClusterTest::SetUp();
    removeCrd();
  }
  void TearDown() override {
    removeCrd();
    OperatorClusterTest::TearDown();
  }
  void removeCrd() {
    (void)client_->remove(kube::resources::customResourceDefinitions(), "", kName);
    waitUntil([&] { return !get(kube::resources::customResourceDefinitions(), kName).has_value(); }, 30s);
  }
  json live() { return get(kube::resources::customResourceDefinitions(), kName).value_or(json::object()); }
};

TEST_F(ClusterCrdUpgradeTest, CreatesAnAbsentCrdAndWaitsUntilItIsEstablished) {
  const json v1 = widgetCrd({{"size", {{"type", "integer"}}}}, {{"owner", "chart"}});
  ASSERT_TRUE(upgradeCrds(*client_, {v1}, logger_, clock_, 30s).ok());
  const json crd = live();
  EXPECT_EQ(specProperties(crd), specProperties(v1));
  bool established = false;
  for (const json& condition : crd["status"]["conditions"]) {
    if (condition["type"] == "Established") established = condition["status"] == "True";
  }
  EXPECT_TRUE(established) << crd["status"].dump();
}

TEST_F(ClusterCrdUpgradeTest, ReplacesTheSpecSoADroppedPropertyIsGoneAndMergesLabels) {
  const json old = widgetCrd({{"size", {{"type", "integer"}}}, {"color", {{"type", "string"}}}},
                             {{"owner", "chart"}, {"team", "platform"}});
  ASSERT_TRUE(upgradeCrds(*client_, {old}, logger_, clock_, 30s).ok());

  const json next = widgetCrd({{"size", {{"type", "integer"}}}, {"shape", {{"type", "string"}}}}, {{"owner", "chart-v2"}});
  Status upgraded = upgradeCrds(*client_, {next}, logger_, clock_, 30s);
  ASSERT_TRUE(upgraded.ok()) << upgraded.error().describe();
  const json crd = live();
  EXPECT_EQ(specProperties(crd), specProperties(next)) << "the schema is the new file's, 'color' removed";
  EXPECT_EQ(crd["metadata"]["labels"]["owner"], "chart-v2") << "the file's label wins";
  EXPECT_EQ(crd["metadata"]["labels"]["team"], "platform") << "a label set on the cluster is kept";

  // The new property is served: a Widget keeps it rather than having it pruned.
  const kube::Resource widgets{"crdupgrade.agentguard.test", "v1", "widgets", true};
  const json widget = {{"apiVersion", "crdupgrade.agentguard.test/v1"},
                       {"kind", "Widget"},
                       {"metadata", {{"name", "w"}}},
                       {"spec", {{"size", 3}, {"shape", "round"}}}};
  std::optional<Result<json>> created;
  ASSERT_TRUE(waitUntil([&] { return (created = client_->create(widgets, ns_, widget))->ok(); }, 20s))
      << created->error().describe();
  EXPECT_EQ((**created)["spec"]["shape"], "round");

  // Once more with the same file: nothing is written.
  const std::string version = crd["metadata"]["resourceVersion"];
  ASSERT_TRUE(upgradeCrds(*client_, {next}, logger_, clock_, 30s).ok());
  EXPECT_EQ(live()["metadata"]["resourceVersion"], version);
}

TEST_F(ClusterCrdUpgradeTest, AnUpgradeTheServerRefusesIsAnErrorNamingTheCrd) {
  json invalid = widgetCrd({{"size", {{"type", "integer"}}}}, json::object());
  invalid["spec"]["versions"][0]["storage"] = false;  // no storage version: the server refuses it
  Status upgraded = upgradeCrds(*client_, {invalid}, logger_, clock_, 30s);
  ASSERT_FALSE(upgraded.ok());
  EXPECT_NE(upgraded.error().describe().find(kName), std::string::npos) << upgraded.error().describe();
  EXPECT_TRUE(live().empty()) << "nothing was created";
}

}  // namespace
}  // namespace agentguard::op::testing
