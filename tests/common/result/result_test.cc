// Result<T> and Status: the value-or-error type every module returns.
#include "common/result/result.h"

#include <gtest/gtest.h>

#include <memory>

namespace agentguard {
namespace {

TEST(ResultTest, HoldsAValue) {
  Result<int> result(7);
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(static_cast<bool>(result));
  EXPECT_EQ(result.value(), 7);
  EXPECT_EQ(*result, 7);
}

TEST(ResultTest, HoldsAnError) {
  Result<int> result = makeError(ErrorCode::kNotFound, "no such thing");
  ASSERT_FALSE(result.ok());
  EXPECT_FALSE(static_cast<bool>(result));
  EXPECT_EQ(result.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(result.error().message, "no such thing");
}

TEST(ResultTest, MovesOutMoveOnlyValuesAndErrors) {
  Result<std::unique_ptr<int>> value(std::make_unique<int>(3));
  std::unique_ptr<int> taken = std::move(value).value();
  ASSERT_NE(taken, nullptr);
  EXPECT_EQ(*taken, 3);

  Result<std::unique_ptr<int>> failed = makeError(ErrorCode::kInternal, "boom");
  Error error = std::move(failed).error();
  EXPECT_EQ(error.message, "boom");
}

TEST(ResultTest, ArrowReachesMembers) {
  Result<std::string> result(std::string("abc"));
  EXPECT_EQ(result->size(), 3u);
  result->push_back('d');
  EXPECT_EQ(*result, "abcd");
}

TEST(StatusTest, DefaultIsOkAndErrorIsNot) {
  EXPECT_TRUE(okStatus().ok());
  EXPECT_TRUE(Status().ok());
  const Status failed = makeError(ErrorCode::kConflict, "stale");
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, ErrorCode::kConflict);
}

TEST(ErrorTest, CodeNames) {
  const std::vector<std::pair<ErrorCode, std::string>> cases = {
      {ErrorCode::kInvalidArgument, "InvalidArgument"}, {ErrorCode::kNotFound, "NotFound"},
      {ErrorCode::kAlreadyExists, "AlreadyExists"},     {ErrorCode::kConflict, "Conflict"},
      {ErrorCode::kGone, "Gone"},                       {ErrorCode::kForbidden, "Forbidden"},
      {ErrorCode::kUnavailable, "Unavailable"},         {ErrorCode::kInternal, "Internal"},
  };
  for (const auto& [code, name] : cases) EXPECT_EQ(errorCodeName(code), name);
}

TEST(ErrorTest, OnlyUnavailableAndConflictAreRetryable) {
  for (const ErrorCode code : {ErrorCode::kInvalidArgument, ErrorCode::kNotFound, ErrorCode::kAlreadyExists,
                               ErrorCode::kGone, ErrorCode::kForbidden, ErrorCode::kInternal}) {
    EXPECT_FALSE(makeError(code, "").retryable()) << errorCodeName(code);
  }
  EXPECT_TRUE(makeError(ErrorCode::kUnavailable, "").retryable());
  EXPECT_TRUE(makeError(ErrorCode::kConflict, "").retryable());
}

TEST(ErrorTest, DescribeListsCauses) {
  Error error = makeError(ErrorCode::kInvalidArgument, "invalid policy");
  EXPECT_EQ(error.describe(), "InvalidArgument: invalid policy");
  error.causes = {"a.yaml:3: bad", "a.yaml:9: worse"};
  EXPECT_EQ(error.describe(), "InvalidArgument: invalid policy (a.yaml:3: bad; a.yaml:9: worse)");
}

}  // namespace
}  // namespace agentguard
