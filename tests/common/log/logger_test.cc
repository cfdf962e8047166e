// The structured logger: one JSON object per line, levels, and input it must survive.
#include "common/log/logger.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <iomanip>
#include <limits>
#include <regex>
#include <sstream>
#include <thread>
#include <vector>

namespace agentguard::log {
namespace {

using Json = nlohmann::json;

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(LoggerTest, WritesOneJsonObjectPerCall) {
  std::ostringstream out;
  Logger logger(out);
  logger.info("Created NetworkPolicy", {{"agentSandbox", "agents/analyst"}, {"replicas", 3}, {"ready", true}});
  logger.warn("Retried request");
  const auto written = lines(out.str());
  ASSERT_EQ(written.size(), 2u);

  const Json first = Json::parse(written[0]);
  EXPECT_EQ(first["level"], "info");
  EXPECT_EQ(first["msg"], "Created NetworkPolicy");
  EXPECT_EQ(first["agentSandbox"], "agents/analyst");
  EXPECT_EQ(first["replicas"], 3);  // numbers stay numbers
  EXPECT_EQ(first["ready"], true);
  EXPECT_FALSE(first.contains("component"));
  const std::string ts = first["ts"];
  EXPECT_TRUE(std::regex_match(ts, std::regex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)"))) << ts;

  // ts, level and msg come first, in that order.
  EXPECT_EQ(written[0].rfind("{\"ts\":", 0), 0u) << written[0];
  EXPECT_LT(written[0].find("\"level\""), written[0].find("\"msg\""));

  EXPECT_EQ(Json::parse(written[1])["level"], "warn");
}

// The time of day is formatted once a second and kept: each line's timestamp is still the clock's,
// to the millisecond, on either side of a second's change.
TEST(LoggerTest, TimestampsFollowTheClockAcrossSeconds) {
  const auto millisecondsOf = [](const std::string& line) {
    const std::string ts = Json::parse(line)["ts"];
    std::tm utc{};
    std::istringstream in(ts);
    in >> std::get_time(&utc, "%Y-%m-%dT%H:%M:%S");
    EXPECT_FALSE(in.fail()) << ts;
    return static_cast<int64_t>(timegm(&utc)) * 1000 + std::stoi(ts.substr(20, 3));
  };
  const auto now = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  std::ostringstream out;
  Logger logger(out);
  for (int i = 0; i < 6; ++i) {
    const int64_t before = now();
    logger.info("Ticked");
    const int64_t after = now();
    const int64_t stamped = millisecondsOf(lines(out.str()).back());
    EXPECT_GE(stamped, before) << i;
    EXPECT_LE(stamped, after) << i;
    std::this_thread::sleep_for(std::chrono::milliseconds(230));
  }
}

TEST(LoggerTest, NamesTheComponentWhenGiven) {
  std::ostringstream out;
  Logger logger(out, Level::kInfo, "webhook");
  logger.error("Failed to load policies", {{"error", "policy.yaml:3: bad"}});
  const Json line = Json::parse(out.str());
  EXPECT_EQ(line["component"], "webhook");
  EXPECT_EQ(line["level"], "error");
  EXPECT_EQ(line["error"], "policy.yaml:3: bad");
}

TEST(LoggerTest, FiltersBelowTheMinimumLevel) {
  std::ostringstream out;
  Logger logger(out, Level::kWarn);
  EXPECT_FALSE(logger.enabled(Level::kDebug));
  EXPECT_FALSE(logger.enabled(Level::kInfo));
  EXPECT_TRUE(logger.enabled(Level::kWarn));
  EXPECT_TRUE(logger.enabled(Level::kError));
  logger.debug("Skipped");
  logger.info("Skipped");
  logger.warn("Kept");
  logger.error("Kept");
  EXPECT_EQ(lines(out.str()).size(), 2u);

  logger.setMinimum(Level::kDebug);
  logger.debug("Now kept");
  const auto written = lines(out.str());
  ASSERT_EQ(written.size(), 3u);
  EXPECT_EQ(Json::parse(written[2])["level"], "debug");
}

TEST(LoggerTest, ReplacesInvalidUtf8InsteadOfThrowing) {
  std::ostringstream out;
  Logger logger(out);
  EXPECT_NO_THROW(logger.info("Read \xC3\x28 name", {{"value", std::string("bad \xFF byte")}}));
  const auto written = lines(out.str());
  ASSERT_EQ(written.size(), 1u);
  const Json line = Json::parse(written[0]);
  EXPECT_EQ(line["msg"], "Read \xEF\xBF\xBD( name");
  EXPECT_EQ(line["value"], "bad \xEF\xBF\xBD byte");
}

TEST(LoggerTest, EscapesNewlinesSoEachEntryStaysOneLine) {
  std::ostringstream out;
  Logger logger(out);
  logger.info("Line one\nline two", {{"detail", "a\r\nb\x01"}});
  const auto written = lines(out.str());
  ASSERT_EQ(written.size(), 1u);
  const Json line = Json::parse(written[0]);
  EXPECT_EQ(line["msg"], "Line one\nline two");
  EXPECT_EQ(line["detail"], "a\r\nb\x01");
}

TEST(LoggerTest, ConcurrentCallsNeverInterleave) {
  std::ostringstream out;
  Logger logger(out);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&logger, t] {
      for (int i = 0; i < kPerThread; ++i) logger.info("Handled request", {{"thread", t}, {"i", i}});
    });
  }
  for (auto& thread : threads) thread.join();
  const auto written = lines(out.str());
  ASSERT_EQ(written.size(), static_cast<size_t>(kThreads * kPerThread));
  for (const auto& line : written) {
    const Json parsed = Json::parse(line, nullptr, false);
    ASSERT_FALSE(parsed.is_discarded()) << line;
  }
}

