#include "common/metrics/proc_stat.h"

#include <gtest/gtest.h>

namespace agentguard::metrics {
namespace {

// A real line from proc(5)'s layout: pid (comm) state ppid ... utime(14) stime(15) ... num_threads(20)
// itrealvalue(21) starttime(22) vsize(23) rss(24) ...
constexpr const char* kLine =
    "4242 (agentguard-webh) S 1 4242 4242 0 -1 4194560 1930 0 0 0 125 37 0 0 20 0 9 0 98765 123456789 2048 "
    "18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n";

TEST(ParseProcStat, ReadsTheFieldsTheMetricsNeed) {
  auto stat = parseProcStat(kLine);
  ASSERT_TRUE(stat.ok()) << stat.error().describe();
  EXPECT_EQ(stat->userTicks, 125u);
  EXPECT_EQ(stat->systemTicks, 37u);
  EXPECT_EQ(stat->threads, 9u);
  EXPECT_EQ(stat->startTicks, 98765u);
  EXPECT_EQ(stat->virtualBytes, 123456789u);
  EXPECT_EQ(stat->residentPages, 2048u);
}

TEST(ParseProcStat, CountsFieldsFromTheLastParenthesisSoACommandNameCannotShiftThem) {
  // A process may name itself anything (prctl PR_SET_NAME): spaces and ") 9 9" must not move the fields.
  auto stat = parseProcStat(
      "77 (x) 1 2 (y z) S 1 77 77 0 -1 0 0 0 0 0 5 6 0 0 20 0 3 0 100 4096 10 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n");
  ASSERT_TRUE(stat.ok()) << stat.error().describe();
  EXPECT_EQ(stat->userTicks, 5u);
  EXPECT_EQ(stat->systemTicks, 6u);
  EXPECT_EQ(stat->threads, 3u);
  EXPECT_EQ(stat->residentPages, 10u);
}

TEST(ParseProcStat, RefusesWhatIsNotAStatLine) {
  struct Case {
    const char* name;
    const char* text;
    const char* messagePart;
  };
  for (const Case& c : {Case{"empty", "", "no ')'"},
                        Case{"no command", "1 S 1 2 3", "no ')'"},
                        Case{"truncated", "1 (init) S 0 1 1 0 -1 0 0 0 0 0 5", "expected at least 24"},
                        Case{"non-numeric utime", "1 (init) S 0 1 1 0 -1 0 0 0 0 0 x 6 0 0 20 0 3 0 100 4096 10", "utime"},
                        Case{"negative rss", "1 (init) S 0 1 1 0 -1 0 0 0 0 0 5 6 0 0 20 0 3 0 100 4096 -10", "rss"}}) {
    auto stat = parseProcStat(c.text);
    ASSERT_FALSE(stat.ok()) << c.name;
    EXPECT_EQ(stat.error().code, ErrorCode::kInvalidArgument) << c.name;
    EXPECT_NE(stat.error().message.find(c.messagePart), std::string::npos) << c.name << ": " << stat.error().message;
  }
}

TEST(ParseBootTime, ReadsTheBtimeLine) {
  auto boot = parseBootTime("cpu  1 2 3 4\nintr 5\nbtime 1733600000\nprocesses 9\n");
  ASSERT_TRUE(boot.ok()) << boot.error().describe();
  EXPECT_EQ(*boot, 1733600000u);
}

TEST(ParseBootTime, RefusesAMissingOrMalformedLine) {
  EXPECT_FALSE(parseBootTime("cpu 1 2\nintr 5\n").ok());
  EXPECT_FALSE(parseBootTime("btime soon\n").ok());
  EXPECT_FALSE(parseBootTime("xbtime 17\n").ok());
}

}  // namespace
}  // namespace agentguard::metrics
