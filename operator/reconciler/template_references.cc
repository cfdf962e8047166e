#include "operator/reconciler/template_references.h"

#include <map>
#include <string_view>
#include <vector>

namespace agentguard::op {
namespace {

using nlohmann::json;

constexpr std::string_view kTokenSecretType = "kubernetes.io/service-account-token";

const kube::Resource& persistentVolumeClaims() {
  static const kube::Resource r{"", "v1", "persistentvolumeclaims", true};
  return r;
}
const kube::Resource& persistentVolumes() {
  static const kube::Resource r{"", "v1", "persistentvolumes", false};
  return r;
}

const json* field(const json& object, std::string_view name) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(name);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

std::string stringAt(const json* object, std::string_view name) {
  if (object == nullptr) return "";
  const json* value = field(*object, name);
  return value != nullptr && value->is_string() ? value->get<std::string>() : "";
}

template <typename Visit>
void forEachItem(const json& object, std::string_view list, const std::string& base, Visit visit) {
  const json* items = field(object, list);
  if (items == nullptr || !items->is_array()) return;
  for (size_t i = 0; i < items->size(); ++i) {
    visit((*items)[i], base + "." + std::string(list) + "[" + std::to_string(i) + "]");
  }
}

// Secret name -> the first field path that names it.
std::map<std::string, std::string> secretReferences(const json& spec) {
  std::map<std::string, std::string> names;
  auto add = [&names](const std::string& name, const std::string& path) {
    if (!name.empty()) names.emplace(name, path);
  };
  const std::string base = "spec.template.spec";
  forEachItem(spec, "volumes", base, [&](const json& volume, const std::string& path) {
    add(stringAt(field(volume, "secret"), "secretName"), path + ".secret.secretName");
    if (const json* projected = field(volume, "projected")) {
      forEachItem(*projected, "sources", path + ".projected", [&](const json& source, const std::string& sourcePath) {
        add(stringAt(field(source, "secret"), "name"), sourcePath + ".secret.name");
      });
    }
  });
  for (const std::string_view list : {"initContainers", "containers"}) {
    forEachItem(spec, list, base, [&](const json& container, const std::string& path) {
      forEachItem(container, "env", path, [&](const json& variable, const std::string& envPath) {
        const json* valueFrom = field(variable, "valueFrom");
        add(stringAt(valueFrom != nullptr ? field(*valueFrom, "secretKeyRef") : nullptr, "name"),
            envPath + ".valueFrom.secretKeyRef.name");
      });
      forEachItem(container, "envFrom", path, [&](const json& source, const std::string& sourcePath) {
        add(stringAt(field(source, "secretRef"), "name"), sourcePath + ".secretRef.name");
      });
    });
  }
  return names;
}

Problem forbidden(std::string message) { return Problem{std::string(reasons::kForbiddenTemplateField), std::move(message)}; }
Problem notReady(std::string message) { return Problem{std::string(reasons::kReferenceNotReady), std::move(message)}; }

// Fills `verdict` and returns false when the Secret may not be used (or could not be read).
bool judgeSecret(kube::KubeClient& client, const std::string& ns, const std::string& name, const std::string& path,
                 ReferenceVerdict& verdict) {
  auto secret = client.get(kube::resources::secrets(), ns, name);
  if (!secret.ok()) {
    if (secret.error().code == ErrorCode::kNotFound) {
      verdict.blocker = notReady(path + " names Secret " + ns + "/" + name +
                                 ", which does not exist; create it (not a ServiceAccount token Secret) and the "
                                 "sandbox will proceed");
    } else {
      verdict.error = secret.error();
    }
    return false;
  }
  if (secret->value("type", "") == kTokenSecretType) {
    verdict.blocker = forbidden(path + " names Secret " + ns + "/" + name +
                                ", a ServiceAccount token (kubernetes.io/service-account-token); remove the reference "
                                "(agents get no Kubernetes API credentials)");
    return false;
  }
  return true;
}

bool judgeClaim(kube::KubeClient& client, const std::string& ns, const std::string& claimName, const std::string& path,
                ReferenceVerdict& verdict) {
  auto claim = client.get(persistentVolumeClaims(), ns, claimName);
  if (!claim.ok()) {
    if (claim.error().code == ErrorCode::kNotFound) {
      verdict.blocker = notReady(path + " names PersistentVolumeClaim " + ns + "/" + claimName +
                                 ", which does not exist; create it and the sandbox will proceed once it is bound");
    } else {
      verdict.error = claim.error();
    }
    return false;
  }
  const std::string volumeName = stringAt(field(*claim, "spec"), "volumeName");
  if (stringAt(field(*claim, "status"), "phase") != "Bound" || volumeName.empty()) {
    verdict.blocker = notReady(path + " names PersistentVolumeClaim " + ns + "/" + claimName +
                               ", which is not bound; the sandbox proceeds once it is bound to a volume that is not "
                               "hostPath or local (use a StorageClass with Immediate binding)");
    return false;
  }
  auto volume = client.get(persistentVolumes(), "", volumeName);
  if (!volume.ok()) {
    if (volume.error().code == ErrorCode::kNotFound) {
      verdict.blocker = notReady(path + " names PersistentVolumeClaim " + ns + "/" + claimName + ", bound to " +
                                 "PersistentVolume " + volumeName + ", which does not exist");
    } else {
      verdict.error = volume.error();
    }
    return false;
  }
  const json* volumeSpec = field(*volume, "spec");
  for (const std::string_view source : {"hostPath", "local"}) {
    if (volumeSpec != nullptr && field(*volumeSpec, source) != nullptr) {
      verdict.blocker = forbidden(path + " names PersistentVolumeClaim " + ns + "/" + claimName +
                                  ", bound to PersistentVolume " + volumeName + " with " + std::string(source) +
                                  " (a directory of the node); use a claim on network or provisioned storage");
      return false;
    }
  }
  return true;
}

}  // namespace

ReferenceVerdict checkTemplateReferences(kube::KubeClient& client, const std::string& ns, const json& podTemplate) {
  ReferenceVerdict verdict;
  const json* spec = field(podTemplate, "spec");
  if (spec == nullptr) return verdict;
  for (const auto& [name, path] : secretReferences(*spec)) {
    if (!judgeSecret(client, ns, name, path, verdict)) return verdict;
  }
  bool judged = true;
  forEachItem(*spec, "volumes", "spec.template.spec", [&](const json& volume, const std::string& path) {
    const std::string claimName = stringAt(field(volume, "persistentVolumeClaim"), "claimName");
    if (judged && !claimName.empty()) {
      judged = judgeClaim(client, ns, claimName, path + ".persistentVolumeClaim.claimName", verdict);
    }
  });
  return verdict;
}

}  // namespace agentguard::op
