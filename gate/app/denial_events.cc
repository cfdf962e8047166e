#include "gate/app/denial_events.h"

#include <ctime>

#include "common/kube/resource.h"

namespace agentguard::gate::app {
namespace {

constexpr size_t kMaxQueued = 256;
// The reason may echo what the agent sent; the Event keeps its start.
constexpr size_t kMaxMessageBytes = 1024;

std::string nowRfc3339() {
  const std::time_t seconds = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

}  // namespace

DenialEvents::DenialEvents(Post post, log::Logger& logger, std::chrono::seconds interval,
                           std::function<std::chrono::steady_clock::time_point()> now)
    : post_(std::move(post)), logger_(logger), interval_(interval), now_(std::move(now)) {
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
  const auto now = now_();
  const std::string timestamp = nowRfc3339();
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
