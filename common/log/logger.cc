#include "common/log/logger.h"

#include <chrono>
#include <ctime>

namespace agentguard::log {
namespace {

std::string_view levelName(Level level) {
  switch (level) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "info";
}

// RFC 3339 UTC timestamp with milliseconds.
std::string timestamp() {
  const auto now = std::chrono::system_clock::now();
  const auto seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[40];
  const size_t length = std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%S", &utc);
  char suffix[8];
  std::snprintf(suffix, sizeof(suffix), ".%03dZ", static_cast<int>(millis));
  return std::string(buffer, length) + suffix;
}

}  // namespace

Logger::Logger(std::ostream& out, Level minimum, std::string component)
    : out_(out), minimum_(minimum), component_(std::move(component)) {}

void Logger::log(Level level, std::string_view msg, std::initializer_list<Field> fields) {
  if (!enabled(level)) return;
  nlohmann::ordered_json line;
  line["ts"] = timestamp();
  line["level"] = levelName(level);
  if (!component_.empty()) line["component"] = component_;
  line["msg"] = msg;
  for (const auto& [key, value] : fields) line[std::string(key)] = value;
  // Replace invalid UTF-8 rather than throw: a log line must never take the process down.
  const std::string text = line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  std::lock_guard<std::mutex> lock(mutex_);
  out_ << text << '\n';
  out_.flush();
}

bool parseLevel(std::string_view text, Level& level) {
  if (text == "debug") level = Level::kDebug;
  else if (text == "info") level = Level::kInfo;
  else if (text == "warn") level = Level::kWarn;
  else if (text == "error") level = Level::kError;
  else return false;
  return true;
}

}  // namespace agentguard::log
