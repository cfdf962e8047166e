#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "common/log/logger.h"

namespace agentguard::webhook {

// Runs a check every `interval` on its own thread until stopped: how the serving certificate and the
// policy files are watched for changes. An exception escaping the check is logged and the loop goes on.
class PeriodicCheck {
 public:
  // `failureMessage` is logged with the exception text, e.g. "Failed to check the policy files".
  PeriodicCheck(log::Logger& logger, std::string failureMessage);
  ~PeriodicCheck();  // stops
  PeriodicCheck(const PeriodicCheck&) = delete;
  PeriodicCheck& operator=(const PeriodicCheck&) = delete;

  // Starts (or restarts) the loop; the first check runs after one interval.
  void start(std::chrono::milliseconds interval, std::function<void()> check);
  // Wakes the loop, waits for a check in progress and joins. Idempotent.
  void stop();

 private:
  log::Logger& logger_;
  const std::string failureMessage_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace agentguard::webhook
