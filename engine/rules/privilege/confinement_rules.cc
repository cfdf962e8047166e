// Kernel confinement: AppArmor profiles, SELinux options and seccomp profiles, at pod and container level.
#include <string>

#include "common/manifest/field_path.h"
#include "engine/policy/parameter_reader.h"
#include "engine/rules/check_rule.h"
#include "engine/rules/privilege/allowed_values.h"
#include "engine/rules/privilege/privilege_rules.h"
#include "engine/rules/privilege/security_context.h"

namespace agentguard::engine::privilege {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kAppArmorAnnotationPrefix = "container.apparmor.security.beta.kubernetes.io/";

// Legacy annotation values: "" (unset), runtime/default, or localhost/<profile>.
bool isAllowedAppArmorAnnotation(std::string_view value) {
  return value.empty() || value == "runtime/default" || value.substr(0, 10) == "localhost/";
}

// Checks a seccompProfile or appArmorProfile mapping: its type must be RuntimeDefault or Localhost.
// `field` is "seccompProfile" or "appArmorProfile"; `unconfinedRisk` explains what Unconfined allows.
void checkProfile(const ContextScope& scope, const Json& profile, std::string_view field,
                  std::string_view unconfinedRisk, std::vector<Violation>& out) {
  const std::string key(field);
  if (!profile.is_object()) {
    out.push_back({scope.path(key),
                   scope.who() + " sets securityContext." + key + " to " + describeMistyped(profile, "a mapping"),
                   "set securityContext." + key + ".type: RuntimeDefault on " + scope.who()});
    return;
  }
  const auto type = stringSetting(&profile, "type");
  if (type.value && isConfiningProfileType(*type.value)) return;
  std::string message = scope.who();
  if (type.unset()) {
    message += " sets securityContext." + key + " without a type";
  } else if (type.invalid()) {
    message += " sets securityContext." + key + ".type to " + describeMistyped(*type.raw, "a string");
  } else if (*type.value == "Unconfined") {
    message += " sets securityContext." + key + ".type: Unconfined and " + std::string(unconfinedRisk);
  } else {
    message += " sets securityContext." + key + ".type to " + describeValue(*type.raw) +
               "; only RuntimeDefault and Localhost are allowed";
  }
  out.push_back({scope.path(key + ".type"), std::move(message),
                 "set securityContext." + key + ".type: RuntimeDefault on " + scope.who() +
                     " (or Localhost with a localhostProfile)"});
}

constexpr std::string_view kAppArmorRisk = "runs without AppArmor confinement";
constexpr std::string_view kSeccompRisk = "may make every system call, including those kernel exploits rely on";

RuleDefinition appArmorRule() {
  RuleDefinition d;
  d.info = {"privilege.apparmor", "privilege", "AppArmor profile",
            "securityContext.appArmorProfile.type (pod or container) must be RuntimeDefault or Localhost, and the "
            "legacy container.apparmor.security.beta.kubernetes.io/<container> annotations runtime/default or "
            "localhost/<profile>; Unconfined removes the node's AppArmor protection (Pod Security Standards "
            "baseline: AppArmor).",
            Severity::kHigh, Action::kDeny};
  d.create = [](ParameterReader&) -> RulePtr {
    return makePodRule([](const ObjectView&, const PodTemplateRef& pod, std::vector<Violation>& out) {
      if (const Json* annotations = objectField(pod.metadata, "annotations")) {
        for (const auto& [key, value] : annotations->items()) {
          if (key.size() <= kAppArmorAnnotationPrefix.size() ||
              std::string_view(key).substr(0, kAppArmorAnnotationPrefix.size()) != kAppArmorAnnotationPrefix) {
            continue;
          }
          if (value.is_string() && isAllowedAppArmorAnnotation(value.get_ref<const std::string&>())) continue;
          const std::string containerName = key.substr(kAppArmorAnnotationPrefix.size());
          out.push_back({manifest::FieldPath(pod.metadataPath).key("annotations").key(key).str(),
                         "annotation " + key + " sets the AppArmor profile of container \"" + containerName +
                             "\" to " + (value.is_string() ? describeValue(value) : describeMistyped(value, "a string")) +
                             "; only runtime/default and localhost/<profile> are allowed",
                         "set the annotation to runtime/default, or remove it and set "
                         "securityContext.appArmorProfile.type: RuntimeDefault on container \"" + containerName + "\""});
        }
      }
      const SecurityContexts contexts(pod);
      forEachScope(pod, contexts, [&out](const ContextScope& scope) {
        if (const Json* profile = presentField(scope.securityContext, "appArmorProfile")) {
          checkProfile(scope, *profile, "appArmorProfile", kAppArmorRisk, out);
        }
      });
    });
  };
  return d;
}

// Checks one seLinuxOptions mapping: an allowed type, no user, no role.
void checkSeLinuxOptions(const ContextScope& scope, const Json& options, std::vector<Violation>& out) {
  if (!options.is_object()) {
    out.push_back({scope.path("seLinuxOptions"),
                   scope.who() + " sets securityContext.seLinuxOptions to " + describeMistyped(options, "a mapping"),
                   "remove securityContext.seLinuxOptions from " + scope.who()});
    return;
  }
  const auto type = stringSetting(&options, "type");
  if (!type.unset() && !(type.value && (type.value->empty() || allowedSeLinuxTypes().contains(*type.value)))) {
    out.push_back({scope.path("seLinuxOptions.type"),
                   scope.who() + " sets securityContext.seLinuxOptions.type to " +
                       (type.value ? describeValue(*type.raw) + "; only " + allowedSeLinuxTypes().joined() +
                                         " are allowed"
                                   : describeMistyped(*type.raw, "a string")),
                   "remove securityContext.seLinuxOptions.type from " + scope.who() + " (or use container_t)"});
  }
  for (const std::string_view field : {std::string_view("user"), std::string_view("role")}) {
    const auto value = stringSetting(&options, field);
    if (value.unset() || (value.value && value.value->empty())) continue;
    const std::string key = "seLinuxOptions." + std::string(field);
    out.push_back({scope.path(key),
                   scope.who() + " sets securityContext." + key + " to " +
                       (value.value ? describeValue(*value.raw) + "; a custom SELinux " + std::string(field) +
                                          " is not allowed"
                                    : describeMistyped(*value.raw, "a string")),
                   "remove securityContext." + key + " from " + scope.who()});
  }
}

RuleDefinition seLinuxRule() {
  RuleDefinition d;
  d.info = {"privilege.selinux", "privilege", "SELinux options",
            "securityContext.seLinuxOptions (pod or container) may set type only to container_t, container_init_t, "
            "container_kvm_t or container_engine_t, and must not set user or role; other labels such as spc_t run "
            "unconfined (Pod Security Standards baseline: SELinux).",
            Severity::kHigh, Action::kDeny};
  d.create = [](ParameterReader&) -> RulePtr {
    return makePodRule([](const ObjectView&, const PodTemplateRef& pod, std::vector<Violation>& out) {
      const SecurityContexts contexts(pod);
      forEachScope(pod, contexts, [&out](const ContextScope& scope) {
        if (const Json* options = presentField(scope.securityContext, "seLinuxOptions")) {
          checkSeLinuxOptions(scope, *options, out);
        }
      });
    });
  };
  return d;
}

RuleDefinition seccompUnconfinedRule() {
  RuleDefinition d;
  d.info = {"privilege.seccomp-unconfined", "privilege", "Unconfined seccomp profile",
            "securityContext.seccompProfile (pod or container), where set, must have type RuntimeDefault or Localhost; "
            "Unconfined lets the container make every system call (Pod Security Standards baseline: Seccomp).",
            Severity::kHigh, Action::kDeny};
  d.create = [](ParameterReader&) -> RulePtr {
    return makePodRule([](const ObjectView&, const PodTemplateRef& pod, std::vector<Violation>& out) {
      const SecurityContexts contexts(pod);
      forEachScope(pod, contexts, [&out](const ContextScope& scope) {
        if (const Json* profile = presentField(scope.securityContext, "seccompProfile")) {
          checkProfile(scope, *profile, "seccompProfile", kSeccompRisk, out);
        }
      });
    });
  };
  return d;
}

bool confines(const Json& profile) {
  const auto type = stringSetting(&profile, "type");
  return type.value && isConfiningProfileType(*type.value);
}

RuleDefinition seccompRequiredRule() {
  RuleDefinition d;
  d.info = {"privilege.seccomp-required", "privilege", "Seccomp profile required",
            "Every container must run under a RuntimeDefault or Localhost seccomp profile, set on the pod "
            "(spec.securityContext.seccompProfile) or on the container, whose setting overrides the pod's; without "
            "one it runs Unconfined unless the node enables seccomp by default (Pod Security Standards restricted: "
            "Seccomp; not applied to Windows pods).",
            Severity::kMedium, Action::kDeny};
  d.create = [](ParameterReader&) -> RulePtr {
    return makePodRule([](const ObjectView&, const PodTemplateRef& pod, std::vector<Violation>& out) {
      if (isWindowsPod(pod)) return;
      const SecurityContexts contexts(pod);
      std::vector<const ContainerRef*> inheriting;
      for (const auto& container : pod.containers) {
        const Resolved profile = contexts.resolve(container, "seccompProfile");
        if (profile.origin == Origin::kContainer) {
          checkProfile(ContextScope{SecurityContexts::of(container), &container, &contexts}, *profile.raw,
                       "seccompProfile", kSeccompRisk, out);
        } else if (profile.origin == Origin::kUnset || !confines(*profile.raw)) {
          inheriting.push_back(&container);
        }
      }
      if (inheriting.empty()) return;
      const std::string who = describeContainers(inheriting);
      const Json* podProfile = presentField(contexts.pod(), "seccompProfile");
      if (podProfile == nullptr) {
        out.push_back({contexts.podPath("seccompProfile.type"),
                       "no seccomp profile applies to " + who + ": securityContext.seccompProfile is set on "
                           "neither the pod nor " + (inheriting.size() == 1 ? "the container, so it runs" :
                           "these containers, so they run") + " Unconfined unless the node enables seccomp by default",
                       "set " + contexts.podPath("seccompProfile.type") + ": RuntimeDefault (or "
                       "securityContext.seccompProfile.type: RuntimeDefault on " + who + ")"});
        return;
      }
      // The pod sets a profile that does not confine, and these containers inherit it.
      std::vector<Violation> podFindings;
      checkProfile(ContextScope{contexts.pod(), nullptr, &contexts}, *podProfile, "seccompProfile", kSeccompRisk,
                   podFindings);
      for (auto& finding : podFindings) {
        finding.message += "; " + who + (inheriting.size() == 1 ? " inherits" : " inherit") + " it";
        out.push_back(std::move(finding));
      }
    });
  };
  return d;
}

}  // namespace

void addConfinementRules(RuleCatalog& catalog) {
  catalog.add(appArmorRule());
  catalog.add(seLinuxRule());
  catalog.add(seccompUnconfinedRule());
  catalog.add(seccompRequiredRule());
}

}  // namespace agentguard::engine::privilege
