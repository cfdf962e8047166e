#include "webhook/admission/admission_request.h"

#include <exception>
#include <utility>

#include "common/manifest/strict_json.h"

namespace agentguard::webhook {
namespace {

using Json = nlohmann::json;

Error notAReview(std::string reason) {
  return makeError(ErrorCode::kInvalidArgument, "body is not an admission.k8s.io/v1 AdmissionReview: " + reason);
}

// The member `key` of `object` when it is of type `type`; nullptr when it is absent or of another type.
Json* memberOfType(Json& object, std::string_view key, Json::value_t type) {
  const auto found = object.find(key);
  return found != object.end() && found->type() == type ? &*found : nullptr;
}

// The string member `key` of `object`, moved out; "" when it is absent or not a string.
std::string takeString(Json& object, std::string_view key) {
  Json* value = memberOfType(object, key, Json::value_t::string);
  return value != nullptr ? std::move(value->get_ref<std::string&>()) : std::string();
}

// request.object or request.oldObject moved into `out` (left null when absent or null); false when it
// is there but not an object.
bool takeObject(Json& request, std::string_view key, Json& out) {
  const auto found = request.find(key);
  if (found == request.end() || found->is_null()) return true;
  if (!found->is_object()) return false;
  out = std::move(*found);
  return true;
}

// The fields of a review already read as strict JSON. A field of the wrong type reads as absent, and the
// checks say what is missing.
Result<AdmissionRequest> requestOf(Json& review) {
  if (!review.is_object()) return notAReview("the document is not a JSON object");
  const std::string apiVersion = takeString(review, "apiVersion");
  if (apiVersion != kAdmissionApiVersion) {
    return notAReview("apiVersion is \"" + apiVersion + "\", expected \"" + std::string(kAdmissionApiVersion) + "\"");
  }
  const std::string kind = takeString(review, "kind");
  if (kind != kAdmissionReviewKind) return notAReview("kind is \"" + kind + "\", expected \"AdmissionReview\"");
  Json* request = memberOfType(review, "request", Json::value_t::object);
  if (request == nullptr) return notAReview("request is missing");

  AdmissionRequest out;
  out.uid = takeString(*request, "uid");
  Json* requestKind = memberOfType(*request, "kind", Json::value_t::object);
  if (requestKind != nullptr) {
    out.group = takeString(*requestKind, "group");
    out.version = takeString(*requestKind, "version");
    out.kind = takeString(*requestKind, "kind");
  }
  if (Json* resource = memberOfType(*request, "resource", Json::value_t::object)) {
    out.resource = takeString(*resource, "resource");
  }
  out.subResource = takeString(*request, "subResource");
  out.operation = takeString(*request, "operation");
  out.namespace_ = takeString(*request, "namespace");
  out.name = takeString(*request, "name");
  if (const Json* dryRun = memberOfType(*request, "dryRun", Json::value_t::boolean)) out.dryRun = dryRun->get<bool>();
  if (Json* userInfo = memberOfType(*request, "userInfo", Json::value_t::object)) {
    out.username = takeString(*userInfo, "username");
    if (Json* groups = memberOfType(*userInfo, "groups", Json::value_t::array)) {
      for (Json& group : *groups) {
        if (group.is_string()) out.groups.push_back(std::move(group.get_ref<std::string&>()));
      }
    }
  }
  const bool objectFine = takeObject(*request, "object", out.object);
  const bool oldObjectFine = takeObject(*request, "oldObject", out.oldObject);

  if (out.uid.empty()) return notAReview("request.uid is missing");
  if (requestKind == nullptr) return notAReview("request.kind is missing");
  if (out.kind.empty()) return notAReview("request.kind.kind is missing");
  if (out.operation.empty()) return notAReview("request.operation is missing");
  if (!objectFine) return notAReview("request.object is not an object");
  if (!oldObjectFine) return notAReview("request.oldObject is not an object");
  return out;
}

}  // namespace

Result<AdmissionRequest> decodeAdmissionReview(std::string_view body, const manifest::ParseLimits& limits) {
  auto review = manifest::parseStrictJson(body, limits);
  if (!review) return makeError(ErrorCode::kInvalidArgument, "body is not valid JSON: " + review.error().message);
  try {
    return requestOf(*review);
  } catch (const std::exception& error) {  // std::bad_alloc: the request does not fit in memory
    return makeError(ErrorCode::kInvalidArgument, std::string("body is not valid JSON: ") + error.what());
  }
}

}  // namespace agentguard::webhook
