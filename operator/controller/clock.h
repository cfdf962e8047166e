#pragma once

#include <chrono>
#include <mutex>

#include "operator/api/time_format.h"

namespace agentguard::op {

// Where time comes from, so tests move it by hand instead of sleeping.
class Clock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;    // for intervals and timers
  virtual WallTime wallNow() const = 0;  // for timestamps written to the API
};

class SystemClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::steady_clock::now(); }
  WallTime wallNow() const override { return std::chrono::system_clock::now(); }
};

// A clock that moves only when told to (tests).
class ManualClock final : public Clock {
 public:
  ManualClock() : wall_(std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000))) {}
  TimePoint now() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return steady_;
  }
  WallTime wallNow() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return wall_;
  }
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
  TimePoint steady_{};
  WallTime wall_;
};

}  // namespace agentguard::op
