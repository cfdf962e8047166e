#include "webhook/admission/review_handler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/time/manual_clock.h"
#include "engine/policy/policy_loader.h"
#include "tests/webhook/support/admission_fixtures.h"

namespace agentguard::webhook {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace fx = testing;

struct Expectation {
  std::string name;
  std::function<nlohmann::json()> review;
  bool allowed = true;
  Decision decision = Decision::kAllow;
  std::vector<std::string> messageParts;  // substrings of status.message (all must appear)
  std::vector<std::string> warningParts;  // substrings of the joined warnings
  std::string auditKey;                   // an auditAnnotations key that must be present
  bool unavailablePolicies = false;
};

ReviewOptions withPods(const fx::FakeWorkloads& pods) {
  ReviewOptions options;
  options.pods = &pods;
  return options;
}

class ReviewHandlerTest : public ::testing::TestWithParam<Expectation> {
 protected:
  ReviewHandlerTest() : engines_(fx::testPolicies()), handler_(engines_, &networkPolicies_, withPods(pods_)) {
    networkPolicies_.add(fx::defaultDenyEgress("agents"));
    pods_.add(workerPod());
  }

  // The Pod the pre-1.22 EphemeralContainers request changes, as the API server has it.
  static nlohmann::json workerPod() {
    auto pod = fx::podWithApiKey("agents", "worker");
    pod["spec"]["containers"][0]["env"] = nlohmann::json::array();
    return pod;
  }

  fx::FixedEngineSource engines_;
  fx::FakeNetworkPolicies networkPolicies_;
  fx::FakeWorkloads pods_;
  ReviewHandler handler_;
};

nlohmann::json withStatusIngress() {
  auto object = fx::service("agents", "hijack", "ClusterIP");
  object["status"] = {{"loadBalancer", {{"ingress", {{{"ip", "203.0.113.10"}}}}}}};
  fx::ReviewSpec spec;
  spec.kind = "Service";
  spec.resource = "services";
  spec.subResource = "status";
  spec.operation = "UPDATE";
  spec.ns = "agents";
  spec.name = "hijack";
  spec.object = object;
  spec.oldObject = fx::service("agents", "hijack", "ClusterIP");
  return fx::admissionReview(spec);
}

nlohmann::json agentSandbox(const std::string& ns, bool privileged) {
  auto sandbox = nlohmann::json::parse(R"({"apiVersion": "agentguard.io/v1alpha1", "kind": "AgentSandbox",
    "metadata": {"name": "analyst"},
    "spec": {"network": {"egress": [{"cidr": "203.0.113.0/24", "ports": [{"port": 443}]}]},
             "template": {"spec": {"containers": [{"name": "agent", "image": "registry.example/agent@sha256:0123"}]}}}})");
  sandbox["metadata"]["namespace"] = ns;
  if (privileged) sandbox["spec"]["template"]["spec"]["containers"][0]["securityContext"] = {{"privileged", true}};
  return sandbox;
}

// A Pod with a privileged regular container (admitted before the policy existed) gaining a debug
// container: pods/ephemeralcontainers sends the whole Pod.
nlohmann::json ephemeralContainerReview(bool privilegedDebugContainer) {
  auto pod = fx::podWithApiKey("agents", "worker");
  pod["spec"]["containers"][0]["env"] = nlohmann::json::array();
  pod["spec"]["containers"][0]["securityContext"] = {{"privileged", true}};
  auto old = pod;
  pod["spec"]["ephemeralContainers"] = {{{"name", "debugger"}, {"image", "busybox"}}};
  if (privilegedDebugContainer) pod["spec"]["ephemeralContainers"][0]["securityContext"] = {{"privileged", true}};
  fx::ReviewSpec spec;
  spec.kind = "Pod";
  spec.resource = "pods";
  spec.subResource = "ephemeralcontainers";
  spec.operation = "UPDATE";
  spec.ns = "agents";
  spec.name = "worker";
  spec.object = pod;
  spec.oldObject = old;
  return fx::admissionReview(spec);
}

