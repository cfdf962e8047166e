// Informers against the real API server: initial list, event delivery, re-list after 410 Gone, recovery
// after a kube-apiserver restart, resync, and behaviour while the server is unreachable.

#include "common/kube/informer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "tests/kube/kube_cluster_test.h"

namespace agentguard::kube::testing {
namespace {

// Forwards to the real client; tests override what they need to observe or disturb.
class ForwardingClient : public KubeClient {
 public:
  explicit ForwardingClient(KubeClient& inner) : inner_(inner) {}
  Result<Json> get(const Resource& r, std::string_view ns, std::string_view name, std::string_view sub) override {
    return inner_.get(r, ns, name, sub);
  }
  Result<ObjectList> list(const Resource& r, std::string_view ns, const ListOptions& options) override {
    ++lists;
    return inner_.list(r, ns, options);
  }
  Result<Json> create(const Resource& r, std::string_view ns, const Json& body, const WriteOptions& o) override {
    return inner_.create(r, ns, body, o);
  }
  Result<Json> replace(const Resource& r, std::string_view ns, std::string_view name, const Json& body,
                       std::string_view sub, const WriteOptions& o) override {
    return inner_.replace(r, ns, name, body, sub, o);
  }
  Result<Json> mergePatch(const Resource& r, std::string_view ns, std::string_view name, const Json& patch,
                          std::string_view sub, const WriteOptions& o) override {
    return inner_.mergePatch(r, ns, name, patch, sub, o);
  }
  Result<Json> apply(const Resource& r, std::string_view ns, std::string_view name, const Json& body,
                     std::string_view sub, const WriteOptions& o) override {
    return inner_.apply(r, ns, name, body, sub, o);
  }
  Status remove(const Resource& r, std::string_view ns, std::string_view name, const DeleteOptions& o) override {
    return inner_.remove(r, ns, name, o);
  }
  Status watch(const Resource& r, std::string_view ns, const WatchOptions& options,
               const std::function<bool(WatchEvent&&)>& onEvent, const StopSignal& stop) override {
    ++watches;
    return inner_.watch(r, ns, options, onEvent, stop);
  }

  std::atomic<int> lists{0};
  std::atomic<int> watches{0};

 protected:
  KubeClient& inner_;
};

// Loses events the way a broken connection does, then ends that watch with 410 Gone, as the server does
// when the informer's resourceVersion has left its watch window. The 410 is made here rather than provoked:
// the only reliable way to get one from kube-apiserver v1.37 is a restart (its watch cache keeps a window of
// old versions otherwise); WatchTest.WatchFromBeforeAnApiServerRestartIsGone checks the real one.
class EventLosingClient final : public ForwardingClient {
 public:
  using ForwardingClient::ForwardingClient;

  void loseNextEvents(int count) { toLose_ = count; }
  int gone() const { return gone_; }

  Status watch(const Resource& r, std::string_view ns, const WatchOptions& options,
               const std::function<bool(WatchEvent&&)>& onEvent, const StopSignal& stop) override {
    bool expired = false;
    const Status status = ForwardingClient::watch(
        r, ns, options,
        [&](WatchEvent&& event) {
          if (event.type == WatchEventType::kBookmark || toLose_ <= 0) return onEvent(std::move(event));
          if (--toLose_ == 0) {
            expired = true;
            return false;
          }
          return true;
        },
        stop);
    if (!expired) return status;
    ++gone_;
    return makeError(ErrorCode::kGone, "watch: too old resource version: " + options.resourceVersion);
  }

 private:
  std::atomic<int> toLose_{0};
  std::atomic<int> gone_{0};
};

// What the handlers were told, checked against the rules an informer must keep: an add only for an
// unknown object, an update or delete only for a known one. `mirror` is rebuilt from the events alone.
class HandlerRecord {
 public:
  InformerHandlers handlers() {
    InformerHandlers h;
    h.onAdd = [this](const SharedObject& object) {
      std::lock_guard<std::mutex> lock(mutex_);
      const std::string name = nameOf(*object);
      if (!mirror_.emplace(name, resourceVersionOf(*object)).second) violations_.push_back("duplicate add " + name);
      log_.push_back("add:" + name);
    };
    h.onUpdate = [this](const SharedObject& previous, const SharedObject& current) {
      std::lock_guard<std::mutex> lock(mutex_);
      const std::string name = nameOf(*current);
      if (previous == current) {
        ++resyncs_;
        return;
      }
      if (mirror_.count(name) == 0) violations_.push_back("update of unknown " + name);
      if (nameOf(*previous) != name) violations_.push_back("update pairs different objects " + name);
      mirror_[name] = resourceVersionOf(*current);
      log_.push_back("update:" + name);
    };
    h.onDelete = [this](const SharedObject& object) {
      std::lock_guard<std::mutex> lock(mutex_);
      const std::string name = nameOf(*object);
      if (mirror_.erase(name) == 0) violations_.push_back("delete of unknown " + name);
      log_.push_back("delete:" + name);
    };
    return h;
  }

