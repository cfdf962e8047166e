#include "operator/api/class_bounds.h"

#include <algorithm>

#include "engine/network/label_selector.h"
#include "operator/api/json_fields.h"
#include "operator/api/quantity.h"

namespace agentguard::op {
namespace {

using nlohmann::json;
using json_fields::field;
using json_fields::listAt;
using json_fields::stringAt;

constexpr std::string_view kControlPlaneKeys[] = {"node-role.kubernetes.io/control-plane",
                                                  "node-role.kubernetes.io/master"};

std::string indexed(const std::string& base, size_t i) { return base + "[" + std::to_string(i) + "]"; }

bool isControlPlaneKey(const std::string& key) {
  return std::any_of(std::begin(kControlPlaneKeys), std::end(kControlPlaneKeys),
                     [&](std::string_view k) { return key == k; });
}

std::string joined(const std::set<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
  return out.empty() ? "none" : out;
}

void addReference(std::vector<ObjectReference>& out, const char* kind, const std::string& name, const std::string& path) {
  if (!name.empty()) out.push_back({kind, name, path});
}

void containerReferences(const json& container, const std::string& base, std::vector<ObjectReference>& out) {
  const json& env = listAt(container, "env");
  for (size_t i = 0; i < env.size(); ++i) {
    const json* from = field(env[i], "valueFrom");
    const std::string path = indexed(base + ".env", i) + ".valueFrom";
    addReference(out, "Secret", stringAt(from ? field(*from, "secretKeyRef") : nullptr, "name"), path + ".secretKeyRef.name");
    addReference(out, "ConfigMap", stringAt(from ? field(*from, "configMapKeyRef") : nullptr, "name"),
                 path + ".configMapKeyRef.name");
  }
  const json& envFrom = listAt(container, "envFrom");
  for (size_t i = 0; i < envFrom.size(); ++i) {
    const std::string path = indexed(base + ".envFrom", i);
    addReference(out, "Secret", stringAt(field(envFrom[i], "secretRef"), "name"), path + ".secretRef.name");
    addReference(out, "ConfigMap", stringAt(field(envFrom[i], "configMapRef"), "name"), path + ".configMapRef.name");
  }
}

// The ceiling of one resource: every container sets a limit, and the containers' limits add up to at most
// the class's (init containers run one at a time: each alone must fit).
void checkCeiling(const json& podSpec, const char* resource, std::optional<int64_t> ceilingMillis,
                  const std::string& limitText, const std::string& className, std::vector<Violation>& out) {
  if (!ceilingMillis) return;
  int64_t total = 0;
  for (const char* list : {"containers", "initContainers"}) {
    const json& containers = listAt(podSpec, list);
    for (size_t i = 0; i < containers.size(); ++i) {
      const std::string path = indexed(std::string("spec.template.spec.") + list, i) + ".resources.limits." + resource;
      const json* limits = field(containers[i], "resources");
      limits = limits ? field(*limits, "limits") : nullptr;
      const std::string text = stringAt(limits, resource);
      const json* number = limits ? field(*limits, resource) : nullptr;
      const auto millis = number != nullptr && number->is_number() ? parseQuantityMillis(number->dump())
                                                                   : parseQuantityMillis(text);
      if (!millis) {
        out.push_back({path, path + " is not set; AgentSandboxClass " + className + " limits " + resource + " to " +
                                 limitText + " per sandbox, so every container must set a limit",
                       std::string(kReasonExceedsClass)});
        continue;
      }
      if (std::string_view(list) == "containers") {
        total += *millis;
      } else if (*millis > *ceilingMillis) {
        out.push_back({path, path + " exceeds the " + resource + " ceiling " + limitText + " of AgentSandboxClass " +
                                 className + "; lower it", std::string(kReasonExceedsClass)});
      }
    }
  }
  if (total > *ceilingMillis) {
    out.push_back({"spec.template.spec.containers", "the containers' resources.limits." + std::string(resource) +
                                                        " add up to more than the ceiling " + limitText +
                                                        " of AgentSandboxClass " + className + "; lower them",
                   std::string(kReasonExceedsClass)});
  }
}

class BoundsChecker {
 public:
  explicit BoundsChecker(const ClassBoundsInput& in) : in_(in), class_(in.sandboxClass.spec), name_(in.sandboxClass.name) {
    out_.spec = in.spec;
  }