// Kubernetes before 1.22 sends an EphemeralContainers object for the same subresource.
nlohmann::json legacyEphemeralContainersReview() {
  fx::ReviewSpec spec;
  spec.kind = "EphemeralContainers";
  spec.resource = "pods";
  spec.subResource = "ephemeralcontainers";
  spec.operation = "UPDATE";
  spec.ns = "agents";
  spec.name = "worker";
  spec.object = nlohmann::json::parse(R"({"apiVersion": "v1", "kind": "EphemeralContainers",
      "metadata": {"name": "worker", "namespace": "agents"},
      "ephemeralContainers": [{"name": "debugger", "image": "busybox", "securityContext": {"privileged": true}}]})");
  return fx::admissionReview(spec);
}

// An UPDATE of a Deployment being deleted (privileged, so a check refuses it): `change` is applied
// to a copy of the old object.
nlohmann::json deletingUpdate(const std::function<void(nlohmann::json&)>& change) {
  auto old = fx::privilegedDeployment("agents", "leaving");
  old["metadata"]["deletionTimestamp"] = "2024-01-01T00:00:00Z";
  old["metadata"]["finalizers"] = {"example.com/cleanup"};
  auto updated = old;
  change(updated);
  auto review = fx::admissionReviewFor(updated, "UPDATE");
  review["request"]["oldObject"] = old;
  return review;
}

void dropFinalizers(nlohmann::json& object) { object["metadata"].erase("finalizers"); }

nlohmann::json scaleReview() {
  fx::ReviewSpec spec;
  spec.group = "autoscaling";
  spec.kind = "Scale";
  spec.resource = "deployments";
  spec.subResource = "scale";
  spec.operation = "UPDATE";
  spec.ns = "agents";
  spec.name = "scraper";
  spec.object = {{"apiVersion", "autoscaling/v1"}, {"kind", "Scale"}, {"spec", {{"replicas", 3}}}};
  return fx::admissionReview(spec);
}

nlohmann::json ingressReview() {
  return fx::admissionReviewFor(nlohmann::json::parse(R"({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
      "metadata": {"name": "notebook", "namespace": "agents"},
      "spec": {"rules": [{"host": "notebook.example.com"}]}})"));
}

nlohmann::json podWithTokenReview() {
  auto pod = fx::podWithApiKey("agents", "reader");
  pod["spec"]["containers"][0]["env"] = {{{"name", "GITHUB_TOKEN"}, {"value", "ghp_not_a_real_token"}}};
  return fx::admissionReviewFor(pod);
}