  std::vector<std::string> log() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return log_;
  }
  std::map<std::string, std::string> mirror() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return mirror_;
  }
  std::vector<std::string> violations() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return violations_;
  }
  int resyncs() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return resyncs_;
  }

 private:
  static std::string nameOf(const Json& object) { return object["metadata"]["name"]; }

  mutable std::mutex mutex_;
  std::vector<std::string> log_;
  std::map<std::string, std::string> mirror_;  // name -> resourceVersion
  std::vector<std::string> violations_;
  int resyncs_ = 0;
};

// name -> resourceVersion
std::map<std::string, std::string> versionsOf(const std::vector<SharedObject>& objects) {
  std::map<std::string, std::string> out;
  for (const auto& object : objects) out[(*object)["metadata"]["name"]] = resourceVersionOf(*object);
  return out;
}

class InformerTest : public KubeClusterTest {
 protected:
  void TearDown() override {
    if (HasFailure()) std::cerr << "Informer logs:\n" << logs_.str();
    KubeClusterTest::TearDown();
  }

  // Objects of the test carry this label; the namespace's own kube-root-ca.crt does not.
  static constexpr const char* kSelector = "informer-test=yes";

  static Json labeled(const std::string& name, Json data = Json::object()) {
    return configMap(name, std::move(data), {{"informer-test", "yes"}});
  }

  InformerOptions optionsFor(const std::string& ns) {
    InformerOptions options;
    options.ns = ns;
    options.labelSelector = kSelector;
    options.backoff = retry::BackoffPolicy{std::chrono::milliseconds(100), std::chrono::milliseconds(2000), 2.0, 0.5};
    return options;
  }

  std::map<std::string, std::string> serverVersions(const std::string& ns) {
    ListOptions options;
    options.labelSelector = kSelector;
    auto listed = client().listAll(resources::configMaps(), ns, options);
    EXPECT_TRUE(listed.ok()) << listed.error().describe();
    std::map<std::string, std::string> out;
    if (listed.ok()) {
      for (const auto& item : listed->items) out[item["metadata"]["name"]] = resourceVersionOf(item);
    }
    return out;
  }

  void createOrFail(const std::string& ns, const std::string& name) {
    auto created = client().create(resources::configMaps(), ns, labeled(name, {{"v", "0"}}));
    ASSERT_TRUE(created.ok()) << created.error().describe();
  }

  std::ostringstream logs_;
  log::Logger logger_{logs_, log::Level::kWarn};
};

