#include "operator/builders/gate_builder.h"

#include <algorithm>
#include <cstdlib>

#include "operator/builders/network_policy_builder.h"

namespace agentguard::op {

using nlohmann::json;

namespace gate_resources {
const kube::Resource& deployments() {
  static const kube::Resource r{"apps", "v1", "deployments"};
  return r;
}
const kube::Resource& roleBindings() {
  static const kube::Resource r{"rbac.authorization.k8s.io", "v1", "rolebindings"};
  return r;
}
const kube::Resource& clusterRoleBindings() {
  static const kube::Resource r{"rbac.authorization.k8s.io", "v1", "clusterrolebindings", false};
  return r;
}
const kube::Resource& podDisruptionBudgets() {
  static const kube::Resource r{"policy", "v1", "poddisruptionbudgets"};
  return r;
}
}  // namespace gate_resources

namespace {

const std::string kName(kGateName);
constexpr std::string_view kApiTokenDirectory = "/var/run/secrets/kubernetes.io/serviceaccount";
// The gate Pod's decision log and the key that signs it (an emptyDir of its own).
constexpr std::string_view kGateDecisionDirectory = "/var/lib/agentguard-gate";

json metadata(const std::string& ns, const GateSettings& settings) {
  return {{"name", kName},
          {"namespace", ns},
          {"labels", gateLabels()},
          {"annotations", {{std::string(kGateConfigAnnotation), gateConfig(settings)}}}};
}

json typed(std::string_view apiVersion, std::string_view kind, json meta) {
  return {{"apiVersion", apiVersion}, {"kind", kind}, {"metadata", std::move(meta)}};
}

json restrictedContainerContext() {
  return {{"allowPrivilegeEscalation", false},
          {"privileged", false},
          {"readOnlyRootFilesystem", true},
          {"runAsNonRoot", true},
          {"capabilities", {{"drop", json::array({"ALL"})}}},
          {"seccompProfile", {{"type", "RuntimeDefault"}}}};
}

json probe(const char* path) {
  return {{"httpGet", {{"path", path}, {"port", "metrics"}}}, {"periodSeconds", 10}, {"timeoutSeconds", 2}};
}

// The gate Pod's volumes: its API token (projected, with the cluster CA and its namespace) and the
// emptyDir holding its decision log and signing key.
json gateVolumes() {
  const json namespaceItem = {{"path", "namespace"},
                              {"fieldRef", {{"apiVersion", "v1"}, {"fieldPath", "metadata.namespace"}}}};
  const json sources = json::array(
      {{{"serviceAccountToken", {{"path", "token"}, {"expirationSeconds", kGateTokenSeconds}}}},
       {{"configMap", {{"name", "kube-root-ca.crt"}, {"items", json::array({{{"key", "ca.crt"}, {"path", "ca.crt"}}})}}}},
       {{"downwardAPI", {{"items", json::array({namespaceItem})}}}}});
  return json::array({{{"name", "api-token"}, {"projected", {{"sources", sources}}}},
                      {{"name", "decisions"}, {"emptyDir", {{"sizeLimit", "1Gi"}}}}});
}

json deployment(const std::string& ns, const GateSettings& settings) {
  json container = {
      {"name", "gate"},
      {"image", settings.image},
      {"command", json::array({"/usr/local/bin/agentguard-gate"})},
      // Every decision is recorded before it takes effect, signed with a key each Pod creates in its own
      // volume on first start: the key never leaves the Pod (docs/tool-gate.md, "Records").
      {"args", json::array({"--namespace", ns,
                            "--decision-log-file=" + std::string(kGateDecisionDirectory) + "/$(POD_NAME).dsse.jsonl",
                            "--decision-signing-key=" + std::string(kGateDecisionDirectory) + "/$(POD_NAME).key.pem",
                            "--decision-signing-key-create"})},
      {"env", json::array({{{"name", "POD_NAME"},
                            {"valueFrom", {{"fieldRef", {{"apiVersion", "v1"}, {"fieldPath", "metadata.name"}}}}}}})},
      {"ports", json::array({{{"name", "mcp"}, {"containerPort", kGateMcpPort}, {"protocol", "TCP"}},
                             {{"name", "proxy"}, {"containerPort", kGateProxyPort}, {"protocol", "TCP"}},
                             {{"name", "metrics"}, {"containerPort", kGateMetricsPort}, {"protocol", "TCP"}}})},
      {"livenessProbe", probe("/healthz")},
      {"readinessProbe", probe("/readyz")},
      {"securityContext", restrictedContainerContext()},
      // The gate reads the API (TokenReview, its namespace's sandboxes, Pods and Secrets) with a projected token
      // mounted into this container only, rather than the automounted one.
      {"volumeMounts", json::array({{{"name", "api-token"}, {"mountPath", kApiTokenDirectory}, {"readOnly", true}},
                                    {{"name", "decisions"}, {"mountPath", kGateDecisionDirectory}}})}};
  if (settings.resources.is_object() && !settings.resources.empty()) container["resources"] = settings.resources;
  json podMeta = {{"labels", gateLabels()}};
  json podSpec = {
      {"serviceAccountName", kName},
      {"automountServiceAccountToken", false},
      {"enableServiceLinks", false},
      {"securityContext",
       {{"runAsNonRoot", true}, {"runAsUser", 65532}, {"runAsGroup", 65532}, {"seccompProfile", {{"type", "RuntimeDefault"}}}}},
      {"containers", json::array({std::move(container)})},
      {"volumes", gateVolumes()},
      {"topologySpreadConstraints",
       json::array({{{"maxSkew", 1},
                     {"topologyKey", "kubernetes.io/hostname"},
                     {"whenUnsatisfiable", "ScheduleAnyway"},
                     {"labelSelector", {{"matchLabels", gateLabels()}}}}})}};
  json meta = metadata(ns, settings);
  json out = typed("apps/v1", "Deployment", std::move(meta));
  out["spec"] = {{"replicas", settings.replicas},
                 {"selector", {{"matchLabels", gateLabels()}}},
                 {"strategy", {{"type", "RollingUpdate"}, {"rollingUpdate", {{"maxUnavailable", 0}, {"maxSurge", 1}}}}},
                 {"template", {{"metadata", std::move(podMeta)}, {"spec", std::move(podSpec)}}}};
  return out;
}

json service(const std::string& ns, const GateSettings& settings) {
  json out = typed("v1", "Service", metadata(ns, settings));
  out["spec"] = {{"type", "ClusterIP"},
                 {"selector", gateLabels()},
                 {"ports", json::array({{{"name", "mcp"}, {"port", kGateMcpPort}, {"targetPort", "mcp"}, {"protocol", "TCP"}},
                                        {{"name", "proxy"}, {"port", kGateProxyPort}, {"targetPort", "proxy"}, {"protocol", "TCP"}},
                                        {{"name", "metrics"}, {"port", kGateMetricsPort}, {"targetPort", "metrics"}, {"protocol", "TCP"}}})}};
  return out;
}

// RFC 1918, CGNAT (RFC 6598) and IPv6 unique-local: where a cluster's pods, services and API server live.
constexpr const char* kPrivateRanges[] = {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"};

json gateEgressRules(const GateEgress& egress) {
  json cluster = json::array();
  std::set<std::string> blocks(std::begin(kPrivateRanges), std::end(kPrivateRanges));
  blocks.insert(egress.clusterCidrs.begin(), egress.clusterCidrs.end());
  for (const std::string& block : blocks) cluster.push_back({{"ipBlock", {{"cidr", block}}}});
  json ports = json::array();
  for (const int port : egress.publicPorts) ports.push_back({{"protocol", "TCP"}, {"port", port}});
  // Link-local (cloud metadata) stays out of the public rule.
  const json internet = json::array({{{"ipBlock", {{"cidr", "0.0.0.0/0"}, {"except", json::array({"169.254.0.0/16"})}}}},
                                     {{"ipBlock", {{"cidr", "::/0"}, {"except", json::array({"fe80::/10"})}}}}});
  return json::array({{{"to", std::move(cluster)}}, {{"to", internet}, {"ports", std::move(ports)}}});
}

json networkPolicy(const std::string& ns, const GateSettings& settings, const GateEgress& egress) {
  json out = typed("networking.k8s.io/v1", "NetworkPolicy", metadata(ns, settings));
  const json fromSandboxes = {{"podSelector", {{"matchExpressions", json::array({{{"key", std::string(kSandboxLabel)},
                                                                                  {"operator", "Exists"}}})}}}};
  out["spec"] = {
      {"podSelector", gatePodSelector()},
      {"policyTypes", json::array({"Ingress", "Egress"})},
      {"ingress",
       json::array({{{"from", json::array({fromSandboxes})},
                     {"ports", json::array({{{"protocol", "TCP"}, {"port", kGateMcpPort}},
                                            {{"protocol", "TCP"}, {"port", kGateProxyPort}}})}},
                    {{"ports", json::array({{{"protocol", "TCP"}, {"port", kGateMetricsPort}}})}}})},
      {"egress", gateEgressRules(egress)}};
  return out;
}

json podDisruptionBudget(const std::string& ns, const GateSettings& settings) {
  json out = typed("policy/v1", "PodDisruptionBudget", metadata(ns, settings));
  out["spec"] = {{"maxUnavailable", 1}, {"selector", {{"matchLabels", gateLabels()}}}};
  return out;
}

json roleBinding(const std::string& ns, const GateSettings& settings) {
  json out = typed("rbac.authorization.k8s.io/v1", "RoleBinding", metadata(ns, settings));
  out["roleRef"] = {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "ClusterRole"}, {"name", settings.clusterRole}};
  out["subjects"] = json::array({gateSubject(ns)});
  return out;
}

// Sets `name` to `value` in a container's env, dropping any entry of that name the template wrote.
void setEnv(json& env, const std::string& name, const std::string& value) {
  env.erase(std::remove_if(env.begin(), env.end(),
                           [&name](const json& entry) { return entry.is_object() && entry.value("name", "") == name; }),
            env.end());
  env.push_back({{"name", name}, {"value", value}});
}

}  // namespace

std::string gateConfig(const GateSettings& settings) {
  return json{{"image", settings.image},
              {"replicas", settings.replicas},
              {"resources", settings.resources},
              {"clusterRole", settings.clusterRole}}
      .dump();
}

json gateLabels() {
  return {{std::string(kAppNameLabel), kName}, {std::string(kManagedByLabel), std::string(kManagedByValue)}};
}

json gatePodSelector() {
  return {{"matchLabels", gateLabels()},
          {"matchExpressions", json::array({{{"key", std::string(kSandboxLabel)}, {"operator", "DoesNotExist"}}})}};
}

json gateSubject(const std::string& ns) { return {{"kind", "ServiceAccount"}, {"name", kName}, {"namespace", ns}}; }

void addGatePorts(const AgentSandboxSpec& spec, std::set<int>& ports) {
  for (const std::string& host : spec.network.egressHosts) {
    const size_t colon = host.rfind(':');
    if (colon == std::string::npos) continue;
    const int port = std::atoi(host.c_str() + colon + 1);
    if (port >= 1 && port <= 65535) ports.insert(port);
  }
  if (!spec.tools) return;
  for (const ToolServer& server : spec.tools->servers) {
    const bool https = server.url.rfind("https://", 0) == 0;
    const size_t start = server.url.find("://");
    if (start == std::string::npos) continue;
    const size_t end = std::min(server.url.find_first_of("/?#", start + 3), server.url.size());
    const std::string authority = server.url.substr(start + 3, end - start - 3);
    const size_t bracket = authority.rfind(']');
    const size_t colon = authority.rfind(':');
    int port = https ? 443 : 80;
    if (colon != std::string::npos && (bracket == std::string::npos || colon > bracket)) {
      const int given = std::atoi(authority.c_str() + colon + 1);
      if (given >= 1 && given <= 65535) port = given;
    }
    ports.insert(port);
  }
}

std::vector<GateObject> buildGateObjects(const std::string& ns, const GateSettings& settings, const GateEgress& egress) {
  json account = typed("v1", "ServiceAccount", metadata(ns, settings));
  account["automountServiceAccountToken"] = false;
  return {{&kube::resources::serviceAccounts(), std::move(account)},
          {&gate_resources::roleBindings(), roleBinding(ns, settings)},
          {&kube::resources::networkPolicies(), networkPolicy(ns, settings, egress)},
          {&kube::resources::services(), service(ns, settings)},
          {&gate_resources::deployments(), deployment(ns, settings)},
          {&gate_resources::podDisruptionBudgets(), podDisruptionBudget(ns, settings)}};
}

std::string gateClusterIp(const json& service) {
  if (!service.is_object()) return {};
  const json spec = service.value("spec", json::object());
  const std::string ip = spec.is_object() ? spec.value("clusterIP", "") : "";
  return ip == "None" ? std::string() : ip;
}

void addGateAccess(json& pod, const std::string& clusterIp) {
  json& spec = pod["spec"];
  const std::string directory(kGateTokenDirectory);
  const bool v6 = clusterIp.find(':') != std::string::npos;
  const std::string host = v6 ? "[" + clusterIp + "]" : clusterIp;
  if (!spec.contains("volumes") || !spec["volumes"].is_array()) spec["volumes"] = json::array();
  spec["volumes"].push_back(
      {{"name", std::string(kGateTokenVolume)},
       {"projected",
        {{"sources", json::array({{{"serviceAccountToken", {{"audience", std::string(kGateAudience)},
                                                            {"expirationSeconds", kGateTokenSeconds},
                                                            {"path", "token"}}}}})}}}});
  for (const char* list : {"initContainers", "containers"}) {
    if (!spec.contains(list) || !spec[list].is_array()) continue;
    for (json& container : spec[list]) {
      if (!container.contains("volumeMounts") || !container["volumeMounts"].is_array()) {
        container["volumeMounts"] = json::array();
      }
      container["volumeMounts"].push_back(
          {{"name", std::string(kGateTokenVolume)}, {"mountPath", directory}, {"readOnly", true}});
      if (!container.contains("env") || !container["env"].is_array()) container["env"] = json::array();
      json& env = container["env"];
      setEnv(env, "MCP_GATEWAY_URL", "http://" + host + ":" + std::to_string(kGateMcpPort) + "/mcp");
      const std::string proxy = "http://" + host + ":" + std::to_string(kGateProxyPort);
      setEnv(env, "HTTPS_PROXY", proxy);
      setEnv(env, "https_proxy", proxy);
      setEnv(env, "NO_PROXY", clusterIp);
      setEnv(env, "no_proxy", clusterIp);
      setEnv(env, "AGENTGUARD_GATE_TOKEN_FILE", directory + "/token");
    }
  }
}

json buildGatedNetworkPolicy(const SandboxMeta& sandbox, const NetworkSpec& network) {
  NetworkSpec ingressOnly;
  ingressOnly.ingress = network.ingress;
  ingressOnly.dns.mode = DnsMode::kNone;
  json policy = buildNetworkPolicy(sandbox, ingressOnly);
  policy["spec"]["egress"] =
      json::array({{{"to", json::array({{{"podSelector", gatePodSelector()}}})},
                    {"ports", json::array({{{"protocol", "TCP"}, {"port", kGateMcpPort}},
                                           {{"protocol", "TCP"}, {"port", kGateProxyPort}}})}}});
  return policy;
}

}  // namespace agentguard::op
