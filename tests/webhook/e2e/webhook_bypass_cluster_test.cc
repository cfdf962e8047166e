// agentguard-webhook end to end, as an attacker would try it: changing an object that is being
// deleted (Kyverno's CVE-2023-34091), adding a debug container that inherits weak pod settings,
// loosening or deleting the NetworkPolicy an admitted workload relies on, and reaching the node's
// filesystem through a PersistentVolume. Every request goes through the real kube-apiserver.

#include <fstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/webhook/e2e/webhook_cluster_fixture.h"

namespace agentguard::webhook {
namespace {

using namespace agentguard::webhook::testing;  // NOLINT: the fixture and its helpers

// Egress of app=agent pods to DNS only.
constexpr const char* kRestrictAgent = R"(apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: restrict-agent, namespace: agents}
spec:
  podSelector: {matchLabels: {app: agent}}
  policyTypes: [Egress]
  egress:
    - ports: [{protocol: UDP, port: 53}]
)";

// Passes every bundled rule once a NetworkPolicy restricts its egress. `extra` is added to metadata.
std::string hardenedPod(const std::string& name, const std::string& extra = "") {
  return R"(apiVersion: v1
kind: Pod
metadata:
  name: )" + name + R"(
  namespace: agents
  labels: {app: agent}
)" + extra + R"(spec:
  automountServiceAccountToken: false
  containers:
    - name: app
      image: registry.example.com/agents/app:1.0.0
      securityContext:
        runAsNonRoot: true
        seccompProfile: {type: RuntimeDefault}
        allowPrivilegeEscalation: false
        readOnlyRootFilesystem: true
        capabilities: {drop: [ALL]}
)";
}

std::string hardenedDeployment(const std::string& name, const std::string& extra = "") {
  return R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: )" + name + R"(
  namespace: agents
)" + extra + R"(spec:
  replicas: 1
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        seccompProfile: {type: RuntimeDefault}
      containers:
        - name: app
          image: registry.example.com/agents/app:1.0.0
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: {drop: [ALL]}
)";
}

constexpr const char* kHold = "  finalizers: [agentguard.io/e2e-hold]\n";

class WebhookBypassClusterTest : public WebhookClusterTest {
 protected:
  CommandResult patch(const std::string& resource, const std::string& patchJson,
                      const std::string& type = "merge") const {
    return kubectl({"-n", isolated_, "patch", resource, "--type=" + type, "-p", patchJson});
  }

  // Deletes without waiting: the finalizer keeps the object, now with a deletionTimestamp.
  void startDeleting(const std::string& resource) const {
    ASSERT_EQ(kubectl({"-n", isolated_, "delete", resource, "--wait=false"}).exitCode, 0);
    ASSERT_TRUE(agentguard::testing::waitFor(
        [&] {
          return kubectl({"-n", isolated_, "get", resource, "-o", "jsonpath={.metadata.deletionTimestamp}"})
                     .out.size() > 0;
        },
        std::chrono::seconds(10)));
  }

  bool exists(const std::string& resource) const {
    return kubectl({"-n", isolated_, "get", resource}).exitCode == 0;
  }

  // Adds `containers` as the Pod's ephemeral containers through the subresource (which serves and
  // takes the whole Pod).
  CommandResult addEphemeralContainers(const std::string& pod, const std::vector<nlohmann::json>& containers) const {
    const std::string path = "/api/v1/namespaces/" + isolated_ + "/pods/" + pod + "/ephemeralcontainers";
    const auto current = kubectl({"get", "--raw", path});
    if (current.exitCode != 0) return current;
    nlohmann::json object = nlohmann::json::parse(current.out);
    object["spec"]["ephemeralContainers"] = nlohmann::json(containers);
    return kubectl({"replace", "--raw", path, "-f", "-"}, object.dump());
  }
};

