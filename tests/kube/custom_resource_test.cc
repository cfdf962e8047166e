// A CustomResourceDefinition with a status subresource, created through the client, and its objects.

#include <gtest/gtest.h>

#include "common/kube/kube_client.h"
#include "tests/kube/kube_cluster_test.h"

namespace agentguard::kube::testing {
namespace {

class CustomResourceTest : public KubeClusterTest {
 protected:
  void TearDown() override {
    if (!crdName_.empty()) {
      const Status removed = client().remove(resources::customResourceDefinitions(), "", crdName_);
      EXPECT_TRUE(removed.ok()) << removed.error().describe();
    }
    KubeClusterTest::TearDown();
  }

  // Creates a Widget CRD in a group of its own and waits until it is Established.
  Resource defineWidgets() {
    const std::string group = "t" + randomSuffix() + ".kubetest.agentguard.io";
    crdName_ = "widgets." + group;
    const Json schema = {
        {"type", "object"},
        {"properties",
         {{"spec", {{"type", "object"}, {"properties", {{"size", {{"type", "integer"}}}}}}},
          {"status", {{"type", "object"}, {"properties", {{"ready", {{"type", "boolean"}}}}}}}}}};
    const Json crd = {
        {"apiVersion", "apiextensions.k8s.io/v1"},
        {"kind", "CustomResourceDefinition"},
        {"metadata", {{"name", crdName_}}},
        {"spec",
         {{"group", group},
          {"scope", "Namespaced"},
          {"names", {{"plural", "widgets"}, {"singular", "widget"}, {"kind", "Widget"}, {"listKind", "WidgetList"}}},
          {"versions",
           {{{"name", "v1"},
             {"served", true},
             {"storage", true},
             {"schema", {{"openAPIV3Schema", schema}}},
             {"subresources", {{"status", Json::object()}}}}}}}}};
    auto created = client().create(resources::customResourceDefinitions(), "", crd);
    EXPECT_TRUE(created.ok()) << created.error().describe();
    const bool established = waitFor(
        [&] {
          auto current = client().get(resources::customResourceDefinitions(), "", crdName_);
          if (!current.ok()) return false;
          for (const auto& condition : (*current)["status"].value("conditions", Json::array())) {
            if (condition["type"] == "Established" && condition["status"] == "True") return true;
          }
          return false;
        },
        30s);
    EXPECT_TRUE(established) << crdName_ << " did not become Established";
    return Resource{group, "v1", "widgets", true};
  }

 private:
  std::string crdName_;
};

TEST_F(CustomResourceTest, StatusSubresourceIsWrittenSeparately) {
  const std::string ns = createNamespace();
  const Resource widgets = defineWidgets();
  ASSERT_FALSE(HasFailure());
  const Json widget = {{"apiVersion", widgets.group + "/v1"},
                       {"kind", "Widget"},
                       {"metadata", {{"name", "w1"}}},
                       {"spec", {{"size", 1}}},
                       {"status", {{"ready", true}}}};
  // The new resource may take a moment to be served after Established.
  Result<Json> created = makeError(ErrorCode::kInternal, "not tried");
  ASSERT_TRUE(waitFor(
      [&] {
        created = client().create(widgets, ns, widget);
        return created.ok() || created.error().code != ErrorCode::kNotFound;
      },
      30s));
  ASSERT_TRUE(created.ok()) << created.error().describe();
  EXPECT_FALSE((*created).contains("status")) << "status is ignored on create with a status subresource";
  EXPECT_EQ((*created)["metadata"]["generation"], 1);

  Json withStatus = *created;
  withStatus["status"] = {{"ready", true}};
  auto statusWritten = client().replace(widgets, ns, "w1", withStatus, "status");
  ASSERT_TRUE(statusWritten.ok()) << statusWritten.error().describe();
  EXPECT_EQ((*statusWritten)["status"]["ready"], true);
  EXPECT_EQ((*statusWritten)["metadata"]["generation"], 1);  // status writes do not bump generation

  auto specPatched = client().mergePatch(widgets, ns, "w1", {{"spec", {{"size", 3}}}, {"status", {{"ready", false}}}});
  ASSERT_TRUE(specPatched.ok()) << specPatched.error().describe();
  EXPECT_EQ((*specPatched)["spec"]["size"], 3);
  EXPECT_EQ((*specPatched)["metadata"]["generation"], 2);
  EXPECT_EQ((*specPatched)["status"]["ready"], true);  // the main resource ignores status

  auto statusPatched = client().mergePatch(widgets, ns, "w1", {{"status", {{"ready", false}}}}, "status");
  ASSERT_TRUE(statusPatched.ok()) << statusPatched.error().describe();
  EXPECT_EQ((*statusPatched)["status"]["ready"], false);

  WriteOptions manager;
  manager.fieldManager = "kube-test-status";
  manager.force = true;  // status.ready belongs to the merge patches' manager ("agentguard") so far
  auto statusApplied = client().apply(
      widgets, ns, "w1",
      {{"apiVersion", widgets.group + "/v1"}, {"kind", "Widget"}, {"metadata", {{"name", "w1"}}},
       {"status", {{"ready", true}}}},
      "status", manager);
  ASSERT_TRUE(statusApplied.ok()) << statusApplied.error().describe();
  EXPECT_EQ((*statusApplied)["status"]["ready"], true);

  auto fetched = client().get(widgets, ns, "w1", "status");
  ASSERT_TRUE(fetched.ok()) << fetched.error().describe();
  EXPECT_EQ((*fetched)["status"]["ready"], true);
  EXPECT_EQ((*fetched)["spec"]["size"], 3);

  auto invalid = client().mergePatch(widgets, ns, "w1", {{"spec", {{"size", "large"}}}});
  ASSERT_FALSE(invalid.ok());
  EXPECT_EQ(invalid.error().code, ErrorCode::kInvalidArgument) << invalid.error().describe();

  ASSERT_TRUE(client().remove(widgets, ns, "w1").ok());
  EXPECT_EQ(client().get(widgets, ns, "w1").error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace agentguard::kube::testing
