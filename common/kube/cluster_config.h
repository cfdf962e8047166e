#pragma once

#include <string>

#include "common/result/result.h"

namespace agentguard::kube {

// How to reach and authenticate to an API server.
struct ClusterConfig {
  std::string server;               // https://host:port
  std::string caData;               // PEM; empty = system trust store
  std::string clientCertificateData;  // PEM
  std::string clientKeyData;          // PEM
  std::string token;                // bearer token
  std::string tokenFile;            // re-read on use (bound service-account tokens rotate)
  bool insecureSkipTlsVerify = false;
  std::string defaultNamespace = "default";
};

// Reads a kubeconfig file: the current context (or `context` when given), its cluster and user.
// Inline *-data fields and file references are both supported. insecure-skip-tls-verify is refused
// unless `allowInsecure`.
Result<ClusterConfig> loadKubeconfig(const std::string& path, const std::string& context = "",
                                     bool allowInsecure = false);

// In-cluster config: KUBERNETES_SERVICE_HOST/PORT, the service-account token file and CA.
Result<ClusterConfig> loadInClusterConfig();

// The same from explicit inputs: the service host and port, and the directory holding token, ca.crt and
// namespace (normally /var/run/secrets/kubernetes.io/serviceaccount). For tests and unusual mounts.
Result<ClusterConfig> loadInClusterConfig(const std::string& serviceHost, const std::string& servicePort,
                                          const std::string& serviceAccountDir);

// --kubeconfig when given, else $KUBECONFIG, else in-cluster when running in a pod, else ~/.kube/config.
Result<ClusterConfig> resolveClusterConfig(const std::string& kubeconfigFlag);

}  // namespace agentguard::kube
