#include "common/kube/watch_stream.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace agentguard::kube {
namespace {

// Events as kube-apiserver writes them on a watch (one JSON object per line).
const std::string kAdded =
    R"j({"type":"ADDED","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"a","namespace":"n",)j"
    R"j("resourceVersion":"101"},"data":{"k":"line1\nline2"}}})j";
const std::string kBookmark =
    R"j({"type":"BOOKMARK","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"resourceVersion":"150",)j"
    R"j("creationTimestamp":null}}})j";
const std::string kExpiredError =
    R"j({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)j"
    R"j("message":"too old resource version: 1 (2512)","reason":"Expired","code":410}})j";

std::vector<std::string> split(const std::vector<std::string>& chunks, WatchLineSplitter& splitter) {
  std::vector<std::string> lines;
  for (const auto& chunk : chunks) {
    auto more = splitter.feed(chunk, [&](std::string_view line) {
      lines.emplace_back(line);
      return true;
    });
    EXPECT_TRUE(more.ok() && *more);
  }
  return lines;
}

TEST(WatchLineSplitterTest, WholeLinesInOneChunk) {
  WatchLineSplitter splitter;
  EXPECT_EQ(split({kAdded + "\n" + kBookmark + "\n"}, splitter), (std::vector<std::string>{kAdded, kBookmark}));
  EXPECT_EQ(splitter.pendingBytes(), 0u);
}

TEST(WatchLineSplitterTest, LineSplitAtEveryPossiblePlace) {
  const std::string stream = kAdded + "\n" + kBookmark + "\n";
  for (size_t cut = 1; cut < stream.size(); ++cut) {
    WatchLineSplitter splitter;
    EXPECT_EQ(split({stream.substr(0, cut), stream.substr(cut)}, splitter),
              (std::vector<std::string>{kAdded, kBookmark}))
        << "cut at " << cut;
  }
}

TEST(WatchLineSplitterTest, OneByteAtATime) {
  const std::string stream = kAdded + "\n" + kBookmark + "\n";
  std::vector<std::string> chunks;
  for (char c : stream) chunks.emplace_back(1, c);
  WatchLineSplitter splitter;
  EXPECT_EQ(split(chunks, splitter), (std::vector<std::string>{kAdded, kBookmark}));
}

TEST(WatchLineSplitterTest, SkipsEmptyLinesAndCarriageReturns) {
  WatchLineSplitter splitter;
  EXPECT_EQ(split({"\n\r\n" + kAdded + "\r\n\n"}, splitter), (std::vector<std::string>{kAdded}));
}

TEST(WatchLineSplitterTest, KeepsAnUnfinishedLine) {
  WatchLineSplitter splitter;
  EXPECT_EQ(split({kAdded + "\n{\"type\":"}, splitter), (std::vector<std::string>{kAdded}));
  EXPECT_EQ(splitter.pendingBytes(), 8u);
}

TEST(WatchLineSplitterTest, StopsWhenTheConsumerSaysSo) {
  WatchLineSplitter splitter;
  int seen = 0;
  auto more = splitter.feed("a\nb\nc\n", [&](std::string_view) { return ++seen < 2; });
  ASSERT_TRUE(more.ok());
  EXPECT_FALSE(*more);
  EXPECT_EQ(seen, 2);
}

TEST(WatchLineSplitterTest, RefusesAnEndlessLine) {
  WatchLineSplitter splitter(16);
  auto first = splitter.feed("0123456789", [](std::string_view) { return true; });
  ASSERT_TRUE(first.ok());
  auto second = splitter.feed("0123456789", [](std::string_view) { return true; });
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, ErrorCode::kInvalidArgument);
}

TEST(ParseWatchEventTest, ReadsTypeAndObject) {
  auto event = parseWatchEvent(kAdded, "watch");
  ASSERT_TRUE(event.ok()) << event.error().describe();
  EXPECT_EQ(event->type, WatchEventType::kAdded);
  EXPECT_EQ(event->object["metadata"]["name"], "a");
  EXPECT_EQ(event->object["data"]["k"], "line1\nline2");  // an escaped newline is not a line end

  auto bookmark = parseWatchEvent(kBookmark, "watch");
  ASSERT_TRUE(bookmark.ok());
  EXPECT_EQ(bookmark->type, WatchEventType::kBookmark);
  EXPECT_EQ(bookmark->object["metadata"]["resourceVersion"], "150");

  for (const auto& [name, type] : {std::pair{"MODIFIED", WatchEventType::kModified},
                                   std::pair{"DELETED", WatchEventType::kDeleted}}) {
    auto other = parseWatchEvent(std::string(R"j({"type":")j") + name + R"j(","object":{}})j", "watch");
    ASSERT_TRUE(other.ok());
    EXPECT_EQ(other->type, type);
  }
}

TEST(ParseWatchEventTest, ExpiredErrorEventIsGone) {
  auto event = parseWatchEvent(kExpiredError, "watch /api/v1/configmaps");
  ASSERT_FALSE(event.ok());
  EXPECT_EQ(event.error().code, ErrorCode::kGone);
  EXPECT_EQ(event.error().message, "watch /api/v1/configmaps: too old resource version: 1 (2512)");
}

TEST(ParseWatchEventTest, OtherErrorEventsKeepTheirCode) {
  const std::string tooLarge =
      R"j({"type":"ERROR","object":{"kind":"Status","status":"Failure","message":"Too large resource version",)j"
      R"j("reason":"Timeout","details":{"retryAfterSeconds":1},"code":504}})j";
  auto event = parseWatchEvent(tooLarge, "watch");
  ASSERT_FALSE(event.ok());
  EXPECT_EQ(event.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(event.error().retryAfter, std::chrono::milliseconds(1000));
}

TEST(ParseWatchEventTest, RejectsLinesThatAreNotEvents) {
  EXPECT_EQ(parseWatchEvent("{not json", "watch").error().code, ErrorCode::kInternal);
  EXPECT_EQ(parseWatchEvent(R"j({"kind":"Status"})j", "watch").error().code, ErrorCode::kInternal);
  EXPECT_EQ(parseWatchEvent(R"j({"type":"SURPRISE","object":{}})j", "watch").error().code, ErrorCode::kInternal);
  EXPECT_EQ(parseWatchEvent(R"j([1,2])j", "watch").error().code, ErrorCode::kInternal);
}

}  // namespace
}  // namespace agentguard::kube
