#include "webhook/admission/admission_request.h"

#include <utility>

#include "common/manifest/strict_json.h"

namespace agentguard::webhook {
namespace {

// The string at `key` of `object`, or "" when absent or not a string.
std::string stringAt(const nlohmann::json& object, std::string_view key) {
  if (!object.is_object()) return "";
  const auto found = object.find(key);
  if (found == object.end() || !found->is_string()) return "";
  return found->get<std::string>();
}

Error notAReview(std::string reason) {
  return makeError(ErrorCode::kInvalidArgument, "body is not an admission.k8s.io/v1 AdmissionReview: " + reason);
}

}  // namespace

Result<AdmissionRequest> decodeAdmissionReview(nlohmann::json&& review) {
  if (!review.is_object()) return notAReview("the document is not a JSON object");
  const std::string apiVersion = stringAt(review, "apiVersion");
  if (apiVersion != kAdmissionApiVersion) {
    return notAReview("apiVersion is \"" + apiVersion + "\", expected \"" + std::string(kAdmissionApiVersion) + "\"");
  }
  const std::string kind = stringAt(review, "kind");
  if (kind != kAdmissionReviewKind) return notAReview("kind is \"" + kind + "\", expected \"AdmissionReview\"");
  const auto requestField = review.find("request");
  if (requestField == review.end() || !requestField->is_object()) return notAReview("request is missing");
  nlohmann::json& request = *requestField;

  AdmissionRequest decoded;
  decoded.uid = stringAt(request, "uid");
  if (decoded.uid.empty()) return notAReview("request.uid is missing");
  const auto kindField = request.find("kind");
  if (kindField == request.end() || !kindField->is_object()) return notAReview("request.kind is missing");
  decoded.group = stringAt(*kindField, "group");
  decoded.version = stringAt(*kindField, "version");
  decoded.kind = stringAt(*kindField, "kind");
  if (decoded.kind.empty()) return notAReview("request.kind.kind is missing");
  const auto resourceField = request.find("resource");
  if (resourceField != request.end()) decoded.resource = stringAt(*resourceField, "resource");
  decoded.subResource = stringAt(request, "subResource");
  decoded.operation = stringAt(request, "operation");
  if (decoded.operation.empty()) return notAReview("request.operation is missing");
  decoded.namespace_ = stringAt(request, "namespace");
  decoded.name = stringAt(request, "name");
  const auto dryRun = request.find("dryRun");
  decoded.dryRun = dryRun != request.end() && dryRun->is_boolean() && dryRun->get<bool>();

  for (auto [key, target] : {std::pair{"object", &decoded.object}, std::pair{"oldObject", &decoded.oldObject}}) {
    const auto found = request.find(key);
    if (found == request.end() || found->is_null()) continue;
    if (!found->is_object()) return notAReview(std::string("request.") + key + " is not an object");
    *target = std::move(*found);
  }
  return decoded;
}

Result<AdmissionRequest> decodeAdmissionReview(std::string_view body, const manifest::ParseLimits& limits) {
  auto document = manifest::parseStrictJson(body, limits);
  if (!document) {
    return makeError(ErrorCode::kInvalidArgument, "body is not valid JSON: " + document.error().message);
  }
  return decodeAdmissionReview(std::move(*document));
}

}  // namespace agentguard::webhook
