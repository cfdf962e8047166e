#include "tests/webhook/support/admission_fixtures.h"

#include <cstdlib>
#include <iostream>

#include "engine/policy/policy_loader.h"
#include "engine/rules/check_rule.h"

namespace agentguard::webhook::testing {
namespace {

using engine::Action;
using engine::RuleDefinition;
using engine::Severity;

RuleDefinition privilegedContainerStandIn() {
  RuleDefinition d;
  d.info = {"privilege.privileged-container", "privilege", "Privileged containers (test stand-in)",
            "Reports containers with securityContext.privileged: true.", Severity::kCritical, Action::kDeny};
  d.create = [](engine::ParameterReader&) -> engine::RulePtr {
    return engine::makeCheckRule(
        [](const engine::ObjectView& object, const engine::RuleContext&, std::vector<engine::Violation>& out) {
          const auto* pod = object.podTemplate();
          if (pod == nullptr) return;
          for (const auto& container : pod->containers) {
            const auto* context = engine::objectField(container.container, "securityContext");
            if (engine::boolField(context, "privileged").value_or(false)) {
              out.push_back({container.path + ".securityContext.privileged",
                             "container \"" + container.name + "\" is privileged",
                             "remove securityContext.privileged or set it to false"});
            }
          }
        });
  };
  return d;
}

// Reports env values that look like API keys; `audit` reports env names ending in _TOKEN.
RuleDefinition credentialStandIn(std::string id, bool tokens) {
  RuleDefinition d;
  d.info = {std::move(id), "credentials", "Literal credentials (test stand-in)",
            "Reports literal credentials in container environments.", Severity::kHigh, Action::kDeny};
  d.create = [tokens](engine::ParameterReader&) -> engine::RulePtr {
    return engine::makeCheckRule(
        [tokens](const engine::ObjectView& object, const engine::RuleContext&, std::vector<engine::Violation>& out) {
          const auto* pod = object.podTemplate();
          if (pod == nullptr) return;
          for (const auto& container : pod->containers) {
            const auto* env = engine::arrayField(container.container, "env");
            if (env == nullptr) continue;
            for (size_t i = 0; i < env->size(); ++i) {
              const std::string name(engine::stringField(&(*env)[i], "name").value_or(""));
              const std::string value(engine::stringField(&(*env)[i], "value").value_or(""));
              const bool matches = tokens ? name.ends_with("_TOKEN") : value.rfind("sk-", 0) == 0;
              if (!matches) continue;
              out.push_back({container.path + ".env[" + std::to_string(i) + "].value",
                             "container \"" + container.name + "\" sets " + name + " to a literal credential",
                             "move the value into a Secret and use valueFrom.secretKeyRef"});
            }
          }
        });
  };
  return d;
}

engine::RuleCatalog buildCatalog() {
  engine::RuleCatalog catalog;
  engine::addExposureRules(catalog);
  engine::addNetworkIsolationRules(catalog);
  catalog.add(privilegedContainerStandIn());
  catalog.add(credentialStandIn("credentials.test-literal-api-key", false));
  catalog.add(credentialStandIn("credentials.test-audit-token", true));
  return catalog;
}

constexpr const char* kTestPolicy = R"(apiVersion: agentguard.io/v1alpha1
kind: Policy
metadata:
  name: webhook-test
spec:
  rules:
    - {id: exposure.service-loadbalancer, action: deny, severity: critical}
    - {id: exposure.service-nodeport, action: deny, severity: high}
    - {id: exposure.service-external-ips, action: deny, severity: critical}
    - {id: exposure.host-port, action: deny, severity: high}
    - {id: exposure.loadbalancer-status-ingress, action: deny, severity: critical}
    - {id: exposure.ingress, action: warn, severity: medium}
    - {id: network-isolation.egress-unrestricted, action: deny, severity: high}
    - {id: network-isolation.egress-allow-all, action: deny, severity: high}
    - {id: privilege.privileged-container, action: deny, severity: critical}
    - {id: credentials.test-literal-api-key, action: deny, severity: high}
    - {id: credentials.test-audit-token, action: audit, severity: low}
)";

}  // namespace

const engine::RuleCatalog& testCatalog() {
  static const engine::RuleCatalog catalog = buildCatalog();
  return catalog;
}

// GCC 12 reports a null dereference inside std::variant's destructor of Result<PolicySet> here
// (a false positive of -Wnull-dereference after inlining).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
std::shared_ptr<const engine::PolicySet> testPolicies() {
  static const std::shared_ptr<const engine::PolicySet> policies = [] {
    auto compiled = engine::compilePolicies({{"webhook-test.yaml", kTestPolicy}}, testCatalog());
    if (compiled.ok()) return std::make_shared<const engine::PolicySet>(std::move(compiled).value());
    std::cerr << "webhook test policy does not compile: " << compiled.error().describe() << '\n';
    std::abort();
  }();
  return policies;
}
#pragma GCC diagnostic pop

Result<engine::NamespacePoliciesPtr> FakeNetworkPolicies::policiesIn(std::string_view ns) const {
  if (unavailable) return makeError(ErrorCode::kUnavailable, *unavailable);
  const auto found = byNamespace_.find(ns);
  if (found == byNamespace_.end()) return std::make_shared<const engine::NamespacePolicies>(std::vector<engine::SharedObject>{});
  return std::make_shared<const engine::NamespacePolicies>(found->second);
}

void FakeNetworkPolicies::add(const nlohmann::json& policy) {
  byNamespace_[policy["metadata"]["namespace"].get<std::string>()].push_back(
      std::make_shared<const nlohmann::json>(policy));
}

