#pragma once

#include <chrono>
#include <mutex>

#include "common/time/clock.h"

namespace agentguard::time {

// A clock that moves only when told to: the fake the tests give whatever takes a Clock. No production
// code includes this header.
class ManualClock final : public Clock {
 public:
  ManualClock() : wall_(WallTime(std::chrono::seconds(1'700'000'000))) {}
  SteadyTime now() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return steady_;
  }
  WallTime wallNow() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return wall_;
  }
  // Moves both clocks.
  void advance(std::chrono::milliseconds by) {
    std::lock_guard<std::mutex> lock(mutex_);
    steady_ += by;
    wall_ += by;
  }
  void setWall(WallTime wall) {
    std::lock_guard<std::mutex> lock(mutex_);
    wall_ = wall;
  }

 private:
  mutable std::mutex mutex_;
  SteadyTime steady_{};
  WallTime wall_;
};

}  // namespace agentguard::time
