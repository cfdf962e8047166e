// The informer-backed Pod reads of caller authentication, driven by a scripted API server: nothing is
// answered before the first list, watch events (delete, recreate, new address) reach the decision, and a
// broken watch refuses every caller until the re-list that follows it is stored.

#include "gate/auth/caller_lookup.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <sstream>
#include <thread>

#include "gate/auth/caller_authenticator.h"
#include "tests/gate/auth/fake_caller_lookup.h"

namespace agentguard::gate {
namespace {

using namespace std::chrono_literals;
using testing::boundTokenStatus;
using testing::Json;
using testing::sandboxPod;

bool eventually(const std::function<bool()>& predicate) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!predicate()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// An API server of one namespace's Pods: lists answer `pods` (or fail while `listsFail`), a watch
// delivers what the test pushes until the test breaks it. TokenReviews answer from `reviews`.
class ScriptedApiServer final : public kube::KubeClient {
 public:
  std::map<std::string, Json> reviews;  // token -> TokenReview status

  void setPod(const Json& pod) {
    std::lock_guard<std::mutex> lock(mutex_);
    pods_[pod["metadata"]["name"].get<std::string>()] = pod;
  }
  void erasePod(const std::string& name) {
    std::lock_guard<std::mutex> lock(mutex_);
    pods_.erase(name);
  }
  void setListsFail(bool fail) { listsFail_ = fail; }
  // Queues a watch event for the running (or next) watch.
  void push(kube::WatchEventType type, Json object) {
    std::lock_guard<std::mutex> lock(mutex_);
    object["metadata"]["resourceVersion"] = std::to_string(++version_);
    events_.push_back({type, std::move(object)});
    changed_.notify_all();
  }
  // The running watch ends with a connection failure.
  void breakWatch() {
    std::lock_guard<std::mutex> lock(mutex_);
    broken_ = true;
    changed_.notify_all();
  }
  int lists() const { return lists_; }
  std::string lastLabelSelector() {
    std::lock_guard<std::mutex> lock(mutex_);
    return labelSelector_;
  }

  Result<kube::ObjectList> list(const kube::Resource&, std::string_view, const kube::ListOptions& options) override {
    ++lists_;
    if (listsFail_) return makeError(ErrorCode::kUnavailable, "connection refused");
    std::lock_guard<std::mutex> lock(mutex_);
    labelSelector_ = options.labelSelector;
    kube::ObjectList listed;
    for (const auto& [name, pod] : pods_) listed.items.push_back(pod);
    listed.resourceVersion = std::to_string(++version_);
    events_.clear();  // what happened before the list is in it
    return listed;
  }
  Status watch(const kube::Resource&, std::string_view, const kube::WatchOptions& options,
               const std::function<bool(kube::WatchEvent&&)>& onEvent, const kube::StopSignal& stop) override {
    if (options.onEstablished) options.onEstablished();
    while (!stop.stopped()) {
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait_for(lock, 10ms, [this] { return broken_ || !events_.empty(); });
      if (broken_) {
        broken_ = false;
        return makeError(ErrorCode::kUnavailable, "connection reset by peer");
      }
      if (events_.empty()) continue;
      kube::WatchEvent event = std::move(events_.front());
      events_.pop_front();
      lock.unlock();
      if (!onEvent(std::move(event))) return okStatus();
    }
    return okStatus();
  }
  Result<Json> create(const kube::Resource&, std::string_view, const Json& body, const kube::WriteOptions&) override {
    const auto found = reviews.find(body.at("/spec/token"_json_pointer).get<std::string>());
    Json created = body;
    created["status"] = found == reviews.end() ? Json{{"authenticated", false}} : found->second;
    return created;
  }
  Result<Json> get(const kube::Resource&, std::string_view, std::string_view, std::string_view) override {
    return unexpected();
  }
  Result<Json> replace(const kube::Resource&, std::string_view, std::string_view, const Json&, std::string_view,
                       const kube::WriteOptions&) override {
    return unexpected();
  }
  Result<Json> mergePatch(const kube::Resource&, std::string_view, std::string_view, const Json&, std::string_view,
                          const kube::WriteOptions&) override {
    return unexpected();
  }
  Result<Json> apply(const kube::Resource&, std::string_view, std::string_view, const Json&, std::string_view,
                     const kube::WriteOptions&) override {
    return unexpected();
  }
  Status remove(const kube::Resource&, std::string_view, std::string_view, const kube::DeleteOptions&) override {
    return unexpected();
  }

 private:
  // The lookup reads Pods from its cache only: a GET would be the per-call round trip it replaces.
  static Error unexpected() {
    ADD_FAILURE() << "the Pod lookup called the API server outside list, watch and TokenReview";
    return makeError(ErrorCode::kInternal, "unexpected call");
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, Json> pods_;
  std::deque<kube::WatchEvent> events_;
  std::string labelSelector_;
  bool broken_ = false;
  int64_t version_ = 100;
  std::atomic<bool> listsFail_{false};
  std::atomic<int> lists_{0};
};

class PodInformerLookupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.setPod(sandboxPod("agents", "analyst-0", "pod-uid", "10.0.0.5"));
    server_.reviews[kToken] = boundTokenStatus("agents", "agent", "analyst-0", "pod-uid");
    kube::InformerOptions options;
    options.backoff.base = 5ms;
    options.backoff.cap = 20ms;
    lookup_ = std::make_unique<PodInformerLookup>(server_, "agents", logger_, options);
    AuthenticatorOptions authOptions;
    authOptions.namespaceName = "agents";
    authenticator_ = makeCallerAuthenticator(*lookup_, authOptions);
  }
  void TearDown() override { lookup_->stop(); }

