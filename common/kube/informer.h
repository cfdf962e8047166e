#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/kube/kube_client.h"
#include "common/log/logger.h"
#include "common/retry/backoff.h"

namespace agentguard::kube {

using SharedObject = std::shared_ptr<const nlohmann::json>;

struct InformerHandlers {
  std::function<void(const SharedObject&)> onAdd;
  std::function<void(const SharedObject& previous, const SharedObject& current)> onUpdate;  // also on resync
  std::function<void(const SharedObject&)> onDelete;
};

struct InformerOptions {
  std::string ns;             // "" = all namespaces
  std::string labelSelector;
  std::string fieldSelector;
  std::chrono::seconds resyncPeriod{300};   // onUpdate(obj, obj) for every cached object; 0 = never
  int64_t pageSize = 500;
  retry::BackoffPolicy backoff;      // between failed lists and watches while the API server is unavailable
  // A watch that fails (breaks, or the server answers with an error) is followed by a full list instead
  // of a watch resumed from the last version seen; current() stays false until that list is stored. For
  // caches that decide security questions, where "the events since version N" is one promise too many.
  bool relistAfterWatchFailure = false;
};

// list + watch into an in-memory cache, in a background thread: re-lists on 410 Gone, restarts the watch
// when the server ends it, backs off (with jitter, capped) while the API server is unreachable, and
// delivers events to the handlers in order on its own thread. Reads of the cache are thread-safe.
class Informer {
 public:
  Informer(KubeClient& client, Resource resource, InformerOptions options, log::Logger& logger);
  ~Informer();  // stops and joins
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  void addHandlers(InformerHandlers handlers);  // before start()
  void start();
  void stop();

  // True once the first full list has been stored (stays true across later re-lists).
  bool hasSynced() const;
  // True while the cache is known to follow the API server: from each stored list until a watch fails or
  // expires, and again once the next list is stored (or, without relistAfterWatchFailure, the next watch
  // is established). A watch the server ends cleanly does not clear it.
  bool current() const;
  // True while the watch is established (false while reconnecting); for readiness and metrics.
  bool connected() const;

  SharedObject get(const std::string& ns, const std::string& name) const;
  std::vector<SharedObject> list(const std::string& ns = "") const;  // "" = every namespace

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace agentguard::kube