// Cases name only the fields that matter to them.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
const std::vector<Expectation> kCases = {
    {.name = "LoadBalancerServiceDenied",
     .review = [] { return fx::admissionReviewFor(fx::service("agents", "dashboard", "LoadBalancer")); },
     .allowed = false,
     .decision = Decision::kDeny,
     .messageParts = {"agentguard denied Service agents/dashboard: [exposure.service-loadbalancer] spec.type: ",
                      "; fix: "}},
    {.name = "ClusterIpServiceAllowed",
     .review = [] { return fx::admissionReviewFor(fx::service("agents", "api", "ClusterIP")); }},
    {.name = "PrivilegedDeploymentDenied",
     .review = [] { return fx::admissionReviewFor(fx::privilegedDeployment("agents", "scraper")); },
     .allowed = false,
     .decision = Decision::kDeny,
     .messageParts = {"agentguard denied Deployment agents/scraper: [privilege.privileged-container] "
                      "spec.template.spec.containers[0].securityContext.privileged: container \"app\" is privileged; "
                      "fix: remove securityContext.privileged or set it to false"}},
    {.name = "DeploymentWithoutNetworkPolicyDenied",
     .review = [] { return fx::admissionReviewFor(fx::deployment("open", "crawler")); },
     .allowed = false,
     .decision = Decision::kDeny,
     .messageParts = {"[network-isolation.egress-unrestricted] spec.template.metadata.labels: ",
                      "no NetworkPolicy in namespace \"open\""}},
    {.name = "HardenedDeploymentAllowed",
     .review = [] { return fx::admissionReviewFor(fx::deployment("agents", "scraper")); }},
    {.name = "NetworkPolicyCacheUnavailableFailsClosed",
     .review = [] { return fx::admissionReviewFor(fx::deployment("agents", "scraper")); },
     .allowed = false,
     .decision = Decision::kDeny,
     .messageParts = {"cannot be read (NetworkPolicy cache not synced)"},
     .unavailablePolicies = true},
    {.name = "PodWithApiKeyDeniedWithoutTheValue",
     .review = [] { return fx::admissionReviewFor(fx::podWithApiKey("agents", "agent")); },
     .allowed = false,
     .decision = Decision::kDeny,
     .messageParts = {"[credentials.test-literal-api-key] spec.containers[0].env[0].value: container \"agent\" sets "
                      "OPENAI_API_KEY to a literal credential"}},
    {.name = "UpdateChecksTheNewObject",
     .review =
         [] {
           auto review = fx::admissionReviewFor(fx::privilegedDeployment("agents", "scraper"), "UPDATE");
           review["request"]["oldObject"] = fx::deployment("agents", "scraper");
           return review;
         },
     .allowed = false,
     .decision = Decision::kDeny,
     .messageParts = {"[privilege.privileged-container]"}},
    {.name = "UpdateThatHardensIsAllowed",
     .review =
         [] {
           auto review = fx::admissionReviewFor(fx::deployment("agents", "scraper"), "UPDATE");
           review["request"]["oldObject"] = fx::privilegedDeployment("agents", "scraper");
           return review;
         }},
    {.name = "DeleteAllowed",
     .review =
         [] {
           auto review = fx::admissionReviewFor(fx::privilegedDeployment("agents", "scraper"), "DELETE");
           review["request"]["oldObject"] = review["request"]["object"];
           review["request"]["object"] = nullptr;
           return review;
         }},
    {.name = "DeletingObjectLosingItsFinalizerAllowed", .review = [] { return deletingUpdate(dropFinalizers); }},
    {.name = "DeletingObjectWithSpecChangeStillChecked",
     .review =
         [] {
           return deletingUpdate([](nlohmann::json& o) {
             dropFinalizers(o);
             o["spec"]["replicas"] = 2;
           });
         },
     .allowed = false,
     .decision = Decision::kDeny,
     .messageParts = {"[privilege.privileged-container]"}},
    {.name = "DeletingObjectRelabelledStillChecked",
     .review = [] { return deletingUpdate([](nlohmann::json& o) { o["metadata"]["labels"] = {{"app", "x"}}; }); },
     .allowed = false,
     .decision = Decision::kDeny,
     .messageParts = {"[privilege.privileged-container]"}},
    {.name = "DeletingObjectAnnotatedWhileLosingItsFinalizerStillChecked",
     .review =
         [] {
           return deletingUpdate([](nlohmann::json& o) {
             dropFinalizers(o);
             o["metadata"]["annotations"] = {{"example.com/note", "x"}};
           });
         },
     .allowed = false,
     .decision = Decision::kDeny,
     .messageParts = {"[privilege.privileged-container]"}},
    {.name = "DeletingObjectGainingAFinalizerStillChecked",
     .review =
         [] {
           return deletingUpdate([](nlohmann::json& o) { o["metadata"]["finalizers"].push_back("example.com/more"); });
         },
     .allowed = false,
     .decision = Decision::kDeny,
     .messageParts = {"[privilege.privileged-container]"}},
    {.name = "ServiceStatusIngressDenied",
     .review = withStatusIngress,
     .allowed = false,
     .decision = Decision::kDeny,
     .messageParts = {"[exposure.loadbalancer-status-ingress] status.loadBalancer.ingress[0]"}},
    {.name = "PrivilegedEphemeralContainerDenied",
     .review = [] { return ephemeralContainerReview(true); },
     .allowed = false,
     .decision = Decision::kDeny,
     .messageParts = {"agentguard denied Pod agents/worker: [privilege.privileged-container] "
                      "spec.ephemeralContainers[0].securityContext.privileged"}},
    {.name = "EphemeralContainerJudgedAloneNotByItsPod", .review = [] { return ephemeralContainerReview(false); }},
    {.name = "LegacyEphemeralContainersObjectChecked",
     .review = legacyEphemeralContainersReview,
     .allowed = false,
     .decision = Decision::kDeny,
     .messageParts = {"Pod agents/worker: [privilege.privileged-container] spec.ephemeralContainers[0]"}},
    {.name = "LegacyEphemeralContainersOfAnUnknownPodRefused",
     .review =
         [] {
           auto review = legacyEphemeralContainersReview();
           review["request"]["name"] = "gone";
           review["request"]["object"]["metadata"]["name"] = "gone";
           return review;
         },
     .allowed = false,
     .decision = Decision::kError,
     .messageParts = {"could not evaluate EphemeralContainers agents/gone", "fail closed"}},
    {.name = "ScaleSubresourceNotChecked", .review = scaleReview},
    {.name = "DryRunEvaluatedTheSame",
     .review =
         [] {
           auto review = fx::admissionReviewFor(fx::service("agents", "dashboard", "NodePort"));
           review["request"]["dryRun"] = true;
           return review;
         },
     .allowed = false,
     .decision = Decision::kDeny,
     .messageParts = {"[exposure.service-nodeport]"}},
    // An AgentSandbox is judged as agentguard-operator runs it: behind its own NetworkPolicy (so no policy in
    // the namespace is needed), with the enforced fields filled in, and findings at paths in the AgentSandbox.
    {.name = "AgentSandboxAdmittedBehindItsOwnPolicy",
     .review = [] { return fx::admissionReviewFor(agentSandbox("open", false)); }},
    {.name = "AgentSandboxTemplateJudgedByTheEngine",
     .review = [] { return fx::admissionReviewFor(agentSandbox("open", true)); },
     .allowed = false,
     .decision = Decision::kDeny,
     .messageParts = {"agentguard denied AgentSandbox open/analyst: [privilege.privileged-container] "
                      "spec.template.spec.containers[0].securityContext.privileged"}},
    {.name = "WarnRuleAdmitsWithAWarning",
     .review = ingressReview,
     .decision = Decision::kWarn,
     .warningParts = {"[exposure.ingress] Ingress agents/notebook: spec: "}},
    {.name = "AuditRuleAdmitsWithAnAnnotation",
     .review = podWithTokenReview,
     .auditKey = "credentials.test-audit-token"},
};
#pragma GCC diagnostic pop

