#include "common/metrics/process_collector.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <prometheus/registry.h>

#include "tests/support/scratch_dir.h"

namespace agentguard::metrics {
namespace {

// Pointers into `families`, which must outlive the map.
std::map<std::string, const prometheus::MetricFamily*> byName(const std::vector<prometheus::MetricFamily>& families) {
  std::map<std::string, const prometheus::MetricFamily*> named;
  for (const prometheus::MetricFamily& family : families) named[family.name] = &family;
  return named;
}

class FakeProc : public ::testing::Test {
 protected:
  void SetUp() override { std::filesystem::create_directories(root_ / "self" / "fd"); }

  void write(const std::filesystem::path& relative, const std::string& content) {
    std::ofstream(root_ / relative) << content;
  }

  agentguard::testing::ScratchDir root_{"proc"};  // stands for /proc
};

TEST_F(FakeProc, ComputesTheProcessMetricsFromProc) {
  write("self/stat",
        "9 (agentguard) S 1 9 9 0 -1 0 0 0 0 0 250 150 0 0 20 0 7 0 500 104857600 300 0 0 0 0 0 0 0 0 0 0 0 0 0\n");
  write("stat", "cpu 1 2 3\nbtime 1700000000\n");
  for (const char* fd : {"0", "1", "2"}) write(std::filesystem::path("self/fd") / fd, "");

  auto families = ProcessCollector(root_.path()).Collect();
  auto named = byName(families);
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  ASSERT_TRUE(named.count("process_cpu_seconds_total"));
  EXPECT_EQ(named["process_cpu_seconds_total"]->type, prometheus::MetricType::Counter);
  EXPECT_DOUBLE_EQ(named["process_cpu_seconds_total"]->metric[0].counter.value, 400 / ticks);
  EXPECT_DOUBLE_EQ(named["process_resident_memory_bytes"]->metric[0].gauge.value, 300 * page);
  EXPECT_DOUBLE_EQ(named["process_virtual_memory_bytes"]->metric[0].gauge.value, 104857600);
  EXPECT_DOUBLE_EQ(named["process_threads"]->metric[0].gauge.value, 7);
  EXPECT_DOUBLE_EQ(named["process_start_time_seconds"]->metric[0].gauge.value, 1700000000 + 500 / ticks);
  EXPECT_DOUBLE_EQ(named["process_open_fds"]->metric[0].gauge.value, 3);
  ASSERT_TRUE(named.count("process_max_fds"));
  EXPECT_GT(named["process_max_fds"]->metric[0].gauge.value, 0);
}

TEST_F(FakeProc, LeavesOutWhatItCannotReadInsteadOfReportingZero) {
  write("self/stat", "garbage\n");
  auto families = ProcessCollector(root_.path()).Collect();
  auto named = byName(families);
  EXPECT_TRUE(named.count("agentguard_build_info"));
  for (const char* absent : {"process_cpu_seconds_total", "process_resident_memory_bytes",
                             "process_virtual_memory_bytes", "process_threads", "process_start_time_seconds"}) {
    EXPECT_FALSE(named.count(absent)) << absent;
  }
  // The fd directory is there (empty): its count is still reported.
  ASSERT_TRUE(named.count("process_open_fds"));
  EXPECT_DOUBLE_EQ(named["process_open_fds"]->metric[0].gauge.value, 0);
}

TEST_F(FakeProc, LeavesOutTheStartTimeWithoutABootTime) {
  write("self/stat",
        "9 (agentguard) S 1 9 9 0 -1 0 0 0 0 0 250 150 0 0 20 0 7 0 500 104857600 300 0 0 0 0 0 0 0 0 0 0 0 0 0\n");
  auto families = ProcessCollector(root_.path()).Collect();
  auto named = byName(families);
  EXPECT_TRUE(named.count("process_cpu_seconds_total"));
  EXPECT_FALSE(named.count("process_start_time_seconds"));
}

TEST(ProcessCollector, BuildInfoCarriesTheVersionAndRevision) {
  auto families = ProcessCollector().Collect();
  auto named = byName(families);
  ASSERT_TRUE(named.count("agentguard_build_info"));
  const prometheus::MetricFamily& info = *named["agentguard_build_info"];
  EXPECT_EQ(info.type, prometheus::MetricType::Gauge);
  ASSERT_EQ(info.metric.size(), 1u);
  EXPECT_DOUBLE_EQ(info.metric[0].gauge.value, 1);
  std::map<std::string, std::string> labels;
  for (const auto& label : info.metric[0].label) labels[label.name] = label.value;
  EXPECT_EQ(labels["version"], AGENTGUARD_VERSION);
  EXPECT_FALSE(labels["revision"].empty());
  EXPECT_EQ(labels["revision"], buildInfo().revision);
}

TEST(ProcessCollector, ReadsThisProcessFromTheRealProc) {
  auto families = ProcessCollector().Collect();
  auto named = byName(families);
  for (const char* name : {"process_cpu_seconds_total", "process_resident_memory_bytes", "process_virtual_memory_bytes",
                           "process_threads", "process_start_time_seconds", "process_open_fds", "process_max_fds"}) {
    ASSERT_TRUE(named.count(name)) << name;
  }
  EXPECT_GT(named["process_resident_memory_bytes"]->metric[0].gauge.value, 1 << 20);
  EXPECT_GE(named["process_threads"]->metric[0].gauge.value, 1);
  EXPECT_GT(named["process_open_fds"]->metric[0].gauge.value, 2);  // stdin, stdout, stderr at least
  // Started after 2020 and not in the future.
  EXPECT_GT(named["process_start_time_seconds"]->metric[0].gauge.value, 1577836800);
  EXPECT_LE(named["process_start_time_seconds"]->metric[0].gauge.value, static_cast<double>(::time(nullptr)) + 1);
}

TEST(TextExposition, RendersEveryCollectableInOrder) {
  auto registry = std::make_shared<prometheus::Registry>();
  ProcessCollector process;
  std::string text = textExposition({registry.get(), &process});
  EXPECT_NE(text.find("# TYPE agentguard_build_info gauge"), std::string::npos);
  EXPECT_NE(text.find("# TYPE process_cpu_seconds_total counter"), std::string::npos);
}

}  // namespace
}  // namespace agentguard::metrics
