#include "operator/reconciler/leftovers.h"

#include "common/kube/resource.h"
#include "operator/builders/owned_objects.h"
#include "operator/reconciler/object_fields.h"

namespace agentguard::op {

using nlohmann::json;

ReconcileResult removeLeftovers(const ClusterAccess& cluster, const std::string& ns, const std::string& name) {
  SandboxMeta gone;
  gone.ns = ns;
  gone.name = name;
  const kube::SharedObject cachedPod = cluster.view.pod(ns, podName(gone));
  const kube::SharedObject cachedPolicy = cluster.view.networkPolicy(ns, networkPolicyName(gone));
  const bool podLeft = cachedPod && isLeftoverOf(*cachedPod, gone);
  if (!podLeft && !(cachedPolicy && isLeftoverOf(*cachedPolicy, gone))) return {};
  const log::Field who{"agentSandbox", gone.key()};
  kube::WriteOptions writeOptions;
  writeOptions.fieldManager = std::string(kFieldManager);
  // 1. The Pod, confirmed gone by the API server.
  auto pod = cluster.client.get(kube::resources::pods(), ns, podName(gone));
  if (!pod.ok() && pod.error().code != ErrorCode::kNotFound) return {pod.error(), std::nullopt};
  if (pod.ok() && isLeftoverOf(*pod, gone)) {
    if (!isDeleting(*pod)) {
      kube::DeleteOptions options;
      options.preconditionUid = uidOf(*pod);
      const Status removed = cluster.client.remove(kube::resources::pods(), ns, podName(gone), options);
      if (!removed.ok() && removed.error().code != ErrorCode::kNotFound) return {removed.error(), std::nullopt};
      cluster.logger.info("Deleted Pod", {who, {"pod", podName(gone)}, {"why", "its AgentSandbox is gone"}});
    }
    return {std::nullopt, cluster.options.teardownRecheck};
  }
  // 2. Then the NetworkPolicy: its finalizer, then the object.
  auto policy = cluster.client.get(kube::resources::networkPolicies(), ns, networkPolicyName(gone));
  if (!policy.ok() || !isLeftoverOf(*policy, gone)) return {};
  if (hasOurFinalizer(*policy)) {
    const json patch = {
        {"metadata", {{"finalizers", finalizersWithoutOurs(*policy)}, {"resourceVersion", resourceVersionOf(*policy)}}}};
    auto patched = cluster.client.mergePatch(kube::resources::networkPolicies(), ns, networkPolicyName(gone), patch,
                                             "", writeOptions);
    if (!patched.ok() && patched.error().code != ErrorCode::kNotFound) return {patched.error(), std::nullopt};
  }
  kube::DeleteOptions options;
  options.preconditionUid = uidOf(*policy);
  const Status removed = cluster.client.remove(kube::resources::networkPolicies(), ns, networkPolicyName(gone), options);
  if (!removed.ok() && removed.error().code != ErrorCode::kNotFound) return {removed.error(), std::nullopt};
  cluster.logger.info("Deleted NetworkPolicy",
                      {who, {"networkPolicy", networkPolicyName(gone)}, {"why", "its AgentSandbox is gone"}});
  return {};
}

}  // namespace agentguard::op
