#pragma once

#include <functional>

#include <nlohmann/json.hpp>

#include "common/kube/kube_client.h"

namespace agentguard::op {

// A read-side KubeClient for an informer that keeps only part of each object: list() and watch() pass every
// object through `project` before the informer caches it. The operator's memory is mostly its caches; a Pod
// needs only its identity, owner, runtime class and phase to be reconciled. Writes are refused (this client only
// feeds informers).
class ProjectingClient final : public kube::KubeClient {
 public:
  using Projection = std::function<void(nlohmann::json&)>;
  ProjectingClient(kube::KubeClient& inner, Projection project) : inner_(inner), project_(std::move(project)) {}

  Result<nlohmann::json> get(const kube::Resource& resource, std::string_view ns, std::string_view name,
                             std::string_view subresource = "") override;
  Result<kube::ObjectList> list(const kube::Resource& resource, std::string_view ns,
                                const kube::ListOptions& options = {}) override;
  Result<nlohmann::json> create(const kube::Resource&, std::string_view, const nlohmann::json&,
                                const kube::WriteOptions& = {}) override {
    return readOnly();
  }
  Result<nlohmann::json> replace(const kube::Resource&, std::string_view, std::string_view, const nlohmann::json&,
                                 std::string_view = "", const kube::WriteOptions& = {}) override {
    return readOnly();
  }
  Result<nlohmann::json> mergePatch(const kube::Resource&, std::string_view, std::string_view, const nlohmann::json&,
                                    std::string_view = "", const kube::WriteOptions& = {}) override {
    return readOnly();
  }
  Result<nlohmann::json> apply(const kube::Resource&, std::string_view, std::string_view, const nlohmann::json&,
                               std::string_view = "", const kube::WriteOptions& = {}) override {
    return readOnly();
  }
  Status remove(const kube::Resource&, std::string_view, std::string_view, const kube::DeleteOptions& = {}) override {
    return readOnly();
  }
  Status watch(const kube::Resource& resource, std::string_view ns, const kube::WatchOptions& options,
               const std::function<bool(kube::WatchEvent&&)>& onEvent, const kube::StopSignal& stop) override;

 private:
  static Error readOnly() { return makeError(ErrorCode::kInternal, "ProjectingClient only reads"); }

  kube::KubeClient& inner_;
  Projection project_;
};

// The projections the controller uses.
// Every kind: drops metadata.managedFields and the kubectl last-applied-configuration annotation.
void projectCommon(nlohmann::json& object);
// Pods: metadata identity, labels, owners, finalizers and times; spec.runtimeClassName; status phase, podIP and the
// Ready condition.
void projectPod(nlohmann::json& object);
// NetworkPolicies and Services that may select a sandbox's Pod: metadata identity;
// spec.podSelector, and whether ingress and egress rules exist (one empty rule each stands for "some"), for
// policies; spec.selector for Services.
void projectSelecting(nlohmann::json& object);

}  // namespace agentguard::op