// CVE-2023-34091: an object being deleted must not become a way around every check.
TEST_F(WebhookBypassClusterTest, TerminatingObjectsAreCheckedUnlessOnlyFinalizersGo) {
  ASSERT_EQ(apply(kRestrictAgent).exitCode, 0);
  applyAdmitted(hardenedPod("held", kHold));
  startDeleting("pod/held");

  // Relabelled out of its NetworkPolicy.
  expectDenied(kubectl({"-n", isolated_, "label", "pod", "held", "app=escaped", "--overwrite"}),
               "[network-isolation.egress-unrestricted] metadata.labels");
  // Given a credential in an annotation.
  expectDenied(kubectl({"-n", isolated_, "annotate", "pod", "held",
                        "billing.example.com/api-key=sk_live_EXAMPLE0123456789abcdefg"}),
               "[credentials.");
  // The finalizer removed and a label changed in the same request.
  expectDenied(patch("pod/held", R"({"metadata":{"finalizers":null,"labels":{"app":"escaped"}}})"),
               "[network-isolation.egress-unrestricted]");
  EXPECT_EQ(kubectl({"-n", isolated_, "get", "pod", "held", "-o", "jsonpath={.metadata.labels.app}"}).out, "agent");

  // A Deployment on its way out whose template turns privileged.
  applyAdmitted(hardenedDeployment("leaving", kHold));
  startDeleting("deployment/leaving");
  expectDenied(patch("deployment/leaving",
                     R"({"spec":{"template":{"spec":{"containers":[{"name":"app","securityContext":)"
                     R"({"privileged":true,"allowPrivilegeEscalation":true}}]}}}})",
                     "strategic"),
               "[privilege.privileged-container] spec.template.spec.containers[0].securityContext.privileged");
  // A Service on its way out turned into a LoadBalancer.
  ASSERT_EQ(apply(R"(apiVersion: v1
kind: Service
metadata: {name: api, namespace: agents, finalizers: [agentguard.io/e2e-hold]}
spec: {type: ClusterIP, ports: [{port: 443}]}
)").exitCode, 0);
  startDeleting("service/api");
  expectDenied(patch("service/api", R"({"spec":{"type":"LoadBalancer"}})"), "[exposure.service-loadbalancer]");

  // Removing the finalizers and nothing else lets each object go.
  for (const std::string resource : {"pod/held", "deployment/leaving", "service/api"}) {
    const auto released = patch(resource, R"({"metadata":{"finalizers":null}})");
    EXPECT_EQ(released.exitCode, 0) << resource << ": " << released.err;
    EXPECT_TRUE(agentguard::testing::waitFor([&] { return !exists(resource); }, std::chrono::seconds(10)))
        << resource << " was not deleted";
  }
}

// A debug container that sets no securityContext of its own (what `kubectl debug` adds) runs with
// what it inherits from its pod, and is judged with that. The bundled policies also require
// container-only settings (capabilities, allowPrivilegeEscalation) that such a container cannot meet,
// so this suite serves the controls a container inherits from its pod, an egress rule, and the rule
// the fixture's probe expects.
class EphemeralContainersClusterTest : public WebhookBypassClusterTest {
 protected:
  std::string policiesPath() const override {
    const std::string path = pki_.dir() + "/inherited-controls.yaml";
    std::ofstream(path) << R"(apiVersion: agentguard.io/v1alpha1
kind: Policy
metadata: {name: inherited-controls}
spec:
  rules:
    - {id: privilege.run-as-non-root, action: deny, severity: high}
    - {id: privilege.run-as-root-user, action: deny, severity: high}
    - {id: privilege.seccomp-required, action: deny, severity: medium}
    - {id: network-isolation.egress-unrestricted, action: deny, severity: high}
    - {id: exposure.service-nodeport, action: deny, severity: high}  # the fixture's probe
)";
    return path;
  }

  // A Pod whose container sets its own controls; `podSecurityContext` is the pod's, for a debug
  // container to inherit.
  std::string pod(const std::string& name, const std::string& podSecurityContext) const {
    return R"(apiVersion: v1
kind: Pod
metadata: {name: )" + name + R"(, namespace: agents, labels: {app: agent}}
spec:
  securityContext: )" + podSecurityContext + R"(
  containers:
    - name: app
      image: registry.example.com/agents/app:1.0.0
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        seccompProfile: {type: RuntimeDefault}
)";
  }
};

