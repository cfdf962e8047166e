#include "operator/reconciler/observe.h"

#include "common/kube/resource.h"
#include "operator/builders/owned_objects.h"

namespace agentguard::op {

using nlohmann::json;

namespace {

// A GET: the object, nothing when it is not found, or the error.
std::optional<json> read(kube::KubeClient& client, const kube::Resource& resource, const std::string& ns,
                         const std::string& name, std::optional<Error>& error) {
  auto fetched = client.get(resource, ns, name);
  if (fetched.ok()) return std::move(fetched).value();
  if (fetched.error().code != ErrorCode::kNotFound) error = fetched.error();
  return std::nullopt;
}

// Which sandboxes of the namespace use the gate, and whether its Service (and ClusterIP) is there.
void observeGate(const ClusterAccess& cluster, Observed& out, bool used) {
  GateObservation& gate = out.gate;
  gate.used = used;
  for (const kube::SharedObject& other : cluster.view.sandboxes(out.meta.ns)) {
    if (!other) continue;
    const SandboxMeta meta = readMeta(*other);
    const bool self = meta.name == out.meta.name;
    if (!self && meta.deleting) continue;
    const ParsedSpec parsed = parseGateFields(other->value("spec", json::object()));
    if (!parsed.spec.usesGate()) continue;
    if (!self) gate.usedByOthers = true;
    addGatePorts(parsed.spec, gate.publicPorts);
  }
  for (const kube::SharedObject& service : cluster.view.services(out.meta.ns)) {
    if (service && service->value("metadata", json::object()).value("name", "") == kGateName) gate.service = *service;
  }
}

void observeTeardown(const ClusterAccess& cluster, Observed& out) {
  if (!out.meta.hasFinalizer(kFinalizer)) return;  // nothing left for this operator to do
  const std::string& ns = out.meta.ns;
  out.podToTearDown = read(cluster.client, kube::resources::pods(), ns, podName(out.meta), out.teardownReadError);
  if (out.teardownReadError) return;
  const bool podIsOurs = out.podToTearDown &&
                         (isControlledBy(*out.podToTearDown, out.meta) || isLeftoverOf(*out.podToTearDown, out.meta));
  if (podIsOurs) return;  // the NetworkPolicy is looked at once the Pod is gone
  out.policyToTearDown = read(cluster.client, kube::resources::networkPolicies(), ns, networkPolicyName(out.meta),
                              out.teardownReadError);
}

void observeLive(const ClusterAccess& cluster, Observed& out) {
  const SandboxMeta& meta = out.meta;
  out.previous = SandboxStatus::fromJson(out.sandbox.value("status", json::object()));
  out.parsed = parseSpec(out.sandbox.value("spec", json::object()));
  out.binding = bindClass(out.sandbox, out.parsed, cluster.view, cluster.client, cluster.options.clusterCidrs,
                          cluster.options.defaultRuntimeClass);

  const std::string pod = podName(meta);
  if (const kube::SharedObject cached =
          cluster.writes.resolve(RecentWrites::Kind::kPod, meta.ns, pod, cluster.view.pod(meta.ns, pod))) {
    if (isControlledBy(*cached, meta)) {
      out.pod = *cached;
    } else if (isLeftoverOf(*cached, meta)) {
      out.leftoverPod = *cached;
    } else {
      out.foreignPod = true;
    }
  } else if (!out.previous.startTime.empty() && !out.previous.finished()) {
    out.podOnServer = read(cluster.client, kube::resources::pods(), meta.ns, pod, out.podReadError);
  }

  const std::string policy = networkPolicyName(meta);
  if (const kube::SharedObject cached = cluster.writes.resolve(RecentWrites::Kind::kNetworkPolicy, meta.ns, policy,
                                                              cluster.view.networkPolicy(meta.ns, policy))) {
    out.networkPolicy = *cached;
  }
  out.runtimeClassExists = cluster.view.runtimeClass(out.binding.bound.runtimeClassName) != nullptr;
  out.otherNetworkPolicies = cluster.view.otherNetworkPolicies(meta.ns);
  out.services = cluster.view.services(meta.ns);
}

}  // namespace

Observed observe(const ClusterAccess& cluster, const json& sandbox) {
  Observed out;
  out.sandbox = sandbox;
  out.meta = readMeta(sandbox);
  out.settings.allowedRuntimeClasses = cluster.options.allowedRuntimeClasses;
  out.settings.teardownRecheck = cluster.options.teardownRecheck;
  out.settings.gate = cluster.options.gate;
  out.settings.gateRecheck = cluster.options.gateRecheck;
  for (const IpBlock& block : cluster.options.clusterCidrs) out.settings.clusterCidrs.push_back(block.canonical());
  if (out.meta.deleting) {
    observeTeardown(cluster, out);
    if (out.meta.hasFinalizer(kFinalizer)) {
      observeGate(cluster, out, parseGateFields(sandbox.value("spec", json::object())).spec.usesGate());
    }
  } else {
    observeLive(cluster, out);
    observeGate(cluster, out, out.parsed.spec.usesGate());
  }
  return out;
}

}  // namespace agentguard::op
