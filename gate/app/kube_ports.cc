#include "gate/app/kube_ports.h"

#include "common/encoding/base64.h"
#include "common/kube/resource.h"

namespace agentguard::gate::app {

SecretCredentials::SecretCredentials(kube::KubeClient& client, std::chrono::seconds ttl) : client_(client), ttl_(ttl) {}

Result<std::string> SecretCredentials::secretValue(const std::string& ns, const std::string& name,
                                                   const std::string& key) {
  const std::string cacheKey = ns + "/" + name + "/" + key;
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto found = cache_.find(cacheKey);
    if (found != cache_.end() && found->second.expires > now) return found->second.value;
  }
  Result<nlohmann::json> secret = client_.get(kube::resources::secrets(), ns, name);
  if (!secret) return secret.error();
  const auto data = secret->find("data");
  if (data == secret->end() || !data->is_object() || !data->contains(key) || !(*data)[key].is_string()) {
    return makeError(ErrorCode::kNotFound, "Secret " + ns + "/" + name + " has no data." + key +
                                               "; add the upstream's token under that key");
  }
  std::optional<std::string> value = encoding::decodeBase64((*data)[key].get<std::string>(), encoding::kStrictBase64);
  if (!value || value->empty() || value->find_first_of("\r\n") != std::string::npos) {
    return makeError(ErrorCode::kInvalidArgument, "Secret " + ns + "/" + name + " data." + key +
                                                      " is not a single-line token; store the bare token");
  }
  std::lock_guard<std::mutex> lock(mutex_);
  cache_[cacheKey] = {*value, now + ttl_};
  return *value;
}

Result<server::Caller> TokenCallers::authenticate(const std::string& token, const std::string& sourceIp) {
  Result<gate::Caller> caller = authenticator_.authenticate(token, sourceIp);
  if (!caller) return caller.error();
  return server::Caller{caller->namespaceName, caller->sandbox, caller->sandboxUid, caller->pod,
                        caller->podUid,        caller->serviceAccount, caller->sourceIp};
}

}  // namespace agentguard::gate::app
