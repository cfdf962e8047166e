#include "gate/app/denial_events.h"

#include "common/kube/resource.h"
#include "common/time/rfc3339.h"

namespace agentguard::gate::app {
namespace {

constexpr size_t kMaxQueued = 256;
// The reason may echo what the agent sent; the Event keeps its start.
constexpr size_t kMaxMessageBytes = 1024;

}  // namespace

DenialEvents::DenialEvents(Post post, log::Logger& logger, std::chrono::seconds interval,
                           const time::Clock& clock)
    : post_(std::move(post)), logger_(logger), interval_(interval), clock_(clock) {
  thread_ = std::thread([this] { run(); });
}

DenialEvents::~DenialEvents() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

DenialEvents::Post DenialEvents::toCluster(kube::KubeClient& client) {
  return [&client](const nlohmann::json& event) -> Status {
    Result<nlohmann::json> created =
        client.create(kube::resources::events(), event["metadata"]["namespace"].get<std::string>(), event);
    if (!created) return created.error();
    return okStatus();
  };
}

void DenialEvents::decided(const server::Caller& caller, const std::string& server,
                           const server::CallDecision& decision, std::chrono::nanoseconds) {
  if (!decision.refused || caller.sandbox.empty()) return;
  const auto now = clock_.now();
  const std::string timestamp = time::formatRfc3339(clock_.wallNow());
  const std::string what = decision.tool.empty() ? decision.method : decision.tool;
  std::string message = std::string(decision.enforce ? "Refused" : "Audited") + " call " + what + " to server " +
                        server + " from Pod " + caller.pod + " (" + decision.rule + "): " + decision.reason;
  if (message.size() > kMaxMessageBytes) message = message.substr(0, kMaxMessageBytes - 3) + "...";
  nlohmann::json event = {
      {"apiVersion", "v1"},
      {"kind", "Event"},
      {"metadata", {{"generateName", caller.sandbox + "."}, {"namespace", caller.namespaceName}}},
      {"involvedObject",
       {{"apiVersion", "agentguard.io/v1alpha1"},
        {"kind", "AgentSandbox"},
        {"name", caller.sandbox},
        {"namespace", caller.namespaceName},
        {"uid", caller.sandboxUid}}},
      {"reason", "ToolCallDenied"},
      {"message", std::move(message)},
      {"type", "Warning"},
      {"source", {{"component", "agentguard-gate"}}},
      {"reportingComponent", "agentguard-gate"},
      {"firstTimestamp", timestamp},
      {"lastTimestamp", timestamp},
      {"count", 1},
  };
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto last = last_.find(caller.sandbox);
    if (last != last_.end() && now - last->second < interval_) return;
    if (queue_.size() >= kMaxQueued) return;
    last_[caller.sandbox] = now;
    queue_.push_back(std::move(event));
  }
  changed_.notify_one();
}

void DenialEvents::run() {
  for (;;) {
    nlohmann::json event;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, with everything queued posted
      event = std::move(queue_.front());
      queue_.pop_front();
    }
    if (Status posted = post_(event); !posted.ok()) {
      logger_.warn("Failed to post a ToolCallDenied Event",
                   {{"agentSandbox", event["involvedObject"]["namespace"].get<std::string>() + "/" +
                                         event["involvedObject"]["name"].get<std::string>()},
                    {"error", posted.error().describe()}});
    }
  }
}

}  // namespace agentguard::gate::app
