#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/kube/cluster_config.h"
#include "common/kube/resource.h"
#include "common/result/result.h"

namespace agentguard::kube {

struct ListOptions {
  std::string labelSelector;
  std::string fieldSelector;
  int64_t limit = 0;           // page size; 0 = server default (no paging)
  std::string continueToken;   // from the previous page
  std::string resourceVersion; // "" = most recent (quorum read)
};

struct ObjectList {
  std::vector<nlohmann::json> items;
  std::string resourceVersion;  // of the list, to start a watch from
  std::string continueToken;    // non-empty when more pages remain
};

struct WriteOptions {
  std::string fieldManager = "agentguard";
  bool dryRun = false;
  bool force = false;  // server-side apply only: take ownership of conflicting fields
};

struct DeleteOptions {
  std::string propagationPolicy;  // "", "Background", "Foreground" or "Orphan"
  std::optional<std::string> preconditionUid;
  std::optional<std::string> preconditionResourceVersion;
  std::optional<int64_t> gracePeriodSeconds;
};

enum class WatchEventType { kAdded, kModified, kDeleted, kBookmark };

struct WatchEvent {
  WatchEventType type = WatchEventType::kAdded;
  nlohmann::json object;  // for a bookmark, only metadata.resourceVersion is meaningful
};

struct WatchOptions {
  std::string resourceVersion;  // start after this version ("" = from now, no initial events guaranteed)
  std::string labelSelector;
  std::string fieldSelector;
  int timeoutSeconds = 240;     // server-side timeout; the client's read timeout is set above it
  bool allowBookmarks = true;
  std::function<void()> onEstablished;  // runs once the server has accepted the watch (for readiness)
};

// Lets a blocked watch or a backoff wait end early, from another thread.
class StopSignal {
 public:
  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopped_ = true;
    }
    changed_.notify_all();
  }
  bool stopped() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return stopped_;
  }
  // Waits up to `timeout`; returns true when stopped.
  bool waitFor(std::chrono::milliseconds timeout) const {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, timeout, [this] { return stopped_; });
  }

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  bool stopped_ = false;
};

// A typed view of the Kubernetes REST API. Implementations never throw: every failure is an Error with
// NotFound / AlreadyExists / Conflict / Gone / InvalidArgument (422/400, with the API server's causes) /
// Forbidden (401/403) / Unavailable (429, 5xx, connection failures; retryAfter from Retry-After).
// Thread-safe.
class KubeClient {
 public:
  virtual ~KubeClient() = default;

  virtual Result<nlohmann::json> get(const Resource& resource, std::string_view ns, std::string_view name,
                                     std::string_view subresource = "") = 0;
  // One page; see listAll for every page.
  virtual Result<ObjectList> list(const Resource& resource, std::string_view ns, const ListOptions& options = {}) = 0;
  virtual Result<nlohmann::json> create(const Resource& resource, std::string_view ns, const nlohmann::json& body,
                                        const WriteOptions& options = {}) = 0;
  // PUT; the body's metadata.resourceVersion makes it a compare-and-swap (Conflict when stale).
  virtual Result<nlohmann::json> replace(const Resource& resource, std::string_view ns, std::string_view name,
                                         const nlohmann::json& body, std::string_view subresource = "",
                                         const WriteOptions& options = {}) = 0;
  // PATCH application/merge-patch+json.
  virtual Result<nlohmann::json> mergePatch(const Resource& resource, std::string_view ns, std::string_view name,
                                            const nlohmann::json& patch, std::string_view subresource = "",
                                            const WriteOptions& options = {}) = 0;
  // Server-side apply: PATCH application/apply-patch+yaml with fieldManager (and force).
  virtual Result<nlohmann::json> apply(const Resource& resource, std::string_view ns, std::string_view name,
                                       const nlohmann::json& body, std::string_view subresource = "",
                                       const WriteOptions& options = {}) = 0;
  virtual Status remove(const Resource& resource, std::string_view ns, std::string_view name,
                        const DeleteOptions& options = {}) = 0;
  // Streams watch events to `onEvent` until the server ends the stream (returns ok), `onEvent` returns
  // false or `stop` is signalled (ok), or an error occurs. A 410 Gone — as HTTP status or as an ERROR
  // event — returns ErrorCode::kGone: the caller must re-list.
  virtual Status watch(const Resource& resource, std::string_view ns, const WatchOptions& options,
                       const std::function<bool(WatchEvent&&)>& onEvent, const StopSignal& stop) = 0;

  // Every page of a list (follows continue tokens).
  Result<ObjectList> listAll(const Resource& resource, std::string_view ns, ListOptions options = {});
};

// The production client over cpprestsdk (HTTPS with the config's CA, client certificate or bearer token;
// the token file, when set, is re-read so rotated bound tokens keep working).
Result<std::unique_ptr<KubeClient>> makeKubeClient(const ClusterConfig& config);

// What every binary starts with: the cluster configuration resolveClusterConfig finds for --kubeconfig
// (kubeconfigFlag, possibly empty), and the client for it. The error says which of the two failed.
Result<std::unique_ptr<KubeClient>> connectToCluster(const std::string& kubeconfigFlag);

}  // namespace agentguard::kube
