#include "operator/audit/report_builder.h"

#include <gtest/gtest.h>

#include "engine/engine.h"
#include "engine/policy/policy_loader.h"

namespace agentguard::op {
namespace {

constexpr const char* kPolicy = R"(apiVersion: agentguard.io/v1alpha1
kind: Policy
metadata: {name: exposure}
spec:
  rules:
    - id: exposure.service-nodeport
      action: warn
      severity: medium
    - id: exposure.service-external-ips
      action: deny
      severity: critical
    - id: exposure.service-loadbalancer
  exemptions:
    objects:
      - kind: Service
        namespace: edge
        name: gateway
        rules: [exposure.service-loadbalancer]
        reason: reviewed gateway
)";

class ReportBuilderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto set = engine::compilePolicies({{"p.yaml", kPolicy}}, engine::RuleCatalog::builtin());
    ASSERT_TRUE(set.ok()) << set.error().describe();
    policies_ = std::make_shared<const engine::PolicySet>(std::move(set).value());
    engine_ = std::make_unique<engine::Engine>(policies_);
  }

  static nlohmann::json service(const std::string& ns, const std::string& name, const nlohmann::json& spec) {
    return {{"apiVersion", "v1"},
            {"kind", "Service"},
            {"metadata", {{"name", name}, {"namespace", ns}, {"uid", "uid-" + name}}},
            {"spec", spec}};
  }

  // What the background scan does for one object.
  nlohmann::json reportFor(const nlohmann::json& object, ReportFamily family = ReportFamily::kOpenReports) const {
    ScannedObject scanned;
    EXPECT_TRUE(ScannedObject::from(object, scanned));
    ObjectVerdict verdict;
    engine::EvaluationContext context;
    context.exemptedRules = &verdict.exemptedRules;
    context.honourSkipAnnotations = true;
    verdict.findings = engine_->evaluate(object, context);
    return buildReport(family, scanned, *policies_, verdict);
  }

  static const nlohmann::json* resultOf(const nlohmann::json& report, const std::string& rule) {
    for (const auto& result : report["results"]) {
      if (result["rule"] == rule) return &result;
    }
    return nullptr;
  }

  std::shared_ptr<const engine::PolicySet> policies_;
  std::unique_ptr<engine::Engine> engine_;
};

TEST_F(ReportBuilderTest, ViolatedRulesFailOrWarnWithTheirFieldPathAndTheOthersPass) {
  const auto report = reportFor(service("agents", "web", {{"type", "NodePort"}, {"externalIPs", {"203.0.113.7"}}}));
  EXPECT_EQ(report["apiVersion"], "openreports.io/v1alpha1");
  EXPECT_EQ(report["kind"], "Report");
  EXPECT_EQ(report["source"], "agentguard");

  const auto* denied = resultOf(report, "exposure.service-external-ips");
  ASSERT_NE(denied, nullptr);
  EXPECT_EQ((*denied)["result"], "fail");
  EXPECT_EQ((*denied)["severity"], "critical");
  EXPECT_EQ((*denied)["policy"], "exposure");
  EXPECT_EQ((*denied)["category"], "exposure");
  EXPECT_EQ((*denied)["properties"]["path"], "spec.externalIPs[0]");
  EXPECT_EQ((*denied)["properties"]["action"], "deny");
  EXPECT_FALSE((*denied)["message"].get<std::string>().empty());

  const auto* warned = resultOf(report, "exposure.service-nodeport");
  ASSERT_NE(warned, nullptr);
  EXPECT_EQ((*warned)["result"], "warn");
  EXPECT_EQ((*warned)["severity"], "medium");

  const auto* passed = resultOf(report, "exposure.service-loadbalancer");
  ASSERT_NE(passed, nullptr);
  EXPECT_EQ((*passed)["result"], "pass");
  EXPECT_FALSE(passed->contains("properties"));

  EXPECT_EQ(report["summary"], (nlohmann::json{{"pass", 1}, {"fail", 1}, {"warn", 1}, {"error", 0}, {"skip", 0}}));
}

