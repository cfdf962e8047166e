#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "common/kube/kube_client.h"
#include "common/log/logger.h"
#include "operator/api/agent_sandbox.h"
#include "operator/controller/clock.h"

namespace agentguard::op {

enum class EventType { kNormal, kWarning };

// Where the reconciler reports what it did, as Kubernetes Events on the AgentSandbox.
class EventSink {
 public:
  virtual ~EventSink() = default;
  // reason: CamelCase (Created, Deleted, Restored, Blocked, Failed, Expired). The message names the object.
  virtual void record(const SandboxMeta& sandbox, EventType type, std::string_view reason, std::string message) = 0;
};

struct EventRecorderOptions {
  std::string component = "agentguard-operator";
  std::string instance;                            // the replica's identity
  size_t maxQueued = 1000;                         // beyond this, events are dropped (and counted in logs)
  std::chrono::seconds dedupeWindow{600};          // the same event on the same object is sent once per window
};

// Posts core/v1 Events from a background thread so reconciles never wait for them. Best effort: a failed post is
// logged and dropped. Repeats of one (object, reason, message) within the window are sent once.
class EventRecorder final : public EventSink {
 public:
  EventRecorder(kube::KubeClient& client, const Clock& clock, log::Logger& logger, EventRecorderOptions options = {});
  ~EventRecorder() override;  // sends what is queued (bounded), then stops
  EventRecorder(const EventRecorder&) = delete;
  EventRecorder& operator=(const EventRecorder&) = delete;

  void record(const SandboxMeta& sandbox, EventType type, std::string_view reason, std::string message) override;
  void stop();

 private:
  void run();

  kube::KubeClient& client_;
  const Clock& clock_;
  log::Logger& logger_;
  const EventRecorderOptions options_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<nlohmann::json> queue_;
  std::map<std::string, Clock::TimePoint> recent_;
  bool stopping_ = false;
  size_t dropped_ = 0;
  std::thread thread_;
};

}  // namespace agentguard::op
