#include "operator/api/template_validation.h"

#include <set>
#include <string>
#include <string_view>

#include "operator/api/engine_verdict.h"
#include "operator/api/label_syntax.h"

namespace agentguard::op {
namespace {

using nlohmann::json;

// What the operator adds to a sandbox Pod that uses agentguard-gate (builders/gate_builder.h).
constexpr std::string_view kReservedVolume = "agentguard-gate-token";
constexpr std::string_view kReservedMountDirectory = "/var/run/secrets/agentguard.io";

class TemplateChecker {
 public:
  std::vector<Violation> violations;

  void forbid(const std::string& path, const std::string& message) {
    violations.push_back({path, path + " " + message, std::string(kReasonForbiddenTemplateField)});
  }
  void invalid(const std::string& path, const std::string& message) {
    violations.push_back({path, path + " " + message, std::string(kReasonInvalidSpec)});
  }

  static const json* field(const json& object, std::string_view name) {
    if (!object.is_object()) return nullptr;
    const auto it = object.find(name);
    return it == object.end() || it->is_null() ? nullptr : &*it;
  }
  static bool nonEmpty(const json* value) {
    if (value == nullptr) return false;
    if (value->is_array() || value->is_object() || value->is_string()) return !value->empty() && *value != "";
    return true;
  }

  // --- Syntax the API server enforces on the Pod (a 422 otherwise, retried for ever) ---
  void checkLabelSyntax(const json& labels, const std::string& base) {
    for (const auto& [key, value] : labels.items()) {
      const std::string path = base + ".labels[" + key + "]";
      if (auto problem = labelKeyProblem(key)) invalid(path, "is not a valid label key: it " + *problem);
      if (!value.is_string()) {
        invalid(path, "is not a string; quote the value");
      } else if (auto problem = labelValueProblem(value.get<std::string>())) {
        invalid(path, "is not a valid label value: it " + *problem);
      }
    }
  }
  void checkAnnotationSyntax(const json& annotations, const std::string& base) {
    size_t bytes = 0;
    for (const auto& [key, value] : annotations.items()) {
      const std::string path = base + ".annotations[" + key + "]";
      if (auto problem = labelKeyProblem(key)) invalid(path, "is not a valid annotation key: it " + *problem);
      bytes += key.size() + (value.is_string() ? value.get<std::string>().size() : 0);
    }
    if (bytes > kMaxAnnotationBytes) {
      invalid(base + ".annotations", "is larger than 256 KiB in all; keep less in annotations");
    }
  }

  void checkMetadata(const json& metadata, const std::string& base) {
    if (const json* labels = field(metadata, "labels"); labels != nullptr && labels->is_object()) {
      checkLabelSyntax(*labels, base);
      for (const auto& [key, value] : labels->items()) {
        if (key.rfind("agentguard.io/", 0) == 0 || key == kManagedByLabel) {
          forbid(base + ".labels[" + key + "]", "is reserved for the operator; remove it");
        } else if (key == "app.kubernetes.io/name" && value == "agentguard-gate") {
          forbid(base + ".labels[" + key + "]", "names the agentguard-gate Pods; choose another name");
        }
      }
    }
    if (const json* annotations = field(metadata, "annotations"); annotations != nullptr && annotations->is_object()) {
      checkAnnotationSyntax(*annotations, base);
      for (const auto& [key, value] : annotations->items()) {
        const std::string path = base + ".annotations[" + key + "]";
        if (key.rfind("agentguard.io/", 0) == 0) {
          forbid(path, "is reserved for the operator; remove it");
        } else if (key.rfind("seccomp.security.alpha.kubernetes.io/", 0) == 0 ||
                   key.rfind("container.seccomp.security.alpha.kubernetes.io/", 0) == 0) {
          forbid(path, "sets a seccomp profile; remove it (the operator sets seccomp RuntimeDefault)");
        }
      }
    }
  }

  void checkSeccomp(const json& securityContext, const std::string& base) {
    const json* seccomp = field(securityContext, "seccompProfile");
    if (seccomp == nullptr) return;
    const json* type = field(*seccomp, "type");
    if (type != nullptr && !(type->is_string() && type->get<std::string>() == "RuntimeDefault")) {
      forbid(base + ".seccompProfile.type", "is not RuntimeDefault; remove it or set RuntimeDefault");
    }
    if (nonEmpty(field(*seccomp, "localhostProfile"))) {
      forbid(base + ".seccompProfile.localhostProfile", "is set; remove it (only RuntimeDefault is allowed)");
    }
  }

