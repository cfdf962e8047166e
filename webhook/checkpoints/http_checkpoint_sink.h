#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/decision/checkpoint_sink.h"

namespace agentguard::webhook {

// POSTs each signed checkpoint note (Content-Type text/plain; charset=utf-8) to an http:// or https://
// URL; any 2xx answer counts as published. HTTPS is checked against the system's CA certificates.
class HttpCheckpointSink final : public decision::CheckpointSink {
 public:
  explicit HttpCheckpointSink(std::string url, std::chrono::seconds timeout = std::chrono::seconds(10))
      : url_(std::move(url)), timeout_(timeout) {}
  std::string describe() const override { return url_; }
  Status publish(const decision::Checkpoint& checkpoint, std::string_view note) override;

 private:
  std::string url_;
  std::chrono::seconds timeout_;
};

}  // namespace agentguard::webhook
