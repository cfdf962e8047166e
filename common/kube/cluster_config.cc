#include "common/kube/cluster_config.h"

#include <sys/stat.h>

#include <cstdlib>
#include <optional>
#include <sstream>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "common/encoding/base64.h"
#include "common/file/file_contents.h"

namespace agentguard::kube {
namespace {

constexpr std::string_view kServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

bool fileExists(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

std::string trimmed(std::string text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

std::string directoryOf(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// Paths inside a kubeconfig are relative to the file's directory.
std::string resolvePath(const std::string& kubeconfigPath, const std::string& path) {
  if (path.empty() || path.front() == '/') return path;
  return directoryOf(kubeconfigPath) + "/" + path;
}

std::string scalar(const YAML::Node& map, const char* key) {
  const YAML::Node value = map[key];
  return (value && value.IsScalar()) ? value.Scalar() : std::string();
}

// The entry of a named list ("contexts", "clusters", "users") called `name`: its `field` mapping.
std::optional<YAML::Node> findNamed(const YAML::Node& root, const char* list, const char* field,
                                    const std::string& name, std::vector<std::string>& known) {
  const YAML::Node entries = root[list];
  if (!entries || !entries.IsSequence()) return std::nullopt;
  for (const YAML::Node& entry : entries) {
    if (!entry.IsMap()) continue;
    const std::string entryName = scalar(entry, "name");
    known.push_back(entryName);
    if (entryName == name) {
      const YAML::Node body = entry[field];
      if (body && body.IsMap()) return body;
      return YAML::Node(YAML::NodeType::Map);
    }
  }
  return std::nullopt;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out.empty() ? "none" : out;
}

// One PEM value given inline as base64 (`dataKey`) or as a file (`fileKey`); the inline value wins.
Result<std::string> pemValue(const YAML::Node& map, const char* dataKey, const char* fileKey,
                             const std::string& kubeconfigPath, const std::string& where) {
  const std::string data = scalar(map, dataKey);
  if (!data.empty()) {
    auto decoded = encoding::decodeBase64(data, encoding::kLenientBase64);
    if (!decoded) {
      return makeError(ErrorCode::kInvalidArgument,
                       where + "." + dataKey + " is not base64; encode the PEM with `base64 -w0`");
    }
    return std::move(*decoded);
  }
  const std::string file = scalar(map, fileKey);
  if (file.empty()) return std::string();
  auto text = file::readFileContents(resolvePath(kubeconfigPath, file), std::string(where) + "." + fileKey);
  if (!text.ok()) return makeError(ErrorCode::kInvalidArgument, "kubeconfig " + text.error().message);
  return std::move(text).value();
}

Result<ClusterConfig> parseKubeconfig(const YAML::Node& root, const std::string& path, const std::string& context,
                                      bool allowInsecure) {
  const std::string prefix = "kubeconfig " + path + ": ";
  if (!root.IsMap()) return makeError(ErrorCode::kInvalidArgument, prefix + "not a YAML mapping");

  const std::string contextName = context.empty() ? scalar(root, "current-context") : context;
  if (contextName.empty()) {
    return makeError(ErrorCode::kInvalidArgument,
                     prefix + "current-context is not set; set it or pass a context name");
  }
  std::vector<std::string> known;
  const auto foundContext = findNamed(root, "contexts", "context", contextName, known);
  if (!foundContext) {
    return makeError(ErrorCode::kInvalidArgument,
                     prefix + "context \"" + contextName + "\" not found (contexts: " + joined(known) + ")");
  }
  const YAML::Node& ctx = *foundContext;
  const std::string clusterName = scalar(ctx, "cluster");
  const std::string userName = scalar(ctx, "user");

  known.clear();
  const auto foundCluster = findNamed(root, "clusters", "cluster", clusterName, known);
  if (!foundCluster) {
    return makeError(ErrorCode::kInvalidArgument, prefix + "cluster \"" + clusterName + "\" of context \"" +
                                                      contextName + "\" not found (clusters: " + joined(known) + ")");
  }
  const YAML::Node& cluster = *foundCluster;
  const std::string clusterWhere = prefix + "clusters[" + clusterName + "].cluster";

  ClusterConfig config;
  config.server = scalar(cluster, "server");
  while (!config.server.empty() && config.server.back() == '/') config.server.pop_back();
  if (config.server.rfind("https://", 0) != 0 && !(allowInsecure && config.server.rfind("http://", 0) == 0)) {
    return makeError(ErrorCode::kInvalidArgument,
                     clusterWhere + ".server is \"" + config.server + "\"; it must be an https:// URL");
  }
  if (!scalar(cluster, "proxy-url").empty()) {
    return makeError(ErrorCode::kInvalidArgument,
                     clusterWhere + ".proxy-url is not supported; reach the API server directly");
  }
  const YAML::Node insecure = cluster["insecure-skip-tls-verify"];
  if (insecure && insecure.IsScalar() && insecure.as<bool>(false)) {
    if (!allowInsecure) {
      return makeError(ErrorCode::kInvalidArgument,
                       clusterWhere +
                           ".insecure-skip-tls-verify is true; refusing to trust an unverified API server. Set "
                           "certificate-authority-data to the cluster CA instead");
    }
    config.insecureSkipTlsVerify = true;
  }
  auto ca = pemValue(cluster, "certificate-authority-data", "certificate-authority", path, clusterWhere);
  if (!ca.ok()) return std::move(ca).error();
  config.caData = std::move(ca).value();

  if (!userName.empty()) {
    known.clear();
    const auto foundUser = findNamed(root, "users", "user", userName, known);
    if (!foundUser) {
      return makeError(ErrorCode::kInvalidArgument, prefix + "user \"" + userName + "\" of context \"" +
                                                        contextName + "\" not found (users: " + joined(known) + ")");
    }
    const YAML::Node& user = *foundUser;
    const std::string userWhere = prefix + "users[" + userName + "].user";
    for (const char* unsupported : {"exec", "auth-provider", "username", "password"}) {
      if (user[unsupported]) {
        return makeError(ErrorCode::kInvalidArgument,
                         userWhere + "." + unsupported +
                             " is not supported; use token, tokenFile or client-certificate-data/client-key-data");
      }
    }
    auto cert = pemValue(user, "client-certificate-data", "client-certificate", path, userWhere);
    if (!cert.ok()) return std::move(cert).error();
    auto key = pemValue(user, "client-key-data", "client-key", path, userWhere);
    if (!key.ok()) return std::move(key).error();
    config.clientCertificateData = std::move(cert).value();
    config.clientKeyData = std::move(key).value();
    if (config.clientCertificateData.empty() != config.clientKeyData.empty()) {
      return makeError(ErrorCode::kInvalidArgument,
                       userWhere + " has a client certificate without its key (or a key without its certificate); "
                                   "set both client-certificate-data and client-key-data");
    }
    config.token = scalar(user, "token");
    const std::string tokenFile = scalar(user, "tokenFile");
    if (!tokenFile.empty()) {
      config.tokenFile = resolvePath(path, tokenFile);
      if (!fileExists(config.tokenFile)) {
        return makeError(ErrorCode::kInvalidArgument,
                         userWhere + ".tokenFile " + config.tokenFile + " does not exist");
      }
    }
  }

  const std::string ns = scalar(ctx, "namespace");
  if (!ns.empty()) config.defaultNamespace = ns;
  return config;
}

}  // namespace

Result<ClusterConfig> loadKubeconfig(const std::string& path, const std::string& context, bool allowInsecure) {
  auto text = file::readFileContents(path, "kubeconfig");
  if (!text.ok()) return std::move(text).error();
  try {
    const YAML::Node root = YAML::Load(*text);
    return parseKubeconfig(root, path, context, allowInsecure);
  } catch (const YAML::Exception& e) {
    return makeError(ErrorCode::kInvalidArgument, "kubeconfig " + path + ": " + e.what());
  }
}

Result<ClusterConfig> loadInClusterConfig(const std::string& serviceHost, const std::string& servicePort,
                                          const std::string& serviceAccountDir) {
  if (serviceHost.empty() || servicePort.empty()) {
    return makeError(ErrorCode::kNotFound,
                     "not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set");
  }
  ClusterConfig config;
  const bool ipv6 = serviceHost.find(':') != std::string::npos;
  config.server = "https://" + (ipv6 ? "[" + serviceHost + "]" : serviceHost) + ":" + servicePort;
  config.tokenFile = serviceAccountDir + "/token";
  if (!fileExists(config.tokenFile)) {
    return makeError(ErrorCode::kNotFound, "in-cluster config: the service-account token " + config.tokenFile +
                                               " is missing; is automountServiceAccountToken disabled?");
  }
  auto ca = file::readFileContents(serviceAccountDir + "/ca.crt", "the service-account CA");
  if (!ca.ok()) return makeError(ErrorCode::kNotFound, "in-cluster config: " + ca.error().message);
  config.caData = std::move(ca).value();
  auto ns = file::readFileContents(serviceAccountDir + "/namespace", "the service-account namespace");
  if (ns.ok() && !trimmed(*ns).empty()) config.defaultNamespace = trimmed(*ns);
  return config;
}

Result<ClusterConfig> loadInClusterConfig() {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  return loadInClusterConfig(host != nullptr ? host : "", port != nullptr ? port : "",
                             std::string(kServiceAccountDir));
}

Result<ClusterConfig> resolveClusterConfig(const std::string& kubeconfigFlag) {
  if (!kubeconfigFlag.empty()) return loadKubeconfig(kubeconfigFlag);

  const char* env = std::getenv("KUBECONFIG");
  if (env != nullptr && *env != '\0') {
    // A list like kubectl's; the first file that exists is used (files are not merged).
    std::stringstream list(env);
    std::string entry;
    while (std::getline(list, entry, ':')) {
      if (!entry.empty() && fileExists(entry)) return loadKubeconfig(entry);
    }
    return makeError(ErrorCode::kNotFound,
                     std::string("KUBECONFIG is set to \"") + env + "\" but none of its files exists");
  }

  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  if (host != nullptr && *host != '\0') return loadInClusterConfig();

  const char* home = std::getenv("HOME");
  const std::string fallback = std::string(home != nullptr ? home : "") + "/.kube/config";
  if (!fileExists(fallback)) {
    return makeError(ErrorCode::kNotFound, "no cluster configuration: pass --kubeconfig, set KUBECONFIG, run in a "
                                           "pod, or create " + fallback);
  }
  return loadKubeconfig(fallback);
}

}  // namespace agentguard::kube
