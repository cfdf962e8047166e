#include "common/metrics/proc_stat.h"

#include <charconv>
#include <string>
#include <vector>

namespace agentguard::metrics {
namespace {

Result<uint64_t> parseCount(std::string_view text, std::string_view what) {
  uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) {
    return makeError(ErrorCode::kInvalidArgument, std::string(what) + " is not a count: '" + std::string(text) + "'");
  }
  return value;
}

std::vector<std::string_view> splitSpaces(std::string_view text) {
  std::vector<std::string_view> fields;
  size_t position = 0;
  while (position < text.size()) {
    size_t start = text.find_first_not_of(" \n", position);
    if (start == std::string_view::npos) break;
    size_t end = text.find_first_of(" \n", start);
    if (end == std::string_view::npos) end = text.size();
    fields.push_back(text.substr(start, end - start));
    position = end;
  }
  return fields;
}

}  // namespace

Result<ProcStat> parseProcStat(std::string_view text) {
  size_t close = text.rfind(')');
  if (close == std::string_view::npos) {
    return makeError(ErrorCode::kInvalidArgument, "/proc stat line has no ')' after the command name");
  }
  // After the command: field 3 (state) onwards, so field N is at index N - 3.
  std::vector<std::string_view> fields = splitSpaces(text.substr(close + 1));
  constexpr size_t kLastField = 24;
  if (fields.size() < kLastField - 2) {
    return makeError(ErrorCode::kInvalidArgument, "/proc stat line has " + std::to_string(fields.size() + 2) +
                                                      " fields, expected at least " + std::to_string(kLastField));
  }
  auto field = [&](size_t number, std::string_view name) { return parseCount(fields[number - 3], name); };
  ProcStat stat;
  struct Wanted {
    size_t number;
    std::string_view name;
    uint64_t* into;
  };
  for (const Wanted& wanted : {Wanted{14, "utime", &stat.userTicks}, Wanted{15, "stime", &stat.systemTicks},
                               Wanted{20, "num_threads", &stat.threads}, Wanted{22, "starttime", &stat.startTicks},
                               Wanted{23, "vsize", &stat.virtualBytes}, Wanted{24, "rss", &stat.residentPages}}) {
    auto value = field(wanted.number, wanted.name);
    if (!value) return value.error();
    *wanted.into = *value;
  }
  return stat;
}

Result<uint64_t> parseBootTime(std::string_view procStat) {
  constexpr std::string_view kPrefix = "btime ";
  size_t position = 0;
  while (position < procStat.size()) {
    size_t end = procStat.find('\n', position);
    if (end == std::string_view::npos) end = procStat.size();
    std::string_view line = procStat.substr(position, end - position);
    if (line.starts_with(kPrefix)) return parseCount(line.substr(kPrefix.size()), "btime");
    position = end + 1;
  }
  return makeError(ErrorCode::kInvalidArgument, "/proc/stat has no btime line");
}

}  // namespace agentguard::metrics
