#include "webhook/cache/network_policy_cache.h"

namespace agentguard::webhook {
namespace {

std::pair<std::string, std::string> keyOf(const nlohmann::json& policy) {
  const auto metadata = policy.find("metadata");
  if (metadata == policy.end() || !metadata->is_object()) return {};
  return {metadata->value("namespace", ""), metadata->value("name", "")};
}

}  // namespace

NetworkPolicyCache::NetworkPolicyCache(std::chrono::milliseconds staleness, const time::Clock& clock)
    : staleness_(staleness),
      clock_(clock),
      none_(std::make_shared<const engine::NamespacePolicies>(std::vector<engine::SharedObject>{})) {}

void NetworkPolicyCache::upsert(const engine::SharedObject& policy) {
  if (!policy) return;
  auto [ns, name] = keyOf(*policy);
  std::unique_lock lock(mutex_);
  Namespace& entry = byNamespace_[ns];
  entry.byName[name] = policy;
  entry.indexed.reset();
}

void NetworkPolicyCache::remove(const engine::SharedObject& policy) {
  if (!policy) return;
  auto [ns, name] = keyOf(*policy);
  std::unique_lock lock(mutex_);
  const auto found = byNamespace_.find(ns);
  if (found == byNamespace_.end()) return;
  found->second.byName.erase(name);
  found->second.indexed.reset();
  if (found->second.byName.empty()) byNamespace_.erase(found);
}

std::optional<std::string> NetworkPolicyCache::unavailableReason() const {
  const FeedState state = probe_ ? probe_() : FeedState{};
  if (!state.synced) return "the admission webhook's NetworkPolicy cache has not finished its first list";
  std::lock_guard<std::mutex> lock(connectionMutex_);
  if (state.connected) {
    disconnectedSince_.reset();
    return std::nullopt;
  }
  const auto now = clock_.now();
  if (!disconnectedSince_) disconnectedSince_ = now;
  const auto down = std::chrono::duration_cast<std::chrono::milliseconds>(now - *disconnectedSince_);
  if (down <= staleness_) return std::nullopt;
  return "the admission webhook has lost its watch on NetworkPolicies for " + std::to_string(down.count() / 1000) +
         "s (limit " + std::to_string(staleness_.count() / 1000) + "s), so its copy may be stale";
}

Result<engine::NamespacePoliciesPtr> NetworkPolicyCache::policiesIn(std::string_view ns) const {
  if (auto reason = unavailableReason()) return makeError(ErrorCode::kUnavailable, *reason);
  {
    std::shared_lock lock(mutex_);
    const auto found = byNamespace_.find(ns);
    if (found == byNamespace_.end()) return none_;
    if (found->second.indexed) return found->second.indexed;
  }
  std::unique_lock lock(mutex_);
  const auto found = byNamespace_.find(ns);
  if (found == byNamespace_.end()) return none_;
  if (!found->second.indexed) {
    std::vector<engine::SharedObject> policies;
    policies.reserve(found->second.byName.size());
    for (const auto& [name, policy] : found->second.byName) policies.push_back(policy);
    found->second.indexed = std::make_shared<const engine::NamespacePolicies>(std::move(policies));
  }
  return found->second.indexed;
}

size_t NetworkPolicyCache::size() const {
  std::shared_lock lock(mutex_);
  size_t count = 0;
  for (const auto& [ns, entry] : byNamespace_) count += entry.byName.size();
  return count;
}

}  // namespace agentguard::webhook
