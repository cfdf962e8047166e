// Container-only securityContext fields: privileged, allowPrivilegeEscalation, procMount, readOnlyRootFilesystem.
#include <string>

#include "engine/policy/parameter_reader.h"
#include "engine/rules/check_rule.h"
#include "engine/rules/privilege/privilege_rules.h"
#include "engine/rules/privilege/security_context.h"

namespace agentguard::engine::privilege {
namespace {

RuleDefinition privilegedContainerRule() {
  RuleDefinition d;
  d.info = {"privilege.privileged-container", "privilege", "Privileged containers",
            "securityContext.privileged: true gives a container every capability and the node's devices, which is "
            "root on the node (Pod Security Standards baseline: Privileged Containers).",
            Severity::kCritical, Action::kDeny};
  d.create = [](ParameterReader&) -> RulePtr {
    return makePodRule([](const ObjectView&, const PodTemplateRef& pod, std::vector<Violation>& out) {
      for (const auto& container : pod.containers) {
        const auto privileged = boolSetting(SecurityContexts::of(container), "privileged");
        if (privileged.unset() || privileged.is(false)) continue;
        const std::string who = describeContainer(container);
        out.push_back({SecurityContexts::containerPath(container, "privileged"),
                       privileged.invalid()
                           ? who + " sets securityContext.privileged to " + describeMistyped(*privileged.raw, "a boolean")
                           : who + " runs privileged: it gets every capability and the node's devices, so it can take "
                                   "over the node",
                       "remove securityContext.privileged from " + who + " (or set it to false)"});
      }
    });
  };
  return d;
}

RuleDefinition allowPrivilegeEscalationRule() {
  RuleDefinition d;
  d.info = {"privilege.allow-privilege-escalation", "privilege", "Privilege escalation",
            "Every container must set securityContext.allowPrivilegeEscalation: false; unset means true, and setuid "
            "binaries or file capabilities can then raise a process's privileges (Pod Security Standards restricted: "
            "Privilege Escalation; not applied to Windows pods).",
            Severity::kHigh, Action::kDeny};
  d.create = [](ParameterReader&) -> RulePtr {
    return makePodRule([](const ObjectView&, const PodTemplateRef& pod, std::vector<Violation>& out) {
      if (isWindowsPod(pod)) return;
      for (const auto& container : pod.containers) {
        const auto escalation = boolSetting(SecurityContexts::of(container), "allowPrivilegeEscalation");
        if (escalation.is(false)) continue;
        const std::string who = describeContainer(container);
        std::string message;
        if (escalation.unset()) {
          message = who + " does not set securityContext.allowPrivilegeEscalation, which then defaults to true: "
                          "setuid binaries can raise its privileges";
        } else if (escalation.invalid()) {
          message = who + " sets securityContext.allowPrivilegeEscalation to " +
                    describeMistyped(*escalation.raw, "a boolean");
        } else {
          message = who + " sets securityContext.allowPrivilegeEscalation: true: setuid binaries can raise its "
                          "privileges";
        }
        out.push_back({SecurityContexts::containerPath(container, "allowPrivilegeEscalation"), std::move(message),
                       "set securityContext.allowPrivilegeEscalation: false on " + who});
      }
    });
  };
  return d;
}

RuleDefinition procMountRule() {
  RuleDefinition d;
  d.info = {"privilege.proc-mount", "privilege", "/proc mount type",
            "securityContext.procMount must be unset or Default; Unmasked stops the runtime from masking sensitive "
            "/proc paths such as /proc/kcore and /proc/sys (Pod Security Standards baseline: /proc Mount Type).",
            Severity::kHigh, Action::kDeny};
  d.create = [](ParameterReader&) -> RulePtr {
    return makePodRule([](const ObjectView&, const PodTemplateRef& pod, std::vector<Violation>& out) {
      for (const auto& container : pod.containers) {
        const auto procMount = stringSetting(SecurityContexts::of(container), "procMount");
        if (procMount.unset() || procMount.is("Default")) continue;
        const std::string who = describeContainer(container);
        out.push_back({SecurityContexts::containerPath(container, "procMount"),
                       procMount.invalid()
                           ? who + " sets securityContext.procMount to " + describeMistyped(*procMount.raw, "a string")
                           : who + " sets securityContext.procMount to " + describeValue(*procMount.raw) +
                                 ": the runtime no longer masks sensitive /proc paths such as /proc/kcore and /proc/sys",
                       "remove securityContext.procMount from " + who + " (or set it to Default)"});
      }
    });
  };
  return d;
}

RuleDefinition readOnlyRootFilesystemRule() {
  RuleDefinition d;
  d.info = {"privilege.read-only-root-filesystem", "privilege", "Read-only root filesystem",
            "Every container should set securityContext.readOnlyRootFilesystem: true so that a compromised process "
            "cannot rewrite the image's binaries or plant tools; writable paths come from emptyDir volumes. Not "
            "applied to Windows pods, which cannot set it.",
            Severity::kMedium, Action::kWarn};
  d.create = [](ParameterReader&) -> RulePtr {
    return makePodRule([](const ObjectView&, const PodTemplateRef& pod, std::vector<Violation>& out) {
      if (isWindowsPod(pod)) return;
      for (const auto& container : pod.containers) {
        const auto readOnly = boolSetting(SecurityContexts::of(container), "readOnlyRootFilesystem");
        if (readOnly.is(true)) continue;
        const std::string who = describeContainer(container);
        std::string message;
        if (readOnly.unset()) {
          message = who + " does not set securityContext.readOnlyRootFilesystem: true, so its processes can rewrite "
                          "the image's files";
        } else if (readOnly.invalid()) {
          message = who + " sets securityContext.readOnlyRootFilesystem to " +
                    describeMistyped(*readOnly.raw, "a boolean");
        } else {
          message = who + " sets securityContext.readOnlyRootFilesystem: false, so its processes can rewrite the "
                          "image's files";
        }
        out.push_back({SecurityContexts::containerPath(container, "readOnlyRootFilesystem"), std::move(message),
                       "set securityContext.readOnlyRootFilesystem: true on " + who +
                           " and mount an emptyDir volume at each path it writes to (such as /tmp)"});
      }
    });
  };
  return d;
}

}  // namespace

void addContainerRules(RuleCatalog& catalog) {
  catalog.add(privilegedContainerRule());
  catalog.add(allowPrivilegeEscalationRule());
  catalog.add(procMountRule());
  catalog.add(readOnlyRootFilesystemRule());
}

}  // namespace agentguard::engine::privilege
