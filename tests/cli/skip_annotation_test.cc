// `agentguard check` and agentguard.io/skip: offline there is no user to guard against, so a well-formed
// skip is honoured and reported as skipped; a malformed one fails the check.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/cli/cli_fixture.h"

namespace agentguard::cli {
namespace {

using ::testing::HasSubstr;
using testing::runAgentguard;
using testing::ScratchDir;

std::string nodePort(const std::string& annotations) {
  return "apiVersion: v1\nkind: Service\nmetadata:\n  name: debug\n  namespace: agents\n  annotations:\n" + annotations +
         "spec: {type: NodePort}\n";
}

TEST(SkipAnnotationCliTest, AHonouredSkipIsReportedAsSkipped) {
  ScratchDir dir;
  const auto manifest = dir.write("svc.yaml", nodePort("    agentguard.io/skip: exposure.service-nodeport\n"
                                                       "    agentguard.io/skip-reason: debug port, reviewed\n"));
  const auto json = runAgentguard({"check", "-o", "json", manifest.string()});
  ASSERT_EQ(json.exitCode, 0) << json.out << json.err;
  const auto report = nlohmann::json::parse(json.out);
  ASSERT_EQ(report["findings"].size(), 1u);
  EXPECT_EQ(report["findings"][0]["rule"], "exposure.service-nodeport");
  EXPECT_EQ(report["findings"][0]["action"], "audit");
  EXPECT_EQ(report["findings"][0]["skipped"], nlohmann::json({{"reason", "debug port, reviewed"}}));
  const auto sarif = nlohmann::json::parse(runAgentguard({"check", "-o", "sarif", manifest.string()}).out);
  EXPECT_EQ(sarif["runs"][0]["results"][0]["suppressions"],
            nlohmann::json::parse(R"([{"kind": "inSource", "justification": "debug port, reviewed"}])"));
  const auto text = runAgentguard({"check", manifest.string()});
  EXPECT_EQ(text.exitCode, 0);
  EXPECT_THAT(text.out, HasSubstr("skipped by agentguard.io/skip: debug port, reviewed"));
}

TEST(SkipAnnotationCliTest, ASkipWithoutAReasonFails) {
  ScratchDir dir;
  const auto manifest = dir.write("svc.yaml", nodePort("    agentguard.io/skip: exposure.service-nodeport\n"
                                                       "    agentguard.io/skip-reason: \"  \"\n"));
  const auto result = runAgentguard({"check", "-o", "json", manifest.string()});
  EXPECT_EQ(result.exitCode, 1);
  const auto report = nlohmann::json::parse(result.out);
  std::vector<std::string> rules;
  for (const auto& finding : report["findings"]) rules.push_back(finding["rule"]);
  EXPECT_THAT(rules, ::testing::UnorderedElementsAre("policy.skip-annotation", "exposure.service-nodeport"));
  for (const auto& finding : report["findings"]) {
    if (finding["rule"] != "policy.skip-annotation") continue;
    EXPECT_EQ(finding["path"], "metadata.annotations[\"agentguard.io/skip-reason\"]");
    EXPECT_EQ(finding["location"]["line"], 8);  // the annotation's own line
  }
}

TEST(SkipAnnotationCliTest, ATemplateSkipDoesNotSkipTheWorkload) {
  ScratchDir dir;
  const auto manifest = dir.write("deploy.yaml", R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: shipper, namespace: agents}
spec:
  template:
    metadata:
      annotations:
        agentguard.io/skip: privilege.privileged-container
        agentguard.io/skip-reason: reviewed
    spec:
      containers:
        - name: shipper
          image: registry.example.com/shipper:1.0.0
          securityContext: {privileged: true}
)");
  const auto result = runAgentguard({"check", "-o", "json", manifest.string()});
  EXPECT_EQ(result.exitCode, 1);
  bool denied = false;
  const auto report = nlohmann::json::parse(result.out);
  for (const auto& finding : report["findings"]) {
    denied = denied || (finding["rule"] == "privilege.privileged-container" && finding["action"] == "deny");
  }
  EXPECT_TRUE(denied) << result.out;
}

}  // namespace
}  // namespace agentguard::cli
