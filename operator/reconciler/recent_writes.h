#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include <nlohmann/json.hpp>

#include "common/kube/informer.h"

namespace agentguard::op {

// What this operator wrote moments ago and its informers may not have seen yet (an "assume cache", as the
// scheduler keeps). A reconcile that runs before the watch delivers its own earlier write would otherwise act on a
// stale cache: create a Pod again (AlreadyExists), or write the same status twice. The reconciler reads every
// object through resolve(): the newer of the cache and the remembered write, by resourceVersion.
//
// resourceVersions are compared as numbers (etcd revisions). Kubernetes calls them opaque; if one is not a number
// the cache wins, which is only less efficient, never wrong, because every write is still checked by the API
// server (create-if-absent, resourceVersion preconditions).
class RecentWrites {
 public:
  enum class Kind { kSandbox, kPod, kNetworkPolicy };

  // After a write the API server answered with the object. `readCache` gives the informer's copy now; when it has
  // already caught up, nothing is kept (read under this object's lock, so an event racing the write is either
  // seen here or observed after the entry is stored).
  void remember(Kind kind, const nlohmann::json& object, const std::function<kube::SharedObject()>& readCache = {});
  // After this operator deleted the object with this UID.
  void rememberDeleted(Kind kind, const std::string& ns, const std::string& name, const std::string& uid);
  // An informer event: drops what the cache has caught up with.
  void observe(Kind kind, const nlohmann::json& object, bool deleted);
  // The newer of the cached object and the remembered write; null when the object is gone.
  kube::SharedObject resolve(Kind kind, const std::string& ns, const std::string& name,
                             const kube::SharedObject& cached) const;
  size_t size() const;

 private:
  struct Entry {
    kube::SharedObject object;  // null for a deletion
    std::string deletedUid;
  };
  using Key = std::tuple<Kind, std::string, std::string>;

  mutable std::mutex mutex_;
  std::map<Key, Entry> entries_;
};

}  // namespace agentguard::op
