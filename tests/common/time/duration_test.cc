#include "common/time/duration.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace agentguard::time {
namespace {

using namespace std::chrono_literals;

struct Valid {
  std::string text;
  std::chrono::milliseconds value;
};

TEST(DurationTest, ReadsGoDurations) {
  const std::vector<Valid> rows = {
      {"500ms", 500ms}, {"10s", 10s},        {"90s", 90s},          {"2m", 2min},       {"1h", 1h},
      {"1h30m", 90min}, {"1.5h", 90min},     {"0.5s", 500ms},       {"1m0.25s", 60250ms}, {"0s", 0ms},
      {"0ms", 0ms},     {"2h45m10s", 9910s}, {"1s500ms", 1500ms},   {"007s", 7s},       {"1h1h", 2h},
      {"0.001s", 1ms},  {"250ms", 250ms},    {"1.000000000h", 1h},
  };
  for (const Valid& row : rows) {
    auto parsed = parseDuration(row.text);
    ASSERT_TRUE(parsed.ok()) << row.text << ": " << parsed.error().message;
    EXPECT_EQ(*parsed, row.value) << row.text;
  }
}

TEST(DurationTest, RefusesWhatIsNotADurationAndShowsTheGrammar) {
  for (const std::string text : {"", "5", "0", "-5s", "+5s", "1d", "5us", "5ns", ".5s", "5.s", "1..5s", "s", "h1",
                                 "5 s", " 5s", "5s ", "5min", "5sec", "1h-30m", "1e3s", "0x10s", "５s", "5S"}) {
    auto parsed = parseDuration(text);
    ASSERT_FALSE(parsed.ok()) << "\"" << text << "\"";
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
    EXPECT_THAT(parsed.error().message, ::testing::HasSubstr("\"" + text + "\" is not a duration like 500ms"));
  }
}

TEST(DurationTest, RefusesPrecisionItCannotHold) {
  auto finer = parseDuration("0.5ms");
  ASSERT_FALSE(finer.ok());
  EXPECT_THAT(finer.error().message, ::testing::HasSubstr("finer than a millisecond"));
  EXPECT_FALSE(parseDuration("1.0005s").ok());
  EXPECT_FALSE(parseDuration("1.000000001h").ok());
  auto decimals = parseDuration("1.0000000000s");
  ASSERT_FALSE(decimals.ok());
  EXPECT_THAT(decimals.error().message, ::testing::HasSubstr("more than 9 decimals"));
}

// The longest duration of each unit fits std::chrono::nanoseconds (9223372036854 ms, Go's longest
// time.Duration); one more is refused before any multiply or add could overflow, as are values that would
// overflow the multiply or int64 itself.
TEST(DurationTest, RefusesDurationsThatWouldOverflowAtTheBoundary) {
  struct Row {
    std::string longest;
    std::chrono::milliseconds value;
    std::string tooLong;
  };
  const std::vector<Row> rows = {{"9223372036854ms", 9223372036854ms, "9223372036855ms"},
                                 {"9223372036s", 9223372036s, "9223372037s"},
                                 {"153722867m", 153722867min, "153722868m"},
                                 {"2562047h", 2562047h, "2562048h"},
                                 {"2562047h47m16.854s", 9223372036854ms, "2562047h47m16.855s"},
                                 {"2562047h47m16s854ms", 9223372036854ms, "2562047h47m16s855ms"},
                                 {"9223372036.854s", 9223372036854ms, "9223372036.855s"}};
  for (const Row& row : rows) {
    auto longest = parseDuration(row.longest);
    ASSERT_TRUE(longest.ok()) << row.longest << ": " << longest.error().message;
    EXPECT_EQ(*longest, row.value);
    EXPECT_EQ(std::chrono::duration_cast<std::chrono::nanoseconds>(*longest).count() / 1000000, row.value.count());
    auto tooLong = parseDuration(row.tooLong);
    ASSERT_FALSE(tooLong.ok()) << row.tooLong;
    EXPECT_THAT(tooLong.error().message,
                ::testing::HasSubstr("\"" + row.tooLong + "\" is too long: at most 2562047h47m16.854s"));
  }
  for (const std::string text : {"9223372036854775807h", "9223372036854775807ms", "9223372036854775808ms",
                                 "99999999999999999999999999999s", "2562047h2562047h", "1ms9223372036854ms"}) {
    auto parsed = parseDuration(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_THAT(parsed.error().message, ::testing::HasSubstr("is too long")) << text;
  }
}

TEST(DurationTest, TakesATighterBound) {
  constexpr std::chrono::milliseconds kHundredYears = 100 * 365 * 24h;
  EXPECT_EQ(*parseDuration("876000h", kHundredYears), kHundredYears);
  auto over = parseDuration("876000h1ms", kHundredYears);
  ASSERT_FALSE(over.ok());
  EXPECT_THAT(over.error().message, ::testing::HasSubstr("is too long: at most 876000h0m0s"));
}

TEST(DurationTest, FormatsAsGoDoes) {
  EXPECT_EQ(formatDuration(0ms), "0s");
  EXPECT_EQ(formatDuration(500ms), "500ms");
  EXPECT_EQ(formatDuration(10s), "10s");
  EXPECT_EQ(formatDuration(90min), "1h30m0s");
  EXPECT_EQ(formatDuration(61500ms), "1m1.5s");
  EXPECT_EQ(formatDuration(kMaxDuration), "2562047h47m16.854s");
  for (const std::chrono::milliseconds duration : {1ms, 999ms, 1000ms, 3540000ms, 90000000ms, 9910000ms, kMaxDuration}) {
    EXPECT_EQ(*parseDuration(formatDuration(duration)), duration) << formatDuration(duration);
  }
}

}  // namespace
}  // namespace agentguard::time