TEST_F(ReportBuilderTest, OwnedByTheObjectNamedAfterItsUidAndScopedToIt) {
  const auto report = reportFor(service("agents", "web", {{"type", "ClusterIP"}}));
  EXPECT_EQ(report["metadata"]["name"], "uid-web");
  EXPECT_EQ(report["metadata"]["namespace"], "agents");
  EXPECT_EQ(report["metadata"]["labels"]["app.kubernetes.io/managed-by"], "agentguard-background-scan");
  ASSERT_EQ(report["metadata"]["ownerReferences"].size(), 1u);
  const auto& owner = report["metadata"]["ownerReferences"][0];
  EXPECT_EQ(owner, (nlohmann::json{{"apiVersion", "v1"}, {"kind", "Service"}, {"name", "web"}, {"uid", "uid-web"}}));
  EXPECT_EQ(report["scope"]["kind"], "Service");
  EXPECT_EQ(report["scope"]["namespace"], "agents");
  EXPECT_EQ(report["summary"]["pass"], 3);
}

TEST_F(ReportBuilderTest, ClusterScopedObjectsGetClusterReports) {
  const nlohmann::json volume = {{"apiVersion", "v1"},
                                 {"kind", "PersistentVolume"},
                                 {"metadata", {{"name", "data"}, {"uid", "uid-data"}}},
                                 {"spec", nlohmann::json::object()}};
  ScannedObject scanned;
  ASSERT_TRUE(ScannedObject::from(volume, scanned));
  const auto open = buildReport(ReportFamily::kOpenReports, scanned, *policies_, {});
  EXPECT_EQ(open["kind"], "ClusterReport");
  EXPECT_FALSE(open["metadata"].contains("namespace"));
  EXPECT_FALSE(open["scope"].contains("namespace"));
  const auto wg = buildReport(ReportFamily::kPolicyReport, scanned, *policies_, {});
  EXPECT_EQ(wg["apiVersion"], "wgpolicyk8s.io/v1alpha2");
  EXPECT_EQ(wg["kind"], "ClusterPolicyReport");
  EXPECT_EQ(reportResource(ReportFamily::kPolicyReport, false).resource, "clusterpolicyreports");
  EXPECT_EQ(reportResource(ReportFamily::kOpenReports, true).path("ns"), "/apis/openreports.io/v1alpha1/namespaces/ns/reports");
}

TEST_F(ReportBuilderTest, ExemptedRulesAreSkippedNotPassed) {
  const auto report = reportFor(service("edge", "gateway", {{"type", "LoadBalancer"}}));
  const auto* exempted = resultOf(report, "exposure.service-loadbalancer");
  ASSERT_NE(exempted, nullptr);
  EXPECT_EQ((*exempted)["result"], "skip");
  EXPECT_EQ(report["summary"]["skip"], 1);
  // The same Service elsewhere is not exempted.
  const auto elsewhere = reportFor(service("agents", "gateway", {{"type", "LoadBalancer"}}));
  EXPECT_EQ((*resultOf(elsewhere, "exposure.service-loadbalancer"))["result"], "fail");
}

TEST_F(ReportBuilderTest, ASkipAnnotationShowsAsSkipWithItsReason) {
  auto object = service("agents", "web", {{"type", "NodePort"}});
  object["metadata"]["annotations"] = {{"agentguard.io/skip", "exposure.service-nodeport"},
                                       {"agentguard.io/skip-reason", "node port for the lab"}};
  const auto report = reportFor(object);
  const auto* skipped = resultOf(report, "exposure.service-nodeport");
  ASSERT_NE(skipped, nullptr);
  EXPECT_EQ((*skipped)["result"], "skip");
  EXPECT_EQ((*skipped)["properties"]["skipReason"], "node port for the lab");
}

TEST_F(ReportBuilderTest, NoEnabledRuleMeansNoReport) {
  const engine::PolicySet none;
  ScannedObject scanned;
  ASSERT_TRUE(ScannedObject::from(service("agents", "web", {{"type", "ClusterIP"}}), scanned));
  EXPECT_TRUE(buildReport(ReportFamily::kOpenReports, scanned, none, {}).is_null());
}

