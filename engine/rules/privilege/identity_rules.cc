// Who a container runs as, and which API credentials it receives.
#include <string>

#include "engine/policy/parameter_reader.h"
#include "engine/rules/check_rule.h"
#include "engine/rules/privilege/privilege_rules.h"
#include "engine/rules/privilege/security_context.h"

namespace agentguard::engine::privilege {
namespace {

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
    return makeCheckRule([](const ObjectView& object, const RuleContext&, std::vector<Violation>& out) {
      const PodTemplateRef* pod = object.podTemplate();
      if (pod == nullptr) return;
      const SecurityContexts contexts(*pod);
      const auto podSetting = boolSetting(contexts.pod(), "runAsNonRoot");
      std::vector<const ContainerRef*> inheriting;
      for (const auto& container : pod->containers) {
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
    return makeCheckRule([](const ObjectView& object, const RuleContext&, std::vector<Violation>& out) {
      const PodTemplateRef* pod = object.podTemplate();
      if (pod == nullptr) return;
      const SecurityContexts contexts(*pod);
      const auto podSetting = intSetting(contexts.pod(), "runAsUser");
      std::vector<const ContainerRef*> inheriting;
      for (const auto& container : pod->containers) {
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
    return makeCheckRule([](const ObjectView& object, const RuleContext&, std::vector<Violation>& out) {
      const PodTemplateRef* pod = object.podTemplate();
      if (pod == nullptr) return;
      const auto automount = boolSetting(pod->spec, "automountServiceAccountToken");
      if (automount.is(false)) return;
      const std::string path = pod->specPath + ".automountServiceAccountToken";
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

}  // namespace

void addIdentityRules(RuleCatalog& catalog) {
  catalog.add(runAsNonRootRule());
  catalog.add(runAsRootUserRule());
  catalog.add(serviceAccountTokenRule());
}

}  // namespace agentguard::engine::privilege
