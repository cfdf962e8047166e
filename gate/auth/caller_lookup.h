#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/kube/kube_client.h"
#include "common/result/result.h"

namespace agentguard::gate {

// The Kubernetes calls caller authentication makes. The production one goes to the API server through
// common/kube; an informer-backed one may answer the Pod reads from its cache.
class CallerLookup {
 public:
  virtual ~CallerLookup() = default;
  // POST authentication.k8s.io/v1 TokenReview; the created object (with status) or the API error.
  virtual Result<nlohmann::json> reviewToken(const nlohmann::json& tokenReview) = 0;
  // GET the Pod; NotFound when it does not exist.
  virtual Result<nlohmann::json> getPod(std::string_view ns, std::string_view name) = 0;
  // The Pods of `ns` whose status.podIP is `ip`.
  virtual Result<std::vector<nlohmann::json>> podsWithIp(std::string_view ns, std::string_view ip) = 0;
};

// CallerLookup straight to the API server. `client` outlives it.
std::unique_ptr<CallerLookup> makeKubeCallerLookup(kube::KubeClient& client);

}  // namespace agentguard::gate
