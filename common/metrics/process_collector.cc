#include "common/metrics/process_collector.h"

#include <sys/resource.h>
#include <unistd.h>

#include <sstream>
#include <system_error>

#include <prometheus/text_serializer.h>

#include "common/file/file_contents.h"
#include "common/metrics/proc_stat.h"

namespace agentguard::metrics {
namespace {

prometheus::MetricFamily single(std::string name, std::string help, prometheus::MetricType type, double value) {
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  return prometheus::MetricFamily{std::move(name), std::move(help), type, {std::move(metric)}};
}

prometheus::MetricFamily gauge(std::string name, std::string help, double value) {
  return single(std::move(name), std::move(help), prometheus::MetricType::Gauge, value);
}

prometheus::MetricFamily buildInfoFamily() {
  BuildInfo info = buildInfo();
  prometheus::MetricFamily family = gauge("agentguard_build_info",
                                          "A metric with a constant '1' value labelled by the version and the "
                                          "git revision agentguard was built from",
                                          1);
  family.metric.front().label = {{"revision", info.revision}, {"version", info.version}};
  return family;
}

void addStatFamilies(const std::filesystem::path& procRoot, std::vector<prometheus::MetricFamily>& families) {
  auto statText = file::readFileContents((procRoot / "self" / "stat").string(), "process stat");
  if (!statText) return;
  auto stat = parseProcStat(*statText);
  if (!stat) return;
  const double ticksPerSecond = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double pageSize = static_cast<double>(sysconf(_SC_PAGESIZE));
  families.push_back(single("process_cpu_seconds_total", "Total user and system CPU time spent in seconds",
                            prometheus::MetricType::Counter,
                            static_cast<double>(stat->userTicks + stat->systemTicks) / ticksPerSecond));
  families.push_back(gauge("process_resident_memory_bytes", "Resident memory size in bytes",
                           static_cast<double>(stat->residentPages) * pageSize));
  families.push_back(
      gauge("process_virtual_memory_bytes", "Virtual memory size in bytes", static_cast<double>(stat->virtualBytes)));
  families.push_back(gauge("process_threads", "Number of OS threads in the process", static_cast<double>(stat->threads)));
  auto systemStat = file::readFileContents((procRoot / "stat").string(), "system stat");
  if (!systemStat) return;
  auto bootTime = parseBootTime(*systemStat);
  if (!bootTime) return;
  families.push_back(gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds",
                           static_cast<double>(*bootTime) + static_cast<double>(stat->startTicks) / ticksPerSecond));
}

void addFileDescriptorFamilies(const std::filesystem::path& procRoot, std::vector<prometheus::MetricFamily>& families) {
  std::error_code error;
  std::filesystem::directory_iterator entries(procRoot / "self" / "fd", error);
  if (!error) {
    double open = 0;
    for (auto it = entries; it != std::filesystem::directory_iterator(); it.increment(error)) {
      if (error) break;
      ++open;
    }
    if (!error) families.push_back(gauge("process_open_fds", "Number of open file descriptors", open));
  }
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    families.push_back(
        gauge("process_max_fds", "Maximum number of open file descriptors", static_cast<double>(limit.rlim_cur)));
  }
}

}  // namespace

std::string textExposition(std::initializer_list<const prometheus::Collectable*> collectables) {
  std::vector<prometheus::MetricFamily> families;
  for (const prometheus::Collectable* collectable : collectables) {
    std::vector<prometheus::MetricFamily> collected = collectable->Collect();
    families.insert(families.end(), std::make_move_iterator(collected.begin()), std::make_move_iterator(collected.end()));
  }
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

ProcessCollector::ProcessCollector(std::filesystem::path procRoot) : procRoot_(std::move(procRoot)) {}

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
  std::vector<prometheus::MetricFamily> families;
  families.push_back(buildInfoFamily());
  addStatFamilies(procRoot_, families);
  addFileDescriptorFamilies(procRoot_, families);
  return families;
}

}  // namespace agentguard::metrics
