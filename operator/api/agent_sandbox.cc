// Longer than most files, for a reason: it reads and validates every field of an AgentSandbox spec, the
// API's contract with its authors, so each refusal names the field the same way; one reader per section
// (network, tools, egress hosts, lifecycle) keeps the functions short.
#include "operator/api/agent_sandbox.h"

#include <algorithm>
#include <set>

#include "common/time/rfc3339.h"
#include "operator/api/ip_block.h"
#include "operator/api/template_validation.h"

namespace agentguard::op {
namespace {

using nlohmann::json;

const json* field(const json& object, std::string_view name) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(name);
  if (it == object.end()) return nullptr;
  const json& value = *it;
  return value.is_null() ? nullptr : &value;
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

// spec.network.egress[i]: an IP block and its ports.
void readEgress(const json& egress, ParsedSpec& parsed) {
  for (size_t i = 0; i < egress.size(); ++i) {
    const json& entry = egress[i];
    const std::string base = "spec.network.egress[" + std::to_string(i) + "]";
    EgressDestination destination;
    if (!readBlock(entry, base, parsed, destination.cidr, destination.except)) continue;
    auto ports = readPorts(field(entry, "ports"), base + ".ports", parsed);
    if (!ports) continue;
    destination.ports = std::move(*ports);
    parsed.spec.network.egress.push_back(std::move(destination));
  }
}

// spec.network.ingress[i]: an IP block or selectors (never both), and the ports.
void readIngress(const json& ingress, ParsedSpec& parsed) {
  for (size_t i = 0; i < ingress.size(); ++i) {
    const json& entry = ingress[i];
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
    parsed.spec.network.ingress.push_back(std::move(source));
  }
}

// spec.network.dns: the mode, and the DNS Pods and node-local cache it may reach.
void readDns(const json& dns, ParsedSpec& parsed) {
  DnsSpec& out = parsed.spec.network.dns;
  const std::string mode = stringField(dns, "mode");
  if (mode == "None") {
    out.mode = DnsMode::kNone;
  } else if (!mode.empty() && mode != "ClusterDNS") {
    invalid(parsed, "spec.network.dns.mode", "must be ClusterDNS or None");
  }
  if (const std::string ns = stringField(dns, "namespace"); !ns.empty()) out.ns = ns;
  if (const json* selector = field(dns, "podSelector"); selector != nullptr && selector->is_object()) {
    std::map<std::string, std::string> labels;
    for (const auto& [key, value] : selector->items()) {
      if (value.is_string()) labels[key] = value.get<std::string>();
    }
    if (labels.empty()) {
      invalid(parsed, "spec.network.dns.podSelector", "is empty; it would allow DNS to every pod. Name the DNS pods' labels");
    } else {
      out.podSelector = std::move(labels);
    }
  }
  if (const std::string ip = stringField(dns, "nodeLocalDNSCacheIP"); !ip.empty()) {
    const auto address = IpBlock::parse(ip, /*allowBareAddress=*/true);
    if (!address || ip.find('/') != std::string::npos) {
      invalid(parsed, "spec.network.dns.nodeLocalDNSCacheIP", "is not an IP address (for example 169.254.20.10)");
    } else if (!refuseEmbeddedIpv4(*address, "spec.network.dns.nodeLocalDNSCacheIP", parsed)) {
      out.nodeLocalCacheIp = ip;
    }
  }
}

void readNetwork(const json* network, ParsedSpec& parsed) {
  if (network == nullptr) return;
  if (const json* egress = field(*network, "egress"); egress != nullptr && egress->is_array()) readEgress(*egress, parsed);
  if (const json* ingress = field(*network, "ingress"); ingress != nullptr && ingress->is_array()) {
    readIngress(*ingress, parsed);
  }
  if (const json* dns = field(*network, "dns"); dns != nullptr) readDns(*dns, parsed);
}

bool isDnsLabel(std::string_view label) {
  if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
  return std::all_of(label.begin(), label.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

// "host:port" with a lower-case DNS name (or an IPv4 address, which is a name of digit labels), optionally
// "*." (one more label) or "**." (one or more) in front of at least two labels. Empty when valid, else what is wrong.
std::string egressHostProblem(const std::string& entry) {
  const size_t colon = entry.rfind(':');
  if (colon == std::string::npos) return "has no port; write host:port, for example api.github.com:443";
  const std::string port = entry.substr(colon + 1);
  if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      std::stoi(port) < 1 || std::stoi(port) > 65535) {
    return "has no port from 1 to 65535; write host:port, for example api.github.com:443";
  }
  std::string_view host(entry.data(), colon);
  bool wildcard = false;
  if (host.rfind("**.", 0) == 0) {
    host.remove_prefix(3);
    wildcard = true;
  } else if (host.rfind("*.", 0) == 0) {
    host.remove_prefix(2);
    wildcard = true;
  }
  if (host.empty() || host.size() > 253) return "has no host name of 1 to 253 characters";
  size_t labels = 0;
  for (size_t start = 0; start <= host.size(); ++labels) {
    const size_t dot = std::min(host.find('.', start), host.size());
    if (!isDnsLabel(host.substr(start, dot - start))) {
      return "is not a lower-case DNS name (labels of a-z, 0-9 and -; \"*.\" or \"**.\" only in front)";
    }
    start = dot + 1;
  }
  if (wildcard && labels < 2) return "puts a wildcard in front of a top-level domain; name the domain, for example *.pypi.org:443";
  return {};
}

// An MCP server URL: http or https, a host, no userinfo, no fragment. Empty when valid, else what is wrong.
std::string serverUrlProblem(const std::string& url) {
  size_t rest = 0;
  if (url.rfind("http://", 0) == 0) {
    rest = 7;
  } else if (url.rfind("https://", 0) == 0) {
    rest = 8;
  } else {
    return "must start with http:// or https://";
  }
  const size_t end = std::min(url.find_first_of("/?#", rest), url.size());
  const std::string_view authority(url.data() + rest, end - rest);
  if (authority.empty()) return "has no host";
  if (authority.find('@') != std::string_view::npos) return "has userinfo (user@); put credentials in credentialsSecretRef";
  if (url.find('#') != std::string::npos) return "has a fragment (#); remove it";
  if (std::any_of(url.begin(), url.end(), [](unsigned char c) { return c <= ' ' || c >= 0x7f; })) {
    return "has spaces, control or non-ASCII characters; percent-encode them";
  }
  return {};
}

void readTools(const json* tools, ParsedSpec& parsed) {
  if (tools == nullptr) return;
  if (!tools->is_object()) {
    invalid(parsed, "spec.tools", "must be an object with servers");
    return;
  }
  ToolsSpec out;
  const std::string mode = stringField(*tools, "mode");
  if (mode == "Audit") {
    out.mode = ToolsMode::kAudit;
  } else if (!mode.empty() && mode != "Enforce") {
    invalid(parsed, "spec.tools.mode", "must be Enforce or Audit");
  }
  const json* servers = field(*tools, "servers");
  if (servers == nullptr || !servers->is_array() || servers->empty() || servers->size() > kMaxToolServers) {
    invalid(parsed, "spec.tools.servers",
            "must list 1 to " + std::to_string(kMaxToolServers) + " MCP servers, or remove spec.tools");
  } else {
    std::set<std::string> names;
    for (size_t i = 0; i < servers->size(); ++i) {
      const json& entry = (*servers)[i];
      const std::string base = "spec.tools.servers[" + std::to_string(i) + "]";
      ToolServer server{stringField(entry, "name"), stringField(entry, "url")};
      if (!isDnsLabel(server.name)) {
        invalid(parsed, base + ".name", "must be a DNS label (a-z, 0-9 and -, at most 63); it names the path $MCP_GATEWAY_URL/<name>");
      } else if (!names.insert(server.name).second) {
        invalid(parsed, base + ".name", "repeats the server name " + server.name + "; give each server its own name");
      }
      if (const std::string problem = serverUrlProblem(server.url); !problem.empty()) {
        invalid(parsed, base + ".url", problem);
      }
      out.servers.push_back(std::move(server));
    }
  }
  parsed.spec.tools = std::move(out);
}

void readEgressHosts(const json* network, ParsedSpec& parsed) {
  const json* hosts = network == nullptr ? nullptr : field(*network, "egressHosts");
  if (hosts == nullptr) return;
  if (!hosts->is_array() || hosts->size() > kMaxEgressHosts) {
    invalid(parsed, "spec.network.egressHosts", "must list at most " + std::to_string(kMaxEgressHosts) + " host:port entries");
    return;
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < hosts->size(); ++i) {
    const std::string path = "spec.network.egressHosts[" + std::to_string(i) + "]";
    const json& entry = (*hosts)[i];
    if (!entry.is_string()) {
      invalid(parsed, path, "must be a string host:port");
      continue;
    }
    const std::string host = entry.get<std::string>();
    if (const std::string problem = egressHostProblem(host); !problem.empty()) {
      invalid(parsed, path, "\"" + host + "\" " + problem);
    } else if (seen.insert(host).second) {
      parsed.spec.network.egressHosts.push_back(host);
    }
  }
}

// A sandbox that uses the gate reaches the outside only through it: CIDR egress next to it would be a way around
// every decision the gate makes.
void checkGateCombination(const json* network, ParsedSpec& parsed) {
  const bool hasHosts = network != nullptr && field(*network, "egressHosts") != nullptr &&
                        !field(*network, "egressHosts")->empty();
  const bool hasTools = parsed.spec.tools.has_value();
  const json* egress = network == nullptr ? nullptr : field(*network, "egress");
  if ((!hasHosts && !hasTools) || egress == nullptr || !egress->is_array() || egress->empty()) return;
  invalid(parsed, "spec.network.egress",
          std::string("lists CIDRs while ") + (hasTools ? "spec.tools" : "spec.network.egressHosts") +
              " is set: a sandbox that uses the gate reaches the outside only through it. Move the hosts into "
              "spec.network.egressHosts (host:port) and remove spec.network.egress");
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
    if (auto time = time::parseRfc3339(text); time) {
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
    meta.creationTimestamp = time::parseRfc3339(created);
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
  readEgressHosts(field(spec, "network"), parsed);
  readTools(field(spec, "tools"), parsed);
  checkGateCombination(field(spec, "network"), parsed);
  checkPolicySize(parsed);
  readLifecycle(field(spec, "lifecycle"), parsed);
  return parsed;
}

ParsedSpec parseGateFields(const json& spec) {
  ParsedSpec parsed;
  if (!spec.is_object()) return parsed;
  readEgressHosts(field(spec, "network"), parsed);
  readTools(field(spec, "tools"), parsed);
  return parsed;
}

std::string egressSummary(const AgentSandboxSpec& spec) {
  if (!spec.usesGate()) return egressSummary(spec.network);
  const size_t servers = spec.tools ? spec.tools->servers.size() : 0;
  const size_t hosts = spec.network.egressHosts.size();
  std::string out = "Gate only (";
  out += std::to_string(servers) + (servers == 1 ? " MCP server, " : " MCP servers, ");
  out += std::to_string(hosts) + (hosts == 1 ? " host)" : " hosts)");
  return out;
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
