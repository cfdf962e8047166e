// Who a container runs as, and which API credentials it receives.
#include <string>

#include "engine/policy/parameter_reader.h"
#include "engine/rules/check_rule.h"
#include "engine/rules/privilege/privilege_rules.h"
#include "engine/rules/privilege/security_context.h"

namespace agentguard::engine::privilege {
namespace {

using Json = nlohmann::json;

std::string_view inherit(const std::vector<const ContainerRef*>& containers) {
  return containers.size() == 1 ? "inherits" : "inherit";
}

RuleDefinition runAsNonRootRule() {
  RuleDefinition d;
  d.info = {"privilege.run-as-non-root", "privilege", "Running as non-root",
            "Every container must run with runAsNonRoot: true, set on the container or inherited from "
            "spec.securityContext when the container leaves it unset; the kubelet then refuses to start an image "
            "that would run as UID 0 (Pod Security Standards restricted: Running as Non-root).",
            Severity::kHigh, Action::kDeny};
  d.create = [](ParameterReader&) -> RulePtr {
    return makePodRule([](const ObjectView&, const PodTemplateRef& pod, std::vector<Violation>& out) {
      const SecurityContexts contexts(pod);
      const auto podSetting = boolSetting(contexts.pod(), "runAsNonRoot");
      std::vector<const ContainerRef*> inheriting;
      for (const auto& container : pod.containers) {
        const auto own = boolSetting(SecurityContexts::of(container), "runAsNonRoot");
        if (own.unset()) {
          if (!podSetting.is(true)) inheriting.push_back(&container);
          continue;
        }
        if (own.is(true)) continue;
        const std::string who = describeContainer(container);
        out.push_back({SecurityContexts::containerPath(container, "runAsNonRoot"),
                       own.invalid()
                           ? who + " sets securityContext.runAsNonRoot to " + describeMistyped(*own.raw, "a boolean")
                           : who + " sets securityContext.runAsNonRoot: false, so it may run as root (UID 0)",
                       "set securityContext.runAsNonRoot: true on " + who});
      }
      if (inheriting.empty()) return;
      const std::string who = describeContainers(inheriting);
      std::string message;
      if (podSetting.unset()) {
        message = "runAsNonRoot is set on neither the pod nor " + who + ", so " +
                  (inheriting.size() == 1 ? "it" : "they") + " may run as root (UID 0)";
      } else if (podSetting.invalid()) {
        message = "the pod sets securityContext.runAsNonRoot to " + describeMistyped(*podSetting.raw, "a boolean") +
                  " and " + who + " " + std::string(inherit(inheriting)) + " it";
      } else {
        message = "the pod sets securityContext.runAsNonRoot: false and " + who + " " +
                  std::string(inherit(inheriting)) + " it, so " + (inheriting.size() == 1 ? "it" : "they") +
                  " may run as root (UID 0)";
      }
      out.push_back({contexts.podPath("runAsNonRoot"), std::move(message),
                     "set " + contexts.podPath("runAsNonRoot") + ": true (or securityContext.runAsNonRoot: true on " +
                         who + ")"});
    });
  };
  return d;
}

bool isRootOrInvalid(const Setting<int64_t>& user) { return user.invalid() || user.is(0); }

RuleDefinition runAsRootUserRule() {
  RuleDefinition d;
  d.info = {"privilege.run-as-root-user", "privilege", "Running as UID 0",
            "No container may run with runAsUser: 0, set on the container or inherited from spec.securityContext "
            "when the container leaves it unset (Pod Security Standards restricted: Running as Non-root user).",
            Severity::kHigh, Action::kDeny};
  d.create = [](ParameterReader&) -> RulePtr {
    return makePodRule([](const ObjectView&, const PodTemplateRef& pod, std::vector<Violation>& out) {
      const SecurityContexts contexts(pod);
      const auto podSetting = intSetting(contexts.pod(), "runAsUser");
      std::vector<const ContainerRef*> inheriting;
      for (const auto& container : pod.containers) {
        const auto own = intSetting(SecurityContexts::of(container), "runAsUser");
        if (own.unset()) {
          if (isRootOrInvalid(podSetting)) inheriting.push_back(&container);
          continue;
        }
        if (!isRootOrInvalid(own)) continue;
        const std::string who = describeContainer(container);
        out.push_back({SecurityContexts::containerPath(container, "runAsUser"),
                       own.invalid()
                           ? who + " sets securityContext.runAsUser to " + describeMistyped(*own.raw, "an integer")
                           : who + " sets securityContext.runAsUser: 0 and runs as root",
                       "set securityContext.runAsUser on " + who + " to a non-zero UID such as 10001"});
      }
      if (inheriting.empty()) return;
      const std::string who = describeContainers(inheriting);
      out.push_back({contexts.podPath("runAsUser"),
                     podSetting.invalid()
                         ? "the pod sets securityContext.runAsUser to " + describeMistyped(*podSetting.raw, "an integer") +
                               " and " + who + " " + std::string(inherit(inheriting)) + " it"
                         : "the pod sets securityContext.runAsUser: 0 and " + who + " " +
                               std::string(inherit(inheriting)) + " it, so " +
                               (inheriting.size() == 1 ? "it runs" : "they run") + " as root",
                     "set " + contexts.podPath("runAsUser") + " to a non-zero UID such as 10001 (or set "
                     "securityContext.runAsUser on " + who + ")"});
    });
  };
  return d;
}

RuleDefinition serviceAccountTokenRule() {
  RuleDefinition d;
  d.info = {"privilege.service-account-token", "privilege", "Service account token mounted",
            "The pod spec must set automountServiceAccountToken: false. Otherwise the service account's token is "
            "mounted into every container, and an agent (or whoever steers it) gets Kubernetes API credentials it "
            "was never meant to have; a container that needs the API should mount a projected token explicitly.",
            Severity::kHigh, Action::kDeny};
  d.create = [](ParameterReader&) -> RulePtr {
    return makePodRule([](const ObjectView&, const PodTemplateRef& pod, std::vector<Violation>& out) {
      const auto automount = boolSetting(pod.spec, "automountServiceAccountToken");
      if (automount.is(false)) return;
      const std::string path = pod.specPath + ".automountServiceAccountToken";
      std::string message;
      if (automount.unset()) {
        message = "the pod does not set automountServiceAccountToken: false, so the service account's API token is "
                  "mounted into every container";
      } else if (automount.invalid()) {
        message = "the pod sets automountServiceAccountToken to " + describeMistyped(*automount.raw, "a boolean");
      } else {
        message = "the pod sets automountServiceAccountToken: true, so the service account's API token is mounted "
                  "into every container";
      }
      out.push_back({path, std::move(message),
                     "set " + path + ": false; if a container needs the Kubernetes API, mount a projected "
                     "serviceAccountToken volume into that container only"});
    });
  };
  return d;
}

// The audience of the token agentguard-operator projects into a sandbox Pod for its agentguard-gate.
constexpr std::string_view kGateAudience = "agentguard-gate";

// An AgentSandbox's Pod: controlled by an agentguard.io AgentSandbox, or carrying agentguard.io/sandbox (the
// operator's label, which an AgentSandbox's template gets as run). Either marks the agent's Pod; a Pod that claims
// the label only gets stricter treatment.
bool isSandboxPod(const ObjectView& object, const PodTemplateRef& pod) {
  if (const Json* labels = objectField(pod.metadata, "labels"); labels != nullptr && labels->contains("agentguard.io/sandbox")) {
    return true;
  }
  const Json* owners = arrayField(objectField(&object.body(), "metadata"), "ownerReferences");
  if (owners == nullptr) return false;
  for (const Json& owner : *owners) {
    if (!owner.is_object()) continue;
    if (stringField(&owner, "kind").value_or("") == "AgentSandbox" &&
        stringField(&owner, "apiVersion").value_or("").rfind("agentguard.io/", 0) == 0) {
      return true;
    }
  }
  return false;
}

RuleDefinition sandboxTokenAudienceRule() {
  RuleDefinition d;
  d.info = {"privilege.sandbox-token-audience", "privilege", "API tokens in an AgentSandbox's Pod",
            "In an AgentSandbox's Pod a projected serviceAccountToken must have the audience agentguard-gate: that "
            "token identifies the agent to its agentguard-gate and nothing else accepts it. A token without an "
            "audience, or for any other audience, is a credential the agent could use against the Kubernetes API "
            "or another service.",
            Severity::kHigh, Action::kDeny};
  d.create = [](ParameterReader&) -> RulePtr {
    return makePodRule([](const ObjectView& object, const PodTemplateRef& pod, std::vector<Violation>& out) {
      if (!isSandboxPod(object, pod)) return;
      const Json* volumes = arrayField(pod.spec, "volumes");
      if (volumes == nullptr) return;
      for (size_t i = 0; i < volumes->size(); ++i) {
        const Json* sources = arrayField(objectField(&(*volumes)[i], "projected"), "sources");
        if (sources == nullptr) continue;
        for (size_t j = 0; j < sources->size(); ++j) {
          const Json* token = field(&(*sources)[j], "serviceAccountToken");
          if (token == nullptr) continue;
          const std::string path = pod.specPath + ".volumes[" + std::to_string(i) + "].projected.sources[" +
                                   std::to_string(j) + "].serviceAccountToken";
          const Json* audience = field(token, "audience");
          if (audience != nullptr && audience->is_string() && audience->get<std::string>() == kGateAudience) continue;
          std::string what = audience == nullptr || (audience->is_string() && audience->get<std::string>().empty())
                                 ? "has no audience, so it is a Kubernetes API credential"
                             : audience->is_string() ? "has the audience \"" + audience->get<std::string>() + "\""
                                                     : "sets audience to " + describeMistyped(*audience, "a string");
          out.push_back({path, "the AgentSandbox's Pod projects a service account token that " + what,
                         "remove the projection; agentguard-operator adds the only token a sandbox gets (audience "
                         "agentguard-gate) when the sandbox declares spec.tools or spec.network.egressHosts"});
        }
      }
    });
  };
  return d;
}

}  // namespace

void addIdentityRules(RuleCatalog& catalog) {
  catalog.add(runAsNonRootRule());
  catalog.add(runAsRootUserRule());
  catalog.add(serviceAccountTokenRule());
  catalog.add(sandboxTokenAudienceRule());
}

}  // namespace agentguard::engine::privilege
