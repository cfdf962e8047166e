// Watches against the real API server: event order, ends (stop, server timeout, handler), bookmarks and
// 410 Gone.

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <thread>

#include "common/kube/kube_client.h"
#include "tests/kube/kube_cluster_test.h"

namespace agentguard::kube::testing {
namespace {

// Runs a watch on its own thread and records what it delivers.
class WatchRecorder {
 public:
  WatchRecorder(KubeClient& client, const Resource& resource, const std::string& ns, WatchOptions options) {
    options.onEstablished = [this] { established_ = true; };
    result_ = std::async(std::launch::async, [this, &client, resource, ns, options] {
      return client.watch(resource, ns, options, [this](WatchEvent&& event) {
        std::lock_guard<std::mutex> lock(mutex_);
        events_.push_back(std::move(event));
        return true;
      }, stop_);
    });
  }
  ~WatchRecorder() {
    stop_.stop();
    if (result_.valid()) result_.wait();
  }

  bool waitEstablished() { return waitFor([this] { return established_.load(); }, 30s, 10ms); }
  bool waitForEvents(size_t count) {
    return waitFor([&] { return events().size() >= count; }, 30s, 10ms);
  }
  std::vector<WatchEvent> events() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return events_;
  }
  // Stops the watch and returns how it ended.
  Status stop() {
    stop_.stop();
    return result_.get();
  }
  // Waits for the watch to end by itself.
  std::optional<Status> finish(std::chrono::seconds deadline) {
    if (result_.wait_for(deadline) != std::future_status::ready) return std::nullopt;
    return result_.get();
  }

 private:
  StopSignal stop_;
  std::atomic<bool> established_{false};
  mutable std::mutex mutex_;
  std::vector<WatchEvent> events_;
  std::future<Status> result_;
};

class WatchTest : public KubeClusterTest {};

TEST_F(WatchTest, DeliversAddedModifiedDeletedInOrder) {
  const std::string ns = createNamespace();
  auto listed = client().list(resources::configMaps(), ns);
  ASSERT_TRUE(listed.ok()) << listed.error().describe();
  WatchOptions options;
  options.resourceVersion = listed->resourceVersion;
  WatchRecorder watch(client(), resources::configMaps(), ns, options);
  ASSERT_TRUE(watch.waitEstablished());

  auto created = client().create(resources::configMaps(), ns, configMap("watched", {{"v", "1"}}));
  ASSERT_TRUE(created.ok()) << created.error().describe();
  // An object far larger than one read (64 KiB), so its event arrives in many pieces.
  const std::string big(300 * 1024, 'x');
  ASSERT_TRUE(client().mergePatch(resources::configMaps(), ns, "watched", {{"data", {{"v", big}}}}).ok());
  ASSERT_TRUE(client().remove(resources::configMaps(), ns, "watched").ok());

  // Only events of "watched": the root CA publisher adds kube-root-ca.crt to new namespaces meanwhile.
  const auto ours = [&] {
    std::vector<WatchEvent> events;
    for (auto& event : watch.events()) {
      if (event.type != WatchEventType::kBookmark && event.object["metadata"]["name"] == "watched") {
        events.push_back(std::move(event));
      }
    }
    return events;
  };
  ASSERT_TRUE(waitFor([&] { return ours().size() >= 3; }, 30s, 10ms));
  const Status ended = watch.stop();
  EXPECT_TRUE(ended.ok()) << ended.error().describe();
  const std::vector<WatchEvent> events = ours();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].type, WatchEventType::kAdded);
  EXPECT_EQ(events[1].type, WatchEventType::kModified);
  EXPECT_EQ(events[2].type, WatchEventType::kDeleted);
  for (const auto& event : events) EXPECT_EQ(event.object["metadata"]["name"], "watched");
  EXPECT_EQ(events[0].object["data"]["v"], "1");
  EXPECT_EQ(events[1].object["data"]["v"], big);
  EXPECT_EQ(events[0].object["kind"], "ConfigMap");
}

TEST_F(WatchTest, LabelSelectorFiltersEvents) {
  const std::string ns = createNamespace();
  WatchOptions options;
  options.labelSelector = "watched=yes";
  WatchRecorder watch(client(), resources::configMaps(), ns, options);
  ASSERT_TRUE(watch.waitEstablished());
  ASSERT_TRUE(client().create(resources::configMaps(), ns, configMap("ignored", {}, {{"watched", "no"}})).ok());
  ASSERT_TRUE(client().create(resources::configMaps(), ns, configMap("seen", {}, {{"watched", "yes"}})).ok());
  ASSERT_TRUE(watch.waitForEvents(1));
  ASSERT_TRUE(watch.stop().ok());
  const auto events = watch.events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].object["metadata"]["name"], "seen");
}

