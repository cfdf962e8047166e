#include "operator/api/agent_sandbox_class.h"

#include "operator/api/json_fields.h"
#include "operator/api/quantity.h"
#include "operator/api/time_format.h"

namespace agentguard::op {
namespace {

using nlohmann::json;
using json_fields::field;

class ClassReader {
 public:
  explicit ClassReader(ParsedClass& out) : out_(out) {}

  void error(const std::string& path, const std::string& message) { out_.errors.push_back(path + " " + message); }

  std::optional<std::string> string(const json& object, std::string_view name, const std::string& path) {
    const json* value = field(object, name);
    if (value == nullptr) return std::nullopt;
    if (!value->is_string()) {
      error(path, "must be a string");
      return std::nullopt;
    }
    return value->get<std::string>();
  }

  bool boolean(const json& object, std::string_view name, const std::string& path) {
    const json* value = field(object, name);
    if (value == nullptr) return false;
    if (!value->is_boolean()) error(path, "must be true or false");
    return value->is_boolean() && value->get<bool>();
  }

  std::set<std::string> names(const json& object, std::string_view name, const std::string& path) {
    std::set<std::string> out;
    const json* list = field(object, name);
    if (list == nullptr) return out;
    if (!list->is_array()) {
      error(path, "must be a list of names");
      return out;
    }
    for (size_t i = 0; i < list->size(); ++i) {
      if ((*list)[i].is_string() && !(*list)[i].get<std::string>().empty()) {
        out.insert((*list)[i].get<std::string>());
      } else {
        error(path + "[" + std::to_string(i) + "]", "must be a non-empty name");
      }
    }
    return out;
  }

  std::vector<IpBlock> blocks(const json& object, std::string_view name, const std::string& path) {
    std::vector<IpBlock> out;
    const json* list = field(object, name);
    if (list == nullptr) return out;
    if (!list->is_array()) {
      error(path, "must be a list of CIDR blocks");
      return out;
    }
    for (size_t i = 0; i < list->size(); ++i) {
      const auto block = (*list)[i].is_string() ? IpBlock::parse((*list)[i].get<std::string>()) : std::nullopt;
      if (block) {
        out.push_back(*block);
      } else {
        error(path + "[" + std::to_string(i) + "]", "is not a CIDR block (for example 10.0.0.0/8)");
      }
    }
    return out;
  }

  ObjectAllowList allowList(const json* object, const std::string& path) {
    ObjectAllowList out;
    if (object == nullptr) return out;
    out.names = names(*object, "names", path + ".names");
    if (const json* selector = field(*object, "selector"); selector != nullptr) {
      if (!selector->is_object()) {
        error(path + ".selector", "must be a label selector (matchLabels, matchExpressions)");
      } else {
        out.selector = *selector;
      }
    }
    return out;
  }

  void dns(const json* dns) {
    DnsSpec& out = out_.spec.dns;
    if (dns == nullptr) return;
    const auto mode = string(*dns, "mode", "spec.dns.mode");
    if (mode == "None") {
      out.mode = DnsMode::kNone;
    } else if (mode && *mode != "ClusterDNS") {
      error("spec.dns.mode", "must be ClusterDNS or None");
    }
    if (const auto ns = string(*dns, "namespace", "spec.dns.namespace"); ns && !ns->empty()) out.ns = *ns;
    if (const json* selector = field(*dns, "podSelector"); selector != nullptr) {
      std::map<std::string, std::string> labels;
      if (selector->is_object()) {
        for (const auto& [key, value] : selector->items()) {
          if (value.is_string()) labels[key] = value.get<std::string>();
        }
      }
      if (labels.empty()) {
        error("spec.dns.podSelector", "must name the DNS pods' labels (an empty selector would allow every pod)");
      } else {
        out.podSelector = std::move(labels);
      }
    }
    if (const auto ip = string(*dns, "nodeLocalDNSCacheIP", "spec.dns.nodeLocalDNSCacheIP"); ip && !ip->empty()) {
      if (ip->find('/') != std::string::npos || !IpBlock::parse(*ip, /*allowBareAddress=*/true)) {
        error("spec.dns.nodeLocalDNSCacheIP", "is not an IP address (for example 169.254.20.10)");
      } else {
        out.nodeLocalCacheIp = *ip;
      }
    }
  }

  void resources(const json* resources) {
    if (resources == nullptr) return;
    for (const char* name : {"maxCPU", "maxMemory"}) {
      const auto text = string(*resources, name, std::string("spec.resources.") + name);
      if (!text) continue;
      const auto millis = parseQuantityMillis(*text);
      if (!millis) {
        error(std::string("spec.resources.") + name, "is not a quantity (for example 2, 500m, 4Gi)");
      } else if (std::string_view(name) == "maxCPU") {
        out_.spec.resources.cpuMillis = *millis;
      } else {
        out_.spec.resources.memoryBytes = (*millis + 999) / 1000;
      }
    }
  }

