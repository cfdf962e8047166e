// PersistentVolumes that hand a pod the node's own filesystem: a hostPath or local PersistentVolume,
// bound through a PersistentVolumeClaim, mounts what a hostPath volume in the pod would, while the pod
// itself shows only a persistentVolumeClaim.
#include <string>

#include "engine/policy/parameter_reader.h"
#include "engine/rules/check_rule.h"
#include "engine/rules/privilege/security_context.h"
#include "engine/rules/rule_catalog.h"

namespace agentguard::engine {
namespace {

using Json = nlohmann::json;
using privilege::describeMistyped;
using privilege::describeValue;
using privilege::presentField;
using privilege::stringSetting;

// The volume sources that are a directory or device of one node: `hostPath`, and `local` (a node's
// disk, partition or directory, pinned by nodeAffinity). Network and CSI storage are not the node's.
constexpr std::string_view kNodeLocalSources[] = {"hostPath", "local"};

Violation nodeLocalViolation(const ObjectView& volume, std::string_view source, const Json& settings) {
  const std::string label = "PersistentVolume \"" + volume.name() + "\"";
  const std::string field = "spec." + std::string(source);
  const auto path = stringSetting(&settings, "path");
  std::string what;
  if (path.value) {
    what = " mounts the node's path " + describeValue(*path.raw);
  } else if (!settings.is_object()) {
    what = " sets " + field + " to " + describeMistyped(settings, "a mapping") + ", a path of the node";
  } else {
    what = " mounts a path of the node (" + field + ".path is " +
           (path.raw != nullptr ? describeMistyped(*path.raw, "a string") : std::string("unset")) + ")";
  }
  return {path.value ? field + ".path" : field,
          label + what + " into every pod that binds it through a PersistentVolumeClaim: node credentials, other "
                         "pods' data, or the container runtime",
          "use network or CSI storage (a StorageClass, nfs, csi) instead of " + field +
              "; node-local storage for agents belongs in an emptyDir or an ephemeral volume"};
}

RuleDefinition persistentVolumeHostPathRule() {
  RuleDefinition d;
  d.info = {"privilege.persistent-volume-host-path", "privilege", "Node-local PersistentVolumes",
            "A PersistentVolume with spec.hostPath or spec.local gives any pod whose PersistentVolumeClaim binds it "
            "a directory or device of the node, the access privilege.host-path refuses in the pod itself.",
            Severity::kHigh, Action::kDeny};
  d.create = [](ParameterReader&) -> RulePtr {
    return makeCheckRule([](const ObjectView& object, const RuleContext&, std::vector<Violation>& out) {
      if (object.kind() != "PersistentVolume" || object.apiVersion() != "v1") return;
      const Json* spec = objectField(&object.body(), "spec");
      for (const std::string_view source : kNodeLocalSources) {
        if (const Json* settings = presentField(spec, source)) out.push_back(nodeLocalViolation(object, source, *settings));
      }
    });
  };
  return d;
}

}  // namespace

void addPersistentVolumeRules(RuleCatalog& catalog) { catalog.add(persistentVolumeHostPathRule()); }

}  // namespace agentguard::engine
