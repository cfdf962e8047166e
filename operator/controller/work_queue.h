#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "common/retry/backoff.h"
#include "operator/controller/clock.h"

namespace agentguard::op {

struct WorkQueueOptions {
  // Retries of a failed key: 5 ms doubling to 60 s, each delay drawn from its upper half (jitter 0.5) so
  // sandboxes that failed together (an API server restart) do not retry in lockstep.
  retry::BackoffPolicy backoff{std::chrono::milliseconds(5), std::chrono::milliseconds(60'000), 2.0, 0.5};
  retry::RandomSource random;  // for the jitter; default retry::defaultRandomSource()
};

// A de-duplicating work queue of keys ("namespace/name"), in the manner of client-go's rate-limited queue:
//  - a key waiting to be processed is held once, however often it is added;
//  - a key is never handed to two workers at once: added while being processed, it is handed out again after
//    done();
//  - addAfter() holds a key until a time (the earliest wins), for expiry timers; addRateLimited() holds it for
//    its backoff (retry::backoffDelay over the key's failures so far), until forget().
// Thread-safe.
class WorkQueue {
 public:
  explicit WorkQueue(const Clock& clock, WorkQueueOptions options = {});

  void add(const std::string& key);
  void addAfter(const std::string& key, std::chrono::milliseconds delay);
  // Holds the key for its backoff, or `atLeast` when longer (a server's Retry-After); returns that delay.
  std::chrono::milliseconds addRateLimited(const std::string& key,
                                           std::chrono::milliseconds atLeast = std::chrono::milliseconds(0));
  // The longest delay addRateLimited() would use next (its jitter shortens it by up to that share).
  std::chrono::milliseconds nextBackoff(const std::string& key) const;
  void forget(const std::string& key);
  int numRequeues(const std::string& key) const;

  // The next ready key, without waiting (delayed keys whose time has come are made ready first).
  std::optional<std::string> tryGet();
  // Waits for a ready key; nullopt once shut down.
  std::optional<std::string> get();
  void done(const std::string& key);
  void shutDown();
  bool shuttingDown() const;

  size_t depth() const;         // keys ready to be handed out
  size_t delayedCount() const;  // keys held until a time
  // Called with depth() whenever it changes (metrics).
  void setDepthObserver(std::function<void(size_t)> observer);

 private:
  void addLocked(const std::string& key);
  void promoteDueLocked();
  std::optional<std::string> takeLocked();
  void notifyDepthLocked();
  int failuresLocked(const std::string& key) const;

  const Clock& clock_;
  const retry::BackoffPolicy backoff_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::string> queue_;
  std::set<std::string> dirty_;
  std::set<std::string> processing_;
  std::map<std::string, Clock::TimePoint> waiting_;
  std::map<std::string, int> failures_;
  retry::RandomSource random_;  // called under mutex_
  bool shuttingDown_ = false;
  std::function<void(size_t)> depthObserver_;
};

}  // namespace agentguard::op
