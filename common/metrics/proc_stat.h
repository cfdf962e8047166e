#pragma once

#include <cstdint>
#include <string_view>

#include "common/result/result.h"

// The fields of /proc/<pid>/stat (proc(5)) the process_* metrics are made of.
namespace agentguard::metrics {

struct ProcStat {
  uint64_t userTicks = 0;       // field 14, utime, in clock ticks
  uint64_t systemTicks = 0;     // field 15, stime
  uint64_t threads = 0;         // field 20, num_threads
  uint64_t startTicks = 0;      // field 22, starttime: clock ticks after boot
  uint64_t virtualBytes = 0;    // field 23, vsize
  uint64_t residentPages = 0;   // field 24, rss
};

// Parses one line of /proc/<pid>/stat. The command name (field 2) is in parentheses and may itself hold
// spaces and parentheses, so the fields are counted from the last ')'. An unexpected shape is an
// InvalidArgument error naming the field, never a guess.
Result<ProcStat> parseProcStat(std::string_view text);

// The boot time in seconds since the epoch, from the "btime" line of /proc/stat.
Result<uint64_t> parseBootTime(std::string_view procStat);

}  // namespace agentguard::metrics
