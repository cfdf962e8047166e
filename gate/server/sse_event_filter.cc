#include "gate/server/sse_event_filter.h"

#include <utility>
#include <vector>

namespace agentguard::gate::server {
namespace {

// The end of the first event in `text` (just past the empty line that ends it), or npos. Lines end in
// CRLF, LF or CR; a CR at the very end waits for the byte after it, which may be its LF.
size_t eventEnd(std::string_view text) {
  size_t lineStart = 0;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '\n' && text[i] != '\r') {
      ++i;
      continue;
    }
    size_t next = i + 1;
    if (text[i] == '\r') {
      if (next == text.size()) return std::string_view::npos;
      if (text[next] == '\n') ++next;
    }
    if (i == lineStart) return next;
    lineStart = next;
    i = next;
  }
  return std::string_view::npos;
}

}  // namespace

SseEventFilter::SseEventFilter(Transform transform, size_t maxEventBytes)
    : transform_(std::move(transform)), maxEventBytes_(maxEventBytes) {}

bool SseEventFilter::feed(std::string_view bytes, std::string& out) {
  pending_.append(bytes);
  for (;;) {
    const size_t end = eventEnd(pending_);
    if (end == std::string_view::npos) break;
    emit(std::string_view(pending_).substr(0, end), out);
    pending_.erase(0, end);
  }
  return pending_.size() <= maxEventBytes_;
}

void SseEventFilter::finish(std::string& out) {
  if (pending_.empty()) return;
  emit(pending_, out);
  pending_.clear();
}

void SseEventFilter::emit(std::string_view event, std::string& out) {
  std::vector<std::string_view> others;
  std::string data;
  bool hasData = false;
  size_t start = 0;
  while (start < event.size()) {
    size_t stop = event.find_first_of("\r\n", start);
    if (stop == std::string_view::npos) stop = event.size();
    const std::string_view line = event.substr(start, stop - start);
    start = stop + (stop < event.size() && event[stop] == '\r' && stop + 1 < event.size() && event[stop + 1] == '\n' ? 2 : 1);
    if (line.empty()) continue;
    if (line.rfind("data", 0) == 0 && (line.size() == 4 || line[4] == ':')) {
      std::string_view value = line.size() > 5 ? line.substr(5) : std::string_view();
      if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      if (hasData) data.push_back('\n');
      data.append(value);
      hasData = true;
    } else {
      others.push_back(line);
    }
  }
  std::string rewritten;
  for (const std::string_view line : others) {
    rewritten.append(line);
    rewritten.push_back('\n');
  }
  if (hasData) {
    std::optional<std::string> filtered = transform_(data);
    if (!filtered) return;
    // The filtered message is one line of JSON: it has no newline to split across data lines.
    rewritten += "data: " + *filtered + "\n";
  }
  if (rewritten.empty()) return;
  out += rewritten + "\n";
}

}  // namespace agentguard::gate::server
