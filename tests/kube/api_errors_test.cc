#include "common/kube/api_errors.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace agentguard::kube {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Bodies as kube-apiserver v1.37 sends them (captured from the local control plane; kTooMany is not: the
// server sends 429 only when API Priority and Fairness sheds load).
constexpr const char* kNotFound =
    R"j({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)j"
    R"j("message":"pods \"scraper\" not found","reason":"NotFound",)j"
    R"j("details":{"name":"scraper","kind":"pods"},"code":404})j";
constexpr const char* kAlreadyExists =
    R"j({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)j"
    R"j("message":"configmaps \"settings\" already exists","reason":"AlreadyExists",)j"
    R"j("details":{"name":"settings","kind":"configmaps"},"code":409})j";
constexpr const char* kConflict =
    R"j({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)j"
    R"j("message":"Operation cannot be fulfilled on configmaps \"settings\": the object has been modified; )j"
    R"j(please apply your changes to the latest version and try again","reason":"Conflict",)j"
    R"j("details":{"name":"settings","kind":"configmaps"},"code":409})j";
constexpr const char* kInvalid =
    R"j({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)j"
    R"j("message":"Pod \"Bad_Name\" is invalid: [metadata.name: Invalid value: \"Bad_Name\": )j"
    R"j(a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', )j"
    R"j(and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation )j"
    R"j(is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*'))j"
    R"j(, spec.containers: Required value]",)j"
    R"j("reason":"Invalid","details":{"name":"Bad_Name","kind":"Pod","causes":[)j"
    R"j({"reason":"FieldValueInvalid","message":"Invalid value: \"Bad_Name\": )j"
    R"j(a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', )j"
    R"j(and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation )j"
    R"j(is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*'))j"
    R"j(","field":"metadata.name"},{"reason":"FieldValueRequired","message":"Required value",)j"
    R"j("field":"spec.containers"}]},"code":422})j";
// The object of the ERROR event a watch from before an API server restart gets.
constexpr const char* kExpired =
    R"j({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)j"
    R"j("message":"too old resource version: 1 (234)","reason":"Expired","code":410})j";
constexpr const char* kForbidden =
    R"j({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)j"
    R"j("message":"pods is forbidden: User \"system:serviceaccount:agents:reader\" cannot list resource )j"
    R"j(\"pods\" in API group \"\" in the namespace \"kube-system\"","reason":"Forbidden",)j"
    R"j("details":{"kind":"pods"},"code":403})j";
constexpr const char* kTooMany =
    R"j({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Too many requests, )j"
    R"j(please try again later.","reason":"TooManyRequests","details":{"retryAfterSeconds":3},"code":429})j";

struct Case {
  const char* name;
  int status;
  std::string body;
  std::string retryAfterHeader;
  ErrorCode code;
  std::vector<std::string> causes;
  std::optional<milliseconds> retryAfter;
};

class ErrorFromResponseTest : public ::testing::TestWithParam<Case> {};

TEST_P(ErrorFromResponseTest, MapsStatusAndBody) {
  const Case& c = GetParam();
  const Error error = errorFromResponse(c.status, c.body, c.retryAfterHeader, "GET /api/v1/x");
  EXPECT_EQ(errorCodeName(error.code), errorCodeName(c.code)) << error.describe();
  EXPECT_EQ(error.causes, c.causes);
  EXPECT_EQ(error.retryAfter, c.retryAfter);
  EXPECT_EQ(error.message.rfind("GET /api/v1/x: ", 0), 0u) << error.message;
}