  BoundSpec run() {
    for (const std::string& error : in_.sandboxClass.errors) {
      out_.violations.push_back({"spec.className", "AgentSandboxClass " + name_ + ": " + error + "; fix the class",
                                 std::string(kReasonInvalidClass)});
    }
    runtime();
    egress();
    dns();
    serviceAccount();
    references();
    scheduling();
    const json podSpec = in_.spec.podTemplate.value("spec", json::object());
    checkCeiling(podSpec, "cpu", class_.resources.cpuMillis, text(class_.resources.cpuMillis, "m"), name_, out_.violations);
    checkCeiling(podSpec, "memory", class_.resources.memoryBytes ? std::optional<int64_t>(*class_.resources.memoryBytes * 1000) : std::nullopt,
                 text(class_.resources.memoryBytes, " bytes"), name_, out_.violations);
    lifetime();
    return std::move(out_);
  }

 private:
  static std::string text(std::optional<int64_t> value, const char* unit) {
    return value ? std::to_string(*value) + unit : std::string();
  }

  void exceeds(const std::string& path, const std::string& message) {
    out_.violations.push_back({path, path + " " + message, std::string(kReasonExceedsClass)});
  }
  std::string ofClass() const { return "AgentSandboxClass " + name_; }

  void runtime() {
    const std::string asked = stringAt(&in_.rawSpec, "runtimeClassName");
    if (class_.runtimeClassName && !asked.empty() && asked != *class_.runtimeClassName) {
      exceeds("spec.runtimeClassName", "is " + asked + " but " + ofClass() + " runs its sandboxes with " +
                                           *class_.runtimeClassName + "; remove it");
    }
    out_.runtimeClassName = class_.runtimeClassName ? *class_.runtimeClassName
                            : !asked.empty()        ? asked
                                                    : in_.defaultRuntimeClass;
    out_.spec.runtimeClassName = out_.runtimeClassName;
  }

  // Each destination lies inside an allowed block and outside every denied one; denied blocks inside it are
  // written as except. A destination beyond the class is left out of the policy (narrower, never wider).
  void egress() {
    std::vector<IpBlock> denied = builtInDeniedBlocks();
    denied.insert(denied.end(), in_.clusterDenied.begin(), in_.clusterDenied.end());
    denied.insert(denied.end(), class_.deniedCidrs.begin(), class_.deniedCidrs.end());
    std::vector<EgressDestination> kept;
    for (size_t i = 0; i < in_.spec.network.egress.size(); ++i) {
      EgressDestination destination = in_.spec.network.egress[i];
      const std::string path = indexed("spec.network.egress", i) + ".cidr";
      const auto block = IpBlock::parse(destination.cidr);
      if (!block) continue;  // parseSpec reported it
      const bool allowed = std::any_of(class_.allowedCidrs.begin(), class_.allowedCidrs.end(),
                                       [&](const IpBlock& a) { return a.contains(*block); });
      if (!allowed) {
        std::string list;
        for (const IpBlock& a : class_.allowedCidrs) list += (list.empty() ? "" : ", ") + a.canonical();
        exceeds(path, destination.cidr + " is outside the allowed egress of " + ofClass() + " (allowedCIDRs: " +
                          (list.empty() ? "none" : list) + "); remove the destination or narrow it");
        continue;
      }
      bool refused = false;
      for (const IpBlock& d : denied) {
        if (d.contains(*block)) {
          exceeds(path, destination.cidr + " lies inside " + d.canonical() + ", which " + ofClass() +
                            " denies (metadata, loopback, cluster or listed ranges); remove the destination");
          refused = true;
          break;
        }
        if (!block->contains(d)) continue;
        const bool covered = std::any_of(destination.except.begin(), destination.except.end(), [&](const std::string& e) {
          const auto hole = IpBlock::parse(e);
          return hole && hole->contains(d);
        });
        if (!covered) destination.except.push_back(d.canonical());
      }
      if (!refused) kept.push_back(std::move(destination));
    }
    out_.spec.network.egress = std::move(kept);
  }

  // The class names the DNS targets. The author may turn DNS off, or repeat the class's values; nothing else.
  void dns() {
    const json* network = field(in_.rawSpec, "network");
    const json* asked = network ? field(*network, "dns") : nullptr;
    DnsSpec effective = class_.dns;
    if (in_.spec.network.dns.mode == DnsMode::kNone) effective.mode = DnsMode::kNone;
    if (asked != nullptr) {
      const std::string ns = stringAt(asked, "namespace");
      if (!ns.empty() && ns != class_.dns.ns) {
        exceeds("spec.network.dns.namespace", "is " + ns + " but " + ofClass() + " serves DNS from namespace " +
                                                  class_.dns.ns + "; remove it (the class chooses the DNS pods)");
      }
      if (const json* selector = field(*asked, "podSelector"); selector != nullptr && selector->is_object()) {
        json classSelector = json::object();
        for (const auto& [key, value] : class_.dns.podSelector) classSelector[key] = value;
        if (*selector != classSelector) {
          exceeds("spec.network.dns.podSelector", "is " + selector->dump() + " but " + ofClass() +
                                                      " serves DNS from pods " + classSelector.dump() + "; remove it");
        }
      }
      const std::string ip = stringAt(asked, "nodeLocalDNSCacheIP");
      if (!ip.empty() && ip != class_.dns.nodeLocalCacheIp.value_or("")) {
        exceeds("spec.network.dns.nodeLocalDNSCacheIP",
                "is " + ip + " but " + ofClass() + " allows " +
                    (class_.dns.nodeLocalCacheIp ? "only " + *class_.dns.nodeLocalCacheIp : std::string("no node-local cache")) +
                    "; remove it");
      }
    }
    out_.spec.network.dns = std::move(effective);
  }

