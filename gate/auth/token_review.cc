#include "gate/auth/token_review.h"

#include <string>

#include "common/encoding/base64.h"

namespace agentguard::gate {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kServiceAccountPrefix = "system:serviceaccount:";
constexpr const char* kPodNameExtra = "authentication.kubernetes.io/pod-name";
constexpr const char* kPodUidExtra = "authentication.kubernetes.io/pod-uid";
// A JWT payload larger than this is not a Kubernetes token; it is not decoded.
constexpr size_t kMaxPayloadChars = 8 * 1024;
// Year 3000; later expiries are read as absent (the cache TTL bounds the entry anyway).
constexpr int64_t kLatestExpiry = 32'503'680'000;

Error forbidden(std::string message) { return makeError(ErrorCode::kForbidden, std::move(message)); }

const Json* member(const Json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

std::string stringMember(const Json& object, const char* key) {
  const Json* value = member(object, key);
  return value != nullptr && value->is_string() ? value->get<std::string>() : std::string();
}

// user.extra values are lists of strings; exactly one is expected.
std::string singleExtra(const Json& user, const char* key) {
  const Json* extra = member(user, "extra");
  const Json* values = extra != nullptr ? member(*extra, key) : nullptr;
  if (values == nullptr || !values->is_array() || values->size() != 1 || !(*values)[0].is_string()) return {};
  return (*values)[0].get<std::string>();
}

}  // namespace

Json tokenReviewRequest(std::string_view token, std::string_view audience) {
  return Json{{"apiVersion", "authentication.k8s.io/v1"},
              {"kind", "TokenReview"},
              {"spec", {{"token", std::string(token)}, {"audiences", Json::array({std::string(audience)})}}}};
}

Result<ReviewedToken> readTokenReview(const Json& review, std::string_view audience, std::string_view gateNamespace) {
  const Json* status = member(review, "status");
  if (status == nullptr || !status->is_object()) return forbidden("token was not reviewed: the TokenReview has no status");
  const Json* authenticated = member(*status, "authenticated");
  if (authenticated == nullptr || !authenticated->is_boolean() || !authenticated->get<bool>()) {
    const std::string why = stringMember(*status, "error");
    return forbidden("token is not valid for audience " + std::string(audience) +
                     (why.empty() ? std::string() : ": " + why) +
                     "; send the projected token from $AGENTGUARD_GATE_TOKEN_FILE");
  }
  bool audienceFound = false;
  if (const Json* audiences = member(*status, "audiences"); audiences != nullptr && audiences->is_array()) {
    for (const auto& entry : *audiences) audienceFound = audienceFound || (entry.is_string() && entry == audience);
  }
  if (!audienceFound) {
    return forbidden("token audience is not " + std::string(audience) +
                     "; send the projected token from $AGENTGUARD_GATE_TOKEN_FILE");
  }
  const Json* user = member(*status, "user");
  const std::string username = user != nullptr ? stringMember(*user, "username") : std::string();
  if (username.rfind(kServiceAccountPrefix, 0) != 0) {
    return forbidden("token user " + username + " is not a ServiceAccount; only sandbox Pods may call the gate");
  }
  const std::string_view rest = std::string_view(username).substr(kServiceAccountPrefix.size());
  const size_t colon = rest.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == rest.size()) {
    return forbidden("token user " + username + " is not of the form system:serviceaccount:<namespace>:<name>");
  }
  ReviewedToken reviewed;
  reviewed.namespaceName = std::string(rest.substr(0, colon));
  reviewed.serviceAccount = std::string(rest.substr(colon + 1));
  if (reviewed.namespaceName != gateNamespace) {
    return forbidden("token belongs to namespace " + reviewed.namespaceName + ", this gate serves namespace " +
                     std::string(gateNamespace));
  }
  reviewed.podName = singleExtra(*user, kPodNameExtra);
  reviewed.podUid = singleExtra(*user, kPodUidExtra);
  if (reviewed.podName.empty() || reviewed.podUid.empty()) {
    return forbidden("token of ServiceAccount " + reviewed.namespaceName + "/" + reviewed.serviceAccount +
                     " is not bound to a Pod; send the projected token from $AGENTGUARD_GATE_TOKEN_FILE");
  }
  return reviewed;
}

std::optional<std::chrono::system_clock::time_point> jwtExpiry(std::string_view token) {
  const size_t first = token.find('.');
  if (first == std::string_view::npos) return std::nullopt;
  const size_t second = token.find('.', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  std::string payload(token.substr(first + 1, second - first - 1));
  if (payload.empty() || payload.size() > kMaxPayloadChars) return std::nullopt;
  for (char& c : payload) {
    if (c == '-') c = '+';
    else if (c == '_') c = '/';
    else if (c == '+' || c == '/') return std::nullopt;  // not the URL-safe alphabet JWTs use
  }
  const auto decoded = encoding::decodeBase64(payload, encoding::kLenientBase64);
  if (!decoded) return std::nullopt;
  const Json claims = Json::parse(*decoded, nullptr, /*allow_exceptions=*/false);
  const Json* exp = member(claims, "exp");
  if (exp == nullptr || !exp->is_number_integer()) return std::nullopt;
  const auto seconds = exp->get<int64_t>();
  if (seconds <= 0 || seconds > kLatestExpiry) return std::nullopt;  // past it, the time point would overflow
  return std::chrono::system_clock::time_point(std::chrono::seconds(seconds));
}

}  // namespace agentguard::gate
