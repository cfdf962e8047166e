#pragma once

// An in-memory CallerLookup for the pure logic of caller authentication: TokenReview answers per token,
// Pods by name, and a count of the calls so caching is observable.

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "gate/auth/caller_lookup.h"

namespace agentguard::gate::testing {

using Json = nlohmann::json;

// A TokenReview status for a Pod-bound token of `ns`/`serviceAccount`.
inline Json boundTokenStatus(const std::string& ns, const std::string& serviceAccount, const std::string& pod,
                             const std::string& podUid, const std::string& audience = "agentguard-gate") {
  return Json{{"authenticated", true},
              {"audiences", Json::array({audience})},
              {"user",
               {{"username", "system:serviceaccount:" + ns + ":" + serviceAccount},
                {"uid", "sa-uid"},
                {"extra",
                 {{"authentication.kubernetes.io/pod-name", Json::array({pod})},
                  {"authentication.kubernetes.io/pod-uid", Json::array({podUid})}}}}}};
}

// A Running sandbox Pod controlled by AgentSandbox `sandbox`.
inline Json sandboxPod(const std::string& ns, const std::string& name, const std::string& uid, const std::string& ip,
                       const std::string& sandbox = "analyst", const std::string& serviceAccount = "agent") {
  return Json{{"metadata",
               {{"namespace", ns},
                {"name", name},
                {"uid", uid},
                {"ownerReferences", Json::array({{{"apiVersion", "agentguard.io/v1alpha1"},
                                                  {"kind", "AgentSandbox"},
                                                  {"name", sandbox},
                                                  {"uid", sandbox + "-uid"},
                                                  {"controller", true}}})}}},
              {"spec", {{"serviceAccountName", serviceAccount}}},
              {"status", {{"phase", "Running"}, {"podIP", ip}, {"podIPs", Json::array({{{"ip", ip}}})}}}};
}

class FakeCallerLookup final : public CallerLookup {
 public:
  std::map<std::string, Result<Json>> reviews;  // token -> status, or the call's error
  std::map<std::string, Json> pods;             // "ns/name" -> Pod
  std::optional<Error> podError;
  int reviewCalls = 0;
  std::vector<std::string> reviewedAudiences;

  Result<Json> reviewToken(const Json& tokenReview) override {
    ++reviewCalls;
    reviewedAudiences.push_back(tokenReview.at("/spec/audiences/0"_json_pointer).get<std::string>());
    const auto it = reviews.find(tokenReview.at("/spec/token"_json_pointer).get<std::string>());
    if (it == reviews.end()) return Json{{"status", {{"authenticated", false}, {"error", "invalid bearer token"}}}};
    if (!it->second.ok()) return it->second.error();
    Json created = tokenReview;
    created["status"] = *it->second;
    return created;
  }

  Result<kube::SharedObject> getPod(std::string_view ns, std::string_view name) override {
    if (podError) return *podError;
    const auto it = pods.find(std::string(ns) + "/" + std::string(name));
    if (it == pods.end()) return makeError(ErrorCode::kNotFound, "pods not found");
    return std::make_shared<const Json>(it->second);
  }

  Result<std::vector<kube::SharedObject>> podsWithIp(std::string_view ns, std::string_view ip) override {
    if (podError) return *podError;
    std::vector<kube::SharedObject> found;
    for (const auto& [key, pod] : pods) {
      if (key.rfind(std::string(ns) + "/", 0) == 0 && pod.value("/status/podIP"_json_pointer, std::string()) == ip) {
        found.push_back(std::make_shared<const Json>(pod));
      }
    }
    return found;
  }
};

}  // namespace agentguard::gate::testing