TEST_F(InformerTest, ListsThenDeliversEachChangeInOrder) {
  const std::string ns = createNamespace();
  for (const char* name : {"a", "b", "c"}) createOrFail(ns, name);

  Informer informer(client(), resources::configMaps(), optionsFor(ns), logger_);
  HandlerRecord record;
  informer.addHandlers(record.handlers());
  EXPECT_FALSE(informer.hasSynced());
  informer.start();
  ASSERT_TRUE(waitFor([&] { return informer.hasSynced() && informer.connected(); }, 30s, 10ms));
  EXPECT_EQ(versionsOf(informer.list(ns)), serverVersions(ns));
  EXPECT_EQ(informer.list("other-namespace").size(), 0u);

  createOrFail(ns, "d");
  ASSERT_TRUE(client().mergePatch(resources::configMaps(), ns, "a", {{"data", {{"v", "1"}}}}).ok());
  ASSERT_TRUE(client().mergePatch(resources::configMaps(), ns, "a", {{"data", {{"v", "2"}}}}).ok());
  ASSERT_TRUE(client().remove(resources::configMaps(), ns, "b").ok());

  const std::vector<std::string> expected = {"add:a",    "add:b",    "add:c",   "add:d",
                                             "update:a", "update:a", "delete:b"};
  ASSERT_TRUE(waitFor([&] { return record.log().size() >= expected.size(); }, 30s, 10ms));
  auto log = record.log();
  std::sort(log.begin(), log.begin() + 3);  // the initial list has no order of its own
  EXPECT_EQ(log, expected);
  EXPECT_TRUE(record.violations().empty()) << ::testing::PrintToString(record.violations());

  const SharedObject a = informer.get(ns, "a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ((*a)["data"]["v"], "2");
  EXPECT_EQ(informer.get(ns, "b"), nullptr);
  EXPECT_EQ(versionsOf(informer.list(ns)), serverVersions(ns));
  EXPECT_EQ(versionsOf(informer.list()), serverVersions(ns));
  informer.stop();
  EXPECT_FALSE(informer.connected());
  EXPECT_TRUE(informer.hasSynced());
}

TEST_F(InformerTest, InitialListIsPaged) {
  const std::string ns = createNamespace();
  for (int i = 0; i < 30; ++i) createOrFail(ns, "cm-" + std::to_string(i));
  ForwardingClient counting(client());
  InformerOptions options = optionsFor(ns);
  options.pageSize = 7;
  Informer informer(counting, resources::configMaps(), options, logger_);
  informer.start();
  ASSERT_TRUE(waitFor([&] { return informer.hasSynced(); }, 30s, 10ms));
  EXPECT_EQ(informer.list(ns).size(), 30u);
  EXPECT_EQ(counting.lists.load(), 5);  // 7 + 7 + 7 + 7 + 2
}

TEST_F(InformerTest, RelistAfterGoneDeliversExactlyTheMissedChanges) {
  const std::string ns = createNamespace();
  for (const char* name : {"a", "b", "c"}) createOrFail(ns, name);
  EventLosingClient losing(client());
  Informer informer(losing, resources::configMaps(), optionsFor(ns), logger_);
  HandlerRecord record;
  informer.addHandlers(record.handlers());
  informer.start();
  ASSERT_TRUE(waitFor([&] { return informer.hasSynced() && informer.connected(); }, 30s, 10ms));
  const SharedObject unchanged = informer.get(ns, "c");
  ASSERT_NE(unchanged, nullptr);

  losing.loseNextEvents(3);
  ASSERT_TRUE(client().remove(resources::configMaps(), ns, "a").ok());
  ASSERT_TRUE(client().mergePatch(resources::configMaps(), ns, "b", {{"data", {{"v", "changed"}}}}).ok());
  createOrFail(ns, "d");

  ASSERT_TRUE(waitFor([&] { return record.log().size() >= 6; }, 30s, 10ms)) << ::testing::PrintToString(record.log());
  EXPECT_EQ(losing.gone(), 1);
  EXPECT_GE(losing.lists.load(), 2);
  auto log = record.log();
  const std::set<std::string> afterRelist(log.begin() + 3, log.end());
  EXPECT_EQ(afterRelist, (std::set<std::string>{"delete:a", "update:b", "add:d"}));
  EXPECT_EQ(log.size(), 6u);
  EXPECT_TRUE(record.violations().empty()) << ::testing::PrintToString(record.violations());
  EXPECT_EQ(informer.get(ns, "c"), unchanged) << "an unchanged object keeps its cached instance";
  EXPECT_EQ(versionsOf(informer.list(ns)), serverVersions(ns));
  ASSERT_TRUE(waitFor([&] { return informer.connected(); }, 30s, 10ms));

  // And the new watch carries on from the re-list.
  createOrFail(ns, "e");
  ASSERT_TRUE(waitFor([&] { return informer.get(ns, "e") != nullptr; }, 30s, 10ms));
}

TEST_F(InformerTest, KeepsAConsistentCacheAcrossAnApiServerRestart) {
  const std::string ns = createNamespace();
  for (int i = 0; i < 10; ++i) createOrFail(ns, "before-" + std::to_string(i));
  ForwardingClient counting(client());
  Informer informer(counting, resources::configMaps(), optionsFor(ns), logger_);
  HandlerRecord record;
  informer.addHandlers(record.handlers());
  informer.start();
  ASSERT_TRUE(waitFor([&] { return informer.hasSynced() && informer.connected(); }, 30s, 10ms));

  // A writer keeps changing objects while kube-apiserver goes away and comes back; each write is retried
  // until the server takes it (an AlreadyExists/NotFound means an earlier try did land).
  std::atomic<bool> writing{true};
  std::atomic<int> written{0};
  std::thread writer([&] {
    for (int i = 0; writing && i < 40; ++i) {
      const std::string name = "during-" + std::to_string(i);
      while (writing) {
        auto created = client().create(resources::configMaps(), ns, labeled(name));
        if (created.ok() || created.error().code == ErrorCode::kAlreadyExists) break;
        std::this_thread::sleep_for(50ms);  // the server is down: pace the retries
      }
      if (i % 3 == 0) {
        while (writing) {
          const Status removed = client().remove(resources::configMaps(), ns, "before-" + std::to_string(i / 3));
          if (removed.ok() || removed.error().code == ErrorCode::kNotFound) break;
          std::this_thread::sleep_for(50ms);
        }
      }
      ++written;
    }
  });
  ASSERT_TRUE(waitFor([&] { return written >= 5; }, 30s, 10ms));
  std::string error;
  const bool restarted = cluster().restartApiServer(&error);
  writing = restarted;
  writer.join();
  ASSERT_TRUE(restarted) << error;
  auto patched = client().mergePatch(resources::configMaps(), ns, "during-1", {{"data", {{"v", "after"}}}});
  ASSERT_TRUE(patched.ok()) << patched.error().describe();
  createOrFail(ns, "after");

  ASSERT_TRUE(waitFor([&] { return versionsOf(informer.list(ns)) == serverVersions(ns); }, 60s, 50ms))
      << "cache: " << ::testing::PrintToString(versionsOf(informer.list(ns)))
      << "\nserver: " << ::testing::PrintToString(serverVersions(ns));
  EXPECT_EQ(record.mirror(), serverVersions(ns)) << "the handlers' view differs from the server";
  EXPECT_TRUE(record.violations().empty()) << ::testing::PrintToString(record.violations());
  EXPECT_EQ(written.load(), 40);
  EXPECT_TRUE(waitFor([&] { return informer.connected(); }, 30s, 10ms));
  EXPECT_GE(counting.watches.load(), 2) << "the watch was never re-established";
  // Usually the restarted server answers the old resourceVersion with 410 Gone and the informer re-lists;
  // when no write landed while it was away, the watch resumes instead. Both must end consistent.
  RecordProperty("lists", counting.lists.load());
}

TEST_F(InformerTest, ResyncRedeliversEveryCachedObject) {
  const std::string ns = createNamespace();
  createOrFail(ns, "a");
  createOrFail(ns, "b");
  InformerOptions options = optionsFor(ns);
  options.resyncPeriod = std::chrono::seconds(1);
  Informer informer(client(), resources::configMaps(), options, logger_);
  HandlerRecord record;
  informer.addHandlers(record.handlers());
  informer.start();
  // Two rounds over two objects, on a quiet watch.
  EXPECT_TRUE(waitFor([&] { return record.resyncs() >= 4; }, 30s, 20ms));
  EXPECT_TRUE(record.violations().empty());
}

TEST_F(InformerTest, ThrowingHandlerDoesNotStopDelivery) {
  const std::string ns = createNamespace();
  Informer informer(client(), resources::configMaps(), optionsFor(ns), logger_);
  std::atomic<int> added{0};
  InformerHandlers throwing;
  throwing.onAdd = [](const SharedObject&) { throw std::runtime_error("handler bug"); };
  InformerHandlers counting;
  counting.onAdd = [&](const SharedObject&) { ++added; };
  informer.addHandlers(throwing);
  informer.addHandlers(counting);
  informer.start();
  ASSERT_TRUE(waitFor([&] { return informer.connected(); }, 30s, 10ms));
  createOrFail(ns, "x");
  createOrFail(ns, "y");
  EXPECT_TRUE(waitFor([&] { return added == 2; }, 30s, 10ms));
}

TEST_F(InformerTest, StopsPromptlyWhileTheServerIsUnreachable) {
  ClusterConfig unreachable = config();
  unreachable.server = "https://127.0.0.1:1";  // nothing listens on port 1
  auto made = makeKubeClient(unreachable);
  ASSERT_TRUE(made.ok());
  ForwardingClient counting(**made);
  InformerOptions options = optionsFor("default");
  options.backoff = retry::BackoffPolicy{std::chrono::milliseconds(50), std::chrono::milliseconds(30000), 2.0, 0.0};
  Informer informer(counting, resources::configMaps(), options, logger_);
  informer.start();
  // Retries back off: 50, 100, 200, 400 ms...
  ASSERT_TRUE(waitFor([&] { return counting.lists >= 4; }, 30s, 10ms));
  EXPECT_FALSE(informer.hasSynced());
  EXPECT_FALSE(informer.connected());
  const auto begun = std::chrono::steady_clock::now();
  informer.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - begun, 2s);
  const int lists = counting.lists;
  EXPECT_LE(lists, 12);
}

}  // namespace
}  // namespace agentguard::kube::testing
