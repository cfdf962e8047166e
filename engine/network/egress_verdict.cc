#include "engine/network/egress_verdict.h"

namespace agentguard::engine {

bool isUnrestricted(const PublicReach& reach, UnrestrictedWhen when) {
  if (reach.widerShare() >= kInternetShare) return true;
  return when == UnrestrictedWhen::kAnyPublicAddress && reach.somePublicAddressOnEveryPort;
}

EgressVerdict judgeEgress(const NamespacePolicies& policies, const PodLabels& labels, UnrestrictedWhen when) {
  EgressVerdict verdict;
  std::vector<const EgressGrant*> grants;
  for (const SelectingPolicy& selecting : policies.egressPoliciesFor(labels)) {
    auto& list = selecting.match == SelectorMatch::kAll ? verdict.selectingAll : verdict.selectingSome;
    list.push_back(selecting.policy);
    for (const EgressGrant& grant : selecting.policy->grants) grants.push_back(&grant);
  }
  if (grants.empty()) return verdict;
  for (const PublicReach& reach : publicReachOf(grants)) {
    if (!isUnrestricted(reach, when)) continue;
    if (!verdict.unrestricted || reach.widerShare() > verdict.unrestricted->widerShare()) verdict.unrestricted = reach;
  }
  return verdict;
}

}  // namespace agentguard::engine
