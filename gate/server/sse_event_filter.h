#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace agentguard::gate::server {

// Rewrites the `data` of each event of a text/event-stream as it passes (a tools/list answer filtered to
// the allowed tools). Bytes are fed as they arrive; whole events come out, in order, each once its blank
// line has arrived. The event's other fields (id, event, retry, comments) are kept. An event whose data
// `transform` refuses (nullopt) is dropped: an answer the gate cannot filter does not reach the agent.
class SseEventFilter {
 public:
  using Transform = std::function<std::optional<std::string>(const std::string& data)>;

  SseEventFilter(Transform transform, size_t maxEventBytes);

  // The events completed by `bytes`, rewritten; false when an event grows past maxEventBytes.
  bool feed(std::string_view bytes, std::string& out);
  // What is left at the end of the stream (an unterminated event is rewritten as well).
  void finish(std::string& out);

 private:
  void emit(std::string_view event, std::string& out);

  Transform transform_;
  size_t maxEventBytes_;
  std::string pending_;
};

}  // namespace agentguard::gate::server
