// Network isolation: every workload's pods must be selected for egress by a NetworkPolicy of their
// namespace, and what those policies allow together must not open the internet.
#include <string>

#include "engine/network/egress_verdict.h"
#include "engine/network/network_policy_source.h"
#include "engine/policy/parameter_reader.h"
#include "engine/rules/check_rule.h"
#include "engine/rules/network_isolation/egress_findings.h"
#include "engine/rules/network_isolation/sensitive_destinations_rule.h"
#include "engine/rules/rule_catalog.h"

namespace agentguard::engine {
namespace {

RuleDefinition egressUnrestrictedRule() {
  RuleDefinition d;
  d.info = {"network-isolation.egress-unrestricted", "network-isolation", "Pods without an egress NetworkPolicy",
            "Pods that no NetworkPolicy of their namespace selects for Egress can connect to any address: other "
            "services, cloud metadata endpoints, the internet. A policy counts only if its podSelector selects "
            "every pod, including the labels the controller adds (pod-template-hash, job-name, ...). Offline, "
            "the NetworkPolicies in the same input are the namespace's policies; in admission, the cluster's.",
            Severity::kHigh, Action::kDeny};
  d.create = [](ParameterReader&) -> RulePtr {
    return makeCheckRule([](const ObjectView& object, const RuleContext& context, std::vector<Violation>& out) {
      const auto judged = judgeWorkloadEgress(object, context, UnrestrictedWhen::kInternet, out);
      if (!judged || judged->verdict.isolated()) return;
      out.push_back(notIsolatedViolation(object, *judged));
    });
  };
  return d;
}

RuleDefinition egressAllowAllRule() {
  RuleDefinition d;
  d.info = {"network-isolation.egress-allow-all", "network-isolation", "Egress NetworkPolicies that allow everything",
            "The egress rules of every NetworkPolicy selecting the pods are added up (CIDRs minus their except "
            "lists, port ranges with endPort, protocol-only ports). If on every port of TCP, UDP or SCTP they "
            "reach at least half of the public IPv4 or IPv6 internet, the policies isolate nothing, however "
            "the CIDRs are split.",
            Severity::kHigh, Action::kDeny};
  d.parametersHelp =
      "unrestrictedWhen: \"internet\" (every port to at least half of the public addresses) or "
      "\"any-public-address\" (also every port to any single public address) (internet)";
  d.create = [](ParameterReader& parameters) -> RulePtr {
    const std::string text = parameters.string("unrestrictedWhen", "internet");
    UnrestrictedWhen when = UnrestrictedWhen::kInternet;
    if (text == "any-public-address") {
      when = UnrestrictedWhen::kAnyPublicAddress;
    } else if (text != "internet") {
      parameters.fail("unrestrictedWhen", "must be \"internet\" or \"any-public-address\", got \"" + text + "\"");
    }
    return makeCheckRule([when](const ObjectView& object, const RuleContext& context, std::vector<Violation>& out) {
      const auto judged = judgeWorkloadEgress(object, context, when, out);
      if (!judged || !judged->verdict.unrestricted) return;
      out.push_back(unrestrictedViolation(object, *judged));
    });
  };
  return d;
}

}  // namespace

void addNetworkIsolationRules(RuleCatalog& catalog) {
  catalog.add(egressUnrestrictedRule());
  catalog.add(egressAllowAllRule());
  catalog.add(egressSensitiveDestinationsRule());
}

}  // namespace agentguard::engine
