#pragma once

#include "common/kube/kube_client.h"
#include "operator/leader/leadership.h"

namespace agentguard::op {

// A KubeClient that refuses every write (create, replace, patch, apply, delete) unless this replica leads at
// the moment of the call. Reads and watches pass through.
class LeaderGuardedClient final : public kube::KubeClient {
 public:
  LeaderGuardedClient(kube::KubeClient& inner, const Leadership& leadership) : inner_(inner), leadership_(leadership) {}

  Result<nlohmann::json> get(const kube::Resource& resource, std::string_view ns, std::string_view name,
                             std::string_view subresource = "") override {
    return inner_.get(resource, ns, name, subresource);
  }
  Result<kube::ObjectList> list(const kube::Resource& resource, std::string_view ns,
                                const kube::ListOptions& options = {}) override {
    return inner_.list(resource, ns, options);
  }
  Result<nlohmann::json> create(const kube::Resource& resource, std::string_view ns, const nlohmann::json& body,
                                const kube::WriteOptions& options = {}) override {
    if (!leadership_.isLeader()) return notLeader();
    return inner_.create(resource, ns, body, options);
  }
  Result<nlohmann::json> replace(const kube::Resource& resource, std::string_view ns, std::string_view name,
                                 const nlohmann::json& body, std::string_view subresource = "",
                                 const kube::WriteOptions& options = {}) override {
    if (!leadership_.isLeader()) return notLeader();
    return inner_.replace(resource, ns, name, body, subresource, options);
  }
  Result<nlohmann::json> mergePatch(const kube::Resource& resource, std::string_view ns, std::string_view name,
                                    const nlohmann::json& patch, std::string_view subresource = "",
                                    const kube::WriteOptions& options = {}) override {
    if (!leadership_.isLeader()) return notLeader();
    return inner_.mergePatch(resource, ns, name, patch, subresource, options);
  }
  Result<nlohmann::json> apply(const kube::Resource& resource, std::string_view ns, std::string_view name,
                               const nlohmann::json& body, std::string_view subresource = "",
                               const kube::WriteOptions& options = {}) override {
    if (!leadership_.isLeader()) return notLeader();
    return inner_.apply(resource, ns, name, body, subresource, options);
  }
  Status remove(const kube::Resource& resource, std::string_view ns, std::string_view name,
                const kube::DeleteOptions& options = {}) override {
    if (!leadership_.isLeader()) return notLeader();
    return inner_.remove(resource, ns, name, options);
  }
  Status watch(const kube::Resource& resource, std::string_view ns, const kube::WatchOptions& options,
               const std::function<bool(kube::WatchEvent&&)>& onEvent, const kube::StopSignal& stop) override {
    return inner_.watch(resource, ns, options, onEvent, stop);
  }

 private:
  static Error notLeader() { return makeError(ErrorCode::kUnavailable, "this replica does not hold the leader lease"); }

  kube::KubeClient& inner_;
  const Leadership& leadership_;
};

}  // namespace agentguard::op
