#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result/result.h"
#include "engine/engine.h"

namespace agentguard::webhook {

// Where the webhook reads a Pod it is not sent: Kubernetes before 1.22 sends an EphemeralContainers
// object (metadata and the list) for pods/ephemeralcontainers, without the pod's own settings.
class PodSource {
 public:
  virtual ~PodSource() = default;
  // The Pod `ns`/`name` as the API server has it; Unavailable (or NotFound) when it cannot say.
  virtual Result<nlohmann::json> pod(std::string_view ns, std::string_view name) const = 0;
};

// The findings about the ephemeral containers of `pod` (a whole Pod), each container judged with the
// settings it inherits from the pod (spec.securityContext, host namespaces, volumes, ...), the way
// `agentguard check` judges the same Pod. What the pod itself already breaks — judged when it was
// created, and unchangeable now — is not counted against a debug container: for each ephemeral
// container the Pod is evaluated with that container as its only one, and a finding counts when it is
// about the container or when it appears only because of it. A finding the rule reports at the pod's
// spec.securityContext (an inherited runAsNonRoot or seccomp profile) is moved to the container's
// securityContext, the only place it can still be set, so every finding names
// spec.ephemeralContainers[i].
engine::Findings judgeEphemeralContainers(const engine::Engine& engine, const nlohmann::json& pod,
                                          const engine::EvaluationContext& context);

// The Pod to judge for an EphemeralContainers object (pre-1.22): `livePod` with its
// spec.ephemeralContainers replaced by the request's list.
nlohmann::json podWithEphemeralContainers(nlohmann::json livePod, const nlohmann::json& ephemeralContainersObject);

}  // namespace agentguard::webhook