 private:
  ParsedClass& out_;
};

}  // namespace

ParsedClass parseClass(const json& object) {
  ParsedClass out;
  const json* metadata = field(object, "metadata");
  if (metadata != nullptr) {
    out.name = metadata->value("name", "");
    if (const json* annotations = field(*metadata, "annotations"); annotations != nullptr && annotations->is_object()) {
      out.isDefault = annotations->value(std::string(kDefaultClassAnnotation), "") == "true";
    }
  }
  ClassReader read(out);
  const json* spec = field(object, "spec");
  if (spec == nullptr || !spec->is_object()) {
    read.error("spec", "is missing");
    return out;
  }
  AgentSandboxClassSpec& s = out.spec;
  if (const auto runtime = read.string(*spec, "runtimeClassName", "spec.runtimeClassName"); runtime && !runtime->empty()) {
    s.runtimeClassName = *runtime;
  }
  if (const json* egress = field(*spec, "egress"); egress != nullptr) {
    s.allowedCidrs = read.blocks(*egress, "allowedCIDRs", "spec.egress.allowedCIDRs");
    s.deniedCidrs = read.blocks(*egress, "deniedCIDRs", "spec.egress.deniedCIDRs");
  }
  read.dns(field(*spec, "dns"));
  s.serviceAccounts = read.names(*spec, "serviceAccountNames", "spec.serviceAccountNames");
  s.secrets = read.allowList(field(*spec, "secrets"), "spec.secrets");
  s.configMaps = read.allowList(field(*spec, "configMaps"), "spec.configMaps");
  if (const json* scheduling = field(*spec, "scheduling"); scheduling != nullptr) {
    s.priorityClassNames = read.names(*scheduling, "priorityClassNames", "spec.scheduling.priorityClassNames");
    s.allowTolerateAll = read.boolean(*scheduling, "allowTolerateAll", "spec.scheduling.allowTolerateAll");
    s.allowControlPlane = read.boolean(*scheduling, "allowControlPlane", "spec.scheduling.allowControlPlane");
  }
  read.resources(field(*spec, "resources"));
  if (const auto lifetime = read.string(*spec, "maxLifetime", "spec.maxLifetime"); lifetime && !lifetime->empty()) {
    if (const auto duration = parseDuration(*lifetime); duration) {
      s.maxLifetime = *duration;
    } else {
      read.error("spec.maxLifetime", "is not a duration (for example 24h or 90m)");
    }
  }
  return out;
}

const std::vector<IpBlock>& builtInDeniedBlocks() {
  static const std::vector<IpBlock> kBlocks = [] {
    std::vector<IpBlock> blocks;
    for (const char* text : {"169.254.0.0/16", "fd00:ec2::254/128", "127.0.0.0/8", "::1/128", "0.0.0.0/8",
                             "::ffff:0:0/96"}) {
      blocks.push_back(*IpBlock::parse(text));
    }
    return blocks;
  }();
  return kBlocks;
}

ClassChoice chooseClass(const std::string& specClassName, const std::string& boundClassName,
                        const std::vector<json>& classes) {
  ClassChoice choice;
  auto find = [&](const std::string& name) -> std::optional<ParsedClass> {
    for (const json& object : classes) {
      if (object.value("metadata", json::object()).value("name", "") == name) return parseClass(object);
    }
    return std::nullopt;
  };
  if (!boundClassName.empty() && !specClassName.empty() && specClassName != boundClassName) {
    choice.name = boundClassName;
    choice.problem = Violation{"spec.className",
                               "spec.className is immutable: the sandbox is bound to AgentSandboxClass " +
                                   boundClassName + " and now names " + specClassName +
                                   "; set it back, or delete the sandbox and create it anew with the other class",
                               std::string(kReasonClassNameImmutable)};
    return choice;
  }
  choice.name = !boundClassName.empty() ? boundClassName : specClassName;
  if (choice.name.empty()) {
    std::vector<std::string> defaults;
    for (const json& object : classes) {
      ParsedClass parsed = parseClass(object);
      if (parsed.isDefault) defaults.push_back(parsed.name);
    }
    if (defaults.size() != 1) {
      std::string list;
      for (const auto& name : defaults) list += (list.empty() ? "" : ", ") + name;
      choice.problem = Violation{
          "spec.className",
          defaults.empty()
              ? "spec.className is not set and no AgentSandboxClass is marked default; set spec.className, or annotate "
                "one class with " + std::string(kDefaultClassAnnotation) + "=\"true\""
              : "spec.className is not set and " + std::to_string(defaults.size()) +
                    " AgentSandboxClasses are marked default (" + list + "); set spec.className, or keep one default",
          std::string(kReasonClassNotFound)};
      return choice;
    }
    choice.name = defaults.front();
  }
  choice.parsed = find(choice.name);
  if (!choice.parsed) {
    choice.problem = Violation{"spec.className",
                               "AgentSandboxClass " + choice.name +
                                   " does not exist; create it (kubectl get agentsandboxclasses lists the classes)",
                               std::string(kReasonClassNotFound)};
  }
  return choice;
}

}  // namespace agentguard::op
