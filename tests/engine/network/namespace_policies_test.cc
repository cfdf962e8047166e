#include "engine/network/namespace_policies.h"

#include <set>

#include <gtest/gtest.h>

namespace agentguard::engine {
namespace {

using Json = nlohmann::json;

SharedObject egressPolicy(const std::string& name, Json selector) {
  return std::make_shared<const Json>(Json{{"metadata", {{"name", name}}},
                                           {"spec", {{"podSelector", std::move(selector)}, {"policyTypes", {"Egress"}}}}});
}

// The names an index finds, with how much each selects, against every policy tried one by one.
std::set<std::string> found(const NamespacePolicies& policies, const PodLabels& labels) {
  std::set<std::string> names;
  for (const auto& selecting : policies.egressPoliciesFor(labels)) {
    names.insert(selecting.policy->name + (selecting.match == SelectorMatch::kAll ? "" : "?"));
  }
  return names;
}

std::set<std::string> scanned(const std::vector<SharedObject>& objects, const PodLabels& labels) {
  std::set<std::string> names;
  for (const auto& object : objects) {
    const auto match = selectorMatch((*object)["spec"]["podSelector"], labels);
    if (!match || *match == SelectorMatch::kNone) continue;
    names.insert((*object)["metadata"]["name"].get<std::string>() + (*match == SelectorMatch::kAll ? "" : "?"));
  }
  return names;
}

TEST(NamespacePoliciesTest, IndexFindsWhatAScanFinds) {
  const std::vector<SharedObject> objects = {
      egressPolicy("all", Json::object()),
      egressPolicy("web", {{"matchLabels", {{"app", "web"}}}}),
      egressPolicy("web-or-db", {{"matchExpressions", {{{"key", "app"}, {"operator", "In"}, {"values", {"web", "db"}}}}}}),
      egressPolicy("not-db", {{"matchExpressions", {{{"key", "app"}, {"operator", "NotIn"}, {"values", {"db"}}}}}}),
      egressPolicy("tier", {{"matchLabels", {{"tier", "agent"}, {"app", "web"}}}}),
      egressPolicy("revision", {{"matchLabels", {{"pod-template-hash", "abc"}}}}),
      egressPolicy("revision-or-x", {{"matchExpressions", {{{"key", "pod-template-hash"}, {"operator", "In"}, {"values", {"abc", "def"}}}}}}),
      egressPolicy("has-hash", {{"matchExpressions", {{{"key", "pod-template-hash"}, {"operator", "Exists"}}}}}),
  };
  const NamespacePolicies policies(objects);
  std::vector<PodLabels> pods(4);
  pods[0].set("app", "web");
  pods[1].set("app", "db");
  pods[2].set("app", "web");
  pods[2].set("tier", "agent");
  pods[2].setVarying("pod-template-hash");
  pods[3].setVarying("app");
  for (size_t i = 0; i < pods.size(); ++i) {
    EXPECT_EQ(found(policies, pods[i]), scanned(objects, pods[i])) << "pod " << i << " " << pods[i].describe();
  }
  EXPECT_EQ(found(policies, pods[2]).count("revision?"), 1u);
  EXPECT_EQ(found(policies, pods[2]).count("revision-or-x?"), 1u);
}

TEST(NamespacePoliciesTest, SkipsPoliciesThatDoNotGovernEgressAndKeepsMalformedApart) {
  const auto ingressOnly = std::make_shared<const Json>(Json{{"metadata", {{"name", "in"}}}, {"spec", {{"podSelector", Json::object()}}}});
  const auto malformed = egressPolicy("bad", {{"matchLabels", {{"app", 1}}}});
  const NamespacePolicies policies({ingressOnly, malformed});
  EXPECT_EQ(policies.objects().size(), 2u);
  EXPECT_TRUE(policies.egressPoliciesFor(PodLabels()).empty());
  ASSERT_EQ(policies.malformed().size(), 1u);
  EXPECT_EQ(policies.malformed()[0]->name, "bad");
  EXPECT_NE(policies.malformed()[0]->problem.find("spec.podSelector"), std::string::npos);
}

}  // namespace
}  // namespace agentguard::engine
