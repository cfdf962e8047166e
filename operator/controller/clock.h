#pragma once

#include "common/time/clock.h"
#include "common/time/manual_clock.h"
#include "operator/api/time_format.h"

namespace agentguard::op {

// The operator's clock is common/time's one clock; the names stay so the operator reads as before.
using Clock = time::Clock;
using SystemClock = time::SystemClock;
// Tests only (common/time/manual_clock.h).
using ManualClock = time::ManualClock;

}  // namespace agentguard::op
