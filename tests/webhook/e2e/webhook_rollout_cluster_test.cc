// The rollout switch end to end (docs/rollout.md): the same manifest through the real API server, with
// the webhook started in each --enforcement-mode.

#include "tests/webhook/e2e/webhook_cluster_fixture.h"

namespace agentguard::webhook {
namespace {

using namespace agentguard::webhook::testing;  // NOLINT: the fixture and its helpers

// Refused by exposure.service-loadbalancer, a deny rule of the bundled policies.
const std::string kLoadBalancer = R"(apiVersion: v1
kind: Service
metadata: {name: dashboard, namespace: agents}
spec:
  type: LoadBalancer
  selector: {app: dashboard}
  ports: [{port: 443, targetPort: 8443}]
)";

class ModeClusterTest : public WebhookClusterTest {
 protected:
  virtual std::string mode() const = 0;
  std::vector<std::string> extraWebhookArgs() const override { return {"--enforcement-mode", mode()}; }

  bool serviceExists() const { return kubectl({"-n", isolated_, "get", "service", "dashboard"}).exitCode == 0; }
};

class EnforceModeClusterTest : public ModeClusterTest {
  std::string mode() const override { return "enforce"; }
};
class WarnModeClusterTest : public ModeClusterTest {
  std::string mode() const override { return "warn"; }
};
class AuditModeClusterTest : public ModeClusterTest {
  std::string mode() const override { return "audit"; }
};

TEST_F(EnforceModeClusterTest, RefusesTheLoadBalancer) {
  const auto result = apply(kLoadBalancer);
  expectDenied(result, "[exposure.service-loadbalancer] spec.type: ");
  EXPECT_FALSE(serviceExists());
}

TEST_F(WarnModeClusterTest, AdmitsTheLoadBalancerWithAWarningNamingFieldAndFix) {
  const auto result = apply(kLoadBalancer);
  ASSERT_EQ(result.exitCode, 0) << result.err << "\n" << readFile(logFile());
  EXPECT_THAT(result.err, HasSubstr("Warning: [exposure.service-loadbalancer] denied once enforced: Service " +
                                    isolated_ + "/dashboard: spec.type: "));
  EXPECT_THAT(result.err, HasSubstr("; fix: "));
  EXPECT_TRUE(serviceExists());
  const std::string log = readFile(logFile());
  EXPECT_THAT(log, HasSubstr(R"("enforcementMode":"warn")"));
  EXPECT_THAT(log, HasSubstr(R"("warnedRules":["exposure.service-loadbalancer")"));
}

TEST_F(AuditModeClusterTest, AdmitsTheLoadBalancerSilentlyAndRecordsIt) {
  const auto result = apply(kLoadBalancer);
  ASSERT_EQ(result.exitCode, 0) << result.err << "\n" << readFile(logFile());
  EXPECT_THAT(result.err, Not(HasSubstr("Warning:")));
  EXPECT_TRUE(serviceExists());
  EXPECT_THAT(readFile(logFile()), HasSubstr(R"("auditedRules":["exposure.service-loadbalancer")"));
}

// The webhook's own guards refuse in every mode: an exemption granted during a rollout would outlive it.
TEST_F(AuditModeClusterTest, SkipAnnotationsStillNeedAnExemptionAdmin) {
  const std::string service = R"(apiVersion: v1
kind: Service
metadata:
  name: dashboard
  namespace: agents
  annotations: {agentguard.io/skip: exposure.service-loadbalancer, agentguard.io/skip-reason: "demo"}
spec:
  type: LoadBalancer
  ports: [{port: 443}]
)";
  // The agent may create Services (RBAC lets it) but is no exemption admin.
  ASSERT_EQ(kubectl({"-n", isolated_, "create", "rolebinding", "agent-edit", "--clusterrole=edit",
                     "--serviceaccount=" + isolated_ + ":agent"})
                .exitCode,
            0);
  const auto result = kubectl({"apply", "--as", "system:serviceaccount:" + isolated_ + ":agent", "--as-group",
                               "system:serviceaccounts", "-f", "-"},
                              std::regex_replace(service, std::regex("namespace: agents"), "namespace: " + isolated_));
  EXPECT_NE(result.exitCode, 0) << "admitted:\n" << result.out;
  EXPECT_THAT(result.err, HasSubstr("[webhook.skip-annotation]"));
  EXPECT_FALSE(serviceExists());
}

}  // namespace
}  // namespace agentguard::webhook
