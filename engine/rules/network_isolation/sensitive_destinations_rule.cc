#include "engine/rules/network_isolation/sensitive_destinations_rule.h"

#include <string>

#include "engine/network/cidr.h"
#include "engine/network/public_addresses.h"
#include "engine/policy/parameter_reader.h"
#include "engine/rules/check_rule.h"
#include "engine/rules/network_isolation/egress_findings.h"

namespace agentguard::engine {
namespace {

constexpr int kDnsPort = 53;

// Link-local ranges where clouds serve instance metadata (169.254.169.254, AWS's fd00:ec2::254).
const Destinations& metadataAddresses() {
  static const Destinations addresses = [] {
    Destinations d;
    d.ipv4.add(Cidr::parse("169.254.0.0/16")->range());
    d.ipv6.add(Cidr::parse("fe80::/10")->range());
    d.ipv6.add(Cidr::parse("fd00:ec2::254/128")->range());
    return d;
  }();
  return addresses;
}

bool reachesMetadata(const EgressGrant& grant) {
  return !grant.to.ipv4.intersection(metadataAddresses().ipv4).empty() ||
         !grant.to.ipv6.intersection(metadataAddresses().ipv6).empty();
}

// The share of public addresses of the wider family the grants reach on port 53 (UDP or TCP).
double publicDnsShare(const std::vector<const EgressGrant*>& grants) {
  Destinations reached;
  for (const EgressGrant* grant : grants) {
    if (grant->protocol == Protocol::kSctp || grant->ports.first > kDnsPort || grant->ports.last < kDnsPort) continue;
    reached.ipv4.add(grant->to.ipv4);
    reached.ipv6.add(grant->to.ipv6);
  }
  reached.ipv4.add(ipv4ThroughNat64(reached.ipv6));
  const double ipv4 = static_cast<double>(reached.ipv4.intersection(publicIPv4()).count() / publicIPv4().count());
  const double ipv6 = static_cast<double>(reached.ipv6.intersection(publicIPv6()).count() / publicIPv6().count());
  return ipv4 > ipv6 ? ipv4 : ipv6;
}

std::vector<const EgressGrant*> grantsOf(const EgressVerdict& verdict) {
  std::vector<const EgressGrant*> grants;
  for (const auto* list : {&verdict.selectingAll, &verdict.selectingSome}) {
    for (const EgressPolicy* policy : *list) {
      for (const EgressGrant& grant : policy->grants) grants.push_back(&grant);
    }
  }
  return grants;
}

void checkMetadata(const JudgedEgress& judged, std::vector<Violation>& out) {
  for (const auto* list : {&judged.verdict.selectingAll, &judged.verdict.selectingSome}) {
    for (const EgressPolicy* policy : *list) {
      for (const EgressGrant& grant : policy->grants) {
        if (!reachesMetadata(grant)) continue;
        const std::string rule = "spec.egress[" + std::to_string(grant.rule) + "]";
        out.push_back({judged.labelsPath,
                       "NetworkPolicy \"" + policy->name + "\" (" + rule +
                           ") lets these pods reach link-local addresses, where clouds serve instance metadata "
                           "and credentials (169.254.169.254, fd00:ec2::254)",
                       "add except: [169.254.0.0/16] to that rule's IPv4 ipBlock (fe80::/10 and fd00:ec2::254/128 "
                       "to an IPv6 one), or name narrower CIDRs"});
        return;
      }
    }
  }
}

}  // namespace

RuleDefinition egressSensitiveDestinationsRule() {
  RuleDefinition d;
  d.info = {"network-isolation.egress-sensitive-destinations", "network-isolation",
            "Egress to cloud metadata or to DNS servers on the internet",
            "Egress NetworkPolicies selecting the pods allow link-local addresses (169.254.0.0/16, fe80::/10, "
            "fd00:ec2::254), where clouds serve instance credentials, or DNS (port 53) to at least half of the "
            "public internet, a channel for exfiltration that bypasses the cluster's resolver.",
            Severity::kMedium, Action::kWarn};
  d.parametersHelp =
      "metadata: report egress to link-local metadata addresses (true)\n"
      "dns: report DNS allowed to the internet (true)";
  d.create = [](ParameterReader& parameters) -> RulePtr {
    const bool metadata = parameters.boolean("metadata", true);
    const bool dns = parameters.boolean("dns", true);
    return makeCheckRule([metadata, dns](const ObjectView& object, const RuleContext& context,
                                         std::vector<Violation>& out) {
      const auto judged = judgeWorkloadEgress(object, context, UnrestrictedWhen::kInternet, out);
      if (!judged) return;
      if (metadata) checkMetadata(*judged, out);
      if (dns && publicDnsShare(grantsOf(judged->verdict)) >= kInternetShare) {
        out.push_back({judged->labelsPath,
                       "the egress NetworkPolicies selecting these pods allow DNS (port 53) to the internet, so "
                       "they can reach any resolver, including one that carries data out",
                       "allow port 53 only to the cluster's DNS pods (namespaceSelector kube-system, podSelector "
                       "k8s-app: kube-dns)"});
      }
    });
  };
  return d;
}

}  // namespace agentguard::engine