TEST_F(WatchTest, StopSignalEndsAQuietWatchPromptly) {
  const std::string ns = createNamespace();
  WatchRecorder watch(client(), resources::configMaps(), ns, WatchOptions{});
  ASSERT_TRUE(watch.waitEstablished());
  const auto begun = std::chrono::steady_clock::now();
  const Status ended = watch.stop();
  EXPECT_TRUE(ended.ok()) << ended.error().describe();
  EXPECT_LT(std::chrono::steady_clock::now() - begun, 2s);
}

TEST_F(WatchTest, StopSignalAlreadyGivenReturnsAtOnce) {
  StopSignal stop;
  stop.stop();
  const Status ended = client().watch(resources::configMaps(), "default", {}, [](WatchEvent&&) { return true; }, stop);
  EXPECT_TRUE(ended.ok());
}

TEST_F(WatchTest, ServerTimeoutEndsTheWatchCleanly) {
  const std::string ns = createNamespace();
  auto listed = client().list(resources::configMaps(), ns);
  ASSERT_TRUE(listed.ok());
  WatchOptions options;
  options.resourceVersion = listed->resourceVersion;
  options.timeoutSeconds = 4;
  options.allowBookmarks = true;
  WatchRecorder watch(client(), resources::configMaps(), ns, options);
  const auto ended = watch.finish(30s);
  ASSERT_TRUE(ended.has_value()) << "the server did not end the watch after timeoutSeconds";
  EXPECT_TRUE(ended->ok()) << ended->error().describe();
  // The watch cache may send a bookmark shortly before the deadline (best effort, so not required).
  for (const auto& event : watch.events()) {
    if (event.type == WatchEventType::kBookmark) {
      EXPECT_FALSE(resourceVersionOf(event.object).empty());
    }
  }
}

TEST_F(WatchTest, HandlerReturningFalseEndsTheWatch) {
  const std::string ns = createNamespace();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(client().create(resources::configMaps(), ns, configMap("cm" + std::to_string(i))).ok());
  }
  WatchOptions options;
  options.resourceVersion = "0";  // from the cache: synthetic ADDED events for what exists
  int seen = 0;
  StopSignal stop;
  const Status ended = client().watch(resources::configMaps(), ns, options, [&](WatchEvent&& event) {
    if (event.type == WatchEventType::kAdded) ++seen;
    return seen < 2;
  }, stop);
  EXPECT_TRUE(ended.ok()) << ended.error().describe();
  EXPECT_EQ(seen, 2);
}

TEST_F(WatchTest, WatchFromBeforeAnApiServerRestartIsGone) {
  // A restarted server's watch cache starts at the current version: anything older is answered with an
  // ERROR event carrying 410 (the cache otherwise keeps a window of old versions, so a restart is the
  // reliable way to get one).
  std::string error;
  ASSERT_TRUE(cluster().restartApiServer(&error)) << error;
  const std::string ns = createNamespace();  // after the restart, through the same client (its pool reconnects)
  WatchOptions options;
  options.resourceVersion = "1";
  StopSignal stop;
  int delivered = 0;
  const Status ended = client().watch(resources::configMaps(), ns, options, [&](WatchEvent&&) {
    ++delivered;
    return true;
  }, stop);
  ASSERT_FALSE(ended.ok());
  EXPECT_EQ(ended.error().code, ErrorCode::kGone) << ended.error().describe();
  EXPECT_NE(ended.error().message.find("too old resource version"), std::string::npos) << ended.error().message;
  EXPECT_EQ(delivered, 0);
}

TEST_F(WatchTest, ForbiddenWatchIsReportedAsSuch) {
  ClusterConfig anonymous = config();
  anonymous.token = "not-a-token";
  auto made = makeKubeClient(anonymous);
  ASSERT_TRUE(made.ok());
  StopSignal stop;
  const Status ended = (*made)->watch(resources::configMaps(), "default", {}, [](WatchEvent&&) { return true; }, stop);
  ASSERT_FALSE(ended.ok());
  EXPECT_EQ(ended.error().code, ErrorCode::kForbidden) << ended.error().describe();
}

}  // namespace
}  // namespace agentguard::kube::testing
