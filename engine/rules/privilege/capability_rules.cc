// Linux capabilities: what baseline lets a container add, and restricted's drop ALL / add almost nothing.
#include <string>

#include "engine/policy/parameter_reader.h"
#include "engine/rules/check_rule.h"
#include "engine/rules/privilege/allowed_values.h"
#include "engine/rules/privilege/privilege_rules.h"
#include "engine/rules/privilege/security_context.h"

namespace agentguard::engine::privilege {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kCapPrefix = "CAP_";

bool hasCapPrefix(std::string_view name) { return name.substr(0, kCapPrefix.size()) == kCapPrefix; }

NameList readCapabilities(ParameterReader& params, const std::vector<std::string>& defaults) {
  auto names = params.stringList("allowedCapabilities", defaults);
  for (const auto& name : names) {
    if (hasCapPrefix(name)) {
      params.fail("allowedCapabilities", "write \"" + name + "\" without the CAP_ prefix, as Kubernetes does (\"" +
                                             name.substr(kCapPrefix.size()) + "\")");
    }
  }
  return NameList(std::move(names));
}

// Reports every entry of capabilities.add that `allowed` does not list. `why` ends the message.
void checkAdded(const ContainerRef& container, const Json* capabilities, const NameList& allowed,
                std::string_view why, std::vector<Violation>& out) {
  const Json* added = presentField(capabilities, "add");
  if (added == nullptr) return;
  const std::string who = describeContainer(container);
  if (!added->is_array()) {
    out.push_back({SecurityContexts::containerPath(container, "capabilities.add"),
                   who + " sets securityContext.capabilities.add to " + describeMistyped(*added, "a list"),
                   "list only " + allowed.joined() + " in securityContext.capabilities.add on " + who +
                       ", or remove it"});
    return;
  }
  for (size_t i = 0; i < added->size(); ++i) {
    const Json& capability = (*added)[i];
    if (capability.is_string() && allowed.contains(capability.get_ref<const std::string&>())) continue;
    std::string message;
    if (!capability.is_string()) {
      message = who + " lists " + describeMistyped(capability, "a string") + " in securityContext.capabilities.add";
    } else {
      const std::string& name = capability.get_ref<const std::string&>();
      message = who + " adds capability " + name + ", " + std::string(why);
      if (hasCapPrefix(name)) message += " (capability names are written without the CAP_ prefix)";
    }
    out.push_back({SecurityContexts::containerPath(container, "capabilities.add[" + std::to_string(i) + "]"),
                   std::move(message),
                   "remove " + describeValue(capability) + " from securityContext.capabilities.add on " + who +
                       (allowed.names().empty() ? std::string() : "; only " + allowed.joined() + " may be added")});
  }
}

RuleDefinition baselineCapabilitiesRule() {
  RuleDefinition d;
  d.info = {"privilege.baseline-capabilities", "privilege", "Capabilities beyond the default set",
            "securityContext.capabilities.add may list only capabilities of the container runtime's default set "
            "(AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, "
            "SETPCAP, SETUID, SYS_CHROOT); others such as SYS_ADMIN, NET_ADMIN or SYS_PTRACE open known escapes to "
            "the node (Pod Security Standards baseline: Capabilities).",
            Severity::kHigh, Action::kDeny};
  d.parametersHelp = "allowedCapabilities: capabilities a container may add (the runtime default set)";
  d.create = [](ParameterReader& params) -> RulePtr {
    const NameList allowed = readCapabilities(params, baselineCapabilities());
    return makePodRule([allowed](const ObjectView&, const PodTemplateRef& pod, std::vector<Violation>& out) {
      for (const auto& container : pod.containers) {
        const Json* capabilities = presentField(SecurityContexts::of(container), "capabilities");
        if (capabilities == nullptr) continue;
        if (!capabilities->is_object()) {
          const std::string who = describeContainer(container);
          out.push_back({SecurityContexts::containerPath(container, "capabilities"),
                         who + " sets securityContext.capabilities to " + describeMistyped(*capabilities, "a mapping"),
                         "write securityContext.capabilities on " + who + " as a mapping with add and drop lists"});
          continue;
        }
        checkAdded(container, capabilities, allowed, "which is not in the container runtime's default set", out);
      }
    });
  };
  return d;
}

std::string dropAllFix(const ContainerRef& container) {
  return "set securityContext.capabilities.drop: [\"ALL\"] on " + describeContainer(container);
}

// Whether `drop` lists "ALL"; `otherSpelling` tells whether it lists "all" in another case instead.
bool dropsAll(const Json& drop, bool& otherSpelling) {
  otherSpelling = false;
  for (const auto& item : drop) {
    if (!item.is_string()) continue;
    const std::string& name = item.get_ref<const std::string&>();
    if (name == "ALL") return true;
    if (name.size() == 3 && (name[0] | 0x20) == 'a' && (name[1] | 0x20) == 'l' && (name[2] | 0x20) == 'l') {
      otherSpelling = true;
    }
  }
  return false;
}

RuleDefinition restrictedCapabilitiesRule() {
  RuleDefinition d;
  d.info = {"privilege.restricted-capabilities", "privilege", "Capabilities not dropped",
            "Every container must drop ALL capabilities (securityContext.capabilities.drop: [\"ALL\"]) and may add "
            "back only NET_BIND_SERVICE (Pod Security Standards restricted: Capabilities; not applied to Windows "
            "pods).",
            Severity::kMedium, Action::kDeny};
  d.parametersHelp = "allowedCapabilities: capabilities a container may add after dropping ALL ([NET_BIND_SERVICE])";
  d.create = [](ParameterReader& params) -> RulePtr {
    const NameList allowed = readCapabilities(params, restrictedCapabilities());
    return makePodRule([allowed](const ObjectView&, const PodTemplateRef& pod, std::vector<Violation>& out) {
      if (isWindowsPod(pod)) return;
      for (const auto& container : pod.containers) {
        const Json* capabilities = presentField(SecurityContexts::of(container), "capabilities");
        if (capabilities != nullptr && !capabilities->is_object()) {
          out.push_back({SecurityContexts::containerPath(container, "capabilities"),
                         describeContainer(container) + " sets securityContext.capabilities to " +
                             describeMistyped(*capabilities, "a mapping"),
                         dropAllFix(container)});
          continue;
        }
        const Json* drop = presentField(capabilities, "drop");
        bool otherSpelling = false;
        if (drop == nullptr || !drop->is_array() || !dropsAll(*drop, otherSpelling)) {
          const std::string who = describeContainer(container);
          std::string message;
          if (drop == nullptr) {
            message = who + " does not drop ALL capabilities, so it keeps the runtime's default set (NET_RAW lets "
                            "it forge packets, CHOWN and DAC_OVERRIDE bypass file permissions)";
          } else if (!drop->is_array()) {
            message = who + " sets securityContext.capabilities.drop to " + describeMistyped(*drop, "a list");
          } else {
            message = who + " drops some capabilities but not ALL, so it keeps the rest of the runtime's default set";
            if (otherSpelling) message += " (write ALL in capitals)";
          }
          out.push_back({SecurityContexts::containerPath(container, "capabilities.drop"), std::move(message),
                         dropAllFix(container)});
        }
        checkAdded(container, capabilities, allowed, "which may not be added back after dropping ALL", out);
      }
    });
  };
  return d;
}

}  // namespace

void addCapabilityRules(RuleCatalog& catalog) {
  catalog.add(baselineCapabilitiesRule());
  catalog.add(restrictedCapabilitiesRule());
}

}  // namespace agentguard::engine::privilege
