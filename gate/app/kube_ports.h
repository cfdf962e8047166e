#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "common/kube/kube_client.h"
#include "gate/auth/caller_authenticator.h"
#include "gate/server/call_ports.h"

namespace agentguard::gate::app {

// Upstream credentials from Secrets in the sandbox's namespace, each kept for `ttl` so that a call does
// not wait for the API server while a rotated value still reaches the upstream within that time.
class SecretCredentials final : public server::CredentialSource {
 public:
  SecretCredentials(kube::KubeClient& client, std::chrono::seconds ttl = std::chrono::seconds(30));
  Result<std::string> secretValue(const std::string& ns, const std::string& name, const std::string& key) override;

 private:
  struct Cached {
    std::string value;
    std::chrono::steady_clock::time_point expires;
  };
  kube::KubeClient& client_;
  std::chrono::seconds ttl_;
  std::mutex mutex_;
  std::map<std::string, Cached> cache_;  // "ns/name/key"; guarded by mutex_
};

// The MCP proxy's caller authentication through gate/auth (TokenReview, the bound Pod, its address).
class TokenCallers final : public server::CallerAuthenticator {
 public:
  explicit TokenCallers(gate::CallerAuthenticator& authenticator) : authenticator_(authenticator) {}
  Result<server::Caller> authenticate(const std::string& token, const std::string& sourceIp) override;

 private:
  gate::CallerAuthenticator& authenticator_;
};

}  // namespace agentguard::gate::app
