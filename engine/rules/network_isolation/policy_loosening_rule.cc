// Network isolation after admission: a NetworkPolicy created, changed or deleted must not leave the
// namespace's admitted workloads with unrestricted egress.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/network/network_policy_source.h"
#include "engine/policy/parameter_reader.h"
#include "engine/rules/check_rule.h"
#include "engine/rules/rule_catalog.h"
#include "engine/workload/workload_source.h"

namespace agentguard::engine {
namespace {

using Json = nlohmann::json;
using SharedRule = std::shared_ptr<const Rule>;

// The egress checks a workload must pass; built from their definitions with default parameters so
// this rule judges the same way whether or not a policy enables, tunes or exempts them.
constexpr std::string_view kEgressRules[] = {"network-isolation.egress-unrestricted",
                                             "network-isolation.egress-allow-all"};
// More workloads than this are counted, not listed.
constexpr size_t kListedWorkloads = 10;

std::string nameOf(const Json& object) {
  return std::string(stringField(objectField(&object, "metadata"), "name").value_or(""));
}

std::string describeWorkload(const ObjectView& workload) { return workload.kind() + " " + workload.name(); }

// Pods that have finished run nothing.
bool finished(const Json& workload) {
  const auto phase = stringField(objectField(&workload, "status"), "phase");
  return phase && (*phase == "Succeeded" || *phase == "Failed");
}

// One namespace's NetworkPolicies, as they are or as they would be, as a source (the cache's objects may
// lack apiVersion and kind, as list items do, so they are taken as they are).
class FixedPolicies final : public NetworkPolicySource {
 public:
  explicit FixedPolicies(std::vector<SharedObject> policies)
      : policies_(std::make_shared<const NamespacePolicies>(std::move(policies))) {}
  Result<NamespacePoliciesPtr> policiesIn(std::string_view) const override { return policies_; }

 private:
  NamespacePoliciesPtr policies_;
};

// The namespace's NetworkPolicies once the request is applied: `policy` replaces the one of the
// same name, or is gone when it is being deleted.
std::vector<SharedObject> policiesAfter(const std::vector<SharedObject>& before, const ObjectView& policy,
                                        bool removal) {
  std::vector<SharedObject> after;
  for (const auto& existing : before) {
    if (existing && nameOf(*existing) != policy.name()) after.push_back(existing);
  }
  if (!removal) after.push_back(std::make_shared<const Json>(policy.body()));
  return after;
}

// The first egress violation of `workload` against `policies`; empty when its egress is restricted.
std::string egressProblem(const std::vector<SharedRule>& checks, const ObjectView& workload,
                          const NetworkPolicySource& policies) {
  RuleContext context;
  context.networkPolicies = &policies;
  std::vector<Violation> found;
  for (const auto& check : checks) check->evaluate(workload, context, found);
  return found.empty() ? std::string() : found.front().message;
}

Violation cannotVerify(const ObjectView& policy, const std::string& what, const std::string& why) {
  return {"metadata.name",
          "the " + what + " of namespace \"" + policy.namespaceName() + "\" cannot be read (" + why +
              "), so it cannot be shown that changing NetworkPolicy \"" + policy.name() +
              "\" leaves their egress restricted",
          "retry once the admission webhook can read the cluster again"};
}

void checkChange(const std::vector<SharedRule>& checks, const ObjectView& policy, const RuleContext& context,
                 std::vector<Violation>& out) {
  if (context.workloads == nullptr) return;  // offline: the egress rules judge the input's workloads directly
  if (context.networkPolicies == nullptr) {
    out.push_back(cannotVerify(policy, "NetworkPolicies", "no NetworkPolicy source is available"));
    return;
  }
  auto before = context.networkPolicies->policiesIn(policy.namespaceName());
  if (!before) {
    out.push_back(cannotVerify(policy, "NetworkPolicies", before.error().message));
    return;
  }
  auto workloads = context.workloads->workloadsIn(policy.namespaceName());
  if (!workloads) {
    out.push_back(cannotVerify(policy, "workloads", workloads.error().message));
    return;
  }

  const std::vector<SharedObject>& current = (*before)->objects();
  const FixedPolicies beforeSource(current);
  const FixedPolicies afterSource(policiesAfter(current, policy, context.removal));
  std::vector<std::string> loosened;
  for (const auto& object : *workloads) {
    if (!object || finished(*object)) continue;
    const ObjectView workload(*object, policy.namespaceName());
    if (workload.podTemplate() == nullptr || !egressProblem(checks, workload, beforeSource).empty()) continue;
    const std::string problem = egressProblem(checks, workload, afterSource);
    if (!problem.empty()) loosened.push_back(describeWorkload(workload) + ": " + problem);
  }
  if (loosened.empty()) return;
  std::string message = std::string(context.removal ? "deleting" : "this version of") + " NetworkPolicy \"" +
                        policy.name() + "\" would leave " + std::to_string(loosened.size()) +
                        (loosened.size() == 1 ? " admitted workload" : " admitted workloads") +
                        " with unrestricted egress: ";
  for (size_t i = 0; i < loosened.size() && i < kListedWorkloads; ++i) message += (i ? "; " : "") + loosened[i];
  if (loosened.size() > kListedWorkloads) {
    message += "; and " + std::to_string(loosened.size() - kListedWorkloads) + " more";
  }
  out.push_back({context.removal ? "metadata.name" : "spec", std::move(message),
                 "keep these pods' egress restricted: create the narrower NetworkPolicy that replaces this one "
                 "first, or remove the workloads before " +
                     std::string(context.removal ? "deleting" : "loosening") + " it"});
}

RuleDefinition policyLooseningRule() {
  RuleDefinition d;
  d.info = {"network-isolation.policy-loosening", "network-isolation", "NetworkPolicies loosened after admission",
            "In admission, a NetworkPolicy that is created, changed or deleted must not leave a workload already "
            "running in its namespace (Pods, and the kinds with a pod template) with unrestricted egress, judged "
            "as network-isolation.egress-unrestricted and network-isolation.egress-allow-all judge by default; "
            "otherwise a workload admitted next to a tight policy is set free by editing or deleting the policy. "
            "Offline there are no running workloads, and the egress rules judge the input's workloads against "
            "the input's NetworkPolicies.",
            Severity::kHigh, Action::kDeny, /*judgesRemoval=*/true};
  d.create = [](ParameterReader& params) -> RulePtr {
    std::vector<SharedRule> checks;
    for (const std::string_view id : kEgressRules) {
      const RuleDefinition* definition = RuleCatalog::builtin().find(id);
      if (definition == nullptr) {
        params.fail("", "built-in rule " + std::string(id) + " is missing");
        continue;
      }
      ParameterReader defaults(nullptr, "(built-in)", std::string(id), [](std::string_view) { return 0; });
      checks.push_back(definition->create(defaults));
    }
    return makeCheckRule([checks](const ObjectView& object, const RuleContext& context, std::vector<Violation>& out) {
      if (object.kind() != "NetworkPolicy" || object.apiVersion() != "networking.k8s.io/v1") return;
      checkChange(checks, object, context, out);
    });
  };
  return d;
}

}  // namespace

void addNetworkPolicyChangeRules(RuleCatalog& catalog) { catalog.add(policyLooseningRule()); }

}  // namespace agentguard::engine
