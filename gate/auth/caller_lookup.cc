#include "gate/auth/caller_lookup.h"

#include <string>
#include <utility>

namespace agentguard::gate {
namespace {

const kube::Resource& tokenReviews() {
  static const kube::Resource resource{"authentication.k8s.io", "v1", "tokenreviews", false};
  return resource;
}

class KubeCallerLookup final : public CallerLookup {
 public:
  explicit KubeCallerLookup(kube::KubeClient& client) : client_(client) {}

  Result<nlohmann::json> reviewToken(const nlohmann::json& tokenReview) override {
    return client_.create(tokenReviews(), "", tokenReview);
  }

  Result<nlohmann::json> getPod(std::string_view ns, std::string_view name) override {
    return client_.get(kube::resources::pods(), ns, name);
  }

  Result<std::vector<nlohmann::json>> podsWithIp(std::string_view ns, std::string_view ip) override {
    kube::ListOptions options;
    options.fieldSelector = "status.podIP=" + std::string(ip);
    auto listed = client_.listAll(kube::resources::pods(), ns, options);
    if (!listed.ok()) return std::move(listed).error();
    return std::move(listed->items);
  }

 private:
  kube::KubeClient& client_;
};

}  // namespace

std::unique_ptr<CallerLookup> makeKubeCallerLookup(kube::KubeClient& client) {
  return std::make_unique<KubeCallerLookup>(client);
}

}  // namespace agentguard::gate
