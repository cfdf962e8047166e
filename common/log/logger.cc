#include "common/log/logger.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <ctime>

#include "common/manifest/json_string.h"

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

// RFC 3339 UTC timestamp with milliseconds. The date and time to the second are formatted once per
// second on each thread: a busy webhook logs thousands of lines a second.
std::string timestamp() {
  const auto now = std::chrono::system_clock::now();
  const auto seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  thread_local std::time_t formattedSecond = -1;
  thread_local char formatted[40];
  thread_local size_t formattedLength = 0;
  if (seconds != formattedSecond) {
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    formattedLength = std::strftime(formatted, sizeof(formatted), "%Y-%m-%dT%H:%M:%S", &utc);
    formattedSecond = seconds;
  }
  const auto milli = static_cast<int>(millis < 0 ? millis + 1000 : millis);
  const char suffix[] = {'.', static_cast<char>('0' + milli / 100), static_cast<char>('0' + milli / 10 % 10),
                         static_cast<char>('0' + milli % 10), 'Z'};
  std::string stamp(formatted, formattedLength);
  stamp.append(suffix, sizeof suffix);
  return stamp;
}

// `value` as nlohmann's dump(-1) writes it: the common cases (plain strings, integers, booleans, null
// and arrays of them) directly, anything else through the serializer.
void appendJson(std::string& line, const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::string:
      if (manifest::appendAsciiJsonString(line, value.get_ref<const std::string&>())) return;
      break;
    case nlohmann::json::value_t::number_integer: line += std::to_string(value.get<int64_t>()); return;
    case nlohmann::json::value_t::number_unsigned: line += std::to_string(value.get<uint64_t>()); return;
    case nlohmann::json::value_t::boolean: line += value.get<bool>() ? "true" : "false"; return;
    case nlohmann::json::value_t::null: line += "null"; return;
    case nlohmann::json::value_t::array:
      line += '[';
      for (size_t i = 0; i < value.size(); ++i) {
        if (i > 0) line += ',';
        appendJson(line, value[i]);
      }
      line += ']';
      return;
    default: break;
  }
  line += value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void appendMember(std::string& line, std::string_view key, const nlohmann::json& value) {
  if (line.size() > 1) line += ',';
  if (!manifest::appendAsciiJsonString(line, key)) {
    line += nlohmann::json(key).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  line += ':';
  appendJson(line, value);
}

// The last field named `key`: as in a JSON object, a later field replaces an earlier one of that name.
const Field* lastField(std::initializer_list<Field> fields, std::string_view key) {
  const Field* found = nullptr;
  for (const Field& field : fields) {
    if (field.first == key) found = &field;
  }
  return found;
}

}  // namespace

Logger::Logger(std::ostream& out, Level minimum, std::string component)
    : out_(out), minimum_(minimum), component_(std::move(component)) {}

void Logger::log(Level level, std::string_view msg, std::initializer_list<Field> fields) {
  if (!enabled(level)) return;
  // The line is written directly rather than built as a JSON object first: the webhook logs one per
  // request. Each key appears once, where it first appears, with its last value (ts, level, component
  // and msg first). Text that is not ASCII goes through nlohmann's serializer, which replaces invalid
  // UTF-8 rather than throw: a log line must never take the process down.
  std::string line;
  line.reserve(256);
  line += '{';
  const auto header = [&](std::string_view key, nlohmann::json value) {
    const Field* field = lastField(fields, key);
    appendMember(line, key, field != nullptr ? field->second : value);
  };
  header("ts", timestamp());
  header("level", levelName(level));
  if (!component_.empty()) header("component", component_);
  header("msg", msg);
  for (auto field = fields.begin(); field != fields.end(); ++field) {
    const std::string_view key = field->first;
    const bool inHeader = key == "ts" || key == "level" || key == "msg" || (key == "component" && !component_.empty());
    const bool written =
        inHeader || std::any_of(fields.begin(), field, [key](const Field& earlier) { return earlier.first == key; });
    if (!written) appendMember(line, key, lastField(fields, key)->second);
  }
  line += "}\n";
  // One write per line, flushed: a line the process has logged is not lost if it then crashes.
  std::lock_guard<std::mutex> lock(mutex_);
  out_.write(line.data(), static_cast<std::streamsize>(line.size()));
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