  void serviceAccount() {
    const json podSpec = in_.spec.podTemplate.value("spec", json::object());
    const std::string dedicated = dedicatedServiceAccountName(in_.meta);
    std::string asked = stringAt(&podSpec, "serviceAccountName");
    const std::string legacy = stringAt(&podSpec, "serviceAccount");
    if (!legacy.empty() && legacy != asked) {
      if (!asked.empty()) {
        exceeds("spec.template.spec.serviceAccount", "differs from serviceAccountName; remove it");
      }
      asked = legacy;
    }
    if (asked.empty() || asked == dedicated) {
      out_.serviceAccountName = dedicated;
      out_.dedicatedServiceAccount = true;
    } else if (class_.serviceAccounts.count(asked) != 0) {
      out_.serviceAccountName = asked;
    } else {
      exceeds("spec.template.spec.serviceAccountName",
              "is " + asked + ", which " + ofClass() + " does not allow (serviceAccountNames: " +
                  joined(class_.serviceAccounts) + "); remove it to get the dedicated ServiceAccount " + dedicated);
      out_.serviceAccountName = dedicated;
      out_.dedicatedServiceAccount = true;
    }
    json& spec = out_.spec.podTemplate["spec"];
    spec.erase("serviceAccount");
    spec["serviceAccountName"] = out_.serviceAccountName;
  }

  void references() {
    for (const ObjectReference& reference : referencedObjects(in_.spec.podTemplate)) {
      const ObjectAllowList& allowed = reference.kind == "Secret" ? class_.secrets : class_.configMaps;
      if (allowed.names.count(reference.name) != 0) continue;
      if (allowed.selector) {
        const auto it = in_.labels.find(referenceKey(reference));
        if (it != in_.labels.end() && it->second) {
          const auto matches = engine::selectorMatch(*allowed.selector, engine::PodLabels::exactly(&*it->second));
          if (matches.ok() && *matches == engine::SelectorMatch::kAll) continue;
        }
      }
      exceeds(reference.path, "names " + reference.kind + " " + reference.name + ", which " + ofClass() +
                                  " does not allow (" + (reference.kind == "Secret" ? "secrets" : "configMaps") +
                                  ": names " + joined(allowed.names) +
                                  (allowed.selector ? ", or labels matching " + allowed.selector->dump() : std::string()) +
                                  "); remove the reference or ask the platform team to allow it");
    }
  }

  void scheduling() {
    const json podSpec = in_.spec.podTemplate.value("spec", json::object());
    const std::string priority = stringAt(&podSpec, "priorityClassName");
    if (!priority.empty() && class_.priorityClassNames.count(priority) == 0 &&
        (!class_.priorityClassNames.empty() || priority.rfind("system-", 0) == 0)) {
      exceeds("spec.template.spec.priorityClassName",
              "is " + priority + ", which " + ofClass() + " does not allow (priorityClassNames: " +
                  (class_.priorityClassNames.empty() ? std::string("any but system-*") : joined(class_.priorityClassNames)) +
                  "); remove it");
    }
    const json& tolerations = listAt(podSpec, "tolerations");
    for (size_t i = 0; i < tolerations.size(); ++i) {
      const std::string key = stringAt(&tolerations[i], "key");
      const std::string path = indexed("spec.template.spec.tolerations", i);
      if (key.empty() && stringAt(&tolerations[i], "operator") == "Exists" && !class_.allowTolerateAll) {
        exceeds(path, "tolerates every taint (operator Exists without a key), which " + ofClass() +
                          " does not allow (scheduling.allowTolerateAll is false); name the taint's key");
      } else if (isControlPlaneKey(key) && !class_.allowControlPlane) {
        exceeds(path + ".key", "tolerates the control-plane taint " + key + ", which " + ofClass() +
                                   " does not allow (scheduling.allowControlPlane is false); remove it");
      }
    }
    if (class_.allowControlPlane) return;
    if (const json* selector = field(podSpec, "nodeSelector"); selector != nullptr && selector->is_object()) {
      for (const auto& [key, value] : selector->items()) {
        if (isControlPlaneKey(key)) {
          exceeds("spec.template.spec.nodeSelector[" + key + "]",
                  "selects control-plane nodes, which " + ofClass() + " does not allow (scheduling.allowControlPlane "
                  "is false); remove it");
        }
      }
    }
    const json* affinity = field(podSpec, "affinity");
    const json* nodeAffinity = affinity != nullptr ? field(*affinity, "nodeAffinity") : nullptr;
    if (nodeAffinity != nullptr) affinityTerms(*nodeAffinity, "spec.template.spec.affinity.nodeAffinity");
  }

