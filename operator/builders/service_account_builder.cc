#include "operator/builders/service_account_builder.h"

#include "operator/builders/owned_objects.h"

namespace agentguard::op {

nlohmann::json buildServiceAccount(const SandboxMeta& sandbox, const std::string& name) {
  return {{"apiVersion", "v1"},
          {"kind", "ServiceAccount"},
          {"metadata",
           {{"name", name},
            {"namespace", sandbox.ns},
            {"labels", sandboxLabels(sandbox)},
            {"ownerReferences", nlohmann::json::array({controllerReference(sandbox)})}}},
          {"automountServiceAccountToken", false}};
}

}  // namespace agentguard::op