  // Privilege, escalation, read-only root, run-as, SELinux, procMount, host namespaces, sysctls, hostPath,
  // AppArmor and token automount are the engine's (engine_verdict.h). Left here: what the operator sets itself.
  void checkContainerSecurity(const json& container, const std::string& base) {
    const json* securityContext = field(container, "securityContext");
    if (securityContext == nullptr) return;
    const std::string path = base + ".securityContext";
    if (const json* capabilities = field(*securityContext, "capabilities"); capabilities != nullptr) {
      if (nonEmpty(field(*capabilities, "add"))) {
        forbid(path + ".capabilities.add", "adds capabilities; remove it (the operator drops ALL)");
      }
    }
    checkSeccomp(*securityContext, path);
  }

  void checkContainer(const json& container, const std::string& base, const std::set<std::string>& volumeNames,
                      std::set<std::string>& containerNames) {
    if (const json* name = field(container, "name"); name != nullptr && name->is_string()) {
      if (!containerNames.insert(name->get<std::string>()).second) {
        invalid(base + ".name", "repeats the name of another container; container names must be unique");
      }
    }
    checkContainerSecurity(container, base);
    if (const json* ports = field(container, "ports"); ports != nullptr && ports->is_array()) {
      for (size_t i = 0; i < ports->size(); ++i) {
        const json& port = (*ports)[i];
        const std::string path = base + ".ports[" + std::to_string(i) + "]";
        const json* hostPort = field(port, "hostPort");
        if (hostPort != nullptr && !(hostPort->is_number_integer() && hostPort->get<int64_t>() == 0)) {
          forbid(path + ".hostPort", "binds a host port; remove it (use spec.network.ingress to allow connections)");
        }
        if (nonEmpty(field(port, "hostIP"))) forbid(path + ".hostIP", "binds a host address; remove it");
      }
    }
    if (const json* mounts = field(container, "volumeMounts"); mounts != nullptr && mounts->is_array()) {
      for (size_t i = 0; i < mounts->size(); ++i) {
        const json& mount = (*mounts)[i];
        const std::string path = base + ".volumeMounts[" + std::to_string(i) + "]";
        const json* propagation = field(mount, "mountPropagation");
        if (propagation != nullptr && !(propagation->is_string() && propagation->get<std::string>() == "None")) {
          forbid(path + ".mountPropagation", "is not None; remove it");
        }
        if (const json* mountPath = field(mount, "mountPath"); mountPath != nullptr && mountPath->is_string() &&
            mountPath->get<std::string>().rfind(kReservedMountDirectory, 0) == 0) {
          forbid(path + ".mountPath", "is under " + std::string(kReservedMountDirectory) +
                                          ", where the operator mounts the gate token; mount elsewhere");
        }
        const json* name = field(mount, "name");
        if (name != nullptr && name->is_string() && volumeNames.count(name->get<std::string>()) == 0) {
          invalid(path + ".name", "names no volume in spec.template.spec.volumes; add the volume or fix the name");
        }
      }
    }
    if (const json* env = field(container, "env"); env != nullptr && env->is_array()) {
      for (size_t i = 0; i < env->size(); ++i) {
        const json& variable = (*env)[i];
        const std::string path = base + ".env[" + std::to_string(i) + "]";
        const json* valueFrom = field(variable, "valueFrom");
        if (valueFrom == nullptr) continue;
        if (field(variable, "value") != nullptr) {
          invalid(path, "sets both value and valueFrom; keep one");
        }
        if (valueFrom->is_object() && valueFrom->size() != 1) {
          invalid(path + ".valueFrom", "must name exactly one source (secretKeyRef, configMapKeyRef, fieldRef or resourceFieldRef)");
        }
      }
    }
  }

  void checkVolumes(const json& spec, std::set<std::string>& volumeNames) {
    const json* volumes = field(spec, "volumes");
    if (volumes == nullptr || !volumes->is_array()) return;
    for (size_t i = 0; i < volumes->size(); ++i) {
      const json& volume = (*volumes)[i];
      const std::string path = "spec.template.spec.volumes[" + std::to_string(i) + "]";
      if (const json* name = field(volume, "name"); name != nullptr && name->is_string()) {
        if (name->get<std::string>() == kReservedVolume) {
          forbid(path + ".name", "is the name of the volume the operator adds for the gate token; rename it");
        }
        if (!volumeNames.insert(name->get<std::string>()).second) {
          invalid(path + ".name", "repeats the name of another volume; volume names must be unique");
        }
      }
      size_t sources = 0;
      if (volume.is_object()) {
        for (const auto& [key, value] : volume.items()) {
          if (key != "name" && !value.is_null()) ++sources;
        }
      }
      if (sources != 1 && field(volume, "hostPath") == nullptr) {  // hostPath: the engine's privilege.host-path
        invalid(path, "must have exactly one source (emptyDir, configMap, secret, projected, downwardAPI or persistentVolumeClaim)");
      }
      if (const json* projected = field(volume, "projected"); projected != nullptr) {
        if (const json* projectedSources = field(*projected, "sources"); projectedSources != nullptr && projectedSources->is_array()) {
          for (size_t j = 0; j < projectedSources->size(); ++j) {
            if (field((*projectedSources)[j], "serviceAccountToken") != nullptr) {
              forbid(path + ".projected.sources[" + std::to_string(j) + "].serviceAccountToken",
                     "projects a service account token; remove it (agents get no API credentials; the operator adds the gate's "
                     "token itself when spec.tools or spec.network.egressHosts is set)");
            }
          }
        }
      }
    }
  }

