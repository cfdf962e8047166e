#include "operator/events/event_recorder.h"

#include "common/kube/resource.h"
#include "common/time/rfc3339.h"

namespace agentguard::op {

using nlohmann::json;

EventRecorder::EventRecorder(kube::KubeClient& client, const Clock& clock, log::Logger& logger,
                             EventRecorderOptions options)
    : client_(client), clock_(clock), logger_(logger), options_(std::move(options)) {
  thread_ = std::thread([this] { run(); });
}

EventRecorder::~EventRecorder() { stop(); }

void EventRecorder::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void EventRecorder::record(const SandboxMeta& sandbox, EventType type, std::string_view reason, std::string message) {
  const auto now = clock_.now();
  const std::string dedupeKey = sandbox.uid + "\n" + std::string(reason) + "\n" + message;
  const std::string timestamp = time::formatRfc3339(clock_.wallNow());
  json event = {
      {"apiVersion", "v1"},
      {"kind", "Event"},
      {"metadata", {{"generateName", sandbox.name + "."}, {"namespace", sandbox.ns}}},
      {"involvedObject",
       {{"apiVersion", std::string(kApiVersion)},
        {"kind", std::string(kKind)},
        {"name", sandbox.name},
        {"namespace", sandbox.ns},
        {"uid", sandbox.uid}}},
      {"reason", std::string(reason)},
      {"message", std::move(message)},
      {"type", type == EventType::kWarning ? "Warning" : "Normal"},
      {"source", {{"component", options_.component}}},
      {"reportingComponent", options_.component},
      {"reportingInstance", options_.instance},
      {"firstTimestamp", timestamp},
      {"lastTimestamp", timestamp},
      {"count", 1}};
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return;
    if (const auto it = recent_.find(dedupeKey); it != recent_.end() && now - it->second < options_.dedupeWindow) {
      return;
    }
    if (recent_.size() > 10'000) {
      for (auto it = recent_.begin(); it != recent_.end();) {
        it = now - it->second >= options_.dedupeWindow ? recent_.erase(it) : std::next(it);
      }
    }
    recent_[dedupeKey] = now;
    if (queue_.size() >= options_.maxQueued) {
      ++dropped_;
      return;
    }
    queue_.push_back(std::move(event));
  }
  changed_.notify_one();
}

void EventRecorder::run() {
  while (true) {
    json event;
    size_t dropped = 0;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      if (stopping_ && queue_.size() > 50) queue_.resize(50);  // do not hold up shutdown
      event = std::move(queue_.front());
      queue_.pop_front();
      std::swap(dropped, dropped_);
    }
    if (dropped > 0) logger_.warn("Dropped Events: the queue was full", {{"count", dropped}});
    const std::string ns = event["metadata"]["namespace"].get<std::string>();
    auto created = client_.create(kube::resources::events(), ns, event);
    if (!created.ok()) {
      logger_.warn("Failed to create Event", {{"agentSandbox", ns + "/" + event["involvedObject"]["name"].get<std::string>()},
                                               {"reason", event["reason"]},
                                               {"error", created.error().describe()}});
    }
  }
}

}  // namespace agentguard::op
