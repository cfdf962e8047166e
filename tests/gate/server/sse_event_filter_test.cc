#include "gate/server/sse_event_filter.h"

#include <gtest/gtest.h>

namespace agentguard::gate::server {
namespace {

SseEventFilter upperCaser(size_t limit = 1024) {
  return SseEventFilter(
      [](const std::string& data) -> std::optional<std::string> {
        if (data == "refuse") return std::nullopt;
        std::string upper = data;
        for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        return upper;
      },
      limit);
}

TEST(SseEventFilterTest, RewritesDataAndKeepsTheOtherFields) {
  SseEventFilter filter = upperCaser();
  std::string out;
  ASSERT_TRUE(filter.feed("event: message\nid: 7\ndata: abc\n\n", out));
  EXPECT_EQ(out, "event: message\nid: 7\ndata: ABC\n\n");
}

TEST(SseEventFilterTest, EventsSplitAcrossReadsComeOutWhole) {
  SseEventFilter filter = upperCaser();
  std::string out;
  ASSERT_TRUE(filter.feed("data: a", out));
  EXPECT_EQ(out, "");
  ASSERT_TRUE(filter.feed("b\r", out));
  EXPECT_EQ(out, "");
  ASSERT_TRUE(filter.feed("\n\r\ndata: c\n\n", out));
  EXPECT_EQ(out, "data: AB\n\ndata: C\n\n");
}

TEST(SseEventFilterTest, MultiLineDataIsJoinedBeforeTheTransform) {
  SseEventFilter filter = upperCaser();
  std::string out;
  ASSERT_TRUE(filter.feed("data: {\"a\":\ndata: 1}\n\n", out));
  EXPECT_EQ(out, "data: {\"A\":\n1}\n\n");
}

TEST(SseEventFilterTest, RefusedEventsAreDroppedAndCommentsKept) {
  SseEventFilter filter = upperCaser();
  std::string out;
  ASSERT_TRUE(filter.feed(": keep-alive\n\ndata: refuse\n\ndata: ok\n\n", out));
  EXPECT_EQ(out, ": keep-alive\n\ndata: OK\n\n");
}

TEST(SseEventFilterTest, AnEventOverTheLimitFails) {
  SseEventFilter filter = upperCaser(16);
  std::string out;
  EXPECT_FALSE(filter.feed("data: " + std::string(64, 'x'), out));
}

TEST(SseEventFilterTest, TheUnterminatedLastEventIsRewrittenAtTheEnd) {
  SseEventFilter filter = upperCaser();
  std::string out;
  ASSERT_TRUE(filter.feed("data: tail", out));
  filter.finish(out);
  EXPECT_EQ(out, "data: TAIL\n\n");
}

}  // namespace
}  // namespace agentguard::gate::server
