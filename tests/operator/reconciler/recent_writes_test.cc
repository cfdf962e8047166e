#include "operator/reconciler/recent_writes.h"

#include <gtest/gtest.h>

namespace agentguard::op {
namespace {

using nlohmann::json;
using Kind = RecentWrites::Kind;

kube::SharedObject object(const std::string& uid, const std::string& rv) {
  return std::make_shared<const json>(
      json{{"metadata", {{"namespace", "agents"}, {"name", "analyst"}, {"uid", uid}, {"resourceVersion", rv}}}});
}

std::string rvOf(const kube::SharedObject& o) { return o ? (*o)["metadata"]["resourceVersion"].get<std::string>() : "none"; }

TEST(RecentWritesTest, WriteNotYetCachedIsSeen) {
  RecentWrites writes;
  writes.remember(Kind::kPod, *object("u1", "10"));
  EXPECT_EQ(rvOf(writes.resolve(Kind::kPod, "agents", "analyst", nullptr)), "10");
  EXPECT_EQ(rvOf(writes.resolve(Kind::kNetworkPolicy, "agents", "analyst", nullptr)), "none") << "per kind";
}

TEST(RecentWritesTest, NewerWriteWinsOverStaleCache) {
  RecentWrites writes;
  writes.remember(Kind::kSandbox, *object("u1", "12"));
  EXPECT_EQ(rvOf(writes.resolve(Kind::kSandbox, "agents", "analyst", object("u1", "9"))), "12");
  EXPECT_EQ(rvOf(writes.resolve(Kind::kSandbox, "agents", "analyst", object("u1", "15"))), "15");
}

TEST(RecentWritesTest, ObservingTheWriteForgetsIt) {
  RecentWrites writes;
  writes.remember(Kind::kPod, *object("u1", "10"));
  writes.observe(Kind::kPod, *object("u1", "10"), false);
  EXPECT_EQ(writes.size(), 0u);
  EXPECT_EQ(rvOf(writes.resolve(Kind::kPod, "agents", "analyst", nullptr)), "none")
      << "once caught up, a later deletion in the cache is the truth";
}

TEST(RecentWritesTest, OlderEventKeepsTheWrite) {
  RecentWrites writes;
  writes.remember(Kind::kPod, *object("u1", "10"));
  writes.observe(Kind::kPod, *object("u1", "8"), false);
  EXPECT_EQ(writes.size(), 1u);
}

TEST(RecentWritesTest, DeletionEventForgetsTheWrite) {
  RecentWrites writes;
  writes.remember(Kind::kNetworkPolicy, *object("u1", "10"));
  writes.observe(Kind::kNetworkPolicy, *object("u1", "10"), true);
  EXPECT_EQ(rvOf(writes.resolve(Kind::kNetworkPolicy, "agents", "analyst", nullptr)), "none");
}

TEST(RecentWritesTest, OwnDeletionHidesTheStaleCachedObjectOnly) {
  RecentWrites writes;
  writes.rememberDeleted(Kind::kPod, "agents", "analyst", "u1");
  EXPECT_EQ(rvOf(writes.resolve(Kind::kPod, "agents", "analyst", object("u1", "10"))), "none");
  EXPECT_EQ(rvOf(writes.resolve(Kind::kPod, "agents", "analyst", object("u2", "20"))), "20") << "a new Pod is real";
  writes.observe(Kind::kPod, *object("u1", "11"), true);
  EXPECT_EQ(writes.size(), 0u);
}

// Removing the last finalizer of a terminating object deletes it; its DELETED event can reach the informer before
// the write's answer is remembered. The remembered write must not keep the deleted object alive, or a new object of
// the same name would wait forever behind it.
TEST(RecentWritesTest, WriteThatRemovedTheLastFinalizerIsADeletion) {
  RecentWrites writes;
  json finalized = *object("u1", "20");
  finalized["metadata"]["deletionTimestamp"] = "2026-12-07T05:28:23Z";
  finalized["metadata"]["finalizers"] = json::array();
  writes.observe(Kind::kNetworkPolicy, finalized, true);  // the DELETED event came first
  writes.remember(Kind::kNetworkPolicy, finalized);
  EXPECT_EQ(rvOf(writes.resolve(Kind::kNetworkPolicy, "agents", "analyst", nullptr)), "none");
  EXPECT_EQ(rvOf(writes.resolve(Kind::kNetworkPolicy, "agents", "analyst", object("u2", "25"))), "25")
      << "a new object of the same name is seen";
  EXPECT_EQ(rvOf(writes.resolve(Kind::kNetworkPolicy, "agents", "analyst", object("u1", "19"))), "none")
      << "the stale cached copy of the deleted object stays hidden";
}

TEST(RecentWritesTest, TerminatingWriteWithFinalizersLeftIsAnObject) {
  RecentWrites writes;
  json terminating = *object("u1", "20");
  terminating["metadata"]["deletionTimestamp"] = "2026-12-07T05:28:23Z";
  terminating["metadata"]["finalizers"] = json::array({"example.com/other"});
  writes.remember(Kind::kNetworkPolicy, terminating);
  EXPECT_EQ(rvOf(writes.resolve(Kind::kNetworkPolicy, "agents", "analyst", nullptr)), "20");
}

TEST(RecentWritesTest, NonNumericVersionsLeaveTheCacheInCharge) {
  RecentWrites writes;
  writes.remember(Kind::kPod, *object("u1", "abc"));
  EXPECT_EQ(rvOf(writes.resolve(Kind::kPod, "agents", "analyst", object("u1", "5"))), "5");
}

}  // namespace
}  // namespace agentguard::op