TEST_F(ReportBuilderTest, ObjectsWithoutUidCannotBeReported) {
  auto object = service("agents", "web", {{"type", "ClusterIP"}});
  object["metadata"].erase("uid");
  ScannedObject scanned;
  EXPECT_FALSE(ScannedObject::from(object, scanned));
}

TEST_F(ReportBuilderTest, TheSameVerdictBuildsTheSameReport) {
  const auto object = service("agents", "web", {{"type", "NodePort"}, {"externalIPs", {"203.0.113.7", "198.51.100.1"}}});
  EXPECT_EQ(reportFor(object), reportFor(object));
}

TEST_F(ReportBuilderTest, AnUnchangedReportIsNotWrittenWhateverTheServerAdded) {
  const auto desired = reportFor(service("agents", "web", {{"type", "NodePort"}}));
  auto stored = desired;
  stored["metadata"]["resourceVersion"] = "42";
  stored["metadata"]["uid"] = "report-uid";
  stored["metadata"]["creationTimestamp"] = "2026-01-01T00:00:00Z";
  stored["metadata"]["managedFields"] = nlohmann::json::array({{{"manager", "agentguard-background-scan"}}});
  stored["metadata"]["labels"]["team"] = "platform";
  EXPECT_FALSE(reportNeedsWrite(stored, desired));
  EXPECT_EQ(reportReplacing(stored, desired)["metadata"]["resourceVersion"], "42");
}

TEST_F(ReportBuilderTest, AChangedVerdictOwnerOrLabelIsWritten) {
  const auto before = reportFor(service("agents", "web", {{"type", "NodePort"}}));
  const auto fixed = reportFor(service("agents", "web", {{"type", "ClusterIP"}}));
  EXPECT_TRUE(reportNeedsWrite(before, fixed));
  EXPECT_TRUE(reportNeedsWrite(nullptr, fixed));

  auto relabelled = fixed;
  relabelled["metadata"]["labels"]["app.kubernetes.io/managed-by"] = "someone-else";
  EXPECT_TRUE(reportNeedsWrite(relabelled, fixed));

  auto disowned = fixed;
  disowned["metadata"].erase("ownerReferences");
  EXPECT_TRUE(reportNeedsWrite(disowned, fixed));

  auto edited = fixed;
  edited["results"][0]["result"] = "pass";
  edited["results"][0]["message"] = "edited by hand";
  EXPECT_TRUE(reportNeedsWrite(edited, fixed));
}

TEST_F(ReportBuilderTest, ControllersAreJudgedByTheirPodTemplate) {
  auto set = engine::loadPolicyLayers({"builtin"});
  ASSERT_TRUE(set.ok()) << set.error().describe();
  const auto policies = std::make_shared<const engine::PolicySet>(std::move(set).value());
  const engine::Engine builtin(policies);
  const nlohmann::json deployment = nlohmann::json::parse(R"({
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "shipper", "namespace": "agents", "uid": "uid-shipper"},
    "spec": {"selector": {"matchLabels": {"app": "shipper"}},
             "template": {"metadata": {"labels": {"app": "shipper"}},
                          "spec": {"containers": [{"name": "shipper", "image": "registry.example/shipper@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                                                   "securityContext": {"privileged": true}}]}}}})");
  ScannedObject scanned;
  ASSERT_TRUE(ScannedObject::from(deployment, scanned));
  ObjectVerdict verdict;
  engine::EvaluationContext context;
  context.exemptedRules = &verdict.exemptedRules;
  verdict.findings = builtin.evaluate(deployment, context);
  const auto report = buildReport(ReportFamily::kOpenReports, scanned, *policies, verdict);
  const auto* privileged = resultOf(report, "privilege.privileged-container");
  ASSERT_NE(privileged, nullptr);
  EXPECT_EQ((*privileged)["result"], "fail");
  EXPECT_EQ((*privileged)["properties"]["path"], "spec.template.spec.containers[0].securityContext.privileged");
}

}  // namespace
}  // namespace agentguard::op
