#include "common/result/result.h"

namespace agentguard {

std::string_view errorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "InvalidArgument";
    case ErrorCode::kNotFound: return "NotFound";
    case ErrorCode::kAlreadyExists: return "AlreadyExists";
    case ErrorCode::kConflict: return "Conflict";
    case ErrorCode::kGone: return "Gone";
    case ErrorCode::kForbidden: return "Forbidden";
    case ErrorCode::kUnavailable: return "Unavailable";
    case ErrorCode::kInternal: return "Internal";
  }
  return "Internal";
}

std::string Error::describe() const {
  std::string text(errorCodeName(code));
  text += ": ";
  text += message;
  if (!causes.empty()) {
    text += " (";
    for (size_t i = 0; i < causes.size(); ++i) {
      if (i > 0) text += "; ";
      text += causes[i];
    }
    text += ")";
  }
  return text;
}

}  // namespace agentguard
