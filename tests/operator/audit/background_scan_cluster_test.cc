// The background audit against the real local API server (with kube-controller-manager, whose garbage
// collector removes a report with its object).
#include "operator/audit/background_scan.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "tests/operator/support/operator_cluster_fixture.h"
#include "tests/support/scratch_dir.h"

namespace agentguard::op::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const kube::Resource kDeployments{"apps", "v1", "deployments", true};

json privilegedDeployment(const std::string& ns, bool privileged) {
  json container = {{"name", "shipper"},
                    {"image", "registry.example/shipper@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}};
  if (privileged) container["securityContext"] = {{"privileged", true}};
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata", {{"name", "shipper"}, {"namespace", ns}}},
          {"spec",
           {{"replicas", 1},
            {"selector", {{"matchLabels", {{"app", "shipper"}}}}},
            {"template", {{"metadata", {{"labels", {{"app", "shipper"}}}}}, {"spec", {{"containers", {container}}}}}}}}};
}

class ClusterBackgroundScanTest : public OperatorClusterTest {
 protected:
  void SetUp() override {
    OperatorClusterTest::SetUp();
    if (HasFatalFailure()) return;
    for (const char* name : {"reports", "clusterreports"}) {
      const std::string crd = std::string(AGENTGUARD_SOURCE_DIR) + "/crds/openreports/openreports.io_" + name + ".yaml";
      auto applied = cluster().kubectl({"apply", "-f", crd});
      ASSERT_EQ(applied.exitCode, 0) << applied.err;
      ASSERT_TRUE(cluster().waitForCrdEstablished(std::string(name) + ".openreports.io"));
    }
  }

  BackgroundScanOptions scanOptions() const {
    BackgroundScanOptions options;
    options.policyLayers = {"builtin"};
    // As the chart renders the webhook's: this test's namespace only.
    options.namespaceSelector = {
        {"matchExpressions", {{{"key", "kubernetes.io/metadata.name"}, {"operator", "In"}, {"values", {ns_}}}}}};
    return options;
  }

  std::optional<json> report(const std::string& uid) const {
    return get(reportResource(ReportFamily::kOpenReports, true), uid);
  }

  static const json* resultOf(const json& report, const std::string& rule) {
    for (const auto& result : report["results"]) {
      if (result["rule"] == rule) return &result;
    }
    return nullptr;
  }

  std::string uidOf(const json& object) const { return object["metadata"]["uid"].get<std::string>(); }
};

TEST_F(ClusterBackgroundScanTest, ReportsFollowTheObjectsTheyDescribe) {
  // Admitted before agentguard: a privileged Deployment and a NodePort Service.
  auto deployment = client_->create(kDeployments, ns_, privilegedDeployment(ns_, true));
  ASSERT_TRUE(deployment.ok()) << deployment.error().describe();
  auto service = client_->create(kube::resources::services(), ns_,
                                 {{"apiVersion", "v1"},
                                  {"kind", "Service"},
                                  {"metadata", {{"name", "web"}, {"namespace", ns_}}},
                                  {"spec", {{"type", "NodePort"}, {"ports", {{{"port", 80}}}}}}});
  ASSERT_TRUE(service.ok()) << service.error().describe();

  auto registry = std::make_shared<prometheus::Registry>();
  BackgroundScanMetrics metrics(registry);
  BackgroundScanner scanner(*client_, *client_, scanOptions(), metrics, logger_, [] { return true; });
  auto first = scanner.scanOnce();
  ASSERT_TRUE(first.ok()) << first.error().describe();
  EXPECT_EQ(first->namespaces, 1u);
  EXPECT_GE(first->created, 2u);
  EXPECT_EQ(first->errors, 0u) << logs_.str();

  auto deploymentReport = report(uidOf(*deployment));
  ASSERT_TRUE(deploymentReport.has_value()) << "no Report for the Deployment";
  EXPECT_EQ((*deploymentReport)["source"], "agentguard");
  EXPECT_EQ((*deploymentReport)["scope"]["kind"], "Deployment");
  EXPECT_EQ((*deploymentReport)["metadata"]["ownerReferences"][0]["uid"], uidOf(*deployment));
  const json* privileged = resultOf(*deploymentReport, "privilege.privileged-container");
  ASSERT_NE(privileged, nullptr);
  EXPECT_EQ((*privileged)["result"], "fail");
  EXPECT_EQ((*privileged)["severity"], "critical");
  EXPECT_EQ((*privileged)["properties"]["path"], "spec.template.spec.containers[0].securityContext.privileged");
  EXPECT_GE((*deploymentReport)["summary"]["fail"].get<int>(), 1);

  auto serviceReport = report(uidOf(*service));
  ASSERT_TRUE(serviceReport.has_value()) << "no Report for the Service";
  const json* nodePort = resultOf(*serviceReport, "exposure.service-nodeport");
  ASSERT_NE(nodePort, nullptr);
  EXPECT_EQ((*nodePort)["result"], "fail");
  EXPECT_EQ((*nodePort)["properties"]["path"], "spec.type");
  EXPECT_GE(metrics.results({"fail", "critical", "privilege.privileged-container"}), 1);

  // Nothing changed: nothing is written (the API server keeps the report as it was sent).
  auto again = scanner.scanOnce();
  ASSERT_TRUE(again.ok()) << again.error().describe();
  EXPECT_EQ(again->updated, 0u) << "a report was rewritten although nothing changed";
  EXPECT_EQ(again->deleted, 0u);
  EXPECT_EQ(again->unchanged, first->created);

  // The team fixes the Deployment: its report follows.
  json fixed = privilegedDeployment(ns_, false);
  auto current = get(kDeployments, "shipper");
  ASSERT_TRUE(current.has_value());
  fixed["metadata"]["resourceVersion"] = (*current)["metadata"]["resourceVersion"];
  auto replaced = client_->replace(kDeployments, ns_, "shipper", fixed);
  ASSERT_TRUE(replaced.ok()) << replaced.error().describe();
  auto afterFix = scanner.scanOnce();
  ASSERT_TRUE(afterFix.ok()) << afterFix.error().describe();
  EXPECT_GE(afterFix->updated, 1u);
  deploymentReport = report(uidOf(*deployment));
  ASSERT_TRUE(deploymentReport.has_value());
  privileged = resultOf(*deploymentReport, "privilege.privileged-container");
  ASSERT_NE(privileged, nullptr);
  EXPECT_EQ((*privileged)["result"], "pass");

  // Deleted: the garbage collector removes its report with it.
  ASSERT_TRUE(client_->remove(kDeployments, ns_, "shipper").ok());
  EXPECT_TRUE(waitUntil([&] { return !report(uidOf(*deployment)).has_value(); }, 60s))
      << "the Deployment's Report outlived it";

  // The namespace leaves the guarded set (labelled exempt, say): its reports are removed as stale.
  BackgroundScanOptions none = scanOptions();
  none.namespaceSelector = {{"matchLabels", {{"agentguard.test/never", "set"}}}};
  BackgroundScanner unguarded(*client_, *client_, none, metrics, logger_, [] { return true; });
  auto stale = unguarded.scanOnce();
  ASSERT_TRUE(stale.ok()) << stale.error().describe();
  EXPECT_GE(stale->deleted, 1u);
  EXPECT_FALSE(report(uidOf(*service)).has_value()) << "a report of an unguarded namespace stayed";
  EXPECT_GE(metrics.reports("deleted"), 1);
}

TEST_F(ClusterBackgroundScanTest, APolicyChangeStartsAScanAtOnce) {
  const agentguard::testing::ScratchDir policies("audit-policies");
  const auto writePolicy = [&policies](const std::string& action) {
    std::ofstream(policies / "exposure.yaml") << "apiVersion: agentguard.io/v1alpha1\nkind: Policy\n"
                                                 "metadata: {name: exposure}\nspec:\n  rules:\n"
                                                 "    - id: exposure.service-nodeport\n      action: "
                                              << action << "\n";
  };
  writePolicy("deny");
  auto service = client_->create(kube::resources::services(), ns_,
                                 {{"apiVersion", "v1"},
                                  {"kind", "Service"},
                                  {"metadata", {{"name", "web"}, {"namespace", ns_}}},
                                  {"spec", {{"type", "NodePort"}, {"ports", {{{"port", 80}}}}}}});
  ASSERT_TRUE(service.ok()) << service.error().describe();

  BackgroundScanOptions options = scanOptions();
  options.policyLayers = {policies.path().string()};
  options.policyCheck = 200ms;  // the interval (1h) never comes within the test
  auto registry = std::make_shared<prometheus::Registry>();
  BackgroundScanMetrics metrics(registry);
  BackgroundScanner scanner(*client_, *client_, options, metrics, logger_, [] { return true; });
  scanner.start();
  const auto resultNow = [&]() -> std::string {
    auto found = report(uidOf(*service));
    if (!found) return "";
    const json* result = resultOf(*found, "exposure.service-nodeport");
    return result == nullptr ? "" : (*result)["result"].get<std::string>();
  };
  EXPECT_TRUE(waitUntil([&] { return resultNow() == "fail"; }, 30s)) << "first scan: " << resultNow();
  writePolicy("warn");
  EXPECT_TRUE(waitUntil([&] { return resultNow() == "warn"; }, 30s))
      << "the changed policy was not applied to the report: " << resultNow() << "\n" << logs_.str();
  scanner.stop();
}

}  // namespace
}  // namespace agentguard::op::testing