TEST_P(ReviewHandlerTest, Decides) {
  const Expectation& expected = GetParam();
  if (expected.unavailablePolicies) networkPolicies_.unavailable = "NetworkPolicy cache not synced";
  const nlohmann::json review = expected.review();
  const ReviewOutcome outcome = handler_.review(review.dump());

  ASSERT_EQ(outcome.httpStatus, 200) << outcome.body;
  EXPECT_EQ(outcome.decision, expected.decision) << outcome.body;
  const auto body = nlohmann::json::parse(outcome.body);
  EXPECT_EQ(body["apiVersion"], "admission.k8s.io/v1");
  EXPECT_EQ(body["kind"], "AdmissionReview");
  const auto& response = body["response"];
  EXPECT_EQ(response["uid"], review["request"]["uid"]);
  EXPECT_EQ(response["allowed"], expected.allowed) << outcome.body;
  if (!expected.allowed) {
    const bool failedClosed = expected.decision == Decision::kError;
    EXPECT_EQ(response["status"]["code"], failedClosed ? 500 : 403);
    EXPECT_EQ(response["status"]["reason"], failedClosed ? "InternalError" : "Forbidden");
    const std::string message = response["status"]["message"];
    for (const auto& part : expected.messageParts) EXPECT_THAT(message, HasSubstr(part));
    EXPECT_THAT(message, Not(HasSubstr("sk-live"))) << "a secret value leaked into the message";
    EXPECT_NE(outcome.deniedRules.empty(), !failedClosed);
  } else {
    EXPECT_FALSE(response.contains("status")) << outcome.body;
  }
  std::string warnings;
  for (const auto& warning : response.value("warnings", nlohmann::json::array())) {
    EXPECT_LT(warning.get<std::string>().size(), 512u);
    warnings += warning.get<std::string>() + "\n";
  }
  for (const auto& part : expected.warningParts) EXPECT_THAT(warnings, HasSubstr(part));
  if (expected.warningParts.empty()) {
    EXPECT_TRUE(warnings.empty()) << warnings;
  }
  if (!expected.auditKey.empty()) {
    ASSERT_TRUE(response.contains("auditAnnotations")) << outcome.body;
    EXPECT_TRUE(response["auditAnnotations"].contains(expected.auditKey)) << outcome.body;
    EXPECT_THAT(response["auditAnnotations"].dump(), Not(HasSubstr("ghp_not_a_real_token")));
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, ReviewHandlerTest, ::testing::ValuesIn(kCases),
                         [](const auto& param) { return param.param.name; });

class ReviewHandlerBodyTest : public ::testing::Test {
 protected:
  ReviewHandlerBodyTest() : engines_(fx::testPolicies()), handler_(engines_, &networkPolicies_) {
    networkPolicies_.add(fx::defaultDenyEgress("agents"));
  }

  fx::FixedEngineSource engines_;
  fx::FakeNetworkPolicies networkPolicies_;
  ReviewHandler handler_;
};

TEST_F(ReviewHandlerBodyTest, RefusesBodiesThatAreNotAdmissionReviews) {
  const std::vector<std::pair<std::string, std::string>> bodies = {
      {"{\"apiVersion\":\"admission.k8s.io/v1\"", "not valid JSON"},
      {"[]", "not a JSON object"},
      {R"({"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{"uid":"1"}})", "apiVersion"},
      {R"({"apiVersion":"admission.k8s.io/v1","kind":"Review","request":{"uid":"1"}})", "kind is"},
      {R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"})", "request is missing"},
      {R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"kind":{"kind":"Pod"}}})",
       "request.uid is missing"},
      {R"({"apiVersion":"admission.k8s.io/v1","apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"})",
       "duplicate key"},
  };
  for (const auto& [body, reason] : bodies) {
    const auto outcome = handler_.review(body);
    EXPECT_EQ(outcome.httpStatus, 400) << body;
    EXPECT_EQ(outcome.decision, Decision::kInvalid);
    EXPECT_THAT(outcome.error, HasSubstr(reason)) << body;
  }
}

