#include "operator/controller/throttled_client.h"

#include <algorithm>
#include <thread>

namespace agentguard::op {

ThrottledClient::ThrottledClient(kube::KubeClient& inner, double qps, int burst)
    : inner_(inner),
      qps_(std::max(qps, 0.1)),
      burst_(std::max(burst, 1)),
      tokens_(burst_),
      refilled_(std::chrono::steady_clock::now()) {}

void ThrottledClient::take() {
  std::chrono::duration<double> wait{0};
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    tokens_ = std::min(burst_, tokens_ + std::chrono::duration<double>(now - refilled_).count() * qps_);
    refilled_ = now;
    tokens_ -= 1;  // reserve now; a negative balance is the wait
    if (tokens_ < 0) wait = std::chrono::duration<double>(-tokens_ / qps_);
  }
  if (wait.count() > 0) std::this_thread::sleep_for(wait);
}

Result<nlohmann::json> ThrottledClient::get(const kube::Resource& resource, std::string_view ns, std::string_view name,
                                            std::string_view subresource) {
  take();
  return inner_.get(resource, ns, name, subresource);
}
Result<kube::ObjectList> ThrottledClient::list(const kube::Resource& resource, std::string_view ns,
                                               const kube::ListOptions& options) {
  take();
  return inner_.list(resource, ns, options);
}
Result<nlohmann::json> ThrottledClient::create(const kube::Resource& resource, std::string_view ns,
                                               const nlohmann::json& body, const kube::WriteOptions& options) {
  take();
  return inner_.create(resource, ns, body, options);
}
Result<nlohmann::json> ThrottledClient::replace(const kube::Resource& resource, std::string_view ns,
                                                std::string_view name, const nlohmann::json& body,
                                                std::string_view subresource, const kube::WriteOptions& options) {
  take();
  return inner_.replace(resource, ns, name, body, subresource, options);
}
Result<nlohmann::json> ThrottledClient::mergePatch(const kube::Resource& resource, std::string_view ns,
                                                   std::string_view name, const nlohmann::json& patch,
                                                   std::string_view subresource, const kube::WriteOptions& options) {
  take();
  return inner_.mergePatch(resource, ns, name, patch, subresource, options);
}
Result<nlohmann::json> ThrottledClient::apply(const kube::Resource& resource, std::string_view ns,
                                              std::string_view name, const nlohmann::json& body,
                                              std::string_view subresource, const kube::WriteOptions& options) {
  take();
  return inner_.apply(resource, ns, name, body, subresource, options);
}
Status ThrottledClient::remove(const kube::Resource& resource, std::string_view ns, std::string_view name,
                               const kube::DeleteOptions& options) {
  take();
  return inner_.remove(resource, ns, name, options);
}
Status ThrottledClient::watch(const kube::Resource& resource, std::string_view ns, const kube::WatchOptions& options,
                              const std::function<bool(kube::WatchEvent&&)>& onEvent, const kube::StopSignal& stop) {
  return inner_.watch(resource, ns, options, onEvent, stop);
}

}  // namespace agentguard::op
