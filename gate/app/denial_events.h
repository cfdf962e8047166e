#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/kube/kube_client.h"
#include "common/log/logger.h"
#include "common/time/clock.h"
#include "gate/server/call_ports.h"

namespace agentguard::gate::app {

// Posts a Warning Event with reason ToolCallDenied on the AgentSandbox whose call the gate refused (or,
// in Audit mode, would have refused), at most one per sandbox per `interval`: an agent looping on a
// refused call must not flood the API server. Posted from a thread of its own; best effort.
class DenialEvents final : public server::CallObserver {
 public:
  using Post = std::function<Status(const nlohmann::json& event)>;

  DenialEvents(Post post, log::Logger& logger, std::chrono::seconds interval = std::chrono::seconds(10),
               const time::Clock& clock = time::systemClock());
  ~DenialEvents() override;  // posts what is queued (at most 256), then stops

  // Posting through the API server.
  static Post toCluster(kube::KubeClient& client);

  void decided(const server::Caller& caller, const std::string& server, const server::CallDecision& decision,
               std::chrono::nanoseconds took) override;
  void upstreamAnswered(const std::string&, std::chrono::nanoseconds) override {}

 private:
  void run();

  Post post_;
  log::Logger& logger_;
  std::chrono::seconds interval_;
  const time::Clock& clock_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<nlohmann::json> queue_;                                  // guarded by mutex_
  std::map<std::string, std::chrono::steady_clock::time_point> last_;  // by sandbox; guarded by mutex_
  bool stopping_ = false;                                              // guarded by mutex_
  std::thread thread_;
};

}  // namespace agentguard::gate::app
