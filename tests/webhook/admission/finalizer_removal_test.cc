#include "webhook/admission/finalizer_removal.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

namespace agentguard::webhook {
namespace {

using Json = nlohmann::json;

// A Pod being deleted, held by two finalizers.
Json terminatingPod() {
  return Json::parse(R"({"apiVersion": "v1", "kind": "Pod",
      "metadata": {"name": "worker", "namespace": "agents", "resourceVersion": "41", "generation": 1,
                   "deletionTimestamp": "2026-01-01T00:00:00Z", "deletionGracePeriodSeconds": 3600,
                   "finalizers": ["example.com/a", "example.com/b"], "labels": {"app": "worker"},
                   "managedFields": [{"manager": "kubectl", "operation": "Update"}]},
      "spec": {"containers": [{"name": "app", "image": "registry.example.com/app:1"}]}})");
}

struct Case {
  std::string name;
  std::function<void(Json&)> change;  // applied to a copy of the old object
  bool onlyRemoval;
};

const std::vector<Case> kCases = {
    {"RemovesOneFinalizer", [](Json& o) { o["metadata"]["finalizers"] = {"example.com/b"}; }, true},
    {"RemovesEveryFinalizer", [](Json& o) { o["metadata"].erase("finalizers"); }, true},
    {"RemovesEveryFinalizerAsNull", [](Json& o) { o["metadata"]["finalizers"] = nullptr; }, true},
    {"RemovesWithServerMaintainedFieldsChanged",
     [](Json& o) {
       o["metadata"]["finalizers"] = Json::array();
       o["metadata"]["resourceVersion"] = "42";
       o["metadata"]["managedFields"] = Json::array();
     },
     true},
    {"ChangesNothing", [](Json&) {}, false},
    {"RemovesAndRelabels",
     [](Json& o) {
       o["metadata"].erase("finalizers");
       o["metadata"]["labels"]["app"] = "escaped";
     },
     false},
    {"RemovesAndDropsLabels",
     [](Json& o) {
       o["metadata"].erase("finalizers");
       o["metadata"].erase("labels");
     },
     false},
    {"RemovesAndAnnotates",
     [](Json& o) {
       o["metadata"]["finalizers"] = {"example.com/a"};
       o["metadata"]["annotations"] = {{"example.com/api-key", "sk-live-0123456789abcdef0123456789abcdef"}};
     },
     false},
    {"RemovesAndChangesSpec",
     [](Json& o) {
       o["metadata"].erase("finalizers");
       o["spec"]["containers"][0]["image"] = "registry.example.com/other:1";
     },
     false},
    {"RemovesAndAddsStatus",
     [](Json& o) {
       o["metadata"].erase("finalizers");
       o["status"] = {{"phase", "Running"}};
     },
     false},
    {"RemovesAndAddsOwner",
     [](Json& o) {
       o["metadata"].erase("finalizers");
       o["metadata"]["ownerReferences"] = {{{"kind", "ReplicaSet"}, {"name", "x"}}};
     },
     false},
    {"SwapsAFinalizerForAnother", [](Json& o) { o["metadata"]["finalizers"] = {"example.com/a", "example.com/c"}; },
     false},
    {"ReplacesBothWithOneNew", [](Json& o) { o["metadata"]["finalizers"] = {"example.com/c"}; }, false},
    {"DuplicatesOneToLookShorter",
     [](Json& o) {
       o["metadata"]["finalizers"] = {"example.com/a", "example.com/a", "example.com/b"};
     },
     false},
    {"FinalizersNotAList", [](Json& o) { o["metadata"]["finalizers"] = "example.com/a"; }, false},
    {"ChangesTheGracePeriod",
     [](Json& o) {
       o["metadata"].erase("finalizers");
       o["metadata"]["deletionGracePeriodSeconds"] = 1;
     },
     false},
};

class FinalizerRemovalTest : public ::testing::TestWithParam<Case> {};

TEST_P(FinalizerRemovalTest, Classifies) {
  const Json old = terminatingPod();
  Json updated = old;
  GetParam().change(updated);
  EXPECT_EQ(onlyRemovesFinalizers(updated, old), GetParam().onlyRemoval) << updated.dump();
}

INSTANTIATE_TEST_SUITE_P(Cases, FinalizerRemovalTest, ::testing::ValuesIn(kCases),
                         [](const auto& param) { return param.param.name; });

TEST(FinalizerRemoval, NeedsTwoObjects) {
  EXPECT_FALSE(onlyRemovesFinalizers(terminatingPod(), Json()));
  EXPECT_FALSE(onlyRemovesFinalizers(Json(), terminatingPod()));
  EXPECT_TRUE(beingDeleted(terminatingPod()));
  Json alive = terminatingPod();
  alive["metadata"]["deletionTimestamp"] = nullptr;
  EXPECT_FALSE(beingDeleted(alive));
}

}  // namespace
}  // namespace agentguard::webhook
