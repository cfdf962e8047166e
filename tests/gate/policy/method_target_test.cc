#include "gate/policy/method_target.h"

#include <gtest/gtest.h>

namespace agentguard::gate::policy {
namespace {

TEST(MethodTargetTest, MethodsThatNameWhatTheyActOn) {
  EXPECT_EQ(methodTarget("tools/call"), MethodTarget::kName);
  EXPECT_EQ(methodTarget("prompts/get"), MethodTarget::kName);
  EXPECT_EQ(methodTarget("resources/read"), MethodTarget::kUri);
  EXPECT_EQ(methodTarget("resources/subscribe"), MethodTarget::kUri);
  EXPECT_EQ(methodTarget("resources/unsubscribe"), MethodTarget::kUri);
  EXPECT_EQ(methodTarget("resources/list"), MethodTarget::kNone);
  EXPECT_EQ(methodTarget("Tools/Call"), MethodTarget::kNone);
}

TEST(MethodTargetTest, BaseMethodsAreExactlyTheContractsList) {
  for (const char* method : {"initialize", "server/discover", "ping", "notifications/initialized", "notifications/cancelled",
                             "notifications/progress", "tools/list"}) {
    EXPECT_TRUE(isBaseMethod(method)) << method;
  }
  for (const char* method : {"tools/call", "Ping", "ping ", "resources/list", "prompts/list", "sampling/createMessage",
                             "notifications/roots/list_changed", "logging/setLevel", "completion/complete", "server/Discover", ""}) {
    EXPECT_FALSE(isBaseMethod(method)) << method;
  }
}

}  // namespace
}  // namespace agentguard::gate::policy
