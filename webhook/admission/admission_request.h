#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/manifest/parse_limits.h"
#include "common/result/result.h"

namespace agentguard::webhook {

constexpr std::string_view kAdmissionApiVersion = "admission.k8s.io/v1";
constexpr std::string_view kAdmissionReviewKind = "AdmissionReview";

// The fields of an admission.k8s.io/v1 AdmissionReview request that the webhook uses.
struct AdmissionRequest {
  std::string uid;
  std::string group;        // request.kind.group ("" for the core group)
  std::string version;      // request.kind.version
  std::string kind;         // request.kind.kind, e.g. "Deployment"
  std::string resource;     // request.resource.resource, e.g. "deployments"
  std::string subResource;  // request.subResource, e.g. "status"; "" for the main resource
  std::string operation;    // CREATE | UPDATE | DELETE | CONNECT
  std::string namespace_;   // "" for cluster-scoped objects
  std::string name;         // "" on CREATE with generateName
  bool dryRun = false;
  std::string username;             // request.userInfo.username
  std::vector<std::string> groups;  // request.userInfo.groups
  nlohmann::json object;     // null when absent (DELETE)
  nlohmann::json oldObject;  // null when absent (CREATE)
};

// Decodes an AdmissionReview from the body of POST /validate. InvalidArgument when the body is not
// strict JSON within `limits` (duplicate keys anywhere, depth, number of values, size; see
// parseStrictJson) or not an admission.k8s.io/v1 AdmissionReview with a request and a request.uid.
// Never throws.
Result<AdmissionRequest> decodeAdmissionReview(std::string_view body, const manifest::ParseLimits& limits);

}  // namespace agentguard::webhook
