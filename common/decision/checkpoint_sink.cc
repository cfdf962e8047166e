#include "common/decision/checkpoint_sink.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace agentguard::decision {

Status FileCheckpointSink::publish(const Checkpoint&, std::string_view note) {
  const std::string text = std::string(note) + "\n";
  const int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return makeError(ErrorCode::kUnavailable, "checkpoint file " + path_ + " could not be opened: " + std::strerror(errno));
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  const std::string reason = std::strerror(errno);
  ::close(fd);
  if (!written) return makeError(ErrorCode::kUnavailable, "checkpoint file " + path_ + " could not be written: " + reason);
  return okStatus();
}

CheckpointPublisher::CheckpointPublisher(std::vector<CheckpointSinkPtr> sinks, Options options)
    : sinks_(std::move(sinks)), options_(std::move(options)), thread_([this] { run(); }) {}

CheckpointPublisher::~CheckpointPublisher() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_one();
  thread_.join();
}

void CheckpointPublisher::offer(const Checkpoint& checkpoint, std::string note) {
  {
    std::lock_guard lock(mutex_);
    if (newest_ && newest_->checkpoint.size > checkpoint.size) return;
    newest_ = Offered{checkpoint, std::move(note)};
  }
  changed_.notify_one();
}

CheckpointPublisher::Stats CheckpointPublisher::stats() const {
  return Stats{published_.load(std::memory_order_relaxed), failures_.load(std::memory_order_relaxed)};
}

void CheckpointPublisher::run() {
  using Clock = std::chrono::steady_clock;
  // Per sink: the size of the checkpoint it last accepted (nullopt: none yet), and when to retry it.
  std::vector<std::optional<std::uint64_t>> sent(sinks_.size());
  std::vector<Clock::time_point> retryAt(sinks_.size(), Clock::time_point::min());
  const auto behind = [&](std::size_t sink, const Offered& offered) {
    return !sent[sink] || *sent[sink] < offered.checkpoint.size;
  };
  for (;;) {
    std::optional<Offered> offered;
    bool stopping = false;
    {
      std::unique_lock lock(mutex_);
      const auto due = [&] {
        if (stopping_) return true;
        if (!newest_) return false;
        for (std::size_t i = 0; i < sinks_.size(); ++i) {
          if (behind(i, *newest_) && Clock::now() >= retryAt[i]) return true;
        }
        return false;
      };
      changed_.wait_for(lock, options_.retryAfter, due);
      offered = newest_;
      stopping = stopping_;
    }
    if (offered) {
      for (std::size_t i = 0; i < sinks_.size(); ++i) {
        if (!behind(i, *offered) || (!stopping && Clock::now() < retryAt[i])) continue;
        if (Status published = sinks_[i]->publish(offered->checkpoint, offered->note); published) {
          sent[i] = offered->checkpoint.size;
          published_.fetch_add(1, std::memory_order_relaxed);
        } else {
          retryAt[i] = Clock::now() + options_.retryAfter;
          failures_.fetch_add(1, std::memory_order_relaxed);
          options_.onFailure(*sinks_[i], published.error());
        }
      }
    }
    if (stopping) return;
  }
}

}  // namespace agentguard::decision
