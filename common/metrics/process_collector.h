#pragma once

#include <filesystem>
#include <initializer_list>
#include <string>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

// What every agentguard binary exports besides its own metrics, as Prometheus client libraries do:
// agentguard_build_info and the standard process_* metrics, read from /proc at scrape time.
namespace agentguard::metrics {

struct BuildInfo {
  std::string version;   // the project version (CMake's PROJECT_VERSION)
  std::string revision;  // the git commit the binary was configured from, or "unknown"
};

// The version and revision this binary was built from.
BuildInfo buildInfo();

// The text exposition format of several collectables, in order (a registry and the process collector).
std::string textExposition(std::initializer_list<const prometheus::Collectable*> collectables);

class ProcessCollector final : public prometheus::Collectable {
 public:
  // `procRoot` is /proc in production; tests point it at a directory holding self/stat, self/fd/ and stat.
  explicit ProcessCollector(std::filesystem::path procRoot = "/proc");

  // agentguard_build_info{version,revision} 1, and process_cpu_seconds_total, process_resident_memory_bytes,
  // process_virtual_memory_bytes, process_start_time_seconds, process_threads, process_open_fds and
  // process_max_fds. A family whose source cannot be read is left out of that scrape, never reported as 0.
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  std::filesystem::path procRoot_;
};

}  // namespace agentguard::metrics
