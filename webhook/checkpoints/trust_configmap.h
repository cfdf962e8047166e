#pragma once

#include <string>

#include "common/decision/ed25519_keys.h"
#include "common/kube/kube_client.h"
#include "common/result/result.h"

namespace agentguard::webhook {

// Lists the signing key's public key in an existing ConfigMap (the chart's agentguard-trust), under
// `data.<keyid>.pem`, with a JSON merge patch: keys listed before (older keys, other replicas' keys)
// stay, so records signed before a rotation still verify with the ConfigMap's keys concatenated
// (docs/decision-log.md, "Keys").
Status publishTrustedKey(kube::KubeClient& client, const std::string& ns, const std::string& configMap,
                         const decision::SigningKey& key);

}  // namespace agentguard::webhook