// One thread changes the level while another logs and reads it. Without an atomic level this is a data
// race that a plain build rarely shows: ThreadSanitizer (-fsanitize=thread) is the tool that proves it.
// What a plain build checks: the reads and writes go on together, and the last level set holds.
TEST(LoggerTest, LevelChangesWhileOtherThreadsLog) {
  std::ostringstream out;
  Logger logger(out, Level::kError);
  constexpr int kReads = 2000;
  std::atomic<bool> done{false};
  std::atomic<int> reads{0};
  std::thread reader([&] {
    while (!done.load()) {
      EXPECT_TRUE(logger.enabled(Level::kError));  // every level set lets errors through
      logger.debug("Polled");                      // written only while the level is kDebug
      reads.fetch_add(1);
    }
  });
  // Change the level for as long as the reader needs to read it kReads times.
  for (int i = 0; reads.load() < kReads; ++i) logger.setMinimum(i % 2 == 0 ? Level::kDebug : Level::kError);
  logger.setMinimum(Level::kWarn);
  done.store(true);
  reader.join();
  EXPECT_FALSE(logger.enabled(Level::kInfo));
  EXPECT_TRUE(logger.enabled(Level::kWarn));
  for (const auto& line : lines(out.str())) EXPECT_EQ(Json::parse(line)["level"], "debug");
}

TEST(ParseLevelTest, AcceptsTheFourNames) {
  const std::vector<std::pair<std::string, Level>> cases = {
      {"debug", Level::kDebug}, {"info", Level::kInfo}, {"warn", Level::kWarn}, {"error", Level::kError}};
  for (const auto& [text, expected] : cases) {
    Level level = Level::kError;
    ASSERT_TRUE(parseLevel(text, level)) << text;
    EXPECT_EQ(level, expected) << text;
  }
  for (const std::string bad : {"", "INFO", "warning", "fatal", "trace"}) {
    Level level = Level::kInfo;
    EXPECT_FALSE(parseLevel(bad, level)) << bad;
    EXPECT_EQ(level, Level::kInfo) << bad;
  }
}

}  // namespace
}  // namespace agentguard::log

namespace agentguard::log {
namespace {

// Lines are written without building a JSON object; each value must read back as it was given and be
// spelled as nlohmann spells it.
TEST(LoggerTest, WritesValuesAsNlohmannDoes) {
  const std::vector<std::pair<std::string, nlohmann::json>> values = {
      {"plain", "agents/analyst"},
      {"escaped", "quote \" backslash \\ tab \t"},
      {"utf8", "caf\xC3\xA9"},
      {"negative", -42},
      {"unsigned", std::numeric_limits<uint64_t>::max()},
      {"float", 0.25},
      {"flag", false},
      {"none", nullptr},
      {"list", std::vector<std::string>{"a", "b\"c", ""}},
      {"object", {{"k", "v"}, {"n", 1}}},
  };
  std::ostringstream out;
  Logger logger(out);
  logger.info("Wrote values", {{"plain", values[0].second}, {"escaped", values[1].second}, {"utf8", values[2].second},
                               {"negative", values[3].second}, {"unsigned", values[4].second},
                               {"float", values[5].second}, {"flag", values[6].second}, {"none", values[7].second},
                               {"list", values[8].second}, {"object", values[9].second}});
  const std::string text = out.str();
  const nlohmann::json line = nlohmann::json::parse(text);
  for (const auto& [key, value] : values) {
    EXPECT_EQ(line[key], value) << key;
    EXPECT_NE(text.find("\"" + key + "\":" + value.dump()), std::string::npos) << key << " in " << text;
  }
}

// As in a JSON object, a repeated key keeps its first place and takes its last value.
TEST(LoggerTest, ARepeatedFieldAppearsOnceWithItsLastValue) {
  std::ostringstream out;
  Logger logger(out, Level::kInfo, "webhook");
  logger.info("Hello", {{"x", 1}, {"y", 2}, {"x", 3}, {"msg", "replaced"}});
  const std::string text = out.str();
  EXPECT_NE(text.find(R"("component":"webhook","msg":"replaced","x":3,"y":2})"), std::string::npos) << text;
}

}  // namespace
}  // namespace agentguard::log
