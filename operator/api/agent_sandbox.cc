#include "operator/api/agent_sandbox.h"

#include <algorithm>

#include "operator/api/ip_block.h"
#include "operator/api/template_validation.h"

namespace agentguard::op {
namespace {

using nlohmann::json;

const json* field(const json& object, std::string_view name) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(name);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

std::string stringField(const json& object, std::string_view name) {
  const json* value = field(object, name);
  return value != nullptr && value->is_string() ? value->get<std::string>() : std::string();
}

void invalid(ParsedSpec& parsed, const std::string& path, const std::string& message) {
  parsed.violations.push_back({path, path + " " + message, std::string(kReasonInvalidSpec)});
}

// The port entries of one destination or source. An entry that is invalid is reported and makes the whole entry
// unusable (nullopt): leaving it out would turn a destination whose every port is invalid into "all ports".
std::optional<std::vector<PortRange>> readPorts(const json* ports, const std::string& base, ParsedSpec& parsed) {
  std::vector<PortRange> result;
  if (ports == nullptr || !ports->is_array()) return result;
  const size_t reported = parsed.violations.size();
  for (size_t i = 0; i < ports->size(); ++i) {
    const json& entry = (*ports)[i];
    const std::string path = base + "[" + std::to_string(i) + "]";
    PortRange range;
    const json* port = field(entry, "port");
    if (port == nullptr || !port->is_number_integer() || port->get<int64_t>() < 1 || port->get<int64_t>() > 65535) {
      invalid(parsed, path + ".port", "must be a port number from 1 to 65535");
      continue;
    }
    range.port = port->get<int>();
    if (const json* endPort = field(entry, "endPort"); endPort != nullptr) {
      if (!endPort->is_number_integer() || endPort->get<int64_t>() < range.port || endPort->get<int64_t>() > 65535) {
        invalid(parsed, path + ".endPort", "must be a port number from port to 65535");
        continue;
      }
      if (endPort->get<int64_t>() - range.port + 1 > kMaxPortRange) {
        invalid(parsed, path + ".endPort",
                "makes a range of more than " + std::to_string(kMaxPortRange) + " ports; split it or list the ports");
        continue;
      }
      if (endPort->get<int>() != range.port) range.endPort = endPort->get<int>();
    }
    const std::string protocol = stringField(entry, "protocol");
    if (!protocol.empty()) {
      if (protocol != "TCP" && protocol != "UDP" && protocol != "SCTP") {
        invalid(parsed, path + ".protocol", "must be TCP, UDP or SCTP");
        continue;
      }
      range.protocol = protocol;
    }
    result.push_back(range);
  }
  if (parsed.violations.size() != reported) return std::nullopt;
  return result;
}

int portCount(const std::vector<PortRange>& ranges) {
  int count = 0;
  for (const PortRange& range : ranges) count += range.endPort.value_or(range.port) - range.port + 1;
  return count;
}

// An IPv6 block that embeds IPv4 is read as IPv4 by some implementations ("::ffff:0.0.0.0/96" is all of IPv4).
bool refuseEmbeddedIpv4(const IpBlock& block, const std::string& path, ParsedSpec& parsed) {
  if (!block.embedsIpv4()) return false;
  invalid(parsed, path,
          "is an IPv4-mapped or IPv4-compatible IPv6 block (::ffff:0:0/96, ::/96); write the IPv4 block instead");
  return true;
}

// Reads cidr and except; except blocks must lie strictly inside cidr (as the API server requires).
bool readBlock(const json& entry, const std::string& base, ParsedSpec& parsed, std::string& cidr,
               std::vector<std::string>& except) {
  const std::string text = stringField(entry, "cidr");
  const auto block = IpBlock::parse(text);
  if (!block) {
    invalid(parsed, base + ".cidr", "is not a CIDR block (for example 203.0.113.0/24)");
    return false;
  }
  if (refuseEmbeddedIpv4(*block, base + ".cidr", parsed)) return false;
  cidr = block->canonical();
  bool ok = true;
  if (const json* holes = field(entry, "except"); holes != nullptr && holes->is_array()) {
    for (size_t i = 0; i < holes->size(); ++i) {
      const std::string path = base + ".except[" + std::to_string(i) + "]";
      const auto hole = (*holes)[i].is_string() ? IpBlock::parse((*holes)[i].get<std::string>()) : std::nullopt;
      if (!hole) {
        invalid(parsed, path, "is not a CIDR block");
        ok = false;
      } else if (refuseEmbeddedIpv4(*hole, path, parsed)) {
        ok = false;
      } else if (!block->contains(*hole) || hole->prefixLength() <= block->prefixLength()) {
        invalid(parsed, path, "must be a block strictly inside " + cidr);
        ok = false;
      } else {
        except.push_back(hole->canonical());
      }
    }
  }
  return ok;
}

bool validSelector(const json& selector) {
  if (!selector.is_object()) return false;
  for (const auto& [key, value] : selector.items()) {
    if (key != "matchLabels" && key != "matchExpressions") return false;
  }
  return true;
}

void readNetwork(const json* network, ParsedSpec& parsed) {
  NetworkSpec& out = parsed.spec.network;
  if (network == nullptr) return;
  if (const json* egress = field(*network, "egress"); egress != nullptr && egress->is_array()) {
    for (size_t i = 0; i < egress->size(); ++i) {
      const json& entry = (*egress)[i];
      const std::string base = "spec.network.egress[" + std::to_string(i) + "]";
      EgressDestination destination;
      if (!readBlock(entry, base, parsed, destination.cidr, destination.except)) continue;
      auto ports = readPorts(field(entry, "ports"), base + ".ports", parsed);
      if (!ports) continue;
      destination.ports = std::move(*ports);
      out.egress.push_back(std::move(destination));
    }
  }
  if (const json* ingress = field(*network, "ingress"); ingress != nullptr && ingress->is_array()) {
    for (size_t i = 0; i < ingress->size(); ++i) {
      const json& entry = (*ingress)[i];
      const std::string base = "spec.network.ingress[" + std::to_string(i) + "]";
      IngressSource source;
      const bool hasCidr = field(entry, "cidr") != nullptr;
      const json* podSelector = field(entry, "podSelector");
      const json* namespaceSelector = field(entry, "namespaceSelector");
      if (hasCidr && (podSelector != nullptr || namespaceSelector != nullptr)) {
        invalid(parsed, base, "sets both cidr and selectors; use one entry for each");
        continue;
      }
      if (!hasCidr && podSelector == nullptr && namespaceSelector == nullptr) {
        invalid(parsed, base, "names no source; set cidr, podSelector or namespaceSelector");
        continue;
      }
      if (hasCidr) {
        std::string cidr;
        if (!readBlock(entry, base, parsed, cidr, source.except)) continue;
        source.cidr = cidr;
      } else if (field(entry, "except") != nullptr) {
        invalid(parsed, base + ".except", "needs cidr");
        continue;
      }
      if (podSelector != nullptr) {
        if (!validSelector(*podSelector)) {
          invalid(parsed, base + ".podSelector", "must have only matchLabels and matchExpressions");
          continue;
        }
        source.podSelector = *podSelector;
      }
      if (namespaceSelector != nullptr) {
        if (!validSelector(*namespaceSelector)) {
          invalid(parsed, base + ".namespaceSelector", "must have only matchLabels and matchExpressions");
          continue;
        }
        source.namespaceSelector = *namespaceSelector;
      }
      auto ports = readPorts(field(entry, "ports"), base + ".ports", parsed);
      if (!ports) continue;
      source.ports = std::move(*ports);
      out.ingress.push_back(std::move(source));
    }
  }
  if (const json* dns = field(*network, "dns"); dns != nullptr) {
    const std::string mode = stringField(*dns, "mode");
    if (mode == "None") {
      out.dns.mode = DnsMode::kNone;
    } else if (!mode.empty() && mode != "ClusterDNS") {
      invalid(parsed, "spec.network.dns.mode", "must be ClusterDNS or None");
    }
    if (const std::string ns = stringField(*dns, "namespace"); !ns.empty()) out.dns.ns = ns;
    if (const json* selector = field(*dns, "podSelector"); selector != nullptr && selector->is_object()) {
      std::map<std::string, std::string> labels;
      for (const auto& [key, value] : selector->items()) {
        if (value.is_string()) labels[key] = value.get<std::string>();
      }
      if (labels.empty()) {
        invalid(parsed, "spec.network.dns.podSelector", "is empty; it would allow DNS to every pod. Name the DNS pods' labels");
      } else {
        out.dns.podSelector = std::move(labels);
      }
    }
    if (const std::string ip = stringField(*dns, "nodeLocalDNSCacheIP"); !ip.empty()) {
      const auto address = IpBlock::parse(ip, /*allowBareAddress=*/true);
      if (!address || ip.find('/') != std::string::npos) {
        invalid(parsed, "spec.network.dns.nodeLocalDNSCacheIP", "is not an IP address (for example 169.254.20.10)");
      } else if (!refuseEmbeddedIpv4(*address, "spec.network.dns.nodeLocalDNSCacheIP", parsed)) {
        out.dns.nodeLocalCacheIp = ip;
      }
    }
  }
}

// Every port range is written out port by port; the sum is bounded so the policy stays a size the API server takes.
void checkPolicySize(ParsedSpec& parsed) {
  int total = 0;
  for (const EgressDestination& destination : parsed.spec.network.egress) total += portCount(destination.ports);
  for (const IngressSource& source : parsed.spec.network.ingress) total += portCount(source.ports);
  if (total > kMaxPolicyPorts) {
    invalid(parsed, "spec.network",
            "lists " + std::to_string(total) + " ports in all (endPort ranges count port by port), more than " +
                std::to_string(kMaxPolicyPorts) + "; allow fewer ports or whole blocks");
  }
}

void readLifecycle(const json* lifecycle, ParsedSpec& parsed) {
  LifecycleSpec& out = parsed.spec.lifecycle;
  if (lifecycle == nullptr) return;
  if (const std::string text = stringField(*lifecycle, "maxLifetime"); !text.empty()) {
    if (auto duration = parseDuration(text); duration) {
      out.maxLifetime = *duration;
    } else {
      invalid(parsed, "spec.lifecycle.maxLifetime", "is not a duration (for example 30m, 2h or 1h30m)");
    }
  }
  if (const std::string text = stringField(*lifecycle, "shutdownTime"); !text.empty()) {
    if (auto time = parseTime(text); time) {
      out.shutdownTime = *time;
    } else {
      invalid(parsed, "spec.lifecycle.shutdownTime", "is not an RFC 3339 time (for example 2030-01-01T00:00:00Z)");
    }
  }
  const std::string onExpiry = stringField(*lifecycle, "onExpiry");
  if (onExpiry == "DeleteSandbox") {
    out.onExpiry = OnExpiry::kDeleteSandbox;
  } else if (!onExpiry.empty() && onExpiry != "DeletePod") {
    invalid(parsed, "spec.lifecycle.onExpiry", "must be DeletePod or DeleteSandbox");
  }
  if (const json* ttl = field(*lifecycle, "ttlSecondsAfterFinished"); ttl != nullptr) {
    if (ttl->is_number_integer() && ttl->get<int64_t>() >= 0) {
      out.ttlSecondsAfterFinished = ttl->get<int64_t>();
    } else {
      invalid(parsed, "spec.lifecycle.ttlSecondsAfterFinished", "must be a number of seconds, 0 or more");
    }
  }
  const std::string restart = stringField(*lifecycle, "restartPolicy");
  if (restart == "Never") {
    out.restartPolicy = RestartPolicy::kNever;
  } else if (restart == "OnFailure") {
    out.restartPolicy = RestartPolicy::kOnFailure;
  } else if (!restart.empty() && restart != "Always") {
    invalid(parsed, "spec.lifecycle.restartPolicy", "must be Never, OnFailure or Always");
  }
}

}  // namespace

std::string_view restartPolicyName(RestartPolicy policy) {
  switch (policy) {
    case RestartPolicy::kNever: return "Never";
    case RestartPolicy::kOnFailure: return "OnFailure";
    case RestartPolicy::kAlways: return "Always";
  }
  return "Always";
}

bool SandboxMeta::hasFinalizer(std::string_view finalizer) const {
  return std::find(finalizers.begin(), finalizers.end(), finalizer) != finalizers.end();
}

SandboxMeta readMeta(const json& object) {
  SandboxMeta meta;
  const json* metadata = field(object, "metadata");
  if (metadata == nullptr) return meta;
  meta.ns = stringField(*metadata, "namespace");
  meta.name = stringField(*metadata, "name");
  meta.uid = stringField(*metadata, "uid");
  meta.resourceVersion = stringField(*metadata, "resourceVersion");
  if (const json* generation = field(*metadata, "generation"); generation != nullptr && generation->is_number_integer()) {
    meta.generation = generation->get<int64_t>();
  }
  if (const std::string created = stringField(*metadata, "creationTimestamp"); !created.empty()) {
    meta.creationTimestamp = parseTime(created);
  }
  meta.deleting = field(*metadata, "deletionTimestamp") != nullptr;
  if (const json* finalizers = field(*metadata, "finalizers"); finalizers != nullptr && finalizers->is_array()) {
    for (const json& finalizer : *finalizers) {
      if (finalizer.is_string()) meta.finalizers.push_back(finalizer.get<std::string>());
    }
  }
  return meta;
}

ParsedSpec parseSpec(const json& spec) {
  ParsedSpec parsed;
  if (!spec.is_object()) {
    invalid(parsed, "spec", "is missing");
    return parsed;
  }
  if (const std::string runtimeClass = stringField(spec, "runtimeClassName"); !runtimeClass.empty()) {
    parsed.spec.runtimeClassName = runtimeClass;
  }
  if (const json* podTemplate = field(spec, "template"); podTemplate != nullptr) {
    parsed.spec.podTemplate = *podTemplate;
  }
  auto templateViolations = validateTemplate(parsed.spec.podTemplate);
  parsed.violations.insert(parsed.violations.end(), std::make_move_iterator(templateViolations.begin()),
                           std::make_move_iterator(templateViolations.end()));
  readNetwork(field(spec, "network"), parsed);
  checkPolicySize(parsed);
  readLifecycle(field(spec, "lifecycle"), parsed);
  return parsed;
}

std::string egressSummary(const NetworkSpec& network) {
  const size_t dnsTargets = network.dns.mode == DnsMode::kNone ? 0 : (network.dns.nodeLocalCacheIp ? 2 : 1);
  if (network.egress.empty() && dnsTargets == 0) return "Isolated";
  std::string out = network.egress.empty() ? std::string("DNS only")
                                           : std::to_string(network.egress.size()) +
                                                 (network.egress.size() == 1 ? " destination" : " destinations");
  if (dnsTargets > 0) {
    out += (network.egress.empty() ? " (" : " + DNS (") + std::to_string(dnsTargets) +
           (dnsTargets == 1 ? " target)" : " targets)");
  }
  return out;
}

}  // namespace agentguard::op