// The decoder uses a few fields; the rest of the body must be refused all the same when it is not
// strict JSON, or a second reader (the API server's audit log, a later webhook) could see another
// document than the one that was checked.
TEST_F(ReviewHandlerBodyTest, ChecksThePartsItDoesNotBuild) {
  const std::string head = R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"1",)"
                           R"("kind":{"kind":"Pod"},"operation":"UPDATE","object":{"kind":"Pod"},)";
  const std::vector<std::pair<std::string, std::string>> bodies = {
      {head + R"("options":{"dryRun":[],"dryRun":["All"]}}})", "duplicate key \"dryRun\" at request.options"},
      {head + R"("oldObject":{"metadata":{"name":"a","name":"b"}}}})",
       "duplicate key \"name\" at request.oldObject.metadata"},
      {head + "\"userInfo\":{\"extra\":{\"k\":[\"\xFF\"]}}}}", "not valid JSON"},
      {head + R"("oldObject":"{}"}})", "request.oldObject is not an object"},
      {head + R"("oldObject":{}}} trailing)", "not valid JSON"},
  };
  for (const auto& [body, reason] : bodies) {
    const auto outcome = handler_.review(body);
    EXPECT_EQ(outcome.httpStatus, 400) << body;
    EXPECT_THAT(outcome.error, HasSubstr(reason)) << body;
  }
  // The same body without the problem is an ordinary review.
  const auto fine = handler_.review(head + R"("options":{"dryRun":["All"]},"oldObject":{"kind":"Pod"}}})");
  EXPECT_EQ(fine.httpStatus, 200) << fine.body;
}

