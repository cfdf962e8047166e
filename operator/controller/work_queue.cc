#include "operator/controller/work_queue.h"

#include <algorithm>
#include <utility>

namespace agentguard::op {

WorkQueue::WorkQueue(const Clock& clock, WorkQueueOptions options)
    : clock_(clock),
      backoff_(options.backoff),
      random_(options.random ? std::move(options.random) : retry::defaultRandomSource()) {}

void WorkQueue::add(const std::string& key) {
  std::lock_guard<std::mutex> lock(mutex_);
  addLocked(key);
}

void WorkQueue::addLocked(const std::string& key) {
  if (shuttingDown_ || dirty_.count(key) != 0) return;
  dirty_.insert(key);
  if (processing_.count(key) != 0) return;
  queue_.push_back(key);
  notifyDepthLocked();
  changed_.notify_one();
}

void WorkQueue::addAfter(const std::string& key, std::chrono::milliseconds delay) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (shuttingDown_) return;
  if (delay <= std::chrono::milliseconds::zero()) {
    addLocked(key);
    return;
  }
  const Clock::TimePoint due = clock_.now() + delay;
  auto [it, inserted] = waiting_.emplace(key, due);
  if (!inserted) it->second = std::min(it->second, due);
  changed_.notify_all();  // a waiting get() may need to wake earlier
}

int WorkQueue::failuresLocked(const std::string& key) const {
  const auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

std::chrono::milliseconds WorkQueue::nextBackoff(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return retry::backoffDelay(backoff_, failuresLocked(key), 1.0);
}

std::chrono::milliseconds WorkQueue::addRateLimited(const std::string& key, std::chrono::milliseconds atLeast) {
  std::chrono::milliseconds delay;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    delay = std::max(retry::backoffDelay(backoff_, failuresLocked(key), random_()), atLeast);
    ++failures_[key];
  }
  addAfter(key, delay);
  return delay;
}

void WorkQueue::forget(const std::string& key) {
  std::lock_guard<std::mutex> lock(mutex_);
  failures_.erase(key);
}

int WorkQueue::numRequeues(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return failuresLocked(key);
}

void WorkQueue::promoteDueLocked() {
  const Clock::TimePoint now = clock_.now();
  // Due keys in time order, so an earlier timer is handed out first.
  std::vector<std::pair<Clock::TimePoint, std::string>> due;
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    if (it->second <= now) {
      due.emplace_back(it->second, it->first);
      it = waiting_.erase(it);
    } else {
      ++it;
    }
  }
  std::sort(due.begin(), due.end());
  for (const auto& [time, key] : due) addLocked(key);
}

std::optional<std::string> WorkQueue::takeLocked() {
  if (queue_.empty()) return std::nullopt;
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  processing_.insert(key);
  dirty_.erase(key);
  notifyDepthLocked();
  return key;
}

std::optional<std::string> WorkQueue::tryGet() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (shuttingDown_) return std::nullopt;
  promoteDueLocked();
  return takeLocked();
}

std::optional<std::string> WorkQueue::get() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    if (shuttingDown_) return std::nullopt;
    promoteDueLocked();
    if (auto key = takeLocked()) return key;
    if (waiting_.empty()) {
      changed_.wait(lock);
    } else {
      Clock::TimePoint earliest = waiting_.begin()->second;
      for (const auto& [key, due] : waiting_) earliest = std::min(earliest, due);
      const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(earliest - clock_.now());
      changed_.wait_for(lock, std::clamp(wait + std::chrono::milliseconds(1), std::chrono::milliseconds(1),
                                         std::chrono::milliseconds(1000)));
    }
  }
}

void WorkQueue::done(const std::string& key) {
  std::lock_guard<std::mutex> lock(mutex_);
  processing_.erase(key);
  if (dirty_.count(key) != 0 && !shuttingDown_) {
    queue_.push_back(key);
    notifyDepthLocked();
    changed_.notify_one();
  }
}

void WorkQueue::shutDown() {
  std::lock_guard<std::mutex> lock(mutex_);
  shuttingDown_ = true;
  changed_.notify_all();
}

bool WorkQueue::shuttingDown() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return shuttingDown_;
}

size_t WorkQueue::depth() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return queue_.size();
}

size_t WorkQueue::delayedCount() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return waiting_.size();
}

void WorkQueue::setDepthObserver(std::function<void(size_t)> observer) {
  std::lock_guard<std::mutex> lock(mutex_);
  depthObserver_ = std::move(observer);
}

void WorkQueue::notifyDepthLocked() {
  if (depthObserver_) depthObserver_(queue_.size());
}

}  // namespace agentguard::op
