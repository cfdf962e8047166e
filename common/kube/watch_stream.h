#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "common/kube/http_transport.h"
#include "common/kube/kube_client.h"
#include "common/result/result.h"

namespace agentguard::kube {

// Cuts a watch response body, which arrives in arbitrary pieces, into its newline-delimited JSON events.
class WatchLineSplitter {
 public:
  static constexpr size_t kDefaultMaxLineBytes = 64u << 20;  // far above etcd's 1.5 MiB object limit

  explicit WatchLineSplitter(size_t maxLineBytes = kDefaultMaxLineBytes) : maxLineBytes_(maxLineBytes) {}

  // Appends `chunk` and hands every completed non-empty line to `onLine`. Returns false once `onLine` does
  // (the rest of the chunk stays unread), InvalidArgument when a line grows past the limit.
  Result<bool> feed(std::string_view chunk, const std::function<bool(std::string_view line)>& onLine);

  // Bytes of an event whose newline has not arrived yet.
  size_t pendingBytes() const { return partial_.size(); }

 private:
  size_t maxLineBytes_;
  std::string partial_;
};

// One line of a watch stream as an event. An ERROR event becomes its Status as an Error (code 410 →
// kGone, so the caller re-lists); a line that is not a watch event is Internal. `what` names the watch.
Result<WatchEvent> parseWatchEvent(std::string_view line, std::string_view what);

// Runs one watch request to its end: events go to `onEvent` in order; `onEstablished` runs when the server
// has accepted the watch (2xx headers). See KubeClient::watch for how it ends.
Status runWatch(HttpTransport& transport, const HttpRequest& request, std::chrono::seconds idleTimeout,
                const std::function<void()>& onEstablished, const std::function<bool(WatchEvent&&)>& onEvent,
                const StopSignal& stop);

}  // namespace agentguard::kube
