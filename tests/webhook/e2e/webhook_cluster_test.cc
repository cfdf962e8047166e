// agentguard-webhook end to end: refusals, warnings, updates and status through the real API server.

#include "tests/webhook/e2e/webhook_cluster_fixture.h"

namespace agentguard::webhook {
namespace {

using namespace agentguard::webhook::testing;  // NOLINT: the fixture and its helpers

TEST_F(WebhookClusterTest, RefusesUnsafeObjectsAndAdmitsHardenedOnes) {
  // The hardened bundle first: its NetworkPolicy isolates the namespace the others are applied in. The
  // webhook learns of the NetworkPolicy through its watch a moment later, so the workload may need a retry.
  const std::string hardened = readFile(fs::path(AGENTGUARD_SOURCE_DIR) / "examples/hardened/agent-bundle.yaml");
  CommandResult admitted;
  ASSERT_TRUE(agentguard::testing::waitFor([&] { return (admitted = apply(hardened)).exitCode == 0; },
                                           std::chrono::seconds(20)))
      << admitted.err << "\n" << readFile(logFile());
  EXPECT_THAT(admitted.out, HasSubstr("deployment.apps/research-agent"));

  expectRefused("unsafe/loadbalancer-service.yaml", "[exposure.service-loadbalancer] spec.type: ");
  expectRefused("unsafe/deployment-without-networkpolicy.yaml", "[network-isolation.egress-unrestricted] ");
  if (bundledPoliciesCover("privilege")) {
    expectRefused("unsafe/privileged-deployment.yaml", "[privilege.privileged-container] "
                                                       "spec.template.spec.containers[0].securityContext.privileged");
  }
  if (bundledPoliciesCover("credentials")) expectRefused("unsafe/pod-with-api-key.yaml", "[credentials.");

  // Nothing refused was created.
  EXPECT_NE(kubectl({"-n", isolated_, "get", "service", "dashboard"}).exitCode, 0);

  // dry-run requests reach the webhook and are refused the same way.
  const auto dryRun = kubectl({"apply", "--dry-run=server", "-f", "-"},
                              std::regex_replace(readFile(fs::path(AGENTGUARD_SOURCE_DIR) /
                                                          "examples/unsafe/loadbalancer-service.yaml"),
                                                 std::regex("namespace: agents"), "namespace: " + isolated_));
  EXPECT_NE(dryRun.exitCode, 0);
  EXPECT_THAT(dryRun.err, HasSubstr("[exposure.service-loadbalancer]"));

  const std::string log = readFile(logFile());
  EXPECT_THAT(log, HasSubstr("\"decision\":\"deny\""));
  EXPECT_THAT(log, Not(HasSubstr("sk-"))) << "a secret value reached the log";
}

TEST_F(WebhookClusterTest, WarnRulesShowAKubectlWarning) {
  const std::string ingress = R"(apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: notebook, namespace: agents}
spec:
  rules:
    - host: notebook.example.com
      http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: notebook, port: {number: 8888}}}}
)";
  const auto result = apply(ingress);
  ASSERT_EQ(result.exitCode, 0) << result.err;
  EXPECT_THAT(result.err, HasSubstr("Warning: [exposure.ingress] Ingress " + isolated_ + "/notebook: "));
}

TEST_F(WebhookClusterTest, UpdatesAndStatusAreCheckedToo) {
  const std::string service = R"(apiVersion: v1
kind: Service
metadata: {name: api, namespace: agents}
spec: {type: ClusterIP, ports: [{port: 443}]}
)";
  ASSERT_EQ(apply(service).exitCode, 0);
  const auto patched = kubectl({"-n", isolated_, "patch", "service", "api", "-p", R"({"spec":{"type":"NodePort"}})"});
  EXPECT_NE(patched.exitCode, 0);
  EXPECT_THAT(patched.err, HasSubstr("[exposure.service-nodeport]"));
  // services/status: nothing but a load balancer controller should write an ingress address. The API
  // server of Kubernetes 1.37 refuses one on a Service that is not a LoadBalancer by its own validation,
  // before any webhook is called; exposure.loadbalancer-status-ingress is the second line (its unit tests
  // cover the rule). Either way the forged address must not be stored.
  const auto status = kubectl({"-n", isolated_, "patch", "service", "api", "--subresource=status", "-p",
                               R"({"status":{"loadBalancer":{"ingress":[{"ip":"203.0.113.10"}]}}})"});
  EXPECT_NE(status.exitCode, 0);
  EXPECT_THAT(status.err, HasSubstr("status.loadBalancer.ingress"));
  EXPECT_EQ(kubectl({"-n", isolated_, "get", "service", "api", "-o", "jsonpath={.status.loadBalancer.ingress}"}).out,
            "");
}

}  // namespace
}  // namespace agentguard::webhook