TEST_F(EphemeralContainersClusterTest, DebugContainersAreJudgedWithWhatTheyInherit) {
  ASSERT_EQ(apply(kRestrictAgent).exitCode, 0);
  const nlohmann::json debug = {{"name", "debug"},
                                {"image", "registry.example.com/tools/debug:1.2.0"},
                                {"targetContainerName", "app"},
                                {"terminationMessagePolicy", "File"},
                                {"imagePullPolicy", "IfNotPresent"}};

  // The pod sets nothing: the debug container would run as root, unconfined.
  applyAdmitted(pod("bare-pod", "{}"));
  const auto bare = addEphemeralContainers("bare-pod", {debug});
  expectDenied(bare, "[privilege.run-as-non-root] spec.ephemeralContainers[0].securityContext.runAsNonRoot: "
                     "runAsNonRoot is set on neither the pod nor ephemeral container \"debug\"");
  expectDenied(bare, "[privilege.seccomp-required] spec.ephemeralContainers[0].securityContext.seccompProfile.type");

  // The pod sets runAsNonRoot but the Unconfined seccomp profile its own container overrides.
  applyAdmitted(pod("unconfined-pod", "{runAsNonRoot: true, seccompProfile: {type: Unconfined}}"));
  const auto unconfined = addEphemeralContainers("unconfined-pod", {debug});
  expectDenied(unconfined, "[privilege.seccomp-required] spec.ephemeralContainers[0].securityContext.seccompProfile");
  EXPECT_THAT(unconfined.err, Not(HasSubstr("run-as-non-root")));

  // The pod runs as UID 0 by default for containers that do not say otherwise.
  applyAdmitted(pod("root-pod", "{runAsNonRoot: true, runAsUser: 0, seccompProfile: {type: RuntimeDefault}}"));
  expectDenied(addEphemeralContainers("root-pod", {debug}),
               "[privilege.run-as-root-user] spec.ephemeralContainers[0].securityContext.runAsUser");

  // The pod's settings are safe: the debug container inherits them.
  applyAdmitted(pod("inheriting-pod", "{runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}"));
  const auto inherits = addEphemeralContainers("inheriting-pod", {debug});
  EXPECT_EQ(inherits.exitCode, 0) << inherits.err << "\n" << readFile(logFile());
}

// Since Kubernetes 1.23 a debug container may carry a securityContext of its own: what it sets is judged,
// over what the pod would give it.
TEST_F(EphemeralContainersClusterTest, DebugContainersAreJudgedWithTheirOwnSettings) {
  ASSERT_EQ(apply(kRestrictAgent).exitCode, 0);
  const auto debug = [](const nlohmann::json& securityContext) {
    return nlohmann::json{{"name", "debug"},
                          {"image", "registry.example.com/tools/debug:1.2.0"},
                          {"targetContainerName", "app"},
                          {"terminationMessagePolicy", "File"},
                          {"imagePullPolicy", "IfNotPresent"},
                          {"securityContext", securityContext}};
  };

  // The pod's settings are safe; the debug container asks for root, or for no seccomp profile.
  applyAdmitted(pod("safe-pod", "{runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}"));
  const auto root = addEphemeralContainers("safe-pod", {debug({{"runAsNonRoot", false}, {"runAsUser", 0}})});
  expectDenied(root, "[privilege.run-as-root-user] spec.ephemeralContainers[0].securityContext.runAsUser");
  expectDenied(root, "[privilege.run-as-non-root] spec.ephemeralContainers[0].securityContext.runAsNonRoot");
  expectDenied(addEphemeralContainers("safe-pod", {debug({{"seccompProfile", {{"type", "Unconfined"}}}})}),
               "[privilege.seccomp-required] spec.ephemeralContainers[0].securityContext.seccompProfile");
  EXPECT_EQ(kubectl({"-n", isolated_, "get", "pod", "safe-pod", "-o", "jsonpath={.spec.ephemeralContainers}"}).out, "");

  // The pod sets nothing, the debug container brings safe settings of its own.
  applyAdmitted(pod("bare-pod", "{}"));
  const auto own = addEphemeralContainers(
      "bare-pod", {debug({{"runAsNonRoot", true}, {"runAsUser", 10001}, {"seccompProfile", {{"type", "RuntimeDefault"}}}})});
  EXPECT_EQ(own.exitCode, 0) << own.err << "\n" << readFile(logFile());
}

