#pragma once

#include <chrono>
#include <mutex>

#include "common/kube/kube_client.h"

namespace agentguard::op {

// A KubeClient that spaces its requests with a token bucket (qps, burst), so a burst of sandboxes or a restart
// with thousands of them cannot flood the API server. Watches are not counted.
class ThrottledClient final : public kube::KubeClient {
 public:
  ThrottledClient(kube::KubeClient& inner, double qps, int burst);

  Result<nlohmann::json> get(const kube::Resource& resource, std::string_view ns, std::string_view name,
                             std::string_view subresource = "") override;
  Result<kube::ObjectList> list(const kube::Resource& resource, std::string_view ns,
                                const kube::ListOptions& options = {}) override;
  Result<nlohmann::json> create(const kube::Resource& resource, std::string_view ns, const nlohmann::json& body,
                                const kube::WriteOptions& options = {}) override;
  Result<nlohmann::json> replace(const kube::Resource& resource, std::string_view ns, std::string_view name,
                                 const nlohmann::json& body, std::string_view subresource = "",
                                 const kube::WriteOptions& options = {}) override;
  Result<nlohmann::json> mergePatch(const kube::Resource& resource, std::string_view ns, std::string_view name,
                                    const nlohmann::json& patch, std::string_view subresource = "",
                                    const kube::WriteOptions& options = {}) override;
  Result<nlohmann::json> apply(const kube::Resource& resource, std::string_view ns, std::string_view name,
                               const nlohmann::json& body, std::string_view subresource = "",
                               const kube::WriteOptions& options = {}) override;
  Status remove(const kube::Resource& resource, std::string_view ns, std::string_view name,
                const kube::DeleteOptions& options = {}) override;
  Status watch(const kube::Resource& resource, std::string_view ns, const kube::WatchOptions& options,
               const std::function<bool(kube::WatchEvent&&)>& onEvent, const kube::StopSignal& stop) override;

 private:
  void take();

  kube::KubeClient& inner_;
  const double qps_;
  const double burst_;
  std::mutex mutex_;
  double tokens_;
  std::chrono::steady_clock::time_point refilled_;
};

}  // namespace agentguard::op
