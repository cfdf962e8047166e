#include "webhook/reload/periodic_check.h"

namespace agentguard::webhook {

PeriodicCheck::PeriodicCheck(log::Logger& logger, std::string failureMessage)
    : logger_(logger), failureMessage_(std::move(failureMessage)) {}

PeriodicCheck::~PeriodicCheck() { stop(); }

void PeriodicCheck::start(std::chrono::milliseconds interval, std::function<void()> check) {
  stop();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = false;
  }
  thread_ = std::thread([this, interval, check = std::move(check)] {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!wake_.wait_for(lock, interval, [this] { return stopping_; })) {
      lock.unlock();
      try {
        check();
      } catch (const std::exception& error) {
        logger_.error(failureMessage_, {{"error", error.what()}});
      }
      lock.lock();
    }
  });
}

void PeriodicCheck::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace agentguard::webhook
