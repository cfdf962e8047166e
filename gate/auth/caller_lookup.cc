#include "gate/auth/caller_lookup.h"

#include <string>
#include <utility>

#include "gate/auth/pod_identity.h"

namespace agentguard::gate {
namespace {

using Json = nlohmann::json;

const kube::Resource& tokenReviews() {
  static const kube::Resource resource{"authentication.k8s.io", "v1", "tokenreviews", false};
  return resource;
}

kube::InformerOptions podInformerOptions(std::string ns, kube::InformerOptions options) {
  options.ns = std::move(ns);
  options.labelSelector = std::string(kSandboxPodLabel);
  options.relistAfterWatchFailure = true;
  options.resyncPeriod = std::chrono::seconds(0);  // no handlers to resync
  return options;
}

}  // namespace

PodInformerLookup::PodInformerLookup(kube::KubeClient& client, std::string ns, log::Logger& logger,
                                     kube::InformerOptions options)
    : client_(client),
      ns_(ns),
      informer_(client, kube::resources::pods(), podInformerOptions(std::move(ns), std::move(options)), logger) {}

Result<Json> PodInformerLookup::reviewToken(const Json& tokenReview) {
  return client_.create(tokenReviews(), "", tokenReview);
}

Status PodInformerLookup::usable(std::string_view ns) const {
  if (ns != ns_) {
    return makeError(ErrorCode::kInternal, "the gate caches the Pods of namespace " + ns_ + ", not of " + std::string(ns));
  }
  if (!informer_.current()) {
    return makeError(ErrorCode::kUnavailable, "the gate's cache of the Pods of namespace " + ns_ +
                                                  " is not in step with the API server (starting, or re-listing after "
                                                  "a broken watch); retry shortly");
  }
  return okStatus();
}

Result<kube::SharedObject> PodInformerLookup::getPod(std::string_view ns, std::string_view name) {
  if (Status status = usable(ns); !status.ok()) return status.error();
  kube::SharedObject pod = informer_.get(ns_, std::string(name));
  if (!pod) {
    return makeError(ErrorCode::kNotFound, "pod " + ns_ + "/" + std::string(name) +
                                               " does not exist or has no " + std::string(kSandboxPodLabel) + " label");
  }
  return pod;
}

Result<std::vector<kube::SharedObject>> PodInformerLookup::podsWithIp(std::string_view ns, std::string_view ip) {
  if (Status status = usable(ns); !status.ok()) return status.error();
  std::vector<kube::SharedObject> found;
  for (kube::SharedObject& pod : informer_.list(ns_)) {
    if (podHasIp(*pod, ip)) found.push_back(std::move(pod));
  }
  return found;
}

}  // namespace agentguard::gate
