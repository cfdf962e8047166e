#include "engine/network/pod_labels.h"

#include <gtest/gtest.h>

#include "engine/workload/object_view.h"

namespace agentguard::engine {
namespace {

using Json = nlohmann::json;

// How a label reads on the pods of `object`: "absent", "<varies>" or its value.
std::string label(const Json& object, const char* key) {
  const ObjectView view(object, "default");
  const PodLabels labels = podLabelsOf(view);
  const PodLabels::Value* value = labels.find(key);
  if (value == nullptr) return "absent";
  return value->varies ? "<varies>" : value->text;
}

Json workload(const char* kind, const char* extraSpec = "{}") {
  Json spec = Json::parse(extraSpec);
  spec["template"] = {{"metadata", {{"labels", {{"app", "a"}}}}}, {"spec", {{"containers", Json::array({{{"name", "c"}}})}}}};
  return {{"apiVersion", "apps/v1"}, {"kind", kind}, {"metadata", {{"name", "w"}}}, {"spec", spec}};
}

TEST(PodLabelsTest, KeepsTheTemplateLabels) {
  EXPECT_EQ(label(workload("ReplicaSet"), "app"), "a");
  EXPECT_EQ(label(workload("ReplicaSet"), "pod-template-hash"), "absent");
}

TEST(PodLabelsTest, AddsDeploymentStatefulSetAndDaemonSetLabels) {
  EXPECT_EQ(label(workload("Deployment"), "pod-template-hash"), "<varies>");
  EXPECT_EQ(label(workload("StatefulSet"), "controller-revision-hash"), "<varies>");
  EXPECT_EQ(label(workload("StatefulSet"), "statefulset.kubernetes.io/pod-name"), "<varies>");
  EXPECT_EQ(label(workload("StatefulSet"), "apps.kubernetes.io/pod-index"), "<varies>");
  EXPECT_EQ(label(workload("DaemonSet"), "controller-revision-hash"), "<varies>");
  EXPECT_EQ(label(workload("DaemonSet"), "pod-template-generation"), "<varies>");
  Json pinned = workload("Deployment");
  pinned["spec"]["template"]["metadata"]["labels"]["pod-template-hash"] = "abc";
  EXPECT_EQ(label(pinned, "pod-template-hash"), "<varies>") << "the ReplicaSet controller overwrites it";
}

TEST(PodLabelsTest, AddsJobLabels) {
  Json job = workload("Job");
  job["apiVersion"] = "batch/v1";
  EXPECT_EQ(label(job, "job-name"), "w");
  EXPECT_EQ(label(job, "batch.kubernetes.io/job-name"), "w");
  EXPECT_EQ(label(job, "controller-uid"), "<varies>") << "a new Job has no uid yet";
  EXPECT_EQ(label(job, "batch.kubernetes.io/job-completion-index"), "absent");
  job["metadata"]["uid"] = "u-1";
  EXPECT_EQ(label(job, "batch.kubernetes.io/controller-uid"), "u-1");
  job["spec"]["completionMode"] = "Indexed";
  EXPECT_EQ(label(job, "batch.kubernetes.io/job-completion-index"), "<varies>");
  job["spec"]["template"]["metadata"]["labels"]["job-name"] = "mine";
  EXPECT_EQ(label(job, "job-name"), "mine") << "the template's own job-name stays";
  job["spec"]["manualSelector"] = true;
  EXPECT_EQ(label(job, "batch.kubernetes.io/job-name"), "absent") << "manualSelector: no generated labels";
}

TEST(PodLabelsTest, CronJobsJobsHaveGeneratedNames) {
  const Json cronJob = {{"apiVersion", "batch/v1"},
                        {"kind", "CronJob"},
                        {"metadata", {{"name", "nightly"}}},
                        {"spec", {{"jobTemplate", {{"spec", workload("Job")["spec"]}}}}}};
  EXPECT_EQ(label(cronJob, "job-name"), "<varies>");
  EXPECT_EQ(label(cronJob, "controller-uid"), "<varies>");
  EXPECT_EQ(label(cronJob, "app"), "a");
}

TEST(PodLabelsTest, APodsLabelsAreExact) {
  const Json pod = {{"apiVersion", "v1"},
                    {"kind", "Pod"},
                    {"metadata", {{"name", "p"}, {"labels", {{"app", "a"}, {"pod-template-hash", "abc"}}}}},
                    {"spec", {{"containers", Json::array({{{"name", "c"}}})}}}};
  EXPECT_EQ(label(pod, "pod-template-hash"), "abc");
  EXPECT_EQ(label(pod, "job-name"), "absent");
}

}  // namespace
}  // namespace agentguard::engine
