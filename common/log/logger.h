#pragma once

#include <atomic>
#include <initializer_list>
#include <mutex>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

namespace agentguard::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// One key/value pair of a structured log line. Values are JSON so numbers stay numbers.
using Field = std::pair<std::string_view, nlohmann::json>;

// Writes one JSON object per line: {"ts":"...","level":"info","msg":"Created NetworkPolicy",...},
// flushed as it is written. Thread-safe. Messages follow the Kubernetes style: capital first letter,
// past tense, kind named.
// Never pass object bodies, tokens or secret values as fields.
class Logger {
 public:
  explicit Logger(std::ostream& out, Level minimum = Level::kInfo, std::string component = "");

  void log(Level level, std::string_view msg, std::initializer_list<Field> fields = {});
  void debug(std::string_view msg, std::initializer_list<Field> fields = {}) { log(Level::kDebug, msg, fields); }
  void info(std::string_view msg, std::initializer_list<Field> fields = {}) { log(Level::kInfo, msg, fields); }
  void warn(std::string_view msg, std::initializer_list<Field> fields = {}) { log(Level::kWarn, msg, fields); }
  void error(std::string_view msg, std::initializer_list<Field> fields = {}) { log(Level::kError, msg, fields); }

  // May be called while other threads log (a level change at run time). Relaxed: the level guards no
  // other data, and a line logged just around the change may use either level.
  void setMinimum(Level level) { minimum_.store(level, std::memory_order_relaxed); }
  bool enabled(Level level) const { return level >= minimum_.load(std::memory_order_relaxed); }

 private:
  std::ostream& out_;
  std::atomic<Level> minimum_;
  std::string component_;
  std::mutex mutex_;
};

// Parses "debug" | "info" | "warn" | "error".
bool parseLevel(std::string_view text, Level& level);

}  // namespace agentguard::log
