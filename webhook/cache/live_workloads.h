#pragma once

#include <string_view>
#include <vector>

#include "common/kube/kube_client.h"
#include "engine/workload/workload_source.h"
#include "webhook/admission/ephemeral_containers.h"

namespace agentguard::webhook {

// The namespace's workloads and Pods, read from the API server when a request needs them: only
// NetworkPolicy changes (network-isolation.policy-loosening) and ephemeral containers on Kubernetes
// before 1.22 do, both rare, so nothing is cached or watched. A failed read answers Unavailable and
// the asking rule fails closed.
class LiveWorkloads final : public engine::WorkloadSource, public PodSource {
 public:
  // `client` must outlive this object.
  explicit LiveWorkloads(kube::KubeClient& client) : client_(client) {}

  // Pods, ReplicationControllers, Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs and
  // CronJobs (batch/v1, or batch/v1beta1 where the API server has no batch/v1 CronJob).
  Result<std::vector<engine::SharedObject>> workloadsIn(std::string_view ns) const override;
  Result<nlohmann::json> pod(std::string_view ns, std::string_view name) const override;

 private:
  kube::KubeClient& client_;
};

}  // namespace agentguard::webhook
