// Reaching into the node: host namespaces, probe and lifecycle hosts, Windows hostProcess, unsafe sysctls.
#include <array>
#include <string>
#include <utility>

#include "engine/policy/parameter_reader.h"
#include "engine/rules/check_rule.h"
#include "engine/rules/privilege/allowed_values.h"
#include "engine/rules/privilege/privilege_rules.h"
#include "engine/rules/privilege/security_context.h"

namespace agentguard::engine::privilege {
namespace {

using Json = nlohmann::json;

struct HostNamespace {
  std::string_view field;
  std::string_view risk;
};

constexpr std::array<HostNamespace, 3> kHostNamespaces = {{
    {"hostNetwork", "shares the node's network namespace: it can bind the node's ports, reach services listening on "
                    "the node's loopback and observe the node's traffic"},
    {"hostPID", "shares the node's process namespace: it can see and signal every process on the node and read "
                "their environment and memory maps"},
    {"hostIPC", "shares the node's IPC namespace: it can read and write the shared memory of the node's processes"},
}};

RuleDefinition hostNamespacesRule() {
  RuleDefinition d;
  d.info = {"privilege.host-namespaces", "privilege", "Host namespaces",
            "spec.hostNetwork, spec.hostPID and spec.hostIPC must be unset or false; each shares one of the node's "
            "namespaces with the pod (Pod Security Standards baseline: Host Namespaces). One finding per field.",
            Severity::kCritical, Action::kDeny};
  d.create = [](ParameterReader&) -> RulePtr {
    return makePodRule([](const ObjectView&, const PodTemplateRef& pod, std::vector<Violation>& out) {
      for (const auto& hostNamespace : kHostNamespaces) {
        const auto shared = boolSetting(pod.spec, hostNamespace.field);
        if (shared.unset() || shared.is(false)) continue;
        const std::string path = pod.specPath + "." + std::string(hostNamespace.field);
        out.push_back({path,
                       shared.invalid()
                           ? "the pod sets " + std::string(hostNamespace.field) + " to " +
                                 describeMistyped(*shared.raw, "a boolean")
                           : "the pod sets " + std::string(hostNamespace.field) + ": true and " +
                                 std::string(hostNamespace.risk),
                       "remove " + path + " (or set it to false)"});
      }
    });
  };
  return d;
}

constexpr std::array<std::string_view, 3> kProbes = {"livenessProbe", "readinessProbe", "startupProbe"};
struct LifecycleHook {
  std::string_view key;   // inside container.lifecycle
  std::string_view path;  // inside the container
};
constexpr std::array<LifecycleHook, 2> kLifecycleHooks = {{{"postStart", "lifecycle.postStart"},
                                                           {"preStop", "lifecycle.preStop"}}};
constexpr std::array<std::string_view, 2> kNetworkHandlers = {"httpGet", "tcpSocket"};

// Reports each httpGet/tcpSocket host of one probe or lifecycle handler that is set to anything but "".
// Pod Security Standards v1.34 allow only unset or "": the kubelet connects from the node, so even a
// loopback name (localhost, 127.0.0.1, ::1) reaches the node's own loopback services, not the pod's.
// `relative` is the handler's path inside the container, e.g. "livenessProbe" or "lifecycle.preStop".
void checkHandlerHosts(const ContainerRef& container, const Json* handler, std::string_view relative,
                       std::vector<Violation>& out) {
  for (const auto action : kNetworkHandlers) {
    const auto host = stringSetting(objectField(handler, action), "host");
    if (host.unset() || (host.value && host.value->empty())) continue;
    const std::string field = std::string(relative) + "." + std::string(action) + ".host";
    const std::string who = describeContainer(container);
    out.push_back({container.path + "." + field,
                   host.invalid() ? who + " sets " + field + " to " + describeMistyped(*host.raw, "a string")
                                  : who + " sets " + field + " to " + describeValue(*host.raw) +
                                        ": the kubelet connects to that address from the node (a loopback name "
                                        "reaches the node's own loopback), so the pod can make the node reach hosts "
                                        "the pod itself cannot",
                   "remove " + field + " from " + who + " so the kubelet targets the pod's own IP"});
  }
}

RuleDefinition hostProbesRule() {
  RuleDefinition d;
  d.info = {"privilege.host-probes", "privilege", "Probe and lifecycle hook hosts",
            "httpGet.host and tcpSocket.host of liveness, readiness and startup probes and of postStart/preStop "
            "hooks, in containers, init containers and ephemeral containers, must be unset or \"\": the kubelet "
            "connects from the node, so any host, loopback names included (they are the node's loopback), turns "
            "the kubelet into a proxy (Pod Security Standards v1.34 baseline: Probes / Lifecycle Hooks).",
            Severity::kHigh, Action::kDeny};
  d.create = [](ParameterReader&) -> RulePtr {
    return makePodRule([](const ObjectView&, const PodTemplateRef& pod, std::vector<Violation>& out) {
      for (const auto& container : pod.containers) {
        for (const auto probe : kProbes) {
          if (const Json* handler = objectField(container.container, probe)) {
            checkHandlerHosts(container, handler, probe, out);
          }
        }
        const Json* lifecycle = objectField(container.container, "lifecycle");
        for (const auto hook : kLifecycleHooks) {
          if (const Json* handler = objectField(lifecycle, hook.key)) {
            checkHandlerHosts(container, handler, hook.path, out);
          }
        }
      }
    });
  };
  return d;
}

RuleDefinition windowsHostProcessRule() {
  RuleDefinition d;
  d.info = {"privilege.windows-host-process", "privilege", "Windows HostProcess containers",
            "securityContext.windowsOptions.hostProcess (pod or container) must be unset or false; a HostProcess "
            "container runs directly on the Windows node with the host's network and filesystem (Pod Security "
            "Standards baseline: HostProcess).",
            Severity::kCritical, Action::kDeny};
  d.create = [](ParameterReader&) -> RulePtr {
    return makePodRule([](const ObjectView&, const PodTemplateRef& pod, std::vector<Violation>& out) {
      const SecurityContexts contexts(pod);
      forEachScope(pod, contexts, [&out](const ContextScope& scope) {
        const auto hostProcess = boolSetting(objectField(scope.securityContext, "windowsOptions"), "hostProcess");
        if (hostProcess.unset() || hostProcess.is(false)) return;
        const std::string who = scope.who();
        out.push_back({scope.path("windowsOptions.hostProcess"),
                       hostProcess.invalid()
                           ? who + " sets securityContext.windowsOptions.hostProcess to " +
                                 describeMistyped(*hostProcess.raw, "a boolean")
                           : who + " sets securityContext.windowsOptions.hostProcess: true and runs as a process "
                                   "directly on the Windows node, with the host's network and filesystem",
                       "remove securityContext.windowsOptions.hostProcess from " + who + " (or set it to false)"});
      });
    });
  };
  return d;
}

// "net/ipv4/tcp_syncookies" -> "net.ipv4.tcp_syncookies": the kubelet accepts both spellings.
std::string dottedSysctl(std::string_view name) {
  std::string dotted(name);
  for (char& c : dotted) {
    if (c == '/') c = '.';
    else if (c == '.') c = '/';
  }
  return dotted;
}

RuleDefinition sysctlsRule() {
  RuleDefinition d;
  d.info = {"privilege.sysctls", "privilege", "Unsafe sysctls",
            "spec.securityContext.sysctls may set only the safe sysctls, which are isolated per pod; any other can "
            "change the kernel for the whole node or for other pods (Pod Security Standards v1.34 baseline: "
            "Sysctls, tcp_rmem and tcp_wmem included since v1.32).",
            Severity::kHigh, Action::kDeny};
  d.parametersHelp = "allowedSysctls: sysctl names a pod may set (the Pod Security Standards safe set)";
  d.create = [](ParameterReader& params) -> RulePtr {
    const NameList allowed(params.stringList("allowedSysctls", safeSysctls()));
    return makePodRule([allowed](const ObjectView&, const PodTemplateRef& pod, std::vector<Violation>& out) {
      const SecurityContexts contexts(pod);
      const Json* sysctls = presentField(contexts.pod(), "sysctls");
      if (sysctls == nullptr) return;
      const std::string fix = "set only these sysctls in spec.securityContext.sysctls: " + allowed.joined();
      if (!sysctls->is_array()) {
        out.push_back({contexts.podPath("sysctls"),
                       "the pod sets securityContext.sysctls to " + describeMistyped(*sysctls, "a list"), fix});
        return;
      }
      for (size_t i = 0; i < sysctls->size(); ++i) {
        const auto name = stringSetting(&(*sysctls)[i], "name");
        if (name.value && allowed.contains(*name.value)) continue;
        std::string message;
        if (name.unset()) {
          message = "sysctl entry " + std::to_string(i) + " of the pod has no name";
        } else if (name.invalid()) {
          message = "the pod sets a sysctl name to " + describeMistyped(*name.raw, "a string");
        } else {
          message = "the pod sets sysctl " + describeValue(*name.raw) +
                    ", which is not in the safe set: it is not isolated per pod and can affect the node or other pods";
          if (name.value->find('/') != std::string_view::npos && allowed.contains(dottedSysctl(*name.value))) {
            message += " (write it with dots, as " + dottedSysctl(*name.value) + ")";
          }
        }
        out.push_back({contexts.podPath("sysctls[" + std::to_string(i) + "].name"), std::move(message), fix});
      }
    });
  };
  return d;
}

}  // namespace

void addHostAccessRules(RuleCatalog& catalog) {
  catalog.add(hostNamespacesRule());
  catalog.add(hostProbesRule());
  catalog.add(windowsHostProcessRule());
  catalog.add(sysctlsRule());
}

}  // namespace agentguard::engine::privilege
