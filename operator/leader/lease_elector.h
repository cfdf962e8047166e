#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/kube/kube_client.h"
#include "common/log/logger.h"
#include "operator/controller/clock.h"
#include "operator/leader/leadership.h"

namespace agentguard::op {

struct LeaseOptions {
  std::string ns = "agentguard-system";
  std::string name = "agentguard-operator";
  std::string identity;                           // unique per replica (pod name + random suffix)
  std::chrono::milliseconds leaseDuration{15'000};  // how long others wait after the last renewal they saw
  std::chrono::milliseconds renewDeadline{10'000};  // the leader gives up if it could not renew for this long
  std::chrono::milliseconds retryPeriod{2'000};     // between attempts
};

// Leader election on a coordination.k8s.io/v1 Lease, as client-go does it: a candidate takes the lease when it is
// free, released, or has not been renewed for leaseDuration as observed on the candidate's own clock (so clock
// skew between replicas does not matter); the leader renews every retryPeriod and steps down when it could not
// renew for renewDeadline (< leaseDuration, so it stops before anyone else may start). isLeader() turns false
// the moment renewDeadline has passed since the last successful renewal, even while a renewal call hangs.
class LeaseElector final : public Leadership {
 public:
  LeaseElector(kube::KubeClient& client, const Clock& clock, log::Logger& logger, LeaseOptions options);
  ~LeaseElector() override;  // stop()
  LeaseElector(const LeaseElector&) = delete;
  LeaseElector& operator=(const LeaseElector&) = delete;

  // Runs the election in a background thread; the callbacks run on it.
  void start(std::function<void()> onStartedLeading, std::function<void()> onStoppedLeading);
  // Stops the election; a leader releases the lease (holderIdentity emptied) so a standby takes over at once.
  void stop();

  bool isLeader() const override;
  const std::string& identity() const { return options_.identity; }

  // One attempt to take or renew the lease; true when this replica holds it afterwards.
  bool tryAcquireOrRenew();
  // Gives the lease up if this replica holds it.
  void release();

 private:
  void run();
  nlohmann::json leaseSpec(const nlohmann::json& previous, bool renewing) const;

  kube::KubeClient& client_;
  const Clock& clock_;
  log::Logger& logger_;
  const LeaseOptions options_;

  mutable std::mutex mutex_;
  bool leading_ = false;
  Clock::TimePoint lastRenewal_{};
  std::string observedHolder_;
  std::string observedRenewTime_;
  Clock::TimePoint observedAt_{};

  std::function<void()> onStarted_;
  std::function<void()> onStopped_;
  kube::StopSignal stop_;
  std::thread thread_;
};

}  // namespace agentguard::op