Result<std::vector<engine::SharedObject>> FakeWorkloads::workloadsIn(std::string_view ns) const {
  if (unavailable) return makeError(ErrorCode::kUnavailable, *unavailable);
  std::vector<engine::SharedObject> found;
  for (const auto& object : objects_) {
    if (object["metadata"].value("namespace", "") == ns) found.push_back(std::make_shared<const nlohmann::json>(object));
  }
  return found;
}

Result<nlohmann::json> FakeWorkloads::pod(std::string_view ns, std::string_view name) const {
  if (unavailable) return makeError(ErrorCode::kUnavailable, *unavailable);
  for (const auto& object : objects_) {
    if (object.value("kind", "") == "Pod" && object["metadata"].value("namespace", "") == ns &&
        object["metadata"].value("name", "") == name) {
      return object;
    }
  }
  return makeError(ErrorCode::kNotFound, "pods \"" + std::string(name) + "\" not found");
}

void FakeWorkloads::add(const nlohmann::json& workload) { objects_.push_back(workload); }

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
std::shared_ptr<const engine::PolicySet> bundledPolicies() {
  static const std::shared_ptr<const engine::PolicySet> policies = [] {
    auto loaded = engine::loadPolicies(std::string(AGENTGUARD_SOURCE_DIR) + "/policies");
    if (loaded.ok()) return std::make_shared<const engine::PolicySet>(std::move(loaded).value());
    std::cerr << "bundled policies do not compile: " << loaded.error().describe() << '\n';
    std::abort();
  }();
  return policies;
}
#pragma GCC diagnostic pop

nlohmann::json defaultDenyEgress(const std::string& ns) {
  return nlohmann::json::parse(R"({
    "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
    "metadata": {"name": "default-deny-egress", "namespace": ")" + ns + R"("},
    "spec": {"podSelector": {}, "policyTypes": ["Egress"],
             "egress": [{"ports": [{"protocol": "UDP", "port": 53}]}]}})");
}

nlohmann::json admissionReview(const ReviewSpec& spec) {
  nlohmann::json request = {
      {"uid", spec.uid},
      {"kind", {{"group", spec.group}, {"version", spec.version}, {"kind", spec.kind}}},
      {"resource", {{"group", spec.group}, {"version", spec.version}, {"resource", spec.resource}}},
      {"operation", spec.operation},
      {"userInfo", {{"username", "agent"}}},
      {"dryRun", spec.dryRun},
      {"object", spec.object},
      {"oldObject", spec.oldObject}};
  if (!spec.subResource.empty()) request["subResource"] = spec.subResource;
  if (!spec.ns.empty()) request["namespace"] = spec.ns;
  if (!spec.name.empty()) request["name"] = spec.name;
  return {{"apiVersion", "admission.k8s.io/v1"}, {"kind", "AdmissionReview"}, {"request", request}};
}

nlohmann::json admissionReviewFor(const nlohmann::json& object, const std::string& operation) {
  ReviewSpec spec;
  const std::string apiVersion = object.value("apiVersion", "v1");
  const auto slash = apiVersion.find('/');
  spec.group = slash == std::string::npos ? "" : apiVersion.substr(0, slash);
  spec.version = slash == std::string::npos ? apiVersion : apiVersion.substr(slash + 1);
  spec.kind = object.value("kind", "");
  std::string plural = spec.kind;
  for (auto& c : plural) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  spec.resource = plural + (plural.ends_with("s") ? "es" : "s");
  spec.operation = operation;
  spec.ns = object["metadata"].value("namespace", "");
  spec.name = object["metadata"].value("name", "");
  spec.object = object;
  if (operation == "UPDATE") spec.oldObject = object;
  return admissionReview(spec);
}

nlohmann::json deployment(const std::string& ns, const std::string& name) {
  return nlohmann::json::parse(R"({
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": ")" + name + R"(", "namespace": ")" + ns + R"("},
    "spec": {"replicas": 1, "selector": {"matchLabels": {"app": ")" + name + R"("}},
      "template": {"metadata": {"labels": {"app": ")" + name + R"("}},
        "spec": {"containers": [{"name": "app", "image": "registry.example/agent@sha256:0123",
          "securityContext": {"privileged": false, "runAsNonRoot": true}}]}}}})");
}

nlohmann::json privilegedDeployment(const std::string& ns, const std::string& name) {
  auto object = deployment(ns, name);
  object["spec"]["template"]["spec"]["containers"][0]["securityContext"]["privileged"] = true;
  return object;
}

nlohmann::json service(const std::string& ns, const std::string& name, const std::string& type) {
  return nlohmann::json::parse(R"({
    "apiVersion": "v1", "kind": "Service",
    "metadata": {"name": ")" + name + R"(", "namespace": ")" + ns + R"("},
    "spec": {"type": ")" + type + R"(", "selector": {"app": ")" + name + R"("},
             "ports": [{"port": 443, "targetPort": 8443}]}})");
}

nlohmann::json podWithApiKey(const std::string& ns, const std::string& name) {
  return nlohmann::json::parse(R"({
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": ")" + name + R"(", "namespace": ")" + ns + R"(", "labels": {"app": ")" + name + R"("}},
    "spec": {"containers": [{"name": "agent", "image": "registry.example/agent@sha256:0123",
      "env": [{"name": "OPENAI_API_KEY", "value": "sk-live-0123456789abcdef"}]}]}})");
}

}  // namespace agentguard::webhook::testing
