#include "operator/leader/lease_elector.h"

#include "common/kube/resource.h"
#include "common/time/rfc3339.h"

namespace agentguard::op {

using nlohmann::json;

LeaseElector::LeaseElector(kube::KubeClient& client, const Clock& clock, log::Logger& logger, LeaseOptions options)
    : client_(client), clock_(clock), logger_(logger), options_(std::move(options)) {}

LeaseElector::~LeaseElector() { stop(); }

bool LeaseElector::isLeader() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return leading_ && clock_.now() - lastRenewal_ < options_.renewDeadline;
}

json LeaseElector::leaseSpec(const json& previous, bool renewing) const {
  const std::string now = time::formatRfc3339Micro(clock_.wallNow());
  json spec = {{"holderIdentity", options_.identity},
               {"leaseDurationSeconds",
                std::max<int64_t>(1, std::chrono::duration_cast<std::chrono::seconds>(options_.leaseDuration).count())},
               {"renewTime", now}};
  const int64_t transitions = previous.value("leaseTransitions", int64_t{0});
  if (renewing) {
    spec["acquireTime"] = previous.value("acquireTime", now);
    spec["leaseTransitions"] = transitions;
  } else {
    spec["acquireTime"] = now;
    spec["leaseTransitions"] = previous.empty() ? 0 : transitions + 1;
  }
  return spec;
}

bool LeaseElector::tryAcquireOrRenew() {
  const auto& leases = kube::resources::leases();
  auto current = client_.get(leases, options_.ns, options_.name);
  if (!current.ok()) {
    if (current.error().code != ErrorCode::kNotFound) {
      logger_.warn("Failed to read Lease", {{"lease", options_.ns + "/" + options_.name},
                                            {"error", current.error().describe()}});
      return false;
    }
    const json lease = {{"apiVersion", "coordination.k8s.io/v1"},
                        {"kind", "Lease"},
                        {"metadata", {{"name", options_.name}, {"namespace", options_.ns}}},
                        {"spec", leaseSpec(json::object(), false)}};
    auto created = client_.create(leases, options_.ns, lease);
    if (!created.ok()) return false;
    std::lock_guard<std::mutex> lock(mutex_);
    observedHolder_ = options_.identity;
    observedRenewTime_ = lease["spec"]["renewTime"];
    observedAt_ = clock_.now();
    lastRenewal_ = observedAt_;
    return true;
  }
  const json spec = current->value("spec", json::object());
  const std::string holder = spec.value("holderIdentity", "");
  const std::string renewTime = spec.value("renewTime", "");
  const auto now = clock_.now();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (holder != observedHolder_ || renewTime != observedRenewTime_) {
      observedHolder_ = holder;
      observedRenewTime_ = renewTime;
      observedAt_ = now;
    }
    const auto duration = std::chrono::seconds(spec.value("leaseDurationSeconds", int64_t{15}));
    if (!holder.empty() && holder != options_.identity && now < observedAt_ + duration) return false;
  }
  json lease = *current;
  lease["spec"] = leaseSpec(spec, holder == options_.identity);
  auto replaced = client_.replace(leases, options_.ns, options_.name, lease);  // resourceVersion: compare-and-swap
  if (!replaced.ok()) return false;
  std::lock_guard<std::mutex> lock(mutex_);
  observedHolder_ = options_.identity;
  observedRenewTime_ = lease["spec"]["renewTime"];
  observedAt_ = now;
  lastRenewal_ = now;
  return true;
}

void LeaseElector::release() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!leading_) return;
    leading_ = false;
  }
  const auto& leases = kube::resources::leases();
  auto current = client_.get(leases, options_.ns, options_.name);
  if (!current.ok() || current->value("spec", json::object()).value("holderIdentity", "") != options_.identity) return;
  json lease = *current;
  lease["spec"]["holderIdentity"] = "";
  lease["spec"]["leaseDurationSeconds"] = 1;
  lease["spec"]["renewTime"] = time::formatRfc3339Micro(clock_.wallNow());
  auto replaced = client_.replace(leases, options_.ns, options_.name, lease);
  if (replaced.ok()) {
    logger_.info("Released Lease", {{"lease", options_.ns + "/" + options_.name}, {"identity", options_.identity}});
  }
}

void LeaseElector::start(std::function<void()> onStartedLeading, std::function<void()> onStoppedLeading) {
  onStarted_ = std::move(onStartedLeading);
  onStopped_ = std::move(onStoppedLeading);
  thread_ = std::thread([this] { run(); });
}

void LeaseElector::stop() {
  stop_.stop();
  if (thread_.joinable()) thread_.join();
}

void LeaseElector::run() {
  const log::Field lease{"lease", options_.ns + "/" + options_.name};
  while (!stop_.stopped()) {
    // Candidate: try until the lease is ours.
    if (!tryAcquireOrRenew()) {
      stop_.waitFor(options_.retryPeriod);
      continue;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      leading_ = true;
    }
    logger_.info("Acquired Lease", {lease, {"identity", options_.identity}});
    if (onStarted_) onStarted_();
    // Leader: renew every retryPeriod; give up once renewDeadline has passed without a renewal.
    while (!stop_.waitFor(options_.retryPeriod)) {
      if (tryAcquireOrRenew()) continue;
      if (!isLeader()) break;
    }
    const bool stopping = stop_.stopped();
    if (stopping) {
      release();
    } else {
      std::lock_guard<std::mutex> lock(mutex_);
      leading_ = false;
    }
    logger_.log(stopping ? log::Level::kInfo : log::Level::kWarn,
                stopping ? "Stopped leading" : "Lost Lease: could not renew it in time; stopped acting",
                {lease, {"identity", options_.identity}});
    if (onStopped_) onStopped_();
  }
}

}  // namespace agentguard::op
