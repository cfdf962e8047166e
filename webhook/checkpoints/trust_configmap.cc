#include "webhook/checkpoints/trust_configmap.h"

#include <nlohmann/json.hpp>

#include "common/kube/resource.h"

namespace agentguard::webhook {

Status publishTrustedKey(kube::KubeClient& client, const std::string& ns, const std::string& configMap,
                         const decision::SigningKey& key) {
  const nlohmann::json patch = {{"data", {{key.keyId() + ".pem", key.publicKeyPem()}}}};
  Result<nlohmann::json> patched = client.mergePatch(kube::resources::configMaps(), ns, configMap, patch);
  if (!patched) {
    return makeError(patched.error().code, "ConfigMap " + ns + "/" + configMap +
                                               " could not list the decision signing key: " + patched.error().message);
  }
  return okStatus();
}

}  // namespace agentguard::webhook
