#include "common/kube/api_errors.h"

#include <charconv>
#include <string>

#include "common/kube/json_fields.h"

namespace agentguard::kube {
namespace {

using Json = nlohmann::json;

constexpr size_t kMaxRawBodyInMessage = 200;

ErrorCode codeFor(int httpStatus, std::string_view reason) {
  switch (httpStatus) {
    case 400:
    case 413:
    case 422:
      return ErrorCode::kInvalidArgument;
    case 401:
    case 403:
      return ErrorCode::kForbidden;
    case 404:
      return ErrorCode::kNotFound;
    case 409:
      return reason == "AlreadyExists" ? ErrorCode::kAlreadyExists : ErrorCode::kConflict;
    case 410:
      return ErrorCode::kGone;
    case 408:
    case 429:
      return ErrorCode::kUnavailable;
    case 501:
      return ErrorCode::kInternal;
    default:
      return (httpStatus >= 500 && httpStatus <= 599) ? ErrorCode::kUnavailable : ErrorCode::kInternal;
  }
}

// "spec.containers[0].image: Required value" for each entry of status.details.causes.
std::vector<std::string> causesOf(const Json& status) {
  std::vector<std::string> causes;
  const Json* details = jsonMember(status, "details");
  const Json* list = details != nullptr ? jsonMember(*details, "causes") : nullptr;
  if (list == nullptr || !list->is_array()) return causes;
  for (const Json& cause : list->get_ref<const Json::array_t&>()) {
    if (!cause.is_object()) continue;
    const std::string field = jsonString(cause, "field");
    std::string message = jsonString(cause, "message");
    if (message.empty()) message = jsonString(cause, "reason");
    causes.push_back(field.empty() ? message : field + ": " + message);
  }
  return causes;
}

std::optional<std::chrono::milliseconds> retryAfterOf(const Json& status) {
  const Json* details = jsonMember(status, "details");
  const Json* seconds = details != nullptr ? jsonMember(*details, "retryAfterSeconds") : nullptr;
  if (seconds == nullptr || !seconds->is_number_integer() || seconds->get<long long>() <= 0) {
    return std::nullopt;
  }
  return std::chrono::seconds(seconds->get<long long>());
}

bool isStatusObject(const Json& body) {
  return body.is_object() && jsonString(body, "kind") == "Status";
}

Error fromStatusObject(int httpStatus, const Json& status, std::string_view what) {
  const std::string reason = jsonString(status, "reason");
  std::string message = jsonString(status, "message");
  if (message.empty()) message = reason.empty() ? "HTTP " + std::to_string(httpStatus) : reason;
  Error error = makeError(codeFor(httpStatus, reason), std::string(what) + ": " + message);
  error.causes = causesOf(status);
  error.retryAfter = retryAfterOf(status);
  return error;
}

}  // namespace

Error errorFromResponse(int httpStatus, std::string_view body, std::string_view retryAfterHeader,
                        std::string_view what) {
  Error error;
  const Json parsed = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (isStatusObject(parsed)) {
    error = fromStatusObject(httpStatus, parsed, what);
  } else {
    // Not a metav1.Status (a proxy in between, or an empty body): show a bounded prefix of the text.
    std::string message = std::string(what) + ": HTTP " + std::to_string(httpStatus);
    if (!body.empty()) {
      message += ": ";
      message += body.substr(0, kMaxRawBodyInMessage);
      if (body.size() > kMaxRawBodyInMessage) message += "...";
    }
    error = makeError(codeFor(httpStatus, ""), std::move(message));
  }
  if (const auto header = parseRetryAfter(retryAfterHeader)) error.retryAfter = header;
  return error;
}

Error errorFromStatus(const Json& status, std::string_view what) {
  if (!status.is_object()) {
    return makeError(ErrorCode::kInternal, std::string(what) + ": the error event carried no Status object");
  }
  const Json* code = jsonMember(status, "code");
  return fromStatusObject(code != nullptr && code->is_number_integer() ? code->get<int>() : 500, status, what);
}

Error connectionError(std::string_view what, std::string_view detail) {
  return makeError(ErrorCode::kUnavailable, std::string(what) + ": " + std::string(detail));
}

std::optional<std::chrono::milliseconds> parseRetryAfter(std::string_view header) {
  while (!header.empty() && (header.front() == ' ' || header.front() == '\t')) header.remove_prefix(1);
  while (!header.empty() && (header.back() == ' ' || header.back() == '\t')) header.remove_suffix(1);
  if (header.empty()) return std::nullopt;
  long long seconds = 0;
  const auto [end, ec] = std::from_chars(header.data(), header.data() + header.size(), seconds);
  if (ec != std::errc() || end != header.data() + header.size() || seconds < 0) return std::nullopt;
  return std::chrono::seconds(seconds);
}

}  // namespace agentguard::kube