INSTANTIATE_TEST_SUITE_P(
    CannedStatuses, ErrorFromResponseTest,
    ::testing::Values(
        Case{"NotFound", 404, kNotFound, "", ErrorCode::kNotFound, {}, std::nullopt},
        Case{"AlreadyExists", 409, kAlreadyExists, "", ErrorCode::kAlreadyExists, {}, std::nullopt},
        Case{"Conflict", 409, kConflict, "", ErrorCode::kConflict, {}, std::nullopt},
        Case{"Invalid", 422, kInvalid, "", ErrorCode::kInvalidArgument,
             {"metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case "
              "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. "
              "'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
              "spec.containers: Required value"},
             std::nullopt},
        Case{"BadRequest", 400, R"j({"kind":"Status","message":"bad","reason":"BadRequest","code":400})j", "",
             ErrorCode::kInvalidArgument, {}, std::nullopt},
        Case{"Expired", 410, kExpired, "", ErrorCode::kGone, {}, std::nullopt},
        Case{"Unauthorized", 401, R"j({"kind":"Status","message":"Unauthorized","reason":"Unauthorized"})j", "",
             ErrorCode::kForbidden, {}, std::nullopt},
        Case{"Forbidden", 403, kForbidden, "", ErrorCode::kForbidden, {}, std::nullopt},
        Case{"TooManyRequestsBody", 429, kTooMany, "", ErrorCode::kUnavailable, {}, milliseconds(3000)},
        Case{"TooManyRequestsHeaderWins", 429, kTooMany, "7", ErrorCode::kUnavailable, {}, milliseconds(7000)},
        Case{"ServiceUnavailablePlainText", 503, "upstream connect error", "2", ErrorCode::kUnavailable, {},
             milliseconds(2000)},
        Case{"GatewayTimeoutNoBody", 504, "", "", ErrorCode::kUnavailable, {}, std::nullopt},
        Case{"InternalError", 500, R"j({"kind":"Status","message":"etcdserver: leader changed","code":500})j", "",
             ErrorCode::kUnavailable, {}, std::nullopt},
        Case{"NotImplemented", 501, "", "", ErrorCode::kInternal, {}, std::nullopt},
        Case{"MethodNotAllowed", 405, R"j({"kind":"Status","message":"method not allowed","code":405})j", "",
             ErrorCode::kInternal, {}, std::nullopt},
        Case{"RetryAfterDateIgnored", 503, "", "Wed, 21 Oct 2026 07:28:00 GMT", ErrorCode::kUnavailable, {},
             std::nullopt}),
    [](const ::testing::TestParamInfo<Case>& param) { return std::string(param.param.name); });

TEST(ApiErrorsTest, MessageCarriesTheServerMessage) {
  const Error error = errorFromResponse(404, kNotFound, "", "GET /api/v1/namespaces/agents/pods/scraper");
  EXPECT_EQ(error.message, "GET /api/v1/namespaces/agents/pods/scraper: pods \"scraper\" not found");
}

TEST(ApiErrorsTest, LongNonStatusBodyIsCut) {
  const Error error = errorFromResponse(502, std::string(5000, 'x'), "", "GET /api");
  EXPECT_LT(error.message.size(), 300u);
  EXPECT_NE(error.message.find("HTTP 502"), std::string::npos);
}

TEST(ApiErrorsTest, WatchErrorEventStatusUsesItsCode) {
  const auto status = nlohmann::json::parse(kExpired);
  const Error error = errorFromStatus(status, "watch /api/v1/configmaps");
  EXPECT_EQ(error.code, ErrorCode::kGone);
  EXPECT_EQ(error.message, "watch /api/v1/configmaps: too old resource version: 1 (234)");
}

TEST(ApiErrorsTest, WatchErrorEventWithoutCodeIsUnavailable) {
  const Error error = errorFromStatus(nlohmann::json{{"kind", "Status"}, {"message", "x"}}, "watch");
  EXPECT_EQ(error.code, ErrorCode::kUnavailable);
  EXPECT_EQ(errorFromStatus(nlohmann::json("text"), "watch").code, ErrorCode::kInternal);
}

TEST(ApiErrorsTest, ConnectionErrorsAreRetryable) {
  const Error error = connectionError("GET /api", "Connection refused");
  EXPECT_EQ(error.code, ErrorCode::kUnavailable);
  EXPECT_TRUE(error.retryable());
}

TEST(ApiErrorsTest, ParsesRetryAfterSeconds) {
  EXPECT_EQ(parseRetryAfter("5"), milliseconds(5000));
  EXPECT_EQ(parseRetryAfter(" 0 "), milliseconds(0));
  EXPECT_EQ(parseRetryAfter(""), std::nullopt);
  EXPECT_EQ(parseRetryAfter("-1"), std::nullopt);
  EXPECT_EQ(parseRetryAfter("1.5"), std::nullopt);
  EXPECT_EQ(parseRetryAfter("Fri, 31 Dec 1999 23:59:59 GMT"), std::nullopt);
}

}  // namespace
}  // namespace agentguard::kube
