#pragma once

#include <optional>
#include <vector>

#include "engine/network/namespace_policies.h"
#include "engine/network/public_reach.h"

namespace agentguard::engine {

// What counts as unrestricted egress (the egress-allow-all rule's `unrestrictedWhen` parameter).
enum class UnrestrictedWhen {
  kInternet,          // on every port of a protocol, at least kInternetShare of the public internet
  kAnyPublicAddress,  // the above, or any one public address on every port of a protocol
};
// The share of all (port, public address) pairs of IPv4 or of IPv6 from which egress counts as open to
// the internet: 0.0.0.0/0 split in halves, minus private ranges or a /32, on 1-65535 or on no port list
// at all, is the internet; 443 to anywhere, or every port to a /8, is not.
inline constexpr double kInternetShare = 0.5;

// How the NetworkPolicies of a namespace restrict the egress of a workload's pods.
struct EgressVerdict {
  // Well-formed Egress policies whose podSelector selects every pod / only some pods.
  std::vector<const EgressPolicy*> selectingAll;
  std::vector<const EgressPolicy*> selectingSome;
  // Set when the union of everything those policies allow opens the internet; the widest protocol.
  std::optional<PublicReach> unrestricted;

  // Every pod is isolated for egress.
  bool isolated() const { return !selectingAll.empty(); }
  // The answer to "is this workload's egress restricted": isolated, and not open to the internet.
  bool restricted() const { return isolated() && !unrestricted; }
};

// Judges the egress of pods carrying `labels` (see podLabelsOf) under a namespace's policies. The policies
// that may select some of the pods count towards what is allowed: a pod gets the union of all of them.
EgressVerdict judgeEgress(const NamespacePolicies& policies, const PodLabels& labels,
                          UnrestrictedWhen when = UnrestrictedWhen::kInternet);

// Whether a public reach counts as unrestricted.
bool isUnrestricted(const PublicReach& reach, UnrestrictedWhen when);

}  // namespace agentguard::engine