// Decisions, answers and the refusal of duplicate keys do not depend on what was reviewed before.
TEST_F(ReviewHandlerBodyTest, AnswersAlikeWhateverWasReviewedBefore) {
  auto annotated = fx::deployment("agents", "annotated");
  for (int i = 0; i < 30; ++i) {
    annotated["metadata"]["annotations"]["example.com/a-long-annotation-key-" + std::to_string(i)] =
        std::string(static_cast<size_t>(i * 7), 'n');
  }
  const std::vector<std::string> bodies = {
      fx::admissionReviewFor(fx::privilegedDeployment("agents", "scraper")).dump(),
      fx::admissionReviewFor(annotated).dump(),
      fx::admissionReviewFor(fx::service("agents", "api", "ClusterIP")).dump(),
      fx::admissionReviewFor(fx::podWithApiKey("agents", "worker")).dump(),
      withStatusIngress().dump(),
  };
  std::vector<ReviewOutcome> first;
  for (const auto& body : bodies) first.push_back(handler_.review(body));
  for (size_t round = 0; round < 3; ++round) {
    for (size_t i = 0; i < bodies.size(); ++i) {
      const size_t at = (i * (round + 2)) % bodies.size();  // another order each round
      const auto outcome = handler_.review(bodies[at]);
      EXPECT_EQ(outcome.httpStatus, first[at].httpStatus) << at;
      EXPECT_EQ(outcome.decision, first[at].decision) << at;
      EXPECT_EQ(outcome.body, first[at].body) << at;
      EXPECT_EQ(outcome.deniedRules, first[at].deniedRules) << at;
    }
  }
  EXPECT_EQ(first[0].decision, Decision::kDeny);

  auto review = fx::admissionReviewFor(fx::deployment("agents", "twice"));
  std::string body = review.dump();
  const std::string metadata = R"("metadata":{)";
  ASSERT_NE(body.find(metadata), std::string::npos);
  body.insert(body.find(metadata) + metadata.size(), R"("name":"other",)");
  const auto refused = handler_.review(body);
  EXPECT_EQ(refused.httpStatus, 400);
  EXPECT_THAT(refused.error, HasSubstr("duplicate key \"name\" at request.object.metadata;"));
}

TEST_F(ReviewHandlerBodyTest, RefusesDocumentsBeyondTheDepthLimit) {
  ReviewOptions options;
  options.limits.maxDepth = 10;
  ReviewHandler strict(engines_, &networkPolicies_, options);
  auto review = fx::admissionReviewFor(fx::deployment("agents", "deep"));
  nlohmann::json nested = 1;
  for (int i = 0; i < 20; ++i) nested = nlohmann::json::array({nested});
  review["request"]["object"]["metadata"]["annotations"] = {{"x", nested.dump()}};
  EXPECT_EQ(strict.review(review.dump()).httpStatus, 200) << "a deep string is not a deep document";
  review["request"]["object"]["spec"]["deep"] = nested;
  EXPECT_EQ(strict.review(review.dump()).httpStatus, 400);
}

