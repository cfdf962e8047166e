#include "common/kube/watch_stream.h"

#include <optional>
#include <utility>

#include <nlohmann/json.hpp>

#include "common/kube/api_errors.h"
#include "common/kube/json_fields.h"

namespace agentguard::kube {
namespace {

using Json = nlohmann::json;

std::optional<WatchEventType> eventType(std::string_view name) {
  if (name == "ADDED") return WatchEventType::kAdded;
  if (name == "MODIFIED") return WatchEventType::kModified;
  if (name == "DELETED") return WatchEventType::kDeleted;
  if (name == "BOOKMARK") return WatchEventType::kBookmark;
  return std::nullopt;
}

}  // namespace

Result<bool> WatchLineSplitter::feed(std::string_view chunk, const std::function<bool(std::string_view line)>& onLine) {
  while (!chunk.empty()) {
    const size_t newline = chunk.find('\n');
    if (newline == std::string_view::npos) {
      if (partial_.size() + chunk.size() > maxLineBytes_) {
        return makeError(ErrorCode::kInvalidArgument, "a watch event is longer than " +
                                                          std::to_string(maxLineBytes_) + " bytes");
      }
      partial_.append(chunk);
      return true;
    }
    std::string_view line = chunk.substr(0, newline);
    chunk.remove_prefix(newline + 1);
    if (!partial_.empty()) {
      // The start of this line came in an earlier chunk.
      partial_.append(line);
      std::string complete = std::move(partial_);
      partial_.clear();
      if (!complete.empty() && complete.back() == '\r') complete.pop_back();
      if (!complete.empty() && !onLine(complete)) return false;
      continue;
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty() && !onLine(line)) return false;
  }
  return true;
}

Result<WatchEvent> parseWatchEvent(std::string_view line, std::string_view what) {
  Json parsed = Json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return makeError(ErrorCode::kInternal, std::string(what) + ": the server sent a line that is not JSON");
  }
  const Json* type = jsonMember(parsed, "type");
  if (type == nullptr || !type->is_string() || jsonMember(parsed, "object") == nullptr) {
    return makeError(ErrorCode::kInternal, std::string(what) + ": the server sent a line that is not a watch event");
  }
  const std::string& name = type->get_ref<const std::string&>();
  if (name == "ERROR") return errorFromStatus(parsed["object"], what);
  const auto known = eventType(name);
  if (!known) {
    return makeError(ErrorCode::kInternal, std::string(what) + ": unknown watch event type \"" + name + "\"");
  }
  WatchEvent event;
  event.type = *known;
  event.object = std::move(parsed["object"]);
  return event;
}

Status runWatch(HttpTransport& transport, const HttpRequest& request, std::chrono::seconds idleTimeout,
                const std::function<void()>& onEstablished, const std::function<bool(WatchEvent&&)>& onEvent,
                const StopSignal& stop) {
  const std::string what = "watch " + request.target.substr(0, request.target.find('?'));
  WatchLineSplitter splitter;
  std::optional<Error> failure;  // an ERROR event or a bad line ends the watch with it
  bool consumerDone = false;      // onEvent returned false

  const auto onLine = [&](std::string_view line) {
    auto event = parseWatchEvent(line, what);
    if (!event.ok()) {
      failure = std::move(event).error();
      return false;
    }
    try {
      if (onEvent(std::move(event).value())) return true;
    } catch (const std::exception& e) {
      failure = makeError(ErrorCode::kInternal, what + ": the event handler threw: " + e.what());
      return false;
    }
    consumerDone = true;
    return false;
  };
  const auto onHeaders = [&](int status) {
    if (status >= 200 && status <= 299 && onEstablished) onEstablished();
  };
  const auto onChunk = [&](std::string_view chunk) {
    auto more = splitter.feed(chunk, onLine);
    if (!more.ok()) {
      failure = std::move(more).error();
      return false;
    }
    return *more;
  };

  auto response = transport.stream(request, idleTimeout, onHeaders, onChunk, stop);
  if (failure) return *failure;
  if (!response.ok()) return std::move(response).error();
  if (consumerDone || stop.stopped() || response->status == 0) return okStatus();
  if (response->status < 200 || response->status > 299) {
    return errorFromResponse(response->status, response->body, response->retryAfter, what);
  }
  if (splitter.pendingBytes() > 0) {
    return makeError(ErrorCode::kUnavailable, what + ": the stream ended in the middle of an event");
  }
  return okStatus();
}

}  // namespace agentguard::kube