  // Any node-affinity expression that selects control-plane nodes (In or Exists on a control-plane key);
  // NotIn and DoesNotExist keep sandboxes away from them and are welcome.
  void affinityTerms(const json& node, const std::string& path) {
    if (node.is_array()) {
      for (size_t i = 0; i < node.size(); ++i) affinityTerms(node[i], indexed(path, i));
      return;
    }
    if (!node.is_object()) return;
    const std::string op = stringAt(&node, "operator");
    if (isControlPlaneKey(stringAt(&node, "key")) && (op == "In" || op == "Exists")) {
      exceeds(path, "selects control-plane nodes (" + stringAt(&node, "key") + " " + op + "), which " + ofClass() +
                        " does not allow (scheduling.allowControlPlane is false); remove it");
      return;
    }
    for (const auto& [key, value] : node.items()) affinityTerms(value, path + "." + key);
  }

  void lifetime() {
    if (!class_.maxLifetime) return;
    const auto limit = *class_.maxLifetime;
    const std::string limitText = std::to_string(limit.count() / 1000) + "s";
    LifecycleSpec& lifecycle = out_.spec.lifecycle;
    if (lifecycle.maxLifetime && *lifecycle.maxLifetime > limit) {
      exceeds("spec.lifecycle.maxLifetime", "is longer than the maxLifetime " + limitText + " of " + ofClass() +
                                                "; shorten it");
    }
    if (lifecycle.shutdownTime && in_.meta.creationTimestamp &&
        *lifecycle.shutdownTime > *in_.meta.creationTimestamp + std::chrono::duration_cast<WallTime::duration>(limit)) {
      exceeds("spec.lifecycle.shutdownTime", "is later than creation plus the maxLifetime " + limitText + " of " +
                                                 ofClass() + "; bring it forward");
    }
    if (!lifecycle.maxLifetime || *lifecycle.maxLifetime > limit) lifecycle.maxLifetime = limit;
  }

  const ClassBoundsInput& in_;
  const AgentSandboxClassSpec& class_;
  const std::string name_;
  BoundSpec out_;
};

}  // namespace

std::vector<ObjectReference> referencedObjects(const json& podTemplate) {
  std::vector<ObjectReference> out;
  const json podSpec = podTemplate.value("spec", json::object());
  for (const char* list : {"initContainers", "containers"}) {
    const json& containers = listAt(podSpec, list);
    for (size_t i = 0; i < containers.size(); ++i) {
      containerReferences(containers[i], indexed(std::string("spec.template.spec.") + list, i), out);
    }
  }
  const json& volumes = listAt(podSpec, "volumes");
  for (size_t i = 0; i < volumes.size(); ++i) {
    const std::string path = indexed("spec.template.spec.volumes", i);
    addReference(out, "Secret", stringAt(field(volumes[i], "secret"), "secretName"), path + ".secret.secretName");
    addReference(out, "ConfigMap", stringAt(field(volumes[i], "configMap"), "name"), path + ".configMap.name");
    const json* projected = field(volumes[i], "projected");
    const json& sources = projected ? listAt(*projected, "sources") : listAt(json::object(), "sources");
    for (size_t j = 0; j < sources.size(); ++j) {
      const std::string source = indexed(path + ".projected.sources", j);
      addReference(out, "Secret", stringAt(field(sources[j], "secret"), "name"), source + ".secret.name");
      addReference(out, "ConfigMap", stringAt(field(sources[j], "configMap"), "name"), source + ".configMap.name");
    }
  }
  return out;
}

std::string referenceKey(const ObjectReference& reference) { return reference.kind + "/" + reference.name; }

std::vector<ObjectReference> referencesNeedingLabels(const json& podTemplate, const ParsedClass& sandboxClass) {
  std::vector<ObjectReference> out;
  for (ObjectReference& reference : referencedObjects(podTemplate)) {
    const ObjectAllowList& allowed =
        reference.kind == "Secret" ? sandboxClass.spec.secrets : sandboxClass.spec.configMaps;
    if (allowed.selector && allowed.names.count(reference.name) == 0) out.push_back(std::move(reference));
  }
  return out;
}

BoundSpec applyClassBounds(const ClassBoundsInput& in) { return BoundsChecker(in).run(); }

std::string dedicatedServiceAccountName(const SandboxMeta& sandbox) { return sandbox.name + "-sandbox"; }

}  // namespace agentguard::op