TEST_F(ReviewHandlerBodyTest, RefusesEverythingWhileNoPolicyIsLoaded) {
  fx::FixedEngineSource none(nullptr);
  ReviewHandler handler(none, &networkPolicies_);
  const auto outcome = handler.review(fx::admissionReviewFor(fx::service("agents", "api", "ClusterIP")).dump());
  EXPECT_EQ(outcome.decision, Decision::kError);
  const auto response = nlohmann::json::parse(outcome.body)["response"];
  EXPECT_EQ(response["allowed"], false);
  EXPECT_EQ(response["status"]["code"], 500);
  EXPECT_THAT(response["status"]["message"].get<std::string>(), HasSubstr("fail closed"));
}

// A NetworkPolicy source that throws stands for any bug below the handler.
class ThrowingNetworkPolicies final : public engine::NetworkPolicySource {
 public:
  Result<engine::NamespacePoliciesPtr> policiesIn(std::string_view) const override {
    throw std::runtime_error("cache corrupted");
  }
};

TEST_F(ReviewHandlerBodyTest, FailsClosedWhenEvaluationThrows) {
  ThrowingNetworkPolicies throwing;
  ReviewHandler handler(engines_, &throwing);
  const auto outcome = handler.review(fx::admissionReviewFor(fx::deployment("agents", "scraper")).dump());
  EXPECT_EQ(outcome.httpStatus, 200);
  EXPECT_EQ(outcome.decision, Decision::kError);
  EXPECT_EQ(outcome.error, "cache corrupted");
  const auto response = nlohmann::json::parse(outcome.body)["response"];
  EXPECT_EQ(response["allowed"], false);
  EXPECT_EQ(response["uid"], "705ab4f5-6393-11e8-b7cc-42010a800002");
}

TEST_F(ReviewHandlerBodyTest, ReportsTheRequestIdentityForLogs) {
  auto review = fx::admissionReviewFor(fx::privilegedDeployment("agents", "scraper"));
  review["request"]["dryRun"] = true;
  const auto outcome = handler_.review(review.dump());
  EXPECT_EQ(outcome.kind, "Deployment");
  EXPECT_EQ(outcome.namespace_, "agents");
  EXPECT_EQ(outcome.name, "scraper");
  EXPECT_EQ(outcome.operation, "CREATE");
  EXPECT_TRUE(outcome.dryRun);
  EXPECT_EQ(outcome.deniedRules, std::vector<std::string>{"privilege.privileged-container"});
}

}  // namespace
}  // namespace agentguard::webhook

namespace agentguard::webhook {
namespace {

// An exemption lapses by ReviewOptions::clock's wall time, so a test moves the clock instead of waiting
// for a date.
TEST(ReviewHandlerClockTest, ExemptionsExpireByTheGivenClock) {
  constexpr const char* kPolicy = R"(apiVersion: agentguard.io/v1alpha1
kind: Policy
metadata: {name: exposure}
spec:
  rules:
    - id: exposure.service-loadbalancer
  exemptions:
    objects:
      - kind: Service
        namespace: agents
        name: dashboard
        rules: [exposure.service-loadbalancer]
        reason: reviewed
        expires: "2030-01-01"
)";
  auto compiled = engine::compilePolicies({{"p.yaml", kPolicy}}, fx::testCatalog());
  ASSERT_TRUE(compiled.ok()) << compiled.error().describe();
  fx::FixedEngineSource engines(std::make_shared<const engine::PolicySet>(std::move(compiled).value()));
  fx::FakeNetworkPolicies networkPolicies;
  time::ManualClock clock;
  clock.setWall(std::chrono::system_clock::from_time_t(1893456000 - 3600));  // an hour before 2030
  ReviewOptions options;
  options.clock = &clock;
  ReviewHandler handler(engines, &networkPolicies, options);
  const std::string review = fx::admissionReviewFor(fx::service("agents", "dashboard", "LoadBalancer")).dump();
  EXPECT_EQ(handler.review(review).decision, Decision::kAllow);
  clock.advance(std::chrono::hours(48));
  EXPECT_EQ(handler.review(review).decision, Decision::kDeny);
}

}  // namespace
}  // namespace agentguard::webhook
