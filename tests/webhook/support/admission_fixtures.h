#pragma once

// Shared pieces of the webhook tests: a rule catalog, compiled policies, a NetworkPolicy source the
// test controls, and AdmissionReview builders.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/engine.h"
#include "engine/network/network_policy_source.h"
#include "engine/rules/rule_catalog.h"
#include "engine/workload/workload_source.h"
#include "webhook/admission/review_handler.h"

namespace agentguard::webhook::testing {

// The built-in exposure and network-isolation rules, plus stand-ins for a privilege and a credentials
// rule (the real ones are tested with the engine): what the handler does with a finding does not
// depend on which rule reported it, only on its category, path and action.
const engine::RuleCatalog& testCatalog();

// Every rule of testCatalog() on: exposure.ingress warns, "credentials.test-audit-token" audits, the
// rest deny.
std::shared_ptr<const engine::PolicySet> testPolicies();

class FixedEngineSource final : public EngineSource {
 public:
  explicit FixedEngineSource(std::shared_ptr<const engine::PolicySet> policies)
      : engine_(policies ? std::make_shared<const engine::Engine>(std::move(policies)) : nullptr) {}
  std::shared_ptr<const engine::Engine> engine() const override { return engine_; }

 private:
  std::shared_ptr<const engine::Engine> engine_;
};

// A namespace's NetworkPolicies as the test sets them; Unavailable while `unavailable` is set.
class FakeNetworkPolicies final : public engine::NetworkPolicySource {
 public:
  Result<engine::NamespacePoliciesPtr> policiesIn(std::string_view ns) const override;
  void add(const nlohmann::json& policy);
  std::optional<std::string> unavailable;

 private:
  std::map<std::string, std::vector<engine::SharedObject>, std::less<>> byNamespace_;
};

// Pods and workloads as the test sets them; Unavailable while `unavailable` is set.
class FakeWorkloads final : public engine::WorkloadSource, public PodSource {
 public:
  Result<std::vector<engine::SharedObject>> workloadsIn(std::string_view ns) const override;
  Result<nlohmann::json> pod(std::string_view ns, std::string_view name) const override;
  void add(const nlohmann::json& workload);
  std::optional<std::string> unavailable;

 private:
  std::vector<nlohmann::json> objects_;
};

// The policies under policies/ in the source tree, compiled with the built-in rules.
std::shared_ptr<const engine::PolicySet> bundledPolicies();

// A NetworkPolicy selecting every pod of `ns` for Egress, allowing only DNS.
nlohmann::json defaultDenyEgress(const std::string& ns);

struct ReviewSpec {
  std::string uid = "705ab4f5-6393-11e8-b7cc-42010a800002";
  std::string group, version = "v1", kind, resource, subResource;
  std::string operation = "CREATE";
  std::string ns, name;
  bool dryRun = false;
  nlohmann::json object;  // null: none
  nlohmann::json oldObject;
};
nlohmann::json admissionReview(const ReviewSpec& spec);
// A review for `object`, taking kind, group, namespace and name from it.
nlohmann::json admissionReviewFor(const nlohmann::json& object, const std::string& operation = "CREATE");

// Hardened workloads and their risky variants.
nlohmann::json deployment(const std::string& ns, const std::string& name);  // passes every rule
nlohmann::json privilegedDeployment(const std::string& ns, const std::string& name);
nlohmann::json service(const std::string& ns, const std::string& name, const std::string& type);
nlohmann::json podWithApiKey(const std::string& ns, const std::string& name);

}  // namespace agentguard::webhook::testing