  void checkPodSpec(const json& spec) {
    const std::string base = "spec.template.spec";
    if (field(spec, "runtimeClassName") != nullptr) {
      forbid(base + ".runtimeClassName", "is set; remove it and use spec.runtimeClassName (the operator sets the Pod's)");
    }
    if (field(spec, "restartPolicy") != nullptr) {
      forbid(base + ".restartPolicy", "is set; remove it and use spec.lifecycle.restartPolicy");
    }
    if (nonEmpty(field(spec, "nodeName"))) {
      forbid(base + ".nodeName", "is set; remove it (use nodeSelector; nodeName bypasses the scheduler)");
    }
    if (field(spec, "dnsPolicy") != nullptr) {
      forbid(base + ".dnsPolicy", "is set; remove it (DNS is configured by spec.network.dns)");
    }
    if (field(spec, "dnsConfig") != nullptr) {
      forbid(base + ".dnsConfig", "is set; remove it (DNS is configured by spec.network.dns)");
    }
    if (nonEmpty(field(spec, "hostAliases"))) forbid(base + ".hostAliases", "is set; remove it");
    if (nonEmpty(field(spec, "ephemeralContainers"))) forbid(base + ".ephemeralContainers", "is set; remove it");
    if (const json* securityContext = field(spec, "securityContext"); securityContext != nullptr) {
      checkSeccomp(*securityContext, base + ".securityContext");
      // The operator sets the Pod's runAsNonRoot: true (the engine accepts false here when every container
      // overrides it, which the operator does; a contradiction is still refused, never rewritten).
      const json* runAsNonRoot = field(*securityContext, "runAsNonRoot");
      if (runAsNonRoot != nullptr && runAsNonRoot->is_boolean() && !runAsNonRoot->get<bool>()) {
        forbid(base + ".securityContext.runAsNonRoot", "is false; remove it or set it to true (agents never run as root)");
      }
    }

    std::set<std::string> volumeNames;
    checkVolumes(spec, volumeNames);
    std::set<std::string> containerNames;
    for (const std::string_view list : {"initContainers", "containers"}) {
      const json* containers = field(spec, list);
      if (containers == nullptr || !containers->is_array()) continue;
      for (size_t i = 0; i < containers->size(); ++i) {
        checkContainer((*containers)[i], base + "." + std::string(list) + "[" + std::to_string(i) + "]", volumeNames,
                       containerNames);
      }
    }
    const json* containers = field(spec, "containers");
    if (containers == nullptr || !containers->is_array() || containers->empty()) {
      invalid(base + ".containers", "is empty; add the agent's container");
    }
  }
};

std::vector<Violation> operatorChecks(const json& podTemplate);

}  // namespace

std::vector<Violation> validateTemplate(const json& podTemplate) {
  // The engine's verdict first, then the operator's own; each field is reported once.
  std::vector<Violation> violations;
  std::set<std::string> reported;
  for (std::vector<Violation> source : {engineVerdict(podTemplate), operatorChecks(podTemplate)}) {
    for (Violation& violation : source) {
      if (reported.insert(violation.path).second) violations.push_back(std::move(violation));
    }
  }
  return violations;
}

namespace {

// The checks of fields the operator owns or refuses for its own reasons (see template_validation.h).
std::vector<Violation> operatorChecks(const json& podTemplate) {
  TemplateChecker checker;
  if (const json* metadata = TemplateChecker::field(podTemplate, "metadata"); metadata != nullptr) {
    checker.checkMetadata(*metadata, "spec.template.metadata");
  }
  const json* spec = TemplateChecker::field(podTemplate, "spec");
  if (spec == nullptr || !spec->is_object()) {
    checker.invalid("spec.template.spec", "is missing; give the Pod spec with at least one container");
  } else {
    checker.checkPodSpec(*spec);
  }
  return std::move(checker.violations);
}

}  // namespace

}  // namespace agentguard::op
