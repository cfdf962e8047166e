#include "engine/rules/network_isolation/egress_findings.h"

#include <cmath>

namespace agentguard::engine {
namespace {

std::string percent(double share) {
  const double value = std::floor(share * 1000.0) / 10.0;
  std::string text = std::to_string(value);
  text.erase(text.find('.') + 2);
  return text + "%";
}

std::string reachText(const PublicReach& reach) {
  const bool ipv4 = reach.ipv4Share >= reach.ipv6Share;
  return percent(ipv4 ? reach.ipv4Share : reach.ipv6Share) + " of all (port, public " +
         (ipv4 ? "IPv4" : "IPv6") + " address) pairs on " + std::string(protocolName(reach.protocol));
}

}  // namespace

std::string policyNames(const std::vector<const EgressPolicy*>& policies) {
  std::string text;
  for (const EgressPolicy* policy : policies) {
    if (!text.empty()) text += ", ";
    text += "\"" + policy->name + "\"";
  }
  return text;
}

std::optional<JudgedEgress> judgeWorkloadEgress(const ObjectView& object, const RuleContext& context,
                                                UnrestrictedWhen when, std::vector<Violation>& out) {
  const PodTemplateRef* pod = object.podTemplate();
  if (pod == nullptr) return std::nullopt;
  const std::string labelsPath = pod->metadataPath + ".labels";
  if (context.networkPolicies == nullptr) {
    out.push_back({labelsPath, "no NetworkPolicy source is available, so egress isolation cannot be verified",
                   "run the check with the namespace's NetworkPolicies in the input"});
    return std::nullopt;
  }
  auto policies = context.networkPolicies->policiesIn(object.namespaceName());
  if (!policies) {
    out.push_back({labelsPath,
                   "the NetworkPolicies of namespace \"" + object.namespaceName() + "\" cannot be read (" +
                       policies.error().message + "), so egress isolation cannot be verified",
                   "retry once the admission controller's NetworkPolicy cache is synced"});
    return std::nullopt;
  }
  JudgedEgress judged{std::move(policies).value(), podLabelsOf(object), labelsPath, {}};
  judged.verdict = judgeEgress(*judged.policies, judged.labels, when);
  return judged;
}

Violation notIsolatedViolation(const ObjectView& object, const JudgedEgress& judged) {
  const std::string& ns = object.namespaceName();
  std::string message = "no NetworkPolicy in namespace \"" + ns + "\" selects every pod labelled " +
                        judged.labels.describe() + " for egress, so they can connect to any address";
  if (!judged.verdict.selectingSome.empty()) {
    const bool one = judged.verdict.selectingSome.size() == 1;
    message += std::string(one ? "; NetworkPolicy " : "; NetworkPolicies ") +
               policyNames(judged.verdict.selectingSome) + (one ? " selects" : " select") +
               " only some of them (a podSelector testing a label whose value varies from pod to pod or is "
               "chosen by the controller)";
  }
  if (!judged.policies->malformed().empty()) {
    const EgressPolicy& bad = *judged.policies->malformed().front();
    message += "; NetworkPolicy \"" + bad.name + "\" restricts nothing because it is malformed (" + bad.problem + ")";
  }
  return {judged.labelsPath, message,
          "add a NetworkPolicy in namespace \"" + ns +
              "\" whose podSelector matches labels every pod carries, with policyTypes [Egress] and only the "
              "destinations the workload needs (plus DNS to kube-dns)"};
}

Violation unrestrictedViolation(const ObjectView& object, const JudgedEgress& judged) {
  std::vector<const EgressPolicy*> policies = judged.verdict.selectingAll;
  policies.insert(policies.end(), judged.verdict.selectingSome.begin(), judged.verdict.selectingSome.end());
  return {judged.labelsPath,
          std::string("the egress rules of NetworkPolic") + (policies.size() == 1 ? "y " : "ies ") +
              policyNames(policies) + " in namespace \"" + object.namespaceName() +
              "\" together let these pods reach " + reachText(*judged.verdict.unrestricted) +
              ", which is the internet however the CIDRs and ports are split",
          "narrow those egress rules to the CIDRs or pod selectors and ports the workload needs"};
}

}  // namespace agentguard::engine
