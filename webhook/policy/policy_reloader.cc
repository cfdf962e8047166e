#include "webhook/policy/policy_reloader.h"

#include "engine/policy/policy_loader.h"

namespace agentguard::webhook {

namespace {

std::string joinedLayers(const std::vector<std::string>& layers) {
  std::string text;
  for (const auto& layer : layers) text += (text.empty() ? "" : ",") + layer;
  return text;
}

// The names and contents of every file of every layer, to notice a change.
std::string fingerprintOf(const std::vector<engine::PolicyLayer>& layers) {
  std::string text;
  for (const auto& layer : layers) {
    text += layer.name + '\0';
    for (const auto& file : layer.files) text += file.name + '\0' + file.text + '\0';
  }
  return text;
}

}  // namespace

PolicyReloader::PolicyReloader(std::filesystem::path path, log::Logger& logger, const engine::RuleCatalog& catalog)
    : PolicyReloader(std::vector<std::string>{path.string()}, logger, catalog) {}

PolicyReloader::PolicyReloader(std::vector<std::string> layers, log::Logger& logger, const engine::RuleCatalog& catalog)
    : layers_(std::move(layers)),
      description_(joinedLayers(layers_)),
      logger_(logger),
      catalog_(catalog),
      watcher_(logger, "Failed to check the policy files") {}

PolicyReloader::~PolicyReloader() { stop(); }

Status PolicyReloader::load() {
  auto files = engine::readPolicyLayers(layers_);
  const size_t hash = std::hash<std::string>{}(files.ok() ? fingerprintOf(*files) : std::string());
  auto compiled = files.ok() ? engine::compilePolicyLayers(*files, catalog_) : Result<engine::PolicySet>(files.error());
  if (!compiled.ok()) {
    const Error error = compiled.error();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      fingerprint_ = hash;  // the same broken files are not recompiled at every poll
      lastSucceeded_ = false;
      lastError_ = error.describe();
    }
    logger_.error(engine() ? "Kept the previous policies; the changed policy files do not compile"
                           : "Failed to compile the policies",
                  {{"path", description_}, {"error", error.message}, {"problems", error.causes}});
    if (listener_) listener_(false);
    return error;
  }
  auto policies = std::make_shared<const engine::PolicySet>(std::move(compiled).value());
  const size_t rules = policies->rules.size();
  const size_t count = policies->policies.size();
  const std::string digest = policies->digest;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    engine_ = std::make_shared<const engine::Engine>(std::move(policies));
    fingerprint_ = hash;
    // The set's digest without its "sha256:" prefix: the same digest `agentguard check` prints.
    policyDigest_ = digest.substr(digest.find(':') + 1);
    lastSucceeded_ = true;
    lastError_.clear();
  }
  logger_.info("Loaded policies",
               {{"path", description_}, {"policies", count}, {"rules", rules}, {"digest", digest}});
  if (listener_) listener_(true);
  return okStatus();
}

Result<std::string> PolicyReloader::fingerprint() const {
  auto files = engine::readPolicyLayers(layers_);
  if (!files) return files.error();
  return fingerprintOf(*files);
}

bool PolicyReloader::reloadIfChanged() {
  auto text = fingerprint();
  // An unreadable directory (a ConfigMap volume mid-swap) is retried at the next poll.
  if (!text) return false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (std::hash<std::string>{}(*text) == fingerprint_) return false;
  }
  return load().ok();
}

void PolicyReloader::watch(std::chrono::milliseconds interval) {
  watcher_.start(interval, [this] { reloadIfChanged(); });
}

void PolicyReloader::stop() { watcher_.stop(); }

std::string PolicyReloader::policyDigest() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return policyDigest_;
}

std::shared_ptr<const engine::Engine> PolicyReloader::engine() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return engine_;
}

std::string PolicyReloader::status() const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!engine_) return lastError_.empty() ? "not loaded" : "not loaded: " + lastError_;
  std::string text = std::to_string(engine_->policies().rules.size()) + " rules from " +
                     std::to_string(engine_->policies().policies.size()) + " policies";
  if (!lastSucceeded_) text += "; the last reload failed and the previous set stays in force: " + lastError_;
  return text;
}

bool PolicyReloader::lastReloadSucceeded() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return lastSucceeded_;
}

}  // namespace agentguard::webhook
