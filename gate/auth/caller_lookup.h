#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/kube/informer.h"
#include "common/kube/kube_client.h"
#include "common/log/logger.h"
#include "common/result/result.h"

namespace agentguard::gate {

// The Kubernetes reads caller authentication makes.
class CallerLookup {
 public:
  virtual ~CallerLookup() = default;
  // POST authentication.k8s.io/v1 TokenReview; the created object (with status) or the API error.
  virtual Result<nlohmann::json> reviewToken(const nlohmann::json& tokenReview) = 0;
  // The Pod; NotFound when it does not exist, Unavailable when the answer cannot be trusted now.
  virtual Result<kube::SharedObject> getPod(std::string_view ns, std::string_view name) = 0;
  // The Pods of `ns` whose status.podIP (or one of status.podIPs) is `ip`.
  virtual Result<std::vector<kube::SharedObject>> podsWithIp(std::string_view ns, std::string_view ip) = 0;
};

// The label every sandbox Pod carries (the operator sets it to the AgentSandbox's name). Only Pods with it
// are cached, and only they may reach the gate through their NetworkPolicy.
inline constexpr std::string_view kSandboxPodLabel = "agentguard.io/sandbox";

// TokenReviews go to the API server; Pods are read from an informer (list + watch) of the sandbox Pods of
// one namespace, so a call costs no round trip for its Pod. The cache is trusted only while the informer
// is current: before the first list, and from a broken watch until the re-list that follows it, every Pod
// read is Unavailable (callers fail closed). A Pod deleted is gone from the cache when its watch event
// arrives; a Pod recreated under the same name has a new uid, which the token's no longer matches.
class PodInformerLookup final : public CallerLookup {
 public:
  // `client` and `logger` outlive the lookup. Of `options` only the backoff is the caller's: namespace,
  // label selector, relistAfterWatchFailure and resync are set here.
  PodInformerLookup(kube::KubeClient& client, std::string ns, log::Logger& logger, kube::InformerOptions options = {});

  void start() { informer_.start(); }
  void stop() { informer_.stop(); }
  // Whether Pod reads are answered (see above); for readiness.
  bool current() const { return informer_.current(); }

  Result<nlohmann::json> reviewToken(const nlohmann::json& tokenReview) override;
  Result<kube::SharedObject> getPod(std::string_view ns, std::string_view name) override;
  Result<std::vector<kube::SharedObject>> podsWithIp(std::string_view ns, std::string_view ip) override;

 private:
  Status usable(std::string_view ns) const;

  kube::KubeClient& client_;
  const std::string ns_;
  kube::Informer informer_;
};

}  // namespace agentguard::gate
