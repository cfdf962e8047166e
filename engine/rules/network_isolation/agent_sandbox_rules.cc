// Network isolation of kubernetes-sigs/agent-sandbox: the NetworkPolicy its controller manages per
// SandboxTemplate. Left at its default, that policy allows egress to every public address on every port,
// and since NetworkPolicies are unioned, no deny policy next to it can narrow what it allows.
#include <string>

#include "engine/policy/parameter_reader.h"
#include "engine/rules/check_rule.h"
#include "engine/rules/rule_catalog.h"

namespace agentguard::engine {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kSandboxTemplateGroup = "extensions.agents.x-k8s.io";

// spec.networkPolicyManagement: "Managed" (the CRD's default) or "Unmanaged". Anything but "Unmanaged"
// counts as managed: the CRD's enum refuses other values, and the controller defaults to managing.
bool keepsDefaultManagedPolicy(const Json* spec) {
  if (stringField(spec, "networkPolicyManagement").value_or("Managed") == "Unmanaged") return false;
  const Json* custom = field(spec, "networkPolicy");
  return custom == nullptr || custom->is_null();
}

RuleDefinition sandboxTemplateDefaultPolicyRule() {
  RuleDefinition d;
  d.info = {"network-isolation.sandbox-template-default-policy", "network-isolation",
            "agent-sandbox templates with the default managed NetworkPolicy",
            "A SandboxTemplate (extensions.agents.x-k8s.io) without spec.networkPolicy and with "
            "spec.networkPolicyManagement unset or Managed gets the agent-sandbox controller's default "
            "NetworkPolicy, which allows egress to every public IPv4 and IPv6 address on every port. "
            "NetworkPolicies are unioned: a deny-all policy next to it does not take that egress away.",
            Severity::kMedium, Action::kWarn};
  d.create = [](ParameterReader&) -> RulePtr {
    return makeCheckRule([](const ObjectView& object, const RuleContext&, std::vector<Violation>& out) {
      if (object.kind() != "SandboxTemplate" || apiGroup(object.apiVersion()) != kSandboxTemplateGroup) return;
      const Json* spec = objectField(&object.body(), "spec");
      if (!keepsDefaultManagedPolicy(spec)) return;
      out.push_back({"spec.networkPolicy",
                     "SandboxTemplate \"" + object.name() + "\" keeps the default NetworkPolicy of the agent-sandbox "
                     "controller: its sandboxes may send data to any public address on any port, and no other "
                     "NetworkPolicy can narrow that, since policies only add to what is allowed",
                     "set spec.networkPolicy.egress to the destinations the sandboxes need (an empty list denies "
                     "all egress), or set spec.networkPolicyManagement: Unmanaged and restrict egress with your "
                     "own NetworkPolicy"});
    });
  };
  return d;
}

}  // namespace

void addAgentSandboxNetworkRules(RuleCatalog& catalog) { catalog.add(sandboxTemplateDefaultPolicyRule()); }

}  // namespace agentguard::engine
