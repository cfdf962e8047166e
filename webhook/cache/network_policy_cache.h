#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "common/time/clock.h"
#include "engine/network/network_policy_source.h"

namespace agentguard::webhook {

// The cluster's NetworkPolicies, indexed by namespace, for the network-isolation rule. Fed by an
// informer (see informer_binding.h); answers Unavailable — so the rule fails closed — until the first
// full list arrived, and once the watch has been down longer than `staleness`.
class NetworkPolicyCache final : public engine::NetworkPolicySource {
 public:
  struct FeedState {
    bool synced = false;     // the first full list has been stored
    bool connected = false;  // the watch is established
  };
  // `clock` (common/time's) must outlive the cache.
  explicit NetworkPolicyCache(std::chrono::milliseconds staleness, const time::Clock& clock = time::systemClock());

  // What feeds the cache reports about itself; polled on every read. Before serving.
  void setFeedState(std::function<FeedState()> probe) { probe_ = std::move(probe); }

  // Informer events.
  void upsert(const engine::SharedObject& policy);
  void remove(const engine::SharedObject& policy);

  Result<engine::NamespacePoliciesPtr> policiesIn(std::string_view ns) const override;
  // Why policiesIn answers Unavailable right now; nullopt when it answers.
  std::optional<std::string> unavailableReason() const;
  size_t size() const;

 private:
  const std::chrono::milliseconds staleness_;
  const time::Clock& clock_;
  std::function<FeedState()> probe_;

  // A namespace's policies by name, and their index, built on the first read after a change.
  struct Namespace {
    std::map<std::string, engine::SharedObject> byName;
    engine::NamespacePoliciesPtr indexed;
  };
  mutable std::shared_mutex mutex_;
  mutable std::map<std::string, Namespace, std::less<>> byNamespace_;
  const engine::NamespacePoliciesPtr none_;

  mutable std::mutex connectionMutex_;
  mutable std::optional<std::chrono::steady_clock::time_point> disconnectedSince_;
};

}  // namespace agentguard::webhook