  void startSynced() {
    lookup_->start();
    ASSERT_TRUE(eventually([&] { return lookup_->current(); }));
  }
  Result<Caller> call(const std::string& ip = "10.0.0.5") { return authenticator_->authenticate(kToken, ip); }
  // Waits until a call is refused with `message` (the watch event has been applied).
  bool refusedWith(const std::string& message) {
    return eventually([&] {
      const auto caller = call();
      return !caller.ok() && caller.error().message == message;
    });
  }

  static constexpr const char* kToken = "token-of-analyst-0";
  std::ostringstream logs_;
  log::Logger logger_{logs_, log::Level::kDebug};
  ScriptedApiServer server_;
  std::unique_ptr<PodInformerLookup> lookup_;
  std::unique_ptr<CallerAuthenticator> authenticator_;
};

TEST_F(PodInformerLookupTest, CachesOnlySandboxPods) {
  startSynced();
  EXPECT_EQ(server_.lastLabelSelector(), "agentguard.io/sandbox");
  const auto caller = call();
  ASSERT_TRUE(caller.ok()) << caller.error().describe();
  EXPECT_EQ(caller->pod, "analyst-0");
  EXPECT_EQ(caller->sandbox, "analyst");
}

TEST_F(PodInformerLookupTest, CallsBeforeTheFirstListAreUnavailable) {
  server_.setListsFail(true);
  lookup_->start();
  ASSERT_TRUE(eventually([&] { return server_.lists() >= 2; }));
  const auto caller = call();
  ASSERT_FALSE(caller.ok());
  EXPECT_EQ(caller.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(caller.error().message.find("the gate's cache of the Pods of namespace agents is not in step with the API "
                                        "server"),
            std::string::npos)
      << caller.error().message;
  const auto byIp = authenticator_->identifyBySourceIp("10.0.0.5");
  ASSERT_FALSE(byIp.ok());
  EXPECT_EQ(byIp.error().code, ErrorCode::kUnavailable);
  server_.setListsFail(false);
  ASSERT_TRUE(eventually([&] { return call().ok(); }));
}

TEST_F(PodInformerLookupTest, DeletedPodIsRefusedOnItsWatchEvent) {
  startSynced();
  ASSERT_TRUE(call().ok());
  server_.push(kube::WatchEventType::kDeleted, sandboxPod("agents", "analyst-0", "pod-uid", "10.0.0.5"));
  EXPECT_TRUE(refusedWith("pod agents/analyst-0 named by the token does not exist"));
  EXPECT_EQ(authenticator_->identifyBySourceIp("10.0.0.5").error().message,
            "no Running AgentSandbox pod in namespace agents has IP 10.0.0.5");
}

TEST_F(PodInformerLookupTest, PodRecreatedUnderTheSameNameIsNotTheTokensPod) {
  startSynced();
  server_.push(kube::WatchEventType::kDeleted, sandboxPod("agents", "analyst-0", "pod-uid", "10.0.0.5"));
  server_.push(kube::WatchEventType::kAdded, sandboxPod("agents", "analyst-0", "new-uid", "10.0.0.5"));
  EXPECT_TRUE(refusedWith(
      "pod agents/analyst-0 has UID new-uid, the token was issued for UID pod-uid (a deleted Pod's token)"));
}

TEST_F(PodInformerLookupTest, NewAddressOfThePodRefusesTheOldOne) {
  startSynced();
  server_.push(kube::WatchEventType::kModified, sandboxPod("agents", "analyst-0", "pod-uid", "10.0.0.7"));
  EXPECT_TRUE(refusedWith("pod agents/analyst-0 has IP 10.0.0.7, the request came from 10.0.0.5"));
  EXPECT_TRUE(call("10.0.0.7").ok());
}

TEST_F(PodInformerLookupTest, PodNoLongerRunningIsRefused) {
  startSynced();
  Json finished = sandboxPod("agents", "analyst-0", "pod-uid", "10.0.0.5");
  finished["status"]["phase"] = "Succeeded";
  server_.push(kube::WatchEventType::kModified, finished);
  EXPECT_TRUE(refusedWith("pod agents/analyst-0 is Succeeded, not Running"));
}

TEST_F(PodInformerLookupTest, BrokenWatchRefusesCallersUntilTheRelist) {
  startSynced();
  ASSERT_TRUE(call().ok());
  const int listsBefore = server_.lists();
  // The Pod goes while the watch is down: only a re-list can tell.
  server_.setListsFail(true);
  server_.erasePod("analyst-0");
  server_.breakWatch();
  ASSERT_TRUE(eventually([&] { return !lookup_->current(); }));
  const auto during = call();
  ASSERT_FALSE(during.ok());
  EXPECT_EQ(during.error().code, ErrorCode::kUnavailable);
  server_.setListsFail(false);
  EXPECT_TRUE(refusedWith("pod agents/analyst-0 named by the token does not exist"));
  EXPECT_TRUE(lookup_->current());
  EXPECT_GT(server_.lists(), listsBefore);
}

TEST_F(PodInformerLookupTest, StoppedLookupAnswersNothing) {
  startSynced();
  lookup_->stop();
  EXPECT_FALSE(lookup_->current());
  EXPECT_EQ(call().error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace agentguard::gate
