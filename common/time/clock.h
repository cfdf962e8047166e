#pragma once

#include <chrono>

// The one clock of agentguard. Whatever reads the time takes a Clock, so a test moves it by hand
// (common/time/manual_clock.h) instead of sleeping.
namespace agentguard::time {

using SteadyTime = std::chrono::steady_clock::time_point;
using WallTime = std::chrono::system_clock::time_point;

class Clock {
 public:
  using TimePoint = SteadyTime;
  virtual ~Clock() = default;
  virtual SteadyTime now() const = 0;   // for intervals, deadlines and timers
  virtual WallTime wallNow() const = 0;  // for timestamps: records, Kubernetes objects, expiry of tokens
};

class SystemClock final : public Clock {
 public:
  SteadyTime now() const override { return std::chrono::steady_clock::now(); }
  WallTime wallNow() const override { return std::chrono::system_clock::now(); }
};

// The process's clock, for the parts that take a Clock and are given none.
inline const Clock& systemClock() {
  static const SystemClock kClock;
  return kClock;
}

}  // namespace agentguard::time
