#include "common/process/cpu_budget.h"

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/scratch_dir.h"

namespace agentguard::process {
namespace {

class CgroupCpuLimitTest : public ::testing::Test {
 protected:
  void SetUp() override { std::filesystem::create_directories(root_ / "kubepods" / "pod1" / "ctr"); }

  void writeCpuMax(const std::string& cgroup, const std::string& text) {
    std::ofstream(root_ / cgroup / "cpu.max") << text;
  }

  agentguard::testing::ScratchDir root_{"cgroup"};  // stands for /sys/fs/cgroup
};

TEST_F(CgroupCpuLimitTest, QuotaOfTheProcessCgroup) {
  writeCpuMax("kubepods/pod1/ctr", "150000 100000\n");
  const auto limit = cgroupCpuLimit("0::/kubepods/pod1/ctr\n", root_.path());
  ASSERT_TRUE(limit.has_value());
  EXPECT_DOUBLE_EQ(*limit, 1.5);
}

TEST_F(CgroupCpuLimitTest, TightestQuotaAmongAncestors) {
  writeCpuMax("kubepods/pod1/ctr", "max 100000\n");
  writeCpuMax("kubepods/pod1", "50000 100000\n");
  writeCpuMax("kubepods", "400000 100000\n");
  const auto limit = cgroupCpuLimit("0::/kubepods/pod1/ctr\n", root_.path());
  ASSERT_TRUE(limit.has_value());
  EXPECT_DOUBLE_EQ(*limit, 0.5);
}

// Cases with no usable limit: the process's CPU budget then comes from its affinity alone.
TEST_F(CgroupCpuLimitTest, NoLimitWhenNoneCanBeRead) {
  struct Case {
    std::string name;
    std::vector<std::pair<std::string, std::string>> cpuMax;  // cgroup -> cpu.max text
    std::string procSelfCgroup;
  };
  const std::vector<Case> cases = {
      {"no quota anywhere", {{"kubepods/pod1/ctr", "max 100000\n"}}, "0::/kubepods/pod1/ctr\n"},
      {"cgroup v1 only", {{"kubepods/pod1/ctr", "100000 100000\n"}}, "4:cpu,cpuacct:/kubepods/pod1/ctr\n"},
      {"malformed cpu.max",
       {{"kubepods/pod1/ctr", "lots 100000\n"}, {"kubepods/pod1", "100000 0\n"}, {"kubepods", "-5 100000\n"}},
       "0::/kubepods/pod1/ctr\n"},
      {"path leaving the root", {{"kubepods", "100000 100000\n"}}, "0::/kubepods/../../etc\n"},
  };
  for (const auto& c : cases) {
    for (const auto& [cgroup, text] : c.cpuMax) writeCpuMax(cgroup, text);
    EXPECT_FALSE(cgroupCpuLimit(c.procSelfCgroup, root_.path()).has_value()) << c.name;
    for (const auto& [cgroup, text] : c.cpuMax) std::filesystem::remove(root_ / cgroup / "cpu.max");
  }
}

TEST(CpuBudgetTest, AtLeastOneAndNoMoreThanTheMachine) {
  const size_t budget = cpuBudget();
  EXPECT_GE(budget, 1u);
  EXPECT_LE(budget, std::max(1u, std::thread::hardware_concurrency()));
}

}  // namespace
}  // namespace agentguard::process
