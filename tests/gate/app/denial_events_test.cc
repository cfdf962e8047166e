#include "gate/app/denial_events.h"

#include <gtest/gtest.h>

#include <sstream>

#include "common/time/manual_clock.h"

namespace agentguard::gate::app {
namespace {

TEST(DenialEventsTest, OneEventPerSandboxPerIntervalOnTheAgentSandbox) {
  std::mutex mutex;
  std::vector<nlohmann::json> posted;
  std::ostringstream logs;
  log::Logger logger(logs, log::Level::kError);
  time::ManualClock clock;
  {
    DenialEvents events(
        [&](const nlohmann::json& event) {
          std::lock_guard<std::mutex> lock(mutex);
          posted.push_back(event);
          return okStatus();
        },
        logger, std::chrono::seconds(10), clock);
    const server::Caller analyst{"agents", "analyst", "uid-s", "analyst-0", "uid-p", "analyst", "10.0.0.7"};
    server::Caller other = analyst;
    other.sandbox = "scraper";
    server::CallDecision refused;
    refused.refused = true;
    refused.tool = "delete_all";
    refused.rule = "tools.tool-not-allowed";
    refused.reason = "not listed";
    server::CallDecision allowed;
    events.decided(analyst, "mail", allowed, {});
    events.decided(analyst, "mail", refused, {});
    events.decided(analyst, "mail", refused, {});  // within the interval: dropped
    events.decided(other, "mail", refused, {});
    clock.advance(std::chrono::seconds(11));
    refused.reason = std::string(4096, 'x');  // an agent-sized reason is cut
    events.decided(analyst, "mail", refused, {});
    events.decided(server::Caller{}, "mail", refused, {});  // an unauthenticated caller has no sandbox
  }  // the destructor posts what is queued
  ASSERT_EQ(posted.size(), 3u);
  EXPECT_EQ(posted[1]["involvedObject"]["name"], "scraper");
  EXPECT_EQ(posted[2]["involvedObject"]["name"], "analyst");
  const nlohmann::json& first = posted.front();
  EXPECT_EQ(first["reason"], "ToolCallDenied");
  EXPECT_EQ(first["type"], "Warning");
  EXPECT_EQ(first["involvedObject"]["kind"], "AgentSandbox");
  EXPECT_EQ(first["involvedObject"]["name"], "analyst");
  EXPECT_EQ(first["involvedObject"]["uid"], "uid-s");
  EXPECT_NE(first["message"].get<std::string>().find("delete_all"), std::string::npos);
  EXPECT_LE(posted[2]["message"].get<std::string>().size(), 1024u);
}

}  // namespace
}  // namespace agentguard::gate::app
