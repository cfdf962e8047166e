#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/kube/kube_client.h"
#include "operator/reconciler/cluster_view.h"

namespace agentguard::op::testing {

// An API server and its informers' caches in memory, for fast tests of what the reconciler writes and in which
// order. It keeps objects by resource, namespace and name, gives them uids and resourceVersions, honours
// resourceVersion and uid preconditions, finalizers (a deleted object with finalizers stays, with a
// deletionTimestamp), merge patches and server-side apply (as a create or a whole replacement). It is no proof of how a real API server behaves: that is what the
// cluster tests are for.
class FakeCluster final : public kube::KubeClient, public ClusterView {
 public:
  // Puts an object as the API server would have it (uid and resourceVersion added when missing).
  nlohmann::json put(const kube::Resource& resource, nlohmann::json object);
  std::optional<nlohmann::json> find(const kube::Resource& resource, const std::string& ns, const std::string& name) const;
  // The writes made so far: "create networkpolicies agents/analyst-egress", "patch agentsandboxes/status ...".
  std::vector<std::string> writes() const;
  // The next write of this verb ("create", "replace", "patch", "delete") to this resource fails with `error`.
  void failNext(const std::string& verb, const kube::Resource& resource, Error error);
  // The caches miss this object (they lag the API server).
  void hideFromCache(const kube::Resource& resource, const std::string& ns, const std::string& name);

  // kube::KubeClient
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

  // ClusterView (the caches: everything not hidden)
  kube::SharedObject sandbox(const std::string& ns, const std::string& name) const override;
  std::vector<kube::SharedObject> sandboxes(const std::string& ns) const override;
  kube::SharedObject pod(const std::string& ns, const std::string& name) const override;
  kube::SharedObject networkPolicy(const std::string& ns, const std::string& name) const override;
  kube::SharedObject runtimeClass(const std::string& name) const override;
  std::vector<kube::SharedObject> otherNetworkPolicies(const std::string& ns) const override;
  std::vector<kube::SharedObject> services(const std::string& ns) const override;
  std::vector<kube::SharedObject> sandboxClasses() const override;

 private:
  using Key = std::string;  // "resource/namespace/name"
  using Objects = std::map<Key, nlohmann::json>;
  static Key keyOf(const kube::Resource& resource, std::string_view ns, std::string_view name);
  // Records a write and finds the object it applies to; fails as injected, with NotFound, or with Conflict when
  // `expectedVersion` (a resourceVersion precondition, "" for none) is stale.
  Result<Objects::iterator> target(const std::string& verb, const kube::Resource& resource,
                                   std::string_view subresource, std::string_view ns, std::string_view name,
                                   const std::string& expectedVersion);
  std::optional<Error> takeFailure(const std::string& verb, const kube::Resource& resource);
  nlohmann::json stored(const Key& key, nlohmann::json object);
  kube::SharedObject cached(const kube::Resource& resource, std::string_view ns, std::string_view name) const;
  std::vector<kube::SharedObject> cachedIn(const kube::Resource& resource, const std::string& ns) const;
  void record(const std::string& verb, const kube::Resource& resource, std::string_view subresource,
              std::string_view ns, std::string_view name);

  mutable std::mutex mutex_;
  Objects objects_;
  std::set<Key> hidden_;
  std::map<std::string, Error> failures_;
  std::vector<std::string> writes_;
  int64_t revision_ = 100;
};

}  // namespace agentguard::op::testing