TEST_F(WebhookBypassClusterTest, NetworkPoliciesCannotSetAdmittedWorkloadsFree) {
  ASSERT_EQ(apply(kRestrictAgent).exitCode, 0);
  applyAdmitted(hardenedDeployment("agent"));

  // Loosened to everything, stripped of its Egress type, pointed at other pods, deleted.
  expectDenied(patch("networkpolicy/restrict-agent", R"({"spec":{"egress":[{}]}})"),
               "[network-isolation.policy-loosening] spec: this version of NetworkPolicy \"restrict-agent\" would "
               "leave");
  expectDenied(patch("networkpolicy/restrict-agent", R"({"spec":{"policyTypes":["Ingress"],"egress":null}})"),
               "Deployment agent: ");
  expectDenied(patch("networkpolicy/restrict-agent", R"({"spec":{"podSelector":{"matchLabels":{"app":"other"}}}})"),
               "[network-isolation.policy-loosening]");
  expectDenied(kubectl({"-n", isolated_, "delete", "networkpolicy", "restrict-agent"}),
               "[network-isolation.policy-loosening] metadata.name: deleting NetworkPolicy \"restrict-agent\"");
  // A second policy that opens everything for the same pods (policies add up).
  expectDenied(apply(R"(apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: open-everything, namespace: agents}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress: [{}]
)"),
               "NetworkPolicy \"open-everything\" would leave");
  EXPECT_TRUE(exists("networkpolicy/restrict-agent"));

  // Narrowing, opening other pods' egress, and deleting while another policy still restricts: admitted.
  EXPECT_EQ(patch("networkpolicy/restrict-agent",
                  R"({"spec":{"egress":[{"to":[{"ipBlock":{"cidr":"10.0.0.10/32"}}],)"
                  R"("ports":[{"protocol":"UDP","port":53}]}]}})")
                .exitCode,
            0);
  EXPECT_EQ(apply(R"(apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: open-for-others, namespace: agents}
spec:
  podSelector: {matchLabels: {app: other}}
  policyTypes: [Egress]
  egress: [{}]
)").exitCode,
            0);
  applyAdmitted(R"(apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny-egress, namespace: agents}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
    - ports: [{protocol: UDP, port: 53}]
)");
  CommandResult deleted;
  EXPECT_TRUE(agentguard::testing::waitFor(
      [&] { return (deleted = kubectl({"-n", isolated_, "delete", "networkpolicy", "restrict-agent"})).exitCode == 0; },
      std::chrono::seconds(20)))
      << deleted.err;
  // Without workloads, the last policy may go: once the garbage collector has removed the ReplicaSet and its
  // Pods, and the webhook's view of the namespace has caught up (it follows the API server by a watch).
  ASSERT_EQ(kubectl({"-n", isolated_, "delete", "deployment", "agent"}).exitCode, 0);
  EXPECT_TRUE(agentguard::testing::waitFor(
      [&] { return kubectl({"-n", isolated_, "get", "replicasets,pods", "-o", "name"}).out.empty(); },
      std::chrono::seconds(30)));
  CommandResult last;
  EXPECT_TRUE(agentguard::testing::waitFor(
      [&] { return (last = kubectl({"-n", isolated_, "delete", "networkpolicy", "default-deny-egress"})).exitCode == 0; },
      std::chrono::seconds(20)))
      << last.err;
}

TEST_F(WebhookBypassClusterTest, PersistentVolumesCannotHandOutTheNodesFilesystem) {
  const auto volume = [this](const std::string& name, const std::string& source) {
    return R"(apiVersion: v1
kind: PersistentVolume
metadata:
  name: )" + name + "-" + run_ + R"(
  labels: {agentguard-e2e: )" + run_ + R"(}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
)" + source;
  };
  expectDenied(apply(volume("scratch", "  hostPath: {path: /var/lib/agent-scratch, type: DirectoryOrCreate}\n")),
               "[privilege.persistent-volume-host-path] spec.hostPath.path: PersistentVolume \"scratch-");
  expectDenied(apply(volume("root", "  hostPath: {path: /}\n")), "mounts the node's path \"/\"");
  expectDenied(apply(volume("local", R"(  storageClassName: local-storage
  local: {path: /mnt/disks/ssd1}
  nodeAffinity:
    required:
      nodeSelectorTerms:
        - matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [node-1]}]
)")),
               "[privilege.persistent-volume-host-path] spec.local.path");
  const auto nfs = apply(volume("datasets", "  nfs: {server: nfs.example.com, path: /exports/datasets}\n"));
  EXPECT_EQ(nfs.exitCode, 0) << nfs.err;
  const auto csi = apply(volume("workspace", "  csi: {driver: ebs.csi.aws.com, volumeHandle: vol-0123456789abcdef0}\n"));
  EXPECT_EQ(csi.exitCode, 0) << csi.err;
  EXPECT_NE(kubectl({"get", "persistentvolume", "root-" + run_}).exitCode, 0);
}

}  // namespace
}  // namespace agentguard::webhook
