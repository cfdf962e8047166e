#include "webhook/cache/network_policy_cache.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/time/manual_clock.h"
#include "tests/webhook/support/admission_fixtures.h"

namespace agentguard::webhook {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

class NetworkPolicyCacheTest : public ::testing::Test {
 protected:
  NetworkPolicyCacheTest() : cache_(30s, clock_) {
    cache_.setFeedState([this] { return state_; });
  }
  static engine::SharedObject policy(const std::string& ns, const std::string& name) {
    auto object = testing::defaultDenyEgress(ns);
    object["metadata"]["name"] = name;
    return std::make_shared<const nlohmann::json>(object);
  }

  time::ManualClock clock_;
  NetworkPolicyCache::FeedState state_{true, true};
  NetworkPolicyCache cache_;
};

TEST_F(NetworkPolicyCacheTest, IndexesByNamespace) {
  cache_.upsert(policy("agents", "a"));
  cache_.upsert(policy("agents", "b"));
  cache_.upsert(policy("other", "a"));
  cache_.upsert(policy("agents", "a"));  // an update replaces
  ASSERT_TRUE(cache_.policiesIn("agents").ok());
  EXPECT_EQ((*cache_.policiesIn("agents"))->objects().size(), 2u);
  EXPECT_EQ((*cache_.policiesIn("other"))->objects().size(), 1u);
  EXPECT_TRUE((*cache_.policiesIn("empty"))->objects().empty());
  cache_.remove(policy("agents", "a"));
  EXPECT_EQ((*cache_.policiesIn("agents"))->objects().size(), 1u);
  EXPECT_EQ(cache_.size(), 2u);
}

TEST_F(NetworkPolicyCacheTest, ReindexesANamespaceOnlyAfterItChanged) {
  cache_.upsert(policy("agents", "a"));
  const auto first = *cache_.policiesIn("agents");
  EXPECT_EQ(*cache_.policiesIn("agents"), first) << "an unchanged namespace keeps its index";
  cache_.upsert(policy("other", "a"));
  EXPECT_EQ(*cache_.policiesIn("agents"), first) << "a change elsewhere keeps this namespace's index";
  cache_.upsert(policy("agents", "b"));
  const auto second = *cache_.policiesIn("agents");
  EXPECT_NE(second, first);
  EXPECT_EQ(second->objects().size(), 2u);
  EXPECT_EQ(first->objects().size(), 1u) << "readers holding the old index keep a consistent snapshot";
}

TEST_F(NetworkPolicyCacheTest, UnavailableUntilSynced) {
  state_ = {false, true};
  auto result = cache_.policiesIn("agents");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(result.error().message, HasSubstr("has not finished its first list"));
  state_ = {true, true};
  EXPECT_TRUE(cache_.policiesIn("agents").ok());
}

TEST_F(NetworkPolicyCacheTest, ServesThroughShortDisconnectionsThenFailsClosed) {
  state_ = {true, false};
  EXPECT_TRUE(cache_.policiesIn("agents").ok()) << "a watch restart is not staleness";
  clock_.advance(30s);
  EXPECT_TRUE(cache_.policiesIn("agents").ok());
  clock_.advance(1s);
  auto result = cache_.policiesIn("agents");
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.error().message, HasSubstr("lost its watch on NetworkPolicies for 31s (limit 30s)"));
  state_ = {true, true};
  EXPECT_TRUE(cache_.policiesIn("agents").ok());
  state_ = {true, false};
  clock_.advance(10s);
  EXPECT_TRUE(cache_.policiesIn("agents").ok()) << "the clock restarts at each disconnection";
}

}  // namespace
}  // namespace agentguard::webhook
