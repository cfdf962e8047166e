#include "common/kube/resource.h"

#include <gtest/gtest.h>

#include "common/kube/request_path.h"

namespace agentguard::kube {
namespace {

TEST(ResourceTest, CoreGroupPaths) {
  const Resource& pods = resources::pods();
  EXPECT_EQ(pods.path(), "/api/v1/pods");
  EXPECT_EQ(pods.path("agents"), "/api/v1/namespaces/agents/pods");
  EXPECT_EQ(pods.path("agents", "scraper"), "/api/v1/namespaces/agents/pods/scraper");
  EXPECT_EQ(pods.path("agents", "scraper", "status"), "/api/v1/namespaces/agents/pods/scraper/status");
}

TEST(ResourceTest, NamedGroupPaths) {
  EXPECT_EQ(resources::networkPolicies().path("agents", "deny-all"),
            "/apis/networking.k8s.io/v1/namespaces/agents/networkpolicies/deny-all");
  EXPECT_EQ(resources::agentSandboxes().path("agents", "analyst", "status"),
            "/apis/agentguard.io/v1alpha1/namespaces/agents/agentsandboxes/analyst/status");
}

TEST(ResourceTest, ClusterScopedResourcesIgnoreTheNamespace) {
  EXPECT_EQ(resources::namespaces().path("ignored", "agents"), "/api/v1/namespaces/agents");
  EXPECT_EQ(resources::runtimeClasses().path("", "gvisor"), "/apis/node.k8s.io/v1/runtimeclasses/gvisor");
  EXPECT_EQ(resources::customResourceDefinitions().path("x"),
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions");
  EXPECT_FALSE(resources::validatingWebhookConfigurations().namespaced);
}

TEST(ResourceTest, SubresourceNeedsAName) {
  EXPECT_EQ(resources::configMaps().path("n", "", "status"), "/api/v1/namespaces/n/configmaps");
}

TEST(ResourceTest, EscapesPathSegments) {
  EXPECT_EQ(resources::configMaps().path("n", "a/b c"), "/api/v1/namespaces/n/configmaps/a%2Fb%20c");
  EXPECT_EQ(encodePathSegment("system:node@x"), "system:node@x");
}

TEST(QueryStringTest, EncodesValuesAndSkipsEmptyOnes) {
  QueryString query;
  query.add("labelSelector", "app in (a,b),tier!=db").add("continue", "").add("limit", 500LL);
  EXPECT_EQ(query.str(), "?labelSelector=app%20in%20%28a%2Cb%29%2Ctier%21%3Ddb&limit=500");
  EXPECT_EQ(QueryString().str(), "");
}

}  // namespace
}  // namespace agentguard::kube
