#include "webhook/cache/live_workloads.h"

#include <string>
#include <utility>

namespace agentguard::webhook {
namespace {

struct WorkloadKind {
  kube::Resource resource;
  std::string kind;
};

const std::vector<WorkloadKind>& workloadKinds() {
  static const std::vector<WorkloadKind> kinds = {
      {{"", "v1", "pods", true}, "Pod"},
      {{"", "v1", "replicationcontrollers", true}, "ReplicationController"},
      {{"apps", "v1", "deployments", true}, "Deployment"},
      {{"apps", "v1", "replicasets", true}, "ReplicaSet"},
      {{"apps", "v1", "statefulsets", true}, "StatefulSet"},
      {{"apps", "v1", "daemonsets", true}, "DaemonSet"},
      {{"batch", "v1", "jobs", true}, "Job"},
      {{"batch", "v1", "cronjobs", true}, "CronJob"},
  };
  return kinds;
}

// batch/v1 CronJob is served from Kubernetes 1.21 on.
const kube::Resource& olderCronJobs() {
  static const kube::Resource resource{"batch", "v1beta1", "cronjobs", true};
  return resource;
}

Error unreadable(const WorkloadKind& kind, std::string_view ns, const Error& error) {
  return makeError(ErrorCode::kUnavailable, "listing " + kind.resource.resource + " in namespace \"" +
                                                std::string(ns) + "\" failed: " + error.message);
}

}  // namespace

Result<std::vector<engine::SharedObject>> LiveWorkloads::workloadsIn(std::string_view ns) const {
  std::vector<engine::SharedObject> workloads;
  for (const auto& kind : workloadKinds()) {
    const kube::Resource* resource = &kind.resource;
    auto listed = client_.listAll(*resource, ns);
    if (!listed && listed.error().code == ErrorCode::kNotFound && kind.kind == "CronJob") {
      resource = &olderCronJobs();
      listed = client_.listAll(*resource, ns);
    }
    if (!listed) return unreadable(kind, ns, listed.error());
    const std::string apiVersion =
        resource->group.empty() ? resource->version : resource->group + "/" + resource->version;
    for (auto& item : listed->items) {
      // List items come without apiVersion and kind; the rules need them to find the pod template.
      item["apiVersion"] = apiVersion;
      item["kind"] = kind.kind;
      workloads.push_back(std::make_shared<const nlohmann::json>(std::move(item)));
    }
  }
  return workloads;
}

Result<nlohmann::json> LiveWorkloads::pod(std::string_view ns, std::string_view name) const {
  return client_.get(kube::resources::pods(), ns, name);
}

}  // namespace agentguard::webhook
