#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/log/logger.h"
#include "common/result/result.h"
#include "engine/rules/rule_catalog.h"
#include "webhook/admission/review_handler.h"
#include "webhook/reload/periodic_check.h"

namespace agentguard::webhook {

// The compiled policies of --policies (one or more layers, engine::compilePolicyLayers), recompiled when
// the files of any layer change. A set that does not compile
// leaves the last good one in force; the failure is logged with every problem, counted, and shown by
// /readyz (which stays ready: the webhook still enforces the last good set).
class PolicyReloader final : public EngineSource {
 public:
  PolicyReloader(std::filesystem::path path, log::Logger& logger,
                 const engine::RuleCatalog& catalog = engine::RuleCatalog::builtin());
  // Layers in order: "builtin" or a file or directory each.
  PolicyReloader(std::vector<std::string> layers, log::Logger& logger,
                 const engine::RuleCatalog& catalog = engine::RuleCatalog::builtin());
  ~PolicyReloader() override;
  PolicyReloader(const PolicyReloader&) = delete;
  PolicyReloader& operator=(const PolicyReloader&) = delete;

  // Called after every compile attempt with its result (for metrics). Before load().
  void onReload(std::function<void(bool success)> listener) { listener_ = std::move(listener); }

  // Compiles now; the error lists every problem.
  Status load();
  // Recompiles when the files' content changed; true when a new set was put in force.
  bool reloadIfChanged();
  void watch(std::chrono::milliseconds interval);
  void stop();

  std::shared_ptr<const engine::Engine> engine() const override;
  // "12 rules from 3 policies", or why the last reload failed while an older set is in force.
  std::string status() const;
  bool lastReloadSucceeded() const;
  // Hex SHA-256 of the policy set in force (PolicySet::digest, the digest `agentguard check` prints,
  // without its "sha256:" prefix): the policy digest of a decision record.
  std::string policyDigest() const;

 private:
  Result<std::string> fingerprint() const;

  const std::vector<std::string> layers_;
  const std::string description_;  // the layers joined by ",", for logs
  log::Logger& logger_;
  const engine::RuleCatalog& catalog_;
  std::function<void(bool)> listener_;

  mutable std::mutex mutex_;
  std::shared_ptr<const engine::Engine> engine_;
  size_t fingerprint_ = 0;
  std::string policyDigest_;
  bool lastSucceeded_ = false;
  std::string lastError_;

  PeriodicCheck watcher_;
};

}  // namespace agentguard::webhook
