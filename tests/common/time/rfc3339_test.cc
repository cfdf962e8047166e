#include "common/time/rfc3339.h"

#include <gtest/gtest.h>

namespace agentguard::time {
namespace {

TEST(Rfc3339, RoundTripsAndParsesOffsets) {
  const auto parsed = parseRfc3339("2024-02-29T23:59:58Z");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(formatRfc3339(*parsed), "2024-02-29T23:59:58Z");
  EXPECT_EQ(formatRfc3339(*parseRfc3339("2024-03-01T01:00:00+02:00")), "2024-02-29T23:00:00Z");
  EXPECT_EQ(formatRfc3339(*parseRfc3339("2024-02-29T20:30:00-03:30")), "2024-03-01T00:00:00Z");
  EXPECT_EQ(formatRfc3339Micro(*parseRfc3339("2024-03-01T00:00:00.5Z")), "2024-03-01T00:00:00.500000Z");
  EXPECT_EQ(formatRfc3339Micro(*parseRfc3339("2024-03-01T00:00:00.1234567z")), "2024-03-01T00:00:00.123456Z");
}

TEST(Rfc3339, FormatsSecondsWithoutTheFraction) {
  const WallTime time = WallTime(std::chrono::milliseconds(1'700'000'000'999));
  EXPECT_EQ(formatRfc3339(time), "2023-11-14T22:13:20Z");
  EXPECT_EQ(formatRfc3339Micro(time), "2023-11-14T22:13:20.999000Z");
}

TEST(Rfc3339, RefusesWhatIsNotRfc3339) {
  for (const char* text : {"", "2024-03-01 00:00:00Z", "2024-13-01T00:00:00Z", "2024-03-01T00:00:00",
                           "2024-03-01T24:00:00Z", "2024-03-01T00:00:00.Z", "2024-03-01T00:00:00+0200",
                           "2024-03-01T00:00:00Z trailing", "24-03-01T00:00:00Z"}) {
    EXPECT_FALSE(parseRfc3339(text)) << text;
  }
}

TEST(Rfc3339, ClampsYearsTheClockCannotHold) {
  EXPECT_EQ(formatRfc3339(*parseRfc3339("0001-01-01T00:00:00Z")), "1900-01-01T00:00:00Z");
  EXPECT_EQ(formatRfc3339(*parseRfc3339("9999-12-31T23:59:59Z")), "2200-01-01T00:00:00Z");
}

}  // namespace
}  // namespace agentguard::time
